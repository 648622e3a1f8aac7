// SPDX-License-Identifier: GPL-2.0-or-later
/* The client side of zonewalld's control socket (see cli-daemon.h). */

#include "config.h"

#include <errno.h>
#include <string.h>

#include "cli.h"
#include "cli-daemon.h"
#include "zonewall/config.h"

int clid_socket_path(const char *cmd, const char *socket, const char *config, char *out,
		     size_t size)
{
	struct cfg_diags diags;
	struct cfg cfg;
	int err;

	/* --config serves only to find the socket: both would be two answers */
	if (socket && config)
		return cli_usage_error(cmd, "--socket and --config exclude each other");
	if (socket) {
		snprintf(out, size, "%s", socket);
		return CLI_OK;
	}
	if (!config) {
		cfg_defaults(&cfg);
		snprintf(out, size, "%s", cfg.control_socket);
		return CLI_OK;
	}
	err = cfg_load(&cfg, config, &diags);
	if (err)
		return cli_fail(cmd, "%s: %s", config, diags.n ? diags.v[0].msg : strerror(-err));
	snprintf(out, size, "%s", cfg.control_socket);
	return CLI_OK;
}

/*
 * A reload or an apply reads and compiles a policy, which takes as long as
 * the policy is large (a million rules: many seconds); the daemon answers
 * when it is in the kernel, or closes the connection when it stops.  So
 * those wait for that answer, however long; the rest answer at once.
 */
static int clid_wait_ms(const json_t *req)
{
	const char *name = json_string_value(json_object_get(req, "cmd"));

	return name && (!strcmp(name, "reload") || !strcmp(name, "apply")) ? -1 : CLID_TIMEOUT_MS;
}

int clid_request(const char *cmd, struct ctl_conn *k, const char *path, const json_t *req,
		 json_t **reply)
{
	int err = ctl_conn_send(k, req), wait = clid_wait_ms(req);

	*reply = NULL;
	if (!err)
		err = ctl_conn_recv(k, reply, wait);
	if (err == -ETIMEDOUT)
		return cli_fail(cmd, "%s: no answer within %d s", path, wait / 1000);
	if (err)
		return cli_fail(cmd, "%s: no answer: %s", path, strerror(-err));
	if (!json_is_true(json_object_get(*reply, "ok"))) {
		json_t *errors = json_object_get(*reply, "errors"), *e;
		size_t i;

		err = cli_fail(cmd, "%s", json_string_value(json_object_get(*reply, "error")) ?:
			       "refused without a reason");
		/* every problem of a policy the daemon refused, as validate lists them */
		if (json_array_size(errors) > 1)
			json_array_foreach(errors, i, e)
				fprintf(stderr, "  %s\n", json_string_value(e) ?: "?");
		json_decref(*reply);
		*reply = NULL;
		return err;
	}
	return CLI_OK;
}

int clid_call(const char *cmd, const char *path, const json_t *req, json_t **reply)
{
	struct ctl_conn *k = ctl_conn_open(path);
	int status;

	*reply = NULL;
	if (!k)
		return cli_fail(cmd, "cannot connect to %s: %s (is zonewalld running? "
				"--socket PATH)", path, strerror(errno));
	status = clid_request(cmd, k, path, req, reply);
	ctl_conn_close(k);
	return status;
}
