// SPDX-License-Identifier: GPL-2.0
/*
 * A .flow file as one transaction: what `flowctl apply --no-daemon` and
 * flowd share.  libflowlang checks the file and translates its plan
 * (flang_txn_build); this file opens the devices, names the flows and
 * turns a refusal of item i back into a diagnostic at that item's span.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply.h"
#include "crypto-class.h"
#include "flowswitch.h"

const char *fsw_apply_flow_name(const struct flang_txn_info *in, char *buf,
				size_t len)
{
	if (in->nchains <= 1)
		return in->name;
	snprintf(buf, len, "%s.%u", in->name, in->chain);
	return buf;
}

/* The PCI function of an NVMe namespace /dev/nvmeXnY, from sysfs. */
static int nvme_pci_addr(const char *path, uint32_t *addr)
{
	char sys[PATH_MAX], link[PATH_MAX], *p;
	const char *dev = strrchr(path, '/');
	ssize_t n;

	snprintf(sys, sizeof(sys), "/sys/class/block/%s/device/device",
		 dev ? dev + 1 : path);
	n = readlink(sys, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = 0;
	p = strrchr(link, '/');
	return flang_pci_addr(p ? p + 1 : link, addr);
}

int fsw_apply_fail_at(struct flang_ctx *ctx, int err,
		      const struct flang_span *at, const char *msg,
		      const char *help)
{
	char code[8];

	snprintf(code, sizeof(code), "K%04d", err > 0 && err < 10000 ? err : 0);
	flang_diag_add(ctx, FLANG_SEV_ERROR, code, at, msg, help);
	return 1;
}

void fsw_apply_close_fds(struct flang_txn *t)
{
	unsigned int i;

	for (i = 0; i < t->nports; i++)
		if (t->ports[i].fd >= 0) {
			close(t->ports[i].fd);
			t->ports[i].fd = -1;
		}
}

/* "a (sw: why), b (hw: why)": @e's drivers, for a message. */
static void list_engines(char *buf, size_t len,
			 const struct fsw_crypto_engine *e, int n)
{
	size_t at = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < n && at < len; i++)
		at += snprintf(buf + at, len - at, "%s%s (%s: %s)",
			       i ? ", " : "", e[i].alg.driver,
			       fsw_crypto_class_name(e[i].class), e[i].why);
}

/* Where /proc/crypto and /sys are: "" but in tests. */
static const char *crypto_root = "";

void fsw_apply_crypto_root(const char *root)
{
	crypto_root = root ? root : "";
}

static const char unlisted_help[] =
	"a template nothing has instantiated, or a module loaded on demand, "
	"is not listed until used: name a driver with engine=\"...\", or "
	"make the flow's engine property preferred";
static const char property_help[] =
	"make it 'engine = ... preferred' to take the other class, or name a "
	"driver on the stage: engine=\"...\"";
static const char stage_help[] =
	"name a driver: engine=\"...\", or add 'engine = ... preferred;' to "
	"the flow to take the other class";

/*
 * 'engine = hw|sw' (or a stage's engine=hw|sw): name, for each crypto
 * stage of flow item @in that names no driver, the highest-priority
 * driver of the class (compression is not classed: its stages take no
 * engine=).  None of the class: under 'required' (the flow property's
 * strength; a stage's own class has it too) the flow is refused at the
 * span that asked; under 'preferred' the crypto API chooses, a warning
 * says why and in->engine_fallbacks counts it.  An algorithm that
 * /proc/crypto does not list yet (a module loaded on demand, a template
 * nothing instantiated) has no class to check: refused under
 * 'required', the crypto API's choice under 'preferred'.
 */
static int resolve_engines(struct flang_ctx *ctx, struct flang_txn *t,
			   struct flang_txn_info *in)
{
	struct flowswitch_flow_create *fc = &t->flows[in->cmd];
	struct fsw_crypto_engine e[8];
	char msg[1536], list[1024], nb[FLOWSWITCH_NAME_LEN];
	unsigned int j;
	int n, pick;

	for (j = 0; j < fc->nr_stages; j++) {
		struct flowswitch_transform *x = &t->stages[in->cmd][j];
		enum flang_engine_class want = in->stage_class[j];
		const struct flang_span *at = &in->stage_span[j];
		const char *cls, *help;

		if (want == FLANG_ENGINE_ANY) {
			want = in->engine_class;
			at = &in->engine_span;
		}
		if (want == FLANG_ENGINE_ANY || x->driver[0] ||
		    uxform_kind_comp(x->kind))
			continue; /* no class, engine="..." named it, or lz4 */
		cls = fsw_crypto_class_name(want);
		n = fsw_crypto_engines(crypto_root, x->alg, x->kind, e, 8);
		pick = fsw_crypto_pick_class(e, n, want);
		if (pick >= 0) {
			snprintf(x->driver, sizeof(x->driver), "%s",
				 e[pick].alg.driver);
			continue;
		}
		list_engines(list, sizeof(list), e, n);
		snprintf(msg, sizeof(msg),
			 "flow '%s': no %s engine serves \"%s\"%s%s%s",
			 fsw_apply_flow_name(in, nb, sizeof(nb)), cls, x->alg,
			 n ? " (its drivers: "
			   : ": /proc/crypto lists no driver for it",
			 list, n ? ")" : "");
		if (in->engine_strength != FLANG_PREFERRED) {
			if (!n)
				help = unlisted_help;
			else if (at == &in->engine_span)
				help = property_help;
			else
				help = stage_help;
			flang_diag_add(ctx, FLANG_SEV_ERROR, "A0200", at, msg,
				       help);
			return 1;
		}
		snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg),
			 "; running on %s%s", n ? e[0].alg.driver : "",
			 n ? ", the crypto API's choice"
			   : "the crypto API's choice");
		flang_diag_add(ctx, FLANG_SEV_WARNING, "A0201", at, msg, NULL);
		in->engine_fallbacks++;
	}
	return 0;
}

/* Open what the ports name, resolve cmb providers, name the flows. */
static int prepare(struct flang_ctx *ctx, struct flang_txn *t)
{
	char msg[PATH_MAX + 128], nb[FLOWSWITCH_NAME_LEN];
	unsigned int i;
	int ret;

	/* Engines first: a refusal there must not have created a file. */
	for (i = 0; i < t->nitems; i++) {
		if (t->info[i].kind != FLANG_TXN_FLOW)
			continue;
		ret = resolve_engines(ctx, t, &t->info[i]);
		if (ret)
			return ret;
	}
	for (i = 0; i < t->nitems; i++) {
		struct flang_txn_info *in = &t->info[i];

		if (in->kind == FLANG_TXN_PORT && in->path) {
			int fd = open(in->path, in->oflags | O_CLOEXEC, 0644);

			if (fd < 0) {
				ret = errno;
				snprintf(msg, sizeof(msg),
					 "device '%s': cannot open %s: %s",
					 in->name, in->path, strerror(ret));
				return fsw_apply_fail_at(ctx, ret, &in->span,
							 msg, NULL);
			}
			t->ports[in->cmd].fd = fd;
		} else if (in->kind == FLANG_TXN_PORT && in->fd >= 0) {
			/* A socket the caller handed us: ours to close. */
			int fd = fcntl(in->fd, F_DUPFD_CLOEXEC, 3);

			if (fd < 0) {
				ret = errno;
				snprintf(msg, sizeof(msg),
					 "socket '%s': fd %d: %s", in->name,
					 in->fd, strerror(ret));
				return fsw_apply_fail_at(ctx, ret, &in->span,
							 msg, NULL);
			}
			t->ports[in->cmd].fd = fd;
		}
		if (in->kind != FLANG_TXN_FLOW)
			continue;
		snprintf(t->flows[in->cmd].name, FLOWSWITCH_NAME_LEN, "%s",
			 fsw_apply_flow_name(in, nb, sizeof(nb)));
		if (in->provider_path) {
			ret = nvme_pci_addr(in->provider_path,
					    &t->flows[in->cmd].p2p_provider);
			if (ret) {
				snprintf(msg, sizeof(msg),
					 "cannot find the PCI function of %s: "
					 "%s",
					 in->provider_path, strerror(-ret));
				return fsw_apply_fail_at(ctx, -ret,
							 &in->provider_span,
							 msg, NULL);
			}
		}
	}
	return 0;
}

int fsw_apply_load(struct flang_ctx *ctx, const char *file, struct flang_txn *t)
{
	unsigned int i;
	int ret;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < FLANG_TXN_MAX_ITEMS; i++)
		t->ports[i].fd = -1;
	ret = flang_compile_file(ctx, file);
	if (ret)
		return ret < 0 ? ret : 1;
	ret = flang_txn_build(ctx, t);
	if (ret)
		return ret;
	ret = prepare(ctx, t);
	if (ret)
		fsw_apply_close_fds(t);
	return ret;
}

/*
 * Why no p2p memory could serve flow item @item.  A refused transaction
 * writes back no item's out fields, so ask again: the ports and that flow
 * alone, PREFERRED and not started, whose out_p2p_reason says why; then
 * undo it.  The ports' fds must still be open.
 */
static unsigned int exdev_reason(const struct fsw_apply_ops *ops,
				 struct flang_txn *t, unsigned int item)
{
	static struct flowswitch_txn_item items[FLANG_TXN_MAX_ITEMS];
	struct flowswitch_flow_create fc = t->flows[t->info[item].cmd];
	struct flowswitch_port_create ports[FLANG_TXN_MAX_ITEMS];
	struct flowswitch_txn probe = {.size = sizeof(probe)};
	unsigned int i, n = 0;

	/* The ports come first, so their items keep their indices. */
	memcpy(ports, t->ports, sizeof(ports));
	for (i = 0; i < t->nitems && t->info[i].kind == FLANG_TXN_PORT; i++) {
		items[n] = t->items[i];
		items[n++].cmd_uptr = (uintptr_t)&ports[t->info[i].cmd];
	}
	fc.placement = FLOWSWITCH_P2P_PREFERRED;
	items[n].op = FLOWSWITCH_TXN_FLOW_CREATE;
	items[n].cmd_uptr = (uintptr_t)&fc;
	probe.nr_items = ++n;
	probe.items_uptr = (uintptr_t)items;
	if (ops->txn(ops->arg, &probe) < 0)
		return FLOWSWITCH_P2P_OK;
	ops->destroy(ops->arg, fc.out_flow_id);
	for (i = 0; i < t->nports; i++)
		ops->destroy(ops->arg, ports[i].out_port_id);
	return fc.out_p2p_reason;
}

int fsw_apply_refused(struct flang_ctx *ctx, const struct fsw_apply_ops *ops,
		      struct flang_txn *t, int ret)
{
	unsigned int item = t->txn.out_failed_item;
	int err = t->txn.out_failed_errno ? (int)t->txn.out_failed_errno : -ret;
	const struct flang_txn_info *in;
	char msg[512], nb[128];

	if (item >= t->nitems) {
		struct flang_span none = {0};

		snprintf(msg, sizeof(msg), "the transaction failed: %s",
			 strerror(err));
		return fsw_apply_fail_at(ctx, err, &none, msg, NULL);
	}
	in = &t->info[item];
	if (in->kind == FLANG_TXN_PORT) {
		snprintf(msg, sizeof(msg),
			 "the kernel refused device '%s' (%s): %s", in->name,
			 in->path ? in->path : "?", strerror(err));
		return fsw_apply_fail_at(ctx, err, &in->span, msg, NULL);
	}
	if (err == EXDEV && ops) {
		snprintf(msg, sizeof(msg),
			 "the kernel refused flow '%s': p2p memory required "
			 "but refused: %s",
			 fsw_apply_flow_name(in, nb, sizeof(nb)),
			 fsw_p2p_reason_name(exdev_reason(ops, t, item)));
		return fsw_apply_fail_at(ctx, err, &in->span, msg,
					 "mark the pool 'preferred' (with a "
					 "fallback) to accept host memory");
	}
	snprintf(msg, sizeof(msg), "the kernel refused flow '%s': %s",
		 fsw_apply_flow_name(in, nb, sizeof(nb)), strerror(err));
	return fsw_apply_fail_at(
		ctx, err, &in->span, msg,
		err == EINVAL || err == ENOSPC
			? "check the flow's range against the devices' sizes"
			: NULL);
}
