/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the programs that run inside the test guest.  Each program is
 * one test: exit 0 pass, 1 fail, 77 skip (as liburing's tests).  A failed
 * check prints where and why and the program goes on, so one run shows
 * every broken case.
 */
#ifndef FSW_GUEST_H
#define FSW_GUEST_H

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef offsetofend
#define offsetofend(T, m) (offsetof(T, m) + sizeof(((T *)0)->m))
#endif

#define T_PASS 0
#define T_FAIL 1
#define T_SKIP 77

static int t_failures;

#define CHECK(cond, fmt, ...)                                                 \
	do {                                                                  \
		if (!(cond)) {                                                \
			fprintf(stderr, "%s:%d: check failed: %s: " fmt "\n", \
				__FILE__, __LINE__, #cond, ##__VA_ARGS__);    \
			t_failures++;                                         \
		}                                                             \
	} while (0)

/* @expr must fail with -1 and errno @err. */
#define CHECK_ERR(expr, err)                                                  \
	do {                                                                  \
		long __r = (long)(expr);                                      \
		int __e = errno;                                              \
		CHECK(__r == -1 && __e == (err), "got %ld (%s), want %s",     \
		      __r, __r == -1 ? strerror(__e) : "success",             \
		      strerror(err));                                         \
	} while (0)

static inline int t_result(void)
{
	return t_failures ? T_FAIL : T_PASS;
}

#endif /* FSW_GUEST_H */
