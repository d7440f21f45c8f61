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
#include "flowlang-txn.h"
#include "flowswitch.h"

static void apply_usage(FILE *out)
{
	fprintf(out,
		"usage: flowctl apply FILE [--wait] [--json] [-I DIR]... [-D NAME=VALUE]...\n"
		"  -I, --include DIR      search DIR for included files\n"
		"  -D, --define NAME=VAL  override param NAME\n"
		"  -w, --wait             report every flow's end; exit 0 only if all are done\n"
		"  -j, --json             print the flows as JSON\n");
}

static void print_diags(struct flang_ctx *ctx)
{
	char *s = flang_diags_text(ctx);

	if (s)
		fputs(s, stderr);
	free(s);
}

/* "clone", or "clone.1" for the second chain of a flow with several. */
static const char *flow_name(const struct flang_txn_info *in, char *buf,
			     size_t len)
{
	if (in->nchains <= 1)
		return in->name;
	snprintf(buf, len, "%s.%u", in->name, in->chain);
	return buf;
}

/* The PCI function of an NVMe namespace /dev/nvmeXnY, from sysfs. */
static int nvme_pci_addr(const char *path, uint32_t *addr)
{
	char sys[PATH_MAX], link[PATH_MAX], *p;
	const char *dev = strrchr(path, '/');
	ssize_t n;

	snprintf(sys, sizeof(sys), "/sys/class/block/%s/device/device",
		 dev ? dev + 1 : path);
	n = readlink(sys, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = 0;
	p = strrchr(link, '/');
	return flang_pci_addr(p ? p + 1 : link, addr);
}

/* Add an error at @at and print the diagnostics; returns 1. */
static int fail_at(struct flang_ctx *ctx, int err, const struct flang_span *at,
		   const char *msg, const char *help)
{
	char code[8];

	snprintf(code, sizeof(code), "K%04d", err > 0 && err < 10000 ? err : 0);
	flang_diag_add(ctx, FLANG_SEV_ERROR, code, at, msg, help);
	print_diags(ctx);
	return 1;
}

static void close_fds(struct flang_txn *t)
{
	unsigned int i;

	for (i = 0; i < t->nports; i++)
		if (t->ports[i].fd >= 0)
			close(t->ports[i].fd);
}

/* Open what the ports name and resolve cmb providers; 0 or exit code. */
static int prepare(struct flang_ctx *ctx, struct flang_txn *t)
{
	char msg[PATH_MAX + 128];
	unsigned int i;
	int ret;

	for (i = 0; i < t->nitems; i++) {
		struct flang_txn_info *in = &t->info[i];

		if (in->kind == FLANG_TXN_PORT && in->path) {
			int fd = open(in->path, in->oflags | O_CLOEXEC, 0644);

			if (fd < 0) {
				ret = errno;
				snprintf(msg, sizeof(msg),
					 "device '%s': cannot open %s: %s",
					 in->name, in->path, strerror(ret));
				return fail_at(ctx, ret, &in->span, msg, NULL);
			}
			t->ports[in->cmd].fd = fd;
		}
		if (in->kind == FLANG_TXN_FLOW && in->provider_path) {
			ret = nvme_pci_addr(in->provider_path,
					    &t->flows[in->cmd].p2p_provider);
			if (ret) {
				snprintf(msg, sizeof(msg),
					 "cannot find the PCI function of %s: %s",
					 in->provider_path, strerror(-ret));
				return fail_at(ctx, -ret, &in->provider_span,
					       msg, NULL);
			}
		}
	}
	return 0;
}

/*
 * Why no p2p memory could serve flow item @item.  A refused transaction
 * writes back no item's out fields, so ask again: the ports and that flow
 * alone, PREFERRED and not started, whose out_p2p_reason says why; then
 * undo it.  The ports' fds must still be open.
 */
static unsigned int exdev_reason(int fsw, struct flang_txn *t,
				 unsigned int item)
{
	static struct flowswitch_txn_item items[FLANG_TXN_MAX_ITEMS];
	struct flowswitch_flow_create fc = t->flows[t->info[item].cmd];
	struct flowswitch_txn probe = { .size = sizeof(probe) };
	unsigned int i, n = 0;

	/* The ports come first, so their items keep their indices. */
	for (i = 0; i < t->nitems && t->info[i].kind == FLANG_TXN_PORT; i++)
		items[n++] = t->items[i];
	fc.placement = FLOWSWITCH_P2P_PREFERRED;
	items[n].op = FLOWSWITCH_TXN_FLOW_CREATE;
	items[n].cmd_uptr = (uintptr_t)&fc;
	probe.nr_items = ++n;
	probe.items_uptr = (uintptr_t)items;
	if (fsw_txn(fsw, &probe) < 0)
		return FLOWSWITCH_P2P_OK;
	fsw_destroy(fsw, fc.out_flow_id);
	for (i = 0; i < t->nports; i++)
		fsw_destroy(fsw, t->ports[i].out_port_id);
	return fc.out_p2p_reason;
}

/* The kernel refused item out_failed_item: say so at its span. */
static int refused(struct flang_ctx *ctx, int fsw, struct flang_txn *t,
		   int ret)
{
	unsigned int item = t->txn.out_failed_item;
	int err = t->txn.out_failed_errno ? (int)t->txn.out_failed_errno : -ret;
	const struct flang_txn_info *in;
	char msg[512], nb[128];

	if (item >= t->nitems) {
		fprintf(stderr, "flowctl apply: transaction: %s\n",
			strerror(err));
		return 1;
	}
	in = &t->info[item];
	if (in->kind == FLANG_TXN_PORT) {
		snprintf(msg, sizeof(msg),
			 "the kernel refused device '%s' (%s): %s", in->name,
			 in->path ? in->path : "?", strerror(err));
		return fail_at(ctx, err, &in->span, msg, NULL);
	}
	if (err == EXDEV) {
		snprintf(msg, sizeof(msg),
			 "the kernel refused flow '%s': p2p memory required but refused: %s",
			 flow_name(in, nb, sizeof(nb)),
			 fsw_p2p_reason_name(exdev_reason(fsw, t, item)));
		return fail_at(ctx, err, &in->span, msg,
			       "mark the pool 'preferred' (with a fallback) to accept host memory");
	}
	snprintf(msg, sizeof(msg), "the kernel refused flow '%s': %s",
		 flow_name(in, nb, sizeof(nb)), strerror(err));
	return fail_at(ctx, err, &in->span, msg,
		       err == EINVAL || err == ENOSPC ?
			       "check the flow's range against the devices' sizes" :
			       NULL);
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
			printf(" (no p2p: %s)", fsw_p2p_reason_name(q.p2p_reason));
		if (q.state == FLOWSWITCH_FLOW_FAILED)
			printf("; failed: %s in %s at source offset %llu",
			       strerror(q.error), fsw_stage_name(q.fail_stage),
			       (unsigned long long)q.fail_offset);
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
			printf("flow %s: id %u\n", flow_name(in, nb, sizeof(nb)),
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

	ret = flang_compile_file(ctx, file);
	if (ret < 0) {
		fprintf(stderr, "flowctl apply: %s: %s\n", file, strerror(-ret));
		return 2;
	}
	if (ret) {
		print_diags(ctx);
		return 1;
	}
	t = malloc(sizeof(*t));
	if (!t) {
		fprintf(stderr, "flowctl apply: out of memory\n");
		return 2;
	}
	ret = flang_txn_build(ctx, t);
	if (ret < 0) {
		fprintf(stderr, "flowctl apply: %s\n", strerror(-ret));
		ret = 2;
		goto out;
	}
	if (ret) {
		print_diags(ctx);
		goto out;
	}
	/* Warnings are printed with a refusal, or before the flows. */
	ret = prepare(ctx, t);
	if (ret) {
		close_fds(t);
		goto out;
	}
	fsw = fsw_open(getenv("FLOWSWITCH_DEVICE"));
	if (fsw < 0) {
		if (flang_diag_count(ctx))
			print_diags(ctx);
		fprintf(stderr, "flowctl apply: %s: %s%s%s\n",
			FSW_DEFAULT_DEVICE, strerror(-fsw),
			*fsw_open_hint(fsw) ? "; " : "", fsw_open_hint(fsw));
		close_fds(t);
		ret = 1;
		goto out;
	}
	ret = fsw_txn(fsw, &t->txn);
	if (ret < 0)
		ret = refused(ctx, fsw, t, ret);
	close_fds(t);	/* the ports hold their own references */
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
		{ "wait", no_argument, NULL, 'w' },
		{ "json", no_argument, NULL, 'j' },
		{ "include", required_argument, NULL, 'I' },
		{ "define", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
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
				fprintf(stderr, "flowctl apply: out of memory\n");
				goto out;
			}
			break;
		case 'D':
			err = flang_ctx_set_param(ctx, optarg);
			if (err) {
				fprintf(stderr, err == -EINVAL ?
					"flowctl apply: -D expects NAME=VALUE, got '%s'\n" :
					"flowctl apply: out of memory (%s)\n",
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
