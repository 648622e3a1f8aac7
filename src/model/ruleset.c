// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ruleset model: building, finding and freeing it (see ruleset.h).  Pure.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/ruleset.h"
#include "ruleset-int.h"

/* --- building -------------------------------------------------------------- */

static bool name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > RS_NAME_MAX)
		return false;
	if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return false;
	for (; *s; s++)
		if (!(*s == '_' || *s == '-' || *s == '.' || (*s >= 'a' && *s <= 'z') ||
		      (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
			return false;
	return true;
}

/* Comments and log prefixes go inside nft's double quotes. */
static bool text_ok(const char *s)
{
	if (strlen(s) > RS_TEXT_MAX)
		return false;
	for (; *s; s++)
		if (*s == '"' || *s == '\\' || (unsigned char)*s < ' ' || *s == 0x7f)
			return false;
	return true;
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

/* Append @item to the pointer array *@v of *@n entries. */
static int ptr_push(void *vp, size_t *n, void *item)
{
	void ***v = vp;
	void **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return -ENOMEM;
	nv[(*n)++] = item;
	*v = nv;
	return 0;
}

struct rs_ruleset *rs_ruleset_new(void)
{
	return calloc(1, sizeof(struct rs_ruleset));
}

/*
 * Origin strings live in chunks of the set's own: an allowlist of 100,000
 * elements has as many distinct origins (one per rule), and the daemon
 * copies and frees that set at every container event.
 */
struct rs_chunk {
	struct rs_chunk *next;
	size_t used, cap;
	char text[];
};

#define RS_CHUNK_FIRST 256
#define RS_CHUNK_MAX 65536

static char *origin_dup(struct rs_set *s, const char *origin)
{
	size_t n = strlen(origin) + 1;
	struct rs_chunk *c = s->origin_mem;
	char *p;

	if (!c || c->cap - c->used < n) {
		size_t cap = !c ? RS_CHUNK_FIRST : c->cap < RS_CHUNK_MAX ? 2 * c->cap : c->cap;

		if (cap < n)
			cap = n;

		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		*c = (struct rs_chunk){ .next = s->origin_mem, .cap = cap };
		s->origin_mem = c;
	}
	p = c->text + c->used;
	memcpy(p, origin, n);
	c->used += n;
	return p;
}

void rs_set_free(struct rs_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; s->verdicts && i < s->n_elems; i++)
		free(s->verdicts[i].chain);
	for (struct rs_chunk *c = s->origin_mem, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	free(s->origins);
	free(s->elem_origin);
	free(s->verdicts);
	free(s->lo);
	free(s->hi);
	free(s->name);
	free(s->origin);
	free(s);
}

static void stmt_clear(struct rs_stmt *st)
{
	free(st->set);
	free(st->prefix);
	free(st->v.chain);
	free(st->obj);
}

static void rule_free(struct rs_rule *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		stmt_clear(&r->s[i]);
	free(r->s);
	free(r->comment);
	free(r->origin);
	free(r);
}

static void chain_free(struct rs_chain *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_rules; i++)
		rule_free(c->rules[i]);
	free(c->rules);
	free(c->name);
	free(c->origin);
	free(c);
}

static void table_free(struct rs_table *t)
{
	if (!t)
		return;
	nix_free(&t->set_ix);
	nix_free(&t->chain_ix);
	nix_free(&t->counter_ix);
	for (size_t i = 0; i < t->n_sets; i++)
		rs_set_free(t->sets[i]);
	for (size_t i = 0; i < t->n_chains; i++)
		chain_free(t->chains[i]);
	for (size_t i = 0; i < t->n_counters; i++)
		free(t->counters[i]);
	free(t->counters);
	free(t->sets);
	free(t->chains);
	free(t->name);
	free(t->origin);
	free(t);
}

void rs_ruleset_free(struct rs_ruleset *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n_tables; i++)
		table_free(rs->tables[i]);
	free(rs->tables);
	free(rs);
}

struct rs_table *rs_table_find(const struct rs_ruleset *rs, enum rs_family family,
			       const char *name)
{
	for (size_t i = 0; i < rs->n_tables; i++)
		if (rs->tables[i]->family == family && !strcmp(rs->tables[i]->name, name))
			return rs->tables[i];
	return NULL;
}

struct rs_table *rs_table_add(struct rs_ruleset *rs, enum rs_family family,
			      const char *name, const char *origin)
{
	struct rs_table *t;

	if (!name_ok(name) || (family != RS_INET && family != RS_BRIDGE)) {
		errno = EINVAL;
		return NULL;
	}
	if (rs_table_find(rs, family, name)) {
		errno = EEXIST;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->family = family;
	t->name = strdup(name);
	t->origin = dup_or_empty(origin);
	if (!t->name || !t->origin || ptr_push(&rs->tables, &rs->n_tables, t) < 0) {
		table_free(t);
		errno = ENOMEM;
		return NULL;
	}
	return t;
}

struct rs_set *rs_set_find(const struct rs_table *t, const char *name)
{
	long i = nix_find(&t->set_ix, name);

	return i < 0 ? NULL : t->sets[i];
}

struct rs_set *rs_set_new(const char *name, const struct rs_key *key, bool interval,
			  bool vmap, const char *origin)
{
	struct rs_set *s;

	if (!name_ok(name) || key->n == 0 || key->n > RS_MAX_CONCAT) {
		errno = EINVAL;
		return NULL;
	}
	for (unsigned int i = 0; i < key->n; i++)
		if (rs_type_len(key->t[i]) == 0) {
			errno = EINVAL;
			return NULL;
		}
	if (rs_key_len(key) > RS_KEY_MAX) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->name = strdup(name);
	s->origin = dup_or_empty(origin);
	s->origins = calloc(8, sizeof(char *));
	if (s->origins)
		s->origins[0] = origin_dup(s, "");
	if (!s->name || !s->origin || !s->origins || !s->origins[0]) {
		rs_set_free(s);
		errno = ENOMEM;
		return NULL;
	}
	s->n_origins = 1;
	s->origins_cap = 8;
	s->key = *key;
	s->keylen = rs_key_len(key);
	s->interval = interval;
	s->vmap = vmap;
	return s;
}

int rs_set_typeof(struct rs_set *s, const enum rs_field *f, unsigned int n)
{
	if (n != s->key.n)
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++)
		if (f[i] >= RS_F__COUNT || rs_field_type(f[i]) != s->key.t[i] ||
		    !rs_field_desc(f[i])->nft_typeof.expr)
			return -EINVAL;
	memcpy(s->typeof_f, f, n * sizeof(f[0]));
	s->has_typeof = true;
	return 0;
}

struct rs_set *rs_set_add(struct rs_table *t, const char *name, const struct rs_key *key,
			  bool interval, bool vmap, const char *origin)
{
	struct rs_set *s;

	if (name && rs_set_find(t, name)) {
		errno = EEXIST;
		return NULL;
	}
	s = rs_set_new(name, key, interval, vmap, origin);
	if (!s)
		return NULL;
	if (ptr_push(&t->sets, &t->n_sets, s) < 0) {
		rs_set_free(s);
		errno = ENOMEM;
		return NULL;
	}
	if (name && nix_add(&t->set_ix, s->name, t->n_sets - 1) < 0) {
		t->n_sets--;
		rs_set_free(s);
		errno = ENOMEM;
		return NULL;
	}
	return s;
}

static int set_grow(struct rs_set *s)
{
	size_t cap = s->cap ? s->cap * 2 : 64;
	uint8_t *lo, *hi;

	lo = realloc(s->lo, cap * s->keylen);
	if (!lo)
		return -ENOMEM;
	s->lo = lo;
	if (s->interval) {
		hi = realloc(s->hi, cap * s->keylen);
		if (!hi)
			return -ENOMEM;
		s->hi = hi;
	}
	if (s->vmap) {
		struct rs_verdict *v = realloc(s->verdicts, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->verdicts = v;
	}
	uint32_t *o = realloc(s->elem_origin, cap * sizeof(*o));
	if (!o)
		return -ENOMEM;
	s->elem_origin = o;
	s->cap = cap;
	return 0;
}

/* The index of @origin in s->origins; consecutive elements usually share one. */
static int origin_index(struct rs_set *s, const char *origin, uint32_t *idx)
{
	if (!origin || !*origin) {
		*idx = 0;
		return 0;
	}
	if (!strcmp(s->origins[s->n_origins - 1], origin)) {
		*idx = s->n_origins - 1;
		return 0;
	}
	if (s->n_origins == s->origins_cap) {
		size_t cap = s->origins_cap * 2;
		char **nv = realloc(s->origins, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		s->origins = nv;
		s->origins_cap = cap;
	}
	s->origins[s->n_origins] = origin_dup(s, origin);
	if (!s->origins[s->n_origins])
		return -ENOMEM;
	*idx = s->n_origins++;
	return 0;
}

int rs_set_add_elem(struct rs_set *s, const struct rs_value *vals,
		    const struct rs_verdict *v, const char *origin)
{
	uint8_t lo[RS_KEY_MAX] = { 0 }, hi[RS_KEY_MAX] = { 0 };
	unsigned int off = 0;
	uint32_t oi;
	char *chain = NULL;

	for (unsigned int i = 0; i < s->key.n; i++) {
		if (vals[i].type != s->key.t[i] || (!s->interval && rs_value_is_range(&vals[i])))
			return -EINVAL;
		rs_value_encode(&vals[i], lo + off, hi + off);
		off += rs_pad4(rs_type_len(s->key.t[i]));
	}
	if (s->vmap) {
		if (!v || v->code == RS_V_NONE)
			return -EINVAL;
		if ((v->code == RS_V_JUMP || v->code == RS_V_GOTO) &&
		    (!v->chain || !name_ok(v->chain)))
			return -EINVAL;
		if (v->chain && (v->code == RS_V_JUMP || v->code == RS_V_GOTO)) {
			chain = strdup(v->chain);
			if (!chain)
				return -ENOMEM;
		}
	}
	if ((s->n_elems == s->cap && set_grow(s) < 0) || origin_index(s, origin, &oi) < 0) {
		free(chain);
		return -ENOMEM;
	}
	memcpy(s->lo + s->n_elems * s->keylen, lo, s->keylen);
	if (s->interval)
		memcpy(s->hi + s->n_elems * s->keylen, hi, s->keylen);
	if (s->vmap)
		s->verdicts[s->n_elems] = (struct rs_verdict){ v->code, chain };
	s->elem_origin[s->n_elems] = oi;
	s->n_elems++;
	return 0;
}

int rs_set_copy_elem(struct rs_set *dst, const struct rs_set *src, size_t i)
{
	const struct rs_verdict *v = src->vmap ? &src->verdicts[i] : NULL;
	char *chain = NULL;
	uint32_t oi;

	if (dst->keylen != src->keylen || dst->interval != src->interval ||
	    dst->vmap != src->vmap || i >= src->n_elems)
		return -EINVAL;
	if (v && v->chain) {
		chain = strdup(v->chain);
		if (!chain)
			return -ENOMEM;
	}
	if ((dst->n_elems == dst->cap && set_grow(dst) < 0) ||
	    origin_index(dst, rs_elem_origin(src, i), &oi) < 0) {
		free(chain);
		return -ENOMEM;
	}
	memcpy(dst->lo + dst->n_elems * dst->keylen, src->lo + i * src->keylen, src->keylen);
	if (dst->interval)
		memcpy(dst->hi + dst->n_elems * dst->keylen, src->hi + i * src->keylen, src->keylen);
	if (dst->vmap)
		dst->verdicts[dst->n_elems] = (struct rs_verdict){ v->code, chain };
	dst->elem_origin[dst->n_elems] = oi;
	dst->n_elems++;
	return 0;
}

/*
 * The kernel sizes a hash set's bucket array from this hint: the next
 * power of two above hint * 4/3 (nft_hash_buckets()), allocated and zeroed
 * in the transaction that creates the set.  So the hint is the largest one
 * that keeps the smallest bucket array giving at least 1.5x the content:
 * room for churn (past the hint adds fail with ENFILE and the daemon
 * replaces the table), without paying for twice the buckets.  100,000
 * elements get 196,608 (2 MiB of buckets) instead of 200,704 (4 MiB).
 */
uint32_t rs_set_size_hint(const struct rs_set *s)
{
	uint64_t kernel_elems, buckets = 1;

	if (s->size)
		return s->size;
	/* a single-field interval set holds a start and an end element per range */
	kernel_elems = (uint64_t)s->n_elems * (s->interval && s->key.n == 1 ? 2 : 1) + 1;
	while (buckets < kernel_elems * 2)	/* 1.5x content * 4/3 */
		buckets <<= 1;
	if (buckets * 3 / 4 < 1024)
		return 1024;
	return buckets * 3 / 4 > UINT32_MAX ? UINT32_MAX : (uint32_t)(buckets * 3 / 4);
}

struct rs_chain *rs_chain_find(const struct rs_table *t, const char *name)
{
	long i = nix_find(&t->chain_ix, name);

	return i < 0 ? NULL : t->chains[i];
}

struct rs_chain *rs_chain_add(struct rs_table *t, const char *name, const char *origin)
{
	struct rs_chain *c;

	if (!name_ok(name)) {
		errno = EINVAL;
		return NULL;
	}
	if (rs_chain_find(t, name)) {
		errno = EEXIST;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->name = strdup(name);
	c->origin = dup_or_empty(origin);
	if (!c->name || !c->origin || ptr_push(&t->chains, &t->n_chains, c) < 0) {
		chain_free(c);
		errno = ENOMEM;
		return NULL;
	}
	if (nix_add(&t->chain_ix, c->name, t->n_chains - 1) < 0) {
		t->n_chains--;
		chain_free(c);
		errno = ENOMEM;
		return NULL;
	}
	return c;
}

void rs_chain_set_hook(struct rs_chain *c, enum rs_hook hook, int prio, bool policy_drop)
{
	c->hook = hook;
	c->prio = prio;
	c->policy_drop = policy_drop;
}

struct rs_rule *rs_rule_add(struct rs_chain *c, const char *comment, const char *origin)
{
	struct rs_rule *r;

	if (comment && !text_ok(comment)) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->comment = comment ? strdup(comment) : NULL;
	r->origin = dup_or_empty(origin);
	if ((comment && !r->comment) || !r->origin || ptr_push(&c->rules, &c->n_rules, r) < 0) {
		rule_free(r);
		errno = ENOMEM;
		return NULL;
	}
	return r;
}

static struct rs_stmt *stmt_push(struct rs_rule *r, enum rs_stmt_kind kind)
{
	struct rs_stmt *v = realloc(r->s, (r->n + 1) * sizeof(*v));

	if (!v)
		return NULL;
	r->s = v;
	memset(&v[r->n], 0, sizeof(v[r->n]));
	v[r->n].kind = kind;
	return &v[r->n++];
}

int rs_rule_match(struct rs_rule *r, enum rs_field f, bool neg, const struct rs_value *v)
{
	struct rs_stmt *st;

	if (f >= RS_F__COUNT || rs_field_type(f) != v->type)
		return -EINVAL;
	st = stmt_push(r, RS_S_MATCH);
	if (!st)
		return -ENOMEM;
	st->f[0] = f;
	st->n_f = 1;
	st->neg = neg;
	st->val = *v;
	return 0;
}

static int stmt_set_ref(struct rs_rule *r, enum rs_stmt_kind kind, const enum rs_field *f,
			unsigned int n, bool neg, const char *set)
{
	struct rs_stmt *st;
	char *name;

	if (n == 0 || n > RS_MAX_CONCAT || !name_ok(set))
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++)
		if (f[i] >= RS_F__COUNT || !rs_type_len(rs_field_type(f[i])))
			return -EINVAL;
	name = strdup(set);
	if (!name)
		return -ENOMEM;
	st = stmt_push(r, kind);
	if (!st) {
		free(name);
		return -ENOMEM;
	}
	memcpy(st->f, f, n * sizeof(*f));
	st->n_f = n;
	st->neg = neg;
	st->set = name;
	return 0;
}

int rs_rule_lookup(struct rs_rule *r, const enum rs_field *f, unsigned int n, bool neg,
		   const char *set)
{
	return stmt_set_ref(r, RS_S_LOOKUP, f, n, neg, set);
}

int rs_rule_vmap(struct rs_rule *r, const enum rs_field *f, unsigned int n, const char *map)
{
	return stmt_set_ref(r, RS_S_VMAP, f, n, false, map);
}

int rs_rule_counter(struct rs_rule *r)
{
	return stmt_push(r, RS_S_COUNTER) ? 0 : -ENOMEM;
}

bool rs_counter_find(const struct rs_table *t, const char *name)
{
	return nix_find(&t->counter_ix, name) >= 0;
}

int rs_counter_add(struct rs_table *t, const char *name)
{
	char *n;

	if (!name_ok(name))
		return -EINVAL;
	if (rs_counter_find(t, name))
		return 0;
	n = strdup(name);
	if (!n || ptr_push(&t->counters, &t->n_counters, n) < 0) {
		free(n);
		return -ENOMEM;
	}
	if (nix_add(&t->counter_ix, n, t->n_counters - 1) < 0) {
		t->n_counters--;
		free(n);
		return -ENOMEM;
	}
	return 0;
}

int rs_rule_counter_named(struct rs_rule *r, const char *name)
{
	struct rs_stmt *st;
	char *n;

	if (!name_ok(name))
		return -EINVAL;
	n = strdup(name);
	st = n ? stmt_push(r, RS_S_COUNTER) : NULL;
	if (!st) {
		free(n);
		return -ENOMEM;
	}
	st->obj = n;
	return 0;
}

int rs_rule_limit(struct rs_rule *r, uint32_t per_second, uint32_t burst)
{
	struct rs_stmt *st;

	if (per_second == 0)
		return -EINVAL;
	st = stmt_push(r, RS_S_LIMIT);
	if (!st)
		return -ENOMEM;
	st->rate = per_second;
	st->burst = burst ? burst : 5;	/* nft's default; the kernel refuses 0 */
	return 0;
}

int rs_rule_log(struct rs_rule *r, uint16_t group, const char *prefix)
{
	struct rs_stmt *st;
	char *p = NULL;

	if (prefix && !text_ok(prefix))
		return -EINVAL;
	if (prefix && !(p = strdup(prefix)))
		return -ENOMEM;
	st = stmt_push(r, RS_S_LOG);
	if (!st) {
		free(p);
		return -ENOMEM;
	}
	st->group = group;
	st->prefix = p;
	return 0;
}

int rs_rule_verdict(struct rs_rule *r, enum rs_verdict_code code, const char *chain)
{
	struct rs_stmt *st;
	char *c = NULL;
	bool needs_chain = code == RS_V_JUMP || code == RS_V_GOTO;

	if (code == RS_V_NONE || needs_chain != (chain != NULL) || (chain && !name_ok(chain)))
		return -EINVAL;
	if (chain && !(c = strdup(chain)))
		return -ENOMEM;
	st = stmt_push(r, RS_S_VERDICT);
	if (!st) {
		free(c);
		return -ENOMEM;
	}
	st->v.code = code;
	st->v.chain = c;
	return 0;
}

const char *rs_elem_origin(const struct rs_set *s, size_t i)
{
	uint32_t o = i < s->n_elems ? s->elem_origin[i] : 0;

	return o ? s->origins[o] : s->origin;
}
