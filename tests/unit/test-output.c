// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: the one output path renders table, TSV and JSON. */

#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "zonewall/output.h"

static char *render(enum out_format fmt, const json_t *rows, const struct out_column *cols,
		    int *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	*err = out_rows_print(f, fmt, rows, cols);
	fclose(f);
	return buf;
}

static json_t *copy_row(void *user, size_t i)
{
	return json_deep_copy(json_array_get(user, i));
}

/* out_objects_print(): rows made one at a time, the text out_rows_print() gives. */
static void test_objects(json_t *rows, const struct out_column *cols)
{
	char *want, *got = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&got, &len);
	int err, err2;

	want = render(OUT_TABLE, rows, cols, &err);
	err2 = out_objects_print(f, OUT_TABLE, cols, json_array_size(rows), copy_row, rows);
	fclose(f);
	tap_ok(!err && !err2 && want && got && !strcmp(want, got),
	       "rows made one at a time: the same table");
	tap_is_int(out_objects_print(stdout, OUT_JSON, cols, 0, copy_row, rows), -EINVAL,
		   "out_objects_print() is for tables");
	free(want);
	free(got);
}

/* ---- the row-source core ---- */

struct src {
	const struct out_cell *rows;	/* ncells per row */
	int ncells;
	int fail_at;			/* row whose call fails, or -1 */
	int calls;
};

static int src_row(void *user, size_t i, const struct out_cell **cells)
{
	struct src *s = user;

	s->calls++;
	if ((int)i == s->fail_at)
		return -EBADMSG;
	*cells = &s->rows[i * (size_t)s->ncells];
	return s->ncells;
}

static char *render_src(enum out_format fmt, struct src *s, size_t nrows,
			const struct out_column *cols, int *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	*err = out_source_print(f, fmt, cols, nrows, src_row, s);
	fclose(f);
	return buf;
}

#define STR(t) { .type = OUT_STR, .s = (t), .len = sizeof(t) - 1 }

static void test_source(void)
{
	static const struct out_column cols[] = {
		{ .key = "proto", .title = "PROTO" },
		{ .key = "port", .title = "PORT", .right = true },
		{ .key = "n", .title = "N", .right = true },
		{ .key = "ok", .title = "OK" },
		{ .key = NULL },
	};
	const struct out_cell rows[] = {
		STR("tcp"), { .type = OUT_UINT, .u = 443 }, { .type = OUT_INT, .i = -12 },
		{ .type = OUT_BOOL, .b = true },
		STR("udp"), { .type = OUT_UINT, .u = UINT64_MAX }, { .type = OUT_NULL },
		{ .type = OUT_BOOL, .b = false },
	};
	struct src s = { rows, 4, -1, 0 };
	char *out;
	int err;

	out = render_src(OUT_TABLE, &s, 2, cols, &err);
	tap_is_int(err, 0, "source: table renders");
	tap_is_str(out,
		   "PROTO                  PORT    N  OK\n"
		   "tcp                     443  -12  yes\n"
		   "udp    18446744073709551615    -  no\n",
		   "source: table aligns typed cells (uint64 max, negative, null, bool)");
	tap_is_int(s.calls, 4, "source: a table asks for each row twice");
	free(out);

	out = render_src(OUT_TSV, &s, 2, cols, &err);
	tap_is_str(out, "tcp\t443\t-12\tyes\nudp\t18446744073709551615\t-\tno\n",
		   "source: tsv");
	free(out);

	out = render_src(OUT_JSON, &s, 2, cols, &err);
	tap_is_int(err, 0, "source: json renders");
	tap_is_str(out,
		   "[\n  {\n    \"proto\": \"tcp\",\n    \"port\": 443,\n    \"n\": -12,\n"
		   "    \"ok\": true\n  },\n  {\n    \"proto\": \"udp\",\n"
		   "    \"port\": 18446744073709551615,\n    \"n\": null,\n    \"ok\": false\n  }\n]\n",
		   "source: json is laid out as jansson's JSON_INDENT(2)");
	free(out);

	out = render_src(OUT_JSON, &s, 0, cols, &err);
	tap_is_str(out, "[]\n", "source: no rows is []");
	free(out);

	s.fail_at = 1;
	out = render_src(OUT_TSV, &s, 2, cols, &err);
	tap_is_int(err, -EBADMSG, "source: the row source's error comes back");
	free(out);
	s.fail_at = -1;

	{
		static const struct out_column two[] = {
			{ .key = "a", .title = "A" }, { .key = "b", .title = "B" }, { .key = NULL },
		};
		struct src shortrow = { rows, 1, -1, 0 };

		out = render_src(OUT_TABLE, &shortrow, 1, two, &err);
		tap_is_str(out, "A    B\ntcp  -\n", "source: a short row shows '-'");
		free(out);
		out = render_src(OUT_JSON, &s, 1, two, &err);
		tap_is_int(err, -EINVAL, "source: a JSON cell without any key is refused");
		free(out);
	}

	{
		FILE *full = fopen("/dev/full", "w");

		if (full) {
			err = out_source_print(full, OUT_TSV, cols, 2, src_row, &s);
			tap_is_int(err, -EIO, "source: a write error is -EIO");
			fclose(full);
		} else {
			tap_ok(1, "# SKIP no /dev/full");
		}
	}
}

/* A deterministic byte generator (xorshift). */
static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* Bytes that stress the escaper: controls, quotes, backslash, DEL, valid
 * and broken UTF-8 (overlong, surrogates, truncated, past U+10FFFF). */
static size_t rnd_text(char *p, size_t max)
{
	static const char *const pieces[] = {
		"\"", "\\", "/", "\x7f", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
		"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\xff", "\x80",
		"\xf8\x88\x80\x80\x80", "a", "Z", " ",
	};
	size_t n = rnd() % max, len = 0;

	while (len < n) {
		if (rnd() % 3 == 0) {
			p[len++] = (char)(rnd() % 0x20);
		} else {
			const char *piece = pieces[rnd() % (sizeof(pieces) / sizeof(pieces[0]))];
			size_t pl = strlen(piece);

			if (len + pl > max)
				break;
			memcpy(p + len, piece, pl);
			len += pl;
		}
	}
	return len;
}

/* Escaping, with jansson's parser as the witness: every string gives
 * valid JSON; valid UTF-8 comes back byte for byte; broken UTF-8 comes
 * back with U+FFFD where the broken bytes were. */
static void test_escaping(void)
{
	static const struct out_column cols[] = { { .key = "s", .title = "S" }, { .key = NULL } };
	int parsed = 0, exact = 0, valid_in = 0, jansson_same = 0;
	char text[64];
	int i;

	for (i = 0; i < 4000; i++) {
		size_t len = i < 32 ? 1 : rnd_text(text, sizeof(text));
		struct out_cell cell = { .type = OUT_STR, .s = text, .len = len };
		struct src s = { &cell, 1, -1, 0 };
		json_t *back, *in;
		json_error_t je;
		char *out;
		int err;

		if (i < 32)
			text[0] = (char)i;	/* every control character alone */
		out = render_src(OUT_JSON, &s, 1, cols, &err);
		back = json_loads(out, JSON_ALLOW_NUL, &je);
		parsed += back && !err;
		in = json_stringn(text, len);	/* NULL when not UTF-8 */
		if (in) {
			json_t *arr = json_pack("[{s:O}]", "s", in);
			char *dumped = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

			valid_in++;
			exact += back && json_equal(json_object_get(json_array_get(back, 0), "s"), in);
			jansson_same += dumped && out && !strncmp(out, dumped, strlen(dumped)) &&
					!strcmp(out + strlen(dumped), "\n");
			free(dumped);
			json_decref(arr);
			json_decref(in);
		}
		json_decref(back);
		free(out);
	}
	tap_is_int(parsed, 4000, "escaping: jansson parses every rendered string");
	tap_ok(valid_in > 100, "escaping: %d of the strings are valid UTF-8", valid_in);
	tap_is_int(exact, valid_in, "escaping: valid UTF-8 round-trips exactly");
	tap_is_int(jansson_same, valid_in, "escaping: byte for byte what jansson writes");

	{
		struct out_cell cell = { .type = OUT_STR, .s = "a\xff" "b\xc0\xaf" "c", .len = 6 };
		struct src s = { &cell, 1, -1, 0 };
		char *out;
		int err;

		out = render_src(OUT_JSON, &s, 1, cols, &err);
		tap_is_str(out, "[\n  {\n    \"s\": \"a\\uFFFDb\\uFFFD\\uFFFDc\"\n  }\n]\n",
			   "escaping: each byte of broken UTF-8 becomes U+FFFD");
		free(out);
	}
}

/* ---- out_json_quote() on its own: the escaper prop_save() streams through ---- */

struct sink {
	char buf[512];
	size_t len;
	int calls;
};

static void sink_put(void *ctx, const char *s, size_t len)
{
	struct sink *k = ctx;

	if (len < sizeof(k->buf) - k->len) {
		memcpy(k->buf + k->len, s, len);
		k->len += len;
		k->buf[k->len] = '\0';
	}
	k->calls++;
}

static const char *quote(const char *s, size_t len, int *calls)
{
	static struct sink k;

	k.len = 0;
	k.calls = 0;
	k.buf[0] = '\0';
	out_json_quote(sink_put, &k, s, len);
	if (calls)
		*calls = k.calls;
	return k.buf;
}

static void test_quote(void)
{
	int calls, same = 0, valid = 0, i;
	char text[64];

	tap_is_str(quote("", 0, &calls), "\"\"", "quote: the empty string");
	tap_is_int(calls, 2, "quote: and no empty pieces");
	tap_is_str(quote("a/b\x7f", 4, &calls), "\"a/b\x7f\"", "quote: '/' and DEL as they are");
	tap_is_int(calls, 3, "quote: a plain run is one piece");
	tap_is_str(quote("\"\\\b\f\n\r\t\x01\x1f", 9, NULL),
		   "\"\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001F\"",
		   "quote: escapes by name, the other controls as \\u00XX");
	tap_is_str(quote("a\0b", 3, NULL), "\"a\\u0000b\"", "quote: a NUL inside @len");
	tap_is_str(quote("\xe2\x82\xac", 3, NULL), "\"\xe2\x82\xac\"", "quote: U+20AC as it is");
	tap_is_str(quote("\xe2\x82\xac", 2, NULL), "\"\\uFFFD\\uFFFD\"",
		   "quote: a sequence @len cuts is broken, byte by byte");
	tap_is_str(quote("\xf4\x8f\xbf\xbf\xf4\x90\x80\x80", 8, NULL),
		   "\"\xf4\x8f\xbf\xbf\\uFFFD\\uFFFD\\uFFFD\\uFFFD\"",
		   "quote: U+10FFFF is the last code point");

	/* random strings: valid UTF-8 exactly as jansson dumps it */
	for (i = 0; i < 2000; i++) {
		size_t len = rnd_text(text, sizeof(text));
		json_t *in = json_stringn(text, len);
		char *dumped;

		if (!in)
			continue;
		valid++;
		dumped = json_dumps(in, JSON_ENCODE_ANY);
		same += dumped && !strcmp(quote(text, len, NULL), dumped);
		free(dumped);
		json_decref(in);
	}
	tap_ok(valid > 50, "quote: %d random valid strings", valid);
	tap_is_int(same, valid, "quote: byte for byte what jansson writes");
}

/* A random row object: strings, integers, reals, booleans, null, nested
 * arrays and objects, so out_rows_print() is compared with json_dumpf(). */
static json_t *rnd_value(int depth)
{
	char text[24];
	json_t *v;
	int i, n;

	switch (rnd() % (depth < 2 ? 8 : 6)) {
	case 0:
		return json_stringn_nocheck(text, rnd_text(text, sizeof(text)));
	case 1:
		return json_integer((json_int_t)rnd());
	case 2:
		return json_real((double)(int64_t)rnd() / 1000.0);
	case 3:
		return json_boolean(rnd() & 1);
	case 4:
		return json_null();
	case 5:
		return json_string("plain");
	case 6:
		v = json_array();
		for (i = 0, n = (int)(rnd() % 4); i < n; i++)
			json_array_append_new(v, rnd_value(depth + 1));
		return v;
	default:
		v = json_object();
		for (i = 0, n = (int)(rnd() % 4); i < n; i++) {
			snprintf(text, sizeof(text), "k%d", i);
			json_object_set_new(v, text, rnd_value(depth + 1));
		}
		return v;
	}
}

static void test_jansson_rows(void)
{
	static const struct out_column cols[] = { { .key = "k0", .title = "K0" }, { .key = NULL } };
	int same = 0, round = 0, r, i;

	for (r = 0; r < 300; r++) {
		json_t *rows = json_array();
		char *want, *got;
		int err, n = (int)(rnd() % 4);

		for (i = 0; i < n; i++) {
			json_t *o = json_object();
			int k, nk = (int)(rnd() % 5);

			for (k = 0; k < nk; k++) {
				char key[8];

				snprintf(key, sizeof(key), "k%d", k);
				json_object_set_new(o, key, rnd_value(0));
			}
			json_array_append_new(rows, o);
		}
		/* Only strings that are UTF-8 can be dumped by jansson. */
		want = json_dumps(rows, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		if (!want) {
			json_decref(rows);
			continue;
		}
		round++;
		got = render(OUT_JSON, rows, cols, &err);
		same += !err && got && !strncmp(got, want, strlen(want)) &&
			!strcmp(got + strlen(want), "\n");
		free(got);
		free(want);
		json_decref(rows);
	}
	tap_ok(round > 100, "jansson rows: %d random arrays", round);
	tap_is_int(same, round, "jansson rows: JSON output is json_dumpf's, byte for byte");
}

/* ---- the default table within 120 columns, --wide in full ---- */

static void test_narrow(void)
{
	static const struct out_column cols[] = {
		{ .key = "id", .title = "ID", .max = 6 },
		{ .key = "t", .title = "T", .time = true },
		{ .key = "x", .title = "X", .wide_only = true },
		{ .key = "why", .title = "WHY", .fill = true },
		{ .key = NULL },
	};
	static const char why[] = "0123456789abcdefghij0123456789abcdefghij0123456789abcdefghij"
				  "0123456789abcdefghij0123456789abcdefghij0123456789abcdefghij";
	const struct out_cell rows[] = {
		STR("zoné-αβγδ"), STR("2026-01-10T12:00:00.123456Z"), STR("hidden"),
		{ .type = OUT_STR, .s = why, .len = sizeof(why) - 1 },
		STR("ab"), STR("2026-01-10T12:00:01Z"), STR("x"), STR("short"),
	};
	struct src s = { rows, 4, -1, 0 };
	char *out, want[512];
	int err;

	out = render_src(OUT_TABLE, &s, 2, cols, &err);
	tap_is_int(err, 0, "narrow: renders");
	snprintf(want, sizeof(want),
		 "ID      T                     WHY\n"
		 "zoné-…  2026-01-10T12:00:00Z  %.89s\xe2\x80\xa6\n"
		 "ab      2026-01-10T12:00:01Z  short\n", why);
	tap_is_str(out, want, "narrow: cut to max with an ellipsis (by characters), time to "
		   "the second, wide_only left out, the fill column cut at 120 columns");
	free(out);

	out = render_src(OUT_WIDE, &s, 2, cols, &err);
	snprintf(want, sizeof(want),
		 "ID         T                            X       WHY\n"
		 "zoné-αβγδ  2026-01-10T12:00:00.123456Z  hidden  %s\n"
		 "ab         2026-01-10T12:00:01Z         x       short\n", why);
	tap_is_str(out, want, "wide: every column in full, aligned by characters");
	free(out);

	out = render_src(OUT_TSV, &s, 1, cols, &err);
	snprintf(want, sizeof(want), "zoné-αβγδ\t2026-01-10T12:00:00.123456Z\thidden\t%s\n", why);
	tap_is_str(out, want, "tsv: every column in full");
	free(out);
}

int main(void)
{
	static const struct out_column cols[] = {
		{ .key = "name", .title = "NAME" },
		{ .key = "n", .title = "N", .right = true },
		{ .key = "list", .title = "LIST" },
		{ .key = NULL },
	};
	json_t *rows = json_pack("[{s:s, s:i, s:[s,s]}, {s:s, s:i, s:[]}, {s:s, s:n, s:n}]",
				 "name", "alpha", "n", 5, "list", "a", "b",
				 "name", "b", "n", 12345, "list",
				 "name", "gamma-long", "n", "list");
	enum out_format fmt;
	char *out;
	int err;

	out = render(OUT_TABLE, rows, cols, &err);
	tap_is_int(err, 0, "table renders");
	tap_is_str(out,
		   "NAME            N  LIST\n"
		   "alpha           5  a,b\n"
		   "b           12345  -\n"
		   "gamma-long      -  -\n",
		   "table is aligned, numbers right, empty and null as '-'");
	free(out);

	out = render(OUT_TSV, rows, cols, &err);
	tap_is_int(err, 0, "tsv renders");
	tap_is_str(out, "alpha\t5\ta,b\nb\t12345\t-\ngamma-long\t-\t-\n",
		   "tsv has no heading and tab-separated cells");
	free(out);

	out = render(OUT_JSON, rows, cols, &err);
	tap_is_int(err, 0, "json renders");
	{
		json_error_t je;
		json_t *back = json_loads(out, 0, &je);

		tap_ok(back && json_equal(back, rows), "json round-trips to the same rows");
		json_decref(back);
	}
	free(out);

	{
		json_t *bad = json_pack("[i]", 1);

		out = render(OUT_TABLE, bad, cols, &err);
		tap_is_int(err, -EINVAL, "rows that are not objects are refused");
		free(out);
		json_decref(bad);
	}

	{
		json_t *none = json_array();

		out = render(OUT_TABLE, none, cols, &err);
		tap_is_str(out, "NAME  N  LIST\n", "an empty result still has its heading");
		free(out);
		json_decref(none);
	}

	tap_is_int(out_format_parse("tsv", &fmt), 0, "format 'tsv' parses");
	tap_is_int(fmt, OUT_TSV, "to OUT_TSV");
	tap_is_int(out_format_parse("yaml", &fmt), -EINVAL, "format 'yaml' is refused");

	test_objects(rows, cols);
	json_decref(rows);
	test_source();
	test_narrow();
	test_escaping();
	test_quote();
	test_jansson_rows();
	return tap_done();
}
