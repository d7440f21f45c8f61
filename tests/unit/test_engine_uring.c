// SPDX-License-Identifier: GPL-2.0
/*
 * The embedded io_uring engine (daemon/engine-uring*.c) on this host's
 * own files: byte-exact copies, direct vs buffered I/O, fan-out, ranges,
 * flow control, the rate limit, failures, the module's refusals (each
 * leaving nothing behind), p2p placement and the event sequence.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine.h"

#define MIB (1u << 20)

static char dir[PATH_MAX];

static const char *path_of(const char *name)
{
	static char buf[4][PATH_MAX + 64];
	static int n;
	char *p = buf[n++ % 4];

	snprintf(p, PATH_MAX + 64, "%s/%s", dir, name);
	return p;
}

/* A file of @size pseudo-random bytes (xorshift from @seed). */
static void make_file(const char *name, uint64_t size, uint64_t seed)
{
	uint64_t x = seed | 1, done = 0;
	static uint64_t buf[1 << 16];
	int fd = open(path_of(name), O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	while (done < size) {
		size_t n = size - done < sizeof(buf) ? size - done : sizeof(buf);

		for (size_t i = 0; i < (n + 7) / 8; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[i] = x;
		}
		assert_int_equal(write(fd, buf, n), (ssize_t)n);
		done += n;
	}
	close(fd);
}

static int open_at(const char *name, int flags)
{
	int fd = open(path_of(name), flags | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	return fd;
}

/* @len bytes of @a at @a_off equal those of @b at @b_off. */
static void assert_same(const char *a, uint64_t a_off, const char *b,
			uint64_t b_off, uint64_t len)
{
	static char x[1 << 20], y[1 << 20];
	int fa = open_at(a, O_RDONLY), fb = open_at(b, O_RDONLY);

	while (len) {
		size_t n = len < sizeof(x) ? len : sizeof(x);

		assert_int_equal(pread(fa, x, n, a_off), (ssize_t)n);
		assert_int_equal(pread(fb, y, n, b_off), (ssize_t)n);
		assert_memory_equal(x, y, n);
		len -= n;
		a_off += n;
		b_off += n;
	}
	close(fa);
	close(fb);
}

static int nr_fds(void)
{
	char path[64];
	int n = 0;

	for (int fd = 0; fd < 1024; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n += !access(path, F_OK);
	}
	return n;
}

/*
 * A transaction of one source, @nr sinks and one flow from @fc (its
 * src_port_id and sinks set here; sinks[i].offset from @sink_off).
 */
struct plan {
	struct flowswitch_port_create pc[1 + FLOWSWITCH_MAX_SINKS];
	struct flowswitch_sink sinks[FLOWSWITCH_MAX_SINKS];
	struct flowswitch_flow_create fc;
	struct flowswitch_txn_item items[2 + FLOWSWITCH_MAX_SINKS];
	struct flowswitch_txn txn;
	int fds[1 + FLOWSWITCH_MAX_SINKS];
	unsigned int nr;
};

static void plan_init(struct plan *p, const char *src, const char **dst,
		      unsigned int nr, const uint64_t *sink_off,
		      uint32_t port_flags)
{
	unsigned int i;

	memset(p, 0, sizeof(*p));
	p->nr = nr;
	for (i = 0; i <= nr; i++) {
		p->fds[i] = i ? open_at(dst[i - 1], O_WRONLY | O_CREAT) :
				open_at(src, O_RDONLY);
		p->pc[i].size = sizeof(p->pc[i]);
		p->pc[i].flags = port_flags | (i ? FLOWSWITCH_PORT_WRITE :
						   FLOWSWITCH_PORT_READ);
		p->pc[i].fd = p->fds[i];
		p->items[i].op = FLOWSWITCH_TXN_PORT_CREATE;
		p->items[i].cmd_uptr = (uintptr_t)&p->pc[i];
		if (i) {
			p->sinks[i - 1].port_id = FLOWSWITCH_TXN_REF(i);
			p->sinks[i - 1].offset = sink_off ? sink_off[i - 1] : 0;
		}
	}
	p->fc.size = sizeof(p->fc);
	p->fc.flags = FLOWSWITCH_FLOW_TO_END;
	p->fc.src_port_id = FLOWSWITCH_TXN_REF(0);
	p->fc.nr_sinks = nr;
	p->fc.sinks_uptr = (uintptr_t)p->sinks;
	p->fc.chunk_size = MIB;
	p->fc.depth = 8;
	p->items[nr + 1].op = FLOWSWITCH_TXN_FLOW_CREATE;
	p->items[nr + 1].cmd_uptr = (uintptr_t)&p->fc;
	p->txn.size = sizeof(p->txn);
	p->txn.nr_items = nr + 2;
	p->txn.items_uptr = (uintptr_t)p->items;
}

/* The engine holds its own references: the caller's fds may go. */
static void plan_close(struct plan *p)
{
	for (unsigned int i = 0; i <= p->nr; i++)
		close(p->fds[i]);
}

static int query(struct fsw_engine *e, uint32_t id,
		 struct flowswitch_flow_query *q)
{
	memset(q, 0, sizeof(*q));
	q->size = sizeof(*q);
	return e->ops->flow_query(e, id, q);
}

static bool final(uint32_t s)
{
	return s == FLOWSWITCH_FLOW_DONE || s == FLOWSWITCH_FLOW_FAILED ||
	       s == FLOWSWITCH_FLOW_STOPPED;
}

/* Wait for @id's final state by polling the event fd; events collected. */
static size_t wait_final(struct fsw_engine *e, uint32_t id,
			 struct flowswitch_event *ev, size_t max,
			 struct flowswitch_flow_query *q)
{
	struct pollfd pfd = { .fd = e->ops->event_fd(e), .events = POLLIN };
	size_t n = 0;

	for (int i = 0; i < 60000; i++) {
		struct flowswitch_event tmp[16];
		ssize_t got;

		poll(&pfd, 1, 10);
		got = e->ops->read_events(e, tmp, 16);
		assert_true(got >= 0);
		for (ssize_t j = 0; j < got; j++)
			if (n < max)
				ev[n++] = tmp[j];
		assert_int_equal(query(e, id, q), 0);
		if (final(q->state))
			return n;
	}
	fail_msg("flow %u never reached a final state", id);
	return n;
}

/* Run the plan to its end; returns the final query. */
static void run_plan(struct fsw_engine *e, struct plan *p,
		     struct flowswitch_flow_query *q)
{
	struct flowswitch_event ev[8];

	p->txn.flags = FLOWSWITCH_TXN_START;
	assert_int_equal(e->ops->txn(e, &p->txn), 0);
	assert_int_equal(p->txn.out_failed_item, ~0u);
	plan_close(p);
	wait_final(e, p->fc.out_flow_id, ev, 8, q);
}

static int setup(void **state)
{
	struct fsw_engine *e = fsw_engine_uring_open();

	if (!e) {
		fprintf(stderr, "io_uring unavailable: %s\n", strerror(errno));
		return -1;
	}
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct fsw_engine *e = *state;

	e->ops->close(e);
	return 0;
}

/* Sizes from one byte up, aligned or not: byte-exact, counted right. */
static void test_copy_sizes(void **state)
{
	static const uint64_t sizes[] = { 1, 4095, 4096, 4097, MIB + 123,
					  3 * MIB, 5 * MIB - 1 };
	struct fsw_engine *e = *state;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		const char *dst[] = { "dst" };
		struct flowswitch_flow_query q;
		struct plan p;

		make_file("src", sizes[i], i + 1);
		unlink(path_of("dst"));
		plan_init(&p, "src", dst, 1, NULL, 0);
		run_plan(e, &p, &q);
		assert_int_equal(q.state, FLOWSWITCH_FLOW_DONE);
		assert_int_equal(q.length, sizes[i]);
		assert_int_equal(q.bytes_done, sizes[i]);
		assert_int_equal(q.chunks_done, (sizes[i] + MIB - 1) / MIB);
		assert_int_equal(q.host_bytes, 2 * sizes[i]);
		assert_int_equal(q.direct_bytes + q.buffered_bytes,
				 2 * sizes[i]);
		assert_int_equal(q.p2p_bytes, 0);
		assert_int_equal(q.pool, FLOWSWITCH_POOL_HOST);
		assert_int_equal(q.host_pool_bytes, 8 * MIB);
		assert_int_equal(q.in_flight, 0);
		assert_int_equal(q.error, 0);
		assert_same("src", 0, "dst", 0, sizes[i]);
		assert_int_equal(e->ops->destroy(e, p.fc.out_flow_id), 0);
		for (int j = 0; j < 2; j++)
			assert_int_equal(e->ops->destroy(e, p.pc[j].out_port_id),
					 0);
	}
}

/* 64 MiB, aligned: every byte by direct I/O where the fs offers it. */
static void test_copy_64m_direct(void **state)
{
	struct fsw_engine *e = *state;
	const char *dst[] = { "big.dst" };
	struct flowswitch_flow_query q;
	struct plan p;

	make_file("big", 64 * MIB, 7);
	unlink(path_of("big.dst"));
	plan_init(&p, "big", dst, 1, NULL, 0);
	p.fc.depth = 16;
	run_plan(e, &p, &q);
	assert_int_equal(q.state, FLOWSWITCH_FLOW_DONE);
	assert_int_equal(q.bytes_done, 64 * MIB);
	if (!p.pc[0].out_dio_align || !p.pc[1].out_dio_align) {
		/* A file system without O_DIRECT: buffered, and said so. */
		assert_int_equal(q.direct_bytes, 0);
		print_message("no direct I/O on %s: buffered only\n", dir);
	} else {
		assert_int_equal(q.direct_bytes, 128 * MIB);
		assert_int_equal(q.buffered_bytes, 0);
	}
	assert_same("big", 0, "big.dst", 0, 64 * MIB);
	unlink(path_of("big.dst"));
}

/* An unaligned tail goes buffered, the rest direct; BUFFERED: none. */
static void test_direct_and_buffered(void **state)
{
	struct fsw_engine *e = *state;
	const char *dst[] = { "dst" };
	struct flowswitch_flow_query q;
	struct plan p;

	make_file("src", 2 * MIB + 100, 3);
	unlink(path_of("dst"));
	plan_init(&p, "src", dst, 1, NULL, 0);
	run_plan(e, &p, &q);
	assert_int_equal(q.state, FLOWSWITCH_FLOW_DONE);
	if (p.pc[0].out_dio_align && p.pc[1].out_dio_align) {
		assert_int_equal(q.direct_bytes, 4 * MIB);
		assert_int_equal(q.buffered_bytes, 200);
	}
	assert_same("src", 0, "dst", 0, 2 * MIB + 100);

	unlink(path_of("dst"));
	plan_init(&p, "src", dst, 1, NULL, FLOWSWITCH_PORT_BUFFERED);
	run_plan(e, &p, &q);
	assert_int_equal(p.pc[0].out_dio_align, 0);
	assert_int_equal(q.state, FLOWSWITCH_FLOW_DONE);
	assert_int_equal(q.direct_bytes, 0);
	assert_int_equal(q.buffered_bytes, 2 * (2 * MIB + 100));
	assert_same("src", 0, "dst", 0, 2 * MIB + 100);
}

/* One source range to three sinks at three offsets. */
static void test_fanout_ranges(void **state)
{
	struct fsw_engine *e = *state;
	const char *dst[] = { "s0", "s1", "s2" };
	const uint64_t off[] = { 0, 4096, 999 };
	const uint64_t src_off = 12345, len = 3 * MIB + 7;
	struct flowswitch_flow_query q;
	struct plan p;

	make_file("src", 8 * MIB, 11);
	for (int i = 0; i < 3; i++)
		unlink(path_of(dst[i]));
	plan_init(&p, "src", dst, 3, off, 0);
	p.fc.flags = 0;
	p.fc.src_offset = src_off;
	p.fc.length = len;
	p.fc.chunk_size = 256 << 10;
	p.fc.depth = 4;
	run_plan(e, &p, &q);
	assert_int_equal(q.state, FLOWSWITCH_FLOW_DONE);
	assert_int_equal(p.fc.out_length, len);
	assert_int_equal(q.bytes_done, len);
	assert_int_equal(q.host_bytes, 4 * len);
	for (int i = 0; i < 3; i++) {
		struct stat st;

		assert_same("src", src_off, dst[i], off[i], len);
		assert_int_equal(stat(path_of(dst[i]), &st), 0);
		assert_int_equal(st.st_size, off[i] + len);
	}
}

/* A source that shrinks under the flow: FAILED at the first lost chunk. */
static void test_read_failure(void **state)
{
	struct fsw_engine *e = *state;
	const char *dst[] = { "dst" };
	struct flowswitch_flow_query q;
	struct flowswitch_event ev[8];
	struct plan p;

	make_file("src", 4 * MIB, 5);
	unlink(path_of("dst"));
	plan_init(&p, "src", dst, 1, NULL, 0);
	p.fc.depth = 4;
	assert_int_equal(e->ops->txn(e, &p.txn), 0);
	plan_close(&p);
	assert_int_equal(truncate(path_of("src"), 2 * MIB + 512), 0);
	assert_int_equal(e->ops->flow_ctl(e, p.fc.out_flow_id,
					  FLOWSWITCH_FLOW_START), 0);
	wait_final(e, p.fc.out_flow_id, ev, 8, &q);
	assert_int_equal(q.state, FLOWSWITCH_FLOW_FAILED);
	assert_int_equal(q.error, ENODATA);
	assert_int_equal(q.fail_stage, FLOWSWITCH_STAGE_READ);
	assert_int_equal(q.fail_offset, 2 * MIB);
	assert_int_equal(q.bytes_done, 2 * MIB);
	assert_int_equal(q.chunks_done, 2);
	assert_int_equal(q.in_flight, 0);
	assert_same("src", 0, "dst", 0, 2 * MIB);
	/* A final flow: no op applies. */
	for (uint32_t op = FLOWSWITCH_FLOW_START; op <= FLOWSWITCH_FLOW_STOP;
	     op++)
		assert_int_equal(e->ops->flow_ctl(e, p.fc.out_flow_id, op),
				 -EBUSY);
}

/* The op table, and the events of each change, in order. */
static void test_pause_resume_stop(void **state)
{
	struct fsw_engine *e = *state;
	const char *dst[] = { "dst" };
	struct flowswitch_flow_query q;
	struct flowswitch_event ev[16];
	uint64_t done;
	uint32_t id;
	struct plan p;
	ssize_t n;

	make_file("src", 64 * MIB, 9);
	unlink(path_of("dst"));
	plan_init(&p, "src", dst, 1, NULL, 0);
	p.fc.chunk_size = 64 << 10;
	p.fc.depth = 2;
	p.fc.rate_bps = 8 * MIB; /* 8 s in all: it is still running below */
	assert_int_equal(e->ops->txn(e, &p.txn), 0);
	plan_close(&p);
	id = p.fc.out_flow_id;
	assert_int_equal(e->ops->flow_ctl(e, id, FLOWSWITCH_FLOW_PAUSE), -EBUSY);
	assert_int_equal(e->ops->flow_ctl(e, id, FLOWSWITCH_FLOW_RESUME),
			 -EBUSY);
	assert_int_equal(e->ops->flow_ctl(e, id, 0), -EINVAL);
	assert_int_equal(e->ops->flow_ctl(e, id, 5), -EINVAL);
	assert_int_equal(e->ops->flow_ctl(e, 4000, FLOWSWITCH_FLOW_START),
			 -ENOENT);
	assert_int_equal(e->ops->flow_ctl(e, id, FLOWSWITCH_FLOW_START), 0);
	assert_int_equal(e->ops->flow_ctl(e, id, FLOWSWITCH_FLOW_START), -EBUSY);
	usleep(200000);
	assert_int_equal(e->ops->flow_ctl(e, id, FLOWSWITCH_FLOW_PAUSE), 0);
	assert_int_equal(e->ops->flow_ctl(e, id, FLOWSWITCH_FLOW_PAUSE), -EBUSY);
	/* What was in flight lands; nothing new is issued. */
	for (int i = 0; i < 500; i++) {
		assert_int_equal(query(e, id, &q), 0);
		if (!q.in_flight)
			break;
		usleep(10000);
	}
	assert_int_equal(q.state, FLOWSWITCH_FLOW_PAUSED);
	assert_int_equal(q.in_flight, 0);
	done = q.bytes_done;
	assert_true(done > 0 && done < 64 * MIB);
	usleep(200000);
	assert_int_equal(query(e, id, &q), 0);
	assert_int_equal(q.bytes_done, done); /* paused: nothing moves */
	assert_int_equal(e->ops->flow_ctl(e, id, FLOWSWITCH_FLOW_RESUME), 0);
	usleep(200000);
	assert_int_equal(query(e, id, &q), 0);
	assert_true(q.bytes_done > done);
	assert_int_equal(e->ops->flow_ctl(e, id, FLOWSWITCH_FLOW_STOP), 0);
	/* STOP returned: final, nothing in flight, counters final. */
	assert_int_equal(query(e, id, &q), 0);
	assert_int_equal(q.state, FLOWSWITCH_FLOW_STOPPED);
	assert_int_equal(q.in_flight, 0);
	assert_true(q.bytes_done < 64 * MIB);
	assert_same("src", 0, "dst", 0, q.bytes_done);
	assert_int_equal(e->ops->flow_ctl(e, id, FLOWSWITCH_FLOW_STOP), -EBUSY);

	n = e->ops->read_events(e, ev, 16);
	assert_int_equal(n, 4);
	assert_int_equal(ev[0].state, FLOWSWITCH_FLOW_RUNNING);
	assert_int_equal(ev[1].state, FLOWSWITCH_FLOW_PAUSED);
	assert_true(ev[1].bytes_done <= done); /* then in flight landed */
	assert_int_equal(ev[2].state, FLOWSWITCH_FLOW_RUNNING);
	assert_int_equal(ev[3].state, FLOWSWITCH_FLOW_STOPPED);
	assert_int_equal(ev[3].bytes_done, q.bytes_done);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(ev[i].type, FLOWSWITCH_EVENT_FLOW_STATE);
		assert_int_equal(ev[i].flow_id, id);
		if (i)
			assert_int_equal(ev[i].seq, ev[i - 1].seq + 1);
	}
	/* Ports are held by the flow until it goes. */
	assert_int_equal(e->ops->destroy(e, p.pc[0].out_port_id), -EBUSY);
	assert_int_equal(e->ops->destroy(e, id), 0);
	assert_int_equal(e->ops->destroy(e, id), -ENOENT);
	assert_int_equal(query(e, id, &q), -ENOENT);
	assert_int_equal(e->ops->destroy(e, p.pc[0].out_port_id), 0);
	assert_int_equal(e->ops->destroy(e, p.pc[1].out_port_id), 0);
}

/* 8 MiB at 16 MiB/s: half a second, less the first chunk's burst. */
static void test_rate_limit(void **state)
{
	struct fsw_engine *e = *state;
	const char *dst[] = { "dst" };
	struct flowswitch_flow_query q;
	struct plan p;
	double secs;

	make_file("src", 8 * MIB, 13);
	unlink(path_of("dst"));
	plan_init(&p, "src", dst, 1, NULL, 0);
	p.fc.chunk_size = 256 << 10;
	p.fc.depth = 4;
	p.fc.rate_bps = 16 * MIB;
	/* Not BACKGROUND: the idle class waits out a busy shared disk. */
	p.fc.priority = FLOWSWITCH_PRIO_HIGH;
	strcpy(p.fc.name, "bench.flow:slow");
	run_plan(e, &p, &q);
	assert_int_equal(q.state, FLOWSWITCH_FLOW_DONE);
	secs = q.elapsed_ns / 1e9;
	print_message("8 MiB at 16 MiB/s took %.3f s\n", secs);
	/* Never faster than the rate; slower only by the disk's own time. */
	assert_true(secs > 0.45 && secs < 1.2);
	assert_same("src", 0, "dst", 0, 8 * MIB);
}

struct refusal {
	const char *what;
	int err;
	uint32_t item; /* the failing item: 0 src, 1 sink, 2 flow */
	void (*bend)(struct plan *p);
};

static void r_txn_flags(struct plan *p) { p->txn.flags = 1 << 5; }
static void r_txn_zero(struct plan *p) { p->txn.nr_items = 0; }
static void r_txn_many(struct plan *p) { p->txn.nr_items = 257; }
static void r_txn_reserved(struct plan *p) { p->txn.__reserved = 1; }
static void r_txn_small(struct plan *p) { p->txn.size = 8; }
static void r_item_op(struct plan *p) { p->items[2].op = 9; }
static void r_item_reserved(struct plan *p) { p->items[1].__reserved = 1; }
static void r_no_access(struct plan *p) { p->pc[0].flags = 0; }
static void r_port_flags(struct plan *p) { p->pc[1].flags |= 1 << 9; }
static void r_port_pci(struct plan *p) { p->pc[1].pci_addr = 1; }
static void r_port_small(struct plan *p) { p->pc[0].size = 12; }
static void r_bad_fd(struct plan *p) { p->pc[1].fd = 1000; }
static void r_ro_sink(struct plan *p) { p->pc[1].fd = p->fds[0]; }
static void r_wo_src(struct plan *p) { p->pc[0].fd = p->fds[1]; }
static void r_append(struct plan *p)
{
	fcntl(p->fds[1], F_SETFL, O_APPEND);
	p->pc[1].fd = p->fds[1];
}
static void r_dir(struct plan *p)
{
	close(p->fds[0]);
	p->fds[0] = open(dir, O_RDONLY | O_DIRECTORY);
	p->pc[0].fd = p->fds[0];
}
static void r_bar(struct plan *p)
{
	p->pc[1].flags = FLOWSWITCH_PORT_WRITE | FLOWSWITCH_PORT_PCI_BAR;
	p->pc[1].fd = -1;
	p->pc[1].window_size = 1 << 20;
}
static void r_bar_fd(struct plan *p)
{
	r_bar(p);
	p->pc[1].fd = 3;
}
static void r_chunk_small(struct plan *p) { p->fc.chunk_size = 2048; }
static void r_chunk_odd(struct plan *p) { p->fc.chunk_size = 4096 + 512; }
static void r_chunk_big(struct plan *p) { p->fc.chunk_size = 32 << 20; }
static void r_depth0(struct plan *p) { p->fc.depth = 0; }
static void r_depth65(struct plan *p) { p->fc.depth = 65; }
static void r_sinks0(struct plan *p) { p->fc.nr_sinks = 0; }
static void r_sinks9(struct plan *p) { p->fc.nr_sinks = 9; }
static void r_flow_flags(struct plan *p) { p->fc.flags |= 1 << 10; }
static void r_prio(struct plan *p) { p->fc.priority = 3; }
static void r_placement(struct plan *p) { p->fc.placement = 3; }
static void r_rate(struct plan *p) { p->fc.rate_bps = (1ULL << 40) + 1; }
static void r_reserved(struct plan *p) { p->fc.__reserved = 1; }
static void r_reserved2(struct plan *p) { p->fc.__reserved2 = 1; }
static void r_sink_reserved(struct plan *p) { p->sinks[0].__reserved = 1; }
static void r_len0(struct plan *p) { p->fc.flags = 0; }
static void r_past_end(struct plan *p)
{
	p->fc.flags = 0;
	p->fc.src_offset = 4096;
	p->fc.length = MIB;
}
static void r_off_past_end(struct plan *p) { p->fc.src_offset = MIB + 1; }
static void r_at_end(struct plan *p) { p->fc.src_offset = MIB; }
static void r_overflow(struct plan *p)
{
	p->fc.flags = 0;
	p->fc.src_offset = 100;
	p->fc.length = UINT64_MAX - 50;
}
static void r_sink_overflow(struct plan *p)
{
	p->sinks[0].offset = UINT64_MAX - 100;
}
static void r_sink_too_far(struct plan *p)
{
	p->sinks[0].offset = (uint64_t)LLONG_MAX - 100;
}
static void r_self(struct plan *p)
{
	/* The source file itself, opened for writing, overlapping. */
	close(p->fds[1]);
	p->fds[1] = open_at("src", O_WRONLY);
	p->pc[1].fd = p->fds[1];
	p->sinks[0].offset = 4096;
}
static void r_ref_later(struct plan *p) { p->fc.src_port_id = FLOWSWITCH_TXN_REF(5); }
static void r_ref_flow(struct plan *p) { p->sinks[0].port_id = FLOWSWITCH_TXN_REF(2); }
static void r_no_port(struct plan *p) { p->fc.src_port_id = 4000; }
static void r_sink_is_src(struct plan *p) { p->sinks[0].port_id = FLOWSWITCH_TXN_REF(0); }
static void r_src_is_sink(struct plan *p) { p->fc.src_port_id = FLOWSWITCH_TXN_REF(1); }
static void r_flow_small(struct plan *p) { p->fc.size = 40; }
static void r_flow_e2big(struct plan *p) { p->fc.size = sizeof(p->fc) + 8; }
static void r_name_space(struct plan *p) { strcpy(p->fc.name, "a b"); }
static void r_name_long(struct plan *p) { memset(p->fc.name, 'x', sizeof(p->fc.name)); }
static void r_name_tail(struct plan *p)
{
	strcpy(p->fc.name, "ok");
	p->fc.name[10] = 'x';
}
static void r_no_sinks(struct plan *p) { p->fc.sinks_uptr = 0; }
static void r_pool(struct plan *p)
{
	p->fc.chunk_size = 16 << 20;
	p->fc.depth = 33; /* 528 MiB: past the 512 MiB a client may hold */
}
static void r_required(struct plan *p)
{
	p->fc.placement = FLOWSWITCH_P2P_REQUIRED;
}

static const struct refusal refusals[] = {
	{ "txn flags", EINVAL, 4242, r_txn_flags },
	{ "txn of no items", EINVAL, 4242, r_txn_zero },
	{ "txn of 257 items", EINVAL, 4242, r_txn_many },
	{ "txn reserved", EINVAL, 4242, r_txn_reserved },
	{ "txn size", EINVAL, 4242, r_txn_small },
	{ "item op", EINVAL, 2, r_item_op },
	{ "item reserved", EINVAL, 1, r_item_reserved },
	{ "no access flags", EINVAL, 0, r_no_access },
	{ "port flags", EINVAL, 1, r_port_flags },
	{ "pci_addr without PCI_BAR", EINVAL, 1, r_port_pci },
	{ "port size", EINVAL, 0, r_port_small },
	{ "fd not open", EBADF, 1, r_bad_fd },
	{ "write port on a read-only fd", EBADF, 1, r_ro_sink },
	{ "read port on a write-only fd", EBADF, 0, r_wo_src },
	{ "O_APPEND sink", EINVAL, 1, r_append },
	{ "directory", EOPNOTSUPP, 0, r_dir },
	{ "PCI BAR window", EOPNOTSUPP, 1, r_bar },
	{ "PCI BAR with an fd", EINVAL, 1, r_bar_fd },
	{ "chunk 2 KiB", EINVAL, 2, r_chunk_small },
	{ "chunk not a page multiple", EINVAL, 2, r_chunk_odd },
	{ "chunk 32 MiB", EINVAL, 2, r_chunk_big },
	{ "depth 0", EINVAL, 2, r_depth0 },
	{ "depth 65", EINVAL, 2, r_depth65 },
	{ "no sinks", EINVAL, 2, r_sinks0 },
	{ "9 sinks", EINVAL, 2, r_sinks9 },
	{ "flow flags", EINVAL, 2, r_flow_flags },
	{ "priority", EINVAL, 2, r_prio },
	{ "placement", EINVAL, 2, r_placement },
	{ "rate", EINVAL, 2, r_rate },
	{ "flow reserved", EINVAL, 2, r_reserved },
	{ "flow reserved2", EINVAL, 2, r_reserved2 },
	{ "sink reserved", EINVAL, 2, r_sink_reserved },
	{ "length 0", EINVAL, 2, r_len0 },
	{ "range past the end", EINVAL, 2, r_past_end },
	{ "offset past the end", EINVAL, 2, r_off_past_end },
	{ "to the end from the end", EINVAL, 2, r_at_end },
	{ "src range overflows", EOVERFLOW, 2, r_overflow },
	{ "sink range overflows", EOVERFLOW, 2, r_sink_overflow },
	{ "sink past the largest file", EOVERFLOW, 2, r_sink_too_far },
	{ "sink overlaps the source", EINVAL, 2, r_self },
	{ "reference to a later item", ENOENT, 2, r_ref_later },
	{ "reference to a flow", ENOENT, 2, r_ref_flow },
	{ "no such port", ENOENT, 2, r_no_port },
	{ "read port as sink", EBADF, 2, r_sink_is_src },
	{ "write port as source", EBADF, 2, r_src_is_sink },
	{ "flow size", EINVAL, 2, r_flow_small },
	{ "flow size with a non-zero tail", E2BIG, 2, r_flow_e2big },
	{ "no sinks array", EFAULT, 2, r_no_sinks },
	{ "name with a space", EINVAL, 2, r_name_space },
	{ "name without its NUL", EINVAL, 2, r_name_long },
	{ "name with bytes after its NUL", EINVAL, 2, r_name_tail },
	{ "pool past the cap", EDQUOT, 2, r_pool },
	{ "p2p required", EXDEV, 2, r_required },
};

/* What earlier tests left: flows first, then the ports they held. */
static void destroy_all(struct fsw_engine *e)
{
	for (int pass = 0; pass < 2; pass++)
		for (uint32_t id = 1; id <= 4096; id++)
			e->ops->destroy(e, id);
}

/* Every refusal: its errno, its item, and nothing left behind. */
static void test_refusals(void **state)
{
	struct fsw_engine *e = *state;
	const char *dst[] = { "dst" };
	struct flowswitch_flow_query q;
	struct flowswitch_event ev[4];
	struct {
		struct flowswitch_flow_create fc;
		uint64_t tail;
	} big;
	struct plan p;
	int fds;

	destroy_all(e);
	while (e->ops->read_events(e, ev, 4) > 0)
		;
	make_file("src", MIB, 17);
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		const struct refusal *r = &refusals[i];
		int ret;

		unlink(path_of("dst"));
		fds = nr_fds();
		plan_init(&p, "src", dst, 1, NULL, 0);
		r->bend(&p);
		p.txn.out_failed_item = 4242; /* a txn refused whole: untouched */
		if (r->bend == r_flow_e2big) {
			/* A caller with a newer struct, a field set we lack. */
			big.fc = p.fc;
			big.tail = 1;
			p.items[2].cmd_uptr = (uintptr_t)&big;
		}
		p.txn.flags |= FLOWSWITCH_TXN_START;
		ret = e->ops->txn(e, &p.txn);
		if (ret != -r->err || p.txn.out_failed_item != r->item)
			fail_msg("%s: got %d (%s) at item %d, want %s at %d",
				 r->what, ret, strerror(-ret),
				 (int)p.txn.out_failed_item, strerror(r->err),
				 (int)r->item);
		if (r->item != 4242)
			assert_int_equal(p.txn.out_failed_errno, r->err);
		if (r->err == EXDEV)
			assert_int_equal(p.fc.out_p2p_reason,
					 FLOWSWITCH_P2P_NO_KERNEL_SUPPORT);
		/* Nothing kept: no object, no descriptor, no event. */
		assert_int_equal(p.pc[0].out_port_id, 0);
		assert_int_equal(p.fc.out_flow_id, 0);
		plan_close(&p);
		if (nr_fds() != fds)
			fail_msg("%s: %d descriptors left", r->what,
				 nr_fds() - fds);
		assert_int_equal(e->ops->read_events(e, ev, 4), 0);
		for (uint32_t id = 1; id <= 512; id++)
			if (e->ops->destroy(e, id) != -ENOENT)
				fail_msg("%s: object %u left", r->what, id);
		assert_int_equal(access(path_of("dst"), F_OK), 0);
		struct stat st;
		assert_int_equal(stat(path_of("dst"), &st), 0);
		assert_int_equal(st.st_size, 0);
	}
	/* And the same plan unbent still works. */
	plan_init(&p, "src", dst, 1, NULL, 0);
	run_plan(e, &p, &q);
	assert_int_equal(q.state, FLOWSWITCH_FLOW_DONE);
	assert_same("src", 0, "dst", 0, MIB);
}

/* PREFERRED runs in host memory, with the reason and an event. */
static void test_p2p_preferred(void **state)
{
	struct fsw_engine *e = *state;
	const char *dst[] = { "dst" };
	struct flowswitch_flow_query q;
	struct flowswitch_event ev[8];
	struct plan p;
	size_t n;

	make_file("src", MIB, 19);
	unlink(path_of("dst"));
	plan_init(&p, "src", dst, 1, NULL, 0);
	p.fc.placement = FLOWSWITCH_P2P_PREFERRED;
	p.txn.flags = FLOWSWITCH_TXN_START;
	assert_int_equal(e->ops->txn(e, &p.txn), 0);
	plan_close(&p);
	assert_int_equal(p.fc.out_pool, FLOWSWITCH_POOL_HOST);
	assert_int_equal(p.fc.out_p2p_reason, FLOWSWITCH_P2P_NO_KERNEL_SUPPORT);
	n = wait_final(e, p.fc.out_flow_id, ev, 8, &q);
	assert_int_equal(q.state, FLOWSWITCH_FLOW_DONE);
	assert_int_equal(q.pool, FLOWSWITCH_POOL_HOST);
	assert_int_equal(q.p2p_reason, FLOWSWITCH_P2P_NO_KERNEL_SUPPORT);
	assert_int_equal(q.p2p_bytes, 0);
	assert_int_equal(q.host_bytes, 2 * MIB);
	/* FALLBACK at creation, then RUNNING and DONE. */
	assert_int_equal(n, 3);
	assert_int_equal(ev[0].type, FLOWSWITCH_EVENT_FALLBACK);
	assert_int_equal(ev[0].error, FLOWSWITCH_P2P_NO_KERNEL_SUPPORT);
	assert_int_equal(ev[0].state, FLOWSWITCH_FLOW_CREATED);
	assert_int_equal(ev[1].type, FLOWSWITCH_EVENT_FLOW_STATE);
	assert_int_equal(ev[1].state, FLOWSWITCH_FLOW_RUNNING);
	assert_int_equal(ev[2].state, FLOWSWITCH_FLOW_DONE);
	assert_int_equal(ev[2].bytes_done, MIB);
	assert_int_equal(ev[2].seq, ev[0].seq + 2);
	assert_same("src", 0, "dst", 0, MIB);
}

/* The event fd polls readable exactly while events are queued. */
static void test_event_fd(void **state)
{
	struct fsw_engine *e = *state;
	struct pollfd pfd = { .fd = e->ops->event_fd(e), .events = POLLIN };
	const char *dst[] = { "dst" };
	struct flowswitch_event ev[300];
	struct plan p;
	uint64_t last;
	ssize_t n;

	assert_int_equal(poll(&pfd, 1, 0), 0);
	make_file("src", 4096, 23);
	plan_init(&p, "src", dst, 1, NULL, 0);
	assert_int_equal(e->ops->txn(e, &p.txn), 0);
	plan_close(&p);
	assert_int_equal(poll(&pfd, 1, 0), 0); /* creation is no event */
	assert_int_equal(e->ops->destroy(e, p.fc.out_flow_id), 0);
	assert_int_equal(poll(&pfd, 1, 0), 1);
	n = e->ops->read_events(e, ev, 1);
	assert_int_equal(n, 1);
	assert_int_equal(ev[0].state, FLOWSWITCH_FLOW_STOPPED);
	assert_int_equal(poll(&pfd, 1, 0), 0);
	assert_int_equal(e->ops->read_events(e, ev, 4), 0);

	/* 300 never-started flows stopped: 256 kept, then LOST. */
	for (int i = 0; i < 300; i++) {
		p.fc.size = sizeof(p.fc);
		p.fc.src_port_id = p.pc[0].out_port_id;
		p.sinks[0].port_id = p.pc[1].out_port_id;
		p.txn.nr_items = 1;
		p.items[0] = p.items[2];
		assert_int_equal(e->ops->txn(e, &p.txn), 0);
		assert_int_equal(e->ops->destroy(e, p.fc.out_flow_id), 0);
	}
	n = e->ops->read_events(e, ev, 300);
	assert_int_equal(n, 256);
	assert_int_equal(ev[255].seq, ev[0].seq + 255);
	last = ev[255].seq;
	assert_int_equal(e->ops->txn(e, &p.txn), 0);
	assert_int_equal(e->ops->destroy(e, p.fc.out_flow_id), 0);
	n = e->ops->read_events(e, ev, 300);
	assert_int_equal(n, 2);
	assert_int_equal(ev[0].type, FLOWSWITCH_EVENT_LOST);
	assert_int_equal(ev[0].bytes_done, 44);
	assert_int_equal(ev[1].type, FLOWSWITCH_EVENT_FLOW_STATE);
	/* The lost ones had their numbers: 44 of them, then LOST. */
	assert_int_equal(ev[0].seq, last + 45);
	assert_int_equal(ev[1].seq, ev[0].seq + 1);
	assert_int_equal(e->ops->destroy(e, p.pc[0].out_port_id), 0);
	assert_int_equal(e->ops->destroy(e, p.pc[1].out_port_id), 0);
}

/* Query's own rules: size, flags, and a caller's older struct. */
static void test_query_sizes(void **state)
{
	struct fsw_engine *e = *state;
	const char *dst[] = { "dst" };
	struct flowswitch_flow_query q;
	struct plan p;

	make_file("src", 4096, 29);
	plan_init(&p, "src", dst, 1, NULL, 0);
	assert_int_equal(e->ops->txn(e, &p.txn), 0);
	plan_close(&p);
	memset(&q, 0xff, sizeof(q));
	q.size = offsetof(struct flowswitch_flow_query, p2p_bytes);
	q.flags = 0;
	assert_int_equal(e->ops->flow_query(e, p.fc.out_flow_id, &q), 0);
	assert_int_equal(q.state, FLOWSWITCH_FLOW_CREATED);
	assert_int_equal(q.length, 4096);
	assert_int_equal(q.pool, 0xffffffffu); /* beyond its size: untouched */
	memset(&q, 0, sizeof(q));
	q.size = 16;
	assert_int_equal(e->ops->flow_query(e, p.fc.out_flow_id, &q), -EINVAL);
	q.size = sizeof(q);
	q.flags = 1;
	assert_int_equal(e->ops->flow_query(e, p.fc.out_flow_id, &q), -EINVAL);
}

/*
 * A block device: a loop device over a 16 MiB file (skipped where loop
 * devices cannot be made).  Its ports are BLOCK with the device's size
 * and logical block size, a range past its end is ENOSPC, and copies into
 * and out of it are exact.
 */
static void test_block_device(void **state)
{
	struct fsw_engine *e = *state;
	struct flowswitch_flow_query q;
	char dev[64] = "", cmd[PATH_MAX + 64];
	const char *dst[] = { "fromdev" };
	struct plan p;
	FILE *f;
	int fd, ret;

	make_file("disk", 16 * MIB, 53);
	snprintf(cmd, sizeof(cmd), "losetup -f --show '%s' 2>/dev/null",
		 path_of("disk"));
	f = popen(cmd, "r");
	if (f) {
		if (!fgets(dev, sizeof(dev), f))
			dev[0] = 0;
		pclose(f);
	}
	dev[strcspn(dev, "\n")] = 0;
	if (!dev[0]) {
		print_message("no loop device here: block ports untested\n");
		skip();
	}
	/*
	 * Detached at once: the kernel keeps it while it is open (autoclear),
	 * so it goes with our descriptors even if a check below fails.
	 */
	fd = open(dev, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	make_file("src", 3 * MIB, 59);
	plan_init(&p, "src", dst, 1, NULL, 0);
	close(p.fds[1]);
	p.fds[1] = open(dev, O_RDWR | O_CLOEXEC);
	assert_true(p.fds[1] >= 0);
	snprintf(cmd, sizeof(cmd), "losetup -d '%s'", dev);
	assert_int_equal(system(cmd), 0);
	p.pc[1].fd = p.fds[1];
	p.sinks[0].offset = 14 * MIB; /* 14 + 3 > 16 */
	ret = e->ops->txn(e, &p.txn);
	assert_int_equal(ret, -ENOSPC);
	assert_int_equal(p.txn.out_failed_item, 2);
	/* The sink is the loop device, 1 MiB in. */
	p.sinks[0].offset = MIB;
	run_plan(e, &p, &q);
	assert_int_equal(p.pc[1].out_kind, FLOWSWITCH_PORT_BLOCK);
	assert_int_equal(p.pc[1].out_size, 16 * MIB);
	assert_true(p.pc[1].out_dio_align >= 512);
	assert_int_equal(q.state, FLOWSWITCH_FLOW_DONE);
	assert_int_equal(q.bytes_done, 3 * MIB);
	/* Both ends aligned: the device side is direct (the file's too). */
	assert_true(q.direct_bytes >= 3 * MIB);
	{
		static char a[1 << 20], b[1 << 20];
		int sf = open_at("src", O_RDONLY);

		for (int i = 0; i < 3; i++) {
			assert_int_equal(pread(sf, a, MIB, i * MIB), MIB);
			assert_int_equal(pread(fd, b, MIB, (i + 1) * MIB), MIB);
			assert_memory_equal(a, b, MIB);
		}
		close(sf);
	}
	assert_int_equal(e->ops->destroy(e, p.fc.out_flow_id), 0);
	assert_int_equal(e->ops->destroy(e, p.pc[0].out_port_id), 0);
	assert_int_equal(e->ops->destroy(e, p.pc[1].out_port_id), 0);
	close(fd);
}

struct hammer {
	struct fsw_engine *e;
	atomic_bool stop;
	atomic_uint id; /* the flow the main thread works on now */
	unsigned long queries;
};

/* Another thread of the daemon: queries and takes events meanwhile. */
static void *hammer(void *arg)
{
	struct hammer *h = arg;
	struct flowswitch_flow_query q;
	struct flowswitch_event ev[8];

	while (!atomic_load(&h->stop)) {
		uint32_t id = atomic_load(&h->id);

		/* The flow, its ports, and the next ones to come. */
		for (uint32_t i = id ? id - 2 : 1; i <= id + 3; i++)
			if (!query(h->e, i, &q))
				h->queries++;
		h->e->ops->read_events(h->e, ev, 8);
	}
	return NULL;
}

/* Every op from two threads at once (run it under TSan to see races). */
static void test_concurrent_calls(void **state)
{
	struct fsw_engine *e = *state;
	struct hammer h = { .e = e };
	const char *dst[] = { "dst" };
	struct flowswitch_flow_query q;
	pthread_t t;
	struct plan p;

	destroy_all(e);
	make_file("src", 4 * MIB, 37);
	assert_int_equal(pthread_create(&t, NULL, hammer, &h), 0);
	for (int i = 0; i < 20; i++) {
		plan_init(&p, "src", dst, 1, NULL, 0);
		p.fc.chunk_size = 64 << 10;
		p.fc.depth = 1 + i % 4;
		p.txn.flags = FLOWSWITCH_TXN_START;
		assert_int_equal(e->ops->txn(e, &p.txn), 0);
		plan_close(&p);
		atomic_store(&h.id, p.fc.out_flow_id);
		usleep(1000);
		e->ops->flow_ctl(e, p.fc.out_flow_id, FLOWSWITCH_FLOW_PAUSE);
		e->ops->flow_ctl(e, p.fc.out_flow_id, FLOWSWITCH_FLOW_RESUME);
		if (i % 2)
			e->ops->flow_ctl(e, p.fc.out_flow_id,
					 FLOWSWITCH_FLOW_STOP);
		assert_int_equal(query(e, p.fc.out_flow_id, &q), 0);
		assert_int_equal(e->ops->destroy(e, p.fc.out_flow_id), 0);
		assert_int_equal(e->ops->destroy(e, p.pc[0].out_port_id), 0);
		assert_int_equal(e->ops->destroy(e, p.pc[1].out_port_id), 0);
	}
	atomic_store(&h.stop, true);
	pthread_join(t, NULL);
	assert_true(h.queries > 0);
}

/* close() with flows running: stops them all, frees everything. */
static void test_close_running(void **state)
{
	struct fsw_engine *e = fsw_engine_uring_open();
	const char *dst[] = { "dst", "dst2" };
	struct plan p;
	int fds = nr_fds() - 1; /* the engine's event fd */

	assert_non_null(e);
	make_file("src", 16 * MIB, 31);
	for (int i = 0; i < 2; i++) {
		plan_init(&p, "src", &dst[i], 1, NULL, 0);
		p.fc.rate_bps = 4 * MIB;
		p.txn.flags = FLOWSWITCH_TXN_START;
		assert_int_equal(e->ops->txn(e, &p.txn), 0);
		plan_close(&p);
	}
	usleep(100000);
	e->ops->close(e);
	assert_int_equal(nr_fds(), fds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copy_sizes),
		cmocka_unit_test(test_copy_64m_direct),
		cmocka_unit_test(test_direct_and_buffered),
		cmocka_unit_test(test_fanout_ranges),
		cmocka_unit_test(test_read_failure),
		cmocka_unit_test(test_pause_resume_stop),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_p2p_preferred),
		cmocka_unit_test(test_event_fd),
		cmocka_unit_test(test_query_sizes),
		cmocka_unit_test(test_block_device),
		cmocka_unit_test(test_concurrent_calls),
		cmocka_unit_test(test_close_running),
	};
	const char *tmp = getenv("TMPDIR");
	int ret;

	/* Not tmpfs if we can help it: direct I/O wants a real fs. */
	snprintf(dir, sizeof(dir), "%s/fsw-engine-XXXXXX",
		 tmp ? tmp : "/var/tmp");
	if (!mkdtemp(dir)) {
		perror(dir);
		return 1;
	}
	ret = cmocka_run_group_tests_name("engine_uring", tests, setup,
					  teardown);
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		ret = ret ? ret : 1;
	return ret;
}
