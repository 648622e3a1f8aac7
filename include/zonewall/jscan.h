/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_JSCAN_H
#define ZONEWALL_JSCAN_H

/*
 * A scanner of JSON text that finds where values begin and end without
 * building them, so a reader can hand jansson one array element at a time
 * (a proposal of a million edges is never one tree).  It checks structure
 * only: the caller parses each slice with jansson, which checks the rest,
 * and falls back to a whole-document parse for an exact error message
 * whenever the scanner refuses.  Pure: no I/O, no allocation.
 */

#include <stdbool.h>
#include <stddef.h>

/** jscan_ws() - the position of the first non-whitespace byte from @i. */
size_t jscan_ws(const char *t, size_t len, size_t i);

/**
 * jscan_value_end() - the position just past the JSON value that starts at
 * @i (a string, an object or array with its nesting, or a scalar).
 * Return: that position, or 0 when the text there is not a value whose end
 * can be found (unterminated string or nesting, nothing there).
 */
size_t jscan_value_end(const char *t, size_t len, size_t i);

/**
 * jscan_top_key() - whether the top-level object of @t has the key @key
 * (a key written without escapes).
 */
bool jscan_top_key(const char *t, size_t len, const char *key);

/**
 * jscan_top_member() - the span of the value of the top-level member @key
 * (a key written without escapes): its start in *@start.
 * Return: the position just past the value, or 0 when the text is not an
 * object the scanner can walk to its end or @key is not there exactly once.
 */
size_t jscan_top_member(const char *t, size_t len, const char *key, size_t *start);

#endif
