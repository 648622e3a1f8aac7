// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Where the modes plug into zonewalld: learn (zwd-learn.c) or monitor and
 * enforce (zwd-enforce.c), both on the runtime mapper of zwd-rt.c.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zwd.h"

struct zwd_mode {
	struct zwd_learn *learn;	/* learn mode */
	struct zwd_enforce *enforce;	/* monitor and enforce modes */
};

int zwd_mode_start(struct zwd *d, char *why, size_t whylen)
{
	d->mode = calloc(1, sizeof(*d->mode));
	if (!d->mode)
		return -ENOMEM;
	if (d->cfg.mode == CFG_MODE_LEARN)
		return zwd_learn_start(d, &d->mode->learn, why, whylen);
	return zwd_enforce_start(d, &d->mode->enforce, why, whylen);
}

int zwd_mode_reload(struct zwd *d, const struct cfg *next, char *why, size_t whylen)
{
	if (!d->mode)
		return 0;
	if (d->mode->learn) {
		zwd_learn_reload(d->mode->learn, next);
		return 0;
	}
	if (d->mode->enforce)
		return zwd_enforce_reload(d->mode->enforce, next, why, whylen);
	return 0;
}

int zwd_mode_reload_start(struct zwd *d, const struct cfg *next, zwd_reload_fn done,
			  char *why, size_t whylen)
{
	if (d->mode && d->mode->enforce)
		return zwd_enforce_reload_start(d->mode->enforce, next, done, why, whylen);
	return zwd_mode_reload(d, next, why, whylen);
}

void zwd_mode_status(struct zwd *d, json_t *o)
{
	json_t *m = json_object();

	if (!m || !d->mode) {
		json_decref(m);
		return;
	}
	if (d->mode->learn)
		zwd_learn_status(d->mode->learn, m);
	else if (d->mode->enforce)
		zwd_enforce_status(d->mode->enforce, m);
	json_object_set_new(m, "wired", json_true());
	json_object_set_new(o, "mode_state", m);
}

void zwd_mode_metrics(struct zwd *d)
{
	if (d->mode && d->mode->learn)
		zwd_learn_metrics(d->mode->learn);
	else if (d->mode && d->mode->enforce)
		zwd_enforce_metrics(d->mode->enforce);
}

const struct cmp_snapshot *zwd_mode_snapshot(struct zwd *d)
{
	if (d->mode && d->mode->learn)
		return zwd_learn_snapshot(d->mode->learn);
	return d->mode && d->mode->enforce ? zwd_enforce_snapshot(d->mode->enforce) : NULL;
}

void zwd_mode_remote(struct zwd *d, json_t *remote)
{
	if (d->mode && d->mode->learn)
		zwd_learn_remote(d->mode->learn, remote);
	else if (d->mode && d->mode->enforce)
		zwd_enforce_remote(d->mode->enforce, remote);
}

int zwd_mode_apply(struct ctl_call *call, void *arg)
{
	struct zwd *d = arg;

	if (!d->mode || !d->mode->enforce)
		return ctl_call_fail(call, -EOPNOTSUPP, "apply: zonewalld runs in %s mode, not "
				     "monitor or enforce", cfg_mode_name(d->cfg.mode));
	if (d->reload)
		return ctl_call_fail(call, -EBUSY, "a reload is in progress: apply when it ended "
				     "(zonewall daemon-status shows the last reload)");
	return zwd_enforce_apply_cmd(d->mode->enforce, call);
}

int zwd_mode_stop(struct zwd *d)
{
	if (d->mode && d->mode->learn)
		return zwd_learn_checkpoint(d->mode->learn);
	return 0;
}

void zwd_mode_free(struct zwd *d)
{
	if (!d->mode)
		return;
	zwd_learn_free(d->mode->learn);
	zwd_enforce_reload_stop(d->mode->enforce);
	zwd_enforce_free(d->mode->enforce);
	free(d->mode);
	d->mode = NULL;
}
