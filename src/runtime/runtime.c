// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The runtime client: HTTP over the engine's unix socket with libcurl
 * (version negotiation, list, inspect), and the host-side veth of each
 * container found over rtnetlink.  Which engine answers and what it does
 * beyond the Docker Engine API is its backend's (rt-backend.c); parsing
 * lives in runtime-parse.c, the mapper in runtime-mapper.c.  No logging:
 * everything goes to the caller as return values and error text.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <curl/curl.h>

#include "zonewall/runtime.h"
#include "zonewall/netns-id.h"
#include "runtime-int.h"

int64_t rt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* --- client -------------------------------------------------------------------------- */

size_t rt_body_write(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct rt_body *b = ctx;
	size_t n = size * nmemb, cap;
	char *p;

	if (b->len + n > RT_BODY_MAX) {
		b->too_big = true;
		return 0;	/* aborts the transfer */
	}
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 16384;
		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->buf, cap);
		if (!p)
			return 0;
		b->buf = p;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, data, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return n;
}

static bool rt_socket_answers(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, ok;

	if (strlen(path) >= sizeof(sun.sun_path))
		return false;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	ok = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return ok;
}

bool rt_detect(char *uri, size_t len)
{
	const struct rt_backend *b;

	for (size_t i = 0; (b = rt_backend_at(i)); i++)
		if (b->socket && rt_socket_answers(b->socket)) {
			snprintf(uri, len, "%s://%s", b->name, b->socket);
			return true;
		}
	return false;
}

struct rt_client *rt_client_new(const char *uri, struct diags *d)
{
	const struct rt_backend *b;
	struct rt_client *c;
	const char *p = NULL;
	char expect[256];

	b = rt_backend_of_uri(uri, &p);
	if (!b && !strncmp(uri, "unix://", 7)) {	/* the Engine API's own */
		b = rt_backend_at(0);
		p = uri + 7;
	}
	if (!b || *p != '/' || strlen(p) >= sizeof(c->path)) {
		rt_fail(d, "", "'%.160s': expected %s", uri,
			rt_backend_list(expect, sizeof(expect), false, NULL, "unix:///PATH"));
		errno = EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->b = b;
	strcpy(c->path, p);
	c->curl = curl_easy_init();
	if (!c->curl) {
		free(c);
		errno = ENOMEM;
		return NULL;
	}
	return c;
}

void rt_client_free(struct rt_client *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	free(c);
}

const char *rt_client_runtime(const struct rt_client *c)
{
	return c->b->name;
}

const char *rt_client_api(const struct rt_client *c)
{
	return c->api;
}

/* Map a failed transfer to -errno and its problem at the socket. */
int rt_curl_error(const struct rt_client *c, CURLcode cc, const struct rt_body *b,
		  struct diags *d)
{
	struct stat st;

	if (b->too_big) {
		diag_add(d, c->path, "response larger than %u bytes, aborted", RT_BODY_MAX);
		return -EFBIG;
	}
	if (cc == CURLE_COULDNT_CONNECT) {
		if (stat(c->path, &st)) {
			diag_add(d, c->path, "no such socket (is the %s service running?)",
				 c->b->name);
			return -ENOENT;
		}
		diag_add(d, c->path, "connection refused (the %s service is not running)",
			 c->b->name);
		return -ECONNREFUSED;
	}
	if (cc == CURLE_OPERATION_TIMEDOUT) {
		diag_add(d, c->path, "no answer in time");
		return -ETIMEDOUT;
	}
	diag_add(d, c->path, "%s", curl_easy_strerror(cc));
	return -EIO;
}

void rt_curl_setup(CURL *h, const struct rt_client *c, const char *url)
{
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, c->path);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
}

/* GET @path (with the API prefix when @versioned).  Return: HTTP status or -errno. */
static int rt_get(struct rt_client *c, const char *path, bool versioned, struct rt_body *b,
		  struct diags *d)
{
	char url[512];
	CURLcode cc;
	long status = 0;

	memset(b, 0, sizeof(*b));
	snprintf(url, sizeof(url), "http://localhost%s%s%s", versioned ? "/v" : "",
		 versioned ? c->api : "", path);
	rt_curl_setup(c->curl, c, url);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, 30000L);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, rt_body_write);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, b);
	cc = curl_easy_perform(c->curl);
	if (cc != CURLE_OK) {
		int rc = rt_curl_error(c, cc, b, d);

		free(b->buf);
		memset(b, 0, sizeof(*b));
		return rc;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	if (!b->buf && !rt_body_write((char *)"", 0, 0, b))
		b->buf = calloc(1, 1);
	return b->buf ? (int)status : -ENOMEM;
}

/* An HTTP error at the socket, with the API's {"message": ...} when there is one. */
static int rt_http_error(const struct rt_client *c, const char *path, int status,
			 const struct rt_body *b, struct diags *d)
{
	json_t *root = json_loadb(b->buf, b->len, 0, NULL);
	const char *msg = json_string_value(json_object_get(root, "message"));

	diag_add(d, c->path, "GET %s: HTTP %d%s%.200s", path, status, msg ? ": " : "",
		 msg ? msg : "");
	json_decref(root);
	return status == 404 ? -ENOENT : -EPROTO;
}

int rt_negotiate(struct rt_client *c, struct diags *d)
{
	struct rt_version v;
	struct diags pd;
	struct rt_body b;
	int st, rc;

	st = rt_get(c, "/version", false, &b, d);
	if (st < 0)
		return st;
	if (st != 200) {
		rc = rt_http_error(c, "/version", st, &b, d);
		goto out_free;
	}
	diags_init(&pd);
	rc = rt_parse_version(b.buf, b.len, &v, &pd);
	if (rc) {
		diags_nest(d, &pd, c->path);
		rc = -EPROTO;
		goto out_free;
	}
	if (v.major < 1 || (v.major == 1 && v.minor < RT_API_MIN_MINOR)) {
		diag_add(d, c->path, "the engine speaks API %u.%u; zonewall needs 1.%d or later",
			 v.major, v.minor, RT_API_MIN_MINOR);
		rc = -ENOTSUP;
		goto out_free;
	}
	if (v.major > 1 || v.minor > RT_API_MAX_MINOR)
		snprintf(c->api, sizeof(c->api), "1.%d", RT_API_MAX_MINOR);
	else
		snprintf(c->api, sizeof(c->api), "1.%u", v.minor);
	if (v.engine)
		c->b = v.engine;
	rc = 0;
out_free:
	free(b.buf);
	return rc;
}

/* The inspect URL path for @id, or -EINVAL (@d says why) when @id is not hex. */
int rt_inspect_path(const char *id, char *path, size_t len, struct diags *d)
{
	if (strlen(id) > 128 || strspn(id, "0123456789abcdefABCDEF") != strlen(id))
		return rt_fail(d, "", "'%.64s' is not a container id", id);
	snprintf(path, len, "/containers/%s/json", id);
	return 0;
}

/* An inspect's answer (HTTP @st, body @b) as a record, or NULL with errno. */
struct id_workload *rt_inspect_answer(const struct rt_client *c, const char *path, int st,
				      const struct rt_body *b, struct diags *d)
{
	char where[sizeof(c->path) + 200];
	struct id_workload *w;
	struct diags pd;

	if (st != 200) {
		errno = -rt_http_error(c, path, st, b, d);
		return NULL;
	}
	diags_init(&pd);
	w = rt_parse_inspect(b->buf, b->len, c->b->name, &pd);
	if (!w) {
		snprintf(where, sizeof(where), "%s: %.190s", c->path, path);
		diags_nest(d, &pd, where);
	}
	return w;
}

struct id_workload *rt_inspect(struct rt_client *c, const char *id, struct diags *d)
{
	struct id_workload *w;
	struct rt_body b;
	char path[192];
	int st;

	st = rt_inspect_path(id, path, sizeof(path), d);
	if (!st)
		st = rt_get(c, path, true, &b, d);
	if (st < 0) {
		errno = -st;
		return NULL;
	}
	w = rt_inspect_answer(c, path, st, &b, d);
	free(b.buf);
	return w;
}

int rt_list(struct rt_client *c, struct id_workload ***out, size_t *n, struct diags *d)
{
	struct id_workload **v = NULL, *w;
	size_t n_ids = 0, i;
	char **ids = NULL;
	struct rt_body b;
	struct diags pd;
	int st, rc;

	*out = NULL;
	*n = 0;
	st = rt_get(c, "/containers/json?all=1", true, &b, d);
	if (st < 0)
		return st;
	if (st != 200) {
		rc = rt_http_error(c, "/containers/json", st, &b, d);
		free(b.buf);
		return rc;
	}
	diags_init(&pd);
	rc = rt_parse_list(b.buf, b.len, &ids, &n_ids, &pd);
	free(b.buf);
	if (rc) {
		diags_nest(d, &pd, c->path);
		return rc == -EINVAL ? -EPROTO : rc;
	}
	v = calloc(n_ids + 1, sizeof(*v));
	if (!v) {
		rt_ids_free(ids, n_ids);
		return -ENOMEM;
	}
	for (i = 0; i < n_ids; i++) {
		diags_init(&pd);
		w = rt_inspect(c, ids[i], &pd);
		if (w) {
			v[(*n)++] = w;
			continue;
		}
		if (errno == ENOENT)	/* removed since the list: not an error */
			continue;
		rc = -errno;
		diags_nest(d, &pd, "");
		while (*n > 0)
			id_workload_put(v[--*n]);
		free(v);
		rt_ids_free(ids, n_ids);
		return rc;
	}
	rt_ids_free(ids, n_ids);
	*out = v;
	return 0;
}

/* --- host-side veths ---------------------------------------------------------------- */

/*
 * Per attachment, the container's own namespace first; the dump of every
 * link here only for what that leaves unknown, once per call (see
 * nsid_port_resolve()).  One container's start used to cost a dump of
 * every link on the host.
 */
int rt_ports_resolve(struct id_workload **v, size_t n)
{
	struct nsid_links links = { .valid = false };
	int rc = 0, r;

	for (size_t i = 0; i < n; i++) {
		struct id_workload *w = v[i];

		for (size_t j = 0; w->pid > 0 && j < w->n_nets; j++) {
			struct id_net *net = &w->nets[j];

			r = nsid_port_resolve(w->pid, net->mac, net->gateway, w->n_nets, &links,
					      net->veth, sizeof(net->veth), net->bridge,
					      sizeof(net->bridge));
			if (r && r != -ENOENT && !rc)
				rc = r;
		}
	}
	nsid_links_free(&links);
	return rc;
}