/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The embedded engine's transform stages (ABI 1.5) on AF_ALG: the same
 * stages as kmod/xform.c, with its checks, errnos, IVs and results byte
 * for byte, run by the flow's worker in userspace.
 *
 *  - engine-uring-xcheck.c: the pure half (checks, IVs, /proc/crypto);
 *  - engine-uring-xkey.c: the key sources (an fd, the user keyring);
 *  - engine-uring-xform.c: the sockets and the per-chunk work;
 *  - engine-uring-xrec.c: AEAD records (AF_ALG aead), and frames;
 *  - engine-uring-xcomp.c: the compression libraries (pure).
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
 *    DECOMPRESS), ABI 1.6: engine-uring-xrec.c and -xcomp.c; the data
 *    path (engine-uring-flow.c) moves the records' and frames' lengths
 *    and offsets as kmod/engine.c does.  AF_ALG has no compression: the
 *    frames' formats run on liblz4, libzstd and zlib.
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
	/* engine-uring-xrec.c: an AEAD or compression stage's own. */
	uint32_t comp; /* enum uxrec_comp */
	void *cctx; /* the library's compression context, or NULL */
	void *dctx; /* its decompression context, or NULL */
};

/* An entry of /proc/crypto, the fields we use. */
struct uxform_alg {
	char name[FLOWSWITCH_ALG_LEN];
	char driver[FLOWSWITCH_ALG_LEN];
	char type[32];
	char module[64];	/* "kernel" when built in */
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
/*
 * What a flow's records or frames make of its lengths (kmod/xform.c's
 * fsw_xform_records(), after uxform_check_records()): source bytes per
 * record (@rec_in) and sink bytes per record (@rec_out), the sinks' range
 * (@out_length, 0 when not known in advance), frames read header first
 * (@framed, DECOMPRESS) or written back to back (@out_running, COMPRESS).
 * Without an AEAD or compression stage: chunk, chunk, @length.
 */
struct urecords {
	uint32_t rec_in;
	uint32_t rec_out;
	uint64_t out_length;
	bool framed;
	bool out_running;
	uint32_t kind; /* the AEAD or compression stage's, or 0 */
};
void uxform_records(const struct flowswitch_transform *t, uint32_t n,
		    uint32_t chunk, uint64_t length, struct urecords *out);
/* An AEAD record's nonce, 12 bytes, for record @nr (TLS 1.3's XOR). */
void uxform_aead_nonce(uint8_t *out, const uint8_t *iv, uint64_t nr);
/* An AEAD record's 12 bytes of associated data. */
void uxform_aead_ad(uint8_t *out, uint32_t plain, bool last);
/*
 * A frame's header (12 bytes at @h) checked as fsw_xform_frame() does,
 * for a frame at source byte @off of a @length-byte flow of @chunk-byte
 * pieces: 0 with *@stored and *@orig, or -EBADMSG.
 */
int uxform_frame_check(const uint8_t *h, uint64_t off, uint64_t length,
		       uint32_t chunk, uint32_t *stored, uint32_t *orig);
void uxform_frame_hdr(uint8_t *h, uint32_t stored, uint32_t orig);

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
/*
 * Every driver in @text that implements @alg for a stage of @kind (not
 * internal ones), highest priority first, up to @max; their number.
 */
int uxform_crypto_list(const char *text, const char *alg, uint32_t kind,
		       struct uxform_alg *out, int max);

/* engine-uring-xkey.c */
/*
 * A stage's key into @key (FLOWSWITCH_MAX_KEY bytes): its length, or 0
 * with *@serial set for a key the socket must take by serial (logon), or
 * -errno as kmod/xform.c's fsw_stage_key() gives it.
 */
int uxform_key(const struct flowswitch_transform *t, uint8_t *key,
	       int32_t *serial);

/* engine-uring-xform.c, for engine-uring-xrec.c */
/* A socket bound to @name of AF_ALG's @type, or -errno. */
int uxform_alg_bind(const char *name, const char *type);
/* /proc/crypto as one string (the caller frees it), or NULL. */
char *uxform_proc_crypto(void);
/* Key st->tfm_fd from @t's key source; 0 or -errno. */
int uxform_set_key(struct ustage *st, const struct flowswitch_transform *t);

/* engine-uring-xrec.c: AEAD records and compressed frames (ABI 1.6). */
enum uxrec_comp {
	UXREC_LZ4 = 1,
	UXREC_ZSTD,
	UXREC_DEFLATE,
};
/* The library for algorithm @alg: enum uxrec_comp, or 0 for none. */
uint32_t uxrec_comp_by_name(const char *alg);
struct uflow;
struct uslot;
int uxrec_setup_aead(struct ustage *st, struct flowswitch_transform *t,
		     const char *name, uint32_t ivsize, uint32_t rec_max);
/*
 * An AEAD whose IV is all ours (kmod/xform.c's fsw_aead_known()): gcm,
 * rfc4106(gcm), rfc7539, chacha20poly1305; not an IV generator (seqiv
 * would overwrite a record's first bytes), not a MAC alone (rfc4543).
 */
bool uxform_aead_known(const char *name);
int uxrec_setup_comp(struct ustage *st, struct flowswitch_transform *t);
void uxrec_free(struct ustage *st);
/* Seal or open @slot's record in place; *@xlen its length in and out. */
int uxrec_aead(struct uflow *flow, struct ustage *st, struct uslot *slot,
	       uint32_t *xlen);
/* Compress @slot's piece into a frame, or a frame back; in place. */
int uxrec_comp(struct uflow *flow, struct ustage *st, struct uslot *slot,
	       uint32_t *xlen);
/*
 * One piece of @len bytes at @src compressed into a frame at @dst (room
 * for FLOWSWITCH_FRAME_HDR + @len bytes): the frame's length.
 */
uint32_t uxrec_compress(struct ustage *st, const uint8_t *src, uint32_t len,
			uint8_t *dst);
/* A frame's body back into @orig bytes at @dst: 0 or -EBADMSG. */
int uxrec_decompress(struct ustage *st, const uint8_t *src, uint32_t stored,
		     uint8_t *dst, uint32_t orig);
void uxrec_comp_free(struct ustage *st);

#endif /* FLOWSWITCH_ENGINE_URING_XFORM_H */
