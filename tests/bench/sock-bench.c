// SPDX-License-Identifier: GPL-2.0
/*
 * sock-bench DEV MIB: the first MIB MiB of DEV into a TCP connection on
 * loopback, in one guest boot, each way against the userspace loop a
 * program would otherwise run:
 *   plain    a flow DEV -> socket, vs pread (O_DIRECT) / send;
 *   gcm      a flow DEV -> seal gcm(aes) -> socket, vs pread / AF_ALG
 *            aead / send, in the same records (128 KiB plaintext, 16-byte
 *            tag, the flowswitch framing: AF_ALG cannot take a record much
 *            larger than its ~208 KiB socket buffer in one go).
 * A thread reads the other end and throws the bytes away, the same for
 * both.  Prints MiB/s and CPU seconds of the whole machine (/proc/stat:
 * the flow runs in kernel workers), median of ROUNDS, and the ratios
 * against the loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_alg.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../guest/algtest.h"
#include "../guest/nettest.h"
#include "flowswitch.h"

#define ROUNDS 3
#define REC (128 << 10)

static uint8_t key[32], iv[16];
static uint8_t buf[REC + 64] __attribute__((aligned(4096)));
static uint8_t ct[REC + 64];

static double busy_s(void)
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

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct drain {
	int fd;
	uint64_t got;
};

static void *drain(void *arg)
{
	static uint8_t sink[1 << 20];
	struct drain *d = arg;
	ssize_t n;

	while ((n = read(d->fd, sink, sizeof(sink))) > 0)
		d->got += (uint64_t)n;
	return NULL;
}

/* AF_ALG gcm(aes): seal record @k (@n bytes at @p) into ct; its size. */
static ssize_t seal_record(int op, const uint8_t *p, size_t n, uint64_t k,
			   bool last)
{
	char cbuf[CMSG_SPACE(4) + CMSG_SPACE(sizeof(struct af_alg_iv) + 12) +
		  CMSG_SPACE(4)] = {0};
	uint8_t ad[12] = {'f', 's', 'w', '1', (uint8_t)(n >> 24),
			  (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n,
			  0, 0, 0, last};
	struct iovec v[2] = {{ad, 12}, {(void *)p, n}};
	struct msghdr m = {.msg_control = cbuf,
			   .msg_controllen = sizeof(cbuf),
			   .msg_iov = v,
			   .msg_iovlen = 2};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	struct af_alg_iv *aiv;
	int i;

	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_OP;
	c->cmsg_len = CMSG_LEN(4);
	*(uint32_t *)CMSG_DATA(c) = ALG_OP_ENCRYPT;
	c = CMSG_NXTHDR(&m, c);
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_IV;
	c->cmsg_len = CMSG_LEN(sizeof(*aiv) + 12);
	aiv = (void *)CMSG_DATA(c);
	aiv->ivlen = 12;
	memcpy(aiv->iv, iv, 12);
	for (i = 0; i < 8; i++)
		aiv->iv[4 + i] ^= (uint8_t)(k >> (56 - 8 * i));
	c = CMSG_NXTHDR(&m, c);
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_AEAD_ASSOCLEN;
	c->cmsg_len = CMSG_LEN(4);
	*(uint32_t *)CMSG_DATA(c) = 12;
	if (sendmsg(op, &m, 0) != (ssize_t)(12 + n))
		return -1;
	/* Out: the associated data, the ciphertext, the tag. */
	if (read(op, ct, 12 + n + 16) != (ssize_t)(12 + n + 16))
		return -1;
	return (ssize_t)(n + 16);
}

static int send_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, 0);

		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The userspace way; 0 or -1. */
static int user_loop(const char *dev, uint64_t len, bool gcm, int sock)
{
	int in = open(dev, O_RDONLY | O_DIRECT), op = -1, ret = -1;
	uint64_t off;

	if (gcm) {
		op = alg_open("aead", "gcm(aes)", key, sizeof(key));
		if (op < 0)
			goto out;
	}
	if (in < 0)
		goto out;
	for (off = 0; off < len; off += REC) {
		size_t n = len - off < REC ? len - off : REC;
		ssize_t c;

		if (pread(in, buf, REC, (off_t)off) < (ssize_t)n)
			goto out;
		if (!gcm) {
			if (send_all(sock, buf, n))
				goto out;
			continue;
		}
		c = seal_record(op, buf, n, off / REC, off + n == len);
		if (c < 0 || send_all(sock, ct + 12, (size_t)c))
			goto out;
	}
	ret = 0;
out:
	if (in >= 0)
		close(in);
	if (op >= 0)
		close(op);
	return ret;
}

/* The flowswitch way: one flow DEV [-> seal] -> socket; 0 or -1. */
static int flow(const char *dev, uint64_t len, bool gcm, int sock)
{
	struct flowswitch_transform st = {.kind = FLOWSWITCH_XFORM_SEAL,
					  .key_fd = -1};
	struct flowswitch_sink sink = {0};
	struct flowswitch_flow_create fc = {
		.length = len,
		.chunk_size = REC,
		.depth = 8,
		.nr_sinks = 1,
		.sinks_uptr = (uintptr_t)&sink,
	};
	struct flowswitch_port_create in = {.flags = FLOWSWITCH_PORT_READ};
	struct flowswitch_port_create out = {.flags = FLOWSWITCH_PORT_WRITE,
					     .fd = sock};
	struct flowswitch_flow_query q = {0};
	int fsw = fsw_open(NULL), id, ret = -1;
	unsigned int state;

	if (gcm) {
		snprintf(st.alg, sizeof(st.alg), "gcm(aes)");
		st.flags = FLOWSWITCH_XFORM_KEY_FD;
		st.key_fd = key_pipe(key, sizeof(key));
		memcpy(st.iv, iv, sizeof(iv));
		fc.nr_stages = 1;
		fc.stages_uptr = (uintptr_t)&st;
	}
	in.fd = open(dev, O_RDONLY);
	if (fsw < 0 || in.fd < 0)
		goto out;
	fc.src_port_id = (unsigned int)fsw_port_create(fsw, &in);
	sink.port_id = (unsigned int)fsw_port_create(fsw, &out);
	id = fsw_flow_create(fsw, &fc);
	if (id < 0) {
		fprintf(stderr, "sock-bench: flow: %s\n", strerror(-id));
		goto out;
	}
	if (!fsw_flow_ctl(fsw, (unsigned int)id, FLOWSWITCH_FLOW_START) &&
	    !fsw_flow_wait(fsw, (unsigned int)id, 0, &state) &&
	    !fsw_flow_query(fsw, (unsigned int)id, &q) &&
	    q.state == FLOWSWITCH_FLOW_DONE)
		ret = 0;
	else
		fprintf(stderr, "sock-bench: flow state %u error %u\n",
			q.state, q.error);
out:
	if (st.key_fd >= 0)
		close(st.key_fd);
	if (in.fd >= 0)
		close(in.fd);
	if (fsw >= 0)
		close(fsw);
	return ret;
}

/* One run of a method on a fresh connection, drained; 0 or -1. */
static int one(const char *dev, uint64_t len, bool gcm, bool use_flow)
{
	struct drain d = {0};
	pthread_t th;
	int fds[2], ret;
	uint64_t want = len;

	if (tcp_pair(fds))
		return -1;
	d.fd = fds[1];
	pthread_create(&th, NULL, drain, &d);
	ret = use_flow ? flow(dev, len, gcm, fds[0])
		       : user_loop(dev, len, gcm, fds[0]);
	shutdown(fds[0], SHUT_WR);
	pthread_join(th, NULL);
	close(fds[0]);
	close(fds[1]);
	if (gcm)
		want += (len + REC - 1) / REC * 16;
	return ret || d.got != want ? -1 : 0;
}

struct result {
	const char *name;
	double mibs, cpu;
};

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int measure(struct result *r, const char *name, double mib,
		   const char *dev, uint64_t len, bool gcm, bool use_flow)
{
	double w[ROUNDS], c[ROUNDS];
	int i, bad = 0;

	for (i = 0; i < ROUNDS && !bad; i++) {
		double t0 = now_s(), c0 = busy_s();

		bad = one(dev, len, gcm, use_flow);
		w[i] = now_s() - t0;
		c[i] = busy_s() - c0;
	}
	qsort(w, ROUNDS, sizeof(w[0]), cmp_d);
	qsort(c, ROUNDS, sizeof(c[0]), cmp_d);
	r->name = name;
	r->mibs = bad ? 0 : mib / w[ROUNDS / 2];
	r->cpu = bad ? 0 : c[ROUNDS / 2];
	if (bad)
		fprintf(stderr, "sock-bench: %s failed\n", name);
	return bad;
}

int main(int argc, char **argv)
{
	struct result r[4];
	uint64_t mib, len;
	int rnd, i;

	if (argc != 3)
		return 2;
	mib = strtoull(argv[2], NULL, 0);
	len = mib << 20;
	rnd = open("/dev/urandom", O_RDONLY);
	if (rnd < 0 || read(rnd, key, sizeof(key)) != sizeof(key) ||
	    read(rnd, iv, sizeof(iv)) != sizeof(iv) || lo_up())
		return 1;
	close(rnd);

	measure(&r[0], "tcp read/send", (double)mib, argv[1], len, false,
		false);
	measure(&r[1], "tcp flow", (double)mib, argv[1], len, false, true);
	measure(&r[2], "gcm read/AF_ALG/send", (double)mib, argv[1], len, true,
		false);
	measure(&r[3], "gcm flow", (double)mib, argv[1], len, true, true);

	printf("sockets: %llu MiB of %s into TCP on loopback, median of %d\n",
	       (unsigned long long)mib, argv[1], ROUNDS);
	printf("%-28s %9s %8s %10s %8s\n", "method", "MiB/s", "cpu-s", "x base",
	       "cpu/base");
	for (i = 0; i < 4; i++) {
		const struct result *b = &r[i & ~1];

		printf("%-28s %9.1f %8.2f %10.2f %8.2f\n", r[i].name, r[i].mibs,
		       r[i].cpu, b->mibs ? r[i].mibs / b->mibs : 0,
		       b->cpu ? r[i].cpu / b->cpu : 0);
	}
	printf("base: the userspace loop of the same records\n");
	return 0;
}
