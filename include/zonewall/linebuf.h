/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_LINEBUF_H
#define ZONEWALL_LINEBUF_H

/*
 * Lines out of a byte stream that arrives in pieces of any size (a
 * streamed HTTP answer): bytes are pushed as they come, complete lines
 * taken out; a line cut between two pieces waits for its end.
 */

#include <stdbool.h>
#include <stddef.h>

struct linebuf {
	char *buf;
	size_t off, n, cap;		/* buf[off..n) not yet taken */
	size_t max;			/* the most bytes waiting for a newline */
};

/** linebuf_init() - an empty buffer holding at most @max bytes of one line. */
void linebuf_init(struct linebuf *b, size_t max);

/**
 * linebuf_push() - append @p[0..@len).
 * Return: 0; -EMSGSIZE when what waits for a newline would pass the
 * buffer's max (nothing appended); -ENOMEM.
 */
int linebuf_push(struct linebuf *b, const void *p, size_t len);

/**
 * linebuf_next() - the next line that is not blank, without its newline
 * (nor a "\r" before it), NUL-terminated in the buffer, its length in
 * *@len; valid until the next push.  With @final (the stream ended) the
 * bytes after the last newline are a line too.
 * Return: the line, or NULL when no complete one waits.
 */
char *linebuf_next(struct linebuf *b, bool final, size_t *len);

/** linebuf_free() - release the bytes (the buffer can be used again). */
void linebuf_free(struct linebuf *b);

#endif
