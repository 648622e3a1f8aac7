/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_REPORT_HTML_H
#define ZONEWALL_REPORT_HTML_H

/*
 * The review model as one self-contained HTML page: summary, graph (inline
 * SVG from report-graph.h; folded to the zones past its size, each zone in
 * a <details> of its own), zone matrix, and the edge table with the exact
 * `zonewall approve` command of each new edge.  Nothing is loaded from
 * anywhere: a Content-Security-Policy allows only the page's own style and
 * script (by hash) and data: images.  The script sorts and filters the
 * table and builds the combined command of a selection; without it the page
 * is a plain table.  Every untrusted string is escaped for its context
 * (escape.h).
 *
 * Stable ids: "summary", "graph", "graph-main", "graph-folded" (only when
 * folded), "zone-graph-z_HASH" (per zone, when folded), "zone-matrix" with
 * cells "zm-HASH-HASH", "edge-table" with rows "edge-ID" and "rule-N",
 * "edge-controls", "approve-cmd", "review-data" (the script's JSON).
 */

#include <stdio.h>

#include "zonewall/review.h"

/**
 * rhtml_write() - write the report of @r to @f.  @proposal and @policy are
 * the paths the approve commands name (@policy NULL: "POLICY").
 * Return: 0; -ENOMEM; -EIO (a write error, or Graphviz failed).
 */
int rhtml_write(FILE *f, const struct rev_review *r, const char *proposal, const char *policy);

/** rhtml_script() and rhtml_style() - the page's inline script and style
 * sheet, exactly as written (their hashes are in its CSP). */
const char *rhtml_script(void);
const char *rhtml_style(void);

#endif
