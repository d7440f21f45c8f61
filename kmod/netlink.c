// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "flowswitch": what every file descriptor of
 * the module holds (ports, flows, pools), the module's counters, the P2P
 * verdict of every (provider, initiator) pair, stopping another owner's
 * flow, and the events of all owners on one multicast group.  The
 * attribute trees are documented in the UAPI header.
 *
 * The ioctls stay the data plane's interface; this family is for those
 * who did not create the objects: flowctl list, flowd after a restart,
 * monitors.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/pci.h>
#include <linux/pci-p2pdma.h>
#include <linux/pid.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "flowswitch.h"

static struct genl_family fsw_genl;
static atomic64_t fsw_nl_events = ATOMIC64_INIT(0);
static atomic64_t fsw_nl_events_dropped = ATOMIC64_INIT(0);

enum fsw_nl_group {
	FSW_NL_GROUP_EVENTS,
};

/*
 * An event with every attribute is under 300 bytes.  Sized to fit rather
 * than NLMSG_GOODSIZE: a listener's receive buffer is charged the skb's
 * true size, and a burst (a closed fd with hundreds of flows) must not
 * overflow it for want of a few bytes per event.
 */
#define FSW_NL_EVENT_SIZE 512

/* Requests carry only the selectors; everything else is a reply's. */
static const struct nla_policy fsw_nl_policy[FLOWSWITCH_A_MAX + 1] = {
	[FLOWSWITCH_A_OWNER_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[FLOWSWITCH_A_FLOW_ID] = NLA_POLICY_RANGE(NLA_U32, 1, FSW_MAX_OBJS),
	[FLOWSWITCH_A_PROVIDER] = { .type = NLA_U32 },
	[FLOWSWITCH_A_INITIATOR] = { .type = NLA_U32 },
	[FLOWSWITCH_A_OWNER] = { .type = NLA_REJECT },
	[FLOWSWITCH_A_STATS] = { .type = NLA_REJECT },
	[FLOWSWITCH_A_PORT] = { .type = NLA_REJECT },
	[FLOWSWITCH_A_FLOW] = { .type = NLA_REJECT },
	[FLOWSWITCH_A_POOL] = { .type = NLA_REJECT },
	[FLOWSWITCH_A_VERDICT] = { .type = NLA_REJECT },
	[FLOWSWITCH_A_EVENT] = { .type = NLA_REJECT },
};

/*
 * A dump's selector attribute, plus one (0: absent).  Parsed here from
 * the request (genetlink validated it already) because where genetlink
 * keeps the parsed attributes of a dump differs between kernel versions.
 */
static int fsw_nl_dump_selector(struct netlink_callback *cb, int type,
				long *out)
{
	struct nlattr *tb[FLOWSWITCH_A_MAX + 1];
	int ret;

	ret = nlmsg_parse(cb->nlh, GENL_HDRLEN, tb, FLOWSWITCH_A_MAX,
			  fsw_nl_policy, cb->extack);
	if (ret)
		return ret;
	*out = tb[type] ? (long)nla_get_u32(tb[type]) + 1 : 0;
	return 0;
}

static int fsw_nl_put_owner(struct sk_buff *skb, struct fsw_ctx *ctx,
			    bool dump)
{
	struct nlattr *nest = nla_nest_start(skb, FLOWSWITCH_A_OWNER);

	if (!nest ||
	    nla_put_u32(skb, FLOWSWITCH_OWNER_A_ID, ctx->owner) ||
	    nla_put_u32(skb, FLOWSWITCH_OWNER_A_PID,
			dump ? pid_vnr(ctx->pid) : pid_nr(ctx->pid)) ||
	    nla_put_u32(skb, FLOWSWITCH_OWNER_A_UID,
			from_kuid_munged(current_user_ns(), ctx->uid)) ||
	    nla_put_string(skb, FLOWSWITCH_OWNER_A_COMM, ctx->comm))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* ---- GET_STATS ---------------------------------------------------- */

static int fsw_nl_put_stats(struct sk_buff *skb)
{
	struct nlattr *nest = nla_nest_start(skb, FLOWSWITCH_A_STATS);

	if (!nest ||
	    nla_put_u32(skb, FLOWSWITCH_STATS_A_ABI_MAJOR,
			FLOWSWITCH_ABI_MAJOR) ||
	    nla_put_u32(skb, FLOWSWITCH_STATS_A_ABI_MINOR,
			FLOWSWITCH_ABI_MINOR) ||
	    nla_put_u64_64bit(skb, FLOWSWITCH_STATS_A_FEATURES, fsw_features(),
			      FLOWSWITCH_STATS_A_PAD) ||
	    nla_put_u32(skb, FLOWSWITCH_STATS_A_PROVIDERS,
			fsw_p2pmem_providers()) ||
	    nla_put_u32(skb, FLOWSWITCH_STATS_A_FILES,
			atomic_read(&fsw_nr_files)) ||
	    nla_put_u32(skb, FLOWSWITCH_STATS_A_PORTS,
			atomic_read(&fsw_nr_ports)) ||
	    nla_put_u32(skb, FLOWSWITCH_STATS_A_FLOWS,
			atomic_read(&fsw_nr_flows)) ||
	    nla_put_u64_64bit(skb, FLOWSWITCH_STATS_A_POOL_BYTES,
			      atomic64_read(&fsw_pool_bytes),
			      FLOWSWITCH_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWSWITCH_STATS_A_P2P_BYTES,
			      atomic64_read(&fsw_p2p_bytes),
			      FLOWSWITCH_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWSWITCH_STATS_A_HOST_BYTES,
			      atomic64_read(&fsw_host_bytes),
			      FLOWSWITCH_STATS_A_PAD) ||
	    nla_put_u32(skb, FLOWSWITCH_STATS_A_FALLBACKS,
			atomic_read(&fsw_p2p_fallbacks)) ||
	    nla_put_u32(skb, FLOWSWITCH_STATS_A_CANARY_FAILURES,
			atomic_read(&fsw_canary_failures)) ||
	    nla_put_u64_64bit(skb, FLOWSWITCH_STATS_A_EVENTS,
			      atomic64_read(&fsw_nl_events),
			      FLOWSWITCH_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWSWITCH_STATS_A_EVENTS_DROPPED,
			      atomic64_read(&fsw_nl_events_dropped),
			      FLOWSWITCH_STATS_A_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int fsw_nl_get_stats(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &fsw_genl, 0,
				FLOWSWITCH_NL_CMD_GET_STATS);
	if (!hdr || fsw_nl_put_stats(msg)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* ---- object dumps ------------------------------------------------- */

/*
 * cb->args of the object dumps: [0] the owner to go on with, [1] the
 * object id to go on with in it, [2] the owner asked for plus one (0:
 * all), [3] a PATH_MAX scratch buffer for port paths.
 */
typedef int (*fsw_nl_fill_t)(struct sk_buff *skb, struct fsw_obj *obj,
			     struct netlink_callback *cb);

static int fsw_nl_dump_start(struct netlink_callback *cb)
{
	char *buf;
	int ret;

	ret = fsw_nl_dump_selector(cb, FLOWSWITCH_A_OWNER_ID, &cb->args[2]);
	if (ret)
		return ret;
	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	cb->args[0] = 0;
	cb->args[1] = 0;
	cb->args[3] = (long)buf;
	return 0;
}

static int fsw_nl_dump_done(struct netlink_callback *cb)
{
	kfree((void *)cb->args[3]);
	return 0;
}

static int fsw_nl_dump_objs(struct sk_buff *skb, struct netlink_callback *cb,
			    enum fsw_obj_type type, u8 cmd, fsw_nl_fill_t fill)
{
	long want = cb->args[2];
	struct fsw_ctx *ctx;
	struct fsw_obj *obj;
	unsigned long id;
	void *hdr;
	int ret = 0;

	mutex_lock(&fsw_ctxs_lock);
	list_for_each_entry(ctx, &fsw_ctxs, node) {
		if (ctx->owner < cb->args[0] ||
		    (want && ctx->owner != want - 1))
			continue;
		if (ctx->owner != cb->args[0]) {
			cb->args[0] = ctx->owner;
			cb->args[1] = 0;
		}
		mutex_lock(&ctx->lock);
		xa_for_each_start(&ctx->objs, id, obj, cb->args[1]) {
			if (obj->type != type)
				continue;
			hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
					  cb->nlh->nlmsg_seq, &fsw_genl,
					  NLM_F_MULTI, cmd);
			ret = -EMSGSIZE;
			if (hdr && !fsw_nl_put_owner(skb, ctx, true))
				ret = fill(skb, obj, cb);
			if (ret) {
				if (hdr)
					genlmsg_cancel(skb, hdr);
				/* This object first, in the next skb. */
				cb->args[1] = id;
				mutex_unlock(&ctx->lock);
				goto out;
			}
			genlmsg_end(skb, hdr);
		}
		mutex_unlock(&ctx->lock);
		cb->args[0] = ctx->owner + 1;
		cb->args[1] = 0;
	}
out:
	mutex_unlock(&fsw_ctxs_lock);
	/* Nothing fit at all: the object is larger than a message. */
	if (ret && !skb->len)
		return ret;
	return skb->len;
}

static int fsw_nl_fill_port(struct sk_buff *skb, struct fsw_obj *obj,
			    struct netlink_callback *cb)
{
	struct fsw_port *port = container_of(obj, struct fsw_port, obj);
	struct nlattr *nest = nla_nest_start(skb, FLOWSWITCH_A_PORT);
	char *buf = (char *)cb->args[3];
	struct block_device *bdev = NULL;
	struct pci_dev *pdev;
	u32 pci = 0;
	char *path;

	if (!nest ||
	    nla_put_u32(skb, FLOWSWITCH_PORT_A_ID, port->obj.id) ||
	    nla_put_u32(skb, FLOWSWITCH_PORT_A_KIND, port->kind) ||
	    nla_put_u32(skb, FLOWSWITCH_PORT_A_ACCESS, port->access) ||
	    nla_put_u64_64bit(skb, FLOWSWITCH_PORT_A_SIZE, port->size,
			      FLOWSWITCH_PORT_A_PAD) ||
	    nla_put_u32(skb, FLOWSWITCH_PORT_A_DIO_ALIGN, port->dio_align) ||
	    nla_put_u32(skb, FLOWSWITCH_PORT_A_USERS, port->users))
		return -EMSGSIZE;

	if (port->kind == FLOWSWITCH_PORT_MEMORY) {
		if (nla_put_u32(skb, FLOWSWITCH_PORT_A_PCI,
				fsw_pci_addr(port->pdev)) ||
		    nla_put_u32(skb, FLOWSWITCH_PORT_A_BAR, port->bar) ||
		    nla_put_u64_64bit(skb, FLOWSWITCH_PORT_A_BAR_OFFSET,
				      port->bar_offset, FLOWSWITCH_PORT_A_PAD))
			return -EMSGSIZE;
		nla_nest_end(skb, nest);
		return 0;
	}

	path = file_path(port->file, buf, PATH_MAX);
	if (!IS_ERR(path) &&
	    nla_put_string(skb, FLOWSWITCH_PORT_A_PATH, path))
		return -EMSGSIZE;
	if (port->kind == FLOWSWITCH_PORT_BLOCK)
		bdev = I_BDEV(port->file->f_mapping->host);
	else
		bdev = file_inode(port->file)->i_sb->s_bdev;
	if (bdev) {
		snprintf(buf, PATH_MAX, "%pg", bdev);
		if (nla_put_string(skb, FLOWSWITCH_PORT_A_DISK, buf))
			return -EMSGSIZE;
	}
	pdev = fsw_port_pci_dev(port);
	if (pdev) {
		pci = fsw_pci_addr(pdev);
		pci_dev_put(pdev);
		if (nla_put_u32(skb, FLOWSWITCH_PORT_A_PCI, pci))
			return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int fsw_nl_put_flow(struct sk_buff *skb, struct fsw_flow *flow)
{
	struct nlattr *nest = nla_nest_start(skb, FLOWSWITCH_A_FLOW);
	struct flowswitch_flow_query q;
	struct nlattr *sink;
	u32 i;

	if (!nest)
		return -EMSGSIZE;
	fsw_flow_snapshot(flow, &q);
	if (nla_put_u32(skb, FLOWSWITCH_FLOW_A_ID, flow->obj.id) ||
	    (flow->name[0] &&
	     nla_put_string(skb, FLOWSWITCH_FLOW_A_NAME, flow->name)) ||
	    nla_put_u32(skb, FLOWSWITCH_FLOW_A_STATE, q.state) ||
	    nla_put_u32(skb, FLOWSWITCH_FLOW_A_SRC_PORT, flow->src->obj.id) ||
	    nla_put_u64_64bit(skb, FLOWSWITCH_FLOW_A_SRC_OFFSET, flow->src_off,
			      FLOWSWITCH_FLOW_A_PAD))
		return -EMSGSIZE;
	for (i = 0; i < flow->nr_sinks; i++) {
		sink = nla_nest_start(skb, FLOWSWITCH_FLOW_A_SINK);
		if (!sink ||
		    nla_put_u32(skb, FLOWSWITCH_SINK_A_PORT,
				flow->sinks[i]->obj.id) ||
		    nla_put_u64_64bit(skb, FLOWSWITCH_SINK_A_OFFSET,
				      flow->sink_off[i], FLOWSWITCH_SINK_A_PAD))
			return -EMSGSIZE;
		nla_nest_end(skb, sink);
	}
	if (nla_put_u64_64bit(skb, FLOWSWITCH_FLOW_A_LENGTH, q.length,
			      FLOWSWITCH_FLOW_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWSWITCH_FLOW_A_BYTES_DONE, q.bytes_done,
			      FLOWSWITCH_FLOW_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWSWITCH_FLOW_A_CHUNKS_DONE,
			      q.chunks_done, FLOWSWITCH_FLOW_A_PAD) ||
	    nla_put_u32(skb, FLOWSWITCH_FLOW_A_CHUNK, flow->chunk) ||
	    nla_put_u32(skb, FLOWSWITCH_FLOW_A_DEPTH, flow->depth) ||
	    nla_put_u32(skb, FLOWSWITCH_FLOW_A_IN_FLIGHT, q.in_flight) ||
	    nla_put_u64_64bit(skb, FLOWSWITCH_FLOW_A_RATE, flow->rate_bps,
			      FLOWSWITCH_FLOW_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWSWITCH_FLOW_A_RETRIES, q.retries,
			      FLOWSWITCH_FLOW_A_PAD) ||
	    nla_put_u32(skb, FLOWSWITCH_FLOW_A_ERROR, q.error) ||
	    nla_put_u32(skb, FLOWSWITCH_FLOW_A_FAIL_STAGE, q.fail_stage) ||
	    nla_put_u32(skb, FLOWSWITCH_FLOW_A_FAIL_SINK, q.fail_sink) ||
	    nla_put_u64_64bit(skb, FLOWSWITCH_FLOW_A_FAIL_OFFSET,
			      q.fail_offset, FLOWSWITCH_FLOW_A_PAD) ||
	    nla_put_u32(skb, FLOWSWITCH_FLOW_A_POOL, q.pool) ||
	    nla_put_u32(skb, FLOWSWITCH_FLOW_A_P2P_REASON, q.p2p_reason) ||
	    nla_put_u32(skb, FLOWSWITCH_FLOW_A_PROVIDER, q.provider) ||
	    nla_put_u32(skb, FLOWSWITCH_FLOW_A_CANARY, q.canary) ||
	    nla_put_u64_64bit(skb, FLOWSWITCH_FLOW_A_P2P_BYTES, q.p2p_bytes,
			      FLOWSWITCH_FLOW_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWSWITCH_FLOW_A_HOST_BYTES, q.host_bytes,
			      FLOWSWITCH_FLOW_A_PAD) ||
	    nla_put_u64_64bit(skb, FLOWSWITCH_FLOW_A_ELAPSED_NS, q.elapsed_ns,
			      FLOWSWITCH_FLOW_A_PAD) ||
	    fsw_xform_nl_put(skb, flow, FLOWSWITCH_FLOW_A_STAGE) ||
	    (flow->nr_stages &&
	     nla_put_u64_64bit(skb, FLOWSWITCH_FLOW_A_TRANSFORM_NS,
			       q.transform_ns, FLOWSWITCH_FLOW_A_PAD)) ||
	    (flow->out_length != flow->length &&
	     nla_put_u64_64bit(skb, FLOWSWITCH_FLOW_A_OUT_BYTES, q.out_bytes,
			       FLOWSWITCH_FLOW_A_PAD)) ||
	    (flow->sock_watch &&
	     nla_put_u64_64bit(skb, FLOWSWITCH_FLOW_A_ZEROCOPY_BYTES,
			       q.zerocopy_bytes, FLOWSWITCH_FLOW_A_PAD)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int fsw_nl_fill_flow(struct sk_buff *skb, struct fsw_obj *obj,
			    struct netlink_callback *cb)
{
	return fsw_nl_put_flow(skb, container_of(obj, struct fsw_flow, obj));
}

static int fsw_nl_fill_pool(struct sk_buff *skb, struct fsw_obj *obj,
			    struct netlink_callback *cb)
{
	struct fsw_flow *flow = container_of(obj, struct fsw_flow, obj);
	struct nlattr *nest = nla_nest_start(skb, FLOWSWITCH_A_POOL);
	struct flowswitch_flow_query q;

	if (!nest)
		return -EMSGSIZE;
	fsw_flow_snapshot(flow, &q);
	if (nla_put_u32(skb, FLOWSWITCH_POOL_A_FLOW, flow->obj.id) ||
	    nla_put_u32(skb, FLOWSWITCH_POOL_A_KIND, flow->pool_kind) ||
	    nla_put_u64_64bit(skb, FLOWSWITCH_POOL_A_BYTES,
			      (u64)flow->chunk * flow->depth,
			      FLOWSWITCH_POOL_A_PAD) ||
	    nla_put_u32(skb, FLOWSWITCH_POOL_A_CHUNK, flow->chunk) ||
	    nla_put_u32(skb, FLOWSWITCH_POOL_A_DEPTH, flow->depth) ||
	    nla_put_u32(skb, FLOWSWITCH_POOL_A_IN_USE, q.in_flight) ||
	    (flow->provider &&
	     nla_put_u32(skb, FLOWSWITCH_POOL_A_PROVIDER,
			 fsw_pci_addr(flow->provider))))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int fsw_nl_get_port(struct sk_buff *skb, struct netlink_callback *cb)
{
	return fsw_nl_dump_objs(skb, cb, FSW_OBJ_PORT, FLOWSWITCH_NL_CMD_GET_PORT,
				fsw_nl_fill_port);
}

static int fsw_nl_get_flow(struct sk_buff *skb, struct netlink_callback *cb)
{
	return fsw_nl_dump_objs(skb, cb, FSW_OBJ_FLOW, FLOWSWITCH_NL_CMD_GET_FLOW,
				fsw_nl_fill_flow);
}

static int fsw_nl_get_pool(struct sk_buff *skb, struct netlink_callback *cb)
{
	return fsw_nl_dump_objs(skb, cb, FSW_OBJ_FLOW, FLOWSWITCH_NL_CMD_GET_POOL,
				fsw_nl_fill_pool);
}

/* ---- P2P_EXPLAIN -------------------------------------------------- */

/*
 * cb->args: [0] provider filter + 1 (0: all), [1] initiator filter + 1,
 * [2] pairs already sent.  The PCI device list can change between two
 * parts of a dump; a pair is then sent twice or missed, as with any
 * netlink dump of a changing table.
 */
static int fsw_nl_explain_start(struct netlink_callback *cb)
{
	cb->args[2] = 0;
	return fsw_nl_dump_selector(cb, FLOWSWITCH_A_PROVIDER,
				    &cb->args[0]) ?:
	       fsw_nl_dump_selector(cb, FLOWSWITCH_A_INITIATOR, &cb->args[1]);
}

static int fsw_nl_put_verdict(struct sk_buff *skb, struct pci_dev *provider,
			      struct flowswitch_p2p_verdict *v)
{
	struct nlattr *nest = nla_nest_start(skb, FLOWSWITCH_A_VERDICT);

	if (!nest ||
	    nla_put_u32(skb, FLOWSWITCH_VERDICT_A_PROVIDER,
			fsw_pci_addr(provider)) ||
	    nla_put_u32(skb, FLOWSWITCH_VERDICT_A_INITIATOR, v->initiator) ||
	    nla_put_u32(skb, FLOWSWITCH_VERDICT_A_MAP, v->map) ||
	    nla_put_s32(skb, FLOWSWITCH_VERDICT_A_DISTANCE, v->distance) ||
	    nla_put_u32(skb, FLOWSWITCH_VERDICT_A_REASON, v->reason) ||
	    nla_put_u32(skb, FLOWSWITCH_VERDICT_A_BRIDGE, v->bridge) ||
	    nla_put_u32(skb, FLOWSWITCH_VERDICT_A_FLAGS, v->flags) ||
	    nla_put_u32(skb, FLOWSWITCH_VERDICT_A_CANARY_IN, v->canary_in) ||
	    nla_put_u32(skb, FLOWSWITCH_VERDICT_A_CANARY_OUT, v->canary_out) ||
	    nla_put_u32(skb, FLOWSWITCH_VERDICT_A_CANARY_IN_AGE_MS,
			v->canary_in_age_ms) ||
	    nla_put_u32(skb, FLOWSWITCH_VERDICT_A_CANARY_OUT_AGE_MS,
			v->canary_out_age_ms))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static bool fsw_nl_initiator(struct pci_dev *pdev, long want)
{
	if (want)
		return fsw_pci_addr(pdev) == want - 1;
	/* Bridges forward DMA; they do not start it. */
	return !pdev->subordinate;
}

static int fsw_nl_p2p_explain(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct pci_dev *provider = NULL, *client;
	struct flowswitch_p2p_verdict v;
	long n = 0;
	void *hdr;

	if (!IS_ENABLED(CONFIG_PCI_P2PDMA))
		return 0;
	for_each_pci_dev(provider) {
		if (!pci_has_p2pmem(provider) ||
		    (cb->args[0] && fsw_pci_addr(provider) != cb->args[0] - 1))
			continue;
		client = NULL;
		for_each_pci_dev(client) {
			if (!fsw_nl_initiator(client, cb->args[1]))
				continue;
			if (n++ < cb->args[2])
				continue;
			fsw_p2p_judge(provider, client, &v);
			hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
					  cb->nlh->nlmsg_seq, &fsw_genl,
					  NLM_F_MULTI,
					  FLOWSWITCH_NL_CMD_P2P_EXPLAIN);
			if (!hdr || fsw_nl_put_verdict(skb, provider, &v)) {
				if (hdr)
					genlmsg_cancel(skb, hdr);
				pci_dev_put(client);
				pci_dev_put(provider);
				return skb->len;
			}
			genlmsg_end(skb, hdr);
			cb->args[2] = n;
		}
	}
	return skb->len;
}

/* ---- FLOW_STOP ---------------------------------------------------- */

static int fsw_nl_flow_stop(struct sk_buff *skb, struct genl_info *info)
{
	struct fsw_ctx *ctx, *found = NULL;
	struct fsw_obj *obj;
	u32 owner, id;
	int ret;

	/* The capability that opens /dev/flowswitch, on top of the family's. */
	if (!capable(CAP_SYS_RAWIO))
		return -EPERM;
	if (GENL_REQ_ATTR_CHECK(info, FLOWSWITCH_A_OWNER_ID) ||
	    GENL_REQ_ATTR_CHECK(info, FLOWSWITCH_A_FLOW_ID)) {
		NL_SET_ERR_MSG(info->extack, "owner and flow id are required");
		return -EINVAL;
	}
	owner = nla_get_u32(info->attrs[FLOWSWITCH_A_OWNER_ID]);
	id = nla_get_u32(info->attrs[FLOWSWITCH_A_FLOW_ID]);

	mutex_lock(&fsw_ctxs_lock);
	list_for_each_entry(ctx, &fsw_ctxs, node)
		if (ctx->owner == owner) {
			found = ctx;
			/* Held, the context cannot be freed under us. */
			mutex_lock(&ctx->lock);
			break;
		}
	mutex_unlock(&fsw_ctxs_lock);
	if (!found) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[FLOWSWITCH_A_OWNER_ID],
				    "no such owner");
		return -ENOENT;
	}
	obj = fsw_obj_find(found, id, FSW_OBJ_FLOW);
	if (!obj) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[FLOWSWITCH_A_FLOW_ID],
				    "no such flow");
		ret = -ENOENT;
	} else {
		ret = fsw_flow_stop(container_of(obj, struct fsw_flow, obj));
		if (ret)
			NL_SET_ERR_MSG(info->extack, "flow is in a final state");
	}
	mutex_unlock(&found->lock);
	return ret;
}

/* ---- events ------------------------------------------------------- */

static bool fsw_nl_listened(void)
{
	return genl_has_listeners(&fsw_genl, &init_net, FSW_NL_GROUP_EVENTS);
}

static void fsw_nl_send_event(struct sk_buff *msg)
{
	/* ESRCH: the last listener left meanwhile; not a loss. */
	int ret = genlmsg_multicast(&fsw_genl, msg, 0, FSW_NL_GROUP_EVENTS,
				    GFP_KERNEL);

	if (ret && ret != -ESRCH)
		atomic64_inc(&fsw_nl_events_dropped);
	else
		atomic64_inc(&fsw_nl_events);
}

static struct sk_buff *fsw_nl_event_new(void **hdr, struct nlattr **nest,
					struct fsw_ctx *ctx)
{
	struct sk_buff *msg = genlmsg_new(FSW_NL_EVENT_SIZE, GFP_KERNEL);

	if (!msg) {
		atomic64_inc(&fsw_nl_events_dropped);
		return NULL;
	}
	*hdr = genlmsg_put(msg, 0, 0, &fsw_genl, 0, FLOWSWITCH_NL_CMD_EVENT);
	if (!*hdr || (ctx && fsw_nl_put_owner(msg, ctx, false)))
		goto err;
	*nest = nla_nest_start(msg, FLOWSWITCH_A_EVENT);
	if (!*nest)
		goto err;
	return msg;
err:
	nlmsg_free(msg);
	atomic64_inc(&fsw_nl_events_dropped);
	return NULL;
}

static void fsw_nl_event_end(struct sk_buff *msg, void *hdr,
			     struct nlattr *nest, bool failed)
{
	if (failed) {
		nlmsg_free(msg);
		atomic64_inc(&fsw_nl_events_dropped);
		return;
	}
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	fsw_nl_send_event(msg);
}

/* A flow changed state or fell back to host memory. */
void fsw_nl_flow_event(struct fsw_flow *flow, u32 type)
{
	struct flowswitch_flow_query q;
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;
	bool bad;

	if (!fsw_nl_listened())
		return;
	msg = fsw_nl_event_new(&hdr, &nest, flow->ctx);
	if (!msg)
		return;
	fsw_flow_snapshot(flow, &q);
	bad = nla_put_u32(msg, FLOWSWITCH_EVENT_A_TYPE, type) ||
	      nla_put_u32(msg, FLOWSWITCH_EVENT_A_FLOW, flow->obj.id) ||
	      (flow->name[0] &&
	       nla_put_string(msg, FLOWSWITCH_EVENT_A_NAME, flow->name)) ||
	      nla_put_u32(msg, FLOWSWITCH_EVENT_A_STATE, q.state) ||
	      nla_put_u64_64bit(msg, FLOWSWITCH_EVENT_A_BYTES_DONE,
				q.bytes_done, FLOWSWITCH_EVENT_A_PAD);
	if (!bad && type == FLOWSWITCH_NL_EVENT_FALLBACK)
		bad = nla_put_u32(msg, FLOWSWITCH_EVENT_A_REASON,
				  q.p2p_reason);
	if (!bad && type == FLOWSWITCH_NL_EVENT_PEER)
		bad = nla_put_u32(msg, FLOWSWITCH_EVENT_A_ERROR,
				  READ_ONCE(flow->peer_error));
	/* The digest with the news that the flow is done (never a key). */
	if (!bad && q.state == FLOWSWITCH_FLOW_DONE && q.digest_len &&
	    type == FLOWSWITCH_NL_EVENT_FLOW_STATE)
		bad = nla_put(msg, FLOWSWITCH_EVENT_A_DIGEST, q.digest_len,
			      q.digest);
	if (!bad && q.state == FLOWSWITCH_FLOW_FAILED &&
	    type != FLOWSWITCH_NL_EVENT_PEER)
		bad = nla_put_u32(msg, FLOWSWITCH_EVENT_A_ERROR, q.error) ||
		      nla_put_u32(msg, FLOWSWITCH_EVENT_A_STAGE,
				  q.fail_stage) ||
		      nla_put_u64_64bit(msg, FLOWSWITCH_EVENT_A_OFFSET,
					q.fail_offset, FLOWSWITCH_EVENT_A_PAD);
	fsw_nl_event_end(msg, hdr, nest, bad);
}

/* A flow of @ctx was refused its pool. */
void fsw_nl_pool_event(struct fsw_ctx *ctx, int err)
{
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;
	bool bad;

	if (!fsw_nl_listened())
		return;
	msg = fsw_nl_event_new(&hdr, &nest, ctx);
	if (!msg)
		return;
	bad = nla_put_u32(msg, FLOWSWITCH_EVENT_A_TYPE,
			  FLOWSWITCH_NL_EVENT_POOL_EXHAUSTED) ||
	      nla_put_u32(msg, FLOWSWITCH_EVENT_A_ERROR, -err);
	fsw_nl_event_end(msg, hdr, nest, bad);
}

/* A PCI function left the bus or its driver. */
void fsw_nl_device_event(struct pci_dev *pdev, u32 type)
{
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;
	bool bad;

	if (!fsw_nl_listened())
		return;
	msg = fsw_nl_event_new(&hdr, &nest, NULL);
	if (!msg)
		return;
	bad = nla_put_u32(msg, FLOWSWITCH_EVENT_A_TYPE, type) ||
	      nla_put_u32(msg, FLOWSWITCH_EVENT_A_PCI, fsw_pci_addr(pdev));
	fsw_nl_event_end(msg, hdr, nest, bad);
}

/* ---- the family --------------------------------------------------- */

static const struct genl_ops fsw_nl_ops[] = {
	{
		.cmd = FLOWSWITCH_NL_CMD_GET_STATS,
		.doit = fsw_nl_get_stats,
	},
	{
		.cmd = FLOWSWITCH_NL_CMD_GET_PORT,
		.start = fsw_nl_dump_start,
		.dumpit = fsw_nl_get_port,
		.done = fsw_nl_dump_done,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = FLOWSWITCH_NL_CMD_GET_FLOW,
		.start = fsw_nl_dump_start,
		.dumpit = fsw_nl_get_flow,
		.done = fsw_nl_dump_done,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = FLOWSWITCH_NL_CMD_GET_POOL,
		.start = fsw_nl_dump_start,
		.dumpit = fsw_nl_get_pool,
		.done = fsw_nl_dump_done,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = FLOWSWITCH_NL_CMD_P2P_EXPLAIN,
		.start = fsw_nl_explain_start,
		.dumpit = fsw_nl_p2p_explain,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = FLOWSWITCH_NL_CMD_FLOW_STOP,
		.doit = fsw_nl_flow_stop,
		.flags = GENL_ADMIN_PERM,
	},
};

static const struct genl_multicast_group fsw_nl_mcgrps[] = {
	[FSW_NL_GROUP_EVENTS] = {
		.name = FLOWSWITCH_GENL_MCAST_EVENTS,
#ifdef GENL_MCAST_CAP_NET_ADMIN
		/* Events name other users' flows. */
		.flags = GENL_MCAST_CAP_NET_ADMIN,
#endif
	},
};

static struct genl_family fsw_genl __ro_after_init = {
	.name = FLOWSWITCH_GENL_NAME,
	.version = FLOWSWITCH_GENL_VERSION,
	.maxattr = FLOWSWITCH_A_MAX,
	.policy = fsw_nl_policy,
	.module = THIS_MODULE,
	.ops = fsw_nl_ops,
	.n_ops = ARRAY_SIZE(fsw_nl_ops),
	.mcgrps = fsw_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(fsw_nl_mcgrps),
};

int fsw_nl_init(void)
{
	return genl_register_family(&fsw_genl);
}

void fsw_nl_exit(void)
{
	genl_unregister_family(&fsw_genl);
}
