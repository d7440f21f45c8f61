// SPDX-License-Identifier: GPL-2.0
/*
 * flowctl copy: one flow from a source to one or more sinks, run to its
 * end in the kernel -- the data never enters this process.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static void print_result(const struct flowswitch_flow_query *q, bool json)
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
		if (q->state == FLOWSWITCH_FLOW_FAILED)
			printf(",\"error\":\"%s\",\"stage\":\"%s\","
			       "\"fail_offset\":%llu",
			       strerror(q->error), fsw_stage_name(q->fail_stage),
			       (unsigned long long)q->fail_offset);
		printf("}\n");
		return;
	}
	printf("%s: %llu of %llu bytes in %.3f s (%.1f MiB/s), %llu chunks, "
	       "%llu retries\n",
	       fsw_state_name(q->state), (unsigned long long)q->bytes_done,
	       (unsigned long long)q->length, secs, mibs,
	       (unsigned long long)q->chunks_done,
	       (unsigned long long)q->retries);
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
		       q->p2p_reason ? fsw_p2p_reason_name(q->p2p_reason) : "");
	if (q->state == FLOWSWITCH_FLOW_FAILED)
		printf("  failed: %s in %s at source offset %llu\n",
		       strerror(q->error), fsw_stage_name(q->fail_stage),
		       (unsigned long long)q->fail_offset);
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
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct flowswitch_sink sinks[FLOWSWITCH_MAX_SINKS] = {};
	struct flowswitch_flow_create fc = {
		.flags = FLOWSWITCH_FLOW_TO_END,
		.chunk_size = 1 << 20,
		.depth = 16,
	};
	struct flowswitch_flow_query q;
	unsigned long long v, sink_off = 0;
	unsigned int port_flags = 0, state;
	int c, i, fsw, id, ret, nr_sinks;
	bool json = false;

	while ((c = getopt_long(argc, argv, "c:q:o:l:s:r:p:P:jh", opts,
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

	fsw = fsw_open(getenv("FLOWSWITCH_DEVICE"));
	if (fsw < 0) {
		fprintf(stderr, "flowctl: %s: %s%s%s\n", FSW_DEFAULT_DEVICE,
			strerror(-fsw), *fsw_open_hint(fsw) ? "; " : "",
			fsw_open_hint(fsw));
		return 1;
	}
	for (i = 0; i <= nr_sinks; i++) {
		const char *path = argv[optind + i];
		struct flowswitch_port_create pc = {
			.flags = port_flags | (i ? FLOWSWITCH_PORT_WRITE :
						   FLOWSWITCH_PORT_READ),
		};

		pc.fd = open(path, i ? O_WRONLY | O_CREAT : O_RDONLY, 0644);
		if (pc.fd < 0) {
			fprintf(stderr, "flowctl copy: %s: %m\n", path);
			return 1;
		}
		id = fsw_port_create(fsw, &pc);
		close(pc.fd);
		if (id < 0) {
			fprintf(stderr, "flowctl copy: %s: port: %s\n", path,
				strerror(-id));
			return 1;
		}
		if (!i) {
			fc.src_port_id = id;
		} else {
			sinks[i - 1].port_id = id;
			sinks[i - 1].offset = sink_off;
		}
	}
	fc.nr_sinks = nr_sinks;
	fc.sinks_uptr = (uintptr_t)sinks;
	id = fsw_flow_create(fsw, &fc);
	if (id == -EXDEV) {
		fprintf(stderr, "flowctl copy: p2p memory required but refused: "
				"%s\n",
			fsw_p2p_reason_name(fc.out_p2p_reason));
		return 1;
	}
	if (id < 0) {
		fprintf(stderr, "flowctl copy: flow: %s\n", strerror(-id));
		return 1;
	}
	ret = fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_START);
	if (!ret)
		ret = fsw_flow_wait(fsw, id, 0, &state);
	if (!ret)
		ret = fsw_flow_query(fsw, id, &q);
	if (ret) {
		fprintf(stderr, "flowctl copy: %s\n", strerror(-ret));
		return 1;
	}
	print_result(&q, json);
	close(fsw);
	return q.state == FLOWSWITCH_FLOW_DONE ? 0 : 1;
}
