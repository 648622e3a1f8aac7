/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_RUNTIME_H
#define ZONEWALL_RUNTIME_H

/*
 * The container runtime mapper: the Docker Engine API (dockerd, or Podman's
 * compatible service) over a unix socket with libcurl, JSON with jansson.
 * What differs between the engines is their backends' (rt-backend.h).
 *
 * Two halves.  The parsers (rt_parse_*, rt_linebuf_*) turn response text
 * into records and do no I/O, so unit tests feed them recorded answers and
 * a fuzzer feeds them anything.  The client and the mapper do the HTTP:
 * version negotiation, list + inspect, and the /events stream that keeps an
 * id_index current, with reconnect, backoff, resync and gap reports.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zonewall/diag.h"
#include "zonewall/identity.h"
#include "zonewall/rt-backend.h"

#define RT_API_MAX_MINOR 41	/* we speak 1.24 .. 1.41 */
#define RT_API_MIN_MINOR 24
#define RT_BODY_MAX (64u << 20)	/* responses past this are aborted */
#define RT_LINE_MAX (1u << 20)	/* one event line at most */

/* --- pure parsers -------------------------------------------------------------- */

struct rt_version {
	unsigned int major, minor;	/* the server's ApiVersion */
	const struct rt_backend *engine;	/* the backend a component named, NULL if none */
	bool podman;			/* a Podman engine answered */
	char version[64];		/* the engine's version string */
};

/**
 * rt_parse_version() - parse a GET /version answer.
 * Return: 0; -EINVAL (@d says why: invalid JSON, no ApiVersion string).
 */
int rt_parse_version(const char *text, size_t len, struct rt_version *v, struct diags *d);

/**
 * rt_parse_list() - the container ids in a GET /containers/json answer.
 * @ids: gets a malloc'ed array of malloc'ed ids (free with rt_ids_free()).
 * Return: 0; -EINVAL (@d says why); -ENOMEM.
 */
int rt_parse_list(const char *text, size_t len, char ***ids, size_t *n, struct diags *d);

/** rt_ids_free() - free what rt_parse_list() returned.  Accepts NULL. */
void rt_ids_free(char **ids, size_t n);

/**
 * rt_parse_inspect() - a GET /containers/ID/json answer as a workload
 * record (identity not yet resolved); @runtime names the source.
 * Fields of a wrong type are an error naming the field; missing optional
 * fields are left empty.
 * Return: a new record (one reference), or NULL with errno EINVAL (@d
 * says why, at the field) or ENOMEM.
 */
struct id_workload *rt_parse_inspect(const char *text, size_t len, const char *runtime,
				     struct diags *d);

enum rt_event_kind {
	RT_EV_IGNORE,		/* nothing the index cares about */
	RT_EV_UPDATE,		/* re-inspect the container */
	RT_EV_REMOVE,		/* the container is gone (destroy, remove) */
	RT_EV_SEEN,		/* reported, no inspect: the events around it update
				 * the index (restart: Docker sends it after its start,
				 * Podman before its die and start) */
};

struct rt_event {
	enum rt_event_kind kind;
	char type[16];		/* "container", "network", ... */
	char action[32];	/* "start", "die", "connect", ... */
	char id[80];		/* the container's id ("" if none) */
	char name[128];		/* the container's name when told */
	int64_t time_ns;	/* when the runtime says it happened, 0 if untold */
	int64_t recv_ns;	/* when the mapper read it (set by the mapper) */
	bool from_log;		/* read from Podman's event log, not the stream */
};

/**
 * rt_parse_event() - one line of the /events stream.  Handles both
 * dialects: Docker's network events carry the network in Actor.ID and the
 * container in Actor.Attributes.container; Podman's carry the container
 * in Actor.ID.  "destroy" (Docker) and "remove" (Podman) both remove.
 * Return: 0; -EINVAL (@d says why).
 */
int rt_parse_event(const char *text, size_t len, struct rt_event *ev, struct diags *d);

/**
 * rt_parse_podman_log_event() - one line of Podman's event log file (its
 * "file" events logger), as the same struct the stream's line gives: the
 * same action names ("died" is "die") and the same nanosecond stamp, so an
 * event read from both is recognised as one.  Types other than container
 * and network come back as RT_EV_IGNORE without further checks.
 * Return: 0; -EINVAL (@d says why: a container event needs ID and Time).
 */
int rt_parse_podman_log_event(const char *text, size_t len, struct rt_event *ev,
			      struct diags *d);

/* Newline-delimited input with a bounded line: a longer line is dropped. */
struct rt_linebuf {
	char *buf;
	size_t len, cap, max;
	bool discarding;	/* inside a line that grew past max */
	size_t dropped;		/* lines dropped for length, ever */
};

typedef void (*rt_line_fn)(void *ctx, const char *line, size_t len);

/** rt_linebuf_init() - lines up to @max bytes (0: RT_LINE_MAX). */
void rt_linebuf_init(struct rt_linebuf *lb, size_t max);

/**
 * rt_linebuf_feed() - append @n bytes and call @fn for each complete
 * non-empty line (without the newline).
 * Return: 0, or -ENOMEM (the buffered partial line is then dropped).
 */
int rt_linebuf_feed(struct rt_linebuf *lb, const char *data, size_t n, rt_line_fn fn, void *ctx);

/** rt_linebuf_reset() - forget a partial line (after a reconnect). */
void rt_linebuf_reset(struct rt_linebuf *lb);

/** rt_linebuf_free() - release the buffer.  Accepts NULL. */
void rt_linebuf_free(struct rt_linebuf *lb);

/* --- a restarted container seen in the kernel (runtime-fast.c) ------------------ */

struct nsid_port;

/**
 * rt_fast_build() - the record of @prev's container restarted as process
 * @pid, from the veths the kernel shows in its namespace (@ports[0..n),
 * nsid_ports_read()): @prev's identity, labels and networks, and for each
 * network the addresses, MAC and port of the one veth whose peer is on the
 * bridge that @prev's attachment used.  Refused unless every attachment
 * is found so, with exactly the address families it had, one address of
 * each, inside a subnet of its bridge's own addresses and not one of
 * them, and no veth is left over.  Pure.
 * Return: a new record (one reference), or NULL with errno EAGAIN
 * (refused: @why says why) or ENOMEM.
 */
struct id_workload *rt_fast_build(const struct id_workload *prev, int pid, int64_t started_ns,
				  const struct nsid_port *ports, size_t n, struct diags *why);

/**
 * rt_fast_agrees() - do @a and @b have the same process and, network by
 * network (records sorted), the same addresses and MAC, and the same veth
 * and bridge where both know them (found from the process, which may have
 * exited by the time the inspect's answer is resolved)?  Pure.
 */
bool rt_fast_agrees(const struct id_workload *a, const struct id_workload *b);

/**
 * rt_fast_probe() - rt_fast_build() on what the kernel shows now: the PID
 * in @prev->pidfile (a regular file of root's), the id here of its network
 * namespace (one assigned if it has none), that namespace's veths.
 * Return: the record, or NULL with errno (@why says why).
 */
struct id_workload *rt_fast_probe(const struct id_workload *prev, int64_t started_ns,
				  struct diags *why);

/* --- the client (I/O) ------------------------------------------------------------ */

struct rt_client;

/**
 * rt_detect() - the URI of the first backend's default socket that accepts
 * a connection: docker:///var/run/docker.sock, podman:///run/podman/podman.sock.
 * Return: true with @uri filled, false when neither answers (not an error).
 */
bool rt_detect(char *uri, size_t len);

/**
 * rt_client_new() - a client for @uri ("docker:///PATH", "podman:///PATH",
 * or "unix:///PATH").  Connects nothing yet.
 * Return: the client, or NULL (errno EINVAL for a bad URI, @d saying what
 * was expected; ENOMEM).
 */
struct rt_client *rt_client_new(const char *uri, struct diags *d);

/** rt_client_free() - Accepts NULL. */
void rt_client_free(struct rt_client *c);

/** rt_client_runtime() - the backend's name, "docker" or "podman" (from the URI, or what /version said). */
const char *rt_client_runtime(const struct rt_client *c);

/** rt_client_api() - the negotiated API version, "1.41", or "" before rt_negotiate(). */
const char *rt_client_api(const struct rt_client *c);

/**
 * rt_negotiate() - GET /version and use min(server ApiVersion, 1.41).
 * Return: 0; -ENOTSUP when the server speaks less than 1.24; -ECONNREFUSED,
 * -ENOENT, -EIO, -EPROTO, ... with @d saying what failed, at the socket.
 */
int rt_negotiate(struct rt_client *c, struct diags *d);

/**
 * rt_inspect() - GET /containers/ID/json.
 * Return: a record, or NULL with errno ENOENT (no such container), or
 * another errno (@d says why).
 */
struct id_workload *rt_inspect(struct rt_client *c, const char *id, struct diags *d);

/**
 * rt_list() - every container (all=1), each inspected.  A container that
 * vanishes between list and inspect is skipped.
 * @out: gets a malloc'ed array of references (caller puts each, frees it).
 * Return: 0 or -errno (@d says why).
 */
int rt_list(struct rt_client *c, struct id_workload ***out, size_t *n, struct diags *d);

/**
 * rt_ports_resolve() - fill each network's host-side veth and bridge: the
 * id this namespace gives the container's (RTM_GETNSID by PID), then the
 * container's interface with the network's MAC read in place and its peer
 * here (nsid_port_find()); for what that leaves unknown, one dump of the
 * links here, matched on IFLA_LINK_NETNSID and, with several veths, the
 * bridge carrying the network's gateway (nsid_port_match()).  Left ""
 * when unknown (stopped, no veth).
 * Return: 0, or -errno when the host's links cannot be read.
 */
int rt_ports_resolve(struct id_workload **v, size_t n);

/* --- the mapper -------------------------------------------------------------------- */

enum rt_report_kind {
	RT_REP_SYNCED,		/* connected and resynced from a full list */
	RT_REP_LOST,		/* the stream or the API broke; mapping kept, now stale */
	RT_REP_RETRY,		/* a reconnect attempt failed */
	RT_REP_EVENT,		/* an event was applied to the index */
	RT_REP_WARN,		/* bad input skipped (event line, inspect) */
};

struct rt_report {
	enum rt_report_kind kind;
	const char *msg;		/* one line, for RT_REP_LOST/RETRY/WARN */
	const char *cause;		/* RT_REP_LOST/RETRY: just what failed */
	const struct rt_event *ev;	/* RT_REP_EVENT */
	int64_t applied_ns;		/* RT_REP_EVENT: when the index changed */
	bool superseded;		/* RT_REP_EVENT: not inspected, a later event
					 * of the same batch updates the container */
	int64_t inspect_ns;		/* RT_REP_EVENT: waiting for the inspect's
					 * answer (the engine's part), 0 if none */
	bool provisional;		/* RT_REP_EVENT: a start applied from the
					 * kernel's view (rt_fast_probe()); the same
					 * event is reported again, confirms set, once
					 * its inspect answers */
	const char *fast_miss;		/* RT_REP_EVENT: why a start was not read from
					 * the kernel first, NULL when it was or did
					 * not apply (a container never seen stop) */
	bool confirms;			/* RT_REP_EVENT: that second report (with
					 * superseded set when a newer event of the
					 * container dropped the inspect instead) */
	int64_t gap_from_ns, gap_to_ns;	/* RT_REP_SYNCED after a loss */
	struct id_sync_stats stats;	/* RT_REP_SYNCED */
	size_t workloads;		/* RT_REP_SYNCED */
};

typedef void (*rt_report_fn)(void *ctx, const struct rt_report *r);

struct rt_mapper;

/**
 * rt_mapper_new() - a mapper keeping @idx current from @uri.
 * @idx: borrowed; @fn(@ctx, ...) hears about syncs, losses and events.
 * Return: the mapper (not connected yet), or NULL (errno; @d says why).
 */
struct rt_mapper *rt_mapper_new(const char *uri, struct id_index *idx, rt_report_fn fn,
				void *ctx, struct diags *d);

/** rt_mapper_free() - Accepts NULL. */
void rt_mapper_free(struct rt_mapper *m);

/**
 * rt_mapper_step() - run for at most @timeout_ms: connect (or reconnect
 * when the backoff allows: 100 ms doubling to 5 s), open the event stream,
 * resync, then wait for events and apply each (re-inspect or remove).
 * Inspects do not block: each is sent and applied (and its event
 * reported) in the step that reads its answer, one per container; a newer
 * event of that container drops it, reported as superseded.
 * Return: 0 while connected or waiting to retry; errors go to the report
 * callback, never stop the mapper.
 */
int rt_mapper_step(struct rt_mapper *m, int timeout_ms);

/**
 * rt_mapper_wait_info() - what an event loop must watch to call
 * rt_mapper_step(@m, 0) only when it has work: @fd gets the event
 * stream's socket, or while inspects are on their way an epoll fd that
 * is readable when any of their sockets or the stream's is (-1 while
 * disconnected: no fd to watch), @timeout_ms the
 * time after which a step is due anyway (a reconnect attempt, libcurl's
 * own timers; -1: none).  The loop re-asks after every step, since a
 * reconnect changes the socket.
 */
void rt_mapper_wait_info(struct rt_mapper *m, int *fd, long *timeout_ms);

/**
 * rt_mapper_replayed() - events dropped as replays: stamped (by the
 * engine) more than a second before the stream they came on was opened,
 * or before the newest event already seen for the same container.
 * Podman's file event logger streams the kept half of its log again when
 * it rotates it; applying those would undo newer state.
 */
unsigned long rt_mapper_replayed(const struct rt_mapper *m);

/**
 * rt_mapper_set_event_log() - where Podman's event log is, to follow it
 * beside the API's stream (whose events come from polling that file every
 * 250 ms): "auto" (the default: a rootful Podman's
 * /run/libpod/events/events.log when the engine is Podman and the file
 * exists), "none", or the absolute path of the log (events_logfile_path
 * in containers.conf).  Takes effect at the next (re)connect.
 * Return: 0; -EINVAL for anything else.
 */
int rt_mapper_set_event_log(struct rt_mapper *m, const char *spec);

struct rt_evlog_stats {
	const char *path;		/* the log followed now, NULL if none */
	unsigned long events;		/* events read from it first */
	unsigned long dups;		/* their copies in the stream, dropped */
	unsigned long rotations;	/* rotations and truncations followed */
};

/** rt_mapper_event_log() - how following the event log goes. */
void rt_mapper_event_log(const struct rt_mapper *m, struct rt_evlog_stats *st);

/**
 * rt_mapper_set_fast_start() - whether a start of a container seen stopping
 * puts what the kernel shows of it (rt_fast_probe()) in the index before
 * its inspect answers (on by default; only Podman's records name the
 * pidfile it needs).  The inspect still follows and prevails.
 */
void rt_mapper_set_fast_start(struct rt_mapper *m, bool on);

struct rt_fast_stats {
	bool on;
	unsigned long starts;		/* starts applied from the kernel's view */
	unsigned long misses;		/* starts that tried and waited for the inspect */
	unsigned long mismatches;	/* inspects that disagreed with the kernel's view */
	const char *last_miss;		/* why the last miss, "" if none */
};

void rt_mapper_fast_start(const struct rt_mapper *m, struct rt_fast_stats *st);

/** rt_mapper_connected() - true once synced and while the stream is up. */
bool rt_mapper_connected(const struct rt_mapper *m);

/** rt_mapper_client() - the client (its runtime name and API version). */
const struct rt_client *rt_mapper_client(const struct rt_mapper *m);

/** rt_now_ns() - CLOCK_REALTIME in ns, the clock events and packets use. */
int64_t rt_now_ns(void);

#endif
