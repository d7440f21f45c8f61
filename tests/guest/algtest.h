/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest tests of transform stages: keys handed over in pipes, and AF_ALG
 * as the independent implementation the module's results are held to.
 */
#ifndef FSW_ALGTEST_H
#define FSW_ALGTEST_H

#include <linux/if_alg.h>
#include <stdbool.h>
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

/*
 * AF_ALG aead on record @k of flowswitch's framing (the UAPI header's
 * "AEAD records"): @n bytes at @in -- plaintext to seal, or ciphertext
 * and tag to open -- with the nonce from @iv12 and @k and the associated
 * data ("fsw1", plaintext length, last flag).  The result (@n + 16 bytes
 * sealed, @n - 16 opened) goes to @out; 0, or -1 (authentication failed,
 * or AF_ALG did).  Records up to ~200 KiB: AF_ALG's socket buffer.
 */
static inline int alg_record(int op, bool seal, const uint8_t *iv12, uint64_t k,
			     bool last, const uint8_t *in, size_t n,
			     uint8_t *out)
{
	static uint8_t buf[12 + (256 << 10)];
	char cbuf[CMSG_SPACE(4) + CMSG_SPACE(sizeof(struct af_alg_iv) + 12) +
		  CMSG_SPACE(4)] = {0};
	size_t plen = seal ? n : n - 16, outn = seal ? n + 16 : n - 16;
	uint8_t ad[12] = {'f',
			  's',
			  'w',
			  '1',
			  (uint8_t)(plen >> 24),
			  (uint8_t)(plen >> 16),
			  (uint8_t)(plen >> 8),
			  (uint8_t)plen,
			  0,
			  0,
			  0,
			  last};
	struct iovec v[2] = {{ad, 12}, {(void *)in, n}};
	struct msghdr m = {.msg_control = cbuf,
			   .msg_controllen = sizeof(cbuf),
			   .msg_iov = v,
			   .msg_iovlen = 2};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	struct af_alg_iv *aiv;
	int i;

	if (12 + outn > sizeof(buf))
		return -1;
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_OP;
	c->cmsg_len = CMSG_LEN(4);
	*(uint32_t *)CMSG_DATA(c) = seal ? ALG_OP_ENCRYPT : ALG_OP_DECRYPT;
	c = CMSG_NXTHDR(&m, c);
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_IV;
	c->cmsg_len = CMSG_LEN(sizeof(*aiv) + 12);
	aiv = (void *)CMSG_DATA(c);
	aiv->ivlen = 12;
	memcpy(aiv->iv, iv12, 12);
	for (i = 0; i < 8; i++)
		aiv->iv[4 + i] ^= (uint8_t)(k >> (56 - 8 * i));
	c = CMSG_NXTHDR(&m, c);
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_AEAD_ASSOCLEN;
	c->cmsg_len = CMSG_LEN(4);
	*(uint32_t *)CMSG_DATA(c) = 12;
	if (sendmsg(op, &m, 0) != (ssize_t)(12 + n))
		return -1;
	/* Out: the associated data again, then the result. */
	if (read(op, buf, 12 + outn) != (ssize_t)(12 + outn))
		return -1;
	memcpy(out, buf + 12, outn);
	return 0;
}

#endif /* FSW_ALGTEST_H */
