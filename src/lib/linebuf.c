// SPDX-License-Identifier: GPL-2.0-or-later
/* Lines out of a stream that arrives in pieces (see linebuf.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/linebuf.h"

void linebuf_init(struct linebuf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void linebuf_free(struct linebuf *b)
{
	free(b->buf);
	linebuf_init(b, b->max);
}

/* Room for @len more bytes and a NUL, the taken ones dropped first. */
static int linebuf_room(struct linebuf *b, size_t len)
{
	size_t cap;
	char *q;

	if (b->off) {
		memmove(b->buf, b->buf + b->off, b->n - b->off);
		b->n -= b->off;
		b->off = 0;
	}
	if (b->n + len + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->n + len + 1)
		cap *= 2;
	q = realloc(b->buf, cap);
	if (!q)
		return -ENOMEM;
	b->buf = q;
	b->cap = cap;
	return 0;
}

int linebuf_push(struct linebuf *b, const void *p, size_t len)
{
	int rc;

	if (b->n - b->off + len > b->max)
		return -EMSGSIZE;
	if (b->n + len + 1 > b->cap && (rc = linebuf_room(b, len)))
		return rc;
	memcpy(b->buf + b->n, p, len);
	b->n += len;
	b->buf[b->n] = '\0';
	return 0;
}

char *linebuf_next(struct linebuf *b, bool final, size_t *len)
{
	while (b->off < b->n) {
		char *start = b->buf + b->off, *nl = memchr(start, '\n', b->n - b->off);
		size_t l;

		if (!nl && !final)
			return NULL;	/* the rest of it has not come yet */
		l = nl ? (size_t)(nl - start) : b->n - b->off;
		b->off += l + (nl != NULL);
		if (l && start[l - 1] == '\r')
			l--;
		start[l] = '\0';
		if (strspn(start, " \t\r") != l) {
			*len = l;
			return start;
		}
	}
	return NULL;
}
