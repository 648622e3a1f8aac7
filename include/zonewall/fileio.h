/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_FILEIO_H
#define ZONEWALL_FILEIO_H

/*
 * The file operations the state files (policy, proposal, checkpoints)
 * need, kept out of the pure parsers: read a whole bounded regular file;
 * replace a file atomically so a crash leaves either the old or the new
 * content, never a mix, and keep what the file was (a symbolic link stays a
 * link, the owner, group and mode stay); and a writer's lock, so that two
 * read-modify-writes of one file cannot lose each other's update.
 *
 * Files next to a state file NAME (in the directory of the file a symbolic
 * link NAME leads to):
 *   .NAME.zwlock      the writer's lock (flock); it stays, it is empty but
 *                     for the PID of the last holder;
 *   .NAME.zwtmp.PID   the temporary file of a write in progress by PID;
 *                     one whose PID is dead is removed by the next write.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/**
 * fio_bom_len() - 3 when @buf starts with a UTF-8 byte order mark (EF BB
 * BF, which some editors put first in a text file and JSON parsers quote
 * as an invisible character), else 0.
 */
size_t fio_bom_len(const char *buf, size_t len);

/**
 * fio_read_all() - read all of the regular file @path, at most @max bytes.
 * A FIFO, socket or device is refused without waiting for a writer (it is
 * never opened for reading), a directory too.  A UTF-8 byte order mark at
 * the start is left out (fio_bom_len()): every reader of text sees the
 * text.
 * On success *@buf is a malloc'ed, NUL-terminated copy the caller frees and
 * *@len its length (without the NUL).
 * A file whose size is past @max is refused before it is read.
 * Return: 0; -EFBIG past @max; -EISDIR for a directory; -ENXIO for another
 * file that is not a regular one; another -errno from stat/open/read.
 */
int fio_read_all(const char *path, size_t max, char **buf, size_t *len);

/**
 * fio_read_head() - as fio_read_all(), but the first @max bytes (@max > 0)
 * of a file of any size: enough to tell what kind of document it is.
 * Return: 0; -EISDIR, -ENXIO or another -errno as fio_read_all().
 */
int fio_read_head(const char *path, size_t max, char **buf, size_t *len);

struct diags;

/**
 * fio_read_doc() - fio_read_all() of a document the user named: a failure
 * is also recorded in @d at "$", a size over @max naming the limit and
 * @what the file is ("a policy").
 * Return: what fio_read_all() returns.
 */
int fio_read_doc(const char *path, size_t max, const char *what, char **buf, size_t *len,
		 struct diags *d);

/**
 * fio_strerror() - the words for an error of this module, @err negative or
 * not: -ENXIO "not a regular file", -EMLINK "it has more than one hard link
 * (...)", else strerror().  Static storage.
 */
const char *fio_strerror(int err);

/**
 * fio_check_writable() - whether fio_write_atomic() can be expected to
 * replace or create @path, checked before a long job whose result goes
 * there: the directory of the file @path leads to exists and we may write
 * in it; that file, if it exists, is a regular file with one link, readable,
 * whose owner and group we can keep.  No file is created.
 * Return: 0; -ENOENT/-ENOTDIR/-EACCES/-EROFS for the directory; -EISDIR,
 * -ENXIO, -EMLINK, -EACCES or -EPERM (owner or group not ours to keep) for
 * the file.
 */
int fio_check_writable(const char *path);

/* The writer's lock of one state file. */
struct fio_lock;

/**
 * fio_lock() - take the writer's lock of @path: flock() on .NAME.zwlock
 * next to the file @path leads to (symbolic links followed, so every name
 * of one file shares its lock).  The lock file is not the state file,
 * whose inode each atomic replacement changes.  Hold it from reading the
 * file to fio_write_atomic() of its new content.  Waits up to @wait_ms
 * while another process holds it.  A process that dies releases it.
 * Readers take no lock: they see the old or the new file, whole.
 * On success *@out is the lock, for fio_unlock().
 * Return: 0; -ETIMEDOUT when still held after @wait_ms (*@holder, if not
 * NULL, is then the holder's PID as it wrote it, or 0 when unknown);
 * another -errno (e.g. -ENOENT for a missing directory).
 */
int fio_lock(const char *path, unsigned int wait_ms, struct fio_lock **out, pid_t *holder);

/** fio_unlock() - release and free @l.  Accepts NULL. */
void fio_unlock(struct fio_lock *l);

/**
 * fio_write_atomic() - replace @path with @len bytes of @data: a temporary
 * file .NAME.zwtmp.PID in the same directory, written, fsync'ed, renamed
 * over @path, and the directory fsync'ed.
 *
 * What @path is stays: a symbolic link is followed and its target replaced
 * (not the link; a link in a sticky world-writable directory only when it
 * is ours or the directory owner's, as fs.protected_symlinks); the new file
 * gets the owner, group and mode of the file it replaces (a new file: ours,
 * 0644 less the umask).  A file with more than one hard link is refused
 * (-EMLINK), as replacing it would split the links, and so is one whose
 * owner or group we cannot give the new file (-EPERM; root can).
 *
 * Temporary files of dead writers of @path are removed first.  SIGINT,
 * SIGTERM and SIGHUP are held back (blocked in the calling thread) while
 * the temporary file exists, so they end the process with the old or the
 * new file and no temporary one.  On failure @path is untouched and the
 * temporary file removed.
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

/**
 * fio_write_atomic_max() - fio_write_atomic_with() of a file that may hold
 * at most @max bytes (the limit its reader has): when @fill writes more,
 * the write stops there and @path is left untouched, so nothing is written
 * that could not be read back.
 * Return: 0; -EFBIG past @max; another -errno.
 */
int fio_write_atomic_max(const char *path, size_t max,
			 int (*fill)(struct fio_out *o, void *arg), void *arg);

/**
 * fio_write_fd() - stream @fill (called once with @arg) into the open @fd
 * (a pipe or terminal too: no fsync) through fio_out_write().
 * Return: 0 or -errno (@fill's own error when it failed).
 */
int fio_write_fd(int fd, int (*fill)(struct fio_out *o, void *arg), void *arg);

#endif
