// SPDX-License-Identifier: GPL-2.0
/*
 * flowctl apply, end to end: a .flow file that copies 4 MiB of NVMe A to
 * NVMe B and to a file in one transaction runs to the end byte-exact; a
 * file whose flow reads past the device's end is refused by the kernel
 * and reported at that flow's file:line:col, with exit 1; a flow that
 * requires A's CMB runs through it where the kernel has P2PDMA, and
 * elsewhere is refused with EXDEV and the reason.  Uses 300 to 310 MiB
 * of A and B only.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include "flowtest.h"

#define OFF (300 * MiB)
#define LEN (4 * MiB)
#define GUARD 4096
#define GOOD "/tmp/apply-good.flow"
#define BAD "/tmp/apply-bad.flow"
#define P2P "/tmp/apply-p2p.flow"
#define OUT "/tmp/apply-out"

static char out_buf[16384], err_buf[16384];

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static void slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? 0 : read(fd, buf, len - 1);

	buf[n > 0 ? n : 0] = 0;
	if (fd >= 0)
		close(fd);
}

/* Run /bin/flowctl apply --wait @file; its exit code, -1 if it did not. */
/* flowctl VERB FILE OPT (OPT may be NULL): its exit status; output kept. */
static int flowctl_run(const char *verb, const char *file, const char *opt);

static int apply(const char *file)
{
	return flowctl_run("apply", file, "--wait");
}

static int flowctl_run(const char *verb, const char *file, const char *opt)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		int o = open("/tmp/apply-stdout", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open("/tmp/apply-stderr", O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(127);
		if (!strcmp(verb, "apply"))
			execl("/bin/flowctl", "flowctl", "apply", "--no-daemon",
			      opt, file, (char *)NULL);
		else
			execl("/bin/flowctl", "flowctl", verb, file, opt,
			      (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	slurp("/tmp/apply-stdout", out_buf, sizeof(out_buf));
	slurp("/tmp/apply-stderr", err_buf, sizeof(err_buf));
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void good(const char *a, const char *b)
{
	char text[1024];
	int fd, rc;
	int64_t bad;

	fd = open(a, O_RDWR);
	CHECK(fd >= 0 && !pattern_write(fd, OFF, OFF, LEN, 0xa991), "prepare A");
	close(fd);
	fd = open(b, O_RDWR);
	CHECK(fd >= 0 && !fill_byte(fd, OFF, LEN + GUARD, 0x5a), "prepare B");
	close(fd);
	unlink(OUT);

	snprintf(text, sizeof(text),
		 "flowlang 1;\n"
		 "device a = nvme(path=\"%s\");\n"
		 "device b = nvme(path=\"%s\");\n"
		 "device out = file(path=\"" OUT "\");\n"
		 "flow mirror [range=300MiB..304MiB] {\n"
		 "\tread(a) -> [chunk=1MiB, depth=8] write(b, offset=300MiB), out;\n"
		 "}\n", a, b);
	CHECK(!write_file(GOOD, text), "write " GOOD);
	rc = apply(GOOD);
	CHECK(rc == 0, "apply " GOOD ": exit %d\nstdout:\n%s\nstderr:\n%s", rc,
	      out_buf, err_buf);
	CHECK(strstr(out_buf, "flow mirror: id "), "no id in:\n%s", out_buf);
	CHECK(strstr(out_buf, "flow mirror (id ") &&
		      strstr(out_buf, "done, 4194304 of 4194304 bytes"),
	      "no result in:\n%s", out_buf);
	printf("%s", out_buf);

	fd = open(b, O_RDONLY);
	bad = pattern_check(fd, OFF, OFF, LEN, 0xa991);
	CHECK(bad < 0, "B differs at %lld", (long long)bad);
	bad = pattern_check(fd, OFF + LEN, UINT64_MAX, GUARD, 0x5a);
	CHECK(bad < 0, "guard after B hit at %lld", (long long)bad);
	close(fd);
	fd = open(OUT, O_RDONLY);
	CHECK(fd >= 0, OUT ": %m");
	if (fd >= 0) {
		struct stat st;

		CHECK(!fstat(fd, &st) && st.st_size == (off_t)LEN,
		      OUT ": size %lld", (long long)st.st_size);
		bad = pattern_check(fd, 0, OFF, LEN, 0xa991);
		CHECK(bad < 0, OUT " differs at %lld", (long long)bad);
		close(fd);
	}
	unlink(OUT);
}

static void refused(const char *a, const char *b)
{
	char text[1024], *at;
	int rc;

	/* The disks have 512 MiB: line 5 reads past A's end. */
	snprintf(text, sizeof(text),
		 "flowlang 1;\n"
		 "device a = nvme(path=\"%s\");\n"
		 "device b = nvme(path=\"%s\");\n"
		 "flow fine [range=300MiB..301MiB] { a -> write(b, offset=300MiB); }\n"
		 "flow beyond [range=600MiB..601MiB] { a -> write(b, offset=300MiB); }\n",
		 a, b);
	CHECK(!write_file(BAD, text), "write " BAD);
	rc = apply(BAD);
	CHECK(rc == 1, "apply " BAD ": exit %d, want 1\nstderr:\n%s", rc,
	      err_buf);
	at = strstr(err_buf, BAD ":5:");
	CHECK(at && at == err_buf, "no diagnostic at " BAD ":5 in:\n%s",
	      err_buf);
	if (at) {
		unsigned int col = 0;
		char sev[16] = "";

		CHECK(sscanf(at + strlen(BAD ":5:"), "%u: %15[a-z]", &col,
			     sev) == 2 && col >= 1 && !strcmp(sev, "error"),
		      "not file:line:col: error in:\n%s", err_buf);
	}
	CHECK(strstr(err_buf, "refused flow 'beyond'"), "stderr:\n%s", err_buf);
	CHECK(!strstr(out_buf, "id "), "flows reported created:\n%s", out_buf);
	printf("%s", err_buf);
}

/* A -> A's CMB -> B, 1 MiB at 306 MiB: placement REQUIRED, named provider. */
static void cmb(const char *a, const char *b, bool p2p)
{
	const uint64_t off = 306 * MiB, len = 1 * MiB;
	char text[1024];
	int fd, rc;
	int64_t bad;

	fd = open(a, O_RDWR);
	CHECK(fd >= 0 && !pattern_write(fd, off, off, len, 0xc3b), "prepare A");
	close(fd);
	fd = open(b, O_RDWR);
	CHECK(fd >= 0 && !fill_byte(fd, off, len + GUARD, 0x5a), "prepare B");
	close(fd);
	snprintf(text, sizeof(text),
		 "flowlang 1;\n"
		 "device a = nvme(path=\"%s\");\n"
		 "device b = nvme(path=\"%s\");\n"
		 "pool stage = cmb(a);\n"
		 "flow viacmb [range=306MiB..307MiB] {\n"
		 "\ta -> [chunk=256KiB, depth=4, pool=stage] write(b, offset=306MiB);\n"
		 "}\n", a, b);
	CHECK(!write_file(P2P, text), "write " P2P);
	/* explain --kernel: the module's verdict on the chain's devices */
	rc = flowctl_run("explain", P2P, "--kernel");
	CHECK(rc == 0 && strstr(out_buf, "kernel verdicts") &&
		      strstr(out_buf, p2p ? "p2p: yes, provider " :
					    "p2p: no: kernel built without"),
	      "explain --kernel: exit %d\n%s%s", rc, out_buf, err_buf);
	printf("%s", strstr(out_buf, "kernel verdicts") ?: "");
	rc = apply(P2P);
	if (!p2p) {
		CHECK(rc == 1, "apply " P2P ": exit %d, want 1\nstderr:\n%s",
		      rc, err_buf);
		CHECK(strstr(err_buf, P2P ":5:") == err_buf &&
			      strstr(err_buf, "error[K0018]") &&
			      strstr(err_buf, "p2p memory required but refused: "),
		      "stderr:\n%s", err_buf);
		CHECK(!strstr(err_buf, "refused: ok\n"), "no reason:\n%s",
		      err_buf);
		printf("%s", err_buf);
		return;
	}
	CHECK(rc == 0, "apply " P2P ": exit %d\nstdout:\n%s\nstderr:\n%s", rc,
	      out_buf, err_buf);
	CHECK(strstr(out_buf, "done, 1048576 of 1048576 bytes, p2p pool"),
	      "not through p2p memory:\n%s", out_buf);
	printf("%s", out_buf);
	fd = open(b, O_RDONLY);
	bad = pattern_check(fd, off, off, len, 0xc3b);
	CHECK(bad < 0, "B differs at %lld", (long long)bad);
	bad = pattern_check(fd, off + len, UINT64_MAX, GUARD, 0x5a);
	CHECK(bad < 0, "guard after B hit at %lld", (long long)bad);
	close(fd);
}

int main(void)
{
	const char *a = nvme_by_serial("fswA"), *b = nvme_by_serial("fswB");
	struct flowswitch_info before;

	if (!a || !b) {
		fprintf(stderr, "no NVMe pair\n");
		return T_FAIL;
	}
	if (access("/bin/flowctl", X_OK)) {
		fprintf(stderr, "no /bin/flowctl\n");
		return T_FAIL;
	}
	CHECK(!info_now(&before), "info");
	good(a, b);
	refused(a, b);
	cmb(a, b, (before.features & FLOWSWITCH_FEATURE_P2PDMA) &&
			  before.p2pmem_providers);
	check_baseline(&before);
	unlink(GOOD);
	unlink(BAD);
	unlink(P2P);
	return t_result();
}
