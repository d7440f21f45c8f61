/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libflowswitch-nl: the module's generic netlink family from C, on libnl-3.
 *
 * Dumps of what every file descriptor of the module holds, its counters,
 * the P2P verdict of every (provider, initiator) pair, stopping another
 * owner's flow, and the events of all owners.  Attribute trees: the end of
 * <linux/flowswitch.h>.  Every function returns 0 or a negative errno;
 * when the kernel explained a refusal (extended ACK), fsw_nl_error() has
 * its message.  Nothing here prints.
 */
#ifndef FLOWSWITCH_NL_H
#define FLOWSWITCH_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/flowswitch.h>

struct fsw_nl;

struct fsw_nl_owner {
	uint32_t id;
	uint32_t pid;
	uint32_t uid;
	char comm[16];
};

struct fsw_nl_stats {
	uint32_t abi_major, abi_minor;
	uint64_t features;
	uint32_t providers, files, ports, flows;
	uint64_t pool_bytes, p2p_bytes, host_bytes;
	uint32_t fallbacks, canary_failures;
	uint64_t events, events_dropped;
};

struct fsw_nl_port {
	struct fsw_nl_owner owner;
	uint32_t id, kind, access, dio_align, users;
	uint64_t size;
	char path[4096];
	char disk[64];
	bool has_pci;
	uint32_t pci;
	uint32_t bar; /* memory ports */
	uint64_t bar_offset;
};

struct fsw_nl_flow {
	struct fsw_nl_owner owner;
	uint32_t id;
	char name[FLOWSWITCH_NAME_LEN];
	uint32_t state;
	uint32_t src_port;
	uint64_t src_offset;
	uint32_t nr_sinks;
	uint32_t sink_port[FLOWSWITCH_MAX_SINKS];
	uint64_t sink_offset[FLOWSWITCH_MAX_SINKS];
	uint64_t length, bytes_done, chunks_done, rate, retries;
	uint32_t chunk, depth, in_flight;
	uint32_t error, fail_stage, fail_sink;
	uint64_t fail_offset;
	uint32_t pool, p2p_reason, provider, canary;
	uint64_t p2p_bytes, host_bytes, elapsed_ns;
	/* transform stages (ABI 1.5): what runs where, never a key */
	uint32_t nr_stages;
	struct {
		uint32_t kind; /* enum flowswitch_xform */
		char alg[FLOWSWITCH_ALG_LEN], driver[FLOWSWITCH_ALG_LEN];
		uint32_t digest_len; /* 0 until the flow is done */
		uint8_t digest[FLOWSWITCH_MAX_DIGEST];
	} stages[FLOWSWITCH_MAX_STAGES];
	uint64_t transform_ns;
	uint64_t out_bytes; /* ABI 1.6: only when stages change lengths */
	bool has_out_bytes;
	uint64_t zerocopy_bytes; /* ABI 1.6: flows with a socket sink */
};

struct fsw_nl_pool {
	struct fsw_nl_owner owner;
	uint32_t flow, kind, chunk, depth, in_use, provider;
	uint64_t bytes;
};

struct fsw_nl_verdict {
	uint32_t provider, initiator, map, reason, bridge, flags;
	int32_t distance;
	uint32_t canary_in, canary_out, canary_in_age_ms, canary_out_age_ms;
};

struct fsw_nl_event {
	bool has_owner;
	struct fsw_nl_owner owner;
	uint32_t type; /* enum flowswitch_nl_event */
	uint32_t flow;
	char name[FLOWSWITCH_NAME_LEN];
	uint32_t state, error, stage, reason, pci;
	uint64_t bytes_done, offset;
	uint32_t digest_len; /* ABI 1.6: a DONE flow's digest */
	uint8_t digest[FLOWSWITCH_MAX_DIGEST];
};

/*
 * Connect and resolve the family.  -ENOENT: the family is not registered
 * (the module is not loaded); other negative errnos from the socket.
 */
int fsw_nl_open(struct fsw_nl **out);
void fsw_nl_close(struct fsw_nl *nl);
/* The socket's descriptor, for poll(). */
int fsw_nl_fd(const struct fsw_nl *nl);
/* The kernel's extended ACK message of the last refusal, or "". */
const char *fsw_nl_error(const struct fsw_nl *nl);

int fsw_nl_get_stats(struct fsw_nl *nl, struct fsw_nl_stats *st);

/*
 * Dumps call @cb once per object; a non-zero return from @cb stops the
 * dump and is returned.  @owner 0 dumps every owner.
 */
typedef int (*fsw_nl_port_cb)(const struct fsw_nl_port *p, void *arg);
typedef int (*fsw_nl_flow_cb)(const struct fsw_nl_flow *f, void *arg);
typedef int (*fsw_nl_pool_cb)(const struct fsw_nl_pool *p, void *arg);
typedef int (*fsw_nl_verdict_cb)(const struct fsw_nl_verdict *v, void *arg);
typedef int (*fsw_nl_event_cb)(const struct fsw_nl_event *ev, void *arg);

int fsw_nl_dump_ports(struct fsw_nl *nl, uint32_t owner, fsw_nl_port_cb cb,
		      void *arg);
int fsw_nl_dump_flows(struct fsw_nl *nl, uint32_t owner, fsw_nl_flow_cb cb,
		      void *arg);
int fsw_nl_dump_pools(struct fsw_nl *nl, uint32_t owner, fsw_nl_pool_cb cb,
		      void *arg);
/* @provider, @initiator: FLOWSWITCH_PCI_ADDR() filters, or UINT32_MAX. */
int fsw_nl_dump_p2p(struct fsw_nl *nl, uint32_t provider, uint32_t initiator,
		    fsw_nl_verdict_cb cb, void *arg);

/* Stop flow @id of owner @owner (needs CAP_NET_ADMIN and CAP_SYS_RAWIO). */
int fsw_nl_flow_stop(struct fsw_nl *nl, uint32_t owner, uint32_t id);

/*
 * Join the events group; then fsw_nl_recv_events() reads what is queued
 * (blocking for the first message unless @nonblock) and calls @cb per
 * event.  -ENOBUFS: the socket's buffer overflowed and events were lost
 * (the kernel does not resend them): a listener that keeps state dumps
 * again; the socket goes on working.
 */
int fsw_nl_subscribe(struct fsw_nl *nl);
int fsw_nl_recv_events(struct fsw_nl *nl, bool nonblock, fsw_nl_event_cb cb,
		       void *arg);

/*
 * Send @cmd with arbitrary raw attributes @attrs (@len bytes of
 * already-formatted netlink attributes) and wait for the ACK: for tests
 * of the kernel's validation.  Returns 0 or the kernel's -errno.
 */
int fsw_nl_raw(struct fsw_nl *nl, uint8_t cmd, uint16_t flags,
	       const void *attrs, size_t len);

const char *fsw_nl_event_name(uint32_t type);

#endif /* FLOWSWITCH_NL_H */
