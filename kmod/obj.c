// SPDX-License-Identifier: GPL-2.0
/*
 * The per-file context and the objects it holds.
 *
 * Ports and flows live in the context's xarray under ids from 1 to
 * FSW_MAX_OBJS.  Creation, destruction and lookup happen under ctx->lock;
 * a flow that must be used without the lock (FLOW_WAIT) is pinned by its
 * kref first.
 *
 * Every context is also on fsw_ctxs, so the netlink family can show what
 * all of them hold.  Lock order: fsw_ctxs_lock, then a ctx->lock.
 */
#include <linux/cred.h>
#include <linux/pid.h>
#include <linux/slab.h>

#include "flowswitch.h"

atomic_t fsw_nr_files = ATOMIC_INIT(0);
LIST_HEAD(fsw_ctxs);
/* Guards fsw_ctxs and fsw_next_owner. */
DEFINE_MUTEX(fsw_ctxs_lock);
static u32 fsw_next_owner;	/* under fsw_ctxs_lock */

struct fsw_ctx *fsw_ctx_alloc(void)
{
	struct fsw_ctx *ctx;

	/* Charged to the opener's memcg: contexts are userspace's to make. */
	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return NULL;
	mutex_init(&ctx->lock);
	xa_init_flags(&ctx->objs, XA_FLAGS_ALLOC1);
	spin_lock_init(&ctx->ev_lock);
	INIT_KFIFO(ctx->events);
	init_waitqueue_head(&ctx->ev_wait);
	ctx->pid = get_task_pid(current, PIDTYPE_TGID);
	ctx->uid = current_uid();
	get_task_comm(ctx->comm, current);

	mutex_lock(&fsw_ctxs_lock);
	/* Never 0; 2^32 opens before a number comes back. */
	ctx->owner = ++fsw_next_owner ?: ++fsw_next_owner;
	list_add_tail(&ctx->node, &fsw_ctxs);
	mutex_unlock(&fsw_ctxs_lock);
	atomic_inc(&fsw_nr_files);
	return ctx;
}

/*
 * Called when the file is released, so no ioctl runs: flows go first (each
 * drains its chunks in flight), then the ports they held.
 */
void fsw_ctx_free(struct fsw_ctx *ctx)
{
	struct fsw_obj *obj;
	unsigned long id;

	/* Out of the dumps' sight first: they take fsw_ctxs_lock first. */
	mutex_lock(&fsw_ctxs_lock);
	list_del(&ctx->node);
	mutex_unlock(&fsw_ctxs_lock);

	mutex_lock(&ctx->lock);
	xa_for_each(&ctx->objs, id, obj)
		if (obj->type == FSW_OBJ_FLOW)
			fsw_flow_destroy(ctx, container_of(obj, struct fsw_flow,
							   obj));
	xa_for_each(&ctx->objs, id, obj) {
		struct fsw_port *port = container_of(obj, struct fsw_port, obj);

		WARN_ON(port->users);
		fsw_obj_remove(ctx, obj);
		fsw_port_free(port);
	}
	WARN_ON(ctx->pool_bytes);
	mutex_unlock(&ctx->lock);

	xa_destroy(&ctx->objs);
	mutex_destroy(&ctx->lock);
	put_pid(ctx->pid);
	kfree(ctx);
	atomic_dec(&fsw_nr_files);
}

int fsw_obj_insert(struct fsw_ctx *ctx, struct fsw_obj *obj)
{
	int ret;

	lockdep_assert_held(&ctx->lock);
	/*
	 * In turn, not lowest-free: an event or a stale id of a destroyed
	 * object must not name the next one.
	 */
	ret = xa_alloc_cyclic(&ctx->objs, &obj->id, obj,
			      XA_LIMIT(1, FSW_MAX_OBJS), &ctx->next_id,
			      GFP_KERNEL_ACCOUNT);
	/* EBUSY when the range is full; 1 when the cursor wrapped. */
	if (ret == -EBUSY)
		return -EMFILE;
	return ret < 0 ? ret : 0;
}

void fsw_obj_remove(struct fsw_ctx *ctx, struct fsw_obj *obj)
{
	lockdep_assert_held(&ctx->lock);
	xa_erase(&ctx->objs, obj->id);
}

struct fsw_obj *fsw_obj_find(struct fsw_ctx *ctx, u32 id,
			     enum fsw_obj_type type)
{
	struct fsw_obj *obj;

	lockdep_assert_held(&ctx->lock);
	obj = xa_load(&ctx->objs, id);
	return obj && obj->type == type ? obj : NULL;
}

int fsw_obj_destroy(struct fsw_ctx *ctx, u32 id)
{
	struct fsw_port *port;
	struct fsw_obj *obj;

	lockdep_assert_held(&ctx->lock);
	obj = xa_load(&ctx->objs, id);
	if (!obj)
		return -ENOENT;
	switch (obj->type) {
	case FSW_OBJ_FLOW:
		fsw_flow_destroy(ctx, container_of(obj, struct fsw_flow, obj));
		return 0;
	case FSW_OBJ_PORT:
		port = container_of(obj, struct fsw_port, obj);
		if (port->users)
			return -EBUSY;
		fsw_obj_remove(ctx, obj);
		fsw_port_free(port);
		return 0;
	}
	return -ENOENT;
}

int fsw_cmd_destroy(struct fsw_ucmd *ucmd)
{
	struct flowswitch_destroy *cmd = ucmd->cmd;
	int ret;

	if (cmd->flags || cmd->__reserved)
		return -EINVAL;
	mutex_lock(&ucmd->ctx->lock);
	ret = fsw_obj_destroy(ucmd->ctx, cmd->id);
	mutex_unlock(&ucmd->ctx->lock);
	return ret;
}
