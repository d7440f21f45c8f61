// SPDX-License-Identifier: GPL-2.0
/*
 * A p2p provider going away: its driver unbinds, or the device is removed
 * (hot-unplug, sysfs remove, which unbind first).
 *
 * The provider's p2p memory is device-managed by its driver: on unbind,
 * after the driver's remove(), the kernel waits until every page of it is
 * back and then tears the memory down.  Flows with chunks in it and
 * memory ports (windows) in it would hold that wait until their owner
 * closed its fd -- an unbind, or a hot-unplug, hung on a process.
 *
 * So when the bus says a driver is about to unbind (BUS_NOTIFY_UNBIND_DRIVER,
 * before remove()), every flow using the provider's memory is failed
 * (ENODEV, FLOWSWITCH_STAGE_DEVICE) once its chunks in flight completed --
 * no DMA is left into or out of that memory -- and the memory is given
 * back.  Windows are given back too and their ports refuse new flows.  No
 * new allocation is made from the provider until its driver is gone
 * (BUS_NOTIFY_UNBOUND_DRIVER); then pci_has_p2pmem() is false anyway.
 * The owners keep their objects (failed flows, dead ports) until they
 * destroy them, and learn of it from the FAILED event.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/pci.h>
#include <linux/pci-p2pdma.h>

#include "flowswitch.h"

static bool fsw_flow_uses(struct fsw_flow *flow, struct pci_dev *pdev)
{
	return flow->provider == pdev ||
	       (flow->mem_port && flow->mem_port->pdev == pdev);
}

/* Under ctx->lock: flows first (they DMA into windows), then windows. */
static unsigned int fsw_ctx_release_provider(struct fsw_ctx *ctx,
					     struct pci_dev *pdev)
{
	unsigned int n = 0;
	struct fsw_obj *obj;
	unsigned long id;

	lockdep_assert_held(&ctx->lock);
	xa_for_each(&ctx->objs, id, obj) {
		struct fsw_flow *flow = container_of(obj, struct fsw_flow, obj);

		if (obj->type != FSW_OBJ_FLOW || !fsw_flow_uses(flow, pdev))
			continue;
		fsw_engine_fail_sync(flow, -ENODEV, FLOWSWITCH_STAGE_DEVICE);
		fsw_flow_release_p2p(flow);
		n++;
	}
	xa_for_each(&ctx->objs, id, obj) {
		struct fsw_port *port = container_of(obj, struct fsw_port, obj);

		if (obj->type != FSW_OBJ_PORT ||
		    port->kind != FLOWSWITCH_PORT_MEMORY ||
		    port->pdev != pdev || !port->kva)
			continue;
		fsw_p2p_free(pdev, port->kva, port->size);
		port->kva = NULL;
		n++;
	}
	return n;
}

void fsw_provider_going(struct pci_dev *pdev)
{
	unsigned int n = 0;
	struct fsw_ctx *ctx;

	if (!pci_has_p2pmem(pdev))
		return;
	/*
	 * Without the mark a flow made meanwhile could take fresh memory
	 * and hold the unbind after all; without memory for the mark, the
	 * sweep still frees what exists now.
	 */
	if (fsw_p2p_retire(pdev))
		pci_warn(pdev, "flowswitch: no memory to fence new p2p allocations\n");

	mutex_lock(&fsw_ctxs_lock);
	list_for_each_entry(ctx, &fsw_ctxs, node) {
		mutex_lock(&ctx->lock);
		n += fsw_ctx_release_provider(ctx, pdev);
		mutex_unlock(&ctx->lock);
	}
	mutex_unlock(&fsw_ctxs_lock);
	if (n)
		pci_info(pdev, "p2p provider going away: %u flow(s) and window(s) released\n",
			 n);
}

void fsw_provider_gone(struct pci_dev *pdev)
{
	fsw_p2p_unretire(pdev);
}
