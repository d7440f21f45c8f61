/* SPDX-License-Identifier: GPL-2.0 */
/* flowd's in-memory model, shared by flowd.c and flowd-ctl.c. */
#ifndef FLOWD_STATE_H
#define FLOWD_STATE_H

#include "apply.h"
#include "flowd.h"

/* The ports one application of a file created; freed with its last flow. */
struct dgen {
	uint32_t port_ids[FLANG_TXN_MAX_ITEMS];
	unsigned int nports, refs;
};

struct dfile;

#define FLOWD_MAX_SITE_PARAMS 64

struct dflow {
	char name[FLOWSWITCH_NAME_LEN];
	char *sig;
	struct dfile *df;
	struct dgen *gen;
	uint32_t id; /* the engine's flow id; 0 when none runs */
	unsigned int state;
	uint64_t base; /* bytes done by earlier incarnations */
	uint64_t bytes; /* bytes_done of the current one */
	uint64_t total;
	unsigned int error, stage;
	struct flowswitch_flow_create fc; /* as last created */
	struct flowswitch_sink sinks[FLOWSWITCH_MAX_SINKS];
	/* fc's stages (the file's transaction is gone when it re-creates) */
	struct flowswitch_transform stages[FLOWSWITCH_MAX_STAGES];
	unsigned int class_fallbacks; /* apply's A0201s for this flow */
	int src_port; /* plan port indices, for "io_error(x)" */
	int sink_port[FLOWSWITCH_MAX_SINKS];
	unsigned int ndevs;
	char *devs[FLOWD_MAX_DEVS];
	struct flowd_handler h[8];
	unsigned int nh;
	struct flowd_handler_state hs;
	uint64_t retry_at; /* CLOCK_MONOTONIC ns; 0 = none due */
	bool retry_paused;
	bool done; /* finished DONE: never re-run */
	const char *outcome; /* "aborted: msg", "stopped" ... or NULL */
	char outcome_buf[160];
};

struct dfile {
	char *path;
	uid_t uid; /* owner: may stop its flows */
	bool from_dir;
	unsigned int nflows;
	struct dflow **flows;
};

struct flowd {
	struct fsw_engine *eng;
	const char *engine_reason; /* why the embedded engine, or NULL */
	const char *dir, *sock_path, *state_path, *admit_path;
	/* -D NAME=VALUE: site values for the params the files declare */
	const char *site_params[FLOWD_MAX_SITE_PARAMS];
	unsigned int nsite_params;
	struct flowd_admit admit;
	unsigned int nfiles;
	struct dfile **files;
	/* counters for flowctl stats */
	uint64_t applies, refusals, retries, events, engine_fallbacks,
		admission_refusals, handler_runs, reconciled_done,
		reconciled_resumed;
	/* transforms of 'engine = hw|sw preferred' run on the other class */
	uint64_t crypto_class_fallbacks;
	/* from the module's netlink events (flowd-nl.c) */
	uint64_t device_events, pool_refusals, nl_lost;
	/* state recovered at start, consumed by flowd_reconcile_lookup */
	struct json_object *recovered;
};

/*
 * Apply @path (owned by @uid) as one transaction, as a diff against what
 * runs of it.  Returns 0, or 1 with the reason (diagnostics) in *@why
 * (malloc'd) and nothing changed.
 */
int flowd_apply_file(struct flowd *d, const char *path, uid_t uid,
		     bool from_dir, char **why);
/* Stop and forget every flow of @path. */
void flowd_remove_file(struct flowd *d, const char *path);
/* Stop one flow (by name, or file:name); -ENOENT, -EPERM */
int flowd_stop_flow(struct flowd *d, const char *name, uid_t uid);
void flowd_state_save(struct flowd *d);
/* Serve one client on @fd (flowd-ctl.c). */
void flowd_serve(struct flowd *d, int fd);
/* flowd-core.c: engine events, due retries (ms to the next, -1), ticks */
void flowd_events(struct flowd *d);
int flowd_retries_run(struct flowd *d);
void flowd_tick(struct flowd *d);
/* The bytes of running flows, fresh from the engine (no state save). */
void flowd_refresh(struct flowd *d);
void flowd_free_all(struct flowd *d);

#endif /* FLOWD_STATE_H */
