// SPDX-License-Identifier: GPL-2.0
/*
 * Planner: names become indices, quantities base units, every item keeps
 * the span that made it, and the planner's own decisions (the implicit
 * host pool, host buffers around CPU stages) are visible in the plan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "flowlang.h"

static const char brief[] =
	"flowlang 1;\n"						/* 1 */
	"param key : secret = keyring(\"%user:flow/k1\");\n"
	"param chunk : size = 1MiB;\n"
	"param conn : fd = 3;\n"
	"device a = nvme(path=\"/dev/nvme0n1\");\n"		/* 5 */
	"device b = nvme(path=\"/dev/nvme1n1\");\n"
	"device s = socket(fd=$conn);\n"
	"device f = file(path=\"/srv/in.bin\", direct=true);\n"
	"pool stage = p2p(near(a, b), size=16MiB);\n"
	"flow clone [priority=background, rate=1.5GiB/s] {\n"	/* 10 */
	"\tread(a, range=0..end) -> [chunk=$chunk, depth=16, pool=stage] write(b, offset=0);\n"
	"\tpool = stage preferred;\n"
	"\ton p2p_unavailable fallback pool=host then notify warn;\n"
	"\ton io_error(a) retry 3 backoff 1ms..100ms then abort;\n"
	"\ton device_removed(a|b) abort;\n"			/* 15 */
	"}\n"
	"flow seal {\n"
	"\tf -> [chunk=64KiB, depth=8] aead(alg=\"gcm(aes)\", key=$key) -> s;\n"
	"\ton peer_closed stop;\n"
	"}\n";

static struct flang_ctx *compile_ok(const char *text)
{
	struct flang_ctx *ctx = flang_ctx_new();
	int ret = flang_compile_buffer(ctx, "p.flow", text, strlen(text));

	if (ret) {
		char *s = flang_diags_text(ctx);

		print_error("%s", s);
		free(s);
	}
	assert_int_equal(ret, 0);
	assert_non_null(flang_plan_get(ctx));
	return ctx;
}

static void test_ports_and_pools(void **state)
{
	struct flang_ctx *ctx = compile_ok(brief);
	const struct flang_plan *p = flang_plan_get(ctx);

	(void)state;
	assert_int_equal(p->nports, 4);
	assert_string_equal(p->ports[0].name, "a");
	assert_int_equal(p->ports[0].kind, FLANG_PORT_NVME);
	assert_string_equal(p->ports[0].path, "/dev/nvme0n1");
	assert_int_equal(p->ports[2].kind, FLANG_PORT_SOCKET);
	assert_int_equal(p->ports[2].fd, 3);
	assert_true(p->ports[3].direct);
	assert_int_equal(p->ports[3].span.line, 8);
	/* the declared pool, then the implicit host pool */
	assert_int_equal(p->npools, 2);
	assert_string_equal(p->pools[0].name, "stage");
	assert_int_equal(p->pools[0].kind, FLANG_POOL_P2P);
	assert_int_equal(p->pools[0].size, 16u << 20);
	assert_int_equal(p->pools[0].near[0], 0);
	assert_int_equal(p->pools[0].near[1], 1);
	assert_int_equal(p->pools[0].span.line, 9);
	assert_int_equal(p->pools[1].kind, FLANG_POOL_HOST);
	assert_true(p->pools[1].implicit);
	flang_ctx_free(ctx);
}

static void test_flow_stages(void **state)
{
	struct flang_ctx *ctx = compile_ok(brief);
	const struct flang_plan *p = flang_plan_get(ctx);
	const struct flang_plan_flow *f = &p->flows[0];
	const struct flang_plan_flow *g = &p->flows[1];

	(void)state;
	assert_int_equal(p->nflows, 2);
	assert_string_equal(f->name, "clone");
	assert_int_equal(f->priority, FLANG_PRIO_BACKGROUND);
	assert_true(f->rate == 1610612736ull);
	assert_true(f->range_start == 0);
	assert_true(f->range_end == FLANG_RANGE_END);
	assert_int_equal(f->nstages, 2);
	assert_int_equal(f->stages[0].kind, FLANG_STAGE_SOURCE);
	assert_int_equal(f->stages[0].port, 0);
	assert_int_equal(f->stages[0].in_pool, FLANG_NO_INDEX);
	assert_int_equal(f->stages[1].kind, FLANG_STAGE_SINK);
	assert_int_equal(f->stages[1].port, 1);
	assert_int_equal(f->stages[1].in_pool, 0);
	assert_int_equal(f->stages[1].in_strength, FLANG_PREFERRED);
	assert_int_equal(f->stages[1].chunk, 1u << 20);
	assert_int_equal(f->stages[1].depth, 16);
	assert_int_equal(f->stages[1].span.line, 11);

	assert_int_equal(g->nstages, 3);
	assert_int_equal(g->stages[1].kind, FLANG_STAGE_TRANSFORM);
	assert_int_equal(g->stages[1].xf, FLANG_XF_AEAD);
	assert_true(g->stages[1].cpu);
	assert_string_equal(g->stages[1].alg, "gcm(aes)");
	assert_int_equal(g->stages[1].key.kind, FLANG_SECRET_KEYRING);
	assert_string_equal(g->stages[1].key.ref, "%user:flow/k1");
	assert_int_equal(g->stages[1].in_pool, 1);
	assert_int_equal(g->stages[2].port, 2);
	flang_ctx_free(ctx);
}

static void test_handlers(void **state)
{
	struct flang_ctx *ctx = compile_ok(brief);
	const struct flang_plan_flow *f = &flang_plan_get(ctx)->flows[0];
	const struct flang_plan_handler *h;

	(void)state;
	assert_int_equal(f->nhandlers, 3);
	h = &f->handlers[0];
	assert_int_equal(h->event, FLANG_EV_P2P_UNAVAILABLE);
	assert_int_equal(h->nactions, 2);
	assert_int_equal(h->actions[0].kind, FLANG_ACT_FALLBACK);
	assert_int_equal(h->actions[0].prop, FLANG_PROP_POOL);
	assert_int_equal(h->actions[0].pool, 1);	/* implicit host */
	assert_int_equal(h->actions[1].kind, FLANG_ACT_NOTIFY);
	assert_int_equal(h->actions[1].level, FLANG_NOTIFY_WARN);
	h = &f->handlers[1];
	assert_int_equal(h->event, FLANG_EV_IO_ERROR);
	assert_true(h->port_mask == 1);
	assert_int_equal(h->actions[0].retries, 3);
	assert_true(h->actions[0].backoff_min_ns == 1000000);
	assert_true(h->actions[0].backoff_max_ns == 100000000);
	assert_int_equal(h->actions[1].kind, FLANG_ACT_ABORT);
	assert_int_equal(h->span.line, 14);
	assert_int_equal(h->actions[1].span.line, 14);
	h = &f->handlers[2];
	assert_true(h->port_mask == 3);
	flang_ctx_free(ctx);
}

static void test_host_inserted(void **state)
{
	static const char text[] =
		"flowlang 1;\n"
		"device a = nvme(path=\"/dev/a\");\n"
		"device b = nvme(path=\"/dev/b\");\n"
		"pool p = cmb(b);\n"
		"flow f {\n"
		"\ta -> [pool=p] digest -> [pool=host] b;\n"
		"\ta -> [pool=p] b;\n"
		"\tpool = p preferred;\n"
		"\ton pool_exhausted fallback pool=host;\n"
		"}\n";
	struct flang_ctx *ctx = compile_ok(text);
	const struct flang_plan *p = flang_plan_get(ctx);
	const struct flang_plan_flow *f = &p->flows[0];

	(void)state;
	/* exactly one warning, the inserted host buffer */
	assert_int_equal(flang_warning_count(ctx), 1);
	assert_string_equal(flang_diag_get(ctx, 0)->code, "W0505");
	assert_int_equal(f->nstages, 5);
	assert_int_equal(f->stages[1].chain, 0);
	assert_true(f->stages[1].host_inserted);
	assert_int_equal(f->stages[1].wanted_pool, 0);
	assert_int_equal(p->pools[f->stages[1].in_pool].kind, FLANG_POOL_HOST);
	/* the second chain keeps its p2p buffer */
	assert_int_equal(f->stages[4].chain, 1);
	assert_false(f->stages[4].host_inserted);
	assert_int_equal(f->stages[4].in_pool, 0);
	assert_int_equal(p->pools[0].provider, 1);
	flang_ctx_free(ctx);
}

static void test_explain_and_dot(void **state)
{
	struct flang_ctx *ctx = compile_ok(brief);
	char *out;
	int err;

	(void)state;
	out = flang_plan_explain(ctx, "seal", &err);
	assert_non_null(out);
	assert_non_null(strstr(out, "P2P verdicts need the kernel"));
	assert_non_null(strstr(out, "flow seal"));
	assert_null(strstr(out, "flow clone"));
	free(out);
	out = flang_plan_explain(ctx, NULL, &err);
	assert_non_null(strstr(out, "on p2p_unavailable -> pool host"));
	assert_non_null(strstr(out, "decided by the kernel"));
	free(out);
	assert_null(flang_plan_explain(ctx, "nope", &err));
	assert_int_equal(err, -ENOENT);
	out = flang_plan_dot(ctx);
	assert_non_null(out);
	assert_non_null(strstr(out, "digraph flows {"));
	assert_non_null(strstr(out, "\"port0\" -> \"port1\""));
	assert_non_null(strstr(out, "style=bold"));
	free(out);
	flang_ctx_free(ctx);
}

/* A kernel refusal of a plan item, reported at the item's source. */
static void test_refusal_maps_to_source(void **state)
{
	struct flang_ctx *ctx = compile_ok(brief);
	const struct flang_plan *p = flang_plan_get(ctx);
	struct flang_span at = p->flows[0].stages[1].span;
	char *out;

	(void)state;
	assert_int_equal(flang_diag_add(ctx, FLANG_SEV_ERROR, "K0095", &at,
					"the kernel refused this stage: no P2P path between a and b",
					"mark 'pool = stage preferred'"), 0);
	assert_int_equal(flang_error_count(ctx), 1);
	out = flang_diags_text(ctx);
	assert_non_null(strstr(out, "p.flow:11:64: error[K0095]: the kernel refused"));
	assert_non_null(strstr(out, "write(b, offset=0);\n"));
	assert_non_null(strstr(out, "^~~~~~~~~~~~~~~~~~"));
	assert_non_null(strstr(out, "  help: mark"));
	free(out);
	flang_ctx_free(ctx);
}

static void test_no_plan_after_errors(void **state)
{
	static const char text[] = "flowlang 1;\nflow f { a -> b; }\n";
	struct flang_ctx *ctx = flang_ctx_new();
	int err;

	(void)state;
	assert_int_equal(flang_compile_buffer(ctx, "t", text, strlen(text)), 1);
	assert_null(flang_plan_get(ctx));
	assert_null(flang_plan_dot(ctx));
	assert_null(flang_plan_explain(ctx, NULL, &err));
	flang_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ports_and_pools),
		cmocka_unit_test(test_flow_stages),
		cmocka_unit_test(test_handlers),
		cmocka_unit_test(test_host_inserted),
		cmocka_unit_test(test_explain_and_dot),
		cmocka_unit_test(test_refusal_maps_to_source),
		cmocka_unit_test(test_no_plan_after_errors),
	};

	return cmocka_run_group_tests_name("lang plan", tests, NULL, NULL);
}
