/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest benchmarks' common part: wall and whole-machine CPU time (the
 * flows' work runs in kernel workers, not in the measuring process),
 * medians of ROUNDS, and the table with ratios against a base row.
 */
#ifndef FSW_BENCH_H
#define FSW_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 3

/* CPU seconds of the whole machine, busy (not idle, not iowait). */
static inline double busy_s(void)
{
	unsigned long long v[8] = {0};
	FILE *f = fopen("/proc/stat", "r");

	if (!f)
		return 0;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
		   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
		v[0] = 0;
	fclose(f);
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) /
	       (double)sysconf(_SC_CLK_TCK);
}

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct result {
	const char *name;
	double mibs, cpu;
};

static inline int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* ROUNDS runs of @call (0 or -1), @after each: medians into @r. */
#define MEASURE(r, label, mib, call, after)                   \
	({                                                    \
		double w[ROUNDS], c[ROUNDS];                  \
		int _i, _bad = 0;                             \
		for (_i = 0; _i < ROUNDS && !_bad; _i++) {    \
			double t0 = now_s(), c0 = busy_s();   \
			_bad = (call);                        \
			w[_i] = now_s() - t0;                 \
			c[_i] = busy_s() - c0;                \
			after;                                \
		}                                             \
		qsort(w, ROUNDS, sizeof(w[0]), cmp_d);        \
		qsort(c, ROUNDS, sizeof(c[0]), cmp_d);        \
		(r)->name = (label);                          \
		(r)->mibs = _bad ? 0 : (mib) / w[ROUNDS / 2]; \
		(r)->cpu = _bad ? 0 : c[ROUNDS / 2];          \
		_bad;                                         \
	})

/* The table: each row against row @base[i]. */
static inline void bench_table(const struct result *r, int n, const int *base)
{
	int i;

	printf("%-28s %9s %8s %10s %8s\n", "method", "MiB/s", "cpu-s", "x base",
	       "cpu/base");
	for (i = 0; i < n; i++) {
		const struct result *b = &r[base[i]];

		printf("%-28s %9.1f %8.2f %10.2f %8.2f\n", r[i].name, r[i].mibs,
		       r[i].cpu, b->mibs ? r[i].mibs / b->mibs : 0,
		       b->cpu ? r[i].cpu / b->cpu : 0);
	}
}

#endif /* FSW_BENCH_H */
