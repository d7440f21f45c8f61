// SPDX-License-Identifier: GPL-2.0
/*
 * flowctl top: the flows of every owner, live.
 *
 *   flowctl top [--once] [--json] [--interval S] [--no-bpf]
 *
 * Each interval: the netlink flow dump (state, progress, queue occupancy,
 * pool and fallback reason) joined with what the BPF program on the
 * module's tracepoints counted per flow (daemon/bpf/flowswitch-top.bpf.c:
 * log2 histograms of chunk latency, chunks, errors).  The rate is the
 * bytes_done delta over the interval.  Where BPF cannot be used (built
 * without it, no privilege, no tracepoints) top says why and goes on with
 * the netlink figures alone: no latencies.  The BPF program counts from
 * the moment top attaches: chunks moved before are in bytes_done and
 * chunks_done, not in the histograms.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "flowctl.h"
#include "flowswitch-nl.h"
#include "flowswitch.h"

#ifdef FSW_TOP_BPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "flowswitch-top.h"
#include "flowswitch-top.skel.h"
#else
/* Same layout without the BPF build: nothing fills it. */
#include <linux/types.h>
#include "bpf/flowswitch-top.h"
#endif

struct top_flow {
	struct fsw_nl_flow nl;
	bool have_bpf;
	struct fsw_top_val bpf;
};

struct top_sample {
	struct top_flow *flows;
	size_t nr, cap;
	struct timespec at;
};

struct top {
	bool json, once;
	double interval;
	struct fsw_nl *nl;
#ifdef FSW_TOP_BPF
	struct flowswitch_top *skel;
#endif
	bool bpf;
	char bpf_why[512]; /* why BPF is not used */
	struct top_sample prev, cur;
	bool have_prev;
};

static volatile sig_atomic_t top_stop;

static void on_signal(int sig)
{
	top_stop = 1;
}

/* ---- BPF ---------------------------------------------------------- */

#ifdef FSW_TOP_BPF
static char libbpf_last[128];

/* libbpf's complaints: kept for the reason, shown with FSW_DEBUG. */
static int libbpf_quiet(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	va_list aq;

	if (level == LIBBPF_DEBUG)
		return 0;
	va_copy(aq, ap);
	vsnprintf(libbpf_last, sizeof(libbpf_last), fmt, aq);
	va_end(aq);
	libbpf_last[strcspn(libbpf_last, "\n")] = 0;
	return getenv("FSW_DEBUG") ? vfprintf(stderr, fmt, ap) : 0;
}

static void bpf_start(struct top *t)
{
	int ret;

	libbpf_set_print(libbpf_quiet);
	t->skel = flowswitch_top__open_and_load();
	if (!t->skel) {
		ret = -errno;
		snprintf(t->bpf_why, sizeof(t->bpf_why),
			 "loading the BPF program: %s%s%s%s", strerror(-ret),
			 ret == -EPERM
				 ? " (needs CAP_BPF and CAP_PERFMON, or root)"
				 : "",
			 libbpf_last[0] ? "; libbpf: " : "", libbpf_last);
		return;
	}
	ret = flowswitch_top__attach(t->skel);
	if (ret) {
		snprintf(t->bpf_why, sizeof(t->bpf_why),
			 "attaching to the flowswitch tracepoints: %s%s",
			 strerror(-ret),
			 ret == -ENOENT ? " (flowswitch.ko not loaded, or "
					  "tracefs not mounted)"
			 : ret == -EPERM
				 ? " (needs CAP_BPF and CAP_PERFMON, or root)"
				 : "");
		flowswitch_top__destroy(t->skel);
		t->skel = NULL;
		return;
	}
	t->bpf = true;
}

static void bpf_stop(struct top *t)
{
	if (t->skel)
		flowswitch_top__destroy(t->skel);
}

static void bpf_join(struct top *t, struct top_flow *f)
{
	struct fsw_top_key k = {.owner = f->nl.owner.id, .flow = f->nl.id};

	f->have_bpf = t->bpf &&
		      !bpf_map__lookup_elem(t->skel->maps.flows, &k, sizeof(k),
					    &f->bpf, sizeof(f->bpf), 0);
}
#else
static void bpf_start(struct top *t)
{
	snprintf(t->bpf_why, sizeof(t->bpf_why),
		 "flowctl was built without BPF (make BPF=0, or no "
		 "clang/bpftool)");
}

static void bpf_stop(struct top *t)
{
}

static void bpf_join(struct top *t, struct top_flow *f)
{
	f->have_bpf = false;
}
#endif

/* ---- samples ------------------------------------------------------ */

static int take_flow(const struct fsw_nl_flow *f, void *arg)
{
	struct top_sample *s = arg;

	if (s->nr == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		void *p = realloc(s->flows, cap * sizeof(*s->flows));

		if (!p)
			return -ENOMEM;
		s->flows = p;
		s->cap = cap;
	}
	memset(&s->flows[s->nr], 0, sizeof(s->flows[0]));
	s->flows[s->nr++].nl = *f;
	return 0;
}

static int sample(struct top *t)
{
	size_t i;
	int ret;

	t->cur.nr = 0;
	ret = fsw_nl_dump_flows(t->nl, 0, take_flow, &t->cur);
	clock_gettime(CLOCK_MONOTONIC, &t->cur.at);
	if (ret)
		return ret;
	for (i = 0; i < t->cur.nr; i++)
		bpf_join(t, &t->cur.flows[i]);
	return 0;
}

static const struct top_flow *prev_of(const struct top *t,
				      const struct top_flow *f)
{
	size_t i;

	if (!t->have_prev)
		return NULL;
	for (i = 0; i < t->prev.nr; i++)
		if (t->prev.flows[i].nl.owner.id == f->nl.owner.id &&
		    t->prev.flows[i].nl.id == f->nl.id)
			return &t->prev.flows[i];
	return NULL;
}

static double elapsed(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	       (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* Bytes/s over the interval; -1 when there is no earlier sample. */
static double rate_of(const struct top *t, const struct top_flow *f)
{
	const struct top_flow *p = prev_of(t, f);
	double dt = elapsed(&t->prev.at, &t->cur.at);

	if (!p || dt <= 0 || f->nl.bytes_done < p->nl.bytes_done)
		return -1;
	return (double)(f->nl.bytes_done - p->nl.bytes_done) / dt;
}

/*
 * The upper bound of the bucket holding the @q quantile (so "p99 <= x"),
 * 0 with no chunks.
 */
static uint64_t quantile_ns(const struct fsw_top_val *v, double q)
{
	uint64_t want, seen = 0;
	unsigned int b;

	if (!v->chunks)
		return 0;
	want = (uint64_t)ceil(q * (double)v->chunks);
	if (!want)
		want = 1;
	for (b = 0; b < FSW_TOP_LAT_BUCKETS; b++) {
		seen += v->lat[b];
		if (seen >= want)
			break;
	}
	if (b >= FSW_TOP_LAT_BUCKETS - 1)
		return UINT64_MAX; /* 2^64 does not fit */
	return 2ULL << b;
}

static bool is_fallback(const struct fsw_nl_flow *f)
{
	return f->pool == FLOWSWITCH_POOL_HOST && f->p2p_reason;
}

/* ---- output ------------------------------------------------------- */

#define J_ADD(j, k, v) json_object_object_add(j, k, v)
#define J_U64(j, k, v) J_ADD(j, k, json_object_new_uint64(v))
#define J_STR(j, k, v) J_ADD(j, k, json_object_new_string(v))

static json_object *latency_json(const struct fsw_top_val *v)
{
	json_object *j = json_object_new_object(), *h = json_object_new_array();
	unsigned int b;

	J_U64(j, "chunks", v->chunks);
	J_U64(j, "bytes", v->bytes);
	J_U64(j, "errors", v->errors);
	J_U64(j, "reads", v->reads);
	J_U64(j, "writes", v->writes);
	J_U64(j, "fallbacks", v->fallbacks);
	J_U64(j, "p50_ns", quantile_ns(v, 0.50));
	J_U64(j, "p99_ns", quantile_ns(v, 0.99));
	J_U64(j, "mean_ns", v->chunks ? v->lat_sum_ns / v->chunks : 0);
	for (b = 0; b < FSW_TOP_LAT_BUCKETS; b++) {
		json_object *o;

		if (!v->lat[b])
			continue;
		o = json_object_new_object();
		J_U64(o, "lo_ns", b ? 1ULL << b : 0);
		J_U64(o, "hi_ns", b < 63 ? 2ULL << b : UINT64_MAX);
		J_U64(o, "count", v->lat[b]);
		json_object_array_add(h, o);
	}
	J_ADD(j, "histogram", h);
	return j;
}

static void print_json(const struct top *t, const struct fsw_nl_stats *st)
{
	json_object *j = json_object_new_object(),
		    *arr = json_object_new_array();
	size_t i;

	J_STR(j, "telemetry", t->bpf ? "bpf" : "netlink");
	J_ADD(j, "bpf_unavailable",
	      t->bpf ? NULL : json_object_new_string(t->bpf_why));
	J_ADD(j, "interval_s",
	      json_object_new_double(
		      t->have_prev ? elapsed(&t->prev.at, &t->cur.at) : 0));
	J_U64(j, "p2p_fallbacks", st->fallbacks);
	for (i = 0; i < t->cur.nr; i++) {
		const struct top_flow *f = &t->cur.flows[i];
		json_object *o = json_object_new_object();
		double rate = rate_of(t, f);

		J_U64(o, "owner", f->nl.owner.id);
		J_U64(o, "pid", f->nl.owner.pid);
		J_STR(o, "comm", f->nl.owner.comm);
		J_U64(o, "id", f->nl.id);
		if (f->nl.name[0])
			J_STR(o, "name", f->nl.name);
		J_STR(o, "state", fsw_state_name(f->nl.state));
		J_U64(o, "length", f->nl.length);
		J_U64(o, "bytes_done", f->nl.bytes_done);
		J_U64(o, "chunks_done", f->nl.chunks_done);
		J_ADD(o, "rate_bps",
		      rate < 0 ? NULL : json_object_new_uint64((uint64_t)rate));
		J_U64(o, "rate_limit_bps", f->nl.rate);
		J_U64(o, "in_flight", f->nl.in_flight);
		J_U64(o, "depth", f->nl.depth);
		J_STR(o, "pool",
		      f->nl.pool == FLOWSWITCH_POOL_P2P ? "p2p" : "host");
		J_ADD(o, "fallback",
		      is_fallback(&f->nl)
			      ? json_object_new_string(
					fsw_p2p_reason_name(f->nl.p2p_reason))
			      : NULL);
		J_ADD(o, "latency", f->have_bpf ? latency_json(&f->bpf) : NULL);
		json_object_array_add(arr, o);
	}
	J_ADD(j, "flows", arr);
	printf("%s\n",
	       json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
	json_object_put(j);
	fflush(stdout);
}

static void human_bytes(double b, char *buf, size_t len)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	unsigned int u = 0;

	while (b >= 1024 && u < 4) {
		b /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", b, units[u]);
}

static void human_ns(uint64_t ns, char *buf, size_t len)
{
	if (ns == UINT64_MAX)
		snprintf(buf, len, "huge");
	else if (ns >= 1000000000ULL)
		snprintf(buf, len, "%.1fs", (double)ns / 1e9);
	else if (ns >= 1000000)
		snprintf(buf, len, "%.1fms", (double)ns / 1e6);
	else
		snprintf(buf, len, "%.0fus", (double)ns / 1e3);
}

static void print_text(const struct top *t, const struct fsw_nl_stats *st,
		       bool tty)
{
	char rate[24], p50[16], p99[16], pct[8], name[20];
	size_t i;

	if (tty && !t->once)
		printf("\033[H\033[2J");
	printf("flowswitch: %zu flow(s), %u p2p fallback(s); telemetry: %s%s\n",
	       t->cur.nr, st->fallbacks,
	       t->bpf ? "bpf on the flowswitch tracepoints" : "netlink only: ",
	       t->bpf ? "" : t->bpf_why);
	printf("%-6s %-7s %-4s %-19s %-8s %5s %12s %7s %9s %9s %8s %s\n",
	       "OWNER", "PID", "ID", "NAME", "STATE", "DONE", "RATE", "QUEUE",
	       "P50", "P99", "CHUNKS", "FALLBACK");
	for (i = 0; i < t->cur.nr; i++) {
		const struct top_flow *f = &t->cur.flows[i];
		double r = rate_of(t, f);

		if (r < 0)
			snprintf(rate, sizeof(rate), "-");
		else {
			human_bytes(r, rate, sizeof(rate) - 2);
			strcat(rate, "/s");
		}
		snprintf(pct, sizeof(pct), "%3u%%",
			 f->nl.length ? (unsigned int)(f->nl.bytes_done * 100 /
						       f->nl.length)
				      : 0);
		snprintf(p50, sizeof(p50), "-");
		snprintf(p99, sizeof(p99), "-");
		if (f->have_bpf && f->bpf.chunks) {
			human_ns(quantile_ns(&f->bpf, 0.5), p50, sizeof(p50));
			human_ns(quantile_ns(&f->bpf, 0.99), p99, sizeof(p99));
		}
		snprintf(name, sizeof(name), "%.19s",
			 f->nl.name[0] ? f->nl.name : "-");
		printf("%-6u %-7u %-4u %-19s %-8s %5s %12s %3u/%-3u %9s %9s "
		       "%8" PRIu64 " %s\n",
		       f->nl.owner.id, f->nl.owner.pid, f->nl.id, name,
		       fsw_state_name(f->nl.state), pct, rate, f->nl.in_flight,
		       f->nl.depth, p50, p99, f->nl.chunks_done,
		       is_fallback(&f->nl)
			       ? fsw_p2p_reason_name(f->nl.p2p_reason)
			       : "-");
	}
	if (!t->cur.nr)
		printf("(no flows)\n");
	fflush(stdout);
}

static void usage(FILE *out)
{
	fprintf(out, "usage: flowctl top [--once] [--json] [--interval S] "
		     "[--no-bpf]\n"
		     "  the flows of every owner, live: progress, rate, queue, "
		     "p50/p99\n"
		     "  chunk latency (BPF on the module's tracepoints), "
		     "fallbacks.\n"
		     "  --once: one sample after one interval (default 1 s)\n");
}

int flowctl_top(int argc, char **argv)
{
	static const struct option opts[] = {
		{"once", no_argument, NULL, '1'},
		{"json", no_argument, NULL, 'j'},
		{"interval", required_argument, NULL, 'i'},
		{"no-bpf", no_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{}};
	struct top t = {.interval = 1.0};
	bool no_bpf = false, tty = isatty(1);
	struct fsw_nl_stats st;
	struct top_sample swap;
	struct timespec ts;
	char *end;
	int c, ret;

	while ((c = getopt_long(argc, argv, "1ji:nh", opts, NULL)) != -1) {
		switch (c) {
		case '1':
			t.once = true;
			break;
		case 'j':
			t.json = true;
			break;
		case 'i':
			errno = 0;
			t.interval = strtod(optarg, &end);
			if (errno || *end || !(t.interval >= 0.01) ||
			    t.interval > 3600) {
				fprintf(stderr,
					"flowctl top: bad interval '%s' (0.01 "
					"to 3600 s)\n",
					optarg);
				return 2;
			}
			break;
		case 'n':
			no_bpf = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	ret = fsw_nl_open(&t.nl);
	if (ret) {
		fprintf(stderr,
			ret == -ENOENT ? "flowctl top: no netlink family '%s': "
					 "is flowswitch.ko loaded?\n"
				       : "flowctl top: netlink: %s\n",
			ret == -ENOENT ? FLOWSWITCH_GENL_NAME : strerror(-ret));
		return 1;
	}
	if (no_bpf)
		snprintf(t.bpf_why, sizeof(t.bpf_why), "--no-bpf");
	else
		bpf_start(&t);
	if (t.bpf)
		fprintf(stderr, "flowctl top: bpf: attached to 4 flowswitch "
				"tracepoints\n");
	else
		fprintf(stderr,
			"flowctl top: BPF telemetry unavailable: %s; netlink "
			"stats only (rates from bytes_done, no latencies)\n",
			t.bpf_why);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	ret = sample(&t);
	while (!ret && !top_stop) {
		t.have_prev = true;
		swap = t.prev;
		t.prev = t.cur;
		t.cur = swap;
		ts.tv_sec = (time_t)t.interval;
		ts.tv_nsec = (long)((t.interval - (double)ts.tv_sec) * 1e9);
		while (nanosleep(&ts, &ts) && errno == EINTR && !top_stop)
			;
		ret = sample(&t);
		if (!ret)
			ret = fsw_nl_get_stats(t.nl, &st);
		if (ret)
			break;
		if (t.json)
			print_json(&t, &st);
		else
			print_text(&t, &st, tty);
		if (t.once)
			break;
	}
	if (ret) {
		const char *msg = fsw_nl_error(t.nl);

		fprintf(stderr, "flowctl top: netlink: %s%s%s%s%s\n",
			strerror(-ret), *msg ? " (" : "", msg, *msg ? ")" : "",
			ret == -EPERM ? "; the dumps need CAP_NET_ADMIN" : "");
	}
	bpf_stop(&t);
	fsw_nl_close(t.nl);
	free(t.prev.flows);
	free(t.cur.flows);
	return ret ? 1 : 0;
}
