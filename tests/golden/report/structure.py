# structure.py FILE: the structure of a report page (or an SVG from export),
# one line per element that matters, for golden comparison: the page's
# sections and summary values, each graph with its clusters, nodes, lines
# (with their links) and deny borders and their text, the zone matrix cells
# and the edge table's rows.  Coordinates and styles are left out: they are
# Graphviz's business, the structure is ours.
import sys
from html.parser import HTMLParser

KINDS = ('graph', 'cluster', 'node', 'edge')


class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out = []
        self.stack = []         # (tag, item) where item is a dict or None
        self.text_into = None   # the item collecting text
        self.row = None
        self.cell = None

    def owner(self):
        for tag, item in reversed(self.stack):
            if item is not None:
                return item
        return None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        item = None
        if tag == 'g' and a.get('class') in KINDS:
            item = {'kind': a['class'], 'id': a.get('id', ''), 'text': [], 'href': ''}
        elif tag == 'a' and self.owner() and 'xlink:href' in a:
            self.owner()['href'] = a['xlink:href']
        elif tag in ('section', 'figure', 'details', 'table') and 'id' in a:
            self.out.append('%s %s' % (tag, a['id']))
        elif tag == 'tr' and a.get('id'):
            self.row = [a['id'], a.get('data-status', ''), a.get('data-from', ''),
                        a.get('data-to', ''), a.get('data-from-zone', ''), a.get('data-to-zone', '')]
            self.out.append('row ' + ' | '.join(self.row))
        elif tag in ('dd', 'td', 'p', 'pre') and a.get('id'):
            self.cell = {'id': a['id'], 'text': []}
        elif tag == 'meta' and a.get('http-equiv') == 'Content-Security-Policy':
            csp = a['content']
            self.out.append('csp ' + ' '.join(p.split()[0] for p in csp.split(';')))
        elif tag in ('script', 'link', 'img', 'iframe', 'object', 'embed'):
            self.out.append('element %s %s' % (tag, ' '.join(sorted(k for k in a))))
        if tag == 'br':
            if self.cell is not None:
                self.cell['text'].append(' ')
            return
        if tag == 'text':
            self.text_into = self.owner()
        self.stack.append((tag, item))

    def handle_endtag(self, tag):
        while self.stack:
            t, item = self.stack.pop()
            if item is not None:
                text = ' / '.join(x for x in item['text'] if x)
                self.out.append('%s %s%s%s' % (item['kind'], item['id'],
                                               ' -> ' + item['href'] if item['href'] else '',
                                               ' "%s"' % text if text else ''))
            if t == tag:
                break
        if tag == 'text':
            self.text_into = None
        if tag in ('dd', 'td', 'p', 'pre') and self.cell:
            self.out.append('%s "%s"' % (self.cell['id'], ' '.join(''.join(self.cell['text']).split())))
            self.cell = None

    def handle_data(self, data):
        if self.text_into is not None and data.strip():
            self.text_into['text'].append(data.strip())
        if self.cell is not None:
            self.cell['text'].append(data)


p = Page()
p.feed(open(sys.argv[1], encoding='utf-8').read())
p.close()
print('\n'.join(p.out))
