// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zonewall merge: proposals from many hosts or runs become one, by
 * identity; evidence adds up.  Every input is validated first; a damaged
 * input, or a damaged existing output, stops the merge with nothing
 * written.
 */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cli.h"
#include "cli-policy.h"
#include "zonewall/fileio.h"

/* An input by the identity of its file: two names of one file sort together. */
struct merge_id {
	dev_t dev;
	ino_t ino;
	int i;
};

static int merge_id_cmp(const void *pa, const void *pb)
{
	const struct merge_id *a = pa, *b = pb;

	if (a->dev != b->dev)
		return a->dev < b->dev ? -1 : 1;
	if (a->ino != b->ino)
		return a->ino < b->ino ? -1 : 1;
	return a->i - b->i;
}

/* One file given twice (a.json and ./a.json, or a link to it) would count
 * its packets twice; names cannot tell, st_dev and st_ino can.  A file
 * stat() cannot reach is left to the loader to report. */
static int merge_check_distinct(char **files, int n)
{
	struct merge_id *ids = calloc((size_t)n, sizeof(*ids));
	struct stat st;
	int i, k = 0, status = CLI_OK;

	if (!ids)
		return cli_fail("merge", "out of memory");
	for (i = 0; i < n; i++) {
		if (stat(files[i], &st))
			continue;
		ids[k++] = (struct merge_id){ .dev = st.st_dev, .ino = st.st_ino, .i = i };
	}
	qsort(ids, (size_t)k, sizeof(*ids), merge_id_cmp);
	for (i = 1; i < k; i++) {
		if (ids[i].dev == ids[i - 1].dev && ids[i].ino == ids[i - 1].ino) {
			status = cli_usage_error("merge", "%s and %s are the same file: its "
						 "evidence would count twice", files[ids[i - 1].i],
						 files[ids[i].i]);
			break;
		}
	}
	free(ids);
	return status;
}

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
		status = clip_write_failed("merge", out, err, PROP_FILE_MAX);
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
	"input (or a damaged existing OUTPUT) is refused and nothing is written, and\n"
	"so is one file given twice (under any two names).\n"
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
	status = merge_check_distinct(argv + optind, argc - optind);
	if (status)
		return status;
	return merge_all(argv + optind, argc - optind, out);
}
