// SPDX-License-Identifier: GPL-2.0-or-later
/* zonewall links: container-facing interfaces as a table or JSON. */

#include "config.h"

#include <string.h>

#include "cli.h"
#include "zonewall/link.h"

static const char usage[] =
	"Usage: zonewall links [--wide | --json]\n"
	"\n"
	"List this network namespace's container-facing interfaces, read over\n"
	"rtnetlink: every bridge with its ports, every veth with its bridge (if any),\n"
	"its peer's ifindex and network namespace id (when the kernel tells),\n"
	"addresses and state.  The table fits 120 columns (long lists cut with an\n"
	"ellipsis); --wide adds the MAC and the peer's namespace id, nothing cut.\n"
	"\n"
	"  -W, --wide   every column, nothing cut\n"
	"  -j, --json   print a JSON array instead of a table\n"
	"  -h, --help   show this help\n";

int cmd_links_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "wide", no_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum out_format fmt = OUT_TABLE;
	struct link_list links;
	json_t *rows;
	int c, err, status = CLI_OK;

	while ((c = cli_getopt("links", usage, argc, argv, ":jWh", opts, &status)) != -1) {
		if (c == CLI_DONE)
			return status;
		if (c == 'j')
			fmt = OUT_JSON;
		else if (c == 'W' && fmt != OUT_JSON)
			fmt = OUT_WIDE;
	}
	if (optind < argc)
		return cli_usage_error("links", "unexpected argument '%s'", argv[optind]);

	err = link_list_dump(&links);
	if (err)
		return cli_fail("links", "cannot read links over rtnetlink: %s", strerror(-err));
	rows = link_list_json(&links);
	link_list_free(&links);
	if (!rows)
		return cli_fail("links", "out of memory");
	err = out_rows_print(stdout, fmt, rows, link_columns);
	json_decref(rows);
	if (err)
		return cli_fail("links", "cannot write output: %s", strerror(-err));
	return CLI_OK;
}
