#!/usr/bin/env python
"""(d) GPU throughput: images/s for a MimicDiffusion purification and for one exact-gradient APGD-EOT iteration, fp32 vs bf16.

The model is the architecture of google/ddpm-cifar10-32 (diffusers UNet2DModel, 35.7M parameters) with random weights, since
time does not depend on the weights, and a torchvision ResNet-18 classifier (random weights) on 32x32 images. Modes: `fp32` (plain),
`bf16` (the denoiser's `speed(torch.bfloat16, channels_last=True)`: bf16 autocast and channels_last). One attack iteration is what
APGD/PGD do per step and EOT draw: a forward pass through the purifier and classifier and a backward pass through the whole
checkpointed sampler (`DefendedModel(grad='exact')`). Each figure is the median of --reps timed runs after one warm-up, with
`torch.cuda.synchronize()` around each; peak GPU memory per mode is reported too. Appends to bench/RESULTS.md under "(d)".

    python bench/gpu_throughput.py                          # cuda, batch 256, K 100
    python bench/gpu_throughput.py --device cpu --batch 2 --K 2 --reps 1 --no-append   # a smoke run anywhere
"""
import argparse, platform, statistics, sys, time
from datetime import datetime, timezone
from pathlib import Path
import torch

HEADING = '## (d) GPU throughput'

def cifar_unet():
    from diffusers import UNet2DModel
    torch.manual_seed(0)
    return UNet2DModel(sample_size=32, in_channels=3, out_channels=3, block_out_channels=(128, 256, 256, 256), layers_per_block=2,
                       down_block_types=('DownBlock2D', 'AttnDownBlock2D', 'DownBlock2D', 'DownBlock2D'),
                       up_block_types=('UpBlock2D', 'UpBlock2D', 'AttnUpBlock2D', 'UpBlock2D'), norm_num_groups=32, norm_eps=1e-6,
                       flip_sin_to_cos=False, freq_shift=1, downsample_padding=0)

def timed(fn, reps, dev):
    def sync():
        if dev.type == 'cuda': torch.cuda.synchronize(dev)
    fn(); sync(); ts = []
    for _ in range(reps):
        t = time.perf_counter(); fn(); sync(); ts.append(time.perf_counter() - t)
    return statistics.median(ts)

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--device', default='cuda'); p.add_argument('--batch', type=int, default=256)
    p.add_argument('--K', type=int, default=100, help='MimicDiffusion sampler steps')
    p.add_argument('--modes', nargs='+', default=['fp32', 'bf16'], choices=('fp32', 'bf16'))
    p.add_argument('--reps', type=int, default=3); p.add_argument('--no-append', action='store_true')
    p.add_argument('--results', default=str(Path(__file__).with_name('RESULTS.md')))
    a = p.parse_args()
    dev = torch.device(a.device)
    if dev.type == 'cuda' and not torch.cuda.is_available(): sys.exit('gpu_throughput: no CUDA device (use --device cpu for a smoke run)')
    import torchvision
    from mimicdiffusion.backbones import UNetDenoiser
    from mimicdiffusion.diffusion import linear_schedule
    from mimicdiffusion.purifiers import make_purifier
    from mimicdiffusion.attacks import DefendedModel, eot_loss
    if dev.type == 'cuda': torch.backends.cudnn.benchmark = True
    clf = torchvision.models.resnet18(num_classes=10).eval().requires_grad_(False).to(dev)
    g = torch.Generator().manual_seed(0)
    x, y = torch.rand(a.batch, 3, 32, 32, generator=g).to(dev), torch.randint(0, 10, (a.batch,), generator=g).to(dev)
    rows = []
    for mode in a.modes:
        den = UNetDenoiser(cifar_unet()).to(dev)
        if mode == 'bf16': den.speed(torch.bfloat16, channels_last=True)
        pur = make_purifier('mimic', den, linear_schedule().to(dev), K=a.K, eps=8 / 255)
        dm = DefendedModel(pur, clf, 'exact', grad_checkpoint=True, generator=torch.Generator(dev).manual_seed(0))
        if dev.type == 'cuda': torch.cuda.reset_peak_memory_stats(dev)
        with torch.inference_mode(): tp = timed(lambda: pur(x, generator=torch.Generator(dev).manual_seed(1)), a.reps, dev)
        peak_p = torch.cuda.max_memory_allocated(dev) / 2**30 if dev.type == 'cuda' else float('nan')
        if dev.type == 'cuda': torch.cuda.reset_peak_memory_stats(dev)
        ta = timed(lambda: eot_loss(dm, x, y), a.reps, dev)
        peak_a = torch.cuda.max_memory_allocated(dev) / 2**30 if dev.type == 'cuda' else float('nan')
        rows.append((mode, a.batch / tp, tp, peak_p, a.batch / ta, ta, peak_a))
        print(f'{mode}: purification {a.batch / tp:.1f} img/s ({tp:.2f} s), attack iteration {a.batch / ta:.2f} img/s ({ta:.2f} s)', flush=True)
        del den, pur, dm
        if dev.type == 'cuda': torch.cuda.empty_cache()
    name = torch.cuda.get_device_name(dev) if dev.type == 'cuda' else platform.processor() or platform.machine()
    lines = [f"### {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC: {name}, batch {a.batch}, MimicDiffusion 'paper' K = {a.K}, "
             "random weights of the google/ddpm-cifar10-32 architecture + ResNet-18", '',
             f"- command: `python bench/gpu_throughput.py {' '.join(sys.argv[1:])}`".replace('  ', ' '),
             f"- machine: {platform.platform()}, torch {torch.__version__}, {name}; median of {a.reps} timed runs after a warm-up", '',
             '| mode | purification (img/s) | purification (s / batch) | peak GPU memory (GiB) | exact-gradient attack iteration (img/s) '
             '| attack iteration (s / batch) | peak GPU memory (GiB) |', '|' + '---|' * 7]
    lines += [f'| {m} | {ip:.1f} | {tp:.2f} | {pp:.1f} | {ia:.2f} | {ta:.2f} | {pa:.1f} |' for m, ip, tp, pp, ia, ta, pa in rows]
    if len(rows) == 2: lines += ['', f"- bf16 / fp32 speed-up: purification {rows[0][2] / rows[1][2]:.2f}x, attack iteration {rows[0][5] / rows[1][5]:.2f}x"]
    entry = '\n'.join(lines); print(entry)
    if not a.no_append:
        sys.path.insert(0, str(Path(__file__).parent))
        from attack_memory import append_results
        append_results(Path(a.results), entry, HEADING)

if __name__ == '__main__': main()
