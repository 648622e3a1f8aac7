// SPDX-License-Identifier: GPL-2.0-or-later
/* The fleet's policy epochs and host reports in etcd (see fleet.h). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "zonewall/fleet.h"

#define FLEET_KEY_MAX 512
#define FLEET_PIECE_KEY_MAX (FLEET_KEY_MAX + 80)	/* BASE/DIGEST/NNNNNN */

bool fleet_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n && n < 64 && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				      "0123456789._-") == n && s[0] != '.';
}

static void fleet_copy(char *dst, size_t size, const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	snprintf(dst, size, "%s", s ? s : "");
}

/* The record @text (of key @key) into @ep. */
int fleet_epoch_parse(const char *text, size_t len, const char *key, struct fleet_epoch *ep,
		      bool need_epoch, struct diags *d)
{
	json_t *j = json_loadb(text, len, 0, NULL);
	json_int_t epoch = 0, size = 0, chunks = 0;
	const char *digest = NULL;

	memset(ep, 0, sizeof(*ep));
	if (!j || json_unpack(j, "{s?I, s:s, s:I, s:I}", "epoch", &epoch, "digest", &digest,
			      "size", &size, "chunks", &chunks) ||
	    epoch < (need_epoch ? 1 : 0) || size < 0 || chunks < 0 || chunks > 100000 ||
	    strlen(digest) != SHA256_HEX_LEN - 1) {
		diag_add(d, key, "not a %s record (%sdigest, size, chunks)",
			 need_epoch ? "policy epoch" : "proposal", need_epoch ? "epoch, " : "");
		json_decref(j);
		return -EPROTO;
	}
	ep->epoch = (uint64_t)epoch;
	strcpy(ep->digest, digest);
	ep->size = (uint64_t)size;
	ep->chunks = (unsigned int)chunks;
	fleet_copy(ep->pushed_at, sizeof(ep->pushed_at), j, "pushed_at");
	fleet_copy(ep->pushed_by, sizeof(ep->pushed_by), j, "pushed_by");
	fleet_copy(ep->commit, sizeof(ep->commit), j, "commit");
	json_decref(j);
	return 0;
}

static char *fleet_epoch_json(const struct fleet_epoch *ep)
{
	json_t *j = json_pack("{s:I, s:s, s:I, s:i, s:s, s:s}", "epoch", (json_int_t)ep->epoch,
			      "digest", ep->digest, "size", (json_int_t)ep->size,
			      "chunks", (int)ep->chunks, "pushed_at", ep->pushed_at,
			      "pushed_by", ep->pushed_by);
	char *s;

	if (j && ep->commit[0] && json_object_set_new(j, "commit", json_string(ep->commit))) {
		json_decref(j);
		return NULL;
	}
	s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(j);
	return s;
}

int fleet_epoch_current(struct etcd *e, const char *prefix, struct fleet_epoch *ep,
			int64_t *mod_rev, struct diags *d)
{
	char key[FLEET_KEY_MAX];
	struct etcd_kvs kvs;
	int rc;

	memset(ep, 0, sizeof(*ep));
	*mod_rev = 0;
	snprintf(key, sizeof(key), "%s/policy/current", prefix);
	rc = etcd_get(e, key, false, &kvs, d);
	if (rc)
		return rc;
	if (!kvs.n) {
		rc = -ENOENT;
	} else {
		rc = fleet_epoch_parse(kvs.v[0].value, kvs.v[0].value_len, key, ep, true, d);
		*mod_rev = kvs.v[0].mod_rev;
	}
	etcd_kvs_free(&kvs);
	return rc;
}

/* The pieces of @text under BASE/DIGEST/ (BASE: PREFIX/policy/blob, or a
 * host's PREFIX/proposals/HOST). */
static int fleet_blob_put(struct etcd *e, const char *base, const char *digest,
			  const char *text, size_t len, unsigned int *chunks, struct diags *d)
{
	char key[FLEET_PIECE_KEY_MAX];
	unsigned int i = 0;
	int rc = 0;

	for (size_t off = 0; !rc && (off < len || !i); off += FLEET_CHUNK, i++) {
		struct etcd_put p = { key, text + off, len - off < FLEET_CHUNK ? len - off : FLEET_CHUNK, 0 };

		snprintf(key, sizeof(key), "%s/%s/%06u", base, digest, i);
		rc = etcd_put(e, &p, d);
	}
	*chunks = i;
	return rc;
}

int fleet_policy_push(struct etcd *e, const char *prefix, const char *text, size_t len,
		      struct fleet_epoch *ep, struct diags *d)
{
	char cur_key[FLEET_KEY_MAX], ep_key[FLEET_KEY_MAX], *rec;
	struct fleet_epoch cur;
	int64_t mod_rev;
	int rc;

	rc = fleet_epoch_current(e, prefix, &cur, &mod_rev, d);
	if (rc && rc != -ENOENT)
		return rc;
	sha256_hex(text, len, ep->digest);
	if (!rc && !strcmp(cur.digest, ep->digest)) {
		*ep = cur;
		return -EALREADY;
	}
	ep->epoch = cur.epoch + 1;
	ep->size = len;
	snprintf(cur_key, sizeof(cur_key), "%s/policy/blob", prefix);
	rc = fleet_blob_put(e, cur_key, ep->digest, text, len, &ep->chunks, d);
	if (rc)
		return rc;
	rec = fleet_epoch_json(ep);
	if (!rec)
		return -ENOMEM;
	snprintf(cur_key, sizeof(cur_key), "%s/policy/current", prefix);
	snprintf(ep_key, sizeof(ep_key), "%s/policy/epochs/%010" PRIu64, prefix, ep->epoch);
	{
		const struct etcd_put ops[] = {
			{ cur_key, rec, strlen(rec), 0 },
			{ ep_key, rec, strlen(rec), 0 },
		};

		rc = etcd_txn_if(e, cur_key, mod_rev, ops, 2, d);
	}
	free(rec);
	return rc;
}

/* Piece @i of @ep's policy appended to @t at *@n (one range per piece: an
 * answer stays small whatever the policy's size). */
static int fleet_piece_get(struct etcd *e, const char *base, const struct fleet_epoch *ep,
			   unsigned int i, char *t, size_t *n, struct diags *d)
{
	char key[FLEET_PIECE_KEY_MAX];
	struct etcd_kvs kvs;
	int rc;

	snprintf(key, sizeof(key), "%s/%s/%06u", base, ep->digest, i);
	rc = etcd_get(e, key, false, &kvs, d);
	if (rc)
		return rc;
	if (kvs.n != 1 || *n + kvs.v[0].value_len > ep->size) {
		diag_add(d, key, "not whole: piece %u of %u %s", i + 1, ep->chunks,
			 kvs.n ? "is longer than the record says" : "is missing");
		rc = -EPROTO;
	} else {
		memcpy(t + *n, kvs.v[0].value, kvs.v[0].value_len);
		*n += kvs.v[0].value_len;
	}
	etcd_kvs_free(&kvs);
	return rc;
}

/* The pieces of @ep's policy, joined and checked against its digest. */
static int fleet_blob_get(struct etcd *e, const char *base, const struct fleet_epoch *ep,
			  char **text, size_t *len, struct diags *d)
{
	char hex[SHA256_HEX_LEN];
	char *t = malloc(ep->size + 1);
	size_t n = 0;
	int rc = t ? 0 : -ENOMEM;

	for (unsigned int i = 0; !rc && i < ep->chunks; i++)
		rc = fleet_piece_get(e, base, ep, i, t, &n, d);
	if (!rc) {
		t[n] = '\0';
		sha256_hex(t, n, hex);
		if (n != ep->size || strcmp(hex, ep->digest)) {
			diag_add(d, base, "%s is not whole: %s", ep->epoch ? "the policy" : "the proposal",
				 n != ep->size ? "shorter than its record says" : "its digest differs");
			rc = -EPROTO;
		}
	}
	if (rc) {
		free(t);
		return rc;
	}
	*text = t;
	*len = n;
	return 0;
}

int fleet_policy_fetch(struct etcd *e, const char *prefix, struct fleet_epoch *ep,
		       char **text, size_t *len, struct diags *d)
{
	char base[FLEET_KEY_MAX];
	int64_t mod_rev;
	int rc;

	*text = NULL;
	*len = 0;
	rc = fleet_epoch_current(e, prefix, ep, &mod_rev, d);
	snprintf(base, sizeof(base), "%s/policy/blob", prefix);
	return rc ? rc : fleet_blob_get(e, base, ep, text, len, d);
}

int fleet_policy_fetch_epoch(struct etcd *e, const char *prefix, uint64_t epoch,
			     struct fleet_epoch *ep, char **text, size_t *len, struct diags *d)
{
	char key[FLEET_KEY_MAX];
	struct etcd_kvs kvs;
	int rc;

	*text = NULL;
	*len = 0;
	snprintf(key, sizeof(key), "%s/policy/epochs/%010" PRIu64, prefix, epoch);
	rc = etcd_get(e, key, false, &kvs, d);
	if (rc)
		return rc;
	rc = kvs.n ? fleet_epoch_parse(kvs.v[0].value, kvs.v[0].value_len, key, ep, true, d)
		   : -ENOENT;
	etcd_kvs_free(&kvs);
	if (rc)
		return rc;
	snprintf(key, sizeof(key), "%s/policy/blob", prefix);
	return fleet_blob_get(e, key, ep, text, len, d);
}

int fleet_host_parse(const struct etcd_kv *kv, struct fleet_host *h, struct diags *d)
{
	json_t *j = json_loadb(kv->value, kv->value_len, 0, NULL);
	json_int_t epoch = 0, endpoints = 0, pid = 0;

	memset(h, 0, sizeof(*h));
	if (!j || json_unpack(j, "{s?I, s?I, s?I}", "epoch", &epoch, "endpoints", &endpoints,
			      "pid", &pid) || !json_is_string(json_object_get(j, "host")) ||
	    epoch < 0 || endpoints < 0) {
		diag_add(d, kv->key, "not a host report; skipped");
		json_decref(j);
		return -EPROTO;
	}
	fleet_copy(h->host, sizeof(h->host), j, "host");
	fleet_copy(h->mode, sizeof(h->mode), j, "mode");
	fleet_copy(h->state, sizeof(h->state), j, "state");
	fleet_copy(h->digest, sizeof(h->digest), j, "digest");
	fleet_copy(h->seen, sizeof(h->seen), j, "seen");
	h->epoch = (uint64_t)epoch;
	h->endpoints = (uint64_t)endpoints;
	h->pid = pid;
	json_decref(j);
	return 0;
}

int fleet_hosts_list(struct etcd *e, const char *prefix, struct fleet_host **v, size_t *n,
		     struct diags *d)
{
	char key[FLEET_KEY_MAX];
	struct etcd_kvs kvs;
	int rc;

	*v = NULL;
	*n = 0;
	snprintf(key, sizeof(key), "%s/hosts/", prefix);
	rc = etcd_get(e, key, true, &kvs, d);
	if (rc)
		return rc;
	*v = calloc(kvs.n ? kvs.n : 1, sizeof(**v));
	if (!*v) {
		etcd_kvs_free(&kvs);
		return -ENOMEM;
	}
	for (size_t i = 0; i < kvs.n; i++)	/* etcd sorts by key: by host */
		if (!fleet_host_parse(&kvs.v[i], &(*v)[*n], d))
			(*n)++;
	etcd_kvs_free(&kvs);
	return 0;
}

int fleet_host_publish(struct etcd *e, const char *prefix, const struct fleet_host *h,
		       int64_t lease, struct diags *d)
{
	char key[FLEET_KEY_MAX], *s;
	json_t *j = json_pack("{s:s, s:s, s:s, s:I, s:s, s:I, s:s, s:I}", "host", h->host,
			      "mode", h->mode, "state", h->state, "epoch", (json_int_t)h->epoch,
			      "digest", h->digest, "endpoints", (json_int_t)h->endpoints,
			      "seen", h->seen, "pid", (json_int_t)h->pid);
	int rc;

	s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(j);
	if (!s)
		return -ENOMEM;
	snprintf(key, sizeof(key), "%s/hosts/%s", prefix, h->host);
	{
		struct etcd_put p = { key, s, strlen(s), lease };

		rc = etcd_put(e, &p, d);
	}
	free(s);
	return rc;
}

/* --- learned proposals, one per host ------------------------------------------ */

/* A host's proposal record (PREFIX/proposals/HOST/current) into @ep. */
static int fleet_proposal_current(struct etcd *e, const char *base, struct fleet_epoch *ep,
				  struct diags *d)
{
	char key[FLEET_KEY_MAX + 16];
	struct etcd_kvs kvs;
	int rc;

	memset(ep, 0, sizeof(*ep));
	snprintf(key, sizeof(key), "%s/current", base);
	rc = etcd_get(e, key, false, &kvs, d);
	if (rc)
		return rc;
	rc = kvs.n ? fleet_epoch_parse(kvs.v[0].value, kvs.v[0].value_len, key, ep, false, d)
		   : -ENOENT;
	etcd_kvs_free(&kvs);
	return rc;
}

int fleet_proposal_push(struct etcd *e, const char *prefix, const char *host, const char *text,
			size_t len, const char *when, struct diags *d)
{
	char base[FLEET_KEY_MAX], key[FLEET_KEY_MAX + 16], old[FLEET_PIECE_KEY_MAX], *rec;
	struct fleet_epoch cur, ep = { 0 };
	int rc;

	snprintf(base, sizeof(base), "%s/proposals/%s", prefix, host);
	rc = fleet_proposal_current(e, base, &cur, d);
	if (rc && rc != -ENOENT && rc != -EPROTO)
		return rc;
	sha256_hex(text, len, ep.digest);
	if (!rc && !strcmp(cur.digest, ep.digest))
		return -EALREADY;
	ep.size = len;
	snprintf(ep.pushed_at, sizeof(ep.pushed_at), "%s", when);
	snprintf(ep.pushed_by, sizeof(ep.pushed_by), "%s", host);
	rc = fleet_blob_put(e, base, ep.digest, text, len, &ep.chunks, d);
	if (rc)
		return rc;
	rec = fleet_epoch_json(&ep);
	if (!rec)
		return -ENOMEM;
	snprintf(key, sizeof(key), "%s/current", base);
	{
		struct etcd_put p = { key, rec, strlen(rec), 0 };

		rc = etcd_put(e, &p, d);
	}
	free(rec);
	if (!rc && cur.digest[0]) {	/* the pieces nothing names any more */
		snprintf(old, sizeof(old), "%s/%s/", base, cur.digest);
		rc = etcd_delete(e, old, true, d);
	}
	return rc;
}

void fleet_docs_free(struct fleet_doc *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].text);
	free(v);
}

int fleet_proposals_fetch(struct etcd *e, const char *prefix, struct fleet_doc **out, size_t *n,
			  struct diags *d)
{
	char key[FLEET_KEY_MAX], base[FLEET_KEY_MAX];
	struct fleet_doc *v = NULL;
	struct etcd_kvs kvs;
	size_t plen, m = 0;
	int rc;

	*out = NULL;
	*n = 0;
	plen = (size_t)snprintf(key, sizeof(key), "%s/proposals/", prefix);
	rc = etcd_range(e, key, true, true, &kvs, d);
	if (rc)
		return rc;
	v = calloc(kvs.n ? kvs.n : 1, sizeof(*v));
	for (size_t i = 0; v && !rc && i < kvs.n; i++) {
		const char *h = kvs.v[i].key + plen;
		size_t hl = strcspn(h, "/");
		struct fleet_epoch ep;

		if (strcmp(h + hl, "/current") || hl >= sizeof(v[m].host))
			continue;
		snprintf(v[m].host, sizeof(v[m].host), "%.*s", (int)hl, h);
		snprintf(base, sizeof(base), "%s/proposals/%s", prefix, v[m].host);
		rc = fleet_proposal_current(e, base, &ep, d);
		if (!rc)
			rc = fleet_blob_get(e, base, &ep, &v[m].text, &v[m].len, d);
		if (rc == -EPROTO || rc == -ENOENT) {	/* that host's is skipped, named in @d */
			rc = 0;
		} else if (!rc) {
			snprintf(v[m].pushed_at, sizeof(v[m].pushed_at), "%s", ep.pushed_at);
			m++;
		}
	}
	etcd_kvs_free(&kvs);
	if (!v)
		return -ENOMEM;
	if (rc) {
		fleet_docs_free(v, m);
		return rc;
	}
	*out = v;
	*n = m;
	return 0;
}
