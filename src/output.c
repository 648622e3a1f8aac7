// SPDX-License-Identifier: GPL-2.0-or-later
/* Table, TSV and JSON rendering of one result array (see output.h). */

#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/output.h"

int out_format_parse(const char *name, enum out_format *fmt)
{
	if (!strcmp(name, "table"))
		*fmt = OUT_TABLE;
	else if (!strcmp(name, "tsv"))
		*fmt = OUT_TSV;
	else if (!strcmp(name, "json"))
		*fmt = OUT_JSON;
	else
		return -EINVAL;
	return 0;
}

static char *out_scalar_text(const json_t *v)
{
	char *s = NULL;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return strdup(json_string_value(v));
	case JSON_INTEGER:
		if (asprintf(&s, "%" JSON_INTEGER_FORMAT, json_integer_value(v)) < 0)
			return NULL;
		return s;
	case JSON_REAL:
		if (asprintf(&s, "%.3f", json_real_value(v)) < 0)
			return NULL;
		return s;
	case JSON_TRUE:
		return strdup("yes");
	case JSON_FALSE:
		return strdup("no");
	case JSON_OBJECT:
		/* Objects do not fit a cell; commands flatten what people need. */
		return json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
	default:
		return strdup("-");
	}
}

char *out_value_text(const json_t *v)
{
	size_t i, len = 0;
	json_t *item;
	char *joined = NULL;

	if (!v || !json_is_array(v))
		return out_scalar_text(v ? v : json_null());
	if (json_array_size(v) == 0)
		return strdup("-");

	json_array_foreach(v, i, item) {
		char *t = out_scalar_text(item);
		char *grown;
		size_t tl;

		if (!t)
			goto out_free_joined;
		tl = strlen(t);
		grown = realloc(joined, len + tl + 2);
		if (!grown) {
			free(t);
			goto out_free_joined;
		}
		joined = grown;
		if (len)
			joined[len++] = ',';
		memcpy(joined + len, t, tl + 1);
		len += tl;
		free(t);
	}
	return joined;

out_free_joined:
	free(joined);
	return NULL;
}

static size_t out_ncols(const struct out_column *cols)
{
	size_t n = 0;

	while (cols[n].key)
		n++;
	return n;
}

/* Render every cell once, so width and printing agree. */
static char **out_cells_build(const json_t *rows, const struct out_column *cols,
			      size_t nrows, size_t ncols)
{
	char **cells = calloc(nrows * ncols + 1, sizeof(*cells));
	size_t r, c;

	if (!cells)
		return NULL;
	for (r = 0; r < nrows; r++) {
		const json_t *row = json_array_get(rows, r);

		for (c = 0; c < ncols; c++) {
			cells[r * ncols + c] = out_value_text(json_object_get(row, cols[c].key));
			if (!cells[r * ncols + c])
				goto out_free_cells;
		}
	}
	return cells;

out_free_cells:
	for (r = 0; r < nrows * ncols; r++)
		free(cells[r]);
	free(cells);
	return NULL;
}

static void out_cells_free(char **cells, size_t n)
{
	size_t i;

	if (!cells)
		return;
	for (i = 0; i < n; i++)
		free(cells[i]);
	free(cells);
}

static void out_table_write(FILE *f, char **cells, const struct out_column *cols,
			    size_t nrows, size_t ncols)
{
	size_t *w = calloc(ncols, sizeof(*w));
	size_t r, c;

	if (!w)
		return;
	for (c = 0; c < ncols; c++) {
		w[c] = strlen(cols[c].title);
		for (r = 0; r < nrows; r++) {
			size_t l = strlen(cells[r * ncols + c]);

			if (l > w[c])
				w[c] = l;
		}
	}
	for (c = 0; c < ncols; c++) {
		int width = c + 1 == ncols && !cols[c].right ? 0 : (int)w[c];

		fprintf(f, cols[c].right ? "%*s" : "%-*s", width, cols[c].title);
		fputs(c + 1 == ncols ? "\n" : "  ", f);
	}
	for (r = 0; r < nrows; r++) {
		for (c = 0; c < ncols; c++) {
			int width = c + 1 == ncols && !cols[c].right ? 0 : (int)w[c];

			fprintf(f, cols[c].right ? "%*s" : "%-*s", width, cells[r * ncols + c]);
			fputs(c + 1 == ncols ? "\n" : "  ", f);
		}
	}
	free(w);
}

static void out_tsv_write(FILE *f, char **cells, size_t nrows, size_t ncols)
{
	size_t r, c;

	for (r = 0; r < nrows; r++)
		for (c = 0; c < ncols; c++)
			fprintf(f, "%s%c", cells[r * ncols + c], c + 1 == ncols ? '\n' : '\t');
}

static bool out_rows_valid(const json_t *rows)
{
	size_t i;
	json_t *row;

	if (!json_is_array(rows))
		return false;
	json_array_foreach(rows, i, row)
		if (!json_is_object(row))
			return false;
	return true;
}

int out_rows_print(FILE *f, enum out_format fmt, const json_t *rows,
		   const struct out_column *cols)
{
	size_t nrows, ncols;
	char **cells;

	if (!out_rows_valid(rows))
		return -EINVAL;
	if (fmt == OUT_JSON) {
		if (json_dumpf(rows, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0)
			return -EIO;
		fputc('\n', f);
		return ferror(f) ? -EIO : 0;
	}

	nrows = json_array_size(rows);
	ncols = out_ncols(cols);
	cells = out_cells_build(rows, cols, nrows, ncols);
	if (!cells)
		return -ENOMEM;
	if (fmt == OUT_TABLE)
		out_table_write(f, cells, cols, nrows, ncols);
	else
		out_tsv_write(f, cells, nrows, ncols);
	out_cells_free(cells, nrows * ncols);
	return ferror(f) ? -EIO : 0;
}
