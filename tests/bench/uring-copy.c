// SPDX-License-Identifier: GPL-2.0
/*
 * The io_uring copy a user would write instead of flowswitch: O_DIRECT,
 * registered buffers, DEPTH chunks in flight, each read followed by its
 * write, fsync at the end.  Baseline for tests/bench.
 *
 *   uring-copy SRC DST CHUNK DEPTH
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/fs.h>
#include <unistd.h>

struct slot {
	off_t off;
	size_t len;
	int writing;
};

static off_t size_of(int fd)
{
	struct stat st;
	unsigned long long sz;

	if (fstat(fd, &st))
		return -1;
	if (S_ISBLK(st.st_mode))
		return ioctl(fd, BLKGETSIZE64, &sz) ? -1 : (off_t)sz;
	return st.st_size;
}

int main(int argc, char **argv)
{
	struct io_uring ring;
	struct iovec *iov;
	struct slot *slots;
	off_t size, next = 0;
	size_t chunk;
	int in, out, depth, i, inflight = 0, ret;

	if (argc != 5) {
		fprintf(stderr, "usage: uring-copy SRC DST CHUNK DEPTH\n");
		return 2;
	}
	chunk = strtoul(argv[3], NULL, 0);
	depth = atoi(argv[4]);
	in = open(argv[1], O_RDONLY | O_DIRECT);
	out = open(argv[2], O_WRONLY | O_DIRECT);
	size = in < 0 ? -1 : size_of(in);
	if (in < 0 || out < 0 || size < 0 || !chunk || depth < 1) {
		perror("uring-copy");
		return 1;
	}
	if (io_uring_queue_init(depth * 2, &ring, 0))
		return 1;
	iov = calloc(depth, sizeof(*iov));
	slots = calloc(depth, sizeof(*slots));
	for (i = 0; i < depth; i++) {
		if (posix_memalign(&iov[i].iov_base, 4096, chunk))
			return 1;
		iov[i].iov_len = chunk;
	}
	if (io_uring_register_buffers(&ring, iov, depth))
		return 1;

	for (;;) {
		struct io_uring_cqe *cqe;
		struct slot *s;

		for (i = 0; i < depth && next < size; i++) {
			if (slots[i].len)
				continue;
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

			slots[i].off = next;
			slots[i].len = size - next < (off_t)chunk
					       ? (size_t)(size - next)
					       : chunk;
			slots[i].writing = 0;
			io_uring_prep_read_fixed(sqe, in, iov[i].iov_base,
						 slots[i].len, next, i);
			io_uring_sqe_set_data(sqe, &slots[i]);
			next += slots[i].len;
			inflight++;
		}
		if (!inflight)
			break;
		io_uring_submit_and_wait(&ring, 1);
		while (io_uring_peek_cqe(&ring, &cqe) == 0) {
			s = io_uring_cqe_get_data(cqe);
			i = s - slots;
			if (cqe->res != (int)s->len) {
				fprintf(stderr, "uring-copy: %s at %lld: %s\n",
					s->writing ? "write" : "read",
					(long long)s->off,
					cqe->res < 0 ? strerror(-cqe->res)
						     : "short");
				return 1;
			}
			io_uring_cqe_seen(&ring, cqe);
			if (s->writing) {
				s->len = 0;
				inflight--;
				continue;
			}
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

			s->writing = 1;
			io_uring_prep_write_fixed(sqe, out, iov[i].iov_base,
						  s->len, s->off, i);
			io_uring_sqe_set_data(sqe, s);
		}
	}
	ret = fsync(out);
	io_uring_queue_exit(&ring);
	return ret ? 1 : 0;
}
