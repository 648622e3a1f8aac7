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

bool jscan_top_key(const char *t, size_t len, const char *key)
{
	size_t i = jscan_ws(t, len, 0), e, klen = strlen(key);

	if (i >= len || t[i] != '{')
		return false;
	for (i = jscan_ws(t, len, i + 1); i < len && t[i] == '"'; i = jscan_ws(t, len, i + 1)) {
		e = jscan_string_end(t, len, i);
		if (!e)
			return false;
		if (e - i == klen + 2 && !memcmp(t + i + 1, key, klen))
			return true;
		i = jscan_ws(t, len, e);
		if (i >= len || t[i] != ':')
			return false;
		e = jscan_value_end(t, len, jscan_ws(t, len, i + 1));
		if (!e)
			return false;
		i = jscan_ws(t, len, e);
		if (i >= len || t[i] != ',')
			return false;
	}
	return false;
}
