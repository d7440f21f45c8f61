/* SPDX-License-Identifier: GPL-2.0 */
/*
 * flowswitch tracepoints: the data path as it runs.
 *
 *   flowswitch_chunk_submit    an I/O of a chunk issued (read of the
 *                              source, or write of one sink; again after
 *                              a short transfer or a retry)
 *   flowswitch_chunk_complete  a chunk retired (result 0) or an I/O of it
 *                              failed for good (result -errno), with the
 *                              nanoseconds since its read was issued
 *   flowswitch_flow_state      a flow entered a state
 *   flowswitch_fallback        a PREFERRED flow was given host memory
 *
 * Each record starts with the owner (the netlink owner id of the file
 * descriptor) and the flow id, the key of `flowctl top`'s BPF maps.  The
 * field order is ABI for daemon/bpf/flowswitch-top.bpf.c: 64-bit fields
 * first, so no field has padding before it.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM flowswitch

#if !defined(_FSW_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _FSW_TRACE_H

#include <linux/ktime.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include "flowswitch.h"

#define fsw_show_stage(stage)						\
	__print_symbolic(stage,						\
			 { FLOWSWITCH_STAGE_READ, "read" },		\
			 { FLOWSWITCH_STAGE_WRITE, "write" })

#define fsw_show_state(state)						\
	__print_symbolic(state,						\
			 { FLOWSWITCH_FLOW_CREATED, "created" },	\
			 { FLOWSWITCH_FLOW_RUNNING, "running" },	\
			 { FLOWSWITCH_FLOW_PAUSED, "paused" },		\
			 { FLOWSWITCH_FLOW_DONE, "done" },		\
			 { FLOWSWITCH_FLOW_FAILED, "failed" },		\
			 { FLOWSWITCH_FLOW_STOPPED, "stopped" })

TRACE_EVENT(flowswitch_chunk_submit,
	    TP_PROTO(const struct fsw_flow *flow, const struct fsw_io *io,
		     u64 pos, u32 len),
	    TP_ARGS(flow, io, pos, len),
	    TP_STRUCT__entry(__field(u64, offset)
			     __field(u64, pos)
			     __field(u32, owner)
			     __field(u32, flow)
			     __field(u32, len)
			     __field(u32, stage)
			     __field(s32, sink)
			     __field(u32, retries)),
	    TP_fast_assign(__entry->offset = io->slot->off;
			   __entry->pos = pos;
			   __entry->owner = flow->ctx->owner;
			   __entry->flow = flow->obj.id;
			   __entry->len = len;
			   __entry->stage = io->idx ? FLOWSWITCH_STAGE_WRITE :
						      FLOWSWITCH_STAGE_READ;
			   __entry->sink = (s32)io->idx - 1;
			   __entry->retries = io->slot->retries;),
	    TP_printk("owner=%u flow=%u %s sink=%d offset=%llu pos=%llu len=%u retries=%u",
		      __entry->owner, __entry->flow,
		      fsw_show_stage(__entry->stage), __entry->sink,
		      __entry->offset, __entry->pos, __entry->len,
		      __entry->retries)
);

TRACE_EVENT(flowswitch_chunk_complete,
	    TP_PROTO(const struct fsw_flow *flow, const struct fsw_slot *slot,
		     int result),
	    TP_ARGS(flow, slot, result),
	    TP_STRUCT__entry(__field(u64, offset)
			     __field(u64, latency_ns)
			     __field(u32, owner)
			     __field(u32, flow)
			     __field(u32, len)
			     __field(s32, result)),
	    TP_fast_assign(__entry->offset = slot->off;
			   __entry->latency_ns = ktime_get_ns() - slot->issue_ns;
			   __entry->owner = flow->ctx->owner;
			   __entry->flow = flow->obj.id;
			   __entry->len = slot->len;
			   __entry->result = result;),
	    TP_printk("owner=%u flow=%u offset=%llu len=%u latency_ns=%llu result=%d",
		      __entry->owner, __entry->flow, __entry->offset,
		      __entry->len, __entry->latency_ns, __entry->result)
);

TRACE_EVENT(flowswitch_flow_state,
	    TP_PROTO(const struct fsw_flow *flow, u32 state, u32 error,
		     u64 bytes_done),
	    TP_ARGS(flow, state, error, bytes_done),
	    TP_STRUCT__entry(__field(u64, bytes_done)
			     __field(u32, owner)
			     __field(u32, flow)
			     __field(u32, state)
			     __field(u32, error)
			     __array(char, name, FLOWSWITCH_NAME_LEN)),
	    TP_fast_assign(__entry->bytes_done = bytes_done;
			   __entry->owner = flow->ctx->owner;
			   __entry->flow = flow->obj.id;
			   __entry->state = state;
			   __entry->error = error;
			   strscpy(__entry->name, flow->name,
				   FLOWSWITCH_NAME_LEN);),
	    TP_printk("owner=%u flow=%u name=%s state=%s error=%u bytes_done=%llu",
		      __entry->owner, __entry->flow, __entry->name,
		      fsw_show_state(__entry->state), __entry->error,
		      __entry->bytes_done)
);

TRACE_EVENT(flowswitch_fallback,
	    TP_PROTO(const struct fsw_flow *flow, u32 reason),
	    TP_ARGS(flow, reason),
	    TP_STRUCT__entry(__field(u32, owner)
			     __field(u32, flow)
			     __field(u32, reason)),
	    TP_fast_assign(__entry->owner = flow->ctx->owner;
			   __entry->flow = flow->obj.id;
			   __entry->reason = reason;),
	    TP_printk("owner=%u flow=%u reason=%u", __entry->owner,
		      __entry->flow, __entry->reason)
);

#endif /* _FSW_TRACE_H */

/* Out of tree the header is beside the .c files: CFLAGS_trace.o. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
