// SPDX-License-Identifier: GPL-2.0-or-later
/* Bounded whole-file reads and atomic replacement (temp, fsync, rename). */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zonewall/fileio.h"

int fio_read_all(const char *path, size_t max, char **buf, size_t *len)
{
	size_t n = 0, cap = 4096;
	char *b, *nb;
	ssize_t r;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	b = malloc(cap + 1);
	if (!b) {
		err = -ENOMEM;
		goto out_close;
	}
	for (;;) {
		if (n == cap) {
			if (cap > max) {
				err = -EFBIG;
				goto out_free_b;
			}
			cap *= 2;
			nb = realloc(b, cap + 1);
			if (!nb) {
				err = -ENOMEM;
				goto out_free_b;
			}
			b = nb;
		}
		r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			goto out_free_b;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > max) {
		err = -EFBIG;
		goto out_free_b;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	close(fd);
	return 0;

out_free_b:
	free(b);
out_close:
	close(fd);
	return err;
}

static int fio_write_full(int fd, const char *p, size_t len)
{
	ssize_t w;

	while (len) {
		w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* The directory part of @path ("." when it has none), for the temp file
 * (rename is only atomic within one file system) and the final fsync. */
static void fio_dirname(const char *path, char *dir, size_t size)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(dir, size, ".");
	else if (slash == path)
		snprintf(dir, size, "/");
	else
		snprintf(dir, size, "%.*s", (int)(slash - path), path);
}

static int fio_fsync_dir(const char *path)
{
	char dir[PATH_MAX];
	int fd, err = 0;

	fio_dirname(path, dir, sizeof(dir));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0 && errno != EINVAL)
		err = -errno;
	close(fd);
	return err;
}

/* Buffered output into the temporary file; the first error sticks. */
struct fio_out {
	int fd;
	int err;
	size_t len;
	char buf[1 << 16];
};

static void fio_out_flush(struct fio_out *o)
{
	if (!o->err && o->len)
		o->err = fio_write_full(o->fd, o->buf, o->len);
	o->len = 0;
}

int fio_out_write(struct fio_out *o, const void *data, size_t len)
{
	const char *p = data;

	while (len && !o->err) {
		size_t n = sizeof(o->buf) - o->len;

		if (n > len)
			n = len;
		memcpy(o->buf + o->len, p, n);
		o->len += n;
		p += n;
		len -= n;
		if (o->len == sizeof(o->buf))
			fio_out_flush(o);
	}
	return o->err;
}

/* Fill the temp file @fd through @fill, then fsync it. */
static int fio_fill_fd(int fd, int (*fill)(struct fio_out *o, void *arg), void *arg)
{
	struct fio_out *o = malloc(sizeof(*o));
	int err;

	if (!o)
		return -ENOMEM;
	o->fd = fd;
	o->err = 0;
	o->len = 0;
	err = fill(o, arg);
	fio_out_flush(o);
	if (!err)
		err = o->err;
	free(o);
	if (!err && fsync(fd) < 0)
		err = -errno;
	return err;
}

int fio_write_atomic_with(const char *path, int (*fill)(struct fio_out *o, void *arg),
			  void *arg)
{
	char tmp[PATH_MAX];
	mode_t mode = 0644;
	struct stat st;
	int fd, err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	if (stat(path, &st) == 0)
		mode = st.st_mode & 07777;
	else
		mode &= ~umask(umask(0));
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, mode) < 0)
		goto out_errno;
	err = fio_fill_fd(fd, fill, arg);
	if (err)
		goto out_unlink;
	if (close(fd) < 0) {
		fd = -1;
		goto out_errno;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto out_errno;
	return fio_fsync_dir(path);

out_errno:
	err = -errno;
out_unlink:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return err;
}

struct fio_buf {
	const void *data;
	size_t len;
};

static int fio_fill_buf(struct fio_out *o, void *arg)
{
	const struct fio_buf *b = arg;

	return fio_out_write(o, b->data, b->len);
}

int fio_write_atomic(const char *path, const void *data, size_t len)
{
	struct fio_buf b = { data, len };

	return fio_write_atomic_with(path, fio_fill_buf, &b);
}
