// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctnetlink with libmnl: dump, judge, delete.  The delete message carries
 * the original tuple exactly as the dump reported it (the nested
 * CTA_TUPLE_ORIG copied verbatim), so every protocol's key (ports, ICMP
 * id/type/code) is right without decoding it.
 */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "zonewall/conntrack.h"
#include "zonewall/nlreq.h"

struct ctk_entry {
	uint8_t family;
	uint16_t len;
	uint8_t orig[256];	/* CTA_TUPLE_ORIG payload */
};

struct ctk_walk {
	ctk_judge_fn fn;
	void *data;
	struct ctk_entry *v;
	size_t n, cap, seen;
	int err;
};

static void ctk_parse_ip(const struct nlattr *nest, struct ctk_tuple *t)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest) {
		unsigned int ty = mnl_attr_get_type(a), len = mnl_attr_get_payload_len(a);

		if ((ty == CTA_IP_V4_SRC || ty == CTA_IP_V6_SRC) && len <= 16)
			memcpy(t->src, mnl_attr_get_payload(a), len);
		else if ((ty == CTA_IP_V4_DST || ty == CTA_IP_V6_DST) && len <= 16)
			memcpy(t->dst, mnl_attr_get_payload(a), len);
	}
}

static void ctk_parse_proto(const struct nlattr *nest, struct ctk_tuple *t)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case CTA_PROTO_NUM:
			t->proto = mnl_attr_get_u8(a);
			break;
		case CTA_PROTO_SRC_PORT:
			t->sport = ntohs(mnl_attr_get_u16(a));
			break;
		case CTA_PROTO_DST_PORT:
			t->dport = ntohs(mnl_attr_get_u16(a));
			break;
		}
	}
}

static int ctk_keep(struct ctk_walk *w, const struct nlattr *orig, uint8_t family)
{
	struct ctk_entry *e;

	if (mnl_attr_get_payload_len(orig) > sizeof(e->orig))
		return 0;
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		struct ctk_entry *nv = realloc(w->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		w->v = nv;
		w->cap = cap;
	}
	e = &w->v[w->n++];
	e->family = family;
	e->len = mnl_attr_get_payload_len(orig);
	memcpy(e->orig, mnl_attr_get_payload(orig), e->len);
	return 0;
}

static int ctk_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ctk_walk *w = data;
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a, *orig = NULL;
	struct ctk_tuple t = { 0 };

	mnl_attr_for_each(a, nlh, sizeof(*nfg))
		if (mnl_attr_get_type(a) == CTA_TUPLE_ORIG)
			orig = a;
	if (!orig || (nfg->nfgen_family != AF_INET && nfg->nfgen_family != AF_INET6))
		return MNL_CB_OK;
	t.family = nfg->nfgen_family == AF_INET ? 4 : 6;
	mnl_attr_for_each_nested(a, orig) {
		if (mnl_attr_get_type(a) == CTA_TUPLE_IP)
			ctk_parse_ip(a, &t);
		else if (mnl_attr_get_type(a) == CTA_TUPLE_PROTO)
			ctk_parse_proto(a, &t);
	}
	if (t.proto == IPPROTO_ICMP || t.proto == IPPROTO_ICMPV6)
		t.sport = t.dport = 0;
	w->seen++;
	if (w->fn(w->data, &t) && (w->err = ctk_keep(w, orig, nfg->nfgen_family)) < 0)
		return MNL_CB_ERROR;
	return MNL_CB_OK;
}

static struct nlmsghdr *ctk_msg(char *buf, uint16_t type, uint16_t flags, uint8_t family,
				uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = family;
	nfg->version = NFNETLINK_V0;
	return nlh;
}

int ctk_cut(ctk_judge_fn fn, void *data, size_t *seen, size_t *cut)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct ctk_walk w = { .fn = fn, .data = data };
	struct mnl_socket *nl = nlreq_open(NETLINK_NETFILTER);
	uint32_t seq = time(NULL);
	int rc;

	*seen = *cut = 0;
	if (!nl) {
		rc = -errno;
		goto out_close;
	}
	rc = nlreq_talk(nl, ctk_msg(buf, IPCTNL_MSG_CT_GET, NLM_F_DUMP, AF_UNSPEC, ++seq),
		     ctk_dump_cb, &w);
	if (rc == 0 && w.err)
		rc = w.err;
	*seen = w.seen;
	for (size_t i = 0; rc == 0 && i < w.n; i++) {
		struct nlmsghdr *nlh = ctk_msg(buf, IPCTNL_MSG_CT_DELETE, NLM_F_ACK, w.v[i].family,
					       ++seq);
		struct nlattr *nest = mnl_attr_nest_start(nlh, CTA_TUPLE_ORIG);

		memcpy(mnl_nlmsg_get_payload_tail(nlh), w.v[i].orig, w.v[i].len);
		nlh->nlmsg_len += MNL_ALIGN(w.v[i].len);
		mnl_attr_nest_end(nlh, nest);
		rc = nlreq_talk(nl, nlh, NULL, NULL);
		if (rc == 0)
			(*cut)++;
		else if (rc == -ENOENT)
			rc = 0;	/* it ended meanwhile */
	}
out_close:
	free(w.v);
	if (nl)
		mnl_socket_close(nl);
	return rc;
}
