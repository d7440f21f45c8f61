// SPDX-License-Identifier: GPL-2.0
/*
 * Socket ports: a flow's source or sink is a connected stream socket.
 *
 * A stream has one position, so its I/O is in order: the engine keeps one
 * receive in flight (the next chunk's read starts when the previous one
 * has all its bytes) and sends a chunk only once every chunk before it is
 * sent (engine.c's ordered writes).  Neither blocks a worker: each attempt
 * is MSG_DONTWAIT, and an attempt that would block leaves its I/O pending
 * until the socket's wait queue wakes us -- the same entry poll(2) would
 * use, added once when the flow starts (as vhost does) -- and the flow's
 * work tries again.  The entry goes before the flow does: a wakeup then
 * can never kick a freed flow.
 *
 * Sending, the socket takes the chunk's pages by reference where the
 * kernel can (MSG_SPLICE_PAGES: no copy into socket buffers) and keeps
 * them until the data is acknowledged -- after the chunk is done.  So a
 * chunk buffer is never written again while the network holds a page of
 * it: when the chunk retires, each page still held is given up to the
 * network (its reference dropped) and replaced with a fresh one.
 */
#include <linux/file.h>
#include <linux/net.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "flowswitch.h"

/* One socket port of a flow, watched while the flow runs. */
struct fsw_sock_watch {
	struct fsw_flow *flow;
	wait_queue_entry_t wait;
	wait_queue_head_t *wqh;
	poll_table pt;
};

/* A connected stream socket, or the errno that says why not. */
int fsw_sock_port_check(struct file *file)
{
	struct socket *sock = sock_from_file(file);

	if (!sock || sock->type != SOCK_STREAM || !sock->sk)
		return -EOPNOTSUPP;
	switch (sock->sk->sk_family) {
	case AF_INET:
	case AF_INET6:
	case AF_UNIX:
		break;
	default:
		return -EOPNOTSUPP;
	}
	/* Unix stream sockets use TCP_ESTABLISHED too. */
	if (READ_ONCE(sock->sk->sk_state) != TCP_ESTABLISHED)
		return -ENOTCONN;
	return 0;
}

static int fsw_sock_wake(wait_queue_entry_t *wait, unsigned int mode,
			 int sync, void *key)
{
	struct fsw_sock_watch *w = container_of(wait, struct fsw_sock_watch,
						wait);

	/* Any readiness, error or hang-up: the work looks at what it is. */
	fsw_engine_kick(w->flow);
	return 0;
}

static void fsw_sock_queue(struct file *file, wait_queue_head_t *wqh,
			   poll_table *pt)
{
	struct fsw_sock_watch *w = container_of(pt, struct fsw_sock_watch, pt);

	/* A socket has one wait queue: poll_wait() calls this once. */
	if (w->wqh)
		return;
	w->wqh = wqh;
	add_wait_queue(wqh, &w->wait);
}

static struct fsw_port *fsw_sock_port(struct fsw_flow *flow, u32 i)
{
	return i ? flow->sinks[i - 1] : flow->src;
}

/* At creation: room to watch the flow's socket ports.  0 or -ENOMEM. */
int fsw_sock_flow_init(struct fsw_flow *flow)
{
	u32 i;

	for (i = 0; i <= flow->nr_sinks; i++)
		if (fsw_sock_port(flow, i)->kind == FLOWSWITCH_PORT_SOCKET)
			break;
	if (i > flow->nr_sinks)
		return 0;
	flow->sock_watch = kcalloc(flow->nr_sinks + 1,
				   sizeof(*flow->sock_watch),
				   GFP_KERNEL_ACCOUNT);
	return flow->sock_watch ? 0 : -ENOMEM;
}

/* At start, before the first attempt: no wakeup can be missed. */
void fsw_sock_watch(struct fsw_flow *flow)
{
	u32 i;

	if (!flow->sock_watch)
		return;
	for (i = 0; i <= flow->nr_sinks; i++) {
		struct fsw_port *port = fsw_sock_port(flow, i);
		struct fsw_sock_watch *w = &flow->sock_watch[i];

		if (port->kind != FLOWSWITCH_PORT_SOCKET)
			continue;
		w->flow = flow;
		init_waitqueue_func_entry(&w->wait, fsw_sock_wake);
		init_poll_funcptr(&w->pt, fsw_sock_queue);
		vfs_poll(port->file, &w->pt);
	}
}

/*
 * Take the entries off the sockets' wait queues.  After this, and the
 * flow's work cancelled once more, nothing of a socket reaches the flow.
 */
void fsw_sock_unwatch(struct fsw_flow *flow)
{
	u32 i;

	if (!flow->sock_watch)
		return;
	for (i = 0; i <= flow->nr_sinks; i++) {
		struct fsw_sock_watch *w = &flow->sock_watch[i];

		if (w->wqh) {
			remove_wait_queue(w->wqh, &w->wait);
			w->wqh = NULL;
		}
	}
}

/*
 * May the flow's socket sinks keep its pages?  Only whole host pages it
 * owns: not a p2p pool, not the vmalloc()ed pairs of a compressing flow.
 */
bool fsw_sock_zerocopy(struct fsw_flow *flow)
{
	u32 i;

	if (!IS_ENABLED(CONFIG_NET) || flow->pool_kind != FLOWSWITCH_POOL_HOST ||
	    flow->linear || flow->mem_port)
		return false;
	for (i = 0; i < flow->nr_sinks; i++)
		if (flow->sinks[i]->kind == FLOWSWITCH_PORT_SOCKET)
			return true;
	return false;
}

/*
 * A chunk of a zero-copy flow is done: replace each page the network
 * still holds.  Adds the bytes given up to *@held; -ENOMEM if a page
 * could not be replaced (the flow then fails: the page must not be
 * written again).
 */
int fsw_sock_renew_pages(struct fsw_slot *slot, u64 *held)
{
	u32 i, pos = 0;

	for (i = 0; i < slot->nr_bvec && pos < slot->out_len;
	     pos += slot->bvec[i++].bv_len) {
		struct bio_vec *bv = &slot->bvec[i];
		unsigned int order = get_order(bv->bv_len);
		struct page *fresh;

		if (page_count(bv->bv_page) == 1)
			continue;
		fresh = alloc_pages(GFP_KERNEL_ACCOUNT |
				    (order ? __GFP_COMP : 0), order);
		if (!fresh)
			return -ENOMEM;
		put_page(bv->bv_page);	/* the network's now */
		bv->bv_page = fresh;
		*held += min(bv->bv_len, slot->out_len - pos);
	}
	return 0;
}

void fsw_sock_flow_free(struct fsw_flow *flow)
{
	kfree(flow->sock_watch);
	flow->sock_watch = NULL;
}

/* The peer went away: say so once, before the flow's FAILED event. */
static void fsw_sock_peer(struct fsw_flow *flow, int err)
{
	bool first;

	spin_lock_irq(&flow->lock);
	first = !flow->peer_error;
	if (first)
		flow->peer_error = -err;
	spin_unlock_irq(&flow->lock);
	if (first)
		fsw_event_post_peer(flow->ctx, flow);
}

/*
 * One attempt at the rest of @io's chunk (@left bytes) on its socket,
 * without blocking: bytes moved, 0 at the end of the peer's stream,
 * -EAGAIN if the socket would block (its wakeup brings the flow's work
 * back), or -errno.
 */
int fsw_sock_io(struct fsw_io *io, struct file *file, bool write, u32 left)
{
	struct fsw_slot *slot = io->slot;
	struct socket *sock = sock_from_file(file);
	struct msghdr msg = {
		.msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL,
	};
	int ret;

	iov_iter_bvec(&msg.msg_iter, write ? ITER_SOURCE : ITER_DEST,
		      slot->bvec, slot->nr_bvec, io->progress + left);
	iov_iter_advance(&msg.msg_iter, io->progress);
	if (write && slot->flow->zerocopy)
		msg.msg_flags |= MSG_SPLICE_PAGES;
	if (write)
		ret = sock_sendmsg(sock, &msg);
	else
		ret = sock_recvmsg(sock, &msg, msg.msg_flags);
	if (ret == -EPIPE || ret == -ECONNRESET)
		fsw_sock_peer(slot->flow, ret);
	else if (!write && !ret)
		fsw_sock_peer(slot->flow, -EPIPE);	/* an early end */
	return ret;
}
