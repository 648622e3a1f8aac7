// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Test driver for tests/netns/link-monitor.sh: opens a link monitor, then
 * for each argument runs it as a shell command (the test's own `ip link`
 * witness steps; product code never does this) and drains what the
 * kernel notified, printing one line per step:
 *   <step> seen <N> bridge_news <M>
 * rtnetlink notifies inside the request, so once the command has
 * returned its notifications are queued: no waiting.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/link.h"

int main(int argc, char **argv)
{
	struct link_monitor *m;
	int seen, err = link_monitor_open(&m);

	if (err) {
		fprintf(stderr, "link_monitor_open: %s\n", strerror(-err));
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		if (system(argv[i]) != 0) {
			fprintf(stderr, "step %d failed: %s\n", i, argv[i]);
			link_monitor_free(m);
			return 1;
		}
		seen = link_monitor_drain(m);
		printf("%d seen %d bridge_news %d\n", i, seen, link_monitor_bridge_news(m));
	}
	link_monitor_free(m);
	return 0;
}
