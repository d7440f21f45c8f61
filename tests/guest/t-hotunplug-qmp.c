// SPDX-License-Identifier: GPL-2.0
/*
 * Devices pulled out by the host, mid-flow: QMP device_del.
 *
 * The guest cannot reach QEMU's monitor, so it asks the host: one line on
 * its third serial port (/dev/ttyS2), "device_del nvB", which
 * tests/vm/qmpctl.py (started by run.sh beside QEMU) turns into QMP
 * device_del and answers once QEMU says DEVICE_DELETED (pciehp's 5 s
 * attention-button delay, about 6.5 s under TCG); "device_add nvB" plugs
 * the same device back on the same switch port with the same disk.
 *
 * Each role, while a rate-limited flow runs:
 *  - source: NVMe A (QEMU id nvA) leaves under a flow A -> B;
 *  - sink:   NVMe B (nvB) leaves under a flow A -> B;
 *  - provider (P2PDMA kernels): NVMe B leaves under a flow A -> A whose
 *    chunks live in B's CMB (placement required, B named): neither its
 *    source nor its sink goes, only its p2p memory.
 * The flow must end FAILED with an exact prefix (bytes_done a whole number
 * of chunks, nothing in flight, fail_offset where the prefix ends; for the
 * provider ENODEV at stage "device"), a FAILED event on the owner's fd
 * must say so, the unplug must not wait for the owner, the counters come
 * back to where they were, and the device, plugged back, works.  Any
 * sanitizer or hung-task line in the kernel log fails the run (run.sh).
 *
 * FSW_QMP_CYCLES (default 2) cycles per role; the long mode
 * (tests/reliability-report.sh) runs 100.  Prints one line
 * "FIGURE t-hotunplug-qmp role=R cycles=N ..." per role.
 *
 * Disk areas: A and B from 480 MiB (A -> B copies keep B equal to A there,
 * as t-flow-copy's hostcmp over 255-511 MiB wants) and A at 224-248 MiB for
 * the A -> A flow.  The guest's init runs this test after all others: the
 * debug kernel's pciehp gives a lockdep report of its own on the first
 * unplug (set aside by run.sh: tests/vm/known-reports.py), which turns
 * lockdep off for the rest of the boot; KASAN, kmemleak and the hung-task
 * detector stay on.
 */
#include <poll.h>
#include <termios.h>
#include <time.h>

#include "flowtest.h"

#define AREA (480 * MiB) /* of A and B */
#define AREA_A2 (224 * MiB) /* of A: the provider role's sink */
#define LEN (24 * MiB)
#define CHUNK (64 * KiB)
#define RATE (512 * KiB) /* per second: the flow outlives the unplug */

static int ctl = -1, p2pdma;

static int ctl_open(void)
{
	struct termios tio;

	ctl = open("/dev/ttyS2", O_RDWR | O_NOCTTY);
	if (ctl < 0)
		return -1;
	if (!tcgetattr(ctl, &tio)) {
		cfmakeraw(&tio);
		cfsetspeed(&tio, B115200);
		tcsetattr(ctl, TCSANOW, &tio);
	}
	tcflush(ctl, TCIOFLUSH);
	return 0;
}

/* One line from the host, or -1 after @deadline (now_ms()). */
static int ctl_line(char *buf, size_t len, uint64_t deadline)
{
	size_t n = 0;

	for (;;) {
		struct pollfd p = {.fd = ctl, .events = POLLIN};
		uint64_t t = now_ms();
		char c;

		if (t >= deadline || poll(&p, 1, deadline - t) <= 0 ||
		    read(ctl, &c, 1) != 1)
			return -1;
		if (c == '\n')
			break;
		if (c != '\r' && n + 1 < len)
			buf[n++] = c;
	}
	buf[n] = 0;
	return 0;
}

/*
 * Ask the host for "@cmd @dev"; wait up to @ms for its answer.  Returns
 * QEMU's milliseconds, or -1 (the answer, or why not, is printed).
 */
static long ctl_ask(const char *cmd, const char *dev, unsigned int ms)
{
	uint64_t deadline = now_ms() + ms;
	char want[64], ans[256];
	long took;

	snprintf(want, sizeof(want), "%s %s", cmd, dev);
	dprintf(ctl, "%s\n", want);
	while (!ctl_line(ans, sizeof(ans), deadline)) {
		/* A late answer to an earlier request is not ours. */
		if (!strncmp(ans, "ok ", 3) &&
		    !strncmp(ans + 3, want, strlen(want)))
			return sscanf(ans + 3 + strlen(want), "%ld", &took) == 1
				       ? took
				       : 0;
		if (!strncmp(ans, "err ", 4) &&
		    !strncmp(ans + 4, want, strlen(want))) {
			fprintf(stderr, "host: %s\n", ans);
			return -1;
		}
	}
	fprintf(stderr, "host: no answer to '%s' in %u ms\n", want, ms);
	return -1;
}

static int ctl_ping(void)
{
	char ans[64];

	tcflush(ctl, TCIFLUSH);
	dprintf(ctl, "ping\n");
	while (!ctl_line(ans, sizeof(ans), now_ms() + 5000))
		if (!strcmp(ans, "pong"))
			return 0;
	return -1;
}

/* /dev/nvmeXn1 of @serial, waiting up to @ms for it; a static copy. */
static const char *wait_nvme(const char *serial, unsigned int ms)
{
	static char path[4][64];
	static int next;
	uint64_t end = now_ms() + ms;
	const char *dev;
	int fd;

	for (;;) {
		dev = nvme_by_serial(serial);
		if (dev) {
			fd = open(dev, O_RDONLY);
			if (fd >= 0) {
				close(fd);
				break;
			}
		}
		if (now_ms() > end)
			return NULL;
		msleep(100);
	}
	next = (next + 1) % 4;
	snprintf(path[next], sizeof(path[next]), "%s", dev);
	return path[next];
}

/* On a P2PDMA kernel: until @pci's CMB is published p2p memory again. */
static int wait_published(const char *pci, unsigned int ms)
{
	uint64_t end = now_ms() + ms;
	char path[256], v[8];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/p2pmem/published",
		 pci);
	for (;;) {
		FILE *f = fopen(path, "r");
		int ok = f && fgets(v, sizeof(v), f) && v[0] == '1';

		if (f)
			fclose(f);
		if (ok)
			return 0;
		if (now_ms() > end)
			return -1;
		msleep(100);
	}
}

enum role { SOURCE, SINK, PROVIDER };
static const char *const role_name[] = {"source", "sink", "provider"};

struct tally {
	unsigned int cycles, failed_ok, events_ok;
	uint64_t del_ms, add_ms, max_end_ms, bytes;
};

/* The FAILED event of flow @id on @fsw, within @ms. */
static int failed_event(int fsw, int id, const struct flowswitch_flow_query *q,
			unsigned int ms)
{
	uint64_t end = now_ms() + ms;
	struct flowswitch_event ev[16];

	for (;;) {
		struct pollfd p = {.fd = fsw, .events = POLLIN};
		uint64_t t = now_ms();
		ssize_t n;
		int i;

		if (t >= end || poll(&p, 1, end - t) <= 0)
			return -1;
		n = read(fsw, ev, sizeof(ev));
		for (i = 0; n > 0 && i < n / (ssize_t)sizeof(ev[0]); i++)
			if (ev[i].type == FLOWSWITCH_EVENT_FLOW_STATE &&
			    ev[i].flow_id == (uint32_t)id &&
			    ev[i].state == FLOWSWITCH_FLOW_FAILED)
				return ev[i].error == q->error &&
						       ev[i].bytes_done ==
							       q->bytes_done
					       ? 0
					       : -2;
	}
}

/*
 * One cycle of @role: a flow runs, the host unplugs the device, the flow
 * must fail exactly and say so, the host plugs the device back.
 */
static void cycle(enum role role, struct tally *t)
{
	const char *qemu_id = role == SOURCE ? "nvA" : "nvB";
	const char *serial = role == SOURCE ? "fswA" : "fswB";
	const char *dev_a = wait_nvme("fswA", 30000);
	const char *dev_b = wait_nvme("fswB", 30000);
	uint64_t src_off = AREA, dst_off = role == PROVIDER ? AREA_A2 : AREA;
	struct flowswitch_flow_query q = {0};
	struct flowswitch_info before = {0};
	char pci_b[64] = "";
	unsigned int prov = 0, state = 0;
	int fsw, src, dst, id = -1;
	long del, add;
	uint64_t t0;

	if (!dev_a || !dev_b) {
		CHECK(0, "NVMe A or B missing before a %s cycle",
		      role_name[role]);
		return;
	}
	if (role == PROVIDER)
		prov = pci_of_nvme(dev_b, pci_b, sizeof(pci_b));
	CHECK(!info_now(&before), "info");
	fsw = fsw_open(NULL);
	src = port_on(fsw, dev_a, O_RDONLY, FLOWSWITCH_PORT_READ);
	dst = port_on(fsw, role == PROVIDER ? dev_a : dev_b, O_WRONLY,
		      FLOWSWITCH_PORT_WRITE);
	CHECK(src > 0 && dst > 0, "ports: %d %d", src, dst);
	if (src > 0 && dst > 0) {
		struct flowswitch_sink sink = {.port_id = dst,
					       .offset = dst_off};
		struct flowswitch_flow_create fc = {
			.src_port_id = src,
			.src_offset = src_off,
			.length = LEN,
			.chunk_size = CHUNK,
			.depth = 4,
			.rate_bps = RATE,
			.nr_sinks = 1,
			.sinks_uptr = (uintptr_t)&sink,
		};

		if (role == PROVIDER) {
			fc.placement = FLOWSWITCH_P2P_REQUIRED;
			fc.p2p_provider = prov;
			fc.flags = FLOWSWITCH_FLOW_NAMED_PROVIDER;
		}
		id = fsw_flow_create(fsw, &fc);
		CHECK(id > 0, "%s: create: %s", role_name[role], strerror(-id));
		if (id > 0)
			CHECK(!fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_START),
			      "start");
	}
	msleep(300);

	t0 = now_ms();
	del = ctl_ask("device_del", qemu_id, 120000);
	CHECK(del >= 0, "%s: device_del %s", role_name[role], qemu_id);
	if (id > 0) {
		CHECK(!fsw_flow_wait(fsw, id, 30000, &state),
		      "%s: flow did not end after the unplug", role_name[role]);
		CHECK(!fsw_flow_query(fsw, id, &q), "query");
		if (now_ms() - t0 > t->max_end_ms)
			t->max_end_ms = now_ms() - t0;
		CHECK(q.state == FLOWSWITCH_FLOW_FAILED && q.bytes_done < LEN &&
			      !q.in_flight && q.bytes_done % CHUNK == 0 &&
			      q.fail_offset == src_off + q.bytes_done,
		      "%s: state %s error %u stage %s bytes_done %llu "
		      "in_flight %u fail_offset %llu",
		      role_name[role], fsw_state_name(q.state), q.error,
		      fsw_stage_name(q.fail_stage),
		      (unsigned long long)q.bytes_done, q.in_flight,
		      (unsigned long long)q.fail_offset);
		if (role == PROVIDER)
			CHECK(q.error == ENODEV &&
				      q.fail_stage == FLOWSWITCH_STAGE_DEVICE,
			      "provider: error %u stage %s", q.error,
			      fsw_stage_name(q.fail_stage));
		t->failed_ok += q.state == FLOWSWITCH_FLOW_FAILED;
		t->bytes += q.bytes_done;
		if (q.state == FLOWSWITCH_FLOW_FAILED) {
			int ev = failed_event(fsw, id, &q, 5000);

			CHECK(!ev, "%s: %s", role_name[role],
			      ev == -2 ? "the FAILED event disagrees with the "
					 "query"
				       : "no FAILED event");
			t->events_ok += !ev;
		}
		if (t->cycles == 0)
			printf("%s: flow failed after %llu of %llu bytes: %s "
			       "at %s, device_del took %ld ms\n",
			       role_name[role],
			       (unsigned long long)q.bytes_done,
			       (unsigned long long)LEN, strerror(q.error),
			       fsw_stage_name(q.fail_stage), del);
	}
	/* The last reference to the old disk first. */
	close(fsw);
	check_baseline(&before);
	if (del < 0)
		return;

	add = ctl_ask("device_add", qemu_id, 30000);
	CHECK(add >= 0, "%s: device_add %s", role_name[role], qemu_id);
	CHECK(wait_nvme(serial, 60000), "%s: %s did not come back",
	      role_name[role], serial);
	if (p2pdma && role != SOURCE) {
		const char *b = wait_nvme("fswB", 1000);

		CHECK(b && pci_of_nvme(b, pci_b, sizeof(pci_b)) &&
			      !wait_published(pci_b, 30000),
		      "B's CMB is not published p2p memory again");
	}
	t->cycles++;
	t->del_ms += del > 0 ? del : 0;
	t->add_ms += add > 0 ? add : 0;
}

/* After the cycles: A -> B still moves bytes exactly. */
static void still_works(void)
{
	const char *dev_a = wait_nvme("fswA", 1000);
	const char *dev_b = wait_nvme("fswB", 1000);
	struct flowswitch_sink sink = {.offset = AREA};
	struct flowswitch_flow_create fc = {
		.src_offset = AREA,
		.length = 2 * MiB,
		.chunk_size = 256 * KiB,
		.depth = 4,
		.nr_sinks = 1,
		.sinks_uptr = (uintptr_t)&sink,
	};
	unsigned int state = 0;
	int fsw, fd, id;

	if (!dev_a || !dev_b) {
		CHECK(0, "A or B missing after the cycles");
		return;
	}
	fd = open(dev_a, O_RDWR);
	CHECK(fd >= 0 && !pattern_write(fd, AREA, 0, 2 * MiB, 97), "prepare A");
	close(fd);
	fsw = fsw_open(NULL);
	fc.src_port_id = port_on(fsw, dev_a, O_RDONLY, FLOWSWITCH_PORT_READ);
	sink.port_id = port_on(fsw, dev_b, O_WRONLY, FLOWSWITCH_PORT_WRITE);
	id = fsw_flow_create(fsw, &fc);
	CHECK(id > 0 && !fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_START) &&
		      !fsw_flow_wait(fsw, id, 0, &state) &&
		      state == FLOWSWITCH_FLOW_DONE,
	      "flow after the cycles: %s", fsw_state_name(state));
	close(fsw);
	fd = open(dev_b, O_RDONLY);
	CHECK(fd >= 0 && pattern_check(fd, AREA, 0, 2 * MiB, 97) < 0,
	      "B after the cycles differs");
	close(fd);
}

int main(void)
{
	const char *env = getenv("FSW_QMP_CYCLES");
	unsigned int cycles = env ? atoi(env) : 2, i;
	struct flowswitch_info info = {0};
	struct tally t[3] = {0};
	int r;

	if (ctl_open() || ctl_ping()) {
		printf("t-hotunplug-qmp: no request channel to the host "
		       "(/dev/ttyS2, tests/vm/qmpctl.py): skip\n");
		return T_SKIP;
	}
	if (info_now(&info))
		return T_FAIL;
	p2pdma = !!(info.features & FLOWSWITCH_FEATURE_P2PDMA);
	for (r = SOURCE; r <= PROVIDER; r++) {
		uint64_t t0 = now_ms();

		if (r == PROVIDER && !p2pdma) {
			printf("provider: no P2PDMA on this kernel: skipped\n");
			continue;
		}
		for (i = 0; i < cycles && !t_failures; i++)
			cycle(r, &t[r]);
		printf("FIGURE t-hotunplug-qmp role=%s cycles=%u failed=%u "
		       "events=%u del_ms_avg=%llu add_ms_avg=%llu "
		       "end_ms_max=%llu secs=%.1f\n",
		       role_name[r], t[r].cycles, t[r].failed_ok,
		       t[r].events_ok,
		       (unsigned long long)(t[r].cycles
						    ? t[r].del_ms / t[r].cycles
						    : 0),
		       (unsigned long long)(t[r].cycles
						    ? t[r].add_ms / t[r].cycles
						    : 0),
		       (unsigned long long)t[r].max_end_ms,
		       (now_ms() - t0) / 1000.0);
	}
	still_works();
	return t_result();
}
