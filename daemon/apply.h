/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A .flow file as one transaction, shared by `flowctl apply --no-daemon`
 * and flowd: compile and translate (libflowlang), open what the ports
 * name, and report a refused item at the file:line:col that made it.
 * Running the transaction is the caller's (an fd or a struct fsw_engine).
 */
#ifndef FSW_APPLY_H
#define FSW_APPLY_H

#include <stddef.h>

#include "flowlang-txn.h"

/*
 * Runs a transaction for fsw_apply_refused()'s p2p probe: 0 or -errno,
 * and destroy(id) undoes it.
 */
struct fsw_apply_ops {
	int (*txn)(void *arg, struct flowswitch_txn *txn);
	int (*destroy)(void *arg, unsigned int id);
	void *arg;
};

/*
 * Compile @file in @ctx and translate its plan into @t, open its devices
 * and name every flow (flows[].name).  Returns 0 ready (warnings may be
 * in ctx), 1 errors as diagnostics in @ctx, -errno otherwise (fds closed).
 */
int fsw_apply_load(struct flang_ctx *ctx, const char *file,
		   struct flang_txn *t);

/* "clone", or "clone.1" for the second chain of a flow with several. */
const char *fsw_apply_flow_name(const struct flang_txn_info *in, char *buf,
				size_t len);

/* Tests: read /proc/crypto and /sys under @root (NULL: the system's). */
void fsw_apply_crypto_root(const char *root);

/* Close the ports' fds (once the engine holds its own references). */
void fsw_apply_close_fds(struct flang_txn *t);

/*
 * The transaction failed with @ret: add an error diagnostic at the span
 * of the refused item (txn.out_failed_item).  Returns 1.
 */
int fsw_apply_refused(struct flang_ctx *ctx, const struct fsw_apply_ops *ops,
		      struct flang_txn *t, int ret);

/* Add an error diagnostic K<errno> at @at; returns 1. */
int fsw_apply_fail_at(struct flang_ctx *ctx, int err,
		      const struct flang_span *at, const char *msg,
		      const char *help);

#endif /* FSW_APPLY_H */
