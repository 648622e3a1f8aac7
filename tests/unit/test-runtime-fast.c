// SPDX-License-Identifier: GPL-2.0-or-later
/* A restarted container's record from the kernel's view (src/runtime/runtime-fast.c):
 * the pure builder on ports as nsid_ports_read() gives them, and the pidfile
 * path the inspect parser derives for Podman. */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "rt-oneline.h"
#include "tap.h"
#include "zonewall/netns-id.h"
#include "zonewall/runtime.h"

static struct nsid_prefix pfx(const char *text, unsigned int len)
{
	struct nsid_prefix p = { .len = len };

	p.family = strchr(text, ':') ? AF_INET6 : AF_INET;
	inet_pton(p.family, text, p.a);
	return p;
}

/* A port on @bridge (gateway @gw/@gwlen) with the container side's @addr/@len. */
static struct nsid_port port(const char *bridge, const char *veth, const char *mac,
			     const char *gw, unsigned int gwlen, const char *addr, unsigned int len)
{
	struct nsid_port p = { .n_addrs = 0 };

	snprintf(p.bridge, sizeof(p.bridge), "%s", bridge);
	snprintf(p.veth, sizeof(p.veth), "%s", veth);
	snprintf(p.mac, sizeof(p.mac), "%s", mac);
	if (gw) {
		p.br_addrs[0] = pfx(gw, gwlen);
		p.n_br_addrs = 1;
	}
	if (addr) {
		p.addrs[0] = pfx(addr, len);
		p.n_addrs = 1;
	}
	return p;
}

static void add_addr(struct nsid_port *p, const char *addr, unsigned int len, bool bridge)
{
	if (bridge)
		p->br_addrs[p->n_br_addrs++] = pfx(addr, len);
	else
		p->addrs[p->n_addrs++] = pfx(addr, len);
}

/* The record a running container had: one network "front" on podman1, a
 * second "back" on podman2 when @two (with IPv6 when @v6). */
static struct id_workload *prev_record(bool two, bool v6)
{
	struct id_workload *w = id_workload_new();
	struct id_net *n;

	id_workload_set(&w->id, "aaaabbbbccccddddeeeeffff0000111122223333444455556666777788889999");
	id_workload_set(&w->name, "web");
	id_workload_set(&w->image, "localhost/zwbb:latest");
	id_workload_set(&w->state, "running");
	id_workload_set(&w->runtime, "podman");
	id_workload_set(&w->pidfile, "/run/containers/storage/overlay-containers/aaaa/userdata/pidfile");
	id_workload_add_label(w, "zonewall.zone", "web");
	w->pid = 100;
	n = id_workload_add_net(w, "front");
	id_workload_set(&n->net_id, "front");
	strcpy(n->ipv4, "10.89.0.5");
	n->ipv4_prefix = 24;
	strcpy(n->gateway, "10.89.0.1");
	strcpy(n->mac, "4a:00:00:00:00:05");
	strcpy(n->veth, "veth0");
	strcpy(n->bridge, "podman1");
	if (two) {
		n = id_workload_add_net(w, "back");
		id_workload_set(&n->net_id, "back");
		strcpy(n->ipv4, "10.89.1.5");
		n->ipv4_prefix = 24;
		if (v6) {
			strcpy(n->ipv6, "fd00:1::5");
			n->ipv6_prefix = 64;
		}
		strcpy(n->mac, "4a:00:00:00:01:05");
		strcpy(n->veth, "veth1");
		strcpy(n->bridge, "podman2");
	}
	id_workload_sort(w);
	return w;
}

static void test_one_network(void)
{
	struct id_workload *prev = prev_record(false, false), *w;
	struct nsid_port p = port("podman1", "veth7", "4a:00:00:00:00:09", "10.89.0.1", 24,
				  "10.89.0.9", 24);
	char why[300] = "";

	w = t_fast_build(prev, 4242, 77, &p, 1, why, sizeof(why));
	tap_ok(w != NULL, "one network: built (%s)", why);
	if (!w)
		goto out_put;
	tap_is_str(w->nets[0].ipv4, "10.89.0.9", "the new address");
	tap_is_int(w->nets[0].ipv4_prefix, 24, "its prefix");
	tap_is_str(w->nets[0].mac, "4a:00:00:00:00:09", "the new MAC");
	tap_is_str(w->nets[0].veth, "veth7", "the new veth");
	tap_is_str(w->nets[0].bridge, "podman1", "the bridge");
	tap_is_str(w->nets[0].gateway, "10.89.0.1", "the gateway kept");
	tap_is_str(w->nets[0].net_id, "front", "the network id kept");
	tap_is_int(w->pid, 4242, "the new process");
	tap_is_str(w->state, "running", "running");
	tap_is_str(w->name, "web", "the name kept");
	tap_is_str(w->id, prev->id, "the id kept");
	tap_ok(w->n_labels == 1 && !strcmp(w->labels[0].value, "web"), "the labels kept");
	tap_is_str(w->pidfile, prev->pidfile, "the pidfile kept for the next start");
	tap_ok(w->started_ns == 77, "started at the event's time");
	tap_ok(!rt_fast_agrees(w, prev), "it does not agree with the old record");
	tap_ok(rt_fast_agrees(w, w), "it agrees with itself");
	{
		struct id_workload *c = t_fast_build(prev, 4242, 77, &p, 1, why, sizeof(why));

		c->nets[0].veth[0] = c->nets[0].bridge[0] = '\0';
		tap_ok(rt_fast_agrees(w, c), "and with an answer whose port is unknown (the process gone)");
		strcpy(c->nets[0].veth, "veth9");
		strcpy(c->nets[0].bridge, "podman1");
		tap_ok(!rt_fast_agrees(w, c), "not with one on another port");
		strcpy(c->nets[0].veth, "veth7");
		strcpy(c->nets[0].mac, "4A:00:00:00:00:09");
		tap_ok(rt_fast_agrees(w, c), "a MAC in capitals is the same MAC");
		strcpy(c->nets[0].ipv4, "10.89.0.10");
		tap_ok(!rt_fast_agrees(w, c), "another address is a disagreement");
		id_workload_put(c);
	}
	id_workload_put(w);
out_put:
	id_workload_put(prev);
}

static void test_two_networks(void)
{
	struct id_workload *prev = prev_record(true, true), *w;
	struct nsid_port p[2];
	char why[300] = "";

	/* the kernel lists them in its own order, not the record's */
	p[0] = port("podman2", "veth9", "4a:00:00:00:01:09", "10.89.1.1", 24, "10.89.1.9", 24);
	add_addr(&p[0], "fd00:1::9", 64, false);
	add_addr(&p[0], "fd00:1::1", 64, true);
	p[1] = port("podman1", "veth8", "4a:00:00:00:00:09", "10.89.0.1", 24, "10.89.0.9", 24);
	w = t_fast_build(prev, 4243, 0, p, 2, why, sizeof(why));
	tap_ok(w != NULL, "two networks, one dual-stack: built (%s)", why);
	if (w) {
		tap_ok(!strcmp(w->nets[0].name, "back") && !strcmp(w->nets[0].ipv4, "10.89.1.9") &&
		       !strcmp(w->nets[0].ipv6, "fd00:1::9") && w->nets[0].ipv6_prefix == 64 &&
		       !strcmp(w->nets[0].veth, "veth9"), "back: its port's addresses and veth");
		tap_ok(!strcmp(w->nets[1].name, "front") && !strcmp(w->nets[1].ipv4, "10.89.0.9") &&
		       !w->nets[1].ipv6[0] && !strcmp(w->nets[1].veth, "veth8"),
		       "front: its port's, no IPv6");
		id_workload_put(w);
	}
	id_workload_put(prev);
}

/* Each case: a port set the builder must refuse, and why. */
static void refuse(struct id_workload *prev, const struct nsid_port *p, size_t n, const char *what,
		   const char *why_has)
{
	char why[300] = "";
	struct id_workload *w;

	errno = 0;
	w = t_fast_build(prev, 4244, 0, p, n, why, sizeof(why));
	tap_ok(!w && errno == EAGAIN && strstr(why, why_has), "refused: %s (%s)", what, why);
	id_workload_put(w);
}

static void test_refusals(void)
{
	struct id_workload *one = prev_record(false, false), *two = prev_record(true, false);
	struct nsid_port p[3];

	refuse(one, p, 0, "no veth at all", "not the bridge ports");
	p[0] = port("podman9", "veth7", "4a:00:00:00:00:09", "10.89.9.1", 24, "10.89.9.9", 24);
	refuse(one, p, 1, "a veth on another bridge", "no single veth on bridge 'podman1'");
	p[0] = port("", "veth7", "4a:00:00:00:00:09", NULL, 0, "10.89.0.9", 24);
	refuse(one, p, 1, "a veth on no bridge", "not the bridge ports");
	p[0] = port("podman1", "veth7", "4a:00:00:00:00:09", "10.89.0.1", 24, "10.89.0.9", 24);
	p[1] = port("podman1", "veth8", "4a:00:00:00:00:0a", "10.89.0.1", 24, "10.89.0.10", 24);
	refuse(one, p, 2, "two veths where it had one", "not the bridge ports");
	refuse(two, p, 2, "two veths on the bridge of one network", "no single veth");
	p[0] = port("podman1", "veth7", "4a:00:00:00:00:09", "10.89.0.1", 24, "192.0.2.9", 24);
	refuse(one, p, 1, "an address outside the bridge's subnet", "inside its bridge's subnet");
	p[0] = port("podman1", "veth7", "4a:00:00:00:00:09", "10.89.0.1", 24, "10.89.0.1", 24);
	refuse(one, p, 1, "the gateway's own address", "inside its bridge's subnet");
	p[0] = port("podman1", "veth7", "4a:00:00:00:00:09", "10.89.0.1", 25, "10.89.0.200", 24);
	refuse(one, p, 1, "outside the bridge's /25 by the last prefix bit", "inside its bridge's subnet");
	p[0] = port("podman1", "veth7", "4a:00:00:00:00:09", NULL, 0, "10.89.0.9", 24);
	refuse(one, p, 1, "a bridge without addresses", "inside its bridge's subnet");
	p[0] = port("podman1", "veth7", "4a:00:00:00:00:09", "10.89.0.1", 24, NULL, 0);
	refuse(one, p, 1, "no address yet", "not one address per family");
	p[0] = port("podman1", "veth7", "4a:00:00:00:00:09", "10.89.0.1", 24, "10.89.0.9", 24);
	add_addr(&p[0], "10.89.0.99", 24, false);
	refuse(one, p, 1, "two IPv4 addresses", "not one address per family");
	p[0] = port("podman1", "veth7", "4a:00:00:00:00:09", "10.89.0.1", 24, "10.89.0.9", 24);
	add_addr(&p[0], "fd00::1", 64, true);
	add_addr(&p[0], "fd00::9", 64, false);
	refuse(one, p, 1, "an IPv6 address it did not have", "not one address per family");
	p[0] = port("podman1", "veth7", "4a:00:00:00:00:09", "10.89.0.1", 24, "10.89.0.9", 24);
	p[0].n_addrs = NSID_PORT_ADDRS + 3;
	refuse(one, p, 1, "more addresses than kept", "too many addresses");
	id_workload_put(one);
	id_workload_put(two);
}

/* The probe stops before any I/O for a container that had a network
 * without a bridge port (host, none): its process may be in this namespace. */
static void test_probe_no_bridge(void)
{
	struct id_workload *prev = prev_record(false, false), *w;
	char why[300] = "";

	prev->nets[0].bridge[0] = '\0';
	id_workload_set(&prev->pidfile, "/nonexistent/zonewall-test/pidfile");
	errno = 0;
	w = t_fast_probe(prev, 0, why, sizeof(why));
	tap_ok(!w && errno == EAGAIN && strstr(why, "no bridge port"),
	       "probe: a network without a bridge port refused before reading anything (%s)", why);
	id_workload_put(w);
	id_workload_put(prev);
}

static void test_pidfile(void)
{
	static const char *const good =
		"{\"Id\":\"abc\",\"Name\":\"/x\",\"State\":{\"Status\":\"running\",\"Pid\":5},"
		"\"Config\":{},\"NetworkSettings\":{},"
		"\"HostnamePath\":\"/run/containers/storage/overlay-containers/abc/userdata/hostname\"}";
	static const char *const odd[] = {
		"\"relative/userdata/hostname\"", "\"/run/x/../etc/hostname\"", "\"/run/x/hosts\"",
		"\"/hostname\"", "\"\"", "null",
	};
	char text[512], err[256];
	struct id_workload *w;

	w = t_parse_inspect(good, strlen(good), "podman", err, sizeof(err));
	tap_ok(w && w->pidfile &&
	       !strcmp(w->pidfile, "/run/containers/storage/overlay-containers/abc/userdata/pidfile"),
	       "podman: the pidfile beside HostnamePath");
	id_workload_put(w);
	w = t_parse_inspect(good, strlen(good), "docker", err, sizeof(err));
	tap_ok(w && !w->pidfile, "docker: no pidfile (its HostnamePath has none beside it)");
	id_workload_put(w);
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		snprintf(text, sizeof(text), "{\"Id\":\"abc\",\"State\":{},\"Config\":{},"
			 "\"NetworkSettings\":{},\"HostnamePath\":%s}", odd[i]);
		w = t_parse_inspect(text, strlen(text), "podman", err, sizeof(err));
		tap_ok(w && !w->pidfile, "HostnamePath %s: no pidfile, not an error", odd[i]);
		id_workload_put(w);
	}
	snprintf(text, sizeof(text), "{\"Id\":\"abc\",\"State\":{},\"Config\":{},"
		 "\"NetworkSettings\":{},\"HostnamePath\":5}");
	w = t_parse_inspect(text, strlen(text), "podman", err, sizeof(err));
	tap_ok(!w && strstr(err, "HostnamePath"), "HostnamePath of a wrong type: an error naming it (%s)",
	       err);
	id_workload_put(w);
}

int main(void)
{
	test_one_network();
	test_two_networks();
	test_refusals();
	test_probe_no_bridge();
	test_pidfile();
	return tap_done();
}
