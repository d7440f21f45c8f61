// SPDX-License-Identifier: GPL-2.0
/*
 * FLOWSWITCH_IOC_INFO tells the truth: the P2PDMA bit is what the harness
 * expects of this kernel (FSW_EXPECT_P2PDMA), and the provider count equals
 * what sysfs publishes, counted here independently.
 */
#include <dirent.h>
#include <unistd.h>

#include "flowswitch.h"
#include "guest.h"

static int sysfs_published(void)
{
	const char *base = "/sys/bus/pci/devices";
	struct dirent *de;
	int n = 0;
	DIR *d;

	d = opendir(base);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char path[512];
		int c = 0;
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s/p2pmem/published", base,
			 de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%d", &c) == 1 && c)
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

int main(void)
{
	const char *want_p2p = getenv("FSW_EXPECT_P2PDMA");
	const char *want_prov = getenv("FSW_EXPECT_PROVIDERS");
	struct flowswitch_info info;
	int fd, ret, published;

	if (!want_p2p) {
		fprintf(stderr, "FSW_EXPECT_P2PDMA not set by the harness\n");
		return T_FAIL;
	}
	fd = fsw_open(NULL);
	if (fd < 0) {
		fprintf(stderr, "open: %s\n", strerror(-fd));
		return T_FAIL;
	}
	ret = fsw_info(fd, &info);
	CHECK(ret == 0, "%s", strerror(-ret));
	CHECK(info.size == sizeof(info), "size %u", info.size);
	CHECK(info.abi_major == FLOWSWITCH_ABI_MAJOR, "abi %u",
	      info.abi_major);
	CHECK(!!(info.features & FLOWSWITCH_FEATURE_P2PDMA) == atoi(want_p2p),
	      "features 0x%llx, expected p2pdma=%s",
	      (unsigned long long)info.features, want_p2p);

	published = sysfs_published();
	CHECK(published >= 0, "cannot read sysfs");
	CHECK((int)info.p2pmem_providers == published,
	      "module counts %u providers, sysfs publishes %d",
	      info.p2pmem_providers, published);
	if (want_prov)
		CHECK((int)info.p2pmem_providers == atoi(want_prov),
		      "%u providers, expected %s", info.p2pmem_providers,
		      want_prov);
	printf("p2pdma=%d providers=%u (sysfs %d)\n",
	       !!(info.features & FLOWSWITCH_FEATURE_P2PDMA),
	       info.p2pmem_providers, published);
	close(fd);
	return t_result();
}
