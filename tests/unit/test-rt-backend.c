// SPDX-License-Identifier: GPL-2.0-or-later
/* The runtime backends: the lookups over their table, their default
 * sockets and the lists messages are made of, and each backend's part of
 * parsing answers recorded from real podman and dockerd
 * (tests/fixtures/runtime/README).  No socket is opened. */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rt-oneline.h"
#include "tap.h"
#include "zonewall/rt-backend.h"
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

static void lookup(void)
{
	const struct rt_backend *d = rt_backend_find("docker"), *p = rt_backend_find("podman");
	const char *path = NULL;
	size_t n;

	tap_ok(d && !strcmp(d->name, "docker"), "docker is found by name");
	tap_ok(p && !strcmp(p->name, "podman"), "podman is found by name");
	errno = 0;
	tap_ok(!rt_backend_find("containerd") && errno == ENOENT, "an unknown name: NULL, ENOENT");
	errno = 0;
	tap_ok(!rt_backend_find("Podman") && errno == ENOENT, "names are matched exactly");
	tap_ok(!rt_backend_find(NULL) && !rt_backend_find(""), "no name finds nothing");
	for (n = 0; rt_backend_at(n); n++)
		tap_ok(rt_backend_find(rt_backend_at(n)->name) == rt_backend_at(n),
		       "the table's %s is what its name finds", rt_backend_at(n)->name);
	tap_ok(n == 2 && rt_backend_at(0) == d, "two backends, docker first (unix:// is docker)");

	tap_ok(rt_backend_of_uri("podman:///run/x.sock", &path) == p && path &&
	       !strcmp(path, "/run/x.sock"), "podman:///PATH is podman, PATH after ://");
	tap_ok(rt_backend_of_uri("docker:///var/run/docker.sock", NULL) == d, "docker:///PATH is docker");
	errno = 0;
	tap_ok(!rt_backend_of_uri("unix:///x", NULL) && errno == ENOENT, "unix:// is no backend's name");
	tap_ok(!rt_backend_of_uri("dockerd:///x", NULL) && !rt_backend_of_uri("docker:/x", NULL) &&
	       !rt_backend_of_uri("http://localhost:2375", NULL), "other schemes are nobody's");

	tap_ok(rt_backend_of_component("Podman Engine") == p, "/version's 'Podman Engine' is podman");
	tap_ok(!rt_backend_of_component("Engine") && !rt_backend_of_component("containerd"),
	       "docker's components name no backend (docker is the fallback)");
}

static void sockets(void)
{
	char buf[256];

	tap_is_str(rt_backend_find("docker")->socket, "/var/run/docker.sock", "docker's socket");
	tap_is_str(rt_backend_find("podman")->socket, "/run/podman/podman.sock", "podman's socket");
	tap_is_str(rt_backend_list(buf, sizeof(buf), true, NULL, NULL),
		   "/var/run/docker.sock or /run/podman/podman.sock", "the sockets rt_detect() tries, listed");
	tap_is_str(rt_backend_list(buf, sizeof(buf), false, NULL, "unix:///PATH"),
		   "docker:///PATH, podman:///PATH or unix:///PATH", "the URIs a client takes");
	tap_is_str(rt_backend_list(buf, sizeof(buf), false, "auto, none", NULL),
		   "auto, none, docker:///PATH or podman:///PATH", "the values of runtime =");
	tap_is_str(rt_backend_list(buf, 12, true, NULL, NULL), "/var/run/do", "a short buffer truncates");
}

static void client_uris(void)
{
	struct rt_client *c;
	char err[256] = "";

	c = t_client_new("unix:///tmp/none.sock", err, sizeof(err));
	tap_ok(c && !strcmp(rt_client_runtime(c), "docker"), "unix:///PATH: the docker backend");
	rt_client_free(c);
	c = t_client_new("podman:///tmp/none.sock", err, sizeof(err));
	tap_ok(c && !strcmp(rt_client_runtime(c), "podman"), "podman:///PATH: the podman backend");
	rt_client_free(c);
	errno = 0;
	c = t_client_new("containerd:///run/containerd.sock", err, sizeof(err));
	tap_ok(!c && errno == EINVAL, "an unknown scheme is refused");
	tap_is_str(err, "'containerd:///run/containerd.sock': expected docker:///PATH, "
		   "podman:///PATH or unix:///PATH", "naming every backend's URI");
	c = t_client_new("podman://relative.sock", err, sizeof(err));
	tap_ok(!c && errno == EINVAL, "a relative socket path is refused");
}

/* What each backend adds to the Engine API's answers. */
static void recorded(const char *kind)
{
	const struct rt_backend *b = rt_backend_find(kind);
	struct id_workload *w;
	struct rt_version v;
	char err[256], *t;
	size_t len;

	t = slurp(kind, "version.json", &len);
	tap_is_int(t_parse_version(t, len, &v, err, sizeof(err)), 0, "%s: version parses", kind);
	tap_ok(v.engine == (b->component ? b : NULL), "%s: /version names the %s backend", kind,
	       b->component ? kind : "fallback");
	free(t);

	t = slurp(kind, "inspect-web.json", &len);
	w = t_parse_inspect(t, len, b->name, err, sizeof(err));
	tap_ok(w && w->runtime && !strcmp(w->runtime, kind), "%s: the record's runtime is %s", kind,
	       kind);
	if (b->inspect_extra)
		tap_ok(w && w->pidfile && strlen(w->pidfile) > 17 &&
		       !strcmp(w->pidfile + strlen(w->pidfile) - 17, "/userdata/pidfile"),
		       "%s: the pidfile beside HostnamePath (%s)", kind,
		       w && w->pidfile ? w->pidfile : "none");
	else
		tap_ok(w && !w->pidfile, "%s: no pidfile read from its HostnamePath", kind);
	id_workload_put(w);
	free(t);
	tap_ok(!b->event_log || !b->event_log("/nonexistent/zonewall-test.sock"),
	       "%s: no default event log behind a socket that is not there", kind);
}

static void podman_log(void)
{
	static const char line[] = "{\"ID\":\"41edb53023ea\",\"Name\":\"c1\",\"Status\":\"died\",\"Time\":\"2026-11-29T04:32:13.5Z\",\"Type\":\"container\"}";
	const struct rt_backend *p = rt_backend_find("podman");
	struct rt_event ev;
	char err[256];

	tap_ok(p->parse_log_line && p->event_log, "podman reads an event log of its own");
	tap_ok(!rt_backend_find("docker")->parse_log_line && !rt_backend_find("docker")->event_log,
	       "docker has none");
	tap_ok(t_parse_log_line(p, line, strlen(line), &ev, err, sizeof(err)) == 0 &&
	       ev.kind == RT_EV_UPDATE && !strcmp(ev.action, "die") &&
	       ev.time_ns == 1795926733500000000LL, "podman's log line: 'died' is die, with its stamp");
}

int main(void)
{
	lookup();
	sockets();
	client_uris();
	recorded("docker");
	recorded("podman");
	podman_log();
	return tap_done();
}
