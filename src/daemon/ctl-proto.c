// SPDX-License-Identifier: GPL-2.0-or-later
/* Control protocol: request checking (pure) and the client side. */

#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "zonewall/ctl.h"
#include "zonewall/diag.h"

int ctl_call_fail(struct ctl_call *call, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(call->error, sizeof(call->error), fmt, ap);
	va_end(ap);
	return err;
}

const char *ctl_refusal_name(enum ctl_refusal r)
{
	static const char *const names[] = {
		"ok", "bad_json", "bad_request", "unknown_command", "too_large",
		"too_many_clients", "slow_subscriber", "failed", "too_slow",
	};

	return (size_t)r < sizeof(names) / sizeof(names[0]) ? names[r] : "failed";
}

json_t *ctl_error_reply(enum ctl_refusal r, const char *why)
{
	return json_pack("{s:b, s:s, s:s}", "ok", 0, "code", ctl_refusal_name(r),
			 "error", why);
}

static const char *ctl_type_name(enum ctl_arg_type t)
{
	return t == CTL_ARG_BOOL ? "a boolean" : t == CTL_ARG_INT ? "an integer" : "a string";
}

static bool ctl_arg_ok(const struct ctl_arg *a, const json_t *v, struct diags *d)
{
	bool ok;

	switch (a->type) {
	case CTL_ARG_BOOL:
		ok = json_is_boolean(v);
		break;
	case CTL_ARG_INT:
		ok = json_is_integer(v);
		if (ok && (json_integer_value(v) < a->min || json_integer_value(v) > a->max)) {
			diag_add(d, "", "'%s' must be in %lld..%lld", a->name, a->min, a->max);
			return false;
		}
		break;
	default:
		ok = json_is_string(v);
		break;
	}
	if (!ok)
		diag_add(d, "", "'%s' must be %s", a->name, ctl_type_name(a->type));
	return ok;
}

static enum ctl_refusal ctl_args_check(const struct ctl_command *c, json_t *req,
				       struct diags *d)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(req, key, v) {
		if (!strcmp(key, "cmd"))
			continue;
		for (i = 0; i < CTL_ARGS_MAX && c->args[i].name; i++)
			if (!strcmp(c->args[i].name, key))
				break;
		if (i == CTL_ARGS_MAX || !c->args[i].name) {
			diag_add(d, "", "%s takes no argument '%.64s'", c->name, key);
			return CTL_BAD_REQUEST;
		}
		if (!ctl_arg_ok(&c->args[i], v, d))
			return CTL_BAD_REQUEST;
	}
	for (i = 0; i < CTL_ARGS_MAX && c->args[i].name; i++) {
		if (c->args[i].required && !json_object_get(req, c->args[i].name)) {
			diag_add(d, "", "%s needs '%s'", c->name, c->args[i].name);
			return CTL_BAD_REQUEST;
		}
	}
	return CTL_OK;
}

/* Whether @line (not NUL-terminated) holds only blanks. */
static bool ctl_blank(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			return false;
	return true;
}

enum ctl_refusal ctl_request_parse(const struct ctl_command *table, const char *line,
				   size_t len, const struct ctl_command **cmd, json_t **req,
				   struct diags *d)
{
	const struct ctl_command *c;
	enum ctl_refusal r;
	json_error_t e;
	const char *name;
	json_t *o;

	*cmd = NULL;
	*req = NULL;
	if (len > CTL_LINE_MAX) {
		diag_add(d, "", "request longer than %d bytes", CTL_LINE_MAX);
		return CTL_TOO_LARGE;
	}
	/* an empty line is a request too: silence would leave the client waiting */
	if (ctl_blank(line, len)) {
		diag_add(d, "", "empty request: send one JSON object per line, "
			 "e.g. {\"cmd\": \"status\"}");
		return CTL_BAD_REQUEST;
	}
	o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &e);
	if (!o) {
		diag_add(d, "", "not JSON: %s at column %d", e.text, e.column);
		return CTL_BAD_JSON;
	}
	if (!json_is_object(o)) {
		diag_add(d, "", "a request is a JSON object");
		r = CTL_BAD_JSON;
		goto out_decref_o;
	}
	name = json_string_value(json_object_get(o, "cmd"));
	if (!name) {
		diag_add(d, "", "a request needs \"cmd\" (a string)");
		r = CTL_BAD_REQUEST;
		goto out_decref_o;
	}
	for (c = table; c->name; c++)
		if (!strcmp(c->name, name))
			break;
	if (!c->name) {
		diag_add(d, "", "unknown command '%.64s'", name);
		r = CTL_UNKNOWN_COMMAND;
		goto out_decref_o;
	}
	r = ctl_args_check(c, o, d);
	if (r != CTL_OK)
		goto out_decref_o;
	*cmd = c;
	*req = o;
	return CTL_OK;
out_decref_o:
	json_decref(o);
	return r;
}

/* --- client ------------------------------------------------------------------------ */

/* Replies (metrics of a big host) can be long; untouched pages cost nothing. */
#define CTL_CONN_BUF (16u << 20)

struct ctl_conn {
	int fd;
	size_t n;
	char *buf;
};

struct ctl_conn *ctl_conn_open(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ctl_conn *k;
	int e;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	strcpy(sa.sun_path, path);
	k = malloc(sizeof(*k));
	if (!k)
		return NULL;
	k->n = 0;
	k->buf = malloc(CTL_CONN_BUF);
	if (!k->buf)
		goto out_free_k;
	k->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (k->fd < 0)
		goto out_free_k;
	if (connect(k->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto out_close_fd;
	return k;
out_close_fd:
	e = errno;
	close(k->fd);
	errno = e;
out_free_k:
	e = errno;
	free(k->buf);
	free(k);
	errno = e;
	return NULL;
}

void ctl_conn_close(struct ctl_conn *k)
{
	if (!k)
		return;
	close(k->fd);
	free(k->buf);
	free(k);
}

int ctl_conn_send(struct ctl_conn *k, const json_t *req)
{
	char *s = json_dumps(req, JSON_COMPACT);
	size_t len, off = 0;
	ssize_t w;
	int err = 0;

	if (!s)
		return -ENOMEM;
	len = strlen(s);
	s[len++] = '\n';	/* json_dumps' NUL becomes the line end */
	while (off < len) {
		w = send(k->fd, s + off, len - off, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		off += w;
	}
	free(s);
	return err;
}

static int ctl_conn_take_line(struct ctl_conn *k, json_t **msg)
{
	char *nl = memchr(k->buf, '\n', k->n);
	size_t len;

	if (!nl)
		return -EAGAIN;
	len = nl - k->buf;
	*msg = json_loadb(k->buf, len, 0, NULL);
	memmove(k->buf, nl + 1, k->n - len - 1);
	k->n -= len + 1;
	if (!*msg || !json_is_object(*msg)) {
		json_decref(*msg);
		*msg = NULL;
		return -EBADMSG;
	}
	return 0;
}

int ctl_conn_recv(struct ctl_conn *k, json_t **msg, int timeout_ms)
{
	struct pollfd p = { .fd = k->fd, .events = POLLIN };
	ssize_t r;
	int err;

	*msg = NULL;
	for (;;) {
		err = ctl_conn_take_line(k, msg);
		if (err != -EAGAIN)
			return err;
		if (k->n == CTL_CONN_BUF)
			return -EBADMSG;
		err = poll(&p, 1, timeout_ms);
		if (err < 0 && errno != EINTR)
			return -errno;
		if (err == 0)
			return -ETIMEDOUT;
		if (err < 0)
			continue;
		r = recv(k->fd, k->buf + k->n, CTL_CONN_BUF - k->n, 0);
		if (r < 0 && errno != EINTR)
			return errno == ECONNRESET ? -ECONNRESET : -errno;
		if (r == 0)
			return -ECONNRESET;
		if (r > 0)
			k->n += r;
	}
}
