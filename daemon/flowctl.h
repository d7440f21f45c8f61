/* SPDX-License-Identifier: GPL-2.0 */
/*
 * flowctl subcommands.  Each takes the arguments after "flowctl", so argv[0]
 * is the subcommand's name, and returns the process exit code: 0 success,
 * 1 the operation failed or found errors, 2 usage or I/O error.
 */
#ifndef FLOWCTL_H
#define FLOWCTL_H

int flowctl_info(int argc, char **argv);
int flowctl_copy(int argc, char **argv);

/* daemon/flowctl-lang.c: the .flow language front end */
int flowctl_check(int argc, char **argv);
int flowctl_explain(int argc, char **argv);
/* explain --kernel: the module's P2P verdicts for the plan's chains */
struct flang_plan;
int flowctl_explain_kernel(const struct flang_plan *plan, const char *flow,
			   FILE *out);
int flowctl_dot(int argc, char **argv);

/* daemon/flowctl-apply.c: a .flow file as one kernel transaction */
int flowctl_apply(int argc, char **argv);

/* daemon/flowctl-daemon.c: through flowd's socket */
int flowctl_apply_any(int argc, char **argv);	/* flowd, or --no-daemon */
int flowctl_run(int argc, char **argv);
int flowctl_list(int argc, char **argv);
int flowctl_stats(int argc, char **argv);
int flowctl_stop(int argc, char **argv);

/* daemon/flowctl-nl.c: the module's generic netlink family */
int flowctl_dump(int argc, char **argv);
int flowctl_monitor(int argc, char **argv);

/* daemon/flowctl-topo.c: the PCIe tree and its P2P verdicts */
int flowctl_topo(int argc, char **argv);

/* daemon/flowctl-top.c: the flows live, with BPF latency histograms */
int flowctl_top(int argc, char **argv);

#endif /* FLOWCTL_H */
