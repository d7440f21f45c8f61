// SPDX-License-Identifier: GPL-2.0
/*
 * flowctl's subcommands served by flowd, over its unix socket: apply,
 * list, stats, stop, run --wait.  One JSON request, one JSON reply
 * (json-c); --json prints the reply's payload as it came.
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "flowctl.h"

static const char *sock_path(void)
{
	const char *s = getenv("FLOWD_SOCKET");

	return s && *s ? s : "/run/flowswitch/flowd.sock";
}

/* Send @req, return the reply (NULL and a message on stderr on error). */
static struct json_object *call(struct json_object *req)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *s =
		json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	static char buf[1 << 20];
	size_t n = 0;
	ssize_t r;
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path());
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (void *)&sa, sizeof(sa))) {
		fprintf(stderr,
			"flowctl: flowd at %s: %s (is flowd running? 'apply "
			"--no-daemon' works without it)\n",
			sa.sun_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (write(fd, s, strlen(s)) < 0 || write(fd, "\n", 1) < 0) {
		fprintf(stderr, "flowctl: flowd: %s\n", strerror(errno));
		close(fd);
		return NULL;
	}
	while (n < sizeof(buf) - 1 &&
	       (r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = 0;
	close(fd);
	return json_tokener_parse(buf);
}

static struct json_object *request(const char *cmd, const char *key,
				   const char *val)
{
	struct json_object *req = json_object_new_object(), *rep;

	json_object_object_add(req, "cmd", json_object_new_string(cmd));
	if (key)
		json_object_object_add(req, key, json_object_new_string(val));
	rep = call(req);
	json_object_put(req);
	return rep;
}

/* 0 if the reply says ok, else print its error and return 1. */
static int reply_ok(struct json_object *rep)
{
	struct json_object *v;

	if (!rep) {
		fprintf(stderr, "flowctl: no reply from flowd\n");
		return 1;
	}
	if (json_object_object_get_ex(rep, "ok", &v) &&
	    json_object_get_boolean(v))
		return 0;
	if (json_object_object_get_ex(rep, "error", &v))
		fprintf(stderr, "flowctl: %s%s", json_object_get_string(v),
			strchr(json_object_get_string(v), '\n') ? "" : "\n");
	return 1;
}

static const char *str(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v)
						   : "";
}

static unsigned long long num(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v)
		       ? (unsigned long long)json_object_get_int64(v)
		       : 0;
}

static void print_flows(struct json_object *flows, const char *only_file)
{
	size_t i, n = json_object_array_length(flows);

	printf("%-28s %-16s %5s %-8s %-9s %14s %14s %s\n", "FILE", "FLOW", "ID",
	       "ENGINE", "STATE", "BYTES", "LENGTH", "OUTCOME");
	for (i = 0; i < n; i++) {
		struct json_object *f = json_object_array_get_idx(flows, i);
		const char *file = str(f, "file"), *base = strrchr(file, '/');

		if (only_file && strcmp(file, only_file))
			continue;
		printf("%-28s %-16s %5llu %-8s %-9s %14llu %14llu %s\n",
		       base ? base + 1 : file, str(f, "name"), num(f, "id"),
		       str(f, "engine"), str(f, "state"), num(f, "bytes_done"),
		       num(f, "length"), str(f, "outcome"));
	}
}

/* --json and a socket override, common to every daemon subcommand. */
static int common_opts(int argc, char **argv, bool *json, bool *wait,
		       const char *usage)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"wait", no_argument, NULL, 'w'},
		{"socket", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{}};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jws:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			*json = true;
			break;
		case 'w':
			if (!wait)
				goto bad;
			*wait = true;
			break;
		case 's':
			setenv("FLOWD_SOCKET", optarg, 1);
			break;
		case 'h':
			printf("usage: %s\n", usage);
			return 0;
		default:
			goto bad;
		}
	}
	return -1;
bad:
	fprintf(stderr, "usage: %s\n", usage);
	return 2;
}

int flowctl_list(int argc, char **argv)
{
	struct json_object *rep, *flows;
	bool json = false;
	int ret = common_opts(argc, argv, &json, NULL,
			      "flowctl list [--json] [-s SOCKET]");

	if (ret >= 0)
		return ret;
	rep = request("list", NULL, NULL);
	ret = reply_ok(rep);
	if (!ret && json_object_object_get_ex(rep, "flows", &flows)) {
		if (json)
			printf("%s\n", json_object_to_json_string_ext(
					       flows, JSON_C_TO_STRING_PRETTY));
		else
			print_flows(flows, NULL);
	}
	json_object_put(rep);
	return ret;
}

int flowctl_stats(int argc, char **argv)
{
	struct json_object *rep, *st;
	bool json = false;
	int ret = common_opts(argc, argv, &json, NULL,
			      "flowctl stats [--json] [-s SOCKET]");

	if (ret >= 0)
		return ret;
	rep = request("stats", NULL, NULL);
	ret = reply_ok(rep);
	if (!ret && json_object_object_get_ex(rep, "stats", &st)) {
		if (json) {
			printf("%s\n", json_object_to_json_string_ext(
					       st, JSON_C_TO_STRING_PRETTY));
		} else {
			json_object_object_foreach(st, k, v) printf(
				"%-24s %s\n", k, json_object_get_string(v));
		}
	}
	json_object_put(rep);
	return ret;
}

int flowctl_stop(int argc, char **argv)
{
	struct json_object *rep;
	bool json = false;
	int ret = common_opts(argc, argv, &json, NULL,
			      "flowctl stop NAME|FILE:NAME [-s SOCKET]");

	if (ret >= 0)
		return ret;
	if (optind != argc - 1) {
		fprintf(stderr, "usage: flowctl stop NAME|FILE:NAME\n");
		return 2;
	}
	rep = request("stop", "name", argv[optind]);
	ret = reply_ok(rep);
	json_object_put(rep);
	return ret;
}

static bool terminal(const char *state, const char *outcome)
{
	return !strcmp(state, "done") || !strcmp(state, "stopped") ||
	       (!strcmp(state, "failed") && *outcome);
}

/* Poll flowd until every flow of @file ended; a bar on a terminal. */
static int wait_file(const char *file, bool json)
{
	bool tty = isatty(STDOUT_FILENO) && !json;
	struct timespec t0;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct json_object *rep = request("list", NULL, NULL), *flows;
		unsigned long long done = 0, len = 0;
		bool all_end = true, all_done = true;
		struct timespec t;
		double secs, rate;
		size_t i, n;

		if (reply_ok(rep) ||
		    !json_object_object_get_ex(rep, "flows", &flows)) {
			json_object_put(rep);
			return 1;
		}
		n = json_object_array_length(flows);
		for (i = 0; i < n; i++) {
			struct json_object *f =
				json_object_array_get_idx(flows, i);

			if (strcmp(str(f, "file"), file))
				continue;
			done += num(f, "bytes_done");
			len += num(f, "length");
			if (!terminal(str(f, "state"), str(f, "outcome")))
				all_end = false;
			if (strcmp(str(f, "state"), "done"))
				all_done = false;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		secs = (double)(t.tv_sec - t0.tv_sec) +
		       (t.tv_nsec - t0.tv_nsec) / 1e9;
		rate = secs > 0 ? done / secs : 0;
		if (all_end) {
			if (tty)
				printf("\n");
			if (json) {
				struct json_object *o = json_object_new_array();

				for (i = 0; i < n; i++) {
					struct json_object *f =
						json_object_array_get_idx(flows,
									  i);

					if (!strcmp(str(f, "file"), file))
						json_object_array_add(
							o, json_object_get(f));
				}
				printf("%s\n",
				       json_object_to_json_string_ext(
					       o, JSON_C_TO_STRING_PRETTY));
				json_object_put(o);
			} else {
				print_flows(flows, file);
			}
			ret = all_done ? 0 : 1;
			json_object_put(rep);
			return ret;
		}
		if (tty) {
			int w = 30, k, fill = len ? (int)(w * done / len) : 0;

			printf("\r[");
			for (k = 0; k < w; k++)
				putchar(k < fill ? '#' : '.');
			printf("] %6.1f%% %8.1f MiB %7.1f MiB/s ETA %5.0fs ",
			       len ? 100.0 * done / len : 0.0, done / 1048576.0,
			       rate / 1048576.0,
			       rate > 0 && len > done ? (len - done) / rate
						      : 0.0);
		} else if (!json) {
			printf("%.1fs %llu of %llu bytes %.1f MiB/s\n", secs,
			       done, len, rate / 1048576.0);
		}
		fflush(stdout);
		json_object_put(rep);
		usleep(tty ? 200000 : 1000000);
	}
}

static int apply_daemon(int argc, char **argv, bool want_wait)
{
	struct json_object *rep, *flows;
	bool json = false, wait = want_wait;
	char path[PATH_MAX];
	int ret = common_opts(argc, argv, &json, &wait,
			      "flowctl apply|run FILE [--wait] [--json] [-s "
			      "SOCKET] (apply --no-daemon: without flowd)");

	if (ret >= 0)
		return ret;
	if (optind != argc - 1) {
		fprintf(stderr, "usage: flowctl %s FILE [--wait] [--json]\n",
			argv[0]);
		return 2;
	}
	if (!realpath(argv[optind], path)) {
		fprintf(stderr, "flowctl: %s: %s\n", argv[optind],
			strerror(errno));
		return 2;
	}
	rep = request("apply", "file", path);
	ret = reply_ok(rep);
	if (!ret && !wait && json_object_object_get_ex(rep, "flows", &flows)) {
		if (json)
			printf("%s\n", json_object_to_json_string_ext(
					       flows, JSON_C_TO_STRING_PRETTY));
		else
			print_flows(flows, path);
	}
	json_object_put(rep);
	if (!ret && wait)
		ret = wait_file(path, json);
	return ret;
}

int flowctl_apply_any(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--no-daemon")) {
			for (; i < argc - 1; i++)
				argv[i] = argv[i + 1];
			return flowctl_apply(argc - 1, argv);
		}
	return apply_daemon(argc, argv, false);
}

int flowctl_run(int argc, char **argv)
{
	return apply_daemon(argc, argv, false);
}
