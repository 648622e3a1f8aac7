/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_ESCAPE_H
#define ZONEWALL_ESCAPE_H

/*
 * Escapers for the contexts the report writes untrusted text into
 * (identities, zone names, comments, file names come from containers,
 * inventories and operators): HTML text and quoted attribute values, a
 * Graphviz label (which expands \N, \G, ... itself; Graphviz then escapes
 * its SVG output), a JSON data block inside <script>, and a POSIX shell
 * word for a command to copy.
 */

#include <stdio.h>
#include <jansson.h>

/**
 * esc_html() - write @s to @f with &, <, >, " and ' as character
 * references: safe as HTML text and inside a quoted attribute value.
 */
void esc_html(FILE *f, const char *s);

/**
 * esc_gv_label() - @s for a Graphviz label or tooltip: every backslash
 * doubled, so Graphviz's escapes (\N, \G, \E, \T, \H, \L, \n, \l, \r) stay
 * the characters they are.  Set with agsafeset(), never agstrdup_html(), so
 * "<...>" is text, not an HTML-like label.
 * Return: a malloc'ed string the caller frees, or NULL (ENOMEM).
 */
char *esc_gv_label(const char *s);

/**
 * esc_json_script() - write @v to @f as compact JSON with <, >, & and the
 * line separators U+2028 and U+2029 as \u escapes: a script data block
 * that no "</script>" or "<!--" inside a string can end or change.
 * Return: 0, -ENOMEM or -EIO.
 */
int esc_json_script(FILE *f, const json_t *v);

/**
 * esc_shell() - @s as one POSIX shell word: as it is when it holds only
 * [A-Za-z0-9_./:=@%+,-] (and is not empty), else in single quotes with
 * each ' written as '\''.
 * Return: a malloc'ed string the caller frees, or NULL (ENOMEM).
 */
char *esc_shell(const char *s);

#endif
