// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zonewall denied: refused and would-refuse flows, with identities and
 * zones.  When zonewalld answers on its control socket it owns the NFLOG
 * group (one listener per group), so the rows come from its `denied`
 * stream; otherwise from the NFLOG group directly: the log prefix names the
 * zone pair and the mode, and addresses are resolved to identities through
 * the same snapshot compile and apply use (inventory, runtime).  Either
 * source yields the same row objects, printed by one path.
 */

#include "config.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <net/if.h>

#include "cli.h"
#include "cli-daemon.h"
#include "cli-snapshot.h"
#include "zonewall/nft.h"
#include "cli-policy.h"
#include "zonewall/ctl.h"
#include "zonewall/nflog.h"
#include "zonewall/numarg.h"
#include "zonewall/output.h"

/* The default table fits 120 columns (time to the second, identities and
 * zones cut); --wide adds the addresses and the milliseconds. */
static const struct out_column denied_cols[] = {
	{ .key = "time", .title = "TIME", .time = true },
	{ .key = "verdict", .title = "VERDICT" },
	{ .key = "proto", .title = "PROTO" },
	{ .key = "from", .title = "FROM", .max = 18 },
	{ .key = "from_zone", .title = "FROM-ZONE", .max = 10 },
	{ .key = "src", .title = "SRC", .wide_only = true },
	{ .key = "to", .title = "TO", .max = 18 },
	{ .key = "to_zone", .title = "TO-ZONE", .max = 10 },
	{ .key = "dst", .title = "DST", .wide_only = true },
	{ .key = "dport", .title = "DPORT", .right = true },
	{ .key = NULL },
};

struct denied_ctx {
	const struct cmp_snapshot *s;
	json_t *rows;			/* collected unless following */
	bool follow, json;
	long count, max;
	size_t skipped;
};

static volatile sig_atomic_t denied_stop;

static void denied_on_signal(int sig)
{
	(void)sig;
	denied_stop = 1;
}

static void print_follow(const struct denied_ctx *d, json_t *row)
{
	char *line;

	if (d->json) {
		line = json_dumps(row, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (line)
			printf("%s\n", line);
		free(line);
	} else {
		json_t *one = json_array();

		json_array_append(one, row);
		out_rows_print(stdout, OUT_TSV, one, denied_cols);
		json_decref(one);
	}
	fflush(stdout);
}

/* One row (borrowed), from either source. */
static void take_row(struct denied_ctx *d, json_t *row)
{
	d->count++;
	if (d->follow)
		print_follow(d, row);
	else
		json_array_append(d->rows, row);
}

static void on_event(void *ctx, const struct nflog_event *ev)
{
	struct denied_ctx *d = ctx;
	char port[IF_NAMESIZE] = "";
	struct cmp_logtag tag;
	json_t *row = NULL;

	if (cmp_logtag_parse(ev->prefix, &tag)) {
		/* the bridge table's are named by the port they came in by */
		if (tag.spoofed)
			nflog_in_port(ev, port);
		row = cmp_log_row(d->s, NULL, &tag, port, ev->hw_proto, ev->payload, ev->len,
				  ev->time_ns);
	}
	if (!row) {
		d->skipped++;
		return;
	}
	take_row(d, row);
	json_decref(row);
}

/* Milliseconds to wait next (at most 1000, so signals are noticed); 0: stop. */
static int denied_wait_ms(const struct denied_ctx *d, const struct timespec *start,
			  double duration_s)
{
	struct timespec now;
	int64_t left;

	if (denied_stop || (d->max > 0 && d->count >= d->max))
		return 0;
	if (d->follow)
		return 1000;
	clock_gettime(CLOCK_MONOTONIC, &now);
	left = (int64_t)(duration_s * 1000) - ((int64_t)(now.tv_sec - start->tv_sec) * 1000 +
					       (now.tv_nsec - start->tv_nsec) / 1000000);
	return left <= 0 ? 0 : left > 1000 ? 1000 : (int)left;
}

static int denied_loop(struct denied_ctx *d, struct nflog_conn *nc, double duration_s)
{
	struct timespec start;
	int rc, left;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while ((left = denied_wait_ms(d, &start, duration_s)) > 0) {
		rc = nflog_read(nc, left, on_event, d);
		if (rc == -ENOBUFS)
			cli_warn("denied", "the kernel dropped log messages (socket overrun)");
		else if (rc < 0 && rc != -EINTR)
			return cli_fail("denied", "reading NFLOG: %s", strerror(-rc));
	}
	return CLI_OK;
}

/* The daemon's `denied` stream: each line is a row, or a notice that we fell behind. */
static int daemon_loop(struct denied_ctx *d, struct ctl_conn *k, const char *path,
		       double duration_s)
{
	struct timespec start;
	json_t *msg;
	int rc, left;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while ((left = denied_wait_ms(d, &start, duration_s)) > 0) {
		rc = ctl_conn_recv(k, &msg, left);
		if (rc == -ETIMEDOUT || rc == -EINTR)
			continue;
		if (rc == -ECONNRESET)
			return cli_fail("denied", "zonewalld closed %s (stopped?)", path);
		if (rc)
			return cli_fail("denied", "reading %s: %s", path, strerror(-rc));
		if (json_object_get(msg, "event")) {
			rc = cli_fail("denied", "zonewalld: %s", json_string_value(
				json_object_get(msg, "error")) ?: "the stream was cut");
			json_decref(msg);
			return rc;
		}
		take_row(d, msg);
		json_decref(msg);
	}
	return CLI_OK;
}

/*
 * When zonewalld answers at the control socket, subscribe to its stream.
 * Return: CLI_OK after reading, CLI_FAIL after a message, or -1 when no
 * daemon answers at the default path (neither @socket nor @config given), so
 * the caller reads NFLOG itself.
 */
static int denied_from_daemon(struct denied_ctx *d, const char *socket, const char *config,
			      double duration_s)
{
	char path[PATH_MAX];
	struct ctl_conn *k;
	json_t *req, *reply = NULL;
	bool learn;
	int status;

	status = clid_socket_path("denied", socket, config, path, sizeof(path));
	if (status)
		return status;
	k = ctl_conn_open(path);
	if (!k && !socket && !config)
		return -1;
	if (!k)
		return cli_fail("denied", "cannot connect to %s: %s (is zonewalld running?)", path,
				strerror(errno));
	req = json_pack("{s:s}", "cmd", "denied");
	status = req ? clid_request("denied", k, path, req, &reply) :
		cli_fail("denied", "out of memory");
	json_decref(req);
	learn = status == CLI_OK &&
		!strcmp(json_string_value(json_object_get(reply, "mode")) ?: "", "learn");
	json_decref(reply);
	if (learn)
		cli_warn("denied", "zonewalld at %s runs in learn mode: it refuses nothing "
			 "(after `zonewall apply`, --nflog listens here)", path);
	if (status == CLI_OK) {
		fprintf(stderr, "zonewall denied: following zonewalld at %s\n", path);
		status = daemon_loop(d, k, path, duration_s);
	}
	ctl_conn_close(k);
	/* as for no tables: a script tells "nothing refusing" (1) from "nothing refused" (0) */
	if (status == CLI_OK && learn && !d->follow)
		status = CLI_FAIL;
	return status;
}

static const char usage[] =
	"Usage: zonewall denied [--follow] [--wide | --json] [--duration SECS] [--count N]\n"
	"                       [--inventory FILE] [--runtime URI] [--log-group N]\n"
	"                       [--socket PATH | --config FILE | --nflog]\n"
	"\n"
	"Report each refused (enforce) or would-refuse (monitor) flow: time, verdict\n"
	"(\"(border)\" for a deny border), protocol, source and destination identity,\n"
	"zone and address, port.  When zonewalld answers on its control socket, the\n"
	"flows come from its stream (it owns the NFLOG group and resolves identities\n"
	"from its own index).  Otherwise zonewall listens on the NFLOG group itself\n"
	"(rate-limited in the kernel per zone pair) and resolves addresses through\n"
	"the inventory and the runtime, as apply does; only one listener per group:\n"
	"a second one fails with \"another listener has it\".  The rows are the same.\n"
	"--nflog (or --inventory, --runtime, --log-group) skips the daemon and listens\n"
	"here, e.g. after `zonewall apply` with a daemon running in learn mode.\n"
	"Each row is one logged packet, not a count: a connection attempt (each\n"
	"retry a row of its own, within the kernel's rate limit) or an invalid one.\n"
	"The table fits 120 columns (time to the second, long names cut); --wide\n"
	"shows every column.\n"
	"\n"
	"  -f, --follow          print each flow as it comes (TSV, or JSON lines)\n"
	"                        until SIGINT/SIGTERM\n"
	"  -d, --duration SECS   without --follow: listen this long (default 10), then\n"
	"                        print the table\n"
	"  -n, --count N         stop after N flows\n"
	"  -W, --wide            the table with every column (addresses), nothing cut\n"
	"  -j, --json            JSON\n"
	"  -i, --inventory FILE  static inventory\n"
	"  -r, --runtime URI     container runtime (default: detect)\n"
	"  -g, --log-group N     NFLOG group (default 4269)\n"
	"  -s, --socket PATH     zonewalld's control socket (default\n"
	"                        /run/zonewall/zonewalld.sock; given: must answer)\n"
	"  -c, --config FILE     take control_socket from this zonewalld.conf\n"
	"  -N, --nflog           listen on the NFLOG group here, even when zonewalld\n"
	"                        answers\n"
	"  -h, --help            show this help\n";

/* Whether zonewall's inet table is here: without it nothing is refused. */
static bool denied_installed(void)
{
	struct nft_conn *c = nft_open();
	struct nft_status st;
	int rc;

	if (!c)
		return true;	/* cannot tell: do not claim it is missing */
	rc = nft_rules_read(c, RS_INET, CMP_TABLE, &st);
	if (rc == 0)
		nft_status_free(&st);
	nft_close(c);
	return rc != -ENOENT;
}

int cmd_denied_main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLIE_LONGOPTS,
		{ "follow", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "wide", no_argument, NULL, 'W' },
		{ "duration", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'n' },
		{ "socket", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "nflog", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct denied_ctx d = { 0 };
	struct clie_opts o = { 0 };
	bool installed = true;
	struct cmp_snapshot *s = NULL;
	struct nflog_conn *nc;
	const char *socket = NULL, *config = NULL;
	double duration = 10;
	uint64_t n;
	int c, status = CLI_OK;
	bool nflog = false, wide = false;

	while ((c = cli_getopt("denied", usage, argc, argv, ":hfjWd:n:s:c:N" CLIE_SHORTOPTS, opts,
			       &status)) != -1) {
		if (c == CLI_DONE)
			return status;
		if (c == 'f')
			d.follow = true;
		else if (c == 'j')
			d.json = true;
		else if (c == 'W')
			wide = true;
		else if (c == 's')
			socket = optarg;
		else if (c == 'c')
			config = optarg;
		else if (c == 'N')
			nflog = true;
		else if (c == 'd' && cli_parse_seconds("denied", "--duration", optarg,
						       NUM_SECONDS_MAX, &duration))
			return CLI_USAGE;
		else if (c == 'n' && cli_parse_uint("denied", "--count", optarg, 1, LONG_MAX, &n))
			return CLI_USAGE;
		else if (c == 'n')
			d.max = (long)n;
		else if (c != 'd' && c != 'n' && c != 'N' &&
			 clie_option("denied", c, optarg, &o) == CLI_USAGE)
			return CLI_USAGE;
	}
	if (optind < argc)
		return cli_usage_error("denied", "unexpected argument '%s'", argv[optind]);
	/* the inventory, runtime and group serve only our own NFLOG listener */
	nflog = nflog || o.inventory || o.runtime || o.log_group;
	if (nflog && (socket || config))
		return cli_usage_error("denied", "--socket and --config follow zonewalld; --nflog, "
				       "--inventory, --runtime and --log-group listen on NFLOG here");
	signal(SIGINT, denied_on_signal);
	signal(SIGTERM, denied_on_signal);
	d.rows = json_array();
	status = nflog ? -1 : denied_from_daemon(&d, socket, config, duration);
	if (status >= 0)
		goto out_print;
	status = clie_snapshot("denied", &o, &s);
	if (status != CLI_OK)
		goto out_free;
	installed = denied_installed();
	if (!installed)
		cli_warn("denied", "zonewall is not installed in this network namespace: nothing "
			 "will be refused%s", d.follow ? " until it is" : "");
	nc = nflog_open(o.log_group ? o.log_group : CMP_LOG_GROUP, 128);
	if (!nc) {
		status = cli_fail("denied", "cannot listen on NFLOG group %u: %s%s",
				  o.log_group ? o.log_group : CMP_LOG_GROUP, strerror(errno),
				  errno == EBUSY ? " (another listener has it)" : "");
		goto out_free;
	}
	fprintf(stderr, "zonewall denied: listening on NFLOG group %u\n",
		o.log_group ? o.log_group : CMP_LOG_GROUP);
	d.s = s;
	status = denied_loop(&d, nc, duration);
	nflog_close(nc);
	/* a script tells "nothing installed" (1) from "nothing refused" (0) */
	if (status == CLI_OK && !installed && !d.follow)
		status = CLI_FAIL;
out_print:
	if (status == CLI_OK && !d.follow &&
	    out_rows_print(stdout, d.json ? OUT_JSON : wide ? OUT_WIDE : OUT_TABLE, d.rows,
			   denied_cols))
		status = cli_fail("denied", "cannot write output");
out_free:
	json_decref(d.rows);
	cmp_snap_free(s);
	return status;
}
