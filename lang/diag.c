// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Diagnostics: collection and the text rendering, in the style of nft
 * and rustc:
 *
 *   clone.flow:11:30: error[E0412]: pool 'stage' (16 MiB) cannot hold ...
 *       read(a) -> [chunk=1MiB, depth=32, pool=stage] write(b);
 *                   ^~~~~~~~~~  ~~~~~~~~
 *     note: 'stage' declared here: clone.flow:6:6
 *     help: use depth=16, ...
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct span span_join(struct span a, struct span b)
{
	struct span s = a;

	if (a.src != b.src)
		return a;
	if (b.end > a.end) {
		s.end = b.end;
		s.end_line = b.end_line;
		s.end_col = b.end_col;
	}
	if (b.off < a.off) {
		s.off = b.off;
		s.line = b.line;
		s.col = b.col;
	}
	return s;
}

struct flang_span span_public(struct span s)
{
	struct flang_span p = {
		.file = s.src ? s.src->name : NULL,
		.line = s.line,
		.col = s.col,
		.end_line = s.end_line,
		.end_col = s.end_col,
	};
	return p;
}

static struct diag_builder diag_new(struct flang_ctx *ctx,
				    enum flang_severity sev, const char *code,
				    struct span at, const char *fmt,
				    va_list ap)
{
	struct diag_list *dl = &ctx->diags;
	struct diag_builder b = { ctx, -1 };
	struct flang_diag *d;
	char buf[512];

	/* count every error, so the exit status is right even when capped */
	if (sev == FLANG_SEV_ERROR)
		dl->errors++;
	else
		dl->warnings++;
	if (dl->n >= FLANG_MAX_DIAGS) {
		dl->truncated = true;
		return b;
	}
	if (dl->n == dl->cap) {
		size_t cap = dl->cap ? dl->cap * 2 : 16;
		struct flang_diag *v = realloc(dl->v, cap * sizeof(*v));

		if (!v) {
			ctx->arena.failed = true;
			return b;
		}
		dl->v = v;
		dl->cap = cap;
	}
	b.idx = (long)dl->n;
	d = &dl->v[dl->n++];
	memset(d, 0, sizeof(*d));
	vsnprintf(buf, sizeof(buf), fmt, ap);
	d->severity = sev;
	d->code = code;
	d->msg = arena_strdup(&ctx->arena, buf);
	d->span = span_public(at);
	return b;
}

struct diag_builder diag_error(struct flang_ctx *ctx, const char *code,
			       struct span at, const char *fmt, ...)
{
	struct diag_builder b;
	va_list ap;

	va_start(ap, fmt);
	b = diag_new(ctx, FLANG_SEV_ERROR, code, at, fmt, ap);
	va_end(ap);
	return b;
}

struct diag_builder diag_warn(struct flang_ctx *ctx, const char *code,
			      struct span at, const char *fmt, ...)
{
	struct diag_builder b;
	va_list ap;

	va_start(ap, fmt);
	b = diag_new(ctx, FLANG_SEV_WARNING, code, at, fmt, ap);
	va_end(ap);
	return b;
}

struct flang_diag *diag_of(struct diag_builder b)
{
	if (b.idx < 0 || (size_t)b.idx >= b.ctx->diags.n)
		return NULL;
	return &b.ctx->diags.v[b.idx];
}

void diag_label(struct diag_builder b, struct span at)
{
	struct flang_diag *d = diag_of(b);

	if (!d || d->nlabels >= FLANG_MAX_LABELS)
		return;
	d->labels[d->nlabels++] = span_public(at);
}

void diag_note(struct diag_builder b, const struct span *at,
	       const char *fmt, ...)
{
	struct flang_diag *d = diag_of(b);
	struct flang_note *n;
	char buf[512];
	va_list ap;

	if (!d || d->nnotes >= FLANG_MAX_NOTES)
		return;
	n = &d->notes[d->nnotes++];
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	n->msg = arena_strdup(&b.ctx->arena, buf);
	if (at)
		n->span = span_public(*at);
	else
		memset(&n->span, 0, sizeof(n->span));
}

void diag_help(struct diag_builder b, const char *fmt, ...)
{
	struct flang_diag *d = diag_of(b);
	char buf[512];
	va_list ap;

	if (!d)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	d->help = arena_strdup(&b.ctx->arena, buf);
}

void diag_redact(struct diag_builder b)
{
	struct flang_diag *d = diag_of(b);

	if (d)
		d->redact = true;
}

int flang_diag_add(struct flang_ctx *ctx, enum flang_severity sev,
		   const char *code, const struct flang_span *at,
		   const char *msg, const char *help)
{
	struct span none = { 0 };
	struct diag_builder b;
	struct flang_diag *d;
	char *c;

	c = arena_strdup(&ctx->arena, code);
	if (!c)
		return -ENOMEM;
	if (sev == FLANG_SEV_ERROR)
		b = diag_error(ctx, c, none, "%s", msg);
	else
		b = diag_warn(ctx, c, none, "%s", msg);
	d = diag_of(b);
	if (!d)
		return ctx->arena.failed ? -ENOMEM : -E2BIG;
	/* the span's file points into this context's sources already */
	d->span = *at;
	if (help)
		diag_help(b, "%s", help);
	return ctx->arena.failed ? -ENOMEM : 0;
}

size_t flang_diag_count(const struct flang_ctx *ctx)
{
	return ctx->diags.n;
}

const struct flang_diag *flang_diag_get(const struct flang_ctx *ctx,
					size_t i)
{
	return i < ctx->diags.n ? &ctx->diags.v[i] : NULL;
}

unsigned int flang_error_count(const struct flang_ctx *ctx)
{
	return ctx->diags.errors;
}

unsigned int flang_warning_count(const struct flang_ctx *ctx)
{
	return ctx->diags.warnings;
}

static const struct source *find_source(const struct flang_ctx *ctx,
					const char *name)
{
	const struct source *s;

	for (s = ctx->sources; s; s = s->next)
		if (s->name == name)
			return s;
	return NULL;
}

/* Start and length of line @line (1-based) of @src, without the newline. */
static bool source_line(const struct source *src, unsigned int line,
			const char **start, size_t *len)
{
	const char *p = src->text, *end = src->text + src->len;
	unsigned int l = 1;

	while (l < line && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (!nl)
			return false;
		p = nl + 1;
		l++;
	}
	if (l != line)
		return false;
	*start = p;
	*len = 0;
	while (p + *len < end && p[*len] != '\n')
		(*len)++;
	return true;
}

/* The last column @s underlines on @line (0: none), as mark() bounds it. */
static size_t span_last(const struct flang_span *s, unsigned int line, size_t n)
{
	size_t last;

	if (s->line != line)
		return 0;
	last = s->end_line == line ? s->end_col : n;
	if (last < s->col)
		last = s->col;
	return last < n + 1 ? last : n + 1;
}

static void mark(char *under, size_t n, const struct flang_span *s,
		 unsigned int line, char first, char rest)
{
	unsigned int c, last;

	if (s->line != line || !s->col)
		return;
	last = s->end_line == line ? s->end_col : (unsigned int)n;
	if (last < s->col)
		last = s->col;
	for (c = s->col; c <= last && c <= n + 1; c++)
		if (under[c - 1] == ' ' || under[c - 1] == '\t' ||
		    under[c - 1] == '~')
			under[c - 1] = c == s->col ? first : rest;
}

/*
 * The last source line rendered, cleaned, as it sits in the output: the
 * next diagnostic on the same line copies it instead of cleaning it
 * again (a diagnostic with a secret in it never uses or fills it).
 */
struct snippet_cache {
	const struct source *src;
	unsigned int line;
	size_t off, len;
};

/* The source line and the underline, tabs kept so columns line up. */
static void render_snippet(struct strbuf *sb, const struct flang_ctx *ctx,
			   const struct flang_diag *d,
			   struct snippet_cache *cache)
{
	const struct source *src = find_source(ctx, d->span.file);
	const char *line;
	size_t len, i, end, start, width;
	unsigned int k;
	char *under;

	if (!src || !source_line(src, d->span.line, &line, &len))
		return;
	/*
	 * Only the columns up to the last one underlined matter; past it
	 * the underline is blanks that are trimmed anyway.  Bounding it
	 * keeps 200 diagnostics on a long line from costing 200 lines.
	 */
	width = span_last(&d->span, d->span.line, len);
	for (k = 0; k < d->nlabels; k++) {
		size_t w = span_last(&d->labels[k], d->span.line, len);

		if (w > width)
			width = w;
	}
	under = malloc(width + 2);
	if (!under) {
		sb->failed = true;
		return;
	}
	for (i = 0; i < width + 1; i++)
		under[i] = i < len && line[i] == '\t' ? '\t' : ' ';
	for (k = 0; k < d->nlabels; k++)
		mark(under, len, &d->labels[k], d->span.line, '~', '~');
	{
		struct flang_span p = d->span;
		unsigned int c, last;

		/* the primary span wins where it overlaps a label */
		last = p.end_line == p.line ? p.end_col : (unsigned int)len;
		if (last < p.col)
			last = p.col;
		for (c = p.col ? p.col : 1; c <= last && c <= len + 1; c++)
			if (under[c - 1] != '\t')
				under[c - 1] = c == p.col ? '^' : '~';
	}
	end = width + 1;
	while (end && (under[end - 1] == ' ' || under[end - 1] == '\t'))
		end--;
	sb_puts(sb, "    ");
	start = sb->len;
	if (!d->redact && cache->src == src && cache->line == d->span.line) {
		sb_put_copy(sb, cache->off, cache->len);
	} else {
		/* one copy, cleaned in place, not a byte at a time */
		sb_putn(sb, line, len);
		if (!sb->failed) {
			char *out = sb->buf + start;

			for (i = 0; i < len; i++) {
				/* a secret in the file is not repeated into logs */
				if (d->redact && i + 1 > d->span.col &&
				    i + 1 < d->span.end_col)
					out[i] = '*';
				/* control bytes would garble the terminal */
				else if ((unsigned char)out[i] < 0x20 &&
					 out[i] != '\t')
					out[i] = '?';
			}
		}
		if (!d->redact) {
			cache->src = src;
			cache->line = d->span.line;
			cache->off = start;
			cache->len = len;
		}
	}
	sb_puts(sb, "\n    ");
	sb_putn(sb, under, end);
	sb_putc(sb, '\n');
	free(under);
}

char *flang_diags_text(const struct flang_ctx *ctx)
{
	struct snippet_cache cache = {0};
	struct strbuf sb = { 0 };
	size_t i;
	unsigned int k;

	for (i = 0; i < ctx->diags.n; i++) {
		const struct flang_diag *d = &ctx->diags.v[i];

		sb_printf(&sb, "%s:%u:%u: %s[%s]: %s\n",
			  d->span.file ? d->span.file : "<unknown>",
			  d->span.line, d->span.col,
			  d->severity == FLANG_SEV_ERROR ? "error" : "warning",
			  d->code, d->msg);
		render_snippet(&sb, ctx, d, &cache);
		for (k = 0; k < d->nnotes; k++) {
			const struct flang_note *n = &d->notes[k];

			if (n->span.file)
				sb_printf(&sb, "  note: %s: %s:%u:%u\n", n->msg,
					  n->span.file, n->span.line,
					  n->span.col);
			else
				sb_printf(&sb, "  note: %s\n", n->msg);
		}
		if (d->help)
			sb_printf(&sb, "  help: %s\n", d->help);
	}
	if (ctx->diags.truncated)
		sb_printf(&sb, "note: stopped after %d diagnostics\n",
			  FLANG_MAX_DIAGS);
	if (ctx->diags.errors || ctx->diags.warnings)
		sb_printf(&sb, "%u error%s, %u warning%s\n", ctx->diags.errors,
			  ctx->diags.errors == 1 ? "" : "s",
			  ctx->diags.warnings,
			  ctx->diags.warnings == 1 ? "" : "s");
	return sb_finish(&sb);
}
