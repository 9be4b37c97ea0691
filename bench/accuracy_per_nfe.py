#!/usr/bin/env python
"""Accuracy per NFE (issue 9c) from the cells of `bench/accuracy_per_nfe.sh` (K = 10, 50, 100) and the embedded table (K = 25).

Writes bench/accuracy_per_nfe.md and replaces section "(c) Accuracy per NFE" of bench/RESULTS.md with it. Unfinished cells are
listed with how many of the 256 images they hold; they resume when the script runs again.

    python bench/accuracy_per_nfe.py
"""
import re, sys
from pathlib import Path
from mimicdiffusion.evaluation import read_results, weights_note, embedded_digests
from mimicdiffusion.stats import summarize, paired_difference
sys.path.insert(0, str(Path(__file__).parent))
from embedded_table import minutes, pct   # the same minutes.tsv format and percent-with-interval cells as the embedded table

D, T = Path('bench/accuracy_per_nfe'), Path('bench/embedded_table')
HEADING = '## (c) Accuracy per NFE'
KS = (10, 25, 50, 100)
CONFIGS = {}   # cell file -> its config, for the weights note

def path(K:int, kind:str)->Path: return T/f'mimic-paper-{kind}.jsonl' if K == 25 else D/f'{kind}-K{K}.jsonl'

def timed_images(f:Path)->dict:
    "Images covered by the timed runs of each cell in a minutes.tsv ('images a -> b' in the third column)."
    out = {}
    for line in (f.read_text().splitlines() if f.exists() else []):
        m = re.search(r'images (\d+) -> (\d+)', line)
        if m: out[line.split('\t')[0]] = out.get(line.split('\t')[0], 0) + int(m[2]) - int(m[1])
    return out

def cell(K:int, kind:str):
    "(summary or None, status text, wall minutes as table text) of one cell; minutes that cover fewer than n images say so."
    f = path(K, kind)
    if not f.exists(): return None, 'not started', '-'
    tsv = (T if K == 25 else D)/'minutes.tsv'
    m, timed = minutes(tsv).get(f.stem), timed_images(tsv).get(f.stem)
    header, recs, _ = read_results(f)
    CONFIGS[str(f)] = header['config']; n = header['config']['n']
    text = '-' if m is None else f'{m:.1f}' + (f' ({timed} of {n} images timed)' if timed is not None and timed < n else '')
    if len(recs) < n: return None, f'{len(recs)} of {n} images', text
    return summarize(recs), 'done', text

def paired(a:Path, b:Path, key:str='adv'):
    """Paired difference (a - b) of per-image accuracy on the same images: worst case over seeds for 'adv', majority vote for 'clean'.
    Returns (difference, (lo, hi) Wald 95% interval for paired proportions, images right only in a, images right only in b)."""
    def right(f):
        recs = {r['index']: r for r in read_results(f)[1]}
        if key == 'adv': return {i: all(p == r['label'] for p in r['adv']) for i, r in recs.items()}
        return {i: 2 * sum(p == r['label'] for p in r['clean']) > len(r['clean']) for i, r in recs.items()}
    ra, rb = right(a), right(b)
    if set(ra) != set(rb): raise ValueError(f'{a} and {b} hold different images')
    return paired_difference([ra[i] for i in sorted(ra)], [rb[i] for i in sorted(ra)])

def main():
    lines = ['| K (NFE per purification) | clean (majority) | clean (mean over seeds) | BPDA: PGD-10, EOT 2 (worst) | minutes | '
             'exact: APGD-10, EOT 2 (worst) | minutes |', '|' + '---|' * 7]
    res = {}
    for K in KS:
        row, clean = [str(K)], None
        for kind in ('bpda', 'exact'):
            s, status, m = cell(K, kind)
            res[K, kind] = s
            clean = clean or s
            row += [pct(s, 'robust_worst') if s else status, m]
        row[1:1] = [pct(clean, 'clean_majority'), f"{100 * clean['clean_mean']:.1f}"] if clean else ['-', '-']
        lines.append('| ' + ' | '.join(row) + ' |')
    notes = []
    def note(label, a, b, key, kind):
        d, (lo, hi), oa, ob = paired(path(25, kind), path(100, kind), key)
        notes.append(f"- {label}: K=25 {100 * a:.1f} vs K=100 {100 * b:.1f}, paired difference (K=25 - K=100) {100 * d:+.1f} points "
                     f"[{100 * lo:+.1f}, {100 * hi:+.1f}] ({oa} images right only at K=25, {ob} only at K=100); goal (K=25 at most 2 points "
                     f"below K=100): {'met' if d >= -0.02 else 'missed'} by the point estimate, "
                     f"{'met' if lo >= -0.02 else 'not established'} by the interval")
    for kind in ('bpda', 'exact'):
        a, b = res[25, kind], res[100, kind]
        if a and b: note(f'{kind} robust (worst)', a['robust_worst'], b['robust_worst'], 'adv', kind)
        else: notes.append(f"- {kind}: K=25 vs K=100 not comparable yet (a cell is unfinished)")
    kind = next((k for k in ('bpda', 'exact') if res[25, k] and res[100, k]), None)
    if kind: note(f'clean (majority; images of the {kind} cells)', res[25, kind]['clean_majority'], res[100, kind]['clean_majority'], 'clean', kind)
    text = '\n'.join(["MimicDiffusion `paper` on the embedded Fashion-MNIST benchmark: n = 256 test images, Linf 0.1, 3 purification seeds per image "
                      "(robust: correct under all 3), Wilson 95% intervals; cells made by `bench/accuracy_per_nfe.sh` (K = 25 cells: "
                      "`bench/embedded_table.sh`, same settings), one thread per cell on a 2-core CPU, minutes per cell. "
                      "Goal: K=25 within 2 points of K=100.", '', weights_note(CONFIGS, embedded_digests()), '', *lines, '', *notes])
    Path('bench/accuracy_per_nfe.md').write_text(text + '\n'); print(text)
    r = Path('bench/RESULTS.md'); body = r.read_text()
    entry = f"{HEADING}\n\n- command: `bash bench/accuracy_per_nfe.sh && python bench/accuracy_per_nfe.py`\n\n{text}\n"
    if HEADING in body: body = re.sub(re.escape(HEADING) + r'.*?(?=\n## |\Z)', lambda m: entry.rstrip('\n'), body, flags=re.S)
    else: body = body.rstrip('\n') + '\n\n' + entry
    r.write_text(body.rstrip('\n') + '\n')

if __name__ == '__main__': main()
