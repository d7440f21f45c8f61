// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libflowswitch: thin C wrappers over the /dev/flowswitch ioctls.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "flowswitch.h"

int fsw_open(const char *path)
{
	int fd = open(path ? path : FSW_DEFAULT_DEVICE, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int fsw_info(int fd, struct flowswitch_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return ioctl(fd, FLOWSWITCH_IOC_INFO, info) ? -errno : 0;
}

static const struct {
	unsigned long long bit;
	const char *name;
} fsw_features[] = {
	{ FLOWSWITCH_FEATURE_P2PDMA, "p2pdma" },
};

const char *fsw_feature_name(unsigned long long bit)
{
	size_t i;

	for (i = 0; i < sizeof(fsw_features) / sizeof(fsw_features[0]); i++)
		if (fsw_features[i].bit == bit)
			return fsw_features[i].name;
	return NULL;
}

/* snprintf() at offset @n of @buf, without forming a pointer past its end. */
static int __attribute__((format(printf, 4, 5)))
append(char *buf, size_t len, int n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	if ((size_t)n < len)
		r = vsnprintf(buf + n, len - n, fmt, ap);
	else
		r = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	return r < 0 ? r : n + r;
}

int fsw_features_str(unsigned long long features, char *buf, size_t len)
{
	unsigned long long unknown = 0;
	const char *sep = "";
	unsigned int i;
	int n = 0;

	if (len)
		buf[0] = 0;
	if (!features)
		return append(buf, len, 0, "none");
	for (i = 0; i < 64 && n >= 0; i++) {
		unsigned long long bit = 1ULL << i;
		const char *name;

		if (!(features & bit))
			continue;
		name = fsw_feature_name(bit);
		if (!name) {
			unknown |= bit;
			continue;
		}
		n = append(buf, len, n, "%s%s", sep, name);
		sep = ",";
	}
	if (unknown && n >= 0)
		n = append(buf, len, n, "%s0x%llx", sep, unknown);
	return n;
}

void fsw_info_print(FILE *out, const struct flowswitch_info *info, bool json)
{
	bool p2p = info->features & FLOWSWITCH_FEATURE_P2PDMA;
	char feat[256];

	fsw_features_str(info->features, feat, sizeof(feat));
	if (json) {
		fprintf(out,
			"{\"abi\":{\"major\":%" PRIu32 ",\"minor\":%" PRIu32
			"},\"features\":\"%s\",\"p2pdma\":%s,"
			"\"p2pmem_providers\":%" PRIu32 "}\n",
			info->abi_major, info->abi_minor, feat,
			p2p ? "true" : "false", info->p2pmem_providers);
		return;
	}
	fprintf(out, "flowswitch ABI %" PRIu32 ".%" PRIu32 "\n",
		info->abi_major, info->abi_minor);
	fprintf(out, "  features:         %s\n", feat);
	fprintf(out, "  p2pdma:           %s\n",
		p2p ? "yes" :
		      "no (kernel built without CONFIG_PCI_P2PDMA: host pools only)");
	fprintf(out, "  p2pmem providers: %" PRIu32 "\n",
		info->p2pmem_providers);
}

const char *fsw_open_hint(int err)
{
	switch (err) {
	case -ENOENT:
	case -ENODEV:
	case -ENXIO:
		return "is the flowswitch module loaded?";
	case -EPERM:
		return "opening the control device needs CAP_SYS_RAWIO";
	case -EACCES:
		return "the control device is root-only (mode 0600)";
	default:
		return "";
	}
}
