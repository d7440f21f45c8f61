/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cases of t-engine-xform: each fills a struct xcase (its stages,
 * with fresh key fds, its source file and flow fields) that the test
 * runs on both engines.  The flows, which must give the same bytes,
 * and the refusals of kmod/xform.c, each with the errno both engines
 * must give.  Source files are named relative to the test's directory:
 * "src" (4 MiB), "odd" (3 MiB + 5), "open16" (one AEAD record and 16
 * bytes), "big" (16 MiB), "ctr.kernel" (the module's ctr ciphertext).
 */
#ifndef XFORMCASES_H
#define XFORMCASES_H

#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "flowtest.h"

#define XFORM_KEYFILE "/tmp/t-engine-xform.keyfile"
#define USER_DESC "flowswitch:t-engine-xform"
#define LOGON_DESC "flowswitch:t-engine-xform-logon"

static uint8_t key32[32], key64[64], key16[16];

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
static void r_kind8(struct xcase *c)
{
	c_sha256(c);
	c->st[0].kind = 8;
}
static void c_compress(struct xcase *c)
{
	c->nr = 1;
	stage(&c->st[0], FLOWSWITCH_XFORM_COMPRESS, "lz4");
}
static void r_compress_key(struct xcase *c)
{
	c_compress(c);
	c->st[0].flags = FLOWSWITCH_XFORM_KEY_USER;
}
static void c_seal(struct xcase *c)
{
	c->nr = 1;
	stage(&c->st[0], FLOWSWITCH_XFORM_SEAL, "gcm(aes)");
	key_fd(&c->st[0], key16, sizeof(key16));
}
static void r_no_compressor(struct xcase *c)
{
	c_compress(c);
	snprintf(c->st[0].alg, sizeof(c->st[0].alg), "nosuchz");
}
static void r_no_aead(struct xcase *c)
{
	c_seal(c);
	snprintf(c->st[0].alg, sizeof(c->st[0].alg), "gcm(nosuch)");
}
static void r_compress_seal(struct xcase *c)
{
	c_seal(c);
	c->nr = 2;
	stage(&c->st[1], FLOWSWITCH_XFORM_COMPRESS, "lz4");
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
	c->st[0].key_fd = open(XFORM_KEYFILE, O_WRONLY | O_CREAT, 0600);
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
	{"kind 8", r_kind8, EINVAL},
	{"compress with a key", r_compress_key, EINVAL},
	{"no such compressor", r_no_compressor, ENOENT},
	{"no such AEAD", r_no_aead, ENOENT},
	{"compress and seal", r_compress_seal, EINVAL},
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

#endif /* XFORMCASES_H */
