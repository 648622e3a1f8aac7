// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Shared by flows, learn and replay: capture files and live interfaces
 * into a flow table (see cli-capture.h).
 */

#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/epoll.h>

#include "cli.h"
#include "cli-capture.h"
#include "zonewall/capture.h"
#include "zonewall/feed.h"
#include "zonewall/link.h"
#include "zonewall/numarg.h"
#include "zonewall/ruleset.h"
#include "zonewall/timefmt.h"

#define CLCAP_MAX_IFACES 256

/* A live source and what it was opened for. */
struct clcap_if {
	int ifindex;		/* 0 for -i (named) sources */
	char name[IF_NAMESIZE];
	enum cap_direction dir;
	struct cap_source *src;
};

struct clcap_live {
	struct clcap_if v[CLCAP_MAX_IFACES];
	size_t n;
	int ep;
	struct link_monitor *mon;
	bool automatic;
};

static volatile sig_atomic_t clcap_stop;

static const struct out_column clcap_stats_columns[] = {
	{ .key = "counter", .title = "COUNTER" },
	{ .key = "value", .title = "VALUE", .right = true },
	{ .key = NULL },
};

/* --- options -------------------------------------------------------------------- */

/* -i a,b: every name of the list a name Linux could give an interface; an
 * empty one (-i '', -i a,,b, -i ,) would otherwise vanish in the split and
 * leave nothing to capture on. */
static int clcap_iflist_check(const char *cmd, const char *list)
{
	char q[RS_QUOTED_MAX], name[RS_QUOTED_MAX];
	const char *p = list;
	size_t len;

	for (;;) {
		len = strcspn(p, ",");
		if (!len)
			return cli_usage_error(cmd, "-i %s: an empty interface name",
					       rs_quote(list, q, sizeof(q)));
		snprintf(name, sizeof(name), "%.*s", (int)len, p);
		if (len >= RS_IFNAMSIZ || !rs_ifname_valid(name))
			return cli_usage_error(cmd, "-i %s: not an interface name (1-%d bytes, "
					       "no '/', ':' or white space)",
					       rs_quote(name, q, sizeof(q)), RS_IFNAMSIZ - 1);
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

int clcap_option(const char *cmd, int c, struct clcap_opts *o)
{
	uint64_t n;

	switch (c) {
	case 'r':
		if (o->nfiles == CLCAP_MAX_ARGS)
			return cli_usage_error(cmd, "at most %d files", CLCAP_MAX_ARGS);
		for (size_t i = 0; !strcmp(optarg, "-") && i < o->nfiles; i++)
			if (!strcmp(o->files[i], "-"))
				return cli_usage_error(cmd, "-r - (standard input) given twice");
		o->files[o->nfiles++] = optarg;
		return 1;
	case 'i':
		if (o->nifaces == CLCAP_MAX_ARGS)
			return cli_usage_error(cmd, "at most %d -i options", CLCAP_MAX_ARGS);
		if (clcap_iflist_check(cmd, optarg))
			return CLI_USAGE;
		o->ifaces[o->nifaces++] = optarg;
		return 1;
	case 'a':
		o->automatic = true;
		return 1;
	case 'd':
		if (cli_parse_seconds(cmd, "--duration", optarg, NUM_SECONDS_MAX, &o->duration))
			return CLI_USAGE;
		return 1;
	case 'l':
		if (cli_parse_uint(cmd, "--limit", optarg, 1, FLOW_MAX_LIMIT, &n))
			return CLI_USAGE;
		o->limit = (size_t)n;
		return 1;
	}
	return 0;
}

int clcap_getopt(const char *cmd, const char *usage, int argc, char **argv,
		 const char *shortopts, const struct option *longopts, struct clcap_opts *o,
		 int *status)
{
	int c, r;

	while ((c = cli_getopt(cmd, usage, argc, argv, shortopts, longopts, status)) != -1) {
		if (c == CLI_DONE)
			return CLI_DONE;
		r = clcap_option(cmd, c, o);
		if (r == CLI_USAGE) {
			*status = CLI_USAGE;
			return CLI_DONE;
		}
		if (!r)
			return c;
	}
	return -1;
}

int clcap_check(const char *cmd, const struct clcap_opts *o, bool live_ok)
{
	if (!live_ok && (o->nifaces || o->automatic || o->duration > 0))
		return cli_usage_error(cmd, "reads capture files only (-r FILE)");
	if (!live_ok && !o->nfiles)
		return cli_usage_error(cmd, "give -r FILE");
	if (!o->nfiles == !(o->nifaces || o->automatic))
		return cli_usage_error(cmd, "give -r FILE, or -i IFACE or --auto");
	if (o->nifaces && o->automatic)
		return cli_usage_error(cmd, "-i and --auto exclude each other");
	if (o->nfiles && o->duration > 0)
		return cli_usage_error(cmd, "--duration is for live capture");
	return CLI_OK;
}

/* --- the run ---------------------------------------------------------------------- */

void clcap_note(const struct clcap *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "zonewall %s: ", c->cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int clcap_init(struct clcap *c, const char *cmd, const struct clcap_opts *o)
{
	memset(c, 0, sizeof(*c));
	c->cmd = cmd;
	c->table = flow_table_new(o->limit ? o->limit : FLOW_DEFAULT_MAX, feed_seed());
	feed_init(&c->feed, c->table);
	return c->table ? 0 : -errno;
}

void clcap_free(struct clcap *c)
{
	flow_table_free(c->table);
	c->table = NULL;
}

size_t clcap_time(char *buf, size_t len, uint64_t ns)
{
	int n = tfmt_rfc3339(buf, len, (int64_t)(ns / 1000000000u), (long)(ns % 1000000000u),
			     TFMT_US);

	if (n >= 0)
		return (size_t)n;
	snprintf(buf, len, "-");
	return len ? 1 : 0;
}

static int clcap_stat_add(json_t *arr, const char *name, uint64_t v)
{
	return json_array_append_new(arr, json_pack("{s:s, s:I}", "counter", name,
						   "value", (json_int_t)v));
}

/* Counters go to stderr, so stdout stays the command's result alone. */
int clcap_print_stats(const struct clcap *c, enum out_format fmt, bool live)
{
	json_t *arr = json_array();
	struct flow_stats st;
	int r, err = 0;

	if (!arr)
		return -ENOMEM;
	flow_table_stats(c->table, &st);
	err |= clcap_stat_add(arr, "packets_read", c->feed.frames);
	for (r = 1; r < DEC_RESULT_MAX; r++)
		err |= clcap_stat_add(arr, dec_result_name(r), c->feed.skipped[r]);
	err |= clcap_stat_add(arr, "no_rule", st.ignored);
	err |= clcap_stat_add(arr, "flow_packets", st.packets);
	err |= clcap_stat_add(arr, "flows", st.flows);
	err |= clcap_stat_add(arr, "evictions", st.evictions);
	err |= clcap_stat_add(arr, "table_bytes", st.bytes);
	if (live) {
		err |= clcap_stat_add(arr, "kernel_drops", c->kernel_drops);
		err |= clcap_stat_add(arr, "if_drops", c->if_drops);
	}
	if (!err)
		err = out_rows_print(stderr, fmt, arr, clcap_stats_columns);
	json_decref(arr);
	return err ? -EIO : 0;
}

static void clcap_read_file(struct clcap *c, const char *path)
{
	struct cap_error e;
	struct cap_source *s = cap_open_file(path, &e);

	if (!s) {
		cli_fail(c->cmd, "%s", e.msg);
		c->failed = true;
		return;
	}
	if (feed_dispatch(&c->feed, s, &e) < 0) {
		cli_fail(c->cmd, "%s", e.msg);
		c->failed = true;
	}
	if (cap_bad_times(s))
		cli_warn(c->cmd, "%s: %" PRIu64 " damaged record%s skipped: time before 1970 or "
			 "after 2106-02-07 (negative or all-ones seconds)", cap_name(s),
			 cap_bad_times(s), cap_bad_times(s) == 1 ? "" : "s");
	cap_close(s);
}

/* --- live capture ------------------------------------------------------------------ */

static const char *clcap_dir_name(enum cap_direction d)
{
	return d == CAP_DIR_IN ? "in" : d == CAP_DIR_OUT ? "out" : "both";
}

static void clcap_if_close(struct clcap *c, struct clcap_live *lv, size_t i)
{
	struct clcap_if *fi = &lv->v[i];
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

static int clcap_if_open(struct clcap *c, struct clcap_live *lv, int ifindex, const char *name,
			 enum cap_direction dir, bool promisc)
{
	struct cap_live_opts o = { .dir = dir, .promisc = promisc };
	struct epoll_event ev = { .events = EPOLLIN };
	struct clcap_if *fi;
	struct cap_error e;

	if (lv->n == CLCAP_MAX_IFACES) {
		cli_warn(c->cmd, "%s: more than %d interfaces, not capturing", name,
			 CLCAP_MAX_IFACES);
		return -ENOSPC;
	}
	fi = &lv->v[lv->n];
	fi->src = cap_open_live(name, &o, &e);
	if (!fi->src) {
		/* under --auto an interface may vanish between listing and opening */
		if (lv->automatic) {
			cli_warn(c->cmd, "%s", e.msg);
		} else {
			cli_fail(c->cmd, "%s", e.msg);
			c->failed = true;
		}
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
	clcap_note(c, "capturing on %s (%s)", name, clcap_dir_name(dir));
	return 0;
}

/*
 * --auto captures each frame where it enters the container network once:
 * bridge ports and unbridged veths inbound (what containers and uplinks
 * send), bridges outbound (what the host itself sends into a bridge).
 * A frame between two containers on one bridge is thus seen on the
 * sender's port only, not again on the receiver's port or the bridge.
 */
static bool clcap_auto_wanted(const struct link_info *li, enum cap_direction *dir)
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

static bool clcap_if_still_wanted(const struct clcap_if *fi, const struct link_list *l)
{
	const struct link_info *li = link_list_find(l, fi->ifindex);
	enum cap_direction dir;

	return li && !strcmp(li->name, fi->name) && clcap_auto_wanted(li, &dir) &&
	       dir == fi->dir;
}

static bool clcap_if_have(const struct clcap_live *lv, int ifindex)
{
	size_t i;

	for (i = 0; i < lv->n; i++)
		if (lv->v[i].ifindex == ifindex)
			return true;
	return false;
}

/* Bring the set of --auto captures in line with the links now present. */
static int clcap_auto_sync(struct clcap *c, struct clcap_live *lv)
{
	struct link_list l;
	enum cap_direction dir;
	size_t i;
	int err = link_list_dump(&l);

	if (err) {
		cli_warn(c->cmd, "cannot read links over rtnetlink: %s", strerror(-err));
		return err;
	}
	for (i = lv->n; i-- > 0;) {
		if (!clcap_if_still_wanted(&lv->v[i], &l)) {
			clcap_note(c, "stopped capturing on %s", lv->v[i].name);
			clcap_if_close(c, lv, i);
		}
	}
	for (i = 0; i < l.n; i++)
		if (!clcap_if_have(lv, l.v[i].ifindex) && clcap_auto_wanted(&l.v[i], &dir))
			clcap_if_open(c, lv, l.v[i].ifindex, l.v[i].name, dir, false);
	link_list_free(&l);
	return 0;
}

/* -i a,b -i c: named interfaces, both directions, promiscuous (a bridge
 * hands forwarded frames to a packet socket only in promiscuous mode). */
static int clcap_named_open(struct clcap *c, struct clcap_live *lv, char *const *names,
			    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char *list = strdup(names[i]), *save = NULL, *tok;

		if (!list)
			return -ENOMEM;
		for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			int err = clcap_if_open(c, lv, 0, tok, CAP_DIR_BOTH, true);

			if (err) {
				free(list);
				return err;
			}
		}
		free(list);
	}
	return 0;
}

static struct clcap_if *clcap_if_by_src(struct clcap_live *lv, uint64_t key, size_t *idx)
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

static void clcap_live_ready(struct clcap *c, struct clcap_live *lv, uint64_t key)
{
	struct cap_error e;
	struct clcap_if *fi;
	size_t i;

	if (lv->mon && key == 0) {
		int n = link_monitor_drain(lv->mon);

		if (n != 0)
			clcap_auto_sync(c, lv);
		return;
	}
	fi = clcap_if_by_src(lv, key, &i);
	if (!fi)
		return;
	if (feed_dispatch(&c->feed, fi->src, &e) < 0) {
		/* An interface that vanished is normal under --auto. */
		if (!lv->automatic) {
			cli_fail(c->cmd, "%s", e.msg);
			c->failed = true;
		}
		clcap_if_close(c, lv, i);
	}
}

static int64_t clcap_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void clcap_on_signal(int sig)
{
	clcap_stop = sig;
}

static void clcap_live_loop(struct clcap *c, struct clcap_live *lv, double duration)
{
	int64_t end = duration > 0 ? clcap_now_ms() + (int64_t)(duration * 1000) : -1;
	int tick = c->tick && c->tick_ms > 0 && c->tick_ms < 1000 ? c->tick_ms : 1000;
	struct sigaction sa = { .sa_handler = clcap_on_signal };
	struct epoll_event evs[32];

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* a hangup (an SSH session lost) ends the capture as SIGINT does: what
	 * was learned is written, not lost with the terminal */
	sigaction(SIGHUP, &sa, NULL);
	while (!clcap_stop && (lv->n || lv->automatic)) {
		int64_t left = end < 0 ? tick : end - clcap_now_ms();
		int n, i;

		if (left <= 0)
			break;
		n = epoll_wait(lv->ep, evs, 32, left > tick ? tick : (int)left);
		for (i = 0; i < n; i++)
			clcap_live_ready(c, lv, evs[i].data.u64);
		if (c->tick)
			c->tick(c->tick_ctx);
	}
	/* What the rings still hold. */
	for (size_t i = 0; i < lv->n; i++)
		clcap_live_ready(c, lv, (uint64_t)(uintptr_t)lv->v[i].src);
	if (clcap_stop == SIGHUP) {
		/* the terminal may be gone: a message must not kill us before the result is out */
		signal(SIGPIPE, SIG_IGN);
		clcap_note(c, "hangup (SIGHUP): capture stopped");
	}
}

static int clcap_live_run(struct clcap *c, const struct clcap_opts *o)
{
	struct clcap_live *lv = calloc(1, sizeof(*lv));
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0 };
	int err;

	if (!lv)
		return -ENOMEM;
	lv->automatic = o->automatic;
	lv->ep = epoll_create1(EPOLL_CLOEXEC);
	if (lv->ep < 0) {
		err = -errno;
		goto out_free_lv;
	}
	if (o->automatic) {
		err = link_monitor_open(&lv->mon);
		if (!err && epoll_ctl(lv->ep, EPOLL_CTL_ADD, link_monitor_fd(lv->mon), &ev))
			err = -errno;
		if (!err)
			err = clcap_auto_sync(c, lv);
	} else {
		err = clcap_named_open(c, lv, o->ifaces, o->nifaces);
	}
	if (err)
		goto out_close;
	clcap_note(c, "ready");
	clcap_live_loop(c, lv, o->duration);
out_close:
	while (lv->n)
		clcap_if_close(c, lv, lv->n - 1);
	link_monitor_free(lv->mon);
	close(lv->ep);
out_free_lv:
	free(lv);
	return err;
}

int clcap_run(struct clcap *c, const struct clcap_opts *o)
{
	size_t i;
	int err;

	for (i = 0; i < o->nfiles; i++)
		clcap_read_file(c, o->files[i]);
	if (o->nfiles)
		return 0;
	err = clcap_live_run(c, o);
	if (err && !c->failed) {
		cli_fail(c->cmd, "cannot capture: %s", strerror(-err));
		c->failed = true;
	}
	return err;
}
