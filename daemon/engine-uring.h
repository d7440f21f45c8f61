/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The embedded io_uring engine's own structures, shared by its control
 * side (engine-uring.c: objects, transactions, flow control, events) and
 * its data path (engine-uring-flow.c: one worker thread and one ring per
 * flow).  Mirrors kmod/flowswitch.h so the two engines can be read side by
 * side.
 *
 * Locking, outermost first: uring_engine.lock (the object table; held by
 * every op, as the module holds ctx->lock), uflow.lock (a flow's state and
 * counters, shared with its worker), uring_engine.ev_lock (the event
 * queue).  A worker never takes uring_engine.lock, so an op may wait for a
 * worker while holding it.
 */
#ifndef FLOWSWITCH_ENGINE_URING_H
#define FLOWSWITCH_ENGINE_URING_H

#include <liburing.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine.h"
#include "engine-uring-xform.h"

/* The module's limits and defaults, so a flow fits both engines. */
#define URING_MAX_OBJS 4096
#define URING_EVENT_QUEUE 256
#define URING_POOL_MAX (512ULL << 20) /* pool_max_per_fd_mb */
#define URING_MAX_RATE (1ULL << 40) /* FSW_MAX_RATE */
#define URING_CMD_MAX_SIZE 4096 /* FSW_UCMD_MAX_SIZE */

enum uobj_type {
	UOBJ_PORT = 1,
	UOBJ_FLOW = 2,
};

struct uobj {
	uint32_t id;
	enum uobj_type type;
};

struct uport {
	struct uobj obj;
	uint32_t kind; /* enum flowswitch_port_kind */
	uint32_t access; /* FLOWSWITCH_PORT_READ | _WRITE */
	uint64_t size;
	int fd; /* our dup of the caller's fd: buffered I/O */
	int dio_fd; /* the same file reopened O_DIRECT, or -1 */
	uint32_t dio_align; /* offset and length alignment of dio_fd */
	uint32_t dio_mem_align; /* buffer alignment of dio_fd */
	/* What the port's offsets address: a file, or a whole disk. */
	dev_t space_dev;
	ino_t space_ino;
	uint64_t space_base; /* a partition's start on its disk */
	unsigned int users; /* flows holding the port */
};

enum uslot_phase {
	USLOT_FREE,
	USLOT_READING,
	USLOT_TRANSFORM, /* read, waiting for its turn at the stages */
	USLOT_WRITING,
	USLOT_DONE,
	USLOT_FAILED,
};

/* One I/O of a slot: index 0 reads the source, i > 0 writes sink i - 1. */
struct uio {
	uint32_t progress;
	bool in_flight;
	bool direct;
};

struct uslot {
	enum uslot_phase phase;
	uint64_t off; /* relative to the flow's first byte */
	uint32_t len;
	uint32_t retries;
	uint32_t writes_pending;
	char *buf;
	struct uio io[FLOWSWITCH_MAX_SINKS + 1];
};

struct uring_engine;

struct uflow {
	struct uobj obj;
	struct uring_engine *eng;

	/* Set at creation, read-only afterwards. */
	uint32_t flags;
	uint32_t chunk;
	uint32_t depth;
	uint32_t nr_sinks;
	uint32_t max_retries;
	uint16_t ioprio;
	uint64_t rate_bps;
	uint64_t src_off;
	uint64_t length;
	struct uport *src;
	struct uport *sinks[FLOWSWITCH_MAX_SINKS];
	uint64_t sink_off[FLOWSWITCH_MAX_SINKS];
	uint32_t p2p_reason;
	uint64_t pool_bytes;
	uint32_t nr_stages;
	/* The worker's once running; final and value under @lock. */
	struct ustage stages[FLOWSWITCH_MAX_STAGES];

	/* The worker's own: no lock. */
	struct io_uring ring;
	bool ring_ok;
	bool fixed; /* the pool is registered with the ring */
	char *pool;
	struct uslot *slots;
	uint64_t head, tail, issued; /* ring of chunks, as the module's */
	uint64_t xform_seq; /* the chunk whose turn at the stages it is */
	uint32_t ios_in_flight;
	bool submit_pending;
	int64_t tokens;
	uint64_t bucket;
	uint64_t refill_ns;
	pthread_t thread;
	bool thread_ok;

	/* Shared with the control side, under @lock. */
	pthread_mutex_t lock;
	pthread_cond_t wake; /* to the worker: @kicked */
	pthread_cond_t final; /* from the worker: a final state */
	bool kicked;
	bool stopping;
	bool failing;
	uint32_t state;
	uint32_t error;
	uint32_t fail_stage;
	uint32_t fail_sink;
	uint64_t fail_offset;
	uint64_t bytes_done;
	uint64_t chunks_done;
	uint64_t retries;
	uint64_t direct_bytes;
	uint64_t buffered_bytes;
	uint64_t host_bytes;
	uint32_t in_flight;
	uint64_t start_ns;
	uint64_t end_ns;
	uint64_t transform_ns;
};

struct uring_engine {
	struct fsw_engine base;

	pthread_mutex_t lock;
	struct uobj *objs[URING_MAX_OBJS + 1]; /* by id; [0] unused */
	uint32_t next_id;
	uint64_t pool_bytes;

	pthread_mutex_t ev_lock;
	int ev_fd; /* eventfd: non-zero while the queue holds events */
	struct flowswitch_event evq[URING_EVENT_QUEUE];
	uint32_t ev_head;
	uint32_t ev_count;
	uint64_t ev_seq;
	uint64_t ev_lost;
};

uint64_t uring_now_ns(void);

/* engine-uring-event.c */
void uring_event_queue(struct uring_engine *eng, struct flowswitch_event *ev);
/* A FLOW_STATE event of @flow as it is now; called with flow->lock held. */
void uring_event_post(struct uflow *flow);
int uring_event_fd(struct fsw_engine *e);
ssize_t uring_read_events(struct fsw_engine *e, struct flowswitch_event *ev,
			  size_t n);

/* engine-uring-port.c: a port for @cmd (not yet an object), or -errno. */
int uport_open(const struct flowswitch_port_create *cmd, struct uport **out);
void uport_free(struct uport *port);

/* engine-uring-flow.c */
int uflow_setup(struct uflow *flow); /* pool, ring, worker; -errno */
void uflow_teardown(struct uflow *flow); /* after a final state */
/* Bring the flow to a final state; returns once nothing is in flight. */
void uflow_stop_sync(struct uflow *flow);
/* Wake the worker after a change of state; flow->lock held. */
void uflow_kick(struct uflow *flow);

/* engine-uring-xform.c: transform stages on AF_ALG. */
void uxform_init(struct uflow *flow); /* no stage yet: nothing to free */
/* Check, set up and write back @cmd's stages; -errno as the module. */
int uxform_create(struct uflow *flow, struct flowswitch_flow_create *cmd);
void uxform_free(struct uflow *flow);
/* The worker: every stage on @slot, in place; 0 or -errno. */
int uxform_run(struct uflow *flow, struct uslot *slot);
/* The first digest stage's value once final, or 0; flow->lock held. */
uint32_t uxform_digest(struct uflow *flow, uint8_t *out);

#endif /* FLOWSWITCH_ENGINE_URING_H */
