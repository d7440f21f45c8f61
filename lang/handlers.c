// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Checker, handlers: events and whether they can happen in the flow,
 * the actions of a handler, and the rule that every 'preferred'
 * property has a fallback some handler can actually reach.
 */
#include <string.h>

#include "check.h"

static const char *const event_names[] = {
	[FLANG_EV_P2P_UNAVAILABLE] = "p2p_unavailable",
	[FLANG_EV_POOL_EXHAUSTED] = "pool_exhausted",
	[FLANG_EV_IO_ERROR] = "io_error",
	[FLANG_EV_DEVICE_REMOVED] = "device_removed",
	[FLANG_EV_PEER_CLOSED] = "peer_closed",
	[FLANG_EV_TRANSFORM_ERROR] = "transform_error",
	[FLANG_EV_STALLED] = "stalled",
};

const char *flang_event_name(enum flang_event ev)
{
	return (size_t)ev < ARRAY_SIZE(event_names) ? event_names[ev] : "?";
}

static bool event_possible(const struct flow_state *st, enum flang_event ev)
{
	switch (ev) {
	case FLANG_EV_P2P_UNAVAILABLE:
		return st->has_p2p;
	case FLANG_EV_PEER_CLOSED:
		return st->has_socket;
	case FLANG_EV_TRANSFORM_ERROR:
		return st->has_transform;
	default:
		return true;
	}
}

static const char *const why_impossible[] = {
	[FLANG_EV_P2P_UNAVAILABLE] = "no buffer of this flow is in a p2p, cmb or bar pool",
	[FLANG_EV_PEER_CLOSED] = "this flow has no socket endpoint",
	[FLANG_EV_TRANSFORM_ERROR] = "this flow has no transform",
};

static void check_retry(struct flang_ctx *ctx, struct action *a)
{
	struct value v = eval_expr(ctx, a->count, false);

	if (value_expect(ctx, &v, VT_INT, "retry")) {
		if (!v.u || v.u > MAX_RETRIES)
			diag_help(diag_error(ctx, "E0305", v.span,
					     "retry count %llu is out of range",
					     (unsigned long long)v.u),
				  "retry 1 to %u times", MAX_RETRIES);
		a->retries = (uint32_t)(v.u > MAX_RETRIES ? MAX_RETRIES : v.u);
	}
	if (!a->backoff)
		return;
	v = eval_closed_range(ctx, a->backoff);
	if (v.type == VT_NONE)
		return;
	if (v.type != VT_RANGE || v.elem != VT_DURATION) {
		diag_help(diag_error(ctx, "E0300", v.span,
				     "backoff expects durations MIN..MAX"),
			  "write e.g. backoff 1ms..100ms");
		return;
	}
	a->backoff_min = v.u;
	a->backoff_max = v.u2;
}

static void check_actions(struct flang_ctx *ctx, struct flow_state *st,
			  struct handler *hd)
{
	struct action *a, *terminal = NULL;
	struct diag_builder d;
	struct value v;
	unsigned int n = 0;
	int idx;

	for (a = hd->actions; a; a = a->next) {
		if (++n > FLANG_MAX_ACTIONS) {
			diag_error(ctx, "E0305", a->span,
				   "a handler has at most %d actions",
				   FLANG_MAX_ACTIONS);
			break;
		}
		if (terminal) {
			d = diag_error(ctx, "E0602", a->span,
				       "this action can never run: the handler has already ended");
			diag_note(d, &terminal->kw_span,
				  "the flow is finished by this action");
			diag_help(d, "stop and abort end a handler; move them last");
			break;
		}
		switch (a->kind) {
		case FLANG_ACT_RETRY:
			check_retry(ctx, a);
			break;
		case FLANG_ACT_FALLBACK:
			idx = prop_index(a->prop);
			if (idx < 0) {
				d = diag_error(ctx, "E0504", a->prop_span,
					       "cannot fall back on '%s'",
					       a->prop);
				diag_help(d, "fallback works on pool, chunk, depth, rate, priority");
				break;
			}
			if (idx == FLANG_PROP_ENGINE) {
				d = diag_error(ctx, "E0504", a->prop_span,
					       "cannot fall back on 'engine'");
				diag_help(d, "'engine = hw preferred' falls back to the CPU by itself, and says so");
				break;
			}
			a->fprop = (enum flang_prop)idx;
			v = eval_expr(ctx, a->val, false);
			if (!value_ok_for(ctx, a->fprop, &v, &a->pool))
				break;
			a->value = v.u;
			if (a->fprop == FLANG_PROP_POOL) {
				struct prop *fb;

				fb = forbidden_by(st, a->pool);

				if (fb) {
					d = diag_error(ctx, "E0507", v.span,
						       "fallback to pool '%s', which is forbidden in flow '%s'",
						       v.s, st->f->name);
					diag_note(d, &fb->span, "forbidden here");
				}
			}
			break;
		case FLANG_ACT_NOTIFY:
			if (!strcmp(a->level, "info"))
				a->nlevel = FLANG_NOTIFY_INFO;
			else if (!strcmp(a->level, "warn"))
				a->nlevel = FLANG_NOTIFY_WARN;
			else if (!strcmp(a->level, "error"))
				a->nlevel = FLANG_NOTIFY_ERROR;
			else
				diag_help(diag_error(ctx, "E0305", a->level_span,
						     "unknown notify level '%s'",
						     a->level),
					  "the levels are info, warn, error");
			break;
		case FLANG_ACT_STOP:
		case FLANG_ACT_ABORT:
			terminal = a;
			break;
		case FLANG_ACT_PAUSE:
			break;
		}
	}
}

void check_handler(struct flang_ctx *ctx, struct flow_state *st,
			  struct handler *hd, struct handler *first)
{
	struct diag_builder d;
	struct handler *o;
	struct arg *a;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(event_names); i++)
		if (!strcmp(event_names[i], hd->event))
			break;
	if (i == ARRAY_SIZE(event_names)) {
		const char *near = closest_word(hd->event, event_names,
						ARRAY_SIZE(event_names));

		d = diag_error(ctx, "E0600", hd->event_span,
			       "unknown event '%s'", hd->event);
		if (near)
			diag_help(d, "did you mean '%s'?", near);
		else
			diag_help(d, "the events are p2p_unavailable, pool_exhausted, io_error, device_removed, peer_closed, transform_error, stalled");
		return;
	}
	hd->ev = (enum flang_event)i;
	if (hd->devs && hd->ev != FLANG_EV_IO_ERROR &&
	    hd->ev != FLANG_EV_DEVICE_REMOVED) {
		diag_error(ctx, "E0401", hd->devs->span,
			   "event '%s' takes no devices", hd->event);
	}
	for (a = hd->devs; a; a = a->next) {
		struct device_decl *dev;

		if (hd->ev != FLANG_EV_IO_ERROR &&
		    hd->ev != FLANG_EV_DEVICE_REMOVED)
			break;
		dev = resolve_device(ctx, a->val, hd->event);
		if (!dev || dev->index >= FLANG_MAX_PORTS)
			continue;
		if (!(st->endpoints & (1ull << dev->index))) {
			d = diag_error(ctx, "E0601", a->span,
				       "%s(%s) cannot happen: flow '%s' does not use '%s'",
				       hd->event, dev->name, st->f->name,
				       dev->name);
			diag_help(d, "name a device of this flow's chains");
			continue;
		}
		hd->port_mask |= 1ull << dev->index;
	}
	if (!event_possible(st, hd->ev)) {
		d = diag_error(ctx, "E0601", hd->event_span,
			       "'%s' cannot happen in flow '%s': %s", hd->event,
			       st->f->name, why_impossible[hd->ev]);
		diag_help(d, "remove this handler");
	}
	for (o = first; o != hd; o = o->next) {
		if (o->ev == hd->ev && o->port_mask == hd->port_mask &&
		    !strcmp(o->event, hd->event)) {
			d = diag_error(ctx, "E0201", hd->event_span,
				       "a second handler for '%s'", hd->event);
			diag_note(d, &o->event_span, "previously declared here");
			diag_help(d, "merge the actions into one handler with 'then'");
			break;
		}
	}
	check_actions(ctx, st, hd);
}

/* Does some handler fall back on @prop to a value other than @pool? */
static bool has_fallback(const struct flow_state *st, enum flang_prop prop,
			 const struct pool_decl *pool)
{
	const struct handler *hd;
	const struct action *a;

	for (hd = st->f->handlers; hd; hd = hd->next) {
		if (prop == FLANG_PROP_POOL &&
		    hd->ev != FLANG_EV_P2P_UNAVAILABLE &&
		    hd->ev != FLANG_EV_POOL_EXHAUSTED)
			continue;
		for (a = hd->actions; a; a = a->next) {
			if (a->kind != FLANG_ACT_FALLBACK || !a->prop ||
			    prop_index(a->prop) != (int)prop)
				continue;
			if (prop == FLANG_PROP_POOL &&
			    (a->pool == pool ||
			     forbidden_by(st, a->pool)))
				continue;
			if (prop == FLANG_PROP_POOL && a->pool &&
			    !a->pool->ok)
				continue;
			return true;
		}
	}
	return false;
}

void check_preferred(struct flang_ctx *ctx, struct flow_state *st)
{
	struct diag_builder d;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(st->by_prop); i++) {
		struct prop *pr = st->by_prop[i];

		/* an engine's fallback is the other class, always there */
		if (!pr || pr->strength != FLANG_PREFERRED ||
		    i == FLANG_PROP_ENGINE)
			continue;
		if (has_fallback(st, (enum flang_prop)i,
				 i == FLANG_PROP_POOL ? st->pool : NULL))
			continue;
		d = diag_error(ctx, "E0506", pr->strength_span,
			       "'%s' is preferred but has no reachable fallback",
			       pr->name);
		if (i == FLANG_PROP_POOL)
			diag_help(d, "add 'on p2p_unavailable fallback pool=host;' (or another pool that is not forbidden)");
		else
			diag_help(d, "add a handler with 'fallback %s=VALUE', or make it required",
				  pr->name);
	}
}
