// SPDX-License-Identifier: GPL-2.0
/*
 * Engine classes (issue 10): 'engine = hw|sw required|preferred' on the
 * test bed's real transform device, QEMU's virtio-crypto, whose
 * virtio_crypto_aes_cbc ranks below AES-NI.  On the stock kernel the
 * driver is a module (daemon/crypto-class.h's rule 1); on the debug
 * kernel it is built in (rule 2): both are classed hw here.
 *
 *  - explain --kernel names the class of each driver and the evidence;
 *  - 'engine = hw' enciphers 4 MiB on the device (the kernel's out_driver,
 *    printed by apply --wait), a stage's engine=sw deciphers it on the
 *    CPU, and the round trip equals the source;
 *  - xts(aes) has no device driver: 'required' refuses the flow (A0200)
 *    before any file is created, 'preferred' runs it on the CPU with a
 *    warning (A0201), and flowd counts that (crypto_class_fallbacks).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "flowdtest.h"

#define DIR "/tmp/t-engine-class"
#define LEN (4 * MiB)
#define KEY_DESC "flowswitch:t-engine-class"

static char out[16384];

/* `flowctl ARGS` with its stdout and stderr in out[]; its exit status. */
static int flowctl(const char *args)
{
	char cmd[512];
	size_t n = 0;
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), "/bin/flowctl %s 2>&1", args);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Whole, then renamed in: flowd never sees half a file. */
static void put(const char *path, const char *text)
{
	write_file(path, text);
}

/* A .flow of one chain: @src -> @stage -> @dst, under @engine. */
static void flow_file(const char *path, const char *src, const char *stage,
		      const char *dst, const char *engine)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "flowlang 1;\n"
		 "param k : secret = keyring(\"%%user:" KEY_DESC "\");\n"
		 "device in = file(path=\"%s\");\n"
		 "device out = file(path=\"%s\");\n"
		 "flow f {\n"
		 "\tin -> [chunk=64KiB, depth=4] %s -> out;\n"
		 "\t%s%s\n"
		 "}\n",
		 src, dst, stage, engine ? engine : "", engine ? ";" : "");
	put(path, text);
}

static bool has_virtio_cbc(void)
{
	FILE *f = fopen("/proc/crypto", "r");
	char line[256];
	bool found = false;

	while (f && !found && fgets(line, sizeof(line), f))
		found = strstr(line, "virtio_crypto_aes_cbc") != NULL;
	if (f)
		fclose(f);
	return found;
}

static const char cbc_stage[] = "encrypt(alg=\"cbc(aes)\", key=$k, unit=64KiB)";
/* A stage's own class, with no flow property: required. */
static const char cbc_back[] =
	"decrypt(alg=\"cbc(aes)\", key=$k, unit=64KiB, engine=sw)";
static const char xts_stage[] = "encrypt(alg=\"xts(aes)\", key=$k, unit=4KiB)";

static void test_explain(void)
{
	int rc;

	flow_file(DIR "/hw.flow", DIR "/src", cbc_stage, DIR "/ct",
		  "engine = hw required");
	rc = flowctl("explain --kernel " DIR "/hw.flow");
	CHECK(rc == 0 &&
		      strstr(out,
			     "virtio_crypto_aes_cbc (priority 150, hw: ") &&
		      strstr(out, "the highest priority of the hw class the "
				  "flow asks for"),
	      "explain --kernel picks the device (rc %d):\n%s", rc, out);
	CHECK(strstr(out, "module virtio_crypto drives virtio device virtio") ||
		      strstr(out, "built in; by its name, virtio driver "
				  "virtio_crypto drives virtio"),
	      "the evidence is the virtio device:\n%s", out);
	CHECK(strstr(out, "cbc-aes-aesni (") && strstr(out, ", sw)"),
	      "the CPU's drivers are listed as sw:\n%s", out);
	printf("t-engine-class: %s%s",
	       strstr(out, "module virtio_crypto")
		       ? "virtio_crypto is a module (rule 1)\n"
		       : "virtio_crypto is built in (rule 2)\n",
	       strstr(out, "    transform \"") ? strstr(out, "    transform \"")
					       : "");
}

static void test_round_trip(void)
{
	int rc;

	unlink(DIR "/ct");
	unlink(DIR "/pt");
	rc = flowctl("apply --no-daemon --wait " DIR "/hw.flow");
	CHECK(rc == 0 && strstr(out, ": done, 4194304 of 4194304 bytes") &&
		      strstr(out, "engines: virtio_crypto_aes_cbc\n"),
	      "engine = hw enciphers on the device (rc %d):\n%s", rc, out);
	flow_file(DIR "/sw.flow", DIR "/ct", cbc_back, DIR "/pt", NULL);
	rc = flowctl("explain --kernel " DIR "/sw.flow");
	CHECK(rc == 0 && strstr(out, "the highest priority of the sw class "
				     "the stage asks for"),
	      "explain --kernel: the stage's own class (rc %d):\n%s", rc, out);
	rc = flowctl("apply --no-daemon --wait " DIR "/sw.flow");
	CHECK(rc == 0 && strstr(out, ": done, 4194304 of 4194304 bytes") &&
		      strstr(out, "engines: ") && !strstr(out, "virtio"),
	      "engine = sw deciphers on the CPU (rc %d):\n%s", rc, out);
	CHECK(same_prefix(DIR "/pt", DIR "/src", LEN),
	      "device's ciphertext, CPU's plaintext: the source again");
	CHECK(!same_range(DIR "/src", 0, DIR "/ct", 0, LEN),
	      "the ciphertext is not the source");
}

static void test_no_hw(void)
{
	struct stat st;
	int rc;

	unlink(DIR "/xts");
	flow_file(DIR "/xreq.flow", DIR "/src", xts_stage, DIR "/xts",
		  "engine = hw required");
	rc = flowctl("apply --no-daemon --wait " DIR "/xreq.flow");
	CHECK(rc == 1 && strstr(out, "error[A0200]") &&
		      strstr(out, "no hw engine serves \"xts(aes)\" (its "
				  "drivers: ") &&
		      strstr(out, "engine = hw required;"),
	      "engine = hw required with no xts device: refused (rc %d):\n%s",
	      rc, out);
	CHECK(stat(DIR "/xts", &st) && errno == ENOENT,
	      "the refused flow created no file");
	/* a stage's own engine=hw, no flow property: required, at the stage */
	flow_file(DIR "/xstage.flow", DIR "/src",
		  "encrypt(alg=\"xts(aes)\", key=$k, unit=4KiB, engine=hw)",
		  DIR "/xts", NULL);
	rc = flowctl("apply --no-daemon " DIR "/xstage.flow");
	CHECK(rc == 1 && strstr(out, "xstage.flow:6:81: error[A0200]"),
	      "engine=hw on the stage: refused there (rc %d):\n%s", rc, out);
	flow_file(DIR "/xpref.flow", DIR "/src", xts_stage, DIR "/xts",
		  "engine = hw preferred");
	rc = flowctl("apply --no-daemon --wait " DIR "/xpref.flow");
	CHECK(rc == 0 && strstr(out, "warning[A0201]") &&
		      strstr(out, "running on ") &&
		      strstr(out, ": done, 4194304 of 4194304 bytes") &&
		      strstr(out, "engines: xts"),
	      "engine = hw preferred: on the CPU, with a warning (rc %d):\n%s",
	      rc, out);
}

static void test_flowd(void)
{
	uint64_t applies;
	struct fl f;
	int i;
	pid_t pid;
	int st;

	fd_dir = DIR "/flowd";
	mkdir(fd_dir, 0755);
	mkdir(fd_path("etc"), 0755);
	unlink(fd_path("state.json"));
	unlink(DIR "/xts");
	write_file(fd_path("flowd.conf"), "allow " DIR "/*\n");
	flow_file(fd_path("etc/xpref.flow"), DIR "/src", xts_stage, DIR "/xts",
		  "engine = hw preferred");
	pid = start_flowd(NULL);
	CHECK(WAIT_FOR("f", f, !strcmp(f.state, "done"), 60),
	      "flowd: f is %s (%s)", f.state, f.outcome);
	CHECK(stat_of("crypto_class_fallbacks") == 1,
	      "flowd counted the fallback: %llu",
	      (unsigned long long)stat_of("crypto_class_fallbacks"));
	/* the same file again: the flow is kept, and counted once */
	applies = stat_of("applies");
	flow_file(fd_path("etc/xpref.flow"), DIR "/src", xts_stage, DIR "/xts",
		  "engine = hw preferred");
	for (i = 0; i < 100 && stat_of("applies") == applies; i++)
		usleep(100000);
	CHECK(stat_of("applies") > applies &&
		      stat_of("crypto_class_fallbacks") == 1,
	      "re-applied (%llu applies), still one fallback: %llu",
	      (unsigned long long)stat_of("applies"),
	      (unsigned long long)stat_of("crypto_class_fallbacks"));
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	if (t_failures)
		show_flowd_log();
}

int main(void)
{
	static uint8_t buf[1 << 16];
	uint8_t key[32];
	size_t i, at;
	long serial;
	int fd;

	if (!has_virtio_cbc()) {
		fprintf(stderr, "t-engine-class: no virtio_crypto_aes_cbc in "
				"/proc/crypto (no virtio-crypto device): "
				"skipped\n");
		return T_SKIP;
	}
	mkdir(DIR, 0755);
	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(0x40 + i * 3);
	serial = syscall(SYS_add_key, "user", KEY_DESC, key, sizeof(key),
			 -3 /* KEY_SPEC_SESSION_KEYRING */);
	CHECK(serial > 0, "add_key: %s", strerror(errno));
	fd = open(DIR "/src", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	for (at = 0; fd >= 0 && at < LEN; at += sizeof(buf)) {
		pattern_fill(buf, at, sizeof(buf), 0xc1a55);
		if (write(fd, buf, sizeof(buf)) != sizeof(buf))
			break;
	}
	CHECK(fd >= 0 && at == LEN, "writing the source: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	test_explain();
	test_round_trip();
	test_no_hw();
	test_flowd();
	return t_result();
}
