// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The compiler's reverse direction: reading back the names, comments and
 * log prefixes it wrote, judging one flow in user space as the compiled
 * ruleset would, and the rows `zonewall denied` and the daemon report for
 * what the kernel logged.  Pure: no I/O.
 */

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/compile.h"
#include "zonewall/decode.h"
#include "zonewall/timefmt.h"

/* --- reading back what we wrote ----------------------------------------------------- */

static const char *const count_names[] = {
	[CMP_COUNT_NONE] = "", [CMP_COUNT_ACCEPTED] = "accepted", [CMP_COUNT_LEARNED] = "learned",
	[CMP_COUNT_WOULD_DENY] = "would-deny", [CMP_COUNT_DENIED] = "denied",
	[CMP_COUNT_SPOOFED] = "spoofed", [CMP_COUNT_INVALID] = "invalid",
	[CMP_COUNT_SPOOFED_PASSED] = "spoofed-passed", [CMP_COUNT_GROUP] = "group",
	[CMP_COUNT_GROUP_PASSED] = "group-passed",
};

const char *cmp_count_name(enum cmp_count_kind k)
{
	return (unsigned int)k <= CMP_COUNT_GROUP_PASSED ? count_names[k] : "";
}

static bool zone_copy(char *dst, const char *s, size_t n)
{
	if (n == 0 || n > POL_ZONE_NAME_MAX)
		return false;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return true;
}

enum cmp_count_kind cmp_count_parse(const char *comment, char *from, char *to, bool *border)
{
	const char *gt, *colon, *kind;

	from[0] = to[0] = '\0';
	*border = false;
	if (!strncmp(comment, "spoofed ", 8))
		return CMP_COUNT_SPOOFED;
	if (!strncmp(comment, "not enforced: spoofed ", 22))
		return CMP_COUNT_SPOOFED_PASSED;
	if (!strcmp(comment, "broadcast or multicast IP between containers"))
		return CMP_COUNT_GROUP;
	if (!strcmp(comment, "not enforced: broadcast or multicast IP between containers"))
		return CMP_COUNT_GROUP_PASSED;
	if (!strcmp(comment, "invalid (conntrack)"))
		return CMP_COUNT_INVALID;
	gt = strchr(comment, '>');
	colon = gt ? strstr(gt, ": ") : NULL;
	if (!colon || !zone_copy(from, comment, gt - comment) ||
	    !zone_copy(to, gt + 1, colon - gt - 1))
		return CMP_COUNT_NONE;
	kind = colon + 2;
	for (int k = CMP_COUNT_ACCEPTED; k <= CMP_COUNT_DENIED; k++) {
		size_t n = strlen(count_names[k]);

		if (!strncmp(kind, count_names[k], n) &&
		    (!kind[n] || !strcmp(kind + n, " (border)"))) {
			*border = kind[n] != '\0';
			return k;
		}
	}
	from[0] = to[0] = '\0';
	return CMP_COUNT_NONE;
}

bool cmp_logtag_parse(const char *prefix, struct cmp_logtag *out)
{
	const char *p = prefix + strlen(CMP_LOG_PREFIX), *gt, *end;

	memset(out, 0, sizeof(*out));
	if (strncmp(prefix, CMP_LOG_PREFIX, strlen(CMP_LOG_PREFIX)))
		return false;
	/* the base chains' and the spoofed chains', whole (a pair's prefix has its '>') */
	if (!strcmp(p, "enforce invalid ")) {
		out->invalid = true;
		out->mode = POL_MODE_ENFORCE;
		return true;
	}
	if (!strcmp(p, "enforce spoofed ") || !strcmp(p, "passed spoofed ")) {
		out->spoofed = true;
		out->mode = p[0] == 'e' ? POL_MODE_ENFORCE : POL_MODE_MONITOR;
		return true;
	}
	if (!strncmp(p, "monitor ", 8))
		out->mode = POL_MODE_MONITOR;
	else if (!strncmp(p, "enforce ", 8))
		out->mode = POL_MODE_ENFORCE;
	else
		return false;
	p += 8;
	/* "border" is a keyword only before a pair: a zone may be called so. */
	if (!strncmp(p, "border ", 7) && !memchr(p, '>', 7)) {
		out->border = true;
		p += 7;
	}
	gt = strchr(p, '>');
	end = gt ? strchr(gt, ' ') : NULL;
	if (!end)
		end = gt ? gt + strlen(gt) : NULL;
	return gt && zone_copy(out->from, p, gt - p) && zone_copy(out->to, gt + 1, end - gt - 1);
}

bool cmp_zone_mode_parse(const char *comment, char *zone, size_t zlen, enum pol_mode *mode)
{
	const char *colon;

	if (strncmp(comment, "zone ", 5) || !(colon = strstr(comment, ": ")))
		return false;
	snprintf(zone, zlen, "%.*s", (int)(colon - comment - 5), comment + 5);
	for (int m = POL_MODE_LEARN; m <= POL_MODE_ENFORCE; m++)
		if (!strncmp(colon + 2, pol_mode_name(m), strlen(pol_mode_name(m)))) {
			*mode = m;
			return true;
		}
	return false;
}

/* --- judging one flow in user space, as the kernel would -------------------------- */

static bool prefix_holds(const struct cmp_prefix *p, uint8_t family, const uint8_t *addr)
{
	if (p->family != family)
		return false;
	for (unsigned int bit = 0; bit < p->len; bit++)
		if ((p->a[bit / 8] ^ addr[bit / 8]) & (0x80 >> (bit % 8)))
			return false;
	return true;
}

const struct cmp_workload *cmp_lookup(const struct cmp_snapshot *s, uint8_t family,
				      const uint8_t *addr)
{
	const struct cmp_workload *best = NULL;
	int best_len = -1;

	for (size_t i = 0; i < s->n; i++)
		for (size_t j = 0; j < s->w[i]->n_addrs; j++) {
			const struct cmp_prefix *p = &s->w[i]->addrs[j];

			if (p->rank > best_len && prefix_holds(p, family, addr)) {
				best = s->w[i];
				best_len = p->rank;
			}
		}
	return best;
}

/* The zone the compiled maps give @addr: the longest prefix among the
 * endpoints' and the policy's own CIDRs (an endpoint wins a tie). */
static size_t addr_zone(const struct pol_policy *p, const struct cmp_workload *w, uint8_t family,
			const uint8_t *addr)
{
	size_t zone = p->default_zone;
	int best = -1;

	for (size_t j = 0; w && j < w->n_addrs; j++)
		if (w->addrs[j].rank > best && prefix_holds(&w->addrs[j], family, addr)) {
			best = w->addrs[j].rank;
			zone = cmp_zone_index(p, w, NULL);
		}
	for (size_t z = 0; z < p->n_zones; z++)
		for (size_t j = 0; j < p->zones[z].n_cidrs; j++) {
			const struct pol_cidr *pc = &p->zones[z].cidrs[j];
			struct cmp_prefix cp = { .family = pc->family, .len = pc->prefix };

			memcpy(cp.a, pc->addr, 16);
			if (pc->prefix > best && prefix_holds(&cp, family, addr)) {
				best = pc->prefix;
				zone = z;
			}
		}
	return zone;
}

void cmp_judge(const struct pol_policy *p, const struct cmp_snapshot *s, uint8_t family,
	       const uint8_t *src, const uint8_t *dst, uint8_t proto, uint16_t dport,
	       struct cmp_judgement *out)
{
	struct pol_flow f = { .proto = proto, .port = pol_proto_has_ports(proto) ? dport : 0 };
	struct pol_reason why;
	enum pol_decision d;
	enum pol_mode mode;

	memset(out, 0, sizeof(*out));
	out->from = cmp_lookup(s, family, src);
	out->to = cmp_lookup(s, family, dst);
	out->from_zone = addr_zone(p, out->from, family, src);
	out->to_zone = addr_zone(p, out->to, family, dst);
	f.from = out->from ? out->from->identity : "";
	f.to = out->to ? out->to->identity : "";
	f.from_zone = p->zones[out->from_zone].name;
	f.to_zone = p->zones[out->to_zone].name;
	d = pol_check(p, &f, &why);
	/* The allowlist holds endpoint addresses only: no identity, no rule. */
	if (d == POL_ALLOWED_BY_RULE && (!out->from || !out->to))
		d = POL_REFUSED_NO_RULE;
	if (d == POL_ALLOWED_BY_RULE || d == POL_ALLOWED_BY_BORDER) {
		out->kind = CMP_COUNT_ACCEPTED;
		out->rule = d == POL_ALLOWED_BY_RULE ? why.rule : NULL;
		return;
	}
	out->border = d == POL_REFUSED_BY_BORDER;
	mode = p->zones[out->from_zone].mode > p->zones[out->to_zone].mode
		       ? p->zones[out->from_zone].mode : p->zones[out->to_zone].mode;
	out->kind = mode == POL_MODE_ENFORCE ? CMP_COUNT_DENIED
		  : mode == POL_MODE_MONITOR ? CMP_COUNT_WOULD_DENY : CMP_COUNT_LEARNED;
}

/* --- refused flows, as `denied` and the daemon report them ---------------------- */

static json_t *cmp_end_identity(const struct cmp_workload *w, const uint8_t *addr, int af)
{
	char a[INET6_ADDRSTRLEN], buf[INET6_ADDRSTRLEN + 16];

	if (w)
		return json_string(w->identity);
	inet_ntop(af, addr, a, sizeof(a));
	snprintf(buf, sizeof(buf), "unknown:%s", a);
	return json_string(buf);
}

/* An Ethernet/IPv4 ARP frame's sender and target addresses as a packet's ends. */
static bool arp_ends(const uint8_t *l3, size_t len, struct dec_packet *pk)
{
	if (len < 28 || l3[4] != 6 || l3[5] != 4)
		return false;
	memset(pk, 0, sizeof(*pk));
	pk->family = 4;
	memcpy(pk->src, l3 + 14, 4);
	memcpy(pk->dst, l3 + 24, 4);
	return true;
}

static json_t *spoofed_row(const struct cmp_snapshot *s, const struct pol_policy *p,
			   const struct cmp_logtag *tag, const char *port, uint16_t ethertype,
			   const uint8_t *l3, size_t len, int64_t t_ns)
{
	char when[64], src[INET6_ADDRSTRLEN] = "", dst[INET6_ADDRSTRLEN] = "", who[40];
	const struct cmp_workload *w = NULL;
	struct dec_packet pkt;
	bool arp = ethertype == 0x0806 && l3 && arp_ends(l3, len, &pkt);
	bool ip = !arp && l3 && dec_ip(l3, len, &pkt) == DEC_OK;
	const char *proto = arp ? "arp" : ip ? pol_proto_name(pkt.proto) : NULL;
	int af = (arp || ip) && pkt.family == 6 ? AF_INET6 : AF_INET;

	for (size_t i = 0; port && port[0] && i < s->n && !w; i++)
		if (!strcmp(s->w[i]->port, port))
			w = s->w[i];
	snprintf(who, sizeof(who), "unknown:port %s", port && port[0] ? port : "?");
	if (arp || ip) {
		inet_ntop(af, pkt.src, src, sizeof(src));
		inet_ntop(af, pkt.dst, dst, sizeof(dst));
	}
	tfmt_rfc3339(when, sizeof(when), t_ns / 1000000000, (long)(t_ns % 1000000000), TFMT_MS);
	return json_pack("{s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:o, s:o, s:o}",
			 "time", when,
			 "verdict", tag->mode == POL_MODE_ENFORCE ? "spoofed" : "spoofed (passed)",
			 "mode", pol_mode_name(tag->mode), "border", false,
			 "proto", proto ? proto : "other", "port", port ? port : "",
			 "from", w ? w->identity : who,
			 "from_zone", w && p ? p->zones[cmp_zone_index(p, w, NULL)].name : "",
			 "src", arp || ip ? json_string(src) : json_null(),
			 "to", arp || ip ? cmp_end_identity(cmp_lookup(s, pkt.family, pkt.dst), pkt.dst, af)
					 : json_null(),
			 "to_zone", "",
			 "dst", arp || ip ? json_string(dst) : json_null(),
			 "sport", ip && pkt.sport ? json_integer(pkt.sport) : json_null(),
			 "dport", ip && pkt.dport ? json_integer(pkt.dport) : json_null());
}

/*
 * The ends and protocol of any IP packet, when dec_ip() cannot give its
 * ports (GRE, ESP, a later fragment, a cut transport header): an IPv4
 * header's protocol, an IPv6 header's next header.
 */
static bool ip_ends(const uint8_t *l3, size_t len, struct dec_packet *pk)
{
	memset(pk, 0, sizeof(*pk));
	if (len >= 20 && l3[0] >> 4 == 4 && (l3[0] & 0x0f) >= 5) {
		pk->family = 4;
		pk->proto = l3[9];
		memcpy(pk->src, l3 + 12, 4);
		memcpy(pk->dst, l3 + 16, 4);
		return true;
	}
	if (len >= 40 && l3[0] >> 4 == 6) {
		pk->family = 6;
		pk->proto = l3[6];
		memcpy(pk->src, l3 + 8, 16);
		memcpy(pk->dst, l3 + 24, 16);
		return true;
	}
	return false;
}

/* A refusal's or an invalid packet's zone: the tag's, else its address's under @p. */
static const char *end_zone(const struct cmp_snapshot *s, const struct pol_policy *p,
			    const char *tagged, const struct dec_packet *pk, const uint8_t *addr)
{
	const struct cmp_workload *w = cmp_lookup(s, pk->family, addr);

	if (tagged[0] || !p)
		return tagged;
	return w ? p->zones[cmp_zone_index(p, w, NULL)].name : p->zones[p->default_zone].name;
}

static json_t *denied_row(const struct cmp_snapshot *s, const struct pol_policy *p,
			  const struct cmp_logtag *tag, const struct dec_packet *pk, int64_t t_ns)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], when[64], verdict[32], num[4];
	int af = pk->family == 4 ? AF_INET : AF_INET6;
	const char *proto = pol_proto_name(pk->proto);

	inet_ntop(af, pk->src, src, sizeof(src));
	inet_ntop(af, pk->dst, dst, sizeof(dst));
	tfmt_rfc3339(when, sizeof(when), t_ns / 1000000000, (long)(t_ns % 1000000000), TFMT_MS);
	snprintf(num, sizeof(num), "%u", pk->proto);
	snprintf(verdict, sizeof(verdict), "%s%s",
		 tag->invalid ? "invalid" : tag->mode == POL_MODE_ENFORCE ? "denied" : "would-deny",
		 tag->border ? " (border)" : "");
	return json_pack("{s:s, s:s, s:s, s:b, s:s, s:o, s:s, s:s, s:o, s:s, s:s, s:o, s:o}",
			 "time", when, "verdict", verdict, "mode", pol_mode_name(tag->mode),
			 "border", tag->border, "proto", proto ? proto : num,
			 "from", cmp_end_identity(cmp_lookup(s, pk->family, pk->src), pk->src, af),
			 "from_zone", end_zone(s, p, tag->from, pk, pk->src), "src", src,
			 "to", cmp_end_identity(cmp_lookup(s, pk->family, pk->dst), pk->dst, af),
			 "to_zone", end_zone(s, p, tag->to, pk, pk->dst), "dst", dst,
			 "sport", pk->sport ? json_integer(pk->sport) : json_null(),
			 "dport", pk->dport ? json_integer(pk->dport) : json_null());
}

json_t *cmp_log_row(const struct cmp_snapshot *s, const struct pol_policy *p,
		    const struct cmp_logtag *tag, const char *port, uint16_t ethertype,
		    const uint8_t *l3, size_t len, int64_t t_ns)
{
	struct dec_packet pk;

	if (tag->spoofed)
		return spoofed_row(s, p, tag, port, ethertype, l3, len, t_ns);
	if (!l3 || (dec_ip(l3, len, &pk) != DEC_OK && !ip_ends(l3, len, &pk)))
		return NULL;
	return denied_row(s, p, tag, &pk, t_ns);
}

