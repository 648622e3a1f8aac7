// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zonewall status: what is installed, read back from the kernel: our
 * tables, each zone's mode, element counts, the kernel path in use, and the
 * counters per zone pair (accepted, would-deny, denied).  One JSON object
 * is built; --json prints it, the table form prints its arrays.
 */

#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cli.h"
#include "cli-snapshot.h"
#include "cli-policy.h"
#include "zonewall/br-netfilter.h"
#include "zonewall/link.h"
#include "zonewall/nft.h"
#include "zonewall/owner.h"
#include "zonewall/output.h"

static const struct out_column zone_cols[] = {
	{ .key = "zone", .title = "ZONE" }, { .key = "mode", .title = "MODE" }, { .key = NULL },
};
static const struct out_column set_cols[] = {
	{ .key = "table", .title = "TABLE" }, { .key = "set", .title = "SET" }, { .key = "elements", .title = "ELEMENTS", .right = true },
	{ .key = NULL },
};
static const struct out_column pair_cols[] = {
	{ .key = "from", .title = "FROM" }, { .key = "to", .title = "TO" }, { .key = "accepted", .title = "ACCEPTED", .right = true },
	{ .key = "learned", .title = "LEARNED", .right = true }, { .key = "would_deny", .title = "WOULD-DENY", .right = true },
	{ .key = "denied", .title = "DENIED", .right = true }, { .key = "border_violations", .title = "BORDER", .right = true },
	{ .key = NULL },
};

static json_t *pair_row(json_t *pairs, const char *from, const char *to)
{
	size_t i;
	json_t *r;

	json_array_foreach(pairs, i, r)
		if (!strcmp(json_string_value(json_object_get(r, "from")), from) &&
		    !strcmp(json_string_value(json_object_get(r, "to")), to))
			return r;
	r = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "from", from, "to", to,
		      "accepted", (json_int_t)0, "learned", (json_int_t)0, "would_deny", (json_int_t)0,
		      "denied", (json_int_t)0, "border_violations", (json_int_t)0);
	json_array_append_new(pairs, r);
	return r;
}

static void add_to(json_t *o, const char *key, uint64_t v)
{
	json_object_set_new(o, key, json_integer(json_integer_value(json_object_get(o, key)) + v));
}

static void read_rules(const struct nft_status *st, json_t *root)
{
	static const char *const keys[] = { NULL, "accepted", "learned", "would_deny", "denied",
					    "spoofed", "invalid", "spoofed_passed", "group_dropped",
					    "group_passed" };
	json_t *zones = json_object_get(root, "zones"), *pairs = json_object_get(root, "pairs");
	char from[POL_ZONE_NAME_MAX + 1], to[POL_ZONE_NAME_MAX + 1], zone[64];
	enum pol_mode mode;
	bool border;

	for (size_t i = 0; i < st->n_rules; i++) {
		const struct nft_rule_stat *r = &st->rules[i];
		enum cmp_count_kind k = cmp_count_parse(r->comment, from, to, &border);
		json_t *row;

		if (!strcmp(r->chain, "zones") && cmp_zone_mode_parse(r->comment, zone, sizeof(zone), &mode)) {
			json_array_append_new(zones, json_pack("{s:s, s:s, s:b}", "zone", zone,
				"mode", pol_mode_name(mode), "default", strstr(r->comment, "(default)") != NULL));
			continue;
		}
		if (k >= CMP_COUNT_SPOOFED) {
			add_to(json_object_get(root, "totals"), keys[k], r->packets);
			continue;
		}
		if (k == CMP_COUNT_NONE)
			continue;
		row = pair_row(pairs, from, to);
		add_to(row, keys[k], r->packets);
		if (border && k != CMP_COUNT_ACCEPTED)
			add_to(row, "border_violations", r->packets);
	}
}

static int read_table(struct nft_conn *nc, enum rs_family fam, json_t *root)
{
	struct nft_status st;
	json_t *sets = json_object_get(root, "sets");
	int rc = nft_status_read(nc, fam, CMP_TABLE, &st);

	if (rc == -ENOENT)
		return 0;
	if (rc)
		return rc;
	json_array_append_new(json_object_get(root, "tables"),
			      json_sprintf("%s %s", rs_family_name(fam), CMP_TABLE));
	for (size_t i = 0; i < st.n_sets; i++)
		json_array_append_new(sets, json_pack("{s:s, s:s, s:I}", "table",
			rs_family_name(fam), "set", st.sets[i].name, "elements",
			(json_int_t)st.sets[i].elements));
	read_rules(&st, root);
	nft_status_free(&st);
	return 0;
}

/* With a br_netfilter switch off, the bridges' own flags: every bridge of the namespace
 * (status does not know which ones apply judged: the safe side, a warning too many) */
static void kernel_for_bridges(struct nft_features *f)
{
	struct link_list l;
	char *names[256];
	size_t n = 0;

	if (link_list_dump(&l) < 0)
		return;
	for (size_t i = 0; i < l.n && n < sizeof(names) / sizeof(names[0]); i++)
		if (link_is_bridge(&l.v[i]))
			names[n++] = l.v[i].name;
	brnf_features_for(f, names, n);
	link_list_free(&l);
}

static json_int_t total(json_t *root, const char *key)
{
	return json_integer_value(json_object_get(json_object_get(root, "totals"), key));
}

/* The zonewalld that controls this namespace's tables, or JSON null. */
static json_t *owner_now(void)
{
	char path[256], holder[OWN_HOLDER_MAX];

	if (own_path(path, sizeof(path)) < 0 || own_check(path, holder, sizeof(holder)) != 1)
		return json_null();
	return json_string(holder[0] ? holder : "a zonewalld (its lock says nothing more)");
}

/* "LABEL TEXT", broken at spaces into lines of OUT_TABLE_COLUMNS at most,
 * the next ones indented under TEXT. */
static void print_wrapped(const char *label, const char *text)
{
	size_t indent = strlen(label) + 1, col = indent, len;

	printf("%s ", label);
	while (*text) {
		len = strcspn(text, " ");
		if (col > indent && col + 1 + len > OUT_TABLE_COLUMNS) {
			printf("\n%*s", (int)indent, "");
			col = indent;
		} else if (col > indent) {
			putchar(' ');
			col++;
		}
		printf("%.*s", (int)len, text);
		col += len;
		text += len + strspn(text + len, " ");
	}
	putchar('\n');
}

static int print_table(json_t *root)
{
	json_t *k = json_object_get(root, "kernel");
	int rc;

	printf("tables: ");
	if (!json_array_size(json_object_get(root, "tables")))
		printf("none (zonewall is not installed)");
	for (size_t i = 0; i < json_array_size(json_object_get(root, "tables")); i++)
		printf("%s%s", i ? ", " : "",
		       json_string_value(json_array_get(json_object_get(root, "tables"), i)));
	printf("\ncontrolled by: %s\n", json_is_string(json_object_get(root, "owner")) ?
	       json_string_value(json_object_get(root, "owner")) :
	       "no running zonewalld (tables, if any, stay as the last apply left them)");
	print_wrapped("kernel path:", json_string_value(json_object_get(k, "path")));
	printf("spoofed frames dropped: %" JSON_INTEGER_FORMAT ", passed (zones not enforcing): %"
	       JSON_INTEGER_FORMAT ", invalid dropped: %" JSON_INTEGER_FORMAT "\n",
	       total(root, "spoofed"), total(root, "spoofed_passed"), total(root, "invalid"));
	printf("broadcast/multicast IP between containers dropped: %" JSON_INTEGER_FORMAT
	       ", passed (zones not enforcing): %" JSON_INTEGER_FORMAT "\n\n",
	       total(root, "group_dropped"), total(root, "group_passed"));
	if ((rc = out_rows_print(stdout, OUT_TABLE, json_object_get(root, "zones"), zone_cols)))
		return rc;
	putchar('\n');
	/* the counters sit behind the established-accept rule: one count per
	 * connection, but a dropped attempt is new again at each retry */
	printf("connections per zone pair (a refused attempt counts once per retry):\n");
	if ((rc = out_rows_print(stdout, OUT_TABLE, json_object_get(root, "pairs"), pair_cols)))
		return rc;
	putchar('\n');
	return out_rows_print(stdout, OUT_TABLE, json_object_get(root, "sets"), set_cols);
}

static const char usage[] =
	"Usage: zonewall status [--json]\n"
	"\n"
	"Read our tables back from the kernel: the mode of each zone, the kernel path\n"
	"enforcing same-bridge traffic (or what cannot be enforced), counters per zone\n"
	"pair (accepted, learned, would-deny, denied, border violations), spoofed frames\n"
	"dropped, and the element count of every set.  The zone-pair counters count\n"
	"connections (their first packets: established traffic passes before them);\n"
	"a refused attempt counts once per retry.\n"
	"\n"
	"  -j, --json   print one JSON object\n"
	"  -h, --help   show this help\n"
	"\n"
	"Exit status: 0 zonewall's tables are installed; 1 they are not (or cannot\n"
	"be read): a script can tell \"nothing installed\" from \"nothing refused\".\n";

int cmd_status_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct nft_features f = { 0 };
	struct nft_conn *nc;
	bool json = false, enforced = false;
	const char *path;
	json_t *root;
	int c, rc, status = CLI_OK;

	while ((c = cli_getopt("status", usage, argc, argv, ":jh", opts, &status)) != -1) {
		if (c == CLI_DONE)
			return status;
		json = true;
	}
	if (optind < argc)
		return cli_usage_error("status", "unexpected argument '%s'", argv[optind]);
	nc = nft_open();
	if (!nc)
		return cli_fail("status", "cannot open nf_tables netlink: %s", strerror(errno));
	rc = nft_probe(nc, &f);
	if (rc == 0)
		kernel_for_bridges(&f);
	/* before the pack: its arguments' order of evaluation is unspecified, and
	 * same_bridge_enforced was read before nft_kernel_path() had set it */
	path = rc ? "unknown (probe failed)" : nft_kernel_path(&f, &enforced);
	root = json_pack("{s:[], s:{s:b, s:b, s:b, s:s, s:b}, s:[], s:[], s:[], s:{s:I, s:I, s:I, s:I, s:I}}",
			 "tables", "kernel", "br_netfilter", f.br_netfilter, "br_netfilter_ipv6",
			 f.br_netfilter6, "conntrack_bridge", f.conntrack_bridge, "path", path,
			 "same_bridge_enforced", enforced, "zones", "pairs", "sets", "totals",
			 "spoofed", (json_int_t)0, "invalid", (json_int_t)0, "spoofed_passed", (json_int_t)0,
			 "group_dropped", (json_int_t)0, "group_passed", (json_int_t)0);
	if (!root) {
		nft_close(nc);
		return cli_fail("status", "out of memory");
	}
	json_object_set_new(root, "owner", owner_now());
	rc = read_table(nc, RS_INET, root);
	if (rc == 0)
		rc = read_table(nc, RS_BRIDGE, root);
	nft_close(nc);
	if (rc)
		status = cli_fail("status", "cannot read our tables: %s", strerror(-rc));
	else if (json)
		status = clip_json_print(root) ? cli_fail("status", "cannot write output") : CLI_OK;
	else if (print_table(root))
		status = cli_fail("status", "cannot write output");
	if (status == CLI_OK && !json_array_size(json_object_get(root, "tables")))
		status = CLI_FAIL;	/* said above: "none (zonewall is not installed)" */
	json_decref(root);
	return status;
}
