// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nf_tables over netlink, writing (see nft.h; reading back is nft-read.c):
 * the operations, each one batch (nft-batch.c) of tables, chains and
 * counters from here, sets and elements (nft-elem.c) and rules (nft-expr.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/object.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "zonewall/nft.h"
#include "nft-int.h"

/* --- tables, chains, counters --------------------------------------------------- */

static void put_table(struct batch *b, const struct rs_table *t, uint16_t type, uint16_t flags)
{
	struct nftnl_table *nt = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (!nt) {
		b->oom = true;
		return;
	}
	nftnl_table_set_u32(nt, NFTNL_TABLE_FAMILY, t->family);
	nftnl_table_set_str(nt, NFTNL_TABLE_NAME, t->name);
	nlh = nft_msg_start(b, type, t->family, flags);
	if (nlh) {
		nftnl_table_nlmsg_build_payload(nlh, nt);
		nft_batch_push(b, &(struct msg_rec){ .kind = type == NFT_MSG_DELTABLE ?
						 MSG_DELTABLE : MSG_TABLE, .t = t });
	}
	nftnl_table_free(nt);
}

static void put_chain(struct batch *b, const struct rs_table *t, const struct rs_chain *ch)
{
	struct nftnl_chain *nc = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	if (!nc) {
		b->oom = true;
		return;
	}
	nftnl_chain_set_u32(nc, NFTNL_CHAIN_FAMILY, t->family);
	nftnl_chain_set_str(nc, NFTNL_CHAIN_TABLE, t->name);
	nftnl_chain_set_str(nc, NFTNL_CHAIN_NAME, ch->name);
	if (ch->hook != RS_HOOK_NONE) {
		/* NF_INET_* and NF_BR_* number the five hooks alike */
		nftnl_chain_set_u32(nc, NFTNL_CHAIN_HOOKNUM, ch->hook - RS_HOOK_PREROUTING);
		nftnl_chain_set_s32(nc, NFTNL_CHAIN_PRIO, ch->prio);
		nftnl_chain_set_str(nc, NFTNL_CHAIN_TYPE, "filter");
		nftnl_chain_set_u32(nc, NFTNL_CHAIN_POLICY, ch->policy_drop ? NF_DROP : NF_ACCEPT);
	}
	nlh = nft_msg_start(b, NFT_MSG_NEWCHAIN, t->family, NLM_F_CREATE | NLM_F_EXCL);
	if (nlh) {
		nftnl_chain_nlmsg_build_payload(nlh, nc);
		nft_batch_push(b, &(struct msg_rec){ .kind = MSG_CHAIN, .t = t, .obj = ch });
	}
	nftnl_chain_free(nc);
}

/* A named counter: created when absent, left alone (with its values) when present. */
static void put_counter(struct batch *b, const struct rs_table *t, const char *name)
{
	struct nftnl_obj *o = nftnl_obj_alloc();
	struct nlmsghdr *nlh;

	if (!o) {
		b->oom = true;
		return;
	}
	nftnl_obj_set_u32(o, NFTNL_OBJ_FAMILY, t->family);
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, t->name);
	nftnl_obj_set_str(o, NFTNL_OBJ_NAME, name);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	/* the kernel wants the data nest; a counter that exists keeps its own */
	nftnl_obj_set_u64(o, NFTNL_OBJ_CTR_PKTS, 0);
	nftnl_obj_set_u64(o, NFTNL_OBJ_CTR_BYTES, 0);
	nlh = nft_msg_start(b, NFT_MSG_NEWOBJ, t->family, NLM_F_CREATE);
	if (nlh) {
		nftnl_obj_nlmsg_build_payload(nlh, o);
		nft_batch_push(b, &(struct msg_rec){ .kind = MSG_COUNTER, .t = t, .obj = name });
	}
	nftnl_obj_free(o);
}

/* Delete every rule of @t (NFT_MSG_DELRULE naming the table only). */
static void put_flush(struct batch *b, const struct rs_table *t)
{
	struct nlmsghdr *nlh = nft_msg_start(b, NFT_MSG_DELRULE, t->family, 0);

	if (nlh) {
		mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, t->name);
		nft_batch_push(b, &(struct msg_rec){ .kind = MSG_FLUSH, .t = t });
	}
}

/* Delete set, chain or object @name of @t; @objtype for objects. */
static void put_delete(struct batch *b, const struct rs_table *t, enum msg_kind kind,
		       const char *name, uint32_t objtype)
{
	static const struct {
		uint16_t type, table_attr, name_attr;
	} m[] = {
		[MSG_DELSET] = { NFT_MSG_DELSET, NFTA_SET_TABLE, NFTA_SET_NAME },
		[MSG_DELCHAIN] = { NFT_MSG_DELCHAIN, NFTA_CHAIN_TABLE, NFTA_CHAIN_NAME },
		[MSG_DELOBJ] = { NFT_MSG_DELOBJ, NFTA_OBJ_TABLE, NFTA_OBJ_NAME },
	};
	struct nlmsghdr *nlh = nft_msg_start(b, m[kind].type, t->family, 0);

	if (!nlh)
		return;
	mnl_attr_put_strz(nlh, m[kind].table_attr, t->name);
	mnl_attr_put_strz(nlh, m[kind].name_attr, name);
	if (kind == MSG_DELOBJ)
		mnl_attr_put_u32(nlh, NFTA_OBJ_TYPE, htonl(objtype));
	nft_batch_push(b, &(struct msg_rec){ .kind = kind, .t = t, .obj = name });
}

/* --- the operations -------------------------------------------------------------- */

/*
 * Replace @t in place: flush its rules, delete what it holds (@live), then
 * build it again.  Its named counters that the model still declares are
 * never deleted, so they keep counting across the replacement; the table
 * itself stays, so nothing outside it notices.  Deleting the table and
 * creating it again in one batch would be as atomic, but every counter
 * would start from zero and lose what it counted since it was last read.
 */
static void put_table_all(struct batch *b, const struct rs_table *t, uint32_t base,
			  const struct nft_live *live)
{
	put_table(b, t, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	if (live->present) {
		put_flush(b, t);
		/* sets before chains: a verdict map's elements hold its chains */
		for (size_t i = 0; i < live->sets.n; i++)
			put_delete(b, t, MSG_DELSET, live->sets.v[i].name, 0);
		for (size_t i = 0; i < live->chains.n; i++)
			put_delete(b, t, MSG_DELCHAIN, live->chains.v[i].name, 0);
		for (size_t i = 0; i < live->objs.n; i++)
			if (live->objs.v[i].objtype != NFT_OBJECT_COUNTER ||
			    !rs_counter_find(t, live->objs.v[i].name))
				put_delete(b, t, MSG_DELOBJ, live->objs.v[i].name,
					   live->objs.v[i].objtype);
	}
	for (size_t i = 0; i < t->n_counters; i++)
		put_counter(b, t, t->counters[i]);
	for (size_t i = 0; i < t->n_chains; i++)
		put_chain(b, t, t->chains[i]);
	for (size_t i = 0; i < t->n_sets; i++) {
		const struct rs_set *s = t->sets[i];
		struct elem_target et = {
			.t = t, .family = t->family, .table = t->name,
			.set_id = base + (uint32_t)i + 1, .type = NFT_MSG_NEWSETELEM,
			.lead_zero = nft_needs_lead_zero(s),
		};

		nft_put_set(b, t, s, et.set_id);
		nft_put_elems(b, &et, s);
	}
	for (size_t i = 0; i < t->n_chains; i++)
		for (size_t j = 0; j < t->chains[i]->n_rules; j++)
			nft_put_rule(b, t, base, t->chains[i], t->chains[i]->rules[j]);
}

/* One attempt: read the generation and what our tables hold, send the batch against it. */
static int apply_once(struct nft_conn *c, const struct rs_ruleset *rs, struct nft_error *e)
{
	struct nft_live *live = calloc(rs->n_tables ? rs->n_tables : 1, sizeof(*live));
	uint32_t genid;
	struct batch b;
	int r;

	if (!live)
		return -ENOMEM;
	r = nft_gen_read(c, &genid);
	for (size_t i = 0; r == 0 && i < rs->n_tables; i++)
		r = nft_live_read(c, rs->tables[i], &live[i]);
	if (r == -EINTR)
		r = -ERESTART;	/* the ruleset changed while we read it: read again */
	if (r == 0) {
		nft_batch_init(&b, c);
		nft_batch_open_gen(&b, genid);
		for (size_t i = 0; i < rs->n_tables; i++)
			put_table_all(&b, rs->tables[i], (uint32_t)i << 16, &live[i]);
		r = nft_batch_finish(c, &b, e);
		nft_batch_free(&b);
	} else if (e) {
		memset(e, 0, sizeof(*e));
		e->err = r;
		snprintf(e->text, sizeof(e->text), "reading our tables: %s", strerror(-r));
	}
	for (size_t i = 0; i < rs->n_tables; i++)
		nft_live_free(&live[i]);
	free(live);
	return r;
}

#define APPLY_ATTEMPTS 5

int nft_apply(struct nft_conn *c, const struct rs_ruleset *rs, struct nft_error *e)
{
	int r;

	/* ERESTART: someone changed the ruleset between our reading and our batch */
	for (int i = 0; i < APPLY_ATTEMPTS; i++)
		if ((r = apply_once(c, rs, e)) != -ERESTART)
			return r;
	if (e)
		snprintf(e->text, sizeof(e->text),
			 "the ruleset changed under every one of %d attempts to replace our tables",
			 APPLY_ATTEMPTS);
	return r;
}

int nft_elems_update(struct nft_conn *c, enum rs_family family, const char *table,
		     const struct rs_set *add, const struct rs_set *del, struct nft_error *e)
{
	struct nft_elems_change one = { .family = family, .table = table, .add = add, .del = del };

	return nft_elems_update_many(c, &one, 1, e);
}

int nft_elems_update_many(struct nft_conn *c, const struct nft_elems_change *v, size_t n,
			  struct nft_error *e)
{
	struct batch b;
	int r;

	nft_batch_init(&b, c);
	nft_batch_open(&b);
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++) {
			const struct rs_set *s = pass ? v[i].add : v[i].del;
			struct elem_target et = {
				.family = v[i].family, .table = v[i].table,
				.type = pass ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM,
			};

			if (s)
				nft_put_elems(&b, &et, s);
		}
	if (b.n == 0) {
		nft_batch_free(&b);
		if (e)
			memset(e, 0, sizeof(*e));
		return 0;
	}
	r = nft_batch_finish(c, &b, e);
	nft_batch_free(&b);
	return r;
}

int nft_uninstall(struct nft_conn *c, const struct rs_ruleset *rs, struct nft_error *e)
{
	struct batch b;
	int r;

	nft_batch_init(&b, c);
	nft_batch_open(&b);
	for (size_t i = 0; i < rs->n_tables; i++) {
		/* creating first makes the delete succeed when the table is absent */
		put_table(&b, rs->tables[i], NFT_MSG_NEWTABLE, NLM_F_CREATE);
		put_table(&b, rs->tables[i], NFT_MSG_DELTABLE, 0);
	}
	r = nft_batch_finish(c, &b, e);
	nft_batch_free(&b);
	return r;
}

/* --- probes ---------------------------------------------------------------------- */

static bool read_flag(const char *path)
{
	char buf[8] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 && buf[0] == '1';
}

int nft_probe(struct nft_conn *c, struct nft_features *out)
{
	struct rs_ruleset *rs = rs_ruleset_new();
	struct rs_table *t, *absent;
	struct rs_chain *ch;
	struct rs_rule *rule;
	struct rs_value est;
	struct batch b;
	struct ack_state as;
	char name[32];
	int r = -ENOMEM;

	memset(out, 0, sizeof(*out));
	out->br_netfilter_loaded = access("/proc/sys/net/bridge", F_OK) == 0;
	out->br_netfilter = read_flag("/proc/sys/net/bridge/bridge-nf-call-iptables");
	out->br_netfilter6 = read_flag("/proc/sys/net/bridge/bridge-nf-call-ip6tables");
	if (!rs)
		return -ENOMEM;
	snprintf(name, sizeof(name), "zwprobe%ld", (long)getpid());
	t = rs_table_add(rs, RS_BRIDGE, name, "probe");
	snprintf(name, sizeof(name), "zwprobe%ldx", (long)getpid());
	absent = rs_table_add(rs, RS_BRIDGE, name, "probe");
	ch = t ? rs_chain_add(t, "p", "probe") : NULL;
	rule = ch ? rs_rule_add(ch, NULL, "probe") : NULL;
	if (!absent || !rule || rs_value_parse(RS_T_CTSTATE, "established", &est) < 0 ||
	    rs_rule_match(rule, RS_F_CT_STATE, false, &est) < 0 ||
	    rs_rule_verdict(rule, RS_V_ACCEPT, NULL) < 0)
		goto out_free_rs;
	rs_chain_set_hook(ch, RS_HOOK_FORWARD, -200, false);

	nft_batch_init(&b, c);
	nft_batch_open(&b);
	put_table(&b, t, NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_EXCL);
	put_chain(&b, t, ch);
	nft_put_rule(&b, t, 0, ch, rule);
	/* deleting a table that does not exist fails, so nothing commits */
	put_table(&b, absent, NFT_MSG_DELTABLE, 0);
	if (b.oom || !nft_batch_room(&b)) {
		nft_batch_free(&b);
		goto out_free_rs;
	}
	b.len += MNL_ALIGN(nftnl_batch_end(b.buf + b.len, nft_batch_next_seq(&b))->nlmsg_len);
	c->seq = nft_batch_next_seq(&b) + 1;
	r = nft_batch_talk(c, &b, &as);
	if (r == -ENOENT && as.first_idx == b.n - 1) {
		out->conntrack_bridge = true;
		r = 0;
	} else if (r < 0 && as.first_err && as.first_idx == 2) {
		out->conntrack_bridge_err = as.first_err;
		r = 0;
	} else if (r == 0) {
		r = -EPROTO;	/* the failing message did not fail */
	}
	nft_batch_free(&b);
out_free_rs:
	rs_ruleset_free(rs);
	return r;
}

const char *nft_kernel_path(const struct nft_features *f, bool *same_bridge)
{
	*same_bridge = f->br_netfilter && f->br_netfilter6;
	if (*same_bridge)
		return "inet forward hook via br_netfilter (east-west on one bridge, across bridges, "
		       "to the host and egress are enforced, statefully)";
	if (f->br_netfilter)
		return "inet forward hook via br_netfilter for IPv4 only: IPv6 traffic between "
		       "containers on one bridge is NOT enforced (bridge-nf-call-ip6tables is 0); "
		       "IPv4 on one bridge, and both families across bridges, to the host and egress are";
	if (f->br_netfilter6)
		return "inet forward hook via br_netfilter for IPv6 only: IPv4 traffic between "
		       "containers on one bridge is NOT enforced (bridge-nf-call-iptables is 0); "
		       "IPv6 on one bridge, and both families across bridges, to the host and egress are";
	if (f->conntrack_bridge)
		return "bridge family with conntrack is available but not used by zonewall yet: "
		       "same-bridge traffic is NOT enforced (load br_netfilter); routed traffic is";
	return "same-bridge traffic CANNOT be enforced (no br_netfilter, no nf_conntrack_bridge); "
	       "across bridges, to the host and egress are enforced";
}
