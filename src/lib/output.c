// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Table, TSV and JSON rendering of one result (see output.h).  The core
 * is out_source_print(): rows of typed cells from a callback, written
 * through one buffer; out_rows_print() feeds it from a jansson array.
 */

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

/* ---- the writer: one buffer in front of the FILE ------------------------ */

#define OUT_BUF_SIZE 65536

struct out_writer {
	FILE *f;
	size_t used;
	bool failed;
	char buf[OUT_BUF_SIZE];
};

static void out_flush(struct out_writer *w)
{
	if (w->used && fwrite(w->buf, 1, w->used, w->f) != w->used)
		w->failed = true;
	w->used = 0;
}

static void out_put(struct out_writer *w, const char *s, size_t len)
{
	while (len > OUT_BUF_SIZE - w->used) {
		size_t part = OUT_BUF_SIZE - w->used;

		memcpy(w->buf + w->used, s, part);
		w->used += part;
		s += part;
		len -= part;
		out_flush(w);
	}
	memcpy(w->buf + w->used, s, len);
	w->used += len;
}

static inline void out_putc(struct out_writer *w, char c)
{
	if (w->used == OUT_BUF_SIZE)
		out_flush(w);
	w->buf[w->used++] = c;
}

static void out_spaces(struct out_writer *w, size_t n)
{
	static const char sp[] = "                                ";

	for (; n > sizeof(sp) - 1; n -= sizeof(sp) - 1)
		out_put(w, sp, sizeof(sp) - 1);
	out_put(w, sp, n);
}

/* Decimal digits of @v at the end of @buf[24]; return where they start. */
static char *out_utoa(char *end, uint64_t v)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

#define OUT_NUM_LEN 24

/* The text a table or TSV cell shows; @tmp holds numbers. */
static const char *out_cell_text(const struct out_cell *c, char tmp[OUT_NUM_LEN], size_t *len)
{
	char *s;

	switch (c->type) {
	case OUT_STR:
	case OUT_RAW:
		*len = c->len;
		return c->s;
	case OUT_INT:
		s = out_utoa(tmp + OUT_NUM_LEN, c->i < 0 ? 0 - (uint64_t)c->i : (uint64_t)c->i);
		if (c->i < 0)
			*--s = '-';
		break;
	case OUT_UINT:
		s = out_utoa(tmp + OUT_NUM_LEN, c->u);
		break;
	case OUT_BOOL:
		*len = c->b ? 3 : 2;
		return c->b ? "yes" : "no";
	default:
		*len = 1;
		return "-";
	}
	*len = (size_t)(tmp + OUT_NUM_LEN - s);
	return s;
}

static size_t out_ncols(const struct out_column *cols)
{
	size_t n = 0;

	while (cols[n].key)
		n++;
	return n;
}

/* Cell @c of a row that has @n cells ("-" past its end). */
static const struct out_cell *out_nth(const struct out_cell *cells, int n, size_t c)
{
	static const struct out_cell none = { .type = OUT_NULL };

	return (int)c < n ? &cells[c] : &none;
}

/* ---- table and TSV ------------------------------------------------------ */

static void out_table_cell(struct out_writer *w, const char *s, size_t len, size_t width,
			   bool right, bool last)
{
	size_t pad = len < width ? width - len : 0;

	if (right)
		out_spaces(w, pad);
	out_put(w, s, len);
	if (last) {
		out_putc(w, '\n');
		return;
	}
	if (!right)
		out_spaces(w, pad);
	out_put(w, "  ", 2);
}

static int out_table_widths(const struct out_column *cols, size_t ncols, size_t *width,
			    size_t nrows, out_row_fn *fn, void *user)
{
	const struct out_cell *cells;
	char tmp[OUT_NUM_LEN];
	size_t r, c, len;

	for (c = 0; c < ncols; c++)
		width[c] = strlen(cols[c].title);
	for (r = 0; r < nrows; r++) {
		int n = fn(user, r, &cells);

		if (n < 0)
			return n;
		for (c = 0; c < ncols; c++) {
			out_cell_text(out_nth(cells, n, c), tmp, &len);
			if (len > width[c])
				width[c] = len;
		}
	}
	return 0;
}

static int out_table_write(struct out_writer *w, const struct out_column *cols, size_t ncols,
			   size_t nrows, out_row_fn *fn, void *user)
{
	const struct out_cell *cells;
	char tmp[OUT_NUM_LEN];
	size_t *width = calloc(ncols + 1, sizeof(*width));
	size_t r, c, len;
	const char *s;
	int n, err;

	if (!width)
		return -ENOMEM;
	err = out_table_widths(cols, ncols, width, nrows, fn, user);
	for (c = 0; !err && c < ncols; c++)
		out_table_cell(w, cols[c].title, strlen(cols[c].title), width[c], cols[c].right,
			       c + 1 == ncols);
	for (r = 0; !err && r < nrows; r++) {
		n = fn(user, r, &cells);
		if (n < 0) {
			err = n;
			break;
		}
		for (c = 0; c < ncols; c++) {
			s = out_cell_text(out_nth(cells, n, c), tmp, &len);
			out_table_cell(w, s, len, width[c], cols[c].right, c + 1 == ncols);
		}
	}
	free(width);
	return err;
}

static int out_tsv_write(struct out_writer *w, size_t ncols, size_t nrows, out_row_fn *fn,
			 void *user)
{
	const struct out_cell *cells;
	char tmp[OUT_NUM_LEN];
	size_t r, c, len;
	const char *s;
	int n;

	for (r = 0; r < nrows; r++) {
		n = fn(user, r, &cells);
		if (n < 0)
			return n;
		for (c = 0; c < ncols; c++) {
			s = out_cell_text(out_nth(cells, n, c), tmp, &len);
			out_put(w, s, len);
			out_putc(w, c + 1 == ncols ? '\n' : '\t');
		}
	}
	return 0;
}

/* ---- JSON --------------------------------------------------------------- */

/* Length of the well-formed UTF-8 sequence at @p (RFC 3629: no overlong
 * forms, no surrogates, nothing past U+10FFFF), or 0 if it is not one. */
static size_t out_utf8_len(const unsigned char *p, size_t left)
{
	unsigned char c = p[0];
	size_t n, i;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (left < n)
		return 0;
	for (i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f) ||
	    (c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] > 0x8f))
		return 0;
	return n;
}

/* One control character or quote, escaped as jansson escapes it. */
static void out_json_escape(out_put_fn *put, void *ctx, unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";
	char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

	switch (c) {
	case '"':
		put(ctx, "\\\"", 2);
		return;
	case '\\':
		put(ctx, "\\\\", 2);
		return;
	case '\b':
		put(ctx, "\\b", 2);
		return;
	case '\f':
		put(ctx, "\\f", 2);
		return;
	case '\n':
		put(ctx, "\\n", 2);
		return;
	case '\r':
		put(ctx, "\\r", 2);
		return;
	case '\t':
		put(ctx, "\\t", 2);
		return;
	default:
		put(ctx, u, sizeof(u));
	}
}

void out_json_quote(out_put_fn *put, void *ctx, const char *str, size_t len)
{
	const unsigned char *p = (const unsigned char *)str, *end = p + len, *run = p;

	put(ctx, "\"", 1);
	while (p < end) {
		size_t n;

		if (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\') {
			p++;
			continue;
		}
		if (*p >= 0x80 && (n = out_utf8_len(p, (size_t)(end - p)))) {
			p += n;
			continue;
		}
		if (p > run)
			put(ctx, (const char *)run, (size_t)(p - run));
		if (*p < 0x80)
			out_json_escape(put, ctx, *p);
		else
			put(ctx, "\\uFFFD", 6);	/* not UTF-8: JSON text must be */
		run = ++p;
	}
	if (p > run)
		put(ctx, (const char *)run, (size_t)(p - run));
	put(ctx, "\"", 1);
}

static void out_put_writer(void *w, const char *s, size_t len)
{
	out_put(w, s, len);
}

/* Nested JSON text sits two levels deep (array, row object): indent every
 * line after its first by four more spaces.  A newline inside JSON text
 * is always layout, since strings escape theirs. */
static void out_json_raw(struct out_writer *w, const char *s, size_t len)
{
	const char *nl;

	while ((nl = memchr(s, '\n', len))) {
		out_put(w, s, (size_t)(nl - s) + 1);
		out_put(w, "    ", 4);
		len -= (size_t)(nl - s) + 1;
		s = nl + 1;
	}
	out_put(w, s, len);
}

static void out_json_value(struct out_writer *w, const struct out_cell *c)
{
	char tmp[OUT_NUM_LEN];
	const char *s;
	size_t len;

	switch (c->type) {
	case OUT_STR:
		out_json_quote(out_put_writer, w, c->s, c->len);
		return;
	case OUT_RAW:
		out_json_raw(w, c->s, c->len);
		return;
	case OUT_BOOL:
		out_put(w, c->b ? "true" : "false", c->b ? 4 : 5);
		return;
	case OUT_NULL:
		out_put(w, "null", 4);
		return;
	default:
		s = out_cell_text(c, tmp, &len);
		out_put(w, s, len);
	}
}

static int out_json_row(struct out_writer *w, const struct out_column *cols, size_t ncols,
			const struct out_cell *cells, int n)
{
	int c;

	if (!n) {
		out_put(w, "{}", 2);
		return 0;
	}
	out_putc(w, '{');
	for (c = 0; c < n; c++) {
		const char *key = cells[c].key ? cells[c].key
				  : (size_t)c < ncols ? cols[c].key : NULL;

		if (!key)
			return -EINVAL;
		out_put(w, c ? ",\n    " : "\n    ", c ? 6 : 5);
		out_json_quote(out_put_writer, w, key, strlen(key));
		out_put(w, ": ", 2);
		out_json_value(w, &cells[c]);
	}
	out_put(w, "\n  }", 4);
	return 0;
}

static int out_json_write(struct out_writer *w, const struct out_column *cols, size_t ncols,
			  size_t nrows, out_row_fn *fn, void *user)
{
	const struct out_cell *cells;
	size_t r;
	int n, err;

	if (!nrows) {
		out_put(w, "[]\n", 3);
		return 0;
	}
	out_putc(w, '[');
	for (r = 0; r < nrows; r++) {
		n = fn(user, r, &cells);
		if (n < 0)
			return n;
		out_put(w, r ? ",\n  " : "\n  ", r ? 4 : 3);
		err = out_json_row(w, cols, ncols, cells, n);
		if (err)
			return err;
	}
	out_put(w, "\n]\n", 3);
	return 0;
}

int out_source_print(FILE *f, enum out_format fmt, const struct out_column *cols,
		     size_t nrows, out_row_fn *fn, void *user)
{
	struct out_writer *w = malloc(sizeof(*w));
	size_t ncols = out_ncols(cols);
	int err;

	if (!w)
		return -ENOMEM;
	w->f = f;
	w->used = 0;
	w->failed = false;
	if (fmt == OUT_JSON)
		err = out_json_write(w, cols, ncols, nrows, fn, user);
	else if (fmt == OUT_TABLE)
		err = out_table_write(w, cols, ncols, nrows, fn, user);
	else
		err = out_tsv_write(w, ncols, nrows, fn, user);
	out_flush(w);
	/* Flushed here, so that a write error is this call's error. */
	if (fflush(f))
		w->failed = true;
	if (!err && (w->failed || ferror(f)))
		err = -EIO;
	free(w);
	return err;
}

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
