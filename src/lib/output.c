// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Table, TSV and JSON rendering of one result (see output.h).  The core
 * is out_source_print(): rows of typed cells from a callback, written
 * through one buffer; output-json.c feeds it from jansson rows.
 */

#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/output.h"
#include "output-int.h"

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

size_t out_ncols(const struct out_column *cols)
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

/* Room for a cut cell: max characters of up to 4 bytes, the ellipsis. */
#define OUT_SHOWN_LEN (255 * 4 + 4)

/* Characters (code points) in @len bytes of UTF-8: what a terminal aligns. */
static size_t out_text_width(const char *s, size_t len)
{
	size_t w = 0;

	for (size_t i = 0; i < len; i++)
		w += ((unsigned char)s[i] & 0xc0) != 0x80;
	return w;
}

/* "2026-01-10T12:00:00.123456Z" to the second: the fraction left out. */
static size_t out_time_short(char *out, const char *s, size_t len)
{
	size_t end = 20;

	if (len <= 20 || len > OUT_SHOWN_LEN || s[19] != '.')
		return 0;
	while (end < len && s[end] >= '0' && s[end] <= '9')
		end++;
	memcpy(out, s, 19);
	memcpy(out + 19, s + end, len - end);
	return 19 + len - end;
}

/* The first @max - 1 characters of @s and an ellipsis, in @out
 * (OUT_SHOWN_LEN bytes, whatever stray continuation bytes @s holds). */
static size_t out_text_cut(char *out, const char *s, size_t len, size_t max)
{
	size_t i = 0, chars = 0, room = OUT_SHOWN_LEN - 3;

	while (i < len && i < room && chars < max - 1) {
		i++;
		while (i < len && i < room && ((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
		chars++;
	}
	memcpy(out, s, i);
	memcpy(out + i, "\xe2\x80\xa6", 3);	/* U+2026 */
	return i + 3;
}

struct out_shown {
	const char *s;
	size_t len;		/* bytes */
	size_t width;		/* characters */
	char num[OUT_NUM_LEN];
	char buf[OUT_SHOWN_LEN];
};

/* What cell @c shows in column @col of a table: @wide (OUT_WIDE) all of
 * it, else the time to the second and at most @max characters (0: all). */
static void out_table_text(const struct out_column *col, bool wide, size_t max,
			   const struct out_cell *c, struct out_shown *sh)
{
	size_t n;

	sh->s = out_cell_text(c, sh->num, &sh->len);
	if (!wide && col->time && (n = out_time_short(sh->buf, sh->s, sh->len))) {
		sh->s = sh->buf;
		sh->len = n;
	}
	sh->width = out_text_width(sh->s, sh->len);
	if (max && sh->width > max) {
		sh->len = out_text_cut(sh->buf, sh->s, sh->len, max);
		sh->s = sh->buf;
		sh->width = max;
	}
}

static void out_table_cell(struct out_writer *w, const struct out_shown *sh, size_t width,
			   bool right, bool last)
{
	size_t pad = sh->width < width ? width - sh->width : 0;

	if (right)
		out_spaces(w, pad);
	out_put(w, sh->s, sh->len);
	if (last) {
		out_putc(w, '\n');
		return;
	}
	if (!right)
		out_spaces(w, pad);
	out_put(w, "  ", 2);
}

/* The layout of a table: the columns it shows, their widths and cuts. */
struct out_layout {
	const struct out_column *cols;
	bool wide;
	size_t n;		/* columns shown */
	size_t *show;		/* their indices in cols */
	size_t *width;
	size_t *max;		/* characters at most, 0: all */
};

static void out_layout_columns(struct out_layout *lo, size_t ncols)
{
	lo->n = 0;
	for (size_t c = 0; c < ncols; c++) {
		if (!lo->wide && lo->cols[c].wide_only)
			continue;
		lo->show[lo->n] = c;
		lo->max[lo->n] = lo->wide ? 0 : lo->cols[c].max;
		lo->width[lo->n] = out_text_width(lo->cols[c].title, strlen(lo->cols[c].title));
		lo->n++;
	}
}

static int out_layout_widths(struct out_layout *lo, size_t nrows, out_row_fn *fn, void *user)
{
	const struct out_cell *cells;
	struct out_shown sh;

	for (size_t r = 0; r < nrows; r++) {
		int n = fn(user, r, &cells);

		if (n < 0)
			return n;
		for (size_t i = 0; i < lo->n; i++) {
			out_table_text(&lo->cols[lo->show[i]], lo->wide, lo->max[i],
				       out_nth(cells, n, lo->show[i]), &sh);
			if (sh.width > lo->width[i])
				lo->width[i] = sh.width;
		}
	}
	return 0;
}

/* A fill column (the last) gets what the others leave of the line, or
 * is left out when that is too little to read. */
#define OUT_FILL_MIN 10

static void out_layout_fill(struct out_layout *lo)
{
	size_t last = lo->n - 1, used = 0, room;

	if (lo->wide || !lo->n || !lo->cols[lo->show[last]].fill)
		return;
	for (size_t i = 0; i < last; i++)
		used += lo->width[i] + 2;
	room = used < OUT_TABLE_COLUMNS ? OUT_TABLE_COLUMNS - used : 0;
	if (room < OUT_FILL_MIN) {
		lo->n--;
	} else if (lo->width[last] > room) {
		lo->width[last] = room;
		lo->max[last] = room;
	}
}

static void out_table_heading(struct out_writer *w, const struct out_layout *lo)
{
	struct out_shown sh;

	for (size_t i = 0; i < lo->n; i++) {
		sh.s = lo->cols[lo->show[i]].title;
		sh.len = strlen(sh.s);
		sh.width = out_text_width(sh.s, sh.len);
		out_table_cell(w, &sh, lo->width[i], lo->cols[lo->show[i]].right, i + 1 == lo->n);
	}
}

static int out_table_write(struct out_writer *w, const struct out_column *cols, size_t ncols,
			   bool wide, size_t nrows, out_row_fn *fn, void *user)
{
	size_t *mem = calloc(3 * ncols + 1, sizeof(*mem));
	struct out_layout lo = { .cols = cols, .wide = wide, .show = mem, .width = mem + ncols,
				 .max = mem + 2 * ncols };
	struct out_shown *sh = malloc(sizeof(*sh));
	const struct out_cell *cells;
	int n, err = -ENOMEM;

	if (!mem || !sh)
		goto out_free;
	out_layout_columns(&lo, ncols);
	err = out_layout_widths(&lo, nrows, fn, user);
	if (!err) {
		out_layout_fill(&lo);
		out_table_heading(w, &lo);
	}
	for (size_t r = 0; !err && r < nrows; r++) {
		n = fn(user, r, &cells);
		if (n < 0) {
			err = n;
			break;
		}
		for (size_t i = 0; i < lo.n; i++) {
			out_table_text(&cols[lo.show[i]], wide, lo.max[i], out_nth(cells, n, lo.show[i]),
				       sh);
			out_table_cell(w, sh, lo.width[i], cols[lo.show[i]].right, i + 1 == lo.n);
		}
	}
out_free:
	free(sh);
	free(mem);
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
	else if (fmt == OUT_TABLE || fmt == OUT_WIDE)
		err = out_table_write(w, cols, ncols, fmt == OUT_WIDE, nrows, fn, user);
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
