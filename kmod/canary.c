// SPDX-License-Identifier: GPL-2.0
/*
 * The path self-test ("canary"): some platforms accept peer-to-peer DMA
 * and deliver nothing -- the read into the peer's memory succeeds, the data
 * never arrives, no fault is logged.  Before a flow first uses a p2p path,
 * each of its DMAs is tried with data whose right value is known:
 *
 *  into the provider (the source's device reads): its first block is read
 *  into the p2p buffer, poisoned beforehand, and into a host page; the two
 *  must match.
 *
 *  out of the provider (each sink's device writes): a pattern written by
 *  the CPU into the p2p buffer goes to the first block of the sink's range
 *  (the flow's to overwrite anyway) and is read back through host memory.
 *
 * Verdicts are cached per (initiator, provider, direction) until the PCI
 * bus adds, removes, binds or unbinds a device.  The module parameter
 * canary_fault corrupts the p2p buffer of that many coming self-tests,
 * after the DMA and before the check: the test that the check can fail.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/fs.h>
#include <linux/pci-p2pdma.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "flowswitch.h"

static atomic_t fsw_canary_fault = ATOMIC_INIT(0);
static int fsw_canary_fault_set(const char *val, const struct kernel_param *kp)
{
	int n, ret = kstrtoint(val, 0, &n);

	if (ret || n < 0)
		return ret ?: -EINVAL;
	atomic_set(&fsw_canary_fault, n);
	return 0;
}

static int fsw_canary_fault_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&fsw_canary_fault));
}

static const struct kernel_param_ops fsw_canary_fault_ops = {
	.set = fsw_canary_fault_set,
	.get = fsw_canary_fault_get,
};
module_param_cb(canary_fault, &fsw_canary_fault_ops, NULL, 0600);
MODULE_PARM_DESC(canary_fault,
		 "Test hook: corrupt the next N path self-tests' p2p buffers");

atomic_t fsw_canary_failures = ATOMIC_INIT(0);

struct fsw_canary_entry {
	struct list_head node;
	u32 initiator;
	u32 provider;
	bool out;
	u32 result;		/* FLOWSWITCH_CANARY_PASSED or _FAILED */
	u64 when_ns;
};

/* Bumped by any PCI change; entries of an older generation are gone. */
static LIST_HEAD(fsw_canary_cache);
static DEFINE_MUTEX(fsw_canary_lock);

static void fsw_canary_forget(void)
{
	struct fsw_canary_entry *e, *tmp;

	mutex_lock(&fsw_canary_lock);
	list_for_each_entry_safe(e, tmp, &fsw_canary_cache, node) {
		list_del(&e->node);
		kfree(e);
	}
	mutex_unlock(&fsw_canary_lock);
}

static int fsw_canary_pci_event(struct notifier_block *nb,
				unsigned long action, void *data)
{
	struct pci_dev *pdev = to_pci_dev(data);

	switch (action) {
	case BUS_NOTIFY_DEL_DEVICE:
		fsw_nl_device_event(pdev, FLOWSWITCH_NL_EVENT_DEVICE_REMOVED);
		fallthrough;
	case BUS_NOTIFY_ADD_DEVICE:
	case BUS_NOTIFY_BOUND_DRIVER:
		/* A rebind or hot-plug: what was proven may be false now. */
		fsw_canary_forget();
		break;
	case BUS_NOTIFY_UNBIND_DRIVER:
		/* Before the driver's remove(): give its p2p memory back. */
		fsw_provider_going(pdev);
		break;
	case BUS_NOTIFY_UNBOUND_DRIVER:
		fsw_provider_gone(pdev);
		fsw_nl_device_event(pdev, FLOWSWITCH_NL_EVENT_DEVICE_UNBOUND);
		fsw_canary_forget();
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block fsw_canary_nb = {
	.notifier_call = fsw_canary_pci_event,
};

int fsw_canary_init(void)
{
	return bus_register_notifier(&pci_bus_type, &fsw_canary_nb);
}

void fsw_canary_exit(void)
{
	bus_unregister_notifier(&pci_bus_type, &fsw_canary_nb);
	fsw_canary_forget();
}

/* The cached result, or FLOWSWITCH_CANARY_NONE; @age_ms when found. */
u32 fsw_canary_cached(u32 initiator, u32 provider, bool out, u32 *age_ms)
{
	struct fsw_canary_entry *e;
	u32 result = FLOWSWITCH_CANARY_NONE;

	mutex_lock(&fsw_canary_lock);
	list_for_each_entry(e, &fsw_canary_cache, node)
		if (e->initiator == initiator && e->provider == provider &&
		    e->out == out) {
			result = e->result;
			if (age_ms)
				*age_ms = min_t(u64, U32_MAX,
						(ktime_get_ns() - e->when_ns) /
							NSEC_PER_MSEC);
			break;
		}
	mutex_unlock(&fsw_canary_lock);
	return result;
}

static void fsw_canary_remember(u32 initiator, u32 provider, bool out,
				u32 result)
{
	struct fsw_canary_entry *e;

	mutex_lock(&fsw_canary_lock);
	list_for_each_entry(e, &fsw_canary_cache, node)
		if (e->initiator == initiator && e->provider == provider &&
		    e->out == out)
			goto found;
	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		goto out;	/* unremembered: the next flow tests again */
	e->initiator = initiator;
	e->provider = provider;
	e->out = out;
	list_add(&e->node, &fsw_canary_cache);
found:
	e->result = result;
	e->when_ns = ktime_get_ns();
out:
	mutex_unlock(&fsw_canary_lock);
}

/* One synchronous direct I/O of @len bytes at @pos, through @bv. */
static int fsw_canary_io(struct fsw_port *port, u64 pos, struct bio_vec *bv,
			 u32 nr_bv, u32 len, bool write)
{
	struct file *file = port->file;
	struct iov_iter iter;
	struct kiocb kiocb;
	ssize_t ret;

	iov_iter_bvec(&iter, write ? ITER_SOURCE : ITER_DEST, bv, nr_bv, len);
	init_sync_kiocb(&kiocb, file);
	kiocb.ki_pos = pos;
	kiocb.ki_flags &= ~(IOCB_NOWAIT | IOCB_APPEND);
	kiocb.ki_flags |= IOCB_DIRECT;
	if (write) {
		file_start_write(file);
		ret = file->f_op->write_iter(&kiocb, &iter);
		file_end_write(file);
	} else {
		ret = file->f_op->read_iter(&kiocb, &iter);
	}
	if (ret == len)
		return 0;
	return ret < 0 ? ret : -EIO;
}

static bool fsw_canary_fault_now(void)
{
	return atomic_add_unless(&fsw_canary_fault, -1, 0);
}

/*
 * Test one DMA of the flow's path through @p2p (its bvecs cover at least
 * @len bytes of p2p memory, CPU-addressable at @kva).  Returns 0 when the
 * data arrived intact, 1 when it arrived wrong, or a negative errno when
 * the test itself could not run (which proves nothing either way).
 */
static int fsw_canary_run(struct fsw_port *port, u64 pos, void *kva,
			  struct bio_vec *bv, u32 nr_bv, u32 len, bool out)
{
	struct bio_vec hbv, sbv;
	struct page *host, *saved = NULL;
	loff_t old_size = 0;
	int ret = -ENOMEM;
	u32 i;

	host = alloc_page(GFP_KERNEL);
	if (!host)
		return -ENOMEM;
	bvec_set_page(&hbv, host, len, 0);

	if (!out) {
		/*
		 * The block as host memory gets it; then the p2p buffer,
		 * poisoned with a byte the block is not made of, as the
		 * device delivers it there.
		 */
		ret = fsw_canary_io(port, pos, &hbv, 1, len, false);
		if (ret)
			goto out;
		memset(kva, memchr_inv(page_address(host), 0xa5, len) ?
				    0xa5 : 0x5a, len);
		ret = fsw_canary_io(port, pos, bv, nr_bv, len, false);
		if (ret)
			goto out;
	} else {
		/*
		 * The sink's block is kept aside and put back afterwards: a
		 * flow created and never run, or a transaction rolled back,
		 * leaves the sink as it was.
		 */
		saved = alloc_page(GFP_KERNEL);
		if (!saved)
			goto out;
		bvec_set_page(&sbv, saved, len, 0);
		if (port->kind == FLOWSWITCH_PORT_FILE) {
			old_size = i_size_read(file_inode(port->file));
			if (pos + len > old_size)
				memset(page_address(saved), 0, len);
		}
		if (port->kind != FLOWSWITCH_PORT_FILE ||
		    pos + len <= old_size) {
			ret = fsw_canary_io(port, pos, &sbv, 1, len, false);
			if (ret)
				goto out;
		}
		/* A pattern no device produces by doing nothing. */
		for (i = 0; i < len; i += sizeof(u64))
			*(u64 *)(kva + i) = ktime_get_ns() *
					    0x9e3779b97f4a7c15ULL ^ i;
		memset(page_address(host), 0, len);
		ret = fsw_canary_io(port, pos, bv, nr_bv, len, true);
		if (!ret)
			ret = fsw_canary_io(port, pos, &hbv, 1, len, false);
	}
	if (!ret) {
		if (fsw_canary_fault_now())
			((u8 *)kva)[len / 2] ^= 0xff;	/* the test hook */
		ret = memcmp(kva, page_address(host), len) ? 1 : 0;
	}
	if (saved) {
		int r = fsw_canary_io(port, pos, &sbv, 1, len, true);

		if (!r && port->kind == FLOWSWITCH_PORT_FILE &&
		    pos + len > old_size)
			r = vfs_truncate(&port->file->f_path, old_size);
		if (r && ret <= 0)
			ret = r;
	}
out:
	if (saved)
		__free_page(saved);
	__free_page(host);
	return ret;
}

/* The self-test of DMA @i of the flow (0: the source's, else a sink's). */
static u32 fsw_canary_one(struct fsw_flow *flow, u32 i, u64 rel,
			  u32 provider, void *kva, struct bio_vec *bv,
			  u32 nr_bv, u32 len, bool again, u32 result, int *err)
{
	struct fsw_port *port = i ? flow->sinks[i - 1] : flow->src;
	u64 pos = rel + (i ? flow->sink_off[i - 1] : flow->src_off);
	struct pci_dev *pdev;
	u32 initiator;
	bool out = i > 0;
	int ret;

	if (port->kind == FLOWSWITCH_PORT_MEMORY)
		return result;	/* the window itself does no DMA */
	pdev = fsw_port_pci_dev(port);
	if (!pdev)
		return FLOWSWITCH_CANARY_FAILED;
	initiator = fsw_pci_addr(pdev);
	pci_dev_put(pdev);
	if (!again && fsw_canary_cached(initiator, provider, out, NULL) ==
		      FLOWSWITCH_CANARY_PASSED)
		return result;

	ret = fsw_canary_run(port, pos, kva, bv, nr_bv, len, out);
	if (ret < 0) {
		*err = ret;	/* unproven, not disproven: nothing cached */
		return FLOWSWITCH_CANARY_FAILED;
	}
	fsw_canary_remember(initiator, provider, out,
			    ret ? FLOWSWITCH_CANARY_FAILED :
				  FLOWSWITCH_CANARY_PASSED);
	if (!ret)
		return FLOWSWITCH_CANARY_PASSED;
	atomic_inc(&fsw_canary_failures);
	pr_warn("p2p path self-test failed: DMA by %04x:%02x:%02x.%x %s memory of %04x:%02x:%02x.%x delivered wrong data\n",
		initiator >> 16, (initiator >> 8) & 0xff,
		(initiator >> 3) & 0x1f, initiator & 7,
		out ? "out of" : "into", provider >> 16,
		(provider >> 8) & 0xff, (provider >> 3) & 0x1f, provider & 7);
	return FLOWSWITCH_CANARY_FAILED;
}

/**
 * fsw_canary_check() - prove the flow's p2p path before it carries data
 * @flow: a flow whose pool (or memory port) is in p2p memory
 * @rel: where in the flow to test: 0 at creation, the next block when
 *	tested again
 * @kva: CPU address of a p2p buffer of the flow: a pool chunk, or the
 *	window of its memory port at @rel
 * @bv: that buffer as bio_vecs
 * @nr_bv: how many
 * @again: a periodic test: run it whatever the cache says
 * @err: out, see below
 *
 * Returns FLOWSWITCH_CANARY_PASSED, _CACHED or _FAILED; with _FAILED,
 * @err is a negative errno when the test could not run (an I/O error, no
 * memory), 0 when the path delivered wrong data.
 */
u32 fsw_canary_check(struct fsw_flow *flow, u64 rel, void *kva,
		     struct bio_vec *bv, u32 nr_bv, bool again, int *err)
{
	u32 provider = fsw_pci_addr(flow->provider);
	u32 len = min_t(u64, PAGE_SIZE, flow->length - rel);
	u32 result = FLOWSWITCH_CANARY_CACHED, i;
	struct bio_vec scratch_bv;
	void *scratch = NULL;

	*err = 0;
	if (flow->mem_is_src) {
		/*
		 * The window holds the user's data, maybe read by other
		 * flows: the sinks are tested through a scratch page of the
		 * same provider instead.
		 */
		scratch = fsw_p2p_alloc(flow->provider, PAGE_SIZE);
		if (!scratch) {
			*err = -ENOMEM;
			return FLOWSWITCH_CANARY_FAILED;
		}
		bvec_set_page(&scratch_bv, virt_to_page(scratch), len, 0);
		kva = scratch;
		bv = &scratch_bv;
		nr_bv = 1;
	}
	for (i = 0; i <= flow->nr_sinks; i++) {
		result = fsw_canary_one(flow, i, rel, provider, kva, bv, nr_bv,
					len, again, result, err);
		if (result == FLOWSWITCH_CANARY_FAILED)
			break;
	}
	if (scratch)
		fsw_p2p_free(flow->provider, scratch, PAGE_SIZE);
	return result;
}
