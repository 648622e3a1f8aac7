/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_DECODE_H
#define ZONEWALL_DECODE_H

/*
 * Frame decoder: captured bytes -> the few fields the learner needs.
 * Pure (no I/O, no allocation), never reads past @caplen, so it can be
 * fuzzed directly.  Link types: Ethernet (DLT_EN10MB) with any number of
 * 802.1Q/802.1ad tags, Linux cooked SLL (DLT_LINUX_SLL) and SLL2
 * (DLT_LINUX_SLL2).  Only the outermost IP header counts, and only when
 * TCP, UDP, ICMP or ICMPv6 follows it (IPv6 extension headers may sit
 * between).  Fragments are not reassembled: the first fragment's transport
 * header is used, later fragments are reported as DEC_FRAGMENT.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The libpcap DLT_ values dec_frame() understands, spelt out so that the
 * decoder, its tests and its fuzzer need no libpcap header. */
#define DEC_DLT_EN10MB		1	/* DLT_EN10MB */
#define DEC_DLT_LINUX_SLL	113	/* DLT_LINUX_SLL: 16-byte header */
#define DEC_DLT_LINUX_SLL2	276	/* DLT_LINUX_SLL2: 20-byte header */

/* At most this many IPv6 extension headers before the transport header;
 * RFC 8200 allows each once (destination options twice), so a longer
 * chain is hostile and gives DEC_BAD_EXT_HDR. */
#define DEC_MAX_EXT_HDRS	8

/* Why a frame gave no packet.  DEC_OK is 0; every other value is counted
 * by the caller per reason (`zonewall flows --stats`). */
enum dec_result {
	DEC_OK = 0,
	DEC_NOT_IP,		/* ARP, LLDP, MPLS, PPPoE...: another ethertype */
	DEC_OTHER_L4,		/* IP carrying something else (GRE, ESP, IPIP...) */
	DEC_FRAGMENT,		/* a non-first IP fragment: no transport header */
	DEC_TRUNC_L2,		/* link-layer header (or a VLAN tag) cut short */
	DEC_TRUNC_IP,		/* IP header cut short by the capture */
	DEC_TRUNC_L4,		/* transport header cut short */
	DEC_BAD_VERSION,	/* IP version disagrees with the ethertype */
	DEC_BAD_IHL,		/* IPv4 header length field < 5 (20 bytes) */
	DEC_BAD_IP_LEN,		/* IPv4 total length (not 0) smaller than its header */
	DEC_BAD_EXT_HDR,	/* IPv6 extension header past the payload length,
				 * or more than DEC_MAX_EXT_HDRS of them */
	DEC_BAD_TCP_HLEN,	/* TCP data offset < 5 */
	DEC_UNSUPPORTED_LINK,	/* a link type this decoder does not know */
	DEC_RESULT_MAX,
};

/* The fields of one decoded packet.  Addresses are 16 bytes; IPv4 uses the
 * first 4 and zeroes the rest, so one key layout serves both families. */
struct dec_packet {
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t sport;		/* host order; 0 for ICMP */
	uint16_t dport;		/* host order; 0 for ICMP */
	uint8_t family;		/* 4 or 6 */
	uint8_t proto;		/* IPPROTO_TCP, _UDP, _ICMP or _ICMPV6 */
	uint8_t tcp_flags;	/* TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, ACK 0x10...) */
	uint8_t icmp_type;	/* ICMP / ICMPv6 type */
};

/**
 * dec_frame() - decode one captured frame.
 * @linktype: the capture's DLT_ value (pcap_datalink()).
 * @data:     the captured bytes.
 * @caplen:   how many bytes were captured (never read past this).
 * @out:      filled when DEC_OK is returned; unspecified otherwise.
 * Lengths inside the frame that claim more than was captured are trusted
 * only up to @caplen; an IPv4 total length of 0 (TSO/GRO super-packets,
 * as on container hosts) and an IPv6 payload length of 0 (jumbogram, BIG
 * TCP) are read as "the rest of the frame"; a shorter length cuts off
 * link-layer padding.  VLAN tags are also followed after an SLL/SLL2
 * header (libpcap reinserts offloaded tags there).  A transport header is
 * used as soon as the fields read from it are there: TCP 14 bytes (ports,
 * data offset, flags; the data offset itself may point past the data, as
 * in a tiny first fragment), UDP 4 (ports), ICMP/ICMPv6 1 (type); either
 * ICMP may follow either IP version.  AH, ESP, no-next-header and every
 * other protocol give DEC_OTHER_L4.  The IPv6 fragment header reports
 * DEC_FRAGMENT for a non-zero offset and is skipped otherwise.
 * Return: DEC_OK, or the reason the frame yields no packet.
 */
enum dec_result dec_frame(int linktype, const uint8_t *data, size_t caplen,
			  struct dec_packet *out);

/** dec_linktype_supported() - true when dec_frame() understands @linktype. */
bool dec_linktype_supported(int linktype);

/** dec_result_name() - a short stable name ("trunc_ip", "not_ip", ...). */
const char *dec_result_name(enum dec_result r);

/**
 * dec_ip() - decode a bare IP packet (no link-layer header, as NFLOG and
 * DLT_RAW deliver it): the version nibble picks IPv4 or IPv6.
 * Return: DEC_OK with @out filled, or why not (as dec_frame()).
 */
enum dec_result dec_ip(const uint8_t *data, size_t caplen, struct dec_packet *out);

#endif
