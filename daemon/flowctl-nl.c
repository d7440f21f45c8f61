// SPDX-License-Identifier: GPL-2.0
/*
 * flowctl dump | monitor: the module's generic netlink family.
 *
 *   flowctl dump stats|ports|flows|pools|p2p [--owner N] [--json]
 *   flowctl monitor [--json] [--count N]
 *
 * What every file descriptor of the module holds, whoever made it, and
 * its events as they happen -- the kernel's own view, with or without
 * flowd.  JSON is built with json-c, one object per line for monitor
 * (so a reader can act on each event at once) and one document for dump.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "flowctl.h"
#include "flowswitch-nl.h"
#include "flowswitch.h"

static int nl_open_or_say(struct fsw_nl **nl)
{
	int ret = fsw_nl_open(nl);

	if (ret == -ENOENT)
		fprintf(stderr,
			"flowctl: no generic netlink family '%s': is "
			"flowswitch.ko loaded?\n",
			FLOWSWITCH_GENL_NAME);
	else if (ret)
		fprintf(stderr, "flowctl: netlink: %s\n", strerror(-ret));
	return ret;
}

static void say_refusal(struct fsw_nl *nl, const char *what, int ret)
{
	const char *msg = fsw_nl_error(nl);

	fprintf(stderr, "flowctl: %s: %s%s%s%s\n", what, strerror(-ret),
		*msg ? " (" : "", msg, *msg ? ")" : "");
	if (ret == -EPERM)
		fprintf(stderr, "hint: dumps and stop need CAP_NET_ADMIN (and "
				"stop CAP_SYS_RAWIO)\n");
}

static json_object *owner_json(const struct fsw_nl_owner *o)
{
	json_object *j = json_object_new_object();

	json_object_object_add(j, "id", json_object_new_int64(o->id));
	json_object_object_add(j, "pid", json_object_new_int64(o->pid));
	json_object_object_add(j, "uid", json_object_new_int64(o->uid));
	json_object_object_add(j, "comm", json_object_new_string(o->comm));
	return j;
}

#define J_U64(j, k, v) json_object_object_add(j, k, json_object_new_uint64(v))
#define J_STR(j, k, v) json_object_object_add(j, k, json_object_new_string(v))

/* ---- dump --------------------------------------------------------- */

struct dump_out {
	bool json;
	json_object *arr;
	unsigned int n;
};

static int print_stats(const struct fsw_nl_stats *st, bool json)
{
	char feat[128];

	fsw_features_str(st->features, feat, sizeof(feat));
	if (json) {
		json_object *j = json_object_new_object();

		J_U64(j, "abi_major", st->abi_major);
		J_U64(j, "abi_minor", st->abi_minor);
		J_STR(j, "features", feat);
		J_U64(j, "p2pmem_providers", st->providers);
		J_U64(j, "files", st->files);
		J_U64(j, "ports", st->ports);
		J_U64(j, "flows", st->flows);
		J_U64(j, "host_pool_bytes", st->pool_bytes);
		J_U64(j, "p2p_bytes", st->p2p_bytes);
		J_U64(j, "host_bytes", st->host_bytes);
		J_U64(j, "p2p_fallbacks", st->fallbacks);
		J_U64(j, "canary_failures", st->canary_failures);
		J_U64(j, "events", st->events);
		J_U64(j, "events_dropped", st->events_dropped);
		printf("%s\n", json_object_to_json_string_ext(
				       j, JSON_C_TO_STRING_PLAIN));
		json_object_put(j);
		return 0;
	}
	printf("abi             %u.%u\n", st->abi_major, st->abi_minor);
	printf("features        %s\n", feat);
	printf("p2pmem providers %u\n", st->providers);
	printf("files           %u\n", st->files);
	printf("ports           %u\n", st->ports);
	printf("flows           %u\n", st->flows);
	printf("host pool bytes %" PRIu64 "\n", st->pool_bytes);
	printf("p2p bytes       %" PRIu64 "\n", st->p2p_bytes);
	printf("host bytes      %" PRIu64 "\n", st->host_bytes);
	printf("p2p fallbacks   %u\n", st->fallbacks);
	printf("canary failures %u\n", st->canary_failures);
	printf("events          %" PRIu64 " sent, %" PRIu64 " dropped\n",
	       st->events, st->events_dropped);
	return 0;
}

static int dump_port(const struct fsw_nl_port *p, void *arg)
{
	struct dump_out *o = arg;
	char pci[16] = "-";

	if (p->has_pci)
		fsw_pci_str(p->pci, pci, sizeof(pci));
	if (o->json) {
		json_object *j = json_object_new_object();

		json_object_object_add(j, "owner", owner_json(&p->owner));
		J_U64(j, "id", p->id);
		J_STR(j, "kind", fsw_port_kind_name(p->kind));
		J_STR(j, "access",
		      p->access == (FLOWSWITCH_PORT_READ |
				    FLOWSWITCH_PORT_WRITE)
			      ? "rw"
		      : p->access & FLOWSWITCH_PORT_WRITE ? "w"
							  : "r");
		J_U64(j, "size", p->size);
		J_U64(j, "dio_align", p->dio_align);
		J_U64(j, "users", p->users);
		if (p->path[0])
			J_STR(j, "path", p->path);
		if (p->disk[0])
			J_STR(j, "disk", p->disk);
		if (p->has_pci)
			J_STR(j, "pci", pci);
		if (p->kind == FLOWSWITCH_PORT_MEMORY) {
			J_U64(j, "bar", p->bar);
			J_U64(j, "bar_offset", p->bar_offset);
		}
		json_object_array_add(o->arr, j);
		return 0;
	}
	if (!o->n++)
		printf("%-6s %-7s %-12s %-4s %-6s %-2s %12s %5s %-12s %-9s "
		       "%s\n",
		       "OWNER", "PID", "COMM", "ID", "KIND", "IO", "SIZE",
		       "USERS", "PCI", "DISK", "PATH");
	printf("%-6u %-7u %-12s %-4u %-6s %-2s %12" PRIu64
	       " %5u %-12s %-9s %s\n",
	       p->owner.id, p->owner.pid, p->owner.comm, p->id,
	       fsw_port_kind_name(p->kind),
	       p->access == (FLOWSWITCH_PORT_READ | FLOWSWITCH_PORT_WRITE)
		       ? "rw"
	       : p->access & FLOWSWITCH_PORT_WRITE ? "w"
						   : "r",
	       p->size, p->users, pci, p->disk[0] ? p->disk : "-",
	       p->path[0] ? p->path : "-");
	return 0;
}

static int dump_flow(const struct fsw_nl_flow *f, void *arg)
{
	struct dump_out *o = arg;
	char prov[16] = "-";
	unsigned int i;

	if (f->provider)
		fsw_pci_str(f->provider, prov, sizeof(prov));
	if (o->json) {
		json_object *j = json_object_new_object();
		json_object *sinks = json_object_new_array();

		json_object_object_add(j, "owner", owner_json(&f->owner));
		J_U64(j, "id", f->id);
		if (f->name[0])
			J_STR(j, "name", f->name);
		J_STR(j, "state", fsw_state_name(f->state));
		J_U64(j, "src_port", f->src_port);
		J_U64(j, "src_offset", f->src_offset);
		for (i = 0; i < f->nr_sinks; i++) {
			json_object *s = json_object_new_object();

			J_U64(s, "port", f->sink_port[i]);
			J_U64(s, "offset", f->sink_offset[i]);
			json_object_array_add(sinks, s);
		}
		json_object_object_add(j, "sinks", sinks);
		J_U64(j, "length", f->length);
		J_U64(j, "bytes_done", f->bytes_done);
		J_U64(j, "chunks_done", f->chunks_done);
		J_U64(j, "chunk", f->chunk);
		J_U64(j, "depth", f->depth);
		J_U64(j, "in_flight", f->in_flight);
		J_U64(j, "rate", f->rate);
		J_U64(j, "retries", f->retries);
		J_STR(j, "pool", fsw_pool_name(f->pool));
		if (f->provider)
			J_STR(j, "provider", prov);
		J_STR(j, "p2p_reason", fsw_p2p_reason_name(f->p2p_reason));
		J_STR(j, "canary", fsw_canary_name(f->canary));
		J_U64(j, "p2p_bytes", f->p2p_bytes);
		J_U64(j, "host_bytes", f->host_bytes);
		J_U64(j, "elapsed_ns", f->elapsed_ns);
		if (f->nr_stages) {
			json_object *stages = json_object_new_array();

			for (i = 0; i < f->nr_stages; i++) {
				json_object *s = json_object_new_object();
				char hex[2 * FLOWSWITCH_MAX_DIGEST + 1];

				J_STR(s, "kind", fsw_xform_name(f->stages[i].kind));
				J_STR(s, "alg", f->stages[i].alg);
				J_STR(s, "driver", f->stages[i].driver);
				if (f->stages[i].digest_len) {
					fsw_hex(f->stages[i].digest,
						f->stages[i].digest_len, hex);
					J_STR(s, "digest", hex);
				}
				json_object_array_add(stages, s);
			}
			json_object_object_add(j, "stages", stages);
			J_U64(j, "transform_ns", f->transform_ns);
		}
		if (f->has_out_bytes)
			J_U64(j, "out_bytes", f->out_bytes);
		if (f->zerocopy_bytes)
			J_U64(j, "zerocopy_bytes", f->zerocopy_bytes);
		if (f->state == FLOWSWITCH_FLOW_FAILED) {
			J_U64(j, "error", f->error);
			J_STR(j, "fail_stage", fsw_stage_name(f->fail_stage));
			J_U64(j, "fail_sink", f->fail_sink);
			J_U64(j, "fail_offset", f->fail_offset);
		}
		json_object_array_add(o->arr, j);
		return 0;
	}
	if (!o->n++)
		printf("%-6s %-7s %-4s %-24s %-8s %12s %12s %-4s %-12s %s\n",
		       "OWNER", "PID", "ID", "NAME", "STATE", "DONE", "LENGTH",
		       "POOL", "PROVIDER", "PORTS");
	printf("%-6u %-7u %-4u %-24s %-8s %12" PRIu64 " %12" PRIu64
	       " %-4s %-12s %u ->",
	       f->owner.id, f->owner.pid, f->id, f->name[0] ? f->name : "-",
	       fsw_state_name(f->state), f->bytes_done, f->length,
	       fsw_pool_name(f->pool), prov, f->src_port);
	for (i = 0; i < f->nr_sinks; i++)
		printf("%s%u", i ? "," : " ", f->sink_port[i]);
	if (f->state == FLOWSWITCH_FLOW_FAILED)
		printf("  [%s at %" PRIu64 ": %s]",
		       fsw_stage_name(f->fail_stage), f->fail_offset,
		       strerror((int)f->error));
	printf("\n");
	for (i = 0; i < f->nr_stages; i++) {
		char hex[2 * FLOWSWITCH_MAX_DIGEST + 1] = "";

		if (f->stages[i].digest_len)
			fsw_hex(f->stages[i].digest, f->stages[i].digest_len,
				hex);
		printf("       stage %u: %s %s on %s%s%s\n", i + 1,
		       fsw_xform_name(f->stages[i].kind), f->stages[i].alg,
		       f->stages[i].driver, hex[0] ? " = " : "", hex);
	}
	return 0;
}

static int dump_pool(const struct fsw_nl_pool *p, void *arg)
{
	struct dump_out *o = arg;
	char prov[16] = "-";

	if (p->provider)
		fsw_pci_str(p->provider, prov, sizeof(prov));
	if (o->json) {
		json_object *j = json_object_new_object();

		json_object_object_add(j, "owner", owner_json(&p->owner));
		J_U64(j, "flow", p->flow);
		J_STR(j, "kind", fsw_pool_name(p->kind));
		J_U64(j, "bytes", p->bytes);
		J_U64(j, "chunk", p->chunk);
		J_U64(j, "depth", p->depth);
		J_U64(j, "in_use", p->in_use);
		if (p->provider)
			J_STR(j, "provider", prov);
		json_object_array_add(o->arr, j);
		return 0;
	}
	if (!o->n++)
		printf("%-6s %-7s %-4s %-4s %12s %9s %5s %6s %s\n", "OWNER",
		       "PID", "FLOW", "KIND", "BYTES", "CHUNK", "DEPTH",
		       "IN_USE", "PROVIDER");
	printf("%-6u %-7u %-4u %-4s %12" PRIu64 " %9u %5u %6u %s\n",
	       p->owner.id, p->owner.pid, p->flow, fsw_pool_name(p->kind),
	       p->bytes, p->chunk, p->depth, p->in_use, prov);
	return 0;
}

static int dump_verdict(const struct fsw_nl_verdict *v, void *arg)
{
	struct dump_out *o = arg;
	char prov[16], init[16], bridge[16] = "-";

	fsw_pci_str(v->provider, prov, sizeof(prov));
	fsw_pci_str(v->initiator, init, sizeof(init));
	if (v->bridge)
		fsw_pci_str(v->bridge, bridge, sizeof(bridge));
	if (o->json) {
		json_object *j = json_object_new_object();

		J_STR(j, "provider", prov);
		J_STR(j, "initiator", init);
		J_STR(j, "map", fsw_map_name(v->map));
		json_object_object_add(j, "distance",
				       json_object_new_int(v->distance));
		J_STR(j, "reason", fsw_p2p_reason_name(v->reason));
		if (v->bridge)
			J_STR(j, "acs_bridge", bridge);
		json_object_object_add(
			j, "iommu",
			json_object_new_boolean(v->flags &
						FLOWSWITCH_VERDICT_IOMMU));
		J_STR(j, "canary_in", fsw_canary_name(v->canary_in));
		J_STR(j, "canary_out", fsw_canary_name(v->canary_out));
		json_object_array_add(o->arr, j);
		return 0;
	}
	if (!o->n++)
		printf("%-12s %-12s %-11s %8s %-5s %-12s %-8s %s\n", "PROVIDER",
		       "INITIATOR", "MAP", "DISTANCE", "IOMMU", "ACS-BRIDGE",
		       "CANARY", "REASON");
	printf("%-12s %-12s %-11s %8d %-5s %-12s %-8s %s\n", prov, init,
	       fsw_map_name(v->map), v->distance,
	       v->flags & FLOWSWITCH_VERDICT_IOMMU ? "yes" : "no", bridge,
	       fsw_canary_name(v->canary_in),
	       v->reason ? fsw_p2p_reason_name(v->reason) : "ok");
	return 0;
}

static void dump_usage(FILE *out)
{
	fprintf(out, "usage: flowctl dump stats|ports|flows|pools|p2p [--owner "
		     "N] [--json]\n"
		     "  what the module holds, for every file descriptor "
		     "(netlink)\n");
}

int flowctl_dump(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"owner", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{}};
	struct dump_out o = {0};
	struct fsw_nl_stats st;
	unsigned long owner = 0;
	struct fsw_nl *nl;
	const char *what;
	char *end;
	int c, ret;

	while ((c = getopt_long(argc, argv, "jo:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o.json = true;
			break;
		case 'o':
			errno = 0;
			owner = strtoul(optarg, &end, 0);
			if (errno || *end || !owner || owner > UINT32_MAX) {
				fprintf(stderr,
					"flowctl dump: bad owner '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			dump_usage(stdout);
			return 0;
		default:
			dump_usage(stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		dump_usage(stderr);
		return 2;
	}
	what = argv[optind];
	if (strcmp(what, "stats") && strcmp(what, "ports") &&
	    strcmp(what, "flows") && strcmp(what, "pools") &&
	    strcmp(what, "p2p")) {
		fprintf(stderr, "flowctl dump: unknown object '%s'\n", what);
		dump_usage(stderr);
		return 2;
	}
	if (nl_open_or_say(&nl))
		return 1;
	if (!strcmp(what, "stats")) {
		ret = fsw_nl_get_stats(nl, &st);
		if (!ret)
			print_stats(&st, o.json);
		goto out;
	}
	o.arr = json_object_new_array();
	if (!strcmp(what, "ports"))
		ret = fsw_nl_dump_ports(nl, owner, dump_port, &o);
	else if (!strcmp(what, "flows"))
		ret = fsw_nl_dump_flows(nl, owner, dump_flow, &o);
	else if (!strcmp(what, "pools"))
		ret = fsw_nl_dump_pools(nl, owner, dump_pool, &o);
	else
		ret = fsw_nl_dump_p2p(nl, UINT32_MAX, UINT32_MAX, dump_verdict,
				      &o);
	if (!ret && o.json)
		printf("%s\n", json_object_to_json_string_ext(
				       o.arr, JSON_C_TO_STRING_PRETTY |
						      JSON_C_TO_STRING_SPACED));
	else if (!ret && !o.n)
		printf("no %s\n", what);
	json_object_put(o.arr);
out:
	if (ret)
		say_refusal(nl, what, ret);
	fsw_nl_close(nl);
	return ret ? 1 : 0;
}

/* ---- monitor ------------------------------------------------------ */

struct monitor {
	bool json;
	unsigned long left; /* events still to print; 0: without end */
};

static int print_event(const struct fsw_nl_event *ev, void *arg)
{
	struct monitor *m = arg;
	char pci[16], hex[2 * FLOWSWITCH_MAX_DIGEST + 1];

	if (m->json) {
		json_object *j = json_object_new_object();

		J_STR(j, "event", fsw_nl_event_name(ev->type));
		if (ev->has_owner)
			json_object_object_add(j, "owner",
					       owner_json(&ev->owner));
		if (ev->type == FLOWSWITCH_NL_EVENT_DEVICE_REMOVED ||
		    ev->type == FLOWSWITCH_NL_EVENT_DEVICE_UNBOUND) {
			fsw_pci_str(ev->pci, pci, sizeof(pci));
			J_STR(j, "pci", pci);
		} else if (ev->type == FLOWSWITCH_NL_EVENT_POOL_EXHAUSTED) {
			J_U64(j, "error", ev->error);
		} else {
			J_U64(j, "flow", ev->flow);
			if (ev->name[0])
				J_STR(j, "name", ev->name);
			J_STR(j, "state", fsw_state_name(ev->state));
			J_U64(j, "bytes_done", ev->bytes_done);
			if (ev->type == FLOWSWITCH_NL_EVENT_FALLBACK)
				J_STR(j, "reason",
				      fsw_p2p_reason_name(ev->reason));
			if (ev->state == FLOWSWITCH_FLOW_FAILED) {
				J_U64(j, "error", ev->error);
				J_STR(j, "stage", fsw_stage_name(ev->stage));
				J_U64(j, "offset", ev->offset);
			}
			if (ev->digest_len) {
				fsw_hex(ev->digest, ev->digest_len, hex);
				J_STR(j, "digest", hex);
			}
		}
		printf("%s\n", json_object_to_json_string_ext(
				       j, JSON_C_TO_STRING_PLAIN));
		json_object_put(j);
	} else if (ev->type == FLOWSWITCH_NL_EVENT_DEVICE_REMOVED ||
		   ev->type == FLOWSWITCH_NL_EVENT_DEVICE_UNBOUND) {
		fsw_pci_str(ev->pci, pci, sizeof(pci));
		printf("%s %s\n", fsw_nl_event_name(ev->type), pci);
	} else if (ev->type == FLOWSWITCH_NL_EVENT_POOL_EXHAUSTED) {
		printf("pool-exhausted owner %u (%s): %s\n", ev->owner.id,
		       ev->owner.comm, strerror((int)ev->error));
	} else {
		printf("%s owner %u flow %u%s%s%s %s bytes_done %" PRIu64,
		       fsw_nl_event_name(ev->type), ev->owner.id, ev->flow,
		       ev->name[0] ? " (" : "", ev->name,
		       ev->name[0] ? ")" : "", fsw_state_name(ev->state),
		       ev->bytes_done);
		if (ev->type == FLOWSWITCH_NL_EVENT_FALLBACK)
			printf(" reason %s", fsw_p2p_reason_name(ev->reason));
		if (ev->state == FLOWSWITCH_FLOW_FAILED)
			printf(" error %s stage %s offset %" PRIu64,
			       strerror((int)ev->error),
			       fsw_stage_name(ev->stage), ev->offset);
		if (ev->digest_len) {
			fsw_hex(ev->digest, ev->digest_len, hex);
			printf(" digest %s", hex);
		}
		printf("\n");
	}
	fflush(stdout);
	if (m->left && !--m->left)
		return 1; /* enough: stop */
	return 0;
}

int flowctl_monitor(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"count", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{}};
	struct monitor m = {0};
	struct fsw_nl *nl;
	char *end;
	int c, ret;

	while ((c = getopt_long(argc, argv, "jc:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			m.json = true;
			break;
		case 'c':
			errno = 0;
			m.left = strtoul(optarg, &end, 0);
			if (errno || *end || !m.left) {
				fprintf(stderr,
					"flowctl monitor: bad count '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			printf("usage: flowctl monitor [--json] [--count N]\n"
			       "  print the module's events as they happen, "
			       "one per line\n");
			return 0;
		default:
			fprintf(stderr, "usage: flowctl monitor [--json] "
					"[--count N]\n");
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr,
			"usage: flowctl monitor [--json] [--count N]\n");
		return 2;
	}
	if (nl_open_or_say(&nl))
		return 1;
	ret = fsw_nl_subscribe(nl);
	if (ret) {
		say_refusal(nl, "joining the events group", ret);
		fsw_nl_close(nl);
		return 1;
	}
	/* A line per event, at once, also into a pipe. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		ret = fsw_nl_recv_events(nl, false, print_event, &m);
		if (ret == -ENOBUFS) {
			/* Say so in the stream, where a reader looks. */
			if (m.json)
				printf("{\"event\":\"lost\"}\n");
			else
				printf("lost events: the socket's buffer "
				       "overflowed\n");
			continue;
		}
		if (ret && ret != -EINTR)
			break;
	}
	fsw_nl_close(nl);
	if (ret == 1)
		return 0;
	fprintf(stderr, "flowctl monitor: %s\n", strerror(-ret));
	return 1;
}
