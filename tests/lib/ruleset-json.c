// SPDX-License-Identifier: GPL-2.0-or-later
/* JSON fixtures -> ruleset model, for tests and benchmarks (see ruleset-json.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ruleset-json.h"

static const char *str(const json_t *o, const char *k, const char *def)
{
	const json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : def;
}

int fixture_verdict(const char *text, enum rs_verdict_code *code, const char **chain)
{
	static const struct {
		const char *w;
		enum rs_verdict_code c;
	} words[] = { { "accept", RS_V_ACCEPT }, { "drop", RS_V_DROP }, { "return", RS_V_RETURN },
		      { "jump ", RS_V_JUMP }, { "goto ", RS_V_GOTO } };

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t n = strlen(words[i].w);

		if (words[i].w[n - 1] == ' ' ? !strncmp(text, words[i].w, n) : !strcmp(text, words[i].w)) {
			*code = words[i].c;
			*chain = words[i].w[n - 1] == ' ' ? text + n : NULL;
			return 0;
		}
	}
	return -EINVAL;
}

static int fields(const json_t *arr, enum rs_field *f, unsigned int *n)
{
	size_t i;
	const json_t *v;

	if (!json_is_array(arr) || json_array_size(arr) > RS_MAX_CONCAT)
		return -EINVAL;
	*n = json_array_size(arr);
	json_array_foreach(arr, i, v)
		if (!json_is_string(v) || rs_field_parse(json_string_value(v), &f[i]) < 0)
			return -EINVAL;
	return 0;
}

static int stmt(struct rs_rule *r, const json_t *s)
{
	enum rs_field f[RS_MAX_CONCAT];
	unsigned int n;
	bool neg = json_is_true(json_object_get(s, "neg"));
	const char *m;

	if ((m = str(s, "match", NULL))) {
		struct rs_value v;

		if (rs_field_parse(m, &f[0]) < 0 ||
		    rs_value_parse(rs_field_type(f[0]), str(s, "value", ""), &v) < 0)
			return -EINVAL;
		return rs_rule_match(r, f[0], neg, &v);
	}
	if (json_object_get(s, "lookup"))
		return fields(json_object_get(s, "lookup"), f, &n) < 0 ? -EINVAL :
			rs_rule_lookup(r, f, n, neg, str(s, "set", ""));
	if (json_object_get(s, "vmap"))
		return fields(json_object_get(s, "vmap"), f, &n) < 0 ? -EINVAL :
			rs_rule_vmap(r, f, n, str(s, "map", ""));
	if (json_object_get(s, "counter"))
		return rs_rule_counter(r);
	if (json_object_get(s, "limit"))
		return rs_rule_limit(r, json_integer_value(json_object_get(s, "limit")),
				     json_integer_value(json_object_get(s, "burst")));
	if (json_object_get(s, "log"))
		return rs_rule_log(r, json_integer_value(json_object_get(s, "log")),
				   str(s, "prefix", NULL));
	if ((m = str(s, "verdict", NULL))) {
		enum rs_verdict_code c;
		const char *chain;

		if (fixture_verdict(m, &c, &chain) < 0)
			return -EINVAL;
		return rs_rule_verdict(r, c, chain);
	}
	return -EINVAL;
}

static int elems(struct rs_set *s, const json_t *arr, char *err, size_t errlen)
{
	size_t i, j;
	const json_t *e, *k;

	json_array_foreach(arr, i, e) {
		struct rs_value vals[RS_MAX_CONCAT];
		struct rs_verdict v = { RS_V_NONE, NULL };
		const json_t *key = json_object_get(e, "key");
		const char *vt = str(e, "verdict", NULL);

		if (json_array_size(key) != s->key.n)
			goto bad;
		json_array_foreach(key, j, k)
			if (rs_value_parse(s->key.t[j], json_string_value(k) ? json_string_value(k) : "",
					   &vals[j]) < 0)
				goto bad;
		if (vt && fixture_verdict(vt, &v.code, (const char **)&v.chain) < 0)
			goto bad;
		if (rs_set_add_elem(s, vals, &v, str(e, "origin", NULL)) < 0)
			goto bad;
		continue;
bad:
		snprintf(err, errlen, "set %s: bad element %zu", s->name, i);
		return -EINVAL;
	}
	return 0;
}

static struct rs_set *set(struct rs_table *t, const json_t *o, char *err, size_t errlen)
{
	struct rs_key key = { .n = 0 };
	const json_t *ty = json_object_get(o, "type"), *v;
	struct rs_set *s;
	size_t i;

	json_array_foreach(ty, i, v)
		if (i >= RS_MAX_CONCAT || rs_type_parse(json_string_value(v) ? json_string_value(v) : "",
						       &key.t[key.n++]) < 0) {
			snprintf(err, errlen, "set %s: bad type", str(o, "name", "?"));
			return NULL;
		}
	s = rs_set_add(t, str(o, "name", ""), &key, json_is_true(json_object_get(o, "interval")),
		       json_is_true(json_object_get(o, "map")), str(o, "origin", NULL));
	if (!s) {
		snprintf(err, errlen, "set %s: %s", str(o, "name", "?"), strerror(errno));
		return NULL;
	}
	s->size = json_integer_value(json_object_get(o, "size"));
	return elems(s, json_object_get(o, "elements"), err, errlen) < 0 ? NULL : s;
}

static int chain(struct rs_table *t, const json_t *o, char *err, size_t errlen)
{
	static const char *const hooks[] = { "", "prerouting", "input", "forward", "output",
					     "postrouting" };
	struct rs_chain *c = rs_chain_add(t, str(o, "name", ""), str(o, "origin", NULL));
	const char *hook = str(o, "hook", NULL);
	const json_t *r, *s;
	size_t i, j;

	if (!c) {
		snprintf(err, errlen, "chain %s: %s", str(o, "name", "?"), strerror(errno));
		return -EINVAL;
	}
	for (int h = 1; hook && h <= RS_HOOK_POSTROUTING; h++)
		if (!strcmp(hook, hooks[h]))
			rs_chain_set_hook(c, h, json_integer_value(json_object_get(o, "prio")),
					  !strcmp(str(o, "policy", "accept"), "drop"));
	json_array_foreach(json_object_get(o, "rules"), i, r) {
		struct rs_rule *rule = rs_rule_add(c, str(r, "comment", NULL), str(r, "origin", NULL));

		if (!rule) {
			snprintf(err, errlen, "chain %s rule %zu: %s", c->name, i, strerror(errno));
			return -EINVAL;
		}
		json_array_foreach(json_object_get(r, "stmts"), j, s)
			if (stmt(rule, s) < 0) {
				snprintf(err, errlen, "chain %s rule %zu statement %zu is invalid",
					 c->name, i, j);
				return -EINVAL;
			}
	}
	return 0;
}

struct rs_ruleset *fixture_ruleset(const json_t *root, char *err, size_t errlen)
{
	struct rs_ruleset *rs = rs_ruleset_new();
	const json_t *t, *o;
	size_t i, j;

	if (!rs)
		return NULL;
	json_array_foreach(json_object_get(root, "tables"), i, t) {
		const char *fam = str(t, "family", "inet");
		struct rs_table *tab = rs_table_add(rs, !strcmp(fam, "bridge") ? RS_BRIDGE : RS_INET,
						    str(t, "name", ""), str(t, "origin", NULL));

		if (!tab) {
			snprintf(err, errlen, "table %s: %s", str(t, "name", "?"), strerror(errno));
			goto out_free;
		}
		json_array_foreach(json_object_get(t, "chains"), j, o)
			if (chain(tab, o, err, errlen) < 0)
				goto out_free;
		json_array_foreach(json_object_get(t, "sets"), j, o)
			if (!set(tab, o, err, errlen))
				goto out_free;
	}
	return rs;
out_free:
	rs_ruleset_free(rs);
	return NULL;
}
