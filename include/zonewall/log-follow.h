/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_EVFILE_H
#define ZONEWALL_EVFILE_H

/*
 * Following a log file that another program appends lines to, woken by
 * inotify: Podman's file events logger, which its own API service polls
 * every 250 ms, so the API's event stream is that much behind the file.
 * The file may be rotated (renamed over, as Podman does) or truncated
 * while followed; each is noticed at the next read.  inotify is only the
 * doorbell: every read goes to the end of the file, so a lost or merged
 * notification costs nothing.
 */

#include <stdbool.h>
#include <stddef.h>

#include "zonewall/runtime.h"	/* rt_line_fn, rt_linebuf */

struct diags;
struct evfile;

/**
 * evfile_open() - follow @path from its current end.  The file must pass
 * safe_file_check() (root's, written by nobody else), and its directory
 * must stay (the watch is on the directory, to see renames).
 * Return: 0 with *@out set; -errno with @d saying why (-EPERM: owner or mode).
 */
int evfile_open(const char *path, struct evfile **out, struct diags *d);

/** evfile_close() - Accepts NULL. */
void evfile_close(struct evfile *f);

/** evfile_fd() - the descriptor that becomes readable when the file may have grown. */
int evfile_fd(const struct evfile *f);

/**
 * evfile_read() - call @fn(@ctx, line, len) for every complete line
 * appended since the last call; follow a rotation (the rest of the old
 * file first, then the new one from its start) or a truncation (from the
 * start again).  Lines longer than the line limit are skipped.
 * Return: 0; -errno with @d saying why when the file can no longer be
 * followed (its directory went away, a read failed, the new file is not
 * safe to trust); then close it.
 */
int evfile_read(struct evfile *f, rt_line_fn fn, void *ctx, struct diags *d);

/** evfile_rotations() - rotations and truncations followed so far. */
unsigned long evfile_rotations(const struct evfile *f);

#endif
