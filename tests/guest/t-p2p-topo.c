// SPDX-License-Identifier: GPL-2.0
/*
 * The P2P verdict of each test-bed topology (fsw.topo on the kernel
 * command line, FSW_TOPO here): NVMe A reading into the CMB of NVMe B.
 * Explain must agree with the kernel's distance and give the map type and
 * reason the PCIe rules imply; where the kernel allows the path, a REQUIRED
 * flow through B's CMB is byte-exact with no host-memory bytes, and in the
 * traced topology the host checks QEMU's own record of where the
 * controllers' DMA went.
 *
 *   switch            one PCIe switch: bus-address P2P
 *   rootports         two root ports, host bridge not on the allow-list
 *   rootports-epyc    two root ports, AMD Zen CPU: allowed through the host
 *   iommu-rootports   two root ports with an IOMMU: ACS redirect refuses
 *   iommu-switch      one switch with an IOMMU: the kernel allows it, the
 *                     data does not arrive, and the path self-test must
 *                     catch that: REQUIRED refused, PREFERRED falls back
 *                     to host memory -- never done with wrong data
 *   switch-trace      one switch, QEMU tracing the NVMe DMA addresses
 */
#include "flowtest.h"

struct topo {
	const char *name;
	int allowed;		/* distance >= 0 */
	uint32_t map, reason;
	int iommu;
	int flow;		/* run a p2p flow and check its data */
	int wrong_data;		/* the path self-test must catch the path */
};

static const struct topo topos[] = {
	{ "switch", 1, FLOWSWITCH_MAP_BUS_ADDR, FLOWSWITCH_P2P_OK, 0, 1, 0 },
	{ "switch-trace", 1, FLOWSWITCH_MAP_BUS_ADDR, FLOWSWITCH_P2P_OK, 0, 1, 0 },
	{ "rootports", 0, FLOWSWITCH_MAP_NONE, FLOWSWITCH_P2P_HOST_BRIDGE, 0, 0, 0 },
	{ "rootports-epyc", 1, FLOWSWITCH_MAP_HOST_BRIDGE, FLOWSWITCH_P2P_OK, 0, 1, 0 },
	{ "iommu-rootports", 0, FLOWSWITCH_MAP_NONE, FLOWSWITCH_P2P_ACS_REDIRECT, 1, 0, 0 },
	{ "iommu-switch", 1, FLOWSWITCH_MAP_BUS_ADDR, FLOWSWITCH_P2P_OK, 1, 1, 1 },
};

/* The address range of the BAR that holds @name's CMB (the largest). */
static int cmb_range(const char *name, uint64_t *lo, uint64_t *hi)
{
	char path[128];
	unsigned long long s, e, fl, best = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fscanf(f, "%llx %llx %llx", &s, &e, &fl) == 3)
		if (e > s && e - s + 1 > best && e - s + 1 < (1ULL << 32)) {
			best = e - s + 1;
			*lo = s;
			*hi = e + 1;
		}
	fclose(f);
	return best ? 0 : -1;
}

/*
 * The caller skips the path self-test, but asks for the end-to-end check:
 * the flow moves "successfully" through the lying path and the check,
 * reading the sink back from the device, fails it.  Never DONE.
 */
static void lying_path_verified(int fsw, const struct flowswitch_flow_create *tmpl)
{
	struct flowswitch_flow_create fc = *tmpl;
	struct flowswitch_flow_query q;
	unsigned int state;
	int id;

	fc.placement = FLOWSWITCH_P2P_REQUIRED;
	fc.flags |= FLOWSWITCH_FLOW_SKIP_CANARY | FLOWSWITCH_FLOW_VERIFY;
	id = fsw_flow_create(fsw, &fc);
	CHECK(id > 0 && fc.out_pool == FLOWSWITCH_POOL_P2P,
	      "skip-canary p2p flow: %s", strerror(id < 0 ? -id : 0));
	if (id <= 0)
		return;
	fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_START);
	fsw_flow_wait(fsw, id, 0, &state);
	fsw_flow_query(fsw, id, &q);
	CHECK(q.state == FLOWSWITCH_FLOW_FAILED && q.error == EBADMSG &&
		      q.fail_stage == FLOWSWITCH_STAGE_VERIFY &&
		      q.bytes_done == 0,
	      "lying path, canary skipped, verified: %s error %u stage %u",
	      fsw_state_name(q.state), q.error, q.fail_stage);
	printf("lying path with the canary skipped: %s, %s at %s\n",
	       fsw_state_name(q.state), strerror(q.error),
	       fsw_stage_name(q.fail_stage));
	fsw_destroy(fsw, id);
}

int main(void)
{
	const char *want = getenv("FSW_TOPO"), *a, *b;
	struct flowswitch_p2p_verdict v[2];
	const struct topo *t = NULL;
	struct flowswitch_sink sink = { .offset = 64 * MiB };
	struct flowswitch_flow_create fc = {
		.flags = FLOWSWITCH_FLOW_NAMED_PROVIDER,
		.placement = FLOWSWITCH_P2P_REQUIRED,
		.src_offset = 64 * MiB,
		.length = 4 * MiB,
		.chunk_size = 512 * KiB,
		.depth = 4,
		.nr_sinks = 1,
		.sinks_uptr = (uintptr_t)&sink,
	};
	struct flowswitch_flow_query q;
	char name_b[64];
	uint32_t ports[2];
	struct flowswitch_p2p_explain ex = {
		.size = sizeof(ex),
		.flags = FLOWSWITCH_FLOW_NAMED_PROVIDER,
		.nr_ports = 2,
		.ports_uptr = (uintptr_t)ports,
		.nr_verdicts = 2,
		.verdict_size = sizeof(v[0]),
		.verdicts_uptr = (uintptr_t)v,
	};
	unsigned int state;
	uint64_t lo, hi;
	int fsw, fd, id, i;
	int64_t bad;

	for (i = 0; want && i < (int)(sizeof(topos) / sizeof(topos[0])); i++)
		if (!strcmp(topos[i].name, want))
			t = &topos[i];
	if (!getenv("FSW_EXPECT_P2PDMA") || !atoi(getenv("FSW_EXPECT_P2PDMA")))
		return T_SKIP;	/* verdicts need a P2PDMA kernel */
	if (!t) {
		fprintf(stderr, "unknown topology '%s'\n", want ? want : "");
		return T_FAIL;
	}
	a = nvme_by_serial("fswA");
	b = nvme_by_serial("fswB");
	fsw = fsw_open(NULL);
	if (!a || !b || fsw < 0 || !pci_of_nvme(b, name_b, sizeof(name_b)))
		return T_FAIL;

	ports[0] = fc.src_port_id = port_on(fsw, a, O_RDONLY,
					    FLOWSWITCH_PORT_READ);
	ports[1] = sink.port_id = port_on(fsw, b, O_WRONLY,
					  FLOWSWITCH_PORT_WRITE);
	ex.provider = fc.p2p_provider = pci_addr_of(name_b);
	CHECK(!ioctl(fsw, FLOWSWITCH_IOC_P2P_EXPLAIN, &ex), "explain: %m");
	printf("%s: A -> CMB of B: reason %u distance %d; A: map %u reason %u "
	       "bridge %x flags %x\n",
	       t->name, ex.reason, ex.distance, v[0].map, v[0].reason,
	       v[0].bridge, v[0].flags);
	CHECK((ex.distance >= 0) == t->allowed, "distance %d", ex.distance);
	CHECK(ex.reason == t->reason, "reason %u, want %u", ex.reason,
	      t->reason);
	/* A is the initiator that crosses the fabric to B's CMB. */
	CHECK(v[0].map == t->map && v[0].reason == t->reason,
	      "A: map %u reason %u, want map %u reason %u", v[0].map,
	      v[0].reason, t->map, t->reason);
	CHECK((v[0].distance >= 0) == t->allowed, "A: distance %d",
	      v[0].distance);
	CHECK(!!(v[0].flags & FLOWSWITCH_VERDICT_IOMMU) == t->iommu,
	      "A: flags %x", v[0].flags);
	if (t->reason == FLOWSWITCH_P2P_ACS_REDIRECT)
		CHECK(v[0].bridge != 0, "no bridge named for ACS");

	if (t->flow) {
		fd = open(a, O_RDWR);
		CHECK(!pattern_write(fd, fc.src_offset, fc.src_offset,
				     fc.length, 77),
		      "fill");
		close(fd);
		fd = open(b, O_RDWR);
		CHECK(!fill_byte(fd, sink.offset, fc.length, 0), "clear sink");
		close(fd);
		id = fsw_flow_create(fsw, &fc);
		if (t->wrong_data) {
			/* Caught before a byte of data moved. */
			CHECK(id == -EXDEV &&
				      fc.out_p2p_reason ==
					      FLOWSWITCH_P2P_WRONG_DATA,
			      "REQUIRED on a lying path: %s, reason %u",
			      strerror(-id), fc.out_p2p_reason);
			fc.placement = FLOWSWITCH_P2P_PREFERRED;
			id = fsw_flow_create(fsw, &fc);
			CHECK(id > 0 && fc.out_pool == FLOWSWITCH_POOL_HOST &&
				      fc.out_p2p_reason ==
					      FLOWSWITCH_P2P_WRONG_DATA &&
				      fc.out_canary == FLOWSWITCH_CANARY_FAILED,
			      "PREFERRED on a lying path: %s pool %u reason "
			      "%u canary %u",
			      strerror(id < 0 ? -id : 0), fc.out_pool,
			      fc.out_p2p_reason, fc.out_canary);
			CHECK(!ioctl(fsw, FLOWSWITCH_IOC_P2P_EXPLAIN, &ex) &&
				      v[0].canary_in ==
					      FLOWSWITCH_CANARY_FAILED,
			      "explain: A's canary into B's CMB %u",
			      v[0].canary_in);
			lying_path_verified(fsw, &fc);
		} else {
			CHECK(id > 0, "create: %s (reason %u)", strerror(-id),
			      fc.out_p2p_reason);
		}
		if (id > 0) {
			fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_START);
			fsw_flow_wait(fsw, id, 0, &state);
			fsw_flow_query(fsw, id, &q);
			CHECK(q.state == FLOWSWITCH_FLOW_DONE &&
				      (t->wrong_data ||
				       (q.host_bytes == 0 &&
					q.pool == FLOWSWITCH_POOL_P2P)),
			      "flow: %s, host bytes %llu",
			      fsw_state_name(q.state),
			      (unsigned long long)q.host_bytes);
			fd = open(b, O_RDONLY);
			bad = pattern_check(fd, sink.offset, fc.src_offset,
					    fc.length, 77);
			CHECK(bad < 0, "sink differs at %lld", (long long)bad);
			close(fd);
			printf("flow: %s through %s memory, canary %u (%llu us)\n",
			       fsw_state_name(q.state),
			       q.pool == FLOWSWITCH_POOL_P2P ? "p2p" : "host",
			       q.canary,
			       (unsigned long long)q.canary_ns / 1000);
		}
		/* QEMU's trace: A wrote into B's CMB, B read from it. */
		if (!strcmp(t->name, "switch-trace") &&
		    !cmb_range(name_b, &lo, &hi))
			dprintf(3, "nvmetrace %llu %llu %llu\n",
				(unsigned long long)lo, (unsigned long long)hi,
				(unsigned long long)fc.length);
	}
	close(fsw);
	return t_result();
}
