/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_FILEIO_H
#define ZONEWALL_FILEIO_H

/*
 * The two file operations the state files (policy, proposal, checkpoints)
 * need, kept out of the pure parsers: read a whole bounded file, and
 * replace a file atomically so a crash leaves either the old or the new
 * content, never a mix.
 */

#include <stddef.h>

/**
 * fio_read_all() - read all of @path, at most @max bytes.
 * On success *@buf is a malloc'ed, NUL-terminated copy the caller frees and
 * *@len its length (without the NUL).
 * Return: 0; -EFBIG past @max; another -errno from open/read.
 */
int fio_read_all(const char *path, size_t max, char **buf, size_t *len);

/**
 * fio_write_atomic() - replace @path with @len bytes of @data: a temporary
 * file in the same directory, written, fsync'ed, renamed over @path, and the
 * directory fsync'ed.  The new file keeps the mode of the file it replaces
 * (0644 for a new file, before the umask).  On failure @path is untouched
 * and the temporary file removed.
 * Return: 0 or -errno.
 */
int fio_write_atomic(const char *path, const void *data, size_t len);

/* Buffered output into the temporary file of fio_write_atomic_with(). */
struct fio_out;

/**
 * fio_out_write() - append @len bytes of @data to @o (buffered).
 * Return: 0, or the first write error (-errno); it sticks, so a writer may
 * check only at the end.
 */
int fio_out_write(struct fio_out *o, const void *data, size_t len);

/**
 * fio_write_atomic_with() - as fio_write_atomic(), but the content is
 * streamed by @fill (called once with @arg) through fio_out_write(), so a
 * large file never needs to be held in memory whole.  A non-zero return of
 * @fill, or a write error, leaves @path untouched.
 * Return: 0 or -errno (@fill's own error when it failed).
 */
int fio_write_atomic_with(const char *path, int (*fill)(struct fio_out *o, void *arg),
			  void *arg);

#endif
