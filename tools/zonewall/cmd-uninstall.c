// SPDX-License-Identifier: GPL-2.0-or-later
/* zonewall uninstall: delete our tables, and nothing else. */

#include "config.h"

#include <errno.h>
#include <string.h>

#include "cli.h"
#include "cli-snapshot.h"
#include "zonewall/compile.h"
#include "zonewall/nft.h"

static const char usage[] =
	"Usage: zonewall uninstall [--force]\n"
	"\n"
	"Delete table inet zonewall and table bridge zonewall in one transaction.\n"
	"Absent tables are not an error; no other table is touched.  Refused while a\n"
	"zonewalld in monitor or enforce mode runs in this network namespace, unless\n"
	"--force.\n"
	"\n"
	"  -f, --force  delete them even while a zonewalld controls them\n"
	"  -h, --help   show this help\n";

int cmd_uninstall_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool force = false;
	struct rs_ruleset *rs;
	struct nft_error e;
	struct nft_conn *nc;
	int c, rc, status = CLI_OK;

	while ((c = cli_getopt("uninstall", usage, argc, argv, ":hf", opts, &status)) != -1) {
		if (c == CLI_DONE)
			return status;
		if (c == 'f')
			force = true;
	}
	if (optind < argc)
		return cli_usage_error("uninstall", "unexpected argument '%s'", argv[optind]);
	if (clie_owner_check("uninstall", force) != CLI_OK)
		return CLI_FAIL;
	rs = cmp_empty_ruleset();
	if (!rs)
		return cli_fail("uninstall", "out of memory");
	nc = nft_open();
	if (!nc) {
		rs_ruleset_free(rs);
		return cli_fail("uninstall", "cannot open nf_tables netlink: %s", strerror(errno));
	}
	rc = nft_uninstall(nc, rs, &e);
	nft_close(nc);
	rs_ruleset_free(rs);
	if (rc)
		return cli_fail("uninstall", "%s", e.text[0] ? e.text : strerror(-rc));
	printf("removed table inet %s and table bridge %s (if present)\n", CMP_TABLE, CMP_TABLE);
	return CLI_OK;
}
