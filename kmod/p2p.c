// SPDX-License-Identifier: GPL-2.0
/*
 * Peer-to-peer memory for flows: which provider, by which path, or why not.
 *
 * The verdict -- may this initiator reach this provider -- is always the
 * kernel's own, pci_p2pdma_distance_many().  What this file adds is the
 * explanation as data: the path (common switch or host bridge), the bridge
 * whose ACS redirect forces traffic upstream, an IOMMU translating the
 * initiator's DMA.  The walk follows the PCIe rules the kernel applies;
 * it decides nothing on its own.
 */
#include <linux/blkdev.h>
#include <linux/iommu.h>
#include <linux/pci.h>
#include <linux/pci-p2pdma.h>
#include <linux/slab.h>

#include "flowswitch.h"

/*
 * flowswitch's own p2p allocations and explain's probe of the free memory
 * are serialised, so the probe never makes one of ours fail.  The lock
 * also guards fsw_retiring: providers whose driver is unbinding, from
 * which nothing more is allocated (unplug.c gives back what was).
 */
static DEFINE_MUTEX(fsw_p2p_lock);
static LIST_HEAD(fsw_retiring);

struct fsw_retiring {
	struct list_head node;
	struct pci_dev *pdev;
};

static bool fsw_p2p_retiring(struct pci_dev *pdev)
{
	struct fsw_retiring *r;

	lockdep_assert_held(&fsw_p2p_lock);
	list_for_each_entry(r, &fsw_retiring, node)
		if (r->pdev == pdev)
			return true;
	return false;
}

void *fsw_p2p_alloc(struct pci_dev *pdev, size_t size)
{
	void *p = NULL;

	mutex_lock(&fsw_p2p_lock);
	if (!fsw_p2p_retiring(pdev))
		p = pci_alloc_p2pmem(pdev, size);
	mutex_unlock(&fsw_p2p_lock);
	return p;
}

/* No more allocations from @pdev until fsw_p2p_unretire(). */
int fsw_p2p_retire(struct pci_dev *pdev)
{
	struct fsw_retiring *r = kmalloc(sizeof(*r), GFP_KERNEL);

	if (!r)
		return -ENOMEM;
	r->pdev = pci_dev_get(pdev);
	mutex_lock(&fsw_p2p_lock);
	list_add(&r->node, &fsw_retiring);
	mutex_unlock(&fsw_p2p_lock);
	return 0;
}

void fsw_p2p_unretire(struct pci_dev *pdev)
{
	struct fsw_retiring *r, *tmp;

	mutex_lock(&fsw_p2p_lock);
	list_for_each_entry_safe(r, tmp, &fsw_retiring, node)
		if (r->pdev == pdev) {
			list_del(&r->node);
			pci_dev_put(r->pdev);
			kfree(r);
		}
	mutex_unlock(&fsw_p2p_lock);
}

/* At unload: an unbind whose UNBOUND notice never came leaves entries. */
void fsw_p2p_exit(void)
{
	struct fsw_retiring *r, *tmp;

	mutex_lock(&fsw_p2p_lock);
	list_for_each_entry_safe(r, tmp, &fsw_retiring, node) {
		list_del(&r->node);
		pci_dev_put(r->pdev);
		kfree(r);
	}
	mutex_unlock(&fsw_p2p_lock);
}

void fsw_p2p_free(struct pci_dev *pdev, void *addr, size_t size)
{
	pci_free_p2pmem(pdev, addr, size);
}

u32 fsw_pci_addr(struct pci_dev *pdev)
{
	return FLOWSWITCH_PCI_ADDR(pci_domain_nr(pdev->bus), pdev->bus->number,
				   PCI_SLOT(pdev->devfn),
				   PCI_FUNC(pdev->devfn));
}

/* The device whose DMA engine serves a port's I/O, or NULL. */
struct device *fsw_port_dma_dev(struct fsw_port *port)
{
	struct block_device *bdev;

	if (port->kind == FLOWSWITCH_PORT_MEMORY)
		return NULL;	/* memory is DMAed to, it does no DMA */
	if (port->kind == FLOWSWITCH_PORT_BLOCK)
		bdev = I_BDEV(port->file->f_mapping->host);
	else
		bdev = file_inode(port->file)->i_sb->s_bdev;
	return bdev ? disk_to_dev(bdev->bd_disk) : NULL;
}

/* Does the block device under a port take p2p pages in its requests? */
static bool fsw_port_queue_p2p(struct fsw_port *port)
{
	struct block_device *bdev;

	if (port->kind == FLOWSWITCH_PORT_BLOCK)
		bdev = I_BDEV(port->file->f_mapping->host);
	else
		bdev = file_inode(port->file)->i_sb->s_bdev;
	return bdev && blk_queue_pci_p2pdma(bdev_get_queue(bdev));
}

/* The PCI function at or above @dev, with a reference; or NULL. */
static struct pci_dev *fsw_pci_of(struct device *dev)
{
	for (; dev; dev = dev->parent)
		if (dev_is_pci(dev))
			return pci_dev_get(to_pci_dev(dev));
	return NULL;
}

/* The PCI function doing a port's DMA, with a reference; or NULL. */
struct pci_dev *fsw_port_pci_dev(struct fsw_port *port)
{
	return fsw_pci_of(fsw_port_dma_dev(port));
}

/* ACS request/completion redirect or egress control: peer traffic goes up. */
static bool fsw_acs_redirects(struct pci_dev *pdev)
{
	u16 ctrl;

	if (!pdev->acs_cap)
		return false;
	pci_read_config_word(pdev, pdev->acs_cap + PCI_ACS_CTRL, &ctrl);
	return ctrl & (PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_EC);
}

static bool fsw_dma_translated(struct pci_dev *pdev)
{
	struct iommu_domain *dom = iommu_get_domain_for_dev(&pdev->dev);

	return dom && dom->type != IOMMU_DOMAIN_IDENTITY;
}

/*
 * One initiator against one provider.  The common upstream bridge and the
 * ACS checks walk the two paths as PCIe routes peer requests: up from each
 * side to the first bridge they share.
 */
void fsw_p2p_judge(struct pci_dev *provider, struct pci_dev *client,
		   struct flowswitch_p2p_verdict *v)
{
	struct pci_dev *a, *b, *common = NULL, *acs = NULL;
	struct device *dev = &client->dev;

	memset(v, 0, sizeof(*v));
	v->initiator = fsw_pci_addr(client);
	v->distance = pci_p2pdma_distance_many(provider, &dev, 1, false);
	v->canary_in = fsw_canary_cached(v->initiator, fsw_pci_addr(provider),
					 false, &v->canary_in_age_ms);
	v->canary_out = fsw_canary_cached(v->initiator, fsw_pci_addr(provider),
					  true, &v->canary_out_age_ms);
	if (fsw_dma_translated(client))
		v->flags |= FLOWSWITCH_VERDICT_IOMMU;

	for (a = provider; a && !common; a = pci_upstream_bridge(a)) {
		if (!acs && fsw_acs_redirects(a))
			acs = a;
		for (b = client; b; b = pci_upstream_bridge(b))
			if (a == b) {
				common = a;
				break;
			}
	}
	for (b = client; common && b && b != common; b = pci_upstream_bridge(b))
		if (!acs && fsw_acs_redirects(b))
			acs = b;
	if (acs)
		v->bridge = fsw_pci_addr(acs);

	if (v->distance < 0) {
		v->map = FLOWSWITCH_MAP_NONE;
		v->reason = acs ? FLOWSWITCH_P2P_ACS_REDIRECT :
				  FLOWSWITCH_P2P_HOST_BRIDGE;
	} else {
		v->map = common && !acs ? FLOWSWITCH_MAP_BUS_ADDR :
					  FLOWSWITCH_MAP_HOST_BRIDGE;
	}
}

/* Fill @clients with the PCI functions doing the ports' DMA. */
static int fsw_p2p_clients(struct fsw_port **ports, u32 n,
			   struct pci_dev **clients)
{
	u32 i;

	for (i = 0; i < n; i++) {
		clients[i] = fsw_pci_of(fsw_port_dma_dev(ports[i]));
		if (!clients[i]) {
			while (i--)
				pci_dev_put(clients[i]);
			return -ENODEV;
		}
	}
	return 0;
}

static void fsw_p2p_put_clients(struct pci_dev **clients, u32 n)
{
	while (n--)
		pci_dev_put(clients[n]);
}

/*
 * Judge @n ports against @provider: fills @verdicts (when non-NULL) and
 * returns the first refusal's reason, or FLOWSWITCH_P2P_OK.
 */
static u32 fsw_p2p_judge_all(struct pci_dev *provider, struct pci_dev **clients,
			     u32 n, struct flowswitch_p2p_verdict *verdicts,
			     s32 *distance)
{
	struct flowswitch_p2p_verdict v;
	u32 i, reason = FLOWSWITCH_P2P_OK;

	*distance = 0;
	for (i = 0; i < n; i++) {
		fsw_p2p_judge(provider, clients[i], &v);
		if (verdicts)
			verdicts[i] = v;
		if (v.distance < 0 && reason == FLOWSWITCH_P2P_OK)
			reason = v.reason;
		if (*distance >= 0)
			*distance = v.distance < 0 ? -1 : *distance + v.distance;
	}
	return reason;
}

/* Any provider at all, with a reference, to explain a refusal against. */
static struct pci_dev *fsw_p2p_any_provider(void)
{
	struct pci_dev *pdev = NULL;

	for_each_pci_dev(pdev)
		if (pci_has_p2pmem(pdev))
			return pdev;	/* for_each_pci_dev holds its ref */
	return NULL;
}

/**
 * fsw_p2p_choose() - the provider for a set of ports, or why there is none
 * @ports: the ports whose devices will DMA into the pool
 * @n: how many
 * @named: FLOWSWITCH_PCI_ADDR() of the provider to use, or ~0 for the
 *	nearest to all of them
 * @verdicts: when non-NULL, one verdict per port against the provider
 * @distance: out, the kernel's total distance, -1 when refused
 * @provider: out, the provider with a reference, when the result is OK
 * @judged: out, FLOWSWITCH_PCI_ADDR() of the provider the verdicts are
 *	about (also when refused), or 0
 *
 * Returns an enum flowswitch_p2p_reason.
 */
u32 fsw_p2p_choose(struct fsw_port **ports, u32 n, u32 named,
		   struct flowswitch_p2p_verdict *verdicts, s32 *distance,
		   struct pci_dev **provider, u32 *judged)
{
	struct pci_dev *clients[FLOWSWITCH_MAX_SINKS + 1];
	struct device *devs[FLOWSWITCH_MAX_SINKS + 1];
	struct pci_dev *pdev;
	u32 i, reason;

	*provider = NULL;
	*distance = -1;
	*judged = 0;
	if (!IS_ENABLED(CONFIG_PCI_P2PDMA))
		return FLOWSWITCH_P2P_NO_KERNEL_SUPPORT;
	if (fsw_p2p_clients(ports, n, clients))
		return FLOWSWITCH_P2P_NOT_PCI;
	for (i = 0; i < n; i++)
		if (!fsw_port_queue_p2p(ports[i])) {
			fsw_p2p_put_clients(clients, n);
			return FLOWSWITCH_P2P_QUEUE;
		}
	for (i = 0; i < n; i++)
		devs[i] = &clients[i]->dev;

	if (named != ~0u) {
		pdev = pci_get_domain_bus_and_slot(named >> 16,
						   (named >> 8) & 0xff,
						   named & 0xff);
		if (!pdev || !pci_has_p2pmem(pdev)) {
			pci_dev_put(pdev);
			reason = FLOWSWITCH_P2P_BAD_PROVIDER;
			goto out;
		}
	} else {
		pdev = pci_p2pmem_find_many(devs, n);
		if (!pdev) {
			/* Say why against some provider, if there is one. */
			pdev = fsw_p2p_any_provider();
			if (!pdev) {
				reason = FLOWSWITCH_P2P_NO_PROVIDER;
				goto out;
			}
		}
	}
	*judged = fsw_pci_addr(pdev);
	reason = fsw_p2p_judge_all(pdev, clients, n, verdicts, distance);
	if (reason == FLOWSWITCH_P2P_OK)
		*provider = pdev;
	else
		pci_dev_put(pdev);
out:
	fsw_p2p_put_clients(clients, n);
	return reason;
}

/* The largest allocation @pdev grants now, to the page (a probe). */
static u64 fsw_p2pmem_free(struct pci_dev *pdev)
{
	u64 lo = 0, hi = SZ_1G >> PAGE_SHIFT;

	mutex_lock(&fsw_p2p_lock);
	if (fsw_p2p_retiring(pdev))
		hi = 0;
	while (lo < hi) {
		u64 mid = (lo + hi + 1) / 2;
		void *p = pci_alloc_p2pmem(pdev, mid << PAGE_SHIFT);

		if (p) {
			pci_free_p2pmem(pdev, p, mid << PAGE_SHIFT);
			lo = mid;
		} else {
			hi = mid - 1;
		}
	}
	mutex_unlock(&fsw_p2p_lock);
	return lo << PAGE_SHIFT;
}

int fsw_cmd_p2p_explain(struct fsw_ucmd *ucmd)
{
	struct flowswitch_p2p_explain *cmd = ucmd->cmd;
	struct flowswitch_p2p_verdict v[FLOWSWITCH_MAX_SINKS + 1];
	struct fsw_port *ports[FLOWSWITCH_MAX_SINKS + 1];
	u32 ids[FLOWSWITCH_MAX_SINKS + 1];
	struct pci_dev *provider;
	struct fsw_obj *obj;
	u32 i, judged, vsize, n = cmd->nr_ports;
	void __user *uv;
	s32 distance;

	/* 0: a caller of ABI 1.2, whose verdicts ended at @flags. */
	vsize = cmd->verdict_size ?:
		offsetofend(struct flowswitch_p2p_verdict, flags);
	if (cmd->flags & ~FLOWSWITCH_FLOW_NAMED_PROVIDER ||
	    !n || n > ARRAY_SIZE(ports) ||
	    vsize < offsetofend(struct flowswitch_p2p_verdict, flags) ||
	    vsize > PAGE_SIZE || vsize % sizeof(u32))
		return -EINVAL;
	if (copy_from_user(ids, u64_to_user_ptr(cmd->ports_uptr),
			   array_size(n, sizeof(ids[0]))))
		return -EFAULT;

	memset(v, 0, sizeof(v));
	mutex_lock(&ucmd->ctx->lock);
	for (i = 0; i < n; i++) {
		obj = fsw_obj_find(ucmd->ctx, ids[i], FSW_OBJ_PORT);
		if (!obj) {
			mutex_unlock(&ucmd->ctx->lock);
			return -ENOENT;
		}
		ports[i] = container_of(obj, struct fsw_port, obj);
	}
	cmd->reason = fsw_p2p_choose(ports, n,
				     cmd->flags & FLOWSWITCH_FLOW_NAMED_PROVIDER ?
					     cmd->provider : ~0u,
				     v, &distance, &provider, &judged);
	mutex_unlock(&ucmd->ctx->lock);

	cmd->distance = distance;
	cmd->provider = judged;
	cmd->p2pmem_free = 0;
	if (provider) {
		cmd->p2pmem_free = fsw_p2pmem_free(provider);
		pci_dev_put(provider);
	}
	n = min(n, cmd->nr_verdicts);
	uv = u64_to_user_ptr(cmd->verdicts_uptr);
	for (i = 0; i < n; i++, uv += vsize) {
		/* Each element as the caller knows it; zeros past ours. */
		if (copy_to_user(uv, &v[i], min_t(size_t, vsize, sizeof(v[i]))))
			return -EFAULT;
		if (vsize > sizeof(v[i]) &&
		    clear_user(uv + sizeof(v[i]), vsize - sizeof(v[i])))
			return -EFAULT;
	}
	cmd->nr_verdicts = n;
	return fsw_ucmd_respond(ucmd, sizeof(*cmd));
}
