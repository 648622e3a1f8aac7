#!/bin/bash
# The HTML review report (review --html) and the SVG graph (export --format
# svg): the structure of the page (stable ids, summary, the graph's clusters,
# nodes, lines and deny borders with their text, the zone matrix, the edge
# rows) for the review fixtures and for a proposal learned from the shared
# captures; every page loads nothing and its CSP names exactly its own style
# and script; hostile identities and zone names stay text; a 10,000-edge
# proposal renders in bounded size and folds to the zones (its time and size
# are printed, not asserted).  tests/netns/report-browser.sh opens the same
# pages in a real browser.
# Regenerate after an intended change: ZW_GOLDEN_UPDATE=1 make check
. "$(dirname "$0")/../lib/common.sh"
[ -x "$ZONEWALL" ] || tap_bail "no zonewall binary at $ZONEWALL"
command -v python3 >/dev/null || tap_skip_all "needs python3"
dir=$top_srcdir/tests/golden/report
fix=$top_srcdir/tests/golden/review
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || tap_bail "no $tmp"

golden() {	# golden NAME TEXT DESCRIPTION: compare TEXT with report/NAME
	[ -n "${ZW_GOLDEN_UPDATE:-}" ] && printf '%s\n' "$2" >"$dir/$1"
	tap_is "$2" "$(cat "$dir/$1")" "$3"
}
structure() { python3 "$dir/structure.py" "$1"; }
page_ok() {	# page_ok FILE WHAT
	local bad
	bad=$(python3 "$dir/check-page.py" "$1")
	tap_is "$bad" "" "$2: loads nothing; its CSP allows exactly its own style and script"
}

# --- the review fixtures -----------------------------------------------------------
"$ZONEWALL" merge "$fix/staging1.json" "$fix/staging2.json" -o all.json >/dev/null
cp "$top_srcdir/rules/policy.example.json" policy.json
run_cmd "$ZONEWALL" review all.json --policy policy.json --html review.html
tap_ok "$([ "$rc" = 0 ] && [ -z "$out" ] && [ -z "$err" ]; echo $?)" "review --html FILE: exit 0, nothing printed"
golden review.structure "$(structure review.html)" \
	"page structure: summary, graph (zones as clusters, deny borders), matrix, rows"
page_ok review.html "the review page"
run_cmd "$ZONEWALL" review all.json --policy policy.json --html -
tap_is "$out" "$(cat review.html)" "--html - writes the same page to stdout"
run_cmd "$ZONEWALL" review all.json --policy policy.json --json
tap_is "$(jq -r '.edges[] | (if .id then "edge-" + .id else "rule" end) + " " + .status' <<<"$out" |
	grep -v '^rule')" \
	"$(structure review.html | sed -n 's/^row \(edge-[^ ]*\) | \([^ ]*\) .*/\1 \2/p')" \
	"the page's rows are review --json's rows, in its order, with its statuses"
tap_is "$(grep -o 'zonewall approve all.json --policy policy.json --edge [0-9a-f]*' review.html)" \
	"zonewall approve all.json --policy policy.json --edge d9a446a354ce" \
	"an approve command for the one new edge, naming approve's real flags"
cp policy.json p2.json
run_cmd "$ZONEWALL" approve all.json --policy p2.json --edge d9a446a354ce --by test
tap_is "$rc" 0 "and that command works"
run_cmd "$ZONEWALL" review all.json --html nopolicy.html
tap_ok "$([ "$rc" = 0 ] && ! grep -q 'data-status="allowed"' nopolicy.html &&
	grep -q 'zonewall approve all.json --policy POLICY --edge' nopolicy.html; echo $?)" \
	"without a policy every row is new, the commands say POLICY"
run_cmd "$ZONEWALL" review all.json --json --html x.html
tap_ok "$([ "$rc" = 2 ] && [ ! -e x.html ]; echo $?)" "--json and --html exclude each other (exit 2)"
run_cmd "$ZONEWALL" review all.json --html /nonexistent/dir/r.html
tap_ok "$([ "$rc" = 1 ] && grep -q 'cannot write /nonexistent/dir/r.html' <<<"$err"; echo $?)" \
	"an unwritable report path: exit 1 and the reason"

# --- export --format svg -------------------------------------------------------------
svg_ok() { python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$1"; }
run_cmd "$ZONEWALL" export --format svg all.json --policy policy.json
printf '%s\n' "$out" >proposal.svg
tap_ok "$([ "$rc" = 0 ] && svg_ok proposal.svg; echo $?)" "export --format svg of a proposal: well-formed XML"
golden proposal-svg.structure "$(structure proposal.svg)" "its clusters, nodes, lines and borders"
tap_is "$(structure proposal.svg)" "$(structure review.html | sed -n '/^cluster /,/^graph /p')" \
	"the same graph as the page's"
run_cmd "$ZONEWALL" export --format svg policy.json
printf '%s\n' "$out" >policy.svg
tap_ok "$([ "$rc" = 0 ] && svg_ok policy.svg; echo $?)" "export --format svg of a policy: well-formed XML"
golden policy-svg.structure "$(structure policy.svg)" "a policy's graph: its rules, zones, deny borders"

# --- the shared captures ---------------------------------------------------------------
pcaps=${ZW_PCAPS:-$top_srcdir/../shared/pcaps}
learn=$top_srcdir/tests/golden/learn
if [ -r "$pcaps/zeek__var-services-std-ports.pcap" ] && [ -r "$pcaps/zeek__mysql_auth.pcap" ]; then
	"$ZONEWALL" learn -r "$pcaps/zeek__var-services-std-ports.pcap" -r "$pcaps/zeek__mysql_auth.pcap" \
		--inventory "$learn/inventory.json" --run-id stage-1 -o pcaps.json >/dev/null
	cp "$learn/policy-start.json" start.json
	run_cmd "$ZONEWALL" review pcaps.json --policy start.json --html pcaps.html
	tap_is "$rc" 0 "review --html of the proposal learned from the shared captures"
	golden pcaps.structure "$(structure pcaps.html)" \
		"its structure: unknown addresses, the internet, the app -> internet deny border"
	page_ok pcaps.html "the captures' page"
else
	tap_skip "no shared captures at $pcaps (set ZW_PCAPS)"
fi

# --- hostile names ----------------------------------------------------------------------
python3 "$dir/gen.py" evil >evil.json
run_cmd "$ZONEWALL" review evil.json --html evil.html
tap_is "$rc" 0 "a proposal whose identities and zones are markup and script"
golden evil.structure "$(structure evil.html)" "every payload is text: in the graph, the matrix, the rows"
page_ok evil.html "the hostile page"
tap_is "$(grep -c '<img\|<svg/\|<script>document' evil.html)" 0 "no payload appears unescaped"
tap_ok "$(grep -qxF 'cluster c_a9672e3f622a "\N\G\E<b>bold</b>"' "$dir/evil.structure"; echo $?)" \
	"Graphviz shows \\N, \\G, \\E and <b> in a zone label as written (no expansion, no HTML label)"
jq '.borders[0].comment = "\"><script>document.title=3</script>"' policy.json >commented.json
run_cmd "$ZONEWALL" review all.json --policy commented.json --html commented.html
tap_ok "$([ "$rc" = 0 ] && grep -qF 'title="&quot;&gt;&lt;script&gt;document.title=3&lt;/script&gt;"' commented.html &&
	[ -z "$(python3 "$dir/check-page.py" commented.html)" ]; echo $?)" \
	"a border comment (any text) is an escaped title attribute of its matrix cell"
mkdir "a dir"
cp policy.json "a dir/it's <b>.json"
run_cmd "$ZONEWALL" review all.json --policy "a dir/it's <b>.json" --html quoted.html
tap_ok "$([ "$rc" = 0 ] && grep -qF "<code>zonewall approve all.json --policy &#39;a dir/it&#39;\&#39;&#39;s &lt;b&gt;.json&#39; --edge d9a446a354ce</code>" quoted.html; echo $?)" \
	"a policy path with a space, a quote and markup: shell-quoted in the command, then HTML-escaped"
tap_ok "$(grep -qF "\"approve\":\"zonewall approve all.json --policy 'a dir/it'\\\\''s \\u003cb\\u003e.json'\"" quoted.html; echo $?)" \
	"and in the script's JSON data with < and > as \\u escapes"

# --- 10,000 edges ---------------------------------------------------------------------------
python3 "$dir/gen.py" big 10000 10 400 1 >big.json
start=$(date +%s%N)
run_cmd "$ZONEWALL" review big.json --html big.html
ms=$((($(date +%s%N) - start) / 1000000))
size=$(stat -c %s big.html)
tap_is "$rc" 0 "a 10,000-edge proposal (400 identities, 10 zones) renders"
tap_diag "10,000 edges: ${ms} ms, $size bytes ($(grep -c '<svg' big.html) graphs)"
tap_ok "$([ "$size" -lt $((32 << 20)) ]; echo $?)" "in bounded size (< 32 MiB: $size bytes)"
tap_ok "$(grep -q 'id="graph-folded"' big.html && grep -q 'id="graph_zones"' big.html; echo $?)" \
	"folded: the zones with their counts"
tap_is "$(grep -c '<details id="zone-graph-z_' big.html)" 10 "and each zone in a section of its own"
tap_is "$(grep -c '<g id="graph_inner_z_[0-9a-f]*" class="graph"' big.html)" 10 \
	"each with its graph: its identities, its lines to other zones drawn zone to zone"
tap_is "$(grep -c '<tr id="edge-' big.html)" 10000 "every edge has its row"
page_ok big.html "the 10,000-edge page"
start=$(date +%s%N)
run_cmd "$ZONEWALL" export --format svg big.json
tap_diag "export --format svg of 10,000 edges: $((($(date +%s%N) - start) / 1000000)) ms, ${#out} bytes"
tap_ok "$([ "$rc" = 0 ] && grep -q 'id="graph_zones"' <<<"$out"; echo $?)" "export --format svg folds to the zones too"

tap_done
