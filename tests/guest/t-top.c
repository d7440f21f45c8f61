// SPDX-License-Identifier: GPL-2.0
/*
 * flowctl top, end to end.  `flowctl top --once --json --interval 4`
 * attaches its BPF program to the module's tracepoints; while it waits,
 * this test copies 8 MiB of NVMe A to NVMe B in 256 KiB chunks.  The one
 * sample top prints must show the flow with a latency histogram whose
 * counts add up to exactly the chunks the flow moved (chunks_done of the
 * query), p50 <= p99, and the bytes.  Then --no-bpf: the netlink figures
 * alone, no latencies, and the reason said.  BPF needs no BTF here (the
 * programs read the trace records by their fixed layout), so this runs
 * on the stock and the debug kernel alike.  Uses 340 to 348 MiB of A, B.
 */
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include <json-c/json.h>

#include "flowtest.h"

#define OFF (340 * MiB)
#define LEN (8 * MiB)
#define CHUNK (256 * KiB)

static char err_buf[8192];

static void slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? 0 : read(fd, buf, len - 1);

	buf[n > 0 ? n : 0] = 0;
	if (fd >= 0)
		close(fd);
}

/* Start /bin/flowctl top with @args; stdout to @out, stderr to @err. */
static pid_t top_start(const char *const *args, const char *out,
		       const char *err)
{
	const char *argv[10] = {"flowctl", "top"};
	pid_t pid;
	int i;

	for (i = 0; args[i] && i < 7; i++)
		argv[i + 2] = args[i];
	pid = fork();
	if (!pid) {
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(127);
		execv("/bin/flowctl", (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static int top_wait(pid_t pid)
{
	int status;

	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static json_object *jget(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (o)
		json_object_object_get_ex(o, key, &v);
	return v;
}

/* Our flow @id in top's JSON (owner pid is ours). */
static json_object *our_flow(json_object *j, int id)
{
	json_object *flows = jget(j, "flows");
	size_t i;

	for (i = 0; flows && i < json_object_array_length(flows); i++) {
		json_object *f = json_object_array_get_idx(flows, i);

		if (json_object_get_int(jget(f, "id")) == id &&
		    json_object_get_int64(jget(f, "pid")) == getpid())
			return f;
	}
	return NULL;
}

int main(void)
{
	static const char *const bpf_args[] = {"--once", "--json", "--interval",
					       "4", NULL};
	static const char *const nl_args[] = {
		"--once", "--json", "--no-bpf", "--interval", "0.3", NULL};
	struct flowswitch_sink sink = {.offset = OFF};
	struct flowswitch_flow_create fc = {
		.src_offset = OFF,
		.length = LEN,
		.chunk_size = CHUNK,
		.depth = 4,
		.nr_sinks = 1,
		.sinks_uptr = (uintptr_t)&sink,
	};
	json_object *j, *f, *lat, *hist;
	struct flowswitch_flow_create fc2;
	struct flowswitch_flow_query q;
	uint64_t sum = 0, p50, p99, counted;
	int id2, fell_back;
	const char *a, *b, *s;
	unsigned int state;
	int fsw, id, rc, i;
	size_t k;
	pid_t pid;

	if (access("/bin/flowctl", X_OK)) {
		fprintf(stderr, "no /bin/flowctl\n");
		return T_FAIL;
	}
	/* libbpf finds tracepoints in tracefs. */
	if (access("/sys/kernel/tracing/events", F_OK) &&
	    access("/sys/kernel/debug/tracing/events", F_OK))
		mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL);
	a = nvme_by_serial("fswA");
	b = nvme_by_serial("fswB");
	fsw = fsw_open(NULL);
	if (!a || !b || fsw < 0)
		return T_FAIL;
	fc.src_port_id = port_on(fsw, a, O_RDONLY, FLOWSWITCH_PORT_READ);
	sink.port_id = port_on(fsw, b, O_WRONLY, FLOWSWITCH_PORT_WRITE);
	id = fsw_flow_create(fsw, &fc);
	CHECK(id > 0, "flow: %s", strerror(-id));
	if (id <= 0)
		return T_FAIL;

	pid = top_start(bpf_args, "/tmp/top.json", "/tmp/top.err");
	/* Start the flow only once top has attached (or given up). */
	for (i = 0; i < 500; i++) {
		slurp("/tmp/top.err", err_buf, sizeof(err_buf));
		if (strstr(err_buf, "attached") ||
		    strstr(err_buf, "unavailable") || strstr(err_buf, "top: "))
			break;
		usleep(20000);
	}
	CHECK(strstr(err_buf, "bpf: attached"), "top did not attach: %s",
	      err_buf);
	/*
	 * A PREFERRED flow: where it gets host memory the kernel says why
	 * (FALLBACK event, fallback tracepoint): top must count it.
	 */
	fc2 = fc;
	fc2.placement = FLOWSWITCH_P2P_PREFERRED;
	fc2.length = 1 * MiB;
	id2 = fsw_flow_create(fsw, &fc2);
	CHECK(id2 > 0, "preferred flow: %s", strerror(-id2));
	fell_back = id2 > 0 && fc2.out_pool == FLOWSWITCH_POOL_HOST &&
		    fc2.out_p2p_reason != FLOWSWITCH_P2P_OK;
	CHECK(!fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_START), "start");
	CHECK(!fsw_flow_wait(fsw, id, 0, &state) &&
		      state == FLOWSWITCH_FLOW_DONE,
	      "flow: %s", fsw_state_name(state));
	CHECK(!fsw_flow_query(fsw, id, &q), "query");
	rc = top_wait(pid);
	slurp("/tmp/top.err", err_buf, sizeof(err_buf));
	CHECK(rc == 0, "flowctl top: exit %d: %s", rc, err_buf);
	j = json_object_from_file("/tmp/top.json");
	CHECK(j, "top --json: not JSON: %s", json_util_get_last_err());
	s = json_object_get_string(jget(j, "telemetry"));
	CHECK(s && !strcmp(s, "bpf"), "telemetry %s: %s", s ? s : "?",
	      json_object_get_string(jget(j, "bpf_unavailable")));
	f = our_flow(j, id);
	CHECK(f, "our flow %d not in top's sample", id);
	lat = jget(f, "latency");
	CHECK(lat, "no latency for our flow");
	if (f && lat) {
		hist = jget(lat, "histogram");
		for (k = 0; hist && k < json_object_array_length(hist); k++)
			sum += json_object_get_uint64(jget(
				json_object_array_get_idx(hist, k), "count"));
		p50 = json_object_get_uint64(jget(lat, "p50_ns"));
		p99 = json_object_get_uint64(jget(lat, "p99_ns"));
		printf("top: flow %d: %llu chunks (query: %llu), histogram "
		       "sum %llu, p50 <= %llu us, p99 <= %llu us, mean %llu "
		       "us, "
		       "%llu reads %llu writes\n",
		       id,
		       (unsigned long long)json_object_get_uint64(
			       jget(lat, "chunks")),
		       (unsigned long long)q.chunks_done,
		       (unsigned long long)sum, (unsigned long long)p50 / 1000,
		       (unsigned long long)p99 / 1000,
		       (unsigned long long)json_object_get_uint64(
			       jget(lat, "mean_ns")) /
			       1000,
		       (unsigned long long)json_object_get_uint64(
			       jget(lat, "reads")),
		       (unsigned long long)json_object_get_uint64(
			       jget(lat, "writes")));
		CHECK(q.chunks_done == LEN / CHUNK, "chunks_done %llu",
		      (unsigned long long)q.chunks_done);
		CHECK(sum == q.chunks_done,
		      "histogram counts %llu, chunks %llu",
		      (unsigned long long)sum,
		      (unsigned long long)q.chunks_done);
		CHECK(json_object_get_uint64(jget(lat, "chunks")) ==
			      q.chunks_done,
		      "chunks");
		CHECK(json_object_get_uint64(jget(lat, "bytes")) == LEN,
		      "bytes %llu",
		      (unsigned long long)json_object_get_uint64(
			      jget(lat, "bytes")));
		CHECK(json_object_get_uint64(jget(lat, "errors")) == 0,
		      "errors");
		CHECK(json_object_get_uint64(jget(lat, "reads")) >=
				      q.chunks_done &&
			      json_object_get_uint64(jget(lat, "writes")) >=
				      q.chunks_done,
		      "reads/writes");
		CHECK(p50 > 0 && p50 <= p99, "p50 %llu p99 %llu",
		      (unsigned long long)p50, (unsigned long long)p99);
		CHECK(json_object_get_uint64(jget(f, "chunks_done")) ==
				      q.chunks_done &&
			      json_object_get_uint64(jget(f, "bytes_done")) ==
				      LEN,
		      "netlink side of the flow");
		/* The whole flow fell in the interval: its rate is > 0. */
		CHECK(json_object_get_uint64(jget(f, "rate_bps")) > 0, "rate");
	}
	f = our_flow(j, id2);
	/* No record of a flow never started that kept its p2p pool. */
	lat = jget(f, "latency");
	counted = lat ? json_object_get_uint64(jget(lat, "fallbacks")) : 0;
	printf("top: preferred flow %d: pool %s, fallback %s, counted %llu\n",
	       id2, json_object_get_string(jget(f, "pool")),
	       json_object_get_string(jget(f, "fallback")),
	       (unsigned long long)counted);
	CHECK(f && counted == (uint64_t)fell_back &&
		      !!jget(f, "fallback") == fell_back,
	      "fallback of flow %d (%s) not reported right", id2,
	      fell_back ? "host memory" : "p2p");
	json_object_put(j);

	/* The text view, for the log. */
	{
		static const char *const text[] = {"--once", "--interval",
						   "0.2", NULL};
		static char text_buf[8192];

		pid = top_start(text, "/tmp/top.txt", "/tmp/top-txt.err");
		rc = top_wait(pid);
		slurp("/tmp/top.txt", text_buf, sizeof(text_buf));
		printf("%s", text_buf);
		CHECK(rc == 0 && strstr(text_buf, "P99"), "top text: exit %d",
		      rc);
	}

	/* Without BPF: the netlink figures, the reason said, no latency. */
	pid = top_start(nl_args, "/tmp/top-nl.json", "/tmp/top-nl.err");
	rc = top_wait(pid);
	slurp("/tmp/top-nl.err", err_buf, sizeof(err_buf));
	CHECK(rc == 0 && strstr(err_buf, "unavailable: --no-bpf"),
	      "top --no-bpf: exit %d: %s", rc, err_buf);
	j = json_object_from_file("/tmp/top-nl.json");
	f = our_flow(j, id);
	s = json_object_get_string(jget(j, "telemetry"));
	CHECK(j && s && !strcmp(s, "netlink") && f && !jget(f, "latency") &&
		      json_object_get_uint64(jget(f, "bytes_done")) == LEN,
	      "top --no-bpf: %s", s ? s : "?");
	json_object_put(j);
	close(fsw);
	return t_result();
}
