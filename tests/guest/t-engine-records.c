// SPDX-License-Identifier: GPL-2.0
/*
 * AEAD records and compressed frames (ABI 1.6) on both engines of
 * daemon/engine.h in one boot: the module's (kernel crypto API) and the
 * embedded io_uring one (AF_ALG aead; liblz4, libzstd, zlib).
 *   - SEAL with gcm(aes) and rfc4106(gcm(aes)) over a length that ends
 *     mid-record: the same sink bytes, byte for byte, the same query
 *     (bytes, chunks, out_bytes), the same out_driver;
 *   - OPEN crosswise: each engine opens the other's records back to the
 *     source; a record with one byte flipped fails both with EBADMSG at
 *     FLOWSWITCH_STAGE_TRANSFORM, the same fail_offset and bytes_done,
 *     and nothing from that record on written (the same sink size);
 *   - SEAL then a sha256 digest of the records: the same digest;
 *   - COMPRESS with lz4, zstd and deflate over a source whose chunks
 *     partly compress and partly do not: both engines' frames decompress
 *     on both back to the source (the compressed bytes may differ: other
 *     implementations of the formats), stored frames alike, out_bytes the
 *     sink's size; a frame header broken: EBADMSG on both;
 *   - 1 MiB records (past AF_ALG's default send buffer) seal the same,
 *     or are EMSGSIZE at creation where AF_ALG's option memory is too
 *     small for them (optmem_max before Linux 6.9).
 * Then figures: gcm(aes) seal and lz4 compress on each engine.
 */
#include <poll.h>
#include <sys/stat.h>

#include "../../daemon/engine.h"
#include "flowtest.h"

#define DIR "/tmp/t-engine-records"
#define LEN (3 * MiB + 5)
#define CHUNK (256 * KiB)

static uint8_t key16[16], key20[20];
static const char *const comps[] = {"lz4", "zstd", "deflate"};

static const char *path(const char *name)
{
	static char buf[8][128];
	static int n;
	char *p = buf[n++ % 8];

	snprintf(p, 128, DIR "/%s", name);
	return p;
}

static uint64_t file_size(const char *name)
{
	struct stat st;

	return stat(path(name), &st) ? 0 : (uint64_t)st.st_size;
}

static bool same_bytes(const char *a, const char *b, uint64_t len)
{
	return same_range(path(a), 0, path(b), 0, len);
}

static bool same_file(const char *a, const char *b)
{
	return file_size(a) == file_size(b) && same_bytes(a, b, file_size(a));
}

/*
 * A source of @len bytes: chunks of the pattern (which does not
 * compress) and of text (which does), alternating.
 */
static void make_mixed(const char *name, uint64_t len, uint64_t seed)
{
	static char text[CHUNK];
	int fd = open(path(name), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	uint64_t off;

	CHECK(fd >= 0, "%s: %m", name);
	for (size_t i = 0; i < sizeof(text); i++)
		text[i] = "flowswitch moves bytes, "[(i + i / 97) % 24];
	for (off = 0; off < len; off += CHUNK) {
		uint64_t n = len - off < CHUNK ? len - off : CHUNK;

		if ((off / CHUNK) % 2)
			CHECK(pwrite(fd, text, n, off) == (ssize_t)n, "%m");
		else
			CHECK(!pattern_write(fd, off, off, n, seed), "%m");
	}
	close(fd);
}

static int key_pipe(const uint8_t *key, size_t len)
{
	int p[2];

	if (pipe(p))
		return -1;
	if (write(p[1], key, len) != (ssize_t)len) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	close(p[1]);
	return p[0];
}

/* One flow's stages: @alg as @kind (keyed for AEAD), then a digest. */
struct rcase {
	uint32_t kind;
	const char *alg;
	bool digest;
	uint32_t chunk;
};

struct outcome {
	int ret;
	uint32_t item;
	struct flowswitch_flow_query q;
	struct flowswitch_transform st[2];
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

/* Run @rc on @e from @src into @dst (made anew); the outcome in @o. */
static void run(struct fsw_engine *e, const struct rcase *rc, const char *src,
		const char *dst, struct outcome *o)
{
	struct flowswitch_port_create pc[2];
	struct flowswitch_flow_create fc;
	struct flowswitch_txn_item items[3];
	struct flowswitch_sink sink;
	struct flowswitch_txn txn;
	bool aead = rc->kind == FLOWSWITCH_XFORM_SEAL ||
		    rc->kind == FLOWSWITCH_XFORM_OPEN;
	bool r4106 = !strncmp(rc->alg, "rfc4106", 7);
	int fds[2];

	memset(o, 0, sizeof(*o));
	memset(pc, 0, sizeof(pc));
	memset(&fc, 0, sizeof(fc));
	memset(items, 0, sizeof(items));
	memset(&sink, 0, sizeof(sink));
	memset(&txn, 0, sizeof(txn));
	o->st[0].kind = rc->kind;
	snprintf(o->st[0].alg, sizeof(o->st[0].alg), "%s", rc->alg);
	o->st[0].key_fd = -1;
	if (aead) {
		o->st[0].flags = FLOWSWITCH_XFORM_KEY_FD;
		o->st[0].key_fd = r4106 ? key_pipe(key20, sizeof(key20))
					: key_pipe(key16, sizeof(key16));
		for (int i = 0; i < 12; i++)
			o->st[0].iv[i] = (uint8_t)(0xa0 + i);
	}
	o->st[1].kind = FLOWSWITCH_XFORM_DIGEST;
	snprintf(o->st[1].alg, sizeof(o->st[1].alg), "sha256");
	fds[0] = open(path(src), O_RDONLY);
	unlink(path(dst));
	fds[1] = open(path(dst), O_WRONLY | O_CREAT, 0644);
	CHECK(fds[0] >= 0 && fds[1] >= 0, "%s: %m", src);
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
	fc.chunk_size = rc->chunk ? rc->chunk : CHUNK;
	fc.depth = 4;
	fc.placement = FLOWSWITCH_P2P_FORBIDDEN;
	fc.nr_stages = rc->digest ? 2 : 1;
	fc.stages_uptr = (uintptr_t)o->st;
	items[2].op = FLOWSWITCH_TXN_FLOW_CREATE;
	items[2].cmd_uptr = (uintptr_t)&fc;
	txn.size = sizeof(txn);
	txn.nr_items = 3;
	txn.items_uptr = (uintptr_t)items;
	txn.flags = FLOWSWITCH_TXN_START;

	o->ret = e->ops->txn(e, &txn);
	o->item = o->ret ? txn.out_failed_item : ~0u;
	if (o->st[0].key_fd >= 0)
		close(o->st[0].key_fd);
	close(fds[0]);
	close(fds[1]);
	if (o->ret)
		return;
	wait_final(e, fc.out_flow_id, &o->q);
	e->ops->destroy(e, fc.out_flow_id);
	e->ops->destroy(e, pc[0].out_port_id);
	e->ops->destroy(e, pc[1].out_port_id);
}

static bool done(const struct outcome *o)
{
	return !o->ret && o->q.state == FLOWSWITCH_FLOW_DONE;
}

/* What compare() holds the same on both engines. */
enum {
	SAME_SRC = 1 << 0, /* bytes_done, chunks_done: one source */
	SAME_SINK = 1 << 1, /* the sinks, out_bytes, digests */
	SAME_DRIVER = 1 << 2, /* out_driver (AF_ALG: the module's) */
};

/* The two engines' runs of one flow: the same query and bytes. */
static void compare(const char *what, const struct outcome *k,
		    const struct outcome *u, const char *dk, const char *du,
		    unsigned int same)
{
	bool same_src = same & SAME_SRC, same_sink = same & SAME_SINK;

	const struct flowswitch_flow_query *a = &k->q, *b = &u->q;

	CHECK(done(k) && done(u),
	      "%s: kernel %d state %u error %u, io_uring %d (item %u) state "
	      "%u error %u stage %u",
	      what, k->ret, a->state, a->error, u->ret, u->item, b->state,
	      b->error, b->fail_stage);
	if (!done(k) || !done(u))
		return;
	CHECK((!same_src || (a->bytes_done == b->bytes_done &&
			     a->chunks_done == b->chunks_done)) &&
		      a->digest_len == b->digest_len &&
		      (!same_sink || !memcmp(a->digest, b->digest, 32)) &&
		      (!same_sink || a->out_bytes == b->out_bytes),
	      "%s: kernel done %llu chunks %llu out %llu, io_uring done %llu "
	      "chunks %llu out %llu, digests %u/%u",
	      what, (unsigned long long)a->bytes_done,
	      (unsigned long long)a->chunks_done,
	      (unsigned long long)a->out_bytes,
	      (unsigned long long)b->bytes_done,
	      (unsigned long long)b->chunks_done,
	      (unsigned long long)b->out_bytes, a->digest_len, b->digest_len);
	CHECK(file_size(dk) == a->out_bytes && file_size(du) == b->out_bytes,
	      "%s: sinks %llu/%llu bytes, out_bytes %llu/%llu", what,
	      (unsigned long long)file_size(dk),
	      (unsigned long long)file_size(du),
	      (unsigned long long)a->out_bytes,
	      (unsigned long long)b->out_bytes);
	if (same_sink)
		CHECK(same_file(dk, du), "%s: the sinks differ", what);
	if (same & SAME_DRIVER)
		CHECK(!strcmp(k->st[0].out_driver, u->st[0].out_driver),
		      "%s: driver %s, io_uring %s", what, k->st[0].out_driver,
		      u->st[0].out_driver);
}

#define SAME_ALL (SAME_SRC | SAME_SINK | SAME_DRIVER)

static void flip_byte(const char *name, uint64_t off)
{
	int fd = open(path(name), O_RDWR);
	uint8_t b = 0;

	CHECK(fd >= 0 && pread(fd, &b, 1, off) == 1, "%s: %m", name);
	b ^= 0x40;
	CHECK(pwrite(fd, &b, 1, off) == 1, "%s: %m", name);
	close(fd);
}

static void copy_file(const char *from, const char *to)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "cp %s %s", path(from), path(to));
	CHECK(!system(cmd), "%s", cmd);
}

static void test_aead(struct fsw_engine *k, struct fsw_engine *u,
		      const char *alg)
{
	struct rcase seal = {FLOWSWITCH_XFORM_SEAL, alg, false, 0};
	struct rcase open = {FLOWSWITCH_XFORM_OPEN, alg, false, 0};
	struct rcase sealsum = {FLOWSWITCH_XFORM_SEAL, alg, true, 0};
	struct outcome ko, uo;
	char what[96];

	run(k, &seal, "src", "seal.kernel", &ko);
	run(u, &seal, "src", "seal.uring", &uo);
	snprintf(what, sizeof(what), "%s seal", alg);
	compare(what, &ko, &uo, "seal.kernel", "seal.uring", SAME_ALL);
	CHECK(ko.q.out_bytes == LEN + (LEN + CHUNK - 1) / CHUNK * 16,
	      "%s: out_bytes %llu", what, (unsigned long long)ko.q.out_bytes);

	/* Crosswise: each opens the other's records. */
	run(u, &open, "seal.kernel", "open.uring", &uo);
	run(k, &open, "seal.uring", "open.kernel", &ko);
	snprintf(what, sizeof(what), "%s open", alg);
	compare(what, &ko, &uo, "open.kernel", "open.uring",
		SAME_SINK | SAME_DRIVER);
	CHECK(same_file("open.uring", "src") && same_file("open.kernel", "src"),
	      "%s: opened records are not the source", what);

	/* Record 5 broken: records 0..4 out, nothing from 5 on. */
	copy_file("seal.kernel", "bad");
	flip_byte("bad", 5 * (CHUNK + 16) + 100);
	run(k, &open, "bad", "bad.kernel", &ko);
	run(u, &open, "bad", "bad.uring", &uo);
	CHECK(!ko.ret && ko.q.state == FLOWSWITCH_FLOW_FAILED &&
		      ko.q.error == EBADMSG &&
		      ko.q.fail_stage == FLOWSWITCH_STAGE_TRANSFORM,
	      "%s bad: kernel state %u error %u", alg, ko.q.state, ko.q.error);
	CHECK(!uo.ret && uo.q.state == ko.q.state && uo.q.error == ko.q.error &&
		      uo.q.fail_stage == ko.q.fail_stage &&
		      uo.q.fail_offset == ko.q.fail_offset &&
		      uo.q.bytes_done == ko.q.bytes_done &&
		      uo.q.out_bytes == ko.q.out_bytes,
	      "%s bad: kernel error %u at %llu done %llu, io_uring %d error "
	      "%u stage %u at %llu done %llu",
	      alg, ko.q.error, (unsigned long long)ko.q.fail_offset,
	      (unsigned long long)ko.q.bytes_done, uo.ret, uo.q.error,
	      uo.q.fail_stage, (unsigned long long)uo.q.fail_offset,
	      (unsigned long long)uo.q.bytes_done);
	CHECK(file_size("bad.uring") == file_size("bad.kernel") &&
		      file_size("bad.uring") <= 5 * CHUNK &&
		      same_bytes("bad.uring", "src", file_size("bad.uring")),
	      "%s bad: io_uring wrote %llu bytes", alg,
	      (unsigned long long)file_size("bad.uring"));

	run(k, &sealsum, "src", "sum.kernel", &ko);
	run(u, &sealsum, "src", "sum.uring", &uo);
	snprintf(what, sizeof(what), "%s seal+sha256", alg);
	compare(what, &ko, &uo, "sum.kernel", "sum.uring", SAME_ALL);
}

static void test_comp(struct fsw_engine *k, struct fsw_engine *u,
		      const char *alg)
{
	struct rcase comp = {FLOWSWITCH_XFORM_COMPRESS, alg, false, 0};
	struct rcase dec = {FLOWSWITCH_XFORM_DECOMPRESS, alg, true, 0};
	struct outcome ko, uo, kd, ud;
	char what[96];

	run(k, &comp, "mixed", "z.kernel", &ko);
	run(u, &comp, "mixed", "z.uring", &uo);
	snprintf(what, sizeof(what), "%s compress", alg);
	compare(what, &ko, &uo, "z.kernel", "z.uring", SAME_SRC);
	CHECK(uo.q.out_bytes < LEN && uo.q.out_bytes > LEN / 2,
	      "%s: io_uring out_bytes %llu of %llu", what,
	      (unsigned long long)uo.q.out_bytes, (unsigned long long)LEN);

	/* Each decompresses the other's frames, and its own. */
	run(u, &dec, "z.kernel", "d.uring", &ud);
	run(k, &dec, "z.uring", "d.kernel", &kd);
	snprintf(what, sizeof(what), "%s decompress crosswise", alg);
	compare(what, &kd, &ud, "d.kernel", "d.uring", SAME_SINK);
	CHECK(same_file("d.uring", "mixed") && same_file("d.kernel", "mixed"),
	      "%s: the frames did not come back to the source", what);
	run(u, &dec, "z.uring", "d.uring", &ud);
	CHECK(done(&ud) && same_file("d.uring", "mixed"),
	      "%s: io_uring's own frames", alg);

	/* The first frame's magic broken: EBADMSG at 0 on both. */
	copy_file("z.kernel", "zbad");
	flip_byte("zbad", 1);
	run(k, &dec, "zbad", "zbad.kernel", &kd);
	run(u, &dec, "zbad", "zbad.uring", &ud);
	CHECK(kd.q.state == FLOWSWITCH_FLOW_FAILED && kd.q.error == EBADMSG &&
		      ud.q.state == kd.q.state && ud.q.error == kd.q.error &&
		      ud.q.fail_stage == kd.q.fail_stage &&
		      ud.q.fail_offset == kd.q.fail_offset,
	      "%s bad header: kernel %u/%u, io_uring %d %u/%u stage %u", alg,
	      kd.q.state, kd.q.error, ud.ret, ud.q.state, ud.q.error,
	      ud.q.fail_stage);
}

static double mib_s(uint64_t bytes, uint64_t ns)
{
	return ns ? bytes / (double)MiB / (ns / 1e9) : 0;
}

int main(void)
{
	struct rcase big = {FLOWSWITCH_XFORM_SEAL, "gcm(aes)", false, MiB};
	struct rcase seal256 = {FLOWSWITCH_XFORM_SEAL, "gcm(aes)", false, 0};
	struct rcase lz4 = {FLOWSWITCH_XFORM_COMPRESS, "lz4", false, 0};
	struct fsw_engine *k, *u;
	struct outcome ko, uo;

	k = fsw_engine_kernel_open(NULL);
	if (!k) {
		fprintf(stderr, "t-engine-records: /dev/flowswitch: %m\n");
		return T_FAIL;
	}
	u = fsw_engine_uring_open();
	if (!u) {
		fprintf(stderr, "t-engine-records: io_uring: %m: skipped\n");
		k->ops->close(k);
		return T_SKIP;
	}
	mkdir(DIR, 0755);
	for (size_t i = 0; i < sizeof(key20); i++)
		key20[i] = (uint8_t)(i * 11 + 5);
	memcpy(key16, key20 + 2, sizeof(key16));
	make_mixed("src", LEN, 91);
	make_mixed("mixed", LEN, 93);

	test_aead(k, u, "gcm(aes)");
	test_aead(k, u, "rfc4106(gcm(aes))");
	for (size_t i = 0; i < sizeof(comps) / sizeof(comps[0]); i++)
		test_comp(k, u, comps[i]);

	/*
	 * 1 MiB records: past AF_ALG's default socket buffers; within its
	 * option memory from Linux 6.9 (optmem_max 128 KiB), EMSGSIZE at
	 * creation before (20 KiB), as daemon/engine.h says.
	 */
	make_mixed("big", 16 * MiB, 95);
	run(k, &big, "big", "big.kernel", &ko);
	run(u, &big, "big", "big.uring", &uo);
	if (uo.ret == -EMSGSIZE && uo.item == 2) {
		CHECK(done(&ko), "1 MiB records: kernel %d", ko.ret);
		printf("t-engine-records: 1 MiB records: io_uring EMSGSIZE "
		       "(AF_ALG's option memory)\n");
	} else {
		compare("gcm(aes) 1 MiB records", &ko, &uo, "big.kernel",
			"big.uring", SAME_ALL);
	}
	printf("t-engine-records: gcm(aes) seal 16 MiB in 1 MiB records: "
	       "kernel %s %.0f MiB/s of transform, io_uring %s %.0f MiB/s\n",
	       ko.st[0].out_driver, mib_s(ko.q.bytes_done, ko.q.transform_ns),
	       uo.st[0].out_driver, mib_s(uo.q.bytes_done, uo.q.transform_ns));
	run(k, &seal256, "big", "big.kernel", &ko);
	run(u, &seal256, "big", "big.uring", &uo);
	compare("gcm(aes) 16 MiB", &ko, &uo, "big.kernel", "big.uring",
		SAME_ALL);
	printf("t-engine-records: gcm(aes) seal 16 MiB in 256 KiB records: "
	       "kernel %.0f MiB/s of transform (%.0f flow), io_uring %.0f "
	       "MiB/s (%.0f flow)\n",
	       mib_s(ko.q.bytes_done, ko.q.transform_ns),
	       mib_s(ko.q.bytes_done, ko.q.elapsed_ns),
	       mib_s(uo.q.bytes_done, uo.q.transform_ns),
	       mib_s(uo.q.bytes_done, uo.q.elapsed_ns));
	run(k, &lz4, "big", "bigz.kernel", &ko);
	run(u, &lz4, "big", "bigz.uring", &uo);
	printf("t-engine-records: lz4 compress 16 MiB: kernel %s %.0f MiB/s "
	       "to %llu bytes, io_uring %s %.0f MiB/s to %llu bytes\n",
	       ko.st[0].out_driver, mib_s(ko.q.bytes_done, ko.q.transform_ns),
	       (unsigned long long)ko.q.out_bytes, uo.st[0].out_driver,
	       mib_s(uo.q.bytes_done, uo.q.transform_ns),
	       (unsigned long long)uo.q.out_bytes);

	k->ops->close(k);
	u->ops->close(u);
	printf("t-engine-records: AEAD (gcm, rfc4106) and compression (lz4, "
	       "zstd, deflate) on both engines: %d differences\n",
	       t_failures);
	return t_result();
}
