// SPDX-License-Identifier: GPL-2.0
/*
 * flowd's admission control: an allow-list of devices and bandwidth
 * budgets per uid and per device, from flowd.conf.  A file is admitted
 * whole or not at all; see daemon/FLOWD.md for the format.
 */
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowd.h"
#include "flowswitch.h"

void flowd_admit_free(struct flowd_admit *a)
{
	unsigned int i;

	for (i = 0; i < a->nrules; i++)
		free(a->rules[i].pattern);
	free(a->rules);
	memset(a, 0, sizeof(*a));
}

/* "500MiB/s", "1G/s", "1000000": bytes per second. */
static int parse_rate(const char *s, uint64_t *out)
{
	char buf[64];
	size_t n = strlen(s);
	unsigned long long v;

	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n + 1);
	if (n > 2 && !strcmp(buf + n - 2, "/s"))
		buf[n - 2] = 0;
	if (fsw_parse_size(buf, &v) || !v)
		return -EINVAL;
	*out = v;
	return 0;
}

static int add_rule(struct flowd_admit *a, const struct flowd_rule *r)
{
	struct flowd_rule *n = realloc(a->rules, (a->nrules + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	a->rules = n;
	a->rules[a->nrules] = *r;
	a->rules[a->nrules].pattern = r->pattern ? strdup(r->pattern) : NULL;
	if (r->pattern && !a->rules[a->nrules].pattern)
		return -ENOMEM;
	a->nrules++;
	return 0;
}

int flowd_admit_parse(struct flowd_admit *a, const char *path, const char *text,
		      char *err, size_t errlen)
{
	unsigned int line = 0;
	const char *p = text;

	memset(a, 0, sizeof(*a));
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char buf[512], *w[5], *save = NULL, *c;
		struct flowd_rule r = {.line = ++line};
		unsigned int nw = 0;
		int ret = 0;

		if (n >= sizeof(buf)) {
			snprintf(err, errlen, "%s:%u: line too long", path,
				 line);
			goto bad;
		}
		memcpy(buf, p, n);
		buf[n] = 0;
		p = nl ? nl + 1 : NULL;
		c = strchr(buf, '#');
		if (c)
			*c = 0;
		for (c = strtok_r(buf, " \t\r", &save); c && nw < 5;
		     c = strtok_r(NULL, " \t\r", &save))
			w[nw++] = c;
		if (!nw)
			continue;
		if (!strcmp(w[0], "allow") && nw == 2) {
			r.kind = FLOWD_RULE_ALLOW;
			r.pattern = w[1];
			a->any_allow = true;
		} else if (!strcmp(w[0], "budget") && nw == 4 &&
			   !strcmp(w[1], "uid")) {
			char *end;
			unsigned long u = strtoul(w[2], &end, 10);

			if (*end || end == w[2]) {
				snprintf(err, errlen,
					 "%s:%u: '%s' is not a uid", path, line,
					 w[2]);
				goto bad;
			}
			r.kind = FLOWD_RULE_UID;
			r.uid = (uid_t)u;
			ret = parse_rate(w[3], &r.rate);
		} else if (!strcmp(w[0], "budget") && nw == 4 &&
			   !strcmp(w[1], "device")) {
			r.kind = FLOWD_RULE_DEVICE;
			r.pattern = w[2];
			ret = parse_rate(w[3], &r.rate);
		} else if (!strcmp(w[0], "unlimited") && nw == 2 &&
			   (!strcmp(w[1], "refuse") ||
			    !strcmp(w[1], "clamp"))) {
			a->clamp = !strcmp(w[1], "clamp");
			continue;
		} else {
			snprintf(err, errlen,
				 "%s:%u: expected 'allow PATH', 'budget uid "
				 "UID RATE', 'budget device PATH RATE' or "
				 "'unlimited refuse|clamp'",
				 path, line);
			goto bad;
		}
		if (ret) {
			snprintf(err, errlen,
				 "%s:%u: '%s' is not a rate (e.g. 500MiB/s)",
				 path, line, w[3]);
			goto bad;
		}
		if (add_rule(a, &r)) {
			snprintf(err, errlen, "%s:%u: out of memory", path,
				 line);
			goto bad;
		}
	}
	return 0;
bad:
	flowd_admit_free(a);
	return -EINVAL;
}

static bool uses(const struct flowd_admit_flow *f, const char *pattern)
{
	unsigned int i;

	for (i = 0; i < f->ndevs; i++)
		if (!fnmatch(pattern, f->devs[i], 0))
			return true;
	return false;
}

/* What @r's budget has left once @running and @asked[0..upto) are in. */
static int budget_left(const struct flowd_rule *r,
		       const struct flowd_admit_flow *running,
		       unsigned int nrun, const struct flowd_admit_flow *asked,
		       unsigned int upto, uint64_t *left, bool *unlimited)
{
	uint64_t used = 0;
	unsigned int i;

	*unlimited = false;
	for (i = 0; i < nrun + upto; i++) {
		const struct flowd_admit_flow *f =
			i < nrun ? &running[i] : &asked[i - nrun];

		if (r->kind == FLOWD_RULE_UID ? f->uid != r->uid
					      : !uses(f, r->pattern))
			continue;
		if (!f->rate)
			*unlimited = true;
		used += f->rate;
	}
	*left = used >= r->rate ? 0 : r->rate - used;
	return 0;
}

static const char *rule_what(const struct flowd_rule *r, char *buf, size_t n)
{
	if (r->kind == FLOWD_RULE_UID)
		snprintf(buf, n, "uid %u", (unsigned int)r->uid);
	else
		snprintf(buf, n, "device %s", r->pattern);
	return buf;
}

int flowd_admit_check(const struct flowd_admit *a,
		      const struct flowd_admit_flow *running, unsigned int nrun,
		      struct flowd_admit_flow *asked, unsigned int nasked,
		      char *why, size_t len)
{
	uint64_t clamped[FLANG_TXN_MAX_ITEMS_ADMIT];
	unsigned int i, j, k;
	char what[300];

	if (nasked > FLANG_TXN_MAX_ITEMS_ADMIT) {
		snprintf(why, len, "%u flows in one file: at most %u", nasked,
			 FLANG_TXN_MAX_ITEMS_ADMIT);
		return -E2BIG;
	}
	for (i = 0; i < nasked; i++) {
		clamped[i] = asked[i].rate;
		if (!a->any_allow)
			continue;
		for (j = 0; j < asked[i].ndevs; j++) {
			for (k = 0; k < a->nrules; k++)
				if (a->rules[k].kind == FLOWD_RULE_ALLOW &&
				    !fnmatch(a->rules[k].pattern,
					     asked[i].devs[j], 0))
					break;
			if (k == a->nrules) {
				snprintf(why, len,
					 "flow '%s': device %s is not in the "
					 "allow-list",
					 asked[i].name, asked[i].devs[j]);
				return -EACCES;
			}
		}
	}
	/* Budgets, flow by flow, so each sees those admitted before it. */
	for (i = 0; i < nasked; i++) {
		struct flowd_admit_flow *f = &asked[i];

		for (k = 0; k < a->nrules; k++) {
			const struct flowd_rule *r = &a->rules[k];
			uint64_t left;
			bool unl;

			if (r->kind == FLOWD_RULE_ALLOW ||
			    (r->kind == FLOWD_RULE_UID ? f->uid != r->uid
						       : !uses(f, r->pattern)))
				continue;
			budget_left(r, running, nrun, asked, i, &left, &unl);
			rule_what(r, what, sizeof(what));
			if (unl || !left) {
				snprintf(why, len,
					 "flow '%s': the budget of %s (%" PRIu64
					 " B/s, line %u) is used up%s",
					 f->name, what, r->rate, r->line,
					 unl ? " by an unlimited flow" : "");
				goto refuse;
			}
			if (!f->rate && a->clamp) {
				f->rate = left;
			} else if (!f->rate) {
				snprintf(why, len,
					 "flow '%s' has no rate limit but %s "
					 "has a budget (%" PRIu64
					 " B/s, line %u): give it a rate, or "
					 "set 'unlimited clamp'",
					 f->name, what, r->rate, r->line);
				goto refuse;
			} else if (f->rate > left && !clamped[i] && a->clamp) {
				f->rate = left;
			} else if (f->rate > left) {
				snprintf(why, len,
					 "flow '%s' asks %" PRIu64
					 " B/s; the budget of %s (%" PRIu64
					 " B/s, line %u) has %" PRIu64
					 " B/s left",
					 f->name, f->rate, what, r->rate,
					 r->line, left);
				goto refuse;
			}
		}
	}
	return 0;
refuse:
	for (i = 0; i < nasked; i++)
		asked[i].rate = clamped[i];
	return -EDQUOT;
}
