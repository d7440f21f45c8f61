// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Expressions: literals with their units, $params, names, calls such as
 * keyring("...") and near(a, b), and operators by precedence climbing:
 *
 *   ||  <  &&  <  == != < <= > >=  <  ..  <  + -  <  * /  <  unary ! -
 *
 * Comparisons and ranges do not chain: "a < b < c" and "a..b..c" are
 * syntax errors rather than a surprise.
 */
#include <stdio.h>
#include <string.h>

#include "parser.h"

struct arg *parse_args(struct parser *p, enum tok_kind close)
{
	struct arg *head = NULL, **tail = &head;

	if (at(p, close))
		return NULL;
	do {
		struct arg *a = node(p, sizeof(*a));

		if (!a)
			return head;
		a->span = p->tok.span;
		if (at(p, TK_IDENT) && p->next.kind == TK_EQ) {
			a->name = p->tok.text;
			a->name_span = p->tok.span;
			bump(p);
			bump(p);
		}
		a->val = parse_expr(p);
		if (!a->val)
			return head;
		a->span = span_join(a->span, a->val->span);
		*tail = a;
		tail = &a->next;
	} while (accept(p, TK_COMMA));
	return head;
}

struct expr *new_expr(struct parser *p, enum expr_kind k, struct span sp)
{
	struct expr *e = node(p, sizeof(*e));

	if (e) {
		e->kind = k;
		e->span = sp;
	}
	return e;
}

struct expr *parse_primary(struct parser *p)
{
	struct expr *e;

	switch (p->tok.kind) {
	case TK_NUMBER:
		e = new_expr(p, EX_LITERAL, p->tok.span);
		if (!e)
			return NULL;
		if (units_parse_number(p->ctx, &p->tok, &e->lit) < 0)
			e->lit.type = VT_NONE;
		bump(p);
		if (at(p, TK_IDENT) && !p->tok.unit[0] &&
		    units_is_unit_word(p->tok.text) &&
		    p->tok.span.line == p->prev.end_line && !p->panic) {
			struct diag_builder d;

			d = diag_error(p->ctx, "E0103", span_join(e->span,
								  p->tok.span),
				       "a unit must follow its number without a space");
			diag_help(d, "write the number and unit together, e.g. 16MiB");
			p->panic = true;
		}
		return e;
	case TK_STRING:
		e = new_expr(p, EX_LITERAL, p->tok.span);
		if (!e)
			return NULL;
		e->lit.type = VT_STRING;
		e->lit.s = p->tok.text;
		e->lit.span = p->tok.span;
		bump(p);
		return e;
	case TK_PARAM:
		e = new_expr(p, EX_PARAM, p->tok.span);
		if (!e)
			return NULL;
		e->name = p->tok.text;
		bump(p);
		return e;
	case TK_IDENT:
		e = new_expr(p, EX_NAME, p->tok.span);
		if (!e)
			return NULL;
		e->name = p->tok.text;
		bump(p);
		if (accept(p, TK_LPAREN)) {
			e->kind = EX_CALL;
			e->args = parse_args(p, TK_RPAREN);
			e->span = span_join(e->span, p->tok.span);
			expect(p, TK_RPAREN, NULL);
		}
		return e;
	case TK_LPAREN:
		bump(p);
		e = parse_expr(p);
		expect(p, TK_RPAREN, NULL);
		return e;
	default:
		syntax_error(p, "a value");
		return NULL;
	}
}

static struct expr *parse_unary(struct parser *p)
{
	if (at(p, TK_BANG) || at(p, TK_MINUS)) {
		struct expr *e = new_expr(p, EX_UNARY, p->tok.span);

		if (!e)
			return NULL;
		e->op = p->tok.kind;
		bump(p);
		if (++p->depth > FLANG_MAX_EXPR_DEPTH) {
			syntax_error(p, "a shallower expression");
			return NULL;
		}
		e->l = parse_unary(p);
		p->depth--;
		if (!e->l)
			return NULL;
		e->span = span_join(e->span, e->l->span);
		return e;
	}
	return parse_primary(p);
}

static int binop_prec(enum tok_kind k)
{
	switch (k) {
	case TK_OROR:
		return 1;
	case TK_ANDAND:
		return 2;
	case TK_EQEQ: case TK_NE: case TK_LT: case TK_LE: case TK_GT:
	case TK_GE:
		return 3;
	case TK_DOTDOT:
		return 4;
	case TK_PLUS: case TK_MINUS:
		return 5;
	case TK_STAR: case TK_SLASH:
		return 6;
	default:
		return 0;
	}
}

/* Precedence climbing; comparisons and ranges do not chain. */
struct expr *parse_binary(struct parser *p, int min_prec)
{
	struct expr *l;

	if (++p->depth > FLANG_MAX_EXPR_DEPTH) {
		syntax_error(p, "a shallower expression");
		return NULL;
	}
	l = parse_unary(p);
	while (l) {
		int prec = binop_prec(p->tok.kind);
		struct expr *e;

		if (!prec || prec < min_prec)
			break;
		e = new_expr(p, p->tok.kind == TK_DOTDOT ? EX_RANGE : EX_BINARY,
			     l->span);
		if (!e)
			break;
		e->op = p->tok.kind;
		bump(p);
		e->l = l;
		e->r = parse_binary(p, prec + 1);
		if (!e->r)
			return NULL;
		e->span = span_join(l->span, e->r->span);
		l = e;
		if (prec == 3 || prec == 4) {
			if (binop_prec(p->tok.kind) == prec) {
				syntax_error(p, "parentheses around a chained comparison or range");
				return NULL;
			}
		}
	}
	p->depth--;
	return l;
}

struct expr *parse_expr(struct parser *p)
{
	return parse_binary(p, 1);
}

struct expr *parse_standalone_expr(struct flang_ctx *ctx,
				   const struct source *src)
{
	struct parser p = { .ctx = ctx };
	struct expr *e;

	lexer_init(&p.lx, ctx, src);
	p.tok = lexer_next(&p.lx);
	p.next = lexer_next(&p.lx);
	e = parse_expr(&p);
	if (e && !at(&p, TK_EOF)) {
		syntax_error(&p, "the end of the value");
		return NULL;
	}
	return e;
}
