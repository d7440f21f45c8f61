// SPDX-License-Identifier: GPL-2.0
/*
 * Flows: their creation, control, queries and waits.  The data path that
 * moves a flow's bytes is engine.c.
 */
#include <linux/blkdev.h>
#include <linux/bvec.h>
#include <linux/ioprio.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/pci.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "flowswitch.h"

unsigned int fsw_pool_max_mb = 1024;
module_param_named(pool_max_mb, fsw_pool_max_mb, uint, 0644);
MODULE_PARM_DESC(pool_max_mb, "Host pool memory of all flows, MiB");

unsigned int fsw_pool_max_per_fd_mb = 512;
module_param_named(pool_max_per_fd_mb, fsw_pool_max_per_fd_mb, uint, 0644);
MODULE_PARM_DESC(pool_max_per_fd_mb,
		 "Host pool memory of the flows of one file descriptor, MiB");

atomic64_t fsw_pool_bytes = ATOMIC64_INIT(0);
atomic_t fsw_nr_flows = ATOMIC_INIT(0);
atomic64_t fsw_p2p_bytes = ATOMIC64_INIT(0);
atomic64_t fsw_host_bytes = ATOMIC64_INIT(0);
atomic_t fsw_p2p_fallbacks = ATOMIC_INIT(0);

static bool fsw_state_final(u32 state)
{
	return state == FLOWSWITCH_FLOW_DONE ||
	       state == FLOWSWITCH_FLOW_FAILED ||
	       state == FLOWSWITCH_FLOW_STOPPED;
}

/* Reserve @bytes of host pool against the global and the per-fd cap. */
static int fsw_pool_reserve(struct fsw_ctx *ctx, u64 bytes)
{
	u64 fd_cap = (u64)fsw_pool_max_per_fd_mb << 20;
	u64 cap = (u64)fsw_pool_max_mb << 20;

	lockdep_assert_held(&ctx->lock);
	if (bytes > fd_cap - min(ctx->pool_bytes, fd_cap))
		return -EDQUOT;
	if (atomic64_add_return(bytes, &fsw_pool_bytes) > cap) {
		atomic64_sub(bytes, &fsw_pool_bytes);
		return -EDQUOT;
	}
	ctx->pool_bytes += bytes;
	return 0;
}

static void fsw_pool_unreserve(struct fsw_ctx *ctx, u64 bytes)
{
	ctx->pool_bytes -= bytes;
	atomic64_sub(bytes, &fsw_pool_bytes);
}

static u16 fsw_ioprio(u32 priority)
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

static struct fsw_port *fsw_flow_port(struct fsw_ctx *ctx, u32 id,
				      const u32 *txn_ids, u32 nr_txn_ids)
{
	struct fsw_obj *obj;

	if (id & FLOWSWITCH_TXN_REF_BIT) {
		id &= ~FLOWSWITCH_TXN_REF_BIT;
		if (!txn_ids || id >= nr_txn_ids || !txn_ids[id])
			return ERR_PTR(-ENOENT);
		id = txn_ids[id];
	}
	obj = fsw_obj_find(ctx, id, FSW_OBJ_PORT);
	return obj ? container_of(obj, struct fsw_port, obj) : ERR_PTR(-ENOENT);
}

/*
 * What a port's offsets address, and where @off lies in it: the whole disk
 * for a block device (a partition starts where it starts), the inode for
 * a file.  Device memory is never both ends of a flow, and a stream has no
 * offsets: NULL.
 */
static void *fsw_port_space(struct fsw_port *port, u64 off, u64 *abs)
{
	struct block_device *bdev;

	*abs = off;
	/* A socket's two directions are two streams: no clash. */
	if (port->kind == FLOWSWITCH_PORT_MEMORY ||
	    port->kind == FLOWSWITCH_PORT_SOCKET)
		return NULL;
	if (port->kind == FLOWSWITCH_PORT_FILE)
		return file_inode(port->file);
	bdev = I_BDEV(port->file->f_mapping->host);
	*abs = off + ((u64)bdev->bd_start_sect << SECTOR_SHIFT);
	return bdev->bd_disk;
}

/* Two ranges of one flow on the same bytes: it would read what it wrote. */
static bool fsw_ranges_clash(struct fsw_port *a, u64 a_off, struct fsw_port *b,
			     u64 b_off, u64 len)
{
	void *sa = fsw_port_space(a, a_off, &a_off);
	void *sb = fsw_port_space(b, b_off, &b_off);

	if (!sa || sa != sb)
		return false;
	return a_off < b_off + len && b_off < a_off + len;
}

static int fsw_flow_check_sinks(struct fsw_flow *flow)
{
	u64 end;
	u32 i, j;

	for (i = 0; i < flow->nr_sinks; i++) {
		struct fsw_port *sink = flow->sinks[i];

		if (!(sink->access & FLOWSWITCH_PORT_WRITE))
			return -EBADF;
		if (sink->kind == FLOWSWITCH_PORT_SOCKET) {
			/* A stream has no offsets, and one flow at a time. */
			if (flow->sink_off[i])
				return -EINVAL;
			if (sink->users)
				return -EBUSY;
			for (j = 0; j < i; j++)
				if (flow->sinks[j] == sink)
					return -EINVAL;
			continue;
		}
		if (check_add_overflow(flow->sink_off[i], flow->out_length,
				       &end) ||
		    end > MAX_LFS_FILESIZE)
			return -EOVERFLOW;
		if (sink->kind != FLOWSWITCH_PORT_FILE && end > sink->size)
			return -ENOSPC;
		if (fsw_ranges_clash(flow->src, flow->src_off, sink,
				     flow->sink_off[i],
				     max(flow->length, flow->out_length)))
			return -EINVAL;
		/* Two sinks on the same bytes would race each other. */
		for (j = 0; j < i; j++)
			if (fsw_ranges_clash(flow->sinks[j], flow->sink_off[j],
					     sink, flow->sink_off[i],
					     flow->out_length))
				return -EINVAL;
	}
	return 0;
}

/*
 * Socket ports: nothing to read back (VERIFY) or re-read (retries); their
 * bytes go out in order.
 */
static int fsw_flow_check_sockets(struct fsw_flow *flow)
{
	bool any = flow->src->kind == FLOWSWITCH_PORT_SOCKET;
	u32 i;

	for (i = 0; i < flow->nr_sinks; i++) {
		if (flow->sinks[i]->kind != FLOWSWITCH_PORT_SOCKET)
			continue;
		any = true;
		flow->ordered = true;
	}
	if (!any)
		return 0;
	if ((flow->flags & FLOWSWITCH_FLOW_VERIFY) || flow->max_retries)
		return -EINVAL;
	return fsw_sock_flow_init(flow);
}

static void fsw_flow_free_slots(struct fsw_flow *flow)
{
	u32 i;

	if (flow->slots) {
		for (i = 0; i < flow->depth; i++)
			fsw_slot_free(&flow->slots[i]);
		kvfree(flow->slots);
		flow->slots = NULL;
	}
}

/* A chunk buffer holds the larger side of a record. */
static u32 fsw_flow_slot_len(struct fsw_flow *flow)
{
	return max(flow->rec_in, flow->rec_out);
}

static int fsw_flow_alloc_slots(struct fsw_flow *flow)
{
	int ret;
	u32 i;

	flow->slots = kvcalloc(flow->depth, sizeof(*flow->slots),
			       GFP_KERNEL_ACCOUNT);
	if (!flow->slots)
		return -ENOMEM;
	for (i = 0; i < flow->depth; i++) {
		ret = fsw_slot_init(&flow->slots[i], flow, fsw_flow_slot_len(flow));
		if (ret)
			return ret;
	}
	return 0;
}

static void fsw_flow_free(struct kref *ref)
{
	struct fsw_flow *flow = container_of(ref, struct fsw_flow, ref);

	fsw_flow_free_slots(flow);
	fsw_xform_free(flow);
	fsw_sock_flow_free(flow);
	pci_dev_put(flow->provider);
	kfree(flow);
}

/*
 * A p2p pool needs every I/O of the flow to be direct: buffered I/O would
 * have the CPU copy into or out of peer memory.
 */
static bool fsw_flow_all_direct(struct fsw_flow *flow)
{
	u32 i, align = 0;

	/* The strictest of the devices: a memory port's side must meet it. */
	for (i = 0; i <= flow->nr_sinks; i++) {
		struct fsw_port *port = i ? flow->sinks[i - 1] : flow->src;

		if (port->kind == FLOWSWITCH_PORT_MEMORY)
			continue;
		if (!port->dio_align)
			return false;
		align = max(align, port->dio_align);
	}
	if (!align || !IS_ALIGNED(flow->length | flow->chunk, align))
		return false;
	for (i = 0; i <= flow->nr_sinks; i++) {
		struct fsw_port *port = i ? flow->sinks[i - 1] : flow->src;
		u64 off = i ? flow->sink_off[i - 1] : flow->src_off;

		if (!IS_ALIGNED(off, port->kind == FLOWSWITCH_PORT_MEMORY ?
					     align : port->dio_align))
			return false;
	}
	return true;
}

/*
 * The path self-test at @rel of the flow.  At creation (@again false) it
 * is skipped if the caller asked; periodic ones (@again) always run.
 * Returns an enum flowswitch_p2p_reason: OK, WRONG_DATA, or SELFTEST_ERROR
 * with @err the errno that kept the test from running.
 */
static u32 fsw_flow_canary(struct fsw_flow *flow, u64 rel, void *kva,
			   struct bio_vec *bv, u32 nr_bv, bool again, int *err)
{
	u64 t0 = ktime_get_ns();
	u32 result;

	*err = 0;
	if (!again && flow->flags & FLOWSWITCH_FLOW_SKIP_CANARY) {
		flow->canary = FLOWSWITCH_CANARY_SKIPPED;
		return FLOWSWITCH_P2P_OK;
	}
	result = fsw_canary_check(flow, rel, kva, bv, nr_bv, again, err);
	if (!again) {
		flow->canary = result;
		flow->canary_ns = ktime_get_ns() - t0;
	}
	if (result != FLOWSWITCH_CANARY_FAILED)
		return FLOWSWITCH_P2P_OK;
	return *err ? FLOWSWITCH_P2P_SELFTEST_ERROR : FLOWSWITCH_P2P_WRONG_DATA;
}

/* The window of the flow's memory port at @rel, as up to two bio_vecs. */
static void *fsw_flow_window(struct fsw_flow *flow, u64 rel,
			     struct bio_vec *bv, u32 *n)
{
	u64 off = rel + (flow->mem_is_src ? flow->src_off : flow->sink_off[0]);
	void *kva = flow->mem_port->kva + off, *addr = kva;
	u32 len = min_t(u64, PAGE_SIZE, flow->length - rel);

	*n = 0;
	while (len) {
		u32 in_page = offset_in_page(addr);
		u32 step = min_t(u32, len, PAGE_SIZE - in_page);

		bvec_set_page(&bv[(*n)++], virt_to_page(addr), step, in_page);
		addr += step;
		len -= step;
	}
	return kva;
}

static u32 fsw_flow_canary_window(struct fsw_flow *flow)
{
	struct bio_vec bv[2];
	void *kva;
	int err;
	u32 n;

	kva = fsw_flow_window(flow, 0, bv, &n);
	return fsw_flow_canary(flow, 0, kva, bv, n, false, &err);
}

/* Is a periodic self-test due before the next chunk? */
bool fsw_flow_canary_due(struct fsw_flow *flow)
{
	if (flow->pool_kind != FLOWSWITCH_POOL_P2P || !flow->issued ||
	    flow->issued >= flow->length)
		return false;
	return (flow->canary_every_bytes &&
		flow->issued >= flow->canary_next_bytes) ||
	       (flow->canary_every_ns &&
		ktime_get_ns() >= flow->canary_next_ns);
}

/*
 * Test the path again at the flow's next block, with no chunk in flight
 * (the engine drained them): a free pool buffer, or the window there.
 * Returns 0, -EREMOTEIO when the path now delivers wrong data, or the
 * errno that kept the test from running.
 */
int fsw_flow_canary_again(struct fsw_flow *flow)
{
	struct fsw_slot *slot = &flow->slots[flow->tail % flow->depth];
	struct bio_vec bv[2];
	u32 n, reason;
	void *kva;
	int err;

	if (flow->mem_port) {
		kva = fsw_flow_window(flow, flow->issued, bv, &n);
		reason = fsw_flow_canary(flow, flow->issued, kva, bv, n, true,
					 &err);
	} else {
		reason = fsw_flow_canary(flow, flow->issued, slot->p2p_kva,
					 slot->bvec, slot->nr_bvec, true, &err);
	}
	spin_lock_irq(&flow->lock);
	flow->canary_checks++;
	if (reason == FLOWSWITCH_P2P_OK) {
		flow->verified = flow->issued;
		flow->canary_next_bytes = flow->issued +
					  flow->canary_every_bytes;
		flow->canary_next_ns = ktime_get_ns() + flow->canary_every_ns;
	}
	spin_unlock_irq(&flow->lock);
	if (reason == FLOWSWITCH_P2P_OK)
		return 0;
	return err ?: -EREMOTEIO;
}

/*
 * A flow with a memory port moves data straight between the window and
 * the other ports' devices: no pool, every I/O direct, and the devices
 * must reach the window's provider.  Returns the reason it cannot.
 */
static u32 fsw_flow_setup_memory(struct fsw_flow *flow)
{
	struct fsw_port *ports[FLOWSWITCH_MAX_SINKS + 1];
	u32 i, n = 0, reason, judged;
	s32 distance;

	if (!flow->mem_is_src)
		ports[n++] = flow->src;
	for (i = 0; i < flow->nr_sinks; i++)
		if (flow->sinks[i] != flow->mem_port)
			ports[n++] = flow->sinks[i];
	reason = fsw_p2p_choose(ports, n, fsw_pci_addr(flow->mem_port->pdev),
				NULL, &distance, &flow->provider, &judged);
	if (reason != FLOWSWITCH_P2P_OK)
		return reason;
	if (!fsw_flow_all_direct(flow))
		return FLOWSWITCH_P2P_BUFFERED_IO;
	reason = fsw_flow_canary_window(flow);
	if (reason != FLOWSWITCH_P2P_OK)
		return reason;
	flow->pool_kind = FLOWSWITCH_POOL_P2P;
	return FLOWSWITCH_P2P_OK;
}

/*
 * Give the flow p2p chunk buffers if it may have them.  Returns the reason
 * it may not (FLOWSWITCH_P2P_OK when it got them).
 */
static u32 fsw_flow_try_p2p(struct fsw_flow *flow, u32 named)
{
	struct fsw_port *ports[FLOWSWITCH_MAX_SINKS + 1];
	u32 i, reason, judged;
	s32 distance;
	int err;

	ports[0] = flow->src;
	for (i = 0; i < flow->nr_sinks; i++)
		ports[i + 1] = flow->sinks[i];
	/* Topology first: "not a PCI device" says more than "buffered". */
	reason = fsw_p2p_choose(ports, flow->nr_sinks + 1, named, NULL,
				&distance, &flow->provider, &judged);
	if (reason != FLOWSWITCH_P2P_OK)
		return reason;
	if (!fsw_flow_all_direct(flow)) {
		pci_dev_put(flow->provider);
		flow->provider = NULL;
		return FLOWSWITCH_P2P_BUFFERED_IO;
	}
	flow->pool_kind = FLOWSWITCH_POOL_P2P;
	reason = FLOWSWITCH_P2P_NO_MEMORY;
	if (fsw_flow_alloc_slots(flow))
		goto err_host;
	reason = fsw_flow_canary(flow, 0, flow->slots[0].p2p_kva,
				 flow->slots[0].bvec, flow->slots[0].nr_bvec,
				 false, &err);
	if (reason != FLOWSWITCH_P2P_OK)
		goto err_host;
	return FLOWSWITCH_P2P_OK;

err_host:
	fsw_flow_free_slots(flow);
	pci_dev_put(flow->provider);
	flow->provider = NULL;
	flow->pool_kind = FLOWSWITCH_POOL_HOST;
	return reason;
}

/*
 * Give back the flow's p2p chunk memory now, not at destroy: its provider
 * is going away.  The flow is final and its work cancelled, so nothing
 * touches the slots again but fsw_slot_free().
 */
void fsw_flow_release_p2p(struct fsw_flow *flow)
{
	u32 i;

	if (!flow->slots)
		return;
	for (i = 0; i < flow->depth; i++) {
		struct fsw_slot *slot = &flow->slots[i];

		if (!slot->p2p_kva)
			continue;
		fsw_p2p_free(flow->provider, slot->p2p_kva,
			     slot->nr_bvec << PAGE_SHIFT);
		slot->p2p_kva = NULL;
		slot->nr_bvec = 0;
	}
}

void fsw_flow_put(struct fsw_flow *flow)
{
	kref_put(&flow->ref, fsw_flow_free);
}

/*
 * A name is printable ASCII without spaces (it is printed in lists and
 * logs), NUL-terminated, and zero after the NUL so the bytes can carry a
 * meaning later.
 */
static int fsw_flow_name_check(const char *name)
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

int fsw_flow_create(struct fsw_ctx *ctx, struct flowswitch_flow_create *cmd,
		    const u32 *txn_ids, u32 nr_txn_ids)
{
	struct flowswitch_sink usinks[FLOWSWITCH_MAX_SINKS];
	const u32 known = FLOWSWITCH_FLOW_TO_END | FLOWSWITCH_FLOW_NO_FLUSH |
			  FLOWSWITCH_FLOW_NAMED_PROVIDER |
			  FLOWSWITCH_FLOW_SKIP_CANARY | FLOWSWITCH_FLOW_VERIFY;
	struct fsw_flow *flow;
	struct fsw_port *port;
	u64 end, pool;
	int ret;
	u32 i;

	lockdep_assert_held(&ctx->lock);
	if (cmd->flags & ~known || cmd->__reserved || cmd->__reserved2 ||
	    cmd->__reserved3 ||
	    cmd->placement > FLOWSWITCH_P2P_REQUIRED ||
	    !cmd->nr_sinks || cmd->nr_sinks > FLOWSWITCH_MAX_SINKS ||
	    cmd->chunk_size < FLOWSWITCH_MIN_CHUNK ||
	    cmd->chunk_size > FLOWSWITCH_MAX_CHUNK ||
	    !IS_ALIGNED(cmd->chunk_size, PAGE_SIZE) ||
	    !cmd->depth || cmd->depth > FLOWSWITCH_MAX_DEPTH ||
	    cmd->priority > FLOWSWITCH_PRIO_BACKGROUND ||
	    cmd->rate_bps > FSW_MAX_RATE)
		return -EINVAL;
	if (!(cmd->flags & FLOWSWITCH_FLOW_TO_END) && !cmd->length)
		return -EINVAL;
	if (fsw_flow_name_check(cmd->name))
		return -EINVAL;
	/* Reading back what was never flushed proves nothing. */
	if ((cmd->flags & FLOWSWITCH_FLOW_VERIFY) &&
	    (cmd->flags & FLOWSWITCH_FLOW_NO_FLUSH))
		return -EINVAL;
	if (copy_from_user(usinks, u64_to_user_ptr(cmd->sinks_uptr),
			   array_size(cmd->nr_sinks, sizeof(usinks[0]))))
		return -EFAULT;
	for (i = 0; i < cmd->nr_sinks; i++)
		if (usinks[i].__reserved)
			return -EINVAL;

	flow = kzalloc(sizeof(*flow), GFP_KERNEL_ACCOUNT);
	if (!flow)
		return -ENOMEM;
	flow->obj.type = FSW_OBJ_FLOW;
	kref_init(&flow->ref);
	flow->ctx = ctx;
	spin_lock_init(&flow->lock);
	init_waitqueue_head(&flow->wait);
	INIT_DELAYED_WORK(&flow->work, fsw_engine_work);
	flow->state = FLOWSWITCH_FLOW_CREATED;
	memcpy(flow->name, cmd->name, sizeof(flow->name));
	flow->flags = cmd->flags;
	flow->chunk = cmd->chunk_size;
	flow->depth = cmd->depth;
	flow->rate_bps = cmd->rate_bps;
	flow->ioprio = fsw_ioprio(cmd->priority);
	flow->max_retries = cmd->max_retries;
	flow->nr_sinks = cmd->nr_sinks;
	flow->src_off = cmd->src_offset;
	flow->canary_every_ns = (u64)cmd->canary_every_ms * NSEC_PER_MSEC;
	flow->canary_every_bytes = cmd->canary_every_bytes;

	port = fsw_flow_port(ctx, cmd->src_port_id, txn_ids, nr_txn_ids);
	ret = PTR_ERR(port);
	if (IS_ERR(port))
		goto err_free;
	ret = -EBADF;
	if (!(port->access & FLOWSWITCH_PORT_READ))
		goto err_free;
	flow->src = port;

	ret = -EINVAL;
	if (port->kind == FLOWSWITCH_PORT_SOCKET) {
		/* A stream: from where it is, as long as the caller says. */
		if (cmd->src_offset || (cmd->flags & FLOWSWITCH_FLOW_TO_END))
			goto err_free;
		ret = -EBUSY;
		if (port->users)
			goto err_free;
		flow->length = cmd->length;
	} else if (cmd->src_offset > port->size) {
		goto err_free;
	} else if (cmd->flags & FLOWSWITCH_FLOW_TO_END) {
		flow->length = port->size - cmd->src_offset;
		if (!flow->length)
			goto err_free;
	} else {
		flow->length = cmd->length;
		ret = -EOVERFLOW;
		if (check_add_overflow(cmd->src_offset, cmd->length, &end))
			goto err_free;
		ret = -EINVAL;
		if (end > port->size)
			goto err_free;
	}

	flow->out_length = flow->length;
	flow->rec_in = flow->chunk;
	flow->rec_out = flow->chunk;
	for (i = 0; i < cmd->nr_sinks; i++) {
		port = fsw_flow_port(ctx, usinks[i].port_id, txn_ids,
				     nr_txn_ids);
		ret = PTR_ERR(port);
		if (IS_ERR(port))
			goto err_free;
		flow->sinks[i] = port;
		flow->sink_off[i] = usinks[i].offset;
	}
	ret = fsw_flow_check_sinks(flow);
	if (ret)
		goto err_free;
	ret = fsw_flow_check_sockets(flow);
	if (ret)
		goto err_free;

	/* A memory port: the flow's only sink, or its source. */
	ret = -ENODEV;
	if (flow->src->kind == FLOWSWITCH_PORT_MEMORY && !flow->src->kva)
		goto err_free;
	for (i = 0; i < flow->nr_sinks; i++)
		if (flow->sinks[i]->kind == FLOWSWITCH_PORT_MEMORY &&
		    !flow->sinks[i]->kva)
			goto err_free;
	if (flow->src->kind == FLOWSWITCH_PORT_MEMORY) {
		flow->mem_port = flow->src;
		flow->mem_is_src = true;
	}
	for (i = 0; i < flow->nr_sinks; i++) {
		if (flow->sinks[i]->kind != FLOWSWITCH_PORT_MEMORY)
			continue;
		ret = -EINVAL;
		if (flow->mem_port || flow->nr_sinks > 1)
			goto err_free;
		flow->mem_port = flow->sinks[i];
	}

	/*
	 * Transform stages, before the pool: they run on host memory, so a
	 * flow that must be p2p is refused before any key is consumed; and
	 * a cipher changes the bytes, so VERIFY's source-equals-sink check
	 * cannot hold.
	 */
	if (cmd->nr_stages && (flow->mem_port ||
			       cmd->placement == FLOWSWITCH_P2P_REQUIRED)) {
		flow->p2p_reason = FLOWSWITCH_P2P_TRANSFORM;
		cmd->out_p2p_reason = flow->p2p_reason;
		ret = -EXDEV;
		goto err_free;
	}
	ret = fsw_xform_create(flow, cmd);
	if (ret)
		goto err_free;
	/* AEAD records: the sinks' ranges are longer or shorter. */
	if (flow->out_length != flow->length) {
		ret = fsw_flow_check_sinks(flow);
		if (ret)
			goto err_free;
	}
	ret = -EINVAL;
	if ((flow->flags & FLOWSWITCH_FLOW_VERIFY) && fsw_xform_ciphers(flow))
		goto err_free;

	flow->pool_kind = FLOWSWITCH_POOL_HOST;
	if (flow->nr_stages && cmd->placement != FLOWSWITCH_P2P_FORBIDDEN) {
		/* PREFERRED (REQUIRED was refused above): host, said so. */
		flow->p2p_reason = FLOWSWITCH_P2P_TRANSFORM;
		cmd->out_p2p_reason = flow->p2p_reason;
	} else if (flow->mem_port) {
		flow->p2p_reason = fsw_flow_setup_memory(flow);
		cmd->out_p2p_reason = flow->p2p_reason;
		ret = -EXDEV;
		if (flow->p2p_reason != FLOWSWITCH_P2P_OK)
			goto err_free;
		ret = fsw_flow_alloc_slots(flow);
		if (ret)
			goto err_free;
	} else if (cmd->placement != FLOWSWITCH_P2P_FORBIDDEN) {
		u32 named = cmd->flags & FLOWSWITCH_FLOW_NAMED_PROVIDER ?
			    cmd->p2p_provider : ~0u;

		flow->p2p_reason = fsw_flow_try_p2p(flow, named);
		cmd->out_p2p_reason = flow->p2p_reason;
		ret = -EXDEV;
		if (flow->p2p_reason != FLOWSWITCH_P2P_OK &&
		    cmd->placement == FLOWSWITCH_P2P_REQUIRED)
			goto err_free;
	}

	pool = 0;
	if (flow->pool_kind == FLOWSWITCH_POOL_HOST && !flow->slots) {
		/* chunk <= 16 MiB (+ a tag), depth <= 64: no overflow. */
		pool = (u64)fsw_flow_slot_len(flow) * flow->depth *
		       (flow->linear ? 2 : 1);
		ret = fsw_pool_reserve(ctx, pool);
		if (ret) {
			fsw_nl_pool_event(ctx, ret);
			goto err_free;
		}
		flow->pool_bytes = pool;
		ret = fsw_flow_alloc_slots(flow);
		if (ret) {
			fsw_nl_pool_event(ctx, ret);
			goto err_unreserve;
		}
	}

	flow->zerocopy = fsw_sock_zerocopy(flow);
	ret = fsw_obj_insert(ctx, &flow->obj);
	if (ret)
		goto err_unreserve;

	flow->src->users++;
	for (i = 0; i < flow->nr_sinks; i++)
		flow->sinks[i]->users++;
	atomic_inc(&fsw_nr_flows);
	cmd->out_flow_id = flow->obj.id;
	cmd->out_length = flow->length;
	cmd->out_pool = flow->pool_kind;
	cmd->out_canary = flow->canary;
	cmd->out_provider = flow->provider ? fsw_pci_addr(flow->provider) : 0;
	if (flow->p2p_reason != FLOWSWITCH_P2P_OK) {
		atomic_inc(&fsw_p2p_fallbacks);
		fsw_event_post_fallback(ctx, flow);
	}
	return 0;

err_unreserve:
	fsw_pool_unreserve(ctx, pool);
err_free:
	fsw_flow_put(flow);
	return ret;
}

/*
 * Stops the flow (its chunks in flight complete first), takes it out of the
 * context and drops the context's reference.  A FLOW_WAIT still holding one
 * frees it when it returns.
 */
void fsw_flow_destroy(struct fsw_ctx *ctx, struct fsw_flow *flow)
{
	u32 i;

	lockdep_assert_held(&ctx->lock);
	fsw_engine_stop_sync(flow);
	/* A socket's wakeup could queue the work again until this. */
	fsw_sock_unwatch(flow);
	cancel_delayed_work_sync(&flow->work);
	fsw_obj_remove(ctx, &flow->obj);
	flow->src->users--;
	for (i = 0; i < flow->nr_sinks; i++)
		flow->sinks[i]->users--;
	fsw_pool_unreserve(ctx, flow->pool_bytes);
	atomic_dec(&fsw_nr_flows);
	fsw_flow_put(flow);
}

int fsw_flow_start(struct fsw_flow *flow)
{
	spin_lock_irq(&flow->lock);
	if (flow->state != FLOWSWITCH_FLOW_CREATED) {
		spin_unlock_irq(&flow->lock);
		return -EBUSY;
	}
	flow->state = FLOWSWITCH_FLOW_RUNNING;
	flow->start_ns = ktime_get_ns();
	flow->refill_ns = flow->start_ns;
	flow->canary_next_ns = flow->start_ns + flow->canary_every_ns;
	flow->canary_next_bytes = flow->canary_every_bytes;
	flow->bucket = max_t(u64, flow->rec_in, flow->rate_bps / 10);
	flow->tokens = flow->rec_in;
	spin_unlock_irq(&flow->lock);
	fsw_event_post(flow->ctx, flow);
	fsw_sock_watch(flow);
	fsw_engine_kick(flow);
	return 0;
}

static int fsw_flow_set(struct fsw_flow *flow, u32 from, u32 to)
{
	spin_lock_irq(&flow->lock);
	if (flow->state != from || flow->stopping || flow->failing) {
		spin_unlock_irq(&flow->lock);
		return -EBUSY;
	}
	flow->state = to;
	spin_unlock_irq(&flow->lock);
	fsw_event_post(flow->ctx, flow);
	fsw_engine_kick(flow);
	return 0;
}

int fsw_flow_stop(struct fsw_flow *flow)
{
	u32 state;

	spin_lock_irq(&flow->lock);
	state = flow->state;
	spin_unlock_irq(&flow->lock);
	if (fsw_state_final(state))
		return -EBUSY;
	fsw_engine_stop_sync(flow);
	return 0;
}

static struct fsw_flow *fsw_flow_find(struct fsw_ctx *ctx, u32 id)
{
	struct fsw_obj *obj = fsw_obj_find(ctx, id, FSW_OBJ_FLOW);

	return obj ? container_of(obj, struct fsw_flow, obj) : NULL;
}

int fsw_cmd_flow_create(struct fsw_ucmd *ucmd)
{
	struct flowswitch_flow_create *cmd = ucmd->cmd;
	int ret;

	mutex_lock(&ucmd->ctx->lock);
	ret = fsw_flow_create(ucmd->ctx, cmd, NULL, 0);
	if (!ret) {
		ret = fsw_ucmd_respond(ucmd, sizeof(*cmd));
		if (ret)
			fsw_obj_destroy(ucmd->ctx, cmd->out_flow_id);
	} else if (ret == -EXDEV) {
		/* The reason is the answer: a fault here loses only it. */
		fsw_ucmd_respond(ucmd, sizeof(*cmd));
	}
	mutex_unlock(&ucmd->ctx->lock);
	return ret;
}

int fsw_cmd_flow_ctl(struct fsw_ucmd *ucmd)
{
	struct flowswitch_flow_ctl *cmd = ucmd->cmd;
	struct fsw_flow *flow;
	int ret;

	if (cmd->flags || cmd->op < FLOWSWITCH_FLOW_START ||
	    cmd->op > FLOWSWITCH_FLOW_STOP)
		return -EINVAL;
	mutex_lock(&ucmd->ctx->lock);
	flow = fsw_flow_find(ucmd->ctx, cmd->flow_id);
	if (!flow) {
		ret = -ENOENT;
		goto out;
	}
	switch (cmd->op) {
	case FLOWSWITCH_FLOW_START:
		ret = fsw_flow_start(flow);
		break;
	case FLOWSWITCH_FLOW_PAUSE:
		ret = fsw_flow_set(flow, FLOWSWITCH_FLOW_RUNNING,
				   FLOWSWITCH_FLOW_PAUSED);
		break;
	case FLOWSWITCH_FLOW_RESUME:
		ret = fsw_flow_set(flow, FLOWSWITCH_FLOW_PAUSED,
				   FLOWSWITCH_FLOW_RUNNING);
		break;
	default:
		ret = fsw_flow_stop(flow);
		break;
	}
out:
	mutex_unlock(&ucmd->ctx->lock);
	return ret;
}

int fsw_cmd_flow_query(struct fsw_ucmd *ucmd)
{
	struct flowswitch_flow_query *cmd = ucmd->cmd;
	struct fsw_flow *flow;

	if (cmd->flags)
		return -EINVAL;
	mutex_lock(&ucmd->ctx->lock);
	flow = fsw_flow_find(ucmd->ctx, cmd->flow_id);
	if (!flow) {
		mutex_unlock(&ucmd->ctx->lock);
		return -ENOENT;
	}
	fsw_flow_snapshot(flow, cmd);
	mutex_unlock(&ucmd->ctx->lock);
	return fsw_ucmd_respond(ucmd, sizeof(*cmd));
}

/* The query's out fields, consistent with each other (for netlink too). */
void fsw_flow_snapshot(struct fsw_flow *flow, struct flowswitch_flow_query *q)
{
	spin_lock_irq(&flow->lock);
	q->state = flow->state;
	q->error = flow->error;
	q->fail_stage = flow->fail_stage;
	q->fail_sink = flow->fail_sink;
	/* Abandoned chunks of a failed flow are not in flight. */
	q->in_flight = fsw_state_final(flow->state) ? 0 :
		       flow->tail - flow->head;
	q->length = flow->length;
	q->bytes_done = flow->bytes_done;
	q->chunks_done = flow->chunks_done;
	q->retries = flow->retries;
	q->fail_offset = flow->fail_offset;
	q->direct_bytes = flow->direct_bytes;
	q->buffered_bytes = flow->buffered_bytes;
	q->host_pool_bytes = flow->pool_bytes;
	q->p2p_bytes = flow->p2p_bytes;
	q->host_bytes = flow->host_bytes;
	q->pool = flow->pool_kind;
	q->p2p_reason = flow->p2p_reason;
	q->provider = flow->provider ? fsw_pci_addr(flow->provider) : 0;
	q->canary = flow->canary;
	q->canary_ns = flow->canary_ns;
	q->canary_checks = flow->canary_checks;
	q->crc32c = flow->crc;
	q->verify_ns = flow->verify_ns;
	q->digest_len = fsw_xform_digest(flow, q->digest);
	q->transform_ns = flow->transform_ns;
	q->out_bytes = flow->out_bytes;
	q->zerocopy_bytes = flow->zerocopy_bytes;
	q->elapsed_ns = 0;
	if (flow->start_ns)
		q->elapsed_ns = (flow->end_ns ?: ktime_get_ns()) -
				flow->start_ns;
	spin_unlock_irq(&flow->lock);
}

static bool fsw_flow_final(struct fsw_flow *flow, u32 *state)
{
	spin_lock_irq(&flow->lock);
	*state = flow->state;
	spin_unlock_irq(&flow->lock);
	return fsw_state_final(*state);
}

int fsw_cmd_flow_wait(struct fsw_ucmd *ucmd)
{
	struct flowswitch_flow_wait *cmd = ucmd->cmd;
	struct fsw_flow *flow;
	long left;
	u32 state;

	if (cmd->flags || cmd->__reserved)
		return -EINVAL;
	mutex_lock(&ucmd->ctx->lock);
	flow = fsw_flow_find(ucmd->ctx, cmd->flow_id);
	if (flow)
		kref_get(&flow->ref);
	mutex_unlock(&ucmd->ctx->lock);
	if (!flow)
		return -ENOENT;

	fsw_flow_final(flow, &state);
	if (state == FLOWSWITCH_FLOW_CREATED) {
		left = -EBUSY;
	} else if (cmd->timeout_ms) {
		left = wait_event_interruptible_timeout(flow->wait,
							fsw_flow_final(flow, &state),
							msecs_to_jiffies(cmd->timeout_ms));
		if (!left)
			left = -ETIMEDOUT;
	} else {
		left = wait_event_interruptible(flow->wait,
						fsw_flow_final(flow, &state));
	}
	fsw_flow_put(flow);
	if (left < 0)
		return left == -ERESTARTSYS ? -EINTR : left;
	cmd->out_state = state;
	return fsw_ucmd_respond(ucmd, sizeof(*cmd));
}
