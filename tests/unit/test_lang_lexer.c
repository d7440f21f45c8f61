// SPDX-License-Identifier: GPL-2.0
/*
 * Lexer: token kinds, texts, units and exact spans; bad input is
 * reported once and skipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "internal.h"

struct lexfix {
	struct flang_ctx *ctx;
	struct lexer lx;
};

static void lex_start(struct lexfix *f, const char *text)
{
	const struct source *src;

	f->ctx = flang_ctx_new();
	assert_non_null(f->ctx);
	src = ctx_add_source(f->ctx, "t.flow", NULL, text, strlen(text));
	assert_non_null(src);
	lexer_init(&f->lx, f->ctx, src);
}

static struct token expect_tok(struct lexfix *f, enum tok_kind kind,
			       const char *text, unsigned int line,
			       unsigned int col)
{
	struct token t = lexer_next(&f->lx);

	assert_int_equal(t.kind, kind);
	if (text)
		assert_string_equal(t.text, text);
	assert_int_equal(t.span.line, line);
	assert_int_equal(t.span.col, col);
	return t;
}

static void test_idents_params_punct(void **state)
{
	struct lexfix f;
	struct token t;

	(void)state;
	lex_start(&f, "flow x_1 {\n\t$chunk -> [a=b];\n}");
	expect_tok(&f, TK_IDENT, "flow", 1, 1);
	t = expect_tok(&f, TK_IDENT, "x_1", 1, 6);
	assert_int_equal(t.span.end_col, 8);
	expect_tok(&f, TK_LBRACE, NULL, 1, 10);
	/* a tab is one column */
	t = expect_tok(&f, TK_PARAM, "chunk", 2, 2);
	assert_int_equal(t.span.end_col, 7);
	expect_tok(&f, TK_ARROW, NULL, 2, 9);
	expect_tok(&f, TK_LBRACK, NULL, 2, 12);
	expect_tok(&f, TK_IDENT, "a", 2, 13);
	expect_tok(&f, TK_EQ, NULL, 2, 14);
	expect_tok(&f, TK_IDENT, "b", 2, 15);
	expect_tok(&f, TK_RBRACK, NULL, 2, 16);
	expect_tok(&f, TK_SEMI, NULL, 2, 17);
	expect_tok(&f, TK_RBRACE, NULL, 3, 1);
	expect_tok(&f, TK_EOF, NULL, 3, 2);
	assert_int_equal(flang_error_count(f.ctx), 0);
	flang_ctx_free(f.ctx);
}

static void test_numbers_and_units(void **state)
{
	struct lexfix f;
	struct token t;

	(void)state;
	lex_start(&f, "1.5GiB/s 0..end 16 4MiB/2 0x1F 100ms");
	t = expect_tok(&f, TK_NUMBER, "1.5", 1, 1);
	assert_string_equal(t.unit, "GiB/s");
	assert_int_equal(t.span.end_col, 8);
	/* '..' after digits is a range, not a fraction */
	t = expect_tok(&f, TK_NUMBER, "0", 1, 10);
	assert_string_equal(t.unit, "");
	expect_tok(&f, TK_DOTDOT, NULL, 1, 11);
	expect_tok(&f, TK_IDENT, "end", 1, 13);
	expect_tok(&f, TK_NUMBER, "16", 1, 17);
	/* '/' followed by a digit is division, not part of the unit */
	t = expect_tok(&f, TK_NUMBER, "4", 1, 20);
	assert_string_equal(t.unit, "MiB");
	expect_tok(&f, TK_SLASH, NULL, 1, 24);
	expect_tok(&f, TK_NUMBER, "2", 1, 25);
	t = expect_tok(&f, TK_NUMBER, "0x1F", 1, 27);
	assert_string_equal(t.unit, "");
	t = expect_tok(&f, TK_NUMBER, "100", 1, 32);
	assert_string_equal(t.unit, "ms");
	expect_tok(&f, TK_EOF, NULL, 1, 37);
	flang_ctx_free(f.ctx);
}

static void test_operators(void **state)
{
	static const enum tok_kind want[] = {
		TK_LE, TK_GE, TK_LT, TK_GT, TK_EQEQ, TK_NE, TK_ANDAND,
		TK_OROR, TK_PIPE, TK_BANG, TK_PLUS, TK_MINUS, TK_STAR,
		TK_COMMA, TK_COLON, TK_LPAREN, TK_RPAREN, TK_EOF,
	};
	struct lexfix f;
	size_t i;

	(void)state;
	lex_start(&f, "<= >= < > == != && || | ! + - * , : ( )");
	for (i = 0; i < ARRAY_SIZE(want); i++)
		assert_int_equal(lexer_next(&f.lx).kind, want[i]);
	flang_ctx_free(f.ctx);
}

static void test_strings_and_comments(void **state)
{
	struct lexfix f;
	struct token t;

	(void)state;
	lex_start(&f, "# comment\n\"a\\\"b\\\\c\\n\" // more\nx");
	t = expect_tok(&f, TK_STRING, "a\"b\\c\n", 2, 1);
	assert_int_equal(t.span.end_col, 11);
	expect_tok(&f, TK_IDENT, "x", 3, 1);
	assert_int_equal(flang_error_count(f.ctx), 0);
	flang_ctx_free(f.ctx);
}

static void test_bad_input_reported_once(void **state)
{
	struct lexfix f;
	const struct flang_diag *d;

	(void)state;
	lex_start(&f, "a @ b \"open\nc");
	expect_tok(&f, TK_IDENT, "a", 1, 1);
	/* '@' is reported and skipped */
	expect_tok(&f, TK_IDENT, "b", 1, 5);
	assert_int_equal(flang_error_count(f.ctx), 1);
	d = flang_diag_get(f.ctx, 0);
	assert_string_equal(d->code, "E0001");
	assert_int_equal(d->span.col, 3);
	/* an unterminated string stops at the end of its line */
	expect_tok(&f, TK_STRING, "open", 1, 7);
	d = flang_diag_get(f.ctx, 1);
	assert_string_equal(d->code, "E0002");
	expect_tok(&f, TK_IDENT, "c", 2, 1);
	flang_ctx_free(f.ctx);
}

static void test_nul_and_high_bytes(void **state)
{
	static const char text[] = "a\0b\xff";
	struct flang_ctx *ctx = flang_ctx_new();
	const struct source *src;
	struct lexer lx;

	(void)state;
	src = ctx_add_source(ctx, "t", NULL, text, sizeof(text) - 1);
	lexer_init(&lx, ctx, src);
	assert_int_equal(lexer_next(&lx).kind, TK_IDENT);
	assert_int_equal(lexer_next(&lx).kind, TK_IDENT);
	assert_int_equal(lexer_next(&lx).kind, TK_EOF);
	assert_int_equal(flang_error_count(ctx), 2);
	flang_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idents_params_punct),
		cmocka_unit_test(test_numbers_and_units),
		cmocka_unit_test(test_operators),
		cmocka_unit_test(test_strings_and_comments),
		cmocka_unit_test(test_bad_input_reported_once),
		cmocka_unit_test(test_nul_and_high_bytes),
	};

	return cmocka_run_group_tests_name("lang lexer", tests, NULL, NULL);
}
