// SPDX-License-Identifier: GPL-2.0
/*
 * The embedded engine's events: the module's queue (kmod/event.c) -- the
 * same records, 256 of them, the oldest kept and a LOST record for what
 * was dropped -- behind an eventfd that is non-zero while events are
 * queued, so the caller's poll() sees it readable exactly then.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "engine-uring.h"

static void event_push(struct uring_engine *eng, struct flowswitch_event *ev)
{
	uint64_t one = 1;

	ev->seq = eng->ev_seq++;
	if (eng->ev_count == URING_EVENT_QUEUE) {
		eng->ev_lost++;
		return;
	}
	eng->evq[(eng->ev_head + eng->ev_count++) % URING_EVENT_QUEUE] = *ev;
	/* Adds to the counter; read_events() zeroes it with the queue. */
	if (write(eng->ev_fd, &one, sizeof(one)) < 0)
		abort(); /* an eventfd below 2^64 - 2 cannot refuse */
}

/* The module's rules (kmod/event.c): the oldest are kept, then LOST. */
void uring_event_queue(struct uring_engine *eng, struct flowswitch_event *ev)
{
	pthread_mutex_lock(&eng->ev_lock);
	if (eng->ev_lost && URING_EVENT_QUEUE - eng->ev_count >= 2) {
		struct flowswitch_event lost = {
			.type = FLOWSWITCH_EVENT_LOST,
			.bytes_done = eng->ev_lost,
		};

		eng->ev_lost = 0;
		event_push(eng, &lost);
	}
	if (eng->ev_lost) {
		eng->ev_lost++;
		eng->ev_seq++;
	} else {
		event_push(eng, ev);
	}
	pthread_mutex_unlock(&eng->ev_lock);
}

void uring_event_post(struct uflow *flow)
{
	struct flowswitch_event ev = {
		.type = FLOWSWITCH_EVENT_FLOW_STATE,
		.flow_id = flow->obj.id,
		.state = flow->state,
		.error = flow->error,
		.bytes_done = flow->bytes_done,
	};

	uring_event_queue(flow->eng, &ev);
}

int uring_event_fd(struct fsw_engine *e)
{
	return ((struct uring_engine *)e)->ev_fd;
}

ssize_t uring_read_events(struct fsw_engine *e, struct flowswitch_event *ev,
			  size_t n)
{
	struct uring_engine *eng = (struct uring_engine *)e;
	uint64_t count;
	size_t got = 0;

	pthread_mutex_lock(&eng->ev_lock);
	while (got < n && eng->ev_count) {
		ev[got++] = eng->evq[eng->ev_head];
		eng->ev_head = (eng->ev_head + 1) % URING_EVENT_QUEUE;
		eng->ev_count--;
	}
	/* Empty: the descriptor stops polling readable. */
	if (!eng->ev_count && read(eng->ev_fd, &count, sizeof(count)) < 0 &&
	    errno != EAGAIN) {
		pthread_mutex_unlock(&eng->ev_lock);
		return -errno;
	}
	pthread_mutex_unlock(&eng->ev_lock);
	return got;
}
