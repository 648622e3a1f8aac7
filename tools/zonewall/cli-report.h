/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_CLI_REPORT_H
#define ZONEWALL_CLI_REPORT_H

/*
 * The renderings of the review model that write files: the HTML report of
 * `review --html` and the graph of `export --format svg`.
 */

#include "zonewall/policy.h"
#include "zonewall/proposal.h"

/**
 * clir_review_html() - the HTML report of @s judged against @p (NULL: none)
 * to @out ("-": stdout; else written atomically).  @proposal and @policy are
 * the paths the page's approve commands name.
 * Return: CLI_OK, or CLI_FAIL with the reason printed.
 */
int clir_review_html(const struct prop_set *s, const struct pol_policy *p, const char *proposal,
		     const char *policy, const char *out);

/**
 * clir_export_svg() - the graph of @s judged against @p, or of the policy
 * @p alone when @s is NULL, as an SVG document on stdout: the identities,
 * or past the size a person reads (RGRAPH_IDS_MAX) the zones.
 * Return: CLI_OK, or CLI_FAIL with the reason printed.
 */
int clir_export_svg(const struct prop_set *s, const struct pol_policy *p);

#endif
