/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_DIAG_H
#define ZONEWALL_DIAG_H

/*
 * The detail channel beside a -errno return: one problem per entry, each
 * with where it is and what is wrong.  For structured input (policy,
 * proposal, inventory, an engine's JSON answer) the place is a JSON path
 * such as "$.zones[2].name"; for a model or a snapshot it is the origin of
 * the object at fault ("rule 3 ...", "inventory $.entries[1] db"), or ""
 * when the message says it all.  Modules fill a struct diags and return
 * -errno; only the edges (the CLI, the daemon's top) print it, one
 * "FILE: WHERE: MESSAGE" line per entry or diags_summary() on one line.
 */

#include <stdbool.h>
#include <stddef.h>

#define DIAG_MAX 64
#define DIAG_LINE_MAX 840	/* one problem as "WHERE: MSG", with its NUL */

struct diag {
	char where[320];	/* JSON path ("$": the document), an origin, or "" */
	char msg[512];
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
 * MSG" ("MSG" for an entry whose place is ""), cut to fit @len and ending
 * with "(N problems)" when there are several: for a log line, a status
 * field or an edge's one-line error.
 */
void diags_summary(const struct diags *d, char *buf, size_t len);

/**
 * diags_nest() - append the problems of @from to @d, each placed under
 * @prefix: "PREFIX: WHERE" (or "PREFIX" for a problem placed at ""); an
 * empty @prefix appends them as they are.
 * For a caller that adds where it asked (a socket, a URL) to what a
 * parser found.
 */
void diags_nest(struct diags *d, const struct diags *from, const char *prefix);

/** diags_any() - whether @d holds a problem (recorded or dropped).  Accepts NULL. */
bool diags_any(const struct diags *d);

/*
 * Helpers for parsers of JSON documents that report problems by path.
 * Paths are built in buffers of DIAG_PATH_LEN bytes.
 */
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
