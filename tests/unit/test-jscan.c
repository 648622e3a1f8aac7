// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for the JSON structure scanner (src/lib/jscan.c). */

#include "config.h"

#include <string.h>

#include "tap.h"
#include "zonewall/jscan.h"

static size_t end_of(const char *t)
{
	return jscan_value_end(t, strlen(t), 0);
}

int main(void)
{
	static const char doc[] = " {\"version\": 1, \"a\\\"edges\": [1, {\"x\": \"]}\"}], "
				  "\"edges\": [ ]}";
	size_t at = 0;

	tap_is_int(end_of("\"a\\\"b\" tail"), 6, "a string with an escaped quote");
	tap_is_int(end_of("{\"k\": [1, \"}\", {\"n\": []}]} , 2"), 26,
		   "an object: brackets inside strings do not count");
	tap_is_int(end_of("123, 4"), 3, "a number ends at the comma");
	tap_is_int(end_of("true]"), 4, "a literal ends at a bracket");
	tap_is_int(end_of("[1, [2]"), 0, "unclosed nesting: 0");
	tap_is_int(end_of("\"open"), 0, "unterminated string: 0");
	tap_is_int(end_of(""), 0, "nothing: 0");
	tap_is_int(jscan_value_end("[1]", 2, 0), 0, "the end is bounded by len, not a NUL");
	tap_is_int(jscan_ws(" \t\r\nx", 5, 0), 4, "whitespace as JSON has it");
	tap_ok(jscan_top_key(doc, strlen(doc), "edges"), "a top-level key after others");
	tap_ok(jscan_top_key(doc, strlen(doc), "version"), "the first key");
	tap_ok(!jscan_top_key(doc, strlen(doc), "x"), "a nested key is not a top-level one");
	tap_ok(!jscan_top_key("[{\"edges\": 1}]", 14, "edges"), "not an object: no keys");
	tap_ok(jscan_top_key("{\"edges\": [1, 2", 15, "edges"),
	       "a key found before its value ends (the head of a large file)");
	tap_is_int(jscan_top_member(doc, strlen(doc), "edges", &at), strlen(doc) - 1,
		   "a member's value ends before the closing brace");
	tap_is_int(at, strlen(doc) - 4, "... and starts at its bracket");
	tap_is_int(jscan_top_member("{\"a\": 1, \"a\": 2}", 16, "a", &at), 0,
		   "a key given twice: 0");
	tap_is_int(jscan_top_member("{\"a\": [1, 2", 12, "a", &at), 0,
		   "an unclosed value: 0");
	tap_is_int(jscan_top_member("{}", 2, "a", &at), 0, "no such key: 0");
	return tap_done();
}
