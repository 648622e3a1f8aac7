// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Test driver for tests/netns/nsid.sh:
 *   nsid-driver PID MAC   prints "VETH BRIDGE" ("-" for no bridge), the
 *                         host-side veth of PID's interface with MAC found
 *                         by nsid_port_find(), or the error and exits 1
 *   nsid-driver ports PID prints, one line per veth of PID's namespace
 *                         whose peer is here (nsid_assign_pid(),
 *                         nsid_ports_read()), sorted:
 *                         "MAC VETH BRIDGE ADDRS BRIDGE-ADDRS" (addresses
 *                         "a/len,..." sorted, "-" for none); "none" if none
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "zonewall/netns-id.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* @v[0..n) as sorted "addr/len,..." into @out, "-" when empty. */
static void addrs_text(const struct nsid_prefix *v, size_t n, char *out, size_t len)
{
	char text[NSID_PORT_ADDRS][64], *p[NSID_PORT_ADDRS], a[INET6_ADDRSTRLEN];
	size_t k = n < NSID_PORT_ADDRS ? n : NSID_PORT_ADDRS, used = 0;

	for (size_t i = 0; i < k; i++) {
		inet_ntop(v[i].family, v[i].a, a, sizeof(a));
		snprintf(text[i], sizeof(text[i]), "%s/%u", a, v[i].len);
		p[i] = text[i];
	}
	qsort(p, k, sizeof(p[0]), cmp_str);
	snprintf(out, len, "%s", k ? "" : "-");
	for (size_t i = 0; i < k; i++)
		used += (size_t)snprintf(out + used, len - used, "%s%s", i ? "," : "", p[i]);
}

static int ports(int pid)
{
	struct nsid_port v[NSID_PORTS_MAX];
	char lines[NSID_PORTS_MAX][700], *p[NSID_PORTS_MAX], a[300], b[300];
	size_t n = 0;
	int nsid = nsid_assign_pid(pid), rc;

	if (nsid < 0) {
		fprintf(stderr, "nsid_assign_pid: %s\n", strerror(-nsid));
		return 1;
	}
	rc = nsid_ports_read(nsid, v, NSID_PORTS_MAX, &n);
	if (rc) {
		fprintf(stderr, "nsid_ports_read: %s\n", strerror(-rc));
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		addrs_text(v[i].addrs, v[i].n_addrs, a, sizeof(a));
		addrs_text(v[i].br_addrs, v[i].n_br_addrs, b, sizeof(b));
		snprintf(lines[i], sizeof(lines[i]), "%s %s %s %s %s", v[i].mac, v[i].veth,
			 v[i].bridge[0] ? v[i].bridge : "-", a, b);
		p[i] = lines[i];
	}
	qsort(p, n, sizeof(p[0]), cmp_str);
	for (size_t i = 0; i < n; i++)
		printf("%s\n", p[i]);
	if (!n)
		printf("none\n");
	return 0;
}

int main(int argc, char **argv)
{
	char veth[16], bridge[16];
	int nsid, rc;

	if (argc == 3 && !strcmp(argv[1], "ports"))
		return ports(atoi(argv[2]));
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
