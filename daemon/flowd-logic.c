// SPDX-License-Identifier: GPL-2.0
/*
 * flowd's decisions that need no I/O: what changed in a re-applied file
 * (flowd_diff over flow signatures), and a flow's handlers as a small
 * state machine (flowd_handle_failure) that says retry/stop/abort.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowd.h"
#include "flowswitch.h"

void flowd_diff(const char *const *old_names, const char *const *old_sigs,
		unsigned int nold, const char *const *new_names,
		const char *const *new_sigs, unsigned int nnew,
		enum flowd_diff_op *op, int *old_of, bool *removed)
{
	unsigned int i, j;

	for (j = 0; j < nold; j++)
		removed[j] = true;
	for (i = 0; i < nnew; i++) {
		op[i] = FLOWD_DIFF_NEW;
		old_of[i] = -1;
		for (j = 0; j < nold; j++) {
			if (!removed[j] || strcmp(old_names[j], new_names[i]))
				continue;
			removed[j] = false;
			old_of[i] = (int)j;
			op[i] = strcmp(old_sigs[j], new_sigs[i])
					? FLOWD_DIFF_REPLACE
					: FLOWD_DIFF_KEEP;
			break;
		}
	}
}

char *flowd_flow_sig(const struct flowswitch_flow_create *fc,
		     const struct flowswitch_sink *sinks, const char *src_path,
		     int src_oflags, const char *const *sink_paths,
		     const int *sink_oflags)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);
	unsigned int i;

	if (!f)
		return NULL;
	fprintf(f,
		"src=%s/%#x off=%llu len=%llu chunk=%u depth=%u rate=%llu "
		"prio=%u retries=%u flags=%#x place=%u prov=%#x canary=%u/%llu",
		src_path ? src_path : "?", src_oflags,
		(unsigned long long)fc->src_offset,
		(unsigned long long)fc->length, fc->chunk_size, fc->depth,
		(unsigned long long)fc->rate_bps, fc->priority, fc->max_retries,
		fc->flags, fc->placement, fc->p2p_provider, fc->canary_every_ms,
		(unsigned long long)fc->canary_every_bytes);
	for (i = 0; i < fc->nr_sinks && i < FLOWSWITCH_MAX_SINKS; i++)
		fprintf(f, " sink=%s/%#x@%llu",
			sink_paths[i] ? sink_paths[i] : "?", sink_oflags[i],
			(unsigned long long)sinks[i].offset);
	/* a transform's algorithm, engine, key or IV changed: a new flow */
	for (i = 0; i < fc->nr_stages && i < FLOWSWITCH_MAX_STAGES; i++) {
		const struct flowswitch_transform *x =
			(const void *)(uintptr_t)fc->stages_uptr;
		unsigned int k;

		fprintf(f, " stage=%u/%s/%s/%#x/%s/%d/%u/", x[i].kind, x[i].alg,
			x[i].driver, x[i].flags, x[i].key_desc, x[i].key_fd,
			x[i].data_unit);
		for (k = 0; k < sizeof(x[i].iv); k++)
			fprintf(f, "%02x", x[i].iv[k]);
	}
	if (fclose(f)) {
		free(s);
		return NULL;
	}
	return s;
}

enum flang_event flowd_event_of_stage(unsigned int stage)
{
	switch (stage) {
	case FLOWSWITCH_STAGE_DEVICE:
		return FLANG_EV_DEVICE_REMOVED;
	case FLOWSWITCH_STAGE_TRANSFORM:
		return FLANG_EV_TRANSFORM_ERROR;
	case FLOWSWITCH_STAGE_SELFTEST:
		return FLANG_EV_P2P_UNAVAILABLE;
	default:
		/* read, write, flush, verify: the bytes did not make it */
		return FLANG_EV_IO_ERROR;
	}
}

unsigned int flowd_handlers_copy(const struct flang_plan_flow *pf,
				 struct flowd_handler *out, unsigned int max)
{
	unsigned int i, j, n = 0;

	for (i = 0; i < pf->nhandlers && n < max; i++, n++) {
		const struct flang_plan_handler *h = &pf->handlers[i];

		memset(&out[n], 0, sizeof(out[n]));
		out[n].event = h->event;
		out[n].port_mask = h->port_mask;
		out[n].nactions = h->nactions;
		for (j = 0; j < h->nactions && j < FLANG_MAX_ACTIONS; j++) {
			const struct flang_plan_action *a = &h->actions[j];
			struct flowd_action *o = &out[n].actions[j];

			o->kind = a->kind;
			o->retries = a->retries;
			o->backoff_min_ns = a->backoff_min_ns;
			o->backoff_max_ns = a->backoff_max_ns;
			o->prop = a->prop;
			o->value = a->value;
			o->level = a->level;
			snprintf(o->msg, sizeof(o->msg), "%s",
				 a->msg ? a->msg : "");
		}
	}
	return n;
}

/* backoff a..b: a, 2a, 4a, ... capped at b. */
static uint64_t backoff(const struct flowd_action *a, unsigned int try)
{
	uint64_t d = a->backoff_min_ns;

	while (try-- > 1 && d < a->backoff_max_ns)
		d *= 2;
	return d > a->backoff_max_ns ? a->backoff_max_ns : d;
}

void flowd_handle_failure(const struct flowd_handler *h, unsigned int nh,
			  enum flang_event ev, int port,
			  struct flowd_handler_state *st,
			  struct flowd_step_out *out)
{
	unsigned int i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < nh; i++)
		if (h[i].event == ev &&
		    (!h[i].port_mask || port < 0 ||
		     (port < 64 && (h[i].port_mask >> port) & 1)))
			break;
	if (i == nh)
		return; /* FLOWD_STEP_NONE */
	if (st->handler != i) {
		st->handler = i;
		st->action = 0;
		st->tries = 0;
	}
	for (; st->action < h[i].nactions; st->action++, st->tries = 0) {
		const struct flowd_action *a = &h[i].actions[st->action];

		switch (a->kind) {
		case FLANG_ACT_RETRY:
			if (st->tries >= a->retries)
				continue;
			st->tries++;
			st->retries_total++;
			out->step = FLOWD_STEP_RETRY;
			out->delay_ns = backoff(a, st->tries);
			return;
		case FLANG_ACT_FALLBACK:
			switch (a->prop) {
			case FLANG_PROP_POOL:
				out->set_host_pool = true;
				break;
			case FLANG_PROP_CHUNK:
				out->set_chunk = true;
				out->chunk = a->value;
				break;
			case FLANG_PROP_DEPTH:
				out->set_depth = true;
				out->depth = a->value;
				break;
			case FLANG_PROP_RATE:
				out->set_rate = true;
				out->rate = a->value;
				break;
			case FLANG_PROP_PRIORITY:
				out->set_prio = true;
				out->prio = a->value;
				break;
			case FLANG_PROP_ENGINE:
				break; /* the checker refuses it (E0504) */
			}
			/* Run again with it, once; then the next action. */
			st->action++;
			st->tries = 0;
			out->step = FLOWD_STEP_RETRY;
			return;
		case FLANG_ACT_NOTIFY:
			out->notes[out->nnotes].level = a->level;
			out->notes[out->nnotes++].msg = a->msg;
			continue;
		case FLANG_ACT_PAUSE:
			st->action = h[i].nactions;
			out->step = FLOWD_STEP_RECREATE_PAUSED;
			return;
		case FLANG_ACT_STOP:
			st->action = h[i].nactions;
			out->step = FLOWD_STEP_STOP;
			return;
		case FLANG_ACT_ABORT:
			out->notes[out->nnotes].level = FLANG_NOTIFY_ERROR;
			out->notes[out->nnotes++].msg = a->msg;
			st->action = h[i].nactions;
			out->step = FLOWD_STEP_ABORT;
			return;
		}
	}
	/* Every action spent (e.g. "retry 3" alone): the flow stays failed. */
	out->step = out->step ? out->step : FLOWD_STEP_NONE;
}

void flowd_resume_from(struct flowswitch_flow_create *fc,
		       struct flowswitch_sink *sinks, uint64_t done)
{
	unsigned int i;

	fc->src_offset += done;
	if (fc->length)
		fc->length = fc->length > done ? fc->length - done : 0;
	for (i = 0; i < fc->nr_sinks; i++)
		sinks[i].offset += done;
}
