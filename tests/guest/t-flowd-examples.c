// SPDX-License-Identifier: GPL-2.0
/*
 * flowd runs the shipped examples/ (installed in the guest under
 * /usr/share/flowswitch/examples), unedited: the site's values come from
 * flowd -D, and each file is dropped into flowd's directory in turn, the
 * way an administrator would.  Every outcome is checked on the devices:
 *   nvme-clone     the whole of A onto B, through B's CMB where the kernel
 *                  has P2PDMA (zero host bytes), else the announced
 *                  fallback to host memory (the module counts it);
 *   backup-fanout  32 MiB of A to B and to an image file;
 *   file-to-nvme   an 8 MiB image file onto B at 200 MiB;
 *   p2p-required   8 MiB of A through the ivshmem BAR onto B at 212 MiB,
 *                  or, without P2PDMA, refused as a whole.
 * The clone leaves B equal to A, so t-flow-copy's region (B 255-511 MiB,
 * compared by the host after the run) stays as it left it.
 */
#include <linux/fs.h>

#include "flowdtest.h"

#define DIR "/tmp/flowd-ex"
#define EXAMPLES "/usr/share/flowswitch/examples"

static const char *dev_a, *dev_b;

static void drop_example(const char *name)
{
	char src[128], dst[128], text[8192];
	FILE *f;
	size_t n;

	snprintf(src, sizeof(src), EXAMPLES "/%s", name);
	snprintf(dst, sizeof(dst), DIR "/etc/%s", name);
	f = fopen(src, "r");
	n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
	if (f)
		fclose(f);
	text[n] = 0;
	CHECK(n > 0, "read %s", src);
	write_file(dst, text);
}

/* First offset where @a at @a_off and @b at @b_off differ, or -1. */
static int64_t compare(const char *a, uint64_t a_off, const char *b,
		       uint64_t b_off, uint64_t len)
{
	int fa = open(a, O_RDONLY), fb = open(b, O_RDONLY);
	int64_t bad = -1;
	uint64_t done = 0;

	if (fa < 0 || fb < 0) {
		bad = 0;
		goto out;
	}
	/* What the devices hold, not what the page cache remembers. */
	ioctl(fa, BLKFLSBUF, 0);
	ioctl(fb, BLKFLSBUF, 0);
	posix_fadvise(fa, 0, 0, POSIX_FADV_DONTNEED);
	while (done < len && bad < 0) {
		size_t n = len - done < IO_BUF ? len - done : IO_BUF;

		if (pread(fa, io_buf, n, a_off + done) != (ssize_t)n ||
		    pread(fb, want_buf, n, b_off + done) != (ssize_t)n ||
		    memcmp(io_buf, want_buf, n))
			bad = done;
		done += n;
	}
out:
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return bad;
}

static uint64_t size_of(const char *dev)
{
	uint64_t sz = 0;
	int fd = open(dev, O_RDONLY);

	if (fd >= 0) {
		ioctl(fd, BLKGETSIZE64, &sz);
		close(fd);
	}
	return sz;
}

int main(void)
{
	struct flowswitch_info before, after;
	char ivshmem[64] = "", arg[16][128];
	const char *extra[40];
	struct fl f;
	uint64_t disk, refusals;
	bool p2p;
	struct stat sb;
	int i, n = 0, na = 0, fd, st;
	pid_t pid;

	for (i = 0; i < 50 && !nvme_by_serial("fswB"); i++)
		usleep(100000);
	dev_a = nvme_by_serial("fswA");
	dev_b = nvme_by_serial("fswB");
	if (!dev_a || !dev_b || access("/bin/flowd", X_OK) ||
	    access(EXAMPLES "/nvme-clone.flow", R_OK)) {
		fprintf(stderr, "need fswA, fswB, flowd and the examples\n");
		return T_SKIP;
	}
	CHECK(!info_now(&before), "info");
	p2p = before.features & FLOWSWITCH_FEATURE_P2PDMA;
	if (p2p) {
		CHECK(find_ivshmem(ivshmem, sizeof(ivshmem)), "ivshmem");
		CHECK(!bind_provider(ivshmem), "bind %s", ivshmem);
	}
	disk = size_of(dev_a);
	CHECK(disk >= 256 * MiB && disk == size_of(dev_b), "disk sizes");

	fd_dir = DIR;
	mkdir(DIR, 0755);
	mkdir(DIR "/etc", 0755);
	unlink(DIR "/state.json");
	write_file(DIR "/flowd.conf", "allow /dev/nvme*\nallow " DIR "/*\n");
	fd = open(DIR "/base.img", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && !pattern_write(fd, 0, 0, 8 * MiB, 61),
	      "the image to load");
	if (fd >= 0)
		close(fd);

		/* The site's values, one -D each, as a unit file's ExecStart has. */
#define D(fmt, ...)                                                    \
	do {                                                           \
		snprintf(arg[na], sizeof(arg[0]), fmt, ##__VA_ARGS__); \
		extra[n++] = "-D";                                     \
		extra[n++] = arg[na++];                                \
	} while (0)
	D("source=\"%s\"", dev_a);
	D("target=\"%s\"", dev_b);
	D("db_disk=\"%s\"", dev_a);
	D("mirror_disk=\"%s\"", dev_b);
	D("image_path=\"%s\"", DIR "/db.img");
	D("image_direct=false"); /* tmpfs has no O_DIRECT before 6.6 */
	D("backup_span=32MiB");
	D("image_file=\"%s\"", DIR "/base.img");
	D("load_disk=\"%s\"", dev_b);
	D("load_at=200MiB");
	D("accel=\"%s\"", ivshmem[0] ? ivshmem : "0000:00:00.0");
	D("stage_in=\"%s\"", dev_a);
	D("stage_out=\"%s\"", dev_b);
	D("stage_span=8MiB");
	D("stage_at=212MiB");
#undef D
	extra[n] = NULL;
	pid = start_flowd(extra);

	/* nvme-clone: all of A, p2p or the fallback it announces. */
	drop_example("nvme-clone.flow");
	CHECK(WAIT_FOR("clone", f, !strcmp(f.state, "done") || f.outcome[0],
		       100),
	      "clone done (state %s, %s)", f.state, f.outcome);
	CHECK(f.bytes == disk, "clone moved %llu of %llu",
	      (unsigned long long)f.bytes, (unsigned long long)disk);
	CHECK(!info_now(&after), "info");
	if (p2p) {
		CHECK(after.p2p_bytes - before.p2p_bytes >= disk &&
			      after.host_bytes == before.host_bytes,
		      "clone through the CMB: %llu p2p, %llu host bytes",
		      (unsigned long long)(after.p2p_bytes - before.p2p_bytes),
		      (unsigned long long)(after.host_bytes -
					   before.host_bytes));
	} else {
		CHECK(after.p2p_fallbacks > before.p2p_fallbacks &&
			      after.host_bytes > before.host_bytes,
		      "clone fell back to host memory (%u fallbacks)",
		      after.p2p_fallbacks - before.p2p_fallbacks);
	}
	CHECK(compare(dev_a, 0, dev_b, 0, disk) < 0, "B equals A");

	/* backup-fanout: 32 MiB of A to B and to an image file. */
	drop_example("backup-fanout.flow");
	CHECK(WAIT_FOR("backup", f, !strcmp(f.state, "done") || f.outcome[0],
		       30),
	      "backup done (state %s, %s)", f.state, f.outcome);
	CHECK(f.bytes == 32 * MiB, "backup moved %llu",
	      (unsigned long long)f.bytes);
	CHECK(compare(dev_a, 0, DIR "/db.img", 0, 32 * MiB) < 0 &&
		      !stat(DIR "/db.img", &sb) && sb.st_size == 32 * MiB,
	      "the image holds A's first 32 MiB");
	CHECK(compare(dev_a, 0, dev_b, 0, 32 * MiB) < 0, "the mirror too");

	/* file-to-nvme: the image onto B at 200 MiB. */
	drop_example("file-to-nvme.flow");
	CHECK(WAIT_FOR("load", f, !strcmp(f.state, "done") || f.outcome[0], 30),
	      "load done (state %s, %s)", f.state, f.outcome);
	CHECK(f.bytes == 8 * MiB, "load moved %llu",
	      (unsigned long long)f.bytes);
	fd = open(dev_b, O_RDONLY);
	CHECK(fd >= 0 && pattern_check(fd, 200 * MiB, 0, 8 * MiB, 61) < 0,
	      "B at 200 MiB holds the image");
	if (fd >= 0)
		close(fd);

	/* p2p-required: through the BAR, or refused as a whole. */
	CHECK(!info_now(&before), "info");
	refusals = stat_of("refusals");
	drop_example("p2p-required.flow");
	if (p2p) {
		CHECK(WAIT_FOR("stage", f,
			       !strcmp(f.state, "done") || f.outcome[0], 60),
		      "stage done (state %s, %s)", f.state, f.outcome);
		CHECK(f.bytes == 8 * MiB, "stage moved %llu",
		      (unsigned long long)f.bytes);
		CHECK(!info_now(&after), "info");
		CHECK(after.p2p_bytes > before.p2p_bytes &&
			      after.host_bytes == before.host_bytes,
		      "stage through the BAR, no host bytes");
		CHECK(compare(dev_a, 0, dev_b, 212 * MiB, 8 * MiB) < 0,
		      "B at 212 MiB holds A's first 8 MiB");
	} else {
		for (i = 0; i < 100 && stat_of("refusals") == refusals; i++)
			usleep(100000);
		CHECK(stat_of("refusals") == refusals + 1,
		      "p2p-required refused without P2PDMA");
		get_flow("stage", &f);
		CHECK(f.count == 0, "and nothing of it runs");
	}

	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && !WEXITSTATUS(st), "flowd exits 0 on SIGTERM");
	if (ivshmem[0])
		write_sysfs("/sys/bus/pci/drivers/flowswitch_bar/unbind",
			    ivshmem);
	if (t_failures)
		show_flowd_log();
	return t_result();
}
