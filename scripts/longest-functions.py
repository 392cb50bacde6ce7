#!/usr/bin/env python3
"""Lists the longest Rust functions below a folder: from the line of `fn NAME` to the line that
closes its body (braces matched after comments and string and char literals are blanked), every
line counted, blank and comment lines included. Usage: scripts/longest-functions.py DIR [N]"""
import os, re, sys

def blank(text):
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith('//', i):
            j = text.find('\n', i); j = n if j < 0 else j
            out.append(' ' * (j - i)); i = j
        elif text.startswith('/*', i):
            j = text.find('*/', i + 2); j = n if j < 0 else j + 2
            out.append(re.sub(r'[^\n]', ' ', text[i:j])); i = j
        elif c == 'r' and re.match(r'r#*"', text[i:i+10]) and (i == 0 or not (text[i-1].isalnum() or text[i-1] == '_')):
            m = re.match(r'r(#*)"', text[i:]); end = '"' + m.group(1)
            j = text.find(end, i + len(m.group(0))); j = n if j < 0 else j + len(end)
            out.append(re.sub(r'[^\n]', ' ', text[i:j])); i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == '\\' else 1
            out.append(re.sub(r'[^\n]', ' ', text[i:j+1])); i = j + 1
        elif c == "'" and re.match(r"'(\\.|[^\\'])'|'\\u\{[0-9a-fA-F]+\}'|'\\x..'", text[i:i+12]):
            m = re.match(r"'(\\.|[^\\'])'|'\\u\{[0-9a-fA-F]+\}'|'\\x..'", text[i:i+12])
            out.append(' ' * len(m.group(0))); i += len(m.group(0))
        else:
            out.append(c); i += 1
    return ''.join(out)

def functions(path):
    text = blank(open(path, encoding='utf-8', errors='replace').read())
    for m in re.finditer(r'\bfn\s+(\w+)', text):
        # the body starts at the first `{` before any `;` (a trait method without a body has `;`)
        k = m.end(); depth = 0
        while k < len(text) and text[k] not in '{;':
            k += 1
        if k >= len(text) or text[k] == ';':
            continue
        start_line = text.count('\n', 0, m.start()) + 1
        for j in range(k, len(text)):
            if text[j] == '{': depth += 1
            elif text[j] == '}':
                depth -= 1
                if depth == 0:
                    yield m.group(1), start_line, text.count('\n', 0, j) + 1
                    break

root = sys.argv[1]; top = int(sys.argv[2]) if len(sys.argv) > 2 else 5
rows = []
for d, dirs, files in os.walk(root):
    dirs[:] = [x for x in dirs if x not in ('target', 'node_modules', '.git')]
    for f in files:
        if f.endswith('.rs'):
            p = os.path.join(d, f)
            for name, a, b in functions(p):
                rows.append((b - a + 1, os.path.relpath(p, root), name, a))
rows.sort(reverse=True)
for n, p, name, a in rows[:top]:
    print(f'{n:5} {p}:{a} {name}')
