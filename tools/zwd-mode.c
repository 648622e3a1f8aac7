// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Where the modes plug into zonewalld.  What is here today: the policy is
 * loaded and validated at start and swapped on reload (monitor/enforce),
 * the state directory is checked and the checkpoint timer ticks (learn).
 *
 * GLUE POINTS (marked "GLUE:" below) are where the learner (capture.c,
 * flow.c, proposal.c), the runtime mapper (runtime.c, identity.c) and the
 * netlink controller (nft.c, ruleset.c) are wired once they land:
 *   learn:   capture on every container-facing interface -> flow table ->
 *            proposal checkpointed into state_dir every checkpoint_interval
 *            and in zwd_mode_stop();
 *   monitor/enforce: compile + apply at start, incremental element updates
 *            on runtime events, swap on reload, NFLOG -> zwd_denied_publish().
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/diag.h"
#include "zonewall/policy.h"
#include "zwd.h"

struct zwd_mode {
	struct pol_policy *policy;	/* monitor/enforce: the policy in effect */
	struct loop_source *checkpoint;	/* learn: the checkpoint timer */
	unsigned long checkpoints;
};

static int zwd_policy_load(const char *path, struct pol_policy **out, char *why, size_t whylen)
{
	struct diags d;

	diags_init(&d);
	*out = pol_load(path, &d);
	if (*out)
		return 0;
	snprintf(why, whylen, "policy %s: %s: %s%s", path, d.n ? d.v[0].where : "$",
		 d.n ? d.v[0].msg : strerror(errno),
		 d.n > 1 ? " (and more; see zonewall validate)" : "");
	return errno == EINVAL || !errno ? -EINVAL : -errno;
}

static void zwd_checkpoint(struct loop *l, void *arg)
{
	struct zwd *d = arg;

	/* GLUE: prop_save() the learner's proposal atomically into state_dir. */
	d->mode->checkpoints++;
}

int zwd_mode_start(struct zwd *d, char *why, size_t whylen)
{
	int err;

	d->mode = calloc(1, sizeof(*d->mode));
	if (!d->mode)
		return -ENOMEM;
	if (d->cfg.mode == CFG_MODE_LEARN) {
		d->mode->checkpoint = loop_timer_add(d->loop, d->cfg.checkpoint_interval * 1000ULL,
						     d->cfg.checkpoint_interval * 1000ULL,
						     zwd_checkpoint, d);
		if (!d->mode->checkpoint)
			return -errno;
		/* GLUE: link_follow + cap_open on every container-facing interface,
		 * flow table of cfg.flow_limit, runtime events -> identity index. */
		zwd_log(LOG_WARNING, "learn mode: capture is not wired into the daemon yet; "
			"serving the control socket only");
		return 0;
	}
	err = zwd_policy_load(d->cfg.policy, &d->mode->policy, why, whylen);
	if (err)
		return err;
	/* GLUE: compile the policy against the identity index, nft apply in one
	 * batch, follow runtime events with element updates, read NFLOG group
	 * cfg.nflog_group and zwd_denied_publish() each refusal. */
	zwd_log(LOG_WARNING, "%s mode: policy %s loaded; the netlink controller is not wired "
		"into the daemon yet", cfg_mode_name(d->cfg.mode), d->cfg.policy);
	return 0;
}

int zwd_mode_reload(struct zwd *d, const struct cfg *next, char *why, size_t whylen)
{
	struct pol_policy *p;
	int err;

	if (!d->mode || d->cfg.mode == CFG_MODE_LEARN) {
		/* GLUE: take the new flow_limit and checkpoint_interval. */
		if (d->mode && d->mode->checkpoint)
			loop_timer_set(d->mode->checkpoint, next->checkpoint_interval * 1000ULL,
				       next->checkpoint_interval * 1000ULL);
		return 0;
	}
	err = zwd_policy_load(next->policy, &p, why, whylen);
	if (err)
		return err;
	/* GLUE: compile and apply @p in one batch before the swap; on failure
	 * pol_free(p) and return the error: the kernel keeps the old ruleset. */
	pol_free(d->mode->policy);
	d->mode->policy = p;
	return 0;
}

void zwd_mode_status(struct zwd *d, json_t *o)
{
	json_t *m = json_object();

	if (!m || !d->mode) {
		json_decref(m);
		return;
	}
	if (d->cfg.mode == CFG_MODE_LEARN)
		json_object_set_new(m, "checkpoints", json_integer(d->mode->checkpoints));
	else
		json_object_set_new(m, "policy_loaded", json_boolean(d->mode->policy != NULL));
	json_object_set_new(m, "wired", json_false());	/* GLUE: true once the glue lands */
	json_object_set_new(o, "mode_state", m);
}

void zwd_mode_stop(struct zwd *d)
{
	if (d->mode && d->cfg.mode == CFG_MODE_LEARN)
		zwd_checkpoint(d->loop, d);
}

void zwd_mode_free(struct zwd *d)
{
	if (!d->mode)
		return;
	loop_source_del(d->mode->checkpoint);
	pol_free(d->mode->policy);
	free(d->mode);
	d->mode = NULL;
}
