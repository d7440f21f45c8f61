// SPDX-License-Identifier: GPL-2.0
/*
 * The embedded engine's transform stages, the pure half: the module's
 * checks of a struct flowswitch_transform (kmod/xform.c,
 * fsw_stage_check()), the IVs it gives each request, and the reading of
 * /proc/crypto that tells which driver the crypto API picks for a name.
 * Nothing here opens a socket, so the host's unit tests run all of it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine-uring-xform.h"

static bool is_power_of_2(uint32_t n)
{
	return n && !(n & (n - 1));
}

int uxform_check(const struct flowswitch_transform *t, uint32_t chunk,
		 uint64_t length)
{
	const uint32_t key_flags = FLOWSWITCH_XFORM_KEY_FD |
				   FLOWSWITCH_XFORM_KEY_USER |
				   FLOWSWITCH_XFORM_KEY_LOGON;

	if (t->__reserved || t->__reserved2 || t->flags & ~key_flags ||
	    t->kind < FLOWSWITCH_XFORM_ENCRYPT ||
	    t->kind > FLOWSWITCH_XFORM_DECOMPRESS ||
	    !memchr(t->alg, 0, sizeof(t->alg)) || !t->alg[0] ||
	    !memchr(t->driver, 0, sizeof(t->driver)))
		return -EINVAL;
	if (t->kind == FLOWSWITCH_XFORM_DIGEST || uxform_kind_comp(t->kind))
		return t->flags || t->data_unit ? -EINVAL : 0;
	/* A cipher: exactly one key source. */
	if (__builtin_popcount(t->flags) != 1)
		return -EINVAL;
	if ((t->flags & FLOWSWITCH_XFORM_KEY_FD) &&
	    t->key_len > FLOWSWITCH_MAX_KEY)
		return -EINVAL;
	/* AEAD records are the chunks: no data units. */
	if (uxform_kind_aead(t->kind))
		return t->data_unit ? -EINVAL : 0;
	if (t->data_unit && (!is_power_of_2(t->data_unit) ||
			     t->data_unit < 512 || t->data_unit > chunk ||
			     chunk % t->data_unit || length % t->data_unit))
		return -EINVAL;
	return 0;
}

bool uxform_kind_aead(uint32_t kind)
{
	return kind == FLOWSWITCH_XFORM_SEAL || kind == FLOWSWITCH_XFORM_OPEN;
}

bool uxform_kind_comp(uint32_t kind)
{
	return kind == FLOWSWITCH_XFORM_COMPRESS ||
	       kind == FLOWSWITCH_XFORM_DECOMPRESS;
}

int uxform_check_records(const struct flowswitch_transform *t, uint32_t n,
			 uint32_t chunk, uint64_t length)
{
	uint32_t i, framed = 0, ciphers = 0, kind = 0;
	uint64_t rec_in = (uint64_t)chunk + FLOWSWITCH_AEAD_TAG, last;

	for (i = 0; i < n; i++) {
		if (uxform_kind_aead(t[i].kind) ||
		    uxform_kind_comp(t[i].kind)) {
			framed++;
			kind = t[i].kind;
		} else if (t[i].kind != FLOWSWITCH_XFORM_DIGEST) {
			ciphers++;
		}
	}
	if (!framed)
		return 0;
	/* One AEAD or compression stage, and no other cipher. */
	if (framed > 1 || ciphers)
		return -EINVAL;
	/* Every record, the last too, holds its tag and a byte at least. */
	last = length % rec_in;
	if (kind == FLOWSWITCH_XFORM_OPEN && last &&
	    last <= FLOWSWITCH_AEAD_TAG)
		return -EINVAL;
	return 0;
}

void uxform_records(const struct flowswitch_transform *t, uint32_t n,
		    uint32_t chunk, uint64_t length, struct urecords *out)
{
	uint32_t i;

	memset(out, 0, sizeof(*out));
	out->rec_in = out->rec_out = chunk;
	out->out_length = length;
	for (i = 0; i < n; i++)
		if (uxform_kind_aead(t[i].kind) || uxform_kind_comp(t[i].kind))
			out->kind = t[i].kind;
	switch (out->kind) {
	case FLOWSWITCH_XFORM_SEAL:
		out->rec_out = chunk + FLOWSWITCH_AEAD_TAG;
		out->out_length = length + (length + chunk - 1) / chunk *
						   FLOWSWITCH_AEAD_TAG;
		break;
	case FLOWSWITCH_XFORM_OPEN:
		out->rec_in = chunk + FLOWSWITCH_AEAD_TAG;
		out->out_length = length - (length + out->rec_in - 1) /
						   out->rec_in *
						   FLOWSWITCH_AEAD_TAG;
		break;
	case FLOWSWITCH_XFORM_COMPRESS:
		/* At most: every frame stored, with its header. */
		out->rec_out = chunk + FLOWSWITCH_FRAME_HDR;
		out->out_length = length + (length + chunk - 1) / chunk *
						   FLOWSWITCH_FRAME_HDR;
		out->out_running = true;
		break;
	case FLOWSWITCH_XFORM_DECOMPRESS:
		/* Frames are read header first; sizes come later. */
		out->rec_in = chunk + FLOWSWITCH_FRAME_HDR;
		out->out_length = 0;
		out->framed = true;
		break;
	}
}

bool uxform_aead_known(const char *name)
{
	return !strncmp(name, "gcm(", 4) ||
	       !strncmp(name, "rfc4106(gcm(", 12) ||
	       !strncmp(name, "rfc7539(", 8) ||
	       !strcmp(name, "chacha20poly1305");
}

void uxform_aead_nonce(uint8_t *out, const uint8_t *iv, uint64_t nr)
{
	int i;

	memcpy(out, iv, 12);
	for (i = 0; i < 8; i++)
		out[11 - i] ^= (uint8_t)(nr >> (8 * i));
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

void uxform_aead_ad(uint8_t *out, uint32_t plain, bool last)
{
	memcpy(out, "fsw1", 4);
	put_be32(out + 4, plain);
	put_be32(out + 8, last);
}

int uxform_frame_check(const uint8_t *h, uint64_t off, uint64_t length,
		       uint32_t chunk, uint32_t *stored, uint32_t *orig)
{
	uint64_t end;

	if (length - off < FLOWSWITCH_FRAME_HDR || memcmp(h, "fsz1", 4))
		return -EBADMSG;
	*stored = get_be32(h + 4);
	*orig = get_be32(h + 8);
	if (!*orig || *orig > chunk || *stored > *orig)
		return -EBADMSG;
	end = off + FLOWSWITCH_FRAME_HDR + *stored;
	/* Past the flow's end, or short of a whole chunk but not last. */
	if (end > length || (end < length && *orig != chunk))
		return -EBADMSG;
	return 0;
}

void uxform_frame_hdr(uint8_t *h, uint32_t stored, uint32_t orig)
{
	memcpy(h, "fsz1", 4);
	put_be32(h + 4, stored);
	put_be32(h + 8, orig);
}

int uxform_check_cipher(const struct flowswitch_transform *t, uint32_t ivsize)
{
	/*
	 * ctr runs its counter through the flow in 16-byte blocks; the
	 * others need units (kmod/xform.c, after the allocation).
	 */
	if (!t->data_unit != !strncmp(t->alg, "ctr(", 4) || ivsize > 16 ||
	    (!t->data_unit && ivsize != 16))
		return -EINVAL;
	return 0;
}

void uxform_ctr_iv(uint8_t *out, const uint8_t *iv, uint64_t pos)
{
	uint64_t add = pos / 16;
	int i;

	memcpy(out, iv, 16);
	for (i = 15; i >= 0 && add; i--) {
		uint32_t sum = out[i] + (uint32_t)(add & 0xff);

		out[i] = (uint8_t)sum;
		add = (add >> 8) + (sum >> 8);
	}
}

void uxform_unit_iv(uint8_t *out, const uint8_t *iv, uint64_t unit)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < 8; i++)
		n |= (uint64_t)iv[i] << (8 * i);
	n += unit;
	memset(out, 0, 16);
	for (i = 0; i < 8; i++)
		out[i] = (uint8_t)(n >> (8 * i));
}

/* "key : value" of @line when its key is @key, else NULL. */
static const char *field(const char *line, size_t len, const char *key,
			 size_t *vlen)
{
	size_t k = strlen(key);
	const char *v;

	if (len <= k || strncmp(line, key, k) ||
	    (line[k] != ' ' && line[k] != ':'))
		return NULL;
	v = memchr(line, ':', len);
	if (!v)
		return NULL;
	for (v++; v < line + len && *v == ' '; v++)
		;
	*vlen = line + len - v;
	return v;
}

static void copy_field(char *dst, size_t size, const char *v, size_t vlen)
{
	if (vlen >= size)
		vlen = size - 1;
	memcpy(dst, v, vlen);
	dst[vlen] = 0;
}

/* Does @type belong to the family of a stage of @kind? */
static bool type_fits(const char *type, uint32_t kind)
{
	/*
	 * The module allocates a shash for a digest: an ahash-only
	 * driver is not one it would pick, so neither do we.
	 */
	if (kind == FLOWSWITCH_XFORM_DIGEST)
		return !strcmp(type, "shash");
	if (uxform_kind_aead(kind))
		return !strcmp(type, "aead");
	if (uxform_kind_comp(kind))
		return !strcmp(type, "scomp") || !strcmp(type, "acomp") ||
		       !strcmp(type, "compression");
	return !strcmp(type, "skcipher") || !strcmp(type, "lskcipher");
}

/* Each entry of @text in turn; returns false at the end. */
static bool next_entry(const char **pos, struct uxform_alg *a)
{
	const char *p = *pos;
	bool any = false;

	memset(a, 0, sizeof(*a));
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p), vlen;
		const char *v;
		char num[16];

		if (!len) {
			p += nl ? 1 : 0;
			if (any)
				break;
			if (!nl)
				break;
			continue;
		}
		any = true;
		if ((v = field(p, len, "name", &vlen)))
			copy_field(a->name, sizeof(a->name), v, vlen);
		else if ((v = field(p, len, "driver", &vlen)))
			copy_field(a->driver, sizeof(a->driver), v, vlen);
		else if ((v = field(p, len, "type", &vlen)))
			copy_field(a->type, sizeof(a->type), v, vlen);
		else if ((v = field(p, len, "module", &vlen)))
			copy_field(a->module, sizeof(a->module), v, vlen);
		else if ((v = field(p, len, "internal", &vlen)))
			a->internal = vlen >= 3 && !strncmp(v, "yes", 3);
		else if ((v = field(p, len, "selftest", &vlen)))
			a->tested = vlen >= 6 && !strncmp(v, "passed", 6);
		else if ((v = field(p, len, "priority", &vlen)) ||
			 (v = field(p, len, "ivsize", &vlen)) ||
			 (v = field(p, len, "digestsize", &vlen))) {
			unsigned long n;

			copy_field(num, sizeof(num), v, vlen);
			n = strtoul(num, NULL, 10);
			if (!strncmp(p, "priority", 8))
				a->priority = (int)n;
			else if (!strncmp(p, "ivsize", 6))
				a->ivsize = (uint32_t)n;
			else
				a->digestsize = (uint32_t)n;
		}
		p += len + (nl ? 1 : 0);
	}
	*pos = p;
	return any;
}

/*
 * What the crypto API allocates for @want (a driver name or an algorithm
 * name) in the family of @hash, as crypto_alg_lookup() chooses: an exact
 * driver name first, else the highest priority of that name among the
 * algorithms whose self-test passed (all of them when none did), the
 * first one listed on a tie.
 */
int uxform_crypto_pick(const char *text, const char *want, uint32_t kind,
		       struct uxform_alg *out)
{
	struct uxform_alg a, best_tested, best_any;
	bool have_tested = false, have_any = false;
	const char *pos = text;

	while (next_entry(&pos, &a)) {
		if (!type_fits(a.type, kind) || a.internal)
			continue;
		if (!strcmp(a.driver, want)) {
			*out = a;
			return 0;
		}
		if (strcmp(a.name, want))
			continue;
		if (a.tested &&
		    (!have_tested || a.priority > best_tested.priority)) {
			best_tested = a;
			have_tested = true;
		}
		if (!have_any || a.priority > best_any.priority) {
			best_any = a;
			have_any = true;
		}
	}
	if (have_tested)
		*out = best_tested;
	else if (have_any)
		*out = best_any;
	else
		return -ENOENT;
	return 0;
}

int uxform_crypto_list(const char *text, const char *alg, uint32_t kind,
		       struct uxform_alg *out, int max)
{
	const char *pos = text;
	struct uxform_alg a;
	int n = 0, i;

	while (next_entry(&pos, &a)) {
		if (!type_fits(a.type, kind) || a.internal ||
		    strcmp(a.name, alg))
			continue;
		/* The module's compress interface: not the scomp twins. */
		if (uxform_kind_comp(kind) && strcmp(a.type, "compression"))
			continue;
		/* By priority, stable (the first listed wins a tie); when
		 * full, the lowest falls off. */
		i = n < max ? n++ : max;
		for (; i > 0 && out[i - 1].priority < a.priority; i--)
			if (i < max)
				out[i] = out[i - 1];
		if (i < max)
			out[i] = a;
	}
	return n;
}
