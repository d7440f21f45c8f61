// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * 'flowctl explain': the plan as text.  It says what the file asks for
 * and what the planner decided; it cannot say whether the PCIe topology
 * allows a p2p placement, because only the kernel knows that, and it
 * says so instead of guessing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static const char *xf_name(enum flang_transform xf)
{
	static const char *const names[] = {
		[FLANG_XF_NONE] = "?", [FLANG_XF_COPY] = "copy",
		[FLANG_XF_TEE] = "tee", [FLANG_XF_AEAD] = "aead",
		[FLANG_XF_SKCIPHER] = "skcipher", [FLANG_XF_DIGEST] = "digest",
		[FLANG_XF_COMPRESS] = "compress", [FLANG_XF_ENCRYPT] = "encrypt",
		[FLANG_XF_DECRYPT] = "decrypt", [FLANG_XF_UNSEAL] = "unseal",
		[FLANG_XF_DECOMPRESS] = "decompress",
	};

	return (size_t)xf < ARRAY_SIZE(names) ? names[xf] : "?";
}

static const char *prio_name(enum flang_priority p)
{
	static const char *const names[] = {
		[FLANG_PRIO_BACKGROUND] = "background",
		[FLANG_PRIO_NORMAL] = "normal", [FLANG_PRIO_HIGH] = "high",
		[FLANG_PRIO_REALTIME] = "realtime",
	};

	return (size_t)p < ARRAY_SIZE(names) ? names[p] : "?";
}

static const char *fmt(char *buf, size_t len, enum vtype t, uint64_t u)
{
	struct value v = { .type = t, .u = u };

	units_format(buf, len, &v);
	return buf;
}

static const char *const props[] = {
	[FLANG_PROP_POOL] = "pool",	    [FLANG_PROP_CHUNK] = "chunk",
	[FLANG_PROP_DEPTH] = "depth",	    [FLANG_PROP_RATE] = "rate",
	[FLANG_PROP_PRIORITY] = "priority", [FLANG_PROP_ENGINE] = "engine",
};

/*
 * A string from the file, in double quotes, escaped the way the file
 * writes it, so a path with a '"' in it cannot be misread where it ends.
 */
static void put_quoted(struct strbuf *sb, const char *str)
{
	const unsigned char *p = (const unsigned char *)str;

	sb_putc(sb, '"');
	for (; *p; p++) {
		if (*p == '"' || *p == '\\')
			sb_printf(sb, "\\%c", *p);
		else if (*p == '\n')
			sb_puts(sb, "\\n");
		else if (*p == '\t')
			sb_puts(sb, "\\t");
		else if (*p < 0x20 || *p == 0x7f)
			sb_printf(sb, "\\x%02x", *p);
		else
			sb_putc(sb, (char)*p);
	}
	sb_putc(sb, '"');
}

static void put_where(struct strbuf *sb, const struct flang_span *s)
{
	if (s->file)
		sb_printf(sb, "  (%s:%u:%u)", s->file, s->line, s->col);
	sb_putc(sb, '\n');
}

static void explain_pool(struct strbuf *sb, const struct flang_plan *plan,
			 unsigned int i)
{
	const struct flang_plan_pool *p = &plan->pools[i];
	char b[48];

	sb_printf(sb, "  [%u] %s: ", i, p->name);
	switch (p->kind) {
	case FLANG_POOL_HOST:
		sb_puts(sb, "host memory");
		if (p->numa >= 0)
			sb_printf(sb, " on NUMA node %d", p->numa);
		break;
	case FLANG_POOL_P2P:
		sb_printf(sb, "p2p memory near %s",
			  plan->ports[p->near[0]].name);
		if (p->near[1] != FLANG_NO_INDEX)
			sb_printf(sb, " and %s", plan->ports[p->near[1]].name);
		break;
	case FLANG_POOL_CMB:
		sb_printf(sb, "controller memory buffer of %s",
			  plan->ports[p->provider].name);
		break;
	case FLANG_POOL_BAR:
		sb_printf(sb, "BAR of %s", plan->ports[p->provider].name);
		break;
	}
	if (p->size)
		sb_printf(sb, ", %s", fmt(b, sizeof(b), VT_SIZE, p->size));
	else if (p->kind != FLANG_POOL_HOST)
		sb_puts(sb, ", size from the provider");
	if (p->implicit) {
		sb_puts(sb, " (implicit: buffers with no pool, and host fallbacks)\n");
		return;
	}
	put_where(sb, &p->span);
}

static void explain_stage(struct strbuf *sb, const struct flang_plan *plan,
			  const struct flang_plan_stage *s,
			  const struct flang_plan_stage *prev)
{
	char a[48], b[48], c[48];
	uint64_t inflight;

	/*
	 * The sinks of a fan-out all read the one buffer before the first
	 * of them; repeating its line made 'x, y' look like twice the
	 * memory in flight.
	 */
	if (s->kind == FLANG_STAGE_SINK && prev &&
	    prev->kind == FLANG_STAGE_SINK && prev->chain == s->chain)
		sb_puts(sb, "      -> the same buffer\n");
	else if (s->kind != FLANG_STAGE_SOURCE) {
		const struct flang_plan_pool *p = &plan->pools[s->in_pool];

		inflight = s->chunk * s->depth;
		sb_printf(sb, "      -> buffer in %s (%s, %s): chunk %s x depth %u = %s in flight\n",
			  p->name, flang_pool_kind_name(p->kind),
			  flang_strength_name(s->in_strength),
			  fmt(a, sizeof(a), VT_SIZE, s->chunk), s->depth,
			  fmt(b, sizeof(b), VT_SIZE, inflight));
		if (s->host_inserted)
			sb_printf(sb, "         host memory instead of '%s': a CPU stage touches this buffer and '%s' is only preferred\n",
				  plan->pools[s->wanted_pool].name,
				  plan->pools[s->wanted_pool].name);
	}
	switch (s->kind) {
	case FLANG_STAGE_SOURCE:
	case FLANG_STAGE_SINK:
		sb_printf(sb, "    %-9s %s (%s)",
			  s->kind == FLANG_STAGE_SOURCE ? "source" : "sink",
			  plan->ports[s->port].name,
			  flang_port_kind_name(plan->ports[s->port].kind));
		if (s->kind == FLANG_STAGE_SINK && s->offset)
			sb_printf(sb, " at offset %s",
				  fmt(c, sizeof(c), VT_SIZE, s->offset));
		break;
	case FLANG_STAGE_TRANSFORM:
		sb_printf(sb, "    transform %s", xf_name(s->xf));
		if (s->alg) {
			sb_putc(sb, ' ');
			put_quoted(sb, s->alg);
		}
		if (s->key.kind != FLANG_SECRET_NONE)
			sb_puts(sb, s->key.kind == FLANG_SECRET_KEYRING ?
				" key from the keyring" : " key from an fd");
		if (s->unit)
			sb_printf(sb, " unit %s",
				  fmt(c, sizeof(c), VT_SIZE, s->unit));
		if (s->nonce)
			sb_printf(sb, " nonce %s", s->nonce);
		if (s->engine) {
			sb_puts(sb, " on engine ");
			put_quoted(sb, s->engine);
		} else if (s->engine_class != FLANG_ENGINE_ANY) {
			sb_printf(sb, " on a %s engine",
				  s->engine_class == FLANG_ENGINE_HW ? "hw" :
								       "sw");
		}
		sb_puts(sb, s->cpu ? " [CPU]" : " [no CPU]");
		break;
	}
	put_where(sb, &s->span);
}

static void explain_action(struct strbuf *sb, const struct flang_plan *plan,
			   const struct flang_plan_action *a)
{
	static const char *const levels[] = {"info", "warn", "error"};
	char x[48], y[48];

	switch (a->kind) {
	case FLANG_ACT_RETRY:
		sb_printf(sb, "retry %u", a->retries);
		if (a->backoff_max_ns)
			sb_printf(sb, " with backoff %s..%s",
				  fmt(x, sizeof(x), VT_DURATION,
				      a->backoff_min_ns),
				  fmt(y, sizeof(y), VT_DURATION,
				      a->backoff_max_ns));
		break;
	case FLANG_ACT_FALLBACK:
		sb_printf(sb, "fall back to %s=", props[a->prop]);
		if (a->prop == FLANG_PROP_POOL)
			sb_puts(sb, plan->pools[a->pool].name);
		else if (a->prop == FLANG_PROP_CHUNK)
			sb_puts(sb, fmt(x, sizeof(x), VT_SIZE, a->value));
		else if (a->prop == FLANG_PROP_RATE)
			sb_puts(sb, fmt(x, sizeof(x), VT_RATE, a->value));
		else if (a->prop == FLANG_PROP_PRIORITY)
			sb_puts(sb, prio_name((enum flang_priority)a->value));
		else
			sb_printf(sb, "%llu", (unsigned long long)a->value);
		break;
	case FLANG_ACT_PAUSE:
		sb_puts(sb, "pause");
		break;
	case FLANG_ACT_STOP:
		sb_puts(sb, "stop");
		break;
	case FLANG_ACT_ABORT:
		sb_puts(sb, "abort");
		break;
	case FLANG_ACT_NOTIFY:
		sb_printf(sb, "notify %s", levels[a->level]);
		break;
	}
	if (a->msg) {
		sb_putc(sb, ' ');
		put_quoted(sb, a->msg);
	}
}

static void explain_fallback(struct strbuf *sb,
			     const struct flang_plan *plan,
			     const struct flang_plan_handler *h,
			     const struct flang_plan_action *ac)
{
	const struct flang_plan_pool *to;

	if (ac->kind != FLANG_ACT_FALLBACK || ac->prop != FLANG_PROP_POOL)
		return;
	to = &plan->pools[ac->pool];
	sb_printf(sb, "      on %s -> pool %s (%s)\n",
		  flang_event_name(h->event), to->name,
		  flang_pool_kind_name(to->kind));
}

static void explain_flow(struct strbuf *sb, const struct flang_plan *plan,
			 const struct flang_plan_flow *f)
{
	unsigned int i, k, chain = ~0u;
	char a[48], b[48];
	bool any_p2p = false;

	sb_printf(sb, "\nflow %s: priority %s", f->name, prio_name(f->priority));
	if (f->rate)
		sb_printf(sb, ", rate %s", fmt(a, sizeof(a), VT_RATE, f->rate));
	else
		sb_puts(sb, ", no rate limit");
	sb_printf(sb, ", bytes %s..%s", f->range_start ?
		  fmt(a, sizeof(a), VT_SIZE, f->range_start) : "0",
		  f->range_end == FLANG_RANGE_END ? "end" :
		  fmt(b, sizeof(b), VT_SIZE, f->range_end));
	put_where(sb, &f->span);
	if (f->preferred_props) {
		const char *sep = "";

		sb_puts(sb, "  preferred (handlers may change):");
		for (k = 0; k <= FLANG_PROP_ENGINE; k++) {
			if (!(f->preferred_props & (1u << k)))
				continue;
			sb_printf(sb, "%s %s", sep, props[k]);
			sep = ",";
		}
		sb_putc(sb, '\n');
	}
	if (f->engine_class != FLANG_ENGINE_ANY)
		sb_printf(sb,
			  "  engine: %s, %s, for each transform that names no driver (/proc/crypto at apply%s)\n",
			  f->engine_class == FLANG_ENGINE_HW ? "hw" : "sw",
			  flang_strength_name(f->engine_strength),
			  f->engine_strength == FLANG_PREFERRED ?
			  "; else the other class, with a warning" : "");
	if (f->nforbidden) {
		sb_puts(sb, "  forbidden pools:");
		for (k = 0; k < f->nforbidden; k++)
			sb_printf(sb, "%s %s", k ? "," : "", f->forbidden[k]);
		sb_putc(sb, '\n');
	}
	for (i = 0; i < f->nstages; i++) {
		const struct flang_plan_stage *s = &f->stages[i];

		if (s->chain != chain) {
			chain = s->chain;
			sb_printf(sb, "  chain %u:\n", chain + 1);
		}
		explain_stage(sb, plan, s, i ? &f->stages[i - 1] : NULL);
		if (s->in_pool != FLANG_NO_INDEX &&
		    plan->pools[s->in_pool].kind != FLANG_POOL_HOST)
			any_p2p = true;
	}
	sb_puts(sb, "  handlers:\n");
	if (!f->nhandlers)
		sb_puts(sb, "    none: any error fails the flow\n");
	for (i = 0; i < f->nhandlers; i++) {
		const struct flang_plan_handler *h = &f->handlers[i];

		sb_printf(sb, "    on %s", flang_event_name(h->event));
		if (h->port_mask) {
			const char *sep = "(";

			for (k = 0; k < plan->nports && k < 64; k++) {
				if (!(h->port_mask & (1ull << k)))
					continue;
				sb_printf(sb, "%s%s", sep, plan->ports[k].name);
				sep = "|";
			}
			sb_putc(sb, ')');
		}
		sb_puts(sb, ": ");
		for (k = 0; k < h->nactions; k++) {
			if (k)
				sb_puts(sb, ", then ");
			explain_action(sb, plan, &h->actions[k]);
		}
		sb_putc(sb, '\n');
	}
	sb_puts(sb, "  fallback tree (pools):\n");
	k = 0;
	for (i = 0; i < f->nstages; i++) {
		const struct flang_plan_stage *s = &f->stages[i];
		unsigned int j, m;

		if (s->in_pool == FLANG_NO_INDEX ||
		    plan->pools[s->in_pool].kind == FLANG_POOL_HOST ||
		    (i && f->stages[i - 1].in_pool == s->in_pool))
			continue;
		k++;
		sb_printf(sb, "    pool %s (%s)\n", plan->pools[s->in_pool].name,
			  flang_strength_name(s->in_strength));
		for (j = 0; j < f->nhandlers; j++)
			for (m = 0; m < f->handlers[j].nactions; m++)
				explain_fallback(sb, plan, &f->handlers[j],
						 &f->handlers[j].actions[m]);
		if (s->in_strength == FLANG_REQUIRED)
			sb_puts(sb, "      required: if the kernel refuses it, the flow fails\n");
	}
	if (!k)
		sb_puts(sb, "    nothing to fall back from: all buffers are in host memory\n");
	if (any_p2p)
		sb_puts(sb, "  placement: whether the PCIe topology allows these p2p buffers is decided by the kernel; this offline plan does not know\n");
}

char *flang_plan_explain(const struct flang_ctx *ctx, const char *flow,
			 int *err)
{
	const struct flang_plan *plan = flang_plan_get(ctx);
	struct strbuf sb = { 0 };
	unsigned int i;
	bool found = false;

	*err = 0;
	if (!plan) {
		*err = -EINVAL;
		return NULL;
	}
	sb_puts(&sb, "plan (offline: P2P verdicts need the kernel and are not included)\n");
	sb_puts(&sb, "ports:\n");
	if (!plan->nports)
		sb_puts(&sb, "  none\n");
	for (i = 0; i < plan->nports; i++) {
		const struct flang_plan_port *p = &plan->ports[i];

		sb_printf(&sb, "  [%u] %s: %s", i, p->name,
			  flang_port_kind_name(p->kind));
		if (p->path) {
			sb_putc(&sb, ' ');
			put_quoted(&sb, p->path);
			if (p->direct)
				sb_puts(&sb, " O_DIRECT");
		}
		if (p->pci)
			sb_printf(&sb, " %s BAR %u", p->pci, p->bar);
		if (p->fd >= 0)
			sb_printf(&sb, " fd %d", p->fd);
		put_where(&sb, &p->span);
	}
	sb_puts(&sb, "pools:\n");
	if (!plan->npools)
		sb_puts(&sb, "  none\n");
	for (i = 0; i < plan->npools; i++)
		explain_pool(&sb, plan, i);
	for (i = 0; i < plan->nflows; i++) {
		if (flow && strcmp(flow, plan->flows[i].name))
			continue;
		found = true;
		explain_flow(&sb, plan, &plan->flows[i]);
	}
	if (flow && !found) {
		free(sb.buf);
		*err = -ENOENT;
		return NULL;
	}
	return sb_finish(&sb);
}
