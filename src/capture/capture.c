// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Packet sources over libpcap (see capture.h).  The file path is the hot
 * one: pcap_dispatch() reads the whole file through one callback that
 * only converts the header, with no allocation per packet.
 */

#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <limits.h>
#include <pcap/pcap.h>

#include "zonewall/capture.h"
#include "zonewall/decode.h"
#include "zonewall/pcapread.h"
#include "zonewall/timefmt.h"

struct cap_source {
	pcap_t *p;
	struct pcr_file *raw;	/* classic pcap files: read without libpcap */
	char *name;
	int linktype;
	int fd;
	bool live;
	uint64_t ts_mult;	/* 1 with nanosecond timestamps, 1000 with micro */
	uint64_t bad_times;	/* records skipped: cap_ts_plausible() */
	cap_handler_fn *fn;
	void *user;
};

/*
 * What the learner's rules need, per IP header: TCP with SYN set, UDP,
 * ICMP echo request, and for IPv6 (where libpcap's tcp[]/icmp6[] do not
 * walk extension headers) TCP SYN and echo request right after the fixed
 * header, plus any packet whose next header is an extension header
 * (hop-by-hop 0, routing 43, fragment 44, destination options 60) for
 * the decoder to look into.
 */
#define CAP_F_IP "(ip and (tcp[tcpflags] & tcp-syn != 0 or udp or icmp[icmptype] == icmp-echo))"
#define CAP_F_IP6 "(ip6 and (ip6[6] == 17 or (ip6[6] == 6 and ip6[53] & 2 != 0) or " \
	"(ip6[6] == 58 and ip6[40] == 128) or ip6[6] == 0 or ip6[6] == 43 or " \
	"ip6[6] == 44 or ip6[6] == 60))"
#define CAP_F "(" CAP_F_IP " or " CAP_F_IP6 ")"

/* libpcap's `vlan` moves the offsets of everything after it, so the
 * untagged test comes first and each `vlan` nests one tag deeper. */
static const char cap_filter[] =
	CAP_F " or (vlan and (" CAP_F " or (vlan and " CAP_F ")))";

const char *cap_filter_expr(void)
{
	return cap_filter;
}

static void cap_errorf(struct cap_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void cap_errorf(struct cap_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

void cap_close(struct cap_source *s)
{
	if (!s)
		return;
	if (s->p)
		pcap_close(s->p);
	pcr_close(s->raw);
	free(s->name);
	free(s);
}

static struct cap_source *cap_source_new(const char *name)
{
	struct cap_source *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->name = strdup(name);
	if (!s->name) {
		free(s);
		return NULL;
	}
	s->fd = -1;
	s->ts_mult = 1;
	return s;
}

static int cap_check_linktype(struct cap_source *s, struct cap_error *err)
{
	const char *name, *desc;

	s->linktype = pcap_datalink(s->p);
	if (dec_linktype_supported(s->linktype))
		return 0;
	name = pcap_datalink_val_to_name(s->linktype);
	desc = pcap_datalink_val_to_description(s->linktype);
	if (name)
		cap_errorf(err, "%s: unsupported link type %s [%s] (%d); zonewall reads Ethernet "
			   "(with 802.1Q/802.1ad tags), Linux cooked SLL and SLL2",
			   s->name, name, desc ? desc : "?", s->linktype);
	else
		cap_errorf(err, "%s: unsupported link type %d; zonewall reads Ethernet "
			   "(with 802.1Q/802.1ad tags), Linux cooked SLL and SLL2",
			   s->name, s->linktype);
	return -EPROTONOSUPPORT;
}

/*
 * libpcap reads a file with two fread() calls per packet; on a file of
 * small packets stdio's per-call locking and 4 KiB refills cost more than
 * the learner itself.  So a classic pcap file of a link type the decoder
 * knows is read by pcapread.c (the same records, a block at a time), and
 * for the rest the FILE is opened here: one reader (no locking), a 1 MiB
 * buffer, and the kernel told we read sequentially.
 */
#define CAP_FILE_BUFFER (1 << 20)

static FILE *cap_fdopen(int fd)
{
	FILE *fp = fdopen(fd, "rb");

	if (!fp)
		return NULL;
	__fsetlocking(fp, FSETLOCKING_BYCALLER);
	setvbuf(fp, NULL, _IOFBF, CAP_FILE_BUFFER);
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return fp;
}

/* The file through libpcap; takes @fd over. */
static int cap_open_pcap(struct cap_source *s, int fd, struct cap_error *err)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	FILE *fp = cap_fdopen(fd);
	int e;

	if (!fp) {
		e = errno;
		close(fd);
		cap_errorf(err, "%s: cannot open: %s", s->name, strerror(e));
		return -e;
	}
	/* libpcap takes the FILE over (pcap_close() closes it). */
	s->p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (!s->p) {
		fclose(fp);
		/* libpcap 1.10 refuses pcapng files whose interfaces differ in
		 * link type or snaplen; its message says so. */
		cap_errorf(err, "%s: cannot read capture: %s", s->name, ebuf);
		return -EIO;
	}
	e = cap_check_linktype(s, err);
	if (e)
		return e;
	if (pcap_get_tstamp_precision(s->p) != PCAP_TSTAMP_PRECISION_NANO)
		s->ts_mult = 1000;
	return 0;
}

struct cap_source *cap_open_file(const char *path, struct cap_error *err)
{
	bool std_in = !strcmp(path, "-");
	struct cap_source *s = cap_source_new(std_in ? "standard input" : path);
	int fd, e;

	if (!s) {
		cap_errorf(err, "%s: out of memory", path);
		errno = ENOMEM;
		return NULL;
	}
	/* a copy of standard input's descriptor, which the source then owns */
	fd = std_in ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0) : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		cap_errorf(err, "%s: cannot open: %s", s->name, strerror(e));
		goto out_close;
	}
	s->raw = pcr_open(fd);
	if (s->raw) {
		s->linktype = pcr_linktype(s->raw);
		return s;
	}
	if (errno != EPROTONOSUPPORT) {
		e = errno;
		close(fd);
		cap_errorf(err, "%s: cannot read capture: %s", s->name, strerror(e));
		goto out_close;
	}
	e = -cap_open_pcap(s, fd, err);
	if (!e)
		return s;

out_close:
	cap_close(s);
	errno = e;
	return NULL;
}

static int cap_pcap_errno(int rc)
{
	switch (rc) {
	case PCAP_ERROR_NO_SUCH_DEVICE:
		return ENODEV;
	case PCAP_ERROR_PERM_DENIED:
		return EPERM;
	case PCAP_ERROR_IFACE_NOT_UP:
		return ENETDOWN;
	default:
		return EIO;
	}
}

static int cap_live_configure(struct cap_source *s, const struct cap_live_opts *o,
			      struct cap_error *err)
{
	struct bpf_program prog;
	char ebuf[PCAP_ERRBUF_SIZE] = "";

	if (o->dir != CAP_DIR_BOTH &&
	    pcap_setdirection(s->p, o->dir == CAP_DIR_IN ? PCAP_D_IN : PCAP_D_OUT)) {
		cap_errorf(err, "%s: cannot select a direction: %s", s->name, pcap_geterr(s->p));
		return -EIO;
	}
	if (!o->no_filter) {
		if (pcap_compile(s->p, &prog, cap_filter, 1, PCAP_NETMASK_UNKNOWN)) {
			cap_errorf(err, "%s: cannot compile the capture filter: %s", s->name,
				   pcap_geterr(s->p));
			return -EIO;
		}
		if (pcap_setfilter(s->p, &prog)) {
			cap_errorf(err, "%s: cannot attach the capture filter: %s", s->name,
				   pcap_geterr(s->p));
			pcap_freecode(&prog);
			return -EIO;
		}
		pcap_freecode(&prog);
	}
	if (pcap_setnonblock(s->p, 1, ebuf)) {
		cap_errorf(err, "%s: cannot make the capture nonblocking: %s", s->name, ebuf);
		return -EIO;
	}
	s->fd = pcap_get_selectable_fd(s->p);
	return 0;
}

struct cap_source *cap_open_live(const char *ifname, const struct cap_live_opts *o,
				 struct cap_error *err)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct cap_source *s = cap_source_new(ifname);
	int rc, e;

	if (!s) {
		cap_errorf(err, "%s: out of memory", ifname);
		errno = ENOMEM;
		return NULL;
	}
	s->live = true;
	s->p = pcap_create(ifname, ebuf);
	if (!s->p) {
		cap_errorf(err, "%s: cannot capture: %s", ifname, ebuf);
		e = EIO;
		goto out_close;
	}
	pcap_set_snaplen(s->p, CAP_LIVE_SNAPLEN);
	pcap_set_promisc(s->p, o->promisc);
	pcap_set_immediate_mode(s->p, 1);
	pcap_set_timeout(s->p, 100);	/* used only if immediate mode is refused */
	pcap_set_buffer_size(s->p, 4 << 20);
	if (pcap_set_tstamp_precision(s->p, PCAP_TSTAMP_PRECISION_NANO))
		s->ts_mult = 1000;
	rc = pcap_activate(s->p);
	if (rc == PCAP_ERROR_NO_SUCH_DEVICE) {
		/* libpcap's text repeats its status: "No such device exists: No such ..." */
		cap_errorf(err, "%s: no such interface", ifname);
		e = ENODEV;
		goto out_close;
	}
	if (rc < 0) {
		cap_errorf(err, "%s: cannot capture: %s%s%s", ifname, pcap_statustostr(rc),
			   *pcap_geterr(s->p) ? ": " : "", pcap_geterr(s->p));
		e = cap_pcap_errno(rc);
		goto out_close;
	}
	if (pcap_get_tstamp_precision(s->p) != PCAP_TSTAMP_PRECISION_NANO)
		s->ts_mult = 1000;
	e = -cap_check_linktype(s, err);
	if (!e)
		e = -cap_live_configure(s, o, err);
	if (e)
		goto out_close;
	return s;

out_close:
	cap_close(s);
	errno = e;
	return NULL;
}

int cap_linktype(const struct cap_source *s)
{
	return s->linktype;
}

const char *cap_name(const struct cap_source *s)
{
	return s->name;
}

int cap_fd(const struct cap_source *s)
{
	return s->fd;
}

/*
 * Both readers take a record's seconds as libpcap does (signed in the
 * file's own byte order) and sum in 64 bits, so negative seconds wrap to
 * the 26th century: any total past TFMT_PLAUSIBLE_MAX seconds (plus the largest
 * fraction a record can carry) is such a record.
 */
static bool cap_ts_plausible(struct cap_source *s, uint64_t ts_ns)
{
	if (ts_ns <= (uint64_t)TFMT_PLAUSIBLE_MAX * 1000000000ull + 999999999ull)
		return true;
	s->bad_times++;
	return false;
}

uint64_t cap_bad_times(const struct cap_source *s)
{
	return s->bad_times;
}

static void cap_trampoline(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct cap_source *s = (struct cap_source *)user;
	struct cap_frame f = {
		.ts_ns = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec * s->ts_mult,
		.data = bytes,
		.caplen = h->caplen,
		.len = h->len,
	};

	if (cap_ts_plausible(s, f.ts_ns))
		s->fn(s->user, &f);
}

/* Every record of a file read by pcapread.c, as pcap_dispatch() would. */
static int cap_dispatch_raw(struct cap_source *s, cap_handler_fn *fn, void *user,
			    struct cap_error *err)
{
	struct cap_frame f;
	int n = 0, rc;

	while ((rc = pcr_next(s->raw, &f)) > 0) {
		if (!cap_ts_plausible(s, f.ts_ns))
			continue;
		fn(user, &f);
		if (n < INT_MAX)
			n++;
	}
	if (rc == 0)
		return n;
	cap_errorf(err, "%s: damaged capture: %s", s->name, pcr_error(s->raw));
	return -EIO;
}

int cap_dispatch(struct cap_source *s, cap_handler_fn *fn, void *user, struct cap_error *err)
{
	int n;

	if (s->raw)
		return cap_dispatch_raw(s, fn, user, err);

	s->fn = fn;
	s->user = user;
	n = pcap_dispatch(s->p, -1, cap_trampoline, (u_char *)s);
	if (n >= 0)
		return n;
	if (n == PCAP_ERROR_BREAK)
		return 0;
	if (s->live)
		cap_errorf(err, "%s: capture failed: %s", s->name, pcap_geterr(s->p));
	else
		cap_errorf(err, "%s: damaged capture: %s", s->name, pcap_geterr(s->p));
	return -EIO;
}

int cap_get_stats(struct cap_source *s, struct cap_stats *st, struct cap_error *err)
{
	struct pcap_stat ps;

	if (!s->live)
		return -EOPNOTSUPP;
	if (pcap_stats(s->p, &ps)) {
		cap_errorf(err, "%s: cannot read capture statistics: %s", s->name,
			   pcap_geterr(s->p));
		return -EIO;
	}
	st->received = ps.ps_recv;
	st->kernel_drops = ps.ps_drop;
	st->if_drops = ps.ps_ifdrop;
	return 0;
}
