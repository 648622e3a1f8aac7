// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * etcd's watches through the JSON gateway (see etcd.h): a POST to
 * /v3/watch whose answer never ends; etcd writes one JSON message per line
 * as changes happen.  A line can arrive in pieces, or several in one
 * piece, so the bytes wait in a linebuf until a newline completes a
 * message.  The streams run in a curl multi handle of the client's:
 * etcd_wait() is the one place that waits on them (and on etcd_wakeup(),
 * which is how another thread cuts a wait short).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <jansson.h>

#include "zonewall/etcd.h"
#include "zonewall/linebuf.h"
#include "etcd-int.h"

/* A message larger than this is not etcd's: a watch event carries one key
 * (1.5 MiB at most by etcd's request limit), a transaction's puts a few. */
#define ETCD_WATCH_PENDING_MAX (64u << 20)

struct etcd_watch {
	struct etcd *e;
	CURL *h;
	struct curl_slist *hdr;
	char *req;			/* the create request, read by curl as it sends */
	char ep[128];			/* the endpoint it streams from */
	char why[CURL_ERROR_SIZE];
	struct linebuf lines;		/* received, not yet a message */
	bool overflow;			/* a line past ETCD_WATCH_PENDING_MAX */
	bool done;			/* the transfer ended, with cc */
	CURLcode cc;
};

/* --- one message ------------------------------------------------------------------- */

void etcd_watch_msg_free(struct etcd_watch_msg *m)
{
	for (size_t i = 0; m->ev && i < m->n; i++) {
		free(m->ev[i].kv.key);
		free(m->ev[i].kv.value);
	}
	free(m->ev);
	memset(m, 0, sizeof(*m));
}

static int etcd_event_fill(struct etcd_event *ev, const json_t *j, size_t i, const char *where,
			   struct diags *d)
{
	const json_t *type = json_object_get(j, "type"), *kv = json_object_get(j, "kv");

	if (!json_is_object(j) || !json_is_object(kv) || !json_is_string(json_object_get(kv, "key")) ||
	    (type && (!json_is_string(type) || (strcmp(json_string_value(type), "PUT") &&
						 strcmp(json_string_value(type), "DELETE"))))) {
		diag_add(d, where, "watch event %zu is not a PUT or DELETE of a key", i);
		return -EPROTO;
	}
	ev->deleted = type && !strcmp(json_string_value(type), "DELETE");
	if (etcd_kv_fill(&ev->kv, kv)) {
		diag_add(d, where, "watch event %zu: a key or value that is not base64", i);
		return -EPROTO;
	}
	return 0;
}

static int etcd_watch_events(struct etcd_watch_msg *out, const json_t *evs, const char *where,
			     struct diags *d)
{
	size_t n = json_array_size(evs);
	int rc = 0;

	if (evs && !json_is_array(evs)) {
		diag_add(d, where, "watch message: events is not a list");
		return -EPROTO;
	}
	out->ev = calloc(n ? n : 1, sizeof(*out->ev));
	if (!out->ev)
		return -ENOMEM;
	for (size_t i = 0; i < n && !rc; i++, out->n++)
		rc = etcd_event_fill(&out->ev[i], json_array_get(evs, i), i, where, d);
	return rc;
}

int etcd_watch_parse(const char *text, size_t len, const char *where,
		     struct etcd_watch_msg *out, struct diags *d)
{
	json_t *j = json_loadb(text, len, 0, NULL), *r = json_object_get(j, "result");
	const char *reason;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(r)) {
		/* the gateway's error in a stream: {"error": {"message": ..}} */
		const json_t *err = json_object_get(j, "error");
		const char *msg = json_string_value(json_is_object(err) ?
						    json_object_get(err, "message") : err);

		if (msg)
			diag_add(d, where, "etcd ended the watch: %.160s", msg);
		else
			diag_add(d, where, "watch message is not etcd's");
		json_decref(j);
		return msg ? -ECANCELED : -EPROTO;
	}
	out->revision = etcd_int(json_object_get(r, "header"), "revision");
	out->created = json_is_true(json_object_get(r, "created"));
	out->canceled = json_is_true(json_object_get(r, "canceled"));
	out->compact_revision = etcd_int(r, "compact_revision");
	reason = json_string_value(json_object_get(r, "cancel_reason"));
	snprintf(out->reason, sizeof(out->reason), "%s", reason ? reason : "");
	rc = etcd_watch_events(out, json_object_get(r, "events"), where, d);
	json_decref(j);
	if (rc)
		etcd_watch_msg_free(out);
	return rc;
}

/* --- the stream -------------------------------------------------------------------- */

static size_t etcd_watch_write(char *p, size_t size, size_t n, void *ctx)
{
	struct etcd_watch *w = ctx;
	int rc = linebuf_push(&w->lines, p, size * n);

	w->overflow = rc == -EMSGSIZE;
	return rc ? 0 : size * n;	/* 0: curl ends the transfer */
}

/* The create request for @key from @start_rev, as text. */
static char *etcd_watch_req(const char *key, bool prefix, int64_t start_rev)
{
	json_t *cr = etcd_key_req(key, prefix), *req;
	char *text = NULL;

	if (cr && start_rev > 0 &&
	    json_object_set_new(cr, "start_revision", json_integer(start_rev))) {
		json_decref(cr);
		return NULL;
	}
	req = cr ? json_pack("{s:o}", "create_request", cr) : NULL;
	if (req)
		text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	return text;
}

static int etcd_watch_setup(struct etcd_watch *w, const char *url)
{
	char auth[600];
	CURL *h = w->h;

	w->hdr = curl_slist_append(NULL, "Content-Type: application/json");
	/* gRPC metadata "hasleader": a member that loses the leader ends the watch */
	if (w->hdr)
		w->hdr = curl_slist_append(w->hdr, "Grpc-Metadata-hasleader: true");
	if (w->hdr && w->e->token[0]) {
		snprintf(auth, sizeof(auth), "Authorization: %s", w->e->token);
		w->hdr = curl_slist_append(w->hdr, auth);
	}
	if (!w->hdr)
		return -ENOMEM;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	/* no overall timeout: the answer is meant to last; a peer that vanished
	 * without a word is found by TCP keepalives */
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPIDLE, 10L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPINTVL, 5L);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, w->req);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, w->hdr);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, etcd_watch_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, w);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, w->why);
	curl_easy_setopt(h, CURLOPT_PRIVATE, w);
	etcd_tls_setup(w->e, h);
	return 0;
}

static int etcd_watch_slot(struct etcd *e, struct etcd_watch *w)
{
	for (size_t i = 0; i < ETCD_WATCHES_MAX; i++)
		if (!e->watches[i]) {
			e->watches[i] = w;
			return 0;
		}
	return -ENOSPC;
}

int etcd_watch_open(struct etcd *e, const char *key, bool prefix, int64_t start_rev,
		    struct etcd_watch **out, struct diags *d)
{
	struct etcd_watch *w;
	char url[256];
	int running, rc;

	*out = NULL;
	if (e->c.user[0] && !e->token[0] && (rc = etcd_auth(e, d)))
		return rc;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->e = e;
	linebuf_init(&w->lines, ETCD_WATCH_PENDING_MAX);
	snprintf(w->ep, sizeof(w->ep), "%s", e->c.endpoints[e->cur]);
	snprintf(url, sizeof(url), "%s://%s/v3/watch", etcd_tls(e) ? "https" : "http", w->ep);
	w->req = etcd_watch_req(key, prefix, start_rev);
	w->h = curl_easy_init();
	rc = w->req && w->h ? etcd_watch_setup(w, url) : -ENOMEM;
	if (!rc)
		rc = etcd_watch_slot(e, w);
	if (!rc && curl_multi_add_handle(e->multi, w->h) != CURLM_OK)
		rc = -ENOMEM;
	if (rc) {
		if (rc == -ENOSPC)
			diag_add(d, w->ep, "more than %d watches at once", ETCD_WATCHES_MAX);
		etcd_watch_close(w);
		return rc;
	}
	curl_multi_perform(e->multi, &running);	/* the connection starts now */
	*out = w;
	return 0;
}

void etcd_watch_close(struct etcd_watch *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < ETCD_WATCHES_MAX; i++)
		if (w->e->watches[i] == w) {
			curl_multi_remove_handle(w->e->multi, w->h);
			w->e->watches[i] = NULL;
		}
	curl_easy_cleanup(w->h);
	curl_slist_free_all(w->hdr);
	free(w->req);
	linebuf_free(&w->lines);
	free(w);
}

void etcd_watches_close(struct etcd *e)
{
	for (size_t i = 0; i < ETCD_WATCHES_MAX; i++)
		etcd_watch_close(e->watches[i]);
}

/* How the stream ended, said at its endpoint. */
static int etcd_watch_ended(struct etcd_watch *w, struct diags *d)
{
	long http = 0;

	curl_easy_getinfo(w->h, CURLINFO_RESPONSE_CODE, &http);
	if (w->overflow)
		diag_add(d, w->ep, "watch message larger than %u MiB", ETCD_WATCH_PENDING_MAX >> 20);
	else if (w->cc != CURLE_OK)
		diag_add(d, w->ep, "watch: %s%s%s%s", curl_easy_strerror(w->cc), w->why[0] ? " (" : "",
			 w->why, w->why[0] ? ")" : "");
	else
		diag_add(d, w->ep, "etcd closed the watch (HTTP %ld)", http);
	return -EPIPE;
}

int etcd_watch_next(struct etcd_watch *w, struct etcd_watch_msg *m, struct diags *d)
{
	int64_t compacted;
	long http = 0;
	size_t len;
	char *line;
	int rc;

	memset(m, 0, sizeof(*m));
	line = linebuf_next(&w->lines, w->done, &len);
	if (!line)
		return w->done ? etcd_watch_ended(w, d) : 0;
	curl_easy_getinfo(w->h, CURLINFO_RESPONSE_CODE, &http);
	if (http && http != 200)
		return etcd_refusal(line, http, w->ep, d);
	rc = etcd_watch_parse(line, len, w->ep, m, d);
	if (rc)
		return rc;
	if (!m->canceled)
		return 1;
	compacted = m->compact_revision;
	if (compacted > 0)
		diag_add(d, w->ep, "watch: revisions before %lld compacted", (long long)compacted);
	else
		diag_add(d, w->ep, "etcd ended the watch: %s", m->reason[0] ? m->reason : "canceled");
	etcd_watch_msg_free(m);
	m->compact_revision = compacted;
	return compacted > 0 ? -ESTALE : -ECANCELED;
}

void etcd_wait(struct etcd *e, int timeout_ms)
{
	struct CURLMsg *msg;
	int running, left;

	curl_multi_poll(e->multi, NULL, 0, timeout_ms, NULL);
	curl_multi_perform(e->multi, &running);
	while ((msg = curl_multi_info_read(e->multi, &left))) {
		struct etcd_watch *w = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&w);
		if (w) {
			w->done = true;
			w->cc = msg->data.result;
		}
	}
}

void etcd_wakeup(struct etcd *e)
{
	curl_multi_wakeup(e->multi);
}
