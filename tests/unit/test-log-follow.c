// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: following an appended-to log file (evfile), in a temporary
 * directory: appends, partial lines, rotation by rename, truncation,
 * unsafe files and a directory that goes away. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "rt-oneline.h"
#include "tap.h"
#include "zonewall/log-follow.h"

static void bail(const char *what)
{
	printf("Bail out! %s: %s\n", what, strerror(errno));
	exit(1);
}

struct seen {
	char text[4096];
	int lines;
};

static void take(void *ctx, const char *line, size_t len)
{
	struct seen *s = ctx;
	size_t n = strlen(s->text);

	snprintf(s->text + n, sizeof(s->text) - n, "%.*s|", (int)len, line);
	s->lines++;
}

static void append(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0600);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		bail(path);
	close(fd);
}

static bool readable(const struct evfile *f)
{
	struct pollfd p = { .fd = evfile_fd(f), .events = POLLIN };

	return poll(&p, 1, 5000) == 1;	/* bound for a broken test, not a timing */
}

/* Read what is there into a fresh @s; the return of evfile_read(). */
static int drain(struct evfile *f, struct seen *s, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	return t_evfile_read(f, take, s, err, errlen);
}

int main(void)
{
	char dir[] = "/tmp/zw-evfile-XXXXXX", path[256], tmp[256], err[512];
	struct evfile *f = NULL;
	struct seen s;
	int rc;

	if (!mkdtemp(dir))
		bail("mkdtemp");
	snprintf(path, sizeof(path), "%s/events.log", dir);
	snprintf(tmp, sizeof(tmp), "%s/events.log.tmp", dir);

	tap_is_int(t_evfile_open("events.log", &f, err, sizeof(err)), -EINVAL,
		   "a relative path refused: %s", err);
	tap_is_int(t_evfile_open(path, &f, err, sizeof(err)), -ENOENT,
		   "a missing file refused: %s", err);
	append(path, "old 1\nold 2\n");
	chmod(path, 0622);
	tap_is_int(t_evfile_open(path, &f, err, sizeof(err)), -EPERM,
		   "a file others may write refused: %s", err);
	chmod(path, 0600);

	rc = t_evfile_open(path, &f, err, sizeof(err));
	tap_is_int(rc, 0, "opened: %s", rc ? err : "");
	if (rc)
		return tap_done();
	tap_ok(!drain(f, &s, err, sizeof(err)) && s.lines == 0,
	       "followed from its end: what was there is not read");

	append(path, "a\nb\n");
	tap_ok(readable(f), "an append wakes the descriptor");
	tap_ok(!drain(f, &s, err, sizeof(err)) && !strcmp(s.text, "a|b|"), "two lines: %s", s.text);
	tap_ok(!drain(f, &s, err, sizeof(err)) && s.lines == 0, "nothing new, nothing read");

	append(path, "par");
	tap_ok(!drain(f, &s, err, sizeof(err)) && s.lines == 0, "a partial line waits");
	append(path, "tial\nc\n");
	tap_ok(!drain(f, &s, err, sizeof(err)) && !strcmp(s.text, "partial|c|"),
	       "then comes whole: %s", s.text);

	/* Podman's rotation: the kept part and a marker into a new file,
	 * renamed over the old one; a line appended to the old file just
	 * before the rename is not lost */
	append(path, "last of old\n");
	append(tmp, "kept\nrotated\n");
	rename(tmp, path);
	tap_ok(readable(f), "a rename over the file wakes the descriptor");
	tap_ok(!drain(f, &s, err, sizeof(err)) && !strcmp(s.text, "last of old|kept|rotated|"),
	       "rotation: the old file's rest, then the new one from its start: %s", s.text);
	tap_is_int((int)evfile_rotations(f), 1, "one rotation counted");
	append(path, "d\n");
	tap_ok(!drain(f, &s, err, sizeof(err)) && !strcmp(s.text, "d|"),
	       "the new file followed: %s", s.text);

	tap_ok(truncate(path, 0) == 0, "truncated in place");
	append(path, "e\n");
	tap_ok(!drain(f, &s, err, sizeof(err)) && !strcmp(s.text, "e|"),
	       "after a truncation, read from the start: %s", s.text);
	tap_is_int((int)evfile_rotations(f), 2, "the truncation counted");

	unlink(path);
	tap_ok(!drain(f, &s, err, sizeof(err)), "the file removed: not an error yet (a new one may come)");
	append(path, "f\n");
	tap_ok(!drain(f, &s, err, sizeof(err)) && !strcmp(s.text, "f|"),
	       "a new file in its place followed: %s", s.text);

	append(tmp, "g\n");
	chmod(tmp, 0666);
	rename(tmp, path);
	rc = drain(f, &s, err, sizeof(err));
	tap_ok(rc == -EPERM && strstr(err, "writable by others"),
	       "a replacement others may write is refused: %s", err);
	evfile_close(f);

	chmod(path, 0600);
	rc = t_evfile_open(path, &f, err, sizeof(err));
	tap_is_int(rc, 0, "reopened");
	unlink(path);
	rmdir(dir);
	rc = rc ? 0 : drain(f, &s, err, sizeof(err));
	tap_ok(rc == -ENOENT && strstr(err, "directory went away"),
	       "the directory removed: an error naming it: %s", err);
	evfile_close(f);
	evfile_close(NULL);
	return tap_done();
}
