// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zonewall validate: check a policy or a proposal (told apart by a
 * top-level "edges" key) and report every problem with its JSON path;
 * --canonical prints the file as zonewall would save it.
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli-policy.h"

static int validate_one(const char *path, bool canonical)
{
	struct pol_policy *p = NULL;
	struct prop_set *s = NULL;
	char *text = NULL;
	int status;

	if (clip_is_proposal(path)) {
		status = clip_load_proposal("validate", path, &s);
		/* streamed as prop_save() writes it: no tree of the whole proposal */
		if (!status && canonical &&
		    (fflush(stdout) == EOF || prop_write_fd(s, STDOUT_FILENO)))
			status = cli_fail("validate", "cannot write output");
	} else {
		status = clip_load_policy("validate", path, &p);
		if (!status && canonical && !(text = pol_format(p)))
			status = cli_fail("validate", "out of memory");
		if (text && fputs(text, stdout) == EOF)
			status = cli_fail("validate", "cannot write output");
	}
	if (!status && !canonical)
		printf("%s: valid %s\n", path, s ? "proposal" : "policy");
	free(text);
	pol_free(p);
	prop_free(s);
	return status;
}

static const char usage[] =
	"Usage: zonewall validate [--canonical] FILE...\n"
	"\n"
	"Check each FILE (a proposal when it has a top-level \"edges\" key, else a\n"
	"policy).  Problems are printed one per line as FILE: JSON-PATH: problem;\n"
	"the exit status is 2 if any file is invalid, 1 if one cannot be read.\n"
	"\n"
	"  -c, --canonical   print each file as zonewall writes it\n"
	"  -h, --help        show this help\n";

int cmd_validate_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "canonical", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, status = CLI_OK, worst = CLI_OK, r;
	bool canonical = false;

	while ((c = cli_getopt("validate", usage, argc, argv, ":ch", opts, &status)) != -1) {
		if (c == CLI_DONE)
			return status;
		if (c == 'c')
			canonical = true;
	}
	if (optind >= argc)
		return cli_usage_error("validate", "no file to check");
	for (; optind < argc; optind++) {
		r = validate_one(argv[optind], canonical);
		if (r > worst)
			worst = r;
	}
	return worst;
}
