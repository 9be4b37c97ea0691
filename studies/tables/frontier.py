"""The frontier study in five lines, read from `results/frontier/report/summary.json`; notebook 08 and the README quote
it.

`python studies/tables/frontier.py` prints it (after `mimicdiffusion study report studies/frontier.toml`)."""
import json
from pathlib import Path
from mimicdiffusion.studies import Study, nearest_difference

def load(root='.'):
    "The frontier study and its report's summary (rows with Wilson intervals and robust images)."
    root = Path(root)
    summary = json.loads((root/'results'/'frontier'/'report'/'summary.json').read_text())
    return Study.load(root/'studies'/'frontier.toml'), summary

def converged(r:dict)->bool: return r['state'].startswith('converged')

def pct(r:dict, k:str='robust_worst')->str:
    "A row's accuracy `k` with its Wilson interval, in percent; '≤' before a robust one whose ladder has not converged."
    bound = '≤ ' if k.startswith('robust') and not converged(r) else ''
    return f"{bound}{100 * r[k]:.1f}% [{100 * r[k + '_ci'][0]:.1f}, {100 * r[k + '_ci'][1]:.1f}]"

def stage(r:dict)->str:
    "How far a row's attacks have gone: 'converged', 'after its cascade', 'after rung k of its ladder', or at its cap."
    if converged(r): return 'converged'
    k = len(r.get('rungs', []))
    return ("at its ladder's cap, not converged" if r['state'].startswith('not converged at the cap') else
            f'after rung {k} of its ladder' if k else 'after its cascade')

def ladder_rows(root='.'):
    "The report's ladder rows by name, the curve's rows (DiffPure's t*), the variants' (ladders after `v-*` cells)."
    frontier, summary = load(root)
    rows = {r['name']: r for r in summary['rows'] if 'rungs' in r}
    curve = [rows[c] for c in frontier.frontier['curve'] if c in rows]
    variants = [r for n, r in rows.items() if frontier._ladder[n].after[0].startswith('v-')]
    return rows, curve, variants

def summary(root='.')->str:
    "Five markdown bullet lines: convergence, DiffPure's curve, MimicDiffusion against it, majority vote, the variants."
    rows, curve, variants = ladder_rows(root)
    def versus(r):   # paired difference (every seed right) to the DiffPure point nearest in clean accuracy
        nd = nearest_difference(r, curve); lo, hi = nd['ci']
        out = (f"{100 * nd['diff']:+.1f} points [{100 * lo:+.1f}, {100 * hi:+.1f}] against {nd['near']['label']} "
               "on the same images")
        if converged(r) and converged(nd['near']): return out
        return out + f" (not final: this row {stage(r)}, {nd['near']['label']} {stage(nd['near'])})"
    done = [r for r in rows.values() if converged(r)]
    best = max((r for r in rows.values() if r['label'].startswith('Mimic')), key=lambda r: r['robust_worst'])
    preset = best['label'].split(' ', 1)[1]
    nd = nearest_difference(best, curve); lo, hi = nd['ci']
    # below: settled once the curve point is converged (the preset's own bound can only fall); above: once both are
    settled = converged(nd['near']) if hi < 0 else converged(nd['near']) and converged(best)
    where = ('lies below that curve' if hi < 0 else 'lies above that curve' if lo > 0
             else 'is not told apart from that curve') + ('' if settled or lo <= 0 <= hi else ' so far')
    top, top_vote = (max(curve, key=lambda c: c[k]) for k in ('robust_worst', 'robust_majority'))
    tops = [c['label'] for c in curve if c['robust_worst'] == top['robust_worst']]   # every point at the highest
    tops = tops[0] if len(tops) == 1 else f"{', '.join(tops[:-1])} and {tops[-1]}, tied"
    higher = all(r['robust_majority'] > r['robust_worst'] for r in rows.values())
    lines = [
        f"- **{len(done)} of {len(rows)} rows have converged** under the ladder's stop rule"
        + (f" ({', '.join(r['label'] for r in done)}); every other" if done else '; every')
        + ' robust accuracy below is an upper bound.',
        f"- **DiffPure's own trade-off**: as $t^*$ grows from {curve[0]['label'].split('=')[-1]} to "
        f"{curve[-1]['label'].split('=')[-1]}, clean accuracy falls from {100 * curve[0]['clean_majority']:.1f}% to "
        f"{100 * curve[-1]['clean_majority']:.1f}% and robust accuracy (every seed right) goes from {pct(curve[0])} to "
        f"{pct(curve[-1])}, with its highest, {pct(top)}, at {tops}.",
        f"- **MimicDiffusion {where}**: its most robust preset, {preset}, keeps {pct(best)} at "
        f"{100 * best['clean_majority']:.1f}% clean, {versus(best)}.",
        f"- **By majority vote** (DiffBreak's reading) {'every row reads higher' if higher else 'no row reads lower'}, "
        f"DiffPure {pct(curve[0], 'robust_majority')} to {pct(top_vote, 'robust_majority')}, MimicDiffusion {preset} "
        f"{pct(best, 'robust_majority')}: say which reading a number is.",
        '- **Variants beyond the paper**: '
        + ('; '.join(f"{r['label']} keeps {pct(r)} at {100 * r['clean_majority']:.1f}% clean, {versus(r)}"
                     for r in variants) if variants else 'none has a finished cascade') + '.',
    ]
    return '\n'.join(lines)

def attacks_met(r:dict)->str:
    "The attacks a row has met, in words: its cascade, and the rungs of its ladder that have finished."
    k = len(r.get('rungs', []))
    return 'its cascade only' if not k else f"its cascade and {k} rung{'s' if k > 1 else ''} of its ladder"

def outcome(root='.')->str:
    "A markdown bullet per variant: its bound, its paired difference to the nearest DiffPure point, what that settles."
    _, curve, variants = ladder_rows(root)
    lines = []
    for r in variants:
        nd = nearest_difference(r, curve); lo, hi = nd['ci']; near = nd['near']
        verdict = ('above' if lo > 0 else 'below' if hi < 0 else 'not told apart from') + " DiffPure's curve"
        if not (converged(r) and converged(near)):
            verdict += f" so far, not settled: {r['label']} is {stage(r)}, {near['label']} {stage(near)}"
            if len(r.get('rungs', [])) < len(near.get('rungs', [])):
                verdict += (f"; it has met fewer attacks ({attacks_met(r)}) than {near['label']} "
                            f"({attacks_met(near)}), so the difference favours it")
        bold = r['label'].replace('*', r'\*')   # t*=150 inside ** ** would close the bold
        lines.append(f"- **{bold}**: {pct(r)} robust (every seed right) at {100 * r['clean_majority']:.1f}% clean; "
                     f"{100 * nd['diff']:+.1f} points [{100 * lo:+.1f}, {100 * hi:+.1f}] against {near['label']} "
                     f"on the same images ({nd['only_row']} images right only under it, {nd['only_near']} only under "
                     f"{near['label']}): {verdict}.")
    return '\n'.join(lines) if lines else '*No variant has a finished cascade.*'

if __name__ == '__main__': print(summary()); print(); print(outcome())
