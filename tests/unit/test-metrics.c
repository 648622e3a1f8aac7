// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: metrics registry, Prometheus text rendering, HTTP request check. */

#include "config.h"

#include <errno.h>

#include "tap.h"
#include "zonewall/metrics.h"

static char *render(struct met_registry *r)
{
	size_t len;
	char *s;

	if (met_render(r, &s, &len))
		return NULL;
	return s;
}

static void test_render(void)
{
	static const char *const pair[] = { "from_zone", "to_zone", NULL };
	struct met_registry *r = met_registry_new();
	struct met_family *c, *g;
	char *s;

	c = met_family_add(r, "zw_verdicts_total", "Verdicts per zone pair\\ and \"more\"\nline2",
			   MET_COUNTER, pair);
	g = met_family_add(r, "zw_clients", "Clients", MET_GAUGE, NULL);
	tap_ok(c && g, "families made");
	met_add(met_series_get2(c, "web", "db"), 3);
	met_inc(met_series_get2(c, "a\"b\\c\nd", ""));
	met_inc(met_series_get2(c, "web", "db"));
	met_add(met_series_get2(c, "web", "db"), -10);	/* counters never go down */
	met_set(met_scalar(g), 2.5);
	s = render(r);
	tap_is_str(s,
		   "# HELP zw_verdicts_total Verdicts per zone pair\\\\ and \"more\"\\nline2\n"
		   "# TYPE zw_verdicts_total counter\n"
		   "zw_verdicts_total{from_zone=\"web\",to_zone=\"db\"} 4\n"
		   "zw_verdicts_total{from_zone=\"a\\\"b\\\\c\\nd\",to_zone=\"\"} 1\n"
		   "# HELP zw_clients Clients\n"
		   "# TYPE zw_clients gauge\n"
		   "zw_clients 2.5\n",
		   "rendered text: HELP escapes \\ and newline, label values also quotes");
	free(s);
	met_set(met_scalar(g), 1e20);
	met_family_clear(c);
	s = render(r);
	tap_ok(s && strstr(s, "zw_clients 1e+20\n") && !strstr(s, "web"),
	       "large values in %%g form; cleared family keeps HELP/TYPE only");
	free(s);
	met_registry_free(r);
}

static void test_names(void)
{
	static const char *const bad_label[] = { "__reserved", NULL };
	static const char *const dash_label[] = { "a-b", NULL };
	static const char *const five[] = { "a", "b", "c", "d", "e", NULL };
	struct met_registry *r = met_registry_new();
	struct met_family *f;
	int i;

	tap_ok(!met_family_add(r, "9lives", "", MET_GAUGE, NULL) && errno == EINVAL,
	       "a name starting with a digit is refused");
	tap_ok(!met_family_add(r, "a-b", "", MET_GAUGE, NULL) && errno == EINVAL,
	       "a name with '-' is refused");
	tap_ok(met_family_add(r, "ns:sub_total", "", MET_COUNTER, NULL) != NULL,
	       "colons are allowed in metric names");
	tap_ok(!met_family_add(r, "ns:sub_total", "", MET_COUNTER, NULL) && errno == EEXIST,
	       "a name is declared once");
	tap_ok(!met_family_add(r, "x", "", MET_GAUGE, bad_label) && errno == EINVAL,
	       "label names starting with __ are reserved");
	tap_ok(!met_family_add(r, "y", "", MET_GAUGE, dash_label) && errno == EINVAL,
	       "label name with '-' refused");
	tap_ok(!met_family_add(r, "z", "", MET_GAUGE, five) && errno == EINVAL,
	       "at most MET_LABELS_MAX labels");
	f = met_family_add(r, "many", "", MET_GAUGE, dash_label + 1);
	f = met_family_add(r, "many2", "", MET_GAUGE, (const char *const[]){ "k", NULL });
	for (i = 0; i < MET_SERIES_MAX; i++) {
		char v[16];

		snprintf(v, sizeof(v), "%d", i);
		if (!met_series_get1(f, v))
			break;
	}
	tap_is_int(i, MET_SERIES_MAX, "MET_SERIES_MAX series can be made");
	tap_ok(!met_series_get1(f, "one-more") && errno == E2BIG, "and no more (E2BIG)");
	met_inc(NULL);
	met_set(NULL, 1);
	tap_ok(met_value(NULL) == 0, "updates on a NULL series are no-ops");
	met_registry_free(r);
	met_registry_free(NULL);
}

static void test_http(void)
{
	static const struct {
		const char *req;
		int want;
	} cases[] = {
		{ "GET /metrics HTTP/1.0\r\n\r\n", 200 },
		{ "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 200 },
		{ "GET /metrics?x=1 HTTP/1.1\n\n", 200 },
		{ "GET / HTTP/1.1\r\n\r\n", 404 },
		{ "GET /metricsx HTTP/1.1\r\n\r\n", 404 },
		{ "POST /metrics HTTP/1.1\r\n\r\n", 405 },
		{ "HEAD /metrics HTTP/1.0\r\n\r\n", 405 },
		{ "GET /metrics HTTP/2.0\r\n\r\n", 400 },
		{ "GET /metrics\r\n\r\n", 400 },
		{ "get /metrics HTTP/1.0\r\n\r\n", 400 },
		{ "GET metrics HTTP/1.0\r\n\r\n", 400 },
		{ "GET  /metrics HTTP/1.0\r\n\r\n", 400 },
		{ "\r\n\r\n", 400 },
		{ "garbage", 400 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		tap_is_int(met_http_parse(cases[i].req, strlen(cases[i].req)), cases[i].want,
			   "HTTP %d for %.*s", cases[i].want,
			   (int)strcspn(cases[i].req, "\r\n"), cases[i].req);
	tap_is_int(met_http_parse("GET /metrics HTTP/1.0\0\r\n\r\n", 26), 400, "NUL byte: 400");
}

int main(void)
{
	test_render();
	test_names();
	test_http();
	return tap_done();
}
