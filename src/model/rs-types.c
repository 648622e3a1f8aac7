// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ruleset model's datatypes and fields, one descriptor each (see
 * rs-types.h): how a value's text is read and written and how it becomes the
 * kernel's bytes.  Pure.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/netfilter/nf_tables.h>

#include "zonewall/rs-types.h"
#include "ruleset-int.h"

/* --- names nft gives numbers ---------------------------------------------------- */

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

/* ct state bits, in the order nft lists them */
static const struct rs_name ctstates[] = {
	{ RS_CT_INVALID, "invalid" }, { RS_CT_ESTABLISHED, "established" },
	{ RS_CT_RELATED, "related" }, { RS_CT_NEW, "new" }, { RS_CT_UNTRACKED, "untracked" },
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

/* --- reading text ------------------------------------------------------------------ */

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
	void *lo = af == AF_INET ? (void *)&out->u.v4 : (void *)&out->u.v6;
	unsigned long plen = bits;
	char *slash, *dash;

	if (strlen(text) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, text);
	dash = strchr(buf, '-');
	if (dash) {
		*dash = '\0';
		if (inet_pton(af, buf, lo) != 1 || inet_pton(af, dash + 1, &out->addr_hi) != 1 ||
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
	if (inet_pton(af, buf, lo) != 1)
		return -EINVAL;
	out->prefix = plen;
	return 0;
}

static int parse_ipv4(const char *text, struct rs_value *out)
{
	return parse_addr(AF_INET, text, out);
}

static int parse_ipv6(const char *text, struct rs_value *out)
{
	return parse_addr(AF_INET6, text, out);
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

static int parse_ctstate(const char *text, struct rs_value *out)
{
	char buf[128], *save = NULL;
	uint16_t bit;

	if (strlen(text) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, text);
	out->u.ctmask = 0;
	for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (!num_of(NAMES(ctstates), w, &bit))
			return -EINVAL;
		out->u.ctmask |= bit;
	}
	return out->u.ctmask ? 0 : -EINVAL;
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

static int parse_byte(const char *text, uint8_t *out)
{
	unsigned long n;

	if (parse_uint(text, 255, &n) < 0)
		return -EINVAL;
	*out = n;
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

static int parse_proto(const char *text, struct rs_value *out)
{
	if (!strcmp(text, "icmpv6")) {
		out->u.proto = 58;
		return 0;
	}
	return parse_named_byte(NAMES(protos), text, true, &out->u.proto);
}

static int parse_u8(const char *text, struct rs_value *out)
{
	return parse_byte(text, &out->u.u8);
}

static int parse_pkttype(const char *text, struct rs_value *out)
{
	return parse_named_byte(NAMES(pkttypes), text, false, &out->u.u8);
}

static int parse_icmpv6_type(const char *text, struct rs_value *out)
{
	return parse_named_byte(NAMES(icmpv6_types), text, true, &out->u.u8);
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

static int parse_ethertype(const char *text, struct rs_value *out)
{
	size_t n = strlen(text);
	uint8_t b[2] = { 0 };
	char digits[5] = "0000";

	if (num_of(NAMES(ethertypes), text, &out->u.ethertype))
		return 0;
	/* otherwise hex, as nft lists the ones it has no name for: 0x88b5 */
	if (n < 3 || n > 6 || strncmp(text, "0x", 2))
		return -EINVAL;
	memcpy(digits + 4 - (n - 2), text + 2, n - 2);
	if (parse_hex(digits, 4, b) < 0)
		return -EINVAL;
	out->u.ethertype = (uint16_t)(b[0] << 8 | b[1]);
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

/* Any name Linux allows: src/nft/ sends the bytes, never a pattern. */
static int parse_ifname(const char *text, struct rs_value *out)
{
	if (!rs_ifname_valid(text))
		return -EINVAL;
	strcpy(out->u.ifname, text);
	return 0;
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

/* --- the kernel's bytes --------------------------------------------------------------- */

/* @len bytes at @lo keeping the top @bits, and the top of that block at @hi. */
static void mask_bits(uint8_t *lo, uint8_t *hi, unsigned int len, unsigned int bits)
{
	for (unsigned int i = 0; i < len; i++) {
		unsigned int keep = bits >= 8 ? 8 : bits;
		uint8_t mask = keep ? (uint8_t)(0xff << (8 - keep)) : 0;

		lo[i] &= mask;
		hi[i] = lo[i] | (uint8_t)~mask;
		bits -= keep;
	}
}

/* IPv4, IPv6 and 128-bit integers: the prefix's block, or [u, addr_hi] */
static void encode_addr(const struct rs_value *v, uint8_t *lo, uint8_t *hi)
{
	unsigned int len = v->type == RS_T_IPV4 ? 4 : 16;

	memcpy(lo, v->type == RS_T_IPV4 ? (const void *)&v->u.v4 : (const void *)&v->u.v6, len);
	mask_bits(lo, hi, len, v->prefix);
	if (v->addr_range)
		memcpy(hi, &v->addr_hi, len);
}

/* A MAC's prefix (1-47) makes a block; 0 and 48 are the address alone. */
static void encode_ether(const struct rs_value *v, uint8_t *lo, uint8_t *hi)
{
	memcpy(lo, v->u.ether, 6);
	mask_bits(lo, hi, 6, v->prefix && v->prefix < 48 ? v->prefix : 48);
}

static void encode_service(const struct rs_value *v, uint8_t *lo, uint8_t *hi)
{
	uint16_t top = v->port_hi > v->u.port ? v->port_hi : v->u.port;

	lo[0] = v->u.port >> 8;
	lo[1] = v->u.port & 0xff;
	hi[0] = top >> 8;
	hi[1] = top & 0xff;
}

static void encode_proto(const struct rs_value *v, uint8_t *lo, uint8_t *hi)
{
	lo[0] = hi[0] = v->u.proto;
}

static void encode_u8(const struct rs_value *v, uint8_t *lo, uint8_t *hi)
{
	lo[0] = hi[0] = v->u.u8;
}

static void encode_ethertype(const struct rs_value *v, uint8_t *lo, uint8_t *hi)
{
	lo[0] = hi[0] = v->u.ethertype >> 8;
	lo[1] = hi[1] = v->u.ethertype & 0xff;
}

static void encode_ifname(const struct rs_value *v, uint8_t *lo, uint8_t *hi)
{
	memcpy(lo, v->u.ifname, RS_IFNAMSIZ);
	memcpy(hi, v->u.ifname, RS_IFNAMSIZ);
}

/* the kernel's ct state register holds the NF_CT_STATE bits in host order */
static void encode_ctstate(const struct rs_value *v, uint8_t *lo, uint8_t *hi)
{
	memcpy(lo, &v->u.ctmask, 4);
	memcpy(hi, &v->u.ctmask, 4);
}

/* --- writing text ---------------------------------------------------------------- */

/* The prefix length for which [@lo, @hi] is exactly a CIDR block, or -1. */
static int cidr_prefix(const uint8_t *lo, const uint8_t *hi, unsigned int len)
{
	unsigned int i = 0, plen;
	uint8_t diff;

	while (i < len && lo[i] == hi[i])
		i++;
	plen = i * 8;
	if (i == len)
		return plen;
	diff = lo[i] ^ hi[i];
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

/* An address, a block "/N" or a range "a-b". */
static void print_addr(struct rs_sbuf *b, int af, const uint8_t *lo, const uint8_t *hi)
{
	unsigned int len = af == AF_INET ? 4 : 16;
	char s[INET6_ADDRSTRLEN];
	int plen;

	rs_sbuf_printf(b, "%s", inet_ntop(af, lo, s, sizeof(s)));
	if (!memcmp(lo, hi, len))
		return;
	plen = cidr_prefix(lo, hi, len);
	if (plen >= 0)
		rs_sbuf_printf(b, "/%d", plen);
	else
		rs_sbuf_printf(b, "-%s", inet_ntop(af, hi, s, sizeof(s)));
}

static void print_ipv4(struct rs_sbuf *b, const uint8_t *lo, const uint8_t *hi)
{
	print_addr(b, AF_INET, lo, hi);
}

static void print_ipv6(struct rs_sbuf *b, const uint8_t *lo, const uint8_t *hi)
{
	print_addr(b, AF_INET6, lo, hi);
}

static void print_service(struct rs_sbuf *b, const uint8_t *lo, const uint8_t *hi)
{
	unsigned int port_lo = lo[0] << 8 | lo[1], port_hi = hi[0] << 8 | hi[1];

	rs_sbuf_printf(b, "%u", port_lo);
	if (port_hi != port_lo)
		rs_sbuf_printf(b, "-%u", port_hi);
}

/* @num by its name in @t, else as a number (@hex: 0x and four digits, as nft) */
static void print_named(struct rs_sbuf *b, const struct rs_name *t, size_t n, unsigned int num,
			bool hex)
{
	const char *name = name_of(t, n, num);

	if (name)
		rs_sbuf_printf(b, "%s", name);
	else if (hex)
		rs_sbuf_printf(b, "0x%04x", num);
	else
		rs_sbuf_printf(b, "%u", num);
}

static void print_proto(struct rs_sbuf *b, const uint8_t *lo, const uint8_t *hi)
{
	(void)hi;
	print_named(b, NAMES(protos), lo[0], false);
}

static void print_u8(struct rs_sbuf *b, const uint8_t *lo, const uint8_t *hi)
{
	(void)hi;
	rs_sbuf_printf(b, "%u", lo[0]);
}

static void print_pkttype(struct rs_sbuf *b, const uint8_t *lo, const uint8_t *hi)
{
	(void)hi;
	print_named(b, NAMES(pkttypes), lo[0], false);
}

static void print_icmpv6_type(struct rs_sbuf *b, const uint8_t *lo, const uint8_t *hi)
{
	(void)hi;
	print_named(b, NAMES(icmpv6_types), lo[0], false);
}

static void print_ethertype(struct rs_sbuf *b, const uint8_t *lo, const uint8_t *hi)
{
	(void)hi;
	print_named(b, NAMES(ethertypes), (unsigned int)(lo[0] << 8 | lo[1]), true);
}

/* one value; a prefix match is written by the renderer (mask and value) */
static void print_int128(struct rs_sbuf *b, const uint8_t *lo, const uint8_t *hi)
{
	(void)hi;
	rs_sbuf_printf(b, "0x");
	for (size_t i = 0; i < 16; i++)
		rs_sbuf_printf(b, "%02x", lo[i]);
}

static void print_ether(struct rs_sbuf *b, const uint8_t *lo, const uint8_t *hi)
{
	(void)hi;
	rs_sbuf_printf(b, "%02x:%02x:%02x:%02x:%02x:%02x", lo[0], lo[1], lo[2], lo[3], lo[4],
		       lo[5]);
}

static void print_ctstate(struct rs_sbuf *b, const uint8_t *lo, const uint8_t *hi)
{
	const char *sep = "";
	uint32_t mask;

	(void)hi;
	memcpy(&mask, lo, 4);
	for (size_t i = 0; i < sizeof(ctstates) / sizeof(ctstates[0]); i++)
		if (mask & ctstates[i].num) {
			rs_sbuf_printf(b, "%s%s", sep, ctstates[i].name);
			sep = ",";
		}
}

/* The RS_IFNAMSIZ bytes at @p as a string. */
static void ifname_of(const uint8_t *p, char name[RS_IFNAMSIZ + 1])
{
	memcpy(name, p, RS_IFNAMSIZ);
	name[RS_IFNAMSIZ] = '\0';
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

static const char *ifname_problem(const uint8_t *lo, char *what, size_t len)
{
	char name[RS_IFNAMSIZ + 1], q[RS_QUOTED_MAX];
	const char *why;

	ifname_of(lo, name);
	why = ifname_text_problem(name);
	if (why)
		snprintf(what, len, "interface name %s", rs_quote(name, q, sizeof(q)));
	return why;
}

/*
 * The name as nft reads it back: a trailing '*' as "\*", so "br*" names the
 * bridge br* and not every bridge starting "br".  A name nft cannot read
 * back (rs_render_check() refuses those before any text is made) is quoted
 * as for a message, which nft rejects, rather than written as something nft
 * would take for another name.
 */
static void print_ifname(struct rs_sbuf *b, const uint8_t *lo, const uint8_t *hi)
{
	char name[RS_IFNAMSIZ + 1], q[RS_QUOTED_MAX];
	size_t n;

	(void)hi;
	ifname_of(lo, name);
	n = strlen(name);
	if (ifname_text_problem(name))
		rs_sbuf_printf(b, "%s", rs_quote(name, q, sizeof(q)));
	else if (n && name[n - 1] == '*')
		rs_sbuf_printf(b, "\"%.*s\\*\"", (int)n - 1, name);
	else
		rs_sbuf_printf(b, "\"%s\"", name);
}

/* --- the table ------------------------------------------------------------------ */

/* In nft's order of ids; "integer" names two, rs_type_parse() takes the first. */
static const struct rs_type_desc types[] = {
	{ .type = RS_T_IPV4, .name = "ipv4_addr", .len = 4, .key = true, .ranges = true,
	  .cidr = true, .byteorder = 2,
	  .parse = parse_ipv4, .encode = encode_addr, .print = print_ipv4 },
	{ .type = RS_T_IPV6, .name = "ipv6_addr", .len = 16, .key = true, .ranges = true,
	  .cidr = true, .byteorder = 2,
	  .parse = parse_ipv6, .encode = encode_addr, .print = print_ipv6 },
	{ .type = RS_T_ETHER, .name = "ether_addr", .len = 6, .key = true, .byteorder = 2,
	  .parse = parse_ether, .encode = encode_ether, .print = print_ether },
	{ .type = RS_T_ETHERTYPE, .name = "ether_type", .len = 2, .key = true, .byteorder = 2,
	  .parse = parse_ethertype, .encode = encode_ethertype, .print = print_ethertype },
	{ .type = RS_T_PROTO, .name = "inet_proto", .len = 1, .key = true, .byteorder = 2,
	  .parse = parse_proto, .encode = encode_proto, .print = print_proto },
	{ .type = RS_T_SERVICE, .name = "inet_service", .len = 2, .key = true, .ranges = true,
	  .byteorder = 2,
	  .parse = parse_service, .encode = encode_service, .print = print_service },
	{ .type = RS_T_IFNAME, .name = "ifname", .len = RS_IFNAMSIZ, .key = true, .byteorder = 1,
	  .parse = parse_ifname, .encode = encode_ifname, .print = print_ifname,
	  .text_problem = ifname_problem },
	{ .type = RS_T_CTSTATE, .name = "ct_state", .len = 4, .bitmask = true, .byteorder = 1,
	  .parse = parse_ctstate, .encode = encode_ctstate, .print = print_ctstate },
	{ .type = RS_T_U8, .name = "integer", .len = 1, .key = true, .byteorder = 2,
	  .parse = parse_u8, .encode = encode_u8, .print = print_u8 },
	{ .type = RS_T_ICMPV6_TYPE, .name = "icmpv6_type", .len = 1, .key = true, .byteorder = 2,
	  .parse = parse_icmpv6_type, .encode = encode_u8, .print = print_icmpv6_type },
	{ .type = RS_T_INT128, .name = "integer", .len = 16, .key = true, .ranges = true,
	  .byteorder = 2,
	  .parse = parse_int128, .encode = encode_addr, .print = print_int128 },
	{ .type = RS_T_PKTTYPE, .name = "pkt_type", .len = 1, .key = true, .byteorder = 2,
	  .parse = parse_pkttype, .encode = encode_u8, .print = print_pkttype },
};

const struct rs_type_desc *rs_type_at(size_t i)
{
	return i < sizeof(types) / sizeof(types[0]) ? &types[i] : NULL;
}

const struct rs_type_desc *rs_type_desc(enum rs_type t)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == t)
			return &types[i];
	return NULL;
}
