/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libflowlang - compiler for the .flow policy language.
 *
 * The shape follows libnftables: a context holds the settings (include
 * path, parameter overrides), a compile call takes a buffer or a file,
 * and leaves behind a list of diagnostics and, when there were no
 * errors, a plan.  The library does no I/O except reading the files it
 * is asked to compile (and the files those include); rendered output is
 * returned as malloc'd strings for the caller to print.
 *
 * Every pointer returned by the context stays valid until the next
 * compile call or flang_ctx_free().
 */
#ifndef FLOWLANG_H
#define FLOWLANG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct flang_ctx;

/* A source range; lines and columns count from 1, end is inclusive. */
struct flang_span {
	const char *file;
	unsigned int line;
	unsigned int col;
	unsigned int end_line;
	unsigned int end_col;
};

enum flang_severity {
	FLANG_SEV_ERROR,
	FLANG_SEV_WARNING,
};

struct flang_note {
	const char *msg;
	struct flang_span span;	/* file == NULL: the note has no location */
};

#define FLANG_MAX_LABELS 4
#define FLANG_MAX_NOTES 4

struct flang_diag {
	enum flang_severity severity;
	const char *code;	/* stable: "E0412", "W0506", ... */
	const char *msg;
	struct flang_span span;	/* primary, underlined with ^~~~ */
	/* secondary ranges on the primary line, underlined with ~~~~ */
	unsigned int nlabels;
	struct flang_span labels[FLANG_MAX_LABELS];
	unsigned int nnotes;
	struct flang_note notes[FLANG_MAX_NOTES];
	const char *help;	/* NULL when no fix is known */
	/*
	 * The primary span holds a secret written in the file: renderers
	 * that show source text must mask it (flang_diags_text does).
	 */
	bool redact;
};

struct flang_ctx *flang_ctx_new(void);
void flang_ctx_free(struct flang_ctx *ctx);

/* Directories searched, in order, after the including file's own one. */
int flang_ctx_add_include_path(struct flang_ctx *ctx, const char *dir);

/*
 * Override a param: "name=value", value written as in a .flow file
 * ("depth=32", "chunk=4MiB", "dev=\"/dev/nvme2n1\"").  Checked against
 * the param's declared type during compile; an override for a param the
 * program does not declare is an error there.
 */
int flang_ctx_set_param(struct flang_ctx *ctx, const char *assignment);

/*
 * The same for a site-wide value (flowd -D): it overrides the default of
 * a program that declares the param and is ignored by one that does not,
 * so one set of site values can serve a whole directory of files.
 */
int flang_ctx_set_site_param(struct flang_ctx *ctx, const char *assignment);

/*
 * Compile.  Return 0 when the program has no errors (warnings allowed),
 * 1 when diagnostics with errors were produced, -errno when the file
 * named could not be read or memory ran out.
 */
int flang_compile_buffer(struct flang_ctx *ctx, const char *name,
			 const char *buf, size_t len);
int flang_compile_file(struct flang_ctx *ctx, const char *path);

size_t flang_diag_count(const struct flang_ctx *ctx);
const struct flang_diag *flang_diag_get(const struct flang_ctx *ctx,
					size_t i);
unsigned int flang_error_count(const struct flang_ctx *ctx);
unsigned int flang_warning_count(const struct flang_ctx *ctx);

/*
 * Add a diagnostic at a span taken from the plan: how the layer that
 * applies a plan reports the kernel refusing item N at the file:line:col
 * that produced it, rendered like any other diagnostic.  @code is the
 * caller's (e.g. "K0095" for EOPNOTSUPP); it and @msg are copied.
 * Returns 0, or -ENOMEM, or -E2BIG when the list is full.  Like any
 * error, one added here makes flang_plan_get() return NULL afterwards.
 */
int flang_diag_add(struct flang_ctx *ctx, enum flang_severity sev,
		   const char *code, const struct flang_span *at,
		   const char *msg, const char *help);

/* Rendered diagnostics, malloc'd, NULL on ENOMEM.  Free with free(). */
char *flang_diags_text(const struct flang_ctx *ctx);
char *flang_diags_json(const struct flang_ctx *ctx);

/*
 * The plan: a plain tree of what the program asks for, with every name
 * resolved, every quantity in base units (bytes, bytes/s, ns) and every
 * item carrying the span that produced it.  Indices link the items.
 * Nothing here is kernel UAPI: translating a plan into the transaction
 * ioctl is the job of the layer that owns that UAPI, and the span of an
 * item is how a kernel refusal of that item is reported at file:line:col.
 */
enum flang_port_kind {
	FLANG_PORT_NVME,
	FLANG_PORT_BLOCK,
	FLANG_PORT_FILE,
	FLANG_PORT_SOCKET,
	FLANG_PORT_BAR,
	FLANG_PORT_DMABUF,
};

struct flang_plan_port {
	const char *name;
	enum flang_port_kind kind;
	const char *path;	/* nvme, block, file */
	bool direct;		/* file */
	int fd;			/* socket, dmabuf; -1 otherwise */
	const char *pci;	/* bar: "dddd:bb:dd.f" */
	unsigned int bar;	/* bar: BAR index 0..5 */
	struct flang_span span;
};

enum flang_pool_kind {
	FLANG_POOL_HOST,
	FLANG_POOL_P2P,		/* p2pmem published near the given ports */
	FLANG_POOL_CMB,		/* an NVMe controller memory buffer */
	FLANG_POOL_BAR,		/* a BAR claimed by the provider driver */
};

enum flang_strength {
	FLANG_REQUIRED,
	FLANG_PREFERRED,
	FLANG_FORBIDDEN,
};

#define FLANG_NO_INDEX UINT32_MAX

struct flang_plan_pool {
	const char *name;
	enum flang_pool_kind kind;
	uint64_t size;		/* bytes; 0 = not given, kernel decides */
	uint32_t near[2];	/* p2p: port indices */
	uint32_t provider;	/* cmb, bar: port index */
	int numa;		/* host: node, -1 = any */
	bool implicit;		/* inserted by the planner, not in the file */
	struct flang_span span;
};

enum flang_stage_kind {
	FLANG_STAGE_SOURCE,
	FLANG_STAGE_TRANSFORM,
	FLANG_STAGE_SINK,
};

enum flang_transform {
	FLANG_XF_NONE,
	FLANG_XF_COPY,		/* DMA engine copy, no CPU */
	FLANG_XF_TEE,		/* fan-out point, no CPU */
	FLANG_XF_AEAD,
	FLANG_XF_SKCIPHER,
	FLANG_XF_DIGEST,
	FLANG_XF_COMPRESS,
	FLANG_XF_ENCRYPT,	/* skcipher, enciphering in place */
	FLANG_XF_DECRYPT,	/* skcipher, deciphering in place */
	FLANG_XF_UNSEAL,	/* aead, opening the records aead() sealed */
	FLANG_XF_DECOMPRESS,	/* the frames compress() wrote */
};

enum flang_secret_kind {
	FLANG_SECRET_NONE,
	FLANG_SECRET_KEYRING,	/* ref = key description */
	FLANG_SECRET_FD,	/* fd = descriptor to read the key from */
};

struct flang_secret {
	enum flang_secret_kind kind;
	const char *ref;
	int fd;
};

/* 'engine = hw|sw': which class of crypto driver a flow's stages want. */
enum flang_engine_class {
	FLANG_ENGINE_ANY,	/* the crypto API's choice */
	FLANG_ENGINE_HW,	/* a device's driver */
	FLANG_ENGINE_SW,	/* the CPU's */
};

struct flang_plan_stage {
	enum flang_stage_kind kind;
	enum flang_transform xf;
	bool cpu;		/* stage runs on the CPU */
	uint32_t port;		/* source, sink */
	uint64_t offset;	/* sink: byte offset */
	const char *alg;	/* transform: crypto API name */
	struct flang_secret key;
	uint64_t unit;		/* encrypt/decrypt: data unit, 0 none */
	const char *engine;	/* transform: a driver name, or NULL */
	/* transform: engine=hw|sw (the flow's strength), else ANY */
	enum flang_engine_class engine_class;
	struct flang_span engine_span;
	const char *nonce;	/* aead/unseal: 24 hex digits, or NULL */
	unsigned int chain;	/* which chain of the flow, from 0 */
	/* the buffer this stage reads from (FLANG_NO_INDEX for the source) */
	uint32_t in_pool;
	/*
	 * The file asked for pool @wanted_pool (p2p, 'preferred') but a CPU
	 * stage touches this buffer, so the planner put it in host memory.
	 */
	bool host_inserted;
	uint32_t wanted_pool;
	enum flang_strength in_strength;
	uint64_t chunk;
	uint32_t depth;
	struct flang_span span;
};

enum flang_event {
	FLANG_EV_P2P_UNAVAILABLE,
	FLANG_EV_POOL_EXHAUSTED,
	FLANG_EV_IO_ERROR,
	FLANG_EV_DEVICE_REMOVED,
	FLANG_EV_PEER_CLOSED,
	FLANG_EV_TRANSFORM_ERROR,
	FLANG_EV_STALLED,
	FLANG_EV__COUNT
};

enum flang_action_kind {
	FLANG_ACT_RETRY,
	FLANG_ACT_FALLBACK,
	FLANG_ACT_PAUSE,
	FLANG_ACT_STOP,
	FLANG_ACT_ABORT,
	FLANG_ACT_NOTIFY,
};

enum flang_prop {
	FLANG_PROP_POOL,
	FLANG_PROP_CHUNK,
	FLANG_PROP_DEPTH,
	FLANG_PROP_RATE,
	FLANG_PROP_PRIORITY,
	FLANG_PROP_ENGINE,
};


enum flang_notify_level {
	FLANG_NOTIFY_INFO,
	FLANG_NOTIFY_WARN,
	FLANG_NOTIFY_ERROR,
};

struct flang_plan_action {
	enum flang_action_kind kind;
	uint32_t retries;		/* retry */
	uint64_t backoff_min_ns;	/* retry; 0/0 = immediately */
	uint64_t backoff_max_ns;
	enum flang_prop prop;		/* fallback */
	uint64_t value;			/* fallback: bytes, count, B/s, prio */
	uint32_t pool;			/* fallback pool=: pool index */
	enum flang_notify_level level;	/* notify */
	const char *msg;		/* abort, notify; may be NULL */
	struct flang_span span;
};

#define FLANG_MAX_ACTIONS 8

struct flang_plan_handler {
	enum flang_event event;
	/* io_error, device_removed: a bit per port index; 0 = any port */
	uint64_t port_mask;
	unsigned int nactions;
	struct flang_plan_action actions[FLANG_MAX_ACTIONS];
	struct flang_span span;
};

enum flang_priority {
	FLANG_PRIO_BACKGROUND,
	FLANG_PRIO_NORMAL,
	FLANG_PRIO_HIGH,
	FLANG_PRIO_REALTIME,
};

#define FLANG_RANGE_END UINT64_MAX

struct flang_plan_flow {
	const char *name;
	enum flang_priority priority;
	uint64_t rate;		/* bytes/s; 0 = unlimited */
	uint64_t range_start;	/* bytes */
	uint64_t range_end;	/* exclusive; FLANG_RANGE_END = to the end */
	unsigned int nstages;
	struct flang_plan_stage *stages;
	unsigned int nhandlers;
	struct flang_plan_handler *handlers;
	struct flang_span span;
	/* bit 1 << enum flang_prop per 'PROP = V preferred' */
	unsigned int preferred_props;
	/* 'pool = P forbidden': the pools' names, "host" for host memory */
	unsigned int nforbidden;
	const char **forbidden;
	/*
	 * 'engine = hw|sw required|preferred': for each transform that names
	 * no driver; resolved against /proc/crypto at apply.
	 */
	enum flang_engine_class engine_class;
	enum flang_strength engine_strength;
	struct flang_span engine_span;
};

struct flang_plan {
	unsigned int nports;
	struct flang_plan_port *ports;
	unsigned int npools;
	struct flang_plan_pool *pools;
	unsigned int nflows;
	struct flang_plan_flow *flows;
};

/* NULL when the last compile had errors. */
const struct flang_plan *flang_plan_get(const struct flang_ctx *ctx);

/*
 * Human explanation of the plan (all flows, or only @flow when not NULL)
 * and a Graphviz rendering.  malloc'd; NULL on ENOMEM, and explain
 * returns NULL with *err set to -ENOENT when @flow does not exist.
 */
char *flang_plan_explain(const struct flang_ctx *ctx, const char *flow,
			 int *err);
char *flang_plan_dot(const struct flang_ctx *ctx);

const char *flang_event_name(enum flang_event ev);
const char *flang_port_kind_name(enum flang_port_kind kind);
const char *flang_pool_kind_name(enum flang_pool_kind kind);
const char *flang_strength_name(enum flang_strength s);

#ifdef __cplusplus
}
#endif

#endif /* FLOWLANG_H */
