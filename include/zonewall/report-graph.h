/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_REPORT_GRAPH_H
#define ZONEWALL_REPORT_GRAPH_H

/*
 * The review model as a graph, laid out in-process by Graphviz's library
 * (libgvc's "dot" layout, its SVG renderer into memory; no program is run):
 * identities clustered by zone, edges coloured by status (new blue,
 * allowed black, refused by a border red and dashed, stale grey and dotted)
 * and drawn wider for more days and packets, deny borders red between the
 * zone clusters.  Rows between the same two identities with the same status
 * are one line.  Past RGRAPH_IDS_MAX identities (or RGRAPH_LINES_MAX lines)
 * a graph is more than a person reads: the report then draws the zones
 * alone with their counts, and each zone with its own identities and the
 * other zones as single nodes.
 *
 * Stable element ids in the SVG (the same for the same proposal and policy;
 * underscores, which Graphviz writes as they are): "graph_identities",
 * "graph_zones" or "graph_z_HASH" the graph, "c_HASH" a zone's cluster,
 * "z_HASH" a zone's node, "n_HASH" an identity, "l_ID" (or "l_rule_N") a
 * line, named after its first row, which it links to ("#edge-ID",
 * "#rule-N"), "b_HASH_HASH" a deny border; HASH is 12 hex digits of a hash
 * of the zone and identity names.  The elements of the graph of one zone
 * have its id and "-" before theirs ("z_HASH-n_HASH"): ids stay unique in
 * a page that holds several graphs.  Every label and tooltip goes
 * through esc_gv_label(); Graphviz escapes the SVG text itself.
 */

#include <stdbool.h>
#include <stddef.h>

#include "zonewall/review.h"

#define RGRAPH_IDS_MAX 150
#define RGRAPH_LINES_MAX 400
#define RGRAPH_ALL ((size_t)-1)

enum rgraph_view {
	RGRAPH_IDENTITIES,	/* every identity, or those of one zone */
	RGRAPH_ZONES,		/* one node per zone */
	RGRAPH_ZONE_INNER,	/* one zone's identities and the lines among them;
				 * its lines to other zones drawn zone to zone */
};

struct rgraph;

/**
 * rgraph_new() - the graphs of @r, which must outlive them, on the
 * process's one Graphviz context (its plugins loaded on first use).
 * Return: the context, free with rgraph_free(); NULL with errno ENOMEM.
 */
struct rgraph *rgraph_new(const struct rev_review *r);

/** rgraph_free() - free @g; accepts NULL. */
void rgraph_free(struct rgraph *g);

/**
 * rgraph_size() - how big graph @view of zone @zone (RGRAPH_ALL: every zone)
 * would be: its identity nodes and its lines.
 */
void rgraph_size(struct rgraph *g, enum rgraph_view view, size_t zone, size_t *ids,
		 size_t *lines);

/**
 * rgraph_fits() - whether that graph is small enough to draw readably
 * (RGRAPH_IDS_MAX, RGRAPH_LINES_MAX).
 */
bool rgraph_fits(struct rgraph *g, enum rgraph_view view, size_t zone);

/**
 * rgraph_svg() - lay out graph @view of zone @zone (RGRAPH_ALL: every zone)
 * and render it as an SVG document.
 * Return: 0 with a malloc'ed, NUL-terminated document in *@svg (its length
 * in *@len); -ENOMEM, or -EIO when Graphviz fails (no "dot" layout or
 * "svg" renderer among its plugins, or a layout error).
 */
int rgraph_svg(struct rgraph *g, enum rgraph_view view, size_t zone, char **svg, size_t *len);

/**
 * rgraph_zone_id() - the stable SVG/HTML id ("z_HASH") of zone @z of the
 * review into @buf (>= 16 bytes).
 */
void rgraph_zone_id(const struct rev_review *r, size_t z, char *buf, size_t size);

#endif
