// SPDX-License-Identifier: GPL-2.0-or-later
/* Diagnostics and option handling shared by every subcommand. */

#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "cli.h"
#include "zonewall/rt-backend.h"

static void cli_vprint(const char *cmd, const char *what, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static void cli_vprint(const char *cmd, const char *what, const char *fmt, va_list ap)
{
	fprintf(stderr, "zonewall%s%s: %s", cmd ? " " : "", cmd ? cmd : "", what);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vprint(cmd, "", fmt, ap);
	va_end(ap);
	if (cmd)
		fprintf(stderr, "Try 'zonewall %s --help'.\n", cmd);
	else
		fprintf(stderr, "Try 'zonewall help'.\n");
	return CLI_USAGE;
}

int cli_fail(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vprint(cmd, "", fmt, ap);
	va_end(ap);
	return CLI_FAIL;
}

int cli_runtime_missing(const char *cmd)
{
	char socks[256];

	return cli_fail(cmd, "no container runtime answers on %s: enable one (systemctl enable "
			"--now podman.socket, or start docker), name its socket with --runtime, or "
			"pass --runtime none to work from the inventory only",
			rt_backend_list(socks, sizeof(socks), true, NULL, NULL));
}

void cli_warn(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vprint(cmd, "warning: ", fmt, ap);
	va_end(ap);
}

int cli_print_usage(const char *usage)
{
	fputs(usage, stdout);
	return CLI_OK;
}

int cli_getopt(const char *cmd, const char *usage, int argc, char **argv,
	       const char *shortopts, const struct option *longopts, int *status)
{
	int c;

	opterr = 0;
	c = getopt_long(argc, argv, shortopts, longopts, NULL);
	switch (c) {
	case 'h':
		*status = cli_print_usage(usage);
		return CLI_DONE;
	case '?':
		if (optopt)
			*status = cli_usage_error(cmd, "invalid option -%c", optopt);
		else
			*status = cli_usage_error(cmd, "invalid option '%s'", argv[optind - 1]);
		return CLI_DONE;
	case ':':
		*status = cli_usage_error(cmd, "option '%s' needs an argument", argv[optind - 1]);
		return CLI_DONE;
	default:
		return c;
	}
}
