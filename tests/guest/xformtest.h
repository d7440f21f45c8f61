/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest tests of transform stages: stages keyed through pipes, ports on
 * paths or descriptors, and one-sink flows run to their end.
 */
#ifndef FSW_XFORMTEST_H
#define FSW_XFORMTEST_H

#include "algtest.h"
#include "flowtest.h"

/* A stage of @kind; keyed from a pipe holding @k, with @iv, if @k. */
static inline void xstage(struct flowswitch_transform *t, unsigned int kind,
			  const char *alg, const uint8_t *k, size_t klen,
			  const uint8_t *iv)
{
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	snprintf(t->alg, sizeof(t->alg), "%s", alg);
	t->key_fd = -1;
	if (k) {
		t->flags = FLOWSWITCH_XFORM_KEY_FD;
		t->key_fd = key_pipe(k, klen);
		memcpy(t->iv, iv, sizeof(t->iv));
	}
}

static inline void close_keys(struct flowswitch_transform *st, unsigned int n)
{
	while (n--)
		if (st[n].key_fd >= 0)
			close(st[n].key_fd);
}

/* A port on @fd, or on a fresh descriptor of @path. */
static inline int xport(int fsw, const char *path, int fd, int oflags,
			unsigned int flags)
{
	struct flowswitch_port_create pc = {.flags = flags, .fd = fd};
	int id;

	if (path)
		pc.fd = open(path, oflags, 0644);
	id = fsw_port_create(fsw, &pc);
	if (path)
		close(pc.fd);
	return id;
}

/* Create a flow @src -> [@st] -> @dst in @chunk chunks; id or -errno. */
static inline int xflow(int fsw, int src, int dst, uint64_t len, uint32_t chunk,
			struct flowswitch_transform *st, unsigned int n,
			struct flowswitch_flow_create *fc)
{
	struct flowswitch_sink sink = {.port_id = (unsigned int)dst};

	memset(fc, 0, sizeof(*fc));
	fc->chunk_size = chunk;
	fc->depth = 4;
	fc->src_port_id = (unsigned int)src;
	fc->length = len;
	fc->nr_sinks = 1;
	fc->sinks_uptr = (uintptr_t)&sink;
	fc->nr_stages = n;
	fc->stages_uptr = (uintptr_t)st;
	return fsw_flow_create(fsw, fc);
}

/* Start flow @id, wait for its end, query it into @q. */
static inline void xrun(int fsw, int id, struct flowswitch_flow_query *q)
{
	unsigned int state;

	CHECK(!fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_START), "start");
	CHECK(!fsw_flow_wait(fsw, id, 0, &state), "wait");
	memset(q, 0, sizeof(*q));
	CHECK(!fsw_flow_query(fsw, id, q), "query");
}

/* busybox sha256sum of @path's first @len bytes (0: all of it), as hex. */
static inline void sha256_hex(const char *path, uint64_t len, char *hex)
{
	char cmd[256];
	FILE *p;

	if (len)
		snprintf(cmd, sizeof(cmd), "head -c %llu %s | sha256sum",
			 (unsigned long long)len, path);
	else
		snprintf(cmd, sizeof(cmd), "sha256sum %s", path);
	p = popen(cmd, "r");
	hex[0] = 0;
	if (p) {
		if (!fgets(hex, 65, p))
			hex[0] = 0;
		pclose(p);
	}
	hex[64] = 0;
}

static inline void to_hex(const uint8_t *d, unsigned int n, char *hex)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		sprintf(hex + 2 * i, "%02x", d[i]);
	hex[2 * n] = 0;
}

#endif /* FSW_XFORMTEST_H */
