// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The Podman backend: Podman's Docker-compatible API service.  Beyond the
 * Engine API it names itself in /version's components, writes each
 * container's PID to a pidfile beside the HostnamePath its inspect
 * reports (what rt_fast_probe() reads), and keeps an event log file that
 * the mapper follows ahead of the API's stream.
 */

#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "zonewall/runtime.h"
#include "runtime-int.h"

/*
 * A rootful Podman's event log (its "file" events logger).  A rootless
 * one keeps its own under its runtime directory, with other containers'
 * events, so it is followed only when named.
 */
#define RT_PODMAN_EVENT_LOG "/run/libpod/events/events.log"

/*
 * Podman writes the PID of a container's main process into "pidfile" in the
 * directory of the HostnamePath it reports, at every start (before its
 * start event): what lets the mapper see a restarted container in the
 * kernel before its inspect can answer.  A path of another shape is left
 * unknown, not an error.
 */
static int rt_podman_pidfile(struct id_workload *w, json_t *root, struct diags *d)
{
	static const char tail[] = "/hostname";
	const char *hp;
	char path[PATH_MAX];
	size_t n;

	if (rt_str(root, "HostnamePath", "", &hp, d))
		return -EINVAL;
	n = strlen(hp);
	if (hp[0] != '/' || n <= sizeof(tail) - 1 || n >= sizeof(path) - 16 ||
	    strcmp(hp + n - (sizeof(tail) - 1), tail) || strstr(hp, "/../") || strstr(hp, "//"))
		return 0;
	snprintf(path, sizeof(path), "%.*s/pidfile", (int)(n - (sizeof(tail) - 1)), hp);
	return id_workload_set(&w->pidfile, path);
}

/*
 * Podman's own event log line (events_logger = "file"): the record the
 * API's stream is made from, so the same event carries the same stamp
 * in both: {"ID", "Name", "Status", "Time" (RFC 3339, the host's zone),
 * "Type", "Attributes"}.  Its "died" is the API's "die".
 */
int rt_parse_podman_log_event(const char *text, size_t len, struct rt_event *ev,
			      struct diags *d)
{
	const char *type, *status, *id, *name, *time;
	json_t *root;
	int rc = -EINVAL;

	root = rt_load_event(text, len, ev, d);
	if (!root)
		return -EINVAL;
	if (rt_str(root, "Type", "event.", &type, d) || rt_str(root, "Status", "event.", &status, d) ||
	    rt_str(root, "ID", "event.", &id, d) || rt_str(root, "Name", "event.", &name, d) ||
	    rt_str(root, "Time", "event.", &time, d))
		goto out_decref;
	if (!strcmp(status, "died"))
		status = "die";
	rt_copy(ev->type, sizeof(ev->type), type);
	rt_copy(ev->action, sizeof(ev->action), status);
	ev->kind = rt_event_classify(type, status);
	if (ev->kind == RT_EV_IGNORE) {	/* images, volumes, system: no id to check */
		rc = 0;
		goto out_decref;
	}
	rt_copy(ev->id, sizeof(ev->id), id);
	if (!strcmp(type, "container"))	/* as the stream's parser: names of containers only */
		rt_copy(ev->name, sizeof(ev->name), name);
	ev->time_ns = rt_parse_time(time);
	if (!ev->id[0] || !ev->time_ns) {
		rt_fail(d, "", "event %.16s/%.32s: no %s", type, status,
			ev->id[0] ? "valid Time" : "container ID");
		goto out_decref;
	}
	rc = 0;
out_decref:
	json_decref(root);
	return rc;
}

/* The default log, when the service's socket is root's and the log exists. */
static const char *rt_podman_event_log(const char *sock)
{
	struct stat st;

	if (stat(sock, &st) || st.st_uid != 0 || access(RT_PODMAN_EVENT_LOG, F_OK))
		return NULL;
	return RT_PODMAN_EVENT_LOG;
}

const struct rt_backend rt_backend_podman = {
	.name = "podman",
	.socket = "/run/podman/podman.sock",
	.component = "Podman",
	.inspect_extra = rt_podman_pidfile,
	.event_log = rt_podman_event_log,
	.parse_log_line = rt_parse_podman_log_event,
};
