// SPDX-License-Identifier: GPL-2.0
/*
 * What a flow costs to set up: create + start + destroy of a 4 KiB flow
 * between two existing ports, against the cheapest ioctl there is (INFO).
 *
 *   ioctl-cost SRC DST
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "flowswitch.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A 4 KiB flow between the two ports: small enough to time its setup. */
static int tiny_flow(int fsw, int src, struct flowswitch_sink *sink,
		     unsigned int flags)
{
	struct flowswitch_flow_create fc = {
		.src_port_id = src,
		.nr_sinks = 1,
		.sinks_uptr = (uintptr_t)sink,
		.length = 4096,
		.chunk_size = 4096,
		.depth = 1,
		.flags = flags,
	};

	return fsw_flow_create(fsw, &fc);
}

int main(int argc, char **argv)
{
	struct flowswitch_port_create pc = {.flags = FLOWSWITCH_PORT_READ};
	struct flowswitch_sink sink = {};
	struct flowswitch_info info;
	double t0, t_null, t_flow, t_make;
	int fsw, i, id, n_null = 20000, n_flow = 500;

	if (argc != 3)
		return 2;
	fsw = fsw_open(NULL);
	pc.fd = open(argv[1], O_RDONLY);
	int src = fsw_port_create(fsw, &pc);

	pc.flags = FLOWSWITCH_PORT_WRITE;
	pc.fd = open(argv[2], O_WRONLY);
	sink.port_id = fsw_port_create(fsw, &pc);
	if (fsw < 0 || src <= 0 || (int)sink.port_id <= 0)
		return 1;

	t0 = now();
	for (i = 0; i < n_null; i++)
		fsw_info(fsw, &info);
	t_null = (now() - t0) / n_null;

	t0 = now();
	for (i = 0; i < n_flow; i++) {
		id = tiny_flow(fsw, src, &sink, 0);
		if (id < 0 || fsw_destroy(fsw, id))
			return 1;
	}
	t_make = (now() - t0) / n_flow;

	t0 = now();
	for (i = 0; i < n_flow; i++) {
		id = tiny_flow(fsw, src, &sink, FLOWSWITCH_FLOW_NO_FLUSH);
		if (id < 0 || fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_START) ||
		    fsw_destroy(fsw, id))
			return 1;
	}
	t_flow = (now() - t0) / n_flow;
	printf("null ioctl (INFO):            %8.2f us\n", t_null * 1e6);
	printf("flow create+destroy:          %8.2f us  (%.1fx null)\n",
	       t_make * 1e6, t_make / t_null);
	printf("flow create+start+destroy:    %8.2f us  (%.1fx null; "
	       "target <= 10x; includes its 4 KiB read and write)\n",
	       t_flow * 1e6, t_flow / t_null);
	return 0;
}
