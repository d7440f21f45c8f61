// SPDX-License-Identifier: GPL-2.0
/*
 * A plan as one FLOWSWITCH_IOC_TXN (flang_txn_build): the UAPI structs
 * field by field, the ports named by FLOWSWITCH_TXN_REF of their item,
 * and a diagnostic at its span for everything the kernel cannot do.
 * Pure: no kernel, nothing opened.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <cmocka.h>

#include "flowlang-txn.h"

static struct flang_txn txn;

static struct flang_ctx *compile_ok(const char *text)
{
	struct flang_ctx *ctx = flang_ctx_new();
	int ret = flang_compile_buffer(ctx, "t.flow", text, strlen(text));

	if (ret) {
		char *s = flang_diags_text(ctx);

		print_error("%s", s);
		free(s);
	}
	assert_int_equal(ret, 0);
	return ctx;
}

/* Build, expecting @want; returns the rendered diagnostics (free them). */
static char *build(struct flang_ctx *ctx, int want)
{
	int ret = flang_txn_build(ctx, &txn);
	char *s = flang_diags_text(ctx);

	if (ret != want)
		print_error("%s", s);
	assert_int_equal(ret, want);
	return s;
}

static const struct flowswitch_flow_create *flow_item(unsigned int i)
{
	assert_true(i < txn.nitems);
	assert_int_equal(txn.items[i].op, FLOWSWITCH_TXN_FLOW_CREATE);
	assert_int_equal(txn.info[i].kind, FLANG_TXN_FLOW);
	assert_ptr_equal((void *)(uintptr_t)txn.items[i].cmd_uptr,
			 &txn.flows[txn.info[i].cmd]);
	return &txn.flows[txn.info[i].cmd];
}

static const struct flowswitch_port_create *port_item(unsigned int i)
{
	assert_true(i < txn.nitems);
	assert_int_equal(txn.items[i].op, FLOWSWITCH_TXN_PORT_CREATE);
	assert_int_equal(txn.info[i].kind, FLANG_TXN_PORT);
	assert_ptr_equal((void *)(uintptr_t)txn.items[i].cmd_uptr,
			 &txn.ports[txn.info[i].cmd]);
	return &txn.ports[txn.info[i].cmd];
}

static const struct flowswitch_sink *sink_of(const struct flowswitch_flow_create *fc,
					     unsigned int i)
{
	assert_true(i < fc->nr_sinks);
	return &((const struct flowswitch_sink *)(uintptr_t)fc->sinks_uptr)[i];
}

static void test_fan_out(void **state)
{
	static const char text[] =
		"flowlang 1;\n"
		"device unused = nvme(\"/dev/nvme9n1\");\n"
		"device a = nvme(path=\"/dev/nvme0n1\");\n"
		"device b = block(path=\"/dev/sdb\");\n"
		"device f = file(path=\"/srv/out.bin\");\n"		/* 5 */
		"flow clone [rate=1.5GiB/s] {\n"
		"\tread(a) -> [chunk=1MiB, depth=16] write(b, offset=4KiB), f;\n"
		"}\n";
	struct flang_ctx *ctx = compile_ok(text);
	const struct flowswitch_port_create *pc;
	const struct flowswitch_flow_create *fc;
	char *s = build(ctx, 0);

	(void)state;
	/* the checker's W0200 for 'unused'; nothing from the translation */
	assert_null(strstr(s, "[A0"));
	free(s);
	assert_int_equal(txn.nitems, 4);
	assert_int_equal(txn.nports, 3);
	assert_int_equal(txn.nflows, 1);
	assert_int_equal(txn.txn.size, sizeof(struct flowswitch_txn));
	assert_int_equal(txn.txn.flags, FLOWSWITCH_TXN_START);
	assert_int_equal(txn.txn.nr_items, 4);
	assert_ptr_equal((void *)(uintptr_t)txn.txn.items_uptr, txn.items);

	/* the unused device makes no port: item 0 is 'a' */
	pc = port_item(0);
	assert_int_equal(pc->size, sizeof(*pc));
	assert_int_equal(pc->flags, FLOWSWITCH_PORT_READ);
	assert_int_equal(pc->fd, -1);
	assert_string_equal(txn.info[0].name, "a");
	assert_string_equal(txn.info[0].path, "/dev/nvme0n1");
	assert_int_equal(txn.info[0].oflags, O_RDONLY);
	assert_int_equal(txn.info[0].plan_index, 1);
	assert_int_equal(txn.info[0].span.line, 3);
	pc = port_item(1);
	assert_int_equal(pc->flags, FLOWSWITCH_PORT_WRITE);
	assert_int_equal(txn.info[1].oflags, O_WRONLY);
	assert_int_equal(txn.info[1].span.line, 4);
	/* a file without direct=true is never direct; a sink file is made */
	pc = port_item(2);
	assert_int_equal(pc->flags,
			 FLOWSWITCH_PORT_WRITE | FLOWSWITCH_PORT_BUFFERED);
	assert_int_equal(txn.info[2].oflags, O_WRONLY | O_CREAT);

	fc = flow_item(3);
	assert_string_equal(txn.info[3].name, "clone");
	assert_int_equal(txn.info[3].nchains, 1);
	assert_int_equal(txn.info[3].span.line, 6);
	assert_int_equal(fc->size, sizeof(*fc));
	assert_int_equal(fc->flags, FLOWSWITCH_FLOW_TO_END);
	assert_int_equal(fc->src_port_id, FLOWSWITCH_TXN_REF(0));
	assert_int_equal(fc->nr_sinks, 2);
	assert_int_equal(sink_of(fc, 0)->port_id, FLOWSWITCH_TXN_REF(1));
	assert_int_equal(sink_of(fc, 0)->offset, 4096);
	assert_int_equal(sink_of(fc, 1)->port_id, FLOWSWITCH_TXN_REF(2));
	assert_int_equal(sink_of(fc, 1)->offset, 0);
	assert_int_equal(fc->src_offset, 0);
	assert_int_equal(fc->length, 0);
	assert_int_equal(fc->chunk_size, 1 << 20);
	assert_int_equal(fc->depth, 16);
	assert_int_equal(fc->rate_bps, 1610612736ull);
	assert_int_equal(fc->priority, FLOWSWITCH_PRIO_NORMAL);
	assert_int_equal(fc->placement, FLOWSWITCH_P2P_FORBIDDEN);
	assert_int_equal(fc->max_retries, 0);
	flang_ctx_free(ctx);
}

static void test_rates_ranges_priorities(void **state)
{
	static const char text[] =
		"flowlang 1;\n"
		"device a = nvme(\"/dev/nvme0n1\");\n"
		"device b = nvme(\"/dev/nvme1n1\");\n"
		"device x = file(path=\"/x\", direct=true);\n"
		"flow bits [rate=100Mbit/s, priority=background, range=1MiB..3MiB] { a -> b; }\n"
		"flow dec [rate=10MB/s, priority=high] { read(a, range=4KiB..end) -> b; }\n"
		"flow rt [priority=realtime] { b -> [chunk=64KiB, depth=2] x; }\n"
		"flow back { x -> a; }\n";
	struct flang_ctx *ctx = compile_ok(text);
	const struct flowswitch_flow_create *fc;
	char *s = build(ctx, 0);

	(void)state;
	/* realtime has no kernel class: said, at the flow */
	assert_non_null(strstr(s, "t.flow:7:"));
	assert_non_null(strstr(s, "warning[A0901]: flow 'rt': the kernel has no realtime I/O class"));
	free(s);
	assert_int_equal(txn.nitems, 7);
	/* a and b are read and written by some flow: O_RDWR */
	assert_int_equal(port_item(0)->flags,
			 FLOWSWITCH_PORT_READ | FLOWSWITCH_PORT_WRITE);
	assert_int_equal(txn.info[0].oflags, O_RDWR);
	assert_int_equal(txn.info[1].oflags, O_RDWR);
	/* direct=true: the kernel may use direct I/O */
	assert_int_equal(port_item(2)->flags,
			 FLOWSWITCH_PORT_READ | FLOWSWITCH_PORT_WRITE);
	assert_int_equal(txn.info[2].oflags, O_RDWR | O_CREAT);

	fc = flow_item(3);
	assert_int_equal(fc->rate_bps, 12500000);
	assert_int_equal(fc->priority, FLOWSWITCH_PRIO_BACKGROUND);
	assert_int_equal(fc->flags, 0);
	assert_int_equal(fc->src_offset, 1 << 20);
	assert_int_equal(fc->length, 2 << 20);
	assert_int_equal(fc->src_port_id, FLOWSWITCH_TXN_REF(0));
	assert_int_equal(sink_of(fc, 0)->port_id, FLOWSWITCH_TXN_REF(1));
	/* the defaults of a chain: 1 MiB chunks, 8 deep */
	assert_int_equal(fc->chunk_size, 1 << 20);
	assert_int_equal(fc->depth, 8);

	fc = flow_item(4);
	assert_int_equal(fc->rate_bps, 10000000);
	assert_int_equal(fc->priority, FLOWSWITCH_PRIO_HIGH);
	assert_int_equal(fc->flags, FLOWSWITCH_FLOW_TO_END);
	assert_int_equal(fc->src_offset, 4096);

	fc = flow_item(5);
	assert_int_equal(fc->priority, FLOWSWITCH_PRIO_HIGH);
	assert_int_equal(fc->rate_bps, 0);
	assert_int_equal(fc->src_port_id, FLOWSWITCH_TXN_REF(1));
	assert_int_equal(sink_of(fc, 0)->port_id, FLOWSWITCH_TXN_REF(2));
	assert_int_equal(fc->chunk_size, 64 << 10);
	assert_int_equal(fc->depth, 2);

	fc = flow_item(6);
	assert_int_equal(fc->src_port_id, FLOWSWITCH_TXN_REF(2));
	assert_int_equal(sink_of(fc, 0)->port_id, FLOWSWITCH_TXN_REF(0));
	flang_ctx_free(ctx);
}

static void test_placement(void **state)
{
	static const char text[] =
		"flowlang 1;\n"
		"device a = nvme(\"/dev/nvme0n1\");\n"
		"device b = nvme(\"/dev/nvme1n1\");\n"
		"device m = bar(pci=\"0000:03:00.0\", bar=2);\n"
		"pool near_ab = p2p(near(a, b));\n"			/* 5 */
		"pool c = cmb(a);\n"
		"pool w = bar(m);\n"
		"flow req { a -> [pool=near_ab] b; }\n"
		"flow pref {\n"
		"\ta -> b;\n"						/* 10 */
		"\tpool = near_ab preferred;\n"
		"\ton p2p_unavailable fallback pool=host;\n"
		"}\n"
		"flow h { a -> [pool=host] b; }\n"
		"flow cmb { a -> [pool=c] b; }\n"			/* 15 */
		"flow barpool { a -> [pool=w] b; }\n"
		"flow retry { a -> b; on io_error(a) retry 5 then abort; }\n";
	struct flang_ctx *ctx = compile_ok(text);
	const struct flowswitch_flow_create *fc;
	char *s = build(ctx, 0);

	(void)state;
	/* handlers are flowd's: a warning each, at the handler */
	assert_non_null(strstr(s, "t.flow:12:2: warning[A0900]: handler 'on p2p_unavailable' of flow 'pref' is not run by the kernel"));
	assert_non_null(strstr(s, "t.flow:17:"));
	free(s);
	/* the bar device is only a provider: no port */
	assert_int_equal(txn.nports, 2);
	assert_int_equal(txn.nitems, 8);

	fc = flow_item(2);
	assert_int_equal(fc->placement, FLOWSWITCH_P2P_REQUIRED);
	assert_int_equal(fc->flags & FLOWSWITCH_FLOW_NAMED_PROVIDER, 0);
	fc = flow_item(3);
	assert_int_equal(fc->placement, FLOWSWITCH_P2P_PREFERRED);
	fc = flow_item(4);
	assert_int_equal(fc->placement, FLOWSWITCH_P2P_FORBIDDEN);
	/* a cmb names its controller; its PCI address is the caller's */
	fc = flow_item(5);
	assert_int_equal(fc->placement, FLOWSWITCH_P2P_REQUIRED);
	assert_int_equal(fc->flags & FLOWSWITCH_FLOW_NAMED_PROVIDER,
			 FLOWSWITCH_FLOW_NAMED_PROVIDER);
	assert_string_equal(txn.info[5].provider_path, "/dev/nvme0n1");
	assert_int_equal(txn.info[5].provider_span.line, 6);
	/* a bar pool names the function itself */
	fc = flow_item(6);
	assert_int_equal(fc->placement, FLOWSWITCH_P2P_REQUIRED);
	assert_int_equal(fc->flags & FLOWSWITCH_FLOW_NAMED_PROVIDER,
			 FLOWSWITCH_FLOW_NAMED_PROVIDER);
	assert_int_equal(fc->p2p_provider, FLOWSWITCH_PCI_ADDR(0, 3, 0, 0));
	assert_null(txn.info[6].provider_path);
	fc = flow_item(7);
	assert_int_equal(fc->max_retries, 5);
	assert_int_equal(fc->placement, FLOWSWITCH_P2P_FORBIDDEN);
	flang_ctx_free(ctx);
}

static void test_chains(void **state)
{
	static const char text[] =
		"flowlang 1;\n"
		"device a = nvme(\"/dev/nvme0n1\");\n"
		"device b = nvme(\"/dev/nvme1n1\");\n"
		"device f = file(\"/f\");\n"
		"flow two { a -> b; f -> [chunk=4KiB, depth=64] a; }\n";
	struct flang_ctx *ctx = compile_ok(text);
	const struct flowswitch_flow_create *fc;

	(void)state;
	free(build(ctx, 0));
	assert_int_equal(txn.nitems, 5);
	fc = flow_item(3);
	assert_int_equal(txn.info[3].chain, 0);
	assert_int_equal(txn.info[3].nchains, 2);
	assert_int_equal(fc->src_port_id, FLOWSWITCH_TXN_REF(0));
	assert_int_equal(sink_of(fc, 0)->port_id, FLOWSWITCH_TXN_REF(1));
	fc = flow_item(4);
	assert_int_equal(txn.info[4].chain, 1);
	assert_int_equal(fc->src_port_id, FLOWSWITCH_TXN_REF(2));
	assert_int_equal(sink_of(fc, 0)->port_id, FLOWSWITCH_TXN_REF(0));
	assert_int_equal(fc->chunk_size, 4096);
	assert_int_equal(fc->depth, 64);
	flang_ctx_free(ctx);
}

static void test_unsupported(void **state)
{
	static const char text[] =
		"flowlang 1;\n"
		"param key : secret = keyring(\"k\");\n"
		"device a = nvme(\"/dev/nvme0n1\");\n"
		"device s = socket(fd=3);\n"
		"device d = dmabuf(fd=4);\n"				/* 5 */
		"device m = bar(pci=\"0000:03:00.0\", bar=2);\n"
		"flow seal { a -> skcipher(alg=\"ecb(aes)\", key=$key) -> a; }\n"
		"flow net { a -> s; }\n"
		"flow buf { d -> a; }\n"
		"flow win { a -> m; }\n"				/* 10 */
		"flow tiny { a -> [chunk=512B] a; }\n"
		"flow deep { a -> [depth=65] a; }\n";
	struct flang_ctx *ctx = compile_ok(text);
	char *s = build(ctx, 1);

	(void)state;
	assert_non_null(strstr(s, "t.flow:7:18: error[A0100]: transform 'skcipher' in flow 'seal' cannot be applied"));
	/* a socket is a port now (ABI 1.6): 'net' applies */
	assert_null(strstr(s, "flow 'net'"));
	assert_non_null(strstr(s, "t.flow:9:12: error[A0100]: dmabuf 'd' cannot be applied"));
	assert_non_null(strstr(s, "t.flow:10:17: error[A0100]: bar 'm' cannot be applied: a PCI BAR window needs a size"));
	assert_non_null(strstr(s, "t.flow:11:"));
	assert_non_null(strstr(s, "error[A0101]: chunk of 512 bytes"));
	assert_non_null(strstr(s, "t.flow:12:"));
	assert_non_null(strstr(s, "error[A0101]: depth 65"));
	assert_non_null(strstr(s, "5 errors, 0 warnings"));
	free(s);
	/* nothing half-built is handed out */
	assert_int_equal(txn.txn.nr_items, 0);
	assert_int_equal(txn.txn.items_uptr, 0);
	flang_ctx_free(ctx);
}

/* digest(), encrypt(), decrypt() become kernel stages (ABI 1.5). */
static void test_stages(void **state)
{
	static const char text[] =
		"flowlang 1;\n"
		"param k : secret = keyring(\"%logon:disk/k1\");\n"
		"param kf : secret = fd(5);\n"
		"device a = nvme(\"/dev/nvme0n1\");\n"
		"device b = nvme(\"/dev/nvme1n1\");\n"			/* 5 */
		"flow seal { read(a, range=0..4MiB) -> digest(alg=\"sha256\") -> "
		"encrypt(alg=\"xts(aes)\", key=$k, unit=512B) -> write(b, offset=1MiB); }\n"
		"flow open { read(b, range=1MiB..5MiB) -> decrypt(alg=\"cbc(aes)\", "
		"key=$kf, unit=4KiB, engine=\"virtio_crypto_aes_cbc\") -> write(a, offset=8MiB); }\n"
		"flow ctr { a -> encrypt(alg=\"ctr(aes)\", key=$k) -> b; }\n";
	const struct flowswitch_transform *x;
	const struct flowswitch_flow_create *fc;
	struct flang_ctx *ctx = compile_ok(text);
	char *s = build(ctx, 1);
	unsigned int i;

	(void)state;
	/* counter mode: no IV syntax yet, refused with the reason */
	assert_non_null(strstr(s, "t.flow:8:"));
	assert_non_null(strstr(s, "error[A0100]: encrypt() in flow 'ctr' has no unit="));
	assert_non_null(strstr(s, "1 error"));
	free(s);
	flang_ctx_free(ctx);

	ctx = compile_ok(text);
	/* drop the ctr flow: everything else translates */
	flang_ctx_free(ctx);
	{
		char t2[1024];

		snprintf(t2, sizeof(t2), "%.*s", (int)(strstr(text, "flow ctr") - text), text);
		ctx = compile_ok(t2);
	}
	s = build(ctx, 0);
	free(s);
	for (i = 0; i < txn.nitems && txn.info[i].kind != FLANG_TXN_FLOW; i++)
		;
	fc = flow_item(i);
	assert_int_equal(fc->nr_stages, 2);
	x = (const void *)(uintptr_t)fc->stages_uptr;
	assert_int_equal(x[0].kind, FLOWSWITCH_XFORM_DIGEST);
	assert_string_equal(x[0].alg, "sha256");
	assert_int_equal(x[0].flags, 0);
	assert_int_equal(x[1].kind, FLOWSWITCH_XFORM_ENCRYPT);
	assert_string_equal(x[1].alg, "xts(aes)");
	assert_int_equal(x[1].flags, FLOWSWITCH_XFORM_KEY_LOGON);
	assert_string_equal(x[1].key_desc, "disk/k1");
	assert_int_equal(x[1].data_unit, 512);
	/* the tweak of unit 0 is the sink's sector: 1 MiB / 512 */
	assert_int_equal(x[1].iv[0] | x[1].iv[1] << 8, 2048);
	fc = flow_item(i + 1);
	assert_int_equal(fc->nr_stages, 1);
	x = (const void *)(uintptr_t)fc->stages_uptr;
	assert_int_equal(x[0].kind, FLOWSWITCH_XFORM_DECRYPT);
	assert_int_equal(x[0].flags, FLOWSWITCH_XFORM_KEY_FD);
	assert_int_equal(x[0].key_fd, 5);
	assert_int_equal(x[0].key_len, 0);
	assert_string_equal(x[0].driver, "virtio_crypto_aes_cbc");
	/* deciphering: the source's unit number, 1 MiB / 4 KiB */
	assert_int_equal(x[0].iv[0] | x[0].iv[1] << 8, 256);
	flang_ctx_free(ctx);
}

/* 'engine = hw|sw': the class goes to the caller, who picks drivers. */
static void test_engine_class(void **state)
{
	static const char text[] =
		"flowlang 1;\n"
		"param k : secret = keyring(\"k1\");\n"
		"device a = nvme(\"/dev/nvme0n1\");\n"
		"device b = nvme(\"/dev/nvme1n1\");\n"
		"flow hw { a -> encrypt(alg=\"cbc(aes)\", key=$k, unit=4KiB) -> b;\n"
		"  engine = hw preferred; }\n"
		"flow named { a -> encrypt(alg=\"cbc(aes)\", key=$k, unit=4KiB,\n"
		"  engine=\"cbc-aes-aesni\") -> digest(alg=\"sha256\", engine=hw) -> b;\n"
		"  engine = sw; }\n"
		"flow any { a -> digest() -> b; }\n";
	struct flang_ctx *ctx = compile_ok(text);
	const struct flowswitch_transform *x;
	const struct flang_txn_info *in;
	char *s = build(ctx, 0);
	unsigned int i;

	(void)state;
	free(s);
	for (i = 0; i < txn.nitems && txn.info[i].kind != FLANG_TXN_FLOW; i++)
		;
	in = &txn.info[i];
	assert_int_equal(in->engine_class, FLANG_ENGINE_HW);
	assert_int_equal(in->engine_strength, FLANG_PREFERRED);
	assert_int_equal(in->engine_span.line, 6);
	assert_int_equal(in->engine_span.col, 3);
	assert_int_equal(in->engine_fallbacks, 0);
	/* no driver yet: apply.c picks one of the class */
	x = (const void *)(uintptr_t)flow_item(i)->stages_uptr;
	assert_string_equal(x[0].driver, "");
	in = &txn.info[i + 1];
	assert_int_equal(in->engine_class, FLANG_ENGINE_SW);
	assert_int_equal(in->engine_strength, FLANG_REQUIRED);
	/* a named driver stays; the digest is the caller's to pick */
	x = (const void *)(uintptr_t)flow_item(i + 1)->stages_uptr;
	assert_string_equal(x[0].driver, "cbc-aes-aesni");
	assert_string_equal(x[1].driver, "");
	/* the digest's own class, and its span for a refusal */
	assert_int_equal(in->stage_class[0], FLANG_ENGINE_ANY);
	assert_int_equal(in->stage_class[1], FLANG_ENGINE_HW);
	assert_int_equal(in->stage_span[1].line, 8);
	assert_int_equal(txn.info[i + 2].engine_class, FLANG_ENGINE_ANY);
	flang_ctx_free(ctx);
}

/* aead/unseal, compress/decompress and socket ports (ABI 1.6). */
static void test_records(void **state)
{
	static const char text[] =
		"flowlang 1;\n"
		"param k : secret = keyring(\"%user:net/k\");\n"
		"device a = nvme(\"/dev/nvme0n1\");\n"
		"device s = socket(fd=7);\n"
		"device r = socket(fd=8);\n"				/* 5 */
		"flow tx { a -> [chunk=64KiB] aead(alg=\"gcm(aes)\", key=$k, "
		"nonce=\"00112233445566778899aabb\") -> s; }\n"
		"flow rx { read(r, range=0..1MiB) -> unseal(alg=\"gcm(aes)\", "
		"key=$k, nonce=\"00112233445566778899AABB\") -> write(a, offset=1MiB); }\n"
		"flow z { a -> compress(alg=\"zstd\") -> digest() -> write(a, offset=2MiB); }\n"
		"flow uz { read(a, range=2MiB..3MiB) -> decompress() -> write(a, offset=4MiB); }\n"
		"flow bad { r -> a; }\n"				/* 10 */
		"flow bad2 { a -> write(s, offset=4KiB); }\n"
		"flow bad3 { a -> aead(alg=\"gcm(aes)\", key=$k) -> s; }\n"
		"flow bad4 { read(r, range=0..4KiB) -> a; on io_error retry 2 then abort; }\n";
	const struct flowswitch_transform *x;
	const struct flowswitch_flow_create *fc;
	struct flang_ctx *ctx = compile_ok(text);
	char *s = build(ctx, 1);
	unsigned int i;

	(void)state;
	assert_non_null(strstr(s, "t.flow:10:12: error[A0100]: socket 'r' in flow 'bad' is read without a length"));
	assert_non_null(strstr(s, "t.flow:11:18: error[A0100]: socket 's' in flow 'bad2' is written at an offset"));
	assert_non_null(strstr(s, "t.flow:12:"));
	assert_non_null(strstr(s, "error[A0100]: aead() in flow 'bad3' has no nonce="));
	assert_non_null(strstr(s, "t.flow:13:"));
	assert_non_null(strstr(s, "error[A0100]: flow 'bad4' retries, but socket 'r'"));
	assert_non_null(strstr(s, "4 errors"));
	free(s);
	flang_ctx_free(ctx);
	{
		char t2[2048];

		snprintf(t2, sizeof(t2), "%.*s",
			 (int)(strstr(text, "flow bad") - text), text);
		ctx = compile_ok(t2);
	}
	s = build(ctx, 0);
	free(s);
	/* the sockets: the caller's descriptors, read or written */
	for (i = 0; i < txn.nitems && txn.info[i].kind != FLANG_TXN_FLOW; i++)
		if (txn.info[i].kind == FLANG_TXN_PORT)
			assert_true(txn.info[i].fd == -1 || txn.info[i].fd == 7 ||
				    txn.info[i].fd == 8);
	fc = flow_item(i);
	x = (const void *)(uintptr_t)fc->stages_uptr;
	assert_int_equal(fc->nr_stages, 1);
	assert_int_equal(x[0].kind, FLOWSWITCH_XFORM_SEAL);
	assert_int_equal(x[0].flags, FLOWSWITCH_XFORM_KEY_USER);
	assert_string_equal(x[0].key_desc, "net/k");
	assert_int_equal(x[0].iv[0], 0x00);
	assert_int_equal(x[0].iv[11], 0xbb);
	assert_int_equal(x[0].data_unit, 0);
	fc = flow_item(i + 1);
	x = (const void *)(uintptr_t)fc->stages_uptr;
	assert_int_equal(x[0].kind, FLOWSWITCH_XFORM_OPEN);
	assert_int_equal(x[0].iv[10], 0xaa);
	assert_int_equal(fc->length, 1 << 20);
	assert_int_equal(fc->flags & FLOWSWITCH_FLOW_TO_END, 0);
	fc = flow_item(i + 2);
	x = (const void *)(uintptr_t)fc->stages_uptr;
	assert_int_equal(fc->nr_stages, 2);
	assert_int_equal(x[0].kind, FLOWSWITCH_XFORM_COMPRESS);
	assert_string_equal(x[0].alg, "zstd");
	assert_int_equal(x[1].kind, FLOWSWITCH_XFORM_DIGEST);
	fc = flow_item(i + 3);
	x = (const void *)(uintptr_t)fc->stages_uptr;
	assert_int_equal(x[0].kind, FLOWSWITCH_XFORM_DECOMPRESS);
	assert_string_equal(x[0].alg, "lz4");
	flang_ctx_free(ctx);
}

static void test_no_plan(void **state)
{
	static const char text[] = "flowlang 1;\nflow f { a -> b; }\n";
	struct flang_ctx *ctx = flang_ctx_new();

	(void)state;
	assert_int_equal(flang_compile_buffer(ctx, "t.flow", text,
					      strlen(text)), 1);
	assert_int_equal(flang_txn_build(ctx, &txn), -EINVAL);
	flang_ctx_free(ctx);
}

static void test_pci_addr(void **state)
{
	uint32_t a;

	(void)state;
	assert_int_equal(flang_pci_addr("0001:02:1f.7", &a), 0);
	assert_int_equal(a, FLOWSWITCH_PCI_ADDR(1, 2, 0x1f, 7));
	assert_int_equal(flang_pci_addr("03:00.1", &a), 0);
	assert_int_equal(a, FLOWSWITCH_PCI_ADDR(0, 3, 0, 1));
	assert_int_equal(flang_pci_addr("03:20.0", &a), -EINVAL);
	assert_int_equal(flang_pci_addr("nvme0", &a), -EINVAL);
	assert_int_equal(flang_pci_addr(NULL, &a), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fan_out),
		cmocka_unit_test(test_rates_ranges_priorities),
		cmocka_unit_test(test_placement),
		cmocka_unit_test(test_chains),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_stages),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_engine_class),
		cmocka_unit_test(test_no_plan),
		cmocka_unit_test(test_pci_addr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
