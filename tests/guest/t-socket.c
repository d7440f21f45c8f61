// SPDX-License-Identifier: GPL-2.0
/*
 * Socket ports (ABI 1.6): connected stream sockets as a flow's sink and
 * source, over TCP on loopback and a Unix socket pair.
 *   1. A -> TCP -> file: two flows of the module at once, one sending A's
 *      bytes, one receiving them into a file; byte-exact, in order,
 *      with a length that is not a multiple of the chunk;
 *   2. the socket's other end driven from userspace in odd pieces (the
 *      flow's receives and sends never line up with them): a writer
 *      feeding a source flow, a reader draining a sink flow;
 *   3. the peer closing early: the flow fails with ENODATA at the read,
 *      bytes_done the whole chunks received, after a PEER event (EPIPE);
 *   4. the peer resetting: the sending flow fails with ECONNRESET or
 *      EPIPE after a PEER event;
 *   5. a flow waiting on a silent socket holds no worker and stops at once;
 *   6. refusals: unconnected, listening and datagram sockets, offsets,
 *      TO_END, VERIFY, retries, a second flow on a busy socket, REQUIRED
 *      p2p; nothing left behind.
 * Disk: reads A only.
 */
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <time.h>

#include "flowtest.h"
#include "nettest.h"

#define DIR "/tmp/sock"
#define CHUNK (256 * KiB)
/* Not a multiple of the chunk, nor of a page. */
#define LEN (8 * MiB + 12345)

static const char *dev_a;
static uint8_t buf_a[256 * KiB], buf_b[256 * KiB];

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int sock_port(int fsw, int fd, unsigned int flags)
{
	struct flowswitch_port_create pc = {.flags = flags, .fd = fd};

	return fsw_port_create(fsw, &pc);
}

/* Create a flow @src -> @dst of @len bytes; its id or -errno. */
static int mkflow(int fsw, int src, int dst, uint64_t len, unsigned int flags,
		  struct flowswitch_flow_create *fc)
{
	struct flowswitch_sink sink = {.port_id = (unsigned int)dst};
	struct flowswitch_flow_create local = {0};

	if (!fc)
		fc = &local;
	if (!fc->chunk_size) {
		memset(fc, 0, sizeof(*fc));
		fc->chunk_size = CHUNK;
		fc->depth = 4;
	}
	fc->src_port_id = (unsigned int)src;
	fc->length = len;
	fc->flags |= flags;
	fc->nr_sinks = 1;
	fc->sinks_uptr = (uintptr_t)&sink;
	return fsw_flow_create(fsw, fc);
}

static void run_and_wait(int fsw, int id, struct flowswitch_flow_query *q)
{
	unsigned int state;

	CHECK(!fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_START), "start");
	CHECK(!fsw_flow_wait(fsw, id, 0, &state), "wait");
	memset(q, 0, sizeof(*q));
	CHECK(!fsw_flow_query(fsw, id, q), "query");
}

/* Is @path exactly A's first @len bytes? */
static bool same_as_a(const char *path, uint64_t len)
{
	return same_prefix(path, dev_a, len);
}

static bool kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	return !uname(&u) && sscanf(u.release, "%d.%d", &ma, &mi) == 2 &&
	       (ma > major || (ma == major && mi >= minor));
}

/* Read the fd's events; true if one of @type for @flow had @errs[]. */
static bool saw_event(int fsw, unsigned int type, unsigned int flow,
		      const int *errs, int nerrs, unsigned int *got)
{
	struct flowswitch_event ev[32];
	bool seen = false;
	ssize_t n;
	int fl = fcntl(fsw, F_GETFL), i, k;

	fcntl(fsw, F_SETFL, fl | O_NONBLOCK);
	while ((n = read(fsw, ev, sizeof(ev))) > 0) {
		for (i = 0; i < n / (ssize_t)sizeof(ev[0]); i++) {
			if (ev[i].type != type || ev[i].flow_id != flow)
				continue;
			*got = ev[i].error;
			for (k = 0; k < nerrs; k++)
				seen |= ev[i].error == (unsigned int)errs[k];
		}
	}
	fcntl(fsw, F_SETFL, fl);
	return seen;
}

static void drain_events(int fsw)
{
	unsigned int got;

	saw_event(fsw, 0, 0, NULL, 0, &got);
}

/* 1. Two module flows through one TCP connection: A -> TCP -> file. */
static void test_module_pair(int fsw)
{
	struct flowswitch_flow_query qs, qr;
	unsigned int state;
	int fds[2], fa, fo, ps, pr, pa, po, snd, rcv;
	double t0;

	if (tcp_pair(fds)) {
		CHECK(0, "tcp pair");
		return;
	}
	fa = open(dev_a, O_RDONLY | O_DIRECT);
	fo = open(DIR "/out1", O_RDWR | O_CREAT | O_TRUNC, 0644);
	pa = sock_port(fsw, fa, FLOWSWITCH_PORT_READ);
	po = sock_port(fsw, fo, FLOWSWITCH_PORT_WRITE);
	ps = sock_port(fsw, fds[0], FLOWSWITCH_PORT_WRITE);
	pr = sock_port(fsw, fds[1], FLOWSWITCH_PORT_READ);
	CHECK(pa > 0 && po > 0 && ps > 0 && pr > 0, "ports %d %d %d %d", pa, po,
	      ps, pr);
	close(fa);
	close(fo);
	snd = mkflow(fsw, pa, ps, LEN, 0, NULL);
	rcv = mkflow(fsw, pr, po, LEN, 0, NULL);
	CHECK(snd > 0 && rcv > 0, "flows %d %d", snd, rcv);
	if (snd <= 0 || rcv <= 0)
		goto out;
	t0 = now_s();
	/* The receiver first: it must wait without a worker. */
	CHECK(!fsw_flow_ctl(fsw, rcv, FLOWSWITCH_FLOW_START), "start rcv");
	usleep(100000);
	CHECK(!fsw_flow_ctl(fsw, snd, FLOWSWITCH_FLOW_START), "start snd");
	CHECK(!fsw_flow_wait(fsw, snd, 0, &state), "wait snd");
	CHECK(!fsw_flow_wait(fsw, rcv, 0, &state), "wait rcv");
	memset(&qs, 0, sizeof(qs));
	memset(&qr, 0, sizeof(qr));
	CHECK(!fsw_flow_query(fsw, snd, &qs) && !fsw_flow_query(fsw, rcv, &qr),
	      "query");
	CHECK(qs.state == FLOWSWITCH_FLOW_DONE && qs.bytes_done == LEN,
	      "sender: state %u error %u done %llu", qs.state, qs.error,
	      (unsigned long long)qs.bytes_done);
	CHECK(qr.state == FLOWSWITCH_FLOW_DONE && qr.bytes_done == LEN,
	      "receiver: state %u error %u stage %u done %llu", qr.state,
	      qr.error, qr.fail_stage, (unsigned long long)qr.bytes_done);
	CHECK(same_as_a(DIR "/out1", LEN), "the file is A's bytes");
	/* 6.5 took MSG_SPLICE_PAGES: the socket keeps the pages it sends. */
	printf("zero-copy: %llu of %llu bytes sent by reference\n",
	       (unsigned long long)qs.zerocopy_bytes, (unsigned long long)LEN);
	if (kernel_at_least(6, 5))
		CHECK(qs.zerocopy_bytes > 0 && qs.zerocopy_bytes <= LEN,
		      "%llu bytes sent by reference",
		      (unsigned long long)qs.zerocopy_bytes);
	printf("A -> TCP -> file: %llu bytes in %.3f s (%.1f MiB/s)\n",
	       (unsigned long long)LEN, now_s() - t0,
	       LEN / MiB / (now_s() - t0));
out:
	fsw_destroy(fsw, snd);
	fsw_destroy(fsw, rcv);
	fsw_destroy(fsw, pa);
	fsw_destroy(fsw, po);
	fsw_destroy(fsw, ps);
	fsw_destroy(fsw, pr);
	close(fds[0]);
	close(fds[1]);
}

struct feeder {
	int fd;
	uint64_t len;
	int fa;
	bool ok;
};

/* Write A's first @len bytes to the socket in pieces of odd sizes. */
static void *feed(void *arg)
{
	struct feeder *f = arg;
	static uint8_t piece[70001];
	uint64_t off = 0;
	size_t step = 1;

	f->ok = true;
	while (off < f->len && f->ok) {
		size_t n = step % sizeof(piece) + 1;

		if (n > f->len - off)
			n = f->len - off;
		f->ok = pread(f->fa, piece, n, off) == (ssize_t)n &&
			write(f->fd, piece, n) == (ssize_t)n;
		off += n;
		step = step * 7 + 13;
	}
	return NULL;
}

/* 2. Userspace on the other end, in odd pieces. */
static void test_userspace_end(int fsw)
{
	struct flowswitch_flow_query q;
	struct feeder f = {0};
	pthread_t th;
	uint64_t got = 0;
	int fds[2], fo, pr, po, ps, pa, id, fa, fcmp;
	bool same = true;

	/* A writer feeding a source flow over a Unix stream pair. */
	CHECK(!socketpair(AF_UNIX, SOCK_STREAM, 0, fds), "socketpair");
	fo = open(DIR "/out2", O_RDWR | O_CREAT | O_TRUNC, 0644);
	pr = sock_port(fsw, fds[1], FLOWSWITCH_PORT_READ);
	po = sock_port(fsw, fo, FLOWSWITCH_PORT_WRITE);
	close(fo);
	id = mkflow(fsw, pr, po, LEN, 0, NULL);
	CHECK(pr > 0 && po > 0 && id > 0, "unix flow %d %d %d", pr, po, id);
	if (id <= 0)
		return; /* a writer would block for ever */
	f.fd = fds[0];
	f.len = LEN;
	f.fa = open(dev_a, O_RDONLY);
	pthread_create(&th, NULL, feed, &f);
	run_and_wait(fsw, id, &q);
	pthread_join(th, NULL);
	CHECK(f.ok, "the writer wrote");
	CHECK(q.state == FLOWSWITCH_FLOW_DONE && q.bytes_done == LEN,
	      "unix source: state %u error %u", q.state, q.error);
	CHECK(same_as_a(DIR "/out2", LEN), "the file is A's bytes (unix)");
	fsw_destroy(fsw, id);
	fsw_destroy(fsw, pr);
	fsw_destroy(fsw, po);
	close(fds[0]);
	close(fds[1]);

	/* A reader draining a sink flow over TCP. */
	if (tcp_pair(fds)) {
		CHECK(0, "tcp pair");
		close(f.fa);
		return;
	}
	fa = open(dev_a, O_RDONLY);
	pa = sock_port(fsw, fa, FLOWSWITCH_PORT_READ);
	ps = sock_port(fsw, fds[0], FLOWSWITCH_PORT_WRITE);
	close(fa);
	id = mkflow(fsw, pa, ps, LEN, 0, NULL);
	CHECK(id > 0, "tcp sink flow: %d", id);
	if (id <= 0)
		return; /* a reader would block for ever */
	CHECK(!fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_START), "start");
	fcmp = f.fa;
	while (got < LEN) {
		size_t want = (got * 31 + 4999) % sizeof(buf_a) + 1;
		ssize_t n = read(fds[1], buf_b, want);

		if (n <= 0)
			break;
		if (pread(fcmp, buf_a, (size_t)n, got) != n ||
		    memcmp(buf_a, buf_b, (size_t)n))
			same = false;
		got += (uint64_t)n;
	}
	CHECK(got == LEN && same, "the reader got A's bytes in order: %llu",
	      (unsigned long long)got);
	memset(&q, 0, sizeof(q));
	fsw_flow_wait(fsw, id, 0, NULL);
	CHECK(!fsw_flow_query(fsw, id, &q) && q.state == FLOWSWITCH_FLOW_DONE,
	      "tcp sink: state %u error %u", q.state, q.error);
	fsw_destroy(fsw, id);
	fsw_destroy(fsw, pa);
	fsw_destroy(fsw, ps);
	close(fds[0]);
	close(fds[1]);
	close(fcmp);
}

/* 3. The peer closes after 1 MiB of 4: ENODATA at the read, PEER EPIPE. */
static void test_peer_close(int fsw)
{
	static const int epipe[] = {EPIPE};
	struct flowswitch_flow_query q;
	unsigned int got = 0;
	int fds[2], fo, pr, po, id, fa;
	uint64_t off;

	if (tcp_pair(fds)) {
		CHECK(0, "tcp pair");
		return;
	}
	drain_events(fsw);
	fo = open(DIR "/out3", O_RDWR | O_CREAT | O_TRUNC, 0644);
	pr = sock_port(fsw, fds[1], FLOWSWITCH_PORT_READ);
	po = sock_port(fsw, fo, FLOWSWITCH_PORT_WRITE);
	close(fo);
	id = mkflow(fsw, pr, po, 4 * MiB, 0, NULL);
	CHECK(id > 0, "flow %d", id);
	if (id <= 0)
		return;
	CHECK(!fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_START), "start");
	fa = open(dev_a, O_RDONLY);
	for (off = 0; off < MiB; off += sizeof(buf_a))
		if (pread(fa, buf_a, sizeof(buf_a), off) != sizeof(buf_a) ||
		    write(fds[0], buf_a, sizeof(buf_a)) != sizeof(buf_a))
			CHECK(0, "write");
	close(fa);
	close(fds[0]);
	fsw_flow_wait(fsw, id, 0, NULL);
	memset(&q, 0, sizeof(q));
	CHECK(!fsw_flow_query(fsw, id, &q), "query");
	CHECK(q.state == FLOWSWITCH_FLOW_FAILED && q.error == ENODATA &&
		      q.fail_stage == FLOWSWITCH_STAGE_READ &&
		      q.bytes_done == MiB && q.fail_offset == MiB,
	      "peer closed: state %u error %u stage %u done %llu at %llu",
	      q.state, q.error, q.fail_stage, (unsigned long long)q.bytes_done,
	      (unsigned long long)q.fail_offset);
	CHECK(saw_event(fsw, FLOWSWITCH_EVENT_PEER, (unsigned int)id, epipe, 1,
			&got),
	      "a PEER event with EPIPE (got %u)", got);
	CHECK(same_as_a(DIR "/out3", MiB), "the first MiB arrived");
	fsw_destroy(fsw, id);
	fsw_destroy(fsw, pr);
	fsw_destroy(fsw, po);
	close(fds[1]);
}

/* 4. The peer resets the connection under a sending flow. */
static void test_peer_reset(int fsw)
{
	static const int errs[] = {ECONNRESET, EPIPE};
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	struct flowswitch_flow_query q;
	unsigned int got = 0;
	int fds[2], fa, pa, ps, id;

	if (tcp_pair(fds)) {
		CHECK(0, "tcp pair");
		return;
	}
	drain_events(fsw);
	fa = open(dev_a, O_RDONLY);
	pa = sock_port(fsw, fa, FLOWSWITCH_PORT_READ);
	ps = sock_port(fsw, fds[0], FLOWSWITCH_PORT_WRITE);
	close(fa);
	id = mkflow(fsw, pa, ps, 64 * MiB, 0, NULL);
	CHECK(id > 0, "flow %d", id);
	if (id <= 0)
		return;
	CHECK(!fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_START), "start");
	/* Read a little, then reset: unread data makes close send RST. */
	CHECK(read(fds[1], buf_b, 4096) > 0, "read some");
	setsockopt(fds[1], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fds[1]);
	fsw_flow_wait(fsw, id, 0, NULL);
	memset(&q, 0, sizeof(q));
	CHECK(!fsw_flow_query(fsw, id, &q), "query");
	CHECK(q.state == FLOWSWITCH_FLOW_FAILED &&
		      (q.error == ECONNRESET || q.error == EPIPE) &&
		      q.fail_stage == FLOWSWITCH_STAGE_WRITE &&
		      q.bytes_done < 64 * MiB,
	      "reset: state %u error %u stage %u", q.state, q.error,
	      q.fail_stage);
	CHECK(saw_event(fsw, FLOWSWITCH_EVENT_PEER, (unsigned int)id, errs, 2,
			&got),
	      "a PEER event with ECONNRESET or EPIPE (got %u)", got);
	fsw_destroy(fsw, id);
	fsw_destroy(fsw, pa);
	fsw_destroy(fsw, ps);
	close(fds[0]);
}

/* 5. Nothing arrives: the flow waits without a worker and stops at once. */
static void test_silent_stop(int fsw)
{
	struct flowswitch_flow_query q;
	int fds[2], fo, pr, po, id, i;
	double t0, worst = 0;

	for (i = 0; i < 5; i++) {
		if (tcp_pair(fds)) {
			CHECK(0, "tcp pair");
			return;
		}
		fo = open(DIR "/out5", O_RDWR | O_CREAT | O_TRUNC, 0644);
		pr = sock_port(fsw, fds[1], FLOWSWITCH_PORT_READ);
		po = sock_port(fsw, fo, FLOWSWITCH_PORT_WRITE);
		close(fo);
		id = mkflow(fsw, pr, po, MiB, 0, NULL);
		CHECK(!fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_START), "start");
		/* Half a chunk: a receive in progress when the stop comes. */
		if (i & 1)
			CHECK(write(fds[0], buf_a, CHUNK / 2) == CHUNK / 2,
			      "write");
		usleep(50000);
		t0 = now_s();
		CHECK(!fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_STOP), "stop");
		if (now_s() - t0 > worst)
			worst = now_s() - t0;
		memset(&q, 0, sizeof(q));
		CHECK(!fsw_flow_query(fsw, id, &q) &&
			      q.state == FLOWSWITCH_FLOW_STOPPED &&
			      q.in_flight == 0,
		      "stopped: state %u in flight %u", q.state, q.in_flight);
		fsw_destroy(fsw, id);
		fsw_destroy(fsw, pr);
		fsw_destroy(fsw, po);
		close(fds[0]);
		close(fds[1]);
	}
	CHECK(worst < 1.0, "a stop took %.3f s", worst);
	printf("silent socket: slowest stop %.1f ms\n", worst * 1e3);
}

/* 6. What a socket port refuses, leaving nothing behind. */
static void test_refusals(int fsw)
{
	struct flowswitch_port_create pc = {0};
	struct flowswitch_flow_create fc;
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int fds[2], s, fa, fo, pa, po, ps, pr, id;

	s = socket(AF_INET, SOCK_STREAM, 0);
	pc.flags = FLOWSWITCH_PORT_READ;
	pc.fd = s;
	CHECK(fsw_port_create(fsw, &pc) == -ENOTCONN, "an unconnected socket");
	CHECK(!bind(s, (void *)&sa, sizeof(sa)) && !listen(s, 1), "listen");
	CHECK(fsw_port_create(fsw, &pc) == -ENOTCONN, "a listening socket");
	close(s);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	pc.fd = s;
	CHECK(fsw_port_create(fsw, &pc) == -EOPNOTSUPP, "a datagram socket");
	close(s);

	if (tcp_pair(fds)) {
		CHECK(0, "tcp pair");
		return;
	}
	fa = open(dev_a, O_RDONLY);
	fo = open(DIR "/out6", O_RDWR | O_CREAT | O_TRUNC, 0644);
	pa = sock_port(fsw, fa, FLOWSWITCH_PORT_READ);
	po = sock_port(fsw, fo, FLOWSWITCH_PORT_WRITE);
	ps = sock_port(fsw, fds[0], FLOWSWITCH_PORT_WRITE);
	pr = sock_port(fsw, fds[1], FLOWSWITCH_PORT_READ);
	close(fa);
	close(fo);

	memset(&fc, 0, sizeof(fc));
	fc.chunk_size = CHUNK;
	fc.depth = 2;
	fc.src_offset = 4096;
	CHECK(mkflow(fsw, pr, po, MiB, 0, &fc) == -EINVAL, "a source offset");
	memset(&fc, 0, sizeof(fc));
	CHECK(mkflow(fsw, pr, po, 0, FLOWSWITCH_FLOW_TO_END, NULL) == -EINVAL,
	      "TO_END on a stream");
	CHECK(mkflow(fsw, pr, po, MiB, FLOWSWITCH_FLOW_VERIFY, NULL) == -EINVAL,
	      "VERIFY from a stream");
	CHECK(mkflow(fsw, pa, ps, MiB, FLOWSWITCH_FLOW_VERIFY, NULL) == -EINVAL,
	      "VERIFY into a stream");
	memset(&fc, 0, sizeof(fc));
	fc.chunk_size = CHUNK;
	fc.depth = 2;
	fc.max_retries = 3;
	CHECK(mkflow(fsw, pa, ps, MiB, 0, &fc) == -EINVAL, "retries");
	memset(&fc, 0, sizeof(fc));
	fc.chunk_size = CHUNK;
	fc.depth = 2;
	fc.placement = FLOWSWITCH_P2P_REQUIRED;
	/* Without P2PDMA in the kernel, that reason comes first. */
	CHECK(mkflow(fsw, pa, ps, MiB, 0, &fc) == -EXDEV &&
		      (fc.out_p2p_reason == FLOWSWITCH_P2P_NOT_PCI ||
		       fc.out_p2p_reason == FLOWSWITCH_P2P_NO_KERNEL_SUPPORT),
	      "REQUIRED p2p to a socket: reason %u", fc.out_p2p_reason);
	{
		struct flowswitch_sink sink = {.port_id = (unsigned int)ps,
					       .offset = 4096};

		memset(&fc, 0, sizeof(fc));
		fc.chunk_size = CHUNK;
		fc.depth = 2;
		fc.src_port_id = (unsigned int)pa;
		fc.length = MiB;
		fc.nr_sinks = 1;
		fc.sinks_uptr = (uintptr_t)&sink;
		CHECK(fsw_flow_create(fsw, &fc) == -EINVAL, "a sink offset");
	}
	id = mkflow(fsw, pa, ps, MiB, 0, NULL);
	CHECK(id > 0, "a flow on the socket");
	CHECK(mkflow(fsw, pa, ps, MiB, 0, NULL) == -EBUSY,
	      "a second flow on a busy socket");
	fsw_destroy(fsw, id);
	id = mkflow(fsw, pa, ps, MiB, 0, NULL);
	CHECK(id > 0, "free again once the first flow is gone");
	fsw_destroy(fsw, id);
	fsw_destroy(fsw, pa);
	fsw_destroy(fsw, po);
	fsw_destroy(fsw, ps);
	fsw_destroy(fsw, pr);
	close(fds[0]);
	close(fds[1]);
}

int main(void)
{
	struct flowswitch_info before, info;
	int fsw, i;

	for (i = 0; i < 50 && !nvme_by_serial("fswA"); i++)
		usleep(100000);
	dev_a = nvme_by_serial("fswA");
	if (!dev_a)
		return T_SKIP;
	if (lo_up()) {
		fprintf(stderr, "lo: %s\n", strerror(errno));
		return T_FAIL;
	}
	mkdir(DIR, 0755);
	CHECK(!info_now(&before), "info");
	fsw = fsw_open(NULL);
	if (fsw < 0)
		return T_FAIL;
	memset(&info, 0, sizeof(info));
	if (fsw_info(fsw, &info) || info.abi_minor < 6) {
		fprintf(stderr, "ABI %u.%u: no socket ports\n", info.abi_major,
			info.abi_minor);
		return T_FAIL;
	}
	test_module_pair(fsw);
	test_userspace_end(fsw);
	test_peer_close(fsw);
	test_peer_reset(fsw);
	test_silent_stop(fsw);
	test_refusals(fsw);
	close(fsw);
	check_baseline(&before);
	/* The guest's /tmp is RAM that later tests need. */
	if (system("rm -rf " DIR))
		CHECK(0, "rm -rf " DIR);
	return t_result();
}
