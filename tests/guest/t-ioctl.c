// SPDX-License-Identifier: GPL-2.0
/*
 * Every way the dispatcher refuses a command, through the real ioctl():
 * short size, non-zero tail, oversize, unknown flags and reserved bits,
 * unknown numbers, bad pointers.  A refused call writes nothing back, and
 * the file stays usable afterwards.
 */
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <termios.h>
#include <unistd.h>

#include "flowswitch.h"
#include "guest.h"

#define PAGE 4096

/* INFO on @buf; on failure the buffer must come back untouched. */
static void refused(int fd, unsigned long nr, void *buf, size_t len, int err)
{
	unsigned char before[2 * PAGE];

	memcpy(before, buf, len);
	CHECK_ERR(ioctl(fd, nr, buf), err);
	CHECK(!memcmp(before, buf, len), "refused call wrote to the buffer");
}

int main(void)
{
	struct flowswitch_info info;
	unsigned char *map, *page_end;
	struct {
		struct flowswitch_info info;
		uint64_t tail[2];
	} big;
	int fd;

	fd = fsw_open(NULL);
	if (fd < 0) {
		fprintf(stderr, "open: %s\n", strerror(-fd));
		return T_FAIL;
	}

	/* Sizes. */
	memset(&info, 0, sizeof(info));
	refused(fd, FLOWSWITCH_IOC_INFO, &info, sizeof(info), EINVAL);
	info.size = offsetofend(struct flowswitch_info, __reserved) - 1;
	refused(fd, FLOWSWITCH_IOC_INFO, &info, sizeof(info), EINVAL);

	/* A caller built against ABI 1.0 gets its 24 bytes and no more. */
	memset(&info, 0xee, sizeof(info));
	info.size = offsetofend(struct flowswitch_info, __reserved);
	info.flags = 0;
	info.__reserved = 0;
	CHECK(ioctl(fd, FLOWSWITCH_IOC_INFO, &info) == 0, "1.0 caller: %s",
	      strerror(errno));
	CHECK(info.abi_major == FLOWSWITCH_ABI_MAJOR, "1.0 caller's abi");
	CHECK(info.host_pool_bytes == 0xeeeeeeeeeeeeeeeeULL &&
		      info.nr_files == 0xeeeeeeee,
	      "wrote past the 1.0 struct");
	memset(&big, 0, sizeof(big));
	big.info.size = sizeof(big);
	big.tail[1] = 1;
	refused(fd, FLOWSWITCH_IOC_INFO, &big, sizeof(big), E2BIG);
	big.tail[1] = 0;
	CHECK(ioctl(fd, FLOWSWITCH_IOC_INFO, &big) == 0, "zero tail: %s",
	      strerror(errno));
	CHECK(big.info.abi_major == FLOWSWITCH_ABI_MAJOR && !big.tail[0] &&
		      !big.tail[1],
	      "zero-tail result");

	map = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		perror("mmap");
		return T_FAIL;
	}
	/* Larger than any struct will ever be, even with a zero tail. */
	((struct flowswitch_info *)map)->size = PAGE + 8;
	refused(fd, FLOWSWITCH_IOC_INFO, map, 2 * PAGE, E2BIG);

	/* A struct that runs into an unmapped page. */
	munmap(map + 2 * PAGE, PAGE);
	page_end = map + 2 * PAGE - 8;
	memset(page_end, 0, 8);
	((struct flowswitch_info *)page_end)->size = sizeof(info);
	CHECK_ERR(ioctl(fd, FLOWSWITCH_IOC_INFO, page_end), EFAULT);
	CHECK_ERR(ioctl(fd, FLOWSWITCH_IOC_INFO, NULL), EFAULT);
	CHECK_ERR(ioctl(fd, FLOWSWITCH_IOC_INFO, map + 2 * PAGE), EFAULT);

	/* Flags and reserved fields. */
	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	info.flags = 1;
	refused(fd, FLOWSWITCH_IOC_INFO, &info, sizeof(info), EINVAL);
	info.flags = 1u << 31;
	refused(fd, FLOWSWITCH_IOC_INFO, &info, sizeof(info), EINVAL);
	info.flags = 0;
	info.__reserved = 1;
	refused(fd, FLOWSWITCH_IOC_INFO, &info, sizeof(info), EINVAL);

	/* Numbers this module does not know. */
	info.__reserved = 0;
	refused(fd, _IO(FLOWSWITCH_TYPE, FLOWSWITCH_CMD_BASE - 1), &info,
		sizeof(info), ENOTTY);
	refused(fd, _IO(FLOWSWITCH_TYPE, 0xff), &info, sizeof(info), ENOTTY);
	refused(fd, _IO(FLOWSWITCH_TYPE + 1, FLOWSWITCH_CMD_INFO), &info,
		sizeof(info), ENOTTY);
	refused(fd, _IOWR(FLOWSWITCH_TYPE, FLOWSWITCH_CMD_INFO,
			  struct flowswitch_info),
		&info, sizeof(info), ENOTTY);
	refused(fd, TCGETS, &info, sizeof(info), ENOTTY);

	/* Nothing above broke the file. */
	CHECK(fsw_info(fd, &info) == 0, "INFO after refusals");
	CHECK(info.abi_major == FLOWSWITCH_ABI_MAJOR, "abi %u",
	      info.abi_major);
	CHECK(info.nr_files >= 1, "nr_files %u", info.nr_files);

	munmap(map, 2 * PAGE);
	close(fd);
	return t_result();
}
