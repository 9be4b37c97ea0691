#!/usr/bin/env python
"""Build the embedded benchmark table from the cells `bench/embedded_table.sh` has run (bench/embedded_table/*.jsonl).

Each finished cell becomes a row; unfinished cells (a run still going, or stopped) are listed with how many images they hold.
Wall time per cell is the time between its log file's last write and the previous cell's in the same queue (the script's order).

    python bench/embedded_table.py        # writes bench/embedded_table.md
"""
import os
from pathlib import Path
from mimicdiffusion.evaluation import read_results, summarize, results_table

D = Path('bench/embedded_table')
QUEUES = [['none-pgd40', 'diffpure-transfer', 'mimic-paper-transfer', 'diffpure-bpda', 'gdmp-bpda', 'diffpure-exact'],
          ['gdmp-transfer', 'mimic-ref-transfer', 'mimic-paper-bpda', 'mimic-ref-bpda', 'mimic-paper-exact']]

def main():
    rows, pending = [], []
    for q in QUEUES:
        prev = None
        for name in q:
            f, log = D/f'{name}.jsonl', D/f'{name}.log'
            if not f.exists(): pending.append(f'{name}: not started'); continue
            header, recs, _ = read_results(f)
            c = header['config']
            done = log.exists() and log.read_text().strip().endswith('}')
            if not done or len(recs) < c['n']: pending.append(f'{name}: {len(recs)} of {c["n"]} images'); prev = None; continue
            wall = (log.stat().st_mtime - prev) / 60 if prev else None
            prev = log.stat().st_mtime
            defense = c['defense'] + (f" {c['preset']}" if c['defense'] == 'mimic' else f" t*={c['t_star']}" if c['defense'] != 'none' else '')
            attack = 'none' if c['attack'] == 'none' else f"{c['attack'].upper()}-{c['iters']}, EOT {c['eot']}, {c['grad'] if c['defense'] != 'none' else 'white-box'}"
            rows.append(dict(defense=defense, K=c.get('K') or '-', attack=attack, minutes=f'{wall:.1f}' if wall else '-', **summarize(recs)))
    text = ["Embedded Fashion-MNIST benchmark: n = 256 test images, Linf 0.1, 3 purification seeds per image (worst case: correct under",
            "all 3; majority: correct under at least 2). Cells made by `bench/embedded_table.sh` (one thread each, 2-core CPU); minutes are",
            "per cell, measured from the log files (- where not measurable). The reference_code preset runs at batch 32, so its step is",
            "2 x 3000/(32 x 784) = 0.24 per pixel.", '',
            results_table(rows, metrics=('clean_majority', 'robust_worst', 'robust_majority')) if rows else '(no finished cells yet)']
    if pending: text += ['', 'Not finished in the session that made this table (the harness resumes them): ' + '; '.join(pending) + '.']
    Path('bench/embedded_table.md').write_text('\n'.join(text) + '\n'); print('\n'.join(text))

if __name__ == '__main__': main()
