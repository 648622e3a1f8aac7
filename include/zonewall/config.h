/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_CONFIG_H
#define ZONEWALL_CONFIG_H

/*
 * zonewalld's configuration file: "key = value" lines, '#' comments,
 * blank lines ignored.  The keys and their meaning are documented in
 * rules/zonewalld.conf.  cfg_parse() is pure (no I/O) so it can be fuzzed
 * and golden-tested; cfg_load() reads a file and calls it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <limits.h>

enum cfg_mode {
	CFG_MODE_LEARN,
	CFG_MODE_MONITOR,
	CFG_MODE_ENFORCE,
};

enum cfg_log {
	CFG_LOG_AUTO,	/* stderr in the foreground, syslog otherwise */
	CFG_LOG_STDERR,
	CFG_LOG_SYSLOG,
};

struct cfg {
	enum cfg_mode mode;
	char runtime[256];		/* "auto", "none" or a docker:// / podman:// URI */
	char runtime_event_log[PATH_MAX]; /* "auto", "none" or Podman's event log file */
	bool runtime_fast_start;	/* a restart's addresses from the kernel before its inspect */
	char inventory[PATH_MAX];	/* "" when unset */
	char policy[PATH_MAX];		/* "" when unset; required outside learn mode */
	char state_dir[PATH_MAX];
	char control_socket[PATH_MAX];
	char control_group[33];		/* group allowed on the socket; "" root only */
	char audit_log[PATH_MAX];
	char metrics_listen[64];	/* "" (off) or "127.0.0.1:PORT" / "[::1]:PORT" */
	unsigned int nflog_group;	/* 1..65535 */
	unsigned int checkpoint_interval; /* seconds, 1..86400 */
	unsigned long flow_limit;	/* flows kept by the learner, 1000..100000000 */
	unsigned int deny_log_rate;	/* logged refusals per second, 1..100000 */
	unsigned long denied_log_max;	/* bytes of denied.jsonl before it rotates */
	unsigned int confirm_timeout;	/* default apply safety net, seconds, 10..3600 */
	enum cfg_log log_target;
	bool log_json;
	char bridges[256];		/* container bridges, space-separated; "" every bridge */
	char fleet[512];		/* "" (no fleet) or etcd://HOST:PORT[,HOST:PORT...] */
	char fleet_prefix[128];		/* the fleet's keys in etcd */
	char fleet_host[64];		/* this host's name in the fleet; "" the host name */
	char fleet_user[64];		/* "" without etcd authentication */
	char fleet_password_file[PATH_MAX];
	char fleet_ca[PATH_MAX];	/* any of the three: etcd over TLS */
	char fleet_cert[PATH_MAX];
	char fleet_key[PATH_MAX];
	unsigned int fleet_lease_ttl;	/* seconds a silent host stays in its peers' sets */
	bool policy_from_fleet;		/* policy is state_dir's copy of the fleet's */
};

#define CFG_FLEET_POLICY "fleet-policy.json"	/* in state_dir */

#define CFG_DIAG_MAX 32

/* One problem found in a configuration: where, and what is wrong. */
struct cfg_diag {
	unsigned int line;	/* 1-based; 0 for the file as a whole */
	char msg[192];
};

struct cfg_diags {
	struct cfg_diag v[CFG_DIAG_MAX];
	size_t n;		/* problems recorded (at most CFG_DIAG_MAX) */
	size_t dropped;		/* problems past CFG_DIAG_MAX, counted only */
};

struct etcd_conf;
struct diags;

/**
 * cfg_fleet_etcd() - the etcd client settings of @c's fleet keys into @ec
 * (its password read from fleet_password_file, which must be a regular
 * file not readable by others) and this host's fleet name into @host.
 * Return: 0; -ENOENT when @c has no fleet; -errno with the problem in @d.
 */
int cfg_fleet_etcd(const struct cfg *c, struct etcd_conf *ec, char *host, size_t hostlen,
		   struct diags *d);

/** cfg_defaults() - fill @c with the built-in defaults. */
void cfg_defaults(struct cfg *c);

/**
 * cfg_parse() - parse @len bytes of configuration text into @c, starting
 * from cfg_defaults().  Every problem (unknown key, bad value, duplicate
 * key, line without '=', missing required key) is recorded in @d with its
 * line; parsing goes on past errors so all are reported at once.
 * Return: 0 when the text is valid, -EINVAL when @d holds problems (@c is
 * then unspecified).
 */
int cfg_parse(struct cfg *c, const char *text, size_t len, struct cfg_diags *d);

/**
 * cfg_load() - read @path (at most 1 MiB) and cfg_parse() it.
 * Return: 0; -EINVAL with @d filled for an invalid file; another -errno
 * when the file cannot be read (@d holds one line-0 message saying why).
 */
int cfg_load(struct cfg *c, const char *path, struct cfg_diags *d);

/** cfg_mode_name() - "learn", "monitor" or "enforce". */
const char *cfg_mode_name(enum cfg_mode m);

/** cfg_log_name() - "auto", "stderr" or "syslog". */
const char *cfg_log_name(enum cfg_log l);

#endif
