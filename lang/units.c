// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Typed quantities.  A number literal carries its unit, and the unit
 * decides the type: sizes in bytes, rates in bytes per second, durations
 * in nanoseconds.  Everything is an exact u64: "1.5GiB" is accepted
 * because it is a whole number of bytes, "0.3B" is not.  Spellings that
 * people use for two different things ("gbps": bits or bytes?) are
 * refused with the two readings spelled out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

bool add_overflows(uint64_t a, uint64_t b, uint64_t *r)
{
	return __builtin_add_overflow(a, b, r);
}

bool mul_overflows(uint64_t a, uint64_t b, uint64_t *r)
{
	return __builtin_mul_overflow(a, b, r);
}

struct unit {
	const char *name;
	enum vtype type;
	uint64_t mult;
};

#define KI 1024ull
#define K 1000ull

static const struct unit units[] = {
	{ "B", VT_SIZE, 1 },
	{ "KiB", VT_SIZE, KI },
	{ "MiB", VT_SIZE, KI * KI },
	{ "GiB", VT_SIZE, KI * KI * KI },
	{ "TiB", VT_SIZE, KI * KI * KI * KI },
	{ "KB", VT_SIZE, K },
	{ "MB", VT_SIZE, K * K },
	{ "GB", VT_SIZE, K * K * K },
	{ "TB", VT_SIZE, K * K * K * K },
	{ "B/s", VT_RATE, 1 },
	{ "KiB/s", VT_RATE, KI },
	{ "MiB/s", VT_RATE, KI * KI },
	{ "GiB/s", VT_RATE, KI * KI * KI },
	{ "TiB/s", VT_RATE, KI * KI * KI * KI },
	{ "KB/s", VT_RATE, K },
	{ "MB/s", VT_RATE, K * K },
	{ "GB/s", VT_RATE, K * K * K },
	{ "TB/s", VT_RATE, K * K * K * K },
	/* bits: a whole number of bytes per second from kbit/s up */
	{ "kbit/s", VT_RATE, K / 8 },
	{ "Mbit/s", VT_RATE, K * K / 8 },
	{ "Gbit/s", VT_RATE, K * K * K / 8 },
	{ "Tbit/s", VT_RATE, K * K * K * K / 8 },
	{ "ns", VT_DURATION, 1 },
	{ "us", VT_DURATION, K },
	{ "ms", VT_DURATION, K * K },
	{ "s", VT_DURATION, K * K * K },
	{ "min", VT_DURATION, 60 * K * K * K },
	{ "h", VT_DURATION, 3600 * K * K * K },
};

/* Spellings that are refused because they have two readings. */
static const struct {
	const char *word;
	const char *help;
} ambiguous[] = {
	{ "gbps", "write %sGbit/s for gigabits or %sGB/s for gigabytes per second" },
	{ "Gbps", "write %sGbit/s for gigabits or %sGB/s for gigabytes per second" },
	{ "GBps", "write %sGB/s (10^9 bytes/s) or %sGiB/s (2^30 bytes/s)" },
	{ "gBps", "write %sGB/s (10^9 bytes/s) or %sGiB/s (2^30 bytes/s)" },
	{ "mbps", "write %sMbit/s for megabits or %sMB/s for megabytes per second" },
	{ "Mbps", "write %sMbit/s for megabits or %sMB/s for megabytes per second" },
	{ "MBps", "write %sMB/s (10^6 bytes/s) or %sMiB/s (2^20 bytes/s)" },
	{ "kbps", "write %skbit/s for kilobits or %sKB/s for kilobytes per second" },
	{ "Kbps", "write %skbit/s for kilobits or %sKB/s for kilobytes per second" },
	{ "KBps", "write %sKB/s (10^3 bytes/s) or %sKiB/s (2^10 bytes/s)" },
	{ "tbps", "write %sTbit/s for terabits or %sTB/s for terabytes per second" },
	{ "Tbps", "write %sTbit/s for terabits or %sTB/s for terabytes per second" },
	{ "bps", "write %sB/s for bytes per second; bit rates start at kbit/s" },
	{ "b", "write %sB for bytes; sizes in bits are not supported" },
	{ "k", "write %sKiB (1024 bytes) or %sKB (1000 bytes)" },
	{ "K", "write %sKiB (1024 bytes) or %sKB (1000 bytes)" },
	{ "kB", "write %sKB (1000 bytes) or %sKiB (1024 bytes)" },
	{ "kb", "write %sKB (1000 bytes) or %sKiB (1024 bytes)" },
	{ "M", "write %sMiB (2^20 bytes) or %sMB (10^6 bytes)" },
	{ "m", "write %sMiB (2^20 bytes) for a size or %smin for minutes" },
	{ "mb", "write %sMB (10^6 bytes) or %sMiB (2^20 bytes)" },
	{ "Mb", "write %sMB (10^6 bytes) or %sMiB (2^20 bytes)" },
	{ "G", "write %sGiB (2^30 bytes) or %sGB (10^9 bytes)" },
	{ "gb", "write %sGB (10^9 bytes) or %sGiB (2^30 bytes)" },
	{ "Gb", "write %sGB (10^9 bytes) or %sGiB (2^30 bytes)" },
	{ "T", "write %sTiB (2^40 bytes) or %sTB (10^12 bytes)" },
};

/* Common spellings with one obvious meaning: a suggestion, not a guess. */
static const struct {
	const char *word, *fix;
} respell[] = {
	{ "sec", "s" },	{ "secs", "s" },   { "msec", "ms" }, { "usec", "us" },
	{ "nsec", "ns" }, { "mins", "min" }, { "hr", "h" },  { "bit/s", "kbit/s" },
	{ "KiBps", "KiB/s" }, { "MiBps", "MiB/s" }, { "GiBps", "GiB/s" },
	{ "Kbit/s", "kbit/s" },
};

/* Fill each %s of a table's help text with the number as written. */
static void help_subst(struct diag_builder d, const char *tmpl,
		       const char *num)
{
	struct strbuf sb = { 0 };
	const char *p;

	for (p = tmpl; *p; p++) {
		if (p[0] == '%' && p[1] == 's') {
			sb_puts(&sb, num);
			p++;
		} else {
			sb_putc(&sb, *p);
		}
	}
	if (sb.buf && !sb.failed)
		diag_help(d, "%s", sb.buf);
	free(sb.buf);
}

bool units_is_unit_word(const char *word)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(units); i++)
		if (!strcmp(units[i].name, word))
			return true;
	for (i = 0; i < ARRAY_SIZE(ambiguous); i++)
		if (!strcmp(ambiguous[i].word, word))
			return true;
	return false;
}

int units_parse_number(struct flang_ctx *ctx, const struct token *tok,
		       struct value *out)
{
	const char *p = tok->text;
	uint64_t mant = 0, scale = 1, v;
	const struct unit *u = NULL;
	struct diag_builder d;
	bool hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
	bool frac = false;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->span = tok->span;
	if (hex)
		p += 2;
	for (; *p; p++) {
		unsigned int digit;

		if (*p == '.') {
			frac = true;
			continue;
		}
		if (*p >= '0' && *p <= '9')
			digit = (unsigned int)(*p - '0');
		else
			digit = (unsigned int)((*p | 0x20) - 'a' + 10);
		if (mul_overflows(mant, hex ? 16 : 10, &mant) ||
		    add_overflows(mant, digit, &mant) ||
		    (frac && mul_overflows(scale, 10, &scale))) {
			diag_help(diag_error(ctx, "E0004", tok->span,
					     "number does not fit in 64 bits"),
				  "the largest value is 18446744073709551615 base units");
			return -1;
		}
	}
	if (tok->unit[0]) {
		for (i = 0; i < ARRAY_SIZE(units); i++)
			if (!strcmp(units[i].name, tok->unit))
				u = &units[i];
		if (!u) {
			for (i = 0; i < ARRAY_SIZE(ambiguous); i++) {
				if (strcmp(ambiguous[i].word, tok->unit))
					continue;
				d = diag_error(ctx, "E0006", tok->span,
					       "ambiguous unit '%s'", tok->unit);
				help_subst(d, ambiguous[i].help, tok->text);
				return -1;
			}
			d = diag_error(ctx, "E0005", tok->span,
				       "unknown unit '%s'", tok->unit);
			for (i = 0; i < ARRAY_SIZE(respell); i++)
				if (!strcmp(respell[i].word, tok->unit))
					diag_help(d, "write %s%s", tok->text,
						  respell[i].fix);
			for (i = 0; i < ARRAY_SIZE(units); i++)
				if (!strcasecmp(units[i].name, tok->unit))
					diag_help(d, "units are case-sensitive: write %s%s",
						  tok->text, units[i].name);
			if (diag_of(d) && !diag_of(d)->help)
				diag_help(d, "sizes: B KiB MiB GiB TiB KB MB GB TB; rates: the same with /s, or kbit/s Mbit/s Gbit/s Tbit/s; durations: ns us ms s min h");
			return -1;
		}
	}
	v = mant;
	if (u && mul_overflows(mant, u->mult, &v)) {
		diag_error(ctx, "E0004", tok->span,
			   "%s%s does not fit in 64 bits of base units",
			   tok->text, tok->unit);
		return -1;
	}
	if (v % scale) {
		d = diag_error(ctx, "E0007", tok->span,
			       "%s%s is not a whole number of %s", tok->text,
			       tok->unit,
			       !u ? "units" :
			       u->type == VT_SIZE ? "bytes" :
			       u->type == VT_RATE ? "bytes per second" :
			       "nanoseconds");
		diag_help(d, "use a smaller unit, e.g. 1536KiB for 1.5MiB");
		return -1;
	}
	out->type = u ? u->type : VT_INT;
	out->u = v / scale;
	return 0;
}

/* The largest unit among units[from..to) dividing @v exactly. */
static const struct unit *best_unit(uint64_t v, size_t from, size_t to)
{
	const struct unit *best = &units[from];
	size_t i;

	for (i = from; i < to; i++)
		if (v && v % units[i].mult == 0 && units[i].mult > best->mult)
			best = &units[i];
	return best;
}

static void fmt_scaled(char *buf, size_t len, uint64_t v, size_t from,
		       size_t to)
{
	const struct unit *u = best_unit(v, from, to);

	snprintf(buf, len, "%llu %s", (unsigned long long)(v / u->mult),
		 u->name);
}

void units_format(char *buf, size_t len, const struct value *v)
{
	switch (v->type) {
	case VT_SIZE:
		fmt_scaled(buf, len, v->u, 0, 9);
		break;
	case VT_RATE:
		fmt_scaled(buf, len, v->u, 9, 18);
		break;
	case VT_DURATION:
		fmt_scaled(buf, len, v->u, 22, 28);
		break;
	case VT_INT:
	case VT_FD:
		snprintf(buf, len, "%llu", (unsigned long long)v->u);
		break;
	case VT_BOOL:
		snprintf(buf, len, "%s", v->u ? "true" : "false");
		break;
	case VT_STRING:
		snprintf(buf, len, "\"%s\"", v->s ? v->s : "");
		break;
	case VT_SECRET:
		snprintf(buf, len, "<secret>");
		break;
	case VT_NAME:
		snprintf(buf, len, "%s", v->s ? v->s : "");
		break;
	default:
		snprintf(buf, len, "%s", vtype_name(v->type));
	}
}

const char *vtype_name(enum vtype t)
{
	static const char *const names[] = {
		[VT_NONE] = "nothing", [VT_INT] = "int", [VT_SIZE] = "size",
		[VT_RATE] = "rate", [VT_DURATION] = "duration",
		[VT_BOOL] = "bool", [VT_STRING] = "string",
		[VT_SECRET] = "secret", [VT_FD] = "fd", [VT_RANGE] = "range",
		[VT_NAME] = "name", [VT_END] = "end",
	};

	return (size_t)t < ARRAY_SIZE(names) ? names[t] : "?";
}
