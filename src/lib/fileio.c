// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Bounded whole-file reads, atomic replacement (temp, fsync, rename) that
 * keeps what the replaced file was (a symbolic link's target, owner, group,
 * mode), and the writer's lock that makes a read-modify-write of a state
 * file one step.
 */

#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "zonewall/diag.h"
#include "zonewall/fileio.h"

/* Only a regular file is read: a FIFO would block open() or read() for as
 * long as nobody writes to it, a device could be endless or have side
 * effects on open.  stat() first so such a file is never opened; fstat()
 * after the open covers a swap in between. */
static int fio_regular(const struct stat *st)
{
	if (S_ISREG(st->st_mode))
		return 0;
	return S_ISDIR(st->st_mode) ? -EISDIR : -ENXIO;
}

/* @st: the open file's status */
static int fio_open_regular(const char *path, struct stat *st)
{
	int fd, err, fl;

	if (stat(path, st) < 0)
		return -errno;
	err = fio_regular(st);
	if (err)
		return err;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0) {
		err = -errno;
		goto out_close;
	}
	err = fio_regular(st);
	if (err)
		goto out_close;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		err = -errno;
		goto out_close;
	}
	return fd;

out_close:
	close(fd);
	return err;
}

size_t fio_bom_len(const char *buf, size_t len)
{
	return len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3) ? 3 : 0;
}

/* fio_read_all(), or with @head the first @max bytes of a file of any size. */
static int fio_read_bounded(const char *path, size_t max, bool head, char **buf, size_t *len)
{
	size_t n = 0, cap = 4096;
	struct stat st;
	char *b, *nb;
	ssize_t r;
	int fd, err = 0;

	fd = fio_open_regular(path, &st);
	if (fd < 0)
		return fd;
	/* Refused before a byte is read; a file that grows while we read is
	 * still stopped at @max below.  Sized from the start: no copies. */
	if (!head && st.st_size > 0 && (uintmax_t)st.st_size > max) {
		err = -EFBIG;
		goto out_close;
	}
	if (st.st_size > 0 && (size_t)st.st_size >= cap)
		cap = (size_t)st.st_size + 1;
	if (head && cap > max)
		cap = max;
	b = malloc(cap + 1);
	if (!b) {
		err = -ENOMEM;
		goto out_close;
	}
	for (;;) {
		if (n == cap) {
			if (head && n >= max)
				break;
			if (cap > max) {
				err = -EFBIG;
				goto out_free_b;
			}
			cap = head && cap * 2 > max ? max : cap * 2;
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
	if (!head && n > max) {
		err = -EFBIG;
		goto out_free_b;
	}
	b[n] = '\0';
	if (fio_bom_len(b, n)) {
		n -= 3;
		memmove(b, b + 3, n + 1);
	}
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

int fio_read_all(const char *path, size_t max, char **buf, size_t *len)
{
	return fio_read_bounded(path, max, false, buf, len);
}

int fio_read_head(const char *path, size_t max, char **buf, size_t *len)
{
	return fio_read_bounded(path, max, true, buf, len);
}

const char *fio_strerror(int err)
{
	switch (err < 0 ? -err : err) {
	case ENXIO:
		return "not a regular file";
	case EMLINK:
		return "it has more than one hard link (replacing it would split them)";
	default:
		return strerror(err < 0 ? -err : err);
	}
}

/* --- where a write goes --------------------------------------------------------- */

static int fio_dirname(const char *path, char *dir, size_t size)
{
	const char *slash = strrchr(path, '/');
	int n;

	if (!slash)
		n = snprintf(dir, size, ".");
	else if (slash == path)
		n = snprintf(dir, size, "/");
	else
		n = snprintf(dir, size, "%.*s", (int)(slash - path), path);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static const char *fio_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/*
 * A symbolic link in a sticky, world-writable directory (/tmp) is followed
 * only when it belongs to us or to the directory's owner, as the kernel's
 * fs.protected_symlinks does for open(): we resolve links ourselves, so we
 * must not be the way around that protection.
 */
static int fio_link_trusted(const char *link, const struct stat *lst)
{
	struct stat dst;
	char dir[PATH_MAX];
	int err;

	err = fio_dirname(link, dir, sizeof(dir));
	if (err)
		return err;
	if (stat(dir, &dst) < 0)
		return -errno;
	if ((dst.st_mode & (S_ISVTX | S_IWOTH)) != (S_ISVTX | S_IWOTH))
		return 0;
	if (lst->st_uid == geteuid() || lst->st_uid == dst.st_uid)
		return 0;
	return -EACCES;
}

/* The file a write of @path must replace: @path with the symbolic links of
 * its last component followed (the directories on the way need not be
 * resolved: the temporary file goes next to the result, on its file system). */
static int fio_resolve(const char *path, char *out, size_t size)
{
	char cur[PATH_MAX], target[PATH_MAX], dir[PATH_MAX];
	struct stat lst;
	ssize_t n;
	int hops, err;

	if (snprintf(cur, sizeof(cur), "%s", path) >= (int)sizeof(cur))
		return -ENAMETOOLONG;
	for (hops = 0; hops < 40; hops++) {
		if (lstat(cur, &lst) < 0) {
			if (errno != ENOENT)
				return -errno;
			break;	/* a new file, or a link to one */
		}
		if (!S_ISLNK(lst.st_mode))
			break;
		err = fio_link_trusted(cur, &lst);
		if (err)
			return err;
		n = readlink(cur, target, sizeof(target) - 1);
		if (n < 0)
			return -errno;
		target[n] = '\0';
		if (target[0] == '/' || !strchr(cur, '/')) {
			memcpy(cur, target, (size_t)n + 1);
			continue;
		}
		err = fio_dirname(cur, dir, sizeof(dir));
		if (err)
			return err;
		if (snprintf(cur, sizeof(cur), "%s/%s", dir, target) >= (int)sizeof(cur))
			return -ENAMETOOLONG;
	}
	if (hops == 40)
		return -ELOOP;
	if (snprintf(out, size, "%s", cur) >= (int)size)
		return -ENAMETOOLONG;
	return 0;
}

/* Whether a file owned by @st's owner and group may be written by us with
 * both kept (fchown() of the temporary file): root, or its owner in its
 * group. */
static bool fio_can_keep_owner(const struct stat *st)
{
	bool found = false;
	gid_t *groups;
	int i, n;

	if (geteuid() == 0)
		return true;
	if (st->st_uid != geteuid())
		return false;
	if (st->st_gid == getegid())
		return true;
	n = getgroups(0, NULL);
	if (n <= 0)
		return false;
	groups = calloc((size_t)n, sizeof(*groups));
	if (!groups)
		return true;	/* the write itself will tell */
	n = getgroups(n, groups);
	for (i = 0; i < n && !found; i++)
		found = groups[i] == st->st_gid;
	free(groups);
	return found;
}

/* What would stop a replacement of the existing file @st. */
static int fio_check_existing(const struct stat *st)
{
	int err = fio_regular(st);

	if (err)
		return err;
	if (st->st_nlink > 1)
		return -EMLINK;
	return 0;
}

int fio_check_writable(const char *path)
{
	char real[PATH_MAX], dir[PATH_MAX];
	struct stat st;
	int err;

	err = fio_resolve(path, real, sizeof(real));
	if (!err)
		err = fio_dirname(real, dir, sizeof(dir));
	if (err)
		return err;
	if (stat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) < 0)
		return -errno;
	if (stat(real, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	err = fio_check_existing(&st);
	if (err)
		return err;
	if (faccessat(AT_FDCWD, real, R_OK, AT_EACCESS) < 0)
		return -errno;
	return fio_can_keep_owner(&st) ? 0 : -EPERM;
}

/* --- the writer's lock ---------------------------------------------------------- */

struct fio_lock {
	int fd;
};

/* ".NAME.SUFFIX" next to @real (the resolved target). */
static int fio_sidecar(const char *real, const char *suffix, char *out, size_t size)
{
	char dir[PATH_MAX];
	int err = fio_dirname(real, dir, sizeof(dir));

	if (err)
		return err;
	if (snprintf(out, size, "%s/.%s.%s", dir, fio_basename(real), suffix) >= (int)size)
		return -ENAMETOOLONG;
	return 0;
}

static pid_t fio_lock_holder(int fd)
{
	char buf[24];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	long pid;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	pid = strtol(buf, NULL, 10);
	return pid > 0 && pid <= INT_MAX ? (pid_t)pid : 0;
}

/* Who holds it, for the caller's message; the file stays (removing a
 * lock file races with a process about to lock it). */
static void fio_lock_note(int fd)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());

	if (ftruncate(fd, 0) == 0 && pwrite(fd, buf, (size_t)n, 0) < 0)
		return;	/* only a hint for a waiting writer's message */
}

int fio_lock(const char *path, unsigned int wait_ms, struct fio_lock **out, pid_t *holder)
{
	const struct timespec step = { 0, 20 * 1000 * 1000 };
	char real[PATH_MAX], name[PATH_MAX];
	struct fio_lock *l;
	unsigned int waited = 0;
	bool writable = true;
	int fd, err;

	*out = NULL;
	if (holder)
		*holder = 0;
	err = fio_resolve(path, real, sizeof(real));
	if (!err)
		err = fio_sidecar(real, "zwlock", name, sizeof(name));
	if (err)
		return err;
	fd = open(name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0644);
	if (fd < 0 && (errno == EACCES || errno == EROFS)) {
		/* flock() needs no write access: someone else's lock file */
		fd = open(name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
		writable = false;
	}
	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK) {
			err = -errno;
			goto out_close;
		}
		if (waited >= wait_ms) {
			if (holder)
				*holder = fio_lock_holder(fd);
			err = -ETIMEDOUT;
			goto out_close;
		}
		nanosleep(&step, NULL);
		waited += 20;
	}
	l = malloc(sizeof(*l));
	if (!l) {
		err = -ENOMEM;
		goto out_close;
	}
	if (writable)
		fio_lock_note(fd);
	l->fd = fd;
	*out = l;
	return 0;

out_close:
	close(fd);
	return err;
}

void fio_unlock(struct fio_lock *l)
{
	if (!l)
		return;
	close(l->fd);	/* releases the flock */
	free(l);
}

/* --- atomic replacement ---------------------------------------------------------- */

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

static int fio_fsync_dir(const char *dir)
{
	int fd, err = 0;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0 && errno != EINVAL)
		err = -errno;
	close(fd);
	return err;
}

/*
 * Remove the temporary files of writers of @real that died before their
 * rename (kill -9, a crash, a power cut): ".NAME.zwtmp.PID" whose PID is
 * no longer alive.  A PID we cannot signal (EPERM) is alive.  Best effort:
 * a temporary file left is only litter, never the state.
 */
static void fio_clean_stale(const char *dir, const char *base)
{
	char prefix[NAME_MAX + 16];
	struct dirent *de;
	size_t plen;
	DIR *d;
	long pid;
	char *end;

	if (snprintf(prefix, sizeof(prefix), ".%s.zwtmp.", base) >= (int)sizeof(prefix))
		return;
	plen = strlen(prefix);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, prefix, plen) || !isdigit((unsigned char)de->d_name[plen]))
			continue;
		errno = 0;
		pid = strtol(de->d_name + plen, &end, 10);
		if (errno || *end || pid <= 0 || pid > INT_MAX)
			continue;
		if (pid == (long)getpid() || (kill((pid_t)pid, 0) < 0 && errno == ESRCH))
			unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

/* Buffered output into the temporary file; the first error sticks. */
struct fio_out {
	int fd;
	int err;
	size_t len;
	size_t left;		/* bytes the file may still take: past them, -EFBIG */
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

	if (!o->err && len > o->left)
		o->err = -EFBIG;
	if (!o->err)
		o->left -= len;
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

/* Stream @fill into @fd, at most @max bytes. */
static int fio_fill_out(int fd, size_t max, int (*fill)(struct fio_out *o, void *arg),
			void *arg)
{
	struct fio_out *o = malloc(sizeof(*o));
	int err;

	if (!o)
		return -ENOMEM;
	o->fd = fd;
	o->err = 0;
	o->len = 0;
	o->left = max;
	err = fill(o, arg);
	fio_out_flush(o);
	if (!err)
		err = o->err;
	free(o);
	return err;
}

/* Fill the temp file @fd through @fill, then fsync it. */
static int fio_fill_fd(int fd, size_t max, int (*fill)(struct fio_out *o, void *arg),
		       void *arg)
{
	int err = fio_fill_out(fd, max, fill, arg);

	if (!err && fsync(fd) < 0)
		err = -errno;
	return err;
}

int fio_write_fd(int fd, int (*fill)(struct fio_out *o, void *arg), void *arg)
{
	return fio_fill_out(fd, SIZE_MAX, fill, arg);
}

/* The temporary file @tmp, made like the file @old it replaces (NULL: a new
 * file, 0644 less the umask).  Owner and group before the mode: fchown()
 * clears set-id bits. */
static int fio_make_tmp(const char *tmp, const struct stat *old)
{
	struct stat st;
	int fd, tries, err;

	for (tries = 0; ; tries++) {
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY,
			  old ? 0600 : 0644);
		if (fd >= 0 || errno != EEXIST || tries)
			break;
		unlink(tmp);	/* ours by its name: a dead process with our PID */
	}
	if (fd < 0)
		return -errno;
	if (!old)
		return fd;
	if (fstat(fd, &st) < 0)
		goto out_errno;
	if ((st.st_uid != old->st_uid || st.st_gid != old->st_gid) &&
	    fchown(fd, old->st_uid, old->st_gid) < 0)
		goto out_errno;
	if (fchmod(fd, old->st_mode & 07777) < 0)
		goto out_errno;
	return fd;

out_errno:
	err = -errno;
	close(fd);
	unlink(tmp);
	return err;
}

int fio_write_atomic_max(const char *path, size_t max,
			 int (*fill)(struct fio_out *o, void *arg), void *arg)
{
	char real[PATH_MAX], dir[PATH_MAX], tmp[PATH_MAX];
	sigset_t block, saved;
	struct stat old;
	bool exists;
	int fd, err;

	err = fio_resolve(path, real, sizeof(real));
	if (!err)
		err = fio_dirname(real, dir, sizeof(dir));
	if (!err && snprintf(tmp, sizeof(tmp), "%s/.%s.zwtmp.%ld", dir, fio_basename(real),
			     (long)getpid()) >= (int)sizeof(tmp))
		err = -ENAMETOOLONG;
	if (err)
		return err;
	exists = stat(real, &old) == 0;
	if (!exists && errno != ENOENT)
		return -errno;
	if (exists) {
		err = fio_check_existing(&old);
		if (err)
			return err;
	}
	fio_clean_stale(dir, fio_basename(real));

	/* SIGINT/TERM/HUP wait until the temporary file is renamed or removed:
	 * an interrupted write leaves the old file and no litter. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &saved);
	fd = fio_make_tmp(tmp, exists ? &old : NULL);
	if (fd < 0) {
		err = fd;
		goto out_unblock;
	}
	err = fio_fill_fd(fd, max, fill, arg);
	if (close(fd) < 0 && !err)
		err = -errno;
	if (!err && rename(tmp, real) < 0)
		err = -errno;
	if (err)
		unlink(tmp);
out_unblock:
	sigprocmask(SIG_SETMASK, &saved, NULL);
	return err ? err : fio_fsync_dir(dir);
}

int fio_write_atomic_with(const char *path, int (*fill)(struct fio_out *o, void *arg),
			  void *arg)
{
	return fio_write_atomic_max(path, SIZE_MAX, fill, arg);
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

int fio_read_doc(const char *path, size_t max, const char *what, char **buf, size_t *len,
		 struct diags *d)
{
	int err = fio_read_all(path, max, buf, len);

	if (err == -EFBIG)
		diag_add(d, "$", "cannot read: larger than %zu MiB, the most %s file may hold "
			 "(zonewall-policy(5))", max >> 20, what);
	else if (err)
		diag_add(d, "$", "cannot read: %s", fio_strerror(err));
	return err;
}
