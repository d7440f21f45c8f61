// SPDX-License-Identifier: GPL-2.0
/*
 * The example app of docs/custom-app.md (examples/flowswitch-copy.c, in
 * the guest as /bin/flowswitch-copy) copies 4 MiB of NVMe A to NVMe B
 * in 512 KiB chunks: it must print its events up to "done", report the
 * bytes and chunks, exit 0, and B must hold A's bytes.  Uses 360 to
 * 364 MiB of A and B.
 */
#include <sys/wait.h>

#include "flowtest.h"

#define OFF (360 * MiB)
#define LEN (4 * MiB)

static char out_buf[16384];

int main(void)
{
	const char *a = nvme_by_serial("fswA"), *b = nvme_by_serial("fswB");
	char off[32], len[32], want[96];
	int fd, status, o;
	int64_t bad;
	ssize_t n;
	pid_t pid;

	if (access("/bin/flowswitch-copy", X_OK)) {
		fprintf(stderr, "no /bin/flowswitch-copy\n");
		return T_FAIL;
	}
	if (!a || !b)
		return T_FAIL;
	fd = open(a, O_RDWR);
	CHECK(fd >= 0 && !pattern_write(fd, OFF, OFF, LEN, 0xe8a), "fill A");
	close(fd);
	fd = open(b, O_RDWR);
	CHECK(fd >= 0 && !fill_byte(fd, OFF, LEN, 0), "clear B");
	close(fd);

	snprintf(off, sizeof(off), "%llu", (unsigned long long)OFF);
	snprintf(len, sizeof(len), "%llu", (unsigned long long)LEN);
	pid = fork();
	if (!pid) {
		o = open("/tmp/example.out", O_WRONLY | O_CREAT | O_TRUNC,
			 0644);
		if (o < 0 || dup2(o, 1) < 0 || dup2(o, 2) < 0)
			_exit(127);
		execl("/bin/flowswitch-copy", "flowswitch-copy", "--chunk",
		      "512K", a, off, b, off, len, (char *)NULL);
		_exit(127);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		      WEXITSTATUS(status) == 0,
	      "flowswitch-copy: status %x", status);
	fd = open("/tmp/example.out", O_RDONLY);
	n = fd < 0 ? 0 : read(fd, out_buf, sizeof(out_buf) - 1);
	out_buf[n > 0 ? n : 0] = 0;
	close(fd);
	printf("%s", out_buf);
	CHECK(strstr(out_buf, " running, 0 bytes done") &&
		      strstr(out_buf, " done, 4194304 bytes done"),
	      "events not followed");
	snprintf(want, sizeof(want), "copied %llu bytes in %llu chunks",
		 (unsigned long long)LEN,
		 (unsigned long long)(LEN / (512 * KiB)));
	CHECK(strstr(out_buf, want), "no '%s'", want);

	fd = open(b, O_RDONLY);
	bad = pattern_check(fd, OFF, OFF, LEN, 0xe8a);
	CHECK(bad < 0, "B differs at %lld", (long long)bad);
	close(fd);
	return t_result();
}
