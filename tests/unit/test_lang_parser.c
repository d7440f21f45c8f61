// SPDX-License-Identifier: GPL-2.0
/*
 * Parser: the tree of a good program, error recovery (one diagnostic per
 * broken statement, later statements still parsed), and hostile input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "internal.h"

static struct flang_ctx *compile(const char *text, int want)
{
	struct flang_ctx *ctx = flang_ctx_new();

	assert_non_null(ctx);
	assert_int_equal(flang_compile_buffer(ctx, "t.flow", text,
					      strlen(text)), want);
	return ctx;
}

static void test_tree_shape(void **state)
{
	struct flang_ctx *ctx = compile(
		"flowlang 1;\n"
		"param k : secret = keyring(\"%user:k\");\n"
		"device a = nvme(path=\"/dev/a\");\n"
		"device b = nvme(path=\"/dev/b\");\n"
		"device c = file(path=\"/c\");\n"
		"flow f [priority=high] {\n"
		"\tread(a) -> [chunk=64KiB] aead(alg=\"gcm(aes)\", key=$k) -> tee -> write(b), c;\n"
		"\tdepth = 4;\n"
		"\ton io_error(a|b) retry 2 then abort \"gone\";\n"
		"\tassert 1 < 2;\n"
		"}\n", 0);
	const struct flow_decl *f = ctx->prog.flows;
	const struct hop *h;
	const struct action *act;

	(void)state;
	assert_non_null(f);
	assert_string_equal(f->name, "f");
	assert_null(f->next);
	assert_non_null(f->settings);
	assert_string_equal(f->settings->name, "priority");
	/* source, aead, tee, then the sink group b, c */
	h = f->chains->hops;
	assert_string_equal(h->elem->name, "read");
	assert_null(h->settings);
	h = h->next;
	assert_string_equal(h->elem->name, "aead");
	assert_string_equal(h->settings->name, "chunk");
	h = h->next;
	assert_string_equal(h->elem->name, "tee");
	assert_false(h->elem->has_parens);
	h = h->next;
	assert_string_equal(h->elem->name, "write");
	assert_string_equal(h->elem->next_sink->name, "c");
	assert_null(h->next);
	assert_int_equal(h->elem->span.line, 7);
	assert_string_equal(f->props->name, "depth");
	assert_string_equal(f->handlers->event, "io_error");
	assert_string_equal(f->handlers->devs->val->name, "a");
	assert_string_equal(f->handlers->devs->next->val->name, "b");
	act = f->handlers->actions;
	assert_int_equal(act->kind, FLANG_ACT_RETRY);
	assert_int_equal(act->next->kind, FLANG_ACT_ABORT);
	assert_string_equal(act->next->msg, "gone");
	assert_non_null(f->asserts);
	flang_ctx_free(ctx);
}

static void test_recovery(void **state)
{
	/* three broken statements, each reported once, in order */
	struct flang_ctx *ctx = compile(
		"flowlang 1;\n"
		"device a = nvme(path=\"/dev/a\")\n"
		"device b = nvme(path=\"/dev/b\");\n"
		"flow f {\n"
		"\ta -> ;\n"
		"\ta -> [depth=] b;\n"
		"\ta -> b;\n"
		"}\n"
		"bogus;\n"
		"flow g { a -> b; }\n", 1);
	const struct flang_diag *d;

	(void)state;
	assert_int_equal(flang_error_count(ctx), 4);
	d = flang_diag_get(ctx, 0);
	assert_string_equal(d->code, "E0100");
	assert_int_equal(d->span.line, 2);
	assert_non_null(d->help);	/* ';' at the end of line 2 */
	assert_int_equal(flang_diag_get(ctx, 1)->span.line, 5);
	assert_int_equal(flang_diag_get(ctx, 2)->span.line, 6);
	assert_int_equal(flang_diag_get(ctx, 3)->span.line, 9);
	/* the statements after each error were still parsed */
	assert_non_null(ctx->prog.flows);
	assert_non_null(ctx->prog.flows->next);
	assert_string_equal(ctx->prog.flows->next->name, "g");
	/* no plan after errors */
	assert_null(flang_plan_get(ctx));
	flang_ctx_free(ctx);
}

static void test_version_line(void **state)
{
	struct flang_ctx *ctx = compile("device a = nvme(path=\"x\");\n", 1);

	(void)state;
	assert_string_equal(flang_diag_get(ctx, 0)->code, "E0101");
	flang_ctx_free(ctx);
	ctx = compile("flowlang 2;\n", 1);
	assert_string_equal(flang_diag_get(ctx, 0)->code, "E0102");
	flang_ctx_free(ctx);
	ctx = compile("", 1);
	assert_string_equal(flang_diag_get(ctx, 0)->code, "E0101");
	flang_ctx_free(ctx);
	ctx = compile("flowlang 1;", 0);
	flang_ctx_free(ctx);
}

static void test_fanout_must_end(void **state)
{
	struct flang_ctx *ctx = compile(
		"flowlang 1;\n"
		"device a = nvme(path=\"/dev/a\");\n"
		"device b = nvme(path=\"/dev/b\");\n"
		"flow f { a -> b, a -> b; }\n", 1);

	(void)state;
	assert_int_equal(flang_error_count(ctx), 1);
	assert_string_equal(flang_diag_get(ctx, 0)->code, "E0100");
	assert_non_null(strstr(flang_diag_get(ctx, 0)->help, "tee"));
	flang_ctx_free(ctx);
}

static void test_deep_nesting_is_refused(void **state)
{
	size_t n = 5000, i;
	char *text = malloc(n * 2 + 64);
	struct flang_ctx *ctx;

	(void)state;
	assert_non_null(text);
	snprintf(text, n * 2 + 64, "flowlang 1;\nassert ");
	for (i = 0; i < n; i++)
		strcat(text, "(");
	strcat(text, "1");
	ctx = compile(text, 1);
	assert_string_equal(flang_diag_get(ctx, 0)->code, "E0100");
	flang_ctx_free(ctx);
	snprintf(text, n * 2 + 64, "flowlang 1;\nassert ");
	for (i = 0; i < n; i++)
		strcat(text, "!");
	strcat(text, "true;");
	ctx = compile(text, 1);
	flang_ctx_free(ctx);
	free(text);
}

static void test_many_errors_are_capped(void **state)
{
	struct flang_ctx *ctx = flang_ctx_new();
	size_t n = 1000, i;
	char *text = malloc(n * 3 + 16);
	char *out;

	(void)state;
	snprintf(text, n * 3 + 16, "flowlang 1;\n");
	for (i = 0; i < n; i++)
		strcat(text, "@;\n");
	assert_int_equal(flang_compile_buffer(ctx, "t", text, strlen(text)), 1);
	/* every error counted, only the first ones kept */
	assert_true(flang_error_count(ctx) >= n);
	assert_true(flang_diag_count(ctx) <= 200);
	out = flang_diags_text(ctx);
	assert_non_null(strstr(out, "stopped after"));
	free(out);
	free(text);
	flang_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree_shape),
		cmocka_unit_test(test_recovery),
		cmocka_unit_test(test_version_line),
		cmocka_unit_test(test_fanout_must_end),
		cmocka_unit_test(test_deep_nesting_is_refused),
		cmocka_unit_test(test_many_errors_are_capped),
	};

	return cmocka_run_group_tests_name("lang parser", tests, NULL, NULL);
}
