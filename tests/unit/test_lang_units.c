// SPDX-License-Identifier: GPL-2.0
/*
 * Units and arithmetic: every literal's value in base units, the refused
 * spellings with their help, and overflow at every operator.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "internal.h"

/* Lex one number and convert it; returns the diagnostic code or NULL. */
static const char *parse_one(const char *text, struct value *v,
			     const char **help)
{
	static char code[8];
	struct flang_ctx *ctx = flang_ctx_new();
	const struct source *src;
	struct lexer lx;
	struct token t;
	const char *ret = NULL;

	assert_non_null(ctx);
	src = ctx_add_source(ctx, "t", NULL, text, strlen(text));
	lexer_init(&lx, ctx, src);
	t = lexer_next(&lx);
	assert_int_equal(t.kind, TK_NUMBER);
	if (units_parse_number(ctx, &t, v) < 0) {
		const struct flang_diag *d = flang_diag_get(ctx, 0);

		assert_non_null(d);
		snprintf(code, sizeof(code), "%s", d->code);
		if (help) {
			static char hb[256];

			snprintf(hb, sizeof(hb), "%s", d->help ? d->help : "");
			*help = hb;
		}
		ret = code;
	}
	flang_ctx_free(ctx);
	return ret;
}

static void test_values(void **state)
{
	static const struct {
		const char *text;
		enum vtype type;
		uint64_t u;
	} cases[] = {
		{ "16", VT_INT, 16 },
		{ "0x10", VT_INT, 16 },
		{ "1B", VT_SIZE, 1 },
		{ "4KiB", VT_SIZE, 4096 },
		{ "1MiB", VT_SIZE, 1048576 },
		{ "1.5GiB", VT_SIZE, 1610612736 },
		{ "2TiB", VT_SIZE, 2199023255552ull },
		{ "1KB", VT_SIZE, 1000 },
		{ "3MB", VT_SIZE, 3000000 },
		{ "1.5GB", VT_SIZE, 1500000000 },
		{ "1GiB/s", VT_RATE, 1073741824 },
		{ "1.5GiB/s", VT_RATE, 1610612736 },
		{ "100MB/s", VT_RATE, 100000000 },
		{ "10Gbit/s", VT_RATE, 1250000000 },
		{ "1Mbit/s", VT_RATE, 125000 },
		{ "8kbit/s", VT_RATE, 1000 },
		{ "5ns", VT_DURATION, 5 },
		{ "5us", VT_DURATION, 5000 },
		{ "100ms", VT_DURATION, 100000000 },
		{ "2s", VT_DURATION, 2000000000 },
		{ "1min", VT_DURATION, 60000000000ull },
		{ "18446744073709551615B", VT_SIZE, UINT64_MAX },
	};
	struct value v;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_null(parse_one(cases[i].text, &v, NULL));
		assert_int_equal(v.type, cases[i].type);
		assert_true(v.u == cases[i].u);
	}
}

static void test_refused(void **state)
{
	static const struct {
		const char *text, *code, *help_has;
	} cases[] = {
		{ "10gbps", "E0006", "10Gbit/s" },
		{ "10gbps", "E0006", "10GB/s" },
		{ "2GBps", "E0006", "2GiB/s" },
		{ "100Mbps", "E0006", "100Mbit/s" },
		{ "4mb", "E0006", "4MiB" },
		{ "4Mib", "E0005", "4MiB" },
		{ "5sec", "E0005", "5s" },
		{ "5parsecs", "E0005", "durations" },
		{ "0.3B", "E0007", "smaller unit" },
		{ "1.1KiB", "E0007", "" },
		{ "18446744073709551616B", "E0004", "" },
		{ "17179869184GiB", "E0004", "" },
		{ "99999999999999999999", "E0004", "" },
	};
	const char *help = NULL;
	struct value v;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *code = parse_one(cases[i].text, &v, &help);

		assert_non_null(code);
		assert_string_equal(code, cases[i].code);
		assert_non_null(strstr(help, cases[i].help_has));
	}
}

static void test_overflow_helpers(void **state)
{
	uint64_t r;

	(void)state;
	assert_false(add_overflows(1, 2, &r));
	assert_int_equal(r, 3);
	assert_true(add_overflows(UINT64_MAX, 1, &r));
	assert_false(mul_overflows(1ull << 32, (1ull << 32) - 1, &r));
	assert_true(mul_overflows(1ull << 32, 1ull << 32, &r));
}

/* Compile a program around @expr_assert and return the first code. */
static const char *compile_code(const char *body)
{
	static char code[8];
	struct flang_ctx *ctx = flang_ctx_new();
	char buf[512];
	int ret;

	snprintf(buf, sizeof(buf), "flowlang 1;\n%s\n", body);
	ret = flang_compile_buffer(ctx, "t.flow", buf, strlen(buf));
	assert_true(ret >= 0);
	code[0] = '\0';
	if (flang_diag_count(ctx))
		snprintf(code, sizeof(code), "%s",
			 flang_diag_get(ctx, 0)->code);
	flang_ctx_free(ctx);
	return code;
}

static void test_typed_arithmetic(void **state)
{
	(void)state;
	assert_string_equal(compile_code("assert 1GiB/s * 2s == 2GiB;"), "");
	assert_string_equal(compile_code("assert 1GiB / 1s == 1GiB/s;"), "");
	assert_string_equal(compile_code("assert 1GiB / 1GiB/s == 1s;"), "");
	assert_string_equal(compile_code("assert 4MiB / 1MiB == 4;"), "");
	assert_string_equal(compile_code("assert 4 * 1MiB == 4MiB;"), "");
	assert_string_equal(compile_code("assert 1 + 2 * 3 == 7;"), "");
	assert_string_equal(compile_code("assert 1500ms > 1s && !(1s > 2s);"), "");
	assert_string_equal(compile_code("assert 1KB < 1KiB;"), "");
	assert_string_equal(compile_code("assert 1MiB + 1ms == 1MiB;"), "E0303");
	assert_string_equal(compile_code("assert 1MiB * 1MiB > 0B;"), "E0303");
	assert_string_equal(compile_code("assert 16TiB * 2000000 > 0B;"), "E0302");
	assert_string_equal(compile_code("assert 1B - 2B == 0B;"), "E0302");
	assert_string_equal(compile_code("assert 10000000000GiB/s * 10000000000s > 0B;"), "E0302");
	assert_string_equal(compile_code("assert 1MiB / 0 == 1B;"), "E0304");
	assert_string_equal(compile_code("assert -1 < 0;"), "E0303");
	assert_string_equal(compile_code("assert 2MiB == 1MiB;"), "E0800");
	assert_string_equal(compile_code("assert 1MiB;"), "E0300");
}

static void test_format(void **state)
{
	struct value v = { .type = VT_SIZE, .u = 16u << 20 };
	char buf[48];

	(void)state;
	units_format(buf, sizeof(buf), &v);
	assert_string_equal(buf, "16 MiB");
	v.u = 1500;
	units_format(buf, sizeof(buf), &v);
	assert_string_equal(buf, "1500 B");
	v.u = 3000000;
	units_format(buf, sizeof(buf), &v);
	assert_string_equal(buf, "3 MB");
	v.type = VT_RATE;
	v.u = 1250000000;
	units_format(buf, sizeof(buf), &v);
	assert_string_equal(buf, "1250 MB/s");
	v.type = VT_DURATION;
	v.u = 100000000;
	units_format(buf, sizeof(buf), &v);
	assert_string_equal(buf, "100 ms");
	v.type = VT_SECRET;
	units_format(buf, sizeof(buf), &v);
	assert_string_equal(buf, "<secret>");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_overflow_helpers),
		cmocka_unit_test(test_typed_arithmetic),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests_name("lang units", tests, NULL, NULL);
}
