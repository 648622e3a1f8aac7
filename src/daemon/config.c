// SPDX-License-Identifier: GPL-2.0-or-later
/* zonewalld configuration: a pure line parser and a small file loader. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "zonewall/compile.h"
#include "zonewall/config.h"
#include "zonewall/etcd.h"
#include "zonewall/fleet.h"
#include "zonewall/fileio.h"
#include "zonewall/numarg.h"
#include "zonewall/rt-backend.h"

#define CFG_FILE_MAX (1 << 20)

static void cfg_diag_add(struct cfg_diags *d, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void cfg_diag_add(struct cfg_diags *d, unsigned int line, const char *fmt, ...)
{
	va_list ap;

	if (d->n == CFG_DIAG_MAX) {
		d->dropped++;
		return;
	}
	d->v[d->n].line = line;
	va_start(ap, fmt);
	vsnprintf(d->v[d->n].msg, sizeof(d->v[d->n].msg), fmt, ap);
	va_end(ap);
	d->n++;
}

const char *cfg_mode_name(enum cfg_mode m)
{
	static const char *const names[] = { "learn", "monitor", "enforce" };

	return names[m];
}

const char *cfg_log_name(enum cfg_log l)
{
	static const char *const names[] = { "auto", "stderr", "syslog" };

	return names[l];
}

void cfg_defaults(struct cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = CFG_MODE_LEARN;
	strcpy(c->runtime, "auto");
	strcpy(c->runtime_event_log, "auto");
	c->runtime_fast_start = true;
	strcpy(c->state_dir, "/var/lib/zonewall");
	strcpy(c->control_socket, "/run/zonewall/zonewalld.sock");
	strcpy(c->control_group, "zonewall");
	strcpy(c->audit_log, "/var/lib/zonewall/audit.log");
	c->nflog_group = CMP_LOG_GROUP;
	c->checkpoint_interval = 60;
	c->flow_limit = 1000000;
	c->deny_log_rate = 10;
	c->denied_log_max = 16UL << 20;
	c->confirm_timeout = 120;
	strcpy(c->fleet_prefix, FLEET_PREFIX_DEFAULT);
	c->fleet_lease_ttl = 60;
	c->log_target = CFG_LOG_AUTO;
}

/* Each value parser returns NULL when it took @v, else what was expected. */
typedef const char *(*cfg_setter)(struct cfg *c, const char *v);

/* A plain decimal in [lo, hi]: no sign, no spaces, no hex (num_parse_uint(),
 * the parser of the CLI's numeric flags too). */
static bool cfg_ulong(const char *v, unsigned long lo, unsigned long hi,
		      unsigned long *out)
{
	uint64_t n;

	if (num_parse_uint(v, lo, hi, &n))
		return false;
	*out = (unsigned long)n;
	return true;
}

static const char *cfg_set_string(char *dst, size_t size, const char *v)
{
	if (strlen(v) >= size)
		return "a shorter value";
	strcpy(dst, v);
	return NULL;
}

static const char *cfg_set_path(char *dst, size_t size, const char *v)
{
	if (v[0] != '/')
		return "an absolute path";
	return cfg_set_string(dst, size, v);
}

static const char *cfg_set_mode(struct cfg *c, const char *v)
{
	if (!strcmp(v, "learn"))
		c->mode = CFG_MODE_LEARN;
	else if (!strcmp(v, "monitor"))
		c->mode = CFG_MODE_MONITOR;
	else if (!strcmp(v, "enforce"))
		c->mode = CFG_MODE_ENFORCE;
	else
		return "learn, monitor or enforce";
	return NULL;
}

/* auto, none, or a backend's URI: BACKEND:///PATH */
static const char *cfg_set_runtime(struct cfg *c, const char *v)
{
	static char expect[256];
	const char *path = NULL;

	if (strcmp(v, "auto") && strcmp(v, "none") &&
	    (!rt_backend_of_uri(v, &path) || *path != '/'))
		return rt_backend_list(expect, sizeof(expect), false, "auto, none", NULL);
	return cfg_set_string(c->runtime, sizeof(c->runtime), v);
}

static const char *cfg_set_event_log(struct cfg *c, const char *v)
{
	if (!strcmp(v, "auto") || !strcmp(v, "none"))
		return cfg_set_string(c->runtime_event_log, sizeof(c->runtime_event_log), v);
	if (v[0] != '/')
		return "auto, none or the absolute path of Podman's event log";
	return cfg_set_path(c->runtime_event_log, sizeof(c->runtime_event_log), v);
}

/* A setting of two words: @on sets *@dst, @off clears it. */
static const char *cfg_set_either(bool *dst, const char *v, const char *on, const char *off,
				  const char *what)
{
	if (!strcmp(v, on))
		*dst = true;
	else if (!strcmp(v, off))
		*dst = false;
	else
		return what;
	return NULL;
}

static const char *cfg_set_fast_start(struct cfg *c, const char *v)
{
	return cfg_set_either(&c->runtime_fast_start, v, "yes", "no", "yes or no");
}

static const char *cfg_set_inventory(struct cfg *c, const char *v)
{
	return cfg_set_path(c->inventory, sizeof(c->inventory), v);
}

static const char *cfg_set_policy(struct cfg *c, const char *v)
{
	return cfg_set_path(c->policy, sizeof(c->policy), v);
}

static const char *cfg_set_state_dir(struct cfg *c, const char *v)
{
	return cfg_set_path(c->state_dir, sizeof(c->state_dir), v);
}

static const char *cfg_set_control_socket(struct cfg *c, const char *v)
{
	/* sun_path holds 108 bytes including the terminator. */
	if (strlen(v) > 107)
		return "a path of at most 107 bytes (a unix socket address)";
	return cfg_set_path(c->control_socket, sizeof(c->control_socket), v);
}

/* A POSIX portable user/group name, or "none". */
static const char *cfg_set_control_group(struct cfg *c, const char *v)
{
	static const char expect[] = "none or a group name ([a-z_][a-z0-9_-]*, at most 32)";
	size_t i;

	if (!strcmp(v, "none")) {
		c->control_group[0] = '\0';
		return NULL;
	}
	if (!*v || strlen(v) >= sizeof(c->control_group) || (v[0] >= '0' && v[0] <= '9') ||
	    v[0] == '-')
		return expect;
	for (i = 0; v[i]; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= '0' && v[i] <= '9') ||
		      v[i] == '_' || v[i] == '-'))
			return expect;
	strcpy(c->control_group, v);
	return NULL;
}

static const char *cfg_set_audit_log(struct cfg *c, const char *v)
{
	return cfg_set_path(c->audit_log, sizeof(c->audit_log), v);
}

static const char *cfg_set_metrics_listen(struct cfg *c, const char *v)
{
	const char *port;
	unsigned long n;

	if (!strcmp(v, "off")) {
		c->metrics_listen[0] = '\0';
		return NULL;
	}
	/* Metrics carry identities: loopback only, never a routable address. */
	if (!strncmp(v, "127.0.0.1:", 10))
		port = v + 10;
	else if (!strncmp(v, "[::1]:", 6))
		port = v + 6;
	else
		return "off, 127.0.0.1:PORT or [::1]:PORT";
	if (!cfg_ulong(port, 1, 65535, &n))
		return "off, 127.0.0.1:PORT or [::1]:PORT with PORT in 1..65535";
	return cfg_set_string(c->metrics_listen, sizeof(c->metrics_listen), v);
}

static const char *cfg_set_uint(unsigned int *dst, const char *v, unsigned long lo,
				unsigned long hi, const char *expect)
{
	unsigned long n;

	if (!cfg_ulong(v, lo, hi, &n))
		return expect;
	*dst = n;
	return NULL;
}

static const char *cfg_set_nflog_group(struct cfg *c, const char *v)
{
	return cfg_set_uint(&c->nflog_group, v, 1, 65535, "a number in 1..65535");
}

static const char *cfg_set_checkpoint(struct cfg *c, const char *v)
{
	return cfg_set_uint(&c->checkpoint_interval, v, 1, 86400,
			    "a number of seconds in 1..86400");
}

static const char *cfg_set_deny_log_rate(struct cfg *c, const char *v)
{
	return cfg_set_uint(&c->deny_log_rate, v, 1, 100000, "a number in 1..100000");
}

#define CFG_IFNAME_MAX 15	/* IFNAMSIZ - 1 */

/* One word of bridges: a name Linux could give an interface, in printable
 * ASCII and without quotes (values are not quoted here: a quote is a
 * mistake that would name no bridge). */
static bool cfg_bridge_ok(const char *w, size_t len)
{
	if (!len || len > CFG_IFNAME_MAX || (len == 1 && w[0] == '.') ||
	    (len == 2 && w[0] == '.' && w[1] == '.'))
		return false;
	for (size_t i = 0; i < len; i++)
		if (w[i] <= ' ' || w[i] > '~' || strchr("/:\"'", w[i]))
			return false;
	return true;
}

/* Interface names separated by spaces: the bridges zonewall acts on. */
static const char *cfg_set_bridges(struct cfg *c, const char *v)
{
	const char *p = v;
	size_t len;

	while (*p) {
		len = strcspn(p, " ");
		if (len && !cfg_bridge_ok(p, len))
			return "interface names (1-15 bytes of printable ASCII, no '/', ':' or "
			       "quotes) separated by spaces";
		p += len + strspn(p + len, " ");
	}
	return cfg_set_string(c->bridges, sizeof(c->bridges), v);
}

static const char *cfg_set_confirm_timeout(struct cfg *c, const char *v)
{
	return cfg_set_uint(&c->confirm_timeout, v, 10, 3600, "a number of seconds in 10..3600");
}

static const char *cfg_set_denied_log_max(struct cfg *c, const char *v)
{
	if (!cfg_ulong(v, 4096, 1UL << 40, &c->denied_log_max))
		return "a number of bytes in 4096..1099511627776";
	return NULL;
}

static const char *cfg_set_flow_limit(struct cfg *c, const char *v)
{
	if (!cfg_ulong(v, 1000, 100000000, &c->flow_limit))
		return "a number in 1000..100000000";
	return NULL;
}

static const char *cfg_set_log(struct cfg *c, const char *v)
{
	if (!strcmp(v, "auto"))
		c->log_target = CFG_LOG_AUTO;
	else if (!strcmp(v, "stderr"))
		c->log_target = CFG_LOG_STDERR;
	else if (!strcmp(v, "syslog"))
		c->log_target = CFG_LOG_SYSLOG;
	else
		return "auto, stderr or syslog";
	return NULL;
}

static const char *cfg_set_log_format(struct cfg *c, const char *v)
{
	return cfg_set_either(&c->log_json, v, "json", "text", "text or json");
}

/* --- fleet mode (etcd) --------------------------------------------------- */

static const char *cfg_set_fleet(struct cfg *c, const char *v)
{
	struct etcd_conf ec;
	struct diags d;

	if (!strcmp(v, "none")) {
		c->fleet[0] = '\0';
		return NULL;
	}
	diags_init(&d);
	if (etcd_url_parse(&ec, v, &d))
		return "none or etcd://HOST:PORT[,HOST:PORT...] (at most 8)";
	return cfg_set_string(c->fleet, sizeof(c->fleet), v);
}

static const char *cfg_set_fleet_prefix(struct cfg *c, const char *v)
{
	static const char expect[] = "a key prefix like /zonewall/v1 (/NAME parts of "
				     "letters, digits, '.', '_', '-')";
	char part[128];

	if (v[0] != '/' || strlen(v) >= sizeof(c->fleet_prefix) || v[strlen(v) - 1] == '/')
		return expect;
	for (const char *p = v; *p; ) {
		size_t n = strcspn(++p, "/");

		if (n >= sizeof(part))
			return expect;
		memcpy(part, p, n);
		part[n] = '\0';
		if (!fleet_name_ok(part))
			return expect;
		p += n;
	}
	return cfg_set_string(c->fleet_prefix, sizeof(c->fleet_prefix), v);
}

static const char *cfg_set_fleet_host(struct cfg *c, const char *v)
{
	if (!fleet_name_ok(v))
		return "a host name of letters, digits, '.', '_', '-' (at most 63)";
	return cfg_set_string(c->fleet_host, sizeof(c->fleet_host), v);
}

static const char *cfg_set_fleet_user(struct cfg *c, const char *v)
{
	if (!fleet_name_ok(v))
		return "an etcd user name of letters, digits, '.', '_', '-' (at most 63)";
	return cfg_set_string(c->fleet_user, sizeof(c->fleet_user), v);
}

static const char *cfg_set_fleet_password_file(struct cfg *c, const char *v)
{
	return cfg_set_path(c->fleet_password_file, sizeof(c->fleet_password_file), v);
}

static const char *cfg_set_fleet_ca(struct cfg *c, const char *v)
{
	return cfg_set_path(c->fleet_ca, sizeof(c->fleet_ca), v);
}

static const char *cfg_set_fleet_cert(struct cfg *c, const char *v)
{
	return cfg_set_path(c->fleet_cert, sizeof(c->fleet_cert), v);
}

static const char *cfg_set_fleet_key(struct cfg *c, const char *v)
{
	return cfg_set_path(c->fleet_key, sizeof(c->fleet_key), v);
}

static const char *cfg_set_fleet_lease_ttl(struct cfg *c, const char *v)
{
	return cfg_set_uint(&c->fleet_lease_ttl, v, 5, 3600, "a number of seconds in 5..3600");
}

static const struct cfg_key {
	const char *name;
	cfg_setter set;
} cfg_keys[] = {
	{ "mode", cfg_set_mode },
	{ "runtime", cfg_set_runtime },
	{ "runtime_event_log", cfg_set_event_log },
	{ "runtime_fast_start", cfg_set_fast_start },
	{ "inventory", cfg_set_inventory },
	{ "policy", cfg_set_policy },
	{ "state_dir", cfg_set_state_dir },
	{ "control_socket", cfg_set_control_socket },
	{ "control_group", cfg_set_control_group },
	{ "audit_log", cfg_set_audit_log },
	{ "metrics_listen", cfg_set_metrics_listen },
	{ "nflog_group", cfg_set_nflog_group },
	{ "checkpoint_interval", cfg_set_checkpoint },
	{ "flow_limit", cfg_set_flow_limit },
	{ "deny_log_rate", cfg_set_deny_log_rate },
	{ "denied_log_max", cfg_set_denied_log_max },
	{ "confirm_timeout", cfg_set_confirm_timeout },
	{ "bridges", cfg_set_bridges },
	{ "log", cfg_set_log },
	{ "log_format", cfg_set_log_format },
	{ "fleet", cfg_set_fleet },
	{ "fleet_prefix", cfg_set_fleet_prefix },
	{ "fleet_host", cfg_set_fleet_host },
	{ "fleet_user", cfg_set_fleet_user },
	{ "fleet_password_file", cfg_set_fleet_password_file },
	{ "fleet_ca", cfg_set_fleet_ca },
	{ "fleet_cert", cfg_set_fleet_cert },
	{ "fleet_key", cfg_set_fleet_key },
	{ "fleet_lease_ttl", cfg_set_fleet_lease_ttl },
};

#define CFG_NKEYS (sizeof(cfg_keys) / sizeof(cfg_keys[0]))

static char *cfg_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static void cfg_line_parse(struct cfg *c, char *line, unsigned int lineno,
			   unsigned int *seen, struct cfg_diags *d)
{
	char *eq, *key, *val;
	const char *expect;
	size_t k;

	line = cfg_trim(line);
	if (!*line || *line == '#')
		return;
	eq = strchr(line, '=');
	if (!eq) {
		cfg_diag_add(d, lineno, "expected 'key = value'");
		return;
	}
	*eq = '\0';
	key = cfg_trim(line);
	val = cfg_trim(eq + 1);
	for (k = 0; k < CFG_NKEYS; k++)
		if (!strcmp(cfg_keys[k].name, key))
			break;
	if (k == CFG_NKEYS) {
		cfg_diag_add(d, lineno, "unknown key '%.64s'", key);
		return;
	}
	if (seen[k]) {
		cfg_diag_add(d, lineno, "'%s' already set on line %u", key, seen[k]);
		return;
	}
	seen[k] = lineno;
	expect = cfg_keys[k].set(c, val);
	if (expect)
		cfg_diag_add(d, lineno, "%s: expected %s, got '%.64s'", key, expect, val);
}

static void cfg_check_whole(struct cfg *c, struct cfg_diags *d)
{
	/* with a fleet, the policy is the fleet's: the daemon keeps its copy */
	if (c->fleet[0] && c->policy[0])
		cfg_diag_add(d, 0, "'policy' and 'fleet' exclude each other: a fleet's hosts "
			     "enforce the fleet's policy (zonewall fleet push)");
	else if (c->fleet[0] && snprintf(c->policy, sizeof(c->policy), "%s/%s", c->state_dir,
					 CFG_FLEET_POLICY) < (int)sizeof(c->policy))
		c->policy_from_fleet = true;
	if (c->mode != CFG_MODE_LEARN && !c->policy[0])
		cfg_diag_add(d, 0, "mode %s needs a 'policy' file", cfg_mode_name(c->mode));
	if (!c->fleet_user[0] != !c->fleet_password_file[0])
		cfg_diag_add(d, 0, "fleet_user and fleet_password_file go together");
	if (!c->fleet_cert[0] != !c->fleet_key[0])
		cfg_diag_add(d, 0, "fleet_cert and fleet_key go together");
}

int cfg_parse(struct cfg *c, const char *text, size_t len, struct cfg_diags *d)
{
	unsigned int seen[CFG_NKEYS] = { 0 };
	unsigned int lineno = 0;
	size_t pos = 0;
	char line[4096];

	cfg_defaults(c);
	d->n = 0;
	d->dropped = 0;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (text + pos)) : len - pos;

		lineno++;
		if (memchr(text + pos, '\0', l)) {
			cfg_diag_add(d, lineno, "NUL byte in line");
		} else if (l >= sizeof(line)) {
			cfg_diag_add(d, lineno, "line longer than %zu bytes", sizeof(line) - 1);
		} else {
			memcpy(line, text + pos, l);
			line[l] = '\0';
			cfg_line_parse(c, line, lineno, seen, d);
		}
		pos += l + 1;
	}
	cfg_check_whole(c, d);
	return d->n || d->dropped ? -EINVAL : 0;
}

int cfg_load(struct cfg *c, const char *path, struct cfg_diags *d)
{
	struct stat st;
	char *buf;
	ssize_t got;
	size_t len = 0;
	int fd, err;

	d->n = 0;
	d->dropped = 0;
	/* O_NONBLOCK: a FIFO is refused below instead of blocking open() */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		err = -errno;
		cfg_diag_add(d, 0, "cannot open: %s", strerror(-err));
		return err;
	}
	if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
		cfg_diag_add(d, 0, "not a regular file");
		err = -EINVAL;
		goto out_close;
	}
	/* (a regular file ignores O_NONBLOCK: nothing to clear) */
	buf = malloc(CFG_FILE_MAX + 1);
	if (!buf) {
		err = -ENOMEM;
		cfg_diag_add(d, 0, "out of memory");
		goto out_close;
	}
	while ((got = read(fd, buf + len, CFG_FILE_MAX + 1 - len)) > 0)
		len += got;
	if (got < 0) {
		err = -errno;
		cfg_diag_add(d, 0, "cannot read: %s", fio_strerror(err));
	} else if (len > CFG_FILE_MAX) {
		err = -EFBIG;
		cfg_diag_add(d, 0, "larger than %d bytes", CFG_FILE_MAX);
	} else {
		err = cfg_parse(c, buf + fio_bom_len(buf, len), len - fio_bom_len(buf, len), d);
	}
	free(buf);
out_close:
	close(fd);
	return err;
}
