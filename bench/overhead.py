#!/usr/bin/env python
"""(a) Sampler overhead: time of a K-step purification / (K x time of one network forward), same batch, same run.

For DiffPure, GDMP and MimicDiffusion on the embedded Fashion-MNIST model (random weights of the same architecture when the
weights are not installed: timing does not depend on them), batch sizes 1, 16, 64. Also the plain purification time that
(b) compares an attack step against. Prints a markdown table and appends it to bench/RESULTS.md.

    python bench/overhead.py --K 25 --threads 2
"""
import argparse, os, platform, statistics, time
from datetime import datetime, timezone
import torch

def timeit(fn, reps):
    fn(); ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); fn(); ts.append(time.perf_counter() - t0)
    return statistics.median(ts)

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--K', type=int, default=25); p.add_argument('--batches', type=int, nargs='+', default=[1, 16, 64])
    p.add_argument('--reps', type=int, default=5); p.add_argument('--threads', type=int, default=0)
    p.add_argument('--out', default='bench/RESULTS.md')
    a = p.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    from mimicdiffusion.embedded import load_embedded, make_unet
    from mimicdiffusion.backbones import UNetDenoiser
    from mimicdiffusion.diffusion import linear_schedule
    from mimicdiffusion.purifiers import make_purifier
    try: emb = load_embedded(); den, sched, what = emb.denoiser, emb.sched, 'embedded Fashion-MNIST UNet (shipped weights)'
    except FileNotFoundError: den, sched, what = UNetDenoiser(make_unet()), linear_schedule(), 'random-weight embedded-architecture UNet'
    K = a.K
    purifiers = {'DiffPure (t*=100)': make_purifier('diffpure', den, sched, t_star=100, K=K),
                 'GDMP (t*=100)': make_purifier('gdmp', den, sched, t_star=100, K=K),
                 "MimicDiffusion 'paper'": make_purifier('mimic', den, sched, K=K, eps=0.1)}
    rows = []
    for B in a.batches:
        x = torch.rand(B, 1, 28, 28); xm = torch.randn(B, 1, 28, 28); t = torch.full((B,), 500)
        with torch.inference_mode():
            fwd = timeit(lambda: den(xm, t), a.reps * 4)
            for name, pur in purifiers.items():
                g = torch.Generator().manual_seed(0)
                tp = timeit(lambda: pur(x, generator=g), a.reps)
                rows.append((name, B, fwd, tp, tp / (K * fwd)))
                print(f'{name:28s} B={B:3d}  forward {1000 * fwd:7.2f} ms  purification {tp:7.3f} s  ratio {tp / (K * fwd):.3f}', flush=True)
    hdr = (f"\n## (a) Sampler overhead\n\n### {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC: K = {K} steps, {what}\n\n"
           f"- command: `python bench/overhead.py --K {K}{f' --threads {a.threads}' if a.threads else ''}`\n"
           f"- machine: {platform.platform()}, {os.cpu_count()} CPUs, torch {torch.__version__}, {torch.get_num_threads()} thread(s), load average {os.getloadavg()[0]:.1f} at the end\n"
           f"- time: median of {a.reps} purifications and {4 * a.reps} forwards after a warm-up, inference mode; target ratio <= 1.05\n\n"
           "| purifier | batch | one forward (ms) | K-step purification (s) | ratio purification / (K x forward) |\n|---|---|---|---|---|\n")
    table = hdr + ''.join(f'| {n} | {B} | {1000 * f:.2f} | {tp:.3f} | {r:.3f} |\n' for n, B, f, tp, r in rows)
    print(table)
    with open(a.out, 'a') as f: f.write(table)

if __name__ == '__main__': main()
