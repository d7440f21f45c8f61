// SPDX-License-Identifier: GPL-2.0
/*
 * The embedded engine's transform stages on AF_ALG sockets: what
 * kmod/xform.c does with the kernel crypto API, from userspace.
 *
 * At creation each stage's algorithm is bound once by the name asked
 * for (that instantiates a template, and an unknown name is ENOENT),
 * then /proc/crypto says which driver the crypto API picks for it (as
 * the module's crypto_alloc_skcipher/shash would) with its IV and digest
 * sizes, and the stage's socket is bound to that driver by name: so the
 * engine runs, and reports, the module's driver.  A cipher's socket is
 * keyed (ALG_SET_KEY, or ALG_SET_KEY_BY_KEY_SERIAL for a logon key) and
 * the key wiped.
 *
 * Per chunk, in stream order, in place in the slot's buffer:
 *  - ctr: requests of UXFORM_PIECE bytes, the counter of each piece's
 *    first byte as its IV (the flow's offset / 16 added to the stage's);
 *  - a data-unit cipher: one request per unit, its plain64 IV;
 *  - a digest: the bytes sent with MSG_MORE in pieces, the value read
 *    after the flow's last byte.
 * A request's bytes are sent, then read back, before the next is sent:
 * AF_ALG blocks a sender whose bytes nobody reads past its send buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_alg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine-uring.h"

#ifndef ALG_SET_KEY_BY_KEY_SERIAL
#define ALG_SET_KEY_BY_KEY_SERIAL 7
#endif

/* A socket bound to @name of AF_ALG's @type, or -errno. */
static int alg_bind(const char *name, const char *type)
{
	struct sockaddr_alg sa = {.salg_family = AF_ALG};
	int fd, err;

	fd = socket(AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		/* No AF_ALG in this kernel: this engine cannot run it. */
		return errno == ENOMEM ? -ENOMEM : -EOPNOTSUPP;
	snprintf((char *)sa.salg_type, sizeof(sa.salg_type), "%s", type);
	snprintf((char *)sa.salg_name, sizeof(sa.salg_name), "%s", name);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		/* As fsw_alloc_err(): ENOENT unless out of memory. */
		err = errno == ENOMEM ? -ENOMEM : -ENOENT;
		close(fd);
		return err;
	}
	return fd;
}

/* /proc/crypto as one string (the caller frees it), or NULL. */
static char *proc_crypto(void)
{
	size_t len = 0, size = 1 << 16;
	char *buf = malloc(size), *nbuf;
	int fd = open("/proc/crypto", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0 || !buf)
		goto fail;
	for (;;) {
		if (size - len < 4096) {
			nbuf = realloc(buf, size * 2);
			if (!nbuf)
				goto fail;
			buf = nbuf;
			size *= 2;
		}
		n = read(fd, buf + len, size - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (!n)
			break;
		len += n;
	}
	close(fd);
	buf[len] = 0;
	return buf;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

/*
 * Resolve the stage's algorithm to the driver the module would get, and
 * bind st->tfm_fd to it.  Returns 0 or -errno.
 */
static int stage_bind(struct ustage *st, const struct flowswitch_transform *t,
		      struct uxform_alg *a)
{
	bool hash = t->kind == FLOWSWITCH_XFORM_DIGEST;
	const char *want = t->driver[0] ? t->driver : t->alg;
	char *text;
	int fd, ret;

	fd = alg_bind(want, hash ? "hash" : "skcipher");
	if (fd < 0)
		return fd;
	text = proc_crypto();
	ret = text ? uxform_crypto_pick(text, want, t->kind, a) : -ENOENT;
	free(text);
	if (ret) {
		/*
		 * Bound, yet not listed (no /proc): the name bound is all
		 * we know; a cipher's IV size is then taken to be 16.
		 */
		memset(a, 0, sizeof(*a));
		snprintf(a->name, sizeof(a->name), "%s", t->alg);
		snprintf(a->driver, sizeof(a->driver), "%s", want);
		a->ivsize = 16;
		st->tfm_fd = fd;
		return 0;
	}
	close(fd);
	/* A driver named must implement the algorithm asked for. */
	if (t->driver[0] && strcmp(a->name, t->alg))
		return -ENOENT;
	fd = alg_bind(a->driver, hash ? "hash" : "skcipher");
	if (fd < 0)
		return fd;
	st->tfm_fd = fd;
	return 0;
}

static int stage_setup_digest(struct ustage *st, struct flowswitch_transform *t,
			      const struct uxform_alg *a)
{
	ssize_t n;

	st->op_fd = accept4(st->tfm_fd, NULL, NULL, SOCK_CLOEXEC);
	if (st->op_fd < 0)
		return errno == ENOMEM ? -ENOMEM : -EOPNOTSUPP;
	/* The size from an empty digest: no guess from /proc needed. */
	n = read(st->op_fd, st->value, sizeof(st->value));
	if (n <= 0)
		return n < 0 && errno == ENOMEM ? -ENOMEM : -EINVAL;
	/* A digest longer than our buffer comes back truncated. */
	if (a->digestsize > sizeof(st->value))
		return -EINVAL;
	st->digest_len = (uint32_t)n;
	memset(st->value, 0, sizeof(st->value));
	t->out_digest_len = st->digest_len;
	return 0;
}

static int stage_setup_cipher(struct ustage *st, struct flowswitch_transform *t,
			      const struct uxform_alg *a)
{
	uint8_t key[FLOWSWITCH_MAX_KEY];
	int32_t serial;
	int ret, len;

	ret = uxform_check_cipher(t, a->ivsize);
	if (ret)
		return ret;
	st->ivsize = a->ivsize;
	t->out_digest_len = 0;
	len = uxform_key(t, key, &serial);
	if (len > 0) {
		ret = setsockopt(st->tfm_fd, SOL_ALG, ALG_SET_KEY, key,
				 (socklen_t)len);
		ret = ret ? -EKEYREJECTED : 0;
	} else if (!len) {
		ret = setsockopt(st->tfm_fd, SOL_ALG, ALG_SET_KEY_BY_KEY_SERIAL,
				 &serial, sizeof(serial));
		if (ret && errno == ENOPROTOOPT)
			ret = -EOPNOTSUPP; /* before Linux 6.2 */
		else if (ret && errno == ENOMEM)
			ret = -ENOMEM;
		else if (ret && (errno == EKEYREVOKED || errno == ENOKEY ||
				 errno == EKEYEXPIRED))
			ret = -errno;
		else if (ret)
			ret = -EKEYREJECTED;
	}
	explicit_bzero(key, sizeof(key));
	if (len < 0)
		return len;
	if (ret)
		return ret;
	st->op_fd = accept4(st->tfm_fd, NULL, NULL, SOCK_CLOEXEC);
	if (st->op_fd < 0)
		return errno == ENOMEM ? -ENOMEM : -EOPNOTSUPP;
	return 0;
}

/*
 * An AEAD or compression stage (ABI 1.6): this engine does not run them,
 * but an unknown algorithm or driver is ENOENT first, as the module's
 * allocation says it; then EOPNOTSUPP, before its key is read.
 */
static int stage_unsupported(const struct flowswitch_transform *t)
{
	const char *want = t->driver[0] ? t->driver : t->alg;
	struct uxform_alg a;
	char *text;
	int fd, ret;

	if (uxform_kind_aead(t->kind)) {
		fd = alg_bind(want, "aead");
		if (fd < 0)
			return fd == -ENOENT ? fd : -EOPNOTSUPP;
		close(fd);
	}
	text = proc_crypto();
	if (!text)
		return -EOPNOTSUPP;
	ret = uxform_crypto_pick(text, want, t->kind, &a);
	free(text);
	if (ret || (t->driver[0] && strcmp(a.name, t->alg)))
		return -ENOENT;
	return -EOPNOTSUPP;
}

static int stage_setup(struct ustage *st, struct flowswitch_transform *t)
{
	struct uxform_alg a;
	int ret;

	if (uxform_kind_aead(t->kind) || uxform_kind_comp(t->kind))
		return stage_unsupported(t);

	st->kind = t->kind;
	st->data_unit = t->data_unit;
	memcpy(st->iv, t->iv, sizeof(st->iv));
	snprintf(st->alg, sizeof(st->alg), "%s", t->alg);
	ret = stage_bind(st, t, &a);
	if (ret)
		return ret;
	snprintf(st->driver, sizeof(st->driver), "%s", a.driver);
	ret = t->kind == FLOWSWITCH_XFORM_DIGEST
		      ? stage_setup_digest(st, t, &a)
		      : stage_setup_cipher(st, t, &a);
	if (ret)
		return ret;
	snprintf(t->out_driver, sizeof(t->out_driver), "%s", a.driver);
	return 0;
}

void uxform_init(struct uflow *flow)
{
	uint32_t i;

	for (i = 0; i < FLOWSWITCH_MAX_STAGES; i++)
		flow->stages[i].tfm_fd = flow->stages[i].op_fd = -1;
}

int uxform_create(struct uflow *flow, struct flowswitch_flow_create *cmd)
{
	struct flowswitch_transform us[FLOWSWITCH_MAX_STAGES];
	struct flowswitch_transform *uptr;
	uint32_t i;
	int ret = 0;

	if (!cmd->nr_stages)
		return 0;
	if (cmd->nr_stages > FLOWSWITCH_MAX_STAGES)
		return -EINVAL;
	uptr = (struct flowswitch_transform *)(uintptr_t)cmd->stages_uptr;
	if (!uptr)
		return -EFAULT;
	memcpy(us, uptr, cmd->nr_stages * sizeof(us[0]));
	for (i = 0; i < cmd->nr_stages && !ret; i++)
		ret = uxform_check(&us[i], flow->chunk, flow->length);
	if (!ret)
		ret = uxform_check_records(us, cmd->nr_stages, flow->chunk,
					   flow->length);
	if (ret)
		return ret;
	flow->nr_stages = cmd->nr_stages;
	for (i = 0; i < cmd->nr_stages; i++) {
		ret = stage_setup(&flow->stages[i], &us[i]);
		if (ret)
			return ret;
	}
	memcpy(uptr, us, cmd->nr_stages * sizeof(us[0]));
	return 0;
}

void uxform_free(struct uflow *flow)
{
	uint32_t i;

	for (i = 0; i < FLOWSWITCH_MAX_STAGES; i++) {
		struct ustage *st = &flow->stages[i];

		/* Closing the last socket frees the kernel's tfm and key. */
		if (st->op_fd >= 0)
			close(st->op_fd);
		if (st->tfm_fd >= 0)
			close(st->tfm_fd);
		st->op_fd = st->tfm_fd = -1;
	}
	flow->nr_stages = 0;
}

/* One request: @len bytes at @buf through the cipher, in place. */
static int cipher_request(struct ustage *st, char *buf, uint32_t len,
			  const uint8_t *iv)
{
	union {
		char buf[CMSG_SPACE(sizeof(uint32_t)) +
			 CMSG_SPACE(sizeof(struct af_alg_iv) + 16)];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	struct msghdr msg = {
		.msg_control = cbuf.buf,
		.msg_controllen =
			CMSG_SPACE(sizeof(uint32_t)) +
			CMSG_SPACE(sizeof(struct af_alg_iv) + st->ivsize),
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	struct cmsghdr *c;
	struct af_alg_iv *aiv;
	uint32_t op = st->kind == FLOWSWITCH_XFORM_ENCRYPT ? ALG_OP_ENCRYPT
							   : ALG_OP_DECRYPT;
	uint32_t got = 0;
	ssize_t n;

	memset(&cbuf, 0, sizeof(cbuf));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_OP;
	c->cmsg_len = CMSG_LEN(sizeof(op));
	memcpy(CMSG_DATA(c), &op, sizeof(op));
	c = CMSG_NXTHDR(&msg, c);
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_IV;
	c->cmsg_len = CMSG_LEN(sizeof(*aiv) + st->ivsize);
	aiv = (struct af_alg_iv *)CMSG_DATA(c);
	aiv->ivlen = st->ivsize;
	memcpy(aiv->iv, iv, st->ivsize);

	do {
		n = sendmsg(st->op_fd, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n != (ssize_t)len)
		return n < 0 ? -errno : -EIO;
	while (got < len) {
		n = read(st->op_fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		got += (uint32_t)n;
	}
	return 0;
}

static int stage_cipher(struct ustage *st, struct uslot *slot)
{
	uint32_t off, len, unit = st->data_unit ? st->data_unit : UXFORM_PIECE;
	uint8_t iv[16];
	int ret = 0;

	for (off = 0; off < slot->len && !ret; off += len) {
		len = slot->len - off < unit ? slot->len - off : unit;
		if (st->data_unit)
			uxform_unit_iv(iv, st->iv, (slot->off + off) / unit);
		else
			uxform_ctr_iv(iv, st->iv, slot->off + off);
		ret = cipher_request(st, slot->buf + off, len, iv);
	}
	return ret;
}

/* The chunk's bytes into the digest; its value after the flow's last. */
static int stage_digest(struct ustage *st, struct uslot *slot, bool last,
			pthread_mutex_t *lock)
{
	uint32_t off, len;
	ssize_t n;

	for (off = 0; off < slot->len; off += (uint32_t)n) {
		len = slot->len - off < UXFORM_PIECE ? slot->len - off
						     : UXFORM_PIECE;
		n = send(st->op_fd, slot->buf + off, len,
			 MSG_MORE | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
	}
	if (!last)
		return 0;
	do {
		n = read(st->op_fd, st->value, st->digest_len);
	} while (n < 0 && errno == EINTR);
	if (n != (ssize_t)st->digest_len)
		return n < 0 ? -errno : -EIO;
	pthread_mutex_lock(lock);
	st->final = true;
	pthread_mutex_unlock(lock);
	return 0;
}

int uxform_run(struct uflow *flow, struct uslot *slot)
{
	bool last = slot->off + slot->len == flow->length;
	uint64_t t0 = uring_now_ns();
	uint32_t i;
	int ret = 0;

	for (i = 0; i < flow->nr_stages && !ret; i++) {
		struct ustage *st = &flow->stages[i];

		if (st->kind == FLOWSWITCH_XFORM_DIGEST)
			ret = stage_digest(st, slot, last, &flow->lock);
		else
			ret = stage_cipher(st, slot);
	}
	pthread_mutex_lock(&flow->lock);
	flow->transform_ns += uring_now_ns() - t0;
	pthread_mutex_unlock(&flow->lock);
	return ret;
}

uint32_t uxform_digest(struct uflow *flow, uint8_t *out)
{
	uint32_t i;

	for (i = 0; i < flow->nr_stages; i++) {
		struct ustage *st = &flow->stages[i];

		if (st->kind != FLOWSWITCH_XFORM_DIGEST)
			continue;
		if (!st->final)
			return 0;
		memcpy(out, st->value, st->digest_len);
		return st->digest_len;
	}
	return 0;
}
