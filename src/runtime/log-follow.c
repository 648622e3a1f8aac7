// SPDX-License-Identifier: GPL-2.0-or-later
/* Following an appended-to log file with inotify (see log-follow.h). */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#include "zonewall/diag.h"
#include "zonewall/log-follow.h"
#include "zonewall/hardening.h"

struct evfile {
	int ifd;		/* inotify, watching the directory */
	int wd;
	int fd;			/* the file as last opened */
	dev_t dev;
	ino_t ino;
	off_t off;		/* bytes of it read */
	size_t dirlen;		/* path[0..dirlen) is its directory */
	unsigned long rotations;
	struct rt_linebuf lb;
	char path[PATH_MAX];
};

/* The problem of the log at @f->path: "event log PATH: MSG". */
static int evfile_problem(const struct evfile *f, struct diags *d, int rc, const char *msg)
{
	char where[sizeof(f->path) + 16];

	snprintf(where, sizeof(where), "event log %s", f->path);
	diag_add(d, where, "%s", msg);
	return rc;
}

static int evfile_reopen(struct evfile *f, bool at_end, struct diags *d)
{
	struct stat st;
	int fd, rc;

	rc = safe_file_check("event log", f->path, d);
	if (rc)
		return rc;
	fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0) {
		rc = -errno;
		evfile_problem(f, d, rc, strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	if (f->fd >= 0)
		close(f->fd);
	f->fd = fd;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->off = at_end ? lseek(fd, 0, SEEK_END) : 0;
	if (f->off < 0)
		f->off = 0;
	rt_linebuf_reset(&f->lb);
	return 0;
}

int evfile_open(const char *path, struct evfile **out, struct diags *d)
{
	char dir[PATH_MAX], *slash;
	struct evfile *f;
	int rc;

	*out = NULL;
	if (strlen(path) >= sizeof(f->path) || path[0] != '/') {
		diag_add(d, "", "event log %.200s: not an absolute path", path);
		return -EINVAL;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		diag_add(d, "", "out of memory");
		return -ENOMEM;
	}
	f->fd = -1;
	strcpy(f->path, path);
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	slash[slash == dir ? 1 : 0] = '\0';
	f->dirlen = strlen(dir);
	rt_linebuf_init(&f->lb, RT_LINE_MAX);
	/* the watch first: what is appended between it and the open is read */
	f->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (f->ifd < 0) {
		rc = -errno;
		diag_add(d, "inotify", "%s", strerror(errno));
		goto out_free;
	}
	f->wd = inotify_add_watch(f->ifd, dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO |
				  IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR);
	if (f->wd < 0) {
		rc = -errno;
		diag_add(d, "", "event log directory %.200s: %s", dir, strerror(errno));
		goto out_free;
	}
	rc = evfile_reopen(f, true, d);
	if (rc)
		goto out_free;
	*out = f;
	return 0;
out_free:
	evfile_close(f);
	return rc;
}

void evfile_close(struct evfile *f)
{
	if (!f)
		return;
	if (f->fd >= 0)
		close(f->fd);
	if (f->ifd >= 0)
		close(f->ifd);
	rt_linebuf_free(&f->lb);
	free(f);
}

int evfile_fd(const struct evfile *f)
{
	return f->ifd;
}

unsigned long evfile_rotations(const struct evfile *f)
{
	return f->rotations;
}

/* Empty the notification queue; -ENOENT once the directory itself went. */
static int evfile_drain(struct evfile *f)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *e;
	ssize_t n;

	while ((n = read(f->ifd, buf, sizeof(buf))) > 0)
		for (char *p = buf; p < buf + n; p += sizeof(*e) + e->len) {
			e = (const struct inotify_event *)p;
			if (e->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED))
				return -ENOENT;
		}
	return n < 0 && errno != EAGAIN ? -errno : 0;
}

/* Read the open file from where we are to its end. */
static int evfile_slurp(struct evfile *f, rt_line_fn fn, void *ctx)
{
	char buf[65536];
	ssize_t n;

	while ((n = pread(f->fd, buf, sizeof(buf), f->off)) > 0) {
		f->off += n;
		/* -ENOMEM drops the partial line only: the next one is whole */
		rt_linebuf_feed(&f->lb, buf, (size_t)n, fn, ctx);
	}
	return n < 0 ? -errno : 0;
}

static bool evfile_dir_exists(const struct evfile *f)
{
	char dir[PATH_MAX];
	struct stat st;

	memcpy(dir, f->path, f->dirlen);
	dir[f->dirlen] = '\0';
	return stat(dir, &st) == 0 || errno != ENOENT;
}

static int evfile_fail(const struct evfile *f, int rc, struct diags *d)
{
	return evfile_problem(f, d, rc, rc == -ENOENT ? "its directory went away" : strerror(-rc));
}

int evfile_read(struct evfile *f, rt_line_fn fn, void *ctx, struct diags *d)
{
	struct stat st;
	int rc;

	rc = evfile_drain(f);
	if (!rc)
		rc = evfile_slurp(f, fn, ctx);
	if (rc)
		return evfile_fail(f, rc, d);
	if (stat(f->path, &st) < 0) {
		if (errno != ENOENT)
			return evfile_fail(f, -errno, d);
		/* between an unlink and the new file (its creation wakes us),
		 * unless the directory went too (the file we hold open keeps
		 * the directory's own deletion event from coming) */
		return evfile_dir_exists(f) ? 0 : evfile_fail(f, -ENOENT, d);
	}
	if (st.st_dev != f->dev || st.st_ino != f->ino) {
		/* renamed over: the old file may have grown after the read
		 * above and before the rename (its writer appends, then
		 * rotates); nobody writes it once replaced */
		rc = evfile_slurp(f, fn, ctx);
		if (rc)
			return evfile_fail(f, rc, d);
		rc = evfile_reopen(f, false, d);
		if (rc)
			return rc;
	} else if (st.st_size < f->off) {
		f->off = 0;	/* truncated in place */
		rt_linebuf_reset(&f->lb);
	} else {
		return 0;
	}
	f->rotations++;
	rc = evfile_slurp(f, fn, ctx);
	return rc ? evfile_fail(f, rc, d) : 0;
}
