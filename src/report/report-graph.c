// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The review graph through Graphviz's C library
 * (include/zonewall/report-graph.h): nodes and lines from the review rows,
 * the "dot" layout and the SVG renderer run in this process, the SVG
 * returned in memory.
 */

#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <graphviz/gvc.h>

#include "zonewall/escape.h"
#include "zonewall/report-graph.h"

/* An identity node: the identity in one zone (the same name in two zones is
 * two nodes, one in each cluster). */
struct gnode {
	const char *name;
	size_t zone;
};

/*
 * One Graphviz context for the process, made on first use and never freed:
 * Graphviz 2.42's pango plugin keeps a font name from a context across
 * gvFreeContext(), and a later context reads it after the free.
 */
static GVC_t *gv_context;

struct rgraph {
	GVC_t *gvc;
	const struct rev_review *r;
	struct gnode *nodes;		/* sorted by zone, then name; unique */
	size_t n_nodes;
};

/* One row's line: its two node keys (an identity node index, or n_nodes +
 * zone for a zone's node) and status; a line is a run of equal ones. */
struct gline {
	size_t a, b;
	enum rev_status status;
	size_t row;
};

static const char *const status_color[REV_N_STATUS] = {
	"#0969da", "#cf222e", "#8c959f", "#1f2328",
};
static const char *const status_style[REV_N_STATUS] = {
	"solid", "dashed", "dotted", "solid",
};

/* Graphviz's API takes char * for strings it copies. */
static void gv_set(void *obj, const char *name, const char *value)
{
	agsafeset(obj, (char *)(uintptr_t)name, (char *)(uintptr_t)value, (char *)"");
}

static int gv_set_label(void *obj, const char *name, const char *text)
{
	char *s = esc_gv_label(text);

	if (!s)
		return -ENOMEM;
	gv_set(obj, name, s);
	free(s);
	return 0;
}

/* Library code does not log: Graphviz's messages are dropped, its return
 * values say what failed. */
static int gv_quiet(char *msg)
{
	return 0;
}

static uint64_t hash_bytes(uint64_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* "PREFIX_" and 12 hex digits of a hash of @a (NULL for none) and @b. */
static void hash_id(const char *prefix, const char *a, const char *b, char *buf, size_t size)
{
	uint64_t h = 0xcbf29ce484222325ull;

	h = hash_bytes(h, a ? a : "", a ? strlen(a) + 1 : 0);
	h = hash_bytes(h, b ? b : "", b ? strlen(b) : 0);
	snprintf(buf, size, "%s_%012llx", prefix, (unsigned long long)(h >> 16));
}

void rgraph_zone_id(const struct rev_review *r, size_t z, char *buf, size_t size)
{
	hash_id("z", NULL, r->zones[z].name ? r->zones[z].name : "", buf, size);
}

/* --- nodes ---------------------------------------------------------------- */

static int gnode_cmp(const void *a, const void *b)
{
	const struct gnode *x = a, *y = b;

	if (x->zone != y->zone)
		return x->zone < y->zone ? -1 : 1;
	return strcmp(x->name, y->name);
}

static bool is_zone_identity(const char *id)
{
	return !strncmp(id, "zone:", 5);
}

static int nodes_collect(struct rgraph *g)
{
	const struct rev_review *r = g->r;
	size_t i, n = 0;

	g->nodes = calloc(2 * r->n_rows + 1, sizeof(*g->nodes));
	if (!g->nodes)
		return -ENOMEM;
	for (i = 0; i < r->n_rows; i++) {
		const struct rev_row *row = &r->rows[i];

		if (!is_zone_identity(row->from) && row->from_zone != REV_NO_ZONE)
			g->nodes[n++] = (struct gnode){ row->from, row->from_zone };
		if (!is_zone_identity(row->to) && row->to_zone != REV_NO_ZONE)
			g->nodes[n++] = (struct gnode){ row->to, row->to_zone };
	}
	qsort(g->nodes, n, sizeof(*g->nodes), gnode_cmp);
	for (i = 0; i < n; i++)
		if (!g->n_nodes || gnode_cmp(&g->nodes[i], &g->nodes[g->n_nodes - 1]))
			g->nodes[g->n_nodes++] = g->nodes[i];
	return 0;
}

/* The node key of one end of a row in graph @view of zone @focus. */
static size_t end_key(const struct rgraph *g, enum rgraph_view view, size_t focus,
		      const char *id, size_t zone)
{
	struct gnode key = { id, zone }, *hit;

	if (view == RGRAPH_ZONES || is_zone_identity(id) || (focus != RGRAPH_ALL && zone != focus))
		return g->n_nodes + zone;
	hit = bsearch(&key, g->nodes, g->n_nodes, sizeof(*g->nodes), gnode_cmp);
	return hit ? (size_t)(hit - g->nodes) : g->n_nodes + zone;
}

/* --- lines ---------------------------------------------------------------- */

static int gline_cmp(const void *p, const void *q)
{
	const struct gline *x = p, *y = q;

	if (x->a != y->a)
		return x->a < y->a ? -1 : 1;
	if (x->b != y->b)
		return x->b < y->b ? -1 : 1;
	if (x->status != y->status)
		return (int)x->status - (int)y->status;
	return x->row < y->row ? -1 : x->row > y->row;
}

static bool gline_same(const struct gline *x, const struct gline *y)
{
	return x->a == y->a && x->b == y->b && x->status == y->status;
}

/* Every row of the graph as a line entry, sorted so one line is one run. */
static struct gline *lines_collect(const struct rgraph *g, enum rgraph_view view, size_t focus,
				   size_t *n)
{
	const struct rev_review *r = g->r;
	struct gline *v = calloc(r->n_rows + 1, sizeof(*v));
	size_t i, k = 0;

	if (!v)
		return NULL;
	for (i = 0; i < r->n_rows; i++) {
		const struct rev_row *row = &r->rows[i];

		if (row->from_zone == REV_NO_ZONE || row->to_zone == REV_NO_ZONE)
			continue;
		if (focus != RGRAPH_ALL && row->from_zone != focus && row->to_zone != focus)
			continue;
		if (view == RGRAPH_ZONE_INNER && row->from_zone != row->to_zone) {
			v[k].a = g->n_nodes + row->from_zone;
			v[k].b = g->n_nodes + row->to_zone;
		} else {
			v[k].a = end_key(g, view, focus, row->from, row->from_zone);
			v[k].b = end_key(g, view, focus, row->to, row->to_zone);
		}
		v[k].status = row->status;
		v[k].row = i;
		k++;
	}
	qsort(v, k, sizeof(*v), gline_cmp);
	*n = k;
	return v;
}

void rgraph_size(struct rgraph *g, enum rgraph_view view, size_t zone, size_t *ids,
		 size_t *lines)
{
	size_t n = 0, i, nk = g->n_nodes + g->r->n_zones;
	struct gline *v = lines_collect(g, view, zone, &n);
	bool *seen = calloc(nk + 1, sizeof(*seen));

	*ids = *lines = 0;
	for (i = 0; v && seen && i < n; i++) {
		*lines += !i || !gline_same(&v[i], &v[i - 1]);
		if (v[i].a < g->n_nodes && !seen[v[i].a])
			++*ids, seen[v[i].a] = true;
		if (v[i].b < g->n_nodes && !seen[v[i].b])
			++*ids, seen[v[i].b] = true;
	}
	if (!v || !seen)	/* no memory to count: too big to draw */
		*ids = *lines = SIZE_MAX;
	free(seen);
	free(v);
}

bool rgraph_fits(struct rgraph *g, enum rgraph_view view, size_t zone)
{
	size_t ids, lines;

	rgraph_size(g, view, zone, &ids, &lines);
	return ids <= RGRAPH_IDS_MAX && lines <= RGRAPH_LINES_MAX;
}

/* --- building the Graphviz graph ----------------------------------------- */

struct gbuild {
	struct rgraph *g;
	enum rgraph_view view;
	size_t focus;
	Agraph_t *root;
	Agraph_t **clusters;		/* per zone, created on first use */
	Agnode_t **nodes;		/* per node key, created on first use */
	char prefix[32];		/* of every element id: "" or "z_HASH-" */
};

/* An element id, after the graph's prefix: one page holds several graphs
 * of the same zones and identities, and ids are unique in a page. */
static void gv_set_id(const struct gbuild *b, void *obj, const char *id)
{
	char buf[128];

	snprintf(buf, sizeof(buf), "%s%s", b->prefix, id);
	gv_set(obj, "id", buf);
}

static Agraph_t *cluster_of(struct gbuild *b, size_t z)
{
	const struct rev_review *r = b->g->r;
	char name[32], id[32], *label = NULL;
	long pi = r->zones[z].policy_index;
	int err;

	if (b->view == RGRAPH_ZONES || !r->zones[z].name)
		return b->root;
	if (b->clusters[z])
		return b->clusters[z];
	snprintf(name, sizeof(name), "cluster_%zu", z);
	b->clusters[z] = agsubg(b->root, name, 1);
	if (!b->clusters[z])
		return NULL;
	hash_id("c", NULL, r->zones[z].name, id, sizeof(id));
	gv_set_id(b, b->clusters[z], id);
	if (asprintf(&label, "%s%s%s%s", r->zones[z].name, pi >= 0 ? " (" : "",
		     pi >= 0 ? pol_mode_name(r->policy->zones[pi].mode) : "", pi >= 0 ? ")" : "") < 0)
		return NULL;
	err = gv_set_label(b->clusters[z], "label", label);
	free(label);
	return err ? NULL : b->clusters[z];
}

static int zone_node_attrs(struct gbuild *b, Agnode_t *n, size_t z)
{
	const struct rev_review *r = b->g->r;
	const char *name = r->zones[z].name ? r->zones[z].name : "(no zone)";
	char id[32], *label = NULL;
	int err;

	rgraph_zone_id(r, z, id, sizeof(id));
	gv_set_id(b, n, id);
	gv_set(n, "shape", "ellipse");
	gv_set(n, "style", b->view == RGRAPH_ZONES ? "filled" : "dashed");
	gv_set(n, "fillcolor", "#f6f8fa");
	if (b->view == RGRAPH_ZONES)
		err = asprintf(&label, "%s\n%zu rows", name, r->zones[z].n_rows);
	else
		err = asprintf(&label, "zone %s", name);
	if (err < 0)
		return -ENOMEM;
	err = gv_set_label(n, "label", label);
	if (!err)
		err = gv_set_label(n, "tooltip", label);
	free(label);
	return err;
}

static int id_node_attrs(struct gbuild *b, Agnode_t *n, const struct gnode *gn)
{
	const char *zone = rev_zone_name(b->g->r, gn->zone);
	char id[32];

	hash_id("n", b->g->r->zones[gn->zone].name, gn->name, id, sizeof(id));
	gv_set_id(b, n, id);
	if (!strncmp(gn->name, "unknown:", 8))
		gv_set(n, "style", "rounded,dashed");
	if (gv_set_label(n, "label", gn->name))
		return -ENOMEM;
	char *tip = NULL;

	if (asprintf(&tip, "%s (zone %s)", gn->name, zone) < 0)
		return -ENOMEM;
	int err = gv_set_label(n, "tooltip", tip);

	free(tip);
	return err;
}

/* The Graphviz node of key @k, created in its cluster on first use. */
static Agnode_t *node_of(struct gbuild *b, size_t k)
{
	struct rgraph *g = b->g;
	size_t z = k < g->n_nodes ? g->nodes[k].zone : k - g->n_nodes;
	Agraph_t *sg;
	char name[32];
	int err;

	if (b->nodes[k])
		return b->nodes[k];
	sg = cluster_of(b, z);
	if (!sg)
		return NULL;
	snprintf(name, sizeof(name), "k%zu", k);
	b->nodes[k] = agnode(sg, name, 1);
	if (!b->nodes[k])
		return NULL;
	err = k < g->n_nodes ? id_node_attrs(b, b->nodes[k], &g->nodes[k])
			     : zone_node_attrs(b, b->nodes[k], z);
	return err ? NULL : b->nodes[k];
}

/* The HTML id of a row: "edge-ID", or "rule-N" for a rule's row. */
static void row_html_id(const struct rev_row *row, char *buf, size_t size)
{
	if (row->edge)
		snprintf(buf, size, "edge-%s", row->id);
	else
		snprintf(buf, size, "rule-%zu", row->rule_index);
}

static void port_text(const struct rev_row *row, char *buf, size_t size)
{
	uint8_t proto = row->edge ? row->edge->proto : row->rule->proto;
	uint16_t lo = row->edge ? row->edge->port : row->rule->port_lo;
	uint16_t hi = row->edge ? row->edge->port : row->rule->port_hi;

	pol_service_format(proto, lo, hi, buf, size);
}

/* Wider for more evidence: packets (by their order of magnitude) and days. */
static void line_width(uint64_t packets, size_t days, char *buf, size_t size)
{
	double w = 1.0 + fmin(log10(1.0 + (double)packets) / 2.0, 3.0) +
		   fmin((double)days, 30.0) / 10.0;

	snprintf(buf, size, "%.1f", w);
}

static int line_label(const struct gbuild *b, const struct gline *v, size_t n, char *buf,
		      size_t size)
{
	const struct rev_review *r = b->g->r;
	char port[32];

	if (b->view == RGRAPH_ZONES) {
		snprintf(buf, size, "%zu %s", n, rev_status_name(v[0].status));
		return 0;
	}
	port_text(&r->rows[v[0].row], buf, size);
	if (n > 1) {
		port_text(&r->rows[v[1].row], port, sizeof(port));
		snprintf(buf + strlen(buf), size - strlen(buf), n > 2 ? ", %s +%zu" : ", %s",
			 port, n - 2);
	}
	return 0;
}

/* One line for the run @v of @n rows with the same ends and status. */
static int line_add(struct gbuild *b, const struct gline *v, size_t n)
{
	const struct rev_review *r = b->g->r;
	const struct rev_row *first = &r->rows[v[0].row];
	Agnode_t *na = node_of(b, v[0].a), *nb = node_of(b, v[0].b);
	char id[64], href[48], label[96], width[16], *tip = NULL;
	uint64_t packets = 0;
	size_t days = 0, i;
	Agedge_t *e;
	int err;

	if (!na || !nb)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const struct prop_edge *pe = r->rows[v[i].row].edge;

		packets += pe ? pe->packets : 0;
		if (pe && pe->n_days > days)
			days = pe->n_days;
	}
	row_html_id(first, href + 1, sizeof(href) - 1);
	href[0] = '#';
	if (first->edge)
		snprintf(id, sizeof(id), "l_%s", first->id);
	else
		snprintf(id, sizeof(id), "l_rule_%zu", first->rule_index);
	e = agedge(b->root, na, nb, id, 1);
	if (!e)
		return -ENOMEM;
	gv_set_id(b, e, id);
	gv_set(e, "href", href);
	gv_set(e, "color", status_color[v[0].status]);
	gv_set(e, "fontcolor", status_color[v[0].status]);
	gv_set(e, "style", status_style[v[0].status]);
	/* between zones: wider for more rows (their packets add up to "many") */
	if (b->view == RGRAPH_ZONES)
		line_width(n, 0, width, sizeof(width));
	else
		line_width(packets, days, width, sizeof(width));
	gv_set(e, "penwidth", width);
	line_label(b, v, n, label, sizeof(label));
	/* xlabel: placed after the layout; Graphviz 2.42's dot corrupts its heap
	 * laying out labels of edges within one rank (flat_edges()) */
	if (gv_set_label(e, "xlabel", label))
		return -ENOMEM;
	if (b->view == RGRAPH_ZONES)
		err = asprintf(&tip, "%s -> %s: %zu %s, %llu packets",
			       rev_zone_name(r, first->from_zone), rev_zone_name(r, first->to_zone),
			       n, rev_status_name(v[0].status), (unsigned long long)packets);
	else
		err = asprintf(&tip, "%s -> %s %s: %s, %llu packets", first->from, first->to,
			       label, rev_status_name(v[0].status), (unsigned long long)packets);
	if (err < 0)
		return -ENOMEM;
	err = gv_set_label(e, "tooltip", tip);
	free(tip);
	return err;
}

static int lines_add(struct gbuild *b)
{
	size_t n = 0, i, j;
	struct gline *v = lines_collect(b->g, b->view, b->focus, &n);
	int err = v ? 0 : -ENOMEM;

	for (i = 0; !err && i < n; i = j) {
		for (j = i + 1; j < n && gline_same(&v[j], &v[i]); j++)
			;
		err = line_add(b, &v[i], j - i);
	}
	free(v);
	return err;
}

/* Deny borders between two zones drawn in this graph: red and dashed,
 * from cluster to cluster (lhead/ltail clip the line at their boxes). */
static int borders_add(struct gbuild *b)
{
	const struct rev_review *r = b->g->r;
	const struct pol_policy *p = r->policy;
	char id[80], a[32], c[32];
	Agnode_t *na, *nb;
	Agedge_t *e;

	for (size_t i = 0; p && i < p->n_borders; i++) {
		const struct pol_border *bd = &p->borders[i];

		if (bd->verdict != POL_BORDER_DENY || bd->from == bd->to)
			continue;
		if (!b->clusters[bd->from] && !b->nodes[b->g->n_nodes + bd->from])
			continue;
		if (!b->clusters[bd->to] && !b->nodes[b->g->n_nodes + bd->to])
			continue;
		na = node_of(b, b->g->n_nodes + bd->from);
		nb = node_of(b, b->g->n_nodes + bd->to);
		if (!na || !nb)
			return -ENOMEM;
		rgraph_zone_id(r, bd->from, a, sizeof(a));
		rgraph_zone_id(r, bd->to, c, sizeof(c));
		snprintf(id, sizeof(id), "b_%s_%s", a + 2, c + 2);
		e = agedge(b->root, na, nb, id, 1);
		if (!e)
			return -ENOMEM;
		gv_set_id(b, e, id);
		gv_set(e, "color", "#cf222e");
		gv_set(e, "fontcolor", "#cf222e");
		gv_set(e, "style", "dashed");
		gv_set(e, "penwidth", "2");
		gv_set(e, "arrowhead", "tee");
		gv_set(e, "xlabel", "deny");
		gv_set(e, "constraint", "false");
		if (b->clusters[bd->from] && b->clusters[bd->to]) {
			snprintf(a, sizeof(a), "cluster_%zu", bd->from);
			snprintf(c, sizeof(c), "cluster_%zu", bd->to);
			gv_set(e, "ltail", a);
			gv_set(e, "lhead", c);
		}
	}
	return 0;
}

static void graph_defaults(Agraph_t *root, enum rgraph_view view, const char *id)
{
	gv_set(root, "id", id);
	gv_set(root, "rankdir", "LR");
	gv_set(root, "compound", "true");
	gv_set(root, "fontname", "Helvetica");
	gv_set(root, "nodesep", "0.3");
	gv_set(root, "style", "rounded");
	gv_set(root, "bgcolor", "white");
	agattr(root, AGNODE, (char *)"shape", (char *)"box");
	agattr(root, AGNODE, (char *)"style", (char *)"rounded");
	agattr(root, AGNODE, (char *)"fontname", (char *)"Helvetica");
	agattr(root, AGNODE, (char *)"fontsize", (char *)"11");
	agattr(root, AGEDGE, (char *)"fontname", (char *)"Helvetica");
	agattr(root, AGEDGE, (char *)"fontsize", (char *)"9");
	agattr(root, AGEDGE, (char *)"arrowsize", (char *)"0.6");
}

static int graph_build(struct gbuild *b)
{
	const struct rev_review *r = b->g->r;
	char id[48];
	int err;

	if (b->view == RGRAPH_ZONES)
		snprintf(id, sizeof(id), "graph_zones");
	else if (b->focus == RGRAPH_ALL)
		snprintf(id, sizeof(id), "graph_identities");
	else if (b->view == RGRAPH_ZONE_INNER)
		rgraph_zone_id(r, b->focus, id + 12, sizeof(id) - 12), memcpy(id, "graph_inner_", 12);
	else
		rgraph_zone_id(r, b->focus, id + 6, sizeof(id) - 6), memcpy(id, "graph_", 6);
	b->root = agopen((char *)"zonewall", Agdirected, NULL);
	if (!b->root)
		return -ENOMEM;
	graph_defaults(b->root, b->view, id);
	err = lines_add(b);
	return err ? err : borders_add(b);
}

static int graph_render(struct rgraph *g, Agraph_t *root, char **svg, size_t *len)
{
	unsigned int n = 0;
	char *data = NULL;
	int err = 0;

	if (gvLayout(g->gvc, root, "dot"))
		return -EIO;
	if (gvRenderData(g->gvc, root, "svg", &data, &n) || !data) {
		err = -EIO;
		goto out_layout;
	}
	*svg = malloc((size_t)n + 1);
	if (!*svg) {
		err = -ENOMEM;
		goto out_data;
	}
	memcpy(*svg, data, n);
	(*svg)[n] = '\0';
	*len = n;
out_data:
	gvFreeRenderData(data);
out_layout:
	gvFreeLayout(g->gvc, root);
	return err;
}

int rgraph_svg(struct rgraph *g, enum rgraph_view view, size_t zone, char **svg, size_t *len)
{
	size_t nk = g->n_nodes + g->r->n_zones;
	struct gbuild b = { .g = g, .view = view, .focus = zone };
	int err;

	if (zone != RGRAPH_ALL) {
		rgraph_zone_id(g->r, zone, b.prefix, sizeof(b.prefix) - 1);
		strcat(b.prefix, "-");
	}
	b.clusters = calloc(g->r->n_zones + 1, sizeof(*b.clusters));
	b.nodes = calloc(nk + 1, sizeof(*b.nodes));
	err = b.clusters && b.nodes ? graph_build(&b) : -ENOMEM;
	if (!err)
		err = graph_render(g, b.root, svg, len);
	if (b.root)
		agclose(b.root);
	free(b.nodes);
	free(b.clusters);
	return err;
}

/*
 * Graphviz 2.42's dot layout loses memory that gvFreeLayout() does not free
 * (the virtual edges of clusters), and fontconfig and pango keep caches for
 * the process: none of it ours, and under LeakSanitizer every command that
 * draws a graph would fail on them.  Only built with AddressSanitizer.
 */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ZW_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(ZW_ASAN)
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	/* gmalloc() and grealloc() are libgvc's allocators for layout data (the
	 * stacks stop there, its libraries have no frame pointers); our graphs
	 * are cgraph's, allocated elsewhere, so a graph we fail to close still
	 * shows */
	return "leak:gmalloc\nleak:grealloc\nleak:libgvplugin_dot_layout.so\n"
	       "leak:libgvplugin_pango.so\nleak:libfontconfig.so\nleak:libpango\n"
	       "leak:libglib-2.0.so\n";
}
#endif

struct rgraph *rgraph_new(const struct rev_review *r)
{
	struct rgraph *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->r = r;
	agseterrf(gv_quiet);
	agseterr(AGMAX);
	if (!gv_context)
		gv_context = gvContext();
	g->gvc = gv_context;
	if (!g->gvc || nodes_collect(g)) {
		rgraph_free(g);
		errno = ENOMEM;
		return NULL;
	}
	return g;
}

void rgraph_free(struct rgraph *g)
{
	if (!g)
		return;
	free(g->nodes);
	free(g);
}
