// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The host snapshot the compiler reads: workloads with their identity,
 * zone, labels, networks, addresses and bridge port, and the container
 * bridges.  Pure: no I/O.
 */

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zonewall/compile.h"
#include "zonewall/decode.h"

struct cmp_snapshot *cmp_snap_new(void)
{
	return calloc(1, sizeof(struct cmp_snapshot));
}

static void workload_free(struct cmp_workload *w)
{
	if (!w)
		return;
	free(w->identity);
	free(w->zone);
	free(w->origin);
	for (size_t i = 0; i < w->n_labels; i++) {
		free(w->labels[i].key);
		free(w->labels[i].value);
	}
	free(w->labels);
	for (size_t i = 0; i < w->n_networks; i++)
		free(w->networks[i]);
	free(w->networks);
	free(w->addrs);
	free(w);
}

static bool cmp_str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool cmp_workload_equal(const struct cmp_workload *a, const struct cmp_workload *b)
{
	if (!cmp_str_eq(a->identity, b->identity) || !cmp_str_eq(a->zone, b->zone) ||
	    !cmp_str_eq(a->origin, b->origin) || a->n_labels != b->n_labels ||
	    a->n_networks != b->n_networks || a->n_addrs != b->n_addrs ||
	    strcmp(a->port, b->port) || a->has_mac != b->has_mac ||
	    memcmp(a->mac, b->mac, sizeof(a->mac)))
		return false;
	for (size_t i = 0; i < a->n_labels; i++)
		if (!cmp_str_eq(a->labels[i].key, b->labels[i].key) ||
		    !cmp_str_eq(a->labels[i].value, b->labels[i].value))
			return false;
	for (size_t i = 0; i < a->n_networks; i++)
		if (!cmp_str_eq(a->networks[i], b->networks[i]))
			return false;
	for (size_t i = 0; i < a->n_addrs; i++)
		if (a->addrs[i].family != b->addrs[i].family || a->addrs[i].len != b->addrs[i].len ||
		    a->addrs[i].rank != b->addrs[i].rank || memcmp(a->addrs[i].a, b->addrs[i].a, sizeof(a->addrs[i].a)))
			return false;
	return true;
}

bool cmp_snap_equal(const struct cmp_snapshot *a, const struct cmp_snapshot *b)
{
	if (!a || !b || a->n != b->n || a->n_bridges != b->n_bridges)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (!cmp_workload_equal(a->w[i], b->w[i]))
			return false;
	for (size_t i = 0; i < a->n_bridges; i++)
		if (!cmp_str_eq(a->bridges[i], b->bridges[i]))
			return false;
	return true;
}

void cmp_snap_free(struct cmp_snapshot *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		workload_free(s->w[i]);
	free(s->w);
	for (size_t i = 0; i < s->n_bridges; i++)
		free(s->bridges[i]);
	free(s->bridges);
	free(s);
}

static char *dup_or_null(const char *s, bool *fail)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*fail = true;
	return d;
}

struct cmp_workload *cmp_snap_add(struct cmp_snapshot *s, const char *identity,
				  const char *zone, const char *origin)
{
	struct cmp_workload **nv, *w;
	bool fail = false;

	if (!identity || !*identity) {
		errno = EINVAL;
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	nv = w ? realloc(s->w, (s->n + 1) * sizeof(*nv)) : NULL;
	if (!nv) {
		free(w);
		errno = ENOMEM;
		return NULL;
	}
	s->w = nv;
	w->identity = dup_or_null(identity, &fail);
	w->zone = dup_or_null(zone && *zone ? zone : NULL, &fail);
	w->origin = dup_or_null(origin ? origin : identity, &fail);
	if (fail) {
		workload_free(w);
		errno = ENOMEM;
		return NULL;
	}
	s->w[s->n++] = w;
	return w;
}

static int strv_add(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[*n] = strdup(s);
	if (!nv[*n])
		return -ENOMEM;
	(*n)++;
	return 0;
}

int cmp_snap_add_bridge(struct cmp_snapshot *s, const char *name)
{
	/* every name Linux allows: the kernel path carries it byte for byte */
	if (!rs_ifname_valid(name))
		return -EINVAL;
	for (size_t i = 0; i < s->n_bridges; i++)
		if (!strcmp(s->bridges[i], name))
			return 0;
	return strv_add(&s->bridges, &s->n_bridges, name);
}

int cmp_prefix_parse(const char *text, struct cmp_prefix *out)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned long len;
	int af;

	if (!text || strlen(text) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, text);
	memset(out, 0, sizeof(*out));
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	af = strchr(buf, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(af, buf, out->a) != 1)
		return -EINVAL;
	out->family = af == AF_INET ? 4 : 6;
	len = af == AF_INET ? 32 : 128;
	if (slash) {
		unsigned long max = len;

		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end || len > max)
			return -EINVAL;
	}
	out->len = len;
	out->rank = len;
	for (unsigned int bit = len; bit < (out->family == 4 ? 32u : 128u); bit++)
		if (out->a[bit / 8] & (0x80 >> (bit % 8)))
			return -EINVAL;
	return 0;
}

const char *cmp_prefix_format(const struct cmp_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	unsigned int full = p->family == 4 ? 32 : 128;

	inet_ntop(p->family == 4 ? AF_INET : AF_INET6, p->a, a, sizeof(a));
	if (p->len == full)
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "%s/%u", a, p->len);
	return buf;
}

static int cmp_workload_push(struct cmp_workload *w, const struct cmp_prefix *pp)
{
	struct cmp_prefix p = *pp, *nv;

	for (size_t i = 0; i < w->n_addrs; i++)
		if (!memcmp(&w->addrs[i], &p, sizeof(p)))
			return 0;
	nv = realloc(w->addrs, (w->n_addrs + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	w->addrs = nv;
	nv[w->n_addrs++] = p;
	return 0;
}

int cmp_workload_add_addr(struct cmp_workload *w, const char *text)
{
	struct cmp_prefix p;

	if (cmp_prefix_parse(text, &p) < 0)
		return -EINVAL;
	return cmp_workload_push(w, &p);
}

int cmp_workload_add_piece(struct cmp_workload *w, const char *text, unsigned int rank)
{
	struct cmp_prefix p;

	if (cmp_prefix_parse(text, &p) < 0 || rank > p.len)
		return -EINVAL;
	p.rank = (uint8_t)rank;
	return cmp_workload_push(w, &p);
}

int cmp_workload_add_label(struct cmp_workload *w, const char *key, const char *value)
{
	struct pol_label *nv = realloc(w->labels, (w->n_labels + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	w->labels = nv;
	nv[w->n_labels].key = strdup(key);
	nv[w->n_labels].value = strdup(value ? value : "");
	if (!nv[w->n_labels].key || !nv[w->n_labels].value) {
		free(nv[w->n_labels].key);
		free(nv[w->n_labels].value);
		return -ENOMEM;
	}
	w->n_labels++;
	return 0;
}

int cmp_workload_add_network(struct cmp_workload *w, const char *name)
{
	return strv_add(&w->networks, &w->n_networks, name);
}

int cmp_workload_set_port(struct cmp_workload *w, const char *ifname, const char *mac)
{
	unsigned int b[6];
	char tail;

	if (!ifname || !rs_ifname_valid(ifname))
		return -EINVAL;
	if (!mac || sscanf(mac, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
			   &b[4], &b[5], &tail) != 6)
		return -EINVAL;
	strcpy(w->port, ifname);
	for (int i = 0; i < 6; i++)
		w->mac[i] = b[i];
	w->has_mac = true;
	return 0;
}

size_t cmp_zone_index(const struct pol_policy *p, const struct cmp_workload *w, bool *unknown)
{
	const struct cmp_prefix *a = w->n_addrs ? &w->addrs[0] : NULL;

	if (unknown)
		*unknown = false;
	if (w->zone) {
		long z = pol_zone_find(p, w->zone);

		if (z >= 0)
			return z;
		if (unknown)
			*unknown = true;
	}
	return pol_zone_of(p, w->labels, w->n_labels, (const char *const *)w->networks,
			   w->n_networks, a ? a->family : 0, a ? a->a : NULL);
}

/* @w's labels, networks and addresses into @c (fresh from cmp_snap_add()). */
static int workload_copy_lists(struct cmp_workload *c, const struct cmp_workload *w)
{
	c->labels = calloc(w->n_labels + 1, sizeof(*c->labels));
	c->networks = calloc(w->n_networks + 1, sizeof(*c->networks));
	c->addrs = malloc((w->n_addrs + 1) * sizeof(*c->addrs));
	if (!c->labels || !c->networks || !c->addrs)
		return -ENOMEM;
	for (; c->n_labels < w->n_labels; c->n_labels++) {
		struct pol_label *l = &c->labels[c->n_labels];

		l->key = strdup(w->labels[c->n_labels].key);
		l->value = strdup(w->labels[c->n_labels].value);
		if (!l->key || !l->value) {
			c->n_labels++;	/* freed with the rest */
			return -ENOMEM;
		}
	}
	for (; c->n_networks < w->n_networks; c->n_networks++)
		if (!(c->networks[c->n_networks] = strdup(w->networks[c->n_networks])))
			return -ENOMEM;
	memcpy(c->addrs, w->addrs, w->n_addrs * sizeof(*c->addrs));
	c->n_addrs = w->n_addrs;
	return 0;
}

int cmp_snap_add_copy(struct cmp_snapshot *s, const struct cmp_workload *w)
{
	struct cmp_workload *c = cmp_snap_add(s, w->identity, w->zone, w->origin);

	if (!c)
		return -errno;
	memcpy(c->port, w->port, sizeof(c->port));
	memcpy(c->mac, w->mac, sizeof(c->mac));
	c->has_mac = w->has_mac;
	if (workload_copy_lists(c, w)) {
		workload_free(c);
		s->n--;
		return -ENOMEM;
	}
	return 0;
}

int cmp_snap_take(struct cmp_snapshot *s, struct cmp_snapshot *from, size_t i)
{
	struct cmp_workload **nv;

	if (i >= from->n || !from->w[i])
		return -ENOENT;
	nv = realloc(s->w, (s->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	s->w = nv;
	s->w[s->n++] = from->w[i];
	from->w[i] = NULL;	/* cmp_snap_free() passes over it */
	return 0;
}
