// SPDX-License-Identifier: GPL-2.0
/*
 * Ports: endpoints named by a file descriptor the caller already holds: a
 * block device, a regular file, a connected stream socket (sock.c).
 *
 * A port takes its own reference on the file and inherits the file's
 * rights: reading needs FMODE_READ, writing FMODE_WRITE.  It never names
 * memory by address.
 */
#include <linux/blkdev.h>
#include <linux/file.h>
#include <linux/pci.h>
#include <linux/pci-p2pdma.h>
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

/* Which BAR of @pdev holds bus address @bus, and where in it. */
static int fsw_port_bar_of(struct pci_dev *pdev, pci_bus_addr_t bus,
			   u64 *offset)
{
	int bar;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		pci_bus_addr_t start = pci_bus_address(pdev, bar);

		if (pci_resource_flags(pdev, bar) & IORESOURCE_MEM &&
		    bus >= start && bus - start < pci_resource_len(pdev, bar)) {
			*offset = bus - start;
			return bar;
		}
	}
	return -1;
}

/*
 * A window of a function's published p2p memory.  The window comes from
 * the provider's pool like any p2p allocation, so it never overlaps
 * memory a flow or another driver holds; its place in the BAR is reported.
 */
static int fsw_port_create_bar(struct fsw_ctx *ctx,
			       struct flowswitch_port_create *cmd)
{
	const u32 known = FLOWSWITCH_PORT_READ | FLOWSWITCH_PORT_WRITE |
			  FLOWSWITCH_PORT_PCI_BAR;
	struct fsw_port *port;
	struct pci_dev *pdev;
	u64 offset = 0;
	int bar, ret;

	if (cmd->flags & ~known || cmd->fd != -1 || !cmd->window_size ||
	    !IS_ALIGNED(cmd->window_size, PAGE_SIZE) ||
	    cmd->window_size > SZ_4G)
		return -EINVAL;
	pdev = pci_get_domain_bus_and_slot(cmd->pci_addr >> 16,
					   (cmd->pci_addr >> 8) & 0xff,
					   cmd->pci_addr & 0xff);
	if (!pdev || !pci_has_p2pmem(pdev)) {
		pci_dev_put(pdev);
		return -ENODEV;
	}
	ret = -ENOMEM;
	port = kzalloc(sizeof(*port), GFP_KERNEL_ACCOUNT);
	if (!port)
		goto err_put;
	port->kva = fsw_p2p_alloc(pdev, cmd->window_size);
	if (!port->kva)
		goto err_free;
	port->obj.type = FSW_OBJ_PORT;
	port->kind = FLOWSWITCH_PORT_MEMORY;
	port->access = cmd->flags & (FLOWSWITCH_PORT_READ |
				     FLOWSWITCH_PORT_WRITE);
	port->size = cmd->window_size;
	port->pdev = pdev;
	bar = fsw_port_bar_of(pdev, pci_p2pmem_virt_to_bus(pdev, port->kva),
			      &offset);
	port->bar = bar;
	port->bar_offset = offset;
	ret = fsw_obj_insert(ctx, &port->obj);
	if (ret)
		goto err_p2p;
	cmd->out_port_id = port->obj.id;
	cmd->out_kind = port->kind;
	cmd->out_dio_align = 0;
	cmd->out_size = port->size;
	cmd->out_bar = bar;
	cmd->out_bar_offset = offset;
	atomic_inc(&fsw_nr_ports);
	return 0;

err_p2p:
	fsw_p2p_free(pdev, port->kva, port->size);
err_free:
	kfree(port);
err_put:
	pci_dev_put(pdev);
	return ret;
}

int fsw_port_create(struct fsw_ctx *ctx, struct flowswitch_port_create *cmd)
{
	const u32 access = FLOWSWITCH_PORT_READ | FLOWSWITCH_PORT_WRITE;
	struct fsw_port *port;
	struct file *file;
	umode_t mode;
	int ret;

	lockdep_assert_held(&ctx->lock);
	if (!(cmd->flags & access))
		return -EINVAL;
	if (cmd->flags & FLOWSWITCH_PORT_PCI_BAR)
		return fsw_port_create_bar(ctx, cmd);
	if (cmd->flags & ~(access | FLOWSWITCH_PORT_BUFFERED) ||
	    cmd->pci_addr || cmd->window_size)
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
	} else if (S_ISSOCK(mode)) {
		ret = fsw_sock_port_check(file);
		if (ret)
			goto err_free;
		port->kind = FLOWSWITCH_PORT_SOCKET;
		port->size = 0;	/* a stream */
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
	if (!(cmd->flags & FLOWSWITCH_PORT_BUFFERED) &&
	    port->kind != FLOWSWITCH_PORT_SOCKET)
		port->dio_align = fsw_port_dio_align(file, port->kind);

	ret = fsw_obj_insert(ctx, &port->obj);
	if (ret)
		goto err_free;

	cmd->out_port_id = port->obj.id;
	cmd->out_kind = port->kind;
	cmd->out_dio_align = port->dio_align;
	cmd->out_size = port->size;
	cmd->out_bar = 0;
	cmd->out_bar_offset = 0;
	atomic_inc(&fsw_nr_ports);
	return 0;

err_free:
	kfree(port);
err_fput:
	fput(file);
	return ret;
}

atomic_t fsw_nr_ports = ATOMIC_INIT(0);

/* Only ever for a port that was inserted (and so counted). */
void fsw_port_free(struct fsw_port *port)
{
	atomic_dec(&fsw_nr_ports);
	if (port->kind == FLOWSWITCH_PORT_MEMORY) {
		/* NULL: given back when its provider went away (unplug.c). */
		if (port->kva)
			fsw_p2p_free(port->pdev, port->kva, port->size);
		pci_dev_put(port->pdev);
	} else {
		fput(port->file);
	}
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
