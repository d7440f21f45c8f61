// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libflowswitch-nl: the module's generic netlink family on libnl-3.
 *
 * One handle, one socket.  A handle that subscribed to events receives
 * only events afterwards (sequence checks are off for it), so a program
 * that also dumps opens two handles.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "flowswitch-nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct fsw_nl {
	struct nl_sock *sk;
	struct nl_cb *cb;
	int family;
	int events_grp;
	int err; /* the kernel's -errno of the last refusal */
	char errmsg[256]; /* and its extended ACK message */
	/* The request in progress: how to take each reply message. */
	int (*parse)(struct fsw_nl *nl, struct nlattr **tb, void *user);
	void *user;
	int user_ret; /* a non-zero return of the caller's cb */
	bool done; /* the ACK, the error or NLMSG_DONE came */
};

static int fsw_nl_valid(struct nl_msg *msg, void *arg)
{
	struct fsw_nl *nl = arg;
	struct nlattr *tb[FLOWSWITCH_A_MAX + 1];
	int ret;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, FLOWSWITCH_A_MAX, NULL))
		return NL_SKIP; /* not ours to understand: a newer kernel */
	/* After the caller said stop, the rest is read and dropped. */
	if (!nl->parse || nl->user_ret)
		return NL_SKIP;
	ret = nl->parse(nl, tb, nl->user);
	if (ret)
		nl->user_ret = ret;
	return NL_OK;
}

static int fsw_nl_err(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	struct fsw_nl *nl = arg;
	size_t off = sizeof(*e);
	int len;

	(void)who;
	nl->done = true;
	nl->err = e->error;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	/* The TLVs follow the request, or only its header when capped. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	len = (int)nlh->nlmsg_len - NLMSG_HDRLEN - (int)off;
	if (len <= 0)
		return NL_STOP;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)e + off),
		      len, NULL))
		return NL_STOP;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(nl->errmsg, sizeof(nl->errmsg), "%s",
			 nla_get_string(tb[NLMSGERR_ATTR_MSG]));
	return NL_STOP;
}

/* The end of an answer: the ACK of a request, NLMSG_DONE of a dump. */
static int fsw_nl_end(struct nl_msg *msg, void *arg)
{
	struct fsw_nl *nl = arg;

	(void)msg;
	nl->done = true;
	return NL_STOP;
}

static int nle_to_errno(int nle)
{
	switch (-nle) {
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_PERM:
		return -EPERM;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_INTR:
		return -EINTR;
	case NLE_SEQ_MISMATCH:
	case NLE_MSG_TRUNC:
		return -EPROTO;
	default:
		return -EIO;
	}
}

int fsw_nl_open(struct fsw_nl **out)
{
	struct fsw_nl *nl;
	int one = 1, ret;

	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	ret = -ENOMEM;
	nl->sk = nl_socket_alloc();
	nl->cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!nl->sk || !nl->cb)
		goto err;
	ret = genl_connect(nl->sk);
	if (ret < 0) {
		ret = nle_to_errno(ret);
		goto err;
	}
	/* The kernel's reasons come as text; ask for them, capped. */
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one,
		   sizeof(one));
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_CAP_ACK, &one,
		   sizeof(one));
	nl->family = genl_ctrl_resolve(nl->sk, FLOWSWITCH_GENL_NAME);
	if (nl->family < 0) {
		ret = -ENOENT;
		goto err;
	}
	nl->events_grp = genl_ctrl_resolve_grp(nl->sk, FLOWSWITCH_GENL_NAME,
					       FLOWSWITCH_GENL_MCAST_EVENTS);
	nl_cb_set(nl->cb, NL_CB_VALID, NL_CB_CUSTOM, fsw_nl_valid, nl);
	nl_cb_set(nl->cb, NL_CB_ACK, NL_CB_CUSTOM, fsw_nl_end, nl);
	nl_cb_set(nl->cb, NL_CB_FINISH, NL_CB_CUSTOM, fsw_nl_end, nl);
	nl_cb_err(nl->cb, NL_CB_CUSTOM, fsw_nl_err, nl);
	*out = nl;
	return 0;
err:
	fsw_nl_close(nl);
	return ret;
}

void fsw_nl_close(struct fsw_nl *nl)
{
	if (!nl)
		return;
	if (nl->cb)
		nl_cb_put(nl->cb);
	if (nl->sk)
		nl_socket_free(nl->sk);
	free(nl);
}

int fsw_nl_fd(const struct fsw_nl *nl)
{
	return nl_socket_get_fd(nl->sk);
}

const char *fsw_nl_error(const struct fsw_nl *nl)
{
	return nl->errmsg;
}

/* Send @msg (consumed) and take replies until the ACK or NLMSG_DONE. */
static int fsw_nl_transact(struct fsw_nl *nl, struct nl_msg *msg,
			   int (*parse)(struct fsw_nl *, struct nlattr **,
					void *),
			   void *user)
{
	int ret;

	nl->err = 0;
	nl->errmsg[0] = '\0';
	nl->user_ret = 0;
	nl->done = false;
	nl->parse = parse;
	nl->user = user;
	ret = nl_send_auto(nl->sk, msg);
	nlmsg_free(msg);
	if (ret < 0)
		return nle_to_errno(ret);
	/*
	 * A reply and its ACK may come in two datagrams: read on until the
	 * end, or the ACK would answer the next request.
	 */
	do
		ret = nl_recvmsgs(nl->sk, nl->cb);
	while (ret >= 0 && !nl->done);
	nl->parse = NULL;
	if (nl->user_ret)
		return nl->user_ret;
	if (nl->err)
		return nl->err;
	return ret < 0 ? nle_to_errno(ret) : 0;
}

static struct nl_msg *fsw_nl_msg(struct fsw_nl *nl, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	/* A dump ends with NLMSG_DONE; anything else is ACKed. */
	if (!(flags & NLM_F_DUMP))
		flags |= NLM_F_ACK;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, flags,
			 cmd, FLOWSWITCH_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static uint32_t get_u32(struct nlattr **tb, int type)
{
	return tb[type] ? nla_get_u32(tb[type]) : 0;
}

static uint64_t get_u64(struct nlattr **tb, int type)
{
	return tb[type] ? nla_get_u64(tb[type]) : 0;
}

static void get_str(struct nlattr **tb, int type, char *buf, size_t len)
{
	buf[0] = '\0';
	if (tb[type])
		snprintf(buf, len, "%s", nla_get_string(tb[type]));
}

static void parse_owner(struct nlattr *nest, struct fsw_nl_owner *o)
{
	struct nlattr *tb[FLOWSWITCH_OWNER_A_MAX + 1];

	memset(o, 0, sizeof(*o));
	if (!nest || nla_parse_nested(tb, FLOWSWITCH_OWNER_A_MAX, nest, NULL))
		return;
	o->id = get_u32(tb, FLOWSWITCH_OWNER_A_ID);
	o->pid = get_u32(tb, FLOWSWITCH_OWNER_A_PID);
	o->uid = get_u32(tb, FLOWSWITCH_OWNER_A_UID);
	get_str(tb, FLOWSWITCH_OWNER_A_COMM, o->comm, sizeof(o->comm));
}

/* ---- stats -------------------------------------------------------- */

static int parse_stats(struct fsw_nl *nl, struct nlattr **top, void *user)
{
	struct nlattr *tb[FLOWSWITCH_STATS_A_MAX + 1];
	struct fsw_nl_stats *st = user;

	(void)nl;
	if (!top[FLOWSWITCH_A_STATS] ||
	    nla_parse_nested(tb, FLOWSWITCH_STATS_A_MAX,
			     top[FLOWSWITCH_A_STATS], NULL))
		return -EPROTO;
	st->abi_major = get_u32(tb, FLOWSWITCH_STATS_A_ABI_MAJOR);
	st->abi_minor = get_u32(tb, FLOWSWITCH_STATS_A_ABI_MINOR);
	st->features = get_u64(tb, FLOWSWITCH_STATS_A_FEATURES);
	st->providers = get_u32(tb, FLOWSWITCH_STATS_A_PROVIDERS);
	st->files = get_u32(tb, FLOWSWITCH_STATS_A_FILES);
	st->ports = get_u32(tb, FLOWSWITCH_STATS_A_PORTS);
	st->flows = get_u32(tb, FLOWSWITCH_STATS_A_FLOWS);
	st->pool_bytes = get_u64(tb, FLOWSWITCH_STATS_A_POOL_BYTES);
	st->p2p_bytes = get_u64(tb, FLOWSWITCH_STATS_A_P2P_BYTES);
	st->host_bytes = get_u64(tb, FLOWSWITCH_STATS_A_HOST_BYTES);
	st->fallbacks = get_u32(tb, FLOWSWITCH_STATS_A_FALLBACKS);
	st->canary_failures = get_u32(tb, FLOWSWITCH_STATS_A_CANARY_FAILURES);
	st->events = get_u64(tb, FLOWSWITCH_STATS_A_EVENTS);
	st->events_dropped = get_u64(tb, FLOWSWITCH_STATS_A_EVENTS_DROPPED);
	return 0;
}

int fsw_nl_get_stats(struct fsw_nl *nl, struct fsw_nl_stats *st)
{
	struct nl_msg *msg = fsw_nl_msg(nl, FLOWSWITCH_NL_CMD_GET_STATS, 0);

	if (!msg)
		return -ENOMEM;
	memset(st, 0, sizeof(*st));
	return fsw_nl_transact(nl, msg, parse_stats, st);
}

/* ---- object dumps ------------------------------------------------- */

struct dump_ctx {
	void *cb;
	void *arg;
};

static int parse_port(struct fsw_nl *nl, struct nlattr **top, void *user)
{
	struct nlattr *tb[FLOWSWITCH_PORT_A_MAX + 1];
	struct dump_ctx *d = user;
	struct fsw_nl_port p;

	(void)nl;
	if (!top[FLOWSWITCH_A_PORT] ||
	    nla_parse_nested(tb, FLOWSWITCH_PORT_A_MAX, top[FLOWSWITCH_A_PORT],
			     NULL))
		return -EPROTO;
	memset(&p, 0, sizeof(p));
	parse_owner(top[FLOWSWITCH_A_OWNER], &p.owner);
	p.id = get_u32(tb, FLOWSWITCH_PORT_A_ID);
	p.kind = get_u32(tb, FLOWSWITCH_PORT_A_KIND);
	p.access = get_u32(tb, FLOWSWITCH_PORT_A_ACCESS);
	p.size = get_u64(tb, FLOWSWITCH_PORT_A_SIZE);
	p.dio_align = get_u32(tb, FLOWSWITCH_PORT_A_DIO_ALIGN);
	p.users = get_u32(tb, FLOWSWITCH_PORT_A_USERS);
	get_str(tb, FLOWSWITCH_PORT_A_PATH, p.path, sizeof(p.path));
	get_str(tb, FLOWSWITCH_PORT_A_DISK, p.disk, sizeof(p.disk));
	p.has_pci = tb[FLOWSWITCH_PORT_A_PCI] != NULL;
	p.pci = get_u32(tb, FLOWSWITCH_PORT_A_PCI);
	p.bar = get_u32(tb, FLOWSWITCH_PORT_A_BAR);
	p.bar_offset = get_u64(tb, FLOWSWITCH_PORT_A_BAR_OFFSET);
	return ((fsw_nl_port_cb)d->cb)(&p, d->arg);
}

static int parse_flow(struct fsw_nl *nl, struct nlattr **top, void *user)
{
	struct nlattr *tb[FLOWSWITCH_FLOW_A_MAX + 1];
	struct nlattr *stb[FLOWSWITCH_SINK_A_MAX + 1];
	struct dump_ctx *d = user;
	struct fsw_nl_flow f;
	struct nlattr *a;
	int rem;

	(void)nl;
	if (!top[FLOWSWITCH_A_FLOW] ||
	    nla_parse_nested(tb, FLOWSWITCH_FLOW_A_MAX, top[FLOWSWITCH_A_FLOW],
			     NULL))
		return -EPROTO;
	memset(&f, 0, sizeof(f));
	parse_owner(top[FLOWSWITCH_A_OWNER], &f.owner);
	f.id = get_u32(tb, FLOWSWITCH_FLOW_A_ID);
	get_str(tb, FLOWSWITCH_FLOW_A_NAME, f.name, sizeof(f.name));
	f.state = get_u32(tb, FLOWSWITCH_FLOW_A_STATE);
	f.src_port = get_u32(tb, FLOWSWITCH_FLOW_A_SRC_PORT);
	f.src_offset = get_u64(tb, FLOWSWITCH_FLOW_A_SRC_OFFSET);
	/* Sinks repeat: walk the nest rather than keep the last. */
	nla_for_each_nested (a, top[FLOWSWITCH_A_FLOW], rem) {
		if (nla_type(a) != FLOWSWITCH_FLOW_A_SINK ||
		    f.nr_sinks == FLOWSWITCH_MAX_SINKS ||
		    nla_parse_nested(stb, FLOWSWITCH_SINK_A_MAX, a, NULL))
			continue;
		f.sink_port[f.nr_sinks] = get_u32(stb, FLOWSWITCH_SINK_A_PORT);
		f.sink_offset[f.nr_sinks] =
			get_u64(stb, FLOWSWITCH_SINK_A_OFFSET);
		f.nr_sinks++;
	}
	f.length = get_u64(tb, FLOWSWITCH_FLOW_A_LENGTH);
	f.bytes_done = get_u64(tb, FLOWSWITCH_FLOW_A_BYTES_DONE);
	f.chunks_done = get_u64(tb, FLOWSWITCH_FLOW_A_CHUNKS_DONE);
	f.chunk = get_u32(tb, FLOWSWITCH_FLOW_A_CHUNK);
	f.depth = get_u32(tb, FLOWSWITCH_FLOW_A_DEPTH);
	f.in_flight = get_u32(tb, FLOWSWITCH_FLOW_A_IN_FLIGHT);
	f.rate = get_u64(tb, FLOWSWITCH_FLOW_A_RATE);
	f.retries = get_u64(tb, FLOWSWITCH_FLOW_A_RETRIES);
	f.error = get_u32(tb, FLOWSWITCH_FLOW_A_ERROR);
	f.fail_stage = get_u32(tb, FLOWSWITCH_FLOW_A_FAIL_STAGE);
	f.fail_sink = get_u32(tb, FLOWSWITCH_FLOW_A_FAIL_SINK);
	f.fail_offset = get_u64(tb, FLOWSWITCH_FLOW_A_FAIL_OFFSET);
	f.pool = get_u32(tb, FLOWSWITCH_FLOW_A_POOL);
	f.p2p_reason = get_u32(tb, FLOWSWITCH_FLOW_A_P2P_REASON);
	f.provider = get_u32(tb, FLOWSWITCH_FLOW_A_PROVIDER);
	f.canary = get_u32(tb, FLOWSWITCH_FLOW_A_CANARY);
	f.p2p_bytes = get_u64(tb, FLOWSWITCH_FLOW_A_P2P_BYTES);
	f.host_bytes = get_u64(tb, FLOWSWITCH_FLOW_A_HOST_BYTES);
	f.elapsed_ns = get_u64(tb, FLOWSWITCH_FLOW_A_ELAPSED_NS);
	f.transform_ns = get_u64(tb, FLOWSWITCH_FLOW_A_TRANSFORM_NS);
	f.has_out_bytes = tb[FLOWSWITCH_FLOW_A_OUT_BYTES] != NULL;
	f.out_bytes = get_u64(tb, FLOWSWITCH_FLOW_A_OUT_BYTES);
	f.zerocopy_bytes = get_u64(tb, FLOWSWITCH_FLOW_A_ZEROCOPY_BYTES);
	nla_for_each_nested (a, top[FLOWSWITCH_A_FLOW], rem) {
		struct nlattr *xtb[FLOWSWITCH_STAGE_A_MAX + 1];
		struct nlattr *dg;

		if (nla_type(a) != FLOWSWITCH_FLOW_A_STAGE ||
		    f.nr_stages == FLOWSWITCH_MAX_STAGES ||
		    nla_parse_nested(xtb, FLOWSWITCH_STAGE_A_MAX, a, NULL))
			continue;
		f.stages[f.nr_stages].kind =
			get_u32(xtb, FLOWSWITCH_STAGE_A_KIND);
		get_str(xtb, FLOWSWITCH_STAGE_A_ALG, f.stages[f.nr_stages].alg,
			sizeof(f.stages[0].alg));
		get_str(xtb, FLOWSWITCH_STAGE_A_DRIVER,
			f.stages[f.nr_stages].driver,
			sizeof(f.stages[0].driver));
		dg = xtb[FLOWSWITCH_STAGE_A_DIGEST];
		if (dg && nla_len(dg) <= FLOWSWITCH_MAX_DIGEST) {
			f.stages[f.nr_stages].digest_len =
				(uint32_t)nla_len(dg);
			memcpy(f.stages[f.nr_stages].digest, nla_data(dg),
			       (size_t)nla_len(dg));
		}
		f.nr_stages++;
	}
	return ((fsw_nl_flow_cb)d->cb)(&f, d->arg);
}

static int parse_pool(struct fsw_nl *nl, struct nlattr **top, void *user)
{
	struct nlattr *tb[FLOWSWITCH_POOL_A_MAX + 1];
	struct dump_ctx *d = user;
	struct fsw_nl_pool p;

	(void)nl;
	if (!top[FLOWSWITCH_A_POOL] ||
	    nla_parse_nested(tb, FLOWSWITCH_POOL_A_MAX, top[FLOWSWITCH_A_POOL],
			     NULL))
		return -EPROTO;
	memset(&p, 0, sizeof(p));
	parse_owner(top[FLOWSWITCH_A_OWNER], &p.owner);
	p.flow = get_u32(tb, FLOWSWITCH_POOL_A_FLOW);
	p.kind = get_u32(tb, FLOWSWITCH_POOL_A_KIND);
	p.bytes = get_u64(tb, FLOWSWITCH_POOL_A_BYTES);
	p.chunk = get_u32(tb, FLOWSWITCH_POOL_A_CHUNK);
	p.depth = get_u32(tb, FLOWSWITCH_POOL_A_DEPTH);
	p.in_use = get_u32(tb, FLOWSWITCH_POOL_A_IN_USE);
	p.provider = get_u32(tb, FLOWSWITCH_POOL_A_PROVIDER);
	return ((fsw_nl_pool_cb)d->cb)(&p, d->arg);
}

static int parse_verdict(struct fsw_nl *nl, struct nlattr **top, void *user)
{
	struct nlattr *tb[FLOWSWITCH_VERDICT_A_MAX + 1];
	struct dump_ctx *d = user;
	struct fsw_nl_verdict v;

	(void)nl;
	if (!top[FLOWSWITCH_A_VERDICT] ||
	    nla_parse_nested(tb, FLOWSWITCH_VERDICT_A_MAX,
			     top[FLOWSWITCH_A_VERDICT], NULL))
		return -EPROTO;
	memset(&v, 0, sizeof(v));
	v.provider = get_u32(tb, FLOWSWITCH_VERDICT_A_PROVIDER);
	v.initiator = get_u32(tb, FLOWSWITCH_VERDICT_A_INITIATOR);
	v.map = get_u32(tb, FLOWSWITCH_VERDICT_A_MAP);
	v.distance = (int32_t)get_u32(tb, FLOWSWITCH_VERDICT_A_DISTANCE);
	v.reason = get_u32(tb, FLOWSWITCH_VERDICT_A_REASON);
	v.bridge = get_u32(tb, FLOWSWITCH_VERDICT_A_BRIDGE);
	v.flags = get_u32(tb, FLOWSWITCH_VERDICT_A_FLAGS);
	v.canary_in = get_u32(tb, FLOWSWITCH_VERDICT_A_CANARY_IN);
	v.canary_out = get_u32(tb, FLOWSWITCH_VERDICT_A_CANARY_OUT);
	v.canary_in_age_ms = get_u32(tb, FLOWSWITCH_VERDICT_A_CANARY_IN_AGE_MS);
	v.canary_out_age_ms =
		get_u32(tb, FLOWSWITCH_VERDICT_A_CANARY_OUT_AGE_MS);
	return ((fsw_nl_verdict_cb)d->cb)(&v, d->arg);
}

static int fsw_nl_dump(struct fsw_nl *nl, uint8_t cmd, uint32_t owner,
		       int (*parse)(struct fsw_nl *, struct nlattr **, void *),
		       void *cb, void *arg)
{
	struct nl_msg *msg = fsw_nl_msg(nl, cmd, NLM_F_DUMP);
	struct dump_ctx d = {cb, arg};

	if (!msg)
		return -ENOMEM;
	if (owner && nla_put_u32(msg, FLOWSWITCH_A_OWNER_ID, owner)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return fsw_nl_transact(nl, msg, parse, &d);
}

int fsw_nl_dump_ports(struct fsw_nl *nl, uint32_t owner, fsw_nl_port_cb cb,
		      void *arg)
{
	return fsw_nl_dump(nl, FLOWSWITCH_NL_CMD_GET_PORT, owner, parse_port,
			   (void *)cb, arg);
}

int fsw_nl_dump_flows(struct fsw_nl *nl, uint32_t owner, fsw_nl_flow_cb cb,
		      void *arg)
{
	return fsw_nl_dump(nl, FLOWSWITCH_NL_CMD_GET_FLOW, owner, parse_flow,
			   (void *)cb, arg);
}

int fsw_nl_dump_pools(struct fsw_nl *nl, uint32_t owner, fsw_nl_pool_cb cb,
		      void *arg)
{
	return fsw_nl_dump(nl, FLOWSWITCH_NL_CMD_GET_POOL, owner, parse_pool,
			   (void *)cb, arg);
}

int fsw_nl_dump_p2p(struct fsw_nl *nl, uint32_t provider, uint32_t initiator,
		    fsw_nl_verdict_cb cb, void *arg)
{
	struct nl_msg *msg =
		fsw_nl_msg(nl, FLOWSWITCH_NL_CMD_P2P_EXPLAIN, NLM_F_DUMP);
	struct dump_ctx d = {(void *)cb, arg};

	if (!msg)
		return -ENOMEM;
	if ((provider != UINT32_MAX &&
	     nla_put_u32(msg, FLOWSWITCH_A_PROVIDER, provider)) ||
	    (initiator != UINT32_MAX &&
	     nla_put_u32(msg, FLOWSWITCH_A_INITIATOR, initiator))) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return fsw_nl_transact(nl, msg, parse_verdict, &d);
}

int fsw_nl_flow_stop(struct fsw_nl *nl, uint32_t owner, uint32_t id)
{
	struct nl_msg *msg = fsw_nl_msg(nl, FLOWSWITCH_NL_CMD_FLOW_STOP, 0);

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, FLOWSWITCH_A_OWNER_ID, owner) ||
	    nla_put_u32(msg, FLOWSWITCH_A_FLOW_ID, id)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return fsw_nl_transact(nl, msg, NULL, NULL);
}

int fsw_nl_raw(struct fsw_nl *nl, uint8_t cmd, uint16_t flags,
	       const void *attrs, size_t len)
{
	struct nl_msg *msg = fsw_nl_msg(nl, cmd, flags);
	void *p;

	if (!msg)
		return -ENOMEM;
	p = nlmsg_reserve(msg, len, 1);
	if (len && !p) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	if (len)
		memcpy(p, attrs, len);
	return fsw_nl_transact(nl, msg, NULL, NULL);
}

/* ---- events ------------------------------------------------------- */

static int fsw_nl_any_seq(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

int fsw_nl_subscribe(struct fsw_nl *nl)
{
	int ret;

	if (nl->events_grp < 0)
		return -ENOENT;
	/* Events are not answers to our requests: no sequence to check. */
	nl_cb_set(nl->cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, fsw_nl_any_seq, NULL);
	/* Room for bursts (an fd closed with hundreds of flows). */
	nl_socket_set_buffer_size(nl->sk, 4 << 20, 0);
	ret = nl_socket_add_membership(nl->sk, nl->events_grp);
	return ret < 0 ? nle_to_errno(ret) : 0;
}

static int parse_event(struct fsw_nl *nl, struct nlattr **top, void *user)
{
	struct nlattr *tb[FLOWSWITCH_EVENT_A_MAX + 1];
	struct dump_ctx *d = user;
	struct fsw_nl_event ev;

	(void)nl;
	if (!top[FLOWSWITCH_A_EVENT] ||
	    nla_parse_nested(tb, FLOWSWITCH_EVENT_A_MAX,
			     top[FLOWSWITCH_A_EVENT], NULL))
		return 0; /* not an event: skip it */
	memset(&ev, 0, sizeof(ev));
	ev.has_owner = top[FLOWSWITCH_A_OWNER] != NULL;
	parse_owner(top[FLOWSWITCH_A_OWNER], &ev.owner);
	ev.type = get_u32(tb, FLOWSWITCH_EVENT_A_TYPE);
	ev.flow = get_u32(tb, FLOWSWITCH_EVENT_A_FLOW);
	get_str(tb, FLOWSWITCH_EVENT_A_NAME, ev.name, sizeof(ev.name));
	ev.state = get_u32(tb, FLOWSWITCH_EVENT_A_STATE);
	ev.bytes_done = get_u64(tb, FLOWSWITCH_EVENT_A_BYTES_DONE);
	ev.error = get_u32(tb, FLOWSWITCH_EVENT_A_ERROR);
	ev.stage = get_u32(tb, FLOWSWITCH_EVENT_A_STAGE);
	ev.offset = get_u64(tb, FLOWSWITCH_EVENT_A_OFFSET);
	if (tb[FLOWSWITCH_EVENT_A_DIGEST] &&
	    nla_len(tb[FLOWSWITCH_EVENT_A_DIGEST]) <= FLOWSWITCH_MAX_DIGEST) {
		ev.digest_len =
			(uint32_t)nla_len(tb[FLOWSWITCH_EVENT_A_DIGEST]);
		memcpy(ev.digest, nla_data(tb[FLOWSWITCH_EVENT_A_DIGEST]),
		       ev.digest_len);
	}
	ev.reason = get_u32(tb, FLOWSWITCH_EVENT_A_REASON);
	ev.pci = get_u32(tb, FLOWSWITCH_EVENT_A_PCI);
	return ((fsw_nl_event_cb)d->cb)(&ev, d->arg);
}

int fsw_nl_recv_events(struct fsw_nl *nl, bool nonblock, fsw_nl_event_cb cb,
		       void *arg)
{
	struct dump_ctx d = {(void *)cb, arg};
	int fd = nl_socket_get_fd(nl->sk);
	int fl = fcntl(fd, F_GETFL);
	int ret;

	nl->parse = parse_event;
	nl->user = &d;
	nl->user_ret = 0;
	if (nonblock)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	/* Blocking: one datagram.  Non-blocking: all that is queued. */
	do
		ret = nl_recvmsgs(nl->sk, nl->cb);
	while (nonblock && ret >= 0 && !nl->user_ret);
	if (nonblock)
		fcntl(fd, F_SETFL, fl);
	nl->parse = NULL;
	if (nl->user_ret)
		return nl->user_ret;
	if (ret == -NLE_AGAIN)
		return 0;
	/* recvmsg()'s ENOBUFS: the socket overflowed, events were lost. */
	if (ret == -NLE_NOMEM)
		return -ENOBUFS;
	return ret < 0 ? nle_to_errno(ret) : 0;
}

const char *fsw_nl_event_name(uint32_t type)
{
	switch (type) {
	case FLOWSWITCH_NL_EVENT_FLOW_STATE:
		return "state";
	case FLOWSWITCH_NL_EVENT_FALLBACK:
		return "fallback";
	case FLOWSWITCH_NL_EVENT_POOL_EXHAUSTED:
		return "pool-exhausted";
	case FLOWSWITCH_NL_EVENT_DEVICE_REMOVED:
		return "device-removed";
	case FLOWSWITCH_NL_EVENT_DEVICE_UNBOUND:
		return "device-unbound";
	case FLOWSWITCH_NL_EVENT_PEER:
		return "peer";
	}
	return "unknown";
}
