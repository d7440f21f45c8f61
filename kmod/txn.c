// SPDX-License-Identifier: GPL-2.0
/*
 * Transactions: a batch of ports and flows created, and optionally
 * started, as one.  Either every item exists afterwards or none does; the
 * caller learns which item failed and why.
 *
 * The whole transaction runs under ctx->lock, so no other command on the
 * file sees it half done.  Items are read with the same rules as a
 * standalone command (size first, zero tail), and their out fields are
 * written back only once everything has been created, so a fault there
 * still undoes the lot.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "flowswitch.h"

union fsw_txn_cmd {
	struct flowswitch_port_create port;
	struct flowswitch_flow_create flow;
};

struct fsw_txn_state {
	struct flowswitch_txn_item items[FLOWSWITCH_MAX_TXN_ITEMS];
	union fsw_txn_cmd cmds[FLOWSWITCH_MAX_TXN_ITEMS];
	u32 user_size[FLOWSWITCH_MAX_TXN_ITEMS];
	u32 ids[FLOWSWITCH_MAX_TXN_ITEMS];	/* made by item i, or 0 */
};

static int fsw_txn_item(struct fsw_ctx *ctx, struct fsw_txn_state *st, u32 i)
{
	struct flowswitch_txn_item *item = &st->items[i];
	void __user *uptr = u64_to_user_ptr(item->cmd_uptr);
	union fsw_txn_cmd *cmd = &st->cmds[i];
	int ret;

	if (item->__reserved)
		return -EINVAL;
	switch (item->op) {
	case FLOWSWITCH_TXN_PORT_CREATE:
		ret = fsw_copy_cmd_from_user(&cmd->port, sizeof(cmd->port),
					     offsetofend(typeof(cmd->port),
							 out_size),
					     uptr, &st->user_size[i]);
		if (ret)
			return ret;
		ret = fsw_port_create(ctx, &cmd->port);
		if (!ret)
			st->ids[i] = cmd->port.out_port_id;
		return ret;
	case FLOWSWITCH_TXN_FLOW_CREATE:
		ret = fsw_copy_cmd_from_user(&cmd->flow, sizeof(cmd->flow),
					     offsetofend(typeof(cmd->flow),
							 out_length),
					     uptr, &st->user_size[i]);
		if (ret)
			return ret;
		/* Only earlier items may be named. */
		ret = fsw_flow_create(ctx, &cmd->flow, st->ids, i);
		if (!ret)
			st->ids[i] = cmd->flow.out_flow_id;
		return ret;
	}
	return -EINVAL;
}

static int fsw_txn_respond(struct fsw_txn_state *st, u32 nr)
{
	u32 i;

	for (i = 0; i < nr; i++) {
		size_t len = st->items[i].op == FLOWSWITCH_TXN_PORT_CREATE ?
			     sizeof(st->cmds[i].port) :
			     sizeof(st->cmds[i].flow);

		if (copy_to_user(u64_to_user_ptr(st->items[i].cmd_uptr),
				 &st->cmds[i],
				 min_t(size_t, st->user_size[i], len)))
			return -EFAULT;
	}
	return 0;
}

static void fsw_txn_undo(struct fsw_ctx *ctx, struct fsw_txn_state *st,
			 u32 nr)
{
	/* Reverse order: flows go before the ports they hold. */
	while (nr--)
		if (st->ids[nr])
			WARN_ON(fsw_obj_destroy(ctx, st->ids[nr]));
}

/* Flows just made are CREATED: starting them cannot fail. */
static void fsw_txn_start(struct fsw_ctx *ctx, struct fsw_txn_state *st,
			  u32 nr)
{
	struct fsw_obj *obj;
	u32 i;

	for (i = 0; i < nr; i++) {
		if (st->items[i].op != FLOWSWITCH_TXN_FLOW_CREATE)
			continue;
		obj = fsw_obj_find(ctx, st->ids[i], FSW_OBJ_FLOW);
		WARN_ON(fsw_flow_start(container_of(obj, struct fsw_flow,
						    obj)));
	}
}

int fsw_cmd_txn(struct fsw_ucmd *ucmd)
{
	struct flowswitch_txn *cmd = ucmd->cmd;
	struct fsw_ctx *ctx = ucmd->ctx;
	struct fsw_txn_state *st;
	u32 i, nr = cmd->nr_items;
	int ret;

	if (cmd->flags & ~FLOWSWITCH_TXN_START || cmd->__reserved ||
	    !nr || nr > FLOWSWITCH_MAX_TXN_ITEMS)
		return -EINVAL;
	st = kvzalloc(sizeof(*st), GFP_KERNEL_ACCOUNT);
	if (!st)
		return -ENOMEM;
	if (copy_from_user(st->items, u64_to_user_ptr(cmd->items_uptr),
			   array_size(nr, sizeof(st->items[0])))) {
		kvfree(st);
		return -EFAULT;
	}

	cmd->out_failed_item = ~0u;
	cmd->out_failed_errno = 0;
	mutex_lock(&ctx->lock);
	for (i = 0; i < nr; i++) {
		ret = fsw_txn_item(ctx, st, i);
		if (ret)
			goto fail;
	}
	i = nr;		/* a failed write-back is no item's fault */
	ret = fsw_txn_respond(st, nr);
	if (!ret)
		ret = fsw_ucmd_respond(ucmd, sizeof(*cmd));
	if (ret)
		goto fail;
	if (cmd->flags & FLOWSWITCH_TXN_START)
		fsw_txn_start(ctx, st, nr);
	mutex_unlock(&ctx->lock);
	kvfree(st);
	return 0;

fail:
	fsw_txn_undo(ctx, st, nr);
	mutex_unlock(&ctx->lock);
	kvfree(st);
	if (i < nr)
		cmd->out_failed_item = i;
	cmd->out_failed_errno = -ret;
	/* The failure report is the point: a fault here loses only it. */
	fsw_ucmd_respond(ucmd, sizeof(*cmd));
	return ret;
}
