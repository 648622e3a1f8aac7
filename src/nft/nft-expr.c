// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Rules into a batch (see nft-int.h): each statement of the model becomes
 * nf_tables expressions, fields loaded as rs_field_desc() says and values
 * compared as rs_value_match() gives them.
 */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "zonewall/nft.h"
#include "zonewall/rs-types.h"
#include "nft-int.h"

/* --- rules -------------------------------------------------------------------- */

static bool add_expr(struct nftnl_rule *r, struct nftnl_expr *e)
{
	if (!e)
		return false;
	nftnl_rule_add_expr(r, e);
	return true;
}

static bool expr_cmp(struct nftnl_rule *r, uint32_t reg, uint32_t op, const void *data,
		     uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	if (!e)
		return false;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	return add_expr(r, e);
}

static bool expr_bitwise(struct nftnl_rule *r, uint32_t reg, const void *mask, uint32_t len)
{
	static const uint8_t zero[16];
	struct nftnl_expr *e = nftnl_expr_alloc("bitwise");

	if (!e)
		return false;
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
	return add_expr(r, e);
}

static bool expr_load(struct nftnl_rule *r, enum rs_field f, uint32_t reg)
{
	const struct rs_field_desc *fd = rs_field_desc(f);
	struct nftnl_expr *e;

	if (!fd)
		return false;
	if (fd->load.how == RS_LOAD_PAYLOAD) {
		e = nftnl_expr_alloc("payload");
		if (!e)
			return false;
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, fd->load.base);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, fd->load.offset);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, fd->load.len);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, reg);
	} else if (fd->load.how == RS_LOAD_META) {
		e = nftnl_expr_alloc("meta");
		if (!e)
			return false;
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, fd->load.key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, reg);
	} else {
		e = nftnl_expr_alloc("ct");
		if (!e)
			return false;
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, fd->load.key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, reg);
		/* the kernel's IP_CT_DIR_ORIGINAL (0) and IP_CT_DIR_REPLY (1) */
		if (fd->load.dir)
			nftnl_expr_set_u8(e, NFTNL_EXPR_CT_DIR, (uint8_t)(fd->load.dir - 1));
	}
	return add_expr(r, e);
}

/*
 * The check a rule makes once before its first IPv4, IPv6 or ARP header
 * field (rs_field_ethertype()).  Bridge tables: the frame's own ether type,
 * read from the link-layer header.  Not "meta protocol", which nft would
 * add for an IP field: after the kernel takes a VLAN tag off a frame,
 * skb->protocol is the inner protocol, so a priority-tagged (VLAN id 0)
 * IPv4 frame would pass for IPv4 here, and br_netfilter would then hand it
 * to no inet hook at all (bridge-nf-filter-vlan-tagged is 0 by default)
 * while the receiver's kernel strips the tag and delivers it.  Inet
 * tables: meta nfproto, as nft adds.
 */
static bool expr_dep(struct nftnl_rule *r, enum rs_family fam, uint16_t ethertype)
{
	struct nftnl_expr *e;

	if (fam == RS_BRIDGE) {
		uint16_t type = htons(ethertype);

		if (!(e = nftnl_expr_alloc("payload")))
			return false;
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, NFT_PAYLOAD_LL_HEADER);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, 12);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, 2);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
		return add_expr(r, e) && expr_cmp(r, NFT_REG_1, NFT_CMP_EQ, &type, 2);
	}
	uint8_t nfproto = ethertype == 0x0800 ? NFPROTO_IPV4 : NFPROTO_IPV6;

	if (!(e = nftnl_expr_alloc("meta")))
		return false;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_NFPROTO);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	return add_expr(r, e) && expr_cmp(r, NFT_REG_1, NFT_CMP_EQ, &nfproto, 1);
}

/* Load @n fields side by side from register 1 on, as concatenations need. */
static bool expr_load_concat(struct nftnl_rule *r, enum rs_family fam, const enum rs_field *f,
			     unsigned int n, uint16_t *dep_done)
{
	unsigned int off = 0;
	uint16_t dep = 0;

	for (unsigned int i = 0; i < n; i++)
		if (rs_field_ethertype(f[i]))
			dep = rs_field_ethertype(f[i]);
	if (dep && dep != *dep_done) {
		if (!expr_dep(r, fam, dep))
			return false;
		*dep_done = dep;
	}
	for (unsigned int i = 0; i < n; i++) {
		uint32_t reg = off ? NFT_REG32_00 + off / 4 : NFT_REG_1;

		if (!expr_load(r, f[i], reg))
			return false;
		off += (rs_field_desc(f[i])->load.len + 3) & ~3u;
	}
	return true;
}

static bool stmt_match(struct nftnl_rule *r, enum rs_family fam, const struct rs_stmt *st,
		       uint16_t *dep_done)
{
	const struct rs_type_desc *td = rs_type_desc(st->val.type);
	uint8_t val[RS_VALUE_MAX], mask[RS_VALUE_MAX];
	uint32_t op = st->neg ? NFT_CMP_NEQ : NFT_CMP_EQ;
	unsigned int len;
	bool masked;

	if (!td || !expr_load_concat(r, fam, st->f, 1, dep_done))
		return false;
	len = rs_value_match(&st->val, val, mask, &masked);
	if (masked && !expr_bitwise(r, NFT_REG_1, mask, len))
		return false;
	/* a bit mask matches when any of its bits is set: the masked register is not zero */
	if (td->bitmask)
		op = st->neg ? NFT_CMP_EQ : NFT_CMP_NEQ;
	return expr_cmp(r, NFT_REG_1, op, val, len);
}

static bool stmt_lookup(struct nftnl_rule *r, enum rs_family fam, const struct rs_stmt *st,
			uint32_t set_id, uint16_t *dep_done)
{
	struct nftnl_expr *e;

	if (!expr_load_concat(r, fam, st->f, st->n_f, dep_done))
		return false;
	e = nftnl_expr_alloc("lookup");
	if (!e)
		return false;
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, st->set);
	if (set_id)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, set_id);
	if (st->kind == RS_S_VMAP)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_VERDICT);
	if (st->neg)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
	return add_expr(r, e);
}

static bool stmt_other(struct nftnl_rule *r, const struct rs_stmt *st)
{
	static const int codes[] = {
		[RS_V_ACCEPT] = NF_ACCEPT, [RS_V_DROP] = NF_DROP, [RS_V_JUMP] = NFT_JUMP,
		[RS_V_GOTO] = NFT_GOTO, [RS_V_RETURN] = NFT_RETURN,
	};
	struct nftnl_expr *e;

	switch (st->kind) {
	case RS_S_COUNTER:
		if (!st->obj)
			return add_expr(r, nftnl_expr_alloc("counter"));
		e = nftnl_expr_alloc("objref");
		if (!e)
			return false;
		nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE, NFT_OBJECT_COUNTER);
		nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_IMM_NAME, st->obj);
		return add_expr(r, e);
	case RS_S_LIMIT:
		e = nftnl_expr_alloc("limit");
		if (!e)
			return false;
		nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_RATE, st->rate);
		nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_UNIT, 1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_BURST, st->burst);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_TYPE, NFT_LIMIT_PKTS);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_FLAGS, 0);
		return add_expr(r, e);
	case RS_S_LOG:
		e = nftnl_expr_alloc("log");
		if (!e)
			return false;
		nftnl_expr_set_u16(e, NFTNL_EXPR_LOG_GROUP, st->group);
		if (st->prefix)
			nftnl_expr_set_str(e, NFTNL_EXPR_LOG_PREFIX, st->prefix);
		return add_expr(r, e);
	case RS_S_VERDICT:
		e = nftnl_expr_alloc("immediate");
		if (!e)
			return false;
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)codes[st->v.code]);
		if (st->v.chain)
			nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, st->v.chain);
		return add_expr(r, e);
	default:
		return false;
	}
}

/* The batch id of set @name of table @t (sets are numbered in table order). */
static uint32_t set_id_of(const struct rs_table *t, uint32_t table_base, const char *name)
{
	for (size_t i = 0; i < t->n_sets; i++)
		if (!strcmp(t->sets[i]->name, name))
			return table_base + (uint32_t)i + 1;
	return 0;
}

static bool rule_exprs(struct nftnl_rule *r, const struct rs_table *t, uint32_t table_base,
		       const struct rs_rule *rr)
{
	uint16_t dep = 0;	/* the rule's protocol check, once (expr_dep) */

	for (size_t k = 0; k < rr->n; k++) {
		const struct rs_stmt *st = &rr->s[k];
		bool ok;

		if (st->kind == RS_S_MATCH)
			ok = stmt_match(r, t->family, st, &dep);
		else if (st->kind == RS_S_LOOKUP || st->kind == RS_S_VMAP)
			ok = stmt_lookup(r, t->family, st, set_id_of(t, table_base, st->set), &dep);
		else
			ok = stmt_other(r, st);
		if (!ok)
			return false;
	}
	return true;
}

void nft_put_rule(struct batch *b, const struct rs_table *t, uint32_t table_base,
		     const struct rs_chain *ch, const struct rs_rule *rr)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;

	if (!r) {
		b->oom = true;
		return;
	}
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, t->family);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, t->name);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, ch->name);
	if (rr->comment) {
		struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);

		if (!ud || !nftnl_udata_put_strz(ud, NFTNL_UDATA_RULE_COMMENT, rr->comment)) {
			nftnl_udata_buf_free(ud);
			goto out_oom;
		}
		nftnl_rule_set_data(r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(ud),
				    nftnl_udata_buf_len(ud));
		nftnl_udata_buf_free(ud);
	}
	if (!rule_exprs(r, t, table_base, rr))
		goto out_oom;
	nlh = nft_msg_start(b, NFT_MSG_NEWRULE, t->family, NLM_F_CREATE | NLM_F_APPEND);
	if (nlh) {
		nftnl_rule_nlmsg_build_payload(nlh, r);
		nft_batch_push(b, &(struct msg_rec){ .kind = MSG_RULE, .t = t, .obj = rr,
						 .chain = ch->name });
	}
	nftnl_rule_free(r);
	return;
out_oom:
	b->oom = true;
	nftnl_rule_free(r);
}

