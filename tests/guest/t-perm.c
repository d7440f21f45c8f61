// SPDX-License-Identifier: GPL-2.0
/*
 * Who may open /dev/flowswitch: root with CAP_SYS_RAWIO.  Root without it
 * gets EPERM from the module's own check (the node's mode would let it in);
 * another user gets EACCES from the node's 0600 mode.
 */
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

/* Runs @fn in a child; returns the errno its open() failed with, or 0. */
static int open_errno_in_child(int (*fn)(void))
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		int fd, err = fn();

		if (err)
			_exit(200);
		fd = open("/dev/flowswitch", O_RDWR);
		_exit(fd >= 0 ? 0 : errno);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int drop_rawio(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[CAP_SYS_RAWIO / 32].effective &= ~(1u << (CAP_SYS_RAWIO % 32));
	data[CAP_SYS_RAWIO / 32].permitted &= ~(1u << (CAP_SYS_RAWIO % 32));
	return syscall(SYS_capset, &hdr, data) ? -1 : 0;
}

static int become_nobody(void)
{
	return setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534);
}

static int stay_root(void)
{
	return 0;
}

int main(void)
{
	int err;

	err = open_errno_in_child(stay_root);
	CHECK(err == 0, "root: %s", strerror(err));
	err = open_errno_in_child(drop_rawio);
	CHECK(err == EPERM, "root without CAP_SYS_RAWIO: %s",
	      err ? strerror(err) : "opened");
	err = open_errno_in_child(become_nobody);
	CHECK(err == EACCES, "uid 65534: %s", err ? strerror(err) : "opened");
	return t_result();
}
