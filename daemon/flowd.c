// SPDX-License-Identifier: GPL-2.0
/*
 * flowd: runs the .flow files of a directory, each as one transaction,
 * re-applies a changed file as a diff, runs the files' handlers on their
 * flows' events, enforces admission control and serves flowctl on a unix
 * socket.  The engine is the module's (/dev/flowswitch) or, when the
 * module is absent, the embedded io_uring engine -- said in the log and
 * in flowctl stats.  Design and rules: daemon/FLOWD.md, flowd(8).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <syslog.h>
#include <unistd.h>

#include "flowd-nl.h"
#include "flowswitch-nl.h"
#include "flowd-state.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: flowd [-c DIR] [-a FILE] [-s SOCKET] [-S STATEFILE] "
		"[-d DEVICE]\n"
		"             [-E auto|kernel|uring] [-D NAME=VALUE]... [-f]\n"
		"  -c DIR     the .flow files to run (default "
		"/etc/flowswitch)\n"
		"  -a FILE    admission control (default "
		"/etc/flowswitch/flowd.conf)\n"
		"  -s SOCKET  flowctl's socket (default "
		"/run/flowswitch/flowd.sock)\n"
		"  -S FILE    state kept for restarts (default "
		"/run/flowswitch/state.json)\n"
		"  -d DEVICE  the module's device (default /dev/flowswitch)\n"
		"  -E ENGINE  auto: the module, or the embedded engine if it "
		"is absent\n"
		"  -D N=V     site value of param N for every file that "
		"declares it\n"
		"  -f         also log to stderr\n");
}

/* -D NAME=VALUE: the name is checked now, the value per file. */
static int add_site_param(struct flowd *d, const char *assignment)
{
	struct flang_ctx *ctx = flang_ctx_new();
	int ret = ctx ? flang_ctx_set_site_param(ctx, assignment) : -ENOMEM;

	flang_ctx_free(ctx);
	if (!ret && d->nsite_params == FLOWD_MAX_SITE_PARAMS)
		ret = -E2BIG;
	if (ret) {
		fprintf(stderr, "flowd: -D %s: %s\n", assignment,
			ret == -EINVAL ? "expected NAME=VALUE" : strerror(-ret));
		return -1;
	}
	d->site_params[d->nsite_params++] = assignment;
	return 0;
}

static bool is_flow_file(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && name[0] != '.' && !strcmp(name + n - 5, ".flow");
}

static void apply_logged(struct flowd *d, const char *path)
{
	struct stat st;
	char *why = NULL;

	if (stat(path, &st)) {
		syslog(LOG_ERR, "%s: %m", path);
		return;
	}
	if (flowd_apply_file(d, path, st.st_uid, true, &why))
		syslog(LOG_ERR,
		       "%s: refused; what ran of it keeps running:\n%s", path,
		       why ? why : "");
	free(why);
}

static void apply_dir(struct flowd *d)
{
	struct dirent **ents;
	char path[PATH_MAX];
	int i, n = scandir(d->dir, &ents, NULL, alphasort);

	if (n < 0) {
		syslog(LOG_ERR, "%s: %m", d->dir);
		return;
	}
	for (i = 0; i < n; i++) {
		if (is_flow_file(ents[i]->d_name)) {
			snprintf(path, sizeof(path), "%s/%s", d->dir,
				 ents[i]->d_name);
			apply_logged(d, path);
		}
		free(ents[i]);
	}
	free(ents);
}

/* Files a client applied before a restart: applied again (reconcile). */
static void reapply_client_files(struct flowd *d)
{
	struct json_object *flows, *o, *v;
	size_t i, n;

	if (!d->recovered ||
	    !json_object_object_get_ex(d->recovered, "flows", &flows))
		return;
	n = json_object_array_length(flows);
	for (i = 0; i < n; i++) {
		char *why = NULL;
		const char *file;
		uid_t uid;

		o = json_object_array_get_idx(flows, i);
		if (!json_object_object_get_ex(o, "from_dir", &v) ||
		    json_object_get_boolean(v) ||
		    !json_object_object_get_ex(o, "file", &v))
			continue;
		file = json_object_get_string(v);
		if (!*file)
			continue; /* already taken */
		uid = json_object_object_get_ex(o, "uid", &v)
			      ? (uid_t)json_object_get_int64(v)
			      : 0;
		{
			char path[PATH_MAX];

			snprintf(path, sizeof(path), "%s", file);
			if (flowd_apply_file(d, path, uid, false, &why))
				syslog(LOG_ERR, "%s: not re-applied: %s", path,
				       why ? why : "");
		}
		free(why);
	}
}

static void on_inotify(struct flowd *d, int fd)
{
	char buf[8192] __attribute__((aligned(8)));
	char path[PATH_MAX];
	ssize_t n = read(fd, buf, sizeof(buf));
	ssize_t off = 0;

	while (n > 0 && off < n) {
		struct inotify_event *ev = (void *)(buf + off);

		off += (ssize_t)sizeof(*ev) + ev->len;
		if (!ev->len || !is_flow_file(ev->name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", d->dir, ev->name);
		if (ev->mask & (IN_DELETE | IN_MOVED_FROM))
			flowd_remove_file(d, path);
		else
			apply_logged(d, path);
	}
}

static int load_admit(struct flowd *d)
{
	char err[512], *text = NULL;
	size_t n = 0;
	FILE *f = fopen(d->admit_path, "re");
	int ret;

	if (!f) {
		if (errno != ENOENT) {
			syslog(LOG_ERR, "%s: %m", d->admit_path);
			return -1;
		}
		syslog(LOG_WARNING,
		       "%s: absent: every device allowed, no budgets",
		       d->admit_path);
		return 0;
	}
	text = calloc(1, 1 << 20);
	if (text)
		n = fread(text, 1, (1 << 20) - 1, f);
	fclose(f);
	if (!text)
		return -1;
	text[n] = 0;
	ret = flowd_admit_parse(&d->admit, d->admit_path, text, err,
				sizeof(err));
	free(text);
	if (ret) {
		syslog(LOG_ERR, "%s", err);
		return -1;
	}
	syslog(LOG_INFO, "%s: %u rules%s", d->admit_path, d->admit.nrules,
	       d->admit.clamp ? ", unlimited flows clamped" : "");
	return 0;
}

static int open_engine(struct flowd *d, const char *dev, const char *want)
{
	static char reason[256];
	int err;

	if (strcmp(want, "uring")) {
		d->eng = fsw_engine_kernel_open(dev);
		if (d->eng)
			return 0;
		err = errno;
		if (!strcmp(want, "kernel") ||
		    (err != ENOENT && err != ENODEV)) {
			syslog(LOG_ERR, "%s: %s", dev ? dev : "/dev/flowswitch",
			       strerror(err));
			return -1;
		}
		snprintf(reason, sizeof(reason), "%s: %s (module not loaded)",
			 dev ? dev : "/dev/flowswitch", strerror(err));
		d->engine_reason = reason;
		d->engine_fallbacks++;
	} else {
		d->engine_reason = "asked for with -E uring";
	}
	d->eng = fsw_engine_uring_open();
	if (!d->eng) {
		syslog(LOG_ERR, "the embedded io_uring engine: %m");
		return -1;
	}
	syslog(LOG_WARNING,
	       "running flows on the embedded io_uring engine: %s; no p2p",
	       d->engine_reason);
	return 0;
}

/*
 * Everything flowd opens later is a device or file a .flow names: keep
 * CAP_DAC_OVERRIDE (and CAP_DAC_READ_SEARCH) for those; /dev/flowswitch
 * (CAP_SYS_RAWIO at open) is open already.  Everything else goes, from
 * the bounding set too, and no exec may regain it.
 */
static void drop_caps(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {0};
	unsigned int keep =
		(1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH);
	int c;

	if (geteuid())
		return;
	for (c = 0; c <= 63; c++)
		if (c >= 32 || !((keep >> c) & 1))
			prctl(PR_CAPBSET_DROP, c, 0, 0, 0);
	data[0].effective = data[0].permitted = keep;
	if (syscall(SYS_capset, &hdr, data))
		syslog(LOG_WARNING, "capset: %m; capabilities not dropped");
	else
		syslog(LOG_INFO, "capabilities: kept CAP_DAC_OVERRIDE, "
				 "CAP_DAC_READ_SEARCH only");
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char dir[PATH_MAX], *slash;

	if (fd < 0 || strlen(path) >= sizeof(sa.sun_path))
		return -1;
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		mkdir(dir, 0755);
	}
	strcpy(sa.sun_path, path);
	unlink(path);
	if (bind(fd, (void *)&sa, sizeof(sa)) || chmod(path, 0666) ||
	    listen(fd, 16)) {
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	struct flowd d = {
		.dir = "/etc/flowswitch",
		.sock_path = "/run/flowswitch/flowd.sock",
		.state_path = "/run/flowswitch/state.json",
		.admit_path = "/etc/flowswitch/flowd.conf",
	};
	const char *dev = getenv("FLOWSWITCH_DEVICE"), *engine = "auto";
	int c, ep, ino, lfd, sfd, efd, nfd = -1, timeout, logopt = LOG_PID;
	struct fsw_nl *nl;
	struct epoll_event ev = {.events = EPOLLIN};
	sigset_t mask;
	bool running = true;
	uint64_t last_tick = 0;
	char sdir[PATH_MAX], *sl;

	while ((c = getopt(argc, argv, "c:a:s:S:d:E:D:fh")) != -1) {
		switch (c) {
		case 'c':
			d.dir = optarg;
			break;
		case 'a':
			d.admit_path = optarg;
			break;
		case 's':
			d.sock_path = optarg;
			break;
		case 'S':
			d.state_path = optarg;
			break;
		case 'd':
			dev = optarg;
			break;
		case 'E':
			engine = optarg;
			break;
		case 'D':
			if (add_site_param(&d, optarg))
				return 2;
			break;
		case 'f':
			logopt |= LOG_PERROR;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc ||
	    (strcmp(engine, "auto") && strcmp(engine, "kernel") &&
	     strcmp(engine, "uring"))) {
		usage(stderr);
		return 2;
	}
	openlog("flowd", logopt, LOG_DAEMON);
	if (load_admit(&d) || open_engine(&d, dev, engine))
		return 1;
	/* Before the capabilities go: joining the group needs one. */
	nl = flowd_nl_open(&d);
	drop_caps();

	snprintf(sdir, sizeof(sdir), "%s", d.state_path);
	sl = strrchr(sdir, '/');
	if (sl && sl != sdir) {
		*sl = 0;
		mkdir(sdir, 0755);
	}
	d.recovered = json_object_from_file(d.state_path);
	if (d.recovered)
		syslog(LOG_NOTICE, "%s: reconciling with the last run",
		       d.state_path);

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (ino < 0 ||
	    inotify_add_watch(ino, d.dir,
			      IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM |
				      IN_DELETE) < 0) {
		syslog(LOG_ERR, "watching %s: %m", d.dir);
		return 1;
	}
	lfd = listen_on(d.sock_path);
	if (lfd < 0) {
		syslog(LOG_ERR, "%s: %m", d.sock_path);
		return 1;
	}
	efd = d.eng->ops->event_fd(d.eng);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ev.data.fd = ino;
	epoll_ctl(ep, EPOLL_CTL_ADD, ino, &ev);
	ev.data.fd = lfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	ev.data.fd = sfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	ev.data.fd = efd;
	epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev);
	if (nl) {
		nfd = fsw_nl_fd(nl);
		ev.data.fd = nfd;
		epoll_ctl(ep, EPOLL_CTL_ADD, nfd, &ev);
	}

	apply_dir(&d);
	reapply_client_files(&d);
	json_object_put(d.recovered);
	d.recovered = NULL;
	flowd_state_save(&d);
	syslog(LOG_INFO, "serving %s on %s, %u files, %s engine", d.dir,
	       d.sock_path, d.nfiles, d.eng->ops->name);

	while (running) {
		struct epoll_event evs[8];
		struct timespec ts;
		uint64_t now;
		int i, n;

		timeout = flowd_retries_run(&d);
		if (timeout < 0 || timeout > 1000)
			timeout = 1000;
		n = epoll_wait(ep, evs, 8, timeout);
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == ino) {
				on_inotify(&d, ino);
			} else if (fd == lfd) {
				int cfd =
					accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

				if (cfd >= 0)
					flowd_serve(&d, cfd);
			} else if (fd == efd) {
				flowd_events(&d);
			} else if (fd == nfd) {
				flowd_nl_events(&d, nl);
			} else if (fd == sfd) {
				struct signalfd_siginfo si;

				if (read(sfd, &si, sizeof(si)) == sizeof(si) &&
				    si.ssi_signo == SIGHUP) {
					syslog(LOG_INFO,
					       "SIGHUP: re-reading %s", d.dir);
					apply_dir(&d);
				} else {
					running = false;
				}
			}
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = (uint64_t)ts.tv_sec * 1000;
		now += (uint64_t)ts.tv_nsec / 1000000;
		if (now - last_tick >= 1000) {
			flowd_tick(&d);
			last_tick = now;
		}
	}
	/* A clean stop keeps the state file: the next start resumes. */
	syslog(LOG_INFO, "stopping: %u files", d.nfiles);
	flowd_tick(&d);
	flowd_free_all(&d);
	d.eng->ops->close(d.eng);
	fsw_nl_close(nl);
	unlink(d.sock_path);
	flowd_admit_free(&d.admit);
	return 0;
}
