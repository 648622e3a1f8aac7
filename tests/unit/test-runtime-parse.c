// SPDX-License-Identifier: GPL-2.0-or-later
/* Runtime parsers on answers recorded from real podman and dockerd
 * (tests/fixtures/runtime/README), and on bad input. */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rt-oneline.h"
#include "tap.h"
#include "zonewall/runtime.h"

#ifndef FIXTURES
#define FIXTURES "tests/fixtures/runtime"
#endif

static char *slurp(const char *kind, const char *file, size_t *len)
{
	char path[512], *buf;
	const char *top = getenv("top_srcdir");
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s/%s/%s", top ? top : ".", FIXTURES, kind, file);
	f = fopen(path, "r");
	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0) {
		printf("# cannot read %s\n", path);
		exit(1);
	}
	rewind(f);
	buf = malloc((size_t)n + 1);
	*len = fread(buf, 1, (size_t)n, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

struct counts {
	size_t lines, update, remove, seen, bad;
	char kinds[2048];
};

static void count_line(void *ctx, const char *line, size_t len)
{
	struct counts *c = ctx;
	struct rt_event ev;
	char err[256];

	c->lines++;
	if (t_parse_event(line, len, &ev, err, sizeof(err))) {
		c->bad++;
		return;
	}
	if (ev.kind == RT_EV_UPDATE)
		c->update++;
	if (ev.kind == RT_EV_SEEN) {
		c->seen++;
		snprintf(c->kinds + strlen(c->kinds), sizeof(c->kinds) - strlen(c->kinds),
			 "%s:%s ", ev.action, ev.name);
	}
	if (ev.kind == RT_EV_REMOVE) {
		c->remove++;
		snprintf(c->kinds + strlen(c->kinds), sizeof(c->kinds) - strlen(c->kinds),
			 "%s:%s ", ev.action, ev.name);
	}
}

static void recorded(const char *kind, const char *runtime)
{
	struct id_workload *w;
	struct rt_version v;
	struct rt_linebuf lb;
	struct counts c = { 0 };
	char err[256], **ids, *t;
	size_t len, n;

	t = slurp(kind, "version.json", &len);
	tap_is_int(t_parse_version(t, len, &v, err, sizeof(err)), 0, "%s: version parses", kind);
	tap_ok(v.major == 1 && v.minor >= 40, "%s: API 1.%u", kind, v.minor);
	tap_is_int(v.podman, !strcmp(kind, "podman"), "%s: engine told apart", kind);
	free(t);
	t = slurp(kind, "list.json", &len);
	tap_is_int(t_parse_list(t, len, &ids, &n, err, sizeof(err)), 0, "%s: list parses", kind);
	tap_is_int(n, 3, "%s: three containers listed", kind);
	tap_ok(n && strlen(ids[0]) == 64, "%s: full ids", kind);
	rt_ids_free(ids, n);
	free(t);
	t = slurp(kind, "inspect-app.json", &len);
	w = t_parse_inspect(t, len, runtime, err, sizeof(err));
	tap_ok(w != NULL, "%s: inspect parses (%s)", kind, w ? "" : err);
	if (w) {
		tap_is_str(w->name, "zwrec-app", "%s: name without '/'", kind);
		tap_is_str(w->image, "localhost/zwbb:latest", "%s: image from Config.Image", kind);
		tap_is_str(w->state, "running", "%s: state", kind);
		tap_ok(w->pid > 0 && w->started_ns > 1700000000000000000LL, "%s: pid and start time", kind);
		tap_is_int(w->n_nets, 1, "%s: one network", kind);
		tap_is_str(w->nets[0].name, "zwrecnet", "%s: network name", kind);
		tap_ok(strcmp(kind, "podman") ? strlen(w->nets[0].net_id) == 64
					       : !strcmp(w->nets[0].net_id, "zwrecnet"),
		       "%s: NetworkID dialect (podman: the name, docker: hex)", kind);
		tap_ok(*w->nets[0].ipv4 && strlen(w->nets[0].mac) == 17, "%s: address and MAC", kind);
		tap_is_str(id_workload_label(w, "com.docker.compose.service"), "api", "%s: labels", kind);
	}
	id_workload_put(w);
	free(t);
	t = slurp(kind, "events.jsonl", &len);
	rt_linebuf_init(&lb, 0);
	rt_linebuf_feed(&lb, t, len, count_line, &c);
	rt_linebuf_free(&lb);
	tap_ok(c.lines > 10 && c.bad == 0, "%s: %zu event lines, none bad", kind, c.lines);
	/* restart is reported without an inspect: Podman sends it before its
	 * die and start (an inspect would wait out the whole restart), Docker
	 * after its start */
	tap_is_str(c.kinds, strcmp(kind, "podman") ? "restart:zwrec-web destroy:zwrec-tmp "
						   : "restart:zwrec-web remove:zwrec-tmp ",
		   "%s: restart seen, removal dialect", kind);
	free(t);
}

static void bad_input(void)
{
	static const char *const bad[] = {
		"", "{", "[1,2", "null", "[]", "{\"Id\": 5}",
		"{\"Id\": \"ab\", \"State\": \"running\"}",
		"{\"Id\": \"ab\", \"Config\": {\"Labels\": {\"a\": 1}}}",
		"{\"Id\": \"ab\", \"NetworkSettings\": {\"Networks\": {\"n\": {\"IPAddress\": \"nope\"}}}}",
		"{\"Id\": \"ab\", \"NetworkSettings\": {\"Networks\": {\"n\": {\"IPPrefixLen\": 99}}}}",
		"{\"Id\": \"ab\", \"NetworkSettings\": {\"Networks\": []}}",
		"{\"Id\": \"ab\", \"State\": {\"Pid\": \"12\"}}",
	};
	struct id_workload *w;
	struct rt_event ev;
	struct rt_version v;
	struct rt_linebuf lb;
	struct counts c = { 0 };
	char err[256], **ids, *huge;
	size_t i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		w = t_parse_inspect(bad[i], strlen(bad[i]), "t", err, sizeof(err));
		tap_ok(!w && errno == EINVAL && *err, "bad inspect %zu refused: %s", i, err);
		id_workload_put(w);
	}
	{
		/* podman 4.3 on an --internal network: "Gateway": "<nil>" */
		static const char internal[] =
			"{\"Id\": \"ab\", \"Name\": \"/x\", \"NetworkSettings\": {\"Networks\": {\"in\": "
			"{\"NetworkID\": \"in\", \"IPAddress\": \"10.89.1.2\", \"IPPrefixLen\": 24, "
			"\"Gateway\": \"<nil>\", \"MacAddress\": \"aa:bb:cc:dd:ee:ff\"}}}}";

		err[0] = '\0';
		w = t_parse_inspect(internal, strlen(internal), "podman", err, sizeof(err));
		tap_ok(w && w->n_nets == 1 && !strcmp(w->nets[0].ipv4, "10.89.1.2") &&
		       !w->nets[0].gateway[0], "an internal network's <nil> gateway means none %s", err);
		id_workload_put(w);
	}
	tap_is_int(t_parse_version("{\"ApiVersion\": 1.41}", 20, &v, err, sizeof(err)), -EINVAL,
		   "ApiVersion as a number refused: %s", err);
	tap_is_int(t_parse_list("{}", 2, &ids, &n, err, sizeof(err)), -EINVAL, "list not an array: %s", err);
	tap_is_int(t_parse_list("[{\"Id\":null}]", 13, &ids, &n, err, sizeof(err)), -EINVAL,
		   "list entry without Id: %s", err);
	tap_is_int(t_parse_event("{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{}}", 48, &ev,
				  err, sizeof(err)), -EINVAL, "event without container id: %s", err);
	huge = (char *)"{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":7}}";
	tap_is_int(t_parse_event(huge, strlen(huge), &ev, err, sizeof(err)), -EINVAL,
		   "event with a numeric id: %s", err);
	/* Podman's event log and its API stream, one event read from both on
	 * this machine (podman 4.3.1): the same action and nanosecond stamp */
	{
		static const char logl[] = "{\"ContainerExitCode\":137,\"ID\":\"41edb53023ea34fcc37e612c270e95b8e21a200349871157082bb1b8df753d49\",\"Image\":\"localhost/zwbb:latest\",\"Name\":\"zwexp12450\",\"Status\":\"died\",\"Time\":\"2026-11-29T04:32:12.875522341Z\",\"Type\":\"container\",\"Attributes\":{}}";
		static const char streaml[] = "{\"status\":\"die\",\"id\":\"41edb53023ea34fcc37e612c270e95b8e21a200349871157082bb1b8df753d49\",\"from\":\"localhost/zwbb:latest\",\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"ID\":\"41edb53023ea34fcc37e612c270e95b8e21a200349871157082bb1b8df753d49\",\"Attributes\":{\"containerExitCode\":\"137\",\"exitCode\":\"137\",\"image\":\"localhost/zwbb:latest\",\"name\":\"zwexp12450\",\"podId\":\"\"}},\"scope\":\"local\",\"time\":1795926732,\"timeNano\":1795926732875522341}";
		static const char trimmed[] = "{\"ID\":\"41edb53023ea\",\"Name\":\"x\",\"Status\":\"cleanup\",\"Time\":\"2026-11-29T04:32:13.03078296Z\",\"Type\":\"container\"}";
		static const char zoned[] = "{\"ID\":\"41edb53023ea\",\"Status\":\"start\",\"Time\":\"2026-11-29T05:32:13.5+01:00\",\"Type\":\"container\"}";
		static const char image[] = "{\"Name\":\"localhost/zwbb:latest\",\"Status\":\"pull\",\"Time\":\"2026-11-29T04:14:35.722480645Z\",\"Type\":\"image\",\"Attributes\":null}";
		static const char rotation[] = "{\"Name\":\"/run/libpod/events/events.log\",\"Status\":\"log-rotation\",\"Time\":\"2026-11-29T04:14:29.795017929Z\",\"Type\":\"system\",\"Attributes\":null}";
		static const char netl[] = "{\"ID\":\"41edb53023ea\",\"Name\":\"c1\",\"Network\":\"net1\",\"Status\":\"connect\",\"Time\":\"2026-11-29T04:32:13Z\",\"Type\":\"network\"}";
		static const char noid[] = "{\"Status\":\"start\",\"Type\":\"container\",\"Time\":\"2026-11-29T04:32:13Z\"}";
		static const char badtime[] = "{\"ID\":\"ab\",\"Status\":\"start\",\"Type\":\"container\",\"Time\":\"yesterday\"}";
		struct rt_event a, b;

		tap_is_int(t_parse_podman_log_event(logl, strlen(logl), &a, err, sizeof(err)), 0,
			   "podman log line parsed");
		tap_is_int(t_parse_event(streaml, strlen(streaml), &b, err, sizeof(err)), 0,
			   "the same event from the stream parsed");
		tap_ok(a.kind == RT_EV_UPDATE && !strcmp(a.action, "die") && !strcmp(a.action, b.action),
		       "log 'died' is the stream's 'die' (%s, %s)", a.action, b.action);
		tap_ok(a.time_ns == b.time_ns && a.time_ns == 1795926732875522341LL,
		       "the same nanosecond stamp in both (%lld, %lld)", (long long)a.time_ns,
		       (long long)b.time_ns);
		tap_ok(!strcmp(a.id, b.id) && !strcmp(a.name, "zwexp12450") && !strcmp(a.type, b.type),
		       "the same container, name and type");
		tap_ok(!t_parse_podman_log_event(trimmed, strlen(trimmed), &a, err, sizeof(err)) &&
		       a.time_ns == 1795926733030782960LL, "a fraction with its trailing zero trimmed");
		tap_ok(!t_parse_podman_log_event(zoned, strlen(zoned), &a, err, sizeof(err)) &&
		       a.time_ns == 1795926733500000000LL, "a stamp in the host's zone (+01:00)");
		tap_ok(!t_parse_podman_log_event(image, strlen(image), &a, err, sizeof(err)) &&
		       a.kind == RT_EV_IGNORE, "image events ignored");
		tap_ok(!t_parse_podman_log_event(rotation, strlen(rotation), &a, err, sizeof(err)) &&
		       a.kind == RT_EV_IGNORE, "the log's own rotation record ignored");
		tap_ok(!t_parse_podman_log_event(netl, strlen(netl), &a, err, sizeof(err)) &&
		       a.kind == RT_EV_UPDATE && !strcmp(a.id, "41edb53023ea") && !a.name[0],
		       "a network connect names the container by ID");
		tap_is_int(t_parse_podman_log_event(noid, strlen(noid), &a, err, sizeof(err)), -EINVAL,
			   "a container event without ID: %s", err);
		tap_is_int(t_parse_podman_log_event(badtime, strlen(badtime), &a, err, sizeof(err)),
			   -EINVAL, "a container event with a bad Time: %s", err);
		tap_is_int(t_parse_podman_log_event("{\"ID\":7,\"Status\":\"start\"}", 25, &a, err,
						     sizeof(err)), -EINVAL, "a numeric ID: %s", err);
		tap_is_int(t_parse_podman_log_event("[1]", 3, &a, err, sizeof(err)), -EINVAL,
			   "not an object: %s", err);
		tap_is_int(t_parse_podman_log_event("{\"ID\":", 6, &a, err, sizeof(err)), -EINVAL,
			   "truncated JSON: %s", err);
	}
	/* a huge line is dropped without growing past the bound, the next one is read */
	huge = malloc(3u << 20);
	memset(huge, 'x', 3u << 20);
	huge[(3u << 20) - 1] = '\n';
	rt_linebuf_init(&lb, 1u << 20);
	for (i = 0; i < 3; i++)
		rt_linebuf_feed(&lb, huge + (i << 20), 1u << 20, count_line, &c);
	rt_linebuf_feed(&lb, "{\"Type\":\"container\",\"Action\":\"destroy\",\"Actor\":{\"ID\":\"ab\"}}\n",
			60, count_line, &c);
	tap_ok(lb.dropped == 1 && lb.cap <= (2u << 20) && c.lines == 1 && c.remove == 1,
	       "a 3 MiB line is dropped, the buffer stays bounded (%zu bytes), the next line is read", lb.cap);
	rt_linebuf_free(&lb);
	free(huge);
	/* truncated stream: a partial line is held, not parsed */
	memset(&c, 0, sizeof(c));
	rt_linebuf_init(&lb, 0);
	rt_linebuf_feed(&lb, "{\"Type\":\"contai", 15, count_line, &c);
	tap_is_int(c.lines, 0, "a truncated line is not parsed");
	rt_linebuf_reset(&lb);
	rt_linebuf_feed(&lb, "\n", 1, count_line, &c);
	tap_is_int(c.lines, 0, "and is forgotten on reset (reconnect)");
	rt_linebuf_free(&lb);
}

/* Each problem of an engine's answer at its place, the text kept for the edge's line. */
static void places(void)
{
	static const char *const bad[][3] = {
		{ "{\"Id\": \"ab\", \"State\": {\"Pid\": \"12\"}}", "State.Pid", "expected an integer" },
		{ "{\"Id\": 5}", "Id", "expected a string" },
		{ "{\"Id\": \"\"}", "Id", "expected a non-empty string" },
		{ "[1]", "inspect", "expected an object" },
		{ "{\"Id\": \"ab\", \"NetworkSettings\": {\"Networks\": {\"n\": {\"IPAddress\": \"x\"}}}}",
		  "NetworkSettings.Networks.n.IPAddress", "'x' is not an IPv4 address" },
		{ "{\"Id\": \"ab\", \"NetworkSettings\": {\"Networks\": {\"n\": 3}}}",
		  "NetworkSettings.Networks.n", "expected an object" },
	};
	static const char list[] = "[{\"Id\":\"a\"},{\"Id\":3}]";
	struct id_workload *w;
	struct diags d;
	char **ids;
	size_t n;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		diags_init(&d);
		w = rt_parse_inspect(bad[i][0], strlen(bad[i][0]), "t", &d);
		tap_ok(!w && errno == EINVAL && d.n == 1 && !strcmp(d.v[0].where, bad[i][1]) &&
		       !strcmp(d.v[0].msg, bad[i][2]), "inspect %zu: %s: %s", i,
		       d.n ? d.v[0].where : "", d.n ? d.v[0].msg : "");
		id_workload_put(w);
	}
	diags_init(&d);
	tap_is_int(rt_parse_list(list, strlen(list), &ids, &n, &d), -EINVAL,
		   "list: a bad id refused");
	tap_ok(d.n == 1 && !strcmp(d.v[0].where, "/containers/json[1].Id"), "at its index: %s",
	       d.n ? d.v[0].where : "");
	diags_init(&d);
	tap_is_int(rt_parse_version("{", 1, &(struct rt_version){ 0 }, &d), -EINVAL,
		   "version: invalid JSON refused");
	tap_ok(d.n == 1 && !d.v[0].where[0] && !strncmp(d.v[0].msg, "invalid JSON at line 1", 22),
	       "placed at \"\", the message says where: %s", d.n ? d.v[0].msg : "");
}

int main(void)
{
	recorded("podman", "podman");
	recorded("docker", "docker");
	bad_input();
	places();
	return tap_done();
}
