/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_OWNER_H
#define ZONEWALL_OWNER_H

/*
 * Who controls zonewall's tables in a network namespace.  zonewalld in
 * monitor or enforce mode holds an exclusive lock on a file named after
 * its network namespace (/run/zonewall/owner-net-INODE.lock) for as long
 * as it runs, with a line saying who it is; a second daemon there cannot
 * take it, and `zonewall apply` or `uninstall` can tell that a live daemon
 * owns the tables (the kernel drops the lock with the process: a daemon
 * killed with -9 leaves no false owner behind).  Nothing is written into
 * the tables themselves.
 */

#include <stddef.h>

#define OWN_DIR "/run/zonewall"
#define OWN_HOLDER_MAX 512

/**
 * own_path() - the lock file of the calling process's network namespace
 * into @buf.  Return: 0, or -errno (/proc/self/ns/net unreadable).
 */
int own_path(char *buf, size_t len);

/**
 * own_take() - take the lock of @path for good, writing @holder into it
 * (creating OWN_DIR and the file as needed).  *@fd: the descriptor to
 * keep open (closing it, or exiting, releases the lock).
 * @current: when the lock is held, what its holder wrote (may be "").
 * Return: 0, -EBUSY (held by a live process: @current says whom), -errno.
 */
int own_take(const char *path, const char *holder, int *fd, char *current, size_t clen);

/**
 * own_check() - whether a live process holds the lock of @path, and what
 * it wrote into @holder.  A missing file is no owner.
 * Return: 1 (held), 0 (free), -errno.
 */
int own_check(const char *path, char *holder, size_t hlen);

#endif
