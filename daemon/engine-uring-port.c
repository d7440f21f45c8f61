// SPDX-License-Identifier: GPL-2.0
/*
 * The embedded engine's ports: file and block-device ports on the
 * engine's own dup of the caller's fd, with the module's checks
 * (kmod/port.c) and errnos, plus the same file reopened O_DIRECT where
 * the kernel states an alignment for it; socket ports (checked in
 * engine-uring-sock.c); and a flow's sinks against the ports' spaces.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

/* Two ranges of one flow on the same bytes: it would read what it wrote. */
static bool ranges_clash(const struct uport *a, uint64_t a_off,
			 const struct uport *b, uint64_t b_off, uint64_t len)
{
	/* A socket's two directions are two streams: no clash. */
	if (a->kind == FLOWSWITCH_PORT_SOCKET ||
	    b->kind == FLOWSWITCH_PORT_SOCKET)
		return false;
	if (a->kind != b->kind || a->space_dev != b->space_dev ||
	    a->space_ino != b->space_ino)
		return false;
	a_off += a->space_base;
	b_off += b->space_base;
	return a_off < b_off + len && b_off < a_off + len;
}

/* Do two ports address the same device or file? */
static bool same_space(const struct uport *a, const struct uport *b)
{
	if (a->kind == FLOWSWITCH_PORT_SOCKET ||
	    b->kind == FLOWSWITCH_PORT_SOCKET)
		return false;
	return ranges_clash(a, 0, b, 0, UINT64_MAX / 4);
}

/*
 * The sinks: rights, streams, and -- once the stages have said how long
 * the output is (@sized) -- ranges.  A decompressing flow's output length
 * is known only from its frames: its sinks may share no device or file
 * with its source or each other (kmod/flow.c).
 */
int uport_check_sinks(struct uflow *flow, bool sized)
{
	uint64_t end;
	uint32_t i, j;

	for (i = 0; i < flow->nr_sinks; i++) {
		struct uport *sink = flow->sinks[i];

		if (!(sink->access & FLOWSWITCH_PORT_WRITE))
			return -EBADF;
		if (sink->kind == FLOWSWITCH_PORT_SOCKET) {
			/* A stream has no offsets, and one flow at a time. */
			if (flow->sink_off[i])
				return -EINVAL;
			if (sink->users)
				return -EBUSY;
			for (j = 0; j < i; j++)
				if (flow->sinks[j] == sink)
					return -EINVAL;
			continue;
		}
		if (!sized)
			continue;
		if (flow->rec.framed) {
			if (same_space(flow->src, sink))
				return -EINVAL;
			for (j = 0; j < i; j++)
				if (same_space(flow->sinks[j], sink))
					return -EINVAL;
			continue;
		}
		if (__builtin_add_overflow(flow->sink_off[i],
					   flow->rec.out_length, &end) ||
		    end > (uint64_t)LLONG_MAX)
			return -EOVERFLOW;
		if (sink->kind != FLOWSWITCH_PORT_FILE && end > sink->size)
			return -ENOSPC;
		if (ranges_clash(flow->src, flow->src_off, sink,
				 flow->sink_off[i],
				 flow->length > flow->rec.out_length
					 ? flow->length
					 : flow->rec.out_length))
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (ranges_clash(flow->sinks[j], flow->sink_off[j],
					 sink, flow->sink_off[i],
					 flow->rec.out_length))
				return -EINVAL;
	}
	return 0;
}
