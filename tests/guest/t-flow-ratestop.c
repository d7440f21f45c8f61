// SPDX-License-Identifier: GPL-2.0
/*
 * Stopping a rate-limited flow returns promptly.
 *
 * A flow whose token bucket is empty parks its work until the tokens are
 * due: at 1 byte/s that is more than an hour for a 4 KiB chunk.  A stop
 * (FLOW_STOP, DESTROY, closing the descriptor) kicks the work and waits for
 * the final state; the kick must not be lost to the work re-parking itself
 * when it runs at that very moment.  t-fuzz-ioctl found a close blocked for
 * minutes this way.  Each round starts such a flow and closes its
 * descriptor at once, in a child; the parent gives the child a minute for
 * all the rounds (a lost kick blocks it for an hour, uninterruptibly).
 */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "flowtest.h"

#define ROUNDS 300
#define SRC "/tmp/ratestop-src"
#define SINK "/tmp/ratestop-sink"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int rounds(void)
{
	double worst = 0;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		struct flowswitch_sink sink = {0};
		struct flowswitch_flow_create fc = {
			.nr_sinks = 1,
			.sinks_uptr = (uintptr_t)&sink,
			.length = 64 * KiB,
			.chunk_size = 4096,
			.depth = 4,
			.rate_bps = 1,
		};
		int fsw = fsw_open(NULL), id;
		double t0;

		fc.src_port_id =
			port_on(fsw, SRC, O_RDONLY, FLOWSWITCH_PORT_READ);
		sink.port_id = port_on(fsw, SINK, O_WRONLY | O_CREAT,
				       FLOWSWITCH_PORT_WRITE);
		id = fsw_flow_create(fsw, &fc);
		if (fsw < 0 || id <= 0 ||
		    fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_START)) {
			fprintf(stderr, "round %d: setup: %m\n", i);
			return 1;
		}
		/* Every other round through FLOW_STOP first. */
		t0 = now_s();
		if (i & 1)
			fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_STOP);
		close(fsw);
		if (now_s() - t0 > worst)
			worst = now_s() - t0;
	}
	printf("ratestop: %d rounds, slowest stop %.3f s\n", ROUNDS, worst);
	return worst > 10;
}

int main(void)
{
	struct flowswitch_info before;
	int fd, status = 0, i;
	pid_t pid;

	fd = open(SRC, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || pattern_write(fd, 0, 0, 64 * KiB, 7) || info_now(&before))
		return T_FAIL;
	close(fd);
	pid = fork();
	if (!pid)
		_exit(rounds());
	for (i = 0; i < 600; i++) {
		struct timespec ts = {0, 100000000};

		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		nanosleep(&ts, NULL);
	}
	CHECK(i < 600, "the rounds did not end in 60 s: a stop is stuck");
	if (i == 600)
		return T_FAIL; /* the child is in D state: nothing to clean */
	CHECK(WIFEXITED(status) && !WEXITSTATUS(status), "rounds: status %d",
	      status);
	check_baseline(&before);
	unlink(SRC);
	unlink(SINK);
	return t_result();
}
