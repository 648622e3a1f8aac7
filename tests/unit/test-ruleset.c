// SPDX-License-Identifier: GPL-2.0-or-later
/* The ruleset model: building, validation, element packing, nft text. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/ruleset.h"
#include "tap.h"

/* rs_validate() with its problem on one line, "ORIGIN: MESSAGE", in @err. */
static int validate(const struct rs_ruleset *rs, char *err, size_t len)
{
	struct diags d;
	int rc = rs_validate(rs, &d);

	diags_summary(&d, err, len);
	return rc;
}

/* rs_render_check() likewise. */
static int render_check(const struct rs_ruleset *rs, char *err, size_t len)
{
	struct diags d;
	int rc = rs_render_check(rs, &d);

	diags_summary(&d, err, len);
	return rc;
}

static struct rs_value val(enum rs_type t, const char *text)
{
	struct rs_value v;

	if (rs_value_parse(t, text, &v) < 0)
		printf("# cannot parse %s\n", text);
	return v;
}

static void test_values(void)
{
	struct rs_value v;

	tap_ok(rs_value_parse(RS_T_IPV4, "10.1.2.3/8", &v) == 0 && v.prefix == 8, "ipv4 with prefix");
	tap_ok(rs_value_parse(RS_T_IPV4, "10.1.2.3/33", &v) == -EINVAL, "ipv4 prefix > 32 refused");
	tap_ok(rs_value_parse(RS_T_IPV6, "fd00::1", &v) == 0 && v.prefix == 128, "ipv6");
	tap_ok(rs_value_parse(RS_T_PROTO, "tcp", &v) == 0 && v.u.proto == 6, "tcp is 6");
	tap_ok(rs_value_parse(RS_T_PROTO, "256", &v) == -EINVAL, "proto 256 refused");
	tap_ok(rs_value_parse(RS_T_SERVICE, "8000-8080", &v) == 0 && v.u.port == 8000 &&
	       v.port_hi == 8080, "port range");
	tap_ok(rs_value_parse(RS_T_SERVICE, "90-80", &v) == -EINVAL, "reversed port range refused");
	tap_ok(rs_value_parse(RS_T_ETHER, "02:77:00:00:00:0a", &v) == 0 && v.u.ether[5] == 10, "mac");
	tap_ok(rs_value_parse(RS_T_IFNAME, "0123456789abcdef", &v) == -EINVAL, "16-char ifname refused");
	tap_ok(rs_value_parse(RS_T_CTSTATE, "established,related", &v) == 0 &&
	       v.u.ctmask == (RS_CT_ESTABLISHED | RS_CT_RELATED), "ct state list");
	tap_ok(rs_value_parse(RS_T_ETHERTYPE, "ip6", &v) == 0 && v.u.ethertype == 0x86dd,
	       "ether type by nft's name");
	tap_ok(rs_value_parse(RS_T_ETHERTYPE, "0x88B5", &v) == 0 && v.u.ethertype == 0x88b5,
	       "ether type in hex");
	tap_ok(rs_value_parse(RS_T_ETHERTYPE, "34997", &v) == -EINVAL &&
	       rs_value_parse(RS_T_ETHERTYPE, "0x", &v) == -EINVAL &&
	       rs_value_parse(RS_T_ETHERTYPE, "0x12345", &v) == -EINVAL &&
	       rs_value_parse(RS_T_ETHERTYPE, "0x-1", &v) == -EINVAL &&
	       rs_value_parse(RS_T_ETHERTYPE, "ipx", &v) == -EINVAL,
	       "ether type: decimal, empty, too long, signed and unknown names refused");
}

/*
 * Bridge tables: a rule checks the frame's ether type once, before its
 * first IP header field, and the text spells it out (nft would otherwise
 * check meta protocol, a tagged frame's inner protocol).
 */
static void test_bridge_dependency(void)
{
	struct rs_ruleset *rs = rs_ruleset_new();
	struct rs_key k4 = { { RS_T_IFNAME, RS_T_IPV4 }, 2 };
	enum rs_field f4[2] = { RS_F_IIFNAME, RS_F_IP_SADDR };
	struct rs_table *t = rs_table_add(rs, RS_BRIDGE, "zonewall", "test");
	struct rs_chain *ch = rs_chain_add(t, "prerouting", "test");
	struct rs_rule *r;
	struct rs_value v;
	char err[256], *text;

	rs_set_add(t, "bound4", &k4, false, false, "test");
	rs_chain_set_hook(ch, RS_HOOK_PREROUTING, -200, false);
	r = rs_rule_add(ch, "v4", "test");
	v = val(RS_T_IPV4, "10.0.0.0/8");
	rs_rule_match(r, RS_F_IP_SADDR, true, &v);
	rs_rule_lookup(r, f4, 2, true, "bound4");
	rs_rule_verdict(r, RS_V_DROP, NULL);
	r = rs_rule_add(ch, "v6", "test");
	v = val(RS_T_IPV6, "fe80::/10");
	rs_rule_match(r, RS_F_IP6_SADDR, true, &v);
	rs_rule_verdict(r, RS_V_DROP, NULL);
	r = rs_rule_add(ch, "other", "test");
	v = val(RS_T_ETHERTYPE, "arp");
	rs_rule_match(r, RS_F_ETHER_TYPE, true, &v);
	v = val(RS_T_ETHERTYPE, "0x88b5");
	rs_rule_match(r, RS_F_ETHER_TYPE, false, &v);
	rs_rule_verdict(r, RS_V_DROP, NULL);
	tap_is_int(validate(rs, err, sizeof(err)), 0, "a bridge model with ether type matches validates");
	text = rs_render_text(rs, 0);
	tap_ok(text && strstr(text, "\t\tether type ip ip saddr != 10.0.0.0/8 iifname . ip saddr != "
				    "@bound4 drop comment \"v4\"\n"),
	       "one ether type ip, before the first IPv4 field only");
	tap_ok(text && strstr(text, "\t\tether type ip6 ip6 saddr != fe80::/10 drop comment \"v6\"\n"),
	       "ether type ip6 before an IPv6 field");
	tap_ok(text && strstr(text, "\t\tether type != arp ether type 0x88b5 drop comment \"other\"\n"),
	       "ether type matches by name and in hex, no check added");
	free(text);
	tap_is_int(rs_field_ethertype(RS_F_ARP_SADDR_IP), 0x0806, "arp fields need ether type arp");
	tap_is_int(rs_field_ethertype(RS_F_IIFNAME), 0, "iifname needs nothing");
	rs_ruleset_free(rs);

	rs = rs_ruleset_new();
	t = rs_table_add(rs, RS_INET, "zonewall", "test");
	ch = rs_chain_add(t, "forward", "test");
	r = rs_rule_add(ch, NULL, "policy $.x");
	v = val(RS_T_ETHERTYPE, "ip");
	rs_rule_match(r, RS_F_ETHER_TYPE, false, &v);
	tap_is_int(validate(rs, err, sizeof(err)), -EINVAL, "ether type refused in an inet table");
	tap_is_str(err, "policy $.x: ether type is not available in inet tables", "and named");
	rs_ruleset_free(rs);
}

/* A new model whose table bridge zonewall has a chain prerouting, with one rule in it. */
static struct rs_rule *bridge_rule(struct rs_ruleset **rs, const char *comment)
{
	struct rs_table *t;

	*rs = rs_ruleset_new();
	t = rs_table_add(*rs, RS_BRIDGE, "zonewall", "test");
	return rs_rule_add(rs_chain_add(t, "prerouting", "test"), comment, "policy $.ra");
}

/* icmpv6 type reads the transport header: only after meta l4proto ipv6-icmp. */
static void test_icmpv6_type(void)
{
	struct rs_ruleset *rs;
	struct rs_rule *r = bridge_rule(&rs, "ra");
	struct rs_value v;
	char err[256], *text;

	v = val(RS_T_ICMPV6_TYPE, "nd-router-advert");
	tap_is_int(v.u.u8, 134, "nd-router-advert is 134");
	tap_ok(rs_value_parse(RS_T_ICMPV6_TYPE, "137", &v) == 0 && v.u.u8 == 137, "a number too");
	tap_ok(rs_value_parse(RS_T_ICMPV6_TYPE, "nd-bogus", &v) == -EINVAL, "unknown names refused");
	v = val(RS_T_ICMPV6_TYPE, "nd-redirect");
	rs_rule_match(r, RS_F_ICMPV6_TYPE, false, &v);
	rs_rule_verdict(r, RS_V_DROP, NULL);
	tap_is_int(validate(rs, err, sizeof(err)), -EINVAL, "icmpv6 type without its protocol refused");
	tap_is_str(err, "policy $.ra: icmpv6 fields need meta l4proto ipv6-icmp before them", "and named");
	rs_ruleset_free(rs);

	r = bridge_rule(&rs, "ra");
	v = val(RS_T_PROTO, "ipv6-icmp");
	rs_rule_match(r, RS_F_L4PROTO, false, &v);
	v = val(RS_T_ICMPV6_TYPE, "nd-redirect");
	rs_rule_match(r, RS_F_ICMPV6_TYPE, false, &v);
	rs_rule_verdict(r, RS_V_DROP, NULL);
	tap_is_int(validate(rs, err, sizeof(err)), 0, "after meta l4proto ipv6-icmp it validates");
	text = rs_render_text(rs, 0);
	tap_ok(text && strstr(text, "\t\tmeta l4proto ipv6-icmp icmpv6 type nd-redirect drop comment \"ra\"\n"),
	       "rendered by name, no ether type added (nft adds none either)");
	free(text);
	rs_ruleset_free(rs);
}

/* A raw 128-bit field: hex values, masked matches, a set declared by typeof. */
static void test_raw_typeof(void)
{
	struct rs_ruleset *rs = rs_ruleset_new();
	struct rs_table *t = rs_table_add(rs, RS_BRIDGE, "zonewall", "test");
	struct rs_key k = { { RS_T_IFNAME, RS_T_ETHER, RS_T_INT128 }, 3 };
	static const enum rs_field f[] = { RS_F_IIFNAME, RS_F_ETHER_SADDR, RS_F_ND_TARGET };
	static const enum rs_field bad[] = { RS_F_IIFNAME, RS_F_ETHER_SADDR, RS_F_IP6_SADDR };
	struct rs_set *s = rs_set_add(t, "nd6", &k, false, false, "test");
	struct rs_chain *ch = rs_chain_add(t, "prerouting", "test");
	struct rs_rule *r = rs_rule_add(ch, "na", "test");
	struct rs_value v[3];
	char err[256], *text;

	tap_ok(rs_value_parse(RS_T_INT128, "0xfd770000000000000000000000000003", &v[2]) == 0 &&
	       v[2].prefix == 128 && v[2].u.v6.s6_addr[0] == 0xfd && v[2].u.v6.s6_addr[15] == 3,
	       "128-bit integer: 32 hex digits, big-endian");
	tap_ok(rs_value_parse(RS_T_INT128, "0xfd77", &v[2]) == -EINVAL &&
	       rs_value_parse(RS_T_INT128, "fd770000000000000000000000000003", &v[2]) == -EINVAL &&
	       rs_value_parse(RS_T_INT128, "0xfd77000000000000000000000000000g", &v[2]) == -EINVAL &&
	       rs_value_parse(RS_T_INT128, "0xfe800000000000000000000000000000/129", &v[2]) == -EINVAL,
	       "short, unprefixed, non-hex and over-long masks refused");
	tap_is_int(rs_set_typeof(s, bad, 3), -EINVAL, "typeof: a field of another type than the key's refused");
	tap_is_int(rs_set_typeof(s, f, 3), 0, "typeof iifname . ether saddr . @th,64,128");
	v[0] = val(RS_T_IFNAME, "vethb");
	v[1] = val(RS_T_ETHER, "02:77:00:00:00:03");
	v[2] = val(RS_T_INT128, "0xfd770000000000000000000000000003");
	tap_is_int(rs_set_add_elem(s, v, NULL, "b"), 0, "an element");
	v[0] = val(RS_T_PROTO, "ipv6-icmp");
	rs_rule_match(r, RS_F_L4PROTO, false, &v[0]);
	v[0] = val(RS_T_INT128, "0xfe800000000000000000000000000000/10");
	rs_rule_match(r, RS_F_ND_TARGET, true, &v[0]);
	rs_rule_lookup(r, f, 3, true, "nd6");
	rs_rule_verdict(r, RS_V_DROP, NULL);
	tap_is_int(validate(rs, err, sizeof(err)), 0, "validates: the raw field follows meta l4proto ipv6-icmp");
	text = rs_render_text(rs, 0);
	tap_ok(text && strstr(text, "\t\ttypeof iifname . ether saddr . @th,64,128\n") &&
	       strstr(text, "elements = { \"vethb\" . 02:77:00:00:00:03 . 0xfd770000000000000000000000000003 }"),
	       "rendered by typeof, the element in hex as nft lists it");
	tap_ok(text && strstr(text, "@th,64,128 & 0xffc00000000000000000000000000000 != "
				    "0xfe800000000000000000000000000000 iifname . ether saddr . @th,64,128 != @nd6 drop"),
	       "a masked match written as & MASK != VALUE");
	free(text);
	tap_is_int((int)rs_key_typeid(&k), 41 << 12 | 9 << 6 | 4, "the key's type id says integer (4)");
	rs_ruleset_free(rs);
}

static void test_keys(void)
{
	struct rs_key k4 = { { RS_T_IPV4, RS_T_IPV4, RS_T_PROTO, RS_T_SERVICE }, 4 };
	struct rs_set *s = rs_set_new("allow4", &k4, false, false, "policy $.allow");
	struct rs_value v[4] = { val(RS_T_IPV4, "10.0.0.1"), val(RS_T_IPV4, "10.0.0.2"),
				 val(RS_T_PROTO, "tcp"), val(RS_T_SERVICE, "80") };
	static const uint8_t want[16] = { 10, 0, 0, 1, 10, 0, 0, 2, 6, 0, 0, 0, 0, 80, 0, 0 };
	char text[128];

	/* measured on this kernel: DESIGN.md */
	tap_is_int(rs_key_typeid(&k4), 0x1c730d, "ipv4 . ipv4 . proto . service type id");
	tap_is_int(s->keylen, 16, "key length padded to 4 bytes per field");
	tap_ok(rs_set_add_elem(s, v, NULL, "policy $.allow[0]") == 0, "element added");
	tap_ok(!memcmp(s->lo, want, 16), "element packed as the kernel wants it");
	rs_elem_text(s, 0, text, sizeof(text));
	tap_is_str(text, "10.0.0.1 . 10.0.0.2 . tcp . 80", "element text");
	tap_is_str(rs_elem_origin(s, 0), "policy $.allow[0]", "element origin");
	v[0] = val(RS_T_IPV4, "10.0.0.0/8");
	tap_is_int(rs_set_add_elem(s, v, NULL, NULL), -EINVAL, "prefix refused in a non-interval set");
	v[0] = val(RS_T_IPV6, "fd00::1");
	tap_is_int(rs_set_add_elem(s, v, NULL, NULL), -EINVAL, "wrong field type refused");
	tap_is_int(rs_set_size_hint(s), 1024, "small sets get a 1024 size hint");
	s->n_elems = 100000;	/* pretend, for the hint only */
	tap_is_int(rs_set_size_hint(s), 196608, "100,000 elements: 1.97x headroom in 2^18 kernel buckets");
	s->n_elems = 140000;
	tap_ok(rs_set_size_hint(s) >= 210000, "140,000 elements: at least 1.5x headroom");
	s->n_elems = 1;
	rs_set_free(s);
}

static void test_intervals(void)
{
	struct rs_key k = { { RS_T_IPV4 }, 1 };
	struct rs_set *m = rs_set_new("dst4", &k, true, true, "zone web");
	struct rs_verdict jump = { RS_V_JUMP, (char *)"web" }, none = { RS_V_NONE, NULL };
	struct rs_value v = val(RS_T_IPV4, "192.0.2.77/24");
	char text[128];

	tap_ok(rs_set_add_elem(m, &v, &jump, NULL) == 0, "CIDR into an interval map");
	rs_elem_text(m, 0, text, sizeof(text));
	tap_is_str(text, "192.0.2.0/24", "CIDR normalised to its network");
	tap_is_int(rs_set_add_elem(m, &v, &none, NULL), -EINVAL, "map element without verdict refused");
	tap_is_str(rs_elem_origin(m, 0), "zone web", "element without origin: the set's");
	rs_set_free(m);
}

static struct rs_ruleset *small_model(void)
{
	struct rs_ruleset *rs = rs_ruleset_new();
	struct rs_table *t = rs_table_add(rs, RS_INET, "zonewall", "zonewall");
	struct rs_key k = { { RS_T_IPV4 }, 1 };
	struct rs_set *src = rs_set_add(t, "src4", &k, true, true, "identities");
	struct rs_chain *fwd = rs_chain_add(t, "forward", "zonewall");
	struct rs_chain *web = rs_chain_add(t, "from_web", "zone web");
	struct rs_verdict jump = { RS_V_JUMP, (char *)"from_web" };
	struct rs_value a = val(RS_T_IPV4, "10.77.0.2"), ct = val(RS_T_CTSTATE, "established,related");
	enum rs_field f = RS_F_IP_SADDR;
	struct rs_rule *r;

	rs_chain_set_hook(fwd, RS_HOOK_FORWARD, -5, false);
	rs_set_add_elem(src, &a, &jump, "container a");
	r = rs_rule_add(fwd, "replies", "zonewall");
	rs_rule_match(r, RS_F_CT_STATE, false, &ct);
	rs_rule_verdict(r, RS_V_ACCEPT, NULL);
	r = rs_rule_add(fwd, NULL, "identities");
	rs_rule_vmap(r, &f, 1, "src4");
	r = rs_rule_add(web, "refused", "zone web");
	rs_rule_counter(r);
	rs_rule_limit(r, 10, 0);
	rs_rule_log(r, 7, "zw web ");
	rs_rule_verdict(r, RS_V_DROP, NULL);
	return rs;
}

static const char small_text[] =
	"table inet zonewall\n"
	"delete table inet zonewall\n"
	"table inet zonewall {\n"
	"\tmap src4 {\n"
	"\t\ttype ipv4_addr : verdict\n"
	"\t\tflags interval\n"
	"\t\tsize 1024\n"
	"\t\telements = { 10.77.0.2 : jump from_web }\n"
	"\t}\n"
	"\tchain forward {\n"
	"\t\ttype filter hook forward priority -5; policy accept;\n"
	"\t\tct state established,related accept comment \"replies\"\n"
	"\t\tip saddr vmap @src4\n"
	"\t}\n"
	"\tchain from_web {\n"
	"\t\tcounter limit rate 10/second burst 5 packets log prefix \"zw web \" group 7 drop comment \"refused\"\n"
	"\t}\n"
	"}\n";

static void test_render_validate(void)
{
	struct rs_ruleset *rs = small_model();
	struct rs_table *t = rs->tables[0];
	char *text = rs_render_text(rs, RS_RENDER_REPLACE);
	char err[256];
	enum rs_field f2[2] = { RS_F_IP_SADDR, RS_F_L4PROTO };
	struct rs_rule *r;

	tap_is_str(text, small_text, "rendered nft text");
	free(text);
	tap_is_int(validate(rs, err, sizeof(err)), 0, "valid model validates");
	tap_ok(rs_table_add(rs, RS_INET, "zonewall", NULL) == NULL && errno == EEXIST,
	       "duplicate table refused");
	tap_ok(rs_chain_add(t, "bad name", NULL) == NULL && errno == EINVAL, "chain name with a space refused");
	tap_ok(rs_rule_add(t->chains[0], "a \"quoted\" comment", NULL) == NULL, "quote in a comment refused");

	rs_ruleset_free(rs);

	rs = small_model();
	r = rs_rule_add(rs->tables[0]->chains[1], NULL, "policy $.allow[9]");
	rs_rule_lookup(r, f2, 2, false, "src4");
	tap_is_int(validate(rs, err, sizeof(err)), -EINVAL, "lookup into a map refused");
	tap_is_str(err, "policy $.allow[9]: @src4 is a verdict map, not a set", "the problem names the origin");
	rs_ruleset_free(rs);

	rs = small_model();
	r = rs_rule_add(rs->tables[0]->chains[1], NULL, "x");
	rs_rule_verdict(r, RS_V_JUMP, "nowhere");
	tap_is_int(validate(rs, err, sizeof(err)), -EINVAL, "jump to a missing chain refused");
	tap_is_str(err, "x: no chain nowhere in table inet zonewall", "names the chain");
	rs_ruleset_free(rs);

	/* named counters: declared once per table, shared by rules, rendered as objects */
	rs = small_model();
	t = rs->tables[0];
	r = rs_rule_add(t->chains[1], "web>db: denied", "policy");
	tap_is_int(rs_rule_counter_named(r, "c_web.db.denied"), 0, "a rule counts into a named counter");
	rs_rule_verdict(r, RS_V_DROP, NULL);
	tap_is_int(validate(rs, err, sizeof(err)), -EINVAL, "an undeclared counter is refused");
	tap_is_str(err, "policy: no counter c_web.db.denied in table inet zonewall", "and named");
	tap_is_int(rs_counter_add(t, "c_web.db.denied"), 0, "declare it");
	tap_is_int(rs_counter_add(t, "c_web.db.denied"), 0, "declaring it again is a no-op");
	tap_is_int((int)t->n_counters, 1, "one counter in the table");
	tap_is_int(rs_counter_add(t, "bad name"), -EINVAL, "a counter name with a space refused");
	tap_is_int(validate(rs, err, sizeof(err)), 0, "now it validates");
	text = rs_render_text(rs, 0);
	tap_ok(text && strstr(text, "\tcounter c_web.db.denied { }\n\tchain forward {") &&
	       strstr(text, "\t\tcounter name \"c_web.db.denied\" drop comment \"web>db: denied\"\n"),
	       "rendered: the object before the chains, the rule names it");
	free(text);
	rs_ruleset_free(rs);
}

/*
 * Interface names: every name Linux allows is a value, taken as
 * its bytes; the text writes a trailing '*' as "\*" (nft 1.0.6 reads "br*"
 * as a wildcard) and refuses, naming it, what nft cannot read back.
 */
static void test_ifnames(void)
{
	static const char *const linux_ok[] = {
		"br*", "*", "q\"b", "a\\b", "x\\*", "-x", "...", "a\001b", "a\177b", "a\377b",
		"\xc3\xa9", "0123456789abcde", "a#b;c{d}$e@f'g",
	};
	static const char *const linux_bad[] = {
		"", ".", "..", "a/b", "a:b", "a b", "a\tb", "a\nb", "a\vb", "a\fb", "a\rb",
		"a\240b", "0123456789abcdef",
	};
	static const struct {
		const char *name, *text;	/* text NULL: refused */
	} texts[] = {
		{ "br0", "\"br0\"" },
		{ "br*", "\"br\\*\"" },
		{ "*", "\"\\*\"" },
		{ "a**", "\"a*\\*\"" },
		{ "*a", "\"*a\"" },
		{ "a\\b", "\"a\\b\"" },	/* raw: nft 1.0.6 has no escapes inside quotes */
		{ "a\\", "\"a\\\"" },
		{ "\xc3\xa9", "\"\xc3\xa9\"" },
		{ "q\"b", NULL },
		{ "x\\*", NULL },		/* nft would read x* */
		{ "a\x01" "b", NULL },
		{ "a\x7f", NULL },
	};
	struct rs_key k = { { RS_T_IFNAME }, 1 };
	struct rs_value v;
	char q[RS_QUOTED_MAX], err[256];

	for (size_t i = 0; i < sizeof(linux_ok) / sizeof(linux_ok[0]); i++) {
		rs_quote(linux_ok[i], q, sizeof(q));
		tap_ok(rs_ifname_valid(linux_ok[i]) && rs_value_parse(RS_T_IFNAME, linux_ok[i], &v) == 0 &&
		       !memcmp(v.u.ifname, linux_ok[i], strlen(linux_ok[i]) + 1),
		       "ifname %s: valid, parsed byte for byte", q);
	}
	for (size_t i = 0; i < sizeof(linux_bad) / sizeof(linux_bad[0]); i++) {
		rs_quote(linux_bad[i], q, sizeof(q));
		tap_ok(!rs_ifname_valid(linux_bad[i]) &&
		       rs_value_parse(RS_T_IFNAME, linux_bad[i], &v) == -EINVAL,
		       "ifname %s: Linux refuses it, so do we", q);
	}
	tap_ok(!rs_ifname_valid(NULL), "ifname NULL refused");

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct rs_ruleset *rs = rs_ruleset_new();
		struct rs_table *t = rs_table_add(rs, RS_INET, "zonewall", "test");
		struct rs_set *s = rs_set_add(t, "bridges", &k, false, false, "container bridges");
		char elem[64], *text, *at;

		rs_quote(texts[i].name, q, sizeof(q));
		v = val(RS_T_IFNAME, texts[i].name);
		rs_set_add_elem(s, &v, NULL, "container bridge test");
		text = rs_render_text(rs, 0);
		if (texts[i].text) {
			at = text ? strstr(text, "elements = { ") : NULL;
			snprintf(elem, sizeof(elem), "%s", at ? at + 13 : "");
			if ((at = strstr(elem, " }")))
				*at = '\0';
			tap_is_str(elem, texts[i].text, "ifname %s written so nft reads it back", q);
			tap_ok(render_check(rs, err, sizeof(err)) == 0, "ifname %s: check passes", q);
		} else {
			int rc = render_check(rs, err, sizeof(err));

			tap_ok(!text && errno == EINVAL, "ifname %s: no text at all", q);
			tap_ok(rc == -EINVAL && strstr(err, q) && !strncmp(err, "container bridge test: ", 23),
			       "ifname %s: refused naming it and its origin", q);
			printf("# %s\n", err);
		}
		free(text);
		rs_ruleset_free(rs);
	}

	/* a match in a rule is checked too, and the element text for messages stays one line */
	{
		struct rs_ruleset *rs = rs_ruleset_new();
		struct rs_table *t = rs_table_add(rs, RS_INET, "zonewall", "test");
		struct rs_chain *ch = rs_chain_add(t, "fwd", "test");
		struct rs_rule *r = rs_rule_add(ch, NULL, "policy $.x");
		struct rs_set *s = rs_set_new("bridges", &k, false, false, "test");
		char text[64];

		v = val(RS_T_IFNAME, "a\"\x01");
		rs_rule_match(r, RS_F_IIFNAME, false, &v);
		tap_ok(render_check(rs, err, sizeof(err)) == -EINVAL &&
		       strstr(err, "policy $.x: interface name \"a\\\"\\x01\" (chain fwd)"),
		       "a rule's iifname match is checked: %s", err);
		rs_set_add_elem(s, &v, NULL, NULL);
		rs_elem_text(s, 0, text, sizeof(text));
		tap_is_str(text, "\"a\\\"\\x01\"", "element text of such a name is quoted for a message");
		rs_set_free(s);
		rs_ruleset_free(rs);
	}

	tap_is_str(rs_quote("a\nb\t\"\\\x1b\xff", q, sizeof(q)), "\"a\\nb\\t\\\"\\\\\\x1b\\xff\"",
		   "rs_quote: one line, every odd byte escaped");
	rs_quote("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", q,
		 sizeof(q));
	tap_ok(strlen(q) < sizeof(q) && !strcmp(q + strlen(q) - 4, "\"..."),
	       "rs_quote: a long string is cut, and says so");
	tap_ok(strlen(rs_quote("\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01", q,
				sizeof(q))) == 62, "rs_quote: RS_QUOTED_MAX holds the worst 15-byte name");
}

/* A masked MAC match, the ARP sender MAC and the conntrack source fields. */
static void test_link_and_ct_fields(void)
{
	static const enum rs_field same[] = { RS_F_IP_SADDR, RS_F_CT_ORIG_IP_SADDR };
	struct rs_key k2 = { { RS_T_IPV4, RS_T_IPV4 }, 2 };
	struct rs_ruleset *rs;
	struct rs_rule *r = bridge_rule(&rs, "reserved");
	struct rs_value v;
	char err[256], *text;

	tap_ok(rs_value_parse(RS_T_ETHER, "01:80:c2:00:00:00/44", &v) == 0 && v.prefix == 44,
	       "a MAC with a prefix");
	tap_ok(rs_value_parse(RS_T_ETHER, "01:80:c2:00:00:00/0", &v) == -EINVAL &&
	       rs_value_parse(RS_T_ETHER, "01:80:c2:00:00:00/49", &v) == -EINVAL &&
	       rs_value_parse(RS_T_ETHER, "01:80:c2:00:00:00x", &v) == -EINVAL &&
	       rs_value_parse(RS_T_ETHER, "01:80:c2:00:00/8", &v) == -EINVAL,
	       "MAC prefixes out of range and trailing bytes refused");
	v = val(RS_T_ETHER, "01:80:c2:00:00:0e/44");
	rs_rule_match(r, RS_F_ETHER_DADDR, true, &v);
	rs_rule_verdict(r, RS_V_ACCEPT, NULL);
	tap_is_int(validate(rs, err, sizeof(err)), 0, "ether daddr validates in a bridge table");
	text = rs_render_text(rs, 0);
	tap_ok(text && strstr(text, "\t\tether daddr & ff:ff:ff:ff:ff:f0 != 01:80:c2:00:00:00 accept "
				    "comment \"reserved\"\n"),
	       "a masked MAC is written as nft lists it, host bits cleared");
	free(text);
	tap_is_int(rs_field_ethertype(RS_F_ARP_SADDR_ETHER), 0x0806, "arp saddr ether needs ether type arp");
	tap_is_int(rs_field_ethertype(RS_F_CT_REPLY_IP6_SADDR), 0x86dd, "ct reply ip6 saddr needs IPv6");
	rs_ruleset_free(rs);

	r = bridge_rule(&rs, "ct");
	rs_set_add(rs->tables[0], "same4", &k2, false, false, "test");
	rs_rule_lookup(r, same, 2, false, "same4");
	rs_rule_verdict(r, RS_V_ACCEPT, NULL);
	tap_is_int(validate(rs, err, sizeof(err)), -EINVAL, "ct fields refused in a bridge table");
	tap_is_str(err, "policy $.ra: ct original ip saddr is not available in bridge tables", "and named");
	rs_ruleset_free(rs);
}

int main(void)
{
	test_link_and_ct_fields();
	test_values();
	test_ifnames();
	test_keys();
	test_intervals();
	test_render_validate();
	test_bridge_dependency();
	test_icmpv6_type();
	test_raw_typeof();
	return tap_done();
}
