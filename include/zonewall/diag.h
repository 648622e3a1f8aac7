/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_DIAG_H
#define ZONEWALL_DIAG_H

/*
 * Diagnostics for structured input (policy.json, proposal.json): one
 * problem per entry, each with where it is (a JSON path such as
 * "$.zones[2].name") and what is wrong.  Pure modules fill a struct diags;
 * only the CLI prints it, one "FILE: WHERE: MESSAGE" line per entry.
 */

#include <stddef.h>

#define DIAG_MAX 64

struct diag {
	char where[128];	/* JSON path, "$" for the document as a whole */
	char msg[224];
};

struct diags {
	struct diag v[DIAG_MAX];
	size_t n;		/* problems recorded (at most DIAG_MAX) */
	size_t dropped;		/* problems past DIAG_MAX, counted only */
};

/** diags_init() - empty @d. */
void diags_init(struct diags *d);

/**
 * diag_add() - record one problem at @where (copied, truncated to fit).
 * Past DIAG_MAX entries the problem is only counted in @d->dropped.
 */
void diag_add(struct diags *d, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * diags_summary() - the problems of @d on one line, "WHERE: MSG; WHERE:
 * MSG", cut to fit @len and ending with "(N problems)" when there are
 * several: for a log line or a status field.
 */
void diags_summary(const struct diags *d, char *buf, size_t len);

/*
 * Helpers for parsers of JSON documents that report problems by path.
 * Paths are built in buffers of DIAG_PATH_LEN bytes.
 */
#include <stdbool.h>
#include <jansson.h>

#define DIAG_PATH_LEN 128

/** diag_path_key() - @base + ".key" (or ["key"] for odd keys) into @out. */
void diag_path_key(char *out, const char *base, const char *key);

/** diag_path_idx() - @base + "[i]" into @out. */
void diag_path_idx(char *out, const char *base, size_t i);

/** diag_json_type() - "a string", "an integer", ... for @v. */
const char *diag_json_type(const json_t *v);

/** diag_json_preview() - @v as compact JSON, cut at 40 bytes, into @buf. */
void diag_json_preview(const json_t *v, char *buf, size_t size);

/**
 * diag_want_type() - whether @v has type @t; if not, records
 * "expected TNAME, got TYPE VALUE" at @path.
 */
bool diag_want_type(struct diags *d, const char *path, const json_t *v, json_type t,
		    const char *tname);

/**
 * diag_check_keys() - record "unknown key (expected EXPECT)" for every key
 * of @obj not in the NULL-terminated @allowed.
 */
void diag_check_keys(struct diags *d, const char *path, json_t *obj,
		     const char *const *allowed, const char *expect);

/**
 * diag_member() - @obj's member @key if present with type @t.  A wrong
 * type, or a missing member when @required, is recorded.
 * Return: a borrowed reference, or NULL.
 */
json_t *diag_member(struct diags *d, const char *path, json_t *obj, const char *key,
		    json_type t, const char *tname, bool required);

/**
 * diag_json_syntax() - record a jansson parse error at "$ (line L, column
 * C)"; trailing data after the document is named as such.
 */
void diag_json_syntax(struct diags *d, const json_error_t *e);

#endif
