/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_RT_BACKEND_H
#define ZONEWALL_RT_BACKEND_H

/*
 * The container engines the runtime mapper speaks to, one struct of
 * operations each: the engine's name (the URI scheme and each record's
 * runtime), its default socket, how its /version answer names it, and
 * what it does beyond the Docker Engine API (Podman: the pidfile in its
 * inspect answer, its own event log file).  Each backend is one file
 * (src/runtime/rt-docker.c, rt-podman.c) and one entry of the table in
 * rt-backend.c; callers find one by name with rt_backend_find() and never
 * compare runtime names themselves.
 */

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

struct diags;
struct id_workload;
struct rt_event;

struct rt_backend {
	const char *name;	/* "docker": the URI scheme, id_workload.runtime */
	const char *socket;	/* the rootful service's socket, tried by rt_detect() */
	/* a substring of a /version Components[].Name that only this engine
	 * sends; NULL: told by no component (the table's first backend is
	 * what an engine that names none of them is) */
	const char *component;
	/*
	 * inspect_extra() - what this engine's inspect answer @root has beyond
	 * the Engine API's fields, into @w.  Pure.  NULL: nothing.
	 * Return: 0; -EINVAL (@d says why); -ENOMEM.
	 */
	int (*inspect_extra)(struct id_workload *w, json_t *root, struct diags *d);
	/*
	 * event_log() - the engine's own event log file to follow beside the
	 * API's stream by default, when the service on socket @sock is one
	 * whose log is trusted (root's).  NULL (or returning NULL): none.
	 */
	const char *(*event_log)(const char *sock);
	/*
	 * parse_log_line() - one line of that log as the stream's event.
	 * Pure.  NULL: the engine writes no log the mapper reads.
	 * Return: 0; -EINVAL (@d says why).
	 */
	int (*parse_log_line)(const char *text, size_t len, struct rt_event *ev, struct diags *d);
};

/**
 * rt_backend_find() - the backend named @name ("docker", "podman").
 * Return: the backend, or NULL with errno ENOENT.
 */
const struct rt_backend *rt_backend_find(const char *name);

/** rt_backend_at() - the @i-th backend of the table, NULL past its end. */
const struct rt_backend *rt_backend_at(size_t i);

/**
 * rt_backend_of_uri() - the backend whose name is @uri's scheme
 * ("podman:///run/podman/podman.sock"); @path (if not NULL) gets what
 * follows "://".
 * Return: the backend, or NULL with errno ENOENT (another scheme).
 */
const struct rt_backend *rt_backend_of_uri(const char *uri, const char **path);

/**
 * rt_backend_of_component() - the backend that a /version component
 * named @name belongs to, or NULL when no backend claims it.
 */
const struct rt_backend *rt_backend_of_component(const char *name);

/**
 * rt_backend_list() - every backend's "NAME:///PATH" (or, with @sockets,
 * its default socket) as an English list: "A, B or C", after @first and
 * before @last when they are not NULL, into @buf.
 * Return: @buf.
 */
char *rt_backend_list(char *buf, size_t len, bool sockets, const char *first, const char *last);

#endif
