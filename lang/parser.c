// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Recursive-descent parser.  One token of lookahead plus one peek.  On a
 * syntax error the parser reports once, then skips to the end of the
 * statement (';' or a closing '}') and goes on, so one typo gives one
 * diagnostic and later statements are still checked.
 */
#include <stdio.h>
#include <string.h>

#include "parser.h"


void *node(struct parser *p, size_t size)
{
	return arena_alloc(&p->ctx->arena, size);
}

void bump(struct parser *p)
{
	p->prev = p->tok.span;
	p->tok = p->next;
	p->next = lexer_next(&p->lx);
}

bool at(struct parser *p, enum tok_kind k)
{
	return p->tok.kind == k;
}

bool at_word(struct parser *p, const char *w)
{
	return p->tok.kind == TK_IDENT && !strcmp(p->tok.text, w);
}

bool accept(struct parser *p, enum tok_kind k)
{
	if (!at(p, k))
		return false;
	bump(p);
	return true;
}

static const char *tok_desc(struct parser *p, const struct token *t)
{
	struct arena *a = &p->ctx->arena;
	const char *s;

	switch (t->kind) {
	case TK_IDENT:
		s = arena_printf(a, "'%.60s'", t->text);
		return s ? s : "identifier";
	case TK_NUMBER:
		s = arena_printf(a, "number '%.30s%.20s'", t->text, t->unit);
		return s ? s : "number";
	default:
		return tok_kind_name(t->kind);
	}
}

struct diag_builder syntax_error(struct parser *p, const char *what)
{
	struct diag_builder none = { p->ctx, -1 };

	if (p->panic)
		return none;
	p->panic = true;
	/* a bad character or number earlier in the statement explains it */
	if (p->ctx->diags.errors > p->stmt_errors)
		return none;
	return diag_error(p->ctx, "E0100", p->tok.span, "expected %s, found %s",
			  what, tok_desc(p, &p->tok));
}

bool expect(struct parser *p, enum tok_kind k, const char *what)
{
	struct diag_builder d;

	if (accept(p, k))
		return true;
	d = syntax_error(p, what ? what : tok_kind_name(k));
	if (k == TK_SEMI && diag_of(d) && p->tok.span.line > p->prev.end_line) {
		/* point just after the previous token, where ';' belongs */
		struct span s = p->prev;

		s.off = s.end;
		s.line = s.end_line;
		s.col = s.end_col + 1;
		s.end_col = s.col;
		diag_of(d)->span = span_public(s);
		diag_help(d, "add ';' at the end of the statement");
	}
	return false;
}

const char *expect_ident(struct parser *p, const char *what,
			 struct span *sp)
{
	const char *name;

	if (!at(p, TK_IDENT)) {
		syntax_error(p, what);
		return NULL;
	}
	name = p->tok.text;
	if (sp)
		*sp = p->tok.span;
	bump(p);
	return name;
}

/* Skip to the end of the statement; stops after ';' or before '}'. */
static void sync_stmt(struct parser *p)
{
	int nest = 0;

	while (!at(p, TK_EOF)) {
		if (at(p, TK_LBRACE) || at(p, TK_LPAREN) || at(p, TK_LBRACK))
			nest++;
		if ((at(p, TK_RPAREN) || at(p, TK_RBRACK)) && nest > 0)
			nest--;
		if (at(p, TK_RBRACE)) {
			if (nest <= 0)
				break;
			nest--;
		}
		if (at(p, TK_SEMI) && nest <= 0) {
			bump(p);
			break;
		}
		bump(p);
	}
	p->panic = false;
}

static void parse_include(struct parser *p)
{
	struct span sp = p->tok.span;
	const struct source *src;
	bool already;

	bump(p);
	if (!at(p, TK_STRING)) {
		syntax_error(p, "a file name in quotes");
		return;
	}
	sp = span_join(sp, p->tok.span);
	src = ctx_load_include(p->ctx, p->lx.src, p->tok.text, p->tok.span,
			       &already);
	bump(p);
	if (!expect(p, TK_SEMI, NULL))
		return;
	if (!src || already)
		return;
	p->ctx->include_stack[p->ctx->include_depth++] = src;
	parse_source(p->ctx, src);
	p->ctx->include_depth--;
}

static const struct {
	const char *name;
	enum vtype type;
} param_types[] = {
	{ "int", VT_INT }, { "size", VT_SIZE }, { "rate", VT_RATE },
	{ "duration", VT_DURATION }, { "bool", VT_BOOL },
	{ "string", VT_STRING }, { "secret", VT_SECRET }, { "fd", VT_FD },
};

static void parse_param(struct parser *p)
{
	struct param_decl *d = node(p, sizeof(*d));
	const char *tname;
	size_t i;

	if (!d)
		return;
	d->span = p->tok.span;
	bump(p);
	d->name = expect_ident(p, "a param name", &d->name_span);
	if (!d->name || !expect(p, TK_COLON, "':' and a type"))
		return;
	tname = expect_ident(p, "a type", &d->type_span);
	if (!tname)
		return;
	for (i = 0; i < ARRAY_SIZE(param_types); i++)
		if (!strcmp(param_types[i].name, tname))
			d->type = param_types[i].type;
	if (d->type == VT_NONE) {
		const char *names[ARRAY_SIZE(param_types)];
		const char *near;
		struct diag_builder b;

		for (i = 0; i < ARRAY_SIZE(names); i++)
			names[i] = param_types[i].name;
		b = diag_error(p->ctx, "E0301", d->type_span,
			       "unknown type '%s'", tname);
		near = closest_word(tname, names, ARRAY_SIZE(names));
		if (near)
			diag_help(b, "did you mean '%s'?", near);
		else
			diag_help(b, "the types are int, size, rate, duration, bool, string, secret, fd");
	}
	if (accept(p, TK_EQ)) {
		d->def = parse_expr(p);
		if (!d->def)
			return;
	}
	d->span = span_join(d->span, p->prev);
	if (!expect(p, TK_SEMI, NULL))
		return;
	*p->ctx->prog.params_tail = d;
	p->ctx->prog.params_tail = &d->next;
}

/* device NAME = KIND(args);  and  pool NAME = KIND(args); */
static bool parse_decl_head(struct parser *p, const char **name,
			    struct span *name_span, const char **kind,
			    struct span *kind_span, struct arg **args)
{
	bump(p);
	*name = expect_ident(p, "a name", name_span);
	if (!*name || !expect(p, TK_EQ, NULL))
		return false;
	*kind = expect_ident(p, "a kind", kind_span);
	if (!*kind || !expect(p, TK_LPAREN, NULL))
		return false;
	*args = parse_args(p, TK_RPAREN);
	if (!expect(p, TK_RPAREN, "',' or ')'"))
		return false;
	return expect(p, TK_SEMI, NULL);
}

static void parse_device(struct parser *p)
{
	struct device_decl *d = node(p, sizeof(*d));

	if (!d)
		return;
	d->span = p->tok.span;
	if (!parse_decl_head(p, &d->name, &d->name_span, &d->kind_name,
			     &d->kind_span, &d->args))
		return;
	d->span = span_join(d->span, p->prev);
	d->fd = -1;
	*p->ctx->prog.devices_tail = d;
	p->ctx->prog.devices_tail = &d->next;
}

static void parse_pool(struct parser *p)
{
	struct pool_decl *d = node(p, sizeof(*d));

	if (!d)
		return;
	d->span = p->tok.span;
	if (!parse_decl_head(p, &d->name, &d->name_span, &d->kind_name,
			     &d->kind_span, &d->args))
		return;
	d->span = span_join(d->span, p->prev);
	d->numa = -1;
	*p->ctx->prog.pools_tail = d;
	p->ctx->prog.pools_tail = &d->next;
}

static struct assert_stmt *parse_assert(struct parser *p)
{
	struct assert_stmt *a = node(p, sizeof(*a));

	if (!a)
		return NULL;
	a->span = p->tok.span;
	bump(p);
	a->cond = parse_expr(p);
	if (!a->cond)
		return NULL;
	if (accept(p, TK_COMMA)) {
		if (!at(p, TK_STRING)) {
			syntax_error(p, "a message in quotes");
			return NULL;
		}
		a->msg = p->tok.text;
		bump(p);
	}
	a->span = span_join(a->span, p->prev);
	if (!expect(p, TK_SEMI, NULL))
		return NULL;
	return a;
}

static struct elem *parse_elem(struct parser *p)
{
	struct elem *e = node(p, sizeof(*e));

	if (!e)
		return NULL;
	e->name = expect_ident(p, "a device, read(), write() or a transform",
			       &e->name_span);
	if (!e->name)
		return NULL;
	e->span = e->name_span;
	if (accept(p, TK_LPAREN)) {
		e->has_parens = true;
		e->args = parse_args(p, TK_RPAREN);
		e->span = span_join(e->span, p->tok.span);
		if (!expect(p, TK_RPAREN, "',' or ')'"))
			return NULL;
	}
	return e;
}

static struct chain *parse_chain(struct parser *p)
{
	struct chain *c = node(p, sizeof(*c));
	struct hop **tail;

	if (!c)
		return NULL;
	c->span = p->tok.span;
	c->hops = node(p, sizeof(*c->hops));
	if (!c->hops)
		return NULL;
	c->hops->elem = parse_elem(p);
	if (!c->hops->elem)
		return NULL;
	tail = &c->hops->next;
	while (accept(p, TK_ARROW)) {
		struct hop *h = node(p, sizeof(*h));
		struct elem **sink;

		if (!h)
			return NULL;
		if (at(p, TK_LBRACK)) {
			h->settings_span = p->tok.span;
			bump(p);
			h->settings = parse_args(p, TK_RBRACK);
			h->settings_span = span_join(h->settings_span,
						     p->tok.span);
			if (!expect(p, TK_RBRACK, "',' or ']'"))
				return NULL;
		}
		h->elem = parse_elem(p);
		if (!h->elem)
			return NULL;
		*tail = h;
		tail = &h->next;
		sink = &h->elem->next_sink;
		while (accept(p, TK_COMMA)) {
			*sink = parse_elem(p);
			if (!*sink)
				return NULL;
			sink = &(*sink)->next_sink;
		}
		if (h->elem->next_sink && at(p, TK_ARROW)) {
			struct diag_builder d = syntax_error(p, "';' after a list of sinks");

			diag_help(d, "a fan-out 'x, y' ends the chain; put a 'tee' before it and keep the sinks last");
			return NULL;
		}
	}
	c->span = span_join(c->span, p->prev);
	if (!expect(p, TK_SEMI, "'->' or ';'"))
		return NULL;
	return c;
}

static const char *const strengths[] = { "required", "preferred",
					 "forbidden" };

static struct prop *parse_prop(struct parser *p)
{
	struct prop *pr = node(p, sizeof(*pr));
	size_t i;

	if (!pr)
		return NULL;
	pr->name = p->tok.text;
	pr->name_span = pr->span = p->tok.span;
	bump(p);
	bump(p);	/* '=' */
	pr->val = parse_expr(p);
	if (!pr->val)
		return NULL;
	for (i = 0; i < ARRAY_SIZE(strengths); i++) {
		if (at_word(p, strengths[i])) {
			pr->strength = (enum flang_strength)i;
			pr->has_strength = true;
			pr->strength_span = p->tok.span;
			bump(p);
			break;
		}
	}
	pr->span = span_join(pr->span, p->prev);
	if (!expect(p, TK_SEMI, pr->has_strength ? NULL :
		    "'required', 'preferred', 'forbidden' or ';'"))
		return NULL;
	return pr;
}

static const struct {
	const char *word;
	enum flang_action_kind kind;
} action_words[] = {
	{ "retry", FLANG_ACT_RETRY }, { "fallback", FLANG_ACT_FALLBACK },
	{ "pause", FLANG_ACT_PAUSE }, { "stop", FLANG_ACT_STOP },
	{ "abort", FLANG_ACT_ABORT }, { "notify", FLANG_ACT_NOTIFY },
};

static struct action *parse_action(struct parser *p)
{
	struct action *a = node(p, sizeof(*a));
	size_t i;

	if (!a)
		return NULL;
	a->span = a->kw_span = p->tok.span;
	for (i = 0; i < ARRAY_SIZE(action_words); i++)
		if (at_word(p, action_words[i].word))
			break;
	if (i == ARRAY_SIZE(action_words)) {
		struct diag_builder d;

		if (!at(p, TK_IDENT)) {
			syntax_error(p, "an action");
			return NULL;
		}
		d = diag_error(p->ctx, "E0604", p->tok.span,
			       "unknown action '%s'", p->tok.text);
		diag_help(d, "the actions are retry N [backoff MIN..MAX], fallback PROP=VALUE, pause, stop, abort [\"msg\"], notify LEVEL [\"msg\"]");
		p->panic = true;
		return NULL;
	}
	a->kind = action_words[i].kind;
	bump(p);
	switch (a->kind) {
	case FLANG_ACT_RETRY:
		a->count = parse_primary(p);
		if (!a->count)
			return NULL;
		if (at_word(p, "backoff")) {
			bump(p);
			a->backoff = parse_binary(p, 4);
			if (!a->backoff)
				return NULL;
		}
		break;
	case FLANG_ACT_FALLBACK:
		a->prop = expect_ident(p, "a property name", &a->prop_span);
		if (!a->prop || !expect(p, TK_EQ, NULL))
			return NULL;
		a->val = parse_binary(p, 4);
		if (!a->val)
			return NULL;
		break;
	case FLANG_ACT_NOTIFY:
		a->level = expect_ident(p, "info, warn or error",
					&a->level_span);
		if (!a->level)
			return NULL;
		/* fall through */
	case FLANG_ACT_ABORT:
		if (at(p, TK_STRING)) {
			a->msg = p->tok.text;
			bump(p);
		}
		break;
	default:
		break;
	}
	a->span = span_join(a->span, p->prev);
	return a;
}

static struct handler *parse_handler(struct parser *p)
{
	struct handler *h = node(p, sizeof(*h));
	struct action **tail;

	if (!h)
		return NULL;
	h->span = p->tok.span;
	bump(p);
	h->event = expect_ident(p, "an event name", &h->event_span);
	if (!h->event)
		return NULL;
	if (accept(p, TK_LPAREN)) {
		struct arg **at_tail = &h->devs;

		do {
			struct arg *a = node(p, sizeof(*a));

			if (!a)
				return NULL;
			a->val = new_expr(p, EX_NAME, p->tok.span);
			if (!a->val)
				return NULL;
			a->val->name = expect_ident(p, "a device name", NULL);
			if (!a->val->name)
				return NULL;
			a->span = a->val->span;
			*at_tail = a;
			at_tail = &a->next;
		} while (accept(p, TK_PIPE));
		if (!expect(p, TK_RPAREN, "'|' or ')'"))
			return NULL;
	}
	tail = &h->actions;
	do {
		*tail = parse_action(p);
		if (!*tail)
			return NULL;
		tail = &(*tail)->next;
	} while (at_word(p, "then") && (bump(p), true));
	h->span = span_join(h->span, p->prev);
	if (!expect(p, TK_SEMI, "'then' or ';'"))
		return NULL;
	return h;
}

static void parse_flow(struct parser *p)
{
	struct flow_decl *f = node(p, sizeof(*f));
	struct chain **ctail;
	struct prop **ptail;
	struct handler **htail;
	struct assert_stmt **atail;

	if (!f)
		return;
	f->span = p->tok.span;
	bump(p);
	f->name = expect_ident(p, "a flow name", &f->name_span);
	if (!f->name)
		return;
	if (accept(p, TK_LBRACK)) {
		f->settings = parse_args(p, TK_RBRACK);
		if (!expect(p, TK_RBRACK, "',' or ']'"))
			return;
	}
	if (!expect(p, TK_LBRACE, NULL))
		return;
	ctail = &f->chains;
	ptail = &f->props;
	htail = &f->handlers;
	atail = &f->asserts;
	while (!at(p, TK_RBRACE) && !at(p, TK_EOF)) {
		p->stmt_errors = p->ctx->diags.errors;
		if (at_word(p, "on")) {
			struct handler *h = parse_handler(p);

			if (h) {
				*htail = h;
				htail = &h->next;
			}
		} else if (at_word(p, "assert")) {
			struct assert_stmt *a = parse_assert(p);

			if (a) {
				*atail = a;
				atail = &a->next;
			}
		} else if (at(p, TK_IDENT) && p->next.kind == TK_EQ) {
			struct prop *pr = parse_prop(p);

			if (pr) {
				*ptail = pr;
				ptail = &pr->next;
			}
		} else if (at(p, TK_IDENT)) {
			struct chain *c;

			c = parse_chain(p);

			if (c) {
				*ctail = c;
				ctail = &c->next;
			}
		} else {
			syntax_error(p, "a chain, a property, 'on' or 'assert'");
		}
		if (p->panic)
			sync_stmt(p);
	}
	f->span = span_join(f->span, p->tok.span);
	if (!expect(p, TK_RBRACE, "'}'"))
		return;
	*p->ctx->prog.flows_tail = f;
	p->ctx->prog.flows_tail = &f->next;
}

static void parse_version(struct parser *p)
{
	struct diag_builder d;

	if (!at_word(p, "flowlang")) {
		d = diag_error(p->ctx, "E0101", p->tok.span,
			       "a .flow file must start with the version line");
		diag_help(d, "add 'flowlang 1;' as the first line");
		return;
	}
	bump(p);
	if (!at(p, TK_NUMBER)) {
		syntax_error(p, "the language version");
		sync_stmt(p);
		return;
	}
	if (strcmp(p->tok.text, "1") || p->tok.unit[0]) {
		d = diag_error(p->ctx, "E0102", p->tok.span,
			       "unsupported language version '%s%s'",
			       p->tok.text, p->tok.unit);
		diag_help(d, "this compiler implements 'flowlang 1;'");
	}
	bump(p);
	if (!expect(p, TK_SEMI, NULL))
		sync_stmt(p);
}

static void init_program(struct program *prog)
{
	if (prog->params_tail)
		return;
	prog->params_tail = &prog->params;
	prog->devices_tail = &prog->devices;
	prog->pools_tail = &prog->pools;
	prog->flows_tail = &prog->flows;
	prog->asserts_tail = &prog->asserts;
}

void parse_source(struct flang_ctx *ctx, const struct source *src)
{
	struct parser p = { .ctx = ctx };

	init_program(&ctx->prog);
	lexer_init(&p.lx, ctx, src);
	p.tok = lexer_next(&p.lx);
	p.next = lexer_next(&p.lx);
	parse_version(&p);
	while (!at(&p, TK_EOF) && !ctx->arena.failed) {
		p.stmt_errors = ctx->diags.errors;
		if (at_word(&p, "include")) {
			parse_include(&p);
		} else if (at_word(&p, "param")) {
			parse_param(&p);
		} else if (at_word(&p, "device")) {
			parse_device(&p);
		} else if (at_word(&p, "pool")) {
			parse_pool(&p);
		} else if (at_word(&p, "flow")) {
			parse_flow(&p);
		} else if (at_word(&p, "assert")) {
			struct assert_stmt *a = parse_assert(&p);

			if (a) {
				*ctx->prog.asserts_tail = a;
				ctx->prog.asserts_tail = &a->next;
			}
		} else {
			struct diag_builder d = syntax_error(&p,
				"'include', 'param', 'device', 'pool', 'flow' or 'assert'");

			if (at(&p, TK_RBRACE))
				bump(&p);
			if (at(&p, TK_IDENT)) {
				static const char *const kw[] = {
					"include", "param", "device", "pool",
					"flow", "assert"
				};
				const char *near = closest_word(p.tok.text, kw,
								ARRAY_SIZE(kw));

				if (near)
					diag_help(d, "did you mean '%s'?", near);
			}
		}
		if (p.panic)
			sync_stmt(&p);
	}
}
