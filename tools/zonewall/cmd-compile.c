// SPDX-License-Identifier: GPL-2.0-or-later
/* zonewall compile: what apply would install, as nft text, touching nothing. */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli-snapshot.h"

static const char usage[] =
	"Usage: zonewall compile POLICY [--inventory FILE] [--runtime URI] [--log-group N]\n"
	"\n"
	"Resolve the policy's identities to this host's addresses (static inventory,\n"
	"running containers, bridges and ports) and print in nft syntax exactly what\n"
	"`zonewall apply` would install, touching nothing.  `nft -c -f` accepts it;\n"
	"given to `nft -f` it replaces our tables atomically.  Warnings (a rule that\n"
	"names no endpoint here, an unknown zone) go to stderr.\n"
	"\n"
	"  -i, --inventory FILE  static inventory (addresses and CIDRs -> names, zones)\n"
	"  -r, --runtime URI     docker:///PATH, podman:///PATH, unix:///PATH, or none\n"
	"                        (default: the first runtime socket that answers)\n"
	"  -b, --bridge NAME     a container bridge (repeatable; default: every bridge\n"
	"                        of this namespace, and those of the containers)\n"
	"  -g, --log-group N     NFLOG group of refusals (default 4269)\n"
	"  -q, --quiet           no warnings\n"
	"  -h, --help            show this help\n"
	"\n"
	"Exit status: 0 ok; 1 failure; 2 usage error, invalid policy or inventory, or\n"
	"a snapshot the policy cannot be compiled for (e.g. one address in two zones).\n";

int cmd_compile_main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLIE_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct clie_opts o = { 0 };
	struct rs_ruleset *rs = NULL;
	int c, status = CLI_OK;
	struct diags d;
	char *text, err[DIAG_LINE_MAX];

	while ((c = cli_getopt("compile", usage, argc, argv, ":h" CLIE_SHORTOPTS, opts,
			       &status)) != -1) {
		if (c == CLI_DONE)
			return status;
		if (clie_option("compile", c, optarg, &o) == CLI_USAGE)
			return CLI_USAGE;
	}
	if (optind + 1 != argc)
		return cli_usage_error("compile", optind == argc ? "which policy?" : "one policy only");
	status = clie_compile("compile", argv[optind], &o, NULL, NULL, &rs);
	if (status != CLI_OK)
		return status;
	/* apply would install such a name over netlink; as text it would be another name */
	if (rs_render_check(rs, &d) < 0) {
		rs_ruleset_free(rs);
		diags_summary(&d, err, sizeof(err));
		cli_fail("compile", "%s", err);
		return CLI_USAGE;
	}
	text = rs_render_text(rs, RS_RENDER_REPLACE);
	rs_ruleset_free(rs);
	if (!text)
		return cli_fail("compile", "out of memory");
	if (fputs(text, stdout) == EOF || fflush(stdout) == EOF)
		status = cli_fail("compile", "cannot write output: %s", strerror(errno));
	free(text);
	return status;
}
