// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest ioctl fuzzer of /dev/flowswitch.
 *
 * Runs sequences of up to MAX_CALLS calls on one descriptor: the nine
 * ioctls with structs generated from the UAPI and then mutated (sizes too
 * small, too large, odd, with dirty tails; random flags and reserved bits;
 * ids of live, destroyed and never-made objects; real descriptors to
 * create ports from: files in a small tmpfs, the NVMe disks read-only,
 * pipes, a socket, /dev/null, a directory, the device itself), random
 * ioctl numbers, event reads, and closing and reopening the device
 * mid-sequence.  Pointers in the structs point at real arrays, at NULL, at
 * unmapped memory, or straddle a guard page.
 *
 * Coverage-guided when /sys/kernel/debug/kcov exists (the debug kernel:
 * CONFIG_KCOV, only flowswitch.ko instrumented): each call runs with
 * KCOV_TRACE_PC enabled for this thread; a sequence that reached a PC not
 * seen before joins a small corpus, which later sequences are mutated
 * from.  Every PC must lie in the module's text (/proc/modules).
 *
 * Fails on (each precisely):
 *  - a valid command whose size field is below its first version's size,
 *    above PAGE_SIZE, or above the struct with a non-zero byte past it,
 *    succeeding;
 *  - an ioctl number the module does not define not failing with ENOTTY;
 *  - an errno outside the command's documented set (the UAPI header's
 *    Errors, plus EINVAL/E2BIG/EFAULT of the dispatcher);
 *  - a create succeeding with an id of 0, above 4096, or of a live object;
 *  - INFO's nr_flows, nr_ports, host_pool_bytes, nr_files not back to
 *    where they started once the sequence's descriptor is closed;
 *  - a sanitizer line in the kernel log (/dev/kmsg; the harness too).
 *
 * FSW_FUZZ_SECS bounds the run (default 20 s with KCOV, 5 s without);
 * FSW_FUZZ_SEED replays a run.  Prints
 * "fuzz-ioctl: N execs, M sequences, K distinct PCs".
 */
#include <linux/kcov.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

#include "flowtest.h"

#define MAX_CALLS 12
#define NEST 4 /* transaction items with a struct of their own */
#define CORPUS_MAX 256
#define COVER_SIZE (64 << 10)
#define PC_SLOTS (1 << 16)
#define FZ_DIR "/tmp/fz"
#define PAGE 4096

/* --- randomness --- */

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint32_t rn(uint32_t n)
{
	return n ? rnd() % n : 0;
}

static bool chance(int pct)
{
	return (int)rn(100) < pct;
}

/* A value that is often on an edge. */
static uint64_t edgy(void)
{
	static const uint64_t v[] = {
		0,
		1,
		4095,
		4096,
		4097,
		65536,
		1 << 20,
		16 << 20,
		(16 << 20) + 4096,
		1ull << 32,
		~0ull,
		~0ull - 4095,
		0x7fffffff,
		0x80000000,
		512 << 20,
		(512 << 20) - 4096,
	};

	return chance(70) ? v[rn(sizeof(v) / sizeof(v[0]))] : rnd() >> rn(64);
}

/* --- the commands --- */

enum {
	C_INFO,
	C_PORT,
	C_FLOW,
	C_CTL,
	C_QUERY,
	C_WAIT,
	C_DESTROY,
	C_TXN,
	C_EXPLAIN,
	NR_CMDS
};

struct cmdinfo {
	const char *name;
	unsigned long nr;
	uint32_t ksize, min;
	int errs[24];
};

#define GENERIC EINVAL, E2BIG, EFAULT

static const struct cmdinfo cmds[NR_CMDS] = {
	[C_INFO] = {"INFO",
		    FLOWSWITCH_IOC_INFO,
		    sizeof(struct flowswitch_info),
		    offsetofend(struct flowswitch_info, __reserved),
		    {GENERIC}},
	[C_PORT] = {"PORT_CREATE",
		    FLOWSWITCH_IOC_PORT_CREATE,
		    sizeof(struct flowswitch_port_create),
		    offsetofend(struct flowswitch_port_create, out_size),
		    {GENERIC, EBADF, EOPNOTSUPP, ENODEV, ENOMEM, EMFILE}},
	[C_FLOW] = {"FLOW_CREATE",
		    FLOWSWITCH_IOC_FLOW_CREATE,
		    sizeof(struct flowswitch_flow_create),
		    offsetofend(struct flowswitch_flow_create, out_length),
		    {GENERIC, ENOENT, EBADF, EXDEV, ENODEV, ENOSPC, EOVERFLOW,
		     EDQUOT, ENOMEM, EMFILE, ENOKEY, EKEYREJECTED, EKEYREVOKED,
		     EINTR, EAGAIN}},
	[C_CTL] = {"FLOW_CTL",
		   FLOWSWITCH_IOC_FLOW_CTL,
		   sizeof(struct flowswitch_flow_ctl),
		   offsetofend(struct flowswitch_flow_ctl, op),
		   {GENERIC, ENOENT, EBUSY}},
	[C_QUERY] = {"FLOW_QUERY",
		     FLOWSWITCH_IOC_FLOW_QUERY,
		     sizeof(struct flowswitch_flow_query),
		     offsetofend(struct flowswitch_flow_query, elapsed_ns),
		     {GENERIC, ENOENT}},
	[C_WAIT] = {"FLOW_WAIT",
		    FLOWSWITCH_IOC_FLOW_WAIT,
		    sizeof(struct flowswitch_flow_wait),
		    offsetofend(struct flowswitch_flow_wait, __reserved),
		    {GENERIC, ENOENT, ETIMEDOUT, EINTR, EBUSY}},
	[C_DESTROY] = {"DESTROY",
		       FLOWSWITCH_IOC_DESTROY,
		       sizeof(struct flowswitch_destroy),
		       offsetofend(struct flowswitch_destroy, __reserved),
		       {GENERIC, ENOENT, EBUSY}},
	[C_TXN] = {"TXN",
		   FLOWSWITCH_IOC_TXN,
		   sizeof(struct flowswitch_txn),
		   offsetofend(struct flowswitch_txn, __reserved),
		   {GENERIC, EBADF, EOPNOTSUPP, ENODEV, ENOMEM, EMFILE, ENOENT,
		    EXDEV, ENOSPC, EOVERFLOW, EDQUOT, ENOKEY, EKEYREJECTED,
		    EKEYREVOKED, EINTR, EAGAIN}},
	[C_EXPLAIN] = {"P2P_EXPLAIN",
		       FLOWSWITCH_IOC_P2P_EXPLAIN,
		       sizeof(struct flowswitch_p2p_explain),
		       offsetofend(struct flowswitch_p2p_explain, p2pmem_free),
		       {GENERIC, ENOENT}},
};

/* --- a sequence --- */

enum { K_IOCTL, K_RAW, K_REOPEN, K_READ };

/* How a struct's pointer field is given. */
enum { P_OK, P_NULL, P_UNMAPPED, P_GUARD, NR_P };

#define SEL_RAW 0xff /* keep the generated bytes */

struct call {
	uint8_t kind, cmd, ptr, argptr;
	uint32_t raw;
	uint32_t size; /* the size field */
	uint8_t sel[12]; /* resource selectors */
	uint8_t arg[PAGE + 64];
	uint8_t aux[1024];
	uint8_t nest[NEST][256];
	struct flowswitch_transform xf[2]; /* FLOW_CREATE's stages */
};

struct seq {
	int n;
	struct call c[MAX_CALLS];
};

static struct seq *corpus[CORPUS_MAX];
static int corpus_n;

/* --- the run's state --- */

enum {
	FD_F0,
	FD_F1,
	FD_F0_RO,
	FD_APPEND,
	FD_A,
	FD_B,
	FD_C,
	FD_PIPE_R,
	FD_PIPE_W,
	FD_SOCK,
	FD_NULL,
	FD_DIR,
	FD_NEG,
	FD_CLOSED,
	FD_SELF,
	FD_KEY,
	NR_FDS
};

static int fds[NR_FDS];
static unsigned int pcis[4];
static int nr_pcis;

#define MAX_IDS 64
struct run {
	int fsw;
	uint32_t ports[MAX_IDS], flows[MAX_IDS], dead[MAX_IDS];
	uint32_t pacc[MAX_IDS]; /* the ports' access flags */
	int nports, nflows, ndead;
};

static uint8_t *argpage; /* two pages: the second PROT_NONE */

static unsigned long nexec, nseq, nfail;
static unsigned long ncalls[NR_CMDS], nok[NR_CMDS], nerr[NR_CMDS][134];

#define FAIL(fmt, ...)                                             \
	do {                                                       \
		fprintf(stderr, "fuzz: " fmt "\n", ##__VA_ARGS__); \
		t_failures++;                                      \
	} while (0)

/* --- generation --- */

static uint8_t gen_sel(void)
{
	static const uint8_t kinds[] = {0, 0, 0, 1, 1, 1, 2, 3, 4, 5, 6, 7};

	if (chance(3))
		return SEL_RAW;
	return kinds[rn(sizeof(kinds))] << 5 | rn(32);
}

static uint32_t gen_size(int cmd)
{
	const struct cmdinfo *ci = &cmds[cmd];

	switch (rn(20)) {
	case 0:
		return ci->min;
	case 1:
		return ci->min - 1 - rn(ci->min);
	case 2:
		return ci->ksize + 8 * (1 + rn(8));
	case 3:
		return ci->ksize + 1 + rn(7);
	case 4:
		return PAGE + rn(64);
	case 5:
		return ci->min + rn(ci->ksize - ci->min + 1);
	default:
		return ci->ksize;
	}
}

static uint32_t gen_flags(uint32_t valid)
{
	if (chance(10))
		return rnd();
	if (chance(10))
		return valid | 1u << rn(32);
	return rnd() & valid;
}

/* Transform stages (ABI 1.5): mostly ones the kernel has, keyed right. */
static void gen_stages(struct call *c, struct flowswitch_flow_create *fc)
{
	static const char *const algs[] = {
		"sha256",   "crc32c", "ctr(aes)",      "xts(aes)",
		"cbc(aes)", "nope",   "sha256-generic"};

	fc->nr_stages = chance(90) ? 1 + rn(2) : (uint32_t)edgy();
	for (int i = 0; i < 2; i++) {
		struct flowswitch_transform *x = &c->xf[i];
		int a = rn(sizeof(algs) / sizeof(algs[0]));

		memset(x, 0, sizeof(*x));
		snprintf(x->alg, sizeof(x->alg), "%s", algs[a]);
		x->kind = a < 2 ? FLOWSWITCH_XFORM_DIGEST
				: FLOWSWITCH_XFORM_ENCRYPT + rn(2);
		if (x->kind != FLOWSWITCH_XFORM_DIGEST) {
			x->flags = FLOWSWITCH_XFORM_KEY_FD;
			x->key_fd = FD_KEY; /* an index, resolved at exec */
			x->key_len = a == 3 ? 64 : 32;
			x->data_unit = a == 2 ? 0 : 512;
		}
		if (chance(10))
			x->kind = rnd();
		if (chance(10))
			x->flags = gen_flags(7);
		if (chance(10))
			x->key_len = edgy();
		if (chance(10))
			x->data_unit = edgy();
		if (chance(5))
			x->__reserved = rnd();
		if (chance(5))
			x->alg[rn(sizeof(x->alg))] = rnd();
		if (chance(5))
			memset(x->driver, 'd', sizeof(x->driver));
		if (chance(10))
			x->key_fd = rn(NR_FDS + 2);
	}
}

/* A port that should be made: a real file or disk, matching access. */
static bool gen_good_port(struct flowswitch_port_create *pc, uint8_t *fdsel)
{
	static const struct {
		uint8_t fd;
		uint32_t flags;
	} good[] = {
		{FD_F0, FLOWSWITCH_PORT_READ | FLOWSWITCH_PORT_WRITE},
		{FD_F1, FLOWSWITCH_PORT_WRITE},
		{FD_F1, FLOWSWITCH_PORT_READ | FLOWSWITCH_PORT_WRITE |
				FLOWSWITCH_PORT_BUFFERED},
		{FD_F0_RO, FLOWSWITCH_PORT_READ},
		{FD_A, FLOWSWITCH_PORT_READ},
		{FD_B, FLOWSWITCH_PORT_READ},
		{FD_C, FLOWSWITCH_PORT_READ},
	};
	int i = rn(sizeof(good) / sizeof(good[0]));

	if (!chance(60))
		return false;
	pc->flags = good[i].flags;
	*fdsel = good[i].fd;
	return true;
}

static void gen_port(struct flowswitch_port_create *pc)
{
	pc->flags = gen_flags(FLOWSWITCH_PORT_READ | FLOWSWITCH_PORT_WRITE |
			      FLOWSWITCH_PORT_BUFFERED |
			      (chance(20) ? FLOWSWITCH_PORT_PCI_BAR : 0));
	if (chance(60))
		pc->flags |= FLOWSWITCH_PORT_READ;
	if (pc->flags & FLOWSWITCH_PORT_PCI_BAR) {
		pc->fd = chance(80) ? -1 : (int)rnd();
		pc->pci_addr = nr_pcis && chance(80) ? pcis[rn(nr_pcis)]
						     : (uint32_t)rnd();
		pc->window_size = chance(70) ? PAGE * (1 + rn(64)) : edgy();
	} else if (chance(5)) {
		pc->pci_addr = rnd();
		pc->window_size = edgy();
	}
}

static void gen_flow(struct flowswitch_flow_create *fc)
{
	static const uint32_t chunks[] = {4096, 8192, 65536, 1 << 20};

	if (chance(50)) {
		/* One that should be made: every field in its range. */
		static const uint32_t fl[] = {
			0,
			0,
			0,
			FLOWSWITCH_FLOW_TO_END,
			FLOWSWITCH_FLOW_NO_FLUSH,
			FLOWSWITCH_FLOW_SKIP_CANARY,
			FLOWSWITCH_FLOW_VERIFY,
		};

		fc->flags = fl[rn(sizeof(fl) / sizeof(fl[0]))];
		fc->nr_sinks = 1 + rn(2);
		fc->src_offset = PAGE * rn(8);
		fc->length = PAGE * (1 + rn(32));
		fc->chunk_size = chunks[rn(3)];
		fc->depth = 1 + rn(4);
		fc->rate_bps = chance(80) ? 0 : 1 << 20;
		fc->priority = rn(3);
		fc->placement = chance(70) ? 0 : rn(3);
		if (chance(50))
			snprintf(fc->name, sizeof(fc->name), "fz:%u",
				 (unsigned int)rn(100));
		return;
	}
	fc->flags =
		gen_flags(FLOWSWITCH_FLOW_TO_END | FLOWSWITCH_FLOW_NO_FLUSH |
			  FLOWSWITCH_FLOW_NAMED_PROVIDER |
			  FLOWSWITCH_FLOW_SKIP_CANARY | FLOWSWITCH_FLOW_VERIFY);
	fc->nr_sinks = chance(80) ? 1 + rn(2) : rn(12);
	fc->src_offset = chance(70) ? PAGE * rn(16) : edgy();
	fc->length = chance(70) ? PAGE * (1 + rn(64)) : edgy();
	fc->chunk_size = chance(80) ? chunks[rn(4)] : (uint32_t)edgy();
	fc->depth = chance(80) ? 1 + rn(8) : rn(100);
	fc->rate_bps = chance(70) ? 0 : edgy();
	fc->priority = chance(80) ? rn(3) : rnd();
	fc->max_retries = rn(3);
	fc->placement = chance(70) ? rn(3) : rnd();
	fc->p2p_provider = nr_pcis && chance(70) ? pcis[rn(nr_pcis)] : rnd();
	fc->canary_every_ms = chance(90) ? 0 : rn(100);
	fc->canary_every_bytes = chance(90) ? 0 : edgy();
	if (chance(30))
		snprintf(fc->name, sizeof(fc->name), "fz:%u",
			 (unsigned)rn(100));
	if (chance(5))
		fc->name[rn(sizeof(fc->name))] = rnd();
	if (chance(5))
		fc->__reserved = rnd();
	if (chance(5))
		fc->__reserved2 = rnd();
}

/* A call; of command @cmd when it is not -1. */
static void gen_call_as(struct call *c, int cmd)
{
	memset(c, 0, sizeof(*c));
	c->ptr = chance(85) ? P_OK : rn(NR_P);
	c->argptr = chance(95) ? P_OK : rn(NR_P);
	memset(c->sel, SEL_RAW, sizeof(c->sel));
	switch (cmd >= 0 ? 40 : rn(40)) {
	case 0:
	case 1:
		c->kind = K_RAW;
		/* Mostly our type; never one the VFS answers itself. */
		c->raw = chance(70) ? _IOC(rn(4), FLOWSWITCH_TYPE, rn(256),
					   rn(1 << 14))
				    : (uint32_t)rnd();
		return;
	case 2:
		c->kind = K_REOPEN;
		return;
	case 3:
		c->kind = K_READ;
		c->size = chance(70) ? sizeof(struct flowswitch_event) *
					       (1 + rn(4))
				     : rn(100);
		return;
	}
	c->kind = K_IOCTL;
	c->cmd = rn(NR_CMDS);
	/* Creates first: they make what the others name. */
	if (chance(40))
		c->cmd = chance(50) ? C_PORT : C_FLOW;
	if (cmd >= 0)
		c->cmd = cmd;
	c->size = gen_size(c->cmd);
	for (size_t i = 0; i < sizeof(c->sel); i++)
		c->sel[i] = gen_sel();
	if (chance(3))
		for (size_t i = 0; i < 64; i++)
			c->arg[rn(cmds[c->cmd].ksize + 16)] = rnd();
	if (c->size > cmds[c->cmd].ksize && chance(50))
		c->arg[cmds[c->cmd].ksize + rn(c->size - cmds[c->cmd].ksize)] =
			1 + rn(255);

	switch (c->cmd) {
	case C_INFO: {
		struct flowswitch_info *in = (void *)c->arg;

		in->flags = chance(90) ? 0 : rnd();
		in->__reserved = chance(95) ? 0 : rnd();
		break;
	}
	case C_PORT:
		if (!gen_good_port((void *)c->arg, &c->sel[0]))
			gen_port((void *)c->arg);
		break;
	case C_FLOW: {
		struct flowswitch_sink *sk = (void *)c->aux;

		gen_flow((void *)c->arg);
		if (chance(25))
			gen_stages(c, (void *)c->arg);
		if (chance(70)) {
			/* A readable source, writable sinks. */
			c->sel[0] = rn(32);
			for (int i = 1; i < 11; i++)
				c->sel[i] = 1 << 5 | rn(32);
		}
		for (int i = 0; i < FLOWSWITCH_MAX_SINKS + 2; i++) {
			sk[i].offset = chance(70) ? PAGE * rn(64) : edgy();
			sk[i].__reserved = chance(95) ? 0 : rnd();
		}
		break;
	}
	case C_CTL: {
		struct flowswitch_flow_ctl *fc = (void *)c->arg;

		if (chance(60))
			c->sel[0] = 2 << 5 | rn(32); /* a live flow */
		fc->flags = chance(95) ? 0 : rnd();
		fc->op = chance(90) ? 1 + rn(4) : rnd();
		break;
	}
	case C_QUERY: {
		struct flowswitch_flow_query *q = (void *)c->arg;

		if (chance(60))
			c->sel[0] = 2 << 5 | rn(32);
		q->flags = chance(95) ? 0 : rnd();
		break;
	}
	case C_WAIT: {
		struct flowswitch_flow_wait *w = (void *)c->arg;

		if (chance(60))
			c->sel[0] = 2 << 5 | rn(32);
		w->flags = chance(95) ? 0 : rnd();
		w->__reserved = chance(95) ? 0 : rnd();
		w->timeout_ms = chance(50) ? rn(20) : (chance(50) ? 0 : rnd());
		break;
	}
	case C_DESTROY: {
		struct flowswitch_destroy *d = (void *)c->arg;

		if (chance(60))
			c->sel[0] = (chance(50) ? 2 : 0) << 5 | rn(32);
		d->flags = chance(95) ? 0 : rnd();
		d->__reserved = chance(95) ? 0 : rnd();
		break;
	}
	case C_TXN: {
		struct flowswitch_txn *t = (void *)c->arg;
		struct flowswitch_txn_item *it = (void *)c->aux;
		struct flowswitch_sink *sk = (void *)(c->aux + 512);

		t->flags = gen_flags(FLOWSWITCH_TXN_START);
		t->nr_items = chance(85) ? 1 + rn(NEST) : (uint32_t)edgy();
		t->__reserved = chance(95) ? 0 : rnd();
		for (int i = 0; i < NEST; i++) {
			it[i].op = chance(90) ? 1 + rn(2) : rnd();
			it[i].__reserved = chance(95) ? 0 : rnd();
			if (it[i].op == FLOWSWITCH_TXN_FLOW_CREATE) {
				struct flowswitch_flow_create *fc =
					(void *)c->nest[i];

				gen_flow(fc);
				fc->size = chance(90) ? sizeof(*fc)
						      : gen_size(C_FLOW);
				fc->nr_sinks = 1 + rn(2);
			} else {
				struct flowswitch_port_create *pc =
					(void *)c->nest[i];

				if (!gen_good_port(pc, &c->sel[8 + i]))
					gen_port(pc);
				pc->size = chance(90) ? sizeof(*pc)
						      : gen_size(C_PORT);
			}
		}
		for (int i = 0; i < 4; i++)
			sk[i].offset = PAGE * rn(64);
		if (chance(50)) {
			/*
			 * One that should work: a port to read, one to
			 * write, and one or two flows between them.
			 */
			struct flowswitch_port_create *pc;
			struct flowswitch_flow_create *fc;

			t->nr_items = 3 + rn(2);
			t->__reserved = 0;
			for (int i = 0; i < 4; i++) {
				it[i].op = i < 2 ? FLOWSWITCH_TXN_PORT_CREATE
						 : FLOWSWITCH_TXN_FLOW_CREATE;
				it[i].__reserved = 0;
				memset(c->nest[i], 0, sizeof(c->nest[i]));
				c->sel[i] = 0; /* a real pointer */
			}
			pc = (void *)c->nest[0];
			pc->size = sizeof(*pc);
			pc->flags = FLOWSWITCH_PORT_READ;
			c->sel[8] = chance(50) ? FD_A : FD_F0_RO;
			pc = (void *)c->nest[1];
			pc->size = sizeof(*pc);
			pc->flags = FLOWSWITCH_PORT_WRITE;
			c->sel[9] = chance(50) ? FD_F0 : FD_F1;
			for (int i = 2; i < 4; i++) {
				fc = (void *)c->nest[i];
				gen_flow(fc);
				fc->size = sizeof(*fc);
				fc->nr_sinks = 1;
				c->sel[4 + i] = 4 << 5; /* item 0 */
			}
			c->sel[2] = c->sel[3] = 4 << 5 | 1; /* item 1 */
		}
		break;
	}
	case C_EXPLAIN: {
		struct flowswitch_p2p_explain *e = (void *)c->arg;

		e->flags = gen_flags(FLOWSWITCH_FLOW_NAMED_PROVIDER);
		e->nr_ports = chance(85) ? 1 + rn(3) : rn(20);
		e->provider = nr_pcis && chance(70) ? pcis[rn(nr_pcis)] : rnd();
		e->nr_verdicts = rn(12);
		e->verdict_size =
			chance(70) ? sizeof(struct flowswitch_p2p_verdict)
				   : (chance(50) ? 0 : (uint32_t)edgy() % 8192);
		break;
	}
	}
}

static void gen_call(struct call *c)
{
	gen_call_as(c, -1);
}

static void gen_seq(struct seq *s)
{
	s->n = 1 + rn(MAX_CALLS);
	for (int i = 0; i < s->n; i++)
		gen_call(&s->c[i]);
}

/* Seeds: the life of a flow, in order, each call generated "good". */
static void seed_corpus(void)
{
	static const int order[] = {C_PORT,    C_PORT,	  C_PORT,  C_FLOW,
				    C_CTL,     C_WAIT,	  C_QUERY, C_TXN,
				    C_EXPLAIN, C_DESTROY, C_INFO,  -1};

	while (corpus_n < 8) {
		struct seq *s = calloc(1, sizeof(*s));

		if (!s)
			return;
		for (s->n = 0; order[s->n] >= 0; s->n++)
			gen_call_as(&s->c[s->n], order[s->n]);
		s->c[s->n++].kind = K_READ;
		corpus[corpus_n++] = s;
	}
}

static void mutate(struct seq *s)
{
	int k = 1 + rn(4);

	while (k--) {
		struct call *c = &s->c[rn(s->n)];

		switch (rn(9)) {
		case 0: /* a byte of the struct */
			c->arg[rn(c->kind == K_IOCTL ? cmds[c->cmd].ksize
						     : 64)] = rnd();
			break;
		case 1: /* a bit */
			c->arg[rn(64)] ^= 1 << rn(8);
			break;
		case 2:
			if (c->kind == K_IOCTL)
				c->size = gen_size(c->cmd);
			break;
		case 3:
			c->sel[rn(sizeof(c->sel))] = gen_sel();
			break;
		case 4: /* a fresh call */
			gen_call(c);
			break;
		case 5: /* insert */
			if (s->n < MAX_CALLS) {
				int at = rn(s->n + 1);

				memmove(&s->c[at + 1], &s->c[at],
					(s->n - at) * sizeof(s->c[0]));
				s->n++;
				gen_call(&s->c[at]);
			}
			break;
		case 6: /* delete */
			if (s->n > 1) {
				int at = rn(s->n);

				memmove(&s->c[at], &s->c[at + 1],
					(s->n - at - 1) * sizeof(s->c[0]));
				s->n--;
			}
			break;
		case 7: /* an aux byte: sinks, items, ids */
			c->aux[rn(256)] = rnd();
			break;
		case 8: /* splice another corpus entry's tail */
			if (corpus_n) {
				struct seq *o = corpus[rn(corpus_n)];
				int at = rn(s->n), from = rn(o->n);
				int n = o->n - from;

				if (at + n > MAX_CALLS)
					n = MAX_CALLS - at;
				memcpy(&s->c[at], &o->c[from],
				       n * sizeof(s->c[0]));
				s->n = at + n;
			}
			break;
		}
	}
}

/* --- execution --- */

static uint32_t resolve(struct run *r, uint8_t sel, uint32_t raw)
{
	unsigned int i = sel & 31;

	if (sel == SEL_RAW)
		return raw;
	switch (sel >> 5) {
	case 0: /* a port for reading */
	case 1: /* a port for writing */
		for (int k = 0; k < r->nports; k++) {
			int j = (i + k) % r->nports;

			if (r->pacc[j] & (sel >> 5 ? FLOWSWITCH_PORT_WRITE
						   : FLOWSWITCH_PORT_READ))
				return r->ports[j];
		}
		return r->nports ? r->ports[i % r->nports] : 1 + i;
	case 2:
		return r->nflows ? r->flows[i % r->nflows] : 1 + i;
	case 3:
		return r->ndead ? r->dead[i % r->ndead] : 1 + i;
	case 4:
		return FLOWSWITCH_TXN_REF(i & 7);
	case 5:
		return 0;
	case 6:
		return 1 + i;
	default:
		return 4096 + i * 77777;
	}
}

static int resolve_fd(struct run *r, uint8_t sel, int raw)
{
	if (sel == SEL_RAW)
		return raw;
	if (sel % NR_FDS == FD_SELF)
		return r->fsw;
	return fds[sel % NR_FDS];
}

static uint64_t resolve_ptr(uint8_t mode, void *p)
{
	switch (mode) {
	case P_NULL:
		return 0;
	case P_UNMAPPED:
		return (uintptr_t)(argpage + PAGE);
	case P_GUARD:
		return (uintptr_t)(argpage + PAGE - 8);
	default:
		return (uintptr_t)p;
	}
}

static void add_id(uint32_t *list, int *n, uint32_t id)
{
	if (*n < MAX_IDS)
		list[(*n)++] = id;
	else
		list[rn(MAX_IDS)] = id;
}

static bool live(struct run *r, uint32_t id)
{
	for (int i = 0; i < r->nports; i++)
		if (r->ports[i] == id)
			return true;
	for (int i = 0; i < r->nflows; i++)
		if (r->flows[i] == id)
			return true;
	return false;
}

static void kill_id(struct run *r, uint32_t id)
{
	for (int i = 0; i < r->nports; i++)
		if (r->ports[i] == id) {
			r->nports--;
			r->pacc[i] = r->pacc[r->nports];
			r->ports[i--] = r->ports[r->nports];
		}
	for (int i = 0; i < r->nflows; i++)
		if (r->flows[i] == id)
			r->flows[i--] = r->flows[--r->nflows];
	add_id(r->dead, &r->ndead, id);
}

static void new_id(struct run *r, const char *what, uint32_t id, bool flow,
		   uint32_t access)
{
	if (!id || id > 4096 || live(r, id))
		FAIL("%s succeeded with id %u (0, past 4096, or live)", what,
		     id);
	if (flow) {
		add_id(r->flows, &r->nflows, id);
	} else if (r->nports < MAX_IDS) {
		r->pacc[r->nports] = access;
		r->ports[r->nports++] = id;
	}
}

static bool is_valid_nr(unsigned long nr)
{
	for (int i = 0; i < NR_CMDS; i++)
		if (cmds[i].nr == nr)
			return true;
	return false;
}

/* Types whose numbers the VFS answers before the driver sees them. */
static bool vfs_type(unsigned long nr)
{
	static const uint8_t t[] = {0x00, 0x12, 0x15, 0x54, 0x58, 0x66, 0x94};

	for (size_t i = 0; i < sizeof(t); i++)
		if (_IOC_TYPE(nr) == t[i])
			return true;
	return false;
}

static bool errno_ok(int cmd, int err)
{
	for (int i = 0; i < 24 && cmds[cmd].errs[i]; i++)
		if (cmds[cmd].errs[i] == err)
			return true;
	return false;
}

/* The nested structs of a transaction, patched; where they lie. */
static void patch_txn(struct run *r, struct call *c, uint8_t *aux,
		      uint8_t (*nest)[256])
{
	struct flowswitch_txn_item *it = (void *)aux;
	struct flowswitch_sink *sk = (void *)(aux + 512);

	for (int i = 0; i < NEST; i++) {
		if (c->sel[i] != SEL_RAW)
			it[i].cmd_uptr = resolve_ptr(
				c->ptr == P_OK ? P_OK : rn(NR_P), nest[i]);
		if (it[i].op == FLOWSWITCH_TXN_FLOW_CREATE) {
			struct flowswitch_flow_create *fc = (void *)nest[i];

			fc->src_port_id = resolve(r, c->sel[4 + i],
						  FLOWSWITCH_TXN_REF(0));
			fc->sinks_uptr = (uintptr_t)&sk[i & 1];
		} else {
			struct flowswitch_port_create *pc = (void *)nest[i];

			if (!(pc->flags & FLOWSWITCH_PORT_PCI_BAR))
				pc->fd = resolve_fd(r, c->sel[8 + i], pc->fd);
		}
	}
	for (int i = 0; i < 4; i++)
		sk[i].port_id =
			resolve(r, c->sel[(i + 2) % 12], FLOWSWITCH_TXN_REF(1));
}

static uint8_t aux_buf[1024] __attribute__((aligned(8)));
static uint8_t nest_buf[NEST][256] __attribute__((aligned(8)));
static uint8_t read_buf[4096];
static uint8_t scratch[PAGE + 64] __attribute__((aligned(8)));
static struct flowswitch_transform xf_buf[2];
/* EXPLAIN's verdicts: up to 9 elements of up to PAGE bytes each. */
static uint8_t verdict_buf[(FLOWSWITCH_MAX_SINKS + 1) * PAGE];

/* KCOV */
static int kcov_fd = -1;
static unsigned long *cover;
static uint64_t *pcset;
static unsigned long npcs, mod_lo, mod_hi, pcs_outside;

static int pc_add(uint64_t pc)
{
	uint64_t h = (pc * 0x9e3779b97f4a7c15ULL) >> 48;

	for (;; h = (h + 1) & (PC_SLOTS - 1)) {
		if (pcset[h] == pc)
			return 0;
		if (!pcset[h]) {
			if (npcs >= PC_SLOTS * 3 / 4)
				return 0;
			pcset[h] = pc;
			npcs++;
			if (mod_lo && (pc < mod_lo || pc >= mod_hi))
				pcs_outside++;
			return 1;
		}
	}
}

static void kcov_begin(void)
{
	if (cover)
		__atomic_store_n(&cover[0], 0, __ATOMIC_RELAXED);
}

static int kcov_end(void)
{
	unsigned long n, i;
	int fresh = 0;

	if (!cover)
		return 0;
	n = __atomic_load_n(&cover[0], __ATOMIC_RELAXED);
	if (n > COVER_SIZE - 1)
		n = COVER_SIZE - 1;
	for (i = 0; i < n; i++)
		fresh += pc_add(cover[i + 1]);
	return fresh;
}

static void check_result(struct run *r, struct call *c, uint8_t *arg, long ret,
			 int err)
{
	const struct cmdinfo *ci = &cmds[c->cmd];
	uint32_t size = c->size;

	if (!ret) {
		bool dirty = false;

		for (uint32_t i = ci->ksize; i < size && i < PAGE; i++)
			dirty |= arg[i] != 0;
		if (size < ci->min || size > PAGE || dirty)
			FAIL("%s succeeded with size %u (min %u, struct %u, "
			     "dirty tail %d)",
			     ci->name, size, ci->min, ci->ksize, dirty);
		return;
	}
	if (!errno_ok(c->cmd, err))
		FAIL("%s failed with %s, not in its documented set", ci->name,
		     strerror(err));
}

static int exec_call(struct run *r, struct call *c)
{
	uint8_t *arg = argpage;
	long ret;
	int err, fresh;

	switch (c->kind) {
	case K_REOPEN:
		close(r->fsw);
		r->fsw = open("/dev/flowswitch", O_RDWR | O_NONBLOCK);
		while (r->nports)
			kill_id(r, r->ports[0]);
		while (r->nflows)
			kill_id(r, r->flows[0]);
		return 0;
	case K_READ:
		kcov_begin();
		ret = read(r->fsw, read_buf, c->size);
		err = errno;
		fresh = kcov_end();
		nexec++;
		if (ret < 0 && err != EAGAIN && err != EINVAL && err != EINTR)
			FAIL("read %u: %s", c->size, strerror(err));
		if (ret > 0 && ret % sizeof(struct flowswitch_event))
			FAIL("read %u gave %ld bytes", c->size, ret);
		return fresh;
	case K_RAW:
		memcpy(arg, c->arg, 256);
		kcov_begin();
		ret = ioctl(r->fsw, c->raw, arg);
		err = errno;
		fresh = kcov_end();
		nexec++;
		if (!is_valid_nr(c->raw) && !vfs_type(c->raw) &&
		    (ret != -1 || err != ENOTTY))
			FAIL("ioctl 0x%08x: %ld (%s), want ENOTTY", c->raw, ret,
			     ret ? strerror(err) : "success");
		return fresh;
	}

	/* K_IOCTL: the struct, its size and resources patched in. */
	memcpy(scratch, c->arg, sizeof(scratch));
	memcpy(aux_buf, c->aux, sizeof(aux_buf));
	memcpy(nest_buf, c->nest, sizeof(nest_buf));
	arg = scratch;
	*(uint32_t *)arg = c->size;
	switch (c->cmd) {
	case C_PORT: {
		struct flowswitch_port_create *pc = (void *)arg;

		if (!(pc->flags & FLOWSWITCH_PORT_PCI_BAR))
			pc->fd = resolve_fd(r, c->sel[0], pc->fd);
		break;
	}
	case C_FLOW: {
		struct flowswitch_flow_create *fc = (void *)arg;
		struct flowswitch_sink *sk = (void *)aux_buf;

		fc->src_port_id = resolve(r, c->sel[0], fc->src_port_id);
		fc->sinks_uptr = resolve_ptr(c->ptr, sk);
		memcpy(xf_buf, c->xf, sizeof(xf_buf));
		for (int i = 0; i < 2; i++)
			if (xf_buf[i].key_fd >= 0 && xf_buf[i].key_fd < NR_FDS)
				xf_buf[i].key_fd =
					resolve_fd(r, xf_buf[i].key_fd, -1);
		if (fc->nr_stages)
			fc->stages_uptr = resolve_ptr(c->ptr, xf_buf);
		for (int i = 0; i < FLOWSWITCH_MAX_SINKS + 2; i++)
			sk[i].port_id =
				resolve(r, c->sel[1 + i % 10], sk[i].port_id);
		break;
	}
	case C_CTL:
	case C_QUERY:
	case C_WAIT:
		((uint32_t *)arg)[2] =
			resolve(r, c->sel[0], ((uint32_t *)arg)[2]);
		break;
	case C_DESTROY:
		((struct flowswitch_destroy *)arg)->id = resolve(
			r, c->sel[0], ((struct flowswitch_destroy *)arg)->id);
		break;
	case C_TXN:
		((struct flowswitch_txn *)arg)->items_uptr =
			resolve_ptr(c->ptr, aux_buf);
		patch_txn(r, c, aux_buf, nest_buf);
		break;
	case C_EXPLAIN: {
		struct flowswitch_p2p_explain *e = (void *)arg;
		uint32_t *ids = (void *)aux_buf;

		e->ports_uptr = resolve_ptr(c->ptr, ids);
		e->verdicts_uptr = resolve_ptr(c->ptr == P_OK ? P_OK : rn(NR_P),
					       verdict_buf);
		for (int i = 0; i < 12; i++)
			ids[i] = resolve(r, c->sel[i], ids[i]);
		break;
	}
	}

	/* Into place; with P_GUARD its end runs into the PROT_NONE page. */
	arg = argpage;
	if (c->argptr == P_GUARD)
		arg = argpage + PAGE - (cmds[c->cmd].ksize / 2 & ~7u);
	memcpy(arg, scratch, argpage + PAGE - arg);

	kcov_begin();
	ret = ioctl(r->fsw, cmds[c->cmd].nr,
		    c->argptr == P_NULL	      ? NULL
		    : c->argptr == P_UNMAPPED ? argpage + PAGE
					      : (void *)arg);
	err = errno;
	fresh = kcov_end();
	nexec++;
	ncalls[c->cmd]++;
	nok[c->cmd] += !ret;
	if (ret && err > 0 && err < 134)
		nerr[c->cmd][err]++;
	if (c->argptr == P_NULL || c->argptr == P_UNMAPPED) {
		if (ret != -1 || err != EFAULT)
			FAIL("%s on a bad pointer: %ld (%s), want EFAULT",
			     cmds[c->cmd].name, ret,
			     ret ? strerror(err) : "success");
		return fresh;
	}
	if (c->argptr == P_GUARD) {
		/* Only the size decides whether the kernel read past. */
		if (!ret && arg + c->size > argpage + PAGE)
			FAIL("%s succeeded reading past the guard page",
			     cmds[c->cmd].name);
		if (ret && !errno_ok(c->cmd, err))
			FAIL("%s failed with %s", cmds[c->cmd].name,
			     strerror(err));
	} else {
		check_result(r, c, arg, ret, err);
	}
	if (ret)
		return fresh;

	switch (c->cmd) {
	case C_PORT:
		new_id(r, "PORT_CREATE",
		       ((struct flowswitch_port_create *)arg)->out_port_id,
		       false, ((struct flowswitch_port_create *)arg)->flags);
		break;
	case C_FLOW:
		new_id(r, "FLOW_CREATE",
		       ((struct flowswitch_flow_create *)arg)->out_flow_id,
		       true, 0);
		break;
	case C_DESTROY:
		kill_id(r, ((struct flowswitch_destroy *)arg)->id);
		break;
	case C_TXN: {
		struct flowswitch_txn *t = (void *)arg;
		struct flowswitch_txn_item *it = (void *)aux_buf;

		for (uint32_t i = 0; i < t->nr_items && i < NEST; i++) {
			if (it[i].op == FLOWSWITCH_TXN_FLOW_CREATE)
				new_id(r, "TXN flow",
				       ((struct flowswitch_flow_create *)
						nest_buf[i])
					       ->out_flow_id,
				       true, 0);
			else
				new_id(r, "TXN port",
				       ((struct flowswitch_port_create *)
						nest_buf[i])
					       ->out_port_id,
				       false,
				       ((struct flowswitch_port_create *)
						nest_buf[i])
					       ->flags);
		}
		break;
	}
	}
	return fresh;
}

/* --- the baseline --- */

struct snap {
	unsigned int flows, ports, files;
	unsigned long long pool;
};

static int observer = -1, kmsg_fd = -1;

static struct snap snap_now(void)
{
	struct flowswitch_info in = {.size = sizeof(in)};
	struct snap s = {~0u, ~0u, ~0u, ~0ull};

	if (!ioctl(observer, FLOWSWITCH_IOC_INFO, &in)) {
		s.flows = in.nr_flows;
		s.ports = in.nr_ports;
		s.files = in.nr_files;
		s.pool = in.host_pool_bytes;
	}
	return s;
}

static const char *const bad_lines[] = {
	"BUG:",
	"WARNING:",
	"UBSAN:",
	"Oops",
	"general protection fault",
	"Kernel panic",
	"kernel BUG at",
	"refcount_t:",
	"list_add corruption",
	"list_del corruption",
	"KASAN",
	"INFO: task",
};

static int kmsg_bad(void)
{
	char rec[2048];
	int bad = 0;

	if (kmsg_fd < 0)
		return 0;
	for (;;) {
		ssize_t r = read(kmsg_fd, rec, sizeof(rec) - 1);

		if (r < 0 && errno == EPIPE)
			continue;
		if (r <= 0)
			break;
		rec[r] = 0;
		for (size_t i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]);
		     i++)
			if (strstr(rec, bad_lines[i])) {
				fprintf(stderr, "kernel log: %s", rec);
				bad++;
				break;
			}
	}
	return bad;
}

static void run_seq(struct seq *s, struct snap *base)
{
	struct run r = {.fsw = open("/dev/flowswitch", O_RDWR | O_NONBLOCK)};
	struct snap now;
	int fresh = 0, fails = t_failures;

	for (int i = 0; i < s->n; i++)
		fresh += exec_call(&r, &s->c[i]);
	close(r.fsw);
	nseq++;
	now = snap_now();
	if (now.flows != base->flows || now.ports != base->ports ||
	    now.files != base->files || now.pool != base->pool)
		FAIL("after the sequence: flows %u ports %u files %u pool "
		     "%llu, "
		     "started with %u %u %u %llu",
		     now.flows, now.ports, now.files, now.pool, base->flows,
		     base->ports, base->files, base->pool);
	if (kmsg_bad())
		FAIL("sanitizer lines after sequence %lu", nseq);
	if (t_failures != fails) {
		/* The sequence, for a reproducer. */
		for (int i = 0; i < s->n; i++)
			fprintf(stderr,
				"  call %d: kind %u cmd %s size %u raw 0x%x "
				"ptr %u/%u\n",
				i, s->c[i].kind, cmds[s->c[i].cmd].name,
				s->c[i].size, s->c[i].raw, s->c[i].argptr,
				s->c[i].ptr);
		nfail++;
	}
	if (fresh) {
		struct seq *keep;

		if (corpus_n < CORPUS_MAX) {
			keep = malloc(sizeof(*keep));
			if (!keep)
				return;
			corpus[corpus_n++] = keep;
		} else {
			keep = corpus[rn(CORPUS_MAX)];
		}
		memcpy(keep, s, sizeof(*keep));
	}
}

/* --- setup --- */

static void on_alarm(int sig)
{
	(void)sig;
}

static void module_range(void)
{
	FILE *f = fopen("/proc/modules", "r");
	char name[64];
	unsigned long size, addr;
	char line[512];

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lu %*s %*s %*s %lx", name, &size,
			   &addr) == 3 &&
		    !strcmp(name, "flowswitch") && addr) {
			mod_lo = addr;
			mod_hi = addr + size;
		}
	if (f)
		fclose(f);
}

static int write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static void read_str(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t r = fd < 0 ? -1 : read(fd, buf, len - 1);

	buf[r > 0 ? r : 0] = 0;
	buf[strcspn(buf, "\n")] = 0;
	if (fd >= 0)
		close(fd);
}

#define PARAM "/sys/module/flowswitch/parameters/"

static int setup_fds(void)
{
	const char *a = nvme_by_serial("fswA"), *b = nvme_by_serial("fswB");
	const char *cdev = nvme_by_serial("fswC");
	int p[2], sv[2];
	char name[64];

	/* Files in a tmpfs of its own: no flow fills the guest's memory. */
	mkdir(FZ_DIR, 0700);
	if (mount("fz", FZ_DIR, "tmpfs", 0, "size=8m"))
		fprintf(stderr, "mount %s: %m (going on in /tmp)\n", FZ_DIR);
	fds[FD_F0] = open(FZ_DIR "/f0", O_RDWR | O_CREAT | O_TRUNC, 0600);
	fds[FD_F1] = open(FZ_DIR "/f1", O_RDWR | O_CREAT | O_TRUNC, 0600);
	fds[FD_F0_RO] = open(FZ_DIR "/f0", O_RDONLY);
	fds[FD_APPEND] = open(FZ_DIR "/f1", O_WRONLY | O_APPEND);
	if (fds[FD_F0] < 0 || ftruncate(fds[FD_F0], 1 * MiB) ||
	    ftruncate(fds[FD_F1], 256 * KiB))
		return -1;
	/* The disks only ever read: B's regions belong to other tests. */
	fds[FD_A] = a ? open(a, O_RDONLY) : -1;
	fds[FD_B] = b ? open(b, O_RDONLY) : -1;
	fds[FD_C] = cdev ? open(cdev, O_RDONLY) : -1;
	if (pipe(p) || socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -1;
	fds[FD_PIPE_R] = p[0];
	fds[FD_PIPE_W] = p[1];
	fds[FD_SOCK] = sv[0];
	fds[FD_NULL] = open("/dev/null", O_RDWR);
	fds[FD_DIR] = open("/tmp", O_RDONLY | O_DIRECTORY);
	fds[FD_KEY] = open(FZ_DIR "/key", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fds[FD_KEY] < 0 || pwrite(fds[FD_KEY],
				      "0123456789abcdef0123456789abcdef"
				      "0123456789abcdef0123456789abcdef",
				      64, 0) != 64)
		return -1;
	fds[FD_NEG] = -1;
	fds[FD_CLOSED] = 999;
	if (a && (pcis[nr_pcis] = pci_of_nvme(a, name, sizeof(name))))
		nr_pcis++;
	if (b && (pcis[nr_pcis] = pci_of_nvme(b, name, sizeof(name))))
		nr_pcis++;
	if (find_ivshmem(name, sizeof(name)))
		pcis[nr_pcis++] = pci_addr_of(name);
	return 0;
}

static void setup_kcov(void)
{
	kcov_fd = open("/sys/kernel/debug/kcov", O_RDWR);
	if (kcov_fd < 0)
		return;
	if (ioctl(kcov_fd, KCOV_INIT_TRACE, COVER_SIZE))
		goto fail;
	cover = mmap(NULL, COVER_SIZE * sizeof(unsigned long),
		     PROT_READ | PROT_WRITE, MAP_SHARED, kcov_fd, 0);
	if (cover == MAP_FAILED)
		goto fail;
	if (ioctl(kcov_fd, KCOV_ENABLE, KCOV_TRACE_PC)) {
		munmap(cover, COVER_SIZE * sizeof(unsigned long));
		goto fail;
	}
	return;
fail:
	fprintf(stderr, "kcov: %m: fuzzing without coverage\n");
	cover = NULL;
	close(kcov_fd);
	kcov_fd = -1;
}

int main(void)
{
	const char *e = getenv("FSW_FUZZ_SECS");
	char old_fd_cap[32] = "", old_cap[32] = "";
	struct itimerval it = {{0, 50000}, {0, 50000}};
	struct sigaction sa = {.sa_handler = on_alarm};
	struct timespec t0, now;
	struct snap base;
	double secs, el;
	struct seq cur;

	rng = getenv("FSW_FUZZ_SEED")
		      ? strtoull(getenv("FSW_FUZZ_SEED"), NULL, 0)
		      : (uint64_t)time(NULL) * 2654435761u ^ getpid();
	rng |= 1;
	printf("fuzz-ioctl: seed 0x%llx\n", (unsigned long long)rng);

	observer = fsw_open(NULL);
	argpage = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pcset = calloc(PC_SLOTS, sizeof(*pcset));
	if (observer < 0 || argpage == MAP_FAILED || !pcset ||
	    mprotect(argpage + PAGE, PAGE, PROT_NONE) || setup_fds()) {
		fprintf(stderr, "setup: %m\n");
		return T_FAIL;
	}
	setup_kcov();
	module_range();
	secs = e ? atof(e) : (cover ? 20 : 5);
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (kmsg_fd >= 0)
		lseek(kmsg_fd, 0, SEEK_END);

	/* Small pool caps: a fuzzed flow never takes the guest's memory. */
	read_str(PARAM "pool_max_per_fd_mb", old_fd_cap, sizeof(old_fd_cap));
	read_str(PARAM "pool_max_mb", old_cap, sizeof(old_cap));
	write_str(PARAM "pool_max_per_fd_mb", "16");
	write_str(PARAM "pool_max_mb", "32");

	/* Blocking calls (FLOW_WAIT without a timeout) end with EINTR. */
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);

	seed_corpus();
	base = snap_now();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		if (corpus_n && chance(70)) {
			memcpy(&cur, corpus[rn(corpus_n)], sizeof(cur));
			mutate(&cur);
		} else {
			gen_seq(&cur);
		}
		run_seq(&cur, &base);
		clock_gettime(CLOCK_MONOTONIC, &now);
		el = now.tv_sec - t0.tv_sec + (now.tv_nsec - t0.tv_nsec) / 1e9;
	} while (el < secs && nfail < 5);

	setitimer(ITIMER_REAL, &(struct itimerval){}, NULL);
	if (old_fd_cap[0])
		write_str(PARAM "pool_max_per_fd_mb", old_fd_cap);
	if (old_cap[0])
		write_str(PARAM "pool_max_mb", old_cap);
	if (cover)
		ioctl(kcov_fd, KCOV_DISABLE, 0);

	printf("fuzz-ioctl: %lu execs, %lu sequences, %lu distinct PCs (%.0f "
	       "execs/s, corpus %d, %s)\n",
	       nexec, nseq, npcs, nexec / el, corpus_n,
	       cover ? "kcov" : "no kcov: random only");
	printf("FIGURE t-fuzz-ioctl execs=%lu sequences=%lu pcs=%lu "
	       "secs=%.1f\n",
	       nexec, nseq, npcs, el);
	for (int i = 0; i < NR_CMDS; i++) {
		printf("fuzz-ioctl: %-12s %6lu calls, %5lu succeeded;",
		       cmds[i].name, ncalls[i], nok[i]);
		for (int en = 1; en < 134; en++)
			if (nerr[i][en])
				printf(" %s %lu", strerrorname_np(en),
				       nerr[i][en]);
		printf("\n");
	}
	if (cover) {
		char text[32] = "?";

		read_str("/sys/module/flowswitch/sections/.text", text,
			 sizeof(text));
		printf("fuzz-ioctl: .text at %s\n", text);
		printf("fuzz-ioctl: module text 0x%lx-0x%lx, %lu PCs outside\n",
		       mod_lo, mod_hi, pcs_outside);
		if (!mod_lo)
			FAIL("flowswitch's address not in /proc/modules");
		if (pcs_outside)
			FAIL("%lu PCs outside flowswitch.ko", pcs_outside);
		if (!npcs)
			FAIL("KCOV on, yet no PC of the module seen");
	}
	close(observer);
	umount(FZ_DIR);
	return t_result();
}
