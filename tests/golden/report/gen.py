# gen.py big N ZONES IDS SEED: a proposal of N edges between IDS identities
# spread over ZONES zones (a scale test of the report).
# gen.py evil: a small proposal whose identities and zone names try to break
# out of every context of the page (HTML text and attributes, the style
# sheet, the script, Graphviz's labels); each payload would set
# document.title or add an element with id "pwned" if it ever ran.
# Edge ids as rules/proposal.schema.json says (FNV-1a 64, top 48 bits).
import json, random, sys

P = {'tcp': 6, 'udp': 17, 'icmp': 1}


def eid(e):
    h = 0xcbf29ce484222325
    port = e.get('port', 0)
    data = e['from'].encode() + b'\0' + e['to'].encode() + b'\0' + bytes([P[e['proto']], port >> 8, port & 255])
    for b in data:
        h ^= b
        h = (h * 0x100000001b3) & 0xffffffffffffffff
    return '%012x' % (h >> 16)


def edge(frm, to, proto, port, fz, tz, packets, days):
    e = {'id': '', 'from': frm, 'to': to, 'proto': proto}
    if port:
        e['port'] = port
    if fz is not None:
        e['from_zone'] = fz
    if tz is not None:
        e['to_zone'] = tz
    day = ['2026-01-%02d' % (d + 1) for d in range(days)]
    e.update(packets=packets, first_seen=day[0] + 'T00:00:00Z', last_seen=day[-1] + 'T12:00:00Z',
             days=day, runs=['r1'], samples=[])
    e['id'] = eid(e)
    return e


def big(n, zones, ids, seed):
    rnd = random.Random(seed)
    names = ['svc%04d' % i for i in range(ids)]
    zone = {nm: 'z%02d' % (i % zones) for i, nm in enumerate(names)}
    seen, edges = set(), []
    while len(edges) < n:
        a, b = rnd.choice(names), rnd.choice(names)
        port = rnd.choice([80, 443, 5432, 6379, 8080, 9000 + rnd.randrange(500)])
        if a == b or (a, b, port) in seen:
            continue
        seen.add((a, b, port))
        edges.append(edge(a, b, 'tcp', port, zone[a], zone[b], rnd.randrange(1, 100000), rnd.randrange(1, 9)))
    return edges


EVIL_ZONE = '"><img src=x onerror="document.title=\'pwned-zone\'">'
EVIL_STYLE = '</style><script>document.title="pwned-style"</script>'
EVIL_SLASH = '\\N\\G\\E<b>bold</b>'


def evil():
    return [
        edge('<script>document.title=/pwned-id/.source</script>',
             '<img/src=x/onerror=document.body.appendChild(document.createElement(`p`)).id=`pwned`>',
             'tcp', 80, EVIL_ZONE, EVIL_STYLE, 10, 2),
        edge('web', '</style><svg/onload=document.title=1>', 'tcp', 443, EVIL_SLASH, EVIL_ZONE, 5, 1),
        edge('</script><script>document.title=2</script>', 'web', 'udp', 53, EVIL_STYLE,
             EVIL_SLASH, 3, 3),
    ]


if sys.argv[1] == 'big':
    E = big(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
else:
    E = evil()
E.sort(key=lambda e: (e['from'], e['to'], P[e['proto']], e.get('port', 0)))
json.dump({'version': 1, 'edges': E}, sys.stdout, indent=2)
print()
