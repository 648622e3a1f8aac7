/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_ETCD_INT_H
#define ZONEWALL_ETCD_INT_H

/* What etcd.c (requests) and etcd-watch.c (streams) share. */

#include <stdbool.h>
#include <stdint.h>
#include <curl/curl.h>
#include <jansson.h>

#include "zonewall/etcd.h"

#define ETCD_WATCHES_MAX 4

struct etcd {
	struct etcd_conf c;
	CURL *curl;		/* requests, one at a time */
	CURLM *multi;		/* the watches' streams, and the wakeup of etcd_wait() */
	struct etcd_watch *watches[ETCD_WATCHES_MAX];
	size_t cur;		/* the endpoint that answered last: tried first */
	char token[512];	/* "" until authenticated */
};

/* int64 fields come as JSON strings from the gateway; 0 when absent */
int64_t etcd_int(const json_t *o, const char *key);
bool etcd_tls(const struct etcd *e);
/* @p[0..@n) as a base64 JSON string (NULL: out of memory) */
json_t *etcd_b64(const void *p, size_t n);
/* {"key": .., ["range_end": ..]} for @key */
json_t *etcd_key_req(const char *key, bool prefix);
/* a kv of an answer (base64 key and value, string revisions) into @kv */
int etcd_kv_fill(struct etcd_kv *kv, const json_t *j);
/* a token for the configured user into e->token */
int etcd_auth(struct etcd *e, struct diags *d);
/* etcd's refusal (a gRPC status in JSON) as -errno, recorded at @where */
int etcd_refusal(const char *body, long http, const char *where, struct diags *d);
/* the TLS files of @e's configuration on handle @h */
void etcd_tls_setup(const struct etcd *e, CURL *h);
/* close the watch streams (etcd_close()) */
void etcd_watches_close(struct etcd *e);

#endif
