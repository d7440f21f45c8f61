// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family: counters, dumps of ports, flows and pools
 * that match what the ioctls say (also across many parts of one dump),
 * events of a flow's life and of an I/O error with errno, stage and
 * offset, stopping another owner's flow, strict validation with the
 * kernel's reasons, who may do what, the P2P verdicts of all pairs, and a
 * provider unbind reported as an event.
 */
#include <linux/capability.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "flowswitch-nl.h"
#include "flowtest.h"

#define READ_ERR_AT (8 * MiB) /* tests/vm/blkdebug.conf, disk C */
#define AREA (440 * MiB) /* of disks A and B, free for this test */

static const char *dev_a, *dev_b;

static struct flowswitch_flow_create flow_cmd(uint32_t src, uint32_t dst,
					      uint64_t off, uint64_t len,
					      struct flowswitch_sink *sink)
{
	struct flowswitch_flow_create fc = {
		.src_port_id = src,
		.src_offset = off,
		.length = len,
		.chunk_size = 64 * KiB,
		.depth = 2,
		.nr_sinks = 1,
		.sinks_uptr = (uintptr_t)sink,
	};

	/* Whole: a stale __reserved would be refused, rightly. */
	*sink = (struct flowswitch_sink){.port_id = dst, .offset = off};
	return fc;
}

/* ---- dumps -------------------------------------------------------- */

struct seen {
	uint32_t owner; /* 0: learn it from @pid */
	pid_t pid;
	unsigned int n;
	struct fsw_nl_flow flow;
	struct fsw_nl_port port[2];
	struct fsw_nl_pool pool;
};

static int count_flow(const struct fsw_nl_flow *f, void *arg)
{
	struct seen *s = arg;

	if (f->owner.pid != (uint32_t)s->pid)
		return 0;
	if (!s->owner)
		s->owner = f->owner.id;
	s->flow = *f;
	s->n++;
	return 0;
}

static int count_port(const struct fsw_nl_port *p, void *arg)
{
	struct seen *s = arg;

	if (p->owner.pid != (uint32_t)s->pid)
		return 0;
	if (s->n < 2)
		s->port[s->n] = *p;
	s->n++;
	return 0;
}

static int count_pool(const struct fsw_nl_pool *p, void *arg)
{
	struct seen *s = arg;

	if (p->owner.pid != (uint32_t)s->pid)
		return 0;
	s->pool = *p;
	s->n++;
	return 0;
}

/* ---- events ------------------------------------------------------- */

struct want_event {
	uint32_t type, flow, state;
	bool got;
	struct fsw_nl_event ev;
};

static int match_event(const struct fsw_nl_event *ev, void *arg)
{
	struct want_event *w = arg;

	if (getenv("T_VERBOSE") || t_failures)
		fprintf(stderr, "event %s owner %u pid %u flow %u state %u\n",
			fsw_nl_event_name(ev->type), ev->owner.id,
			ev->owner.pid, ev->flow, ev->state);
	if (ev->type != w->type || (w->flow && ev->flow != w->flow) ||
	    (w->state && ev->state != w->state))
		return 0;
	if (ev->type != FLOWSWITCH_NL_EVENT_DEVICE_UNBOUND &&
	    ev->type != FLOWSWITCH_NL_EVENT_DEVICE_REMOVED &&
	    ev->owner.pid != (uint32_t)getpid())
		return 0;
	w->ev = *ev;
	w->got = true;
	return 1;
}

/* Wait up to @ms for the event @w describes. */
static bool wait_event(struct fsw_nl *ev_nl, struct want_event *w,
		       unsigned int ms)
{
	struct pollfd p = {.fd = fsw_nl_fd(ev_nl), .events = POLLIN};
	unsigned int waited = 0;

	int ret;

	w->got = false;
	while (!w->got && waited < ms) {
		if (poll(&p, 1, 100) > 0) {
			ret = fsw_nl_recv_events(ev_nl, true, match_event, w);
			/* The burst of the big dump may overflow: not ours. */
			if (ret < 0 && ret != -ENOBUFS)
				fprintf(stderr, "events: %s\n", strerror(-ret));
		}
		waited += 100;
	}
	return w->got;
}

static void test_stats(struct fsw_nl *nl)
{
	struct flowswitch_info info;
	struct fsw_nl_stats st;

	CHECK(!fsw_nl_get_stats(nl, &st), "get stats");
	CHECK(!info_now(&info), "info");
	CHECK(st.abi_major == FLOWSWITCH_ABI_MAJOR &&
		      st.abi_minor == FLOWSWITCH_ABI_MINOR,
	      "abi %u.%u", st.abi_major, st.abi_minor);
	CHECK(st.features == info.features &&
		      (st.features & FLOWSWITCH_FEATURE_NETLINK),
	      "features 0x%llx vs info 0x%llx", (unsigned long long)st.features,
	      (unsigned long long)info.features);
	CHECK(st.providers == info.p2pmem_providers, "providers %u vs %u",
	      st.providers, info.p2pmem_providers);
	CHECK(st.flows == info.nr_flows && st.ports == info.nr_ports,
	      "flows %u/%u ports %u/%u", st.flows, info.nr_flows, st.ports,
	      info.nr_ports);
}

/*
 * One named flow: the dumps say what the ioctls made, its start arrives
 * as an event, and a stop through netlink ends it for its owner too.
 */
static void test_flow_life(struct fsw_nl *nl, struct fsw_nl *ev_nl)
{
	struct want_event w = {.type = FLOWSWITCH_NL_EVENT_FLOW_STATE};
	struct flowswitch_flow_query q;
	struct flowswitch_flow_create fc;
	struct flowswitch_sink sink;
	struct flowswitch_event kev;
	struct seen s = {.pid = getpid()};
	char pci_name[64];
	int fsw, src, dst, id, ret;

	fsw = fsw_open(NULL);
	src = port_on(fsw, dev_a, O_RDONLY, FLOWSWITCH_PORT_READ);
	dst = port_on(fsw, dev_b, O_WRONLY, FLOWSWITCH_PORT_WRITE);
	CHECK(src > 0 && dst > 0, "ports");
	fc = flow_cmd(src, dst, AREA, 8 * MiB, &sink);
	fc.rate_bps = 2 * MiB; /* about 4 s: still running when stopped */
	strcpy(fc.name, "t-netlink.flow:copy");
	id = fsw_flow_create(fsw, &fc);
	CHECK(id > 0, "create: %s", strerror(-id));

	CHECK(!fsw_nl_dump_flows(nl, 0, count_flow, &s), "dump flows");
	CHECK(s.n == 1, "%u flows of ours", s.n);
	CHECK(!strcmp(s.flow.name, "t-netlink.flow:copy"), "name '%s'",
	      s.flow.name);
	CHECK(s.flow.id == (uint32_t)id &&
		      s.flow.state == FLOWSWITCH_FLOW_CREATED &&
		      s.flow.src_port == (uint32_t)src &&
		      s.flow.src_offset == AREA && s.flow.nr_sinks == 1 &&
		      s.flow.sink_port[0] == (uint32_t)dst &&
		      s.flow.sink_offset[0] == AREA &&
		      s.flow.length == 8 * MiB && s.flow.chunk == 64 * KiB &&
		      s.flow.depth == 2 && s.flow.rate == 2 * MiB &&
		      s.flow.pool == FLOWSWITCH_POOL_HOST,
	      "flow as dumped differs from what was made");
	CHECK(!strcmp(s.flow.owner.comm, "t-netlink"), "comm '%s'",
	      s.flow.owner.comm);

	/* The owner filter: ours alone, and nothing for an unknown one. */
	s.n = 0;
	CHECK(!fsw_nl_dump_flows(nl, s.owner, count_flow, &s) && s.n == 1,
	      "dump by owner: %u", s.n);
	s.n = 0;
	CHECK(!fsw_nl_dump_flows(nl, 0xfffffff0u, count_flow, &s) && !s.n,
	      "dump of an unknown owner: %u", s.n);

	s.n = 0;
	CHECK(!fsw_nl_dump_ports(nl, s.owner, count_port, &s), "dump ports");
	CHECK(s.n == 2, "%u ports", s.n);
	CHECK(s.port[0].id == (uint32_t)src &&
		      s.port[0].kind == FLOWSWITCH_PORT_BLOCK &&
		      s.port[0].access == FLOWSWITCH_PORT_READ &&
		      s.port[0].users == 1 && !strcmp(s.port[0].path, dev_a) &&
		      !strcmp(s.port[0].disk, dev_a + strlen("/dev/")),
	      "source port: id %u path %s disk %s", s.port[0].id,
	      s.port[0].path, s.port[0].disk);
	CHECK(s.port[1].id == (uint32_t)dst &&
		      s.port[1].access == FLOWSWITCH_PORT_WRITE &&
		      !strcmp(s.port[1].path, dev_b),
	      "sink port: id %u path %s", s.port[1].id, s.port[1].path);
	CHECK(s.port[0].has_pci &&
		      s.port[0].pci ==
			      pci_of_nvme(dev_a, pci_name, sizeof(pci_name)),
	      "port pci %x", s.port[0].pci);

	s.n = 0;
	CHECK(!fsw_nl_dump_pools(nl, s.owner, count_pool, &s) && s.n == 1,
	      "dump pools: %u", s.n);
	CHECK(s.pool.flow == (uint32_t)id &&
		      s.pool.kind == FLOWSWITCH_POOL_HOST &&
		      s.pool.bytes == 128 * KiB,
	      "pool of flow %u: %llu bytes", s.pool.flow,
	      (unsigned long long)s.pool.bytes);

	CHECK(!fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_START), "start");
	w.flow = id;
	w.state = FLOWSWITCH_FLOW_RUNNING;
	CHECK(wait_event(ev_nl, &w, 5000), "no RUNNING event");
	CHECK(!strcmp(w.ev.name, "t-netlink.flow:copy") &&
		      w.ev.owner.id == s.owner,
	      "event name '%s' owner %u", w.ev.name, w.ev.owner.id);

	/* Stopped by someone else: its owner hears of it as if it had. */
	ret = fsw_nl_flow_stop(nl, s.owner, id);
	CHECK(!ret, "netlink stop: %s (%s)", strerror(-ret), fsw_nl_error(nl));
	w.state = FLOWSWITCH_FLOW_STOPPED;
	CHECK(wait_event(ev_nl, &w, 5000), "no STOPPED event");
	CHECK(!fsw_flow_query(fsw, id, &q) &&
		      q.state == FLOWSWITCH_FLOW_STOPPED,
	      "state after the netlink stop: %s", fsw_state_name(q.state));
	CHECK(w.ev.bytes_done == q.bytes_done, "event bytes %llu, query %llu",
	      (unsigned long long)w.ev.bytes_done,
	      (unsigned long long)q.bytes_done);
	/* The owner's own queue: RUNNING, then STOPPED. */
	while (read(fsw, &kev, sizeof(kev)) == sizeof(kev) &&
	       kev.state != FLOWSWITCH_FLOW_STOPPED)
		;
	CHECK(kev.state == FLOWSWITCH_FLOW_STOPPED, "owner's event %u",
	      kev.state);

	ret = fsw_nl_flow_stop(nl, s.owner, id);
	CHECK(ret == -EBUSY && *fsw_nl_error(nl), "stop twice: %s (%s)",
	      strerror(-ret), fsw_nl_error(nl));
	ret = fsw_nl_flow_stop(nl, 0xfffffff0u, id);
	CHECK(ret == -ENOENT && strstr(fsw_nl_error(nl), "owner"),
	      "stop of an unknown owner: %s (%s)", strerror(-ret),
	      fsw_nl_error(nl));
	ret = fsw_nl_flow_stop(nl, s.owner, 4000);
	CHECK(ret == -ENOENT && strstr(fsw_nl_error(nl), "flow"),
	      "stop of an unknown flow: %s (%s)", strerror(-ret),
	      fsw_nl_error(nl));
	close(fsw);

	s.n = 0;
	CHECK(!fsw_nl_dump_flows(nl, 0, count_flow, &s) && !s.n,
	      "%u flows left after close", s.n);
}

/* An I/O error arrives with the device's errno, the stage and offset. */
static void test_io_error_event(struct fsw_nl *ev_nl)
{
	struct want_event w = {.type = FLOWSWITCH_NL_EVENT_FLOW_STATE,
			       .state = FLOWSWITCH_FLOW_FAILED};
	const char *dev_c = nvme_by_serial("fswC");
	struct flowswitch_flow_query q;
	struct flowswitch_flow_create fc;
	struct flowswitch_sink sink;
	unsigned int state;
	int fsw, id;

	if (!dev_c) {
		fprintf(stderr, "no blkdebug controller fswC\n");
		t_failures++;
		return;
	}
	fsw = fsw_open(NULL);
	fc = flow_cmd(port_on(fsw, dev_c, O_RDONLY, FLOWSWITCH_PORT_READ),
		      port_on(fsw, dev_b, O_WRONLY, FLOWSWITCH_PORT_WRITE),
		      READ_ERR_AT - 1 * MiB, 2 * MiB, &sink);
	id = fsw_flow_create(fsw, &fc);
	CHECK(id > 0, "create: %s", strerror(-id));
	CHECK(!fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_START), "start");
	CHECK(!fsw_flow_wait(fsw, id, 0, &state), "wait");
	CHECK(!fsw_flow_query(fsw, id, &q), "query");
	w.flow = id;
	CHECK(wait_event(ev_nl, &w, 5000), "no FAILED event");
	CHECK(w.ev.error == q.error && q.error == ENODATA &&
		      w.ev.stage == FLOWSWITCH_STAGE_READ &&
		      w.ev.offset == READ_ERR_AT &&
		      w.ev.bytes_done == q.bytes_done,
	      "event: error %u stage %u offset %llu bytes %llu; query: error "
	      "%u offset %llu bytes %llu",
	      w.ev.error, w.ev.stage, (unsigned long long)w.ev.offset,
	      (unsigned long long)w.ev.bytes_done, q.error,
	      (unsigned long long)q.fail_offset,
	      (unsigned long long)q.bytes_done);
	close(fsw);
}

/* A digest stage's value rides on the DONE event, as in the query. */
static void test_digest_event(struct fsw_nl *ev_nl)
{
	struct want_event w = {.type = FLOWSWITCH_NL_EVENT_FLOW_STATE,
			       .state = FLOWSWITCH_FLOW_DONE};
	struct flowswitch_transform st = {.kind = FLOWSWITCH_XFORM_DIGEST,
					  .key_fd = -1};
	struct flowswitch_flow_query q = {0};
	struct flowswitch_flow_create fc;
	struct flowswitch_sink sink;
	unsigned int state;
	int fsw, id;

	snprintf(st.alg, sizeof(st.alg), "sha256");
	fsw = fsw_open(NULL);
	fc = flow_cmd(port_on(fsw, dev_a, O_RDONLY, FLOWSWITCH_PORT_READ),
		      port_on(fsw, "/tmp/nl-digest", O_WRONLY | O_CREAT,
			      FLOWSWITCH_PORT_WRITE),
		      0, 2 * MiB, &sink);
	fc.nr_stages = 1;
	fc.stages_uptr = (uintptr_t)&st;
	id = fsw_flow_create(fsw, &fc);
	CHECK(id > 0, "create: %s", strerror(-id));
	CHECK(!fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_START), "start");
	CHECK(!fsw_flow_wait(fsw, id, 0, &state), "wait");
	CHECK(!fsw_flow_query(fsw, id, &q), "query");
	w.flow = id;
	CHECK(wait_event(ev_nl, &w, 5000), "no DONE event");
	CHECK(q.digest_len == 32 && w.ev.digest_len == q.digest_len &&
		      !memcmp(w.ev.digest, q.digest, q.digest_len),
	      "DONE event digest: %u bytes, query %u", w.ev.digest_len,
	      q.digest_len);
	close(fsw);
	unlink("/tmp/nl-digest");
}

/* A pool over the per-fd cap: refused, and said so on the group. */
static void test_pool_event(struct fsw_nl *ev_nl)
{
	struct want_event w = {.type = FLOWSWITCH_NL_EVENT_POOL_EXHAUSTED};
	struct flowswitch_flow_create fc;
	struct flowswitch_sink sink;
	int fsw, id;

	fsw = fsw_open(NULL);
	fc = flow_cmd(port_on(fsw, dev_a, O_RDONLY, FLOWSWITCH_PORT_READ),
		      port_on(fsw, dev_b, O_WRONLY, FLOWSWITCH_PORT_WRITE),
		      AREA, 64 * MiB, &sink);
	/* 16 MiB x 64 = 1 GiB, over pool_max_per_fd_mb (512). */
	fc.chunk_size = FLOWSWITCH_MAX_CHUNK;
	fc.depth = FLOWSWITCH_MAX_DEPTH;
	id = fsw_flow_create(fsw, &fc);
	CHECK(id == -EDQUOT, "1 GiB pool: %s", strerror(-id));
	CHECK(wait_event(ev_nl, &w, 5000), "no POOL_EXHAUSTED event");
	CHECK(w.ev.error == EDQUOT && w.ev.has_owner, "event error %u",
	      w.ev.error);
	close(fsw);
}

/* More flows than one message holds: the dump goes on where it stopped. */
static void test_big_dump(struct fsw_nl *nl)
{
	enum { PER_FD = 150 };
	struct flowswitch_sink sink;
	struct flowswitch_flow_create fc;
	struct seen s = {.pid = getpid()};
	int fsw[2], i, k, src, dst, id, made = 0;

	for (k = 0; k < 2; k++) {
		fsw[k] = fsw_open(NULL);
		src = port_on(fsw[k], dev_a, O_RDONLY, FLOWSWITCH_PORT_READ);
		dst = port_on(fsw[k], dev_b, O_WRONLY, FLOWSWITCH_PORT_WRITE);
		for (i = 0; i < PER_FD; i++) {
			fc = flow_cmd(src, dst, AREA + i * 4 * KiB, 4 * KiB,
				      &sink);
			fc.chunk_size = 4 * KiB;
			fc.depth = 1;
			snprintf(fc.name, sizeof(fc.name), "big:%d.%d", k, i);
			id = fsw_flow_create(fsw[k], &fc);
			if (id < 0 && !made && !i)
				fprintf(stderr, "big dump: flow %d.%d: %s\n", k,
					i, strerror(-id));
			made += id > 0;
		}
	}
	CHECK(made == 2 * PER_FD, "made %d flows", made);
	CHECK(!fsw_nl_dump_flows(nl, 0, count_flow, &s), "dump");
	CHECK(s.n == 2 * PER_FD, "dumped %u of %d flows", s.n, 2 * PER_FD);
	s.n = 0;
	CHECK(!fsw_nl_dump_pools(nl, 0, count_pool, &s) && s.n == 2 * PER_FD,
	      "dumped %u pools", s.n);
	s.n = 0;
	s.owner = 0;
	CHECK(!fsw_nl_dump_ports(nl, 0, count_port, &s) && s.n == 4,
	      "dumped %u ports", s.n);
	close(fsw[0]);
	close(fsw[1]);
}

/* Requests are validated strictly, and the kernel says why. */
static void test_validation(struct fsw_nl *nl)
{
	struct {
		struct nlattr nla;
		uint32_t v;
	} a;
	struct {
		struct nlattr nla;
		uint16_t v;
		uint16_t pad;
	} short_attr = {{6, FLOWSWITCH_A_OWNER_ID}, 1, 0};
	struct {
		struct nlattr o;
		uint32_t ov;
		struct nlattr f;
		uint32_t fv;
	} stop;
	int ret;

	ret = fsw_nl_raw(nl, FLOWSWITCH_NL_CMD_GET_STATS, 0, NULL, 0);
	CHECK(!ret, "a bare GET_STATS: %s", strerror(-ret));

	a.nla = (struct nlattr){8, 200};
	a.v = 1;
	ret = fsw_nl_raw(nl, FLOWSWITCH_NL_CMD_GET_STATS, 0, &a, sizeof(a));
	CHECK(ret == -EINVAL, "unknown attribute: %s", strerror(-ret));

	a.nla = (struct nlattr){8, FLOWSWITCH_A_FLOW};
	ret = fsw_nl_raw(nl, FLOWSWITCH_NL_CMD_GET_STATS, 0, &a, sizeof(a));
	CHECK(ret == -EINVAL, "a reply's attribute in a request: %s",
	      strerror(-ret));

	ret = fsw_nl_raw(nl, FLOWSWITCH_NL_CMD_GET_STATS, 0, &short_attr,
			 sizeof(short_attr));
	CHECK(ret == -EINVAL, "a u32 two bytes long: %s", strerror(-ret));

	ret = fsw_nl_raw(nl, FLOWSWITCH_NL_CMD_FLOW_STOP, 0, NULL, 0);
	CHECK(ret == -EINVAL && *fsw_nl_error(nl),
	      "stop without attributes: %s (%s)", strerror(-ret),
	      fsw_nl_error(nl));

	stop.o = (struct nlattr){8, FLOWSWITCH_A_OWNER_ID};
	stop.ov = 1;
	stop.f = (struct nlattr){8, FLOWSWITCH_A_FLOW_ID};
	stop.fv = 0; /* ids start at 1 */
	ret = fsw_nl_raw(nl, FLOWSWITCH_NL_CMD_FLOW_STOP, 0, &stop,
			 sizeof(stop));
	CHECK(ret == -ERANGE && *fsw_nl_error(nl), "flow id 0: %s (%s)",
	      strerror(-ret), fsw_nl_error(nl));

	ret = fsw_nl_raw(nl, FLOWSWITCH_NL_CMD_EVENT, 0, NULL, 0);
	CHECK(ret == -EOPNOTSUPP, "EVENT is not a request: %s", strerror(-ret));
	ret = fsw_nl_raw(nl, 99, 0, NULL, 0);
	CHECK(ret == -EOPNOTSUPP, "unknown command: %s", strerror(-ret));
}

/* ---- permissions -------------------------------------------------- */

static int drop_caps(uint64_t caps)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	int i;

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	for (i = 0; i < 2; i++) {
		data[i].effective &= ~(uint32_t)(caps >> (32 * i));
		data[i].permitted &= ~(uint32_t)(caps >> (32 * i));
	}
	return syscall(SYS_capset, &hdr, data) ? -1 : 0;
}

static int noop_flow(const struct fsw_nl_flow *f, void *arg)
{
	return 0;
}

/* In a child without @caps: what may it do?  Exit code = failures. */
static void check_without(uint64_t caps, bool dump_ok, bool stop_ok,
			  uint32_t owner, uint32_t id, const char *what)
{
	int status;
	pid_t pid = fork();

	if (!pid) {
		struct fsw_nl_stats st;
		struct fsw_nl *nl, *ev;
		int ret;

		if (drop_caps(caps) || fsw_nl_open(&nl))
			_exit(100);
		t_failures = 0;
		CHECK(!fsw_nl_get_stats(nl, &st), "%s: stats are for all",
		      what);
		ret = fsw_nl_dump_flows(nl, 0, noop_flow, NULL);
		CHECK(dump_ok ? !ret : ret == -EPERM, "%s: dump: %s", what,
		      strerror(-ret));
		ret = fsw_nl_flow_stop(nl, owner, id);
		CHECK(stop_ok ? ret != -EPERM : ret == -EPERM, "%s: stop: %s",
		      what, strerror(-ret));
		/*
		 * Joining the events group needs CAP_NET_ADMIN on both test
		 * kernels (6.7+ and the stable backport in Debian's 6.1).
		 */
		if (!fsw_nl_open(&ev)) {
			ret = fsw_nl_subscribe(ev);
			if (dump_ok)
				CHECK(!ret, "%s: subscribe: %s", what,
				      strerror(-ret));
			else
				CHECK(ret == -EPERM,
				      "%s: subscribe without CAP_NET_ADMIN: %s",
				      what, strerror(-ret));
			fsw_nl_close(ev);
		}
		fsw_nl_close(nl);
		_exit(t_failures ? 1 : 0);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		      !WEXITSTATUS(status),
	      "%s: child failed (%d)", what, status);
}

static void test_permissions(void)
{
	struct flowswitch_flow_create fc;
	struct flowswitch_sink sink;
	int fsw, id, owner_probe;
	struct seen s = {.pid = getpid()};
	struct fsw_nl *nl;

	fsw = fsw_open(NULL);
	fc = flow_cmd(port_on(fsw, dev_a, O_RDONLY, FLOWSWITCH_PORT_READ),
		      port_on(fsw, dev_b, O_WRONLY, FLOWSWITCH_PORT_WRITE),
		      AREA, 4 * KiB, &sink);
	id = fsw_flow_create(fsw, &fc);
	owner_probe = fsw_nl_open(&nl);
	CHECK(id > 0 && !owner_probe, "setup");
	if (owner_probe)
		return;
	fsw_nl_dump_flows(nl, 0, count_flow, &s);
	fsw_nl_close(nl);

	check_without(1ULL << CAP_NET_ADMIN, false, false, s.owner, id,
		      "without CAP_NET_ADMIN");
	check_without(1ULL << CAP_SYS_RAWIO, true, false, s.owner, id,
		      "without CAP_SYS_RAWIO");
	check_without(0, true, true, s.owner, id, "with both");
	close(fsw);
}

/* ---- P2P verdicts ------------------------------------------------- */

struct pairs {
	unsigned int n;
	uint32_t provider, initiator;
	bool found;
	struct fsw_nl_verdict v;
};

static int find_pair(const struct fsw_nl_verdict *v, void *arg)
{
	struct pairs *p = arg;

	p->n++;
	if (v->provider == p->provider && v->initiator == p->initiator) {
		p->found = true;
		p->v = *v;
	}
	return 0;
}

static void test_p2p(struct fsw_nl *nl)
{
	struct flowswitch_info info;
	struct pairs p = {0};
	char name[64];
	int ret;

	CHECK(!info_now(&info), "info");
	p.provider = pci_of_nvme(dev_b, name, sizeof(name));
	p.initiator = pci_of_nvme(dev_a, name, sizeof(name));
	ret = fsw_nl_dump_p2p(nl, UINT32_MAX, UINT32_MAX, find_pair, &p);
	CHECK(!ret, "dump p2p: %s", strerror(-ret));
	if (!(info.features & FLOWSWITCH_FEATURE_P2PDMA)) {
		CHECK(!p.n, "%u verdicts without P2PDMA", p.n);
		return;
	}
	CHECK(p.n >= 2 * info.p2pmem_providers, "%u verdicts for %u providers",
	      p.n, info.p2pmem_providers);
	/* Two NVMe under one switch: by bus address, at a distance. */
	CHECK(p.found && p.v.distance >= 0 && p.v.reason == FLOWSWITCH_P2P_OK &&
		      p.v.map == FLOWSWITCH_MAP_BUS_ADDR,
	      "A -> B's CMB: found %d distance %d reason %u map %u", p.found,
	      p.v.distance, p.v.reason, p.v.map);

	/* Filters: one provider, one initiator: one pair. */
	p.n = 0;
	p.found = false;
	CHECK(!fsw_nl_dump_p2p(nl, p.provider, p.initiator, find_pair, &p) &&
		      p.n == 1 && p.found,
	      "filtered: %u pairs", p.n);
}

/* ---- device events ------------------------------------------------ */

static void test_unbind_event(struct fsw_nl *ev_nl)
{
	struct want_event w = {.type = FLOWSWITCH_NL_EVENT_DEVICE_UNBOUND};
	char dev[64], path[300];

	if (!find_ivshmem(dev, sizeof(dev))) {
		fprintf(stderr, "no ivshmem device\n");
		t_failures++;
		return;
	}
	if (bind_provider(dev)) {
		/* Stock kernel: no P2PDMA, the provider cannot bind. */
		fprintf(stderr,
			"provider did not bind: unbind event not tested\n");
		snprintf(path, sizeof(path),
			 "/sys/bus/pci/devices/%s/driver_override", dev);
		write_sysfs(path, "\n");
		return;
	}
	CHECK(!write_sysfs("/sys/bus/pci/drivers/flowswitch_bar/unbind", dev),
	      "unbind");
	w.flow = 0;
	CHECK(wait_event(ev_nl, &w, 5000), "no DEVICE_UNBOUND event");
	CHECK(w.ev.pci == pci_addr_of(dev), "event pci %x, want %s", w.ev.pci,
	      dev);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 dev);
	write_sysfs(path, "\n");
}

int main(void)
{
	struct fsw_nl *nl, *ev_nl;
	int ret;

	dev_a = nvme_by_serial("fswA");
	dev_b = nvme_by_serial("fswB");
	if (!dev_a || !dev_b)
		return T_FAIL;
	ret = fsw_nl_open(&nl);
	if (ret) {
		fprintf(stderr, "netlink: %s\n", strerror(-ret));
		return T_FAIL;
	}
	ret = fsw_nl_open(&ev_nl);
	CHECK(!ret && !fsw_nl_subscribe(ev_nl), "subscribe");
	if (t_failures)
		return T_FAIL;

	test_stats(nl);
	test_flow_life(nl, ev_nl);
	test_io_error_event(ev_nl);
	test_digest_event(ev_nl);
	test_pool_event(ev_nl);
	test_big_dump(nl);
	test_validation(nl);
	test_permissions();
	test_p2p(nl);
	test_unbind_event(ev_nl);
	test_stats(nl);

	fsw_nl_close(ev_nl);
	fsw_nl_close(nl);
	return t_result();
}
