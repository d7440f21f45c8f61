/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The embedded engine's transform stages (ABI 1.5) on AF_ALG: the same
 * stages as kmod/xform.c, with its checks, errnos, IVs and results byte
 * for byte, run by the flow's worker in userspace.
 *
 *  - engine-uring-xcheck.c: the pure half (checks, IVs, /proc/crypto);
 *  - engine-uring-xkey.c: the key sources (an fd, the user keyring);
 *  - engine-uring-xform.c: the sockets and the per-chunk work.
 *
 * Where it differs from the module, knowingly:
 *  - A "logon" key cannot be read from userspace.  It is handed to the
 *    socket by serial (ALG_SET_KEY_BY_KEY_SERIAL, Linux 6.2); on an older
 *    kernel the stage is refused with EOPNOTSUPP ("this engine cannot do
 *    that"), the engine's errno for what needs the module.
 *  - Stages run in the worker thread, chunk after chunk in stream order
 *    (a digest needs that order anyway): the ring's I/O still overlaps
 *    them, but two chunks are never transformed at once.
 *  - AEAD records (SEAL, OPEN) and compression frames (COMPRESS,
 *    DECOMPRESS), ABI 1.6, are checked as the module checks them, then
 *    refused with EOPNOTSUPP, before any key is read: they change the
 *    flow's lengths and sink offsets, which this engine's data path does
 *    not do yet.
 *  - AF_ALG itself must be there (CONFIG_CRYPTO_USER_API_SKCIPHER/HASH):
 *    without it the socket cannot be made and the stage is EOPNOTSUPP.
 */
#ifndef FLOWSWITCH_ENGINE_URING_XFORM_H
#define FLOWSWITCH_ENGINE_URING_XFORM_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/flowswitch.h>

/* Bytes per AF_ALG request: far below the socket's send buffer. */
#define UXFORM_PIECE (128u << 10)

/* One stage as set up: its sockets and its state through the flow. */
struct ustage {
	uint32_t kind; /* enum flowswitch_xform */
	uint32_t data_unit;
	uint32_t ivsize;
	uint8_t iv[16];
	int tfm_fd; /* bound (and keyed) AF_ALG socket, or -1 */
	int op_fd; /* its accept()ed operation socket, or -1 */
	uint32_t digest_len;
	uint8_t value[FLOWSWITCH_MAX_DIGEST];
	bool final;
	char alg[FLOWSWITCH_ALG_LEN];
	char driver[FLOWSWITCH_ALG_LEN];
};

/* An entry of /proc/crypto, the fields we use. */
struct uxform_alg {
	char name[FLOWSWITCH_ALG_LEN];
	char driver[FLOWSWITCH_ALG_LEN];
	char type[32];
	int priority;
	uint32_t ivsize;
	uint32_t digestsize;
	bool internal;
	bool tested;
};

/* engine-uring-xcheck.c */
/* fsw_stage_check(): 0 or -EINVAL, before anything is allocated. */
int uxform_check(const struct flowswitch_transform *t, uint32_t chunk,
		 uint64_t length);
/* SEAL or OPEN (ABI 1.6): AEAD records. */
bool uxform_kind_aead(uint32_t kind);
/* COMPRESS or DECOMPRESS (ABI 1.6): frames. */
bool uxform_kind_comp(uint32_t kind);
/*
 * fsw_xform_records()'s checks of a flow's @n stages: at most one AEAD
 * or compression stage and no other cipher with it; an opened flow's
 * last record holds more than its tag.  0 or -EINVAL.
 */
int uxform_check_records(const struct flowswitch_transform *t, uint32_t n,
			 uint32_t chunk, uint64_t length);
/* The module's checks of a cipher once its IV size is known. */
int uxform_check_cipher(const struct flowswitch_transform *t, uint32_t ivsize);
/* ctr: the counter block of byte @pos is @iv + @pos / 16, big-endian. */
void uxform_ctr_iv(uint8_t *out, const uint8_t *iv, uint64_t pos);
/* plain64: unit @unit's IV, (first 8 bytes of @iv, le64) + @unit. */
void uxform_unit_iv(uint8_t *out, const uint8_t *iv, uint64_t unit);
/*
 * The driver crypto_alloc_*() picks for @want in /proc/crypto's @text,
 * among the types a stage of @kind allocates; 0 or -ENOENT.
 */
int uxform_crypto_pick(const char *text, const char *want, uint32_t kind,
		       struct uxform_alg *out);

/* engine-uring-xkey.c */
/*
 * A stage's key into @key (FLOWSWITCH_MAX_KEY bytes): its length, or 0
 * with *@serial set for a key the socket must take by serial (logon), or
 * -errno as kmod/xform.c's fsw_stage_key() gives it.
 */
int uxform_key(const struct flowswitch_transform *t, uint8_t *key,
	       int32_t *serial);

#endif /* FLOWSWITCH_ENGINE_URING_XFORM_H */
