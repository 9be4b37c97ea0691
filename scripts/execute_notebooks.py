#!/usr/bin/env python
"""Run notebooks and save their outputs (figures, printed numbers) in place, for the docs site.

nbdev_test runs notebooks without keeping outputs; the docs show the outputs saved in the notebooks. This script executes
each notebook in its folder, skipping `#| eval: false` cells, the export cell and cells whose flags are given with --skip
(default: gpu; `slow` cells do run, so their figures reach the docs), then writes the outputs back. Run nbdev_clean after.

    python scripts/execute_notebooks.py                      # every notebook in nbs/
    python scripts/execute_notebooks.py nbs/03_split.ipynb   # some
"""
import argparse, re, sys, time
from pathlib import Path
from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell
from fastcore.xtras import working_directory

def skip(cell, flags):
    if cell.cell_type != 'code': return True
    if 'nbdev_export(' in cell.source: return True
    for d in re.findall(r'^#\|\s*(.+)$', cell.source, re.M):
        d = d.strip()
        if re.match(r'eval:\s*false', d) or d.split()[0] in flags: return True
    return False

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('notebooks', nargs='*', type=Path); p.add_argument('--skip', nargs='*', default=['gpu'])
    a = p.parse_args()
    nbs = a.notebooks or sorted(n for n in Path('nbs').glob('*.ipynb') if not n.name.startswith('_'))
    failed = []
    for fn in nbs:
        fn = fn.resolve(); t0 = time.time()
        nb = read_nb(fn); sh = CaptureShell(fn)
        try:
            with working_directory(fn.parent): sh.run_all(nb, exc_stop=True, preproc=lambda c: skip(c, set(a.skip)))
            write_nb(nb, fn); print(f'{fn.name}: {time.time() - t0:.0f} s')
        except Exception:
            failed.append(fn.name); sys.stderr.write(sh.prettytb(fname=fn) + '\n')
    if failed: sys.exit(f'failed: {failed}')
