// SPDX-License-Identifier: GPL-2.0
/*
 * libflowswitch: feature names, the info printer, and the error paths of
 * the wrappers on real file descriptors of this (module-less) host.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "flowswitch.h"

static void test_features_str(void **state)
{
	char buf[64];

	assert_int_equal(fsw_features_str(0, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "none");
	fsw_features_str(FLOWSWITCH_FEATURE_P2PDMA, buf, sizeof(buf));
	assert_string_equal(buf, "p2pdma");
	/* A newer module's bits are shown, not dropped. */
	fsw_features_str(FLOWSWITCH_FEATURE_P2PDMA | 1ULL << 40 | 1ULL << 5,
			 buf, sizeof(buf));
	assert_string_equal(buf, "p2pdma,0x10000000020");
	fsw_features_str(1ULL << 63, buf, sizeof(buf));
	assert_string_equal(buf, "0x8000000000000000");
}

static void test_features_str_truncates(void **state)
{
	char buf[4];

	/* Like snprintf: the length it needed, and always terminated. */
	assert_int_equal(fsw_features_str(FLOWSWITCH_FEATURE_P2PDMA | 1ULL << 9,
					  buf, sizeof(buf)),
			 (int)strlen("p2pdma,0x200"));
	assert_string_equal(buf, "p2p");
	assert_int_equal(fsw_features_str(FLOWSWITCH_FEATURE_P2PDMA, NULL, 0),
			 6);
}

static void test_feature_name(void **state)
{
	assert_string_equal(fsw_feature_name(FLOWSWITCH_FEATURE_P2PDMA),
			    "p2pdma");
	assert_null(fsw_feature_name(1ULL << 62));
	assert_null(fsw_feature_name(0));
}

static char *print_info(const struct flowswitch_info *info, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fsw_info_print(f, info, json);
	fclose(f);
	return buf;
}

static void test_info_print(void **state)
{
	struct flowswitch_info info = {
		.size = sizeof(info),
		.abi_major = 1,
		.abi_minor = 3,
		.features = FLOWSWITCH_FEATURE_P2PDMA,
		.p2pmem_providers = 2,
		.host_pool_bytes = 4 << 20,
		.nr_flows = 3,
		.nr_files = 1,
	};
	char *s;

	s = print_info(&info, true);
	assert_string_equal(s, "{\"abi\":{\"major\":1,\"minor\":3},"
			       "\"features\":\"p2pdma\",\"p2pdma\":true,"
			       "\"p2pmem_providers\":2,\"flows\":3,"
			       "\"files\":1,\"host_pool_bytes\":4194304}\n");
	free(s);

	info.features = 0;
	info.p2pmem_providers = 0;
	s = print_info(&info, false);
	assert_non_null(strstr(s, "flowswitch ABI 1.3\n"));
	assert_non_null(strstr(s, "p2pdma:           no (kernel built "
				  "without CONFIG_PCI_P2PDMA"));
	assert_non_null(strstr(s, "p2pmem providers: 0\n"));
	free(s);
}

static void test_open_errors(void **state)
{
	int err = fsw_open("/nonexistent/flowswitch");

	assert_int_equal(err, -ENOENT);
	assert_non_null(strstr(fsw_open_hint(err), "module loaded"));
	assert_string_equal(fsw_open_hint(-EIO), "");
	assert_non_null(strstr(fsw_open_hint(-EPERM), "CAP_SYS_RAWIO"));
}

static void test_info_on_wrong_fds(void **state)
{
	struct flowswitch_info info;
	int fd;

	/* Another device answers our number with ENOTTY ... */
	fd = open("/dev/null", O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(fsw_info(fd, &info), -ENOTTY);
	close(fd);
	/* ... and a closed descriptor with EBADF. */
	assert_int_equal(fsw_info(fd, &info), -EBADF);
}

static void test_pci_addr(void **state)
{
	unsigned int a;

	assert_int_equal(fsw_parse_pci_addr("0000:04:00.0", &a), 0);
	assert_int_equal(a, FLOWSWITCH_PCI_ADDR(0, 4, 0, 0));
	assert_int_equal(fsw_parse_pci_addr("10:1f.7", &a), 0);
	assert_int_equal(a, FLOWSWITCH_PCI_ADDR(0, 0x10, 31, 7));
	assert_int_equal(fsw_parse_pci_addr("0001:02:03.4", &a), 0);
	assert_int_equal(a >> 16, 1);
	assert_int_equal(fsw_parse_pci_addr("00:20.0", &a), -EINVAL);
	assert_int_equal(fsw_parse_pci_addr("00:1f.8", &a), -EINVAL);
	assert_int_equal(fsw_parse_pci_addr("0000:04:00.0x", &a), -EINVAL);
	assert_int_equal(fsw_parse_pci_addr("nvme0", &a), -EINVAL);
}

static void test_parse_size(void **state)
{
	unsigned long long v;

	assert_int_equal(fsw_parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(fsw_parse_size("1M", &v), 0);
	assert_int_equal(v, 1 << 20);
	assert_int_equal(fsw_parse_size("2GiB", &v), 0);
	assert_int_equal(v, 2ULL << 30);
	assert_int_equal(fsw_parse_size("1X", &v), -EINVAL);
	assert_int_equal(fsw_parse_size("1Mb", &v), -EINVAL);
	assert_int_equal(fsw_parse_size("-1", &v), -EINVAL);
	assert_int_equal(fsw_parse_size("", &v), -EINVAL);
	assert_int_equal(fsw_parse_size("99999999999999999999", &v), -ERANGE);
	assert_int_equal(fsw_parse_size("17179869184T", &v), -ERANGE);
}

static void test_names(void **state)
{
	assert_string_equal(fsw_state_name(FLOWSWITCH_FLOW_DONE), "done");
	assert_string_equal(fsw_state_name(0), "?");
	assert_string_equal(fsw_state_name(999), "?");
	assert_string_equal(fsw_stage_name(FLOWSWITCH_STAGE_READ), "read");
	assert_string_equal(fsw_stage_name(77), "?");
	assert_non_null(strstr(fsw_p2p_reason_name(
				       FLOWSWITCH_P2P_NO_KERNEL_SUPPORT),
			       "CONFIG_PCI_P2PDMA"));
	assert_string_equal(fsw_p2p_reason_name(1000), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_features_str),
		cmocka_unit_test(test_features_str_truncates),
		cmocka_unit_test(test_feature_name),
		cmocka_unit_test(test_info_print),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_info_on_wrong_fds),
		cmocka_unit_test(test_pci_addr),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests_name("libflowswitch", tests, NULL, NULL);
}
