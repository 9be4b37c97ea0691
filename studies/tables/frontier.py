"""The frontier study in five lines, read from `results/frontier/report/summary.json`: notebook 08 and the README quote it.

`python studies/tables/frontier.py` prints it (after `mimicdiffusion study report studies/frontier.toml`)."""
import json
from pathlib import Path
from mimicdiffusion.studies import Study
from mimicdiffusion.stats import paired_difference

def load(root='.'):
    "The frontier study and its report's summary (rows with Wilson intervals and robust images)."
    root = Path(root)
    return Study.load(root/'studies'/'frontier.toml'), json.loads((root/'results'/'frontier'/'report'/'summary.json').read_text())

def summary(root='.')->str:
    "Five markdown bullet lines: convergence, DiffPure's curve, MimicDiffusion against it, majority vote, the variants."
    frontier, summary = load(root)
    rows = {r['name']: r for r in summary['rows'] if 'rungs' in r}
    curve = [rows[c] for c in frontier.frontier['curve'] if c in rows]
    rows = {r['name']: r for r in summary['rows'] if 'rungs' in r}
    curve = [rows[c] for c in frontier.frontier['curve'] if c in rows]
    pct = lambda r, k='robust_worst': f"{100 * r[k]:.1f}% [{100 * r[k + '_ci'][0]:.1f}, {100 * r[k + '_ci'][1]:.1f}]"
    def versus(r):   # paired difference (every seed right) to the DiffPure point nearest in clean accuracy
        near = min(curve, key=lambda c: abs(c['clean_majority'] - r['clean_majority']))
        d, (lo, hi), _, _ = paired_difference(*([i in x['robust_images'] for i in range(r['n'])] for x in (r, near)))
        return f"{100 * d:+.1f} points [{100 * lo:+.1f}, {100 * hi:+.1f}] against {near['label']} on the same images"
    done = [r for r in rows.values() if r['state'].startswith('converged')]
    mimic = [r for r in rows.values() if r['label'].startswith('Mimic')]
    best = max(mimic, key=lambda r: r['robust_worst'])
    near_best = min(curve, key=lambda c: abs(c['clean_majority'] - best['clean_majority']))
    _, (lo, hi), _, _ = paired_difference(*([i in x['robust_images'] for i in range(best['n'])] for x in (best, near_best)))
    where = 'lies below that curve' if hi < 0 else 'lies above that curve' if lo > 0 else 'is not told apart from that curve'

    variants = [r for n, r in rows.items() if n not in {'lad-' + k for k in ('dp50', 'dp100', 'dp150', 'dp200', 'dp300', 'gdmp')}
                and not r['label'].startswith('Mimic')]
    lines = [
        f"- **{len(done)} of {len(rows)} rows have converged** under the ladder's stop rule"
        + (f" ({', '.join(r['label'] for r in done)}); every other" if done else '; every') + ' robust accuracy below is an upper bound.',
        f"- **DiffPure's own trade-off**: as $t^*$ grows from {curve[0]['label'].split('=')[-1]} to {curve[-1]['label'].split('=')[-1]}, "
        f"clean accuracy falls from {100 * curve[0]['clean_majority']:.1f}% to {100 * curve[-1]['clean_majority']:.1f}% and robust "
        f"accuracy (every seed right) goes from {pct(curve[0])} to {pct(curve[-1])}, with its highest, {pct(max(curve, key=lambda c: c['robust_worst']))}, "
        f"at {max(curve, key=lambda c: c['robust_worst'])['label']}.",
        f"- **MimicDiffusion {where}**: its most robust preset, {best['label'].split(' ', 1)[1]}, keeps {pct(best)} at "
        f"{100 * best['clean_majority']:.1f}% clean, {versus(best)}.",
        f"- **By majority vote** (DiffBreak's reading) every row reads higher, DiffPure {pct(curve[0], 'robust_majority')} to "
        f"{pct(max(curve, key=lambda c: c['robust_majority']), 'robust_majority')}, MimicDiffusion {best['label'].split(' ', 1)[1]} "
        f"{pct(best, 'robust_majority')}: say which reading a number is.",
        '- **Variants beyond the paper**: ' + ('; '.join(f"{r['label']} keeps {pct(r)} at {100 * r['clean_majority']:.1f}% clean, "
                                                          f"{versus(r)}" for r in variants) if variants else
                                              'the study file defines them (g300s10, votes of 4); none has a finished cascade yet') + '.',
    ]
    return '\n'.join(lines)

if __name__ == '__main__': print(summary())
