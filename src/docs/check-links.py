#!/usr/bin/env python3
"""Every relative Markdown link in README.md and src/docs/*.md resolves: the file exists and, with #anchor, a heading
of that file has that GitHub anchor (lower case, punctuation but - and _ dropped, spaces to -, -N for repeats)."""
import os, re, sys, glob
def anchors(path):
    seen = {}; out = set(); fence = False
    for line in open(path, encoding='utf-8'):
        if line.startswith('```'): fence = not fence
        if fence: continue
        m = re.match(r'#{1,6} (.*)', line)
        if not m: continue
        a = re.sub(r'[^\w\- ]', '', m.group(1).strip().lower()).replace(' ', '-')
        n = seen.get(a, 0); seen[a] = n + 1
        out.add(a if n == 0 else f'{a}-{n}')
    return out
bad = 0; checked = 0
for doc in ['README.md'] + sorted(glob.glob('src/docs/*.md')):
    text = re.sub(r'```.*?```', '', open(doc, encoding='utf-8').read(), flags=re.S)
    for target in re.findall(r'\]\(([^)\s]+)\)', text):
        if re.match(r'[a-z]+:', target): continue
        checked += 1
        path, _, anchor = target.partition('#')
        full = os.path.normpath(os.path.join(os.path.dirname(doc), path)) if path else doc
        if not os.path.exists(full): print(f'{doc}: {target}: no file {full}'); bad += 1; continue
        if anchor and anchor not in anchors(full): print(f'{doc}: {target}: no heading #{anchor} in {full}'); bad += 1
print("links: %d checked, %d broken" % (checked, bad)); sys.exit(1 if bad else 0)
