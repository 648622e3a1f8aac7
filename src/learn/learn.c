// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Learning glue: flow rows -> identities and zones -> proposal
 * observations (and policy decisions for replay).  Pure; see learn.h for
 * the resolution rule.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/learn.h"
#include "zonewall/timefmt.h"

#define LEARN_STACK_ITEMS 32	/* labels/networks handled without malloc */

const char *learn_source_name(enum learn_source s)
{
	switch (s) {
	case LEARN_SRC_RUNTIME:
		return "runtime";
	case LEARN_SRC_INVENTORY:
		return "inventory";
	case LEARN_SRC_PROPOSAL:
		return "proposal";
	case LEARN_SRC_FLEET:
		return "fleet";
	case LEARN_SRC_UNKNOWN:
		break;
	}
	return "unknown";
}

static void set_zone(struct learn_end *e, const char *zone, const char *source)
{
	if (!zone || !*zone || strlen(zone) >= sizeof(e->zone)) {
		e->zone[0] = '\0';
		e->zone_source = NULL;
		return;
	}
	memcpy(e->zone, zone, strlen(zone) + 1);
	e->zone_source = source;
}

static void set_unknown(struct learn_end *e)
{
	snprintf(e->identity, sizeof(e->identity), "unknown:%s", e->addr);
	e->source = LEARN_SRC_UNKNOWN;
}

/* The policy's zone for a workload: its labels and networks, and @a. */
static int policy_zone_workload(const struct pol_policy *p, const struct pol_judge *j,
				const struct id_workload *w, const struct id_addr *a, size_t *zone)
{
	struct pol_label lstack[LEARN_STACK_ITEMS], *labels = lstack;
	const char *nstack[LEARN_STACK_ITEMS], **nets = nstack;
	size_t i;
	int err = 0;

	if (w->n_labels > LEARN_STACK_ITEMS)
		labels = calloc(w->n_labels, sizeof(*labels));
	if (w->n_nets > LEARN_STACK_ITEMS)
		nets = calloc(w->n_nets, sizeof(*nets));
	if (!labels || !nets) {
		err = -ENOMEM;
		goto out_free;
	}
	for (i = 0; i < w->n_labels; i++) {
		labels[i].key = w->labels[i].key;
		labels[i].value = w->labels[i].value;
	}
	for (i = 0; i < w->n_nets; i++)
		nets[i] = w->nets[i].name;
	*zone = j ? pol_judge_zone_of(j, labels, w->n_labels, nets, w->n_nets,
				      a->family == AF_INET6 ? 6 : 4, a->a)
		  : pol_zone_of(p, labels, w->n_labels, nets, w->n_nets,
				a->family == AF_INET6 ? 6 : 4, a->a);
out_free:
	if (labels != lstack)
		free(labels);
	if (nets != nstack)
		free(nets);
	return err;
}

/* The source named @name as the learner counts it. */
static enum learn_source learn_source_of(const char *name)
{
	static const enum learn_source known[] = {
		LEARN_SRC_RUNTIME, LEARN_SRC_INVENTORY, LEARN_SRC_FLEET,
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(learn_source_name(known[i]), name))
			return known[i];
	return LEARN_SRC_UNKNOWN;
}

/* The zone the policy's selectors give @a: with @w's labels and networks
 * for a workload, by the address alone for anything else. */
static int policy_zone(const struct learn_env *env, const struct id_workload *w,
		       const struct id_addr *a, struct learn_end *out)
{
	int family = a->family == AF_INET6 ? 6 : 4;
	size_t z;
	int err = 0;

	if (w)
		err = policy_zone_workload(env->pol, env->judge, w, a, &z);
	else
		z = env->judge ? pol_judge_zone_of(env->judge, NULL, 0, NULL, 0, family, a->a)
			       : pol_zone_of(env->pol, NULL, 0, NULL, 0, family, a->a);
	if (!err)
		set_zone(out, env->pol->zones[z].name, "policy");
	return err;
}

/* What source @src found for @a: its identity when a policy can hold it,
 * else unknown:ADDRESS (flagged); its zone, the policy's when there is one. */
static int resolve_hit(const struct learn_env *env, const struct rt_source *src,
		       const struct rt_hit *hit, const struct id_addr *a, struct learn_end *out)
{
	enum learn_source kind = learn_source_of(rt_source_name(src));

	out->source = kind;
	if (hit->identity && pol_identity_valid(hit->identity)) {
		snprintf(out->identity, sizeof(out->identity), "%s", hit->identity);
	} else {
		set_unknown(out);
		out->bad_identity = true;
		/* another host's workload stays the fleet's: its identity is
		 * that host's to fix */
		if (kind == LEARN_SRC_FLEET)
			out->source = kind;
	}
	if (env->pol)
		return policy_zone(env, hit->w, a, out);
	set_zone(out, hit->zone, hit->zone_source);
	return 0;
}

/*
 * An address no source knows, as the proposal of its time recorded it
 * (learn-past.h): its identity then, and its zone then when the policy
 * still has that zone (else the policy's selectors decide, as for any
 * address).  Return: whether it was found.
 */
static bool resolve_past(const struct learn_env *env, int family, const uint8_t addr[16],
			 int64_t t_ns, struct learn_end *out)
{
	const char *zone = NULL;
	const char *id = learn_past_lookup(env->past, family, addr, t_ns / 1000000000, &zone);
	size_t z;

	if (!id || !pol_identity_valid(id))
		return false;
	snprintf(out->identity, sizeof(out->identity), "%s", id);
	out->source = LEARN_SRC_PROPOSAL;
	if (env->pol && zone && pol_zone_find(env->pol, zone) >= 0) {
		set_zone(out, zone, "proposal");
	} else if (env->pol) {
		z = env->judge ? pol_judge_zone_of(env->judge, NULL, 0, NULL, 0, family, addr)
			       : pol_zone_of(env->pol, NULL, 0, NULL, 0, family, addr);
		set_zone(out, env->pol->zones[z].name, "policy");
	} else if (zone) {
		set_zone(out, zone, "proposal");
	}
	return true;
}

int learn_resolve(const struct learn_env *env, int family, const uint8_t addr[16],
		  int64_t t_ns, struct learn_end *out)
{
	struct id_addr a = { 0 };
	struct rt_hit hit;

	if (family != 4 && family != 6)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	a.family = family == 6 ? AF_INET6 : AF_INET;
	memcpy(a.a, addr, family == 6 ? 16 : 4);
	id_addr_format(&a, out->addr, sizeof(out->addr));
	/* A flow at time 0 would mean "now" to an index: use 1 ns instead. */
	for (size_t i = 0; i < env->n_sources; i++)
		if (rt_source_lookup(&env->sources[i], &a, t_ns > 0 ? t_ns : 1, &hit))
			return resolve_hit(env, &env->sources[i], &hit, &a, out);
	if (env->past && resolve_past(env, family, addr, t_ns, out))
		return 0;
	set_unknown(out);
	return env->pol ? policy_zone(env, NULL, &a, out) : 0;
}

int learn_flow(const struct learn_env *env, const struct flow_row *r,
	       struct learn_end *from, struct learn_end *to)
{
	int64_t t = (int64_t)r->first_seen;
	int err = learn_resolve(env, r->key.family, r->key.client, t, from);

	return err ? err : learn_resolve(env, r->key.family, r->key.server, t, to);
}

static void count_end(struct learn_stats *st, const struct learn_end *e)
{
	if (e->source == LEARN_SRC_RUNTIME || e->source == LEARN_SRC_FLEET)
		st->runtime++;
	else if (e->source == LEARN_SRC_INVENTORY)
		st->inventory++;
	else
		st->unknown++;
	st->bad_identity += e->bad_identity;
}

int learn_observe(struct prop_set *s, const struct learn_env *env, const struct flow_row *r,
		  const char *run_id, struct learn_stats *st)
{
	struct learn_stats dummy = { 0 };
	struct learn_end from, to;
	struct prop_obs o = { 0 };
	int err;

	if (!st)
		st = &dummy;
	err = learn_flow(env, r, &from, &to);
	if (err) {
		st->refused++;
		return err;
	}
	o.from = from.identity;
	o.to = to.identity;
	o.from_zone = from.zone[0] ? from.zone : NULL;
	o.to_zone = to.zone[0] ? to.zone : NULL;
	o.proto = r->key.proto;
	/* ICMP rows carry the echo type as their "port"; an edge has none. */
	o.port = pol_proto_has_ports(r->key.proto) ? r->key.port : 0;
	o.packets = r->packets;
	o.first_seen = (int64_t)(r->first_seen / 1000000000u);
	o.last_seen = (int64_t)(r->last_seen / 1000000000u);
	o.sample_from = from.addr;
	o.sample_to = to.addr;
	o.run_id = run_id;
	err = prop_observe(s, &o);
	if (err == -EINVAL)
		st->refused++;
	if (err)
		return err;
	st->flows++;
	count_end(st, &from);
	count_end(st, &to);
	return 0;
}

int learn_observe_rows(struct prop_set *s, const struct learn_env *env,
		       const struct flow_row *rows, size_t n, const char *run_id,
		       struct learn_stats *st)
{
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		err = learn_observe(s, env, &rows[i], run_id, st);
		if (err == -ENOMEM)
			return err;
	}
	return 0;
}

enum pol_decision learn_check(const struct learn_env *env, const struct flow_row *r,
			      struct learn_end *from, struct learn_end *to,
			      struct pol_reason *why)
{
	struct pol_flow f = { 0 };

	if (learn_flow(env, r, from, to)) {
		/* Not a flow the table can hold; judge it as unknown. */
		memset(from, 0, sizeof(*from));
		memset(to, 0, sizeof(*to));
	}
	f.from = from->identity;
	f.to = to->identity;
	f.from_zone = from->zone;
	f.to_zone = to->zone;
	f.proto = r->key.proto;
	f.port = pol_proto_has_ports(r->key.proto) ? r->key.port : 0;
	return env->judge ? pol_judge_check(env->judge, &f, why) : pol_check(env->pol, &f, why);
}

void learn_run_id(char *buf, size_t size, int64_t t, long pid, const char *host)
{
	char h[40], when[TFMT_LEN];
	size_t i;

	snprintf(h, sizeof(h), "%s", host && *host ? host : "host");
	for (i = 0; h[i]; i++)
		if (h[i] <= ' ' || h[i] > '~' || h[i] == '"' || h[i] == '\'' || h[i] == '\\')
			h[i] = '_';
	if (tfmt_rfc3339(when, sizeof(when), t, 0, TFMT_S | TFMT_BASIC) < 0)
		snprintf(when, sizeof(when), "00000000T000000Z");
	snprintf(buf, size, "%s-%s-%ld", h, when, pid);
}
