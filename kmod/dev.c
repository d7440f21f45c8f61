// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/flowswitch: the misc device and its per-open-file context.
 */
#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>

#include <linux/flowswitch.h>
#include "flowswitch.h"

static int fsw_fops_open(struct inode *inode, struct file *filp)
{
	struct fsw_ctx *ctx;

	/*
	 * Flows make devices DMA into memory the caller chooses: the same
	 * privilege as raw I/O.  The node's 0600 mode is the first gate; this
	 * is the one that holds when the mode is loosened.
	 */
	if (!capable(CAP_SYS_RAWIO))
		return -EPERM;

	ctx = fsw_ctx_alloc();
	if (!ctx)
		return -ENOMEM;
	filp->private_data = ctx;
	return 0;
}

static int fsw_fops_release(struct inode *inode, struct file *filp)
{
	fsw_ctx_free(filp->private_data);
	return 0;
}

static long fsw_fops_ioctl(struct file *filp, unsigned int cmd,
			   unsigned long arg)
{
	return fsw_dispatch(filp->private_data, cmd, (void __user *)arg);
}

static ssize_t fsw_fops_read(struct file *filp, char __user *buf, size_t len,
			     loff_t *ppos)
{
	return fsw_event_read(filp->private_data, buf, len,
			      filp->f_flags & O_NONBLOCK);
}

static __poll_t fsw_fops_poll(struct file *filp, poll_table *wait)
{
	return fsw_event_poll(filp->private_data, filp, wait);
}

static const struct file_operations fsw_fops = {
	.owner = THIS_MODULE,
	.open = fsw_fops_open,
	.release = fsw_fops_release,
	.read = fsw_fops_read,
	.poll = fsw_fops_poll,
	.unlocked_ioctl = fsw_fops_ioctl,
	/* Every command struct has the same layout on 32 and 64 bit. */
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice fsw_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = FLOWSWITCH_DEVICE_NAME,
	.fops = &fsw_fops,
	.mode = 0600,
};

int fsw_dev_init(void)
{
	return misc_register(&fsw_misc);
}

void fsw_dev_exit(void)
{
	misc_deregister(&fsw_misc);
}
