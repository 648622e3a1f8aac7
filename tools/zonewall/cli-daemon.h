/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_CLI_DAEMON_H
#define ZONEWALL_CLI_DAEMON_H

/*
 * The client side of zonewalld's control socket, shared by the commands
 * that talk to the daemon (reload, confirm, daemon-status, metrics) and
 * those that prefer it when it runs (apply --confirm-within, denied).
 * Prints its own diagnostics (CLI layer).
 */

#include <stddef.h>
#include <jansson.h>

#include "zonewall/ctl.h"

#define CLID_TIMEOUT_MS 30000

/**
 * clid_socket_path() - the control socket: @socket when given, else the
 * control_socket of the zonewalld.conf @config when given, else the
 * built-in default.  Both given is a usage error.
 * Return: CLI_OK with @out filled, or CLI_FAIL (@config unreadable) or
 * CLI_USAGE (both given) after a message.
 */
int clid_socket_path(const char *cmd, const char *socket, const char *config, char *out,
		     size_t size);

/**
 * clid_request() - send @req (borrowed) on @k and wait for the answer: at
 * most CLID_TIMEOUT_MS, but for a reload or an apply as long as the daemon
 * holds the connection (it answers when the policy is in the kernel).
 * Return: CLI_OK with *@reply a new reference (its "ok" is true), or the
 * exit status after a message (no answer, or the daemon's error).
 */
int clid_request(const char *cmd, struct ctl_conn *k, const char *path, const json_t *req,
		 json_t **reply);

/**
 * clid_call() - connect to @path, clid_request(), close.
 * Return: as clid_request(); CLI_FAIL after a message when nobody answers.
 */
int clid_call(const char *cmd, const char *path, const json_t *req, json_t **reply);

#endif
