/* SPDX-License-Identifier: GPL-2.0 */
/*
 * flowswitch internals shared between the module's files.
 */
#ifndef _FLOWSWITCH_H
#define _FLOWSWITCH_H

#include <linux/compiler.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/types.h>

/*
 * One per open file of /dev/flowswitch.  Everything created through the file
 * hangs off it and goes when the file is released.
 */
struct fsw_ctx {
	struct mutex lock;	/* serialises commands that change the context */
};

/* A command copied in by the dispatcher, as a handler sees it. */
struct fsw_ucmd {
	struct fsw_ctx *ctx;
	void __user *ubuffer;
	u32 user_size;		/* what userspace said; never re-read */
	void *cmd;		/* kernel copy, zero-extended to the op's size */
};

/**
 * struct fsw_ioctl_op - one row of the dispatch table
 * @size: sizeof() the command struct this module knows
 * @min_size: offsetofend() of the last field of the struct's first version;
 *	a shorter @size from userspace is EINVAL
 * @ioctl_num: the full ioctl number, so direction and size bits must match
 * @execute: the handler
 */
struct fsw_ioctl_op {
	unsigned int size;
	unsigned int min_size;
	unsigned int ioctl_num;
	int (*execute)(struct fsw_ucmd *ucmd);
};

/*
 * Largest @size accepted from userspace.  Any longer struct is a caller from
 * a future far beyond this module; refusing it bounds the zero-tail scan.
 */
#define FSW_UCMD_MAX_SIZE PAGE_SIZE

extern const struct fsw_ioctl_op fsw_ioctl_ops[];
extern const size_t fsw_ioctl_nr_ops;

long fsw_dispatch(struct fsw_ctx *ctx, unsigned int cmd, void __user *arg);
int fsw_ucmd_respond(struct fsw_ucmd *ucmd, size_t len);

struct fsw_ctx *fsw_ctx_alloc(void);
void fsw_ctx_free(struct fsw_ctx *ctx);
int fsw_dev_init(void);
void fsw_dev_exit(void);

int fsw_cmd_info(struct fsw_ucmd *ucmd);
u64 fsw_features(void);
u32 fsw_p2pmem_providers(void);

#endif /* _FLOWSWITCH_H */
