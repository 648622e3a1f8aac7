// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * policy.json's zones parsed and checked: names, modes and the labels,
 * networks and CIDRs that match endpoints.
 */

#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/policy.h"

#include "policy-int.h"

/* --- zones ---------------------------------------------------------------- */

/* Parse "ADDR" or "ADDR/LEN".  Return 0, -EINVAL (malformed), -EEXIST (host
 * bits set; @c then holds the masked network for the hint). */
static int cidr_parse(const char *s, struct pol_cidr *c)
{
	char buf[64], *slash, *end;
	unsigned int max, full, i;
	unsigned long len;
	int host = 0;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, c->addr) == 1) {
		c->family = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, c->addr) == 1) {
		c->family = 6;
		max = 128;
	} else {
		return -EINVAL;
	}
	len = max;
	if (slash) {
		if (!isdigit((unsigned char)slash[1]))
			return -EINVAL;
		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (*end || errno || len > max || (slash[1] == '0' && slash[2]))
			return -EINVAL;
	}
	c->prefix = (uint8_t)len;
	full = c->prefix / 8;
	for (i = full; i < 16; i++) {
		uint8_t keep = i == full ? (uint8_t)(0xff << (8 - c->prefix % 8)) : 0;

		if (i == full && c->prefix % 8 == 0)
			keep = 0;
		if (c->addr[i] & ~keep)
			host = 1;
		c->addr[i] &= keep;
	}
	return host ? -EEXIST : 0;
}

/* A growable array (of anything): make room for one more element. */
static void *grow(struct pctx *c, void *arr, size_t n, size_t elem)
{
	void *r = realloc(arr, (n + 1) * elem);

	if (!r) {
		c->nomem = true;
		return NULL;
	}
	memset((char *)r + n * elem, 0, elem);
	return r;
}

static bool zone_name_eq(const struct pol_policy *p, size_t i, const void *name)
{
	return p->zones[i].name && !strcmp(p->zones[i].name, name);
}

/* pol_zone_find() among the zones parsed so far, by the index. */
long pol_ctx_zone_find(const struct pctx *c, const struct pol_policy *p, const char *name)
{
	return pol_pidx_find(&c->zones, hash_str(HASH_INIT, name), zone_name_eq, p, name);
}

static void parse_labels(struct pctx *c, const char *path, json_t *obj, struct pol_zone *z)
{
	char kp[PATH_LEN];
	const char *key;
	json_t *v;
	void *na;

	json_object_foreach(obj, key, v) {
		diag_path_key(kp, path, key);
		if (!diag_want_type(c->d, kp, v, JSON_STRING, "a string"))
			continue;
		if (!*key || !json_string_length(v)) {
			diag_add(c->d, kp, "label keys and values must not be empty");
			continue;
		}
		na = grow(c, z->labels, z->n_labels, sizeof(*z->labels));
		if (!na)
			return;
		z->labels = na;
		z->labels[z->n_labels].key = xstrdup(c, key);
		z->labels[z->n_labels].value = xstrdup(c, json_string_value(v));
		z->n_labels++;
	}
}

static void parse_networks(struct pctx *c, const char *path, json_t *arr, struct pol_zone *z)
{
	char ip[PATH_LEN];
	size_t i;
	json_t *v;
	void *na;

	json_array_foreach(arr, i, v) {
		diag_path_idx(ip, path, i);
		if (!diag_want_type(c->d, ip, v, JSON_STRING, "a network name"))
			continue;
		if (!json_string_length(v) || !pol_identity_valid(json_string_value(v))) {
			diag_add(c->d, ip, "invalid network name");
			continue;
		}
		na = grow(c, z->networks, z->n_networks, sizeof(*z->networks));
		if (!na)
			return;
		z->networks = na;
		z->networks[z->n_networks++] = xstrdup(c, json_string_value(v));
	}
}

static void parse_cidrs(struct pctx *c, const char *path, json_t *arr, struct pol_zone *z)
{
	char ip[PATH_LEN], net[INET6_ADDRSTRLEN];
	struct pol_cidr cidr;
	const char *s;
	size_t i;
	json_t *v;
	void *na;
	int err;

	json_array_foreach(arr, i, v) {
		diag_path_idx(ip, path, i);
		if (!diag_want_type(c->d, ip, v, JSON_STRING, "a CIDR string"))
			continue;
		s = json_string_value(v);
		err = cidr_parse(s, &cidr);
		if (err == -EEXIST) {
			inet_ntop(cidr.family == 4 ? AF_INET : AF_INET6, cidr.addr, net, sizeof(net));
			diag_add(c->d, ip, "invalid CIDR '%.60s': host bits set (network is %s/%u)",
				 s, net, cidr.prefix);
			continue;
		}
		if (err) {
			diag_add(c->d, ip, "invalid CIDR '%.60s'", s);
			continue;
		}
		na = grow(c, z->cidrs, z->n_cidrs, sizeof(*z->cidrs));
		if (!na)
			return;
		z->cidrs = na;
		cidr.text = xstrdup(c, s);
		z->cidrs[z->n_cidrs++] = cidr;
	}
}

static void parse_match(struct pctx *c, const char *path, json_t *m, struct pol_zone *z)
{
	static const char *const keys[] = { "labels", "networks", "cidrs", NULL };
	char kp[PATH_LEN];
	json_t *v;

	diag_check_keys(c->d, path, m, keys, "labels, networks, cidrs");
	v = diag_member(c->d, path, m, "labels", JSON_OBJECT, "an object of label: value", false);
	if (v) {
		diag_path_key(kp, path, "labels");
		parse_labels(c, kp, v, z);
	}
	v = diag_member(c->d, path, m, "networks", JSON_ARRAY, "an array", false);
	if (v) {
		diag_path_key(kp, path, "networks");
		parse_networks(c, kp, v, z);
	}
	v = diag_member(c->d, path, m, "cidrs", JSON_ARRAY, "an array", false);
	if (v) {
		diag_path_key(kp, path, "cidrs");
		parse_cidrs(c, kp, v, z);
	}
}

static void parse_zone(struct pctx *c, struct pol_policy *p, const char *path, json_t *o)
{
	static const char *const keys[] = { "name", "comment", "mode", "match", NULL };
	struct pol_zone *z = &p->zones[p->n_zones];
	char kp[PATH_LEN], got[64];
	const char *name, *mode;
	json_t *m;
	int v;

	diag_check_keys(c->d, path, o, keys, "name, comment, mode, match");
	name = string_member(c, path, o, "name", true, NULL);
	diag_path_key(kp, path, "name");
	if (name && !pol_zone_name_valid(name)) {
		/* as JSON: a newline in it must not start a line of its own */
		diag_json_preview(json_object_get(o, "name"), got, sizeof(got));
		diag_add(c->d, kp, "invalid zone name %s (1-%d letters, digits, '-', '_')",
			 got, POL_ZONE_NAME_MAX);
	} else if (name && pol_ctx_zone_find(c, p, name) >= 0) {
		diag_add(c->d, kp, "duplicate zone '%s'", name);
	}
	/* Keep even a bad zone, named, so references to it do not cascade. */
	z->name = xstrdup(c, name ? name : "");
	if (z->name && pol_ctx_zone_find(c, p, z->name) < 0)
		pol_pidx_add(c, &c->zones, hash_str(HASH_INIT, z->name), p->n_zones);
	p->n_zones++;
	string_member(c, path, o, "comment", false, &z->comment);
	mode = string_member(c, path, o, "mode", true, NULL);
	if (mode) {
		v = enum_parse(mode, pol_mode_names, 3);
		diag_path_key(kp, path, "mode");
		if (v < 0)
			diag_add(c->d, kp, "expected one of learn, monitor, enforce, got '%.40s'", mode);
		else
			z->mode = (enum pol_mode)v;
	}
	m = diag_member(c->d, path, o, "match", JSON_OBJECT, "an object", false);
	if (m) {
		diag_path_key(kp, path, "match");
		parse_match(c, kp, m, z);
	}
}

void pol_zones_parse(struct pctx *c, struct pol_policy *p, json_t *arr)
{
	char ip[PATH_LEN];
	size_t i;
	json_t *v;

	if (json_array_size(arr) == 0)
		diag_add(c->d, "$.zones", "at least one zone is needed");
	p->zones = calloc(json_array_size(arr) + 1, sizeof(*p->zones));
	if (!p->zones) {
		c->nomem = true;
		return;
	}
	json_array_foreach(arr, i, v) {
		diag_path_idx(ip, "$.zones", i);
		if (diag_want_type(c->d, ip, v, JSON_OBJECT, "a zone object"))
			parse_zone(c, p, ip, v);
	}
}

