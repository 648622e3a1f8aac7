// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer harness: the frame decoder.  The first input byte picks the
 * link type (Ethernet, SLL, SLL2 or an unsupported one); the rest is the
 * captured frame, in a buffer of exactly its length so that ASan sees any
 * read past caplen.  Beyond "no crash", it checks the decoder's promises:
 * a decoded packet is well formed, and a shorter capture of it decodes to
 * the same packet or to a truncation.  With bit 2 of the first byte set the
 * rest is instead an NFLOG payload from the bridge table (a network header
 * on, ARP when bit 3 is set too), made into the row `zonewall denied`
 * reports (cmp_log_row, which decodes it); with bit 4 too, a refusal's
 * payload (bit 5: an invalid packet's).
 */

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/compile.h"
#include "zonewall/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int links[4] = {
	DEC_DLT_EN10MB, DEC_DLT_LINUX_SLL, DEC_DLT_LINUX_SLL2,
	160,	/* DLT_USER13: refused */
};

static void check_packet(const struct dec_packet *p)
{
	static const uint8_t zero[12];

	if (p->family != 4 && p->family != 6)
		abort();
	if (p->proto != 1 && p->proto != 6 && p->proto != 17 && p->proto != 58)
		abort();
	if (p->family == 4 && (memcmp(p->src + 4, zero, 12) || memcmp(p->dst + 4, zero, 12)))
		abort();
	if ((p->proto == 1 || p->proto == 58) && (p->sport || p->dport))
		abort();
}

static void check_prefix(int link, const uint8_t *frame, size_t n,
			 const struct dec_packet *full)
{
	struct dec_packet p;
	enum dec_result r;
	uint8_t *copy = malloc(n ? n : 1);

	if (!copy)
		return;
	memcpy(copy, frame, n);
	r = dec_frame(link, copy, n, &p);
	free(copy);
	if (r == DEC_OK && memcmp(&p, full, sizeof(p)))
		abort();
	if (r != DEC_OK && r != DEC_TRUNC_L2 && r != DEC_TRUNC_IP && r != DEC_TRUNC_L4)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dec_packet p;
	enum dec_result r;
	int link;

	if (size < 1)
		return 0;
	if (data[0] & 4) {
		static const struct cmp_snapshot none;
		/* bit 4: a refusal's row instead (bit 5: an invalid packet's) */
		struct cmp_logtag tag = { .mode = POL_MODE_ENFORCE, .spoofed = !(data[0] & 16),
					  .invalid = (data[0] & 32) != 0 };
		json_t *row = cmp_log_row(&none, NULL, &tag, "vethc",
					  data[0] & 8 ? 0x0806 : 0x0800, data + 1, size - 1, 0);

		if (tag.spoofed && !row)
			abort();
		if (row && !json_is_string(json_object_get(row, "proto")))
			abort();
		json_decref(row);
		return 0;
	}
	link = links[data[0] & 3];
	data++;
	size--;
	r = dec_frame(link, data, size, &p);
	if ((unsigned int)r >= DEC_RESULT_MAX || !dec_result_name(r))
		abort();
	if (dec_linktype_supported(link) != (r != DEC_UNSUPPORTED_LINK))
		abort();
	if (r != DEC_OK)
		return 0;
	check_packet(&p);
	if (size > 0) {
		check_prefix(link, data, size - 1, &p);
		check_prefix(link, data, size / 2, &p);
	}
	return 0;
}
