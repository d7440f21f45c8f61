// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Checker, flows half: settings, properties and their strengths, chains
 * and the buffers between their elements, handlers, and the rules that
 * tie them together (CPU stages never touch p2p memory, every
 * 'preferred' has a fallback that can be reached, handlers only for
 * events that can happen).
 */
#include <stdio.h>
#include <string.h>

#include "check.h"

static const char *const prop_names[] = {
	[FLANG_PROP_POOL] = "pool", [FLANG_PROP_CHUNK] = "chunk",
	[FLANG_PROP_DEPTH] = "depth", [FLANG_PROP_RATE] = "rate",
	[FLANG_PROP_PRIORITY] = "priority", [FLANG_PROP_ENGINE] = "engine",
};

static const char *const prio_names[] = {
	[FLANG_PRIO_BACKGROUND] = "background", [FLANG_PRIO_NORMAL] = "normal",
	[FLANG_PRIO_HIGH] = "high", [FLANG_PRIO_REALTIME] = "realtime",
};

static const struct arg_spec cipher_spec[] = {
	{ "alg", VT_STRING, true, false, "\"gcm(aes)\"", false },
	{ "key", VT_SECRET, true, false, "keyring(\"%user:flow/k1\")", false },
};

static const struct arg_spec digest_spec[] = {
	{ "alg", VT_STRING, false, false, "\"crc32c\"", false },
};

/* AEAD records: the nonce of record 0, which must never repeat. */
static const struct arg_spec aead_spec[] = {
	{ "alg", VT_STRING, true, false, "\"gcm(aes)\"", false },
	{ "key", VT_SECRET, true, false, "keyring(\"%user:flow/k1\")", false },
	{ "nonce", VT_STRING, false, false, "\"000102030405060708090a0b\"",
	  false },
	{ "engine", VT_NONE, false, false, "\"generic-gcm-aesni\"", false },
};

/* The kernel's transform stages: an engine may be named by driver. */
static const struct arg_spec crypt_spec[] = {
	{ "alg", VT_STRING, true, false, "\"xts(aes)\"", false },
	{ "key", VT_SECRET, true, false, "keyring(\"%user:flow/k1\")", false },
	{ "unit", VT_SIZE, false, false, "512B", false },
	{ "engine", VT_NONE, false, false, "\"virtio_crypto_aes_cbc\"", false },
};

static const struct arg_spec hash_spec[] = {
	{ "alg", VT_STRING, false, false, "\"sha256\"", false },
	{ "engine", VT_NONE, false, false, "\"sha256-generic\"", false },
};

static const struct {
	const char *name;
	enum flang_transform xf;
	const struct arg_spec *spec;
	size_t nspec;
	const char *default_alg;
} transforms[] = {
	{ "copy", FLANG_XF_COPY, NULL, 0, NULL },
	{ "tee", FLANG_XF_TEE, NULL, 0, NULL },
	{ "aead", FLANG_XF_AEAD, aead_spec, 4, NULL },
	{ "unseal", FLANG_XF_UNSEAL, aead_spec, 4, NULL },
	{ "skcipher", FLANG_XF_SKCIPHER, cipher_spec, 2, NULL },
	{ "digest", FLANG_XF_DIGEST, hash_spec, 2, "crc32c" },
	{ "compress", FLANG_XF_COMPRESS, digest_spec, 1, "lz4" },
	{ "decompress", FLANG_XF_DECOMPRESS, digest_spec, 1, "lz4" },
	{ "encrypt", FLANG_XF_ENCRYPT, crypt_spec, 4, NULL },
	{ "decrypt", FLANG_XF_DECRYPT, crypt_spec, 4, NULL },
};

bool xf_uses_cpu(enum flang_transform xf)
{
	return xf == FLANG_XF_AEAD || xf == FLANG_XF_SKCIPHER ||
	       xf == FLANG_XF_DIGEST || xf == FLANG_XF_COMPRESS ||
	       xf == FLANG_XF_ENCRYPT || xf == FLANG_XF_DECRYPT ||
	       xf == FLANG_XF_UNSEAL || xf == FLANG_XF_DECOMPRESS;
}

bool pool_is_p2p(const struct pool_decl *p)
{
	return p && p->kind != FLANG_POOL_HOST;
}

/* Resolve a pool= value: a declared pool or the word host (NULL). */
static bool resolve_pool_name(struct flang_ctx *ctx, const struct value *v,
			      struct pool_decl **out)
{
	struct diag_builder d;
	struct pool_decl *p;

	*out = NULL;
	if (v->type == VT_NONE)
		return false;
	if (v->type != VT_NAME) {
		d = diag_error(ctx, "E0300", v->span,
			       "pool expects a pool name, found a %s",
			       vtype_name(v->type));
		diag_help(d, "write pool=NAME or pool=host");
		return false;
	}
	if (!strcmp(v->s, "host"))
		return true;
	p = find_pool(ctx, v->s);
	if (p) {
		p->used = true;
		*out = p;
		return p->ok;
	}
	if (find_device(ctx, v->s)) {
		d = diag_error(ctx, "E0206", v->span,
			       "'%s' is a device, but pool= needs a pool", v->s);
		diag_help(d, "declare a pool on it, e.g. pool %s_cmb = cmb(%s);",
			  v->s, v->s);
		return false;
	}
	d = diag_error(ctx, "E0200", v->span, "undeclared pool '%s'", v->s);
	diag_help(d, "declare it (pool %s = p2p(near(a, b));) or use pool=host",
		  v->s);
	return false;
}

static bool resolve_priority(struct flang_ctx *ctx, const struct value *v,
			     enum flang_priority *out)
{
	size_t i;

	if (v->type == VT_NONE)
		return false;
	for (i = 0; v->type == VT_NAME && i < ARRAY_SIZE(prio_names); i++) {
		if (!strcmp(prio_names[i], v->s)) {
			*out = (enum flang_priority)i;
			return true;
		}
	}
	diag_help(diag_error(ctx, "E0305", v->span, "unknown priority"),
		  "the priorities are background, normal, high, realtime");
	return false;
}

/*
 * 'engine = hw' or 'engine = sw' (@stage: a transform's engine=hw): a
 * class of crypto drivers.  v->u becomes the class.
 */
static bool engine_class_of(struct flang_ctx *ctx, struct value *v,
			    bool stage)
{
	struct diag_builder d;

	if (v->type == VT_NONE)
		return false;
	if (v->type == VT_NAME && !strcmp(v->s, "hw")) {
		v->u = FLANG_ENGINE_HW;
		return true;
	}
	if (v->type == VT_NAME && !strcmp(v->s, "sw")) {
		v->u = FLANG_ENGINE_SW;
		return true;
	}
	if (stage) {
		d = diag_error(ctx, "E0305", v->span,
			       "unknown engine class '%s'", v->s);
		diag_help(d, "engine=hw (a device's driver), engine=sw (the CPU's), or a driver's name in quotes");
		return false;
	}
	d = diag_error(ctx, "E0305", v->span,
		       "the engine property takes hw or sw");
	if (v->type == VT_STRING)
		diag_help(d, "name a driver on the transform instead: engine=\"%s\"",
			  v->s);
	else
		diag_help(d, "engine = hw (a device's driver) or engine = sw (the CPU's), required or preferred");
	return false;
}

static bool resolve_engine_class(struct flang_ctx *ctx, struct value *v)
{
	return engine_class_of(ctx, v, false);
}

static void check_depth(struct flang_ctx *ctx, const struct value *v)
{
	if (v->type == VT_INT && (!v->u || v->u > MAX_DEPTH))
		diag_help(diag_error(ctx, "E0305", v->span,
				     "depth %llu is out of range",
				     (unsigned long long)v->u),
			  "depth is the number of chunks in flight: 1 to %u",
			  MAX_DEPTH);
}

static void check_chunk(struct flang_ctx *ctx, const struct value *v)
{
	if (v->type != VT_SIZE)
		return;
	if (!v->u)
		diag_error(ctx, "E0305", v->span, "chunk must not be 0");
	else if (v->u > MAX_CHUNK)
		diag_help(diag_error(ctx, "E0411", v->span,
				     "chunk is larger than the 1 GiB limit"),
			  "use a smaller chunk and a larger depth");
}

bool value_ok_for(struct flang_ctx *ctx, enum flang_prop prop,
		  struct value *v, struct pool_decl **pool)
{
	enum flang_priority prio;

	switch (prop) {
	case FLANG_PROP_POOL:
		return resolve_pool_name(ctx, v, pool);
	case FLANG_PROP_CHUNK:
		if (!value_expect(ctx, v, VT_SIZE, "chunk"))
			return false;
		check_chunk(ctx, v);
		return v->u && v->u <= MAX_CHUNK;
	case FLANG_PROP_DEPTH:
		if (!value_expect(ctx, v, VT_INT, "depth"))
			return false;
		check_depth(ctx, v);
		return v->u && v->u <= MAX_DEPTH;
	case FLANG_PROP_RATE:
		if (!value_expect(ctx, v, VT_RATE, "rate"))
			return false;
		if (!v->u) {
			diag_help(diag_error(ctx, "E0305", v->span,
					     "a rate of 0 moves nothing"),
				  "leave rate out for no limit");
			return false;
		}
		return true;
	case FLANG_PROP_PRIORITY:
		if (!resolve_priority(ctx, v, &prio))
			return false;
		v->u = prio;
		return true;
	case FLANG_PROP_ENGINE:
		return resolve_engine_class(ctx, v);
	}
	return false;
}

int prop_index(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(prop_names); i++)
		if (!strcmp(prop_names[i], name))
			return (int)i;
	return -1;
}

static void check_settings(struct flang_ctx *ctx, struct flow_state *st)
{
	static const struct arg_spec spec[] = {
		{ "priority", VT_NONE, false, false, "normal", false },
		{ "rate", VT_RATE, false, false, "1GiB/s", false },
		{ "range", VT_NONE, false, false, "0..end", false },
	};
	struct flow_decl *f = st->f;
	struct value v[ARG_SPEC_MAX];
	struct arg *a[ARG_SPEC_MAX];
	char what[96];

	f->priority = FLANG_PRIO_NORMAL;
	f->range_end = FLANG_RANGE_END;
	snprintf(what, sizeof(what), "flow '%s'", f->name);
	match_args(ctx, what, f->name_span, f->settings, spec, 3, v, a);
	if (a[0])
		resolve_priority(ctx, &v[0], &f->priority);
	if (a[1] && value_ok_for(ctx, FLANG_PROP_RATE, &v[1], NULL)) {
		f->rate = v[1].u;
		st->rate_span = a[1]->span;
	}
	if (a[2] && v[2].type != VT_NONE) {
		if (v[2].type != VT_RANGE || v[2].elem != VT_SIZE) {
			diag_help(diag_error(ctx, "E0300", v[2].span,
					     "range expects sizes START..END"),
				  "write e.g. range=0..1GiB or range=4KiB..end");
		} else {
			f->range_start = v[2].u;
			f->range_end = v[2].u2;
			st->range_span = a[2]->span;
		}
	}
}

static void check_props(struct flang_ctx *ctx, struct flow_state *st)
{
	struct flow_decl *f = st->f;
	struct diag_builder d;
	struct prop *pr;
	int idx;

	st->chunk = DEFAULT_CHUNK;
	st->depth = DEFAULT_DEPTH;
	for (pr = f->props; pr; pr = pr->next) {
		struct pool_decl *pool = NULL;
		struct value v;
		bool ok;

		idx = prop_index(pr->name);
		if (idx < 0) {
			const char *near = closest_word(pr->name, prop_names,
							ARRAY_SIZE(prop_names));

			d = diag_error(ctx, "E0504", pr->name_span,
				       "unknown property '%s'", pr->name);
			if (near)
				diag_help(d, "did you mean '%s'?", near);
			else
				diag_help(d, "the properties are pool, chunk, depth, rate, priority, engine");
			continue;
		}
		if (pr->strength == FLANG_FORBIDDEN && idx != FLANG_PROP_POOL) {
			d = diag_error(ctx, "E0508", pr->strength_span,
				       "'forbidden' does not apply to %s",
				       pr->name);
			diag_help(d, "only a pool can be forbidden; use required or preferred");
			continue;
		}
		v = eval_expr(ctx, pr->val, false);
		ok = value_ok_for(ctx, (enum flang_prop)idx, &v, &pool);
		/* forbidden_by() finds it in the flow's list */
		if (pr->strength == FLANG_FORBIDDEN)
			continue;
		if (st->by_prop[idx]) {
			duplicate(ctx, "property", pr->name, pr->name_span,
				  st->by_prop[idx]->name_span);
			continue;
		}
		st->by_prop[idx] = pr;
		if (!ok)
			continue;
		switch (idx) {
		case FLANG_PROP_POOL:
			st->pool_prop = pr;
			st->pool = pool;
			break;
		case FLANG_PROP_CHUNK:
			st->chunk = v.u;
			st->chunk_span = pr->span;
			break;
		case FLANG_PROP_DEPTH:
			st->depth = (uint32_t)v.u;
			st->depth_span = pr->span;
			break;
		case FLANG_PROP_RATE:
			if (f->rate)
				diag_note(diag_error(ctx, "E0201", pr->span,
						     "rate is set twice"),
					  &st->rate_span,
					  "previously set here");
			f->rate = v.u;
			break;
		case FLANG_PROP_PRIORITY:
			f->priority = (enum flang_priority)v.u;
			break;
		case FLANG_PROP_ENGINE:
			f->engine_class = (enum flang_engine_class)v.u;
			f->engine_strength = pr->strength;
			f->engine_span = pr->span;
			break;
		}
	}
}

/*
 * The forbidding property for @pool (NULL = host), if any.  Walks the
 * flow's properties: a fixed array of them once dropped the ninth
 * forbidden pool without a word.
 */
struct prop *forbidden_by(const struct flow_state *st,
			  const struct pool_decl *pool)
{
	struct prop *pr;

	for (pr = st->f->props; pr; pr = pr->next) {
		const char *name = pr->val->kind == EX_NAME ? pr->val->name : "";

		if (pr->strength != FLANG_FORBIDDEN ||
		    prop_index(pr->name) != FLANG_PROP_POOL)
			continue;
		if (pool ? !strcmp(name, pool->name) : !strcmp(name, "host"))
			return pr;
	}
	return NULL;
}

static int transform_index(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(transforms); i++)
		if (!strcmp(transforms[i].name, name))
			return (int)i;
	return -1;
}

enum position { POS_SOURCE, POS_MIDDLE, POS_SINK };

static void resolve_endpoint(struct flang_ctx *ctx, struct flow_state *st,
			     struct elem *e)
{
	static const struct arg_spec read_spec[] = {
		{ "device", VT_NONE, true, true, "a", true },
		{ "range", VT_NONE, false, false, "0..end", false },
	};
	static const struct arg_spec write_spec[] = {
		{ "device", VT_NONE, true, true, "b", true },
		{ "offset", VT_SIZE, false, false, "0B", false },
	};
	struct value v[ARG_SPEC_MAX];
	struct arg *a[ARG_SPEC_MAX];
	struct expr name = { .kind = EX_NAME, .span = e->name_span,
			     .name = e->name };

	e->is_endpoint = true;
	if (!e->has_parens) {
		e->dev = resolve_device(ctx, &name, "a chain endpoint");
	} else if (!strcmp(e->name, "read")) {
		match_args(ctx, "read()", e->span, e->args, read_spec, 2, v, a);
		if (a[0])
			e->dev = resolve_device(ctx, a[0]->val, "read()");
		if (a[1] && v[1].type != VT_NONE) {
			if (v[1].type != VT_RANGE || v[1].elem != VT_SIZE) {
				diag_error(ctx, "E0300", v[1].span,
					   "range expects sizes START..END");
			} else if (st->range_span.src) {
				diag_note(diag_error(ctx, "E0201", a[1]->span,
						     "the range of flow '%s' is set twice",
						     st->f->name),
					  &st->range_span, "previously set here");
			} else {
				st->f->range_start = v[1].u;
				st->f->range_end = v[1].u2;
				st->range_span = a[1]->span;
			}
		}
	} else {
		match_args(ctx, "write()", e->span, e->args, write_spec, 2, v,
			   a);
		if (a[0])
			e->dev = resolve_device(ctx, a[0]->val, "write()");
		if (v[1].type == VT_SIZE) {
			e->offset = v[1].u;
			e->offset_span = a[1]->span;
		}
	}
	if (!e->dev)
		return;
	if (e->dev->kind == FLANG_PORT_SOCKET)
		st->has_socket = true;
	if (e->dev->index < FLANG_MAX_PORTS)
		st->endpoints |= 1ull << e->dev->index;
}

/* A nonce is 12 bytes as 24 hex digits: not a secret, but never twice. */
static void resolve_nonce(struct flang_ctx *ctx, struct elem *e,
			  const char *hex, struct span at)
{
	struct diag_builder d;
	size_t i, n = strlen(hex);

	for (i = 0; i < n && strchr("0123456789abcdefABCDEF", hex[i]); i++)
		;
	if (n == 24 && i == n) {
		e->nonce = hex;
		return;
	}
	d = diag_error(ctx, "E0510", at,
		       "a nonce is 12 bytes written as 24 hex digits, not '%.40s'",
		       hex);
	diag_help(d, "e.g. nonce=\"000102030405060708090a0b\"; give every flow under one key its own");
}

/*
 * A transform's engine=: a driver's name in quotes, or the bare class hw
 * or sw (with the strength of the flow's engine property, else required).
 */
static void resolve_stage_engine(struct flang_ctx *ctx, struct elem *e,
				 struct value *v)
{
	if (v->type == VT_NONE)
		return; /* not given, or already reported */
	if (v->type == VT_STRING && !v->s[0]) {
		diag_help(diag_error(ctx, "E0305", v->span,
				     "an empty engine name"),
			  "leave engine= out for the crypto API's choice");
		return;
	}
	if (v->type == VT_STRING) {
		e->engine = v->s;
		return;
	}
	if (v->type == VT_NAME && engine_class_of(ctx, v, true)) {
		e->engine_class = (enum flang_engine_class)v->u;
		e->engine_span = v->span;
		return;
	}
	if (v->type != VT_NAME)
		diag_help(diag_error(ctx, "E0300",
				     v->span, "engine expects a driver name or hw or sw, found a %s",
				     vtype_name(v->type)),
			  "engine=\"virtio_crypto_aes_cbc\" names a driver; engine=hw a device's, engine=sw the CPU's");
}

static void resolve_transform(struct flang_ctx *ctx, struct flow_state *st,
			      struct elem *e, int ti)
{
	struct value v[ARG_SPEC_MAX];
	struct arg *a[ARG_SPEC_MAX];
	char what[64];

	e->xf = transforms[ti].xf;
	st->has_transform = true;
	/* what runs on a crypto driver; compression is not classed */
	if (e->xf == FLANG_XF_AEAD || e->xf == FLANG_XF_UNSEAL ||
	    e->xf == FLANG_XF_SKCIPHER || e->xf == FLANG_XF_DIGEST ||
	    e->xf == FLANG_XF_ENCRYPT || e->xf == FLANG_XF_DECRYPT)
		st->has_crypto = true;
	snprintf(what, sizeof(what), "%s()", e->name);
	match_args(ctx, what, e->span, e->args, transforms[ti].spec,
		   transforms[ti].nspec, v, a);
	e->alg = transforms[ti].default_alg;
	if (transforms[ti].nspec && v[0].type == VT_STRING)
		e->alg = v[0].s;
	if (transforms[ti].nspec > 1 && v[1].type == VT_SECRET) {
		e->key = v[1].secret;
		e->key_span = v[1].span;
	}
	if (transforms[ti].spec == crypt_spec) {
		if (v[2].type == VT_SIZE)
			e->unit = v[2].u;
		resolve_stage_engine(ctx, e, &v[3]);
	} else if (transforms[ti].spec == hash_spec) {
		resolve_stage_engine(ctx, e, &v[1]);
	} else if (transforms[ti].spec == aead_spec) {
		if (v[2].type == VT_STRING)
			resolve_nonce(ctx, e, v[2].s, v[2].span);
		resolve_stage_engine(ctx, e, &v[3]);
	}
}

/* Classify one element by name and check it fits its position. */
static void resolve_elem(struct flang_ctx *ctx, struct flow_state *st,
			 struct elem *e, enum position pos)
{
	static const char *const words[] = {
		"read", "write", "copy", "tee", "aead", "skcipher", "digest",
		"compress", "decompress", "unseal", "encrypt", "decrypt",
	};
	int ti = transform_index(e->name);
	bool io = e->has_parens && (!strcmp(e->name, "read") ||
				    !strcmp(e->name, "write"));
	struct diag_builder d;

	if (ti >= 0) {
		if (pos == POS_SOURCE) {
			d = diag_error(ctx, "E0500", e->span,
				       "a chain must start with a source, not the transform '%s'",
				       e->name);
			diag_help(d, "start with a device or read(DEVICE)");
			return;
		}
		if (pos == POS_SINK) {
			d = diag_error(ctx, "E0501", e->span,
				       "a chain must end in a sink, not the transform '%s'",
				       e->name);
			diag_help(d, "add '-> write(DEVICE)' or '-> DEVICE' after it");
			return;
		}
		resolve_transform(ctx, st, e, ti);
		return;
	}
	if (!io && (e->has_parens ||
		    (pos == POS_MIDDLE && !find_device(ctx, e->name)))) {
		const char *near = closest_word(e->name, words,
						ARRAY_SIZE(words));

		d = diag_error(ctx, "E0503", e->name_span,
			       "unknown transform '%s'", e->name);
		if (near)
			diag_help(d, "did you mean '%s'?", near);
		else
			diag_help(d, "the transforms are copy, tee, aead, skcipher, digest, compress");
		return;
	}
	if (pos == POS_MIDDLE) {
		d = diag_error(ctx, "E0502", e->span,
			       "'%s' is an endpoint in the middle of a chain",
			       e->name);
		diag_help(d, "a chain is SOURCE -> TRANSFORM ... -> SINK, SINK; to write to several sinks, list them at the end");
		return;
	}
	if (io && !strcmp(e->name, pos == POS_SOURCE ? "write" : "read")) {
		d = diag_error(ctx, pos == POS_SOURCE ? "E0500" : "E0501",
			       e->name_span, "%s() cannot %s a chain", e->name,
			       pos == POS_SOURCE ? "start" : "end");
		diag_help(d, "read() is a source and write() a sink");
		return;
	}
	resolve_endpoint(ctx, st, e);
}

static uint64_t device_align(const struct device_decl *d)
{
	switch (d->kind) {
	case FLANG_PORT_NVME:
	case FLANG_PORT_BLOCK:
		return 512;
	case FLANG_PORT_FILE:
		return d->direct ? 512 : 1;
	case FLANG_PORT_BAR:
	case FLANG_PORT_DMABUF:
		return 4096;
	default:
		return 1;
	}
}

static void check_align(struct flang_ctx *ctx, struct flow_state *st,
			const struct elem *e, const struct hop *h)
{
	bool bad_chunk, bad_offset;
	struct diag_builder d;
	const struct span *at;
	uint64_t align, what;

	if (!e->dev || !h->chunk)
		return;
	align = device_align(e->dev);
	bad_chunk = h->chunk % align;
	bad_offset = e->offset % align;
	if (!bad_chunk && !bad_offset)
		return;
	what = bad_chunk ? h->chunk : e->offset;
	if (bad_chunk)
		at = h->chunk_span.src ? &h->chunk_span : &e->span;
	else
		at = &e->offset_span;
	/* one chunk= too small for both ends is one mistake */
	if (st->align_reported == at->off + 1)
		return;
	st->align_reported = at->off + 1;
	d = diag_error(ctx, "E0410", *at,
		       "%s of %llu bytes is not a multiple of %llu, the %s granularity of %s device '%s'",
		       bad_chunk ? "chunk" : "offset",
		       (unsigned long long)what, (unsigned long long)align,
		       align == 4096 ? "page" : "block", e->dev->kind_name,
		       e->dev->name);
	diag_note(d, &e->dev->span, "'%s' declared here", e->dev->name);
	diag_help(d, "use a multiple of %llu, e.g. %llu",
		  (unsigned long long)align,
		  (unsigned long long)((what / align + 1) * align));
}

static void check_pool_fit(struct flang_ctx *ctx, const struct hop *h)
{
	struct pool_decl *p = h->pool;
	char size[48], chunk[48];
	struct value sv = { .type = VT_SIZE };
	struct diag_builder d;
	uint64_t need;

	if (!p || !p->has_size)
		return;
	if (mul_overflows(h->chunk, h->depth, &need)) {
		diag_error(ctx, "E0302", h->chunk_span.src ? h->chunk_span :
			   h->elem->span, "depth x chunk overflows 64 bits");
		return;
	}
	if (need <= p->size)
		return;
	sv.u = p->size;
	units_format(size, sizeof(size), &sv);
	sv.u = h->chunk;
	units_format(chunk, sizeof(chunk), &sv);
	d = diag_error(ctx, "E0412",
		       h->chunk_span.src ? h->chunk_span :
		       h->depth_span.src ? h->depth_span : h->pool_span,
		       "pool '%s' (%s) cannot hold depth=%u x chunk=%s",
		       p->name, size, h->depth, chunk);
	if (h->chunk_span.src && h->depth_span.src)
		diag_label(d, h->depth_span);
	diag_note(d, &p->name_span, "'%s' declared here", p->name);
	if (p->size / h->chunk)
		diag_help(d, "use depth=%llu, or mark 'pool = %s preferred' to spill to host memory",
			  (unsigned long long)(p->size / h->chunk), p->name);
	else
		diag_help(d, "use a chunk of at most %s", size);
}

/* Settings in [...] before an element; they carry over to later hops. */
static void apply_hop_settings(struct flang_ctx *ctx, struct flow_state *st,
			       struct hop *h, const struct hop *prev)
{
	static const struct arg_spec spec[] = {
		{ "chunk", VT_SIZE, false, false, "1MiB", false },
		{ "depth", VT_INT, false, false, "8", false },
		{ "pool", VT_NONE, false, false, "host", false },
	};
	struct value v[ARG_SPEC_MAX];
	struct arg *a[ARG_SPEC_MAX];
	struct pool_decl *pool;

	if (prev) {
		h->chunk = prev->chunk;
		h->depth = prev->depth;
		h->pool = prev->pool;
		h->strength = prev->strength;
		h->chunk_span = prev->chunk_span;
		h->depth_span = prev->depth_span;
		h->pool_span = prev->pool_span;
	} else {
		h->chunk = st->chunk;
		h->depth = st->depth;
		h->pool = st->pool;
		h->strength = st->pool_prop ? st->pool_prop->strength :
			FLANG_REQUIRED;
		h->chunk_span = st->chunk_span;
		h->depth_span = st->depth_span;
		if (st->pool_prop)
			h->pool_span = st->pool_prop->span;
	}
	if (!h->settings)
		return;
	match_args(ctx, "a chain buffer", h->settings_span, h->settings, spec,
		   3, v, a);
	if (a[0] && v[0].type == VT_SIZE) {
		check_chunk(ctx, &v[0]);
		if (v[0].u && v[0].u <= MAX_CHUNK) {
			h->chunk = v[0].u;
			h->chunk_span = a[0]->span;
		}
	}
	if (a[1] && v[1].type == VT_INT) {
		check_depth(ctx, &v[1]);
		if (v[1].u && v[1].u <= MAX_DEPTH) {
			h->depth = (uint32_t)v[1].u;
			h->depth_span = a[1]->span;
		}
	}
	if (a[2] && resolve_pool_name(ctx, &v[2], &pool)) {
		h->pool = pool;
		h->pool_span = a[2]->span;
		/* the property's strength applies wherever its pool is used */
		h->strength = st->pool_prop && st->pool == pool ?
			st->pool_prop->strength : FLANG_REQUIRED;
	}
}

/* A CPU stage reading or writing the buffer of @h. */
static void check_cpu_buffer(struct flang_ctx *ctx, struct flow_state *st,
			     const struct elem *xf, struct hop *h,
			     const char *dir)
{
	struct prop *host_forbidden = forbidden_by(st, NULL);
	struct diag_builder d;

	if (!pool_is_p2p(h->pool))
		return;
	if (h->strength == FLANG_PREFERRED && !host_forbidden) {
		d = diag_warn(ctx, "W0505", xf->name_span,
			      "'%s' runs on the CPU and cannot %s p2p pool '%s': a host pool will be inserted",
			      xf->name, dir, h->pool->name);
		if (h->pool_span.src)
			diag_label(d, h->pool_span);
		diag_help(d, "put '[pool=host]' next to '%s' to say so in the file",
			  xf->name);
		h->host_inserted = true;
		return;
	}
	d = diag_error(ctx, "E0505", xf->name_span,
		       "'%s' runs on the CPU and cannot %s p2p pool '%s'",
		       xf->name, dir, h->pool->name);
	if (h->pool_span.src)
		diag_label(d, h->pool_span);
	if (host_forbidden) {
		diag_note(d, &host_forbidden->span, "host memory is forbidden here");
		diag_help(d, "allow host memory, or drop the CPU transform");
	} else {
		diag_note(d, &h->pool->name_span, "'%s' declared here",
			  h->pool->name);
		diag_help(d, "use '-> [pool=host] %s', or mark 'pool = %s preferred' to let the planner insert a host pool",
			  xf->name, h->pool->name);
	}
}

static void check_chain(struct flang_ctx *ctx, struct flow_state *st,
			struct chain *c)
{
	struct hop *h, *prev = NULL;
	struct elem *e;
	struct prop *fb;

	if (!c->hops->next) {
		diag_help(diag_error(ctx, "E0501", c->span,
				     "a chain needs a source and at least one sink"),
			  "write SOURCE -> SINK");
		return;
	}
	resolve_elem(ctx, st, c->hops->elem, POS_SOURCE);
	for (h = c->hops->next; h; prev = h, h = h->next) {
		apply_hop_settings(ctx, st, h, prev);
		for (e = h->elem; e; e = e->next_sink)
			resolve_elem(ctx, st, e,
				     h->next ? POS_MIDDLE : POS_SINK);
		if (pool_is_p2p(h->pool))
			st->has_p2p = true;
		fb = forbidden_by(st, h->pool);
		if (fb && h->pool_span.src) {
			struct diag_builder d;

			d = diag_error(ctx, "E0507", h->pool_span,
				       "pool '%s' is forbidden in flow '%s'",
				       h->pool ? h->pool->name : "host",
				       st->f->name);
			diag_note(d, &fb->span, "forbidden here");
		}
		check_pool_fit(ctx, h);
	}
	/* alignment: the source with the first buffer, sinks with theirs */
	check_align(ctx, st, c->hops->elem, c->hops->next);
	for (h = c->hops->next; h; h = h->next) {
		for (e = h->elem; e; e = e->next_sink) {
			if (e->is_endpoint)
				check_align(ctx, st, e, h);
			if (!xf_uses_cpu(e->xf))
				continue;
			if (h->next && h->next->pool == h->pool &&
			    h->next->strength == h->strength) {
				check_cpu_buffer(ctx, st, e, h, "read or write");
				h->next->host_inserted = h->host_inserted;
				continue;
			}
			check_cpu_buffer(ctx, st, e, h, "read");
			if (h->next)
				check_cpu_buffer(ctx, st, e, h->next, "write");
		}
	}
}

void check_flow(struct flang_ctx *ctx, struct flow_decl *f)
{
	struct flow_state st = { .f = f };
	struct handler *hd;
	struct chain *c;

	check_settings(ctx, &st);
	check_props(ctx, &st);
	if (!f->chains)
		diag_help(diag_error(ctx, "E0509", f->name_span,
				     "flow '%s' has no chain", f->name),
			  "add a chain: SOURCE -> SINK;");
	for (c = f->chains; c; c = c->next)
		check_chain(ctx, &st, c);
	for (hd = f->handlers; hd; hd = hd->next)
		check_handler(ctx, &st, hd, f->handlers);
	check_preferred(ctx, &st);
	if (f->engine_class != FLANG_ENGINE_ANY && !st.has_crypto)
		diag_help(diag_warn(ctx, "W0511", f->engine_span,
				    "flow '%s' has no transform for the engine property to choose for",
				    f->name),
			  "engine = hw|sw picks the crypto driver of aead, unseal, digest, encrypt and decrypt");
}

/*
 * Pools shared between flows: each flow fitting alone is checked per
 * hop (E0412); together they may still oversubscribe the pool, which
 * is legal (admission control decides) but worth a warning.
 */
void check_pool_budgets(struct flang_ctx *ctx)
{
	struct pool_decl *p;
	struct flow_decl *f;
	struct chain *c;
	struct hop *h;

	for (p = ctx->prog.pools; p; p = p->next) {
		uint64_t total = 0, need;
		unsigned int users = 0;
		bool over = false;
		char a[48], b[48];
		struct value v = { .type = VT_SIZE };

		if (!p->has_size)
			continue;
		for (f = ctx->prog.flows; f; f = f->next)
			for (c = f->chains; c; c = c->next)
				for (h = c->hops->next; h; h = h->next) {
					if (h->pool != p || h->host_inserted)
						continue;
					users++;
					if (mul_overflows(h->chunk, h->depth,
							  &need) ||
					    add_overflows(total, need, &total))
						over = true;
					if (need > p->size)
						users = 0xffff;
				}
		if (users < 2 || users >= 0xffff || (!over && total <= p->size))
			continue;
		v.u = p->size;
		units_format(a, sizeof(a), &v);
		v.u = total;
		units_format(b, sizeof(b), &v);
		diag_help(diag_warn(ctx, "W0412", p->name_span,
				    "pool '%s' (%s) is shared by buffers that need %s together",
				    p->name, a, over ? "more than 2^64 bytes" : b),
			  "the kernel admits flows until the pool is full; give the pool more room or the flows smaller depths");
	}
}
