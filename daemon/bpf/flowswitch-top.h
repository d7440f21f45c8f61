/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What daemon/bpf/flowswitch-top.bpf.c keeps per flow, as flowctl top
 * reads it: shared by the BPF program and userspace.
 */
#ifndef FLOWSWITCH_TOP_H
#define FLOWSWITCH_TOP_H

/*
 * Bucket b counts chunk latencies in [2^b, 2^(b+1)) ns (bucket 0 also 0):
 * 64 of them, one per bit, so that a mask bounds the index for every
 * verifier.
 */
#define FSW_TOP_LAT_BUCKETS 64
#define FSW_TOP_MAX_FLOWS 4096

struct fsw_top_key {
	__u32 owner;		/* the netlink owner id of the descriptor */
	__u32 flow;
};

struct fsw_top_val {
	__u64 lat[FSW_TOP_LAT_BUCKETS];
	__u64 chunks;		/* retired chunks: result 0 */
	__u64 bytes;		/* their bytes */
	__u64 errors;		/* I/Os that failed for good */
	__u64 reads;		/* read I/Os issued (again after a short one) */
	__u64 writes;		/* write I/Os issued, one per sink */
	__u64 fallbacks;
	__u64 lat_sum_ns;
	__u64 last_ns;		/* bpf_ktime_get_ns() of the last record */
	__u32 state;		/* the last state seen, 0 none */
	__u32 pad;
};

#endif /* FLOWSWITCH_TOP_H */
