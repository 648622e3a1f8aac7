// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Identity rules: which rule names a workload (label, compose, kubernetes,
 * image, name) and which zone it is in.  Pure: no I/O, no logging.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <sys/types.h>

#include "zonewall/diag.h"
#include "zonewall/identity.h"
#include "runtime-int.h"

/* --- rules ------------------------------------------------------------------------- */

static const char *const id_churn_labels[] = {
	"pod-template-hash",
	"controller-revision-hash",
	"statefulset.kubernetes.io/pod-name",
	"pod-template-generation",
	"apps.kubernetes.io/pod-index",
	"batch.kubernetes.io/controller-uid",
	"batch.kubernetes.io/job-name",
	"controller-uid",
	"job-name",
	"io.kubernetes.pod.uid",
	"io.kubernetes.pod.name",
	"io.kubernetes.container.restartCount",
	"com.docker.compose.container-number",
	"com.docker.compose.config-hash",
	"com.docker.compose.replace",
	"com.docker.compose.oneoff",
	"io.podman.annotations.pod-id",
	NULL,
};

bool id_label_is_churn(const char *key)
{
	const char *const *c;

	for (c = id_churn_labels; *c; c++)
		if (!strcmp(*c, key))
			return true;
	return false;
}

static void id_rule_clear(struct id_rule *r)
{
	free(r->arg);
	free(r->text);
	r->arg = r->text = NULL;
}

void id_rules_free(struct id_rules *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++)
		id_rule_clear(&r->v[i]);
	for (i = 0; i < r->n_net_zones; i++) {
		free(r->net_zones[i].network);
		free(r->net_zones[i].zone);
	}
	free(r->net_zones);
	free(r->zone_label);
	free(r->default_zone);
	memset(r, 0, sizeof(*r));
}

/* Parse one rule name into @out; a bad one is recorded at @where.  Return: 0, -EINVAL or -ENOMEM. */
static int id_rule_parse(const char *name, struct id_rule *out, struct diags *d, const char *where)
{
	static const struct { const char *name; enum id_rule_kind kind; } kinds[] = {
		{ "compose", ID_RULE_COMPOSE }, { "kubernetes", ID_RULE_KUBERNETES },
		{ "image", ID_RULE_IMAGE }, { "name", ID_RULE_NAME },
	};
	size_t k;

	memset(out, 0, sizeof(*out));
	if (!strncmp(name, "label:", 6)) {
		if (!name[6]) {
			diag_add(d, where, "'label:' needs a label key");
			return -EINVAL;
		}
		if (id_label_is_churn(name + 6)) {
			diag_add(d, where, "label '%s' changes with every rollout and cannot name "
				 "a workload", name + 6);
			return -EINVAL;
		}
		out->kind = ID_RULE_LABEL;
		out->arg = strdup(name + 6);
	} else {
		for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
			if (!strcmp(name, kinds[k].name))
				break;
		if (k == sizeof(kinds) / sizeof(kinds[0])) {
			diag_add(d, where, "unknown rule '%s' (label:KEY, compose, kubernetes, "
				 "image or name)", name);
			return -EINVAL;
		}
		out->kind = kinds[k].kind;
	}
	out->text = strdup(name);
	if (!out->text || (out->kind == ID_RULE_LABEL && !out->arg)) {
		id_rule_clear(out);
		return -ENOMEM;
	}
	return 0;
}

int id_rules_set_order(struct id_rules *r, const char *const *names, size_t n,
		       const char *path, struct diags *d)
{
	struct id_rule v[ID_RULES_MAX];
	char where[DIAG_PATH_LEN];
	size_t i, j, ok = 0;
	int e, rc = 0;

	if (n == 0 || n > ID_RULES_MAX) {
		diag_add(d, path, "between 1 and %d rules, not %zu", ID_RULES_MAX, n);
		return -EINVAL;
	}
	for (i = 0; i < n && rc != -ENOMEM; i++) {
		diag_path_idx(where, path, i);
		e = id_rule_parse(names[i], &v[ok], d, where);
		if (e)
			rc = e;
		else
			ok++;
	}
	if (rc) {
		while (ok-- > 0)
			id_rule_clear(&v[ok]);
		return rc;
	}
	for (j = 0; j < r->n; j++)
		id_rule_clear(&r->v[j]);
	memcpy(r->v, v, n * sizeof(v[0]));
	r->n = n;
	return 0;
}

int id_rules_add_network_zone(struct id_rules *r, const char *network, const char *zone)
{
	struct id_net_zone *v = realloc(r->net_zones, (r->n_net_zones + 1) * sizeof(*v));
	char *n, *z;

	if (!v)
		return -ENOMEM;
	r->net_zones = v;
	n = strdup(network);
	z = strdup(zone);
	if (!n || !z) {
		free(n);
		free(z);
		return -ENOMEM;
	}
	v[r->n_net_zones].network = n;
	v[r->n_net_zones].zone = z;
	r->n_net_zones++;
	return 0;
}

int id_rules_set_default_zone(struct id_rules *r, const char *zone)
{
	return id_workload_set(&r->default_zone, zone);
}

int id_rules_init(struct id_rules *r)
{
	static const char *const order[] = {
		"label:zonewall.identity", "compose", "kubernetes", "image", "name",
	};
	struct diags d;

	memset(r, 0, sizeof(*r));
	diags_init(&d);
	if (id_rules_set_order(r, order, 5, "$", &d) ||
	    id_workload_set(&r->zone_label, "zonewall.zone") ||
	    id_workload_set(&r->default_zone, "default")) {
		id_rules_free(r);
		return -ENOMEM;
	}
	return 0;
}

/* Does @s look like an image id (64 hex digits, maybe "sha256:"-prefixed)? */
static bool id_is_image_id(const char *s)
{
	size_t n = 0;

	if (!strncmp(s, "sha256:", 7))
		return true;
	while (isxdigit((unsigned char)s[n]))
		n++;
	return n == 64 && !s[n];
}

char *id_image_repository(const char *image)
{
	const char *slash, *colon, *p = image;
	size_t len;

	if (!image || !*image || id_is_image_id(image))
		return NULL;
	if (!strncmp(p, "docker.io/", 10))
		p += 10;
	else if (!strncmp(p, "index.docker.io/", 16))
		p += 16;
	if (!strncmp(p, "library/", 8) && strchr(p + 8, '/') == NULL)
		p += 8;
	len = strcspn(p, "@");		/* digest */
	slash = memrchr(p, '/', len);
	colon = memrchr(p, ':', len);
	if (colon && (!slash || colon > slash))	/* a tag, not a registry port */
		len = (size_t)(colon - p);
	if (len == 0)
		return NULL;
	return strndup(p, len);
}

char *id_name_base(const char *name)
{
	size_t len, end;

	if (!name)
		name = "";
	if (*name == '/')
		name++;
	len = end = strlen(name);
	while (end > 0 && isdigit((unsigned char)name[end - 1]))
		end--;
	/* strip "-N", "_N" or ".N", but never the whole name */
	if (end < len && end > 1 && strchr("-_.", name[end - 1]))
		len = end - 1;
	return strndup(name, len);
}

/* The identity one rule gives @w, or NULL when it does not apply (errno 0)
 * or memory ran out (errno ENOMEM). */
static char *id_rule_apply(const struct id_rule *r, const struct id_workload *w)
{
	const char *a, *b;
	char *s;

	errno = 0;
	switch (r->kind) {
	case ID_RULE_LABEL:
		a = id_workload_label(w, r->arg);
		return a && *a ? strdup(a) : NULL;
	case ID_RULE_COMPOSE:
		a = id_workload_label(w, "com.docker.compose.project");
		b = id_workload_label(w, "com.docker.compose.service");
		if (!b || !*b)
			return NULL;
		if (!a || !*a)
			return strdup(b);
		if (asprintf(&s, "%s/%s", a, b) < 0) {
			errno = ENOMEM;
			return NULL;
		}
		return s;
	case ID_RULE_KUBERNETES:
		a = id_workload_label(w, "app.kubernetes.io/name");
		if (!a || !*a)
			a = id_workload_label(w, "app");
		return a && *a ? strdup(a) : NULL;
	case ID_RULE_IMAGE:
		return id_image_repository(w->image);
	case ID_RULE_NAME:
		return w->name && *w->name ? id_name_base(w->name) : NULL;
	}
	return NULL;
}

static int id_resolve_zone(const struct id_rules *r, struct id_workload *w)
{
	const char *z = r->zone_label ? id_workload_label(w, r->zone_label) : NULL;
	size_t i, j;

	w->zone_source = "label";
	if (!z || !*z) {
		z = NULL;
		/* networks are sorted by name, so the answer does not depend on
		 * the order the runtime listed them in */
		for (i = 0; i < w->n_nets && !z; i++)
			for (j = 0; j < r->n_net_zones && !z; j++)
				if (!strcmp(w->nets[i].name, r->net_zones[j].network))
					z = r->net_zones[j].zone;
		w->zone_source = "network";
	}
	if (!z) {
		z = r->default_zone ? r->default_zone : "default";
		w->zone_source = "default";
	}
	return id_workload_set(&w->zone, z);
}

int id_resolve(const struct id_rules *r, struct id_workload *w)
{
	char *ident = NULL;
	size_t i;

	for (i = 0; i < r->n && !ident; i++) {
		ident = id_rule_apply(&r->v[i], w);
		if (!ident && errno == ENOMEM)
			return -ENOMEM;
		if (ident)
			w->identity_rule = r->v[i].text;
	}
	if (!ident) {
		ident = strdup(w->id ? w->id : "");
		w->identity_rule = "id";
		if (!ident)
			return -ENOMEM;
	}
	free(w->identity);
	w->identity = ident;
	return id_resolve_zone(r, w);
}
