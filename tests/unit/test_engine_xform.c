// SPDX-License-Identifier: GPL-2.0
/*
 * The embedded engine's transform stages, the parts that need no AF_ALG
 * (this host's kernel has none): the module's checks of a stage and
 * their errnos, the IVs of ctr and plain64, the choice of a driver from
 * /proc/crypto text, and the key read from an fd.  The AF_ALG half runs
 * in the guest (tests/guest/t-engine-xform.c); here a flow with a stage
 * is either refused with EOPNOTSUPP (no AF_ALG) or checked for its
 * digest when the kernel has one.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine-uring-xform.h"
#include "engine.h"

#define MIB (1u << 20)

static void stage(struct flowswitch_transform *t, uint32_t kind,
		  const char *alg)
{
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	snprintf(t->alg, sizeof(t->alg), "%s", alg);
	t->key_fd = -1;
}

static void test_check(void **state)
{
	struct flowswitch_transform t;

	(void)state;
	stage(&t, FLOWSWITCH_XFORM_DIGEST, "sha256");
	assert_int_equal(uxform_check(&t, MIB, 4 * MIB), 0);
	t.kind = 0;
	assert_int_equal(uxform_check(&t, MIB, 4 * MIB), -EINVAL);
	t.kind = 8;
	assert_int_equal(uxform_check(&t, MIB, 4 * MIB), -EINVAL);
	stage(&t, FLOWSWITCH_XFORM_DIGEST, "sha256");
	t.flags = FLOWSWITCH_XFORM_KEY_FD;
	assert_int_equal(uxform_check(&t, MIB, 4 * MIB), -EINVAL);
	t.flags = 0;
	t.data_unit = 512;
	assert_int_equal(uxform_check(&t, MIB, 4 * MIB), -EINVAL);
	t.data_unit = 0;
	t.__reserved = 1;
	assert_int_equal(uxform_check(&t, MIB, 4 * MIB), -EINVAL);
	t.__reserved = 0;
	t.__reserved2 = 1;
	assert_int_equal(uxform_check(&t, MIB, 4 * MIB), -EINVAL);
	t.__reserved2 = 0;
	memset(t.alg, 'a', sizeof(t.alg));
	assert_int_equal(uxform_check(&t, MIB, 4 * MIB), -EINVAL);
	t.alg[0] = 0;
	assert_int_equal(uxform_check(&t, MIB, 4 * MIB), -EINVAL);
	stage(&t, FLOWSWITCH_XFORM_DIGEST, "sha256");
	memset(t.driver, 'd', sizeof(t.driver));
	assert_int_equal(uxform_check(&t, MIB, 4 * MIB), -EINVAL);
	t.flags = 8;
	assert_int_equal(uxform_check(&t, MIB, 4 * MIB), -EINVAL);

	/* Ciphers: one key source, a unit that fits the chunk and flow. */
	stage(&t, FLOWSWITCH_XFORM_ENCRYPT, "xts(aes)");
	assert_int_equal(uxform_check(&t, MIB, 4 * MIB), -EINVAL);
	t.flags = FLOWSWITCH_XFORM_KEY_FD | FLOWSWITCH_XFORM_KEY_USER;
	assert_int_equal(uxform_check(&t, MIB, 4 * MIB), -EINVAL);
	t.flags = FLOWSWITCH_XFORM_KEY_FD;
	t.data_unit = 512;
	assert_int_equal(uxform_check(&t, MIB, 4 * MIB), 0);
	t.key_len = 64;
	assert_int_equal(uxform_check(&t, MIB, 4 * MIB), 0);
	t.key_len = 65;
	assert_int_equal(uxform_check(&t, MIB, 4 * MIB), -EINVAL);
	t.key_len = 0;
	t.data_unit = 1000;
	assert_int_equal(uxform_check(&t, MIB, 4 * MIB), -EINVAL);
	t.data_unit = 256;
	assert_int_equal(uxform_check(&t, MIB, 4 * MIB), -EINVAL);
	t.data_unit = 2 * MIB;
	assert_int_equal(uxform_check(&t, MIB, 4 * MIB), -EINVAL);
	t.data_unit = 4096;
	assert_int_equal(uxform_check(&t, MIB, 4 * MIB + 512), -EINVAL);
	assert_int_equal(uxform_check(&t, MIB, 4 * MIB + 4096), 0);
	/* A logon key's key_len is not checked: it is the fd's field. */
	t.flags = FLOWSWITCH_XFORM_KEY_LOGON;
	t.key_len = 1000;
	assert_int_equal(uxform_check(&t, MIB, 4 * MIB), 0);
}

static void test_check_records(void **state)
{
	struct flowswitch_transform t[3];

	(void)state;
	/* SEAL/OPEN (ABI 1.6): a key, no unit. */
	stage(&t[0], FLOWSWITCH_XFORM_SEAL, "gcm(aes)");
	assert_int_equal(uxform_check(&t[0], MIB, 4 * MIB), -EINVAL);
	t[0].flags = FLOWSWITCH_XFORM_KEY_FD;
	assert_int_equal(uxform_check(&t[0], MIB, 4 * MIB + 1), 0);
	t[0].data_unit = 512;
	assert_int_equal(uxform_check(&t[0], MIB, 4 * MIB), -EINVAL);
	t[0].data_unit = 0;
	assert_true(uxform_kind_aead(FLOWSWITCH_XFORM_OPEN));
	assert_false(uxform_kind_aead(FLOWSWITCH_XFORM_DECRYPT));

	/* One AEAD stage, digests around it, no other cipher. */
	stage(&t[1], FLOWSWITCH_XFORM_DIGEST, "sha256");
	stage(&t[2], FLOWSWITCH_XFORM_DIGEST, "crc32c");
	assert_int_equal(uxform_check_records(t, 3, MIB, 4 * MIB), 0);
	t[2] = t[0];
	assert_int_equal(uxform_check_records(t, 3, MIB, 4 * MIB), -EINVAL);
	t[2].kind = FLOWSWITCH_XFORM_ENCRYPT;
	assert_int_equal(uxform_check_records(t, 3, MIB, 4 * MIB), -EINVAL);
	assert_int_equal(uxform_check_records(t + 1, 2, MIB, 4 * MIB), 0);
	/* Opening: a last record of the tag alone (or less) is EINVAL. */
	t[0].kind = FLOWSWITCH_XFORM_OPEN;
	assert_int_equal(uxform_check_records(t, 1, MIB, 2 * (MIB + 16)), 0);
	assert_int_equal(uxform_check_records(t, 1, MIB, 2 * (MIB + 16) + 16),
			 -EINVAL);
	assert_int_equal(uxform_check_records(t, 1, MIB, MIB + 16 + 17), 0);
	assert_int_equal(uxform_check_records(t, 1, MIB, 16), -EINVAL);
	/* Sealing: any length. */
	t[0].kind = FLOWSWITCH_XFORM_SEAL;
	assert_int_equal(uxform_check_records(t, 1, MIB, 16), 0);

	/* Compression (ABI 1.6): no key, no unit; never with a seal. */
	stage(&t[1], FLOWSWITCH_XFORM_COMPRESS, "deflate");
	assert_int_equal(uxform_check(&t[1], MIB, 4 * MIB), 0);
	assert_true(uxform_kind_comp(FLOWSWITCH_XFORM_DECOMPRESS));
	assert_false(uxform_kind_comp(FLOWSWITCH_XFORM_OPEN));
	t[1].flags = FLOWSWITCH_XFORM_KEY_FD;
	assert_int_equal(uxform_check(&t[1], MIB, 4 * MIB), -EINVAL);
	t[1].flags = 0;
	t[1].data_unit = 512;
	assert_int_equal(uxform_check(&t[1], MIB, 4 * MIB), -EINVAL);
	t[1].data_unit = 0;
	assert_int_equal(uxform_check_records(t + 1, 1, MIB, 4 * MIB), 0);
	assert_int_equal(uxform_check_records(t, 2, MIB, 4 * MIB), -EINVAL);
	t[2] = t[1];
	t[2].kind = FLOWSWITCH_XFORM_DECOMPRESS;
	assert_int_equal(uxform_check_records(t + 1, 2, MIB, 4 * MIB), -EINVAL);
}

static void test_check_cipher(void **state)
{
	struct flowswitch_transform t;

	(void)state;
	stage(&t, FLOWSWITCH_XFORM_ENCRYPT, "ctr(aes)");
	assert_int_equal(uxform_check_cipher(&t, 16), 0);
	assert_int_equal(uxform_check_cipher(&t, 8), -EINVAL);
	t.data_unit = 512;
	assert_int_equal(uxform_check_cipher(&t, 16), -EINVAL);
	stage(&t, FLOWSWITCH_XFORM_ENCRYPT, "xts(aes)");
	assert_int_equal(uxform_check_cipher(&t, 16), -EINVAL);
	t.data_unit = 512;
	assert_int_equal(uxform_check_cipher(&t, 16), 0);
	assert_int_equal(uxform_check_cipher(&t, 8), 0);
	assert_int_equal(uxform_check_cipher(&t, 32), -EINVAL);
}

static void test_ivs(void **state)
{
	uint8_t iv[16], out[16], want[16];

	(void)state;
	memset(iv, 0, sizeof(iv));
	uxform_ctr_iv(out, iv, 15);
	assert_memory_equal(out, iv, 16);
	uxform_ctr_iv(out, iv, 16 * 0x1234);
	memset(want, 0, sizeof(want));
	want[14] = 0x12;
	want[15] = 0x34;
	assert_memory_equal(out, want, 16);
	/* Carry through the low 64 bits into the high ones. */
	memset(iv + 8, 0xff, 8);
	uxform_ctr_iv(out, iv, 16);
	memset(want, 0, sizeof(want));
	want[7] = 1;
	assert_memory_equal(out, want, 16);
	/* And off the top: the counter wraps as a 128-bit number. */
	memset(iv, 0xff, 16);
	uxform_ctr_iv(out, iv, 32);
	memset(want, 0, sizeof(want));
	want[15] = 1;
	assert_memory_equal(out, want, 16);

	/* plain64: le64 + unit, zero-padded; bytes 8..15 of @iv ignored. */
	memset(iv, 0, sizeof(iv));
	iv[0] = 0xfe;
	memset(iv + 8, 0xaa, 8);
	uxform_unit_iv(out, iv, 3);
	memset(want, 0, sizeof(want));
	want[0] = 0x01;
	want[1] = 0x01;
	assert_memory_equal(out, want, 16);
	memset(iv, 0xff, 8);
	uxform_unit_iv(out, iv, 2);
	memset(want, 0, sizeof(want));
	want[0] = 1;
	assert_memory_equal(out, want, 16);
}

static const char proc_crypto[] = "name         : cbc(aes)\n"
				  "driver       : cbc(ecb(aes-fixed-time))\n"
				  "module       : kernel\n"
				  "priority     : 101\n"
				  "selftest     : passed\n"
				  "internal     : no\n"
				  "type         : lskcipher\n"
				  "ivsize       : 16\n"
				  "\n"
				  "name         : cbc(aes)\n"
				  "driver       : cbc-aes-aesni\n"
				  "priority     : 400\n"
				  "selftest     : passed\n"
				  "internal     : no\n"
				  "type         : skcipher\n"
				  "ivsize       : 16\n"
				  "\n"
				  "name         : __cbc(aes)\n"
				  "driver       : __cbc-aes-aesni\n"
				  "priority     : 400\n"
				  "selftest     : passed\n"
				  "internal     : yes\n"
				  "type         : skcipher\n"
				  "\n"
				  "name         : ctr(aes)\n"
				  "driver       : ctr-aes-untested\n"
				  "priority     : 900\n"
				  "selftest     : unknown\n"
				  "internal     : no\n"
				  "type         : skcipher\n"
				  "ivsize       : 16\n"
				  "\n"
				  "name         : ctr(aes)\n"
				  "driver       : ctr-aes-aesni\n"
				  "priority     : 400\n"
				  "selftest     : passed\n"
				  "internal     : no\n"
				  "type         : skcipher\n"
				  "ivsize       : 16\n"
				  "\n"
				  "name         : sha256\n"
				  "driver       : sha256-accel\n"
				  "priority     : 500\n"
				  "selftest     : passed\n"
				  "internal     : no\n"
				  "type         : ahash\n"
				  "digestsize   : 32\n"
				  "\n"
				  "name         : sha256\n"
				  "driver       : sha256-generic\n"
				  "priority     : 100\n"
				  "selftest     : passed\n"
				  "internal     : no\n"
				  "type         : shash\n"
				  "digestsize   : 32\n"
				  "\n"
				  "name         : sha256\n"
				  "driver       : sha256-avx2\n"
				  "priority     : 170\n"
				  "selftest     : passed\n"
				  "internal     : no\n"
				  "type         : shash\n"
				  "digestsize   : 32\n"
				  "\n"
				  "name         : gcm(aes)\n"
				  "driver       : generic-gcm-aesni\n"
				  "priority     : 400\n"
				  "selftest     : passed\n"
				  "internal     : no\n"
				  "type         : aead\n"
				  "ivsize       : 12\n"
				  "\n"
				  "name         : lz4\n"
				  "driver       : lz4-scomp\n"
				  "priority     : 0\n"
				  "selftest     : passed\n"
				  "internal     : no\n"
				  "type         : scomp\n"
				  "\n"
				  "name         : sha256\n"
				  "driver       : sha256-avx2-twin\n"
				  "priority     : 170\n"
				  "selftest     : passed\n"
				  "internal     : no\n"
				  "type         : shash\n"
				  "digestsize   : 32\n";

/* explain --kernel's list: every implementation, highest priority first. */
static void test_list(void **state)
{
	struct uxform_alg a[8];
	int n;

	(void)state;
	n = uxform_crypto_list(proc_crypto, "sha256", FLOWSWITCH_XFORM_DIGEST,
			       a, 8);
	/* shash only (the module's); equal priorities in listed order */
	assert_int_equal(n, 3);
	assert_string_equal(a[0].driver, "sha256-avx2");
	assert_string_equal(a[1].driver, "sha256-avx2-twin");
	assert_string_equal(a[2].driver, "sha256-generic");
	n = uxform_crypto_list(proc_crypto, "cbc(aes)", FLOWSWITCH_XFORM_ENCRYPT,
			       a, 8);
	assert_true(n >= 2);
	assert_string_equal(a[0].driver, "cbc-aes-aesni");
	assert_true(a[0].priority >= a[n - 1].priority);
	/* never an internal one */
	while (n--)
		assert_true(strncmp(a[n].driver, "__", 2));
	/* compression: the compress interface's entries, not scomp twins */
	assert_int_equal(uxform_crypto_list(proc_crypto, "lz4",
					    FLOWSWITCH_XFORM_COMPRESS, a, 8),
			 0);
	/* full: the highest stays */
	assert_int_equal(uxform_crypto_list(proc_crypto, "sha256",
					    FLOWSWITCH_XFORM_DIGEST, a, 1),
			 1);
	assert_string_equal(a[0].driver, "sha256-avx2");
}

static void test_pick(void **state)
{
	struct uxform_alg a;

	(void)state;
	assert_int_equal(uxform_crypto_pick(proc_crypto, "cbc(aes)",
					    FLOWSWITCH_XFORM_ENCRYPT, &a),
			 0);
	assert_string_equal(a.driver, "cbc-aes-aesni");
	assert_string_equal(a.name, "cbc(aes)");
	assert_int_equal(a.ivsize, 16);
	/* By driver name, any priority; and its algorithm's name. */
	assert_int_equal(uxform_crypto_pick(proc_crypto,
					    "cbc(ecb(aes-fixed-time))",
					    FLOWSWITCH_XFORM_ENCRYPT, &a),
			 0);
	assert_string_equal(a.name, "cbc(aes)");
	assert_int_equal(a.priority, 101);
	/* Internal ones are never picked; untested ones lose to tested. */
	assert_int_equal(uxform_crypto_pick(proc_crypto, "__cbc-aes-aesni",
					    FLOWSWITCH_XFORM_ENCRYPT, &a),
			 -ENOENT);
	assert_int_equal(uxform_crypto_pick(proc_crypto, "ctr(aes)",
					    FLOWSWITCH_XFORM_ENCRYPT, &a),
			 0);
	assert_string_equal(a.driver, "ctr-aes-aesni");
	/* A digest is a shash, as the module allocates; first on a tie. */
	assert_int_equal(uxform_crypto_pick(proc_crypto, "sha256",
					    FLOWSWITCH_XFORM_DIGEST, &a),
			 0);
	assert_string_equal(a.driver, "sha256-avx2");
	assert_int_equal(a.digestsize, 32);
	assert_int_equal(uxform_crypto_pick(proc_crypto, "sha256-accel",
					    FLOWSWITCH_XFORM_DIGEST, &a),
			 -ENOENT);
	/* The wrong family, or nothing of that name. */
	assert_int_equal(uxform_crypto_pick(proc_crypto, "sha256",
					    FLOWSWITCH_XFORM_ENCRYPT, &a),
			 -ENOENT);
	assert_int_equal(uxform_crypto_pick(proc_crypto, "cbc(aes)",
					    FLOWSWITCH_XFORM_DIGEST, &a),
			 -ENOENT);
	assert_int_equal(uxform_crypto_pick(proc_crypto, "xts(aes)",
					    FLOWSWITCH_XFORM_ENCRYPT, &a),
			 -ENOENT);
	/* AEAD and compression (ABI 1.6): their own types. */
	assert_int_equal(uxform_crypto_pick(proc_crypto, "gcm(aes)",
					    FLOWSWITCH_XFORM_SEAL, &a),
			 0);
	assert_string_equal(a.driver, "generic-gcm-aesni");
	assert_int_equal(uxform_crypto_pick(proc_crypto, "gcm(aes)",
					    FLOWSWITCH_XFORM_ENCRYPT, &a),
			 -ENOENT);
	assert_int_equal(uxform_crypto_pick(proc_crypto, "lz4",
					    FLOWSWITCH_XFORM_DECOMPRESS, &a),
			 0);
	assert_string_equal(a.driver, "lz4-scomp");
	assert_int_equal(uxform_crypto_pick(proc_crypto, "lz4",
					    FLOWSWITCH_XFORM_DIGEST, &a),
			 -ENOENT);
	assert_int_equal(
		uxform_crypto_pick("", "sha256", FLOWSWITCH_XFORM_DIGEST, &a),
		-ENOENT);
}

static int pipe_with(const void *bytes, size_t len)
{
	int p[2];

	assert_int_equal(pipe(p), 0);
	if (len)
		assert_int_equal(write(p[1], bytes, len), (ssize_t)len);
	close(p[1]);
	return p[0];
}

static void test_key_fd(void **state)
{
	uint8_t key[FLOWSWITCH_MAX_KEY], want[80];
	struct flowswitch_transform t;
	char tmpl[] = "/tmp/test_engine_xform.XXXXXX";
	int32_t serial;
	int fd, p[2];

	(void)state;
	for (size_t i = 0; i < sizeof(want); i++)
		want[i] = (uint8_t)(i * 13 + 1);
	stage(&t, FLOWSWITCH_XFORM_ENCRYPT, "ctr(aes)");
	t.flags = FLOWSWITCH_XFORM_KEY_FD;

	/* All a pipe holds, to its end. */
	t.key_fd = pipe_with(want, 32);
	assert_int_equal(uxform_key(&t, key, &serial), 32);
	assert_memory_equal(key, want, 32);
	close(t.key_fd);
	/* key_len bytes of it; fewer is EKEYREJECTED. */
	t.key_fd = pipe_with(want, 40);
	t.key_len = 24;
	assert_int_equal(uxform_key(&t, key, &serial), 24);
	close(t.key_fd);
	t.key_fd = pipe_with(want, 16);
	assert_int_equal(uxform_key(&t, key, &serial), -EKEYREJECTED);
	close(t.key_fd);
	t.key_len = 0;
	/* More than FLOWSWITCH_MAX_KEY, or nothing: EKEYREJECTED. */
	t.key_fd = pipe_with(want, 65);
	assert_int_equal(uxform_key(&t, key, &serial), -EKEYREJECTED);
	close(t.key_fd);
	t.key_fd = pipe_with(want, 64);
	assert_int_equal(uxform_key(&t, key, &serial), 64);
	close(t.key_fd);
	t.key_fd = pipe_with(want, 0);
	assert_int_equal(uxform_key(&t, key, &serial), -EKEYREJECTED);
	close(t.key_fd);
	/* Nothing yet on a non-blocking pipe: the read's EAGAIN. */
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	t.key_fd = p[0];
	assert_int_equal(uxform_key(&t, key, &serial), -EAGAIN);
	close(p[0]);
	close(p[1]);

	/* A file: from its offset 0 whatever its position, as the module. */
	fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, want, 48), 48);
	t.key_fd = fd;
	assert_int_equal(uxform_key(&t, key, &serial), 48);
	assert_memory_equal(key, want, 48);
	assert_int_equal(uxform_key(&t, key, &serial), 48);
	close(fd);
	/* Not open for reading: EBADF; nor an fd at all. */
	fd = open(tmpl, O_WRONLY);
	t.key_fd = fd;
	assert_int_equal(uxform_key(&t, key, &serial), -EBADF);
	close(fd);
	unlink(tmpl);
	t.key_fd = -1;
	assert_int_equal(uxform_key(&t, key, &serial), -EBADF);

	/* A keyring key with no description: EINVAL; none such: ENOKEY. */
	t.flags = FLOWSWITCH_XFORM_KEY_USER;
	assert_int_equal(uxform_key(&t, key, &serial), -EINVAL);
	snprintf(t.key_desc, sizeof(t.key_desc), "flowswitch:no-such-key");
	assert_int_equal(uxform_key(&t, key, &serial), -ENOKEY);
	t.flags = FLOWSWITCH_XFORM_KEY_LOGON;
	assert_int_equal(uxform_key(&t, key, &serial), -ENOKEY);
	t.flags = 0;
	assert_int_equal(uxform_key(&t, key, &serial), -EINVAL);
}

/*
 * A flow with a digest stage on the embedded engine: on a kernel without
 * AF_ALG (this host's) EOPNOTSUPP and nothing left behind; with AF_ALG
 * (elsewhere) it runs: the digest of a 1-byte file, sha256("a").
 */
static void test_flow_stage(void **state)
{
	static const uint8_t sha_a[32] = {
		0xca, 0x97, 0x81, 0x12, 0xca, 0x1b, 0xbd, 0xca,
		0xfa, 0xc2, 0x31, 0xb3, 0x9a, 0x23, 0xdc, 0x4d,
		0xa7, 0x86, 0xef, 0xf8, 0x14, 0x7c, 0x4e, 0x72,
		0xb9, 0x80, 0x77, 0x51, 0x62, 0x8e, 0xee, 0xa9,
	};
	char src[] = "/tmp/test_engine_xform.src.XXXXXX";
	char dst[] = "/tmp/test_engine_xform.dst.XXXXXX";
	struct flowswitch_port_create pc[2] = {0};
	struct flowswitch_flow_create fc = {0};
	struct flowswitch_txn_item items[3] = {0};
	struct flowswitch_flow_query q = {0};
	struct flowswitch_transform st;
	struct flowswitch_sink sink = {0};
	struct flowswitch_txn txn = {0};
	struct fsw_engine *e;
	int fds[2], ret, s;

	(void)state;
	e = fsw_engine_uring_open();
	if (!e)
		skip();
	fds[0] = mkstemp(src);
	fds[1] = mkstemp(dst);
	assert_true(fds[0] >= 0 && fds[1] >= 0);
	assert_int_equal(write(fds[0], "a", 1), 1);
	stage(&st, FLOWSWITCH_XFORM_DIGEST, "sha256");
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
	fc.chunk_size = 64 * 1024;
	fc.depth = 2;
	fc.nr_stages = 1;
	fc.stages_uptr = (uintptr_t)&st;
	items[2].op = FLOWSWITCH_TXN_FLOW_CREATE;
	items[2].cmd_uptr = (uintptr_t)&fc;
	txn.size = sizeof(txn);
	txn.nr_items = 3;
	txn.items_uptr = (uintptr_t)items;
	txn.flags = FLOWSWITCH_TXN_START;

	s = socket(AF_ALG, SOCK_SEQPACKET, 0);
	ret = e->ops->txn(e, &txn);
	if (s < 0) {
		/* No AF_ALG: refused as "not on this engine". */
		assert_int_equal(ret, -EOPNOTSUPP);
		assert_int_equal(txn.out_failed_item, 2);
		assert_int_equal(txn.out_failed_errno, EOPNOTSUPP);
		/* All or nothing: the ports went with it. */
		assert_int_equal(e->ops->destroy(e, 1), -ENOENT);
	} else {
		close(s);
		assert_int_equal(ret, 0);
		assert_int_equal(st.out_digest_len, 32);
		for (int i = 0; i < 5000; i++) {
			q.size = sizeof(q);
			assert_int_equal(
				e->ops->flow_query(e, fc.out_flow_id, &q), 0);
			if (q.state >= FLOWSWITCH_FLOW_DONE)
				break;
			usleep(1000);
		}
		assert_int_equal(q.state, FLOWSWITCH_FLOW_DONE);
		assert_int_equal(q.digest_len, 32);
		assert_memory_equal(q.digest, sha_a, 32);
	}
	e->ops->close(e);
	close(fds[0]);
	close(fds[1]);
	unlink(src);
	unlink(dst);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_check_records),
		cmocka_unit_test(test_check_cipher),
		cmocka_unit_test(test_ivs),
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_key_fd),
		cmocka_unit_test(test_flow_stage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
