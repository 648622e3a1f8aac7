// SPDX-License-Identifier: GPL-2.0-or-later
/* The diagnostics list (src/lib/diag.c): places, one-line summaries, nesting. */

#include "config.h"

#include <string.h>

#include "tap.h"
#include "zonewall/diag.h"

static void summary(void)
{
	struct diags d;
	char line[DIAG_LINE_MAX];

	diags_init(&d);
	tap_ok(!diags_any(&d) && !diags_any(NULL), "empty: no problem");
	diags_summary(&d, line, sizeof(line));
	tap_is_str(line, "", "empty: an empty line");
	diag_add(&d, "$.zones[0]", "expected an object");
	diags_summary(&d, line, sizeof(line));
	tap_is_str(line, "$.zones[0]: expected an object", "one problem: WHERE: MSG");
	diags_init(&d);
	diag_add(&d, "", "out of memory");
	diags_summary(&d, line, sizeof(line));
	tap_is_str(line, "out of memory", "a problem placed at \"\": its message alone");
	diag_add(&d, "x", "y");
	diags_summary(&d, line, sizeof(line));
	tap_is_str(line, "out of memory; x: y (2 problems)", "two: joined and counted");
}

static void nest(void)
{
	struct diags from, d;
	char line[DIAG_LINE_MAX];

	diags_init(&from);
	diag_add(&from, "State.Pid", "expected an integer");
	diag_add(&from, "", "invalid JSON");
	diags_init(&d);
	diags_nest(&d, &from, "/run/podman.sock: /containers/x/json");
	tap_ok(d.n == 2, "both problems nested");
	tap_is_str(d.v[0].where, "/run/podman.sock: /containers/x/json: State.Pid",
		   "a place goes under the prefix");
	tap_is_str(d.v[1].where, "/run/podman.sock: /containers/x/json",
		   "no place: the prefix is the place");
	diags_init(&d);
	diags_nest(&d, &from, "");
	diags_summary(&d, line, sizeof(line));
	tap_is_str(line, "State.Pid: expected an integer; invalid JSON (2 problems)",
		   "an empty prefix copies them as they are");
	from.dropped = 3;
	diags_init(&d);
	diags_nest(&d, &from, "p");
	tap_ok(d.n == 2 && d.dropped == 3, "dropped problems stay counted");
}

static void bounds(void)
{
	struct diags d;
	char where[400];

	diags_init(&d);
	memset(where, 'w', sizeof(where) - 1);
	where[sizeof(where) - 1] = '\0';
	diag_add(&d, where, "m");
	tap_ok(strlen(d.v[0].where) == sizeof(d.v[0].where) - 1, "a long place is cut to fit");
	for (int i = 0; i < DIAG_MAX + 5; i++)
		diag_add(&d, "$", "p%d", i);
	tap_ok(d.n == DIAG_MAX && d.dropped == 6, "past DIAG_MAX problems are only counted");
}

int main(void)
{
	summary();
	nest();
	bounds();
	return tap_done();
}
