// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The compiler: policy + snapshot -> ruleset model.  Pure: no I/O.
 *
 * Per packet the kernel does a constant amount of work whatever the size
 * of the policy: one source-address map lookup, one destination-address
 * map lookup, and at most four allowlist set lookups (hash and interval,
 * IPv4 and IPv6; only the first packet of a connection gets that far).
 * Everything that grows with the policy or the host is set elements.
 */

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zonewall/compile.h"
#include "zonewall/decode.h"

#define ERR(...) snprintf(err, errlen, __VA_ARGS__)

/* --- snapshot ------------------------------------------------------------------ */

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

/* --- address arithmetic (big-endian byte strings of 4 or 16 bytes) -------------- */

static unsigned int fam_bytes(uint8_t family)
{
	return family == 4 ? 4 : 16;
}

static void prefix_range(const struct cmp_prefix *p, uint8_t lo[16], uint8_t hi[16])
{
	unsigned int bits = fam_bytes(p->family) * 8;

	memset(lo, 0, 16);
	memset(hi, 0, 16);
	memcpy(lo, p->a, fam_bytes(p->family));
	memcpy(hi, p->a, fam_bytes(p->family));
	for (unsigned int bit = p->len; bit < bits; bit++)
		hi[bit / 8] |= 0x80 >> (bit % 8);
}

static bool addr_all_ones(const uint8_t *a, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (a[i] != 0xff)
			return false;
	return true;
}

static void addr_inc(uint8_t *a, unsigned int n)
{
	for (unsigned int i = n; i-- > 0;)
		if (++a[i])
			return;
}

static void addr_dec(uint8_t *a, unsigned int n)
{
	for (unsigned int i = n; i-- > 0;)
		if (a[i]--)
			return;
}

/* --- the zone map: longest prefix wins, flattened to disjoint ranges ------------- */

/*
 * nf_tables interval maps refuse overlapping elements, and an inventory
 * says "0.0.0.0/0 is the internet" while containers sit inside it: the
 * longest prefix must win.  Entries are sorted by start, outer first, and
 * swept with a stack of the prefixes that contain the current position.
 */
struct zseg {
	uint8_t lo[16], hi[16];
	uint8_t len;
	uint8_t rank;		/* priority: len, less for a piece of an "except" CIDR */
	size_t zone;
	const char *origin;
};

struct zmap {
	struct zseg *v;
	size_t n, cap;
};

static int zmap_push(struct zmap *m, const struct zseg *s)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		struct zseg *nv = realloc(m->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		m->v = nv;
		m->cap = cap;
	}
	m->v[m->n++] = *s;
	return 0;
}

static unsigned int sort_bytes;

static int zseg_cmp(const void *a, const void *b)
{
	const struct zseg *x = a, *y = b;
	int c = memcmp(x->lo, y->lo, sort_bytes);

	if (c)
		return c;
	return (int)x->len - (int)y->len;
}

/* Emit [lo, hi] for @zone, merged with the previous segment when contiguous. */
static int flat_emit(struct zmap *out, const uint8_t *lo, const uint8_t *hi, const struct zseg *of,
		     unsigned int n)
{
	struct zseg s = *of;

	if (out->n) {
		struct zseg *last = &out->v[out->n - 1];
		uint8_t next[16];

		memcpy(next, last->hi, 16);
		addr_inc(next, n);
		if (last->zone == of->zone && !memcmp(next, lo, n)) {
			memcpy(last->hi, hi, 16);
			return 0;
		}
	}
	memcpy(s.lo, lo, 16);
	memcpy(s.hi, hi, 16);
	return zmap_push(out, &s);
}

/*
 * Prefixes nest or are disjoint, so the ones containing a position form
 * the stack, and the winner there is the highest rank on it (the
 * innermost on a tie): own[] holds that winner for each depth.
 */
static int flatten(struct zmap *in, unsigned int n, struct zmap *out)
{
	const struct zseg *stack[130], *own[130];
	uint8_t pos[16] = { 0 }, end[16];
	size_t depth = 0;
	bool done = false;
	int rc;

	for (size_t i = 0; i < in->n; i++) {
		const struct zseg *e = &in->v[i];

		while (depth && memcmp(stack[depth - 1]->hi, e->lo, n) < 0) {
			const struct zseg *top = stack[--depth];

			if (!done && memcmp(pos, top->hi, n) <= 0 &&
			    (rc = flat_emit(out, pos, top->hi, own[depth], n)) < 0)
				return rc;
			memcpy(pos, top->hi, 16);
			addr_inc(pos, n);
		}
		if (depth && memcmp(pos, e->lo, n) < 0) {
			memcpy(end, e->lo, 16);
			addr_dec(end, n);
			if ((rc = flat_emit(out, pos, end, own[depth - 1], n)) < 0)
				return rc;
		}
		memcpy(pos, e->lo, 16);
		own[depth] = depth && own[depth - 1]->rank > e->rank ? own[depth - 1] : e;
		stack[depth++] = e;
	}
	while (depth) {
		const struct zseg *top = stack[--depth];

		if (!done && memcmp(pos, top->hi, n) <= 0 &&
		    (rc = flat_emit(out, pos, top->hi, own[depth], n)) < 0)
			return rc;
		done = done || addr_all_ones(top->hi, n);
		memcpy(pos, top->hi, 16);
		addr_inc(pos, n);
	}
	return 0;
}

/* Collect every endpoint address of @family, refuse conflicts, flatten. */
static int zmap_build(const struct pol_policy *pol, const struct cmp_snapshot *s,
		      const size_t *zone_of, uint8_t family, struct zmap *out, char *err, size_t errlen)
{
	unsigned int n = fam_bytes(family);
	struct zmap in = { 0 };
	size_t k = 0;
	int rc = 0;

	/* The policy's own CIDR selectors place addresses no endpoint names. */
	for (size_t z = 0; z < pol->n_zones; z++)
		for (size_t j = 0; j < pol->zones[z].n_cidrs; j++) {
			const struct pol_cidr *pc = &pol->zones[z].cidrs[j];
			struct cmp_prefix p = { .family = pc->family, .len = pc->prefix };
			struct zseg zs = { .len = pc->prefix, .rank = pc->prefix, .zone = z,
					   .origin = pol->zones[z].name };

			if (pc->family != family)
				continue;
			memcpy(p.a, pc->addr, 16);
			prefix_range(&p, zs.lo, zs.hi);
			if ((rc = zmap_push(&in, &zs)) < 0)
				goto out_free_in;
		}

	for (size_t i = 0; i < s->n; i++)
		for (size_t j = 0; j < s->w[i]->n_addrs; j++) {
			const struct cmp_prefix *p = &s->w[i]->addrs[j];
			struct zseg z = { .len = p->len, .rank = p->rank, .zone = zone_of[i],
					  .origin = s->w[i]->origin };

			if (p->family != family)
				continue;
			prefix_range(p, z.lo, z.hi);
			if ((rc = zmap_push(&in, &z)) < 0)
				goto out_free_in;
		}
	sort_bytes = n;
	if (in.n)
		qsort(in.v, in.n, sizeof(*in.v), zseg_cmp);
	/* The same prefix twice: fine for one zone, a conflict for two. */
	for (size_t i = 0; i < in.n; i++) {
		if (k && !zseg_cmp(&in.v[k - 1], &in.v[i])) {
			if (in.v[k - 1].zone != in.v[i].zone) {
				struct cmp_prefix p = { .family = family, .len = in.v[i].len };
				char b[64];

				memcpy(p.a, in.v[i].lo, n);
				ERR("%s: address %s is also claimed by %s, in another zone",
				    in.v[i].origin, cmp_prefix_format(&p, b, sizeof(b)),
				    in.v[k - 1].origin);
				rc = -EINVAL;
				goto out_free_in;
			}
			continue;
		}
		in.v[k++] = in.v[i];
	}
	in.n = k;
	rc = flatten(&in, n, out);
out_free_in:
	free(in.v);
	return rc;
}

/* A segment as an nft value: a prefix when it is one, else a range. */
static void zseg_value(const struct zseg *z, uint8_t family, struct rs_value *v)
{
	unsigned int n = fam_bytes(family), bits = n * 8, len = 0;
	bool aligned = true;

	memset(v, 0, sizeof(*v));
	v->type = family == 4 ? RS_T_IPV4 : RS_T_IPV6;
	while (len < bits && !((z->lo[len / 8] ^ z->hi[len / 8]) & (0x80 >> (len % 8))))
		len++;
	for (unsigned int bit = len; bit < bits; bit++)
		if ((z->lo[bit / 8] & (0x80 >> (bit % 8))) || !(z->hi[bit / 8] & (0x80 >> (bit % 8))))
			aligned = false;
	memcpy(&v->u, z->lo, n);
	if (aligned) {
		v->prefix = len;
		return;
	}
	v->prefix = bits;
	v->addr_range = true;
	memcpy(&v->addr_hi, z->hi, n);
}

/* --- the allowlist: rules expanded to address tuples ------------------------------- */

struct tuple {
	uint8_t family, proto;
	uint16_t plo, phi;
	struct cmp_prefix src, dst;
	size_t rule;
};

struct tuples {
	struct tuple *v;
	size_t n, cap;
};

static int tuples_push(struct tuples *t, const struct tuple *x)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		struct tuple *nv = realloc(t->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		t->v = nv;
		t->cap = cap;
	}
	t->v[t->n++] = *x;
	return 0;
}

static bool tuple_exact(const struct tuple *t)
{
	unsigned int full = t->family == 4 ? 32 : 128;

	return t->src.len == full && t->dst.len == full && t->plo == t->phi &&
	       pol_proto_has_ports(t->proto);
}

/* Order by key, port range last, so equal keys with touching ranges are adjacent. */
static int tuple_key_cmp(const void *a, const void *b)
{
	const struct tuple *x = a, *y = b;
	int c;

	if (x->family != y->family)
		return x->family - y->family;
	if ((c = memcmp(&x->src, &y->src, sizeof(x->src))) || (c = memcmp(&x->dst, &y->dst, sizeof(x->dst))))
		return c;
	if (x->proto != y->proto)
		return x->proto - y->proto;
	if (x->plo != y->plo)
		return x->plo - y->plo;
	if (x->phi != y->phi)
		return x->phi - y->phi;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

static int tuple_rule_cmp(const void *a, const void *b)
{
	const struct tuple *x = a, *y = b;

	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return tuple_key_cmp(a, b);
}

/*
 * Duplicates go (two rules naming the same tuple), and port ranges of the
 * same endpoints and protocol are merged where they overlap or touch: the
 * interval set refuses overlapping elements.  Single ports stay single, in
 * the hash set.
 */
static void tuples_normalize(struct tuples *t)
{
	size_t k = 0;

	if (!t->n)
		return;
	qsort(t->v, t->n, sizeof(*t->v), tuple_key_cmp);
	for (size_t i = 0; i < t->n; i++) {
		struct tuple *x = &t->v[i], *last = k ? &t->v[k - 1] : NULL;

		if (last && last->family == x->family && !memcmp(&last->src, &x->src, sizeof(x->src)) &&
		    !memcmp(&last->dst, &x->dst, sizeof(x->dst)) && last->proto == x->proto &&
		    tuple_exact(last) == tuple_exact(x) &&
		    (tuple_exact(x) ? last->plo == x->plo : (uint32_t)last->phi + 1 >= x->plo)) {
			if (x->phi > last->phi)
				last->phi = x->phi;
			continue;
		}
		t->v[k++] = *x;
	}
	t->n = k;
	qsort(t->v, t->n, sizeof(*t->v), tuple_rule_cmp);
}

/* Every statement builder returns 0 or -errno; chain them with this. */
#define TRY(x)                         \
	do {                           \
		int rc_ = (x);         \
		if (rc_ < 0)           \
			return rc_;    \
	} while (0)

struct ctx {
	const struct pol_policy *p;
	const struct cmp_snapshot *s;
	struct cmp_options o;
	struct diags *warn;
	char *err;
	size_t errlen;
	size_t *zone_of;	/* per endpoint */
	size_t *by_identity;	/* endpoint indexes sorted by identity */
	struct rs_table *inet, *bridge;
	bool has_range[2];	/* the interval allowlist exists, per family (0: 4, 1: 6) */
	bool *zone_member;	/* per zone: named by a zone -> zone rule (member sets) */
	bool *pair_rules;	/* per zone pair f * n_zones + t: has zone -> zone rules */
};

static const struct cmp_snapshot *sort_snap;

static int ident_cmp(const void *a, const void *b)
{
	const size_t *x = a, *y = b;

	return strcmp(sort_snap->w[*x]->identity, sort_snap->w[*y]->identity);
}

/* The endpoints a rule side names: [*first, *last) of by_identity, or a zone. */
static void side_range(const struct ctx *c, const char *who, long *zone, size_t *first, size_t *last)
{
	size_t lo = 0, hi = c->s->n;

	*zone = -1;
	if (!strncmp(who, "zone:", 5)) {
		*zone = pol_zone_find(c->p, who + 5);
		*first = 0;
		*last = *zone >= 0 ? c->s->n : 0;
		return;
	}
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strcmp(c->s->w[c->by_identity[mid]]->identity, who) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	while (hi < c->s->n && !strcmp(c->s->w[c->by_identity[hi]]->identity, who))
		hi++;
	*last = hi;
}

static size_t side_at(const struct ctx *c, long zone, size_t i)
{
	return zone >= 0 ? i : c->by_identity[i];
}

static bool prefix_is_host(const struct cmp_prefix *p)
{
	return p->len == (p->family == 4 ? 32 : 128);
}

/* @hosts_in_zone_sets: a zone -> zone rule, whose host-to-host pairs the
 * member and port sets cover (add_zone_rule_sets()); CIDRs still expand. */
static int expand_pair(struct tuples *t, const struct pol_rule *r, size_t ri,
		       const struct cmp_workload *a, const struct cmp_workload *b,
		       bool hosts_in_zone_sets, size_t *in_sets)
{
	for (size_t i = 0; i < a->n_addrs; i++)
		for (size_t j = 0; j < b->n_addrs; j++) {
			struct tuple x = { .family = a->addrs[i].family, .proto = r->proto,
					   .src = a->addrs[i], .dst = b->addrs[j], .rule = ri };
			int rc;

			if (a->addrs[i].family != b->addrs[j].family)
				continue;
			if (hosts_in_zone_sets && prefix_is_host(&a->addrs[i]) &&
			    prefix_is_host(&b->addrs[j])) {
				(*in_sets)++;
				continue;
			}
			/* ICMPv4 rules hold for IPv4 only, ICMPv6 for IPv6 only. */
			if ((r->proto == IPPROTO_ICMP && x.family != 4) ||
			    (r->proto == IPPROTO_ICMPV6 && x.family != 6))
				continue;
			x.plo = r->port_lo;
			x.phi = r->port_hi;
			if (!pol_proto_has_ports(r->proto) || (!x.plo && !x.phi)) {
				x.plo = 0;
				x.phi = 65535;
			}
			if ((rc = tuples_push(t, &x)) < 0)
				return rc;
		}
	return 0;
}

static int expand_rule(struct ctx *c, struct tuples *t, size_t ri)
{
	const struct pol_rule *r = &c->p->rules[ri];
	size_t f0, f1, t0, t1, before = t->n, in_sets = 0;
	long fz, tz;
	int rc;

	side_range(c, r->from, &fz, &f0, &f1);
	side_range(c, r->to, &tz, &t0, &t1);
	if (fz >= 0 && tz >= 0) {
		c->zone_member[fz] = c->zone_member[tz] = true;
		c->pair_rules[(size_t)fz * c->p->n_zones + (size_t)tz] = true;
	}
	for (size_t i = f0; i < f1; i++) {
		size_t a = side_at(c, fz, i);

		if (fz >= 0 && c->zone_of[a] != (size_t)fz)
			continue;
		for (size_t j = t0; j < t1; j++) {
			size_t b = side_at(c, tz, j);

			if (tz >= 0 && c->zone_of[b] != (size_t)tz)
				continue;
			if ((rc = expand_pair(t, r, ri, c->s->w[a], c->s->w[b], fz >= 0 && tz >= 0,
					       &in_sets)) < 0)
				return rc;
		}
	}
	if (t->n == before && !in_sets && c->warn) {
		char where[32];

		snprintf(where, sizeof(where), "$.allow[%zu]", ri);
		diag_add(c->warn, where, "%s -> %s: no addresses on this host (no elements)",
			 r->from, r->to);
	}
	return 0;
}

/* --- building the model ----------------------------------------------------------- */

static const char *zname(const struct ctx *c, size_t z)
{
	return c->p->zones[z].name;
}

static void pair_chain_name(const struct ctx *c, size_t f, size_t t, char *buf, size_t len)
{
	if (snprintf(buf, len, "p_%s.%s", zname(c, f), zname(c, t)) > 64)
		snprintf(buf, len, "p_%zu.%zu", f, t);
}

/*
 * Count into table @t's counter @name.  Named counters, not the rules'
 * own: nft_apply() keeps them across a table replacement, so a reload or
 * a change of shape loses no count; several rules of one zone pair and
 * verdict share one, so the kernel does the summing.
 */
static int rule_count(struct rs_table *t, struct rs_rule *r, const char *name)
{
	int rc = rs_counter_add(t, name);

	return rc ? rc : rs_rule_counter_named(r, name);
}

/* c_FROM.TO.KIND: the zone pair's counter of one verdict kind */
static int pair_count(struct ctx *c, struct rs_rule *r, size_t f, size_t t, const char *kind)
{
	char name[128];

	if (snprintf(name, sizeof(name), "c_%s.%s.%s", zname(c, f), zname(c, t), kind) > 64)
		snprintf(name, sizeof(name), "c_%zu.%zu.%s", f, t, kind);
	return rule_count(c->inet, r, name);
}

static enum pol_mode pair_mode(const struct ctx *c, size_t f, size_t t)
{
	enum pol_mode a = c->p->zones[f].mode, b = c->p->zones[t].mode;

	return a > b ? a : b;
}

static int add_allow_sets(struct ctx *c, const struct tuples *t)
{
	static const char *const names[2][2] = { { "allow4", "allow4_range" },
						 { "allow6", "allow6_range" } };

	for (int f = 0; f < 2; f++) {
		enum rs_type at = f ? RS_T_IPV6 : RS_T_IPV4;
		struct rs_key k = { { at, at, RS_T_PROTO, RS_T_SERVICE }, 4 };

		if (!rs_set_add(c->inet, names[f][0], &k, false, false, "allowlist (exact tuples)"))
			return -errno;
		for (size_t i = 0; i < c->p->n_rules; i++) {
			const struct pol_rule *r = &c->p->rules[i];

			if (!pol_proto_has_ports(r->proto) || r->port_lo != r->port_hi || !r->port_lo)
				c->has_range[f] = true;
		}
		for (size_t i = 0; i < t->n; i++)
			if (t->v[i].family == (f ? 6 : 4) && !tuple_exact(&t->v[i]))
				c->has_range[f] = true;
		if (c->has_range[f] &&
		    !rs_set_add(c->inet, names[f][1], &k, true, false, "allowlist (ranges)"))
			return -errno;
	}
	return 0;
}

static void prefix_value(const struct cmp_prefix *p, struct rs_value *v)
{
	memset(v, 0, sizeof(*v));
	v->type = p->family == 4 ? RS_T_IPV4 : RS_T_IPV6;
	v->prefix = p->len;
	memcpy(&v->u, p->a, fam_bytes(p->family));
}

static int fill_allow_sets(struct ctx *c, const struct tuples *t)
{
	char origin[POL_IDENTITY_MAX * 2 + 64];

	for (size_t i = 0; i < t->n; i++) {
		const struct tuple *x = &t->v[i];
		const struct pol_rule *r = &c->p->rules[x->rule];
		bool exact = tuple_exact(x);
		const char *name = x->family == 4 ? (exact ? "allow4" : "allow4_range")
						  : (exact ? "allow6" : "allow6_range");
		struct rs_value v[4];
		int rc;

		prefix_value(&x->src, &v[0]);
		prefix_value(&x->dst, &v[1]);
		memset(&v[2], 0, sizeof(v[2]) * 2);
		v[2].type = RS_T_PROTO;
		v[2].u.proto = x->proto;
		v[3].type = RS_T_SERVICE;
		v[3].u.port = x->plo;
		v[3].port_hi = x->phi;
		snprintf(origin, sizeof(origin), "policy $.allow[%zu] (%s -> %s)", x->rule, r->from, r->to);
		rc = rs_set_add_elem(rs_set_find(c->inet, name), v, NULL, origin);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * zone -> zone rules need no address tuples: the pair chain p_F.T is only
 * reached with the source in zone F and the destination in zone T, so it
 * asks whether both are endpoints (member sets zm4_Z / zm6_Z: an address
 * with no identity gets no rule, as everywhere) and whether the protocol
 * and port are one the pair's rules name (zp4_F.T / zp6_F.T).  A container
 * in a zone is then one member element, not one tuple per peer, and the
 * sets' shape depends on the policy alone.  CIDR endpoints still expand
 * into the allowlist (a member set holds host addresses only).
 */
static void zone_set_name(const struct ctx *c, char *buf, size_t len, int family, size_t z)
{
	snprintf(buf, len, "zm%d_%s", family, zname(c, z));
}

static void pair_set_name(const struct ctx *c, char *buf, size_t len, int family, size_t f,
			  size_t t)
{
	if (snprintf(buf, len, "zp%d_%s.%s", family, zname(c, f), zname(c, t)) > 64)
		snprintf(buf, len, "zp%d_%zu.%zu", family, f, t);
}

static int pref_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct cmp_prefix));
}

static int fill_member_set(struct ctx *c, struct rs_set *set, int family, size_t z)
{
	struct cmp_prefix *v = NULL, *nv;
	size_t n = 0, cap = 0;
	int rc = 0;

	for (size_t i = 0; i < c->s->n; i++)
		for (size_t j = 0; c->zone_of[i] == z && j < c->s->w[i]->n_addrs; j++) {
			struct cmp_prefix p = c->s->w[i]->addrs[j];

			if (p.family != family || !prefix_is_host(&p))
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				if (!(nv = realloc(v, cap * sizeof(*nv)))) {
					free(v);
					return -ENOMEM;
				}
				v = nv;
			}
			p.rank = p.len;
			v[n++] = p;
		}
	if (n)
		qsort(v, n, sizeof(*v), pref_cmp);
	for (size_t i = 0; rc >= 0 && i < n; i++) {
		struct rs_value val;

		if (i && !memcmp(&v[i - 1], &v[i], sizeof(*v)))
			continue;	/* one host on two attachments of the zone */
		prefix_value(&v[i], &val);
		rc = rs_set_add_elem(set, &val, NULL, "zone member");
	}
	free(v);
	return rc < 0 ? rc : 0;
}

struct zport {
	uint8_t proto;
	uint16_t lo, hi;
	size_t rule;
};

static int zport_cmp(const void *a, const void *b)
{
	const struct zport *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto - y->proto;
	return x->lo != y->lo ? x->lo - y->lo : x->hi - y->hi;
}

/* The pair's protocols and ports for @family, overlapping ranges merged
 * (an interval set refuses overlaps). */
static int fill_pair_set(struct ctx *c, struct rs_set *set, int family, size_t f, size_t t)
{
	struct zport *v = calloc(c->p->n_rules ? c->p->n_rules : 1, sizeof(*v));
	char origin[POL_IDENTITY_MAX * 2 + 64];
	size_t n = 0, k = 0;
	int rc = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < c->p->n_rules; i++) {
		const struct pol_rule *r = &c->p->rules[i];
		long fz, tz;
		size_t d0, d1;

		side_range(c, r->from, &fz, &d0, &d1);
		side_range(c, r->to, &tz, &d0, &d1);
		if (fz != (long)f || tz != (long)t ||
		    (r->proto == IPPROTO_ICMP && family != 4) ||
		    (r->proto == IPPROTO_ICMPV6 && family != 6))
			continue;
		v[n].proto = r->proto;
		v[n].lo = r->port_lo;
		v[n].hi = r->port_hi;
		if (!pol_proto_has_ports(r->proto) || (!r->port_lo && !r->port_hi)) {
			v[n].lo = 0;
			v[n].hi = 65535;
		}
		v[n++].rule = i;
	}
	if (n)
		qsort(v, n, sizeof(*v), zport_cmp);
	for (size_t i = 0; i < n; i++) {
		if (k && v[k - 1].proto == v[i].proto && (uint32_t)v[k - 1].hi + 1 >= v[i].lo) {
			if (v[i].hi > v[k - 1].hi)
				v[k - 1].hi = v[i].hi;
			continue;
		}
		v[k++] = v[i];
	}
	for (size_t i = 0; rc >= 0 && i < k; i++) {
		struct rs_value val[2];

		memset(val, 0, sizeof(val));
		val[0].type = RS_T_PROTO;
		val[0].u.proto = v[i].proto;
		val[1].type = RS_T_SERVICE;
		val[1].u.port = v[i].lo;
		val[1].port_hi = v[i].hi;
		snprintf(origin, sizeof(origin), "policy $.allow[%zu] (%s -> %s)", v[i].rule,
			 c->p->rules[v[i].rule].from, c->p->rules[v[i].rule].to);
		rc = rs_set_add_elem(set, val, NULL, origin);
	}
	free(v);
	return rc < 0 ? rc : 0;
}

static int add_zone_rule_sets(struct ctx *c)
{
	size_t nz = c->p->n_zones;
	char name[80];

	for (int fam = 4; fam <= 6; fam += 2) {
		enum rs_type at = fam == 4 ? RS_T_IPV4 : RS_T_IPV6;
		struct rs_key km = { { at }, 1 }, kp = { { RS_T_PROTO, RS_T_SERVICE }, 2 };

		for (size_t z = 0; z < nz; z++) {
			struct rs_set *set;

			if (!c->zone_member[z])
				continue;
			zone_set_name(c, name, sizeof(name), fam, z);
			set = rs_set_add(c->inet, name, &km, false, false, "zone members (hosts)");
			if (!set)
				return -errno;
			TRY(fill_member_set(c, set, fam, z));
		}
		for (size_t f = 0; f < nz; f++)
			for (size_t t = 0; t < nz; t++) {
				struct rs_set *set;

				if (!c->pair_rules[f * nz + t])
					continue;
				pair_set_name(c, name, sizeof(name), fam, f, t);
				set = rs_set_add(c->inet, name, &kp, true, false,
						 "zone pair: protocols and ports");
				if (!set)
					return -errno;
				TRY(fill_pair_set(c, set, fam, f, t));
			}
	}
	return 0;
}

/* Source map and one destination map per zone, from the flattened zone map. */
static int add_zone_maps(struct ctx *c, const struct zmap *zm, uint8_t family)
{
	enum rs_type at = family == 4 ? RS_T_IPV4 : RS_T_IPV6;
	struct rs_key k = { { at }, 1 };
	char name[80], chain[80];
	struct rs_set *src;

	snprintf(name, sizeof(name), "src%u", family);
	src = rs_set_add(c->inet, name, &k, true, true, "source address -> source zone");
	if (!src)
		return -errno;
	for (size_t z = 0; z < c->p->n_zones; z++) {
		struct rs_set *dst;

		snprintf(name, sizeof(name), "dst%u_%s", family, zname(c, z));
		dst = rs_set_add(c->inet, name, &k, true, true, "destination address -> zone pair");
		if (!dst)
			return -errno;
		for (size_t i = 0; i < zm->n; i++) {
			struct rs_verdict v = { RS_V_GOTO, chain };
			struct rs_value val;
			int rc;

			if (zm->v[i].zone == c->p->default_zone)
				continue;	/* the chain's last rule: goto the default pair */
			pair_chain_name(c, z, zm->v[i].zone, chain, sizeof(chain));
			zseg_value(&zm->v[i], family, &val);
			if ((rc = rs_set_add_elem(dst, &val, &v, zm->v[i].origin)) < 0)
				return rc;
		}
	}
	for (size_t i = 0; i < zm->n; i++) {
		struct rs_verdict v = { RS_V_JUMP, chain };
		struct rs_value val;
		int rc;

		if (zm->v[i].zone == c->p->default_zone)
			continue;	/* forward's last rule: jump to the default zone */
		snprintf(chain, sizeof(chain), "from_%s", zname(c, zm->v[i].zone));
		zseg_value(&zm->v[i], family, &val);
		if ((rc = rs_set_add_elem(src, &val, &v, zm->v[i].origin)) < 0)
			return rc;
	}
	return 0;
}

static struct rs_rule *rule_new(struct rs_chain *ch, const char *comment, const char *origin)
{
	return rs_rule_add(ch, comment, origin);
}

static int rule_ctstate(struct rs_rule *r, uint32_t mask)
{
	struct rs_value v = { .type = RS_T_CTSTATE };

	v.u.ctmask = mask;
	return rs_rule_match(r, RS_F_CT_STATE, false, &v);
}

static int rule_proto(struct rs_rule *r, uint8_t proto)
{
	struct rs_value v = { .type = RS_T_PROTO };

	v.u.proto = proto;
	return rs_rule_match(r, RS_F_L4PROTO, false, &v);
}

static int addr16_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

/* The exact addresses of @family in the snapshot, sorted and unique. */
static int exact_addrs(const struct cmp_snapshot *s, uint8_t family, uint8_t (**out)[16],
		       size_t *n)
{
	uint8_t (*v)[16] = NULL;
	size_t cap = 0, k = 0;

	for (size_t i = 0; i < s->n; i++)
		for (size_t j = 0; j < s->w[i]->n_addrs; j++) {
			const struct cmp_prefix *p = &s->w[i]->addrs[j];

			if (p->family != family || p->len != (family == 4 ? 32 : 128))
				continue;
			if (k == cap) {
				uint8_t (*nv)[16] = realloc(v, (cap = cap ? 2 * cap : 64) * 16);

				if (!nv) {
					free(v);
					return -ENOMEM;
				}
				v = nv;
			}
			memset(v[k], 0, 16);
			memcpy(v[k++], p->a, family == 4 ? 4 : 16);
		}
	if (k)
		qsort(v, k, 16, addr16_cmp);
	*n = 0;
	for (size_t i = 0; i < k; i++)
		if (!*n || memcmp(v[*n - 1], v[i], 16))
			memmove(v[(*n)++], v[i], 16);
	*out = v;
	return 0;
}

/*
 * Every exact address of a workload, twice: "ADDR . ADDR".  Keyed so a rule
 * can tell whether two fields hold the same workload address
 * ("ip saddr . ct original ip saddr @same4"), which nft cannot compare
 * directly, and whether an address is a workload's at all
 * ("ip saddr . ip saddr @same4").  Two endpoints may share one (a pod).
 */
static int fill_same_set(struct ctx *c, const char *name, uint8_t family)
{
	struct rs_key k = { { family == 4 ? RS_T_IPV4 : RS_T_IPV6,
			      family == 4 ? RS_T_IPV4 : RS_T_IPV6 }, 2 };
	struct rs_set *set = rs_set_add(c->inet, name, &k, false, false, "workload addresses");
	uint8_t (*v)[16];
	size_t n;
	int rc;

	if (!set)
		return -errno;
	if ((rc = exact_addrs(c->s, family, &v, &n)) < 0)
		return rc;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct rs_value val[2] = { { .type = k.t[0], .prefix = family == 4 ? 32 : 128 } };

		memcpy(&val[0].u, v[i], family == 4 ? 4 : 16);
		val[1] = val[0];
		rc = rs_set_add_elem(set, val, NULL, "compiler: workload addresses");
	}
	free(v);
	return rc;
}

static int add_same_sets(struct ctx *c)
{
	TRY(fill_same_set(c, "same4", 4));
	return fill_same_set(c, "same6", 6);
}

static const char *const spoof_origin = "compiler: anti-spoofing";
static int add_spoof_log_chain(struct ctx *c, struct rs_table *t, const char *name, bool drop);

/* Container ports, as the bridge table binds them (bind_port fills both). */
static int add_port_sets(struct ctx *c)
{
	struct rs_key k = { { RS_T_IFNAME }, 1 };

	if (!rs_set_add(c->inet, "ports", &k, false, false, "container ports") ||
	    !rs_set_add(c->inet, "watched", &k, false, false, "ports of zones not enforcing"))
		return -errno;
	return 0;
}

/*
 * A related packet (an ICMP or ICMPv6 error) quoting a connection passes
 * when it comes from that connection's other party (conntrack has already
 * held its destination to the party that sent the quoted packet), or from
 * an address that is no workload's: a router on the path.  An error from a
 * third workload is judged below as a flow of its own addresses, so a deny
 * border refuses it like anything else: it was a channel between two
 * workloads that may not talk (~230 bytes an error).
 */
static int add_related_rules(struct ctx *c, struct rs_chain *ch)
{
	static const struct {
		enum rs_field f[2];
		bool neg;
		const char *set, *comment;
	} rel[] = {
		{ { RS_F_IP_SADDR, RS_F_CT_ORIG_IP_SADDR }, false, "same4",
		  "related: from a party of the connection (IPv4)" },
		{ { RS_F_IP_SADDR, RS_F_CT_REPLY_IP_SADDR }, false, "same4",
		  "related: from a party of the connection (IPv4)" },
		{ { RS_F_IP_SADDR, RS_F_IP_SADDR }, true, "same4",
		  "related: from no workload, a router (IPv4)" },
		{ { RS_F_IP6_SADDR, RS_F_CT_ORIG_IP6_SADDR }, false, "same6",
		  "related: from a party of the connection (IPv6)" },
		{ { RS_F_IP6_SADDR, RS_F_CT_REPLY_IP6_SADDR }, false, "same6",
		  "related: from a party of the connection (IPv6)" },
		{ { RS_F_IP6_SADDR, RS_F_IP6_SADDR }, true, "same6",
		  "related: from no workload, a router (IPv6)" },
	};
	struct rs_rule *r;

	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		if (!(r = rule_new(ch, rel[i].comment, "compiler: base chain")))
			return -errno;
		TRY(rule_ctstate(r, RS_CT_RELATED));
		TRY(rs_rule_lookup(r, rel[i].f, 2, rel[i].neg, rel[i].set));
		TRY(rs_rule_verdict(r, RS_V_ACCEPT, NULL));
	}
	return 0;
}

/*
 * IP that reaches a hook from a container's port itself, not through its
 * bridge: a frame to a reserved group MAC (01:80:c2:00:00:0X) is not
 * forwarded, skips the bridge table's prerouting checks and is handed to
 * the host as arriving on the port.  Nothing legitimate comes this way, and
 * its source was never checked: refused (counted and passed where the
 * port's zone does not enforce), before any conntrack state can accept it.
 */
static int add_port_direct(struct ctx *c, struct rs_chain *ch)
{
	static const enum rs_field iif = RS_F_IIFNAME;
	struct rs_chain *direct = rs_chain_find(c->inet, "port_direct");
	struct rs_rule *r;

	if (!direct) {
		if (!(direct = rs_chain_add(c->inet, "port_direct", spoof_origin)))
			return -errno;
		if (!(r = rule_new(direct, "not enforced: spoofed path: IP from a container's "
				   "port, not through its bridge", spoof_origin)))
			return -errno;
		TRY(rs_rule_lookup(r, &iif, 1, false, "watched"));
		TRY(rule_count(c->inet, r, "c_passed.direct"));
		TRY(rs_rule_verdict(r, RS_V_GOTO, "spoofed_pass"));
		if (!(r = rule_new(direct, "spoofed path: IP from a container's port, not through "
				   "its bridge", spoof_origin)))
			return -errno;
		TRY(rule_count(c->inet, r, "c_spoofed.direct"));
		TRY(rs_rule_verdict(r, RS_V_GOTO, "spoofed_drop"));
		TRY(add_spoof_log_chain(c, c->inet, "spoofed_drop", true));
		TRY(add_spoof_log_chain(c, c->inet, "spoofed_pass", false));
	}
	if (!(r = rule_new(ch, "from a container's port, not through its bridge", spoof_origin)))
		return -errno;
	TRY(rs_rule_lookup(r, &iif, 1, false, "ports"));
	return rs_rule_verdict(r, RS_V_GOTO, "port_direct");
}

/* The head both base chains share: what is not ours passes untouched. */
static int add_base_head(struct ctx *c, struct rs_chain *ch, bool forward)
{
	static const enum rs_field iif = RS_F_IIFNAME, oif = RS_F_OIFNAME;
	struct rs_rule *r;

	TRY(add_port_direct(c, ch));
	r = rule_new(ch, "replies of allowed connections", "compiler: base chain");
	if (!r)
		return -errno;
	TRY(rule_ctstate(r, RS_CT_ESTABLISHED));
	TRY(rs_rule_verdict(r, RS_V_ACCEPT, NULL));
	TRY(add_related_rules(c, ch));
	r = rule_new(ch, "not container traffic", "compiler: base chain");
	if (!r)
		return -errno;
	TRY(rs_rule_lookup(r, &iif, 1, true, "bridges"));
	if (forward)
		TRY(rs_rule_lookup(r, &oif, 1, true, "bridges"));
	TRY(rs_rule_verdict(r, RS_V_ACCEPT, NULL));
	/* IPv6 neighbour discovery and MLD are untracked by conntrack. */
	r = rule_new(ch, "neighbour discovery", "compiler: base chain");
	if (!r)
		return -errno;
	TRY(rule_ctstate(r, RS_CT_UNTRACKED));
	TRY(rule_proto(r, IPPROTO_ICMPV6));
	TRY(rs_rule_verdict(r, RS_V_ACCEPT, NULL));
	/* logged like a refusal (`zonewall denied`), then counted and dropped */
	r = rule_new(ch, "invalid (conntrack): log", "compiler: base chain");
	if (!r)
		return -errno;
	TRY(rule_ctstate(r, RS_CT_INVALID));
	TRY(rs_rule_limit(r, c->o.log_rate, CMP_LOG_BURST));
	TRY(rs_rule_log(r, c->o.log_group, CMP_LOG_PREFIX "enforce invalid "));
	r = rule_new(ch, "invalid (conntrack)", "compiler: base chain");
	if (!r)
		return -errno;
	TRY(rule_ctstate(r, RS_CT_INVALID));
	TRY(rule_count(c->inet, r, "c_invalid"));
	return rs_rule_verdict(r, RS_V_DROP, NULL);
}

static int add_dispatch(struct ctx *c, struct rs_chain *ch, const char *what)
{
	static const enum rs_field s4 = RS_F_IP_SADDR, s6 = RS_F_IP6_SADDR;
	char chain[80], comment[128];
	struct rs_rule *r;

	snprintf(comment, sizeof(comment), "source zone (IPv4)%s", what);
	if (!(r = rule_new(ch, comment, "compiler: dispatch")))
		return -errno;
	TRY(rs_rule_vmap(r, &s4, 1, "src4"));
	snprintf(comment, sizeof(comment), "source zone (IPv6)%s", what);
	if (!(r = rule_new(ch, comment, "compiler: dispatch")))
		return -errno;
	TRY(rs_rule_vmap(r, &s6, 1, "src6"));
	snprintf(chain, sizeof(chain), "from_%s", zname(c, c->p->default_zone));
	snprintf(comment, sizeof(comment), "no identity: default zone %s", zname(c, c->p->default_zone));
	if (!(r = rule_new(ch, comment, "compiler: dispatch")))
		return -errno;
	return rs_rule_verdict(r, RS_V_JUMP, chain);
}

static int add_base_chains(struct ctx *c)
{
	struct rs_chain *fw, *in;

	fw = rs_chain_add(c->inet, "forward", "compiler: forward hook");
	in = fw ? rs_chain_add(c->inet, "input", "compiler: input hook") : NULL;
	if (!in)
		return -errno;
	/* -5: after conntrack, ahead of Docker's and netavark's filter chains (0). */
	rs_chain_set_hook(fw, RS_HOOK_FORWARD, -5, false);
	rs_chain_set_hook(in, RS_HOOK_INPUT, -5, false);
	TRY(add_base_head(c, fw, true));
	TRY(add_dispatch(c, fw, ""));
	TRY(add_base_head(c, in, false));
	return add_dispatch(c, in, " to the host");
}

static int add_from_chain(struct ctx *c, size_t z)
{
	static const enum rs_field d4 = RS_F_IP_DADDR, d6 = RS_F_IP6_DADDR;
	char name[80], map[80], comment[128], origin[96];
	struct rs_chain *ch;
	struct rs_rule *r;

	snprintf(name, sizeof(name), "from_%s", zname(c, z));
	snprintf(origin, sizeof(origin), "policy zone %s", zname(c, z));
	if (!(ch = rs_chain_add(c->inet, name, origin)))
		return -errno;
	for (int f = 4; f <= 6; f += 2) {
		snprintf(map, sizeof(map), "dst%d_%s", f, zname(c, z));
		snprintf(comment, sizeof(comment), "%s -> destination zone (IPv%d)", zname(c, z), f);
		if (!(r = rule_new(ch, comment, origin)))
			return -errno;
		TRY(rs_rule_vmap(r, f == 4 ? &d4 : &d6, 1, map));
	}
	pair_chain_name(c, z, c->p->default_zone, name, sizeof(name));
	snprintf(comment, sizeof(comment), "%s -> unknown destination: default zone %s",
		 zname(c, z), zname(c, c->p->default_zone));
	if (!(r = rule_new(ch, comment, origin)))
		return -errno;
	return rs_rule_verdict(r, RS_V_GOTO, name);
}

/* ip saddr @zm4_F ip daddr @zm4_T meta l4proto . th dport @zp4_F.T accept, and IPv6 */
static int add_zone_rule_lookups(struct ctx *c, struct rs_chain *ch, size_t f, size_t t,
				 const char *comment, const char *origin)
{
	static const enum rs_field pp[] = { RS_F_L4PROTO, RS_F_TH_DPORT };
	char name[80];

	for (int fam = 4; fam <= 6; fam += 2) {
		enum rs_field sa = fam == 4 ? RS_F_IP_SADDR : RS_F_IP6_SADDR;
		enum rs_field da = fam == 4 ? RS_F_IP_DADDR : RS_F_IP6_DADDR;
		struct rs_rule *r = rule_new(ch, comment, origin);

		if (!r)
			return -errno;
		zone_set_name(c, name, sizeof(name), fam, f);
		TRY(rs_rule_lookup(r, &sa, 1, false, name));
		zone_set_name(c, name, sizeof(name), fam, t);
		TRY(rs_rule_lookup(r, &da, 1, false, name));
		pair_set_name(c, name, sizeof(name), fam, f, t);
		TRY(rs_rule_lookup(r, pp, 2, false, name));
		TRY(pair_count(c, r, f, t, "accepted"));
		TRY(rs_rule_verdict(r, RS_V_ACCEPT, NULL));
	}
	return 0;
}

static int add_allow_lookups(struct ctx *c, struct rs_chain *ch, size_t f, size_t t,
			     const char *pair, const char *origin)
{
	static const enum rs_field k4[] = { RS_F_IP_SADDR, RS_F_IP_DADDR, RS_F_L4PROTO, RS_F_TH_DPORT };
	static const enum rs_field k6[] = { RS_F_IP6_SADDR, RS_F_IP6_DADDR, RS_F_L4PROTO, RS_F_TH_DPORT };
	static const char *const sets[4] = { "allow4", "allow6", "allow4_range", "allow6_range" };
	char comment[128];

	snprintf(comment, sizeof(comment), "%s: accepted", pair);
	if (c->pair_rules[f * c->p->n_zones + t])
		TRY(add_zone_rule_lookups(c, ch, f, t, comment, origin));
	for (int i = 0; i < 4; i++) {
		struct rs_rule *r;

		if (i >= 2 && !c->has_range[i - 2])
			continue;
		if (!(r = rule_new(ch, comment, origin)))
			return -errno;
		TRY(rs_rule_lookup(r, i % 2 ? k6 : k4, 4, false, sets[i]));
		TRY(pair_count(c, r, f, t, "accepted"));
		TRY(rs_rule_verdict(r, RS_V_ACCEPT, NULL));
	}
	return 0;
}

/* What a refusal does in @mode: learn accepts, monitor logs and accepts, enforce logs and drops. */
static int add_refusal(struct ctx *c, struct rs_chain *ch, enum pol_mode mode, bool border,
		       size_t f, size_t t, const char *pair, const char *origin)
{
	static const char *const kind[] = { "learned", "would-deny", "denied" };
	char comment[128], prefix[128];
	struct rs_rule *r;

	if (mode != POL_MODE_LEARN) {
		/* The limit is a match: the log needs a rule of its own. */
		snprintf(prefix, sizeof(prefix), CMP_LOG_PREFIX "%s %s%s>%s ", pol_mode_name(mode),
			 border ? "border " : "", zname(c, f), zname(c, t));
		snprintf(comment, sizeof(comment), "%s: log", pair);
		if (!(r = rule_new(ch, comment, origin)))
			return -errno;
		TRY(rs_rule_limit(r, c->o.log_rate, CMP_LOG_BURST));
		TRY(rs_rule_log(r, c->o.log_group, prefix));
	}
	snprintf(comment, sizeof(comment), "%s: %s%s", pair, kind[mode], border ? " (border)" : "");
	if (!(r = rule_new(ch, comment, origin)))
		return -errno;
	TRY(pair_count(c, r, f, t, kind[mode]));
	return rs_rule_verdict(r, mode == POL_MODE_ENFORCE ? RS_V_DROP : RS_V_ACCEPT, NULL);
}

static int add_pair_chain(struct ctx *c, size_t f, size_t t)
{
	const struct pol_border *which;
	enum pol_verdict v = pol_border_verdict(c->p, f, t, &which);
	char name[80], pair[80], origin[160], comment[128];
	struct rs_chain *ch;
	struct rs_rule *r;

	pair_chain_name(c, f, t, name, sizeof(name));
	snprintf(pair, sizeof(pair), "%s>%s", zname(c, f), zname(c, t));
	snprintf(origin, sizeof(origin), "policy zones %s -> %s (%s border)", zname(c, f),
		 zname(c, t), pol_verdict_name(v));
	if (!(ch = rs_chain_add(c->inet, name, origin)))
		return -errno;
	if (v == POL_BORDER_ALLOW) {
		snprintf(comment, sizeof(comment), "%s: accepted (border)", pair);
		if (!(r = rule_new(ch, comment, origin)))
			return -errno;
		TRY(pair_count(c, r, f, t, "accepted"));
		return rs_rule_verdict(r, RS_V_ACCEPT, NULL);
	}
	if (v == POL_BORDER_ALLOWLIST)
		TRY(add_allow_lookups(c, ch, f, t, pair, origin));
	return add_refusal(c, ch, pair_mode(c, f, t), v == POL_BORDER_DENY, f, t, pair, origin);
}

/* A chain nothing jumps to: the zones' modes, for status and for operators. */
static int add_zones_chain(struct ctx *c)
{
	struct rs_chain *ch = rs_chain_add(c->inet, "zones", "compiler: zone modes");
	char comment[128];

	if (!ch)
		return -errno;
	for (size_t z = 0; z < c->p->n_zones; z++) {
		struct rs_rule *r;

		snprintf(comment, sizeof(comment), "zone %s: %s%s", zname(c, z),
			 pol_mode_name(c->p->zones[z].mode), z == c->p->default_zone ? " (default)" : "");
		if (!(r = rule_new(ch, comment, "compiler: zone modes")))
			return -errno;
		TRY(rs_rule_counter(r));
	}
	return 0;
}

static int add_bridges_set(struct ctx *c)
{
	struct rs_key k = { { RS_T_IFNAME }, 1 };
	struct rs_set *s = rs_set_add(c->inet, "bridges", &k, false, false, "container bridges");

	if (!s)
		return -errno;
	if (!c->s->n_bridges && c->warn)
		diag_add(c->warn, "snapshot", "no container bridges: no traffic is dispatched");
	for (size_t i = 0; i < c->s->n_bridges; i++) {
		char q[RS_QUOTED_MAX], origin[RS_QUOTED_MAX + 32];
		struct rs_value v;

		rs_quote(c->s->bridges[i], q, sizeof(q));
		/* a bridge left out of the set would be waved through as not
		 * container traffic: refuse rather than fail open */
		if (rs_value_parse(RS_T_IFNAME, c->s->bridges[i], &v) < 0) {
			snprintf(c->err, c->errlen, "snapshot: bridge %s: not an interface name", q);
			return -EINVAL;
		}
		/* the name in the origin: a kernel error or rs_render_check() names the bridge */
		snprintf(origin, sizeof(origin), "container bridge %s", q);
		TRY(rs_set_add_elem(s, &v, NULL, origin));
	}
	return 0;
}

/* --- the bridge table: anti-spoofing ------------------------------------------------ */

/*
 * fe80::/64 with the modified EUI-64 of @mac (RFC 4291 appendix A): the
 * link-local address a container's kernel gives its interface (Docker and
 * Podman leave addr_gen_mode at its default).  The runtime does not report
 * it, yet neighbour discovery runs on it: bound like any other address so a
 * neighbour cannot claim it (or the gateway's) from another port.
 */
static void lladdr_of(const uint8_t mac[6], uint8_t out[16])
{
	memset(out, 0, 16);
	out[0] = 0xfe;
	out[1] = 0x80;
	out[8] = mac[0] ^ 0x02;
	out[9] = mac[1];
	out[10] = mac[2];
	out[11] = 0xff;
	out[12] = 0xfe;
	out[13] = mac[3];
	out[14] = mac[4];
	out[15] = mac[5];
}

/* Is @p the address lladdr_of(@mac) gives (bound once, not twice)? */
static bool is_lladdr(const struct cmp_prefix *p, const uint8_t mac[6])
{
	uint8_t ll[16];

	lladdr_of(mac, ll);
	return p->family == 6 && p->len == 128 && !memcmp(p->a, ll, 16);
}

/* @v: port, MAC and an address of @family, into bound4 or bound6 and nd6 */
static int bind_addr(struct ctx *c, uint8_t family, struct rs_value v[3], const char *origin)
{
	TRY(rs_set_add_elem(rs_set_find(c->bridge, family == 4 ? "bound4" : "bound6"), v, NULL,
			    origin));
	if (family != 6)
		return 0;
	/* the same bytes, as the raw integer the ND rule reads */
	v[2].type = RS_T_INT128;
	return rs_set_add_elem(rs_set_find(c->bridge, "nd6"), v, NULL, origin);
}

/* @w's port, MAC and addresses; @watched: its zone does not enforce */
static int bind_port(struct ctx *c, const struct cmp_workload *w, bool watched)
{
	struct rs_value v[3];
	char origin[POL_IDENTITY_MAX + 300];

	snprintf(origin, sizeof(origin), "%s (identity %s)", w->origin, w->identity);
	memset(v, 0, sizeof(v));
	v[0].type = RS_T_IFNAME;
	snprintf(v[0].u.ifname, sizeof(v[0].u.ifname), "%s", w->port);
	v[1].type = RS_T_ETHER;
	memcpy(v[1].u.ether, w->mac, 6);
	TRY(rs_set_add_elem(rs_set_find(c->bridge, "guarded"), v, NULL, origin));
	TRY(rs_set_add_elem(rs_set_find(c->inet, "ports"), v, NULL, origin));
	TRY(rs_set_add_elem(rs_set_find(c->bridge, "boundmac"), v, NULL, origin));
	if (watched) {
		TRY(rs_set_add_elem(rs_set_find(c->bridge, "watched"), v, NULL, origin));
		TRY(rs_set_add_elem(rs_set_find(c->inet, "watched"), v, NULL, origin));
	}
	for (size_t i = 0; i < w->n_addrs; i++) {
		const struct cmp_prefix *p = &w->addrs[i];

		if (p->len != (p->family == 4 ? 32 : 128) || is_lladdr(p, w->mac))
			continue;
		prefix_value(p, &v[2]);
		TRY(bind_addr(c, p->family, v, origin));
	}
	/* the link-local address the container's kernel makes from its MAC */
	v[2] = (struct rs_value){ .type = RS_T_IPV6, .prefix = 128 };
	lladdr_of(w->mac, v[2].u.v6.s6_addr);
	return bind_addr(c, 6, v, origin);
}

/*
 * Where a check's verdict goes.  A port whose workload's zone enforces has
 * its spoofed frames dropped in prerouting; any other port's (zones that
 * learn or monitor: monitor never drops anything) are counted and passed in
 * the chain "watch", where the same checks end in accept.
 */
struct spoof_mode {
	struct ctx *c;
	struct rs_chain *ch;
	bool drop;
};


/* "spoofed WHAT", or "not enforced: spoofed WHAT" in the watch chain */
static struct rs_rule *spoof_rule(const struct spoof_mode *m, const char *what)
{
	char comment[128];

	snprintf(comment, sizeof(comment), "%sspoofed %s", m->drop ? "" : "not enforced: ", what);
	return rule_new(m->ch, comment, spoof_origin);
}

/*
 * Counted into c_spoofed.KIND (dropped) or c_passed.KIND, then on to the
 * chain that logs it (rate-limited, to the refusals' NFLOG group: `zonewall
 * denied` reports the port and its identity) and drops or passes it.
 */
static int spoof_verdict(const struct spoof_mode *m, struct rs_rule *r, const char *kind)
{
	char name[64];

	snprintf(name, sizeof(name), "c_%s.%s", m->drop ? "spoofed" : "passed", kind);
	TRY(rule_count(m->c->bridge, r, name));
	return rs_rule_verdict(r, RS_V_GOTO, m->drop ? "spoofed_drop" : "spoofed_pass");
}

/*
 * The two chains spoof_verdict() ends in: "zw enforce spoofed " / "zw passed
 * spoofed " (in table @t: the inet table has its own for add_port_direct).
 */
static int add_spoof_log_chain(struct ctx *c, struct rs_table *t, const char *name, bool drop)
{
	struct rs_chain *ch = rs_chain_add(t, name, spoof_origin);
	struct rs_rule *r;

	if (!ch || !(r = rule_new(ch, "spoofed: log", spoof_origin)))
		return -errno;
	/* The limit is a match: the log needs a rule of its own. */
	TRY(rs_rule_limit(r, c->o.log_rate, CMP_LOG_BURST));
	TRY(rs_rule_log(r, c->o.log_group, drop ? CMP_LOG_PREFIX "enforce spoofed " :
					     CMP_LOG_PREFIX "passed spoofed "));
	if (!(r = rule_new(ch, drop ? "spoofed: drop" : "spoofed: pass", spoof_origin)))
		return -errno;
	return rs_rule_verdict(r, drop ? RS_V_DROP : RS_V_ACCEPT, NULL);
}

/*
 * An ARP frame claims a sender address and a sender MAC that receivers
 * write into their neighbour tables: hold the address to the port's bound
 * IPv4 addresses like an IP source, and the MAC (which need not be the
 * frame's source) to the port's own.  hlen 6 plen 4 places them at offsets
 * 14 and 8; receivers on Ethernet ignore ARP of other lengths.
 */
static int add_arp_spoof_rule(const struct spoof_mode *m)
{
	static const enum rs_field ka[] = { RS_F_IIFNAME, RS_F_ETHER_SADDR, RS_F_ARP_SADDR_IP };
	static const enum rs_field km[] = { RS_F_IIFNAME, RS_F_ARP_SADDR_ETHER };
	static const struct { const char *what; const enum rs_field *f; unsigned int n;
			      const char *set; } checks[] = {
		{ "ARP sender", ka, 3, "bound4" },
		{ "ARP sender MAC", km, 2, "boundmac" },
	};
	struct rs_value hlen, plen;
	struct rs_rule *r;

	TRY(rs_value_parse(RS_T_U8, "6", &hlen));
	TRY(rs_value_parse(RS_T_U8, "4", &plen));
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		if (!(r = spoof_rule(m, checks[i].what)))
			return -errno;
		TRY(rs_rule_match(r, RS_F_ARP_HLEN, false, &hlen));
		TRY(rs_rule_match(r, RS_F_ARP_PLEN, false, &plen));
		TRY(rs_rule_lookup(r, checks[i].f, checks[i].n, true, checks[i].set));
		TRY(spoof_verdict(m, r, "arp"));
	}
	return 0;
}

/*
 * A neighbour advertisement claims its target address for its sender's MAC,
 * as an ARP reply does: hold the target to the port's bound IPv6 addresses
 * (@nd6, bound6's elements keyed the way nft can read the target: a raw
 * integer), its link-local address included: an advertisement for the
 * gateway's or a neighbour's link-local address moved their traffic to the
 * sender.
 */
static int add_nd_target_rule(const struct spoof_mode *m)
{
	static const enum rs_field kt[] = { RS_F_IIFNAME, RS_F_ETHER_SADDR, RS_F_ND_TARGET };
	struct rs_value icmp6, type;
	struct rs_rule *r;

	if (!(r = spoof_rule(m, "neighbour advertisement")))
		return -errno;
	TRY(rs_value_parse(RS_T_PROTO, "ipv6-icmp", &icmp6));
	TRY(rs_value_parse(RS_T_ICMPV6_TYPE, "nd-neighbor-advert", &type));
	TRY(rs_rule_match(r, RS_F_L4PROTO, false, &icmp6));
	TRY(rs_rule_match(r, RS_F_ICMPV6_TYPE, false, &type));
	TRY(rs_rule_lookup(r, kt, 3, true, "nd6"));
	return spoof_verdict(m, r, "nd");
}

/*
 * A container is never the router of its bridge.  A router advertisement
 * from its port would make its neighbours send their IPv6 traffic through
 * it (they accept RAs: no forwarding in their namespaces), a redirect would
 * do the same for one destination; both come from link-local sources, and
 * the port's own link-local address is a bound source.  Only IPv6 frames get
 * this far.
 */
static int add_nd_router_rules(const struct spoof_mode *m)
{
	static const struct { const char *type, *what; } refused[] = {
		{ "nd-router-advert", "router advertisement" },
		{ "nd-redirect", "redirect" },
	};
	struct rs_value icmp6, type;
	struct rs_rule *r;

	TRY(rs_value_parse(RS_T_PROTO, "ipv6-icmp", &icmp6));
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		if (!(r = spoof_rule(m, refused[i].what)))
			return -errno;
		TRY(rs_value_parse(RS_T_ICMPV6_TYPE, refused[i].type, &type));
		TRY(rs_rule_match(r, RS_F_L4PROTO, false, &icmp6));
		TRY(rs_rule_match(r, RS_F_ICMPV6_TYPE, false, &type));
		TRY(spoof_verdict(m, r, "nd"));
	}
	return 0;
}

/*
 * A container's port sends IPv4, IPv6 and ARP; anything else is refused
 * (its MAC already checked).  A VLAN-tagged frame (802.1Q or 802.1ad, VLAN
 * id 0 included) is handed to no inet hook by br_netfilter, yet the
 * receiving container's kernel strips a tag of id 0 and delivers what it
 * carries: a way past every zone border for any container with CAP_NET_RAW
 * (Docker's default).  Other ether types reach no inet hook either:
 * a channel between two such containers that no policy sees.  Frames only
 * get here when they are not a bound IPv4 source's, so the cost stays off
 * the path of nearly all traffic.
 */
static int add_frame_type_rule(const struct spoof_mode *m)
{
	static const char *const allowed[] = { "ip", "ip6", "arp" };
	struct rs_value v;
	struct rs_rule *r;

	if (!(r = spoof_rule(m, "frame type: VLAN-tagged or not IPv4, IPv6, ARP")))
		return -errno;
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		TRY(rs_value_parse(RS_T_ETHERTYPE, allowed[i], &v));
		TRY(rs_rule_match(r, RS_F_ETHER_TYPE, true, &v));
	}
	return spoof_verdict(m, r, "frame");
}

/* Everything a guarded port's frame is held to, in @m's chain. */
static int add_spoof_checks(const struct spoof_mode *m)
{
	static const enum rs_field km[] = { RS_F_IIFNAME, RS_F_ETHER_SADDR };
	static const enum rs_field k4[] = { RS_F_IIFNAME, RS_F_ETHER_SADDR, RS_F_IP_SADDR };
	static const enum rs_field k6[] = { RS_F_IIFNAME, RS_F_ETHER_SADDR, RS_F_IP6_SADDR };
	struct rs_value any;
	struct rs_rule *r;

	if (!(r = spoof_rule(m, "IPv4 source")))
		return -errno;
	TRY(rs_rule_lookup(r, k4, 3, true, "bound4"));
	TRY(spoof_verdict(m, r, "ipv4"));
	if (!(r = spoof_rule(m, "IPv6 source")))
		return -errno;
	/* The unspecified source (duplicate address detection) claims nothing;
	 * link-local sources are bound (bind_port). */
	TRY(rs_value_parse(RS_T_IPV6, "::", &any));
	TRY(rs_rule_match(r, RS_F_IP6_SADDR, true, &any));
	TRY(rs_rule_lookup(r, k6, 3, true, "bound6"));
	TRY(spoof_verdict(m, r, "ipv6"));
	TRY(add_nd_target_rule(m));
	TRY(add_nd_router_rules(m));
	TRY(add_arp_spoof_rule(m));
	if (!(r = spoof_rule(m, "MAC")))
		return -errno;
	TRY(rs_rule_lookup(r, km, 2, true, "boundmac"));
	TRY(spoof_verdict(m, r, "mac"));
	return add_frame_type_rule(m);
}

/* "FIELD != @SET accept" (@f is an interface name field) */
static int add_not_in_accept(struct rs_chain *ch, const char *comment, enum rs_field f,
			     const char *set)
{
	struct rs_rule *r = rule_new(ch, comment, spoof_origin);

	if (!r)
		return -errno;
	TRY(rs_rule_lookup(r, &f, 1, true, set));
	return rs_rule_verdict(r, RS_V_ACCEPT, NULL);
}

/* "FIELD != A FIELD != B accept" */
static int add_neither_accept(struct rs_chain *ch, const char *comment, enum rs_field f,
			      const char *a, const char *b)
{
	struct rs_rule *r = rule_new(ch, comment, spoof_origin);
	struct rs_value va, vb;

	if (!r)
		return -errno;
	TRY(rs_value_parse(rs_field_type(f), a, &va));
	TRY(rs_value_parse(rs_field_type(f), b, &vb));
	TRY(rs_rule_match(r, f, true, &va));
	TRY(rs_rule_match(r, f, true, &vb));
	return rs_rule_verdict(r, RS_V_ACCEPT, NULL);
}

/*
 * Per frame: an IPv4 frame from its port's bound MAC and address (nearly
 * all traffic on a container bridge) leaves after one lookup.  Anything
 * else: one lookup to tell the port is guarded (unguarded ports leave
 * there), one to tell whether its zone enforces (else the watch chain),
 * then the checks.  Checking the port first and the source second cost
 * ~0.10x CPU per TCP connection in tests/bench/enforce; the bound source
 * first, about half of that.
 */
static int add_spoof_rules(struct ctx *c, struct rs_chain *ch, struct rs_chain *watch)
{
	static const enum rs_field ifn = RS_F_IIFNAME;
	static const enum rs_field k4[] = { RS_F_IIFNAME, RS_F_ETHER_SADDR, RS_F_IP_SADDR };
	struct spoof_mode enforce = { c, ch, true }, passed = { c, watch, false };
	struct rs_rule *r;

	if (!(r = rule_new(ch, "bound IPv4 source", spoof_origin)))
		return -errno;
	TRY(rs_rule_lookup(r, k4, 3, false, "bound4"));
	TRY(rs_rule_verdict(r, RS_V_ACCEPT, NULL));
	TRY(add_not_in_accept(ch, "unguarded port", RS_F_IIFNAME, "guarded"));
	if (!(r = rule_new(ch, "port of a zone that does not enforce", spoof_origin)))
		return -errno;
	TRY(rs_rule_lookup(r, &ifn, 1, false, "watched"));
	TRY(rs_rule_verdict(r, RS_V_GOTO, "watch"));
	TRY(add_spoof_log_chain(c, c->bridge, "spoofed_drop", true));
	TRY(add_spoof_log_chain(c, c->bridge, "spoofed_pass", false));
	TRY(add_spoof_checks(&enforce));
	return add_spoof_checks(&passed);
}

/*
 * IP broadcast and multicast between two containers' ports.  The inet
 * chains judge a packet by its destination address, and a group address
 * names no one: the subnet's broadcast address, 255.255.255.255 or
 * 224.0.0.1 fall in whatever zone covers them (an internet zone of
 * 0.0.0.0/0, say), so a container allowed there reached every neighbour's
 * UDP sockets on the bridge whatever the policy said of them.  Here, where
 * the bridge hands a copy to each port, a copy from a container's port to
 * another container's port is dropped when either port's zone enforces
 * (counted and passed when neither does).  ICMPv6 (neighbour discovery,
 * MLD), IGMP and non-IP frames (ARP) are left to pass; copies to the host
 * are not forwarded (the inet input chain judges them) and unicast leaves
 * at the first rule.
 */
static int add_group_rules(struct ctx *c, struct rs_chain *ch)
{
	static const enum rs_field ifn = RS_F_IIFNAME, ofn = RS_F_OIFNAME;
	static const char *const exempt[] = { "ipv6-icmp", "igmp" };
	struct rs_value v;
	struct rs_rule *r;

	TRY(add_neither_accept(ch, "unicast", RS_F_PKTTYPE, "broadcast", "multicast"));
	TRY(add_not_in_accept(ch, "not from a container", RS_F_IIFNAME, "guarded"));
	TRY(add_not_in_accept(ch, "not to a container", RS_F_OIFNAME, "guarded"));
	for (size_t i = 0; i < sizeof(exempt) / sizeof(exempt[0]); i++) {
		if (!(r = rule_new(ch, i ? "IGMP" : "neighbour discovery, MLD", spoof_origin)))
			return -errno;
		TRY(rs_value_parse(RS_T_PROTO, exempt[i], &v));
		TRY(rs_rule_match(r, RS_F_L4PROTO, false, &v));
		TRY(rs_rule_verdict(r, RS_V_ACCEPT, NULL));
	}
	TRY(add_neither_accept(ch, "not IP", RS_F_ETHER_TYPE, "ip", "ip6"));
	if (!(r = rule_new(ch, "not enforced: broadcast or multicast IP between containers",
			   spoof_origin)))
		return -errno;
	TRY(rs_rule_lookup(r, &ifn, 1, false, "watched"));
	TRY(rs_rule_lookup(r, &ofn, 1, false, "watched"));
	TRY(rule_count(c->bridge, r, "c_passed.group"));
	TRY(rs_rule_verdict(r, RS_V_ACCEPT, NULL));
	if (!(r = rule_new(ch, "broadcast or multicast IP between containers", spoof_origin)))
		return -errno;
	TRY(rule_count(c->bridge, r, "c_group"));
	return rs_rule_verdict(r, RS_V_DROP, NULL);
}

/*
 * Frames to the IEEE 802.1 reserved group addresses (01:80:c2:00:00:0X)
 * are not forwarded: the bridge hands them to the host as arriving on the
 * port, past the prerouting checks, and learns their source MAC on the
 * way (a neighbour's MAC moved to the sender's port took its traffic).
 * This kernel runs the bridge input hook for them before it learns
 * (01:80:c2:00:00:00 itself is forwarded, so prerouting sees it, while STP
 * is off, as on container bridges).  A container sends none of them.
 */
static int add_group_mac_rules(struct ctx *c, struct rs_chain *ch)
{
	static const enum rs_field ifn = RS_F_IIFNAME;
	struct spoof_mode enforce = { c, ch, true }, passed = { c, ch, false };
	static const char *const what = "destination: a reserved group address";
	struct rs_value reserved;
	struct rs_rule *r;

	if (!(r = rule_new(ch, "not to a reserved group address", spoof_origin)))
		return -errno;
	TRY(rs_value_parse(RS_T_ETHER, "01:80:c2:00:00:00/44", &reserved));
	TRY(rs_rule_match(r, RS_F_ETHER_DADDR, true, &reserved));
	TRY(rs_rule_verdict(r, RS_V_ACCEPT, NULL));
	TRY(add_not_in_accept(ch, "unguarded port", RS_F_IIFNAME, "guarded"));
	if (!(r = spoof_rule(&passed, what)))
		return -errno;
	TRY(rs_rule_lookup(r, &ifn, 1, false, "watched"));
	TRY(spoof_verdict(&passed, r, "group_mac"));
	if (!(r = spoof_rule(&enforce, what)))
		return -errno;
	return spoof_verdict(&enforce, r, "group_mac");
}

static int add_bridge_table(struct ctx *c, struct rs_ruleset *rs)
{
	struct rs_key kif = { { RS_T_IFNAME }, 1 };
	struct rs_key kmac = { { RS_T_IFNAME, RS_T_ETHER }, 2 };
	struct rs_key k4 = { { RS_T_IFNAME, RS_T_ETHER, RS_T_IPV4 }, 3 };
	struct rs_key k6 = { { RS_T_IFNAME, RS_T_ETHER, RS_T_IPV6 }, 3 };
	struct rs_key knd = { { RS_T_IFNAME, RS_T_ETHER, RS_T_INT128 }, 3 };
	static const enum rs_field fnd[] = { RS_F_IIFNAME, RS_F_ETHER_SADDR, RS_F_ND_TARGET };
	struct rs_set *nd6;
	struct rs_chain *ch, *watch, *fwd, *in;

	c->bridge = rs_table_add(rs, RS_BRIDGE, CMP_TABLE, "compiler: anti-spoofing");
	if (!c->bridge || !rs_set_add(c->bridge, "guarded", &kif, false, false, "bound ports") ||
	    !rs_set_add(c->bridge, "watched", &kif, false, false, "ports of zones not enforcing") ||
	    !rs_set_add(c->bridge, "boundmac", &kmac, false, false, "port -> MAC") ||
	    !rs_set_add(c->bridge, "bound4", &k4, false, false, "port -> IPv4 source") ||
	    !rs_set_add(c->bridge, "bound6", &k6, false, false, "port -> IPv6 source") ||
	    !(nd6 = rs_set_add(c->bridge, "nd6", &knd, false, false, "port -> ND target")))
		return -errno;
	TRY(rs_set_typeof(nd6, fnd, 3));
	for (size_t i = 0; i < c->s->n; i++) {
		const struct cmp_workload *w = c->s->w[i];

		if (!w->port[0])
			continue;
		if (!w->has_mac) {
			if (c->warn)
				diag_add(c->warn, w->origin, "port %s without a MAC: not bound", w->port);
			continue;
		}
		TRY(bind_port(c, w, c->p->zones[c->zone_of[i]].mode != POL_MODE_ENFORCE));
	}
	if (!(ch = rs_chain_add(c->bridge, "prerouting", spoof_origin)) ||
	    !(watch = rs_chain_add(c->bridge, "watch", spoof_origin)) ||
	    !(fwd = rs_chain_add(c->bridge, "forward", spoof_origin)) ||
	    !(in = rs_chain_add(c->bridge, "input", spoof_origin)))
		return -errno;
	/* -200: before the bridge learns the source MAC and before conntrack. */
	rs_chain_set_hook(ch, RS_HOOK_PREROUTING, -200, false);
	/* -200: before br_netfilter hands the frame to the inet forward hook */
	rs_chain_set_hook(fwd, RS_HOOK_FORWARD, -200, false);
	/* -200: the bridge learns a link-local frame's source after this hook */
	rs_chain_set_hook(in, RS_HOOK_INPUT, -200, false);
	TRY(add_spoof_rules(c, ch, watch));
	TRY(add_group_rules(c, fwd));
	return add_group_mac_rules(c, in);
}

/* --- the whole --------------------------------------------------------------------- */

static int resolve_zones(struct ctx *c)
{
	c->zone_of = calloc(c->s->n + 1, sizeof(*c->zone_of));
	c->by_identity = calloc(c->s->n + 1, sizeof(*c->by_identity));
	if (!c->zone_of || !c->by_identity)
		return -ENOMEM;
	for (size_t i = 0; i < c->s->n; i++) {
		char q[POL_ZONE_NAME_MAX * 4 + 8];
		bool unknown;

		c->zone_of[i] = cmp_zone_index(c->p, c->s->w[i], &unknown);
		/* a label's value: escaped, so it cannot forge a line of its own */
		if (unknown && c->warn)
			diag_add(c->warn, c->s->w[i]->origin, "zone %s is not in the policy: zone %s",
				 rs_quote(c->s->w[i]->zone, q, sizeof(q)), zname(c, c->zone_of[i]));
		c->by_identity[i] = i;
	}
	sort_snap = c->s;
	qsort(c->by_identity, c->s->n, sizeof(*c->by_identity), ident_cmp);
	return 0;
}

static int build_inet(struct ctx *c, struct rs_ruleset *rs)
{
	struct zmap z4 = { 0 }, z6 = { 0 };
	struct tuples t = { 0 };
	int rc;

	c->inet = rs_table_add(rs, RS_INET, CMP_TABLE, "compiler: enforcement");
	c->zone_member = calloc(c->p->n_zones, sizeof(*c->zone_member));
	c->pair_rules = calloc(c->p->n_zones * c->p->n_zones, sizeof(*c->pair_rules));
	if (!c->inet || !c->zone_member || !c->pair_rules)
		return -ENOMEM;
	if ((rc = zmap_build(c->p, c->s, c->zone_of, 4, &z4, c->err, c->errlen)) < 0 ||
	    (rc = zmap_build(c->p, c->s, c->zone_of, 6, &z6, c->err, c->errlen)) < 0)
		goto out_free;
	for (size_t i = 0; i < c->p->n_rules; i++)
		if ((rc = expand_rule(c, &t, i)) < 0)
			goto out_free;
	tuples_normalize(&t);
	if ((rc = add_bridges_set(c)) < 0 || (rc = add_port_sets(c)) < 0 ||
	    (rc = add_same_sets(c)) < 0 || (rc = add_allow_sets(c, &t)) < 0 ||
	    (rc = fill_allow_sets(c, &t)) < 0 || (rc = add_zone_rule_sets(c)) < 0 || (rc = add_zone_maps(c, &z4, 4)) < 0 ||
	    (rc = add_zone_maps(c, &z6, 6)) < 0 || (rc = add_base_chains(c)) < 0)
		goto out_free;
	for (size_t f = 0; f < c->p->n_zones && rc == 0; f++)
		rc = add_from_chain(c, f);
	for (size_t f = 0; f < c->p->n_zones && rc == 0; f++)
		for (size_t to = 0; to < c->p->n_zones && rc == 0; to++)
			rc = add_pair_chain(c, f, to);
	if (rc == 0)
		rc = add_zones_chain(c);
out_free:
	free(z4.v);
	free(z6.v);
	free(t.v);
	return rc;
}

struct rs_ruleset *cmp_compile(const struct pol_policy *p, const struct cmp_snapshot *s,
			       const struct cmp_options *o, struct diags *warn,
			       char *err, size_t errlen)
{
	struct ctx c = { .p = p, .s = s, .warn = warn, .err = err, .errlen = errlen };
	struct rs_ruleset *rs;
	int rc;

	if (errlen)
		err[0] = '\0';
	c.o.log_group = o && o->log_group ? o->log_group : CMP_LOG_GROUP;
	c.o.log_rate = o && o->log_rate ? o->log_rate : CMP_LOG_RATE;
	if (!p->n_zones || p->default_zone >= p->n_zones) {
		ERR("policy: no default zone");
		errno = EINVAL;
		return NULL;
	}
	rs = rs_ruleset_new();
	if (!rs)
		return NULL;
	rc = resolve_zones(&c);
	if (rc == 0)
		rc = build_inet(&c, rs);
	if (rc == 0)
		rc = add_bridge_table(&c, rs);
	if (rc == 0 && rs_validate(rs, err, errlen) < 0)
		rc = -EINVAL;
	free(c.zone_of);
	free(c.by_identity);
	free(c.zone_member);
	free(c.pair_rules);
	if (rc < 0) {
		if (errlen && !err[0])
			ERR("compiler: %s", strerror(-rc));
		rs_ruleset_free(rs);
		errno = -rc;
		return NULL;
	}
	return rs;
}

struct rs_ruleset *cmp_empty_ruleset(void)
{
	struct rs_ruleset *rs = rs_ruleset_new();

	if (!rs)
		return NULL;
	if (!rs_table_add(rs, RS_INET, CMP_TABLE, "zonewall") ||
	    !rs_table_add(rs, RS_BRIDGE, CMP_TABLE, "zonewall")) {
		rs_ruleset_free(rs);
		errno = ENOMEM;
		return NULL;
	}
	return rs;
}

/* --- reading back what we wrote ----------------------------------------------------- */

static const char *const count_names[] = {
	[CMP_COUNT_NONE] = "", [CMP_COUNT_ACCEPTED] = "accepted", [CMP_COUNT_LEARNED] = "learned",
	[CMP_COUNT_WOULD_DENY] = "would-deny", [CMP_COUNT_DENIED] = "denied",
	[CMP_COUNT_SPOOFED] = "spoofed", [CMP_COUNT_INVALID] = "invalid",
	[CMP_COUNT_SPOOFED_PASSED] = "spoofed-passed", [CMP_COUNT_GROUP] = "group",
	[CMP_COUNT_GROUP_PASSED] = "group-passed",
};

const char *cmp_count_name(enum cmp_count_kind k)
{
	return (unsigned int)k <= CMP_COUNT_GROUP_PASSED ? count_names[k] : "";
}

static bool zone_copy(char *dst, const char *s, size_t n)
{
	if (n == 0 || n > POL_ZONE_NAME_MAX)
		return false;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return true;
}

enum cmp_count_kind cmp_count_parse(const char *comment, char *from, char *to, bool *border)
{
	const char *gt, *colon, *kind;

	from[0] = to[0] = '\0';
	*border = false;
	if (!strncmp(comment, "spoofed ", 8))
		return CMP_COUNT_SPOOFED;
	if (!strncmp(comment, "not enforced: spoofed ", 22))
		return CMP_COUNT_SPOOFED_PASSED;
	if (!strcmp(comment, "broadcast or multicast IP between containers"))
		return CMP_COUNT_GROUP;
	if (!strcmp(comment, "not enforced: broadcast or multicast IP between containers"))
		return CMP_COUNT_GROUP_PASSED;
	if (!strcmp(comment, "invalid (conntrack)"))
		return CMP_COUNT_INVALID;
	gt = strchr(comment, '>');
	colon = gt ? strstr(gt, ": ") : NULL;
	if (!colon || !zone_copy(from, comment, gt - comment) ||
	    !zone_copy(to, gt + 1, colon - gt - 1))
		return CMP_COUNT_NONE;
	kind = colon + 2;
	for (int k = CMP_COUNT_ACCEPTED; k <= CMP_COUNT_DENIED; k++) {
		size_t n = strlen(count_names[k]);

		if (!strncmp(kind, count_names[k], n) &&
		    (!kind[n] || !strcmp(kind + n, " (border)"))) {
			*border = kind[n] != '\0';
			return k;
		}
	}
	from[0] = to[0] = '\0';
	return CMP_COUNT_NONE;
}

bool cmp_logtag_parse(const char *prefix, struct cmp_logtag *out)
{
	const char *p = prefix + strlen(CMP_LOG_PREFIX), *gt, *end;

	memset(out, 0, sizeof(*out));
	if (strncmp(prefix, CMP_LOG_PREFIX, strlen(CMP_LOG_PREFIX)))
		return false;
	/* the base chains' and the spoofed chains', whole (a pair's prefix has its '>') */
	if (!strcmp(p, "enforce invalid ")) {
		out->invalid = true;
		out->mode = POL_MODE_ENFORCE;
		return true;
	}
	if (!strcmp(p, "enforce spoofed ") || !strcmp(p, "passed spoofed ")) {
		out->spoofed = true;
		out->mode = p[0] == 'e' ? POL_MODE_ENFORCE : POL_MODE_MONITOR;
		return true;
	}
	if (!strncmp(p, "monitor ", 8))
		out->mode = POL_MODE_MONITOR;
	else if (!strncmp(p, "enforce ", 8))
		out->mode = POL_MODE_ENFORCE;
	else
		return false;
	p += 8;
	/* "border" is a keyword only before a pair: a zone may be called so. */
	if (!strncmp(p, "border ", 7) && !memchr(p, '>', 7)) {
		out->border = true;
		p += 7;
	}
	gt = strchr(p, '>');
	end = gt ? strchr(gt, ' ') : NULL;
	if (!end)
		end = gt ? gt + strlen(gt) : NULL;
	return gt && zone_copy(out->from, p, gt - p) && zone_copy(out->to, gt + 1, end - gt - 1);
}

bool cmp_zone_mode_parse(const char *comment, char *zone, size_t zlen, enum pol_mode *mode)
{
	const char *colon;

	if (strncmp(comment, "zone ", 5) || !(colon = strstr(comment, ": ")))
		return false;
	snprintf(zone, zlen, "%.*s", (int)(colon - comment - 5), comment + 5);
	for (int m = POL_MODE_LEARN; m <= POL_MODE_ENFORCE; m++)
		if (!strncmp(colon + 2, pol_mode_name(m), strlen(pol_mode_name(m)))) {
			*mode = m;
			return true;
		}
	return false;
}

/* --- judging one flow in user space, as the kernel would -------------------------- */

static bool prefix_holds(const struct cmp_prefix *p, uint8_t family, const uint8_t *addr)
{
	if (p->family != family)
		return false;
	for (unsigned int bit = 0; bit < p->len; bit++)
		if ((p->a[bit / 8] ^ addr[bit / 8]) & (0x80 >> (bit % 8)))
			return false;
	return true;
}

const struct cmp_workload *cmp_lookup(const struct cmp_snapshot *s, uint8_t family,
				      const uint8_t *addr)
{
	const struct cmp_workload *best = NULL;
	int best_len = -1;

	for (size_t i = 0; i < s->n; i++)
		for (size_t j = 0; j < s->w[i]->n_addrs; j++) {
			const struct cmp_prefix *p = &s->w[i]->addrs[j];

			if (p->rank > best_len && prefix_holds(p, family, addr)) {
				best = s->w[i];
				best_len = p->rank;
			}
		}
	return best;
}

/* The zone the compiled maps give @addr: the longest prefix among the
 * endpoints' and the policy's own CIDRs (an endpoint wins a tie). */
static size_t addr_zone(const struct pol_policy *p, const struct cmp_workload *w, uint8_t family,
			const uint8_t *addr)
{
	size_t zone = p->default_zone;
	int best = -1;

	for (size_t j = 0; w && j < w->n_addrs; j++)
		if (w->addrs[j].rank > best && prefix_holds(&w->addrs[j], family, addr)) {
			best = w->addrs[j].rank;
			zone = cmp_zone_index(p, w, NULL);
		}
	for (size_t z = 0; z < p->n_zones; z++)
		for (size_t j = 0; j < p->zones[z].n_cidrs; j++) {
			const struct pol_cidr *pc = &p->zones[z].cidrs[j];
			struct cmp_prefix cp = { .family = pc->family, .len = pc->prefix };

			memcpy(cp.a, pc->addr, 16);
			if (pc->prefix > best && prefix_holds(&cp, family, addr)) {
				best = pc->prefix;
				zone = z;
			}
		}
	return zone;
}

void cmp_judge(const struct pol_policy *p, const struct cmp_snapshot *s, uint8_t family,
	       const uint8_t *src, const uint8_t *dst, uint8_t proto, uint16_t dport,
	       struct cmp_judgement *out)
{
	struct pol_flow f = { .proto = proto, .port = pol_proto_has_ports(proto) ? dport : 0 };
	struct pol_reason why;
	enum pol_decision d;
	enum pol_mode mode;

	memset(out, 0, sizeof(*out));
	out->from = cmp_lookup(s, family, src);
	out->to = cmp_lookup(s, family, dst);
	out->from_zone = addr_zone(p, out->from, family, src);
	out->to_zone = addr_zone(p, out->to, family, dst);
	f.from = out->from ? out->from->identity : "";
	f.to = out->to ? out->to->identity : "";
	f.from_zone = p->zones[out->from_zone].name;
	f.to_zone = p->zones[out->to_zone].name;
	d = pol_check(p, &f, &why);
	/* The allowlist holds endpoint addresses only: no identity, no rule. */
	if (d == POL_ALLOWED_BY_RULE && (!out->from || !out->to))
		d = POL_REFUSED_NO_RULE;
	if (d == POL_ALLOWED_BY_RULE || d == POL_ALLOWED_BY_BORDER) {
		out->kind = CMP_COUNT_ACCEPTED;
		out->rule = d == POL_ALLOWED_BY_RULE ? why.rule : NULL;
		return;
	}
	out->border = d == POL_REFUSED_BY_BORDER;
	mode = p->zones[out->from_zone].mode > p->zones[out->to_zone].mode
		       ? p->zones[out->from_zone].mode : p->zones[out->to_zone].mode;
	out->kind = mode == POL_MODE_ENFORCE ? CMP_COUNT_DENIED
		  : mode == POL_MODE_MONITOR ? CMP_COUNT_WOULD_DENY : CMP_COUNT_LEARNED;
}

/* --- refused flows, as `denied` and the daemon report them ---------------------- */

static json_t *cmp_end_identity(const struct cmp_workload *w, const uint8_t *addr, int af)
{
	char a[INET6_ADDRSTRLEN], buf[INET6_ADDRSTRLEN + 16];

	if (w)
		return json_string(w->identity);
	inet_ntop(af, addr, a, sizeof(a));
	snprintf(buf, sizeof(buf), "unknown:%s", a);
	return json_string(buf);
}

static void rfc3339_ms(char *buf, size_t len, int64_t t_ns)
{
	time_t sec = t_ns / 1000000000;
	struct tm tm;

	gmtime_r(&sec, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (int)(t_ns / 1000000 % 1000));
}

/* An Ethernet/IPv4 ARP frame's sender and target addresses as a packet's ends. */
static bool arp_ends(const uint8_t *l3, size_t len, struct dec_packet *pk)
{
	if (len < 28 || l3[4] != 6 || l3[5] != 4)
		return false;
	memset(pk, 0, sizeof(*pk));
	pk->family = 4;
	memcpy(pk->src, l3 + 14, 4);
	memcpy(pk->dst, l3 + 24, 4);
	return true;
}

static json_t *spoofed_row(const struct cmp_snapshot *s, const struct pol_policy *p,
			   const struct cmp_logtag *tag, const char *port, uint16_t ethertype,
			   const uint8_t *l3, size_t len, int64_t t_ns)
{
	char when[64], src[INET6_ADDRSTRLEN] = "", dst[INET6_ADDRSTRLEN] = "", who[40];
	const struct cmp_workload *w = NULL;
	struct dec_packet pkt;
	bool arp = ethertype == 0x0806 && l3 && arp_ends(l3, len, &pkt);
	bool ip = !arp && l3 && dec_ip(l3, len, &pkt) == DEC_OK;
	const char *proto = arp ? "arp" : ip ? pol_proto_name(pkt.proto) : NULL;
	int af = (arp || ip) && pkt.family == 6 ? AF_INET6 : AF_INET;

	for (size_t i = 0; port && port[0] && i < s->n && !w; i++)
		if (!strcmp(s->w[i]->port, port))
			w = s->w[i];
	snprintf(who, sizeof(who), "unknown:port %s", port && port[0] ? port : "?");
	if (arp || ip) {
		inet_ntop(af, pkt.src, src, sizeof(src));
		inet_ntop(af, pkt.dst, dst, sizeof(dst));
	}
	rfc3339_ms(when, sizeof(when), t_ns);
	return json_pack("{s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:o, s:o, s:o}",
			 "time", when,
			 "verdict", tag->mode == POL_MODE_ENFORCE ? "spoofed" : "spoofed (passed)",
			 "mode", pol_mode_name(tag->mode), "border", false,
			 "proto", proto ? proto : "other", "port", port ? port : "",
			 "from", w ? w->identity : who,
			 "from_zone", w && p ? p->zones[cmp_zone_index(p, w, NULL)].name : "",
			 "src", arp || ip ? json_string(src) : json_null(),
			 "to", arp || ip ? cmp_end_identity(cmp_lookup(s, pkt.family, pkt.dst), pkt.dst, af)
					 : json_null(),
			 "to_zone", "",
			 "dst", arp || ip ? json_string(dst) : json_null(),
			 "sport", ip && pkt.sport ? json_integer(pkt.sport) : json_null(),
			 "dport", ip && pkt.dport ? json_integer(pkt.dport) : json_null());
}

/*
 * The ends and protocol of any IP packet, when dec_ip() cannot give its
 * ports (GRE, ESP, a later fragment, a cut transport header): an IPv4
 * header's protocol, an IPv6 header's next header.
 */
static bool ip_ends(const uint8_t *l3, size_t len, struct dec_packet *pk)
{
	memset(pk, 0, sizeof(*pk));
	if (len >= 20 && l3[0] >> 4 == 4 && (l3[0] & 0x0f) >= 5) {
		pk->family = 4;
		pk->proto = l3[9];
		memcpy(pk->src, l3 + 12, 4);
		memcpy(pk->dst, l3 + 16, 4);
		return true;
	}
	if (len >= 40 && l3[0] >> 4 == 6) {
		pk->family = 6;
		pk->proto = l3[6];
		memcpy(pk->src, l3 + 8, 16);
		memcpy(pk->dst, l3 + 24, 16);
		return true;
	}
	return false;
}

/* A refusal's or an invalid packet's zone: the tag's, else its address's under @p. */
static const char *end_zone(const struct cmp_snapshot *s, const struct pol_policy *p,
			    const char *tagged, const struct dec_packet *pk, const uint8_t *addr)
{
	const struct cmp_workload *w = cmp_lookup(s, pk->family, addr);

	if (tagged[0] || !p)
		return tagged;
	return w ? p->zones[cmp_zone_index(p, w, NULL)].name : p->zones[p->default_zone].name;
}

static json_t *denied_row(const struct cmp_snapshot *s, const struct pol_policy *p,
			  const struct cmp_logtag *tag, const struct dec_packet *pk, int64_t t_ns)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], when[64], verdict[32], num[4];
	int af = pk->family == 4 ? AF_INET : AF_INET6;
	const char *proto = pol_proto_name(pk->proto);

	inet_ntop(af, pk->src, src, sizeof(src));
	inet_ntop(af, pk->dst, dst, sizeof(dst));
	rfc3339_ms(when, sizeof(when), t_ns);
	snprintf(num, sizeof(num), "%u", pk->proto);
	snprintf(verdict, sizeof(verdict), "%s%s",
		 tag->invalid ? "invalid" : tag->mode == POL_MODE_ENFORCE ? "denied" : "would-deny",
		 tag->border ? " (border)" : "");
	return json_pack("{s:s, s:s, s:s, s:b, s:s, s:o, s:s, s:s, s:o, s:s, s:s, s:o, s:o}",
			 "time", when, "verdict", verdict, "mode", pol_mode_name(tag->mode),
			 "border", tag->border, "proto", proto ? proto : num,
			 "from", cmp_end_identity(cmp_lookup(s, pk->family, pk->src), pk->src, af),
			 "from_zone", end_zone(s, p, tag->from, pk, pk->src), "src", src,
			 "to", cmp_end_identity(cmp_lookup(s, pk->family, pk->dst), pk->dst, af),
			 "to_zone", end_zone(s, p, tag->to, pk, pk->dst), "dst", dst,
			 "sport", pk->sport ? json_integer(pk->sport) : json_null(),
			 "dport", pk->dport ? json_integer(pk->dport) : json_null());
}

json_t *cmp_log_row(const struct cmp_snapshot *s, const struct pol_policy *p,
		    const struct cmp_logtag *tag, const char *port, uint16_t ethertype,
		    const uint8_t *l3, size_t len, int64_t t_ns)
{
	struct dec_packet pk;

	if (tag->spoofed)
		return spoofed_row(s, p, tag, port, ethertype, l3, len, t_ns);
	if (!l3 || (dec_ip(l3, len, &pk) != DEC_OK && !ip_ends(l3, len, &pk)))
		return NULL;
	return denied_row(s, p, tag, &pk, t_ns);
}
