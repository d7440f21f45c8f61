/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest tests that drive flowd: start it on a directory of its own, talk
 * to its socket with json-c (as flowctl does), read its flow list and
 * counters.  Each test sets fd_dir first; the files are
 *   fd_dir/etc         the .flow files (-c)
 *   fd_dir/flowd.conf  admission control (-a)
 *   fd_dir/flowd.sock  the control socket (-s)
 *   fd_dir/state.json  restart state (-S)
 *   fd_dir/flowd.log   its stderr
 */
#ifndef FLOWDTEST_H
#define FLOWDTEST_H

#include <json-c/json.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "flowtest.h"

static const char *fd_dir;

/* fd_dir/@name (one of a few rotating buffers: use it at once). */
static inline const char *fd_path(const char *name)
{
	static char buf[8][256];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", fd_dir, name);
	return buf[i];
}

/* flowd -f on fd_dir, plus @extra (NULL-terminated, may be NULL). */
static inline pid_t start_flowd(const char *const *extra)
{
	char etc[256], conf[256], sock[256], state[256], log[256];
	const char *argv[64] = {
		"flowd", "-f", "-c", etc, "-a", conf, "-s", sock, "-S", state,
	};
	int n = 10;
	pid_t pid;

	snprintf(etc, sizeof(etc), "%s/etc", fd_dir);
	snprintf(conf, sizeof(conf), "%s/flowd.conf", fd_dir);
	snprintf(sock, sizeof(sock), "%s/flowd.sock", fd_dir);
	snprintf(state, sizeof(state), "%s/state.json", fd_dir);
	snprintf(log, sizeof(log), "%s/flowd.log", fd_dir);
	while (extra && *extra && n < 63)
		argv[n++] = *extra++;
	argv[n] = NULL;
	pid = fork();
	if (!pid) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		if (fd >= 0) {
			dup2(fd, 2);
			dup2(fd, 1);
		}
		execv("/bin/flowd", (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static inline struct json_object *flowd_call(const char *cmd)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	static char buf[1 << 16];
	size_t n = 0;
	ssize_t r;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", fd_path("flowd.sock"));
	if (fd < 0 || connect(fd, (void *)&sa, sizeof(sa))) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	snprintf(buf, sizeof(buf), "{\"cmd\":\"%s\"}\n", cmd);
	if (write(fd, buf, strlen(buf)) < 0) {
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

struct fl {
	int count;
	uint64_t id, bytes, retries;
	char state[32], outcome[128], engine[32];
};

/* Flow @name in flowd's list (count: how many of that name). */
static inline int get_flow(const char *name, struct fl *out)
{
	struct json_object *rep = flowd_call("list"), *flows, *v;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!rep || !json_object_object_get_ex(rep, "flows", &flows)) {
		json_object_put(rep);
		return -1;
	}
	for (i = 0; i < json_object_array_length(flows); i++) {
		struct json_object *f = json_object_array_get_idx(flows, i);

		json_object_object_get_ex(f, "name", &v);
		if (strcmp(json_object_get_string(v), name))
			continue;
		out->count++;
		json_object_object_get_ex(f, "id", &v);
		out->id = (uint64_t)json_object_get_int64(v);
		json_object_object_get_ex(f, "bytes_done", &v);
		out->bytes = (uint64_t)json_object_get_int64(v);
		json_object_object_get_ex(f, "retries", &v);
		out->retries = (uint64_t)json_object_get_int64(v);
		json_object_object_get_ex(f, "state", &v);
		snprintf(out->state, sizeof(out->state), "%s",
			 json_object_get_string(v));
		json_object_object_get_ex(f, "engine", &v);
		snprintf(out->engine, sizeof(out->engine), "%s",
			 json_object_get_string(v));
		if (json_object_object_get_ex(f, "outcome", &v))
			snprintf(out->outcome, sizeof(out->outcome), "%s",
				 json_object_get_string(v));
	}
	json_object_put(rep);
	return 0;
}

static inline uint64_t stat_of(const char *key)
{
	struct json_object *rep = flowd_call("stats"), *st, *v;
	uint64_t r = 0;

	if (rep && json_object_object_get_ex(rep, "stats", &st) &&
	    json_object_object_get_ex(st, key, &v))
		r = (uint64_t)json_object_get_int64(v);
	json_object_put(rep);
	return r;
}

static inline void write_file(const char *path, const char *text)
{
	char tmp[256];
	FILE *f;

	/* Whole, then renamed in: flowd never sees half a file. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) || rename(tmp, path))
		fprintf(stderr, "writing %s: %s\n", path, strerror(errno));
}

/* fd_dir/flowd.log to stderr: what flowd said, for a failed run. */
static inline void show_flowd_log(void)
{
	FILE *f = fopen(fd_path("flowd.log"), "r");
	char line[512];

	while (f && fgets(line, sizeof(line), f))
		fputs(line, stderr);
	if (f)
		fclose(f);
}

/* Wait up to @secs for flow @name to satisfy @cond. */
#define WAIT_FOR(name, f, cond, secs)                        \
	({                                                   \
		int _i;                                      \
		for (_i = 0; _i < (secs)*10; _i++) {         \
			if (!get_flow(name, &(f)) && (cond)) \
				break;                       \
			usleep(100000);                      \
		}                                            \
		_i < (secs)*10;                              \
	})

#endif /* FLOWDTEST_H */
