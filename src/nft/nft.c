// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nf_tables over netlink, writing (see nft.h; reading back is nft-read.c):
 * the model becomes one batch, sent in one sendmsg, and every ack is
 * collected within a bounded wait.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include "zonewall/nft.h"
#include "nft-int.h"


#define ELEMS_MSG_LIMIT 60000	/* start a new element message past this */


enum msg_kind {
	MSG_TABLE,
	MSG_DELTABLE,
	MSG_CHAIN,
	MSG_SET,
	MSG_ELEMS,
	MSG_RULE,
	MSG_COUNTER,
	MSG_FLUSH,		/* every rule of the table, before a replacement in place */
	MSG_DELSET,
	MSG_DELCHAIN,
	MSG_DELOBJ,
	MSG_PROBE,
};

/* What one acked message of the batch stands for, to name it on a refusal. */
struct msg_rec {
	size_t off;		/* of its nlmsghdr in the batch buffer */
	enum msg_kind kind;
	const struct rs_table *t;
	const void *obj;	/* rs_chain, rs_set, rs_rule; a name (MSG_COUNTER, MSG_DEL*) */
	const char *chain;	/* MSG_RULE: the chain's name */
	size_t first_elem;	/* MSG_ELEMS: first model element in the message */
	bool lead_zero;		/* MSG_ELEMS: begins with the interval-set zero marker */
	const char *what;	/* MSG_PROBE, MSG_ELEMS: "add"/"delete" */
};

struct batch {
	char *buf;
	size_t len, cap;
	uint32_t seq0;		/* BATCH_BEGIN's; message i has seq0 + 1 + i */
	struct msg_rec *recs;
	size_t n, rcap;
	bool oom;
};


/* --- batch buffer ----------------------------------------------------------- */

static void batch_init(struct batch *b, struct nft_conn *c)
{
	memset(b, 0, sizeof(*b));
	b->seq0 = c->seq;
}

static void batch_free(struct batch *b)
{
	free(b->buf);
	free(b->recs);
}

/* Room for one more message; NULL when out of memory. */
static char *batch_room(struct batch *b)
{
	if (b->oom)
		return NULL;
	if (b->cap - b->len < MSG_MAX) {
		size_t cap = b->cap ? b->cap * 2 : 4 * MSG_MAX;
		char *p = realloc(b->buf, cap);

		if (!p) {
			b->oom = true;
			return NULL;
		}
		b->buf = p;
		b->cap = cap;
	}
	return b->buf + b->len;
}

static uint32_t batch_next_seq(const struct batch *b)
{
	return b->seq0 + 1 + (uint32_t)b->n;
}

/* Close the message at the end of the buffer and remember what it stands for. */
static void batch_push(struct batch *b, const struct msg_rec *rec)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)(b->buf + b->len);

	if (b->n == b->rcap) {
		size_t cap = b->rcap ? b->rcap * 2 : 64;
		struct msg_rec *r = realloc(b->recs, cap * sizeof(*r));

		if (!r) {
			b->oom = true;
			return;
		}
		b->recs = r;
		b->rcap = cap;
	}
	b->recs[b->n] = *rec;
	b->recs[b->n].off = b->len;
	b->n++;
	b->len += MNL_ALIGN(nlh->nlmsg_len);
}

static struct nlmsghdr *msg_start(struct batch *b, uint16_t type, enum rs_family fam,
				  uint16_t flags)
{
	char *p = batch_room(b);

	if (!p)
		return NULL;
	return nftnl_nlmsg_build_hdr(p, type, fam, flags | NLM_F_ACK, batch_next_seq(b));
}

/* --- tables, chains, sets ----------------------------------------------------- */

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
	nlh = msg_start(b, type, t->family, flags);
	if (nlh) {
		nftnl_table_nlmsg_build_payload(nlh, nt);
		batch_push(b, &(struct msg_rec){ .kind = type == NFT_MSG_DELTABLE ?
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
	nlh = msg_start(b, NFT_MSG_NEWCHAIN, t->family, NLM_F_CREATE | NLM_F_EXCL);
	if (nlh) {
		nftnl_chain_nlmsg_build_payload(nlh, nc);
		batch_push(b, &(struct msg_rec){ .kind = MSG_CHAIN, .t = t, .obj = ch });
	}
	nftnl_chain_free(nc);
}

static uint32_t set_flags(const struct rs_set *s)
{
	uint32_t f = 0;

	if (s->interval)
		f |= NFT_SET_INTERVAL;
	if (s->interval && s->key.n > 1)
		f |= NFT_SET_CONCAT;	/* pipapo: ranges per field */
	if (s->vmap)
		f |= NFT_SET_MAP;
	return f;
}

/*
 * nft reads a key's byte order from the set's user data to print it: without
 * it an ifname key lists as "".  Written like nft: host order for strings
 * (ifname), network order for everything else, nothing for concatenations.
 */
/*
 * A typeof key as nft describes it (so that nft lists the set as nft -f of
 * compile's text made it): the concatenation's expression type, then per
 * field a nest numbered by its place holding the field's expression type
 * and data.  The numbers are nft's own: expression types 13 concat, 9 meta,
 * 7 payload; a payload's protocol description (17 Ethernet, 0 raw) and
 * template (2 source address), or for a raw one its base (3 transport),
 * offset and length in bits.
 */
static bool put_typeof_field(struct nftnl_udata_buf *ud, unsigned int i, enum rs_field f)
{
	static const uint32_t raw[] = { 0, 0, 3, 64, 128 }, ether[] = { 17, 2 }, meta[] = { 6 };
	const uint32_t *v = f == RS_F_ND_TARGET ? raw : f == RS_F_ETHER_SADDR ? ether : meta;
	size_t n = f == RS_F_ND_TARGET ? 5 : f == RS_F_ETHER_SADDR ? 2 : 1;
	struct nftnl_udata *field = nftnl_udata_nest_start(ud, (uint8_t)i), *data;
	bool ok = field && nftnl_udata_put_u32(ud, 0, f == RS_F_IIFNAME ? 9 : 7);

	data = ok ? nftnl_udata_nest_start(ud, 1) : NULL;
	for (size_t k = 0; data && k < n; k++)
		if (!nftnl_udata_put_u32(ud, (uint8_t)k, v[k]))
			return false;
	if (!data)
		return false;
	nftnl_udata_nest_end(ud, data);
	nftnl_udata_nest_end(ud, field);
	return true;
}

static bool put_typeof(struct nftnl_udata_buf *ud, const struct rs_set *s)
{
	struct nftnl_udata *key, *data;

	/* nft writes byte order 0 (none) for a concatenation it describes */
	if (!nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_KEYBYTEORDER, 0) ||
	    !(key = nftnl_udata_nest_start(ud, NFTNL_UDATA_SET_KEY_TYPEOF)) ||
	    !nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_TYPEOF_EXPR, 13) ||
	    !(data = nftnl_udata_nest_start(ud, NFTNL_UDATA_SET_TYPEOF_DATA)))
		return false;
	for (unsigned int i = 0; i < s->key.n; i++)
		if (!put_typeof_field(ud, i, s->typeof_f[i]))
			return false;
	nftnl_udata_nest_end(ud, data);
	nftnl_udata_nest_end(ud, key);
	return true;
}

static bool put_set_udata(struct nftnl_set *ns, const struct rs_set *s)
{
	struct nftnl_udata_buf *ud;
	bool ok;

	if (s->key.n != 1 && !s->has_typeof)
		return true;
	ud = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);
	if (!ud)
		return false;
	/* nft's enum byteorder: 1 host endian, 2 big endian */
	ok = s->has_typeof ? put_typeof(ud, s) :
	     nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_KEYBYTEORDER,
				 s->key.t[0] == RS_T_IFNAME ? 1 : 2);
	if (ok)
		nftnl_set_set_data(ns, NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud),
				   nftnl_udata_buf_len(ud));
	nftnl_udata_buf_free(ud);
	return ok;
}

static void put_set(struct batch *b, const struct rs_table *t, const struct rs_set *s,
		    uint32_t id)
{
	struct nftnl_set *ns = nftnl_set_alloc();
	struct nlmsghdr *nlh;

	if (!ns) {
		b->oom = true;
		return;
	}
	nftnl_set_set_u32(ns, NFTNL_SET_FAMILY, t->family);
	nftnl_set_set_str(ns, NFTNL_SET_TABLE, t->name);
	nftnl_set_set_str(ns, NFTNL_SET_NAME, s->name);
	nftnl_set_set_u32(ns, NFTNL_SET_ID, id);
	nftnl_set_set_u32(ns, NFTNL_SET_KEY_TYPE, rs_key_typeid(&s->key));
	nftnl_set_set_u32(ns, NFTNL_SET_KEY_LEN, s->keylen);
	nftnl_set_set_u32(ns, NFTNL_SET_FLAGS, set_flags(s));
	/* sized sets skip the rhashtable's growth inside the transaction */
	nftnl_set_set_u32(ns, NFTNL_SET_DESC_SIZE, rs_set_size_hint(s));
	if (s->vmap)
		nftnl_set_set_u32(ns, NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
	if (!put_set_udata(ns, s)) {
		nftnl_set_free(ns);
		b->oom = true;
		return;
	}
	if (s->interval && s->key.n > 1) {
		uint8_t lens[NFT_REG32_COUNT] = { 0 };

		for (unsigned int i = 0; i < s->key.n; i++)
			lens[i] = rs_type_len(s->key.t[i]);
		nftnl_set_set_data(ns, NFTNL_SET_DESC_CONCAT, lens, s->key.n);
	}
	nlh = msg_start(b, NFT_MSG_NEWSET, t->family, NLM_F_CREATE | NLM_F_EXCL);
	if (nlh) {
		nftnl_set_nlmsg_build_payload(nlh, ns);
		batch_push(b, &(struct msg_rec){ .kind = MSG_SET, .t = t, .obj = s });
	}
	nftnl_set_free(ns);
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
	nlh = msg_start(b, NFT_MSG_NEWOBJ, t->family, NLM_F_CREATE);
	if (nlh) {
		nftnl_obj_nlmsg_build_payload(nlh, o);
		batch_push(b, &(struct msg_rec){ .kind = MSG_COUNTER, .t = t, .obj = name });
	}
	nftnl_obj_free(o);
}

/* Delete every rule of @t (NFT_MSG_DELRULE naming the table only). */
static void put_flush(struct batch *b, const struct rs_table *t)
{
	struct nlmsghdr *nlh = msg_start(b, NFT_MSG_DELRULE, t->family, 0);

	if (nlh) {
		mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, t->name);
		batch_push(b, &(struct msg_rec){ .kind = MSG_FLUSH, .t = t });
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
	struct nlmsghdr *nlh = msg_start(b, m[kind].type, t->family, 0);

	if (!nlh)
		return;
	mnl_attr_put_strz(nlh, m[kind].table_attr, t->name);
	mnl_attr_put_strz(nlh, m[kind].name_attr, name);
	if (kind == MSG_DELOBJ)
		mnl_attr_put_u32(nlh, NFTA_OBJ_TYPE, htonl(objtype));
	batch_push(b, &(struct msg_rec){ .kind = kind, .t = t, .obj = name });
}

/* --- set elements, written straight into the batch ----------------------------- */

/*
 * A single-field interval set is an rbtree: a range [lo, hi] is a start
 * element lo and an end element hi + 1 flagged INTERVAL_END; a range
 * reaching the top of the type has no end element and is marked open.
 * Like nft, a zero end marker precedes everything when no range starts at 0.
 * Concatenated interval sets (pipapo) take KEY and KEY_END in one element.
 */
static bool rbtree(const struct rs_set *s)
{
	return s->interval && s->key.n == 1;
}

static bool is_top(const uint8_t *k, unsigned int len)
{
	for (unsigned int i = 0; i < len; i++)
		if (k[i] != 0xff)
			return false;
	return true;
}

static bool is_zero(const uint8_t *k, unsigned int len)
{
	for (unsigned int i = 0; i < len; i++)
		if (k[i])
			return false;
	return true;
}

static void increment(uint8_t *k, unsigned int len)
{
	for (unsigned int i = len; i-- > 0;)
		if (++k[i])
			return;
}

/* Kernel elements that model element @i becomes. */
static unsigned int kernel_elems(const struct rs_set *s, size_t i)
{
	if (!rbtree(s))
		return 1;
	return is_top(s->hi + i * s->keylen, rs_type_len(s->key.t[0])) ? 1 : 2;
}

static void put_key(struct nlmsghdr *nlh, uint16_t type, const void *key, unsigned int len)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, type);

	mnl_attr_put(nlh, NFTA_DATA_VALUE, len, key);
	mnl_attr_nest_end(nlh, n);
}

static void put_verdict(struct nlmsghdr *nlh, const struct rs_verdict *v)
{
	static const int codes[] = {
		[RS_V_ACCEPT] = NF_ACCEPT, [RS_V_DROP] = NF_DROP, [RS_V_JUMP] = NFT_JUMP,
		[RS_V_GOTO] = NFT_GOTO, [RS_V_RETURN] = NFT_RETURN,
	};
	struct nlattr *data = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_DATA);
	struct nlattr *verd = mnl_attr_nest_start(nlh, NFTA_DATA_VERDICT);

	mnl_attr_put_u32(nlh, NFTA_VERDICT_CODE, htonl((uint32_t)codes[v->code]));
	if (v->chain)
		mnl_attr_put_strz(nlh, NFTA_VERDICT_CHAIN, v->chain);
	mnl_attr_nest_end(nlh, verd);
	mnl_attr_nest_end(nlh, data);
}

static void put_one_elem(struct nlmsghdr *nlh, const struct rs_set *s, const uint8_t *key,
			 const uint8_t *key_end, bool end, bool open,
			 const struct rs_verdict *v)
{
	struct nlattr *e = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);

	put_key(nlh, NFTA_SET_ELEM_KEY, key, s->keylen);
	if (key_end)
		put_key(nlh, NFTA_SET_ELEM_KEY_END, key_end, s->keylen);
	if (end)
		mnl_attr_put_u32(nlh, NFTA_SET_ELEM_FLAGS, htonl(NFT_SET_ELEM_INTERVAL_END));
	if (v && !end)
		put_verdict(nlh, v);
	if (open) {
		uint8_t ud[6] = { NFTNL_UDATA_SET_ELEM_FLAGS, 4 };
		uint32_t f = NFTNL_SET_ELEM_F_INTERVAL_OPEN;

		memcpy(ud + 2, &f, sizeof(f));
		mnl_attr_put(nlh, NFTA_SET_ELEM_USERDATA, sizeof(ud), ud);
	}
	mnl_attr_nest_end(nlh, e);
}

static void put_model_elem(struct nlmsghdr *nlh, const struct rs_set *s, size_t i)
{
	const uint8_t *lo = s->lo + i * s->keylen;
	const struct rs_verdict *v = s->vmap ? &s->verdicts[i] : NULL;
	uint8_t end[RS_KEY_MAX];
	unsigned int flen;

	if (!s->interval) {
		put_one_elem(nlh, s, lo, NULL, false, false, v);
		return;
	}
	if (!rbtree(s)) {
		put_one_elem(nlh, s, lo, s->hi + i * s->keylen, false, false, v);
		return;
	}
	flen = rs_type_len(s->key.t[0]);
	memcpy(end, s->hi + i * s->keylen, s->keylen);
	if (is_top(end, flen)) {
		put_one_elem(nlh, s, lo, NULL, false, true, v);
		return;
	}
	put_one_elem(nlh, s, lo, NULL, false, false, v);
	increment(end, flen);
	put_one_elem(nlh, s, end, NULL, true, false, NULL);
}

struct elem_target {
	const struct rs_table *t;	/* for the record; NULL for updates */
	enum rs_family family;
	const char *table;
	uint32_t set_id;		/* 0: refer by name only */
	uint16_t type;			/* NFT_MSG_NEWSETELEM or NFT_MSG_DELSETELEM */
	bool lead_zero;
};

static struct nlmsghdr *elems_msg_start(struct batch *b, const struct elem_target *et,
					const struct rs_set *s, struct nlattr **list)
{
	struct nlmsghdr *nlh = msg_start(b, et->type, et->family,
					 et->type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE : 0);

	if (!nlh)
		return NULL;
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, et->table);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, s->name);
	if (et->set_id)
		mnl_attr_put_u32(nlh, NFTA_SET_ELEM_LIST_SET_ID, htonl(et->set_id));
	*list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
	return nlh;
}

static void put_elems(struct batch *b, const struct elem_target *et, const struct rs_set *s)
{
	struct nlmsghdr *nlh = NULL;
	struct nlattr *list = NULL;
	struct msg_rec rec = { .kind = MSG_ELEMS, .t = et->t, .obj = s,
			       .what = et->type == NFT_MSG_NEWSETELEM ? "add" : "delete" };
	static const uint8_t zero[RS_KEY_MAX];
	size_t i = 0;

	if (s->n_elems == 0)
		return;
	nlh = elems_msg_start(b, et, s, &list);
	if (!nlh)
		return;
	if (et->lead_zero) {
		put_one_elem(nlh, s, zero, NULL, true, false, NULL);
		rec.lead_zero = true;
	}
	for (; i < s->n_elems; i++) {
		if (nlh->nlmsg_len > ELEMS_MSG_LIMIT) {
			mnl_attr_nest_end(nlh, list);
			batch_push(b, &rec);
			rec = (struct msg_rec){ .kind = MSG_ELEMS, .t = et->t, .obj = s,
						.first_elem = i, .what = rec.what };
			nlh = elems_msg_start(b, et, s, &list);
			if (!nlh)
				return;
		}
		put_model_elem(nlh, s, i);
	}
	mnl_attr_nest_end(nlh, list);
	batch_push(b, &rec);
}

/* Does an rbtree set need nft's leading zero end marker? */
static bool needs_lead_zero(const struct rs_set *s)
{
	if (!rbtree(s) || s->n_elems == 0)
		return false;
	for (size_t i = 0; i < s->n_elems; i++)
		if (is_zero(s->lo + i * s->keylen, s->keylen))
			return false;
	return true;
}

/* --- rules -------------------------------------------------------------------- */

struct field_code {
	enum { LD_PAYLOAD, LD_META, LD_CT } how;
	uint32_t base, offset, len;	/* payload */
	uint32_t key;			/* meta / ct key */
	uint8_t dir;			/* ct: 1 original, 2 reply, 0 none */
};

static const struct field_code field_codes[RS_F__COUNT] = {
	[RS_F_IP_SADDR] = { LD_PAYLOAD, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, 0, 0 },
	[RS_F_IP_DADDR] = { LD_PAYLOAD, NFT_PAYLOAD_NETWORK_HEADER, 16, 4, 0, 0 },
	[RS_F_IP6_SADDR] = { LD_PAYLOAD, NFT_PAYLOAD_NETWORK_HEADER, 8, 16, 0, 0 },
	[RS_F_IP6_DADDR] = { LD_PAYLOAD, NFT_PAYLOAD_NETWORK_HEADER, 24, 16, 0, 0 },
	[RS_F_L4PROTO] = { LD_META, 0, 0, 1, NFT_META_L4PROTO, 0 },
	[RS_F_TH_DPORT] = { LD_PAYLOAD, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, 0, 0 },
	[RS_F_IIFNAME] = { LD_META, 0, 0, 16, NFT_META_IIFNAME, 0 },
	[RS_F_OIFNAME] = { LD_META, 0, 0, 16, NFT_META_OIFNAME, 0 },
	[RS_F_ETHER_SADDR] = { LD_PAYLOAD, NFT_PAYLOAD_LL_HEADER, 6, 6, 0, 0 },
	[RS_F_CT_STATE] = { LD_CT, 0, 0, 4, NFT_CT_STATE, 0 },
	[RS_F_ARP_HLEN] = { LD_PAYLOAD, NFT_PAYLOAD_NETWORK_HEADER, 4, 1, 0, 0 },
	[RS_F_ARP_PLEN] = { LD_PAYLOAD, NFT_PAYLOAD_NETWORK_HEADER, 5, 1, 0, 0 },
	/* sender protocol address: after htype, ptype, hlen, plen, op and a 6-byte sha */
	[RS_F_ARP_SADDR_IP] = { LD_PAYLOAD, NFT_PAYLOAD_NETWORK_HEADER, 14, 4, 0, 0 },
	/* read where the kernel rebuilds a VLAN tag it took off: a tagged frame's is 0x8100 */
	[RS_F_ETHER_TYPE] = { LD_PAYLOAD, NFT_PAYLOAD_LL_HEADER, 12, 2, 0, 0 },
	/* as nft: no network-layer check, the rule's meta l4proto ipv6-icmp is the guard */
	[RS_F_ICMPV6_TYPE] = { LD_PAYLOAD, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1, 0, 0 },
	/* after type, code, checksum and the flags word of a neighbour advertisement */
	[RS_F_ND_TARGET] = { LD_PAYLOAD, NFT_PAYLOAD_TRANSPORT_HEADER, 8, 16, 0, 0 },
	[RS_F_PKTTYPE] = { LD_META, 0, 0, 1, NFT_META_PKTTYPE, 0 },
	[RS_F_ETHER_DADDR] = { LD_PAYLOAD, NFT_PAYLOAD_LL_HEADER, 0, 6, 0, 0 },
	/* after htype, ptype, hlen, plen and op */
	[RS_F_ARP_SADDR_ETHER] = { LD_PAYLOAD, NFT_PAYLOAD_NETWORK_HEADER, 8, 6, 0, 0 },
	[RS_F_CT_ORIG_IP_SADDR] = { LD_CT, 0, 0, 4, NFT_CT_SRC_IP, 1 },
	[RS_F_CT_REPLY_IP_SADDR] = { LD_CT, 0, 0, 4, NFT_CT_SRC_IP, 2 },
	[RS_F_CT_ORIG_IP6_SADDR] = { LD_CT, 0, 0, 16, NFT_CT_SRC_IP6, 1 },
	[RS_F_CT_REPLY_IP6_SADDR] = { LD_CT, 0, 0, 16, NFT_CT_SRC_IP6, 2 },
};

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
	const struct field_code *fc = &field_codes[f];
	struct nftnl_expr *e;

	if (fc->how == LD_PAYLOAD) {
		e = nftnl_expr_alloc("payload");
		if (!e)
			return false;
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, fc->base);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, fc->offset);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, fc->len);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, reg);
	} else if (fc->how == LD_META) {
		e = nftnl_expr_alloc("meta");
		if (!e)
			return false;
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, fc->key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, reg);
	} else {
		e = nftnl_expr_alloc("ct");
		if (!e)
			return false;
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, fc->key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, reg);
		/* the kernel's IP_CT_DIR_ORIGINAL (0) and IP_CT_DIR_REPLY (1) */
		if (fc->dir)
			nftnl_expr_set_u8(e, NFTNL_EXPR_CT_DIR, (uint8_t)(fc->dir - 1));
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
		off += (field_codes[f[i]].len + 3) & ~3u;
	}
	return true;
}

static bool stmt_match(struct nftnl_rule *r, enum rs_family fam, const struct rs_stmt *st,
		       uint16_t *dep_done)
{
	const struct field_code *fc = &field_codes[st->f[0]];
	uint8_t val[16] = { 0 }, mask[16];
	unsigned int bits;

	if (!expr_load_concat(r, fam, st->f, 1, dep_done))
		return false;
	switch (st->val.type) {
	case RS_T_CTSTATE:
		/* a bit mask: "in" means any of the bits */
		memcpy(mask, &st->val.u.ctmask, 4);
		return expr_bitwise(r, NFT_REG_1, mask, 4) &&
		       expr_cmp(r, NFT_REG_1, st->neg ? NFT_CMP_EQ : NFT_CMP_NEQ, val, 4);
	case RS_T_IPV4:
	case RS_T_IPV6:
	case RS_T_INT128:
		memcpy(val, st->val.type == RS_T_IPV4 ? (const void *)&st->val.u.v4 :
			    (const void *)&st->val.u.v6, fc->len);
		if (st->val.prefix < fc->len * 8) {
			bits = st->val.prefix;
			for (unsigned int i = 0; i < fc->len; i++) {
				unsigned int keep = bits >= 8 ? 8 : bits;

				mask[i] = keep ? (uint8_t)(0xff << (8 - keep)) : 0;
				val[i] &= mask[i];
				bits -= keep;
			}
			if (!expr_bitwise(r, NFT_REG_1, mask, fc->len))
				return false;
		}
		break;
	case RS_T_SERVICE:
		val[0] = st->val.u.port >> 8;
		val[1] = st->val.u.port & 0xff;
		break;
	case RS_T_PROTO:
		val[0] = st->val.u.proto;
		break;
	case RS_T_U8:
	case RS_T_ICMPV6_TYPE:
	case RS_T_PKTTYPE:
		val[0] = st->val.u.u8;
		break;
	case RS_T_ETHERTYPE:
		val[0] = st->val.u.ethertype >> 8;
		val[1] = st->val.u.ethertype & 0xff;
		break;
	case RS_T_ETHER:
		memcpy(val, st->val.u.ether, 6);
		if (st->val.prefix && st->val.prefix < 48) {
			bits = st->val.prefix;
			for (unsigned int i = 0; i < 6; i++) {
				unsigned int keep = bits >= 8 ? 8 : bits;

				mask[i] = keep ? (uint8_t)(0xff << (8 - keep)) : 0;
				val[i] &= mask[i];
				bits -= keep;
			}
			if (!expr_bitwise(r, NFT_REG_1, mask, 6))
				return false;
		}
		break;
	case RS_T_IFNAME:
		memcpy(val, st->val.u.ifname, RS_IFNAMSIZ);
		break;
	}
	return expr_cmp(r, NFT_REG_1, st->neg ? NFT_CMP_NEQ : NFT_CMP_EQ, val, fc->len);
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

static void put_rule(struct batch *b, const struct rs_table *t, uint32_t table_base,
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
	nlh = msg_start(b, NFT_MSG_NEWRULE, t->family, NLM_F_CREATE | NLM_F_APPEND);
	if (nlh) {
		nftnl_rule_nlmsg_build_payload(nlh, r);
		batch_push(b, &(struct msg_rec){ .kind = MSG_RULE, .t = t, .obj = rr,
						 .chain = ch->name });
	}
	nftnl_rule_free(r);
	return;
out_oom:
	b->oom = true;
	nftnl_rule_free(r);
}

/* --- sending and collecting acks ---------------------------------------------- */

struct ack_state {
	const struct batch *b;
	size_t got;
	int begin_err;		/* the batch as a whole refused (ERESTART: stale generation) */
	int first_err;
	size_t first_idx;
	char extack[256];
	uint32_t extack_off;
};

static int extack_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(a);

	if (type <= NLMSGERR_ATTR_OFFS)
		tb[type] = a;
	return MNL_CB_OK;
}

static void take_ack(struct ack_state *as, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[NLMSGERR_ATTR_OFFS + 1] = { 0 };
	uint32_t idx = nlh->nlmsg_seq - as->b->seq0 - 1;
	unsigned int off;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*err))
		return;
	if (nlh->nlmsg_seq == as->b->seq0 && err->error) {
		as->begin_err = err->error;
		return;
	}
	if (idx >= as->b->n)
		return;
	as->got++;
	if (err->error == 0 || (as->first_err && idx >= as->first_idx))
		return;
	as->first_err = err->error;
	as->first_idx = idx;
	as->extack[0] = '\0';
	as->extack_off = 0;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	off = sizeof(*err);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += MNL_ALIGN(err->msg.nlmsg_len - NLMSG_HDRLEN);
	if (mnl_attr_parse(nlh, off, extack_attr_cb, tb) < 0)
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(as->extack, sizeof(as->extack), "%s", mnl_attr_get_str(tb[NLMSGERR_ATTR_MSG]));
	if (tb[NLMSGERR_ATTR_OFFS])
		as->extack_off = mnl_attr_get_u32(tb[NLMSGERR_ATTR_OFFS]);
}


/* Send the whole batch in one sendmsg and collect one ack per message. */
static int batch_talk(struct nft_conn *c, struct batch *b, struct ack_state *as)
{
	struct timespec deadline;
	ssize_t n;

	memset(as, 0, sizeof(*as));
	as->b = b;
	if (nft_send(c, b->buf, b->len) < 0)
		return -errno;
	nft_deadline_in(&deadline, c->timeout_ms);
	while (as->got < b->n && !as->begin_err) {
		int left;

		n = nft_recv(c, &deadline);
		if (n < 0)
			return (int)n;	/* -ENOBUFS: acks lost, outcome unknown */
		left = (int)n;
		for (const struct nlmsghdr *nlh = (void *)c->rcv; mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left))
			if (nlh->nlmsg_type == NLMSG_ERROR && nlh->nlmsg_pid == c->portid)
				take_ack(as, nlh);
	}
	return as->begin_err ? as->begin_err : as->first_err;
}

/* Which element (the k-th NFTA_LIST_ELEM) of element message @rec sits at @off. */
static long elem_at(const struct batch *b, const struct msg_rec *rec, uint32_t off)
{
	const struct nlmsghdr *nlh = (const void *)(b->buf + rec->off);
	const struct nlattr *a, *e;
	long k = 0;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
			continue;
		mnl_attr_for_each_nested(e, a) {
			uint32_t at = (const char *)e - (const char *)nlh;

			if (off >= at && off < at + e->nla_len)
				return k;
			k++;
		}
	}
	return -1;
}

/* Map the k-th kernel element of @rec back to a model element index. */
static long model_elem(const struct rs_set *s, const struct msg_rec *rec, long k)
{
	size_t i = rec->first_elem;

	if (rec->lead_zero && k-- == 0)
		return -1;
	for (; i < s->n_elems; i++) {
		long n = kernel_elems(s, i);

		if (k < n)
			return (long)i;
		k -= n;
	}
	return -1;
}

static void describe(const struct ack_state *as, struct nft_error *e)
{
	const struct msg_rec *rec = &as->b->recs[as->first_idx];
	char obj[512] = "", elem[256];
	const char *origin = "";
	const char *fam = rec->t ? rs_family_name(rec->t->family) : "";

	switch (rec->kind) {
	case MSG_TABLE:
	case MSG_DELTABLE:
		snprintf(obj, sizeof(obj), "table %s %s", fam, rec->t->name);
		origin = rec->t->origin;
		break;
	case MSG_CHAIN:
		snprintf(obj, sizeof(obj), "chain %s", ((const struct rs_chain *)rec->obj)->name);
		origin = ((const struct rs_chain *)rec->obj)->origin;
		break;
	case MSG_SET:
		snprintf(obj, sizeof(obj), "set %s", ((const struct rs_set *)rec->obj)->name);
		origin = ((const struct rs_set *)rec->obj)->origin;
		break;
	case MSG_ELEMS: {
		const struct rs_set *s = rec->obj;
		long k = as->extack_off ? elem_at(as->b, rec, as->extack_off) : -1;
		long i = k >= 0 ? model_elem(s, rec, k) : -1;

		origin = s->origin;
		if (i >= 0) {
			rs_elem_text(s, i, elem, sizeof(elem));
			snprintf(obj, sizeof(obj), "%s element %s of set %s", rec->what, elem,
				 s->name);
			origin = rs_elem_origin(s, i);
		} else {
			snprintf(obj, sizeof(obj), "%s elements of set %s", rec->what, s->name);
		}
		break;
	}
	case MSG_RULE: {
		const struct rs_rule *r = rec->obj;

		snprintf(obj, sizeof(obj), "rule in chain %s%s%s", rec->chain,
			 r->comment ? ": " : "", r->comment ? r->comment : "");
		origin = r->origin;
		break;
	}
	case MSG_COUNTER:
		snprintf(obj, sizeof(obj), "counter %s", (const char *)rec->obj);
		origin = rec->t->origin;
		break;
	case MSG_FLUSH:
		snprintf(obj, sizeof(obj), "flush of table %s %s", fam, rec->t->name);
		break;
	case MSG_DELSET:
	case MSG_DELCHAIN:
	case MSG_DELOBJ:
		snprintf(obj, sizeof(obj), "delete %s %s of table %s %s",
			 rec->kind == MSG_DELSET ? "set" : rec->kind == MSG_DELCHAIN ? "chain" :
			 "object", (const char *)rec->obj, fam, rec->t->name);
		break;
	case MSG_PROBE:
		snprintf(obj, sizeof(obj), "%s", rec->what);
		break;
	}
	e->err = as->first_err;
	snprintf(e->origin, sizeof(e->origin), "%s", origin);
	snprintf(e->text, sizeof(e->text), "kernel refused %s%s%s%s: %s%s%s%s",
		 *origin ? origin : obj, *origin ? " [" : "", *origin ? obj : "",
		 *origin ? "]" : "", strerror(-as->first_err), *as->extack ? " (" : "",
		 as->extack, *as->extack ? ")" : "");
}

/* @genid: the generation the batch was built against (0: any); a batch
 * begun with it is refused whole (ERESTART) when the ruleset moved on. */
static void batch_open_gen(struct batch *b, uint32_t genid)
{
	char *p = batch_room(b);

	if (p) {
		struct nlmsghdr *nlh = nftnl_batch_begin(p, b->seq0);

		if (genid)
			mnl_attr_put_u32(nlh, NFNL_BATCH_GENID, htonl(genid));
		b->len += MNL_ALIGN(nlh->nlmsg_len);
	}
}

static void batch_open(struct batch *b)
{
	batch_open_gen(b, 0);
}

/* Close, send, collect; fill @e on a refusal.  Consumes the batch's sequence numbers. */
static int batch_finish(struct nft_conn *c, struct batch *b, struct nft_error *e)
{
	struct ack_state as;
	char *p = batch_room(b);
	int r;

	if (e)
		memset(e, 0, sizeof(*e));
	if (!p || b->oom) {
		r = -ENOMEM;
		goto out_report;
	}
	b->len += MNL_ALIGN(nftnl_batch_end(p, batch_next_seq(b))->nlmsg_len);
	c->seq = batch_next_seq(b) + 1;
	r = batch_talk(c, b, &as);
	if (r < 0 && !as.begin_err && as.first_err && e) {
		describe(&as, e);
		return r;
	}
out_report:
	if (r < 0 && e) {
		e->err = r;
		if (r == -ETIMEDOUT)
			snprintf(e->text, sizeof(e->text),
				 "no answer from the kernel for %zu of %zu messages within %d ms",
				 b->n - as.got, b->n, c->timeout_ms);
		else
			snprintf(e->text, sizeof(e->text), "netlink: %s", strerror(-r));
	}
	return r;
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
			.lead_zero = needs_lead_zero(s),
		};

		put_set(b, t, s, et.set_id);
		put_elems(b, &et, s);
	}
	for (size_t i = 0; i < t->n_chains; i++)
		for (size_t j = 0; j < t->chains[i]->n_rules; j++)
			put_rule(b, t, base, t->chains[i], t->chains[i]->rules[j]);
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
		batch_init(&b, c);
		batch_open_gen(&b, genid);
		for (size_t i = 0; i < rs->n_tables; i++)
			put_table_all(&b, rs->tables[i], (uint32_t)i << 16, &live[i]);
		r = batch_finish(c, &b, e);
		batch_free(&b);
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

	batch_init(&b, c);
	batch_open(&b);
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++) {
			const struct rs_set *s = pass ? v[i].add : v[i].del;
			struct elem_target et = {
				.family = v[i].family, .table = v[i].table,
				.type = pass ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM,
			};

			if (s)
				put_elems(&b, &et, s);
		}
	if (b.n == 0) {
		batch_free(&b);
		if (e)
			memset(e, 0, sizeof(*e));
		return 0;
	}
	r = batch_finish(c, &b, e);
	batch_free(&b);
	return r;
}

int nft_uninstall(struct nft_conn *c, const struct rs_ruleset *rs, struct nft_error *e)
{
	struct batch b;
	int r;

	batch_init(&b, c);
	batch_open(&b);
	for (size_t i = 0; i < rs->n_tables; i++) {
		/* creating first makes the delete succeed when the table is absent */
		put_table(&b, rs->tables[i], NFT_MSG_NEWTABLE, NLM_F_CREATE);
		put_table(&b, rs->tables[i], NFT_MSG_DELTABLE, 0);
	}
	r = batch_finish(c, &b, e);
	batch_free(&b);
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

	batch_init(&b, c);
	batch_open(&b);
	put_table(&b, t, NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_EXCL);
	put_chain(&b, t, ch);
	put_rule(&b, t, 0, ch, rule);
	/* deleting a table that does not exist fails, so nothing commits */
	put_table(&b, absent, NFT_MSG_DELTABLE, 0);
	if (b.oom || !batch_room(&b)) {
		batch_free(&b);
		goto out_free_rs;
	}
	b.len += MNL_ALIGN(nftnl_batch_end(b.buf + b.len, batch_next_seq(&b))->nlmsg_len);
	c->seq = batch_next_seq(&b) + 1;
	r = batch_talk(c, &b, &as);
	if (r == -ENOENT && as.first_idx == b.n - 1) {
		out->conntrack_bridge = true;
		r = 0;
	} else if (r < 0 && as.first_err && as.first_idx == 2) {
		out->conntrack_bridge_err = as.first_err;
		r = 0;
	} else if (r == 0) {
		r = -EPROTO;	/* the failing message did not fail */
	}
	batch_free(&b);
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
