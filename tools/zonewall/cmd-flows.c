// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zonewall flows: learn flows from capture files or live interfaces and
 * print them, sorted, through the one output path.  The capturing itself
 * is shared with learn and replay (cli-capture.c).
 */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "cli.h"
#include "cli-capture.h"
#include "zonewall/flow.h"
#include "zonewall/output.h"

/* The default table fits 120 columns for IPv4 and most IPv6 ends: the last
 * time to the second; --wide adds the first and both to the microsecond. */
static const struct out_column flows_columns[] = {
	{ .key = "proto", .title = "PROTO" },
	{ .key = "src", .title = "SRC" },
	{ .key = "dst", .title = "DST" },
	{ .key = "port", .title = "PORT", .right = true },
	{ .key = "packets", .title = "PKTS", .right = true },
	{ .key = "first_seen", .title = "FIRST_SEEN", .wide_only = true },
	{ .key = "last_seen", .title = "LAST_SEEN", .time = true },
	{ .key = NULL },
};

/* Dotted quad without inet_ntop()'s printf (output is the cost of a
 * large result): each octet's digits from a table built once.
 * Return: the length. */
static size_t flows_ipv4(char *buf, const uint8_t *a)
{
	static char digits[256][4];	/* "0".."255", length in [3] */
	char *p = buf;
	int i;

	if (!digits[0][3]) {
		for (i = 0; i < 256; i++)
			digits[i][3] = (char)snprintf(digits[i], 4, "%d", i);
	}
	for (i = 0; i < 4; i++) {
		memcpy(p, digits[a[i]], 4);
		p += digits[a[i]][3];
		*p++ = '.';
	}
	p[-1] = '\0';
	return (size_t)(p - 1 - buf);
}

static size_t flows_addr(char *buf, const uint8_t *a, uint8_t family)
{
	if (family != 6)
		return flows_ipv4(buf, a);
	inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
	return strlen(buf);
}

/* The flows as a row source for out_source_print(): rows are copied from
 * the table in sorted order a batch at a time, and formatted one at a
 * time into these buffers. */
#define FLOWS_BATCH 64

struct flows_src {
	const struct flow_table *table;
	const uint32_t *order;
	size_t n;
	size_t first;			/* row number of batch[0] */
	size_t nbatch;
	struct flow_row batch[FLOWS_BATCH];
	struct out_cell cells[7];
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], first_seen[64], last_seen[64];
};

static void flows_str(struct out_cell *c, const char *s, size_t len)
{
	c->type = OUT_STR;
	c->s = s;
	c->len = len;
}

static int flows_row(void *user, size_t i, const struct out_cell **cells)
{
	struct flows_src *fs = user;
	const struct flow_row *r;
	const char *proto;

	if (i < fs->first || i >= fs->first + fs->nbatch) {
		fs->first = i;
		fs->nbatch = fs->n - i < FLOWS_BATCH ? fs->n - i : FLOWS_BATCH;
		flow_table_rows(fs->table, fs->order + i, fs->nbatch, fs->batch);
	}
	r = &fs->batch[i - fs->first];
	proto = flow_proto_name(r->key.proto);
	flows_str(&fs->cells[0], proto, strlen(proto));
	flows_str(&fs->cells[1], fs->src, flows_addr(fs->src, r->key.client, r->key.family));
	flows_str(&fs->cells[2], fs->dst, flows_addr(fs->dst, r->key.server, r->key.family));
	fs->cells[3].type = OUT_UINT;
	fs->cells[3].u = r->key.port;
	fs->cells[4].type = OUT_UINT;
	fs->cells[4].u = r->packets;
	flows_str(&fs->cells[5], fs->first_seen,
		  clcap_time(fs->first_seen, sizeof(fs->first_seen), r->first_seen));
	flows_str(&fs->cells[6], fs->last_seen,
		  clcap_time(fs->last_seen, sizeof(fs->last_seen), r->last_seen));
	*cells = fs->cells;
	return 7;
}

static int flows_print(const struct flow_table *t, enum out_format fmt)
{
	struct flows_src fs = { .table = t };
	uint32_t *order;
	size_t n;
	int err = flow_table_order(t, &order, &n);

	if (err)
		return err;
	fs.order = order;
	fs.n = n;
	err = out_source_print(stdout, fmt, flows_columns, n, flows_row, &fs);
	free(order);
	return err;
}

struct flows_opts {
	struct clcap_opts cap;
	bool stats, wide;
	enum out_format fmt;
};

static const char usage[] =
	"Usage: zonewall flows -r FILE [-r FILE...] [OPTIONS]\n"
	"       zonewall flows (-i IFACE[,IFACE...] | --auto) [--duration SECONDS] [OPTIONS]\n"
	"\n"
	"Learn connection initiations (TCP SYN / SYN+ACK, UDP conversations, ICMP\n"
	"echo requests) and print one row per flow, sorted: proto, src (client),\n"
	"dst (server), port (server's; 8/128 for ICMP echo), packets, first_seen,\n"
	"last_seen (RFC 3339 UTC, microseconds).  A row is a client, server and\n"
	"port, not one connection: PKTS counts its TCP SYN and SYN+ACK segments,\n"
	"UDP datagrams or ICMP echo requests.  The table fits 120 columns (the last\n"
	"time to the second); --wide shows every column.  See docs/decoder.md.\n"
	"\n"
	"  -r, --read FILE        read a pcap or pcapng file (repeatable)\n"
	"  -i, --interface LIST   capture live on these interfaces (comma-separated,\n"
	"                         repeatable; both directions, promiscuous)\n"
	"  -a, --auto             capture on every container-facing interface and\n"
	"                         follow interfaces that appear or vanish\n"
	"  -d, --duration SECS    stop live capture after SECS (default: SIGINT/TERM/HUP)\n"
	"  -l, --limit N          keep at most N flows, evicting the least recently\n"
	"                         seen (default 1000000)\n"
	"  -j, --json             print JSON (as --format json)\n"
	"  -f, --format FMT       table (default), tsv or json\n"
	"  -W, --wide             the table with every column, nothing shortened\n"
	"  -s, --stats            print counters (skips per reason, drops) on stderr\n"
	"  -h, --help             show this help\n"
	"\n"
	"Exit status: 0 ok; 1 a file unreadable or damaged (flows read so far are\n"
	"printed) or capture failed; 2 usage error.\n";

static int flows_parse(struct flows_opts *o, int argc, char **argv, int *status)
{
	static const struct option opts[] = {
		CLCAP_LONGOPTS,
		{ "format", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "stats", no_argument, NULL, 's' },
		{ "wide", no_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = clcap_getopt("flows", usage, argc, argv, ":" CLCAP_SHORTOPTS "f:jsWh", opts,
				 &o->cap, status)) != -1) {
		if (c == CLI_DONE)
			return -1;
		if (c == 'f' && out_format_parse(optarg, &o->fmt)) {
			*status = cli_usage_error("flows", "unknown format '%s'", optarg);
			return -1;
		}
		if (c == 'j')
			o->fmt = OUT_JSON;
		if (c == 's')
			o->stats = true;
		if (c == 'W')
			o->wide = true;
	}
	if (o->wide && o->fmt == OUT_TABLE)
		o->fmt = OUT_WIDE;
	if (optind < argc)
		*status = cli_usage_error("flows", "unexpected argument '%s'", argv[optind]);
	else
		*status = clcap_check("flows", &o->cap, true);
	return *status ? -1 : 0;
}

int cmd_flows_main(int argc, char **argv)
{
	struct flows_opts o = { .fmt = OUT_TABLE };
	int status = CLI_OK, err;
	struct clcap c;

	if (flows_parse(&o, argc, argv, &status))
		return status;
	if (clcap_init(&c, "flows", &o.cap))
		return cli_fail("flows", "cannot make the flow table: %s", strerror(errno));
	/* a live capture that never started has no table to show: its one line says why */
	if (clcap_run(&c, &o.cap) && !o.cap.nfiles) {
		clcap_free(&c);
		return CLI_FAIL;
	}
	err = flows_print(c.table, o.fmt);
	if (err)
		status = cli_fail("flows", "cannot write output: %s", strerror(-err));
	if (o.stats && clcap_print_stats(&c, o.fmt, !o.cap.nfiles))
		status = CLI_FAIL;
	clcap_free(&c);
	return c.failed ? CLI_FAIL : status;
}
