// SPDX-License-Identifier: GPL-2.0
/*
 * flowd's core: a .flow file applied as one transaction and re-applied as
 * a diff, the engine's events run through the flows' handlers, and the
 * state file that makes a restart after kill -9 reconcile.  See FLOWD.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "flowd-state.h"
#include "flowswitch.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static struct dfile *file_find(struct flowd *d, const char *path)
{
	unsigned int i;

	for (i = 0; i < d->nfiles; i++)
		if (!strcmp(d->files[i]->path, path))
			return d->files[i];
	return NULL;
}

static void gen_put(struct flowd *d, struct dgen *g)
{
	unsigned int i;

	if (!g || --g->refs)
		return;
	for (i = 0; i < g->nports; i++)
		d->eng->ops->destroy(d->eng, g->port_ids[i]);
	free(g);
}

/* Stop the engine's flow of @f, if any (a stopped flow's ports stay). */
static void flow_halt(struct flowd *d, struct dflow *f)
{
	if (!f->id)
		return;
	d->eng->ops->flow_ctl(d->eng, f->id, FLOWSWITCH_FLOW_STOP);
	d->eng->ops->destroy(d->eng, f->id);
	f->id = 0;
}

/*
 * A finished flow gives its engine flow, pool and (with the last flow of
 * its application) ports back at once; flowd keeps the record -- bytes,
 * outcome, "done, never re-run" -- until its file goes.
 */
static void flow_release(struct flowd *d, struct dflow *f)
{
	if (f->id)
		d->eng->ops->destroy(d->eng, f->id);
	f->id = 0;
	gen_put(d, f->gen);
	f->gen = NULL;
}

static void flow_free(struct flowd *d, struct dflow *f)
{
	unsigned int i;

	flow_halt(d, f);
	gen_put(d, f->gen);
	for (i = 0; i < f->ndevs; i++)
		free(f->devs[i]);
	free(f->sig);
	free(f);
}

/* ---- the state file ---- */

void flowd_state_save(struct flowd *d)
{
	struct json_object *root = json_object_new_object(), *arr;
	char tmp[4096];
	unsigned int i, j;
	const char *s;
	int fd;

	if (!d->state_path || !root)
		goto out;
	arr = json_object_new_array();
	json_object_object_add(root, "version", json_object_new_int(1));
	json_object_object_add(root, "flows", arr);
	for (i = 0; i < d->nfiles; i++) {
		for (j = 0; j < d->files[i]->nflows; j++) {
			struct dflow *f = d->files[i]->flows[j];
			struct json_object *o = json_object_new_object();

			json_object_object_add(
				o, "file",
				json_object_new_string(d->files[i]->path));
			json_object_object_add(
				o, "from_dir",
				json_object_new_boolean(d->files[i]->from_dir));
			json_object_object_add(
				o, "uid",
				json_object_new_int64(d->files[i]->uid));
			json_object_object_add(o, "name",
					       json_object_new_string(f->name));
			json_object_object_add(o, "sig",
					       json_object_new_string(f->sig));
			json_object_object_add(
				o, "done", json_object_new_boolean(f->done));
			/* stopped, aborted or failed for good: not re-run either */
			json_object_object_add(
				o, "ended",
				json_object_new_boolean(!f->done && !f->id &&
							!f->retry_at &&
							f->outcome));
			json_object_object_add(
				o, "bytes",
				json_object_new_int64(
					(int64_t)(f->base + f->bytes)));
			json_object_array_add(arr, o);
		}
	}
	/* Written whole to a temporary file, then renamed over the old. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", d->state_path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		syslog(LOG_ERR, "state file %s: %m", tmp);
		goto out;
	}
	s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s) || fsync(fd) ||
	    close(fd) || rename(tmp, d->state_path))
		syslog(LOG_ERR, "state file %s: %m", d->state_path);
out:
	json_object_put(root);
}

/*
 * What the state file said of flow @name of @file with signature @sig:
 * done (do not re-run) and bytes (resume point).  Each record is used
 * once.  This is the one place a restart reconciles with what ran before.
 */
static bool reconcile_lookup(struct flowd *d, const char *file,
			     const char *name, const char *sig, bool *done,
			     bool *ended, uint64_t *bytes)
{
	struct json_object *flows, *o, *v;
	size_t i, n;

	if (!d->recovered ||
	    !json_object_object_get_ex(d->recovered, "flows", &flows))
		return false;
	n = json_object_array_length(flows);
	for (i = 0; i < n; i++) {
		o = json_object_array_get_idx(flows, i);
		if (!json_object_object_get_ex(o, "file", &v) ||
		    strcmp(json_object_get_string(v), file) ||
		    !json_object_object_get_ex(o, "name", &v) ||
		    strcmp(json_object_get_string(v), name) ||
		    !json_object_object_get_ex(o, "sig", &v) ||
		    strcmp(json_object_get_string(v), sig))
			continue;
		*done = json_object_object_get_ex(o, "done", &v) &&
			json_object_get_boolean(v);
		*ended = json_object_object_get_ex(o, "ended", &v) &&
			 json_object_get_boolean(v);
		*bytes = json_object_object_get_ex(o, "bytes", &v)
				 ? (uint64_t)json_object_get_int64(v)
				 : 0;
		json_object_object_add(o, "file", json_object_new_string(""));
		return true;
	}
	return false;
}

/* ---- applying a file ---- */

static int eng_txn(void *arg, struct flowswitch_txn *txn)
{
	struct fsw_engine *e = arg;

	return e->ops->txn(e, txn);
}

static int eng_destroy(void *arg, unsigned int id)
{
	struct fsw_engine *e = arg;

	return e->ops->destroy(e, id);
}

static char *diags_or(struct flang_ctx *ctx, const char *fallback)
{
	char *s = flang_diags_text(ctx);

	return s ? s : strdup(fallback);
}

/* A new dflow for flow item @item of @t. */
static struct dflow *flow_from_item(const struct flang_txn *t,
				    const struct flang_plan *plan,
				    unsigned int item)
{
	const struct flang_txn_info *in = &t->info[item];
	const struct flowswitch_flow_create *fc = &t->flows[in->cmd];
	const char *spaths[FLOWSWITCH_MAX_SINKS];
	int sflags[FLOWSWITCH_MAX_SINKS];
	struct dflow *f = calloc(1, sizeof(*f));
	const struct flang_txn_info *pi;
	unsigned int k;

	if (!f)
		return NULL;
	snprintf(f->name, sizeof(f->name), "%s", fc->name);
	f->fc = *fc;
	memcpy(f->sinks, t->sinks[in->cmd], sizeof(f->sinks));
	memcpy(f->stages, t->stages[in->cmd], sizeof(f->stages));
	f->fc.stages_uptr = (uintptr_t)f->stages;
	f->class_fallbacks = in->engine_fallbacks;
	pi = &t->info[fc->src_port_id & ~FLOWSWITCH_TXN_REF_BIT];
	f->src_port = (int)pi->plan_index;
	f->devs[f->ndevs++] = strdup(pi->path ? pi->path : pi->name);
	for (k = 0; k < fc->nr_sinks; k++) {
		const struct flang_txn_info *si =
			&t->info[f->sinks[k].port_id & ~FLOWSWITCH_TXN_REF_BIT];

		f->sink_port[k] = (int)si->plan_index;
		spaths[k] = si->path ? si->path : si->name;
		sflags[k] = si->oflags;
		f->devs[f->ndevs++] = strdup(spaths[k]);
	}
	f->sig =
		flowd_flow_sig(&f->fc, f->sinks, pi->path ? pi->path : pi->name,
			       pi->oflags, spaths, sflags);
	f->nh = flowd_handlers_copy(&plan->flows[in->plan_index], f->h, 8);
	f->hs.handler = -1u;
	for (k = 0; k < f->ndevs; k++)
		if (!f->devs[k])
			f->sig = (free(f->sig), NULL);
	return f;
}

int flowd_apply_file(struct flowd *d, const char *path, uid_t uid,
		     bool from_dir, char **why)
{
	struct dfile *old = file_find(d, path);
	struct flang_ctx *ctx = flang_ctx_new();
	struct flang_txn *t = malloc(sizeof(*t));
	struct dflow *nf[FLANG_TXN_MAX_ITEMS] = {0};
	const char *on[FLANG_TXN_MAX_ITEMS], *os[FLANG_TXN_MAX_ITEMS];
	const char *nn[FLANG_TXN_MAX_ITEMS], *ns[FLANG_TXN_MAX_ITEMS];
	enum flowd_diff_op op[FLANG_TXN_MAX_ITEMS];
	int old_of[FLANG_TXN_MAX_ITEMS];
	bool removed[FLANG_TXN_MAX_ITEMS], create[FLANG_TXN_MAX_ITEMS];
	struct flowd_admit_flow run[1024], ask[FLANG_TXN_MAX_ITEMS];
	unsigned int i, j, k, n = 0, nold = old ? old->nflows : 0, nrun = 0;
	unsigned int nask = 0, ncreate = 0;
	struct dgen *gen = NULL;
	const struct flang_plan *plan;
	char reason[600];
	int ret = 1;

	*why = NULL;
	if (!ctx || !t) {
		*why = strdup("out of memory");
		goto out;
	}
	for (i = 0; i < d->nsite_params; i++) {
		if (flang_ctx_set_site_param(ctx, d->site_params[i])) {
			*why = strdup("out of memory");
			goto out;
		}
	}
	ret = fsw_apply_load(ctx, path, t);
	if (ret) {
		if (ret < 0)
			snprintf(reason, sizeof(reason), "%s: %s", path,
				 strerror(-ret));
		*why = ret < 0 ? strdup(reason) : diags_or(ctx, "refused");
		ret = 1;
		goto out;
	}
	plan = flang_plan_get(ctx);
	for (i = 0; i < t->nitems; i++) {
		if (t->info[i].kind != FLANG_TXN_FLOW)
			continue;
		nf[n] = flow_from_item(t, plan, i);
		if (!nf[n] || !nf[n]->sig) {
			*why = strdup("out of memory");
			n++;
			goto fail;
		}
		nn[n] = nf[n]->name;
		ns[n] = nf[n]->sig;
		n++;
	}
	for (j = 0; j < nold; j++) {
		on[j] = old->flows[j]->name;
		os[j] = old->flows[j]->sig;
	}
	flowd_diff(on, os, nold, nn, ns, n, op, old_of, removed);

	/* Admission: what keeps running, everywhere, against what is new. */
	for (i = 0; i < d->nfiles; i++)
		for (j = 0; j < d->files[i]->nflows && nrun < 1024; j++) {
			struct dflow *f = d->files[i]->flows[j];

			if (f->done || !f->id)
				continue;
			if (d->files[i] == old) {
				for (k = 0; k < n; k++)
					if (old_of[k] == (int)j &&
					    op[k] == FLOWD_DIFF_KEEP)
						break;
				if (k == n)
					continue; /* replaced or removed */
			}
			run[nrun].name = f->name;
			run[nrun].uid = f->df->uid;
			run[nrun].rate = f->fc.rate_bps;
			run[nrun].ndevs = f->ndevs;
			memcpy(run[nrun].devs, f->devs, sizeof(run[nrun].devs));
			nrun++;
		}
	for (i = 0; i < n; i++) {
		bool done = false, ended = false;
		uint64_t bytes = 0;

		create[i] = op[i] != FLOWD_DIFF_KEEP;
		if (create[i] &&
		    reconcile_lookup(d, path, nf[i]->name, nf[i]->sig, &done,
				     &ended, &bytes)) {
			if (ended) {
				nf[i]->state = FLOWSWITCH_FLOW_STOPPED;
				nf[i]->base = bytes;
				nf[i]->outcome = "ended before the restart";
				create[i] = false;
				syslog(LOG_INFO,
				       "%s: flow %s had ended (stopped or "
				       "aborted) before the restart; not "
				       "re-run",
				       path, nf[i]->name);
				continue;
			}
			if (done) {
				/* Finished before the restart: not re-run. */
				nf[i]->done = true;
				nf[i]->state = FLOWSWITCH_FLOW_DONE;
				nf[i]->base = bytes;
				create[i] = false;
				d->reconciled_done++;
				syslog(LOG_INFO,
				       "%s: flow %s finished before the "
				       "restart; not re-run",
				       path, nf[i]->name);
				continue;
			}
			if (bytes) {
				flowd_resume_from(&nf[i]->fc, nf[i]->sinks,
						  bytes);
				nf[i]->base = bytes;
				d->reconciled_resumed++;
				syslog(LOG_NOTICE,
				       "%s: flow %s was interrupted at %" PRIu64
				       " bytes; resumed from there",
				       path, nf[i]->name, bytes);
			}
		}
		if (!create[i])
			continue;
		ask[nask].name = nf[i]->name;
		ask[nask].uid = uid;
		ask[nask].rate = nf[i]->fc.rate_bps;
		ask[nask].ndevs = nf[i]->ndevs;
		memcpy(ask[nask].devs, nf[i]->devs, sizeof(ask[nask].devs));
		nask++;
	}
	if (flowd_admit_check(&d->admit, run, nrun, ask, nask, reason,
			      sizeof(reason))) {
		d->admission_refusals++;
		*why = malloc(strlen(path) + strlen(reason) + 32);
		if (*why)
			sprintf(*why, "%s: refused by admission control: %s\n",
				path, reason);
		goto fail;
	}

	/*
	 * One transaction, not started: every port, and the new or changed
	 * flows (ports first, so FLOWSWITCH_TXN_REF indices hold).  Then stop
	 * what it replaces, then start: a refusal changes nothing.
	 */
	{
		static struct flowswitch_txn_item items[FLANG_TXN_MAX_ITEMS];
		static struct flowswitch_flow_create fcs[FLANG_TXN_MAX_ITEMS];
		struct flowswitch_txn txn = {.size = sizeof(txn)};
		unsigned int m = 0, a = 0, fi = 0;

		for (i = 0; i < t->nitems; i++) {
			if (t->info[i].kind == FLANG_TXN_PORT) {
				items[m++] = t->items[i];
				continue;
			}
			if (create[fi]) {
				fcs[fi] = nf[fi]->fc;
				fcs[fi].rate_bps = ask[a++].rate;
				fcs[fi].sinks_uptr = (uintptr_t)nf[fi]->sinks;
				fcs[fi].stages_uptr = (uintptr_t)nf[fi]->stages;
				items[m].op = FLOWSWITCH_TXN_FLOW_CREATE;
				items[m++].cmd_uptr = (uintptr_t)&fcs[fi];
				ncreate++;
			}
			fi++;
		}
		if (ncreate) {
			txn.nr_items = m;
			txn.items_uptr = (uintptr_t)items;
			ret = d->eng->ops->txn(d->eng, &txn);
			if (ret < 0) {
				struct fsw_apply_ops ops = {
					eng_txn, eng_destroy, d->eng};

				/* report at the file's item, not ours */
				t->txn.out_failed_errno = txn.out_failed_errno;
				t->txn.out_failed_item = txn.out_failed_item;
				for (i = 0, fi = 0, m = 0; i < t->nitems; i++) {
					bool in = t->info[i].kind ==
							  FLANG_TXN_PORT ||
						  create[fi];

					if (t->info[i].kind == FLANG_TXN_FLOW)
						fi++;
					if (in && m++ == txn.out_failed_item) {
						t->txn.out_failed_item = i;
						break;
					}
				}
				fsw_apply_refused(ctx, &ops, t, ret);
				*why = diags_or(ctx, "refused");
				d->refusals++;
				ret = 1;
				goto fail;
			}
			gen = calloc(1, sizeof(*gen));
			if (gen)
				for (i = 0; i < t->nports; i++)
					gen->port_ids[gen->nports++] =
						t->ports[i].out_port_id;
			for (i = 0, fi = 0; i < n; i++) {
				if (!create[i])
					continue;
				nf[i]->fc = fcs[i];
				nf[i]->fc.sinks_uptr = (uintptr_t)nf[i]->sinks;
				nf[i]->fc.stages_uptr =
					(uintptr_t)nf[i]->stages;
				nf[i]->id = fcs[i].out_flow_id;
				nf[i]->fc.src_port_id =
					t->ports[t->info[fcs[i].src_port_id &
							 ~FLOWSWITCH_TXN_REF_BIT]
							 .cmd]
						.out_port_id;
				for (k = 0; k < nf[i]->fc.nr_sinks; k++)
					nf[i]->sinks[k].port_id =
						t->ports[t->info[nf[i]->sinks[k]
									 .port_id &
								 ~FLOWSWITCH_TXN_REF_BIT]
								 .cmd]
							.out_port_id;
				nf[i]->total = nf[i]->base + fcs[i].out_length;
				nf[i]->state = FLOWSWITCH_FLOW_CREATED;
				if (gen)
					gen->refs++;
				nf[i]->gen = gen;
			}
		}
	}
	fsw_apply_close_fds(t);

	/* Committed: stop what is replaced or removed, start what is new. */
	if (!old) {
		old = calloc(1, sizeof(*old));
		struct dfile **nfl =
			realloc(d->files, (d->nfiles + 1) * sizeof(*nfl));

		if (!old || !nfl) {
			free(old);
			*why = strdup("out of memory");
			goto fail;
		}
		d->files = nfl;
		old->path = strdup(path);
		d->files[d->nfiles++] = old;
	}
	old->uid = uid;
	old->from_dir = from_dir;
	for (j = 0; j < nold; j++) {
		bool keep = false;

		for (i = 0; i < n; i++)
			if (old_of[i] == (int)j && op[i] == FLOWD_DIFF_KEEP)
				keep = true;
		if (!keep) {
			syslog(LOG_INFO, "%s: flow %s %s (id %u)", path,
			       old->flows[j]->name,
			       removed[j] ? "removed: stopped"
					  : "changed: replaced",
			       old->flows[j]->id);
			flow_free(d, old->flows[j]);
			old->flows[j] = NULL;
		}
	}
	for (i = 0; i < n; i++) {
		if (op[i] == FLOWD_DIFF_KEEP) {
			struct dflow *kf = old->flows[old_of[i]];

			/* Handlers may change without touching the flow. */
			memcpy(kf->h, nf[i]->h, sizeof(kf->h));
			kf->nh = nf[i]->nh;
			flow_free(d, nf[i]);
			nf[i] = kf;
			continue;
		}
		nf[i]->df = old;
		if (!nf[i]->id)
			continue;
		if (nf[i]->class_fallbacks) {
			/* apply.c's warning (A0201) said why, to the caller */
			d->crypto_class_fallbacks += nf[i]->class_fallbacks;
			syslog(LOG_WARNING,
			       "%s: flow %s: %u transform(s) not on the engine "
			       "class asked for (preferred, A0201)",
			       path, nf[i]->name, nf[i]->class_fallbacks);
		}
		ret = d->eng->ops->flow_ctl(d->eng, nf[i]->id,
					    FLOWSWITCH_FLOW_START);
		if (ret)
			syslog(LOG_ERR, "%s: flow %s: start: %s", path,
			       nf[i]->name, strerror(-ret));
		else
			nf[i]->state = FLOWSWITCH_FLOW_RUNNING;
		syslog(LOG_INFO, "%s: flow %s started (id %u, %s engine)", path,
		       nf[i]->name, nf[i]->id, d->eng->ops->name);
	}
	free(old->flows);
	old->flows = calloc(n ? n : 1, sizeof(*old->flows));
	for (i = 0; i < n && old->flows; i++)
		old->flows[i] = nf[i];
	old->nflows = old->flows ? n : 0;
	d->applies++;
	syslog(LOG_INFO, "%s: applied: %u flows, %u created, %u kept", path, n,
	       ncreate, n - ncreate);
	flowd_state_save(d);
	ret = 0;
	goto out;
fail:
	fsw_apply_close_fds(t);
	for (i = 0; i < n; i++)
		if (nf[i]) {
			nf[i]->id = 0;
			nf[i]->gen = NULL;
			flow_free(d, nf[i]);
		}
	ret = 1;
out:
	free(t);
	flang_ctx_free(ctx);
	return ret;
}

void flowd_remove_file(struct flowd *d, const char *path)
{
	struct dfile *df = file_find(d, path);
	unsigned int i;

	if (!df)
		return;
	for (i = 0; i < df->nflows; i++) {
		syslog(LOG_INFO, "%s: removed: flow %s stopped", path,
		       df->flows[i]->name);
		flow_free(d, df->flows[i]);
	}
	for (i = 0; i < d->nfiles; i++)
		if (d->files[i] == df)
			d->files[i] = d->files[--d->nfiles];
	free(df->flows);
	free(df->path);
	free(df);
	flowd_state_save(d);
}

int flowd_stop_flow(struct flowd *d, const char *name, uid_t uid)
{
	unsigned int i, j;
	int ret = -ENOENT;

	for (i = 0; i < d->nfiles; i++)
		for (j = 0; j < d->files[i]->nflows; j++) {
			struct dflow *f = d->files[i]->flows[j];
			char full[4200];

			snprintf(full, sizeof(full), "%s:%s", d->files[i]->path,
				 f->name);
			if (strcmp(f->name, name) && strcmp(full, name))
				continue;
			if (uid && uid != d->files[i]->uid)
				return -EPERM;
			flow_halt(d, f);
			f->retry_at = 0;
			f->state = FLOWSWITCH_FLOW_STOPPED;
			f->outcome = "stopped by flowctl";
			syslog(LOG_NOTICE, "flow %s stopped by uid %u", full,
			       uid);
			ret = 0;
		}
	flowd_state_save(d);
	return ret;
}

/* ---- events and handlers ---- */

static struct dflow *flow_by_id(struct flowd *d, uint32_t id)
{
	unsigned int i, j;

	for (i = 0; i < d->nfiles; i++)
		for (j = 0; j < d->files[i]->nflows; j++)
			if (d->files[i]->flows[j]->id == id)
				return d->files[i]->flows[j];
	return NULL;
}

static const int note_prio[] = {LOG_INFO, LOG_WARNING, LOG_ERR};

static void flow_failed(struct flowd *d, struct dflow *f)
{
	struct flowswitch_flow_query q = {.size = sizeof(q)};
	struct flowd_step_out st;
	enum flang_event ev;
	unsigned int i;
	int port = -1;

	if (d->eng->ops->flow_query(d->eng, f->id, &q) == 0) {
		f->bytes = q.bytes_done;
		f->error = q.error;
		f->stage = q.fail_stage;
	}
	if (f->stage == FLOWSWITCH_STAGE_READ)
		port = f->src_port;
	else if (f->stage == FLOWSWITCH_STAGE_WRITE ||
		 f->stage == FLOWSWITCH_STAGE_FLUSH)
		port = q.fail_sink < FLOWSWITCH_MAX_SINKS
			       ? f->sink_port[q.fail_sink]
			       : -1;
	ev = flowd_event_of_stage(f->stage);
	syslog(LOG_WARNING,
	       "%s: flow %s (id %u) failed: %s in %s at %" PRIu64 " bytes (%s)",
	       f->df->path, f->name, f->id, strerror(f->error),
	       fsw_stage_name(f->stage), f->base + f->bytes,
	       flang_event_name(ev));
	flowd_handle_failure(f->h, f->nh, ev, port, &f->hs, &st);
	for (i = 0; i < st.nnotes; i++)
		syslog(note_prio[st.notes[i].level], "%s: flow %s: %s",
		       f->df->path, f->name, st.notes[i].msg);
	if (st.step == FLOWD_STEP_NONE) {
		snprintf(f->outcome_buf, sizeof(f->outcome_buf),
			 "failed: %s (no handler left)", strerror(f->error));
		f->outcome = f->outcome_buf;
		return;
	}
	d->handler_runs++;
	if (st.step == FLOWD_STEP_STOP) {
		flow_halt(d, f);
		f->state = FLOWSWITCH_FLOW_STOPPED;
		f->outcome = "stopped by its handler";
		return;
	}
	if (st.step == FLOWD_STEP_ABORT) {
		struct dfile *df = f->df;

		snprintf(f->outcome_buf, sizeof(f->outcome_buf), "aborted: %s",
			 st.nnotes ? st.notes[st.nnotes - 1].msg : "");
		f->outcome = f->outcome_buf;
		flow_halt(d, f);
		for (i = 0; i < df->nflows; i++) {
			struct dflow *o = df->flows[i];

			if (o->id && o != f) {
				flow_halt(d, o);
				o->state = FLOWSWITCH_FLOW_STOPPED;
				o->outcome =
					"stopped: a flow of its file aborted";
			}
			o->retry_at = 0;
		}
		return;
	}
	/* retry / fallback / pause: re-create from where the bytes stopped. */
	if (st.set_rate)
		f->fc.rate_bps = st.rate;
	if (st.set_chunk)
		f->fc.chunk_size = (uint32_t)st.chunk;
	if (st.set_depth)
		f->fc.depth = (uint32_t)st.depth;
	if (st.set_prio)
		f->fc.priority = (uint32_t)st.prio;
	if (st.set_host_pool)
		f->fc.placement = FLOWSWITCH_P2P_FORBIDDEN;
	flowd_resume_from(&f->fc, f->sinks, f->bytes);
	f->base += f->bytes;
	f->bytes = 0;
	d->eng->ops->destroy(d->eng, f->id);
	f->id = 0;
	f->retry_paused = st.step == FLOWD_STEP_RECREATE_PAUSED;
	f->retry_at = now_ns() + st.delay_ns + 1;
	if (st.step == FLOWD_STEP_RETRY)
		d->retries++;
	syslog(LOG_NOTICE,
	       "%s: flow %s: %s from byte %" PRIu64 " in %" PRIu64
	       " ms (retry %u)",
	       f->df->path, f->name,
	       f->retry_paused ? "re-created paused" : "retry", f->base,
	       st.delay_ns / 1000000, f->hs.tries);
}

/* Re-create the flows whose retry is due; returns ms to the next one. */
int flowd_retries_run(struct flowd *d)
{
	uint64_t now = now_ns(), next = UINT64_MAX;
	unsigned int i, j;

	for (i = 0; i < d->nfiles; i++)
		for (j = 0; j < d->files[i]->nflows; j++) {
			struct dflow *f = d->files[i]->flows[j];
			struct flowswitch_txn_item it = {
				.op = FLOWSWITCH_TXN_FLOW_CREATE,
			};
			struct flowswitch_txn txn = {.size = sizeof(txn)};
			struct flowswitch_flow_create fc;
			int ret;

			if (!f->retry_at)
				continue;
			if (f->retry_at > now) {
				next = next < f->retry_at ? next : f->retry_at;
				continue;
			}
			f->retry_at = 0;
			fc = f->fc;
			fc.sinks_uptr = (uintptr_t)f->sinks;
			fc.stages_uptr = (uintptr_t)f->stages;
			fc.out_flow_id = 0;
			it.cmd_uptr = (uintptr_t)&fc;
			txn.nr_items = 1;
			txn.items_uptr = (uintptr_t)&it;
			txn.flags = f->retry_paused ? 0 : FLOWSWITCH_TXN_START;
			ret = d->eng->ops->txn(d->eng, &txn);
			if (ret) {
				syslog(LOG_ERR, "%s: flow %s: re-create: %s",
				       f->df->path, f->name, strerror(-ret));
				f->state = FLOWSWITCH_FLOW_FAILED;
				f->outcome = "failed: could not be re-created";
				continue;
			}
			f->id = fc.out_flow_id;
			f->state = f->retry_paused ? FLOWSWITCH_FLOW_CREATED
						   : FLOWSWITCH_FLOW_RUNNING;
			f->outcome = NULL;
		}
	flowd_state_save(d);
	if (next == UINT64_MAX)
		return -1;
	return (int)((next - now) / 1000000 + 1);
}

void flowd_events(struct flowd *d)
{
	struct flowswitch_event ev[64];
	ssize_t n, i;
	bool save = false;

	while ((n = d->eng->ops->read_events(d->eng, ev, 64)) > 0) {
		for (i = 0; i < n; i++) {
			struct dflow *f;

			d->events++;
			if (ev[i].type == FLOWSWITCH_EVENT_LOST) {
				syslog(LOG_WARNING,
				       "the engine dropped events");
				continue;
			}
			f = flow_by_id(d, ev[i].flow_id);
			if (!f || ev[i].type != FLOWSWITCH_EVENT_FLOW_STATE)
				continue;
			f->state = ev[i].state;
			f->bytes = ev[i].bytes_done;
			if (ev[i].state == FLOWSWITCH_FLOW_DONE) {
				f->done = true;
				save = true;
				syslog(LOG_INFO,
				       "%s: flow %s done: %" PRIu64 " bytes",
				       f->df->path, f->name,
				       f->base + f->bytes);
				flow_release(d, f);
			} else if (ev[i].state == FLOWSWITCH_FLOW_FAILED) {
				flow_failed(d, f);
				save = true;
			}
		}
	}
	if (save)
		flowd_state_save(d);
}

/* Refresh the running flows' bytes (for list and the state file). */
void flowd_refresh(struct flowd *d)
{
	unsigned int i, j;

	for (i = 0; i < d->nfiles; i++)
		for (j = 0; j < d->files[i]->nflows; j++) {
			struct dflow *f = d->files[i]->flows[j];
			struct flowswitch_flow_query q = {.size = sizeof(q)};

			if (!f->id || f->done ||
			    d->eng->ops->flow_query(d->eng, f->id, &q))
				continue;
			f->bytes = q.bytes_done;
			if (q.state != FLOWSWITCH_FLOW_FAILED)
				f->state = q.state;
			if (q.state == FLOWSWITCH_FLOW_DONE) {
				f->done = true;
				flow_release(d, f);
			}
		}
}

void flowd_tick(struct flowd *d)
{
	flowd_refresh(d);
	flowd_state_save(d);
}

/* At exit: free everything, stop the flows, keep the state file as is. */
void flowd_free_all(struct flowd *d)
{
	unsigned int i, j;

	for (i = 0; i < d->nfiles; i++) {
		for (j = 0; j < d->files[i]->nflows; j++)
			flow_free(d, d->files[i]->flows[j]);
		free(d->files[i]->flows);
		free(d->files[i]->path);
		free(d->files[i]);
	}
	free(d->files);
	d->files = NULL;
	d->nfiles = 0;
}
