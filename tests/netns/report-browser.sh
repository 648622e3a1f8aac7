#!/bin/bash
# The HTML review report in a real browser: Debian's chromium, headless,
# opens each page from a file:// URL inside a network namespace of its own
# (unshare -n: no network at all) with a network log.  The DOM after load
# has the expected rows and graph nodes and shows that the page's script ran
# under its CSP (the filter controls shown, the row count written); the
# screenshot is not blank; the network log holds no request of the page's
# (only the browser's own update checks, which fail).  The page of hostile
# names (identities and zones that are markup and script) runs none of
# them: the title stays, no element they would add exists; the same payload
# unescaped in a page without CSP does run, so the check can fail.  The
# 10,000-edge page loads with its zone graph.
. "$(dirname "$0")/../lib/common.sh"
[ -x "$ZONEWALL" ] || tap_bail "no zonewall binary at $ZONEWALL"
browser=$(command -v chromium || command -v chromium-browser)
[ -n "$browser" ] || tap_skip_all "chromium not installed (tools/setup installs Debian's chromium)"
command -v python3 >/dev/null && command -v jq >/dev/null || tap_skip_all "needs python3 and jq"
[ "$(id -u)" -eq 0 ] || tap_skip_all "needs root for unshare -n"
unshare -n true 2>/dev/null || tap_skip_all "cannot create a network namespace (unshare -n)"
gen=$top_srcdir/tests/golden/report
fix=$top_srcdir/tests/golden/review
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || tap_bail "no $tmp"
export HOME=$tmp XDG_CONFIG_HOME=$tmp/.config XDG_CACHE_HOME=$tmp/.cache

# browse PAGE WHAT...: chromium on file://$tmp/PAGE with no network, its
# network log in PAGE.netlog; WHAT: --dump-dom (stdout) or --screenshot=FILE
browse() {
	local page=$1
	shift
	timeout 120 unshare -n "$browser" --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --disable-dev-shm-usage --user-data-dir="$(mktemp -d -p "$tmp")" \
		--log-net-log="$tmp/$page.netlog" --virtual-time-budget=3000 \
		--window-size=1280,1600 "$@" "file://$tmp/$page" 2>"$tmp/$page.stderr"
}

# requests NETLOG: the network requests the log records, one per line,
# "page URL" for those a page started (any initiator) and "browser URL" for
# the browser's own (its update and time services: initiator "not an
# origin"); they all fail here, with no network.  A file:// page and its
# file:// loads do not go through the network stack at all.
requests() {
	python3 - "$1" <<'PY'
import json, re, sys
text = open(sys.argv[1], encoding='utf-8', errors='replace').read()
try:
    events = json.loads(text).get('events', [])
except ValueError:	# cut short at exit: complete the array
    events = json.loads(text[:text.rstrip().rfind('},')] + '}]}')['events']
urls = {}
for e in events:
    p = e.get('params') or {}
    if 'url' in p:
        urls.setdefault(e['source']['id'], p['url'])
for e in events:
    p = e.get('params') or {}
    if 'initiator' in p and 'method' in p:
        who = 'browser' if p['initiator'] == 'not an origin' else 'page'
        print(who, urls.get(e['source']['id'], '?'))
PY
}

# not_blank PNG: a real PNG, of more than a few colours
not_blank() {
	python3 - "$1" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
pos, idat, w, h = 8, b'', 0, 0
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b'IHDR':
        w, h = struct.unpack('>II', body[:8])
    elif kind == b'IDAT':
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
distinct = len(set(raw))
print('%dx%d, %d bytes, %d distinct byte values' % (w, h, len(data), distinct))
sys.exit(0 if w > 0 and h > 0 and distinct > 16 else 1)
PY
}

# --- the review fixtures' page -------------------------------------------------------
"$ZONEWALL" merge "$fix/staging1.json" "$fix/staging2.json" -o all.json >/dev/null
cp "$top_srcdir/rules/policy.example.json" policy.json
"$ZONEWALL" review all.json --policy policy.json --html review.html ||
	tap_bail "review --html failed"
dom=$(browse review.html --dump-dom)
tap_ok "$([ -n "$dom" ]; echo $?)" "chromium loads the page from file:// with no network ($(wc -c <<<"$dom") bytes of DOM)"
[ -n "$dom" ] || tap_diag "$(tail -5 "$tmp/review.html.stderr")"
want_rows=$(grep -o '<tr id="[a-z]*-[0-9a-f]*"' review.html | sort)
tap_is "$(grep -o '<tr id="[a-z]*-[0-9a-f]*"' <<<"$dom" | sort)" "$want_rows" \
	"the DOM has every row of the page ($(wc -l <<<"$want_rows") rows)"
tap_is "$(grep -o '<g id="n_[0-9a-f]*" class="node"' <<<"$dom" | wc -l)" \
	"$(grep -o '<g id="n_[0-9a-f]*" class="node"' review.html | wc -l)" \
	"and every identity node of the inline SVG graph"
tap_ok "$(grep -q '<g id="l_d9a446a354ce" class="edge"' <<<"$dom"; echo $?)" "the new edge's line is there"
tap_ok "$(grep -q '<div id="edge-controls">' <<<"$dom" &&
	grep -q '<span id="edge-count">9 of 9 rows</span>' <<<"$dom"; echo $?)" \
	"the page's script ran under its CSP: controls shown, '9 of 9 rows' written"
tap_ok "$(grep -q '<th data-sort="num"><button type="button">packets</button></th>' <<<"$dom"; echo $?)" \
	"the sortable headers became buttons"
tap_is "$(requests review.html.netlog | grep '^page ')" "" \
	"the network log has no request from the page ($(requests review.html.netlog | grep -c '^browser ') of the browser's own, refused)"
browse review.html --screenshot="$tmp/review.png" >/dev/null
info=$(not_blank "$tmp/review.png")
tap_ok $? "the screenshot is not blank: $info"

# --- hostile names ------------------------------------------------------------------------
python3 "$gen/gen.py" evil >evil.json
"$ZONEWALL" review evil.json --html evil.html || tap_bail "review --html of the hostile proposal failed"
dom=$(browse evil.html --dump-dom)
tap_ok "$([ -n "$dom" ]; echo $?)" "chromium loads the hostile page"
tap_ok "$(grep -q '<title>zonewall review</title>' <<<"$dom" && ! grep -q 'pwned' <<<"$(grep -o '<title>[^<]*</title>' <<<"$dom")"; echo $?)" \
	"the title is the page's: no payload set document.title"
tap_ok "$(! grep -q 'id="pwned"' <<<"$dom"; echo $?)" "no element a payload would add"
tap_is "$(grep -c '<img\|<svg/onload\|<script>document' <<<"$dom")" 0 "no payload became an element"
tap_is "$(grep -o '<script[^>]*>' <<<"$dom" | wc -l)" 2 "the DOM holds the page's two scripts and no other"
tap_ok "$(grep -q '<span id="edge-count">3 of 3 rows</span>' <<<"$dom"; echo $?)" \
	"and its own script still ran: '3 of 3 rows'"
tap_ok "$(grep -qF '&lt;script&gt;document.title=/pwned-id/.source&lt;/script&gt;' <<<"$dom"; echo $?)" \
	"the identities show as the text they are"
tap_is "$(requests evil.html.netlog | grep '^page ')" "" "no request leaves the hostile page"
# the control: the zone payload as it would be unescaped, in a page without CSP
printf '<!DOCTYPE html><title>zonewall review</title><p class="%s">x</p>\n' \
	"$(jq -r '.edges[] | select(.from | startswith("<script>")) | .from_zone' evil.json)" >control.html
tap_ok "$(browse control.html --dump-dom | grep -q '<title>pwned-zone</title>'; echo $?)" \
	"control: unescaped and without CSP, the same payload does set the title"

# --- 10,000 edges ---------------------------------------------------------------------------
python3 "$gen/gen.py" big 10000 10 400 1 >big.json
"$ZONEWALL" review big.json --html big.html || tap_bail "review --html of 10,000 edges failed"
start=$(date +%s%N)
dom=$(browse big.html --dump-dom)
tap_diag "chromium loaded the 10,000-edge page ($(stat -c %s big.html) bytes) in $((($(date +%s%N) - start) / 1000000)) ms"
tap_is "$(grep -c '<tr id="edge-' <<<"$dom")" 10000 "the 10,000-edge page: every row in the DOM"
tap_ok "$(grep -q '<g id="graph_zones" class="graph"' <<<"$dom" &&
	[ "$(grep -o '<g id="z_[0-9a-f]*" class="node"' <<<"$dom" | wc -l)" = 10 ] &&
	[ "$(grep -o '<g id="graph_inner_z_[0-9a-f]*" class="graph"' <<<"$dom" | wc -l)" = 10 ]; echo $?)" \
	"its graph is the 10 zones, and each zone has its own"
tap_ok "$(grep -q '<span id="edge-count">10000 of 10000 rows</span>' <<<"$dom"; echo $?)" \
	"and its script ran over all rows"

tap_done
