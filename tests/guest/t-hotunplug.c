// SPDX-License-Identifier: GPL-2.0
/*
 * Devices going away under running flows.
 *
 *  - The sink's NVMe controller is unbound from its driver mid-flow (on a
 *    P2PDMA kernel the flow's chunks live in that controller's CMB): the
 *    unbind completes at once, the flow fails with an exact prefix, and
 *    the controller comes back after a rebind.
 *  - The p2p provider (the ivshmem BAR under flowswitch_bar) is unbound,
 *    or its device removed through sysfs, while a flow DMAs into a window
 *    of it and another has its chunks in it: the unbind does not wait for
 *    the flows' owner; both flows fail with ENODEV at FLOWSWITCH_STAGE_DEVICE
 *    once their chunks in flight completed, the window's port refuses new
 *    flows, and after a rebind everything works again.
 *
 * FSW_UNPLUG_CYCLES (default 3; the long mode runs 100) repeats the
 * provider cycle.  Any sanitizer line in the kernel log fails the run.
 *
 * Named to run before t-p2p: that test leaves bytes in the ivshmem BAR
 * for the host to compare after the run, which a window here would
 * overwrite.
 */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "flowtest.h"

#define AREA (460 * MiB) /* of disks A and B, free for this test */

static const char *dev_a, *dev_b;
static int p2pdma;

/*
 * Write @val to @path in a child that may take at most @limit_ms: an
 * unbind that waits for a flow's owner would hang here.  Returns the time
 * taken, or -1 (the child is killed; it may stay in D state, which the
 * hung-task detector then reports).
 */
static long timed_write(const char *path, const char *val,
			unsigned int limit_ms)
{
	uint64_t t0 = now_ms();
	int status;
	pid_t pid = fork();

	if (!pid)
		_exit(write_sysfs(path, val) ? 1 : 0);
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (now_ms() - t0 > limit_ms) {
			kill(pid, SIGKILL);
			return -1;
		}
		msleep(20);
	}
	return WIFEXITED(status) && !WEXITSTATUS(status) ? (long)(now_ms() - t0)
							 : -1;
}

/* A rate-limited flow, started; 0 when it could not be made. */
static int slow_flow(int fsw, int src, uint64_t src_off, int dst,
		     uint64_t dst_off, uint64_t len, uint32_t placement,
		     uint32_t provider)
{
	struct flowswitch_sink sink = {.port_id = dst, .offset = dst_off};
	struct flowswitch_flow_create fc = {
		.src_port_id = src,
		.src_offset = src_off,
		.length = len,
		.chunk_size = 64 * KiB,
		.depth = 4,
		.rate_bps = 2 * MiB,
		.nr_sinks = 1,
		.sinks_uptr = (uintptr_t)&sink,
		.placement = placement,
		.p2p_provider = provider,
		.flags = provider ? FLOWSWITCH_FLOW_NAMED_PROVIDER : 0,
	};
	int id = fsw_flow_create(fsw, &fc);

	CHECK(id > 0, "create: %s", strerror(-id));
	if (id <= 0)
		return 0;
	CHECK(!fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_START), "start");
	return id;
}

static void final_state(int fsw, int id, struct flowswitch_flow_query *q)
{
	unsigned int state;

	memset(q, 0, sizeof(*q));
	CHECK(!fsw_flow_wait(fsw, id, 20000, &state), "wait for flow %d", id);
	CHECK(!fsw_flow_query(fsw, id, q), "query");
}

/* A flow the provider's going away ended: how, exactly. */
static void check_gone(const char *what, const struct flowswitch_flow_query *q,
		       uint64_t len)
{
	CHECK(q->state == FLOWSWITCH_FLOW_FAILED && q->error == ENODEV &&
		      q->fail_stage == FLOWSWITCH_STAGE_DEVICE,
	      "%s: state %s error %u stage %s", what, fsw_state_name(q->state),
	      q->error, fsw_stage_name(q->fail_stage));
	CHECK(q->bytes_done < len && !q->in_flight &&
		      q->bytes_done % (64 * KiB) == 0,
	      "%s: bytes_done %llu of %llu, %u in flight", what,
	      (unsigned long long)q->bytes_done, (unsigned long long)len,
	      q->in_flight);
	CHECK(q->fail_offset == AREA + q->bytes_done,
	      "%s: fail_offset %llu, bytes_done %llu", what,
	      (unsigned long long)q->fail_offset,
	      (unsigned long long)q->bytes_done);
}

/*
 * One provider cycle: bind, a window and a pool in it with a flow each,
 * then the provider goes (unbind, or sysfs remove + rescan).
 */
static void provider_cycle(const char *name, bool remove)
{
	const uint64_t len = 8 * MiB;
	unsigned int addr = pci_addr_of(name);
	struct flowswitch_port_create pc = {
		.flags = FLOWSWITCH_PORT_PCI_BAR | FLOWSWITCH_PORT_READ |
			 FLOWSWITCH_PORT_WRITE,
		.fd = -1,
		.pci_addr = addr,
		.window_size = len,
	};
	struct flowswitch_flow_query q;
	struct flowswitch_info before;
	int fsw, a, b, win, f_win, f_pool, again;
	char path[256];
	long ms;

	CHECK(!bind_provider(name), "bind %s", name);
	CHECK(!info_now(&before), "info");
	fsw = fsw_open(NULL);
	a = port_on(fsw, dev_a, O_RDONLY, FLOWSWITCH_PORT_READ);
	b = port_on(fsw, dev_b, O_WRONLY, FLOWSWITCH_PORT_WRITE);
	win = fsw_port_create(fsw, &pc);
	CHECK(a > 0 && b > 0 && win > 0, "ports: window %s", strerror(-win));
	f_win = slow_flow(fsw, a, AREA, win, 0, len, 0, 0);
	f_pool = slow_flow(fsw, a, AREA, b, AREA, len, FLOWSWITCH_P2P_REQUIRED,
			   addr);
	msleep(300);

	if (remove) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/remove",
			 name);
		ms = timed_write(path, "1", 20000);
	} else {
		ms = timed_write("/sys/bus/pci/drivers/flowswitch_bar/unbind",
				 name, 20000);
	}
	CHECK(ms >= 0, "%s of the provider hung on the flows' owner",
	      remove ? "remove" : "unbind");

	if (f_win) {
		final_state(fsw, f_win, &q);
		check_gone("window flow", &q, len);
	}
	if (f_pool) {
		final_state(fsw, f_pool, &q);
		check_gone("pool flow", &q, len);
	}
	/* The window is gone: no new flow into it, the port still goes. */
	if (win > 0) {
		struct flowswitch_sink sink = {.port_id = win};
		struct flowswitch_flow_create fc = {
			.src_port_id = a,
			.length = 64 * KiB,
			.chunk_size = 64 * KiB,
			.depth = 1,
			.nr_sinks = 1,
			.sinks_uptr = (uintptr_t)&sink,
		};

		again = fsw_flow_create(fsw, &fc);
		CHECK(again == -ENODEV, "flow into a gone window: %s",
		      again < 0 ? strerror(-again) : "made");
		if (f_win)
			CHECK(!fsw_destroy(fsw, f_win), "destroy flow");
		CHECK(!fsw_destroy(fsw, win), "destroy the dead port");
	}
	close(fsw);
	check_baseline(&before);

	if (remove) {
		CHECK(!write_sysfs("/sys/bus/pci/rescan", "1"), "rescan");
		msleep(200);
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 name);
	write_sysfs(path, "\n");
}

/* The provider is back: a window in it works as before. */
static void provider_works(const char *name)
{
	struct flowswitch_port_create pc = {
		.flags = FLOWSWITCH_PORT_PCI_BAR | FLOWSWITCH_PORT_WRITE,
		.fd = -1,
		.pci_addr = pci_addr_of(name),
		.window_size = 1 * MiB,
	};
	char path[256];
	int fsw, win;

	CHECK(!bind_provider(name), "rebind %s", name);
	fsw = fsw_open(NULL);
	win = fsw_port_create(fsw, &pc);
	CHECK(win > 0, "window after the cycles: %s", strerror(-win));
	close(fsw);
	write_sysfs("/sys/bus/pci/drivers/flowswitch_bar/unbind", name);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 name);
	write_sysfs(path, "\n");
}

static void test_provider(void)
{
	const char *env = getenv("FSW_UNPLUG_CYCLES");
	unsigned int i, cycles = env ? atoi(env) : 3;
	char name[64];

	if (!find_ivshmem(name, sizeof(name))) {
		CHECK(0, "no ivshmem device");
		return;
	}
	for (i = 0; i < cycles; i++)
		provider_cycle(name, false);
	provider_cycle(name, true);
	if (!find_ivshmem(name, sizeof(name))) {
		CHECK(0, "ivshmem did not come back after the rescan");
		return;
	}
	provider_works(name);
	printf("provider unbound under 2 flows %u times, removed once\n",
	       cycles);
	printf("FIGURE t-hotunplug role=provider-unbind cycles=%u\n", cycles);
	printf("FIGURE t-hotunplug role=provider-remove cycles=1\n");
}

/*
 * The sink's controller leaves its driver mid-flow.  On a P2PDMA kernel
 * the flow's chunks are in that controller's CMB, so it is the provider
 * too.
 */
static void test_sink_unbind(void)
{
	const uint64_t len = 16 * MiB;
	struct flowswitch_flow_query q;
	struct flowswitch_info before;
	char pci[64], path[256];
	unsigned int addr;
	int fsw, a, b, id, i;
	long ms;

	addr = pci_of_nvme(dev_b, pci, sizeof(pci));
	CHECK(addr, "PCI function of %s", dev_b);
	CHECK(!info_now(&before), "info");
	fsw = fsw_open(NULL);
	a = port_on(fsw, dev_a, O_RDONLY, FLOWSWITCH_PORT_READ);
	b = port_on(fsw, dev_b, O_WRONLY, FLOWSWITCH_PORT_WRITE);
	id = slow_flow(fsw, a, AREA, b, AREA, len,
		       p2pdma ? FLOWSWITCH_P2P_REQUIRED : 0, p2pdma ? addr : 0);
	msleep(500);
	ms = timed_write("/sys/bus/pci/drivers/nvme/unbind", pci, 60000);
	CHECK(ms >= 0, "unbinding the sink's controller hung");
	if (id) {
		final_state(fsw, id, &q);
		CHECK(q.state == FLOWSWITCH_FLOW_FAILED && q.bytes_done < len &&
			      !q.in_flight &&
			      q.fail_offset == AREA + q.bytes_done,
		      "state %s error %u stage %s bytes_done %llu fail_offset "
		      "%llu",
		      fsw_state_name(q.state), q.error,
		      fsw_stage_name(q.fail_stage),
		      (unsigned long long)q.bytes_done,
		      (unsigned long long)q.fail_offset);
		if (p2pdma)
			CHECK(q.error == ENODEV &&
				      q.fail_stage == FLOWSWITCH_STAGE_DEVICE,
			      "CMB flow: error %u stage %s", q.error,
			      fsw_stage_name(q.fail_stage));
		printf("sink unbound after %llu of %llu bytes: %s at %s, "
		       "unbind took %ld ms\n",
		       (unsigned long long)q.bytes_done,
		       (unsigned long long)len, strerror(q.error),
		       fsw_stage_name(q.fail_stage), ms);
	}
	/* Last reference to the old disk first, so the name comes back. */
	close(fsw);
	check_baseline(&before);
	write_sysfs("/sys/bus/pci/drivers/nvme/bind", pci);
	for (i = 0; i < 100 && !nvme_by_serial("fswB"); i++)
		msleep(100);
	CHECK(nvme_by_serial("fswB"), "controller B did not come back");
	snprintf(path, sizeof(path), "/sys/block/%s",
		 nvme_by_serial("fswB") ? nvme_by_serial("fswB") + 5 : "x");
	CHECK(!access(path, F_OK), "%s", path);
}

int main(void)
{
	struct flowswitch_info info;

	/* Copies: nvme_by_serial() reuses its buffers. */
	dev_a = nvme_by_serial("fswA");
	dev_a = dev_a ? strdup(dev_a) : NULL;
	dev_b = nvme_by_serial("fswB");
	dev_b = dev_b ? strdup(dev_b) : NULL;
	if (!dev_a || !dev_b || info_now(&info))
		return T_FAIL;
	p2pdma = !!(info.features & FLOWSWITCH_FEATURE_P2PDMA);

	test_sink_unbind();
	printf("FIGURE t-hotunplug role=sink-unbind cycles=1\n");
	dev_b = nvme_by_serial("fswB");
	dev_b = dev_b ? strdup(dev_b) : NULL;
	if (p2pdma && dev_b)
		test_provider();
	return t_result();
}
