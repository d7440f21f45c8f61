// SPDX-License-Identifier: GPL-2.0
/*
 * The embedded engine's data path: one worker thread and one io_uring per
 * flow, moving chunks from the source through the flow's host pool (chunk
 * x depth bytes, registered with the ring) to every sink.
 *
 * The shape is the module's (kmod/engine.c): @depth slots issued in offset
 * order (tail) and retired in the same order (head), so bytes_done is the
 * gap-free prefix every sink has -- after a failure exactly the bytes
 * before the failing chunk.  A slot's read completes (short reads are
 * reissued for the rest), then its writes go to all sinks at once.  I/O is
 * direct through the port's O_DIRECT descriptor whenever offset, length
 * and buffer meet its alignment, buffered otherwise, and counted as such.
 *
 * The worker only blocks in the ring while I/O is in flight (completions
 * will come) and on flow->wake otherwise, so a control op needs nothing
 * but the flag and a signal; the final state is entered once nothing is
 * in flight, as in the module.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "engine-uring.h"

#define UD(slot, idx) ((uint64_t)(slot) << 8 | (idx))
#define UD_SLOT(ud) ((uint32_t)((ud) >> 8))
#define UD_IDX(ud) ((uint32_t)((ud)&0xff))

void uflow_kick(struct uflow *flow)
{
	flow->kicked = true;
	pthread_cond_signal(&flow->wake);
}

static struct uport *io_port(struct uflow *flow, uint32_t idx, uint64_t *pos)
{
	if (!idx) {
		*pos = flow->src_off;
		return flow->src;
	}
	*pos = flow->sink_off[idx - 1];
	return flow->sinks[idx - 1];
}

/* Issue (or reissue) I/O @idx of slot @s for what is left of its chunk. */
static void io_submit(struct uflow *flow, uint32_t s, uint32_t idx)
{
	struct uslot *slot = &flow->slots[s];
	struct uio *io = &slot->io[idx];
	uint32_t left = slot->len - io->progress;
	char *buf = slot->buf + io->progress;
	struct io_uring_sqe *sqe;
	struct uport *port;
	uint64_t pos;
	int fd;

	port = io_port(flow, idx, &pos);
	pos += slot->off + io->progress;
	io->direct = port->dio_fd >= 0 && !(pos % port->dio_align) &&
		     !(left % port->dio_align) &&
		     !((uintptr_t)buf % port->dio_mem_align);
	fd = io->direct ? port->dio_fd : port->fd;

	sqe = io_uring_get_sqe(&flow->ring);
	if (!sqe) {
		/* Sized for every I/O at once; only a bug gets here. */
		io_uring_submit(&flow->ring);
		sqe = io_uring_get_sqe(&flow->ring);
		if (!sqe)
			abort();
	}
	if (flow->fixed && idx)
		io_uring_prep_write_fixed(sqe, fd, buf, left, pos, s);
	else if (flow->fixed)
		io_uring_prep_read_fixed(sqe, fd, buf, left, pos, s);
	else if (idx)
		io_uring_prep_write(sqe, fd, buf, left, pos);
	else
		io_uring_prep_read(sqe, fd, buf, left, pos);
	sqe->ioprio = flow->ioprio;
	io_uring_sqe_set_data64(sqe, UD(s, idx));
	io->in_flight = true;
	flow->ios_in_flight++;
	flow->submit_pending = true;
}

/* Record the first failure by offset; the flow drains and then fails. */
static void flow_fail_at(struct uflow *flow, struct uslot *slot, uint32_t stage,
			 uint32_t sink, int err)
{
	pthread_mutex_lock(&flow->lock);
	if (!flow->failing || slot->off < flow->fail_offset - flow->src_off) {
		flow->error = -err;
		flow->fail_stage = stage;
		flow->fail_sink = sink;
		flow->fail_offset = flow->src_off + slot->off;
	}
	flow->failing = true;
	pthread_mutex_unlock(&flow->lock);
	slot->phase = USLOT_FAILED;
}

static void flow_fail(struct uflow *flow, struct uslot *slot, uint32_t idx,
		      int err)
{
	flow_fail_at(flow, slot,
		     idx ? FLOWSWITCH_STAGE_WRITE : FLOWSWITCH_STAGE_READ,
		     idx ? idx - 1 : 0, err);
}

/*
 * Chunks at or after a failing one are abandoned; those before it still
 * complete, so bytes_done comes to exactly the bytes before it.
 */
static bool slot_abandoned(struct uflow *flow, struct uslot *slot)
{
	bool ret;

	pthread_mutex_lock(&flow->lock);
	ret = flow->stopping ||
	      (flow->failing && slot->off >= flow->fail_offset - flow->src_off);
	pthread_mutex_unlock(&flow->lock);
	return ret;
}

/* A read (and transformed) chunk to every sink at once. */
static void slot_write(struct uflow *flow, uint32_t s)
{
	struct uslot *slot = &flow->slots[s];
	uint32_t i;

	slot->phase = USLOT_WRITING;
	slot->writes_pending = flow->nr_sinks;
	for (i = 1; i <= flow->nr_sinks; i++) {
		slot->io[i].progress = 0;
		io_submit(flow, s, i);
	}
}

static void io_finish(struct uflow *flow, uint32_t s, uint32_t idx, int res)
{
	struct uslot *slot = &flow->slots[s];
	struct uio *io = &slot->io[idx];

	io->in_flight = false;
	flow->ios_in_flight--;
	if (res == -EINTR || res == -EAGAIN) {
		/* Not the device's answer: ask again, uncounted. */
		if (!slot_abandoned(flow, slot))
			io_submit(flow, s, idx);
		return;
	}
	if (res < 0) {
		if (slot->retries < flow->max_retries &&
		    !slot_abandoned(flow, slot)) {
			slot->retries++;
			pthread_mutex_lock(&flow->lock);
			flow->retries++;
			pthread_mutex_unlock(&flow->lock);
			io_submit(flow, s, idx);
			return;
		}
		flow_fail(flow, slot, idx, res);
		return;
	}

	pthread_mutex_lock(&flow->lock);
	if (io->direct)
		flow->direct_bytes += res;
	else
		flow->buffered_bytes += res;
	/* Every byte of an I/O crosses the host pool once. */
	flow->host_bytes += res;
	pthread_mutex_unlock(&flow->lock);
	io->progress += res;

	if (io->progress < slot->len) {
		if (!res) {
			/* The source ended early, or the sink took nothing. */
			flow_fail(flow, slot, idx, idx ? -EIO : -ENODATA);
			return;
		}
		if (!slot_abandoned(flow, slot))
			io_submit(flow, s, idx);
		return;
	}
	if (!idx) {
		if (slot_abandoned(flow, slot))
			return;
		if (flow->nr_stages) {
			/* flow_transform() writes it after the stages. */
			slot->phase = USLOT_TRANSFORM;
			return;
		}
		slot_write(flow, s);
		return;
	}
	if (!--slot->writes_pending)
		slot->phase = USLOT_DONE;
}

static void flow_submit(struct uflow *flow);

/*
 * Run the stages on the chunks whose reads are complete, in stream order
 * (a digest needs it), from the worker: each is written once through.
 * A chunk still reading holds back those after it; an abandoned one
 * stops the walk (the flow is stopping or failing before it).
 */
static void flow_transform(struct uflow *flow)
{
	while (flow->xform_seq < flow->tail) {
		uint32_t s = flow->xform_seq % flow->depth;
		struct uslot *slot = &flow->slots[s];
		int ret;

		if (slot->phase != USLOT_TRANSFORM ||
		    slot_abandoned(flow, slot))
			return;
		ret = uxform_run(flow, slot);
		flow->xform_seq++;
		if (ret) {
			flow_fail_at(flow, slot, FLOWSWITCH_STAGE_TRANSFORM, 0,
				     ret);
			return;
		}
		slot_write(flow, s);
		/* Its writes go now, while the next chunk is transformed. */
		flow_submit(flow);
	}
}

static void flow_reap(struct uflow *flow)
{
	struct io_uring_cqe *cqe;

	while (!io_uring_peek_cqe(&flow->ring, &cqe)) {
		uint64_t ud = io_uring_cqe_get_data64(cqe);
		int res = cqe->res;

		io_uring_cqe_seen(&flow->ring, cqe);
		io_finish(flow, UD_SLOT(ud), UD_IDX(ud), res);
	}
}

static void flow_retire(struct uflow *flow)
{
	while (flow->head < flow->tail) {
		struct uslot *slot = &flow->slots[flow->head % flow->depth];

		if (slot->phase != USLOT_DONE)
			break;
		slot->phase = USLOT_FREE;
		pthread_mutex_lock(&flow->lock);
		flow->bytes_done += slot->len;
		flow->chunks_done++;
		flow->head++;
		flow->in_flight = flow->tail - flow->head;
		pthread_mutex_unlock(&flow->lock);
	}
}

/*
 * Token bucket (the module's): true if @len bytes may be read now, else
 * *wait_ns says when they may.
 */
static bool flow_tokens(struct uflow *flow, uint32_t len, uint64_t *wait_ns)
{
	uint64_t now, dt;

	if (!flow->rate_bps)
		return true;
	now = uring_now_ns();
	dt = now - flow->refill_ns;
	if (dt > 1000000000ull)
		dt = 1000000000ull; /* keeps the product below 2^64 */
	flow->tokens += (int64_t)((unsigned __int128)dt * flow->rate_bps /
				  1000000000ull);
	flow->refill_ns = now;
	if (flow->tokens > (int64_t)flow->bucket)
		flow->tokens = flow->bucket;
	if (flow->tokens >= (int64_t)len) {
		flow->tokens -= len;
		return true;
	}
	*wait_ns = (unsigned __int128)(len - flow->tokens) * 1000000000ull /
			   flow->rate_bps +
		   1;
	return false;
}

static void flow_issue(struct uflow *flow, uint64_t *wait_ns)
{
	while (flow->tail - flow->head < flow->depth &&
	       flow->issued < flow->length) {
		uint32_t s = flow->tail % flow->depth;
		struct uslot *slot = &flow->slots[s];
		uint64_t left = flow->length - flow->issued;
		uint32_t len = left < flow->chunk ? left : flow->chunk;

		bool running;

		if (!flow_tokens(flow, len, wait_ns))
			break;
		/*
		 * Issued only while RUNNING, checked where the chunk is
		 * counted: once PAUSE or STOP returns and in_flight reads 0,
		 * no chunk the worker saw the state too early for follows.
		 */
		pthread_mutex_lock(&flow->lock);
		running = flow->state == FLOWSWITCH_FLOW_RUNNING &&
			  !flow->stopping && !flow->failing;
		if (running) {
			flow->tail++;
			flow->in_flight = flow->tail - flow->head;
		}
		pthread_mutex_unlock(&flow->lock);
		if (!running) {
			if (flow->rate_bps)
				flow->tokens += len; /* not spent after all */
			break;
		}
		slot->phase = USLOT_READING;
		slot->off = flow->issued;
		slot->len = len;
		slot->retries = 0;
		slot->io[0].progress = 0;
		flow->issued += len;
		io_submit(flow, s, 0);
	}
}

/* A flow is done only once its data is durable on every sink. */
static int flow_flush(struct uflow *flow, uint32_t *sink)
{
	if (flow->flags & FLOWSWITCH_FLOW_NO_FLUSH)
		return 0;
	for (*sink = 0; *sink < flow->nr_sinks; (*sink)++)
		if (fsync(flow->sinks[*sink]->fd))
			return -errno;
	return 0;
}

static void flow_finish(struct uflow *flow, uint32_t state)
{
	pthread_mutex_lock(&flow->lock);
	flow->state = state;
	flow->end_ns = uring_now_ns();
	/* Abandoned chunks are never retired, but nothing is in flight. */
	flow->in_flight = 0;
	uring_event_post(flow);
	pthread_cond_broadcast(&flow->final);
	pthread_mutex_unlock(&flow->lock);
}

/* Sleep until a control op, or @wait_ns (0: no limit). */
static void flow_wait_kick(struct uflow *flow, uint64_t wait_ns)
{
	struct timespec ts;
	uint64_t until;

	pthread_mutex_lock(&flow->lock);
	if (wait_ns) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		until = (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec +
			wait_ns;
		ts.tv_sec = until / 1000000000ull;
		ts.tv_nsec = until % 1000000000ull;
		while (!flow->kicked &&
		       pthread_cond_timedwait(&flow->wake, &flow->lock, &ts) !=
			       ETIMEDOUT)
			;
	} else {
		while (!flow->kicked)
			pthread_cond_wait(&flow->wake, &flow->lock);
	}
	flow->kicked = false;
	pthread_mutex_unlock(&flow->lock);
}

static void flow_wait_cqe(struct uflow *flow, uint64_t wait_ns)
{
	struct __kernel_timespec ts = {
		.tv_sec = wait_ns / 1000000000ull,
		.tv_nsec = wait_ns % 1000000000ull,
	};
	struct io_uring_cqe *cqe;

	if (wait_ns)
		io_uring_wait_cqe_timeout(&flow->ring, &cqe, &ts);
	else
		io_uring_wait_cqe(&flow->ring, &cqe);
}

/*
 * Hand the queued SQEs to the kernel.  Short of resources (EAGAIN, EBUSY
 * while completions are pending) they stay queued and go with the next
 * round, after the completions are reaped; anything else is a bug here.
 */
static void flow_submit(struct uflow *flow)
{
	int ret;

	do {
		ret = io_uring_submit(&flow->ring);
	} while (ret == -EINTR);
	if (ret >= 0) {
		flow->submit_pending = io_uring_sq_ready(&flow->ring) > 0;
		return;
	}
	if (ret != -EAGAIN && ret != -EBUSY)
		abort();
}

static void *flow_worker(void *arg)
{
	struct uflow *flow = arg;
	bool stopping, failing;
	uint32_t state, sink;
	uint64_t wait_ns;
	int ret;

	pthread_mutex_lock(&flow->lock);
	while (flow->state == FLOWSWITCH_FLOW_CREATED)
		pthread_cond_wait(&flow->wake, &flow->lock);
	flow->kicked = false;
	state = flow->state;
	pthread_mutex_unlock(&flow->lock);
	if (state != FLOWSWITCH_FLOW_RUNNING && state != FLOWSWITCH_FLOW_PAUSED)
		return NULL; /* stopped before it started */

	for (;;) {
		flow_reap(flow);
		if (flow->nr_stages)
			flow_transform(flow);
		flow_retire(flow);

		pthread_mutex_lock(&flow->lock);
		state = flow->state;
		stopping = flow->stopping;
		failing = flow->failing;
		pthread_mutex_unlock(&flow->lock);
		wait_ns = 0;
		if (!stopping && !failing && state == FLOWSWITCH_FLOW_RUNNING)
			flow_issue(flow, &wait_ns);
		if (flow->submit_pending)
			flow_submit(flow);

		if (stopping || failing) {
			if (!flow->ios_in_flight) {
				flow_finish(flow,
					    failing ? FLOWSWITCH_FLOW_FAILED
						    : FLOWSWITCH_FLOW_STOPPED);
				return NULL;
			}
		} else if (flow->head == flow->tail &&
			   flow->issued == flow->length) {
			ret = flow_flush(flow, &sink);
			if (ret) {
				pthread_mutex_lock(&flow->lock);
				flow->failing = true;
				flow->error = -ret;
				flow->fail_stage = FLOWSWITCH_STAGE_FLUSH;
				flow->fail_sink = sink;
				flow->fail_offset =
					flow->src_off + flow->length;
				pthread_mutex_unlock(&flow->lock);
			}
			flow_finish(flow, ret ? FLOWSWITCH_FLOW_FAILED
					      : FLOWSWITCH_FLOW_DONE);
			return NULL;
		}
		/* SQEs left queued are retried soon, not after a completion. */
		if (flow->submit_pending && (!wait_ns || wait_ns > 1000000))
			wait_ns = 1000000;
		if (flow->ios_in_flight)
			flow_wait_cqe(flow, wait_ns);
		else
			flow_wait_kick(flow, wait_ns);
	}
}

int uflow_setup(struct uflow *flow)
{
	struct iovec iov[FLOWSWITCH_MAX_DEPTH];
	uint32_t i;
	int ret;

	flow->slots = calloc(flow->depth, sizeof(*flow->slots));
	if (!flow->slots)
		return -ENOMEM;
	flow->pool = mmap(NULL, flow->pool_bytes, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (flow->pool == MAP_FAILED) {
		flow->pool = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < flow->depth; i++) {
		flow->slots[i].buf = flow->pool + (size_t)i * flow->chunk;
		iov[i].iov_base = flow->slots[i].buf;
		iov[i].iov_len = flow->chunk;
	}
	/* Room for every I/O of every slot at once: a write to each sink. */
	ret = io_uring_queue_init(flow->depth * flow->nr_sinks, &flow->ring, 0);
	if (ret)
		return ret;
	flow->ring_ok = true;
	/*
	 * Registered buffers spare the kernel pinning the pages per I/O.
	 * Without them (RLIMIT_MEMLOCK) the same I/O runs on plain
	 * buffers: slower, the same bytes.
	 */
	flow->fixed = !io_uring_register_buffers(&flow->ring, iov, flow->depth);
	ret = pthread_create(&flow->thread, NULL, flow_worker, flow);
	if (ret)
		return -ret;
	flow->thread_ok = true;
	return 0;
}

void uflow_teardown(struct uflow *flow)
{
	if (flow->thread_ok)
		pthread_join(flow->thread, NULL);
	flow->thread_ok = false;
	if (flow->ring_ok)
		io_uring_queue_exit(&flow->ring);
	flow->ring_ok = false;
	if (flow->pool)
		munmap(flow->pool, flow->pool_bytes);
	flow->pool = NULL;
	free(flow->slots);
	flow->slots = NULL;
}

void uflow_stop_sync(struct uflow *flow)
{
	pthread_mutex_lock(&flow->lock);
	if (flow->state == FLOWSWITCH_FLOW_CREATED) {
		flow->state = FLOWSWITCH_FLOW_STOPPED;
		uring_event_post(flow);
		uflow_kick(flow);
		pthread_mutex_unlock(&flow->lock);
		return;
	}
	if (flow->state == FLOWSWITCH_FLOW_RUNNING ||
	    flow->state == FLOWSWITCH_FLOW_PAUSED) {
		flow->stopping = true;
		uflow_kick(flow);
		while (flow->state == FLOWSWITCH_FLOW_RUNNING ||
		       flow->state == FLOWSWITCH_FLOW_PAUSED)
			pthread_cond_wait(&flow->final, &flow->lock);
	}
	pthread_mutex_unlock(&flow->lock);
}
