// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * learn_past: which identity an address stood for at a time, from a
 * proposal's samples.  An address reused by another container later must
 * resolve to the holder of the flow's time, not today's.
 */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "tap.h"
#include "zonewall/learn-past.h"
#include "zonewall/policy.h"

/* One edge @from -> @to seen between the two times, between the addresses. */
static void edge(struct prop_set *s, const char *from, const char *to, const char *fz,
		 const char *tz, const char *first, const char *last, const char *sfrom,
		 const char *sto)
{
	struct prop_obs o = {
		.from = from, .to = to, .from_zone = fz, .to_zone = tz, .proto = 6,
		.port = 5432, .packets = 1, .sample_from = sfrom, .sample_to = sto,
		.run_id = "r",
	};

	pol_time_parse(first, &o.first_seen);
	pol_time_parse(last, &o.last_seen);
	prop_observe(s, &o);
}

static const char *at(const struct learn_past *p, const char *addr, const char *when,
		      const char **zone)
{
	uint8_t a[16] = { 0 };
	int64_t t = 0;
	int fam = strchr(addr, ':') ? 6 : 4;

	inet_pton(fam == 4 ? AF_INET : AF_INET6, addr, a);
	pol_time_parse(when, &t);
	return learn_past_lookup(p, fam, a, t, zone);
}

static const char *str(const char *s)
{
	return s ? s : "(none)";
}

int main(void)
{
	struct learn_past *p;
	struct prop_set *s = prop_new();
	const char *zone;

	if (!tap_ok(s != NULL, "a proposal"))
		return tap_done();
	edge(s, "app", "old-db", "app", "data", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z",
	     "10.0.0.2", "10.0.0.5");
	edge(s, "app", "new-db", "app", "data2", "2026-01-10T00:00:00Z", "2026-01-11T00:00:00Z",
	     "10.0.0.2", "10.0.0.5");
	edge(s, "app", "unknown:10.0.0.9", "app", "data", "2026-01-01T00:00:00Z",
	     "2026-01-01T00:00:00Z", "10.0.0.2", "10.0.0.9");
	edge(s, "app", "v6", "app", "data", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z",
	     "fd00::2", "fd00::5");
	p = learn_past_new(s);
	prop_free(s);
	tap_ok(p != NULL, "indexed");
	tap_is_int(learn_past_count(p), 5, "app, old-db, new-db, and the two v6 ends (unknown: left out)");
	tap_is_str(str(at(p, "10.0.0.5", "2026-01-01T12:00:00Z", &zone)), "old-db",
		   "10.0.0.5 on Jan 1 was old-db");
	tap_is_str(str(zone), "data", "in the zone recorded then");
	tap_is_str(str(at(p, "10.0.0.5", "2026-01-10T12:00:00Z", &zone)), "new-db",
		   "on Jan 10, after its reuse, new-db");
	tap_is_str(str(zone), "data2", "in its own zone");
	tap_is_str(str(at(p, "10.0.0.5", "2026-01-04T00:00:00Z", NULL)), "old-db",
		   "between the two, the nearer holder (2 days after old-db, 6 before new-db)");
	tap_is_str(str(at(p, "10.0.0.5", "2026-01-08T00:00:00Z", NULL)), "new-db",
		   "and nearer the reuse, new-db");
	tap_is_str(str(at(p, "10.0.0.2", "2025-06-01T00:00:00Z", NULL)), "app",
		   "an address with one holder, long before: that holder");
	tap_is_str(str(at(p, "10.0.0.9", "2026-01-01T00:00:00Z", NULL)), "(none)",
		   "an unknown: end is not an identity of the time");
	tap_is_str(str(at(p, "10.0.0.77", "2026-01-01T00:00:00Z", &zone)), "(none)",
		   "an address the proposal never saw: none");
	tap_ok(zone == NULL, "and no zone");
	tap_is_str(str(at(p, "fd00::5", "2026-01-01T00:00:00Z", NULL)), "v6", "IPv6 too");
	learn_past_free(p);
	learn_past_free(NULL);
	return tap_done();
}
