/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The engine a daemon drives: the module behind /dev/flowswitch, or the
 * embedded io_uring engine that runs the same flows in userspace when the
 * module is absent.  Both speak the UAPI's own structs (the transaction
 * of ports and flows, flow control, query, events), so flowd, flowctl and
 * the tests hold one code path and a flow means the same thing on both.
 *
 * What the embedded engine cannot do (p2p pools, PCI BAR windows, sockets
 * before the transforms issue) it refuses with the errno the module gives
 * for it, never by pretending: a required p2p pool is EXDEV with
 * FLOWSWITCH_P2P_NO_KERNEL_SUPPORT (the UAPI's reason for "no P2PDMA
 * here"), a preferred one runs in host memory with that reason and a
 * FLOWSWITCH_EVENT_FALLBACK event, a PCI_BAR port is EOPNOTSUPP (after
 * the module's own EINVAL checks of its fields).
 *
 * Where the embedded engine differs, knowingly:
 *  - Limits are per engine where the module's are per fd and global: 4096
 *    objects (EMFILE), 512 MiB of host pools (EDQUOT, the module's
 *    pool_max_per_fd_mb default), 256 queued events.
 *  - A pointer it cannot follow is EFAULT only when NULL; any other bad
 *    pointer is the caller's crash, as with any library.
 *  - On an EXDEV refusal it writes the failed flow item's out_p2p_reason
 *    back; the module's transaction writes back no item (flowctl asks
 *    again with the flow PREFERRED, which works on both).
 *  - Flow names (ABI 1.4) are checked as the module checks them; with no
 *    netlink family here, nothing shows them yet.
 *  - Transform stages (ABI 1.5) run on AF_ALG (engine-uring-xform.h):
 *    the module's results byte for byte, but a "logon" key needs
 *    ALG_SET_KEY_BY_KEY_SERIAL (Linux 6.2) and a kernel without it, or
 *    without AF_ALG, refuses the stage with EOPNOTSUPP; one chunk at a
 *    time is transformed, in the flow's worker.
 */
#ifndef FLOWSWITCH_ENGINE_H
#define FLOWSWITCH_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/flowswitch.h>

struct fsw_engine;

enum fsw_engine_kind {
	FSW_ENGINE_KERNEL = 1,	/* flowswitch.ko through /dev/flowswitch */
	FSW_ENGINE_URING = 2,	/* the embedded liburing engine */
};

struct fsw_engine_ops {
	enum fsw_engine_kind kind;
	const char *name;	/* "kernel", "io_uring": shown per flow */

	/*
	 * Apply a transaction exactly as FLOWSWITCH_IOC_TXN does: items in
	 * order, all or nothing, out fields written back on success, and
	 * txn->out_failed_item / out_failed_errno filled on failure.  Port
	 * items carry the fd to use (port_create.fd); the engine takes its
	 * own reference (dup) as the module takes its own file reference.
	 * Returns 0 or -errno.
	 */
	int (*txn)(struct fsw_engine *e, struct flowswitch_txn *txn);
	/* FLOWSWITCH_IOC_FLOW_CTL: op is enum flowswitch_flow_op. */
	int (*flow_ctl)(struct fsw_engine *e, uint32_t flow_id, uint32_t op);
	/*
	 * FLOWSWITCH_IOC_FLOW_QUERY: fills @q; q->size (and q->flags, 0) set
	 * by the caller, the fields beyond q->size left alone.
	 */
	int (*flow_query)(struct fsw_engine *e, uint32_t flow_id,
			  struct flowswitch_flow_query *q);
	/* FLOWSWITCH_IOC_DESTROY of a port or a flow. */
	int (*destroy)(struct fsw_engine *e, uint32_t id);
	/*
	 * A descriptor that polls readable (EPOLLIN) while events are
	 * queued, for the caller's event loop: the control fd itself
	 * (O_NONBLOCK) for the module, an eventfd for the embedded engine.
	 * Only poll it; take events with read_events().
	 */
	int (*event_fd)(struct fsw_engine *e);
	/*
	 * Take up to @n queued events without blocking; returns how many
	 * (0 when none), or -errno.  Same records, types and ordering
	 * guarantees as read() on /dev/flowswitch.
	 */
	ssize_t (*read_events)(struct fsw_engine *e, struct flowswitch_event *ev,
			       size_t n);
	/*
	 * Stops every flow (chunks in flight complete), frees everything.
	 * Every op may be called from any thread; they serialise as the
	 * module's ioctls on one fd do.  STOP and destroy of a running flow
	 * block until its chunks in flight complete.
	 */
	void (*close)(struct fsw_engine *e);
};

struct fsw_engine {
	const struct fsw_engine_ops *ops;
};

/*
 * Open the module's engine on @dev (NULL: /dev/flowswitch).  Returns NULL
 * with errno set (ENOENT when the module is not loaded).
 */
struct fsw_engine *fsw_engine_kernel_open(const char *dev);

/*
 * The embedded engine (engine-uring*.c): one worker thread and one
 * io_uring per flow.  NULL with errno set (e.g. io_uring disabled: the
 * errno of io_uring_setup()).
 */
struct fsw_engine *fsw_engine_uring_open(void);

#endif /* FLOWSWITCH_ENGINE_H */
