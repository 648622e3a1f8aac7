// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Benchmark helper (tests/bench/fleet-scale): HOSTS simulated fleet hosts
 * on etcd, each as a daemon would be to its peers: a report under
 * PREFIX/hosts/HOST and ENDPOINTS endpoint records (the records a daemon
 * writes for its containers, made by the same fleet_endpoint_record()),
 * all on the host's lease, renewed at a third of TTL.  They do not watch.
 *
 * Then commands on stdin, one per line, each answered on stdout:
 *   start H ADDR   a container of host H at ADDR (zone data) starts: its
 *                  record is put; answers "t0 SECONDS.MICROS" (the wall
 *                  clock just before the put) once etcd acknowledged it
 *   stop H ADDR    its record deleted; answers "ok"
 * End of input ends it (the leases are revoked: the hosts leave at once).
 *
 * Usage: fleet-sim etcd://HOST:PORT[,...] PREFIX HOSTS ENDPOINTS TTL
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/time.h>

#include "zonewall/compile.h"
#include "zonewall/fleet.h"
#include "zonewall/loop.h"

struct sim {
	struct etcd *e;
	const char *prefix;
	int64_t *lease;			/* 0: not granted yet */
	size_t hosts;
	long ttl;
	uint64_t renewed;		/* loop_now_ms() of the last renewal */
};

static void sim_fail(const char *what, int rc, const struct diags *d)
{
	fprintf(stderr, "fleet-sim: %s: %s%s%s\n", what, strerror(-rc), d->n ? ": " : "",
		d->n ? d->v[0].msg : "");
	exit(1);
}

/* The record of host @h's container @addr, as its daemon would put it. */
static int sim_record(const struct sim *s, size_t h, const char *addr, char **key, char **value)
{
	struct cmp_snapshot *snap = cmp_snap_new();
	struct cmp_workload *w;
	char host[32], id[32], origin[64];
	int rc;

	snprintf(host, sizeof(host), "sim-%zu", h);
	snprintf(id, sizeof(id), "sim/app-%zu", h % 10);
	snprintf(origin, sizeof(origin), "container %s (000000000000)", addr);
	w = snap ? cmp_snap_add(snap, id, NULL, origin) : NULL;
	rc = w ? cmp_workload_add_label(w, "zonewall.zone", "data") : -ENOMEM;
	if (!rc)
		rc = cmp_workload_add_network(w, "sim");
	if (!rc)
		rc = cmp_workload_add_addr(w, addr);
	if (!rc)
		rc = fleet_endpoint_record(s->prefix, host, w, key, value);
	cmp_snap_free(snap);
	return rc;
}

static int sim_put(const struct sim *s, size_t h, const char *addr, struct diags *d)
{
	char *key = NULL, *value = NULL;
	int rc = sim_record(s, h, addr, &key, &value);

	if (!rc) {
		struct etcd_put p = { key, value, strlen(value), s->lease[h] };

		rc = etcd_put(s->e, &p, d);
	}
	free(key);
	free(value);
	return rc;
}

/* Renew the leases granted so far, every third of the TTL (also while
 * the hosts come up: thousands of puts can take longer than a TTL). */
static void sim_renew(struct sim *s)
{
	struct diags d;
	int rc;

	if (loop_now_ms() - s->renewed < (uint64_t)s->ttl * 1000 / 3)
		return;
	diags_init(&d);
	for (size_t h = 0; h < s->hosts; h++)
		if (s->lease[h] && (rc = etcd_lease_keepalive(s->e, s->lease[h], &d)))
			sim_fail("renewal", rc, &d);
	s->renewed = loop_now_ms();
}

static void sim_host_up(struct sim *s, size_t h, size_t endpoints)
{
	struct fleet_host r = { .epoch = 0, .endpoints = endpoints, .pid = getpid() };
	char addr[32];
	struct diags d;
	int rc;

	diags_init(&d);
	snprintf(r.host, sizeof(r.host), "sim-%zu", h);
	snprintf(r.mode, sizeof(r.mode), "enforce");
	snprintf(r.state, sizeof(r.state), "ready");
	if ((rc = etcd_lease_grant(s->e, s->ttl, &s->lease[h], &d)) ||
	    (rc = fleet_host_publish(s->e, s->prefix, &r, s->lease[h], &d)))
		sim_fail("a host's lease and report", rc, &d);
	for (size_t i = 0; i < endpoints; i++) {
		snprintf(addr, sizeof(addr), "10.%zu.%zu.%zu", 100 + h, i / 250, i % 250 + 1);
		if ((rc = sim_put(s, h, addr, &d)))
			sim_fail("an endpoint record", rc, &d);
		sim_renew(s);
	}
}

static void sim_command(struct sim *s, char *line)
{
	char verb[16], addr[64], key[256];
	struct timeval tv;
	struct diags d;
	size_t h;
	int rc;

	diags_init(&d);
	if (sscanf(line, "%15s %zu %63s", verb, &h, addr) != 3 || h >= s->hosts) {
		printf("error: %s", line);
		return;
	}
	gettimeofday(&tv, NULL);
	if (!strcmp(verb, "start")) {
		if ((rc = sim_put(s, h, addr, &d)))
			sim_fail("start", rc, &d);
		printf("t0 %lld.%06ld\n", (long long)tv.tv_sec, (long)tv.tv_usec);
	} else {
		snprintf(key, sizeof(key), "%s/endpoints/sim-%zu/%s", s->prefix, h, addr);
		if ((rc = etcd_delete(s->e, key, false, &d)))
			sim_fail("stop", rc, &d);
		printf("ok\n");
	}
}

int main(int argc, char **argv)
{
	struct sim s = { .prefix = argc > 2 ? argv[2] : "" };
	struct etcd_conf c = { .n = 0 };
	struct diags d;
	char line[256];
	size_t endpoints;
	int rc;

	if (argc != 6) {
		fprintf(stderr, "usage: fleet-sim etcd://HOST:PORT PREFIX HOSTS ENDPOINTS TTL\n");
		return 2;
	}
	diags_init(&d);
	s.hosts = strtoul(argv[3], NULL, 10);
	endpoints = strtoul(argv[4], NULL, 10);
	s.ttl = strtol(argv[5], NULL, 10);
	s.lease = calloc(s.hosts ? s.hosts : 1, sizeof(*s.lease));
	if ((rc = etcd_url_parse(&c, argv[1], &d)) || (rc = etcd_open(&c, &s.e)) || !s.lease)
		sim_fail("etcd", rc ? rc : -ENOMEM, &d);
	s.renewed = loop_now_ms();
	for (size_t h = 0; h < s.hosts; h++)
		sim_host_up(&s, h, endpoints);
	printf("ready %zu\n", s.hosts * endpoints);
	fflush(stdout);
	for (;;) {
		struct pollfd p = { .fd = 0, .events = POLLIN };

		if (poll(&p, 1, 1000) > 0) {
			if (!fgets(line, sizeof(line), stdin))
				break;
			sim_command(&s, line);
			fflush(stdout);
		}
		sim_renew(&s);
	}
	for (size_t h = 0; h < s.hosts; h++)
		etcd_lease_revoke(s.e, s.lease[h], &d);
	etcd_close(s.e);
	free(s.lease);
	return 0;
}
