// SPDX-License-Identifier: GPL-2.0-or-later
/* Diagnostics with a JSON path, shared by the policy and proposal parsers. */

#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "zonewall/diag.h"

void diags_init(struct diags *d)
{
	d->n = 0;
	d->dropped = 0;
}

void diag_add(struct diags *d, const char *where, const char *fmt, ...)
{
	struct diag *e;
	va_list ap;

	if (d->n >= DIAG_MAX) {
		d->dropped++;
		return;
	}
	e = &d->v[d->n++];
	snprintf(e->where, sizeof(e->where), "%s", where);
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

void diags_summary(const struct diags *d, char *buf, size_t len)
{
	size_t total = d->n + d->dropped, at = 0;
	int w;

	if (!len)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < d->n && at < len; i++) {
		const struct diag *e = &d->v[i];

		w = snprintf(buf + at, len - at, "%s%s%s%s", i ? "; " : "", e->where,
			     *e->where ? ": " : "", e->msg);
		if (w < 0)
			break;
		at += (size_t)w;
	}
	if (total > 1 && at < len)
		snprintf(buf + at, len - at, " (%zu problems)", total);
}

void diags_nest(struct diags *d, const struct diags *from, const char *prefix)
{
	for (size_t i = 0; i < from->n; i++) {
		const struct diag *e = &from->v[i];

		if (!*prefix) {
			diag_add(d, e->where, "%s", e->msg);
		} else if (*e->where) {
			char where[sizeof(e->where)];

			snprintf(where, sizeof(where), "%s: %s", prefix, e->where);
			diag_add(d, where, "%s", e->msg);
		} else {
			diag_add(d, prefix, "%s", e->msg);
		}
	}
	d->dropped += from->dropped;
}

bool diags_any(const struct diags *d)
{
	return d && (d->n || d->dropped);
}

/* --- JSON helpers for parsers that report paths ------------------------ */

void diag_path_key(char *out, const char *base, const char *key)
{
	const char *k;

	for (k = key; *k; k++)
		if (!isalnum((unsigned char)*k) && *k != '_' && *k != '$')
			break;
	if (*key && !*k)
		snprintf(out, DIAG_PATH_LEN, "%s.%s", base, key);
	else
		snprintf(out, DIAG_PATH_LEN, "%s[\"%.40s\"]", base, key);
}

void diag_path_idx(char *out, const char *base, size_t i)
{
	snprintf(out, DIAG_PATH_LEN, "%s[%zu]", base, i);
}

const char *diag_json_type(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

/* A short rendering of @v for "got ..." (JSON, cut at 40 bytes). */
void diag_json_preview(const json_t *v, char *buf, size_t size)
{
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(6));

	if (!s) {
		snprintf(buf, size, "%s", diag_json_type(v));
		return;
	}
	if (strlen(s) > 40)
		snprintf(buf, size, "%.37s...", s);
	else
		snprintf(buf, size, "%s", s);
	free(s);
}

bool diag_want_type(struct diags *d, const char *path, const json_t *v, json_type t,
		      const char *tname)
{
	char got[64];

	if (json_typeof(v) == t)
		return true;
	diag_json_preview(v, got, sizeof(got));
	if (json_is_null(v) || json_is_boolean(v))
		diag_add(d, path, "expected %s, got %s", tname, got);
	else
		diag_add(d, path, "expected %s, got %s %s", tname, diag_json_type(v), got);
	return false;
}

/* Report every key of @obj not in the NULL-terminated @allowed list. */
void diag_check_keys(struct diags *d, const char *path, json_t *obj,
		       const char *const *allowed, const char *expect)
{
	char kp[DIAG_PATH_LEN];
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(obj, key, v) {
		for (i = 0; allowed[i]; i++)
			if (!strcmp(allowed[i], key))
				break;
		if (allowed[i])
			continue;
		diag_path_key(kp, path, key);
		diag_add(d, kp, "unknown key (expected %s)", expect);
	}
}

/* @obj's member @key if present with type @t; a wrong type, or a missing
 * required member, is recorded and gives NULL. */
json_t *diag_member(struct diags *d, const char *path, json_t *obj, const char *key,
		      json_type t, const char *tname, bool required)
{
	char kp[DIAG_PATH_LEN];
	json_t *v = json_object_get(obj, key);

	if (!v) {
		if (required)
			diag_add(d, path, "missing key '%s'", key);
		return NULL;
	}
	/* the path only for a problem: members are read by the hundred thousand */
	if (json_typeof(v) == t)
		return v;
	diag_path_key(kp, path, key);
	diag_want_type(d, kp, v, t, tname);
	return NULL;
}


void diag_json_syntax(struct diags *d, const json_error_t *e)
{
	char where[64];

	snprintf(where, sizeof(where), "$ (line %d, column %d)", e->line, e->column);
	if (json_error_code(e) == json_error_end_of_input_expected)
		diag_add(d, where, "trailing garbage after the JSON document (%s)", e->text);
	else
		diag_add(d, where, "%s", e->text);
}
