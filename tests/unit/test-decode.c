// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests: the frame decoder on hand-built frames.  Every frame is
 * decoded from a heap copy of exactly its length, so AddressSanitizer
 * catches a read past caplen; every frame that decodes is also decoded at
 * every shorter length, which must give the same packet or a truncation.
 */

#include "config.h"

#include <stdbool.h>
#include <stdint.h>

#include "tap.h"
#include "zonewall/decode.h"

/* ---- frame builder ------------------------------------------------------ */

struct frame {
	uint8_t b[4096];
	size_t n;
	size_t l3;		/* where the IP header starts */
	size_t l4;		/* where the transport header starts */
};

static void put(struct frame *f, const void *p, size_t n)
{
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

static void put8(struct frame *f, unsigned int v)
{
	f->b[f->n++] = (uint8_t)v;
}

static void put16(struct frame *f, unsigned int v)
{
	put8(f, v >> 8);
	put8(f, v);
}

static void put32(struct frame *f, uint32_t v)
{
	put16(f, v >> 16);
	put16(f, v);
}

static void zeros(struct frame *f, size_t n)
{
	memset(f->b + f->n, 0, n);
	f->n += n;
}

static void set16(struct frame *f, size_t off, unsigned int v)
{
	f->b[off] = (uint8_t)(v >> 8);
	f->b[off + 1] = (uint8_t)v;
}

static const uint8_t MAC_A[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t MAC_B[6] = { 0x02, 0, 0, 0, 0, 0x0b };
static const uint8_t V4_A[4] = { 10, 1, 2, 3 };
static const uint8_t V4_B[4] = { 192, 168, 77, 254 };
static const uint8_t V6_A[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a };
static const uint8_t V6_B[16] = { 0xfd, 0x00, 0, 0, 0, 0, 0, 0, 0xde, 0xad, 0, 0, 0, 0, 0xbe, 0xef };

/* Ethernet header with the given tag protocol ids (outermost first). */
static void eth(struct frame *f, const uint16_t *tpids, int ntags, unsigned int type)
{
	int i;

	f->n = 0;
	put(f, MAC_B, 6);
	put(f, MAC_A, 6);
	for (i = 0; i < ntags; i++) {
		put16(f, tpids[i]);
		put16(f, 100 + i);	/* PCP 0, VID 100+i */
	}
	put16(f, type);
}

static void sll(struct frame *f, unsigned int proto)
{
	f->n = 0;
	put16(f, 4);		/* packet type: outgoing */
	put16(f, 1);		/* ARPHRD_ETHER */
	put16(f, 6);
	put(f, MAC_A, 6);
	zeros(f, 2);
	put16(f, proto);
}

static void sll2(struct frame *f, unsigned int proto)
{
	f->n = 0;
	put16(f, proto);
	zeros(f, 2);
	put32(f, 7);		/* ifindex */
	put16(f, 1);		/* ARPHRD_ETHER */
	put8(f, 0);		/* packet to us */
	put8(f, 6);
	put(f, MAC_A, 6);
	zeros(f, 2);
}

/* IPv4 header; the total length is set by fix_len4() once the payload is in. */
static void ip4(struct frame *f, unsigned int proto, size_t optlen, unsigned int frag)
{
	size_t i;

	f->l3 = f->n;
	put8(f, 0x40 | (unsigned int)((20 + optlen) / 4));
	put8(f, 0);
	put16(f, 0);
	put16(f, 0x1234);
	put16(f, frag);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	put(f, V4_A, 4);
	put(f, V4_B, 4);
	for (i = 0; i < optlen; i++)
		put8(f, i == 0 ? 0x94 : 1);	/* router alert, then NOPs */
	f->l4 = f->n;
}

static void fix_len4(struct frame *f)
{
	set16(f, f->l3 + 2, (unsigned int)(f->n - f->l3));
}

/* IPv6 header; the payload length is set by fix_len6(). */
static void ip6(struct frame *f, unsigned int nh)
{
	f->l3 = f->n;
	put32(f, 0x60000000);
	put16(f, 0);
	put8(f, nh);
	put8(f, 64);
	put(f, V6_A, 16);
	put(f, V6_B, 16);
	f->l4 = f->n;
}

static void fix_len6(struct frame *f)
{
	set16(f, f->l3 + 4, (unsigned int)(f->n - f->l3 - 40));
}

/* A generic extension header (hop-by-hop, routing, destination options)
 * of (units + 1) * 8 bytes, padded with PadN. */
static void ext(struct frame *f, unsigned int nh, unsigned int units)
{
	put8(f, nh);
	put8(f, units);
	zeros(f, 6 + (size_t)units * 8);
	f->l4 = f->n;
}

static void frag6(struct frame *f, unsigned int nh, unsigned int offset, bool more)
{
	put8(f, nh);
	put8(f, 0);
	put16(f, (offset << 3) | (more ? 1 : 0));
	put32(f, 0xcafe);
	f->l4 = f->n;
}

static void tcp(struct frame *f, unsigned int sport, unsigned int dport,
		unsigned int flags, unsigned int doff)
{
	size_t i;

	put16(f, sport);
	put16(f, dport);
	put32(f, 1000);
	put32(f, 0);
	put8(f, doff << 4);
	put8(f, flags);
	put16(f, 65535);
	put32(f, 0);
	for (i = 20; i < (size_t)doff * 4; i++)
		put8(f, 1);	/* NOP options */
}

static void udp(struct frame *f, unsigned int sport, unsigned int dport, size_t paylen)
{
	put16(f, sport);
	put16(f, dport);
	put16(f, (unsigned int)(8 + paylen));
	put16(f, 0);
	zeros(f, paylen);
}

static void icmp(struct frame *f, unsigned int type)
{
	put8(f, type);
	put8(f, 0);
	put16(f, 0);
	put32(f, 0x00010001);
}

/* ---- checks ------------------------------------------------------------- */

struct want {
	uint8_t family, proto;
	const uint8_t *src, *dst;
	uint16_t sport, dport;
	uint8_t tcp_flags, icmp_type;
};

/* Decode @n bytes of @f from a heap copy of exactly @n bytes. */
static enum dec_result decode_exact(int link, const struct frame *f, size_t n,
				    struct dec_packet *out, int fill)
{
	uint8_t *copy = malloc(n ? n : 1);
	enum dec_result r;

	if (!copy)
		abort();
	memcpy(copy, f->b, n);
	memset(out, fill, sizeof(*out));
	r = dec_frame(link, copy, n, out);
	free(copy);
	return r;
}

static bool is_trunc(enum dec_result r)
{
	return r == DEC_TRUNC_L2 || r == DEC_TRUNC_IP || r == DEC_TRUNC_L4;
}

static bool addr_is(const uint8_t got[16], const uint8_t *want, int family)
{
	static const uint8_t zero[12];

	if (family == 4)
		return !memcmp(got, want, 4) && !memcmp(got + 4, zero, 12);
	return !memcmp(got, want, 16);
}

/* Every prefix of a frame that decodes must decode to the same packet or
 * report a truncation, and once a prefix decodes, every longer one must. */
static void check_prefixes(const char *name, int link, const struct frame *f,
			   const struct dec_packet *full)
{
	struct dec_packet p;
	enum dec_result r;
	size_t n, bad = 0, first_ok = f->n;
	bool seen_ok = false;

	for (n = 0; n <= f->n; n++) {
		r = decode_exact(link, f, n, &p, 0x5a);
		if (r == DEC_OK) {
			if (!seen_ok)
				first_ok = n;
			seen_ok = true;
			if (memcmp(&p, full, sizeof(p)))
				bad++;
		} else if (!is_trunc(r) || seen_ok) {
			if (bad++ == 0)
				printf("# %s: prefix %zu gives %s\n", name, n, dec_result_name(r));
		}
	}
	tap_ok(bad == 0, "%s: all %zu prefixes decode identically or truncate (ok from %zu)",
	       name, f->n + 1, first_ok);
}

static void check_ok(const char *name, int link, const struct frame *f, const struct want *w)
{
	struct dec_packet a, b;
	enum dec_result r;
	bool fields;

	r = decode_exact(link, f, f->n, &a, 0x00);
	if (!tap_ok(r == DEC_OK, "%s: decodes", name)) {
		printf("#   got %s\n", dec_result_name(r));
		return;
	}
	decode_exact(link, f, f->n, &b, 0xff);
	fields = a.family == w->family && a.proto == w->proto &&
		 addr_is(a.src, w->src, w->family) && addr_is(a.dst, w->dst, w->family) &&
		 a.sport == w->sport && a.dport == w->dport &&
		 a.tcp_flags == w->tcp_flags && a.icmp_type == w->icmp_type;
	if (!tap_ok(fields && !memcmp(&a, &b, sizeof(a)), "%s: fields right, all written", name))
		printf("#   family %u proto %u ports %u>%u flags %#x type %u\n", a.family,
		       a.proto, a.sport, a.dport, a.tcp_flags, a.icmp_type);
	check_prefixes(name, link, f, &a);
}

static void check_fail(const char *name, int link, const struct frame *f, enum dec_result want)
{
	struct dec_packet p;

	tap_is_str(dec_result_name(decode_exact(link, f, f->n, &p, 0)),
		   dec_result_name(want), "%s: %s", name, dec_result_name(want));
}

#define WANT_TCP4(sp, dp, fl) (&(struct want){ 4, 6, V4_A, V4_B, sp, dp, fl, 0 })
#define WANT_UDP4(sp, dp) (&(struct want){ 4, 17, V4_A, V4_B, sp, dp, 0, 0 })
#define WANT_ICMP4(t) (&(struct want){ 4, 1, V4_A, V4_B, 0, 0, 0, t })
#define WANT_TCP6(sp, dp, fl) (&(struct want){ 6, 6, V6_A, V6_B, sp, dp, fl, 0 })
#define WANT_UDP6(sp, dp) (&(struct want){ 6, 17, V6_A, V6_B, sp, dp, 0, 0 })
#define WANT_ICMP6(t) (&(struct want){ 6, 58, V6_A, V6_B, 0, 0, 0, t })

#define SYN 0x02
#define ACK 0x10

/* ---- link layers -------------------------------------------------------- */

static void eth_v4_tcp(struct frame *f, const uint16_t *tpids, int ntags)
{
	eth(f, tpids, ntags, 0x0800);
	ip4(f, 6, 0, 0x4000);
	tcp(f, 40000, 443, SYN, 5);
	fix_len4(f);
}

static void test_links(void)
{
	static const uint16_t q[] = { 0x8100 };
	static const uint16_t qinq[] = { 0x88a8, 0x8100 };
	static const uint16_t deep[] = { 0x9100, 0x88a8, 0x8100, 0x8100, 0x88a8, 0x8100 };
	uint16_t many[40];
	struct frame f;
	int i;

	eth_v4_tcp(&f, NULL, 0);
	check_ok("eth ipv4 tcp syn", DEC_DLT_EN10MB, &f, WANT_TCP4(40000, 443, SYN));
	eth_v4_tcp(&f, q, 1);
	check_ok("802.1Q ipv4 tcp", DEC_DLT_EN10MB, &f, WANT_TCP4(40000, 443, SYN));
	eth_v4_tcp(&f, qinq, 2);
	check_ok("802.1ad QinQ ipv4 tcp", DEC_DLT_EN10MB, &f, WANT_TCP4(40000, 443, SYN));
	eth_v4_tcp(&f, deep, 6);
	check_ok("6 mixed tags (9100/88a8/8100)", DEC_DLT_EN10MB, &f,
		 WANT_TCP4(40000, 443, SYN));
	for (i = 0; i < 40; i++)
		many[i] = 0x8100;
	eth_v4_tcp(&f, many, 40);
	check_ok("40 stacked tags", DEC_DLT_EN10MB, &f, WANT_TCP4(40000, 443, SYN));

	eth(&f, qinq, 2, 0x86dd);
	ip6(&f, 17);
	udp(&f, 5353, 5353, 12);
	fix_len6(&f);
	check_ok("QinQ ipv6 udp", DEC_DLT_EN10MB, &f, WANT_UDP6(5353, 5353));

	sll(&f, 0x0800);
	ip4(&f, 6, 0, 0);
	tcp(&f, 80, 51000, SYN | ACK, 8);
	fix_len4(&f);
	check_ok("SLL ipv4 tcp syn-ack", DEC_DLT_LINUX_SLL, &f, WANT_TCP4(80, 51000, SYN | ACK));

	sll(&f, 0x8100);
	put16(&f, 5);
	put16(&f, 0x86dd);
	ip6(&f, 58);
	icmp(&f, 128);
	fix_len6(&f);
	check_ok("SLL with a reinserted tag, ipv6 icmpv6", DEC_DLT_LINUX_SLL, &f, WANT_ICMP6(128));

	sll2(&f, 0x86dd);
	ip6(&f, 58);
	icmp(&f, 128);
	fix_len6(&f);
	check_ok("SLL2 ipv6 icmpv6 echo", DEC_DLT_LINUX_SLL2, &f, WANT_ICMP6(128));

	sll2(&f, 0x0800);
	ip4(&f, 1, 0, 0);
	icmp(&f, 8);
	fix_len4(&f);
	check_ok("SLL2 ipv4 icmp echo", DEC_DLT_LINUX_SLL2, &f, WANT_ICMP4(8));

	sll(&f, 0x0806);
	zeros(&f, 28);
	check_fail("SLL arp", DEC_DLT_LINUX_SLL, &f, DEC_NOT_IP);
	sll2(&f, 0x0806);
	zeros(&f, 28);
	check_fail("SLL2 arp", DEC_DLT_LINUX_SLL2, &f, DEC_NOT_IP);
	sll2(&f, 0x0800);
	f.n = 19;
	check_fail("SLL2 header cut at 19", DEC_DLT_LINUX_SLL2, &f, DEC_TRUNC_L2);
	sll(&f, 0x0800);
	f.n = 15;
	check_fail("SLL header cut at 15", DEC_DLT_LINUX_SLL, &f, DEC_TRUNC_L2);
	eth(&f, NULL, 0, 0x0800);
	f.n = 13;
	check_fail("Ethernet cut at 13", DEC_DLT_EN10MB, &f, DEC_TRUNC_L2);
	eth(&f, qinq, 2, 0x0800);
	f.n = 20;
	check_fail("second tag cut", DEC_DLT_EN10MB, &f, DEC_TRUNC_L2);
}

static void test_not_ip(void)
{
	static const struct { unsigned int type; const char *name; } t[] = {
		{ 0x0806, "ARP" }, { 0x8847, "MPLS unicast" }, { 0x8848, "MPLS multicast" },
		{ 0x8864, "PPPoE session" }, { 0x88cc, "LLDP" }, { 0x05dc, "802.3 length" },
		{ 0x88e7, "PBB 802.1ah" },
	};
	static const uint16_t q[] = { 0x8100 };
	struct frame f;
	char name[64];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		eth(&f, NULL, 0, t[i].type);
		ip4(&f, 6, 0, 0);	/* an IP header behind it is not looked at */
		tcp(&f, 1, 2, SYN, 5);
		fix_len4(&f);
		snprintf(name, sizeof(name), "%s (0x%04x)", t[i].name, t[i].type);
		check_fail(name, DEC_DLT_EN10MB, &f, DEC_NOT_IP);
	}
	eth(&f, q, 1, 0x8847);
	zeros(&f, 40);
	check_fail("MPLS behind a VLAN tag", DEC_DLT_EN10MB, &f, DEC_NOT_IP);
}

static void test_unsupported(void)
{
	static const int links[] = { 0, 101, 160, 239, 228, 229, -1, 1000 };
	struct frame f;
	size_t i;

	eth_v4_tcp(&f, NULL, 0);
	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		char name[48];

		snprintf(name, sizeof(name), "link type %d", links[i]);
		check_fail(name, links[i], &f, DEC_UNSUPPORTED_LINK);
		tap_ok(!dec_linktype_supported(links[i]), "link type %d not supported", links[i]);
	}
	tap_ok(dec_linktype_supported(1) && dec_linktype_supported(113) &&
	       dec_linktype_supported(276), "EN10MB, LINUX_SLL, LINUX_SLL2 supported");
	f.n = 0;
	check_fail("empty Ethernet frame", DEC_DLT_EN10MB, &f, DEC_TRUNC_L2);
}

/* ---- IPv4 --------------------------------------------------------------- */

static void test_ipv4(void)
{
	struct frame f;

	eth(&f, NULL, 0, 0x0800);
	ip4(&f, 6, 8, 0);
	tcp(&f, 1234, 22, SYN, 5);
	fix_len4(&f);
	check_ok("ipv4 with 8 bytes of options", DEC_DLT_EN10MB, &f, WANT_TCP4(1234, 22, SYN));

	eth(&f, NULL, 0, 0x0800);
	ip4(&f, 17, 40, 0);
	udp(&f, 68, 67, 4);
	fix_len4(&f);
	check_ok("ipv4 with 40 bytes of options (IHL 15)", DEC_DLT_EN10MB, &f, WANT_UDP4(68, 67));

	eth(&f, NULL, 0, 0x0800);
	ip4(&f, 17, 0, 0);
	udp(&f, 5000, 53, 0);
	fix_len4(&f);
	zeros(&f, 60 - f.n);	/* minimum-size frame: padding after the IP packet */
	f.b[f.n - 1] = 0xee;
	check_ok("ipv4 udp with Ethernet padding", DEC_DLT_EN10MB, &f, WANT_UDP4(5000, 53));

	eth(&f, NULL, 0, 0x0800);
	ip4(&f, 1, 0, 0);
	icmp(&f, 3);
	ip4(&f, 6, 0, 0);	/* the quoted header of an ICMP error */
	tcp(&f, 9, 9, SYN, 5);
	f.l3 = 14;
	fix_len4(&f);
	check_ok("icmp error quoting a tcp syn: outer icmp only", DEC_DLT_EN10MB, &f,
		 WANT_ICMP4(3));

	eth(&f, NULL, 0, 0x0800);
	ip4(&f, 17, 0, 0);
	udp(&f, 49152, 4789, 0);
	put32(&f, 0x08000000);	/* VXLAN, VNI 1 */
	put32(&f, 0x00000100);
	put(&f, MAC_A, 6);	/* inner Ethernet, IPv4, TCP SYN */
	put(&f, MAC_B, 6);
	put16(&f, 0x0800);
	ip4(&f, 6, 0, 0);
	tcp(&f, 7777, 80, SYN, 5);
	f.l3 = 14;
	fix_len4(&f);
	check_ok("VXLAN: the outer udp 4789 is the packet", DEC_DLT_EN10MB, &f,
		 WANT_UDP4(49152, 4789));

	eth(&f, NULL, 0, 0x0800);
	ip4(&f, 4, 0, 0);	/* IP-in-IP */
	ip4(&f, 6, 0, 0);
	tcp(&f, 1, 2, SYN, 5);
	f.l3 = 14;
	fix_len4(&f);
	check_fail("IP-in-IP", DEC_DLT_EN10MB, &f, DEC_OTHER_L4);

	eth(&f, NULL, 0, 0x0800);
	ip4(&f, 47, 0, 0);	/* GRE */
	put32(&f, 0x00000800);
	ip4(&f, 6, 0, 0);
	tcp(&f, 1, 2, SYN, 5);
	f.l3 = 14;
	fix_len4(&f);
	check_fail("GRE", DEC_DLT_EN10MB, &f, DEC_OTHER_L4);

	eth(&f, NULL, 0, 0x0800);
	ip4(&f, 132, 0, 0);	/* SCTP */
	zeros(&f, 12);
	fix_len4(&f);
	check_fail("SCTP", DEC_DLT_EN10MB, &f, DEC_OTHER_L4);

	/* BIG TCP / GRO: total length 0 means the rest of the frame. */
	eth(&f, NULL, 0, 0x0800);
	ip4(&f, 6, 0, 0x4000);
	tcp(&f, 33000, 8080, SYN, 5);
	zeros(&f, 3000);
	check_ok("ipv4 total length 0 (BIG TCP)", DEC_DLT_EN10MB, &f, WANT_TCP4(33000, 8080, SYN));

	/* Lengths that claim more than was captured are used up to caplen. */
	eth(&f, NULL, 0, 0x0800);
	ip4(&f, 6, 0, 0);
	tcp(&f, 33001, 443, SYN, 5);
	set16(&f, f.l3 + 2, 1500);
	check_ok("ipv4 total length 1500 past a short capture", DEC_DLT_EN10MB, &f,
		 WANT_TCP4(33001, 443, SYN));
	eth(&f, NULL, 0, 0x0800);
	ip4(&f, 17, 0, 0);
	udp(&f, 12336, 12336, 0);
	set16(&f, f.l4 + 4, 9000);	/* UDP length past the data: not looked at */
	set16(&f, f.l3 + 2, 0x3030);
	f.n = f.l4 + 4;		/* tcpdump's udp-length-heapoverflow: 4 bytes of UDP */
	check_ok("udp ports from a 4-byte capture, lying lengths", DEC_DLT_EN10MB, &f,
		 WANT_UDP4(12336, 12336));
}

static void test_ipv4_fragments(void)
{
	struct frame f;

	eth(&f, NULL, 0, 0x0800);
	ip4(&f, 6, 0, 0x2000);	/* MF, offset 0 */
	tcp(&f, 12345, 80, SYN, 10);
	f.n = f.l4 + 24;	/* zeek's fragmented-syn: 40-byte header, 24 in this fragment */
	fix_len4(&f);
	check_ok("v4 first fragment, tcp header longer than the fragment", DEC_DLT_EN10MB, &f,
		 WANT_TCP4(12345, 80, SYN));

	eth(&f, NULL, 0, 0x0800);
	ip4(&f, 17, 0, 0x2000 | 0);
	udp(&f, 5000, 6000, 100);
	fix_len4(&f);
	check_ok("v4 first fragment udp", DEC_DLT_EN10MB, &f, WANT_UDP4(5000, 6000));

	eth(&f, NULL, 0, 0x0800);
	ip4(&f, 6, 0, 0x0003);	/* offset 24 bytes, last fragment */
	zeros(&f, 16);
	fix_len4(&f);
	check_fail("v4 last fragment", DEC_DLT_EN10MB, &f, DEC_FRAGMENT);

	eth(&f, NULL, 0, 0x0800);
	ip4(&f, 17, 0, 0x2000 | 0x00b9);
	zeros(&f, 16);
	fix_len4(&f);
	check_fail("v4 middle fragment", DEC_DLT_EN10MB, &f, DEC_FRAGMENT);

	eth(&f, NULL, 0, 0x0800);
	ip4(&f, 17, 0, 0x1000);	/* only the top offset bit: byte 32768 */
	zeros(&f, 16);
	fix_len4(&f);
	check_fail("v4 fragment at offset 32768", DEC_DLT_EN10MB, &f, DEC_FRAGMENT);

	eth(&f, NULL, 0, 0x0800);
	ip4(&f, 17, 0, 0x8000 | 0x4000);	/* reserved bit and DF: not a fragment */
	udp(&f, 3, 4, 0);
	fix_len4(&f);
	check_ok("v4 reserved and DF bits", DEC_DLT_EN10MB, &f, WANT_UDP4(3, 4));

	eth(&f, NULL, 0, 0x0800);
	ip4(&f, 6, 0, 0x2000);
	tcp(&f, 1, 2, SYN, 5);
	f.n = f.l4 + 8;		/* tiny first fragment: no flags byte */
	fix_len4(&f);
	zeros(&f, 20);		/* padding is not transport header */
	check_fail("v4 tiny first fragment (8 bytes of tcp)", DEC_DLT_EN10MB, &f, DEC_TRUNC_L4);
}

static void test_ipv4_bad(void)
{
	struct frame f;

	eth_v4_tcp(&f, NULL, 0);
	f.b[f.l3] = 0x65;
	check_fail("ethertype ipv4, version 6", DEC_DLT_EN10MB, &f, DEC_BAD_VERSION);
	eth_v4_tcp(&f, NULL, 0);
	f.b[f.l3] = 0x05;
	check_fail("ethertype ipv4, version 0", DEC_DLT_EN10MB, &f, DEC_BAD_VERSION);
	eth_v4_tcp(&f, NULL, 0);
	f.b[f.l3] = 0x44;
	check_fail("IHL 4", DEC_DLT_EN10MB, &f, DEC_BAD_IHL);
	eth_v4_tcp(&f, NULL, 0);
	f.b[f.l3] = 0x40;
	check_fail("IHL 0", DEC_DLT_EN10MB, &f, DEC_BAD_IHL);
	eth_v4_tcp(&f, NULL, 0);
	set16(&f, f.l3 + 2, 19);
	check_fail("total length 19 < header", DEC_DLT_EN10MB, &f, DEC_BAD_IP_LEN);
	eth_v4_tcp(&f, NULL, 0);
	f.b[f.l3] = 0x46;	/* 24-byte header, total length 40 still ok */
	set16(&f, f.l3 + 2, 22);
	check_fail("total length 22 < IHL 6", DEC_DLT_EN10MB, &f, DEC_BAD_IP_LEN);
	eth_v4_tcp(&f, NULL, 0);
	f.b[f.l3] = 0x4f;	/* 60-byte header, only 40 bytes captured */
	set16(&f, f.l3 + 2, 100);
	check_fail("IHL 15 past caplen", DEC_DLT_EN10MB, &f, DEC_TRUNC_IP);
	eth_v4_tcp(&f, NULL, 0);
	set16(&f, f.l3 + 2, 30);	/* 10 bytes of transport */
	check_fail("total length cuts the tcp header", DEC_DLT_EN10MB, &f, DEC_TRUNC_L4);
	eth_v4_tcp(&f, NULL, 0);
	f.b[f.l4 + 12] = 0x40;
	check_fail("tcp data offset 4", DEC_DLT_EN10MB, &f, DEC_BAD_TCP_HLEN);
	eth_v4_tcp(&f, NULL, 0);
	f.b[f.l4 + 12] = 0x00;
	check_fail("tcp data offset 0", DEC_DLT_EN10MB, &f, DEC_BAD_TCP_HLEN);
	eth_v4_tcp(&f, NULL, 0);
	f.n = 14 + 6;		/* zeek's trunc/ip4-trunc */
	check_fail("ipv4 header cut after 6 bytes", DEC_DLT_EN10MB, &f, DEC_TRUNC_IP);
	eth_v4_tcp(&f, NULL, 0);
	f.n = f.l4 + 13;
	check_fail("tcp cut before the flags", DEC_DLT_EN10MB, &f, DEC_TRUNC_L4);
}

/* ---- IPv6 --------------------------------------------------------------- */

static void test_ipv6(void)
{
	struct frame f;
	int i;

	eth(&f, NULL, 0, 0x86dd);
	ip6(&f, 6);
	tcp(&f, 50000, 443, SYN, 10);
	fix_len6(&f);
	check_ok("ipv6 tcp syn with options", DEC_DLT_EN10MB, &f, WANT_TCP6(50000, 443, SYN));

	eth(&f, NULL, 0, 0x86dd);
	ip6(&f, 0);
	ext(&f, 43, 0);
	ext(&f, 60, 2);
	ext(&f, 44, 0);
	frag6(&f, 17, 0, true);
	udp(&f, 546, 547, 20);
	fix_len6(&f);
	check_ok("hop-by-hop, routing, dest opts, first fragment, udp", DEC_DLT_EN10MB, &f,
		 WANT_UDP6(546, 547));

	eth(&f, NULL, 0, 0x86dd);
	ip6(&f, 60);
	ext(&f, 58, 1);
	icmp(&f, 128);
	fix_len6(&f);
	check_ok("dest opts then icmpv6 echo", DEC_DLT_EN10MB, &f, WANT_ICMP6(128));

	eth(&f, NULL, 0, 0x86dd);
	ip6(&f, 0);
	ext(&f, 58, 0);
	icmp(&f, 143);	/* MLDv2 report behind hop-by-hop router alert */
	fix_len6(&f);
	check_ok("hop-by-hop then icmpv6 MLD", DEC_DLT_EN10MB, &f, WANT_ICMP6(143));

	eth(&f, NULL, 0, 0x86dd);
	ip6(&f, 44);
	frag6(&f, 6, 0, true);
	tcp(&f, 1111, 22, SYN, 5);
	fix_len6(&f);
	check_ok("v6 first fragment tcp", DEC_DLT_EN10MB, &f, WANT_TCP6(1111, 22, SYN));

	eth(&f, NULL, 0, 0x86dd);
	ip6(&f, 44);
	frag6(&f, 17, 0, false);
	udp(&f, 1, 2, 0);
	fix_len6(&f);
	check_ok("v6 atomic fragment", DEC_DLT_EN10MB, &f, WANT_UDP6(1, 2));

	eth(&f, NULL, 0, 0x86dd);
	ip6(&f, 44);
	frag6(&f, 17, 181, true);
	zeros(&f, 64);
	fix_len6(&f);
	check_fail("v6 middle fragment", DEC_DLT_EN10MB, &f, DEC_FRAGMENT);

	eth(&f, NULL, 0, 0x86dd);
	ip6(&f, 0);
	ext(&f, 44, 0);
	frag6(&f, 6, 1, false);
	zeros(&f, 8);
	fix_len6(&f);
	check_fail("v6 last fragment behind hop-by-hop", DEC_DLT_EN10MB, &f, DEC_FRAGMENT);

	eth(&f, NULL, 0, 0x86dd);
	ip6(&f, 51);	/* AH */
	put8(&f, 6);
	put8(&f, 4);
	zeros(&f, 22);
	tcp(&f, 1, 2, SYN, 5);
	fix_len6(&f);
	check_fail("AH", DEC_DLT_EN10MB, &f, DEC_OTHER_L4);

	eth(&f, NULL, 0, 0x86dd);
	ip6(&f, 60);
	ext(&f, 50, 0);	/* ESP */
	zeros(&f, 32);
	fix_len6(&f);
	check_fail("dest opts then ESP", DEC_DLT_EN10MB, &f, DEC_OTHER_L4);

	eth(&f, NULL, 0, 0x86dd);
	ip6(&f, 59);
	fix_len6(&f);
	check_fail("no next header", DEC_DLT_EN10MB, &f, DEC_OTHER_L4);

	eth(&f, NULL, 0, 0x86dd);
	ip6(&f, 41);	/* IPv6-in-IPv6 */
	ip6(&f, 6);
	tcp(&f, 1, 2, SYN, 5);
	f.l3 = 14;
	fix_len6(&f);
	check_fail("ipv6-in-ipv6", DEC_DLT_EN10MB, &f, DEC_OTHER_L4);

	eth(&f, NULL, 0, 0x86dd);
	ip6(&f, 60);
	for (i = 1; i < DEC_MAX_EXT_HDRS; i++)
		ext(&f, 60, 0);
	ext(&f, 17, 0);
	udp(&f, 7, 8, 0);
	fix_len6(&f);
	check_ok("DEC_MAX_EXT_HDRS extension headers", DEC_DLT_EN10MB, &f, WANT_UDP6(7, 8));

	eth(&f, NULL, 0, 0x86dd);
	ip6(&f, 60);
	for (i = 0; i < DEC_MAX_EXT_HDRS; i++)
		ext(&f, 60, 0);
	ext(&f, 17, 0);
	udp(&f, 7, 8, 0);
	fix_len6(&f);
	check_fail("one extension header too many", DEC_DLT_EN10MB, &f, DEC_BAD_EXT_HDR);

	eth(&f, NULL, 0, 0x86dd);
	ip6(&f, 17);
	udp(&f, 443, 60000, 2000);
	check_ok("ipv6 payload length 0 (jumbo/BIG TCP)", DEC_DLT_EN10MB, &f,
		 WANT_UDP6(443, 60000));

	eth(&f, NULL, 0, 0x86dd);
	ip6(&f, 6);
	tcp(&f, 2, 3, SYN, 5);
	set16(&f, f.l3 + 4, 4000);
	check_ok("ipv6 payload length past the capture", DEC_DLT_EN10MB, &f, WANT_TCP6(2, 3, SYN));
}

static void test_ipv6_bad(void)
{
	struct frame f;

	eth(&f, NULL, 0, 0x86dd);
	ip6(&f, 6);
	tcp(&f, 1, 2, SYN, 5);
	fix_len6(&f);
	f.b[f.l3] = 0x45;
	check_fail("ethertype ipv6, version 4", DEC_DLT_EN10MB, &f, DEC_BAD_VERSION);

	eth(&f, NULL, 0, 0x86dd);
	ip6(&f, 0);
	ext(&f, 6, 1);
	tcp(&f, 1, 2, SYN, 5);
	set16(&f, f.l3 + 4, 12);	/* payload ends inside hop-by-hop */
	check_fail("ext header past the payload length", DEC_DLT_EN10MB, &f, DEC_BAD_EXT_HDR);

	eth(&f, NULL, 0, 0x86dd);
	ip6(&f, 0);
	put8(&f, 6);
	put8(&f, 255);		/* 2048 bytes claimed */
	zeros(&f, 30);
	check_fail("ext header length past caplen", DEC_DLT_EN10MB, &f, DEC_TRUNC_IP);

	eth(&f, NULL, 0, 0x86dd);
	ip6(&f, 6);
	tcp(&f, 1, 2, SYN, 5);
	set16(&f, f.l3 + 4, 10);	/* payload length cuts the tcp header */
	check_fail("payload length cuts the tcp header", DEC_DLT_EN10MB, &f, DEC_TRUNC_L4);

	eth(&f, NULL, 0, 0x86dd);
	ip6(&f, 6);
	tcp(&f, 1, 2, SYN, 5);
	fix_len6(&f);
	f.b[f.l4 + 12] = 0x20;
	check_fail("ipv6 tcp data offset 2", DEC_DLT_EN10MB, &f, DEC_BAD_TCP_HLEN);

	eth(&f, NULL, 0, 0x86dd);
	ip6(&f, 6);
	f.n = f.l3 + 39;
	check_fail("ipv6 header cut at 39", DEC_DLT_EN10MB, &f, DEC_TRUNC_IP);
}

static void test_names(void)
{
	int r, s;
	bool distinct = true, named = true;

	for (r = 0; r < DEC_RESULT_MAX; r++) {
		if (!strcmp(dec_result_name(r), "unknown"))
			named = false;
		for (s = 0; s < r; s++)
			if (!strcmp(dec_result_name(r), dec_result_name(s)))
				distinct = false;
	}
	tap_ok(named && distinct, "every result has its own name");
	tap_is_str(dec_result_name(DEC_TRUNC_IP), "trunc_ip", "trunc_ip name");
	tap_is_str(dec_result_name(DEC_RESULT_MAX), "unknown", "out of range is unknown");
	tap_is_str(dec_result_name((enum dec_result)-1), "unknown", "negative is unknown");
}

int main(void)
{
	test_links();
	test_not_ip();
	test_unsupported();
	test_ipv4();
	test_ipv4_fragments();
	test_ipv4_bad();
	test_ipv6();
	test_ipv6_bad();
	test_names();
	return tap_done();
}
