/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_CLI_GIT_H
#define ZONEWALL_CLI_GIT_H

#include <stddef.h>

/**
 * clig_head_commit() - the commit checked out in the git work tree that
 * holds @path (its HEAD, read from the repository's files: no git
 * program runs), as 40 hex digits into @out.
 * Return: 0, or -ENOENT when @path is in no work tree or HEAD cannot be
 * resolved (a push from outside a checkout records no commit).
 */
int clig_head_commit(const char *path, char *out, size_t len);

#endif
