// SPDX-License-Identifier: GPL-2.0
/*
 * Transform stages on both engines of daemon/engine.h in one boot: the
 * module's (kernel crypto API) and the embedded io_uring one (AF_ALG).
 * Each case runs on both and must give the same answer: the same errno
 * and failed item for every refusal; for a flow, the same final query
 * (state, bytes, digest), the same out_driver and out_digest_len per
 * stage, and the same bytes in the sink, byte for byte.
 *   - ctr(aes) with a counter that carries across bytes, over a length
 *     that ends mid-block, and the module's ciphertext deciphered back;
 *   - xts(aes) with 512- and 4096-byte units (plain64 IVs, one that
 *     wraps past 2^64), cbc(aes) with a "user" keyring key;
 *   - sha256 (also against busybox sha256sum) and crc32c digests, and a
 *     chain of digest, cipher, digest;
 *   - a "logon" key: the same bytes, or EOPNOTSUPP where the kernel
 *     cannot take a key by serial on an AF_ALG socket (before 6.2);
 *   - placement: PREFERRED says TRANSFORM, REQUIRED is EXDEV;
 *   - the refusals of kmod/xform.c, each with its errno, and AEAD
 *     records (ABI 1.6), which only the module runs: EOPNOTSUPP here;
 *   - on io_uring, flows with stages stopped mid-flight reach a final
 *     state.
 * Then figures: ctr(aes) and sha256 throughput on each engine, and
 * flowd -E uring applying a .flow with digest() and encrypt().
 */
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "../../daemon/engine.h"
#include "flowdtest.h"

#define DIR "/tmp/t-engine-xform"
#define ODD_LEN (3 * MiB + 5)
#define LEN (4 * MiB)
#define USER_DESC "flowswitch:t-engine-xform"
#define LOGON_DESC "flowswitch:t-engine-xform-logon"

static uint8_t key32[32], key64[64], key16[16];
static bool logon_ok = true;
static int stop_after_us = -1; /* run(): STOP the flow that long after */

static const char *path(const char *name)
{
	static char buf[8][128];
	static int n;
	char *p = buf[n++ % 8];

	snprintf(p, 128, DIR "/%s", name);
	return p;
}

static void make_file(const char *name, uint64_t size, uint64_t seed)
{
	int fd = open(path(name), O_WRONLY | O_CREAT | O_TRUNC, 0644);

	CHECK(fd >= 0 && !pattern_write(fd, 0, 0, size, seed), "%s: %m", name);
	close(fd);
}

static uint64_t file_size(const char *name)
{
	struct stat st;

	return stat(path(name), &st) ? 0 : (uint64_t)st.st_size;
}

static bool same_bytes(const char *a, const char *b, uint64_t len)
{
	static char x[65536], y[65536];
	int fa = open(path(a), O_RDONLY), fb = open(path(b), O_RDONLY);
	bool same = fa >= 0 && fb >= 0;
	uint64_t off = 0;

	while (same && off < len) {
		size_t n = len - off < sizeof(x) ? len - off : sizeof(x);

		same = pread(fa, x, n, off) == (ssize_t)n &&
		       pread(fb, y, n, off) == (ssize_t)n && !memcmp(x, y, n);
		off += n;
	}
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return same;
}

/* A pipe holding @len bytes of @key, its writer closed: its read end. */
static int key_pipe(const uint8_t *key, size_t len)
{
	int p[2];

	if (pipe(p))
		return -1;
	if (len && write(p[1], key, len) != (ssize_t)len) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	close(p[1]);
	return p[0];
}

static void stage(struct flowswitch_transform *t, uint32_t kind,
		  const char *alg)
{
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	snprintf(t->alg, sizeof(t->alg), "%s", alg);
	t->key_fd = -1;
}

static void key_fd(struct flowswitch_transform *t, const uint8_t *key,
		   size_t len)
{
	t->flags = FLOWSWITCH_XFORM_KEY_FD;
	t->key_fd = key_pipe(key, len);
}

static void plain64(struct flowswitch_transform *t, uint64_t n)
{
	for (int i = 0; i < 8; i++)
		t->iv[i] = (uint8_t)(n >> (8 * i));
}

/* One case: its stages (fresh key fds each time), source, flow fields. */
struct xcase {
	const char *src;
	uint32_t nr;
	struct flowswitch_transform st[FLOWSWITCH_MAX_STAGES + 1];
	uint32_t placement;
	uint32_t nr_stages; /* 0: nr */
	int closefd[4];
};

typedef void (*case_fn)(struct xcase *c);

struct outcome {
	int ret;
	uint32_t item, err, p2p_reason;
	struct flowswitch_flow_query q;
	struct flowswitch_transform st[FLOWSWITCH_MAX_STAGES];
	uint32_t nr;
	uint64_t len;
};

static int query(struct fsw_engine *e, uint32_t id,
		 struct flowswitch_flow_query *q)
{
	memset(q, 0, sizeof(*q));
	q->size = sizeof(*q);
	return e->ops->flow_query(e, id, q);
}

static void wait_final(struct fsw_engine *e, uint32_t id,
		       struct flowswitch_flow_query *q)
{
	struct pollfd pfd = {.fd = e->ops->event_fd(e), .events = POLLIN};
	struct flowswitch_event ev[8];

	for (int i = 0; i < 60000; i++) {
		if (query(e, id, q) || q->state >= FLOWSWITCH_FLOW_DONE)
			return;
		poll(&pfd, 1, 10);
		e->ops->read_events(e, ev, 8);
	}
	CHECK(0, "%s: flow %u never final", e->ops->name, id);
}

/* Run @fn's case on @e from its source into @dst; the outcome in @o. */
static void run(struct fsw_engine *e, case_fn fn, const char *dst,
		struct outcome *o)
{
	struct flowswitch_port_create pc[2];
	struct flowswitch_flow_create fc;
	struct flowswitch_txn_item items[3];
	struct flowswitch_sink sink;
	struct flowswitch_txn txn;
	struct xcase c;
	int fds[2];

	memset(o, 0, sizeof(*o));
	memset(&c, 0, sizeof(c));
	memset(pc, 0, sizeof(pc));
	memset(&fc, 0, sizeof(fc));
	memset(items, 0, sizeof(items));
	memset(&sink, 0, sizeof(sink));
	memset(&txn, 0, sizeof(txn));
	for (int i = 0; i < 4; i++)
		c.closefd[i] = -1;
	c.src = "src";
	fn(&c);
	fds[0] = open(path(c.src), O_RDONLY);
	unlink(path(dst));
	fds[1] = open(path(dst), O_WRONLY | O_CREAT, 0644);
	CHECK(fds[0] >= 0 && fds[1] >= 0, "%s: %m", c.src);
	for (int i = 0; i < 2; i++) {
		pc[i].size = sizeof(pc[i]);
		pc[i].flags = i ? FLOWSWITCH_PORT_WRITE : FLOWSWITCH_PORT_READ;
		pc[i].fd = fds[i];
		items[i].op = FLOWSWITCH_TXN_PORT_CREATE;
		items[i].cmd_uptr = (uintptr_t)&pc[i];
	}
	sink.port_id = FLOWSWITCH_TXN_REF(1);
	fc.size = sizeof(fc);
	fc.flags = FLOWSWITCH_FLOW_TO_END;
	fc.src_port_id = FLOWSWITCH_TXN_REF(0);
	fc.nr_sinks = 1;
	fc.sinks_uptr = (uintptr_t)&sink;
	fc.chunk_size = 256 * KiB;
	fc.depth = 4;
	fc.placement = c.placement;
	fc.nr_stages = c.nr_stages ? c.nr_stages : c.nr;
	fc.stages_uptr = (uintptr_t)c.st;
	items[2].op = FLOWSWITCH_TXN_FLOW_CREATE;
	items[2].cmd_uptr = (uintptr_t)&fc;
	txn.size = sizeof(txn);
	txn.nr_items = 3;
	txn.items_uptr = (uintptr_t)items;
	txn.flags = FLOWSWITCH_TXN_START;

	o->ret = e->ops->txn(e, &txn);
	o->item = o->ret ? txn.out_failed_item : ~0u;
	o->err = o->ret ? txn.out_failed_errno : 0;
	o->p2p_reason = fc.out_p2p_reason;
	o->nr = c.nr;
	memcpy(o->st, c.st, sizeof(o->st));
	for (uint32_t i = 0; i < c.nr && i < FLOWSWITCH_MAX_STAGES; i++)
		if (c.st[i].flags & FLOWSWITCH_XFORM_KEY_FD &&
		    c.st[i].key_fd >= 0)
			close(c.st[i].key_fd);
	for (int i = 0; i < 4; i++)
		if (c.closefd[i] >= 0)
			close(c.closefd[i]);
	close(fds[0]);
	close(fds[1]);
	if (o->ret)
		return;
	o->len = fc.out_length;
	if (stop_after_us >= 0) {
		usleep((useconds_t)stop_after_us);
		e->ops->flow_ctl(e, fc.out_flow_id, FLOWSWITCH_FLOW_STOP);
	}
	wait_final(e, fc.out_flow_id, &o->q);
	e->ops->destroy(e, fc.out_flow_id);
	e->ops->destroy(e, pc[0].out_port_id);
	e->ops->destroy(e, pc[1].out_port_id);
}

/* --- the flows -------------------------------------------------------- */

static void c_ctr(struct xcase *c)
{
	c->src = "odd";
	c->nr = 1;
	stage(&c->st[0], FLOWSWITCH_XFORM_ENCRYPT, "ctr(aes)");
	key_fd(&c->st[0], key32, sizeof(key32));
	/* The low 64 bits near their end: the counter carries upwards. */
	for (int i = 0; i < 16; i++)
		c->st[0].iv[i] = i < 8 ? (uint8_t)(0x10 + i) : 0xff;
	c->st[0].iv[15] = 0x80;
}

static void c_ctr_back(struct xcase *c)
{
	c_ctr(c);
	c->src = "ctr.kernel";
	c->st[0].kind = FLOWSWITCH_XFORM_DECRYPT;
	c->placement = FLOWSWITCH_P2P_PREFERRED;
}

static void c_xts512(struct xcase *c)
{
	c->nr = 1;
	stage(&c->st[0], FLOWSWITCH_XFORM_ENCRYPT, "xts(aes)");
	key_fd(&c->st[0], key64, sizeof(key64));
	c->st[0].key_len = sizeof(key64);
	c->st[0].data_unit = 512;
	plain64(&c->st[0], 1234567);
}

static void c_xts4096(struct xcase *c)
{
	c_xts512(c);
	c->st[0].data_unit = 4096;
	c->st[0].key_len = 0;
	plain64(&c->st[0], ~0ull - 100); /* wraps past 2^64 mid-flow */
}

static void c_cbc_user(struct xcase *c)
{
	c->nr = 1;
	stage(&c->st[0], FLOWSWITCH_XFORM_ENCRYPT, "cbc(aes)");
	c->st[0].flags = FLOWSWITCH_XFORM_KEY_USER;
	snprintf(c->st[0].key_desc, sizeof(c->st[0].key_desc), USER_DESC);
	c->st[0].data_unit = 512;
	plain64(&c->st[0], 8);
}

static void c_cbc_logon(struct xcase *c)
{
	c_cbc_user(c);
	c->st[0].flags = FLOWSWITCH_XFORM_KEY_LOGON;
	snprintf(c->st[0].key_desc, sizeof(c->st[0].key_desc), LOGON_DESC);
}

static void c_sha256(struct xcase *c)
{
	c->src = "odd";
	c->nr = 1;
	stage(&c->st[0], FLOWSWITCH_XFORM_DIGEST, "sha256");
}

static void c_crc32c(struct xcase *c)
{
	c->nr = 1;
	stage(&c->st[0], FLOWSWITCH_XFORM_DIGEST, "crc32c");
}

static void c_chain(struct xcase *c)
{
	c->nr = 3;
	stage(&c->st[0], FLOWSWITCH_XFORM_DIGEST, "sha256");
	stage(&c->st[1], FLOWSWITCH_XFORM_ENCRYPT, "xts(aes)");
	key_fd(&c->st[1], key64, sizeof(key64));
	c->st[1].data_unit = 4096;
	plain64(&c->st[1], 77);
	stage(&c->st[2], FLOWSWITCH_XFORM_DIGEST, "crc32c");
}

static void c_big_ctr(struct xcase *c)
{
	c_ctr(c);
	c->src = "big";
}

static void c_big_sha(struct xcase *c)
{
	c_sha256(c);
	c->src = "big";
}

static const struct {
	const char *what;
	case_fn fn;
} flows[] = {
	{"ctr", c_ctr},		  {"ctr-back", c_ctr_back},
	{"xts512", c_xts512},	  {"xts4096", c_xts4096},
	{"cbc-user", c_cbc_user}, {"cbc-logon", c_cbc_logon},
	{"sha256", c_sha256},	  {"crc32c", c_crc32c},
	{"chain", c_chain},
};

/* --- the refusals ----------------------------------------------------- */

static void r_kind0(struct xcase *c)
{
	c_sha256(c);
	c->st[0].kind = 0;
}
static void r_kind6(struct xcase *c)
{
	c_sha256(c);
	c->st[0].kind = 6;
}
static void c_seal(struct xcase *c)
{
	c->nr = 1;
	stage(&c->st[0], FLOWSWITCH_XFORM_SEAL, "gcm(aes)");
	key_fd(&c->st[0], key16, sizeof(key16));
}
static void r_seal_unit(struct xcase *c)
{
	c_seal(c);
	c->st[0].data_unit = 512;
}
static void r_two_seals(struct xcase *c)
{
	c_seal(c);
	c->nr = 2;
	c->st[1] = c->st[0];
	c->st[1].key_fd = -1;
	c->st[1].flags = FLOWSWITCH_XFORM_KEY_USER;
	snprintf(c->st[1].key_desc, sizeof(c->st[1].key_desc), USER_DESC);
}
static void r_seal_ctr(struct xcase *c)
{
	c_ctr(c);
	c->nr = 2;
	stage(&c->st[1], FLOWSWITCH_XFORM_SEAL, "gcm(aes)");
	c->st[1].flags = FLOWSWITCH_XFORM_KEY_USER;
	snprintf(c->st[1].key_desc, sizeof(c->st[1].key_desc), USER_DESC);
}
static void r_open_tag_only(struct xcase *c)
{
	c_seal(c);
	c->st[0].kind = FLOWSWITCH_XFORM_OPEN;
	c->src = "open16"; /* one record and 16 bytes: a tag alone */
}
static void r_noalg(struct xcase *c)
{
	c_sha256(c);
	snprintf(c->st[0].alg, sizeof(c->st[0].alg), "nosuch256");
}
static void r_nocipher(struct xcase *c)
{
	c_xts512(c);
	snprintf(c->st[0].alg, sizeof(c->st[0].alg), "xts(nosuch)");
}
static void r_wrong_driver(struct xcase *c)
{
	c_ctr(c);
	snprintf(c->st[0].driver, sizeof(c->st[0].driver), "sha256-generic");
}
static void r_no_driver(struct xcase *c)
{
	c_sha256(c);
	snprintf(c->st[0].driver, sizeof(c->st[0].driver), "nosuch-driver");
}
static void r_alg_unterminated(struct xcase *c)
{
	c_sha256(c);
	memset(c->st[0].alg, 'a', sizeof(c->st[0].alg));
}
static void r_alg_empty(struct xcase *c)
{
	c_sha256(c);
	c->st[0].alg[0] = 0;
}
static void r_digest_key(struct xcase *c)
{
	c_sha256(c);
	c->st[0].flags = FLOWSWITCH_XFORM_KEY_USER;
}
static void r_digest_unit(struct xcase *c)
{
	c_crc32c(c);
	c->st[0].data_unit = 512;
}
static void r_no_key(struct xcase *c)
{
	c_xts512(c);
	close(c->st[0].key_fd);
	c->st[0].key_fd = -1;
	c->st[0].flags = 0;
}
static void r_two_keys(struct xcase *c)
{
	c_xts512(c);
	c->st[0].flags |= FLOWSWITCH_XFORM_KEY_USER;
	c->closefd[0] = c->st[0].key_fd;
}
static void r_key_len(struct xcase *c)
{
	c_xts512(c);
	c->st[0].key_len = 65;
}
static void r_unit_1000(struct xcase *c)
{
	c_xts512(c);
	c->st[0].data_unit = 1000;
}
static void r_unit_256(struct xcase *c)
{
	c_xts512(c);
	c->st[0].data_unit = 256;
}
static void r_unit_chunk(struct xcase *c)
{
	c_xts512(c);
	c->st[0].data_unit = 512 * KiB;
}
static void r_unit_len(struct xcase *c)
{
	c_xts512(c);
	c->src = "odd";
}
static void r_ctr_unit(struct xcase *c)
{
	c_ctr(c);
	c->src = "src";
	c->st[0].data_unit = 512;
}
static void r_xts_no_unit(struct xcase *c)
{
	c_xts512(c);
	c->st[0].data_unit = 0;
}
static void r_short_key(struct xcase *c)
{
	c_ctr(c);
	close(c->st[0].key_fd);
	c->st[0].key_fd = key_pipe(key32, 7);
}
static void r_key_len_short(struct xcase *c)
{
	c_xts512(c);
	close(c->st[0].key_fd);
	c->st[0].key_fd = key_pipe(key64, 16); /* key_len 64 */
}
static void r_key_long(struct xcase *c)
{
	static uint8_t k[65];

	c_ctr(c);
	close(c->st[0].key_fd);
	c->st[0].key_fd = key_pipe(k, sizeof(k));
}
static void r_key_empty(struct xcase *c)
{
	c_ctr(c);
	close(c->st[0].key_fd);
	c->st[0].key_fd = key_pipe(NULL, 0);
}
static void r_key_setkey(struct xcase *c)
{
	c_ctr(c);
	close(c->st[0].key_fd);
	c->st[0].key_fd = key_pipe(key32, 32);
	c->st[0].key_len = 5; /* five bytes read: no AES key */
}
static void r_key_wronly(struct xcase *c)
{
	c_ctr(c);
	close(c->st[0].key_fd);
	c->st[0].key_fd = open(path("keyfile"), O_WRONLY | O_CREAT, 0600);
}
static void r_key_badfd(struct xcase *c)
{
	c_ctr(c);
	close(c->st[0].key_fd);
	c->st[0].key_fd = -1;
}
static void r_key_nonblock(struct xcase *c)
{
	int p[2];

	c_ctr(c);
	close(c->st[0].key_fd);
	CHECK(!pipe2(p, O_NONBLOCK), "pipe2");
	c->st[0].key_fd = p[0];
	c->closefd[0] = p[1]; /* the writer stays: nothing, not the end */
}
static void r_no_user_key(struct xcase *c)
{
	c_cbc_user(c);
	snprintf(c->st[0].key_desc, sizeof(c->st[0].key_desc), "nosuch:key");
}
static void r_empty_desc(struct xcase *c)
{
	c_cbc_user(c);
	c->st[0].key_desc[0] = 0;
}
static void r_reserved(struct xcase *c)
{
	c_sha256(c);
	c->st[0].__reserved = 1;
}
static void r_reserved2(struct xcase *c)
{
	c_sha256(c);
	c->st[0].__reserved2 = 1;
}
static void r_five(struct xcase *c)
{
	c_sha256(c);
	c->nr_stages = 5;
}
static void r_required(struct xcase *c)
{
	c_ctr(c);
	c->placement = FLOWSWITCH_P2P_REQUIRED;
}
static void r_second(struct xcase *c)
{
	c_chain(c);
	snprintf(c->st[2].alg, sizeof(c->st[2].alg), "nosuch32c");
}

static const struct {
	const char *what;
	case_fn fn;
	int err;
} refusals[] = {
	{"kind 0", r_kind0, EINVAL},
	{"kind 6", r_kind6, EINVAL},
	{"seal with a unit", r_seal_unit, EINVAL},
	{"two seals", r_two_seals, EINVAL},
	{"seal and ctr", r_seal_ctr, EINVAL},
	{"open: last record a tag", r_open_tag_only, EINVAL},
	{"no such digest", r_noalg, ENOENT},
	{"no such cipher", r_nocipher, ENOENT},
	{"a driver of another algorithm", r_wrong_driver, ENOENT},
	{"no such driver", r_no_driver, ENOENT},
	{"alg not terminated", r_alg_unterminated, EINVAL},
	{"alg empty", r_alg_empty, EINVAL},
	{"digest with a key", r_digest_key, EINVAL},
	{"digest with a unit", r_digest_unit, EINVAL},
	{"cipher without a key", r_no_key, EINVAL},
	{"two key sources", r_two_keys, EINVAL},
	{"key_len 65", r_key_len, EINVAL},
	{"unit 1000", r_unit_1000, EINVAL},
	{"unit 256", r_unit_256, EINVAL},
	{"unit past the chunk", r_unit_chunk, EINVAL},
	{"length not of units", r_unit_len, EINVAL},
	{"ctr with a unit", r_ctr_unit, EINVAL},
	{"xts without a unit", r_xts_no_unit, EINVAL},
	{"7-byte key", r_short_key, EKEYREJECTED},
	{"fd shorter than key_len", r_key_len_short, EKEYREJECTED},
	{"65-byte key", r_key_long, EKEYREJECTED},
	{"empty key fd", r_key_empty, EKEYREJECTED},
	{"key_len 5", r_key_setkey, EKEYREJECTED},
	{"key fd write-only", r_key_wronly, EBADF},
	{"key fd -1", r_key_badfd, EBADF},
	{"key fd O_NONBLOCK, empty", r_key_nonblock, EAGAIN},
	{"no such user key", r_no_user_key, ENOKEY},
	{"empty key_desc", r_empty_desc, EINVAL},
	{"reserved", r_reserved, EINVAL},
	{"reserved2", r_reserved2, EINVAL},
	{"five stages", r_five, EINVAL},
	{"placement required", r_required, EXDEV},
	{"third stage unknown", r_second, ENOENT},
};

/* --- comparing ---------------------------------------------------------- */

static void hex(const uint8_t *d, unsigned int n, char *out)
{
	for (unsigned int i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
	out[2 * n] = 0;
}

static void compare_flow(const char *what, const struct outcome *k,
			 const struct outcome *u, const char *dk,
			 const char *du)
{
	const struct flowswitch_flow_query *a = &k->q, *b = &u->q;

	CHECK(!k->ret && a->state == FLOWSWITCH_FLOW_DONE,
	      "%s: kernel %d, state %u error %u", what, k->ret, a->state,
	      a->error);
	CHECK(k->ret == u->ret && k->err == u->err,
	      "%s: kernel %d errno %u, io_uring %d errno %u", what, k->ret,
	      k->err, u->ret, u->err);
	if (k->ret || u->ret)
		return;
	CHECK(a->state == b->state && a->error == b->error &&
		      a->fail_stage == b->fail_stage &&
		      a->bytes_done == b->bytes_done &&
		      a->chunks_done == b->chunks_done &&
		      a->digest_len == b->digest_len &&
		      !memcmp(a->digest, b->digest, sizeof(a->digest)) &&
		      k->p2p_reason == u->p2p_reason,
	      "%s: kernel state %u err %u done %llu digest %u, io_uring "
	      "state %u err %u stage %u done %llu digest %u, reasons %u/%u",
	      what, a->state, a->error, (unsigned long long)a->bytes_done,
	      a->digest_len, b->state, b->error, b->fail_stage,
	      (unsigned long long)b->bytes_done, b->digest_len, k->p2p_reason,
	      u->p2p_reason);
	CHECK(b->transform_ns > 0, "%s: io_uring transform_ns 0", what);
	for (uint32_t i = 0; i < k->nr; i++)
		CHECK(!strcmp(k->st[i].out_driver, u->st[i].out_driver) &&
			      k->st[i].out_digest_len ==
				      u->st[i].out_digest_len,
		      "%s: stage %u: kernel %s/%u, io_uring %s/%u", what, i,
		      k->st[i].out_driver, k->st[i].out_digest_len,
		      u->st[i].out_driver, u->st[i].out_digest_len);
	CHECK(same_bytes(dk, du, k->len) && file_size(du) == k->len,
	      "%s: the sinks differ", what);
}

/* busybox sha256sum of @name, as hex. */
static void sha256sum(const char *name, char *out)
{
	char cmd[256];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "sha256sum %s", path(name));
	out[0] = 0;
	p = popen(cmd, "r");
	if (p) {
		if (!fgets(out, 80, p))
			out[0] = 0;
		pclose(p);
	}
	out[64] = 0;
}

static double mib_s(uint64_t bytes, uint64_t ns)
{
	return ns ? bytes / (double)MiB / (ns / 1e9) : 0;
}

/* Both engines on 16 MiB: transform rate, and the flow's own rate. */
static void figures(struct fsw_engine *k, struct fsw_engine *u)
{
	struct outcome o[2];
	case_fn fns[2] = {c_big_ctr, c_big_sha};
	const char *names[2] = {"ctr(aes)", "sha256"};

	make_file("big", 16 * MiB, 61);
	for (int f = 0; f < 2; f++) {
		run(k, fns[f], "big.kernel", &o[0]);
		run(u, fns[f], "big.uring", &o[1]);
		compare_flow(names[f], &o[0], &o[1], "big.kernel", "big.uring");
		printf("t-engine-xform: %s 16 MiB: kernel %s %.0f MiB/s of "
		       "transform (%.0f MiB/s flow), io_uring %s %.0f MiB/s "
		       "(%.0f MiB/s flow)\n",
		       names[f], o[0].st[0].out_driver,
		       mib_s(o[0].q.bytes_done, o[0].q.transform_ns),
		       mib_s(o[0].q.bytes_done, o[0].q.elapsed_ns),
		       o[1].st[0].out_driver,
		       mib_s(o[1].q.bytes_done, o[1].q.transform_ns),
		       mib_s(o[1].q.bytes_done, o[1].q.elapsed_ns));
	}
}

/*
 * flowd on the embedded engine (-E uring) applies a .flow with digest()
 * and encrypt(): it runs there, to the module's ciphertext.
 */
static void flowd_uring(void)
{
	static const char *const extra[] = {"-E", "uring", NULL};
	char text[1024];
	struct fl f;
	pid_t pid;
	int st;

	if (access("/bin/flowd", X_OK)) {
		fprintf(stderr, "no /bin/flowd: the flowd case skipped\n");
		return;
	}
	fd_dir = DIR "/flowd";
	mkdir(fd_dir, 0755);
	mkdir(fd_path("etc"), 0755);
	unlink(fd_path("state.json"));
	unlink(path("lang.out"));
	write_file(fd_path("flowd.conf"), "allow " DIR "/*\n");
	snprintf(text, sizeof(text),
		 "flowlang 1;\n"
		 "param k : secret = keyring(\"%%user:" USER_DESC "\");\n"
		 "device in = file(path=\"%s\");\n"
		 "device out = file(path=\"%s\");\n"
		 "flow sealed {\n"
		 "\tread(in) -> digest(alg=\"sha256\")\n"
		 "\t\t-> encrypt(alg=\"cbc(aes)\", key=$k, unit=512B)\n"
		 "\t\t-> write(out);\n}\n",
		 path("src"), path("lang.out"));
	write_file(fd_path("etc/sealed.flow"), text);
	pid = start_flowd(extra);
	CHECK(WAIT_FOR("sealed", f, !strcmp(f.state, "done"), 60),
	      "flowd -E uring: sealed is %s (%s)", f.state, f.outcome);
	CHECK(!strcmp(f.engine, "io_uring"), "engine %s", f.engine);
	/* cbc-user's plain64 starts at 8; the planner's at the sink's 0. */
	CHECK(f.bytes == LEN, "sealed moved %llu", (unsigned long long)f.bytes);
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	if (t_failures)
		show_flowd_log();
	printf("t-engine-xform: flowd -E uring ran sealed.flow "
	       "(digest, cbc(aes)): %s, %llu bytes\n",
	       f.state, (unsigned long long)f.bytes);
}

static void lang_ref(struct xcase *c)
{
	c_cbc_user(c);
	memset(c->st[0].iv, 0, sizeof(c->st[0].iv));
}

int main(void)
{
	struct outcome ko, uo;
	struct fsw_engine *k, *u;
	char want[80], got[2 * FLOWSWITCH_MAX_DIGEST + 1];
	long serial;
	size_t i;

	k = fsw_engine_kernel_open(NULL);
	if (!k) {
		fprintf(stderr, "t-engine-xform: /dev/flowswitch: %m\n");
		return T_FAIL;
	}
	u = fsw_engine_uring_open();
	if (!u) {
		fprintf(stderr, "t-engine-xform: io_uring: %m: skipped\n");
		k->ops->close(k);
		return T_SKIP;
	}
	mkdir(DIR, 0755);
	for (i = 0; i < sizeof(key64); i++)
		key64[i] = (uint8_t)(i * 7 + 3);
	memcpy(key32, key64 + 5, sizeof(key32));
	memcpy(key16, key64 + 40, sizeof(key16));
	make_file("src", LEN, 71);
	make_file("odd", ODD_LEN, 73);
	make_file("open16", 256 * KiB + FLOWSWITCH_AEAD_TAG + 16, 79);
	/* The session keyring: flowd, a child, finds the user key too. */
	serial = syscall(SYS_add_key, "user", USER_DESC, key16, sizeof(key16),
			 -3 /* KEY_SPEC_SESSION_KEYRING */);
	CHECK(serial > 0, "add_key user: %m");
	serial = syscall(SYS_add_key, "logon", LOGON_DESC, key16, sizeof(key16),
			 -3);
	CHECK(serial > 0, "add_key logon: %m");

	for (i = 0; i < sizeof(flows) / sizeof(flows[0]); i++) {
		char dk[64], du[64];

		snprintf(dk, sizeof(dk), "%s.kernel", flows[i].what);
		snprintf(du, sizeof(du), "%s.uring", flows[i].what);
		run(k, flows[i].fn, dk, &ko);
		run(u, flows[i].fn, du, &uo);
		if (flows[i].fn == c_cbc_logon && uo.ret == -EOPNOTSUPP) {
			/* No ALG_SET_KEY_BY_KEY_SERIAL: documented. */
			logon_ok = false;
			CHECK(!ko.ret, "logon: the module refused %d", ko.ret);
			continue;
		}
		compare_flow(flows[i].what, &ko, &uo, dk, du);
	}
	/* The module's ctr ciphertext, deciphered by both, is the source. */
	CHECK(same_bytes("ctr-back.kernel", "odd", ODD_LEN) &&
		      same_bytes("ctr-back.uring", "odd", ODD_LEN),
	      "ctr(aes) round trip");
	CHECK(!same_bytes("ctr.uring", "odd", 4096), "ctr changed the bytes");

	run(u, c_sha256, "sha.uring", &uo);
	sha256sum("odd", want);
	hex(uo.q.digest, uo.q.digest_len, got);
	CHECK(uo.q.digest_len == 32 && !strcmp(got, want),
	      "io_uring sha256 %s, sha256sum %s", got, want);
	/* AEAD records (ABI 1.6): the module's; not on io_uring yet. */
	run(k, c_seal, "seal.kernel", &ko);
	run(u, c_seal, "seal.uring", &uo);
	CHECK(!ko.ret && ko.q.state == FLOWSWITCH_FLOW_DONE &&
		      uo.ret == -EOPNOTSUPP && uo.item == 2,
	      "seal: kernel %d state %u, io_uring %d item %u", ko.ret,
	      ko.q.state, uo.ret, uo.item);
	run(u, c_ctr_back, "p2p.uring", &uo);
	CHECK(!uo.ret && uo.p2p_reason == FLOWSWITCH_P2P_TRANSFORM,
	      "preferred: reason %u", uo.p2p_reason);

	for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		run(k, refusals[i].fn, "refused.kernel", &ko);
		run(u, refusals[i].fn, "refused.uring", &uo);
		CHECK(ko.ret == -refusals[i].err && ko.item == 2,
		      "%s: the module gave %d (item %u), want %s",
		      refusals[i].what, ko.ret, ko.item,
		      strerror(refusals[i].err));
		CHECK(ko.ret == uo.ret && ko.item == uo.item &&
			      ko.err == uo.err,
		      "%s: kernel %d item %u errno %u, io_uring %d item %u "
		      "errno %u",
		      refusals[i].what, ko.ret, ko.item, ko.err, uo.ret,
		      uo.item, uo.err);
		/*
		 * The module's transaction writes no item back on failure;
		 * the embedded engine gives the EXDEV item's reason
		 * (daemon/engine.h).
		 */
		if (refusals[i].fn == r_required)
			CHECK(uo.p2p_reason == FLOWSWITCH_P2P_TRANSFORM,
			      "required: reason %u", uo.p2p_reason);
	}

	/* Stopped mid-flight, chunks waiting for their turn: all final. */
	for (i = 0; i < 20; i++) {
		stop_after_us = (int)(i % 5) * 2000;
		run(u, c_chain, "stop.uring", &uo);
		CHECK(!uo.ret && (uo.q.state == FLOWSWITCH_FLOW_STOPPED ||
				  uo.q.state == FLOWSWITCH_FLOW_DONE),
		      "stop %zu: %d, state %u", i, uo.ret, uo.q.state);
	}
	stop_after_us = -1;

	figures(k, u);
	k->ops->close(k);
	u->ops->close(u);

	/* The module's cbc(aes) of src with IV 0 is what flowd must write. */
	k = fsw_engine_kernel_open(NULL);
	if (k) {
		run(k, lang_ref, "lang.kernel", &ko);
		k->ops->close(k);
	}
	flowd_uring();
	CHECK(same_bytes("lang.kernel", "lang.out", LEN),
	      "flowd's sealed.flow equals the module's cbc(aes)");

	printf("t-engine-xform: %zu flows and %zu refusals on both engines "
	       "(logon key on io_uring: %s): %d differences\n",
	       sizeof(flows) / sizeof(flows[0]),
	       sizeof(refusals) / sizeof(refusals[0]),
	       logon_ok ? "by serial" : "EOPNOTSUPP, kernel < 6.2", t_failures);
	return t_result();
}
