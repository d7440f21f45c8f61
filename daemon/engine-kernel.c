// SPDX-License-Identifier: GPL-2.0
/*
 * The module's engine: every op is one ioctl on /dev/flowswitch, events
 * are read() on the same descriptor.  The caller's structs go to the
 * kernel as they are (their size fields set by the caller), so the
 * module's own validation and errnos reach the daemon unchanged.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "engine.h"
#include "flowswitch.h"

struct fsw_kernel_engine {
	struct fsw_engine base;
	int fd;
};

static int kernel_fd(struct fsw_engine *e)
{
	return ((struct fsw_kernel_engine *)e)->fd;
}

static int kernel_txn(struct fsw_engine *e, struct flowswitch_txn *txn)
{
	return ioctl(kernel_fd(e), FLOWSWITCH_IOC_TXN, txn) ? -errno : 0;
}

static int kernel_flow_ctl(struct fsw_engine *e, uint32_t flow_id, uint32_t op)
{
	struct flowswitch_flow_ctl cmd = {
		.size = sizeof(cmd),
		.flow_id = flow_id,
		.op = op,
	};

	return ioctl(kernel_fd(e), FLOWSWITCH_IOC_FLOW_CTL, &cmd) ? -errno : 0;
}

static int kernel_flow_query(struct fsw_engine *e, uint32_t flow_id,
			     struct flowswitch_flow_query *q)
{
	q->flow_id = flow_id;
	return ioctl(kernel_fd(e), FLOWSWITCH_IOC_FLOW_QUERY, q) ? -errno : 0;
}

static int kernel_destroy(struct fsw_engine *e, uint32_t id)
{
	struct flowswitch_destroy cmd = {.size = sizeof(cmd), .id = id};

	return ioctl(kernel_fd(e), FLOWSWITCH_IOC_DESTROY, &cmd) ? -errno : 0;
}

static int kernel_event_fd(struct fsw_engine *e)
{
	return kernel_fd(e);
}

static ssize_t kernel_read_events(struct fsw_engine *e,
				  struct flowswitch_event *ev, size_t n)
{
	ssize_t got;

	if (!n)
		return 0;
	/* The descriptor is O_NONBLOCK: an empty queue is EAGAIN. */
	do {
		got = read(kernel_fd(e), ev, n * sizeof(*ev));
	} while (got < 0 && errno == EINTR);
	if (got < 0)
		return errno == EAGAIN ? 0 : -errno;
	return got / (ssize_t)sizeof(*ev);
}

/* Closing the descriptor makes the module stop and free everything. */
static void kernel_close(struct fsw_engine *e)
{
	struct fsw_kernel_engine *k = (struct fsw_kernel_engine *)e;

	if (!k)
		return;
	close(k->fd);
	free(k);
}

static const struct fsw_engine_ops kernel_ops = {
	.kind = FSW_ENGINE_KERNEL,
	.name = "kernel",
	.txn = kernel_txn,
	.flow_ctl = kernel_flow_ctl,
	.flow_query = kernel_flow_query,
	.destroy = kernel_destroy,
	.event_fd = kernel_event_fd,
	.read_events = kernel_read_events,
	.close = kernel_close,
};

struct fsw_engine *fsw_engine_kernel_open(const char *dev)
{
	struct fsw_kernel_engine *k = calloc(1, sizeof(*k));
	int err;

	if (!k)
		return NULL;
	k->fd = open(dev ? dev : FSW_DEFAULT_DEVICE,
		     O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (k->fd < 0) {
		err = errno;
		free(k);
		errno = err;
		return NULL;
	}
	k->base.ops = &kernel_ops;
	return &k->base;
}
