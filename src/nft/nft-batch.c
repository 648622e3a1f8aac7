// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One batch of nf_tables messages (see nft-int.h): the buffer the messages
 * are built in, what each stands for, and sending it whole and collecting
 * one ack per message, a refusal named by the model object behind it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include "zonewall/nft.h"
#include "nft-int.h"

/* --- batch buffer ----------------------------------------------------------- */

void nft_batch_init(struct batch *b, struct nft_conn *c)
{
	memset(b, 0, sizeof(*b));
	b->seq0 = c->seq;
}

void nft_batch_free(struct batch *b)
{
	free(b->buf);
	free(b->recs);
}

/* Room for one more message; NULL when out of memory. */
char *nft_batch_room(struct batch *b)
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

uint32_t nft_batch_next_seq(const struct batch *b)
{
	return b->seq0 + 1 + (uint32_t)b->n;
}

/* Close the message at the end of the buffer and remember what it stands for. */
void nft_batch_push(struct batch *b, const struct msg_rec *rec)
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

struct nlmsghdr *nft_msg_start(struct batch *b, uint16_t type, enum rs_family fam,
				  uint16_t flags)
{
	char *p = nft_batch_room(b);

	if (!p)
		return NULL;
	return nftnl_nlmsg_build_hdr(p, type, fam, flags | NLM_F_ACK, nft_batch_next_seq(b));
}

/* --- sending and collecting acks ---------------------------------------------- */

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
int nft_batch_talk(struct nft_conn *c, struct batch *b, struct ack_state *as)
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
		long n = nft_kernel_elems(s, i);

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
void nft_batch_open_gen(struct batch *b, uint32_t genid)
{
	char *p = nft_batch_room(b);

	if (p) {
		struct nlmsghdr *nlh = nftnl_batch_begin(p, b->seq0);

		if (genid)
			mnl_attr_put_u32(nlh, NFNL_BATCH_GENID, htonl(genid));
		b->len += MNL_ALIGN(nlh->nlmsg_len);
	}
}

void nft_batch_open(struct batch *b)
{
	nft_batch_open_gen(b, 0);
}

/* Close, send, collect; fill @e on a refusal.  Consumes the batch's sequence numbers. */
int nft_batch_finish(struct nft_conn *c, struct batch *b, struct nft_error *e)
{
	struct ack_state as;
	char *p = nft_batch_room(b);
	int r;

	if (e)
		memset(e, 0, sizeof(*e));
	if (!p || b->oom) {
		r = -ENOMEM;
		goto out_report;
	}
	b->len += MNL_ALIGN(nftnl_batch_end(p, nft_batch_next_seq(b))->nlmsg_len);
	c->seq = nft_batch_next_seq(b) + 1;
	r = nft_batch_talk(c, b, &as);
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

