// SPDX-License-Identifier: GPL-2.0
/*
 * The engine: moves a flow's chunks from its source through its host pool
 * to its sinks.
 *
 * Each flow has @depth slots, one chunk buffer each.  Chunks are issued in
 * offset order into a ring (tail) and retired in the same order (head), so
 * bytes_done is always the gap-free prefix of the flow that every sink has:
 * after a failure it is exactly the bytes before the failing chunk.
 *
 * I/O is asynchronous where the kernel allows it (reads, and writes to block
 * devices): the kiocb's completion, which may run in interrupt context, only
 * records the result under flow->lock and schedules the flow's work.  The
 * work (one at a time per flow) does everything else: retries, partial
 * I/O, writes to each sink, retiring, issuing under the rate limit, the
 * final flush, and the state changes.  Writes to regular files are issued
 * synchronously from the work, under file_start_write(), because freeze
 * protection cannot be handed to an interrupt-time completion on every
 * kernel we support.
 *
 * Teardown: once stopping or failing, the work issues nothing new and
 * enters the final state when ios_in_flight reaches 0.  ios_in_flight only
 * drops in the work, after it has seen the completion flag that the
 * completion set under flow->lock, so by then no completion can touch the
 * flow again.
 */
#include <linux/blkdev.h>
#include <linux/math64.h>
#include <linux/pci-p2pdma.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "flowswitch.h"
#include "trace.h"

struct workqueue_struct *fsw_wq;

/*
 * A chunk buffer is built from the largest compound pages the allocator
 * gives without trying hard: fewer, longer bio_vecs mean fewer segments for
 * the block layer to map per I/O.  Compound, so that page_size() tells the
 * copy helpers of the buffered path how far a bio_vec's page reaches.
 */
#define FSW_SLOT_MAX_ORDER 8	/* 1 MiB with 4 KiB pages */

/*
 * A p2p chunk is one allocation from the provider, described page by page:
 * its pages are ZONE_DEVICE pages, never compound.
 */
static int fsw_slot_init_p2p(struct fsw_slot *slot, u32 len)
{
	u32 i;

	slot->p2p_kva = fsw_p2p_alloc(slot->flow->provider, len);
	if (!slot->p2p_kva)
		return -ENOMEM;
	for (i = 0; i < len >> PAGE_SHIFT; i++)
		bvec_set_page(&slot->bvec[slot->nr_bvec++],
			      virt_to_page(slot->p2p_kva + i * PAGE_SIZE),
			      PAGE_SIZE, 0);
	return 0;
}

/* A virtually contiguous buffer, described page by page in @bv. */
static void *fsw_linear_alloc(u32 len, struct bio_vec *bv, u32 *nr)
{
	void *kva = __vmalloc(len, GFP_KERNEL_ACCOUNT);
	u32 i;

	if (!kva)
		return NULL;
	for (i = 0; i < len >> PAGE_SHIFT; i++)
		bvec_set_page(&bv[i], vmalloc_to_page(kva + i * PAGE_SIZE),
			      PAGE_SIZE, 0);
	*nr = i;
	return kva;
}

/*
 * A compression stage works on linear memory (the crypto API's compress
 * interface) from one buffer into another: such a flow's chunk buffers
 * are two vmalloc()ed areas each, swapped by the stage (xform.c).
 */
static int fsw_slot_init_linear(struct fsw_slot *slot, u32 len)
{
	slot->alt_bvec = kvcalloc(len >> PAGE_SHIFT, sizeof(*slot->alt_bvec),
				  GFP_KERNEL_ACCOUNT);
	if (!slot->alt_bvec)
		return -ENOMEM;
	slot->kva = fsw_linear_alloc(len, slot->bvec, &slot->nr_bvec);
	slot->alt_kva = fsw_linear_alloc(len, slot->alt_bvec, &slot->nr_bvec);
	return slot->kva && slot->alt_kva ? 0 : -ENOMEM;
}

int fsw_slot_init(struct fsw_slot *slot, struct fsw_flow *flow, u32 len)
{
	const gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_COMP;
	u32 left = PAGE_ALIGN(len), i;

	slot->flow = flow;
	/* Enough entries for the worst case: single pages only. */
	slot->bvec = kvcalloc(left >> PAGE_SHIFT, sizeof(*slot->bvec),
			      GFP_KERNEL_ACCOUNT);
	if (!slot->bvec)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(slot->io); i++) {
		slot->io[i].slot = slot;
		slot->io[i].idx = i;
	}
	fsw_xform_slot_init(slot);
	if (flow->mem_port) {
		/* A view on the window, remapped for every chunk. */
		kvfree(slot->bvec);
		slot->view = true;
		slot->bvec = kvcalloc((left >> PAGE_SHIFT) + 1,
				      sizeof(*slot->bvec), GFP_KERNEL_ACCOUNT);
		return slot->bvec ? 0 : -ENOMEM;
	}
	if (flow->pool_kind == FLOWSWITCH_POOL_P2P)
		return fsw_slot_init_p2p(slot, left);
	if (flow->linear)
		return fsw_slot_init_linear(slot, left);
	while (left) {
		unsigned int order = min_t(unsigned int, get_order(left),
					   FSW_SLOT_MAX_ORDER);
		struct page *page;

		/* get_order() rounds up; never take more than is left. */
		while ((PAGE_SIZE << order) > left)
			order--;
		for (;;) {
			page = alloc_pages(order ? gfp | __GFP_NORETRY |
						   __GFP_NOWARN : gfp, order);
			if (page || !order)
				break;
			order--;
		}
		if (!page)
			return -ENOMEM;
		bvec_set_page(&slot->bvec[slot->nr_bvec++], page,
			      PAGE_SIZE << order, 0);
		left -= PAGE_SIZE << order;
	}
	return 0;
}

void fsw_slot_free(struct fsw_slot *slot)
{
	u32 i;

	/* Never initialised: an earlier slot's allocation failed. */
	if (!slot->flow)
		return;
	if (slot->view) {
		kvfree(slot->bvec);	/* the pages are the window's */
		return;
	}
	if (slot->p2p_kva) {
		fsw_p2p_free(slot->flow->provider, slot->p2p_kva,
			     slot->nr_bvec << PAGE_SHIFT);
		kvfree(slot->bvec);
		return;
	}
	if (slot->flow->linear) {
		vfree(slot->kva);
		vfree(slot->alt_kva);
		kvfree(slot->bvec);
		kvfree(slot->alt_bvec);
		return;
	}
	for (i = 0; i < slot->nr_bvec; i++)
		__free_pages(slot->bvec[i].bv_page,
			     get_order(slot->bvec[i].bv_len));
	kvfree(slot->bvec);
}

/* Point the slot at the memory port's window for its current chunk. */
static void fsw_slot_map_window(struct fsw_slot *slot)
{
	struct fsw_flow *flow = slot->flow;
	u64 off = slot->off + (flow->mem_is_src ? flow->src_off :
						  flow->sink_off[0]);
	void *addr = flow->mem_port->kva + off;
	u32 left = slot->len;

	slot->nr_bvec = 0;
	while (left) {
		u32 in_page = offset_in_page(addr);
		u32 n = min_t(u32, left, PAGE_SIZE - in_page);

		bvec_set_page(&slot->bvec[slot->nr_bvec++], virt_to_page(addr),
			      n, in_page);
		addr += n;
		left -= n;
	}
}

void fsw_engine_kick(struct fsw_flow *flow)
{
	mod_delayed_work(fsw_wq, &flow->work, 0);
}

void fsw_io_complete(struct kiocb *iocb, long res)
{
	struct fsw_io *io = container_of(iocb, struct fsw_io, iocb);
	struct fsw_flow *flow = io->slot->flow;
	unsigned long irqflags;

	spin_lock_irqsave(&flow->lock, irqflags);
	io->res = res;
	io->complete = true;
	mod_delayed_work(fsw_wq, &flow->work, 0);
	spin_unlock_irqrestore(&flow->lock, irqflags);
}

static struct fsw_port *fsw_io_port(struct fsw_io *io, u64 *pos)
{
	struct fsw_slot *slot = io->slot;
	struct fsw_flow *flow = slot->flow;

	if (!io->idx) {
		*pos = flow->src_off + slot->off;
		return flow->src;
	}
	*pos = flow->sink_off[io->idx - 1] + slot->out_off;
	return flow->sinks[io->idx - 1];
}

/* Bytes @io moves: the chunk as read, or as its stages left it. */
static u32 fsw_io_len(struct fsw_io *io)
{
	return io->idx ? io->slot->out_len : io->slot->len;
}

/*
 * A socket I/O's attempt (sock.c): complete it, or leave it pending until
 * the socket wakes the flow's work.  True if it completed.
 */
static bool fsw_io_sock_attempt(struct fsw_io *io, bool write, u32 left)
{
	struct fsw_port *port;
	u64 pos;
	int ret;

	port = fsw_io_port(io, &pos);
	ret = fsw_sock_io(io, port->file, write, left);
	io->sock_pending = ret == -EAGAIN;
	if (io->sock_pending)
		return false;
	fsw_io_complete(&io->iocb, ret);
	return true;
}

/*
 * Issue (or reissue) @io for what is left of its chunk.  Completion is
 * always reported through fsw_io_complete(), inline when the file system
 * finished the I/O synchronously.
 */
static void fsw_io_submit(struct fsw_io *io)
{
	struct fsw_slot *slot = io->slot;
	struct fsw_flow *flow = slot->flow;
	bool write = io->idx > 0;
	struct iov_iter iter;
	struct fsw_port *port;
	struct file *file;
	u32 left = fsw_io_len(io) - io->progress;
	u64 pos;
	ssize_t ret;

	port = fsw_io_port(io, &pos);
	trace_flowswitch_chunk_submit(flow, io, pos + io->progress, left);
	if (port->kind == FLOWSWITCH_PORT_MEMORY) {
		/* The data is already where it goes: no I/O, no bytes. */
		io->virtual = true;
		io->direct = true;
		io->complete = false;
		io->in_flight = true;
		flow->ios_in_flight++;
		fsw_io_complete(&io->iocb, left);
		return;
	}
	io->virtual = false;
	pos += io->progress;
	file = port->file;
	if (port->kind == FLOWSWITCH_PORT_SOCKET) {
		io->direct = false;
		io->complete = false;
		io->in_flight = true;
		flow->ios_in_flight++;
		fsw_io_sock_attempt(io, write, left);
		return;
	}
	io->direct = port->dio_align && IS_ALIGNED(pos, port->dio_align) &&
		     IS_ALIGNED(left, port->dio_align);
	io->complete = false;
	io->in_flight = true;
	flow->ios_in_flight++;
	if (!io->direct && flow->pool_kind == FLOWSWITCH_POOL_P2P) {
		/*
		 * Only a short direct I/O can get here.  The CPU must not
		 * copy peer memory: fail the chunk instead.
		 */
		fsw_io_complete(&io->iocb, -EREMOTEIO);
		return;
	}

	iov_iter_bvec(&iter, write ? ITER_SOURCE : ITER_DEST, slot->bvec,
		      slot->nr_bvec, io->progress + left);
	iov_iter_advance(&iter, io->progress);
	iov_iter_truncate(&iter, left);

	init_sync_kiocb(&io->iocb, file);
	io->iocb.ki_pos = pos;
	io->iocb.ki_ioprio = flow->ioprio;
	io->iocb.ki_flags &= ~(IOCB_DIRECT | IOCB_NOWAIT | IOCB_APPEND);
	if (io->direct)
		io->iocb.ki_flags |= IOCB_DIRECT;

	if (write && port->kind == FLOWSWITCH_PORT_FILE) {
		/* Synchronous: see the comment at the top. */
		file_start_write(file);
		ret = file->f_op->write_iter(&io->iocb, &iter);
		file_end_write(file);
	} else {
		io->iocb.ki_complete = fsw_io_complete;
		if (write)
			ret = file->f_op->write_iter(&io->iocb, &iter);
		else
			ret = file->f_op->read_iter(&io->iocb, &iter);
	}
	if (ret != -EIOCBQUEUED)
		fsw_io_complete(&io->iocb, ret);
}

/* Record the first failure by offset; the flow drains and then fails. */
static void fsw_flow_fail(struct fsw_flow *flow, struct fsw_io *io, u32 stage,
			  int err)
{
	u64 off = io->slot->off;

	spin_lock_irq(&flow->lock);
	if (!flow->failing || off < flow->fail_offset - flow->src_off) {
		flow->error = -err;
		flow->fail_stage = stage;
		flow->fail_sink = io->idx ? io->idx - 1 : 0;
		flow->fail_offset = flow->src_off + off;
	}
	flow->failing = true;
	spin_unlock_irq(&flow->lock);
	io->slot->phase = FSW_SLOT_FAILED;
	trace_flowswitch_chunk_complete(flow, io->slot, err);
}

/*
 * Once a flow fails, chunks at or after the failing one are abandoned, but
 * those before it still complete (writes, partial I/O, retries): bytes_done
 * must come to exactly the bytes before the failing chunk.
 */
static bool fsw_slot_abandoned(struct fsw_flow *flow, struct fsw_slot *slot)
{
	bool failing, stopping;
	u64 fail_rel;

	spin_lock_irq(&flow->lock);
	stopping = flow->stopping;
	failing = flow->failing;
	fail_rel = flow->fail_offset - flow->src_off;
	spin_unlock_irq(&flow->lock);
	return stopping || (failing && slot->off >= fail_rel);
}

/* A chunk read (and transformed): write it to every sink. */
static void fsw_slot_write(struct fsw_flow *flow, struct fsw_slot *slot)
{
	u32 i;

	slot->phase = FSW_SLOT_WRITING;
	slot->writes_pending = flow->nr_sinks;
	/* Compressed frames go back to back (an ordered flow: in turn). */
	if (flow->out_running) {
		slot->out_off = flow->out_pos;
		flow->out_pos += slot->out_len;
	}
	for (i = 1; i <= flow->nr_sinks; i++) {
		slot->io[i].progress = 0;
		fsw_io_submit(&slot->io[i]);
	}
}

/*
 * A chunk ready to be written.  An ordered flow (a socket sink, a stage
 * that must not let a later chunk out before an earlier one passed)
 * writes only the chunk at the head of the ring, so each chunk's writes
 * start after every earlier chunk's have completed; the others wait READY.
 */
static void fsw_slot_ready(struct fsw_flow *flow, struct fsw_slot *slot)
{
	if (flow->ordered &&
	    slot != &flow->slots[flow->head % flow->depth]) {
		slot->phase = FSW_SLOT_READY;
		return;
	}
	fsw_slot_write(flow, slot);
}

/* An ordered flow's head chunk became writable (its predecessor retired). */
static bool fsw_flow_write_head(struct fsw_flow *flow)
{
	struct fsw_slot *slot;

	if (!flow->ordered || flow->head == flow->tail)
		return false;
	slot = &flow->slots[flow->head % flow->depth];
	if (slot->phase != FSW_SLOT_READY || fsw_slot_abandoned(flow, slot))
		return false;
	fsw_slot_write(flow, slot);
	return true;
}

/* The work's view of one finished I/O. */
static void fsw_io_finish(struct fsw_flow *flow, struct fsw_io *io, long res)
{
	struct fsw_slot *slot = io->slot;

	io->in_flight = false;
	flow->ios_in_flight--;
	if (res < 0) {
		/* A socket port's flow has no retries (flow.c refuses them). */
		if (slot->retries < flow->max_retries &&
		    !fsw_slot_abandoned(flow, slot)) {
			slot->retries++;
			spin_lock_irq(&flow->lock);
			flow->retries++;
			spin_unlock_irq(&flow->lock);
			fsw_io_submit(io);
			return;
		}
		fsw_flow_fail(flow, io, io->idx ? FLOWSWITCH_STAGE_WRITE :
						  FLOWSWITCH_STAGE_READ, res);
		return;
	}

	if (io->virtual)
		goto counted;
	spin_lock_irq(&flow->lock);
	if (io->direct)
		flow->direct_bytes += res;
	else
		flow->buffered_bytes += res;
	/* Every byte of an I/O crosses the pool's memory once. */
	if (flow->pool_kind == FLOWSWITCH_POOL_P2P)
		flow->p2p_bytes += res;
	else
		flow->host_bytes += res;
	spin_unlock_irq(&flow->lock);
	atomic64_add(res, flow->pool_kind == FLOWSWITCH_POOL_P2P ?
			  &fsw_p2p_bytes : &fsw_host_bytes);
counted:
	io->progress += res;

	if (io->progress < fsw_io_len(io)) {
		if (!res) {
			/* The source ended early, or the sink took nothing. */
			fsw_flow_fail(flow, io, io->idx ? FLOWSWITCH_STAGE_WRITE :
							  FLOWSWITCH_STAGE_READ,
				      io->idx ? -EIO : -ENODATA);
			return;
		}
		if (fsw_slot_abandoned(flow, slot))
			return;
		fsw_io_submit(io);
		return;
	}

	if (!io->idx) {
		if (fsw_slot_abandoned(flow, slot))
			return;
		if (flow->framed && !slot->hdr_done) {
			int err = fsw_xform_frame(flow, slot);

			if (err) {
				fsw_flow_fail(flow, io, FLOWSWITCH_STAGE_TRANSFORM,
					      err);
				return;
			}
			/* The frame's body, after its header. */
			if (io->progress < slot->len) {
				fsw_io_submit(io);
				return;
			}
		}
		if (flow->nr_stages)
			fsw_xform_start(flow, slot);
		else
			fsw_slot_ready(flow, slot);
		return;
	}
	if (!--slot->writes_pending)
		slot->phase = FSW_SLOT_DONE;
}

/* Take the completions the interrupt side recorded; true if any. */
static bool fsw_flow_reap(struct fsw_flow *flow)
{
	bool any = false;
	u64 n;
	u32 i;

	for (n = flow->head; n < flow->tail; n++) {
		struct fsw_slot *slot = &flow->slots[n % flow->depth];

		if (slot->xform_in_flight) {
			int err;

			if (!fsw_xform_reap(flow, slot,
					    fsw_slot_abandoned(flow, slot),
					    &err))
				continue;
			any = true;
			if (fsw_slot_abandoned(flow, slot))
				continue;
			if (err) {
				fsw_flow_fail(flow, &slot->io[0],
					      FLOWSWITCH_STAGE_TRANSFORM, err);
				continue;
			}
			/* What the stages left is what goes out. */
			slot->out_len = slot->xlen;
			fsw_slot_ready(flow, slot);
			continue;
		}
		for (i = 0; i <= flow->nr_sinks; i++) {
			struct fsw_io *io = &slot->io[i];
			bool done;
			long res;

			if (!io->in_flight)
				continue;
			if (io->sock_pending) {
				/* Abandoned: no byte of it will be wanted. */
				if (fsw_slot_abandoned(flow, slot)) {
					io->sock_pending = false;
					io->in_flight = false;
					flow->ios_in_flight--;
					any = true;
					continue;
				}
				if (!fsw_io_sock_attempt(io, io->idx > 0,
							 fsw_io_len(io) -
							 io->progress))
					continue;
			}
			spin_lock_irq(&flow->lock);
			done = io->complete;
			res = io->res;
			spin_unlock_irq(&flow->lock);
			if (!done)
				continue;
			fsw_io_finish(flow, io, res);
			any = true;
		}
	}
	return any;
}

/* Retire the done chunks at the head of the ring. */
static void fsw_flow_retire(struct fsw_flow *flow)
{
	while (flow->head < flow->tail) {
		struct fsw_slot *slot = &flow->slots[flow->head % flow->depth];

		if (slot->phase != FSW_SLOT_DONE)
			break;
		if (flow->zerocopy) {
			u64 held = 0;
			int err = fsw_sock_renew_pages(slot, &held);

			spin_lock_irq(&flow->lock);
			flow->zerocopy_bytes += held;
			spin_unlock_irq(&flow->lock);
			if (err) {
				fsw_flow_fail(flow, &slot->io[1],
					      FLOWSWITCH_STAGE_WRITE, err);
				break;
			}
		}
		slot->phase = FSW_SLOT_FREE;
		spin_lock_irq(&flow->lock);
		flow->bytes_done += slot->len;
		flow->out_bytes += slot->out_len;
		flow->chunks_done++;
		flow->head++;
		spin_unlock_irq(&flow->lock);
		trace_flowswitch_chunk_complete(flow, slot, 0);
	}
}

/*
 * Token bucket: true if @len bytes may be read now; otherwise the work is
 * rescheduled for when they may.
 */
static bool fsw_flow_tokens(struct fsw_flow *flow, u32 len)
{
	u64 now, wait_ns;

	if (!flow->rate_bps)
		return true;
	now = ktime_get_ns();
	/* Capping the interval keeps the product below 2^64. */
	flow->tokens += mul_u64_u64_div_u64(min_t(u64, now - flow->refill_ns,
						  NSEC_PER_SEC),
					    flow->rate_bps, NSEC_PER_SEC);
	flow->refill_ns = now;
	if (flow->tokens > (s64)flow->bucket)
		flow->tokens = flow->bucket;
	if (flow->tokens >= (s64)len) {
		flow->tokens -= len;
		return true;
	}
	wait_ns = mul_u64_u64_div_u64(len - flow->tokens, NSEC_PER_SEC,
				      flow->rate_bps);
	/*
	 * Park until the tokens are due, unless a kick came meanwhile (a
	 * completion, a stop, a pause): it is pending and must win.
	 * mod_delayed_work() would push it back to the tokens' time, and a
	 * stop waiting for the final state would wait that long (an hour at
	 * 1 byte/s).
	 */
	queue_delayed_work(fsw_wq, &flow->work, nsecs_to_jiffies(wait_ns) + 1);
	return false;
}

/*
 * A periodic self-test failed: what went out since the path was last proven
 * may be wrong, so bytes_done falls back to there.
 */
static void fsw_flow_selftest_failed(struct fsw_flow *flow, int err)
{
	spin_lock_irq(&flow->lock);
	flow->failing = true;
	flow->error = -err;
	flow->fail_stage = FLOWSWITCH_STAGE_SELFTEST;
	flow->fail_offset = flow->src_off + flow->verified;
	flow->bytes_done = flow->verified;
	flow->out_bytes = flow->verified;	/* p2p: no stages */
	flow->chunks_done = DIV_ROUND_UP_ULL(flow->verified, flow->chunk);
	spin_unlock_irq(&flow->lock);
}

/* Issue new chunks while the ring, the range and the rate allow. */
static bool fsw_flow_issue(struct fsw_flow *flow)
{
	bool any = false;

	while (flow->tail - flow->head < flow->depth &&
	       flow->issued < flow->length) {
		struct fsw_slot *slot = &flow->slots[flow->tail % flow->depth];
		u32 len = min_t(u64, flow->framed ? FLOWSWITCH_FRAME_HDR :
						    flow->rec_in,
				flow->length - flow->issued);

		/* Frames: the next header's place is known from this one. */
		if (flow->framed && flow->tail != flow->head &&
		    !flow->slots[(flow->tail - 1) % flow->depth].hdr_done)
			break;
		/* A stream: the next receive once this one has its bytes. */
		if (flow->src->kind == FLOWSWITCH_PORT_SOCKET &&
		    flow->tail != flow->head &&
		    flow->slots[(flow->tail - 1) % flow->depth].phase ==
		    FSW_SLOT_READING)
			break;
		if (fsw_flow_canary_due(flow)) {
			/* Test with nothing in flight: wait for the drain. */
			if (flow->head != flow->tail)
				break;
			int err = fsw_flow_canary_again(flow);

			if (err) {
				fsw_flow_selftest_failed(flow, err);
				return true;	/* the work must see it */
			}
		}

		if (!fsw_flow_tokens(flow, len))
			break;
		slot->phase = FSW_SLOT_READING;
		slot->off = flow->issued;
		slot->len = len;
		/* An AEAD record is longer or shorter on the sinks' side. */
		slot->out_off = div_u64(slot->off, flow->rec_in) *
				flow->rec_out;
		slot->out_len = len + flow->rec_out - flow->rec_in;
		slot->hdr_done = !flow->framed;
		if (flow->framed)	/* frame K's bytes go to K * chunk */
			slot->out_off = (u64)flow->frames++ * flow->chunk;
		slot->retries = 0;
		slot->issue_ns = ktime_get_ns();
		slot->io[0].progress = 0;
		if (slot->view)
			fsw_slot_map_window(slot);
		spin_lock_irq(&flow->lock);
		flow->issued += len;
		flow->tail++;
		spin_unlock_irq(&flow->lock);
		fsw_io_submit(&slot->io[0]);
		any = true;
	}
	return any;
}

/* Flush every sink: a flow is done only once its data is durable. */
static int fsw_flow_flush(struct fsw_flow *flow, u32 *sink)
{
	int ret;

	if (flow->flags & FLOWSWITCH_FLOW_NO_FLUSH)
		return 0;
	for (*sink = 0; *sink < flow->nr_sinks; (*sink)++) {
		/* Device memory and streams have nothing to flush to. */
		if (flow->sinks[*sink]->kind == FLOWSWITCH_PORT_MEMORY ||
		    flow->sinks[*sink]->kind == FLOWSWITCH_PORT_SOCKET)
			continue;
		ret = vfs_fsync(flow->sinks[*sink]->file, 0);
		if (ret)
			return ret;
	}
	return 0;
}

static void fsw_flow_finish(struct fsw_flow *flow, u32 state)
{
	/* Nothing more to wait for on its sockets. */
	fsw_sock_unwatch(flow);
	spin_lock_irq(&flow->lock);
	/*
	 * Failed from outside its I/O: chunks whose writes were under way
	 * completed and count, so the flow fails where its prefix ends.
	 */
	if (state == FLOWSWITCH_FLOW_FAILED && flow->fail_late)
		flow->fail_offset = flow->src_off + flow->bytes_done;
	flow->state = state;
	flow->end_ns = ktime_get_ns();
	spin_unlock_irq(&flow->lock);
	fsw_event_post(flow->ctx, flow);
	wake_up_all(&flow->wait);
}

void fsw_engine_work(struct work_struct *work)
{
	struct fsw_flow *flow = container_of(to_delayed_work(work),
					     struct fsw_flow, work);
	bool progress, stopping, failing;
	u32 state, sink;
	int ret;

	do {
		progress = fsw_flow_reap(flow);
		fsw_flow_retire(flow);
		progress |= fsw_flow_write_head(flow);

		spin_lock_irq(&flow->lock);
		state = flow->state;
		stopping = flow->stopping;
		failing = flow->failing;
		spin_unlock_irq(&flow->lock);
		if (state != FLOWSWITCH_FLOW_RUNNING &&
		    state != FLOWSWITCH_FLOW_PAUSED)
			return;
		if (!stopping && !failing && state == FLOWSWITCH_FLOW_RUNNING)
			progress |= fsw_flow_issue(flow);
	} while (progress);

	/*
	 * Final states only once nothing is in flight; a completion still
	 * to come schedules this work again.
	 */
	if (stopping || failing) {
		if (!flow->ios_in_flight)
			fsw_flow_finish(flow, failing ? FLOWSWITCH_FLOW_FAILED :
							FLOWSWITCH_FLOW_STOPPED);
		return;
	}
	if (flow->head == flow->tail && flow->issued == flow->length) {
		ret = fsw_flow_flush(flow, &sink);
		if (ret) {
			spin_lock_irq(&flow->lock);
			flow->failing = true;
			flow->error = -ret;
			flow->fail_stage = FLOWSWITCH_STAGE_FLUSH;
			flow->fail_sink = sink;
			flow->fail_offset = flow->src_off + flow->length;
			spin_unlock_irq(&flow->lock);
			fsw_flow_finish(flow, FLOWSWITCH_FLOW_FAILED);
			return;
		}
		if (flow->flags & FLOWSWITCH_FLOW_VERIFY) {
			ret = fsw_verify_sinks(flow, &sink);
			if (ret) {
				spin_lock_irq(&flow->lock);
				flow->failing = true;
				flow->error = -ret;
				flow->fail_stage = FLOWSWITCH_STAGE_VERIFY;
				flow->fail_sink = sink;
				flow->fail_offset = flow->src_off;
				/* Nothing of it is proven. */
				flow->bytes_done = 0;
				flow->out_bytes = 0;
				spin_unlock_irq(&flow->lock);
				fsw_flow_finish(flow, FLOWSWITCH_FLOW_FAILED);
				return;
			}
		}
		fsw_flow_finish(flow, FLOWSWITCH_FLOW_DONE);
	}
}

/* Run the work until the flow has left RUNNING and PAUSED, and wait. */
static void fsw_engine_settle(struct fsw_flow *flow)
{
	fsw_engine_kick(flow);
	wait_event(flow->wait, ({
		u32 s;

		spin_lock_irq(&flow->lock);
		s = flow->state;
		spin_unlock_irq(&flow->lock);
		s != FLOWSWITCH_FLOW_RUNNING && s != FLOWSWITCH_FLOW_PAUSED;
	}));
}

/*
 * Fail the flow from outside its I/O (its p2p memory is going away): the
 * chunks in flight complete, then FAILED with @err and @stage at the
 * flow's first byte not done.  A flow never started fails at once; one
 * already final keeps its state.  Its work will not run again.
 */
void fsw_engine_fail_sync(struct fsw_flow *flow, int err, u32 stage)
{
	bool final = false;

	spin_lock_irq(&flow->lock);
	switch (flow->state) {
	case FLOWSWITCH_FLOW_CREATED:
		flow->state = FLOWSWITCH_FLOW_FAILED;
		final = true;
		fallthrough;
	case FLOWSWITCH_FLOW_RUNNING:
	case FLOWSWITCH_FLOW_PAUSED:
		if (!flow->failing) {
			flow->failing = true;
			flow->fail_late = true;
			flow->error = -err;
			flow->fail_stage = stage;
			/* Chunks from here on are not issued or written. */
			flow->fail_offset = flow->src_off + flow->bytes_done;
		}
		break;
	default:
		spin_unlock_irq(&flow->lock);
		cancel_delayed_work_sync(&flow->work);
		return;
	}
	spin_unlock_irq(&flow->lock);

	if (final) {
		fsw_event_post(flow->ctx, flow);
		wake_up_all(&flow->wait);
	} else {
		fsw_engine_settle(flow);
	}
	cancel_delayed_work_sync(&flow->work);
}

/*
 * Bring the flow to a final state and make sure its work will not run
 * again.  A flow never started goes straight to STOPPED.
 */
void fsw_engine_stop_sync(struct fsw_flow *flow)
{
	bool idle;

	spin_lock_irq(&flow->lock);
	if (flow->state == FLOWSWITCH_FLOW_CREATED) {
		flow->state = FLOWSWITCH_FLOW_STOPPED;
		spin_unlock_irq(&flow->lock);
		fsw_event_post(flow->ctx, flow);
		wake_up_all(&flow->wait);
		return;
	}
	idle = flow->state != FLOWSWITCH_FLOW_RUNNING &&
	       flow->state != FLOWSWITCH_FLOW_PAUSED;
	flow->stopping = true;
	spin_unlock_irq(&flow->lock);

	if (!idle)
		fsw_engine_settle(flow);
	cancel_delayed_work_sync(&flow->work);
}
