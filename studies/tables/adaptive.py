#!/usr/bin/env python
"""The detailed tables and figures of the adaptive-attack study (studies/adaptive.toml): attack convergence, the ablations and
variants of MimicDiffusion 'paper', and the final comparison, attack by attack (`mimicdiffusion study report` has the summary).

Cells come from results/adaptive/<cell>.jsonl, or, where the embedded table already ran the same setting on images 0..255
(results/embedded_table/<cell>.jsonl, same seeds, batch size and attack seeds), from that table's first n records: the harness derives
every random draw from the batch index, so those records are exactly what an n-image run would write. Unfinished cells are listed with
the images they hold and left out of the tables.

    python studies/tables/adaptive.py   # writes results/adaptive/report/: adaptive.md, final_table.md, {convergence,ablation,final}.png
"""
from __future__ import annotations
import sys
from pathlib import Path
from mimicdiffusion.evaluation import read_results, robust_indices, weights_note, embedded_digests
from mimicdiffusion.stats import summarize, wilson, paired_difference

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
REPO = ROOT.parent.parent
from embedded_table import UPPER_BOUNDS, pct as s_pct   # "acc [lo, hi]" in percent from a summary and a metric name

D, TABLE = REPO/'results'/'adaptive', REPO/'results'/'embedded_table'
REPORT = D/'report'
DEFENSES = {'paper': ('mimic-paper', 'MimicDiffusion paper'), 'diffpure': ('diffpure', 'DiffPure t*=100'),
            'gdmp': ('gdmp', 'GDMP t*=100')}
# convergence settings: (attack, iterations, EOT); APGD-10 EOT 2 is the embedded table's exact cell
CONVERGENCE = [('apgd', 10, 2), ('apgd', 25, 2), ('apgd', 50, 2), ('apgd', 10, 4), ('apgd', 10, 8), ('pgd', 10, 4),
               ('pgd', 25, 4), ('pgd', 10, 8)]
ATTACKS = {'transfer': 'transfer: PGD-40 on the classifier', 'bpda': 'BPDA: PGD-10, EOT 2', 'exact': 'exact: APGD-10, EOT 2'}
ABLATIONS = {  # row -> what it changes from 'paper' (studies/adaptive.toml has the MimicConfig fields)
    'paper': 'the paper preset (L1 energy, per-pixel split, phi = 0.2, SR factor 4, window t = 100..790, step 0.183)',
    'energy-l2': 'L2 energy instead of L1', 'split-off': 'no split: L1 and SR terms on every pixel',
    'split-image': 'split per image', 'sr-off': 'super-resolution term off', 'sr2': 'SR factor 2', 'sr7': 'SR factor 7',
    'window-all': 'guidance on every step', 'window-300': 'window t = 300..790', 'window-500': 'window t = 500..790',
    'scale-x0.5': 'step size x0.5', 'scale-x2': 'step size x2', 'phi-x0.5': 'threshold phi x0.5', 'phi-x2': 'threshold phi x2',
}
VARIANTS = {  # row -> what it changes from 'paper' (studies/adaptive.toml: var-*), in the study's order
    'g400': 'variant: the input diffused to t* = 400, guided on t = 200..400, unguided below',
    'g300': 'variant: the input diffused to t* = 300, guided on t = 200..300, unguided below',
    'g400s10': 'variant: g400 with the guidance step x0.1 (preset `high_noise`)',
    'g400s30': 'variant: g400 with the guidance step x0.3',
    'g400lf7': 'variant: g400 with the SR term alone, factor 7 (phi = 4)',
    'start300': 'variant: the input diffused to t* = 300, guided on t = 100..300',
    'shift2': 'variant: random circular shift of up to 2 pixels per purification', 'lowfreq': 'variant: SR term only (phi = 4)',
    'start100': "variant: the input diffused to t* = 100, guided at every step (DiffPure's start + guidance)",
    's25': 'variant: the paper preset with the guidance step x0.25',
    'diffpure200': 'DiffPure t* = 200 (no guidance): the unguided end of the g rows alone',
}

FINAL = {  # step 4, the final comparison: row -> (label, its transfer/bpda/exact cells: results/adaptive prefix or embedded-table stem)
    'paper': ('Mimic `paper`', ('abl-paper', 'mimic-paper')),
    'ref': ('Mimic `reference_code`', ('abl-ref', 'mimic-ref')),
    'half_step': ('Mimic `half_step`', ('abl-scale-x0.5', None)),
    'g400s10': ('Mimic `high_noise` (g400 x0.1)', ('var-g400s10', None)),
    'diffpure': ('DiffPure t* = 100', ('abl-diffpure', 'diffpure')),
    'gdmp': ('GDMP t* = 100', ('abl-gdmp', 'gdmp')),
    'diffpure200': ('DiffPure t* = 200', ('var-diffpure200', None)),
}
FINAL_STAGES = [('pgd10-eot4', 'PGD-10 EOT 4'), ('pgd10-eot8', 'PGD-10 EOT 8')]   # the cascade's later attacks (studies/adaptive.toml: fin-*)

def paired(a:list[bool], b:list[bool])->str:
    "The paired difference acc(a) - acc(b) in points, its interval, and how many images only a or only b gets right."
    d, (lo, hi), only_a, only_b = paired_difference(a, b)
    return f"{100 * d:+.1f} [{100 * lo:+.1f}, {100 * hi:+.1f}] ({only_a} vs {only_b} images)"

def pct(k, n):
    lo, hi = wilson(k, n)
    return f"{100 * k / n:.1f} [{100 * lo:.1f}, {100 * hi:.1f}]"


def convergence(configs:dict, pending:list)->tuple[list[str], dict]:
    "The convergence table (markdown lines) and {defense: {(attack, iters, eot): summary}}."
    lines = ['| defense | attack | iterations | EOT | n | robust (worst of 3 seeds) | robust (majority) '
             '| paired difference to APGD-10 EOT 2 (worst) |', '|---|---|---|---|---|---|---|---|']
    out = {}
    for d in ('paper', 'diffpure'):
        stem, label = DEFENSES[d]
        base, per_setting = None, []
        for a, it, eot in CONVERGENCE:
            table = f'{stem}-exact' if (a, it, eot) == ('apgd', 10, 2) else None
            c = attack_cell(f'conv-{d}-{a}{it}-eot{eot}', 32, table)
            if c['recs'] is None: pending.append(f"{c['src']}: {c['held']}"); continue
            configs[c['src']] = c['config']
            s = out.setdefault(d, {})[(a, it, eot)] = summarize(c['recs'])
            if table: base = c['ok']
            per_setting.append(c['ok'])
            diff = '-'
            if base is not None and not table:
                diff = paired(c['ok'], base)
            lines.append(f"| {label} | {a.upper()} | {it} | {eot} | {s['n']} | {s_pct(s, 'robust_worst')} "
                         f"| {s_pct(s, 'robust_majority')} | {diff} |")
        if len(per_setting) > 1:   # an image counts only if it survives every setting (the ensemble a stronger attacker runs)
            every = [all(ok) for ok in zip(*per_setting)]
            lines.append(f"| {label} | every setting above, per image | | | {len(every)} | {pct(sum(every), len(every))} | "
                         f"| {paired(every, base) if base is not None else '-'} |")
    return lines, out

def attack_cell(name:str, n:int, table_name:str|None=None):
    """A cell of results/adaptive, or the embedded table's cell `table_name` cut to its first n images: dict(config, ok: robust per
    image of 0..n-1 or None while unfinished, held: what it holds, src: its name, recs: its records if it ran on all n images,
    only: a cascade cell's selection). A cascade cell (`--robust-in`: its header's `harness.only`) counts the images it did not
    attack as broken by earlier attacks, as the library's `robust_indices` does."""
    path = TABLE/f'{table_name}.jsonl' if table_name is not None and (TABLE/f'{table_name}.jsonl').exists() else D/f'{name}.jsonl'
    out = dict(config=None, ok=None, held=f'0 of {n} images', src=path.stem, recs=None, only=None)
    if not path.exists(): return out
    head, recs, _ = read_results(path)
    only = out['only'] = head['harness'].get('only')
    out['config'] = head['config']
    want = set(range(n)) if only is None else set(only)
    have = {r['index'] for r in recs} & want
    out['held'] = f'{len(have)} of {n} images' if only is None else f'{len(have)} of the {len(only)} images it attacks'
    if have != want: return out
    keep = set(robust_indices(path, n)); out['ok'] = [i in keep for i in range(n)]
    if only is None: out['recs'] = sorted((r for r in recs if r['index'] < n), key=lambda r: r['index'])
    return out

def ablation_rows(configs:dict, pending:list, n:int=128, names=None)->list[dict]:
    """One row per configuration: per attack, robust against it and every attack before it (ATTACKS' order), per image. A row's
    cells are runs on all n images or a cascade (each attack only on what the earlier ones left); both give the same per-image
    worst case."""
    rows = []
    names = names or ([('paper', 'mimic-paper', 'abl')] + [(r, None, 'abl') for r in ABLATIONS if r != 'paper']
                      + [('diffpure', 'diffpure', 'abl'), ('gdmp', 'gdmp', 'abl')])
    for row, table, prefix in names:
        alive, cum, whole = [True] * n, {}, None
        for attack in ATTACKS:
            c = attack_cell(f'{prefix}-{row}-{attack}', n, f'{table}-{attack}' if table else None)
            if c['ok'] is None:
                if c['config'] is not None or attack == 'transfer': pending.append(f"{c['src']}: {c['held']}")
                break
            if c['only'] is not None and c['only'] != [i for i, a in enumerate(alive) if a]:
                raise ValueError(f"{c['src']}: attacks other images than the {sum(alive)} the row's earlier attacks left robust")
            configs[c['src']] = c['config']
            whole = whole or c['recs']
            alive = [a and b for a, b in zip(alive, c['ok'])]
            cum[attack] = alive
        if not cum: continue
        label = ABLATIONS.get(row) or VARIANTS.get(row) or DEFENSES[row.removeprefix('l2-')][1]
        rows.append(dict(row=row, label=label, cum=cum, worst=alive, attacks=list(cum), clean=summarize(whole)))
    return rows

VARIANT_ROWS = ([('paper', 'mimic-paper', 'abl'), ('scale-x0.5', None, 'abl')] + [(r, None, 'var') for r in VARIANTS]
                + [('diffpure', 'diffpure', 'abl')])   # with the ablation the transfer screen ranked highest

def ablation_table(rows:list[dict], ref:str='paper')->list[str]:
    "Markdown lines: one row per configuration, with the paired difference of its worst case to row `ref`'s after the same attacks."
    head = ['configuration', 'clean (majority)', ATTACKS['transfer'], *[f'+ {ATTACKS[a]}' for a in list(ATTACKS)[1:]],
            f'paired difference to {ref} (worst over the attacks run)']
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    base = next((r for r in rows if r['row'] == ref), None)
    for r in rows:
        cols = [pct(sum(r['cum'][a]), len(r['cum'][a])) if a in r['cum'] else 'not run' for a in ATTACKS]
        last = r['attacks'][-1]
        cols[len(r['attacks']) - 1] = f'**{cols[len(r["attacks"]) - 1]}**'   # bold: the worst case over the attacks run
        diff = '-'
        if base is not None and r is not base and last in base['cum']:
            diff = paired(r['worst'], base['cum'][last]) + ('' if last == base['attacks'][-1] else
                                                            f" (both after {', '.join(r['attacks'])})")
        lines.append('| ' + ' | '.join([r['label'], s_pct(r['clean'], 'clean_majority')] + cols + [diff]) + ' |')
    return lines

def final_rows(configs:dict, pending:list, n:int=128)->list[dict]:
    "Step 4: per row, the three attacks' cells and the cascade's last cell (run on the images all three left robust)."
    rows = []
    for row, (label, (prefix, table)) in FINAL.items():
        cells = {a: attack_cell(f'{prefix}-{a}', n, f'{table}-{a}' if table else None) for a in ATTACKS}
        pending += [f"{c['src']}: {c['held']}" for c in cells.values() if c['recs'] is None]
        if any(c['recs'] is None for c in cells.values()): continue
        configs.update({c['src']: c['config'] for c in cells.values()})
        three = [all(ok) for ok in zip(*(c['ok'] for c in cells.values()))]
        r = dict(row=row, label=label, summaries={a: summarize(c['recs']) for a, c in cells.items()}, three=three,
                 per_attack={a: c['ok'] for a, c in cells.items()}, clean=summarize(cells['transfer']['recs']), last=None)
        alive, r['stages'] = three, []   # per stage: (its name, robust against every attack so far, per image)
        for stage, _ in FINAL_STAGES:
            c = attack_cell(f'fin-{row}-{stage}', n)
            if c['config'] is None: pending.append(f"{c['src']}: not started"); break
            if c['only'] != [i for i, ok in enumerate(alive) if ok]:
                raise ValueError(f"{c['src']}: attacks other images than the {sum(alive)} the row's earlier attacks left robust")
            if c['ok'] is None: pending.append(f"{c['src']}: {c['held']}"); r['running'] = stage; break
            configs[c['src']] = c['config']
            alive = c['ok']   # not attacked here: broken by an earlier attack
            r['stages'].append((stage, alive))
        r['last'] = alive if r['stages'] else None
        if r['last'] is None: continue   # the table and figure hold the rows that have been through the cascade's fourth attack
        rows.append(r)
    return rows

def final_table(rows:list[dict])->list[str]:
    "Markdown lines of the final comparison attack by attack: each of the first three alone, then how many images each later one keeps."
    head = ['defense', 'clean (majority)', 'transfer', 'BPDA', 'APGD-10 EOT 2', 'worst of the three',
            *[f'+ {label}' for _, label in FINAL_STAGES]]
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for r in rows:
        n, k3 = len(r['three']), sum(r['three'])
        cols = [f"{100 * r['summaries'][a]['robust_worst']:.1f}" for a in ATTACKS] + [pct(k3, n)]   # intervals: adaptive.md
        before = r['three']
        for j, _ in enumerate(FINAL_STAGES):
            if j < len(r['stages']): now = r['stages'][j][1]; cols.append(f'{sum(now)} of {sum(before)}'); before = now
            else: cols.append('not finished' if r.get('running') == FINAL_STAGES[j][0] else 'not run')
        lines.append('| ' + ' | '.join([r['label'], f"{100 * r['clean']['clean_majority']:.1f}"] + cols) + ' |')
    return lines

def headline_table(rows:list[dict], ref:str='diffpure', images:bool=False)->list[str]:
    """Markdown lines of the final comparison in five columns (the README's): clean, the worst case over the cascade, the attacks run,
    the paired difference to row `ref` after the same attacks (`images`: with how many images only the row, and only `ref`, keep)."""
    stages = 3 + len(FINAL_STAGES)   # transfer, BPDA, APGD-10 EOT 2 and the cascade's later attacks
    head = ['defense', 'clean (majority)', 'robust: worst over the attacks run', 'attacks run', 'paired difference to DiffPure']
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    # the reference after as many attacks as each row has had: paired differences always compare the same attacks
    base = next(([r['three']] + [a for _, a in r['stages']] for r in rows if r['row'] == ref), None)
    for r in rows:
        last, m = r['last'] if r['last'] is not None else r['three'], len(r['stages'])
        run = f'{3 + m} of {stages}'
        diff = '-'
        if r['row'] != ref and base is not None:
            b = base[min(m, len(base) - 1)]
            diff = paired(last, b) if images else '{:+.1f} [{:+.1f}, {:+.1f}]'.format(
                100 * (d := paired_difference(last, b))[0], 100 * d[1][0], 100 * d[1][1])
            if m < len(base) - 1: diff += f' (after {3 + m} attacks)'
        lines.append(f"| {r['label']} | {100 * r['clean']['clean_majority']:.1f} | **{pct(sum(last), len(last))}** | {run} | {diff} |")
    return lines

def plot_convergence(conv:dict):
    "Robust accuracy (worst of 3 seeds) against iterations and against EOT samples, APGD and PGD, both defenses; the figure."
    import matplotlib.pyplot as plt
    fig, axs = plt.subplots(1, 2, figsize=(9.5, 3.6), sharey=True)
    panels = ((axs[0], 'iterations', lambda a: [(it, (a, it, 2 if a == 'apgd' else 4)) for it in (10, 25, 50)]),
              (axs[1], 'EOT samples (10 iterations)', lambda a: [(e, (a, 10, e)) for e in (2, 4, 8)]))
    for d, color in (('paper', 'C0'), ('diffpure', 'C1')):
        cells = conv.get(d, {})
        for ax, xlabel, settings in panels:
            for a, style in (('apgd', 'o-'), ('pgd', 's--')):
                pts = [(x, cells[k]) for x, k in settings(a) if k in cells]
                if not pts: continue
                nudge = {('paper', 'apgd'): .94, ('paper', 'pgd'): .98, ('diffpure', 'apgd'): 1.02, ('diffpure', 'pgd'): 1.06}[d, a]
                xs = [x * nudge for x, _ in pts]; ys = [100 * s['robust_worst'] for _, s in pts]   # nudged apart
                lo = [y - 100 * s['robust_worst_ci'][0] for y, (_, s) in zip(ys, pts)]
                hi = [100 * s['robust_worst_ci'][1] - y for y, (_, s) in zip(ys, pts)]
                ax.errorbar(xs, ys, yerr=[lo, hi], fmt=style, color=color, capsize=3, alpha=1 if a == 'pgd' else .6,
                            label=f"{DEFENSES[d][1]}, {a.upper()}")
            ax.set(xlabel=xlabel, xscale='log', xticks=[x for x, _ in settings('apgd')],
                   xticklabels=[str(x) for x, _ in settings('apgd')])
            ax.minorticks_off(); ax.grid(alpha=.3)
    axs[0].set(ylabel='robust accuracy, worst of 3 seeds (%)', ylim=(-2, 70), title='more iterations (APGD at EOT 2, PGD at EOT 4)')
    axs[1].set(title='more EOT samples')
    axs[1].legend(fontsize=7)
    fig.tight_layout()
    return fig

def plot_ablation(rows:list[dict]):
    "Robust accuracy per configuration and attack (intervals as bars), and clean against worst-case robust accuracy."
    import matplotlib.pyplot as plt, numpy as np
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, max(4.2, 1.2 + .24 * len(rows))), gridspec_kw={'width_ratios': [1.6, 1]})
    y = np.arange(len(rows))
    for j, a in enumerate(ATTACKS):   # robust against this attack and every one before it, per image
        vals = [(i, sum(r['cum'][a]), len(r['cum'][a])) for i, r in enumerate(rows) if a in r['cum']]
        if not vals: continue
        acc = np.array([100 * k / n for _, k, n in vals]); ci = 100 * np.array([wilson(k, n) for _, k, n in vals])
        ax.errorbar(acc, [i + (j - 1) * .25 for i, _, _ in vals], xerr=[acc - ci[:, 0], ci[:, 1] - acc], fmt='o', ms=3, capsize=2,
                    label=ATTACKS[a] if j == 0 else f'+ {ATTACKS[a]}')
    ax.set_yticks(y); ax.set_yticklabels([r['row'] for r in rows], fontsize=8); ax.invert_yaxis()
    ax.set(xlabel='robust against the attacks so far, worst of 3 seeds (%)', xlim=(-2, 100)); ax.legend(fontsize=7); ax.grid(alpha=.3)
    for r in rows:
        k, n = sum(r['worst']), len(r['worst'])
        full = len(r['attacks']) == len(ATTACKS)   # hollow: not every attack has run, so the point is an upper bound
        bx.plot(100 * r['clean']['clean_majority'], 100 * k / n, 's' if r['row'] in DEFENSES or 'diffpure' in r['row'] else 'o',
                mfc=None if full else 'none')
        bx.annotate(r['row'], (100 * r['clean']['clean_majority'], 100 * k / n), fontsize=7, xytext=(3, 2), textcoords='offset points')
    bx.set(xlabel='clean accuracy, majority (%)', ylabel='worst over the attacks run (%)',
           title='squares: paper, DiffPure, GDMP; hollow: attacks still to run (upper bounds)'); bx.grid(alpha=.3)
    bx.title.set_fontsize(8)
    fig.tight_layout()
    return fig

def plot_final(rows:list[dict]):
    "The cascade per row: robust accuracy (worst of 3 seeds) after each attack is added, per image, with Wilson 95% intervals."
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 3.8))
    stages = ['transfer', '+ BPDA', '+ APGD-10 EOT 2', *[f'+ {label}' for _, label in FINAL_STAGES]]
    for j, r in enumerate(rows):
        per = [r['per_attack'][a] for a in ATTACKS]
        alive = [[all(ok) for ok in zip(*per[:i + 1])] for i in range(len(per))] + [a for _, a in r['stages']]
        n = len(alive[0]); k = [sum(a) for a in alive]; xs = [i + (j - len(rows) / 2) * .04 for i in range(len(k))]
        ys = [100 * v / n for v in k]; ci = [wilson(v, n) for v in k]
        ax.errorbar(xs, ys, yerr=[[y - 100 * lo for y, (lo, _) in zip(ys, ci)], [100 * hi - y for y, (_, hi) in zip(ys, ci)]],
                    fmt='s-' if r['row'] in ('diffpure', 'gdmp') else 'o-', capsize=2, ms=4, label={'g400s10': 'high_noise'}.get(r['row'], r['row']))
    ax.set_xticks(range(len(stages))); ax.set_xticklabels(stages)
    ax.set(ylabel='robust against every attack so far (%)', ylim=(-2, 75),
           title='the final comparison: each attack added on the images the earlier ones left'); ax.title.set_fontsize(9)
    ax.legend(fontsize=7, ncol=2); ax.grid(alpha=.3); fig.tight_layout()
    return fig

def study()->dict:
    "Every finished cell read: convergence (lines, summaries), ablation, variant and L2 rows, configs, unfinished cells."
    configs, pending = {}, []
    conv_lines, conv = convergence(configs, pending)
    rows = ablation_rows(configs, pending)
    var_rows = ablation_rows(configs, pending, names=VARIANT_ROWS)
    l2_rows = ablation_rows(configs, pending, names=[('paper', None, 'l2'), ('diffpure', None, 'l2')])
    final = final_rows(configs, pending)
    return dict(conv_lines=conv_lines, conv=conv, rows=rows, var_rows=var_rows, l2_rows=l2_rows, final=final, configs=configs,
                pending=pending, plotted=rows + [r for r in var_rows if r['row'] in VARIANTS])   # each row once

def ablation_intro()->list[str]:
    return ['Each attack column counts the images robust against that attack *and every attack to its left* (per image, all 3 seeds',
            'right); bold: the worst case over the attacks the row has had, which the last column compares with the reference row',
            'after the same attacks. BPDA and exact-gradient cells run as a cascade, each attack only on the images the earlier ones',
            'left (`--robust-in`), except where a cell had already been run on all 128 images (`paper`, step size x0.5, DiffPure,',
            'GDMP, g400 x0.1, DiffPure t* = 200, and a few BPDA cells); both ways give the same per-image worst case. Each attack',
            "alone on all 128 images: the final comparison's columns below and `results/embedded_table/report/embedded_table.md`."]

def final_intro()->list[str]:
    return ['Each row is attacked as AutoAttack attacks, each attack only on what the earlier left: by transfer (PGD-40 on the classifier',
            'alone), BPDA (PGD-10, EOT 2) and APGD-10 EOT 2 with exact gradients through the whole sampler, one column each, then by',
            'exact-gradient PGD-10 EOT 4 and then EOT 8, each run (`--robust-in`) only on the images every earlier attack left robust',
            'under every seed ("+ PGD-10 EOT 4": how many of those survive it). `half_step` is `paper` with the guidance step halved;',
            '`high_noise` (g400 x0.1) starts from the input diffused to t* = 400 and guides lightly (step x0.1) on t = 200..400 only. Clean accuracy',
            "and the single attacks' columns leave out their Wilson intervals, at most 9 points either side at n = 128. Mimic:",
            'MimicDiffusion.']

def main():
    st = study()
    conv_lines, rows, var_rows, l2_rows, configs, pending = (st[k] for k in
                                                            ('conv_lines', 'rows', 'var_rows', 'l2_rows', 'configs', 'pending'))
    D.mkdir(exist_ok=True)
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    for name, fig in (('convergence', plot_convergence(st['conv']) if st['conv'] else None),
                      ('ablation', plot_ablation(st['plotted']) if rows else None),
                      ('final', plot_final(st['final']) if st['final'] else None)):
        if fig is not None: fig.savefig(REPORT/f'{name}.png', dpi=110); plt.close(fig)
    text = ['# Adaptive-attack study of the embedded benchmark (issue 19)', '',
            'Made by `mimicdiffusion study run studies/adaptive.toml` (the cells) and `python studies/tables/adaptive.py` (these tables). Linf 0.1, K = 25 sampler steps, 3 purification',
            'seeds; robust accuracy is the worst case over the seeds (an image counts only if all 3 purifications classify its',
            'adversarial version correctly). Wilson 95% intervals in brackets; paired differences with their Wald interval, and in parentheses',
            'the images only the row gets right against those only the reference gets right.',
            *UPPER_BOUNDS, '',
            weights_note(configs, embedded_digests()), '',
            '### Attack convergence (images 0..31, exact gradients through the whole sampler)', '', *conv_lines, '',
            '### Ablations of the paper preset (images 0..127)', '',
            *ablation_intro(), '',
            *ablation_table(rows), '',
            '### Variants beyond the paper, against DiffPure (images 0..127)', '',
            'The same three attacks, counted the same way; the last column compares each row with DiffPure t* = 100 on the same images.', '',
            *ablation_table(var_rows, ref='diffpure'), '',
            '### The final comparison (images 0..127): a cascade of five attacks', '',
            *final_intro(), '', *final_table(st['final']), '',
            'The worst case over all the attacks run, per image, and its paired difference to DiffPure t* = 100 on the same images after',
            'the same attacks (in parentheses: the images only the row keeps, and only DiffPure keeps):', '',
            *headline_table(st['final'], images=True), '',
            '### The L2 threat model (L2 1.5, images 0..127)', '',
            *(ablation_table(l2_rows) if l2_rows else ['(no finished cells yet)'])]
    final = ['Embedded Fashion-MNIST benchmark, the final comparison: test images 0..127, Linf 0.1, K = 25 sampler steps, 3 purification',
             'seeds (robust: all 3 classify the adversarial image correctly; clean: majority vote), Wilson 95% intervals. Made by',
             '`mimicdiffusion study run studies/adaptive.toml` (the fin-* cells) and `python studies/tables/adaptive.py`. ' + weights_note(configs, embedded_digests()), '',
             'Each row is attacked as AutoAttack attacks, each attack only on the images the earlier ones left robust under every seed',
             '(`--robust-in`): transfer (PGD-40 on the classifier alone), BPDA (PGD-10, EOT 2), then with exact gradients through the',
             'whole sampler APGD-10 EOT 2, PGD-10 EOT 4 and PGD-10 EOT 8. The paired difference compares each row with DiffPure on the',
             'same images after the same attacks; `results/adaptive/report/adaptive.md` has every attack\'s column. `half_step` is `paper` with the',
             'guidance step halved; `high_noise` (g400 x0.1) starts from the input diffused to t* = 400 and guides lightly (step x0.1) on t = 200..400',
             'only. Mimic: MimicDiffusion.',
             *UPPER_BOUNDS, '', *headline_table(st['final'])]
    (REPORT/'final_table.md').write_text('\n'.join(final) + '\n')
    if pending: text += ['', 'Not finished (`mimicdiffusion study run studies/adaptive.toml` resumes them): ' + '; '.join(pending) + '.']
    (REPORT/'adaptive.md').write_text('\n'.join(text) + '\n'); print('\n'.join(text))

if __name__ == '__main__': main()
