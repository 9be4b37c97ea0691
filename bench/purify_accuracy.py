#!/usr/bin/env python
"""Clean accuracy of purified Fashion-MNIST test images, cost per purification, and accuracy after a transfer attack.

For every defense (MimicDiffusion presets at several K, DiffPure, GDMP): clean accuracy of classifier(purifier(x)) on n test
images with a Wilson 95% interval, network evaluations (NFE) per image, wall time; and accuracy of classifier(purifier(x_adv))
where x_adv is PGD on the classifier alone (a transfer attack, Linf 0.1). Results are appended per defense to a JSON file,
so an interrupted run skips what is done. Writes a markdown table to bench/purify_accuracy.md.

    python bench/purify_accuracy.py --n 500
"""
import argparse, json, time
from datetime import date
from pathlib import Path
import numpy as np
import torch
from tqdm.auto import tqdm
from mimicdiffusion.embedded import load_embedded, hardware_summary
from mimicdiffusion.data import fashion_mnist
from mimicdiffusion.purifiers import make_purifier
from mimicdiffusion.attacks import pgd_eot
from mimicdiffusion.stats import wilson

def defenses(emb, eps):
    "name -> (constructor, NFE per image, transfer attack: True (also), False (no) or 'only' (no clean run: the ablations))."
    d = {}
    make = lambda name, **settings: lambda: make_purifier(name, emb.denoiser, emb.sched, **settings)
    for K in (10, 25, 50, 100): d[f'MimicDiffusion paper K={K}'] = (make('mimic', K=K, eps=eps), K, K == 100)
    d['MimicDiffusion reference_code K=100'] = (make('mimic', preset='reference_code'), 100, True)
    d['MimicDiffusion paper, split off (both terms everywhere), K=100'] = (make('mimic', split='off', eps=eps), 100, 'only')
    d['MimicDiffusion paper, no SR term (L1 only), K=100'] = (make('mimic', sr_mode='off', eps=eps), 100, 'only')
    d['DiffPure t*=100 K=25'] = (make('diffpure', t_star=100, K=25), 25, True)
    d['GDMP t*=100 K=25'] = (make('gdmp', t_star=100, K=25), 25, True)
    return d

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--n', type=int, default=500); p.add_argument('--batch', type=int, default=100)
    p.add_argument('--eps', type=float, default=0.1); p.add_argument('--pgd-steps', type=int, default=40)
    p.add_argument('--out', default='bench/purify_accuracy.json'); p.add_argument('--only', nargs='*')
    p.add_argument('--device', default='cpu', help='cpu, cuda, ...; seconds per image are for this device')
    a = p.parse_args()
    dev = torch.device(a.device); emb = load_embedded(dev)
    ds = fashion_mnist('test'); idx = np.random.default_rng(0).permutation(len(ds))[:a.n]
    x, y = ds.tensors(idx); x, y = x.to(dev), y.to(dev)
    out = Path(a.out); res = json.loads(out.read_text()) if out.exists() else {}
    res.setdefault('_meta', {})
    with torch.inference_mode(): clean_pred = emb.classifier(x).argmax(1)
    x_adv = torch.cat([pgd_eot(emb.classifier, x[i:i + a.batch], y[i:i + a.batch], eps=a.eps, steps=a.pgd_steps,
                               generator=torch.Generator(dev).manual_seed(i)).x_adv for i in range(0, a.n, a.batch)])
    with torch.inference_mode(): adv_pred = emb.classifier(x_adv).argmax(1)
    res['undefended'] = dict(clean=int((clean_pred == y).sum()), transfer=int((adv_pred == y).sum()), n=a.n, nfe=0, seconds_per_image=0.)
    res['_meta'] = dict(n=a.n, eps=a.eps, attack=f'PGD-{a.pgd_steps} Linf on the classifier alone (transfer)', batch=a.batch,
                        machine=hardware_summary(dev) + (f', {torch.get_num_threads()} threads' if dev.type == 'cpu' else ''),
                        date=str(date.today()), command='python bench/purify_accuracy.py ' + ' '.join(f'--{k.replace("_", "-")} {v}' for k, v in vars(a).items() if k in ('n', 'eps', 'batch', 'pgd_steps')))
    for name, (make, nfe, do_transfer) in defenses(emb, a.eps).items():
        if name in res or (a.only and not any(o in name for o in a.only)): continue
        pur = make(); c = t = 0; t0 = time.perf_counter()
        for i in (tqdm(range(0, a.n, a.batch), desc=name) if do_transfer != 'only' else []):
            with torch.inference_mode():
                c += int((emb.classifier(pur(x[i:i + a.batch], seed=i)).argmax(1) == y[i:i + a.batch]).sum())
        secs = (time.perf_counter() - t0) / a.n
        for i in (range(0, a.n, a.batch) if do_transfer else []):
            with torch.inference_mode():
                t += int((emb.classifier(pur(x_adv[i:i + a.batch], seed=10_000 + i)).argmax(1) == y[i:i + a.batch]).sum())
        res[name] = dict(clean=c if do_transfer != 'only' else None, transfer=t if do_transfer else None, n=a.n, nfe=nfe,
                         seconds_per_image=round(secs, 4) if do_transfer != 'only' else None)
        out.write_text(json.dumps(res, indent=1))
    out.write_text(json.dumps(res, indent=1))
    Path(out.with_suffix('.md')).write_text(table(res)); print(table(res))

def table(res):
    m = res['_meta']
    def ci(k, n):
        lo, hi = wilson(k, n); return f"{100 * k / n:.1f} [{100 * lo:.1f}, {100 * hi:.1f}]"
    rows = [f"Embedded Fashion-MNIST benchmark, n = {m['n']} test images, batch {m['batch']}, seconds per image on the machine below; transfer attack: {m['attack']}, eps = {m['eps']}.",
            f"Machine: {m['machine']}; {m['date']}; command: `{m['command']}`.", '',
            '| defense | NFE | s / image | clean acc. % [95% CI] | acc. after transfer attack % [95% CI] |', '|---|---|---|---|---|']
    for k, v in res.items():
        if k.startswith('_'): continue
        tr = '-' if v['transfer'] is None else ci(v['transfer'], v['n'])
        cl = '-' if v['clean'] is None else ci(v['clean'], v['n'])
        sec = '-' if v['seconds_per_image'] is None else f"{v['seconds_per_image']:.3f}"
        rows.append(f"| {k} | {v['nfe']} | {sec} | {cl} | {tr} |")
    return '\n'.join(rows) + '\n'

if __name__ == '__main__': main()
