// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zonewalld: the agent.  Setup runs in a fixed order so that everything
 * needing privileges happens before they are dropped:
 *   config (+ file permissions) -> log -> [daemonize] -> loop + signals ->
 *   state dir + audit log -> control socket -> metrics port ->
 *   drop to CAP_NET_ADMIN + CAP_NET_RAW, NO_NEW_PRIVS -> mode start -> ready.
 * The mode-specific work lives behind the hooks in zwd-mode.c.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "zonewall/config.h"
#include "zonewall/nearest.h"
#include "zonewall/owner.h"
#include "zonewall/policy.h"
#include "zonewall/hardening.h"
#include "zwd.h"

#define ZWD_DEFAULT_CONFIG SYSCONFDIR "/zonewall/zonewalld.conf"

static const char zwd_usage[] =
	"Usage: zonewalld [-c FILE] [--check-config] [--foreground]\n"
	"\n"
	"  -c, --config FILE   configuration file (default " ZWD_DEFAULT_CONFIG ")\n"
	"  -t, --check-config  validate the configuration, print the settings in\n"
	"                      effect and exit (0 valid, 2 invalid, 1 unreadable, or\n"
	"                      a policy file there that does not load)\n"
	"  -f, --foreground    stay in the foreground, log to stderr (without it:\n"
	"                      detach once ready, log to syslog)\n"
	"  -V, --version       print the version\n"
	"  -h, --help          show this help\n"
	"\n"
	"Signals: SIGTERM/SIGINT stop in order (exit 0; 1 when the last checkpoint\n"
	"fails), SIGHUP reloads the\n"
	"configuration and policy like `zonewall reload`.\n";

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
	printf("runtime_event_log = %s\n", c->runtime_event_log);
	printf("runtime_fast_start = %s\n", c->runtime_fast_start ? "yes" : "no");
	printf("inventory = %s\n", c->inventory[0] ? c->inventory : "(none)");
	printf("policy = %s\n", c->policy[0] ? c->policy : "(none)");
	printf("state_dir = %s\n", c->state_dir);
	printf("control_socket = %s\n", c->control_socket);
	printf("control_group = %s\n", c->control_group[0] ? c->control_group : "none");
	printf("audit_log = %s\n", c->audit_log);
	printf("metrics_listen = %s\n", c->metrics_listen[0] ? c->metrics_listen : "off");
	printf("nflog_group = %u\n", c->nflog_group);
	printf("checkpoint_interval = %u\n", c->checkpoint_interval);
	printf("flow_limit = %lu\n", c->flow_limit);
	printf("deny_log_rate = %u\n", c->deny_log_rate);
	printf("denied_log_max = %lu\n", c->denied_log_max);
	printf("confirm_timeout = %u\n", c->confirm_timeout);
	printf("log = %s\n", cfg_log_name(c->log_target));
	printf("log_format = %s\n", c->log_json ? "json" : "text");
	printf("bridges = %s\n", c->bridges[0] ? c->bridges : "(every bridge)");
	printf("fleet = %s\n", c->fleet[0] ? c->fleet : "none");
	if (!c->fleet[0])
		return;
	printf("fleet_prefix = %s\n", c->fleet_prefix);
	printf("fleet_host = %s\n", c->fleet_host[0] ? c->fleet_host : "(the host name)");
	printf("fleet_user = %s\n", c->fleet_user[0] ? c->fleet_user : "(none)");
	printf("fleet_tls = %s\n", c->fleet_ca[0] || c->fleet_cert[0] ? "yes" : "no");
	printf("fleet_lease_ttl = %u\n", c->fleet_lease_ttl);
}

/* The files whose content decides what the firewall does. */
static int zwd_files_check(const char *path, const struct cfg *c, char *why, size_t whylen)
{
	int err;

	err = zwd_file_check("config", path, why, whylen);
	/* the fleet's policy is fetched at start when this host has no copy yet */
	if (!err && c->policy[0] && c->mode != CFG_MODE_LEARN &&
	    !(c->policy_from_fleet && access(c->policy, F_OK)))
		err = zwd_file_check("policy", c->policy, why, whylen);
	if (!err && c->inventory[0])
		err = zwd_file_check("inventory", c->inventory, why, whylen);
	return err;
}

/*
 * --check-config reads the policy the daemon would start with: a file that
 * is there but does not parse (invalid JSON, an unknown zone) makes the
 * daemon refuse to start, so the check fails too, naming each problem.  A
 * missing or unsafe file is zwd_files_check()'s warning.
 * Return: 0, or 1 after printing the problems.
 */
static int zwd_policy_check(const struct cfg *c)
{
	struct pol_policy *p;
	struct diags d;
	size_t i;

	if (!c->policy[0] || c->mode == CFG_MODE_LEARN || access(c->policy, F_OK))
		return 0;
	p = pol_load(c->policy, &d);
	if (p) {
		pol_free(p);
		return 0;
	}
	for (i = 0; i < d.n; i++)
		fprintf(stderr, "zonewalld: %s: %s: %s\n", c->policy, d.v[i].where, d.v[i].msg);
	if (d.dropped)
		fprintf(stderr, "zonewalld: %s: %zu more problems not shown\n", c->policy,
			d.dropped);
	fprintf(stderr, "zonewalld: %s: invalid policy: the daemon will refuse to start\n",
		c->policy);
	return 1;
}

/* --- signals ---------------------------------------------------------------- */

static void zwd_on_stop(struct loop *l, const struct signalfd_siginfo *si, void *arg)
{
	zwd_log(LOG_NOTICE, "signal %u from pid %u (uid %u): stopping", si->ssi_signo,
		si->ssi_pid, si->ssi_uid);
	loop_stop(l, 0);
}

static void zwd_on_hup(struct loop *l, const struct signalfd_siginfo *si, void *arg)
{
	struct ctl_peer peer;
	char why[512];

	ctl_peer_fill(&peer, si->ssi_uid, (gid_t)-1, si->ssi_pid);
	zwd_reload_begin(arg, &peer, "signal", NULL, why, sizeof(why));
}

/* --- detaching: the parent exits only once the child is ready (or failed) --- */

static int zwd_detach(int *ready_fd)
{
	int p[2], fd;
	pid_t pid;
	char st = 1;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(p[1]);
		if (read(p[0], &st, 1) != 1)
			st = 1;
		_exit(st);
	}
	close(p[0]);
	setsid();
	if (chdir("/") < 0)
		return -errno;
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	*ready_fd = p[1];
	return 0;
}

static void zwd_ready(int *ready_fd, char status)
{
	if (*ready_fd < 0)
		return;
	if (write(*ready_fd, &status, 1) < 0) {
		/* the parent is gone; nothing to tell */
	}
	close(*ready_fd);
	*ready_fd = -1;
}

/*
 * Tell the service manager that the control socket answers (systemd's
 * Type=notify: `systemctl start` returns then, so a `zonewall
 * daemon-status` right after it finds the daemon).  The protocol is one
 * datagram to $NOTIFY_SOCKET, '@' meaning the abstract namespace; without
 * it (no service manager asked) nothing is sent.
 */
static void zwd_notify_ready(void)
{
	static const char msg[] = "READY=1";
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = path ? strlen(path) : 0;
	int fd;

	if (!len || len >= sizeof(sa.sun_path) || (path[0] != '/' && path[0] != '@'))
		return;
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL, (struct sockaddr *)&sa,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) < 0)
		zwd_log(LOG_WARNING, "cannot tell the service manager it is ready: %s",
			strerror(errno));
	close(fd);
}

/* --- setup ------------------------------------------------------------------- */

static int zwd_mkdir_parent(const char *path, mode_t mode)
{
	char copy[PATH_MAX];

	if (strlen(path) >= sizeof(copy))
		return -ENAMETOOLONG;
	strcpy(copy, path);
	if (mkdir(dirname(copy), mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int zwd_setup_files(struct zwd *d)
{
	int err;

	if (mkdir(d->cfg.state_dir, 0750) < 0 && errno != EEXIST) {
		err = -errno;
		zwd_log(LOG_ERR, "state_dir %s: %s", d->cfg.state_dir, strerror(-err));
		return err;
	}
	d->audit = ctl_audit_open(d->cfg.audit_log);
	if (!d->audit) {
		err = -errno;
		zwd_log(LOG_ERR, "audit log %s: %s", d->cfg.audit_log, strerror(-err));
		return err;
	}
	return 0;
}

static int zwd_setup_sockets(struct zwd *d)
{
	struct ctl_ops ops;
	int err;

	zwd_mkdir_parent(d->cfg.control_socket, 0755);
	zwd_ctl_ops(d, &ops);
	d->ctl = ctl_new(d->loop, d->cfg.control_socket, d->cfg.control_group, &d->group_found,
			 d->audit, &ops);
	if (!d->ctl) {
		err = -errno;
		zwd_log(LOG_ERR, "control socket %s: %s%s", d->cfg.control_socket, strerror(-err),
			err == -EADDRINUSE ? " (is another zonewalld running?)" : "");
		return err;
	}
	if (d->group_found)
		zwd_log(LOG_INFO, "control socket %s: mode 0660, group %s", d->cfg.control_socket,
			d->cfg.control_group);
	else
		zwd_log(LOG_NOTICE, "control socket %s: mode 0600, root only (group '%s' does "
			"not exist)", d->cfg.control_socket,
			d->cfg.control_group[0] ? d->cfg.control_group : "none");
	if (!d->cfg.metrics_listen[0])
		return 0;
	d->http = met_http_new(d->loop, d->cfg.metrics_listen, d->met, zwd_metrics_refresh, d);
	if (!d->http) {
		err = -errno;
		zwd_log(LOG_ERR, "metrics_listen %s: %s", d->cfg.metrics_listen, strerror(-err));
		return err;
	}
	return 0;
}

static int zwd_drop_privileges(struct zwd *d)
{
	uint64_t prm, bnd;
	struct diags dg;
	char why[DIAG_LINE_MAX];
	int err;

	diags_init(&dg);
	err = safe_caps_drop(SAFE_CAPS_KEEP, &dg);
	if (err) {
		diags_summary(&dg, why, sizeof(why));
		zwd_log(LOG_ERR, "cannot drop privileges: %s", why);
		return err;
	}
	if (safe_caps_read(&d->caps_eff, &prm, &bnd) == 0)
		zwd_log(LOG_INFO, "privileges: effective %#llx permitted %#llx bounding %#llx, "
			"no_new_privs", (unsigned long long)d->caps_eff, (unsigned long long)prm,
			(unsigned long long)bnd);
	return 0;
}

/*
 * Monitor and enforce replace this namespace's tables: one daemon at a
 * time.  The lock lives as long as the process (kill -9 included).
 */
static int zwd_owner_take(struct zwd *d)
{
	char path[256], holder[OWN_HOLDER_MAX], current[OWN_HOLDER_MAX];
	int rc = own_path(path, sizeof(path));

	snprintf(holder, sizeof(holder), "zonewalld pid %d, mode %s, config %s", (int)getpid(),
		 cfg_mode_name(d->cfg.mode), d->config_path);
	if (!rc)
		rc = own_take(path, holder, &d->owner_fd, current, sizeof(current));
	if (rc == -EBUSY)
		zwd_log(LOG_ERR, "another daemon controls the tables of this network namespace "
			"(%s): stop it first", current[0] ? current : "its lock says nothing");
	else if (rc)
		zwd_log(LOG_ERR, "owner lock %s: %s", path, strerror(-rc));
	return rc;
}

static int zwd_setup(struct zwd *d)
{
	char why[1024];			/* the fleet's start error holds etcd's own words */
	int err;

	d->loop = loop_new();
	if (!d->loop)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	if ((err = loop_signal_add(d->loop, SIGTERM, zwd_on_stop, d)) ||
	    (err = loop_signal_add(d->loop, SIGINT, zwd_on_stop, d)) ||
	    (err = loop_signal_add(d->loop, SIGHUP, zwd_on_hup, d)))
		return err;
	d->start_mono_ms = loop_now_ms();
	d->start_wall = time(NULL);
	d->denied_recent = json_array();
	err = zwd_metrics_init(d);
	if (err)
		return err;
	if (d->cfg.mode != CFG_MODE_LEARN && (err = zwd_owner_take(d)))
		return err;
	err = zwd_setup_files(d);
	if (!err)
		err = zwd_setup_sockets(d);
	if (!err)
		err = zwd_drop_privileges(d);
	if (err)
		return err;
	err = zwd_fleet_start(d, why, sizeof(why));
	if (err) {
		zwd_log(LOG_ERR, "%s", why);
		return err;
	}
	err = zwd_mode_start(d, why, sizeof(why));
	if (err) {
		zwd_log(LOG_ERR, "%s mode: %s", cfg_mode_name(d->cfg.mode), why);
		return err;
	}
	err = zwd_fleet_run(d, why, sizeof(why));
	if (err)
		zwd_log(LOG_ERR, "%s", why);
	return err;
}

static void zwd_teardown(struct zwd *d)
{
	zwd_fleet_free(d);
	zwd_mode_free(d);
	if (d->owner_fd >= 0)
		close(d->owner_fd);
	loop_source_del(d->pending.timer);
	met_http_free(d->http);
	ctl_free(d->ctl);
	ctl_audit_close(d->audit);
	met_registry_free(d->met);
	json_decref(d->denied_recent);
	loop_free(d->loop);
}

static int zwd_run(struct zwd *d)
{
	int ready_fd = -1, err, status;

	zwd_log_setup(d->cfg.log_target, d->cfg.log_json, d->foreground);
	if (!d->foreground && zwd_detach(&ready_fd) < 0) {
		zwd_log(LOG_ERR, "cannot detach: %s", strerror(errno));
		return 1;
	}
	err = zwd_setup(d);
	if (err) {
		zwd_ready(&ready_fd, 1);
		zwd_teardown(d);
		return 1;
	}
	zwd_log(LOG_NOTICE, "ready: mode %s, pid %d, control socket %s%s%s", cfg_mode_name(d->cfg.mode),
		(int)getpid(), d->cfg.control_socket, d->http ? ", metrics on " : "",
		d->http ? d->cfg.metrics_listen : "");
	zwd_ready(&ready_fd, 0);
	zwd_notify_ready();
	status = loop_run(d->loop);
	if (zwd_mode_stop(d) < 0) {
		zwd_log(LOG_ERR, "stopped, but the last checkpoint failed: what was learned since "
			"the last good one is lost");
		status = 1;
	} else {
		zwd_log(LOG_NOTICE, "stopped");
	}
	zwd_teardown(d);
	return status < 0 ? 1 : status;
}

/* An unknown option, with the long one it most likely meant. */
static int zwd_bad_option(const char *arg, const struct option *opts)
{
	const char *names[8], *hit = NULL;
	char word[40];
	size_t n = 0;

	for (const struct option *o = opts; o->name && n < 8; o++)
		names[n++] = o->name;
	if (arg[0] == '-' && strlen(arg) > 2) {
		snprintf(word, sizeof(word), "%.*s", (int)strcspn(arg + 1 + (arg[1] == '-'), "="),
			 arg + 1 + (arg[1] == '-'));
		hit = near_name(word, names, n);
	}
	fprintf(stderr, "zonewalld: invalid option '%s'%s%s%s\nTry 'zonewalld --help'.\n", arg,
		hit ? "; did you mean '--" : "", hit ? hit : "", hit ? "'?" : "");
	return 2;
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
	static struct zwd d;
	struct cfg_diags diags;
	bool check = false;
	char why[512];
	int c, err;

	d.config_path = ZWD_DEFAULT_CONFIG;
	d.owner_fd = -1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:tfVh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			d.config_path = optarg;
			break;
		case 't':
			check = true;
			break;
		case 'f':
			d.foreground = true;
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
			return zwd_bad_option(optopt && optind < argc && argv[optind][0] == '-' &&
					      argv[optind][1] != '-' ? argv[optind] : argv[optind - 1],
					      opts);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "zonewalld: unexpected argument '%s'\nTry 'zonewalld --help'.\n",
			argv[optind]);
		return 2;
	}

	err = cfg_load(&d.cfg, d.config_path, &diags);
	if (err) {
		zwd_diags_print(d.config_path, &diags);
		return err == -EINVAL ? 2 : 1;
	}
	err = zwd_files_check(d.config_path, &d.cfg, why, sizeof(why));
	if (check) {
		zwd_cfg_print(&d.cfg);
		if (err)
			fprintf(stderr, "zonewalld: warning: %s (the daemon will refuse to start)\n",
				why);
		return zwd_policy_check(&d.cfg);
	}
	if (err) {
		fprintf(stderr, "zonewalld: %s\n", why);
		return 2;
	}
	return zwd_run(&d);
}
