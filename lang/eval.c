// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Constant evaluation of expressions with typed, overflow-checked
 * arithmetic.  Every quantity is an unsigned 64-bit count of base units;
 * an operation whose result would not fit, or go below zero, is an error
 * at the operator, never a silent wrap.
 *
 *   size +- size, rate +- rate, duration +- duration, int +- int
 *   X * int, int * X            -> X
 *   rate * duration             -> size
 *   X / int                     -> X
 *   X / X                       -> int
 *   size / duration             -> rate
 *   size / rate                 -> duration
 */
#include <string.h>

#include "internal.h"

#define NS_PER_S 1000000000ull

static struct value none_at(struct span sp)
{
	struct value v = { .type = VT_NONE, .span = sp };

	return v;
}

struct param_decl *find_param(struct flang_ctx *ctx, const char *name)
{
	struct param_decl *p;

	if (ctx->prog.indexed && !ctx->prog.param_ix.failed)
		return name_index_get(&ctx->prog.param_ix, name);
	for (p = ctx->prog.params; p; p = p->next)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

static const struct param_override *find_override(struct flang_ctx *ctx,
						  const char *name)
{
	const struct param_override *o;

	for (o = ctx->overrides; o; o = o->next)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

void resolve_param(struct flang_ctx *ctx, struct param_decl *p)
{
	const struct param_override *o;
	struct value v = none_at(p->name_span);
	struct diag_builder d;

	if (p->resolved)
		return;
	if (p->resolving) {
		d = diag_error(ctx, "E0207", p->name_span,
			       "param '%s' is defined in terms of itself",
			       p->name);
		diag_help(d, "give '%s' a value that does not use $%s", p->name,
			  p->name);
		p->resolved = true;
		p->val = v;
		return;
	}
	p->resolving = true;
	o = find_override(ctx, p->name);
	if (o) {
		char *name = arena_printf(&ctx->arena, "<-D %s>", p->name);
		struct source *src = name ?
			ctx_add_source(ctx, name, NULL, o->text,
				       strlen(o->text)) : NULL;
		struct expr *e = src ? parse_standalone_expr(ctx, src) : NULL;

		if (e)
			v = eval_expr(ctx, e, false);
	} else if (p->def) {
		v = eval_expr(ctx, p->def, false);
	} else {
		d = diag_error(ctx, "E0204", p->name_span,
			       "param '%s' has no value", p->name);
		diag_help(d, "give it a default ('param %s : %s = ...;') or pass -D %s=VALUE",
			  p->name, vtype_name(p->type), p->name);
	}
	if (p->type != VT_NONE)
		value_expect(ctx, &v, p->type, "this param");
	p->val = v;
	p->resolving = false;
	p->resolved = true;
}

bool value_expect(struct flang_ctx *ctx, struct value *v, enum vtype want,
		  const char *what)
{
	struct diag_builder d;
	char txt[64];

	if (v->type == VT_NONE)
		return false;
	if (v->type == want)
		return true;
	if (want == VT_FD && v->type == VT_INT) {
		if (v->u > INT32_MAX) {
			diag_error(ctx, "E0305", v->span,
				   "fd %llu is out of range",
				   (unsigned long long)v->u);
			v->type = VT_NONE;
			return false;
		}
		v->type = VT_FD;
		return true;
	}
	if (want == VT_SECRET && v->type == VT_STRING) {
		d = diag_error(ctx, "E0700", v->span,
			       "a secret must not be written in the file");
		diag_redact(d);
		diag_help(d, "take it from the kernel keyring with keyring(\"description\") or from a descriptor with fd(N)");
		v->type = VT_NONE;
		return false;
	}
	if (v->type == VT_INT && !v->u &&
	    (want == VT_SIZE || want == VT_RATE || want == VT_DURATION)) {
		/* zero is zero in every unit */
		v->type = want;
		return true;
	}
	if (v->type == VT_INT &&
	    (want == VT_SIZE || want == VT_RATE || want == VT_DURATION)) {
		d = diag_error(ctx, "E0307", v->span,
			       "the bare number %llu is not a %s: %s needs a unit",
			       (unsigned long long)v->u, vtype_name(want),
			       what);
		if (want == VT_SIZE)
			diag_help(d, "write e.g. %lluB, or use KiB, MiB, GiB",
				  (unsigned long long)v->u);
		else if (want == VT_RATE)
			diag_help(d, "write e.g. %lluMiB/s or %lluGbit/s; a bare number could be bits or bytes",
				  (unsigned long long)v->u,
				  (unsigned long long)v->u);
		else
			diag_help(d, "write e.g. %llums, or use ns, us, s, min",
				  (unsigned long long)v->u);
		v->type = VT_NONE;
		return false;
	}
	d = diag_error(ctx, "E0300", v->span, "%s expects a %s, found a %s",
		       what, vtype_name(want), vtype_name(v->type));
	units_format(txt, sizeof(txt), v);
	if (strchr(txt, ' '))
		memmove(strchr(txt, ' '), strchr(txt, ' ') + 1,
			strlen(strchr(txt, ' ')));
	if (want == VT_RATE && v->type == VT_SIZE)
		diag_help(d, "a rate is a size per second: did you mean %s/s?",
			  txt);
	else if (want == VT_SIZE && v->type == VT_RATE)
		diag_help(d, "drop the '/s': a size has no time unit");
	else if (want == VT_SECRET)
		diag_help(d, "use keyring(\"description\") or fd(N)");
	v->type = VT_NONE;
	return false;
}

static struct value eval_call(struct flang_ctx *ctx, const struct expr *e)
{
	struct value v = none_at(e->span);
	struct value a;

	if (strcmp(e->name, "keyring") && strcmp(e->name, "fd")) {
		diag_error(ctx, "E0300", e->span,
			   "'%s(...)' is not a value here", e->name);
		return v;
	}
	if (!e->args || e->args->next || e->args->name) {
		diag_help(diag_error(ctx, "E0402", e->span,
				     "%s() takes exactly one value", e->name),
			  !strcmp(e->name, "fd") ? "write fd(3)" :
			  "write keyring(\"%%user:flow/key1\")");
		return v;
	}
	a = eval_expr(ctx, e->args->val, false);
	if (!strcmp(e->name, "keyring")) {
		if (!value_expect(ctx, &a, VT_STRING, "keyring()"))
			return v;
		v.secret.kind = FLANG_SECRET_KEYRING;
		v.secret.ref = a.s;
		v.secret.fd = -1;
	} else {
		if (!value_expect(ctx, &a, VT_FD, "fd()"))
			return v;
		v.secret.kind = FLANG_SECRET_FD;
		v.secret.fd = (int)a.u;
	}
	v.type = VT_SECRET;
	return v;
}

static bool is_quantity(enum vtype t)
{
	return t == VT_INT || t == VT_SIZE || t == VT_RATE ||
	       t == VT_DURATION;
}

static struct value overflow(struct flang_ctx *ctx, const struct expr *e,
			     const char *how)
{
	diag_error(ctx, "E0302", e->span, "arithmetic %s", how);
	return none_at(e->span);
}

static struct value bad_operands(struct flang_ctx *ctx, const struct expr *e,
				 const struct value *l, const struct value *r)
{
	struct diag_builder d;

	d = diag_error(ctx, "E0303", e->span,
		       "cannot apply %s to a %s and a %s", tok_kind_name(e->op),
		       vtype_name(l->type), vtype_name(r->type));
	diag_label(d, l->span);
	diag_label(d, r->span);
	if ((e->op == TK_PLUS || e->op == TK_MINUS) && is_quantity(l->type) &&
	    is_quantity(r->type))
		diag_help(d, "both sides of %s must have the same unit type",
			  tok_kind_name(e->op));
	return none_at(e->span);
}

static struct value eval_arith(struct flang_ctx *ctx, const struct expr *e,
			       struct value l, struct value r)
{
	struct value v = { .span = e->span };
	unsigned __int128 wide;

	switch (e->op) {
	case TK_PLUS:
	case TK_MINUS:
		if (l.type != r.type || !is_quantity(l.type))
			return bad_operands(ctx, e, &l, &r);
		v.type = l.type;
		if (e->op == TK_PLUS && add_overflows(l.u, r.u, &v.u))
			return overflow(ctx, e, "overflow");
		if (e->op == TK_MINUS) {
			if (r.u > l.u)
				return overflow(ctx, e, "underflow: the result would be negative");
			v.u = l.u - r.u;
		}
		return v;
	case TK_STAR:
		if (l.type == VT_INT && is_quantity(r.type)) {
			v.type = r.type;
		} else if (r.type == VT_INT && is_quantity(l.type)) {
			v.type = l.type;
		} else if ((l.type == VT_RATE && r.type == VT_DURATION) ||
			   (l.type == VT_DURATION && r.type == VT_RATE)) {
			wide = (unsigned __int128)l.u * r.u / NS_PER_S;
			if (wide > UINT64_MAX)
				return overflow(ctx, e, "overflow");
			v.type = VT_SIZE;
			v.u = (uint64_t)wide;
			return v;
		} else {
			return bad_operands(ctx, e, &l, &r);
		}
		if (mul_overflows(l.u, r.u, &v.u))
			return overflow(ctx, e, "overflow");
		return v;
	case TK_SLASH:
		if (!is_quantity(l.type) || !is_quantity(r.type))
			return bad_operands(ctx, e, &l, &r);
		if (!r.u) {
			diag_error(ctx, "E0304", e->r->span, "division by zero");
			return none_at(e->span);
		}
		if (r.type == VT_INT) {
			v.type = l.type;
			v.u = l.u / r.u;
		} else if (l.type == r.type) {
			v.type = VT_INT;
			v.u = l.u / r.u;
		} else if (l.type == VT_SIZE && r.type == VT_DURATION) {
			wide = (unsigned __int128)l.u * NS_PER_S / r.u;
			if (wide > UINT64_MAX)
				return overflow(ctx, e, "overflow");
			v.type = VT_RATE;
			v.u = (uint64_t)wide;
		} else if (l.type == VT_SIZE && r.type == VT_RATE) {
			wide = (unsigned __int128)l.u * NS_PER_S / r.u;
			if (wide > UINT64_MAX)
				return overflow(ctx, e, "overflow");
			v.type = VT_DURATION;
			v.u = (uint64_t)wide;
		} else {
			return bad_operands(ctx, e, &l, &r);
		}
		return v;
	default:
		return bad_operands(ctx, e, &l, &r);
	}
}

static struct value eval_compare(struct flang_ctx *ctx, const struct expr *e,
				 struct value l, struct value r)
{
	struct value v = { .type = VT_BOOL, .span = e->span };
	bool eq;

	if (e->op == TK_ANDAND || e->op == TK_OROR) {
		if (l.type != VT_BOOL || r.type != VT_BOOL)
			return bad_operands(ctx, e, &l, &r);
		v.u = e->op == TK_ANDAND ? (l.u && r.u) : (l.u || r.u);
		return v;
	}
	if (l.type != r.type || l.type == VT_SECRET || l.type == VT_RANGE)
		return bad_operands(ctx, e, &l, &r);
	if (l.type == VT_STRING || l.type == VT_NAME)
		eq = !strcmp(l.s, r.s);
	else
		eq = l.u == r.u;
	switch (e->op) {
	case TK_EQEQ:
		v.u = eq;
		return v;
	case TK_NE:
		v.u = !eq;
		return v;
	default:
		break;
	}
	if (!is_quantity(l.type))
		return bad_operands(ctx, e, &l, &r);
	switch (e->op) {
	case TK_LT:
		v.u = l.u < r.u;
		break;
	case TK_LE:
		v.u = l.u <= r.u;
		break;
	case TK_GT:
		v.u = l.u > r.u;
		break;
	default:
		v.u = l.u >= r.u;
		break;
	}
	return v;
}

/*
 * A byte range A..B is half-open (B - A bytes), so A == B is empty.  A
 * backoff MIN..MAX is closed: equal bounds are a fixed delay (@closed).
 */
static struct value eval_range(struct flang_ctx *ctx, const struct expr *e,
			       bool closed)
{
	struct value l = eval_expr(ctx, e->l, true);
	struct value r = eval_expr(ctx, e->r, true);
	struct value v = { .type = VT_RANGE, .span = e->span };
	struct diag_builder d;

	if (l.type == VT_NONE || r.type == VT_NONE)
		return none_at(e->span);
	if (l.type == VT_END) {
		diag_error(ctx, "E0306", l.span,
			   "'end' can only be the upper bound of a range");
		return none_at(e->span);
	}
	if (r.type == VT_END) {
		/* 0..end: a bare 0 is a size, the common case */
		if (l.type == VT_INT && !l.u)
			l.type = VT_SIZE;
		r.type = l.type;
		r.u = FLANG_RANGE_END;
	}
	/* 0..1GiB: a bare 0 takes the unit of the other bound */
	if (l.type == VT_INT && !l.u && r.type != VT_INT)
		l.type = r.type;
	if (l.type != r.type || !is_quantity(l.type)) {
		d = diag_error(ctx, "E0303", e->span,
			       "range bounds must have the same unit type, found %s..%s",
			       vtype_name(l.type), vtype_name(r.type));
		diag_label(d, l.span);
		diag_label(d, r.span);
		return none_at(e->span);
	}
	if (closed && l.u > r.u) {
		d = diag_error(ctx, "E0306", e->span,
			       "empty range: the start is above the end");
		diag_help(d, "write MIN..MAX with MIN <= MAX");
		return none_at(e->span);
	}
	if (!closed && l.u >= r.u) {
		d = diag_error(ctx, "E0306", e->span, "empty range: the start is not below the end");
		diag_help(d, "write LOW..HIGH with LOW < HIGH");
		return none_at(e->span);
	}
	v.u = l.u;
	v.u2 = r.u;
	v.elem = l.type;
	return v;
}

struct value eval_closed_range(struct flang_ctx *ctx, const struct expr *e)
{
	if (e->kind == EX_RANGE)
		return eval_range(ctx, e, true);
	return eval_expr(ctx, e, false);
}

struct value eval_expr(struct flang_ctx *ctx, const struct expr *e,
		       bool in_range)
{
	struct value v = none_at(e->span), l, r;
	struct param_decl *p;
	struct diag_builder d;

	switch (e->kind) {
	case EX_LITERAL:
		v = e->lit;
		v.span = e->span;
		return v;
	case EX_PARAM:
		p = find_param(ctx, e->name);
		if (!p) {
			d = diag_error(ctx, "E0200", e->span,
				       "undeclared param '$%s'", e->name);
			diag_help(d, "declare it: param %s : TYPE = VALUE;",
				  e->name);
			return v;
		}
		p->used = true;
		resolve_param(ctx, p);
		v = p->val;
		v.span = e->span;
		return v;
	case EX_NAME:
		if (!strcmp(e->name, "true") || !strcmp(e->name, "false")) {
			v.type = VT_BOOL;
			v.u = e->name[0] == 't';
		} else if (in_range && !strcmp(e->name, "end")) {
			v.type = VT_END;
		} else {
			v.type = VT_NAME;
			v.s = e->name;
		}
		return v;
	case EX_CALL:
		return eval_call(ctx, e);
	case EX_UNARY:
		l = eval_expr(ctx, e->l, false);
		if (l.type == VT_NONE)
			return v;
		if (e->op == TK_BANG && l.type == VT_BOOL) {
			v = l;
			v.u = !l.u;
			v.span = e->span;
			return v;
		}
		d = diag_error(ctx, "E0303", e->span, "cannot apply %s to a %s",
			       tok_kind_name(e->op), vtype_name(l.type));
		if (e->op == TK_MINUS)
			diag_help(d, "quantities in .flow are never negative");
		return v;
	case EX_RANGE:
		return eval_range(ctx, e, false);
	case EX_BINARY:
		l = eval_expr(ctx, e->l, false);
		r = eval_expr(ctx, e->r, false);
		if (l.type == VT_NONE || r.type == VT_NONE)
			return v;
		if (e->op == TK_PLUS || e->op == TK_MINUS || e->op == TK_STAR ||
		    e->op == TK_SLASH)
			return eval_arith(ctx, e, l, r);
		return eval_compare(ctx, e, l, r);
	}
	return v;
}
