// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A restarted container's record from the kernel, before its inspect.
 *
 * Podman holds a container's lock through `podman start`, and its API
 * answers an inspect only once the lock is free: tens of milliseconds
 * under load, while the container already runs on a new address (Podman
 * gives a restarted container a new namespace, MAC and address) that the
 * firewall still treats as the default zone's.  Everything the enforcer
 * needs is already in the kernel when the start event is written: the
 * main process's PID in the runtime's pidfile, its network namespace, the
 * veths there with their addresses, and their peers on our bridges.  With
 * the container's previous record for what the kernel cannot tell (its
 * identity, labels, networks), that is the new record.  The inspect stays
 * authoritative: its answer replaces this one (see the mapper).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "zonewall/diag.h"
#include "zonewall/fileio.h"
#include "zonewall/netns-id.h"
#include "zonewall/runtime.h"
#include "zonewall/hardening.h"

__attribute__((format(printf, 2, 3)))
static struct id_workload *rt_fast_refuse(struct diags *why, const char *fmt, ...)
{
	char msg[sizeof(why->v[0].msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_add(why, "", "%s", msg);
	errno = EAGAIN;
	return NULL;
}

/* Is @a inside a subnet of one of the bridge's own addresses @br[0..n), and not one of them? */
static bool rt_fast_in_subnet(const struct nsid_prefix *a, const struct nsid_prefix *br, size_t n)
{
	bool inside = false;

	for (size_t i = 0; i < n && i < NSID_PORT_ADDRS; i++) {
		unsigned int bits = br[i].len, full = bits / 8;

		if (br[i].family != a->family || bits > (a->family == AF_INET ? 32u : 128u))
			continue;
		if (!memcmp(br[i].a, a->a, sizeof(a->a)))
			return false;	/* the gateway's own address */
		if (bits == 0 || memcmp(br[i].a, a->a, full))
			continue;
		if (bits % 8 && (br[i].a[full] ^ a->a[full]) & (0xff00 >> bits % 8))
			continue;
		inside = true;
	}
	return inside;
}

/* Fill @net's addresses from @p, which must hold exactly the families
 * @prev had (@want4, @want6), one address each, inside its bridge's subnets. */
static int rt_fast_addrs(struct id_net *net, const struct nsid_port *p, bool want4, bool want6)
{
	size_t n4 = 0, n6 = 0;

	if (p->n_addrs > NSID_PORT_ADDRS)
		return -E2BIG;
	for (size_t i = 0; i < p->n_addrs; i++) {
		const struct nsid_prefix *a = &p->addrs[i];
		char *text = a->family == AF_INET ? net->ipv4 : net->ipv6;

		if (!rt_fast_in_subnet(a, p->br_addrs, p->n_br_addrs))
			return -EADDRNOTAVAIL;
		if (!inet_ntop(a->family, a->a, text, INET6_ADDRSTRLEN))
			return -EINVAL;
		if (a->family == AF_INET) {
			net->ipv4_prefix = a->len;
			n4++;
		} else {
			net->ipv6_prefix = a->len;
			n6++;
		}
	}
	return n4 == (want4 ? 1u : 0u) && n6 == (want6 ? 1u : 0u) ? 0 : -EADDRNOTAVAIL;
}

/* The one port in @ports[0..n) on @bridge, or NULL (none, or several). */
static const struct nsid_port *rt_fast_port(const struct nsid_port *ports, size_t n,
					    const char *bridge)
{
	const struct nsid_port *hit = NULL;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(ports[i].bridge, bridge))
			continue;
		if (hit)
			return NULL;
		hit = &ports[i];
	}
	return hit;
}

/* @prev's identity fields, copied into a new running record for @pid. */
static struct id_workload *rt_fast_copy(const struct id_workload *prev, int pid, int64_t started_ns)
{
	struct id_workload *w = id_workload_new();

	if (!w)
		return NULL;
	if (id_workload_set(&w->id, prev->id) || id_workload_set(&w->name, prev->name) ||
	    id_workload_set(&w->image, prev->image) || id_workload_set(&w->state, "running") ||
	    id_workload_set(&w->runtime, prev->runtime) ||
	    (prev->pidfile && id_workload_set(&w->pidfile, prev->pidfile)))
		goto out_put;
	for (size_t i = 0; i < prev->n_labels; i++)
		if (id_workload_add_label(w, prev->labels[i].key, prev->labels[i].value))
			goto out_put;
	w->pid = pid;
	w->started_ns = started_ns;
	return w;
out_put:
	id_workload_put(w);
	errno = ENOMEM;
	return NULL;
}

struct id_workload *rt_fast_build(const struct id_workload *prev, int pid, int64_t started_ns,
				  const struct nsid_port *ports, size_t n, struct diags *why)
{
	struct id_workload *w;
	size_t i, bridged = 0;
	int rc;

	for (i = 0; i < n; i++)
		bridged += ports[i].bridge[0] != '\0';
	if (!prev->n_nets || bridged != prev->n_nets || n != prev->n_nets)
		return rt_fast_refuse(why, "its veths here are not the bridge ports it had");
	w = rt_fast_copy(prev, pid, started_ns);
	if (!w)
		return NULL;
	for (i = 0; i < prev->n_nets; i++) {
		const struct id_net *was = &prev->nets[i];
		const struct nsid_port *p = was->bridge[0] ? rt_fast_port(ports, n, was->bridge) : NULL;
		struct id_net *net;

		if (!p) {
			id_workload_put(w);
			return rt_fast_refuse(why, "network %.64s: no single veth on bridge '%s'",
					      was->name, was->bridge);
		}
		net = id_workload_add_net(w, was->name);
		if (!net || id_workload_set(&net->net_id, was->net_id)) {
			id_workload_put(w);
			errno = ENOMEM;
			return NULL;
		}
		memcpy(net->gateway, was->gateway, sizeof(net->gateway));
		memcpy(net->mac, p->mac, sizeof(net->mac));
		snprintf(net->veth, sizeof(net->veth), "%s", p->veth);
		snprintf(net->bridge, sizeof(net->bridge), "%s", p->bridge);
		rc = rt_fast_addrs(net, p, was->ipv4[0], was->ipv6[0]);
		if (rc) {
			id_workload_put(w);
			return rt_fast_refuse(why, "network %.64s: %s", was->name,
					      rc == -E2BIG ? "too many addresses" :
					      "not one address per family it had, inside its bridge's subnet");
		}
	}
	id_workload_sort(w);
	return w;
}

bool rt_fast_agrees(const struct id_workload *a, const struct id_workload *b)
{
	if (a->pid != b->pid || a->n_nets != b->n_nets)
		return false;
	for (size_t i = 0; i < a->n_nets; i++) {
		const struct id_net *x = &a->nets[i], *y = &b->nets[i];

		if (strcmp(x->name ? x->name : "", y->name ? y->name : "") || strcmp(x->ipv4, y->ipv4) ||
		    strcmp(x->ipv6, y->ipv6) || strcasecmp(x->mac, y->mac))
			return false;
		/* the port is ours to find, from the process: one that has
		 * exited by then leaves it unknown, which is no disagreement */
		if (x->veth[0] && y->veth[0] &&
		    (strcmp(x->veth, y->veth) || strcmp(x->bridge, y->bridge)))
			return false;
	}
	return true;
}

/* The PID in @path, a file nobody but root could have written (it names
 * the process whose namespace is trusted): one decimal number. */
static int rt_fast_pid(const char *path, struct diags *why)
{
	char *buf, *end;
	size_t len;
	long pid;
	int rc;

	rc = safe_file_check("pidfile", path, why);
	if (rc)
		return rc;
	rc = fio_read_all(path, 31, &buf, &len);
	if (rc) {
		diag_add(why, path, "%s", strerror(-rc));
		return rc;
	}
	errno = 0;
	pid = strtol(buf, &end, 10);
	rc = errno || end == buf || (*end && *end != '\n') || pid <= 1 || pid > INT_MAX ?
	     -EINVAL : (int)pid;
	if (rc < 0)
		diag_add(why, path, "not a PID");
	free(buf);
	return rc;
}

struct id_workload *rt_fast_probe(const struct id_workload *prev, int64_t started_ns,
				  struct diags *why)
{
	struct nsid_port ports[NSID_PORTS_MAX];
	size_t n = 0;
	int pid, nsid, rc;

	if (!prev->pidfile || !prev->n_nets)
		return rt_fast_refuse(why, "no pidfile or no network known");
	/* a process in the host's namespace (network host, none) must not get
	 * there: nsid_assign_pid() would give this namespace an id of its own */
	for (size_t i = 0; i < prev->n_nets; i++)
		if (!prev->nets[i].bridge[0])
			return rt_fast_refuse(why, "network %.64s: it had no bridge port",
					      prev->nets[i].name ? prev->nets[i].name : "");
	pid = rt_fast_pid(prev->pidfile, why);
	if (pid < 0) {
		errno = -pid;
		return NULL;
	}
	nsid = nsid_assign_pid(pid);
	rc = nsid < 0 ? nsid : nsid_ports_read(nsid, ports, NSID_PORTS_MAX, &n);
	if (rc) {
		diag_add(why, "", "process %d's network namespace: %s", pid, strerror(-rc));
		errno = -rc;
		return NULL;
	}
	return rt_fast_build(prev, pid, started_ns, ports, n, why);
}
