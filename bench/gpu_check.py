#!/usr/bin/env python
"""A GPU check that fits in ten minutes: purification throughput and one exact attack step, eager vs compiled, fp32 vs bf16.

Installs nothing: it needs the project (`mimicdiffusion`, with torch, torchvision and diffusers) and a CUDA device. Two networks with
random weights (time and memory do not depend on the weights):

- `cifar`: google/ddpm-cifar10-32's UNet2DModel (35.7 M parameters), 32x32, with a torchvision ResNet-18 (10 classes), K = 100;
- `adm256`: OpenAI guided-diffusion's 256x256 unconditional ADM, rebuilt as a UNet2DModel by `mimicdiffusion.checkpoints`
  (`adm_unet_config(ADM_256_UNCOND)`: 256 channels, attention at 32/16/8, scale-shift norm, resblock up/down, 6 output channels of
  which the first 3 are eps), with a torchvision ResNet-50 behind a 256 -> 224 resize, K = 150, a small batch.

For each network and each variant (eager or compiled by `compile_model`, fp32 or bf16 autocast with channels_last) it prints and
records: purification images/s (MimicDiffusion 'paper', inference mode), the time of one exact-gradient attack step (forward and
backward of the cross-entropy through `DefendedModel(grad='exact')`, every step checkpointed) and the peak GPU memory of each, plus
the first call's time (which includes compiling). Figures are medians of `--reps` calls after the first. After every variant the
figures so far are written to OUT/gpu_check.json and OUT/gpu_check.md, so a run stopped by a time limit still leaves what it measured;
`--deadline` (seconds) skips the variants that would start after it.

    python bench/gpu_check.py --out gpu_check_out                  # on a GPU machine; stops starting variants after 540 s
    python bench/gpu_check.py --smoke --out /tmp/gpu_check_smoke   # CPU smoke run: tiny networks, K = 2, batch 1 (minutes)

`--smoke` runs everything on the CPU with tiny networks of the same block types, K = 2, one timed call, and compiles with the
`aot_eager` backend (tracing without code generation) unless `--backend` says otherwise: it checks the script, not the speed.
"""
import argparse, json, os, platform, statistics, sys, time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # run from a checkout without installing the package

def cifar_unet(smoke:bool):
    "google/ddpm-cifar10-32's UNet2DModel architecture, random weights (`smoke`: the same blocks, tiny widths)."
    import torch
    from diffusers import UNet2DModel
    torch.manual_seed(0)
    ch, groups = ((16, 32, 32, 32), 8) if smoke else ((128, 256, 256, 256), 32)
    return UNet2DModel(sample_size=32, in_channels=3, out_channels=3, block_out_channels=ch, layers_per_block=1 if smoke else 2,
                       down_block_types=('DownBlock2D', 'AttnDownBlock2D', 'DownBlock2D', 'DownBlock2D'),
                       up_block_types=('UpBlock2D', 'UpBlock2D', 'AttnUpBlock2D', 'UpBlock2D'), norm_num_groups=groups, norm_eps=1e-6,
                       flip_sin_to_cos=False, freq_shift=1, downsample_padding=0)

def adm_config(smoke:bool):
    "guided-diffusion's 256x256 unconditional model (`smoke`: the same kinds of blocks at 32x32, tiny widths)."
    from dataclasses import replace
    from mimicdiffusion.checkpoints import ADM_256_UNCOND
    if not smoke: return ADM_256_UNCOND
    return replace(ADM_256_UNCOND, image_size=32, model_channels=16, num_res_blocks=1, attention_resolutions=(8,),
                   channel_mult=(1, 2, 2), num_head_channels=8, num_groups=8)

def build(name:str, smoke:bool, dev):
    "(denoiser, schedule, classifier, classifier_transform, image size, eps, description)."
    import torch, torch.nn.functional as F, torchvision
    from diffusers import UNet2DModel
    from mimicdiffusion.backbones import UNetDenoiser
    from mimicdiffusion.checkpoints import adm_unet_config
    from mimicdiffusion.diffusion import linear_schedule
    torch.manual_seed(0)
    if name == 'cifar':
        clf = torchvision.models.resnet18(num_classes=10)
        return UNetDenoiser(cifar_unet(smoke)), linear_schedule(), clf, None, 32, 8 / 255, \
            'google/ddpm-cifar10-32 architecture + ResNet-18 (random weights)'
    cfg = adm_config(smoke)
    den = UNetDenoiser(UNet2DModel(**adm_unet_config(cfg)), in_channels=3, t_scale=cfg.t_scale)
    size = 16 if smoke else 224
    resize = lambda x: F.interpolate(x, size=(size, size), mode='bilinear', antialias=True, align_corners=False)
    arch = 'resnet18' if smoke else 'resnet50'   # smoke: a smaller network to trace
    return den, cfg.schedule(), getattr(torchvision.models, arch)(num_classes=1000), resize, cfg.image_size, 4 / 255, \
        f'guided-diffusion {cfg.image_size}x{cfg.image_size} uncond ADM architecture + {arch} behind a resize to {size} (random weights)'

class Peak:
    "Peak memory of a block: CUDA's allocator peak, or on CPU the process's resident-set peak above its level before."
    def __init__(self, dev): self.dev = dev
    def __enter__(self):
        import torch
        if self.dev.type == 'cuda': torch.cuda.synchronize(self.dev); torch.cuda.reset_peak_memory_stats(self.dev)
        else:
            self.before = _status('VmRSS')
            with open('/proc/self/clear_refs', 'w') as f: f.write('5')
        return self
    def __exit__(self, *exc):
        import torch
        if self.dev.type == 'cuda':
            torch.cuda.synchronize(self.dev)
            self.gib = torch.cuda.max_memory_allocated(self.dev) / 2**30
        else: self.gib = (_status('VmHWM') - self.before) / 2**20

def _status(field:str)->int:
    "A /proc/self/status field, in KiB."
    for line in open('/proc/self/status'):
        if line.startswith(field + ':'): return int(line.split()[1])
    raise RuntimeError(field)

def measure(fn, reps:int, dev)->dict:
    "first-call seconds, median seconds of `reps` more calls, and the peak memory of the last (GiB)."
    import torch
    sync = (lambda: torch.cuda.synchronize(dev)) if dev.type == 'cuda' else (lambda: None)
    t0 = time.perf_counter(); fn(); sync(); first = time.perf_counter() - t0
    ts = []
    for _ in range(reps - 1):
        t0 = time.perf_counter(); fn(); sync(); ts.append(time.perf_counter() - t0)
    with Peak(dev) as pk:
        t0 = time.perf_counter(); fn(); sync(); ts.append(time.perf_counter() - t0)
    return dict(first_s=first, median_s=statistics.median(ts), peak_gib=pk.gib)

def variant(name:str, compiled:bool, dtype:str, a, dev)->dict:
    "The figures of one network in one variant."
    import torch, torch.nn.functional as F
    from mimicdiffusion.attacks import DefendedModel
    from mimicdiffusion.backbones import compile_model
    from mimicdiffusion.purifiers import make_purifier
    den, sched, clf, tf, size, eps, desc = build(name, a.smoke, dev)
    den, clf, sched = den.to(dev), clf.eval().requires_grad_(False).to(dev), sched.to(dev)
    if dtype == 'bf16': den.speed(torch.bfloat16, channels_last=True)
    if compiled:
        compile_model(den, backend=a.backend, mode=a.mode)
        compile_model(clf, backend=a.backend, mode=a.mode)
    K, B = (a.K_cifar, a.batch_cifar) if name == 'cifar' else (a.K_adm, a.batch_adm)
    g = torch.Generator().manual_seed(0)
    n_cls = 10 if name == 'cifar' else 1000
    x, y = torch.rand(B, 3, size, size, generator=g).to(dev), torch.randint(0, n_cls, (B,), generator=g).to(dev)
    pur = make_purifier('mimic', den, sched, K=K, eps=eps)
    dm = DefendedModel(pur, clf, 'exact', classifier_transform=tf, grad_checkpoint=True,
                       generator=torch.Generator(dev).manual_seed(1))
    def purify():
        with torch.inference_mode(): pur(x, generator=torch.Generator(dev).manual_seed(2))
    def attack():
        xg = x.clone().requires_grad_()
        F.cross_entropy(dm(xg), y).backward()
    p, s = measure(purify, a.reps, dev), measure(attack, a.reps, dev)
    return dict(model=name, desc=desc, compiled=compiled, dtype=dtype, K=K, batch=B,
                purify_img_s=B / p['median_s'], purify_s=p['median_s'], purify_first_s=p['first_s'], purify_peak_gib=p['peak_gib'],
                attack_s=s['median_s'], attack_first_s=s['first_s'], attack_peak_gib=s['peak_gib'])

def markdown(rows:list, cmd:str, dev_name:str)->str:
    L = [f"### {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC: GPU check on {dev_name}", '', f'- command: `{cmd}`',
         f'- machine: {platform.platform()}, {dev_name}', '- models: ' + '; '.join(sorted({f"{r['model']}: {r['desc']}" for r in rows})), '',
         '| model | K | batch | compiled | dtype | purification (img/s) | purification first call (s) | purification peak (GiB) '
         '| exact attack step (s) | attack first call (s) | attack peak (GiB) |', '|' + '---|' * 11]
    L += [f"| {r['model']} | {r['K']} | {r['batch']} | {'yes' if r['compiled'] else 'no'} | {r['dtype']} | {r['purify_img_s']:.2f} "
          f"| {r['purify_first_s']:.1f} | {r['purify_peak_gib']:.3f} | {r['attack_s']:.3f} | {r['attack_first_s']:.1f} "
          f"| {r['attack_peak_gib']:.3f} |" for r in rows]
    return '\n'.join(L) + '\n'

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', default='gpu_check_out', help='folder for gpu_check.json and gpu_check.md')
    p.add_argument('--smoke', action='store_true', help='CPU, tiny networks, K = 2, batch 1, aot_eager backend')
    p.add_argument('--models', nargs='+', default=['cifar', 'adm256'], choices=('cifar', 'adm256'))
    p.add_argument('--K-cifar', type=int, default=100); p.add_argument('--batch-cifar', type=int, default=64)
    p.add_argument('--K-adm', type=int, default=150); p.add_argument('--batch-adm', type=int, default=4)
    p.add_argument('--reps', type=int, default=1, help='timed calls after the first (the last also measures peak memory)')
    p.add_argument('--backend', default=None, help="torch.compile backend (default inductor; --smoke: aot_eager)")
    p.add_argument('--mode', default=None, help="torch.compile mode, e.g. 'max-autotune-no-cudagraphs' (default: None)")
    p.add_argument('--deadline', type=float, default=540., help='seconds: variants that would start later are skipped')
    p.add_argument('--cache', default=None, help='inductor cache folder (default: OUT/inductor-cache)')
    a = p.parse_args()
    import torch
    from mimicdiffusion.backbones import compile_model
    if a.smoke:
        a.K_cifar = a.K_adm = 2; a.batch_cifar = a.batch_adm = 1; a.reps = 1
        a.backend = a.backend or 'aot_eager'
    a.backend = a.backend or 'inductor'
    dev = torch.device('cpu' if a.smoke else 'cuda')
    if dev.type == 'cuda' and not torch.cuda.is_available(): sys.exit('gpu_check: no CUDA device; use --smoke for a CPU run')
    if dev.type == 'cuda': torch.backends.cudnn.benchmark = True
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    compile_model(torch.nn.Identity(), cache_dir=a.cache or out / 'inductor-cache')   # the cache folder, before any compile
    dev_name = torch.cuda.get_device_name(dev) if dev.type == 'cuda' else f'CPU ({platform.machine()}, smoke run)'
    cmd = 'python bench/gpu_check.py ' + ' '.join(sys.argv[1:])
    start, rows, skipped = time.time(), [], []
    # eager before compiled and fp32 before bf16, each for every network: a deadline cuts the last variants, not a network
    for compiled, dtype in ((False, 'fp32'), (False, 'bf16'), (True, 'fp32'), (True, 'bf16')):
        for name in a.models:
            tag = f"{name} {'compiled' if compiled else 'eager'} {dtype}"
            if time.time() - start > a.deadline: skipped.append(tag); print(f'skipped (deadline): {tag}', flush=True); continue
            r = variant(name, compiled, dtype, a, dev)
            rows.append(r)
            print(f"{tag}: purification {r['purify_img_s']:.2f} img/s (first call {r['purify_first_s']:.1f} s, peak "
                  f"{r['purify_peak_gib']:.3f} GiB); exact attack step {r['attack_s']:.3f} s (first call {r['attack_first_s']:.1f} s, "
                  f"peak {r['attack_peak_gib']:.3f} GiB)", flush=True)
            (out / 'gpu_check.json').write_text(json.dumps(dict(command=cmd, device=dev_name, torch=torch.__version__,
                                                                backend=a.backend, rows=rows, skipped=skipped), indent=1))
            (out / 'gpu_check.md').write_text(markdown(rows, cmd, dev_name) + (f"\n- skipped: {', '.join(skipped)}\n" if skipped else ''))
            if dev.type == 'cuda': torch.cuda.empty_cache()
    if skipped:
        (out / 'gpu_check.json').write_text(json.dumps(dict(command=cmd, device=dev_name, torch=torch.__version__,
                                                            backend=a.backend, rows=rows, skipped=skipped), indent=1))
        (out / 'gpu_check.md').write_text(markdown(rows, cmd, dev_name) + f"\n- skipped: {', '.join(skipped)}\n")
    print(f"wrote {out / 'gpu_check.json'} and {out / 'gpu_check.md'} ({time.time() - start:.0f} s)")

if __name__ == '__main__':
    main()
