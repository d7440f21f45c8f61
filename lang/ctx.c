// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The compile context: settings that outlive a compile (include path,
 * param overrides), the per-compile arena, loading of sources and the
 * driver that runs the passes in order.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	max_align_t data[];
};

#define ARENA_BLOCK (64u << 10)

void *arena_alloc(struct arena *a, size_t size)
{
	struct arena_block *b = a->head;
	size_t align = sizeof(max_align_t);
	void *p;

	size = (size + align - 1) & ~(align - 1);
	if (!size)
		size = align;
	if (!b || b->cap - b->used < size) {
		size_t cap = size > ARENA_BLOCK ? size : ARENA_BLOCK;

		b = malloc(sizeof(*b) + cap);
		if (!b) {
			a->failed = true;
			return NULL;
		}
		b->cap = cap;
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	p = (char *)b->data + b->used;
	b->used += size;
	memset(p, 0, size);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	char buf[512];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	return arena_strdup(a, buf);
}

void arena_free(struct arena *a)
{
	while (a->head) {
		struct arena_block *b = a->head;

		a->head = b->next;
		free(b);
	}
	a->failed = false;
}

/* FNV-1a: names are short identifiers, this spreads them well enough. */
static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static uint32_t name_slot(const struct name_index *ix, const char *name)
{
	uint32_t i = name_hash(name) & (ix->cap - 1);

	while (ix->keys[i] && strcmp(ix->keys[i], name))
		i = (i + 1) & (ix->cap - 1);
	return i;
}

void *name_index_get(const struct name_index *ix, const char *name)
{
	uint32_t i;

	if (!ix->cap)
		return NULL;
	i = name_slot(ix, name);
	return ix->keys[i] ? ix->vals[i] : NULL;
}

/* Double the table (at least 64 slots); the old arrays stay in the arena. */
static bool name_index_grow(struct arena *a, struct name_index *ix)
{
	struct name_index big = {.cap = ix->cap ? ix->cap * 2 : 64};
	uint32_t i, j;

	big.keys = arena_alloc(a, big.cap * sizeof(*big.keys));
	big.vals = arena_alloc(a, big.cap * sizeof(*big.vals));
	if (!big.keys || !big.vals)
		return false;
	for (i = 0; i < ix->cap; i++) {
		if (!ix->keys[i])
			continue;
		j = name_slot(&big, ix->keys[i]);
		big.keys[j] = ix->keys[i];
		big.vals[j] = ix->vals[i];
	}
	big.n = ix->n;
	*ix = big;
	return true;
}

void *name_index_put(struct arena *a, struct name_index *ix, const char *name,
		     void *val)
{
	uint32_t i;

	if (ix->failed)
		return NULL;
	/* at most half full, so probes stay short */
	if ((ix->n + 1) * 2 > ix->cap && !name_index_grow(a, ix)) {
		ix->failed = true;
		return NULL;
	}
	i = name_slot(ix, name);
	if (ix->keys[i])
		return ix->vals[i];
	ix->keys[i] = name;
	ix->vals[i] = val;
	ix->n++;
	return NULL;
}

static void sb_grow(struct strbuf *sb, size_t more)
{
	size_t cap;
	char *nb;

	if (sb->failed || sb->cap - sb->len > more)
		return;
	cap = sb->cap ? sb->cap * 2 : 256;
	while (cap - sb->len <= more)
		cap *= 2;
	nb = realloc(sb->buf, cap);
	if (!nb) {
		sb->failed = true;
		return;
	}
	sb->buf = nb;
	sb->cap = cap;
}

void sb_putn(struct strbuf *sb, const char *s, size_t n)
{
	sb_grow(sb, n);
	if (sb->failed)
		return;
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void sb_put_copy(struct strbuf *sb, size_t off, size_t n)
{
	/* grow first: the bytes to copy move with the buffer */
	sb_grow(sb, n);
	if (sb->failed)
		return;
	memcpy(sb->buf + sb->len, sb->buf + off, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void sb_putc(struct strbuf *sb, char c)
{
	sb_putn(sb, &c, 1);
}

void sb_puts(struct strbuf *sb, const char *s)
{
	sb_putn(sb, s, strlen(s));
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	size_t room;
	int n;

	if (sb->failed)
		return;
	/*
	 * Format straight into the free space; only a line that does not
	 * fit is formatted again after growing (one vsnprintf, not two, in
	 * the common case).
	 */
	room = sb->cap - sb->len;
	va_start(ap, fmt);
	n = vsnprintf(sb->buf ? sb->buf + sb->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n < 0) {
		sb->failed = true;
		return;
	}
	if ((size_t)n >= room) {
		sb_grow(sb, (size_t)n);
		if (sb->failed)
			return;
		va_start(ap, fmt);
		vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	sb->len += (size_t)n;
}

char *sb_finish(struct strbuf *sb)
{
	if (sb->failed) {
		free(sb->buf);
		return NULL;
	}
	if (!sb->buf)
		sb_putn(sb, "", 0);
	return sb->buf;
}

struct flang_ctx *flang_ctx_new(void)
{
	return calloc(1, sizeof(struct flang_ctx));
}

static void ctx_reset(struct flang_ctx *ctx)
{
	arena_free(&ctx->arena);
	free(ctx->diags.v);
	memset(&ctx->diags, 0, sizeof(ctx->diags));
	memset(&ctx->prog, 0, sizeof(ctx->prog));
	ctx->sources = NULL;
	ctx->plan = NULL;
	ctx->include_depth = 0;
}

void flang_ctx_free(struct flang_ctx *ctx)
{
	struct param_override *o, *next;
	size_t i;

	if (!ctx)
		return;
	ctx_reset(ctx);
	for (i = 0; i < ctx->nincdirs; i++)
		free(ctx->incdirs[i]);
	free(ctx->incdirs);
	for (o = ctx->overrides; o; o = next) {
		next = o->next;
		free(o->name);
		free(o->text);
		free(o);
	}
	free(ctx);
}

int flang_ctx_add_include_path(struct flang_ctx *ctx, const char *dir)
{
	char **v = realloc(ctx->incdirs,
			   (ctx->nincdirs + 1) * sizeof(*ctx->incdirs));

	if (!v)
		return -ENOMEM;
	ctx->incdirs = v;
	v[ctx->nincdirs] = strdup(dir);
	if (!v[ctx->nincdirs])
		return -ENOMEM;
	ctx->nincdirs++;
	return 0;
}

static int set_param(struct flang_ctx *ctx, const char *assignment, bool site)
{
	const char *eq = strchr(assignment, '=');
	struct param_override *o, **pp;
	size_t i, n;

	if (!eq || eq == assignment)
		return -EINVAL;
	n = (size_t)(eq - assignment);
	for (i = 0; i < n; i++) {
		char c = assignment[i];

		if (!(c == '_' || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z') || (i && c >= '0' && c <= '9')))
			return -EINVAL;
	}
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->name = strndup(assignment, n);
	o->text = strdup(eq + 1);
	o->site = site;
	if (!o->name || !o->text) {
		free(o->name);
		free(o->text);
		free(o);
		return -ENOMEM;
	}
	/* the last -D for a name wins, as with a C compiler */
	for (pp = &ctx->overrides; *pp; pp = &(*pp)->next) {
		if (!strcmp((*pp)->name, o->name)) {
			struct param_override *old = *pp;

			o->next = old->next;
			*pp = o;
			free(old->name);
			free(old->text);
			free(old);
			return 0;
		}
	}
	*pp = o;
	return 0;
}

int flang_ctx_set_param(struct flang_ctx *ctx, const char *assignment)
{
	return set_param(ctx, assignment, false);
}

int flang_ctx_set_site_param(struct flang_ctx *ctx, const char *assignment)
{
	return set_param(ctx, assignment, true);
}

struct source *ctx_add_source(struct flang_ctx *ctx, const char *name,
			      const char *path, const char *text, size_t len)
{
	struct source *s = arena_alloc(&ctx->arena, sizeof(*s));

	if (!s)
		return NULL;
	s->name = arena_strdup(&ctx->arena, name);
	s->path = path ? arena_strdup(&ctx->arena, path) : NULL;
	s->text = arena_strndup(&ctx->arena, text, len);
	s->len = len;
	if (!s->name || !s->text)
		return NULL;
	s->next = ctx->sources;
	ctx->sources = s;
	return s;
}

/* Read a whole file into the arena; -errno on failure. */
static int read_file(struct flang_ctx *ctx, const char *path, char **text,
		     size_t *len)
{
	struct stat st;
	size_t got = 0;
	char *buf;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	}
	if ((uint64_t)st.st_size > FLANG_MAX_FILE_SIZE) {
		close(fd);
		return -EFBIG;
	}
	buf = arena_alloc(&ctx->arena, (size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	*text = buf;
	*len = got;
	return 0;
}

static struct source *load_file(struct flang_ctx *ctx, const char *name,
				const char *path, int *err)
{
	char real[PATH_MAX];
	struct source *s;
	char *text = NULL;
	size_t len = 0;

	*err = read_file(ctx, path, &text, &len);
	if (*err)
		return NULL;
	if (!realpath(path, real))
		snprintf(real, sizeof(real), "%s", path);
	s = ctx_add_source(ctx, name, real, text, len);
	if (!s)
		*err = -ENOMEM;
	return s;
}

static const struct source *find_loaded(struct flang_ctx *ctx,
					const char *path)
{
	char real[PATH_MAX];
	const struct source *s;

	if (!realpath(path, real))
		return NULL;
	for (s = ctx->sources; s; s = s->next)
		if (s->path && !strcmp(s->path, real))
			return s;
	return NULL;
}

/*
 * Resolve an include: relative names are looked up next to the including
 * file, then along the search path.  A file already on the include stack
 * is a cycle; one already loaded elsewhere is included once only, so a
 * shared "site.flow" can be included from several files.
 */
const struct source *ctx_load_include(struct flang_ctx *ctx,
				      const struct source *from,
				      const char *name, struct span at,
				      bool *already)
{
	char cand[PATH_MAX], disp[PATH_MAX];
	const struct source *s;
	struct diag_builder d;
	struct strbuf cyc = { 0 };
	unsigned int i;
	size_t k;
	int err = -ENOENT;
	bool found = false;

	*already = false;
	if (name[0] == '/') {
		snprintf(cand, sizeof(cand), "%s", name);
		snprintf(disp, sizeof(disp), "%s", name);
		found = access(cand, R_OK) == 0;
	} else {
		/* shown relative to the including file, as the user wrote it */
		const char *dslash = strrchr(from->name, '/');

		snprintf(disp, sizeof(disp), "%.*s%s",
			 dslash ? (int)(dslash - from->name + 1) : 0,
			 from->name, name);
		const char *slash = from->path ? strrchr(from->path, '/') :
			NULL;

		if (slash)
			snprintf(cand, sizeof(cand), "%.*s/%s",
				 (int)(slash - from->path), from->path, name);
		else
			snprintf(cand, sizeof(cand), "%s", name);
		found = from->path && access(cand, R_OK) == 0;
		for (k = 0; !found && k < ctx->nincdirs; k++) {
			snprintf(cand, sizeof(cand), "%s/%s", ctx->incdirs[k],
				 name);
			snprintf(disp, sizeof(disp), "%s", cand);
			found = access(cand, R_OK) == 0;
		}
	}
	if (!found) {
		d = diag_error(ctx, "E0202", at, "cannot find include file \"%s\"",
			       name);
		if (!ctx->nincdirs)
			diag_help(d, "add a search directory with -I DIR");
		else
			diag_note(d, NULL, "searched next to '%s' and in %zu -I director%s",
				  from->name, ctx->nincdirs,
				  ctx->nincdirs == 1 ? "y" : "ies");
		return NULL;
	}
	s = find_loaded(ctx, cand);
	if (s) {
		for (i = 0; i < ctx->include_depth; i++) {
			if (ctx->include_stack[i] != s)
				continue;
			for (; i < ctx->include_depth; i++)
				sb_printf(&cyc, "%s -> ", ctx->include_stack[i]->name);
			sb_puts(&cyc, s->name);
			if (!cyc.failed) {
				d = diag_error(ctx, "E0203", at,
					       "include cycle: %s", cyc.buf);
				diag_help(d, "remove one of the includes; a file may not include itself, directly or indirectly");
			}
			free(cyc.buf);
			return NULL;
		}
		*already = true;
		return s;
	}
	if (ctx->include_depth >= FLANG_MAX_INCLUDE_DEPTH) {
		diag_error(ctx, "E0203", at, "includes nested deeper than %d",
			   FLANG_MAX_INCLUDE_DEPTH);
		return NULL;
	}
	s = load_file(ctx, disp, cand, &err);
	if (!s)
		diag_error(ctx, "E0202", at, "cannot read include file \"%s\": %s",
			   name, strerror(-err));
	return s;
}

static int finish_compile(struct flang_ctx *ctx)
{
	if (ctx->arena.failed)
		return -ENOMEM;
	/*
	 * After a syntax error the tree has holes (a dropped chain, a
	 * missing value); checking it would bury the real error under
	 * follow-on ones, so stop here, as nft does.
	 */
	if (ctx->diags.errors)
		return 1;
	check_program(ctx);
	if (ctx->arena.failed)
		return -ENOMEM;
	if (!ctx->diags.errors && plan_build(ctx) < 0)
		return -ENOMEM;
	return ctx->diags.errors ? 1 : 0;
}

int flang_compile_buffer(struct flang_ctx *ctx, const char *name,
			 const char *buf, size_t len)
{
	struct source *src;

	ctx_reset(ctx);
	if (len > FLANG_MAX_FILE_SIZE)
		return -EFBIG;
	src = ctx_add_source(ctx, name ? name : "<buffer>", NULL, buf, len);
	if (!src)
		return -ENOMEM;
	ctx->include_stack[ctx->include_depth++] = src;
	parse_source(ctx, src);
	ctx->include_depth = 0;
	return finish_compile(ctx);
}

int flang_compile_file(struct flang_ctx *ctx, const char *path)
{
	struct source *src;
	int err;

	ctx_reset(ctx);
	src = load_file(ctx, path, path, &err);
	if (!src)
		return err;
	ctx->include_stack[ctx->include_depth++] = src;
	parse_source(ctx, src);
	ctx->include_depth = 0;
	return finish_compile(ctx);
}

const struct flang_plan *flang_plan_get(const struct flang_ctx *ctx)
{
	return ctx->diags.errors ? NULL : ctx->plan;
}
