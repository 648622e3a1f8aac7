/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_OUTPUT_H
#define ZONEWALL_OUTPUT_H

/*
 * One output path for people and programs (iproute2's json_print idea):
 * a command builds its result once as a JSON array of flat-ish objects,
 * then out_rows_print() renders that same array as an aligned table,
 * as tab-separated values, or as JSON.  No command formats text itself.
 */

#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>

enum out_format {
	OUT_TABLE,
	OUT_TSV,
	OUT_JSON,
};

/* A table column: which key of each row object, and its heading. */
struct out_column {
	const char *key;
	const char *title;
	bool right;	/* right-align (numbers) */
};

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
 * out_rows_print() - print @rows (a JSON array of objects) to @f.
 * @cols: columns for OUT_TABLE and OUT_TSV, terminated by a {NULL} entry;
 *        ignored for OUT_JSON, which prints every key of every row.
 * The table has a heading line; TSV has none (one record per line, ready
 * for sort/cut/join).  Does not take ownership of @rows.
 * Return: 0, -EINVAL if @rows is not an array of objects, -EIO on a write error.
 */
int out_rows_print(FILE *f, enum out_format fmt, const json_t *rows,
		   const struct out_column *cols);

#endif
