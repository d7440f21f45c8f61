// SPDX-License-Identifier: GPL-2.0
/*
 * flowctl apply: a .flow file as one FLOWSWITCH_IOC_TXN.  libflowlang
 * checks the file and translates its plan (flang_txn_build); this file
 * does the I/O: it opens the devices, runs the transaction, reports a
 * refused item as a diagnostic at the file:line:col that made it, and
 * waits for the flows.  Until flowd holds flows, they live as long as this
 * process's descriptor, so apply always stays until every flow has ended.
 *
 * Exit: 0 the kernel took the file (and, with --wait, every flow is
 * done), 1 errors in the file, a refusal or a flow that did not finish,
 * 2 usage or I/O error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flowctl.h"
#include "apply.h"
#include "flowswitch.h"

static void apply_usage(FILE *out)
{
	fprintf(out, "usage: flowctl apply FILE [--wait] [--json] [-I DIR]... "
		     "[-D NAME=VALUE]...\n"
		     "  -I, --include DIR      search DIR for included files\n"
		     "  -D, --define NAME=VAL  override param NAME\n"
		     "  -w, --wait             report every flow's end; exit 0 "
		     "only if all are done\n"
		     "  -j, --json             print the flows as JSON\n");
}

static void print_diags(struct flang_ctx *ctx)
{
	char *s = flang_diags_text(ctx);

	if (s)
		fputs(s, stderr);
	free(s);
}

static int fd_txn(void *arg, struct flowswitch_txn *txn)
{
	return fsw_txn(*(int *)arg, txn);
}

static int fd_destroy(void *arg, unsigned int id)
{
	return fsw_destroy(*(int *)arg, id);
}

#define flow_name fsw_apply_flow_name

/* The driver the kernel gave each of the flow's stages (at create). */
static void print_engines(const struct flang_txn *t, unsigned int cmd,
			  bool json)
{
	const struct flowswitch_flow_create *fc = &t->flows[cmd];
	unsigned int j;

	if (!fc->nr_stages)
		return;
	printf(json ? ",\"engines\":[" : "; engines:");
	for (j = 0; j < fc->nr_stages; j++)
		printf(json ? "%s\"%s\"" : "%s %s", j ? "," : "",
		       t->stages[cmd][j].out_driver);
	if (json)
		printf("]");
}

static int wait_flows(int fsw, struct flang_txn *t, bool json)
{
	unsigned int i, state, nflows = 0;
	bool all_done = true;
	char nb[128];

	if (json)
		printf("{\"flows\":[");
	for (i = 0; i < t->nitems; i++) {
		const struct flang_txn_info *in = &t->info[i];
		const struct flowswitch_flow_create *fc;
		struct flowswitch_flow_query q;
		int ret;

		if (in->kind != FLANG_TXN_FLOW)
			continue;
		fc = &t->flows[in->cmd];
		ret = fsw_flow_wait(fsw, fc->out_flow_id, 0, &state);
		if (!ret)
			ret = fsw_flow_query(fsw, fc->out_flow_id, &q);
		if (ret) {
			fprintf(stderr, "flowctl apply: flow '%s': %s\n",
				flow_name(in, nb, sizeof(nb)), strerror(-ret));
			all_done = false;
			continue;
		}
		if (q.state != FLOWSWITCH_FLOW_DONE)
			all_done = false;
		if (json) {
			printf("%s{\"name\":\"%s\",\"id\":%u,\"state\":\"%s\","
			       "\"bytes_done\":%llu,\"length\":%llu,"
			       "\"pool\":\"%s\",\"p2p_reason\":\"%s\"",
			       nflows++ ? "," : "",
			       flow_name(in, nb, sizeof(nb)), fc->out_flow_id,
			       fsw_state_name(q.state),
			       (unsigned long long)q.bytes_done,
			       (unsigned long long)q.length,
			       q.pool == FLOWSWITCH_POOL_P2P ? "p2p" : "host",
			       fsw_p2p_reason_name(q.p2p_reason));
			if (q.state == FLOWSWITCH_FLOW_FAILED)
				printf(",\"error\":\"%s\",\"stage\":\"%s\"",
				       strerror(q.error),
				       fsw_stage_name(q.fail_stage));
			print_engines(t, in->cmd, true);
			printf("}");
			continue;
		}
		printf("flow %s (id %u): %s, %llu of %llu bytes, %s pool",
		       flow_name(in, nb, sizeof(nb)), fc->out_flow_id,
		       fsw_state_name(q.state),
		       (unsigned long long)q.bytes_done,
		       (unsigned long long)q.length,
		       q.pool == FLOWSWITCH_POOL_P2P ? "p2p" : "host");
		if (q.pool != FLOWSWITCH_POOL_P2P && q.p2p_reason)
			printf(" (no p2p: %s)",
			       fsw_p2p_reason_name(q.p2p_reason));
		if (q.state == FLOWSWITCH_FLOW_FAILED)
			printf("; failed: %s in %s at source offset %llu",
			       strerror(q.error), fsw_stage_name(q.fail_stage),
			       (unsigned long long)q.fail_offset);
		print_engines(t, in->cmd, false);
		printf("\n");
	}
	if (json)
		printf("],\"all_done\":%s}\n", all_done ? "true" : "false");
	return all_done ? 0 : 1;
}

static void print_created(const struct flang_txn *t, bool json)
{
	unsigned int i, n = 0;
	char nb[128];

	for (i = 0; i < t->nitems; i++) {
		const struct flang_txn_info *in = &t->info[i];

		if (in->kind != FLANG_TXN_FLOW)
			continue;
		if (json)
			printf("%s{\"name\":\"%s\",\"id\":%u}",
			       n++ ? "," : "{\"created\":[",
			       flow_name(in, nb, sizeof(nb)),
			       t->flows[in->cmd].out_flow_id);
		else
			printf("flow %s: id %u\n",
			       flow_name(in, nb, sizeof(nb)),
			       t->flows[in->cmd].out_flow_id);
	}
	if (json)
		printf("%s]}\n", n ? "" : "{\"created\":[");
	fflush(stdout);
}

static int apply_run(struct flang_ctx *ctx, const char *file, bool wait,
		     bool json)
{
	struct flang_txn *t;
	unsigned int i, state;
	int ret, fsw;

	t = malloc(sizeof(*t));
	if (!t) {
		fprintf(stderr, "flowctl apply: out of memory\n");
		return 2;
	}
	ret = fsw_apply_load(ctx, file, t);
	if (ret < 0) {
		fprintf(stderr, "flowctl apply: %s: %s\n", file,
			strerror(-ret));
		ret = 2;
		goto out;
	}
	if (ret) {
		print_diags(ctx);
		goto out;
	}
	/* Warnings are printed with a refusal, or before the flows. */
	fsw = fsw_open(getenv("FLOWSWITCH_DEVICE"));
	if (fsw < 0) {
		if (flang_diag_count(ctx))
			print_diags(ctx);
		fprintf(stderr, "flowctl apply: %s: %s%s%s\n",
			FSW_DEFAULT_DEVICE, strerror(-fsw),
			*fsw_open_hint(fsw) ? "; " : "", fsw_open_hint(fsw));
		fsw_apply_close_fds(t);
		ret = 1;
		goto out;
	}
	ret = fsw_txn(fsw, &t->txn);
	if (ret < 0) {
		struct fsw_apply_ops ops = {fd_txn, fd_destroy, &fsw};

		ret = fsw_apply_refused(ctx, &ops, t, ret);
		print_diags(ctx);
	}
	fsw_apply_close_fds(t); /* the ports hold their own references */
	if (ret) {
		close(fsw);
		goto out;
	}
	if (flang_diag_count(ctx))
		print_diags(ctx);
	print_created(t, json && !wait);
	if (wait) {
		ret = wait_flows(fsw, t, json);
	} else {
		/* The flows end with this descriptor: stay until they do. */
		for (i = 0; i < t->nflows; i++)
			fsw_flow_wait(fsw, t->flows[i].out_flow_id, 0, &state);
		ret = 0;
	}
	close(fsw);
out:
	free(t);
	return ret;
}

int flowctl_apply(int argc, char **argv)
{
	static const struct option opts[] = {
		{"wait", no_argument, NULL, 'w'},
		{"json", no_argument, NULL, 'j'},
		{"include", required_argument, NULL, 'I'},
		{"define", required_argument, NULL, 'D'},
		{"help", no_argument, NULL, 'h'},
		{}};
	struct flang_ctx *ctx = flang_ctx_new();
	bool wait = false, json = false;
	int c, err, ret = 2;

	if (!ctx) {
		fprintf(stderr, "flowctl apply: out of memory\n");
		return 2;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "wjI:D:h", opts, NULL)) != -1) {
		switch (c) {
		case 'w':
			wait = true;
			break;
		case 'j':
			json = true;
			break;
		case 'I':
			if (flang_ctx_add_include_path(ctx, optarg) < 0) {
				fprintf(stderr,
					"flowctl apply: out of memory\n");
				goto out;
			}
			break;
		case 'D':
			err = flang_ctx_set_param(ctx, optarg);
			if (err) {
				fprintf(stderr,
					err == -EINVAL
						? "flowctl apply: -D expects "
						  "NAME=VALUE, got '%s'\n"
						: "flowctl apply: out of "
						  "memory (%s)\n",
					optarg);
				goto out;
			}
			break;
		case 'h':
			apply_usage(stdout);
			ret = 0;
			goto out;
		default:
			apply_usage(stderr);
			goto out;
		}
	}
	if (optind != argc - 1) {
		apply_usage(stderr);
		goto out;
	}
	ret = apply_run(ctx, argv[optind], wait, json);
out:
	flang_ctx_free(ctx);
	return ret;
}
