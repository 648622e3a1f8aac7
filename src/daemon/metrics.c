// SPDX-License-Identifier: GPL-2.0-or-later
/* Metrics registry and its Prometheus text rendering (pure: no I/O). */

#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/metrics.h"

struct met_series {
	char **values;
	double value;
	bool counter;
};

struct met_family {
	char *name;
	char *help;
	enum met_type type;
	size_t nlabels;
	char *labels[MET_LABELS_MAX];
	struct met_series **series;
	size_t nseries, cap;
};

struct met_registry {
	struct met_family **fam;
	size_t n, cap;
};

struct met_registry *met_registry_new(void)
{
	return calloc(1, sizeof(struct met_registry));
}

static void met_series_free(struct met_series *s, size_t nlabels)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < nlabels; i++)
		free(s->values[i]);
	free(s->values);
	free(s);
}

void met_family_clear(struct met_family *f)
{
	size_t i;

	if (!f)
		return;
	/* A family without labels keeps its one series: it is always shown. */
	if (!f->nlabels) {
		if (f->nseries)
			f->series[0]->value = 0;
		return;
	}
	for (i = 0; i < f->nseries; i++)
		met_series_free(f->series[i], f->nlabels);
	f->nseries = 0;
}

static void met_family_free(struct met_family *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->nseries; i++)
		met_series_free(f->series[i], f->nlabels);
	for (i = 0; i < f->nlabels; i++)
		free(f->labels[i]);
	free(f->series);
	free(f->name);
	free(f->help);
	free(f);
}

void met_registry_free(struct met_registry *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++)
		met_family_free(r->fam[i]);
	free(r->fam);
	free(r);
}

static bool met_name_ok(const char *s, bool colon)
{
	const char *p;

	if (!s || !*s || (*s >= '0' && *s <= '9'))
		return false;
	for (p = s; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || (colon && *p == ':')))
			return false;
	}
	return true;
}

static bool met_grow(void *pv, size_t *cap, size_t n, size_t elem)
{
	void **p = pv;
	size_t ncap;
	void *np;

	if (n < *cap)
		return true;
	ncap = *cap ? *cap * 2 : 8;
	np = realloc(*p, ncap * elem);
	if (!np)
		return false;
	*p = np;
	*cap = ncap;
	return true;
}

static int met_family_check(const struct met_registry *r, const char *name,
			    const char *const *labels, size_t *nlabels)
{
	size_t i, n = 0;

	if (!met_name_ok(name, true))
		return EINVAL;
	for (i = 0; i < r->n; i++)
		if (!strcmp(r->fam[i]->name, name))
			return EEXIST;
	while (labels && labels[n]) {
		if (n == MET_LABELS_MAX || !met_name_ok(labels[n], false) ||
		    !strncmp(labels[n], "__", 2))
			return EINVAL;
		n++;
	}
	*nlabels = n;
	return 0;
}

struct met_family *met_family_add(struct met_registry *r, const char *name, const char *help,
				  enum met_type type, const char *const *labels)
{
	struct met_family *f;
	size_t i, nlabels = 0;
	int err;

	err = met_family_check(r, name, labels, &nlabels);
	if (err) {
		errno = err;
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->name = strdup(name);
	f->help = strdup(help ? help : "");
	f->type = type;
	f->nlabels = nlabels;
	for (i = 0; i < nlabels; i++)
		if (!(f->labels[i] = strdup(labels[i])))
			goto out_free_f;
	if (!f->name || !f->help || !met_grow(&r->fam, &r->cap, r->n, sizeof(*r->fam)))
		goto out_free_f;
	if (!nlabels && !met_series_get(f, NULL))
		goto out_free_f;
	r->fam[r->n++] = f;
	return f;
out_free_f:
	met_family_free(f);
	errno = ENOMEM;
	return NULL;
}

static struct met_series *met_series_new(struct met_family *f, const char *const *values)
{
	struct met_series *s = calloc(1, sizeof(*s));
	size_t i;

	if (!s)
		return NULL;
	s->counter = f->type == MET_COUNTER;
	s->values = calloc(f->nlabels ? f->nlabels : 1, sizeof(char *));
	if (!s->values)
		goto out_free_s;
	for (i = 0; i < f->nlabels; i++)
		if (!(s->values[i] = strdup(values[i] ? values[i] : "")))
			goto out_free_s;
	return s;
out_free_s:
	met_series_free(s, f->nlabels);
	errno = ENOMEM;
	return NULL;
}

static bool met_values_equal(const struct met_family *f, const struct met_series *s,
			     const char *const *values)
{
	size_t i;

	for (i = 0; i < f->nlabels; i++)
		if (strcmp(s->values[i], values[i] ? values[i] : ""))
			return false;
	return true;
}

struct met_series *met_series_get(struct met_family *f, const char *const *values)
{
	struct met_series *s;
	size_t i;

	if (!f) {
		errno = EINVAL;
		return NULL;
	}
	for (i = 0; i < f->nseries; i++)
		if (met_values_equal(f, f->series[i], values))
			return f->series[i];
	if (f->nseries >= MET_SERIES_MAX) {
		errno = E2BIG;
		return NULL;
	}
	if (!met_grow(&f->series, &f->cap, f->nseries, sizeof(*f->series))) {
		errno = ENOMEM;
		return NULL;
	}
	s = met_series_new(f, values);
	if (s)
		f->series[f->nseries++] = s;
	return s;
}

struct met_series *met_series_get1(struct met_family *f, const char *value)
{
	const char *v[1] = { value };

	return met_series_get(f, v);
}

struct met_series *met_series_get2(struct met_family *f, const char *v1, const char *v2)
{
	const char *v[2] = { v1, v2 };

	return met_series_get(f, v);
}

struct met_series *met_scalar(struct met_family *f)
{
	return f && !f->nlabels && f->nseries ? f->series[0] : NULL;
}

void met_add(struct met_series *s, double delta)
{
	if (s && !(s->counter && delta < 0))
		s->value += delta;
}

void met_inc(struct met_series *s)
{
	met_add(s, 1);
}

void met_set(struct met_series *s, double value)
{
	if (s && !(s->counter && value < s->value))
		s->value = value;
}

double met_value(const struct met_series *s)
{
	return s ? s->value : 0;
}

/* HELP text escapes backslash and newline; label values also the double quote. */
static void met_escape(FILE *f, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (quote && *s == '"')
			fputs("\\\"", f);
		else
			fputc(*s, f);
	}
}

static void met_number(FILE *f, double v)
{
	if (isnan(v))
		fputs("NaN", f);
	else if (isinf(v))
		fputs(v > 0 ? "+Inf" : "-Inf", f);
	else if (v > -9007199254740992.0 && v < 9007199254740992.0 && v == (double)(int64_t)v)
		fprintf(f, "%lld", (long long)v);
	else
		fprintf(f, "%.17g", v);
}

static void met_render_family(FILE *out, const struct met_family *f)
{
	size_t i, j;

	fprintf(out, "# HELP %s ", f->name);
	met_escape(out, f->help, false);
	fprintf(out, "\n# TYPE %s %s\n", f->name, f->type == MET_COUNTER ? "counter" : "gauge");
	for (i = 0; i < f->nseries; i++) {
		fputs(f->name, out);
		for (j = 0; j < f->nlabels; j++) {
			fprintf(out, "%s%s=\"", j ? "," : "{", f->labels[j]);
			met_escape(out, f->series[i]->values[j], true);
			fputc('"', out);
		}
		fputs(f->nlabels ? "} " : " ", out);
		met_number(out, f->series[i]->value);
		fputc('\n', out);
	}
}

int met_render(const struct met_registry *r, char **out, size_t *len)
{
	FILE *f;
	size_t i;

	*out = NULL;
	*len = 0;
	f = open_memstream(out, len);
	if (!f)
		return -ENOMEM;
	for (i = 0; i < r->n; i++)
		met_render_family(f, r->fam[i]);
	if (fclose(f) != 0 || !*out) {
		free(*out);
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}
