// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zonewall merge: proposals from many hosts or runs become one, by
 * identity; evidence adds up.  Every input is validated first; a damaged
 * input, or a damaged existing output, stops the merge with nothing
 * written.
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli-policy.h"
#include "zonewall/fileio.h"

static int merge_all(char **files, int n, const char *out)
{
	struct prop_set *all = prop_new(), *s;
	struct fio_lock *lock = NULL;
	int i, err, status = CLI_OK;

	if (!all)
		return cli_fail("merge", "out of memory");
	/* OUTPUT listed as an input accumulates: from reading it to the
	 * rename nobody else may write it, or one of the two updates is lost. */
	status = clip_lock("merge", out, &lock);
	if (status)
		goto out_free_all;
	/* Never replace a file we cannot read back as a proposal. */
	if (access(out, F_OK) == 0) {
		status = clip_load_proposal("merge", out, &s);
		prop_free(s);
		if (status)
			goto out_unlock;
	}
	for (i = 0; i < n; i++) {
		status = clip_load_proposal("merge", files[i], &s);
		if (status)
			goto out_unlock;
		err = prop_merge(all, s);
		prop_free(s);
		if (err) {
			status = cli_fail("merge", "out of memory");
			goto out_unlock;
		}
	}
	err = prop_save(all, out);
	fio_unlock(lock);
	lock = NULL;
	if (err)
		status = clip_write_failed("merge", out, err);
	else
		printf("%zu edges from %d proposal%s written to %s\n", all->n, n,
		       n == 1 ? "" : "s", out);
out_unlock:
	fio_unlock(lock);
out_free_all:
	prop_free(all);
	return status;
}

static const char usage[] =
	"Usage: zonewall merge PROPOSAL... -o OUTPUT\n"
	"\n"
	"Merge proposals by identity: packets add up, first/last seen widen, days\n"
	"and runs are unions, up to 5 sample address pairs are kept.  A damaged\n"
	"input (or a damaged existing OUTPUT) is refused and nothing is written.\n"
	"OUTPUT is replaced atomically (through a symbolic link; owner, group and\n"
	"mode kept), under a lock concurrent writers wait for; list it as an\n"
	"input too to accumulate.\n"
	"\n"
	"  -o, --output FILE   where the merged proposal goes (required)\n"
	"  -h, --help          show this help\n";

int cmd_merge_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL;
	int c, status = CLI_OK;

	while ((c = cli_getopt("merge", usage, argc, argv, ":o:h", opts, &status)) != -1) {
		if (c == CLI_DONE)
			return status;
		if (c == 'o')
			out = optarg;
	}
	if (!out)
		return cli_usage_error("merge", "-o FILE is required");
	if (optind >= argc)
		return cli_usage_error("merge", "no proposal to merge");
	return merge_all(argv + optind, argc - optind, out);
}
