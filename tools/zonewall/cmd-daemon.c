// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Clients of zonewalld's control socket: zonewall reload, confirm,
 * daemon-status and metrics.  Each sends one request and prints the answer.
 */

#include "config.h"

#include <errno.h>
#include <string.h>

#include "cli.h"
#include "cli-policy.h"
#include "cli-daemon.h"
#include "zonewall/config.h"
#include "zonewall/ctl.h"
#include "zonewall/output.h"


struct daemon_opts {
	const char *socket;
	const char *config;
	bool json;
};

static const char reload_usage[] =
	"Usage: zonewall reload [--socket PATH | --config FILE]\n"
	"\n"
	"Ask zonewalld over its control socket to re-read its configuration and\n"
	"policy and swap them in atomically (like SIGHUP).  On any problem the\n"
	"daemon keeps what was in effect and the error is printed (exit 1).\n"
	"The request is audited with your uid, pid and user name.\n"
	"\n"
	"  -s, --socket PATH   control socket (default /run/zonewall/zonewalld.sock)\n"
	"  -c, --config FILE   take control_socket from this zonewalld.conf\n"
	"  -h, --help          show this help\n";

static const char confirm_usage[] =
	"Usage: zonewall confirm [--socket PATH | --config FILE]\n"
	"\n"
	"Confirm the change zonewalld is holding under a deadline (apply\n"
	"--confirm-within): without it the daemon returns to the previous policy\n"
	"at the deadline.  Exit 1 when nothing is pending.  Audited.\n"
	"\n"
	"  -s, --socket PATH   control socket (default /run/zonewall/zonewalld.sock)\n"
	"  -c, --config FILE   take control_socket from this zonewalld.conf\n"
	"  -h, --help          show this help\n";

static const char daemon_status_usage[] =
	"Usage: zonewall daemon-status [--socket PATH | --config FILE] [--json]\n"
	"\n"
	"zonewalld's mode, pid, uptime, reloads, control clients, a change waiting\n"
	"for confirm and the last reload.  --json prints every field the daemon\n"
	"reports (see docs/daemon.md).\n"
	"\n"
	"  -s, --socket PATH   control socket (default /run/zonewall/zonewalld.sock)\n"
	"  -c, --config FILE   take control_socket from this zonewalld.conf\n"
	"  -j, --json          print one JSON object\n"
	"  -h, --help          show this help\n";

static const char metrics_usage[] =
	"Usage: zonewall metrics [--socket PATH | --config FILE]\n"
	"\n"
	"Print zonewalld's counters and gauges in the Prometheus text exposition\n"
	"format, read over the control socket (the same text as GET /metrics on\n"
	"metrics_listen).\n"
	"\n"
	"  -s, --socket PATH   control socket (default /run/zonewall/zonewalld.sock)\n"
	"  -c, --config FILE   take control_socket from this zonewalld.conf\n"
	"  -h, --help          show this help\n";

/* Parse the options every client shares (@usage for --help); @json_ok allows --json. */
static int daemon_opts_parse(const char *cmd, const char *usage, int argc, char **argv,
			     bool json_ok, struct daemon_opts *o, int *status)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = cli_getopt(cmd, usage, argc, argv, json_ok ? ":s:c:jh" : ":s:c:h", opts,
			       status)) != -1) {
		if (c == CLI_DONE)
			return -1;
		if (c == 's')
			o->socket = optarg;
		else if (c == 'c')
			o->config = optarg;
		else if (c == 'j' && json_ok)
			o->json = true;
		else if (c == 'j') {
			*status = cli_usage_error(cmd, "invalid option '--json'");
			return -1;
		}
	}
	if (optind < argc) {
		*status = cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
		return -1;
	}
	return 0;
}

/*
 * Send {"cmd": @name} and wait for the answer.
 * Return: CLI_OK with *@reply (ok true), or the exit status after a message.
 */
static int daemon_call(const char *cmd, const char *name, const struct daemon_opts *o,
		       json_t **reply)
{
	char path[PATH_MAX];
	json_t *req;
	int status;

	*reply = NULL;
	status = clid_socket_path(cmd, o->socket, o->config, path, sizeof(path));
	if (status)
		return status;
	req = json_pack("{s:s}", "cmd", name);
	if (!req)
		return cli_fail(cmd, "out of memory");
	status = clid_call(cmd, path, req, reply);
	json_decref(req);
	return status;
}

int cmd_reload_main(int argc, char **argv)
{
	struct daemon_opts o;
	const char *note;
	json_t *reply;
	int status = CLI_OK;

	if (daemon_opts_parse("reload", reload_usage, argc, argv, false, &o, &status))
		return status;
	status = daemon_call("reload", "reload", &o, &reply);
	if (status)
		return status;
	note = json_string_value(json_object_get(reply, "note"));
	if (json_is_true(json_object_get(reply, "restart_needed"))) {
		/* the rest is in effect; these keys are not: not a whole success */
		status = cli_fail("reload", "reloaded all but what needs a restart: %s; restart "
				  "zonewalld to change them", note ? note : "(unnamed keys)");
		json_decref(reply);
		return status;
	}
	if (note)
		cli_warn("reload", "%s", note);
	printf("reloaded\n");
	json_decref(reply);
	return CLI_OK;
}

int cmd_confirm_main(int argc, char **argv)
{
	struct daemon_opts o;
	json_t *reply;
	int status = CLI_OK;

	if (daemon_opts_parse("confirm", confirm_usage, argc, argv, false, &o, &status))
		return status;
	status = daemon_call("confirm", "confirm", &o, &reply);
	if (status)
		return status;
	printf("confirmed: %s\n", json_string_value(json_object_get(reply, "confirmed")) ?: "");
	json_decref(reply);
	return CLI_OK;
}

static const struct out_column daemon_status_cols[] = {
	{ .key = "mode", .title = "MODE" },
	{ .key = "pid", .title = "PID", .right = true },
	{ .key = "uptime_s", .title = "UPTIME_S", .right = true },
	{ .key = "reloads", .title = "RELOADS", .right = true },
	{ .key = "clients", .title = "CLIENTS", .right = true },
	{ .key = "pending_confirm", .title = "PENDING_CONFIRM" },
	{ .key = "last_reload", .title = "LAST_RELOAD" },
	{ .key = NULL },
};

int cmd_daemon_status_main(int argc, char **argv)
{
	struct daemon_opts o;
	json_t *reply, *rows, *confirm;
	int status = CLI_OK, err;

	if (daemon_opts_parse("daemon-status", daemon_status_usage, argc, argv, true, &o, &status))
		return status;
	status = daemon_call("daemon-status", "status", &o, &reply);
	if (status)
		return status;
	json_object_del(reply, "ok");
	confirm = json_object_get(reply, "confirm");
	if (!o.json)
		json_object_set_new(reply, "pending_confirm",
				    json_is_true(json_object_get(confirm, "pending")) ?
				    json_copy(json_object_get(confirm, "what")) : json_null());
	if (o.json) {
		err = clip_json_print(reply);
		json_decref(reply);
	} else {
		rows = json_pack("[o]", reply);
		if (!rows)
			return cli_fail("daemon-status", "out of memory");
		err = out_rows_print(stdout, OUT_TABLE, rows, daemon_status_cols);
		json_decref(rows);
	}
	if (err)
		return cli_fail("daemon-status", "cannot write output: %s", strerror(-err));
	return CLI_OK;
}

int cmd_metrics_main(int argc, char **argv)
{
	struct daemon_opts o;
	json_t *reply;
	int status = CLI_OK;

	if (daemon_opts_parse("metrics", metrics_usage, argc, argv, false, &o, &status))
		return status;
	status = daemon_call("metrics", "metrics", &o, &reply);
	if (status)
		return status;
	fputs(json_string_value(json_object_get(reply, "metrics")) ?: "", stdout);
	json_decref(reply);
	return CLI_OK;
}
