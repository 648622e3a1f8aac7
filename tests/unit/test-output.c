// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: the one output path renders table, TSV and JSON. */

#include "config.h"

#include <errno.h>
#include <stdlib.h>

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

int main(void)
{
	static const struct out_column cols[] = {
		{ "name", "NAME", false },
		{ "n", "N", true },
		{ "list", "LIST", false },
		{ NULL, NULL, false },
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

	json_decref(rows);
	return tap_done();
}
