/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * flowswitch: the machine as a data switch.
 *
 * Userspace API of /dev/flowswitch.  This header alone is enough to write a
 * client; lib/flowswitch.h wraps it for C programs.
 *
 * Conventions (Documentation/process/botching-up-ioctls.rst, as iommufd):
 *  - Every command struct starts with ``__u32 size``, the number of bytes
 *    userspace passes.  The ioctl number does not encode the size, so a
 *    struct may grow at its end without a new ioctl number.
 *  - A caller with an older (shorter) struct gets the fields it knows; a
 *    caller with a newer (longer) struct is accepted only when every byte the
 *    kernel does not know is zero, otherwise the call fails with E2BIG.
 *  - ``size`` smaller than the command's first version fails with EINVAL.
 *  - Unknown bits in ``flags`` and non-zero ``__reserved`` fields fail with
 *    EINVAL, so they can be given a meaning later.
 *  - Pointers and lengths are __u64; padding is explicit.
 *  - An unknown command fails with ENOTTY.
 *
 * Opening /dev/flowswitch needs CAP_SYS_RAWIO (EPERM otherwise): a flow
 * makes devices DMA into memory.  Everything created through a file
 * descriptor belongs to it and is torn down when it is closed.
 */
#ifndef _UAPI_LINUX_FLOWSWITCH_H
#define _UAPI_LINUX_FLOWSWITCH_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define FLOWSWITCH_DEVICE_NAME "flowswitch"

/*
 * ABI version.  The major number changes only if an existing struct or
 * command changes meaning (never, we hope); the minor number grows with
 * every command or field added.
 */
#define FLOWSWITCH_ABI_MAJOR 1
#define FLOWSWITCH_ABI_MINOR 0

/* 0xF5 is unassigned in Documentation/userspace-api/ioctl/ioctl-number.rst */
#define FLOWSWITCH_TYPE 0xF5
#define FLOWSWITCH_CMD_BASE 0x80

enum {
	FLOWSWITCH_CMD_INFO = FLOWSWITCH_CMD_BASE,
};

/**
 * enum flowswitch_feature - bits of &flowswitch_info.features
 * @FLOWSWITCH_FEATURE_P2PDMA: the running kernel was built with
 *	CONFIG_PCI_P2PDMA, so peer-to-peer pools can exist.  Without it
 *	every flow uses host memory, and says so.
 */
enum flowswitch_feature {
	FLOWSWITCH_FEATURE_P2PDMA = 1 << 0,
};

/**
 * struct flowswitch_info - ioctl(FLOWSWITCH_IOC_INFO)
 * @size: sizeof(struct flowswitch_info)
 * @flags: must be 0
 * @abi_major: out, FLOWSWITCH_ABI_MAJOR of the running module
 * @abi_minor: out, FLOWSWITCH_ABI_MINOR of the running module
 * @features: out, bitmap of enum flowswitch_feature
 * @p2pmem_providers: out, number of PCI functions whose peer-to-peer memory
 *	is published through the kernel's P2PDMA framework (NVMe CMBs, BARs
 *	claimed by a provider driver); always 0 without
 *	FLOWSWITCH_FEATURE_P2PDMA
 * @__reserved: must be 0
 *
 * Describes the module and what the kernel under it can do.  Input fields
 * are @size and @flags; the rest is written by the kernel.
 */
struct flowswitch_info {
	__u32 size;
	__u32 flags;
	__u32 abi_major;
	__u32 abi_minor;
	__aligned_u64 features;
	__u32 p2pmem_providers;
	__u32 __reserved;
};

#define FLOWSWITCH_IOC_INFO _IO(FLOWSWITCH_TYPE, FLOWSWITCH_CMD_INFO)

#endif /* _UAPI_LINUX_FLOWSWITCH_H */
