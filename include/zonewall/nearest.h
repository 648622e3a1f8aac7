/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_NEAREST_H
#define ZONEWALL_NEAREST_H

/*
 * "Did you mean": the known name a mistyped one most likely meant, for the
 * programs' messages about unknown commands and flags.  Pure: no I/O.
 */

#include <stddef.h>

/**
 * near_name() - of @names[0..@n) (NULL entries skipped), the one nearest
 * to @word in edits (insert, delete, replace, swap two neighbours), if it
 * is close enough: 1 edit for words under 4 characters, 2 under 9, else 3.
 * Names or words of 40 characters or more never match.
 * Return: the name (one of @names), or NULL.
 */
const char *near_name(const char *word, const char *const *names, size_t n);

#endif
