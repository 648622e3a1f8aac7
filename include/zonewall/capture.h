/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_CAPTURE_H
#define ZONEWALL_CAPTURE_H

/*
 * Packet sources over libpcap: capture files (pcap with micro- or
 * nanosecond timestamps in either byte order, pcapng) and live interfaces
 * (TPACKET_V3, immediate mode, a kernel BPF filter passing only what the
 * learner's rules need, nonblocking for an epoll loop).  Only this file
 * sees libpcap; errors come back as -errno plus one line of text in a
 * struct cap_error.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CAP_ERROR_SIZE 512
#define CAP_LIVE_SNAPLEN 256	/* Ethernet + 2 tags + IPv6 + ext. headers + TCP */

struct cap_error {
	char msg[CAP_ERROR_SIZE];
};

/* One captured frame, valid only during the handler call. */
struct cap_frame {
	uint64_t ts_ns;		/* nanoseconds since the Unix epoch */
	const uint8_t *data;
	uint32_t caplen;	/* bytes in @data */
	uint32_t len;		/* bytes on the wire */
};

typedef void cap_handler_fn(void *user, const struct cap_frame *f);

enum cap_direction {
	CAP_DIR_BOTH,
	CAP_DIR_IN,		/* frames the interface received */
	CAP_DIR_OUT,		/* frames the interface sent */
};

struct cap_live_opts {
	enum cap_direction dir;
	bool promisc;		/* a bridge only sees forwarded frames in promiscuous mode */
	bool no_filter;		/* skip the kernel filter (tests) */
};

struct cap_stats {
	uint64_t received;	/* frames the kernel filter passed */
	uint64_t kernel_drops;	/* dropped for lack of ring space */
	uint64_t if_drops;	/* dropped by the interface, if known */
};

struct cap_source;

/**
 * cap_open_file() - open a capture file for reading; "-" is standard input
 * (a pipe too: libpcap reads it), named "standard input" in messages.
 * Refuses link types dec_frame() does not understand, naming the type.
 * Return: the source (close with cap_close()), or NULL with errno set
 * and @err->msg holding one line ("FILE: ...").
 */
struct cap_source *cap_open_file(const char *path, struct cap_error *err);

/**
 * cap_open_live() - start capturing on interface @ifname.
 * Snaplen CAP_LIVE_SNAPLEN, immediate mode, nanosecond timestamps when
 * the kernel gives them, cap_filter_expr() as the kernel filter unless
 * @o->no_filter, nonblocking.  Needs CAP_NET_RAW.
 * Return: the source, or NULL with errno set and @err->msg filled.
 */
struct cap_source *cap_open_live(const char *ifname, const struct cap_live_opts *o,
				 struct cap_error *err);

/** cap_close() - close @s.  Accepts NULL. */
void cap_close(struct cap_source *s);

/** cap_linktype() - the source's DLT_ value (pcap_datalink()). */
int cap_linktype(const struct cap_source *s);

/** cap_name() - the file path or interface name @s was opened with. */
const char *cap_name(const struct cap_source *s);

/** cap_fd() - a descriptor to wait on with epoll (live sources), or -1. */
int cap_fd(const struct cap_source *s);

/**
 * cap_dispatch() - hand frames to @fn.
 * A file is read to its end in one call; a live source hands over what
 * its ring holds now, without blocking.  A record whose time is not
 * plausible is skipped and counted (cap_bad_times()).
 * Return: frames handled (0: end of file, or nothing waiting on a live
 * source); -EIO when the file is damaged or the interface failed (frames
 * before the damage were handed over), @err->msg saying what happened.
 */
int cap_dispatch(struct cap_source *s, cap_handler_fn *fn, void *user, struct cap_error *err);

/**
 * cap_bad_times() - records of @s skipped so far because their time lies
 * outside 1970-01-01 .. 2106-02-07 (tfmt_sec_plausible()): negative or
 * all-ones seconds, a damaged record, which would otherwise show as a date
 * centuries away in flows and proposals.
 */
uint64_t cap_bad_times(const struct cap_source *s);

/**
 * cap_get_stats() - the kernel's counters for a live source.
 * Return: 0, -EOPNOTSUPP for files, -EIO (@err filled) on failure.
 */
int cap_get_stats(struct cap_source *s, struct cap_stats *st, struct cap_error *err);

/**
 * cap_filter_expr() - the kernel filter used on live sources: TCP with SYN
 * set, UDP, ICMP echo request and ICMPv6 echo request (and IPv6 packets
 * whose extension headers hide the transport header), untagged or under
 * one or two VLAN tags.  A static string.
 */
const char *cap_filter_expr(void);

#endif
