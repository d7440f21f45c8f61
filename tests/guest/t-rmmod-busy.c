// SPDX-License-Identifier: GPL-2.0
/*
 * The module cannot be unloaded while a file of it is open: the file
 * operations' owner reference holds it.
 */
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest.h"

int main(void)
{
	int fd = open("/dev/flowswitch", O_RDWR);

	if (fd < 0) {
		perror("open");
		return T_FAIL;
	}
	CHECK_ERR(syscall(SYS_delete_module, "flowswitch", O_NONBLOCK),
		  EWOULDBLOCK);
	CHECK(access("/dev/flowswitch", F_OK) == 0, "node vanished");
	close(fd);
	return t_result();
}
