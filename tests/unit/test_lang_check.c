// SPDX-License-Identifier: GPL-2.0
/*
 * Checker rules, one program per rule, each pinned to its code, line and
 * column; and the parts of the API around them: -D overrides, include
 * search path and cycles, text and JSON rendering.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <errno.h>
#include <cmocka.h>

#include "flowlang.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define HEAD "flowlang 1;\n" \
	"device a = nvme(path=\"/dev/nvme0n1\");\n" \
	"device b = nvme(path=\"/dev/nvme1n1\");\n"

struct rule {
	const char *what, *body, *code;
	unsigned int line, col;
};

/* The flow bodies start on line 4. */
static const struct rule rules[] = {
	{ "undeclared", "flow f { a -> c; }", "E0200", 4, 15 },
	{ "duplicate flow", "flow f { a -> b; }\nflow f { b -> a; }", "E0201", 5, 6 },
	{ "pool too small",
	  "pool p = p2p(near(a, b), size=4MiB);\nflow f { a -> [chunk=1MiB, depth=8, pool=p] b; }",
	  "E0412", 5, 16 },
	{ "pool too small by default depth",
	  "pool p = cmb(b, size=4MiB);\nflow f { a -> [pool=p] b; }", "E0412", 5, 16 },
	{ "alignment", "flow f { a -> [chunk=100B] b; }", "E0410", 4, 16 },
	{ "bar page alignment",
	  "device g = bar(pci=\"0000:01:00.0\", bar=0);\nflow f { a -> [chunk=512B] g; }",
	  "E0410", 5, 16 },
	{ "cpu on p2p",
	  "param k : secret = fd(3);\npool p = p2p(near(a));\nflow f { a -> [pool=p] digest -> [pool=host] b; }",
	  "E0505", 6, 24 },
	{ "cpu writes p2p",
	  "pool p = p2p(near(b));\nflow f { a -> compress -> [pool=p] b; }",
	  "E0505", 5, 15 },
	{ "preferred without fallback",
	  "pool p = p2p(near(a));\nflow f { a -> [pool=p] b; pool = p preferred; }",
	  "E0506", 5, 36 },
	{ "preferred rate without fallback",
	  "flow f { a -> b; rate = 1GiB/s preferred; }", "E0506", 4, 32 },
	{ "p2p_unavailable on host flow",
	  "flow f { a -> b; on p2p_unavailable stop; }", "E0601", 4, 21 },
	{ "transform_error without transform",
	  "flow f { a -> b; on transform_error stop; }", "E0601", 4, 21 },
	{ "secret literal in param",
	  "param k : secret = \"x\";\nflow f { a -> aead(alg=\"gcm(aes)\", key=$k) -> b; }",
	  "E0700", 4, 20 },
	{ "secret as wrong type",
	  "flow f { a -> skcipher(alg=\"cbc(aes)\", key=42) -> b; }", "E0300", 4, 44 },
	{ "missing key", "flow f { a -> aead(alg=\"gcm(aes)\") -> b; }", "E0402", 4, 15 },
	{ "socket by string", "device s = socket(fd=\"3\");", "E0300", 4, 22 },
	{ "unit-less chunk", "flow f { a -> [chunk=4096] b; }", "E0307", 4, 22 },
	{ "rate as size", "flow f [rate=1GiB] { a -> b; }", "E0300", 4, 14 },
	{ "duration where size", "flow f { a -> [chunk=10ms] b; }", "E0300", 4, 22 },
	{ "bad priority", "flow f [priority=urgent] { a -> b; }", "E0305", 4, 18 },
	{ "retry zero", "flow f { a -> b; on io_error retry 0; }", "E0305", 4, 36 },
	{ "backoff of sizes", "flow f { a -> b; on io_error retry 2 backoff 1B..2B; }", "E0300", 4, 46 },
	{ "backoff reversed", "flow f { a -> b; on io_error retry 2 backoff 9ms..1ms; }", "E0306", 4, 46 },
	{ "fallback to undeclared pool",
	  "flow f { a -> b; on pool_exhausted fallback pool=nowhere; }", "E0200", 4, 50 },
	{ "fallback on unknown property",
	  "flow f { a -> b; on stalled fallback speed=1GiB/s; }", "E0504", 4, 38 },
	{ "read as sink", "flow f { a -> read(b); }", "E0501", 4, 15 },
	{ "write as source", "flow f { write(a) -> b; }", "E0500", 4, 10 },
	{ "event with devices", "flow f { a -> b; on stalled(a) stop; }", "E0401", 4, 29 },
	{ "near a socket",
	  "param c : fd = 4;\ndevice s = socket(fd=$c);\npool p = p2p(near(s));\nflow f { a -> s; }",
	  "E0405", 6, 19 },
	{ "unknown notify level", "flow f { a -> b; on io_error notify loud; }", "E0305", 4, 37 },
	{ "range in read and flow",
	  "flow f [range=0..1GiB] { read(a, range=0..2GiB) -> b; }", "E0201", 4, 34 },
	{ "pool size zero", "pool p = host(size=0B);\nflow f { a -> [pool=p] b; }", "E0305", 4, 20 },
	{ "too many actions",
	  "flow f { a -> b; on io_error pause then pause then pause then pause then pause then pause then pause then pause then stop; }",
	  "E0305", 4, 118 },
	{ "clean", "flow f { a -> b; }", NULL, 0, 0 },
	{ "clean with everything",
	  "param k : secret = keyring(\"%user:k\");\nparam c : fd = 4;\n"
	  "device s = socket(fd=$c);\npool p = p2p(near(a, b), size=64MiB);\n"
	  "flow f [priority=realtime, range=0..1GiB] {\n"
	  "\tread(a) -> [chunk=1MiB, depth=16, pool=p] write(b, offset=4KiB);\n"
	  "\tread(a) -> [chunk=64KiB, pool=host] aead(alg=\"gcm(aes)\", key=$k) -> s;\n"
	  "\tpool = p preferred;\n\trate = 10Gbit/s preferred;\n"
	  "\ton p2p_unavailable fallback pool=host then notify warn \"slow path\";\n"
	  "\ton stalled fallback rate=1Gbit/s;\n"
	  "\ton peer_closed stop;\n\ton transform_error abort;\n}",
	  NULL, 0, 0 },
};

static void test_rules(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(rules); i++) {
		struct flang_ctx *ctx = flang_ctx_new();
		const struct flang_diag *d;
		char text[2048];
		int ret;

		snprintf(text, sizeof(text), HEAD "%s\n", rules[i].body);
		ret = flang_compile_buffer(ctx, "t.flow", text, strlen(text));
		if (!rules[i].code) {
			if (ret != 0 || flang_diag_count(ctx)) {
				char *s = flang_diags_text(ctx);

				print_error("%s: expected clean, got:\n%s",
					    rules[i].what, s);
				free(s);
				fail();
			}
			flang_ctx_free(ctx);
			continue;
		}
		d = flang_diag_get(ctx, 0);
		if (ret != 1 || !d || strcmp(d->code, rules[i].code) ||
		    d->span.line != rules[i].line ||
		    d->span.col != rules[i].col) {
			char *s = flang_diags_text(ctx);

			print_error("%s: expected %s at %u:%u, got:\n%s",
				    rules[i].what, rules[i].code,
				    rules[i].line, rules[i].col, s);
			free(s);
			fail();
		}
		flang_ctx_free(ctx);
	}
}

static void test_note_points_at_first(void **state)
{
	static const char text[] = HEAD "device a = nvme(path=\"x\");\n";
	struct flang_ctx *ctx = flang_ctx_new();
	const struct flang_diag *d;

	(void)state;
	assert_int_equal(flang_compile_buffer(ctx, "t.flow", text,
					      strlen(text)), 1);
	d = flang_diag_get(ctx, 0);
	assert_string_equal(d->code, "E0201");
	assert_int_equal(d->nnotes, 1);
	assert_string_equal(d->notes[0].msg, "previously declared here");
	assert_int_equal(d->notes[0].span.line, 2);
	assert_int_equal(d->notes[0].span.col, 8);
	flang_ctx_free(ctx);
}

/*
 * Thousands of names go through the checker's hash index (and its
 * growth): every duplicate is still found, the note names the first
 * declaration, and params, pools and flows declared late resolve.
 */
static void test_many_names(void **state)
{
	enum { N = 3000 };
	struct flang_ctx *ctx = flang_ctx_new();
	const struct flang_diag *d;
	size_t cap = 200 * N, len;
	char *text = malloc(cap);
	int i;

	(void)state;
	assert_non_null(text);
	len = (size_t)snprintf(text, cap, HEAD);
	for (i = 0; i < N; i++)
		len += (size_t)snprintf(text + len, cap - len,
					"param p%d : int = %d;\n"
					"pool q%d = host(size=%dMiB);\n",
					i, i % 16 + 1, i, i % 16 + 1);
	for (i = 0; i < N; i++)
		len += (size_t)snprintf(
			text + len, cap - len,
			"flow f%d { a -> [depth=$p%d, pool=q%d] b; }\n", i, i,
			i);
	assert_int_equal(flang_compile_buffer(ctx, "t", text, len), 0);
	assert_int_equal(flang_plan_get(ctx)->nflows, N);
	assert_int_equal(flang_plan_get(ctx)->flows[N - 1].stages[1].depth,
			 (N - 1) % 16 + 1);

	/* line 4 + 2N + K is flow fK; the duplicate goes last */
	len += (size_t)snprintf(text + len, cap - len, "flow f%d { b -> a; }\n",
				N - 7);
	assert_int_equal(flang_compile_buffer(ctx, "t", text, len), 1);
	assert_int_equal(flang_diag_count(ctx), 1);
	d = flang_diag_get(ctx, 0);
	assert_string_equal(d->code, "E0201");
	assert_int_equal(d->span.line, 4 + 3 * N);
	assert_int_equal(d->notes[0].span.line, 4 + 2 * N + N - 7);
	free(text);
	flang_ctx_free(ctx);
}

static void test_define_overrides(void **state)
{
	static const char text[] = HEAD
		"param depth : int = 8;\n"
		"assert $depth <= 32;\n"
		"flow f { a -> [depth=$depth] b; }\n";
	struct flang_ctx *ctx = flang_ctx_new();
	const struct flang_diag *d;

	(void)state;
	assert_int_equal(flang_compile_buffer(ctx, "t", text, strlen(text)), 0);
	assert_int_equal(flang_plan_get(ctx)->flows[0].stages[1].depth, 8);
	assert_int_equal(flang_ctx_set_param(ctx, "depth=16"), 0);
	assert_int_equal(flang_compile_buffer(ctx, "t", text, strlen(text)), 0);
	assert_int_equal(flang_plan_get(ctx)->flows[0].stages[1].depth, 16);
	/* the last -D wins; this one breaks the assert */
	assert_int_equal(flang_ctx_set_param(ctx, "depth=64"), 0);
	assert_int_equal(flang_compile_buffer(ctx, "t", text, strlen(text)), 1);
	assert_string_equal(flang_diag_get(ctx, 0)->code, "E0800");
	/* a value of the wrong type is reported against the -D */
	assert_int_equal(flang_ctx_set_param(ctx, "depth=4MiB"), 0);
	assert_int_equal(flang_compile_buffer(ctx, "t", text, strlen(text)), 1);
	d = flang_diag_get(ctx, 0);
	assert_string_equal(d->code, "E0300");
	assert_string_equal(d->span.file, "<-D depth>");
	/* -D for a param nobody declared */
	assert_int_equal(flang_ctx_set_param(ctx, "depth=8"), 0);
	assert_int_equal(flang_ctx_set_param(ctx, "dpeth=8"), 0);
	assert_int_equal(flang_compile_buffer(ctx, "t", text, strlen(text)), 1);
	assert_string_equal(flang_diag_get(ctx, 0)->code, "E0205");
	assert_int_equal(flang_ctx_set_param(ctx, "novalue"), -EINVAL);
	assert_int_equal(flang_ctx_set_param(ctx, "=1"), -EINVAL);
	assert_int_equal(flang_ctx_set_param(ctx, "9x=1"), -EINVAL);
	flang_ctx_free(ctx);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_includes(void **state)
{
	char dir[] = "/tmp/flowlang-test-XXXXXX", path[512], cmd[600];
	struct flang_ctx *ctx = flang_ctx_new();
	const struct flang_diag *d;

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_file(dir, "site.flow", "flowlang 1;\n"
		   "device a = nvme(path=\"/dev/nvme0n1\");\n"
		   "device b = nvme(path=\"/dev/nvme1n1\");\n");
	/* included twice (diamond): read once, no duplicates */
	write_file(dir, "also.flow", "flowlang 1;\ninclude \"site.flow\";\n");
	write_file(dir, "main.flow", "flowlang 1;\ninclude \"site.flow\";\n"
		   "include \"also.flow\";\nflow f { a -> b; }\n");
	write_file(dir, "loop1.flow", "flowlang 1;\ninclude \"loop2.flow\";\n");
	write_file(dir, "loop2.flow", "flowlang 1;\ninclude \"loop1.flow\";\n");
	write_file(dir, "uses.flow", "flowlang 1;\ninclude \"lib.flow\";\n");
	snprintf(path, sizeof(path), "%s/main.flow", dir);
	assert_int_equal(flang_compile_file(ctx, path), 0);
	assert_int_equal(flang_plan_get(ctx)->nports, 2);

	snprintf(path, sizeof(path), "%s/loop1.flow", dir);
	assert_int_equal(flang_compile_file(ctx, path), 1);
	d = flang_diag_get(ctx, 0);
	assert_string_equal(d->code, "E0203");
	assert_non_null(strstr(d->msg, "loop1.flow -> "));
	assert_non_null(strstr(d->msg, "loop2.flow -> "));

	/* found only through the search path */
	snprintf(path, sizeof(path), "%s/uses.flow", dir);
	assert_int_equal(flang_compile_file(ctx, path), 1);
	assert_string_equal(flang_diag_get(ctx, 0)->code, "E0202");
	snprintf(cmd, sizeof(cmd), "%s/lib", dir);
	assert_int_equal(mkdir(cmd, 0700), 0);
	write_file(cmd, "lib.flow", "flowlang 1;\n");
	assert_int_equal(flang_ctx_add_include_path(ctx, cmd), 0);
	assert_int_equal(flang_compile_file(ctx, path), 0);

	snprintf(path, sizeof(path), "%s/none.flow", dir);
	assert_int_equal(flang_compile_file(ctx, path), -ENOENT);
	assert_int_equal(flang_compile_file(ctx, dir), -EISDIR);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	flang_ctx_free(ctx);
}

static void test_render(void **state)
{
	static const char text[] = HEAD
		"pool stage = p2p(near(a, b), size=16MiB);\n"
		"flow clone {\n"
		"\tread(a) -> [chunk=1MiB, depth=32, pool=stage] write(b);\n"
		"}\n";
	static const char want[] =
		"c.flow:6:14: error[E0412]: pool 'stage' (16 MiB) cannot hold depth=32 x chunk=1 MiB\n"
		"    \tread(a) -> [chunk=1MiB, depth=32, pool=stage] write(b);\n"
		"    \t            ^~~~~~~~~~  ~~~~~~~~\n"
		"  note: 'stage' declared here: c.flow:4:6\n"
		"  help: use depth=16, or mark 'pool = stage preferred' to spill to host memory\n"
		"1 error, 0 warnings\n";
	struct flang_ctx *ctx = flang_ctx_new();
	char *out;

	(void)state;
	assert_int_equal(flang_compile_buffer(ctx, "c.flow", text,
					      strlen(text)), 1);
	out = flang_diags_text(ctx);
	assert_string_equal(out, want);
	free(out);
	out = flang_diags_json(ctx);
	assert_non_null(strstr(out, "\"code\":\"E0412\""));
	assert_non_null(strstr(out, "\"span\":{\"file\":\"c.flow\",\"line\":6,\"col\":14,\"end_line\":6,\"end_col\":23}"));
	assert_non_null(strstr(out, "\"labels\":[{\"file\":\"c.flow\",\"line\":6,\"col\":26"));
	assert_non_null(strstr(out, "\"errors\":1,\"warnings\":0"));
	free(out);
	flang_ctx_free(ctx);
}

static void test_secret_literal_masked(void **state)
{
	static const char text[] = HEAD
		"flow f { a -> aead(alg=\"gcm(aes)\", key=\"hunter2\") -> b; }\n";
	struct flang_ctx *ctx = flang_ctx_new();
	char *out;

	(void)state;
	assert_int_equal(flang_compile_buffer(ctx, "t", text, strlen(text)), 1);
	assert_string_equal(flang_diag_get(ctx, 0)->code, "E0700");
	assert_true(flang_diag_get(ctx, 0)->redact);
	out = flang_diags_text(ctx);
	assert_null(strstr(out, "hunter2"));
	assert_non_null(strstr(out, "key=\"*******\""));
	free(out);
	out = flang_diags_json(ctx);
	assert_null(strstr(out, "hunter2"));
	free(out);
	flang_ctx_free(ctx);
}

static void test_secret_never_rendered(void **state)
{
	static const char text[] = HEAD
		"flow f { a -> aead(alg=\"gcm(aes)\", key=keyring(\"%user:topsecret\")) -> b; }\n";
	struct flang_ctx *ctx = flang_ctx_new();
	int err;
	char *out;

	(void)state;
	assert_int_equal(flang_compile_buffer(ctx, "t", text, strlen(text)), 0);
	out = flang_plan_explain(ctx, NULL, &err);
	assert_non_null(out);
	assert_null(strstr(out, "topsecret"));
	free(out);
	out = flang_plan_dot(ctx);
	assert_null(strstr(out, "topsecret"));
	free(out);
	flang_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_note_points_at_first),
		cmocka_unit_test(test_many_names),
		cmocka_unit_test(test_define_overrides),
		cmocka_unit_test(test_includes),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_secret_literal_masked),
		cmocka_unit_test(test_secret_never_rendered),
	};

	return cmocka_run_group_tests_name("lang check", tests, NULL, NULL);
}
