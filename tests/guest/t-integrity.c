// SPDX-License-Identifier: GPL-2.0
/*
 * End-to-end integrity (FLOWSWITCH_FLOW_VERIFY): the crc32c the module
 * reports is the source's (computed here independently), a flow whose
 * sinks hold what the source produced is DONE -- through host memory, a
 * p2p pool and into a BAR window on a P2PDMA kernel -- and one whose sink
 * was corrupted on the device behind the flow's back (the verify_fault
 * hook) fails with EBADMSG at the verify stage and reports no byte done.
 *
 * Named to run before t-p2p, whose bytes in the ivshmem BAR the host
 * compares after the run: the window flow here writes into the BAR.
 */
#include <stdbool.h>

#include "flowtest.h"

/*
 * Of disks A and B, free for this test: the source is rewritten here and
 * the fan-out's second sink lies past it, so not in 255-511 MiB, which
 * t-flow-copy's big copy leaves for the host to compare A against B.
 */
#define AREA (96 * MiB)
#define FAULT "/sys/module/flowswitch/parameters/verify_fault"

static const char *dev_a, *dev_b;

/* crc32c (Castagnoli, reflected 0x82f63b78), bit by bit: independent. */
static uint32_t crc32c_sw(uint32_t crc, const uint8_t *p, size_t n)
{
	int k;

	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = crc & 1 ? (crc >> 1) ^ 0x82f63b78 : crc >> 1;
	}
	return ~crc;
}

static uint32_t crc_of(const char *dev, uint64_t off, uint64_t len)
{
	uint32_t crc = 0;
	int fd = open(dev, O_RDONLY);

	while (fd >= 0 && len) {
		size_t n = len < IO_BUF ? len : IO_BUF;

		if (pread(fd, io_buf, n, off) != (ssize_t)n)
			break;
		crc = crc32c_sw(crc, io_buf, n);
		off += n;
		len -= n;
	}
	close(fd);
	return crc;
}

struct run {
	uint32_t flags, placement, provider;
	uint32_t nr_sinks;
	int sink_port; /* a memory port, or 0 for B */
	uint64_t len;
};

static int run_flow(int fsw, const struct run *r,
		    struct flowswitch_flow_query *q)
{
	struct flowswitch_sink sinks[2] = {
		{.offset = AREA},
		{.offset = AREA + r->len},
	};
	struct flowswitch_flow_create fc = {
		.src_offset = AREA,
		.length = r->len,
		.chunk_size = 256 * KiB,
		.depth = 4,
		.nr_sinks = r->nr_sinks,
		.sinks_uptr = (uintptr_t)sinks,
		.flags = FLOWSWITCH_FLOW_VERIFY | r->flags,
		.placement = r->placement,
		.p2p_provider = r->provider,
	};
	unsigned int state, i;
	int id;

	fc.src_port_id = port_on(fsw, dev_a, O_RDONLY, FLOWSWITCH_PORT_READ);
	for (i = 0; i < r->nr_sinks; i++) {
		sinks[i].port_id =
			port_on(fsw, dev_b, O_WRONLY, FLOWSWITCH_PORT_WRITE);
		if (r->sink_port) {
			sinks[i].port_id = r->sink_port;
			sinks[i].offset = 0;
		}
	}
	id = fsw_flow_create(fsw, &fc);
	if (id < 0)
		return id;
	CHECK(!fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_START), "start");
	CHECK(!fsw_flow_wait(fsw, id, 0, &state), "wait");
	CHECK(!fsw_flow_query(fsw, id, q), "query");
	fsw_destroy(fsw, id);
	return 0;
}

static void verified(int fsw, const char *what, struct run r, uint32_t want)
{
	struct flowswitch_flow_query q;
	int ret = run_flow(fsw, &r, &q);

	CHECK(!ret, "%s: create: %s", what, strerror(-ret));
	if (ret)
		return;
	CHECK(q.state == FLOWSWITCH_FLOW_DONE && q.bytes_done == r.len,
	      "%s: state %s error %u stage %s", what, fsw_state_name(q.state),
	      q.error, fsw_stage_name(q.fail_stage));
	CHECK(q.crc32c == want, "%s: crc32c %08x, source's %08x", what,
	      q.crc32c, want);
	CHECK(q.verify_ns > 0, "%s: no read-back time", what);
	printf("%-34s crc32c %08x, read-back %llu us, pool %s\n", what,
	       q.crc32c, (unsigned long long)q.verify_ns / 1000,
	       q.pool == FLOWSWITCH_POOL_P2P ? "p2p" : "host");
}

static void test_host(int fsw, uint32_t want, uint64_t len)
{
	struct run r = {.nr_sinks = 1, .len = len};
	struct flowswitch_flow_query q;
	struct flowswitch_flow_create fc = {
		.length = 4096,
		.chunk_size = 4096,
		.depth = 1,
		.nr_sinks = 1,
		.flags = FLOWSWITCH_FLOW_VERIFY | FLOWSWITCH_FLOW_NO_FLUSH,
	};
	struct flowswitch_sink s;
	int ret;

	verified(fsw, "A -> B, host pool", r, want);
	r.nr_sinks = 2;
	verified(fsw, "A -> B, B (fan-out)", r, want);

	/* The sink changed on the device behind the flow: caught. */
	r.nr_sinks = 1;
	CHECK(!write_sysfs(FAULT, "1"), "arm verify_fault");
	ret = run_flow(fsw, &r, &q);
	CHECK(!ret && q.state == FLOWSWITCH_FLOW_FAILED && q.error == EBADMSG &&
		      q.fail_stage == FLOWSWITCH_STAGE_VERIFY &&
		      q.fail_sink == 0 && q.bytes_done == 0,
	      "corrupted sink: state %s error %u stage %s bytes_done %llu",
	      fsw_state_name(q.state), q.error, fsw_stage_name(q.fail_stage),
	      (unsigned long long)q.bytes_done);
	CHECK(crc_of(dev_b, AREA, len) != want, "the hook changed nothing");

	/* Nothing flushed, nothing to prove. */
	fc.src_port_id = port_on(fsw, dev_a, O_RDONLY, FLOWSWITCH_PORT_READ);
	s = (struct flowswitch_sink){.port_id = port_on(fsw, dev_b, O_WRONLY,
							FLOWSWITCH_PORT_WRITE)};
	fc.sinks_uptr = (uintptr_t)&s;
	ret = fsw_flow_create(fsw, &fc);
	CHECK(ret == -EINVAL, "VERIFY with NO_FLUSH: %s",
	      ret < 0 ? strerror(-ret) : "made");
}

static void test_p2p(int fsw, uint32_t want, uint64_t len)
{
	struct run r = {.nr_sinks = 1,
			.len = len,
			.placement = FLOWSWITCH_P2P_REQUIRED};
	struct flowswitch_port_create pc;
	char name[64], path[256];
	int win;

	verified(fsw, "A -> B, p2p pool", r, want);
	if (!find_ivshmem(name, sizeof(name)) || bind_provider(name)) {
		CHECK(0, "no ivshmem provider");
		return;
	}
	memset(&pc, 0, sizeof(pc));
	pc.flags = FLOWSWITCH_PORT_PCI_BAR | FLOWSWITCH_PORT_WRITE;
	pc.fd = -1;
	pc.pci_addr = pci_addr_of(name);
	pc.window_size = len;
	win = fsw_port_create(fsw, &pc);
	CHECK(win > 0, "window: %s", strerror(-win));
	if (win > 0) {
		r.placement = 0;
		r.sink_port = win;
		verified(fsw, "A -> BAR window", r, want);
		fsw_destroy(fsw, win);
	}
	write_sysfs("/sys/bus/pci/drivers/flowswitch_bar/unbind", name);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 name);
	write_sysfs(path, "\n");
}

/* The command line: flowctl copy --verify says what it proved. */
static void test_flowctl(uint32_t want, uint64_t len)
{
	char cmd[512], line[256], expect[64];
	bool seen = false;
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "/bin/flowctl copy --verify --offset %llu --length %llu "
		 "--sink-offset %llu %s %s 2>&1",
		 (unsigned long long)AREA, (unsigned long long)len,
		 (unsigned long long)AREA, dev_a, dev_b);
	snprintf(expect, sizeof(expect), "crc32c %08x", want);
	p = popen(cmd, "r");
	while (p && fgets(line, sizeof(line), p)) {
		fputs(line, stdout);
		seen |= strstr(line, "verified:") && strstr(line, expect);
	}
	CHECK(p && !pclose(p) && seen, "flowctl copy --verify: no '%s'",
	      expect);
}

int main(void)
{
	const uint64_t len = 8 * MiB;
	struct flowswitch_info info;
	uint32_t want;
	int fsw, fd;

	dev_a = nvme_by_serial("fswA");
	dev_b = nvme_by_serial("fswB");
	fsw = fsw_open(NULL);
	if (!dev_a || !dev_b || fsw < 0 || fsw_info(fsw, &info))
		return T_FAIL;
	fd = open(dev_a, O_RDWR);
	CHECK(fd >= 0 && !pattern_write(fd, AREA, AREA, len, 71), "prepare");
	close(fd);
	want = crc_of(dev_a, AREA, len);

	test_host(fsw, want, len);
	test_flowctl(want, len);
	if (info.features & FLOWSWITCH_FEATURE_P2PDMA)
		test_p2p(fsw, want, len);
	close(fsw);
	return t_result();
}
