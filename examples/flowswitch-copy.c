// SPDX-License-Identifier: MIT
/*
 * flowswitch-copy: copy a byte range from one file or block device to
 * another inside the kernel with flowswitch, following the flow through
 * its events.  The worked example of docs/custom-app.md.
 *
 *   flowswitch-copy [--chunk SIZE] [--depth N] SRC SRC_OFF DST DST_OFF LEN
 *
 * Build against an installed flowswitch:
 *   cc -o flowswitch-copy flowswitch-copy.c $(pkg-config --cflags --libs flowswitch)
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/flowswitch.h> /* the UAPI: ioctls, structs, events */
#include <flowswitch.h> /* libflowswitch: sizes, names, errors */

static int usage(FILE *out)
{
	fprintf(out, "usage: flowswitch-copy [--chunk SIZE] [--depth N] SRC "
		     "SRC_OFF DST DST_OFF LEN\n"
		     "  copy LEN bytes of SRC at SRC_OFF to DST at DST_OFF in "
		     "the kernel\n");
	return out == stdout ? 0 : 2;
}

static int size_arg(const char *s, unsigned long long *v)
{
	if (fsw_parse_size(s, v)) {
		fprintf(stderr, "flowswitch-copy: bad size '%s'\n", s);
		return -1;
	}
	return 0;
}

/* A port on @path: the kernel takes its own reference to the file. */
static int port(int fsw, const char *path, int oflags, unsigned int access)
{
	struct flowswitch_port_create pc = {.flags = access};
	int id;

	pc.fd = open(path, oflags | O_CLOEXEC);
	if (pc.fd < 0) {
		fprintf(stderr, "flowswitch-copy: %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	id = fsw_port_create(fsw, &pc);
	close(pc.fd); /* the port holds the file now */
	if (id < 0) {
		fprintf(stderr, "flowswitch-copy: port on %s: %s\n", path,
			strerror(-id));
		return -1;
	}
	return id;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"chunk", required_argument, NULL, 'c'},
		{"depth", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{}};
	unsigned long long chunk = 1 << 20, depth = 4, src_off, dst_off, len;
	struct flowswitch_sink sink = {0};
	struct flowswitch_flow_create fc = {0};
	struct flowswitch_flow_query q;
	struct flowswitch_event ev;
	struct flowswitch_info info;
	int fsw, id, c, done = 0, ret;
	struct pollfd pfd;

	while ((c = getopt_long(argc, argv, "c:d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (size_arg(optarg, &chunk))
				return 2;
			break;
		case 'd':
			if (size_arg(optarg, &depth))
				return 2;
			break;
		case 'h':
			return usage(stdout);
		default:
			return usage(stderr);
		}
	}
	if (argc - optind != 5 || size_arg(argv[optind + 1], &src_off) ||
	    size_arg(argv[optind + 3], &dst_off) ||
	    size_arg(argv[optind + 4], &len))
		return usage(stderr);

	/* 1. The control device, and what the running module speaks. */
	fsw = fsw_open(NULL);
	if (fsw < 0) {
		fprintf(stderr, "flowswitch-copy: %s: %s%s%s\n",
			FSW_DEFAULT_DEVICE, strerror(-fsw),
			*fsw_open_hint(fsw) ? "; " : "", fsw_open_hint(fsw));
		return 1;
	}
	ret = fsw_info(fsw, &info);
	if (ret || info.abi_major != FLOWSWITCH_ABI_MAJOR) {
		fprintf(stderr,
			"flowswitch-copy: module ABI %u.%u, built for %u.%u\n",
			ret ? 0 : info.abi_major, ret ? 0 : info.abi_minor,
			FLOWSWITCH_ABI_MAJOR, FLOWSWITCH_ABI_MINOR);
		return 1;
	}

	/* 2. Ports: what the flow reads and writes. */
	fc.src_port_id =
		port(fsw, argv[optind], O_RDONLY, FLOWSWITCH_PORT_READ);
	sink.port_id = port(fsw, argv[optind + 2], O_WRONLY | O_CREAT,
			    FLOWSWITCH_PORT_WRITE);
	if ((int)fc.src_port_id < 0 || (int)sink.port_id < 0)
		return 1;

	/* 3. The flow: source range to one sink, chunked and queued. */
	sink.offset = dst_off;
	fc.src_offset = src_off;
	fc.length = len;
	fc.chunk_size = (__u32)chunk;
	fc.depth = (__u32)depth;
	fc.nr_sinks = 1;
	fc.sinks_uptr = (uintptr_t)&sink;
	snprintf(fc.name, sizeof(fc.name), "example-copy");
	id = fsw_flow_create(fsw, &fc);
	if (id < 0) {
		fprintf(stderr, "flowswitch-copy: flow: %s\n", strerror(-id));
		return 1;
	}
	printf("flow %d: %s pool\n", id,
	       fc.out_pool == FLOWSWITCH_POOL_P2P ? "p2p" : "host");

	/* 4. Start it and follow its events until a final state. */
	ret = fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_START);
	if (ret) {
		fprintf(stderr, "flowswitch-copy: start: %s\n", strerror(-ret));
		return 1;
	}
	pfd.fd = fsw;
	pfd.events = POLLIN;
	while (!done) {
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			return 1;
		/* Blocking fd: one read per wakeup never waits. */
		if (read(fsw, &ev, sizeof(ev)) != sizeof(ev))
			continue;
		if (ev.type == FLOWSWITCH_EVENT_LOST) {
			printf("event: %llu lost\n",
			       (unsigned long long)ev.bytes_done);
			continue;
		}
		if (ev.flow_id != (unsigned int)id)
			continue;
		if (ev.type == FLOWSWITCH_EVENT_FALLBACK) {
			printf("event: flow %u fell back to host memory: %s\n",
			       ev.flow_id, fsw_p2p_reason_name(ev.error));
			continue;
		}
		printf("event: flow %u %s, %llu bytes done\n", ev.flow_id,
		       fsw_state_name(ev.state),
		       (unsigned long long)ev.bytes_done);
		done = ev.state == FLOWSWITCH_FLOW_DONE ||
		       ev.state == FLOWSWITCH_FLOW_FAILED ||
		       ev.state == FLOWSWITCH_FLOW_STOPPED;
	}

	/* 5. The outcome, from the query. */
	ret = fsw_flow_query(fsw, id, &q);
	if (ret) {
		fprintf(stderr, "flowswitch-copy: query: %s\n", strerror(-ret));
		return 1;
	}
	if (q.state != FLOWSWITCH_FLOW_DONE) {
		fprintf(stderr, "flowswitch-copy: %s: %s at offset %llu (%s)\n",
			fsw_state_name(q.state), strerror((int)q.error),
			(unsigned long long)q.fail_offset,
			fsw_stage_name(q.fail_stage));
		return 1;
	}
	printf("copied %llu bytes in %llu chunks\n",
	       (unsigned long long)q.bytes_done,
	       (unsigned long long)q.chunks_done);
	close(fsw); /* destroys the ports and the flow */
	return 0;
}
