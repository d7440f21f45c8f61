// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation-fault sweep: every ioctl of the UAPI (and open and close of
 * the device, and the netlink family's requests, which run in the
 * sender's sendmsg()) is run again and again with
 * /proc/thread-self/fail-nth set to n = 1, 2, 3 ...: the n-th
 * fault-injection point the call reaches in this task fails.  The sweep
 * of a call ends at the first n the call does not reach (fail-nth reads
 * back non-zero: the fault was not consumed).  The UAPI has no pool
 * ioctl: a pool is its flow's, made by FLOW_CREATE.
 *
 * failslab and fail_page_alloc are set so that GFP_KERNEL allocations are
 * eligible (ignore-gfp-wait=N, min-order=0, ignore-gfp-highmem=N), all
 * quiet (verbose=0).  fail-nth ignores probability, interval and times.
 * The debug kernel also has CONFIG_FAULT_INJECTION_USERCOPY, whose
 * copy_{from,to}_user() points fail-nth counts as well: those give EFAULT.
 *
 * Each injected failure must give a clean error: -1 with an errno of the
 * call's set (ENOMEM, EFAULT, and what the UAPI documents for it), nothing
 * left behind (INFO's nr_flows, nr_ports, host_pool_bytes and nr_files as
 * before the call), and after the descriptor is closed everything back to
 * where the test started.  A call the fault did not make fail must have
 * done its whole job.  No sanitizer line may appear in the kernel log
 * (read from /dev/kmsg after each call's sweep; the harness checks too),
 * and kmemleak, asked at the end, must report nothing of flowswitch.
 *
 * Not covered: allocations of the flow's worker (a kworker, not this task:
 * per-task fail-nth never reaches it).  The data-path op below starts a
 * flow under fail-nth and requires the copy to finish intact.  The worker
 * itself allocates nothing per chunk (the pool is made at creation); what
 * it reaches is the block layer's and the file systems' allocations, and
 * the read-back of FLOWSWITCH_FLOW_VERIFY.  Failing those through
 * failslab's task-filter would mean marking the shared unbound kworkers
 * (make-it-fail) with a probability, not a deterministic n: left out.
 *
 * Prints per call the injection points hit and a summary line
 * "failnth: N points over M ioctls".  Skips (77) without fail-nth or the
 * failslab directory (the stock kernel).
 */
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "flowtest.h"

#define MAX_N 5000
#define FILE_SRC "/tmp/failnth-src"
#define FILE_SINK "/tmp/failnth-sink"
#define FILE_SINK2 "/tmp/failnth-sink2"
#define FILE_KEY "/tmp/failnth-key"
#define COPY_LEN (64 * KiB)
#define P2P_SINK_OFF (128 * MiB) /* B below 255 MiB: scratch */

static int nth_fd = -1, kmsg_fd = -1, observer = -1;
static int fd_a, fd_b, fd_file, fd_sink, fd_sink2, fd_key;
static bool have_p2p;

struct snap {
	unsigned int flows, ports, files;
	unsigned long long pool;
};

static struct snap base;

static struct snap snap_now(void)
{
	struct flowswitch_info in = {.size = sizeof(in)};
	struct snap s = {~0u, ~0u, ~0u, ~0ull};

	if (!ioctl(observer, FLOWSWITCH_IOC_INFO, &in)) {
		s.flows = in.nr_flows;
		s.ports = in.nr_ports;
		s.files = in.nr_files;
		s.pool = in.host_pool_bytes;
	}
	return s;
}

static bool snap_eq(struct snap a, struct snap b)
{
	return a.flows == b.flows && a.ports == b.ports && a.files == b.files &&
	       a.pool == b.pool;
}

#define SNAP_FMT "flows %u ports %u files %u pool %llu"
#define SNAP_ARGS(s) (s).flows, (s).ports, (s).files, (s).pool

/* --- fail-nth --- */

static void arm(unsigned int n)
{
	char b[16];
	int l = snprintf(b, sizeof(b), "%u", n);

	if (pwrite(nth_fd, b, l, 0) != l) {
		fprintf(stderr, "fail-nth: write %u: %m\n", n);
		exit(T_FAIL);
	}
}

/*
 * True when the armed fault was consumed by what ran since arm().  The
 * read's own copy_to_user() is a point too: when it consumes the last
 * count the read fails with EFAULT, which also means "not consumed
 * before".  Then the count is cleared (each failing write consumes one).
 */
static bool disarm(void)
{
	char b[16];
	ssize_t r = pread(nth_fd, b, sizeof(b) - 1, 0);
	bool injected = false;
	int i;

	if (r > 0) {
		b[r] = 0;
		injected = strtoul(b, NULL, 10) == 0;
	}
	for (i = 0; i < 8 && pwrite(nth_fd, "0", 1, 0) != 1; i++)
		;
	return injected;
}

static int write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static void read_str(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t r = fd < 0 ? -1 : read(fd, buf, len - 1);

	buf[r > 0 ? r : 0] = 0;
	buf[strcspn(buf, "\n")] = 0;
	if (fd >= 0)
		close(fd);
}

/* The fault-injection knobs the test sets, and what they were. */
static const char *const knobs[][2] = {
	{"/sys/kernel/debug/failslab/ignore-gfp-wait", "N"},
	{"/sys/kernel/debug/failslab/verbose", "0"},
	{"/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "N"},
	{"/sys/kernel/debug/fail_page_alloc/ignore-gfp-highmem", "N"},
	{"/sys/kernel/debug/fail_page_alloc/min-order", "0"},
	{"/sys/kernel/debug/fail_page_alloc/verbose", "0"},
	{"/sys/kernel/debug/fail_usercopy/verbose", "0"},
};

#define NR_KNOBS (sizeof(knobs) / sizeof(knobs[0]))
static char saved[NR_KNOBS][32];

static int knobs_set(void)
{
	size_t i;

	for (i = 0; i < NR_KNOBS; i++) {
		read_str(knobs[i][0], saved[i], sizeof(saved[i]));
		if (write_str(knobs[i][0], knobs[i][1]) &&
		    !strstr(knobs[i][0], "usercopy")) {
			fprintf(stderr, "cannot set %s: %m\n", knobs[i][0]);
			return -1;
		}
	}
	return 0;
}

static void knobs_restore(void)
{
	size_t i;

	for (i = 0; i < NR_KNOBS; i++)
		if (saved[i][0])
			write_str(knobs[i][0], saved[i]);
}

/* --- the kernel log --- */

static const char *const bad_lines[] = {
	"BUG:",
	"WARNING:",
	"UBSAN:",
	"Oops",
	"general protection fault",
	"Kernel panic",
	"kernel BUG at",
	"unreferenced object",
	"refcount_t:",
	"list_add corruption",
	"list_del corruption",
	"KASAN",
	"possible circular locking",
	"INFO: task",
};

/* Lines logged since the last call that a sanitizer wrote: how many. */
static int kmsg_bad(const char *what)
{
	char rec[2048];
	int bad = 0;
	size_t i;

	if (kmsg_fd < 0)
		return 0;
	for (;;) {
		ssize_t r = read(kmsg_fd, rec, sizeof(rec) - 1);

		if (r < 0 && errno == EPIPE)
			continue; /* overwritten records: go on */
		if (r <= 0)
			break;
		rec[r] = 0;
		for (i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++)
			if (strstr(rec, bad_lines[i])) {
				fprintf(stderr, "%s: kernel log: %s", what,
					strchr(rec, ';') ? strchr(rec, ';') + 1
							 : rec);
				bad++;
				break;
			}
	}
	return bad;
}

/* --- the calls --- */

struct st {
	int fsw;
	int port_a, port_b, port_file, port_sink, port_sink2;
	int flow;
	struct flowswitch_port_create pc;
	struct flowswitch_flow_create fc;
	struct flowswitch_sink sinks[2];
	struct flowswitch_transform xf[2];
	struct flowswitch_flow_ctl ctl;
	struct flowswitch_flow_query q;
	struct flowswitch_flow_wait w;
	struct flowswitch_destroy d;
	struct flowswitch_info info;
	struct flowswitch_port_create tp[3];
	struct flowswitch_flow_create tf[2];
	struct flowswitch_sink tsinks[3];
	struct flowswitch_txn_item items[5];
	struct flowswitch_txn txn;
	struct flowswitch_p2p_explain ex;
	__u32 ex_ports[2];
	struct flowswitch_p2p_verdict verdicts[2];
	struct snap pre;
	bool injected; /* the call consumed the fault */
	int nl; /* a generic netlink socket */
};

static int port(int fsw, int fd, unsigned int flags)
{
	struct flowswitch_port_create pc = {
		.size = sizeof(pc),
		.flags = flags,
		.fd = fd,
	};

	return ioctl(fsw, FLOWSWITCH_IOC_PORT_CREATE, &pc)
		       ? -errno
		       : (int)pc.out_port_id;
}

/* A host flow of COPY_LEN from A's start into the sink file. */
static void host_flow_cmd(struct st *s, unsigned long long rate)
{
	memset(&s->fc, 0, sizeof(s->fc));
	memset(s->sinks, 0, sizeof(s->sinks));
	s->fc.size = sizeof(s->fc);
	s->fc.src_port_id = s->port_a;
	s->fc.nr_sinks = 1;
	s->fc.sinks_uptr = (uintptr_t)s->sinks;
	s->fc.length = rate ? 4 * MiB : COPY_LEN;
	s->fc.chunk_size = 16 * KiB;
	s->fc.depth = 2;
	s->fc.rate_bps = rate;
	s->sinks[0].port_id = s->port_sink;
}

static int setup_ports(struct st *s)
{
	s->port_a = port(s->fsw, fd_a, FLOWSWITCH_PORT_READ);
	s->port_sink = port(s->fsw, fd_sink, FLOWSWITCH_PORT_WRITE);
	return s->port_a > 0 && s->port_sink > 0 ? 0 : -1;
}

static int setup_flow(struct st *s)
{
	if (setup_ports(s))
		return -1;
	host_flow_cmd(s, 0);
	s->flow = fsw_flow_create(s->fsw, &s->fc);
	return s->flow > 0 ? 0 : -1;
}

/* A flow slow enough to be caught running: 4 MiB at 256 KiB/s. */
static int setup_running(struct st *s)
{
	if (setup_ports(s))
		return -1;
	host_flow_cmd(s, 256 * KiB);
	s->flow = fsw_flow_create(s->fsw, &s->fc);
	if (s->flow <= 0 ||
	    fsw_flow_ctl(s->fsw, s->flow, FLOWSWITCH_FLOW_START))
		return -1;
	return 0;
}

static int setup_paused(struct st *s)
{
	if (setup_running(s))
		return -1;
	return fsw_flow_ctl(s->fsw, s->flow, FLOWSWITCH_FLOW_PAUSE) ? -1 : 0;
}

static int setup_done(struct st *s)
{
	unsigned int state;

	if (setup_flow(s) ||
	    fsw_flow_ctl(s->fsw, s->flow, FLOWSWITCH_FLOW_START) ||
	    fsw_flow_wait(s->fsw, s->flow, 60000, &state) ||
	    state != FLOWSWITCH_FLOW_DONE)
		return -1;
	return 0;
}

static int setup_p2p_ports(struct st *s)
{
	s->port_a = port(s->fsw, fd_a, FLOWSWITCH_PORT_READ);
	s->port_b = port(s->fsw, fd_b, FLOWSWITCH_PORT_WRITE);
	return s->port_a > 0 && s->port_b > 0 ? 0 : -1;
}

static int setup_close(struct st *s)
{
	if (setup_running(s))
		return -1;
	host_flow_cmd(s, 0);
	return fsw_flow_create(s->fsw, &s->fc) > 0 ? 0 : -1;
}

#define ERRNO_OR_0(expr) ((expr) ? errno : 0)

static int call_open(struct st *s)
{
	s->fsw = open("/dev/flowswitch", O_RDWR | O_CLOEXEC);
	return s->fsw < 0 ? errno : 0;
}

static int call_close(struct st *s)
{
	int r = close(s->fsw);

	s->fsw = -1;
	return r ? errno : 0;
}

static int call_info(struct st *s)
{
	memset(&s->info, 0, sizeof(s->info));
	s->info.size = sizeof(s->info);
	return ERRNO_OR_0(ioctl(s->fsw, FLOWSWITCH_IOC_INFO, &s->info));
}

static int call_port(struct st *s, int fd, unsigned int flags)
{
	memset(&s->pc, 0, sizeof(s->pc));
	s->pc.size = sizeof(s->pc);
	s->pc.flags = flags;
	s->pc.fd = fd;
	return ERRNO_OR_0(ioctl(s->fsw, FLOWSWITCH_IOC_PORT_CREATE, &s->pc));
}

static int call_port_file(struct st *s)
{
	return call_port(s, fd_file,
			 FLOWSWITCH_PORT_READ | FLOWSWITCH_PORT_WRITE);
}

static int call_port_block(struct st *s)
{
	return call_port(s, fd_a, FLOWSWITCH_PORT_READ);
}

static int call_flow_host(struct st *s)
{
	host_flow_cmd(s, 0);
	return ERRNO_OR_0(ioctl(s->fsw, FLOWSWITCH_IOC_FLOW_CREATE, &s->fc));
}

/* Two stages: sha256 of the bytes read, then ctr(aes), key from a file. */
static int call_flow_stages(struct st *s)
{
	host_flow_cmd(s, 0);
	memset(s->xf, 0, sizeof(s->xf));
	s->xf[0].kind = FLOWSWITCH_XFORM_DIGEST;
	strcpy(s->xf[0].alg, "sha256");
	s->xf[1].kind = FLOWSWITCH_XFORM_ENCRYPT;
	strcpy(s->xf[1].alg, "ctr(aes)");
	s->xf[1].flags = FLOWSWITCH_XFORM_KEY_FD;
	s->xf[1].key_fd = fd_key;
	s->xf[1].key_len = 32;
	s->fc.nr_stages = 2;
	s->fc.stages_uptr = (uintptr_t)s->xf;
	return ERRNO_OR_0(ioctl(s->fsw, FLOWSWITCH_IOC_FLOW_CREATE, &s->fc));
}

static int call_flow_p2p(struct st *s)
{
	memset(&s->fc, 0, sizeof(s->fc));
	memset(s->sinks, 0, sizeof(s->sinks));
	s->fc.size = sizeof(s->fc);
	s->fc.src_port_id = s->port_a;
	s->fc.nr_sinks = 1;
	s->fc.sinks_uptr = (uintptr_t)s->sinks;
	s->fc.length = COPY_LEN;
	s->fc.chunk_size = COPY_LEN;
	s->fc.depth = 1;
	s->fc.placement = FLOWSWITCH_P2P_REQUIRED;
	s->sinks[0].port_id = s->port_b;
	s->sinks[0].offset = P2P_SINK_OFF;
	return ERRNO_OR_0(ioctl(s->fsw, FLOWSWITCH_IOC_FLOW_CREATE, &s->fc));
}

static int call_ctl(struct st *s, unsigned int op)
{
	memset(&s->ctl, 0, sizeof(s->ctl));
	s->ctl.size = sizeof(s->ctl);
	s->ctl.flow_id = s->flow;
	s->ctl.op = op;
	return ERRNO_OR_0(ioctl(s->fsw, FLOWSWITCH_IOC_FLOW_CTL, &s->ctl));
}

static int call_start(struct st *s)
{
	return call_ctl(s, FLOWSWITCH_FLOW_START);
}

static int call_pause(struct st *s)
{
	return call_ctl(s, FLOWSWITCH_FLOW_PAUSE);
}

static int call_resume(struct st *s)
{
	return call_ctl(s, FLOWSWITCH_FLOW_RESUME);
}

static int call_stop(struct st *s)
{
	return call_ctl(s, FLOWSWITCH_FLOW_STOP);
}

static int call_query(struct st *s)
{
	memset(&s->q, 0, sizeof(s->q));
	s->q.size = sizeof(s->q);
	s->q.flow_id = s->flow;
	return ERRNO_OR_0(ioctl(s->fsw, FLOWSWITCH_IOC_FLOW_QUERY, &s->q));
}

static int call_wait(struct st *s)
{
	memset(&s->w, 0, sizeof(s->w));
	s->w.size = sizeof(s->w);
	s->w.flow_id = s->flow;
	s->w.timeout_ms = 10000;
	return ERRNO_OR_0(ioctl(s->fsw, FLOWSWITCH_IOC_FLOW_WAIT, &s->w));
}

static int call_destroy(struct st *s, int id)
{
	memset(&s->d, 0, sizeof(s->d));
	s->d.size = sizeof(s->d);
	s->d.id = id;
	return ERRNO_OR_0(ioctl(s->fsw, FLOWSWITCH_IOC_DESTROY, &s->d));
}

static int call_destroy_port(struct st *s)
{
	return call_destroy(s, s->port_a);
}

static int call_destroy_flow(struct st *s)
{
	return call_destroy(s, s->flow);
}

#define TXN_NR 5

/*
 * Ports: A (0), the sink file (1), the second sink file (2); flows 0 -> 1
 * (3) and 0 -> {1 at 1 MiB, 2} (4); all started.
 */
static int call_txn(struct st *s)
{
	int fds[3] = {fd_a, fd_sink, fd_sink2}, i;
	unsigned int fl[3] = {FLOWSWITCH_PORT_READ, FLOWSWITCH_PORT_WRITE,
			      FLOWSWITCH_PORT_WRITE};

	memset(s->tp, 0, sizeof(s->tp));
	memset(s->tf, 0, sizeof(s->tf));
	memset(s->tsinks, 0, sizeof(s->tsinks));
	memset(s->items, 0, sizeof(s->items));
	for (i = 0; i < 3; i++) {
		s->tp[i].size = sizeof(s->tp[i]);
		s->tp[i].flags = fl[i];
		s->tp[i].fd = fds[i];
		s->items[i].op = FLOWSWITCH_TXN_PORT_CREATE;
		s->items[i].cmd_uptr = (uintptr_t)&s->tp[i];
	}
	s->tsinks[0].port_id = FLOWSWITCH_TXN_REF(1);
	s->tsinks[1].port_id = FLOWSWITCH_TXN_REF(1);
	s->tsinks[1].offset = 1 * MiB;
	s->tsinks[2].port_id = FLOWSWITCH_TXN_REF(2);
	for (i = 0; i < 2; i++) {
		struct flowswitch_flow_create *f = &s->tf[i];

		f->size = sizeof(*f);
		f->src_port_id = FLOWSWITCH_TXN_REF(0);
		f->nr_sinks = i + 1;
		f->sinks_uptr = (uintptr_t)&s->tsinks[i];
		f->length = COPY_LEN;
		f->chunk_size = 16 * KiB;
		f->depth = 2;
		s->items[3 + i].op = FLOWSWITCH_TXN_FLOW_CREATE;
		s->items[3 + i].cmd_uptr = (uintptr_t)f;
	}
	memset(&s->txn, 0, sizeof(s->txn));
	s->txn.size = sizeof(s->txn);
	s->txn.flags = FLOWSWITCH_TXN_START;
	s->txn.nr_items = TXN_NR;
	s->txn.items_uptr = (uintptr_t)s->items;
	s->txn.out_failed_item = 0xdead; /* a lost report stays so */
	return ERRNO_OR_0(ioctl(s->fsw, FLOWSWITCH_IOC_TXN, &s->txn));
}

static int call_explain(struct st *s)
{
	memset(&s->ex, 0, sizeof(s->ex));
	memset(s->verdicts, 0, sizeof(s->verdicts));
	s->ex_ports[0] = s->port_a;
	s->ex_ports[1] = s->port_b;
	s->ex.size = sizeof(s->ex);
	s->ex.nr_ports = 2;
	s->ex.ports_uptr = (uintptr_t)s->ex_ports;
	s->ex.nr_verdicts = 2;
	s->ex.verdict_size = sizeof(s->verdicts[0]);
	s->ex.verdicts_uptr = (uintptr_t)s->verdicts;
	return ERRNO_OR_0(ioctl(s->fsw, FLOWSWITCH_IOC_P2P_EXPLAIN, &s->ex));
}

/* --- the netlink family: requests run in the sender's sendmsg() --- */

static int nl_family;

struct nl_req {
	struct nlmsghdr n;
	struct genlmsghdr g;
	char attrs[64];
};

static int nl_send(int sock, int type, int cmd, int flags, const char *name)
{
	struct nl_req req = {
		.n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN),
		.n.nlmsg_type = type,
		.n.nlmsg_flags = NLM_F_REQUEST | flags,
		.n.nlmsg_seq = 1,
		.g.cmd = cmd,
		.g.version = 1,
	};

	if (name) {
		struct nlattr *a = (void *)req.attrs;

		a->nla_type = CTRL_ATTR_FAMILY_NAME;
		a->nla_len = NLA_HDRLEN + strlen(name) + 1;
		strcpy(req.attrs + NLA_HDRLEN, name);
		req.n.nlmsg_len += NLA_ALIGN(a->nla_len);
	}
	return send(sock, &req, req.n.nlmsg_len, 0) < 0 ? errno : 0;
}

/*
 * Read the answers up to the dump's end or the one reply: 0, or the
 * positive errno the kernel answered with.  @family_id: the
 * CTRL_ATTR_FAMILY_ID found, when not NULL.
 */
static int nl_recv(int sock, int *family_id)
{
	static char buf[32768];

	for (;;) {
		ssize_t r = recv(sock, buf, sizeof(buf), 0);
		struct nlmsghdr *n = (void *)buf;
		bool more = false;

		if (r < 0)
			return errno;
		for (; NLMSG_OK(n, r); n = NLMSG_NEXT(n, r)) {
			if (n->nlmsg_type == NLMSG_ERROR)
				return -((struct nlmsgerr *)NLMSG_DATA(n))
						->error;
			/* A dump's end carries its error, if any. */
			if (n->nlmsg_type == NLMSG_DONE)
				return n->nlmsg_len >= NLMSG_LENGTH(sizeof(int))
					       ? -*(int *)NLMSG_DATA(n)
					       : 0;
			if (family_id) {
				struct nlattr *a =
					(void *)((char *)NLMSG_DATA(n) +
						 GENL_HDRLEN);
				int left = n->nlmsg_len -
					   NLMSG_LENGTH(GENL_HDRLEN);

				for (; left >= NLA_HDRLEN &&
				       a->nla_len >= NLA_HDRLEN;
				     left -= NLA_ALIGN(a->nla_len),
				     a = (void *)((char *)a +
						  NLA_ALIGN(a->nla_len)))
					if (a->nla_type == CTRL_ATTR_FAMILY_ID)
						*family_id =
							*(uint16_t *)(a + 1);
			}
			more = n->nlmsg_flags & NLM_F_MULTI;
		}
		if (!more)
			return 0;
	}
}

static int nl_open(void)
{
	struct timeval tv = {5, 0};
	int sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);

	if (sock >= 0)
		setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return sock;
}

/* A socket, and something for the dumps to show: a running flow. */
static int setup_nl(struct st *s)
{
	s->nl = nl_open();
	return s->nl < 0 ? -1 : setup_running(s);
}

static int call_nl(struct st *s, int cmd, int flags)
{
	return nl_send(s->nl, nl_family, cmd, flags, NULL);
}

static int call_nl_stats(struct st *s)
{
	return call_nl(s, FLOWSWITCH_NL_CMD_GET_STATS, 0);
}

static int call_nl_ports(struct st *s)
{
	return call_nl(s, FLOWSWITCH_NL_CMD_GET_PORT, NLM_F_DUMP);
}

static int call_nl_flows(struct st *s)
{
	return call_nl(s, FLOWSWITCH_NL_CMD_GET_FLOW, NLM_F_DUMP);
}

static int call_nl_pools(struct st *s)
{
	return call_nl(s, FLOWSWITCH_NL_CMD_GET_POOL, NLM_F_DUMP);
}

static int call_nl_explain(struct st *s)
{
	return call_nl(s, FLOWSWITCH_NL_CMD_P2P_EXPLAIN, NLM_F_DUMP);
}

/*
 * What the request got back, read without faults: a fault in the handler
 * or the dump's first pass may fail the request (ENOMEM; EMSGSIZE or
 * ENOBUFS when a message could not be built), else it must succeed.
 */
static void after_nl(struct st *s, int err)
{
	int got = err ? 0 : nl_recv(s->nl, NULL);

	CHECK(!got || (s->injected &&
		       (got == ENOMEM || got == EMSGSIZE || got == ENOBUFS)),
	      "netlink answer: %s%s", strerror(got),
	      s->injected ? "" : " (no fault injected)");
	close(s->nl);
}

/* --- what each call must have left --- */

static unsigned int state_of(struct st *s, int flow)
{
	struct flowswitch_flow_query q;

	return fsw_flow_query(s->fsw, flow, &q) ? 0 : q.state;
}

/* A's first @len bytes at @off of @fd. */
static bool copied(int fd, unsigned long long off, size_t len)
{
	static uint8_t a[COPY_LEN], b[COPY_LEN];

	return pread(fd_a, a, len, 0) == (ssize_t)len &&
	       pread(fd, b, len, off) == (ssize_t)len && !memcmp(a, b, len);
}

/* The flow runs to DONE and moved everything, intact. */
static void check_done(struct st *s, int flow, int fd, unsigned long long off,
		       const char *what)
{
	struct flowswitch_flow_query q;
	unsigned int state = 0;

	CHECK(!fsw_flow_wait(s->fsw, flow, 60000, &state) &&
		      state == FLOWSWITCH_FLOW_DONE,
	      "%s: flow %d ended in state %u", what, flow, state);
	CHECK(!fsw_flow_query(s->fsw, flow, &q) && q.bytes_done == COPY_LEN,
	      "%s: bytes_done %llu", what, (unsigned long long)q.bytes_done);
	CHECK(copied(fd, off, COPY_LEN), "%s: data differ", what);
}

static void after_none(struct st *s, int err)
{
	(void)s;
	(void)err;
}

static void after_open(struct st *s, int err)
{
	struct snap now = snap_now();

	if (!err)
		CHECK(now.files == s->pre.files + 1, "open: files %u -> %u",
		      s->pre.files, now.files);
}

static void after_info(struct st *s, int err)
{
	if (!err)
		CHECK(s->info.abi_major == FLOWSWITCH_ABI_MAJOR &&
			      s->info.nr_ports == s->pre.ports,
		      "info: abi %u ports %u", s->info.abi_major,
		      s->info.nr_ports);
}

static void after_port(struct st *s, int err)
{
	struct snap now = snap_now();

	if (!err)
		CHECK(s->pc.out_port_id > 0 && now.ports == s->pre.ports + 1,
		      "port: id %u, ports %u -> %u", s->pc.out_port_id,
		      s->pre.ports, now.ports);
}

static void after_flow(struct st *s, int err)
{
	struct snap now = snap_now();

	if (!err)
		CHECK(s->fc.out_flow_id > 0 && now.flows == s->pre.flows + 1,
		      "flow: id %u, flows %u -> %u", s->fc.out_flow_id,
		      s->pre.flows, now.flows);
}

static void after_flow_stages(struct st *s, int err)
{
	after_flow(s, err);
	if (!err)
		CHECK(s->xf[0].out_digest_len == 32 && s->xf[1].out_driver[0],
		      "stages: digest %u bytes, cipher by '%s'",
		      s->xf[0].out_digest_len, s->xf[1].out_driver);
}

static void after_flow_p2p(struct st *s, int err)
{
	after_flow(s, err);
	if (!err)
		CHECK(s->fc.out_pool == FLOWSWITCH_POOL_P2P, "pool %u",
		      s->fc.out_pool);
	if (err == EXDEV)
		CHECK(s->fc.out_p2p_reason == FLOWSWITCH_P2P_SELFTEST_ERROR ||
			      s->fc.out_p2p_reason == FLOWSWITCH_P2P_NO_MEMORY,
		      "EXDEV with reason %u", s->fc.out_p2p_reason);
}

/* The data path: started under the fault, the copy must finish. */
static void after_start(struct st *s, int err)
{
	if (err) {
		CHECK(state_of(s, s->flow) == FLOWSWITCH_FLOW_CREATED,
		      "start failed, state %u", state_of(s, s->flow));
		return;
	}
	check_done(s, s->flow, fd_sink, 0, "start");
}

static void after_ctl(struct st *s, int err, unsigned int was, unsigned int now)
{
	unsigned int st = state_of(s, s->flow);

	/* A rate-limited flow of 16 s: still where it was, or moved on. */
	CHECK(st == (err ? was : now), "ctl %u: %s, state %u", s->ctl.op,
	      err ? strerror(err) : "ok", st);
}

static void after_pause(struct st *s, int err)
{
	after_ctl(s, err, FLOWSWITCH_FLOW_RUNNING, FLOWSWITCH_FLOW_PAUSED);
}

static void after_resume(struct st *s, int err)
{
	after_ctl(s, err, FLOWSWITCH_FLOW_PAUSED, FLOWSWITCH_FLOW_RUNNING);
}

static void after_stop(struct st *s, int err)
{
	after_ctl(s, err, FLOWSWITCH_FLOW_RUNNING, FLOWSWITCH_FLOW_STOPPED);
}

static void after_query(struct st *s, int err)
{
	if (!err)
		CHECK(s->q.state == FLOWSWITCH_FLOW_CREATED &&
			      s->q.length == COPY_LEN,
		      "query: state %u length %llu", s->q.state,
		      (unsigned long long)s->q.length);
}

static void after_wait(struct st *s, int err)
{
	if (!err)
		CHECK(s->w.out_state == FLOWSWITCH_FLOW_DONE, "wait: state %u",
		      s->w.out_state);
}

static void after_destroy_port(struct st *s, int err)
{
	struct snap now = snap_now();

	CHECK(now.ports == s->pre.ports - !err, "destroy port: %s, %u -> %u",
	      err ? strerror(err) : "ok", s->pre.ports, now.ports);
}

static void after_destroy_flow(struct st *s, int err)
{
	struct snap now = snap_now();

	CHECK(now.flows == s->pre.flows - !err &&
		      (err || now.pool < s->pre.pool),
	      "destroy flow: %s, flows %u -> %u", err ? strerror(err) : "ok",
	      s->pre.flows, now.flows);
}

static void after_txn(struct st *s, int err)
{
	struct snap now = snap_now();
	unsigned int item = s->txn.out_failed_item;

	if (err) {
		CHECK(item == 0xdead ||
			      (item < TXN_NR &&
			       s->txn.out_failed_errno == (unsigned int)err) ||
			      (item == ~0u &&
			       s->txn.out_failed_errno == (unsigned int)err),
		      "txn: %s, failed item %u errno %u", strerror(err), item,
		      s->txn.out_failed_errno);
		return;
	}
	CHECK(item == ~0u && now.ports == s->pre.ports + 3 &&
		      now.flows == s->pre.flows + 2,
	      "txn: failed item %u, " SNAP_FMT, item, SNAP_ARGS(now));
	check_done(s, s->tf[0].out_flow_id, fd_sink, 0, "txn flow 0");
	check_done(s, s->tf[1].out_flow_id, fd_sink2, 0, "txn flow 1");
	CHECK(copied(fd_sink, 1 * MiB, COPY_LEN), "txn flow 1 sink 0");
}

static void after_explain(struct st *s, int err)
{
	/* A fault in the kernel's own P2PDMA code may change the verdict. */
	if (!err)
		CHECK(s->ex.nr_verdicts == 2 &&
			      (s->injected ||
			       s->ex.reason == FLOWSWITCH_P2P_OK),
		      "explain: %u verdicts, reason %u", s->ex.nr_verdicts,
		      s->ex.reason);
}

struct op {
	const char *name;
	int (*setup)(struct st *s);
	int (*call)(struct st *s);
	void (*after)(struct st *s, int err);
	int errnos[4]; /* besides ENOMEM and EFAULT */
	bool p2p; /* needs p2p memory */
	bool creates; /* a failure must leave the counters as they were */
};

/* NAME, setup, call, after, needs p2p, checks counters, extra errnos */
#define OP(n, su, c, a, p, cr, ...)               \
	{                                         \
		n, su, c, a, {__VA_ARGS__}, p, cr \
	}

static const struct op ops[] = {
	OP("OPEN", NULL, call_open, after_open, false, true),
	OP("INFO", NULL, call_info, after_info, false, true),
	OP("PORT_CREATE file", NULL, call_port_file, after_port, false, true),
	OP("PORT_CREATE block", NULL, call_port_block, after_port, false, true),
	OP("FLOW_CREATE host", setup_ports, call_flow_host, after_flow, false,
	   true),
	OP("FLOW_CREATE stages", setup_ports, call_flow_stages,
	   after_flow_stages, false, true),
	OP("FLOW_CREATE p2p", setup_p2p_ports, call_flow_p2p, after_flow_p2p,
	   true, true, EXDEV),
	OP("FLOW_CTL START (data path)", setup_flow, call_start, after_start,
	   false, true),
	OP("FLOW_CTL PAUSE", setup_running, call_pause, after_pause, false,
	   true),
	OP("FLOW_CTL RESUME", setup_paused, call_resume, after_resume, false,
	   true),
	OP("FLOW_CTL STOP", setup_running, call_stop, after_stop, false, true),
	OP("FLOW_QUERY", setup_flow, call_query, after_query, false, true),
	OP("FLOW_WAIT", setup_done, call_wait, after_wait, false, true),
	OP("DESTROY port", setup_ports, call_destroy_port, after_destroy_port,
	   false, true),
	OP("DESTROY flow", setup_running, call_destroy_flow, after_destroy_flow,
	   false, true),
	OP("TXN (3 ports, 2 flows, START)", NULL, call_txn, after_txn, false,
	   true),
	OP("P2P_EXPLAIN", setup_p2p_ports, call_explain, after_explain, true,
	   true),
	OP("CLOSE (flows running)", setup_close, call_close, after_none, false,
	   false),
	OP("NL GET_STATS", setup_nl, call_nl_stats, after_nl, false, true,
	   ENOBUFS),
	OP("NL GET_PORT dump", setup_nl, call_nl_ports, after_nl, false, true,
	   ENOBUFS),
	OP("NL GET_FLOW dump", setup_nl, call_nl_flows, after_nl, false, true,
	   ENOBUFS),
	OP("NL GET_POOL dump", setup_nl, call_nl_pools, after_nl, false, true,
	   ENOBUFS),
	OP("NL P2P_EXPLAIN dump", setup_nl, call_nl_explain, after_nl, true,
	   true, ENOBUFS),
};

#define NR_OPS (sizeof(ops) / sizeof(ops[0]))

static bool errno_ok(const struct op *op, int err)
{
	size_t i;

	if (err == ENOMEM || err == EFAULT)
		return true;
	for (i = 0; i < sizeof(op->errnos) / sizeof(op->errnos[0]); i++)
		if (op->errnos[i] && op->errnos[i] == err)
			return true;
	return false;
}

struct tally {
	unsigned int points, enomem, efault, other, ok;
};

/* Sweep one call; the number of injection points it reached. */
static unsigned int sweep(const struct op *op, struct tally *t)
{
	unsigned int n;

	memset(t, 0, sizeof(*t));
	for (n = 1; n <= MAX_N; n++) {
		struct st s = {.fsw = -1};
		struct snap now;
		bool injected;
		int err;

		if (op->call != call_open) {
			s.fsw = fsw_open(NULL);
			if (s.fsw < 0 || (op->setup && op->setup(&s))) {
				fprintf(stderr,
					"%s: setup failed at n=%u: %m\n",
					op->name, n);
				t_failures++;
				if (s.fsw >= 0)
					close(s.fsw);
				break;
			}
		}
		s.pre = snap_now();
		arm(n);
		err = op->call(&s);
		injected = disarm();
		s.injected = injected;

		if (!injected) {
			CHECK(!err, "%s: n=%u: not injected yet failed: %s",
			      op->name, n, strerror(err));
		} else {
			t->points++;
			if (!err) {
				t->ok++;
			} else {
				if (err == ENOMEM)
					t->enomem++;
				else if (err == EFAULT)
					t->efault++;
				else
					t->other++;
				CHECK(errno_ok(op, err), "%s: n=%u: errno %s",
				      op->name, n, strerror(err));
				now = snap_now();
				CHECK(!op->creates || snap_eq(now, s.pre),
				      "%s: n=%u: %s left " SNAP_FMT
				      ", was " SNAP_FMT,
				      op->name, n, strerror(err),
				      SNAP_ARGS(now), SNAP_ARGS(s.pre));
			}
		}
		op->after(&s, err);
		if (s.fsw >= 0)
			close(s.fsw);
		now = snap_now();
		CHECK(snap_eq(now, base),
		      "%s: n=%u: after close " SNAP_FMT ", started " SNAP_FMT,
		      op->name, n, SNAP_ARGS(now), SNAP_ARGS(base));
		if (!injected)
			break;
	}
	CHECK(n <= MAX_N, "%s: still injecting at n=%u", op->name, MAX_N);
	return t->points;
}

/* kmemleak's report, after a scan: reports naming flowswitch. */
static int kmemleak_check(void)
{
	static char buf[1 << 16];
	const char *path = "/sys/kernel/debug/kmemleak";
	int fd, bad = 0;
	ssize_t r;

	if (access(path, W_OK))
		return 0;
	sleep(6); /* kmemleak reports objects older than 5 s */
	write_str(path, "scan");
	write_str(path, "scan");
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[r > 0 ? r : 0] = 0;
	if (strstr(buf, "fsw_") || strstr(buf, "flowswitch")) {
		fprintf(stderr, "kmemleak:\n%s\n", buf);
		bad = 1;
	} else if (r > 0) {
		printf("kmemleak reports objects not of flowswitch:\n%s\n",
		       buf);
	}
	return bad;
}

static int open_files(void)
{
	const char *a = nvme_by_serial("fswA"), *b = nvme_by_serial("fswB");
	static uint8_t buf[COPY_LEN];
	int fd;

	if (!a || !b)
		return -1;
	fd_a = open(a, O_RDONLY);
	fd_b = open(b, O_RDWR);
	fd = open(FILE_SRC, O_RDWR | O_CREAT | O_TRUNC, 0600);
	fd_sink = open(FILE_SINK, O_RDWR | O_CREAT | O_TRUNC, 0600);
	fd_sink2 = open(FILE_SINK2, O_RDWR | O_CREAT | O_TRUNC, 0600);
	fd_key = open(FILE_KEY, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd_a < 0 || fd_b < 0 || fd < 0 || fd_sink < 0 || fd_sink2 < 0 ||
	    fd_key < 0)
		return -1;
	memset(buf, 0x5a, sizeof(buf));
	if (pwrite(fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf) ||
	    pwrite(fd_key, buf, 32, 0) != 32)
		return -1;
	fd_file = fd;
	return 0;
}

int main(void)
{
	struct flowswitch_info in;
	struct tally t;
	unsigned int total = 0, ran = 0, other = 0, nother = 0;
	const char *env = getenv("FSW_FAILNTH_ROUNDS");
	size_t i, round, rounds = env && atoi(env) > 0 ? atoi(env) : 1;
	struct timespec t0, t1;

	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	if (nth_fd < 0 || access("/sys/kernel/debug/failslab", F_OK)) {
		printf("failnth: no fail-nth or failslab: skip\n");
		return T_SKIP;
	}
	observer = fsw_open(NULL);
	if (observer < 0 || fsw_info(observer, &in) || open_files()) {
		fprintf(stderr, "setup: %m\n");
		return T_FAIL;
	}
	have_p2p = (in.features & FLOWSWITCH_FEATURE_P2PDMA) &&
		   in.p2pmem_providers > 0;
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (kmsg_fd >= 0)
		lseek(kmsg_fd, 0, SEEK_END);
	/* No page fault of ours between arm() and disarm(). */
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		fprintf(stderr, "mlockall: %m (going on)\n");
	if (knobs_set()) {
		knobs_restore();
		return T_FAIL;
	}
	{
		int sock = nl_open();

		if (sock < 0 ||
		    nl_send(sock, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0,
			    FLOWSWITCH_GENL_NAME) ||
		    nl_recv(sock, &nl_family) || !nl_family)
			fprintf(stderr, "no netlink family: %m\n");
		if (sock >= 0)
			close(sock);
	}
	/*
	 * The crypto API builds "ctr(aes)" from its template on first use,
	 * in a helper thread whose failure it reports as ENOENT: do that
	 * once without faults, so the sweep sees the module's own paths.
	 */
	{
		struct st s = {.fsw = fsw_open(NULL)};

		if (s.fsw < 0 || setup_ports(&s) || call_flow_stages(&s))
			fprintf(stderr,
				"warm-up of the stages: %m (going on)\n");
		close(s.fsw);
	}
	base = snap_now();
	clock_gettime(CLOCK_MONOTONIC, &t0);

	/* FSW_FAILNTH_ROUNDS repeats the sweep (the long mode): timing. */
	for (i = 0; i < NR_OPS * rounds; i++) {
		const struct op *op = &ops[i % NR_OPS];
		int bad;

		round = i / NR_OPS;

		if (op->call == call_nl_stats && !nl_family)
			t_failures++;
		if (op->p2p && !have_p2p) {
			if (!round)
				printf("failnth: %-30s skipped (no p2p "
				       "memory)\n",
				       op->name);
			continue;
		}
		/* The summary counts ioctls; open, close, netlink apart. */
		if (!strncmp(op->name, "OPEN", 4) ||
		    !strncmp(op->name, "CLOSE", 5) ||
		    !strncmp(op->name, "NL ", 3)) {
			other += sweep(op, &t);
			nother++;
		} else {
			total += sweep(op, &t);
			ran++;
		}
		bad = kmsg_bad(op->name);
		CHECK(!bad, "%s: %d sanitizer lines", op->name, bad);
		if (round)
			continue;
		printf("failnth: %-30s %3u points (ENOMEM %u, EFAULT %u, other "
		       "%u, succeeded %u)\n",
		       op->name, t.points, t.enomem, t.efault, t.other, t.ok);
		fflush(stdout);
	}
	knobs_restore();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("failnth: %u more points over %u other calls (open, close, "
	       "netlink requests)\n",
	       other, nother);
	printf("failnth: %u points over %u ioctls (%.1f s)\n", total, ran,
	       t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	printf("FIGURE t-failnth injections=%u ioctl_points=%u ioctls=%u "
	       "other_points=%u rounds=%zu secs=%.1f\n",
	       total + other, total, ran, other, rounds,
	       t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	close(observer);
	CHECK(!kmemleak_check(), "kmemleak reports flowswitch objects");
	unlink(FILE_SRC);
	unlink(FILE_SINK);
	unlink(FILE_SINK2);
	unlink(FILE_KEY);
	return t_result();
}
