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

	ret = get_user(ucmd.user_size, (u32 __user *)arg);
	if (ret)
		return ret;
	if (ucmd.user_size < op->min_size)
		return -EINVAL;
	if (ucmd.user_size > FSW_UCMD_MAX_SIZE)
		return -E2BIG;

	ret = copy_struct_from_user(ucmd.cmd, op->size, arg, ucmd.user_size);
	if (ret)
		return ret;
	return op->execute(&ucmd);
}
