/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * brnf - which bridged IP traffic br_netfilter hands to the inet hooks:
 * the namespace's switches (bridge-nf-call-iptables, -ip6tables, read by
 * nft_probe) or a bridge's own flags (nf_call_iptables, nf_call_ip6tables),
 * read here over rtnetlink, one socket for all the bridges asked about.
 */
#ifndef ZONEWALL_BRNF_H
#define ZONEWALL_BRNF_H

#include <stdbool.h>
#include <stddef.h>

struct nft_features;

/**
 * brnf_features_for() - widen @f's br_netfilter and br_netfilter6 (the
 * namespace's switches) to what holds for the @n bridges zonewall judges:
 * where a switch is off, it is on for them when br_netfilter is there and
 * every one of them has its own flag set.  A bridge that cannot be read
 * counts as not set (the safe side: a warning too many, never one too few).
 */
void brnf_features_for(struct nft_features *f, char *const *bridges, size_t n);

#endif
