// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Hand-written lexer.  Columns count bytes from 1; a tab is one column,
 * and the diagnostic renderer copies tabs into the underline so carets
 * still line up.  Invalid bytes are reported and skipped, so the parser
 * never sees an error token and one bad character gives one diagnostic.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void lexer_init(struct lexer *lx, struct flang_ctx *ctx,
		const struct source *src)
{
	lx->ctx = ctx;
	lx->src = src;
	lx->pos = 0;
	lx->line = 1;
	lx->col = 1;
}

static int peek(const struct lexer *lx, uint32_t ahead)
{
	if (lx->pos + ahead >= lx->src->len)
		return -1;
	return (unsigned char)lx->src->text[lx->pos + ahead];
}

static void advance(struct lexer *lx)
{
	if (lx->src->text[lx->pos] == '\n') {
		lx->line++;
		lx->col = 1;
	} else {
		lx->col++;
	}
	lx->pos++;
}

static bool is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* The span from the token start (saved in @t) to the current position. */
static void close_span(struct lexer *lx, struct token *t)
{
	t->span.end = lx->pos;
	t->span.end_line = lx->line;
	t->span.end_col = lx->col > 1 ? lx->col - 1 : 1;
	/* a token never spans lines except strings, which report the start */
	if (t->span.end_line != t->span.line) {
		t->span.end_line = t->span.line;
		t->span.end_col = t->span.col;
	}
}

static void skip_space(struct lexer *lx)
{
	for (;;) {
		int c = peek(lx, 0);

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		    c == '\f' || c == '\v') {
			advance(lx);
		} else if (c == '#' || (c == '/' && peek(lx, 1) == '/')) {
			while (peek(lx, 0) >= 0 && peek(lx, 0) != '\n')
				advance(lx);
		} else {
			return;
		}
	}
}

static void lex_string(struct lexer *lx, struct token *t)
{
	struct strbuf sb = { 0 };

	advance(lx);	/* opening quote */
	for (;;) {
		int c = peek(lx, 0);

		if (c < 0 || c == '\n') {
			close_span(lx, t);
			diag_error(lx->ctx, "E0002", t->span,
				   "unterminated string");
			break;
		}
		if (c == '"') {
			advance(lx);
			close_span(lx, t);
			break;
		}
		if (c == '\\') {
			struct span esc = t->span;
			int n = peek(lx, 1);

			esc.off = lx->pos;
			esc.line = lx->line;
			esc.col = lx->col;
			advance(lx);
			if (n == '"' || n == '\\') {
				sb_putc(&sb, (char)n);
			} else if (n == 'n') {
				sb_putc(&sb, '\n');
			} else if (n == 't') {
				sb_putc(&sb, '\t');
			} else {
				esc.end = lx->pos + 1;
				esc.end_line = esc.line;
				esc.end_col = esc.col + 1;
				diag_help(diag_error(lx->ctx, "E0003", esc,
						     "unknown escape in string"),
					  "the escapes are \\\" \\\\ \\n \\t");
				if (n < 0 || n == '\n')
					continue;
			}
			advance(lx);
			continue;
		}
		if (c == 0) {
			/* NUL would truncate the C string silently */
			struct span at = t->span;

			at.off = lx->pos;
			at.end = lx->pos + 1;
			at.line = at.end_line = lx->line;
			at.col = at.end_col = lx->col;
			diag_error(lx->ctx, "E0001", at,
				   "NUL byte inside a string");
			advance(lx);
			continue;
		}
		sb_putc(&sb, (char)c);
		advance(lx);
	}
	t->text = arena_strdup(&lx->ctx->arena, sb.buf ? sb.buf : "");
	free(sb.buf);
}

static void lex_number(struct lexer *lx, struct token *t)
{
	uint32_t start = lx->pos, ustart;

	if (peek(lx, 0) == '0' && (peek(lx, 1) == 'x' || peek(lx, 1) == 'X') &&
	    is_hex(peek(lx, 2))) {
		advance(lx);
		advance(lx);
		while (is_hex(peek(lx, 0)))
			advance(lx);
		t->text = arena_strndup(&lx->ctx->arena, lx->src->text + start,
					lx->pos - start);
		t->unit = "";
		return;
	}
	while (is_digit(peek(lx, 0)))
		advance(lx);
	/* '1..2' is a range, '1.5' a fraction */
	if (peek(lx, 0) == '.' && is_digit(peek(lx, 1))) {
		advance(lx);
		while (is_digit(peek(lx, 0)))
			advance(lx);
	}
	t->text = arena_strndup(&lx->ctx->arena, lx->src->text + start,
				lx->pos - start);
	ustart = lx->pos;
	/* the unit is glued to the number: letters, then optional /letters */
	while (is_alpha(peek(lx, 0)))
		advance(lx);
	if (lx->pos > ustart && peek(lx, 0) == '/' && is_alpha(peek(lx, 1))) {
		advance(lx);
		while (is_alpha(peek(lx, 0)))
			advance(lx);
	}
	t->unit = arena_strndup(&lx->ctx->arena, lx->src->text + ustart,
				lx->pos - ustart);
}

struct token lexer_next(struct lexer *lx)
{
	static const struct {
		char a, b;
		enum tok_kind two, one;
	} ops[] = {
		{ '-', '>', TK_ARROW, TK_MINUS },
		{ '.', '.', TK_DOTDOT, TK_EOF },
		{ '=', '=', TK_EQEQ, TK_EQ },
		{ '!', '=', TK_NE, TK_BANG },
		{ '<', '=', TK_LE, TK_LT },
		{ '>', '=', TK_GE, TK_GT },
		{ '&', '&', TK_ANDAND, TK_EOF },
		{ '|', '|', TK_OROR, TK_PIPE },
		{ ';', 0, TK_EOF, TK_SEMI },
		{ ':', 0, TK_EOF, TK_COLON },
		{ ',', 0, TK_EOF, TK_COMMA },
		{ '(', 0, TK_EOF, TK_LPAREN },
		{ ')', 0, TK_EOF, TK_RPAREN },
		{ '[', 0, TK_EOF, TK_LBRACK },
		{ ']', 0, TK_EOF, TK_RBRACK },
		{ '{', 0, TK_EOF, TK_LBRACE },
		{ '}', 0, TK_EOF, TK_RBRACE },
		{ '+', 0, TK_EOF, TK_PLUS },
		{ '*', 0, TK_EOF, TK_STAR },
		{ '/', 0, TK_EOF, TK_SLASH },
	};
	struct token t;
	size_t i;
	int c;

again:
	skip_space(lx);
	memset(&t, 0, sizeof(t));
	t.span.src = lx->src;
	t.span.off = lx->pos;
	t.span.line = lx->line;
	t.span.col = lx->col;
	t.text = "";
	t.unit = "";
	c = peek(lx, 0);
	if (c < 0) {
		t.kind = TK_EOF;
		t.span.end = lx->pos;
		t.span.end_line = lx->line;
		t.span.end_col = lx->col;
		return t;
	}
	if (is_alpha(c) || (c == '$' && is_alpha(peek(lx, 1)))) {
		uint32_t start;

		t.kind = c == '$' ? TK_PARAM : TK_IDENT;
		if (c == '$')
			advance(lx);
		start = lx->pos;
		while (is_alpha(peek(lx, 0)) || is_digit(peek(lx, 0)))
			advance(lx);
		t.text = arena_strndup(&lx->ctx->arena, lx->src->text + start,
				       lx->pos - start);
		close_span(lx, &t);
		return t;
	}
	if (is_digit(c)) {
		t.kind = TK_NUMBER;
		lex_number(lx, &t);
		close_span(lx, &t);
		return t;
	}
	if (c == '"') {
		t.kind = TK_STRING;
		lex_string(lx, &t);
		return t;
	}
	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		if (ops[i].a != c)
			continue;
		advance(lx);
		if (ops[i].b && peek(lx, 0) == ops[i].b) {
			advance(lx);
			t.kind = ops[i].two;
		} else {
			t.kind = ops[i].one;
		}
		close_span(lx, &t);
		if (t.kind != TK_EOF)
			return t;
		goto bad;
	}
	advance(lx);
	close_span(lx, &t);
bad:
	if (c == '$')
		diag_help(diag_error(lx->ctx, "E0001", t.span,
				     "'$' must be followed by a param name"),
			  "write $name for a param declared with 'param name : type'");
	else if (c >= 0x20 && c < 0x7f)
		diag_error(lx->ctx, "E0001", t.span, "unexpected character '%c'",
			   c);
	else
		diag_error(lx->ctx, "E0001", t.span,
			   "unexpected byte 0x%02x", (unsigned int)c);
	goto again;
}

const char *tok_kind_name(enum tok_kind k)
{
	static const char *const names[] = {
		[TK_EOF] = "end of file", [TK_IDENT] = "identifier",
		[TK_NUMBER] = "number", [TK_STRING] = "string",
		[TK_PARAM] = "$param", [TK_SEMI] = "';'",
		[TK_COLON] = "':'", [TK_COMMA] = "','", [TK_EQ] = "'='",
		[TK_LPAREN] = "'('", [TK_RPAREN] = "')'",
		[TK_LBRACK] = "'['", [TK_RBRACK] = "']'",
		[TK_LBRACE] = "'{'", [TK_RBRACE] = "'}'",
		[TK_ARROW] = "'->'", [TK_DOTDOT] = "'..'", [TK_PIPE] = "'|'",
		[TK_PLUS] = "'+'", [TK_MINUS] = "'-'", [TK_STAR] = "'*'",
		[TK_SLASH] = "'/'", [TK_LT] = "'<'", [TK_LE] = "'<='",
		[TK_GT] = "'>'", [TK_GE] = "'>='", [TK_EQEQ] = "'=='",
		[TK_NE] = "'!='", [TK_ANDAND] = "'&&'", [TK_OROR] = "'||'",
		[TK_BANG] = "'!'", [TK_ERROR] = "invalid token",
	};

	return (size_t)k < ARRAY_SIZE(names) && names[k] ? names[k] : "token";
}
