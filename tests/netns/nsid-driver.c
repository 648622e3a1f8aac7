// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Test driver for tests/netns/nsid.sh:
 *   nsid-driver PID MAC   prints "VETH BRIDGE" ("-" for no bridge), the
 *                         host-side veth of PID's interface with MAC found
 *                         by nsid_port_find(), or the error and exits 1
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/nsid.h"

int main(int argc, char **argv)
{
	char veth[16], bridge[16];
	int nsid, rc;

	if (argc != 3)
		return 2;
	nsid = nsid_of_pid(atoi(argv[1]));
	if (nsid < 0) {
		fprintf(stderr, "nsid_of_pid: %s\n", strerror(-nsid));
		return 1;
	}
	rc = nsid_port_find(nsid, argv[2], veth, sizeof(veth), bridge, sizeof(bridge));
	if (rc) {
		fprintf(stderr, "nsid_port_find: %s\n", strerror(-rc));
		return 1;
	}
	printf("%s %s\n", veth, bridge[0] ? bridge : "-");
	return 0;
}
