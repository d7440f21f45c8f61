// SPDX-License-Identifier: GPL-2.0
/*
 * Table-driven refusals of the object ioctls: each case starts from a valid
 * command and breaks one thing, and must fail with the documented errno.
 * After every refusal a valid command still works and nothing was left
 * behind (the module's counts of ports, flows and host pool memory are
 * unchanged).
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include "flowtest.h"

struct env {
	int fsw;
	int port_a, port_b, port_file, flow_created, flow_done;
	int fd_a_ro, fd_b_rw, fd_file_rw;
	uint64_t size_a, size_b;
};

static struct env E;

/* --- the valid commands each case starts from --- */

static struct flowswitch_sink sink;

static void base_flow(struct flowswitch_flow_create *fc)
{
	memset(fc, 0, sizeof(*fc));
	memset(&sink, 0, sizeof(sink));
	fc->size = sizeof(*fc);
	fc->src_port_id = E.port_a;
	fc->nr_sinks = 1;
	fc->sinks_uptr = (uintptr_t)&sink;
	fc->length = 64 * KiB;
	fc->chunk_size = 64 * KiB;
	fc->depth = 2;
	sink.port_id = E.port_b;
	sink.offset = 0;
}

#define PORT_CASE(fn, err, body)                                               \
	static int fn(void)                                                    \
	{                                                                      \
		struct flowswitch_port_create pc = {                           \
			.size = sizeof(pc),                                    \
			.flags = FLOWSWITCH_PORT_READ,                         \
			.fd = E.fd_a_ro,                                       \
		};                                                             \
		int r;                                                         \
		body;                                                          \
		r = ioctl(E.fsw, FLOWSWITCH_IOC_PORT_CREATE, &pc);             \
		if (!r)                                                        \
			fsw_destroy(E.fsw, pc.out_port_id);                    \
		return r ? errno : 0;                                          \
	}

#define FLOW_CASE(fn, err, body)                                               \
	static int fn(void)                                                    \
	{                                                                      \
		struct flowswitch_flow_create fc;                              \
		int r;                                                         \
		base_flow(&fc);                                                \
		body;                                                          \
		r = ioctl(E.fsw, FLOWSWITCH_IOC_FLOW_CREATE, &fc);             \
		if (!r)                                                        \
			fsw_destroy(E.fsw, fc.out_flow_id);                    \
		return r ? errno : 0;                                          \
	}

#define CTL_CASE(fn, err, body)                                                \
	static int fn(void)                                                    \
	{                                                                      \
		struct flowswitch_flow_ctl c = {                               \
			.size = sizeof(c),                                     \
			.flow_id = E.flow_created,                             \
			.op = FLOWSWITCH_FLOW_STOP,                            \
		};                                                             \
		body;                                                          \
		return ioctl(E.fsw, FLOWSWITCH_IOC_FLOW_CTL, &c) ? errno : 0;  \
	}

#define QUERY_CASE(fn, err, body)                                              \
	static int fn(void)                                                    \
	{                                                                      \
		struct flowswitch_flow_query q = {                             \
			.size = sizeof(q),                                     \
			.flow_id = E.flow_done,                                \
		};                                                             \
		body;                                                          \
		return ioctl(E.fsw, FLOWSWITCH_IOC_FLOW_QUERY, &q) ? errno :   \
								     0;        \
	}

#define WAIT_CASE(fn, err, body)                                               \
	static int fn(void)                                                    \
	{                                                                      \
		struct flowswitch_flow_wait w = {                              \
			.size = sizeof(w),                                     \
			.flow_id = E.flow_done,                                \
			.timeout_ms = 1000,                                    \
		};                                                             \
		body;                                                          \
		return ioctl(E.fsw, FLOWSWITCH_IOC_FLOW_WAIT, &w) ? errno : 0; \
	}

#define DESTROY_CASE(fn, err, body)                                            \
	static int fn(void)                                                    \
	{                                                                      \
		struct flowswitch_destroy d = { .size = sizeof(d) };           \
		body;                                                          \
		return ioctl(E.fsw, FLOWSWITCH_IOC_DESTROY, &d) ? errno : 0;   \
	}

/* A transaction of a port (item 0) and a flow from it (item 1). */
static struct flowswitch_port_create txn_port;
static struct flowswitch_flow_create txn_flow;
static struct flowswitch_txn_item txn_items[FLOWSWITCH_MAX_TXN_ITEMS + 1];
static struct flowswitch_txn last_txn;

#define TXN_CASE(fn, err, body)                                                \
	static int fn(void)                                                    \
	{                                                                      \
		struct flowswitch_txn t = {                                    \
			.size = sizeof(t),                                     \
			.nr_items = 2,                                         \
			.items_uptr = (uintptr_t)txn_items,                    \
		};                                                             \
		int r;                                                         \
		memset(&txn_port, 0, sizeof(txn_port));                        \
		txn_port.size = sizeof(txn_port);                              \
		txn_port.flags = FLOWSWITCH_PORT_READ;                         \
		txn_port.fd = E.fd_a_ro;                                       \
		base_flow(&txn_flow);                                          \
		txn_flow.src_port_id = FLOWSWITCH_TXN_REF(0);                  \
		memset(txn_items, 0, sizeof(txn_items));                       \
		txn_items[0].op = FLOWSWITCH_TXN_PORT_CREATE;                  \
		txn_items[0].cmd_uptr = (uintptr_t)&txn_port;                  \
		txn_items[1].op = FLOWSWITCH_TXN_FLOW_CREATE;                  \
		txn_items[1].cmd_uptr = (uintptr_t)&txn_flow;                  \
		body;                                                          \
		r = ioctl(E.fsw, FLOWSWITCH_IOC_TXN, &t);                      \
		last_txn = t;                                                  \
		if (!r) {                                                      \
			fsw_destroy(E.fsw, txn_flow.out_flow_id);              \
			fsw_destroy(E.fsw, txn_port.out_port_id);              \
		}                                                              \
		return r ? errno : 0;                                          \
	}

/* The valid bases themselves: these must succeed. */
PORT_CASE(port_valid, 0, )
FLOW_CASE(flow_valid, 0, )
TXN_CASE(txn_valid, 0, )
QUERY_CASE(query_valid, 0, )

PORT_CASE(port_no_access, EINVAL, pc.flags = 0)
PORT_CASE(port_unknown_flag, EINVAL, pc.flags |= 1 << 5)
PORT_CASE(port_high_flag, EINVAL, pc.flags |= 1u << 31)
PORT_CASE(port_fd_negative, EBADF, pc.fd = -1)
PORT_CASE(port_fd_closed, EBADF, pc.fd = 999)
PORT_CASE(port_read_on_wronly, EBADF, pc.fd = open(nvme_by_serial("fswB"), O_WRONLY))
PORT_CASE(port_write_on_rdonly, EBADF, pc.flags = FLOWSWITCH_PORT_WRITE)
PORT_CASE(port_write_on_append, EINVAL,
	  pc.flags = FLOWSWITCH_PORT_WRITE;
	  pc.fd = open("/tmp/neg-append", O_WRONLY | O_CREAT | O_APPEND, 0600))
PORT_CASE(port_pipe, EOPNOTSUPP, int p[2]; r = pipe(p); pc.fd = p[0])
PORT_CASE(port_directory, EOPNOTSUPP, pc.fd = open("/tmp", O_RDONLY))
PORT_CASE(port_chardev, EOPNOTSUPP, pc.fd = open("/dev/null", O_RDONLY))
/* ABI 1.6: a connected stream socket is a port; these are not. */
PORT_CASE(port_dgram_socket, EOPNOTSUPP,
	  int sv[2]; r = socketpair(AF_UNIX, SOCK_DGRAM, 0, sv); pc.fd = sv[0])
PORT_CASE(port_unconnected_socket, ENOTCONN,
	  pc.fd = socket(AF_INET, SOCK_STREAM, 0))
PORT_CASE(port_size_short, EINVAL, pc.size = 8)
PORT_CASE(port_size_dirty_tail, E2BIG,
	  static uint8_t big[sizeof(pc) + 8]; memcpy(big, &pc, sizeof(pc));
	  ((struct flowswitch_port_create *)big)->size = sizeof(big);
	  big[sizeof(big) - 1] = 1;
	  return ioctl(E.fsw, FLOWSWITCH_IOC_PORT_CREATE, big) ? errno : 0)

FLOW_CASE(flow_unknown_flag, EINVAL, fc.flags = 1 << 7)
FLOW_CASE(flow_reserved, EINVAL, fc.__reserved = 1)
FLOW_CASE(flow_no_sinks, EINVAL, fc.nr_sinks = 0)
FLOW_CASE(flow_too_many_sinks, EINVAL, fc.nr_sinks = FLOWSWITCH_MAX_SINKS + 1)
FLOW_CASE(flow_chunk_zero, EINVAL, fc.chunk_size = 0)
FLOW_CASE(flow_chunk_small, EINVAL, fc.chunk_size = 4095)
FLOW_CASE(flow_chunk_unaligned, EINVAL, fc.chunk_size = 4096 + 512)
FLOW_CASE(flow_chunk_huge, EINVAL, fc.chunk_size = FLOWSWITCH_MAX_CHUNK * 2)
FLOW_CASE(flow_depth_zero, EINVAL, fc.depth = 0)
FLOW_CASE(flow_depth_huge, EINVAL, fc.depth = FLOWSWITCH_MAX_DEPTH + 1)
FLOW_CASE(flow_priority, EINVAL, fc.priority = 3)
FLOW_CASE(flow_length_zero, EINVAL, fc.length = 0)
FLOW_CASE(flow_sinks_null, EFAULT, fc.sinks_uptr = 0)
FLOW_CASE(flow_sinks_bad, EFAULT, fc.sinks_uptr = 0x10)
FLOW_CASE(flow_sink_reserved, EINVAL, sink.__reserved = 1)
FLOW_CASE(flow_src_unknown, ENOENT, fc.src_port_id = 4000)
FLOW_CASE(flow_src_zero, ENOENT, fc.src_port_id = 0)
FLOW_CASE(flow_src_is_flow, ENOENT, fc.src_port_id = E.flow_created)
FLOW_CASE(flow_sink_unknown, ENOENT, sink.port_id = 4001)
FLOW_CASE(flow_src_write_only, EBADF, fc.src_port_id = E.port_b)
FLOW_CASE(flow_sink_read_only, EBADF, sink.port_id = E.port_a)
FLOW_CASE(flow_offset_past_end, EINVAL, fc.src_offset = E.size_a + 1)
FLOW_CASE(flow_range_past_end, EINVAL, fc.src_offset = E.size_a - 4096)
FLOW_CASE(flow_range_overflow, EOVERFLOW,
	  fc.src_offset = 4096; fc.length = UINT64_MAX - 100)
FLOW_CASE(flow_sink_past_end, ENOSPC, sink.offset = E.size_b - 4096)
FLOW_CASE(flow_sink_overflow, EOVERFLOW, sink.offset = UINT64_MAX - 4096)
FLOW_CASE(flow_into_itself, EINVAL,
	  fc.src_port_id = E.port_file; sink.port_id = E.port_file;
	  sink.offset = 4096)
FLOW_CASE(flow_pool_cap, EDQUOT,
	  fc.chunk_size = FLOWSWITCH_MAX_CHUNK; fc.depth = FLOWSWITCH_MAX_DEPTH)
FLOW_CASE(flow_to_end_empty, EINVAL,
	  fc.flags = FLOWSWITCH_FLOW_TO_END; fc.src_offset = E.size_a)
FLOW_CASE(flow_txn_ref_outside_txn, ENOENT,
	  fc.src_port_id = FLOWSWITCH_TXN_REF(0))
FLOW_CASE(flow_size_short, EINVAL, fc.size = 16)

CTL_CASE(ctl_op_zero, EINVAL, c.op = 0)
CTL_CASE(ctl_op_unknown, EINVAL, c.op = FLOWSWITCH_FLOW_STOP + 1)
CTL_CASE(ctl_flags, EINVAL, c.flags = 1)
CTL_CASE(ctl_unknown_flow, ENOENT, c.flow_id = 4000)
CTL_CASE(ctl_port_as_flow, ENOENT, c.flow_id = E.port_a)
CTL_CASE(ctl_pause_created, EBUSY, c.op = FLOWSWITCH_FLOW_PAUSE)
CTL_CASE(ctl_resume_created, EBUSY, c.op = FLOWSWITCH_FLOW_RESUME)
CTL_CASE(ctl_start_done, EBUSY,
	 c.op = FLOWSWITCH_FLOW_START; c.flow_id = E.flow_done)
CTL_CASE(ctl_stop_done, EBUSY, c.flow_id = E.flow_done)
CTL_CASE(ctl_pause_done, EBUSY,
	 c.op = FLOWSWITCH_FLOW_PAUSE; c.flow_id = E.flow_done)

QUERY_CASE(query_flags, EINVAL, q.flags = 1)
QUERY_CASE(query_unknown, ENOENT, q.flow_id = 4000)
QUERY_CASE(query_port, ENOENT, q.flow_id = E.port_a)

WAIT_CASE(wait_flags, EINVAL, w.flags = 1)
WAIT_CASE(wait_reserved, EINVAL, w.__reserved = 1)
WAIT_CASE(wait_unknown, ENOENT, w.flow_id = 4000)
WAIT_CASE(wait_created, EBUSY, w.flow_id = E.flow_created)

DESTROY_CASE(destroy_flags, EINVAL, d.id = E.flow_created; d.flags = 1)
DESTROY_CASE(destroy_reserved, EINVAL,
	     d.id = E.flow_created; d.__reserved = 1)
DESTROY_CASE(destroy_unknown, ENOENT, d.id = 4000)
DESTROY_CASE(destroy_zero, ENOENT, d.id = 0)
DESTROY_CASE(destroy_port_in_use, EBUSY, d.id = E.port_a)

TXN_CASE(txn_flags, EINVAL, t.flags = 1 << 3)
TXN_CASE(txn_reserved, EINVAL, t.__reserved = 1)
TXN_CASE(txn_no_items, EINVAL, t.nr_items = 0)
TXN_CASE(txn_too_many, EINVAL, t.nr_items = FLOWSWITCH_MAX_TXN_ITEMS + 1)
TXN_CASE(txn_items_null, EFAULT, t.items_uptr = 0)
TXN_CASE(txn_item_op, EINVAL, txn_items[1].op = 7)
TXN_CASE(txn_item_reserved, EINVAL, txn_items[0].__reserved = 1)
TXN_CASE(txn_item_null_cmd, EFAULT, txn_items[1].cmd_uptr = 0)
TXN_CASE(txn_item_short, EINVAL, txn_flow.size = 8)
TXN_CASE(txn_forward_ref, ENOENT, txn_flow.src_port_id = FLOWSWITCH_TXN_REF(1))
TXN_CASE(txn_ref_past_end, ENOENT, txn_flow.src_port_id = FLOWSWITCH_TXN_REF(9))
TXN_CASE(txn_second_item_bad, EINVAL, txn_flow.chunk_size = 1)
TXN_CASE(txn_port_item_bad, EBADF, txn_port.fd = -1)

struct neg_case {
	const char *name;
	int (*run)(void);
	int err;
	int failed_item;	/* for transactions: -1 none, -2 don't care */
};

#define NEG(fn, err) { #fn, fn, err, -2 }
#define NEG_TXN(fn, err, item) { #fn, fn, err, item }

static const struct neg_case cases[] = {
	NEG(port_valid, 0), NEG(flow_valid, 0), NEG_TXN(txn_valid, 0, -1),
	NEG(query_valid, 0),
	NEG(port_no_access, EINVAL), NEG(port_unknown_flag, EINVAL),
	NEG(port_high_flag, EINVAL), NEG(port_fd_negative, EBADF),
	NEG(port_fd_closed, EBADF), NEG(port_read_on_wronly, EBADF),
	NEG(port_write_on_rdonly, EBADF), NEG(port_write_on_append, EINVAL),
	NEG(port_pipe, EOPNOTSUPP), NEG(port_directory, EOPNOTSUPP),
	NEG(port_chardev, EOPNOTSUPP), NEG(port_dgram_socket, EOPNOTSUPP),
	NEG(port_unconnected_socket, ENOTCONN),
	NEG(port_size_short, EINVAL), NEG(port_size_dirty_tail, E2BIG),
	NEG(flow_unknown_flag, EINVAL), NEG(flow_reserved, EINVAL),
	NEG(flow_no_sinks, EINVAL), NEG(flow_too_many_sinks, EINVAL),
	NEG(flow_chunk_zero, EINVAL), NEG(flow_chunk_small, EINVAL),
	NEG(flow_chunk_unaligned, EINVAL), NEG(flow_chunk_huge, EINVAL),
	NEG(flow_depth_zero, EINVAL), NEG(flow_depth_huge, EINVAL),
	NEG(flow_priority, EINVAL), NEG(flow_length_zero, EINVAL),
	NEG(flow_sinks_null, EFAULT), NEG(flow_sinks_bad, EFAULT),
	NEG(flow_sink_reserved, EINVAL), NEG(flow_src_unknown, ENOENT),
	NEG(flow_src_zero, ENOENT), NEG(flow_src_is_flow, ENOENT),
	NEG(flow_sink_unknown, ENOENT), NEG(flow_src_write_only, EBADF),
	NEG(flow_sink_read_only, EBADF), NEG(flow_offset_past_end, EINVAL),
	NEG(flow_range_past_end, EINVAL), NEG(flow_range_overflow, EOVERFLOW),
	NEG(flow_sink_past_end, ENOSPC), NEG(flow_sink_overflow, EOVERFLOW),
	NEG(flow_into_itself, EINVAL), NEG(flow_pool_cap, EDQUOT),
	NEG(flow_to_end_empty, EINVAL), NEG(flow_txn_ref_outside_txn, ENOENT),
	NEG(flow_size_short, EINVAL),
	NEG(ctl_op_zero, EINVAL), NEG(ctl_op_unknown, EINVAL),
	NEG(ctl_flags, EINVAL), NEG(ctl_unknown_flow, ENOENT),
	NEG(ctl_port_as_flow, ENOENT), NEG(ctl_pause_created, EBUSY),
	NEG(ctl_resume_created, EBUSY), NEG(ctl_start_done, EBUSY),
	NEG(ctl_stop_done, EBUSY), NEG(ctl_pause_done, EBUSY),
	NEG(query_flags, EINVAL), NEG(query_unknown, ENOENT),
	NEG(query_port, ENOENT),
	NEG(wait_flags, EINVAL), NEG(wait_reserved, EINVAL),
	NEG(wait_unknown, ENOENT), NEG(wait_created, EBUSY),
	NEG(destroy_flags, EINVAL), NEG(destroy_reserved, EINVAL),
	NEG(destroy_unknown, ENOENT), NEG(destroy_zero, ENOENT),
	NEG(destroy_port_in_use, EBUSY),
	NEG_TXN(txn_flags, EINVAL, -2), NEG_TXN(txn_reserved, EINVAL, -2),
	NEG_TXN(txn_no_items, EINVAL, -2), NEG_TXN(txn_too_many, EINVAL, -2),
	NEG_TXN(txn_items_null, EFAULT, -2),
	NEG_TXN(txn_item_op, EINVAL, 1), NEG_TXN(txn_item_reserved, EINVAL, 0),
	NEG_TXN(txn_item_null_cmd, EFAULT, 1),
	NEG_TXN(txn_item_short, EINVAL, 1),
	NEG_TXN(txn_forward_ref, ENOENT, 1),
	NEG_TXN(txn_ref_past_end, ENOENT, 1),
	NEG_TXN(txn_second_item_bad, EINVAL, 1),
	NEG_TXN(txn_port_item_bad, EBADF, 0),
};

/* Objects alive in the module: a refusal must leave them as they were. */
static uint64_t alive(void)
{
	struct flowswitch_info in;

	if (fsw_info(E.fsw, &in))
		return UINT64_MAX;
	return (uint64_t)in.nr_ports << 48 | (uint64_t)in.nr_flows << 32 |
	       in.host_pool_bytes >> 12;
}

static int setup(void)
{
	struct flowswitch_flow_create fc;
	struct flowswitch_port_create pc = {};
	unsigned int state;

	E.fsw = fsw_open(NULL);
	E.fd_a_ro = open(nvme_by_serial("fswA"), O_RDONLY);
	E.fd_b_rw = open(nvme_by_serial("fswB"), O_RDWR);
	E.fd_file_rw = open("/tmp/neg-file", O_RDWR | O_CREAT, 0600);
	if (E.fsw < 0 || E.fd_a_ro < 0 || E.fd_b_rw < 0 || E.fd_file_rw < 0 ||
	    ftruncate(E.fd_file_rw, 1 * MiB))
		return -1;
	pc.flags = FLOWSWITCH_PORT_READ;
	pc.fd = E.fd_a_ro;
	E.port_a = fsw_port_create(E.fsw, &pc);
	E.size_a = pc.out_size;
	pc.flags = FLOWSWITCH_PORT_WRITE;
	pc.fd = E.fd_b_rw;
	E.port_b = fsw_port_create(E.fsw, &pc);
	E.size_b = pc.out_size;
	pc.flags = FLOWSWITCH_PORT_READ | FLOWSWITCH_PORT_WRITE;
	pc.fd = E.fd_file_rw;
	E.port_file = fsw_port_create(E.fsw, &pc);

	base_flow(&fc);
	E.flow_created = fsw_flow_create(E.fsw, &fc);
	base_flow(&fc);
	E.flow_done = fsw_flow_create(E.fsw, &fc);
	if (E.port_a <= 0 || E.port_b <= 0 || E.port_file <= 0 ||
	    E.flow_created <= 0 || E.flow_done <= 0 ||
	    fsw_flow_ctl(E.fsw, E.flow_done, FLOWSWITCH_FLOW_START) ||
	    fsw_flow_wait(E.fsw, E.flow_done, 60000, &state) ||
	    state != FLOWSWITCH_FLOW_DONE)
		return -1;
	return 0;
}

int main(void)
{
	uint64_t before, after;
	int n = 0, got;
	size_t i;

	if (setup()) {
		fprintf(stderr, "setup failed: %m\n");
		return T_FAIL;
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct neg_case *c = &cases[i];

		before = alive();
		got = c->run();
		after = alive();
		CHECK(got == c->err, "%s: got %s, want %s", c->name,
		      got ? strerror(got) : "success",
		      c->err ? strerror(c->err) : "success");
		CHECK(before == after && before != UINT64_MAX,
		      "%s: left something behind (ports/flows/pool %llx -> "
		      "%llx)",
		      c->name, (unsigned long long)before,
		      (unsigned long long)after);
		if (c->failed_item != -2)
			CHECK((int)last_txn.out_failed_item == c->failed_item &&
				      (int)last_txn.out_failed_errno ==
					      (c->failed_item < 0 ? 0 : c->err),
			      "%s: failed item %d errno %u", c->name,
			      (int)last_txn.out_failed_item,
			      last_txn.out_failed_errno);
		n += c->err != 0;
	}
	printf("%d refusals, %zu cases\n", n, i);
	CHECK(n >= 50, "only %d negative cases", n);
	/* The fixtures are intact after all that. */
	CHECK(!fsw_destroy(E.fsw, E.flow_created), "destroy created flow");
	CHECK(!fsw_destroy(E.fsw, E.flow_done), "destroy done flow");
	CHECK(!fsw_destroy(E.fsw, E.port_a), "destroy port a");
	return t_result();
}
