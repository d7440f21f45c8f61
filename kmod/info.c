// SPDX-License-Identifier: GPL-2.0
/*
 * FLOWSWITCH_IOC_INFO: what this module and the kernel under it can do.
 */
#include <linux/pci.h>
#include <linux/pci-p2pdma.h>

#include <linux/flowswitch.h>
#include "flowswitch.h"

u64 fsw_features(void)
{
	u64 features = 0;

	if (IS_ENABLED(CONFIG_PCI_P2PDMA))
		features |= FLOWSWITCH_FEATURE_P2PDMA;
	/* Registered at load, or the module does not load. */
	features |= FLOWSWITCH_FEATURE_NETLINK;
	return features;
}

/*
 * Counts the PCI functions whose p2pmem is published: the candidates for a
 * p2p pool.  Without CONFIG_PCI_P2PDMA pci_has_p2pmem() is a stub returning
 * false, so this is 0 there.
 */
u32 fsw_p2pmem_providers(void)
{
	struct pci_dev *pdev = NULL;
	u32 n = 0;

	for_each_pci_dev(pdev)
		if (pci_has_p2pmem(pdev))
			n++;
	return n;
}

int fsw_cmd_info(struct fsw_ucmd *ucmd)
{
	struct flowswitch_info *cmd = ucmd->cmd;

	if (cmd->flags || cmd->__reserved || cmd->__reserved2)
		return -EINVAL;

	cmd->abi_major = FLOWSWITCH_ABI_MAJOR;
	cmd->abi_minor = FLOWSWITCH_ABI_MINOR;
	cmd->features = fsw_features();
	cmd->p2pmem_providers = fsw_p2pmem_providers();
	cmd->host_pool_bytes = atomic64_read(&fsw_pool_bytes);
	cmd->nr_flows = atomic_read(&fsw_nr_flows);
	cmd->nr_files = atomic_read(&fsw_nr_files);
	cmd->p2p_bytes = atomic64_read(&fsw_p2p_bytes);
	cmd->host_bytes = atomic64_read(&fsw_host_bytes);
	cmd->p2p_fallbacks = atomic_read(&fsw_p2p_fallbacks);
	cmd->canary_failures = atomic_read(&fsw_canary_failures);
	cmd->nr_ports = atomic_read(&fsw_nr_ports);
	return fsw_ucmd_respond(ucmd, sizeof(*cmd));
}
