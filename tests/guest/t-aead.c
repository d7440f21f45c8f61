// SPDX-License-Identifier: GPL-2.0
/*
 * AEAD stages (ABI 1.6): records sealed and opened by the module, the
 * framing held to the UAPI's description by AF_ALG.
 *   1. A -> [sha256, seal gcm(aes)] -> TCP -> [open gcm(aes), sha256] ->
 *      file, both flows at once: the file is A's bytes, both digests
 *      are sha256sum's;
 *   2. A -> seal -> file: every record opened by AF_ALG with the nonce
 *      and associated data the header documents;
 *   3. rfc4106(gcm(aes)) seals and opens back;
 *   4. a wrong key: EBADMSG at the first record, nothing written;
 *      a byte flipped in record 3: EBADMSG at record 3's offset, records
 *      0-2 written and nothing after; the stream cut at a record
 *      boundary: EBADMSG at the new last record;
 *   5. refusals.
 * Disk: reads A only.
 */
#include <sys/stat.h>
#include <sys/syscall.h>

#include "nettest.h"
#include "xformtest.h"

#define DIR "/tmp/aead"
#define CHUNK (64 * KiB)
#define REC (CHUNK + 16)
/* 32 full records and a short one. */
#define LEN (2 * MiB + 777)
#define NREC ((LEN + CHUNK - 1) / CHUNK)
#define SEALED (LEN + NREC * 16)

static const char *dev_a;
static uint8_t key[32], key4106[36], iv[16];
static uint8_t rec_buf[REC + 64], out_buf[REC + 64], a_buf[REC];

/* Is @path exactly A's first @len bytes? */
static bool same_as_a(const char *path, uint64_t len)
{
	return same_prefix(path, dev_a, len);
}

/* 1. A -> seal -> TCP -> open -> file, at once, with digests each side. */
static void test_tcp(int fsw)
{
	struct flowswitch_transform ss[2], os[2];
	struct flowswitch_flow_query qs, qr;
	struct flowswitch_flow_create fc;
	char want[65], hs[129], hr[129];
	int fds[2], pa, po, ps, pr, snd, rcv;
	unsigned int state;

	if (tcp_pair(fds)) {
		CHECK(0, "tcp pair: %s", strerror(errno));
		return;
	}
	pa = xport(fsw, dev_a, -1, O_RDONLY, FLOWSWITCH_PORT_READ);
	po = xport(fsw, DIR "/plain1", -1, O_RDWR | O_CREAT | O_TRUNC,
		   FLOWSWITCH_PORT_WRITE);
	ps = xport(fsw, NULL, fds[0], 0, FLOWSWITCH_PORT_WRITE);
	pr = xport(fsw, NULL, fds[1], 0, FLOWSWITCH_PORT_READ);
	xstage(&ss[0], FLOWSWITCH_XFORM_DIGEST, "sha256", NULL, 0, iv);
	xstage(&ss[1], FLOWSWITCH_XFORM_SEAL, "gcm(aes)", key, sizeof(key), iv);
	xstage(&os[0], FLOWSWITCH_XFORM_OPEN, "gcm(aes)", key, sizeof(key), iv);
	xstage(&os[1], FLOWSWITCH_XFORM_DIGEST, "sha256", NULL, 0, iv);
	snd = xflow(fsw, pa, ps, LEN, CHUNK, ss, 2, &fc);
	rcv = xflow(fsw, pr, po, SEALED, CHUNK, os, 2, &fc);
	close_keys(ss, 2);
	close_keys(os, 2);
	CHECK(snd > 0 && rcv > 0, "flows: %d %d", snd, rcv);
	if (snd <= 0 || rcv <= 0)
		goto out;
	printf("seal engine %s, open engine %s\n", ss[1].out_driver,
	       os[0].out_driver);
	CHECK(!fsw_flow_ctl(fsw, rcv, FLOWSWITCH_FLOW_START), "start");
	CHECK(!fsw_flow_ctl(fsw, snd, FLOWSWITCH_FLOW_START), "start");
	CHECK(!fsw_flow_wait(fsw, snd, 0, &state), "wait");
	CHECK(!fsw_flow_wait(fsw, rcv, 0, &state), "wait");
	memset(&qs, 0, sizeof(qs));
	memset(&qr, 0, sizeof(qr));
	CHECK(!fsw_flow_query(fsw, snd, &qs) && !fsw_flow_query(fsw, rcv, &qr),
	      "query");
	CHECK(qs.state == FLOWSWITCH_FLOW_DONE && qs.bytes_done == LEN,
	      "seal: state %u error %u stage %u", qs.state, qs.error,
	      qs.fail_stage);
	CHECK(qr.state == FLOWSWITCH_FLOW_DONE && qr.bytes_done == SEALED,
	      "open: state %u error %u stage %u at %llu", qr.state, qr.error,
	      qr.fail_stage, (unsigned long long)qr.fail_offset);
	CHECK(same_as_a(DIR "/plain1", LEN), "A's bytes came out");
	sha256_hex(dev_a, LEN, want);
	to_hex(qs.digest, qs.digest_len, hs);
	to_hex(qr.digest, qr.digest_len, hr);
	CHECK(!strcmp(hs, want) && !strcmp(hr, want),
	      "digests: seal side %s, open side %s, sha256sum %s", hs, hr,
	      want);
out:
	fsw_destroy(fsw, snd);
	fsw_destroy(fsw, rcv);
	fsw_destroy(fsw, pa);
	fsw_destroy(fsw, po);
	fsw_destroy(fsw, ps);
	fsw_destroy(fsw, pr);
	close(fds[0]);
	close(fds[1]);
}

/* Seal A's first @len bytes into @path with @alg; the flow's query. */
static int seal_file(int fsw, const char *alg, const uint8_t *k, size_t klen,
		     const char *path, uint64_t len)
{
	struct flowswitch_flow_create fc;
	struct flowswitch_flow_query q;
	struct flowswitch_transform st;
	int pa, pc, id;

	pa = xport(fsw, dev_a, -1, O_RDONLY, FLOWSWITCH_PORT_READ);
	pc = xport(fsw, path, -1, O_RDWR | O_CREAT | O_TRUNC,
		   FLOWSWITCH_PORT_WRITE);
	xstage(&st, FLOWSWITCH_XFORM_SEAL, alg, k, klen, iv);
	id = xflow(fsw, pa, pc, len, CHUNK, &st, 1, &fc);
	close_keys(&st, 1);
	CHECK(id > 0, "seal %s: %d", alg, id);
	if (id > 0) {
		xrun(fsw, id, &q);
		CHECK(q.state == FLOWSWITCH_FLOW_DONE, "sealed: state %u %u",
		      q.state, q.error);
		fsw_destroy(fsw, id);
	}
	fsw_destroy(fsw, pa);
	fsw_destroy(fsw, pc);
	return id > 0 && q.state == FLOWSWITCH_FLOW_DONE ? 0 : -1;
}

/*
 * Open @len bytes of sealed @path into @out with @alg and @k; the query.
 * @out is created empty first.
 */
static void open_file(int fsw, const char *alg, const uint8_t *k, size_t klen,
		      const char *path, uint64_t len, const char *out,
		      struct flowswitch_flow_query *q)
{
	struct flowswitch_flow_create fc;
	struct flowswitch_transform st;
	int pc, po, id;

	memset(q, 0, sizeof(*q));
	pc = xport(fsw, path, -1, O_RDONLY, FLOWSWITCH_PORT_READ);
	po = xport(fsw, out, -1, O_RDWR | O_CREAT | O_TRUNC,
		   FLOWSWITCH_PORT_WRITE);
	xstage(&st, FLOWSWITCH_XFORM_OPEN, alg, k, klen, iv);
	id = xflow(fsw, pc, po, len, CHUNK, &st, 1, &fc);
	close_keys(&st, 1);
	CHECK(id > 0, "open %s: %d", alg, id);
	if (id > 0) {
		xrun(fsw, id, q);
		fsw_destroy(fsw, id);
	}
	fsw_destroy(fsw, pc);
	fsw_destroy(fsw, po);
}

/* 2. The records on disk open with AF_ALG as the header describes them. */
static void test_framing(int fsw)
{
	int op, fc, fa;
	struct stat st;
	uint64_t k;
	bool ok = true;

	if (seal_file(fsw, "gcm(aes)", key, sizeof(key), DIR "/ct", LEN))
		return;
	fc = open(DIR "/ct", O_RDONLY);
	fa = open(dev_a, O_RDONLY);
	CHECK(!fstat(fc, &st) && st.st_size == SEALED,
	      "sealed size %lld, want %llu", (long long)st.st_size,
	      (unsigned long long)SEALED);
	op = alg_open("aead", "gcm(aes)", key, sizeof(key));
	CHECK(op >= 0, "AF_ALG gcm(aes): %s", strerror(errno));
	for (k = 0; op >= 0 && k < NREC && ok; k++) {
		size_t plen = k == NREC - 1 ? LEN - k * CHUNK : CHUNK;

		ok = pread(fc, rec_buf, plen + 16, k * REC) ==
			     (ssize_t)(plen + 16) &&
		     !alg_record(op, false, iv, k, k == NREC - 1, rec_buf,
				 plen + 16, a_buf) &&
		     pread(fa, out_buf, plen, k * CHUNK) == (ssize_t)plen &&
		     !memcmp(out_buf, a_buf, plen);
		CHECK(ok, "record %llu does not open as documented",
		      (unsigned long long)k);
	}
	if (op >= 0)
		close(op);
	close(fc);
	close(fa);
}

/* 3. rfc4106(gcm(aes)): the salt is the key's last 4 bytes. */
static void test_rfc4106(int fsw)
{
	struct flowswitch_flow_query q;

	if (seal_file(fsw, "rfc4106(gcm(aes))", key4106, sizeof(key4106),
		      DIR "/ct4106", LEN))
		return;
	open_file(fsw, "rfc4106(gcm(aes))", key4106, sizeof(key4106),
		  DIR "/ct4106", SEALED, DIR "/plain4106", &q);
	CHECK(q.state == FLOWSWITCH_FLOW_DONE && q.bytes_done == SEALED,
	      "rfc4106 open: state %u error %u", q.state, q.error);
	CHECK(same_as_a(DIR "/plain4106", LEN), "rfc4106 round trip");
}

static void check_failed_at(const struct flowswitch_flow_query *q, uint64_t rec,
			    const char *what)
{
	struct stat st;

	CHECK(q->state == FLOWSWITCH_FLOW_FAILED && q->error == EBADMSG &&
		      q->fail_stage == FLOWSWITCH_STAGE_TRANSFORM &&
		      q->fail_offset == rec * REC && q->bytes_done == rec * REC,
	      "%s: state %u error %u stage %u at %llu done %llu", what,
	      q->state, q->error, q->fail_stage,
	      (unsigned long long)q->fail_offset,
	      (unsigned long long)q->bytes_done);
	/* Nothing from the failing record on was written. */
	CHECK(!stat(DIR "/bad", &st) && (uint64_t)st.st_size == rec * CHUNK &&
		      same_as_a(DIR "/bad", rec * CHUNK),
	      "%s: the sink holds %lld bytes, want the %llu before", what,
	      (long long)st.st_size, (unsigned long long)(rec * CHUNK));
}

/* 4. Authentication failures. */
static void test_tamper(int fsw)
{
	struct flowswitch_flow_query q;
	uint8_t wrong[32], b;
	int fd;

	memcpy(wrong, key, sizeof(wrong));
	wrong[0] ^= 1;
	open_file(fsw, "gcm(aes)", wrong, sizeof(wrong), DIR "/ct", SEALED,
		  DIR "/bad", &q);
	check_failed_at(&q, 0, "wrong key");

	/* A byte of record 3 flipped (a copy of the sealed file). */
	CHECK(!system("cp " DIR "/ct " DIR "/ct3"), "cp");
	fd = open(DIR "/ct3", O_RDWR);
	CHECK(pread(fd, &b, 1, 3 * REC + 100) == 1, "read");
	b ^= 0x40;
	CHECK(pwrite(fd, &b, 1, 3 * REC + 100) == 1, "write");
	close(fd);
	open_file(fsw, "gcm(aes)", key, sizeof(key), DIR "/ct3", SEALED,
		  DIR "/bad", &q);
	check_failed_at(&q, 3, "record 3 corrupted");

	/* Cut after record 30: record 30 was not the last when sealed. */
	open_file(fsw, "gcm(aes)", key, sizeof(key), DIR "/ct", 31 * REC,
		  DIR "/bad", &q);
	check_failed_at(&q, 30, "truncated at a record boundary");
}

/*
 * 6. The language's way: one .flow file with both ends, the sockets
 * handed to flowctl as inherited descriptors, the key in the session
 * keyring.
 */
static void test_lang(void)
{
	char text[1536], nonce[25];
	long serial;
	int fds[2];

	if (tcp_pair(fds)) {
		CHECK(0, "tcp pair");
		return;
	}
	serial = syscall(SYS_add_key, "user", "flowswitch:t-aead", key,
			 sizeof(key), -3 /* KEY_SPEC_SESSION_KEYRING */);
	CHECK(serial > 0, "add_key: %s", strerror(errno));
	to_hex(iv, 12, nonce);
	snprintf(text, sizeof(text),
		 "flowlang 1;\n"
		 "param k : secret = keyring(\"%%user:flowswitch:t-aead\");\n"
		 "device a = nvme(path=\"%s\");\n"
		 "device tx = socket(fd=%d);\n"
		 "device rx = socket(fd=%d);\n"
		 "device out = file(path=\"%s\");\n"
		 "flow send {\n"
		 "\tread(a, range=0..%lluB) -> [chunk=64KiB]\n"
		 "\t\taead(alg=\"gcm(aes)\", key=$k, nonce=\"%s\") -> tx;\n}\n"
		 "flow recv {\n"
		 "\tread(rx, range=0..%lluB) -> [chunk=64KiB]\n"
		 "\t\tunseal(alg=\"gcm(aes)\", key=$k, nonce=\"%s\") -> "
		 "out;\n}\n",
		 dev_a, fds[0], fds[1], DIR "/lang.out",
		 (unsigned long long)LEN, nonce, (unsigned long long)SEALED,
		 nonce);
	CHECK(apply_text(DIR "/net.flow", text) == 0, "flowctl apply net.flow");
	CHECK(same_as_a(DIR "/lang.out", LEN),
	      "the language's seal -> TCP -> unseal equals A");
	close(fds[0]);
	close(fds[1]);
}

/* 5. What AEAD stages refuse. */
static void test_refusals(int fsw)
{
	struct flowswitch_flow_create fc;
	struct flowswitch_transform st[2];
	int pa, pc, po, id;

	pa = xport(fsw, dev_a, -1, O_RDONLY, FLOWSWITCH_PORT_READ);
	pc = xport(fsw, DIR "/ct", -1, O_RDONLY, FLOWSWITCH_PORT_READ);
	po = xport(fsw, DIR "/refused", -1, O_RDWR | O_CREAT | O_TRUNC,
		   FLOWSWITCH_PORT_WRITE);

	xstage(&st[0], FLOWSWITCH_XFORM_SEAL, "gcm(aes)", key, sizeof(key), iv);
	xstage(&st[1], FLOWSWITCH_XFORM_SEAL, "gcm(aes)", key, sizeof(key), iv);
	CHECK(xflow(fsw, pa, po, LEN, CHUNK, st, 2, &fc) == -EINVAL,
	      "two AEADs");
	close_keys(st, 2);
	xstage(&st[0], FLOWSWITCH_XFORM_SEAL, "gcm(aes)", key, sizeof(key), iv);
	xstage(&st[1], FLOWSWITCH_XFORM_ENCRYPT, "ctr(aes)", key, sizeof(key),
	       iv);
	CHECK(xflow(fsw, pa, po, LEN, CHUNK, st, 2, &fc) == -EINVAL,
	      "AEAD with a cipher");
	close_keys(st, 2);
	xstage(&st[0], FLOWSWITCH_XFORM_SEAL, "gcm(aes)", key, sizeof(key), iv);
	st[0].data_unit = 4096;
	CHECK(xflow(fsw, pa, po, LEN, CHUNK, st, 1, &fc) == -EINVAL,
	      "data units");
	close_keys(st, 1);
	xstage(&st[0], FLOWSWITCH_XFORM_OPEN, "gcm(aes)", key, sizeof(key), iv);
	CHECK(xflow(fsw, pc, po, REC + 16, CHUNK, st, 1, &fc) == -EINVAL,
	      "a last record of only a tag");
	close_keys(st, 1);
	xstage(&st[0], FLOWSWITCH_XFORM_SEAL, "ctr(aes)", key, sizeof(key), iv);
	CHECK(xflow(fsw, pa, po, LEN, CHUNK, st, 1, &fc) == -ENOENT,
	      "ctr(aes) is no AEAD");
	close_keys(st, 1);
	/* An IV generator would overwrite data; a MAC alone seals nothing. */
	xstage(&st[0], FLOWSWITCH_XFORM_SEAL, "seqiv(rfc4106(gcm(aes)))",
	       key4106, sizeof(key4106), iv);
	/* (ENOENT where seqiv is a module the guest did not load) */
	id = xflow(fsw, pa, po, LEN, CHUNK, st, 1, &fc);
	CHECK(id == -EINVAL || id == -ENOENT, "an IV generator: %d", id);
	close_keys(st, 1);
	xstage(&st[0], FLOWSWITCH_XFORM_SEAL, "rfc4543(gcm(aes))", key4106,
	       sizeof(key4106), iv);
	CHECK(xflow(fsw, pa, po, LEN, CHUNK, st, 1, &fc) == -EINVAL,
	      "a MAC alone");
	close_keys(st, 1);
	xstage(&st[0], FLOWSWITCH_XFORM_SEAL, "gcm(aes)", key, 7, iv);
	CHECK(xflow(fsw, pa, po, LEN, CHUNK, st, 1, &fc) == -EKEYREJECTED,
	      "a 7-byte key");
	close_keys(st, 1);
	xstage(&st[0], FLOWSWITCH_XFORM_SEAL, "gcm(aes)", key, sizeof(key), iv);
	memset(&fc, 0, sizeof(fc));
	{
		struct flowswitch_sink sink = {.port_id = (unsigned int)po};

		fc.chunk_size = CHUNK;
		fc.depth = 2;
		fc.src_port_id = (unsigned int)pa;
		fc.length = LEN;
		fc.flags = FLOWSWITCH_FLOW_VERIFY;
		fc.nr_sinks = 1;
		fc.sinks_uptr = (uintptr_t)&sink;
		fc.nr_stages = 1;
		fc.stages_uptr = (uintptr_t)st;
		id = fsw_flow_create(fsw, &fc);
		CHECK(id == -EINVAL, "VERIFY with AEAD: %d", id);
	}
	close_keys(st, 1);
	fsw_destroy(fsw, pa);
	fsw_destroy(fsw, pc);
	fsw_destroy(fsw, po);
}

int main(void)
{
	struct flowswitch_info before;
	int fsw, rnd, i;

	for (i = 0; i < 50 && !nvme_by_serial("fswA"); i++)
		usleep(100000);
	dev_a = nvme_by_serial("fswA");
	if (!dev_a)
		return T_SKIP;
	rnd = open("/dev/urandom", O_RDONLY);
	if (rnd < 0 || read(rnd, key, sizeof(key)) != sizeof(key) ||
	    read(rnd, key4106, sizeof(key4106)) != sizeof(key4106) ||
	    read(rnd, iv, sizeof(iv)) != sizeof(iv))
		return T_FAIL;
	close(rnd);
	if (lo_up())
		return T_FAIL;
	mkdir(DIR, 0755);
	CHECK(!info_now(&before), "info");
	fsw = fsw_open(NULL);
	if (fsw < 0)
		return T_FAIL;
	test_tcp(fsw);
	test_framing(fsw);
	test_rfc4106(fsw);
	test_tamper(fsw);
	test_refusals(fsw);
	test_lang();
	close(fsw);
	check_baseline(&before);
	/* The guest's /tmp is RAM that later tests need. */
	if (system("rm -rf " DIR))
		CHECK(0, "rm -rf " DIR);
	return t_result();
}
