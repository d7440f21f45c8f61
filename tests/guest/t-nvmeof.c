// SPDX-License-Identifier: GPL-2.0
/*
 * Flows onto a namespace reached over NVMe-oF/TCP (issue 10, item 6).
 *
 * The guest is both hosts: the kernel NVMe target (nvmet, configured
 * through configfs) exports one subsystem with two namespaces -- 1 on the
 * third controller (serial fswC, no CMB, with QEMU's injected errors), 2
 * on NVMe B (behind the switch with the CMBs) -- on a TCP port on
 * 127.0.0.1:4420, and the kernel's nvme-tcp initiator connects to it
 * through /dev/nvme-fabrics.  Then flows run NVMe A -> fabric namespace
 * and back, byte-exact: each sink is compared with the source device read
 * with O_DIRECT, and the fabric's writes with what the exported device
 * itself holds.  Flow stats (bytes_done, chunks, direct bytes, pool) are
 * checked, the throughput of each direction printed.  A p2p placement
 * asked for a fabric namespace must fall back (PREFERRED) or be refused
 * (REQUIRED).  The target namespace's p2pmem attribute is set where the
 * kernel has it, and whether it took is printed.  The target's disk errors
 * (blkdebug on C) reach the initiator's flow.  flowctl apply runs a .flow
 * that copies A onto the fabric namespace, flowd one that copies it back.
 * Then the controller is deleted, the target taken down in order, lo and
 * configfs put back as they were: the test bed is left as found.  Last,
 * the same flows to C directly, for the comparison.
 *
 * Regions: A 96-172 MiB, B 64-96 MiB (both outside t-flow-copy's
 * host-compared 255-511 MiB; the tests after this one write what they
 * check), C 6-60 MiB (24-60 clear of the injected error sectors at 8 and
 * 16 MiB, which the error cases cross on purpose).
 * Skips (77) only when the kernel has no nvmet, nvmet-tcp, nvme-fabrics
 * or nvme-tcp.
 */
#include <net/if.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "flowtest.h"

#define SUBNQN "nqn.2026-12.io.flowswitch:t-nvmeof"
#define HOSTNQN "nqn.2026-12.io.flowswitch:t-nvmeof-host"
/*
 * A host NQN of our own needs a host ID of its own: 6.12 refuses a new
 * NQN under the default host's ID ("found same hostid but different
 * hostnqn").
 */
#define HOSTID "f1057c11-0e0f-4a10-8000-000000000006"
#define CFG "/sys/kernel/config"
#define NVMET CFG "/nvmet"
#define SUBSYS NVMET "/subsystems/" SUBNQN
#define NS SUBSYS "/namespaces/1"
#define NS_B SUBSYS "/namespaces/2"
#define PORT NVMET "/ports/1"
#define PORT_LINK PORT "/subsystems/" SUBNQN
#define TRSVCID "4420"

#define A_SRC (96 * MiB)
#define A_BACK (128 * MiB)
#define F_OFF (24 * MiB)
#define B_OFF (64 * MiB)
#define LEN (32 * MiB)
#define ROUNDS 3
#define GUARD 4096
#define APPLY_A (160 * MiB)
#define APPLY_F (56 * MiB)
#define APPLY_BACK (168 * MiB)
#define APPLY_LEN (4 * MiB)
#define FLOWFILE "/tmp/nvmeof.flow"

static int mounted_configfs, lo_was_up = -1, fabric_instance = -1;
static int ns_made, ns_b_made, port_made, linked;

static int read_str(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return 0;
}

static int attr(const char *dir, const char *name, const char *val)
{
	char path[512];
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ret = write_sysfs(path, val);
	if (ret)
		fprintf(stderr, "nvmeof: %s = %s: %s\n", path, val,
			strerror(-ret));
	return ret;
}

/* lo up (SIOCSIFFLAGS); @up < 0 only reads.  The old IFF_UP, or -errno. */
static int lo_set(int up)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), was, ret = 0;

	if (s < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr)) {
		ret = -errno;
		goto out;
	}
	was = !!(ifr.ifr_flags & IFF_UP);
	ret = was;
	if (up >= 0 && up != was) {
		if (up)
			ifr.ifr_flags |= IFF_UP;
		else
			ifr.ifr_flags &= ~IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr))
			ret = -errno;
	}
out:
	close(s);
	return ret;
}

static int exists(const char *path)
{
	return !access(path, F_OK);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * /dev/nvmeXnY of namespace @nsid of the subsystem @nqn (a multipath head
 * or not).
 */
static int find_fabric_ns(const char *nqn, int nsid, char *dev, size_t len)
{
	DIR *d = opendir("/sys/block");
	struct dirent *de;
	int found = 0;

	while (d && !found && (de = readdir(d))) {
		char path[300], val[256];
		int x, y, end = 0;

		/* nvme3n1, not a hidden path device nvme3c3n1 */
		if (sscanf(de->d_name, "nvme%dn%d%n", &x, &y, &end) != 2 ||
		    de->d_name[end])
			continue;
		snprintf(path, sizeof(path),
			 "/sys/block/%.64s/device/subsysnqn", de->d_name);
		if (read_str(path, val, sizeof(val)) || strcmp(val, nqn))
			continue;
		snprintf(path, sizeof(path), "/sys/block/%.64s/nsid",
			 de->d_name);
		if (read_str(path, val, sizeof(val)) || atoi(val) != nsid)
			continue;
		snprintf(path, sizeof(path), "/sys/block/%.64s/size",
			 de->d_name);
		if (read_str(path, val, sizeof(val)) ||
		    !strtoull(val, NULL, 10))
			continue;
		snprintf(dev, len, "/dev/%.32s", de->d_name);
		found = exists(dev);
	}
	if (d)
		closedir(d);
	return found;
}

/*
 * A namespace of the target: @dir made, its device, p2pmem as @p2pmem
 * (NULL: leave it), enabled.  Says what happened to p2pmem in @said.
 */
static int ns_setup(const char *dir, const char *dev, const char *p2pmem,
		    char *said, size_t len)
{
	char path[300], val[64] = "";
	int ret;

	if (mkdir(dir, 0755))
		return -errno;
	if (attr(dir, "device_path", dev))
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/p2pmem", dir);
	if (!p2pmem || !exists(path)) {
		snprintf(said, len, "%s",
			 exists(path) ? "not asked"
				      : "no p2pmem attribute (kernel without "
					"CONFIG_PCI_P2PDMA)");
		return attr(dir, "enable", "1");
	}
	ret = write_sysfs(path, p2pmem);
	if (ret) {
		snprintf(said, len, "p2pmem=%s refused by configfs: %s", p2pmem,
			 strerror(-ret));
		return attr(dir, "enable", "1");
	}
	snprintf(path, sizeof(path), "%s/enable", dir);
	ret = write_sysfs(path, "1");
	if (!ret) {
		snprintf(path, sizeof(path), "%s/p2pmem", dir);
		read_str(path, val, sizeof(val));
		snprintf(said, len, "p2pmem=%s took (reads back '%s')", p2pmem,
			 val);
		return 0;
	}
	/* nvmet found no provider near the device: without p2pmem, then. */
	snprintf(said, len,
		 "p2pmem=%s refused at enable (%s): no p2pmem provider the "
		 "kernel lets this device reach",
		 p2pmem, strerror(-ret));
	snprintf(path, sizeof(path), "%s/p2pmem", dir);
	write_sysfs(path, "0");
	return attr(dir, "enable", "1");
}

static void ns_teardown(const char *dir)
{
	char path[300];

	snprintf(path, sizeof(path), "%s/enable", dir);
	write_sysfs(path, "0");
	CHECK(!rmdir(dir), "rmdir %s: %m", dir);
}

static int target_up(const char *dev_c, const char *dev_b)
{
	char said[256];
	int ret;

	if (mkdir(SUBSYS, 0755)) {
		fprintf(stderr, "nvmeof: mkdir " SUBSYS ": %m\n");
		return -1;
	}
	if (attr(SUBSYS, "attr_allow_any_host", "1"))
		return -1;

	/*
	 * Namespace 2: NVMe B, behind the switch with the two CMBs, with
	 * p2pmem where the kernel has it (nvmet finds a provider B may reach).
	 */
	ret = ns_setup(NS_B, dev_b, "1", said, sizeof(said));
	ns_b_made = 1;
	printf("nvmeof: target namespace 2 on %s (B, behind the switch): %s\n",
	       dev_b, said);
	if (ret) {
		fprintf(stderr, "nvmeof: namespace on %s: %s\n", dev_b,
			strerror(-ret));
		return -1;
	}
	if (getenv("FSW_EXPECT_P2PDMA") &&
	    !strcmp(getenv("FSW_EXPECT_P2PDMA"), "1"))
		CHECK(strstr(said, "took"),
		      "p2pmem did not take next to B's CMB");

	/* Namespace 1: NVMe C, on the root bus, no CMB. */
	ret = ns_setup(NS, dev_c, "1", said, sizeof(said));
	ns_made = 1;
	printf("nvmeof: target namespace 1 on %s (C, on the root bus): %s\n",
	       dev_c, said);
	if (ret) {
		fprintf(stderr, "nvmeof: namespace on %s: %s\n", dev_c,
			strerror(-ret));
		return -1;
	}

	if (mkdir(PORT, 0755)) {
		fprintf(stderr, "nvmeof: mkdir " PORT ": %m\n");
		return -1;
	}
	port_made = 1;
	if (attr(PORT, "addr_trtype", "tcp") ||
	    attr(PORT, "addr_adrfam", "ipv4") ||
	    attr(PORT, "addr_traddr", "127.0.0.1") ||
	    attr(PORT, "addr_trsvcid", TRSVCID))
		return -1;
	/* Linking the subsystem into the port starts the TCP listener. */
	if (symlink(SUBSYS, PORT_LINK)) {
		fprintf(stderr, "nvmeof: link " PORT_LINK ": %m\n");
		return -1;
	}
	linked = 1;
	return 0;
}

static int fabric_connect(void)
{
	const char *opts = "transport=tcp,traddr=127.0.0.1,trsvcid=" TRSVCID
			   ",nqn=" SUBNQN ",hostnqn=" HOSTNQN ",hostid=" HOSTID;
	char reply[128] = "";
	int fd = open("/dev/nvme-fabrics", O_RDWR), cntlid = -1;
	ssize_t n;

	if (fd < 0) {
		fprintf(stderr, "nvmeof: /dev/nvme-fabrics: %m\n");
		return -1;
	}
	if (write(fd, opts, strlen(opts)) < 0) {
		fprintf(stderr, "nvmeof: connect %s: %m\n", opts);
		close(fd);
		return -1;
	}
	n = read(fd, reply, sizeof(reply) - 1);
	close(fd);
	reply[n > 0 ? n : 0] = 0;
	if (sscanf(reply, "instance=%d,cntlid=%d", &fabric_instance, &cntlid) <
	    1) {
		fprintf(stderr, "nvmeof: /dev/nvme-fabrics said '%s'\n", reply);
		return -1;
	}
	printf("nvmeof: connected: controller nvme%d, cntlid %d\n",
	       fabric_instance, cntlid);
	return 0;
}

/* Delete the fabric controller and wait until it is gone. */
static void fabric_disconnect(void)
{
	char path[128];
	int i, ret;

	if (fabric_instance < 0)
		return;
	snprintf(path, sizeof(path), "/sys/class/nvme/nvme%d/delete_controller",
		 fabric_instance);
	ret = write_sysfs(path, "1");
	CHECK(!ret, "%s: %s", path, strerror(-ret));
	snprintf(path, sizeof(path), "/sys/class/nvme/nvme%d", fabric_instance);
	for (i = 0; i < 200 && exists(path); i++)
		usleep(100000);
	CHECK(!exists(path), "controller nvme%d still there", fabric_instance);
	fabric_instance = -1;
}

static void target_down(void)
{
	if (linked)
		CHECK(!unlink(PORT_LINK), "unlink " PORT_LINK ": %m");
	if (port_made)
		CHECK(!rmdir(PORT), "rmdir " PORT ": %m");
	if (ns_b_made)
		ns_teardown(NS_B);
	if (ns_made)
		ns_teardown(NS);
	if (exists(SUBSYS))
		CHECK(!rmdir(SUBSYS), "rmdir " SUBSYS ": %m");
	linked = port_made = ns_b_made = ns_made = 0;
}

/* Both ranges read with O_DIRECT, equal?  The first bad offset or -1. */
static int64_t compare_direct(const char *a, uint64_t a_off, const char *b,
			      uint64_t b_off, uint64_t len)
{
	static uint8_t buf_b[IO_BUF] __attribute__((aligned(4096)));
	int fa = open(a, O_RDONLY | O_DIRECT),
	    fb = open(b, O_RDONLY | O_DIRECT);
	int64_t bad = -1;
	uint64_t done = 0;

	if (fa < 0 || fb < 0) {
		fprintf(stderr, "nvmeof: open %s / %s: %m\n", a, b);
		bad = 0;
	}
	while (bad < 0 && done < len) {
		size_t n = len - done < IO_BUF ? len - done : IO_BUF, i;

		if (pread(fa, io_buf, n, a_off + done) != (ssize_t)n ||
		    pread(fb, buf_b, n, b_off + done) != (ssize_t)n) {
			bad = done;
			break;
		}
		if (memcmp(io_buf, buf_b, n))
			for (i = 0; i < n; i++)
				if (io_buf[i] != buf_b[i]) {
					bad = done + i;
					break;
				}
		done += n;
	}
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return bad;
}

/*
 * One flow @src@soff -> @dst@doff of @len, 1 MiB chunks, depth 8, checked
 * for exact accounting.  Returns MiB/s (0 on failure).
 */
static double run_flow(int fsw, const char *what, const char *src,
		       uint64_t soff, const char *dst, uint64_t doff,
		       uint64_t len)
{
	struct flowswitch_sink sink = {.offset = doff};
	struct flowswitch_flow_create fc = {
		.length = len,
		.src_offset = soff,
		.chunk_size = 1 * MiB,
		.depth = 8,
		.nr_sinks = 1,
		.sinks_uptr = (uintptr_t)&sink,
	};
	struct flowswitch_flow_query q;
	unsigned int state = 0;
	double rate = 0;
	int id, ret;

	memset(&q, 0, sizeof(q));
	fc.src_port_id = port_on(fsw, src, O_RDONLY, FLOWSWITCH_PORT_READ);
	sink.port_id = port_on(fsw, dst, O_WRONLY, FLOWSWITCH_PORT_WRITE);
	CHECK((int)fc.src_port_id > 0 && (int)sink.port_id > 0,
	      "%s: ports %d %d", what, (int)fc.src_port_id, (int)sink.port_id);
	if ((int)fc.src_port_id <= 0 || (int)sink.port_id <= 0)
		goto out;
	id = fsw_flow_create(fsw, &fc);
	CHECK(id > 0, "%s: create: %s", what, strerror(-id));
	if (id <= 0)
		goto out;
	ret = fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_START);
	CHECK(!ret, "%s: start: %s", what, strerror(-ret));
	ret = fsw_flow_wait(fsw, id, 300000, &state);
	CHECK(!ret && state == FLOWSWITCH_FLOW_DONE, "%s: wait: %s, state %s",
	      what, strerror(-ret), fsw_state_name(state));
	ret = fsw_flow_query(fsw, id, &q);
	CHECK(!ret, "%s: query: %s", what, strerror(-ret));
	CHECK(q.bytes_done == len, "%s: bytes_done %llu", what,
	      (unsigned long long)q.bytes_done);
	CHECK(q.chunks_done == len / MiB, "%s: chunks_done %llu", what,
	      (unsigned long long)q.chunks_done);
	/* Aligned on both sides: every byte direct, read once, written once. */
	CHECK(q.direct_bytes == 2 * len && !q.buffered_bytes,
	      "%s: direct %llu buffered %llu", what,
	      (unsigned long long)q.direct_bytes,
	      (unsigned long long)q.buffered_bytes);
	CHECK(!q.error && q.fail_stage == FLOWSWITCH_STAGE_NONE && !q.retries,
	      "%s: error %u stage %u retries %llu", what, q.error, q.fail_stage,
	      (unsigned long long)q.retries);
	CHECK(q.pool == FLOWSWITCH_POOL_HOST && !q.p2p_bytes &&
		      q.host_pool_bytes == 8 * MiB,
	      "%s: pool %s, p2p bytes %llu, host pool %llu", what,
	      fsw_pool_name(q.pool), (unsigned long long)q.p2p_bytes,
	      (unsigned long long)q.host_pool_bytes);
	if (q.elapsed_ns && q.bytes_done == len)
		rate = (double)len / MiB / (q.elapsed_ns / 1e9);
	printf("nvmeof: %-13s %llu MiB in %.3f s: %.1f MiB/s, %llu chunks, "
	       "direct %llu, buffered %llu, host bytes %llu, pool %s\n",
	       what, (unsigned long long)(len / MiB), q.elapsed_ns / 1e9, rate,
	       (unsigned long long)q.chunks_done,
	       (unsigned long long)q.direct_bytes,
	       (unsigned long long)q.buffered_bytes,
	       (unsigned long long)q.host_bytes, fsw_pool_name(q.pool));
	CHECK(!fsw_destroy(fsw, id), "%s: destroy flow", what);
out:
	if ((int)fc.src_port_id > 0)
		CHECK(!fsw_destroy(fsw, fc.src_port_id), "destroy port");
	if ((int)sink.port_id > 0)
		CHECK(!fsw_destroy(fsw, sink.port_id), "destroy port");
	return rate;
}

/* Guard bands of 0x5a around [@off, @off + @len) of @dev intact? */
static void check_guards(const char *dev, uint64_t off, uint64_t len)
{
	int fd = open(dev, O_RDONLY);
	int64_t bad;

	bad = pattern_check(fd, off - GUARD, UINT64_MAX, GUARD, 0x5a);
	CHECK(bad < 0, "%s: guard before hit at %lld", dev, (long long)bad);
	bad = pattern_check(fd, off + len, UINT64_MAX, GUARD, 0x5a);
	CHECK(bad < 0, "%s: guard after hit at %lld", dev, (long long)bad);
	close(fd);
}

static void prepare(const char *dev, uint64_t off, uint64_t len, uint64_t seed)
{
	int fd = open(dev, O_RDWR);

	CHECK(fd >= 0 && !pattern_write(fd, off, off, len, seed),
	      "prepare %s: %m", dev);
	if (fd >= 0)
		close(fd);
}

static void prepare_sink(const char *dev, uint64_t off, uint64_t len)
{
	int fd = open(dev, O_RDWR);

	CHECK(fd >= 0 && !fill_byte(fd, off - GUARD, len + 2 * GUARD, 0x5a),
	      "prepare sink %s: %m", dev);
	if (fd >= 0)
		close(fd);
}

/* Only the guard bands around [@off, @off + @len) of @dev. */
static void prepare_guards(const char *dev, uint64_t off, uint64_t len)
{
	int fd = open(dev, O_RDWR);

	CHECK(fd >= 0 && !fill_byte(fd, off - GUARD, GUARD, 0x5a) &&
		      !fill_byte(fd, off + len, GUARD, 0x5a),
	      "prepare guards %s: %m", dev);
	if (fd >= 0)
		close(fd);
}

/*
 * @rounds of A -> @f at @f_off and back, each checked (@name for people);
 * @c, when set, is the device behind @f, read to see the data arrived.
 * The best rate of each direction into @best.  The first round checks
 * everything; later ones (a new pattern each) compare sink and source
 * only, which the sanitizer kernel needs to keep the test short.
 */
static void flows(int fsw, const char *name, const char *a, const char *c,
		  const char *f, uint64_t f_off, int rounds, double best[2])
{
	char out_what[32], back_what[32];
	double rate;
	int64_t bad;
	int fd, r;

	snprintf(out_what, sizeof(out_what), "A->%s", name);
	snprintf(back_what, sizeof(back_what), "%s->A", name);
	best[0] = best[1] = 0;
	for (r = 0; r < rounds; r++) {
		uint64_t seed = 0x0f0f + r;
		int full = !r;

		prepare(a, A_SRC, LEN, seed);
		if (full)
			prepare_sink(f, f_off, LEN);
		else
			prepare_guards(f, f_off, LEN);
		rate = run_flow(fsw, out_what, a, A_SRC, f, f_off, LEN);
		if (rate > best[0])
			best[0] = rate;
		if (full) {
			fd = open(f, O_RDONLY);
			bad = pattern_check(fd, f_off, A_SRC, LEN, seed);
			CHECK(bad < 0, "%s: differs from the pattern at %lld",
			      f, (long long)bad);
			close(fd);
		}
		bad = compare_direct(a, A_SRC, f, f_off, LEN);
		CHECK(bad < 0, "%s differs from A (O_DIRECT) at +%lld", f,
		      (long long)bad);
		/* What the initiator wrote is what the target's disk holds. */
		if (c && full) {
			bad = compare_direct(a, A_SRC, c, f_off, LEN);
			CHECK(bad < 0,
			      "exported %s differs from A (O_DIRECT) at +%lld",
			      c, (long long)bad);
		}
		check_guards(f, f_off, LEN);

		if (full)
			prepare_sink(a, A_BACK, LEN);
		else
			prepare_guards(a, A_BACK, LEN);
		rate = run_flow(fsw, back_what, f, f_off, a, A_BACK, LEN);
		if (rate > best[1])
			best[1] = rate;
		if (full) {
			fd = open(a, O_RDONLY);
			bad = pattern_check(fd, A_BACK, A_SRC, LEN, seed);
			CHECK(bad < 0, "A differs from the pattern at %lld",
			      (long long)bad);
			close(fd);
		}
		bad = compare_direct(f, f_off, a, A_BACK, LEN);
		CHECK(bad < 0, "A differs from %s (O_DIRECT) at +%lld", f,
		      (long long)bad);
		check_guards(a, A_BACK, LEN);
	}
	printf("nvmeof: %d rounds of %llu MiB: %s best %.1f MiB/s, %s best "
	       "%.1f MiB/s\n",
	       rounds, (unsigned long long)(LEN / MiB), out_what, best[0],
	       back_what, best[1]);
}

/*
 * QEMU fails reads of C at 8 MiB and writes at 16 MiB (blkdebug.conf):
 * the target's disk error must come back over the fabric as the flow's
 * error, at its offset, with exactly the bytes before it done.
 */
static void fabric_error(int fsw, const char *a, const char *f, int write)
{
	const uint64_t err_at = write ? 16 * MiB : 8 * MiB;
	const uint64_t f_off = err_at - 2 * MiB, len = 4 * MiB;
	struct flowswitch_sink sink = {.offset = write ? f_off : A_BACK};
	struct flowswitch_flow_create fc = {
		.length = len,
		.src_offset = write ? A_SRC : f_off,
		.chunk_size = 1 * MiB,
		.depth = 4,
		.nr_sinks = 1,
		.sinks_uptr = (uintptr_t)&sink,
	};
	struct flowswitch_flow_query q;
	const char *what = write ? "write error" : "read error";
	unsigned int state = 0;
	int id;

	memset(&q, 0, sizeof(q));
	if (write) {
		prepare(a, A_SRC, len, 0xe1);
	} else {
		prepare(f, f_off, err_at - f_off, 0xe1);
		prepare_sink(a, A_BACK, len);
	}
	fc.src_port_id =
		port_on(fsw, write ? a : f, O_RDONLY, FLOWSWITCH_PORT_READ);
	sink.port_id =
		port_on(fsw, write ? f : a, O_WRONLY, FLOWSWITCH_PORT_WRITE);
	id = fsw_flow_create(fsw, &fc);
	CHECK(id > 0, "%s: create: %s", what, strerror(-id));
	if (id > 0) {
		CHECK(!fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_START), "start");
		CHECK(!fsw_flow_wait(fsw, id, 300000, &state), "wait");
		CHECK(!fsw_flow_query(fsw, id, &q), "query");
		CHECK(q.state == FLOWSWITCH_FLOW_FAILED, "%s: state %s", what,
		      fsw_state_name(q.state));
		CHECK(q.fail_stage == (write ? FLOWSWITCH_STAGE_WRITE
					     : FLOWSWITCH_STAGE_READ) &&
			      q.error == ENODATA,
		      "%s: stage %s error %u (%s), want ENODATA", what,
		      fsw_stage_name(q.fail_stage), q.error, strerror(q.error));
		CHECK(q.fail_offset == fc.src_offset + 2 * MiB &&
			      q.bytes_done == 2 * MiB,
		      "%s: fail_offset %llu bytes_done %llu", what,
		      (unsigned long long)q.fail_offset,
		      (unsigned long long)q.bytes_done);
		printf("nvmeof: %s of the target's disk, over the fabric: %s "
		       "in %s at %llu, %llu bytes done\n",
		       what, strerror(q.error), fsw_stage_name(q.fail_stage),
		       (unsigned long long)q.fail_offset,
		       (unsigned long long)q.bytes_done);
		fsw_destroy(fsw, id);
	}
	if (!write && q.bytes_done) {
		int fd = open(a, O_RDONLY);
		int64_t bad =
			pattern_check(fd, A_BACK, f_off, q.bytes_done, 0xe1);

		CHECK(bad < 0, "%s: sink differs at %lld", what,
		      (long long)bad);
		close(fd);
	}
	fsw_destroy(fsw, fc.src_port_id);
	fsw_destroy(fsw, sink.port_id);
}

/* p2p for a fabric namespace: PREFERRED falls back, REQUIRED is refused. */
static void placement(int fsw, const char *a, const char *f)
{
	struct flowswitch_sink sink = {.offset = F_OFF};
	struct flowswitch_flow_create fc = {
		.length = 1 * MiB,
		.src_offset = A_SRC,
		.chunk_size = 256 * KiB,
		.depth = 4,
		.nr_sinks = 1,
		.sinks_uptr = (uintptr_t)&sink,
		.placement = FLOWSWITCH_P2P_PREFERRED,
	};
	int id;

	fc.src_port_id = port_on(fsw, a, O_RDONLY, FLOWSWITCH_PORT_READ);
	sink.port_id = port_on(fsw, f, O_WRONLY, FLOWSWITCH_PORT_WRITE);
	id = fsw_flow_create(fsw, &fc);
	CHECK(id > 0 && fc.out_pool == FLOWSWITCH_POOL_HOST &&
		      fc.out_p2p_reason != FLOWSWITCH_P2P_OK,
	      "preferred: id %d pool %u reason %u", id, fc.out_pool,
	      fc.out_p2p_reason);
	printf("nvmeof: p2p preferred, A->fabric: pool %s (%s)\n",
	       fsw_pool_name(fc.out_pool),
	       fsw_p2p_reason_name(fc.out_p2p_reason));
	if (id > 0)
		fsw_destroy(fsw, id);
	fc.placement = FLOWSWITCH_P2P_REQUIRED;
	fc.out_p2p_reason = 0;
	id = fsw_flow_create(fsw, &fc);
	CHECK(id == -EXDEV, "required: %d, want -EXDEV", id);
	if (id > 0)
		fsw_destroy(fsw, id);
	printf("nvmeof: p2p required, A->fabric: refused (%s)\n",
	       fsw_p2p_reason_name(fc.out_p2p_reason));
	fsw_destroy(fsw, fc.src_port_id);
	fsw_destroy(fsw, sink.port_id);
}

static char out_buf[16384], err_buf[16384];

static void slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? 0 : read(fd, buf, len - 1);

	buf[n > 0 ? n : 0] = 0;
	if (fd >= 0)
		close(fd);
}

/* /bin/flowctl with @argv (NULL-ended): its wait status, output kept. */
static int flowctl(const char *const *argv)
{
	int status = -1;
	pid_t pid = fork();

	if (!pid) {
		int o = open("/tmp/nvmeof-stdout", O_WRONLY | O_CREAT | O_TRUNC,
			     0644);
		int e = open("/tmp/nvmeof-stderr", O_WRONLY | O_CREAT | O_TRUNC,
			     0644);

		if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(127);
		execv("/bin/flowctl", (char *const *)argv);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	slurp("/tmp/nvmeof-stdout", out_buf, sizeof(out_buf));
	slurp("/tmp/nvmeof-stderr", err_buf, sizeof(err_buf));
	unlink("/tmp/nvmeof-stdout");
	unlink("/tmp/nvmeof-stderr");
	return status;
}

static int write_text(const char *path, const char *text)
{
	FILE *file = fopen(path, "w");

	if (!file)
		return -1;
	fputs(text, file);
	return fclose(file);
}

#define FLOWD_DIR "/tmp/nvmeof-flowd"

/*
 * .flow files on the fabric namespace: flowctl apply --no-daemon copies
 * A onto it, then flowd (started here on a directory of its own, driven
 * with flowctl apply -s) copies that back from the fabric to A.
 */
static void apply(const char *a, const char *f)
{
	const char *direct[] = {"flowctl", "apply",  "--no-daemon",
				"--wait",  FLOWFILE, NULL};
	const char *via_flowd[] = {"flowctl", "apply", FLOWFILE,
				   "--wait",  "-s",    FLOWD_DIR "/sock",
				   NULL};
	const char *flowd_argv[] = {"flowd",
				    "-c",
				    FLOWD_DIR "/etc",
				    "-a",
				    FLOWD_DIR "/flowd.conf",
				    "-s",
				    FLOWD_DIR "/sock",
				    "-S",
				    FLOWD_DIR "/state.json",
				    NULL};
	char text[1024];
	int64_t bad;
	int status, fd, i;
	pid_t pid;

	if (access("/bin/flowctl", X_OK) || access("/bin/flowd", X_OK)) {
		fprintf(stderr, "nvmeof: no /bin/flowctl or /bin/flowd\n");
		t_failures++;
		return;
	}
	prepare(a, APPLY_A, APPLY_LEN, 0xfab);
	prepare_sink(f, APPLY_F, APPLY_LEN);
	snprintf(text, sizeof(text),
		 "flowlang 1;\n"
		 "device a = nvme(path=\"%s\");\n"
		 "device fabric = nvme(path=\"%s\");\n"
		 "flow tofabric [range=160MiB..164MiB] {\n"
		 "\tread(a) -> [chunk=1MiB, depth=8] write(fabric, "
		 "offset=56MiB);\n"
		 "}\n",
		 a, f);
	CHECK(!write_text(FLOWFILE, text), FLOWFILE);
	status = flowctl(direct);
	CHECK(WIFEXITED(status) && !WEXITSTATUS(status) &&
		      strstr(out_buf, "done, 4194304 of 4194304 bytes"),
	      "flowctl apply --no-daemon: status %d\nstdout:\n%s\nstderr:\n%s",
	      status, out_buf, err_buf);
	printf("%s%s", out_buf, err_buf);
	fd = open(f, O_RDONLY);
	bad = pattern_check(fd, APPLY_F, APPLY_A, APPLY_LEN, 0xfab);
	CHECK(bad < 0, "apply: fabric differs at %lld", (long long)bad);
	close(fd);
	check_guards(f, APPLY_F, APPLY_LEN);

	/* Back through flowd: fabric 56-60 MiB -> A at 168 MiB. */
	prepare_sink(a, APPLY_BACK, APPLY_LEN);
	mkdir(FLOWD_DIR, 0755);
	mkdir(FLOWD_DIR "/etc", 0755);
	CHECK(!write_text(FLOWD_DIR "/flowd.conf", "allow /dev/nvme*\n"),
	      "flowd.conf");
	snprintf(text, sizeof(text),
		 "flowlang 1;\n"
		 "device a = nvme(path=\"%s\");\n"
		 "device fabric = nvme(path=\"%s\");\n"
		 "flow fromfabric [range=56MiB..60MiB] {\n"
		 "\tread(fabric) -> [chunk=1MiB, depth=8] write(a, "
		 "offset=168MiB);\n"
		 "}\n",
		 a, f);
	CHECK(!write_text(FLOWFILE, text), FLOWFILE);
	pid = fork();
	if (!pid) {
		fd = open(FLOWD_DIR "/flowd.log", O_WRONLY | O_CREAT, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv("/bin/flowd", (char *const *)flowd_argv);
		_exit(127);
	}
	for (i = 0; i < 100 && !exists(FLOWD_DIR "/sock"); i++)
		usleep(100000);
	CHECK(exists(FLOWD_DIR "/sock"), "flowd's socket did not appear");
	status = flowctl(via_flowd);
	CHECK(WIFEXITED(status) && !WEXITSTATUS(status),
	      "flowctl apply via flowd: status %d\nstdout:\n%s\nstderr:\n%s",
	      status, out_buf, err_buf);
	printf("via flowd: %s%s", out_buf, err_buf);
	fd = open(a, O_RDONLY);
	bad = pattern_check(fd, APPLY_BACK, APPLY_A, APPLY_LEN, 0xfab);
	CHECK(bad < 0, "flowd: A differs at %lld", (long long)bad);
	close(fd);
	check_guards(a, APPLY_BACK, APPLY_LEN);
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, &status, 0);
		CHECK(WIFEXITED(status) && !WEXITSTATUS(status),
		      "flowd exits 0 on SIGTERM: %d", status);
	}
	slurp(FLOWD_DIR "/flowd.log", out_buf, sizeof(out_buf));
	if (t_failures)
		fprintf(stderr, "flowd.log:\n%s", out_buf);
	unlink(FLOWD_DIR "/flowd.log");
	unlink(FLOWD_DIR "/flowd.conf");
	unlink(FLOWD_DIR "/state.json");
	unlink(FLOWD_DIR "/sock");
	rmdir(FLOWD_DIR "/etc");
	CHECK(!rmdir(FLOWD_DIR), FLOWD_DIR " not empty: %m");
	unlink(FLOWFILE);
}

/* configfs mounted, nvmet and the TCP transports there: else a reason. */
static const char *lacking(void)
{
	if (!exists(NVMET)) {
		if (!exists(CFG))
			return "no configfs (CONFIG_CONFIGFS_FS)";
		if (mount("configfs", CFG, "configfs", 0, NULL))
			return "configfs does not mount";
		mounted_configfs = 1;
	}
	if (!exists(NVMET))
		return "no nvmet in configfs (CONFIG_NVME_TARGET)";
	if (!exists("/sys/module/nvmet_tcp"))
		return "no nvmet-tcp (CONFIG_NVME_TARGET_TCP)";
	if (!exists("/dev/nvme-fabrics"))
		return "no /dev/nvme-fabrics (CONFIG_NVME_FABRICS)";
	if (!exists("/sys/module/nvme_tcp"))
		return "no nvme-tcp (CONFIG_NVME_TCP)";
	return NULL;
}

int main(void)
{
	const char *a, *b, *c, *why;
	struct flowswitch_info before;
	double fabric_rate[2] = {0, 0}, fabric_b_rate[2],
	       local_rate[2] = {0, 0};
	double t0;
	char f[64] = "", fb[64] = "";
	int i, fsw, ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < 50 && !nvme_by_serial("fswC"); i++)
		usleep(100000);
	a = nvme_by_serial("fswA");
	b = nvme_by_serial("fswB");
	c = nvme_by_serial("fswC");
	if (!a || !b || !c) {
		fprintf(stderr, "nvmeof: need fswA, fswB and fswC\n");
		return T_FAIL;
	}
	why = lacking();
	if (why) {
		printf("nvmeof: skip: %s\n", why);
		if (mounted_configfs)
			umount(CFG);
		return T_SKIP;
	}
	CHECK(!exists(SUBSYS) && !exists(PORT), "target already set up");
	CHECK(!info_now(&before), "info");

	lo_was_up = lo_set(1);
	CHECK(lo_was_up >= 0 && lo_set(-1) == 1, "lo up: %s",
	      strerror(-lo_was_up));

	t0 = now_s();
	if (target_up(c, b) || fabric_connect()) {
		t_failures++;
		goto down;
	}
	for (i = 0; i < 200 && !(find_fabric_ns(SUBNQN, 1, f, sizeof(f)) &&
				 find_fabric_ns(SUBNQN, 2, fb, sizeof(fb)));
	     i++)
		usleep(100000);
	CHECK(f[0] && fb[0], "namespaces of " SUBNQN " did not appear");
	if (!f[0] || !fb[0])
		goto down;
	printf("nvmeof: fabric namespaces %s (C's %s) and %s (B's %s), over "
	       "TCP "
	       "127.0.0.1:" TRSVCID ", up in %.2f s\n",
	       f, c, fb, b, now_s() - t0);

	fsw = fsw_open(NULL);
	CHECK(fsw >= 0, "open /dev/flowswitch: %s", strerror(-fsw));
	if (fsw >= 0) {
		flows(fsw, "fabric-C", a, c, f, F_OFF, ROUNDS, fabric_rate);
		flows(fsw, "fabric-B", a, b, fb, B_OFF, 2, fabric_b_rate);
		placement(fsw, a, f);
		fabric_error(fsw, a, f, 0);
		fabric_error(fsw, a, f, 1);
		close(fsw);
	}
	apply(a, f);

down:
	fabric_disconnect();
	target_down();
	if (f[0])
		CHECK(!exists(f), "%s still there after disconnect", f);
	if (fb[0])
		CHECK(!exists(fb), "%s still there after disconnect", fb);
	CHECK(!exists(SUBSYS) && !exists(PORT), "target still there");
	if (mounted_configfs)
		CHECK(!umount(CFG), "umount " CFG ": %m");
	if (lo_was_up == 0) {
		ret = lo_set(0);
		CHECK(ret == 1, "lo down again: %s", strerror(-ret));
	}
	/* B and C are the test bed's again: nobody holds them, they read. */
	for (i = 0; i < 2; i++) {
		const char *dev = i ? b : c;

		ret = open(dev, O_RDONLY | O_EXCL | O_DIRECT);
		CHECK(ret >= 0 && pread(ret, io_buf, 4096, 0) == 4096,
		      "%s after teardown: %m", dev);
		if (ret >= 0)
			close(ret);
	}

	/* The same flows to C itself, for scale: what the fabric costs. */
	fsw = fsw_open(NULL);
	if (fsw >= 0 && fabric_rate[0] > 0) {
		flows(fsw, "C(local)", a, NULL, c, F_OFF, ROUNDS, local_rate);
		printf("nvmeof: fabric vs local C: A->C %.1f vs %.1f MiB/s "
		       "(%.2fx), C->A %.1f vs %.1f MiB/s (%.2fx)\n",
		       fabric_rate[0], local_rate[0],
		       local_rate[0] ? fabric_rate[0] / local_rate[0] : 0,
		       fabric_rate[1], local_rate[1],
		       local_rate[1] ? fabric_rate[1] / local_rate[1] : 0);
	}
	if (fsw >= 0)
		close(fsw);
	check_baseline(&before);
	return t_result();
}
