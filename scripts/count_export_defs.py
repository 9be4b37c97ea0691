#!/usr/bin/env python
"""Count the definitions in each exported cell of the method notebooks (issue 29: one definition per export cell).

    python scripts/count_export_defs.py [NOTEBOOK ...] [--max-share 0.15]

A definition is a top-level `def`/`class` or a top-level assignment to a name (a constant or registry such as `NORMS`; `_all_`
and `__all__` are not counted). Prints every exported cell that defines more than one thing, and per notebook and in all the
number of exported cells that define anything and how many of them define more than one. Exits 1 when that share is at least
`--max-share` (default: report only). Default notebooks: nbs/01_*.ipynb .. nbs/05a_*.ipynb.
"""
import argparse, ast, json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXPORT = re.compile(r'^#\|\s*export[s]?\s*$', re.M)

def cell_defs(src:str)->list[str]:
    "The names a cell's source defines at top level (def, class, assignment)."
    code = '\n'.join(l for l in src.splitlines() if not l.lstrip().startswith('#|'))
    names = []
    for node in ast.parse(code).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)): names.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name) and n.id not in ('_all_', '__all__'): names.append(n.id)
    return names

def count(nb:Path)->tuple[int, list]:
    "(exported cells that define something, [(cell id, names)] of those that define more than one)."
    cells = [c for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == 'code']
    n, multi = 0, []
    for c in cells:
        src = ''.join(c['source'])
        if not EXPORT.search(src): continue
        names = cell_defs(src)
        if names: n += 1
        if len(names) > 1: multi.append((c.get('id'), names))
    return n, multi

def default_notebooks()->list[Path]:
    nbs = sorted((ROOT/'nbs').glob('0*.ipynb'))
    return [p for p in nbs if re.match(r'0(1|2|3|4|5)[a-z]?_', p.name)]

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('notebooks', nargs='*', type=Path)
    ap.add_argument('--max-share', type=float, default=None)
    args = ap.parse_args()
    total = total_multi = 0
    for nb in args.notebooks or default_notebooks():
        n, multi = count(nb)
        total, total_multi = total + n, total_multi + len(multi)
        print(f'{nb.name}: {len(multi)} of {n} exported cells define more than one thing')
        for cid, names in multi: print(f'    cell {cid}: {", ".join(names)}')
    share = total_multi / max(total, 1)
    print(f'all: {total_multi} of {total} ({100 * share:.0f}%)')
    if args.max_share is not None and share >= args.max_share: sys.exit(1)
