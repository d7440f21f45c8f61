// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libflowswitch: thin C wrappers over the /dev/flowswitch ioctls.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
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

/* ioctl() on a struct whose first field is its size. */
#define FSW_CALL(fd, nr, cmd)                                                 \
	({                                                                    \
		(cmd)->size = sizeof(*(cmd));                                 \
		ioctl(fd, nr, cmd) ? -errno : 0;                              \
	})

int fsw_port_create(int fd, struct flowswitch_port_create *cmd)
{
	int ret = FSW_CALL(fd, FLOWSWITCH_IOC_PORT_CREATE, cmd);

	return ret ? ret : (int)cmd->out_port_id;
}

int fsw_flow_create(int fd, struct flowswitch_flow_create *cmd)
{
	int ret = FSW_CALL(fd, FLOWSWITCH_IOC_FLOW_CREATE, cmd);

	return ret ? ret : (int)cmd->out_flow_id;
}

int fsw_flow_ctl(int fd, unsigned int flow_id, unsigned int op)
{
	struct flowswitch_flow_ctl cmd = { .flow_id = flow_id, .op = op };

	return FSW_CALL(fd, FLOWSWITCH_IOC_FLOW_CTL, &cmd);
}

int fsw_flow_query(int fd, unsigned int flow_id,
		   struct flowswitch_flow_query *q)
{
	memset(q, 0, sizeof(*q));
	q->flow_id = flow_id;
	return FSW_CALL(fd, FLOWSWITCH_IOC_FLOW_QUERY, q);
}

int fsw_flow_wait(int fd, unsigned int flow_id, unsigned int timeout_ms,
		  unsigned int *state)
{
	struct flowswitch_flow_wait cmd = {
		.flow_id = flow_id,
		.timeout_ms = timeout_ms,
	};
	int ret = FSW_CALL(fd, FLOWSWITCH_IOC_FLOW_WAIT, &cmd);

	if (!ret && state)
		*state = cmd.out_state;
	return ret;
}

int fsw_destroy(int fd, unsigned int id)
{
	struct flowswitch_destroy cmd = { .id = id };

	return FSW_CALL(fd, FLOWSWITCH_IOC_DESTROY, &cmd);
}

int fsw_txn(int fd, struct flowswitch_txn *txn)
{
	return FSW_CALL(fd, FLOWSWITCH_IOC_TXN, txn);
}

int fsw_parse_size(const char *s, unsigned long long *out)
{
	static const char units[] = "KMGT";
	unsigned long long v;
	const char *u;
	char *end;
	int shift = 0;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	if (*end) {
		u = strchr(units, *end);
		if (!u)
			return -EINVAL;
		shift = 10 * (int)(u - units + 1);
		end++;
		if (!strcmp(end, "iB"))
			end += 2;
		if (*end)
			return -EINVAL;
	}
	if (shift && v > (~0ULL >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

const char *fsw_state_name(unsigned int state)
{
	static const char *const names[] = {
		[FLOWSWITCH_FLOW_CREATED] = "created",
		[FLOWSWITCH_FLOW_RUNNING] = "running",
		[FLOWSWITCH_FLOW_PAUSED] = "paused",
		[FLOWSWITCH_FLOW_DONE] = "done",
		[FLOWSWITCH_FLOW_FAILED] = "failed",
		[FLOWSWITCH_FLOW_STOPPED] = "stopped",
	};

	return state < sizeof(names) / sizeof(names[0]) && names[state] ?
		       names[state] :
		       "?";
}

const char *fsw_stage_name(unsigned int stage)
{
	static const char *const names[] = {
		[FLOWSWITCH_STAGE_NONE] = "none",
		[FLOWSWITCH_STAGE_READ] = "read",
		[FLOWSWITCH_STAGE_WRITE] = "write",
		[FLOWSWITCH_STAGE_FLUSH] = "flush",
		[FLOWSWITCH_STAGE_TRANSFORM] = "transform",
		[FLOWSWITCH_STAGE_SELFTEST] = "path self-test",
		[FLOWSWITCH_STAGE_DEVICE] = "device gone",
		[FLOWSWITCH_STAGE_VERIFY] = "verify",
	};

	return stage < sizeof(names) / sizeof(names[0]) ? names[stage] : "?";
}

const char *fsw_p2p_reason_name(unsigned int reason)
{
	static const char *const names[] = {
		[FLOWSWITCH_P2P_OK] = "ok",
		[FLOWSWITCH_P2P_NO_KERNEL_SUPPORT] = "kernel built without CONFIG_PCI_P2PDMA",
		[FLOWSWITCH_P2P_NO_PROVIDER] = "no p2p memory provider",
		[FLOWSWITCH_P2P_NOT_PCI] = "a port's I/O is not done by a PCI device",
		[FLOWSWITCH_P2P_HOST_BRIDGE] = "host bridge not allowed for p2p",
		[FLOWSWITCH_P2P_ACS_REDIRECT] = "ACS redirect on a bridge of the path",
		[FLOWSWITCH_P2P_NO_MEMORY] = "provider has too little free p2p memory",
		[FLOWSWITCH_P2P_BUFFERED_IO] = "a port needs buffered I/O",
		[FLOWSWITCH_P2P_BAD_PROVIDER] = "no such p2p provider",
		[FLOWSWITCH_P2P_WRONG_DATA] = "path delivers wrong data",
		[FLOWSWITCH_P2P_SELFTEST_ERROR] = "path self-test could not run",
		[FLOWSWITCH_P2P_QUEUE] = "device's driver takes no p2p memory",
		[FLOWSWITCH_P2P_TRANSFORM] = "transform stages run on host memory",
	};

	return reason < sizeof(names) / sizeof(names[0]) && names[reason] ?
		       names[reason] :
		       "?";
}

const char *fsw_canary_name(unsigned int canary)
{
	static const char *const names[] = {
		[FLOWSWITCH_CANARY_NONE] = "none",
		[FLOWSWITCH_CANARY_PASSED] = "passed",
		[FLOWSWITCH_CANARY_CACHED] = "cached",
		[FLOWSWITCH_CANARY_SKIPPED] = "skipped",
		[FLOWSWITCH_CANARY_FAILED] = "failed",
	};

	return canary < sizeof(names) / sizeof(names[0]) ? names[canary] :
							   "?";
}

int fsw_parse_pci_addr(const char *s, unsigned int *addr)
{
	unsigned int d = 0, b, dev, fn;
	char end;

	/* Hex digits and separators only: %x would also take "0x". */
	if (strspn(s, "0123456789abcdefABCDEF:.") != strlen(s))
		return -EINVAL;
	if (sscanf(s, "%x:%x:%x.%x%c", &d, &b, &dev, &fn, &end) != 4) {
		d = 0;
		if (sscanf(s, "%x:%x.%x%c", &b, &dev, &fn, &end) != 3)
			return -EINVAL;
	}
	if (d > 0xffff || b > 0xff || dev > 31 || fn > 7)
		return -EINVAL;
	*addr = FLOWSWITCH_PCI_ADDR(d, b, dev, fn);
	return 0;
}

static const struct {
	unsigned long long bit;
	const char *name;
} fsw_features[] = {
	{ FLOWSWITCH_FEATURE_P2PDMA, "p2pdma" },
	{ FLOWSWITCH_FEATURE_NETLINK, "netlink" },
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
			"\"p2pmem_providers\":%" PRIu32 ",\"flows\":%" PRIu32
			",\"files\":%" PRIu32 ",\"host_pool_bytes\":%" PRIu64
			"}\n",
			info->abi_major, info->abi_minor, feat,
			p2p ? "true" : "false", info->p2pmem_providers,
			info->nr_flows, info->nr_files,
			(uint64_t)info->host_pool_bytes);
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
	fprintf(out, "  flows:            %" PRIu32 " on %" PRIu32
		" open file(s), host pools %" PRIu64 " bytes\n",
		info->nr_flows, info->nr_files,
		(uint64_t)info->host_pool_bytes);
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

void fsw_pci_str(unsigned int a, char *buf, size_t len)
{
	snprintf(buf, len, "%04x:%02x:%02x.%x", a >> 16, (a >> 8) & 0xff,
		 (a >> 3) & 0x1f, a & 7);
}

const char *fsw_pool_name(unsigned int kind)
{
	switch (kind) {
	case FLOWSWITCH_POOL_HOST:
		return "host";
	case FLOWSWITCH_POOL_P2P:
		return "p2p";
	}
	return "?";
}

const char *fsw_port_kind_name(unsigned int kind)
{
	switch (kind) {
	case FLOWSWITCH_PORT_BLOCK:
		return "block";
	case FLOWSWITCH_PORT_FILE:
		return "file";
	case FLOWSWITCH_PORT_MEMORY:
		return "memory";
	case FLOWSWITCH_PORT_SOCKET:
		return "socket";
	}
	return "?";
}

const char *fsw_map_name(unsigned int map)
{
	switch (map) {
	case FLOWSWITCH_MAP_NONE:
		return "none";
	case FLOWSWITCH_MAP_BUS_ADDR:
		return "bus-address";
	case FLOWSWITCH_MAP_HOST_BRIDGE:
		return "host-bridge";
	}
	return "?";
}

const char *fsw_xform_name(unsigned int kind)
{
	switch (kind) {
	case FLOWSWITCH_XFORM_ENCRYPT:
		return "encrypt";
	case FLOWSWITCH_XFORM_DECRYPT:
		return "decrypt";
	case FLOWSWITCH_XFORM_DIGEST:
		return "digest";
	case FLOWSWITCH_XFORM_SEAL:
		return "seal";
	case FLOWSWITCH_XFORM_OPEN:
		return "open";
	case FLOWSWITCH_XFORM_COMPRESS:
		return "compress";
	case FLOWSWITCH_XFORM_DECOMPRESS:
		return "decompress";
	}
	return "?";
}

void fsw_hex(const uint8_t *d, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[2 * n] = 0;
}
