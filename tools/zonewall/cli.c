// SPDX-License-Identifier: GPL-2.0-or-later
/* Diagnostics and option handling shared by every subcommand. */

#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "cli.h"
#include "zonewall/numarg.h"

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
	return cli_fail(cmd, "no container runtime answers on /var/run/docker.sock or "
			"/run/podman/podman.sock: enable one (systemctl enable --now podman.socket, "
			"or start docker), name its socket with --runtime, or pass --runtime none to "
			"work from the inventory only");
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

int cli_parse_uint(const char *cmd, const char *flag, const char *arg, uint64_t min,
		   uint64_t max, uint64_t *out)
{
	int err = num_parse_uint(arg, min, max, out);

	if (err == -ERANGE)
		return cli_usage_error(cmd, "%s %s: out of range (%" PRIu64 "..%" PRIu64 ")",
				       flag, arg, min, max);
	if (err)
		return cli_usage_error(cmd, "%s wants a number in %" PRIu64 "..%" PRIu64
				       ", not '%s'", flag, min, max, arg);
	return CLI_OK;
}

int cli_parse_seconds(const char *cmd, const char *flag, const char *arg, double max,
		      double *out)
{
	int err = num_parse_seconds(arg, max, out);

	if (err == -ERANGE)
		return cli_usage_error(cmd, "%s %s: out of range (more than 0, at most %.0f "
				       "seconds)", flag, arg, max);
	if (err)
		return cli_usage_error(cmd, "%s wants seconds (e.g. 30 or 0.5), more than 0 "
				       "and at most %.0f, not '%s'", flag, max, arg);
	return CLI_OK;
}

int cli_log_group(const char *cmd, const char *arg, uint16_t *out)
{
	uint64_t v;

	if (cli_parse_uint(cmd, "--log-group", arg, 1, 65535, &v))
		return CLI_USAGE;
	*out = (uint16_t)v;
	return CLI_OK;
}
