// SPDX-License-Identifier: GPL-2.0
/*
 * flowctl topo, end to end: /bin/flowctl topo --json while this test
 * holds a port on each NVMe must show both controllers in the PCIe tree
 * (parents that exist, their disks, our ports on them) and, on a P2PDMA
 * kernel, B's CMB as a p2pmem provider and the verdict of A against it
 * as t-p2p-topo expects for the topology (FSW_TOPO) -- with the same
 * distance the explain ioctl gives, and, after a flow through B's CMB,
 * the path self-test's state (issue 9).  On a kernel without P2PDMA: no
 * providers, no verdicts, and a note that says why.  --dot is Graphviz;
 * --svg without dot in the guest must say so and fail.
 */
#include <sys/wait.h>

#include <json-c/json.h>

#include "flowtest.h"

struct topo {
	const char *name;
	int allowed;
	const char *map, *reason;
	int iommu;
	int flow; /* a p2p flow can run through B's CMB */
	int wrong_data; /* its self-test fails */
};

/* As tests/guest/t-p2p-topo.c, in the names flowctl topo --json uses. */
static const struct topo topos[] = {
	{"switch", 1, "bus-address", "ok", 0, 1, 0},
	{"switch-trace", 1, "bus-address", "ok", 0, 1, 0},
	{"rootports", 0, "none", "host-bridge", 0, 0, 0},
	{"rootports-epyc", 1, "host-bridge", "ok", 0, 1, 0},
	{"iommu-rootports", 0, "none", "acs-redirect", 1, 0, 0},
	{"iommu-switch", 1, "bus-address", "ok", 1, 1, 1},
};

static char err_buf[8192], dot_buf[65536];

/* Run /bin/flowctl with @args, stdout to @out; its exit code or -1. */
static int flowctl(const char *out, const char *const *args)
{
	const char *argv[8] = {"flowctl"};
	int status, fd, i;
	ssize_t n;
	pid_t pid;

	for (i = 0; args[i] && i < 6; i++)
		argv[i + 1] = args[i];
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open("/tmp/topo-stderr", O_WRONLY | O_CREAT | O_TRUNC,
			     0644);

		if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(127);
		execv("/bin/flowctl", (char *const *)argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	fd = open("/tmp/topo-stderr", O_RDONLY);
	n = fd < 0 ? 0 : read(fd, err_buf, sizeof(err_buf) - 1);
	err_buf[n > 0 ? n : 0] = 0;
	if (fd >= 0)
		close(fd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return NULL;
	return json_object_get_string(v);
}

static json_object *jget(json_object *o, const char *key)
{
	json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

static json_object *find_by(json_object *arr, const char *key, const char *val)
{
	size_t i;

	for (i = 0; arr && i < json_object_array_length(arr); i++) {
		json_object *o = json_object_array_get_idx(arr, i);
		const char *s = jstr(o, key);

		if (s && !strcmp(s, val))
			return o;
	}
	return NULL;
}

static json_object *topo_json(void)
{
	static const char *const args[] = {"topo", "--json", NULL};
	json_object *j;
	int rc = flowctl("/tmp/topo.json", args);

	CHECK(rc == 0, "flowctl topo --json: exit %d: %s", rc, err_buf);
	j = json_object_from_file("/tmp/topo.json");
	CHECK(j, "flowctl topo --json: not JSON: %s", json_util_get_last_err());
	return j;
}

/* The device @pci is in the tree, under parents that are, with @disk and
 * our port @port on it. */
static void check_device(json_object *devs, const char *pci, const char *dev,
			 int port)
{
	json_object *d = find_by(devs, "pci", pci), *disks, *ports, *p;
	const char *parent;
	int hops = 0, found = 0;
	size_t i;

	CHECK(d, "%s not in the tree", pci);
	if (!d)
		return;
	CHECK(jstr(d, "class") && !strcmp(jstr(d, "class"), "0108"),
	      "%s: class %s", pci, jstr(d, "class"));
	disks = jget(d, "disks");
	for (i = 0; disks && i < json_object_array_length(disks); i++)
		found |= !strcmp(json_object_get_string(
					 json_object_array_get_idx(disks, i)),
				 dev + strlen("/dev/"));
	CHECK(found, "%s: disk %s not listed", pci, dev);
	ports = jget(d, "ports");
	found = 0;
	for (i = 0; ports && i < json_object_array_length(ports); i++) {
		p = json_object_array_get_idx(ports, i);
		found |= json_object_get_int(jget(p, "id")) == port &&
			 jstr(p, "path") && !strcmp(jstr(p, "path"), dev);
	}
	CHECK(found, "%s: our port %d on %s not listed", pci, port, dev);
	/* Up the tree to the host bridge: every parent is a device. */
	for (p = d; (parent = jstr(p, "parent")) && hops < 16; hops++) {
		p = find_by(devs, "pci", parent);
		CHECK(p, "%s: parent %s not in the tree", pci, parent);
		if (!p)
			break;
	}
	CHECK(hops < 16, "%s: parent loop", pci);
}

int main(void)
{
	const char *want = getenv("FSW_TOPO"), *a, *b, *s;
	const char *p2pdma_env = getenv("FSW_EXPECT_P2PDMA");
	int p2pdma = p2pdma_env && atoi(p2pdma_env);
	char name_a[64], name_b[64];
	struct flowswitch_p2p_verdict v[2];
	uint32_t ports[2];
	struct flowswitch_p2p_explain ex = {
		.size = sizeof(ex),
		.flags = FLOWSWITCH_FLOW_NAMED_PROVIDER,
		.nr_ports = 2,
		.ports_uptr = (uintptr_t)ports,
		.nr_verdicts = 2,
		.verdict_size = sizeof(v[0]),
		.verdicts_uptr = (uintptr_t)v,
	};
	const struct topo *t = NULL;
	json_object *j, *devs, *verdicts, *ver, *prov;
	int fsw, i, rc;

	if (access("/bin/flowctl", X_OK)) {
		fprintf(stderr, "no /bin/flowctl\n");
		return T_FAIL;
	}
	for (i = 0; want && i < (int)(sizeof(topos) / sizeof(topos[0])); i++)
		if (!strcmp(topos[i].name, want))
			t = &topos[i];
	if (p2pdma && !t) {
		fprintf(stderr, "unknown topology '%s'\n", want ? want : "");
		return T_FAIL;
	}
	a = nvme_by_serial("fswA");
	b = nvme_by_serial("fswB");
	fsw = fsw_open(NULL);
	if (!a || !b || fsw < 0 || !pci_of_nvme(a, name_a, sizeof(name_a)) ||
	    !pci_of_nvme(b, name_b, sizeof(name_b)))
		return T_FAIL;
	ports[0] = port_on(fsw, a, O_RDONLY, FLOWSWITCH_PORT_READ);
	ports[1] = port_on(fsw, b, O_WRONLY, FLOWSWITCH_PORT_WRITE);
	CHECK((int)ports[0] > 0 && (int)ports[1] > 0, "ports");

	j = topo_json();
	if (!j)
		return T_FAIL;
	devs = jget(j, "devices");
	verdicts = jget(j, "verdicts");
	prov = jget(j, "providers");
	check_device(devs, name_a, a, ports[0]);
	check_device(devs, name_b, b, ports[1]);
	CHECK(json_object_get_boolean(jget(j, "p2pdma")) == p2pdma, "p2pdma %s",
	      jstr(j, "p2pdma"));

	if (!p2pdma) {
		/* Stock: nothing to verdict, and says why. */
		s = jstr(j, "note");
		CHECK(json_object_array_length(verdicts) == 0 &&
			      json_object_array_length(prov) == 0,
		      "verdicts or providers without P2PDMA");
		CHECK(s && strstr(s, "CONFIG_PCI_P2PDMA"), "note: %s",
		      s ? s : "(none)");
		printf("stock: no providers: %s\n", s ? s : "");
		goto out;
	}

	/* B's CMB is a provider with its size. */
	CHECK(find_by(devs, "pci", name_b) &&
		      jget(find_by(devs, "pci", name_b), "p2pmem") &&
		      json_object_get_uint64(
			      jget(jget(find_by(devs, "pci", name_b), "p2pmem"),
				   "size")) > 0,
	      "%s has no p2pmem", name_b);
	for (i = 0, rc = 0; i < (int)json_object_array_length(prov); i++)
		rc |= !strcmp(json_object_get_string(
				      json_object_array_get_idx(prov, i)),
			      name_b);
	CHECK(rc, "%s not among the providers", name_b);

	/* A against B's CMB: what t-p2p-topo expects, the ioctl's distance. */
	ex.provider = pci_addr_of(name_b);
	CHECK(!ioctl(fsw, FLOWSWITCH_IOC_P2P_EXPLAIN, &ex), "explain: %m");
	ver = NULL;
	for (i = 0; i < (int)json_object_array_length(verdicts); i++) {
		json_object *o = json_object_array_get_idx(verdicts, i);

		if (!strcmp(jstr(o, "provider") ?: "", name_b) &&
		    !strcmp(jstr(o, "initiator") ?: "", name_a))
			ver = o;
	}
	CHECK(ver, "no verdict for %s -> CMB of %s", name_a, name_b);
	if (!ver)
		goto out;
	printf("%s: topo: %s -> %s map %s distance %d reason %s iommu %d "
	       "acs %s (ioctl: distance %d)\n",
	       t->name, name_a, name_b, jstr(ver, "map"),
	       json_object_get_int(jget(ver, "distance")), jstr(ver, "reason"),
	       json_object_get_boolean(jget(ver, "iommu")),
	       jstr(ver, "acs_bridge") ?: "-", v[0].distance);
	CHECK(!strcmp(jstr(ver, "map"), t->map), "map %s, want %s",
	      jstr(ver, "map"), t->map);
	CHECK(!strcmp(jstr(ver, "reason"), t->reason), "reason %s, want %s",
	      jstr(ver, "reason"), t->reason);
	CHECK((json_object_get_int(jget(ver, "distance")) >= 0) == t->allowed,
	      "distance %d", json_object_get_int(jget(ver, "distance")));
	CHECK(json_object_get_int(jget(ver, "distance")) == v[0].distance,
	      "distance %d, the ioctl says %d",
	      json_object_get_int(jget(ver, "distance")), v[0].distance);
	CHECK(json_object_get_boolean(jget(ver, "iommu")) == t->iommu, "iommu");
	if (!strcmp(t->reason, "acs-redirect"))
		CHECK(jstr(ver, "acs_bridge"), "no ACS bridge named");
	json_object_put(j);

	if (t->flow) {
		/* A reads into B's CMB: A's self-test into the provider. */
		struct flowswitch_sink sink = {.port_id = ports[1],
					       .offset = 320 * MiB};
		struct flowswitch_flow_create fc = {
			.flags = FLOWSWITCH_FLOW_NAMED_PROVIDER,
			.placement = FLOWSWITCH_P2P_PREFERRED,
			.p2p_provider = pci_addr_of(name_b),
			.src_port_id = ports[0],
			.src_offset = 320 * MiB,
			.length = 1 * MiB,
			.chunk_size = 256 * KiB,
			.depth = 2,
			.nr_sinks = 1,
			.sinks_uptr = (uintptr_t)&sink,
		};
		unsigned int state;
		int id = fsw_flow_create(fsw, &fc);

		CHECK(id > 0, "flow: %s", strerror(-id));
		if (id > 0) {
			fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_START);
			fsw_flow_wait(fsw, id, 0, &state);
		}
		j = topo_json();
		ver = NULL;
		verdicts = j ? jget(j, "verdicts") : NULL;
		for (i = 0;
		     verdicts && i < (int)json_object_array_length(verdicts);
		     i++) {
			json_object *o = json_object_array_get_idx(verdicts, i);

			if (!strcmp(jstr(o, "provider") ?: "", name_b) &&
			    !strcmp(jstr(o, "initiator") ?: "", name_a))
				ver = o;
		}
		s = ver ? jstr(ver, "canary_in") : NULL;
		printf("%s: after a flow: canary_in %s, %llu ms ago\n", t->name,
		       s ? s : "?",
		       ver ? (unsigned long long)json_object_get_uint64(
				     jget(ver, "canary_in_age_ms"))
			   : 0ULL);
		CHECK(s && !strcmp(s, t->wrong_data ? "failed" : "passed"),
		      "canary_in %s", s ? s : "(none)");
		json_object_put(j);
	}
out:
	/* The picture: Graphviz text; --svg without dot says why. */
	{
		static const char *const dot[] = {"topo", "--dot", NULL};
		static const char *const svg[] = {"topo", "--svg",
						  "/tmp/topo.svg", NULL};
		int fd;
		ssize_t n;

		static const char *const text[] = {"topo", NULL};

		/* The text, for the log. */
		rc = flowctl("/tmp/topo.txt", text);
		fd = open("/tmp/topo.txt", O_RDONLY);
		n = fd < 0 ? 0 : read(fd, dot_buf, sizeof(dot_buf) - 1);
		dot_buf[n > 0 ? n : 0] = 0;
		if (fd >= 0)
			close(fd);
		CHECK(rc == 0 && strstr(dot_buf, name_a) &&
			      strstr(dot_buf, name_b),
		      "flowctl topo: exit %d", rc);
		printf("%s", dot_buf);
		rc = flowctl("/tmp/topo.dot", dot);
		fd = open("/tmp/topo.dot", O_RDONLY);
		n = fd < 0 ? 0 : read(fd, dot_buf, sizeof(dot_buf) - 1);
		dot_buf[n > 0 ? n : 0] = 0;
		if (fd >= 0)
			close(fd);
		CHECK(rc == 0 && !strncmp(dot_buf, "digraph", 7) &&
			      strstr(dot_buf, name_b),
		      "--dot: exit %d: %.60s", rc, dot_buf);
		rc = flowctl("/tmp/topo.out", svg);
		CHECK(rc == 1 && strstr(err_buf, "graphviz"),
		      "--svg without dot: exit %d: %s", rc, err_buf);
	}
	close(fsw);
	return t_result();
}
