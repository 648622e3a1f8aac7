// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zonewall: the operator CLI.  The subcommand table (name, entry point, one
 * line for the listing) and dispatch.  Each command prints its own usage:
 * `zonewall help CMD` runs `zonewall CMD --help`.
 */

#include "config.h"

#include <string.h>

#include "cli.h"
#include "zonewall/nearest.h"

struct cli_cmd {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *summary;	/* one line for `zonewall help` */
};

static const struct cli_cmd cli_cmds[] = {
	{ "help", cmd_help_main, "list the subcommands, or show one's usage" },
	{ "version", cmd_version_main, "print the version" },
	{ "links", cmd_links_main,
	  "list bridges, veths and bridge ports (container-facing interfaces)" },
	{ "containers", cmd_containers_main,
	  "list workloads with identity, zone and addresses (runtime + inventory)" },
	{ "flows", cmd_flows_main,
	  "learn flows (who initiates what to whom) from captures or live" },
	{ "learn", cmd_learn_main,
	  "learn a proposal (identity-keyed edges with evidence) from captures" },
	{ "replay", cmd_replay_main,
	  "what-if: which flows of a capture a policy would refuse, and why" },
	{ "explain", cmd_explain_main, "would A reach B on PROTO/PORT under a policy, and why" },
	{ "review", cmd_review_main, "judge a proposal's edges against a policy, with evidence" },
	{ "approve", cmd_approve_main, "turn proposal edges into allow rules of a policy" },
	{ "merge", cmd_merge_main, "merge proposals from many hosts or runs into one" },
	{ "diff", cmd_diff_main, "what changing one policy into another allows and forbids" },
	{ "export", cmd_export_main, "export a policy as NetworkPolicy YAML, or a graph as DOT" },
	{ "validate", cmd_validate_main,
	  "check policy or proposal files, every problem with its JSON path" },
	{ "reload", cmd_reload_main, "make zonewalld re-read its configuration and policy" },
	{ "confirm", cmd_confirm_main, "keep a change applied with a confirm deadline" },
	{ "daemon-status", cmd_daemon_status_main,
	  "what zonewalld is doing (over its control socket)" },
	{ "metrics", cmd_metrics_main, "zonewalld's metrics in the Prometheus text format" },
	{ "compile", cmd_compile_main, "print, as nft text, the ruleset apply would install" },
	{ "apply", cmd_apply_main, "compile and install the policy in one netlink transaction" },
	{ "status", cmd_status_main,
	  "what is enforced: tables, zone modes, counters per zone pair" },
	{ "uninstall", cmd_uninstall_main, "remove zonewall's tables (and nothing else)" },
	{ "fleet", cmd_fleet_main, "push, pull and list the fleet's policy and hosts in etcd" },
	{ "denied", cmd_denied_main, "refused and would-refuse flows, with identities and zones" },
	{ NULL, NULL, NULL },
};

static const struct cli_cmd *cli_cmd_find(const char *name)
{
	const struct cli_cmd *c;

	for (c = cli_cmds; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

/* An unknown command, with the one it most likely meant. */
static int cli_cmd_unknown(const char *name)
{
	const char *names[sizeof(cli_cmds) / sizeof(cli_cmds[0])];
	const char *hit;
	size_t n = 0;

	for (const struct cli_cmd *c = cli_cmds; c->name; c++)
		names[n++] = c->name;
	hit = near_name(name, names, n);
	fprintf(stderr, "zonewall: unknown command '%s'%s%s%s\nTry 'zonewall help'.\n", name,
		hit ? "; did you mean '" : "", hit ? hit : "", hit ? "'?" : "");
	return CLI_USAGE;
}

static void cli_cmds_list(FILE *f)
{
	const struct cli_cmd *c;

	fputs("Usage: zonewall COMMAND [OPTIONS...]\n"
	      "       zonewall COMMAND --help\n"
	      "       zonewall --version\n\n"
	      "Commands:\n", f);
	for (c = cli_cmds; c->name; c++)
		fprintf(f, "  %-14s %s\n", c->name, c->summary);
}

static const char help_usage[] =
	"Usage: zonewall help [COMMAND]\n"
	"\n"
	"Without COMMAND, list the subcommands; with it, show its usage.\n";

/* @c's usage, printed by @c itself: run it as `zonewall NAME --help`. */
static int cli_cmd_usage(const struct cli_cmd *c)
{
	char name[32], help[] = "--help";
	char *argv[] = { name, help, NULL };

	snprintf(name, sizeof(name), "%s", c->name);
	return c->main(2, argv);
}

int cmd_help_main(int argc, char **argv)
{
	const struct cli_cmd *c;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return cli_print_usage(help_usage);
	if (argc > 2)
		return cli_usage_error("help", "too many arguments");
	if (argc == 2) {
		c = cli_cmd_find(argv[1]);
		if (!c)
			return cli_cmd_unknown(argv[1]);
		return cli_cmd_usage(c);
	}
	cli_cmds_list(stdout);
	return CLI_OK;
}

static const char version_usage[] =
	"Usage: zonewall version\n";

int cmd_version_main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--help") && strcmp(argv[1], "-h"))
		return cli_usage_error("version", "takes no arguments");
	if (argc > 1)
		return cli_print_usage(version_usage);
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
	if (!c)
		return cli_cmd_unknown(argv[1]);
	return c->main(argc - 1, argv + 1);
}
