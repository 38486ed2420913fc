#!/usr/bin/env python3
"""The core's module graph: which top-level module of src/ uses which (from `crate::` paths,
re-exports at the crate root resolved to their module, tests excluded). Prints the graph and
exits 1 on a cycle. Run: python3 tools/modgraph.py"""
import os
import re
import sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src')
lib = open(os.path.join(root, 'lib.rs')).read()
# Names re-exported at the root: `pub use module::{A, B}` / `pub use module::A`.
owner = {}
for m in re.finditer(r'pub use (\w+)::(\{[^;]*\}|\w+);', lib, re.S):
    for name in re.findall(r'\w+', m.group(2)):
        owner.setdefault(name, m.group(1))

mods = {}
for dp, _, fs in os.walk(root):
    for f in fs:
        if not f.endswith('.rs') or os.path.join(dp, f) == os.path.join(root, 'lib.rs'):
            continue
        top = os.path.relpath(os.path.join(dp, f), root).split(os.sep)[0].removesuffix('.rs')
        src = open(os.path.join(dp, f)).read()
        src = re.split(r'#\[cfg\(test\)\]\s*mod tests', src)[0]
        src = re.sub(r'//[^\n]*', '', src)
        deps = mods.setdefault(top, set())
        names = [m.group(1) for m in re.finditer(r'\$?crate::(\w+)', src)]
        for m in re.finditer(r'use crate::\{([^;]*)\};', src, re.S):
            names += re.findall(r'(?:^|[,{])\s*(\w+)', m.group(1))
        for n in names:
            deps.add(owner.get(n, n))
for k in mods:
    mods[k] = {d for d in mods[k] if d in mods and d != k}
for k in sorted(mods):
    print(f'{k:13} -> {", ".join(sorted(mods[k])) or "(nothing)"}')
state, stack, cycles = {}, [], []
def visit(n):
    state[n] = 1
    stack.append(n)
    for d in sorted(mods[n]):
        if state.get(d) == 1:
            cycles.append(stack[stack.index(d):] + [d])
        elif d not in state:
            visit(d)
    stack.pop()
    state[n] = 2
for n in sorted(mods):
    if n not in state:
        visit(n)
for c in cycles:
    print('cycle:', ' -> '.join(c))
print('no cycles' if not cycles else f'{len(cycles)} cycle(s)')
sys.exit(1 if cycles else 0)
