/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_OUTPUT_H
#define ZONEWALL_OUTPUT_H

/*
 * One output path for people and programs (iproute2's json_print idea):
 * a command hands over its result once, as rows of typed cells, and
 * out_source_print() renders those same rows as an aligned table, as
 * tab-separated values, or as JSON.  No command formats text itself.
 *
 * Rows come from a row source (out_row_fn): a callback that describes row
 * i in cells pointing into the caller's own buffers, so a large result
 * (a million flows) is printed without a tree or a string per cell.
 * out_rows_print() is the same renderer fed from a jansson array, for
 * commands whose results are small and already JSON.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

enum out_format {
	OUT_TABLE,	/* for people, within OUT_TABLE_COLUMNS (struct out_column) */
	OUT_WIDE,	/* for people: every column, nothing cut */
	OUT_TSV,
	OUT_JSON,
};

/* The width the default table is laid out for: its columns' flags keep
 * realistic rows within it (a terminal, a review in a pull request). */
#define OUT_TABLE_COLUMNS 120

/*
 * A table column: which key of each row object, its heading, and how the
 * default table (OUT_TABLE) shows it.  OUT_WIDE, TSV and JSON show every
 * column in full.  Initialise by name: fields may be added.
 */
struct out_column {
	const char *key;
	const char *title;
	bool right;		/* right-align (numbers) */
	bool wide_only;		/* OUT_TABLE leaves the column out */
	bool time;		/* RFC 3339: OUT_TABLE shows it to the second */
	uint8_t max;		/* OUT_TABLE cuts longer text to this many
				 * characters, the last an ellipsis; 0: never */
	bool fill;		/* the last column: OUT_TABLE cuts it to what the
				 * others leave of OUT_TABLE_COLUMNS, and leaves
				 * it out when that is less than 10 */
};

/* What a cell holds.  Table and TSV show it as text; JSON as a value. */
enum out_type {
	OUT_NULL,	/* "-"; JSON null */
	OUT_STR,	/* @s, @len bytes (UTF-8; invalid bytes become U+FFFD in JSON) */
	OUT_INT,	/* @i in decimal */
	OUT_UINT,	/* @u in decimal */
	OUT_BOOL,	/* @b: "yes"/"no"; JSON true/false */
	OUT_RAW,	/* @s, @len: JSON text inserted as it is (a nested array or
			 * object as jansson's JSON_INDENT(2) writes it); tables show
			 * the text */
};

struct out_cell {
	const char *key;	/* JSON member name; NULL: the key of column i */
	enum out_type type;
	union {
		struct {
			const char *s;
			size_t len;
		};
		int64_t i;
		uint64_t u;
		bool b;
	};
};

/**
 * typedef out_row_fn - a row source: describe row @i (0 <= @i < nrows).
 * Set *@cells to the row's cells; they and the text they point to are the
 * source's and must stay valid until its next call.  Table and TSV take
 * the first ncols cells as the columns in order (missing ones show "-");
 * JSON writes every cell as a member, in order.  Rows are asked for in
 * order; a table asks for each row twice (widths first), so the source
 * must describe the same row the same way each time.
 * Return: the number of cells, or -errno to stop printing with that error.
 */
typedef int out_row_fn(void *user, size_t i, const struct out_cell **cells);

/**
 * out_source_print() - print @nrows rows from @fn to @f as @fmt.
 * @cols: columns for OUT_TABLE, OUT_WIDE and OUT_TSV (and the keys of
 *        cells whose key is NULL), terminated by an entry without a key.
 * The tables have a heading line, are aligned by characters (UTF-8 code
 * points), and OUT_TABLE applies the columns' wide_only, time, max and fill;
 * TSV has none (one record per line, ready
 * for sort/cut/join); JSON is an array of one object per row, laid out as
 * jansson's JSON_INDENT(2) lays it out, strings escaped as RFC 8259 says.
 * Nothing is allocated per row: TSV and JSON stream, the table makes two
 * passes over the source.
 * Return: 0, -EINVAL for a JSON cell without a key, -EIO on a write error,
 * -ENOMEM, or the error @fn returned.
 */
int out_source_print(FILE *f, enum out_format fmt, const struct out_column *cols,
		     size_t nrows, out_row_fn *fn, void *user);

/**
 * out_format_parse() - map "table", "tsv" or "json" to an enum out_format.
 * Return: 0, or -EINVAL for any other name.
 */
int out_format_parse(const char *name, enum out_format *fmt);

/**
 * out_value_text() - the text a table cell shows for a JSON value:
 * strings as they are, numbers in decimal, true/false, arrays joined with
 * ",", null and empty arrays as "-".
 * Return: a malloc'ed string the caller frees, or NULL (errno set).
 */
char *out_value_text(const json_t *v);

/**
 * out_rows_print() - print @rows (a JSON array of objects) to @f through
 * out_source_print().
 * @cols: columns for the tables and TSV, terminated by an entry without a key;
 *        ignored for OUT_JSON, which prints every key of every row (the
 *        same text json_dumpf(JSON_INDENT(2) | JSON_PRESERVE_ORDER) gives).
 * Cells show as out_value_text() says.  Does not take ownership of @rows.
 * Return: 0, -EINVAL if @rows is not an array of objects, -EIO on a write error.
 */
int out_rows_print(FILE *f, enum out_format fmt, const json_t *rows,
		   const struct out_column *cols);

/*
 * typedef out_object_fn - a row source of JSON objects: row @i as a new
 * reference (the printer frees it), made again each time it is asked for.
 */
typedef json_t *out_object_fn(void *user, size_t i);

/**
 * out_objects_print() - out_rows_print() of @nrows rows that @make builds
 * one at a time, for OUT_TABLE and OUT_TSV: the same text, with one row's
 * tree in memory instead of every row's.
 * Return: as out_rows_print(); -EINVAL for OUT_JSON or a row that is not
 * an object, -ENOMEM when @make returns NULL.
 */
int out_objects_print(FILE *f, enum out_format fmt, const struct out_column *cols, size_t nrows,
		      out_object_fn *make, void *user);

/**
 * typedef out_put_fn - a byte sink: append @len bytes at @s to @ctx.
 * It cannot fail: a sink keeps its own error and reports it when done (as
 * out_source_print()'s writer and fileio's struct fio_out do).
 */
typedef void out_put_fn(void *ctx, const char *s, size_t len);

/**
 * out_json_quote() - @len bytes of @str as one JSON string, quotes
 * included, to @put: the one JSON string escaper (out_source_print() and
 * prop_save() both write through it).
 * For valid UTF-8 these are the bytes jansson's json_dumps() writes: '"',
 * '\\' and control characters escaped (\b \f \n \r \t by name, the others
 * as \u00XX with upper-case hex, NUL included), '/', DEL and multi-byte
 * characters as they are.  Each byte that does not begin a well-formed
 * UTF-8 sequence (RFC 3629: no overlong form, surrogate or code point past
 * U+10FFFF), or whose sequence @len cuts, becomes \uFFFD, where jansson
 * would refuse the string: the output is always valid JSON.
 * Plain runs go to @put in one call each.
 */
void out_json_quote(out_put_fn *put, void *ctx, const char *str, size_t len);

#endif
