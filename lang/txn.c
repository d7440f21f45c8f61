// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A plan as one FLOWSWITCH_IOC_TXN: the pure half of 'flowctl apply'.
 *
 * Items are the ports the flows use, in the plan's order, then one kernel
 * flow per chain.  A kernel flow is one source, 1 to FLOWSWITCH_MAX_SINKS
 * sinks and nothing between them, so anything else in a chain (a
 * transform, a socket, a dma-buf, a BAR window whose size the language
 * cannot say) is an error here, at the construct's span, and handlers --
 * flowd's work, not the kernel's -- are warnings: nothing of a file is
 * dropped without a word.  Codes: A01xx errors, A09xx warnings; kernel
 * refusals are the caller's (K + errno).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "flowlang-txn.h"

#define A_UNSUPPORTED "A0100"	/* the kernel cannot do this yet */
#define A_LIMIT "A0101"		/* beyond a limit of the kernel's ABI */
#define A_HANDLER "A0900"	/* a handler: flowd runs it, not the kernel */
#define A_NOT_APPLIED "A0901"	/* a setting the kernel has no knob for */

struct txn_builder {
	struct flang_ctx *ctx;
	const struct flang_plan *plan;
	struct flang_txn *t;
	int err;		/* -ENOMEM once adding a diagnostic failed */
	unsigned int errors;
};

static void diag(struct txn_builder *b, enum flang_severity sev,
		 const char *code, const struct flang_span *at,
		 const char *help, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static void diag(struct txn_builder *b, enum flang_severity sev,
		 const char *code, const struct flang_span *at,
		 const char *help, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ret = flang_diag_add(b->ctx, sev, code, at, msg, help);
	if (ret == -ENOMEM)
		b->err = ret;
	if (sev == FLANG_SEV_ERROR)
		b->errors++;
}

int flang_pci_addr(const char *s, uint32_t *addr)
{
	unsigned int d = 0, bus, dev, fn;
	char end;

	if (!s)
		return -EINVAL;
	if (sscanf(s, "%x:%x:%x.%x%c", &d, &bus, &dev, &fn, &end) != 4) {
		d = 0;
		if (sscanf(s, "%x:%x.%x%c", &bus, &dev, &fn, &end) != 3)
			return -EINVAL;
	}
	if (d > 0xffff || bus > 0xff || dev > 0x1f || fn > 7)
		return -EINVAL;
	*addr = FLOWSWITCH_PCI_ADDR(d, bus, dev, fn);
	return 0;
}

/* Can the kernel's port API take this device?  Errors at @at if not. */
static bool port_ok(struct txn_builder *b, uint32_t port,
		    const struct flang_span *at)
{
	const struct flang_plan_port *p = &b->plan->ports[port];

	switch (p->kind) {
	case FLANG_PORT_NVME:
	case FLANG_PORT_BLOCK:
	case FLANG_PORT_FILE:
		return true;
	case FLANG_PORT_SOCKET:
		return true;	/* ABI 1.6: the descriptor fd(N) names */
	case FLANG_PORT_DMABUF:
		diag(b, FLANG_SEV_ERROR, A_UNSUPPORTED, at, NULL,
		     "dmabuf '%s' cannot be applied: the kernel has no dma-buf ports yet",
		     p->name);
		return false;
	case FLANG_PORT_BAR:
		diag(b, FLANG_SEV_ERROR, A_UNSUPPORTED, at,
		     "create the window with 'flowctl copy' or the library (FLOWSWITCH_PORT_PCI_BAR)",
		     "bar '%s' cannot be applied: a PCI BAR window needs a size, which a .flow file cannot give yet",
		     p->name);
		return false;
	}
	return false;
}

static const char *const xf_names[] = {
	[FLANG_XF_NONE] = "?", [FLANG_XF_COPY] = "copy", [FLANG_XF_TEE] = "tee",
	[FLANG_XF_AEAD] = "aead", [FLANG_XF_SKCIPHER] = "skcipher",
	[FLANG_XF_DIGEST] = "digest", [FLANG_XF_COMPRESS] = "compress",
	[FLANG_XF_ENCRYPT] = "encrypt", [FLANG_XF_DECRYPT] = "decrypt",
	[FLANG_XF_UNSEAL] = "unseal", [FLANG_XF_DECOMPRESS] = "decompress",
};

uint32_t flang_xf_kernel_kind(enum flang_transform xf)
{
	switch (xf) {
	case FLANG_XF_DIGEST:
		return FLOWSWITCH_XFORM_DIGEST;
	case FLANG_XF_ENCRYPT:
		return FLOWSWITCH_XFORM_ENCRYPT;
	case FLANG_XF_DECRYPT:
		return FLOWSWITCH_XFORM_DECRYPT;
	case FLANG_XF_AEAD:
		return FLOWSWITCH_XFORM_SEAL;
	case FLANG_XF_UNSEAL:
		return FLOWSWITCH_XFORM_OPEN;
	case FLANG_XF_COMPRESS:
		return FLOWSWITCH_XFORM_COMPRESS;
	case FLANG_XF_DECOMPRESS:
		return FLOWSWITCH_XFORM_DECOMPRESS;
	default:
		return 0;
	}
}

static unsigned int hex_digit(char c)
{
	return c <= '9' ? (unsigned int)(c - '0') :
			  (unsigned int)((c | 0x20) - 'a' + 10);
}

static const char *xf_name(enum flang_transform xf)
{
	return (size_t)xf < sizeof(xf_names) / sizeof(xf_names[0]) ?
		       xf_names[xf] : "?";
}

/*
 * The stages of chain @chain of @f: [*first, *end).  Returns false when
 * the flow has no such chain.
 */
static bool chain_range(const struct flang_plan_flow *f, unsigned int chain,
			unsigned int *first, unsigned int *end)
{
	unsigned int i = 0;

	while (i < f->nstages && f->stages[i].chain != chain)
		i++;
	if (i == f->nstages)
		return false;
	*first = i;
	while (i < f->nstages && f->stages[i].chain == chain)
		i++;
	*end = i;
	return true;
}

static unsigned int chain_count(const struct flang_plan_flow *f)
{
	unsigned int i, n = 0;

	for (i = 0; i < f->nstages; i++)
		if (f->stages[i].chain + 1 > n)
			n = f->stages[i].chain + 1;
	return n;
}

/*
 * The chain's transforms as kernel stages.  A keyring secret written
 * keyctl's way ("%user:desc", "%logon:desc") names the key type; an fd
 * secret is read to its end (key_len 0).  A cipher's IV is the number of
 * its first data unit where the ciphertext lives: the sink's offset when
 * enciphering, the source's when deciphering (dm-crypt's plain64).
 */
static void flow_stages(const struct flang_plan_flow *f, unsigned int first,
			unsigned int end, const struct flang_plan_stage *sink,
			struct flowswitch_transform *st,
			struct flowswitch_flow_create *fc,
			struct flang_txn_info *in)
{
	unsigned int i;

	for (i = first + 1; i < end; i++) {
		const struct flang_plan_stage *s = &f->stages[i];
		struct flowswitch_transform *x;
		uint64_t at;
		int k;

		if (s->kind != FLANG_STAGE_TRANSFORM ||
		    fc->nr_stages == FLOWSWITCH_MAX_STAGES)
			continue;
		in->stage_class[fc->nr_stages] = s->engine_class;
		in->stage_span[fc->nr_stages] = s->engine_span;
		x = &st[fc->nr_stages++];
		memset(x, 0, sizeof(*x));
		x->key_fd = -1;
		x->kind = flang_xf_kernel_kind(s->xf);
		snprintf(x->alg, sizeof(x->alg), "%s", s->alg ? s->alg : "");
		if (s->engine)
			snprintf(x->driver, sizeof(x->driver), "%s", s->engine);
		if (s->key.kind == FLANG_SECRET_KEYRING) {
			const char *ref = s->key.ref;

			x->flags = FLOWSWITCH_XFORM_KEY_USER;
			if (!strncmp(ref, "%logon:", 7)) {
				x->flags = FLOWSWITCH_XFORM_KEY_LOGON;
				ref += 7;
			} else if (!strncmp(ref, "%user:", 6)) {
				ref += 6;
			}
			snprintf(x->key_desc, sizeof(x->key_desc), "%s", ref);
		} else if (s->key.kind == FLANG_SECRET_FD) {
			x->flags = FLOWSWITCH_XFORM_KEY_FD;
			x->key_fd = s->key.fd;
		}
		/* checker: 24 hex digits */
		for (k = 0; s->nonce && k < 12; k++)
			x->iv[k] = (uint8_t)(hex_digit(s->nonce[2 * k]) << 4 |
					     hex_digit(s->nonce[2 * k + 1]));
		if (!s->unit)
			continue;
		x->data_unit = (uint32_t)s->unit;
		at = (s->xf == FLANG_XF_ENCRYPT ? sink->offset :
						  f->range_start) / s->unit;
		for (k = 0; k < 8; k++)
			x->iv[k] = (uint8_t)(at >> (8 * k));
	}
	fc->stages_uptr = (uintptr_t)st;
}

/*
 * Can the kernel run transform @s (the @n-th of its chain)?  Its stages
 * are digest, encrypt and decrypt (ABI 1.5); a cipher needs a data unit
 * (its IV per unit is the planner's to give, see flow_stages()), so a
 * counter mode, whose IV the language cannot write yet, is refused.
 */
static bool stage_ok(struct txn_builder *b, const struct flang_plan_flow *f,
		     const struct flang_plan_stage *s, unsigned int n)
{
	if (!flang_xf_kernel_kind(s->xf)) {
		diag(b, FLANG_SEV_ERROR, A_UNSUPPORTED, &s->span,
		     "the kernel's stages are digest(), encrypt(), decrypt(), aead(), unseal(), compress() and decompress(); split the flow at the transform",
		     "transform '%s' in flow '%s' cannot be applied: the kernel has no such stage yet",
		     xf_name(s->xf), f->name);
		return false;
	}
	if (n > FLOWSWITCH_MAX_STAGES) {
		diag(b, FLANG_SEV_ERROR, A_LIMIT, &s->span, NULL,
		     "flow '%s' has more than %d transforms in a chain, the most one kernel flow runs",
		     f->name, FLOWSWITCH_MAX_STAGES);
		return false;
	}
	if ((s->xf == FLANG_XF_AEAD || s->xf == FLANG_XF_UNSEAL) && !s->nonce) {
		diag(b, FLANG_SEV_ERROR, A_UNSUPPORTED, &s->span,
		     "add nonce=\"<24 hex digits>\", the same on both sides, and never the same for two flows under one key",
		     "%s() in flow '%s' has no nonce=: a record's nonce must never repeat under its key",
		     xf_name(s->xf), f->name);
		return false;
	}
	if ((s->xf == FLANG_XF_ENCRYPT || s->xf == FLANG_XF_DECRYPT) &&
	    !s->unit) {
		diag(b, FLANG_SEV_ERROR, A_UNSUPPORTED, &s->span,
		     "give a data unit, e.g. encrypt(alg=\"xts(aes)\", key=$key, unit=512B): each unit's IV is its sector number",
		     "%s() in flow '%s' has no unit=: a counter mode needs an IV the language cannot give yet",
		     xf_name(s->xf), f->name);
		return false;
	}
	if ((s->alg && strlen(s->alg) >= FLOWSWITCH_ALG_LEN) ||
	    (s->engine && strlen(s->engine) >= FLOWSWITCH_ALG_LEN) ||
	    (s->key.kind == FLANG_SECRET_KEYRING &&
	     strlen(s->key.ref) >= FLOWSWITCH_ALG_LEN)) {
		diag(b, FLANG_SEV_ERROR, A_LIMIT, &s->span, NULL,
		     "an algorithm, engine or key name in flow '%s' is longer than %d bytes",
		     f->name, FLOWSWITCH_ALG_LEN - 1);
		return false;
	}
	return true;
}

static uint32_t max_retries(const struct flang_plan_flow *f);

static bool is_socket(struct txn_builder *b, uint32_t port)
{
	return b->plan->ports[port].kind == FLANG_PORT_SOCKET;
}

/*
 * A stream has no offsets or end, and cannot be re-read: a socket source
 * reads range=0..LENGTH, a socket sink is written from offset 0, and no
 * retry applies.
 */
static bool sockets_ok(struct txn_builder *b, const struct flang_plan_flow *f,
		       const struct flang_plan_stage *s)
{
	bool src = s->kind == FLANG_STAGE_SOURCE;

	if (!is_socket(b, s->port))
		return true;
	if (src && (f->range_start || f->range_end == FLANG_RANGE_END)) {
		diag(b, FLANG_SEV_ERROR, A_UNSUPPORTED, &s->span,
		     "read it as read(S, range=0..LENGTH): a stream has no end to read to",
		     "socket '%s' in flow '%s' is read without a length",
		     b->plan->ports[s->port].name, f->name);
		return false;
	}
	if (!src && s->offset) {
		diag(b, FLANG_SEV_ERROR, A_UNSUPPORTED, &s->span, NULL,
		     "socket '%s' in flow '%s' is written at an offset: a stream has none",
		     b->plan->ports[s->port].name, f->name);
		return false;
	}
	if (max_retries(f)) {
		diag(b, FLANG_SEV_ERROR, A_UNSUPPORTED, &s->span,
		     "drop the 'retry' of 'on io_error' for this flow",
		     "flow '%s' retries, but socket '%s' cannot be read or written twice",
		     f->name, b->plan->ports[s->port].name);
		return false;
	}
	return true;
}

/* Check one chain; sets the bits of the ports it reads and writes. */
static bool chain_ok(struct txn_builder *b, const struct flang_plan_flow *f,
		     unsigned int first, unsigned int end, uint8_t *use)
{
	const struct flang_plan_stage *src = &f->stages[first], *s;
	unsigned int i, nsinks = 0, nstages = 0;
	bool ok = true;

	if (src->kind != FLANG_STAGE_SOURCE ||
	    !port_ok(b, src->port, &src->span) || !sockets_ok(b, f, src))
		ok = false;
	for (i = first + 1; i < end; i++) {
		s = &f->stages[i];
		if (s->kind == FLANG_STAGE_TRANSFORM) {
			if (!stage_ok(b, f, s, ++nstages))
				ok = false;
			continue;
		}
		if (s->kind != FLANG_STAGE_SINK)
			continue;
		if (++nsinks == FLOWSWITCH_MAX_SINKS + 1) {
			diag(b, FLANG_SEV_ERROR, A_LIMIT, &s->span, NULL,
			     "flow '%s' has more than %d sinks, the most one kernel flow writes",
			     f->name, FLOWSWITCH_MAX_SINKS);
			ok = false;
		}
		if (!port_ok(b, s->port, &s->span) || !sockets_ok(b, f, s))
			ok = false;
		if (s->chunk < FLOWSWITCH_MIN_CHUNK ||
		    s->chunk > FLOWSWITCH_MAX_CHUNK || s->chunk % 4096) {
			diag(b, FLANG_SEV_ERROR, A_LIMIT, &s->span,
			     "use a chunk of 4KiB to 16MiB in steps of 4KiB",
			     "chunk of %llu bytes: the kernel takes a multiple of 4096 from %d to %d",
			     (unsigned long long)s->chunk, FLOWSWITCH_MIN_CHUNK,
			     FLOWSWITCH_MAX_CHUNK);
			ok = false;
		}
		if (s->depth < 1 || s->depth > FLOWSWITCH_MAX_DEPTH) {
			diag(b, FLANG_SEV_ERROR, A_LIMIT, &s->span, NULL,
			     "depth %u: the kernel takes 1 to %d chunks in flight",
			     s->depth, FLOWSWITCH_MAX_DEPTH);
			ok = false;
		}
	}
	if (!nsinks)
		ok = false;
	if (!ok)
		return false;
	use[src->port] |= FLOWSWITCH_PORT_READ;
	for (i = first + 1; i < end; i++)
		if (f->stages[i].kind == FLANG_STAGE_SINK)
			use[f->stages[i].port] |= FLOWSWITCH_PORT_WRITE;
	return true;
}

static const char *const event_help[FLANG_EV__COUNT] = {
	[FLANG_EV_P2P_UNAVAILABLE] =
		"with 'pool = P preferred' the kernel itself falls back to host memory and reports why",
	[FLANG_EV_IO_ERROR] =
		"the kernel reissues a failed chunk 'retry N' times (max_retries); the backoff and later actions are flowd's",
};

/* max_retries: the largest 'on io_error... retry N' of the flow. */
static uint32_t max_retries(const struct flang_plan_flow *f)
{
	uint32_t retries = 0;
	unsigned int i;

	for (i = 0; i < f->nhandlers; i++) {
		const struct flang_plan_handler *h = &f->handlers[i];

		if (h->event == FLANG_EV_IO_ERROR && h->nactions &&
		    h->actions[0].kind == FLANG_ACT_RETRY &&
		    h->actions[0].retries > retries)
			retries = h->actions[0].retries;
	}
	return retries;
}

/* Every handler is a warning: applied alone, nobody runs it. */
static void handlers(struct txn_builder *b, const struct flang_plan_flow *f)
{
	unsigned int i;

	for (i = 0; i < f->nhandlers; i++) {
		const struct flang_plan_handler *h = &f->handlers[i];

		diag(b, FLANG_SEV_WARNING, A_HANDLER, &h->span,
		     (size_t)h->event < FLANG_EV__COUNT ? event_help[h->event] :
							   NULL,
		     "handler 'on %s' of flow '%s' is not run by the kernel: flowd runs handlers",
		     flang_event_name(h->event), f->name);
	}
}

static uint32_t priority(struct txn_builder *b, const struct flang_plan_flow *f)
{
	switch (f->priority) {
	case FLANG_PRIO_BACKGROUND:
		return FLOWSWITCH_PRIO_BACKGROUND;
	case FLANG_PRIO_HIGH:
		return FLOWSWITCH_PRIO_HIGH;
	case FLANG_PRIO_REALTIME:
		diag(b, FLANG_SEV_WARNING, A_NOT_APPLIED, &f->span, NULL,
		     "flow '%s': the kernel has no realtime I/O class; it runs at priority high",
		     f->name);
		return FLOWSWITCH_PRIO_HIGH;
	default:
		return FLOWSWITCH_PRIO_NORMAL;
	}
}

/* Placement and provider of the buffer that feeds the sinks. */
static void placement(struct txn_builder *b, const struct flang_plan_flow *f,
		      const struct flang_plan_stage *sink,
		      struct flowswitch_flow_create *fc,
		      struct flang_txn_info *info)
{
	const struct flang_plan_pool *pool;
	const struct flang_plan_port *prov;

	fc->placement = FLOWSWITCH_P2P_FORBIDDEN;
	if (sink->in_pool >= b->plan->npools)
		return;
	pool = &b->plan->pools[sink->in_pool];
	if (pool->kind == FLANG_POOL_HOST) {
		if (pool->numa >= 0)
			diag(b, FLANG_SEV_WARNING, A_NOT_APPLIED, &pool->span,
			     NULL,
			     "flow '%s': numa=%d of pool '%s' is not applied: the kernel places host pools itself",
			     f->name, pool->numa, pool->name);
		return;
	}
	switch (sink->in_strength) {
	case FLANG_REQUIRED:
		fc->placement = FLOWSWITCH_P2P_REQUIRED;
		break;
	case FLANG_PREFERRED:
		fc->placement = FLOWSWITCH_P2P_PREFERRED;
		break;
	default:
		fc->placement = FLOWSWITCH_P2P_FORBIDDEN;
		return;
	}
	if (pool->provider >= b->plan->nports)
		return;		/* p2p near(...): the kernel picks */
	prov = &b->plan->ports[pool->provider];
	if (pool->kind == FLANG_POOL_BAR) {
		if (flang_pci_addr(prov->pci, &fc->p2p_provider)) {
			diag(b, FLANG_SEV_ERROR, A_UNSUPPORTED, &pool->span,
			     NULL, "pool '%s': bad PCI address '%s'",
			     pool->name, prov->pci ? prov->pci : "");
			return;
		}
		fc->flags |= FLOWSWITCH_FLOW_NAMED_PROVIDER;
	} else if (pool->kind == FLANG_POOL_CMB) {
		fc->flags |= FLOWSWITCH_FLOW_NAMED_PROVIDER;
		info->provider_path = prov->path;
		info->provider_span = pool->span;
	}
}

static int add_item(struct txn_builder *b, const struct flang_span *at)
{
	struct flang_txn *t = b->t;

	if (t->nitems == FLANG_TXN_MAX_ITEMS) {
		diag(b, FLANG_SEV_ERROR, A_LIMIT, at, NULL,
		     "more than %d ports and flows: the most one transaction creates",
		     FLANG_TXN_MAX_ITEMS);
		return -1;
	}
	return t->nitems++;
}

static void emit_ports(struct txn_builder *b, const uint8_t *use,
		       uint32_t *item_of)
{
	struct flang_txn *t = b->t;
	unsigned int i;

	for (i = 0; i < b->plan->nports; i++) {
		const struct flang_plan_port *p = &b->plan->ports[i];
		struct flowswitch_port_create *pc;
		struct flang_txn_info *in;
		int it;

		item_of[i] = FLANG_NO_INDEX;
		if (!use[i])
			continue;
		it = add_item(b, &p->span);
		if (it < 0)
			return;
		item_of[i] = it;
		pc = &t->ports[t->nports];
		pc->size = sizeof(*pc);
		pc->flags = use[i];
		pc->fd = -1;
		t->info[it].fd = p->kind == FLANG_PORT_SOCKET ? p->fd : -1;
		if (p->kind == FLANG_PORT_FILE && !p->direct)
			pc->flags |= FLOWSWITCH_PORT_BUFFERED;
		in = &t->info[it];
		in->kind = FLANG_TXN_PORT;
		in->plan_index = i;
		in->cmd = t->nports++;
		in->name = p->name;
		in->path = p->path;
		if (use[i] == (FLOWSWITCH_PORT_READ | FLOWSWITCH_PORT_WRITE))
			in->oflags = O_RDWR;
		else if (use[i] == FLOWSWITCH_PORT_WRITE)
			in->oflags = O_WRONLY;
		else
			in->oflags = O_RDONLY;
		if ((use[i] & FLOWSWITCH_PORT_WRITE) &&
		    p->kind == FLANG_PORT_FILE)
			in->oflags |= O_CREAT;
		in->span = p->span;
		t->items[it].op = FLOWSWITCH_TXN_PORT_CREATE;
		t->items[it].cmd_uptr = (uintptr_t)pc;
	}
}

static void emit_flow(struct txn_builder *b, uint32_t fi, unsigned int chain,
		      unsigned int first, unsigned int end,
		      const uint32_t *item_of)
{
	const struct flang_plan_flow *f = &b->plan->flows[fi];
	const struct flang_plan_stage *sink = NULL;
	struct flang_txn *t = b->t;
	struct flowswitch_flow_create *fc;
	struct flowswitch_sink *sinks;
	struct flang_txn_info *in;
	unsigned int i;
	int it;

	it = add_item(b, &f->span);
	if (it < 0)
		return;
	fc = &t->flows[t->nflows];
	sinks = t->sinks[t->nflows];
	in = &t->info[it];
	in->kind = FLANG_TXN_FLOW;
	in->plan_index = fi;
	in->chain = chain;
	in->nchains = chain_count(f);
	in->cmd = t->nflows++;
	in->name = f->name;
	in->span = f->span;
	in->engine_class = f->engine_class;
	in->engine_strength = f->engine_strength;
	in->engine_span = f->engine_span;

	fc->size = sizeof(*fc);
	fc->src_port_id = FLOWSWITCH_TXN_REF(item_of[f->stages[first].port]);
	for (i = first + 1; i < end; i++) {
		const struct flang_plan_stage *s = &f->stages[i];

		if (s->kind != FLANG_STAGE_SINK)
			continue;
		if (!sink)
			sink = s;
		sinks[fc->nr_sinks].port_id = FLOWSWITCH_TXN_REF(item_of[s->port]);
		sinks[fc->nr_sinks].offset = s->offset;
		fc->nr_sinks++;
	}
	fc->sinks_uptr = (uintptr_t)sinks;
	flow_stages(f, first, end, sink, t->stages[in->cmd], fc, in);
	fc->src_offset = f->range_start;
	if (f->range_end == FLANG_RANGE_END)
		fc->flags |= FLOWSWITCH_FLOW_TO_END;
	else
		fc->length = f->range_end - f->range_start;
	fc->chunk_size = sink->chunk;
	fc->depth = sink->depth;
	fc->rate_bps = f->rate;
	fc->priority = priority(b, f);
	fc->max_retries = max_retries(f);
	placement(b, f, sink, fc, in);
	t->items[it].op = FLOWSWITCH_TXN_FLOW_CREATE;
	t->items[it].cmd_uptr = (uintptr_t)fc;
}

int flang_txn_build(struct flang_ctx *ctx, struct flang_txn *t)
{
	const struct flang_plan *plan = flang_plan_get(ctx);
	struct txn_builder b = { .ctx = ctx, .plan = plan, .t = t };
	uint8_t use[64] = { 0 };
	uint32_t item_of[64];
	unsigned int i, c, first, end;

	memset(t, 0, sizeof(*t));
	if (!plan || plan->nports > 64)	/* the checker allows 64 devices */
		return -EINVAL;
	/* Pass 1: what each flow needs, and which ports with which access. */
	for (i = 0; i < plan->nflows; i++) {
		const struct flang_plan_flow *f = &plan->flows[i];

		handlers(&b, f);
		for (c = 0; chain_range(f, c, &first, &end); c++)
			chain_ok(&b, f, first, end, use);
	}
	if (b.err)
		return b.err;
	if (b.errors)
		return 1;
	/* Pass 2: the ports, then the flows that refer to them. */
	emit_ports(&b, use, item_of);
	for (i = 0; i < plan->nflows && !b.errors; i++)
		for (c = 0; chain_range(&plan->flows[i], c, &first, &end); c++)
			emit_flow(&b, i, c, first, end, item_of);
	if (b.err)
		return b.err;
	if (b.errors)
		return 1;
	t->txn.size = sizeof(t->txn);
	t->txn.flags = FLOWSWITCH_TXN_START;
	t->txn.nr_items = t->nitems;
	t->txn.items_uptr = (uintptr_t)t->items;
	return 0;
}
