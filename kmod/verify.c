// SPDX-License-Identifier: GPL-2.0
/*
 * End-to-end integrity (FLOWSWITCH_FLOW_VERIFY): once the flow is flushed,
 * a crc32c of the source's range and one of each sink's, every one read
 * back from its device through host memory (cached pages of the range
 * dropped first), never through the flow's own buffers.  A crc of the
 * chunks as they passed through the pool would agree with a sink that got
 * the same wrong bytes: on a path that accepts peer-to-peer DMA and
 * delivers zeros, the pool holds zeros too.  A path that delivers
 * something else, a device that drops writes, anything that changed the
 * sink behind the flow's back: the flow fails with EBADMSG at
 * FLOWSWITCH_STAGE_VERIFY and reports no byte done.
 *
 * verify_fault (module parameter, for tests) corrupts one byte of the
 * sink, on the device, before that many coming read-backs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/crc32.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/module.h>
#include <linux/pagemap.h>

#include "flowswitch.h"

static atomic_t fsw_verify_fault = ATOMIC_INIT(0);

static int fsw_verify_fault_set(const char *val, const struct kernel_param *kp)
{
	int n, ret = kstrtoint(val, 0, &n);

	if (ret || n < 0)
		return -EINVAL;
	atomic_set(&fsw_verify_fault, n);
	return 0;
}

static int fsw_verify_fault_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&fsw_verify_fault));
}

static const struct kernel_param_ops fsw_verify_fault_ops = {
	.set = fsw_verify_fault_set,
	.get = fsw_verify_fault_get,
};
module_param_cb(verify_fault, &fsw_verify_fault_ops, NULL, 0600);
MODULE_PARM_DESC(verify_fault,
		 "tests: corrupt one sink byte on the device before this many coming read-backs");

/* Test hook: flip one byte of sink @i on the device itself. */
static void fsw_verify_corrupt(struct fsw_flow *flow, u32 i)
{
	struct file *f = flow->sinks[i]->file;
	loff_t pos = flow->sink_off[i] + min_t(u64, flow->length - 1, 4097);
	struct file *rw;
	u8 b;

	rw = dentry_open(&f->f_path, O_RDWR | O_LARGEFILE, f->f_cred);
	if (IS_ERR(rw))
		return;
	if (kernel_read(rw, &b, 1, &pos) == 1) {
		b = ~b;
		pos--;
		if (kernel_write(rw, &b, 1, &pos) == 1)
			vfs_fsync(rw, 0);
	}
	fput(rw);
	pr_info("verify_fault: corrupted sink %u of flow %u\n", i,
		flow->obj.id);
}

/* crc32c of @port's bytes [@pos, @pos + flow length), from the device. */
static int fsw_verify_read_back(struct fsw_flow *flow, struct fsw_port *port,
				loff_t pos, void *buf, u32 *crc)
{
	loff_t end = pos + flow->length;
	struct file *rf;
	u32 c = ~0;
	ssize_t n;

	if (port->kind == FLOWSWITCH_PORT_MEMORY) {
		/* The window is the device's memory itself. */
		*crc = ~__crc32c_le(c, port->kva + pos, flow->length);
		return 0;
	}
	/*
	 * The flow's own writes may still be in the page cache: drop the
	 * range (it was flushed), so the read below reaches the device.
	 */
	invalidate_inode_pages2_range(port->file->f_mapping, pos >> PAGE_SHIFT,
				      (end - 1) >> PAGE_SHIFT);
	/* A sink may be write-only: reading back is the module's own act. */
	rf = dentry_open(&port->file->f_path, O_RDONLY | O_LARGEFILE,
			 port->file->f_cred);
	if (IS_ERR(rf))
		return PTR_ERR(rf);
	while (pos < end) {
		n = kernel_read(rf, buf, min_t(u64, flow->chunk, end - pos),
				&pos);
		if (n <= 0) {
			fput(rf);
			return n ? n : -ENODATA;
		}
		c = __crc32c_le(c, buf, n);
	}
	fput(rf);
	*crc = ~c;
	return 0;
}

/*
 * After the flush: the source and every sink, from their devices.  0 when
 * all match; -EBADMSG (@sink the first that differs) or the read-back's
 * errno (@sink ~0 for the source).
 */
int fsw_verify_sinks(struct fsw_flow *flow, u32 *sink)
{
	u64 t0 = ktime_get_ns();
	u32 i, src, crc = 0;
	void *buf;
	int ret;

	buf = kvmalloc(flow->chunk, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	*sink = ~0u;
	ret = fsw_verify_read_back(flow, flow->src, flow->src_off, buf, &src);
	if (!ret)
		flow->crc = src;
	for (i = 0; i < flow->nr_sinks && !ret; i++) {
		*sink = i;
		if (atomic_add_unless(&fsw_verify_fault, -1, 0))
			fsw_verify_corrupt(flow, i);
		ret = fsw_verify_read_back(flow, flow->sinks[i],
					   flow->sink_off[i], buf, &crc);
		if (!ret && crc != src)
			ret = -EBADMSG;
	}
	kvfree(buf);
	flow->verify_ns = ktime_get_ns() - t0;
	return ret;
}
