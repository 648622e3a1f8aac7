/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_CLI_POLICY_H
#define ZONEWALL_CLI_POLICY_H

/*
 * What the policy and proposal subcommands (review, approve, merge, diff,
 * export, validate) share, and every command that reads an inventory:
 * loading with diagnostics printed one per line
 * ("FILE: $.json.path: problem"), the clock, the invoking user.
 */

#include <stdint.h>

#include "zonewall/inventory.h"
#include "zonewall/policy.h"
#include "zonewall/proposal.h"

/**
 * clip_load_policy() - load @path into *@out, printing every problem.
 * Return: CLI_OK; CLI_USAGE for an invalid policy; CLI_FAIL when the file
 * cannot be read.
 */
int clip_load_policy(const char *cmd, const char *path, struct pol_policy **out);

/** clip_load_proposal() - the same for a proposal. */
int clip_load_proposal(const char *cmd, const char *path, struct prop_set **out);

/** clip_load_inventory() - the same for an inventory; @path NULL: an empty one (defaults). */
int clip_load_inventory(const char *cmd, const char *path, struct inv *out);

/**
 * clip_now() - the current time; ZONEWALL_NOW (an RFC 3339 time) replaces
 * it for tests only, so golden outputs can hold approved_at.
 */
int64_t clip_now(void);

/**
 * clip_user() - who approves by default: SUDO_USER when root runs us via
 * sudo, else the name of getuid(), else "uid:N".  Static storage.
 */
const char *clip_user(void);


/** clip_json_print() - @v to stdout, 2-space indentation, final newline. */
int clip_json_print(const json_t *v);

/**
 * clip_is_proposal() - whether @path holds a proposal (an object with
 * "edges") rather than a policy.  Unreadable or broken files, and files
 * that are not regular (a FIFO), count as policies, so the policy loader
 * reports them.
 */
bool clip_is_proposal(const char *path);

struct fio_lock;

/**
 * clip_lock() - take the writer's lock of the policy or proposal @path
 * (fio_lock()) for a read-modify-write: hold it from reading the file to
 * writing its new content, and release it (fio_unlock()) before printing
 * the result.  Waits 10 s (ZONEWALL_LOCK_WAIT seconds) for another writer.
 * Return: CLI_OK; CLI_FAIL after printing why (naming the holder's PID).
 */
int clip_lock(const char *cmd, const char *path, struct fio_lock **out);

/**
 * clip_write_failed() - print why @path could not be written (@err from
 * fio_write_atomic(), pol_save() or prop_save()), with what to do for a
 * hard-linked file or one whose owner cannot be kept; -EFBIG names @max,
 * the limit of the file's kind (POL_FILE_MAX, PROP_FILE_MAX).
 * Return: CLI_FAIL.
 */
int clip_write_failed(const char *cmd, const char *path, int err, size_t max);

/**
 * clip_check_output() - fio_check_writable() on @path, before a long job
 * whose result goes there.  Return: CLI_OK; CLI_FAIL after printing why.
 */
int clip_check_output(const char *cmd, const char *path);

#endif
