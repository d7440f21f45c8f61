// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the ioctl dispatcher: the table's invariants, and every
 * way a command can be refused before a handler sees it, driven through
 * real user memory (kunit_vm_mmap()) as an ioctl() would be.
 */
#include <kunit/test.h>
#include <linux/mman.h>
#include <linux/uaccess.h>

#include <linux/flowswitch.h>
#include "flowswitch.h"

static void fsw_test_table(struct kunit *test)
{
	size_t i;

	KUNIT_EXPECT_GT(test, fsw_ioctl_nr_ops, 0);
	for (i = 0; i < fsw_ioctl_nr_ops; i++) {
		const struct fsw_ioctl_op *op = &fsw_ioctl_ops[i];

		/* No holes: a hole would make its number silently ENOTTY. */
		KUNIT_ASSERT_NOT_NULL(test, op->execute);
		KUNIT_EXPECT_EQ(test, _IOC_NR(op->ioctl_num),
				FLOWSWITCH_CMD_BASE + i);
		KUNIT_EXPECT_EQ(test, _IOC_TYPE(op->ioctl_num),
				FLOWSWITCH_TYPE);
		/* Size and flags always come first. */
		KUNIT_EXPECT_GE(test, op->min_size, 2 * sizeof(u32));
		KUNIT_EXPECT_LE(test, op->min_size, op->size);
		/* __u64 fields stay aligned on 32-bit callers too. */
		KUNIT_EXPECT_EQ(test, op->size % sizeof(u64), 0);
	}
}

struct fsw_test_env {
	struct fsw_ctx *ctx;
	void __user *ubuf;
};

static int fsw_test_init(struct kunit *test)
{
	struct fsw_test_env *env;
	unsigned long addr;

	env = kunit_kzalloc(test, sizeof(*env), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, env);
	addr = kunit_vm_mmap(test, NULL, 0, 2 * PAGE_SIZE,
			     PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE,
			     0);
	if (IS_ERR_VALUE(addr))
		return -ENOMEM;
	env->ubuf = (void __user *)addr;
	env->ctx = fsw_ctx_alloc();
	KUNIT_ASSERT_NOT_NULL(test, env->ctx);
	test->priv = env;
	return 0;
}

static void fsw_test_exit(struct kunit *test)
{
	struct fsw_test_env *env = test->priv;

	if (env && env->ctx)
		fsw_ctx_free(env->ctx);
}

/* Put @len bytes of @cmd into user memory and run @ioctl on them. */
static long fsw_test_call(struct kunit *test, unsigned int ioctl,
			  const void *cmd, size_t len)
{
	struct fsw_test_env *env = test->priv;

	KUNIT_ASSERT_LE(test, len, 2 * PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, copy_to_user(env->ubuf, cmd, len), 0);
	return fsw_dispatch(env->ctx, ioctl, env->ubuf);
}

static void fsw_test_info(struct kunit *test)
{
	struct fsw_test_env *env = test->priv;
	struct flowswitch_info info = { .size = sizeof(info) };

	KUNIT_ASSERT_EQ(test, fsw_test_call(test, FLOWSWITCH_IOC_INFO, &info,
					    sizeof(info)), 0);
	KUNIT_ASSERT_EQ(test, copy_from_user(&info, env->ubuf, sizeof(info)),
			0);
	KUNIT_EXPECT_EQ(test, info.size, sizeof(info));
	KUNIT_EXPECT_EQ(test, info.abi_major, FLOWSWITCH_ABI_MAJOR);
	KUNIT_EXPECT_EQ(test, info.abi_minor, FLOWSWITCH_ABI_MINOR);
	KUNIT_EXPECT_EQ(test, !!(info.features & FLOWSWITCH_FEATURE_P2PDMA),
			IS_ENABLED(CONFIG_PCI_P2PDMA));
	if (!IS_ENABLED(CONFIG_PCI_P2PDMA))
		KUNIT_EXPECT_EQ(test, info.p2pmem_providers, 0);
}

static void fsw_test_sizes(struct kunit *test)
{
	u8 big[sizeof(struct flowswitch_info) + 16] = {};
	struct flowswitch_info *info = (void *)big;

	info->size = offsetofend(struct flowswitch_info, __reserved) - 1;
	KUNIT_EXPECT_EQ(test, fsw_test_call(test, FLOWSWITCH_IOC_INFO, big,
					    sizeof(big)), -EINVAL);

	/* A newer caller with a zero tail is served ... */
	info->size = sizeof(big);
	KUNIT_EXPECT_EQ(test, fsw_test_call(test, FLOWSWITCH_IOC_INFO, big,
					    sizeof(big)), 0);
	/* ... and refused when the tail holds something we do not know. */
	big[sizeof(big) - 1] = 1;
	KUNIT_EXPECT_EQ(test, fsw_test_call(test, FLOWSWITCH_IOC_INFO, big,
					    sizeof(big)), -E2BIG);

	info->size = FSW_UCMD_MAX_SIZE + 8;
	KUNIT_EXPECT_EQ(test, fsw_test_call(test, FLOWSWITCH_IOC_INFO, big,
					    sizeof(big)), -E2BIG);
}

static void fsw_test_fields(struct kunit *test)
{
	struct flowswitch_info info = { .size = sizeof(info), .flags = 1 };

	KUNIT_EXPECT_EQ(test, fsw_test_call(test, FLOWSWITCH_IOC_INFO, &info,
					    sizeof(info)), -EINVAL);
	info.flags = 0;
	info.__reserved = 1;
	KUNIT_EXPECT_EQ(test, fsw_test_call(test, FLOWSWITCH_IOC_INFO, &info,
					    sizeof(info)), -EINVAL);
}

static void fsw_test_numbers(struct kunit *test)
{
	struct fsw_test_env *env = test->priv;
	struct flowswitch_info info = { .size = sizeof(info) };
	const unsigned int bad[] = {
		_IO(FLOWSWITCH_TYPE, FLOWSWITCH_CMD_BASE - 1),
		_IO(FLOWSWITCH_TYPE, FLOWSWITCH_CMD_BASE + fsw_ioctl_nr_ops),
		_IO(FLOWSWITCH_TYPE + 1, FLOWSWITCH_CMD_INFO),
		_IOWR(FLOWSWITCH_TYPE, FLOWSWITCH_CMD_INFO,
		      struct flowswitch_info),
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ(test, fsw_test_call(test, bad[i], &info,
						    sizeof(info)), -ENOTTY);
	KUNIT_EXPECT_EQ(test, fsw_dispatch(env->ctx, FLOWSWITCH_IOC_INFO, NULL),
			-EFAULT);
}

static struct kunit_case fsw_ioctl_cases[] = {
	KUNIT_CASE(fsw_test_table),
	KUNIT_CASE(fsw_test_info),
	KUNIT_CASE(fsw_test_sizes),
	KUNIT_CASE(fsw_test_fields),
	KUNIT_CASE(fsw_test_numbers),
	{}
};

static struct kunit_suite fsw_ioctl_suite = {
	.name = "flowswitch_ioctl",
	.init = fsw_test_init,
	.exit = fsw_test_exit,
	.test_cases = fsw_ioctl_cases,
};

kunit_test_suite(fsw_ioctl_suite);
