// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: zonewalld configuration parser. */

#include "config.h"

#include <errno.h>

#include "tap.h"
#include "zonewall/config.h"

static int parse(struct cfg *c, const char *text, struct cfg_diags *d)
{
	return cfg_parse(c, text, strlen(text), d);
}

int main(void)
{
	struct cfg_diags d;
	struct cfg c;
	int err;

	err = parse(&c, "", &d);
	tap_is_int(err, 0, "empty file is valid (all defaults)");
	tap_is_int(c.mode, CFG_MODE_LEARN, "default mode is learn");
	tap_is_int(c.flow_limit, 1000000, "default flow limit is 1,000,000");

	err = parse(&c, "# comment\n  mode = enforce  \npolicy=/etc/zonewall/p.json\r\n"
		    "nflog_group = 7\nmetrics_listen = [::1]:9100\n", &d);
	tap_is_int(err, 0, "spaces, CRLF and comments are accepted");
	tap_is_int(c.mode, CFG_MODE_ENFORCE, "mode enforce");
	tap_is_str(c.policy, "/etc/zonewall/p.json", "policy path");
	tap_is_int(c.nflog_group, 7, "nflog_group");
	tap_is_str(c.metrics_listen, "[::1]:9100", "metrics on loopback v6");

	err = parse(&c, "mode = enforce\n", &d);
	tap_is_int(err, -EINVAL, "enforce without a policy is refused");
	tap_ok(d.n == 1 && d.v[0].line == 0, "as a whole-file problem");

	err = parse(&c, "mode = fast\nbogus = 1\nnflog_group = 0\nnflog_group = 5\n"
		    "no equals sign\nmetrics_listen = 0.0.0.0:9100\nflow_limit = 12abc\n"
		    "policy = relative.json\n", &d);
	tap_is_int(err, -EINVAL, "a file with many problems is refused");
	tap_is_int(d.n, 8, "every problem is reported (a bad value still claims its key)");
	tap_ok(d.n >= 7 && d.v[0].line == 1 && strstr(d.v[0].msg, "learn, monitor or enforce"),
	       "bad mode names the choices: %s", d.v[0].msg);
	tap_ok(d.n >= 7 && d.v[1].line == 2 && strstr(d.v[1].msg, "unknown key 'bogus'"),
	       "unknown key named: %s", d.v[1].msg);
	tap_ok(d.n >= 7 && d.v[2].line == 3 && strstr(d.v[2].msg, "1..65535"),
	       "out of range names the range: %s", d.v[2].msg);
	tap_ok(d.n >= 8 && d.v[3].line == 4 && strstr(d.v[3].msg, "already set on line 3"),
	       "duplicate key: %s", d.v[3].msg);
	tap_ok(d.n >= 8 && d.v[4].line == 5 && strstr(d.v[4].msg, "key = value"),
	       "line without '=': %s", d.v[4].msg);
	tap_ok(d.n >= 8 && d.v[5].line == 6 && strstr(d.v[5].msg, "127.0.0.1:PORT"),
	       "metrics refuse a routable address: %s", d.v[5].msg);
	tap_ok(d.n >= 8 && d.v[7].line == 8 && strstr(d.v[7].msg, "absolute path"),
	       "relative path refused: %s", d.v[7].msg);

	err = parse(&c, "", &d);
	tap_is_str(c.runtime_event_log, "auto", "runtime_event_log defaults to auto");
	err = parse(&c, "runtime_event_log = none\n", &d);
	tap_ok(!err && !strcmp(c.runtime_event_log, "none"), "runtime_event_log none");
	err = parse(&c, "runtime_event_log = /srv/podman/events.log\n", &d);
	tap_ok(!err && !strcmp(c.runtime_event_log, "/srv/podman/events.log"),
	       "runtime_event_log takes an absolute path");
	err = parse(&c, "runtime_event_log = events.log\n", &d);
	tap_ok(err == -EINVAL && d.n == 1 && strstr(d.v[0].msg, "absolute path"),
	       "runtime_event_log refuses a relative path: %s", d.n ? d.v[0].msg : "");
	err = parse(&c, "", &d);
	tap_ok(c.runtime_fast_start, "runtime_fast_start defaults to yes");
	err = parse(&c, "runtime_fast_start = no\n", &d);
	tap_ok(!err && !c.runtime_fast_start, "runtime_fast_start = no");
	err = parse(&c, "runtime_fast_start = 1\n", &d);
	tap_ok(err == -EINVAL && d.n == 1 && strstr(d.v[0].msg, "yes or no"),
	       "runtime_fast_start refuses anything but yes or no: %s", d.n ? d.v[0].msg : "");

	err = parse(&c, "mode = learn\nmode = enforce\n", &d);
	tap_ok(err == -EINVAL && d.n == 1 && strstr(d.v[0].msg, "already set on line 1"),
	       "duplicate key refused with the first line");

	{
		static const char nul[] = "mode = learn\0junk\n";

		err = cfg_parse(&c, nul, sizeof(nul) - 1, &d);
		tap_ok(err == -EINVAL && strstr(d.v[0].msg, "NUL"), "NUL byte refused");
	}
	{
		char many[CFG_DIAG_MAX * 4 + 64] = "";
		int i;

		for (i = 0; i < CFG_DIAG_MAX + 5; i++)
			strcat(many, "x\n");
		err = parse(&c, many, &d);
		tap_ok(err == -EINVAL && d.n == CFG_DIAG_MAX && d.dropped == 5,
		       "problems past the limit are counted, not lost");
	}

	err = parse(&c, "", &d);
	tap_is_str(c.control_group, "zonewall", "control_group defaults to zonewall");
	tap_is_int(c.confirm_timeout, 120, "confirm_timeout defaults to 120 s");
	err = parse(&c, "control_group = none\nconfirm_timeout = 3600\n", &d);
	tap_ok(err == 0 && c.control_group[0] == '\0' && c.confirm_timeout == 3600,
	       "control_group none (root only), confirm_timeout at its maximum");
	err = parse(&c, "control_group = Wheel\nconfirm_timeout = 9\ncontrol_group = ok\n", &d);
	tap_ok(err == -EINVAL && d.n == 3 && strstr(d.v[0].msg, "group name") &&
	       strstr(d.v[1].msg, "10..3600") && strstr(d.v[2].msg, "already set"),
	       "bad group name, confirm_timeout out of range: %s / %s",
	       d.n > 0 ? d.v[0].msg : "", d.n > 1 ? d.v[1].msg : "");

	err = parse(&c, "", &d);
	tap_ok(err == 0 && !c.fleet[0] && !strcmp(c.fleet_prefix, "/zonewall/v1") &&
	       c.fleet_lease_ttl == 60, "no fleet by default; prefix /zonewall/v1, lease 60 s");
	err = parse(&c, "fleet = etcd://10.0.0.1:2379,10.0.0.2:2379\nfleet_prefix = /prod/zw\n"
		    "fleet_host = web-1\nfleet_user = zonewall\n"
		    "fleet_password_file = /etc/zonewall/etcd.pw\nfleet_lease_ttl = 15\n", &d);
	tap_ok(err == 0 && !strcmp(c.fleet, "etcd://10.0.0.1:2379,10.0.0.2:2379") &&
	       !strcmp(c.fleet_prefix, "/prod/zw") && !strcmp(c.fleet_host, "web-1") &&
	       c.fleet_lease_ttl == 15, "the fleet keys (err %d, %s)", err, d.n ? d.v[0].msg : "");
	err = parse(&c, "fleet = http://a:1\nfleet_prefix = zonewall\nfleet_prefix = /a//b\n"
		    "fleet_host = a/b\nfleet_lease_ttl = 4\nfleet_user = u\nfleet_cert = /c.pem\n", &d);
	tap_ok(err == -EINVAL && d.n == 7 && strstr(d.v[0].msg, "etcd://HOST:PORT") &&
	       strstr(d.v[1].msg, "key prefix") && strstr(d.v[2].msg, "already set") &&
	       strstr(d.v[3].msg, "host name") && strstr(d.v[4].msg, "5..3600") &&
	       strstr(d.v[5].msg, "fleet_user and fleet_password_file") &&
	       strstr(d.v[6].msg, "fleet_cert and fleet_key"),
	       "bad fleet values, and keys that go in pairs: %zu problems, %s / %s", d.n,
	       d.n > 0 ? d.v[0].msg : "", d.n > 5 ? d.v[5].msg : "");
	err = parse(&c, "fleet_prefix = /a//b\n", &d);
	tap_ok(err == -EINVAL && d.n == 1, "an empty prefix part refused");

	err = cfg_load(&c, "/nonexistent/zonewalld.conf", &d);
	tap_is_int(err, -ENOENT, "missing file is -ENOENT");
	tap_ok(d.n == 1 && strstr(d.v[0].msg, "cannot open"), "with a message saying so");

	return tap_done();
}
