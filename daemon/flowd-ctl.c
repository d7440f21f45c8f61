// SPDX-License-Identifier: GPL-2.0
/*
 * flowd's control socket: one JSON request per connection, one JSON
 * reply (json-c both ways).  The peer's uid comes from SO_PEERCRED:
 * list and stats are for everyone; apply needs root or the file's owner,
 * stop root or the uid that applied the flow's file.  See FLOWD.md.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <syslog.h>
#include <unistd.h>

#include "flowd-state.h"
#include "flowswitch.h"

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

static void add_u64(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_int64((int64_t)v));
}

static struct json_object *list_flows(struct flowd *d)
{
	struct json_object *arr = json_object_new_array();
	unsigned int i, j;

	for (i = 0; i < d->nfiles; i++)
		for (j = 0; j < d->files[i]->nflows; j++) {
			struct dflow *f = d->files[i]->flows[j];
			struct json_object *o = json_object_new_object();

			add_str(o, "file", d->files[i]->path);
			add_str(o, "name", f->name);
			add_u64(o, "id", f->id);
			add_str(o, "engine", d->eng->ops->name);
			add_str(o, "state",
				f->done ? "done" : fsw_state_name(f->state));
			add_u64(o, "bytes_done", f->base + f->bytes);
			add_u64(o, "length", f->total);
			add_u64(o, "rate", f->fc.rate_bps);
			add_u64(o, "uid", d->files[i]->uid);
			add_u64(o, "retries", f->hs.retries_total);
			if (f->error)
				add_str(o, "error", strerror(f->error));
			if (f->outcome)
				add_str(o, "outcome", f->outcome);
			json_object_array_add(arr, o);
		}
	return arr;
}

static struct json_object *stats(struct flowd *d)
{
	struct json_object *o = json_object_new_object();
	unsigned int i, nflows = 0;

	for (i = 0; i < d->nfiles; i++)
		nflows += d->files[i]->nflows;
	add_str(o, "engine", d->eng->ops->name);
	if (d->engine_reason)
		add_str(o, "engine_fallback_reason", d->engine_reason);
	add_u64(o, "engine_fallbacks", d->engine_fallbacks);
	add_u64(o, "crypto_class_fallbacks", d->crypto_class_fallbacks);
	add_u64(o, "files", d->nfiles);
	add_u64(o, "flows", nflows);
	add_u64(o, "applies", d->applies);
	add_u64(o, "refusals", d->refusals);
	add_u64(o, "admission_refusals", d->admission_refusals);
	add_u64(o, "handler_runs", d->handler_runs);
	add_u64(o, "retries", d->retries);
	add_u64(o, "events", d->events);
	add_u64(o, "device_events", d->device_events);
	add_u64(o, "pool_refusals", d->pool_refusals);
	add_u64(o, "netlink_events_lost", d->nl_lost);
	add_u64(o, "reconciled_done", d->reconciled_done);
	add_u64(o, "reconciled_resumed", d->reconciled_resumed);
	return o;
}

static struct json_object *handle(struct flowd *d, struct json_object *req,
				  uid_t uid)
{
	struct json_object *reply = json_object_new_object(), *v;
	const char *cmd = "";
	char *why = NULL;
	int ret;

	if (json_object_object_get_ex(req, "cmd", &v))
		cmd = json_object_get_string(v);
	if (!strcmp(cmd, "list")) {
		flowd_refresh(d);
		json_object_object_add(reply, "flows", list_flows(d));
	} else if (!strcmp(cmd, "stats")) {
		json_object_object_add(reply, "stats", stats(d));
	} else if (!strcmp(cmd, "apply") &&
		   json_object_object_get_ex(req, "file", &v)) {
		const char *file = json_object_get_string(v);
		struct stat st;

		if (file[0] != '/' || stat(file, &st)) {
			add_str(reply, "error",
				"the file must be an absolute path to a "
				"readable file");
		} else if (uid && st.st_uid != uid) {
			add_str(reply, "error",
				"permission denied: only root or the file's "
				"owner may apply it");
		} else {
			ret = flowd_apply_file(d, file, uid ? uid : st.st_uid,
					       false, &why);
			if (ret) {
				add_str(reply, "error", why ? why : "refused");
				syslog(LOG_WARNING,
				       "apply %s (uid %u) refused: %s", file,
				       uid, why ? why : "");
			}
			free(why);
			json_object_object_add(reply, "flows", list_flows(d));
		}
	} else if (!strcmp(cmd, "stop") &&
		   json_object_object_get_ex(req, "name", &v)) {
		ret = flowd_stop_flow(d, json_object_get_string(v), uid);
		if (ret)
			add_str(reply, "error",
				ret == -EPERM
					? "permission denied: only root or the "
					  "flow's owner may stop it"
					: "no such flow");
	} else {
		add_str(reply, "error", "unknown request");
	}
	json_object_object_add(
		reply, "ok",
		json_object_new_boolean(
			!json_object_object_get_ex(reply, "error", NULL)));
	return reply;
}

void flowd_serve(struct flowd *d, int fd)
{
	struct timeval tv = {.tv_sec = 2};
	struct ucred cr;
	socklen_t len = sizeof(cr);
	struct json_object *req = NULL, *reply;
	char buf[65536];
	size_t n = 0;
	ssize_t r;
	const char *s;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len))
		goto out;
	while (n < sizeof(buf) - 1 && !memchr(buf, '\n', n)) {
		r = read(fd, buf + n, sizeof(buf) - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = 0;
	req = json_tokener_parse(buf);
	if (!req) {
		reply = json_object_new_object();
		add_str(reply, "error", "the request is not JSON");
		json_object_object_add(reply, "ok", json_object_new_boolean(0));
	} else {
		reply = handle(d, req, cr.uid);
	}
	s = json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN);
	if (write(fd, s, strlen(s)) < 0 || write(fd, "\n", 1) < 0)
		syslog(LOG_DEBUG, "client went away: %m");
	json_object_put(reply);
	json_object_put(req);
out:
	close(fd);
}
