// SPDX-License-Identifier: GPL-2.0-or-later
/* Diagnostics and option handling shared by every subcommand. */

#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "cli.h"
#include "zonewall/numarg.h"
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

/* Edit distance of @a and @b (insert, delete, replace, swap two
 * neighbours), stopping early past @max: names are short. */
static size_t cli_distance(const char *a, const char *b, size_t max)
{
	size_t la = strlen(a), lb = strlen(b), d[40][40];

	if (la >= 40 || lb >= 40)
		return max + 1;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb];
}

const char *cli_nearest(const char *word, const char *const *names, size_t n)
{
	size_t len = strlen(word), max = len < 4 ? 1 : len < 9 ? 2 : 3, best = max + 1;
	const char *hit = NULL;

	for (size_t i = 0; i < n; i++) {
		size_t d = names[i] ? cli_distance(word, names[i], max) : max + 1;

		if (d < best) {
			best = d;
			hit = names[i];
		}
	}
	return hit;
}

/* "invalid option '--polcy'; did you mean '--policy'?" */
static int cli_bad_long_option(const char *cmd, const char *arg, const struct option *longopts)
{
	const char *names[64];
	char word[40];
	size_t n = 0;
	const char *hit;

	snprintf(word, sizeof(word), "%.*s", (int)strcspn(arg + 2, "="), arg + 2);
	for (const struct option *o = longopts; o && o->name && n < 64; o++)
		names[n++] = o->name;
	hit = cli_nearest(word, names, n);
	if (hit)
		return cli_usage_error(cmd, "invalid option '%s'; did you mean '--%s'?", arg, hit);
	return cli_usage_error(cmd, "invalid option '%s'", arg);
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
		else if (!strncmp(argv[optind - 1], "--", 2))
			*status = cli_bad_long_option(cmd, argv[optind - 1], longopts);
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
