// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The fields a rule reads, one descriptor each, and the functions that
 * answer questions about types, fields and values from the descriptors
 * (see rs-types.h).  Pure.
 */
#include <errno.h>
#include <string.h>
#include <linux/netfilter/nf_tables.h>

#include "zonewall/rs-types.h"
#include "ruleset-int.h"

#define NH NFT_PAYLOAD_NETWORK_HEADER
#define TH NFT_PAYLOAD_TRANSPORT_HEADER
#define LL NFT_PAYLOAD_LL_HEADER
#define PAYLOAD(base, off, len) { RS_LOAD_PAYLOAD, base, off, len, 0, 0 }
#define META(key, len) { RS_LOAD_META, 0, 0, len, key, 0 }
#define CT(key, len, dir) { RS_LOAD_CT, 0, 0, len, key, dir }
#define TYPEOF(expr, n, ...) { expr, n, { __VA_ARGS__ } }
#define NO_TYPEOF { 0, 0, { 0, 0, 0, 0, 0 } }

/*
 * name, type, ethertype, family, icmpv6, load, and how nft describes a set
 * declared by the field (its typeof user data): nft's expression type (9
 * meta, 7 payload) and that expression's data: a meta key; a payload's
 * protocol description (17 Ethernet) and template (2 source address), or
 * for a raw payload (description 0) its base (3 transport), offset and
 * length in bits.
 */
static const struct rs_field_desc fields[RS_F__COUNT] = {
	[RS_F_IP_SADDR] = { "ip saddr", RS_T_IPV4, 0x0800, 0, false,
		PAYLOAD(NH, 12, 4), NO_TYPEOF },
	[RS_F_IP_DADDR] = { "ip daddr", RS_T_IPV4, 0x0800, 0, false,
		PAYLOAD(NH, 16, 4), NO_TYPEOF },
	[RS_F_IP6_SADDR] = { "ip6 saddr", RS_T_IPV6, 0x86dd, 0, false,
		PAYLOAD(NH, 8, 16), NO_TYPEOF },
	[RS_F_IP6_DADDR] = { "ip6 daddr", RS_T_IPV6, 0x86dd, 0, false,
		PAYLOAD(NH, 24, 16), NO_TYPEOF },
	[RS_F_L4PROTO] = { "meta l4proto", RS_T_PROTO, 0, 0, false,
		META(NFT_META_L4PROTO, 1), NO_TYPEOF },
	[RS_F_TH_DPORT] = { "th dport", RS_T_SERVICE, 0, 0, false,
		PAYLOAD(TH, 2, 2), NO_TYPEOF },
	[RS_F_IIFNAME] = { "iifname", RS_T_IFNAME, 0, 0, false,
		META(NFT_META_IIFNAME, 16), TYPEOF(9, 1, NFT_META_IIFNAME) },
	[RS_F_OIFNAME] = { "oifname", RS_T_IFNAME, 0, 0, false,
		META(NFT_META_OIFNAME, 16), NO_TYPEOF },
	[RS_F_ETHER_SADDR] = { "ether saddr", RS_T_ETHER, 0, RS_BRIDGE, false,
		PAYLOAD(LL, 6, 6), TYPEOF(7, 2, 17, 2) },
	[RS_F_CT_STATE] = { "ct state", RS_T_CTSTATE, 0, 0, false,
		CT(NFT_CT_STATE, 4, 0), NO_TYPEOF },
	[RS_F_ARP_HLEN] = { "arp hlen", RS_T_U8, 0x0806, RS_BRIDGE, false,
		PAYLOAD(NH, 4, 1), NO_TYPEOF },
	[RS_F_ARP_PLEN] = { "arp plen", RS_T_U8, 0x0806, RS_BRIDGE, false,
		PAYLOAD(NH, 5, 1), NO_TYPEOF },
	/* sender protocol address: after htype, ptype, hlen, plen, op and a 6-byte sha */
	[RS_F_ARP_SADDR_IP] = { "arp saddr ip", RS_T_IPV4, 0x0806, RS_BRIDGE, false,
		PAYLOAD(NH, 14, 4), NO_TYPEOF },
	/* read where the kernel rebuilds a VLAN tag it took off: a tagged frame's is 0x8100 */
	[RS_F_ETHER_TYPE] = { "ether type", RS_T_ETHERTYPE, 0, RS_BRIDGE, false,
		PAYLOAD(LL, 12, 2), NO_TYPEOF },
	/* as nft: no network-layer check, the rule's meta l4proto ipv6-icmp is the guard */
	[RS_F_ICMPV6_TYPE] = { "icmpv6 type", RS_T_ICMPV6_TYPE, 0, 0, true,
		PAYLOAD(TH, 0, 1), NO_TYPEOF },
	/* after type, code, checksum and the flags word of a neighbour advertisement */
	[RS_F_ND_TARGET] = { "@th,64,128", RS_T_INT128, 0, RS_BRIDGE, true,
		PAYLOAD(TH, 8, 16), TYPEOF(7, 5, 0, 0, 3, 64, 128) },
	[RS_F_PKTTYPE] = { "meta pkttype", RS_T_PKTTYPE, 0, 0, false,
		META(NFT_META_PKTTYPE, 1), NO_TYPEOF },
	[RS_F_ETHER_DADDR] = { "ether daddr", RS_T_ETHER, 0, RS_BRIDGE, false,
		PAYLOAD(LL, 0, 6), NO_TYPEOF },
	/* after htype, ptype, hlen, plen and op */
	[RS_F_ARP_SADDR_ETHER] = { "arp saddr ether", RS_T_ETHER, 0x0806, RS_BRIDGE, false,
		PAYLOAD(NH, 8, 6), NO_TYPEOF },
	/* no conntrack in bridge tables here (nf_conntrack_bridge is absent) */
	[RS_F_CT_ORIG_IP_SADDR] = { "ct original ip saddr", RS_T_IPV4, 0x0800, RS_INET, false,
		CT(NFT_CT_SRC_IP, 4, 1), NO_TYPEOF },
	[RS_F_CT_REPLY_IP_SADDR] = { "ct reply ip saddr", RS_T_IPV4, 0x0800, RS_INET, false,
		CT(NFT_CT_SRC_IP, 4, 2), NO_TYPEOF },
	[RS_F_CT_ORIG_IP6_SADDR] = { "ct original ip6 saddr", RS_T_IPV6, 0x86dd, RS_INET, false,
		CT(NFT_CT_SRC_IP6, 16, 1), NO_TYPEOF },
	[RS_F_CT_REPLY_IP6_SADDR] = { "ct reply ip6 saddr", RS_T_IPV6, 0x86dd, RS_INET, false,
		CT(NFT_CT_SRC_IP6, 16, 2), NO_TYPEOF },
};

const struct rs_field_desc *rs_field_desc(enum rs_field f)
{
	return (unsigned int)f < RS_F__COUNT ? &fields[f] : NULL;
}

enum rs_type rs_field_type(enum rs_field f)
{
	return fields[f].type;
}

const char *rs_field_name(enum rs_field f)
{
	return (unsigned int)f < RS_F__COUNT ? fields[f].name : "?";
}

uint16_t rs_field_ethertype(enum rs_field f)
{
	return (unsigned int)f < RS_F__COUNT ? fields[f].ethertype : 0;
}

int rs_field_parse(const char *text, enum rs_field *out)
{
	for (int i = 0; i < RS_F__COUNT; i++)
		if (!strcmp(fields[i].name, text)) {
			*out = i;
			return 0;
		}
	return -EINVAL;
}

bool rs_field_fits(enum rs_field f, enum rs_family fam)
{
	return !fields[f].family || fields[f].family == fam;
}

/* --- types ------------------------------------------------------------------------ */

const char *rs_type_name(enum rs_type t)
{
	const struct rs_type_desc *d = rs_type_desc(t);

	return d ? d->name : "?";
}

int rs_type_parse(const char *name, enum rs_type *out)
{
	const struct rs_type_desc *d;

	for (size_t i = 0; (d = rs_type_at(i)); i++)
		if (d->key && !strcmp(d->name, name)) {
			*out = d->type;
			return 0;
		}
	return -EINVAL;
}

unsigned int rs_type_len(enum rs_type t)
{
	const struct rs_type_desc *d = rs_type_desc(t);

	return d && d->key ? d->len : 0;
}

uint32_t rs_key_typeid(const struct rs_key *k)
{
	uint32_t id = 0;

	/* nft's concat datatype: 6 bits per field, first field highest */
	for (unsigned int i = 0; i < k->n; i++)
		id = id << 6 | ((uint32_t)k->t[i] & 0xff);
	return id;
}

unsigned int rs_key_len(const struct rs_key *k)
{
	unsigned int len = 0;

	/* only concatenations pad their fields to 32-bit registers */
	if (k->n == 1)
		return rs_type_len(k->t[0]);
	for (unsigned int i = 0; i < k->n; i++)
		len += rs_pad4(rs_type_len(k->t[i]));
	return len;
}

const char *rs_hook_name(enum rs_hook h)
{
	static const char *const names[] = {
		[RS_HOOK_PREROUTING] = "prerouting", [RS_HOOK_INPUT] = "input",
		[RS_HOOK_FORWARD] = "forward", [RS_HOOK_OUTPUT] = "output",
		[RS_HOOK_POSTROUTING] = "postrouting",
	};
	return h > RS_HOOK_NONE && h <= RS_HOOK_POSTROUTING ? names[h] : NULL;
}

const char *rs_family_name(enum rs_family f)
{
	return f == RS_BRIDGE ? "bridge" : "inet";
}

/* --- values ------------------------------------------------------------------------ */

int rs_value_parse(enum rs_type type, const char *text, struct rs_value *out)
{
	const struct rs_type_desc *d = rs_type_desc(type);

	memset(out, 0, sizeof(*out));
	out->type = type;
	return d ? d->parse(text, out) : -EINVAL;
}

unsigned int rs_value_encode(const struct rs_value *v, uint8_t *lo, uint8_t *hi)
{
	const struct rs_type_desc *d = rs_type_desc(v->type);

	if (!d)
		return 0;
	d->encode(v, lo, hi);
	return d->len;
}

bool rs_value_is_range(const struct rs_value *v)
{
	const struct rs_type_desc *d = rs_type_desc(v->type);
	uint8_t lo[RS_VALUE_MAX], hi[RS_VALUE_MAX];

	if (!d || !d->ranges)
		return false;
	d->encode(v, lo, hi);
	return v->addr_range || memcmp(lo, hi, d->len);
}

unsigned int rs_value_match(const struct rs_value *v, uint8_t *val, uint8_t *mask,
			    bool *masked)
{
	const struct rs_type_desc *d = rs_type_desc(v->type);
	struct rs_value one = *v;
	uint8_t hi[RS_VALUE_MAX];

	*masked = false;
	if (!d)
		return 0;
	one.addr_range = false;
	one.port_hi = 0;
	d->encode(&one, val, hi);
	if (d->bitmask) {
		memcpy(mask, val, d->len);
		memset(val, 0, d->len);
		*masked = true;
		return d->len;
	}
	for (unsigned int i = 0; i < d->len; i++) {
		mask[i] = (uint8_t)~(val[i] ^ hi[i]);
		if (mask[i] != 0xff)
			*masked = true;
	}
	return d->len;
}

void rs_value_print(struct rs_sbuf *b, const struct rs_value *v)
{
	const struct rs_type_desc *d = rs_type_desc(v->type);
	uint8_t lo[RS_VALUE_MAX] = { 0 }, hi[RS_VALUE_MAX] = { 0 };

	if (!d)
		return;
	d->encode(v, lo, hi);
	d->print(b, lo, hi);
}

void rs_value_text(const struct rs_value *v, char *buf, size_t len)
{
	struct rs_sbuf b = { buf, len };

	if (len)
		buf[0] = '\0';
	rs_value_print(&b, v);
}
