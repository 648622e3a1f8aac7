// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zonewall fleet: the policy and the hosts of a fleet in etcd (see
 * fleet.h).  push stores a validated policy as the next epoch, pull writes
 * the one in force, status lists every host with the epoch it enforces.
 * The etcd endpoints come from --fleet or from zonewalld.conf's fleet keys.
 */

#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli-git.h"
#include "cli-policy.h"
#include "zonewall/config.h"
#include "zonewall/fileio.h"
#include "zonewall/fleet.h"
#include "zonewall/nearest.h"
#include "zonewall/policy.h"
#include "zonewall/proposal.h"
#include "zonewall/timefmt.h"

#define FLEET_CONFIG SYSCONFDIR "/zonewall/zonewalld.conf"
#define FLEET_CONFIRM_POLL_MS 200	/* how often the hosts' reports are read */

struct fleet_cli {
	const char *cmd;		/* "fleet push", ... */
	const char *url;		/* --fleet */
	const char *config;		/* --config */
	const char *prefix;		/* --prefix */
	bool json;
	bool tls;			/* fleet_ca/fleet_cert/fleet_key given */
	uint64_t confirm_within;	/* --confirm-within: seconds; 0 none */
	struct etcd *etcd;
	char pfx[128];
};

static int fleet_fail_diags(const struct fleet_cli *f, const char *what, int rc,
			    const struct diags *d)
{
	const char *cmd = f->cmd;

	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "zonewall %s: %s: %s\n", cmd, d->v[i].where, d->v[i].msg);
	if (rc == -EHOSTUNREACH && f->etcd)
		return cli_fail(cmd, "%s: no etcd endpoint answers%s: %s", what,
				f->tls ? " over TLS" : "", etcd_unreachable_hint(f->etcd));
	return cli_fail(cmd, "%s: %s", what, rc == -EPROTO ? "etcd's answer is not usable" :
			strerror(-rc));
}

/* The etcd settings: --fleet, else the configuration file's fleet keys. */
static int fleet_connect(struct fleet_cli *f)
{
	const char *path = f->config ? f->config : FLEET_CONFIG;
	struct etcd_conf ec;
	struct cfg_diags cd;
	struct diags d;
	struct cfg cfg;
	char host[64];
	int rc;

	diags_init(&d);
	cfg_defaults(&cfg);
	if (f->url && f->config)
		return cli_usage_error(f->cmd, "--fleet and --config exclude each other");
	if (!f->url && (rc = cfg_load(&cfg, path, &cd)))
		return cli_fail(f->cmd, "%s: %s%s", path, cd.n ? cd.v[0].msg : strerror(-rc),
				f->config ? "" : " (name the fleet with --fleet etcd://HOST:PORT)");
	if (f->url)
		snprintf(cfg.fleet, sizeof(cfg.fleet), "%s", f->url);
	if (!cfg.fleet[0])
		return cli_fail(f->cmd, "%s has no 'fleet = etcd://HOST:PORT' (or give --fleet)",
				path);
	snprintf(f->pfx, sizeof(f->pfx), "%s", f->prefix ? f->prefix : cfg.fleet_prefix);
	rc = cfg_fleet_etcd(&cfg, &ec, host, sizeof(host), &d);
	if (rc && rc != -ENOENT)
		return fleet_fail_diags(f, f->url ? "--fleet" : path, rc, &d);
	f->tls = ec.ca[0] || ec.cert[0] || ec.key[0];
	if (etcd_open(&ec, &f->etcd))
		return cli_fail(f->cmd, "out of memory");
	explicit_bzero(ec.password, sizeof(ec.password));
	return CLI_OK;
}

static void fleet_now(char *buf, size_t len)
{
	tfmt_rfc3339(buf, len, clip_now(), 0, 0);
}

/* One host during a confirm wait. */
struct fleet_wait {
	struct fleet_host last;		/* its last report */
	bool failing;			/* apply_failed before the push: not ours */
	bool confirmed;
	bool listed;			/* in the last listing */
};

struct fleet_waits {
	struct fleet_wait *v;
	size_t n;
	struct timespec t0;
};

static double fleet_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static struct fleet_wait *fleet_wait_find(struct fleet_waits *w, const char *host)
{
	struct fleet_wait *v;

	for (size_t i = 0; i < w->n; i++)
		if (!strcmp(w->v[i].last.host, host))
			return &w->v[i];
	v = realloc(w->v, (w->n + 1) * sizeof(*v));
	if (!v)
		return NULL;
	w->v = v;
	v = memset(&w->v[w->n++], 0, sizeof(*v));
	snprintf(v->last.host, sizeof(v->last.host), "%s", host);
	return v;
}

/* The hosts' reports into @w.  Return: how many failed to apply @ep (a
 * host failing before the push is not counted: its report cannot tell
 * which epoch failed), or -errno. */
static int fleet_wait_update(struct fleet_cli *f, struct fleet_waits *w, uint64_t epoch,
			     bool before)
{
	struct fleet_host *h = NULL;
	struct fleet_wait *x;
	struct diags d;
	size_t n = 0;
	int rc, failed = 0;

	diags_init(&d);
	rc = fleet_hosts_list(f->etcd, f->pfx, &h, &n, &d);
	if (rc)
		return rc;
	for (size_t i = 0; i < w->n; i++)
		w->v[i].listed = false;
	for (size_t i = 0; i < n && !rc; i++) {
		x = fleet_wait_find(w, h[i].host);
		if (!x) {
			rc = -ENOMEM;
			break;
		}
		x->last = h[i];
		x->listed = true;
		if (before) {
			x->failing = !strcmp(h[i].state, "apply_failed");
			continue;
		}
		if (!x->confirmed && h[i].epoch == epoch && !strcmp(h[i].state, "ready")) {
			x->confirmed = true;
			printf("confirmed: %s holds epoch %" PRIu64 " (%.1f s)\n", h[i].host, epoch,
			       fleet_since(&w->t0));
			fflush(stdout);
		}
		x->failing = x->failing && !strcmp(h[i].state, "apply_failed");
		if (!x->confirmed && !x->failing && !strcmp(h[i].state, "apply_failed"))
			failed++;
	}
	free(h);
	return rc ? rc : failed;
}

static bool fleet_waits_done(const struct fleet_waits *w)
{
	for (size_t i = 0; i < w->n; i++)
		if (!w->v[i].confirmed)
			return false;
	return true;
}

/* Wait up to --confirm-within for every reporting host to hold @epoch.
 * Return: 0 all did (or none reports), 1 one did not, or -errno. */
static int fleet_confirm_wait(struct fleet_cli *f, struct fleet_waits *w, uint64_t epoch)
{
	const struct timespec nap = { 0, FLEET_CONFIRM_POLL_MS * 1000000L };
	int rc;

	for (bool first = true;; first = false) {
		rc = fleet_wait_update(f, w, epoch, false);
		if (first && !rc && !w->n) {
			printf("no host reports under %s/hosts/: nothing to confirm\n", f->pfx);
			return 0;
		}
		if (rc == -EHOSTUNREACH || rc == -EPROTO)
			rc = 0;		/* etcd away a moment: the deadline decides */
		if (rc)
			return rc < 0 ? rc : 1;
		if (w->n && fleet_waits_done(w))
			return 0;
		if (fleet_since(&w->t0) >= (double)f->confirm_within)
			return 1;
		nanosleep(&nap, NULL);
	}
}

static void fleet_waits_report(const struct fleet_cli *f, const struct fleet_waits *w,
			       uint64_t epoch)
{
	for (size_t i = 0; i < w->n; i++) {
		const struct fleet_host *h = &w->v[i].last;

		if (w->v[i].confirmed)
			continue;
		if (!w->v[i].listed)
			cli_warn(f->cmd, "%s had not confirmed epoch %" PRIu64 ": it no longer "
				 "reports (stopped, or its lease expired)", h->host, epoch);
		else if (!strcmp(h->state, "apply_failed") && !w->v[i].failing)
			cli_warn(f->cmd, "%s could not apply epoch %" PRIu64 " (apply_failed; it "
				 "holds epoch %" PRIu64 "; its log says why)", h->host, epoch,
				 h->epoch);
		else
			cli_warn(f->cmd, "%s had not confirmed epoch %" PRIu64 " (%s; it holds epoch %"
				 PRIu64 ")", h->host, epoch, h->state[0] ? h->state : "no state",
				 h->epoch);
	}
}

/* Push epoch @prev's policy back as a new epoch (compare-and-swap on @bad,
 * the one that did not confirm). */
static int fleet_rollback(struct fleet_cli *f, const struct fleet_epoch *bad, uint64_t prev)
{
	struct fleet_epoch old, back = { 0 };
	char *text = NULL;
	struct diags d;
	size_t len = 0;
	int rc;

	diags_init(&d);
	if (!prev)
		return cli_fail(f->cmd, "epoch %" PRIu64 " is the fleet's first: no earlier policy "
				"to return to; it stays in force", bad->epoch);
	rc = fleet_policy_fetch_epoch(f->etcd, f->pfx, prev, &old, &text, &len, &d);
	if (rc)
		return fleet_fail_diags(f, "rollback: cannot read the previous epoch", rc, &d);
	fleet_now(back.pushed_at, sizeof(back.pushed_at));
	snprintf(back.pushed_by, sizeof(back.pushed_by), "%s", clip_user());
	snprintf(back.commit, sizeof(back.commit), "%s", old.commit);
	rc = fleet_policy_push(f->etcd, f->pfx, text, len, &back, &d);
	free(text);
	if (rc == -ECANCELED || rc == -EALREADY)
		return cli_fail(f->cmd, "another push changed the fleet's policy meanwhile: no "
				"rollback; `zonewall fleet status`");
	if (rc)
		return fleet_fail_diags(f, "rollback", rc, &d);
	printf("rolled back: epoch %" PRIu64 " is epoch %" PRIu64 "'s policy again (%.12s)\n",
	       back.epoch, prev, back.digest);
	return CLI_FAIL;
}

/* --confirm-within: wait for the hosts (@w holds their reports before the
 * push); those that do not confirm bring epoch @prev's policy back. */
static int fleet_push_confirm(struct fleet_cli *f, struct fleet_waits *w,
			      const struct fleet_epoch *ep, uint64_t prev)
{
	int rc = fleet_confirm_wait(f, w, ep->epoch);

	if (rc < 0)
		return cli_fail(f->cmd, "reading the hosts' reports: %s", strerror(-rc));
	if (!rc) {
		if (w->n)
			printf("every host (%zu) holds epoch %" PRIu64 "\n", w->n, ep->epoch);
		return CLI_OK;
	}
	fleet_waits_report(f, w, ep->epoch);
	cli_warn(f->cmd, "epoch %" PRIu64 " not confirmed by every host within %" PRIu64 " s",
		 ep->epoch, f->confirm_within);
	return prev != ep->epoch ? fleet_rollback(f, ep, prev) : CLI_FAIL;
}

/* push: validate, then store as the next epoch */
static int fleet_push(struct fleet_cli *f, const char *path)
{
	struct fleet_waits w = { NULL, 0, { 0, 0 } };
	struct fleet_epoch ep = { 0 }, cur = { 0 };
	struct pol_policy *p = NULL;
	char *text = NULL;
	struct diags d;
	int64_t rev;
	size_t len = 0;
	int rc;

	rc = clip_load_policy(f->cmd, path, &p);	/* every problem printed, exit 2 */
	pol_free(p);
	if (rc)
		return rc;
	rc = fio_read_all(path, POL_FILE_MAX, &text, &len);
	if (rc)
		return cli_fail(f->cmd, "%s: %s", path, fio_strerror(rc));
	fleet_now(ep.pushed_at, sizeof(ep.pushed_at));
	snprintf(ep.pushed_by, sizeof(ep.pushed_by), "%s", clip_user());
	if (clig_head_commit(path, ep.commit, sizeof(ep.commit)))
		ep.commit[0] = '\0';
	diags_init(&d);
	rc = f->confirm_within ? fleet_wait_update(f, &w, 0, true) : 0;
	if (rc >= 0 && f->confirm_within)
		rc = fleet_epoch_current(f->etcd, f->pfx, &cur, &rev, &d);
	if (rc == -ENOENT)
		rc = 0;
	if (!rc)
		rc = fleet_policy_push(f->etcd, f->pfx, text, len, &ep, &d);
	free(text);
	clock_gettime(CLOCK_MONOTONIC, &w.t0);
	if (rc == -EALREADY) {
		printf("%s is the policy in force already: epoch %" PRIu64 " (%.12s), pushed %s by %s\n",
		       path, ep.epoch, ep.digest, ep.pushed_at, ep.pushed_by);
	} else if (rc == -ECANCELED) {
		free(w.v);
		return cli_fail(f->cmd, "another push changed the fleet's policy meanwhile: nothing "
				"replaced; `zonewall fleet pull`, look, and push again");
	} else if (rc) {
		free(w.v);
		return fleet_fail_diags(f, path, rc, &d);
	} else {
		printf("pushed %s as epoch %" PRIu64 " (%.12s, %" PRIu64 " bytes%s%s)\n", path,
		       ep.epoch, ep.digest, ep.size, ep.commit[0] ? ", commit " : "", ep.commit);
	}
	fflush(stdout);
	rc = f->confirm_within ? fleet_push_confirm(f, &w, &ep, rc ? ep.epoch : cur.epoch)
			       : CLI_OK;
	free(w.v);
	return rc;
}

/* pull: the policy in force, to a file or stdout */
static int fleet_pull(struct fleet_cli *f, const char *out)
{
	struct fleet_epoch ep;
	char *text = NULL;
	struct diags d;
	size_t len = 0;
	int rc;

	diags_init(&d);
	rc = fleet_policy_fetch(f->etcd, f->pfx, &ep, &text, &len, &d);
	if (rc == -ENOENT)
		return cli_fail(f->cmd, "no policy pushed to %s yet", f->pfx);
	if (rc)
		return fleet_fail_diags(f, f->pfx, rc, &d);
	if (out && strcmp(out, "-"))
		rc = fio_write_atomic(out, text, len);
	else if (fwrite(text, 1, len, stdout) != len)
		rc = -EIO;
	free(text);
	if (rc)
		return cli_fail(f->cmd, "%s: %s", out ? out : "stdout", fio_strerror(rc));
	if (out && strcmp(out, "-"))
		fprintf(stderr, "zonewall %s: wrote epoch %" PRIu64 " (%.12s) to %s\n", f->cmd,
			ep.epoch, ep.digest, out);
	return CLI_OK;
}

/* proposal: every host's learned proposal, merged as `zonewall merge` would */
static int fleet_proposal(struct fleet_cli *f, const char *out)
{
	struct prop_set *all = prop_new(), *s;
	struct fleet_doc *v = NULL;
	size_t n = 0, used = 0;
	struct diags d;
	json_t *j;
	int rc;

	diags_init(&d);
	if (!all)
		return cli_fail(f->cmd, "out of memory");
	rc = fleet_proposals_fetch(f->etcd, f->pfx, &v, &n, &d);
	if (rc) {
		prop_free(all);
		return fleet_fail_diags(f, f->pfx, rc, &d);
	}
	for (size_t i = 0; i < d.n; i++)
		cli_warn(f->cmd, "%s: %s (left out)", d.v[i].where, d.v[i].msg);
	for (size_t i = 0; !rc && i < n; i++) {
		diags_init(&d);
		s = prop_parse(v[i].text, v[i].len, &d);
		if (!s) {
			cli_warn(f->cmd, "host %s: its proposal is not valid (%s: %s): left out",
				 v[i].host, d.n ? d.v[0].where : "$", d.n ? d.v[0].msg : "?");
			continue;
		}
		rc = prop_merge(all, s);
		prop_free(s);
		used++;
	}
	fleet_docs_free(v, n);
	if (rc) {
		prop_free(all);
		return cli_fail(f->cmd, "out of memory");
	}
	if (out && strcmp(out, "-")) {
		rc = prop_save(all, out);
		if (!rc)
			printf("%zu edges from %zu host%s written to %s\n", all->n, used,
			       used == 1 ? "" : "s", out);
	} else {
		j = prop_to_json(all);
		rc = j ? clip_json_print(j) : -ENOMEM;
		json_decref(j);
	}
	prop_free(all);
	if (rc)
		return cli_fail(f->cmd, "%s: %s", out ? out : "stdout", fio_strerror(rc));
	return used ? CLI_OK : cli_fail(f->cmd, "no host has shared a proposal under %s yet "
					"(zonewalld in learn mode with 'fleet' set shares its checkpoints)",
					f->pfx);
}

static json_t *fleet_status_json(const struct fleet_epoch *ep, const struct fleet_host *h,
				 size_t n)
{
	json_t *hosts = json_array(), *root;

	for (size_t i = 0; hosts && i < n; i++)
		json_array_append_new(hosts, json_pack(
			"{s:s, s:s, s:s, s:I, s:s, s:b, s:I, s:s, s:I}", "host", h[i].host,
			"mode", h[i].mode, "state", h[i].state, "epoch", (json_int_t)h[i].epoch,
			"digest", h[i].digest, "in_sync", ep->epoch && h[i].epoch == ep->epoch,
			"endpoints", (json_int_t)h[i].endpoints, "last_seen", h[i].seen,
			"pid", (json_int_t)h[i].pid));
	root = json_pack("{s:o*, s:o*}", "policy", ep->epoch ?
			 json_pack("{s:I, s:s, s:s, s:s, s:s*}", "epoch", (json_int_t)ep->epoch,
				   "digest", ep->digest, "pushed_at", ep->pushed_at,
				   "pushed_by", ep->pushed_by, "commit",
				   ep->commit[0] ? ep->commit : NULL) : json_null(),
			 "hosts", hosts);
	return root;
}

static void fleet_status_print(const struct fleet_epoch *ep, const struct fleet_host *h, size_t n)
{
	if (ep->epoch)
		printf("policy: epoch %" PRIu64 " (%.12s), pushed %s by %s%s%.12s\n", ep->epoch,
		       ep->digest, ep->pushed_at, ep->pushed_by, ep->commit[0] ? ", commit " : "",
		       ep->commit);
	else
		printf("policy: none pushed\n");
	printf("%-24s %-8s %-14s %7s %-7s %9s  %s\n", "HOST", "MODE", "STATE", "EPOCH", "IN-SYNC",
	       "ENDPOINTS", "LAST-SEEN");
	for (size_t i = 0; i < n; i++)
		printf("%-24.24s %-8s %-14s %7" PRIu64 " %-7s %9" PRIu64 "  %s\n", h[i].host,
		       h[i].mode, h[i].state, h[i].epoch,
		       ep->epoch && h[i].epoch == ep->epoch ? "yes" : "no", h[i].endpoints, h[i].seen);
	if (!n)
		printf("(no host reports: no zonewalld with this fleet is running)\n");
}

/* status: the policy in force and every host's report */
static int fleet_status(struct fleet_cli *f)
{
	struct fleet_host *h = NULL;
	struct fleet_epoch ep;
	struct diags d;
	int64_t rev;
	size_t n = 0;
	json_t *j;
	int rc;

	diags_init(&d);
	rc = fleet_epoch_current(f->etcd, f->pfx, &ep, &rev, &d);
	if (rc && rc != -ENOENT)
		return fleet_fail_diags(f, f->pfx, rc, &d);
	rc = fleet_hosts_list(f->etcd, f->pfx, &h, &n, &d);
	if (rc)
		return fleet_fail_diags(f, f->pfx, rc, &d);
	for (size_t i = 0; i < d.n; i++)
		cli_warn(f->cmd, "%s: %s", d.v[i].where, d.v[i].msg);
	if (f->json) {
		j = fleet_status_json(&ep, h, n);
		rc = j ? clip_json_print(j) : -ENOMEM;
		json_decref(j);
	} else {
		fleet_status_print(&ep, h, n);
	}
	free(h);
	return rc ? cli_fail(f->cmd, "cannot write output") : CLI_OK;
}

static const char usage[] =
	"Usage: zonewall fleet push POLICY [--confirm-within SECS] [OPTION...]\n"
	"       zonewall fleet pull [-o FILE] [OPTION...]\n"
	"       zonewall fleet status [--json] [OPTION...]\n"
	"       zonewall fleet proposal [-o FILE] [OPTION...]\n"
	"\n"
	"The fleet's policy and hosts in etcd.  push validates POLICY and stores it\n"
	"as the next epoch (compare-and-swap: of two concurrent pushes one fails and\n"
	"says so; in a git checkout the commit is recorded); every zonewalld of the\n"
	"fleet applies it.  pull writes the policy in force; status lists every host\n"
	"with the epoch it enforces; proposal merges what every learning host shared\n"
	"(its runs name the hosts).\n"
	"\n"
	"push --confirm-within SECS then waits until every host reporting to the\n"
	"fleet holds the new epoch, ready, naming each as it does; when one reports\n"
	"that it cannot apply it, or has not confirmed within SECS, the previous\n"
	"epoch's policy is pushed back as a new epoch and the exit status is 1.\n"
	"\n"
	"  -f, --fleet etcd://HOST:PORT[,...]  the etcd endpoints (else the 'fleet'\n"
	"                         key of zonewalld.conf)\n"
	"  -c, --config FILE      take the fleet keys from this zonewalld.conf\n"
	"  -p, --prefix PREFIX    the fleet's keys (default /zonewall/v1)\n"
	"  -w, --confirm-within SECS  push: wait for the hosts, else roll back\n"
	"  -o, --output FILE      pull, proposal: write here (default stdout)\n"
	"  -j, --json             status: one JSON object\n"
	"  -h, --help             show this help\n";

int cmd_fleet_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "fleet", required_argument, NULL, 'f' },
		{ "config", required_argument, NULL, 'c' },
		{ "prefix", required_argument, NULL, 'p' },
		{ "output", required_argument, NULL, 'o' },
		{ "confirm-within", required_argument, NULL, 'w' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const subs[] = { "push", "pull", "status", "proposal" };
	struct fleet_cli f = { .cmd = "fleet" };
	const char *out = NULL, *sub;
	char cmd[32];
	int c, status = CLI_OK;

	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
			return cli_print_usage(usage);
		return cli_usage_error("fleet", "which: push, pull, status or proposal?");
	}
	sub = argv[1];
	if (strcmp(sub, "push") && strcmp(sub, "pull") && strcmp(sub, "status") &&
	    strcmp(sub, "proposal")) {
		const char *near = near_name(sub, subs, 4);

		return cli_usage_error("fleet", "unknown '%s'%s%s%s (push, pull, status or proposal)", sub,
				       near ? ": did you mean '" : "", near ? near : "",
				       near ? "'?" : "");
	}
	snprintf(cmd, sizeof(cmd), "fleet %s", sub);
	f.cmd = cmd;
	argc--;
	argv++;
	while ((c = cli_getopt(cmd, usage, argc, argv, ":f:c:p:o:w:jh", opts, &status)) != -1) {
		if (c == CLI_DONE)
			return status;
		if (c == 'f')
			f.url = optarg;
		else if (c == 'c')
			f.config = optarg;
		else if (c == 'p')
			f.prefix = optarg;
		else if (c == 'o')
			out = optarg;
		else if (c == 'j')
			f.json = true;
		else if (c == 'w' && strcmp(sub, "push"))
			return cli_usage_error(cmd, "--confirm-within is an option of fleet push");
		else if (c == 'w' && cli_parse_uint(cmd, "--confirm-within", optarg, 1, 86400,
						    &f.confirm_within))
			return CLI_USAGE;
	}
	if ((out && strcmp(sub, "pull") && strcmp(sub, "proposal")) || (f.json && strcmp(sub, "status")))
		return cli_usage_error(cmd, "%s is not an option of fleet %s",
				       out ? "--output" : "--json", sub);
	if (!strcmp(sub, "push") ? optind + 1 != argc : optind != argc)
		return cli_usage_error(cmd, !strcmp(sub, "push") ? "one POLICY file to push" :
				       "unexpected argument '%s'", argv[optind]);
	status = fleet_connect(&f);
	if (status)
		return status;
	if (!strcmp(sub, "push"))
		status = fleet_push(&f, argv[optind]);
	else if (!strcmp(sub, "pull"))
		status = fleet_pull(&f, out);
	else if (!strcmp(sub, "proposal"))
		status = fleet_proposal(&f, out);
	else
		status = fleet_status(&f);
	etcd_close(f.etcd);
	return status;
}
