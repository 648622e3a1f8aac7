// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests: control protocol parsing, the audit record, and the server
 * in-process on a socket in a temporary directory (oversized lines, a slow
 * subscriber dropped, the loop never blocked).
 */

#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/socket.h>

#include "tap.h"
#include "zonewall/diag.h"
#include "zonewall/ctl.h"
#include "zonewall/loop.h"

static int handle_ok(struct ctl_call *call, void *arg)
{
	json_object_set_new(call->reply, "pong", json_true());
	return 0;
}

static int handle_fail(struct ctl_call *call, void *arg)
{
	return ctl_call_fail(call, -ENOENT, "nothing here");
}

static int handle_follow(struct ctl_call *call, void *arg)
{
	call->subscribe = "denied";
	return 0;
}

static struct ctl_later *held;	/* the deferred call of handle_later */

static int handle_later(struct ctl_call *call, void *arg)
{
	held = ctl_call_defer(call);
	return held ? CTL_DEFERRED : ctl_call_fail(call, -ENOMEM, "no memory");
}

static const struct ctl_command table[] = {
	{ .name = "reload", .flags = CTL_CMD_AUDIT, .handle = handle_later },
	{ .name = "ping", .handle = handle_ok },
	{ .name = "confirm", .flags = CTL_CMD_AUDIT, .handle = handle_fail },
	{ .name = "apply", .flags = CTL_CMD_AUDIT, .handle = handle_ok, .args = {
		{ .name = "confirm_within", .type = CTL_ARG_INT, .min = 10, .max = 3600 },
		{ .name = "policy", .type = CTL_ARG_STRING, .required = true },
		{ .name = "dry", .type = CTL_ARG_BOOL } } },
	{ .name = "denied", .handle = handle_follow },
	{ .name = NULL },
};

static enum ctl_refusal parse(const char *line, char *why)
{
	const struct ctl_command *cmd;
	enum ctl_refusal r;
	struct diags d;
	json_t *req;

	diags_init(&d);
	r = ctl_request_parse(table, line, strlen(line), &cmd, &req, &d);
	diags_summary(&d, why, 256);
	json_decref(req);
	return r;
}

static void test_parse(void)
{
	static const struct {
		const char *line;
		enum ctl_refusal want;
		const char *why;
	} cases[] = {
		{ "{\"cmd\":\"ping\"}", CTL_OK, "" },
		{ " {\"cmd\" : \"ping\"} ", CTL_OK, "" },
		{ "{\"cmd\":\"apply\",\"policy\":\"/p\",\"confirm_within\":60}", CTL_OK, "" },
		{ "", CTL_BAD_REQUEST, "empty request" },
		{ " \t\r", CTL_BAD_REQUEST, "empty request" },
		{ "garbage", CTL_BAD_JSON, "not JSON" },
		{ "{\"cmd\":\"ping\"} {}", CTL_BAD_JSON, "not JSON" },
		{ "[\"ping\"]", CTL_BAD_JSON, "JSON object" },
		{ "\"ping\"", CTL_BAD_JSON, "not JSON" },
		{ "{}", CTL_BAD_REQUEST, "needs \"cmd\"" },
		{ "{\"cmd\":7}", CTL_BAD_REQUEST, "needs \"cmd\"" },
		{ "{\"cmd\":\"ping\",\"cmd\":\"ping\"}", CTL_BAD_JSON, "duplicate" },
		{ "{\"cmd\":\"rm -rf\"}", CTL_UNKNOWN_COMMAND, "unknown command 'rm -rf'" },
		{ "{\"cmd\":\"ping\",\"x\":1}", CTL_BAD_REQUEST, "takes no argument 'x'" },
		{ "{\"cmd\":\"apply\"}", CTL_BAD_REQUEST, "needs 'policy'" },
		{ "{\"cmd\":\"apply\",\"policy\":1}", CTL_BAD_REQUEST, "must be a string" },
		{ "{\"cmd\":\"apply\",\"policy\":\"/p\",\"dry\":\"yes\"}", CTL_BAD_REQUEST,
		  "must be a boolean" },
		{ "{\"cmd\":\"apply\",\"policy\":\"/p\",\"confirm_within\":5}", CTL_BAD_REQUEST,
		  "10..3600" },
		{ "{\"cmd\":\"apply\",\"policy\":\"/p\",\"confirm_within\":1.5}", CTL_BAD_REQUEST,
		  "must be an integer" },
	};
	char why[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum ctl_refusal r;

		why[0] = '\0';
		r = parse(cases[i].line, why);
		tap_ok(r == cases[i].want && strstr(why, cases[i].why),
		       "%s -> %s (%s)", cases[i].line, ctl_refusal_name(cases[i].want), why);
	}
	{
		char *big = malloc(CTL_LINE_MAX + 2);
		const struct ctl_command *cmd;
		struct diags d;
		json_t *req;

		memset(big, ' ', CTL_LINE_MAX + 1);
		diags_init(&d);
		tap_is_int(ctl_request_parse(table, big, CTL_LINE_MAX + 1, &cmd, &req, &d),
			   CTL_TOO_LARGE, "a line past CTL_LINE_MAX is too_large");
		tap_ok(d.n == 1 && strstr(d.v[0].msg, "request longer than"), "and says so");
		free(big);
	}
}

static void test_audit_line(void)
{
	struct ctl_peer p = { .uid = 1000, .gid = 1000, .pid = 4242 };
	json_t *req = json_pack("{s:s}", "cmd", "reload"), *o;
	char *s;

	strcpy(p.user, "alice");
	o = ctl_audit_line(1767225600123ULL, &p, "socket", "reload", req, NULL, "");
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	tap_is_str(s, "{\"time\":\"2026-01-01T00:00:00.123Z\",\"uid\":1000,\"pid\":4242,"
		   "\"user\":\"alice\",\"via\":\"socket\",\"command\":\"reload\",\"outcome\":\"ok\","
		   "\"request\":{\"cmd\":\"reload\"}}", "audit record of a successful reload");
	free(s);
	json_decref(o);
	o = ctl_audit_line(0, &p, "signal", "reload", NULL, "policy broken", NULL);
	tap_ok(!strcmp(json_string_value(json_object_get(o, "outcome")), "failed") &&
	       !strcmp(json_string_value(json_object_get(o, "error")), "policy broken") &&
	       !json_object_get(o, "request"), "failed outcome carries the error");
	json_decref(o);
	json_decref(req);
}

/* --- the server in-process ------------------------------------------------------ */

static int raw_connect(const char *path)
{
	struct sockaddr_un {
		sa_family_t sun_family;
		char sun_path[108];
	} sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void spin(struct loop *l, int rounds)
{
	while (rounds-- > 0)
		loop_run_once(l, 5);
}

/* Everything readable on @fd now (nonblocking), appended to @buf. */
static size_t drain(int fd, char *buf, size_t size)
{
	size_t n = 0;
	ssize_t r;

	while (n + 1 < size && (r = recv(fd, buf + n, size - 1 - n, MSG_DONTWAIT)) > 0)
		n += r;
	buf[n] = '\0';
	return n;
}

static void test_server(void)
{
	char dir[] = "/tmp/zw-test-ctl.XXXXXX", path[128], audit_path[128];
	static char buf[1 << 20];
	struct ctl_ops ops = { .commands = table };
	struct ctl_audit *audit;
	struct loop *l;
	struct ctl *c;
	bool group;
	int fd, slow, i;
	size_t sent = 0;
	json_t *ev;

	if (!mkdtemp(dir)) {
		tap_ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);
	snprintf(audit_path, sizeof(audit_path), "%s/audit.log", dir);
	l = loop_new();
	audit = ctl_audit_open(audit_path);
	c = ctl_new(l, path, "no-such-group-zw", &group, audit, &ops);
	tap_ok(c && !group, "server listens; unknown group means root-only");

	fd = raw_connect(path);
	send(fd, "{\"cmd\":\"ping\"}\n{\"cmd\":\"nope\"}\n{\"cmd\":\"confirm\"}\n", 48, 0);
	spin(l, 5);
	drain(fd, buf, sizeof(buf));
	tap_ok(strstr(buf, "\"pong\":true") && strstr(buf, "\"unknown_command\"") &&
	       strstr(buf, "nothing here"), "three pipelined requests, three answers");
	{
		FILE *f = fopen(audit_path, "r");
		char line[512] = "";

		if (f) {
			if (!fgets(line, sizeof(line), f))
				line[0] = '\0';
			fclose(f);
		}
		line[strcspn(line, "\n")] = '\0';
		tap_ok(strstr(line, "\"command\":\"confirm\"") &&
		       strstr(line, "\"outcome\":\"failed\"") && strstr(line, "\"pid\":"),
		       "the state-changing call is audited: %s", line);
	}

	/* A line over the limit: refused, connection closed, server fine. */
	memset(buf, 'x', CTL_LINE_MAX + 100);
	for (i = 0; i < 200 && sent < CTL_LINE_MAX + 100; i++) {
		ssize_t w = send(fd, buf + sent, CTL_LINE_MAX + 100 - sent, MSG_DONTWAIT);

		if (w > 0)
			sent += w;
		spin(l, 1);
	}
	spin(l, 5);
	drain(fd, buf, sizeof(buf));
	buf[strcspn(buf, "\n")] = '\0';
	tap_ok(strstr(buf, "\"too_large\"") != NULL, "an oversized line is refused: %.80s", buf);
	close(fd);

	/* A subscriber that never reads is dropped, and told so. */
	slow = raw_connect(path);
	send(slow, "{\"cmd\":\"denied\"}\n", 17, 0);
	spin(l, 5);
	ev = json_pack("{s:s, s:s}", "event", "denied", "pad",
		       "................................................................");
	for (i = 0; i < 20000 && ctl_subscribers(c, "denied"); i++) {
		ctl_publish(c, "denied", ev);
		loop_run_once(l, 0);
	}
	json_decref(ev);
	tap_ok(ctl_subscribers(c, "denied") == 0, "slow subscriber dropped after %d events", i);
	{
		size_t n = 0, got;
		char *last;

		for (i = 0; i < 400; i++) {
			got = drain(slow, buf, sizeof(buf));
			if (got) {
				buf[got] = '\0';
				last = strstr(buf, "\"slow_subscriber\"");
				if (last)
					n = 1;
			}
			spin(l, 1);
			if (n)
				break;
		}
		tap_ok(n == 1, "it was told why before being closed");
	}
	close(slow);

	fd = raw_connect(path);
	send(fd, "{\"cmd\":\"ping\"}\n", 15, 0);
	spin(l, 5);
	drain(fd, buf, sizeof(buf));
	tap_ok(strstr(buf, "\"pong\":true") != NULL, "the server still answers afterwards");
	memset(buf, 0, 4096);
	send(fd, "\n\r\n{\"cmd\":\"ping\"}\n", 18, 0);
	spin(l, 5);
	drain(fd, buf, 4096);
	tap_ok(strstr(buf, "empty request") && strstr(strstr(buf, "empty request") + 1,
						      "empty request") &&
	       strstr(buf, "\"pong\":true"), "an empty line gets an error reply, as does \\r\\n");
	close(fd);

	ctl_free(c);
	tap_ok(access(path, F_OK) < 0, "ctl_free removes the socket");
	ctl_audit_close(audit);
	loop_free(l);
	unlink(audit_path);
	rmdir(dir);
}

/*
 * A deferred call: other clients are served meanwhile, the caller's next
 * request waits behind the owed answer, and a caller gone before the answer
 * costs nothing but that answer.
 */
static void test_deferred(void)
{
	char dir[] = "/tmp/zw-test-ctl.XXXXXX", path[128], audit_path[128], buf[4096];
	struct ctl_ops ops = { .commands = table };
	struct ctl_audit *audit;
	struct loop *l;
	struct ctl *c;
	bool group;
	int fd, other;

	if (!mkdtemp(dir)) {
		tap_ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);
	snprintf(audit_path, sizeof(audit_path), "%s/audit.log", dir);
	l = loop_new();
	audit = ctl_audit_open(audit_path);
	c = ctl_new(l, path, "no-such-group-zw", &group, audit, &ops);
	fd = raw_connect(path);
	other = raw_connect(path);
	send(fd, "{\"cmd\":\"reload\"}\n{\"cmd\":\"ping\"}\n", 32, 0);
	spin(l, 5);
	tap_ok(held && drain(fd, buf, sizeof(buf)) == 0, "a deferred call: no answer yet");
	send(other, "{\"cmd\":\"ping\"}\n", 15, 0);
	spin(l, 5);
	drain(other, buf, sizeof(buf));
	tap_ok(strstr(buf, "\"pong\":true") != NULL, "another client is served meanwhile");
	json_object_set_new(ctl_later_call(held)->reply, "done", json_true());
	ctl_later_done(held, 0);
	held = NULL;
	spin(l, 5);
	drain(fd, buf, sizeof(buf));
	tap_ok(strstr(buf, "\"done\":true") && strstr(buf, "\"pong\":true") &&
	       strstr(buf, "\"done\":true") < strstr(buf, "\"pong\":true"),
	       "the answer arrives, then the request that waited");

	send(fd, "{\"cmd\":\"reload\"}\n", 17, 0);
	spin(l, 5);
	close(fd);
	spin(l, 5);
	ctl_call_fail(ctl_later_call(held), -EINVAL, "bad policy");
	ctl_later_done(held, -EINVAL);
	held = NULL;
	send(other, "{\"cmd\":\"ping\"}\n", 15, 0);
	spin(l, 5);
	drain(other, buf, sizeof(buf));
	tap_ok(strstr(buf, "\"pong\":true") != NULL, "a caller gone before its answer: server fine");
	{
		FILE *f = fopen(audit_path, "r");
		char line[512] = "", last[512] = "";

		while (f && fgets(line, sizeof(line), f))
			snprintf(last, sizeof(last), "%s", line);
		if (f)
			fclose(f);
		tap_ok(strstr(last, "\"command\":\"reload\"") && strstr(last, "bad policy"),
		       "the deferred call is audited with its outcome: %.160s", last);
	}
	close(other);
	ctl_free(c);
	ctl_audit_close(audit);
	loop_free(l);
	unlink(audit_path);
	rmdir(dir);
}

int main(void)
{
	test_parse();
	test_audit_line();
	test_server();
	test_deferred();
	return tap_done();
}
