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
 *   - the refusals of kmod/xform.c, each with its errno; AEAD records
 *     and compression frames (ABI 1.6) run on both (t-engine-records
 *     compares them in depth);
 *   - on io_uring, flows with stages stopped mid-flight reach a final
 *     state.
 * Then figures: ctr(aes) and sha256 throughput on each engine, and
 * flowd -E uring applying a .flow with digest() and encrypt(), and one
 * with aead() whose records must be the module's.
 */
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "../../daemon/engine.h"
#include "flowdtest.h"
#include "xformcases.h"

#define DIR "/tmp/t-engine-xform"
#define ODD_LEN (3 * MiB + 5)
#define LEN (4 * MiB)

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
	return same_range(path(a), 0, path(b), 0, len);
}

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
	unlink(path("langseal.out"));
	write_file(fd_path("flowd.conf"), "allow " DIR "/*\n");
	snprintf(text, sizeof(text),
		 "flowlang 1;\n"
		 "param k : secret = keyring(\"%%user:" USER_DESC "\");\n"
		 "device in = file(path=\"%s\");\n"
		 "device out = file(path=\"%s\");\n"
		 "flow sealed {\n"
		 "\tread(in) -> digest(alg=\"sha256\")\n"
		 "\t\t-> encrypt(alg=\"cbc(aes)\", key=$k, unit=512B)\n"
		 "\t\t-> write(out);\n}\n"
		 "device rec = file(path=\"%s\");\n"
		 "flow records {\n"
		 "\tread(in) -> [chunk=256KiB]\n"
		 "\t\taead(alg=\"gcm(aes)\", key=$k, "
		 "nonce=\"000000000000000000000000\")\n"
		 "\t\t-> write(rec);\n}\n",
		 path("src"), path("lang.out"), path("langseal.out"));
	write_file(fd_path("etc/sealed.flow"), text);
	pid = start_flowd(extra);
	CHECK(WAIT_FOR("sealed", f, !strcmp(f.state, "done"), 60),
	      "flowd -E uring: sealed is %s (%s)", f.state, f.outcome);
	CHECK(!strcmp(f.engine, "io_uring"), "engine %s", f.engine);
	/* cbc-user's plain64 starts at 8; the planner's at the sink's 0. */
	CHECK(f.bytes == LEN, "sealed moved %llu", (unsigned long long)f.bytes);
	CHECK(WAIT_FOR("records", f, !strcmp(f.state, "done"), 60),
	      "flowd -E uring: records is %s (%s)", f.state, f.outcome);
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
	/*
	 * AEAD records, compression (ABI 1.6): both run them
	 * (t-engine-records compares them in depth).
	 */
	run(k, c_seal, "seal.kernel", &ko);
	run(u, c_seal, "seal.uring", &uo);
	CHECK(!ko.ret && ko.q.state == FLOWSWITCH_FLOW_DONE && !uo.ret &&
		      uo.q.state == FLOWSWITCH_FLOW_DONE &&
		      ko.q.out_bytes == uo.q.out_bytes &&
		      file_size("seal.uring") == ko.q.out_bytes &&
		      same_bytes("seal.kernel", "seal.uring", ko.q.out_bytes),
	      "seal: kernel %d state %u, io_uring %d item %u state %u", ko.ret,
	      ko.q.state, uo.ret, uo.item, uo.q.state);
	run(k, c_compress, "lz4.kernel", &ko);
	run(u, c_compress, "lz4.uring", &uo);
	CHECK(!ko.ret && ko.q.state == FLOWSWITCH_FLOW_DONE && !uo.ret &&
		      uo.q.state == FLOWSWITCH_FLOW_DONE,
	      "compress: kernel %d state %u, io_uring %d item %u state %u",
	      ko.ret, ko.q.state, uo.ret, uo.item, uo.q.state);
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
	/* And its AEAD records (a "user" key: key16), the module's c_seal. */
	k = fsw_engine_kernel_open(NULL);
	if (k) {
		run(k, c_seal, "langseal.kernel", &ko);
		k->ops->close(k);
	}
	flowd_uring();
	CHECK(same_bytes("lang.kernel", "lang.out", LEN),
	      "flowd's sealed.flow equals the module's cbc(aes)");
	CHECK(file_size("langseal.out") == ko.q.out_bytes &&
		      same_bytes("langseal.kernel", "langseal.out",
				 ko.q.out_bytes),
	      "flowd's records equal the module's gcm(aes) records");

	printf("t-engine-xform: %zu flows and %zu refusals on both engines "
	       "(logon key on io_uring: %s): %d differences\n",
	       sizeof(flows) / sizeof(flows[0]),
	       sizeof(refusals) / sizeof(refusals[0]),
	       logon_ok ? "by serial" : "EOPNOTSUPP, kernel < 6.2", t_failures);
	return t_result();
}
