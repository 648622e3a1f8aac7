// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zonewall learn: captures (files or live) become a proposal keyed by
 * workload identity.  Capturing is cli-capture.c (as `zonewall flows`),
 * the sources of identities and zones cli-learn.c, the resolution and the
 * observations src/learn/learn.c.  -o onto an existing proposal merges into it;
 * a damaged one is refused before anything is captured, and never
 * overwritten.
 */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli-capture.h"
#include "cli-learn.h"
#include "cli-policy.h"
#include "zonewall/fileio.h"

struct learn_opts {
	struct clcap_opts cap;
	const char *runtime, *inventory, *policy, *run_id, *out;
	bool stats;
};

static const char usage[] =
	"Usage: zonewall learn (-r FILE... | -i IFACE[,IFACE...]... | --auto)\n"
	"                      [--runtime URI] [--inventory FILE] [--policy FILE]\n"
	"                      [--duration SECS] [--run-id ID] [--stats] -o PROPOSAL\n"
	"\n"
	"Capture flows as `zonewall flows` does and turn each into an edge\n"
	"from identity -> to identity, proto, port with evidence (packets, first and\n"
	"last seen, days, runs, sample address pairs, the zone of each end).  An\n"
	"address resolves, at the flow's time, to the runtime's container that held\n"
	"it, else to the inventory entry with the longest prefix, else to\n"
	"unknown:ADDRESS.  Zones come from the policy's selectors with --policy,\n"
	"else from the identity rules or the inventory.  If PROPOSAL exists it is\n"
	"merged into (a damaged one is refused and never overwritten); it is\n"
	"read again and written atomically at the end, under a lock concurrent\n"
	"writers wait for.  An -o that cannot be written is refused before the\n"
	"capture starts.\n"
	"\n"
	"  -r, --read FILE        read a pcap or pcapng file (repeatable)\n"
	"  -i, --interface LIST   capture live on these interfaces (repeatable)\n"
	"  -a, --auto             capture on every container-facing interface\n"
	"  -d, --duration SECS    stop live capture after SECS (default: SIGINT/TERM/HUP)\n"
	"  -l, --limit N          keep at most N flows (default 1000000)\n"
	"      --runtime URI      docker:///PATH, podman:///PATH, unix:///PATH or none;\n"
	"                         live default: the first runtime socket that answers\n"
	"                         (its events are followed while capturing); files\n"
	"                         default: none\n"
	"      --inventory FILE   static inventory (addresses and CIDRs -> names, zones)\n"
	"  -p, --policy FILE      take zones from this policy's selectors\n"
	"      --run-id ID        this run's id (default HOST-TIME-PID)\n"
	"  -o, --output FILE      the proposal to write or merge into (required)\n"
	"  -s, --stats            print capture counters on stderr\n"
	"  -h, --help             show this help\n"
	"\n"
	"Exit status: 0 ok; 1 a capture or file failed (for a damaged capture file\n"
	"nothing is written); 2 usage error, invalid inventory, policy or proposal.\n";

static int learn_parse(struct learn_opts *o, int argc, char **argv, int *status)
{
	static const struct option opts[] = {
		CLCAP_LONGOPTS,
		{ "runtime", required_argument, NULL, 'R' },
		{ "inventory", required_argument, NULL, 'I' },
		{ "policy", required_argument, NULL, 'p' },
		{ "run-id", required_argument, NULL, 'u' },
		{ "output", required_argument, NULL, 'o' },
		{ "stats", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = clcap_getopt("learn", usage, argc, argv, ":" CLCAP_SHORTOPTS "p:o:sh", opts,
				 &o->cap, status)) != -1) {
		if (c == CLI_DONE)
			return -1;
		if (c == 'R')
			o->runtime = optarg;
		else if (c == 'I')
			o->inventory = optarg;
		else if (c == 'p')
			o->policy = optarg;
		else if (c == 'u')
			o->run_id = optarg;
		else if (c == 'o')
			o->out = optarg;
		else if (c == 's')
			o->stats = true;
	}
	if (optind < argc)
		*status = cli_usage_error("learn", "unexpected argument '%s'", argv[optind]);
	else if (!o->out)
		*status = cli_usage_error("learn", "-o PROPOSAL is required");
	else if (o->run_id && (!pol_identity_valid(o->run_id) ||
			       strlen(o->run_id) >= LEARN_RUN_ID_MAX))
		*status = cli_usage_error("learn", "--run-id: 1..%d printable characters without "
					  "spaces or quotes", LEARN_RUN_ID_MAX - 1);
	else
		*status = clcap_check("learn", &o->cap, true);
	return *status ? -1 : 0;
}

/* The proposal -o names: its current content (merged into), or empty. */
static int learn_target(const char *path, struct prop_set **out)
{
	if (access(path, F_OK) == 0)
		return clip_load_proposal("learn", path, out);
	*out = prop_new();
	return *out ? CLI_OK : cli_fail("learn", "out of memory");
}

static void learn_default_run_id(char *buf, size_t size)
{
	char host[256] = "";

	if (gethostname(host, sizeof(host) - 1))
		host[0] = '\0';
	learn_run_id(buf, size, (int64_t)time(NULL), (long)getpid(), host);
}

static void learn_summary(const struct learn_opts *o, const struct learn_stats *st,
			  size_t before, size_t after, const char *run_id,
			  const struct clearn *l)
{
	printf("%zu flows -> %zu edges (%zu new) written to %s\n", st->flows, after,
	       after - before, o->out);
	printf("run %s; ends by runtime %zu, inventory %zu, unknown %zu; runtime: %s\n",
	       run_id, st->runtime, st->inventory, st->unknown, clearn_runtime_text(l));
	if (st->bad_identity)
		cli_warn("learn", "%zu ends had an identity a policy cannot hold (spaces, "
			 "quotes, too long) and were recorded as unknown:ADDRESS",
			 st->bad_identity);
	if (st->refused)
		cli_warn("learn", "%zu flows could not become edges", st->refused);
	if (l->lost)
		cli_warn("learn", "the runtime was unreachable for a while (%s): identities "
			 "from that time may be stale", l->lost_msg);
}

static int learn_record(struct clcap *c, struct clearn *l, const struct learn_opts *o,
			const char *run_id)
{
	struct learn_stats st = { 0 };
	struct fio_lock *lock = NULL;
	struct prop_set *s = NULL;
	struct flow_row *rows;
	size_t n, before = 0;
	int status, err = flow_table_sorted(c->table, &rows, &n);

	if (err)
		return cli_fail("learn", "out of memory");
	/* The proposal is read again under the writer's lock, not taken from
	 * before the capture: another learn, merge or approve may have written
	 * it meanwhile, and its runs must stay. */
	status = clip_lock("learn", o->out, &lock);
	if (!status)
		status = learn_target(o->out, &s);
	if (!status) {
		before = s->n;
		err = learn_observe_rows(s, &l->env, rows, n, run_id, &st);
		if (err)
			status = cli_fail("learn", "out of memory");
	}
	if (!status) {
		err = prop_save(s, o->out);
		if (err)
			status = clip_write_failed("learn", o->out, err, PROP_FILE_MAX);
	}
	fio_unlock(lock);
	free(rows);
	if (!status)
		learn_summary(o, &st, before, s->n, run_id, l);
	prop_free(s);
	return status;
}

static int learn_run(struct learn_opts *o, struct clearn *l)
{
	char run_id[LEARN_RUN_ID_MAX];
	bool live = !o->cap.nfiles;
	struct clcap c;
	int status;

	if (o->run_id)
		snprintf(run_id, sizeof(run_id), "%s", o->run_id);
	else
		learn_default_run_id(run_id, sizeof(run_id));
	if (clcap_init(&c, "learn", &o->cap))
		return cli_fail("learn", "cannot make the flow table: %s", strerror(errno));
	if (live && l->mapper) {
		/* Containers started while learning are known before their packets
		 * are resolved: the index follows the event stream meanwhile. */
		c.tick = clearn_tick;
		c.tick_ctx = l;
		c.tick_ms = 100;
	}
	clcap_run(&c, &o->cap);
	if (live)
		clearn_tick(l);
	if (o->stats)
		clcap_print_stats(&c, OUT_TABLE, live);
	if (c.failed && !live) {
		/* Learning a file again after fixing it must not count it twice. */
		status = cli_fail("learn", "nothing written to %s: a capture could not be read "
				  "completely", o->out);
	} else {
		status = learn_record(&c, l, o, run_id);
		if (!status && c.failed)
			status = CLI_FAIL;
	}
	clcap_free(&c);
	return status;
}

int cmd_learn_main(int argc, char **argv)
{
	struct learn_opts o = { 0 };
	struct prop_set *s = NULL;
	int status = CLI_OK;
	struct clearn l;

	if (learn_parse(&o, argc, argv, &status))
		return status;
	/* Before anything is captured: an -o that cannot be written (no such
	 * directory, not ours, hard-linked) or a damaged one is refused now,
	 * not after the capture. */
	status = clip_check_output("learn", o.out);
	if (status)
		return status;
	status = learn_target(o.out, &s);
	prop_free(s);
	if (status)
		return status;
	status = clearn_open(&l, "learn", o.inventory, o.policy, o.runtime, !o.cap.nfiles);
	if (!status)
		status = learn_run(&o, &l);
	clearn_close(&l);
	return status;
}
