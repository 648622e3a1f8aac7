/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_CLI_H
#define ZONEWALL_CLI_H

/*
 * The operator CLI: one table of subcommands with a one-line summary each
 * (tools/zonewall/zonewall.c), one file per subcommand (tools/zonewall/cmd-*.c)
 * exporting a cmd_<name>_main() and owning its usage text, next to its
 * option table.  Only this layer prints diagnostics.  Exit status: 0 success,
 * 1 failure at run time, 2 usage error (with a one-line hint).
 */

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

enum {
	CLI_OK = 0,
	CLI_FAIL = 1,
	CLI_USAGE = 2,
};

/**
 * cli_usage_error() - print "zonewall CMD: MESSAGE" and a hint pointing to
 * `zonewall CMD --help` on stderr.
 * Return: CLI_USAGE, so callers can `return cli_usage_error(...)`.
 */
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * cli_fail() - print "zonewall CMD: MESSAGE" on stderr.
 * Return: CLI_FAIL.
 */
int cli_fail(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * cli_runtime_missing() - no --runtime and no runtime answering where one
 * would: a failure, not an inventory-only run (every container would be
 * unknown, and an apply would put them all in the default zone).  Says how
 * to enable one and how to ask for the inventory only.  Return: CLI_FAIL.
 */
int cli_runtime_missing(const char *cmd);

/** cli_warn() - print "zonewall CMD: warning: MESSAGE" on stderr. */
void cli_warn(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * cli_print_usage() - print a command's @usage text to stdout.
 * Return: CLI_OK.
 */
int cli_print_usage(const char *usage);

/**
 * cli_getopt() - getopt_long() with the handling every subcommand shares:
 * --help prints @usage (the command's own text) and makes the command return
 * CLI_OK; an unknown option or a missing argument becomes a usage error.
 * @shortopts must start with ':' (so a missing argument is told apart) and
 * hold 'h'; @longopts must map "help" to 'h'.
 * Return: the option character; -1 at the end of options; CLI_DONE when the
 * caller must return @*status now.
 */
int cli_getopt(const char *cmd, const char *usage, int argc, char **argv,
	       const char *shortopts, const struct option *longopts, int *status);

#define CLI_DONE (-2)

/**
 * cli_parse_uint() - the value of numeric flag @flag (e.g. "--count"):
 * decimal digits in @min..@max (num_parse_uint()).  Every integer flag of
 * the CLI goes through here, so each says its range the same way.
 * Return: CLI_OK with @*out set, or CLI_USAGE after printing what was wrong
 * (not a number, or out of range with the range).
 */
int cli_parse_uint(const char *cmd, const char *flag, const char *arg, uint64_t min,
		   uint64_t max, uint64_t *out);

/**
 * cli_parse_seconds() - the value of duration flag @flag: seconds, more
 * than 0 and at most @max (num_parse_seconds()).
 * Return: CLI_OK with @*out set, or CLI_USAGE after printing.
 */
int cli_parse_seconds(const char *cmd, const char *flag, const char *arg, double max,
		      double *out);

/**
 * cli_log_group() - --log-group N: an NFLOG group in 1..65535, as the
 * daemon's nflog_group (0 is not a group: the default is CMP_LOG_GROUP).
 * Return: CLI_OK with @*out set, or CLI_USAGE after printing.
 */
int cli_log_group(const char *cmd, const char *arg, uint16_t *out);

/* Subcommands: the entry points of zonewall.c's table. */
int cmd_help_main(int argc, char **argv);
int cmd_version_main(int argc, char **argv);
int cmd_links_main(int argc, char **argv);
int cmd_containers_main(int argc, char **argv);
int cmd_flows_main(int argc, char **argv);
int cmd_learn_main(int argc, char **argv);
int cmd_replay_main(int argc, char **argv);
int cmd_explain_main(int argc, char **argv);
int cmd_review_main(int argc, char **argv);
int cmd_approve_main(int argc, char **argv);
int cmd_merge_main(int argc, char **argv);
int cmd_diff_main(int argc, char **argv);
int cmd_export_main(int argc, char **argv);
int cmd_validate_main(int argc, char **argv);
int cmd_reload_main(int argc, char **argv);
int cmd_confirm_main(int argc, char **argv);
int cmd_daemon_status_main(int argc, char **argv);
int cmd_metrics_main(int argc, char **argv);
int cmd_compile_main(int argc, char **argv);
int cmd_apply_main(int argc, char **argv);
int cmd_status_main(int argc, char **argv);
int cmd_uninstall_main(int argc, char **argv);
int cmd_denied_main(int argc, char **argv);
int cmd_fleet_main(int argc, char **argv);

#endif
