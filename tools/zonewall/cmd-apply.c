// SPDX-License-Identifier: GPL-2.0-or-later
/* zonewall apply: compile and install in one netlink transaction. */

#include "config.h"

#include <errno.h>
#include <limits.h>
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli-daemon.h"
#include "cli-snapshot.h"
#include "zonewall/conntrack.h"
#include "zonewall/link.h"
#include "zonewall/bridge-learning.h"
#include "zonewall/br-netfilter.h"
#include "zonewall/nft.h"

/* Elements of the allowlist and address maps, for the one-line summary. */
struct elem_counts {
	size_t allow, members, addrs, bound;
};

static void count_elems(const struct rs_ruleset *rs, struct elem_counts *n)
{
	memset(n, 0, sizeof(*n));
	for (size_t t = 0; t < rs->n_tables; t++)
		for (size_t i = 0; i < rs->tables[t]->n_sets; i++) {
			const struct rs_set *s = rs->tables[t]->sets[i];

			if (!strncmp(s->name, "allow", 5))
				n->allow += s->n_elems;
			else if (!strncmp(s->name, "zm", 2))
				n->members += s->n_elems;	/* zone -> zone rules */
			else if (!strncmp(s->name, "src", 3))
				n->addrs += s->n_elems;
			else if (!strncmp(s->name, "bound", 5) && strcmp(s->name, "boundmac"))
				n->bound += s->n_elems;
		}
}

/*
 * Only flows our chains judge may be cut: forwarded or delivered to the host
 * from a container.  The host's own connections (original source a local
 * address) pass through output, which zonewall does not filter; flows that
 * touch no container (a container's bound port, or an address on a
 * container bridge's subnet) never reach our dispatch.
 */
struct cut_ctx {
	const struct pol_policy *p;
	const struct cmp_snapshot *s;
	struct cmp_prefix *local, *bridged;
	size_t n_local, n_bridged;
};

static bool in_prefixes(const struct cmp_prefix *v, size_t n, uint8_t family, const uint8_t *a,
			bool exact)
{
	for (size_t i = 0; i < n; i++) {
		unsigned int len = exact ? (family == 4 ? 32u : 128u) : v[i].len, bit;

		if (v[i].family != family || (exact && v[i].len != len))
			continue;
		for (bit = 0; bit < len; bit++)
			if ((v[i].a[bit / 8] ^ a[bit / 8]) & (0x80 >> (bit % 8)))
				break;
		if (bit == len)
			return true;
	}
	return false;
}

static bool container_side(const struct cut_ctx *cc, uint8_t family, const uint8_t *a)
{
	const struct cmp_workload *w = cmp_lookup(cc->s, family, a);

	return (w && w->port[0]) || in_prefixes(cc->bridged, cc->n_bridged, family, a, false);
}

static bool cut_refused(void *data, const struct ctk_tuple *t)
{
	const struct cut_ctx *cc = data;
	struct cmp_judgement j;

	if (in_prefixes(cc->local, cc->n_local, t->family, t->src, true) ||
	    (!container_side(cc, t->family, t->src) && !container_side(cc, t->family, t->dst)))
		return false;
	cmp_judge(cc->p, cc->s, t->family, t->src, t->dst, t->proto, t->dport, &j);
	return j.kind == CMP_COUNT_DENIED;
}

static int prefix_push(struct cmp_prefix **v, size_t *n, const char *text)
{
	struct cmp_prefix p, *nv;

	if (cmp_prefix_parse(text, &p) < 0)
		return 0;	/* host bits set: a local address, used as /32 or /128 */
	nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[(*n)++] = p;
	return 0;
}

/* This namespace's own addresses. */
static int cut_local(struct cut_ctx *cc)
{
	char text[INET6_ADDRSTRLEN];
	struct ifaddrs *ifa, *i;
	int rc = 0;

	if (getifaddrs(&ifa) < 0)
		return -errno;
	for (i = ifa; i && rc == 0; i = i->ifa_next) {
		const struct sockaddr *sa = i->ifa_addr;

		if (!sa || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
			continue;
		inet_ntop(sa->sa_family, sa->sa_family == AF_INET
			  ? (const void *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr
			  : (const void *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
			  text, sizeof(text));
		rc = prefix_push(&cc->local, &cc->n_local, text);
	}
	freeifaddrs(ifa);
	return rc;
}

/* The subnets of the container bridges (their addresses, host bits cleared). */
static int cut_bridged(struct cut_ctx *cc)
{
	char text[INET6_ADDRSTRLEN + 8];
	struct link_list l;
	int rc = link_list_dump(&l);

	if (rc)
		return rc;
	for (size_t i = 0; rc == 0 && i < l.n; i++) {
		bool ours = false;

		for (size_t k = 0; k < cc->s->n_bridges; k++)
			ours = ours || !strcmp(cc->s->bridges[k], l.v[i].name);
		for (size_t j = 0; ours && rc == 0 && j < l.v[i].n_addrs; j++) {
			const struct link_addr *a = &l.v[i].addrs[j];
			struct cmp_prefix p;

			if (cmp_prefix_parse(a->text, &p) < 0)
				continue;
			for (unsigned int bit = a->prefixlen; bit < p.len; bit++)
				p.a[bit / 8] &= ~(0x80 >> (bit % 8));
			p.len = a->prefixlen;
			rc = prefix_push(&cc->bridged, &cc->n_bridged, cmp_prefix_format(&p, text, sizeof(text)));
		}
	}
	link_list_free(&l);
	return rc;
}

static int cut_established(const struct pol_policy *p, const struct cmp_snapshot *s)
{
	struct cut_ctx cc = { .p = p, .s = s };
	size_t seen = 0, cut = 0;
	int rc = cut_local(&cc);

	if (rc == 0)
		rc = cut_bridged(&cc);

	if (rc == 0)
		rc = ctk_cut(cut_refused, &cc, &seen, &cut);
	free(cc.local);
	free(cc.bridged);

	if (rc)
		return cli_fail("apply", "--cut-established: conntrack: %s (the policy is applied)",
				strerror(-rc));
	printf("cut %zu of %zu tracked connections the policy now refuses\n", cut, seen);
	return CLI_OK;
}

/*
 * For the netns test only: ZONEWALL_TEST_BAD_ELEMENT=1 adds an element the
 * kernel refuses (a jump to a chain that does not exist) at the end of the
 * source map, to show that a refused batch changes nothing.
 */
static int add_test_failure(struct rs_ruleset *rs)
{
	struct rs_table *t = rs_table_find(rs, RS_INET, CMP_TABLE);
	struct rs_set *s = t ? rs_set_find(t, "src4") : NULL;
	struct rs_verdict v = { RS_V_JUMP, (char *)"no_such_chain" };
	struct rs_value val;

	if (!getenv("ZONEWALL_TEST_BAD_ELEMENT") || !s)
		return 0;
	rs_value_parse(RS_T_IPV4, "198.18.0.1", &val);
	return rs_set_add_elem(s, &val, &v, "test: a deliberately bad element");
}

/*
 * apply --confirm-within / --confirm: the daemon applies and holds the
 * rollback timer, since this process is gone by the deadline.  It compiles
 * @policy with its own inventory, runtime and bridges; the path goes
 * absolute because the daemon's working directory is not ours.  @within 0:
 * the daemon's own confirm_timeout.
 */
static int apply_through_daemon(const char *policy, long within, const char *socket,
				const char *config)
{
	char path[PATH_MAX], abs[PATH_MAX];
	struct ctl_conn *k;
	json_t *req, *reply;
	int status;

	if (!realpath(policy, abs))
		return cli_fail("apply", "%s: %s", policy, strerror(errno));
	status = clid_socket_path("apply", socket, config, path, sizeof(path));
	if (status)
		return status;
	k = ctl_conn_open(path);
	if (!k)
		return cli_fail("apply", "--confirm-within needs a running zonewalld (monitor or "
				"enforce mode) to hold the rollback timer, and %s does not answer: %s "
				"(--socket PATH; without a daemon, apply without --confirm-within)",
				path, strerror(errno));
	req = within ? json_pack("{s:s, s:s, s:I}", "cmd", "apply", "policy", abs,
				 "confirm_within", (json_int_t)within) :
		json_pack("{s:s, s:s, s:b}", "cmd", "apply", "policy", abs, "confirm", 1);
	status = req ? clid_request("apply", k, path, req, &reply) :
		cli_fail("apply", "out of memory");
	json_decref(req);
	ctl_conn_close(k);
	if (status)
		return status;
	printf("zonewalld applied %s: it returns to the previous policy in %lld s unless "
	       "`zonewall confirm` arrives\n", abs,
	       (long long)json_integer_value(json_object_get(reply, "confirm_within")));
	json_decref(reply);
	return CLI_OK;
}

static const char usage[] =
	"Usage: zonewall apply POLICY [--inventory FILE] [--runtime URI] [--log-group N]\n"
	"                      [--cut-established] [--force]\n"
	"       zonewall apply POLICY --confirm-within SECS | --confirm\n"
	"                      [--socket PATH | --config FILE]\n"
	"\n"
	"Compile as `zonewall compile` does and replace table inet zonewall and table\n"
	"bridge zonewall in ONE transaction: it lands whole or not at all.  A kernel\n"
	"refusal names the policy entry at fault.  The tables have no owner: they stay\n"
	"when zonewall exits.  Nobody else's tables are touched.  Refused while a\n"
	"zonewalld in monitor or enforce mode runs in this network namespace (it\n"
	"controls the tables), unless --force.\n"
	"\n"
	"With --confirm-within the running zonewalld (monitor or enforce mode) applies\n"
	"POLICY with its own runtime, inventory and bridges, and returns to the previous\n"
	"policy after SECS seconds unless `zonewall confirm` arrives: for changes made\n"
	"over a connection the change might cut.  Without a daemon this is an error (a\n"
	"command cannot hold a timer after it exits).  Audited by the daemon.\n"
	"\n"
	"  -w, --confirm-within SECS  hand POLICY to zonewalld with a confirm deadline\n"
	"  -W, --confirm          the same with the daemon's confirm_timeout (default 120)\n"
	"  -s, --socket PATH      zonewalld's control socket (with --confirm-within)\n"
	"  -c, --config FILE      take control_socket from this zonewalld.conf\n"
	"  -i, --inventory FILE   static inventory\n"
	"  -r, --runtime URI      container runtime (default: detect; none: inventory only)\n"
	"  -g, --log-group N      NFLOG group of refusals (default 4269)\n"
	"  -b, --bridge NAME      a container bridge (repeatable; default: all)\n"
	"  -C, --cut-established  delete the conntrack entries of connections the new\n"
	"                         policy refuses (enforce), so they cannot go on\n"
	"  -q, --quiet            no warnings\n"
	"  -f, --force            replace the tables even while a zonewalld controls them\n"
	"  -h, --help             show this help\n";

int cmd_apply_main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLIE_LONGOPTS,
		{ "cut-established", no_argument, NULL, 'C' },
		{ "confirm-within", required_argument, NULL, 'w' },
		{ "confirm", no_argument, NULL, 'W' },
		{ "socket", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct clie_opts o = { 0 };
	struct pol_policy *p = NULL;
	struct cmp_snapshot *s = NULL;
	struct rs_ruleset *rs = NULL;
	struct nft_features feat = { 0 };
	struct nft_conn *nc;
	struct nft_error e = { 0 };
	bool cut = false, force = false, enforced;
	const char *path, *socket = NULL, *config = NULL;
	struct elem_counts n;
	size_t bad = 0;
	long within = -1;
	uint64_t secs;
	int c, rc, status = CLI_OK;

	while ((c = cli_getopt("apply", usage, argc, argv, ":hCfw:Ws:c:" CLIE_SHORTOPTS, opts,
			       &status)) != -1) {
		if (c == CLI_DONE)
			return status;
		if (c == 'C')
			cut = true;
		else if (c == 'f')
			force = true;
		else if (c == 's')
			socket = optarg;
		else if (c == 'c')
			config = optarg;
		else if (c == 'W' && within > 0)
			return cli_usage_error("apply", "--confirm or --confirm-within, not both");
		else if (c == 'W')
			within = 0;	/* the daemon's confirm_timeout */
		else if (c == 'w' && within == 0)
			return cli_usage_error("apply", "--confirm or --confirm-within, not both");
		else if (c == 'w' &&
			 cli_parse_uint("apply", "--confirm-within", optarg, 1, 86400, &secs))
			return CLI_USAGE;
		else if (c == 'w')
			within = (long)secs;
		else if (c != 'w' && c != 'W' &&
			 clie_option("apply", c, optarg, &o) == CLI_USAGE)
			return CLI_USAGE;
	}
	if (optind + 1 != argc)
		return cli_usage_error("apply", optind == argc ? "which policy?" : "one policy only");
	if (within < 0 && (socket || config))
		return cli_usage_error("apply", "--socket and --config go with --confirm-within "
				       "or --confirm");
	if (within >= 0 && (cut || o.runtime || o.inventory || o.log_group || o.n_bridges))
		return cli_usage_error("apply", "--confirm-within hands the policy to zonewalld, "
				       "which compiles it with its own runtime, inventory, bridges "
				       "and log group; --cut-established is not supported there");
	if (within >= 0)
		return apply_through_daemon(argv[optind], within, socket, config);
	if (clie_owner_check("apply", force) != CLI_OK)
		return CLI_FAIL;
	status = clie_compile("apply", argv[optind], &o, &p, &s, &rs);
	if (status != CLI_OK)
		return status;
	nc = nft_open();
	if (!nc) {
		status = cli_fail("apply", "cannot open nf_tables netlink: %s", strerror(errno));
		goto out_free;
	}
	if (nft_probe(nc, &feat) == 0) {
		brnf_features_for(&feat, s->bridges, s->n_bridges);
		path = nft_kernel_path(&feat, &enforced);
		if (!enforced)
			cli_warn("apply", "%s", path);
	}
	rc = add_test_failure(rs);
	if (rc == 0)
		rc = nft_apply(nc, rs, &e);
	nft_close(nc);
	if (rc) {
		status = cli_fail("apply", "%s (nothing changed)", e.text[0] ? e.text : strerror(-rc));
		goto out_free;
	}
	if ((rc = brlearn_linklocal_off(s->bridges, s->n_bridges, &bad)) < 0)
		cli_warn("apply", "bridge %s: cannot turn off learning from link-local frames "
			 "(no_linklocal_learn): %s", s->bridges[bad], strerror(-rc));
	count_elems(rs, &n);
	printf("applied table inet %s: %zu zones, %zu allowlist elements, %zu zone members, "
	       "%zu address ranges, %zu bound addresses\n", CMP_TABLE, p->n_zones, n.allow,
	       n.members, n.addrs, n.bound);
	if (cut)
		status = cut_established(p, s);
out_free:
	rs_ruleset_free(rs);
	cmp_snap_free(s);
	pol_free(p);
	return status;
}
