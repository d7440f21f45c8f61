/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the data-plane guest tests: finding the emulated devices,
 * writing and checking position-dependent patterns, running one flow.
 */
#ifndef FSW_FLOWTEST_H
#define FSW_FLOWTEST_H

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "flowswitch.h"
#include "guest.h"

#define KiB (1ULL << 10)
#define MiB (1ULL << 20)

/* /dev/nvmeXn1 of the controller whose serial is @serial, or NULL. */
static inline const char *nvme_by_serial(const char *serial)
{
	static char path[8][64];
	static int next;
	struct dirent *de;
	char buf[128], sn[64];
	DIR *d = opendir("/sys/block");
	char *res = NULL;

	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		FILE *f;

		if (strncmp(de->d_name, "nvme", 4))
			continue;
		snprintf(buf, sizeof(buf), "/sys/block/%.32s/device/serial",
			 de->d_name);
		f = fopen(buf, "r");
		if (!f)
			continue;
		if (fscanf(f, "%63s", sn) == 1 && !strcmp(sn, serial)) {
			res = path[next++ % 8];
			snprintf(res, 64, "/dev/%.32s", de->d_name);
		}
		fclose(f);
		if (res)
			break;
	}
	closedir(d);
	return res;
}

/* The byte at source position @pos of pattern @seed. */
static inline uint8_t pattern_byte(uint64_t seed, uint64_t pos)
{
	uint64_t x = (pos >> 3) * 0x9e3779b97f4a7c15ULL ^ seed;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 29;
	return x >> ((pos & 7) * 8);
}

#define IO_BUF (1 << 20)

/* Write pattern @seed for positions [@pos, @pos + @len) at @off of @fd. */
static inline int pattern_write(int fd, uint64_t off, uint64_t pos,
				uint64_t len, uint64_t seed)
{
	static uint8_t buf[IO_BUF];

	while (len) {
		size_t n = len < IO_BUF ? len : IO_BUF, i;

		for (i = 0; i < n; i++)
			buf[i] = pattern_byte(seed, pos + i);
		if (pwrite(fd, buf, n, off) != (ssize_t)n)
			return -1;
		off += n;
		pos += n;
		len -= n;
	}
	return fsync(fd);
}

static inline int fill_byte(int fd, uint64_t off, uint64_t len, uint8_t b)
{
	static uint8_t buf[IO_BUF];

	memset(buf, b, sizeof(buf));
	while (len) {
		size_t n = len < IO_BUF ? len : IO_BUF;

		if (pwrite(fd, buf, n, off) != (ssize_t)n)
			return -1;
		off += n;
		len -= n;
	}
	return fsync(fd);
}

/*
 * Check @len bytes at @off of @fd against pattern @seed from @pos; with
 * @pos == UINT64_MAX, against the constant byte @seed.  Drops the block
 * device's page cache first, so what is read is what the device holds.
 * Returns the first bad offset, or -1 when all match.
 */
static inline int64_t pattern_check(int fd, uint64_t off, uint64_t pos,
				    uint64_t len, uint64_t seed)
{
	static uint8_t buf[IO_BUF];

	ioctl(fd, BLKFLSBUF, 0);
	while (len) {
		size_t n = len < IO_BUF ? len : IO_BUF, i;

		if (pread(fd, buf, n, off) != (ssize_t)n)
			return off;
		for (i = 0; i < n; i++) {
			uint8_t want = pos == UINT64_MAX ?
					       (uint8_t)seed :
					       pattern_byte(seed, pos + i);

			if (buf[i] != want)
				return off + i;
		}
		off += n;
		if (pos != UINT64_MAX)
			pos += n;
		len -= n;
	}
	return -1;
}

/* A port on a fresh descriptor of @path; -errno on failure. */
static inline int port_on(int fsw, const char *path, int oflags,
			  unsigned int pflags)
{
	struct flowswitch_port_create pc = { .flags = pflags };
	int id;

	pc.fd = open(path, oflags, 0644);
	if (pc.fd < 0)
		return -errno;
	id = fsw_port_create(fsw, &pc);
	close(pc.fd);
	return id;
}

/* Tell the host harness to compare two image files after the run. */
static inline void host_compare(const char *a, uint64_t a_off, const char *b,
				uint64_t b_off, uint64_t len)
{
	dprintf(3, "hostcmp %s %llu %s %llu %llu\n", a,
		(unsigned long long)a_off, b, (unsigned long long)b_off,
		(unsigned long long)len);
}

#endif /* FSW_FLOWTEST_H */
