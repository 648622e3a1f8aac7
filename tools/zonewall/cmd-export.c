// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zonewall export: a policy as Kubernetes NetworkPolicy YAML, or a policy
 * or proposal as a Graphviz DOT flow graph.
 *
 * Kubernetes mapping (docs/workflow.md, export): a workload identity X
 * is the pods labelled app.kubernetes.io/name=X; "zone:Z" is the pods
 * labelled zonewall.zone=Z; "unknown:ADDR" is an ipBlock ADDR/32 (or
 * /128).  One default-deny-ingress policy, then one NetworkPolicy per
 * destination identity with one ingress entry per allow rule, and one per
 * "allow" border.  What NetworkPolicy cannot say (ICMP, an unknown address
 * as destination, identities that are not label values) is left out with
 * a YAML comment saying so.
 */

#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli-policy.h"
#include "cli-report.h"

#define K8S_NAME_LABEL "app.kubernetes.io/name"
#define K8S_ZONE_LABEL "zonewall.zone"

/* Print @s as a YAML double-quoted scalar (JSON string syntax is valid YAML). */
static void yq(const char *s)
{
	json_t *j = json_string(s);
	char *t = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;

	fputs(t ? t : "\"\"", stdout);
	free(t);
	json_decref(j);
}

/* A Kubernetes label value: <= 63 of [A-Za-z0-9-_.], alphanumeric at both ends. */
static bool k8s_label_value(const char *s)
{
	size_t n = strlen(s), i;

	if (!n || n > 63 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("-_.", s[i]))
			return false;
	return true;
}

/* A DNS-1123 name for metadata.name: "zonewall-" + @s lowercased, others '-'. */
static void k8s_name(const char *prefix, const char *s, char *buf, size_t size)
{
	size_t n, i;

	snprintf(buf, size, "%s%s", prefix, s);
	n = strlen(buf) > 63 ? 63 : strlen(buf);
	buf[n] = '\0';
	for (i = 0; i < n; i++)
		buf[i] = isalnum((unsigned char)buf[i]) ? (char)tolower((unsigned char)buf[i]) : '-';
	while (n && buf[n - 1] == '-')
		buf[--n] = '\0';
}

/* Print a peer or pod selector for @id at @indent; false if none exists. */
static bool k8s_selector(const char *id, int indent, bool peer)
{
	const char *key = K8S_NAME_LABEL, *val = id;

	if (!strncmp(id, "zone:", 5)) {
		key = K8S_ZONE_LABEL;
		val = id + 5;
	} else if (peer && !strncmp(id, "unknown:", 8)) {
		const char *addr = id + 8;

		printf("%*sipBlock:\n%*scidr: ", indent, "", indent + 2, "");
		printf("\"%s/%s\"\n", addr, strchr(addr, ':') ? "128" : "32");
		return true;
	}
	if (!k8s_label_value(val))
		return false;
	printf("%*spodSelector:\n%*smatchLabels:\n%*s", indent, "",
	       indent + 2, "", indent + 4, "");
	yq(key);
	printf(": ");
	yq(val);
	putchar('\n');
	return true;
}

static bool k8s_peer_ok(const char *id)
{
	if (!strncmp(id, "unknown:", 8))
		return pol_identity_valid(id + 8) && strlen(id + 8) < 46;
	return k8s_label_value(!strncmp(id, "zone:", 5) ? id + 5 : id);
}

static void k8s_header(const char *name, const char *comment)
{
	printf("---\n# %s\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
	       "metadata:\n  name: ", comment);
	yq(name);
	printf("\n  labels:\n    app.kubernetes.io/managed-by: \"zonewall\"\nspec:\n");
}

static void k8s_ports(const struct pol_rule *r)
{
	printf("    ports:\n    - protocol: %s\n", r->proto == IPPROTO_TCP ? "TCP" : "UDP");
	if (r->port_lo)
		printf("      port: %u\n", r->port_lo);
	if (r->port_hi > r->port_lo)
		printf("      endPort: %u\n", r->port_hi);
}

/* One ingress entry: "- from: [peer], ports: [...]". */
static void k8s_ingress(const struct pol_rule *r)
{
	printf("  - from:\n    - ");
	/* The first selector line follows "- " directly, the rest indent 6. */
	if (!strncmp(r->from, "unknown:", 8)) {
		printf("ipBlock:\n        cidr: \"%s/%s\"\n", r->from + 8,
		       strchr(r->from + 8, ':') ? "128" : "32");
	} else {
		bool zone = !strncmp(r->from, "zone:", 5);

		printf("podSelector:\n        matchLabels:\n          ");
		yq(zone ? K8S_ZONE_LABEL : K8S_NAME_LABEL);
		printf(": ");
		yq(zone ? r->from + 5 : r->from);
		putchar('\n');
	}
	k8s_ports(r);
}

static int k8s_cmp_to(const void *a, const void *b)
{
	const struct pol_rule *x = *(const struct pol_rule *const *)a;
	const struct pol_rule *y = *(const struct pol_rule *const *)b;
	int r = strcmp(x->to, y->to);

	return r ? r : (x < y ? -1 : x > y);
}

/* Why NetworkPolicy cannot express @r (NULL when it can): on the ingress
 * side the destination selects pods, on the egress side the source. */
static const char *k8s_rule_why(const struct pol_rule *r, bool egress)
{
	const char *pods = egress ? r->from : r->to, *peer = egress ? r->to : r->from;

	if (!pol_proto_has_ports(r->proto))
		return "NetworkPolicy cannot express icmp";
	if (!strncmp(pods, "unknown:", 8) || !k8s_peer_ok(pods))
		return egress ? "the source is not a pod label value"
			      : "the destination is not a pod label value";
	if (!k8s_peer_ok(peer))
		return egress ? "the destination is not a pod label value or address"
			      : "the source is not a pod label value or address";
	return NULL;
}

/*
 * A default-deny without the allow policies that go with it cuts that
 * traffic: unless the operator accepts it (--skip-unexpressible), every
 * rule NetworkPolicy cannot express is named and nothing is written.
 * Return: how many rules cannot be expressed.
 */
static size_t k8s_unexpressible(const struct pol_policy *p, bool egress, bool warn_only)
{
	size_t bad = 0;

	for (size_t i = 0; i < p->n_rules; i++) {
		const struct pol_rule *r = &p->rules[i];
		const char *why = k8s_rule_why(r, false);

		if (!why && egress)
			why = k8s_rule_why(r, true);
		if (!why)
			continue;
		bad++;
		if (warn_only)
			cli_warn("export", "$.allow[%zu] %s -> %s %s left out: %s", i, r->from, r->to,
				 pol_proto_name(r->proto), why);
		else
			fprintf(stderr, "zonewall export: $.allow[%zu] %s -> %s %s: %s\n", i,
				r->from, r->to, pol_proto_name(r->proto), why);
	}
	return bad;
}

/* Rules NetworkPolicy can express, sorted by destination; the others
 * are listed as comments (with --skip-unexpressible only). */
static const struct pol_rule **k8s_rules(const struct pol_policy *p, size_t *n)
{
	const struct pol_rule **v = calloc(p->n_rules + 1, sizeof(*v));
	size_t i, k = 0;

	if (!v)
		return NULL;
	for (i = 0; i < p->n_rules; i++) {
		const struct pol_rule *r = &p->rules[i];
		const char *why = k8s_rule_why(r, false);

		if (why)
			printf("# skipped $.allow[%zu] %s -> %s %s: %s\n", i, r->from, r->to,
			       pol_proto_name(r->proto), why);
		else
			v[k++] = r;
	}
	qsort(v, k, sizeof(*v), k8s_cmp_to);
	*n = k;
	return v;
}

/* --- egress (--egress) ------------------------------------------------------------ */

/* A zone's own CIDRs (the policy's "cidrs" selector) as ipBlock peers:
 * how an egress border to "internet" reaches beyond the cluster. */
static void k8s_zone_blocks(const struct pol_policy *p, const char *zone)
{
	long z = pol_zone_find(p, zone);
	char a[INET6_ADDRSTRLEN];

	for (size_t i = 0; z >= 0 && i < p->zones[z].n_cidrs; i++) {
		const struct pol_cidr *c = &p->zones[z].cidrs[i];

		inet_ntop(c->family == 4 ? AF_INET : AF_INET6, c->addr, a, sizeof(a));
		printf("    - ipBlock:\n        cidr: \"%s/%u\"\n", a, c->prefix);
	}
}

/* "- to: [peers]" for destination @to: its pods, its address, or a zone's
 * pods and CIDRs. */
static void k8s_egress_to(const struct pol_policy *p, const char *to)
{
	printf("  - to:\n");
	if (!strncmp(to, "unknown:", 8)) {
		printf("    - ipBlock:\n        cidr: \"%s/%s\"\n", to + 8,
		       strchr(to + 8, ':') ? "128" : "32");
		return;
	}
	bool zone = !strncmp(to, "zone:", 5);

	/* the first selector line follows "- " directly, the rest indent 8 */
	printf("    - podSelector:\n        matchLabels:\n          ");
	yq(zone ? K8S_ZONE_LABEL : K8S_NAME_LABEL);
	printf(": ");
	yq(zone ? to + 5 : to);
	putchar('\n');
	if (zone)
		k8s_zone_blocks(p, to + 5);
}

static int k8s_cmp_from(const void *a, const void *b)
{
	const struct pol_rule *x = *(const struct pol_rule *const *)a;
	const struct pol_rule *y = *(const struct pol_rule *const *)b;
	int r = strcmp(x->from, y->from);

	return r ? r : (x < y ? -1 : x > y);
}

/* Rules an egress policy can express, by source: the source must be pods
 * (a label value); an address is fine as a destination here. */
static const struct pol_rule **k8s_egress_rules(const struct pol_policy *p, size_t *n)
{
	const struct pol_rule **v = calloc(p->n_rules + 1, sizeof(*v));
	size_t k = 0;

	if (!v)
		return NULL;
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct pol_rule *r = &p->rules[i];
		const char *why = k8s_rule_why(r, true);

		if (why)
			printf("# skipped egress $.allow[%zu] %s -> %s %s: %s\n", i, r->from, r->to,
			       pol_proto_name(r->proto), why);
		else
			v[k++] = r;
	}
	qsort(v, k, sizeof(*v), k8s_cmp_from);
	*n = k;
	return v;
}

/* Default-deny egress, one policy per source identity, one per allow
 * border: the egress borders between zones, on the pods' side. */
static int export_k8s_egress(const struct pol_policy *p)
{
	const struct pol_rule **v;
	char name[80], comment[160], pair[80];
	size_t n, i, j;

	v = k8s_egress_rules(p, &n);
	if (!v)
		return -ENOMEM;
	k8s_header("zonewall-default-deny-egress", "every pod: no egress unless allowed below "
		   "(DNS included: allow the resolver in the policy)");
	printf("  podSelector: {}\n  policyTypes:\n  - Egress\n");
	for (i = 0; i < n; i = j) {
		k8s_name("zonewall-egress-", v[i]->from, name, sizeof(name));
		snprintf(comment, sizeof(comment), "egress from %s", v[i]->from);
		k8s_header(name, comment);
		k8s_selector(v[i]->from, 2, false);
		printf("  policyTypes:\n  - Egress\n  egress:\n");
		for (j = i; j < n && !strcmp(v[j]->from, v[i]->from); j++) {
			k8s_egress_to(p, v[j]->to);
			k8s_ports(v[j]);
		}
	}
	for (i = 0; i < p->n_borders; i++) {
		const struct pol_border *b = &p->borders[i];

		if (b->verdict != POL_BORDER_ALLOW)
			continue;
		snprintf(comment, sizeof(comment), "egress border %s -> %s: allow",
			 p->zones[b->from].name, p->zones[b->to].name);
		snprintf(pair, sizeof(pair), "%s-%s", p->zones[b->from].name, p->zones[b->to].name);
		k8s_name("zonewall-egress-border-", pair, name, sizeof(name));
		k8s_header(name, comment);
		snprintf(comment, sizeof(comment), "zone:%s", p->zones[b->from].name);
		k8s_selector(comment, 2, false);
		printf("  policyTypes:\n  - Egress\n  egress:\n");
		snprintf(comment, sizeof(comment), "zone:%s", p->zones[b->to].name);
		k8s_egress_to(p, comment);
	}
	free(v);
	return 0;
}

static int export_k8s(const struct pol_policy *p, bool egress)
{
	const struct pol_rule **v;
	char name[80], comment[160], pair[80];
	size_t n, i, j;

	printf("# zonewall NetworkPolicies: pods are selected by " K8S_NAME_LABEL "=IDENTITY\n"
	       "# and " K8S_ZONE_LABEL "=ZONE; deny borders need nothing beyond default-deny.\n");
	v = k8s_rules(p, &n);
	if (!v)
		return -ENOMEM;
	k8s_header("zonewall-default-deny-ingress", "every pod: no ingress unless allowed below");
	printf("  podSelector: {}\n  policyTypes:\n  - Ingress\n");
	for (i = 0; i < n; i = j) {
		k8s_name("zonewall-", v[i]->to, name, sizeof(name));
		snprintf(comment, sizeof(comment), "ingress to %s", v[i]->to);
		k8s_header(name, comment);
		k8s_selector(v[i]->to, 2, false);
		printf("  policyTypes:\n  - Ingress\n  ingress:\n");
		for (j = i; j < n && !strcmp(v[j]->to, v[i]->to); j++)
			k8s_ingress(v[j]);
	}
	for (i = 0; i < p->n_borders; i++) {
		const struct pol_border *b = &p->borders[i];

		if (b->verdict != POL_BORDER_ALLOW)
			continue;
		snprintf(comment, sizeof(comment), "border %s -> %s: allow",
			 p->zones[b->from].name, p->zones[b->to].name);
		snprintf(pair, sizeof(pair), "%s-%s", p->zones[b->from].name, p->zones[b->to].name);
		k8s_name("zonewall-border-", pair, name, sizeof(name));
		k8s_header(name, comment);
		snprintf(comment, sizeof(comment), "zone:%s", p->zones[b->to].name);
		k8s_selector(comment, 2, false);
		printf("  policyTypes:\n  - Ingress\n  ingress:\n  - from:\n    - podSelector:\n"
		       "        matchLabels:\n          \"" K8S_ZONE_LABEL "\": ");
		yq(p->zones[b->from].name);
		putchar('\n');
	}
	free(v);
	if (egress && export_k8s_egress(p) < 0)
		return -ENOMEM;
	return fflush(stdout) ? -EIO : 0;
}

/* --- DOT ---------------------------------------------------------------------- */

/* Identities per zone, for the clusters. */
struct dot_node {
	const char *id;
	const char *zone;	/* NULL: outside every cluster */
};

struct dot_nodes {
	struct dot_node *v;
	size_t n;
};

static int dot_node_add(struct dot_nodes *ns, const char *id, const char *zone)
{
	struct dot_node *v;
	size_t i;

	for (i = 0; i < ns->n; i++)
		if (!strcmp(ns->v[i].id, id)) {
			if (!ns->v[i].zone)
				ns->v[i].zone = zone;
			return 0;
		}
	v = realloc(ns->v, (ns->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	ns->v = v;
	ns->v[ns->n].id = id;
	ns->v[ns->n].zone = zone;
	ns->n++;
	return 0;
}

static void dot_clusters(const struct dot_nodes *ns, const struct pol_policy *p)
{
	size_t i, j, z, nz = p ? p->n_zones : 0;
	bool placed;

	/* Zones of the policy first (in its order), then zones only edges name. */
	for (z = 0; z < nz; z++) {
		printf("  subgraph \"cluster_%s\" {\n    label=\"%s (%s)\";\n", p->zones[z].name,
		       p->zones[z].name, pol_mode_name(p->zones[z].mode));
		printf("    \"zone:%s\" [label=\"zone %s\", shape=ellipse, style=dashed];\n",
		       p->zones[z].name, p->zones[z].name);
		for (i = 0; i < ns->n; i++)
			if (ns->v[i].zone && !strcmp(ns->v[i].zone, p->zones[z].name))
				printf("    \"%s\";\n", ns->v[i].id);
		printf("  }\n");
	}
	for (i = 0; i < ns->n; i++) {
		const char *zone = ns->v[i].zone;

		if (!zone || (p && pol_zone_find(p, zone) >= 0))
			continue;
		for (placed = false, j = 0; j < i; j++)
			if (ns->v[j].zone && !strcmp(ns->v[j].zone, zone) &&
			    !(p && pol_zone_find(p, zone) >= 0))
				placed = true;
		if (placed)
			continue;
		printf("  subgraph \"cluster_%s\" {\n    label=\"%s\";\n", zone, zone);
		for (j = i; j < ns->n; j++)
			if (ns->v[j].zone && !strcmp(ns->v[j].zone, zone))
				printf("    \"%s\";\n", ns->v[j].id);
		printf("  }\n");
	}
	for (i = 0; i < ns->n; i++)
		if (!ns->v[i].zone)
			printf("  \"%s\";\n", ns->v[i].id);
}

static void dot_borders(const struct pol_policy *p)
{
	size_t i;

	for (i = 0; p && i < p->n_borders; i++) {
		const struct pol_border *b = &p->borders[i];

		if (b->verdict == POL_BORDER_ALLOWLIST)
			continue;
		printf("  \"zone:%s\" -> \"zone:%s\" [label=\"%s\", %s];\n", p->zones[b->from].name,
		       p->zones[b->to].name, pol_verdict_name(b->verdict),
		       b->verdict == POL_BORDER_DENY ? "color=red, fontcolor=red, style=dashed"
						     : "color=darkgreen, style=bold");
	}
}

static const char *rule_zone(const char *id, const char *zone)
{
	return zone ? zone : !strncmp(id, "zone:", 5) ? id + 5 : NULL;
}

static int dot_policy(const struct pol_policy *p)
{
	struct dot_nodes ns = { 0 };
	char label[48];
	size_t i;
	int err = 0;

	for (i = 0; !err && i < p->n_rules; i++) {
		const struct pol_rule *r = &p->rules[i];

		if (strncmp(r->from, "zone:", 5))
			err = dot_node_add(&ns, r->from, rule_zone(r->from, r->from_zone));
		if (!err && strncmp(r->to, "zone:", 5))
			err = dot_node_add(&ns, r->to, rule_zone(r->to, r->to_zone));
	}
	if (err)
		goto out_free;
	printf("digraph zonewall {\n  rankdir=LR;\n  node [shape=box];\n");
	dot_clusters(&ns, p);
	dot_borders(p);
	for (i = 0; i < p->n_rules; i++) {
		const struct pol_rule *r = &p->rules[i];

		pol_service_format(r->proto, r->port_lo, r->port_hi, label, sizeof(label));
		printf("  \"%s\" -> \"%s\" [label=\"%s\"];\n", r->from, r->to, label);
	}
	printf("}\n");
out_free:
	free(ns.v);
	return err;
}

static const char *dot_edge_style(const struct pol_policy *p, const struct prop_edge *e)
{
	struct pol_flow f = { e->from, e->to, e->from_zone, e->to_zone, e->proto, e->port };

	if (!p)
		return "";
	switch (pol_check(p, &f, NULL)) {
	case POL_REFUSED_BY_BORDER:
		return ", color=red, fontcolor=red, style=dashed";
	case POL_REFUSED_NO_RULE:
		return ", color=blue, fontcolor=blue";
	default:
		return "";
	}
}

static int dot_proposal(struct prop_set *s, const struct pol_policy *p)
{
	struct dot_nodes ns = { 0 };
	char label[48];
	size_t i;
	int err = 0;

	prop_sort(s);
	for (i = 0; !err && i < s->n; i++) {
		err = dot_node_add(&ns, s->edges[i].from, s->edges[i].from_zone);
		if (!err)
			err = dot_node_add(&ns, s->edges[i].to, s->edges[i].to_zone);
	}
	if (err)
		goto out_free;
	printf("digraph zonewall {\n  rankdir=LR;\n  node [shape=box];\n");
	if (p)
		printf("  // blue: new (not allowed yet); red dashed: refused by a deny border\n");
	dot_clusters(&ns, p);
	dot_borders(p);
	for (i = 0; i < s->n; i++) {
		const struct prop_edge *e = &s->edges[i];

		pol_service_format(e->proto, e->port, e->port, label, sizeof(label));
		printf("  \"%s\" -> \"%s\" [label=\"%s (%llu)\"%s];\n", e->from, e->to, label,
		       (unsigned long long)e->packets, dot_edge_style(p, e));
	}
	printf("}\n");
out_free:
	free(ns.v);
	return err;
}

static int export_k8s_checked(const struct pol_policy *p, bool egress, bool skip)
{
	size_t bad = k8s_unexpressible(p, egress, skip);

	if (bad && !skip)
		return cli_fail("export", "%zu of %zu allow rules cannot be expressed as "
				"NetworkPolicy: nothing written (a default-deny without them would "
				"cut that traffic; --skip-unexpressible writes the rest)", bad,
				p->n_rules);
	return export_k8s(p, egress) ? cli_fail("export", "out of memory") : CLI_OK;
}

static const char usage[] =
	"Usage: zonewall export --format k8s [--egress] [--skip-unexpressible] POLICY\n"
	"       zonewall export --format dot POLICY\n"
	"       zonewall export --format dot PROPOSAL [--policy POLICY]\n"
	"       zonewall export --format svg (POLICY | PROPOSAL [--policy POLICY])\n"
	"\n"
	"k8s: Kubernetes NetworkPolicy YAML, one document per destination identity\n"
	"(pods labelled app.kubernetes.io/name=IDENTITY; zone:Z is the label\n"
	"zonewall.zone=Z; unknown:ADDR an ipBlock), after a default-deny-ingress.\n"
	"--egress adds a default-deny-egress, one egress policy per source identity\n"
	"and one per allow border (a zone's own CIDRs become ipBlocks): the egress\n"
	"borders on the pods' side.  DNS is denied too unless the policy allows it.\n"
	"A rule NetworkPolicy cannot express (icmp, an identity that is not a pod\n"
	"label value) is named and nothing is written (exit 1), unless\n"
	"--skip-unexpressible: then it is left out with a warning and a comment.\n"
	"dot: Graphviz DOT with zones as clusters; with --policy, edges a deny border\n"
	"refuses are red and dashed, edges not allowed yet blue.\n"
	"svg: the same graph laid out by Graphviz's library (the report of review\n"
	"--html draws it too): past 150 identities, the zones with their counts.\n"
	"\n"
	"  -f, --format k8s|dot|svg  the output format (required)\n"
	"  -p, --policy FILE      judge a proposal's edges against this policy\n"
	"      --skip-unexpressible  k8s: write what can be expressed, warn about the rest\n"
	"  -e, --egress           k8s: egress policies too\n"
	"  -h, --help             show this help\n";

int cmd_export_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "policy", required_argument, NULL, 'p' },
		{ "egress", no_argument, NULL, 'e' },
		{ "skip-unexpressible", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = NULL, *policy_path = NULL, *file;
	struct pol_policy *p = NULL;
	struct prop_set *s = NULL;
	int c, err = 0, status = CLI_OK;
	bool egress = false, skip = false;

	while ((c = cli_getopt("export", usage, argc, argv, ":f:p:eh", opts, &status)) != -1) {
		if (c == CLI_DONE)
			return status;
		if (c == 'f')
			format = optarg;
		else if (c == 'p')
			policy_path = optarg;
		else if (c == 'e')
			egress = true;
		else if (c == 'S')
			skip = true;
	}
	if (!format || (strcmp(format, "k8s") && strcmp(format, "dot") && strcmp(format, "svg")))
		return cli_usage_error("export", "--format k8s, dot or svg is required");
	if (optind != argc - 1)
		return cli_usage_error("export", "expected one policy or proposal file");
	if ((egress || skip) && strcmp(format, "k8s"))
		return cli_usage_error("export", "%s goes with --format k8s",
				       egress ? "--egress" : "--skip-unexpressible");
	file = argv[optind];
	if (clip_is_proposal(file)) {
		if (!strcmp(format, "k8s"))
			return cli_usage_error("export", "%s is a proposal: k8s export needs a policy "
					       "(approve it first)", file);
		status = clip_load_proposal("export", file, &s);
		if (!status && policy_path)
			status = clip_load_policy("export", policy_path, &p);
		if (!status && !strcmp(format, "svg"))
			status = clir_export_svg(s, p);
		else if (!status)
			err = dot_proposal(s, p);
	} else {
		if (policy_path)
			return cli_usage_error("export", "--policy goes with a proposal file");
		status = clip_load_policy("export", file, &p);
		if (!status && !strcmp(format, "k8s"))
			status = export_k8s_checked(p, egress, skip);
		else if (!status && !strcmp(format, "svg"))
			status = clir_export_svg(NULL, p);
		else if (!status)
			err = dot_policy(p);
	}
	if (err)
		status = cli_fail("export", "%s", err == -ENOMEM ? "out of memory"
								 : "cannot write output");
	pol_free(p);
	prop_free(s);
	return status;
}
