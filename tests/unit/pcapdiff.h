/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_TESTS_PCAPDIFF_H
#define ZONEWALL_TESTS_PCAPDIFF_H

/*
 * Differential check of pcapread.c against libpcap, shared by
 * tests/unit/test-pcapread.c and tests/fuzz/fuzz-pcapread.c: given the
 * bytes of a file, both must see the same link type, the same records
 * (timestamp in nanoseconds, captured and wire length, bytes) and the same
 * end (a clean end of file, or an error after the same records).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <pcap/pcap.h>

#include "zonewall/decode.h"
#include "zonewall/pcapread.h"

/* A file holding @data: a memfd, so the reader gets a real descriptor. */
static int pcapdiff_fd(const uint8_t *data, size_t size)
{
	int fd = memfd_create("pcapdiff", MFD_CLOEXEC);
	size_t done = 0;

	if (fd < 0)
		return -1;
	while (done < size) {
		ssize_t n = write(fd, data + done, size - done);

		if (n <= 0) {
			close(fd);
			return -1;
		}
		done += (size_t)n;
	}
	return fd;
}

/* The bytes of one record agree; libpcap byte-swaps the CAN pseudo-
 * headers inside swapped SLL/SLL2 records, so there the decoder's reading
 * of both is compared instead. */
static int pcapdiff_same_bytes(int linktype, bool swapped, const uint8_t *a,
			       const uint8_t *b, uint32_t n)
{
	struct dec_packet pa, pb;
	enum dec_result ra, rb;

	if (linktype == 1 || !swapped)
		return !memcmp(a, b, n);
	memset(&pa, 0, sizeof(pa));
	memset(&pb, 0, sizeof(pb));
	ra = dec_frame(linktype, a, n, &pa);
	rb = dec_frame(linktype, b, n, &pb);
	return ra == rb && (ra != DEC_OK || !memcmp(&pa, &pb, sizeof(pa)));
}

/*
 * pcapdiff() - read @data with both.
 * Return: 1 when pcapread took the file and both agree, 0 when pcapread
 * declined it (libpcap's business alone), -1 when they disagree (@why
 * says how; @records says how many records agreed before).
 */
static int pcapdiff(const uint8_t *data, size_t size, char *why, size_t whylen,
		    size_t *records)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct pcr_file *r;
	struct cap_frame f;
	struct pcap_pkthdr *h;
	const u_char *bytes;
	bool swapped = size >= 4 && (data[0] == 0xa1 && data[1] == 0xb2);
	int fd = pcapdiff_fd(data, size), rc = -1, a, b;
	FILE *fp;
	pcap_t *p;

	*records = 0;
	snprintf(why, whylen, "setup failed");
	if (fd < 0)
		return -1;
	r = pcr_open(fd);
	if (!r) {
		close(fd);
		return 0;
	}
	fp = fmemopen((void *)data, size, "rb");
	p = fp ? pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, ebuf)
	       : NULL;
	if (!p) {
		snprintf(why, whylen, "pcapread took a file libpcap refuses");
		if (fp)
			fclose(fp);
		goto out_close;
	}
	if (pcap_datalink(p) != pcr_linktype(r) ||
	    pcap_get_tstamp_precision(p) != PCAP_TSTAMP_PRECISION_NANO) {
		snprintf(why, whylen, "link type %d vs libpcap's %d", pcr_linktype(r),
			 pcap_datalink(p));
		goto out_pcap;
	}
	for (;;) {
		a = pcr_next(r, &f);
		b = pcap_next_ex(p, &h, &bytes);
		if (a == 1 && b == 1) {
			uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;

			if (ts != f.ts_ns || h->caplen != f.caplen || h->len != f.len ||
			    !pcapdiff_same_bytes(pcr_linktype(r), swapped, f.data, bytes, f.caplen)) {
				snprintf(why, whylen, "record %zu: ts %llu caplen %u len %u vs "
					 "libpcap's %llu %u %u", *records,
					 (unsigned long long)f.ts_ns, f.caplen, f.len,
					 (unsigned long long)ts, h->caplen, h->len);
				goto out_pcap;
			}
			(*records)++;
			continue;
		}
		if ((a == 0 && b == PCAP_ERROR_BREAK) || (a < 0 && b == PCAP_ERROR))
			rc = 1;
		else
			snprintf(why, whylen, "after %zu records: pcapread %d (%s), libpcap %d (%s)",
				 *records, a, pcr_error(r), b, b == PCAP_ERROR ? pcap_geterr(p) : "");
		break;
	}
out_pcap:
	pcap_close(p);
out_close:
	pcr_close(r);
	return rc;
}

#endif
