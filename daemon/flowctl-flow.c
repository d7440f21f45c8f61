// SPDX-License-Identifier: GPL-2.0
/*
 * flowctl copy: one flow from a source to one or more sinks, run to its
 * end in the kernel -- the data never enters this process.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "flowctl.h"
#include "flowswitch.h"

static void copy_usage(FILE *out)
{
	fprintf(out,
		"usage: flowctl copy [OPTIONS] SRC DST [DST...]\n"
		"  -c, --chunk SIZE        bytes per chunk (default 1M)\n"
		"  -q, --depth N           chunks in flight (default 16)\n"
		"  -o, --offset SIZE       first source byte (default 0)\n"
		"  -l, --length SIZE       bytes to move (default: to the end)\n"
		"  -s, --sink-offset SIZE  where in each sink (default 0)\n"
		"  -r, --rate SIZE         bytes per second at most\n"
		"  -p, --priority P        normal | high | background\n"
		"      --retries N         reissue a failed chunk N times\n"
		"      --no-flush          do not flush the sinks at the end\n"
		"      --buffered          never use direct I/O\n"
		"  -P, --placement P       p2p memory: forbidden (default),\n"
		"                          preferred or required\n"
		"      --provider PCI      use this function's p2p memory\n"
		"      --skip-canary       trust the p2p path untested\n"
		"      --verify            end-to-end crc32c: read the source\n"
		"                          and every sink back from the devices\n"
		"                          after the flush; fail if they differ\n"
		"  -e, --engine E          kernel (default: flowswitch.ko),\n"
		"                          io_uring (the embedded engine, in\n"
		"                          this process), or auto (kernel when\n"
		"                          the module is loaded, said if not)\n"
		"  -j, --json              print the result as JSON\n"
		"SIZE takes K, M, G, T suffixes (powers of 1024).\n");
}

static int size_arg(const char *opt, const char *s, unsigned long long *v)
{
	if (fsw_parse_size(s, v)) {
		fprintf(stderr, "flowctl copy: %s: bad size '%s'\n", opt, s);
		return -1;
	}
	return 0;
}

/* The embedded engine has no p2p memory because it has no module. */
static const char *reason_name(const char *engine, unsigned int reason)
{
	if (!strcmp(engine, "io_uring") &&
	    reason == FLOWSWITCH_P2P_NO_KERNEL_SUPPORT)
		return "the embedded io_uring engine has none (no module)";
	return fsw_p2p_reason_name(reason);
}

static void print_result(const struct flowswitch_flow_query *q,
			 const char *engine, bool json)
{
	double secs = q->elapsed_ns / 1e9;
	double mibs = secs > 0 ? q->bytes_done / secs / (1 << 20) : 0;

	if (json) {
		printf("{\"state\":\"%s\",\"length\":%llu,\"bytes_done\":%llu,"
		       "\"chunks\":%llu,\"retries\":%llu,\"elapsed_ns\":%llu,"
		       "\"mib_per_s\":%.1f,\"direct_bytes\":%llu,"
		       "\"buffered_bytes\":%llu,\"host_pool_bytes\":%llu,"
		       "\"pool\":\"%s\",\"p2p_bytes\":%llu,\"host_bytes\":%llu,"
		       "\"p2p_reason\":\"%s\",\"canary\":\"%s\","
		       "\"canary_ns\":%llu",
		       fsw_state_name(q->state),
		       (unsigned long long)q->length,
		       (unsigned long long)q->bytes_done,
		       (unsigned long long)q->chunks_done,
		       (unsigned long long)q->retries,
		       (unsigned long long)q->elapsed_ns, mibs,
		       (unsigned long long)q->direct_bytes,
		       (unsigned long long)q->buffered_bytes,
		       (unsigned long long)q->host_pool_bytes,
		       q->pool == FLOWSWITCH_POOL_P2P ? "p2p" : "host",
		       (unsigned long long)q->p2p_bytes,
		       (unsigned long long)q->host_bytes,
		       fsw_p2p_reason_name(q->p2p_reason),
		       fsw_canary_name(q->canary),
		       (unsigned long long)q->canary_ns);
		if (q->verify_ns)
			printf(",\"crc32c\":\"%08x\",\"verify_ns\":%llu",
			       q->crc32c, (unsigned long long)q->verify_ns);
		if (q->state == FLOWSWITCH_FLOW_FAILED)
			printf(",\"error\":\"%s\",\"stage\":\"%s\","
			       "\"fail_offset\":%llu",
			       strerror(q->error), fsw_stage_name(q->fail_stage),
			       (unsigned long long)q->fail_offset);
		printf(",\"engine\":\"%s\"}\n", engine);
		return;
	}
	printf("%s: %llu of %llu bytes in %.3f s (%.1f MiB/s), %llu chunks, "
	       "%llu retries (%s engine)\n",
	       fsw_state_name(q->state), (unsigned long long)q->bytes_done,
	       (unsigned long long)q->length, secs, mibs,
	       (unsigned long long)q->chunks_done,
	       (unsigned long long)q->retries, engine);
	printf("  direct I/O %llu bytes, buffered %llu bytes, host pool %llu "
	       "bytes\n",
	       (unsigned long long)q->direct_bytes,
	       (unsigned long long)q->buffered_bytes,
	       (unsigned long long)q->host_pool_bytes);
	if (q->pool == FLOWSWITCH_POOL_P2P)
		printf("  p2p pool of %04x:%02x:%02x.%x: %llu bytes through p2p "
		       "memory, %llu through host memory; path self-test %s "
		       "(%.1f ms)\n",
		       q->provider >> 16, (q->provider >> 8) & 0xff,
		       (q->provider >> 3) & 0x1f, q->provider & 7,
		       (unsigned long long)q->p2p_bytes,
		       (unsigned long long)q->host_bytes,
		       fsw_canary_name(q->canary), q->canary_ns / 1e6);
	else
		printf("  host pool: %llu bytes through host memory%s%s\n",
		       (unsigned long long)q->host_bytes,
		       q->p2p_reason ? "; no p2p: " : "",
		       q->p2p_reason ? reason_name(engine, q->p2p_reason) : "");
	if (q->verify_ns && q->state == FLOWSWITCH_FLOW_DONE)
		printf("  verified: source and sinks read back, crc32c %08x "
		       "(%.1f ms)\n",
		       q->crc32c, q->verify_ns / 1e6);
	if (q->state == FLOWSWITCH_FLOW_FAILED)
		printf("  failed: %s in %s at source offset %llu\n",
		       strerror(q->error), fsw_stage_name(q->fail_stage),
		       (unsigned long long)q->fail_offset);
}

/*
 * The engine @name: the module's, the embedded one, or (auto) the module's
 * when it is loaded and otherwise the embedded one -- said, not silent.
 */
static struct fsw_engine *open_engine(const char *name)
{
	const char *dev = getenv("FLOWSWITCH_DEVICE");
	struct fsw_engine *e;
	int err;

	if (strcmp(name, "io_uring")) {
		e = fsw_engine_kernel_open(dev);
		if (e)
			return e;
		err = -errno;
		if (strcmp(name, "auto") || err != -ENOENT) {
			fprintf(stderr, "flowctl: %s: %s%s%s\n",
				dev ? dev : FSW_DEFAULT_DEVICE, strerror(-err),
				*fsw_open_hint(err) ? "; " : "",
				fsw_open_hint(err));
			return NULL;
		}
		fprintf(stderr, "flowctl copy: %s absent: the embedded io_uring "
				"engine runs the flow in this process\n",
			dev ? dev : FSW_DEFAULT_DEVICE);
	}
	e = fsw_engine_uring_open();
	if (!e)
		fprintf(stderr, "flowctl copy: io_uring engine: %m\n");
	return e;
}

/*
 * Why p2p memory was refused.  A refused transaction need not write back
 * its items (the module's does not), so ask again as flowctl apply does:
 * the same items, the flow PREFERRED and not started, whose
 * out_p2p_reason says why; then undo it.  The ports' fds are still open.
 */
static unsigned int exdev_reason(struct fsw_engine *e,
				 const struct flowswitch_txn *txn,
				 const struct flowswitch_flow_create *fc)
{
	const struct flowswitch_txn_item *items =
		(const void *)(uintptr_t)txn->items_uptr;
	struct flowswitch_txn_item probe_items[FLOWSWITCH_MAX_SINKS + 2];
	struct flowswitch_flow_create probe_fc = *fc;
	struct flowswitch_txn probe = *txn;
	unsigned int i, last = txn->nr_items - 1;

	memcpy(probe_items, items, txn->nr_items * sizeof(items[0]));
	probe_fc.placement = FLOWSWITCH_P2P_PREFERRED;
	probe_items[last].cmd_uptr = (uintptr_t)&probe_fc;
	probe.flags = 0;
	probe.items_uptr = (uintptr_t)probe_items;
	if (e->ops->txn(e, &probe) < 0)
		return FLOWSWITCH_P2P_OK;
	e->ops->destroy(e, probe_fc.out_flow_id);
	for (i = 0; i < last; i++) {
		const struct flowswitch_port_create *pc =
			(const void *)(uintptr_t)items[i].cmd_uptr;

		e->ops->destroy(e, pc->out_port_id);
	}
	return probe_fc.out_p2p_reason;
}

/* Sleep on the engine's events until flow @id is final; then query it. */
static int wait_final(struct fsw_engine *e, unsigned int id,
		      struct flowswitch_flow_query *q)
{
	struct pollfd pfd = { .fd = e->ops->event_fd(e), .events = POLLIN };
	struct flowswitch_event ev[16];
	ssize_t n;
	int ret;

	for (;;) {
		memset(q, 0, sizeof(*q));
		q->size = sizeof(*q);
		ret = e->ops->flow_query(e, id, q);
		if (ret)
			return ret;
		if (q->state == FLOWSWITCH_FLOW_DONE ||
		    q->state == FLOWSWITCH_FLOW_FAILED ||
		    q->state == FLOWSWITCH_FLOW_STOPPED)
			return 0;
		/* Events only wake us; the query is the answer. */
		if (poll(&pfd, 1, 1000) < 0 && errno != EINTR)
			return -errno;
		do {
			n = e->ops->read_events(e, ev, 16);
		} while (n == 16);
		if (n < 0)
			return n;
	}
}

int flowctl_copy(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "chunk", required_argument, NULL, 'c' },
		{ "depth", required_argument, NULL, 'q' },
		{ "offset", required_argument, NULL, 'o' },
		{ "length", required_argument, NULL, 'l' },
		{ "sink-offset", required_argument, NULL, 's' },
		{ "rate", required_argument, NULL, 'r' },
		{ "priority", required_argument, NULL, 'p' },
		{ "retries", required_argument, NULL, 'R' },
		{ "no-flush", no_argument, NULL, 'F' },
		{ "buffered", no_argument, NULL, 'B' },
		{ "json", no_argument, NULL, 'j' },
		{ "placement", required_argument, NULL, 'P' },
		{ "provider", required_argument, NULL, 'V' },
		{ "skip-canary", no_argument, NULL, 'K' },
		{ "verify", no_argument, NULL, 'X' },
		{ "engine", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct flowswitch_sink sinks[FLOWSWITCH_MAX_SINKS] = {};
	struct flowswitch_flow_create fc = {
		.flags = FLOWSWITCH_FLOW_TO_END,
		.chunk_size = 1 << 20,
		.depth = 16,
	};
	struct flowswitch_port_create pc[FLOWSWITCH_MAX_SINKS + 1];
	struct flowswitch_txn_item items[FLOWSWITCH_MAX_SINKS + 2] = {};
	struct flowswitch_txn txn = { .size = sizeof(txn) };
	struct flowswitch_flow_query q;
	unsigned long long v, sink_off = 0;
	unsigned int port_flags = 0;
	const char *engine = "kernel";
	int c, i, err, ret, nr_sinks;
	struct fsw_engine *e;
	bool json = false;

	memset(pc, 0, sizeof(pc));
	for (i = 0; i <= FLOWSWITCH_MAX_SINKS; i++)
		pc[i].fd = -1;

	while ((c = getopt_long(argc, argv, "c:q:o:l:s:r:p:P:e:jh", opts,
				NULL)) != -1) {
		switch (c) {
		case 'c':
			if (size_arg("--chunk", optarg, &v) || v > UINT32_MAX)
				return 2;
			fc.chunk_size = v;
			break;
		case 'q':
			fc.depth = atoi(optarg);
			break;
		case 'o':
			if (size_arg("--offset", optarg, &v))
				return 2;
			fc.src_offset = v;
			break;
		case 'l':
			if (size_arg("--length", optarg, &v))
				return 2;
			fc.length = v;
			fc.flags &= ~FLOWSWITCH_FLOW_TO_END;
			break;
		case 's':
			if (size_arg("--sink-offset", optarg, &sink_off))
				return 2;
			break;
		case 'r':
			if (size_arg("--rate", optarg, &v))
				return 2;
			fc.rate_bps = v;
			break;
		case 'p':
			if (!strcmp(optarg, "normal"))
				fc.priority = FLOWSWITCH_PRIO_NORMAL;
			else if (!strcmp(optarg, "high"))
				fc.priority = FLOWSWITCH_PRIO_HIGH;
			else if (!strcmp(optarg, "background"))
				fc.priority = FLOWSWITCH_PRIO_BACKGROUND;
			else {
				fprintf(stderr, "flowctl copy: --priority: "
						"normal, high or background\n");
				return 2;
			}
			break;
		case 'R':
			fc.max_retries = atoi(optarg);
			break;
		case 'F':
			fc.flags |= FLOWSWITCH_FLOW_NO_FLUSH;
			break;
		case 'B':
			port_flags |= FLOWSWITCH_PORT_BUFFERED;
			break;
		case 'j':
			json = true;
			break;
		case 'P':
			if (!strcmp(optarg, "forbidden"))
				fc.placement = FLOWSWITCH_P2P_FORBIDDEN;
			else if (!strcmp(optarg, "preferred"))
				fc.placement = FLOWSWITCH_P2P_PREFERRED;
			else if (!strcmp(optarg, "required"))
				fc.placement = FLOWSWITCH_P2P_REQUIRED;
			else {
				fprintf(stderr, "flowctl copy: --placement: "
						"forbidden, preferred or "
						"required\n");
				return 2;
			}
			break;
		case 'K':
			fc.flags |= FLOWSWITCH_FLOW_SKIP_CANARY;
			break;
		case 'X':
			fc.flags |= FLOWSWITCH_FLOW_VERIFY;
			break;
		case 'e':
			if (strcmp(optarg, "kernel") && strcmp(optarg, "io_uring") &&
			    strcmp(optarg, "auto")) {
				fprintf(stderr, "flowctl copy: --engine: kernel, "
						"io_uring or auto\n");
				return 2;
			}
			engine = optarg;
			break;
		case 'V':
			if (fsw_parse_pci_addr(optarg, &fc.p2p_provider)) {
				fprintf(stderr, "flowctl copy: --provider: "
						"bad PCI address '%s'\n",
					optarg);
				return 2;
			}
			fc.flags |= FLOWSWITCH_FLOW_NAMED_PROVIDER;
			break;
		case 'h':
			copy_usage(stdout);
			return 0;
		default:
			copy_usage(stderr);
			return 2;
		}
	}
	nr_sinks = argc - optind - 1;
	if (nr_sinks < 1 || nr_sinks > FLOWSWITCH_MAX_SINKS) {
		copy_usage(stderr);
		return 2;
	}

	e = open_engine(engine);
	if (!e)
		return 1;
	for (i = 0; i <= nr_sinks; i++) {
		const char *path = argv[optind + i];

		pc[i].size = sizeof(pc[i]);
		pc[i].flags = port_flags | (i ? FLOWSWITCH_PORT_WRITE :
						FLOWSWITCH_PORT_READ);
		pc[i].fd = open(path, i ? O_WRONLY | O_CREAT : O_RDONLY, 0644);
		if (pc[i].fd < 0) {
			fprintf(stderr, "flowctl copy: %s: %m\n", path);
			ret = 1;
			goto out_close;
		}
		items[i].op = FLOWSWITCH_TXN_PORT_CREATE;
		items[i].cmd_uptr = (uintptr_t)&pc[i];
		if (i) {
			sinks[i - 1].port_id = FLOWSWITCH_TXN_REF(i);
			sinks[i - 1].offset = sink_off;
		}
	}
	fc.size = sizeof(fc);
	fc.src_port_id = FLOWSWITCH_TXN_REF(0);
	fc.nr_sinks = nr_sinks;
	fc.sinks_uptr = (uintptr_t)sinks;
	items[i].op = FLOWSWITCH_TXN_FLOW_CREATE;
	items[i].cmd_uptr = (uintptr_t)&fc;
	txn.nr_items = nr_sinks + 2;
	txn.items_uptr = (uintptr_t)items;

	ret = 1;
	err = e->ops->txn(e, &txn);
	if (err == -EXDEV && txn.out_failed_item == (unsigned int)i) {
		fprintf(stderr, "flowctl copy: p2p memory required but refused: "
				"%s\n",
			reason_name(e->ops->name,
				    exdev_reason(e, &txn, &fc)));
		goto out_close;
	}
	if (err && txn.out_failed_item < (unsigned int)i) {
		fprintf(stderr, "flowctl copy: %s: port: %s\n",
			argv[optind + txn.out_failed_item], strerror(-err));
		goto out_close;
	}
	if (err) {
		fprintf(stderr, "flowctl copy: flow: %s\n", strerror(-err));
		goto out_close;
	}
	/* The ports hold their own references. */
	for (i = 0; i <= nr_sinks; i++) {
		close(pc[i].fd);
		pc[i].fd = -1;
	}
	err = e->ops->flow_ctl(e, fc.out_flow_id, FLOWSWITCH_FLOW_START);
	if (!err)
		err = wait_final(e, fc.out_flow_id, &q);
	if (err) {
		fprintf(stderr, "flowctl copy: %s\n", strerror(-err));
		goto out_close;
	}
	print_result(&q, e->ops->name, json);
	ret = q.state == FLOWSWITCH_FLOW_DONE ? 0 : 1;
out_close:
	for (i = 0; i <= nr_sinks; i++)
		if (pc[i].fd >= 0)
			close(pc[i].fd);
	e->ops->close(e);
	return ret;
}
