// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Workload identity: records, identity rules, and the address index with
 * per-address history.  Pure: no I/O, no logging.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <sys/types.h>

#include "zonewall/identity.h"

/* --- addresses ------------------------------------------------------------------ */

int id_addr_parse(const char *text, struct id_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (!text)
		return -EINVAL;
	if (inet_pton(AF_INET, text, out->a) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, out->a) == 1) {
		out->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

const char *id_addr_format(const struct id_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family, a->a, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

static bool id_addr_eq(const struct id_addr *x, const struct id_addr *y)
{
	return x->family == y->family && !memcmp(x->a, y->a, sizeof(x->a));
}

/* FNV-1a over family and bytes: addresses are not attacker-chosen keys here
 * (the runtime assigns them), so a simple hash is enough. */
static size_t id_addr_hash(const struct id_addr *a)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	h = (h ^ (unsigned int)a->family) * 1099511628211ULL;
	for (i = 0; i < sizeof(a->a); i++)
		h = (h ^ a->a[i]) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 29));
}

/* --- workload records ---------------------------------------------------------- */

struct id_workload *id_workload_new(void)
{
	struct id_workload *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->refs = 1;
	return w;
}

struct id_workload *id_workload_get(struct id_workload *w)
{
	if (w)
		w->refs++;
	return w;
}

void id_workload_put(struct id_workload *w)
{
	size_t i;

	if (!w || --w->refs > 0)
		return;
	free(w->id);
	free(w->name);
	free(w->image);
	free(w->state);
	free(w->runtime);
	free(w->pidfile);
	for (i = 0; i < w->n_labels; i++) {
		free(w->labels[i].key);
		free(w->labels[i].value);
	}
	free(w->labels);
	for (i = 0; i < w->n_nets; i++) {
		free(w->nets[i].name);
		free(w->nets[i].net_id);
	}
	free(w->nets);
	free(w->identity);
	free(w->zone);
	free(w);
}

int id_workload_set(char **field, const char *value)
{
	char *s = strdup(value ? value : "");

	if (!s)
		return -ENOMEM;
	free(*field);
	*field = s;
	return 0;
}

int id_workload_add_label(struct id_workload *w, const char *key, const char *value)
{
	struct id_label *v;
	char *k, *val;
	size_t i;

	for (i = 0; i < w->n_labels; i++)
		if (!strcmp(w->labels[i].key, key))
			return id_workload_set(&w->labels[i].value, value);
	k = strdup(key);
	val = strdup(value ? value : "");
	v = realloc(w->labels, (w->n_labels + 1) * sizeof(*v));
	if (!k || !val || !v) {
		free(k);
		free(val);
		if (v)
			w->labels = v;
		return -ENOMEM;
	}
	w->labels = v;
	v[w->n_labels].key = k;
	v[w->n_labels].value = val;
	w->n_labels++;
	return 0;
}

struct id_net *id_workload_add_net(struct id_workload *w, const char *name)
{
	struct id_net *v, *n;
	char *s = strdup(name ? name : "");

	if (!s)
		return NULL;
	v = realloc(w->nets, (w->n_nets + 1) * sizeof(*v));
	if (!v) {
		free(s);
		return NULL;
	}
	w->nets = v;
	n = &v[w->n_nets++];
	memset(n, 0, sizeof(*n));
	n->name = s;
	return n;
}

static int id_label_cmp(const void *a, const void *b)
{
	return strcmp(((const struct id_label *)a)->key, ((const struct id_label *)b)->key);
}

static int id_net_cmp(const void *a, const void *b)
{
	return strcmp(((const struct id_net *)a)->name, ((const struct id_net *)b)->name);
}

void id_workload_sort(struct id_workload *w)
{
	if (w->n_labels > 1)
		qsort(w->labels, w->n_labels, sizeof(*w->labels), id_label_cmp);
	if (w->n_nets > 1)
		qsort(w->nets, w->n_nets, sizeof(*w->nets), id_net_cmp);
}

const char *id_workload_label(const struct id_workload *w, const char *key)
{
	size_t i;

	for (i = 0; i < w->n_labels; i++)
		if (!strcmp(w->labels[i].key, key))
			return w->labels[i].value;
	return NULL;
}

/* --- rules ------------------------------------------------------------------------- */

static const char *const id_churn_labels[] = {
	"pod-template-hash",
	"controller-revision-hash",
	"statefulset.kubernetes.io/pod-name",
	"pod-template-generation",
	"apps.kubernetes.io/pod-index",
	"batch.kubernetes.io/controller-uid",
	"batch.kubernetes.io/job-name",
	"controller-uid",
	"job-name",
	"io.kubernetes.pod.uid",
	"io.kubernetes.pod.name",
	"io.kubernetes.container.restartCount",
	"com.docker.compose.container-number",
	"com.docker.compose.config-hash",
	"com.docker.compose.replace",
	"com.docker.compose.oneoff",
	"io.podman.annotations.pod-id",
	NULL,
};

bool id_label_is_churn(const char *key)
{
	const char *const *c;

	for (c = id_churn_labels; *c; c++)
		if (!strcmp(*c, key))
			return true;
	return false;
}

static void id_rule_clear(struct id_rule *r)
{
	free(r->arg);
	free(r->text);
	r->arg = r->text = NULL;
}

void id_rules_free(struct id_rules *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++)
		id_rule_clear(&r->v[i]);
	for (i = 0; i < r->n_net_zones; i++) {
		free(r->net_zones[i].network);
		free(r->net_zones[i].zone);
	}
	free(r->net_zones);
	free(r->zone_label);
	free(r->default_zone);
	memset(r, 0, sizeof(*r));
}

/* Parse one rule name into @out.  Return: 0, -EINVAL or -ENOMEM. */
static int id_rule_parse(const char *name, struct id_rule *out, char *err, size_t errlen, size_t i)
{
	static const struct { const char *name; enum id_rule_kind kind; } kinds[] = {
		{ "compose", ID_RULE_COMPOSE }, { "kubernetes", ID_RULE_KUBERNETES },
		{ "image", ID_RULE_IMAGE }, { "name", ID_RULE_NAME },
	};
	size_t k;

	memset(out, 0, sizeof(*out));
	if (!strncmp(name, "label:", 6)) {
		if (!name[6]) {
			snprintf(err, errlen, "rule %zu: 'label:' needs a label key", i);
			return -EINVAL;
		}
		if (id_label_is_churn(name + 6)) {
			snprintf(err, errlen, "rule %zu: label '%s' changes with every rollout and cannot name a workload",
				 i, name + 6);
			return -EINVAL;
		}
		out->kind = ID_RULE_LABEL;
		out->arg = strdup(name + 6);
	} else {
		for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
			if (!strcmp(name, kinds[k].name))
				break;
		if (k == sizeof(kinds) / sizeof(kinds[0])) {
			snprintf(err, errlen, "rule %zu: unknown rule '%s' (label:KEY, compose, kubernetes, image or name)",
				 i, name);
			return -EINVAL;
		}
		out->kind = kinds[k].kind;
	}
	out->text = strdup(name);
	if (!out->text || (out->kind == ID_RULE_LABEL && !out->arg)) {
		id_rule_clear(out);
		return -ENOMEM;
	}
	return 0;
}

int id_rules_set_order(struct id_rules *r, const char *const *names, size_t n,
		       char *err, size_t errlen)
{
	struct id_rule v[ID_RULES_MAX];
	size_t i, j;
	int e;

	if (n == 0 || n > ID_RULES_MAX) {
		snprintf(err, errlen, "between 1 and %d rules, not %zu", ID_RULES_MAX, n);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		e = id_rule_parse(names[i], &v[i], err, errlen, i);
		if (e) {
			while (i-- > 0)
				id_rule_clear(&v[i]);
			return e;
		}
	}
	for (j = 0; j < r->n; j++)
		id_rule_clear(&r->v[j]);
	memcpy(r->v, v, n * sizeof(v[0]));
	r->n = n;
	return 0;
}

int id_rules_add_network_zone(struct id_rules *r, const char *network, const char *zone)
{
	struct id_net_zone *v = realloc(r->net_zones, (r->n_net_zones + 1) * sizeof(*v));
	char *n, *z;

	if (!v)
		return -ENOMEM;
	r->net_zones = v;
	n = strdup(network);
	z = strdup(zone);
	if (!n || !z) {
		free(n);
		free(z);
		return -ENOMEM;
	}
	v[r->n_net_zones].network = n;
	v[r->n_net_zones].zone = z;
	r->n_net_zones++;
	return 0;
}

int id_rules_set_default_zone(struct id_rules *r, const char *zone)
{
	return id_workload_set(&r->default_zone, zone);
}

int id_rules_init(struct id_rules *r)
{
	static const char *const order[] = {
		"label:zonewall.identity", "compose", "kubernetes", "image", "name",
	};
	char err[128];

	memset(r, 0, sizeof(*r));
	if (id_rules_set_order(r, order, 5, err, sizeof(err)) ||
	    id_workload_set(&r->zone_label, "zonewall.zone") ||
	    id_workload_set(&r->default_zone, "default")) {
		id_rules_free(r);
		return -ENOMEM;
	}
	return 0;
}

/* Does @s look like an image id (64 hex digits, maybe "sha256:"-prefixed)? */
static bool id_is_image_id(const char *s)
{
	size_t n = 0;

	if (!strncmp(s, "sha256:", 7))
		return true;
	while (isxdigit((unsigned char)s[n]))
		n++;
	return n == 64 && !s[n];
}

char *id_image_repository(const char *image)
{
	const char *slash, *colon, *p = image;
	size_t len;

	if (!image || !*image || id_is_image_id(image))
		return NULL;
	if (!strncmp(p, "docker.io/", 10))
		p += 10;
	else if (!strncmp(p, "index.docker.io/", 16))
		p += 16;
	if (!strncmp(p, "library/", 8) && strchr(p + 8, '/') == NULL)
		p += 8;
	len = strcspn(p, "@");		/* digest */
	slash = memrchr(p, '/', len);
	colon = memrchr(p, ':', len);
	if (colon && (!slash || colon > slash))	/* a tag, not a registry port */
		len = (size_t)(colon - p);
	if (len == 0)
		return NULL;
	return strndup(p, len);
}

char *id_name_base(const char *name)
{
	size_t len, end;

	if (!name)
		name = "";
	if (*name == '/')
		name++;
	len = end = strlen(name);
	while (end > 0 && isdigit((unsigned char)name[end - 1]))
		end--;
	/* strip "-N", "_N" or ".N", but never the whole name */
	if (end < len && end > 1 && strchr("-_.", name[end - 1]))
		len = end - 1;
	return strndup(name, len);
}

/* The identity one rule gives @w, or NULL when it does not apply (errno 0)
 * or memory ran out (errno ENOMEM). */
static char *id_rule_apply(const struct id_rule *r, const struct id_workload *w)
{
	const char *a, *b;
	char *s;

	errno = 0;
	switch (r->kind) {
	case ID_RULE_LABEL:
		a = id_workload_label(w, r->arg);
		return a && *a ? strdup(a) : NULL;
	case ID_RULE_COMPOSE:
		a = id_workload_label(w, "com.docker.compose.project");
		b = id_workload_label(w, "com.docker.compose.service");
		if (!b || !*b)
			return NULL;
		if (!a || !*a)
			return strdup(b);
		if (asprintf(&s, "%s/%s", a, b) < 0) {
			errno = ENOMEM;
			return NULL;
		}
		return s;
	case ID_RULE_KUBERNETES:
		a = id_workload_label(w, "app.kubernetes.io/name");
		if (!a || !*a)
			a = id_workload_label(w, "app");
		return a && *a ? strdup(a) : NULL;
	case ID_RULE_IMAGE:
		return id_image_repository(w->image);
	case ID_RULE_NAME:
		return w->name && *w->name ? id_name_base(w->name) : NULL;
	}
	return NULL;
}

static int id_resolve_zone(const struct id_rules *r, struct id_workload *w)
{
	const char *z = r->zone_label ? id_workload_label(w, r->zone_label) : NULL;
	size_t i, j;

	w->zone_source = "label";
	if (!z || !*z) {
		z = NULL;
		/* networks are sorted by name, so the answer does not depend on
		 * the order the runtime listed them in */
		for (i = 0; i < w->n_nets && !z; i++)
			for (j = 0; j < r->n_net_zones && !z; j++)
				if (!strcmp(w->nets[i].name, r->net_zones[j].network))
					z = r->net_zones[j].zone;
		w->zone_source = "network";
	}
	if (!z) {
		z = r->default_zone ? r->default_zone : "default";
		w->zone_source = "default";
	}
	return id_workload_set(&w->zone, z);
}

int id_resolve(const struct id_rules *r, struct id_workload *w)
{
	char *ident = NULL;
	size_t i;

	for (i = 0; i < r->n && !ident; i++) {
		ident = id_rule_apply(&r->v[i], w);
		if (!ident && errno == ENOMEM)
			return -ENOMEM;
		if (ident)
			w->identity_rule = r->v[i].text;
	}
	if (!ident) {
		ident = strdup(w->id ? w->id : "");
		w->identity_rule = "id";
		if (!ident)
			return -ENOMEM;
	}
	free(w->identity);
	w->identity = ident;
	return id_resolve_zone(r, w);
}

/* --- JSON rows ----------------------------------------------------------------------- */

static json_t *id_str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

json_t *id_workload_json(const struct id_workload *w)
{
	json_t *o = json_object(), *v4 = json_array(), *v6 = json_array(),
	       *nets = json_array(), *macs = json_array(), *veths = json_array(),
	       *brs = json_array(), *labels = json_object();
	char shortid[13];
	size_t i;

	if (!o || !v4 || !v6 || !nets || !macs || !veths || !brs || !labels)
		goto out_free;
	for (i = 0; i < w->n_nets; i++) {
		const struct id_net *n = &w->nets[i];

		json_array_append_new(nets, json_string(n->name));
		if (*n->ipv4)
			json_array_append_new(v4, json_string(n->ipv4));
		if (*n->ipv6)
			json_array_append_new(v6, json_string(n->ipv6));
		if (*n->mac)
			json_array_append_new(macs, json_string(n->mac));
		if (*n->veth)
			json_array_append_new(veths, json_string(n->veth));
		if (*n->bridge)
			json_array_append_new(brs, json_string(n->bridge));
	}
	for (i = 0; i < w->n_labels; i++)
		json_object_set_new(labels, w->labels[i].key, json_string(w->labels[i].value));
	snprintf(shortid, sizeof(shortid), "%s", w->id ? w->id : "");
	json_object_set_new(o, "id", id_str_or_null(shortid));
	json_object_set_new(o, "full_id", id_str_or_null(w->id));
	json_object_set_new(o, "name", id_str_or_null(w->name));
	json_object_set_new(o, "identity", id_str_or_null(w->identity));
	json_object_set_new(o, "identity_rule", id_str_or_null(w->identity_rule));
	json_object_set_new(o, "zone", id_str_or_null(w->zone));
	json_object_set_new(o, "zone_source", id_str_or_null(w->zone_source));
	json_object_set_new(o, "image", id_str_or_null(w->image));
	json_object_set_new(o, "ipv4", v4);
	json_object_set_new(o, "ipv6", v6);
	json_object_set_new(o, "networks", nets);
	json_object_set_new(o, "mac", macs);
	json_object_set_new(o, "veth", veths);
	json_object_set_new(o, "bridge", brs);
	json_object_set_new(o, "state", id_str_or_null(w->state));
	json_object_set_new(o, "pid", w->pid > 0 ? json_integer(w->pid) : json_null());
	json_object_set_new(o, "runtime", id_str_or_null(w->runtime));
	json_object_set_new(o, "labels", labels);
	return o;

out_free:
	json_decref(o);
	json_decref(v4);
	json_decref(v6);
	json_decref(nets);
	json_decref(macs);
	json_decref(veths);
	json_decref(brs);
	json_decref(labels);
	return NULL;
}

/* --- the index ------------------------------------------------------------------------ */

struct id_hold {
	struct id_workload *w;	/* a reference */
	int64_t from, until;	/* [from, until); until 0 while held */
};

struct id_slot {
	struct id_slot *next;
	struct id_addr addr;
	struct id_hold h[ID_ADDR_HISTORY];	/* newest first */
	unsigned int n;
};

struct id_index {
	const struct id_rules *rules;
	struct id_workload **wl;	/* references, sorted by name then id */
	size_t n_wl, cap_wl, max_wl;
	struct id_slot **buckets;
	size_t n_buckets, n_addrs, max_addrs;
	id_notify_fn notify;
	void *notify_ctx;
	int64_t stale_since;
};

struct id_index *id_index_new(const struct id_rules *rules, size_t max_addrs,
			      size_t max_workloads)
{
	struct id_index *idx = calloc(1, sizeof(*idx));

	if (!idx)
		return NULL;
	idx->rules = rules;
	idx->max_addrs = max_addrs ? max_addrs : 1;
	idx->max_wl = max_workloads ? max_workloads : 1;
	idx->n_buckets = 64;
	while (idx->n_buckets < idx->max_addrs / 2 && idx->n_buckets < (1u << 20))
		idx->n_buckets <<= 1;
	idx->buckets = calloc(idx->n_buckets, sizeof(*idx->buckets));
	if (!idx->buckets) {
		free(idx);
		return NULL;
	}
	return idx;
}

static void id_slot_free(struct id_slot *s)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		id_workload_put(s->h[i].w);
	free(s);
}

void id_index_free(struct id_index *idx)
{
	struct id_slot *s, *next;
	size_t i;

	if (!idx)
		return;
	for (i = 0; i < idx->n_buckets; i++)
		for (s = idx->buckets[i]; s; s = next) {
			next = s->next;
			id_slot_free(s);
		}
	for (i = 0; i < idx->n_wl; i++)
		id_workload_put(idx->wl[i]);
	free(idx->wl);
	free(idx->buckets);
	free(idx);
}

void id_index_set_notify(struct id_index *idx, id_notify_fn fn, void *ctx)
{
	idx->notify = fn;
	idx->notify_ctx = ctx;
}

static struct id_slot *id_slot_find(const struct id_index *idx, const struct id_addr *a)
{
	struct id_slot *s = idx->buckets[id_addr_hash(a) & (idx->n_buckets - 1)];

	while (s && !id_addr_eq(&s->addr, a))
		s = s->next;
	return s;
}

/* Forget the address whose last holder left longest ago.  Return: 0 or -ENOSPC. */
static int id_slot_evict(struct id_index *idx)
{
	struct id_slot **best = NULL, **pp, *s;
	size_t i;

	for (i = 0; i < idx->n_buckets; i++)
		for (pp = &idx->buckets[i]; *pp; pp = &(*pp)->next) {
			s = *pp;
			if (s->n && s->h[0].until == 0)
				continue;	/* still held */
			if (!best || s->n == 0 || s->h[0].until < (*best)->h[0].until)
				best = pp;
		}
	if (!best)
		return -ENOSPC;
	s = *best;
	*best = s->next;
	id_slot_free(s);
	idx->n_addrs--;
	return 0;
}

static struct id_slot *id_slot_get(struct id_index *idx, const struct id_addr *a, int *err)
{
	struct id_slot *s = id_slot_find(idx, a);
	size_t b;

	*err = 0;
	if (s)
		return s;
	if (idx->n_addrs >= idx->max_addrs && (*err = id_slot_evict(idx)))
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		*err = -ENOMEM;
		return NULL;
	}
	s->addr = *a;
	b = id_addr_hash(a) & (idx->n_buckets - 1);
	s->next = idx->buckets[b];
	idx->buckets[b] = s;
	idx->n_addrs++;
	return s;
}

/* The addresses of @w, parsed (at most 2 per network). */
static size_t id_workload_addrs(const struct id_workload *w, struct id_addr *out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < w->n_nets && n + 2 <= max; i++) {
		if (*w->nets[i].ipv4 && !id_addr_parse(w->nets[i].ipv4, &out[n]))
			n++;
		if (*w->nets[i].ipv6 && !id_addr_parse(w->nets[i].ipv6, &out[n]))
			n++;
	}
	return n;
}

static bool id_addr_in(const struct id_addr *a, const struct id_addr *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (id_addr_eq(a, &v[i]))
			return true;
	return false;
}

static bool id_same_workload(const struct id_workload *a, const struct id_workload *b)
{
	return a && b && a->id && b->id && !strcmp(a->id, b->id);
}

static void id_release(struct id_index *idx, const struct id_addr *a,
		       const struct id_workload *w, int64_t t)
{
	struct id_slot *s = id_slot_find(idx, a);

	if (s && s->n && s->h[0].until == 0 && id_same_workload(s->h[0].w, w))
		s->h[0].until = t > s->h[0].from ? t : s->h[0].from + 1;
}

static int id_hold(struct id_index *idx, const struct id_addr *a, struct id_workload *w,
		   int64_t from, int64_t t)
{
	struct id_slot *s;
	int err;

	s = id_slot_get(idx, a, &err);
	if (!s)
		return err;
	if (s->n && s->h[0].until == 0) {
		if (id_same_workload(s->h[0].w, w)) {	/* still ours: newer record */
			id_workload_put(s->h[0].w);
			s->h[0].w = id_workload_get(w);
			return 0;
		}
		/* taken over without a release we saw (missed events): the old
		 * holder's time ends now */
		s->h[0].until = t > s->h[0].from ? t : s->h[0].from + 1;
	}
	if (s->n && from < s->h[0].until)
		from = s->h[0].until;
	if (s->n == ID_ADDR_HISTORY)
		id_workload_put(s->h[--s->n].w);
	memmove(&s->h[1], &s->h[0], s->n * sizeof(s->h[0]));
	s->h[0].w = id_workload_get(w);
	s->h[0].from = from;
	s->h[0].until = 0;
	s->n++;
	return 0;
}

static bool id_str_eq(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

static bool id_workload_same(const struct id_workload *a, const struct id_workload *b)
{
	size_t i;

	if (!id_str_eq(a->identity, b->identity) || !id_str_eq(a->zone, b->zone) ||
	    !id_str_eq(a->state, b->state) || !id_str_eq(a->name, b->name) ||
	    a->pid != b->pid || a->n_nets != b->n_nets)
		return false;
	for (i = 0; i < a->n_nets; i++) {
		const struct id_net *x = &a->nets[i], *y = &b->nets[i];

		if (!id_str_eq(x->name, y->name) || strcmp(x->ipv4, y->ipv4) ||
		    strcmp(x->ipv6, y->ipv6) || strcmp(x->mac, y->mac) ||
		    strcmp(x->veth, y->veth) || strcmp(x->bridge, y->bridge))
			return false;
	}
	return true;
}

static int id_wl_cmp(const struct id_workload *a, const struct id_workload *b)
{
	int c = strcmp(a->name ? a->name : "", b->name ? b->name : "");

	return c ? c : strcmp(a->id ? a->id : "", b->id ? b->id : "");
}

static ssize_t id_wl_index(const struct id_index *idx, const char *id)
{
	size_t i;

	for (i = 0; i < idx->n_wl; i++)
		if (id_str_eq(idx->wl[i]->id, id))
			return (ssize_t)i;
	return -1;
}

static void id_wl_unlink(struct id_index *idx, size_t i)
{
	memmove(&idx->wl[i], &idx->wl[i + 1], (idx->n_wl - i - 1) * sizeof(idx->wl[0]));
	idx->n_wl--;
}

/* Insert @w (taking the reference) at its sorted place.  Return: 0 or -errno. */
static int id_wl_insert(struct id_index *idx, struct id_workload *w)
{
	size_t i;

	if (idx->n_wl >= idx->max_wl)
		return -ENOSPC;
	if (idx->n_wl == idx->cap_wl) {
		size_t cap = idx->cap_wl ? idx->cap_wl * 2 : 16;
		struct id_workload **v = realloc(idx->wl, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		idx->wl = v;
		idx->cap_wl = cap;
	}
	for (i = idx->n_wl; i > 0 && id_wl_cmp(idx->wl[i - 1], w) > 0; i--)
		idx->wl[i] = idx->wl[i - 1];
	idx->wl[i] = w;
	idx->n_wl++;
	return 0;
}

#define ID_MAX_ADDRS_PER_WL 64

/* upsert; *what gets ID_ADDED/ID_CHANGED, or -1 when nothing changed */
static int id_index_upsert_what(struct id_index *idx, struct id_workload *w, int64_t t, int *what)
{
	struct id_addr olda[ID_MAX_ADDRS_PER_WL], newa[ID_MAX_ADDRS_PER_WL];
	struct id_workload *old = NULL;
	size_t n_old = 0, n_new, i;
	int64_t from = t;
	ssize_t pos;
	int err, first = 0;

	*what = -1;
	err = id_resolve(idx->rules, w);
	if (err)
		goto out_put;
	pos = id_wl_index(idx, w->id);
	if (pos >= 0) {
		old = idx->wl[pos];
		id_wl_unlink(idx, (size_t)pos);
		n_old = id_workload_addrs(old, olda, ID_MAX_ADDRS_PER_WL);
	} else if (w->started_ns > 0 && w->started_ns < t) {
		from = w->started_ns;
	}
	err = id_wl_insert(idx, w);
	if (err) {
		if (old && id_wl_insert(idx, old) == 0)
			old = NULL;
		goto out_put;
	}
	n_new = id_workload_addrs(w, newa, ID_MAX_ADDRS_PER_WL);
	for (i = 0; i < n_old; i++)
		if (!id_addr_in(&olda[i], newa, n_new))
			id_release(idx, &olda[i], old, t);
	for (i = 0; i < n_new; i++) {
		err = id_hold(idx, &newa[i], w, id_addr_in(&newa[i], olda, n_old) ? t : from, t);
		if (err && !first)
			first = err;
	}
	if (!old)
		*what = ID_ADDED;
	else if (!id_workload_same(old, w))
		*what = ID_CHANGED;
	if (*what >= 0 && idx->notify)
		idx->notify(idx->notify_ctx, (enum id_change)*what, t, old, w);
	id_workload_put(old);
	return first;

out_put:
	id_workload_put(old);
	id_workload_put(w);
	return err;
}

int id_index_upsert(struct id_index *idx, struct id_workload *w, int64_t t_ns)
{
	int what;

	return id_index_upsert_what(idx, w, t_ns, &what);
}

int id_index_remove(struct id_index *idx, const char *id, int64_t t_ns)
{
	struct id_addr a[ID_MAX_ADDRS_PER_WL];
	struct id_workload *w;
	ssize_t pos = id_wl_index(idx, id);
	size_t n, i;

	if (pos < 0)
		return -ENOENT;
	w = idx->wl[pos];
	id_wl_unlink(idx, (size_t)pos);
	n = id_workload_addrs(w, a, ID_MAX_ADDRS_PER_WL);
	for (i = 0; i < n; i++)
		id_release(idx, &a[i], w, t_ns);
	if (idx->notify)
		idx->notify(idx->notify_ctx, ID_REMOVED, t_ns, w, NULL);
	id_workload_put(w);
	return 0;
}

int id_index_sync(struct id_index *idx, struct id_workload **v, size_t n,
		  int64_t t_ns, struct id_sync_stats *st)
{
	struct id_sync_stats dummy;
	size_t i, j;
	int err, first = 0, what;

	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	for (i = idx->n_wl; i-- > 0;) {
		for (j = 0; j < n; j++)
			if (id_same_workload(idx->wl[i], v[j]))
				break;
		if (j == n && id_index_remove(idx, idx->wl[i]->id, t_ns) == 0)
			st->removed++;
	}
	for (i = 0; i < n; i++) {
		err = id_index_upsert_what(idx, v[i], t_ns, &what);
		if (err && !first)
			first = err;
		if (what == ID_ADDED)
			st->added++;
		else if (what == ID_CHANGED)
			st->changed++;
		else if (!err)
			st->unchanged++;
	}
	return first;
}

const struct id_workload *id_index_lookup(const struct id_index *idx,
					  const struct id_addr *a, int64_t t_ns)
{
	const struct id_slot *s = id_slot_find(idx, a);
	unsigned int i;

	if (!s || !s->n)
		return NULL;
	if (t_ns <= 0)
		return s->h[0].until == 0 ? s->h[0].w : NULL;
	for (i = 0; i < s->n; i++)
		if (s->h[i].from <= t_ns && (s->h[i].until == 0 || t_ns < s->h[i].until))
			return s->h[i].w;
	return NULL;
}

const struct id_workload *id_index_find(const struct id_index *idx, const char *id)
{
	const struct id_workload *hit = NULL;
	size_t i, len = strlen(id);

	for (i = 0; i < idx->n_wl; i++) {
		const char *wid = idx->wl[i]->id ? idx->wl[i]->id : "";

		if (!strcmp(wid, id))
			return idx->wl[i];
		if (len >= 12 && !strncmp(wid, id, len)) {
			if (hit)
				return NULL;	/* ambiguous prefix */
			hit = idx->wl[i];
		}
	}
	return hit;
}

size_t id_index_count(const struct id_index *idx)
{
	return idx->n_wl;
}

const struct id_workload *id_index_at(const struct id_index *idx, size_t i)
{
	return i < idx->n_wl ? idx->wl[i] : NULL;
}

size_t id_index_addr_count(const struct id_index *idx)
{
	return idx->n_addrs;
}

void id_index_set_stale(struct id_index *idx, int64_t since_ns)
{
	idx->stale_since = since_ns;
}

bool id_index_stale(const struct id_index *idx, int64_t *since_ns)
{
	if (since_ns)
		*since_ns = idx->stale_since;
	return idx->stale_since != 0;
}
