// SPDX-License-Identifier: GPL-2.0-or-later
/* zonewall containers: every workload with its identity, zone and addresses. */

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "zonewall/timefmt.h"
#include "cli-policy.h"
#include "zonewall/identity.h"
#include "zonewall/inventory.h"
#include "zonewall/rt-source.h"
#include "zonewall/runtime.h"

/* The default table fits 120 columns: who and where (id, name, identity,
 * zone, IPv4, state); --wide adds the image, IPv6, networks, veth, bridge. */
static const struct out_column containers_columns[] = {
	{ .key = "id", .title = "ID" },
	{ .key = "name", .title = "NAME", .max = 20 },
	{ .key = "identity", .title = "IDENTITY", .max = 22 },
	{ .key = "zone", .title = "ZONE", .max = 12 },
	{ .key = "image", .title = "IMAGE", .wide_only = true },
	{ .key = "ipv4", .title = "IPV4", .max = 30 },
	{ .key = "ipv6", .title = "IPV6", .wide_only = true },
	{ .key = "networks", .title = "NETWORKS", .wide_only = true },
	{ .key = "veth", .title = "VETH", .wide_only = true },
	{ .key = "bridge", .title = "BRIDGE", .wide_only = true },
	{ .key = "state", .title = "STATE", .max = 10 },
	{ .key = NULL },
};

static const struct out_column watch_columns[] = {
	{ .key = "time", .title = "TIME" },
	{ .key = "event", .title = "EVENT" },
	{ .key = "name", .title = "NAME" },
	{ .key = "identity", .title = "IDENTITY" },
	{ .key = "zone", .title = "ZONE" },
	{ .key = "ipv4", .title = "IPV4" },
	{ .key = "state", .title = "STATE" },
	{ .key = "latency_ms", .title = "LATENCY_MS", .right = true },
	{ .key = "message", .title = "MESSAGE" },
	{ .key = NULL },
};

struct containers_ctx {
	enum out_format fmt;
	bool watch;
	const char *event_log;	/* --event-log, NULL: the mapper's default */
	bool no_fast_start;	/* --no-fast-start */
	bool lost;
	char lost_msg[512];
	const struct id_index *idx;
};

static volatile sig_atomic_t containers_stop;

static void containers_on_signal(int sig)
{
	containers_stop = 1;
}

/* One watch line: a JSON object per line with --json, else a TSV row
 * (the column names first, once). */
static void containers_emit(const struct containers_ctx *cx, json_t *row)
{
	static bool header_done;
	json_t *rows = json_array();

	if (cx->fmt != OUT_JSON && !header_done) {
		for (const struct out_column *c = watch_columns; c->key; c++)
			printf("%s%s", c == watch_columns ? "" : "\t", c->title);
		putchar('\n');
		header_done = true;
	}
	if (cx->fmt == OUT_JSON) {
		json_dumpf(row, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
	} else if (rows && !json_array_append(rows, row)) {
		out_rows_print(stdout, OUT_TSV, rows, watch_columns);
	}
	fflush(stdout);
	json_decref(rows);
}

static double containers_sec(int64_t ns)
{
	return (double)ns / 1e9;
}

/* A time of the watch as RFC 3339 UTC with milliseconds, like every time
 * zonewall prints. */
static json_t *containers_time(int64_t ns)
{
	char buf[TFMT_LEN];

	if (tfmt_rfc3339(buf, sizeof(buf), ns / 1000000000, ns % 1000000000, TFMT_MS) < 0)
		return json_null();
	return json_string(buf);
}

static void containers_report(void *ctx, const struct rt_report *r)
{
	struct containers_ctx *cx = ctx;
	const struct id_workload *w;
	json_t *row;

	if (r->kind == RT_REP_LOST) {
		cx->lost = true;
		snprintf(cx->lost_msg, sizeof(cx->lost_msg), "%s", r->cause);
	}
	if (!cx->watch) {
		if (r->kind == RT_REP_WARN)
			cli_warn("containers", "%s", r->msg);
		return;
	}
	row = json_object();
	if (!row)
		return;
	json_object_set_new(row, "time", containers_time(rt_now_ns()));
	switch (r->kind) {
	case RT_REP_EVENT:
		w = id_index_find(cx->idx, r->ev->id);
		json_object_set_new(row, "time", containers_time(r->ev->time_ns));
		json_object_set_new(row, "event", json_sprintf("%s %s", r->ev->type, r->ev->action));
		json_object_set_new(row, "id", json_stringn(r->ev->id, strnlen(r->ev->id, 12)));
		json_object_set_new(row, "name", w ? json_string(w->name) : json_string(r->ev->name));
		if (w) {
			json_t *full = id_workload_json(w);

			json_object_set(row, "identity", json_object_get(full, "identity"));
			json_object_set(row, "zone", json_object_get(full, "zone"));
			json_object_set(row, "ipv4", json_object_get(full, "ipv4"));
			json_object_set(row, "ipv6", json_object_get(full, "ipv6"));
			json_object_set(row, "state", json_object_get(full, "state"));
			json_decref(full);
		} else {
			json_object_set_new(row, "state", json_string("removed"));
		}
		/* latency_ms: event time to index; apply_ms: our part of it */
		if (r->ev->time_ns)
			json_object_set_new(row, "latency_ms",
					    json_real((double)(r->applied_ns - r->ev->time_ns) / 1e6));
		json_object_set_new(row, "apply_ms",
				    json_real((double)(r->applied_ns - r->ev->recv_ns) / 1e6));
		if (r->inspect_ns)
			json_object_set_new(row, "inspect_ms", json_real((double)r->inspect_ns / 1e6));
		if (r->superseded)
			json_object_set_new(row, "superseded", json_true());
		/* a start applied from the kernel's view, then its inspect's answer */
		if (r->provisional)
			json_object_set_new(row, "addresses_from", json_string("kernel"));
		if (r->confirms)
			json_object_set_new(row, "confirms", json_true());
		if (r->fast_miss)
			json_object_set_new(row, "kernel_read_missed", json_string(r->fast_miss));
		json_object_set_new(row, "via", json_string(r->ev->from_log ? "event log" : "stream"));
		break;
	case RT_REP_SYNCED:
		json_object_set_new(row, "event", json_string("synced"));
		json_object_set_new(row, "message", json_sprintf(
			"%zu workloads (+%zu ~%zu -%zu)%s", r->workloads, r->stats.added,
			r->stats.changed, r->stats.removed, r->gap_from_ns ? " after a gap" : ""));
		if (r->gap_from_ns) {
			json_object_set_new(row, "gap_from", containers_time(r->gap_from_ns));
			json_object_set_new(row, "gap_to", containers_time(r->gap_to_ns));
			json_object_set_new(row, "gap_s",
					    json_real(containers_sec(r->gap_to_ns - r->gap_from_ns)));
		}
		break;
	case RT_REP_LOST:
		json_object_set_new(row, "event", json_string("lost"));
		json_object_set_new(row, "message", json_string(r->msg));
		break;
	case RT_REP_RETRY:
		json_object_set_new(row, "event", json_string("retry"));
		json_object_set_new(row, "message", json_string(r->msg));
		break;
	case RT_REP_WARN:
		json_object_set_new(row, "event", json_string("warning"));
		json_object_set_new(row, "message", json_string(r->msg));
		break;
	}
	containers_emit(cx, row);
	json_decref(row);
}

/* One row per record of each source, in the order given. */
static json_t *containers_rows(const struct rt_source *v, size_t n)
{
	json_t *rows = json_array(), *row;
	struct rt_record r;

	for (size_t k = 0; rows && k < n; k++)
		for (size_t i = 0; i < rt_source_count(&v[k]); i++) {
			rt_source_at(&v[k], i, &r);
			row = rt_record_json(&r);
			if (!row || json_array_append_new(rows, row))
				goto out_free;
		}
	return rows;
out_free:
	json_decref(rows);
	return NULL;
}

static int containers_watch(struct rt_mapper *m)
{
	struct sigaction sa = { .sa_handler = containers_on_signal };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!containers_stop)
		rt_mapper_step(m, 200);
	return CLI_OK;
}

static int containers_run(const char *uri, bool explicit_uri, struct inv *inv,
			  struct containers_ctx *cx)
{
	struct rt_mapper *m = NULL;
	struct rt_source sources[2];
	struct id_index *idx;
	char err[DIAG_LINE_MAX];
	struct diags d;
	json_t *rows;
	int rc = CLI_OK;

	idx = id_index_new(&inv->rules, 65536, 16384);
	if (!idx)
		return cli_fail("containers", "out of memory");
	cx->idx = idx;
	if (uri) {
		diags_init(&d);
		m = rt_mapper_new(uri, idx, containers_report, cx, &d);
		diags_summary(&d, err, sizeof(err));
		if (!m) {
			rc = errno == EINVAL ? cli_usage_error("containers", "--runtime %s", err)
					     : cli_fail("containers", "out of memory");
			goto out_free;
		}
		if (cx->event_log && rt_mapper_set_event_log(m, cx->event_log)) {
			rc = cli_usage_error("containers", "--event-log %s: not auto, none or an "
					     "absolute path", cx->event_log);
			goto out_free;
		}
		rt_mapper_set_fast_start(m, !cx->no_fast_start);
		rt_mapper_step(m, 0);
		if (!rt_mapper_connected(m) && !cx->watch) {
			if (explicit_uri) {
				rc = cli_fail("containers", "%s", cx->lost_msg);
				goto out_free;
			}
			cli_warn("containers", "%s; listing the inventory only", cx->lost_msg);
		}
	}
	if (cx->watch && m) {
		rc = containers_watch(m);
		goto out_free;
	}
	/* the runtime's workloads, then the inventory's entries */
	sources[0] = rt_source_index(idx);
	sources[1] = rt_source_inventory(inv);
	rows = containers_rows(sources, 2);
	if (!rows) {
		rc = cli_fail("containers", "out of memory");
		goto out_free;
	}
	if (out_rows_print(stdout, cx->fmt, rows, containers_columns))
		rc = cli_fail("containers", "cannot write output");
	json_decref(rows);
out_free:
	rt_mapper_free(m);
	id_index_free(idx);
	return rc;
}

static const char usage[] =
	"Usage: zonewall containers [--runtime URI] [--inventory FILE] [--wide | --json]\n"
	"                           [--watch] [--event-log auto|none|FILE] [--no-fast-start]\n"
	"\n"
	"One row per workload: short id, name, identity, zone, image, IPv4 and IPv6\n"
	"addresses, networks, host-side veth and bridge, state; then the inventory\n"
	"entries.  The runtime is asked over its API socket (Docker Engine API,\n"
	"which Podman's service speaks too).  The table fits 120 columns: id, name,\n"
	"identity, zone, IPv4 and state, long text cut with an ellipsis; --wide\n"
	"shows every column in full.\n"
	"\n"
	"  -r, --runtime URI     docker:///var/run/docker.sock, podman:///run/podman/podman.sock,\n"
	"                        or none (default: the first of those two that answers)\n"
	"  -i, --inventory FILE  static inventory and identity rules (zonewall-policy(5))\n"
	"  -W, --wide            every column, nothing cut\n"
	"  -j, --json            print a JSON array instead of a table\n"
	"  -w, --watch           keep following the runtime's events; print one line\n"
	"                        per change after a header, times in RFC 3339 UTC\n"
	"                        (--json: one JSON object per line)\n"
	"      --follow          same as --watch\n"
	"      --event-log L     Podman's event log, followed beside its API's stream\n"
	"                        (which polls that file every 250 ms): auto (default:\n"
	"                        /run/libpod/events/events.log for a rootful Podman),\n"
	"                        none, or the file (events_logfile_path)\n"
	"      --no-fast-start   wait for the inspect of a restarted Podman container\n"
	"                        (by default its new addresses are read from the kernel\n"
	"                        first, the inspect confirming them)\n"
	"  -h, --help            show this help\n";

int cmd_containers_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "runtime", required_argument, NULL, 'r' },
		{ "inventory", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "wide", no_argument, NULL, 'W' },
		{ "watch", no_argument, NULL, 'w' },
		{ "event-log", required_argument, NULL, 'e' },
		{ "no-fast-start", no_argument, NULL, 'F' },
		{ "follow", no_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct containers_ctx cx = { .fmt = OUT_TABLE };
	const char *uri = NULL, *inv_path = NULL;
	char detected[160];
	struct inv inv;
	int c, rc, status = CLI_OK;

	while ((c = cli_getopt("containers", usage, argc, argv, ":r:i:jWwe:h", opts,
			       &status)) != -1) {
		if (c == CLI_DONE)
			return status;
		if (c == 'r')
			uri = optarg;
		else if (c == 'i')
			inv_path = optarg;
		else if (c == 'j')
			cx.fmt = OUT_JSON;
		else if (c == 'W' && cx.fmt != OUT_JSON)
			cx.fmt = OUT_WIDE;
		else if (c == 'w')
			cx.watch = true;
		else if (c == 'e')
			cx.event_log = optarg;
		else if (c == 'F')
			cx.no_fast_start = true;
	}
	if (optind < argc)
		return cli_usage_error("containers", "unexpected argument '%s'", argv[optind]);

	rc = clip_load_inventory("containers", inv_path, &inv);
	if (rc != CLI_OK)
		return rc;
	if (uri && !strcmp(uri, "none")) {
		uri = NULL;
	} else if (!uri) {
		if (!rt_detect(detected, sizeof(detected))) {
			inv_free(&inv);
			return cli_runtime_missing("containers");
		}
		uri = detected;
	}
	if (cx.watch && !uri) {
		inv_free(&inv);
		return cli_fail("containers", "--watch needs a container runtime");
	}
	rc = containers_run(uri, uri && uri != detected, &inv, &cx);
	inv_free(&inv);
	return rc;
}
