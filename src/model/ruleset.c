// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ruleset model and its nft text rendering (see ruleset.h).  Pure.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "zonewall/ruleset.h"

#define RS_NAME_MAX 64		/* shorter than the kernel's NFT_NAME_MAXLEN (256) */
#define RS_TEXT_MAX 127		/* comments and log prefixes (NF_LOG_PREFIXLEN - 1) */

/* --- types and fields ------------------------------------------------------ */

static const struct {
	enum rs_type t;
	const char *name;
	unsigned int len;
} types[] = {
	{ RS_T_IPV4, "ipv4_addr", 4 },
	{ RS_T_IPV6, "ipv6_addr", 16 },
	{ RS_T_ETHER, "ether_addr", 6 },
	{ RS_T_ETHERTYPE, "ether_type", 2 },
	{ RS_T_PROTO, "inet_proto", 1 },
	{ RS_T_SERVICE, "inet_service", 2 },
	{ RS_T_IFNAME, "ifname", RS_IFNAMSIZ },
	{ RS_T_CTSTATE, "ct_state", 0 },
	{ RS_T_U8, "integer", 1 },
	{ RS_T_ICMPV6_TYPE, "icmpv6_type", 1 },
	{ RS_T_INT128, "integer", 16 },
	{ RS_T_PKTTYPE, "pkt_type", 1 },
};

static const struct {
	const char *name;
	enum rs_type t;
} fields[RS_F__COUNT] = {
	[RS_F_IP_SADDR] = { "ip saddr", RS_T_IPV4 },
	[RS_F_IP_DADDR] = { "ip daddr", RS_T_IPV4 },
	[RS_F_IP6_SADDR] = { "ip6 saddr", RS_T_IPV6 },
	[RS_F_IP6_DADDR] = { "ip6 daddr", RS_T_IPV6 },
	[RS_F_L4PROTO] = { "meta l4proto", RS_T_PROTO },
	[RS_F_TH_DPORT] = { "th dport", RS_T_SERVICE },
	[RS_F_IIFNAME] = { "iifname", RS_T_IFNAME },
	[RS_F_OIFNAME] = { "oifname", RS_T_IFNAME },
	[RS_F_ETHER_SADDR] = { "ether saddr", RS_T_ETHER },
	[RS_F_CT_STATE] = { "ct state", RS_T_CTSTATE },
	[RS_F_ARP_HLEN] = { "arp hlen", RS_T_U8 },
	[RS_F_ARP_PLEN] = { "arp plen", RS_T_U8 },
	[RS_F_ARP_SADDR_IP] = { "arp saddr ip", RS_T_IPV4 },
	[RS_F_ETHER_TYPE] = { "ether type", RS_T_ETHERTYPE },
	[RS_F_ICMPV6_TYPE] = { "icmpv6 type", RS_T_ICMPV6_TYPE },
	[RS_F_ND_TARGET] = { "@th,64,128", RS_T_INT128 },
	[RS_F_PKTTYPE] = { "meta pkttype", RS_T_PKTTYPE },
	[RS_F_ETHER_DADDR] = { "ether daddr", RS_T_ETHER },
	[RS_F_ARP_SADDR_ETHER] = { "arp saddr ether", RS_T_ETHER },
	[RS_F_CT_ORIG_IP_SADDR] = { "ct original ip saddr", RS_T_IPV4 },
	[RS_F_CT_REPLY_IP_SADDR] = { "ct reply ip saddr", RS_T_IPV4 },
	[RS_F_CT_ORIG_IP6_SADDR] = { "ct original ip6 saddr", RS_T_IPV6 },
	[RS_F_CT_REPLY_IP6_SADDR] = { "ct reply ip6 saddr", RS_T_IPV6 },
};

/* A number nft writes by name, in the tables below. */
struct rs_name {
	uint16_t num;
	const char *name;
};

#define NAMES(t) (t), sizeof(t) / sizeof((t)[0])

/* nft's names for skb->pkt_type (it lists 0 as "host") */
static const struct rs_name pkttypes[] = {
	{ 0, "host" }, { 1, "broadcast" }, { 2, "multicast" }, { 3, "other" },
};

/* nft's names for the ICMPv6 types a rule of ours names */
static const struct rs_name icmpv6_types[] = {
	{ 133, "nd-router-solicit" }, { 134, "nd-router-advert" },
	{ 135, "nd-neighbor-solicit" }, { 136, "nd-neighbor-advert" }, { 137, "nd-redirect" },
};

/* nft's names for the ethertypes it knows; others are written in hex. */
static const struct rs_name ethertypes[] = {
	{ 0x0800, "ip" }, { 0x0806, "arp" }, { 0x86dd, "ip6" }, { 0x8100, "8021q" },
	{ 0x88a8, "8021ad" },
};

static const struct rs_name protos[] = {
	{ 1, "icmp" }, { 2, "igmp" }, { 6, "tcp" }, { 17, "udp" }, { 33, "dccp" }, { 47, "gre" },
	{ 50, "esp" }, { 51, "ah" }, { 58, "ipv6-icmp" }, { 132, "sctp" }, { 136, "udplite" },
};

/* The name of @num in table @t of @n entries, or NULL. */
static const char *name_of(const struct rs_name *t, size_t n, unsigned int num)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].num == num)
			return t[i].name;
	return NULL;
}

/* The number named @name in table @t, into @out.  Return: found. */
static bool num_of(const struct rs_name *t, size_t n, const char *name, uint16_t *out)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i].name, name)) {
			*out = t[i].num;
			return true;
		}
	return false;
}

static const struct {
	uint32_t bit;
	const char *name;
} ctstates[] = {
	{ RS_CT_INVALID, "invalid" }, { RS_CT_ESTABLISHED, "established" },
	{ RS_CT_RELATED, "related" }, { RS_CT_NEW, "new" },
	{ RS_CT_UNTRACKED, "untracked" },
};

const char *rs_type_name(enum rs_type t)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].t == t)
			return types[i].name;
	return "?";
}

int rs_type_parse(const char *name, enum rs_type *out)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].len && !strcmp(types[i].name, name)) {
			*out = types[i].t;
			return 0;
		}
	return -EINVAL;
}

unsigned int rs_type_len(enum rs_type t)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].t == t)
			return types[i].len;
	return 0;
}

enum rs_type rs_field_type(enum rs_field f)
{
	return fields[f].t;
}

const char *rs_field_name(enum rs_field f)
{
	return f < RS_F__COUNT ? fields[f].name : "?";
}

uint16_t rs_field_ethertype(enum rs_field f)
{
	switch (f) {
	case RS_F_IP_SADDR:
	case RS_F_IP_DADDR:
	case RS_F_CT_ORIG_IP_SADDR:
	case RS_F_CT_REPLY_IP_SADDR:
		return 0x0800;
	case RS_F_IP6_SADDR:
	case RS_F_IP6_DADDR:
	case RS_F_CT_ORIG_IP6_SADDR:
	case RS_F_CT_REPLY_IP6_SADDR:
		return 0x86dd;
	case RS_F_ARP_HLEN:
	case RS_F_ARP_PLEN:
	case RS_F_ARP_SADDR_IP:
	case RS_F_ARP_SADDR_ETHER:
		return 0x0806;
	default:
		return 0;
	}
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

static unsigned int pad4(unsigned int n)
{
	return (n + 3) & ~3u;
}

uint32_t rs_key_typeid(const struct rs_key *k)
{
	uint32_t id = 0;

	/* nft's concat datatype: 6 bits per field, first field highest */
	for (unsigned int i = 0; i < k->n; i++)
		id = id << 6 | ((uint32_t)k->t[i] & 0xff);
	return id;
}

static unsigned int key_len(const struct rs_key *k)
{
	unsigned int len = 0;

	/* only concatenations pad their fields to 32-bit registers */
	if (k->n == 1)
		return rs_type_len(k->t[0]);
	for (unsigned int i = 0; i < k->n; i++)
		len += pad4(rs_type_len(k->t[i]));
	return len;
}

/* --- values -------------------------------------------------------------- */

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || *end || *out > max ? -EINVAL : 0;
}

static int parse_addr(int af, const char *text, struct rs_value *out)
{
	char buf[INET6_ADDRSTRLEN + 8];
	unsigned int bits = af == AF_INET ? 32 : 128;
	unsigned long plen = bits;
	char *slash;

	char *dash;

	if (strlen(text) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, text);
	dash = strchr(buf, '-');
	if (dash) {
		*dash = '\0';
		if (inet_pton(af, buf, af == AF_INET ? (void *)&out->u.v4 : (void *)&out->u.v6) != 1 ||
		    inet_pton(af, dash + 1, &out->addr_hi) != 1 ||
		    memcmp(&out->u, &out->addr_hi, bits / 8) > 0)
			return -EINVAL;
		out->prefix = bits;
		out->addr_range = true;
		return 0;
	}
	slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		if (parse_uint(slash + 1, bits, &plen) < 0)
			return -EINVAL;
	}
	if (inet_pton(af, buf, af == AF_INET ? (void *)&out->u.v4 : (void *)&out->u.v6) != 1)
		return -EINVAL;
	out->prefix = plen;
	return 0;
}

/* "02:77:00:00:00:0a", or with a prefix ("01:80:c2:00:00:00/44") for a masked match */
static int parse_ether(const char *text, struct rs_value *out)
{
	unsigned int b[6];
	unsigned long plen = 48;
	const char *slash = strchr(text, '/');
	int used = 0;

	if (sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x%n", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5], &used) != 6 || text + used != (slash ? slash : text + strlen(text)))
		return -EINVAL;
	if (slash && (parse_uint(slash + 1, 48, &plen) < 0 || plen == 0))
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		out->u.ether[i] = b[i];
	out->prefix = plen;
	return 0;
}

static int parse_ctstate(const char *text, uint32_t *mask)
{
	char buf[128], *save = NULL;

	if (strlen(text) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, text);
	*mask = 0;
	for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < sizeof(ctstates) / sizeof(ctstates[0]); i++)
			if (!strcmp(w, ctstates[i].name))
				break;
		if (i == sizeof(ctstates) / sizeof(ctstates[0]))
			return -EINVAL;
		*mask |= ctstates[i].bit;
	}
	return *mask ? 0 : -EINVAL;
}

static int parse_service(const char *text, struct rs_value *out)
{
	unsigned long lo, hi;
	char buf[16], *dash;

	if (strlen(text) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, text);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (parse_uint(buf, 65535, &lo) < 0)
		return -EINVAL;
	hi = lo;
	if (dash && (parse_uint(dash + 1, 65535, &hi) < 0 || hi < lo))
		return -EINVAL;
	out->u.port = lo;
	out->port_hi = hi;
	return 0;
}

static int parse_proto(const char *text, uint8_t *out)
{
	unsigned long n;
	uint16_t num;

	if (num_of(NAMES(protos), text, &num)) {
		*out = (uint8_t)num;
		return 0;
	}
	if (!strcmp(text, "icmpv6")) {
		*out = 58;
		return 0;
	}
	if (parse_uint(text, 255, &n) < 0)
		return -EINVAL;
	*out = n;
	return 0;
}

static int parse_byte(const char *text, uint8_t *out)
{
	unsigned long n;

	if (parse_uint(text, 255, &n) < 0)
		return -EINVAL;
	*out = n;
	return 0;
}

/* The value of hex digit @c, or -1. */
static int hex_digit(char c)
{
	if (!isxdigit((unsigned char)c))
		return -1;
	return isdigit((unsigned char)c) ? c - '0' : tolower((unsigned char)c) - 'a' + 10;
}

/* @n hex digits at @text into @out (big-endian, @n even).  Return: 0 or -EINVAL. */
static int parse_hex(const char *text, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i += 2) {
		int hi = hex_digit(text[i]), lo = hex_digit(text[i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static int parse_ethertype(const char *text, uint16_t *out)
{
	size_t n = strlen(text);
	uint8_t b[2] = { 0 };
	char digits[5] = "0000";

	if (num_of(NAMES(ethertypes), text, out))
		return 0;
	/* otherwise hex, as nft lists the ones it has no name for: 0x88b5 */
	if (n < 3 || n > 6 || strncmp(text, "0x", 2))
		return -EINVAL;
	memcpy(digits + 4 - (n - 2), text + 2, n - 2);
	if (parse_hex(digits, 4, b) < 0)
		return -EINVAL;
	*out = (uint16_t)(b[0] << 8 | b[1]);
	return 0;
}

/* "0x" and 32 hex digits, as nft writes a 128-bit integer; "/N" keeps the top N bits */
static int parse_int128(const char *text, struct rs_value *out)
{
	const char *slash = strchr(text, '/');
	size_t n = slash ? (size_t)(slash - text) : strlen(text);
	unsigned long bits = 128;

	if (n != 34 || strncmp(text, "0x", 2) || (slash && parse_uint(slash + 1, 128, &bits) < 0) ||
	    parse_hex(text + 2, 32, out->u.v6.s6_addr) < 0)
		return -EINVAL;
	out->prefix = (unsigned int)bits;
	return 0;
}

/* A byte by its name in @t, or (@numbers) as a number. */
static int parse_named_byte(const struct rs_name *t, size_t n, const char *text, bool numbers,
			    uint8_t *out)
{
	uint16_t num;

	if (num_of(t, n, text, &num)) {
		*out = (uint8_t)num;
		return 0;
	}
	return numbers ? parse_byte(text, out) : -EINVAL;
}

/* The bytes the kernel's dev_valid_name() refuses: its isspace() counts
 * 0xa0 (Latin-1's no-break space) as space too. */
static bool ifname_byte_ok(unsigned char c)
{
	return c != '/' && c != ':' && c != ' ' && !(c >= '\t' && c <= '\r') && c != 0xa0;
}

bool rs_ifname_valid(const char *s)
{
	size_t n = s ? strnlen(s, RS_IFNAMSIZ) : 0;

	if (n == 0 || n >= RS_IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (!ifname_byte_ok((unsigned char)*s))
			return false;
	return true;
}

int rs_value_parse(enum rs_type type, const char *text, struct rs_value *out)
{
	memset(out, 0, sizeof(*out));
	out->type = type;
	switch (type) {
	case RS_T_IPV4:
		return parse_addr(AF_INET, text, out);
	case RS_T_IPV6:
		return parse_addr(AF_INET6, text, out);
	case RS_T_ETHER:
		return parse_ether(text, out);
	case RS_T_PROTO:
		return parse_proto(text, &out->u.proto);
	case RS_T_SERVICE:
		return parse_service(text, out);
	case RS_T_IFNAME:
		/* any name Linux allows: nft.c sends the bytes, never a pattern */
		if (!rs_ifname_valid(text))
			return -EINVAL;
		strcpy(out->u.ifname, text);
		return 0;
	case RS_T_CTSTATE:
		return parse_ctstate(text, &out->u.ctmask);
	case RS_T_U8:
		return parse_byte(text, &out->u.u8);
	case RS_T_ETHERTYPE:
		return parse_ethertype(text, &out->u.ethertype);
	case RS_T_INT128:
		return parse_int128(text, out);
	case RS_T_PKTTYPE:
		return parse_named_byte(NAMES(pkttypes), text, false, &out->u.u8);
	case RS_T_ICMPV6_TYPE:
		return parse_named_byte(NAMES(icmpv6_types), text, true, &out->u.u8);
	}
	return -EINVAL;
}

/* Is @v a range (prefix shorter than the address, or a port range)? */
static bool value_is_range(const struct rs_value *v)
{
	switch (v->type) {
	case RS_T_IPV4:
		return v->prefix < 32 || v->addr_range;
	case RS_T_IPV6:
	case RS_T_INT128:
		return v->prefix < 128 || v->addr_range;
	case RS_T_SERVICE:
		return v->port_hi > v->u.port;
	default:
		return false;
	}
}

/* Write @v's low and high end into @lo and @hi (rs_type_len bytes each). */
static void value_bytes(const struct rs_value *v, uint8_t *lo, uint8_t *hi)
{
	unsigned int len = rs_type_len(v->type), bits;

	switch (v->type) {
	case RS_T_IPV4:
	case RS_T_IPV6:
	case RS_T_INT128:
		memcpy(lo, v->type == RS_T_IPV4 ? (const void *)&v->u.v4 : (const void *)&v->u.v6,
		       len);
		bits = v->prefix;
		for (unsigned int i = 0; i < len; i++) {
			unsigned int keep = bits >= 8 ? 8 : bits;
			uint8_t mask = keep ? (uint8_t)(0xff << (8 - keep)) : 0;

			lo[i] &= mask;
			hi[i] = lo[i] | (uint8_t)~mask;
			bits -= keep;
		}
		if (v->addr_range)
			memcpy(hi, &v->addr_hi, len);
		return;
	case RS_T_SERVICE:
		lo[0] = v->u.port >> 8;
		lo[1] = v->u.port & 0xff;
		hi[0] = (v->port_hi > v->u.port ? v->port_hi : v->u.port) >> 8;
		hi[1] = (v->port_hi > v->u.port ? v->port_hi : v->u.port) & 0xff;
		return;
	case RS_T_ETHER:
		bits = v->prefix && v->prefix < 48 ? v->prefix : 48;
		for (unsigned int i = 0; i < 6; i++) {
			unsigned int keep = bits >= 8 ? 8 : bits;
			uint8_t mask = keep ? (uint8_t)(0xff << (8 - keep)) : 0;

			lo[i] = v->u.ether[i] & mask;
			hi[i] = lo[i] | (uint8_t)~mask;
			bits -= keep;
		}
		return;
	case RS_T_PROTO:
		lo[0] = v->u.proto;
		break;
	case RS_T_U8:
	case RS_T_ICMPV6_TYPE:
	case RS_T_PKTTYPE:
		lo[0] = v->u.u8;
		break;
	case RS_T_ETHERTYPE:
		lo[0] = v->u.ethertype >> 8;
		lo[1] = v->u.ethertype & 0xff;
		break;
	case RS_T_IFNAME:
		memcpy(lo, v->u.ifname, RS_IFNAMSIZ);
		break;
	case RS_T_CTSTATE:
		return;
	}
	memcpy(hi, lo, len);
}

/* --- text of values -------------------------------------------------------- */

struct sbuf {
	char *p;
	size_t len;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->len == 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p, b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= b->len)
		n = b->len - 1;
	b->p += n;
	b->len -= n;
}

const char *rs_quote(const char *s, char *buf, size_t len)
{
	struct sbuf b = { buf, len };
	const char *tail = "\"";

	if (!len)
		return buf;
	buf[0] = '\0';
	sb_printf(&b, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char one[5];

		if (c == '"' || c == '\\')
			snprintf(one, sizeof(one), "\\%c", c);
		else if (c == '\n')
			snprintf(one, sizeof(one), "\\n");
		else if (c == '\t')
			snprintf(one, sizeof(one), "\\t");
		else if (c < ' ' || c >= 0x7f)
			snprintf(one, sizeof(one), "\\x%02x", c);
		else
			snprintf(one, sizeof(one), "%c", c);
		/* room for this, and for the closing quote or the cut mark after it */
		if (strlen(one) + 5 > b.len) {
			tail = "\"...";
			break;
		}
		sb_printf(&b, "%s", one);
	}
	sb_printf(&b, "%s", tail);
	return buf;
}

/*
 * Why nft's text cannot carry @s byte for byte, or NULL when it can.  Found
 * by experiment with nft 1.0.6 (every byte a Linux name may hold, alone and
 * between letters, loaded with nft -f and read back as bytes): a string in
 * double quotes is taken raw, without escapes, except that a trailing '*'
 * makes it a wildcard (a prefix match) unless written "\*", and then every
 * backslash in it is dropped.  A double quote ends the string whatever
 * precedes it.  Raw control bytes would load, but compile's text is read
 * by people first: it refuses them.
 */
static const char *ifname_text_problem(const char *s)
{
	size_t n = strlen(s);

	if (strchr(s, '"'))
		return "nft's strings cannot hold a double quote";
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			return "it holds a control character";
	if (n && s[n - 1] == '*' && strchr(s, '\\'))
		return "nft drops every backslash from a string ending in an escaped '*'";
	return NULL;
}

/*
 * The RS_IFNAMSIZ bytes at @p as nft reads them back: a trailing '*' as
 * "\*", so "br*" names the bridge br* and not every bridge starting "br".
 * A name nft cannot read back (rs_render_check() refuses those before any
 * text is made) is quoted as for a message, which nft rejects, rather than
 * written as something nft would take for another name.
 */
static void ifname_text(struct sbuf *b, const uint8_t *p)
{
	char name[RS_IFNAMSIZ + 1], q[RS_QUOTED_MAX];
	size_t n;

	memcpy(name, p, RS_IFNAMSIZ);
	name[RS_IFNAMSIZ] = '\0';
	n = strlen(name);
	if (ifname_text_problem(name))
		sb_printf(b, "%s", rs_quote(name, q, sizeof(q)));
	else if (n && name[n - 1] == '*')
		sb_printf(b, "\"%.*s\\*\"", (int)n - 1, name);
	else
		sb_printf(b, "\"%s\"", name);
}

/* The prefix length for which [@lo, @hi] is exactly a CIDR block, or -1. */
static int cidr_prefix(const uint8_t *lo, const uint8_t *hi, unsigned int len)
{
	unsigned int i = 0, plen;

	while (i < len && lo[i] == hi[i])
		i++;
	plen = i * 8;
	if (i == len)
		return plen;
	uint8_t diff = lo[i] ^ hi[i];
	/* diff must be 0..01..1 with lo's bits there 0 and hi's 1 */
	if ((diff & (diff + 1)) || (lo[i] & diff) || ((hi[i] & diff) != diff))
		return -1;
	for (uint8_t d = diff; d; d >>= 1)
		plen--;
	plen += 8;
	for (i++; i < len; i++)
		if (lo[i] != 0 || hi[i] != 0xff)
			return -1;
	return plen;
}

static void addr_text(struct sbuf *b, int af, const uint8_t *a)
{
	char s[INET6_ADDRSTRLEN];

	inet_ntop(af, a, s, sizeof(s));
	sb_printf(b, "%s", s);
}

static void hex_text(struct sbuf *b, const uint8_t *p, size_t n)
{
	sb_printf(b, "0x");
	for (size_t i = 0; i < n; i++)
		sb_printf(b, "%02x", p[i]);
}

/* @num by its name in @t, else as a number (@hex: 0x and four digits, as nft) */
static void named_text(struct sbuf *b, const struct rs_name *t, size_t n, unsigned int num,
		       bool hex)
{
	const char *name = name_of(t, n, num);

	if (name)
		sb_printf(b, "%s", name);
	else if (hex)
		sb_printf(b, "0x%04x", num);
	else
		sb_printf(b, "%u", num);
}

static void field_text(struct sbuf *b, enum rs_type t, const uint8_t *lo, const uint8_t *hi)
{
	unsigned int len = rs_type_len(t);
	int af = t == RS_T_IPV4 ? AF_INET : AF_INET6, plen;
	unsigned int port_lo, port_hi;

	switch (t) {
	case RS_T_IPV4:
	case RS_T_IPV6:
		addr_text(b, af, lo);
		if (!memcmp(lo, hi, len))
			return;
		plen = cidr_prefix(lo, hi, len);
		if (plen >= 0) {
			sb_printf(b, "/%d", plen);
		} else {
			sb_printf(b, "-");
			addr_text(b, af, hi);
		}
		return;
	case RS_T_SERVICE:
		port_lo = lo[0] << 8 | lo[1];
		port_hi = hi[0] << 8 | hi[1];
		sb_printf(b, "%u", port_lo);
		if (port_hi != port_lo)
			sb_printf(b, "-%u", port_hi);
		return;
	case RS_T_PROTO:
		named_text(b, NAMES(protos), lo[0], false);
		return;
	case RS_T_U8:
		sb_printf(b, "%u", lo[0]);
		return;
	case RS_T_ETHERTYPE:
		named_text(b, NAMES(ethertypes), (unsigned int)(lo[0] << 8 | lo[1]), true);
		return;
	case RS_T_INT128:
		/* one value; a prefix match is written by render_stmt (mask and value) */
		hex_text(b, lo, 16);
		return;
	case RS_T_PKTTYPE:
		named_text(b, NAMES(pkttypes), lo[0], false);
		return;
	case RS_T_ICMPV6_TYPE:
		named_text(b, NAMES(icmpv6_types), lo[0], false);
		return;
	case RS_T_ETHER:
		sb_printf(b, "%02x:%02x:%02x:%02x:%02x:%02x", lo[0], lo[1], lo[2], lo[3], lo[4],
			  lo[5]);
		return;
	case RS_T_IFNAME:
		ifname_text(b, lo);
		return;
	case RS_T_CTSTATE:
		return;
	}
}

static void value_text(struct sbuf *b, const struct rs_value *v)
{
	uint8_t lo[RS_IFNAMSIZ] = { 0 }, hi[RS_IFNAMSIZ] = { 0 };
	const char *sep = "";

	if (v->type == RS_T_CTSTATE) {
		for (size_t i = 0; i < sizeof(ctstates) / sizeof(ctstates[0]); i++)
			if (v->u.ctmask & ctstates[i].bit) {
				sb_printf(b, "%s%s", sep, ctstates[i].name);
				sep = ",";
			}
		return;
	}
	value_bytes(v, lo, hi);
	field_text(b, v->type, lo, hi);
}

void rs_elem_text(const struct rs_set *s, size_t i, char *buf, size_t len)
{
	struct sbuf b = { buf, len };
	const uint8_t *lo = s->lo + i * s->keylen;
	const uint8_t *hi = s->hi ? s->hi + i * s->keylen : lo;
	unsigned int off = 0;

	if (len)
		buf[0] = '\0';
	for (unsigned int f = 0; f < s->key.n; f++) {
		sb_printf(&b, "%s", f ? " . " : "");
		field_text(&b, s->key.t[f], lo + off, hi + off);
		off += pad4(rs_type_len(s->key.t[f]));
	}
}

const char *rs_elem_origin(const struct rs_set *s, size_t i)
{
	uint32_t o = i < s->n_elems ? s->elem_origin[i] : 0;

	return o ? s->origins[o] : s->origin;
}

/* --- building -------------------------------------------------------------- */

static bool name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > RS_NAME_MAX)
		return false;
	if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return false;
	for (; *s; s++)
		if (!(*s == '_' || *s == '-' || *s == '.' || (*s >= 'a' && *s <= 'z') ||
		      (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
			return false;
	return true;
}

/* Comments and log prefixes go inside nft's double quotes. */
static bool text_ok(const char *s)
{
	if (strlen(s) > RS_TEXT_MAX)
		return false;
	for (; *s; s++)
		if (*s == '"' || *s == '\\' || (unsigned char)*s < ' ' || *s == 0x7f)
			return false;
	return true;
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

/* Append @item to the pointer array *@v of *@n entries. */
static int ptr_push(void *vp, size_t *n, void *item)
{
	void ***v = vp;
	void **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return -ENOMEM;
	nv[(*n)++] = item;
	*v = nv;
	return 0;
}

struct rs_ruleset *rs_ruleset_new(void)
{
	return calloc(1, sizeof(struct rs_ruleset));
}

void rs_set_free(struct rs_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; s->verdicts && i < s->n_elems; i++)
		free(s->verdicts[i].chain);
	for (size_t i = 0; i < s->n_origins; i++)
		free(s->origins[i]);
	free(s->origins);
	free(s->elem_origin);
	free(s->verdicts);
	free(s->lo);
	free(s->hi);
	free(s->name);
	free(s->origin);
	free(s);
}

static void stmt_clear(struct rs_stmt *st)
{
	free(st->set);
	free(st->prefix);
	free(st->v.chain);
	free(st->obj);
}

static void rule_free(struct rs_rule *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		stmt_clear(&r->s[i]);
	free(r->s);
	free(r->comment);
	free(r->origin);
	free(r);
}

static void chain_free(struct rs_chain *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_rules; i++)
		rule_free(c->rules[i]);
	free(c->rules);
	free(c->name);
	free(c->origin);
	free(c);
}

static void table_free(struct rs_table *t)
{
	if (!t)
		return;
	nix_free(&t->set_ix);
	nix_free(&t->chain_ix);
	nix_free(&t->counter_ix);
	for (size_t i = 0; i < t->n_sets; i++)
		rs_set_free(t->sets[i]);
	for (size_t i = 0; i < t->n_chains; i++)
		chain_free(t->chains[i]);
	for (size_t i = 0; i < t->n_counters; i++)
		free(t->counters[i]);
	free(t->counters);
	free(t->sets);
	free(t->chains);
	free(t->name);
	free(t->origin);
	free(t);
}

void rs_ruleset_free(struct rs_ruleset *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n_tables; i++)
		table_free(rs->tables[i]);
	free(rs->tables);
	free(rs);
}

struct rs_table *rs_table_find(const struct rs_ruleset *rs, enum rs_family family,
			       const char *name)
{
	for (size_t i = 0; i < rs->n_tables; i++)
		if (rs->tables[i]->family == family && !strcmp(rs->tables[i]->name, name))
			return rs->tables[i];
	return NULL;
}

struct rs_table *rs_table_add(struct rs_ruleset *rs, enum rs_family family,
			      const char *name, const char *origin)
{
	struct rs_table *t;

	if (!name_ok(name) || (family != RS_INET && family != RS_BRIDGE)) {
		errno = EINVAL;
		return NULL;
	}
	if (rs_table_find(rs, family, name)) {
		errno = EEXIST;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->family = family;
	t->name = strdup(name);
	t->origin = dup_or_empty(origin);
	if (!t->name || !t->origin || ptr_push(&rs->tables, &rs->n_tables, t) < 0) {
		table_free(t);
		errno = ENOMEM;
		return NULL;
	}
	return t;
}

struct rs_set *rs_set_find(const struct rs_table *t, const char *name)
{
	long i = nix_find(&t->set_ix, name);

	return i < 0 ? NULL : t->sets[i];
}

struct rs_set *rs_set_new(const char *name, const struct rs_key *key, bool interval,
			  bool vmap, const char *origin)
{
	struct rs_set *s;

	if (!name_ok(name) || key->n == 0 || key->n > RS_MAX_CONCAT) {
		errno = EINVAL;
		return NULL;
	}
	for (unsigned int i = 0; i < key->n; i++)
		if (rs_type_len(key->t[i]) == 0) {
			errno = EINVAL;
			return NULL;
		}
	if (key_len(key) > RS_KEY_MAX) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->name = strdup(name);
	s->origin = dup_or_empty(origin);
	s->origins = calloc(1, sizeof(char *));
	if (s->origins)
		s->origins[0] = strdup("");
	if (!s->name || !s->origin || !s->origins || !s->origins[0]) {
		rs_set_free(s);
		errno = ENOMEM;
		return NULL;
	}
	s->n_origins = 1;
	s->key = *key;
	s->keylen = key_len(key);
	s->interval = interval;
	s->vmap = vmap;
	return s;
}

int rs_set_typeof(struct rs_set *s, const enum rs_field *f, unsigned int n)
{
	if (n != s->key.n)
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++)
		if (f[i] >= RS_F__COUNT || rs_field_type(f[i]) != s->key.t[i] ||
		    (f[i] != RS_F_IIFNAME && f[i] != RS_F_ETHER_SADDR && f[i] != RS_F_ND_TARGET))
			return -EINVAL;
	memcpy(s->typeof_f, f, n * sizeof(f[0]));
	s->has_typeof = true;
	return 0;
}

struct rs_set *rs_set_add(struct rs_table *t, const char *name, const struct rs_key *key,
			  bool interval, bool vmap, const char *origin)
{
	struct rs_set *s;

	if (name && rs_set_find(t, name)) {
		errno = EEXIST;
		return NULL;
	}
	s = rs_set_new(name, key, interval, vmap, origin);
	if (!s)
		return NULL;
	if (ptr_push(&t->sets, &t->n_sets, s) < 0) {
		rs_set_free(s);
		errno = ENOMEM;
		return NULL;
	}
	if (name && nix_add(&t->set_ix, s->name, t->n_sets - 1) < 0) {
		t->n_sets--;
		rs_set_free(s);
		errno = ENOMEM;
		return NULL;
	}
	return s;
}

static int set_grow(struct rs_set *s)
{
	size_t cap = s->cap ? s->cap * 2 : 64;
	uint8_t *lo, *hi;

	lo = realloc(s->lo, cap * s->keylen);
	if (!lo)
		return -ENOMEM;
	s->lo = lo;
	if (s->interval) {
		hi = realloc(s->hi, cap * s->keylen);
		if (!hi)
			return -ENOMEM;
		s->hi = hi;
	}
	if (s->vmap) {
		struct rs_verdict *v = realloc(s->verdicts, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->verdicts = v;
	}
	uint32_t *o = realloc(s->elem_origin, cap * sizeof(*o));
	if (!o)
		return -ENOMEM;
	s->elem_origin = o;
	s->cap = cap;
	return 0;
}

/* The index of @origin in s->origins; consecutive elements usually share one. */
static int origin_index(struct rs_set *s, const char *origin, uint32_t *idx)
{
	char **nv;

	if (!origin || !*origin) {
		*idx = 0;
		return 0;
	}
	if (!strcmp(s->origins[s->n_origins - 1], origin)) {
		*idx = s->n_origins - 1;
		return 0;
	}
	nv = realloc(s->origins, (s->n_origins + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	s->origins = nv;
	nv[s->n_origins] = strdup(origin);
	if (!nv[s->n_origins])
		return -ENOMEM;
	*idx = s->n_origins++;
	return 0;
}

int rs_set_add_elem(struct rs_set *s, const struct rs_value *vals,
		    const struct rs_verdict *v, const char *origin)
{
	uint8_t lo[RS_KEY_MAX] = { 0 }, hi[RS_KEY_MAX] = { 0 };
	unsigned int off = 0;
	uint32_t oi;
	char *chain = NULL;

	for (unsigned int i = 0; i < s->key.n; i++) {
		if (vals[i].type != s->key.t[i] || (!s->interval && value_is_range(&vals[i])))
			return -EINVAL;
		value_bytes(&vals[i], lo + off, hi + off);
		off += pad4(rs_type_len(s->key.t[i]));
	}
	if (s->vmap) {
		if (!v || v->code == RS_V_NONE)
			return -EINVAL;
		if ((v->code == RS_V_JUMP || v->code == RS_V_GOTO) &&
		    (!v->chain || !name_ok(v->chain)))
			return -EINVAL;
		if (v->chain && (v->code == RS_V_JUMP || v->code == RS_V_GOTO)) {
			chain = strdup(v->chain);
			if (!chain)
				return -ENOMEM;
		}
	}
	if ((s->n_elems == s->cap && set_grow(s) < 0) || origin_index(s, origin, &oi) < 0) {
		free(chain);
		return -ENOMEM;
	}
	memcpy(s->lo + s->n_elems * s->keylen, lo, s->keylen);
	if (s->interval)
		memcpy(s->hi + s->n_elems * s->keylen, hi, s->keylen);
	if (s->vmap)
		s->verdicts[s->n_elems] = (struct rs_verdict){ v->code, chain };
	s->elem_origin[s->n_elems] = oi;
	s->n_elems++;
	return 0;
}

int rs_set_copy_elem(struct rs_set *dst, const struct rs_set *src, size_t i)
{
	const struct rs_verdict *v = src->vmap ? &src->verdicts[i] : NULL;
	char *chain = NULL;
	uint32_t oi;

	if (dst->keylen != src->keylen || dst->interval != src->interval ||
	    dst->vmap != src->vmap || i >= src->n_elems)
		return -EINVAL;
	if (v && v->chain) {
		chain = strdup(v->chain);
		if (!chain)
			return -ENOMEM;
	}
	if ((dst->n_elems == dst->cap && set_grow(dst) < 0) ||
	    origin_index(dst, rs_elem_origin(src, i), &oi) < 0) {
		free(chain);
		return -ENOMEM;
	}
	memcpy(dst->lo + dst->n_elems * dst->keylen, src->lo + i * src->keylen, src->keylen);
	if (dst->interval)
		memcpy(dst->hi + dst->n_elems * dst->keylen, src->hi + i * src->keylen, src->keylen);
	if (dst->vmap)
		dst->verdicts[dst->n_elems] = (struct rs_verdict){ v->code, chain };
	dst->elem_origin[dst->n_elems] = oi;
	dst->n_elems++;
	return 0;
}

/*
 * The kernel sizes a hash set's bucket array from this hint: the next
 * power of two above hint * 4/3 (nft_hash_buckets()), allocated and zeroed
 * in the transaction that creates the set.  So the hint is the largest one
 * that keeps the smallest bucket array giving at least 1.5x the content:
 * room for churn (past the hint adds fail with ENFILE and the daemon
 * replaces the table), without paying for twice the buckets.  100,000
 * elements get 196,608 (2 MiB of buckets) instead of 200,704 (4 MiB).
 */
uint32_t rs_set_size_hint(const struct rs_set *s)
{
	uint64_t kernel_elems, buckets = 1;

	if (s->size)
		return s->size;
	/* a single-field interval set holds a start and an end element per range */
	kernel_elems = (uint64_t)s->n_elems * (s->interval && s->key.n == 1 ? 2 : 1) + 1;
	while (buckets < kernel_elems * 2)	/* 1.5x content * 4/3 */
		buckets <<= 1;
	if (buckets * 3 / 4 < 1024)
		return 1024;
	return buckets * 3 / 4 > UINT32_MAX ? UINT32_MAX : (uint32_t)(buckets * 3 / 4);
}

struct rs_chain *rs_chain_find(const struct rs_table *t, const char *name)
{
	long i = nix_find(&t->chain_ix, name);

	return i < 0 ? NULL : t->chains[i];
}

struct rs_chain *rs_chain_add(struct rs_table *t, const char *name, const char *origin)
{
	struct rs_chain *c;

	if (!name_ok(name)) {
		errno = EINVAL;
		return NULL;
	}
	if (rs_chain_find(t, name)) {
		errno = EEXIST;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->name = strdup(name);
	c->origin = dup_or_empty(origin);
	if (!c->name || !c->origin || ptr_push(&t->chains, &t->n_chains, c) < 0) {
		chain_free(c);
		errno = ENOMEM;
		return NULL;
	}
	if (nix_add(&t->chain_ix, c->name, t->n_chains - 1) < 0) {
		t->n_chains--;
		chain_free(c);
		errno = ENOMEM;
		return NULL;
	}
	return c;
}

void rs_chain_set_hook(struct rs_chain *c, enum rs_hook hook, int prio, bool policy_drop)
{
	c->hook = hook;
	c->prio = prio;
	c->policy_drop = policy_drop;
}

struct rs_rule *rs_rule_add(struct rs_chain *c, const char *comment, const char *origin)
{
	struct rs_rule *r;

	if (comment && !text_ok(comment)) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->comment = comment ? strdup(comment) : NULL;
	r->origin = dup_or_empty(origin);
	if ((comment && !r->comment) || !r->origin || ptr_push(&c->rules, &c->n_rules, r) < 0) {
		rule_free(r);
		errno = ENOMEM;
		return NULL;
	}
	return r;
}

static struct rs_stmt *stmt_push(struct rs_rule *r, enum rs_stmt_kind kind)
{
	struct rs_stmt *v = realloc(r->s, (r->n + 1) * sizeof(*v));

	if (!v)
		return NULL;
	r->s = v;
	memset(&v[r->n], 0, sizeof(v[r->n]));
	v[r->n].kind = kind;
	return &v[r->n++];
}

int rs_rule_match(struct rs_rule *r, enum rs_field f, bool neg, const struct rs_value *v)
{
	struct rs_stmt *st;

	if (f >= RS_F__COUNT || fields[f].t != v->type)
		return -EINVAL;
	st = stmt_push(r, RS_S_MATCH);
	if (!st)
		return -ENOMEM;
	st->f[0] = f;
	st->n_f = 1;
	st->neg = neg;
	st->val = *v;
	return 0;
}

static int stmt_set_ref(struct rs_rule *r, enum rs_stmt_kind kind, const enum rs_field *f,
			unsigned int n, bool neg, const char *set)
{
	struct rs_stmt *st;
	char *name;

	if (n == 0 || n > RS_MAX_CONCAT || !name_ok(set))
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++)
		if (f[i] >= RS_F__COUNT || f[i] == RS_F_CT_STATE)
			return -EINVAL;
	name = strdup(set);
	if (!name)
		return -ENOMEM;
	st = stmt_push(r, kind);
	if (!st) {
		free(name);
		return -ENOMEM;
	}
	memcpy(st->f, f, n * sizeof(*f));
	st->n_f = n;
	st->neg = neg;
	st->set = name;
	return 0;
}

int rs_rule_lookup(struct rs_rule *r, const enum rs_field *f, unsigned int n, bool neg,
		   const char *set)
{
	return stmt_set_ref(r, RS_S_LOOKUP, f, n, neg, set);
}

int rs_rule_vmap(struct rs_rule *r, const enum rs_field *f, unsigned int n, const char *map)
{
	return stmt_set_ref(r, RS_S_VMAP, f, n, false, map);
}

int rs_rule_counter(struct rs_rule *r)
{
	return stmt_push(r, RS_S_COUNTER) ? 0 : -ENOMEM;
}

bool rs_counter_find(const struct rs_table *t, const char *name)
{
	return nix_find(&t->counter_ix, name) >= 0;
}

int rs_counter_add(struct rs_table *t, const char *name)
{
	char *n;

	if (!name_ok(name))
		return -EINVAL;
	if (rs_counter_find(t, name))
		return 0;
	n = strdup(name);
	if (!n || ptr_push(&t->counters, &t->n_counters, n) < 0) {
		free(n);
		return -ENOMEM;
	}
	if (nix_add(&t->counter_ix, n, t->n_counters - 1) < 0) {
		t->n_counters--;
		free(n);
		return -ENOMEM;
	}
	return 0;
}

int rs_rule_counter_named(struct rs_rule *r, const char *name)
{
	struct rs_stmt *st;
	char *n;

	if (!name_ok(name))
		return -EINVAL;
	n = strdup(name);
	st = n ? stmt_push(r, RS_S_COUNTER) : NULL;
	if (!st) {
		free(n);
		return -ENOMEM;
	}
	st->obj = n;
	return 0;
}

int rs_rule_limit(struct rs_rule *r, uint32_t per_second, uint32_t burst)
{
	struct rs_stmt *st;

	if (per_second == 0)
		return -EINVAL;
	st = stmt_push(r, RS_S_LIMIT);
	if (!st)
		return -ENOMEM;
	st->rate = per_second;
	st->burst = burst ? burst : 5;	/* nft's default; the kernel refuses 0 */
	return 0;
}

int rs_rule_log(struct rs_rule *r, uint16_t group, const char *prefix)
{
	struct rs_stmt *st;
	char *p = NULL;

	if (prefix && !text_ok(prefix))
		return -EINVAL;
	if (prefix && !(p = strdup(prefix)))
		return -ENOMEM;
	st = stmt_push(r, RS_S_LOG);
	if (!st) {
		free(p);
		return -ENOMEM;
	}
	st->group = group;
	st->prefix = p;
	return 0;
}

int rs_rule_verdict(struct rs_rule *r, enum rs_verdict_code code, const char *chain)
{
	struct rs_stmt *st;
	char *c = NULL;
	bool needs_chain = code == RS_V_JUMP || code == RS_V_GOTO;

	if (code == RS_V_NONE || needs_chain != (chain != NULL) || (chain && !name_ok(chain)))
		return -EINVAL;
	if (chain && !(c = strdup(chain)))
		return -ENOMEM;
	st = stmt_push(r, RS_S_VERDICT);
	if (!st) {
		free(c);
		return -ENOMEM;
	}
	st->v.code = code;
	st->v.chain = c;
	return 0;
}

/* --- validation ------------------------------------------------------------ */

static int fail(char *err, size_t len, const char *origin, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t len, const char *origin, const char *fmt, ...)
{
	struct sbuf b = { err, len };
	va_list ap;
	char msg[256];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sb_printf(&b, "%s: %s", origin && *origin ? origin : "ruleset", msg);
	return -EINVAL;
}

static bool field_fits(enum rs_field f, enum rs_family fam)
{
	bool bridge_only = f == RS_F_ETHER_SADDR || f == RS_F_ETHER_DADDR ||
			   f == RS_F_ETHER_TYPE || f == RS_F_ND_TARGET ||
			   rs_field_ethertype(f) == 0x0806;
	/* no conntrack in bridge tables here (nf_conntrack_bridge is absent) */
	bool inet_only = f == RS_F_CT_ORIG_IP_SADDR || f == RS_F_CT_REPLY_IP_SADDR ||
			 f == RS_F_CT_ORIG_IP6_SADDR || f == RS_F_CT_REPLY_IP6_SADDR;

	return bridge_only ? fam == RS_BRIDGE : inet_only ? fam == RS_INET : true;
}

static bool needs_icmpv6(const struct rs_stmt *st)
{
	for (unsigned int i = 0; i < st->n_f; i++)
		if (st->f[i] == RS_F_ICMPV6_TYPE || st->f[i] == RS_F_ND_TARGET)
			return true;
	return false;
}

/* Does a match on meta l4proto ipv6-icmp come before statement @k of @r? A
 * transport header field read without it is some other protocol's byte. */
static bool icmpv6_guarded(const struct rs_rule *r, size_t k)
{
	for (size_t i = 0; i < k; i++) {
		const struct rs_stmt *st = &r->s[i];

		if (st->kind == RS_S_MATCH && !st->neg && st->f[0] == RS_F_L4PROTO &&
		    st->val.u.proto == 58)
			return true;
	}
	return false;
}

static int check_stmt(const struct rs_table *t, const struct rs_rule *r,
		      const struct rs_stmt *st, char *err, size_t len)
{
	const struct rs_set *s;

	for (unsigned int i = 0; i < st->n_f; i++)
		if (!field_fits(st->f[i], t->family))
			return fail(err, len, r->origin, "%s is not available in %s tables",
				    rs_field_name(st->f[i]), rs_family_name(t->family));
	if (st->kind == RS_S_COUNTER && st->obj && !rs_counter_find(t, st->obj))
		return fail(err, len, r->origin, "no counter %s in table %s %s", st->obj,
			    rs_family_name(t->family), t->name);
	if (st->kind == RS_S_VERDICT && st->v.chain && !rs_chain_find(t, st->v.chain))
		return fail(err, len, r->origin, "no chain %s in table %s %s", st->v.chain,
			    rs_family_name(t->family), t->name);
	if (st->kind != RS_S_LOOKUP && st->kind != RS_S_VMAP)
		return 0;
	s = rs_set_find(t, st->set);
	if (!s)
		return fail(err, len, r->origin, "no set @%s in table %s %s", st->set,
			    rs_family_name(t->family), t->name);
	if (s->vmap != (st->kind == RS_S_VMAP))
		return fail(err, len, r->origin, "@%s is %s", st->set,
			    s->vmap ? "a verdict map, not a set" : "a set, not a verdict map");
	if (s->key.n != st->n_f)
		return fail(err, len, r->origin, "@%s has %u key fields, the rule gives %u",
			    st->set, s->key.n, st->n_f);
	for (unsigned int i = 0; i < st->n_f; i++)
		if (rs_field_type(st->f[i]) != s->key.t[i])
			return fail(err, len, r->origin, "@%s field %u is %s, %s is %s", st->set,
				    i + 1, rs_type_name(s->key.t[i]), rs_field_name(st->f[i]),
				    rs_type_name(rs_field_type(st->f[i])));
	return 0;
}

static int check_table(const struct rs_table *t, char *err, size_t len)
{
	for (size_t i = 0; i < t->n_sets; i++) {
		const struct rs_set *s = t->sets[i];

		for (size_t e = 0; s->vmap && e < s->n_elems; e++)
			if (s->verdicts[e].chain && !rs_chain_find(t, s->verdicts[e].chain))
				return fail(err, len, rs_elem_origin(s, e),
					    "map @%s jumps to chain %s, which does not exist",
					    s->name, s->verdicts[e].chain);
	}
	for (size_t i = 0; i < t->n_chains; i++) {
		const struct rs_chain *c = t->chains[i];

		for (size_t j = 0; j < c->n_rules; j++) {
			const struct rs_rule *r = c->rules[j];

			if (r->n == 0)
				return fail(err, len, r->origin, "empty rule in chain %s",
					    c->name);
			for (size_t k = 0; k < r->n; k++) {
				if (check_stmt(t, r, &r->s[k], err, len) < 0)
					return -EINVAL;
				if (needs_icmpv6(&r->s[k]) && !icmpv6_guarded(r, k))
					return fail(err, len, r->origin, "icmpv6 fields need "
						    "meta l4proto ipv6-icmp before them");
			}
		}
	}
	return 0;
}

int rs_validate(const struct rs_ruleset *rs, char *err, size_t errlen)
{
	if (errlen)
		err[0] = '\0';
	for (size_t i = 0; i < rs->n_tables; i++)
		if (check_table(rs->tables[i], err, errlen) < 0)
			return -EINVAL;
	return 0;
}

/* --- rendering -------------------------------------------------------------- */

/* A growing string on the heap (open_memstream would do, but this stays pure). */
struct dbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void db_printf(struct dbuf *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void db_printf(struct dbuf *d, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (d->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(d->p + d->len, d->cap - d->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			d->oom = true;
			return;
		}
		if ((size_t)n < d->cap - d->len)
			break;
		size_t cap = (d->cap + n + 1) * 2;
		char *p = realloc(d->p, cap);

		if (!p) {
			d->oom = true;
			return;
		}
		d->p = p;
		d->cap = cap;
	}
	d->len += n;
}

static void verdict_text(struct dbuf *d, const struct rs_verdict *v)
{
	static const char *const names[] = {
		[RS_V_ACCEPT] = "accept", [RS_V_DROP] = "drop", [RS_V_JUMP] = "jump",
		[RS_V_GOTO] = "goto", [RS_V_RETURN] = "return",
	};

	if (v->code == RS_V_NONE)
		return;
	db_printf(d, "%s", names[v->code]);
	if (v->chain)
		db_printf(d, " %s", v->chain);
}

static void render_set(struct dbuf *d, const struct rs_set *s)
{
	char elem[512];

	db_printf(d, "\t%s %s {\n\t\t%s ", s->vmap ? "map" : "set", s->name,
		  s->has_typeof ? "typeof" : "type");
	for (unsigned int i = 0; i < s->key.n; i++)
		db_printf(d, "%s%s", i ? " . " : "",
			  s->has_typeof ? rs_field_name(s->typeof_f[i]) : rs_type_name(s->key.t[i]));
	db_printf(d, "%s\n", s->vmap ? " : verdict" : "");
	if (s->interval)
		db_printf(d, "\t\tflags interval\n");
	db_printf(d, "\t\tsize %u\n", rs_set_size_hint(s));
	for (size_t e = 0; e < s->n_elems; e++) {
		rs_elem_text(s, e, elem, sizeof(elem));
		db_printf(d, "%s%s", e ? ",\n\t\t\t     " : "\t\telements = { ", elem);
		if (s->vmap) {
			db_printf(d, " : ");
			verdict_text(d, &s->verdicts[e]);
		}
	}
	if (s->n_elems)
		db_printf(d, " }\n");
	db_printf(d, "\t}\n");
}

static void fields_text(struct dbuf *d, const struct rs_stmt *st)
{
	for (unsigned int i = 0; i < st->n_f; i++)
		db_printf(d, "%s%s", i ? " . " : "", rs_field_name(st->f[i]));
}

/*
 * A raw integer or a MAC has no prefix syntax in nft: "FIELD & MASK != VALUE"
 * (a MAC's mask written as a MAC, as nft lists it).
 */
static void render_masked(struct dbuf *d, const struct rs_stmt *st)
{
	uint8_t lo[16], hi[16], mask[16];
	unsigned int n = rs_type_len(st->val.type);
	char m[40], v[40];
	struct sbuf bm = { m, sizeof(m) }, bv = { v, sizeof(v) };

	value_bytes(&st->val, lo, hi);
	for (size_t i = 0; i < n; i++)
		mask[i] = (uint8_t)~(lo[i] ^ hi[i]);
	if (st->val.type == RS_T_ETHER) {
		field_text(&bm, RS_T_ETHER, mask, mask);
		field_text(&bv, RS_T_ETHER, lo, lo);
	} else {
		hex_text(&bm, mask, n);
		hex_text(&bv, lo, n);
	}
	fields_text(d, st);
	db_printf(d, " & %s %s%s", m, st->neg ? "!= " : "", v);
}

static void render_stmt(struct dbuf *d, const struct rs_stmt *st)
{
	char v[128];
	struct sbuf b = { v, sizeof(v) };

	switch (st->kind) {
	case RS_S_MATCH:
		if ((st->val.type == RS_T_INT128 && st->val.prefix < 128) ||
		    (st->val.type == RS_T_ETHER && st->val.prefix && st->val.prefix < 48)) {
			render_masked(d, st);
			break;
		}
		value_text(&b, &st->val);
		fields_text(d, st);
		db_printf(d, " %s%s", st->neg ? "!= " : "", v);
		break;
	case RS_S_LOOKUP:
		fields_text(d, st);
		db_printf(d, " %s@%s", st->neg ? "!= " : "", st->set);
		break;
	case RS_S_VMAP:
		fields_text(d, st);
		db_printf(d, " vmap @%s", st->set);
		break;
	case RS_S_COUNTER:
		db_printf(d, "counter");
		if (st->obj)
			db_printf(d, " name \"%s\"", st->obj);
		break;
	case RS_S_LIMIT:
		db_printf(d, "limit rate %u/second burst %u packets", st->rate, st->burst);
		break;
	case RS_S_LOG:
		db_printf(d, "log");
		if (st->prefix)
			db_printf(d, " prefix \"%s\"", st->prefix);
		db_printf(d, " group %u", st->group);
		break;
	case RS_S_VERDICT:
		verdict_text(d, &st->v);
		break;
	}
}

/*
 * nft adds "meta protocol" before an IP header field in a bridge table, and
 * that is the frame's inner protocol when it carries a VLAN tag; what we
 * send checks the frame's own ether type (nft_encode_dep() in nft.c), which
 * nft writes for the same bytecode when it is spelled out.
 */
static void render_bridge_dep(struct dbuf *d, const struct rs_stmt *st, uint16_t *done)
{
	for (unsigned int i = 0; i < st->n_f && !*done; i++) {
		uint16_t need = rs_field_ethertype(st->f[i]);

		if (need == 0x0800 || need == 0x86dd) {
			db_printf(d, "ether type %s ", need == 0x0800 ? "ip" : "ip6");
			*done = need;
		}
	}
}

static void render_chain(struct dbuf *d, enum rs_family fam, const struct rs_chain *c)
{
	db_printf(d, "\tchain %s {\n", c->name);
	if (c->hook != RS_HOOK_NONE)
		db_printf(d, "\t\ttype filter hook %s priority %d; policy %s;\n",
			  rs_hook_name(c->hook), c->prio, c->policy_drop ? "drop" : "accept");
	for (size_t i = 0; i < c->n_rules; i++) {
		const struct rs_rule *r = c->rules[i];

		uint16_t dep = 0;

		db_printf(d, "\t\t");
		for (size_t k = 0; k < r->n; k++) {
			db_printf(d, "%s", k ? " " : "");
			if (fam == RS_BRIDGE)
				render_bridge_dep(d, &r->s[k], &dep);
			render_stmt(d, &r->s[k]);
		}
		if (r->comment)
			db_printf(d, " comment \"%s\"", r->comment);
		db_printf(d, "\n");
	}
	db_printf(d, "\t}\n");
}

/* -EINVAL, and @err naming it, for an interface name in key @k at @p that nft's text cannot carry. */
static int check_key_text(const struct rs_key *k, const uint8_t *p, const char *origin,
			  const char *where, char *err, size_t len)
{
	char name[RS_IFNAMSIZ + 1], q[RS_QUOTED_MAX];
	unsigned int off = 0;
	const char *why;

	for (unsigned int f = 0; f < k->n; off += pad4(rs_type_len(k->t[f])), f++) {
		if (k->t[f] != RS_T_IFNAME)
			continue;
		memcpy(name, p + off, RS_IFNAMSIZ);
		name[RS_IFNAMSIZ] = '\0';
		if ((why = ifname_text_problem(name)))
			return fail(err, len, origin,
				    "interface name %s (%s) cannot be written in nft's text: %s",
				    rs_quote(name, q, sizeof(q)), where, why);
	}
	return 0;
}

int rs_render_check(const struct rs_ruleset *rs, char *err, size_t errlen)
{
	char where[RS_NAME_MAX + 16];
	int rc;

	for (size_t i = 0; i < rs->n_tables; i++) {
		const struct rs_table *t = rs->tables[i];

		for (size_t j = 0; j < t->n_sets; j++) {
			const struct rs_set *s = t->sets[j];

			snprintf(where, sizeof(where), "set %s", s->name);
			/* the low ends suffice: a name is never a range, its high end is the same */
			for (size_t e = 0; e < s->n_elems; e++) {
				rc = check_key_text(&s->key, s->lo + e * s->keylen, rs_elem_origin(s, e),
						    where, err, errlen);
				if (rc)
					return rc;
			}
		}
		for (size_t j = 0; j < t->n_chains; j++) {
			const struct rs_chain *c = t->chains[j];

			snprintf(where, sizeof(where), "chain %s", c->name);
			for (size_t r = 0; r < c->n_rules; r++)
				for (size_t k = 0; k < c->rules[r]->n; k++) {
					const struct rs_stmt *st = &c->rules[r]->s[k];
					struct rs_key key = { { RS_T_IFNAME }, 1 };

					if (st->kind != RS_S_MATCH || st->val.type != RS_T_IFNAME)
						continue;
					rc = check_key_text(&key, (const uint8_t *)st->val.u.ifname,
							    c->rules[r]->origin, where, err, errlen);
					if (rc)
						return rc;
				}
		}
	}
	return 0;
}

char *rs_render_text(const struct rs_ruleset *rs, unsigned int flags)
{
	struct dbuf d = { 0 };

	if (rs_render_check(rs, NULL, 0) < 0) {
		errno = EINVAL;
		return NULL;
	}
	d.p = malloc(4096);
	if (!d.p)
		return NULL;
	d.cap = 4096;
	d.p[0] = '\0';
	for (size_t i = 0; i < rs->n_tables; i++) {
		const struct rs_table *t = rs->tables[i];
		const char *fam = rs_family_name(t->family);

		if (flags & RS_RENDER_REPLACE)
			db_printf(&d, "table %s %s\ndelete table %s %s\n", fam, t->name, fam,
				  t->name);
		db_printf(&d, "table %s %s {\n", fam, t->name);
		for (size_t j = 0; j < t->n_sets; j++)
			render_set(&d, t->sets[j]);
		for (size_t j = 0; j < t->n_counters; j++)
			db_printf(&d, "\tcounter %s { }\n", t->counters[j]);
		for (size_t j = 0; j < t->n_chains; j++)
			render_chain(&d, t->family, t->chains[j]);
		db_printf(&d, "}\n");
	}
	if (d.oom) {
		free(d.p);
		errno = ENOMEM;
		return NULL;
	}
	return d.p;
}
