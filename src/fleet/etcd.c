// SPDX-License-Identifier: GPL-2.0-or-later
/* etcd v3 over its JSON gateway (see etcd.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <jansson.h>

#include "zonewall/base64.h"
#include "zonewall/etcd.h"
#include "etcd-int.h"

/* Past this an answer is not etcd's (its own limit on a request is 1.5 MiB,
 * a range of many keys is bigger, but not this). */
#define ETCD_BODY_MAX (512u << 20)

struct etcd_body {
	char *p;
	size_t n, cap;
};

int etcd_url_parse(struct etcd_conf *c, const char *url, struct diags *d)
{
	const char *p = url;

	if (strncmp(p, "etcd://", 7)) {
		diag_add(d, "fleet", "'%.100s' is not etcd://HOST:PORT[,HOST:PORT...]", url);
		return -EINVAL;
	}
	p += 7;
	c->n = 0;
	while (*p) {
		size_t len = strcspn(p, ",");
		const char *colon = NULL;

		for (size_t k = 0; k < len; k++)	/* the last: "[::1]:2379" */
			if (p[k] == ':')
				colon = p + k;

		if (c->n == ETCD_ENDPOINTS_MAX || !len || len >= sizeof(c->endpoints[0]) ||
		    !colon || colon == p || colon + 1 == p + len ||
		    strspn(colon + 1, "0123456789") != (size_t)(p + len - colon - 1) ||
		    atoi(colon + 1) < 1 || atoi(colon + 1) > 65535) {
			diag_add(d, "fleet", "'%.*s' in '%.100s' is not HOST:PORT (at most %d of them)",
				 (int)(len < 100 ? len : 100), p, url, ETCD_ENDPOINTS_MAX);
			return -EINVAL;
		}
		memcpy(c->endpoints[c->n], p, len);
		c->endpoints[c->n++][len] = '\0';
		p += len + (p[len] == ',');
	}
	if (!c->n) {
		diag_add(d, "fleet", "'%.100s' names no endpoint", url);
		return -EINVAL;
	}
	return 0;
}

int etcd_open(const struct etcd_conf *c, struct etcd **out)
{
	struct etcd *e = calloc(1, sizeof(*e));

	*out = NULL;
	if (!e)
		return -ENOMEM;
	e->c = *c;
	e->curl = curl_easy_init();
	e->multi = curl_multi_init();
	if (!e->curl || !e->multi) {
		curl_easy_cleanup(e->curl);
		curl_multi_cleanup(e->multi);
		free(e);
		return -ENOMEM;
	}
	*out = e;
	return 0;
}

void etcd_close(struct etcd *e)
{
	if (!e)
		return;
	etcd_watches_close(e);
	curl_multi_cleanup(e->multi);
	curl_easy_cleanup(e->curl);
	explicit_bzero(e->c.password, sizeof(e->c.password));
	free(e);
}

static size_t etcd_body_write(char *p, size_t size, size_t n, void *ctx)
{
	struct etcd_body *b = ctx;
	size_t len = size * n;

	if (b->n + len + 1 > ETCD_BODY_MAX)
		return 0;	/* curl ends the transfer: CURLE_WRITE_ERROR */
	if (b->n + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *q;

		while (cap < b->n + len + 1)
			cap *= 2;
		q = realloc(b->p, cap);
		if (!q)
			return 0;
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->n, p, len);
	b->n += len;
	b->p[b->n] = '\0';
	return len;
}

int64_t etcd_int(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		return json_integer_value(v);
	return json_is_string(v) ? strtoll(json_string_value(v), NULL, 10) : 0;
}

bool etcd_tls(const struct etcd *e)
{
	return e->c.ca[0] || e->c.cert[0] || e->c.key[0];
}

static void etcd_request_setup(struct etcd *e, const char *url, const char *body,
			       struct curl_slist *hdr, struct etcd_body *b)
{
	CURL *h = e->curl;

	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, e->c.timeout_ms ? e->c.timeout_ms : 5000L);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, etcd_body_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
	etcd_tls_setup(e, h);
}

void etcd_tls_setup(const struct etcd *e, CURL *h)
{
	if (e->c.ca[0])
		curl_easy_setopt(h, CURLOPT_CAINFO, e->c.ca);
	if (e->c.cert[0])
		curl_easy_setopt(h, CURLOPT_SSLCERT, e->c.cert);
	if (e->c.key[0])
		curl_easy_setopt(h, CURLOPT_SSLKEY, e->c.key);
}

int etcd_refusal(const char *body, long http, const char *where, struct diags *d)
{
	json_t *j = json_loads(body ? body : "", 0, NULL);
	const char *msg = json_string_value(json_object_get(j, "message"));
	int64_t code = etcd_int(j, "code");
	int rc;

	if (!msg)
		msg = json_string_value(json_object_get(j, "error"));
	switch (code) {
	case 16:	/* UNAUTHENTICATED */
	case 7:		/* PERMISSION_DENIED */
		rc = -EACCES;
		break;
	case 3:		/* INVALID_ARGUMENT: e.g. a request over --max-request-bytes */
		rc = -EINVAL;
		break;
	case 5:		/* NOT_FOUND: e.g. an expired lease */
		rc = -ENOENT;
		break;
	default:
		rc = -EPROTO;
	}
	diag_add(d, where, "etcd refused (HTTP %ld): %.160s", http,
		 msg ? msg : "an answer that is not etcd's");
	json_decref(j);
	return rc;
}

/* One POST of @body to @path at endpoint @i: 0 with *@resp, -EHOSTUNREACH
 * when it does not answer (try the next), else etcd's refusal. */
static int etcd_post_one(struct etcd *e, size_t i, const char *path, const char *body,
			 json_t **resp, struct diags *d)
{
	char url[256], auth[600], why[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
	struct etcd_body b = { NULL, 0, 0 };
	const char *ep = e->c.endpoints[i];
	json_error_t je;
	CURLcode cc;
	long http = 0;
	int rc = 0;

	snprintf(url, sizeof(url), "%s://%s%s", etcd_tls(e) ? "https" : "http", ep, path);
	if (e->token[0]) {
		snprintf(auth, sizeof(auth), "Authorization: %s", e->token);
		hdr = curl_slist_append(hdr, auth);
	}
	if (!hdr)
		return -ENOMEM;
	etcd_request_setup(e, url, body, hdr, &b);
	/* curl's own words name a TLS problem (which certificate, which alert) */
	curl_easy_setopt(e->curl, CURLOPT_ERRORBUFFER, why);
	cc = curl_easy_perform(e->curl);
	curl_easy_getinfo(e->curl, CURLINFO_RESPONSE_CODE, &http);
	if (cc != CURLE_OK) {
		if (cc == CURLE_WRITE_ERROR)
			diag_add(d, ep, "answer too large or out of memory");
		else
			diag_add(d, ep, "%s%s%s%s", curl_easy_strerror(cc), why[0] ? " (" : "", why,
				 why[0] ? ")" : "");
		rc = cc == CURLE_WRITE_ERROR ? -EPROTO : -EHOSTUNREACH;
	} else if (http != 200) {
		rc = etcd_refusal(b.p, http, ep, d);
	} else if (!(*resp = json_loadb(b.p ? b.p : "", b.n, 0, &je)) || !json_is_object(*resp)) {
		diag_add(d, ep, "answer to %s is not JSON: %.100s", path, je.text);
		json_decref(*resp);
		*resp = NULL;
		rc = -EPROTO;
	}
	curl_easy_setopt(e->curl, CURLOPT_ERRORBUFFER, NULL);	/* @why ends here */
	curl_slist_free_all(hdr);
	free(b.p);
	return rc;
}

static int etcd_post(struct etcd *e, const char *path, json_t *req, json_t **resp,
		     struct diags *d);

const char *etcd_unreachable_hint(const struct etcd *e)
{
	if (!etcd_tls(e))
		return "is etcd running there, and is the fleet's URL right?";
	if (!e->c.cert[0])
		return "does fleet_ca name the CA that signed etcd's certificate? (An etcd with "
		       "--client-cert-auth also wants fleet_cert and fleet_key.)";
	return "does fleet_ca name the CA that signed etcd's certificate? Does etcd trust the "
	       "CA that signed fleet_cert?";
}

/* Authenticate with the configured user: the token goes on every request. */
int etcd_auth(struct etcd *e, struct diags *d)
{
	json_t *req = json_pack("{s:s, s:s}", "name", e->c.user, "password", e->c.password);
	json_t *resp = NULL;
	const char *tok;
	int rc;

	if (!req)
		return -ENOMEM;
	e->token[0] = '\0';
	rc = etcd_post(e, "/v3/auth/authenticate", req, &resp, d);
	json_decref(req);
	if (rc)
		return rc;
	tok = json_string_value(json_object_get(resp, "token"));
	if (!tok || strlen(tok) >= sizeof(e->token)) {
		diag_add(d, e->c.endpoints[e->cur], "authentication answered no usable token");
		rc = -EPROTO;
	} else {
		strcpy(e->token, tok);
	}
	json_decref(resp);
	return rc;
}

/* POST @req to @path at the first endpoint that answers. */
static int etcd_post(struct etcd *e, const char *path, json_t *req, json_t **resp,
		     struct diags *d)
{
	char *body = json_dumps(req, JSON_COMPACT);
	int rc = -EHOSTUNREACH;

	*resp = NULL;
	if (!body)
		return -ENOMEM;
	for (size_t k = 0; k < e->c.n && rc == -EHOSTUNREACH; k++) {
		size_t i = (e->cur + k) % e->c.n;

		rc = etcd_post_one(e, i, path, body, resp, d);
		if (!rc || rc != -EHOSTUNREACH)
			e->cur = i;
	}
	free(body);
	return rc;
}

/* A call that authenticates first (and again once, when the token expired). */
static int etcd_call(struct etcd *e, const char *path, json_t *req, json_t **resp,
		     struct diags *d)
{
	struct diags tmp;
	int rc;

	if (e->c.user[0] && !e->token[0] && (rc = etcd_auth(e, d)))
		return rc;
	diags_init(&tmp);
	rc = etcd_post(e, path, req, resp, &tmp);
	if (rc == -EACCES && e->c.user[0]) {	/* an expired token, or refused */
		diags_init(&tmp);
		rc = etcd_auth(e, d);
		if (!rc)
			rc = etcd_post(e, path, req, resp, &tmp);
	}
	for (size_t i = 0; rc && i < tmp.n; i++)
		diag_add(d, tmp.v[i].where, "%s", tmp.v[i].msg);
	return rc;
}

json_t *etcd_b64(const void *p, size_t n)
{
	char *s = malloc(b64_encoded_len(n));
	json_t *j;

	if (!s)
		return NULL;
	b64_encode(p, n, s);
	j = json_string(s);
	free(s);
	return j;
}

/* The range_end that makes @key a prefix: its last byte below 0xff plus one. */
static json_t *etcd_prefix_end(const char *key)
{
	size_t n = strlen(key);
	char *end = strdup(key);
	json_t *j;

	if (!end)
		return NULL;
	while (n && (unsigned char)end[n - 1] == 0xff)
		n--;
	if (!n) {
		free(end);
		return etcd_b64("", 1);	/* "\0": every key */
	}
	end[n - 1]++;
	j = etcd_b64(end, n);
	free(end);
	return j;
}

json_t *etcd_key_req(const char *key, bool prefix)
{
	json_t *req = json_object();

	if (!req || json_object_set_new(req, "key", etcd_b64(key, strlen(key))) ||
	    (prefix && json_object_set_new(req, "range_end", etcd_prefix_end(key)))) {
		json_decref(req);
		return NULL;
	}
	return req;
}

/* a base64 field of @kv decoded into a new NUL-terminated string */
static int etcd_unb64(const json_t *kv, const char *field, char **out, size_t *len)
{
	const char *s = json_string_value(json_object_get(kv, field));
	size_t n = s ? strlen(s) : 0;

	*out = malloc(n / 4 * 3 + 1);
	if (!*out)
		return -ENOMEM;
	return b64_decode(s ? s : "", n, (unsigned char *)*out, len);
}

int etcd_kv_fill(struct etcd_kv *kv, const json_t *j)
{
	size_t len;
	int rc;

	rc = etcd_unb64(j, "key", &kv->key, &len);
	if (!rc)
		rc = etcd_unb64(j, "value", &kv->value, &kv->value_len);
	kv->create_rev = etcd_int(j, "create_revision");
	kv->mod_rev = etcd_int(j, "mod_revision");
	kv->version = etcd_int(j, "version");
	kv->lease = etcd_int(j, "lease");
	return rc;
}

void etcd_kvs_free(struct etcd_kvs *k)
{
	for (size_t i = 0; i < k->n; i++) {
		free(k->v[i].key);
		free(k->v[i].value);
	}
	free(k->v);
	memset(k, 0, sizeof(*k));
}

static int etcd_kvs_fill(struct etcd_kvs *out, const json_t *resp, const char *where,
			 struct diags *d)
{
	const json_t *kvs = json_object_get(resp, "kvs");
	size_t n = json_array_size(kvs);
	int rc = 0;

	out->revision = etcd_int(json_object_get(resp, "header"), "revision");
	out->v = calloc(n ? n : 1, sizeof(*out->v));
	if (!out->v)
		return -ENOMEM;
	for (size_t i = 0; i < n && !rc; i++) {
		rc = etcd_kv_fill(&out->v[i], json_array_get(kvs, i));
		out->n = i + 1;
	}
	if (rc == -EINVAL)
		diag_add(d, where, "etcd answered a key or value that is not base64");
	if (rc) {
		etcd_kvs_free(out);
		return rc == -EINVAL ? -EPROTO : rc;
	}
	return 0;
}

int etcd_range_parse(const char *text, size_t len, const char *where, struct etcd_kvs *out,
		     struct diags *d)
{
	json_t *resp = json_loadb(text, len, 0, NULL);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(resp)) {
		diag_add(d, where, "etcd's answer is not a JSON object");
		json_decref(resp);
		return -EPROTO;
	}
	rc = etcd_kvs_fill(out, resp, where, d);
	json_decref(resp);
	return rc;
}

int etcd_get(struct etcd *e, const char *key, bool prefix, struct etcd_kvs *out,
	     struct diags *d)
{
	return etcd_range(e, key, prefix, false, out, d);
}

int etcd_range(struct etcd *e, const char *key, bool prefix, bool keys_only,
	       struct etcd_kvs *out, struct diags *d)
{
	json_t *req = etcd_key_req(key, prefix), *resp = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (req && keys_only && json_object_set_new(req, "keys_only", json_true())) {
		json_decref(req);
		req = NULL;
	}
	if (!req)
		return -ENOMEM;
	rc = etcd_call(e, "/v3/kv/range", req, &resp, d);
	json_decref(req);
	if (!rc)
		rc = etcd_kvs_fill(out, resp, key, d);
	json_decref(resp);
	return rc;
}

/* {"key", "value", ["lease"]} of @p */
static json_t *etcd_put_req(const struct etcd_put *p)
{
	json_t *req = etcd_key_req(p->key, false);

	if (req && (json_object_set_new(req, "value", etcd_b64(p->value, p->len)) ||
		    (p->lease && json_object_set_new(req, "lease", json_integer(p->lease))))) {
		json_decref(req);
		return NULL;
	}
	return req;
}

int etcd_put(struct etcd *e, const struct etcd_put *p, struct diags *d)
{
	json_t *req = etcd_put_req(p), *resp = NULL;
	int rc;

	if (!req)
		return -ENOMEM;
	rc = etcd_call(e, "/v3/kv/put", req, &resp, d);
	json_decref(req);
	json_decref(resp);
	return rc;
}

static json_t *etcd_txn_req(const char *key, int64_t mod_rev, const struct etcd_put *ops,
			    size_t n)
{
	json_t *cmp = json_pack("{s:o, s:s, s:s, s:I}", "key", etcd_b64(key, strlen(key)),
				"target", mod_rev ? "MOD" : "CREATE", "result", "EQUAL",
				mod_rev ? "mod_revision" : "create_revision", (json_int_t)mod_rev);
	json_t *succ = json_array(), *req;

	for (size_t i = 0; succ && i < n; i++)
		if (json_array_append_new(succ, json_pack("{s:o*}", "request_put",
							  etcd_put_req(&ops[i])))) {
			json_decref(succ);
			succ = NULL;
		}
	req = json_pack("{s:[o*], s:o*}", "compare", cmp, "success", succ);
	return req;
}

int etcd_txn_if(struct etcd *e, const char *key, int64_t mod_rev, const struct etcd_put *ops,
		size_t n, struct diags *d)
{
	json_t *req = etcd_txn_req(key, mod_rev, ops, n), *resp = NULL;
	int rc;

	if (!req)
		return -ENOMEM;
	rc = etcd_call(e, "/v3/kv/txn", req, &resp, d);
	json_decref(req);
	/* proto3 leaves a false "succeeded" out */
	if (!rc && !json_is_true(json_object_get(resp, "succeeded")))
		rc = -ECANCELED;
	json_decref(resp);
	return rc;
}

int etcd_delete(struct etcd *e, const char *key, bool prefix, struct diags *d)
{
	json_t *req = etcd_key_req(key, prefix), *resp = NULL;
	int rc;

	if (!req)
		return -ENOMEM;
	rc = etcd_call(e, "/v3/kv/deleterange", req, &resp, d);
	json_decref(req);
	json_decref(resp);
	return rc;
}

int etcd_lease_grant(struct etcd *e, long ttl, int64_t *id, struct diags *d)
{
	json_t *req = json_pack("{s:I}", "TTL", (json_int_t)ttl), *resp = NULL;
	int rc;

	if (!req)
		return -ENOMEM;
	rc = etcd_call(e, "/v3/lease/grant", req, &resp, d);
	json_decref(req);
	if (!rc && !(*id = etcd_int(resp, "ID"))) {
		diag_add(d, e->c.endpoints[e->cur], "lease grant answered no lease");
		rc = -EPROTO;
	}
	json_decref(resp);
	return rc;
}

int etcd_lease_keepalive(struct etcd *e, int64_t id, struct diags *d)
{
	json_t *req = json_pack("{s:I}", "ID", (json_int_t)id), *resp = NULL;
	int rc;

	if (!req)
		return -ENOMEM;
	rc = etcd_call(e, "/v3/lease/keepalive", req, &resp, d);
	json_decref(req);
	/* an expired lease is renewed to a TTL of 0 (left out by proto3) */
	if (!rc && etcd_int(json_object_get(resp, "result"), "TTL") <= 0)
		rc = -ENOENT;
	json_decref(resp);
	return rc;
}

int etcd_lease_revoke(struct etcd *e, int64_t id, struct diags *d)
{
	json_t *req = json_pack("{s:I}", "ID", (json_int_t)id), *resp = NULL;
	int rc;

	if (!req)
		return -ENOMEM;
	rc = etcd_call(e, "/v3/lease/revoke", req, &resp, d);
	json_decref(req);
	json_decref(resp);
	return rc;
}
