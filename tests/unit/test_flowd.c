// SPDX-License-Identifier: GPL-2.0
/*
 * flowd's logic: admission parsing and decisions, the diff of a
 * re-applied file, the handlers' state machine, and -- through a fake
 * engine behind daemon/engine.h -- a file applied, re-applied as a diff,
 * refused without change, and a FAILED flow retried from its bytes_done
 * then aborted.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "flowd-state.h"

/* ---- admission ---- */

static void test_admit_parse_errors(void **state)
{
	struct flowd_admit a;
	char err[256];

	(void)state;
	assert_int_equal(
		flowd_admit_parse(
			&a, "f.conf",
			"# c\nallow /dev/nvme*\n\nbudget uid 1000 500MiB/s\n"
			"budget device /dev/nvme1n1 1GiB/s\nunlimited clamp\n",
			err, sizeof(err)),
		0);
	assert_int_equal(a.nrules, 3);
	assert_true(a.any_allow && a.clamp);
	assert_int_equal(a.rules[1].uid, 1000);
	assert_int_equal(a.rules[1].rate, 500ull << 20);
	flowd_admit_free(&a);
	assert_int_equal(flowd_admit_parse(&a, "f.conf",
					   "allow /x\nbudget uid bob 1M\n", err,
					   sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "f.conf:2: 'bob' is not a uid");
	assert_int_equal(flowd_admit_parse(&a, "f.conf",
					   "budget device /x fast\n", err,
					   sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "f.conf:1: 'fast' is not a rate"));
	assert_int_equal(flowd_admit_parse(&a, "f.conf", "\n\nallw /x\n", err,
					   sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "f.conf:3: expected"));
}

static void test_admit_decisions(void **state)
{
	struct flowd_admit a;
	char err[256], why[512];
	struct flowd_admit_flow run[1] = {
		{"old", 1000, 300 << 20, 2, {"/dev/nvme0n1", "/dev/nvme1n1"}},
	};
	struct flowd_admit_flow ask[2] = {
		{"new", 1000, 100 << 20, 2, {"/dev/nvme0n1", "/srv/x.img"}},
		{"big", 1000, 200 << 20, 1, {"/dev/nvme0n1"}},
	};

	(void)state;
	assert_int_equal(flowd_admit_parse(&a, "c",
					   "allow /dev/nvme*\nallow /srv/*\n"
					   "budget uid 1000 500MiB/s\n",
					   err, sizeof(err)),
			 0);
	/* 300 running + 100 fits, + 200 does not: the whole file is refused */
	assert_int_equal(
		flowd_admit_check(&a, run, 1, ask, 2, why, sizeof(why)),
		-EDQUOT);
	assert_non_null(strstr(why, "flow 'big' asks 209715200 B/s"));
	assert_non_null(strstr(why, "has 104857600 B/s left"));
	assert_int_equal(
		flowd_admit_check(&a, run, 1, ask, 1, why, sizeof(why)), 0);
	/* a device off the allow-list */
	ask[0].devs[1] = "/home/x";
	assert_int_equal(
		flowd_admit_check(&a, run, 1, ask, 1, why, sizeof(why)),
		-EACCES);
	assert_non_null(strstr(why, "/home/x is not in the allow-list"));
	ask[0].devs[1] = "/srv/x.img";
	/* unlimited against a budget: refused, or clamped with 'unlimited clamp' */
	ask[0].rate = 0;
	assert_int_equal(
		flowd_admit_check(&a, run, 1, ask, 1, why, sizeof(why)),
		-EDQUOT);
	assert_int_equal(ask[0].rate, 0);
	a.clamp = true;
	assert_int_equal(
		flowd_admit_check(&a, run, 1, ask, 1, why, sizeof(why)), 0);
	assert_int_equal(ask[0].rate, 200 << 20);
	/* another uid has no budget */
	ask[0].uid = 0;
	ask[0].rate = 0;
	assert_int_equal(
		flowd_admit_check(&a, run, 1, ask, 1, why, sizeof(why)), 0);
	flowd_admit_free(&a);
}

/* ---- diff ---- */

static void test_diff(void **state)
{
	const char *on[] = {"a", "b", "c"}, *os[] = {"s1", "s2", "s3"};
	const char *nn[] = {"b", "a", "d"}, *ns[] = {"s2", "s1x", "s4"};
	enum flowd_diff_op op[3];
	int old_of[3];
	bool removed[3];

	(void)state;
	flowd_diff(on, os, 3, nn, ns, 3, op, old_of, removed);
	assert_int_equal(op[0], FLOWD_DIFF_KEEP);
	assert_int_equal(old_of[0], 1);
	assert_int_equal(op[1], FLOWD_DIFF_REPLACE);
	assert_int_equal(old_of[1], 0);
	assert_int_equal(op[2], FLOWD_DIFF_NEW);
	assert_false(removed[0] || removed[1]);
	assert_true(removed[2]);
}

static void test_sig(void **state)
{
	struct flowswitch_flow_create fc = {.nr_sinks = 1,
					    .chunk_size = 1 << 20};
	struct flowswitch_sink s[1] = {{.port_id = 7, .offset = 0}};
	const char *sp[] = {"/b"};
	int sf[] = {1};
	char *a, *b;

	(void)state;
	a = flowd_flow_sig(&fc, s, "/a", 0, sp, sf);
	fc.out_flow_id = 99; /* out fields and ids are not what a flow is */
	s[0].port_id = 8;
	b = flowd_flow_sig(&fc, s, "/a", 0, sp, sf);
	assert_string_equal(a, b);
	free(b);
	s[0].offset = 4096;
	b = flowd_flow_sig(&fc, s, "/a", 0, sp, sf);
	assert_string_not_equal(a, b);
	free(a);
	free(b);
}

/* ---- handlers ---- */

static void test_handler_retry_then_abort(void **state)
{
	struct flowd_handler h[1] = {{
		.event = FLANG_EV_IO_ERROR,
		.port_mask = 1u << 1,
		.nactions = 2,
		.actions =
			{
				{.kind = FLANG_ACT_RETRY,
				 .retries = 2,
				 .backoff_min_ns = 1000000,
				 .backoff_max_ns = 3000000},
				{.kind = FLANG_ACT_ABORT, .msg = "gave up"},
			},
	}};
	struct flowd_handler_state st = {.handler = -1u};
	struct flowd_step_out out;

	(void)state;
	/* another port's error is not this handler's */
	flowd_handle_failure(h, 1, FLANG_EV_IO_ERROR, 0, &st, &out);
	assert_int_equal(out.step, FLOWD_STEP_NONE);
	flowd_handle_failure(h, 1, FLANG_EV_IO_ERROR, 1, &st, &out);
	assert_int_equal(out.step, FLOWD_STEP_RETRY);
	assert_int_equal(out.delay_ns, 1000000);
	flowd_handle_failure(h, 1, FLANG_EV_IO_ERROR, 1, &st, &out);
	assert_int_equal(out.step, FLOWD_STEP_RETRY);
	assert_int_equal(out.delay_ns, 2000000);
	flowd_handle_failure(h, 1, FLANG_EV_IO_ERROR, 1, &st, &out);
	assert_int_equal(out.step, FLOWD_STEP_ABORT);
	assert_int_equal(out.nnotes, 1);
	assert_string_equal(out.notes[0].msg, "gave up");
	assert_int_equal(st.retries_total, 2);
	/* spent: nothing more */
	flowd_handle_failure(h, 1, FLANG_EV_IO_ERROR, 1, &st, &out);
	assert_int_equal(out.step, FLOWD_STEP_NONE);
}

static void test_handler_fallback_notify(void **state)
{
	struct flowd_handler h[1] = {{
		.event = FLANG_EV_P2P_UNAVAILABLE,
		.nactions = 2,
		.actions =
			{
				{.kind = FLANG_ACT_FALLBACK,
				 .prop = FLANG_PROP_POOL},
				{.kind = FLANG_ACT_NOTIFY,
				 .level = FLANG_NOTIFY_WARN,
				 .msg = "via host"},
			},
	}};
	struct flowd_handler_state st = {.handler = -1u};
	struct flowd_step_out out;

	(void)state;
	assert_int_equal(flowd_event_of_stage(FLOWSWITCH_STAGE_SELFTEST),
			 FLANG_EV_P2P_UNAVAILABLE);
	assert_int_equal(flowd_event_of_stage(FLOWSWITCH_STAGE_READ),
			 FLANG_EV_IO_ERROR);
	flowd_handle_failure(h, 1, FLANG_EV_P2P_UNAVAILABLE, -1, &st, &out);
	assert_int_equal(out.step, FLOWD_STEP_RETRY);
	assert_true(out.set_host_pool);
	flowd_handle_failure(h, 1, FLANG_EV_P2P_UNAVAILABLE, -1, &st, &out);
	assert_int_equal(out.step, FLOWD_STEP_NONE);
	assert_int_equal(out.nnotes, 1);
	assert_int_equal(out.notes[0].level, FLANG_NOTIFY_WARN);
}

static void test_resume_from(void **state)
{
	struct flowswitch_flow_create fc = {
		.src_offset = 100, .length = 1000, .nr_sinks = 2};
	struct flowswitch_sink s[2] = {{.offset = 0}, {.offset = 4096}};

	(void)state;
	flowd_resume_from(&fc, s, 300);
	assert_int_equal(fc.src_offset, 400);
	assert_int_equal(fc.length, 700);
	assert_int_equal(s[0].offset, 300);
	assert_int_equal(s[1].offset, 4396);
}

/* ---- a fake engine behind engine.h ---- */

struct fake {
	struct fsw_engine e;
	uint32_t next_id;
	unsigned int ntxn, nstart, nstop, ndestroy;
	int fail_item; /* refuse this item of the next txn, -1: none */
	struct flowswitch_flow_create last_fc;
	struct flowswitch_sink last_sinks[FLOWSWITCH_MAX_SINKS];
	struct flowswitch_flow_query q; /* what flow_query answers */
	struct flowswitch_event ev[8];
	unsigned int nev;
};

static struct fake *fk(struct fsw_engine *e)
{
	return (struct fake *)e;
}

static int f_txn(struct fsw_engine *e, struct flowswitch_txn *t)
{
	struct flowswitch_txn_item *it = (void *)(uintptr_t)t->items_uptr;
	unsigned int i;

	fk(e)->ntxn++;
	if (fk(e)->fail_item >= 0) {
		t->out_failed_item = (uint32_t)fk(e)->fail_item;
		t->out_failed_errno = ENOSPC;
		fk(e)->fail_item = -1;
		return -ENOSPC;
	}
	for (i = 0; i < t->nr_items; i++) {
		if (it[i].op == FLOWSWITCH_TXN_FLOW_CREATE) {
			struct flowswitch_flow_create *fc =
				(void *)(uintptr_t)it[i].cmd_uptr;

			fc->out_flow_id = ++fk(e)->next_id;
			fc->out_length = fc->length;
			fk(e)->last_fc = *fc;
			memcpy(fk(e)->last_sinks,
			       (void *)(uintptr_t)fc->sinks_uptr,
			       fc->nr_sinks * sizeof(struct flowswitch_sink));
			if (t->flags & FLOWSWITCH_TXN_START)
				fk(e)->nstart++;
		} else {
			struct flowswitch_port_create *pc =
				(void *)(uintptr_t)it[i].cmd_uptr;

			pc->out_port_id = ++fk(e)->next_id;
		}
	}
	return 0;
}

static int f_ctl(struct fsw_engine *e, uint32_t id, uint32_t op)
{
	(void)id;
	if (op == FLOWSWITCH_FLOW_START)
		fk(e)->nstart++;
	if (op == FLOWSWITCH_FLOW_STOP)
		fk(e)->nstop++;
	return 0;
}

static int f_query(struct fsw_engine *e, uint32_t id,
		   struct flowswitch_flow_query *q)
{
	*q = fk(e)->q;
	q->flow_id = id;
	return 0;
}

static int f_destroy(struct fsw_engine *e, uint32_t id)
{
	(void)id;
	fk(e)->ndestroy++;
	return 0;
}

static int f_event_fd(struct fsw_engine *e)
{
	(void)e;
	return -1;
}

static ssize_t f_read(struct fsw_engine *e, struct flowswitch_event *ev,
		      size_t n)
{
	ssize_t k = fk(e)->nev < n ? fk(e)->nev : n;

	memcpy(ev, fk(e)->ev, (size_t)k * sizeof(*ev));
	fk(e)->nev = 0;
	return k;
}

static void f_close(struct fsw_engine *e)
{
	(void)e;
}

static const struct fsw_engine_ops fake_ops = {
	.kind = FSW_ENGINE_URING,
	.name = "fake",
	.txn = f_txn,
	.flow_ctl = f_ctl,
	.flow_query = f_query,
	.destroy = f_destroy,
	.event_fd = f_event_fd,
	.read_events = f_read,
	.close = f_close,
};

static char dir[] = "/tmp/test_flowd.XXXXXX";
static char flowfile[300], src[300], dst[300];

static void write_flow(const char *rate_two, const char *handler)
{
	FILE *f = fopen(flowfile, "w");

	assert_non_null(f);
	fprintf(f,
		"flowlang 1;\ndevice a = file(path=\"%s\");\n"
		"device b = file(path=\"%s\");\n"
		"flow one [rate=1MiB/s] {\n\tread(a) -> [chunk=64KiB, depth=2] "
		"write(b);\n%s}\n"
		"flow two [rate=%s] {\n\tread(a) -> [chunk=64KiB, depth=2] "
		"write(b, offset=1MiB);\n}\n",
		src, dst, handler, rate_two);
	fclose(f);
}

static struct dflow *find(struct flowd *d, const char *name)
{
	unsigned int i;

	for (i = 0; i < d->files[0]->nflows; i++)
		if (!strcmp(d->files[0]->flows[i]->name, name))
			return d->files[0]->flows[i];
	return NULL;
}

static void test_apply_diff_retry_abort(void **state)
{
	struct fake fe = {.e = {&fake_ops}, .fail_item = -1};
	struct flowd d = {.eng = &fe.e};
	char *why = NULL;
	uint32_t id_one, id_two;
	struct dflow *one, *two;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(flowfile, sizeof(flowfile), "%s/x.flow", dir);
	snprintf(src, sizeof(src), "%s/src", dir);
	snprintf(dst, sizeof(dst), "%s/dst", dir);
	f = fopen(src, "w");
	assert_non_null(f);
	assert_int_equal(ftruncate(fileno(f), 1 << 20), 0);
	fclose(f);
	f = fopen(dst, "w");
	fclose(f);
	write_flow("2MiB/s", "\ton io_error(b) retry 2 backoff 1ms..2ms then "
			     "abort \"bad disk\";\n");

	/* applied as one transaction, then both started */
	assert_int_equal(flowd_apply_file(&d, flowfile, 0, true, &why), 0);
	assert_int_equal(fe.ntxn, 1);
	assert_int_equal(fe.nstart, 2);
	one = find(&d, "one");
	two = find(&d, "two");
	assert_non_null(one);
	assert_non_null(two);
	id_one = one->id;
	id_two = two->id;

	/* a change to two only: one keeps its id, two is replaced */
	write_flow("3MiB/s", "\ton io_error(b) retry 2 backoff 1ms..2ms then "
			     "abort \"bad disk\";\n");
	assert_int_equal(flowd_apply_file(&d, flowfile, 0, true, &why), 0);
	assert_int_equal(find(&d, "one")->id, id_one);
	assert_int_not_equal(find(&d, "two")->id, id_two);
	assert_int_equal(fe.last_fc.rate_bps, 3 << 20);
	assert_int_equal(fe.nstop, 1);

	/* a refused new version changes nothing */
	id_two = find(&d, "two")->id;
	write_flow("4MiB/s", "\ton io_error(b) retry 2 backoff 1ms..2ms then "
			     "abort \"bad disk\";\n");
	/* ports a, b, then flow two (one is kept): reported at two's line */
	fe.fail_item = 2;
	assert_int_equal(flowd_apply_file(&d, flowfile, 0, true, &why), 1);
	assert_non_null(why);
	assert_non_null(strstr(
		why, ":8:1: error[K0028]: the kernel refused flow 'two'"));
	free(why);
	assert_int_equal(find(&d, "two")->id, id_two);
	assert_int_equal(find(&d, "one")->id, id_one);
	assert_int_equal(fe.nstop, 1);

	/* flow one fails writing b at 128 KiB: retried from there, twice */
	one = find(&d, "one");
	fe.q = (struct flowswitch_flow_query){.state = FLOWSWITCH_FLOW_FAILED,
					      .error = EIO,
					      .fail_stage =
						      FLOWSWITCH_STAGE_WRITE,
					      .fail_sink = 0,
					      .bytes_done = 128 << 10};
	fe.ev[0] =
		(struct flowswitch_event){.type = FLOWSWITCH_EVENT_FLOW_STATE,
					  .flow_id = id_one,
					  .state = FLOWSWITCH_FLOW_FAILED,
					  .error = EIO,
					  .bytes_done = 128 << 10};
	fe.nev = 1;
	flowd_events(&d);
	assert_int_equal(one->id, 0);
	assert_int_equal(d.retries, 1);
	usleep(3000);
	flowd_retries_run(&d);
	assert_int_not_equal(one->id, 0);
	assert_int_equal(fe.last_fc.src_offset, 128 << 10);
	/* "to the end of the source": the length follows the offset */
	assert_true((fe.last_fc.flags & FLOWSWITCH_FLOW_TO_END) ||
		    fe.last_fc.length == (1 << 20) - (128 << 10));
	assert_int_equal(fe.last_sinks[0].offset, 128 << 10);

	fe.ev[0].flow_id = one->id;
	fe.nev = 1;
	fe.q.bytes_done = 64 << 10;
	flowd_events(&d);
	usleep(3000);
	flowd_retries_run(&d);
	assert_int_equal(fe.last_fc.src_offset, 192 << 10);
	assert_int_equal(one->base, 192 << 10);

	/* third failure: retries spent, abort stops the file's flows */
	fe.ev[0].flow_id = one->id;
	fe.nev = 1;
	flowd_events(&d);
	assert_int_equal(one->id, 0);
	assert_int_equal(one->retry_at, 0);
	assert_string_equal(one->outcome, "aborted: bad disk");
	assert_int_equal(find(&d, "two")->id, 0);
	assert_int_equal(find(&d, "two")->state, FLOWSWITCH_FLOW_STOPPED);

	flowd_remove_file(&d, flowfile);
	assert_int_equal(d.nfiles, 0);
	free(d.files);
	unlink(flowfile);
	unlink(src);
	unlink(dst);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_admit_parse_errors),
		cmocka_unit_test(test_admit_decisions),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_sig),
		cmocka_unit_test(test_handler_retry_then_abort),
		cmocka_unit_test(test_handler_fallback_notify),
		cmocka_unit_test(test_resume_from),
		cmocka_unit_test(test_apply_diff_retry_abort),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
