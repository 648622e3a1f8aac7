// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Refused flows: the kernel's NFLOG copies, judged against the snapshot
 * the tables were compiled from (cmp_log_row()), appended to
 * STATE_DIR/denied.jsonl (bounded, rotated whole) and published to the
 * control socket's `denied` subscribers.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#include "zwd-enforce.h"

/* (Re)open STATE_DIR/denied.jsonl for appending; it may hold lines already. */
void zwd_denied_open(struct zwd_enforce *e)
{
	char path[PATH_MAX + 32];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", e->d->cfg.state_dir, ZWD_DENIED_FILE);
	e->denied_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (e->denied_fd < 0)
		zwd_log(LOG_ERR, "denied log %s: %s", path, strerror(errno));
	e->denied_size = e->denied_fd >= 0 && fstat(e->denied_fd, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* Bounded on disk: past denied_log_max bytes the file becomes denied.jsonl.1
 * (replacing the previous one) and a new one starts.  Lines stay whole. */
static void zwd_denied_rotate(struct zwd_enforce *e)
{
	char from[PATH_MAX + 32], to[PATH_MAX + 32];

	snprintf(from, sizeof(from), "%s/%s", e->d->cfg.state_dir, ZWD_DENIED_FILE);
	snprintf(to, sizeof(to), "%s/%s.1", e->d->cfg.state_dir, ZWD_DENIED_FILE);
	if (rename(from, to) < 0) {
		snprintf(e->last_error, sizeof(e->last_error), "denied log: rotate: %s",
			 strerror(errno));
		return;		/* keep appending rather than lose lines */
	}
	close(e->denied_fd);
	e->denied_rotations++;
	zwd_denied_open(e);
}

static void zwd_denied_write(struct zwd_enforce *e, json_t *row)
{
	char *line = json_dumps(row, JSON_COMPACT | JSON_PRESERVE_ORDER);
	size_t len;

	if (!line || e->denied_fd < 0) {
		free(line);
		return;
	}
	len = strlen(line);
	line[len] = '\n';	/* json_dumps' NUL becomes the newline: one write, one line */
	if (e->denied_size && e->denied_size + len + 1 > e->d->cfg.denied_log_max)
		zwd_denied_rotate(e);
	if (e->denied_fd >= 0 && write(e->denied_fd, line, len + 1) < 0)
		snprintf(e->last_error, sizeof(e->last_error), "denied log: %s", strerror(errno));
	else
		e->denied_size += len + 1;
	free(line);
}

static void zwd_on_nflog_event(void *ctx, const struct nflog_event *ev)
{
	struct zwd_enforce *e = ctx;
	char port[IF_NAMESIZE] = "";
	struct cmp_logtag tag;
	json_t *row;

	if (!e->snap || !cmp_logtag_parse(ev->prefix, &tag))
		return;
	/* the bridge table's are named by the port they came in by */
	if (tag.spoofed)
		nflog_in_port(ev, port);
	row = cmp_log_row(e->snap, e->pol, &tag, port, ev->hw_proto, ev->payload, ev->len,
			  ev->time_ns);
	if (!row)
		return;
	e->denied++;
	zwd_denied_write(e, row);
	zwd_denied_publish(e->d, row);
	json_decref(row);
}

void zwd_on_nflog(struct loop *lp, int fd, uint32_t events, void *arg)
{
	struct zwd_enforce *e = arg;
	int rc = nflog_read(e->nfl, 0, zwd_on_nflog_event, e);

	if (rc == -ENOBUFS)
		e->nflog_overruns++;
}
