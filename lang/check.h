/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared between the two halves of the checker (check.c, flows.c). */
#ifndef FLOWLANG_CHECK_H
#define FLOWLANG_CHECK_H

#include "internal.h"

#define ARG_SPEC_MAX 8

struct arg_spec {
	const char *name;
	enum vtype type;	/* VT_NONE: caller interprets the expression */
	bool required;
	bool positional;	/* may be given without NAME= */
	const char *example;	/* for the help line when missing */
	bool raw;		/* not evaluated: the caller reads the expr */
};

void match_args(struct flang_ctx *ctx, const char *what, struct span at,
		struct arg *args, const struct arg_spec *spec, size_t n,
		struct value *out, struct arg **out_arg);
void duplicate(struct flang_ctx *ctx, const char *what, const char *name,
	       struct span again, struct span first);
struct device_decl *resolve_device(struct flang_ctx *ctx,
				   const struct expr *e, const char *role);

/* What the flow's properties say, gathered before the chains. */
struct flow_state {
	struct flow_decl *f;
	struct prop *pool_prop;		/* the required/preferred pool */
	struct pool_decl *pool; /* its target; NULL = host */
	struct prop *by_prop[FLANG_PROP_ENGINE + 1];
	uint64_t chunk;
	uint32_t depth;
	struct span chunk_span, depth_span;
	bool has_socket, has_transform, has_p2p;
	bool has_crypto;	/* a transform the engine property applies to */
	uint32_t align_reported;	/* offset+1 of the last E0410 span */
	struct span rate_span;		/* where [rate=] was set */
	struct span range_span;		/* where the range was set */
	uint64_t endpoints;		/* bit per device index */
};

void check_flow(struct flang_ctx *ctx, struct flow_decl *f);
void check_handler(struct flang_ctx *ctx, struct flow_state *st,
		   struct handler *hd, struct handler *first);
void check_preferred(struct flang_ctx *ctx, struct flow_state *st);
bool value_ok_for(struct flang_ctx *ctx, enum flang_prop prop,
		  struct value *v, struct pool_decl **pool);
int prop_index(const char *name);
struct prop *forbidden_by(const struct flow_state *st,
			  const struct pool_decl *pool);
void check_pool_budgets(struct flang_ctx *ctx);

bool pool_is_p2p(const struct pool_decl *p);
bool xf_uses_cpu(enum flang_transform xf);

/* defaults when a chain does not say */
#define DEFAULT_CHUNK (1ull << 20)
#define DEFAULT_DEPTH 8u
#define MAX_DEPTH 4096u
#define MAX_CHUNK (1ull << 30)
#define MAX_RETRIES 1000u

#endif /* FLOWLANG_CHECK_H */
