# check-page.py FILE: what must hold of every report page, whatever its
# content; prints one line per problem (nothing when all hold):
#  - the Content-Security-Policy names the SHA-256 of the page's one <style>
#    and one inline <script> (so a browser runs them and nothing else);
#  - nothing is loaded: no <link>, <img>, <iframe>, <object>, <embed>, no
#    src attribute, no href or xlink:href but "#fragment", no url( or
#    @import in the style sheet;
#  - exactly two <script> elements: the JSON data block and the code;
#  - every element id is unique in the page (several graphs included).
import base64, hashlib, re, sys
from html.parser import HTMLParser

page = open(sys.argv[1], encoding='utf-8').read()
problems = []


def sha(text):
    return "'sha256-%s'" % base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


class P(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.csp = None
        self.scripts = []
        self.ids = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == 'meta' and a.get('http-equiv') == 'Content-Security-Policy':
            self.csp = {d.split()[0]: d.split()[1:] for d in a['content'].split(';') if d.strip()}
        if tag in ('link', 'img', 'iframe', 'object', 'embed', 'base', 'form'):
            problems.append('a <%s> element' % tag)
        if tag == 'script':
            self.scripts.append(a)
        if 'id' in a:
            self.ids[a['id']] = self.ids.get(a['id'], 0) + 1
        for k, v in attrs:
            if k == 'src' or (k in ('href', 'xlink:href') and not (v or '').startswith('#')):
                problems.append('<%s %s="%s">' % (tag, k, v))
            if k.startswith('on'):
                problems.append('<%s %s=...>: an event handler' % (tag, k))


p = P()
p.feed(page)
styles = re.findall(r'<style>(.*?)</style>', page, re.S)
codes = re.findall(r'<script>(.*?)</script>', page, re.S)
if len(styles) != 1 or len(codes) != 1 or len(p.scripts) != 2:
    problems.append('%d styles, %d code scripts, %d scripts in all' % (len(styles), len(codes), len(p.scripts)))
if not p.csp:
    problems.append('no Content-Security-Policy')
else:
    want = {'default-src': ["'none'"], 'img-src': ['data:'], 'base-uri': ["'none'"],
            'form-action': ["'none'"], 'style-src': [sha(s) for s in styles],
            'script-src': [sha(s) for s in codes]}
    if p.csp != want:
        problems.append('CSP %s, want %s' % (p.csp, want))
dup = sorted(i for i, n in p.ids.items() if n > 1)
if dup:
    problems.append('ids used more than once: %s' % ' '.join(dup[:10]))
if any('url(' in s or '@import' in s for s in styles):
    problems.append('the style sheet loads something')
print('\n'.join(problems))
