// SPDX-License-Identifier: GPL-2.0
/*
 * The key of a transform stage, from the sources the module takes
 * (kmod/xform.c, fsw_stage_key()), with its errnos:
 *  - an fd: key_len bytes, or all it holds to its end (0), read as the
 *    module reads it -- from offset 0 of a file, on from a pipe; more
 *    than FLOWSWITCH_MAX_KEY bytes or none is EKEYREJECTED, an fd not
 *    open for reading EBADF, a read's own errno (EAGAIN, EINTR) as is;
 *  - a "user" key: looked up with request_key(2) in our keyrings (ENOKEY
 *    for any failure to find it), its payload read with KEYCTL_READ;
 *  - a "logon" key: looked up alike, but userspace may not read it: its
 *    serial goes to the socket (ALG_SET_KEY_BY_KEY_SERIAL), and the
 *    bytes never pass through this process.
 * Every buffer of ours that held key bytes is wiped.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine-uring-xform.h"

#ifndef KEYCTL_READ
#define KEYCTL_READ 11
#endif

/* The module's kernel_read(file, .., &pos) with pos from 0. */
static ssize_t key_read(int fd, uint8_t *to, size_t n, off_t *pos, bool *pipe)
{
	ssize_t r;

	if (!*pipe) {
		r = pread(fd, to, n, *pos);
		if (r >= 0) {
			*pos += r;
			return r;
		}
		if (errno != ESPIPE)
			return -errno;
		*pipe = true;
	}
	r = read(fd, to, n);
	return r < 0 ? -errno : r;
}

static int key_from_fd(const struct flowswitch_transform *t, uint8_t *key)
{
	uint32_t got = 0,
		 want = t->key_len ? t->key_len : FLOWSWITCH_MAX_KEY + 1;
	bool pipe = false;
	uint8_t extra = 0;
	ssize_t n = 0;
	off_t pos = 0;
	int fl;

	fl = fcntl(t->key_fd, F_GETFL);
	if (fl < 0 || (fl & O_ACCMODE) == O_WRONLY || (fl & O_PATH))
		return -EBADF;
	while (got < want) {
		uint8_t *to = got < FLOWSWITCH_MAX_KEY ? key + got : &extra;
		uint32_t lim =
			want < FLOWSWITCH_MAX_KEY ? want : FLOWSWITCH_MAX_KEY;

		n = key_read(t->key_fd, to,
			     got < FLOWSWITCH_MAX_KEY ? lim - got : 1, &pos,
			     &pipe);
		if (n <= 0)
			break;
		got += n;
	}
	explicit_bzero(&extra, sizeof(extra));
	if (n < 0)
		return (int)n;
	if (!got || got > FLOWSWITCH_MAX_KEY ||
	    (t->key_len && got != t->key_len))
		return -EKEYREJECTED;
	return (int)got;
}

static int key_from_keyring(const struct flowswitch_transform *t, uint8_t *key,
			    int32_t *serial)
{
	bool logon = t->flags & FLOWSWITCH_XFORM_KEY_LOGON;
	uint8_t buf[FLOWSWITCH_MAX_KEY];
	long id, len;

	if (!memchr(t->key_desc, 0, sizeof(t->key_desc)) || !t->key_desc[0])
		return -EINVAL;
	id = syscall(SYS_request_key, logon ? "logon" : "user", t->key_desc,
		     NULL, 0);
	if (id < 0)
		return -ENOKEY;
	if (logon) {
		*serial = (int32_t)id;
		return 0;
	}
	len = syscall(SYS_keyctl, KEYCTL_READ, id, buf, sizeof(buf));
	if (len < 0) {
		len = errno == EKEYREVOKED || errno == EKEYEXPIRED ||
				      errno == ENOKEY
			      ? -EKEYREVOKED
			      : -errno;
	} else if (len > FLOWSWITCH_MAX_KEY) {
		len = -EKEYREJECTED;
	} else {
		memcpy(key, buf, (size_t)len);
	}
	explicit_bzero(buf, sizeof(buf));
	return (int)len;
}

int uxform_key(const struct flowswitch_transform *t, uint8_t *key,
	       int32_t *serial)
{
	uint32_t src = t->flags &
		       (FLOWSWITCH_XFORM_KEY_FD | FLOWSWITCH_XFORM_KEY_USER |
			FLOWSWITCH_XFORM_KEY_LOGON);

	*serial = 0;
	if (src == FLOWSWITCH_XFORM_KEY_FD)
		return key_from_fd(t, key);
	if (src == FLOWSWITCH_XFORM_KEY_USER ||
	    src == FLOWSWITCH_XFORM_KEY_LOGON)
		return key_from_keyring(t, key, serial);
	return -EINVAL;
}
