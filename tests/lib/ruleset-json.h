/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_TESTS_RULESET_JSON_H
#define ZONEWALL_TESTS_RULESET_JSON_H

/*
 * Test fixtures for the ruleset model: a JSON description turned into an
 * rs_ruleset through the public builders only (tests, not product code).
 *
 * {"tables": [{"family": "inet", "name": "zonewall", "origin": "...",
 *   "sets": [{"name": "allow4", "type": ["ipv4_addr", "ipv4_addr"],
 *             "interval": false, "map": false, "size": 0, "origin": "...",
 *             "elements": [{"key": ["10.0.0.1", "10.0.0.2"],
 *                           "verdict": "jump web", "origin": "..."}]}],
 *   "chains": [{"name": "forward", "hook": "forward", "prio": -5,
 *               "policy": "accept", "origin": "...",
 *               "rules": [{"comment": "...", "origin": "...", "stmts": [
 *                 {"match": "ct state", "value": "established,related"},
 *                 {"match": "ip saddr", "value": "10.0.0.0/8", "neg": true},
 *                 {"lookup": ["ip saddr", "ip daddr"], "set": "allow4", "neg": false},
 *                 {"vmap": ["ip saddr"], "map": "src4"},
 *                 {"counter": true}, {"limit": 10, "burst": 5},
 *                 {"log": 3, "prefix": "zw "}, {"verdict": "jump web"}]}]}]}]}
 */

#include <jansson.h>
#include "zonewall/ruleset.h"

/* Build the model; on failure NULL and a message in @err. */
struct rs_ruleset *fixture_ruleset(const json_t *root, char *err, size_t errlen);

/* Parse "accept", "drop", "return", "jump X", "goto X". Return: 0 or -EINVAL. */
int fixture_verdict(const char *text, enum rs_verdict_code *code, const char **chain);

#endif
