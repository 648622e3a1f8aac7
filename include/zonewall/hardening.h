/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_SAFETY_H
#define ZONEWALL_SAFETY_H

/*
 * What keeps the daemon from being a way in: it refuses configuration and
 * policy files that someone other than root could have written, and after
 * setup it keeps only the two capabilities its work needs (netlink for
 * nftables, packet sockets for capture).  Capabilities are set with the
 * prctl() and capset() system calls directly; libcap is not a dependency.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct diags;

#define SAFE_CAP_NET_ADMIN 12
#define SAFE_CAP_NET_RAW 13
#define SAFE_CAPS_KEEP ((1ULL << SAFE_CAP_NET_ADMIN) | (1ULL << SAFE_CAP_NET_RAW))

/**
 * safe_file_check() - refuse a file that others could have changed: it must
 * be a regular file owned by root (or by the user the daemon runs as),
 * with no write permission for group or others, in a directory that is not
 * writable by group or others (unless sticky).  @what names the file in
 * the message ("config", "policy").
 * Return: 0; -EPERM (unsafe) or another -errno (cannot stat) with @why
 * saying which file, its mode and owner, and what to do.
 */
int safe_file_check(const char *what, const char *path, struct diags *why);

/**
 * safe_caps_drop() - keep only the capabilities in @keep (a mask of
 * capability numbers): drop every other one from the bounding set (those
 * already absent are skipped, so this works under a unit that set
 * CapabilityBoundingSet), clear the ambient and inheritable sets, set the
 * effective and permitted sets to @keep (minus what we never had), then
 * set PR_SET_NO_NEW_PRIVS.  The uid stays as it is.
 * Return: 0, or -errno with @why saying which step failed.
 */
int safe_caps_drop(uint64_t keep, struct diags *why);

/**
 * safe_caps_read() - the effective, permitted and bounding sets of this
 * process as masks (bounding read with PR_CAPBSET_READ).
 * Return: 0 or -errno.
 */
int safe_caps_read(uint64_t *eff, uint64_t *prm, uint64_t *bnd);

#endif
