// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reading nf_tables back over netlink (see nft.h and nft-int.h): dumps
 * with a bounded wait, the status of our tables (sets, element counts,
 * rules, counters), and the names a replacement in place deletes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/gen.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "zonewall/nft.h"
#include "nft-int.h"

/* --- read back -------------------------------------------------------------------- */



static int set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nft_status *st = data;
	struct nftnl_set *s = nftnl_set_alloc();
	struct nft_set_stat *v;
	int r = MNL_CB_ERROR;

	if (!s)
		return MNL_CB_ERROR;
	if (nftnl_set_nlmsg_parse(nlh, s) < 0)
		goto out_free_set;
	v = realloc(st->sets, (st->n_sets + 1) * sizeof(*v));
	if (!v)
		goto out_free_set;
	st->sets = v;
	v = &st->sets[st->n_sets++];
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", nftnl_set_get_str(s, NFTNL_SET_NAME));
	v->flags = nftnl_set_get_u32(s, NFTNL_SET_FLAGS);
	r = MNL_CB_OK;
out_free_set:
	nftnl_set_free(s);
	return r;
}

static int elem_count_cb(const struct nlmsghdr *nlh, void *data)
{
	uint64_t *count = data;
	const struct nlattr *a, *e, *f;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
			continue;
		mnl_attr_for_each_nested(e, a) {
			bool end = false;

			mnl_attr_for_each_nested(f, e)
				if (mnl_attr_get_type(f) == NFTA_SET_ELEM_FLAGS &&
				    ntohl(mnl_attr_get_u32(f)) & NFT_SET_ELEM_INTERVAL_END)
					end = true;
			if (!end)
				(*count)++;
		}
	}
	return MNL_CB_OK;
}

static int comment_cb(const struct nftnl_udata *attr, void *data)
{
	const struct nftnl_udata **tb = data;

	if (nftnl_udata_type(attr) == NFTNL_UDATA_RULE_COMMENT)
		tb[0] = attr;
	return MNL_CB_OK;
}

static int counter_cb(struct nftnl_expr *e, void *data)
{
	struct nft_rule_stat *v = data;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

	if (!strcmp(name, "counter") && !v->has_counter) {
		v->has_counter = true;
		v->packets = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS);
		v->bytes = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES);
	} else if (!strcmp(name, "objref") && !v->counter[0] &&
		   nftnl_expr_is_set(e, NFTNL_EXPR_OBJREF_IMM_NAME) &&
		   nftnl_expr_get_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE) == NFT_OBJECT_COUNTER) {
		snprintf(v->counter, sizeof(v->counter), "%s",
			 nftnl_expr_get_str(e, NFTNL_EXPR_OBJREF_IMM_NAME));
	}
	return 0;
}

/* Named counters of the table: one row each, in a scratch nft_rule_stat array. */
struct counter_objs {
	const char *table;
	struct nft_rule_stat *v;
	size_t n;
};

static int counter_obj_cb(const struct nlmsghdr *nlh, void *data)
{
	struct counter_objs *co = data;
	struct nftnl_obj *o = nftnl_obj_alloc();
	struct nft_rule_stat *v;
	int r = MNL_CB_ERROR;

	if (!o || nftnl_obj_nlmsg_parse(nlh, o) < 0)
		goto out_free_obj;
	r = MNL_CB_OK;
	if (nftnl_obj_get_u32(o, NFTNL_OBJ_TYPE) != NFT_OBJECT_COUNTER ||
	    strcmp(nftnl_obj_get_str(o, NFTNL_OBJ_TABLE), co->table))
		goto out_free_obj;
	v = realloc(co->v, (co->n + 1) * sizeof(*v));
	if (!v) {
		r = MNL_CB_ERROR;
		goto out_free_obj;
	}
	co->v = v;
	v = &co->v[co->n++];
	memset(v, 0, sizeof(*v));
	snprintf(v->counter, sizeof(v->counter), "%s", nftnl_obj_get_str(o, NFTNL_OBJ_NAME));
	v->packets = nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_PKTS);
	v->bytes = nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_BYTES);
out_free_obj:
	nftnl_obj_free(o);
	return r;
}

/* Give each named counter's values to the first rule naming it. */
static void rules_take_counters(struct nft_status *st, struct counter_objs *co)
{
	for (size_t i = 0; i < st->n_rules; i++) {
		struct nft_rule_stat *r = &st->rules[i];

		if (!r->counter[0])
			continue;
		for (size_t k = 0; k < co->n; k++)
			if (!strcmp(co->v[k].counter, r->counter) && !co->v[k].has_counter) {
				co->v[k].has_counter = true;	/* taken */
				r->has_counter = true;
				r->packets = co->v[k].packets;
				r->bytes = co->v[k].bytes;
				break;
			}
	}
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nft_status *st = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	const struct nftnl_udata *tb[1] = { NULL };
	struct nft_rule_stat *v;
	const void *ud;
	uint32_t udlen;
	int ret = MNL_CB_ERROR;

	if (!r)
		return MNL_CB_ERROR;
	if (nftnl_rule_nlmsg_parse(nlh, r) < 0)
		goto out_free_rule;
	v = realloc(st->rules, (st->n_rules + 1) * sizeof(*v));
	if (!v)
		goto out_free_rule;
	st->rules = v;
	v = &st->rules[st->n_rules++];
	memset(v, 0, sizeof(*v));
	snprintf(v->chain, sizeof(v->chain), "%s", nftnl_rule_get_str(r, NFTNL_RULE_CHAIN));
	v->handle = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
	ud = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &udlen);
	if (ud && nftnl_udata_parse(ud, udlen, comment_cb, tb) >= 0 && tb[0])
		snprintf(v->comment, sizeof(v->comment), "%.*s",
			 (int)nftnl_udata_len(tb[0]), (const char *)nftnl_udata_get(tb[0]));
	nftnl_expr_foreach(r, counter_cb, v);
	ret = MNL_CB_OK;
out_free_rule:
	nftnl_rule_free(r);
	return ret;
}

/* The table's sets, each with its element count (one dump per set). */
static int sets_read(struct nft_conn *c, enum rs_family family, const char *table,
		     struct nft_status *out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int r;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSET, family, NLM_F_DUMP, 0);
	mnl_attr_put_strz(nlh, NFTA_SET_TABLE, table);
	r = nft_dump(c, nlh, set_cb, out);
	for (size_t i = 0; r == 0 && i < out->n_sets; i++) {
		nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, family, NLM_F_DUMP, 0);
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, table);
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, out->sets[i].name);
		r = nft_dump(c, nlh, elem_count_cb, &out->sets[i].elements);
	}
	return r;
}

static int status_read_once(struct nft_conn *c, enum rs_family family, const char *table,
			    bool with_sets, struct nft_status *out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int r;

	memset(out, 0, sizeof(*out));
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, family, NLM_F_ACK, 0);
	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, table);
	r = nft_dump(c, nlh, NULL, NULL);
	if (r == 0 && with_sets)
		r = sets_read(c, family, table, out);
	if (r == 0) {
		nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, family, NLM_F_DUMP, 0);
		mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, table);
		r = nft_dump(c, nlh, rule_cb, out);
	}
	if (r == 0) {
		struct counter_objs co = { .table = table };

		nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETOBJ, family, NLM_F_DUMP, 0);
		mnl_attr_put_strz(nlh, NFTA_OBJ_TABLE, table);
		r = nft_dump(c, nlh, counter_obj_cb, &co);
		if (r == 0)
			rules_take_counters(out, &co);
		free(co.v);
	}
	if (r < 0)
		nft_status_free(out);
	return r;
}

/* A dump the ruleset changed under is read again (a few times). */
static int status_read(struct nft_conn *c, enum rs_family family, const char *table,
		       bool with_sets, struct nft_status *out)
{
	int r = -EINTR;

	for (int i = 0; i < 3 && r == -EINTR; i++)
		r = status_read_once(c, family, table, with_sets, out);
	return r;
}

int nft_status_read(struct nft_conn *c, enum rs_family family, const char *table,
		    struct nft_status *out)
{
	return status_read(c, family, table, true, out);
}

int nft_rules_read(struct nft_conn *c, enum rs_family family, const char *table,
		   struct nft_status *out)
{
	return status_read(c, family, table, false, out);
}

void nft_status_free(struct nft_status *s)
{
	if (!s)
		return;
	free(s->sets);
	free(s->rules);
	s->sets = NULL;
	s->rules = NULL;
	s->n_sets = s->n_rules = 0;
}

/* --- what a table holds now: the names a replacement in place deletes ------------ */

static void live_push(struct nft_live_list *l, const char *name, uint32_t objtype)
{
	struct nft_live_name *v = l->oom ? NULL : realloc(l->v, (l->n + 1) * sizeof(*v));
	char *n = v ? strdup(name) : NULL;

	if (!n) {
		if (v)
			l->v = v;
		l->oom = true;
		return;
	}
	l->v = v;
	l->v[l->n++] = (struct nft_live_name){ .name = n, .objtype = objtype };
}

static void live_list_free(struct nft_live_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
}

void nft_live_free(struct nft_live *lt)
{
	live_list_free(&lt->sets);
	live_list_free(&lt->chains);
	live_list_free(&lt->objs);
}

static int live_set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nft_live *lt = data;
	struct nftnl_set *s = nftnl_set_alloc();
	int r = MNL_CB_ERROR;

	if (s && nftnl_set_nlmsg_parse(nlh, s) == 0) {
		/* anonymous sets belong to their rules and go with them */
		if (!(nftnl_set_get_u32(s, NFTNL_SET_FLAGS) & NFT_SET_ANONYMOUS) &&
		    !strcmp(nftnl_set_get_str(s, NFTNL_SET_TABLE), lt->name))
			live_push(&lt->sets, nftnl_set_get_str(s, NFTNL_SET_NAME), 0);
		r = MNL_CB_OK;
	}
	nftnl_set_free(s);
	return r;
}

static int live_chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nft_live *lt = data;
	struct nftnl_chain *ch = nftnl_chain_alloc();
	int r = MNL_CB_ERROR;

	if (ch && nftnl_chain_nlmsg_parse(nlh, ch) == 0) {
		/* a bound (anonymous) chain goes with the rule that holds it */
		bool bound = nftnl_chain_is_set(ch, NFTNL_CHAIN_FLAGS) &&
			     (nftnl_chain_get_u32(ch, NFTNL_CHAIN_FLAGS) & NFT_CHAIN_BINDING);

		if (!bound && !strcmp(nftnl_chain_get_str(ch, NFTNL_CHAIN_TABLE), lt->name))
			live_push(&lt->chains, nftnl_chain_get_str(ch, NFTNL_CHAIN_NAME), 0);
		r = MNL_CB_OK;
	}
	nftnl_chain_free(ch);
	return r;
}

static int live_obj_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nft_live *lt = data;
	struct nftnl_obj *o = nftnl_obj_alloc();
	int r = MNL_CB_ERROR;

	if (o && nftnl_obj_nlmsg_parse(nlh, o) == 0) {
		if (!strcmp(nftnl_obj_get_str(o, NFTNL_OBJ_TABLE), lt->name))
			live_push(&lt->objs, nftnl_obj_get_str(o, NFTNL_OBJ_NAME),
				  nftnl_obj_get_u32(o, NFTNL_OBJ_TYPE));
		r = MNL_CB_OK;
	}
	nftnl_obj_free(o);
	return r;
}

/* The kernel's ruleset generation: a batch begun with it fails if anything changed since. */
static int gen_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_gen *g = nftnl_gen_alloc();
	int r = MNL_CB_ERROR;

	if (g && nftnl_gen_nlmsg_parse(nlh, g) == 0) {
		*(uint32_t *)data = nftnl_gen_get_u32(g, NFTNL_GEN_ID);
		r = MNL_CB_OK;
	}
	nftnl_gen_free(g);
	return r;
}

int nft_gen_read(struct nft_conn *c, uint32_t *genid)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETGEN, AF_UNSPEC, NLM_F_ACK, 0);

	*genid = 0;
	return nft_dump(c, nlh, gen_cb, genid);
}

int nft_live_read(struct nft_conn *c, const struct rs_table *t, struct nft_live *out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int r;

	memset(out, 0, sizeof(*out));
	out->name = t->name;
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, t->family, NLM_F_ACK, 0);
	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, t->name);
	r = nft_dump(c, nlh, NULL, NULL);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	out->present = true;
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSET, t->family, NLM_F_DUMP, 0);
	mnl_attr_put_strz(nlh, NFTA_SET_TABLE, t->name);
	r = nft_dump(c, nlh, live_set_cb, out);
	if (r == 0) {
		nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN, t->family, NLM_F_DUMP, 0);
		mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, t->name);
		r = nft_dump(c, nlh, live_chain_cb, out);
	}
	if (r == 0) {
		nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETOBJ, t->family, NLM_F_DUMP, 0);
		mnl_attr_put_strz(nlh, NFTA_OBJ_TABLE, t->name);
		r = nft_dump(c, nlh, live_obj_cb, out);
	}
	if (r == 0 && (out->sets.oom || out->chains.oom || out->objs.oom))
		r = -ENOMEM;
	return r;
}
