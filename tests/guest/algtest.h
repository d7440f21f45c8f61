/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest tests of transform stages: keys handed over in pipes, and AF_ALG
 * as the independent implementation the module's results are held to.
 */
#ifndef FSW_ALGTEST_H
#define FSW_ALGTEST_H

#include <linux/if_alg.h>
#include <stdint.h>
#include <string.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

/* A pipe holding @len bytes of @key: its read end. */
static inline int key_pipe(const uint8_t *key, size_t len)
{
	int p[2];

	if (pipe(p))
		return -1;
	if (write(p[1], key, len) != (ssize_t)len) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	close(p[1]);
	return p[0];
}

/* AF_ALG: an operation socket for @type/@name keyed with @key. */
static inline int alg_open(const char *type, const char *name,
			   const uint8_t *key, size_t klen)
{
	struct sockaddr_alg sa = {.salg_family = AF_ALG};
	int tfm, op;

	snprintf((char *)sa.salg_type, sizeof(sa.salg_type), "%s", type);
	snprintf((char *)sa.salg_name, sizeof(sa.salg_name), "%s", name);
	tfm = socket(AF_ALG, SOCK_SEQPACKET, 0);
	if (tfm < 0 || bind(tfm, (void *)&sa, sizeof(sa)) ||
	    (key && setsockopt(tfm, SOL_ALG, ALG_SET_KEY, key, klen)) ||
	    (!strcmp(type, "aead") &&
	     setsockopt(tfm, SOL_ALG, ALG_SET_AEAD_AUTHSIZE, NULL, 16))) {
		if (tfm >= 0)
			close(tfm);
		return -1;
	}
	op = accept(tfm, NULL, 0);
	close(tfm);
	return op;
}

#endif /* FSW_ALGTEST_H */
