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

#include "apply.h"
#include "crypto-class.h"

static char root[64];

/* One /proc/crypto entry, as the kernel prints it. */
#define ENTRY(name, driver, module, prio, type) \
	"name         : " name "\n"             \
	"driver       : " driver "\n"           \
	"module       : " module "\n"           \
	"priority     : " #prio "\n"            \
	"refcnt       : 1\n"                    \
	"selftest     : passed\n"               \
	"internal     : no\n"                   \
	"type         : " type "\n"             \
	"\n"

/* clang-format off */
static const char proc_crypto[] =
	ENTRY("cbc(aes)", "virtio_crypto_aes_cbc", "virtio_crypto", 150, "skcipher")
	ENTRY("cbc(aes)", "cbc-aes-aesni", "aesni_intel", 400, "skcipher")
	ENTRY("cbc(aes)", "qat_aes_cbc", "intel_qat", 4001, "skcipher")
	ENTRY("xts(aes)", "foo_dev_xts", "kernel", 300, "skcipher")
	ENTRY("xts(aes)", "foo_devx-xts", "kernel", 200, "skcipher")
	ENTRY("xts(aes)", "xts(ecb(aes-generic))", "kernel", 100, "skcipher")
	ENTRY("xts(aes)", "xts(virtio_crypto_aes_cbc)", "xts", 150, "skcipher")
	ENTRY("aes", "aes-generic", "kernel", 100, "cipher")
	ENTRY("ctr(aes)", "ctr-aes-ccp", "ccp_crypto", 300, "skcipher")
	ENTRY("ctr(aes)", "qat_aes_ctr", "intel_qat", 4001, "skcipher")
	ENTRY("sha256", "sha256-generic", "kernel", 100, "shash");
/* clang-format on */

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

static void unlink_(const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(unlink(path), 0);
}

static const char *file_in_root(const char *rel)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return path;
}

static void unlink_ok(const char *rel)
{
	unlink(file_in_root(rel));
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
	/* QAT: intel_qat's algorithms, qat_4xxx's PCI driver (no card) */
	dir("sys/module/intel_qat/holders");
	dir("sys/module/qat_4xxx/drivers");
	dir("sys/bus/pci/drivers/4xxx");
	link_("../../qat_4xxx", "sys/module/intel_qat/holders/qat_4xxx");
	link_("../../../bus/pci/drivers/4xxx",
	      "sys/module/qat_4xxx/drivers/pci:4xxx");
	link_("../../../../module/qat_4xxx", "sys/bus/pci/drivers/4xxx/module");
	put("sys/bus/pci/drivers/4xxx/new_id", "");
	/* CCP: ccp_crypto's algorithms, using ccp, which drives a function */
	dir("sys/module/ccp_crypto");
	dir("sys/module/ccp/holders");
	dir("sys/module/ccp/drivers");
	dir("sys/bus/pci/drivers/ccp");
	link_("../../ccp_crypto", "sys/module/ccp/holders/ccp_crypto");
	link_("../../../bus/pci/drivers/ccp", "sys/module/ccp/drivers/pci:ccp");
	link_("../../../../devices/pci0000:00/0000:00:08.1/0000:05:00.2",
	      "sys/bus/pci/drivers/ccp/0000:05:00.2");
	/* the xts template's module, used by nothing that drives a device */
	dir("sys/module/xts");
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
	/* QAT's PCI driver with no card bound is no engine to use */
	expect(e, n, "qat_aes_cbc", FLANG_ENGINE_SW,
	       "module intel_qat drives no device");
	assert_int_equal(fsw_crypto_pick_class(e, n, FLANG_ENGINE_HW), 2);
	assert_int_equal(fsw_crypto_pick_class(e, n, FLANG_ENGINE_SW), 0);
}

/* Drivers in two modules: the algorithms' and the device's. */
static void test_module_stacks(void **state)
{
	struct fsw_crypto_engine e[8];
	int n;

	(void)state;
	n = fsw_crypto_engines(root, "ctr(aes)", FLOWSWITCH_XFORM_ENCRYPT, e,
			       8);
	assert_int_equal(n, 2);
	expect(e, n, "ctr-aes-ccp", FLANG_ENGINE_HW,
	       "module ccp_crypto, which uses ccp, which drives pci device "
	       "0000:05:00.2");
	expect(e, n, "qat_aes_ctr", FLANG_ENGINE_SW,
	       "module intel_qat drives no device");
	/* now a card: qat_4xxx drives it, and intel_qat is part of it */
	link_("../../../../devices/pci0000:00/0000:00:06.0/0000:6b:00.0",
	      "sys/bus/pci/drivers/4xxx/0000:6b:00.0");
	n = fsw_crypto_engines(root, "ctr(aes)", FLOWSWITCH_XFORM_ENCRYPT, e,
			       8);
	expect(e, n, "qat_aes_ctr", FLANG_ENGINE_HW,
	       "module intel_qat, used by qat_4xxx, which drives pci device "
	       "0000:6b:00.0");
	assert_int_equal(fsw_crypto_pick_class(e, n, FLANG_ENGINE_HW), 0);
	assert_int_equal(fsw_crypto_pick_class(e, n, FLANG_ENGINE_SW), -1);
	unlink_("sys/bus/pci/drivers/4xxx/0000:6b:00.0");
}

static void test_builtin_rule(void **state)
{
	struct fsw_crypto_engine e[8];
	int n;

	(void)state;
	n = fsw_crypto_engines(root, "xts(aes)", FLOWSWITCH_XFORM_DECRYPT, e,
			       8);
	assert_int_equal(n, 4);
	/* a template's instance is what it is built on */
	expect(e, n, "xts(virtio_crypto_aes_cbc)", FLANG_ENGINE_HW,
	       "on virtio_crypto_aes_cbc (hw: module virtio_crypto drives "
	       "virtio device virtio3)");
	/* the longest device driver name that begins it, then '_' */
	expect(e, n, "foo_dev_xts", FLANG_ENGINE_HW,
	       "built in; by its name, platform driver foo_dev drives foo.0");
	/* "foo" begins "foo_devx-xts" but "foo_devx" is no driver: foo's */
	expect(e, n, "foo_devx-xts", FLANG_ENGINE_HW,
	       "built in; by its name, platform driver foo drives foo.1");
	expect(e, n, "xts(ecb(aes-generic))", FLANG_ENGINE_SW,
	       "on aes-generic (sw: built in, and no device driver by its "
	       "name drives a device)");
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

/*
 * daemon/apply.c on the same made-up system: @chain and @prop make one
 * flow of a file in root; its stages' drivers and diagnostics.
 */
static struct flang_txn txn;

static int apply(const char *chain, const char *prop, char **diags)
{
	char file[128], text[1024];
	struct flang_ctx *ctx = flang_ctx_new();
	int ret;

	assert_non_null(ctx);
	snprintf(file, sizeof(file), "%s/t.flow", root);
	snprintf(text, sizeof(text),
		 "flowlang 1;\n"
		 "param k : secret = keyring(\"k1\");\n"
		 "device in = file(path=\"%s/in\");\n"
		 "device out = file(path=\"%s/out\");\n"
		 "flow f {\n"
		 "\tin -> %s -> out;\n"
		 "\t%s\n"
		 "}\n",
		 root, root, chain, prop);
	put("t.flow", text);
	put("in", "");
	unlink_ok("out");
	fsw_apply_crypto_root(root);
	ret = fsw_apply_load(ctx, file, &txn);
	fsw_apply_crypto_root(NULL);
	*diags = flang_diags_text(ctx);
	if (!ret)
		fsw_apply_close_fds(&txn);
	flang_ctx_free(ctx);
	return ret;
}

static const struct flowswitch_transform *stage_of(unsigned int j)
{
	return &txn.stages[0][j];
}

static const struct flang_txn_info *flow_info(void)
{
	unsigned int i;

	for (i = 0; i < txn.nitems && txn.info[i].kind != FLANG_TXN_FLOW; i++)
		;
	assert_true(i < txn.nitems);
	return &txn.info[i];
}

static void test_apply(void **state)
{
	struct stat st;
	char *d;

	(void)state;
	/* the class's best driver, named for the kernel */
	assert_int_equal(apply("encrypt(alg=\"cbc(aes)\", key=$k, unit=4KiB)",
			       "engine = hw;", &d),
			 0);
	assert_string_equal(stage_of(0)->driver, "virtio_crypto_aes_cbc");
	free(d);
	assert_int_equal(apply("encrypt(alg=\"cbc(aes)\", key=$k, unit=4KiB)",
			       "engine = sw;", &d),
			 0);
	/* sw's best: QAT's driver ranks first, and no card is bound */
	assert_string_equal(stage_of(0)->driver, "qat_aes_cbc");
	free(d);
	/* none of the class: refused at the property, no file made */
	assert_int_equal(apply("digest(alg=\"sha256\")", "engine = hw;", &d),
			 1);
	assert_non_null(strstr(d, "t.flow:7:2: error[A0200]: flow 'f': no hw "
				  "engine serves \"sha256\" (its drivers: "
				  "sha256-generic (sw: built in, and no "
				  "device driver by its name drives a "
				  "device))"));
	assert_int_equal(stat(file_in_root("out"), &st), -1);
	free(d);
	/* preferred: the crypto API's choice, a warning, a count */
	assert_int_equal(
		apply("digest(alg=\"sha256\")", "engine = hw preferred;", &d),
		0);
	assert_non_null(strstr(d, "warning[A0201]"));
	assert_non_null(strstr(d, "; running on sha256-generic, the crypto "
				  "API's choice"));
	assert_string_equal(stage_of(0)->driver, "");
	assert_int_equal(flow_info()->engine_fallbacks, 1);
	free(d);
	/* a stage's own class: required, refused at its engine= */
	assert_int_equal(apply("digest(alg=\"sha256\", engine=hw)", "", &d), 1);
	assert_non_null(strstr(d, "t.flow:6:36: error[A0200]"));
	free(d);
	/* ... with the flow's strength, and over the flow's class */
	assert_int_equal(apply("digest(alg=\"sha256\", engine=hw) -> "
			       "encrypt(alg=\"cbc(aes)\", key=$k, unit=4KiB)",
			       "engine = sw preferred;", &d),
			 0);
	assert_string_equal(stage_of(0)->driver, "");
	assert_string_equal(stage_of(1)->driver, "qat_aes_cbc");
	assert_int_equal(flow_info()->engine_fallbacks, 1);
	free(d);
	/* not listed at all: refused under required, API's under preferred */
	assert_int_equal(apply("digest(alg=\"crc32c\")", "engine = sw;", &d),
			 1);
	assert_non_null(strstr(d, "/proc/crypto lists no driver for it"));
	free(d);
	assert_int_equal(
		apply("digest(alg=\"crc32c\")", "engine = sw preferred;", &d),
		0);
	assert_non_null(strstr(d, "running on the crypto API's choice"));
	free(d);
	/* compression is not classed: no refusal, no driver */
	assert_int_equal(apply("compress(alg=\"lz4\")", "engine = hw;", &d), 0);
	assert_string_equal(stage_of(0)->driver, "");
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_module_rule),
		cmocka_unit_test(test_module_stacks),
		cmocka_unit_test(test_builtin_rule),
		cmocka_unit_test(test_no_hw),
		cmocka_unit_test(test_apply),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
