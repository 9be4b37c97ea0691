#!/usr/bin/env python
"""Peak memory and time of one exact-gradient attack step through MimicDiffusion, with and without per-step checkpointing.

An attack step is one forward and one backward pass of the summed cross-entropy through `DefendedModel(MimicDiffusion(K), grad='exact')`
(what PGD/APGD do once per iteration and EOT draw). Every configuration (K, checkpointing) runs in a fresh subprocess, so its peak
memory is its own: on CPU the process's max RSS (`resource.getrusage`), reported in total and above the RSS after loading the models;
on CUDA also `torch.cuda.max_memory_allocated`. Time per step is the median over `--repeats` steps after one warm-up step.
Also reported, independent of the allocator: the bytes the forward pass saves for the backward pass (distinct storages, counted
with `torch.autograd.graph.saved_tensors_hooks` around the forward pass of the memory run; with checkpointing, each step's recomputed
activations live only during its backward and are not counted). The time run also times the plain purification of the same batch
(inference mode) in the same process, for the target "attack step <= 4.5x purification".

glibc's malloc keeps freed memory when its dynamic mmap threshold has grown, so the process RSS of a checkpointed run grows with K
although the live tensors do not. Each configuration therefore runs twice: a timing run with glibc's defaults (its RSS is reported as
well), and a one-step memory run with MALLOC_MMAP_THRESHOLD_=65536 (large blocks are mmapped and returned on free, so RSS tracks live
memory; it also makes steps about 2x slower, which is why it is not timed).

The model: the embedded Fashion-MNIST denoiser and classifier (`mimicdiffusion.embedded.load_embedded()`) when its weights are
installed, else a random-weight UNet2DModel of the same architecture (28x28x1, channels 32/64/64) with a random SmallCNN: memory and
time do not depend on the weights. The table is printed and appended to bench/RESULTS.md under "(b) Attack memory and time".

    python bench/attack_memory.py                       # K = 10, 25, 100; batch 8; both modes
    python bench/attack_memory.py --Ks 100 --batch 32 --device cuda
"""
import argparse, json, os, platform, resource, statistics, subprocess, sys, time
from datetime import datetime, timezone
from pathlib import Path

HEADING = '## (b) Attack memory and time'
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # run from a checkout without installing the package

def build(model:str, device:str):
    "(denoiser, sched, classifier, images (N,1,28,28) in [0,1], labels, model description)."
    import torch
    from mimicdiffusion.embedded import make_unet, UNetConfig, SmallCNN
    from mimicdiffusion.backbones import UNetDenoiser
    from mimicdiffusion.diffusion import linear_schedule
    if model in ('auto', 'embedded'):
        try:
            from mimicdiffusion.embedded import load_embedded
            emb = load_embedded(device)
            x, y = emb.data.tensors()
            return emb.denoiser, emb.sched, emb.classifier, x, y, 'embedded Fashion-MNIST UNet + SmallCNN (load_embedded)'
        except (ImportError, FileNotFoundError) as e:
            if model == 'embedded': raise
            print(f"[attack_memory] embedded model unavailable ({type(e).__name__}: {e}); using random weights", file=sys.stderr)
    torch.manual_seed(0)
    den = UNetDenoiser(make_unet(UNetConfig())).to(device)
    clf = SmallCNN().eval().requires_grad_(False).to(device)
    g = torch.Generator().manual_seed(0)
    return den, linear_schedule().to(device), clf, torch.rand(64, 1, 28, 28, generator=g), torch.randint(0, 10, (64,), generator=g), \
        'random-weight UNet2DModel 28x28x1 (32,64,64) + SmallCNN'

def prepare(cfg:dict):
    "A child's setup: torch threads, (device, denoiser, schedule, classifier, images, labels, description) of cfg's batch."
    import torch
    torch.set_num_threads(cfg['threads'])
    dev = torch.device(cfg['device'])
    den, sched, clf, x, y, desc = build(cfg['model'], cfg['device'])
    x, y = x[:cfg['batch']].to(dev), y[:cfg['batch']].to(dev)
    if len(x) < cfg['batch']:
        reps = -(-cfg['batch'] // len(x))
        x, y = x.repeat(reps, 1, 1, 1)[:cfg['batch']], y.repeat(reps)[:cfg['batch']]
    return dev, den, sched, clf, x, y, desc

def saved_tensor_counter():
    "(storages, pack): a saved_tensors_hooks pack function recording the bytes of every storage saved for backward."
    storages = {}
    def pack(t):
        storages[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
        return t
    return storages, pack

def add_run_arguments(p:argparse.ArgumentParser, threads:int, timeout_help:str):
    "The options every measurement script here shares: repeats, device, threads, timeout, where results go, the child call."
    p.add_argument('--repeats', type=int, default=2, help='timed steps after one warm-up step')
    p.add_argument('--device', default='cpu')
    p.add_argument('--threads', type=int, default=threads)
    p.add_argument('--timeout', type=float, default=1800, help=timeout_help)
    p.add_argument('--results', default=str(Path(__file__).with_name('RESULTS.md')))
    p.add_argument('--no-append', action='store_true', help='print only')
    p.add_argument('--child', help=argparse.SUPPRESS)

def child(cfg:dict):
    "Run one configuration and print one JSON line."
    import torch
    from mimicdiffusion.purifiers import make_purifier
    from mimicdiffusion.attacks import DefendedModel, eot_loss
    dev, den, sched, clf, x, y, desc = prepare(cfg)
    dm = DefendedModel(make_purifier('mimic', den, sched, K=cfg['K'], eps=0.1), clf, 'exact', grad_checkpoint=cfg['ckpt'],
                       generator=torch.Generator(dev).manual_seed(0))
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024            # KiB -> MiB (Linux)
    if dev.type == 'cuda': torch.cuda.synchronize(); torch.cuda.reset_peak_memory_stats(); base_alloc = torch.cuda.memory_allocated()
    storages, pack = saved_tensor_counter()
    times = []
    if cfg['purpose'] == 'memory':   # one step, written out so that only the forward pass's saved tensors are counted
        xg = x.detach().requires_grad_()
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            loss = torch.nn.functional.cross_entropy(dm(xg), y, reduction='sum')
        g = torch.autograd.grad(loss, xg)[0]
        assert torch.isfinite(g).all()
    for i in range(cfg['repeats'] + 1 if cfg['purpose'] == 'time' else 0):
        t = time.perf_counter()
        g = eot_loss(dm, x, y)[0]
        if dev.type == 'cuda': torch.cuda.synchronize()
        if i > 0: times.append(time.perf_counter() - t)                          # step 0 is the warm-up
        assert torch.isfinite(g).all()
    pur_times = []
    if cfg['purpose'] == 'time':   # the plain purification of the same batch, in the same process: the denominator of the time target
        with torch.inference_mode():
            for i in range(cfg['repeats'] + 1):
                t = time.perf_counter(); dm.purifier(x, generator=torch.Generator(dev).manual_seed(i))
                if dev.type == 'cuda': torch.cuda.synchronize()
                if i > 0: pur_times.append(time.perf_counter() - t)
    out = dict(cfg, desc=desc, seconds=statistics.median(times) if times else None,
               purify_seconds=statistics.median(pur_times) if pur_times else None, rss_peak_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
               rss_base_mib=rss0, saved_mib=sum(storages.values()) / 2**20)
    if dev.type == 'cuda': out.update(gpu_peak_mib=(torch.cuda.max_memory_allocated() - base_alloc) / 2**20, gpu=torch.cuda.get_device_name(dev))
    print('RESULT ' + json.dumps(out), flush=True)

def machine(device:str)->str:
    import torch
    s = f"{platform.platform()}, {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}"
    if device.startswith('cuda') and torch.cuda.is_available(): s += f", {torch.cuda.get_device_name(0)}"
    return s + f", load average {os.getloadavg()[0]:.1f} at start"

def table(rows:list, device:str)->str:
    gpu = device.startswith('cuda')
    head = ('| K (NFE) | checkpointing | time / step (s) | plain purification (s) | step / purification | saved for backward (MiB) '
            '| peak RSS above model load (MiB) | same, glibc malloc defaults (MiB) |' + (' GPU peak above start (MiB) |' if gpu else ''))
    lines = [head, '|' + '---|' * (9 if gpu else 8)]
    def rss(r): return f"{r['rss_peak_mib'] - r['rss_base_mib']:.0f}" if 'error' not in r else f"failed: {r['error']}"
    for t, m in rows:
        sec = f"{t['seconds']:.2f}" if 'error' not in t else f"failed: {t['error']}"
        pur = f"{t['purify_seconds']:.2f} | {t['seconds'] / t['purify_seconds']:.2f}" if t.get('purify_seconds') else ' | '
        saved = f"{m['saved_mib']:.1f}" if 'error' not in m else ''
        lines.append(f"| {t['K']} | {'yes' if t['ckpt'] else 'no'} | {sec} | {pur} | {saved} | {rss(m)} | {rss(t)} |"
                     + (f" {m.get('gpu_peak_mib', float('nan')):.0f} |" if gpu else ''))
    return '\n'.join(lines)

def targets(rows:list)->str:
    "The issue's two targets, from the checkpointed rows: peak memory at the largest K / at the smallest, and step time / purification."
    ck = sorted([(t, m) for t, m in rows if t['ckpt'] and 'error' not in t and 'error' not in m], key=lambda p: p[0]['K'])
    if len(ck) < 2: return ''
    (t0, m0), (t1, m1) = ck[0], ck[-1]
    peak = lambda m: m['rss_peak_mib'] - m['rss_base_mib']
    out = [f"- checkpointed peak memory (RSS above model load, memory run), K={t1['K']} / K={t0['K']}: {peak(m1):.0f} / {peak(m0):.0f} MiB "
           f"= {peak(m1) / peak(m0):.2f} (target <= 1.1)"]
    if all(t.get('purify_seconds') for t, _ in ck):
        r = [f"{t['seconds'] / t['purify_seconds']:.2f} (K={t['K']})" for t, _ in ck]
        out.append(f"- checkpointed attack step / plain purification of the same batch: {', '.join(r)} (target <= 4.5)")
    return '\n'.join(out)

def append_results(path:Path, entry:str, heading:str=HEADING):
    "Append `entry` at the end of the `heading` section of RESULTS.md, creating the file or the section as needed."
    text = path.read_text() if path.exists() else '# Benchmark results\n'
    if heading not in text: text = text.rstrip('\n') + f'\n\n{heading}\n'
    start = text.index(heading) + len(heading)
    nxt = text.find('\n## ', start)
    end = len(text) if nxt < 0 else nxt + 1
    text = text[:end].rstrip('\n') + '\n\n' + entry.strip('\n') + '\n' + ('\n' + text[end:] if end < len(text) else '')
    path.write_text(text)

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--model', default='auto', choices=('auto', 'embedded', 'random'), help='auto: embedded if installed, else random')
    p.add_argument('--Ks', type=int, nargs='+', default=[10, 25, 100], help='MimicDiffusion steps (NFE)')
    p.add_argument('--batch', type=int, default=8, help='images per step')
    p.add_argument('--modes', nargs='+', default=['ckpt', 'plain'], choices=('ckpt', 'plain'), help='with / without per-step checkpointing')
    add_run_arguments(p, torch_threads_default(), 'seconds per configuration')
    a = p.parse_args()
    if a.child: return child(json.loads(a.child))
    rows, desc, started = [], None, machine(a.device)
    for K in a.Ks:
        for mode in a.modes:
            pair = []
            for purpose in ('time', 'memory'):
                cfg = dict(K=K, ckpt=mode == 'ckpt', batch=a.batch, repeats=a.repeats, device=a.device, threads=a.threads, model=a.model, purpose=purpose)
                print(f"[attack_memory] K={K} checkpointing={cfg['ckpt']} {purpose} ...", file=sys.stderr, flush=True)
                env = dict(os.environ, **({'MALLOC_MMAP_THRESHOLD_': '65536'} if purpose == 'memory' else {}))
                try:
                    r = subprocess.run([sys.executable, __file__, '--child', json.dumps(cfg)], capture_output=True, text=True, timeout=a.timeout, env=env)
                    line = [l for l in r.stdout.splitlines() if l.startswith('RESULT ')]
                    if r.returncode or not line:
                        err = (r.stderr.strip().splitlines() or [''])[-1][:120]
                        pair.append(dict(cfg, error=f"exit {r.returncode} {err}".strip())); continue
                    res = json.loads(line[-1][len('RESULT '):]); desc = res['desc']; pair.append(res)
                except subprocess.TimeoutExpired: pair.append(dict(cfg, error=f"timeout after {a.timeout:.0f} s"))
            rows.append(pair)
    cmd = 'python bench/attack_memory.py ' + ' '.join(sys.argv[1:])
    entry = '\n'.join([f"### {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}: one exact-gradient attack step (forward + backward of the "
                       f"summed cross-entropy through DefendedModel(MimicDiffusion 'paper', grad='exact')), batch {a.batch}, device {a.device}, "
                       f"{a.threads} thread(s)", '', f"- command: `{cmd.strip()}`", f"- model: {desc or a.model}", f"- machine: {started}",
                       f"- time: median of {a.repeats} step(s) after one warm-up step (glibc malloc defaults); memory: a separate one-step run "
                       "with MALLOC_MMAP_THRESHOLD_=65536, each in its own subprocess; plain purification: median of the same number "
                       "of inference-mode purifications of the same batch, in the timing run's process", '', table(rows, a.device), '',
                       targets(rows)])
    print(entry)
    if not a.no_append: append_results(Path(a.results), entry); print(f"\nappended to {a.results}", file=sys.stderr)

def torch_threads_default()->int:
    import torch
    return torch.get_num_threads()

if __name__ == '__main__': main()
