// SPDX-License-Identifier: GPL-2.0
/*
 * Events on the control file: read() returns struct flowswitch_event
 * records, poll() says when there are some.  The queue is bounded; when it
 * is full the newest events are dropped and counted, and the next event
 * that fits is preceded by a FLOWSWITCH_EVENT_LOST saying how many.
 */
#include <linux/poll.h>
#include <linux/uaccess.h>

#include "flowswitch.h"
#include "trace.h"

static void fsw_event_push(struct fsw_ctx *ctx, struct flowswitch_event *ev)
{
	lockdep_assert_held(&ctx->ev_lock);
	ev->seq = ctx->ev_seq++;
	if (!kfifo_put(&ctx->events, *ev))
		ctx->ev_lost++;
}

static void fsw_event_queue(struct fsw_ctx *ctx, struct flowswitch_event *ev)
{
	unsigned long irqflags;

	spin_lock_irqsave(&ctx->ev_lock, irqflags);
	/* Two free places: one for the LOST marker, one for the event. */
	if (ctx->ev_lost && kfifo_avail(&ctx->events) >= 2) {
		struct flowswitch_event lost = {
			.type = FLOWSWITCH_EVENT_LOST,
			.bytes_done = ctx->ev_lost,
		};

		ctx->ev_lost = 0;
		fsw_event_push(ctx, &lost);
	}
	if (ctx->ev_lost) {
		ctx->ev_lost++;
		ctx->ev_seq++;
	} else {
		fsw_event_push(ctx, ev);
	}
	spin_unlock_irqrestore(&ctx->ev_lock, irqflags);
	wake_up_interruptible_poll(&ctx->ev_wait, EPOLLIN | EPOLLRDNORM);
}

void fsw_event_post(struct fsw_ctx *ctx, struct fsw_flow *flow)
{
	struct flowswitch_event ev = {
		.type = FLOWSWITCH_EVENT_FLOW_STATE,
		.flow_id = flow->obj.id,
	};
	unsigned long irqflags;

	spin_lock_irqsave(&flow->lock, irqflags);
	ev.state = flow->state;
	ev.error = flow->error;
	ev.bytes_done = flow->bytes_done;
	spin_unlock_irqrestore(&flow->lock, irqflags);
	trace_flowswitch_flow_state(flow, ev.state, ev.error, ev.bytes_done);
	fsw_event_queue(ctx, &ev);
	fsw_nl_flow_event(flow, FLOWSWITCH_NL_EVENT_FLOW_STATE);
}

/* A PREFERRED flow was given host memory: never silently. */
void fsw_event_post_fallback(struct fsw_ctx *ctx, struct fsw_flow *flow)
{
	struct flowswitch_event ev = {
		.type = FLOWSWITCH_EVENT_FALLBACK,
		.flow_id = flow->obj.id,
		.state = flow->state,
		.error = flow->p2p_reason,
	};

	trace_flowswitch_fallback(flow, flow->p2p_reason);
	fsw_event_queue(ctx, &ev);
	fsw_nl_flow_event(flow, FLOWSWITCH_NL_EVENT_FALLBACK);
}

/* The other end of a socket port closed or reset the connection. */
void fsw_event_post_peer(struct fsw_ctx *ctx, struct fsw_flow *flow)
{
	struct flowswitch_event ev = {
		.type = FLOWSWITCH_EVENT_PEER,
		.flow_id = flow->obj.id,
	};
	unsigned long irqflags;

	spin_lock_irqsave(&flow->lock, irqflags);
	ev.state = flow->state;
	ev.error = flow->peer_error;
	ev.bytes_done = flow->bytes_done;
	spin_unlock_irqrestore(&flow->lock, irqflags);
	fsw_event_queue(ctx, &ev);
	fsw_nl_flow_event(flow, FLOWSWITCH_NL_EVENT_PEER);
}

ssize_t fsw_event_read(struct fsw_ctx *ctx, char __user *buf, size_t len,
		       bool nonblock)
{
	struct flowswitch_event ev;
	size_t done = 0;
	int ret;

	if (len < sizeof(ev))
		return -EINVAL;
	while (done + sizeof(ev) <= len) {
		bool got;

		spin_lock_irq(&ctx->ev_lock);
		got = kfifo_get(&ctx->events, &ev);
		spin_unlock_irq(&ctx->ev_lock);
		if (!got) {
			if (done || nonblock)
				break;
			ret = wait_event_interruptible(ctx->ev_wait,
						       !kfifo_is_empty(&ctx->events));
			if (ret)
				return ret;
			continue;
		}
		if (copy_to_user(buf + done, &ev, sizeof(ev)))
			return done ? done : -EFAULT;
		done += sizeof(ev);
	}
	return done ? done : -EAGAIN;
}

__poll_t fsw_event_poll(struct fsw_ctx *ctx, struct file *filp,
			poll_table *wait)
{
	poll_wait(filp, &ctx->ev_wait, wait);
	return kfifo_is_empty(&ctx->events) ? 0 : EPOLLIN | EPOLLRDNORM;
}
