// SPDX-License-Identifier: GPL-2.0
/*
 * flowd in the guest, on the module's engine: it applies a directory of
 * .flow files, an injected read error (blkdebug, disk C at 8 MiB) reaches
 * it as a FAILED event and runs the file's retry-then-abort handler, a
 * changed file is re-applied as a diff (the unchanged flow keeps its id
 * and its bytes keep growing), and kill -9 + restart reconciles: the flow
 * that finished is not re-run, the interrupted one resumes, nothing is
 * duplicated.  Talks to flowd's socket with json-c, as flowctl does.
 *
 * Disk B: 0-64 and 128-192 MiB (the diffed flows), 112 MiB, 233-249 MiB
 * (from C), 250-252 MiB -- never in 255-511 MiB, where t-flow-copy's big
 * copy leaves A and B for the host to compare after the run.
 */
#include "flowdtest.h"

#define DIR "/tmp/flowd"
#define ETC DIR "/etc"
#define SOCK DIR "/flowd.sock"

static const char *dev_a, *dev_b, *dev_c;

static void write_main(int change_rate)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "flowlang 1;\n"
		 "device a = nvme(path=\"%s\");\n"
		 "device b = nvme(path=\"%s\");\n"
		 "flow steady [rate=2MiB/s] {\n"
		 "\tread(a, range=0..64MiB) -> [chunk=256KiB, depth=2] "
		 "write(b);\n}\n"
		 "flow change [rate=%dMiB/s] {\n"
		 "\tread(a, range=0..64MiB) -> [chunk=256KiB, depth=2] "
		 "write(b, offset=128MiB);\n}\n"
		 "flow small [rate=8MiB/s] {\n"
		 "\tread(a, range=0..1MiB) -> [chunk=256KiB, depth=2] write(b, "
		 "offset=112MiB);\n}\n",
		 dev_a, dev_b, change_rate);
	write_file(ETC "/main.flow", text);
}

int main(void)
{
	struct fl steady, steady2, change, change2, small, broken;
	char text[2048];
	pid_t pid;
	int i, st;

	for (i = 0; i < 50 && !nvme_by_serial("fswC"); i++)
		usleep(100000);
	dev_a = nvme_by_serial("fswA");
	dev_b = nvme_by_serial("fswB");
	dev_c = nvme_by_serial("fswC");
	if (!dev_a || !dev_b || !dev_c || access("/bin/flowd", X_OK)) {
		fprintf(stderr, "need fswA, fswB, fswC and /bin/flowd\n");
		return T_SKIP;
	}
	fd_dir = DIR;
	mkdir(DIR, 0755);
	mkdir(ETC, 0755);
	unlink(DIR "/state.json");
	write_file(DIR "/flowd.conf",
		   "allow /dev/nvme*\nbudget uid 0 64MiB/s\n");
	write_main(2);
	snprintf(text, sizeof(text),
		 "flowlang 1;\n"
		 "device c = nvme(path=\"%s\");\n"
		 "device b = nvme(path=\"%s\");\n"
		 "flow broken [rate=8MiB/s] {\n"
		 "\tread(c, range=0..16MiB) -> [chunk=256KiB, depth=2] "
		 "write(b, offset=233MiB);\n"
		 "\ton io_error(c) retry 2 backoff 1ms..10ms then abort \"disk "
		 "c is failing\";\n}\n",
		 dev_c, dev_b);
	write_file(ETC "/broken.flow", text);

	pid = start_flowd(NULL);
	CHECK(WAIT_FOR("steady", steady, steady.id && steady.bytes > 0, 20),
	      "flowd runs steady (state %s)", steady.state);
	CHECK(!strcmp(steady.engine, "kernel"), "engine %s", steady.engine);
	CHECK(WAIT_FOR("small", small, !strcmp(small.state, "done"), 20),
	      "small done (state %s)", small.state);

	/* The read error at 8 MiB of C: retried twice, then aborted. */
	CHECK(WAIT_FOR("broken", broken, broken.outcome[0], 30),
	      "broken has an outcome (state %s)", broken.state);
	CHECK(!strcmp(broken.outcome, "aborted: disk c is failing"),
	      "outcome '%s'", broken.outcome);
	CHECK(broken.retries == 2, "%llu retries",
	      (unsigned long long)broken.retries);
	CHECK(broken.bytes >= 8 * MiB - 256 * KiB && broken.bytes <= 8 * MiB,
	      "broken stopped at %llu", (unsigned long long)broken.bytes);

	/* A changed file: steady keeps its id and grows, change replaced. */
	get_flow("change", &change);
	get_flow("steady", &steady);
	write_main(3);
	CHECK(WAIT_FOR("change", change2, change2.id && change2.id != change.id,
		       10),
	      "change replaced (%llu -> %llu)", (unsigned long long)change.id,
	      (unsigned long long)change2.id);
	usleep(1500000);
	get_flow("steady", &steady2);
	CHECK(steady2.id == steady.id, "steady kept id %llu -> %llu",
	      (unsigned long long)steady.id, (unsigned long long)steady2.id);
	CHECK(steady2.bytes > steady.bytes, "steady grows %llu -> %llu",
	      (unsigned long long)steady.bytes,
	      (unsigned long long)steady2.bytes);
	CHECK(steady2.count == 1 && change2.count == 1, "no duplicates");

	/* flowctl run --wait through flowd's socket: exit 0 once done */
	snprintf(text, sizeof(text),
		 "flowlang 1;\n"
		 "device a = nvme(path=\"%s\");\n"
		 "device b = nvme(path=\"%s\");\n"
		 "flow extra [rate=16MiB/s] {\n"
		 "\tread(a, range=0..2MiB) -> [chunk=256KiB, depth=2] write(b, offset=250MiB);\n}\n",
		 dev_a, dev_b);
	write_file(DIR "/extra.flow", text);
	{
		pid_t c = fork();

		if (!c) {
			setenv("FLOWD_SOCKET", SOCK, 1);
			execl("/bin/flowctl", "flowctl", "run", DIR "/extra.flow",
			      "--wait", (char *)NULL);
			_exit(127);
		}
		waitpid(c, &st, 0);
		CHECK(WIFEXITED(st) && !WEXITSTATUS(st),
		      "flowctl run --wait: status %#x", st);
		get_flow("extra", &small);
		CHECK(!strcmp(small.state, "done") && small.bytes == 2 * MiB,
		      "extra %s, %llu bytes", small.state,
		      (unsigned long long)small.bytes);
	}

	/* kill -9, restart: small not re-run, steady resumed, one of each. */
	usleep(1200000); /* a state file tick with steady's bytes */
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	get_flow("steady", &steady); /* flowd is gone: nothing */
	CHECK(steady.count == 0, "flowd is gone");
	pid = start_flowd(NULL);
	CHECK(WAIT_FOR("steady", steady2, steady2.id && steady2.bytes > 0, 20),
	      "steady runs again");
	CHECK(steady2.count == 1, "one steady, not %d", steady2.count);
	CHECK(steady2.bytes >= steady.bytes, "resumed");
	get_flow("small", &small);
	CHECK(small.count == 1 && !strcmp(small.state, "done") && !small.id,
	      "small done, not re-run (state %s id %llu)", small.state,
	      (unsigned long long)small.id);
	CHECK(stat_of("reconciled_done") >= 1, "reconciled_done");
	get_flow("broken", &broken);
	CHECK(broken.count == 1 && !broken.id && broken.retries == 0,
	      "aborted flow not re-run (id %llu)",
	      (unsigned long long)broken.id);
	CHECK(stat_of("reconciled_resumed") >= 1, "reconciled_resumed");

	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && !WEXITSTATUS(st), "flowd exits 0 on SIGTERM");
	if (t_failures)
		show_flowd_log();
	return t_result();
}
