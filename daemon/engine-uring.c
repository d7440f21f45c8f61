// SPDX-License-Identifier: GPL-2.0
/*
 * The embedded engine: the module's flows run in this process on io_uring
 * when /dev/flowswitch is absent.  This file is the control side -- ports,
 * flows, transactions, flow control, queries and events -- with the
 * module's validation and errnos (kmod/port.c, kmod/flow.c, kmod/txn.c);
 * the data path is engine-uring-flow.c.
 *
 * What it cannot do it refuses as the module does without the hardware:
 * no p2p memory (placement REQUIRED is EXDEV, PREFERRED runs in host
 * memory and says so), no PCI BAR windows (EOPNOTSUPP).
 */
#include <errno.h>
#include <limits.h>
#include <linux/ioprio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "engine-uring.h"

#define offsetofend(type, member) \
	(offsetof(type, member) + sizeof(((type *)0)->member))

/* Why this engine gives no p2p memory: it runs without the module. */
#define URING_P2P_REASON FLOWSWITCH_P2P_NO_KERNEL_SUPPORT

static struct uring_engine *to_uring(struct fsw_engine *e)
{
	return (struct uring_engine *)e;
}

uint64_t uring_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/*
 * A command struct by the ABI's rules (kmod/ioctl.c): @size first, not
 * below the first version, the caller's bytes past what we know all zero.
 */
static int cmd_in(void *dst, size_t ksize, size_t min_size, const void *src,
		  uint32_t *user_size)
{
	const unsigned char *tail = src;
	size_t i;

	if (!src)
		return -EFAULT;
	memcpy(user_size, src, sizeof(*user_size));
	if (*user_size < min_size)
		return -EINVAL;
	if (*user_size > URING_CMD_MAX_SIZE)
		return -E2BIG;
	memset(dst, 0, ksize);
	memcpy(dst, src, *user_size < ksize ? *user_size : ksize);
	for (i = ksize; i < *user_size; i++)
		if (tail[i])
			return -E2BIG;
	return 0;
}

static void cmd_out(void *dst, const void *src, size_t ksize,
		    uint32_t user_size)
{
	memcpy(dst, src, user_size < ksize ? user_size : ksize);
}

/* ---- objects ---------------------------------------------------------- */

static int obj_insert(struct uring_engine *eng, struct uobj *obj)
{
	uint32_t i, id;

	/* In turn, not lowest-free: a stale id must not name the next one. */
	for (i = 0; i < URING_MAX_OBJS; i++) {
		id = (eng->next_id + i) % URING_MAX_OBJS + 1;
		if (!eng->objs[id]) {
			eng->objs[id] = obj;
			obj->id = id;
			eng->next_id = id % URING_MAX_OBJS;
			return 0;
		}
	}
	return -EMFILE;
}

static struct uobj *obj_find(struct uring_engine *eng, uint32_t id,
			     enum uobj_type type)
{
	struct uobj *obj = id && id <= URING_MAX_OBJS ? eng->objs[id] : NULL;

	return obj && obj->type == type ? obj : NULL;
}

/* ---- ports ------------------------------------------------------------ */

/* ---- ports: engine-uring-port.c ---------------------------------------- */

static int port_create(struct uring_engine *eng,
		       struct flowswitch_port_create *cmd)
{
	struct uport *port;
	int ret;

	ret = uport_open(cmd, &port);
	if (ret)
		return ret;
	ret = obj_insert(eng, &port->obj);
	if (ret) {
		uport_free(port);
		return ret;
	}
	cmd->out_port_id = port->obj.id;
	cmd->out_kind = port->kind;
	cmd->out_dio_align = port->dio_align;
	cmd->out_size = port->size;
	cmd->out_bar = 0;
	cmd->out_bar_offset = 0;
	return 0;
}

/* ---- flows ------------------------------------------------------------ */

static uint16_t flow_ioprio(uint32_t priority)
{
	switch (priority) {
	case FLOWSWITCH_PRIO_HIGH:
		return IOPRIO_PRIO_VALUE(IOPRIO_CLASS_BE, 0);
	case FLOWSWITCH_PRIO_BACKGROUND:
		return IOPRIO_PRIO_VALUE(IOPRIO_CLASS_IDLE, 0);
	default:
		return IOPRIO_PRIO_VALUE(IOPRIO_CLASS_BE, 4);
	}
}

static struct uport *flow_port(struct uring_engine *eng, uint32_t id,
			       const uint32_t *txn_ids, uint32_t nr_txn_ids)
{
	if (id & FLOWSWITCH_TXN_REF_BIT) {
		id &= ~FLOWSWITCH_TXN_REF_BIT;
		if (!txn_ids || id >= nr_txn_ids || !txn_ids[id])
			return NULL;
		id = txn_ids[id];
	}
	return (struct uport *)obj_find(eng, id, UOBJ_PORT);
}

/* Two ranges of one flow on the same bytes: it would read what it wrote. */
static bool ranges_clash(const struct uport *a, uint64_t a_off,
			 const struct uport *b, uint64_t b_off, uint64_t len)
{
	if (a->kind != b->kind || a->space_dev != b->space_dev ||
	    a->space_ino != b->space_ino)
		return false;
	a_off += a->space_base;
	b_off += b->space_base;
	return a_off < b_off + len && b_off < a_off + len;
}

static int flow_check_sinks(struct uflow *flow)
{
	uint64_t end;
	uint32_t i, j;

	for (i = 0; i < flow->nr_sinks; i++) {
		struct uport *sink = flow->sinks[i];

		if (!(sink->access & FLOWSWITCH_PORT_WRITE))
			return -EBADF;
		if (__builtin_add_overflow(flow->sink_off[i], flow->length,
					   &end) ||
		    end > (uint64_t)LLONG_MAX)
			return -EOVERFLOW;
		if (sink->kind != FLOWSWITCH_PORT_FILE && end > sink->size)
			return -ENOSPC;
		if (ranges_clash(flow->src, flow->src_off, sink,
				 flow->sink_off[i], flow->length))
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (ranges_clash(flow->sinks[j], flow->sink_off[j],
					 sink, flow->sink_off[i], flow->length))
				return -EINVAL;
	}
	return 0;
}

static void flow_free(struct uflow *flow)
{
	uflow_teardown(flow);
	uxform_free(flow);
	pthread_cond_destroy(&flow->final);
	pthread_cond_destroy(&flow->wake);
	pthread_mutex_destroy(&flow->lock);
	free(flow);
}

/*
 * The module's rule (ABI 1.4): printable ASCII without spaces,
 * NUL-terminated, zero after the NUL; all zero for no name.
 */
static int flow_name_check(const char *name)
{
	size_t i, len = strnlen(name, FLOWSWITCH_NAME_LEN);

	if (len == FLOWSWITCH_NAME_LEN)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (name[i] <= ' ' || name[i] > '~')
			return -EINVAL;
	for (; i < FLOWSWITCH_NAME_LEN; i++)
		if (name[i])
			return -EINVAL;
	return 0;
}

static int flow_create(struct uring_engine *eng,
		       struct flowswitch_flow_create *cmd,
		       const uint32_t *txn_ids, uint32_t nr_txn_ids)
{
	const uint32_t known =
		FLOWSWITCH_FLOW_TO_END | FLOWSWITCH_FLOW_NO_FLUSH |
		FLOWSWITCH_FLOW_NAMED_PROVIDER | FLOWSWITCH_FLOW_SKIP_CANARY;
	const struct flowswitch_sink *usinks;
	struct uflow *flow;
	struct uport *port;
	uint64_t end;
	uint32_t i;
	int ret;

	if (cmd->flags & ~known || cmd->__reserved || cmd->__reserved2 ||
	    cmd->placement > FLOWSWITCH_P2P_REQUIRED || !cmd->nr_sinks ||
	    cmd->nr_sinks > FLOWSWITCH_MAX_SINKS ||
	    cmd->chunk_size < FLOWSWITCH_MIN_CHUNK ||
	    cmd->chunk_size > FLOWSWITCH_MAX_CHUNK || cmd->chunk_size % 4096 ||
	    !cmd->depth || cmd->depth > FLOWSWITCH_MAX_DEPTH ||
	    cmd->priority > FLOWSWITCH_PRIO_BACKGROUND ||
	    cmd->rate_bps > URING_MAX_RATE)
		return -EINVAL;
	if (!(cmd->flags & FLOWSWITCH_FLOW_TO_END) && !cmd->length)
		return -EINVAL;
	if (cmd->__reserved3 || cmd->nr_stages > FLOWSWITCH_MAX_STAGES)
		return -EINVAL;
	if (flow_name_check(cmd->name))
		return -EINVAL;
	usinks = (const struct flowswitch_sink *)(uintptr_t)cmd->sinks_uptr;
	if (!usinks)
		return -EFAULT;
	for (i = 0; i < cmd->nr_sinks; i++)
		if (usinks[i].__reserved)
			return -EINVAL;

	flow = calloc(1, sizeof(*flow));
	if (!flow)
		return -ENOMEM;
	flow->obj.type = UOBJ_FLOW;
	flow->eng = eng;
	uxform_init(flow);
	pthread_mutex_init(&flow->lock, NULL);
	pthread_cond_init(&flow->wake, NULL);
	pthread_cond_init(&flow->final, NULL);
	flow->state = FLOWSWITCH_FLOW_CREATED;
	flow->flags = cmd->flags;
	flow->chunk = cmd->chunk_size;
	flow->depth = cmd->depth;
	flow->rate_bps = cmd->rate_bps;
	flow->ioprio = flow_ioprio(cmd->priority);
	flow->max_retries = cmd->max_retries;
	flow->nr_sinks = cmd->nr_sinks;
	flow->src_off = cmd->src_offset;

	ret = -ENOENT;
	port = flow_port(eng, cmd->src_port_id, txn_ids, nr_txn_ids);
	if (!port)
		goto err_free;
	ret = -EBADF;
	if (!(port->access & FLOWSWITCH_PORT_READ))
		goto err_free;
	flow->src = port;

	ret = -EINVAL;
	if (cmd->src_offset > port->size)
		goto err_free;
	if (cmd->flags & FLOWSWITCH_FLOW_TO_END) {
		flow->length = port->size - cmd->src_offset;
		if (!flow->length)
			goto err_free;
	} else {
		flow->length = cmd->length;
		ret = -EOVERFLOW;
		if (__builtin_add_overflow(cmd->src_offset, cmd->length, &end))
			goto err_free;
		ret = -EINVAL;
		if (end > port->size)
			goto err_free;
	}

	for (i = 0; i < cmd->nr_sinks; i++) {
		ret = -ENOENT;
		port = flow_port(eng, usinks[i].port_id, txn_ids, nr_txn_ids);
		if (!port)
			goto err_free;
		flow->sinks[i] = port;
		flow->sink_off[i] = usinks[i].offset;
	}
	ret = flow_check_sinks(flow);
	if (ret)
		goto err_free;

	/*
	 * Transform stages (engine-uring-xform.c) as the module takes them:
	 * a flow that must be p2p is refused before any key is read, and
	 * one that may be runs in host memory for the stages' sake.
	 */
	if (cmd->nr_stages && cmd->placement == FLOWSWITCH_P2P_REQUIRED) {
		flow->p2p_reason = FLOWSWITCH_P2P_TRANSFORM;
		cmd->out_p2p_reason = flow->p2p_reason;
		ret = -EXDEV;
		goto err_free;
	}
	ret = uxform_create(flow, cmd);
	if (ret)
		goto err_free;

	/* No p2p memory here: refused, or host memory and an event. */
	if (cmd->placement != FLOWSWITCH_P2P_FORBIDDEN) {
		flow->p2p_reason = flow->nr_stages ? FLOWSWITCH_P2P_TRANSFORM
						   : URING_P2P_REASON;
		cmd->out_p2p_reason = flow->p2p_reason;
		ret = -EXDEV;
		if (cmd->placement == FLOWSWITCH_P2P_REQUIRED)
			goto err_free;
	}

	/* chunk <= 16 MiB and depth <= 64: cannot overflow. */
	flow->pool_bytes = (uint64_t)flow->chunk * flow->depth;
	ret = -EDQUOT;
	if (flow->pool_bytes > URING_POOL_MAX - eng->pool_bytes)
		goto err_free;
	ret = uflow_setup(flow);
	if (ret)
		goto err_free;
	ret = obj_insert(eng, &flow->obj);
	if (ret)
		goto err_free;

	eng->pool_bytes += flow->pool_bytes;
	flow->src->users++;
	for (i = 0; i < flow->nr_sinks; i++)
		flow->sinks[i]->users++;
	cmd->out_flow_id = flow->obj.id;
	cmd->out_length = flow->length;
	cmd->out_pool = FLOWSWITCH_POOL_HOST;
	cmd->out_canary = FLOWSWITCH_CANARY_NONE;
	cmd->out_provider = 0;
	if (flow->p2p_reason != FLOWSWITCH_P2P_OK) {
		struct flowswitch_event ev = {
			.type = FLOWSWITCH_EVENT_FALLBACK,
			.flow_id = flow->obj.id,
			.state = flow->state,
			.error = flow->p2p_reason,
		};

		uring_event_queue(eng, &ev);
	}
	return 0;

err_free:
	if (flow->thread_ok) {
		/* Never started: the worker sees STOPPED and leaves quietly. */
		pthread_mutex_lock(&flow->lock);
		flow->state = FLOWSWITCH_FLOW_STOPPED;
		uflow_kick(flow);
		pthread_mutex_unlock(&flow->lock);
	}
	flow_free(flow);
	return ret;
}

static void flow_destroy(struct uring_engine *eng, struct uflow *flow)
{
	uint32_t i;

	uflow_stop_sync(flow);
	eng->objs[flow->obj.id] = NULL;
	flow->src->users--;
	for (i = 0; i < flow->nr_sinks; i++)
		flow->sinks[i]->users--;
	eng->pool_bytes -= flow->pool_bytes;
	flow_free(flow);
}

static int obj_destroy(struct uring_engine *eng, uint32_t id)
{
	struct uobj *obj = id && id <= URING_MAX_OBJS ? eng->objs[id] : NULL;
	struct uport *port;

	if (!obj)
		return -ENOENT;
	if (obj->type == UOBJ_FLOW) {
		flow_destroy(eng, (struct uflow *)obj);
		return 0;
	}
	port = (struct uport *)obj;
	if (port->users)
		return -EBUSY;
	eng->objs[id] = NULL;
	uport_free(port);
	return 0;
}

static bool state_final(uint32_t state)
{
	return state == FLOWSWITCH_FLOW_DONE ||
	       state == FLOWSWITCH_FLOW_FAILED ||
	       state == FLOWSWITCH_FLOW_STOPPED;
}

static int flow_start(struct uflow *flow)
{
	pthread_mutex_lock(&flow->lock);
	if (flow->state != FLOWSWITCH_FLOW_CREATED) {
		pthread_mutex_unlock(&flow->lock);
		return -EBUSY;
	}
	flow->state = FLOWSWITCH_FLOW_RUNNING;
	flow->start_ns = uring_now_ns();
	flow->refill_ns = flow->start_ns;
	flow->bucket = flow->rate_bps / 10 > flow->chunk ? flow->rate_bps / 10
							 : flow->chunk;
	flow->tokens = flow->chunk;
	uring_event_post(flow);
	uflow_kick(flow);
	pthread_mutex_unlock(&flow->lock);
	return 0;
}

static int flow_set(struct uflow *flow, uint32_t from, uint32_t to)
{
	int ret = -EBUSY;

	pthread_mutex_lock(&flow->lock);
	if (flow->state == from && !flow->stopping && !flow->failing) {
		flow->state = to;
		uring_event_post(flow);
		uflow_kick(flow);
		ret = 0;
	}
	pthread_mutex_unlock(&flow->lock);
	return ret;
}

static int uring_flow_ctl(struct fsw_engine *e, uint32_t flow_id, uint32_t op)
{
	struct uring_engine *eng = to_uring(e);
	struct uflow *flow;
	uint32_t state;
	int ret;

	if (op < FLOWSWITCH_FLOW_START || op > FLOWSWITCH_FLOW_STOP)
		return -EINVAL;
	pthread_mutex_lock(&eng->lock);
	flow = (struct uflow *)obj_find(eng, flow_id, UOBJ_FLOW);
	if (!flow) {
		ret = -ENOENT;
		goto out;
	}
	switch (op) {
	case FLOWSWITCH_FLOW_START:
		ret = flow_start(flow);
		break;
	case FLOWSWITCH_FLOW_PAUSE:
		ret = flow_set(flow, FLOWSWITCH_FLOW_RUNNING,
			       FLOWSWITCH_FLOW_PAUSED);
		break;
	case FLOWSWITCH_FLOW_RESUME:
		ret = flow_set(flow, FLOWSWITCH_FLOW_PAUSED,
			       FLOWSWITCH_FLOW_RUNNING);
		break;
	default:
		pthread_mutex_lock(&flow->lock);
		state = flow->state;
		pthread_mutex_unlock(&flow->lock);
		ret = -EBUSY;
		if (!state_final(state)) {
			uflow_stop_sync(flow);
			ret = 0;
		}
		break;
	}
out:
	pthread_mutex_unlock(&eng->lock);
	return ret;
}

static int uring_flow_query(struct fsw_engine *e, uint32_t flow_id,
			    struct flowswitch_flow_query *uq)
{
	struct uring_engine *eng = to_uring(e);
	struct flowswitch_flow_query q;
	struct uflow *flow;
	uint32_t usize;
	int ret;

	ret = cmd_in(&q, sizeof(q),
		     offsetofend(struct flowswitch_flow_query, elapsed_ns), uq,
		     &usize);
	if (ret)
		return ret;
	if (q.flags)
		return -EINVAL;
	pthread_mutex_lock(&eng->lock);
	flow = (struct uflow *)obj_find(eng, flow_id, UOBJ_FLOW);
	if (!flow) {
		pthread_mutex_unlock(&eng->lock);
		return -ENOENT;
	}
	pthread_mutex_lock(&flow->lock);
	q.flow_id = flow_id;
	q.state = flow->state;
	q.error = flow->error;
	q.fail_stage = flow->fail_stage;
	q.fail_sink = flow->fail_sink;
	q.in_flight = flow->in_flight;
	q.length = flow->length;
	q.bytes_done = flow->bytes_done;
	q.chunks_done = flow->chunks_done;
	q.retries = flow->retries;
	q.fail_offset = flow->fail_offset;
	q.direct_bytes = flow->direct_bytes;
	q.buffered_bytes = flow->buffered_bytes;
	q.host_pool_bytes = flow->pool_bytes;
	q.p2p_bytes = 0;
	q.host_bytes = flow->host_bytes;
	q.pool = FLOWSWITCH_POOL_HOST;
	q.p2p_reason = flow->p2p_reason;
	q.provider = 0;
	q.canary = FLOWSWITCH_CANARY_NONE;
	q.canary_ns = 0;
	q.canary_checks = 0;
	q.elapsed_ns = 0;
	if (flow->start_ns)
		q.elapsed_ns = (flow->end_ns ? flow->end_ns : uring_now_ns()) -
			       flow->start_ns;
	q.digest_len = uxform_digest(flow, q.digest);
	q.transform_ns = flow->transform_ns;
	pthread_mutex_unlock(&flow->lock);
	pthread_mutex_unlock(&eng->lock);
	cmd_out(uq, &q, sizeof(q), usize);
	return 0;
}

static int uring_destroy(struct fsw_engine *e, uint32_t id)
{
	struct uring_engine *eng = to_uring(e);
	int ret;

	pthread_mutex_lock(&eng->lock);
	ret = obj_destroy(eng, id);
	pthread_mutex_unlock(&eng->lock);
	return ret;
}

/* ---- transactions ------------------------------------------------------ */

union txn_cmd {
	struct flowswitch_port_create port;
	struct flowswitch_flow_create flow;
};

struct txn_state {
	struct flowswitch_txn_item items[FLOWSWITCH_MAX_TXN_ITEMS];
	union txn_cmd cmds[FLOWSWITCH_MAX_TXN_ITEMS];
	uint32_t user_size[FLOWSWITCH_MAX_TXN_ITEMS];
	uint32_t ids[FLOWSWITCH_MAX_TXN_ITEMS]; /* made by item i, or 0 */
};

static int txn_item(struct uring_engine *eng, struct txn_state *st, uint32_t i)
{
	const struct flowswitch_txn_item *item = &st->items[i];
	const void *uptr = (const void *)(uintptr_t)item->cmd_uptr;
	union txn_cmd *cmd = &st->cmds[i];
	int ret;

	if (item->__reserved)
		return -EINVAL;
	switch (item->op) {
	case FLOWSWITCH_TXN_PORT_CREATE:
		ret = cmd_in(
			&cmd->port, sizeof(cmd->port),
			offsetofend(struct flowswitch_port_create, out_size),
			uptr, &st->user_size[i]);
		if (!ret)
			ret = port_create(eng, &cmd->port);
		if (!ret)
			st->ids[i] = cmd->port.out_port_id;
		return ret;
	case FLOWSWITCH_TXN_FLOW_CREATE:
		ret = cmd_in(
			&cmd->flow, sizeof(cmd->flow),
			offsetofend(struct flowswitch_flow_create, out_length),
			uptr, &st->user_size[i]);
		if (ret)
			return ret;
		/* Only earlier items may be named. */
		ret = flow_create(eng, &cmd->flow, st->ids, i);
		if (!ret)
			st->ids[i] = cmd->flow.out_flow_id;
		return ret;
	}
	return -EINVAL;
}

static int uring_txn(struct fsw_engine *e, struct flowswitch_txn *utxn)
{
	struct uring_engine *eng = to_uring(e);
	const struct flowswitch_txn_item *uitems;
	struct flowswitch_txn txn;
	struct txn_state *st;
	uint32_t i, nr, usize;
	int ret;

	ret = cmd_in(&txn, sizeof(txn),
		     offsetofend(struct flowswitch_txn, __reserved), utxn,
		     &usize);
	if (ret)
		return ret;
	nr = txn.nr_items;
	if (txn.flags & ~FLOWSWITCH_TXN_START || txn.__reserved || !nr ||
	    nr > FLOWSWITCH_MAX_TXN_ITEMS)
		return -EINVAL;
	uitems = (const struct flowswitch_txn_item *)(uintptr_t)txn.items_uptr;
	if (!uitems)
		return -EFAULT;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	memcpy(st->items, uitems, nr * sizeof(st->items[0]));

	txn.out_failed_item = ~0u;
	txn.out_failed_errno = 0;
	pthread_mutex_lock(&eng->lock);
	for (i = 0; i < nr; i++) {
		ret = txn_item(eng, st, i);
		if (ret)
			goto fail;
	}
	for (i = 0; i < nr; i++) {
		size_t len = st->items[i].op == FLOWSWITCH_TXN_PORT_CREATE
				     ? sizeof(st->cmds[i].port)
				     : sizeof(st->cmds[i].flow);

		cmd_out((void *)(uintptr_t)st->items[i].cmd_uptr, &st->cmds[i],
			len, st->user_size[i]);
	}
	if (txn.flags & FLOWSWITCH_TXN_START)
		for (i = 0; i < nr; i++)
			if (st->items[i].op == FLOWSWITCH_TXN_FLOW_CREATE)
				flow_start(
					(struct uflow *)eng->objs[st->ids[i]]);
	pthread_mutex_unlock(&eng->lock);
	free(st);
	cmd_out(utxn, &txn, sizeof(txn), usize);
	return 0;

fail:
	/* Reverse order: flows go before the ports they hold. */
	for (uint32_t n = nr; n--;)
		if (st->ids[n])
			obj_destroy(eng, st->ids[n]);
	pthread_mutex_unlock(&eng->lock);
	/*
	 * The reason of a refused p2p placement is the answer: give it
	 * back in the failed item (as FLOW_CREATE alone does).
	 */
	if (ret == -EXDEV && st->items[i].op == FLOWSWITCH_TXN_FLOW_CREATE &&
	    st->user_size[i] >=
		    offsetofend(struct flowswitch_flow_create, out_p2p_reason))
		((struct flowswitch_flow_create *)(uintptr_t)st->items[i]
			 .cmd_uptr)
			->out_p2p_reason = st->cmds[i].flow.out_p2p_reason;
	free(st);
	txn.out_failed_item = i;
	txn.out_failed_errno = -ret;
	cmd_out(utxn, &txn, sizeof(txn), usize);
	return ret;
}

/* ---- the engine -------------------------------------------------------- */

static void uring_close(struct fsw_engine *e)
{
	struct uring_engine *eng = to_uring(e);
	uint32_t id;

	if (!eng)
		return;
	pthread_mutex_lock(&eng->lock);
	for (id = 1; id <= URING_MAX_OBJS; id++)
		if (eng->objs[id] && eng->objs[id]->type == UOBJ_FLOW)
			flow_destroy(eng, (struct uflow *)eng->objs[id]);
	for (id = 1; id <= URING_MAX_OBJS; id++)
		if (eng->objs[id])
			obj_destroy(eng, id);
	pthread_mutex_unlock(&eng->lock);
	close(eng->ev_fd);
	pthread_mutex_destroy(&eng->ev_lock);
	pthread_mutex_destroy(&eng->lock);
	free(eng);
}

static const struct fsw_engine_ops uring_ops = {
	.kind = FSW_ENGINE_URING,
	.name = "io_uring",
	.txn = uring_txn,
	.flow_ctl = uring_flow_ctl,
	.flow_query = uring_flow_query,
	.destroy = uring_destroy,
	.event_fd = uring_event_fd,
	.read_events = uring_read_events,
	.close = uring_close,
};

struct fsw_engine *fsw_engine_uring_open(void)
{
	struct uring_engine *eng;
	struct io_uring probe;
	int ret;

	/* io_uring may be disabled (kernel.io_uring_disabled, seccomp). */
	ret = io_uring_queue_init(1, &probe, 0);
	if (ret) {
		errno = -ret;
		return NULL;
	}
	io_uring_queue_exit(&probe);
	eng = calloc(1, sizeof(*eng));
	if (!eng)
		return NULL;
	eng->ev_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (eng->ev_fd < 0) {
		ret = errno;
		free(eng);
		errno = ret;
		return NULL;
	}
	pthread_mutex_init(&eng->lock, NULL);
	pthread_mutex_init(&eng->ev_lock, NULL);
	eng->base.ops = &uring_ops;
	return &eng->base;
}
