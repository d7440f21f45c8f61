/* SPDX-License-Identifier: GPL-2.0 */
/*
 * flowswitch internals shared between the module's files.
 */
#ifndef _FLOWSWITCH_H
#define _FLOWSWITCH_H

#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/fs.h>
#include <linux/kfifo.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uio.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <linux/flowswitch.h>

/* Objects one file descriptor may hold at once. */
#define FSW_MAX_OBJS 4096
/* 1 TiB/s: the token bucket's arithmetic stays far from overflow. */
#define FSW_MAX_RATE BIT_ULL(40)
/* Events queued on one file descriptor before the oldest are kept. */
#define FSW_EVENT_QUEUE 256

/*
 * One per open file of /dev/flowswitch.  Everything created through the file
 * hangs off it and goes when the file is released.
 */
struct fsw_ctx {
	/* On fsw_ctxs, in @owner order, for the netlink dumps. */
	struct list_head node;
	u32 owner;		/* names this context in netlink messages */
	struct pid *pid;	/* the opener's thread group */
	kuid_t uid;
	char comm[TASK_COMM_LEN];

	struct mutex lock;	/* objects: create, destroy, lookup */
	struct xarray objs;	/* id -> struct fsw_obj */
	u64 pool_bytes;		/* host pools of this fd, under @lock */
	u32 next_id;		/* xa_alloc_cyclic()'s cursor */

	spinlock_t ev_lock;	/* the event queue */
	DECLARE_KFIFO(events, struct flowswitch_event, FSW_EVENT_QUEUE);
	u64 ev_seq;
	u64 ev_lost;		/* dropped since the last LOST event */
	wait_queue_head_t ev_wait;
};

enum fsw_obj_type {
	FSW_OBJ_PORT = 1,
	FSW_OBJ_FLOW,
};

struct fsw_obj {
	enum fsw_obj_type type;
	u32 id;
};

struct fsw_port {
	struct fsw_obj obj;
	struct file *file;	/* our own reference; NULL for MEMORY */
	u32 access;		/* FLOWSWITCH_PORT_READ | _WRITE */
	u32 kind;		/* enum flowswitch_port_kind */
	u32 dio_align;		/* 0: never direct */
	u64 size;
	unsigned int users;	/* flows using it, under ctx->lock */
	struct pci_dev *pdev;	/* MEMORY: the provider, with a reference */
	void *kva;		/* MEMORY: the window, from pci_alloc_p2pmem() */
	u32 bar;		/* MEMORY: the BAR the window lies in */
	u64 bar_offset;		/* MEMORY: and where */
};

/* One I/O of a chunk: the read (index 0) or the write to one sink. */
struct fsw_io {
	struct kiocb iocb;
	struct fsw_slot *slot;
	u32 idx;
	u32 progress;		/* bytes of the chunk this I/O has moved */
	long res;		/* set by the completion, under flow->lock */
	bool complete;		/* likewise */
	bool direct;
	bool in_flight;
	bool virtual;		/* the memory port's side: no I/O at all */
	bool sock_pending;	/* a socket would block: try on its wakeup */
};

enum fsw_slot_phase {
	FSW_SLOT_FREE,
	FSW_SLOT_READING,
	FSW_SLOT_TRANSFORM,
	FSW_SLOT_READY,		/* an ordered flow's chunk, waiting its turn */
	FSW_SLOT_WRITING,
	FSW_SLOT_DONE,
	FSW_SLOT_FAILED,
};

/* A chunk buffer of the host pool and the I/O that fills and drains it. */
struct fsw_slot {
	struct fsw_flow *flow;
	enum fsw_slot_phase phase;
	u64 off;		/* from the flow's first byte */
	u32 len;		/* read from the source */
	u64 out_off;		/* where it goes in the sinks, from sink_off */
	u32 out_len;		/* written to each sink */
	u32 writes_pending;
	u32 retries;
	u64 issue_ns;		/* when its read was issued: latency */
	bool view;		/* bvec describes a memory port's window */
	u32 nr_bvec;
	struct bio_vec *bvec;	/* compound pages, together >= the chunk */
	void *kva;		/* a linear flow's: vmalloc()ed, bvec its pages */
	void *alt_kva;		/* and the other one a stage swaps it with */
	struct bio_vec *alt_bvec;
	bool hdr_done;		/* a framed flow's: header read and parsed */
	void *p2p_kva;		/* in a p2p pool: the chunk's p2p memory */
	struct fsw_io io[1 + FLOWSWITCH_MAX_SINKS];
	/* Transform stages (xform.c) */
	struct work_struct xform_work;
	u32 xform_stage;	/* the next stage to run */
	int xform_res;		/* set by the work, under flow->lock */
	bool xform_complete;	/* likewise */
	bool xform_parked;	/* waiting at a digest, under flow->lock */
	bool xform_in_flight;	/* the flow's work's view */
	u32 xlen;		/* bytes in the buffer as the stages leave it */
};

/* One transform stage of a flow (xform.c). */
struct fsw_stage {
	u32 kind;		/* enum flowswitch_xform */
	u32 data_unit;
	u8 iv[16];
	struct crypto_skcipher *skc;
	struct crypto_aead *aead;
	struct crypto_shash *shash;
	struct crypto_comp **comp;	/* one per worker that may run it */
	struct mutex *comp_lock;
	u32 nr_comp;
	struct shash_desc *desc;	/* the running digest */
	u64 digest_next;	/* the digest's cursor, under flow->lock */
	bool final;
	u8 value[FLOWSWITCH_MAX_DIGEST];
};

struct fsw_flow {
	struct fsw_obj obj;
	struct kref ref;
	struct fsw_ctx *ctx;

	/* Set at creation, constant after. */
	char name[FLOWSWITCH_NAME_LEN];
	struct fsw_port *src;
	struct fsw_port *sinks[FLOWSWITCH_MAX_SINKS];
	u64 sink_off[FLOWSWITCH_MAX_SINKS];
	u32 nr_sinks;
	u32 flags;
	u64 src_off;
	u64 length;
	u64 out_length;		/* written to each sink: AEAD records differ */
	u32 chunk;
	u32 rec_in;		/* source bytes per chunk: chunk, or a record */
	u32 rec_out;		/* sink bytes per full chunk */
	u32 depth;
	u64 rate_bps;
	u16 ioprio;
	u32 max_retries;
	u64 pool_bytes;		/* host pool, against the caps */
	struct fsw_slot *slots;
	u32 pool_kind;		/* enum flowswitch_pool_kind */
	u32 p2p_reason;		/* enum flowswitch_p2p_reason */
	struct pci_dev *provider;	/* of a p2p pool, with a reference */
	struct fsw_port *mem_port;	/* the flow's memory port, if any */
	bool mem_is_src;
	u32 canary;		/* enum flowswitch_canary */
	u64 canary_ns;
	u64 canary_every_ns;	/* periodic path self-test, 0: off */
	u64 canary_every_bytes;
	u64 canary_next_ns;
	u64 canary_next_bytes;
	u64 canary_checks;
	u64 verified;		/* where the path was last proven */
	u32 crc;		/* VERIFY: crc32c of the source's range */
	u64 verify_ns;
	struct fsw_stage *stages;
	u32 nr_stages;
	u64 transform_ns;	/* under lock */
	bool ordered;		/* chunks written strictly in order */
	bool linear;		/* chunk buffers are vmalloc()ed pairs */
	bool zerocopy;		/* socket sinks may keep the chunks' pages */
	bool framed;		/* the source is compressed frames */
	bool out_running;	/* sink offsets run on as frames are written */
	u64 out_pos;		/* out_running: the next frame's, work only */
	u64 frames;		/* framed: frames issued, work only */
	struct fsw_sock_watch *sock_watch;	/* per port, if any socket */
	u32 peer_error;		/* FLOWSWITCH_EVENT_PEER's, under lock */

	/* The engine: run by @work, one at a time. */
	struct delayed_work work;
	spinlock_t lock;	/* state, counters, io completion flags */
	wait_queue_head_t wait;	/* final states */
	u32 state;		/* enum flowswitch_flow_state */
	bool stopping;
	bool failing;
	bool fail_late;		/* failed from outside: see fsw_flow_finish() */
	u64 head;		/* oldest chunk not yet done */
	u64 tail;		/* next chunk to issue */
	u64 issued;		/* bytes issued so far */
	u32 ios_in_flight;
	s64 tokens;
	u64 bucket;
	u64 refill_ns;
	u64 start_ns;
	u64 end_ns;

	/* Reported by FLOW_QUERY. */
	u32 error;
	u32 fail_stage;
	u32 fail_sink;
	u64 fail_offset;
	u64 bytes_done;
	u64 out_bytes;
	u64 zerocopy_bytes;
	u64 chunks_done;
	u64 retries;
	u64 direct_bytes;
	u64 buffered_bytes;
	u64 p2p_bytes;
	u64 host_bytes;
};

/* A command copied in by the dispatcher, as a handler sees it. */
struct fsw_ucmd {
	struct fsw_ctx *ctx;
	void __user *ubuffer;
	u32 user_size;		/* what userspace said; never re-read */
	void *cmd;		/* kernel copy, zero-extended to the op's size */
};

/**
 * struct fsw_ioctl_op - one row of the dispatch table
 * @size: sizeof() the command struct this module knows
 * @min_size: offsetofend() of the last field of the struct's first version;
 *	a shorter @size from userspace is EINVAL
 * @ioctl_num: the full ioctl number, so direction and size bits must match
 * @execute: the handler
 */
struct fsw_ioctl_op {
	unsigned int size;
	unsigned int min_size;
	unsigned int ioctl_num;
	int (*execute)(struct fsw_ucmd *ucmd);
};

/*
 * Largest @size accepted from userspace.  Any longer struct is a caller from
 * a future far beyond this module; refusing it bounds the zero-tail scan.
 */
#define FSW_UCMD_MAX_SIZE PAGE_SIZE

extern const struct fsw_ioctl_op fsw_ioctl_ops[];
extern const size_t fsw_ioctl_nr_ops;
extern struct workqueue_struct *fsw_wq;

long fsw_dispatch(struct fsw_ctx *ctx, unsigned int cmd, void __user *arg);
int fsw_ucmd_respond(struct fsw_ucmd *ucmd, size_t len);
int fsw_copy_cmd_from_user(void *dst, size_t ksize, size_t min_size,
			   void __user *src, u32 *user_size);

/* dev.c */
int fsw_dev_init(void);
void fsw_dev_exit(void);

/* obj.c */
extern struct list_head fsw_ctxs;
extern struct mutex fsw_ctxs_lock;
struct fsw_ctx *fsw_ctx_alloc(void);
void fsw_ctx_free(struct fsw_ctx *ctx);
int fsw_obj_insert(struct fsw_ctx *ctx, struct fsw_obj *obj);
void fsw_obj_remove(struct fsw_ctx *ctx, struct fsw_obj *obj);
struct fsw_obj *fsw_obj_find(struct fsw_ctx *ctx, u32 id,
			     enum fsw_obj_type type);
int fsw_obj_destroy(struct fsw_ctx *ctx, u32 id);
int fsw_cmd_destroy(struct fsw_ucmd *ucmd);

/* port.c */
int fsw_port_create(struct fsw_ctx *ctx, struct flowswitch_port_create *cmd);
void fsw_port_free(struct fsw_port *port);
int fsw_cmd_port_create(struct fsw_ucmd *ucmd);

/* flow.c */
int fsw_flow_create(struct fsw_ctx *ctx, struct flowswitch_flow_create *cmd,
		    const u32 *txn_ids, u32 nr_txn_ids);
int fsw_flow_start(struct fsw_flow *flow);
void fsw_flow_destroy(struct fsw_ctx *ctx, struct fsw_flow *flow);
void fsw_flow_put(struct fsw_flow *flow);
int fsw_cmd_flow_create(struct fsw_ucmd *ucmd);
int fsw_cmd_flow_ctl(struct fsw_ucmd *ucmd);
int fsw_cmd_flow_query(struct fsw_ucmd *ucmd);
int fsw_cmd_flow_wait(struct fsw_ucmd *ucmd);
int fsw_flow_stop(struct fsw_flow *flow);
void fsw_flow_release_p2p(struct fsw_flow *flow);
void fsw_flow_snapshot(struct fsw_flow *flow,
		       struct flowswitch_flow_query *q);
extern atomic64_t fsw_pool_bytes;
extern atomic64_t fsw_p2p_bytes;
extern atomic64_t fsw_host_bytes;
extern atomic_t fsw_p2p_fallbacks;
extern atomic_t fsw_canary_failures;
extern atomic_t fsw_nr_flows;
extern atomic_t fsw_nr_files;
extern atomic_t fsw_nr_ports;
extern unsigned int fsw_pool_max_mb;
extern unsigned int fsw_pool_max_per_fd_mb;

/* engine.c */
void fsw_engine_work(struct work_struct *work);
void fsw_engine_kick(struct fsw_flow *flow);
void fsw_io_complete(struct kiocb *iocb, long res);
void fsw_engine_stop_sync(struct fsw_flow *flow);
void fsw_engine_fail_sync(struct fsw_flow *flow, int err, u32 stage);
int fsw_slot_init(struct fsw_slot *slot, struct fsw_flow *flow, u32 len);
void fsw_slot_free(struct fsw_slot *slot);

/* p2p.c */
struct pci_dev;
void fsw_p2p_judge(struct pci_dev *provider, struct pci_dev *client,
		   struct flowswitch_p2p_verdict *v);
u32 fsw_pci_addr(struct pci_dev *pdev);
struct device *fsw_port_dma_dev(struct fsw_port *port);
u32 fsw_p2p_choose(struct fsw_port **ports, u32 n, u32 named,
		   struct flowswitch_p2p_verdict *verdicts, s32 *distance,
		   struct pci_dev **provider, u32 *judged);
int fsw_cmd_p2p_explain(struct fsw_ucmd *ucmd);
struct pci_dev *fsw_port_pci_dev(struct fsw_port *port);
void *fsw_p2p_alloc(struct pci_dev *pdev, size_t size);
int fsw_p2p_retire(struct pci_dev *pdev);
void fsw_p2p_unretire(struct pci_dev *pdev);
void fsw_p2p_exit(void);
void fsw_p2p_free(struct pci_dev *pdev, void *addr, size_t size);

/* canary.c */
int fsw_canary_init(void);
void fsw_canary_exit(void);
u32 fsw_canary_check(struct fsw_flow *flow, u64 rel, void *kva,
		     struct bio_vec *bv, u32 nr_bv, bool again, int *err);
bool fsw_flow_canary_due(struct fsw_flow *flow);
int fsw_flow_canary_again(struct fsw_flow *flow);
u32 fsw_canary_cached(u32 initiator, u32 provider, bool out, u32 *age_ms);

/* unplug.c */
void fsw_provider_going(struct pci_dev *pdev);
void fsw_provider_gone(struct pci_dev *pdev);

/* sock.c */
struct fsw_sock_watch;
int fsw_sock_port_check(struct file *file);
int fsw_sock_flow_init(struct fsw_flow *flow);
void fsw_sock_watch(struct fsw_flow *flow);
void fsw_sock_unwatch(struct fsw_flow *flow);
void fsw_sock_flow_free(struct fsw_flow *flow);
int fsw_sock_io(struct fsw_io *io, struct file *file, bool write, u32 left);
bool fsw_sock_zerocopy(struct fsw_flow *flow);
int fsw_sock_renew_pages(struct fsw_slot *slot, u64 *held);

/* verify.c */
int fsw_verify_sinks(struct fsw_flow *flow, u32 *sink);

/* xform.c */
struct sk_buff;
int fsw_xform_create(struct fsw_flow *flow,
		     struct flowswitch_flow_create *cmd);
void fsw_xform_free(struct fsw_flow *flow);
void fsw_xform_slot_init(struct fsw_slot *slot);
void fsw_xform_start(struct fsw_flow *flow, struct fsw_slot *slot);
bool fsw_xform_reap(struct fsw_flow *flow, struct fsw_slot *slot,
		    bool abandoned, int *res);
u32 fsw_xform_digest(struct fsw_flow *flow, u8 *out);
bool fsw_xform_ciphers(struct fsw_flow *flow);
int fsw_xform_frame(struct fsw_flow *flow, struct fsw_slot *slot);
int fsw_xform_nl_put(struct sk_buff *skb, struct fsw_flow *flow, int attr);

/* provider.c */
int fsw_provider_init(void);
void fsw_provider_exit(void);

/* event.c */
void fsw_event_post(struct fsw_ctx *ctx, struct fsw_flow *flow);
void fsw_event_post_fallback(struct fsw_ctx *ctx, struct fsw_flow *flow);
void fsw_event_post_peer(struct fsw_ctx *ctx, struct fsw_flow *flow);
ssize_t fsw_event_read(struct fsw_ctx *ctx, char __user *buf, size_t len,
		       bool nonblock);
__poll_t fsw_event_poll(struct fsw_ctx *ctx, struct file *filp,
			poll_table *wait);

/* netlink.c */
int fsw_nl_init(void);
void fsw_nl_exit(void);
void fsw_nl_flow_event(struct fsw_flow *flow, u32 type);
void fsw_nl_pool_event(struct fsw_ctx *ctx, int err);
void fsw_nl_device_event(struct pci_dev *pdev, u32 type);

/* txn.c */
int fsw_cmd_txn(struct fsw_ucmd *ucmd);

/* info.c */
int fsw_cmd_info(struct fsw_ucmd *ucmd);
u64 fsw_features(void);
u32 fsw_p2pmem_providers(void);

#endif /* _FLOWSWITCH_H */
