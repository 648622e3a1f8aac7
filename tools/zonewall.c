// SPDX-License-Identifier: GPL-2.0-or-later
/* zonewall: the operator CLI.  The subcommand table and dispatch. */

#include "config.h"

#include <string.h>

#include "cli.h"

static const struct cli_cmd cli_cmds[] = {
	{ "help", cmd_help_main, "list the subcommands, or show one's usage",
	  "Usage: zonewall help [COMMAND]\n"
	  "\n"
	  "Without COMMAND, list the subcommands; with it, show its usage.\n" },
	{ "version", cmd_version_main, "print the version",
	  "Usage: zonewall version\n" },
	{ "links", cmd_links_main, "list bridges, veths and bridge ports (container-facing interfaces)",
	  "Usage: zonewall links [--json]\n"
	  "\n"
	  "List this network namespace's container-facing interfaces, read over\n"
	  "rtnetlink: every bridge with its ports, every veth with its bridge (if any),\n"
	  "its peer's ifindex and network namespace id (when the kernel tells),\n"
	  "addresses and state.\n"
	  "\n"
	  "  -j, --json   print a JSON array instead of a table\n"
	  "  -h, --help   show this help\n" },
	{ NULL, NULL, NULL, NULL },
};

const struct cli_cmd *cli_cmd_find(const char *name)
{
	const struct cli_cmd *c;

	for (c = cli_cmds; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static void cli_cmds_list(FILE *f)
{
	const struct cli_cmd *c;

	fputs("Usage: zonewall COMMAND [OPTIONS...]\n"
	      "       zonewall COMMAND --help\n"
	      "       zonewall --version\n\n"
	      "Commands:\n", f);
	for (c = cli_cmds; c->name; c++)
		fprintf(f, "  %-12s %s\n", c->name, c->summary);
}

int cmd_help_main(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return cli_help("help");
	if (argc > 2)
		return cli_usage_error("help", "too many arguments");
	if (argc == 2) {
		if (!cli_cmd_find(argv[1]))
			return cli_usage_error("help", "unknown command '%s'", argv[1]);
		return cli_help(argv[1]);
	}
	cli_cmds_list(stdout);
	return CLI_OK;
}

int cmd_version_main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--help") && strcmp(argv[1], "-h"))
		return cli_usage_error("version", "takes no arguments");
	if (argc > 1)
		return cli_help("version");
	printf("zonewall %s\n", PACKAGE_VERSION);
	return CLI_OK;
}

int main(int argc, char **argv)
{
	const struct cli_cmd *c;

	if (argc < 2) {
		cli_cmds_list(stderr);
		return CLI_USAGE;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
		return cmd_version_main(1, argv + 1);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help_main(1, argv + 1);
	c = cli_cmd_find(argv[1]);
	if (!c) {
		fprintf(stderr, "zonewall: unknown command '%s'\nTry 'zonewall help'.\n", argv[1]);
		return CLI_USAGE;
	}
	return c->main(argc - 1, argv + 1);
}
