// SPDX-License-Identifier: GPL-2.0
/*
 * Controlling running flows: the rate limit holds, pause stops new chunks
 * and resume finishes byte-exact, stop ends with an exact prefix, wait
 * times out, destroy of a running flow drains it, and every state change
 * arrives as an event that poll() announces.
 */
#include <poll.h>
#include <time.h>

#include "flowtest.h"

static const char *dev_a, *dev_b;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* A flow A -> B at the same offsets; returns its id. */
static int make_flow(int fsw, uint64_t off, uint64_t len, uint32_t chunk,
		     uint64_t rate)
{
	struct flowswitch_sink sink = { .offset = off };
	struct flowswitch_flow_create fc = {
		.src_offset = off,
		.length = len,
		.chunk_size = chunk,
		.depth = 4,
		.rate_bps = rate,
		.nr_sinks = 1,
		.sinks_uptr = (uintptr_t)&sink,
	};
	int id;

	fc.src_port_id = port_on(fsw, dev_a, O_RDONLY, FLOWSWITCH_PORT_READ);
	sink.port_id = port_on(fsw, dev_b, O_WRONLY, FLOWSWITCH_PORT_WRITE);
	id = fsw_flow_create(fsw, &fc);
	CHECK(id > 0, "create: %s", strerror(-id));
	return id;
}

static void prepare(uint64_t off, uint64_t len, uint64_t seed)
{
	int fd = open(dev_a, O_RDWR);

	CHECK(fd >= 0 && !pattern_write(fd, off, off, len, seed), "prepare");
	close(fd);
	fd = open(dev_b, O_RDWR);
	CHECK(fd >= 0 && !fill_byte(fd, off, len, 0), "clear sink");
	close(fd);
}

static void check_sink(uint64_t off, uint64_t len, uint64_t seed)
{
	int fd = open(dev_b, O_RDONLY);
	int64_t bad = pattern_check(fd, off, off, len, seed);

	CHECK(bad < 0, "sink differs at %lld", (long long)bad);
	close(fd);
}

static void test_rate(int fsw)
{
	const uint64_t len = 4 * MiB, rate = 8 * MiB;
	struct flowswitch_flow_query q;
	unsigned int state;
	int id;

	prepare(0, len, 11);
	id = make_flow(fsw, 0, len, 256 * KiB, rate);
	CHECK(!fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_START), "start");
	CHECK(!fsw_flow_wait(fsw, id, 0, &state) &&
		      state == FLOWSWITCH_FLOW_DONE,
	      "rate flow: %s", fsw_state_name(state));
	fsw_flow_query(fsw, id, &q);
	/* One chunk may go at once; the rest at the rate. */
	CHECK(q.elapsed_ns >= (len - 256 * KiB) * 1000000000ULL / rate * 9 / 10,
	      "4 MiB at 8 MiB/s took only %.3f s", q.elapsed_ns / 1e9);
	printf("rate: 4 MiB at 8 MiB/s in %.3f s\n", q.elapsed_ns / 1e9);
	check_sink(0, len, 11);
	fsw_destroy(fsw, id);
}

static void test_pause_resume(int fsw)
{
	const uint64_t off = 8 * MiB, len = 8 * MiB;
	struct flowswitch_flow_query q;
	uint64_t b1;
	unsigned int state;
	int id, i;

	prepare(off, len, 12);
	id = make_flow(fsw, off, len, 256 * KiB, 8 * MiB);
	CHECK(!fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_START), "start");
	msleep(200);
	CHECK(!fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_PAUSE), "pause");
	CHECK(fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_PAUSE) == -EBUSY,
	      "second pause");
	/*
	 * The chunks in flight at the pause complete -- in 300 ms on an idle
	 * machine; a loaded 2-core host running the KASAN guest under TCG
	 * has taken longer, so wait for it (up to 20 s) rather than guess.
	 */
	for (i = 0; i < 100; i++) {
		msleep(i ? 200 : 300);
		fsw_flow_query(fsw, id, &q);
		if (!q.in_flight)
			break;
	}
	CHECK(q.state == FLOWSWITCH_FLOW_PAUSED, "state %s",
	      fsw_state_name(q.state));
	CHECK(q.in_flight == 0, "%u chunks in flight while paused",
	      q.in_flight);
	b1 = q.bytes_done;
	CHECK(b1 < len, "finished before the pause");
	msleep(400);
	fsw_flow_query(fsw, id, &q);
	CHECK(q.bytes_done == b1, "moved %llu bytes while paused",
	      (unsigned long long)(q.bytes_done - b1));
	CHECK(fsw_flow_wait(fsw, id, 100, &state) == -ETIMEDOUT,
	      "wait on a paused flow must time out");
	CHECK(!fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_RESUME), "resume");
	CHECK(!fsw_flow_wait(fsw, id, 0, &state) &&
		      state == FLOWSWITCH_FLOW_DONE,
	      "after resume: %s", fsw_state_name(state));
	fsw_flow_query(fsw, id, &q);
	CHECK(q.bytes_done == len, "bytes_done %llu",
	      (unsigned long long)q.bytes_done);
	check_sink(off, len, 12);
	printf("pause: held at %llu of %llu bytes\n", (unsigned long long)b1,
	       (unsigned long long)len);
	fsw_destroy(fsw, id);
}

static void test_stop(int fsw)
{
	const uint64_t off = 16 * MiB, len = 16 * MiB, chunk = 256 * KiB;
	struct flowswitch_flow_query q;
	int id;

	prepare(off, len, 13);
	id = make_flow(fsw, off, len, chunk, 8 * MiB);
	CHECK(!fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_START), "start");
	msleep(300);
	CHECK(!fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_STOP), "stop");
	fsw_flow_query(fsw, id, &q);
	CHECK(q.state == FLOWSWITCH_FLOW_STOPPED, "state %s",
	      fsw_state_name(q.state));
	CHECK(q.in_flight == 0, "in flight after stop: %u", q.in_flight);
	CHECK(q.bytes_done > 0 && q.bytes_done < len &&
		      q.bytes_done % chunk == 0 &&
		      q.chunks_done == q.bytes_done / chunk,
	      "bytes_done %llu chunks %llu", (unsigned long long)q.bytes_done,
	      (unsigned long long)q.chunks_done);
	/* What it reports as done is there. */
	check_sink(off, q.bytes_done, 13);
	CHECK(fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_RESUME) == -EBUSY,
	      "resume after stop");
	printf("stop: %llu of %llu bytes\n", (unsigned long long)q.bytes_done,
	       (unsigned long long)len);
	fsw_destroy(fsw, id);
}

static void test_destroy_running(int fsw)
{
	struct flowswitch_flow_create fc;
	int id, src;

	id = make_flow(fsw, 0, 32 * MiB, 64 * KiB, 4 * MiB);
	CHECK(!fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_START), "start");
	msleep(100);
	CHECK(!fsw_destroy(fsw, id), "destroy running flow");
	CHECK(fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_STOP) == -ENOENT,
	      "flow still there");
	/* Its ports are free again. */
	memset(&fc, 0, sizeof(fc));
	src = port_on(fsw, dev_a, O_RDONLY, FLOWSWITCH_PORT_READ);
	CHECK(src > 0 && !fsw_destroy(fsw, src), "port after destroy");
}

static void test_events(void)
{
	struct flowswitch_event ev[8];
	struct pollfd pfd;
	unsigned int state;
	int fsw, id, n, i, running = 0, done = 0;
	uint64_t t0;

	fsw = fsw_open(NULL);
	pfd.fd = fsw;
	pfd.events = POLLIN;
	CHECK(poll(&pfd, 1, 0) == 0, "events before any flow");
	id = make_flow(fsw, 0, 1 * MiB, 64 * KiB, 0);
	CHECK(!fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_START), "start");
	CHECK(!fsw_flow_wait(fsw, id, 0, &state), "wait");
	t0 = now_ns();
	CHECK(poll(&pfd, 1, 5000) == 1 && (pfd.revents & POLLIN),
	      "poll: %x", pfd.revents);
	CHECK(now_ns() - t0 < 1000000000ULL, "poll slept");
	CHECK(read(fsw, ev, sizeof(ev[0]) - 1) < 0 && errno == EINVAL,
	      "short read buffer");
	n = read(fsw, ev, sizeof(ev));
	CHECK(n > 0 && n % sizeof(ev[0]) == 0, "read %d", n);
	for (i = 0; i < n / (int)sizeof(ev[0]); i++) {
		CHECK(ev[i].type == FLOWSWITCH_EVENT_FLOW_STATE &&
			      (int)ev[i].flow_id == id,
		      "event %d: type %u flow %u", i, ev[i].type,
		      ev[i].flow_id);
		CHECK(ev[i].seq == (uint64_t)i, "seq %llu",
		      (unsigned long long)ev[i].seq);
		running += ev[i].state == FLOWSWITCH_FLOW_RUNNING;
		if (ev[i].state == FLOWSWITCH_FLOW_DONE) {
			done++;
			CHECK(ev[i].bytes_done == 1 * MiB, "done at %llu",
			      (unsigned long long)ev[i].bytes_done);
		}
	}
	CHECK(running == 1 && done == 1, "running %d done %d", running, done);
	CHECK(poll(&pfd, 1, 0) == 0, "events left after reading all");
	/* Destroying a finished flow changes nothing: no event. */
	CHECK(!fsw_destroy(fsw, id), "destroy");
	CHECK(poll(&pfd, 1, 0) == 0, "event from destroying a done flow");
	/* Destroying one never started stops it: an event. */
	id = make_flow(fsw, 0, 1 * MiB, 64 * KiB, 0);
	CHECK(!fsw_destroy(fsw, id), "destroy created");
	n = read(fsw, ev, sizeof(ev));
	CHECK(n == sizeof(ev[0]) && ev[0].state == FLOWSWITCH_FLOW_STOPPED &&
		      (int)ev[0].flow_id == id,
	      "destroy of a created flow: %d bytes", n);
	CHECK(fcntl(fsw, F_SETFL, O_NONBLOCK) == 0, "O_NONBLOCK");
	CHECK(read(fsw, ev, sizeof(ev)) < 0 && errno == EAGAIN,
	      "non-blocking read of an empty queue");
	close(fsw);
}

int main(void)
{
	int fsw;

	dev_a = nvme_by_serial("fswA");
	dev_b = nvme_by_serial("fswB");
	fsw = fsw_open(NULL);
	if (!dev_a || !dev_b || fsw < 0)
		return T_FAIL;
	test_rate(fsw);
	test_pause_resume(fsw);
	test_stop(fsw);
	test_destroy_running(fsw);
	test_events();
	close(fsw);
	return t_result();
}
