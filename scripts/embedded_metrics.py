#!/usr/bin/env python
"""Quality metrics of the shipped Fashion-MNIST models, on the full 10k test split; writes the model cards.

Every metric appends per-batch results to a JSONL file under --work, so an interrupted run resumes where it stopped
(`--n` can grow across sessions). Then `--cards` writes mimicdiffusion/assets/MODEL_CARD_*.md from the facts stored
with the weights and the metrics gathered so far.

    python scripts/embedded_metrics.py --n 10000            # all metrics (hours on 2 CPU cores; resumable)
    python scripts/embedded_metrics.py --only samples       # one metric
    python scripts/embedded_metrics.py --cards              # rewrite the model cards from what is measured
"""
import argparse, json, os, time
from pathlib import Path
import numpy as np
import torch
from tqdm.auto import tqdm
from mimicdiffusion.embedded import load_embedded, hardware_summary
from mimicdiffusion.data import fashion_mnist, ASSETS
from mimicdiffusion.diffusion import sample, strided_timesteps, from_model
from mimicdiffusion.purifiers import make_purifier
from mimicdiffusion.stats import wilson, paired_difference

def _done(path):
    if not path.exists(): return []
    out = []
    for line in path.read_text().splitlines():
        try: out.append(json.loads(line))
        except json.JSONDecodeError: break      # a line cut by a kill: drop it
    return out

def _append(path, rec):
    with open(path, 'a') as f: f.write(json.dumps(rec) + '\n'); f.flush(); os.fsync(f.fileno())

def _dev(emb): return next(emb.classifier.parameters()).device

def classifier_accuracy(emb, work):
    x, y = fashion_mnist('test').tensors(); dev = _dev(emb)
    with torch.inference_mode(): pred = torch.cat([emb.classifier(x[i:i + 1000].to(dev)).argmax(1).cpu() for i in range(0, len(x), 1000)])
    rec = dict(n=len(y), correct=int((pred == y).sum()))
    (work/'classifier.json').write_text(json.dumps(rec)); return rec

def diffpure_accuracy(emb, work, t_star, n, batch, K=100):
    "Accuracy of classifier(DiffPure(x)) on the first n images of a fixed permutation of the test split."
    path = work/f'diffpure_t{t_star}.jsonl'
    done = _done(path); start = sum(len(r['idx']) for r in done)
    ds = fashion_mnist('test'); order = np.random.default_rng(0).permutation(len(ds))
    pur = make_purifier('diffpure', emb.denoiser, emb.sched, t_star=t_star, K=K)
    for b in tqdm(range(start, n, batch), desc=f'DiffPure t*={t_star}'):
        idx = order[b:min(n, b + batch)]
        x, y = ds.tensors(idx)
        with torch.inference_mode(): pred = emb.classifier(pur(x.to(_dev(emb)), seed=int(b))).argmax(1).cpu()
        _append(path, dict(idx=idx.tolist(), correct=(pred == y).int().tolist()))
    done = _done(path)
    idx, c = [i for r in done for i in r['idx']][:n], [v for r in done for v in r['correct']][:n]
    x, y = ds.tensors(np.array(idx))      # the bare classifier on the same images: the gap is a paired difference
    with torch.inference_mode(): bare = (emb.classifier(x.to(_dev(emb))).argmax(1).cpu() == y).tolist()
    d, (lo, hi), _, _ = paired_difference(bare, c)
    return dict(n=len(c), correct=int(sum(c)), t_star=t_star, K=K, classifier_correct=int(sum(bare)), gap=d, gap_ci=[lo, hi])

def sample_confidence(emb, work, n=1000, batch=250, K=100):
    "Unguided DDPM samples (K strided steps) scored by the classifier: mean max-probability; saves a grid."
    path = work/'samples.jsonl'
    done = _done(path); start = sum(len(r['maxprob']) for r in done)
    for b in tqdm(range(start, n, batch), desc='samples'):
        g = torch.Generator(_dev(emb)).manual_seed(1000 + b)
        xT = torch.randn(min(batch, n - b), *emb.image_shape, generator=g, device=_dev(emb))
        with torch.inference_mode():
            x = from_model(sample(emb.denoiser, xT, strided_timesteps(K), emb.sched, generator=g)).clamp(0, 1)
            p = emb.classifier(x).softmax(1)
        _append(path, dict(maxprob=p.max(1).values.tolist(), label=p.argmax(1).tolist()))
        if b == 0: torch.save(x[:64].cpu().clone(), work/'samples_grid.pt')
    done = _done(path)
    mp = [v for r in done for v in r['maxprob']][:n]; lab = [v for r in done for v in r['label']][:n]
    return dict(n=len(mp), mean_maxprob=float(np.mean(mp)), class_counts=np.bincount(lab, minlength=10).tolist(), K=K)

def forward_time(emb, batch=64, reps=10):
    "Median wall time of one UNet and one classifier forward pass on a batch (CPU: the model card's cost figure)."
    sync = (lambda: torch.cuda.synchronize()) if _dev(emb).type == 'cuda' else (lambda: None)
    x, t = torch.randn(batch, *emb.image_shape, device=_dev(emb)), torch.full((batch,), 500, device=_dev(emb))
    with torch.inference_mode():
        emb.denoiser(x, t); ts = []
        for _ in range(reps): t0 = time.perf_counter(); emb.denoiser(x, t); sync(); ts.append(time.perf_counter() - t0)
        c = []
        for _ in range(reps): t0 = time.perf_counter(); emb.classifier(x.clamp(0, 1)); sync(); c.append(time.perf_counter() - t0)
    return dict(batch=batch, unet_s=float(np.median(ts)), classifier_s=float(np.median(c)), threads=torch.get_num_threads())

def _acc(r):
    lo, hi = wilson(r['correct'], r['n'])
    return f"{100 * r['correct'] / r['n']:.2f}% (95% CI {100 * lo:.1f}-{100 * hi:.1f}, n={r['n']}{_on(r)})"

def _shared(f): return '' if 'GPU' in f['hardware'] else ' (shared with other jobs)'

def _on(r): return f"; on {r['measured_on']}" if 'measured_on' in r else ''

WEIGHTS = {'ema': 'EMA weights', 'model': 'the trained weights, not their EMA: with batch norm the EMA scored lower, see notebook 01d'}

def write_cards(emb, metrics):
    u, c = emb.facts['unet'], emb.facts['classifier']
    ft = metrics.get('forward_time')
    ftxt = f"{ft['unet_s']:.3f} s for the UNet, {ft['classifier_s']:.4f} s for the classifier (batch {ft['batch']}, {ft['threads']} threads, median of 10; {ft.get('measured_on', hardware_summary(torch.device('cpu')))})" if ft else 'not measured'
    def dp(t):
        r = metrics.get(f'diffpure_t{t}')
        if not r: return 'not measured yet'
        gap = (f"; the bare classifier gets {100 * r['classifier_correct'] / r['n']:.2f}% of the same images, a gap of {100 * r['gap']:.1f} points"
               f" (paired 95% CI {100 * r['gap_ci'][0]:.1f} to {100 * r['gap_ci'][1]:.1f})") if 'gap' in r else ''
        return _acc(r) + f", {r['K']} sampler steps{gap}"
    s = metrics.get('samples')
    stxt = f"{s['mean_maxprob']:.3f} over {s['n']} samples ({s['K']} strided DDPM steps{_on(s)}); predicted classes {s['class_counts']}" if s else 'not measured yet'
    clf = metrics.get('classifier')
    common = f"""## Metrics (scripts/embedded_metrics.py, Fashion-MNIST test split)
- Classifier clean accuracy: {_acc(clf) if clf else 'not measured yet'}
- DiffPure purification of clean test images, t* = 100: {dp(100)}
- DiffPure purification of clean test images, t* = 300: {dp(300)}
- Unguided samples, classifier's mean max-probability: {stxt}
- Forward time: {ftxt}
"""
    (ASSETS/'MODEL_CARD_unet.md').write_text(f"""# Embedded diffusion model: Fashion-MNIST DDPM UNet

File `fmnist_unet.safetensors` ({WEIGHTS[u['weights']]}; the architecture is in the file's metadata).

- Architecture: diffusers `UNet2DModel`, 28x28x1, {json.dumps(u['arch'])}, no attention, {sum(v.numel() for v in emb.denoiser.net.parameters()):,} parameters.
- Objective: eps-prediction (MSE), linear DDPM schedule beta 1e-4..2e-2, T = 1000; images scaled to [-1, 1].
- Data: Fashion-MNIST training split, all 60,000 images, no augmentation.
- Training: {u['steps']} steps, {json.dumps(u['config'])}; final training loss {u['final_loss']}.
- Wall time: {u['wall_time_s'] / 60:.1f} min on {u['hardware']}{_shared(u)}.

{common}""")
    (ASSETS/'MODEL_CARD_classifier.md').write_text(f"""# Embedded classifier: Fashion-MNIST CNN

File `fmnist_classifier.safetensors` ({WEIGHTS[c['weights']]}).

- Architecture: `mimicdiffusion.embedded.SmallCNN`, {json.dumps(c['arch'])}, {sum(v.numel() for v in emb.classifier.parameters()):,} parameters; input (B,1,28,28) in [0,1].
- Objective: cross-entropy with label smoothing 0.05; random horizontal flips and shifts of up to 2 pixels.
- Data: Fashion-MNIST training split, all 60,000 images.
- Training: {c['steps']} steps, {json.dumps(c['config'])}; final training loss {c['final_loss']}.
- Wall time: {c['wall_time_s'] / 60:.1f} min on {c['hardware']}{_shared(c)}.
- Not adversarially trained: it is the undefended model that the purifiers protect.

{common}""")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--n', type=int, default=10000, help='test images for the DiffPure metrics')
    p.add_argument('--batch', type=int, default=250)
    p.add_argument('--samples', type=int, default=1000, help='unguided samples scored by the classifier')
    p.add_argument('--work', default='runs/metrics', help='folder for the resumable per-batch results')
    p.add_argument('--only', nargs='*', default=None, choices=['classifier', 'forward', 'samples', 'diffpure100', 'diffpure300'])
    p.add_argument('--cards', action='store_true', help='only rewrite the model cards from the results so far')
    p.add_argument('--device', default='cpu', help='where the metrics run (the forward-time figure is meant for a CPU)')
    a = p.parse_args()
    work = Path(a.work); work.mkdir(parents=True, exist_ok=True)
    emb = load_embedded(a.device)
    mfile = ASSETS/'metrics.json'
    metrics = json.loads(mfile.read_text()) if mfile.exists() else {}
    # the forward time is a timing: re-measured only when asked (--only forward) or missing, never as a side effect under load
    todo = [] if a.cards else (a.only or ['classifier'] + (['forward'] if 'forward_time' not in metrics else []) + ['samples', 'diffpure100', 'diffpure300'])
    for m in todo:
        if m == 'classifier': key, r = m, classifier_accuracy(emb, work)
        if m == 'forward': key, r = 'forward_time', forward_time(emb)
        if m == 'samples': key, r = m, sample_confidence(emb, work, a.samples, min(a.batch, a.samples))
        if m.startswith('diffpure'): t = int(m[8:]); key, r = f'diffpure_t{t}', diffpure_accuracy(emb, work, t, a.n, a.batch)
        metrics[key] = dict(r, measured_on=hardware_summary(torch.device(a.device)))
        mfile.write_text(json.dumps(metrics, indent=1)); print(key, json.dumps(metrics[key]))
    write_cards(emb, metrics)
    print(json.dumps(metrics, indent=1))
