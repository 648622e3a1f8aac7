// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Test driver for src/nft/ and src/model/ruleset.c: fixtures in, kernel or text
 * out.  Used by tests/netns/nft-apply.sh and tests/golden/ruleset.sh.
 *
 *   nft-driver render [--replace] FIXTURE   the model as nft text
 *   nft-driver validate FIXTURE             rs_validate(); exit 2 with the problem
 *   nft-driver apply FIXTURE                one batch (no validation: the kernel judges)
 *   nft-driver update FAMILY TABLE FIXTURE add|del
 *                                           the fixture's sets' elements, incrementally
 *   nft-driver uninstall FIXTURE            delete the fixture's tables
 *   nft-driver status FAMILY TABLE          element counts and counters as JSON
 *   nft-driver probe                        kernel features
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "zonewall/nft.h"
#include "zonewall/ruleset.h"
#include "ruleset-json.h"

static struct rs_ruleset *load(const char *path)
{
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je);
	struct rs_ruleset *rs;
	char err[512] = "";

	if (!root) {
		fprintf(stderr, "%s:%d: %s\n", path, je.line, je.text);
		exit(2);
	}
	rs = fixture_ruleset(root, err, sizeof(err));
	json_decref(root);
	if (!rs) {
		fprintf(stderr, "%s: %s\n", path, err);
		exit(2);
	}
	return rs;
}

static struct nft_conn *conn(void)
{
	struct nft_conn *c = nft_open();

	if (!c) {
		fprintf(stderr, "netlink: %s\n", strerror(errno));
		exit(1);
	}
	return c;
}

static enum rs_family family(const char *s)
{
	return !strcmp(s, "bridge") ? RS_BRIDGE : RS_INET;
}

static int status(const char *fam, const char *table)
{
	struct nft_conn *c = conn();
	struct nft_status st;
	json_t *root, *sets, *rules;
	int r = nft_status_read(c, family(fam), table, &st);

	nft_close(c);
	if (r < 0) {
		fprintf(stderr, "status: %s\n", strerror(-r));
		return 1;
	}
	sets = json_object();
	rules = json_array();
	for (size_t i = 0; i < st.n_sets; i++)
		json_object_set_new(sets, st.sets[i].name, json_integer(st.sets[i].elements));
	for (size_t i = 0; i < st.n_rules; i++)
		json_array_append_new(rules, json_pack("{s:s, s:s, s:b, s:I, s:I}",
			"chain", st.rules[i].chain, "comment", st.rules[i].comment,
			"counter", st.rules[i].has_counter, "packets", (json_int_t)st.rules[i].packets,
			"bytes", (json_int_t)st.rules[i].bytes));
	root = json_pack("{s:o, s:o}", "sets", sets, "rules", rules);
	json_dumpf(root, stdout, JSON_SORT_KEYS);
	putchar('\n');
	json_decref(root);
	nft_status_free(&st);
	return 0;
}

static int update(const char *fam, const char *table, const char *path, const char *op)
{
	struct rs_ruleset *rs = load(path);
	struct nft_conn *c = conn();
	struct nft_error e;
	int r = 0;

	for (size_t t = 0; t < rs->n_tables && r == 0; t++)
		for (size_t i = 0; i < rs->tables[t]->n_sets && r == 0; i++) {
			const struct rs_set *s = rs->tables[t]->sets[i];

			r = nft_elems_update(c, family(fam), table, strcmp(op, "del") ? s : NULL,
					     strcmp(op, "del") ? NULL : s, &e);
		}
	if (r < 0)
		fprintf(stderr, "%s\n", e.text);
	nft_close(c);
	rs_ruleset_free(rs);
	return r < 0 ? 1 : 0;
}

static int probe(void)
{
	struct nft_conn *c = conn();
	struct nft_features f;
	int r = nft_probe(c, &f);

	nft_close(c);
	if (r < 0) {
		fprintf(stderr, "probe: %s\n", strerror(-r));
		return 1;
	}
	printf("br_netfilter=%d conntrack_bridge=%d", f.br_netfilter, f.conntrack_bridge);
	if (!f.conntrack_bridge)
		printf(" (%s)", strerror(-f.conntrack_bridge_err));
	putchar('\n');
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: nft-driver render|validate|apply|update|uninstall|status|probe ...\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct rs_ruleset *rs;
	struct nft_error e;
	int r;

	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "probe"))
		return probe();
	if (!strcmp(argv[1], "status") && argc == 4)
		return status(argv[2], argv[3]);
	if (!strcmp(argv[1], "update") && argc == 6)
		return update(argv[2], argv[3], argv[4], argv[5]);
	if (!strcmp(argv[1], "render") && argc >= 3) {
		bool replace = argc == 4 && !strcmp(argv[2], "--replace");
		char *text;

		rs = load(argv[argc - 1]);
		text = rs_render_text(rs, replace ? RS_RENDER_REPLACE : 0);
		fputs(text ? text : "", stdout);
		free(text);
		rs_ruleset_free(rs);
		return text ? 0 : 1;
	}
	if (argc != 3)
		return usage();
	rs = load(argv[2]);
	if (!strcmp(argv[1], "validate")) {
		char err[DIAG_LINE_MAX];
		struct diags d;

		r = rs_validate(rs, &d);
		diags_summary(&d, err, sizeof(err));
		if (r < 0)
			fprintf(stderr, "%s\n", err);
		rs_ruleset_free(rs);
		return r < 0 ? 2 : 0;
	}
	if (!strcmp(argv[1], "apply") || !strcmp(argv[1], "uninstall")) {
		struct nft_conn *c = conn();

		r = !strcmp(argv[1], "apply") ? nft_apply(c, rs, &e) : nft_uninstall(c, rs, &e);
		if (r < 0)
			fprintf(stderr, "%s\n", e.text);
		nft_close(c);
		rs_ruleset_free(rs);
		return r < 0 ? 1 : 0;
	}
	rs_ruleset_free(rs);
	return usage();
}
