/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest tests of socket ports: the loopback interface and connected TCP
 * pairs on it.
 */
#ifndef FSW_NETTEST_H
#define FSW_NETTEST_H

#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* The guest's /init leaves lo down. */
static inline int lo_up(void)
{
	struct ifreq ifr = {0};
	int s = socket(AF_INET, SOCK_DGRAM, 0), ret = -1;

	if (s < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (!ioctl(s, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP;
		ret = ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
	return ret;
}

/* A connected TCP pair on loopback: @fds[0] connected, @fds[1] accepted. */
static inline int tcp_pair(int fds[2])
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	socklen_t len = sizeof(sa);
	int l = socket(AF_INET, SOCK_STREAM, 0), ok;

	fds[1] = -1;
	fds[0] = socket(AF_INET, SOCK_STREAM, 0);
	ok = l >= 0 && fds[0] >= 0 && !bind(l, (void *)&sa, sizeof(sa)) &&
	     !listen(l, 1) && !getsockname(l, (void *)&sa, &len) &&
	     !connect(fds[0], (void *)&sa, sizeof(sa)) &&
	     (fds[1] = accept(l, NULL, NULL)) >= 0;
	if (!ok)
		fprintf(stderr, "tcp pair: %s\n", strerror(errno));
	if (l >= 0)
		close(l);
	if (!ok && fds[0] >= 0)
		close(fds[0]);
	return ok ? 0 : -1;
}

#endif /* FSW_NETTEST_H */
