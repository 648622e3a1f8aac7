// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zonewall explain: would FROM reach TO on PROTO/PORT, and why.  Each end is
 * an address, an identity or zone:NAME.  Addresses and identities go
 * through the path replay takes (learn_check(): the same resolution to
 * identities and zones, the same pol_check()), so the two always agree; an
 * identity is first turned into one of its addresses (inventory entry or
 * running container).  zone:NAME stands for a workload of that zone that no
 * identity rule names.  The verdict's effect follows the stricter mode of
 * the two zones, as the compiled ruleset does.
 */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "cli.h"
#include "cli-learn.h"
#include "cli-policy.h"

/* The exit status of a refused flow: the answer "no", told apart from the
 * errors (1, 2) for scripts. */
#define EXPLAIN_REFUSED 3

struct explain_opts {
	const char *from, *to, *service;
	const char *policy, *inventory, *runtime;
	bool json;
};

/* One end, as asked and as resolved. */
struct explain_end {
	const char *asked;
	bool is_zone;			/* zone:NAME */
	struct id_addr addr;		/* for an address or an identity */
	struct learn_end e;		/* resolved */
};

static const char usage[] =
	"Usage: zonewall explain FROM TO PROTO[/PORT] --policy POLICY\n"
	"                        [--inventory FILE] [--runtime URI] [--json]\n"
	"\n"
	"Would FROM reach TO, and why: the verdict, the rule, border or default\n"
	"that decides it, and what the zones' modes make of it.  FROM and TO are\n"
	"each an address, an identity (found in the inventory or among the\n"
	"runtime's containers) or zone:NAME (a workload of that zone no identity\n"
	"rule names).  PROTO is tcp, udp, icmp, icmpv6 or a number; tcp and udp\n"
	"take /PORT.  The answer is the one replay gives for the same flow.\n"
	"\n"
	"  -p, --policy FILE      the policy (required)\n"
	"      --inventory FILE   static inventory\n"
	"      --runtime URI      container runtime (default: the first that answers)\n"
	"  -j, --json             print one JSON object\n"
	"  -h, --help             show this help\n"
	"\n"
	"Exit status: 0 allowed; 3 refused (enforced, or would be); 1 an end cannot\n"
	"be resolved or the runtime failed; 2 usage error, invalid policy or\n"
	"inventory.\n";

/* Return: -1 when the caller returns @*status now. */
static int explain_parse(struct explain_opts *o, int argc, char **argv, int *status)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "inventory", required_argument, NULL, 'I' },
		{ "runtime", required_argument, NULL, 'R' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = cli_getopt("explain", usage, argc, argv, ":p:jh", opts, status)) != -1) {
		if (c == CLI_DONE)
			return -1;
		if (c == 'p')
			o->policy = optarg;
		else if (c == 'I')
			o->inventory = optarg;
		else if (c == 'R')
			o->runtime = optarg;
		else if (c == 'j')
			o->json = true;
	}
	if (argc - optind != 3)
		*status = cli_usage_error("explain", "expected FROM TO PROTO[/PORT]");
	else if (!o->policy)
		*status = cli_usage_error("explain", "--policy is required");
	if (*status)
		return -1;
	o->from = argv[optind];
	o->to = argv[optind + 1];
	o->service = argv[optind + 2];
	return 0;
}

/* "tcp/5432", "udp/53", "icmp", "icmpv6", "47": protocol and port. */
static int explain_service(const char *s, uint8_t *proto, uint16_t *port)
{
	char name[16];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long v;
	char *end;

	if (!n || n >= sizeof(name))
		return -EINVAL;
	memcpy(name, s, n);
	name[n] = '\0';
	*proto = pol_proto_parse(name);
	if (!*proto) {
		errno = 0;
		v = strtoul(name, &end, 10);
		if (errno || *end || !v || v > 255)
			return -EINVAL;
		*proto = (uint8_t)v;
	}
	*port = *proto == IPPROTO_ICMP ? 8 : *proto == IPPROTO_ICMPV6 ? 128 : 0;
	if (pol_proto_has_ports(*proto) != (slash != NULL))
		return -EINVAL;
	if (!slash)
		return 0;
	errno = 0;
	v = strtoul(slash + 1, &end, 10);
	if (errno || *end || !slash[1] || !v || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

#define EXPLAIN_ADDRS_MAX 64

/* Append to @v[*n..max) the single addresses of address entry @e when it
 * is @identity's: its host CIDRs (*@ranges counts the wider ones). */
static void explain_entry_addrs(const struct inv_entry *e, const char *identity,
				struct id_addr *v, size_t *n, size_t max, size_t *ranges)
{
	for (size_t j = 0; !strcmp(e->name, identity) && j < e->n_cidrs; j++) {
		if (e->cidrs[j].len != (e->cidrs[j].addr.family == AF_INET ? 32u : 128u))
			(*ranges)++;
		else if (*n < max)
			v[(*n)++] = e->cidrs[j].addr;
	}
}

/* The same for workload @w: its attachments' addresses while it runs. */
static void explain_workload_addrs(const struct id_workload *w, const char *identity,
				   struct id_addr *v, size_t *n, size_t max)
{
	if (!w->identity || strcmp(w->identity, identity) || !w->state ||
	    strcmp(w->state, "running"))
		return;
	for (size_t j = 0; j < w->n_nets && *n < max; j++) {
		if (w->nets[j].ipv4[0] && !id_addr_parse(w->nets[j].ipv4, &v[*n]))
			(*n)++;
		if (*n < max && w->nets[j].ipv6[0] && !id_addr_parse(w->nets[j].ipv6, &v[*n]))
			(*n)++;
	}
}

/* @identity's single addresses in every source's records, the address
 * entries' first.  Return: how many (at most @max); *@ranges counts the
 * wider CIDRs. */
static size_t explain_identity_addrs(const struct clearn *l, const char *identity,
				     struct id_addr *v, size_t max, size_t *ranges)
{
	const struct learn_env *env = &l->env;
	struct rt_record r;
	size_t n = 0;

	*ranges = 0;
	for (int entries = 1; entries >= 0; entries--)
		for (size_t k = 0; k < env->n_sources; k++)
			for (size_t i = 0; i < rt_source_count(&env->sources[k]); i++) {
				rt_source_at(&env->sources[k], i, &r);
				if (entries && r.e)
					explain_entry_addrs(r.e, identity, v, &n, max, ranges);
				else if (!entries && r.w)
					explain_workload_addrs(r.w, identity, v, &n, max);
			}
	return n;
}

/*
 * The address an identity is judged by.  Zones come from the policy's
 * selectors per address, so an identity whose addresses lie in different
 * zones (or that is a range) has no one answer: the operator is asked for
 * an address instead of being given one picked at random.
 */
static int explain_identity_addr(const struct clearn *l, const char *identity,
				 struct id_addr *out)
{
	struct id_addr v[EXPLAIN_ADDRS_MAX];
	struct learn_end first, e;
	size_t ranges, n = explain_identity_addrs(l, identity, v, EXPLAIN_ADDRS_MAX, &ranges);

	if (!n && ranges)
		return cli_fail("explain", "%s is an address range in the inventory: ask with one "
				"of its addresses", identity);
	if (!n)
		return cli_fail("explain", "%s: not an address, and neither the inventory nor "
				"the runtime's running containers know this identity%s", identity,
				l->idx ? "" : " (no runtime answered)");
	for (size_t i = 0; i < n; i++) {
		learn_resolve(&l->env, v[i].family == AF_INET ? 4 : 6, v[i].a, 1, i ? &e : &first);
		if (i && strcmp(e.zone, first.zone))
			return cli_fail("explain", "%s has addresses in zones %s (%s) and %s (%s): ask "
					"with an address", identity, first.zone, first.addr, e.zone,
					e.addr);
	}
	*out = v[0];
	return CLI_OK;
}

static int explain_end_prepare(const struct clearn *l, struct explain_end *x)
{
	const char *zone;

	if (!strncmp(x->asked, "zone:", 5)) {
		zone = x->asked + 5;
		if (pol_zone_find(l->pol, zone) < 0)
			return cli_fail("explain", "%s: the policy has no zone %s", x->asked, zone);
		x->is_zone = true;
		snprintf(x->e.identity, sizeof(x->e.identity), "%s", x->asked);
		snprintf(x->e.zone, sizeof(x->e.zone), "%s", zone);
		return CLI_OK;
	}
	if (!id_addr_parse(x->asked, &x->addr))
		return CLI_OK;
	return explain_identity_addr(l, x->asked, &x->addr);
}

/* Resolve and judge as replay does (learn_check()), or, with a zone:NAME
 * end, judge the ends as they are (pol_check()). */
static enum pol_decision explain_judge(const struct clearn *l, struct explain_end *from,
				       struct explain_end *to, uint8_t proto, uint16_t port,
				       struct pol_reason *why)
{
	struct flow_row r = { .key = { .proto = proto, .port = port } };
	struct pol_flow f = { .proto = proto, .port = pol_proto_has_ports(proto) ? port : 0 };
	struct learn_end a, b;

	if (!from->is_zone && !to->is_zone) {
		r.key.family = from->addr.family == AF_INET ? 4 : 6;
		memcpy(r.key.client, from->addr.a, 16);
		memcpy(r.key.server, to->addr.a, 16);
		return learn_check(&l->env, &r, &from->e, &to->e, why);
	}
	/* one concrete end: resolve it alone, against itself */
	for (int i = 0; i < 2; i++) {
		struct explain_end *x = i ? to : from;

		if (x->is_zone)
			continue;
		r.key.family = x->addr.family == AF_INET ? 4 : 6;
		memcpy(r.key.client, x->addr.a, 16);
		memcpy(r.key.server, x->addr.a, 16);
		learn_flow(&l->env, &r, &a, &b);
		x->e = a;
	}
	f.from = from->e.identity;
	f.to = to->e.identity;
	f.from_zone = from->e.zone;
	f.to_zone = to->e.zone;
	return pol_check(l->pol, &f, why);
}

static const char *const decision_names[] = {
	[POL_ALLOWED_BY_RULE] = "rule",
	[POL_ALLOWED_BY_BORDER] = "border-allow",
	[POL_REFUSED_BY_BORDER] = "border-deny",
	[POL_REFUSED_NO_RULE] = "no-rule",
};

static bool explain_refused(enum pol_decision d)
{
	return d == POL_REFUSED_BY_BORDER || d == POL_REFUSED_NO_RULE;
}

/* What decided, in words (replay's WHY column). */
static void explain_why(const struct pol_policy *p, enum pol_decision d,
			const struct pol_reason *why, char *buf, size_t len)
{
	const char *fz = p->zones[why->from_zone].name, *tz = p->zones[why->to_zone].name;

	if (d == POL_ALLOWED_BY_RULE)
		snprintf(buf, len, "rule $.allow[%zu] %s -> %s", (size_t)(why->rule - p->rules),
			 why->rule->from, why->rule->to);
	else if (d == POL_REFUSED_BY_BORDER)
		snprintf(buf, len, "border %s -> %s: deny%s", fz, tz, why->border ? "" : " (default)");
	else if (d == POL_ALLOWED_BY_BORDER)
		snprintf(buf, len, "border %s -> %s: allow%s", fz, tz, why->border ? "" : " (default)");
	else
		snprintf(buf, len, "no rule names it (border %s -> %s: allowlist%s)", fz, tz,
			 why->border ? "" : ", the default");
}

/* The stricter of the two zones' modes: what the kernel does with a refusal. */
static enum pol_mode explain_mode(const struct pol_policy *p, const struct pol_reason *why)
{
	enum pol_mode a = p->zones[why->from_zone].mode, b = p->zones[why->to_zone].mode;

	return a > b ? a : b;
}

static const char *explain_effect(enum pol_decision d, enum pol_mode m)
{
	if (!explain_refused(d))
		return "accepted";
	return m == POL_MODE_ENFORCE ? "dropped" : m == POL_MODE_MONITOR ?
	       "accepted, logged as would-deny" : "accepted (learning)";
}

static json_t *explain_end_json(const struct pol_policy *p, const struct explain_end *x)
{
	long z = pol_zone_find(p, x->e.zone);

	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?}", "asked", x->asked,
			 "identity", x->e.identity, "zone", x->e.zone,
			 "zone_mode", z >= 0 ? pol_mode_name(p->zones[z].mode) : "",
			 "source", x->is_zone ? "zone" : learn_source_name(x->e.source),
			 "address", x->is_zone ? NULL : x->e.addr);
}

static int explain_print(const struct clearn *l, const struct explain_opts *o,
			 const struct explain_end *from, const struct explain_end *to,
			 enum pol_decision d, const struct pol_reason *why)
{
	enum pol_mode m = explain_mode(l->pol, why);
	char by[300];
	json_t *j;
	int err;

	explain_why(l->pol, d, why, by, sizeof(by));
	if (!o->json) {
		printf("%s -> %s %s: %s\n", o->from, o->to, o->service,
		       explain_refused(d) ? "refused" : "allowed");
		printf("  from      %s (zone %s, %s)%s%s\n", from->e.identity, from->e.zone,
		       from->is_zone ? "any workload of it" : learn_source_name(from->e.source),
		       from->is_zone ? "" : " at ", from->is_zone ? "" : from->e.addr);
		printf("  to        %s (zone %s, %s)%s%s\n", to->e.identity, to->e.zone,
		       to->is_zone ? "any workload of it" : learn_source_name(to->e.source),
		       to->is_zone ? "" : " at ", to->is_zone ? "" : to->e.addr);
		printf("  decided   %s\n", by);
		printf("  in effect %s (zone modes: %s %s, %s %s)\n", explain_effect(d, m),
		       l->pol->zones[why->from_zone].name,
		       pol_mode_name(l->pol->zones[why->from_zone].mode),
		       l->pol->zones[why->to_zone].name,
		       pol_mode_name(l->pol->zones[why->to_zone].mode));
		return 0;
	}
	j = json_pack("{s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:s}", "verdict",
		      explain_refused(d) ? "refused" : "allowed", "reason", decision_names[d],
		      "service", o->service, "from", explain_end_json(l->pol, from),
		      "to", explain_end_json(l->pol, to), "why", by,
		      "mode", pol_mode_name(m), "effect", explain_effect(d, m));
	if (!j)
		return -ENOMEM;
	err = clip_json_print(j);
	json_decref(j);
	return err;
}

int cmd_explain_main(int argc, char **argv)
{
	struct explain_opts o = { 0 };
	struct explain_end from = { 0 }, to = { 0 };
	struct pol_reason why;
	enum pol_decision d;
	uint8_t proto;
	uint16_t port;
	struct clearn l;
	int status = CLI_OK, err;

	if (explain_parse(&o, argc, argv, &status))
		return status;
	if (explain_service(o.service, &proto, &port))
		return cli_usage_error("explain", "%s: expected tcp/PORT, udp/PORT, icmp, icmpv6 "
				       "or a protocol number (1-255; /PORT only with tcp and udp)",
				       o.service);
	from.asked = o.from;
	to.asked = o.to;
	status = clearn_open(&l, "explain", o.inventory, o.policy, o.runtime, true);
	if (!status)
		status = explain_end_prepare(&l, &from);
	if (!status)
		status = explain_end_prepare(&l, &to);
	if (!status && !from.is_zone && !to.is_zone && from.addr.family != to.addr.family)
		status = cli_fail("explain", "%s and %s are not of one address family",
				  o.from, o.to);
	if (status)
		goto out_close;
	d = explain_judge(&l, &from, &to, proto, port, &why);
	err = explain_print(&l, &o, &from, &to, d, &why);
	if (err)
		status = cli_fail("explain", "cannot write output: %s", strerror(-err));
	else if (explain_refused(d))
		status = EXPLAIN_REFUSED;
out_close:
	clearn_close(&l);
	return status;
}
