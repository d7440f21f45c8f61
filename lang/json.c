// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * JSON rendering of the diagnostics, for editors and CI tools.  The
 * schema is documented in lang/LANGUAGE.md ("Diagnostics as JSON") and
 * carries exactly what the text rendering does.
 */
#include <stdio.h>

#include "internal.h"

void sb_json_str(struct strbuf *sb, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!s) {
		sb_puts(sb, "null");
		return;
	}
	sb_putc(sb, '"');
	while (*p) {
		/* the bytes that need no escape go in as one run */
		size_t run = 0;

		while (p[run] >= 0x20 && p[run] != '"' && p[run] != '\\')
			run++;
		sb_putn(sb, (const char *)p, run);
		p += run;
		if (!*p)
			break;
		switch (*p) {
		case '"':
			sb_puts(sb, "\\\"");
			break;
		case '\\':
			sb_puts(sb, "\\\\");
			break;
		case '\n':
			sb_puts(sb, "\\n");
			break;
		case '\t':
			sb_puts(sb, "\\t");
			break;
		default:
			sb_printf(sb, "\\u%04x", *p);
		}
		p++;
	}
	sb_putc(sb, '"');
}

static void json_span(struct strbuf *sb, const struct flang_span *s)
{
	sb_puts(sb, "{\"file\":");
	sb_json_str(sb, s->file);
	sb_printf(sb,
		  ",\"line\":%u,\"col\":%u,\"end_line\":%u,\"end_col\":%u}",
		  s->line, s->col, s->end_line, s->end_col);
}

char *flang_diags_json(const struct flang_ctx *ctx)
{
	struct strbuf sb = { 0 };
	unsigned int k;
	size_t i;

	sb_puts(&sb, "{\"diagnostics\":[");
	for (i = 0; i < ctx->diags.n; i++) {
		const struct flang_diag *d = &ctx->diags.v[i];

		if (i)
			sb_putc(&sb, ',');
		sb_printf(&sb, "{\"severity\":\"%s\",\"code\":\"%s\",\"message\":",
			  d->severity == FLANG_SEV_ERROR ? "error" : "warning",
			  d->code);
		sb_json_str(&sb, d->msg);
		sb_puts(&sb, ",\"span\":");
		json_span(&sb, &d->span);
		sb_puts(&sb, ",\"labels\":[");
		for (k = 0; k < d->nlabels; k++) {
			if (k)
				sb_putc(&sb, ',');
			json_span(&sb, &d->labels[k]);
		}
		sb_puts(&sb, "],\"notes\":[");
		for (k = 0; k < d->nnotes; k++) {
			if (k)
				sb_putc(&sb, ',');
			sb_puts(&sb, "{\"message\":");
			sb_json_str(&sb, d->notes[k].msg);
			if (d->notes[k].span.file) {
				sb_puts(&sb, ",\"span\":");
				json_span(&sb, &d->notes[k].span);
			}
			sb_putc(&sb, '}');
		}
		sb_puts(&sb, "],\"help\":");
		sb_json_str(&sb, d->help);
		sb_putc(&sb, '}');
	}
	sb_printf(&sb, "],\"errors\":%u,\"warnings\":%u,\"truncated\":%s}\n",
		  ctx->diags.errors, ctx->diags.warnings,
		  ctx->diags.truncated ? "true" : "false");
	return sb_finish(&sb);
}
