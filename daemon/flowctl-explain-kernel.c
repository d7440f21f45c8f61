// SPDX-License-Identifier: GPL-2.0
/*
 * flowctl explain --kernel: after the offline plan, what the running
 * module says about each chain's devices -- FLOWSWITCH_IOC_P2P_EXPLAIN on
 * read-only ports of the chain's source and sinks: the provider it would
 * choose, the distance, the reason when it refuses, each device's verdict
 * with the cached path self-test, and the provider's free p2p memory.
 * Nothing is created but the ports, and they go with the descriptor.
 * Then each transform's engine: the driver the stage would get (the one
 * named by engine=, else the highest priority of the flow's 'engine =
 * hw|sw' class, else the highest priority in /proc/crypto), its class and
 * the evidence for it (daemon/crypto-class.h), and the others that
 * implement its algorithm.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "crypto-class.h"
#include "engine-uring-xform.h"
#include "flowctl.h"
#include "flowlang-txn.h"
#include "flowlang.h"
#include "flowswitch.h"

/* A read-only port on @p's device; its id, or -errno. */
static int port_of(int fsw, const struct flang_plan_port *p)
{
	struct flowswitch_port_create pc = {.flags = FLOWSWITCH_PORT_READ};
	int ret;

	if (p->kind != FLANG_PORT_NVME && p->kind != FLANG_PORT_BLOCK &&
	    p->kind != FLANG_PORT_FILE)
		return -EOPNOTSUPP;
	pc.fd = open(p->path, O_RDONLY | O_CLOEXEC);
	if (pc.fd < 0)
		return -errno;
	ret = fsw_port_create(fsw, &pc);
	close(pc.fd);
	return ret;
}

/* Which engine serves transform @s of flow @f, and why. */
static void explain_engine(const struct flang_plan_flow *f,
			   const struct flang_plan_stage *s, FILE *out)
{
	uint32_t kind = flang_xf_kernel_kind(s->xf);
	/* as daemon/apply.c resolves it: the stage's class, else the flow's */
	enum flang_engine_class want = s->engine_class != FLANG_ENGINE_ANY
					       ? s->engine_class
					       : f->engine_class;
	const char *cls = fsw_crypto_class_name(want);
	struct fsw_crypto_engine a[8];
	int n, i, pick = 0;
	bool also = false;

	if (!kind || !s->alg)
		return;
	if (uxform_kind_comp(kind))
		want = FLANG_ENGINE_ANY; /* compression is not classed */
	n = fsw_crypto_engines("", s->alg, kind, a, 8);
	fprintf(out, "    transform \"%s\": ", s->alg);
	if (!n) {
		fprintf(out, "no driver in /proc/crypto%s%s\n",
			uxform_kind_comp(kind)
				? " (a module the kernel loads on demand?)"
				: "",
			want == FLANG_ENGINE_ANY ? ""
			: f->engine_strength == FLANG_PREFERRED
				? "; no class to check: the "
				  "crypto API's choice, A0201"
				: "; no class to check: refused "
				  "at apply, A0200");
		return;
	}
	if (s->engine) {
		for (pick = 0;
		     pick < n && strcmp(a[pick].alg.driver, s->engine); pick++)
			;
		if (pick == n) {
			fprintf(out,
				"engine \"%s\" does not implement it "
				"(ENOENT at apply)",
				s->engine);
			pick = -1;
		} else {
			fprintf(out,
				"%s (priority %d, %s: %s), named by engine=",
				a[pick].alg.driver, a[pick].alg.priority,
				fsw_crypto_class_name(a[pick].class),
				a[pick].why);
		}
	} else if (want != FLANG_ENGINE_ANY &&
		   (pick = fsw_crypto_pick_class(a, n, want)) >= 0) {
		fprintf(out,
			"%s (priority %d, %s: %s), the highest priority of "
			"the %s class the %s asks for",
			a[pick].alg.driver, a[pick].alg.priority, cls,
			a[pick].why, cls,
			s->engine_class != FLANG_ENGINE_ANY ? "stage" : "flow");
	} else if (want != FLANG_ENGINE_ANY &&
		   f->engine_strength != FLANG_PREFERRED) {
		fprintf(out, "no %s engine: refused at apply (A0200)", cls);
	} else {
		pick = 0;
		fprintf(out,
			"%s (priority %d, %s: %s), the crypto API's "
			"choice: the highest priority%s%s%s",
			a[0].alg.driver, a[0].alg.priority,
			fsw_crypto_class_name(a[0].class), a[0].why,
			want != FLANG_ENGINE_ANY ? " (no " : "",
			want != FLANG_ENGINE_ANY ? cls : "",
			want != FLANG_ENGINE_ANY
				? " engine: 'preferred' falls back, A0201)"
				: "");
	}
	for (i = 0; i < n; i++) {
		if (i == pick)
			continue;
		fprintf(out, "%s%s (%d, %s)", also ? ", " : "; also ",
			a[i].alg.driver, a[i].alg.priority,
			fsw_crypto_class_name(a[i].class));
		also = true;
	}
	fputc('\n', out);
}

static void explain_chain(int fsw, const struct flang_plan *plan,
			  const struct flang_plan_flow *f, unsigned int chain,
			  FILE *out)
{
	struct flowswitch_p2p_verdict v[FLOWSWITCH_MAX_SINKS + 1];
	struct flowswitch_p2p_explain ex = {.size = sizeof(ex)};
	uint32_t ids[FLOWSWITCH_MAX_SINKS + 1];
	const struct flang_plan_port *who[FLOWSWITCH_MAX_SINKS + 1];
	char pci[32], bridge[32];
	unsigned int i, n = 0;

	fprintf(out, "  flow %s, chain %u:\n", f->name, chain + 1);
	for (i = 0; i < f->nstages && n < FLOWSWITCH_MAX_SINKS + 1; i++) {
		const struct flang_plan_stage *s = &f->stages[i];
		const struct flang_plan_port *p;
		int id;

		if (s->chain != chain || s->kind == FLANG_STAGE_TRANSFORM)
			continue;
		p = &plan->ports[s->port];
		id = port_of(fsw, p);
		if (id < 0) {
			fprintf(out, "    %s: not asked (%s)\n", p->name,
				id == -EOPNOTSUPP ? "not a device the kernel "
						    "can judge here"
						  : strerror(-id));
			continue;
		}
		who[n] = p;
		ids[n++] = (uint32_t)id;
	}
	if (!n)
		return;
	ex.nr_ports = n;
	ex.ports_uptr = (uintptr_t)ids;
	ex.nr_verdicts = n;
	ex.verdict_size = sizeof(v[0]);
	ex.verdicts_uptr = (uintptr_t)v;
	memset(v, 0, sizeof(v));
	if (ioctl(fsw, FLOWSWITCH_IOC_P2P_EXPLAIN, &ex)) {
		fprintf(out, "    the module refused to explain: %s\n",
			strerror(errno));
		return;
	}
	fsw_pci_str(ex.provider, pci, sizeof(pci));
	if (ex.reason == FLOWSWITCH_P2P_OK)
		fprintf(out,
			"    p2p: yes, provider %s, distance %d, %llu KiB of "
			"p2p memory free\n",
			pci, ex.distance,
			(unsigned long long)(ex.p2pmem_free >> 10));
	else
		fprintf(out, "    p2p: no: %s\n",
			fsw_p2p_reason_name(ex.reason));
	for (i = 0; i < ex.nr_verdicts && i < n; i++) {
		/* Without P2PDMA there is nothing per device to say. */
		if (!v[i].initiator && ex.reason != FLOWSWITCH_P2P_OK)
			continue;
		fsw_pci_str(v[i].initiator, pci, sizeof(pci));
		fprintf(out, "    %-12s %s: %s, distance %d, %s", who[i]->name,
			v[i].initiator ? pci : "-", fsw_map_name(v[i].map),
			v[i].distance, fsw_p2p_reason_name(v[i].reason));
		if (v[i].bridge) {
			fsw_pci_str(v[i].bridge, bridge, sizeof(bridge));
			fprintf(out, " (bridge %s)", bridge);
		}
		if (v[i].flags & FLOWSWITCH_VERDICT_IOMMU)
			fprintf(out, ", behind an IOMMU");
		fprintf(out, ", self-test in %s, out %s\n",
			fsw_canary_name(v[i].canary_in),
			fsw_canary_name(v[i].canary_out));
	}
	for (i = 0; i < n; i++)
		fsw_destroy(fsw, ids[i]);
	for (i = 0; i < f->nstages; i++)
		if (f->stages[i].chain == chain &&
		    f->stages[i].kind == FLANG_STAGE_TRANSFORM)
			explain_engine(f, &f->stages[i], out);
}

int flowctl_explain_kernel(const struct flang_plan *plan, const char *flow,
			   FILE *out)
{
	unsigned int i, c, chains;
	int fsw = fsw_open(NULL);

	if (fsw < 0) {
		fprintf(stderr, "flowctl explain --kernel: %s\n",
			strerror(-fsw));
		return 1;
	}
	fprintf(out, "\nkernel verdicts (FLOWSWITCH_IOC_P2P_EXPLAIN, nearest "
		     "provider):\n");
	for (i = 0; i < plan->nflows; i++) {
		const struct flang_plan_flow *f = &plan->flows[i];

		if (flow && strcmp(flow, f->name))
			continue;
		for (chains = 0, c = 0; c < f->nstages; c++)
			if (f->stages[c].chain + 1 > chains)
				chains = f->stages[c].chain + 1;
		for (c = 0; c < chains; c++)
			explain_chain(fsw, plan, f, c, out);
	}
	close(fsw);
	return 0;
}
