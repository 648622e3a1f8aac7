// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Frame decoder (see decode.h).  Runs once per captured packet, so it is
 * written for the common case: no allocation, no copies beyond the
 * addresses, every length check against what is left of the capture.
 * Each layer gets a pointer and the number of bytes it may read; nothing
 * ever forms a pointer past the end of the capture.
 */

#include "config.h"

#include <string.h>

#include "zonewall/decode.h"

#define ETH_HLEN	14
#define SLL_HLEN	16
#define SLL2_HLEN	20
#define VLAN_TAG_LEN	4
#define IPV4_HLEN	20
#define IPV6_HLEN	40

#define ETHERTYPE_IPV4	0x0800
#define ETHERTYPE_IPV6	0x86dd
#define ETHERTYPE_8021Q	0x8100
#define ETHERTYPE_8021AD 0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100	/* pre-802.1ad vendor QinQ */

#define PROTO_ICMP	1
#define PROTO_TCP	6
#define PROTO_UDP	17
#define PROTO_ICMPV6	58
#define V6_HOPOPTS	0
#define V6_ROUTING	43
#define V6_FRAGMENT	44
#define V6_DSTOPTS	60

/* The bytes each transport needs before the learner can use it: only the
 * fields it reads.  TCP: ports, data offset and flags (14); UDP: ports
 * (4); ICMP/ICMPv6: type (1).  A shorter header is DEC_TRUNC_L4. */
#define TCP_NEED	14
#define UDP_NEED	4
#define ICMP_NEED	1

#define unlikely(x)	__builtin_expect(!!(x), 0)

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline enum dec_result dec_l4(uint8_t proto, const uint8_t *p,
				     size_t len, struct dec_packet *out)
{
	out->proto = proto;
	switch (proto) {
	case PROTO_TCP:
		if (unlikely(len < TCP_NEED))
			return DEC_TRUNC_L4;
		if (unlikely((p[12] >> 4) < 5))
			return DEC_BAD_TCP_HLEN;
		out->sport = rd16(p);
		out->dport = rd16(p + 2);
		out->tcp_flags = p[13];
		out->icmp_type = 0;
		return DEC_OK;
	case PROTO_UDP:
		if (unlikely(len < UDP_NEED))
			return DEC_TRUNC_L4;
		out->sport = rd16(p);
		out->dport = rd16(p + 2);
		out->tcp_flags = 0;
		out->icmp_type = 0;
		return DEC_OK;
	case PROTO_ICMP:
	case PROTO_ICMPV6:
		/* Either ICMP after either IP version, as tshark dissects it;
		 * the flow table decides what such a packet means. */
		if (unlikely(len < ICMP_NEED))
			return DEC_TRUNC_L4;
		out->sport = 0;
		out->dport = 0;
		out->tcp_flags = 0;
		out->icmp_type = p[0];
		return DEC_OK;
	default:
		return DEC_OTHER_L4;
	}
}

static inline void dec_addr4(uint8_t dst[16], const uint8_t *src)
{
	memcpy(dst, src, 4);
	memset(dst + 4, 0, 12);
}

static enum dec_result dec_ipv4(const uint8_t *p, size_t len, struct dec_packet *out)
{
	size_t hlen, tot;

	if (unlikely(len < IPV4_HLEN))
		return DEC_TRUNC_IP;
	if (unlikely((p[0] >> 4) != 4))
		return DEC_BAD_VERSION;
	hlen = (size_t)(p[0] & 0x0f) * 4;
	if (unlikely(hlen < IPV4_HLEN))
		return DEC_BAD_IHL;
	tot = rd16(p + 2);
	/* 0 is what GRO/TSO super-packets (BIG TCP) carry: the rest of the
	 * frame.  A length past the capture is trusted only as far as the
	 * capture goes; a shorter one cuts off link-layer padding. */
	if (tot == 0)
		tot = len;
	else if (unlikely(tot < hlen))
		return DEC_BAD_IP_LEN;
	if (unlikely(hlen > len))
		return DEC_TRUNC_IP;
	if (tot < len)
		len = tot;
	/* Later fragments carry no transport header; the first one does. */
	if (unlikely(rd16(p + 6) & 0x1fff))
		return DEC_FRAGMENT;
	out->family = 4;
	dec_addr4(out->src, p + 12);
	dec_addr4(out->dst, p + 16);
	return dec_l4(p[9], p + hlen, len - hlen, out);
}

/*
 * Walk the IPv6 extension headers in front of the transport header.  On
 * DEC_OK *off and *nh say where the transport header starts and what it
 * is.  @len is the IPv6 packet as far as both the capture (@caplen) and
 * the payload length allow: a header past the capture is a truncation, a
 * header past the payload length only is a malformed chain.
 */
static enum dec_result dec_ipv6_ext(const uint8_t *p, size_t len, size_t caplen,
				    size_t *off, uint8_t *nh)
{
	size_t o = IPV6_HLEN, hl;
	uint8_t n = p[6];
	int i;

	for (i = 0; i <= DEC_MAX_EXT_HDRS; i++) {
		switch (n) {
		case PROTO_TCP:
		case PROTO_UDP:
		case PROTO_ICMPV6:
		case PROTO_ICMP:
			*off = o;
			*nh = n;
			return DEC_OK;
		case V6_HOPOPTS:
		case V6_ROUTING:
		case V6_DSTOPTS:
		case V6_FRAGMENT:
			break;
		default:
			/* AH, ESP, no-next-header, mobility, tunnels... */
			return DEC_OTHER_L4;
		}
		if (i == DEC_MAX_EXT_HDRS)
			break;
		if (len - o < 8)	/* every extension header is >= 8 bytes */
			return caplen - o < 8 ? DEC_TRUNC_IP : DEC_BAD_EXT_HDR;
		if (n == V6_FRAGMENT) {
			hl = 8;
			if (rd16(p + o + 2) & 0xfff8)
				return DEC_FRAGMENT;
		} else {
			hl = ((size_t)p[o + 1] + 1) * 8;
			if (len - o < hl)
				return caplen - o < hl ? DEC_TRUNC_IP : DEC_BAD_EXT_HDR;
		}
		n = p[o];
		o += hl;
	}
	return DEC_BAD_EXT_HDR;
}

static enum dec_result dec_ipv6(const uint8_t *p, size_t len, struct dec_packet *out)
{
	size_t caplen = len, off, tot;
	enum dec_result r;
	uint8_t nh;

	if (unlikely(len < IPV6_HLEN))
		return DEC_TRUNC_IP;
	if (unlikely((p[0] >> 4) != 6))
		return DEC_BAD_VERSION;
	/* Payload length 0: a jumbogram or a BIG TCP super-packet, the
	 * rest of the frame. */
	tot = (size_t)rd16(p + 4) + IPV6_HLEN;
	if (tot > IPV6_HLEN && tot < len)
		len = tot;
	if (p[6] == PROTO_TCP || p[6] == PROTO_UDP) {
		off = IPV6_HLEN;	/* the common case, no chain to walk */
		nh = p[6];
	} else {
		r = dec_ipv6_ext(p, len, caplen, &off, &nh);
		if (r != DEC_OK)
			return r;
	}
	out->family = 6;
	memcpy(out->src, p + 8, 16);
	memcpy(out->dst, p + 24, 16);
	return dec_l4(nh, p + off, len - off, out);
}

static inline bool dec_is_vlan(uint16_t type)
{
	return type == ETHERTYPE_8021Q || type == ETHERTYPE_8021AD ||
	       type == ETHERTYPE_QINQ_OLD;
}

enum dec_result dec_frame(int linktype, const uint8_t *data, size_t caplen,
			  struct dec_packet *out)
{
	size_t off;
	uint16_t type;

	switch (linktype) {
	case DEC_DLT_EN10MB:
		if (unlikely(caplen < ETH_HLEN))
			return DEC_TRUNC_L2;
		type = rd16(data + 12);
		off = ETH_HLEN;
		break;
	case DEC_DLT_LINUX_SLL:
		if (unlikely(caplen < SLL_HLEN))
			return DEC_TRUNC_L2;
		type = rd16(data + 14);
		off = SLL_HLEN;
		break;
	case DEC_DLT_LINUX_SLL2:
		if (unlikely(caplen < SLL2_HLEN))
			return DEC_TRUNC_L2;
		type = rd16(data);
		off = SLL2_HLEN;
		break;
	default:
		return DEC_UNSUPPORTED_LINK;
	}
	/* Any depth of 802.1Q/802.1ad tags; after a cooked header too, where
	 * libpcap puts back a tag the NIC had stripped. */
	while (unlikely(dec_is_vlan(type))) {
		if (caplen - off < VLAN_TAG_LEN)
			return DEC_TRUNC_L2;
		type = rd16(data + off + 2);
		off += VLAN_TAG_LEN;
	}
	if (type == ETHERTYPE_IPV4)
		return dec_ipv4(data + off, caplen - off, out);
	if (type == ETHERTYPE_IPV6)
		return dec_ipv6(data + off, caplen - off, out);
	return DEC_NOT_IP;
}

bool dec_linktype_supported(int linktype)
{
	return linktype == DEC_DLT_EN10MB || linktype == DEC_DLT_LINUX_SLL ||
	       linktype == DEC_DLT_LINUX_SLL2;
}

const char *dec_result_name(enum dec_result r)
{
	static const char *const names[DEC_RESULT_MAX] = {
		[DEC_OK] = "ok",
		[DEC_NOT_IP] = "not_ip",
		[DEC_OTHER_L4] = "other_l4",
		[DEC_FRAGMENT] = "fragment",
		[DEC_TRUNC_L2] = "trunc_l2",
		[DEC_TRUNC_IP] = "trunc_ip",
		[DEC_TRUNC_L4] = "trunc_l4",
		[DEC_BAD_VERSION] = "bad_version",
		[DEC_BAD_IHL] = "bad_ihl",
		[DEC_BAD_IP_LEN] = "bad_ip_len",
		[DEC_BAD_EXT_HDR] = "bad_ext_hdr",
		[DEC_BAD_TCP_HLEN] = "bad_tcp_hlen",
		[DEC_UNSUPPORTED_LINK] = "unsupported_link",
	};

	if ((unsigned int)r >= DEC_RESULT_MAX || !names[r])
		return "unknown";
	return names[r];
}

enum dec_result dec_ip(const uint8_t *data, size_t caplen, struct dec_packet *out)
{
	if (unlikely(caplen < 1))
		return DEC_TRUNC_IP;
	if ((data[0] >> 4) == 4)
		return dec_ipv4(data, caplen, out);
	if ((data[0] >> 4) == 6)
		return dec_ipv6(data, caplen, out);
	return DEC_BAD_VERSION;
}
