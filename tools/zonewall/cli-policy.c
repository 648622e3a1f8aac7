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
#include "zonewall/fileio.h"
#include "zonewall/jscan.h"
#include "zonewall/numarg.h"

/* How long a writer waits for another one to finish with a file: a
 * read-modify-write under the lock takes milliseconds, so a holder this
 * slow is stuck (or a debugger).  ZONEWALL_LOCK_WAIT (seconds) changes it. */
#define CLIP_LOCK_WAIT_S 10
#define CLIP_SNIFF_BYTES (1u << 20)

static int clip_report(const char *cmd, const char *path, const struct diags *d, int err,
		       const char *what, size_t max)
{
	size_t i;

	if (err != EINVAL) {
		if (err == EFBIG)
			return cli_fail(cmd, "%s: cannot read: larger than %zu MiB, the most %s %s "
					"file may hold (zonewall-policy(5))", path, max >> 20,
					what[0] == 'i' ? "an" : "a", what);
		if (err == ENOMEM)
			return cli_fail(cmd, "%s: out of memory", path);
		return cli_fail(cmd, "%s: cannot read: %s", path, fio_strerror(err));
	}
	for (i = 0; i < d->n; i++)
		fprintf(stderr, "%s: %s: %s\n", path, d->v[i].where, d->v[i].msg);
	if (d->dropped)
		fprintf(stderr, "%s: ... and %zu more problems\n", path, d->dropped);
	fprintf(stderr, "zonewall %s: %s: invalid %s (%zu problem%s)\n", cmd, path, what,
		d->n + d->dropped, d->n + d->dropped == 1 ? "" : "s");
	return CLI_USAGE;
}

/* The kind of JSON document @path holds, by its keys: "edges" is a
 * proposal's, "zones" or "allow" a policy's. */
enum clip_kind { CLIP_OTHER, CLIP_POLICY, CLIP_PROPOSAL };

static enum clip_kind clip_kind_of(const char *path)
{
	enum clip_kind k = CLIP_OTHER;
	size_t len;
	char *buf;

	/* fio_read_head(): a FIFO must not block the sniffing either.  The keys
	 * are found by scanning the first MiB (zonewall writes "edges" and
	 * "zones" before the long lists), not by a jansson tree of the file. */
	if (fio_read_head(path, CLIP_SNIFF_BYTES, &buf, &len))
		return CLIP_OTHER;
	if (jscan_top_key(buf, len, "edges"))
		k = CLIP_PROPOSAL;
	else if (jscan_top_key(buf, len, "zones") || jscan_top_key(buf, len, "allow"))
		k = CLIP_POLICY;
	free(buf);
	return k;
}

/* A file refused as invalid that is the other kind of document: one line
 * saying so, instead of a list of the keys the other kind does not have. */
static int clip_wrong_kind(const char *cmd, const char *path, enum clip_kind want)
{
	enum clip_kind k = clip_kind_of(path);

	if (k == CLIP_OTHER || k == want)
		return 0;
	cli_fail(cmd, "%s is a %s, not a %s", path, k == CLIP_PROPOSAL ? "proposal" : "policy",
		 want == CLIP_PROPOSAL ? "proposal" : "policy");
	return CLI_USAGE;
}

int clip_load_policy(const char *cmd, const char *path, struct pol_policy **out)
{
	struct diags d;
	int err;

	*out = pol_load(path, &d);
	if (*out)
		return CLI_OK;
	err = errno;
	if (err == EINVAL && clip_wrong_kind(cmd, path, CLIP_POLICY))
		return CLI_USAGE;
	return clip_report(cmd, path, &d, err, "policy", POL_FILE_MAX);
}

int clip_load_proposal(const char *cmd, const char *path, struct prop_set **out)
{
	struct diags d;
	int err;

	*out = prop_load(path, &d);
	if (*out)
		return CLI_OK;
	err = errno;
	if (err == EINVAL && clip_wrong_kind(cmd, path, CLIP_PROPOSAL))
		return CLI_USAGE;
	return clip_report(cmd, path, &d, err, "proposal", PROP_FILE_MAX);
}

int clip_load_inventory(const char *cmd, const char *path, struct inv *out)
{
	struct diags d;
	int rc;

	if (!path)
		return inv_init(out) ? cli_fail(cmd, "out of memory") : CLI_OK;
	rc = inv_load(out, path, &d);
	return rc ? clip_report(cmd, path, &d, -rc, "inventory", INV_MAX_BYTES) : CLI_OK;
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

int clip_json_print(const json_t *v)
{
	if (json_dumpf(v, stdout, JSON_INDENT(2)) || putchar('\n') == EOF || fflush(stdout))
		return -EIO;
	return 0;
}

bool clip_is_proposal(const char *path)
{
	return clip_kind_of(path) == CLIP_PROPOSAL;
}

/* @err from fio_check_writable() or fio_lock(), for which a missing file is
 * fine: -ENOENT and -ENOTDIR are about its directory. */
static int clip_output_failed(const char *cmd, const char *path, int err)
{
	const char *slash = strrchr(path, '/');

	if ((err == -ENOENT || err == -ENOTDIR) && slash)
		return cli_fail(cmd, "cannot write %s: directory %.*s: %s", path,
				slash == path ? 1 : (int)(slash - path), path, strerror(-err));
	return clip_write_failed(cmd, path, err, 0);
}

static unsigned int clip_lock_wait_s(void)
{
	const char *s = getenv("ZONEWALL_LOCK_WAIT");
	uint64_t v;

	if (!s || !*s || num_parse_uint(s, 0, 3600, &v))
		return CLIP_LOCK_WAIT_S;
	return (unsigned int)v;
}

int clip_lock(const char *cmd, const char *path, struct fio_lock **out)
{
	unsigned int wait = clip_lock_wait_s();
	pid_t holder;
	int err;

	err = fio_lock(path, wait * 1000, out, &holder);
	if (!err)
		return CLI_OK;
	if (err != -ETIMEDOUT)
		return clip_output_failed(cmd, path, err);
	if (holder)
		return cli_fail(cmd, "%s: another writer (pid %ld) has held its lock for %u s; "
				"nothing written, try again", path, (long)holder, wait);
	return cli_fail(cmd, "%s: another writer has held its lock for %u s; nothing written, "
			"try again", path, wait);
}

int clip_write_failed(const char *cmd, const char *path, int err, size_t max)
{
	/* the writers refuse past the readers' limit, so readers read all writers write */
	if (err == -EFBIG)
		return cli_fail(cmd, "cannot write %s: it would be larger than %zu MiB, the most "
				"zonewall reads back (zonewall-policy(5)); nothing written", path,
				max >> 20);
	if (err == -EPERM)
		return cli_fail(cmd, "cannot write %s: %s (its owner and group are kept: "
				"write it as root or as its owner)", path, fio_strerror(err));
	if (err == -EMLINK)
		return cli_fail(cmd, "cannot write %s: %s; nothing written (write a copy, "
				"or link with ln -s)", path, fio_strerror(err));
	return cli_fail(cmd, "cannot write %s: %s", path, fio_strerror(err));
}

int clip_check_output(const char *cmd, const char *path)
{
	int err = fio_check_writable(path);

	return err ? clip_output_failed(cmd, path, err) : CLI_OK;
}
