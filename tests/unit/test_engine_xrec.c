// SPDX-License-Identifier: GPL-2.0
/*
 * The embedded engine's AEAD records and compressed frames (ABI 1.6),
 * the parts that need no AF_ALG: the records' and frames' lengths
 * (uxform_records()), the nonce and associated data of a record, the
 * frame header's checks, the compression libraries round trip (stored
 * pieces too, broken frames EBADMSG); and whole COMPRESS and DECOMPRESS
 * flows on the engine (no AF_ALG needed): the frames back to the source,
 * out_bytes the sink's size, a broken frame failing at its offset.
 * Sealing and opening records needs AF_ALG aead: the guest's
 * t-engine-records runs them against the module.
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
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine-uring-xform.h"
#include "engine.h"

#define KIB 1024u
#define CHUNK (64 * KIB)

static void stage(struct flowswitch_transform *t, uint32_t kind,
		  const char *alg)
{
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	snprintf(t->alg, sizeof(t->alg), "%s", alg);
	t->key_fd = -1;
}

static void test_records(void **state)
{
	struct flowswitch_transform t[2];
	struct urecords r;

	(void)state;
	stage(&t[0], FLOWSWITCH_XFORM_DIGEST, "sha256");
	uxform_records(t, 1, CHUNK, 100000, &r);
	assert_int_equal(r.rec_in, CHUNK);
	assert_int_equal(r.rec_out, CHUNK);
	assert_int_equal(r.out_length, 100000);
	assert_false(r.framed || r.out_running);

	stage(&t[1], FLOWSWITCH_XFORM_SEAL, "gcm(aes)");
	uxform_records(t, 2, CHUNK, 3 * CHUNK + 5, &r);
	assert_int_equal(r.kind, FLOWSWITCH_XFORM_SEAL);
	assert_int_equal(r.rec_in, CHUNK);
	assert_int_equal(r.rec_out, CHUNK + 16);
	assert_int_equal(r.out_length, 3 * CHUNK + 5 + 4 * 16);

	t[1].kind = FLOWSWITCH_XFORM_OPEN;
	uxform_records(t, 2, CHUNK, 2 * (CHUNK + 16) + 17, &r);
	assert_int_equal(r.rec_in, CHUNK + 16);
	assert_int_equal(r.rec_out, CHUNK);
	assert_int_equal(r.out_length, 2 * CHUNK + 1);

	stage(&t[0], FLOWSWITCH_XFORM_COMPRESS, "lz4");
	uxform_records(t, 1, CHUNK, CHUNK + 1, &r);
	assert_int_equal(r.rec_out, CHUNK + 12);
	assert_int_equal(r.out_length, CHUNK + 1 + 2 * 12);
	assert_true(r.out_running && !r.framed);

	t[0].kind = FLOWSWITCH_XFORM_DECOMPRESS;
	uxform_records(t, 1, CHUNK, 5000, &r);
	assert_int_equal(r.rec_in, CHUNK + 12);
	assert_int_equal(r.rec_out, CHUNK);
	assert_int_equal(r.out_length, 0);
	assert_true(r.framed && !r.out_running);
}

static void test_nonce_ad(void **state)
{
	uint8_t iv[16], n[12], ad[12];
	static const uint8_t want_ad[12] = {'f', 's', 'w', '1', 0, 1,
					    0,	 16,  0,   0,	0, 1};

	(void)state;
	for (int i = 0; i < 16; i++)
		iv[i] = (uint8_t)(0xa0 + i);
	uxform_aead_nonce(n, iv, 0);
	assert_memory_equal(n, iv, 12);
	uxform_aead_nonce(n, iv, 0x0102030405060708ull);
	assert_memory_equal(n, iv, 4);
	for (int i = 0; i < 8; i++)
		assert_int_equal(n[4 + i], iv[4 + i] ^ (i + 1));
	assert_true(uxform_aead_known("gcm(aes)"));
	assert_true(uxform_aead_known("rfc4106(gcm(aes))"));
	assert_true(uxform_aead_known("rfc7539(chacha20,poly1305)"));
	assert_true(uxform_aead_known("chacha20poly1305"));
	assert_false(uxform_aead_known("rfc4543(gcm(aes))"));
	assert_false(uxform_aead_known("seqiv(rfc4106(gcm(aes)))"));
	assert_false(uxform_aead_known("ccm(aes)"));
	uxform_aead_ad(ad, 0x10010, true);
	assert_memory_equal(ad, want_ad, 12);
}

static void test_frame_check(void **state)
{
	uint8_t h[12];
	uint32_t s, o;

	(void)state;
	uxform_frame_hdr(h, 100, CHUNK);
	/* A whole chunk, not the last frame: fine; its end past the flow's. */
	assert_int_equal(uxform_frame_check(h, 0, 1000, CHUNK, &s, &o), 0);
	assert_int_equal(s, 100);
	assert_int_equal(o, CHUNK);
	assert_int_equal(uxform_frame_check(h, 0, 111, CHUNK, &s, &o),
			 -EBADMSG);
	assert_int_equal(uxform_frame_check(h, 0, 112, CHUNK, &s, &o), 0);
	/* Short of a chunk but not the last. */
	uxform_frame_hdr(h, 100, 200);
	assert_int_equal(uxform_frame_check(h, 0, 1000, CHUNK, &s, &o),
			 -EBADMSG);
	assert_int_equal(uxform_frame_check(h, 0, 112, CHUNK, &s, &o), 0);
	/* Less than a header left. */
	assert_int_equal(uxform_frame_check(h, 0, 11, CHUNK, &s, &o), -EBADMSG);
	uxform_frame_hdr(h, 201, 200); /* stored > original */
	assert_int_equal(uxform_frame_check(h, 0, 1000, CHUNK, &s, &o),
			 -EBADMSG);
	uxform_frame_hdr(h, 0, 0);
	assert_int_equal(uxform_frame_check(h, 0, 12, CHUNK, &s, &o), -EBADMSG);
	uxform_frame_hdr(h, 10, CHUNK + 1);
	assert_int_equal(uxform_frame_check(h, 0, 22, CHUNK, &s, &o), -EBADMSG);
	uxform_frame_hdr(h, 10, 20);
	h[0] = 'F';
	assert_int_equal(uxform_frame_check(h, 0, 22, CHUNK, &s, &o), -EBADMSG);
}

static void fill(uint8_t *p, size_t n, bool text)
{
	uint64_t x = 88172645463325252ull;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = text ? (uint8_t) "flowswitch "[(i + i / 31) % 11]
			    : (uint8_t)x;
	}
}

static void test_libs(void **state)
{
	static const char *const algs[] = {"lz4", "zstd", "deflate"};
	static uint8_t in[CHUNK], frame[CHUNK + 12], out[CHUNK];

	(void)state;
	assert_int_equal(uxrec_comp_by_name("lzo"), 0);
	for (size_t a = 0; a < 3; a++) {
		struct ustage st;
		uint32_t len, s, o;

		memset(&st, 0, sizeof(st));
		st.comp = uxrec_comp_by_name(algs[a]);
		assert_int_not_equal(st.comp, 0);
		for (int text = 0; text < 2; text++) {
			fill(in, sizeof(in), text);
			len = uxrec_compress(&st, in, CHUNK, frame);
			assert_int_equal(uxform_frame_check(frame, 0, len,
							    CHUNK, &s, &o),
					 0);
			assert_int_equal(o, CHUNK);
			/* Random bytes are stored, text shrinks. */
			if (text)
				assert_true(s < CHUNK / 4);
			else
				assert_int_equal(s, CHUNK);
			memset(out, 0, sizeof(out));
			assert_int_equal(
				uxrec_decompress(&st, frame + 12, s, out, o),
				0);
			assert_memory_equal(out, in, CHUNK);
		}
		/* A broken body, a wrong original length: EBADMSG. */
		len = uxrec_compress(&st, in, CHUNK, frame);
		s = len - 12;
		assert_int_equal(
			uxrec_decompress(&st, frame + 12, s, out, CHUNK - 1),
			-EBADMSG);
		memset(frame + 12 + s / 2, 0xff, s / 2);
		assert_int_equal(
			uxrec_decompress(&st, frame + 12, s, out, CHUNK),
			-EBADMSG);
		/* One byte does not compress: stored. */
		assert_int_equal(uxrec_compress(&st, in, 1, frame), 13);
		uxrec_comp_free(&st);
	}
}

/* A flow of @in (a file) through one @kind stage into a fresh file. */
static int flow(struct fsw_engine *e, uint32_t kind, const char *alg, int in,
		int out, struct flowswitch_flow_query *q)
{
	struct flowswitch_port_create pc[2] = {0};
	struct flowswitch_flow_create fc = {0};
	struct flowswitch_txn_item items[3] = {0};
	struct flowswitch_transform st;
	struct flowswitch_sink sink = {0};
	struct flowswitch_txn txn = {0};
	int ret;

	stage(&st, kind, alg);
	for (int i = 0; i < 2; i++) {
		pc[i].size = sizeof(pc[i]);
		pc[i].flags = i ? FLOWSWITCH_PORT_WRITE : FLOWSWITCH_PORT_READ;
		pc[i].fd = i ? out : in;
		items[i].op = FLOWSWITCH_TXN_PORT_CREATE;
		items[i].cmd_uptr = (uintptr_t)&pc[i];
	}
	sink.port_id = FLOWSWITCH_TXN_REF(1);
	fc.size = sizeof(fc);
	fc.flags = FLOWSWITCH_FLOW_TO_END;
	fc.src_port_id = FLOWSWITCH_TXN_REF(0);
	fc.nr_sinks = 1;
	fc.sinks_uptr = (uintptr_t)&sink;
	fc.chunk_size = CHUNK;
	fc.depth = 4;
	fc.nr_stages = 1;
	fc.stages_uptr = (uintptr_t)&st;
	items[2].op = FLOWSWITCH_TXN_FLOW_CREATE;
	items[2].cmd_uptr = (uintptr_t)&fc;
	txn.size = sizeof(txn);
	txn.nr_items = 3;
	txn.items_uptr = (uintptr_t)items;
	txn.flags = FLOWSWITCH_TXN_START;
	ret = e->ops->txn(e, &txn);
	if (ret)
		return ret;
	for (int i = 0; i < 10000; i++) {
		memset(q, 0, sizeof(*q));
		q->size = sizeof(*q);
		assert_int_equal(e->ops->flow_query(e, fc.out_flow_id, q), 0);
		if (q->state >= FLOWSWITCH_FLOW_DONE)
			break;
		usleep(1000);
	}
	e->ops->destroy(e, fc.out_flow_id);
	e->ops->destroy(e, pc[0].out_port_id);
	e->ops->destroy(e, pc[1].out_port_id);
	return 0;
}

static int tmpfile_fd(char *name)
{
	int fd = mkstemp(name);

	assert_true(fd >= 0);
	unlink(name);
	return fd;
}

static void test_flows(void **state)
{
	static uint8_t buf[CHUNK];
	static const char *const algs[] = {"lz4", "zstd", "deflate"};
	const uint64_t len = 7 * CHUNK + 1234;
	struct flowswitch_flow_query q;
	struct fsw_engine *e;
	struct stat sb;

	(void)state;
	e = fsw_engine_uring_open();
	if (!e)
		skip();
	for (size_t a = 0; a < 3; a++) {
		char n0[] = "/tmp/test_engine_xrec.XXXXXX";
		char n1[] = "/tmp/test_engine_xrec.XXXXXX";
		char n2[] = "/tmp/test_engine_xrec.XXXXXX";
		int src = tmpfile_fd(n0), z = tmpfile_fd(n1),
		    back = tmpfile_fd(n2);
		uint8_t b = 0;

		for (uint64_t off = 0; off < len; off += CHUNK) {
			size_t n = len - off < CHUNK ? len - off : CHUNK;

			fill(buf, n, (off / CHUNK) % 2);
			assert_int_equal(pwrite(src, buf, n, off), (ssize_t)n);
		}
		assert_int_equal(
			flow(e, FLOWSWITCH_XFORM_COMPRESS, algs[a], src, z, &q),
			0);
		assert_int_equal(q.state, FLOWSWITCH_FLOW_DONE);
		assert_int_equal(q.bytes_done, len);
		assert_int_equal(fstat(z, &sb), 0);
		assert_int_equal(q.out_bytes, (uint64_t)sb.st_size);
		assert_true(q.out_bytes < len);

		assert_int_equal(flow(e, FLOWSWITCH_XFORM_DECOMPRESS, algs[a],
				      z, back, &q),
				 0);
		assert_int_equal(q.state, FLOWSWITCH_FLOW_DONE);
		assert_int_equal(q.out_bytes, len);
		assert_int_equal(fstat(back, &sb), 0);
		assert_int_equal(sb.st_size, len);
		for (uint64_t off = 0; off < len; off += CHUNK) {
			static uint8_t got[CHUNK];
			size_t n = len - off < CHUNK ? len - off : CHUNK;

			fill(buf, n, (off / CHUNK) % 2);
			assert_int_equal(pread(back, got, n, off), (ssize_t)n);
			assert_memory_equal(got, buf, n);
		}

		/* The third frame's magic broken: EBADMSG at its offset. */
		assert_int_equal(ftruncate(back, 0), 0);
		{
			uint64_t off = 0;
			uint8_t h[12];

			for (int f = 0; f < 2; f++) {
				assert_int_equal(pread(z, h, 12, off), 12);
				off += 12 + ((uint32_t)h[4] << 24 |
					     (uint32_t)h[5] << 16 |
					     (uint32_t)h[6] << 8 | h[7]);
			}
			assert_int_equal(pread(z, &b, 1, off), 1);
			b ^= 1;
			assert_int_equal(pwrite(z, &b, 1, off), 1);
			assert_int_equal(flow(e, FLOWSWITCH_XFORM_DECOMPRESS,
					      algs[a], z, back, &q),
					 0);
			assert_int_equal(q.state, FLOWSWITCH_FLOW_FAILED);
			assert_int_equal(q.error, EBADMSG);
			assert_int_equal(q.fail_stage,
					 FLOWSWITCH_STAGE_TRANSFORM);
			assert_int_equal(q.fail_offset, off);
			assert_int_equal(q.bytes_done, off);
			assert_int_equal(q.out_bytes, 2 * CHUNK);
		}
		close(src);
		close(z);
		close(back);
	}
	/* An algorithm no library here knows. */
	{
		char n0[] = "/tmp/test_engine_xrec.XXXXXX";
		char n1[] = "/tmp/test_engine_xrec.XXXXXX";
		int fd = tmpfile_fd(n0), out = tmpfile_fd(n1);

		assert_int_equal(pwrite(fd, "abc", 3, 0), 3);
		assert_int_equal(
			flow(e, FLOWSWITCH_XFORM_COMPRESS, "lzo", fd, out, &q),
			-ENOENT);
		close(fd);
		close(out);
	}
	e->ops->close(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_nonce_ad),
		cmocka_unit_test(test_frame_check),
		cmocka_unit_test(test_libs),
		cmocka_unit_test(test_flows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
