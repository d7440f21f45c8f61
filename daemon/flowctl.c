// SPDX-License-Identifier: GPL-2.0
/*
 * flowctl: the command line of flowswitch.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flowctl.h"
#include "flowswitch.h"

static const struct flowctl_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} flowctl_cmds[] = {
	{ "info", flowctl_info, "what /dev/flowswitch and its kernel can do" },
	{ "copy", flowctl_copy, "move bytes between files and devices in the kernel" },
	{ "check", flowctl_check, "check a .flow file offline" },
	{ "explain", flowctl_explain, "the plan of a .flow file, as text" },
	{ "dot", flowctl_dot, "the flows of a .flow file, as Graphviz" },
	{ "apply", flowctl_apply_any, "run a .flow file through flowd (--no-daemon: directly)" },
	{ "run", flowctl_run, "apply a .flow file through flowd; --wait: progress until done" },
	{ "list", flowctl_list, "the flows flowd runs" },
	{ "stats", flowctl_stats, "flowd's engine and counters" },
	{ "stop", flowctl_stop, "stop a flow flowd runs" },
	{ "dump", flowctl_dump, "what the module holds, all owners (netlink)" },
	{ "monitor", flowctl_monitor, "the module's events as they happen" },
	{ "topo", flowctl_topo, "the PCIe tree, p2pmem providers, P2P verdicts" },
	{ "top", flowctl_top, "the flows live: rate, queue, chunk latency" },
};

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: flowctl COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < sizeof(flowctl_cmds) / sizeof(flowctl_cmds[0]); i++)
		fprintf(out, "  %-10s %s\n", flowctl_cmds[i].name,
			flowctl_cmds[i].help);
	fprintf(out, "\n'flowctl COMMAND --help' describes one command.\n");
}

int flowctl_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *dev = getenv("FLOWSWITCH_DEVICE");
	struct flowswitch_info info;
	bool json = false;
	int c, fd, ret;

	while ((c = getopt_long(argc, argv, "jd:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'd':
			dev = optarg;
			break;
		case 'h':
			printf("usage: flowctl info [--json] [--device PATH]\n");
			return 0;
		default:
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "flowctl info: unexpected argument '%s'\n",
			argv[optind]);
		return 2;
	}
	if (!dev)
		dev = FSW_DEFAULT_DEVICE;

	fd = fsw_open(dev);
	if (fd < 0) {
		fprintf(stderr, "flowctl: %s: %s%s%s\n", dev, strerror(-fd),
			*fsw_open_hint(fd) ? "; " : "", fsw_open_hint(fd));
		return 1;
	}
	ret = fsw_info(fd, &info);
	close(fd);
	if (ret) {
		fprintf(stderr, "flowctl: %s: info: %s\n", dev, strerror(-ret));
		return 1;
	}
	fsw_info_print(stdout, &info, json);
	return 0;
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof(flowctl_cmds) / sizeof(flowctl_cmds[0]); i++)
		if (!strcmp(argv[1], flowctl_cmds[i].name))
			return flowctl_cmds[i].run(argc - 1, argv + 1);
	fprintf(stderr, "flowctl: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}
