#!/usr/bin/env python
"""Train both embedded models on a GPU within a wall-time budget each, then report the classifier's test accuracy.

A GPU lease is short and its speed on these small networks is not known beforehand, so the number of steps is measured, not
guessed: a 300-step probe of each trainer (same batch size and device, thrown away) gives steps per second, and the real run gets
as many whole thousands of steps as fit in its budget (at most --max-steps; fewer than --min-steps is an error, never an overrun), with the usual warm-up and cosine
decay over exactly that many steps. The runs are ordinary `train_diffusion` / `train_classifier` run folders (checkpoints, logs,
config.json, hardware.json), so `export_embedded` takes them as they are and `--resume` works on any machine.

    python scripts/train_embedded_gpu.py --out runs/gpu --diffusion-seconds 240 --classifier-seconds 60
    python scripts/train_embedded_gpu.py --out /tmp/smoke --device cpu --diffusion-seconds 5 --classifier-seconds 2 \
        --min-steps 1 --max-steps 50 --probe 20 --round 10          # a smoke run anywhere
"""
import argparse, json, math, shutil, time
from pathlib import Path
import torch
from mimicdiffusion.data import load_fashion_mnist, fashion_mnist
from mimicdiffusion.embedded import TrainConfig, train_diffusion, train_classifier, SmallCNN

DIFFUSION = dict(batch_size=128, lr=2e-3, warmup=500, weight_decay=0.0, ema=0.9995)
CLASSIFIER = dict(batch_size=128, lr=3e-3, warmup=200, weight_decay=5e-4, ema=0.999)

def steps_per_second(train, folder, cfg, data, probe):
    "Steps per second of `train` with `cfg`, timed over the second half of a `probe`-step run (the first half warms up)."
    shutil.rmtree(folder, ignore_errors=True)
    train(folder, TrainConfig(**{**cfg, 'steps': probe, 'warmup': 1, 'log_every': probe // 2, 'ckpt_every': 10 ** 9}), data=data, progress=False)
    log = [json.loads(l) for l in (folder/'log.jsonl').read_text().splitlines()]
    shutil.rmtree(folder)
    return (log[-1]['step'] - log[0]['step']) / max(log[-1]['elapsed'] - log[0]['elapsed'], 1e-6)

def budgeted_run(name, train, out, cfg, data, seconds, a):
    rate = steps_per_second(train, out/f'probe_{name}', cfg, data, a.probe)
    steps = int(min(a.max_steps, math.floor(rate * seconds / a.round) * a.round))
    if steps < a.min_steps:   # never train past the budget: a lease that ends mid-run loses it
        raise SystemExit(f'{name}: only {rate * seconds:.0f} steps fit in {seconds} s at {rate:.1f} steps/s (--min-steps {a.min_steps}); '
                         f'give it more seconds, or train on the CPU with `mimicdiffusion train-{name}`')
    print(f'{name}: {rate:.1f} steps/s in the probe -> {steps} steps for a {seconds} s budget', flush=True)
    full = TrainConfig(**{**cfg, 'steps': steps, 'warmup': min(cfg['warmup'], steps // 10), 'ckpt_every': max(250, steps // 10)})
    t0 = time.time(); model = train(out/name, full, data=data, resume=True, progress=False)
    print(f'{name}: {steps} steps in {time.time() - t0:.0f} s', flush=True)
    return model

def test_accuracy(run, device):
    "Test-split accuracy of a classifier run's raw and EMA weights (both are reported; the notebook says which one ships)."
    x, y = fashion_mnist('test').tensors(); st = torch.load(run/'checkpoint.pt', weights_only=True, map_location='cpu')
    width = json.loads((run/'arch.json').read_text())['width']; res = {}
    for key in ('model', 'ema'):
        m = SmallCNN(width=width); m.load_state_dict(st[key]); m.eval().to(device)
        with torch.inference_mode(): pred = torch.cat([m(x[i:i + 2000].to(device)).argmax(1).cpu() for i in range(0, len(x), 2000)])
        res[key] = round(100 * float((pred == y).float().mean()), 2)
    return res

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', type=Path, required=True); p.add_argument('--device', default='cuda')
    p.add_argument('--diffusion-seconds', type=float, default=240); p.add_argument('--classifier-seconds', type=float, default=60)
    p.add_argument('--min-steps', type=int, default=1000); p.add_argument('--max-steps', type=int, default=60000)
    p.add_argument('--probe', type=int, default=300, help='steps of each speed probe'); p.add_argument('--round', type=int, default=1000)
    p.add_argument('--seed', type=int, default=0); p.add_argument('--data', type=Path, help='folder of the Fashion-MNIST IDX files')
    a = p.parse_args()
    if a.device.startswith('cuda'):
        if not torch.cuda.is_available(): raise SystemExit(f'--device {a.device}: CUDA is not available here')
        print('GPU:', torch.cuda.get_device_name(a.device), flush=True); torch.backends.cudnn.benchmark = True
    data = load_fashion_mnist('train', a.data, download=False)
    a.out.mkdir(parents=True, exist_ok=True)
    common = dict(seed=a.seed, device=a.device, log_every=100)
    budgeted_run('diffusion', train_diffusion, a.out, {**DIFFUSION, **common}, data, a.diffusion_seconds, a)
    budgeted_run('classifier', train_classifier, a.out, {**CLASSIFIER, **common}, data, a.classifier_seconds, a)
    acc = test_accuracy(a.out/'classifier', a.device)
    (a.out/'classifier_test_accuracy.json').write_text(json.dumps(acc)); print('classifier test accuracy %:', acc, flush=True)
