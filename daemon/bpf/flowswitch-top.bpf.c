// SPDX-License-Identifier: GPL-2.0
/*
 * flowctl top's kernel half: per-flow chunk latency histograms (log2
 * buckets of nanoseconds), throughput and fallbacks, from the module's
 * tracepoints (kmod/trace.h).
 *
 * Classic tracepoint programs reading the records by the layout that
 * trace.h fixes (64-bit fields first): no kernel structure is touched, so
 * nothing needs relocating and the object loads on any kernel with BPF
 * tracepoint support, with or without BTF (an out-of-tree module has no
 * BTF of its own to relocate against).
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <linux/flowswitch.h>

#include "flowswitch-top.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FSW_TOP_MAX_FLOWS);
	__type(key, struct fsw_top_key);
	__type(value, struct fsw_top_val);
} flows SEC(".maps");

/* The header every trace record starts with. */
struct tp_common {
	__u16 type;
	__u8 flags;
	__u8 preempt_count;
	__s32 pid;
};

struct tp_chunk_submit {
	struct tp_common c;
	__u64 offset, pos;
	__u32 owner, flow, len, stage;
	__s32 sink;
	__u32 retries;
};

struct tp_chunk_complete {
	struct tp_common c;
	__u64 offset, latency_ns;
	__u32 owner, flow, len;
	__s32 result;
};

struct tp_flow_state {
	struct tp_common c;
	__u64 bytes_done;
	__u32 owner, flow, state, error;
};

struct tp_fallback {
	struct tp_common c;
	__u32 owner, flow, reason;
};

static const struct fsw_top_val zero;

static struct fsw_top_val *entry(__u32 owner, __u32 flow)
{
	struct fsw_top_key k = {.owner = owner, .flow = flow};
	struct fsw_top_val *v = bpf_map_lookup_elem(&flows, &k);

	if (v)
		return v;
	/* Full map: the flow goes uncounted; userspace sees it missing. */
	bpf_map_update_elem(&flows, &k, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&flows, &k);
}

static __u32 log2_u64(__u64 v)
{
	__u32 r = 0, s;

	s = (v > 0xffffffffULL) << 5;
	v >>= s;
	r |= s;
	s = (v > 0xffff) << 4;
	v >>= s;
	r |= s;
	s = (v > 0xff) << 3;
	v >>= s;
	r |= s;
	s = (v > 0xf) << 2;
	v >>= s;
	r |= s;
	s = (v > 0x3) << 1;
	v >>= s;
	r |= s;
	return r | (__u32)(v >> 1);
}

SEC("tracepoint/flowswitch/flowswitch_chunk_submit")
int on_chunk_submit(struct tp_chunk_submit *ctx)
{
	struct fsw_top_val *v = entry(ctx->owner, ctx->flow);

	if (!v)
		return 0;
	if (ctx->stage == FLOWSWITCH_STAGE_READ)
		__sync_fetch_and_add(&v->reads, 1);
	else
		__sync_fetch_and_add(&v->writes, 1);
	v->last_ns = bpf_ktime_get_ns();
	return 0;
}

SEC("tracepoint/flowswitch/flowswitch_chunk_complete")
int on_chunk_complete(struct tp_chunk_complete *ctx)
{
	struct fsw_top_val *v = entry(ctx->owner, ctx->flow);
	__u64 b;

	if (!v)
		return 0;
	v->last_ns = bpf_ktime_get_ns();
	if (ctx->result) {
		__sync_fetch_and_add(&v->errors, 1);
		return 0;
	}
	b = log2_u64(ctx->latency_ns);
	/*
	 * The compiler knows b < 64 and would drop the mask; older
	 * verifiers cannot follow log2_u64()'s arithmetic: keep the mask.
	 */
	asm volatile("" : "+r"(b));
	b &= FSW_TOP_LAT_BUCKETS - 1;
	__sync_fetch_and_add(&v->lat[b], 1);
	__sync_fetch_and_add(&v->chunks, 1);
	__sync_fetch_and_add(&v->bytes, ctx->len);
	__sync_fetch_and_add(&v->lat_sum_ns, ctx->latency_ns);
	return 0;
}

SEC("tracepoint/flowswitch/flowswitch_flow_state")
int on_flow_state(struct tp_flow_state *ctx)
{
	struct fsw_top_val *v = entry(ctx->owner, ctx->flow);

	if (v)
		v->state = ctx->state;
	return 0;
}

SEC("tracepoint/flowswitch/flowswitch_fallback")
int on_fallback(struct tp_fallback *ctx)
{
	struct fsw_top_val *v = entry(ctx->owner, ctx->flow);

	if (v)
		__sync_fetch_and_add(&v->fallbacks, 1);
	return 0;
}
