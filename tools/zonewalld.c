// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zonewalld: the agent.  For now it loads and validates its configuration;
 * the learn/monitor/enforce loop arrives with the daemon issue.
 */

#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "zonewall/config.h"

#define ZWD_DEFAULT_CONFIG SYSCONFDIR "/zonewall/zonewalld.conf"

static const char zwd_usage[] =
	"Usage: zonewalld [-c FILE] [--check-config] [--foreground]\n"
	"\n"
	"  -c, --config FILE   configuration file (default " ZWD_DEFAULT_CONFIG ")\n"
	"  -t, --check-config  validate the configuration, print the settings in\n"
	"                      effect and exit (0 valid, 2 invalid, 1 unreadable)\n"
	"  -f, --foreground    stay in the foreground, log to stderr\n"
	"  -V, --version       print the version\n"
	"  -h, --help          show this help\n";

static void zwd_diags_print(const char *path, const struct cfg_diags *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		if (d->v[i].line)
			fprintf(stderr, "zonewalld: %s:%u: %s\n", path, d->v[i].line, d->v[i].msg);
		else
			fprintf(stderr, "zonewalld: %s: %s\n", path, d->v[i].msg);
	}
	if (d->dropped)
		fprintf(stderr, "zonewalld: %s: %zu more problems not shown\n", path, d->dropped);
}

static void zwd_cfg_print(const struct cfg *c)
{
	printf("mode = %s\n", cfg_mode_name(c->mode));
	printf("runtime = %s\n", c->runtime);
	printf("inventory = %s\n", c->inventory[0] ? c->inventory : "(none)");
	printf("policy = %s\n", c->policy[0] ? c->policy : "(none)");
	printf("state_dir = %s\n", c->state_dir);
	printf("control_socket = %s\n", c->control_socket);
	printf("audit_log = %s\n", c->audit_log);
	printf("metrics_listen = %s\n", c->metrics_listen[0] ? c->metrics_listen : "off");
	printf("nflog_group = %u\n", c->nflog_group);
	printf("checkpoint_interval = %u\n", c->checkpoint_interval);
	printf("flow_limit = %lu\n", c->flow_limit);
	printf("deny_log_rate = %u\n", c->deny_log_rate);
	printf("log = %s\n", cfg_log_name(c->log_target));
	printf("log_format = %s\n", c->log_json ? "json" : "text");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 't' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = ZWD_DEFAULT_CONFIG;
	struct cfg_diags diags;
	struct cfg cfg;
	bool check = false;
	int c, err;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:tfVh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 't':
			check = true;
			break;
		case 'f':
			break;
		case 'V':
			printf("zonewalld %s\n", PACKAGE_VERSION);
			return 0;
		case 'h':
			fputs(zwd_usage, stdout);
			return 0;
		case ':':
			fprintf(stderr, "zonewalld: option '%s' needs an argument\n"
				"Try 'zonewalld --help'.\n", argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr, "zonewalld: invalid option '%s'\n"
				"Try 'zonewalld --help'.\n", argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "zonewalld: unexpected argument '%s'\nTry 'zonewalld --help'.\n",
			argv[optind]);
		return 2;
	}

	err = cfg_load(&cfg, path, &diags);
	if (err) {
		zwd_diags_print(path, &diags);
		return err == -EINVAL ? 2 : 1;
	}
	if (check) {
		zwd_cfg_print(&cfg);
		return 0;
	}
	fprintf(stderr, "zonewalld: %s: configuration valid; the agent loop is not built yet "
		"(only --check-config works)\n", path);
	return 1;
}
