// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ruleset model in nft syntax (rs_render_text(), see ruleset.h), and
 * values in text for messages.  Pure.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/ruleset.h"
#include "ruleset-int.h"

void rs_sbuf_printf(struct rs_sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->len == 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p, b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= b->len)
		n = b->len - 1;
	b->p += n;
	b->len -= n;
}

const char *rs_quote(const char *s, char *buf, size_t len)
{
	struct rs_sbuf b = { buf, len };
	const char *tail = "\"";

	if (!len)
		return buf;
	buf[0] = '\0';
	rs_sbuf_printf(&b, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char one[5];

		if (c == '"' || c == '\\')
			snprintf(one, sizeof(one), "\\%c", c);
		else if (c == '\n')
			snprintf(one, sizeof(one), "\\n");
		else if (c == '\t')
			snprintf(one, sizeof(one), "\\t");
		else if (c < ' ' || c >= 0x7f)
			snprintf(one, sizeof(one), "\\x%02x", c);
		else
			snprintf(one, sizeof(one), "%c", c);
		/* room for this, and for the closing quote or the cut mark after it */
		if (strlen(one) + 5 > b.len) {
			tail = "\"...";
			break;
		}
		rs_sbuf_printf(&b, "%s", one);
	}
	rs_sbuf_printf(&b, "%s", tail);
	return buf;
}

void rs_elem_text(const struct rs_set *s, size_t i, char *buf, size_t len)
{
	struct rs_sbuf b = { buf, len };
	const uint8_t *lo = s->lo + i * s->keylen;
	const uint8_t *hi = s->hi ? s->hi + i * s->keylen : lo;
	unsigned int off = 0;

	if (len)
		buf[0] = '\0';
	for (unsigned int f = 0; f < s->key.n; f++) {
		rs_sbuf_printf(&b, "%s", f ? " . " : "");
		rs_type_desc(s->key.t[f])->print(&b, lo + off, hi + off);
		off += rs_pad4(rs_type_len(s->key.t[f]));
	}
}

/* A growing string on the heap (open_memstream would do, but this stays pure). */
struct dbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void db_printf(struct dbuf *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void db_printf(struct dbuf *d, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (d->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(d->p + d->len, d->cap - d->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			d->oom = true;
			return;
		}
		if ((size_t)n < d->cap - d->len)
			break;
		size_t cap = (d->cap + n + 1) * 2;
		char *p = realloc(d->p, cap);

		if (!p) {
			d->oom = true;
			return;
		}
		d->p = p;
		d->cap = cap;
	}
	d->len += n;
}

static void verdict_text(struct dbuf *d, const struct rs_verdict *v)
{
	static const char *const names[] = {
		[RS_V_ACCEPT] = "accept", [RS_V_DROP] = "drop", [RS_V_JUMP] = "jump",
		[RS_V_GOTO] = "goto", [RS_V_RETURN] = "return",
	};

	if (v->code == RS_V_NONE)
		return;
	db_printf(d, "%s", names[v->code]);
	if (v->chain)
		db_printf(d, " %s", v->chain);
}

static void render_set(struct dbuf *d, const struct rs_set *s)
{
	char elem[512];

	db_printf(d, "\t%s %s {\n\t\t%s ", s->vmap ? "map" : "set", s->name,
		  s->has_typeof ? "typeof" : "type");
	for (unsigned int i = 0; i < s->key.n; i++)
		db_printf(d, "%s%s", i ? " . " : "",
			  s->has_typeof ? rs_field_name(s->typeof_f[i]) : rs_type_name(s->key.t[i]));
	db_printf(d, "%s\n", s->vmap ? " : verdict" : "");
	if (s->interval)
		db_printf(d, "\t\tflags interval\n");
	db_printf(d, "\t\tsize %u\n", rs_set_size_hint(s));
	for (size_t e = 0; e < s->n_elems; e++) {
		rs_elem_text(s, e, elem, sizeof(elem));
		db_printf(d, "%s%s", e ? ",\n\t\t\t     " : "\t\telements = { ", elem);
		if (s->vmap) {
			db_printf(d, " : ");
			verdict_text(d, &s->verdicts[e]);
		}
	}
	if (s->n_elems)
		db_printf(d, " }\n");
	db_printf(d, "\t}\n");
}

static void fields_text(struct dbuf *d, const struct rs_stmt *st)
{
	for (unsigned int i = 0; i < st->n_f; i++)
		db_printf(d, "%s%s", i ? " . " : "", rs_field_name(st->f[i]));
}

/*
 * A raw integer or a MAC has no prefix syntax in nft: "FIELD & MASK != VALUE",
 * the mask written as a value of the type (a MAC's as a MAC, as nft lists it).
 */
static void render_masked(struct dbuf *d, const struct rs_stmt *st, const uint8_t *val,
			  const uint8_t *mask)
{
	const struct rs_type_desc *t = rs_type_desc(st->val.type);
	char m[40], v[40];
	struct rs_sbuf bm = { m, sizeof(m) }, bv = { v, sizeof(v) };

	t->print(&bm, mask, mask);
	t->print(&bv, val, val);
	fields_text(d, st);
	db_printf(d, " & %s %s%s", m, st->neg ? "!= " : "", v);
}

static void render_match(struct dbuf *d, const struct rs_stmt *st)
{
	const struct rs_type_desc *t = rs_type_desc(st->val.type);
	uint8_t val[RS_VALUE_MAX], mask[RS_VALUE_MAX];
	struct rs_sbuf b;
	char v[128];
	bool masked;

	rs_value_match(&st->val, val, mask, &masked);
	if (t && masked && !t->cidr && !t->bitmask) {
		render_masked(d, st, val, mask);
		return;
	}
	b = (struct rs_sbuf){ v, sizeof(v) };
	v[0] = '\0';
	rs_value_print(&b, &st->val);
	fields_text(d, st);
	db_printf(d, " %s%s", st->neg ? "!= " : "", v);
}

static void render_stmt(struct dbuf *d, const struct rs_stmt *st)
{
	switch (st->kind) {
	case RS_S_MATCH:
		render_match(d, st);
		break;
	case RS_S_LOOKUP:
		fields_text(d, st);
		db_printf(d, " %s@%s", st->neg ? "!= " : "", st->set);
		break;
	case RS_S_VMAP:
		fields_text(d, st);
		db_printf(d, " vmap @%s", st->set);
		break;
	case RS_S_COUNTER:
		db_printf(d, "counter");
		if (st->obj)
			db_printf(d, " name \"%s\"", st->obj);
		break;
	case RS_S_LIMIT:
		db_printf(d, "limit rate %u/second burst %u packets", st->rate, st->burst);
		break;
	case RS_S_LOG:
		db_printf(d, "log");
		if (st->prefix)
			db_printf(d, " prefix \"%s\"", st->prefix);
		db_printf(d, " group %u", st->group);
		break;
	case RS_S_VERDICT:
		verdict_text(d, &st->v);
		break;
	}
}

/*
 * nft adds "meta protocol" before an IP header field in a bridge table, and
 * that is the frame's inner protocol when it carries a VLAN tag; what we
 * send checks the frame's own ether type (expr_dep() in src/nft/nft-expr.c),
 * which nft writes for the same bytecode when it is spelled out.
 */
static void render_bridge_dep(struct dbuf *d, const struct rs_stmt *st, uint16_t *done)
{
	for (unsigned int i = 0; i < st->n_f && !*done; i++) {
		uint16_t need = rs_field_ethertype(st->f[i]);

		if (need == 0x0800 || need == 0x86dd) {
			db_printf(d, "ether type %s ", need == 0x0800 ? "ip" : "ip6");
			*done = need;
		}
	}
}

static void render_chain(struct dbuf *d, enum rs_family fam, const struct rs_chain *c)
{
	db_printf(d, "\tchain %s {\n", c->name);
	if (c->hook != RS_HOOK_NONE)
		db_printf(d, "\t\ttype filter hook %s priority %d; policy %s;\n",
			  rs_hook_name(c->hook), c->prio, c->policy_drop ? "drop" : "accept");
	for (size_t i = 0; i < c->n_rules; i++) {
		const struct rs_rule *r = c->rules[i];

		uint16_t dep = 0;

		db_printf(d, "\t\t");
		for (size_t k = 0; k < r->n; k++) {
			db_printf(d, "%s", k ? " " : "");
			if (fam == RS_BRIDGE)
				render_bridge_dep(d, &r->s[k], &dep);
			render_stmt(d, &r->s[k]);
		}
		if (r->comment)
			db_printf(d, " comment \"%s\"", r->comment);
		db_printf(d, "\n");
	}
	db_printf(d, "\t}\n");
}

/*
 * -EINVAL, and @err naming it, for a value in key @k at @p that nft's text
 * cannot carry (an interface name, rs_type_desc()->text_problem).  The low
 * ends suffice: such a value is never a range.
 */
static int check_key_text(const struct rs_key *k, const uint8_t *p, const char *origin,
			  const char *where, struct diags *d)
{
	unsigned int off = 0;
	char what[RS_QUOTED_MAX + 32];
	const char *why;

	for (unsigned int f = 0; f < k->n; off += rs_pad4(rs_type_len(k->t[f])), f++) {
		const struct rs_type_desc *t = rs_type_desc(k->t[f]);

		if (t->text_problem && (why = t->text_problem(p + off, what, sizeof(what))))
			return rs_fail(d, origin, "%s (%s) cannot be written in nft's text: %s",
				       what, where, why);
	}
	return 0;
}

static int check_set_text(const struct rs_set *s, struct diags *d)
{
	char where[RS_NAME_MAX + 16];
	int rc;

	snprintf(where, sizeof(where), "set %s", s->name);
	for (size_t e = 0; e < s->n_elems; e++) {
		rc = check_key_text(&s->key, s->lo + e * s->keylen, rs_elem_origin(s, e), where, d);
		if (rc)
			return rc;
	}
	return 0;
}

static int check_chain_text(const struct rs_chain *c, struct diags *d)
{
	uint8_t lo[RS_VALUE_MAX], hi[RS_VALUE_MAX];
	char where[RS_NAME_MAX + 16];
	int rc;

	snprintf(where, sizeof(where), "chain %s", c->name);
	for (size_t r = 0; r < c->n_rules; r++)
		for (size_t k = 0; k < c->rules[r]->n; k++) {
			const struct rs_stmt *st = &c->rules[r]->s[k];
			struct rs_key key = { { st->val.type }, 1 };

			if (st->kind != RS_S_MATCH || !rs_value_encode(&st->val, lo, hi))
				continue;
			rc = check_key_text(&key, lo, c->rules[r]->origin, where, d);
			if (rc)
				return rc;
		}
	return 0;
}

int rs_render_check(const struct rs_ruleset *rs, struct diags *d)
{
	int rc;

	if (d)
		diags_init(d);
	for (size_t i = 0; i < rs->n_tables; i++) {
		const struct rs_table *t = rs->tables[i];

		for (size_t j = 0; j < t->n_sets; j++)
			if ((rc = check_set_text(t->sets[j], d)))
				return rc;
		for (size_t j = 0; j < t->n_chains; j++)
			if ((rc = check_chain_text(t->chains[j], d)))
				return rc;
	}
	return 0;
}

char *rs_render_text(const struct rs_ruleset *rs, unsigned int flags)
{
	struct dbuf d = { 0 };

	if (rs_render_check(rs, NULL) < 0) {
		errno = EINVAL;
		return NULL;
	}
	d.p = malloc(4096);
	if (!d.p)
		return NULL;
	d.cap = 4096;
	d.p[0] = '\0';
	for (size_t i = 0; i < rs->n_tables; i++) {
		const struct rs_table *t = rs->tables[i];
		const char *fam = rs_family_name(t->family);

		if (flags & RS_RENDER_REPLACE)
			db_printf(&d, "table %s %s\ndelete table %s %s\n", fam, t->name, fam,
				  t->name);
		db_printf(&d, "table %s %s {\n", fam, t->name);
		for (size_t j = 0; j < t->n_sets; j++)
			render_set(&d, t->sets[j]);
		for (size_t j = 0; j < t->n_counters; j++)
			db_printf(&d, "\tcounter %s { }\n", t->counters[j]);
		for (size_t j = 0; j < t->n_chains; j++)
			render_chain(&d, t->family, t->chains[j]);
		db_printf(&d, "}\n");
	}
	if (d.oom) {
		free(d.p);
		errno = ENOMEM;
		return NULL;
	}
	return d.p;
}
