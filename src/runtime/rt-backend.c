// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The table of runtime backends and the lookups over it.  A new engine is
 * one file defining its struct rt_backend and one entry here.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "zonewall/rt-backend.h"
#include "runtime-int.h"

/* The first entry is what a unix:// URI and an engine that names itself
 * in no /version component are: the Docker Engine API's own. */
static const struct rt_backend *const rt_backends[] = {
	&rt_backend_docker,
	&rt_backend_podman,
};

#define RT_BACKENDS (sizeof(rt_backends) / sizeof(rt_backends[0]))

const struct rt_backend *rt_backend_at(size_t i)
{
	return i < RT_BACKENDS ? rt_backends[i] : NULL;
}

const struct rt_backend *rt_backend_find(const char *name)
{
	for (size_t i = 0; name && i < RT_BACKENDS; i++)
		if (!strcmp(rt_backends[i]->name, name))
			return rt_backends[i];
	errno = ENOENT;
	return NULL;
}

const struct rt_backend *rt_backend_of_uri(const char *uri, const char **path)
{
	size_t n;

	for (size_t i = 0; i < RT_BACKENDS; i++) {
		n = strlen(rt_backends[i]->name);
		if (!strncmp(uri, rt_backends[i]->name, n) && !strncmp(uri + n, "://", 3)) {
			if (path)
				*path = uri + n + 3;
			return rt_backends[i];
		}
	}
	errno = ENOENT;
	return NULL;
}

const struct rt_backend *rt_backend_of_component(const char *name)
{
	for (size_t i = 0; i < RT_BACKENDS; i++)
		if (rt_backends[i]->component && strstr(name, rt_backends[i]->component))
			return rt_backends[i];
	return NULL;
}

/* Append item @k of @n, @item@tail, to @buf: ", " between items, " or "
 * before the last. */
static void rt_list_add(char *buf, size_t len, size_t k, size_t n, const char *item,
			const char *tail)
{
	size_t used = strlen(buf);

	snprintf(buf + used, len - used, "%s%s%s", !k ? "" : k + 1 == n ? " or " : ", ",
		 item, tail);
}

char *rt_backend_list(char *buf, size_t len, bool sockets, const char *first, const char *last)
{
	size_t n = RT_BACKENDS + !!first + !!last, k = 0;

	if (!len)
		return buf;
	buf[0] = '\0';
	if (first)
		rt_list_add(buf, len, k++, n, first, "");
	for (size_t i = 0; i < RT_BACKENDS; i++)
		rt_list_add(buf, len, k++, n,
			    sockets ? rt_backends[i]->socket : rt_backends[i]->name,
			    sockets ? "" : ":///PATH");
	if (last)
		rt_list_add(buf, len, k++, n, last, "");
	return buf;
}
