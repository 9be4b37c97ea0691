#!/usr/bin/env python
"""Bitwise check of a refactor of MimicDiffusion's guidance: save outputs with one version of the code, compare with another.

    python scripts/check_guidance_bitwise.py save REF.pt      # with the code before the change
    python scripts/check_guidance_bitwise.py compare REF.pt   # after: every tensor must be torch.equal

On the embedded model (K = 25, L-inf budget 0.1, images 0..3 of the shipped subset, fixed seeds) it records the purified outputs of
every preset, of every `defense.settings` of the `abl-*` and `var-*` rows of studies/adaptive.toml, and of a few further
ablation settings (exact guidance, the tanh surrogate, the reference code's upsampling with a split); and the input gradients of
the classifier's cross-entropy through purifier + classifier for `paper` (with and without per-step checkpointing) and a few others.
"""
import sys, tomllib
from pathlib import Path
import torch
import torch.nn.functional as F
from mimicdiffusion.embedded import load_embedded
from mimicdiffusion.mimic import PRESETS
from mimicdiffusion.purifiers import make_purifier

ROOT = Path(__file__).resolve().parents[1]
EXTRA = {'exact-l1': dict(exact_guidance=True), 'exact-l2': dict(exact_guidance=True, energy='l2'),
         'tanh': dict(sign_grad='tanh'), 'zero-grad': dict(sign_grad='zero'), 'nearest-pixel': dict(sr_mode='nearest'),
         'nearest-image': dict(sr_mode='nearest', split='image'), 'l2-sr-off': dict(energy='l2', sr_mode='off'),
         'reference-scale': dict(scale_mode='reference'), 'exact-image': dict(exact_guidance=True, split='image'),
         'ddim-clip': dict(eta=0., clip_x0=True)}
GRADS = {'paper': dict(preset='paper'), 'tanh': dict(preset='paper', sign_grad='tanh'),
         'reference_code': dict(preset='reference_code'), 'high_noise': dict(preset='high_noise'),
         'split-image': dict(preset='paper', split='image'), 'sr-off-l2': dict(preset='paper', sr_mode='off', energy='l2')}
# (no gradient with exact_guidance: its double backward through the embedded UNet's CPU attention is not implemented in torch)

def study_settings()->dict:
    "{'abl-ROW' / 'var-ROW': defense.settings} of the MimicDiffusion rows of studies/adaptive.toml."
    study = tomllib.loads((ROOT/'studies/adaptive.toml').read_text())
    out = {}
    for p in study['products']:
        prefix = p['name'].split('-')[0]
        if prefix not in ('abl', 'var'): continue
        for row, v in p['axes']['row'].items():
            if v.get('defense.name', 'mimic') != 'mimic': continue   # DiffPure/GDMP rows
            s = dict(v.get('defense.settings', {}))
            if 'window' in s: s['window'] = tuple(s['window'])
            out[f'{prefix}-{row}'] = s
    return out

def run()->dict:
    torch.manual_seed(0)
    emb = load_embedded()
    x = torch.stack([torch.as_tensor(emb.data[i][0]) for i in range(4)]).float()
    y = torch.as_tensor([int(emb.data[i][1]) for i in range(4)])
    mk = lambda **s: make_purifier('mimic', emb.denoiser, emb.sched, K=25, eps=0.1, **s)
    rows = {f'preset-{p}': dict(preset=p) for p in PRESETS}
    rows.update({k: dict(preset='paper', **s) for k, s in study_settings().items()})
    rows.update({f'extra-{k}': dict(preset='paper', **s) for k, s in EXTRA.items()})
    res = {}
    for name, s in rows.items():
        with torch.no_grad(): res[f'out/{name}'] = mk(**s)(x, seed=11)
        print(name, res[f'out/{name}'].mean().item(), flush=True)
    for name, s in GRADS.items():
        for ckpt in ((False, True) if name == 'paper' else (True,)):
            xg = x.clone().requires_grad_()
            loss = F.cross_entropy(emb.classifier(mk(**s)(xg, seed=5, grad_checkpoint=ckpt)), y)
            res[f'grad/{name}/ckpt={ckpt}'] = torch.autograd.grad(loss, xg)[0]
            print('grad', name, ckpt, res[f'grad/{name}/ckpt={ckpt}'].abs().sum().item(), flush=True)
    return res

if __name__ == '__main__':
    mode, path = sys.argv[1], Path(sys.argv[2])
    res = run()
    if mode == 'save':
        torch.save(res, path); print(f'saved {len(res)} tensors to {path}')
    else:
        ref = torch.load(path, weights_only=True)
        bad = [k for k in ref if k not in res or not torch.equal(ref[k], res[k])]
        missing = [k for k in res if k not in ref]
        print(f'{len(ref) - len(bad)} of {len(ref)} tensors bitwise equal' + (f'; differ: {bad}' if bad else '')
              + (f'; not in the reference: {missing}' if missing else ''))
        sys.exit(1 if bad else 0)
