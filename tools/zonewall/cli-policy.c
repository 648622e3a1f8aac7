// SPDX-License-Identifier: GPL-2.0-or-later
/* Shared by the policy and proposal subcommands: loading, clock, user. */

#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli-policy.h"

static int clip_report(const char *cmd, const char *path, const struct diags *d, int err,
		       const char *what)
{
	size_t i;

	if (err != EINVAL) {
		if (err == ENOMEM)
			return cli_fail(cmd, "%s: out of memory", path);
		return cli_fail(cmd, "%s: cannot read: %s", path, strerror(err));
	}
	for (i = 0; i < d->n; i++)
		fprintf(stderr, "%s: %s: %s\n", path, d->v[i].where, d->v[i].msg);
	if (d->dropped)
		fprintf(stderr, "%s: ... and %zu more problems\n", path, d->dropped);
	fprintf(stderr, "zonewall %s: %s: invalid %s (%zu problem%s)\n", cmd, path, what,
		d->n + d->dropped, d->n + d->dropped == 1 ? "" : "s");
	return CLI_USAGE;
}

int clip_load_policy(const char *cmd, const char *path, struct pol_policy **out)
{
	struct diags d;

	*out = pol_load(path, &d);
	if (*out)
		return CLI_OK;
	return clip_report(cmd, path, &d, errno, "policy");
}

int clip_load_proposal(const char *cmd, const char *path, struct prop_set **out)
{
	struct diags d;

	*out = prop_load(path, &d);
	if (*out)
		return CLI_OK;
	return clip_report(cmd, path, &d, errno, "proposal");
}

int clip_load_inventory(const char *cmd, const char *path, struct inv *out)
{
	struct diags d;
	int rc;

	if (!path)
		return inv_init(out) ? cli_fail(cmd, "out of memory") : CLI_OK;
	rc = inv_load(out, path, &d);
	return rc ? clip_report(cmd, path, &d, -rc, "inventory") : CLI_OK;
}

int64_t clip_now(void)
{
	const char *s = getenv("ZONEWALL_NOW");
	int64_t t;

	if (s && !pol_time_parse(s, &t))
		return t;
	return (int64_t)time(NULL);
}

const char *clip_user(void)
{
	static char buf[64];
	const char *sudo = getenv("SUDO_USER");
	struct passwd *pw;

	if (getuid() == 0 && sudo && *sudo && pol_identity_valid(sudo))
		return sudo;
	pw = getpwuid(getuid());
	if (pw && pw->pw_name && *pw->pw_name)
		return pw->pw_name;
	snprintf(buf, sizeof(buf), "uid:%u", (unsigned int)getuid());
	return buf;
}

json_t *clip_port_json(uint16_t lo, uint16_t hi)
{
	char buf[16];

	if (!lo)
		return json_null();
	if (lo == hi)
		return json_integer(lo);
	snprintf(buf, sizeof(buf), "%u-%u", lo, hi);
	return json_string(buf);
}

int clip_json_print(const json_t *v)
{
	if (json_dumpf(v, stdout, JSON_INDENT(2)) || putchar('\n') == EOF || fflush(stdout))
		return -EIO;
	return 0;
}

bool clip_is_proposal(const char *path)
{
	json_t *root = json_load_file(path, 0, NULL);
	bool r = json_is_object(root) && json_object_get(root, "edges");

	json_decref(root);
	return r;
}
