// SPDX-License-Identifier: GPL-2.0
/*
 * The embedded engine's ports: file and block-device ports on the
 * engine's own dup of the caller's fd, with the module's checks
 * (kmod/port.c) and errnos, plus the same file reopened O_DIRECT where
 * the kernel states an alignment for it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "engine-uring.h"

/* A partition's offsets address its disk from the partition's start. */
static void port_block_space(struct uport *port, dev_t rdev)
{
	char path[96], buf[64];
	unsigned long long start;
	unsigned int maj, min;
	FILE *f;

	port->space_dev = rdev;
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/start", major(rdev),
		 minor(rdev));
	f = fopen(path, "re");
	if (!f)
		return; /* a whole disk */
	if (fscanf(f, "%llu", &start) == 1)
		port->space_base = start << 9;
	fclose(f);
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/../dev", major(rdev),
		 minor(rdev));
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, sizeof(buf), f) && sscanf(buf, "%u:%u", &maj, &min) == 2)
		port->space_dev = makedev(maj, min);
	fclose(f);
}

/*
 * Direct I/O through the same file opened again with O_DIRECT (the
 * caller's own fd keeps its flags).  The alignment is the one the kernel
 * states (statx DIOALIGN), or a block device's logical block size; a file
 * system without direct I/O leaves the port buffered, out_dio_align 0.
 */
static void port_open_direct(struct uport *port, int accmode)
{
	struct statx stx;
	char path[64];
	int lbs;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", port->fd);
	port->dio_fd = open(path, accmode | O_DIRECT | O_CLOEXEC);
	if (port->dio_fd < 0)
		return;
	if (port->kind == FLOWSWITCH_PORT_BLOCK) {
		if (!ioctl(port->dio_fd, BLKSSZGET, &lbs) && lbs > 0) {
			port->dio_align = lbs;
			port->dio_mem_align = lbs;
		}
	} else if (!statx(port->dio_fd, "", AT_EMPTY_PATH, STATX_DIOALIGN,
			  &stx) &&
		   (stx.stx_mask & STATX_DIOALIGN) &&
		   stx.stx_dio_offset_align) {
		port->dio_align = stx.stx_dio_offset_align;
		port->dio_mem_align = stx.stx_dio_mem_align;
	}
	if (!port->dio_align) {
		close(port->dio_fd);
		port->dio_fd = -1;
	}
}

void uport_free(struct uport *port)
{
	if (port->dio_fd >= 0)
		close(port->dio_fd);
	close(port->fd);
	free(port);
}

int uport_open(const struct flowswitch_port_create *cmd, struct uport **out)
{
	const uint32_t access = FLOWSWITCH_PORT_READ | FLOWSWITCH_PORT_WRITE;
	const uint32_t bar_known = access | FLOWSWITCH_PORT_PCI_BAR;
	struct uport *port;
	struct stat st;
	int fl, accmode, ret;
	uint64_t size;

	if (!(cmd->flags & access))
		return -EINVAL;
	if (cmd->flags & FLOWSWITCH_PORT_PCI_BAR) {
		if (cmd->flags & ~bar_known || cmd->fd != -1 ||
		    !cmd->window_size || cmd->window_size % 4096 ||
		    cmd->window_size > (4ULL << 30))
			return -EINVAL;
		return -EOPNOTSUPP; /* device memory needs the module */
	}
	if (cmd->flags & ~(access | FLOWSWITCH_PORT_BUFFERED) ||
	    cmd->pci_addr || cmd->window_size)
		return -EINVAL;

	fl = cmd->fd < 0 ? -1 : fcntl(cmd->fd, F_GETFL);
	if (fl < 0 || (fl & O_PATH))
		return -EBADF;
	accmode = fl & O_ACCMODE;
	if ((cmd->flags & FLOWSWITCH_PORT_READ) && accmode == O_WRONLY)
		return -EBADF;
	if ((cmd->flags & FLOWSWITCH_PORT_WRITE) && accmode == O_RDONLY)
		return -EBADF;
	/* An O_APPEND file would put every chunk at its end, not its offset. */
	if ((cmd->flags & FLOWSWITCH_PORT_WRITE) && (fl & O_APPEND))
		return -EINVAL;
	if (fstat(cmd->fd, &st))
		return -errno;

	port = calloc(1, sizeof(*port));
	if (!port)
		return -ENOMEM;
	port->obj.type = UOBJ_PORT;
	port->access = cmd->flags & access;
	port->dio_fd = -1;
	if (S_ISBLK(st.st_mode)) {
		port->kind = FLOWSWITCH_PORT_BLOCK;
		if (ioctl(cmd->fd, BLKGETSIZE64, &size)) {
			ret = -errno;
			free(port);
			return ret;
		}
		port->size = size;
		port_block_space(port, st.st_rdev);
	} else if (S_ISREG(st.st_mode)) {
		port->kind = FLOWSWITCH_PORT_FILE;
		port->size = st.st_size;
		port->space_dev = st.st_dev;
		port->space_ino = st.st_ino;
	} else if (S_ISSOCK(st.st_mode)) {
		ret = usock_port_check(cmd->fd);
		if (ret) {
			free(port);
			return ret;
		}
		port->kind = FLOWSWITCH_PORT_SOCKET;
		port->size = 0; /* a stream */
	} else {
		free(port);
		return -EOPNOTSUPP;
	}
	/* The port's own reference, as the module's fget(). */
	port->fd = fcntl(cmd->fd, F_DUPFD_CLOEXEC, 3);
	if (port->fd < 0) {
		ret = -errno;
		free(port);
		return ret;
	}
	if (!(cmd->flags & FLOWSWITCH_PORT_BUFFERED) &&
	    port->kind != FLOWSWITCH_PORT_SOCKET)
		port_open_direct(port, accmode);

	*out = port;
	return 0;
}
