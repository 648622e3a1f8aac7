// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The HTML review report (include/zonewall/report-html.h).
 */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/escape.h"
#include "zonewall/report-graph.h"
#include "zonewall/report-html.h"

static const char style[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1f2328}"
	"h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #d0d7de}"
	"code,pre{font:12px ui-monospace,monospace}"
	"pre{white-space:pre-wrap;word-break:break-all;background:#f6f8fa;padding:.5em}"
	"table{border-collapse:collapse;font-size:12px}"
	"th,td{border:1px solid #d0d7de;padding:2px 6px;text-align:left;vertical-align:top}"
	"td.n{text-align:right}th button{font:inherit;border:0;background:none;padding:0;"
	"cursor:pointer;font-weight:bold}"
	"tr.new td.st{color:#0969da}tr.refused-by-border td.st{color:#cf222e}"
	"tr.stale td.st{color:#8c959f}"
	"td.v-deny{background:#ffebe9}td.v-allow{background:#dafbe1}"
	"figure{margin:0;overflow:auto;max-height:90vh;border:1px solid #d0d7de}"
	"dl{display:grid;grid-template-columns:max-content auto;gap:0 1em}dd{margin:0}"
	".legend span{margin-right:1em}.k-new{color:#0969da}.k-refused{color:#cf222e}"
	".k-stale{color:#8c959f}#edge-controls label{margin-right:1em}";

static const char script[] =
	"(function () {\n"
	"'use strict';\n"
	"var data = JSON.parse(document.getElementById('review-data').textContent);\n"
	"var table = document.getElementById('edge-table'), body = table.tBodies[0];\n"
	"var rows = Array.prototype.slice.call(body.rows);\n"
	"var fs = document.getElementById('f-status'), fz = document.getElementById('f-zone');\n"
	"var fi = document.getElementById('f-id'), count = document.getElementById('edge-count');\n"
	"var cmd = document.getElementById('approve-cmd');\n"
	"function key(r, k) {\n"
	"  var c = r.cells[k];\n"
	"  return 'v' in c.dataset ? c.dataset.v : c.textContent;\n"
	"}\n"
	"function filter() {\n"
	"  var s = fs.value, z = fz.value, q = fi.value.toLowerCase(), n = 0;\n"
	"  rows.forEach(function (r) {\n"
	"    var d = r.dataset;\n"
	"    var ok = (!s || d.status === s) && (!z || d.fromZone === z || d.toZone === z) &&\n"
	"      (!q || d.from.toLowerCase().indexOf(q) >= 0 || d.to.toLowerCase().indexOf(q) >= 0);\n"
	"    r.hidden = !ok;\n"
	"    n += ok ? 1 : 0;\n"
	"  });\n"
	"  count.textContent = n + ' of ' + rows.length + ' rows';\n"
	"}\n"
	"function sort(k, num) {\n"
	"  var dir = table.dataset.sortCol === String(k) && table.dataset.sortDir === 'asc' ? -1 : 1;\n"
	"  rows.sort(function (x, y) {\n"
	"    var a = key(x, k), b = key(y, k);\n"
	"    if (num) return dir * (Number(a) - Number(b));\n"
	"    return dir * (a < b ? -1 : a > b ? 1 : 0);\n"
	"  });\n"
	"  rows.forEach(function (r) { body.appendChild(r); });\n"
	"  table.dataset.sortCol = String(k);\n"
	"  table.dataset.sortDir = dir > 0 ? 'asc' : 'desc';\n"
	"}\n"
	"function select() {\n"
	"  var ids = [];\n"
	"  body.querySelectorAll('input.sel:checked').forEach(function (c) {\n"
	"    ids.push(' --edge ' + c.value);\n"
	"  });\n"
	"  cmd.textContent = ids.length ? data.approve + ids.join('') : data.all;\n"
	"}\n"
	"Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, k) {\n"
	"  if (!th.dataset.sort) return;\n"
	"  var b = document.createElement('button');\n"
	"  b.type = 'button';\n"
	"  b.textContent = th.textContent;\n"
	"  th.textContent = '';\n"
	"  th.appendChild(b);\n"
	"  b.addEventListener('click', function () { sort(k, th.dataset.sort === 'num'); });\n"
	"});\n"
	"[fs, fz, fi].forEach(function (e) { e.addEventListener('input', filter); });\n"
	"body.addEventListener('change', select);\n"
	"document.getElementById('edge-controls').hidden = false;\n"
	"filter();\n"
	"})();\n";

/* base64 of the SHA-256 of style[] and script[], for the CSP;
 * tests/golden/report.sh recomputes them from the page. */
#define STYLE_HASH "sha256-zYT6LAAPvpxktSvdz5nLX28pkUkhRLgwp4IpSBH1TdM="
#define SCRIPT_HASH "sha256-lbro23VFjOZBexx0/mHJICAzIEc8k6kE0SYcaMTKLkg="

const char *rhtml_script(void)
{
	return script;
}

const char *rhtml_style(void)
{
	return style;
}

/* --- pieces --------------------------------------------------------------- */

/* "<tag id=ID>" + escaped text + "</tag>" */
static void put_text(FILE *f, const char *tag, const char *id, const char *text)
{
	fprintf(f, "<%s id=\"%s\">", tag, id);
	esc_html(f, text);
	fprintf(f, "</%s>", tag);
}

static void put_count(FILE *f, const char *id, const char *what, size_t n)
{
	fprintf(f, "<dt>%s</dt><dd id=\"%s\">%zu</dd>\n", what, id, n);
}

static void put_head(FILE *f)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src '" STYLE_HASH "'; script-src '" SCRIPT_HASH "'; img-src data:; "
	      "base-uri 'none'; form-action 'none'\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width\">\n"
	      "<title>zonewall review</title>\n<style>", f);
	fputs(style, f);
	fputs("</style>\n</head>\n<body>\n<h1>zonewall review</h1>\n", f);
}

static void put_summary(FILE *f, const struct rev_review *r, const char *proposal,
			const char *policy)
{
	const struct rev_summary *s = &r->sum;
	char first[32], last[32], window[80] = "none (no edges)";

	if (s->edges) {
		pol_time_format(s->first, first, sizeof(first));
		pol_time_format(s->last, last, sizeof(last));
		snprintf(window, sizeof(window), "%s .. %s", first, last);
	}
	fputs("<section id=\"summary\">\n<h2>Summary</h2>\n<dl>\n<dt>proposal</dt><dd>", f);
	put_text(f, "code", "sum-proposal", proposal ? proposal : "-");
	fputs("</dd>\n<dt>policy</dt><dd>", f);
	put_text(f, "code", "sum-policy", policy ? policy : "none: every edge is new");
	fputs("</dd>\n<dt>learning window</dt>", f);
	put_text(f, "dd", "sum-window", window);
	fputc('\n', f);
	put_count(f, "sum-edges", "edges", s->edges);
	put_count(f, "sum-new", "new", s->count[REV_NEW]);
	put_count(f, "sum-refused", "refused by border", s->count[REV_REFUSED]);
	put_count(f, "sum-allowed", "allowed", s->count[REV_ALLOWED]);
	put_count(f, "sum-stale", "stale rules", s->count[REV_STALE]);
	put_count(f, "sum-low", "low confidence (one day only, or once)", s->low);
	put_count(f, "sum-zones", "zones", r->n_zones);
	fputs("</dl>\n</section>\n", f);
}

/* --- graph ---------------------------------------------------------------- */

/* The SVG document from its <svg> element on: inline in HTML. */
static int put_svg(FILE *f, struct rgraph *g, enum rgraph_view view, size_t zone,
		   const char *id)
{
	char *svg = NULL, *start;
	size_t len = 0;
	int err = rgraph_svg(g, view, zone, &svg, &len);

	if (err)
		return err;
	start = strstr(svg, "<svg");
	fprintf(f, "<figure id=\"%s\" class=\"graph\">\n", id);
	if (start)
		fwrite(start, 1, len - (size_t)(start - svg), f);
	fputs("</figure>\n", f);
	free(svg);
	return 0;
}

static int put_details_svg(FILE *f, struct rgraph *g, enum rgraph_view view, size_t zone,
			   const char *id)
{
	int err = put_svg(f, g, view, zone, id);

	if (!err)
		fputs("</details>\n", f);
	return err;
}

static int put_zone_graph(FILE *f, const struct rev_review *r, struct rgraph *g, size_t z)
{
	char zid[32], id[48];
	size_t ids, lines;

	rgraph_zone_id(r, z, zid, sizeof(zid));
	rgraph_size(g, RGRAPH_IDENTITIES, z, &ids, &lines);
	fprintf(f, "<details id=\"zone-graph-%s\"><summary>zone ", zid);
	esc_html(f, rev_zone_name(r, z));
	fprintf(f, ": %zu identities, %zu lines</summary>\n", ids, lines);
	snprintf(id, sizeof(id), "graph-%s", zid);
	if (ids <= RGRAPH_IDS_MAX && lines <= RGRAPH_LINES_MAX)
		return put_details_svg(f, g, RGRAPH_IDENTITIES, z, id);
	rgraph_size(g, RGRAPH_ZONE_INNER, z, &ids, &lines);
	if (ids <= RGRAPH_IDS_MAX && lines <= RGRAPH_LINES_MAX) {
		fputs("<p>Too many lines to other zones to draw each: the identities inside "
		      "the zone and their lines, and the lines to other zones from zone to "
		      "zone.</p>\n", f);
		return put_details_svg(f, g, RGRAPH_ZONE_INNER, z, id);
	}
	fputs("<p>Too many to draw readably: filter the edge table by this zone.</p>\n"
	      "</details>\n", f);
	return 0;
}

static void put_legend(FILE *f)
{
	fputs("<p class=\"legend\"><span class=\"k-new\">&#9472; new</span>"
	      "<span>&#9472; allowed</span><span class=\"k-refused\">- - refused by border</span>"
	      "<span class=\"k-stale\">&#183;&#183;&#183; stale rule</span>"
	      "<span class=\"k-refused\">-| deny border</span>"
	      " wider lines: more days and packets</p>\n", f);
}

static int put_graph(FILE *f, const struct rev_review *r)
{
	struct rgraph *g = rgraph_new(r);
	size_t ids, lines, z;
	int err = 0;

	if (!g)
		return -ENOMEM;
	fputs("<section id=\"graph\">\n<h2>Graph</h2>\n", f);
	put_legend(f);
	rgraph_size(g, RGRAPH_IDENTITIES, RGRAPH_ALL, &ids, &lines);
	if (ids <= RGRAPH_IDS_MAX && lines <= RGRAPH_LINES_MAX) {
		err = put_svg(f, g, RGRAPH_IDENTITIES, RGRAPH_ALL, "graph-main");
		goto out;
	}
	fprintf(f, "<p id=\"graph-folded\">%zu identities and %zu lines are more than a graph "
		"shows readably (%d identities, %d lines): the zones with their counts, and "
		"each zone below opens into its own graph.</p>\n", ids, lines, RGRAPH_IDS_MAX,
		RGRAPH_LINES_MAX);
	err = put_svg(f, g, RGRAPH_ZONES, RGRAPH_ALL, "graph-main");
	for (z = 0; !err && z < r->n_zones; z++)
		if (r->zones[z].n_rows)
			err = put_zone_graph(f, r, g, z);
out:
	fputs("</section>\n", f);
	rgraph_free(g);
	return err;
}

/* --- zone matrix ---------------------------------------------------------- */

static void put_cell(FILE *f, const struct rev_review *r, size_t i, size_t j)
{
	const struct rev_cell *c = rev_cell(r, i, j);
	char a[32], b[32];
	size_t s;
	bool any = false;

	rgraph_zone_id(r, i, a, sizeof(a));
	rgraph_zone_id(r, j, b, sizeof(b));
	fprintf(f, "<td id=\"zm-%s-%s\" class=\"v-%s\"", a + 2, b + 2,
		r->policy ? pol_verdict_name(c->verdict) : "none");
	if (c->comment) {
		fputs(" title=\"", f);
		esc_html(f, c->comment);
		fputc('"', f);
	}
	fprintf(f, "><b>%s</b>%s", r->policy ? pol_verdict_name(c->verdict) : "-",
		c->explicit_border ? "" : (r->policy ? " (default)" : ""));
	for (s = 0; s < REV_N_STATUS; s++)
		if (c->count[s]) {
			fprintf(f, "%s%zu %s", any ? ", " : "<br>", c->count[s], rev_status_name(s));
			any = true;
		}
	if (c->packets)
		fprintf(f, "<br>%llu packets", (unsigned long long)c->packets);
	fputs("</td>", f);
}

static void put_matrix(FILE *f, const struct rev_review *r)
{
	size_t i, j;

	fputs("<section id=\"zones\">\n<h2>Zone matrix</h2>\n<p>Each cell: the border from the "
	      "row's zone to the column's, and what the proposal saw across it.</p>\n"
	      "<table id=\"zone-matrix\">\n<thead><tr><th>from \\ to</th>", f);
	for (j = 0; j < r->n_zones; j++) {
		fputs("<th scope=\"col\">", f);
		esc_html(f, rev_zone_name(r, j));
		fputs("</th>", f);
	}
	fputs("</tr></thead>\n<tbody>\n", f);
	for (i = 0; i < r->n_zones; i++) {
		fputs("<tr><th scope=\"row\">", f);
		esc_html(f, rev_zone_name(r, i));
		fputs("</th>", f);
		for (j = 0; j < r->n_zones; j++)
			put_cell(f, r, i, j);
		fputs("</tr>\n", f);
	}
	fputs("</tbody>\n</table>\n</section>\n", f);
}

/* --- edge table ----------------------------------------------------------- */

struct approve_cmd {
	char *prefix;		/* "zonewall approve P --policy Q" */
	char *all;		/* the command for every new edge */
};

static int approve_cmd_make(struct approve_cmd *c, const char *proposal, const char *policy)
{
	char *p = esc_shell(proposal ? proposal : "PROPOSAL");
	char *q = policy ? esc_shell(policy) : strdup("POLICY");
	int err = 0;

	c->prefix = c->all = NULL;
	if (!p || !q || asprintf(&c->prefix, "zonewall approve %s --policy %s", p, q) < 0 ||
	    asprintf(&c->all, "%s --all --skip-denied", c->prefix) < 0) {
		free(c->prefix);
		c->prefix = NULL;
		err = -ENOMEM;
	}
	free(p);
	free(q);
	return err;
}

static void put_controls(FILE *f, const struct rev_review *r)
{
	size_t s, z;

	fputs("<div id=\"edge-controls\" hidden>\n<label>status <select id=\"f-status\">"
	      "<option value=\"\">all</option>", f);
	for (s = 0; s < REV_N_STATUS; s++)
		fprintf(f, "<option>%s</option>", rev_status_name(s));
	fputs("</select></label>\n<label>zone <select id=\"f-zone\"><option value=\"\">all"
	      "</option>", f);
	for (z = 0; z < r->n_zones; z++) {
		fputs("<option>", f);
		esc_html(f, rev_zone_name(r, z));
		fputs("</option>", f);
	}
	fputs("</select></label>\n<label>identity <input id=\"f-id\" type=\"search\"></label>\n"
	      "<span id=\"edge-count\"></span>\n</div>\n", f);
}

static const char table_head[] =
	"<table id=\"edge-table\">\n<thead><tr><th>select</th><th data-sort=\"text\">id</th>"
	"<th data-sort=\"text\">status</th><th data-sort=\"text\">from</th>"
	"<th data-sort=\"text\">to</th><th data-sort=\"text\">zones</th>"
	"<th data-sort=\"text\">proto</th><th data-sort=\"num\">port</th>"
	"<th data-sort=\"num\">packets</th><th data-sort=\"text\">first seen</th>"
	"<th data-sort=\"text\">last seen</th><th data-sort=\"num\">days</th>"
	"<th data-sort=\"num\">runs</th><th data-sort=\"text\">confidence</th>"
	"<th>samples</th><th data-sort=\"text\">why</th><th>approve</th></tr></thead>\n<tbody>\n";

static void put_td(FILE *f, const char *cls, const char *text)
{
	fprintf(f, "<td%s%s%s>", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
	esc_html(f, text);
	fputs("</td>", f);
}

static void put_num(FILE *f, bool have, unsigned long long v)
{
	if (have)
		fprintf(f, "<td class=\"n\" data-v=\"%llu\">%llu</td>", v, v);
	else
		fputs("<td class=\"n\" data-v=\"-1\">-</td>", f);
}

static void put_row_open(FILE *f, const struct rev_review *r, const struct rev_row *row)
{
	if (row->edge)
		fprintf(f, "<tr id=\"edge-%s\" class=\"%s\"", row->id, rev_status_name(row->status));
	else
		fprintf(f, "<tr id=\"rule-%zu\" class=\"%s\"", row->rule_index,
			rev_status_name(row->status));
	fprintf(f, " data-status=\"%s\" data-from=\"", rev_status_name(row->status));
	esc_html(f, row->from);
	fputs("\" data-to=\"", f);
	esc_html(f, row->to);
	fputs("\" data-from-zone=\"", f);
	esc_html(f, rev_zone_name(r, row->from_zone));
	fputs("\" data-to-zone=\"", f);
	esc_html(f, rev_zone_name(r, row->to_zone));
	fputs("\">", f);
}

static void put_port(FILE *f, const struct rev_row *row)
{
	unsigned int lo = row->edge ? row->edge->port : row->rule->port_lo;
	unsigned int hi = row->edge ? row->edge->port : row->rule->port_hi;

	if (!lo)
		fputs("<td class=\"n\" data-v=\"0\">-</td>", f);
	else if (lo == hi)
		fprintf(f, "<td class=\"n\" data-v=\"%u\">%u</td>", lo, lo);
	else
		fprintf(f, "<td class=\"n\" data-v=\"%u\">%u-%u</td>", lo, lo, hi);
}

static void put_evidence(FILE *f, const struct prop_edge *e)
{
	char first[32] = "-", last[32] = "-";

	if (e) {
		pol_time_format(e->first_seen, first, sizeof(first));
		pol_time_format(e->last_seen, last, sizeof(last));
	}
	put_num(f, e != NULL, e ? e->packets : 0);
	put_td(f, NULL, first);
	put_td(f, NULL, last);
	put_num(f, e != NULL, e ? e->n_days : 0);
	put_num(f, e != NULL, e ? e->n_runs : 0);
}

static void put_samples(FILE *f, const struct prop_edge *e)
{
	fputs("<td>", f);
	for (size_t i = 0; e && i < e->n_samples; i++) {
		fputs(i ? "<br>" : "", f);
		esc_html(f, e->samples[i].from);
		fputs(" &gt; ", f);
		esc_html(f, e->samples[i].to);
	}
	fputs("</td>", f);
}

static void put_row(FILE *f, const struct rev_review *r, const struct rev_row *row,
		    const struct approve_cmd *cmd)
{
	const struct prop_edge *e = row->edge;
	bool approvable = e && row->status == REV_NEW;

	put_row_open(f, r, row);
	if (approvable)
		fprintf(f, "<td><input type=\"checkbox\" class=\"sel\" value=\"%s\" "
			"aria-label=\"select %s\"></td>", row->id, row->id);
	else
		fputs("<td></td>", f);
	put_td(f, NULL, e ? row->id : "-");
	put_td(f, "st", rev_status_name(row->status));
	put_td(f, NULL, row->from);
	put_td(f, NULL, row->to);
	fputs("<td>", f);
	esc_html(f, rev_zone_name(r, row->from_zone));
	fputs("-&gt;", f);
	esc_html(f, rev_zone_name(r, row->to_zone));
	fputs("</td>", f);
	put_td(f, NULL, pol_proto_name(e ? e->proto : row->rule->proto));
	put_port(f, row);
	put_evidence(f, e);
	put_td(f, NULL, e ? (row->low ? "low" : "ok") : "-");
	put_samples(f, e);
	put_td(f, NULL, row->why[0] ? row->why : "-");
	if (approvable) {
		fputs("<td><code>", f);
		esc_html(f, cmd->prefix);
		fprintf(f, " --edge %s</code></td>", row->id);
	} else {
		fputs("<td>-</td>", f);
	}
	fputs("</tr>\n", f);
}

static int put_edges(FILE *f, const struct rev_review *r, const struct approve_cmd *cmd)
{
	fputs("<section id=\"edges\">\n<h2>Edges</h2>\n", f);
	put_controls(f, r);
	fputs(table_head, f);
	for (size_t i = 0; i < r->n_rows; i++)
		put_row(f, r, &r->rows[i], cmd);
	fputs("</tbody>\n</table>\n</section>\n", f);
	fputs("<section id=\"approve\">\n<h2>Approve</h2>\n<p>The command for the selected "
	      "edges (every new edge when none is selected); this page changes no file.</p>\n"
	      "<pre id=\"approve-cmd\">", f);
	esc_html(f, r->sum.count[REV_NEW] ? cmd->all : "nothing new to approve");
	fputs("</pre>\n</section>\n", f);
	return 0;
}

static int put_script(FILE *f, const struct approve_cmd *cmd)
{
	json_t *data = json_pack("{s:s, s:s}", "approve", cmd->prefix, "all", cmd->all);
	int err;

	if (!data)
		return -ENOMEM;
	fputs("<script type=\"application/json\" id=\"review-data\">", f);
	err = esc_json_script(f, data);
	json_decref(data);
	fputs("</script>\n<script>", f);
	fputs(script, f);
	fputs("</script>\n", f);
	return err;
}

int rhtml_write(FILE *f, const struct rev_review *r, const char *proposal, const char *policy)
{
	struct approve_cmd cmd;
	int err = approve_cmd_make(&cmd, proposal, policy);

	if (err)
		return err;
	put_head(f);
	put_summary(f, r, proposal, policy);
	err = put_graph(f, r);
	if (!err) {
		put_matrix(f, r);
		err = put_edges(f, r, &cmd);
	}
	if (!err)
		err = put_script(f, &cmd);
	fputs("</body>\n</html>\n", f);
	free(cmd.prefix);
	free(cmd.all);
	if (!err && (ferror(f) || fflush(f)))
		err = -EIO;
	return err;
}
