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
#include "bench.h"
#include "flowswitch.h"

#define REC (128 << 10)

static uint8_t key[32], iv[16];
static uint8_t buf[REC + 64] __attribute__((aligned(4096)));
static uint8_t ct[REC + 64];

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

		if (pread(in, buf, REC, (off_t)off) < (ssize_t)n)
			goto out;
		if (!gcm) {
			if (send_all(sock, buf, n))
				goto out;
			continue;
		}
		if (alg_record(op, true, iv, off / REC, off + n == len, buf, n,
			       ct) ||
		    send_all(sock, ct, n + 16))
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
		fprintf(stderr, "sock-bench: flow state %u error %u\n", q.state,
			q.error);
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

int main(int argc, char **argv)
{
	struct result r[4];
	uint64_t mib, len;
	int rnd;

	if (argc != 3)
		return 2;
	mib = strtoull(argv[2], NULL, 0);
	len = mib << 20;
	rnd = open("/dev/urandom", O_RDONLY);
	if (rnd < 0 || read(rnd, key, sizeof(key)) != sizeof(key) ||
	    read(rnd, iv, sizeof(iv)) != sizeof(iv) || lo_up())
		return 1;
	close(rnd);

	MEASURE(&r[0], "tcp read/send", (double)mib,
		one(argv[1], len, false, false), (void)0);
	MEASURE(&r[1], "tcp flow", (double)mib, one(argv[1], len, false, true),
		(void)0);
	MEASURE(&r[2], "gcm read/AF_ALG/send", (double)mib,
		one(argv[1], len, true, false), (void)0);
	MEASURE(&r[3], "gcm flow", (double)mib, one(argv[1], len, true, true),
		(void)0);

	printf("sockets: %llu MiB of %s into TCP on loopback, median of %d\n",
	       (unsigned long long)mib, argv[1], ROUNDS);
	bench_table(r, 4, (const int[]){0, 0, 2, 2});
	printf("base: the userspace loop of the same records\n");
	return 0;
}
