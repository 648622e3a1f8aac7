// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The mapper's events into the index: inspects sent beside the stream and
 * applied as they answer, stops applied without one, and a restarted
 * container read from the kernel first (runtime-fast.c) when its backend
 * names the pidfile that needs.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <curl/curl.h>

#include "zonewall/runtime.h"
#include "runtime-int.h"

/* --- restarts seen in the kernel (runtime-fast.c) ------------------------------------ */

static ssize_t rt_ran_find(const struct rt_mapper *m, const char *id)
{
	for (size_t i = 0; i < m->n_ran; i++)
		if (!strcmp(m->ran[i]->id, id))
			return (ssize_t)i;
	return -1;
}

/* Keep @w, a record of its container running with a known pidfile and a
 * bridge port for every network, for the container's next start. */
static void rt_ran_keep(struct rt_mapper *m, const struct id_workload *w)
{
	ssize_t i = rt_ran_find(m, w->id);
	struct id_workload **v;
	size_t cap;

	if (!w->pidfile || w->pid <= 0 || !w->n_nets)
		return;
	for (size_t j = 0; j < w->n_nets; j++)
		if (!w->nets[j].bridge[0])
			return;
	if (i >= 0) {
		id_workload_put(m->ran[i]);
		m->ran[i] = id_workload_get((struct id_workload *)w);
		return;
	}
	if (m->n_ran == m->cap_ran) {
		if (m->cap_ran >= RT_SEEN_MAX)
			return;
		cap = m->cap_ran ? m->cap_ran * 2 : 64;
		v = realloc(m->ran, cap * sizeof(*v));
		if (!v)
			return;
		m->ran = v;
		m->cap_ran = cap;
	}
	m->ran[m->n_ran++] = id_workload_get((struct id_workload *)w);
}

static void rt_ran_forget(struct rt_mapper *m, const char *id)
{
	ssize_t i = rt_ran_find(m, id);

	if (i < 0)
		return;
	id_workload_put(m->ran[i]);
	m->ran[i] = m->ran[--m->n_ran];
}

/* After a resync: forget the containers removed while no event told it. */
void rt_ran_prune(struct rt_mapper *m)
{
	size_t i = 0;

	while (i < m->n_ran) {
		if (id_index_find(m->idx, m->ran[i]->id)) {
			i++;
			continue;
		}
		id_workload_put(m->ran[i]);
		m->ran[i] = m->ran[--m->n_ran];
	}
}

/* A start that tried the kernel first and waits for its inspect: @why goes
 * to the status and, in @miss, to the event's report. */
static void rt_fast_miss(struct rt_mapper *m, const struct rt_event *ev, const char *why,
			 char *miss, size_t misslen)
{
	m->fast_misses++;
	snprintf(m->fast_last_miss, sizeof(m->fast_last_miss), "%.12s: %.300s", ev->id, why);
	snprintf(miss, misslen, "%.300s", why);
}

/* The name of a workload other than @id holding one of @w's addresses now, or NULL. */
static const char *rt_fast_taken(const struct rt_mapper *m, const struct id_workload *w)
{
	const struct id_workload *h;
	struct id_addr a;

	for (size_t i = 0; i < w->n_nets; i++) {
		const char *text[2] = { w->nets[i].ipv4, w->nets[i].ipv6 };

		for (size_t j = 0; j < 2; j++) {
			if (!text[j][0] || id_addr_parse(text[j], &a))
				continue;
			h = id_index_lookup(m->idx, &a, 0);
			if (h && strcmp(h->id, w->id))
				return h->name ? h->name : h->id;
		}
	}
	return NULL;
}

/*
 * A start of a container we saw stop: put what the kernel shows of it in
 * the index at once and report the event as provisional; its inspect,
 * sent next, confirms or corrects it.  Return: whether it did.
 */
static bool rt_fast_start(struct rt_mapper *m, const struct rt_event *ev, char *miss,
			  size_t misslen)
{
	struct rt_report r = { .kind = RT_REP_EVENT, .ev = ev, .provisional = true };
	const struct id_workload *cur;
	struct id_workload *w;
	char why[DIAG_LINE_MAX];
	const char *taken;
	struct diags d;
	ssize_t i;

	if (!m->fast_on || strcmp(ev->type, "container") || strcmp(ev->action, "start"))
		return false;
	i = rt_ran_find(m, ev->id);
	cur = id_index_find(m->idx, ev->id);
	if (i < 0 || !cur || !cur->state)
		return false;
	if (!strcmp(cur->state, "running")) {
		rt_fast_miss(m, ev, "no stop of it seen since it last ran", miss, misslen);
		return false;
	}
	diags_init(&d);
	w = rt_fast_probe(m->ran[i], ev->time_ns, &d);
	if (!w) {
		diags_summary(&d, why, sizeof(why));
		rt_fast_miss(m, ev, why, miss, misslen);
		return false;
	}
	taken = rt_fast_taken(m, w);
	if (taken) {
		snprintf(why, sizeof(why), "an address it has is %.64s's", taken);
		rt_fast_miss(m, ev, why, miss, misslen);
		id_workload_put(w);
		return false;
	}
	if (id_index_upsert(m->idx, w, rt_now_ns())) {
		rt_fast_miss(m, ev, "index full", miss, misslen);
		return false;
	}
	m->fast_starts++;
	r.applied_ns = rt_now_ns();
	if (m->fn)
		m->fn(m->ctx, &r);
	return true;
}

/* An inspect confirming a provisional record answered @w: count and tell a disagreement. */
static void rt_fast_confirm(struct rt_mapper *m, const struct rt_event *ev,
			    const struct id_workload *w)
{
	const struct id_workload *cur = id_index_find(m->idx, ev->id);
	char msg[400];

	/* an answer of a container that has stopped again is no disagreement:
	 * its die event follows */
	if (!cur || !w->state || strcmp(w->state, "running") || rt_fast_agrees(cur, w))
		return;
	m->fast_mismatches++;
	snprintf(msg, sizeof(msg), "container %.12s: its inspect differs from what the kernel "
		 "showed at its start; the inspect applies", ev->id);
	rt_report(m, RT_REP_WARN, msg);
}

/* --- events into the index ------------------------------------------------------------ */

/* A copy of @w as it is once stopped: no process, no addresses, no veth
 * (what inspect answers after a die, known without asking). */
static struct id_workload *rt_stopped_copy(const struct id_workload *w)
{
	struct id_workload *c = id_workload_new();
	struct id_net *n;
	size_t i;

	if (!c)
		return NULL;
	if (id_workload_set(&c->id, w->id) || id_workload_set(&c->name, w->name) ||
	    id_workload_set(&c->image, w->image) || id_workload_set(&c->state, "exited") ||
	    id_workload_set(&c->runtime, w->runtime))
		goto out_put;
	for (i = 0; i < w->n_labels; i++)
		if (id_workload_add_label(c, w->labels[i].key, w->labels[i].value))
			goto out_put;
	for (i = 0; i < w->n_nets; i++) {
		n = id_workload_add_net(c, w->nets[i].name);
		if (!n || id_workload_set(&n->net_id, w->nets[i].net_id))
			goto out_put;
		memcpy(n->mac, w->nets[i].mac, sizeof(n->mac));
	}
	return c;
out_put:
	id_workload_put(c);
	return NULL;
}

/* die/stop/cleanup: release the addresses at once, without an inspect
 * (Docker holds the container's lock through a restart, so an inspect
 * here would wait for it). */
static bool rt_apply_stopped(struct rt_mapper *m, const struct rt_event *ev)
{
	const struct id_workload *w;
	struct id_workload *c;

	if (strcmp(ev->type, "container") || (strcmp(ev->action, "die") &&
	    strcmp(ev->action, "stop") && strcmp(ev->action, "cleanup")))
		return false;
	w = id_index_find(m->idx, ev->id);
	if (!w)
		return false;
	rt_ran_keep(m, w);
	c = rt_stopped_copy(w);
	if (!c)
		return false;
	id_workload_sort(c);
	id_index_upsert(m->idx, c, rt_now_ns());
	return true;
}

/* A network (dis)connect of a container we know is not running changes no
 * address until it starts, and its start event inspects it then (Docker
 * sends connect inside a (re)start and holds the container's lock until
 * the start is done: an inspect now would only wait for it). */
static bool rt_connect_while_stopped(struct rt_mapper *m, const struct rt_event *ev)
{
	const struct id_workload *w;

	if (strcmp(ev->type, "network"))
		return false;
	w = id_index_find(m->idx, ev->id);
	return w && w->state && strcmp(w->state, "running") && strcmp(w->state, "paused");
}

/*
 * Whether a later event of the batch @q[@i+1..@n) brings @q[@i]'s
 * container up to date by itself: a container event that inspects, stops
 * or removes it.  An inspect for @q[@i] would then be answered after that
 * later change anyway (the engine holds the container's lock through it),
 * so it can only wait and tell what the later event learns.  Network events
 * do not count: a connect of a container the index thinks stopped skips
 * its inspect.
 */
static bool rt_superseded(const struct rt_event *q, size_t i, size_t n)
{
	size_t j;

	for (j = i + 1; j < n; j++)
		if ((q[j].kind == RT_EV_UPDATE || q[j].kind == RT_EV_REMOVE) &&
		    !strcmp(q[j].type, "container") && !strcmp(q[j].id, q[i].id))
			return true;
	return false;
}

/* Put inspect answer @w (or the error @why with errno @e) for @ev into
 * the index and report the event. */
static void rt_apply_answer(struct rt_mapper *m, struct rt_report *r, struct id_workload *w,
			    int e, const struct diags *why)
{
	char msg[DIAG_LINE_MAX + 80], err[DIAG_LINE_MAX];
	const struct rt_event *ev = r->ev;
	int rc = 0;

	if (!w && e == ENOENT) {
		id_index_remove(m->idx, ev->id, rt_now_ns());
	} else if (!w) {
		diags_summary(why, err, sizeof(err));
		snprintf(msg, sizeof(msg), "%s %s %.12s: inspect failed: %s",
			 ev->type, ev->action, ev->id, err);
		rt_report(m, RT_REP_WARN, msg);
		return;
	} else {
		rt_ports_resolve(&w, 1);
		if (r->confirms)
			rt_fast_confirm(m, ev, w);
		rc = id_index_upsert(m->idx, w, rt_now_ns());
	}
	if (rc) {
		snprintf(msg, sizeof(msg), "%s %s %.12s: index: %s", ev->type, ev->action, ev->id,
			 strerror(-rc));
		rt_report(m, RT_REP_WARN, msg);
	}
	r->applied_ns = rt_now_ns();
	if (m->fn)
		m->fn(m->ctx, r);
}

/* --- inspects on their way ---------------------------------------------------------- */

/* Forget in-flight inspect @i (its event is not reported). */
void rt_inflight_drop(struct rt_mapper *m, size_t i)
{
	struct rt_inflight *f = &m->fl[i];

	curl_multi_remove_handle(m->multi, f->h);
	curl_easy_cleanup(f->h);
	free(f->b.buf);
	m->fl[i] = m->fl[--m->nfl];
	/* curl writes the moved answer through the address it was given:
	 * point it at the slot the body buffer lives in now */
	if (i < m->nfl)
		curl_easy_setopt(m->fl[i].h, CURLOPT_WRITEDATA, &m->fl[i].b);
}

/* Before a resync: answers asked for earlier could be older than it. */
void rt_events_drop_inflight(struct rt_mapper *m)
{
	while (m->nfl)
		rt_inflight_drop(m, m->nfl - 1);
}

static ssize_t rt_inflight_find(const struct rt_mapper *m, const char *id)
{
	size_t i;

	for (i = 0; i < m->nfl; i++)
		if (!strcmp(m->fl[i].ev.id, id))
			return (ssize_t)i;
	return -1;
}

/* Ask for @ev's container without waiting for the answer.
 * Return: 0, or -errno when it cannot be sent (then inspect inline). */
static int rt_inflight_start(struct rt_mapper *m, const struct rt_event *ev, bool provisional,
			     const char *fast_miss)
{
	struct rt_inflight *f;
	char url[512];

	if (!RT_INSPECT_ASYNC || m->nfl == RT_INFLIGHT_MAX)
		return -EBUSY;
	f = &m->fl[m->nfl];
	memset(f, 0, sizeof(*f));
	diags_init(&m->err);
	if (rt_inspect_path(ev->id, f->path, sizeof(f->path), &m->err))
		return -EINVAL;
	f->h = curl_easy_init();
	if (!f->h)
		return -ENOMEM;
	f->ev = *ev;
	f->provisional = provisional;
	snprintf(f->fast_miss, sizeof(f->fast_miss), "%s", fast_miss);
	snprintf(url, sizeof(url), "http://localhost/v%s%s", m->c->api, f->path);
	rt_curl_setup(f->h, m->c, url);
	curl_easy_setopt(f->h, CURLOPT_TIMEOUT_MS, 30000L);
	curl_easy_setopt(f->h, CURLOPT_WRITEFUNCTION, rt_body_write);
	curl_easy_setopt(f->h, CURLOPT_WRITEDATA, &f->b);
	if (curl_multi_add_handle(m->multi, f->h) != CURLM_OK) {
		curl_easy_cleanup(f->h);
		return -ENOMEM;
	}
	f->sent_ns = rt_now_ns();
	m->nfl++;
	m->sent++;
	return 0;
}

/* Inspect @i answered (or failed with @cc): apply it and report its event. */
static void rt_inflight_done(struct rt_mapper *m, size_t i, CURLcode cc)
{
	struct rt_inflight *f = &m->fl[i];
	struct rt_event ev = f->ev;
	struct rt_report r = { .kind = RT_REP_EVENT, .ev = &ev, .confirms = f->provisional };
	struct id_workload *w = NULL;
	char miss[sizeof(f->fast_miss)];
	long status = 0;
	int e;

	r.inspect_ns = rt_now_ns() - f->sent_ns;
	diags_init(&m->err);
	if (cc != CURLE_OK) {
		e = -rt_curl_error(m->c, cc, &f->b, &m->err);
	} else {
		curl_easy_getinfo(f->h, CURLINFO_RESPONSE_CODE, &status);
		if (!f->b.buf && !rt_body_write((char *)"", 0, 0, &f->b))
			f->b.buf = calloc(1, 1);
		w = f->b.buf ? rt_inspect_answer(m->c, f->path, (int)status, &f->b, &m->err) : NULL;
		e = w ? 0 : f->b.buf ? errno : ENOMEM;
	}
	memcpy(miss, f->fast_miss, sizeof(miss));
	r.fast_miss = miss[0] ? miss : NULL;
	rt_inflight_drop(m, i);
	rt_apply_answer(m, &r, w, e, &m->err);
}

static void rt_apply(struct rt_mapper *m, const struct rt_event *ev, bool superseded)
{
	struct rt_report r = { .kind = RT_REP_EVENT, .ev = ev };
	struct id_workload *w;
	ssize_t busy = rt_inflight_find(m, ev->id);
	char miss[320] = "";
	bool provisional;

	/* a newer event of a container whose inspect is on its way: that
	 * answer may predate this change, so it is dropped; this event
	 * (re)inspects unless it settles the container itself */
	if (busy >= 0 && ev->kind != RT_EV_SEEN) {
		struct rt_event oev = m->fl[busy].ev;
		/* a provisional start was reported already: this is its second report */
		struct rt_report old = { .kind = RT_REP_EVENT, .ev = &oev, .superseded = true,
					 .confirms = m->fl[busy].provisional };

		rt_inflight_drop(m, (size_t)busy);
		old.applied_ns = rt_now_ns();
		if (m->fn)
			m->fn(m->ctx, &old);
	}
	if (ev->kind == RT_EV_REMOVE) {
		rt_ran_forget(m, ev->id);
		id_index_remove(m->idx, ev->id, rt_now_ns());
	} else if (rt_apply_stopped(m, ev) || (busy < 0 && rt_connect_while_stopped(m, ev))) {
		;
	} else if (ev->kind == RT_EV_SEEN || superseded) {
		r.superseded = superseded;
	} else {
		provisional = rt_fast_start(m, ev, miss, sizeof(miss));
		if (rt_inflight_start(m, ev, provisional, miss) == 0)
			return;		/* reported when the answer comes */
		r.confirms = provisional;
		r.fast_miss = miss[0] ? miss : NULL;
		r.inspect_ns = rt_now_ns();
		diags_init(&m->err);
		w = rt_inspect(m->c, ev->id, &m->err);
		r.inspect_ns = rt_now_ns() - r.inspect_ns;
		rt_apply_answer(m, &r, w, w ? 0 : errno, &m->err);
		return;
	}
	r.applied_ns = rt_now_ns();
	if (m->fn)
		m->fn(m->ctx, &r);
}

/* Apply the inspects that answered; true when the event stream ended (@cc). */
static bool rt_collect(struct rt_mapper *m, CURLcode *cc)
{
	bool ended = false;
	CURLMsg *msg;
	CURL *h;
	size_t i;
	int left;

	while ((msg = curl_multi_info_read(m->multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		h = msg->easy_handle;
		if (h == m->ev) {
			*cc = msg->data.result;
			ended = true;
			continue;
		}
		for (i = 0; i < m->nfl; i++)
			if (m->fl[i].h == h) {
				rt_inflight_done(m, i, msg->data.result);
				break;
			}
	}
	return ended;
}

/*
 * Wait for and apply events and inspect answers; detect the end of the
 * stream.  Answers first: one that came in with an event is older than it
 * (or tells the same), so the event then goes on top of it.
 */
void rt_pump(struct rt_mapper *m, int timeout_ms)
{
	struct rt_event q[RT_QUEUE_MAX];
	CURLcode cc = CURLE_OK;
	unsigned long sent;
	int rounds = 0;
	size_t n, i;
	char why[400];
	bool ended;

	rt_drive(m, timeout_ms);
	rt_evlog_pump(m);
	/* again while inspects were asked for: driving curl sends them, and
	 * what it reads (events, quick answers) is not left for a later wait */
	do {
		sent = m->sent;
		if (rounds) {
			rt_drive(m, 0);
			rt_evlog_pump(m);
		}
		ended = rt_collect(m, &cc);
		n = m->nq;
		memcpy(q, m->q, n * sizeof(q[0]));
		m->nq = 0;
		for (i = 0; i < n; i++)
			rt_apply(m, &q[i], rt_superseded(q, i, n));
		if (ended) {
			snprintf(why, sizeof(why), "%s: event stream ended (%s)", m->c->path,
				 curl_easy_strerror(cc));
			rt_lost(m, why);
			return;
		}
	} while (m->sent != sent && ++rounds < 8);
	if (m->overflow) {
		rt_report(m, RT_REP_WARN, "events came faster than they could be applied; resyncing");
		m->overflow = false;
		rt_events_drop_inflight(m);
		if (rt_resync(m))
			rt_lost_diags(m, &m->err);
	}
}