// SPDX-License-Identifier: GPL-2.0
/*
 * Many flows at once: 64 flows created and started by one transaction,
 * all byte-exact; then 16 threads creating, running and destroying flows,
 * half on one shared descriptor and half on their own.  Afterwards the
 * module's counters (flows, host pool bytes) are back where they started.
 */
#include <pthread.h>

#include "flowtest.h"

#define NR_FLOWS 64
#define FLOW_LEN (512 * KiB)
#define THREADS 16
#define ROUNDS 8

static const char *dev_a, *dev_b;
static int shared_fsw;

static void test_txn64(void)
{
	static struct flowswitch_flow_create fc[NR_FLOWS];
	static struct flowswitch_sink sinks[NR_FLOWS];
	struct flowswitch_txn_item items[NR_FLOWS + 2] = {};
	struct flowswitch_port_create src = { .size = sizeof(src) };
	struct flowswitch_port_create dst = { .size = sizeof(dst) };
	struct flowswitch_txn txn = { .size = sizeof(txn) };
	unsigned int state;
	int fsw, fd, i, ret, done = 0;
	int64_t bad;

	fd = open(dev_a, O_RDWR);
	CHECK(!pattern_write(fd, 0, 0, NR_FLOWS * FLOW_LEN, 64), "prepare");
	close(fd);
	fsw = fsw_open(NULL);
	src.flags = FLOWSWITCH_PORT_READ;
	src.fd = open(dev_a, O_RDONLY);
	dst.flags = FLOWSWITCH_PORT_WRITE;
	dst.fd = open(dev_b, O_WRONLY);
	items[0].op = items[1].op = FLOWSWITCH_TXN_PORT_CREATE;
	items[0].cmd_uptr = (uintptr_t)&src;
	items[1].cmd_uptr = (uintptr_t)&dst;
	for (i = 0; i < NR_FLOWS; i++) {
		/* The sink ranges interleave in reverse order. */
		sinks[i].port_id = FLOWSWITCH_TXN_REF(1);
		sinks[i].offset = (uint64_t)(NR_FLOWS - 1 - i) * FLOW_LEN;
		fc[i] = (struct flowswitch_flow_create){
			.size = sizeof(fc[i]),
			.src_port_id = FLOWSWITCH_TXN_REF(0),
			.nr_sinks = 1,
			.sinks_uptr = (uintptr_t)&sinks[i],
			.src_offset = (uint64_t)i * FLOW_LEN,
			.length = FLOW_LEN,
			.chunk_size = 64 * KiB,
			.depth = 4,
		};
		items[2 + i].op = FLOWSWITCH_TXN_FLOW_CREATE;
		items[2 + i].cmd_uptr = (uintptr_t)&fc[i];
	}
	txn.flags = FLOWSWITCH_TXN_START;
	txn.nr_items = NR_FLOWS + 2;
	txn.items_uptr = (uintptr_t)items;
	ret = fsw_txn(fsw, &txn);
	CHECK(!ret, "txn: %s (item %d: %s)", strerror(-ret),
	      (int)txn.out_failed_item, strerror(txn.out_failed_errno));
	for (i = 0; i < NR_FLOWS && !ret; i++) {
		CHECK(!fsw_flow_wait(fsw, fc[i].out_flow_id, 0, &state) &&
			      state == FLOWSWITCH_FLOW_DONE,
		      "flow %d: %s", i, fsw_state_name(state));
		done += state == FLOWSWITCH_FLOW_DONE;
	}
	fd = open(dev_b, O_RDONLY);
	for (i = 0; i < NR_FLOWS; i++) {
		bad = pattern_check(fd, sinks[i].offset, fc[i].src_offset,
				    FLOW_LEN, 64);
		CHECK(bad < 0, "flow %d: sink differs at %lld", i,
		      (long long)bad);
	}
	close(fd);
	printf("txn: %d of %d flows done and byte-exact\n", done, NR_FLOWS);
	close(fsw);	/* takes all 66 objects with it */
}

static void *worker(void *arg)
{
	long t = (long)arg;
	int fsw = t % 2 ? fsw_open(NULL) : shared_fsw;
	int r, src, dst, id, fails = 0;
	unsigned int state;

	for (r = 0; r < ROUNDS; r++) {
		struct flowswitch_sink sink = { .offset = 128 * MiB + t * MiB };
		struct flowswitch_flow_create fc = {
			.src_offset = t * MiB,
			.length = 256 * KiB,
			.chunk_size = 16 * KiB,
			.depth = 8,
			.nr_sinks = 1,
			.sinks_uptr = (uintptr_t)&sink,
		};

		src = port_on(fsw, dev_a, O_RDONLY, FLOWSWITCH_PORT_READ);
		dst = port_on(fsw, dev_b, O_WRONLY, FLOWSWITCH_PORT_WRITE);
		fc.src_port_id = src;
		sink.port_id = dst;
		id = fsw_flow_create(fsw, &fc);
		if (id < 0 || fsw_flow_ctl(fsw, id, FLOWSWITCH_FLOW_START) ||
		    fsw_flow_wait(fsw, id, 0, &state) ||
		    state != FLOWSWITCH_FLOW_DONE)
			fails++;
		/* Every other round leaves the flow to the close below. */
		if (r % 2 || t % 2 == 0) {
			fails += !!fsw_destroy(fsw, id);
			fails += !!fsw_destroy(fsw, src);
			fails += !!fsw_destroy(fsw, dst);
		}
	}
	if (t % 2)
		close(fsw);
	return (void *)(long)fails;
}

static void test_threads(void)
{
	pthread_t th[THREADS];
	long t, fails = 0;
	void *res;

	shared_fsw = fsw_open(NULL);
	for (t = 0; t < THREADS; t++)
		pthread_create(&th[t], NULL, worker, (void *)t);
	for (t = 0; t < THREADS; t++) {
		pthread_join(th[t], &res);
		fails += (long)res;
	}
	close(shared_fsw);
	CHECK(!fails, "%ld failed operations in the threads", fails);
	printf("threads: %d x %d flows, %ld failures\n", THREADS, ROUNDS,
	       fails);
}

int main(void)
{
	struct flowswitch_info before;

	dev_a = nvme_by_serial("fswA");
	dev_b = nvme_by_serial("fswB");
	if (!dev_a || !dev_b || info_now(&before))
		return T_FAIL;
	test_txn64();
	test_threads();
	check_baseline(&before);
	return t_result();
}
