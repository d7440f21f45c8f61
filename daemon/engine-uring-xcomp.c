// SPDX-License-Identifier: GPL-2.0
/*
 * Compressed frames (ABI 1.6) for the embedded engine.  The crypto API's
 * compression ("lz4", "zstd", "deflate") has no AF_ALG interface: it is
 * kernel-only.  So this engine runs the same formats with the libraries
 * every distribution keeps (liblz4, libzstd, zlib), set up as the
 * kernel's crypto/lz4.c, zstd.c and deflate.c set theirs:
 *  - lz4: an LZ4 block, LZ4_compress_default(), LZ4_decompress_safe();
 *  - zstd: one zstd frame at level 3 (the kernel's ZSTD_DEF_LEVEL);
 *  - deflate: raw deflate, windowBits -11, Z_DEFAULT_COMPRESSION,
 *    memLevel 8 (the kernel's MAX_MEM_LEVEL); inflate with -11 too, so
 *    what the module cannot decompress this engine refuses as well.
 * Compressed bytes may differ from the module's (another implementation
 * of the same format): frames from either engine decompress on the
 * other.  Only a smaller result is kept, else the piece is stored (S ==
 * N), as in kmod/xform.c's fsw_stage_comp().
 *
 * Pure userspace: the host's unit tests run it.
 */
#include <errno.h>
#include <lz4.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "engine-uring-xform.h"

#define UXREC_ZSTD_LEVEL 3
#define UXREC_DEFLATE_WINBITS 11
#define UXREC_DEFLATE_MEMLEVEL 8

uint32_t uxrec_comp_by_name(const char *alg)
{
	if (!strcmp(alg, "lz4"))
		return UXREC_LZ4;
	if (!strcmp(alg, "zstd"))
		return UXREC_ZSTD;
	if (!strcmp(alg, "deflate"))
		return UXREC_DEFLATE;
	return 0;
}

/* Compressed into @dst (@cap bytes): its length, or 0 if it did not fit. */
static uint32_t comp_try(struct ustage *st, const uint8_t *src, uint32_t len,
			 uint8_t *dst, uint32_t cap)
{
	switch (st->comp) {
	case UXREC_LZ4: {
		int n = LZ4_compress_default((const char *)src, (char *)dst,
					     (int)len, (int)cap);

		return n > 0 ? (uint32_t)n : 0;
	}
	case UXREC_ZSTD: {
		size_t n;

		if (!st->cctx)
			st->cctx = ZSTD_createCCtx();
		if (!st->cctx)
			return 0;
		n = ZSTD_compressCCtx(st->cctx, dst, cap, src, len,
				      UXREC_ZSTD_LEVEL);
		return ZSTD_isError(n) ? 0 : (uint32_t)n;
	}
	case UXREC_DEFLATE: {
		z_stream zs;
		uint32_t n = 0;

		memset(&zs, 0, sizeof(zs));
		if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED,
				 -UXREC_DEFLATE_WINBITS, UXREC_DEFLATE_MEMLEVEL,
				 Z_DEFAULT_STRATEGY) != Z_OK)
			return 0;
		zs.next_in = (Bytef *)src;
		zs.avail_in = len;
		zs.next_out = dst;
		zs.avail_out = cap;
		if (deflate(&zs, Z_FINISH) == Z_STREAM_END)
			n = (uint32_t)zs.total_out;
		deflateEnd(&zs);
		return n;
	}
	}
	return 0;
}

uint32_t uxrec_compress(struct ustage *st, const uint8_t *src, uint32_t len,
			uint8_t *dst)
{
	/* Only a smaller result is worth it: else stored as is. */
	uint32_t n = len > 1 ? comp_try(st, src, len,
					dst + FLOWSWITCH_FRAME_HDR, len - 1)
			     : 0;

	if (!n || n >= len) {
		memcpy(dst + FLOWSWITCH_FRAME_HDR, src, len);
		n = len;
	}
	uxform_frame_hdr(dst, n, len);
	return FLOWSWITCH_FRAME_HDR + n;
}

int uxrec_decompress(struct ustage *st, const uint8_t *src, uint32_t stored,
		     uint8_t *dst, uint32_t orig)
{
	if (stored == orig) {
		memmove(dst, src, orig);
		return 0;
	}
	switch (st->comp) {
	case UXREC_LZ4:
		return LZ4_decompress_safe((const char *)src, (char *)dst,
					   (int)stored, (int)orig) == (int)orig
			       ? 0
			       : -EBADMSG;
	case UXREC_ZSTD: {
		size_t n;

		if (!st->dctx)
			st->dctx = ZSTD_createDCtx();
		if (!st->dctx)
			return -ENOMEM;
		n = ZSTD_decompressDCtx(st->dctx, dst, orig, src, stored);
		return !ZSTD_isError(n) && n == orig ? 0 : -EBADMSG;
	}
	case UXREC_DEFLATE: {
		z_stream zs;
		int ret;

		memset(&zs, 0, sizeof(zs));
		if (inflateInit2(&zs, -UXREC_DEFLATE_WINBITS) != Z_OK)
			return -ENOMEM;
		zs.next_in = (Bytef *)src;
		zs.avail_in = stored;
		zs.next_out = dst;
		zs.avail_out = orig;
		ret = inflate(&zs, Z_FINISH);
		/* The whole stream, to exactly @orig bytes. */
		ret = ret == Z_STREAM_END && zs.total_out == orig ? 0
								  : -EBADMSG;
		inflateEnd(&zs);
		return ret;
	}
	}
	return -EBADMSG;
}

void uxrec_comp_free(struct ustage *st)
{
	ZSTD_freeCCtx(st->cctx);
	ZSTD_freeDCtx(st->dctx);
	st->cctx = st->dctx = NULL;
}
