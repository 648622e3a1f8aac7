// SPDX-License-Identifier: GPL-2.0-or-later
/* Who controls the tables of a network namespace (see owner.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "zonewall/owner.h"

int own_path(char *buf, size_t len)
{
	struct stat st;

	if (stat("/proc/self/ns/net", &st) < 0)
		return -errno;
	snprintf(buf, len, OWN_DIR "/owner-net-%llu.lock", (unsigned long long)st.st_ino);
	return 0;
}

/* What the holder wrote, as one line (a file of someone else's may hold anything). */
static void own_read(int fd, char *buf, size_t len)
{
	ssize_t n;

	if (!len)
		return;
	n = pread(fd, buf, len - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	for (char *p = buf; *p; p++)
		if (*p == '\n' || (unsigned char)*p < ' ') {
			*p = '\0';
			break;
		}
}

int own_take(const char *path, const char *holder, int *fd, char *current, size_t clen)
{
	size_t n = strlen(holder);
	int f, rc;

	if (current && clen)
		current[0] = '\0';
	if (mkdir(OWN_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	f = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (f < 0)
		return -errno;
	if (flock(f, LOCK_EX | LOCK_NB) < 0) {
		rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
		if (current)
			own_read(f, current, clen);
		goto out_close;
	}
	if (ftruncate(f, 0) < 0 || pwrite(f, holder, n, 0) != (ssize_t)n ||
	    pwrite(f, "\n", 1, (off_t)n) != 1) {
		rc = errno ? -errno : -EIO;
		goto out_close;
	}
	*fd = f;
	return 0;

out_close:
	close(f);
	return rc;
}

int own_check(const char *path, char *holder, size_t hlen)
{
	int f = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), rc;

	if (holder && hlen)
		holder[0] = '\0';
	if (f < 0)
		return errno == ENOENT ? 0 : -errno;
	if (flock(f, LOCK_SH | LOCK_NB) == 0) {
		rc = 0;		/* nobody holds it: a daemon that has gone */
	} else if (errno == EWOULDBLOCK) {
		rc = 1;
		if (holder)
			own_read(f, holder, hlen);
	} else {
		rc = -errno;
	}
	close(f);
	return rc;
}
