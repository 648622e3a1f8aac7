// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The audit log: one JSON object per line for every state-changing
 * request, fsync'ed before the requester hears "done", so each change is
 * tied to a person (uid, pid, name) and a time even across a crash.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "zonewall/ctl.h"
#include "zonewall/timefmt.h"

struct ctl_audit {
	int fd;
};

void ctl_peer_fill(struct ctl_peer *p, uid_t uid, gid_t gid, pid_t pid)
{
	struct passwd pw, *res = NULL;
	char buf[1024];

	p->uid = uid;
	p->gid = gid;
	p->pid = pid;
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res &&
	    strlen(res->pw_name) < sizeof(p->user))
		strcpy(p->user, res->pw_name);
	else
		snprintf(p->user, sizeof(p->user), "%u", (unsigned int)uid);
}

struct ctl_audit *ctl_audit_open(const char *path)
{
	struct ctl_audit *a = malloc(sizeof(*a));
	int e;

	if (!a)
		return NULL;
	a->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (a->fd < 0) {
		e = errno;
		free(a);
		errno = e;
		return NULL;
	}
	return a;
}

void ctl_audit_close(struct ctl_audit *a)
{
	if (!a)
		return;
	close(a->fd);
	free(a);
}

json_t *ctl_audit_line(uint64_t now_ms, const struct ctl_peer *peer, const char *via,
		       const char *command, const json_t *request, const char *error,
		       const char *detail)
{
	char when[40];
	json_t *o;

	tfmt_rfc3339(when, sizeof(when), (int64_t)(now_ms / 1000), (long)(now_ms % 1000) * 1000000,
		     TFMT_MS);
	o = json_pack("{s:s, s:I, s:I, s:s, s:s, s:s, s:s}", "time", when,
		      "uid", (json_int_t)peer->uid, "pid", (json_int_t)peer->pid,
		      "user", peer->user, "via", via, "command", command,
		      "outcome", error && *error ? "failed" : "ok");
	if (!o)
		return NULL;
	if (request && json_object_set(o, "request", (json_t *)request))
		goto out_decref_o;
	if (error && *error && json_object_set_new(o, "error", json_string(error)))
		goto out_decref_o;
	if (detail && *detail && json_object_set_new(o, "detail", json_string(detail)))
		goto out_decref_o;
	return o;
out_decref_o:
	json_decref(o);
	return NULL;
}

int ctl_audit_write(struct ctl_audit *a, const struct ctl_peer *peer, const char *via,
		    const char *command, const json_t *request, const char *error,
		    const char *detail)
{
	struct timespec ts;
	json_t *o;
	char *s;
	size_t len;
	ssize_t w;
	int err = 0;

	if (!a)
		return -EBADF;
	clock_gettime(CLOCK_REALTIME, &ts);
	o = ctl_audit_line((uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, peer, via,
			   command, request, error, detail);
	s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	if (!s)
		return -ENOMEM;
	len = strlen(s);
	s[len++] = '\n';
	/* O_APPEND and a single write keep concurrent writers' lines whole. */
	w = write(a->fd, s, len);
	if (w < 0)
		err = -errno;
	else if ((size_t)w != len)
		err = -EIO;
	else if (fsync(a->fd) < 0)
		err = -errno;
	free(s);
	return err;
}
