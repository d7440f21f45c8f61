// SPDX-License-Identifier: GPL-2.0
/*
 * AEAD records and compressed frames (ABI 1.6) on the embedded engine:
 * kmod/xform.c's fsw_stage_aead() and fsw_stage_comp() from userspace.
 *
 * AEAD: an AF_ALG "aead" socket bound to the driver the module's
 * crypto_alloc_aead() would pick (as engine-uring-xform.c binds the
 * others), its tag set to 16 bytes, keyed from the same key sources.  A
 * record is one request: the 12 bytes of associated data ("fsw1", the
 * plaintext length, the last-record flag), for rfc4106 followed by its
 * 8-byte IV (assoclen 20: the kernel's rfc4106 takes the IV from the
 * associated data's end, as the module hands it), then the record; the
 * nonce as the IV.  The same request the module makes, so the same
 * bytes.  AF_ALG takes a request whole only while it fits the operation
 * socket's send and receive buffers, and while its scatterlists fit the
 * socket's option memory (net.core.optmem_max: 20 KiB before Linux 6.9,
 * 128 KiB after; about 40 bytes per page of the record).  The buffers are
 * raised to the record's size (SO_SNDBUFFORCE where we may, else
 * SO_SNDBUF up to wmem_max), the option memory is estimated from above,
 * and a record that does not fit either is EMSGSIZE at creation: the
 * chunk is too big for this engine on this kernel, not for the flow (on
 * Linux 6.1's defaults, records up to about 384 KiB go).  Should AF_ALG
 * still take less than a record, the flow fails with EMSGSIZE at
 * FLOWSWITCH_STAGE_TRANSFORM rather than write a wrong record.
 *
 * Compression: engine-uring-xcomp.c, through the flow's one other
 * buffer (@flow->scratch): the worker runs one chunk at a time.
 */
#include <errno.h>
#include <linux/if_alg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine-uring.h"

#ifndef SOL_ALG
#define SOL_ALG 279
#endif

/* The associated data, and rfc4106's IV after it. */
#define UXREC_AD_MAX 20

/* Raise @opt (and its FORCE twin) of @fd to @need; what it is now. */
static int sock_buf(int fd, int force, int opt, int need)
{
	int val = need;
	socklen_t len = sizeof(val);

	if (setsockopt(fd, SOL_SOCKET, force, &val, sizeof(val)))
		setsockopt(fd, SOL_SOCKET, opt, &val, sizeof(val));
	if (getsockopt(fd, SOL_SOCKET, opt, &val, &len))
		return 0;
	return val;
}

/*
 * The option memory an AF_ALG aead request of @in bytes sent and @out
 * bytes read takes (crypto/af_alg.c, algif_aead.c), from above: TX
 * scatterlist blocks of a page (100 entries with CONFIG_DEBUG_SG's
 * 40-byte scatterlist), the request's copy of them, RX lists of 16 pages
 * (~740 bytes each), the request and the socket's context.
 */
static uint64_t aead_omem(uint64_t in, uint64_t out)
{
	uint64_t pages = (in + 4095) / 4096 + 1;

	return (pages + 99) / 100 * 4096 + (pages + 1) * 40 +
	       (out / 61440 + 2) * 740 + 3072;
}

static uint64_t optmem_max(void)
{
	char buf[32] = "";
	FILE *f = fopen("/proc/sys/net/core/optmem_max", "re");
	uint64_t v = 20480; /* the old default, if unreadable */

	if (f) {
		if (fgets(buf, sizeof(buf), f))
			v = strtoull(buf, NULL, 10);
		fclose(f);
	}
	return v;
}

int uxrec_setup_aead(struct ustage *st, struct flowswitch_transform *t,
		     const char *name, uint32_t ivsize, uint32_t rec_max)
{
	/* A request: associated data, record, tag; and a page of slack. */
	int need = (int)(UXREC_AD_MAX + rec_max + FLOWSWITCH_AEAD_TAG) + 4096;
	int ret;

	if (!uxform_aead_known(name) || (ivsize != 12 && ivsize != 8))
		return -EINVAL;
	st->ivsize = ivsize;
	if (setsockopt(st->tfm_fd, SOL_ALG, ALG_SET_AEAD_AUTHSIZE, NULL,
		       FLOWSWITCH_AEAD_TAG))
		return -EINVAL;
	t->out_digest_len = 0;
	ret = uxform_set_key(st, t);
	if (ret)
		return ret;
	st->op_fd = accept4(st->tfm_fd, NULL, NULL, SOCK_CLOEXEC);
	if (st->op_fd < 0)
		return errno == ENOMEM ? -ENOMEM : -EOPNOTSUPP;
	/* AF_ALG counts whole pages of the buffers (af_alg_sndbuf()). */
	if ((sock_buf(st->op_fd, SO_SNDBUFFORCE, SO_SNDBUF, need) & ~4095) <
		    need ||
	    (sock_buf(st->op_fd, SO_RCVBUFFORCE, SO_RCVBUF, need) & ~4095) <
		    need)
		return -EMSGSIZE;
	if (aead_omem(UXREC_AD_MAX + rec_max,
		      UXREC_AD_MAX + rec_max + FLOWSWITCH_AEAD_TAG) >=
	    optmem_max())
		return -EMSGSIZE;
	return 0;
}

int uxrec_setup_comp(struct ustage *st, struct flowswitch_transform *t)
{
	struct uxform_alg a;
	char *text;
	int ret;

	st->comp = uxrec_comp_by_name(t->alg);
	if (!st->comp)
		return -ENOENT; /* no library here knows it */
	/*
	 * A driver named must be one the kernel has for @alg, as the
	 * module's allocation would find; the bytes are the format's.
	 */
	if (t->driver[0]) {
		text = uxform_proc_crypto();
		ret = text ? uxform_crypto_pick(text, t->driver, t->kind, &a)
			   : -ENOENT;
		free(text);
		if (ret || strcmp(a.name, t->alg))
			return -ENOENT;
	}
	t->out_digest_len = 0;
	snprintf(t->out_driver, sizeof(t->out_driver), "%s",
		 st->comp == UXREC_LZ4	  ? "liblz4"
		 : st->comp == UXREC_ZSTD ? "libzstd"
					  : "zlib");
	return 0;
}

void uxrec_free(struct ustage *st)
{
	uxrec_comp_free(st);
	st->comp = 0;
}

int uxrec_aead(struct uflow *flow, struct ustage *st, struct uslot *slot,
	       uint32_t *xlen)
{
	bool seal = st->kind == FLOWSWITCH_XFORM_SEAL;
	uint32_t len = *xlen, plain = seal ? len : len - FLOWSWITCH_AEAD_TAG;
	uint32_t out = seal ? len + FLOWSWITCH_AEAD_TAG : plain;
	uint32_t assoclen = st->ivsize == 8 ? 20 : 12;
	uint32_t op = seal ? ALG_OP_ENCRYPT : ALG_OP_DECRYPT;
	union {
		char buf[CMSG_SPACE(sizeof(uint32_t)) * 2 +
			 CMSG_SPACE(sizeof(struct af_alg_iv) + 12)];
		struct cmsghdr align;
	} cbuf;
	uint8_t ad[UXREC_AD_MAX], nonce[12];
	struct iovec iov[2] = {
		{.iov_base = ad, .iov_len = assoclen},
		{.iov_base = slot->buf, .iov_len = len},
	};
	struct msghdr msg = {
		.msg_control = cbuf.buf,
		.msg_controllen =
			CMSG_SPACE(sizeof(uint32_t)) * 2 +
			CMSG_SPACE(sizeof(struct af_alg_iv) + st->ivsize),
		.msg_iov = iov,
		.msg_iovlen = 2,
	};
	struct af_alg_iv *aiv;
	struct cmsghdr *c;
	ssize_t n;

	uxform_aead_ad(ad, plain, slot->off + slot->len == flow->length);
	uxform_aead_nonce(nonce, st->iv, slot->off / flow->rec.rec_in);
	/* rfc4106: the nonce's last 8 bytes are the IV, after the AD too. */
	if (st->ivsize == 8)
		memcpy(ad + 12, nonce + 4, 8);

	memset(&cbuf, 0, sizeof(cbuf));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_OP;
	c->cmsg_len = CMSG_LEN(sizeof(op));
	memcpy(CMSG_DATA(c), &op, sizeof(op));
	c = CMSG_NXTHDR(&msg, c);
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_AEAD_ASSOCLEN;
	c->cmsg_len = CMSG_LEN(sizeof(assoclen));
	memcpy(CMSG_DATA(c), &assoclen, sizeof(assoclen));
	c = CMSG_NXTHDR(&msg, c);
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_IV;
	c->cmsg_len = CMSG_LEN(sizeof(*aiv) + st->ivsize);
	aiv = (struct af_alg_iv *)CMSG_DATA(c);
	aiv->ivlen = st->ivsize;
	memcpy(aiv->iv, st->ivsize == 8 ? nonce + 4 : nonce, st->ivsize);

	do {
		n = sendmsg(st->op_fd, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	explicit_bzero(&cbuf, sizeof(cbuf));
	/* Less than the whole request: AF_ALG's memory ran out. */
	if (n != (ssize_t)(assoclen + len))
		return n < 0 ? -errno : -EMSGSIZE;
	/* The output: the associated data again, then the record. */
	iov[1].iov_len = out;
	msg.msg_control = NULL;
	msg.msg_controllen = 0;
	do {
		n = recvmsg(st->op_fd, &msg, 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EBADMSG ? -EBADMSG : -errno;
	if (n != (ssize_t)(assoclen + out))
		return -EMSGSIZE;
	*xlen = out;
	return 0;
}

int uxrec_comp(struct uflow *flow, struct ustage *st, struct uslot *slot,
	       uint32_t *xlen)
{
	uint8_t *buf = (uint8_t *)slot->buf, *tmp = (uint8_t *)flow->scratch;
	uint32_t stored, orig;
	int ret;

	if (st->kind == FLOWSWITCH_XFORM_COMPRESS) {
		*xlen = uxrec_compress(st, buf, *xlen, tmp);
		memcpy(buf, tmp, *xlen);
		return 0;
	}
	/* The engine checked the header as it read it. */
	ret = uxform_frame_check(buf, slot->off, flow->length, flow->chunk,
				 &stored, &orig);
	if (ret)
		return ret;
	if (stored == orig) {
		memmove(buf, buf + FLOWSWITCH_FRAME_HDR, orig);
	} else {
		ret = uxrec_decompress(st, buf + FLOWSWITCH_FRAME_HDR, stored,
				       tmp, orig);
		if (ret)
			return ret;
		memcpy(buf, tmp, orig);
	}
	*xlen = orig;
	return 0;
}
