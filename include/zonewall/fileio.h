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

#endif
