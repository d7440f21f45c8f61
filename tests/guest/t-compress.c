// SPDX-License-Identifier: GPL-2.0
/*
 * Compression stages (ABI 1.6): frames written by the module, read back
 * by it, held to the UAPI's description.
 *   1. random bytes (incompressible) and text (very compressible), each
 *      through [sha256, compress] -> file -> [decompress, sha256] -> file
 *      with lz4, zstd and deflate: byte-exact, the digests equal on both
 *      sides and to sha256sum, out_bytes the frames file's size, the text
 *      at least 10x smaller, the random bytes stored (frames of S == N);
 *   2. the frames parsed here from the header's description: magic,
 *      lengths, back to back, every frame but the last a whole chunk;
 *   3. compress -> TCP -> decompress, both flows at once (frames read
 *      header first from a stream);
 *   4. a damaged header and a stream cut inside a frame: EBADMSG at that
 *      frame, the frames before it written and nothing after;
 *   5. refusals.
 * Disk: none (tmpfs files).
 */
#include <sys/stat.h>

#include "nettest.h"
#include "xformtest.h"

#define DIR "/tmp/comp"
#define CHUNK (128 * KiB)
/* 40 whole chunks and a short one. */
#define LEN ((off_t)(5 * MiB + 4321))
#define NFRAMES ((LEN + CHUNK - 1) / CHUNK)

static uint8_t buf_a[CHUNK], buf_b[CHUNK];

/* @path: @len bytes of random (@text false) or of a repeated text. */
static int make_input(const char *path, bool text)
{
	static const char line[] = "flowswitch: the machine as a switch\n";
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int rnd = open("/dev/urandom", O_RDONLY);
	uint64_t off;
	int ret = 0;

	for (off = 0; off < LEN && !ret; off += CHUNK) {
		size_t n = LEN - off < CHUNK ? LEN - off : CHUNK, i;

		if (text) {
			for (i = 0; i < n; i++)
				buf_a[i] = (uint8_t)
					line[(off + i) % (sizeof(line) - 1)];
		} else if (read(rnd, buf_a, n) != (ssize_t)n) {
			ret = -1;
		}
		if (pwrite(fd, buf_a, n, off) != (ssize_t)n)
			ret = -1;
	}
	close(fd);
	close(rnd);
	return ret;
}

static bool same_files(const char *a, const char *b)
{
	int fa = open(a, O_RDONLY), fb = open(b, O_RDONLY);
	struct stat sa, sb;
	bool same = fa >= 0 && fb >= 0 && !fstat(fa, &sa) && !fstat(fb, &sb) &&
		    sa.st_size == sb.st_size;
	uint64_t off;

	for (off = 0; same && off < (uint64_t)sa.st_size; off += CHUNK) {
		ssize_t n = pread(fa, buf_a, CHUNK, off);

		same = n > 0 && pread(fb, buf_b, CHUNK, off) == n &&
		       !memcmp(buf_a, buf_b, (size_t)n);
	}
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return same;
}

static off_t size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : st.st_size;
}

/* @in -> [digest?, @kind @alg, digest?] -> @out; the query. */
static void comp_flow(int fsw, unsigned int kind, const char *alg,
		      const char *in, uint64_t len, const char *out,
		      struct flowswitch_flow_query *q)
{
	struct flowswitch_transform st[2];
	struct flowswitch_flow_create fc;
	bool comp = kind == FLOWSWITCH_XFORM_COMPRESS;
	int pi, po, id;

	memset(q, 0, sizeof(*q));
	pi = xport(fsw, in, -1, O_RDONLY, FLOWSWITCH_PORT_READ);
	po = xport(fsw, out, -1, O_RDWR | O_CREAT | O_TRUNC,
		   FLOWSWITCH_PORT_WRITE);
	/* The digest on the uncompressed side of each. */
	xstage(&st[comp ? 0 : 1], FLOWSWITCH_XFORM_DIGEST, "sha256", NULL, 0,
	       NULL);
	xstage(&st[comp ? 1 : 0], kind, alg, NULL, 0, NULL);
	id = xflow(fsw, pi, po, len, CHUNK, st, 2, &fc);
	CHECK(id > 0, "%s %s: %d", comp ? "compress" : "decompress", alg, id);
	if (id > 0) {
		xrun(fsw, id, q);
		if (comp)
			printf("%s engine %s\n", alg, st[1].out_driver);
		fsw_destroy(fsw, id);
	}
	fsw_destroy(fsw, pi);
	fsw_destroy(fsw, po);
}

/* Walk @path's frames as the header describes them; the count or -1. */
static int64_t check_frames(const char *path, bool stored)
{
	int fd = open(path, O_RDONLY);
	off_t size = size_of(path), off = 0;
	int64_t n = 0;

	while (fd >= 0 && off < size) {
		uint8_t h[12];
		uint32_t s, o;

		if (pread(fd, h, 12, off) != 12 || memcmp(h, "fsz1", 4))
			break;
		s = (uint32_t)h[4] << 24 | h[5] << 16 | h[6] << 8 | h[7];
		o = (uint32_t)h[8] << 24 | h[9] << 16 | h[10] << 8 | h[11];
		if (o != (n == NFRAMES - 1 ? LEN - (uint64_t)n * CHUNK
					   : CHUNK) ||
		    s > o || (stored && s != o))
			break;
		off += 12 + s;
		n++;
	}
	if (fd >= 0)
		close(fd);
	return off == size && n == NFRAMES ? n : -1;
}

/* 1, 2. Round trips, the frames checked between. */
static void test_round_trip(int fsw, const char *alg, bool text)
{
	struct flowswitch_flow_query qc, qd;
	const char *in = text ? DIR "/text" : DIR "/random";
	char want[65], hc[129], hd[129];
	off_t zsize;

	comp_flow(fsw, FLOWSWITCH_XFORM_COMPRESS, alg, in, LEN, DIR "/z", &qc);
	zsize = size_of(DIR "/z");
	CHECK(qc.state == FLOWSWITCH_FLOW_DONE && qc.bytes_done == LEN &&
		      qc.out_bytes == (uint64_t)zsize,
	      "%s compress: state %u error %u out %llu, file %lld", alg,
	      qc.state, qc.error, (unsigned long long)qc.out_bytes,
	      (long long)zsize);
	CHECK(check_frames(DIR "/z", !text) == NFRAMES,
	      "%s: the frames are as documented", alg);
	if (text)
		CHECK(zsize * 10 < LEN, "%s: text %lld -> %lld bytes", alg,
		      (long long)LEN, (long long)zsize);
	printf("%s, %s: %lld -> %lld bytes (%.3f)\n", alg,
	       text ? "text" : "random", (long long)LEN, (long long)zsize,
	       (double)zsize / LEN);
	comp_flow(fsw, FLOWSWITCH_XFORM_DECOMPRESS, alg, DIR "/z",
		  (uint64_t)zsize, DIR "/out", &qd);
	CHECK(qd.state == FLOWSWITCH_FLOW_DONE &&
		      qd.bytes_done == (uint64_t)zsize && qd.out_bytes == LEN,
	      "%s decompress: state %u error %u stage %u at %llu", alg,
	      qd.state, qd.error, qd.fail_stage,
	      (unsigned long long)qd.fail_offset);
	CHECK(same_files(in, DIR "/out"), "%s: the bytes came back", alg);
	sha256_hex(in, 0, want);
	to_hex(qc.digest, qc.digest_len, hc);
	to_hex(qd.digest, qd.digest_len, hd);
	CHECK(!strcmp(hc, want) && !strcmp(hd, want),
	      "%s digests: %s / %s, sha256sum %s", alg, hc, hd, want);
}

/* 3. compress -> TCP -> decompress, at once. */
static void test_tcp(int fsw)
{
	struct flowswitch_transform cs, ds;
	struct flowswitch_flow_create fc;
	struct flowswitch_flow_query qc, qd;
	int fds[2], pi, po, ps, pr, c, d;
	unsigned int state;

	if (tcp_pair(fds)) {
		CHECK(0, "tcp pair");
		return;
	}
	pi = xport(fsw, DIR "/text", -1, O_RDONLY, FLOWSWITCH_PORT_READ);
	po = xport(fsw, DIR "/tcp-out", -1, O_RDWR | O_CREAT | O_TRUNC,
		   FLOWSWITCH_PORT_WRITE);
	ps = xport(fsw, NULL, fds[0], 0, FLOWSWITCH_PORT_WRITE);
	pr = xport(fsw, NULL, fds[1], 0, FLOWSWITCH_PORT_READ);
	xstage(&cs, FLOWSWITCH_XFORM_COMPRESS, "zstd", NULL, 0, NULL);
	xstage(&ds, FLOWSWITCH_XFORM_DECOMPRESS, "zstd", NULL, 0, NULL);
	c = xflow(fsw, pi, ps, LEN, CHUNK, &cs, 1, &fc);
	/* The stream's length: what the compressing flow will send. */
	comp_flow(fsw, FLOWSWITCH_XFORM_COMPRESS, "zstd", DIR "/text", LEN,
		  DIR "/z", &qc);
	d = xflow(fsw, pr, po, (uint64_t)size_of(DIR "/z"), CHUNK, &ds, 1, &fc);
	CHECK(c > 0 && d > 0, "flows %d %d", c, d);
	if (c > 0 && d > 0) {
		CHECK(!fsw_flow_ctl(fsw, d, FLOWSWITCH_FLOW_START), "start");
		CHECK(!fsw_flow_ctl(fsw, c, FLOWSWITCH_FLOW_START), "start");
		CHECK(!fsw_flow_wait(fsw, c, 0, &state), "wait");
		CHECK(!fsw_flow_wait(fsw, d, 0, &state), "wait");
		memset(&qc, 0, sizeof(qc));
		memset(&qd, 0, sizeof(qd));
		fsw_flow_query(fsw, c, &qc);
		fsw_flow_query(fsw, d, &qd);
		CHECK(qc.state == FLOWSWITCH_FLOW_DONE &&
			      qd.state == FLOWSWITCH_FLOW_DONE,
		      "tcp: states %u %u, errors %u %u", qc.state, qd.state,
		      qc.error, qd.error);
		CHECK(same_files(DIR "/text", DIR "/tcp-out"),
		      "tcp: the bytes came back");
	}
	fsw_destroy(fsw, c);
	fsw_destroy(fsw, d);
	fsw_destroy(fsw, pi);
	fsw_destroy(fsw, po);
	fsw_destroy(fsw, ps);
	fsw_destroy(fsw, pr);
	close(fds[0]);
	close(fds[1]);
}

/* Frame @k's offset in @path, walking the headers. */
static off_t frame_at(const char *path, int k)
{
	int fd = open(path, O_RDONLY);
	off_t off = 0;
	uint8_t h[12];

	while (k-- > 0 && pread(fd, h, 12, off) == 12)
		off += 12 +
		       ((uint32_t)h[4] << 24 | h[5] << 16 | h[6] << 8 | h[7]);
	close(fd);
	return off;
}

static void check_failed_at(const struct flowswitch_flow_query *q, int k,
			    off_t at, const char *in, const char *what)
{
	CHECK(q->state == FLOWSWITCH_FLOW_FAILED && q->error == EBADMSG &&
		      q->fail_stage == FLOWSWITCH_STAGE_TRANSFORM &&
		      q->fail_offset == (uint64_t)at &&
		      q->out_bytes == (uint64_t)k * CHUNK,
	      "%s: state %u error %u stage %u at %llu (want %lld) out %llu",
	      what, q->state, q->error, q->fail_stage,
	      (unsigned long long)q->fail_offset, (long long)at,
	      (unsigned long long)q->out_bytes);
	/* The frames before it came out; nothing from it on. */
	CHECK(size_of(DIR "/bad") <= (off_t)(k * CHUNK), "%s: %lld bytes out",
	      what, (long long)size_of(DIR "/bad"));
	(void)in;
}

/* 4. A damaged header; a stream cut inside a frame. */
static void test_damage(int fsw)
{
	struct flowswitch_flow_query q;
	off_t at, zsize;
	int fd;

	comp_flow(fsw, FLOWSWITCH_XFORM_COMPRESS, "lz4", DIR "/text", LEN,
		  DIR "/z", &q);
	zsize = size_of(DIR "/z");
	CHECK(!system("cp " DIR "/z " DIR "/z5"), "cp");
	at = frame_at(DIR "/z5", 5);
	fd = open(DIR "/z5", O_RDWR);
	CHECK(pwrite(fd, "fsz2", 4, at) == 4, "damage");
	close(fd);
	comp_flow(fsw, FLOWSWITCH_XFORM_DECOMPRESS, "lz4", DIR "/z5",
		  (uint64_t)zsize, DIR "/bad", &q);
	check_failed_at(&q, 5, at, DIR "/text", "frame 5's magic");

	/* Cut 100 bytes into frame 7: its header reaches past the end. */
	at = frame_at(DIR "/z", 7);
	comp_flow(fsw, FLOWSWITCH_XFORM_DECOMPRESS, "lz4", DIR "/z",
		  (uint64_t)at + 100, DIR "/bad", &q);
	check_failed_at(&q, 7, at, DIR "/text", "cut inside frame 7");
}

/* 5. What compression stages refuse. */
static void test_refusals(int fsw)
{
	static const uint8_t key[32], iv[16];
	struct flowswitch_transform st[2];
	struct flowswitch_flow_create fc;
	int pi, po, pi2;

	pi = xport(fsw, DIR "/text", -1, O_RDONLY, FLOWSWITCH_PORT_READ);
	po = xport(fsw, DIR "/refused", -1, O_RDWR | O_CREAT | O_TRUNC,
		   FLOWSWITCH_PORT_WRITE);
	pi2 = xport(fsw, DIR "/text", -1, O_RDWR, FLOWSWITCH_PORT_WRITE);
	xstage(&st[0], FLOWSWITCH_XFORM_COMPRESS, "lz4", NULL, 0, NULL);
	xstage(&st[1], FLOWSWITCH_XFORM_COMPRESS, "zstd", NULL, 0, NULL);
	CHECK(xflow(fsw, pi, po, LEN, CHUNK, st, 2, &fc) == -EINVAL,
	      "two compressions");
	xstage(&st[1], FLOWSWITCH_XFORM_SEAL, "gcm(aes)", key, sizeof(key), iv);
	CHECK(xflow(fsw, pi, po, LEN, CHUNK, st, 2, &fc) == -EINVAL,
	      "compression and AEAD");
	close_keys(st, 2);
	xstage(&st[0], FLOWSWITCH_XFORM_COMPRESS, "nosuchzip", NULL, 0, NULL);
	CHECK(xflow(fsw, pi, po, LEN, CHUNK, st, 1, &fc) == -ENOENT,
	      "an unknown algorithm");
	xstage(&st[0], FLOWSWITCH_XFORM_COMPRESS, "lz4", key, sizeof(key), iv);
	CHECK(xflow(fsw, pi, po, LEN, CHUNK, st, 1, &fc) == -EINVAL,
	      "a key for a compression");
	close_keys(st, 1);
	/* Output of unknown length: no sink on the source's file. */
	xstage(&st[0], FLOWSWITCH_XFORM_DECOMPRESS, "lz4", NULL, 0, NULL);
	CHECK(xflow(fsw, pi, pi2, LEN, CHUNK, st, 1, &fc) == -EINVAL,
	      "decompressing onto the source's file");
	xstage(&st[0], FLOWSWITCH_XFORM_COMPRESS, "lz4", NULL, 0, NULL);
	st[0].data_unit = 4096;
	CHECK(xflow(fsw, pi, po, LEN, CHUNK, st, 1, &fc) == -EINVAL,
	      "data units");
	fsw_destroy(fsw, pi);
	fsw_destroy(fsw, po);
	fsw_destroy(fsw, pi2);
}

int main(void)
{
	static const char *const algs[] = {"lz4", "zstd", "deflate"};
	struct flowswitch_info before;
	unsigned int i;
	int fsw;

	mkdir(DIR, 0755);
	if (make_input(DIR "/random", false) || make_input(DIR "/text", true))
		return T_FAIL;
	if (lo_up())
		return T_FAIL;
	CHECK(!info_now(&before), "info");
	fsw = fsw_open(NULL);
	if (fsw < 0)
		return T_FAIL;
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		test_round_trip(fsw, algs[i], false);
		test_round_trip(fsw, algs[i], true);
	}
	test_tcp(fsw);
	test_damage(fsw);
	test_refusals(fsw);
	close(fsw);
	check_baseline(&before);
	/* The guest's /tmp is RAM that later tests need. */
	if (system("rm -rf " DIR))
		CHECK(0, "rm -rf " DIR);
	return t_result();
}
