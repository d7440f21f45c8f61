// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Planner: the checked AST becomes a plain tree of ports, pools and
 * flows with every name replaced by an index and every quantity in base
 * units.  It only runs on a program without errors, so it does not
 * report anything; what it decides (the implicit host pool, host
 * buffers around CPU stages under 'preferred') is visible in the plan.
 *
 * The plan is not kernel UAPI.  It is shaped so that one pass can emit
 * the transaction ioctl batch in order (ports, pools, flows) and map the
 * index of a refused item back to the span kept here.
 */
#include <errno.h>
#include <string.h>

#include "check.h"

const char *flang_port_kind_name(enum flang_port_kind kind)
{
	static const char *const names[] = {
		[FLANG_PORT_NVME] = "nvme", [FLANG_PORT_BLOCK] = "block",
		[FLANG_PORT_FILE] = "file", [FLANG_PORT_SOCKET] = "socket",
		[FLANG_PORT_BAR] = "bar", [FLANG_PORT_DMABUF] = "dmabuf",
	};

	return (size_t)kind < ARRAY_SIZE(names) ? names[kind] : "?";
}

const char *flang_pool_kind_name(enum flang_pool_kind kind)
{
	static const char *const names[] = {
		[FLANG_POOL_HOST] = "host", [FLANG_POOL_P2P] = "p2p",
		[FLANG_POOL_CMB] = "cmb", [FLANG_POOL_BAR] = "bar",
	};

	return (size_t)kind < ARRAY_SIZE(names) ? names[kind] : "?";
}

const char *flang_strength_name(enum flang_strength s)
{
	static const char *const names[] = {
		[FLANG_REQUIRED] = "required", [FLANG_PREFERRED] = "preferred",
		[FLANG_FORBIDDEN] = "forbidden",
	};

	return (size_t)s < ARRAY_SIZE(names) ? names[s] : "?";
}

struct planner {
	struct flang_ctx *ctx;
	struct flang_plan *plan;
	uint32_t host;		/* index of the implicit host pool */
	unsigned int max_pools;
};

/* Host memory without a declared pool: one implicit pool, on demand. */
static uint32_t host_pool(struct planner *pl, struct span why)
{
	struct flang_plan_pool *p;

	if (pl->host != FLANG_NO_INDEX)
		return pl->host;
	p = &pl->plan->pools[pl->plan->npools];
	p->name = "host";
	p->kind = FLANG_POOL_HOST;
	p->numa = -1;
	p->near[0] = p->near[1] = p->provider = FLANG_NO_INDEX;
	p->implicit = true;
	p->span = span_public(why);
	pl->host = pl->plan->npools++;
	return pl->host;
}

static uint32_t port_of(const struct device_decl *d)
{
	return d ? d->index : FLANG_NO_INDEX;
}

static void plan_ports(struct planner *pl)
{
	struct device_decl *d;

	for (d = pl->ctx->prog.devices; d; d = d->next) {
		struct flang_plan_port *p = &pl->plan->ports[d->index];

		p->name = d->name;
		p->kind = d->kind;
		p->path = d->path;
		p->direct = d->direct;
		p->fd = d->fd;
		p->pci = d->pci;
		p->bar = d->bar;
		p->span = span_public(d->span);
	}
}

static void plan_pools(struct planner *pl)
{
	struct pool_decl *o;

	for (o = pl->ctx->prog.pools; o; o = o->next) {
		struct flang_plan_pool *p;

		o->index = pl->plan->npools++;
		p = &pl->plan->pools[o->index];
		p->name = o->name;
		p->kind = o->kind;
		p->size = o->has_size ? o->size : 0;
		p->near[0] = port_of(o->near[0]);
		p->near[1] = port_of(o->near[1]);
		p->provider = port_of(o->provider);
		p->numa = o->numa;
		p->span = span_public(o->span);
	}
}

static unsigned int count_stages(const struct flow_decl *f)
{
	const struct chain *c;
	const struct hop *h;
	const struct elem *e;
	unsigned int n = 0;

	for (c = f->chains; c; c = c->next)
		for (h = c->hops; h; h = h->next)
			for (e = h->elem; e; e = e->next_sink)
				n++;
	return n;
}

static void plan_stage(struct planner *pl, struct flang_plan_stage *s,
		       const struct hop *h, const struct elem *e,
		       bool source, unsigned int chain)
{
	s->chain = chain;
	s->span = span_public(e->span);
	s->port = FLANG_NO_INDEX;
	s->in_pool = FLANG_NO_INDEX;
	s->wanted_pool = FLANG_NO_INDEX;
	if (e->is_endpoint) {
		s->kind = source ? FLANG_STAGE_SOURCE : FLANG_STAGE_SINK;
		s->port = port_of(e->dev);
		s->offset = e->offset;
	} else {
		s->kind = FLANG_STAGE_TRANSFORM;
		s->xf = e->xf;
		s->cpu = xf_uses_cpu(e->xf);
		s->alg = e->alg;
		s->key = e->key;
		s->unit = e->unit;
		s->engine = e->engine;
		s->engine_class = e->engine_class;
		s->engine_span = span_public(e->engine_span);
		s->nonce = e->nonce;
	}
	if (source)
		return;
	s->chunk = h->chunk;
	s->depth = h->depth;
	s->in_strength = h->strength;
	if (h->host_inserted) {
		s->host_inserted = true;
		s->wanted_pool = h->pool->index;
		s->in_pool = host_pool(pl, h->pool_span.src ? h->pool_span :
				       e->span);
	} else if (h->pool) {
		s->in_pool = h->pool->index;
	} else {
		s->in_pool = host_pool(pl, e->span);
	}
}

static int plan_flow(struct planner *pl, struct flow_decl *f,
		     struct flang_plan_flow *pf)
{
	struct arena *a = &pl->ctx->arena;
	struct handler *hd;
	struct action *act;
	struct prop *pr;
	struct chain *c;
	struct hop *h;
	struct elem *e;
	unsigned int n = 0, chain = 0, k;

	pf->name = f->name;
	pf->priority = f->priority;
	pf->rate = f->rate;
	pf->range_start = f->range_start;
	pf->range_end = f->range_end;
	pf->span = span_public(f->span);
	pf->engine_class = f->engine_class;
	pf->engine_strength = f->engine_strength;
	pf->engine_span = span_public(f->engine_span);
	pf->stages = arena_alloc(a, count_stages(f) * sizeof(*pf->stages));
	for (hd = f->handlers; hd; hd = hd->next)
		pf->nhandlers++;
	pf->handlers = arena_alloc(a, pf->nhandlers * sizeof(*pf->handlers));
	if (!pf->stages || !pf->handlers)
		return -ENOMEM;
	for (c = f->chains; c; c = c->next, chain++)
		for (h = c->hops; h; h = h->next)
			for (e = h->elem; e; e = e->next_sink)
				plan_stage(pl, &pf->stages[n++], h, e,
					   h == c->hops, chain);
	pf->nstages = n;
	/* what a handler may change, and what nothing may use */
	for (pr = f->props; pr; pr = pr->next) {
		int idx = prop_index(pr->name);

		if (idx < 0)
			continue;
		/* an engine falls back by itself: no handler changes it */
		if (pr->strength == FLANG_PREFERRED && idx != FLANG_PROP_ENGINE)
			pf->preferred_props |= 1u << idx;
		if (pr->strength == FLANG_FORBIDDEN && pr->val->kind == EX_NAME)
			pf->nforbidden++;
	}
	pf->forbidden =
		arena_alloc(a, (pf->nforbidden + 1) * sizeof(*pf->forbidden));
	if (!pf->forbidden)
		return -ENOMEM;
	for (pr = f->props, k = 0; pr; pr = pr->next)
		if (pr->strength == FLANG_FORBIDDEN &&
		    prop_index(pr->name) == FLANG_PROP_POOL &&
		    pr->val->kind == EX_NAME)
			pf->forbidden[k++] = pr->val->name;
	pf->nforbidden = k;
	for (hd = f->handlers, n = 0; hd; hd = hd->next, n++) {
		struct flang_plan_handler *ph = &pf->handlers[n];

		ph->event = hd->ev;
		ph->port_mask = hd->port_mask;
		ph->span = span_public(hd->span);
		for (act = hd->actions, k = 0; act && k < FLANG_MAX_ACTIONS;
		     act = act->next, k++) {
			struct flang_plan_action *pa = &ph->actions[k];

			pa->kind = act->kind;
			pa->retries = act->retries;
			pa->backoff_min_ns = act->backoff_min;
			pa->backoff_max_ns = act->backoff_max;
			pa->prop = act->fprop;
			pa->value = act->value;
			pa->pool = FLANG_NO_INDEX;
			if (act->kind == FLANG_ACT_FALLBACK &&
			    act->fprop == FLANG_PROP_POOL)
				pa->pool = act->pool ? act->pool->index :
					host_pool(pl, act->span);
			pa->level = act->nlevel;
			pa->msg = act->msg;
			pa->span = span_public(act->span);
		}
		ph->nactions = k;
	}
	return 0;
}

int plan_build(struct flang_ctx *ctx)
{
	struct arena *a = &ctx->arena;
	struct planner pl = { .ctx = ctx, .host = FLANG_NO_INDEX };
	struct flang_plan *plan;
	struct device_decl *d;
	struct pool_decl *o;
	struct flow_decl *f;
	unsigned int i;

	plan = arena_alloc(a, sizeof(*plan));
	if (!plan)
		return -ENOMEM;
	pl.plan = plan;
	for (d = ctx->prog.devices; d; d = d->next)
		plan->nports++;
	for (o = ctx->prog.pools; o; o = o->next)
		pl.max_pools++;
	pl.max_pools++;	/* room for the implicit host pool */
	for (f = ctx->prog.flows; f; f = f->next)
		plan->nflows++;
	plan->ports = arena_alloc(a, plan->nports * sizeof(*plan->ports));
	plan->pools = arena_alloc(a, pl.max_pools * sizeof(*plan->pools));
	plan->flows = arena_alloc(a, plan->nflows * sizeof(*plan->flows));
	if (!plan->ports || !plan->pools || !plan->flows)
		return -ENOMEM;
	plan_ports(&pl);
	plan_pools(&pl);
	for (f = ctx->prog.flows, i = 0; f; f = f->next, i++)
		if (plan_flow(&pl, f, &plan->flows[i]) < 0)
			return -ENOMEM;
	ctx->plan = plan;
	return 0;
}
