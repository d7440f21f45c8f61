/* SPDX-License-Identifier: GPL-2.0 */
/*
 * flowd: the pieces of the daemon that decide (admission, diffing a
 * re-applied file, a flow's handlers), kept free of I/O so the unit tests
 * drive them directly; flowd.c does the I/O.  See daemon/FLOWD.md.
 */
#ifndef FLOWD_H
#define FLOWD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine.h"
#include "flowlang.h"

/* ---- admission control (flowd-admit.c) ---- */

enum flowd_rule_kind {
	FLOWD_RULE_ALLOW, /* allow PATTERN (fnmatch) */
	FLOWD_RULE_UID, /* budget uid UID RATE */
	FLOWD_RULE_DEVICE, /* budget device PATTERN RATE */
};

struct flowd_rule {
	enum flowd_rule_kind kind;
	char *pattern;
	uid_t uid;
	uint64_t rate; /* bytes/s */
	unsigned int line;
};

struct flowd_admit {
	struct flowd_rule *rules;
	unsigned int nrules;
	bool any_allow; /* an allow line exists: others are refused */
	bool clamp; /* "unlimited clamp": else refused */
};

/*
 * Parse @text (the config named @path) into @a.  Returns 0, or -EINVAL
 * with "path:line: what" in @err.
 */
int flowd_admit_parse(struct flowd_admit *a, const char *path, const char *text,
		      char *err, size_t errlen);
void flowd_admit_free(struct flowd_admit *a);

#define FLOWD_MAX_DEVS (1 + FLOWSWITCH_MAX_SINKS)
#define FLANG_TXN_MAX_ITEMS_ADMIT 256

/* A flow as admission sees it: whose, how fast, through what. */
struct flowd_admit_flow {
	const char *name;
	uid_t uid;
	uint64_t rate; /* bytes/s; 0 = unlimited */
	unsigned int ndevs;
	const char *devs[FLOWD_MAX_DEVS];
};

/*
 * May the flows @asked run beside @running?  0 yes (with "unlimited
 * clamp", an unlimited asked flow's rate is lowered to what its budgets
 * leave), -EACCES (device not allowed) or -EDQUOT (over a budget) with the
 * reason in @why.  Nothing is changed on refusal.
 */
int flowd_admit_check(const struct flowd_admit *a,
		      const struct flowd_admit_flow *running, unsigned int nrun,
		      struct flowd_admit_flow *asked, unsigned int nasked,
		      char *why, size_t len);

/* ---- diffing a re-applied file (flowd-diff.c) ---- */

enum flowd_diff_op {
	FLOWD_DIFF_NEW, /* no old flow of that name */
	FLOWD_DIFF_KEEP, /* same name, same signature: keeps running */
	FLOWD_DIFF_REPLACE, /* same name, changed */
};

/*
 * For each new flow i, op[i] and old_of[i] (the old flow's index for
 * KEEP/REPLACE); removed[j] says old flow j has no new flow of its name.
 */
void flowd_diff(const char *const *old_names, const char *const *old_sigs,
		unsigned int nold, const char *const *new_names,
		const char *const *new_sigs, unsigned int nnew,
		enum flowd_diff_op *op, int *old_of, bool *removed);

/*
 * What a flow is, for the diff: its create command without ids, the
 * ports as path+flags, the sinks' offsets.  Returns a malloc'd string.
 */
char *flowd_flow_sig(const struct flowswitch_flow_create *fc,
		     const struct flowswitch_sink *sinks, const char *src_path,
		     int src_oflags, const char *const *sink_paths,
		     const int *sink_oflags);

/* ---- a flow's handlers (flowd-handler.c) ---- */

struct flowd_action {
	enum flang_action_kind kind;
	uint32_t retries;
	uint64_t backoff_min_ns, backoff_max_ns;
	enum flang_prop prop;
	uint64_t value;
	enum flang_notify_level level;
	char msg[128];
};

struct flowd_handler {
	enum flang_event event;
	uint64_t port_mask;
	unsigned int nactions;
	struct flowd_action actions[FLANG_MAX_ACTIONS];
};

/* What a flow's handler state machine asks the daemon to do next. */
enum flowd_step {
	FLOWD_STEP_NONE, /* no handler: the flow stays FAILED */
	FLOWD_STEP_RETRY, /* re-create from bytes_done after delay_ns */
	FLOWD_STEP_RECREATE_PAUSED, /* pause: re-create, do not start */
	FLOWD_STEP_STOP, /* stop this flow */
	FLOWD_STEP_ABORT, /* stop every flow of the file */
};

/* Per-flow progress through its handlers. */
struct flowd_handler_state {
	unsigned int handler; /* which handler is running, or -1u */
	unsigned int action; /* its current action */
	unsigned int tries; /* retries of that action so far */
	uint64_t retries_total;
};

struct flowd_step_out {
	enum flowd_step step;
	uint64_t delay_ns;
	/* fallbacks applied on the way: the caller copies them to its fc */
	bool set_rate, set_chunk, set_depth, set_prio, set_host_pool;
	uint64_t rate, chunk, depth, prio;
	/* notify/abort messages met on the way, for syslog */
	unsigned int nnotes;
	struct {
		enum flang_notify_level level;
		const char *msg;
	} notes[FLANG_MAX_ACTIONS];
};

/* The language event a failure is: io_error for read/write/flush... */
enum flang_event flowd_event_of_stage(unsigned int stage);

/*
 * The flow failed with @ev at plan port @port (-1: unknown): advance its
 * handler state @st and say what to do.  A handler is matched once per
 * failure kind; "retry N" counts the retries of that flow.
 */
void flowd_handle_failure(const struct flowd_handler *h, unsigned int nh,
			  enum flang_event ev, int port,
			  struct flowd_handler_state *st,
			  struct flowd_step_out *out);

/* Copy the plan's handlers (strings included: the plan is freed later). */
unsigned int flowd_handlers_copy(const struct flang_plan_flow *pf,
				 struct flowd_handler *out, unsigned int max);

/*
 * @fc (as created, with @sinks) re-created from @done bytes further on:
 * the source offset and every sink's offset move, the length shrinks.
 */
void flowd_resume_from(struct flowswitch_flow_create *fc,
		       struct flowswitch_sink *sinks, uint64_t done);

#endif /* FLOWD_H */
