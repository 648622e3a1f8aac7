/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_METRICS_H
#define ZONEWALL_METRICS_H

/*
 * A tiny metrics registry rendered in the Prometheus text exposition
 * format (version 0.0.4): families of counters or gauges, each with fixed
 * label names, and series addressed by label values.  The registry is pure
 * data (src/daemon/metrics.c); src/daemon/metrics-http.c serves it on a loopback TCP port
 * as a minimal HTTP/1.0 responder.
 *
 * Updates take a series handle and accept NULL, so a caller whose series
 * could not be made (bad name, limit reached, no memory) just counts
 * nothing instead of checking at every increment.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum met_type {
	MET_COUNTER,
	MET_GAUGE,
};

#define MET_LABELS_MAX 4		/* label names per family */
#define MET_SERIES_MAX 4096		/* series per family: bounds memory */

struct met_registry;
struct met_family;
struct met_series;

/**
 * met_registry_new() - an empty registry.
 * Return: the registry (free with met_registry_free()) or NULL (errno set).
 */
struct met_registry *met_registry_new(void);

/** met_registry_free() - free @r with its families and series.  Accepts NULL. */
void met_registry_free(struct met_registry *r);

/**
 * met_family_add() - declare a family.  @name must match
 * [a-zA-Z_:][a-zA-Z0-9_:]*, each label name [a-zA-Z_][a-zA-Z0-9_]* and not
 * start with "__"; @labels is NULL-terminated (NULL for none).  The strings
 * are copied.  A family without labels has its one series made at once.
 * Return: the family (owned by @r), or NULL with errno EINVAL (bad name,
 * too many labels), EEXIST (name taken) or ENOMEM.
 */
struct met_family *met_family_add(struct met_registry *r, const char *name, const char *help,
				  enum met_type type, const char *const *labels);

/**
 * met_series_get() - the series of @f with these label values (as many as
 * the family has label names; values are copied; any bytes allowed).
 * Made on first use.  @f may be NULL.
 * Return: the series (owned by the registry), or NULL with errno EINVAL
 * (@f NULL), E2BIG (MET_SERIES_MAX reached) or ENOMEM.
 */
struct met_series *met_series_get(struct met_family *f, const char *const *values);

/** met_series_get1() - met_series_get() for a family with one label. */
struct met_series *met_series_get1(struct met_family *f, const char *value);

/** met_series_get2() - met_series_get() for a family with two labels. */
struct met_series *met_series_get2(struct met_family *f, const char *v1, const char *v2);

/** met_scalar() - the one series of a family without labels, or NULL. */
struct met_series *met_scalar(struct met_family *f);

/** met_add() - add @delta to @s (a counter only goes up: negative deltas are ignored). */
void met_add(struct met_series *s, double delta);

/** met_inc() - met_add(@s, 1). */
void met_inc(struct met_series *s);

/** met_set() - set @s (gauges; on a counter, only a value >= the current one is taken). */
void met_set(struct met_series *s, double value);

/** met_value() - the value of @s (0 for NULL). */
double met_value(const struct met_series *s);

/** met_family_clear() - drop every series of @f (a gauge set rebuilt from scratch). */
void met_family_clear(struct met_family *f);

/**
 * met_render() - @r in the text exposition format: per family, in the order
 * declared, "# HELP" (backslash and newline escaped), "# TYPE", then one line
 * per series in creation order with label values escaped (\\, \", \n).
 * Return: 0 with *@out a malloc'ed NUL-terminated text the caller frees and
 * *@len its length; -ENOMEM.
 */
int met_render(const struct met_registry *r, char **out, size_t *len);

/* --- HTTP: GET /metrics on a loopback port --------------------------------- */

#define MET_HTTP_REQ_MAX 8192		/* request head bytes we read at most */

struct loop;
struct met_http;

/**
 * met_http_parse() - judge the head of an HTTP request (@len bytes, the
 * request line and headers up to the blank line).  Pure.
 * Return: the status to answer with: 200 for "GET /metrics" (a query
 * string is ignored) over HTTP/1.0 or 1.1; 404 for another path; 405 for
 * another method; 400 for anything malformed.
 */
int met_http_parse(const char *head, size_t len);

/**
 * met_http_new() - listen on @addr ("127.0.0.1:PORT" or "[::1]:PORT") and
 * serve GET /metrics from @r through @l: nonblocking, at most 16 connections,
 * MET_HTTP_REQ_MAX bytes of request, 5 s to send it, closed after the answer.
 * @prepare (may be NULL) runs before each render to refresh gauges.
 * Return: the server (free with met_http_free()) or NULL with errno set.
 */
struct met_http *met_http_new(struct loop *l, const char *addr, struct met_registry *r,
			      void (*prepare)(void *arg), void *arg);

/** met_http_free() - close the listener and every connection.  Accepts NULL. */
void met_http_free(struct met_http *h);

/**
 * met_http_stats() - requests answered so far per class: @ok (200),
 * @refused (4xx), @dropped (closed without an answer: timeout, too many).
 */
void met_http_stats(const struct met_http *h, uint64_t *ok, uint64_t *refused,
		    uint64_t *dropped);

#endif
