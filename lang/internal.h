/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libflowlang internals: arena, sources, tokens, AST, values, and the
 * interfaces between the passes (lexer -> parser -> checker -> planner).
 */
#ifndef FLOWLANG_INTERNAL_H
#define FLOWLANG_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flowlang.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Hard caps: the language has no loops, but inputs can still be hostile. */
#define FLANG_MAX_FILE_SIZE (16u << 20)
#define FLANG_MAX_INCLUDE_DEPTH 32
#define FLANG_MAX_DIAGS 200
#define FLANG_MAX_EXPR_DEPTH 64
#define FLANG_MAX_PORTS 64	/* a handler's port mask is 64 bits */

/* ---- arena: everything of one compile is freed at once ---- */
struct arena_block;
struct arena {
	struct arena_block *head;
	bool failed;		/* an allocation failed: result is ENOMEM */
};

void *arena_alloc(struct arena *a, size_t size);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_printf(struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void arena_free(struct arena *a);

/* ---- growable string for rendering ---- */
struct strbuf {
	char *buf;
	size_t len, cap;
	bool failed;
};

void sb_putc(struct strbuf *sb, char c);
void sb_puts(struct strbuf *sb, const char *s);
void sb_putn(struct strbuf *sb, const char *s, size_t n);
/* append @n bytes already in @sb, from offset @off */
void sb_put_copy(struct strbuf *sb, size_t off, size_t n);
void sb_printf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sb_json_str(struct strbuf *sb, const char *s);
char *sb_finish(struct strbuf *sb);	/* NULL if any step failed */

/* ---- sources and spans ---- */
struct source {
	const char *name;	/* as shown in diagnostics */
	const char *path;	/* canonical, for cycle checks; may be NULL */
	const char *text;
	size_t len;
	struct source *next;
};

struct span {
	const struct source *src;
	uint32_t off, end;	/* byte offsets, end exclusive */
	uint32_t line, col, end_line, end_col;	/* end inclusive */
};

struct span span_join(struct span a, struct span b);
struct flang_span span_public(struct span s);

/* ---- diagnostics ---- */
struct diag_list {
	struct flang_diag *v;
	size_t n, cap;
	unsigned int errors, warnings;
	bool truncated;
};

struct flang_ctx;
/*
 * A handle on the diagnostic being built.  It holds an index, not a
 * pointer: the list may be reallocated (by the lexer reading ahead, say)
 * between creating a diagnostic and adding its help.
 */
struct diag_builder {
	struct flang_ctx *ctx;
	long idx;		/* -1 when over the cap: calls are no-ops */
};

struct flang_diag *diag_of(struct diag_builder b);

struct diag_builder diag_error(struct flang_ctx *ctx, const char *code,
			       struct span at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
struct diag_builder diag_warn(struct flang_ctx *ctx, const char *code,
			      struct span at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void diag_label(struct diag_builder b, struct span at);
void diag_note(struct diag_builder b, const struct span *at,
	       const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void diag_help(struct diag_builder b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void diag_redact(struct diag_builder b);

/* ---- tokens ---- */
enum tok_kind {
	TK_EOF,
	TK_IDENT,
	TK_NUMBER,	/* digits [ '.' digits ] [ unit ] */
	TK_STRING,	/* value is unescaped */
	TK_PARAM,	/* $name; value is the name */
	TK_SEMI, TK_COLON, TK_COMMA, TK_EQ, TK_LPAREN, TK_RPAREN,
	TK_LBRACK, TK_RBRACK, TK_LBRACE, TK_RBRACE, TK_ARROW, TK_DOTDOT,
	TK_PIPE, TK_PLUS, TK_MINUS, TK_STAR, TK_SLASH, TK_LT, TK_LE,
	TK_GT, TK_GE, TK_EQEQ, TK_NE, TK_ANDAND, TK_OROR, TK_BANG,
	TK_ERROR,	/* already diagnosed by the lexer */
};

struct token {
	enum tok_kind kind;
	struct span span;
	const char *text;	/* ident, string value, param name, number */
	const char *unit;	/* number: unit suffix, "" when none */
};

struct lexer {
	struct flang_ctx *ctx;
	const struct source *src;
	uint32_t pos, line, col;
};

void lexer_init(struct lexer *lx, struct flang_ctx *ctx,
		const struct source *src);
struct token lexer_next(struct lexer *lx);
const char *tok_kind_name(enum tok_kind k);

/* ---- values and units ---- */
enum vtype {
	VT_NONE,	/* error already reported */
	VT_INT,
	VT_SIZE,	/* bytes */
	VT_RATE,	/* bytes per second */
	VT_DURATION,	/* nanoseconds */
	VT_BOOL,
	VT_STRING,
	VT_SECRET,	/* keyring("...") or fd(N) */
	VT_FD,
	VT_RANGE,	/* u..u2, u2 == FLANG_RANGE_END for 'end' */
	VT_NAME,	/* a bare identifier: enum word or declared name */
	VT_END,		/* the word 'end' inside a range */
};

struct value {
	enum vtype type;
	uint64_t u, u2;
	enum vtype elem;	/* VT_RANGE: type of the bounds */
	const char *s;		/* string, name, keyring description */
	struct flang_secret secret;
	struct span span;
};

const char *vtype_name(enum vtype t);
int units_parse_number(struct flang_ctx *ctx, const struct token *tok,
		       struct value *out);
bool units_is_unit_word(const char *word);
void units_format(char *buf, size_t len, const struct value *v);
bool add_overflows(uint64_t a, uint64_t b, uint64_t *r);
bool mul_overflows(uint64_t a, uint64_t b, uint64_t *r);

/* ---- AST ---- */
enum expr_kind {
	EX_LITERAL,	/* number, string, bool: value precomputed */
	EX_NAME,	/* bare identifier */
	EX_PARAM,	/* $name */
	EX_CALL,	/* name(args): keyring, fd, near */
	EX_BINARY,
	EX_UNARY,
	EX_RANGE,
};

struct arg;
struct expr {
	enum expr_kind kind;
	struct span span;
	struct value lit;	/* EX_LITERAL */
	const char *name;	/* EX_NAME, EX_PARAM, EX_CALL */
	struct arg *args;	/* EX_CALL */
	enum tok_kind op;	/* EX_BINARY, EX_UNARY */
	struct expr *l, *r;	/* EX_BINARY, EX_RANGE (r may be EX_NAME end) */
};

/* name=value, or a positional value when name is NULL */
struct arg {
	const char *name;
	struct span name_span;
	struct expr *val;
	struct span span;
	struct arg *next;
};

struct param_decl;
struct device_decl;
struct pool_decl;

enum decl_kind { DK_PARAM, DK_DEVICE, DK_POOL, DK_FLOW };

struct param_decl {
	const char *name;
	struct span name_span, type_span, span;
	enum vtype type;
	struct expr *def;	/* may be NULL */
	struct value val;	/* resolved by the checker */
	bool resolving, resolved, used;
	struct param_decl *next;
};

struct device_decl {
	const char *name;
	struct span name_span, kind_span, span;
	const char *kind_name;
	struct arg *args;
	/* resolved */
	bool ok;
	enum flang_port_kind kind;
	const char *path, *pci;
	bool direct;
	int fd;
	unsigned int bar;
	uint32_t index;
	bool used;
	struct device_decl *next;
};

struct pool_decl {
	const char *name;
	struct span name_span, kind_span, span;
	const char *kind_name;
	struct arg *args;
	/* resolved */
	bool ok;
	enum flang_pool_kind kind;
	uint64_t size;
	bool has_size;
	struct span size_span;
	struct device_decl *near[2], *provider;
	int numa;
	uint32_t index;
	bool used;
	struct pool_decl *next;
};

/* One element of a chain: read(a), write(b), aead(...), tee, or a name. */
struct elem {
	const char *name;
	struct span name_span, span;
	struct arg *args;
	bool has_parens;
	struct elem *next_sink;	/* other sinks of a final "x, y" group */
	/* resolved by the checker */
	bool is_endpoint;
	struct device_decl *dev;
	enum flang_transform xf;
	uint64_t offset;
	struct span offset_span;
	const char *alg;
	struct flang_secret key;
	struct span key_span;
	uint64_t unit;		/* encrypt/decrypt data unit, 0 none */
	const char *engine;	/* a crypto driver name, or NULL */
	enum flang_engine_class engine_class;	/* engine=hw|sw */
	struct span engine_span;
	const char *nonce;	/* aead/unseal: 24 hex digits, or NULL */
};

struct hop {
	struct arg *settings;	/* the [chunk=, depth=, pool=] before elem */
	struct span settings_span;
	struct elem *elem;
	/* resolved: the buffer in front of elem (unused for the source) */
	struct pool_decl *pool;	/* NULL: host memory */
	enum flang_strength strength;
	uint64_t chunk;
	uint32_t depth;
	struct span chunk_span, depth_span, pool_span;
	bool host_inserted;	/* CPU stage next to p2p under 'preferred' */
	struct hop *next;
};

struct chain {
	struct hop *hops;	/* first hop has no settings: the source */
	struct span span;
	struct chain *next;
};

struct prop {
	const char *name;
	struct span name_span, span;
	struct expr *val;
	enum flang_strength strength;
	bool has_strength;
	struct span strength_span;
	struct prop *next;
};

struct action {
	enum flang_action_kind kind;
	struct span span, kw_span;
	struct expr *count;		/* retry */
	struct expr *backoff;		/* retry: a range of durations */
	const char *prop;		/* fallback */
	struct span prop_span;
	struct expr *val;		/* fallback */
	const char *level;		/* notify */
	struct span level_span;
	const char *msg;		/* abort, notify */
	/* resolved */
	uint32_t retries;
	uint64_t backoff_min, backoff_max, value;
	struct pool_decl *pool;		/* fallback pool=; NULL = host */
	enum flang_prop fprop;
	enum flang_notify_level nlevel;
	struct action *next;
};

struct handler {
	const char *event;
	struct span event_span, span;
	struct arg *devs;		/* io_error(a|b): positional names */
	struct action *actions;
	/* resolved */
	enum flang_event ev;
	uint64_t port_mask;
	struct handler *next;
};

struct assert_stmt {
	struct expr *cond;
	const char *msg;
	struct span span;
	struct assert_stmt *next;
};

struct flow_decl {
	const char *name;
	struct span name_span, span;
	struct arg *settings;
	struct chain *chains;
	struct prop *props;
	struct handler *handlers;
	struct assert_stmt *asserts;
	/* resolved */
	enum flang_priority priority;
	uint64_t rate, range_start, range_end;
	enum flang_engine_class engine_class;
	enum flang_strength engine_strength;
	struct span engine_span;
	struct flow_decl *next;
};

/*
 * Names to declarations, for the checker's duplicate checks and lookups:
 * 10000 flows made the pairwise scans quadratic (seconds of strcmp).
 * Open addressing, arena memory, the first declaration of a name wins.
 */
struct name_index {
	const char **keys;
	void **vals;
	uint32_t cap, n; /* cap is 0 or a power of two */
	bool failed; /* out of memory: lookups fall back */
};

/* The value stored for @name, or NULL. */
void *name_index_get(const struct name_index *ix, const char *name);
/*
 * Store @val under @name unless the name is there already; returns the
 * value stored first, or NULL when this put stored @val.
 */
void *name_index_put(struct arena *a, struct name_index *ix, const char *name,
		     void *val);

struct program {
	struct param_decl *params, **params_tail;
	struct device_decl *devices, **devices_tail;
	struct pool_decl *pools, **pools_tail;
	struct flow_decl *flows, **flows_tail;
	struct assert_stmt *asserts, **asserts_tail;
	unsigned int nflows, ndevices, npools;
	/* built by check_names(); before that, lookups scan the lists */
	bool indexed;
	struct name_index param_ix, device_ix, pool_ix, flow_ix;
};

/* ---- the context ---- */
struct param_override {
	char *name;
	char *text;		/* the value, compiled as a source */
	bool site;		/* flang_ctx_set_site_param: no E0205 */
	struct param_override *next;
};

struct flang_ctx {
	char **incdirs;
	size_t nincdirs;
	struct param_override *overrides;

	/* per compile */
	struct arena arena;
	struct source *sources;
	struct diag_list diags;
	struct program prog;
	struct flang_plan *plan;
	const struct source *include_stack[FLANG_MAX_INCLUDE_DEPTH];
	unsigned int include_depth;
};

/* ctx.c */
const struct source *ctx_load_include(struct flang_ctx *ctx,
				      const struct source *from,
				      const char *name, struct span at,
				      bool *already);
struct source *ctx_add_source(struct flang_ctx *ctx, const char *name,
			      const char *path, const char *text, size_t len);

/* parser.c */
void parse_source(struct flang_ctx *ctx, const struct source *src);
struct expr *parse_standalone_expr(struct flang_ctx *ctx,
				   const struct source *src);

/* eval.c */
/* MIN..MAX with MIN == MAX allowed (a backoff); else as eval_expr() */
struct value eval_closed_range(struct flang_ctx *ctx, const struct expr *e);
struct value eval_expr(struct flang_ctx *ctx, const struct expr *e,
		       bool in_range);
struct param_decl *find_param(struct flang_ctx *ctx, const char *name);
void resolve_param(struct flang_ctx *ctx, struct param_decl *p);
bool value_expect(struct flang_ctx *ctx, struct value *v, enum vtype want,
		  const char *what);

/* check.c */
void check_program(struct flang_ctx *ctx);
struct device_decl *find_device(struct flang_ctx *ctx, const char *name);
struct pool_decl *find_pool(struct flang_ctx *ctx, const char *name);
struct flow_decl *find_flow(struct flang_ctx *ctx, const char *name);

/* plan.c */
int plan_build(struct flang_ctx *ctx);

/* names.c-like helpers, in check.c */
const char *closest_word(const char *word, const char *const *words,
			 size_t n);

#endif /* FLOWLANG_INTERNAL_H */
