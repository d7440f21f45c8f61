// SPDX-License-Identifier: GPL-2.0
/*
 * The module cannot be unloaded while a file of it is open, nor while that
 * file's flows run: the file operations' owner reference holds it.  The
 * refused unload leaves the running flow alone.
 *
 * FSW_RMMOD_ITERS (default 1) unload attempts while the flow runs, the
 * flow restarted as often as it ends first.  Prints "FIGURE t-rmmod-busy
 * attempts=N flows=F".
 */
#include <sys/syscall.h>

#include "flowtest.h"

int main(void)
{
	const char *a = nvme_by_serial("fswA"), *b = nvme_by_serial("fswB");
	struct flowswitch_sink sink = { .offset = 160 * MiB };
	struct flowswitch_flow_create fc = {
		.src_offset = 160 * MiB,
		.length = 16 * MiB,
		.chunk_size = 256 * KiB,
		.depth = 4,
		.rate_bps = 32 * MiB,
		.nr_sinks = 1,
		.sinks_uptr = (uintptr_t)&sink,
	};
	const char *env = getenv("FSW_RMMOD_ITERS");
	int i, iters = env && atoi(env) > 0 ? atoi(env) : 1, flows = 1;
	unsigned int state;
	int fd, id;

	fd = fsw_open(NULL);
	if (fd < 0 || !a || !b) {
		perror("open");
		return T_FAIL;
	}
	CHECK_ERR(syscall(SYS_delete_module, "flowswitch", O_NONBLOCK),
		  EWOULDBLOCK);

	fc.src_port_id = port_on(fd, a, O_RDONLY, FLOWSWITCH_PORT_READ);
	sink.port_id = port_on(fd, b, O_WRONLY, FLOWSWITCH_PORT_WRITE);
	id = fsw_flow_create(fd, &fc);
	CHECK(id > 0 && !fsw_flow_ctl(fd, id, FLOWSWITCH_FLOW_START),
	      "start: %s", strerror(-id));
	for (i = 0; i < iters; i++) {
		struct flowswitch_flow_query q = {0};

		CHECK_ERR(syscall(SYS_delete_module, "flowswitch", O_NONBLOCK),
			  EWOULDBLOCK);
		/* Done already: a new one, so the next attempt has a flow. */
		if (i + 1 < iters && !fsw_flow_query(fd, id, &q) &&
		    q.state == FLOWSWITCH_FLOW_DONE) {
			CHECK(!fsw_destroy(fd, id), "destroy");
			id = fsw_flow_create(fd, &fc);
			CHECK(id > 0 && !fsw_flow_ctl(fd, id,
						      FLOWSWITCH_FLOW_START),
			      "restart: %s", strerror(-id));
			flows++;
		}
	}
	CHECK(!fsw_flow_wait(fd, id, 0, &state) &&
		      state == FLOWSWITCH_FLOW_DONE,
	      "flow after the refused unload: %s", fsw_state_name(state));
	CHECK(access("/dev/flowswitch", F_OK) == 0, "node vanished");
	close(fd);
	printf("FIGURE t-rmmod-busy attempts=%d flows=%d\n", iters, flows);
	return t_result();
}
