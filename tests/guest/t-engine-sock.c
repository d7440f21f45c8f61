// SPDX-License-Identifier: GPL-2.0
/*
 * Socket ports (ABI 1.6) on both engines of daemon/engine.h in one boot:
 * the module's and the embedded io_uring one, each at one end of the
 * same loopback TCP connection.
 *   - a file through TCP into a file, the module sending and io_uring
 *     receiving, then the other way round: byte for byte;
 *   - the same with AEAD records on the wire: one engine seals into the
 *     socket, the other opens from it (gcm(aes)), both ways;
 *   - the module's refusals on both, each with the same errno: an
 *     unconnected, a listening and a datagram socket; TO_END, an offset
 *     on a socket source, an offset on a socket sink, retries; a second
 *     flow on a busy socket port (EBUSY);
 *   - the peer closing early: both fail the same way (ENODATA at the
 *     read, the same bytes_done), each after a PEER event.
 */
#include <poll.h>
#include <pthread.h>
#include <sys/stat.h>

#include "../../daemon/engine.h"
#include "flowtest.h"
#include "nettest.h"

#define DIR "/tmp/t-engine-sock"
#define CHUNK (256 * KiB)
#define LEN (4 * MiB + 12345)

static uint8_t key16[16];

static const char *path(const char *name)
{
	static char buf[8][128];
	static int n;
	char *p = buf[n++ % 8];

	snprintf(p, 128, DIR "/%s", name);
	return p;
}

static int txn1(struct fsw_engine *e, uint32_t op, void *cmd, uint32_t flags)
{
	struct flowswitch_txn_item item;
	struct flowswitch_txn txn;

	memset(&item, 0, sizeof(item));
	memset(&txn, 0, sizeof(txn));
	item.op = op;
	item.cmd_uptr = (uintptr_t)cmd;
	txn.size = sizeof(txn);
	txn.nr_items = 1;
	txn.items_uptr = (uintptr_t)&item;
	txn.flags = flags;
	return e->ops->txn(e, &txn);
}

/* A port on @fd: its id, or -errno. */
static int port(struct fsw_engine *e, int fd, uint32_t flags)
{
	struct flowswitch_port_create pc;
	int ret;

	memset(&pc, 0, sizeof(pc));
	pc.size = sizeof(pc);
	pc.flags = flags;
	pc.fd = fd;
	ret = txn1(e, FLOWSWITCH_TXN_PORT_CREATE, &pc, 0);
	return ret ? ret : (int)pc.out_port_id;
}

struct fparams {
	uint32_t flags;
	uint64_t src_offset, sink_offset, length;
	uint32_t retries;
	uint32_t kind; /* SEAL or OPEN, or 0 */
};

static int key_pipe(void)
{
	int p[2];

	if (pipe(p))
		return -1;
	if (write(p[1], key16, sizeof(key16)) != sizeof(key16)) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	close(p[1]);
	return p[0];
}

/* A flow @src -> @dst, started: its id, or -errno. */
static int flow(struct fsw_engine *e, int src, int dst,
		const struct fparams *fp)
{
	struct flowswitch_flow_create fc;
	struct flowswitch_transform st;
	struct flowswitch_sink sink;
	int ret;

	memset(&fc, 0, sizeof(fc));
	memset(&sink, 0, sizeof(sink));
	memset(&st, 0, sizeof(st));
	sink.port_id = (uint32_t)dst;
	sink.offset = fp->sink_offset;
	fc.size = sizeof(fc);
	fc.flags = fp->flags;
	fc.src_port_id = (uint32_t)src;
	fc.src_offset = fp->src_offset;
	fc.length = fp->length;
	fc.nr_sinks = 1;
	fc.sinks_uptr = (uintptr_t)&sink;
	fc.chunk_size = CHUNK;
	fc.depth = 4;
	fc.max_retries = fp->retries;
	fc.placement = FLOWSWITCH_P2P_FORBIDDEN;
	if (fp->kind) {
		st.kind = fp->kind;
		snprintf(st.alg, sizeof(st.alg), "gcm(aes)");
		st.flags = FLOWSWITCH_XFORM_KEY_FD;
		st.key_fd = key_pipe();
		for (int i = 0; i < 12; i++)
			st.iv[i] = (uint8_t)(0x30 + i);
		fc.nr_stages = 1;
		fc.stages_uptr = (uintptr_t)&st;
	}
	ret = txn1(e, FLOWSWITCH_TXN_FLOW_CREATE, &fc, FLOWSWITCH_TXN_START);
	if (fp->kind)
		close(st.key_fd);
	return ret ? ret : (int)fc.out_flow_id;
}

static void wait_final(struct fsw_engine *e, uint32_t id,
		       struct flowswitch_flow_query *q)
{
	for (int i = 0; i < 60000; i++) {
		memset(q, 0, sizeof(*q));
		q->size = sizeof(*q);
		if (e->ops->flow_query(e, id, q) ||
		    q->state >= FLOWSWITCH_FLOW_DONE)
			return;
		usleep(2000);
	}
	CHECK(0, "%s: flow %u never final", e->ops->name, id);
}

static void make_src(void)
{
	int fd = open(path("src"), O_WRONLY | O_CREAT | O_TRUNC, 0644);

	CHECK(fd >= 0 && !pattern_write(fd, 0, 0, LEN, 41), "src: %m");
	close(fd);
}

static bool same_as_src(const char *name, uint64_t len)
{
	return same_prefix(path(name), path("src"), len);
}

/*
 * @tx sends the source through TCP (sealing with @seal), @rx receives
 * it into @out (opening): both flows at once, then the bytes compared.
 */
static void across(struct fsw_engine *tx, struct fsw_engine *rx, bool seal,
		   const char *out)
{
	struct fparams fs = {.flags = FLOWSWITCH_FLOW_TO_END};
	struct fparams fr = {.length = LEN};
	struct flowswitch_flow_query qs, qr;
	uint64_t records = (LEN + CHUNK - 1) / CHUNK;
	int sv[2], f, o, ps, pr, fo, ids, idr;

	if (seal) {
		fs.kind = FLOWSWITCH_XFORM_SEAL;
		fr.kind = FLOWSWITCH_XFORM_OPEN;
		fr.length = LEN + records * FLOWSWITCH_AEAD_TAG;
	}
	CHECK(!tcp_pair(sv), "tcp pair");
	f = open(path("src"), O_RDONLY);
	unlink(path(out));
	o = open(path(out), O_WRONLY | O_CREAT, 0644);
	ps = port(tx, sv[0], FLOWSWITCH_PORT_WRITE);
	fo = port(tx, f, FLOWSWITCH_PORT_READ);
	pr = port(rx, sv[1], FLOWSWITCH_PORT_READ);
	ids = port(rx, o, FLOWSWITCH_PORT_WRITE);
	CHECK(ps > 0 && fo > 0 && pr > 0 && ids > 0, "ports %d %d %d %d", ps,
	      fo, pr, ids);
	idr = flow(rx, pr, ids, &fr);
	ids = flow(tx, fo, ps, &fs);
	CHECK(idr > 0 && ids > 0, "%s -> %s: flows %d %d", tx->ops->name,
	      rx->ops->name, ids, idr);
	if (idr > 0 && ids > 0) {
		wait_final(tx, (uint32_t)ids, &qs);
		wait_final(rx, (uint32_t)idr, &qr);
		CHECK(qs.state == FLOWSWITCH_FLOW_DONE &&
			      qr.state == FLOWSWITCH_FLOW_DONE,
		      "%s -> %s%s: states %u (error %u) / %u (error %u)",
		      tx->ops->name, rx->ops->name, seal ? " sealed" : "",
		      qs.state, qs.error, qr.state, qr.error);
		CHECK(qr.bytes_done == fr.length && same_as_src(out, LEN),
		      "%s -> %s%s: %llu bytes, not the source", tx->ops->name,
		      rx->ops->name, seal ? " sealed" : "",
		      (unsigned long long)qr.bytes_done);
		if (seal)
			CHECK(qs.out_bytes == fr.length,
			      "sealed: out_bytes %llu",
			      (unsigned long long)qs.out_bytes);
	}
	close(sv[0]);
	close(sv[1]);
	close(f);
	close(o);
}

/* The result of one refusal case on @e: the errno, or 0. */
static int refusal(struct fsw_engine *e, int which)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	struct fparams fp = {.length = 4096};
	int sv[2] = {-1, -1}, f, s, fid, ret = 0, id = 0;

	f = open(path("src"), O_RDWR);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	switch (which) {
	case 0: /* unconnected */
		s = socket(AF_INET, SOCK_STREAM, 0);
		ret = port(e, s, FLOWSWITCH_PORT_READ);
		close(s);
		break;
	case 1: /* listening */
		s = socket(AF_INET, SOCK_STREAM, 0);
		bind(s, (struct sockaddr *)&sa, sizeof(sa));
		listen(s, 1);
		ret = port(e, s, FLOWSWITCH_PORT_READ);
		close(s);
		break;
	case 2: /* datagram */
		s = socket(AF_INET, SOCK_DGRAM, 0);
		sa.sin_port = htons(9);
		connect(s, (struct sockaddr *)&sa, sizeof(sa));
		ret = port(e, s, FLOWSWITCH_PORT_READ);
		close(s);
		break;
	default:
		tcp_pair(sv);
		s = port(e, sv[0],
			 FLOWSWITCH_PORT_READ | FLOWSWITCH_PORT_WRITE);
		fid = port(e, f, FLOWSWITCH_PORT_READ | FLOWSWITCH_PORT_WRITE);
		CHECK(s > 0 && fid > 0, "ports %d %d", s, fid);
		if (which == 3) {
			fp = (struct fparams){.flags = FLOWSWITCH_FLOW_TO_END};
			ret = flow(e, s, fid, &fp);
		} else if (which == 4) {
			fp.src_offset = 4096;
			ret = flow(e, s, fid, &fp);
		} else if (which == 5) {
			fp.sink_offset = 4096;
			ret = flow(e, fid, s, &fp);
		} else if (which == 6) {
			fp.retries = 1;
			ret = flow(e, fid, s, &fp);
		} else {
			/* Busy: the first flow waits on a silent peer. */
			id = flow(e, s, fid, &fp);
			CHECK(id > 0, "busy: first flow %d", id);
			ret = flow(e, fid, s, &fp);
			e->ops->flow_ctl(e, (uint32_t)id, FLOWSWITCH_FLOW_STOP);
			e->ops->destroy(e, (uint32_t)id);
		}
		if (ret > 0)
			e->ops->destroy(e, (uint32_t)ret);
		ret = ret > 0 ? 0 : ret;
		e->ops->destroy(e, (uint32_t)s);
		e->ops->destroy(e, (uint32_t)fid);
		close(sv[0]);
		close(sv[1]);
	}
	close(f);
	if (ret > 0)
		e->ops->destroy(e, (uint32_t)ret);
	return ret < 0 ? -ret : 0;
}

/* The peer writes 2.5 chunks of 4 and closes: ENODATA, PEER first. */
static void peer_close(struct fsw_engine *e, struct flowswitch_flow_query *q,
		       bool *peer_first)
{
	struct fparams fp = {.length = 4 * CHUNK};
	struct flowswitch_event ev[64];
	static uint8_t buf[5 * CHUNK / 2];
	bool peer = false, final = false;
	int sv[2], o, s, fo, id;

	while (e->ops->read_events(e, ev, 64) > 0)
		;
	CHECK(!tcp_pair(sv), "tcp pair");
	memset(buf, 0x5a, sizeof(buf));
	o = open(path("peer.out"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	s = port(e, sv[0], FLOWSWITCH_PORT_READ);
	fo = port(e, o, FLOWSWITCH_PORT_WRITE);
	id = flow(e, s, fo, &fp);
	CHECK(id > 0, "%s: peer flow %d", e->ops->name, id);
	CHECK(write(sv[1], buf, sizeof(buf)) == sizeof(buf), "%m");
	close(sv[1]);
	wait_final(e, (uint32_t)id, q);
	for (int tries = 0; tries < 500 && !final; tries++) {
		ssize_t n = e->ops->read_events(e, ev, 64);

		for (ssize_t i = 0; i < n; i++) {
			if (ev[i].flow_id != (uint32_t)id)
				continue;
			if (ev[i].type == FLOWSWITCH_EVENT_PEER && !final)
				peer = ev[i].error == EPIPE;
			if (ev[i].type == FLOWSWITCH_EVENT_FLOW_STATE &&
			    ev[i].state == FLOWSWITCH_FLOW_FAILED)
				final = true;
		}
		if (!final)
			usleep(2000);
	}
	*peer_first = peer && final;
	e->ops->destroy(e, (uint32_t)id);
	e->ops->destroy(e, (uint32_t)s);
	e->ops->destroy(e, (uint32_t)fo);
	close(sv[0]);
	close(o);
}

int main(void)
{
	static const char *const names[] = {
		"unconnected", "listening",   "datagram", "TO_END",
		"src offset",  "sink offset", "retries",  "busy",
	};
	struct flowswitch_flow_query qk, qu;
	struct fsw_engine *k, *u;
	bool pk, pu;

	k = fsw_engine_kernel_open(NULL);
	if (!k) {
		fprintf(stderr, "t-engine-sock: /dev/flowswitch: %m\n");
		return T_FAIL;
	}
	u = fsw_engine_uring_open();
	if (!u) {
		fprintf(stderr, "t-engine-sock: io_uring: %m: skipped\n");
		k->ops->close(k);
		return T_SKIP;
	}
	CHECK(!lo_up(), "lo up: %m");
	mkdir(DIR, 0755);
	for (size_t i = 0; i < sizeof(key16); i++)
		key16[i] = (uint8_t)(i * 13 + 1);
	make_src();

	across(k, u, false, "k2u");
	across(u, k, false, "u2k");
	across(k, u, true, "k2u.sealed");
	across(u, k, true, "u2k.sealed");

	for (int i = 0; i < 8; i++) {
		int ek = refusal(k, i), eu = refusal(u, i);

		CHECK(ek && ek == eu, "%s: kernel %s, io_uring %s", names[i],
		      strerror(ek), strerror(eu));
	}

	peer_close(k, &qk, &pk);
	peer_close(u, &qu, &pu);
	CHECK(qk.state == FLOWSWITCH_FLOW_FAILED && qk.error == ENODATA &&
		      qu.state == qk.state && qu.error == qk.error &&
		      qu.fail_stage == qk.fail_stage &&
		      qu.bytes_done == qk.bytes_done && pk && pu,
	      "peer close: kernel %u/%u done %llu peer %d, io_uring %u/%u "
	      "done %llu peer %d",
	      qk.state, qk.error, (unsigned long long)qk.bytes_done, pk,
	      qu.state, qu.error, (unsigned long long)qu.bytes_done, pu);

	k->ops->close(k);
	u->ops->close(u);
	printf("t-engine-sock: TCP between the engines both ways, plain and "
	       "sealed; 8 refusals; peer close: %d differences\n",
	       t_failures);
	return t_result();
}
