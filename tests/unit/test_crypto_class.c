// SPDX-License-Identifier: GPL-2.0
/*
 * Engine classes (daemon/crypto-class.c) on a made-up /proc/crypto and
 * sysfs under a temporary root, laid out as the kernel lays them out: a
 * module that drives a device (virtio_crypto), a module that drives none
 * (aesni_intel), a device driver module with no device bound, built-in
 * drivers with and without a device driver by their name.  The real
 * trees are classed in the guest (tests/guest/t-engine-class.sh): on the
 * stock kernel virtio_crypto is a module (rule 1), on the debug kernel
 * it is built in (rule 2).
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "crypto-class.h"

static char root[64];

static const char proc_crypto[] = "name         : cbc(aes)\n"
				  "driver       : virtio_crypto_aes_cbc\n"
				  "module       : virtio_crypto\n"
				  "priority     : 150\n"
				  "refcnt       : 1\n"
				  "selftest     : passed\n"
				  "internal     : no\n"
				  "type         : skcipher\n"
				  "ivsize       : 16\n"
				  "\n"
				  "name         : cbc(aes)\n"
				  "driver       : cbc-aes-aesni\n"
				  "module       : aesni_intel\n"
				  "priority     : 400\n"
				  "selftest     : passed\n"
				  "internal     : no\n"
				  "type         : skcipher\n"
				  "ivsize       : 16\n"
				  "\n"
				  "name         : cbc(aes)\n"
				  "driver       : qat_aes_cbc\n"
				  "module       : qat_4xxx\n"
				  "priority     : 4001\n"
				  "selftest     : passed\n"
				  "internal     : no\n"
				  "type         : skcipher\n"
				  "ivsize       : 16\n"
				  "\n"
				  "name         : xts(aes)\n"
				  "driver       : foo_dev_xts\n"
				  "module       : kernel\n"
				  "priority     : 300\n"
				  "selftest     : passed\n"
				  "internal     : no\n"
				  "type         : skcipher\n"
				  "ivsize       : 16\n"
				  "\n"
				  "name         : xts(aes)\n"
				  "driver       : foo_devx-xts\n"
				  "module       : kernel\n"
				  "priority     : 200\n"
				  "selftest     : passed\n"
				  "internal     : no\n"
				  "type         : skcipher\n"
				  "ivsize       : 16\n"
				  "\n"
				  "name         : xts(aes)\n"
				  "driver       : xts(ecb(aes-generic))\n"
				  "module       : kernel\n"
				  "priority     : 100\n"
				  "selftest     : passed\n"
				  "internal     : no\n"
				  "type         : skcipher\n"
				  "ivsize       : 16\n"
				  "\n"
				  "name         : sha256\n"
				  "driver       : sha256-generic\n"
				  "module       : kernel\n"
				  "priority     : 100\n"
				  "selftest     : passed\n"
				  "internal     : no\n"
				  "type         : shash\n"
				  "digestsize   : 32\n";

static void put(const char *rel, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void dir(const char *rel)
{
	char cmd[PATH_MAX];

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/%s'", root, rel);
	assert_int_equal(system(cmd), 0);
}

static void link_(const char *target, const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(symlink(target, path), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/fsw-cclass.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	dir("proc");
	put("proc/crypto", proc_crypto);
	/* virtio_crypto: a module whose driver drives virtio3 */
	dir("sys/module/virtio_crypto/drivers");
	dir("sys/bus/virtio/drivers/virtio_crypto");
	link_("../../../bus/virtio/drivers/virtio_crypto",
	      "sys/module/virtio_crypto/drivers/virtio:virtio_crypto");
	link_("../../../../devices/pci0000:00/0000:00:04.0/virtio3",
	      "sys/bus/virtio/drivers/virtio_crypto/virtio3");
	link_("../../../../module/virtio_crypto",
	      "sys/bus/virtio/drivers/virtio_crypto/module");
	put("sys/bus/virtio/drivers/virtio_crypto/bind", "");
	/* aesni_intel: a module, no device driver */
	dir("sys/module/aesni_intel");
	/* qat_4xxx: a PCI driver with nothing bound */
	dir("sys/module/qat_4xxx/drivers");
	dir("sys/bus/pci/drivers/4xxx");
	link_("../../../bus/pci/drivers/4xxx",
	      "sys/module/qat_4xxx/drivers/pci:4xxx");
	link_("../../../../module/qat_4xxx", "sys/bus/pci/drivers/4xxx/module");
	put("sys/bus/pci/drivers/4xxx/new_id", "");
	/* built in: foo_dev drives foo.0, foo (shorter) drives foo.1 */
	dir("sys/bus/platform/drivers/foo_dev");
	dir("sys/bus/platform/drivers/foo");
	link_("../../../../devices/platform/foo.0",
	      "sys/bus/platform/drivers/foo_dev/foo.0");
	link_("../../../../devices/platform/foo.1",
	      "sys/bus/platform/drivers/foo/foo.1");
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

/* @driver is among @e[0..@n), of class @class, for reason @why. */
static void expect(const struct fsw_crypto_engine *e, int n, const char *driver,
		   enum flang_engine_class class, const char *why)
{
	int i;

	for (i = 0; i < n && strcmp(e[i].alg.driver, driver); i++)
		;
	if (i == n)
		fail_msg("%s not listed", driver);
	assert_int_equal(e[i].class, class);
	assert_string_equal(e[i].why, why);
}

static void test_module_rule(void **state)
{
	struct fsw_crypto_engine e[8];
	int n;

	(void)state;
	n = fsw_crypto_engines(root, "cbc(aes)", FLOWSWITCH_XFORM_ENCRYPT, e,
			       8);
	assert_int_equal(n, 3);
	/* highest priority first */
	assert_string_equal(e[0].alg.driver, "qat_aes_cbc");
	assert_string_equal(e[1].alg.driver, "cbc-aes-aesni");
	assert_string_equal(e[2].alg.driver, "virtio_crypto_aes_cbc");
	assert_string_equal(e[2].alg.module, "virtio_crypto");
	expect(e, n, "virtio_crypto_aes_cbc", FLANG_ENGINE_HW,
	       "module virtio_crypto drives virtio device virtio3");
	expect(e, n, "cbc-aes-aesni", FLANG_ENGINE_SW,
	       "module aesni_intel drives no device");
	/* a device driver with nothing bound is no engine to use */
	expect(e, n, "qat_aes_cbc", FLANG_ENGINE_SW,
	       "module qat_4xxx drives no device");
	assert_int_equal(fsw_crypto_pick_class(e, n, FLANG_ENGINE_HW), 2);
	assert_int_equal(fsw_crypto_pick_class(e, n, FLANG_ENGINE_SW), 0);
}

static void test_builtin_rule(void **state)
{
	struct fsw_crypto_engine e[8];
	int n;

	(void)state;
	n = fsw_crypto_engines(root, "xts(aes)", FLOWSWITCH_XFORM_DECRYPT, e,
			       8);
	assert_int_equal(n, 3);
	/* the longest device driver name that begins it, then '_' */
	expect(e, n, "foo_dev_xts", FLANG_ENGINE_HW,
	       "built in; by its name, platform driver foo_dev drives foo.0");
	/* "foo" begins "foo_devx-xts" but "foo_devx" is no driver: foo's */
	expect(e, n, "foo_devx-xts", FLANG_ENGINE_HW,
	       "built in; by its name, platform driver foo drives foo.1");
	expect(e, n, "xts(ecb(aes-generic))", FLANG_ENGINE_SW,
	       "built in, and no device driver by its name drives a device");
}

static void test_no_hw(void **state)
{
	struct fsw_crypto_engine e[8];
	int n;

	(void)state;
	n = fsw_crypto_engines(root, "sha256", FLOWSWITCH_XFORM_DIGEST, e, 8);
	assert_int_equal(n, 1);
	assert_int_equal(e[0].class, FLANG_ENGINE_SW);
	assert_int_equal(fsw_crypto_pick_class(e, n, FLANG_ENGINE_HW), -1);
	assert_int_equal(fsw_crypto_pick_class(e, n, FLANG_ENGINE_SW), 0);
	/* an algorithm nobody implements, and a root with no /proc/crypto */
	assert_int_equal(fsw_crypto_engines(root, "cbc(sm4)",
					    FLOWSWITCH_XFORM_ENCRYPT, e, 8),
			 0);
	assert_int_equal(fsw_crypto_engines("/nonexistent", "cbc(aes)",
					    FLOWSWITCH_XFORM_ENCRYPT, e, 8),
			 0);
	/* no more than asked for */
	assert_int_equal(fsw_crypto_engines(root, "cbc(aes)",
					    FLOWSWITCH_XFORM_ENCRYPT, e, 2),
			 2);
	assert_string_equal(e[1].alg.driver, "cbc-aes-aesni");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_module_rule),
		cmocka_unit_test(test_builtin_rule),
		cmocka_unit_test(test_no_hw),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
