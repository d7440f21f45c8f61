// SPDX-License-Identifier: GPL-2.0
/*
 * Peer-to-peer pools.  On a P2PDMA kernel (the switch topology): flows
 * NVMe A -> B through A's CMB, B's CMB, the provider the kernel picks, and
 * the ivshmem BAR published by flowswitch_bar -- byte-exact, with zero
 * bytes through host memory; the explain verdicts; every refusal and
 * fallback with its reason, event and counter.  On a kernel without
 * P2PDMA: PREFERRED lands on host memory saying so, REQUIRED is refused.
 */
#include <dirent.h>
#include <poll.h>

#include "flowtest.h"

static const char *dev_a, *dev_b;
static int p2pdma;

static unsigned int providers(void)
{
	struct flowswitch_info in;
	int fsw = fsw_open(NULL);

	fsw_info(fsw, &in);
	close(fsw);
	return in.p2pmem_providers;
}

struct p2p_run {
	uint32_t placement, provider, flags;
	uint64_t src_off, dst_off, len;
	uint32_t chunk, depth;
	const char *src, *dst;
};

/* Create and run one flow; returns the create errno or 0 and fills @q. */
static int p2p_flow(int fsw, const struct p2p_run *r,
		    struct flowswitch_flow_create *fc,
		    struct flowswitch_flow_query *q)
{
	static struct flowswitch_sink sink;
	unsigned int state;
	int id;

	memset(fc, 0, sizeof(*fc));
	memset(q, 0, sizeof(*q));
	sink.offset = r->dst_off;
	fc->src_offset = r->src_off;
	fc->length = r->len;
	fc->chunk_size = r->chunk;
	fc->depth = r->depth;
	fc->placement = r->placement;
	fc->p2p_provider = r->provider;
	fc->flags = r->flags;
	fc->nr_sinks = 1;
	fc->sinks_uptr = (uintptr_t)&sink;
	fc->src_port_id = port_on(fsw, r->src ? r->src : dev_a, O_RDONLY,
				  FLOWSWITCH_PORT_READ);
	sink.port_id = port_on(fsw, r->dst ? r->dst : dev_b,
			       O_WRONLY | O_CREAT, FLOWSWITCH_PORT_WRITE);
	id = fsw_flow_create(fsw, fc);
	if (id < 0)
		return -id;
	CHECK(!fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_START), "start");
	CHECK(!fsw_flow_wait(fsw, id, 0, &state), "wait");
	CHECK(!fsw_flow_query(fsw, id, q), "query");
	fsw_destroy(fsw, id);
	return 0;
}

/* A p2p flow A -> B that must be byte-exact with no host memory. */
static void exact_p2p(int fsw, const char *what, uint32_t provider,
		      uint32_t flags, uint32_t want_provider, uint64_t seed)
{
	static int nth;
	const struct p2p_run r = {
		.placement = FLOWSWITCH_P2P_REQUIRED,
		.provider = provider,
		.flags = flags,
		/* 176-216 MiB: no other test writes there. */
		.src_off = (uint64_t)(176 + 10 * nth) * MiB,
		.dst_off = (uint64_t)(176 + 10 * nth++) * MiB,
		.len = 8 * MiB + 4096,
		.chunk = 1 * MiB,
		.depth = 4,
	};
	struct flowswitch_flow_create fc;
	struct flowswitch_flow_query q;
	int fd, err;
	int64_t bad;

	fd = open(dev_a, O_RDWR);
	CHECK(!pattern_write(fd, r.src_off, r.src_off, r.len, seed), "fill");
	close(fd);
	err = p2p_flow(fsw, &r, &fc, &q);
	CHECK(!err, "%s: create: %s (reason %u)", what, strerror(err),
	      fc.out_p2p_reason);
	if (err)
		return;
	CHECK(fc.out_pool == FLOWSWITCH_POOL_P2P && q.pool == FLOWSWITCH_POOL_P2P,
	      "%s: pool %u", what, fc.out_pool);
	/* Tested, or proven before: never trusted blindly by default. */
	CHECK(fc.out_canary == FLOWSWITCH_CANARY_PASSED ||
		      fc.out_canary == FLOWSWITCH_CANARY_CACHED,
	      "%s: canary %u", what, fc.out_canary);
	CHECK(!want_provider || fc.out_provider == want_provider,
	      "%s: provider %x, want %x", what, fc.out_provider, want_provider);
	CHECK(q.state == FLOWSWITCH_FLOW_DONE && q.bytes_done == r.len,
	      "%s: %s, %llu bytes (%s)", what, fsw_state_name(q.state),
	      (unsigned long long)q.bytes_done, strerror(q.error));
	CHECK(q.host_bytes == 0 && q.p2p_bytes == 2 * r.len &&
		      q.host_pool_bytes == 0 && q.buffered_bytes == 0,
	      "%s: host %llu p2p %llu pool %llu buffered %llu", what,
	      (unsigned long long)q.host_bytes,
	      (unsigned long long)q.p2p_bytes,
	      (unsigned long long)q.host_pool_bytes,
	      (unsigned long long)q.buffered_bytes);
	fd = open(dev_b, O_RDONLY);
	bad = pattern_check(fd, r.dst_off, r.src_off, r.len, seed);
	CHECK(bad < 0, "%s: sink differs at %lld", what, (long long)bad);
	close(fd);
	/* Each p2p flow lands elsewhere in B: the host checks them all. */
	dprintf(3, "hostcmp A.img %llu B.img %llu %llu\n",
		(unsigned long long)r.src_off, (unsigned long long)r.dst_off,
		(unsigned long long)r.len);
	printf("%-28s provider %04x:%02x:%02x.%x, %.1f MiB/s, host bytes %llu, "
	       "canary %s (%llu us)\n",
	       what, fc.out_provider >> 16, (fc.out_provider >> 8) & 0xff,
	       (fc.out_provider >> 3) & 0x1f, fc.out_provider & 7,
	       q.elapsed_ns ? r.len / (q.elapsed_ns / 1e9) / MiB : 0,
	       (unsigned long long)q.host_bytes,
	       q.canary == FLOWSWITCH_CANARY_PASSED ? "passed" : "cached",
	       (unsigned long long)q.canary_ns / 1000);
}

static void refused(int fsw, const char *what, struct p2p_run r, uint32_t why)
{
	struct flowswitch_flow_create fc;
	struct flowswitch_flow_query q;
	int err;

	r.placement = FLOWSWITCH_P2P_REQUIRED;
	err = p2p_flow(fsw, &r, &fc, &q);
	CHECK(err == EXDEV && fc.out_p2p_reason == why,
	      "%s: REQUIRED gave %s, reason %u, want EXDEV reason %u", what,
	      err ? strerror(err) : "a flow", fc.out_p2p_reason, why);
}

/* PREFERRED falls back: host pool, the reason, an event, the counter. */
static void falls_back(int fsw, const char *what, struct p2p_run r,
		       uint32_t why)
{
	struct flowswitch_flow_create fc;
	struct flowswitch_flow_query q;
	struct flowswitch_event ev[4];
	struct flowswitch_info in0, in1;
	struct pollfd pfd = { .fd = fsw, .events = POLLIN };
	int err, n, i, seen = 0;

	fsw_info(fsw, &in0);
	while (poll(&pfd, 1, 0) == 1 && read(fsw, ev, sizeof(ev)) > 0)
		;	/* drain older events */
	r.placement = FLOWSWITCH_P2P_PREFERRED;
	err = p2p_flow(fsw, &r, &fc, &q);
	CHECK(!err, "%s: create: %s", what, strerror(err));
	CHECK(fc.out_pool == FLOWSWITCH_POOL_HOST &&
		      fc.out_p2p_reason == why && q.p2p_reason == why,
	      "%s: pool %u reason %u, want host, reason %u", what,
	      fc.out_pool, fc.out_p2p_reason, why);
	CHECK(q.state == FLOWSWITCH_FLOW_DONE && q.p2p_bytes == 0 &&
		      q.host_bytes == 2 * r.len,
	      "%s: %s, p2p %llu host %llu", what, fsw_state_name(q.state),
	      (unsigned long long)q.p2p_bytes,
	      (unsigned long long)q.host_bytes);
	fsw_info(fsw, &in1);
	CHECK(in1.p2p_fallbacks == in0.p2p_fallbacks + 1, "%s: fallbacks %u",
	      what, in1.p2p_fallbacks);
	while (poll(&pfd, 1, 0) == 1 && (n = read(fsw, ev, sizeof(ev))) > 0)
		for (i = 0; i < n / (int)sizeof(ev[0]); i++)
			seen += ev[i].type == FLOWSWITCH_EVENT_FALLBACK &&
				ev[i].error == why &&
				ev[i].flow_id == fc.out_flow_id;
	CHECK(seen == 1, "%s: %d fallback events", what, seen);
}

static void explain(int fsw, uint32_t *provider_out)
{
	struct flowswitch_p2p_verdict v[2];
	uint32_t ports[2];
	struct flowswitch_p2p_explain ex = {
		.size = sizeof(ex),
		.nr_ports = 2,
		.ports_uptr = (uintptr_t)ports,
		.nr_verdicts = 2,
		.verdict_size = sizeof(v[0]),
		.verdicts_uptr = (uintptr_t)v,
	};
	int i;

	ports[0] = port_on(fsw, dev_a, O_RDONLY, FLOWSWITCH_PORT_READ);
	ports[1] = port_on(fsw, dev_b, O_WRONLY, FLOWSWITCH_PORT_WRITE);
	CHECK(!ioctl(fsw, FLOWSWITCH_IOC_P2P_EXPLAIN, &ex), "explain: %m");
	if (!p2pdma) {
		CHECK(ex.reason == FLOWSWITCH_P2P_NO_KERNEL_SUPPORT &&
			      ex.distance == -1,
		      "explain without P2PDMA: reason %u", ex.reason);
		return;
	}
	CHECK(ex.reason == FLOWSWITCH_P2P_OK && ex.distance >= 0 &&
		      ex.p2pmem_free >= 4 * MiB,
	      "explain: reason %u distance %d free %llu", ex.reason,
	      ex.distance, (unsigned long long)ex.p2pmem_free);
	for (i = 0; i < 2; i++) {
		/* Both controllers sit below one switch. */
		CHECK(v[i].map == FLOWSWITCH_MAP_BUS_ADDR &&
			      v[i].reason == FLOWSWITCH_P2P_OK &&
			      v[i].distance >= 0,
		      "verdict %d: map %u reason %u distance %d", i, v[i].map,
		      v[i].reason, v[i].distance);
	}
	printf("explain: provider %x, distance %d, %llu KiB free\n",
	       ex.provider, ex.distance,
	       (unsigned long long)ex.p2pmem_free >> 10);
	*provider_out = ex.provider;
}

/* A window of the ivshmem BAR as a port; returns its id. */
static int bar_port(int fsw, unsigned int addr, uint64_t size,
		    struct flowswitch_port_create *pc)
{
	memset(pc, 0, sizeof(*pc));
	pc->flags = FLOWSWITCH_PORT_PCI_BAR | FLOWSWITCH_PORT_READ |
		    FLOWSWITCH_PORT_WRITE;
	pc->fd = -1;
	pc->pci_addr = addr;
	pc->window_size = size;
	return fsw_port_create(fsw, pc);
}

/* One flow between a block device and the BAR window, in either way. */
static int bar_flow(int fsw, int src, uint64_t src_off, int dst,
		    uint64_t dst_off, uint64_t len, uint32_t nr_sinks,
		    struct flowswitch_flow_query *q, uint32_t *reason)
{
	struct flowswitch_sink sinks[2] = {
		{ .port_id = dst, .offset = dst_off },
		{ .port_id = dst, .offset = dst_off + len },
	};
	struct flowswitch_flow_create fc = {
		.src_port_id = src,
		.src_offset = src_off,
		.length = len,
		.chunk_size = 256 * KiB,
		.depth = 4,
		.nr_sinks = nr_sinks,
		.sinks_uptr = (uintptr_t)sinks,
	};
	unsigned int state;
	int id = fsw_flow_create(fsw, &fc);

	*reason = fc.out_p2p_reason;
	if (id < 0)
		return id;
	fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_START);
	fsw_flow_wait(fsw, id, 0, &state);
	fsw_flow_query(fsw, id, q);
	fsw_destroy(fsw, id);
	return 0;
}

/*
 * Device memory as a port: NVMe A DMAs straight into a window of the BAR
 * (the host finds the bytes in the file behind it, at the offset the port
 * reported), and NVMe B straight out of it.
 */
static int test_bar_port(int fsw, unsigned int addr)
{
	const uint64_t len = 4 * MiB, a_off = 48 * MiB, b_off = 56 * MiB;
	struct flowswitch_port_create pc;
	struct flowswitch_flow_query q;
	int bar, pa, pb, pa_buf, fd, ret;
	uint32_t reason;
	int64_t bad;

	bar = bar_port(fsw, addr, len, &pc);
	CHECK(bar > 0 && pc.out_kind == FLOWSWITCH_PORT_MEMORY &&
		      pc.out_size == len,
	      "BAR port: %s", strerror(-bar));
	if (bar <= 0)
		return 0;
	fd = open(dev_a, O_RDWR);
	CHECK(!pattern_write(fd, a_off, a_off, len, 35), "fill");
	close(fd);
	pa = port_on(fsw, dev_a, O_RDONLY, FLOWSWITCH_PORT_READ);
	pb = port_on(fsw, dev_b, O_WRONLY, FLOWSWITCH_PORT_WRITE);

	ret = bar_flow(fsw, pa, a_off, bar, 0, len, 1, &q, &reason);
	CHECK(!ret && q.state == FLOWSWITCH_FLOW_DONE && q.bytes_done == len &&
		      q.host_bytes == 0 && q.p2p_bytes == len &&
		      q.pool == FLOWSWITCH_POOL_P2P,
	      "A -> BAR: %s %s, %llu done, host %llu p2p %llu", strerror(-ret),
	      fsw_state_name(q.state), (unsigned long long)q.bytes_done,
	      (unsigned long long)q.host_bytes,
	      (unsigned long long)q.p2p_bytes);
	dprintf(3, "hostcmp A.img %llu ivshmem.bin %llu %llu\n",
		(unsigned long long)a_off,
		(unsigned long long)pc.out_bar_offset,
		(unsigned long long)len);

	ret = bar_flow(fsw, bar, 0, pb, b_off, len, 1, &q, &reason);
	CHECK(!ret && q.state == FLOWSWITCH_FLOW_DONE && q.host_bytes == 0 &&
		      q.p2p_bytes == len,
	      "BAR -> B: %s %s, host %llu", strerror(-ret),
	      fsw_state_name(q.state), (unsigned long long)q.host_bytes);
	fd = open(dev_b, O_RDONLY);
	bad = pattern_check(fd, b_off, a_off, len, 35);
	CHECK(bad < 0, "BAR -> B: sink differs at %lld", (long long)bad);
	close(fd);
	printf("BAR port: window at BAR %u + %llu; A -> BAR -> B byte-exact\n",
	       pc.out_bar, (unsigned long long)pc.out_bar_offset);

	/* What the window cannot do. */
	ret = bar_flow(fsw, pa, a_off + 100, bar, 0, 4096, 1, &q, &reason);
	CHECK(ret == -EXDEV && reason == FLOWSWITCH_P2P_BUFFERED_IO,
	      "unaligned into BAR: %s reason %u", strerror(-ret), reason);
	ret = bar_flow(fsw, pa, a_off, bar, 0, 4096, 2, &q, &reason);
	CHECK(ret == -EINVAL, "BAR as one of two sinks: %s", strerror(-ret));
	ret = bar_flow(fsw, pa, a_off, bar, len - 4096, 8192, 1, &q, &reason);
	CHECK(ret == -ENOSPC, "past the window: %s", strerror(-ret));
	pa_buf = port_on(fsw, "/tmp/bar-file", O_RDWR | O_CREAT,
			 FLOWSWITCH_PORT_READ | FLOWSWITCH_PORT_WRITE);
	ret = bar_flow(fsw, bar, 0, pa_buf, 0, 4096, 1, &q, &reason);
	CHECK(ret == -EXDEV && reason == FLOWSWITCH_P2P_NOT_PCI,
	      "BAR into tmpfs: %s reason %u", strerror(-ret), reason);
	CHECK(bar_port(fsw, addr, 0, &pc) == -EINVAL, "window of 0");
	CHECK(bar_port(fsw, addr, 4097, &pc) == -EINVAL, "window of 4097");
	CHECK(bar_port(fsw, addr, 1ULL << 30, &pc) == -ENOMEM,
	      "window larger than the BAR");
	/* Kept: its bytes stay in the BAR for the host to compare. */
	return bar;
}

static void test_ivshmem(int fsw)
{
	char name[64], path[256];
	unsigned int before = providers(), addr;
	int ret, bar = 0;

	if (!find_ivshmem(name, sizeof(name))) {
		CHECK(0, "no ivshmem device");
		return;
	}
	addr = pci_addr_of(name);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 name);
	CHECK(!write_sysfs(path, "flowswitch_bar"), "driver_override");
	ret = write_sysfs("/sys/bus/pci/drivers_probe", name);
	if (!p2pdma) {
		struct flowswitch_port_create pc;

		/* No P2PDMA: the driver refuses to publish, and says why. */
		CHECK(providers() == before, "a provider without P2PDMA");
		CHECK(bar_port(fsw, addr, 1 * MiB, &pc) == -ENODEV,
		      "BAR port without P2PDMA");
		write_sysfs(path, "\n");
		return;
	}
	CHECK(!ret, "bind flowswitch_bar: %s", strerror(-ret));
	CHECK(providers() == before + 1, "providers %u -> %u", before,
	      providers());
	/* The window first: the pool below then lies elsewhere in the BAR. */
	bar = test_bar_port(fsw, addr);
	exact_p2p(fsw, "A -> ivshmem BAR -> B", addr,
		  FLOWSWITCH_FLOW_NAMED_PROVIDER, addr, 34);
	/*
	 * The host finds the chunks last held by the pool in the file behind
	 * the BAR: of the 9 chunks through 4 slots, chunks 5-7 (chunk 4's
	 * slot got the short chunk 8 over its first page), of the fourth
	 * exact_p2p(), whose source starts at 206 MiB.
	 */
	dprintf(3, "hostfind A.img %llu %llu ivshmem.bin\n",
		(unsigned long long)(176 * MiB + 30 * MiB + 5 * MiB),
		(unsigned long long)(3 * MiB));
	CHECK(!bar || !fsw_destroy(fsw, bar), "destroy BAR port");
	CHECK(!write_sysfs("/sys/bus/pci/drivers/flowswitch_bar/unbind", name),
	      "unbind");
	CHECK(providers() == before, "providers after unbind %u", providers());
	write_sysfs(path, "\n");
}

/* Bind and unbind ivshmem: a PCI change, so every proven path is forgotten. */
static void forget_canaries(void)
{
	char name[64], path[256];

	CHECK(find_ivshmem(name, sizeof(name)), "ivshmem");
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 name);
	write_sysfs(path, "flowswitch_bar");
	write_sysfs("/sys/bus/pci/drivers_probe", name);
	write_sysfs("/sys/bus/pci/drivers/flowswitch_bar/unbind", name);
	write_sysfs(path, "\n");
}

/*
 * The self-test writes into the first block of each sink's range and puts
 * it back: a flow created and never run changes nothing.
 */
static void test_canary_restores(int fsw)
{
	forget_canaries();
	{
		struct flowswitch_sink sk = { .offset = 232 * MiB };
		struct flowswitch_flow_create c = {
			.placement = FLOWSWITCH_P2P_REQUIRED,
			.src_offset = 232 * MiB,
			.length = 1 * MiB,
			.chunk_size = 256 * KiB,
			.depth = 2,
			.nr_sinks = 1,
			.sinks_uptr = (uintptr_t)&sk,
		};
		int fd = open(dev_b, O_RDWR), id;

		CHECK(!fill_byte(fd, 232 * MiB, 4096, 0x77), "fill sink");
		c.src_port_id = port_on(fsw, dev_a, O_RDONLY,
					FLOWSWITCH_PORT_READ);
		sk.port_id = port_on(fsw, dev_b, O_WRONLY,
				     FLOWSWITCH_PORT_WRITE);
		id = fsw_flow_create(fsw, &c);
		CHECK(id > 0 && c.out_canary == FLOWSWITCH_CANARY_PASSED,
		      "fresh self-test: %s canary %u", strerror(-id),
		      c.out_canary);
		fsw_destroy(fsw, id);
		CHECK(pattern_check(fd, 232 * MiB, UINT64_MAX, 4096, 0x77) < 0,
		      "the self-test left its pattern in the sink");
		close(fd);
	}

}

/*
 * The check can fail: the canary_fault hook corrupts the p2p buffer between
 * the self-test's DMA and its comparison.  Rebinding a device forgets the
 * proven paths, so the next flow tests again and is caught.
 */
static void test_canary_fault(int fsw)
{
	struct p2p_run r = {
		.src_off = 0, .dst_off = 0, .len = 1 * MiB,
		.chunk = 256 * KiB, .depth = 4,
	};
	struct flowswitch_flow_create fc;
	struct flowswitch_flow_query q;
	struct flowswitch_info in0, in1;
	const char *hook = "/sys/module/flowswitch/parameters/canary_fault";
	int err;

	forget_canaries();

	fsw_info(fsw, &in0);
	CHECK(!write_sysfs(hook, "1"), "canary_fault");
	refused(fsw, "corrupted self-test", r, FLOWSWITCH_P2P_WRONG_DATA);
	CHECK(!write_sysfs(hook, "1"), "canary_fault");
	falls_back(fsw, "corrupted self-test", r, FLOWSWITCH_P2P_WRONG_DATA);
	fsw_info(fsw, &in1);
	CHECK(in1.canary_failures == in0.canary_failures + 2,
	      "canary failures %u -> %u", in0.canary_failures,
	      in1.canary_failures);

	/* A failed verdict is not trusted either: the next flow retests. */
	r.placement = FLOWSWITCH_P2P_REQUIRED;
	err = p2p_flow(fsw, &r, &fc, &q);
	CHECK(!err && fc.out_canary == FLOWSWITCH_CANARY_PASSED &&
		      q.pool == FLOWSWITCH_POOL_P2P,
	      "after the fault: %s canary %u", strerror(err), fc.out_canary);
	/* And a caller may skip it, which is recorded. */
	r.flags = FLOWSWITCH_FLOW_SKIP_CANARY;
	err = p2p_flow(fsw, &r, &fc, &q);
	CHECK(!err && fc.out_canary == FLOWSWITCH_CANARY_SKIPPED &&
		      q.canary == FLOWSWITCH_CANARY_SKIPPED,
	      "skipped: %s canary %u", strerror(err), fc.out_canary);
}

/* One REQUIRED flow A -> B through B's CMB with periodic self-tests. */
static int periodic(int fsw, uint32_t every_ms, uint64_t every_bytes,
		    uint64_t rate, const char *fault,
		    struct flowswitch_flow_query *q)
{
	struct flowswitch_sink sink = { .offset = 224 * MiB };
	struct flowswitch_flow_create fc = {
		.placement = FLOWSWITCH_P2P_REQUIRED,
		.src_offset = 224 * MiB,
		.length = 8 * MiB,
		.chunk_size = 512 * KiB,
		.depth = 4,
		.rate_bps = rate,
		.canary_every_ms = every_ms,
		.canary_every_bytes = every_bytes,
		.nr_sinks = 1,
		.sinks_uptr = (uintptr_t)&sink,
	};
	unsigned int state;
	int fd, id;

	fd = open(dev_a, O_RDWR);
	CHECK(!pattern_write(fd, fc.src_offset, fc.src_offset, fc.length, 36),
	      "fill");
	close(fd);
	fc.src_port_id = port_on(fsw, dev_a, O_RDONLY, FLOWSWITCH_PORT_READ);
	sink.port_id = port_on(fsw, dev_b, O_WRONLY, FLOWSWITCH_PORT_WRITE);
	id = fsw_flow_create(fsw, &fc);
	CHECK(id > 0, "periodic: create: %s", strerror(-id));
	if (id <= 0)
		return -1;
	/* After creation's own test: the hook hits the periodic ones. */
	if (fault)
		write_sysfs("/sys/module/flowswitch/parameters/canary_fault",
			    fault);
	fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_START);
	fsw_flow_wait(fsw, id, 0, &state);
	fsw_flow_query(fsw, id, q);
	fsw_destroy(fsw, id);
	return 0;
}

static void test_periodic(int fsw)
{
	struct flowswitch_flow_query q;
	int fd;
	int64_t bad;

	/* Every MiB of 8: tests at 1..7 MiB, none at the end. */
	if (!periodic(fsw, 0, 1 * MiB, 0, NULL, &q)) {
		CHECK(q.state == FLOWSWITCH_FLOW_DONE && q.canary_checks == 7 &&
			      q.host_bytes == 0,
		      "every MiB: %s, %llu checks", fsw_state_name(q.state),
		      (unsigned long long)q.canary_checks);
		fd = open(dev_b, O_RDONLY);
		bad = pattern_check(fd, 224 * MiB, 224 * MiB, 8 * MiB, 36);
		CHECK(bad < 0, "every MiB: sink differs at %lld",
		      (long long)bad);
		close(fd);
	}
	/* Every 100 ms of a flow held to about a second by its rate. */
	if (!periodic(fsw, 100, 0, 8 * MiB, NULL, &q))
		CHECK(q.state == FLOWSWITCH_FLOW_DONE && q.canary_checks >= 3,
		      "every 100 ms: %s, %llu checks",
		      fsw_state_name(q.state),
		      (unsigned long long)q.canary_checks);
	/*
	 * The second periodic test is corrupted: the flow fails there, and
	 * bytes_done falls back to where the first one proved the path.
	 */
	if (!periodic(fsw, 0, 2 * MiB, 0, NULL, &q)) {
		/* a clean run first: the hook must be what fails the next */
		CHECK(q.state == FLOWSWITCH_FLOW_DONE && q.canary_checks == 3,
		      "every 2 MiB: %s", fsw_state_name(q.state));
	}
	if (!periodic(fsw, 0, 2 * MiB, 0, "1", &q)) {
		CHECK(q.state == FLOWSWITCH_FLOW_FAILED &&
			      q.error == EREMOTEIO &&
			      q.fail_stage == FLOWSWITCH_STAGE_SELFTEST &&
			      q.bytes_done == 0 &&
			      q.fail_offset == 224 * MiB && q.canary_checks == 1,
		      "corrupted periodic test: %s %s at %llu, %llu done, "
		      "%llu checks",
		      fsw_state_name(q.state), fsw_stage_name(q.fail_stage),
		      (unsigned long long)q.fail_offset,
		      (unsigned long long)q.bytes_done,
		      (unsigned long long)q.canary_checks);
	}
	/*
	 * A test due while paused runs at the resume; when it fails there,
	 * the flow still reaches its final state.
	 */
	{
		struct flowswitch_sink sk = { .offset = 224 * MiB };
		struct flowswitch_flow_create c = {
			.placement = FLOWSWITCH_P2P_REQUIRED,
			.src_offset = 224 * MiB,
			.length = 8 * MiB,
			.chunk_size = 512 * KiB,
			.depth = 2,
			.rate_bps = 4 * MiB,
			.canary_every_ms = 50,
			.nr_sinks = 1,
			.sinks_uptr = (uintptr_t)&sk,
		};
		unsigned int state = 0;
		int id;

		c.src_port_id = port_on(fsw, dev_a, O_RDONLY,
					FLOWSWITCH_PORT_READ);
		sk.port_id = port_on(fsw, dev_b, O_WRONLY,
				     FLOWSWITCH_PORT_WRITE);
		id = fsw_flow_create(fsw, &c);
		fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_START);
		usleep(100000);
		fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_PAUSE);
		usleep(300000);
		write_sysfs("/sys/module/flowswitch/parameters/canary_fault",
			    "1");
		fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_RESUME);
		CHECK(!fsw_flow_wait(fsw, id, 20000, &state) &&
			      state == FLOWSWITCH_FLOW_FAILED,
		      "failed test at resume: %s", fsw_state_name(state));
		fsw_destroy(fsw, id);
		write_sysfs("/sys/module/flowswitch/parameters/canary_fault",
			    "0");
	}
	printf("periodic self-tests: every MiB and every 100 ms pass; a "
	       "corrupted one fails the flow\n");
}

int main(void)
{
	const char *want = getenv("FSW_EXPECT_P2PDMA");
	const struct p2p_run base = {
		.src_off = 0, .dst_off = 0, .len = 1 * MiB,
		.chunk = 256 * KiB, .depth = 4,
	};
	struct p2p_run r;
	char name_a[64], name_b[64];
	unsigned int pci_a, pci_b, chosen = 0;
	int fsw;

	dev_a = nvme_by_serial("fswA");
	dev_b = nvme_by_serial("fswB");
	fsw = fsw_open(NULL);
	if (!dev_a || !dev_b || fsw < 0 || !want)
		return T_FAIL;
	p2pdma = atoi(want);
	pci_a = pci_of_nvme(dev_a, name_a, sizeof(name_a));
	pci_b = pci_of_nvme(dev_b, name_b, sizeof(name_b));

	explain(fsw, &chosen);
	if (!p2pdma) {
		falls_back(fsw, "no P2PDMA", base,
			   FLOWSWITCH_P2P_NO_KERNEL_SUPPORT);
		refused(fsw, "no P2PDMA", base,
			FLOWSWITCH_P2P_NO_KERNEL_SUPPORT);
		test_ivshmem(fsw);
		return t_result();
	}

	/* Equally near providers: the kernel picks one of them at random. */
	exact_p2p(fsw, "A -> kernel's choice -> B", 0, 0, 0, 31);
	CHECK(chosen == pci_a || chosen == pci_b, "explain chose %x", chosen);
	exact_p2p(fsw, "A -> CMB of A -> B", pci_a,
		  FLOWSWITCH_FLOW_NAMED_PROVIDER, pci_a, 32);
	exact_p2p(fsw, "A -> CMB of B -> B", pci_b,
		  FLOWSWITCH_FLOW_NAMED_PROVIDER, pci_b, 33);
	test_ivshmem(fsw);

	r = base;
	r.src_off = 100;	/* not a multiple of the 512-byte block */
	refused(fsw, "unaligned", r, FLOWSWITCH_P2P_BUFFERED_IO);
	falls_back(fsw, "unaligned", r, FLOWSWITCH_P2P_BUFFERED_IO);
	r = base;
	r.chunk = 16 * MiB;
	r.len = 32 * MiB;
	r.depth = 2;	/* 32 MiB: more than a 16 MiB CMB holds */
	refused(fsw, "too big", r, FLOWSWITCH_P2P_NO_MEMORY);
	r = base;
	r.flags = FLOWSWITCH_FLOW_NAMED_PROVIDER;
	r.provider = FLOWSWITCH_PCI_ADDR(0, 0xfe, 31, 7);
	refused(fsw, "bogus provider", r, FLOWSWITCH_P2P_BAD_PROVIDER);
	r = base;
	r.dst = "/tmp/p2p-sink";
	falls_back(fsw, "file on tmpfs", r, FLOWSWITCH_P2P_NOT_PCI);
	refused(fsw, "file on tmpfs", r, FLOWSWITCH_P2P_NOT_PCI);
	test_canary_fault(fsw);
	test_canary_restores(fsw);
	test_periodic(fsw);
	close(fsw);
	return t_result();
}
