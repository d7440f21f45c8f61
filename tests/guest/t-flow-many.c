// SPDX-License-Identifier: GPL-2.0
/*
 * Many flows at once: 64 flows created and started by one transaction,
 * all byte-exact; then 16 threads creating, running and destroying flows,
 * half on one shared descriptor and half on their own.  Afterwards the
 * module's counters (flows, host pool bytes) are back where they started.
 *
 * Knobs of the threads' part (the long mode, tests/reliability-report.sh,
 * runs 1000 flows x 16 threads x 100 rounds): FSW_MANY_THREADS (16),
 * FSW_MANY_ROUNDS (8), FSW_MANY_FLOWS, the flows alive at once in each
 * round, split over the threads (default: one per thread, 256 KiB each;
 * with more, each is one 4 KiB chunk, all started before any is waited
 * for).  Prints "FIGURE t-flow-many flows=F threads=T rounds=R
 * total=N failures=X secs=S".
 */
#include <pthread.h>

#include "flowtest.h"

#define NR_FLOWS 64
#define FLOW_LEN (512 * KiB)
#define THREADS 16
#define ROUNDS 8
#define MAX_THREADS 256

static const char *dev_a, *dev_b;
static int shared_fsw;
static int threads = THREADS, rounds = ROUNDS, nr_flows = THREADS;

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
	int per = nr_flows / threads + (t < nr_flows % threads);
	int r, i, src, dst, fails = 0;
	uint64_t len = per > 1 ? 4 * KiB : 256 * KiB;
	int *ids = calloc(per ? per : 1, sizeof(*ids));
	unsigned int state;

	for (r = 0; r < rounds; r++) {
		src = port_on(fsw, dev_a, O_RDONLY, FLOWSWITCH_PORT_READ);
		dst = port_on(fsw, dev_b, O_WRONLY, FLOWSWITCH_PORT_WRITE);
		for (i = 0; i < per; i++) {
			struct flowswitch_sink sink = {
				.port_id = dst,
				.offset = 128 * MiB + (t % 16) * MiB +
					  (i % 256) * len,
			};
			struct flowswitch_flow_create fc = {
				.src_port_id = src,
				.src_offset = (t % 16) * MiB + (i % 256) * len,
				.length = len,
				.chunk_size = per > 1 ? 4 * KiB : 16 * KiB,
				.depth = per > 1 ? 1 : 8,
				.nr_sinks = 1,
				.sinks_uptr = (uintptr_t)&sink,
			};

			ids[i] = fsw_flow_create(fsw, &fc);
			if (ids[i] < 0 ||
			    fsw_flow_ctl(fsw, ids[i], FLOWSWITCH_FLOW_START))
				fails++;
		}
		for (i = 0; i < per; i++)
			if (ids[i] < 0 ||
			    fsw_flow_wait(fsw, ids[i], 0, &state) ||
			    state != FLOWSWITCH_FLOW_DONE)
				fails++;
		/* Every other round leaves the flows to the close below. */
		if (r % 2 || t % 2 == 0) {
			for (i = 0; i < per; i++)
				fails += ids[i] > 0 &&
					 !!fsw_destroy(fsw, ids[i]);
			fails += !!fsw_destroy(fsw, src);
			fails += !!fsw_destroy(fsw, dst);
		}
	}
	if (t % 2)
		close(fsw);
	free(ids);
	return (void *)(long)fails;
}

static void test_threads(void)
{
	pthread_t th[MAX_THREADS];
	struct timespec t0, t1;
	long t, fails = 0;
	void *res;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	shared_fsw = fsw_open(NULL);
	for (t = 0; t < threads; t++)
		pthread_create(&th[t], NULL, worker, (void *)t);
	for (t = 0; t < threads; t++) {
		pthread_join(th[t], &res);
		fails += (long)res;
	}
	close(shared_fsw);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK(!fails, "%ld failed operations in the threads", fails);
	printf("threads: %d threads x %d rounds, %d flows a round, %ld "
	       "failures\n",
	       threads, rounds, nr_flows, fails);
	printf("FIGURE t-flow-many flows=%d threads=%d rounds=%d total=%ld "
	       "failures=%ld secs=%.1f\n",
	       nr_flows, threads, rounds, (long)nr_flows * rounds, fails,
	       t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9);
}

int main(void)
{
	struct flowswitch_info before;

	if (getenv("FSW_MANY_THREADS"))
		threads = atoi(getenv("FSW_MANY_THREADS"));
	if (threads < 1 || threads > MAX_THREADS)
		threads = THREADS;
	nr_flows = threads;
	if (getenv("FSW_MANY_ROUNDS"))
		rounds = atoi(getenv("FSW_MANY_ROUNDS"));
	if (getenv("FSW_MANY_FLOWS"))
		nr_flows = atoi(getenv("FSW_MANY_FLOWS"));
	dev_a = nvme_by_serial("fswA");
	dev_b = nvme_by_serial("fswB");
	if (!dev_a || !dev_b || info_now(&before))
		return T_FAIL;
	test_txn64();
	test_threads();
	check_baseline(&before);
	return t_result();
}
