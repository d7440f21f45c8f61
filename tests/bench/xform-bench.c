// SPDX-License-Identifier: GPL-2.0
/*
 * xform-bench DEV MIB: transforms in one guest boot, each done two ways
 * on the first MIB MiB of DEV, written to a tmpfs file:
 *   sha256      a flow with a digest stage, vs a userspace loop that
 *               reads (O_DIRECT), hashes through AF_ALG and writes;
 *   ctr(aes)    a flow with an encrypt stage, vs read/AF_ALG/write;
 *   cbc(aes)    a flow on the crypto API's choice (the CPU) vs a flow on
 *               QEMU's virtio-crypto device (driver virtio_crypto_aes_cbc,
 *               64 KiB data units).
 * Prints one line per method: MiB/s and CPU seconds of the whole machine
 * (/proc/stat: the flow's work runs in kernel workers, not in this
 * process), median of ROUNDS, and the ratios against the userspace loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_alg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "flowswitch.h"

#define CHUNK (1 << 20)
#define OUT "/tmp/xform-bench.out"
/*
 * AF_ALG holds what is sent until it is read, up to the socket's send
 * buffer (~208 KiB): a larger sendmsg before the read never returns.
 */
#define PIECE (128 << 10)

static uint8_t key[32], iv[16];
static uint8_t buf[CHUNK] __attribute__((aligned(4096)));

static int alg_op(const char *type, const char *name, bool keyed)
{
	struct sockaddr_alg sa = {.salg_family = AF_ALG};
	int tfm = socket(AF_ALG, SOCK_SEQPACKET, 0), op;

	snprintf((char *)sa.salg_type, sizeof(sa.salg_type), "%s", type);
	snprintf((char *)sa.salg_name, sizeof(sa.salg_name), "%s", name);
	if (tfm < 0 || bind(tfm, (void *)&sa, sizeof(sa)) ||
	    (keyed && setsockopt(tfm, SOL_ALG, ALG_SET_KEY, key, sizeof(key))))
		return -1;
	op = accept(tfm, NULL, 0);
	close(tfm);
	return op;
}

/* Encrypt PIECE bytes at @p in place, byte @pos of the stream (ctr). */
static int ctr_piece(int op, uint8_t *p, uint64_t pos)
{
	char cbuf[CMSG_SPACE(4) + CMSG_SPACE(sizeof(struct af_alg_iv) + 16)] = {
		0};
	struct iovec v = {.iov_base = p, .iov_len = PIECE};
	struct msghdr m = {.msg_control = cbuf,
			   .msg_controllen = sizeof(cbuf),
			   .msg_iov = &v,
			   .msg_iovlen = 1};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	struct af_alg_iv *a;
	uint64_t add = pos / 16;
	int i;

	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_OP;
	c->cmsg_len = CMSG_LEN(4);
	*(uint32_t *)CMSG_DATA(c) = ALG_OP_ENCRYPT;
	c = CMSG_NXTHDR(&m, c);
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_IV;
	c->cmsg_len = CMSG_LEN(sizeof(*a) + 16);
	a = (void *)CMSG_DATA(c);
	a->ivlen = 16;
	memcpy(a->iv, iv, 16);
	for (i = 15; i >= 0 && add; i--) {
		unsigned int s = a->iv[i] + (add & 0xff);

		a->iv[i] = (uint8_t)s;
		add = (add >> 8) + (s >> 8);
	}
	return sendmsg(op, &m, 0) != PIECE || read(op, p, PIECE) != PIECE ? -1
									  : 0;
}

/* The userspace way: read, AF_ALG, write; 0 or -1. */
static int user_loop(const char *dev, uint64_t len, bool hash)
{
	int in = open(dev, O_RDONLY | O_DIRECT);
	int out = open(OUT, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int op = hash ? alg_op("hash", "sha256", false)
		      : alg_op("skcipher", "ctr(aes)", true);
	uint8_t digest[32];
	uint64_t off;
	int ret = -1;

	if (in < 0 || out < 0 || op < 0)
		goto out;
	for (off = 0; off < len; off += CHUNK) {
		if (pread(in, buf, CHUNK, (off_t)off) != CHUNK)
			goto out;
		if (hash) {
			if (send(op, buf, CHUNK,
				 off + CHUNK < len ? MSG_MORE : 0) != CHUNK)
				goto out;
		} else {
			uint32_t p;

			for (p = 0; p < CHUNK; p += PIECE)
				if (ctr_piece(op, buf + p, off + p))
					goto out;
		}
		if (write(out, buf, CHUNK) != CHUNK)
			goto out;
	}
	if (hash && read(op, digest, sizeof(digest)) != sizeof(digest))
		goto out;
	ret = 0;
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (op >= 0)
		close(op);
	return ret;
}

/* The flowswitch way: one flow, DEV -> stage -> OUT; 0 or -1. */
static int flow(const char *dev, uint64_t len, unsigned int kind,
		const char *alg, const char *driver, uint32_t unit)
{
	struct flowswitch_transform st = {.kind = kind, .key_fd = -1};
	struct flowswitch_sink sink = {0};
	struct flowswitch_flow_create fc = {
		.length = len,
		.chunk_size = CHUNK,
		.depth = 8,
		.nr_sinks = 1,
		.sinks_uptr = (uintptr_t)&sink,
		.nr_stages = 1,
		.stages_uptr = (uintptr_t)&st,
	};
	struct flowswitch_port_create in = {.flags = FLOWSWITCH_PORT_READ};
	struct flowswitch_port_create out = {.flags = FLOWSWITCH_PORT_WRITE};
	struct flowswitch_flow_query q = {0};
	int fsw = fsw_open(NULL), p[2] = {-1, -1}, id, ret = -1;
	unsigned int state;

	snprintf(st.alg, sizeof(st.alg), "%s", alg);
	snprintf(st.driver, sizeof(st.driver), "%s", driver);
	st.data_unit = unit;
	if (kind != FLOWSWITCH_XFORM_DIGEST) {
		if (pipe(p) || write(p[1], key, sizeof(key)) != sizeof(key))
			goto out;
		st.flags = FLOWSWITCH_XFORM_KEY_FD;
		st.key_fd = p[0];
		st.key_len = sizeof(key);
		memcpy(st.iv, iv, sizeof(iv));
	}
	in.fd = open(dev, O_RDONLY);
	out.fd = open(OUT, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fsw < 0 || in.fd < 0 || out.fd < 0)
		goto out;
	fc.src_port_id = (unsigned int)fsw_port_create(fsw, &in);
	sink.port_id = (unsigned int)fsw_port_create(fsw, &out);
	id = fsw_flow_create(fsw, &fc);
	if (id < 0) {
		fprintf(stderr, "xform-bench: %s: %s\n", alg, strerror(-id));
		goto out;
	}
	if (!fsw_flow_ctl(fsw, (unsigned int)id, FLOWSWITCH_FLOW_START) &&
	    !fsw_flow_wait(fsw, (unsigned int)id, 0, &state) &&
	    !fsw_flow_query(fsw, (unsigned int)id, &q) &&
	    q.state == FLOWSWITCH_FLOW_DONE)
		ret = 0;
out:
	if (p[0] >= 0) {
		close(p[0]);
		close(p[1]);
	}
	if (in.fd >= 0)
		close(in.fd);
	if (out.fd >= 0)
		close(out.fd);
	if (fsw >= 0)
		close(fsw);
	return ret;
}

int main(int argc, char **argv)
{
	struct result r[6];
	uint64_t mib, len;
	int rnd;

	if (argc != 3)
		return 2;
	mib = strtoull(argv[2], NULL, 0);
	len = mib << 20;
	rnd = open("/dev/urandom", O_RDONLY);
	if (rnd < 0 || read(rnd, key, sizeof(key)) != sizeof(key) ||
	    read(rnd, iv, sizeof(iv)) != sizeof(iv))
		return 1;
	close(rnd);

	MEASURE(&r[0], "sha256 read/AF_ALG/write", mib,
		user_loop(argv[1], len, true), unlink(OUT));
	MEASURE(&r[1], "sha256 flow", mib,
		flow(argv[1], len, FLOWSWITCH_XFORM_DIGEST, "sha256", "", 0),
		unlink(OUT));
	MEASURE(&r[2], "ctr(aes) read/AF_ALG/write", mib,
		user_loop(argv[1], len, false), unlink(OUT));
	MEASURE(&r[3], "ctr(aes) flow", mib,
		flow(argv[1], len, FLOWSWITCH_XFORM_ENCRYPT, "ctr(aes)", "", 0),
		unlink(OUT));
	MEASURE(&r[4], "cbc(aes) flow, CPU", mib,
		flow(argv[1], len, FLOWSWITCH_XFORM_ENCRYPT, "cbc(aes)", "",
		     64 << 10),
		unlink(OUT));
	MEASURE(&r[5], "cbc(aes) flow, virtio", mib,
		flow(argv[1], len, FLOWSWITCH_XFORM_ENCRYPT, "cbc(aes)",
		     "virtio_crypto_aes_cbc", 64 << 10),
		unlink(OUT));

	printf("transforms: %llu MiB of %s to tmpfs, median of %d\n",
	       (unsigned long long)mib, argv[1], ROUNDS);
	bench_table(r, 6, (const int[]){0, 0, 2, 2, 4, 4});
	printf("base: the userspace loop for sha256 and ctr(aes); the CPU "
	       "engine for cbc(aes)\n");
	return 0;
}
