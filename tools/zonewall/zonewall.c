// SPDX-License-Identifier: GPL-2.0-or-later
/* zonewall: the operator CLI.  The subcommand table and dispatch. */

#include "config.h"

#include <string.h>

#include "cli.h"

static const struct cli_cmd cli_cmds[] = {
	{ "help", cmd_help_main, "list the subcommands, or show one's usage",
	  "Usage: zonewall help [COMMAND]\n"
	  "\n"
	  "Without COMMAND, list the subcommands; with it, show its usage.\n" },
	{ "version", cmd_version_main, "print the version",
	  "Usage: zonewall version\n" },
	{ "links", cmd_links_main, "list bridges, veths and bridge ports (container-facing interfaces)",
	  "Usage: zonewall links [--json]\n"
	  "\n"
	  "List this network namespace's container-facing interfaces, read over\n"
	  "rtnetlink: every bridge with its ports, every veth with its bridge (if any),\n"
	  "its peer's ifindex and network namespace id (when the kernel tells),\n"
	  "addresses and state.\n"
	  "\n"
	  "  -j, --json   print a JSON array instead of a table\n"
	  "  -h, --help   show this help\n" },
	{ "containers", cmd_containers_main, "list workloads with identity, zone and addresses (runtime + inventory)",
	  "Usage: zonewall containers [--runtime URI] [--inventory FILE] [--json] [--watch]\n"
	  "                           [--event-log auto|none|FILE] [--no-fast-start]\n"
	  "\n"
	  "One row per workload: short id, name, identity, zone, image, IPv4 and IPv6\n"
	  "addresses, networks, host-side veth and bridge, state; then the inventory\n"
	  "entries.  The runtime is asked over its API socket (Docker Engine API,\n"
	  "which Podman's service speaks too).\n"
	  "\n"
	  "  -r, --runtime URI     docker:///var/run/docker.sock, podman:///run/podman/podman.sock,\n"
	  "                        or none (default: the first of those two that answers)\n"
	  "  -i, --inventory FILE  static inventory and identity rules (zonewall-policy(5))\n"
	  "  -j, --json            print a JSON array instead of a table\n"
	  "  -w, --watch           keep following the runtime's events; print one line\n"
	  "                        per change (--json: one JSON object per line)\n"
	  "      --follow          same as --watch\n"
	  "      --event-log L     Podman's event log, followed beside its API's stream\n"
	  "                        (which polls that file every 250 ms): auto (default:\n"
	  "                        /run/libpod/events/events.log for a rootful Podman),\n"
	  "                        none, or the file (events_logfile_path)\n"
	  "      --no-fast-start   wait for the inspect of a restarted Podman container\n"
	  "                        (by default its new addresses are read from the kernel\n"
	  "                        first, the inspect confirming them)\n"
	  "  -h, --help            show this help\n" },
	{ "flows", cmd_flows_main, "learn flows (who initiates what to whom) from captures or live",
	  "Usage: zonewall flows -r FILE [-r FILE...] [OPTIONS]\n"
	  "       zonewall flows (-i IFACE[,IFACE...] | --auto) [--duration SECONDS] [OPTIONS]\n"
	  "\n"
	  "Learn connection initiations (TCP SYN / SYN+ACK, UDP conversations, ICMP\n"
	  "echo requests) and print one row per flow, sorted: proto, src (client),\n"
	  "dst (server), port (server's; 8/128 for ICMP echo), packets, first_seen,\n"
	  "last_seen (RFC 3339 UTC, microseconds).  See docs/decoder.md for the rules.\n"
	  "\n"
	  "  -r, --read FILE        read a pcap or pcapng file (repeatable)\n"
	  "  -i, --interface LIST   capture live on these interfaces (comma-separated,\n"
	  "                         repeatable; both directions, promiscuous)\n"
	  "  -a, --auto             capture on every container-facing interface and\n"
	  "                         follow interfaces that appear or vanish\n"
	  "  -d, --duration SECS    stop live capture after SECS (default: at SIGINT/TERM)\n"
	  "  -l, --limit N          keep at most N flows, evicting the least recently\n"
	  "                         seen (default 1000000)\n"
	  "  -f, --format FMT       table (default), tsv or json\n"
	  "  -s, --stats            print counters (skips per reason, drops) on stderr\n"
	  "  -h, --help             show this help\n"
	  "\n"
	  "Exit status: 0 ok; 1 a file unreadable or damaged (flows read so far are\n"
	  "printed) or capture failed; 2 usage error.\n" },
	{ "learn", cmd_learn_main, "learn a proposal (identity-keyed edges with evidence) from captures",
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
	  "written atomically.\n"
	  "\n"
	  "  -r, --read FILE        read a pcap or pcapng file (repeatable)\n"
	  "  -i, --interface LIST   capture live on these interfaces (repeatable)\n"
	  "  -a, --auto             capture on every container-facing interface\n"
	  "  -d, --duration SECS    stop live capture after SECS (default: SIGINT/TERM)\n"
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
	  "nothing is written); 2 usage error, invalid inventory, policy or proposal.\n" },
	{ "replay", cmd_replay_main, "what-if: which flows of a capture a policy would refuse, and why",
	  "Usage: zonewall replay POLICY -r FILE [-r FILE...] [--inventory FILE]\n"
	  "                       [--runtime URI] [--json]\n"
	  "\n"
	  "Read the flows of capture files, resolve each end to an identity and a zone\n"
	  "as learn does (zones from the policy's selectors), and judge each flow:\n"
	  "refused by a deny border, refused without a rule on an allowlist border,\n"
	  "allowed by a rule ($.allow[N]) or by an allow border.  Refusals first, then\n"
	  "a summary.  Refusals are findings, not errors: the exit status is 0.\n"
	  "\n"
	  "  -r, --read FILE        a pcap or pcapng file (repeatable)\n"
	  "      --inventory FILE   static inventory\n"
	  "      --runtime URI      resolve through a container runtime (default: none)\n"
	  "  -j, --json             print {\"flows\": [...], \"summary\": {...}}\n"
	  "  -h, --help             show this help\n"
	  "\n"
	  "Exit status: 0 ok; 1 a capture file unreadable or damaged (the flows read\n"
	  "are judged); 2 usage error, invalid policy or inventory.\n" },
	{ "review", cmd_review_main, "judge a proposal's edges against a policy, with evidence",
	  "Usage: zonewall review PROPOSAL [--policy POLICY] [--json]\n"
	  "\n"
	  "One row per learned edge (from identity -> to identity, proto, port) with\n"
	  "its status and evidence, what needs a decision first:\n"
	  "  new                not allowed yet: approve it or leave it out\n"
	  "  refused-by-border  crosses a deny border (a violation; never approvable)\n"
	  "  stale              a policy rule that nothing in the proposal used\n"
	  "  allowed            already allowed (WHY names the rule or border)\n"
	  "Then a coverage summary: the learning window, counts, and the edges of low\n"
	  "confidence (seen on one day only, or only once).  Without --policy every\n"
	  "edge is new.\n"
	  "\n"
	  "  -p, --policy FILE  the policy to judge against\n"
	  "  -j, --json         print {\"edges\": [...], \"summary\": {...}} instead\n"
	  "  -h, --help         show this help\n" },
	{ "approve", cmd_approve_main, "turn proposal edges into allow rules of a policy",
	  "Usage: zonewall approve PROPOSAL --policy POLICY\n"
	  "                        (--all | --edge ID... | --from X [--to Y] | --to Y)\n"
	  "                        [--by NAME] [--reason TEXT] [--skip-denied]\n"
	  "\n"
	  "Add an allow rule for every selected edge that the policy does not allow\n"
	  "yet, recording who (--by, default the invoking user or SUDO_USER) and when.\n"
	  "If a selected edge crosses a deny border, or names a zone the policy lacks,\n"
	  "nothing is written and the exit status is 2; --skip-denied leaves such\n"
	  "edges out instead (with a warning).  The policy is rewritten atomically\n"
	  "in its canonical form, only when a rule was added.\n"
	  "\n"
	  "  -p, --policy FILE   the policy to add rules to (required)\n"
	  "  -a, --all           every edge of the proposal\n"
	  "  -e, --edge ID       the edge with this id (from review); repeatable\n"
	  "  -f, --from X        edges from identity X\n"
	  "  -t, --to Y          edges to identity Y\n"
	  "  -b, --by NAME       who approves\n"
	  "  -r, --reason TEXT   the rule comment (default: the edge's evidence)\n"
	  "  -S, --skip-denied   leave out edges a border refuses instead of failing\n"
	  "  -h, --help          show this help\n" },
	{ "merge", cmd_merge_main, "merge proposals from many hosts or runs into one",
	  "Usage: zonewall merge PROPOSAL... -o OUTPUT\n"
	  "\n"
	  "Merge proposals by identity: packets add up, first/last seen widen, days\n"
	  "and runs are unions, up to 5 sample address pairs are kept.  A damaged\n"
	  "input (or a damaged existing OUTPUT) is refused and nothing is written.\n"
	  "OUTPUT is replaced atomically; list it as an input too to accumulate.\n"
	  "\n"
	  "  -o, --output FILE   where the merged proposal goes (required)\n"
	  "  -h, --help          show this help\n" },
	{ "diff", cmd_diff_main, "what changing one policy into another allows and forbids",
	  "Usage: zonewall diff OLD NEW [--json]\n"
	  "\n"
	  "Compare two policies in zones and identities: zones added or removed,\n"
	  "zone mode and member changes, border verdicts, allow rules added or\n"
	  "removed; EFFECT says whether a change allows or forbids traffic.\n"
	  "\n"
	  "  -j, --json   print a JSON array instead of a table\n"
	  "  -h, --help   show this help\n" },
	{ "export", cmd_export_main, "export a policy as NetworkPolicy YAML, or a graph as DOT",
	  "Usage: zonewall export --format k8s [--egress] POLICY\n"
	  "       zonewall export --format dot POLICY\n"
	  "       zonewall export --format dot PROPOSAL [--policy POLICY]\n"
	  "\n"
	  "k8s: Kubernetes NetworkPolicy YAML, one document per destination identity\n"
	  "(pods labelled app.kubernetes.io/name=IDENTITY; zone:Z is the label\n"
	  "zonewall.io/zone=Z; unknown:ADDR an ipBlock), after a default-deny-ingress.\n"
	  "--egress adds a default-deny-egress, one egress policy per source identity\n"
	  "and one per allow border (a zone's own CIDRs become ipBlocks): the egress\n"
	  "borders on the pods' side.  DNS is denied too unless the policy allows it.\n"
	  "dot: Graphviz DOT with zones as clusters; with --policy, edges a deny border\n"
	  "refuses are red and dashed, edges not allowed yet blue.\n"
	  "\n"
	  "  -f, --format k8s|dot   the output format (required)\n"
	  "  -p, --policy FILE      judge a proposal's edges against this policy\n"
	  "  -e, --egress           k8s: egress policies too\n"
	  "  -h, --help             show this help\n" },
	{ "validate", cmd_validate_main, "check policy or proposal files, every problem with its JSON path",
	  "Usage: zonewall validate [--canonical] FILE...\n"
	  "\n"
	  "Check each FILE (a proposal when it has a top-level \"edges\" key, else a\n"
	  "policy).  Problems are printed one per line as FILE: JSON-PATH: problem;\n"
	  "the exit status is 2 if any file is invalid, 1 if one cannot be read.\n"
	  "\n"
	  "  -c, --canonical   print each file as zonewall writes it\n"
	  "  -h, --help        show this help\n" },
	{ "reload", cmd_reload_main, "make zonewalld re-read its configuration and policy",
	  "Usage: zonewall reload [--socket PATH | --config FILE]\n"
	  "\n"
	  "Ask zonewalld over its control socket to re-read its configuration and\n"
	  "policy and swap them in atomically (like SIGHUP).  On any problem the\n"
	  "daemon keeps what was in effect and the error is printed (exit 1).\n"
	  "The request is audited with your uid, pid and user name.\n"
	  "\n"
	  "  -s, --socket PATH   control socket (default /run/zonewall/zonewalld.sock)\n"
	  "  -c, --config FILE   take control_socket from this zonewalld.conf\n"
	  "  -h, --help          show this help\n" },
	{ "confirm", cmd_confirm_main, "keep a change applied with a confirm deadline",
	  "Usage: zonewall confirm [--socket PATH | --config FILE]\n"
	  "\n"
	  "Confirm the change zonewalld is holding under a deadline (apply\n"
	  "--confirm-within): without it the daemon returns to the previous policy\n"
	  "at the deadline.  Exit 1 when nothing is pending.  Audited.\n"
	  "\n"
	  "  -s, --socket PATH   control socket (default /run/zonewall/zonewalld.sock)\n"
	  "  -c, --config FILE   take control_socket from this zonewalld.conf\n"
	  "  -h, --help          show this help\n" },
	{ "daemon-status", cmd_daemon_status_main, "what zonewalld is doing (over its control socket)",
	  "Usage: zonewall daemon-status [--socket PATH | --config FILE] [--json]\n"
	  "\n"
	  "zonewalld's mode, pid, uptime, reloads, control clients, a change waiting\n"
	  "for confirm and the last reload.  --json prints every field the daemon\n"
	  "reports (see docs/daemon.md).\n"
	  "\n"
	  "  -s, --socket PATH   control socket (default /run/zonewall/zonewalld.sock)\n"
	  "  -c, --config FILE   take control_socket from this zonewalld.conf\n"
	  "  -j, --json          print a JSON array of one object\n"
	  "  -h, --help          show this help\n" },
	{ "metrics", cmd_metrics_main, "zonewalld's metrics in the Prometheus text format",
	  "Usage: zonewall metrics [--socket PATH | --config FILE]\n"
	  "\n"
	  "Print zonewalld's counters and gauges in the Prometheus text exposition\n"
	  "format, read over the control socket (the same text as GET /metrics on\n"
	  "metrics_listen).\n"
	  "\n"
	  "  -s, --socket PATH   control socket (default /run/zonewall/zonewalld.sock)\n"
	  "  -c, --config FILE   take control_socket from this zonewalld.conf\n"
	  "  -h, --help          show this help\n" },
	{ "compile", cmd_compile_main, "print, as nft text, the ruleset apply would install",
	  "Usage: zonewall compile POLICY [--inventory FILE] [--runtime URI] [--log-group N]\n"
	  "\n"
	  "Resolve the policy's identities to this host's addresses (static inventory,\n"
	  "running containers, bridges and ports) and print in nft syntax exactly what\n"
	  "`zonewall apply` would install, touching nothing.  `nft -c -f` accepts it;\n"
	  "given to `nft -f` it replaces our tables atomically.  Warnings (a rule that\n"
	  "names no endpoint here, an unknown zone) go to stderr.\n"
	  "\n"
	  "  -i, --inventory FILE  static inventory (addresses and CIDRs -> names, zones)\n"
	  "  -r, --runtime URI     docker:///PATH, podman:///PATH, unix:///PATH, or none\n"
	  "                        (default: the first runtime socket that answers)\n"
	  "  -b, --bridge NAME     a container bridge (repeatable; default: every bridge\n"
	  "                        of this namespace, and those of the containers)\n"
	  "  -g, --log-group N     NFLOG group of refusals (default 17)\n"
	  "  -q, --quiet           no warnings\n"
	  "  -h, --help            show this help\n"
	  "\n"
	  "Exit status: 0 ok; 1 failure; 2 usage error, invalid policy or inventory, or\n"
	  "a snapshot the policy cannot be compiled for (e.g. one address in two zones).\n" },
	{ "apply", cmd_apply_main, "compile and install the policy in one netlink transaction",
	  "Usage: zonewall apply POLICY [--inventory FILE] [--runtime URI] [--log-group N]\n"
	  "                      [--cut-established]\n"
	  "       zonewall apply POLICY --confirm-within SECS | --confirm\n"
	  "                      [--socket PATH | --config FILE]\n"
	  "\n"
	  "Compile as `zonewall compile` does and replace table inet zonewall and table\n"
	  "bridge zonewall in ONE transaction: it lands whole or not at all.  A kernel\n"
	  "refusal names the policy entry at fault.  The tables have no owner: they stay\n"
	  "when zonewall exits.  Nobody else's tables are touched.\n"
	  "\n"
	  "With --confirm-within the running zonewalld (monitor or enforce mode) applies\n"
	  "POLICY with its own runtime, inventory and bridges, and returns to the previous\n"
	  "policy after SECS seconds unless `zonewall confirm` arrives: for changes made\n"
	  "over a connection the change might cut.  Without a daemon this is an error (a\n"
	  "command cannot hold a timer after it exits).  Audited by the daemon.\n"
	  "\n"
	  "  -w, --confirm-within SECS  hand POLICY to zonewalld with a confirm deadline\n"
	  "  -W, --confirm          the same with the daemon's confirm_timeout (default 120)\n"
	  "  -s, --socket PATH      zonewalld's control socket (with --confirm-within)\n"
	  "  -c, --config FILE      take control_socket from this zonewalld.conf\n"
	  "  -i, --inventory FILE   static inventory\n"
	  "  -r, --runtime URI      container runtime (default: detect; none: inventory only)\n"
	  "  -g, --log-group N      NFLOG group of refusals (default 17)\n"
	  "  -b, --bridge NAME      a container bridge (repeatable; default: all)\n"
	  "  -C, --cut-established  delete the conntrack entries of connections the new\n"
	  "                         policy refuses (enforce), so they cannot go on\n"
	  "  -q, --quiet            no warnings\n"
	  "  -h, --help             show this help\n" },
	{ "status", cmd_status_main, "what is enforced: tables, zone modes, counters per zone pair",
	  "Usage: zonewall status [--json]\n"
	  "\n"
	  "Read our tables back from the kernel: the mode of each zone, the kernel path\n"
	  "enforcing same-bridge traffic (or what cannot be enforced), counters per zone\n"
	  "pair (accepted, learned, would-deny, denied, border violations), spoofed frames\n"
	  "dropped, and the element count of every set.\n"
	  "\n"
	  "  -j, --json   print one JSON object\n"
	  "  -h, --help   show this help\n" },
	{ "uninstall", cmd_uninstall_main, "remove zonewall's tables (and nothing else)",
	  "Usage: zonewall uninstall\n"
	  "\n"
	  "Delete table inet zonewall and table bridge zonewall in one transaction.\n"
	  "Absent tables are not an error; no other table is touched.\n"
	  "\n"
	  "  -h, --help   show this help\n" },
	{ "denied", cmd_denied_main, "refused and would-refuse flows, with identities and zones",
	  "Usage: zonewall denied [--follow] [--json] [--duration SECS] [--count N]\n"
	  "                       [--inventory FILE] [--runtime URI] [--log-group N]\n"
	  "                       [--socket PATH | --config FILE | --nflog]\n"
	  "\n"
	  "Report each refused (enforce) or would-refuse (monitor) flow: time, verdict\n"
	  "(\"(border)\" for a deny border), protocol, source and destination identity,\n"
	  "zone and address, port.  When zonewalld answers on its control socket, the\n"
	  "flows come from its stream (it owns the NFLOG group and resolves identities\n"
	  "from its own index).  Otherwise zonewall listens on the NFLOG group itself\n"
	  "(rate-limited in the kernel per zone pair) and resolves addresses through\n"
	  "the inventory and the runtime, as apply does; only one listener per group:\n"
	  "a second one fails with \"another listener has it\".  The rows are the same.\n"
	  "--nflog (or --inventory, --runtime, --log-group) skips the daemon and listens\n"
	  "here, e.g. after `zonewall apply` with a daemon running in learn mode.\n"
	  "\n"
	  "  -f, --follow          print each flow as it comes (TSV, or JSON lines)\n"
	  "                        until SIGINT/SIGTERM\n"
	  "  -d, --duration SECS   without --follow: listen this long (default 10), then\n"
	  "                        print the table\n"
	  "  -n, --count N         stop after N flows\n"
	  "  -j, --json            JSON\n"
	  "  -i, --inventory FILE  static inventory\n"
	  "  -r, --runtime URI     container runtime (default: detect)\n"
	  "  -g, --log-group N     NFLOG group (default 17)\n"
	  "  -s, --socket PATH     zonewalld's control socket (default\n"
	  "                        /run/zonewall/zonewalld.sock; given: must answer)\n"
	  "  -c, --config FILE     take control_socket from this zonewalld.conf\n"
	  "  -N, --nflog           listen on the NFLOG group here, even when zonewalld\n"
	  "                        answers\n"
	  "  -h, --help            show this help\n" },
	{ NULL, NULL, NULL, NULL },
};

const struct cli_cmd *cli_cmd_find(const char *name)
{
	const struct cli_cmd *c;

	for (c = cli_cmds; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static void cli_cmds_list(FILE *f)
{
	const struct cli_cmd *c;

	fputs("Usage: zonewall COMMAND [OPTIONS...]\n"
	      "       zonewall COMMAND --help\n"
	      "       zonewall --version\n\n"
	      "Commands:\n", f);
	for (c = cli_cmds; c->name; c++)
		fprintf(f, "  %-14s %s\n", c->name, c->summary);
}

int cmd_help_main(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return cli_help("help");
	if (argc > 2)
		return cli_usage_error("help", "too many arguments");
	if (argc == 2) {
		if (!cli_cmd_find(argv[1]))
			return cli_usage_error("help", "unknown command '%s'", argv[1]);
		return cli_help(argv[1]);
	}
	cli_cmds_list(stdout);
	return CLI_OK;
}

int cmd_version_main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--help") && strcmp(argv[1], "-h"))
		return cli_usage_error("version", "takes no arguments");
	if (argc > 1)
		return cli_help("version");
	printf("zonewall %s\n", PACKAGE_VERSION);
	return CLI_OK;
}

int main(int argc, char **argv)
{
	const struct cli_cmd *c;

	if (argc < 2) {
		cli_cmds_list(stderr);
		return CLI_USAGE;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
		return cmd_version_main(1, argv + 1);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help_main(1, argv + 1);
	c = cli_cmd_find(argv[1]);
	if (!c) {
		fprintf(stderr, "zonewall: unknown command '%s'\nTry 'zonewall help'.\n", argv[1]);
		return CLI_USAGE;
	}
	return c->main(argc - 1, argv + 1);
}
