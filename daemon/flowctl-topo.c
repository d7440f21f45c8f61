// SPDX-License-Identifier: GPL-2.0
/*
 * flowctl topo: which devices can talk directly.
 *
 *   flowctl topo [--json] [--dot | --svg FILE]
 *
 * The PCIe tree as sysfs has it (each function's parent is the previous
 * PCI address of its /sys/devices path), with every p2pmem provider
 * (sysfs p2pmem/ and the module's count), every port of the module on the
 * function doing its DMA (netlink port dump) and the kernel's verdict of
 * every (provider, initiator) pair (netlink P2P_EXPLAIN dump: map,
 * distance, reason, ACS bridge, IOMMU, path self-test state and age).
 * In the spirit of hwloc's lstopo and `lspci -t`; --dot writes Graphviz,
 * --svg runs Graphviz's dot.  Without the module (or without the
 * privilege to dump) the tree is still shown and the verdicts' absence
 * is explained.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "flowctl.h"
#include "flowswitch-nl.h"
#include "flowswitch.h"

#define SYS_PCI "/sys/bus/pci/devices"
#define PCI_NAME_LEN 16
#define MAX_DISKS 8

struct topo_dev {
	char name[PCI_NAME_LEN]; /* 0000:03:00.0 */
	char parent[PCI_NAME_LEN]; /* "" under the host bridge */
	char root[32]; /* pci0000:00 */
	uint32_t addr; /* FLOWSWITCH_PCI_ADDR() */
	unsigned int cls; /* class >> 8: 0x0108 NVMe */
	unsigned int vendor, device;
	char driver[32];
	int pcie_type; /* -1: not PCI Express */
	bool p2pmem, published;
	uint64_t p2p_size, p2p_avail;
	char disks[MAX_DISKS][32];
	unsigned int nr_disks;
};

struct topo {
	struct topo_dev *devs;
	size_t nr_devs;
	struct fsw_nl_port *ports;
	size_t nr_ports, cap_ports;
	struct fsw_nl_verdict *verdicts;
	size_t nr_verdicts, cap_verdicts;
	bool have_stats;
	struct fsw_nl_stats stats;
	char netlink_note[256]; /* why there are no verdicts/ports, or "" */
};

/* ---- sysfs -------------------------------------------------------- */

static bool is_pci_name(const char *s)
{
	unsigned int d, b, dev, fn;
	char tail;

	return strlen(s) == 12 &&
	       sscanf(s, "%4x:%2x:%2x.%1x%c", &d, &b, &dev, &fn, &tail) == 4;
}

static uint32_t pci_name_addr(const char *s)
{
	unsigned int d, b, dev, fn;

	if (sscanf(s, "%x:%x:%x.%x", &d, &b, &dev, &fn) != 4)
		return 0;
	return FLOWSWITCH_PCI_ADDR(d, b, dev, fn);
}

static int read_attr(const char *dev, const char *attr, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), SYS_PCI "/%s/%s", dev, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = 0;
	return 0;
}

static unsigned long long attr_ull(const char *dev, const char *attr, bool *ok)
{
	char buf[64];

	*ok = !read_attr(dev, attr, buf, sizeof(buf));
	return *ok ? strtoull(buf, NULL, 0) : 0;
}

/*
 * The PCI Express port type from the capability in config space (only
 * root may read past the first 64 bytes; -1 then, as for plain PCI).
 */
static int pcie_type(const char *dev)
{
	unsigned char cfg[256];
	char path[PATH_MAX];
	unsigned int pos, hops = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), SYS_PCI "/%s/config", dev);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = pread(fd, cfg, sizeof(cfg), 0);
	close(fd);
	if (n < (ssize_t)sizeof(cfg) || !(cfg[6] & 0x10))
		return -1; /* no capability list */
	for (pos = cfg[0x34] & 0xfc; pos && pos < 0xff && hops++ < 48;
	     pos = cfg[pos + 1] & 0xfc)
		if (cfg[pos] == 0x10)
			return (cfg[pos + 2] >> 4) & 0xf;
	return -1;
}

static const char *pcie_type_name(int t)
{
	switch (t) {
	case 0:
		return "endpoint";
	case 1:
		return "legacy endpoint";
	case 4:
		return "root port";
	case 5:
		return "switch upstream port";
	case 6:
		return "switch downstream port";
	case 7:
		return "PCIe-to-PCI bridge";
	case 8:
		return "PCI-to-PCIe bridge";
	case 9:
		return "root complex integrated endpoint";
	case 10:
		return "root complex event collector";
	}
	return NULL;
}

static const char *class_name(unsigned int cls)
{
	static const struct {
		unsigned int cls;
		const char *name;
	} names[] = {
		{0x0100, "SCSI controller"},
		{0x0101, "IDE controller"},
		{0x0104, "RAID controller"},
		{0x0106, "SATA controller"},
		{0x0107, "SAS controller"},
		{0x0108, "NVMe controller"},
		{0x0200, "Ethernet controller"},
		{0x0207, "InfiniBand controller"},
		{0x0300, "VGA controller"},
		{0x0302, "3D controller"},
		{0x0500, "RAM memory"},
		{0x0600, "host bridge"},
		{0x0601, "ISA bridge"},
		{0x0604, "PCI bridge"},
		{0x0c03, "USB controller"},
		{0x0c05, "SMBus"},
		{0x1200, "processing accelerator"},
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].cls == cls)
			return names[i].name;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].cls >> 8 == cls >> 8 && (names[i].cls & 0xff) == 0)
			return names[i].name;
	return "device";
}

static struct topo_dev *find_dev(struct topo *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nr_devs; i++)
		if (!strcmp(t->devs[i].name, name))
			return &t->devs[i];
	return NULL;
}

/* One function: where sysfs puts it, what it is, its p2pmem. */
static int load_dev(struct topo_dev *d, const char *name)
{
	char path[PATH_MAX], real[PATH_MAX], buf[PATH_MAX], *tok, *save;
	char prev[PCI_NAME_LEN] = "";
	bool ok;
	ssize_t n;

	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%.15s", name);
	d->addr = pci_name_addr(name);
	snprintf(path, sizeof(path), SYS_PCI "/%s", name);
	if (!realpath(path, real))
		return -errno;
	/* /sys/devices/pci0000:00/0000:00:02.0/0000:01:00.0 */
	for (tok = strtok_r(real, "/", &save); tok;
	     tok = strtok_r(NULL, "/", &save)) {
		if (!strncmp(tok, "pci", 3) && !d->root[0])
			snprintf(d->root, sizeof(d->root), "%.31s", tok);
		if (!is_pci_name(tok))
			continue;
		if (!strcmp(tok, name)) {
			snprintf(d->parent, sizeof(d->parent), "%.15s", prev);
			break;
		}
		snprintf(prev, sizeof(prev), "%.15s", tok);
	}
	if (!d->root[0])
		snprintf(d->root, sizeof(d->root), "(no host bridge)");
	d->cls = (unsigned int)(attr_ull(name, "class", &ok) >> 8);
	d->vendor = (unsigned int)attr_ull(name, "vendor", &ok);
	d->device = (unsigned int)attr_ull(name, "device", &ok);
	snprintf(path, sizeof(path), SYS_PCI "/%s/driver", name);
	n = readlink(path, buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = 0;
		snprintf(d->driver, sizeof(d->driver), "%.31s",
			 strrchr(buf, '/') ? strrchr(buf, '/') + 1 : buf);
	}
	d->pcie_type = pcie_type(name);
	d->p2p_size = attr_ull(name, "p2pmem/size", &d->p2pmem);
	if (d->p2pmem) {
		d->p2p_avail = attr_ull(name, "p2pmem/available", &ok);
		d->published = attr_ull(name, "p2pmem/published", &ok) != 0;
	}
	return 0;
}

static int cmp_dev(const void *a, const void *b)
{
	const struct topo_dev *x = a, *y = b;
	int r = strcmp(x->root, y->root);

	return r ? r : strcmp(x->name, y->name);
}

/* Every block device whose /sys/devices path runs through a function. */
static void load_disks(struct topo *t)
{
	char path[PATH_MAX], real[PATH_MAX], *tok, *save;
	char last[PCI_NAME_LEN];
	struct topo_dev *d;
	struct dirent *de;
	DIR *dir = opendir("/sys/block");

	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/block/%s", de->d_name);
		if (!realpath(path, real))
			continue;
		last[0] = 0;
		for (tok = strtok_r(real, "/", &save); tok;
		     tok = strtok_r(NULL, "/", &save))
			if (is_pci_name(tok))
				snprintf(last, sizeof(last), "%.15s", tok);
		d = last[0] ? find_dev(t, last) : NULL;
		if (d && d->nr_disks < MAX_DISKS)
			snprintf(d->disks[d->nr_disks++], sizeof(d->disks[0]),
				 "%.31s", de->d_name);
	}
	closedir(dir);
}

static int load_sysfs(struct topo *t)
{
	struct dirent *de;
	size_t cap = 0;
	DIR *dir = opendir(SYS_PCI);

	if (!dir) {
		fprintf(stderr, "flowctl topo: %s: %s\n", SYS_PCI,
			strerror(errno));
		return -1;
	}
	while ((de = readdir(dir))) {
		if (!is_pci_name(de->d_name))
			continue;
		if (t->nr_devs == cap) {
			void *p;

			cap = cap ? cap * 2 : 32;
			p = realloc(t->devs, cap * sizeof(*t->devs));
			if (!p) {
				closedir(dir);
				return -1;
			}
			t->devs = p;
		}
		if (!load_dev(&t->devs[t->nr_devs], de->d_name))
			t->nr_devs++;
	}
	closedir(dir);
	qsort(t->devs, t->nr_devs, sizeof(*t->devs), cmp_dev);
	load_disks(t);
	return 0;
}

/* ---- netlink ------------------------------------------------------ */

static int grow(void **arr, size_t nr, size_t *cap, size_t size)
{
	void *p;

	if (nr < *cap)
		return 0;
	p = realloc(*arr, (*cap ? *cap * 2 : 8) * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = *cap ? *cap * 2 : 8;
	return 0;
}

static int take_port(const struct fsw_nl_port *p, void *arg)
{
	struct topo *t = arg;

	if (grow((void **)&t->ports, t->nr_ports, &t->cap_ports, sizeof(*p)))
		return -ENOMEM;
	t->ports[t->nr_ports++] = *p;
	return 0;
}

static int take_verdict(const struct fsw_nl_verdict *v, void *arg)
{
	struct topo *t = arg;

	if (grow((void **)&t->verdicts, t->nr_verdicts, &t->cap_verdicts,
		 sizeof(*v)))
		return -ENOMEM;
	t->verdicts[t->nr_verdicts++] = *v;
	return 0;
}

static void load_netlink(struct topo *t)
{
	struct fsw_nl *nl;
	const char *msg;
	int ret;

	ret = fsw_nl_open(&nl);
	if (ret) {
		snprintf(t->netlink_note, sizeof(t->netlink_note),
			 ret == -ENOENT
				 ? "no netlink family '" FLOWSWITCH_GENL_NAME
				   "' (flowswitch.ko not loaded): no ports, no "
				   "verdicts"
				 : "netlink: %s: no ports, no verdicts",
			 strerror(-ret));
		return;
	}
	ret = fsw_nl_get_stats(nl, &t->stats);
	t->have_stats = !ret;
	if (!ret)
		ret = fsw_nl_dump_ports(nl, 0, take_port, t);
	if (!ret)
		ret = fsw_nl_dump_p2p(nl, UINT32_MAX, UINT32_MAX, take_verdict,
				      t);
	if (ret) {
		msg = fsw_nl_error(nl);
		snprintf(t->netlink_note, sizeof(t->netlink_note),
			 "netlink dump refused: %s%s%s%s", strerror(-ret),
			 *msg ? " (" : "", msg, *msg ? ")" : "");
		if (ret == -EPERM)
			snprintf(t->netlink_note + strlen(t->netlink_note),
				 sizeof(t->netlink_note) -
					 strlen(t->netlink_note),
				 "; the dumps need CAP_NET_ADMIN");
	}
	fsw_nl_close(nl);
}

/* Why the verdict list is empty, or NULL when it is not. */
static const char *p2p_note(const struct topo *t, char *buf, size_t len)
{
	size_t i, n = 0;

	if (t->nr_verdicts)
		return NULL;
	if (t->netlink_note[0])
		return t->netlink_note;
	if (t->have_stats && !(t->stats.features & FLOWSWITCH_FEATURE_P2PDMA))
		return "kernel built without CONFIG_PCI_P2PDMA: no p2pmem "
		       "providers, no direct paths";
	for (i = 0; i < t->nr_devs; i++)
		n += t->devs[i].p2pmem;
	if (!n && !(t->have_stats && t->stats.providers))
		return "no PCI function publishes p2pmem (no CMB or BAR "
		       "registered with P2PDMA)";
	snprintf(buf, len, "%zu p2pmem provider(s) but no initiators", n);
	return buf;
}

/* A short stable identifier of each reason, for scripts. */
static const char *reason_id(uint32_t reason)
{
	static const char *const ids[] = {
		[FLOWSWITCH_P2P_OK] = "ok",
		[FLOWSWITCH_P2P_NO_KERNEL_SUPPORT] = "no-kernel-support",
		[FLOWSWITCH_P2P_NO_PROVIDER] = "no-provider",
		[FLOWSWITCH_P2P_NOT_PCI] = "not-pci",
		[FLOWSWITCH_P2P_HOST_BRIDGE] = "host-bridge",
		[FLOWSWITCH_P2P_ACS_REDIRECT] = "acs-redirect",
		[FLOWSWITCH_P2P_NO_MEMORY] = "no-memory",
		[FLOWSWITCH_P2P_BUFFERED_IO] = "buffered-io",
		[FLOWSWITCH_P2P_BAD_PROVIDER] = "bad-provider",
		[FLOWSWITCH_P2P_WRONG_DATA] = "wrong-data",
		[FLOWSWITCH_P2P_SELFTEST_ERROR] = "selftest-error",
		[FLOWSWITCH_P2P_QUEUE] = "queue",
		[FLOWSWITCH_P2P_TRANSFORM] = "transform",
	};

	return reason < sizeof(ids) / sizeof(ids[0]) && ids[reason]
		       ? ids[reason]
		       : "?";
}

static void canary_str(uint32_t state, uint32_t age_ms, char *buf, size_t len)
{
	if (state == FLOWSWITCH_CANARY_NONE)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%s %u.%us ago", fsw_canary_name(state),
			 age_ms / 1000, age_ms % 1000 / 100);
}

static void size_str(uint64_t b, char *buf, size_t len)
{
	if (b >= (1ULL << 30) && !(b % (1ULL << 30)))
		snprintf(buf, len, "%" PRIu64 " GiB", b >> 30);
	else if (b >= (1ULL << 20))
		snprintf(buf, len, "%" PRIu64 " MiB", b >> 20);
	else
		snprintf(buf, len, "%" PRIu64 " KiB", b >> 10);
}

/* ---- text --------------------------------------------------------- */

static void print_dev_line(const struct topo *t, const struct topo_dev *d,
			   const char *prefix, bool last)
{
	const char *type = pcie_type_name(d->pcie_type);
	char a[32], b[32], pci[16];
	unsigned int i;
	size_t k;

	printf("%s%s %s %s", prefix, last ? "`--" : "|--", d->name,
	       class_name(d->cls));
	if (type && d->pcie_type != 0)
		printf(", %s", type);
	printf(" [%04x:%04x]", d->vendor, d->device);
	if (d->driver[0])
		printf(" %s", d->driver);
	for (i = 0; i < d->nr_disks; i++)
		printf("%s%s", i ? "," : " disk ", d->disks[i]);
	printf("\n");
	if (d->p2pmem) {
		size_str(d->p2p_size, a, sizeof(a));
		size_str(d->p2p_avail, b, sizeof(b));
		printf("%s%s      p2pmem provider: %s, %s available%s\n",
		       prefix, last ? "   " : "|  ", a, b,
		       d->published ? ", published" : "");
	}
	for (k = 0; k < t->nr_ports; k++) {
		const struct fsw_nl_port *p = &t->ports[k];

		if (!p->has_pci || p->pci != d->addr)
			continue;
		fsw_pci_str(p->pci, pci, sizeof(pci));
		printf("%s%s      port %u of owner %u (%s): %s %s%s%s\n",
		       prefix, last ? "   " : "|  ", p->id, p->owner.id,
		       p->owner.comm, fsw_port_kind_name(p->kind),
		       p->path[0] ? p->path : "-", p->disk[0] ? " disk " : "",
		       p->disk);
	}
}

static void print_subtree(const struct topo *t, const char *root,
			  const char *parent, const char *prefix, int depth)
{
	char sub[256];
	size_t i, last = SIZE_MAX;

	if (depth > 32)
		return;
	for (i = 0; i < t->nr_devs; i++)
		if (!strcmp(t->devs[i].root, root) &&
		    !strcmp(t->devs[i].parent, parent))
			last = i;
	for (i = 0; i < t->nr_devs && last != SIZE_MAX; i++) {
		const struct topo_dev *d = &t->devs[i];

		if (strcmp(d->root, root) || strcmp(d->parent, parent))
			continue;
		print_dev_line(t, d, prefix, i == last);
		snprintf(sub, sizeof(sub), "%s%s", prefix,
			 i == last ? "    " : "|   ");
		print_subtree(t, root, d->name, sub, depth + 1);
	}
}

static void print_text(const struct topo *t)
{
	char note[128], prov[16], init[16], bridge[16], cin[40], cout[40];
	const char *why = p2p_note(t, note, sizeof(note));
	size_t i, nprov = 0;

	printf("PCI topology (%zu functions)\n", t->nr_devs);
	for (i = 0; i < t->nr_devs; i++) {
		if (i && !strcmp(t->devs[i].root, t->devs[i - 1].root))
			continue;
		printf("%s\n", t->devs[i].root);
		print_subtree(t, t->devs[i].root, "", "", 0);
	}
	printf("\np2pmem providers:");
	for (i = 0; i < t->nr_devs; i++)
		if (t->devs[i].p2pmem)
			printf("%s%s", nprov++ ? ", " : " ", t->devs[i].name);
	printf("%s\n", nprov ? "" : " none");
	if (why) {
		printf("P2P verdicts: none: %s\n", why);
		return;
	}
	printf("P2P verdicts (initiator DMA to/from the provider's memory):\n");
	printf("  %-12s %-12s %-11s %4s %-5s %-12s %-16s %-16s %s\n",
	       "PROVIDER", "INITIATOR", "MAP", "DIST", "IOMMU", "ACS-BRIDGE",
	       "CANARY-IN", "CANARY-OUT", "REASON");
	for (i = 0; i < t->nr_verdicts; i++) {
		const struct fsw_nl_verdict *v = &t->verdicts[i];

		fsw_pci_str(v->provider, prov, sizeof(prov));
		fsw_pci_str(v->initiator, init, sizeof(init));
		snprintf(bridge, sizeof(bridge), "-");
		if (v->bridge)
			fsw_pci_str(v->bridge, bridge, sizeof(bridge));
		canary_str(v->canary_in, v->canary_in_age_ms, cin, sizeof(cin));
		canary_str(v->canary_out, v->canary_out_age_ms, cout,
			   sizeof(cout));
		printf("  %-12s %-12s %-11s %4d %-5s %-12s %-16s %-16s %s\n",
		       prov, init, fsw_map_name(v->map), v->distance,
		       v->flags & FLOWSWITCH_VERDICT_IOMMU ? "yes" : "no",
		       bridge, cin, cout, fsw_p2p_reason_name(v->reason));
	}
}

/* ---- JSON --------------------------------------------------------- */

#define J_ADD(j, k, v) json_object_object_add(j, k, v)
#define J_U64(j, k, v) J_ADD(j, k, json_object_new_uint64(v))
#define J_STR(j, k, v) J_ADD(j, k, json_object_new_string(v))
#define J_BOOL(j, k, v) J_ADD(j, k, json_object_new_boolean(v))

static json_object *verdict_json(const struct fsw_nl_verdict *v)
{
	json_object *j = json_object_new_object();
	char buf[16];

	fsw_pci_str(v->provider, buf, sizeof(buf));
	J_STR(j, "provider", buf);
	fsw_pci_str(v->initiator, buf, sizeof(buf));
	J_STR(j, "initiator", buf);
	J_STR(j, "map", fsw_map_name(v->map));
	J_ADD(j, "distance", json_object_new_int(v->distance));
	J_STR(j, "reason", reason_id(v->reason));
	J_STR(j, "reason_text", fsw_p2p_reason_name(v->reason));
	if (v->bridge) {
		fsw_pci_str(v->bridge, buf, sizeof(buf));
		J_STR(j, "acs_bridge", buf);
	} else {
		J_ADD(j, "acs_bridge", NULL);
	}
	J_BOOL(j, "iommu", v->flags & FLOWSWITCH_VERDICT_IOMMU);
	J_STR(j, "canary_in", fsw_canary_name(v->canary_in));
	J_U64(j, "canary_in_age_ms", v->canary_in_age_ms);
	J_STR(j, "canary_out", fsw_canary_name(v->canary_out));
	J_U64(j, "canary_out_age_ms", v->canary_out_age_ms);
	return j;
}

static json_object *dev_json(const struct topo *t, const struct topo_dev *d)
{
	json_object *j = json_object_new_object(), *arr, *o;
	const char *type = pcie_type_name(d->pcie_type);
	char buf[16];
	unsigned int i;
	size_t k;

	J_STR(j, "pci", d->name);
	J_ADD(j, "parent",
	      d->parent[0] ? json_object_new_string(d->parent) : NULL);
	J_STR(j, "host_bridge", d->root);
	snprintf(buf, sizeof(buf), "%04x", d->cls);
	J_STR(j, "class", buf);
	J_STR(j, "class_name", class_name(d->cls));
	snprintf(buf, sizeof(buf), "%04x", d->vendor);
	J_STR(j, "vendor", buf);
	snprintf(buf, sizeof(buf), "%04x", d->device);
	J_STR(j, "device", buf);
	J_ADD(j, "driver",
	      d->driver[0] ? json_object_new_string(d->driver) : NULL);
	J_ADD(j, "pcie_type", type ? json_object_new_string(type) : NULL);
	J_BOOL(j, "bridge", d->cls >> 8 == 0x06 && d->cls != 0x0600);
	arr = json_object_new_array();
	for (i = 0; i < d->nr_disks; i++)
		json_object_array_add(arr, json_object_new_string(d->disks[i]));
	J_ADD(j, "disks", arr);
	if (d->p2pmem) {
		o = json_object_new_object();
		J_U64(o, "size", d->p2p_size);
		J_U64(o, "available", d->p2p_avail);
		J_BOOL(o, "published", d->published);
		J_ADD(j, "p2pmem", o);
	}
	arr = json_object_new_array();
	for (k = 0; k < t->nr_ports; k++) {
		const struct fsw_nl_port *p = &t->ports[k];

		if (!p->has_pci || p->pci != d->addr)
			continue;
		o = json_object_new_object();
		J_U64(o, "owner", p->owner.id);
		J_STR(o, "comm", p->owner.comm);
		J_U64(o, "id", p->id);
		J_STR(o, "kind", fsw_port_kind_name(p->kind));
		if (p->path[0])
			J_STR(o, "path", p->path);
		if (p->disk[0])
			J_STR(o, "disk", p->disk);
		json_object_array_add(arr, o);
	}
	J_ADD(j, "ports", arr);
	return j;
}

static void print_json(const struct topo *t)
{
	json_object *j = json_object_new_object(), *arr;
	char note[128], feat[128];
	const char *why = p2p_note(t, note, sizeof(note));
	size_t i;

	if (t->have_stats) {
		fsw_features_str(t->stats.features, feat, sizeof(feat));
		J_STR(j, "features", feat);
		J_BOOL(j, "p2pdma",
		       t->stats.features & FLOWSWITCH_FEATURE_P2PDMA);
		J_U64(j, "module_providers", t->stats.providers);
	} else {
		J_ADD(j, "p2pdma", NULL);
	}
	J_ADD(j, "note", why ? json_object_new_string(why) : NULL);
	arr = json_object_new_array();
	for (i = 0; i < t->nr_devs; i++)
		json_object_array_add(arr, dev_json(t, &t->devs[i]));
	J_ADD(j, "devices", arr);
	arr = json_object_new_array();
	for (i = 0; i < t->nr_devs; i++)
		if (t->devs[i].p2pmem)
			json_object_array_add(
				arr, json_object_new_string(t->devs[i].name));
	J_ADD(j, "providers", arr);
	arr = json_object_new_array();
	for (i = 0; i < t->nr_verdicts; i++)
		json_object_array_add(arr, verdict_json(&t->verdicts[i]));
	J_ADD(j, "verdicts", arr);
	printf("%s\n",
	       json_object_to_json_string_ext(
		       j, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
	json_object_put(j);
}

/* ---- Graphviz ----------------------------------------------------- */

static void write_dot(const struct topo *t, FILE *out)
{
	char note[128], a[32], b[32], pci[16];
	const char *why = p2p_note(t, note, sizeof(note));
	size_t i, k;

	fprintf(out,
		"digraph flowswitch_topo {\n"
		"\trankdir=TB;\n"
		"\tnode [shape=box, fontname=\"monospace\", fontsize=10];\n"
		"\tedge [fontname=\"monospace\", fontsize=9];\n");
	for (i = 0; i < t->nr_devs; i++)
		if (!i || strcmp(t->devs[i].root, t->devs[i - 1].root))
			fprintf(out,
				"\t\"%s\" [shape=house, label=\"%s\\nhost "
				"bridge\"];\n",
				t->devs[i].root, t->devs[i].root);
	for (i = 0; i < t->nr_devs; i++) {
		const struct topo_dev *d = &t->devs[i];
		const char *type = pcie_type_name(d->pcie_type);
		unsigned int n;

		fprintf(out, "\t\"%s\" [label=\"%s\\n%s", d->name, d->name,
			class_name(d->cls));
		if (type && d->pcie_type)
			fprintf(out, "\\n%s", type);
		if (d->driver[0])
			fprintf(out, "\\n(%s)", d->driver);
		for (n = 0; n < d->nr_disks; n++)
			fprintf(out, "%s%s", n ? "," : "\\ndisk ", d->disks[n]);
		if (d->p2pmem) {
			size_str(d->p2p_size, a, sizeof(a));
			size_str(d->p2p_avail, b, sizeof(b));
			fprintf(out, "\\np2pmem %s (%s free)", a, b);
		}
		for (k = 0; k < t->nr_ports; k++)
			if (t->ports[k].has_pci && t->ports[k].pci == d->addr)
				fprintf(out, "\\nport %u/%u %s",
					t->ports[k].owner.id, t->ports[k].id,
					t->ports[k].disk[0]
						? t->ports[k].disk
						: fsw_port_kind_name(t->ports[k].kind));
		fprintf(out, "\"%s];\n",
			d->p2pmem ? ", style=filled, fillcolor=lightblue"
			: d->cls >> 8 == 0x06 ? ", style=rounded"
					      : "");
		fprintf(out, "\t\"%s\" -> \"%s\" [arrowhead=none];\n",
			d->parent[0] ? d->parent : d->root, d->name);
	}
	/* Verdicts: dashed, green where the kernel allows the path. */
	for (i = 0; i < t->nr_verdicts; i++) {
		const struct fsw_nl_verdict *v = &t->verdicts[i];

		if (v->provider == v->initiator)
			continue;
		fsw_pci_str(v->provider, a, sizeof(a));
		fsw_pci_str(v->initiator, b, sizeof(b));
		fprintf(out,
			"\t\"%s\" -> \"%s\" [style=dashed, constraint=false, "
			"color=%s, label=\"%s",
			b, a, v->distance >= 0 ? "darkgreen" : "red",
			v->distance >= 0 ? fsw_map_name(v->map)
					 : reason_id(v->reason));
		if (v->distance >= 0)
			fprintf(out, " d=%d", v->distance);
		if (v->flags & FLOWSWITCH_VERDICT_IOMMU)
			fprintf(out, " iommu");
		if (v->canary_in != FLOWSWITCH_CANARY_NONE)
			fprintf(out, "\\ncanary %s",
				fsw_canary_name(v->canary_in));
		if (v->bridge) {
			fsw_pci_str(v->bridge, pci, sizeof(pci));
			fprintf(out, "\\nACS at %s", pci);
		}
		fprintf(out, "\"];\n");
	}
	if (why)
		fprintf(out, "\tlabel=\"P2P verdicts: none: %s\";\n", why);
	fprintf(out, "}\n");
}

/* Pipe the Graphviz text through `dot -Tsvg -o FILE`. */
static int write_svg(const struct topo *t, const char *file)
{
	int pipefd[2], status, err[2], e = 0;
	FILE *out;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
		perror("flowctl topo: pipe");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("flowctl topo: fork");
		return 1;
	}
	if (!pid) {
		dup2(pipefd[0], 0);
		execlp("dot", "dot", "-Tsvg", "-o", file, (char *)NULL);
		e = errno;
		if (write(err[1], &e, sizeof(e)) < 0)
			_exit(126);
		_exit(127);
	}
	close(pipefd[0]);
	close(err[1]);
	if (read(err[0], &e, sizeof(e)) != sizeof(e))
		e = 0; /* closed on exec: dot runs */
	close(err[0]);
	if (e) {
		close(pipefd[1]);
		waitpid(pid, &status, 0);
		fprintf(stderr,
			"flowctl topo: --svg needs Graphviz's 'dot' (%s); "
			"install graphviz, or use --dot and render elsewhere\n",
			strerror(e));
		return 1;
	}
	out = fdopen(pipefd[1], "w");
	if (!out) {
		close(pipefd[1]);
		waitpid(pid, &status, 0);
		return 1;
	}
	write_dot(t, out);
	fclose(out);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		fprintf(stderr, "flowctl topo: dot -Tsvg -o %s failed\n", file);
		return 1;
	}
	printf("wrote %s\n", file);
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: flowctl topo [--json] [--dot | --svg FILE]\n"
		"  the PCIe tree, p2pmem providers, the module's ports on "
		"their\n"
		"  devices and the kernel's P2P verdict of every provider and\n"
		"  initiator (netlink); --dot Graphviz text, --svg FILE runs "
		"dot\n");
}

int flowctl_topo(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"dot", no_argument, NULL, 'd'},
		{"svg", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{}};
	const char *svg = NULL;
	bool json = false, dot = false;
	struct topo t = {0};
	int c, ret = 0;

	while ((c = getopt_long(argc, argv, "jds:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'd':
			dot = true;
			break;
		case 's':
			svg = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || json + dot + !!svg > 1) {
		usage(stderr);
		return 2;
	}
	if (load_sysfs(&t))
		return 1;
	load_netlink(&t);
	if (t.netlink_note[0] && !json)
		fprintf(stderr, "flowctl topo: %s\n", t.netlink_note);
	if (json)
		print_json(&t);
	else if (dot)
		write_dot(&t, stdout);
	else if (svg)
		ret = write_svg(&t, svg);
	else
		print_text(&t);
	free(t.devs);
	free(t.ports);
	free(t.verdicts);
	return ret;
}
