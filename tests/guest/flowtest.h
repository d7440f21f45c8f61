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
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "flowswitch.h"
#include "guest.h"

#define KiB (1ULL << 10)
#define MiB (1ULL << 20)

static inline uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

static inline void msleep(unsigned int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

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

/* The 8 bytes at source positions [8 * @word, 8 * @word + 8). */
static inline uint64_t pattern_word(uint64_t seed, uint64_t word)
{
	uint64_t x = word * 0x9e3779b97f4a7c15ULL ^ seed;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 29;
	return x;
}

/* The byte at source position @pos of pattern @seed. */
static inline uint8_t pattern_byte(uint64_t seed, uint64_t pos)
{
	return pattern_word(seed, pos >> 3) >> ((pos & 7) * 8);
}

/* @n bytes of pattern @seed from position @pos; a word at a time. */
static inline void pattern_fill(uint8_t *buf, uint64_t pos, size_t n,
				uint64_t seed)
{
	size_t i = 0;

	for (; i < n && ((pos + i) & 7); i++)
		buf[i] = pattern_byte(seed, pos + i);
	for (; i + 8 <= n; i += 8) {
		uint64_t w = pattern_word(seed, (pos + i) >> 3);

		memcpy(buf + i, &w, 8); /* little endian, as pattern_byte */
	}
	for (; i < n; i++)
		buf[i] = pattern_byte(seed, pos + i);
}

#define IO_BUF (1 << 20)
static uint8_t io_buf[IO_BUF] __attribute__((aligned(4096)));
static uint8_t want_buf[IO_BUF];

/*
 * Direct I/O for aligned ranges of block devices: the page cache is slow
 * on the sanitizer kernel and would hide what the device holds.
 */
static inline int direct_on(int fd, uint64_t off, uint64_t len)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || (off | len) & 4095)
		return fl;
	if (fcntl(fd, F_SETFL, fl | O_DIRECT))
		fcntl(fd, F_SETFL, fl);
	return fl;
}

/* Write pattern @seed for positions [@pos, @pos + @len) at @off of @fd. */
static inline int pattern_write(int fd, uint64_t off, uint64_t pos,
				uint64_t len, uint64_t seed)
{
	int fl = direct_on(fd, off, len), ret;

	while (len) {
		size_t n = len < IO_BUF ? len : IO_BUF;

		pattern_fill(io_buf, pos, n, seed);
		if (pwrite(fd, io_buf, n, off) != (ssize_t)n)
			return -1;
		off += n;
		pos += n;
		len -= n;
	}
	ret = fsync(fd);
	fcntl(fd, F_SETFL, fl);
	return ret;
}

static inline int fill_byte(int fd, uint64_t off, uint64_t len, uint8_t b)
{
	int fl = direct_on(fd, off, len), ret;

	memset(io_buf, b, sizeof(io_buf));
	while (len) {
		size_t n = len < IO_BUF ? len : IO_BUF;

		if (pwrite(fd, io_buf, n, off) != (ssize_t)n)
			return -1;
		off += n;
		len -= n;
	}
	ret = fsync(fd);
	fcntl(fd, F_SETFL, fl);
	return ret;
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
	int fl = direct_on(fd, off, len);
	int64_t bad = -1;

	ioctl(fd, BLKFLSBUF, 0);
	while (len && bad < 0) {
		size_t n = len < IO_BUF ? len : IO_BUF, i;

		if (pread(fd, io_buf, n, off) != (ssize_t)n) {
			bad = off;
			break;
		}
		if (pos == UINT64_MAX)
			memset(want_buf, (uint8_t)seed, n);
		else
			pattern_fill(want_buf, pos, n, seed);
		if (memcmp(io_buf, want_buf, n))
			for (i = 0; i < n; i++)
				if (io_buf[i] != want_buf[i]) {
					bad = off + i;
					break;
				}
		off += n;
		if (pos != UINT64_MAX)
			pos += n;
		len -= n;
	}
	fcntl(fd, F_SETFL, fl);
	return bad;
}

/* A port on a fresh descriptor of @path; -errno on failure. */
static inline int port_on(int fsw, const char *path, int oflags,
			  unsigned int pflags)
{
	struct flowswitch_port_create pc = {.flags = pflags};
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

/* FLOWSWITCH_PCI_ADDR() of a sysfs name "DDDD:BB:DD.F", or 0. */
static inline unsigned int pci_addr_of(const char *name)
{
	unsigned int d, b, s, f;

	if (sscanf(name, "%x:%x:%x.%x", &d, &b, &s, &f) != 4)
		return 0;
	return FLOWSWITCH_PCI_ADDR(d, b, s, f);
}

/*
 * The PCI function under /dev/nvmeXn1: its sysfs name into @name and its
 * FLOWSWITCH_PCI_ADDR() as the result (0 when not found).
 */
static inline unsigned int pci_of_nvme(const char *dev, char *name, size_t len)
{
	char path[128], link[256], *p;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/block/%s/device/device",
		 dev + strlen("/dev/"));
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return 0;
	link[n] = 0;
	p = strrchr(link, '/');
	snprintf(name, len, "%.63s", p ? p + 1 : link);
	return pci_addr_of(name);
}

static inline int write_sysfs(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), ret;

	if (fd < 0)
		return -errno;
	ret = write(fd, val, strlen(val)) < 0 ? -errno : 0;
	close(fd);
	return ret;
}

/* The test bed's ivshmem-plain function (1af4:1110): its sysfs name. */
static inline int find_ivshmem(char *name, size_t len)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	struct dirent *de;
	int found = 0;

	while (d && (de = readdir(d))) {
		char path[300], id[16] = "";
		FILE *f;

		snprintf(path, sizeof(path),
			 "/sys/bus/pci/devices/%.200s/device", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%15s", id) == 1 && !strcmp(id, "0x1110")) {
			snprintf(name, len, "%.63s", de->d_name);
			found = 1;
		}
		fclose(f);
	}
	if (d)
		closedir(d);
	return found;
}

/* Bind PCI function @name to the flowswitch_bar provider driver. */
static inline int bind_provider(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 name);
	write_sysfs(path, "flowswitch_bar");
	write_sysfs("/sys/bus/pci/drivers_probe", name);
	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/flowswitch_bar/%s",
		 name);
	return access(path, F_OK) ? -ENODEV : 0;
}

/* The module's INFO, through a descriptor of its own. */
static inline int info_now(struct flowswitch_info *in)
{
	int fsw = fsw_open(NULL), ret;

	ret = fsw_info(fsw, in);
	close(fsw);
	return ret;
}

/* After a test: flows, host pools and open files back to @before. */
static inline void check_baseline(const struct flowswitch_info *before)
{
	struct flowswitch_info after;

	CHECK(!info_now(&after), "info");
	CHECK(after.nr_flows == before->nr_flows &&
		      after.host_pool_bytes == before->host_pool_bytes &&
		      after.nr_files == before->nr_files,
	      "counters: flows %u -> %u, pool %llu -> %llu, files %u -> %u",
	      before->nr_flows, after.nr_flows,
	      (unsigned long long)before->host_pool_bytes,
	      (unsigned long long)after.host_pool_bytes, before->nr_files,
	      after.nr_files);
}

/* Are @len bytes of @a at @a_off those of @b at @b_off? */
static inline bool same_range(const char *a, uint64_t a_off, const char *b,
			      uint64_t b_off, uint64_t len)
{
	static uint8_t x[256 << 10], y[256 << 10];
	int fa = open(a, O_RDONLY), fb = open(b, O_RDONLY);
	bool same = fa >= 0 && fb >= 0;
	uint64_t off;

	for (off = 0; same && off < len; off += sizeof(x)) {
		size_t n = len - off < sizeof(x) ? len - off : sizeof(x);

		same = pread(fa, x, n, a_off + off) == (ssize_t)n &&
		       pread(fb, y, n, b_off + off) == (ssize_t)n &&
		       !memcmp(x, y, n);
	}
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return same;
}

/* Is @path exactly @len bytes long and equal to @ref's first @len? */
static inline bool same_prefix(const char *path, const char *ref, uint64_t len)
{
	struct stat st;

	return !stat(path, &st) && (uint64_t)st.st_size == len &&
	       same_range(path, 0, ref, 0, len);
}

/* Write @text to @path and run flowctl apply --no-daemon on it: its exit. */
static inline int apply_text(const char *path, const char *text)
{
	char cmd[256];
	FILE *f = fopen(path, "w");
	int st;

	if (!f || fputs(text, f) < 0 || fclose(f))
		return -1;
	snprintf(cmd, sizeof(cmd), "/bin/flowctl apply --no-daemon %s", path);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#endif /* FSW_FLOWTEST_H */
