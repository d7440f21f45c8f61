// SPDX-License-Identifier: GPL-2.0
/*
 * Owners that vanish mid-transfer: a child starts flows and then closes
 * its descriptor, exits, or is killed with SIGKILL at a random moment.
 * The kernel must drain the flows' I/O and free everything: afterwards
 * the module's counters are back to where they started and (checked by
 * the harness) the kernel log holds no sanitizer report.
 *
 * FSW_CLOSE_ITERS (default 60) owners, a third of them killed;
 * FSW_CLOSE_KILL=1 kills every one (the long mode: 10^4 kills).  Prints
 * "FIGURE t-flow-close iterations=N killed=K secs=S".
 */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "flowtest.h"

#define ITERATIONS 60 /* default of FSW_CLOSE_ITERS */

static const char *dev_a, *dev_b;

static void child(int how)
{
	int fsw = fsw_open(NULL), i;

	for (i = 0; i < 3; i++) {
		struct flowswitch_sink sink = { .offset = (uint64_t)i * 64 * MiB };
		struct flowswitch_flow_create fc = {
			.src_offset = (uint64_t)i * 64 * MiB,
			.length = 32 * MiB,
			.chunk_size = 128 * KiB,
			.depth = 8,
			.rate_bps = i == 2 ? 16 * MiB : 0,
			.nr_sinks = 1,
			.sinks_uptr = (uintptr_t)&sink,
		};
		int id;

		fc.src_port_id = port_on(fsw, dev_a, O_RDONLY,
					 FLOWSWITCH_PORT_READ);
		sink.port_id = port_on(fsw, dev_b, O_WRONLY,
				       FLOWSWITCH_PORT_WRITE);
		id = fsw_flow_create(fsw, &fc);
		if (id < 0 || fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_START))
			_exit(3);
		if (i == 1)
			fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_PAUSE);
	}
	if (how == 0) {
		close(fsw);	/* the release drains the flows */
		_exit(0);
	}
	if (how == 1)
		_exit(0);	/* exit with the fd open */
	pause();		/* wait for SIGKILL */
	_exit(0);
}

int main(void)
{
	const char *env = getenv("FSW_CLOSE_ITERS");
	int i, status, bad = 0, iters = env ? atoi(env) : ITERATIONS, kills = 0;
	int kill_all =
		getenv("FSW_CLOSE_KILL") && atoi(getenv("FSW_CLOSE_KILL"));
	struct flowswitch_info before;
	struct timespec t0, t1;
	pid_t pid;

	dev_a = nvme_by_serial("fswA");
	dev_b = nvme_by_serial("fswB");
	if (!dev_a || !dev_b || info_now(&before))
		return T_FAIL;
	srand(time(NULL));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < iters; i++) {
		int how = kill_all ? 2 : i % 3;

		pid = fork();
		if (!pid)
			child(how);
		if (how == 2) {
			struct timespec ts = { 0, (rand() % 50) * 1000000L };

			nanosleep(&ts, NULL);
			kill(pid, SIGKILL);
			kills++;
		}
		if (waitpid(pid, &status, 0) != pid ||
		    (WIFEXITED(status) && WEXITSTATUS(status) == 3))
			bad++;
	}
	CHECK(!bad, "%d children could not set up their flows", bad);
	check_baseline(&before);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%d owners closed, exited or were killed mid-transfer\n", iters);
	printf("FIGURE t-flow-close iterations=%d killed=%d secs=%.1f\n", iters,
	       kills, t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	return t_result();
}
