/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libflowlang: a plan as one flowswitch transaction (FLOWSWITCH_IOC_TXN).
 *
 * flang_txn_build() is pure: it fills the caller's struct flang_txn with
 * the UAPI command structs of the plan -- a port per device a flow uses,
 * then a flow per chain, whose ports are FLOWSWITCH_TXN_REF(item) -- and
 * reports what the kernel cannot do as diagnostics at the construct's
 * span.  It opens nothing: every port's fd is -1 and the caller opens
 * item->path with item->oflags (and mode 0644) into ports[item->cmd].fd.
 * After a refusal, items[out_failed_item].span is where to report it.
 */
#ifndef FLOWLANG_TXN_H
#define FLOWLANG_TXN_H

#include <linux/flowswitch.h>

#include "flowlang.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FLANG_TXN_MAX_ITEMS FLOWSWITCH_MAX_TXN_ITEMS

enum flang_txn_kind {
	FLANG_TXN_PORT,
	FLANG_TXN_FLOW,
};

/* What a transaction item came from; parallel to flang_txn.items. */
struct flang_txn_info {
	enum flang_txn_kind kind;
	uint32_t plan_index;	/* plan->ports or plan->flows */
	unsigned int chain;	/* flow: the chain of that flow, from 0 */
	unsigned int nchains;	/* flow: chains the flow has ("f.N" if > 1) */
	unsigned int cmd;	/* index into ports[] or flows[] */
	const char *name;	/* the device's or the flow's */
	/* port: the file to open and how; NULL for a PCI BAR window */
	const char *path;
	int oflags;
	/* port: a socket: the caller's descriptor, duplicated; -1 if not */
	int fd;
	/*
	 * flow: a cmb pool names its provider by an nvme device's path; the
	 * caller resolves it to FLOWSWITCH_PCI_ADDR() into flows[cmd]
	 * .p2p_provider (FLOWSWITCH_FLOW_NAMED_PROVIDER is already set).
	 */
	const char *provider_path;
	struct flang_span provider_span;
	struct flang_span span;
	/*
	 * flow: 'engine = hw|sw': the caller picks, for each of flows[cmd]'s
	 * stages whose driver[] is empty, a driver of that class (or, under
	 * 'preferred', leaves it to the crypto API and says so).
	 */
	enum flang_engine_class engine_class;
	enum flang_strength engine_strength;
	struct flang_span engine_span;
	/* a stage's own engine=hw|sw (ANY: the flow's), and where it is */
	enum flang_engine_class stage_class[FLOWSWITCH_MAX_STAGES];
	struct flang_span stage_span[FLOWSWITCH_MAX_STAGES];
	unsigned int engine_fallbacks;	/* set by the caller: stages so run */
};

struct flang_txn {
	struct flowswitch_txn txn;	/* flags FLOWSWITCH_TXN_START */
	unsigned int nitems, nports, nflows;
	struct flowswitch_txn_item items[FLANG_TXN_MAX_ITEMS];
	struct flang_txn_info info[FLANG_TXN_MAX_ITEMS];
	struct flowswitch_port_create ports[FLANG_TXN_MAX_ITEMS];
	struct flowswitch_flow_create flows[FLANG_TXN_MAX_ITEMS];
	struct flowswitch_sink sinks[FLANG_TXN_MAX_ITEMS][FLOWSWITCH_MAX_SINKS];
	struct flowswitch_transform stages[FLANG_TXN_MAX_ITEMS]
					  [FLOWSWITCH_MAX_STAGES];
};

/*
 * Translate the last compile's plan into @t (which must not move
 * afterwards: the items point into it).  Returns 0 when @t is complete
 * (warnings, e.g. handlers left to flowd, may have been added), 1 when
 * errors were added as diagnostics (something the kernel cannot do),
 * -EINVAL when there is no plan, -ENOMEM.
 */
int flang_txn_build(struct flang_ctx *ctx, struct flang_txn *t);

/* A "dddd:bb:dd.f" or "bb:dd.f" string as FLOWSWITCH_PCI_ADDR(). */
int flang_pci_addr(const char *s, uint32_t *addr);

#ifdef __cplusplus
}
#endif

/* The kernel's stage (enum flowswitch_xform) for @xf, or 0 if none. */
uint32_t flang_xf_kernel_kind(enum flang_transform xf);

#endif /* FLOWLANG_TXN_H */
