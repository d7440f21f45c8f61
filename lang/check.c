// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Checker, declarations half: names, params, devices, pools, top-level
 * asserts and unused declarations.  flows.c checks the flows.  Checks
 * keep going after an error so one run reports every problem; a value
 * that failed is VT_NONE and is not reported again downstream.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "check.h"

/* Edit distance, capped: only used to suggest a close spelling. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[33];

	if (la > 32 || lb > 32)
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *closest_word(const char *word, const char *const *words,
			 size_t n)
{
	size_t i, best = SIZE_MAX, d, limit = strlen(word) / 3 + 1;
	const char *pick = NULL;

	for (i = 0; i < n; i++) {
		d = distance(word, words[i]);
		if (d < best && d <= limit && d < strlen(words[i])) {
			best = d;
			pick = words[i];
		}
	}
	return pick;
}

/* true when @ix answers for the program; else scan the list */
static bool indexed(const struct flang_ctx *ctx, const struct name_index *ix)
{
	return ctx->prog.indexed && !ix->failed;
}

struct device_decl *find_device(struct flang_ctx *ctx, const char *name)
{
	struct device_decl *d;

	if (indexed(ctx, &ctx->prog.device_ix))
		return name_index_get(&ctx->prog.device_ix, name);
	for (d = ctx->prog.devices; d; d = d->next)
		if (!strcmp(d->name, name))
			return d;
	return NULL;
}

struct pool_decl *find_pool(struct flang_ctx *ctx, const char *name)
{
	struct pool_decl *p;

	if (indexed(ctx, &ctx->prog.pool_ix))
		return name_index_get(&ctx->prog.pool_ix, name);
	for (p = ctx->prog.pools; p; p = p->next)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

struct flow_decl *find_flow(struct flang_ctx *ctx, const char *name)
{
	struct flow_decl *f;

	if (indexed(ctx, &ctx->prog.flow_ix))
		return name_index_get(&ctx->prog.flow_ix, name);
	for (f = ctx->prog.flows; f; f = f->next)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

void duplicate(struct flang_ctx *ctx, const char *what, const char *name,
	       struct span again, struct span first)
{
	struct diag_builder d;

	d = diag_error(ctx, "E0201", again, "%s '%s' is declared twice", what,
		       name);
	diag_note(d, &first, "previously declared here");
	diag_help(d, "rename one of them, or remove the second");
}

/* Words with a fixed meaning where a device or pool name can appear. */
static const char *const reserved[] = {
	"host", "read", "write", "tee", "copy", "aead", "skcipher", "digest",
	"compress", "end", "true", "false", "near", "keyring", "fd",
	"required", "preferred", "forbidden",
};

static void check_reserved(struct flang_ctx *ctx, const char *name,
			   struct span at)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(reserved); i++) {
		if (strcmp(reserved[i], name))
			continue;
		diag_help(diag_error(ctx, "E0208", at,
				     "'%s' is a reserved word and cannot name a device or pool",
				     name),
			  "choose another name");
		return;
	}
}

/*
 * Devices and pools share one namespace (both appear as bare names in
 * chains and settings); flows have their own, params theirs ($name).
 */
static void check_names(struct flang_ctx *ctx)
{
	struct program *prog = &ctx->prog;
	struct arena *a = &ctx->arena;
	struct param_decl *p, *q;
	struct device_decl *d, *e;
	struct pool_decl *o, *r;
	struct flow_decl *f, *g;

	/*
	 * One pass per kind through a hash index; the first declaration of
	 * a name is the one kept, so "previously declared here" is it.  If
	 * the index cannot grow, the arena has failed and the compile
	 * ends in -ENOMEM whatever is found here.
	 */
	for (p = prog->params; p; p = p->next) {
		q = name_index_put(a, &prog->param_ix, p->name, p);
		if (q)
			duplicate(ctx, "param", p->name, p->name_span,
				  q->name_span);
	}
	for (d = prog->devices; d; d = d->next) {
		check_reserved(ctx, d->name, d->name_span);
		e = name_index_put(a, &prog->device_ix, d->name, d);
		if (e)
			duplicate(ctx, "device", d->name, d->name_span,
				  e->name_span);
	}
	for (o = prog->pools; o; o = o->next) {
		check_reserved(ctx, o->name, o->name_span);
		d = name_index_get(&prog->device_ix, o->name);
		if (d)
			duplicate(ctx, "name", o->name, o->name_span,
				  d->name_span);
		r = name_index_put(a, &prog->pool_ix, o->name, o);
		if (r)
			duplicate(ctx, "pool", o->name, o->name_span,
				  r->name_span);
	}
	for (f = prog->flows; f; f = f->next) {
		g = name_index_put(a, &prog->flow_ix, f->name, f);
		if (g)
			duplicate(ctx, "flow", f->name, f->name_span,
				  g->name_span);
	}
	prog->indexed = true;
}

/*
 * Match @args against @spec: unknown and duplicate names, missing
 * required ones, types.  Results land in @out, indexed like @spec;
 * positional args fill the spec entries marked positional, in order.
 */
void match_args(struct flang_ctx *ctx, const char *what, struct span at,
		struct arg *args, const struct arg_spec *spec, size_t n,
		struct value *out, struct arg **out_arg)
{
	const char *names[ARG_SPEC_MAX];
	struct arg *a;
	size_t i, pos = 0;

	for (i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out_arg[i] = NULL;
		names[i] = spec[i].name;
	}
	for (a = args; a; a = a->next) {
		struct diag_builder d;

		if (!a->name) {
			while (pos < n && !spec[pos].positional)
				pos++;
			if (pos == n) {
				d = diag_error(ctx, "E0401", a->span,
					       "%s takes no more positional values",
					       what);
				diag_help(d, "name the value: NAME=VALUE");
				continue;
			}
			i = pos++;
		} else {
			for (i = 0; i < n; i++)
				if (!strcmp(spec[i].name, a->name))
					break;
			if (i == n) {
				const char *near;

				near = closest_word(a->name, names, n);
				d = diag_error(ctx, "E0401", a->name_span,
					       "%s has no setting '%s'", what,
					       a->name);
				if (near)
					diag_help(d, "did you mean '%s'?", near);
				continue;
			}
		}
		if (out_arg[i]) {
			d = diag_error(ctx, "E0403", a->span,
				       "'%s' is given twice", spec[i].name);
			diag_note(d, &out_arg[i]->span, "first given here");
			continue;
		}
		out_arg[i] = a;
		if (spec[i].raw)
			continue;
		out[i] = eval_expr(ctx, a->val, false);
		if (spec[i].type != VT_NONE)
			value_expect(ctx, &out[i], spec[i].type, spec[i].name);
	}
	for (i = 0; i < n; i++) {
		if (!spec[i].required || out_arg[i])
			continue;
		diag_help(diag_error(ctx, "E0402", at, "%s needs '%s'", what,
				     spec[i].name),
			  "add %s=%s", spec[i].name, spec[i].example);
	}
}

static const char *const device_kinds[] = {
	[FLANG_PORT_NVME] = "nvme", [FLANG_PORT_BLOCK] = "block",
	[FLANG_PORT_FILE] = "file", [FLANG_PORT_SOCKET] = "socket",
	[FLANG_PORT_BAR] = "bar", [FLANG_PORT_DMABUF] = "dmabuf",
};

static bool pci_addr_ok(const char *s)
{
	unsigned int dom, bus, dev, fn;
	char tail;

	if (strlen(s) != 12)
		return false;
	if (sscanf(s, "%4x:%2x:%2x.%1x%c", &dom, &bus, &dev, &fn, &tail) != 4)
		return false;
	return s[4] == ':' && s[7] == ':' && s[10] == '.' && dev < 32 &&
	       fn < 8;
}

static void check_device(struct flang_ctx *ctx, struct device_decl *d)
{
	static const struct arg_spec path_spec[] = {
		{ "path", VT_STRING, true, true, "\"/dev/nvme0n1\"", false },
		{ "direct", VT_BOOL, false, false, "true", false },
	};
	static const struct arg_spec fd_spec[] = {
		{ "fd", VT_FD, true, true, "$conn", false },
	};
	static const struct arg_spec bar_spec[] = {
		{ "pci", VT_STRING, true, true, "\"0000:05:00.0\"", false },
		{ "bar", VT_INT, true, false, "2", false },
	};
	struct value v[ARG_SPEC_MAX];
	struct arg *a[ARG_SPEC_MAX];
	struct diag_builder b;
	char what[96];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(device_kinds); i++)
		if (!strcmp(device_kinds[i], d->kind_name))
			break;
	if (i == ARRAY_SIZE(device_kinds)) {
		const char *near = closest_word(d->kind_name, device_kinds,
						ARRAY_SIZE(device_kinds));

		b = diag_error(ctx, "E0400", d->kind_span,
			       "unknown device kind '%s'", d->kind_name);
		if (near)
			diag_help(b, "did you mean '%s'?", near);
		else
			diag_help(b, "the kinds are nvme, block, file, socket, bar, dmabuf");
		return;
	}
	d->kind = (enum flang_port_kind)i;
	snprintf(what, sizeof(what), "%s()", d->kind_name);
	d->ok = true;
	switch (d->kind) {
	case FLANG_PORT_NVME:
	case FLANG_PORT_BLOCK:
		/* direct= only means something for files */
		match_args(ctx, what, d->kind_span, d->args, path_spec, 1, v,
			   a);
		d->path = v[0].type == VT_STRING ? v[0].s : NULL;
		d->ok = d->path != NULL;
		break;
	case FLANG_PORT_FILE:
		match_args(ctx, what, d->kind_span, d->args, path_spec, 2, v,
			   a);
		d->path = v[0].type == VT_STRING ? v[0].s : NULL;
		d->direct = v[1].type == VT_BOOL && v[1].u;
		d->ok = d->path != NULL;
		break;
	case FLANG_PORT_SOCKET:
	case FLANG_PORT_DMABUF:
		match_args(ctx, what, d->kind_span, d->args, fd_spec, 1, v, a);
		d->fd = v[0].type == VT_FD ? (int)v[0].u : -1;
		d->ok = d->fd >= 0;
		break;
	case FLANG_PORT_BAR:
		match_args(ctx, what, d->kind_span, d->args, bar_spec, 2, v, a);
		if (v[0].type == VT_STRING) {
			d->pci = v[0].s;
			if (!pci_addr_ok(d->pci)) {
				b = diag_error(ctx, "E0404", v[0].span,
					       "'%s' is not a PCI address",
					       d->pci);
				diag_help(b, "write domain:bus:device.function in hex, e.g. \"0000:05:00.0\"");
				d->ok = false;
			}
		} else {
			d->ok = false;
		}
		if (v[1].type == VT_INT && v[1].u > 5) {
			b = diag_error(ctx, "E0305", v[1].span,
				       "BAR index %llu is out of range",
				       (unsigned long long)v[1].u);
			diag_help(b, "a PCI function has BARs 0 to 5");
			d->ok = false;
		}
		d->bar = v[1].type == VT_INT ? (unsigned int)v[1].u : 0;
		d->ok = d->ok && v[1].type == VT_INT;
		break;
	}
}

static const char *const pool_kinds[] = {
	[FLANG_POOL_HOST] = "host", [FLANG_POOL_P2P] = "p2p",
	[FLANG_POOL_CMB] = "cmb", [FLANG_POOL_BAR] = "bar",
};

/* A name that must be a declared device; reports E0200/E0206. */
struct device_decl *resolve_device(struct flang_ctx *ctx,
				   const struct expr *e, const char *role)
{
	struct device_decl *d;
	struct diag_builder b;

	if (e->kind != EX_NAME) {
		diag_error(ctx, "E0300", e->span, "%s must be a device name",
			   role);
		return NULL;
	}
	d = find_device(ctx, e->name);
	if (d) {
		d->used = true;
		return d->ok ? d : NULL;
	}
	if (find_pool(ctx, e->name)) {
		b = diag_error(ctx, "E0206", e->span,
			       "'%s' is a pool, but %s must be a device",
			       e->name, role);
		diag_note(b, &find_pool(ctx, e->name)->name_span,
			  "'%s' declared here", e->name);
		return NULL;
	}
	b = diag_error(ctx, "E0200", e->span, "undeclared device '%s'",
		       e->name);
	{
		const char *names[FLANG_MAX_PORTS];
		const char *near;
		size_t n = 0;

		for (d = ctx->prog.devices; d && n < ARRAY_SIZE(names);
		     d = d->next)
			names[n++] = d->name;
		near = closest_word(e->name, names, n);
		if (near) {
			diag_help(b, "did you mean '%s'?", near);
			return NULL;
		}
	}
	diag_help(b, "declare it: device %s = nvme(path=\"...\");", e->name);
	return NULL;
}

static bool p2p_capable(const struct device_decl *d)
{
	return d->kind == FLANG_PORT_NVME || d->kind == FLANG_PORT_BLOCK ||
	       d->kind == FLANG_PORT_BAR;
}

static void check_pool(struct flang_ctx *ctx, struct pool_decl *p)
{
	static const struct arg_spec p2p_spec[] = {
		{ "near", VT_NONE, true, true, "near(a, b)", true },
		{ "size", VT_SIZE, false, false, "16MiB", false },
	};
	static const struct arg_spec prov_spec[] = {
		{ "provider", VT_NONE, true, true, "nvme0", true },
		{ "size", VT_SIZE, false, false, "16MiB", false },
	};
	static const struct arg_spec host_spec[] = {
		{ "numa", VT_INT, false, false, "0", false },
		{ "size", VT_SIZE, false, false, "64MiB", false },
	};
	struct value v[ARG_SPEC_MAX];
	struct arg *a[ARG_SPEC_MAX];
	struct diag_builder b;
	char what[96];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(pool_kinds); i++)
		if (!strcmp(pool_kinds[i], p->kind_name))
			break;
	if (i == ARRAY_SIZE(pool_kinds)) {
		const char *near = closest_word(p->kind_name, pool_kinds,
						ARRAY_SIZE(pool_kinds));

		b = diag_error(ctx, "E0406", p->kind_span,
			       "unknown pool kind '%s'", p->kind_name);
		if (near)
			diag_help(b, "did you mean '%s'?", near);
		else
			diag_help(b, "the kinds are p2p(near(a, b)), cmb(dev), bar(dev), host(numa=N)");
		return;
	}
	p->kind = (enum flang_pool_kind)i;
	p->ok = true;
	snprintf(what, sizeof(what), "%s()", p->kind_name);
	match_args(ctx, what, p->kind_span, p->args,
		   p->kind == FLANG_POOL_HOST ? host_spec :
		   p->kind == FLANG_POOL_P2P ? p2p_spec : prov_spec, 2, v, a);
	if (v[1].type == VT_SIZE) {
		p->size = v[1].u;
		p->has_size = true;
		p->size_span = v[1].span;
		if (!p->size) {
			diag_error(ctx, "E0305", v[1].span,
				   "a pool of size 0 can hold nothing");
			p->ok = false;
		}
	}
	switch (p->kind) {
	case FLANG_POOL_HOST:
		if (v[0].type == VT_INT && v[0].u > 1023) {
			diag_error(ctx, "E0305", v[0].span,
				   "NUMA node %llu is out of range",
				   (unsigned long long)v[0].u);
			p->ok = false;
		}
		p->numa = v[0].type == VT_INT ? (int)v[0].u : -1;
		break;
	case FLANG_POOL_P2P: {
		const struct expr *e = a[0] ? a[0]->val : NULL;
		const struct arg *n;
		unsigned int k = 0;

		if (!e)
			break;
		if (e->kind != EX_CALL || strcmp(e->name, "near")) {
			b = diag_error(ctx, "E0300", e->span,
				       "p2p() expects near(DEVICE, ...)");
			diag_help(b, "write p2p(near(a, b)) with the devices that will DMA to and from the pool");
			p->ok = false;
			break;
		}
		for (n = e->args; n; n = n->next) {
			struct device_decl *d = resolve_device(ctx, n->val,
							       "near()");

			if (k == 2) {
				diag_error(ctx, "E0401", n->span,
					   "near() takes one or two devices");
				p->ok = false;
				break;
			}
			if (d && !p2p_capable(d)) {
				b = diag_error(ctx, "E0405", n->val->span,
					       "p2p memory cannot be near %s device '%s'",
					       d->kind_name, d->name);
				diag_note(b, &d->span, "'%s' declared here",
					  d->name);
				diag_help(b, "near() takes PCI devices: nvme, block or bar");
				d = NULL;
			}
			if (!d)
				p->ok = false;
			p->near[k++] = d;
		}
		if (!k) {
			diag_error(ctx, "E0402", e->span,
				   "near() needs at least one device");
			p->ok = false;
		}
		break;
	}
	case FLANG_POOL_CMB:
	case FLANG_POOL_BAR: {
		enum flang_port_kind want = p->kind == FLANG_POOL_CMB ?
			FLANG_PORT_NVME : FLANG_PORT_BAR;
		struct device_decl *d;

		if (!a[0]) {
			p->ok = false;
			break;
		}
		d = resolve_device(ctx, a[0]->val, what);
		if (d && d->kind != want) {
			b = diag_error(ctx, "E0405", a[0]->val->span,
				       "%s needs a%s device, '%s' is a %s device",
				       what, want == FLANG_PORT_NVME ?
				       "n nvme" : " bar", d->name,
				       d->kind_name);
			diag_note(b, &d->span, "'%s' declared here", d->name);
			diag_help(b, p->kind == FLANG_POOL_CMB ?
				  "a controller memory buffer belongs to an NVMe controller: use p2p(near(...)) for other devices" :
				  "declare the BAR with device NAME = bar(pci=\"...\", bar=N)");
			d = NULL;
		}
		p->provider = d;
		p->ok = p->ok && d;
		break;
	}
	}
}

static void check_assert(struct flang_ctx *ctx, struct assert_stmt *a)
{
	struct value v = eval_expr(ctx, a->cond, false);
	struct diag_builder d;

	if (!value_expect(ctx, &v, VT_BOOL, "assert"))
		return;
	if (v.u)
		return;
	d = diag_error(ctx, "E0800", a->cond->span, "assertion failed%s%s",
		       a->msg ? ": " : "", a->msg ? a->msg : "");
	diag_help(d, "change the values it tests (params can be set with -D NAME=VALUE)");
}

static void check_overrides(struct flang_ctx *ctx)
{
	const struct param_override *o;
	struct diag_builder d;

	for (o = ctx->overrides; o; o = o->next) {
		struct span sp = { 0 };
		char *name;

		if (o->site || find_param(ctx, o->name))
			continue;
		name = arena_printf(&ctx->arena, "<-D %s>", o->name);
		sp.src = name ? ctx_add_source(ctx, name, NULL, o->text,
					       strlen(o->text)) : NULL;
		if (!sp.src)
			return;
		sp.line = sp.end_line = 1;
		sp.col = 1;
		sp.end_col = (uint32_t)(strlen(o->text) ? strlen(o->text) : 1);
		d = diag_error(ctx, "E0205", sp,
			       "-D %s: the program declares no param '%s'",
			       o->name, o->name);
		diag_help(d, "declare it with 'param %s : TYPE = DEFAULT;' or drop the -D",
			  o->name);
	}
}

static void check_unused(struct flang_ctx *ctx)
{
	struct param_decl *p;
	struct device_decl *d;
	struct pool_decl *o;

	for (p = ctx->prog.params; p; p = p->next)
		if (!p->used)
			diag_warn(ctx, "W0200", p->name_span,
				  "param '%s' is never used", p->name);
	for (d = ctx->prog.devices; d; d = d->next)
		if (!d->used)
			diag_warn(ctx, "W0200", d->name_span,
				  "device '%s' is never used", d->name);
	for (o = ctx->prog.pools; o; o = o->next)
		if (!o->used)
			diag_warn(ctx, "W0200", o->name_span,
				  "pool '%s' is never used", o->name);
}

void check_program(struct flang_ctx *ctx)
{
	struct param_decl *p;
	struct device_decl *d;
	struct pool_decl *o;
	struct flow_decl *f;
	struct assert_stmt *a;
	uint32_t n = 0;

	if (!ctx->prog.params_tail)
		return;	/* nothing was parsed */
	check_names(ctx);
	check_overrides(ctx);
	/* every param, so a bad default is reported even when unused */
	for (p = ctx->prog.params; p; p = p->next) {
		bool used = p->used;

		resolve_param(ctx, p);
		p->used = used;
	}
	for (d = ctx->prog.devices; d; d = d->next) {
		check_device(ctx, d);
		d->index = n++;
		if (n == FLANG_MAX_PORTS + 1)
			diag_error(ctx, "E0305", d->name_span,
				   "more than %d devices in one program",
				   FLANG_MAX_PORTS);
	}
	for (o = ctx->prog.pools; o; o = o->next)
		check_pool(ctx, o);
	for (a = ctx->prog.asserts; a; a = a->next)
		check_assert(ctx, a);
	for (f = ctx->prog.flows; f; f = f->next) {
		check_flow(ctx, f);
		for (a = f->asserts; a; a = a->next)
			check_assert(ctx, a);
	}
	check_pool_budgets(ctx);
	/* an error often leaves a name unused; do not pile on */
	if (!ctx->diags.errors)
		check_unused(ctx);
}
