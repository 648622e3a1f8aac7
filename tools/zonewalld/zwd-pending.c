// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the modes hand back to the control side without knowing it: the
 * pending change an apply --confirm-within arms (rolled back by a timer
 * unless confirmed), and the feed of refused flows that `zonewall denied
 * --follow` subscribers and status read.  Below the modes, so enforce
 * calls down here and never up into the command table.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "zwd.h"

/* --- the pending change (confirm) ---------------------------------------------------------- */

void zwd_pending_disarm(struct zwd *d)
{
	loop_source_del(d->pending.timer);
	memset(&d->pending, 0, sizeof(d->pending));
}

static void zwd_pending_expired(struct loop *l, void *arg)
{
	struct zwd *d = arg;
	struct zwd_pending p = d->pending;
	struct ctl_peer self;
	int err;

	zwd_pending_disarm(d);
	ctl_peer_fill(&self, getuid(), getgid(), getpid());
	zwd_log(LOG_WARNING, "no confirm within the deadline: rolling back %s (applied by %s)",
		p.what, p.by.user);
	if (p.rollback)
		p.rollback(p.arg);
	err = ctl_audit_write(d->audit, &self, "timer", "rollback", NULL, NULL, p.what);
	if (err)
		met_inc(met_scalar(d->m.audit_failures));
}

int zwd_pending_arm(struct zwd *d, unsigned int seconds, const char *what,
		    const struct ctl_peer *by, void (*rollback)(void *arg),
		    void (*confirmed)(void *arg), void *arg)
{
	if (d->pending.armed)
		return -EBUSY;
	d->pending.timer = loop_timer_add(d->loop, (uint64_t)seconds * 1000, 0,
					  zwd_pending_expired, d);
	if (!d->pending.timer)
		return -errno;
	d->pending.armed = true;
	d->pending.deadline_ms = loop_now_ms() + (uint64_t)seconds * 1000;
	snprintf(d->pending.what, sizeof(d->pending.what), "%s", what);
	d->pending.by = *by;
	d->pending.rollback = rollback;
	d->pending.confirmed = confirmed;
	d->pending.arg = arg;
	return 0;
}

void zwd_denied_publish(struct zwd *d, json_t *event)
{
	if (d->denied_recent) {
		if (json_array_size(d->denied_recent) >= ZWD_DENIED_KEEP)
			json_array_remove(d->denied_recent, 0);
		json_array_append(d->denied_recent, event);
	}
	if (d->ctl)
		ctl_publish(d->ctl, "denied", event);
}

json_t *zwd_pending_json(const struct zwd *d)
{
	uint64_t now = loop_now_ms();

	if (!d->pending.armed)
		return json_pack("{s:b}", "pending", 0);
	return json_pack("{s:b, s:s, s:s, s:I}", "pending", 1, "what", d->pending.what,
			 "by", d->pending.by.user, "seconds_left",
			 (json_int_t)((d->pending.deadline_ms > now ?
				       d->pending.deadline_ms - now : 0) / 1000));
}
