// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ruleset model's type and field tables (rs-types.h): every type reads
 * its good text and writes it back as nft does, refuses bad text, and
 * encodes exactly its size in bytes; every field names a type of its width.
 * A type without samples here fails the test: a new type brings its own.
 */
#include <errno.h>
#include <string.h>

#include "zonewall/rs-types.h"
#include "tap.h"

#define I128 "0x20010db8000000000000000000000001"

struct sample {
	enum rs_type type;
	const char *good[6];	/* text, then how it is written back; NULL ends */
	const char *bad[6];	/* NULL ends */
};

static const struct sample samples[] = {
	{ RS_T_IPV4, { "10.0.0.1", "10.0.0.1", "10.1.2.3/8", "10.0.0.0/8",
		       "10.0.0.5-10.0.0.9", "10.0.0.5-10.0.0.9" },
	  { "10.0.0.256", "10.0.0.0/33", "10.0.0.9-10.0.0.5", "", "fd00::1" } },
	{ RS_T_IPV6, { "fd00::1", "fd00::1", "fd00::1/64", "fd00::/64",
		       "fd00::1-fd00::9", "fd00::1-fd00::9" },
	  { "fd00::/129", "10.0.0.1", "fd00:::1", "fd00::/-1" } },
	/* a MAC's prefix is a mask for a match: the renderer writes it as "& MASK" */
	{ RS_T_ETHER, { "02:77:00:00:00:0A", "02:77:00:00:00:0a",
			"01:80:c2:00:00:0f/44", "01:80:c2:00:00:00" },
	  { "02:77:00:00:00", "02:77:00:00:00:0a/0", "02:77:00:00:00:0g",
	    "02:77:00:00:00:0a/49", "02:77:00:00:00:0a:" } },
	{ RS_T_ETHERTYPE, { "ip6", "ip6", "0x800", "ip", "0x88b5", "0x88b5" },
	  { "0x", "88b5", "0x12345", "ipx", "0xzz" } },
	{ RS_T_PROTO, { "6", "tcp", "icmpv6", "ipv6-icmp", "200", "200" },
	  { "256", "tcpx", "-1", "" } },
	{ RS_T_SERVICE, { "80", "80", "8000-8080", "8000-8080", "0", "0" },
	  { "65536", "90-80", "http", "+80", "80-" } },
	{ RS_T_CTSTATE, { "related,established", "established,related", "new", "new",
			  "invalid,untracked", "invalid,untracked" },
	  { "", "bogus", "established,bogus", "," } },
	{ RS_T_ICMPV6_TYPE, { "134", "nd-router-advert", "nd-neighbor-solicit",
			      "nd-neighbor-solicit", "1", "1" },
	  { "256", "nd-bogus", "" } },
	{ RS_T_PKTTYPE, { "broadcast", "broadcast", "host", "host" },
	  { "1", "unicast", "" } },
	{ RS_T_IFNAME, { "eth0", "\"eth0\"", "br*", "\"br\\*\"" },
	  { "", "a/b", "0123456789abcdef", "..", "a b" } },
	{ RS_T_U8, { "6", "6", "255", "255" }, { "256", "x", "" } },
	{ RS_T_INT128, { I128, I128, "0x20010DB8000000000000000000000001/32",
			 "0x20010db8000000000000000000000000" },
	  { "0x12", "0x2001gdb8000000000000000000000001", I128 "/129", "20010db8" } },
};

static const struct sample *sample_of(enum rs_type t)
{
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		if (samples[i].type == t)
			return &samples[i];
	return NULL;
}

/* Encode @v into buffers marked past the type's size: exactly @len bytes change. */
static void check_encode(const struct rs_type_desc *d, const struct rs_value *v, const char *text)
{
	uint8_t lo[RS_VALUE_MAX + 4], hi[RS_VALUE_MAX + 4];
	unsigned int n;
	bool kept = true;

	memset(lo, 0xa5, sizeof(lo));
	memset(hi, 0xa5, sizeof(hi));
	n = rs_value_encode(v, lo, hi);
	for (size_t i = n; i < sizeof(lo); i++)
		kept = kept && lo[i] == 0xa5 && hi[i] == 0xa5;
	tap_ok(n == d->len && kept, "%s %s: encodes %u bytes, its size", d->name, text, n);
}

static void check_good(const struct rs_type_desc *d, const char *text, const char *want)
{
	struct rs_value v, again;
	uint8_t lo[RS_VALUE_MAX], hi[RS_VALUE_MAX], lo2[RS_VALUE_MAX], hi2[RS_VALUE_MAX];
	char buf[128];
	bool masked;

	if (!want)
		want = text;	/* (the sample tables always pair them; the compiler cannot tell) */
	if (!tap_ok(rs_value_parse(d->type, text, &v) == 0, "%s reads %s", d->name, text))
		return;
	rs_value_text(&v, buf, sizeof(buf));
	tap_is_str(buf, want, "%s %s is written %s", d->name, text, want);
	check_encode(d, &v, text);
	/* what is written reads back as the same bytes (names are quoted: not text of a value) */
	if (d->type == RS_T_IFNAME)
		return;
	/* a prefix without nft syntax ("/N") is a match's mask, written by the renderer */
	masked = !d->cidr && v.prefix && v.prefix < d->len * 8;
	rs_value_encode(&v, lo, hi);
	tap_ok(rs_value_parse(d->type, buf, &again) == 0 && rs_value_encode(&again, lo2, hi2) &&
	       !memcmp(lo, lo2, d->len) && (masked || !memcmp(hi, hi2, d->len)),
	       "%s %s reads back as the same value%s", d->name, buf, masked ? " (its low end)" : "");
}

static void test_types(void)
{
	const struct rs_type_desc *d;
	size_t n = 0;

	for (size_t i = 0; (d = rs_type_at(i)); i++, n++) {
		const struct sample *s = sample_of(d->type);

		if (!tap_ok(s != NULL, "%s (%#x) has samples here", d->name, d->type))
			continue;
		tap_ok(rs_type_desc(d->type) == d && d->parse && d->encode && d->print &&
		       d->len > 0 && d->len <= RS_VALUE_MAX, "%s: a whole descriptor", d->name);
		tap_is_int(rs_type_len(d->type), d->key ? d->len : 0, "%s: rs_type_len()", d->name);
		for (size_t k = 0; k + 1 < 6 && s->good[k]; k += 2)
			check_good(d, s->good[k], s->good[k + 1]);
		for (size_t k = 0; k < 6 && s->bad[k]; k++) {
			struct rs_value v;

			tap_is_int(rs_value_parse(d->type, s->bad[k], &v), -EINVAL,
				   "%s refuses \"%s\"", d->name, s->bad[k]);
		}
	}
	tap_is_int(n, sizeof(samples) / sizeof(samples[0]), "every sample is a type of the table");
	tap_ok(rs_type_desc((enum rs_type)99) == NULL, "no descriptor for a number that is no type");
}

static void test_fields(void)
{
	for (int f = 0; f < RS_F__COUNT; f++) {
		const struct rs_field_desc *fd = rs_field_desc(f);
		const struct rs_type_desc *td = fd ? rs_type_desc(fd->type) : NULL;
		enum rs_field back = RS_F__COUNT;

		if (!tap_ok(fd && td, "field %d: a descriptor of a known type", f))
			continue;
		tap_ok(rs_field_parse(fd->name, &back) == 0 && back == (enum rs_field)f,
		       "%s: its name reads back", fd->name);
		tap_is_int(fd->load.len, td->len, "%s: loads as many bytes as a %s holds",
			   fd->name, td->name);
	}
	tap_ok(rs_field_desc(RS_F__COUNT) == NULL, "no descriptor past the last field");
}

static void test_match(void)
{
	uint8_t val[RS_VALUE_MAX], mask[RS_VALUE_MAX];
	const uint8_t v24[] = { 10, 1, 2, 0 }, m24[] = { 0xff, 0xff, 0xff, 0 };
	struct rs_value v;
	bool masked;
	uint32_t bits;

	rs_value_parse(RS_T_IPV4, "10.1.2.3/24", &v);
	tap_ok(rs_value_match(&v, val, mask, &masked) == 4 && masked && !memcmp(val, v24, 4) &&
	       !memcmp(mask, m24, 4), "a match on 10.1.2.3/24 compares 10.1.2.0 under /24");
	rs_value_parse(RS_T_SERVICE, "80-90", &v);
	tap_ok(rs_value_match(&v, val, mask, &masked) == 2 && !masked && val[1] == 80,
	       "a match takes a range's low end alone");
	rs_value_parse(RS_T_CTSTATE, "established,related", &v);
	tap_ok(rs_value_match(&v, val, mask, &masked) == 4 && masked &&
	       (memcpy(&bits, mask, 4), bits == (RS_CT_ESTABLISHED | RS_CT_RELATED)) &&
	       !val[0] && !val[3], "a ct state match is its bits, against zero");
	rs_value_parse(RS_T_IPV4, "10.0.0.0/8", &v);
	tap_ok(rs_value_is_range(&v), "10.0.0.0/8 is a range");
	rs_value_parse(RS_T_ETHER, "01:80:c2:00:00:00/44", &v);
	tap_ok(!rs_value_is_range(&v), "a MAC with a prefix is no range (a masked match)");
}

int main(void)
{
	test_types();
	test_fields();
	test_match();
	return tap_done();
}
