// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What compile, apply and denied share: their options, and the sources of
 * truth they hand to host_snap_build() (host.h): the static inventory, the
 * container runtime (running containers, each network attachment with its
 * addresses, MAC and host-side veth), and the kernel (every bridge, or those
 * --bridge names).
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli-snapshot.h"
#include "cli-policy.h"
#include "zonewall/host.h"
#include "zonewall/inventory.h"
#include "zonewall/link.h"
#include "zonewall/owner.h"
#include "zonewall/rt-source.h"
#include "zonewall/ruleset.h"
#include "zonewall/runtime.h"


int clie_option(const char *cmd, int c, const char *arg, struct clie_opts *o)
{
	char q[RS_QUOTED_MAX];

	switch (c) {
	case 'r':
		o->runtime = arg;
		return 1;
	case 'i':
		o->inventory = arg;
		return 1;
	case 'q':
		o->quiet = true;
		return 1;
	case 'b':
		if (o->n_bridges == sizeof(o->bridges) / sizeof(o->bridges[0]))
			return cli_usage_error(cmd, "too many --bridge");
		/* a name, not a pattern: "br*" is the bridge called br* */
		if (!rs_ifname_valid(arg))
			return cli_usage_error(cmd, "--bridge %s: not an interface name (1-%d bytes, "
					       "no '/', ':' or white space)",
					       rs_quote(arg, q, sizeof(q)), RS_IFNAMSIZ - 1);
		o->bridges[o->n_bridges++] = arg;
		return 1;
	case 'g':
		return cli_log_group(cmd, arg, &o->log_group) == CLI_OK ? 1 : CLI_USAGE;
	}
	return 0;
}

/* --- the runtime ---------------------------------------------------------------- */

/* With --bridge, only those bridges are ours to judge (host.h). */
static bool bridge_selected(const char *bridge, void *ctx)
{
	const struct clie_opts *o = ctx;

	if (!o->n_bridges)
		return true;
	for (size_t i = 0; i < o->n_bridges; i++)
		if (!strcmp(o->bridges[i], bridge))
			return true;
	return false;
}

/* The runtime's containers, identities resolved by @rules, ports found. */
static int list_runtime(const char *cmd, const struct clie_opts *o, const struct id_rules *rules,
			struct rt_workloads *out)
{
	char err[DIAG_LINE_MAX], found[512];
	struct diags d;
	struct id_workload **v = NULL;
	struct rt_client *c;
	size_t n = 0;
	int rc, status = CLI_OK;
	const char *uri = o->runtime;

	if (uri && !strcmp(uri, "none"))
		return CLI_OK;
	if (!uri) {
		if (!rt_detect(found, sizeof(found)))
			return cli_runtime_missing(cmd);
		uri = found;
	}
	diags_init(&d);
	c = rt_client_new(uri, &d);
	if (!c) {
		diags_summary(&d, err, sizeof(err));
		return cli_fail(cmd, "runtime %s: %s", uri, errno == EINVAL ? err : strerror(errno));
	}
	rc = rt_negotiate(c, &d);
	if (rc == 0)
		rc = rt_list(c, &v, &n, &d);
	if (rc) {
		diags_summary(&d, err, sizeof(err));
		status = cli_fail(cmd, "runtime %s: %s", uri, *err ? err : strerror(-rc));
	}
	rt_client_free(c);
	rt_ports_resolve(v, n);	/* best effort: unbound ports are warned about */
	for (size_t i = 0; i < n && status == CLI_OK; i++)
		if (id_resolve(rules, v[i]) < 0)
			status = cli_fail(cmd, "out of memory");
	out->v = v;
	out->n = n;
	return status;
}

static void drop_runtime(struct rt_workloads *a)
{
	for (size_t i = 0; i < a->n; i++)
		id_workload_put(a->v[i]);
	free((void *)a->v);
}

/* --- the kernel: the bridges to guard ----------------------------------------------- */

/* --bridge names (checked by clie_option()), or every bridge here. */
static int list_bridges(const char *cmd, const struct clie_opts *o, const struct link_list *l,
			const char ***out, size_t *n)
{
	const char **v = calloc(l->n + o->n_bridges + 1, sizeof(*v));

	if (!v)
		return cli_fail(cmd, "out of memory");
	*n = 0;
	for (size_t i = 0; i < o->n_bridges; i++)
		v[(*n)++] = o->bridges[i];
	for (size_t i = 0; i < l->n && !o->n_bridges; i++)
		if (link_is_bridge(&l->v[i]))
			v[(*n)++] = l->v[i].name;
	*out = v;
	return CLI_OK;
}

/* Print what the snapshot left out; on failure, every problem and fail. */
static int report_snapshot(const char *cmd, const struct clie_opts *o, const struct diags *d,
			   int rc)
{
	size_t last = d->n ? d->n - 1 : 0;

	for (size_t i = 0; i < d->n && (rc || !o->quiet); i++)
		if (!rc || i != last)
			cli_warn(cmd, "%s: %s", d->v[i].where, d->v[i].msg);
	if (!rc)
		return CLI_OK;
	return d->n ? cli_fail(cmd, "%s: %s", d->v[last].where, d->v[last].msg) :
		      cli_fail(cmd, "snapshot: %s", strerror(-rc));
}

int clie_snapshot(const char *cmd, const struct clie_opts *o, struct cmp_snapshot **out)
{
	struct rt_workloads containers = { 0 };
	struct rt_source sources[2];
	struct host_src src = {
		.sources = sources, .n_sources = 2,
		.bridge_wanted = bridge_selected, .ctx = (void *)o,
	};
	struct link_list l = { 0 };
	const char **bridges = NULL;
	struct diags d;
	struct inv inv;
	int rc, status;

	status = clip_load_inventory(cmd, o->inventory, &inv);
	if (status != CLI_OK)
		return status;
	status = list_runtime(cmd, o, &inv.rules, &containers);
	if (status == CLI_OK && (rc = link_list_dump(&l)))
		status = cli_fail(cmd, "cannot read links over rtnetlink: %s", strerror(-rc));
	if (status == CLI_OK)
		status = list_bridges(cmd, o, &l, &bridges, &src.n_bridges);
	if (status == CLI_OK) {
		/* the inventory's endpoints first, then the containers' */
		sources[0] = rt_source_inventory(&inv);
		sources[1] = rt_source_workloads(&containers);
		src.bridges = bridges;
		src.links = &l;
		diags_init(&d);
		status = report_snapshot(cmd, o, &d, host_snap_build(&src, out, &d));
	}
	free(bridges);
	link_list_free(&l);
	drop_runtime(&containers);
	inv_free(&inv);
	return status;
}

int clie_compile(const char *cmd, const char *policy_path, const struct clie_opts *o,
		 struct pol_policy **pp, struct cmp_snapshot **sp, struct rs_ruleset **rs)
{
	struct cmp_options co = { .log_group = o->log_group };
	struct pol_policy *p = NULL;
	struct cmp_snapshot *s = NULL;
	struct diags warn, errs;
	char err[DIAG_LINE_MAX];
	int status;

	status = clip_load_policy(cmd, policy_path, &p);
	if (status != CLI_OK)
		return status;
	status = clie_snapshot(cmd, o, &s);
	if (status != CLI_OK)
		goto out_free;
	diags_init(&warn);
	*rs = cmp_compile(p, s, &co, &warn, &errs);
	if (!*rs) {
		diags_summary(&errs, err, sizeof(err));
		/* Exit 2: the inputs cannot be compiled as they are. */
		status = cli_fail(cmd, "%s", errno == EINVAL ? err : strerror(errno));
		if (errno == EINVAL)
			status = CLI_USAGE;
		goto out_free;
	}
	for (size_t i = 0; i < warn.n && !o->quiet; i++)
		cli_warn(cmd, "%s: %s", warn.v[i].where, warn.v[i].msg);
out_free:
	if (pp && status == CLI_OK)
		*pp = p;
	else
		pol_free(p);
	if (sp && status == CLI_OK)
		*sp = s;
	else
		cmp_snap_free(s);
	return status;
}

int clie_owner_check(const char *cmd, bool force)
{
	char path[256], holder[OWN_HOLDER_MAX];
	int rc = own_path(path, sizeof(path));

	if (!rc)
		rc = own_check(path, holder, sizeof(holder));
	if (rc < 0) {
		cli_warn(cmd, "cannot tell whether a zonewalld controls the tables here: %s",
			 strerror(-rc));
		return CLI_OK;
	}
	if (rc == 0)
		return CLI_OK;
	if (force) {
		cli_warn(cmd, "replacing the tables of a running zonewalld (%s): its next change "
			 "puts its own back", holder);
		return CLI_OK;
	}
	return cli_fail(cmd, "a running zonewalld controls the tables of this network namespace "
			"(%s): change them through it (zonewall reload, or apply --confirm-within), "
			"or pass --force", holder);
}
