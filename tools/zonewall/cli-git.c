// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The commit a file was pushed from (see cli-git.h): .git/HEAD, then the
 * branch it names as a loose ref or in packed-refs.  A linked work tree's
 * .git is a file naming its git directory, whose "commondir" holds the
 * shared refs.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli-git.h"
#include "zonewall/fileio.h"

static int clig_read_line(const char *dir, const char *name, char *out, size_t len)
{
	char path[PATH_MAX * 2];
	size_t n = 0;
	char *buf;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (fio_read_all(path, 1 << 16, &buf, &n))
		return -ENOENT;
	n = strcspn(buf, "\r\n");
	snprintf(out, len, "%.*s", (int)n, buf);
	free(buf);
	return 0;
}

static bool clig_is_sha(const char *s)
{
	return strlen(s) == 40 && strspn(s, "0123456789abcdef") == 40;
}

/* @ref ("refs/heads/main") in @gitdir's packed-refs */
static int clig_packed(const char *gitdir, const char *ref, char *out, size_t len)
{
	char path[PATH_MAX * 2], *buf, *line, *save = NULL;
	size_t n;
	int rc = -ENOENT;

	snprintf(path, sizeof(path), "%s/packed-refs", gitdir);
	if (fio_read_all(path, 64 << 20, &buf, &n))
		return -ENOENT;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strlen(line) > 41 && line[40] == ' ' && !strcmp(line + 41, ref)) {
			snprintf(out, len, "%.40s", line);
			rc = clig_is_sha(out) ? 0 : -ENOENT;
			break;
		}
	free(buf);
	return rc;
}

/* the git directory of the work tree above @dir, into @gitdir and @common */
/* @a, or @a/@b, into @out: -ENAMETOOLONG when it does not fit */
static int clig_join(char *out, size_t len, const char *a, const char *b)
{
	int n = b ? snprintf(out, len, "%s/%s", a, b) : snprintf(out, len, "%s", a);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int clig_find(char *dir, char *gitdir, char *common, size_t len)
{
	char path[PATH_MAX], line[PATH_MAX];

	for (;;) {
		if (!clig_join(path, sizeof(path), dir, ".git") &&
		    !clig_read_line(path, "HEAD", line, sizeof(line)))
			return clig_join(gitdir, len, path, NULL) ?: clig_join(common, len, path, NULL);
		if (!clig_read_line(*dir ? dir : "/", ".git", line, sizeof(line)) &&
		    !strncmp(line, "gitdir: ", 8)) {
			if (clig_join(gitdir, len, line + 8, NULL))
				return -ENOENT;
			if (clig_read_line(gitdir, "commondir", line, sizeof(line)))
				return clig_join(common, len, gitdir, NULL);
			return line[0] == '/' ? clig_join(common, len, line, NULL)
					      : clig_join(common, len, gitdir, line);
		}
		if (!*dir)
			return -ENOENT;
		*strrchr(dir, '/') = '\0';	/* up one; "" is the root */
	}
}

int clig_head_commit(const char *path, char *out, size_t len)
{
	char dir[PATH_MAX], gitdir[PATH_MAX], common[PATH_MAX], head[PATH_MAX];
	char *slash;

	if (!realpath(path, dir) || !(slash = strrchr(dir, '/')))
		return -ENOENT;
	*slash = '\0';
	if (clig_find(dir, gitdir, common, sizeof(gitdir)) ||
	    clig_read_line(gitdir, "HEAD", head, sizeof(head)))
		return -ENOENT;
	if (clig_is_sha(head)) {	/* a detached HEAD */
		snprintf(out, len, "%s", head);
		return 0;
	}
	if (strncmp(head, "ref: ", 5))
		return -ENOENT;
	if ((!clig_read_line(gitdir, head + 5, out, len) ||
	     !clig_read_line(common, head + 5, out, len)) && clig_is_sha(out))
		return 0;
	return clig_packed(common, head + 5, out, len);
}
