// SPDX-License-Identifier: GPL-2.0
/*
 * Transform stages (ABI 1.5), checked against implementations the module
 * does not use: busybox's sha256sum for the digest, and for the ciphers
 * AF_ALG driven from userspace in pieces that never line up with the
 * flow's chunks (so a wrong counter or tweak at a chunk boundary shows).
 *   1. A -> [sha256, ctr(aes) encrypt] -> file, key from a pipe: the
 *      digest is sha256sum's, the file is AF_ALG's ciphertext;
 *   2. file -> [ctr(aes) decrypt, sha256] -> file, key from the keyring:
 *      A's bytes again, the same digest;
 *   3. A -> xts(aes) (512-byte units, tweak = B's sector) -> B at 72 MiB,
 *      equal to AF_ALG's, and B -> xts decrypt -> file: A again;
 *   4. cbc(aes) on the virtio-crypto device, by its driver name, equal
 *      to the CPU's, and back on the CPU;
 *   5. placement: required p2p with a stage is EXDEV (reason TRANSFORM),
 *      preferred falls back to host memory with that reason;
 *   6. bad stages are refused with their documented errno, leaving
 *      nothing behind.
 * Depth 4 with 1 MiB chunks: reads finish out of order, so the digest's
 * ordering (chunks parking at its cursor) is exercised.
 *
 * Then the same through .flow files and flowctl apply (B at 80 MiB).
 *
 * Disk B: 72-76 and 80-82 MiB only (never 255-511, nor t-p2p's 176-230, which the
 * host compares after the run).
 */
#include <linux/if_alg.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "algtest.h"
#include "flowtest.h"

#define DIR "/tmp/xform"
#define LEN (8 * MiB)
#define XTS_LEN (4 * MiB)
#define XTS_AT (72 * MiB)

static const char *dev_a, *dev_b;
static uint8_t key_ctr[32], key_xts[64], iv_ctr[16];
static uint8_t buf_a[256 * KiB], buf_b[256 * KiB];

/* Encrypt @n bytes of @in into @out with @iv (16 bytes) on @op. */
static int alg_encrypt(int op, const uint8_t *iv, const uint8_t *in,
		       uint8_t *out, size_t n)
{
	char cbuf[CMSG_SPACE(sizeof(uint32_t)) +
		  CMSG_SPACE(sizeof(struct af_alg_iv) + 16)] = {0};
	struct iovec iov = {.iov_base = (void *)in, .iov_len = n};
	struct msghdr msg = {
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	struct af_alg_iv *aiv;
	size_t got = 0;
	ssize_t r;

	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_OP;
	c->cmsg_len = CMSG_LEN(sizeof(uint32_t));
	*(uint32_t *)CMSG_DATA(c) = ALG_OP_ENCRYPT;
	c = CMSG_NXTHDR(&msg, c);
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_IV;
	c->cmsg_len = CMSG_LEN(sizeof(*aiv) + 16);
	aiv = (void *)CMSG_DATA(c);
	aiv->ivlen = 16;
	memcpy(aiv->iv, iv, 16);
	if (sendmsg(op, &msg, 0) != (ssize_t)n)
		return -1;
	while (got < n && (r = read(op, out + got, n - got)) > 0)
		got += (size_t)r;
	return got == n ? 0 : -1;
}

/* The ctr counter block of byte @pos: @iv + @pos / 16, big-endian. */
static void ctr_iv(uint8_t *out, const uint8_t *iv, uint64_t pos)
{
	uint64_t add = pos / 16;
	int i;

	memcpy(out, iv, 16);
	for (i = 15; i >= 0 && add; i--) {
		unsigned int sum = out[i] + (add & 0xff);

		out[i] = (uint8_t)sum;
		add = (add >> 8) + (sum >> 8);
	}
}

/* plain64: the little-endian unit number, zero-padded. */
static void plain64(uint8_t *out, uint64_t n)
{
	int i;

	memset(out, 0, 16);
	for (i = 0; i < 8; i++)
		out[i] = (uint8_t)(n >> (8 * i));
}

/*
 * Compare @ct (at @ct_off) with AF_ALG's encryption of A's first @len
 * bytes under @key: ctr with iv_ctr (@unit 0), or plain64(@unit0 + k) for
 * unit k of @unit bytes.  Pieces of 192 KiB: never aligned to the flow's
 * 1 MiB chunks.
 */
static int64_t check_cipher(const char *alg, const uint8_t *key, size_t klen,
			    const char *ct, uint64_t ct_off, uint64_t len,
			    uint32_t unit, uint64_t unit0)
{
	int op = alg_open("skcipher", alg, key, klen);
	int fa = open(dev_a, O_RDONLY), fc = open(ct, O_RDONLY);
	const size_t piece = 192 * KiB;
	int64_t bad = -1;
	uint64_t off;

	if (op < 0 || fa < 0 || fc < 0) {
		fprintf(stderr, "AF_ALG %s: %s\n", alg, strerror(errno));
		bad = 0;
		goto out;
	}
	ioctl(fc, BLKFLSBUF, 0);
	for (off = 0; off < len && bad < 0; off += piece) {
		size_t n = len - off < piece ? len - off : piece, u;
		uint8_t iv[16];

		if (pread(fa, buf_a, n, off) != (ssize_t)n ||
		    pread(fc, buf_b, n, ct_off + off) != (ssize_t)n) {
			bad = off;
			break;
		}
		if (unit) {
			for (u = 0; u < n && bad < 0; u += unit) {
				plain64(iv, unit0 + (off + u) / unit);
				if (alg_encrypt(op, iv, buf_a + u, buf_a + u,
						unit))
					bad = off + u;
			}
		} else {
			ctr_iv(iv, iv_ctr, off);
			if (alg_encrypt(op, iv, buf_a, buf_a, n))
				bad = off;
		}
		if (bad < 0 && memcmp(buf_a, buf_b, n))
			bad = off;
	}
out:
	if (op >= 0)
		close(op);
	if (fa >= 0)
		close(fa);
	if (fc >= 0)
		close(fc);
	return bad;
}

/* Is @path's first @len bytes A's? */
static bool same_as_a(const char *path, uint64_t len)
{
	int fa = open(dev_a, O_RDONLY), fp = open(path, O_RDONLY);
	bool same = fa >= 0 && fp >= 0;
	uint64_t off;

	for (off = 0; same && off < len; off += sizeof(buf_a))
		same = pread(fa, buf_a, sizeof(buf_a), off) == sizeof(buf_a) &&
		       pread(fp, buf_b, sizeof(buf_b), off) == sizeof(buf_b) &&
		       !memcmp(buf_a, buf_b, sizeof(buf_a));
	if (fa >= 0)
		close(fa);
	if (fp >= 0)
		close(fp);
	return same;
}

/* sha256sum (busybox's own code) of A's first @len bytes, as hex. */
static void sha256_of_a(uint64_t len, char *hex, size_t hexlen)
{
	char cmd[256];
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "dd if=%s bs=1M count=%llu iflag=direct 2>/dev/null | "
		 "sha256sum",
		 dev_a, (unsigned long long)(len / MiB));
	p = popen(cmd, "r");
	hex[0] = 0;
	if (p) {
		if (!fgets(hex, (int)hexlen, p))
			hex[0] = 0;
		pclose(p);
	}
	hex[64 < hexlen ? 64 : hexlen - 1] = 0;
}

static void to_hex(const uint8_t *d, unsigned int n, char *hex)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		sprintf(hex + 2 * i, "%02x", d[i]);
	hex[2 * n] = 0;
}

struct xrun {
	const char *src, *dst;
	uint64_t src_off, dst_off, len;
	int src_flags, dst_flags;
	struct flowswitch_transform st[FLOWSWITCH_MAX_STAGES];
	unsigned int nr;
	unsigned int placement;
	unsigned int flags;
	int src_port, dst_port; /* out */
};

/* Create (and with @go, run) @r; the flow id, or -errno at create. */
static int xflow(int fsw, struct xrun *r, bool go,
		 struct flowswitch_flow_create *fc,
		 struct flowswitch_flow_query *q)
{
	struct flowswitch_sink sink = {.offset = r->dst_off};
	unsigned int state;
	int id;

	memset(fc, 0, sizeof(*fc));
	fc->src_offset = r->src_off;
	fc->length = r->len;
	fc->chunk_size = 1 * MiB;
	fc->depth = 4;
	fc->nr_sinks = 1;
	fc->sinks_uptr = (uintptr_t)&sink;
	fc->nr_stages = r->nr;
	fc->stages_uptr = (uintptr_t)r->st;
	fc->placement = r->placement;
	fc->flags = r->flags;
	r->src_port = port_on(fsw, r->src, r->src_flags, FLOWSWITCH_PORT_READ);
	r->dst_port = port_on(fsw, r->dst, r->dst_flags, FLOWSWITCH_PORT_WRITE);
	fc->src_port_id = (unsigned int)r->src_port;
	sink.port_id = (unsigned int)r->dst_port;
	id = fsw_flow_create(fsw, fc);
	if (id < 0 || !go)
		return id;
	CHECK(!fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_START), "start");
	CHECK(!fsw_flow_wait(fsw, id, 0, &state), "wait");
	memset(q, 0, sizeof(*q));
	CHECK(!fsw_flow_query(fsw, id, q), "query");
	return id;
}

static void stage(struct flowswitch_transform *t, unsigned int kind,
		  const char *alg)
{
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	snprintf(t->alg, sizeof(t->alg), "%s", alg);
	t->key_fd = -1;
}

/*
 * The module's netlink dump (flowctl dump flows --json) names each stage's
 * algorithm and engine and the digest, and never the key.
 */
static void check_dump(const char *driver, const char *digest)
{
	static char out[1 << 16];
	char keyhex[2 * sizeof(key_ctr) + 1];
	size_t n = 0;
	FILE *p = popen("/bin/flowctl dump flows --json", "r");

	if (p) {
		n = fread(out, 1, sizeof(out) - 1, p);
		pclose(p);
	}
	out[n] = 0;
	for (n = 0; n < sizeof(key_ctr); n++)
		sprintf(keyhex + 2 * n, "%02x", key_ctr[n]);
	CHECK(strstr(out, "\"ctr(aes)\"") && strstr(out, driver) &&
		      strstr(out, digest),
	      "the dump shows the stages, engine and digest:\n%s", out);
	CHECK(!strstr(out, keyhex) && !memmem(out, sizeof(out), key_ctr, 8),
	      "the dump holds no key");
}

static void test_ctr(int fsw)
{
	struct flowswitch_flow_create fc;
	struct flowswitch_flow_query q;
	struct xrun r = {
		.src = dev_a,
		.dst = DIR "/ct",
		.len = LEN,
		.src_flags = O_RDONLY,
		.dst_flags = O_WRONLY | O_CREAT | O_TRUNC,
		.nr = 2,
	};
	char want[80], got[80];
	long serial;
	int id, kfd;

	sha256_of_a(LEN, want, sizeof(want));
	CHECK(strlen(want) == 64, "sha256sum of A: '%s'", want);

	/* 1. [sha256, ctr(aes) encrypt], the key from a pipe. */
	stage(&r.st[0], FLOWSWITCH_XFORM_DIGEST, "sha256");
	stage(&r.st[1], FLOWSWITCH_XFORM_ENCRYPT, "ctr(aes)");
	kfd = key_pipe(key_ctr, sizeof(key_ctr));
	r.st[1].flags = FLOWSWITCH_XFORM_KEY_FD;
	r.st[1].key_fd = kfd;
	r.st[1].key_len = sizeof(key_ctr);
	memcpy(r.st[1].iv, iv_ctr, 16);
	id = xflow(fsw, &r, true, &fc, &q);
	close(kfd);
	CHECK(id > 0, "ctr encrypt flow: %s", strerror(-id));
	if (id < 0)
		return;
	CHECK(q.state == FLOWSWITCH_FLOW_DONE && q.bytes_done == LEN,
	      "encrypt done (state %u, error %u, stage %u, %llu bytes)",
	      q.state, q.error, q.fail_stage, (unsigned long long)q.bytes_done);
	CHECK(fc.out_pool == FLOWSWITCH_POOL_HOST, "host pool");
	CHECK(r.st[0].out_digest_len == 32 && q.digest_len == 32,
	      "sha256: %u/%u bytes", r.st[0].out_digest_len, q.digest_len);
	to_hex(q.digest, 32, got);
	CHECK(!strcmp(got, want), "digest %s, sha256sum %s", got, want);
	CHECK(check_cipher("ctr(aes)", key_ctr, sizeof(key_ctr), DIR "/ct", 0,
			   LEN, 0, 0) < 0,
	      "the ciphertext is AF_ALG's ctr(aes)");
	printf("ctr(aes) by %s, sha256 by %s: %.1f ms of transforms\n",
	       r.st[1].out_driver, r.st[0].out_driver, q.transform_ns / 1e6);
	check_dump(r.st[1].out_driver, want);
	fsw_destroy(fsw, id);

	/* 2. [ctr(aes) decrypt, sha256], the key from the keyring. */
	serial = syscall(SYS_add_key, "user", "flowswitch:t-xform", key_ctr,
			 sizeof(key_ctr), -2 /* KEY_SPEC_PROCESS_KEYRING */);
	CHECK(serial > 0, "add_key: %s", strerror(errno));
	r.src = DIR "/ct";
	r.dst = DIR "/pt";
	stage(&r.st[0], FLOWSWITCH_XFORM_DECRYPT, "ctr(aes)");
	r.st[0].flags = FLOWSWITCH_XFORM_KEY_USER;
	snprintf(r.st[0].key_desc, sizeof(r.st[0].key_desc),
		 "flowswitch:t-xform");
	memcpy(r.st[0].iv, iv_ctr, 16);
	stage(&r.st[1], FLOWSWITCH_XFORM_DIGEST, "sha256");
	id = xflow(fsw, &r, true, &fc, &q);
	CHECK(id > 0, "ctr decrypt flow: %s", strerror(-id));
	if (id < 0)
		return;
	CHECK(q.state == FLOWSWITCH_FLOW_DONE && q.bytes_done == LEN,
	      "decrypt done (state %u, error %u)", q.state, q.error);
	to_hex(q.digest, 32, got);
	CHECK(!strcmp(got, want), "digest after decrypt %s", got);
	CHECK(same_as_a(DIR "/pt", LEN), "decrypted file equals A");
	fsw_destroy(fsw, id);
}

static void test_xts(int fsw)
{
	struct flowswitch_flow_create fc;
	struct flowswitch_flow_query q;
	struct xrun r = {
		.src = dev_a,
		.dst = dev_b,
		.len = XTS_LEN,
		.dst_off = XTS_AT,
		.src_flags = O_RDONLY,
		.dst_flags = O_WRONLY,
		.nr = 1,
	};
	uint64_t unit0 = XTS_AT / 512, n;
	int id, kfd, i;

	stage(&r.st[0], FLOWSWITCH_XFORM_ENCRYPT, "xts(aes)");
	kfd = key_pipe(key_xts, sizeof(key_xts));
	r.st[0].flags = FLOWSWITCH_XFORM_KEY_FD;
	r.st[0].key_fd = kfd;
	r.st[0].key_len = sizeof(key_xts);
	r.st[0].data_unit = 512;
	for (i = 0, n = unit0; i < 8; i++, n >>= 8)
		r.st[0].iv[i] = (uint8_t)n;
	id = xflow(fsw, &r, true, &fc, &q);
	close(kfd);
	CHECK(id > 0, "xts encrypt flow: %s", strerror(-id));
	if (id < 0)
		return;
	CHECK(q.state == FLOWSWITCH_FLOW_DONE && q.bytes_done == XTS_LEN,
	      "xts encrypt done (state %u, error %u)", q.state, q.error);
	CHECK(check_cipher("xts(aes)", key_xts, sizeof(key_xts), dev_b, XTS_AT,
			   XTS_LEN, 512, unit0) < 0,
	      "B holds AF_ALG's xts(aes) with the sector tweak");
	printf("xts(aes) by %s: %.1f ms of transforms\n", r.st[0].out_driver,
	       q.transform_ns / 1e6);
	fsw_destroy(fsw, id);

	/* And back: B -> xts decrypt (same tweak base) -> file. */
	r.src = dev_b;
	r.src_off = XTS_AT;
	r.dst = DIR "/xpt";
	r.dst_off = 0;
	r.dst_flags = O_WRONLY | O_CREAT | O_TRUNC;
	r.st[0].kind = FLOWSWITCH_XFORM_DECRYPT;
	kfd = key_pipe(key_xts, sizeof(key_xts));
	r.st[0].key_fd = kfd;
	id = xflow(fsw, &r, true, &fc, &q);
	close(kfd);
	CHECK(id > 0 && q.state == FLOWSWITCH_FLOW_DONE,
	      "xts decrypt: %d, state %u", id, q.state);
	CHECK(same_as_a(DIR "/xpt", XTS_LEN), "xts round trip equals A");
	if (id > 0)
		fsw_destroy(fsw, id);
}

/*
 * An engine is a device too: cbc(aes) on QEMU's virtio-crypto device,
 * named by its driver (priority 150, below the CPU's: never chosen unless
 * asked), against the CPU's cbc(aes) through AF_ALG; then back with the
 * crypto API's choice.
 */
static void test_virtio(int fsw)
{
	struct flowswitch_flow_create fc;
	struct flowswitch_flow_query q;
	struct xrun r = {
		.src = dev_a,
		.dst = DIR "/vct",
		.len = XTS_LEN,
		.src_flags = O_RDONLY,
		.dst_flags = O_WRONLY | O_CREAT | O_TRUNC,
		.nr = 1,
	};
	double hw_ms, cpu_ms;
	int id, kfd;

	stage(&r.st[0], FLOWSWITCH_XFORM_ENCRYPT, "cbc(aes)");
	snprintf(r.st[0].driver, sizeof(r.st[0].driver),
		 "virtio_crypto_aes_cbc");
	kfd = key_pipe(key_ctr, sizeof(key_ctr));
	r.st[0].flags = FLOWSWITCH_XFORM_KEY_FD;
	r.st[0].key_fd = kfd;
	r.st[0].key_len = sizeof(key_ctr);
	/* 64 KiB units: a virtio request costs ~40 ms under TCG + KASAN. */
	r.st[0].data_unit = 64 * KiB;
	id = xflow(fsw, &r, true, &fc, &q);
	close(kfd);
	CHECK(id > 0, "cbc(aes) on virtio-crypto: %s",
	      id < 0 ? strerror(-id) : "ok");
	if (id < 0)
		return;
	CHECK(q.state == FLOWSWITCH_FLOW_DONE &&
		      !strcmp(r.st[0].out_driver, "virtio_crypto_aes_cbc"),
	      "virtio engine done (state %u, error %u, driver %s)", q.state,
	      q.error, r.st[0].out_driver);
	hw_ms = q.transform_ns / 1e6;
	CHECK(check_cipher("cbc(aes)", key_ctr, sizeof(key_ctr), DIR "/vct", 0,
			   XTS_LEN, 64 * KiB, 0) < 0,
	      "the device's ciphertext is the CPU's cbc(aes)");
	fsw_destroy(fsw, id);

	/* Deciphered by the API's choice, the CPU: A again. */
	r.src = DIR "/vct";
	r.dst = DIR "/vpt";
	r.st[0].kind = FLOWSWITCH_XFORM_DECRYPT;
	r.st[0].driver[0] = 0;
	kfd = key_pipe(key_ctr, sizeof(key_ctr));
	r.st[0].key_fd = kfd;
	id = xflow(fsw, &r, true, &fc, &q);
	close(kfd);
	CHECK(id > 0 && q.state == FLOWSWITCH_FLOW_DONE &&
		      strcmp(r.st[0].out_driver, "virtio_crypto_aes_cbc"),
	      "cbc decrypt on %s", r.st[0].out_driver);
	cpu_ms = q.transform_ns / 1e6;
	CHECK(same_as_a(DIR "/vpt", XTS_LEN), "virtio round trip equals A");
	printf("cbc(aes) 4 MiB: virtio-crypto %.1f ms, %s %.1f ms\n", hw_ms,
	       r.st[0].out_driver, cpu_ms);
	if (id > 0)
		fsw_destroy(fsw, id);
}

/* Run `flowctl apply --no-daemon` on @text; its exit status. */
/*
 * The language's way: .flow files with digest(), encrypt() and decrypt(),
 * applied by flowctl; the key in the session keyring, which flowctl
 * inherits; the planner's tweak is the ciphertext's sector on B.
 */
static void test_lang(void)
{
	char text[1024];
	long serial;

	serial =
		syscall(SYS_add_key, "user", "flowswitch:t-xform-lang", key_ctr,
			sizeof(key_ctr), -3 /* KEY_SPEC_SESSION_KEYRING */);
	CHECK(serial > 0, "add_key: %s", strerror(errno));
	snprintf(text, sizeof(text),
		 "flowlang 1;\n"
		 "param k : secret = "
		 "keyring(\"%%user:flowswitch:t-xform-lang\");\n"
		 "device a = nvme(path=\"%s\");\n"
		 "device b = nvme(path=\"%s\");\n"
		 "flow seal {\n"
		 "\tread(a, range=0..2MiB) -> digest(alg=\"sha256\")\n"
		 "\t\t-> encrypt(alg=\"xts(aes)\", key=$k, unit=512B)\n"
		 "\t\t-> write(b, offset=80MiB);\n}\n",
		 dev_a, dev_b);
	CHECK(apply_text(DIR "/seal.flow", text) == 0,
	      "flowctl apply seal.flow");
	/* explain --kernel names each transform's engine and why */
	{
		static char out[8192];
		FILE *p = popen("/bin/flowctl explain --kernel " DIR
				"/seal.flow 2>&1",
				"r");
		size_t n = p ? fread(out, 1, sizeof(out) - 1, p) : 0;

		if (p)
			pclose(p);
		out[n] = 0;
		CHECK(strstr(out, "transform \"xts(aes)\": ") &&
			      strstr(out, "the crypto API's choice") &&
			      strstr(out, "transform \"sha256\": "),
		      "explain --kernel names the engines:\n%s", out);
	}
	CHECK(check_cipher("xts(aes)", key_ctr, sizeof(key_ctr), dev_b,
			   80 * MiB, 2 * MiB, 512, 80 * MiB / 512) < 0,
	      "B at 80 MiB is xts(aes) with the sector tweak");
	snprintf(text, sizeof(text),
		 "flowlang 1;\n"
		 "param k : secret = "
		 "keyring(\"%%user:flowswitch:t-xform-lang\");\n"
		 "device b = nvme(path=\"%s\");\n"
		 "device out = file(path=\"%s\");\n"
		 "flow open {\n"
		 "\tread(b, range=80MiB..82MiB)\n"
		 "\t\t-> decrypt(alg=\"xts(aes)\", key=$k, unit=512B) -> "
		 "out;\n}\n",
		 dev_b, DIR "/lang.pt");
	CHECK(apply_text(DIR "/open.flow", text) == 0,
	      "flowctl apply open.flow");
	CHECK(same_as_a(DIR "/lang.pt", 2 * MiB),
	      "the language round trip equals A");
}

/*
 * Stop mid-flight, many times: chunks park at the digest behind ones whose
 * reads the stop abandons; every flow must still reach a final state.
 */
static void test_stop_parked(int fsw)
{
	struct flowswitch_flow_create fc;
	struct xrun r = {
		.src = dev_a,
		.dst = DIR "/stop",
		.len = LEN,
		.src_flags = O_RDONLY,
		.dst_flags = O_WRONLY | O_CREAT | O_TRUNC,
		.nr = 2,
	};
	unsigned int state, i, final = 0;
	int id, kfd;

	for (i = 0; i < 20; i++) {
		stage(&r.st[0], FLOWSWITCH_XFORM_ENCRYPT, "ctr(aes)");
		kfd = key_pipe(key_ctr, sizeof(key_ctr));
		r.st[0].flags = FLOWSWITCH_XFORM_KEY_FD;
		r.st[0].key_fd = kfd;
		stage(&r.st[1], FLOWSWITCH_XFORM_DIGEST, "sha256");
		id = xflow(fsw, &r, false, &fc, NULL);
		close(kfd);
		if (id < 0)
			break;
		fsw_flow_ctl(fsw, (unsigned int)id, FLOWSWITCH_FLOW_START);
		usleep(1000 * (i % 5));
		fsw_flow_ctl(fsw, (unsigned int)id, FLOWSWITCH_FLOW_STOP);
		if (!fsw_flow_wait(fsw, (unsigned int)id, 10000, &state) &&
		    (state == FLOWSWITCH_FLOW_STOPPED ||
		     state == FLOWSWITCH_FLOW_DONE))
			final++;
		fsw_destroy(fsw, (unsigned int)id);
		fsw_destroy(fsw, (unsigned int)r.src_port);
		fsw_destroy(fsw, (unsigned int)r.dst_port);
	}
	CHECK(final == 20, "%u of 20 stopped flows reached a final state",
	      final);
}

/* One refusal: create fails with @err and leaves nothing behind. */
static void refuse(int fsw, struct xrun *r, int err, const char *what)
{
	struct flowswitch_flow_create fc;
	struct flowswitch_info before, after;
	int id;

	CHECK(!info_now(&before), "info");
	id = xflow(fsw, r, false, &fc, NULL);
	CHECK(id == -err, "%s: %d (%s), want %s", what, id,
	      id < 0 ? strerror(-id) : "created", strerror(err));
	if (id > 0)
		fsw_destroy(fsw, id);
	fsw_destroy(fsw, r->src_port);
	fsw_destroy(fsw, r->dst_port);
	CHECK(!info_now(&after) && after.nr_flows == before.nr_flows &&
		      after.host_pool_bytes == before.host_pool_bytes &&
		      after.nr_ports == before.nr_ports,
	      "%s: nothing left behind", what);
}

static void test_refusals(int fsw)
{
	struct flowswitch_flow_create fc;
	struct flowswitch_flow_query q;
	struct xrun r = {
		.src = dev_a,
		.dst = DIR "/junk",
		.len = 1 * MiB,
		.src_flags = O_RDONLY,
		.dst_flags = O_WRONLY | O_CREAT,
		.nr = 1,
	};
	int id, kfd, wfd;

	/* placement: a stage runs on host memory */
	stage(&r.st[0], FLOWSWITCH_XFORM_DIGEST, "crc32c");
	r.placement = FLOWSWITCH_P2P_REQUIRED;
	memset(&fc, 0, sizeof(fc));
	id = xflow(fsw, &r, false, &fc, &q);
	CHECK(id == -EXDEV && fc.out_p2p_reason == FLOWSWITCH_P2P_TRANSFORM,
	      "required p2p with a stage: %d reason %u", id, fc.out_p2p_reason);
	r.placement = FLOWSWITCH_P2P_PREFERRED;
	id = xflow(fsw, &r, true, &fc, &q);
	CHECK(id > 0 && fc.out_pool == FLOWSWITCH_POOL_HOST &&
		      fc.out_p2p_reason == FLOWSWITCH_P2P_TRANSFORM &&
		      q.state == FLOWSWITCH_FLOW_DONE && q.digest_len == 4,
	      "preferred p2p with a stage: host pool, reason %u, crc32c %u",
	      fc.out_p2p_reason, q.digest_len);
	if (id > 0)
		fsw_destroy(fsw, id);
	r.placement = 0;

	stage(&r.st[0], FLOWSWITCH_XFORM_DIGEST, "no-such-hash");
	refuse(fsw, &r, ENOENT, "unknown digest");
	stage(&r.st[0], FLOWSWITCH_XFORM_DIGEST, "sha256");
	r.st[0].flags = FLOWSWITCH_XFORM_KEY_FD;
	refuse(fsw, &r, EINVAL, "digest with a key");
	stage(&r.st[0], FLOWSWITCH_XFORM_DIGEST, "sha256");
	r.st[0].__reserved = 1;
	refuse(fsw, &r, EINVAL, "reserved field");
	stage(&r.st[0], 9, "sha256");
	refuse(fsw, &r, EINVAL, "unknown kind");

	stage(&r.st[0], FLOWSWITCH_XFORM_ENCRYPT, "ctr(aes)");
	refuse(fsw, &r, EINVAL, "cipher without a key");
	r.st[0].flags = FLOWSWITCH_XFORM_KEY_FD | FLOWSWITCH_XFORM_KEY_USER;
	refuse(fsw, &r, EINVAL, "two key sources");
	r.st[0].flags = FLOWSWITCH_XFORM_KEY_USER;
	snprintf(r.st[0].key_desc, sizeof(r.st[0].key_desc),
		 "flowswitch:no-such-key");
	refuse(fsw, &r, ENOKEY, "no such key");
	kfd = key_pipe(key_ctr, 17);
	r.st[0].flags = FLOWSWITCH_XFORM_KEY_FD;
	r.st[0].key_fd = kfd;
	r.st[0].key_len = 17;
	refuse(fsw, &r, EKEYREJECTED, "17-byte AES key");
	close(kfd);
	wfd = open(DIR "/keyfile", O_WRONLY | O_CREAT, 0600);
	r.st[0].key_fd = wfd;
	r.st[0].key_len = 32;
	refuse(fsw, &r, EBADF, "key fd not open for reading");
	close(wfd);
	r.st[0].key_fd = 1000;
	refuse(fsw, &r, EBADF, "key fd not open");

	stage(&r.st[0], FLOWSWITCH_XFORM_ENCRYPT, "xts(aes)");
	kfd = key_pipe(key_xts, sizeof(key_xts));
	r.st[0].flags = FLOWSWITCH_XFORM_KEY_FD;
	r.st[0].key_fd = kfd;
	r.st[0].key_len = 64;
	r.st[0].data_unit = 768;
	refuse(fsw, &r, EINVAL, "data unit not a power of two");
	r.st[0].data_unit = 0;
	refuse(fsw, &r, EINVAL, "xts without data units");
	close(kfd);

	/* a cipher changes the bytes: VERIFY's equality cannot hold */
	stage(&r.st[0], FLOWSWITCH_XFORM_ENCRYPT, "xts(aes)");
	kfd = key_pipe(key_xts, sizeof(key_xts));
	r.st[0].flags = FLOWSWITCH_XFORM_KEY_FD;
	r.st[0].key_fd = kfd;
	r.st[0].data_unit = 512;
	r.flags = FLOWSWITCH_FLOW_VERIFY;
	refuse(fsw, &r, EINVAL, "a cipher with VERIFY");
	r.flags = 0;
	close(kfd);
	/* key_len 0: the whole pipe; 65 bytes is too long for any key */
	{
		uint8_t big[65] = {0};

		kfd = key_pipe(big, sizeof(big));
		r.st[0].key_fd = kfd;
		r.st[0].key_len = 0;
		refuse(fsw, &r, EKEYREJECTED, "a 65-byte key");
		close(kfd);
	}

	r.nr = FLOWSWITCH_MAX_STAGES + 1;
	refuse(fsw, &r, EINVAL, "too many stages");
	r.nr = 1;
}

int main(void)
{
	struct flowswitch_info before;
	int fsw, rnd, i;

	for (i = 0; i < 50 && !nvme_by_serial("fswB"); i++)
		usleep(100000);
	dev_a = nvme_by_serial("fswA");
	dev_b = nvme_by_serial("fswB");
	if (!dev_a || !dev_b)
		return T_SKIP;
	rnd = open("/dev/urandom", O_RDONLY);
	if (rnd < 0 || read(rnd, key_ctr, sizeof(key_ctr)) != sizeof(key_ctr) ||
	    read(rnd, key_xts, sizeof(key_xts)) != sizeof(key_xts) ||
	    read(rnd, iv_ctr, sizeof(iv_ctr)) != sizeof(iv_ctr))
		return T_FAIL;
	close(rnd);
	/* A counter near its wrap: the carry across bytes must be right. */
	memset(iv_ctr + 8, 0xff, 7);
	mkdir(DIR, 0755);
	CHECK(!info_now(&before), "info");
	fsw = fsw_open(NULL);
	if (fsw < 0)
		return T_FAIL;
	test_ctr(fsw);
	test_xts(fsw);
	test_virtio(fsw);
	test_lang();
	test_stop_parked(fsw);
	test_refusals(fsw);
	close(fsw);
	check_baseline(&before);
	return t_result();
}
