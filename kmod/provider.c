// SPDX-License-Identifier: GPL-2.0
/*
 * flowswitch_bar: publishes a PCI function's BAR as peer-to-peer memory.
 *
 * NVMe CMBs are published by the nvme driver; any other device with memory
 * behind a BAR (an FPGA, a GPU aperture, QEMU's ivshmem) can lend it to
 * flows through this driver.  It claims no device by itself: bind it with
 *
 *   echo flowswitch_bar > /sys/bus/pci/devices/DDDD:BB:DD.F/driver_override
 *   echo DDDD:BB:DD.F > /sys/bus/pci/drivers_probe
 *
 * (or new_id).  The BAR is the module parameter provider_bar, or by default
 * the function's largest memory BAR.  The kernel's P2PDMA framework needs
 * the BAR to cover whole memory subsections (2 MiB on x86-64).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/pci.h>
#include <linux/pci-p2pdma.h>

#include "flowswitch.h"

static int fsw_provider_bar = -1;
module_param_named(provider_bar, fsw_provider_bar, int, 0644);
MODULE_PARM_DESC(provider_bar,
		 "BAR flowswitch_bar publishes (-1: the largest memory BAR)");

static int fsw_provider_pick_bar(struct pci_dev *pdev)
{
	int bar, best = -1;

	if (fsw_provider_bar >= 0)
		return fsw_provider_bar < PCI_STD_NUM_BARS ? fsw_provider_bar :
							     -EINVAL;
	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++)
		if (pci_resource_flags(pdev, bar) & IORESOURCE_MEM &&
		    (best < 0 || pci_resource_len(pdev, bar) >
				 pci_resource_len(pdev, best)))
			best = bar;
	return best < 0 ? -ENODEV : best;
}

static int fsw_provider_probe(struct pci_dev *pdev,
			      const struct pci_device_id *id)
{
	int bar, ret;

	bar = fsw_provider_pick_bar(pdev);
	if (bar < 0)
		return bar;
	if (!(pci_resource_flags(pdev, bar) & IORESOURCE_MEM)) {
		pci_err(pdev, "BAR %d is not memory\n", bar);
		return -EINVAL;
	}
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	/* Device-managed: released when the driver unbinds. */
	ret = pci_p2pdma_add_resource(pdev, bar, 0, 0);
	if (ret) {
		pci_err(pdev, "cannot publish BAR %d as p2p memory: %d%s\n",
			bar, ret,
			IS_ENABLED(CONFIG_PCI_P2PDMA) ? "" :
			" (kernel built without CONFIG_PCI_P2PDMA)");
		return ret;
	}
	pci_p2pmem_publish(pdev, true);
	pci_info(pdev, "BAR %d (%llu KiB) published as p2p memory\n", bar,
		 (unsigned long long)pci_resource_len(pdev, bar) >> 10);
	return 0;
}

static void fsw_provider_remove(struct pci_dev *pdev)
{
	pci_p2pmem_publish(pdev, false);
}

static struct pci_driver fsw_provider_driver = {
	.name = "flowswitch_bar",
	.probe = fsw_provider_probe,
	.remove = fsw_provider_remove,
};

int fsw_provider_init(void)
{
	return pci_register_driver(&fsw_provider_driver);
}

void fsw_provider_exit(void)
{
	pci_unregister_driver(&fsw_provider_driver);
}
