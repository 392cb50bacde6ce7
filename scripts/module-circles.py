#!/usr/bin/env python3
"""Lists the `crate::`/`super::`/`self::` edges between the modules (files) of each crate and
prints the circles among them (strongly connected groups of two or more modules).

Usage: scripts/module-circles.py [-v] SRC_DIR...   e.g. scripts/module-circles.py crates/*/src src-tauri/src
-v also prints every edge. A module's own parent or children (`mod.rs` re-exports, `use super::*`
in a test module) are not counted: only edges between siblings and cousins, which is where a
circle means two files that cannot be read one without the other. Exits 1 when a circle exists.
"""
import os
import re
import sys
from collections import defaultdict


def modules(src):
    """Module path (a tuple) -> file, for every .rs file below `src`."""
    mods = {}
    for root, _, files in os.walk(src):
        for f in files:
            if f.endswith('.rs'):
                p = os.path.join(root, f)
                rel = os.path.relpath(p, src)[:-3].split(os.sep)
                if rel[-1] == 'mod':
                    rel = rel[:-1]
                if rel in (['lib'], ['main']):
                    rel = []
                mods[tuple(rel)] = p
    return mods


def strip(text):
    """The text without comments and string contents, so that neither is read as a path."""
    text = re.sub(r'//[^\n]*', '', text)
    text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
    return re.sub(r'"(?:\\.|[^"\\])*"', '""', text)


def paths(text):
    """(base, segments) of every `crate::a::b`, `super::a` or `self::a` path, with `use` groups
    (`crate::a::{b, c::d}`) opened one level."""
    out = set()
    for m in re.finditer(r'\b(crate|super|self)((?:::\w+)+)(::\{)?', text):
        base, segs = m.group(1), m.group(2).strip(':').split('::')
        if not m.group(3):
            out.add((base, tuple(segs)))
            continue
        depth, i, cur, members = 1, m.end(), '', []
        while depth and i < len(text):
            c = text[i]
            depth += c == '{'
            depth -= c == '}'
            if (depth == 1 and c == ',') or depth == 0:
                members.append(cur.strip())
                cur = ''
            else:
                cur += c
            i += 1
        for mem in members:
            first = re.split(r'::|\s', mem.strip('{} \n'))[0] if mem else ''
            out.add((base, tuple(segs + ([first] if first and first != 'self' else []))))
    return out


def edges_of(mods):
    edges = defaultdict(set)
    for me, p in mods.items():
        is_dir = p.endswith(('mod.rs', 'lib.rs', 'main.rs'))
        scope = list(me) if is_dir else list(me[:-1])  # where `super::` of this file's items points
        for base, segs in paths(strip(open(p, encoding='utf-8').read())):
            if base == 'crate':
                path = list(segs)
            elif base == 'super':
                path = (scope[:-1] if is_dir else scope) + list(segs)
            else:
                path = list(me) + list(segs)
            tgt = next((tuple(path[:n]) for n in range(len(path), 0, -1) if tuple(path[:n]) in mods), None)
            related = tgt is not None and (tgt[:len(me)] == me or me[:len(tgt)] == tgt)
            if tgt and not related:
                edges[me].add(tgt)
    return edges


def circles(nodes, edges):
    """Tarjan's strongly connected components of two or more nodes."""
    sys.setrecursionlimit(10000)
    index, low, on, stack, out = {}, {}, set(), [], []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(comp)

    for v in nodes:
        if v not in index:
            visit(v)
    return out


def name(m):
    return '::'.join(m) or 'crate'


def main(args):
    verbose = '-v' in args
    total = 0
    for src in [a for a in args if a != '-v']:
        mods = modules(src)
        edges = edges_of(mods)
        found = circles(sorted(mods), edges)
        n_edges = sum(len(v) for v in edges.values())
        print(f'{src}: {len(mods)} modules, {n_edges} edges, {len(found)} circle(s)')
        for c in found:
            print('  circle: ' + ', '.join(sorted(name(m) for m in c)))
            for a in sorted(c):
                for b in sorted(edges.get(a, ())):
                    if b in c:
                        print(f'    {name(a)} -> {name(b)}')
        if verbose:
            for a in sorted(edges):
                for b in sorted(edges[a]):
                    print(f'    {name(a)} -> {name(b)}')
        total += len(found)
    print(f'total circles: {total}')
    return 1 if total else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
