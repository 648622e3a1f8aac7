// SPDX-License-Identifier: GPL-2.0-or-later
/* File-permission checks and capability dropping for the daemon. */

#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "zonewall/diag.h"
#include "zonewall/hardening.h"

#ifdef HAVE_VALGRIND_MEMCHECK_H
#include <valgrind/memcheck.h>
#endif

static bool safe_owner_ok(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

static int safe_dir_check(const char *what, const char *path, struct diags *why)
{
	char copy[PATH_MAX];
	struct stat st;
	const char *dir;

	if (strlen(path) >= sizeof(copy))
		return 0;
	strcpy(copy, path);
	dir = dirname(copy);
	if (stat(dir, &st) < 0)
		return 0;	/* the file's own check reports what matters */
	if (!safe_owner_ok(st.st_uid) ||
	    ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))) {
		diag_add(why, "", "%s file %s is in directory %s (mode %04o, owner uid %u) "
			 "that others can write: they could replace it; "
			 "use a directory owned by root, e.g. chmod go-w %s",
			 what, path, dir, (unsigned int)(st.st_mode & 07777),
			 (unsigned int)st.st_uid, dir);
		return -EPERM;
	}
	return 0;
}

int safe_file_check(const char *what, const char *path, struct diags *why)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		int e = errno;

		diag_add(why, "", "%s file %s: %s", what, path, strerror(e));
		return -e;
	}
	if (!S_ISREG(st.st_mode)) {
		diag_add(why, "", "%s file %s is not a regular file", what, path);
		return -EPERM;
	}
	if (!safe_owner_ok(st.st_uid)) {
		diag_add(why, "", "%s file %s is owned by uid %u, not root: refused "
			 "(chown root %s)", what, path, (unsigned int)st.st_uid, path);
		return -EPERM;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		diag_add(why, "", "%s file %s has mode %04o: writable by %s, refused "
			 "(chmod go-w %s)", what, path, (unsigned int)(st.st_mode & 07777),
			 (st.st_mode & S_IWOTH) ? "others" : "its group", path);
		return -EPERM;
	}
	return safe_dir_check(what, path, why);
}

static int safe_capget(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };

	return syscall(SYS_capget, &hdr, data) < 0 ? -errno : 0;
}

static int safe_capset(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };

	return syscall(SYS_capset, &hdr, data) < 0 ? -errno : 0;
}

int safe_caps_read(uint64_t *eff, uint64_t *prm, uint64_t *bnd)
{
	struct __user_cap_data_struct d[2];
	int cap, err, r;

	err = safe_capget(d);
	if (err)
		return err;
#ifdef HAVE_VALGRIND_MEMCHECK_H
	/* valgrind takes capget() for version 1: one word written, not two */
	VALGRIND_MAKE_MEM_DEFINED(&d[1], sizeof(d[1]));
#endif
	*eff = d[0].effective | (uint64_t)d[1].effective << 32;
	*prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	*bnd = 0;
	for (cap = 0; cap < 64; cap++) {
		r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
		if (r < 0)
			break;	/* EINVAL past the kernel's last capability */
		if (r)
			*bnd |= 1ULL << cap;
	}
	return 0;
}

static int safe_bounding_drop(uint64_t keep, struct diags *why)
{
	int cap, r;

	for (cap = 0; cap < 64; cap++) {
		if (keep & (1ULL << cap))
			continue;
		r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
		if (r < 0)
			break;
		if (r == 0)
			continue;	/* already gone: no CAP_SETPCAP needed */
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			int e = errno;

			diag_add(why, "", "cannot drop capability %d from the bounding set: %s",
				 cap, strerror(e));
			return -e;
		}
	}
	return 0;
}

int safe_caps_drop(uint64_t keep, struct diags *why)
{
	struct __user_cap_data_struct d[2];
	uint64_t prm;
	int err;

	err = safe_bounding_drop(keep, why);
	if (err)
		return err;
	/* Ambient capabilities would survive an exec; we never exec, but clear them. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) {
		err = -errno;
		diag_add(why, "", "cannot clear ambient capabilities: %s", strerror(-err));
		return err;
	}
	err = safe_capget(d);
	if (err) {
		diag_add(why, "capget", "%s", strerror(-err));
		return err;
	}
	prm = (d[0].permitted | (uint64_t)d[1].permitted << 32) & keep;
	d[0].effective = d[0].permitted = (uint32_t)prm;
	d[1].effective = d[1].permitted = (uint32_t)(prm >> 32);
	d[0].inheritable = d[1].inheritable = 0;
	err = safe_capset(d);
	if (err) {
		diag_add(why, "capset", "%s", strerror(-err));
		return err;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		err = -errno;
		diag_add(why, "PR_SET_NO_NEW_PRIVS", "%s", strerror(-err));
		return err;
	}
	return 0;
}
