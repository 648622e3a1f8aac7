/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_CLI_CAPTURE_H
#define ZONEWALL_CLI_CAPTURE_H

/*
 * What the capturing subcommands (flows, learn, replay) share: the
 * -r/-i/--auto/--duration/--limit options, reading capture files into a
 * flow table, the live loop (named interfaces or --auto following links,
 * one epoll loop, SIGINT/SIGTERM/SIGHUP, an optional tick for other work such as
 * the runtime's event stream), the counters, and RFC 3339 times with
 * microseconds.  CLI layer: prints its own diagnostics, prefixed with the
 * subcommand's name.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <getopt.h>

#include "zonewall/decode.h"
#include "zonewall/feed.h"
#include "zonewall/flow.h"
#include "zonewall/output.h"

#define CLCAP_MAX_ARGS 64

/* The capture options, as parsed by clcap_option(). */
struct clcap_opts {
	char *files[CLCAP_MAX_ARGS];
	size_t nfiles;
	char *ifaces[CLCAP_MAX_ARGS];
	size_t nifaces;
	bool automatic;
	double duration;	/* seconds; 0: until SIGINT/SIGTERM/SIGHUP */
	size_t limit;		/* flow table bound; 0: FLOW_DEFAULT_MAX */
};

/* Short and long options for clcap_option(): -r, -i, -a, -d, -l. */
#define CLCAP_SHORTOPTS "r:i:ad:l:"
#define CLCAP_LONGOPTS                                         \
	{ "read", required_argument, NULL, 'r' },              \
	{ "interface", required_argument, NULL, 'i' },         \
	{ "auto", no_argument, NULL, 'a' },                    \
	{ "duration", required_argument, NULL, 'd' },          \
	{ "limit", required_argument, NULL, 'l' }

/**
 * clcap_option() - handle one of CLCAP_LONGOPTS (@c with optarg).
 * Return: 1 when @c was one of ours, 0 when not, CLI_USAGE (after printing
 * the hint) on a bad value.
 */
int clcap_option(const char *cmd, int c, struct clcap_opts *o);

/**
 * clcap_getopt() - cli_getopt() that handles CLCAP_LONGOPTS itself (into
 * @o) and hands back only the caller's options; --help prints @usage.
 * Return: the caller's option character; -1 at the end of options;
 * CLI_DONE when the caller must return @*status now (help, usage error).
 */
int clcap_getopt(const char *cmd, const char *usage, int argc, char **argv,
		 const char *shortopts, const struct option *longopts, struct clcap_opts *o,
		 int *status);

/**
 * clcap_check() - the combinations: files or live (-i / --auto, not both),
 * --duration only live; @live_ok false refuses live capture.
 * Return: CLI_OK, or CLI_USAGE after printing the hint.
 */
int clcap_check(const char *cmd, const struct clcap_opts *o, bool live_ok);

/* A capture run: the table frames are counted into, and the counters. */
struct clcap {
	const char *cmd;	/* for messages: "zonewall CMD: ..." */
	struct flow_table *table;
	struct feed feed;	/* frames into table, and their counters */
	uint64_t kernel_drops;	/* sum over live sources, closed ones included */
	uint64_t if_drops;
	bool failed;		/* an unreadable file, a damaged one, a failed interface */
	/* Live only: called at least every tick_ms while capturing (0: 1000). */
	void (*tick)(void *ctx);
	void *tick_ctx;
	int tick_ms;
};

/**
 * clcap_init() - a run for @cmd with a new flow table of @o->limit rows.
 * Return: 0, or -errno (the table could not be made).
 */
int clcap_init(struct clcap *c, const char *cmd, const struct clcap_opts *o);

/** clcap_free() - release the table.  Accepts a zeroed run. */
void clcap_free(struct clcap *c);

/**
 * clcap_run() - read every file of @o, or capture live as @o says until
 * the duration ends or SIGINT/SIGTERM/SIGHUP.  Problems with files and
 * interfaces are printed and set c->failed.
 * Return: 0, or -errno when live capture could not be set up (printed).
 */
int clcap_run(struct clcap *c, const struct clcap_opts *o);

/**
 * clcap_print_stats() - the counters (packets_read, the decoder's skip
 * reasons, no_rule, flow_packets, flows, evictions, table_bytes, and live
 * kernel_drops/if_drops) on stderr in @fmt.
 * Return: 0 or -EIO.
 */
int clcap_print_stats(const struct clcap *c, enum out_format fmt, bool live);

/**
 * clcap_time() - @ns as RFC 3339 UTC with microseconds
 * ("2024-05-01T12:00:00.123456Z", tfmt_rfc3339()'s TFMT_US) into @buf (at
 * least TFMT_LEN bytes), "-" when out of range or @buf is too small.
 * Return: the length written (27, or 1 for "-").
 */
size_t clcap_time(char *buf, size_t len, uint64_t ns);

/** clcap_note() - "zonewall CMD: MESSAGE" on stderr (progress, not a warning). */
void clcap_note(const struct clcap *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
