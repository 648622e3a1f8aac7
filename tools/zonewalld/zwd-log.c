// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zonewalld's log: one line per event, to stderr in the foreground and to
 * syslog otherwise (log = auto), as text or as JSON lines (log_format).
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zonewall/diag.h"
#include "zonewall/hardening.h"
#include "zonewall/timefmt.h"
#include "zwd.h"

static enum cfg_log zwd_log_target = CFG_LOG_STDERR;
static bool zwd_log_json;
static bool zwd_syslog_open;
static bool zwd_log_stamp;	/* stderr lines get a time (not under the journal) */

void zwd_log_setup(enum cfg_log target, bool json, bool foreground)
{
	if (target == CFG_LOG_AUTO)
		target = foreground ? CFG_LOG_STDERR : CFG_LOG_SYSLOG;
	if (target == CFG_LOG_SYSLOG && !zwd_syslog_open) {
		openlog("zonewalld", LOG_PID | LOG_NDELAY, LOG_DAEMON);
		zwd_syslog_open = true;
	}
	zwd_log_target = target;
	zwd_log_json = json;
	/* systemd sets JOURNAL_STREAM when stderr is the journal, which stamps
	 * every line itself */
	zwd_log_stamp = !getenv("JOURNAL_STREAM");
}

static const char *zwd_prio_name(int prio)
{
	static const char *const names[] = {
		"emerg", "alert", "crit", "error", "warning", "notice", "info", "debug",
	};

	return names[prio & 7];
}

void zwd_vlog(int prio, const char *fmt, va_list ap)
{
	char msg[1024], when[40], *p;
	struct timespec ts;
	json_t *o;
	char *s;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	for (p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	clock_gettime(CLOCK_REALTIME, &ts);
	if (!zwd_log_json) {
		/* syslog and the journal stamp their lines; a terminal gets the time */
		tfmt_rfc3339(when, sizeof(when), ts.tv_sec, ts.tv_nsec, TFMT_MS);
		if (zwd_log_target == CFG_LOG_SYSLOG)
			syslog(prio, "%s", msg);
		else
			fprintf(stderr, "%s%szonewalld: %s: %s\n", zwd_log_stamp ? when : "",
				zwd_log_stamp ? " " : "", zwd_prio_name(prio), msg);
		return;
	}
	tfmt_rfc3339(when, sizeof(when), ts.tv_sec, 0, TFMT_S);
	o = json_pack("{s:s, s:s, s:s}", "time", when, "level", zwd_prio_name(prio), "msg", msg);
	s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	if (zwd_log_target == CFG_LOG_SYSLOG)
		syslog(prio, "%s", s ? s : msg);
	else
		fprintf(stderr, "%s\n", s ? s : msg);
	free(s);
}

int zwd_file_check(const char *what, const char *path, char *why, size_t whylen)
{
	struct diags d;
	int rc;

	diags_init(&d);
	rc = safe_file_check(what, path, &d);
	if (rc)
		diags_summary(&d, why, whylen);
	return rc;
}

void zwd_log(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	zwd_vlog(prio, fmt, ap);
	va_end(ap);
}
