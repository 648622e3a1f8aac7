// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Classic pcap files without stdio (see pcapread.h).  Records are parsed
 * in place in a 1 MiB buffer; a record is handed out only when all of it
 * is in the buffer (the largest, 16 + 262144 bytes, always fits), so no
 * pointer ever goes past what was read.
 */

#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <limits.h>

#include "zonewall/pcapread.h"

#define PCR_BUF_SIZE (1u << 20)
#define PCR_FILE_HDR 24
#define PCR_REC_HDR 16

#define PCR_MAGIC_USEC 0xa1b2c3d4u
#define PCR_MAGIC_NSEC 0xa1b23c4du

_Static_assert(PCR_BUF_SIZE >= PCR_REC_HDR + PCR_MAX_SNAPLEN, "a record must fit the buffer");

struct pcr_file {
	int fd;
	int linktype;
	bool swapped;		/* written in the other byte order */
	bool nsec;		/* nanosecond timestamps */
	bool eof;
	bool failed;
	uint32_t snapshot;	/* records are cut to this many bytes */
	size_t have, off;	/* bytes in buf; where the next record starts */
	unsigned char *buf;
	char err[160];
};

static uint32_t pcr_u32(const unsigned char *p, bool swapped)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return swapped ? __builtin_bswap32(v) : v;
}

static uint16_t pcr_u16(const unsigned char *p, bool swapped)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return swapped ? __builtin_bswap16(v) : v;
}

/* Is @h a file header this reader takes?  Fills magic-derived fields. */
static bool pcr_header_ok(struct pcr_file *r, const unsigned char *h)
{
	uint32_t magic = pcr_u32(h, false), linktype, snaplen;

	if (magic == PCR_MAGIC_USEC || magic == PCR_MAGIC_NSEC)
		r->swapped = false;
	else if (__builtin_bswap32(magic) == PCR_MAGIC_USEC ||
		 __builtin_bswap32(magic) == PCR_MAGIC_NSEC)
		r->swapped = true;
	else
		return false;
	r->nsec = pcr_u32(h, r->swapped) == PCR_MAGIC_NSEC;
	/* Versions before 2.4 may swap the two lengths: libpcap's business. */
	if (pcr_u16(h + 4, r->swapped) != 2 || pcr_u16(h + 6, r->swapped) != 4)
		return false;
	/* The link type exactly (no FCS or other bits in the upper six). */
	linktype = pcr_u32(h + 20, r->swapped);
	if (linktype != 1 && linktype != 113 && linktype != 276)
		return false;
	r->linktype = (int)linktype;
	snaplen = pcr_u32(h + 16, r->swapped);
	r->snapshot = snaplen == 0 || snaplen > INT_MAX ? PCR_MAX_SNAPLEN : snaplen;
	return true;
}

struct pcr_file *pcr_open(int fd)
{
	unsigned char h[PCR_FILE_HDR];
	struct pcr_file *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	/* pread() leaves the offset alone for libpcap, and fails on pipes. */
	if (pread(fd, h, sizeof(h), 0) != (ssize_t)sizeof(h) || !pcr_header_ok(r, h)) {
		free(r);
		errno = EPROTONOSUPPORT;
		return NULL;
	}
	r->buf = malloc(PCR_BUF_SIZE);
	if (!r->buf) {
		free(r);
		errno = ENOMEM;
		return NULL;
	}
	if (lseek(fd, PCR_FILE_HDR, SEEK_SET) != PCR_FILE_HDR) {
		free(r->buf);
		free(r);
		errno = EPROTONOSUPPORT;
		return NULL;
	}
	r->fd = fd;
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return r;
}

int pcr_linktype(const struct pcr_file *r)
{
	return r->linktype;
}

const char *pcr_error(const struct pcr_file *r)
{
	return r->err;
}

void pcr_close(struct pcr_file *r)
{
	if (!r)
		return;
	close(r->fd);
	free(r->buf);
	free(r);
}

static int pcr_fail(struct pcr_file *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int pcr_fail(struct pcr_file *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	r->failed = true;
	return -EIO;
}

/* Move what is left to the front and read more behind it.
 * Return: 0, or -EIO after a read error. */
static int pcr_fill(struct pcr_file *r)
{
	size_t left = r->have - r->off;
	ssize_t n;

	if (left && r->off)
		memmove(r->buf, r->buf + r->off, left);
	r->have = left;
	r->off = 0;
	do
		n = read(r->fd, r->buf + r->have, PCR_BUF_SIZE - r->have);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return pcr_fail(r, "error reading dump file: %s", strerror(errno));
	if (n == 0)
		r->eof = true;
	r->have += (size_t)n;
	return 0;
}

/* The end of the file inside a record: libpcap's words for it. */
static int pcr_truncated(struct pcr_file *r, size_t left, uint32_t caplen)
{
	if (left < PCR_REC_HDR)
		return pcr_fail(r, "truncated dump file; tried to read %u header bytes, only got %zu",
				PCR_REC_HDR, left);
	return pcr_fail(r, "truncated dump file; tried to read %u captured bytes, only got %zu",
			caplen, left - PCR_REC_HDR);
}

/*
 * libpcap's arithmetic, quirks included (the witness test holds us to
 * it): a record in the reader's byte order has signed 32-bit seconds and
 * fraction, a byte-swapped one unsigned; the fraction is scaled to
 * nanoseconds, and the sum taken in 64 bits as capture.c does.
 */
static uint64_t pcr_ts(const struct pcr_file *r, const unsigned char *h)
{
	uint32_t rsec = pcr_u32(h, r->swapped), rfrac = pcr_u32(h + 4, r->swapped);
	int64_t sec = r->swapped ? (int64_t)rsec : (int64_t)(int32_t)rsec;
	int64_t frac = r->swapped ? (int64_t)rfrac : (int64_t)(int32_t)rfrac;

	if (!r->nsec)
		frac *= 1000;
	return (uint64_t)sec * 1000000000ull + (uint64_t)frac;
}

int pcr_next(struct pcr_file *r, struct cap_frame *f)
{
	const unsigned char *h;
	uint32_t caplen;
	size_t left;
	int err;

	if (r->failed)
		return -EIO;
	for (;;) {
		left = r->have - r->off;
		h = r->buf + r->off;
		caplen = left >= PCR_REC_HDR ? pcr_u32(h + 8, r->swapped) : 0;
		if (caplen > PCR_MAX_SNAPLEN)
			return pcr_fail(r, "invalid packet capture length %u, bigger than %s of %u",
					caplen, caplen > r->snapshot ? "snaplen" : "maximum",
					caplen > r->snapshot ? r->snapshot : PCR_MAX_SNAPLEN);
		if (left >= PCR_REC_HDR && left - PCR_REC_HDR >= caplen)
			break;
		if (r->eof)
			return left ? pcr_truncated(r, left, caplen) : 0;
		err = pcr_fill(r);
		if (err)
			return err;
	}
	f->ts_ns = pcr_ts(r, h);
	f->data = h + PCR_REC_HDR;
	f->caplen = caplen < r->snapshot ? caplen : r->snapshot;
	f->len = pcr_u32(h + 12, r->swapped);
	r->off += PCR_REC_HDR + caplen;
	return 1;
}
