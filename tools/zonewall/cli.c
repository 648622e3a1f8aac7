// SPDX-License-Identifier: GPL-2.0-or-later
/* Diagnostics and option handling shared by every subcommand. */

#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "cli.h"
#include "zonewall/nearest.h"
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

/* The long option @word (what follows the dashes, up to '=') most likely
 * meant, or NULL. */
static const char *cli_long_nearest(const char *word, const struct option *longopts)
{
	const char *names[64];
	char name[40];
	size_t n = 0;

	snprintf(name, sizeof(name), "%.*s", (int)strcspn(word, "="), word);
	for (const struct option *o = longopts; o && o->name && n < 64; o++)
		names[n++] = o->name;
	return near_name(name, names, n);
}

/* "invalid option '--polcy'; did you mean '--policy'?" */
static int cli_bad_long_option(const char *cmd, const char *arg, const struct option *longopts)
{
	const char *hit = cli_long_nearest(arg + 2, longopts);

	if (hit)
		return cli_usage_error(cmd, "invalid option '%s'; did you mean '--%s'?", arg, hit);
	return cli_usage_error(cmd, "invalid option '%s'", arg);
}

/* "invalid option -s in '-json'; did you mean '--json'?": a long option
 * typed with one dash.  getopt stays on a word until its last letter, so
 * the word is the current one while it holds the letter, else the last. */
static int cli_bad_short_option(const char *cmd, int argc, char **argv,
				const struct option *longopts)
{
	const char *word = argv[optind - 1], *hit;

	if (optind < argc && argv[optind][0] == '-' && argv[optind][1] != '-' &&
	    strchr(argv[optind] + 1, optopt))
		word = argv[optind];
	hit = word[0] == '-' && word[1] != '-' && strlen(word) > 2 ?
	      cli_long_nearest(word + 1, longopts) : NULL;
	if (hit)
		return cli_usage_error(cmd, "invalid option -%c in '%s'; did you mean '--%s'?",
				       optopt, word, hit);
	return cli_usage_error(cmd, "invalid option -%c", optopt);
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
			*status = cli_bad_short_option(cmd, argc, argv, longopts);
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
