// SPDX-License-Identifier: GPL-2.0
/* /dev/flowswitch exists, is root's, mode 0600, and matches sysfs. */
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "guest.h"

int main(void)
{
	unsigned int maj, min;
	struct stat st;
	FILE *f;

	if (stat("/dev/flowswitch", &st)) {
		perror("/dev/flowswitch");
		return T_FAIL;
	}
	CHECK(S_ISCHR(st.st_mode), "mode %o", st.st_mode);
	CHECK((st.st_mode & 07777) == 0600, "permissions %o",
	      st.st_mode & 07777);
	CHECK(st.st_uid == 0 && st.st_gid == 0, "owner %u:%u", st.st_uid,
	      st.st_gid);

	f = fopen("/sys/class/misc/flowswitch/dev", "r");
	CHECK(f, "no sysfs entry: %s", strerror(errno));
	if (f) {
		CHECK(fscanf(f, "%u:%u", &maj, &min) == 2, "bad dev file");
		CHECK(major(st.st_rdev) == maj && minor(st.st_rdev) == min,
		      "node %u:%u, sysfs %u:%u", major(st.st_rdev),
		      minor(st.st_rdev), maj, min);
		fclose(f);
	}
	return t_result();
}
