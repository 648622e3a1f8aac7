// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zonewall flows: learn flows from capture files or live interfaces and
 * print them, sorted, through the one output path.
 */

#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/random.h>

#include "cli.h"
#include "zonewall/capture.h"
#include "zonewall/decode.h"
#include "zonewall/flow.h"
#include "zonewall/link.h"
#include "zonewall/output.h"

#define FLOWS_MAX_IFACES 256

struct flows_ctx {
	struct flow_table *table;
	int linktype;		/* of the source being dispatched */
	uint64_t frames;
	uint64_t skipped[DEC_RESULT_MAX];
	uint64_t kernel_drops;	/* sum over live sources, closed ones included */
	uint64_t if_drops;
	bool failed;		/* an unreadable file, a damaged one, a failed interface */
};

/* A live source and what it was opened for. */
struct flows_if {
	int ifindex;		/* 0 for -i (named) sources */
	char name[IF_NAMESIZE];
	enum cap_direction dir;
	struct cap_source *src;
};

struct flows_live {
	struct flows_if v[FLOWS_MAX_IFACES];
	size_t n;
	int ep;
	struct link_monitor *mon;
	bool automatic;
};

static volatile sig_atomic_t flows_stop;

static const struct out_column flows_columns[] = {
	{ "proto", "PROTO", false },
	{ "src", "SRC", false },
	{ "dst", "DST", false },
	{ "port", "PORT", true },
	{ "packets", "PACKETS", true },
	{ "first_seen", "FIRST_SEEN", false },
	{ "last_seen", "LAST_SEEN", false },
	{ NULL, NULL, false },
};

static const struct out_column flows_stats_columns[] = {
	{ "counter", "COUNTER", false },
	{ "value", "VALUE", true },
	{ NULL, NULL, false },
};

static void flows_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void flows_note(const char *fmt, ...)
{
	va_list ap;

	fputs("zonewall flows: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The per-packet path: decode, then count.  Nothing allocates here. */
static void flows_frame(void *user, const struct cap_frame *f)
{
	struct flows_ctx *c = user;
	struct dec_packet p;
	enum dec_result r = dec_frame(c->linktype, f->data, f->caplen, &p);

	c->frames++;
	if (r != DEC_OK) {
		c->skipped[r]++;
		return;
	}
	flow_table_add_packet(c->table, &p, f->ts_ns);
}

static char *flows_digits(char *p, unsigned int v, int width)
{
	int i;

	for (i = width - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + width;
}

/* RFC 3339 UTC with microseconds: 2024-05-01T12:00:00.123456Z.  Rows
 * often share a second, so the broken-down date is cached. */
static void flows_time(char *buf, size_t len, uint64_t ns)
{
	static time_t cached_sec = -1;
	static struct tm tm;
	time_t sec = (time_t)(ns / 1000000000u);
	char *p = buf;

	if (len < 28 || (sec != cached_sec && !gmtime_r(&sec, &tm))) {
		snprintf(buf, len, "-");
		return;
	}
	cached_sec = sec;
	if (tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0) {
		snprintf(buf, len, "-");
		cached_sec = -1;
		return;
	}
	p = flows_digits(p, (unsigned int)tm.tm_year + 1900, 4);
	*p++ = '-';
	p = flows_digits(p, (unsigned int)tm.tm_mon + 1, 2);
	*p++ = '-';
	p = flows_digits(p, (unsigned int)tm.tm_mday, 2);
	*p++ = 'T';
	p = flows_digits(p, (unsigned int)tm.tm_hour, 2);
	*p++ = ':';
	p = flows_digits(p, (unsigned int)tm.tm_min, 2);
	*p++ = ':';
	p = flows_digits(p, (unsigned int)tm.tm_sec, 2);
	*p++ = '.';
	p = flows_digits(p, (unsigned int)(ns % 1000000000u / 1000u), 6);
	*p++ = 'Z';
	*p = '\0';
}

static json_t *flows_row_json(const struct flow_row *r)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], first[64], last[64];
	int af = r->key.family == 6 ? AF_INET6 : AF_INET;

	inet_ntop(af, r->key.client, src, sizeof(src));
	inet_ntop(af, r->key.server, dst, sizeof(dst));
	flows_time(first, sizeof(first), r->first_seen);
	flows_time(last, sizeof(last), r->last_seen);
	return json_pack("{s:s, s:s, s:s, s:i, s:I, s:s, s:s}",
			 "proto", flow_proto_name(r->key.proto), "src", src, "dst", dst,
			 "port", (int)r->key.port, "packets", (json_int_t)r->packets,
			 "first_seen", first, "last_seen", last);
}

/*
 * TSV has no heading and one record per line, so it is printed in chunks
 * of rows: the same output, but the JSON rows of a million flows never
 * all exist at once (they cost far more memory than the table itself).
 * Table and JSON need every row together (column widths, one array).
 */
#define FLOWS_TSV_CHUNK 512

static int flows_print_range(const struct flow_row *rows, size_t n, enum out_format fmt)
{
	json_t *arr = json_array();
	size_t i;
	int err;

	for (i = 0; arr && i < n; i++) {
		json_t *o = flows_row_json(&rows[i]);

		if (!o || json_array_append_new(arr, o)) {
			json_decref(arr);
			arr = NULL;
		}
	}
	if (!arr)
		return -ENOMEM;
	err = out_rows_print(stdout, fmt, arr, flows_columns);
	json_decref(arr);
	return err;
}

static int flows_print(const struct flow_table *t, enum out_format fmt)
{
	struct flow_row *rows;
	size_t n, i, chunk;
	int err = flow_table_sorted(t, &rows, &n);

	if (err)
		return err;
	if (fmt != OUT_TSV) {
		err = flows_print_range(rows, n, fmt);
	} else {
		for (i = 0; !err && i < n; i += chunk) {
			chunk = n - i < FLOWS_TSV_CHUNK ? n - i : FLOWS_TSV_CHUNK;
			err = flows_print_range(rows + i, chunk, fmt);
		}
	}
	free(rows);
	if (!err && fflush(stdout))
		err = -EIO;
	return err;
}

static int flows_stat_add(json_t *arr, const char *name, uint64_t v)
{
	return json_array_append_new(arr, json_pack("{s:s, s:I}", "counter", name,
						   "value", (json_int_t)v));
}

/* Counters go to stderr, so stdout stays the flows alone. */
static int flows_print_stats(const struct flows_ctx *c, enum out_format fmt, bool live)
{
	json_t *arr = json_array();
	struct flow_stats st;
	int r, err = 0;

	if (!arr)
		return -ENOMEM;
	flow_table_stats(c->table, &st);
	err |= flows_stat_add(arr, "packets_read", c->frames);
	for (r = 1; r < DEC_RESULT_MAX; r++)
		err |= flows_stat_add(arr, dec_result_name(r), c->skipped[r]);
	err |= flows_stat_add(arr, "no_rule", st.ignored);
	err |= flows_stat_add(arr, "flow_packets", st.packets);
	err |= flows_stat_add(arr, "flows", st.flows);
	err |= flows_stat_add(arr, "evictions", st.evictions);
	err |= flows_stat_add(arr, "table_bytes", st.bytes);
	if (live) {
		err |= flows_stat_add(arr, "kernel_drops", c->kernel_drops);
		err |= flows_stat_add(arr, "if_drops", c->if_drops);
	}
	if (!err)
		err = out_rows_print(stderr, fmt, arr, flows_stats_columns);
	json_decref(arr);
	return err ? -EIO : 0;
}

static void flows_read_file(struct flows_ctx *c, const char *path)
{
	struct cap_error e;
	struct cap_source *s = cap_open_file(path, &e);

	if (!s) {
		cli_fail("flows", "%s", e.msg);
		c->failed = true;
		return;
	}
	c->linktype = cap_linktype(s);
	if (cap_dispatch(s, flows_frame, c, &e) < 0) {
		cli_fail("flows", "%s", e.msg);
		c->failed = true;
	}
	cap_close(s);
}

static const char *flows_dir_name(enum cap_direction d)
{
	return d == CAP_DIR_IN ? "in" : d == CAP_DIR_OUT ? "out" : "both";
}

static void flows_if_close(struct flows_ctx *c, struct flows_live *lv, size_t i)
{
	struct flows_if *fi = &lv->v[i];
	struct cap_stats st;
	struct cap_error e;

	if (!cap_get_stats(fi->src, &st, &e)) {
		c->kernel_drops += st.kernel_drops;
		c->if_drops += st.if_drops;
	}
	epoll_ctl(lv->ep, EPOLL_CTL_DEL, cap_fd(fi->src), NULL);
	cap_close(fi->src);
	lv->v[i] = lv->v[--lv->n];
}

static int flows_if_open(struct flows_live *lv, int ifindex, const char *name,
			 enum cap_direction dir, bool promisc)
{
	struct cap_live_opts o = { .dir = dir, .promisc = promisc };
	struct epoll_event ev = { .events = EPOLLIN };
	struct flows_if *fi;
	struct cap_error e;

	if (lv->n == FLOWS_MAX_IFACES) {
		cli_warn("flows", "%s: more than %d interfaces, not capturing", name,
			 FLOWS_MAX_IFACES);
		return -ENOSPC;
	}
	fi = &lv->v[lv->n];
	fi->src = cap_open_live(name, &o, &e);
	if (!fi->src) {
		cli_warn("flows", "%s", e.msg);
		return -errno;
	}
	fi->ifindex = ifindex;
	fi->dir = dir;
	snprintf(fi->name, sizeof(fi->name), "%s", name);
	ev.data.u64 = (uint64_t)(uintptr_t)fi->src;
	if (epoll_ctl(lv->ep, EPOLL_CTL_ADD, cap_fd(fi->src), &ev)) {
		cap_close(fi->src);
		return -errno;
	}
	lv->n++;
	flows_note("capturing on %s (%s)", name, flows_dir_name(dir));
	return 0;
}

/*
 * --auto captures each frame where it enters the container network once:
 * bridge ports and unbridged veths inbound (what containers and uplinks
 * send), bridges outbound (what the host itself sends into a bridge).
 * A frame between two containers on one bridge is thus seen on the
 * sender's port only, not again on the receiver's port or the bridge.
 */
static bool flows_auto_wanted(const struct link_info *li, enum cap_direction *dir)
{
	if (!li->up)
		return false;
	if (link_is_bridge(li)) {
		*dir = CAP_DIR_OUT;
		return true;
	}
	if (li->master || link_is_veth(li)) {
		*dir = CAP_DIR_IN;
		return true;
	}
	return false;
}

static bool flows_if_still_wanted(const struct flows_if *fi, const struct link_list *l)
{
	const struct link_info *li = link_list_find(l, fi->ifindex);
	enum cap_direction dir;

	return li && !strcmp(li->name, fi->name) && flows_auto_wanted(li, &dir) &&
	       dir == fi->dir;
}

static bool flows_if_have(const struct flows_live *lv, int ifindex)
{
	size_t i;

	for (i = 0; i < lv->n; i++)
		if (lv->v[i].ifindex == ifindex)
			return true;
	return false;
}

/* Bring the set of --auto captures in line with the links now present. */
static int flows_auto_sync(struct flows_ctx *c, struct flows_live *lv)
{
	struct link_list l;
	enum cap_direction dir;
	size_t i;
	int err = link_list_dump(&l);

	if (err) {
		cli_warn("flows", "cannot read links over rtnetlink: %s", strerror(-err));
		return err;
	}
	for (i = lv->n; i-- > 0;) {
		if (!flows_if_still_wanted(&lv->v[i], &l)) {
			flows_note("stopped capturing on %s", lv->v[i].name);
			flows_if_close(c, lv, i);
		}
	}
	for (i = 0; i < l.n; i++)
		if (!flows_if_have(lv, l.v[i].ifindex) && flows_auto_wanted(&l.v[i], &dir))
			flows_if_open(lv, l.v[i].ifindex, l.v[i].name, dir, false);
	link_list_free(&l);
	return 0;
}

/* -i a,b -i c: named interfaces, both directions, promiscuous (a bridge
 * hands forwarded frames to a packet socket only in promiscuous mode). */
static int flows_named_open(struct flows_live *lv, char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char *list = strdup(names[i]), *save = NULL, *tok;

		if (!list)
			return -ENOMEM;
		for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			if (flows_if_open(lv, 0, tok, CAP_DIR_BOTH, true)) {
				free(list);
				return -EIO;
			}
		}
		free(list);
	}
	return 0;
}

static struct flows_if *flows_if_by_src(struct flows_live *lv, uint64_t key, size_t *idx)
{
	size_t i;

	for (i = 0; i < lv->n; i++) {
		if ((uint64_t)(uintptr_t)lv->v[i].src == key) {
			*idx = i;
			return &lv->v[i];
		}
	}
	return NULL;
}

static void flows_live_ready(struct flows_ctx *c, struct flows_live *lv, uint64_t key)
{
	struct cap_error e;
	struct flows_if *fi;
	size_t i;

	if (lv->mon && key == 0) {
		int n = link_monitor_drain(lv->mon);

		if (n != 0)
			flows_auto_sync(c, lv);
		return;
	}
	fi = flows_if_by_src(lv, key, &i);
	if (!fi)
		return;
	c->linktype = cap_linktype(fi->src);
	if (cap_dispatch(fi->src, flows_frame, c, &e) < 0) {
		/* An interface that vanished is normal under --auto. */
		if (!lv->automatic) {
			cli_fail("flows", "%s", e.msg);
			c->failed = true;
		}
		flows_if_close(c, lv, i);
	}
}

static int64_t flows_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void flows_on_signal(int sig)
{
	(void)sig;
	flows_stop = 1;
}

static void flows_live_loop(struct flows_ctx *c, struct flows_live *lv, double duration)
{
	int64_t end = duration > 0 ? flows_now_ms() + (int64_t)(duration * 1000) : -1;
	struct sigaction sa = { .sa_handler = flows_on_signal };
	struct epoll_event evs[32];

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!flows_stop && (lv->n || lv->automatic)) {
		int64_t left = end < 0 ? 1000 : end - flows_now_ms();
		int n, i;

		if (left <= 0)
			break;
		n = epoll_wait(lv->ep, evs, 32, left > 1000 ? 1000 : (int)left);
		for (i = 0; i < n; i++)
			flows_live_ready(c, lv, evs[i].data.u64);
	}
	/* What the rings still hold. */
	for (size_t i = 0; i < lv->n; i++)
		flows_live_ready(c, lv, (uint64_t)(uintptr_t)lv->v[i].src);
}

static int flows_live_run(struct flows_ctx *c, char **names, size_t nnames, bool automatic,
			  double duration)
{
	struct flows_live *lv = calloc(1, sizeof(*lv));
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0 };
	int err;

	if (!lv)
		return -ENOMEM;
	lv->automatic = automatic;
	lv->ep = epoll_create1(EPOLL_CLOEXEC);
	if (lv->ep < 0) {
		err = -errno;
		goto out_free_lv;
	}
	if (automatic) {
		err = link_monitor_open(&lv->mon);
		if (!err && epoll_ctl(lv->ep, EPOLL_CTL_ADD, link_monitor_fd(lv->mon), &ev))
			err = -errno;
		if (!err)
			err = flows_auto_sync(c, lv);
	} else {
		err = flows_named_open(lv, names, nnames);
	}
	if (err)
		goto out_close;
	flows_note("ready");
	flows_live_loop(c, lv, duration);
out_close:
	while (lv->n)
		flows_if_close(c, lv, lv->n - 1);
	link_monitor_free(lv->mon);
	close(lv->ep);
out_free_lv:
	free(lv);
	return err;
}

struct flows_opts {
	char *files[64];
	size_t nfiles;
	char *ifaces[64];
	size_t nifaces;
	bool automatic, stats;
	double duration;
	size_t limit;
	enum out_format fmt;
};

static int flows_parse_num(const char *s, double *d)
{
	char *end;

	errno = 0;
	*d = strtod(s, &end);
	return errno || end == s || *end || *d < 0 ? -EINVAL : 0;
}

static int flows_parse_opt(struct flows_opts *o, int c)
{
	double d;

	switch (c) {
	case 'r':
		if (o->nfiles == 64)
			return cli_usage_error("flows", "at most 64 files");
		o->files[o->nfiles++] = optarg;
		break;
	case 'i':
		if (o->nifaces == 64)
			return cli_usage_error("flows", "at most 64 -i options");
		o->ifaces[o->nifaces++] = optarg;
		break;
	case 'a':
		o->automatic = true;
		break;
	case 'd':
		if (flows_parse_num(optarg, &d))
			return cli_usage_error("flows", "bad --duration '%s'", optarg);
		o->duration = d;
		break;
	case 'l':
		if (flows_parse_num(optarg, &d) || d < 1 || d > FLOW_MAX_LIMIT || d != (size_t)d)
			return cli_usage_error("flows", "--limit must be 1..%u", FLOW_MAX_LIMIT);
		o->limit = (size_t)d;
		break;
	case 'f':
		if (out_format_parse(optarg, &o->fmt))
			return cli_usage_error("flows", "unknown format '%s'", optarg);
		break;
	case 's':
		o->stats = true;
		break;
	}
	return CLI_OK;
}

static int flows_parse(struct flows_opts *o, int argc, char **argv, int *status)
{
	static const struct option opts[] = {
		{ "read", required_argument, NULL, 'r' },
		{ "interface", required_argument, NULL, 'i' },
		{ "auto", no_argument, NULL, 'a' },
		{ "duration", required_argument, NULL, 'd' },
		{ "limit", required_argument, NULL, 'l' },
		{ "format", required_argument, NULL, 'f' },
		{ "stats", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = cli_getopt("flows", argc, argv, ":r:i:ad:l:f:sh", opts, status)) != -1) {
		if (c == CLI_DONE)
			return -1;
		*status = flows_parse_opt(o, c);
		if (*status)
			return -1;
	}
	if (optind < argc)
		*status = cli_usage_error("flows", "unexpected argument '%s'", argv[optind]);
	else if (!o->nfiles == !(o->nifaces || o->automatic))
		*status = cli_usage_error("flows", "give -r FILE, or -i IFACE or --auto");
	else if (o->nifaces && o->automatic)
		*status = cli_usage_error("flows", "-i and --auto exclude each other");
	else if (o->nfiles && o->duration > 0)
		*status = cli_usage_error("flows", "--duration is for live capture");
	return *status ? -1 : 0;
}

static uint64_t flows_seed(void)
{
	uint64_t seed = 0;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	return seed;
}

int cmd_flows_main(int argc, char **argv)
{
	struct flows_opts o = { .fmt = OUT_TABLE, .limit = FLOW_DEFAULT_MAX };
	struct flows_ctx c = { 0 };
	int status = CLI_OK, err = 0;
	size_t i;

	if (flows_parse(&o, argc, argv, &status))
		return status;
	c.table = flow_table_new(o.limit, flows_seed());
	if (!c.table)
		return cli_fail("flows", "cannot make the flow table: %s", strerror(errno));
	for (i = 0; i < o.nfiles; i++)
		flows_read_file(&c, o.files[i]);
	if (!o.nfiles)
		err = flows_live_run(&c, o.ifaces, o.nifaces, o.automatic, o.duration);
	if (err) {
		cli_fail("flows", "cannot capture: %s", strerror(-err));
		c.failed = true;
	}
	err = flows_print(c.table, o.fmt);
	if (err)
		status = cli_fail("flows", "cannot write output: %s", strerror(-err));
	if (o.stats && flows_print_stats(&c, o.fmt, !o.nfiles))
		status = CLI_FAIL;
	flow_table_free(c.table);
	return c.failed ? CLI_FAIL : status;
}
