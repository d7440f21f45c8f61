// SPDX-License-Identifier: GPL-2.0
/*
 * Flows between NVMe namespaces and files, byte-exact: every kind pair,
 * lengths around page and chunk boundaries, unaligned offsets, fan-out to
 * two sinks, and one 256 MiB NVMe -> NVMe copy that the host also checks
 * by comparing the image files.  Around each sink range a guard band must
 * stay untouched, and the accounting must be exact: bytes_done = length,
 * chunks = ceil(length / chunk), and every byte read and written counted
 * once as direct or buffered.
 */
#include <sys/stat.h>

#include "flowtest.h"

enum kind { NVME_A, NVME_B, FILE_X, FILE_Y };
enum io { ANY, DIRECT, BUFFERED };

struct copy_case {
	const char *name;
	enum kind src, dst[2];
	int nr_dst;
	uint64_t src_off, dst_off, len;
	uint32_t chunk, depth;
	enum io io;
};

#define C64K (64 * KiB)

static const struct copy_case cases[] = {
	{ "nvme-nvme 1B", NVME_A, { NVME_B }, 1, 0, 0, 1, C64K, 4, BUFFERED },
	{ "nvme-nvme 4095B", NVME_A, { NVME_B }, 1, 0, 0, 4095, C64K, 4, BUFFERED },
	{ "nvme-nvme 4096B", NVME_A, { NVME_B }, 1, 0, 0, 4096, C64K, 4, DIRECT },
	{ "nvme-nvme chunk-1", NVME_A, { NVME_B }, 1, 0, 0, C64K - 1, C64K, 4, BUFFERED },
	{ "nvme-nvme chunk+1", NVME_A, { NVME_B }, 1, 0, 0, C64K + 1, C64K, 4, ANY },
	{ "nvme-nvme 5 MiB", NVME_A, { NVME_B }, 1, 1 * MiB, 2 * MiB, 5 * MiB, 256 * KiB, 8, DIRECT },
	{ "nvme-nvme unaligned", NVME_A, { NVME_B }, 1, 7, 4096 + 13, 3 * C64K + 5, C64K, 4, BUFFERED },
	{ "file-file 1B", FILE_X, { FILE_Y }, 1, 0, 0, 1, C64K, 2, BUFFERED },
	{ "file-file chunk+1", FILE_X, { FILE_Y }, 1, 0, 0, C64K + 1, C64K, 2, BUFFERED },
	{ "file-file unaligned", FILE_X, { FILE_Y }, 1, 3, 5, 2 * MiB + 7, 128 * KiB, 8, BUFFERED },
	{ "file-nvme 4095B", FILE_X, { NVME_B }, 1, 0, 8 * MiB, 4095, C64K, 4, BUFFERED },
	{ "file-nvme 3 MiB", FILE_X, { NVME_B }, 1, 4096, 8 * MiB, 3 * MiB, C64K, 16, ANY },
	{ "nvme-file chunk-1", NVME_A, { FILE_Y }, 1, 0, 0, C64K - 1, C64K, 4, BUFFERED },
	{ "nvme-file 3 MiB", NVME_A, { FILE_Y }, 1, 12 * MiB, 1, 3 * MiB, 512 * KiB, 4, ANY },
	{ "fan-out nvme+file", NVME_A, { NVME_B, FILE_Y }, 2, 16 * MiB, 20 * MiB, 4 * MiB + 100, 1 * MiB, 8, ANY },
	{ "fan-out depth 1", NVME_A, { FILE_X, FILE_Y }, 2, 0, 4096, 1 * MiB, C64K, 1, ANY },
};

static const char *path_of(enum kind k)
{
	switch (k) {
	case NVME_A:
		return nvme_by_serial("fswA");
	case NVME_B:
		return nvme_by_serial("fswB");
	case FILE_X:
		return "/tmp/flow-x";
	default:
		return "/tmp/flow-y";
	}
}

#define GUARD 4096

static int run_case(int fsw, const struct copy_case *c, uint64_t seed)
{
	struct flowswitch_sink sinks[2] = {};
	struct flowswitch_flow_create fc = {
		.length = c->len,
		.src_offset = c->src_off,
		.chunk_size = c->chunk,
		.depth = c->depth,
		.nr_sinks = c->nr_dst,
		.sinks_uptr = (uintptr_t)sinks,
	};
	struct flowswitch_flow_query q;
	int before = t_failures, fd, i, id, ret;
	unsigned int state;
	uint64_t guard_lo;
	int64_t bad;

	fd = open(path_of(c->src), O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0 && !pattern_write(fd, c->src_off, c->src_off, c->len,
					 seed),
	      "%s: prepare source: %m", c->name);
	close(fd);
	for (i = 0; i < c->nr_dst; i++) {
		guard_lo = c->dst_off < GUARD ? 0 : c->dst_off - GUARD;
		fd = open(path_of(c->dst[i]), O_RDWR | O_CREAT, 0644);
		/* Files start empty so that their size is ours to check. */
		if (c->dst[i] >= FILE_X)
			CHECK(!ftruncate(fd, 0), "truncate");
		CHECK(fd >= 0 && !fill_byte(fd, guard_lo,
					    c->dst_off - guard_lo + c->len +
						    GUARD,
					    0x5a),
		      "%s: prepare sink: %m", c->name);
		close(fd);
	}

	fc.src_port_id = port_on(fsw, path_of(c->src), O_RDONLY,
				 FLOWSWITCH_PORT_READ);
	for (i = 0; i < c->nr_dst; i++) {
		sinks[i].port_id = port_on(fsw, path_of(c->dst[i]), O_WRONLY,
					   FLOWSWITCH_PORT_WRITE);
		sinks[i].offset = c->dst_off;
		CHECK((int)sinks[i].port_id > 0, "%s: sink port: %s", c->name,
		      strerror(-(int)sinks[i].port_id));
	}
	CHECK((int)fc.src_port_id > 0, "%s: source port: %s", c->name,
	      strerror(-(int)fc.src_port_id));
	id = fsw_flow_create(fsw, &fc);
	CHECK(id > 0, "%s: create: %s", c->name, strerror(-id));
	if (id <= 0)
		return 1;
	ret = fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_START);
	CHECK(!ret, "%s: start: %s", c->name, strerror(-ret));
	ret = fsw_flow_wait(fsw, id, 120000, &state);
	CHECK(!ret && state == FLOWSWITCH_FLOW_DONE, "%s: wait: %s, state %s",
	      c->name, strerror(-ret), fsw_state_name(state));
	ret = fsw_flow_query(fsw, id, &q);
	CHECK(!ret, "%s: query", c->name);
	CHECK(q.bytes_done == c->len, "%s: bytes_done %llu", c->name,
	      (unsigned long long)q.bytes_done);
	CHECK(q.chunks_done == (c->len + c->chunk - 1) / c->chunk,
	      "%s: chunks %llu", c->name, (unsigned long long)q.chunks_done);
	CHECK(q.direct_bytes + q.buffered_bytes == c->len * (1 + c->nr_dst),
	      "%s: direct %llu + buffered %llu != %llu", c->name,
	      (unsigned long long)q.direct_bytes,
	      (unsigned long long)q.buffered_bytes,
	      (unsigned long long)c->len * (1 + c->nr_dst));
	CHECK(c->io != DIRECT || !q.buffered_bytes, "%s: buffered %llu",
	      c->name, (unsigned long long)q.buffered_bytes);
	CHECK(c->io != BUFFERED || !q.direct_bytes, "%s: direct %llu",
	      c->name, (unsigned long long)q.direct_bytes);
	CHECK(q.error == 0 && q.fail_stage == FLOWSWITCH_STAGE_NONE,
	      "%s: error %u stage %u", c->name, q.error, q.fail_stage);
	CHECK(q.host_pool_bytes == (uint64_t)c->chunk * c->depth,
	      "%s: pool %llu", c->name, (unsigned long long)q.host_pool_bytes);

	for (i = 0; i < c->nr_dst; i++) {
		fd = open(path_of(c->dst[i]), O_RDONLY);
		bad = pattern_check(fd, c->dst_off, c->src_off, c->len, seed);
		CHECK(bad < 0, "%s: sink %d differs at %lld", c->name, i,
		      (long long)bad);
		guard_lo = c->dst_off < GUARD ? 0 : c->dst_off - GUARD;
		bad = pattern_check(fd, guard_lo, UINT64_MAX,
				    c->dst_off - guard_lo, 0x5a);
		CHECK(bad < 0, "%s: guard before sink %d hit at %lld", c->name,
		      i, (long long)bad);
		if (c->dst[i] < FILE_X) {
			bad = pattern_check(fd, c->dst_off + c->len, UINT64_MAX,
					    GUARD, 0x5a);
			CHECK(bad < 0, "%s: guard after sink %d hit at %lld",
			      c->name, i, (long long)bad);
		}
		close(fd);
	}
	CHECK(!fsw_destroy(fsw, id), "%s: destroy flow", c->name);
	CHECK(!fsw_destroy(fsw, fc.src_port_id), "%s: destroy port", c->name);
	for (i = 0; i < c->nr_dst; i++)
		CHECK(!fsw_destroy(fsw, sinks[i].port_id), "destroy sink");
	printf("%-22s %s\n", c->name, t_failures == before ? "ok" : "FAILED");
	return t_failures != before;
}

/*
 * 256 MiB, A -> B, checked in the guest and (hostcmp) on the host.  The
 * top 257 MiB of the disks are this copy's alone: other tests write below
 * 160 MiB, and the guard band after it still fits on the 512 MiB disk.
 */
static void big_copy(int fsw)
{
	const uint64_t len = 256 * MiB, off = 255 * MiB;
	const struct copy_case big = {
		"nvme-nvme 256 MiB", NVME_A, { NVME_B }, 1, off, off, len,
		1 * MiB, 16, DIRECT,
	};

	if (!run_case(fsw, &big, 0x256))
		host_compare("A.img", off, "B.img", off, len);
}

int main(void)
{
	size_t i;
	int fsw;

	if (!nvme_by_serial("fswA") || !nvme_by_serial("fswB")) {
		fprintf(stderr, "no NVMe pair\n");
		return T_FAIL;
	}
	fsw = fsw_open(NULL);
	if (fsw < 0)
		return T_FAIL;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(fsw, &cases[i], 0x1000 + i);
	big_copy(fsw);
	close(fsw);
	return t_result();
}
