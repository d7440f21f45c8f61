// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * 'flowctl dot': the plan as a Graphviz digraph.  Ports are boxes shared
 * by every flow that uses them, transforms are ellipses inside their
 * flow's cluster, and each edge is labelled with the buffer it stands
 * for (pool, chunk x depth); p2p buffers are drawn bold so placement is
 * visible at a glance, host buffers inserted by the planner dashed.
 */
#include <stdlib.h>

#include "check.h"

static void dot_id(struct strbuf *sb, const char *s)
{
	sb_json_str(sb, s);	/* DOT's quoted IDs escape like JSON */
}

static void dot_label(struct strbuf *sb, const char *text, const char *tail)
{
	struct strbuf tmp = { 0 };

	sb_puts(&tmp, text);
	sb_puts(&tmp, tail);
	if (tmp.failed) {
		sb->failed = true;
		return;
	}
	dot_id(sb, tmp.buf);
	free(tmp.buf);
}

static void node_name(struct strbuf *sb, unsigned int flow,
		      const struct flang_plan_flow *f, unsigned int i)
{
	const struct flang_plan_stage *s = &f->stages[i];

	if (s->kind == FLANG_STAGE_TRANSFORM)
		sb_printf(sb, "\"f%u_s%u\"", flow, i);
	else
		sb_printf(sb, "\"port%u\"", s->port);
}

/* The stages that consume what stage @i produces. */
static void dot_edges(struct strbuf *sb, const struct flang_plan *plan,
		      unsigned int fi, const struct flang_plan_flow *f)
{
	unsigned int i, j;

	for (i = 0; i < f->nstages; i++) {
		const struct flang_plan_stage *from = &f->stages[i];

		if (from->kind == FLANG_STAGE_SINK)
			continue;
		/* consumers: the next group of stages in the same chain */
		for (j = i + 1; j < f->nstages; j++) {
			const struct flang_plan_stage *to = &f->stages[j];
			const struct flang_plan_pool *p;
			struct value v = { .type = VT_SIZE, .u = to->chunk };
			char chunk[48];

			if (to->chain != from->chain)
				break;
			if (j > i + 1 && f->stages[j - 1].kind !=
			    FLANG_STAGE_SINK)
				break;
			p = &plan->pools[to->in_pool];
			units_format(chunk, sizeof(chunk), &v);
			sb_puts(sb, "  ");
			node_name(sb, fi, f, i);
			sb_puts(sb, " -> ");
			node_name(sb, fi, f, j);
			sb_printf(sb, " [label=\"%s\\n%s x %u\"", p->name, chunk,
				  to->depth);
			if (p->kind != FLANG_POOL_HOST)
				sb_puts(sb, ", style=bold, color=blue");
			else if (to->host_inserted)
				sb_puts(sb, ", style=dashed");
			sb_puts(sb, "];\n");
			if (to->kind != FLANG_STAGE_SINK)
				break;
		}
	}
}

char *flang_plan_dot(const struct flang_ctx *ctx)
{
	const struct flang_plan *plan = flang_plan_get(ctx);
	struct strbuf sb = { 0 };
	unsigned int i, k;

	if (!plan)
		return NULL;
	sb_puts(&sb, "digraph flows {\n  rankdir=LR;\n  node [fontname=\"monospace\"];\n");
	for (i = 0; i < plan->nports; i++) {
		sb_printf(&sb, "  \"port%u\" [shape=box, label=", i);
		sb_json_str(&sb, plan->ports[i].name);
		sb_printf(&sb, "];\n");
	}
	for (i = 0; i < plan->nflows; i++) {
		const struct flang_plan_flow *f = &plan->flows[i];

		sb_printf(&sb, "  subgraph \"cluster_%u\" {\n    label=", i);
		dot_id(&sb, f->name);
		sb_puts(&sb, ";\n");
		for (k = 0; k < f->nstages; k++) {
			const struct flang_plan_stage *s = &f->stages[k];

			if (s->kind != FLANG_STAGE_TRANSFORM)
				continue;
			const char *label = s->alg ? s->alg :
				s->xf == FLANG_XF_TEE ? "tee" : "copy";

			sb_printf(&sb, "    \"f%u_s%u\" [shape=ellipse, label=",
				  i, k);
			/* the alg comes from the file: quote it */
			dot_label(&sb, label, s->cpu ? "\n(CPU)" : "");
			sb_puts(&sb, "];\n");
		}
		sb_puts(&sb, "  }\n");
		dot_edges(&sb, plan, i, f);
	}
	sb_puts(&sb, "}\n");
	return sb_finish(&sb);
}
