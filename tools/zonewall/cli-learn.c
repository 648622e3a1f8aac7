// SPDX-License-Identifier: GPL-2.0-or-later
/* Shared by learn and replay: the sources of identities and zones. */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli-learn.h"
#include "cli-policy.h"

/* Bounds of the learner's identity index (as `zonewall containers`). */
#define CLEARN_MAX_ADDRS 65536
#define CLEARN_MAX_WORKLOADS 16384

static void clearn_report(void *ctx, const struct rt_report *r)
{
	struct clearn *l = ctx;

	switch (r->kind) {
	case RT_REP_LOST:
		/* The first attempt's failure is reported by clearn_open(). */
		if (l->synced)
			cli_warn(l->cmd, "runtime: %s", r->msg);
		l->lost = true;
		snprintf(l->lost_msg, sizeof(l->lost_msg), "%s", r->cause ? r->cause : r->msg);
		break;
	case RT_REP_SYNCED:
		if (r->gap_from_ns)
			cli_warn(l->cmd, "runtime back after %.1f s: resynced, %zu workloads",
				 (double)(r->gap_to_ns - r->gap_from_ns) / 1e9, r->workloads);
		break;
	case RT_REP_WARN:
		cli_warn(l->cmd, "runtime: %s", r->msg);
		break;
	case RT_REP_RETRY:
	case RT_REP_EVENT:
		break;
	}
}

static int clearn_runtime(struct clearn *l, const char *runtime, bool detect)
{
	bool explicit_uri = runtime != NULL;
	char err[DIAG_LINE_MAX];
	struct diags d;

	if (runtime && !strcmp(runtime, "none"))
		return CLI_OK;
	if (!runtime && !detect)
		return CLI_OK;
	if (!runtime) {
		if (!rt_detect(l->uri, sizeof(l->uri)))
			return cli_runtime_missing(l->cmd);
	} else {
		snprintf(l->uri, sizeof(l->uri), "%s", runtime);
	}
	l->idx = id_index_new(&l->inv.rules, CLEARN_MAX_ADDRS, CLEARN_MAX_WORKLOADS);
	if (!l->idx)
		return cli_fail(l->cmd, "out of memory");
	diags_init(&d);
	l->mapper = rt_mapper_new(l->uri, l->idx, clearn_report, l, &d);
	diags_summary(&d, err, sizeof(err));
	if (!l->mapper)
		return errno == EINVAL ? cli_usage_error(l->cmd, "--runtime %s", err)
				       : cli_fail(l->cmd, "out of memory");
	rt_mapper_step(l->mapper, 0);
	if (rt_mapper_connected(l->mapper)) {
		l->synced = true;
		return CLI_OK;
	}
	if (explicit_uri)
		return cli_fail(l->cmd, "%s", l->lost_msg);
	cli_warn(l->cmd, "%s; inventory only", l->lost_msg);
	rt_mapper_free(l->mapper);
	l->mapper = NULL;
	id_index_free(l->idx);
	l->idx = NULL;
	l->uri[0] = '\0';
	return CLI_OK;
}

int clearn_open(struct clearn *l, const char *cmd, const char *inv_path,
		const char *policy_path, const char *runtime, bool detect)
{
	int rc;

	memset(l, 0, sizeof(*l));
	l->cmd = cmd;
	rc = clip_load_inventory(cmd, inv_path, &l->inv);
	if (rc != CLI_OK)
		return rc;
	l->have_inv = true;
	if (inv_path) {
		l->inv_idx = inv_index_new(&l->inv);
		if (!l->inv_idx)
			return cli_fail(cmd, "out of memory");
	}
	if (policy_path) {
		rc = clip_load_policy(cmd, policy_path, &l->pol);
		if (rc)
			return rc;
		l->judge = pol_judge_new(l->pol);
		if (!l->judge)
			return cli_fail(cmd, "out of memory");
	}
	rc = clearn_runtime(l, runtime, detect);
	if (rc)
		return rc;
	/* the runtime's workloads name an address before the inventory does */
	if (l->idx)
		l->sources[l->env.n_sources++] = rt_source_index(l->idx);
	if (l->inv_idx)
		l->sources[l->env.n_sources++] = rt_source_inventory_index(l->inv_idx);
	l->env.sources = l->sources;
	l->env.pol = l->pol;
	l->env.judge = l->judge;
	return CLI_OK;
}

void clearn_close(struct clearn *l)
{
	rt_mapper_free(l->mapper);
	l->mapper = NULL;
	id_index_free(l->idx);
	l->idx = NULL;
	pol_judge_free(l->judge);
	l->judge = NULL;
	pol_free(l->pol);
	l->pol = NULL;
	inv_index_free(l->inv_idx);
	l->inv_idx = NULL;
	if (l->have_inv)
		inv_free(&l->inv);
	l->have_inv = false;
}

void clearn_tick(void *ctx)
{
	struct clearn *l = ctx;

	if (l->mapper)
		rt_mapper_step(l->mapper, 0);
}

const char *clearn_runtime_text(const struct clearn *l)
{
	static char buf[256];

	if (!l->mapper)
		return "none";
	snprintf(buf, sizeof(buf), "%s (%s)", rt_client_runtime(rt_mapper_client(l->mapper)),
		 l->uri);
	return buf;
}
