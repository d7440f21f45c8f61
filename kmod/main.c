// SPDX-License-Identifier: GPL-2.0
/*
 * flowswitch: module init and exit.
 *
 * Init brings the parts up in order and unwinds with labels named for what
 * they undo; exit takes them down in reverse.  The misc device comes last:
 * once it is registered, userspace can reach everything else.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>

#include <linux/flowswitch.h>
#include "flowswitch.h"

static int __init fsw_mod_init(void)
{
	int ret;

	/*
	 * Unbound: a flow's work sleeps in synchronous writes and flushes and
	 * must not hold up a CPU's other work items.
	 */
	fsw_wq = alloc_workqueue("flowswitch", WQ_UNBOUND, 0);
	if (!fsw_wq)
		return -ENOMEM;

	/* Before the PCI notifier, whose events it sends. */
	ret = fsw_nl_init();
	if (ret)
		goto err_destroy_wq;

	ret = fsw_canary_init();
	if (ret)
		goto err_nl_exit;

	ret = fsw_provider_init();
	if (ret)
		goto err_canary_exit;

	ret = fsw_dev_init();
	if (ret)
		goto err_provider_exit;

	pr_info("ABI %u.%u, p2pdma %s, %u p2pmem provider(s)\n",
		FLOWSWITCH_ABI_MAJOR, FLOWSWITCH_ABI_MINOR,
		fsw_features() & FLOWSWITCH_FEATURE_P2PDMA ?
			"available" : "not in this kernel",
		fsw_p2pmem_providers());
	return 0;

err_provider_exit:
	fsw_provider_exit();
err_canary_exit:
	fsw_canary_exit();
err_nl_exit:
	fsw_nl_exit();
err_destroy_wq:
	destroy_workqueue(fsw_wq);
	return ret;
}

static void __exit fsw_mod_exit(void)
{
	fsw_dev_exit();
	fsw_provider_exit();
	fsw_canary_exit();
	fsw_p2p_exit();
	fsw_nl_exit();
	destroy_workqueue(fsw_wq);
}

module_init(fsw_mod_init);
module_exit(fsw_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("flowswitch: peripherals as the ports of a data switch");
MODULE_AUTHOR("The flowswitch developers");
