#!/usr/bin/env python
"""Build the embedded benchmark table from the cells of studies/embedded_table.toml (results/embedded_table/*.jsonl).

Two tables: a summary (one row per defense, one column per attack, worst-case robust accuracy over the 3 purification seeds with
its Wilson 95% interval) and the details (every finished cell: attack settings, wall minutes, clean and robust accuracy, worst case
and majority vote). Unfinished cells (a run still going, or stopped) are listed with how many images they hold. Wall minutes come
from results/embedded_table/logs/minutes.tsv (one line per run of a cell that added images; a cell resumed across sessions sums its runs).

    python studies/tables/embedded_table.py   # writes results/embedded_table/report/embedded_table.md
"""
from pathlib import Path
from mimicdiffusion.evaluation import read_results, weights_note, embedded_digests
from mimicdiffusion.stats import summarize, results_table, wilson

# said under every table of these scripts (this one, accuracy per NFE, the adaptive study): two report lines
UPPER_BOUNDS = ["Every robust accuracy here is an upper bound: no attack of this study ran to a ladder's stop rule "
                "(`studies/frontier.toml` takes", "the final rows through attack ladders)."]

REPO = Path(__file__).resolve().parent.parent.parent
D = REPO/'results'/'embedded_table'
CELLS = ['none-pgd40', 'diffpure-transfer', 'diffpure-bpda', 'diffpure-exact', 'gdmp-transfer', 'gdmp-bpda', 'gdmp-exact',
         'mimic-paper-transfer', 'mimic-paper-bpda', 'mimic-paper-exact', 'mimic-ref-transfer', 'mimic-ref-bpda', 'mimic-ref-exact']
DEFENSES = ['none', 'diffpure t*=100', 'gdmp t*=100', 'mimic paper', 'mimic reference_code']
COLUMNS = {'white-box': 'undefended classifier, PGD-40', 'transfer': 'transfer: PGD-40 on the classifier',
           'bpda': 'BPDA: PGD-10, EOT 2', 'exact': 'exact gradients: APGD-10, EOT 2'}

def minutes(f:Path=D/'logs'/'minutes.tsv')->dict:
    "Wall minutes per cell, summed over the runs listed in a minutes.tsv (cell, minutes, how measured)."
    out = {}
    for line in (f.read_text().splitlines() if f.exists() else []):
        if line.strip() and not line.startswith('#'):
            name, m, _ = line.split('\t', 2); out[name] = out.get(name, 0.) + float(m)
    return out

def pct(s, m):
    ci = s[f'{m}_ci']
    return f"{100 * s[m]:.1f} [{100 * ci[0]:.1f}, {100 * ci[1]:.1f}]"

def main():
    rows, pending, grid, mins, robust_all, configs = [], [], {}, minutes(), {}, {}
    for name in CELLS:
        f = D/f'{name}.jsonl'
        if not f.exists(): pending.append(f'{name}: not started'); continue
        header, recs, _ = read_results(f)
        c = configs[name] = header['config']
        if len(recs) < c['n']: pending.append(f'{name}: {len(recs)} of {c["n"]} images'); continue
        defense = c['defense'] + (f" {c['preset']}" if c['defense'] == 'mimic' else f" t*={c['t_star']}" if c['defense'] != 'none' else '')
        grad = c['grad'] if c['defense'] != 'none' else 'white-box'
        attack = f"{c['attack'].upper()}-{c['iters']}, EOT {c['eot']}, {grad}"
        s = summarize(recs)
        grid[defense, grad] = s
        for r in recs:   # per image: robust under this attack when every seed classifies the adversarial image correctly
            ok = all(p == r['label'] for p in r['adv'])
            robust_all.setdefault(defense, {})
            robust_all[defense][r['index']] = robust_all[defense].get(r['index'], True) and ok
        rows.append(dict(defense=defense, K=c.get('K') or '-', attack=attack,
                         minutes=f"{mins[name]:.1f}" if name in mins else '-', **s))
    head = ['defense', 'K', 'clean (majority)'] + [COLUMNS[k] for k in ('transfer', 'bpda', 'exact')] + ['worst over the attacks']
    summary = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for d in DEFENSES:
        cells = {g: s for (dd, g), s in grid.items() if dd == d}
        if not cells: continue
        clean = next(iter(cells.values()))
        K = next((r['K'] for r in rows if r['defense'] == d), '-')
        if d == 'none': robust = [f"{pct(cells['white-box'], 'robust_worst')} (white-box PGD-40)", '-', '-']
        else: robust = [pct(cells[g], 'robust_worst') if g in cells else 'not run' for g in ('transfer', 'bpda', 'exact')]
        per_image = list(robust_all[d].values())
        k, n = sum(per_image), len(per_image)
        lo, hi = wilson(k, n)
        worst = f"{100 * k / n:.1f} [{100 * lo:.1f}, {100 * hi:.1f}]" if d != 'none' else '-'
        summary.append('| ' + ' | '.join([d, str(K), pct(clean, 'clean_majority')] + robust + [worst]) + ' |')
    text = ["Embedded Fashion-MNIST benchmark: n = 256 test images, Linf 0.1, 3 purification seeds per image. Robust accuracy is the",
            "worst case over the seeds (an image counts only if all 3 purifications classify its adversarial version correctly); clean",
            "accuracy is the majority vote. Wilson 95% intervals in brackets. Made by `mimicdiffusion study run studies/embedded_table.toml`, one thread per cell on a",
            "2-core CPU, every purifier at K = 25 sampler steps. The last column counts an image as robust only if it survives every",
            "attack in its row (the per-image minimum over attacks, what an adaptive evaluation reports).",
            *UPPER_BOUNDS, '',
            weights_note(configs, embedded_digests()), '', *summary, '',
            "Every cell, with its wall time (minutes on one thread; `-` where not measured) and the majority-vote robust accuracy. The",
            "reference_code preset runs at batch 32, so its step is 2 x 3000/(32 x 784) = 0.24 per pixel.", '',
            results_table(rows, metrics=('clean_majority', 'robust_worst', 'robust_majority')) if rows else '(no finished cells yet)']
    if pending: text += ['', 'Not finished (the harness resumes them when the script runs again): ' + '; '.join(pending) + '.']
    (D/'report'/'embedded_table.md').write_text('\n'.join(text) + '\n'); print('\n'.join(text))

if __name__ == '__main__': main()
