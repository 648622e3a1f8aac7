// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * JSON structure scanner (include/zonewall/jscan.h).
 */

#include "config.h"

#include <string.h>

#include "zonewall/jscan.h"

size_t jscan_ws(const char *t, size_t len, size_t i)
{
	while (i < len && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r'))
		i++;
	return i;
}

/* Past the string whose opening quote is at @i; 0 when unterminated. */
static size_t jscan_string_end(const char *t, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (t[i] == '\\')
			i++;
		else if (t[i] == '"')
			return i + 1;
	}
	return 0;
}

/* Past the object or array whose opening bracket is at @i; 0 when unclosed. */
static size_t jscan_nest_end(const char *t, size_t len, size_t i)
{
	size_t depth = 0;

	for (; i < len; i++) {
		switch (t[i]) {
		case '"':
			i = jscan_string_end(t, len, i);
			if (!i)
				return 0;
			i--;
			break;
		case '{':
		case '[':
			depth++;
			break;
		case '}':
		case ']':
			if (!--depth)
				return i + 1;
			break;
		}
	}
	return 0;
}

size_t jscan_value_end(const char *t, size_t len, size_t i)
{
	size_t j = i;

	if (i >= len)
		return 0;
	if (t[i] == '"')
		return jscan_string_end(t, len, i);
	if (t[i] == '{' || t[i] == '[')
		return jscan_nest_end(t, len, i);
	while (j < len && !strchr(",]} \t\r\n{[\":", t[j]))
		j++;
	return j > i ? j : 0;
}

/*
 * Each member of the top-level object in turn: @fn gets the key (without
 * its quotes) and the value's span.  False when the text is not an object
 * whose members the scanner can walk.
 */
static bool jscan_top_walk(const char *t, size_t len,
			   void (*fn)(const char *, size_t, size_t, size_t, void *), void *arg)
{
	size_t i = jscan_ws(t, len, 0), e, v, k;

	if (i >= len || t[i] != '{')
		return false;
	i = jscan_ws(t, len, i + 1);
	if (i < len && t[i] == '}')
		return true;
	for (; i < len && t[i] == '"'; i = jscan_ws(t, len, i + 1)) {
		k = i;
		e = jscan_string_end(t, len, i);
		if (!e)
			return false;
		v = jscan_ws(t, len, e);
		if (v >= len || t[v] != ':')
			return false;
		v = jscan_ws(t, len, v + 1);
		i = jscan_value_end(t, len, v);
		fn(t + k + 1, e - k - 2, v, i, arg);
		if (!i)
			return false;
		i = jscan_ws(t, len, i);
		if (i < len && t[i] == '}')
			return true;
		if (i >= len || t[i] != ',')
			return false;
	}
	return false;
}

struct jscan_find {
	const char *key;
	size_t klen, start, end, seen;
};

static void jscan_find_one(const char *k, size_t klen, size_t v, size_t e, void *arg)
{
	struct jscan_find *f = arg;

	if (klen == f->klen && !memcmp(k, f->key, klen)) {
		f->start = v;
		f->end = e;
		f->seen++;
	}
}

bool jscan_top_key(const char *t, size_t len, const char *key)
{
	struct jscan_find f = { .key = key, .klen = strlen(key), .start = 0, .end = 0, .seen = 0 };

	jscan_top_walk(t, len, jscan_find_one, &f);
	return f.seen > 0;
}

size_t jscan_top_member(const char *t, size_t len, const char *key, size_t *start)
{
	struct jscan_find f = { .key = key, .klen = strlen(key), .start = 0, .end = 0, .seen = 0 };

	if (!jscan_top_walk(t, len, jscan_find_one, &f) || f.seen != 1)
		return 0;
	*start = f.start;
	return f.end;
}
