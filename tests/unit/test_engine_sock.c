// SPDX-License-Identifier: GPL-2.0
/*
 * Socket ports (ABI 1.6) on the embedded io_uring engine, on this host:
 * Unix stream socket pairs and loopback TCP.
 *   - ports: a connected stream socket is SOCKET with size 0; a datagram
 *     socket EOPNOTSUPP, an unconnected TCP socket ENOTCONN;
 *   - a file to a socket and a socket to a file, byte for byte, over
 *     several chunks (the peer on a thread), an O_NONBLOCK socket too;
 *   - the module's refusals (kmod/flow.c): TO_END or an offset on a socket
 *     source, an offset on a socket sink, retries (EINVAL), a second flow
 *     on one socket port (EBUSY);
 *   - the peer closing early: ENODATA (reading) or EPIPE (writing), with a
 *     PEER event before the flow's FAILED event;
 *   - STOP while a receive waits on a silent peer: STOPPED at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine.h"

#define CHUNK (64u * 1024)
#define LEN (5 * CHUNK + 777)

static uint8_t data[LEN], got[LEN];

static void fill(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (size_t i = 0; i < LEN; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		data[i] = (uint8_t)x;
	}
}

static int tmp_fd(void)
{
	char name[] = "/tmp/test_engine_sock.XXXXXX";
	int fd = mkstemp(name);

	assert_true(fd >= 0);
	unlink(name);
	return fd;
}

/* One item as a transaction of its own; 0 or -errno. */
static int txn1(struct fsw_engine *e, uint32_t op, void *cmd, uint32_t flags)
{
	struct flowswitch_txn_item item;
	struct flowswitch_txn txn;

	memset(&item, 0, sizeof(item));
	memset(&txn, 0, sizeof(txn));
	item.op = op;
	item.cmd_uptr = (uintptr_t)cmd;
	txn.size = sizeof(txn);
	txn.nr_items = 1;
	txn.items_uptr = (uintptr_t)&item;
	txn.flags = flags;
	return e->ops->txn(e, &txn);
}

static int port(struct fsw_engine *e, int fd, uint32_t flags, uint32_t *kind)
{
	struct flowswitch_port_create pc;
	int ret;

	memset(&pc, 0, sizeof(pc));
	pc.size = sizeof(pc);
	pc.flags = flags;
	pc.fd = fd;
	ret = txn1(e, FLOWSWITCH_TXN_PORT_CREATE, &pc, 0);
	if (kind)
		*kind = pc.out_kind;
	return ret ? ret : (int)pc.out_port_id;
}

struct fparams {
	uint32_t flags;
	uint64_t src_offset, sink_offset, length;
	uint32_t retries;
};

/* A flow from port @src to port @dst, started; its id or -errno. */
static int flow(struct fsw_engine *e, int src, int dst,
		const struct fparams *fp)
{
	struct flowswitch_flow_create fc;
	struct flowswitch_sink sink;
	int ret;

	memset(&fc, 0, sizeof(fc));
	memset(&sink, 0, sizeof(sink));
	sink.port_id = (uint32_t)dst;
	sink.offset = fp->sink_offset;
	fc.size = sizeof(fc);
	fc.flags = fp->flags;
	fc.src_port_id = (uint32_t)src;
	fc.src_offset = fp->src_offset;
	fc.length = fp->length;
	fc.nr_sinks = 1;
	fc.sinks_uptr = (uintptr_t)&sink;
	fc.chunk_size = CHUNK;
	fc.depth = 4;
	fc.max_retries = fp->retries;
	ret = txn1(e, FLOWSWITCH_TXN_FLOW_CREATE, &fc, FLOWSWITCH_TXN_START);
	return ret ? ret : (int)fc.out_flow_id;
}

static void wait_final(struct fsw_engine *e, uint32_t id,
		       struct flowswitch_flow_query *q)
{
	for (int i = 0; i < 20000; i++) {
		memset(q, 0, sizeof(*q));
		q->size = sizeof(*q);
		assert_int_equal(e->ops->flow_query(e, id, q), 0);
		if (q->state >= FLOWSWITCH_FLOW_DONE)
			return;
		usleep(500);
	}
	fail_msg("flow %u never final", id);
}

struct peer {
	int fd;
	size_t len; /* bytes to write or read, then close */
	size_t done;
};

static void *peer_write(void *arg)
{
	struct peer *p = arg;

	while (p->done < p->len) {
		ssize_t n = write(p->fd, data + p->done, p->len - p->done);

		if (n <= 0)
			break;
		p->done += (size_t)n;
	}
	close(p->fd);
	return NULL;
}

static void *peer_read(void *arg)
{
	struct peer *p = arg;

	while (p->done < p->len) {
		ssize_t n = read(p->fd, got + p->done, p->len - p->done);

		if (n <= 0)
			break;
		p->done += (size_t)n;
	}
	close(p->fd);
	return NULL;
}

static void test_ports(void **state)
{
	struct fsw_engine *e = *state;
	struct sockaddr_in sa = {.sin_family = AF_INET};
	uint32_t kind = 0;
	int sv[2], fd;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_true(port(e, sv[0], FLOWSWITCH_PORT_READ | FLOWSWITCH_PORT_WRITE,
			 &kind) > 0);
	assert_int_equal(kind, FLOWSWITCH_PORT_SOCKET);
	close(sv[0]);
	close(sv[1]);
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	assert_int_equal(port(e, sv[0], FLOWSWITCH_PORT_READ, NULL),
			 -EOPNOTSUPP);
	close(sv[0]);
	close(sv[1]);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(port(e, fd, FLOWSWITCH_PORT_READ, NULL), -ENOTCONN);
	close(fd);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons(9);
	connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	assert_int_equal(port(e, fd, FLOWSWITCH_PORT_READ, NULL), -EOPNOTSUPP);
	close(fd);
}

/* A loopback TCP connection: both ends in @sv. */
static void tcp_pair(int sv[2])
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(l >= 0);
	assert_int_equal(bind(l, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(l, 1), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&sa, &len), 0);
	sv[0] = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(sv[0], (struct sockaddr *)&sa, sizeof(sa)), 0);
	sv[1] = accept(l, NULL, NULL);
	assert_true(sv[1] >= 0);
	close(l);
}

/* File -> socket and socket -> file, on a Unix pair or TCP. */
static void copy_both_ways(struct fsw_engine *e, bool tcp, bool nonblock)
{
	struct fparams fp = {.flags = FLOWSWITCH_FLOW_TO_END};
	struct flowswitch_flow_query q;
	struct peer p;
	pthread_t th;
	int sv[2], f = tmp_fd(), src, dst, id;

	assert_int_equal(pwrite(f, data, LEN, 0), LEN);
	if (tcp)
		tcp_pair(sv);
	else
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	if (nonblock)
		fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);

	/* The file to the socket; the peer reads. */
	src = port(e, f, FLOWSWITCH_PORT_READ, NULL);
	dst = port(e, sv[0], FLOWSWITCH_PORT_READ | FLOWSWITCH_PORT_WRITE,
		   NULL);
	assert_true(src > 0 && dst > 0);
	memset(got, 0, sizeof(got));
	p = (struct peer){.fd = dup(sv[1]), .len = LEN};
	assert_int_equal(pthread_create(&th, NULL, peer_read, &p), 0);
	id = flow(e, src, dst, &fp);
	assert_true(id > 0);
	wait_final(e, (uint32_t)id, &q);
	assert_int_equal(q.state, FLOWSWITCH_FLOW_DONE);
	assert_int_equal(q.bytes_done, LEN);
	pthread_join(th, NULL);
	assert_int_equal(p.done, LEN);
	assert_memory_equal(got, data, LEN);
	assert_int_equal(e->ops->destroy(e, (uint32_t)id), 0);
	assert_int_equal(e->ops->destroy(e, (uint32_t)src), 0);

	/* The socket to a file; the peer writes. */
	assert_int_equal(ftruncate(f, 0), 0);
	dst = port(e, f, FLOWSWITCH_PORT_WRITE, NULL);
	src = port(e, sv[0], FLOWSWITCH_PORT_READ, NULL);
	p = (struct peer){.fd = sv[1], .len = LEN};
	assert_int_equal(pthread_create(&th, NULL, peer_write, &p), 0);
	fp = (struct fparams){.length = LEN};
	id = flow(e, src, dst, &fp);
	assert_true(id > 0);
	wait_final(e, (uint32_t)id, &q);
	pthread_join(th, NULL);
	assert_int_equal(q.state, FLOWSWITCH_FLOW_DONE);
	assert_int_equal(q.bytes_done, LEN);
	assert_int_equal(pread(f, got, LEN, 0), LEN);
	assert_memory_equal(got, data, LEN);
	e->ops->destroy(e, (uint32_t)id);
	e->ops->destroy(e, (uint32_t)src);
	e->ops->destroy(e, (uint32_t)dst);
	close(sv[0]);
	close(f);
}

static void test_copy_unix(void **state)
{
	copy_both_ways(*state, false, false);
}

static void test_copy_tcp(void **state)
{
	copy_both_ways(*state, true, false);
}

static void test_copy_nonblock(void **state)
{
	copy_both_ways(*state, true, true);
}

static void test_refusals(void **state)
{
	struct fsw_engine *e = *state;
	struct fparams fp;
	int sv[2], f = tmp_fd(), s, fp_id, id;

	assert_int_equal(pwrite(f, data, CHUNK, 0), CHUNK);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	s = port(e, sv[0], FLOWSWITCH_PORT_READ | FLOWSWITCH_PORT_WRITE, NULL);
	fp_id = port(e, f, FLOWSWITCH_PORT_READ | FLOWSWITCH_PORT_WRITE, NULL);
	assert_true(s > 0 && fp_id > 0);

	fp = (struct fparams){.flags = FLOWSWITCH_FLOW_TO_END};
	assert_int_equal(flow(e, s, fp_id, &fp), -EINVAL);
	fp = (struct fparams){.length = 10, .src_offset = 1};
	assert_int_equal(flow(e, s, fp_id, &fp), -EINVAL);
	fp = (struct fparams){.flags = FLOWSWITCH_FLOW_TO_END,
			      .sink_offset = 4096};
	assert_int_equal(flow(e, fp_id, s, &fp), -EINVAL);
	fp = (struct fparams){.flags = FLOWSWITCH_FLOW_TO_END, .retries = 1};
	assert_int_equal(flow(e, fp_id, s, &fp), -EINVAL);
	fp = (struct fparams){.length = 10, .retries = 2};
	assert_int_equal(flow(e, s, fp_id, &fp), -EINVAL);

	/* One flow per socket port: a silent peer keeps the first busy. */
	fp = (struct fparams){.length = CHUNK};
	id = flow(e, s, fp_id, &fp);
	assert_true(id > 0);
	fp = (struct fparams){.flags = FLOWSWITCH_FLOW_TO_END};
	assert_int_equal(flow(e, fp_id, s, &fp), -EBUSY);
	fp = (struct fparams){.length = 5};
	assert_int_equal(flow(e, s, fp_id, &fp), -EBUSY);
	e->ops->flow_ctl(e, (uint32_t)id, FLOWSWITCH_FLOW_STOP);
	e->ops->destroy(e, (uint32_t)id);
	e->ops->destroy(e, (uint32_t)s);
	e->ops->destroy(e, (uint32_t)fp_id);
	close(sv[0]);
	close(sv[1]);
	close(f);
}

/* The events of flow @id until its final state: was PEER (@err) first? */
static void expect_peer(struct fsw_engine *e, uint32_t id, uint32_t err)
{
	struct flowswitch_event ev[64];
	bool peer = false, final = false;
	ssize_t n;

	for (int tries = 0; tries < 2000 && !final; tries++) {
		n = e->ops->read_events(e, ev, 64);
		for (ssize_t i = 0; i < n; i++) {
			if (ev[i].flow_id != id)
				continue;
			if (ev[i].type == FLOWSWITCH_EVENT_PEER) {
				assert_false(final);
				assert_int_equal(ev[i].error, err);
				peer = true;
			}
			if (ev[i].type == FLOWSWITCH_EVENT_FLOW_STATE &&
			    ev[i].state == FLOWSWITCH_FLOW_FAILED)
				final = true;
		}
		if (!final)
			usleep(1000);
	}
	assert_true(peer && final);
}

static void test_peer_close(void **state)
{
	struct fsw_engine *e = *state;
	struct flowswitch_event drain[64];
	struct flowswitch_flow_query q;
	struct fparams fp;
	struct peer p;
	pthread_t th;
	int sv[2], f = tmp_fd(), s, fid, id;

	while (e->ops->read_events(e, drain, 64) > 0)
		;
	/* Reading: the peer writes 2.5 chunks of 5, then closes. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	s = port(e, sv[0], FLOWSWITCH_PORT_READ, NULL);
	fid = port(e, f, FLOWSWITCH_PORT_WRITE, NULL);
	p = (struct peer){.fd = sv[1], .len = 5 * CHUNK / 2};
	assert_int_equal(pthread_create(&th, NULL, peer_write, &p), 0);
	fp = (struct fparams){.length = 5 * CHUNK};
	id = flow(e, s, fid, &fp);
	assert_true(id > 0);
	wait_final(e, (uint32_t)id, &q);
	pthread_join(th, NULL);
	assert_int_equal(q.state, FLOWSWITCH_FLOW_FAILED);
	assert_int_equal(q.error, ENODATA);
	assert_int_equal(q.fail_stage, FLOWSWITCH_STAGE_READ);
	assert_int_equal(q.bytes_done, 2 * CHUNK);
	expect_peer(e, (uint32_t)id, EPIPE);
	e->ops->destroy(e, (uint32_t)id);
	e->ops->destroy(e, (uint32_t)s);
	e->ops->destroy(e, (uint32_t)fid);
	close(sv[0]);

	/* Writing: the peer is gone before the flow starts. */
	assert_int_equal(pwrite(f, data, LEN, 0), LEN);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	s = port(e, sv[0], FLOWSWITCH_PORT_WRITE, NULL);
	fid = port(e, f, FLOWSWITCH_PORT_READ, NULL);
	close(sv[1]);
	fp = (struct fparams){.flags = FLOWSWITCH_FLOW_TO_END};
	id = flow(e, fid, s, &fp);
	assert_true(id > 0);
	wait_final(e, (uint32_t)id, &q);
	assert_int_equal(q.state, FLOWSWITCH_FLOW_FAILED);
	assert_int_equal(q.error, EPIPE);
	assert_int_equal(q.fail_stage, FLOWSWITCH_STAGE_WRITE);
	assert_int_equal(q.bytes_done, 0);
	expect_peer(e, (uint32_t)id, EPIPE);
	e->ops->destroy(e, (uint32_t)id);
	e->ops->destroy(e, (uint32_t)s);
	e->ops->destroy(e, (uint32_t)fid);
	close(sv[0]);
	close(f);
}

static void test_stop_waiting(void **state)
{
	struct fsw_engine *e = *state;
	struct flowswitch_flow_query q;
	struct fparams fp = {.length = 3 * CHUNK};
	int sv[2], f = tmp_fd(), s, fid, id;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	s = port(e, sv[0], FLOWSWITCH_PORT_READ, NULL);
	fid = port(e, f, FLOWSWITCH_PORT_WRITE, NULL);
	/* Half a chunk, then silence: the receive waits. */
	assert_int_equal(write(sv[1], data, CHUNK / 2), CHUNK / 2);
	id = flow(e, s, fid, &fp);
	assert_true(id > 0);
	usleep(20000);
	assert_int_equal(
		e->ops->flow_ctl(e, (uint32_t)id, FLOWSWITCH_FLOW_STOP), 0);
	wait_final(e, (uint32_t)id, &q);
	assert_int_equal(q.state, FLOWSWITCH_FLOW_STOPPED);
	assert_int_equal(q.bytes_done, 0);
	e->ops->destroy(e, (uint32_t)id);
	e->ops->destroy(e, (uint32_t)s);
	e->ops->destroy(e, (uint32_t)fid);
	close(sv[0]);
	close(sv[1]);
	close(f);
}

static int setup(void **state)
{
	struct fsw_engine *e = fsw_engine_uring_open();

	if (!e)
		return -1;
	fill();
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct fsw_engine *e = *state;

	e->ops->close(e);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_copy_unix),
		cmocka_unit_test(test_copy_tcp),
		cmocka_unit_test(test_copy_nonblock),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_peer_close),
		cmocka_unit_test(test_stop_waiting),
	};

	/* No io_uring here (a container's seccomp): nothing to test. */
	struct fsw_engine *e = fsw_engine_uring_open();

	if (!e) {
		fprintf(stderr, "test_engine_sock: no io_uring: skipped\n");
		return 77;
	}
	e->ops->close(e);
	return cmocka_run_group_tests(tests, setup, teardown);
}
