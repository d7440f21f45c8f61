// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctl dispatcher: one table, one way in.
 *
 * Every command struct starts with its size.  The dispatcher reads that
 * size once, rejects it when it is shorter than the command's first version,
 * copies the struct with copy_struct_from_user() (which zero-extends an old
 * caller's struct and refuses a newer caller's non-zero tail with E2BIG) and
 * hands the kernel copy to the handler.  Handlers never touch the user
 * buffer except through fsw_ucmd_respond().
 */
#include <linux/kernel.h>
#include <linux/nospec.h>
#include <linux/stddef.h>
#include <linux/uaccess.h>

#include <linux/flowswitch.h>
#include "flowswitch.h"

/* Big enough for any command struct: the handler's working copy. */
union fsw_ucmd_buffer {
	struct flowswitch_info info;
	struct flowswitch_port_create port_create;
	struct flowswitch_flow_create flow_create;
	struct flowswitch_flow_ctl flow_ctl;
	struct flowswitch_flow_query flow_query;
	struct flowswitch_flow_wait flow_wait;
	struct flowswitch_destroy destroy;
	struct flowswitch_txn txn;
	struct flowswitch_p2p_explain p2p_explain;
};

#define FSW_IOCTL_OP(_cmd, _ioctl, _fn, _struct, _last)                      \
	[(_cmd) - FLOWSWITCH_CMD_BASE] = {                                   \
		.size = sizeof(_struct) +                                    \
			BUILD_BUG_ON_ZERO(sizeof(union fsw_ucmd_buffer) <    \
					  sizeof(_struct)),                  \
		.min_size = offsetofend(_struct, _last),                     \
		.ioctl_num = _ioctl,                                         \
		.execute = _fn,                                              \
	}

const struct fsw_ioctl_op fsw_ioctl_ops[] = {
	FSW_IOCTL_OP(FLOWSWITCH_CMD_INFO, FLOWSWITCH_IOC_INFO, fsw_cmd_info,
		     struct flowswitch_info, __reserved),
	FSW_IOCTL_OP(FLOWSWITCH_CMD_PORT_CREATE, FLOWSWITCH_IOC_PORT_CREATE,
		     fsw_cmd_port_create, struct flowswitch_port_create,
		     out_size),
	FSW_IOCTL_OP(FLOWSWITCH_CMD_FLOW_CREATE, FLOWSWITCH_IOC_FLOW_CREATE,
		     fsw_cmd_flow_create, struct flowswitch_flow_create,
		     out_length),
	FSW_IOCTL_OP(FLOWSWITCH_CMD_FLOW_CTL, FLOWSWITCH_IOC_FLOW_CTL,
		     fsw_cmd_flow_ctl, struct flowswitch_flow_ctl, op),
	FSW_IOCTL_OP(FLOWSWITCH_CMD_FLOW_QUERY, FLOWSWITCH_IOC_FLOW_QUERY,
		     fsw_cmd_flow_query, struct flowswitch_flow_query,
		     elapsed_ns),
	FSW_IOCTL_OP(FLOWSWITCH_CMD_FLOW_WAIT, FLOWSWITCH_IOC_FLOW_WAIT,
		     fsw_cmd_flow_wait, struct flowswitch_flow_wait,
		     __reserved),
	FSW_IOCTL_OP(FLOWSWITCH_CMD_DESTROY, FLOWSWITCH_IOC_DESTROY,
		     fsw_cmd_destroy, struct flowswitch_destroy, __reserved),
	FSW_IOCTL_OP(FLOWSWITCH_CMD_TXN, FLOWSWITCH_IOC_TXN, fsw_cmd_txn,
		     struct flowswitch_txn, __reserved),
	FSW_IOCTL_OP(FLOWSWITCH_CMD_P2P_EXPLAIN, FLOWSWITCH_IOC_P2P_EXPLAIN,
		     fsw_cmd_p2p_explain, struct flowswitch_p2p_explain,
		     p2pmem_free),
};

const size_t fsw_ioctl_nr_ops = ARRAY_SIZE(fsw_ioctl_ops);

/**
 * fsw_ucmd_respond() - copy a command's result back to userspace
 * @ucmd: the command
 * @len: bytes of the kernel struct that hold the result
 *
 * Copies no more than the caller passed in: an older caller gets the fields
 * it knows.
 */
int fsw_ucmd_respond(struct fsw_ucmd *ucmd, size_t len)
{
	if (copy_to_user(ucmd->ubuffer, ucmd->cmd, min_t(size_t, ucmd->user_size, len)))
		return -EFAULT;
	return 0;
}

/**
 * fsw_copy_cmd_from_user() - copy in a command struct by the ABI's rules
 * @dst: kernel struct, @ksize bytes, zero-extended when the caller's is
 *	shorter
 * @ksize: sizeof() the struct this module knows
 * @min_size: the first version's size; shorter is EINVAL
 * @src: the caller's struct, whose first __u32 is its size
 * @user_size: out, that size (read once; never trust the copy's field)
 */
int fsw_copy_cmd_from_user(void *dst, size_t ksize, size_t min_size,
			   void __user *src, u32 *user_size)
{
	int ret;

	ret = get_user(*user_size, (u32 __user *)src);
	if (ret)
		return ret;
	if (*user_size < min_size)
		return -EINVAL;
	if (*user_size > FSW_UCMD_MAX_SIZE)
		return -E2BIG;
	return copy_struct_from_user(dst, ksize, src, *user_size);
}

long fsw_dispatch(struct fsw_ctx *ctx, unsigned int cmd, void __user *arg)
{
	const struct fsw_ioctl_op *op;
	union fsw_ucmd_buffer buf;
	struct fsw_ucmd ucmd = {
		.ctx = ctx,
		.ubuffer = arg,
		.cmd = &buf,
	};
	unsigned int nr = _IOC_NR(cmd);
	int ret;

	if (_IOC_TYPE(cmd) != FLOWSWITCH_TYPE || nr < FLOWSWITCH_CMD_BASE ||
	    nr - FLOWSWITCH_CMD_BASE >= fsw_ioctl_nr_ops)
		return -ENOTTY;
	op = &fsw_ioctl_ops[array_index_nospec(nr - FLOWSWITCH_CMD_BASE,
					       fsw_ioctl_nr_ops)];
	if (op->ioctl_num != cmd)
		return -ENOTTY;

	ret = fsw_copy_cmd_from_user(ucmd.cmd, op->size, op->min_size, arg,
				     &ucmd.user_size);
	if (ret)
		return ret;
	return op->execute(&ucmd);
}
