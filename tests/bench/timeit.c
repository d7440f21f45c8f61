// SPDX-License-Identifier: GPL-2.0
/*
 * timeit CMD [ARGS]: run CMD, then print "WALL_S CPU_S" -- wall time from
 * CLOCK_MONOTONIC and the CPU time of the whole machine meanwhile (every
 * CPU, kernel workers and interrupts included, from /proc/stat), since a
 * flowswitch flow does its work in kernel threads, not in the process.
 * Exits with CMD's status.  busybox's date has no sub-second clock.
 */
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double busy_seconds(void)
{
	unsigned long long v[10] = {};
	FILE *f = fopen("/proc/stat", "r");
	long hz = sysconf(_SC_CLK_TCK);

	if (!f)
		return 0;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
		   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
		v[0] = 0;
	fclose(f);
	/* user nice system [idle iowait] irq softirq steal */
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / hz;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double t0, c0;
	int status;
	pid_t pid;

	if (argc < 2)
		return 2;
	c0 = busy_seconds();
	t0 = now();
	pid = fork();
	if (!pid) {
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 1;
	printf("%.6f %.2f\n", now() - t0, busy_seconds() - c0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
