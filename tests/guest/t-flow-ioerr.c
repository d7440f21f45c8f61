// SPDX-License-Identifier: GPL-2.0
/*
 * Device errors, injected by QEMU's blkdebug on the third controller
 * (serial fswC): a read error at 8 MiB and a write error at 16 MiB of its
 * disk (tests/vm/blkdebug.conf).  A flow through either fails with the
 * errno the device reported (a medium error reads as ENODATA), the stage,
 * the first failing offset, and bytes_done exactly the bytes before the
 * failing chunk -- which are in the sink.  Retries are counted.
 */
#include <time.h>

#include "flowtest.h"

#define CHUNK (256 * KiB)
#define READ_ERR_AT (8 * MiB)
#define WRITE_ERR_AT (16 * MiB)

static const char *dev_a, *dev_b, *dev_c;

static int run(int fsw, const char *src, uint64_t src_off, const char *dst,
	       uint64_t dst_off, uint64_t len, uint32_t retries,
	       struct flowswitch_flow_query *q)
{
	struct flowswitch_sink sink = { .offset = dst_off };
	struct flowswitch_flow_create fc = {
		.src_offset = src_off,
		.length = len,
		.chunk_size = CHUNK,
		.depth = 4,
		.max_retries = retries,
		.nr_sinks = 1,
		.sinks_uptr = (uintptr_t)&sink,
	};
	unsigned int state;
	int id;

	fc.src_port_id = port_on(fsw, src, O_RDONLY, FLOWSWITCH_PORT_READ);
	sink.port_id = port_on(fsw, dst, O_WRONLY, FLOWSWITCH_PORT_WRITE);
	id = fsw_flow_create(fsw, &fc);
	CHECK(id > 0, "create: %s", strerror(-id));
	if (id <= 0)
		return -1;
	CHECK(!fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_START), "start");
	CHECK(!fsw_flow_wait(fsw, id, 0, &state), "wait");
	CHECK(!fsw_flow_query(fsw, id, q), "query");
	return id;
}

static void test_read_error(int fsw, uint32_t retries)
{
	const uint64_t off = 4 * MiB, len = 8 * MiB;
	struct flowswitch_flow_query q;
	int fd, id;
	int64_t bad;

	fd = open(dev_c, O_RDWR);
	/* Writing is fine at 8 MiB; only reads there fail. */
	CHECK(!pattern_write(fd, off, off, READ_ERR_AT - off, 21),
	      "prepare: %m");
	close(fd);
	id = run(fsw, dev_c, off, dev_b, off, len, retries, &q);
	CHECK(q.state == FLOWSWITCH_FLOW_FAILED, "state %s",
	      fsw_state_name(q.state));
	CHECK(q.error == ENODATA, "error %u (%s), want ENODATA", q.error,
	      strerror(q.error));
	CHECK(q.fail_stage == FLOWSWITCH_STAGE_READ, "stage %s",
	      fsw_stage_name(q.fail_stage));
	CHECK(q.fail_offset == READ_ERR_AT, "fail_offset %llu",
	      (unsigned long long)q.fail_offset);
	CHECK(q.bytes_done == READ_ERR_AT - off &&
		      q.chunks_done == (READ_ERR_AT - off) / CHUNK,
	      "bytes_done %llu chunks %llu", (unsigned long long)q.bytes_done,
	      (unsigned long long)q.chunks_done);
	CHECK(q.retries == retries, "retries %llu, want %u",
	      (unsigned long long)q.retries, retries);
	fd = open(dev_b, O_RDONLY);
	bad = pattern_check(fd, off, off, q.bytes_done, 21);
	CHECK(bad < 0, "sink differs at %lld", (long long)bad);
	close(fd);
	printf("read error: %s in %s at %llu, %llu bytes done, %llu retries\n",
	       strerror(q.error), fsw_stage_name(q.fail_stage),
	       (unsigned long long)q.fail_offset,
	       (unsigned long long)q.bytes_done,
	       (unsigned long long)q.retries);
	fsw_destroy(fsw, id);
}

static void test_write_error(int fsw)
{
	/* The sink range [12, 20) MiB of C crosses the error at 16 MiB. */
	const uint64_t src_off = 32 * MiB, dst_off = 12 * MiB, len = 8 * MiB;
	struct flowswitch_flow_query q;
	int fd, id;
	int64_t bad;

	fd = open(dev_a, O_RDWR);
	CHECK(!pattern_write(fd, src_off, src_off, len, 22), "prepare");
	close(fd);
	id = run(fsw, dev_a, src_off, dev_c, dst_off, len, 0, &q);
	CHECK(q.state == FLOWSWITCH_FLOW_FAILED, "state %s",
	      fsw_state_name(q.state));
	CHECK(q.error != 0 && q.fail_stage == FLOWSWITCH_STAGE_WRITE &&
		      q.fail_sink == 0,
	      "error %u stage %s sink %u", q.error,
	      fsw_stage_name(q.fail_stage), q.fail_sink);
	CHECK(q.fail_offset == src_off + (WRITE_ERR_AT - dst_off),
	      "fail_offset %llu", (unsigned long long)q.fail_offset);
	CHECK(q.bytes_done == WRITE_ERR_AT - dst_off, "bytes_done %llu",
	      (unsigned long long)q.bytes_done);
	fd = open(dev_c, O_RDONLY);
	bad = pattern_check(fd, dst_off, src_off, q.bytes_done, 22);
	CHECK(bad < 0, "sink differs at %lld", (long long)bad);
	close(fd);
	printf("write error: %s in %s at %llu, %llu bytes done\n",
	       strerror(q.error), fsw_stage_name(q.fail_stage),
	       (unsigned long long)q.fail_offset,
	       (unsigned long long)q.bytes_done);
	fsw_destroy(fsw, id);
}

int main(void)
{
	struct timespec ts = { 0, 100000000 };
	int fsw, i;

	for (i = 0; i < 50 && !nvme_by_serial("fswC"); i++)
		nanosleep(&ts, NULL);
	dev_a = nvme_by_serial("fswA");
	dev_b = nvme_by_serial("fswB");
	dev_c = nvme_by_serial("fswC");
	if (!dev_c) {
		fprintf(stderr, "no blkdebug controller fswC\n");
		return T_FAIL;
	}
	fsw = fsw_open(NULL);
	test_read_error(fsw, 0);
	test_read_error(fsw, 2);
	test_write_error(fsw);
	close(fsw);
	return t_result();
}
