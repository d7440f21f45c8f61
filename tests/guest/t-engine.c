// SPDX-License-Identifier: GPL-2.0
/*
 * daemon/engine.h on both engines in one guest: the module's (through
 * /dev/flowswitch) and the embedded io_uring one.  Each scenario runs on
 * both and must give the same answers: the same errno and failed item for
 * every refusal, the same final query of a copy (state, bytes, counters),
 * the same failure of a source that shrinks, the same event sequence, the
 * same op table -- and byte-exact copies.  Files on the guest's tmpfs, so
 * both engines run buffered (no direct I/O on tmpfs) and count alike.
 */
#include <limits.h>
#include <poll.h>
#include <sys/stat.h>

#include "../../daemon/engine.h"
#include "flowtest.h"

#define DIR "/tmp/t-engine"

static const char *path(const char *name)
{
	static char buf[4][128];
	static int n;
	char *p = buf[n++ % 4];

	snprintf(p, 128, DIR "/%s", name);
	return p;
}

static void make_file(const char *name, uint64_t size, uint64_t seed)
{
	int fd = open(path(name), O_WRONLY | O_CREAT | O_TRUNC, 0644);

	CHECK(fd >= 0 && !pattern_write(fd, 0, 0, size, seed), "%s: %m", name);
	close(fd);
}

static bool same_bytes(const char *a, uint64_t a_off, const char *b,
		       uint64_t b_off, uint64_t len)
{
	return same_range(path(a), a_off, path(b), b_off, len);
}

struct plan {
	struct flowswitch_port_create pc[3];
	struct flowswitch_sink sinks[2];
	struct flowswitch_flow_create fc;
	struct flowswitch_txn_item items[4];
	struct flowswitch_txn txn;
	int fds[3];
};

/* Source "src", sinks "dst0" (and "dst1" when @nr is 2), one flow. */
static void plan_init(struct plan *p, unsigned int nr)
{
	unsigned int i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i <= nr; i++) {
		char name[8];

		snprintf(name, sizeof(name), "dst%u", i - 1);
		if (i)
			unlink(path(name));
		p->fds[i] = open(path(i ? name : "src"),
				 i ? O_WRONLY | O_CREAT : O_RDONLY, 0644);
		CHECK(p->fds[i] >= 0, "%m");
		p->pc[i].size = sizeof(p->pc[i]);
		p->pc[i].flags = i ? FLOWSWITCH_PORT_WRITE : FLOWSWITCH_PORT_READ;
		p->pc[i].fd = p->fds[i];
		p->items[i].op = FLOWSWITCH_TXN_PORT_CREATE;
		p->items[i].cmd_uptr = (uintptr_t)&p->pc[i];
		if (i) {
			p->sinks[i - 1].port_id = FLOWSWITCH_TXN_REF(i);
			p->sinks[i - 1].offset = (i - 1) * 1000;
		}
	}
	p->fc.size = sizeof(p->fc);
	p->fc.flags = FLOWSWITCH_FLOW_TO_END;
	p->fc.src_port_id = FLOWSWITCH_TXN_REF(0);
	p->fc.nr_sinks = nr;
	p->fc.sinks_uptr = (uintptr_t)p->sinks;
	p->fc.chunk_size = 256 * KiB;
	p->fc.depth = 4;
	p->items[nr + 1].op = FLOWSWITCH_TXN_FLOW_CREATE;
	p->items[nr + 1].cmd_uptr = (uintptr_t)&p->fc;
	p->txn.size = sizeof(p->txn);
	p->txn.nr_items = nr + 2;
	p->txn.items_uptr = (uintptr_t)p->items;
}

static void plan_close(struct plan *p)
{
	for (int i = 0; i < 3; i++)
		if (p->fds[i] > 0)
			close(p->fds[i]);
}

static void destroy_plan(struct fsw_engine *e, struct plan *p)
{
	e->ops->destroy(e, p->fc.out_flow_id);
	for (unsigned int i = 0; i < p->txn.nr_items - 1; i++)
		e->ops->destroy(e, p->pc[i].out_port_id);
}

static int query(struct fsw_engine *e, uint32_t id,
		 struct flowswitch_flow_query *q)
{
	memset(q, 0, sizeof(*q));
	q->size = sizeof(*q);
	return e->ops->flow_query(e, id, q);
}

/* Events until @id is final (at most @max kept), and its final query. */
static size_t wait_final(struct fsw_engine *e, uint32_t id,
			 struct flowswitch_event *ev, size_t max,
			 struct flowswitch_flow_query *q)
{
	struct pollfd pfd = { .fd = e->ops->event_fd(e), .events = POLLIN };
	size_t n = 0;

	for (int i = 0; i < 3000; i++) {
		struct flowswitch_event tmp[8];
		ssize_t got;

		poll(&pfd, 1, 10);
		got = e->ops->read_events(e, tmp, 8);
		CHECK(got >= 0, "%s: read_events %zd", e->ops->name, got);
		for (ssize_t j = 0; j < got; j++)
			if (n < max)
				ev[n++] = tmp[j];
		if (query(e, id, q))
			break;
		if (q->state >= FLOWSWITCH_FLOW_DONE) {
			/* The final event may follow the state by a moment. */
			poll(&pfd, 1, 100);
			got = e->ops->read_events(e, tmp, 8);
			for (ssize_t j = 0; j < got; j++)
				if (n < max)
					ev[n++] = tmp[j];
			return n;
		}
	}
	CHECK(0, "%s: flow %u never final", e->ops->name, id);
	return n;
}

/* --- scenarios: each returns a record to compare across engines --- */

struct outcome {
	int ret;
	uint32_t failed_item, failed_errno;
	struct flowswitch_flow_query q;
	uint32_t ev_type[8], ev_state[8];
	uint64_t ev_bytes[8];
	size_t nr_ev;
	bool exact;
};

typedef void (*bend_fn)(struct plan *p);

static void b_ro_sink(struct plan *p) { p->pc[1].fd = p->fds[0]; }
static void b_append(struct plan *p) { fcntl(p->fds[1], F_SETFL, O_APPEND); }
static void b_dir(struct plan *p)
{
	close(p->fds[0]);
	p->fds[0] = open(DIR, O_RDONLY | O_DIRECTORY);
	p->pc[0].fd = p->fds[0];
}
static void b_no_access(struct plan *p) { p->pc[0].flags = 0; }
static void b_port_flags(struct plan *p) { p->pc[1].flags |= 1 << 9; }
static void b_bar_fd(struct plan *p)
{
	p->pc[1].flags = FLOWSWITCH_PORT_WRITE | FLOWSWITCH_PORT_PCI_BAR;
	p->pc[1].window_size = 4096;
}
static void b_chunk(struct plan *p) { p->fc.chunk_size = 4096 + 512; }
static void b_depth(struct plan *p) { p->fc.depth = 65; }
static void b_sinks(struct plan *p) { p->fc.nr_sinks = 9; }
static void b_len0(struct plan *p) { p->fc.flags = 0; }
static void b_past_end(struct plan *p)
{
	p->fc.flags = 0;
	p->fc.src_offset = 1;
	p->fc.length = 1 * MiB;
}
static void b_overflow(struct plan *p)
{
	p->fc.flags = 0;
	p->fc.src_offset = 100;
	p->fc.length = UINT64_MAX - 50;
}
static void b_sink_overflow(struct plan *p)
{
	p->sinks[0].offset = UINT64_MAX - 100;
}
static void b_self(struct plan *p)
{
	close(p->fds[1]);
	p->fds[1] = open(path("src"), O_WRONLY);
	p->pc[1].fd = p->fds[1];
	p->sinks[0].offset = 4096;
}
static void b_ref(struct plan *p) { p->fc.src_port_id = FLOWSWITCH_TXN_REF(3); }
static void b_sink_is_src(struct plan *p)
{
	p->sinks[0].port_id = FLOWSWITCH_TXN_REF(0);
}
static void b_reserved(struct plan *p) { p->fc.__reserved2 = 1; }
static void b_name(struct plan *p) { strcpy(p->fc.name, "a b"); }
static void b_e2big(struct plan *p) { p->fc.size = sizeof(p->fc) + 8; }
static void b_txn_flags(struct plan *p) { p->txn.flags = 4; }
static void b_prio(struct plan *p) { p->fc.priority = 3; }

static const struct {
	const char *what;
	bend_fn bend;
} refusals[] = {
	{ "write port on a read-only fd", b_ro_sink },
	{ "O_APPEND sink", b_append },
	{ "directory", b_dir },
	{ "no access flags", b_no_access },
	{ "unknown port flag", b_port_flags },
	{ "PCI_BAR with an fd", b_bar_fd },
	{ "chunk not a page multiple", b_chunk },
	{ "depth 65", b_depth },
	{ "9 sinks", b_sinks },
	{ "length 0", b_len0 },
	{ "range past the end", b_past_end },
	{ "source range overflows", b_overflow },
	{ "sink range overflows", b_sink_overflow },
	{ "sink overlaps the source", b_self },
	{ "reference to a later item", b_ref },
	{ "read port as sink", b_sink_is_src },
	{ "reserved2", b_reserved },
	{ "name with a space", b_name },
	{ "size with a non-zero tail", b_e2big },
	{ "txn flags", b_txn_flags },
	{ "priority", b_prio },
};

static void refusal(struct fsw_engine *e, bend_fn bend, struct outcome *o)
{
	struct {
		struct flowswitch_flow_create fc;
		uint64_t tail;
	} big;
	struct plan p;

	memset(o, 0, sizeof(*o));
	plan_init(&p, 1);
	bend(&p);
	if (bend == b_e2big) {
		big.fc = p.fc;
		big.tail = 1;
		p.items[2].cmd_uptr = (uintptr_t)&big;
	}
	p.txn.out_failed_item = 4242;
	o->ret = e->ops->txn(e, &p.txn);
	o->failed_item = p.txn.out_failed_item;
	o->failed_errno = p.txn.out_failed_errno;
	if (!o->ret)
		destroy_plan(e, &p);
	plan_close(&p);
}

/* A fan-out copy started by the transaction, to its end. */
static void copy(struct fsw_engine *e, struct outcome *o)
{
	struct flowswitch_event ev[8];
	struct plan p;

	memset(o, 0, sizeof(*o));
	make_file("src", 3 * MiB + 5, 41);
	plan_init(&p, 2);
	p.txn.flags = FLOWSWITCH_TXN_START;
	o->ret = e->ops->txn(e, &p.txn);
	plan_close(&p);
	if (o->ret)
		return;
	o->nr_ev = wait_final(e, p.fc.out_flow_id, ev, 8, &o->q);
	for (size_t i = 0; i < o->nr_ev; i++) {
		o->ev_type[i] = ev[i].type;
		o->ev_state[i] = ev[i].state;
		o->ev_bytes[i] = ev[i].bytes_done;
	}
	o->exact = same_bytes("src", 0, "dst0", 0, 3 * MiB + 5) &&
		   same_bytes("src", 0, "dst1", 1000, 3 * MiB + 5);
	destroy_plan(e, &p);
}

/* A source that shrinks between creation and start. */
static void shrink(struct fsw_engine *e, struct outcome *o)
{
	struct flowswitch_event ev[8];
	struct plan p;

	memset(o, 0, sizeof(*o));
	make_file("src", 4 * MiB, 43);
	plan_init(&p, 1);
	o->ret = e->ops->txn(e, &p.txn);
	plan_close(&p);
	if (o->ret)
		return;
	CHECK(!truncate(path("src"), 2 * MiB + 512), "%m");
	o->ret = e->ops->flow_ctl(e, p.fc.out_flow_id, FLOWSWITCH_FLOW_START);
	o->nr_ev = wait_final(e, p.fc.out_flow_id, ev, 8, &o->q);
	for (size_t i = 0; i < o->nr_ev; i++) {
		o->ev_type[i] = ev[i].type;
		o->ev_state[i] = ev[i].state;
		o->ev_bytes[i] = ev[i].bytes_done;
	}
	o->exact = same_bytes("src", 0, "dst0", 0, o->q.bytes_done);
	/* The op table of a final flow, folded into failed_errno. */
	for (uint32_t op = FLOWSWITCH_FLOW_START; op <= FLOWSWITCH_FLOW_STOP;
	     op++)
		o->failed_errno = o->failed_errno * 100 -
				  e->ops->flow_ctl(e, p.fc.out_flow_id, op);
	destroy_plan(e, &p);
}

static void compare(const char *what, const struct outcome *k,
		    const struct outcome *u)
{
	CHECK(k->ret == u->ret && k->failed_item == u->failed_item &&
		      k->failed_errno == u->failed_errno,
	      "%s: kernel %d item %u errno %u, io_uring %d item %u errno %u",
	      what, k->ret, k->failed_item, k->failed_errno, u->ret,
	      u->failed_item, u->failed_errno);
}

static void compare_flow(const char *what, const struct outcome *k,
			 const struct outcome *u)
{
	const struct flowswitch_flow_query *a = &k->q, *b = &u->q;

	compare(what, k, u);
	CHECK(a->state == b->state && a->error == b->error &&
		      a->fail_stage == b->fail_stage &&
		      a->fail_offset == b->fail_offset &&
		      a->bytes_done == b->bytes_done &&
		      a->chunks_done == b->chunks_done &&
		      a->length == b->length && a->in_flight == b->in_flight &&
		      a->host_bytes == b->host_bytes &&
		      a->p2p_bytes == b->p2p_bytes &&
		      a->direct_bytes == b->direct_bytes &&
		      a->buffered_bytes == b->buffered_bytes &&
		      a->host_pool_bytes == b->host_pool_bytes &&
		      a->pool == b->pool,
	      "%s: kernel state %u err %u stage %u at %llu done %llu/%llu "
	      "host %llu direct %llu buffered %llu; io_uring state %u err %u "
	      "stage %u at %llu done %llu/%llu host %llu direct %llu "
	      "buffered %llu",
	      what, a->state, a->error, a->fail_stage,
	      (unsigned long long)a->fail_offset,
	      (unsigned long long)a->bytes_done, (unsigned long long)a->length,
	      (unsigned long long)a->host_bytes,
	      (unsigned long long)a->direct_bytes,
	      (unsigned long long)a->buffered_bytes, b->state, b->error,
	      b->fail_stage, (unsigned long long)b->fail_offset,
	      (unsigned long long)b->bytes_done, (unsigned long long)b->length,
	      (unsigned long long)b->host_bytes,
	      (unsigned long long)b->direct_bytes,
	      (unsigned long long)b->buffered_bytes);
	CHECK(k->exact && u->exact, "%s: copies exact: kernel %d io_uring %d",
	      what, k->exact, u->exact);
	CHECK(k->nr_ev == u->nr_ev, "%s: %zu events vs %zu", what, k->nr_ev,
	      u->nr_ev);
	for (size_t i = 0; i < k->nr_ev && i < u->nr_ev; i++)
		CHECK(k->ev_type[i] == u->ev_type[i] &&
			      k->ev_state[i] == u->ev_state[i] &&
			      (k->ev_state[i] < FLOWSWITCH_FLOW_DONE ||
			       k->ev_bytes[i] == u->ev_bytes[i]),
		      "%s: event %zu: kernel %u/%u/%llu, io_uring %u/%u/%llu",
		      what, i, k->ev_type[i], k->ev_state[i],
		      (unsigned long long)k->ev_bytes[i], u->ev_type[i],
		      u->ev_state[i], (unsigned long long)u->ev_bytes[i]);
}

int main(void)
{
	struct fsw_engine *k, *u;
	struct outcome ko, uo, copy_u;
	struct plan p;
	size_t i;

	k = fsw_engine_kernel_open(NULL);
	if (!k) {
		fprintf(stderr, "t-engine: /dev/flowswitch: %m\n");
		return T_FAIL;
	}
	u = fsw_engine_uring_open();
	if (!u) {
		fprintf(stderr, "t-engine: io_uring: %m: skipped\n");
		k->ops->close(k);
		return T_SKIP;
	}
	mkdir(DIR, 0755);
	make_file("src", 1 * MiB, 37);

	for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		make_file("src", 1 * MiB, 37);
		refusal(k, refusals[i].bend, &ko);
		refusal(u, refusals[i].bend, &uo);
		CHECK(ko.ret < 0, "%s: the module accepted it", refusals[i].what);
		compare(refusals[i].what, &ko, &uo);
	}

	copy(k, &ko);
	copy(u, &copy_u);
	compare_flow("fan-out copy", &ko, &copy_u);
	CHECK(ko.q.state == FLOWSWITCH_FLOW_DONE, "copy: state %u", ko.q.state);

	shrink(k, &ko);
	shrink(u, &uo);
	compare_flow("shrunk source", &ko, &uo);
	CHECK(ko.q.state == FLOWSWITCH_FLOW_FAILED && ko.q.error == ENODATA,
	      "shrink: state %u error %u", ko.q.state, ko.q.error);

	/* p2p REQUIRED: EXDEV on both, each with its own reason. */
	make_file("src", 1 * MiB, 47);
	for (int n = 0; n < 2; n++) {
		struct fsw_engine *e = n ? u : k;

		plan_init(&p, 1);
		p.fc.placement = FLOWSWITCH_P2P_REQUIRED;
		CHECK(e->ops->txn(e, &p.txn) == -EXDEV, "%s: p2p required",
		      e->ops->name);
		plan_close(&p);
	}

	printf("t-engine: %zu refusals, a fan-out copy (%s, %llu bytes, %llu "
	       "through host memory) and a shrunk source (%s, %s at %llu) on "
	       "both engines: %d differences\n",
	       sizeof(refusals) / sizeof(refusals[0]),
	       fsw_state_name(copy_u.q.state),
	       (unsigned long long)copy_u.q.bytes_done,
	       (unsigned long long)copy_u.q.host_bytes,
	       fsw_state_name(uo.q.state), strerror(uo.q.error),
	       (unsigned long long)uo.q.fail_offset, t_failures);
	k->ops->close(k);
	u->ops->close(u);
	return t_result();
}
