// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * jansson rows as a row source of out_source_print() (see output.h):
 * out_rows_print() of an array, out_objects_print() of rows made one at a
 * time, so a million-row table never holds a million-row tree.
 */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/output.h"
#include "output-int.h"

/* ---- jansson rows as a row source --------------------------------------- */

struct out_json_src {
	const json_t *rows;
	out_object_fn *make;	/* or rows made one at a time */
	void *user;
	json_t *cur;		/* the row made last */
	const struct out_column *cols;
	size_t ncols;
	bool json;		/* every member as a value, not the columns as text */
	struct out_cell *cells;	/* ncols, or the widest row's members */
	char **owned;		/* text made for the current row, freed on the next */
	size_t nowned;
};

static void out_src_release(struct out_json_src *s)
{
	while (s->nowned)
		free(s->owned[--s->nowned]);
}

static int out_src_own(struct out_json_src *s, struct out_cell *c, enum out_type type, char *text)
{
	if (!text)
		return -ENOMEM;
	s->owned[s->nowned++] = text;
	c->type = type;
	c->s = text;
	c->len = strlen(text);
	return 0;
}

/* A value as a typed cell; what has no cell type of its own (reals,
 * arrays, objects) becomes text: jansson's JSON for JSON output, what
 * out_value_text() says for tables. */
static int out_src_cell(struct out_json_src *s, struct out_cell *c, const json_t *v)
{
	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_STRING:
		c->type = OUT_STR;
		c->s = json_string_value(v);
		c->len = json_string_length(v);
		return 0;
	case JSON_INTEGER:
		c->type = OUT_INT;
		c->i = json_integer_value(v);
		return 0;
	case JSON_TRUE:
	case JSON_FALSE:
		c->type = OUT_BOOL;
		c->b = json_is_true(v);
		return 0;
	case JSON_NULL:
		c->type = OUT_NULL;
		return 0;
	default:
		if (s->json)
			return out_src_own(s, c, OUT_RAW,
					   json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
						      JSON_ENCODE_ANY));
		return out_src_own(s, c, OUT_STR, out_value_text(v));
	}
}

static int out_src_row(void *user, size_t i, const struct out_cell **cells)
{
	struct out_json_src *s = user;
	const json_t *row;
	const char *key;
	json_t *v;
	size_t c = 0;
	int err = 0;

	out_src_release(s);
	if (s->make) {
		json_decref(s->cur);
		s->cur = s->make(s->user, i);
		if (!json_is_object(s->cur))
			return s->cur ? -EINVAL : -ENOMEM;
	}
	row = s->make ? s->cur : json_array_get(s->rows, i);
	if (s->json) {
		json_object_foreach((json_t *)row, key, v) {
			s->cells[c].key = key;
			err = out_src_cell(s, &s->cells[c++], v);
			if (err)
				return err;
		}
	} else {
		for (c = 0; c < s->ncols; c++) {
			s->cells[c].key = NULL;
			err = out_src_cell(s, &s->cells[c], json_object_get(row, s->cols[c].key));
			if (err)
				return err;
		}
	}
	*cells = s->cells;
	return (int)c;
}

/* Rows must be objects; return the most members any has, or -EINVAL. */
static int out_rows_widest(const json_t *rows, size_t *widest)
{
	size_t i;
	json_t *row;

	if (!json_is_array(rows))
		return -EINVAL;
	*widest = 0;
	json_array_foreach(rows, i, row) {
		if (!json_is_object(row))
			return -EINVAL;
		if (json_object_size(row) > *widest)
			*widest = json_object_size(row);
	}
	return *widest > INT32_MAX ? -EINVAL : 0;
}

int out_rows_print(FILE *f, enum out_format fmt, const json_t *rows,
		   const struct out_column *cols)
{
	struct out_json_src s = { .rows = rows, .cols = cols, .ncols = out_ncols(cols),
				  .json = fmt == OUT_JSON };
	size_t widest, n;
	int err = out_rows_widest(rows, &widest);

	if (err)
		return err;
	n = s.json ? widest : s.ncols;
	s.cells = calloc(n + 1, sizeof(*s.cells));
	s.owned = calloc(n + 1, sizeof(*s.owned));
	if (!s.cells || !s.owned)
		err = -ENOMEM;
	else
		err = out_source_print(f, fmt, cols, json_array_size(rows), out_src_row, &s);
	out_src_release(&s);
	free(s.owned);
	free(s.cells);
	return err;
}

int out_objects_print(FILE *f, enum out_format fmt, const struct out_column *cols, size_t nrows,
		      out_object_fn *make, void *user)
{
	struct out_json_src s = { .make = make, .user = user, .cols = cols,
				  .ncols = out_ncols(cols) };
	int err;

	if (fmt == OUT_JSON)
		return -EINVAL;
	s.cells = calloc(s.ncols + 1, sizeof(*s.cells));
	s.owned = calloc(s.ncols + 1, sizeof(*s.owned));
	if (!s.cells || !s.owned)
		err = -ENOMEM;
	else
		err = out_source_print(f, fmt, cols, nrows, out_src_row, &s);
	out_src_release(&s);
	json_decref(s.cur);
	free(s.owned);
	free(s.cells);
	return err;
}
