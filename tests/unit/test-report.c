// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The report's escapers (src/report/escape.c) one context at a time, and
 * the review model with hostile names.  Those names through Graphviz and
 * the whole page: tests/golden/report.sh (Graphviz's layout loses memory,
 * which the unit tier's valgrind run would count against us).
 */

#include "config.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "zonewall/escape.h"
#include "zonewall/review.h"

/* What esc_html() writes, as a malloc'ed string. */
static char *html_of(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	esc_html(f, s);
	fclose(f);
	return buf;
}

static char *json_of(const json_t *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	esc_json_script(f, v);
	fclose(f);
	return buf;
}

static void test_html(void)
{
	char *s = html_of("a<b>&\"c'd</style>");

	tap_is_str(s, "a&lt;b&gt;&amp;&quot;c&#39;d&lt;/style&gt;",
		   "esc_html: <, >, &, \" and ' as references");
	free(s);
	s = html_of("plain text, é");
	tap_is_str(s, "plain text, é", "esc_html: other text unchanged");
	free(s);
}

static void test_json(void)
{
	json_t *v = json_pack("{s:s}", "k", "</script><!--&\xe2\x80\xa8\xe2\x80\xa9x");
	char *s = json_of(v);
	json_t *back;

	tap_is_str(s, "{\"k\":\"\\u003c/script\\u003e\\u003c!--\\u0026\\u2028\\u2029x\"}",
		   "esc_json_script: <, >, &, U+2028 and U+2029 as \\u escapes");
	back = json_loads(s, 0, NULL);
	tap_ok(back && json_equal(back, v), "and it parses back to the same value");
	json_decref(back);
	json_decref(v);
	free(s);
}

static void test_shell(void)
{
	static const char *const cases[][2] = {
		{ "proposal.json", "proposal.json" },
		{ "/var/lib/zonewall/p-1.json", "/var/lib/zonewall/p-1.json" },
		{ "my file.json", "'my file.json'" },
		{ "it's", "'it'\\''s'" },
		{ "$(reboot)`x`", "'$(reboot)`x`'" },
		{ "", "''" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = esc_shell(cases[i][0]);

		tap_is_str(s, cases[i][1], "esc_shell(\"%s\")", cases[i][0]);
		free(s);
	}
}

static void test_gv_label(void)
{
	char *s = esc_gv_label("a\\N\\G<b>\\");

	tap_is_str(s, "a\\\\N\\\\G<b>\\\\", "esc_gv_label: every backslash doubled");
	free(s);
}

/* A proposal whose zone names and identities try every context. */
#define EVIL_ZONE "\\N \"><img src=x onerror=document.title='pwned'></style>"
#define EVIL_ID "<script>document.title=1</script>"
#define EVIL_ID2 "<img/src=x/onerror=document.title=2>"

static struct prop_set *evil_set(void)
{
	struct prop_set *s = prop_new();
	struct prop_obs o = {
		.from = EVIL_ID, .to = EVIL_ID2, .from_zone = EVIL_ZONE, .to_zone = "app",
		.proto = IPPROTO_TCP, .port = 80, .packets = 10,
		.first_seen = 1767225600, .last_seen = 1767312000,
	};

	if (!s || prop_observe(s, &o))
		return NULL;
	o.from = "web";
	o.to = EVIL_ID;
	o.from_zone = "app";
	o.to_zone = EVIL_ZONE;
	if (prop_observe(s, &o))
		return NULL;
	return s;
}

/* The model keeps hostile names as they are, for each rendering to escape. */
static void test_model(const struct rev_review *r)
{
	bool evil_zone = false, evil_id = false;

	for (size_t z = 0; z < r->n_zones; z++)
		evil_zone = evil_zone || !strcmp(rev_zone_name(r, z), EVIL_ZONE);
	for (size_t i = 0; i < r->n_rows; i++)
		evil_id = evil_id || !strcmp(r->rows[i].from, EVIL_ID);
	tap_ok(evil_zone && evil_id, "the model holds the names unchanged");
	tap_is_int(r->n_rows, 2, "one row per edge");
	tap_is_int(r->sum.count[REV_NEW], 2, "without a policy, every edge new");
}

int main(void)
{
	struct prop_set *s;
	struct rev_review *r;

	test_html();
	test_json();
	test_shell();
	test_gv_label();
	s = evil_set();
	r = s ? rev_build(s, NULL) : NULL;
	tap_ok(r != NULL, "a review of a proposal with hostile names");
	if (r)
		test_model(r);
	rev_free(r);
	prop_free(s);
	return tap_done();
}
