// SPDX-License-Identifier: GPL-2.0
/*
 * Ports: endpoints named by a file descriptor the caller already holds.
 *
 * A port takes its own reference on the file and inherits the file's
 * rights: reading needs FMODE_READ, writing FMODE_WRITE.  It never names
 * memory by address.
 */
#include <linux/blkdev.h>
#include <linux/file.h>
#include <linux/slab.h>

#include "flowswitch.h"

/*
 * Direct I/O needs offsets and lengths aligned to the device's logical
 * block: the bdev's own, or for a file the block size of its file system
 * (conservative: some file systems accept the bdev's smaller one).  Our
 * buffers are whole pages, so memory alignment always holds.
 */
static u32 fsw_port_dio_align(struct file *file, u32 kind)
{
	struct inode *inode = file_inode(file);

	if (!(file->f_mode & FMODE_CAN_ODIRECT))
		return 0;
	if (kind == FLOWSWITCH_PORT_BLOCK)
		return bdev_logical_block_size(I_BDEV(file->f_mapping->host));
	return inode->i_sb->s_bdev ? inode->i_sb->s_blocksize : 0;
}

int fsw_port_create(struct fsw_ctx *ctx, struct flowswitch_port_create *cmd)
{
	const u32 access = FLOWSWITCH_PORT_READ | FLOWSWITCH_PORT_WRITE;
	struct fsw_port *port;
	struct file *file;
	umode_t mode;
	int ret;

	lockdep_assert_held(&ctx->lock);
	if (cmd->flags & ~(access | FLOWSWITCH_PORT_BUFFERED) ||
	    !(cmd->flags & access))
		return -EINVAL;

	file = fget(cmd->fd);
	if (!file)
		return -EBADF;
	ret = -EBADF;
	if ((cmd->flags & FLOWSWITCH_PORT_READ) && !(file->f_mode & FMODE_READ))
		goto err_fput;
	if ((cmd->flags & FLOWSWITCH_PORT_WRITE) &&
	    !(file->f_mode & FMODE_WRITE))
		goto err_fput;
	/* An O_APPEND file would put every chunk at its end, not its offset. */
	ret = -EINVAL;
	if ((cmd->flags & FLOWSWITCH_PORT_WRITE) && (file->f_flags & O_APPEND))
		goto err_fput;

	ret = -ENOMEM;
	port = kzalloc(sizeof(*port), GFP_KERNEL_ACCOUNT);
	if (!port)
		goto err_fput;
	port->obj.type = FSW_OBJ_PORT;
	port->file = file;
	port->access = cmd->flags & access;

	mode = file_inode(file)->i_mode;
	if (S_ISBLK(mode)) {
		port->kind = FLOWSWITCH_PORT_BLOCK;
		port->size = bdev_nr_bytes(I_BDEV(file->f_mapping->host));
	} else if (S_ISREG(mode)) {
		port->kind = FLOWSWITCH_PORT_FILE;
		port->size = i_size_read(file_inode(file));
	} else {
		ret = -EOPNOTSUPP;
		goto err_free;
	}
	/* Files whose file system has no read_iter/write_iter. */
	if (((cmd->flags & FLOWSWITCH_PORT_READ) &&
	     !(file->f_mode & FMODE_CAN_READ)) ||
	    ((cmd->flags & FLOWSWITCH_PORT_WRITE) &&
	     !(file->f_mode & FMODE_CAN_WRITE))) {
		ret = -EOPNOTSUPP;
		goto err_free;
	}
	if (!(cmd->flags & FLOWSWITCH_PORT_BUFFERED))
		port->dio_align = fsw_port_dio_align(file, port->kind);

	ret = fsw_obj_insert(ctx, &port->obj);
	if (ret)
		goto err_free;

	cmd->out_port_id = port->obj.id;
	cmd->out_kind = port->kind;
	cmd->out_dio_align = port->dio_align;
	cmd->out_size = port->size;
	return 0;

err_free:
	kfree(port);
err_fput:
	fput(file);
	return ret;
}

void fsw_port_free(struct fsw_port *port)
{
	fput(port->file);
	kfree(port);
}

int fsw_cmd_port_create(struct fsw_ucmd *ucmd)
{
	struct flowswitch_port_create *cmd = ucmd->cmd;
	int ret;

	mutex_lock(&ucmd->ctx->lock);
	ret = fsw_port_create(ucmd->ctx, cmd);
	if (!ret) {
		ret = fsw_ucmd_respond(ucmd, sizeof(*cmd));
		/* The caller never learnt the id: take the port back. */
		if (ret)
			fsw_obj_destroy(ucmd->ctx, cmd->out_port_id);
	}
	mutex_unlock(&ucmd->ctx->lock);
	return ret;
}
