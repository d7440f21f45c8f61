// SPDX-License-Identifier: GPL-2.0
/*
 * flowd's ear on the module's generic netlink family: what happens to the
 * machine rather than to flowd's own flows (those arrive on the engine's
 * event fd).  A PCI function that leaves its driver or the bus, a pool
 * refused to anyone, events the socket could not hold: each is logged and
 * counted for flowctl stats.  Joining the group needs CAP_NET_ADMIN; when
 * flowd has not got it, or runs the embedded engine, it says so once and
 * goes on without.
 */
#include <errno.h>
#include <string.h>
#include <syslog.h>

#include "flowd-nl.h"
#include "flowswitch-nl.h"
#include "flowswitch.h"

struct fsw_nl *flowd_nl_open(struct flowd *d)
{
	struct fsw_nl *nl;
	int ret;

	if (d->eng->ops->kind != FSW_ENGINE_KERNEL)
		return NULL;
	ret = fsw_nl_open(&nl);
	if (!ret) {
		ret = fsw_nl_subscribe(nl);
		if (!ret)
			return nl;
		fsw_nl_close(nl);
	}
	syslog(LOG_WARNING,
	       "netlink events: %s: device removal is seen only through flows "
	       "that fail",
	       strerror(-ret));
	return NULL;
}

static int on_event(const struct fsw_nl_event *ev, void *arg)
{
	struct flowd *d = arg;
	char pci[16];

	switch (ev->type) {
	case FLOWSWITCH_NL_EVENT_DEVICE_REMOVED:
	case FLOWSWITCH_NL_EVENT_DEVICE_UNBOUND:
		fsw_pci_str(ev->pci, pci, sizeof(pci));
		syslog(LOG_NOTICE, "PCI %s %s", pci,
		       ev->type == FLOWSWITCH_NL_EVENT_DEVICE_REMOVED
			       ? "left the bus"
			       : "left its driver");
		d->device_events++;
		break;
	case FLOWSWITCH_NL_EVENT_POOL_EXHAUSTED:
		syslog(LOG_WARNING, "pool refused to %s (pid %u): %s",
		       ev->owner.comm, ev->owner.pid, strerror((int)ev->error));
		d->pool_refusals++;
		break;
	}
	return 0;
}

void flowd_nl_events(struct flowd *d, struct fsw_nl *nl)
{
	int ret = fsw_nl_recv_events(nl, true, on_event, d);

	if (ret == -ENOBUFS) {
		syslog(LOG_WARNING,
		       "netlink events lost: the socket overflowed");
		d->nl_lost++;
	} else if (ret < 0) {
		syslog(LOG_WARNING, "netlink events: %s", strerror(-ret));
	}
}
