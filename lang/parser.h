/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the statement parser (parser.c) and expressions (expr.c). */
#ifndef FLOWLANG_PARSER_H
#define FLOWLANG_PARSER_H

#include "internal.h"

struct parser {
	struct flang_ctx *ctx;
	struct lexer lx;
	struct token tok, next;
	struct span prev;	/* span of the last consumed token */
	bool panic;		/* an error was reported in this statement */
	unsigned int stmt_errors;	/* error count when it started */
	unsigned int depth;	/* expression nesting, capped */
};

void *node(struct parser *p, size_t size);
void bump(struct parser *p);
bool at(struct parser *p, enum tok_kind k);
bool at_word(struct parser *p, const char *w);
bool accept(struct parser *p, enum tok_kind k);
struct diag_builder syntax_error(struct parser *p, const char *what);
bool expect(struct parser *p, enum tok_kind k, const char *what);
const char *expect_ident(struct parser *p, const char *what,
			 struct span *sp);

struct expr *new_expr(struct parser *p, enum expr_kind k, struct span sp);
struct arg *parse_args(struct parser *p, enum tok_kind close);
struct expr *parse_primary(struct parser *p);
struct expr *parse_binary(struct parser *p, int min_prec);
struct expr *parse_expr(struct parser *p);

#endif /* FLOWLANG_PARSER_H */
