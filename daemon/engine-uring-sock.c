// SPDX-License-Identifier: GPL-2.0
/*
 * Socket ports (ABI 1.6) on the embedded engine: kmod/sock.c's rules in
 * userspace.  A port is a connected stream socket -- TCP over IPv4 or
 * IPv6, or a Unix stream socket -- else EOPNOTSUPP, or ENOTCONN when it
 * is not (or no longer) connected.  A stream has no offsets and no size:
 * a socket source starts at offset 0 and needs its length (EINVAL for
 * FLOWSWITCH_FLOW_TO_END or an offset), a socket sink's offset is 0
 * (EINVAL), a socket port serves one flow at a time (EBUSY), and a flow
 * with one has no retries (EINVAL: a stream cannot be re-read).
 *
 * The data path (engine-uring-flow.c) moves a socket's bytes with
 * io_uring recv and send (MSG_NOSIGNAL) on the port's descriptor, in
 * stream order: one receive at a time, and a flow with a socket sink
 * writes only the chunk at the head of its ring.  io_uring waits on the
 * socket itself; a socket the caller made O_NONBLOCK answers EAGAIN,
 * and the I/O then goes again behind a poll of the socket (linked).
 * Stopping, or failing elsewhere, cancels what waits on the sockets.
 * The peer closing (EPIPE, or the stream ending before the flow's
 * length: ENODATA) or resetting (ECONNRESET) the connection posts one
 * FLOWSWITCH_EVENT_PEER event before the flow fails.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "engine-uring.h"

int usock_port_check(int fd)
{
	int type = 0, domain = 0;
	socklen_t len = sizeof(type);
	struct tcp_info ti;
	struct sockaddr_storage ss;

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) ||
	    type != SOCK_STREAM)
		return -EOPNOTSUPP;
	len = sizeof(domain);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len))
		return -EOPNOTSUPP;
	switch (domain) {
	case AF_INET:
	case AF_INET6:
		/* As the module: established, not closing. */
		len = sizeof(ti);
		if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
			return -EOPNOTSUPP; /* a stream that is not TCP */
		return ti.tcpi_state == TCP_ESTABLISHED ? 0 : -ENOTCONN;
	case AF_UNIX:
		len = sizeof(ss);
		return getpeername(fd, (struct sockaddr *)&ss, &len) ? -ENOTCONN
								     : 0;
	default:
		return -EOPNOTSUPP;
	}
}

int usock_flow_check(struct uflow *flow)
{
	bool any = flow->src->kind == FLOWSWITCH_PORT_SOCKET;
	uint32_t i;

	for (i = 0; i < flow->nr_sinks; i++) {
		if (flow->sinks[i]->kind != FLOWSWITCH_PORT_SOCKET)
			continue;
		any = true;
		flow->ordered = true;
	}
	if (any && flow->max_retries)
		return -EINVAL;
	flow->has_sock = any;
	return 0;
}

void usock_peer(struct uflow *flow, int err)
{
	struct flowswitch_event ev = {
		.type = FLOWSWITCH_EVENT_PEER,
		.flow_id = flow->obj.id,
	};

	pthread_mutex_lock(&flow->lock);
	if (flow->peer_error) {
		pthread_mutex_unlock(&flow->lock);
		return;
	}
	flow->peer_error = (uint32_t)-err;
	ev.state = flow->state;
	ev.error = flow->peer_error;
	ev.bytes_done = flow->bytes_done;
	pthread_mutex_unlock(&flow->lock);
	uring_event_queue(flow->eng, &ev);
}

/* What a socket I/O's result says of the peer; @res as it came. */
void usock_result(struct uflow *flow, uint32_t idx, int res, bool short_end)
{
	if (res == -EPIPE || res == -ECONNRESET)
		usock_peer(flow, res);
	else if (!idx && !res && short_end)
		usock_peer(flow, -EPIPE); /* an early end */
}

void usock_cancel(struct uflow *flow)
{
	struct io_uring_sqe *sqe;
	uint32_t i;

	if (!flow->has_sock || flow->sock_cancelled)
		return;
	for (i = 0; i <= flow->nr_sinks; i++) {
		struct uport *port = i ? flow->sinks[i - 1] : flow->src;

		if (port->kind != FLOWSWITCH_PORT_SOCKET)
			continue;
		sqe = io_uring_get_sqe(&flow->ring);
		if (!sqe) {
			io_uring_submit(&flow->ring);
			sqe = io_uring_get_sqe(&flow->ring);
			if (!sqe)
				return; /* the next round tries again */
		}
		io_uring_prep_cancel_fd(sqe, port->fd, IORING_ASYNC_CANCEL_ALL);
		io_uring_sqe_set_data64(sqe, URING_UD_IGNORE);
		flow->submit_pending = true;
	}
	flow->sock_cancelled = true;
}
