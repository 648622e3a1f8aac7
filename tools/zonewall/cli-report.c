// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * review --html and export --format svg (cli-report.h).
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli-report.h"
#include "zonewall/fileio.h"
#include "zonewall/report-graph.h"
#include "zonewall/report-html.h"
#include "zonewall/review.h"

static const char *report_error(int err)
{
	return err == -EIO ? "Graphviz could not lay out or render the graph" : strerror(-err);
}

static int html_out(const char *out, const char *buf, size_t len)
{
	int err;

	if (strcmp(out, "-")) {
		err = fio_write_atomic(out, buf, len);
		return err ? cli_fail("review", "cannot write %s: %s", out, fio_strerror(err))
			   : CLI_OK;
	}
	if (fwrite(buf, 1, len, stdout) != len || fflush(stdout))
		return cli_fail("review", "cannot write output: %s", strerror(errno));
	return CLI_OK;
}

int clir_review_html(const struct prop_set *s, const struct pol_policy *p, const char *proposal,
		     const char *policy, const char *out)
{
	struct rev_review *r = rev_build(s, p);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = NULL;
	int err = -ENOMEM, status;

	if (r)
		f = open_memstream(&buf, &len);
	if (f) {
		err = rhtml_write(f, r, proposal, policy);
		if (fclose(f) && !err)
			err = -ENOMEM;
	}
	rev_free(r);
	status = err ? cli_fail("review", "cannot make the report: %s", report_error(err))
		     : html_out(out, buf, len);
	free(buf);
	return status;
}

int clir_export_svg(const struct prop_set *s, const struct pol_policy *p)
{
	struct rev_review *r = s ? rev_build(s, p) : rev_build_policy(p);
	struct rgraph *g = r ? rgraph_new(r) : NULL;
	enum rgraph_view view = RGRAPH_IDENTITIES;
	char *svg = NULL;
	size_t len = 0;
	int err = -ENOMEM, status = CLI_OK;

	if (g) {
		if (!rgraph_fits(g, RGRAPH_IDENTITIES, RGRAPH_ALL))
			view = RGRAPH_ZONES;
		err = rgraph_svg(g, view, RGRAPH_ALL, &svg, &len);
	}
	if (err)
		status = cli_fail("export", "cannot draw the graph: %s", report_error(err));
	else if (fwrite(svg, 1, len, stdout) != len || fflush(stdout))
		status = cli_fail("export", "cannot write output: %s", strerror(errno));
	free(svg);
	rgraph_free(g);
	rev_free(r);
	return status;
}
