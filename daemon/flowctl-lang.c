// SPDX-License-Identifier: GPL-2.0
/*
 * flowctl check | explain | dot: the offline front end of the .flow
 * language.  All the work is in libflowlang; this file parses options,
 * prints what the library renders, and maps the result to an exit code:
 * 0 clean (warnings allowed), 1 the program has errors, 2 usage or I/O.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowctl.h"
#include "flowlang.h"

struct lang_opts {
	bool json;
	const char *file;
	const char *flow;	/* explain: only this flow */
	bool kernel;		/* explain: the module's verdicts too */
};

static void lang_usage(FILE *out, const char *cmd)
{
	if (!strcmp(cmd, "check"))
		fprintf(out, "usage: flowctl check FILE [--json] [-I DIR]... [-D NAME=VALUE]...\n");
	else if (!strcmp(cmd, "explain"))
		fprintf(out, "usage: flowctl explain FILE [FLOW] [--kernel] [-I DIR]... [-D NAME=VALUE]...\n");
	else
		fprintf(out, "usage: flowctl dot FILE [-I DIR]... [-D NAME=VALUE]...\n");
	fprintf(out,
		"  -I, --include DIR      search DIR for included files\n"
		"  -D, --define NAME=VAL  override param NAME\n");
	if (!strcmp(cmd, "check"))
		fprintf(out, "  -j, --json             diagnostics as JSON on stdout\n");
	if (!strcmp(cmd, "explain"))
		fprintf(out, "  -k, --kernel           add the running module's P2P verdicts\n");
}

/* Parse options into @o and @ctx; returns -1 after printing usage. */
static int lang_parse(int argc, char **argv, struct flang_ctx *ctx,
		      struct lang_opts *o, bool help_ok)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "include", required_argument, NULL, 'I' },
		{ "define", required_argument, NULL, 'D' },
		{ "kernel", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *cmd = argv[0];
	int c, err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jkI:D:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			if (strcmp(cmd, "check"))
				goto usage;
			o->json = true;
			break;
		case 'I':
			if (flang_ctx_add_include_path(ctx, optarg) < 0) {
				fprintf(stderr, "flowctl %s: out of memory\n", cmd);
				return -1;
			}
			break;
		case 'D':
			err = flang_ctx_set_param(ctx, optarg);
			if (err == -EINVAL) {
				fprintf(stderr, "flowctl %s: -D expects NAME=VALUE, got '%s'\n",
					cmd, optarg);
				return -1;
			}
			if (err < 0) {
				fprintf(stderr, "flowctl %s: out of memory\n", cmd);
				return -1;
			}
			break;
		case 'k':
			if (strcmp(cmd, "explain"))
				goto usage;
			o->kernel = true;
			break;
		case 'h':
			if (help_ok) {
				lang_usage(stdout, cmd);
				return 1;
			}
			goto usage;
		default:
			goto usage;
		}
	}
	if (optind >= argc)
		goto usage;
	o->file = argv[optind++];
	if (optind < argc && !strcmp(cmd, "explain"))
		o->flow = argv[optind++];
	if (optind < argc)
		goto usage;
	return 0;
usage:
	lang_usage(stderr, cmd);
	return -1;
}

static void print_and_free(FILE *out, char *s)
{
	if (s)
		fputs(s, out);
	free(s);
}

/*
 * Set up a context from argv and compile.  Returns the exit code to use
 * when the caller should stop (usage, I/O, errors), -1 to go on.
 */
static int lang_compile(int argc, char **argv, struct flang_ctx **ctxp,
			struct lang_opts *o)
{
	struct flang_ctx *ctx = flang_ctx_new();
	int ret;

	*ctxp = ctx;
	if (!ctx) {
		fprintf(stderr, "flowctl %s: out of memory\n", argv[0]);
		return 2;
	}
	ret = lang_parse(argc, argv, ctx, o, true);
	if (ret)
		return ret > 0 ? 0 : 2;
	ret = flang_compile_file(ctx, o->file);
	if (ret < 0) {
		fprintf(stderr, "flowctl %s: %s: %s\n", argv[0], o->file,
			strerror(-ret));
		return 2;
	}
	if (o->json)
		print_and_free(stdout, flang_diags_json(ctx));
	else
		print_and_free(stderr, flang_diags_text(ctx));
	return ret ? 1 : -1;
}

int flowctl_check(int argc, char **argv)
{
	struct lang_opts o = { 0 };
	struct flang_ctx *ctx;
	int ret = lang_compile(argc, argv, &ctx, &o);

	flang_ctx_free(ctx);
	return ret < 0 ? 0 : ret;
}

int flowctl_explain(int argc, char **argv)
{
	struct lang_opts o = { 0 };
	struct flang_ctx *ctx;
	int ret = lang_compile(argc, argv, &ctx, &o), err;
	char *text;

	if (ret >= 0)
		goto out;
	text = flang_plan_explain(ctx, o.flow, &err);
	if (!text) {
		if (err == -ENOENT)
			fprintf(stderr, "flowctl explain: %s has no flow '%s'\n",
				o.file, o.flow);
		else
			fprintf(stderr, "flowctl explain: out of memory\n");
		ret = 2;
		goto out;
	}
	print_and_free(stdout, text);
	ret = o.kernel ? flowctl_explain_kernel(flang_plan_get(ctx), o.flow,
						stdout) :
			 0;
out:
	flang_ctx_free(ctx);
	return ret;
}

int flowctl_dot(int argc, char **argv)
{
	struct lang_opts o = { 0 };
	struct flang_ctx *ctx;
	int ret = lang_compile(argc, argv, &ctx, &o);
	char *text;

	if (ret >= 0)
		goto out;
	text = flang_plan_dot(ctx);
	if (!text) {
		fprintf(stderr, "flowctl dot: out of memory\n");
		ret = 2;
		goto out;
	}
	print_and_free(stdout, text);
	ret = 0;
out:
	flang_ctx_free(ctx);
	return ret;
}
