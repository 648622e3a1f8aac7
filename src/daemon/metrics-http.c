// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * GET /metrics over HTTP/1.0 on a loopback port.  Deliberately minimal:
 * one request per connection, the head read into a fixed buffer, the
 * answer queued whole and written as the socket accepts it, the
 * connection closed afterwards.  Nothing here blocks the loop.
 */

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "zonewall/listener.h"
#include "zonewall/loop.h"
#include "zonewall/metrics.h"

#define MET_HTTP_CONNS 16
#define MET_HTTP_TIMEOUT_MS 5000

struct met_http_conn {
	struct lsn_conn conn;		/* first: the listener allocates the connection */
	struct met_http *h;
	char req[MET_HTTP_REQ_MAX];
	size_t n;
	char *out;
	size_t out_len, out_off;
	uint64_t deadline;
	bool draining;			/* answered early: read what is left, then close */
	size_t drained;
};

struct met_http {
	struct lsn *lsn;
	struct met_registry *reg;
	void (*prepare)(void *arg);
	void *arg;
	uint64_t ok, refused, dropped;
};

static bool met_http_token(const char *s, size_t n)
{
	size_t i;

	if (!n)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] < 'A' || s[i] > 'Z')
			return false;
	return true;
}

int met_http_parse(const char *head, size_t len)
{
	const char *eol, *sp1, *sp2, *target, *q;
	size_t line, tlen;

	if (memchr(head, '\0', len))
		return 400;
	eol = memchr(head, '\n', len);
	if (!eol)
		return 400;
	line = eol - head;
	if (line && head[line - 1] == '\r')
		line--;
	sp1 = memchr(head, ' ', line);
	if (!sp1)
		return 400;
	target = sp1 + 1;
	sp2 = memchr(target, ' ', line - (target - head));
	if (!sp2 || !met_http_token(head, sp1 - head))
		return 400;
	if ((size_t)(head + line - (sp2 + 1)) != 8 ||
	    (memcmp(sp2 + 1, "HTTP/1.0", 8) && memcmp(sp2 + 1, "HTTP/1.1", 8)))
		return 400;
	tlen = sp2 - target;
	if (!tlen || target[0] != '/' || memchr(target, ' ', tlen))
		return 400;
	if (sp1 - head != 3 || memcmp(head, "GET", 3))
		return 405;
	q = memchr(target, '?', tlen);
	if (q)
		tlen = q - target;
	return tlen == 8 && !memcmp(target, "/metrics", 8) ? 200 : 404;
}

static struct met_http_conn *met_http_conn_of(struct lsn_conn *conn)
{
	return (struct met_http_conn *)conn;
}

static void met_http_conn_close(struct met_http_conn *c)
{
	lsn_conn_close(&c->conn);
}

static void met_http_conn_cleanup(void *arg, struct lsn_conn *conn)
{
	free(met_http_conn_of(conn)->out);
}

static const char *met_http_reason(int code)
{
	switch (code) {
	case 200: return "OK";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 431: return "Request Header Fields Too Large";
	default: return "Bad Request";
	}
}

static int met_http_answer(struct met_http_conn *c, int code)
{
	struct met_http *h = c->h;
	char *body = NULL;
	size_t blen = 0;
	FILE *f;

	if (code == 200) {
		if (h->prepare)
			h->prepare(h->arg);
		if (met_render(h->reg, &body, &blen))
			return -ENOMEM;
		h->ok++;
	} else {
		h->refused++;
	}
	f = open_memstream(&c->out, &c->out_len);
	if (!f) {
		free(body);
		return -ENOMEM;
	}
	fprintf(f, "HTTP/1.0 %d %s\r\n", code, met_http_reason(code));
	if (code == 200) {
		fprintf(f, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
			"Content-Length: %zu\r\nConnection: close\r\n\r\n", blen);
		fwrite(body, 1, blen, f);
	} else {
		fprintf(f, "%sContent-Type: text/plain; charset=utf-8\r\n"
			"Content-Length: %zu\r\nConnection: close\r\n\r\n%s\n",
			code == 405 ? "Allow: GET\r\n" : "",
			strlen(met_http_reason(code)) + 1, met_http_reason(code));
	}
	free(body);
	if (fclose(f) != 0)
		return -ENOMEM;
	return loop_fd_events(c->conn.src, EPOLLOUT);
}

/*
 * Closing a TCP socket with unread input sends a reset, which can destroy
 * the answer before the client reads it; so after an early answer (431)
 * stop sending, and read and discard (bounded in bytes and by the
 * connection deadline) until the client closes.
 */
static void met_http_drain(struct met_http_conn *c)
{
	char sink[4096];
	ssize_t r;

	for (;;) {
		r = recv(c->conn.fd, sink, sizeof(sink), 0);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		c->drained += r > 0 ? r : 0;
		if (r <= 0 || c->drained > 16 * MET_HTTP_REQ_MAX)
			break;
	}
	met_http_conn_close(c);
}

static void met_http_write(struct met_http_conn *c)
{
	ssize_t w;

	while (c->out_off < c->out_len) {
		w = send(c->conn.fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			met_http_conn_close(c);
			return;
		}
		c->out_off += w;
	}
	if (c->draining && shutdown(c->conn.fd, SHUT_WR) == 0 &&
	    loop_fd_events(c->conn.src, EPOLLIN) == 0)
		return;
	met_http_conn_close(c);
}

static bool met_http_head_done(const struct met_http_conn *c)
{
	return memmem(c->req, c->n, "\r\n\r\n", 4) || memmem(c->req, c->n, "\n\n", 2);
}

static void met_http_read(struct met_http_conn *c)
{
	ssize_t r;

	for (;;) {
		if (c->n == sizeof(c->req)) {
			c->draining = true;
			if (met_http_answer(c, 431))
				met_http_conn_close(c);
			return;
		}
		r = recv(c->conn.fd, c->req + c->n, sizeof(c->req) - c->n, 0);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (r <= 0) {
			c->h->dropped++;
			met_http_conn_close(c);
			return;
		}
		c->n += r;
		if (met_http_head_done(c)) {
			if (met_http_answer(c, met_http_parse(c->req, c->n)))
				met_http_conn_close(c);
			return;
		}
	}
}

static void met_http_conn_cb(void *arg, struct lsn_conn *conn, uint32_t events)
{
	struct met_http_conn *c = met_http_conn_of(conn);

	if (c->out && c->out_off == c->out_len)
		met_http_drain(c);
	else if (c->out)
		met_http_write(c);
	else
		met_http_read(c);
}

static void met_http_accepted(void *arg, struct lsn_conn *conn)
{
	struct met_http_conn *c = met_http_conn_of(conn);

	c->h = arg;
	c->deadline = loop_now_ms() + MET_HTTP_TIMEOUT_MS;
}

/* Over the connection cap, or out of memory: closed unanswered. */
static void met_http_unserved(void *arg, int err)
{
	struct met_http *h = arg;

	h->dropped++;
}

static void met_http_sweep(void *arg, struct lsn_conn *conn, uint64_t now)
{
	struct met_http_conn *c = met_http_conn_of(conn);

	if (now >= c->deadline) {
		c->h->dropped++;
		met_http_conn_close(c);
	}
}

/* "127.0.0.1:PORT" or "[::1]:PORT" (config.c accepts only these). */
static int met_http_addr(const char *addr, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	const char *colon = strrchr(addr, ':');
	char *end;
	long port;

	if (!colon)
		return -EINVAL;
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 1 || port > 65535)
		return -EINVAL;
	memset(ss, 0, sizeof(*ss));
	if (!strncmp(addr, "[::1]:", 6)) {
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		s6->sin6_port = htons(port);
		*len = sizeof(*s6);
	} else if (!strncmp(addr, "127.0.0.1:", 10)) {
		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		s4->sin_port = htons(port);
		*len = sizeof(*s4);
	} else {
		return -EINVAL;
	}
	return 0;
}

static int met_http_listen(const char *addr)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1, err;

	err = met_http_addr(addr, &ss, &len);
	if (err)
		return err;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, MET_HTTP_CONNS) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

struct met_http *met_http_new(struct loop *l, const char *addr, struct met_registry *r,
			      void (*prepare)(void *arg), void *arg)
{
	struct met_http *h = calloc(1, sizeof(*h));
	struct lsn_ops lops = {
		.conn_size = sizeof(struct met_http_conn),
		.max_conns = MET_HTTP_CONNS,
		.sweep_ms = 1000,
		.arg = h,
		.accepted = met_http_accepted,
		.event = met_http_conn_cb,
		.sweep = met_http_sweep,
		.cleanup = met_http_conn_cleanup,
		.unserved = met_http_unserved,
	};
	int fd, err;

	if (!h)
		return NULL;
	h->reg = r;
	h->prepare = prepare;
	h->arg = arg;
	fd = met_http_listen(addr);
	if (fd < 0) {
		free(h);
		errno = -fd;
		return NULL;
	}
	h->lsn = lsn_new(l, fd, &lops);
	if (!h->lsn) {
		err = errno;
		free(h);
		errno = err;
		return NULL;
	}
	return h;
}

void met_http_free(struct met_http *h)
{
	if (!h)
		return;
	lsn_free(h->lsn);
	free(h);
}

void met_http_stats(const struct met_http *h, uint64_t *ok, uint64_t *refused,
		    uint64_t *dropped)
{
	*ok = h ? h->ok : 0;
	*refused = h ? h->refused : 0;
	*dropped = h ? h->dropped : 0;
}
