// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Sets and their elements into a batch (see nft-int.h): the set as a
 * libnftnl object, its elements written straight into the batch with libmnl.
 */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include <libmnl/libmnl.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "zonewall/nft.h"
#include "zonewall/rs-types.h"
#include "nft-int.h"

#define ELEMS_MSG_LIMIT 60000	/* start a new element message past this */

/* --- sets ---------------------------------------------------------------------- */

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
 * A typeof key as nft describes it (so that nft lists the set as nft -f of
 * compile's text made it): the concatenation's expression type (13), then
 * per field a nest numbered by its place holding the field's expression
 * type and data (rs_field_desc()->nft_typeof).
 */
static bool put_typeof_field(struct nftnl_udata_buf *ud, unsigned int i, enum rs_field f)
{
	const struct rs_field_desc *fd = rs_field_desc(f);
	struct nftnl_udata *field = nftnl_udata_nest_start(ud, (uint8_t)i), *data;
	bool ok = fd && field && nftnl_udata_put_u32(ud, 0, fd->nft_typeof.expr);

	data = ok ? nftnl_udata_nest_start(ud, 1) : NULL;
	for (unsigned int k = 0; data && k < fd->nft_typeof.n; k++)
		if (!nftnl_udata_put_u32(ud, (uint8_t)k, fd->nft_typeof.data[k]))
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

/*
 * nft reads a key's byte order from the set's user data to print it: without
 * it an ifname key lists as "".  Written like nft: host order for strings
 * (ifname), network order for everything else, nothing for concatenations.
 */
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
				 rs_type_desc(s->key.t[0])->byteorder);
	if (ok)
		nftnl_set_set_data(ns, NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud),
				   nftnl_udata_buf_len(ud));
	nftnl_udata_buf_free(ud);
	return ok;
}

void nft_put_set(struct batch *b, const struct rs_table *t, const struct rs_set *s,
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
	nlh = nft_msg_start(b, NFT_MSG_NEWSET, t->family, NLM_F_CREATE | NLM_F_EXCL);
	if (nlh) {
		nftnl_set_nlmsg_build_payload(nlh, ns);
		nft_batch_push(b, &(struct msg_rec){ .kind = MSG_SET, .t = t, .obj = s });
	}
	nftnl_set_free(ns);
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
unsigned int nft_kernel_elems(const struct rs_set *s, size_t i)
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

static struct nlmsghdr *elems_msg_start(struct batch *b, const struct elem_target *et,
					const struct rs_set *s, struct nlattr **list)
{
	struct nlmsghdr *nlh = nft_msg_start(b, et->type, et->family,
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

void nft_put_elems(struct batch *b, const struct elem_target *et, const struct rs_set *s)
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
			nft_batch_push(b, &rec);
			rec = (struct msg_rec){ .kind = MSG_ELEMS, .t = et->t, .obj = s,
						.first_elem = i, .what = rec.what };
			nlh = elems_msg_start(b, et, s, &list);
			if (!nlh)
				return;
		}
		put_model_elem(nlh, s, i);
	}
	mnl_attr_nest_end(nlh, list);
	nft_batch_push(b, &rec);
}

/* Does an rbtree set need nft's leading zero end marker? */
bool nft_needs_lead_zero(const struct rs_set *s)
{
	if (!rbtree(s) || s->n_elems == 0)
		return false;
	for (size_t i = 0; i < s->n_elems; i++)
		if (is_zero(s->lo + i * s->keylen, s->keylen))
			return false;
	return true;
}

