#!/usr/bin/env python
"""(e) Compiled vs eager networks, and exact gradients under a memory budget, measured in one run.

For each model (the embedded Fashion-MNIST UNet, and the google/ddpm-cifar10-32 architecture with random weights) and thread count,
one worker process builds the denoiser and the classifier twice, eager and compiled (`mimicdiffusion.backbones.compile_model`, inductor,
static shapes), and times, alternating eager and compiled runs so that both see the same machine load:

- one forward of the denoiser (inference mode, batch `--batch`);
- a MimicDiffusion 'paper' purification of K steps (inference mode);
- one exact-gradient attack step: forward and backward of the cross-entropy through `DefendedModel(grad='exact')`, every sampler step
  checkpointed (the package's default);
- the compile time: the first call's time minus the median of the timed calls, summed over the three operations (the graphs of
  inference mode, of a checkpointed step's forward under no_grad, and of its recomputation with its backward);
- with `--budgets` (embedded model, one thread): the attack step under `grad_checkpoint=True`, `GradBudget` of 25%, 50% and 100% of what
  the K steps save for backward, and `False` (no checkpointing).

Times are medians of `--reps` calls after the first. Peak memory comes from a separate worker per model (one thread) run with
MALLOC_MMAP_THRESHOLD_=65536, so that freed blocks go back to the system and RSS follows live memory (as in (b)); the peak of one call
is the process's VmHWM after resetting it (`/proc/self/clear_refs`), minus the RSS just before the call. Each worker writes a JSON file
under `--out`; the report (printed and appended to bench/RESULTS.md under "(e)") is assembled from them, so `--report-only` can redo it.
Inductor's cache goes to `--cache` (one folder per thread count: CPU kernels are generated for the thread count of the compile).

    python bench/compile.py                                              # everything, as recorded in RESULTS.md
    python bench/compile.py --models embedded --threads 1 --reps 1 --K 2 --no-append   # a quick check
"""
import argparse, copy, json, os, platform, statistics, subprocess, sys, time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))   # run from a checkout without installing the package
HEADING = '## (e) Compiled networks and the memory budget of exact gradients'

def rss_kib(field:str='VmRSS')->int:
    for line in open('/proc/self/status'):
        if line.startswith(field + ':'): return int(line.split()[1])
    raise RuntimeError(f'{field} not in /proc/self/status')

def peak_mib(fn)->float:
    "MiB the process's resident memory rose above its level before `fn()` at the peak of the call."
    before = rss_kib()
    with open('/proc/self/clear_refs', 'w') as f: f.write('5')   # reset VmHWM to the current RSS
    fn()
    return (rss_kib('VmHWM') - before) / 1024

def cifar_unet():
    "google/ddpm-cifar10-32's UNet2DModel architecture (35.7 M parameters), random weights."
    import torch
    from diffusers import UNet2DModel
    torch.manual_seed(0)
    return UNet2DModel(sample_size=32, in_channels=3, out_channels=3, block_out_channels=(128, 256, 256, 256), layers_per_block=2,
                       down_block_types=('DownBlock2D', 'AttnDownBlock2D', 'DownBlock2D', 'DownBlock2D'),
                       up_block_types=('UpBlock2D', 'UpBlock2D', 'AttnUpBlock2D', 'UpBlock2D'), norm_num_groups=32, norm_eps=1e-6,
                       flip_sin_to_cos=False, freq_shift=1, downsample_padding=0)

def build(model:str, batch:int):
    "(denoiser, schedule, classifier, images, labels, eps, description)."
    import torch
    from mimicdiffusion.backbones import UNetDenoiser
    from mimicdiffusion.diffusion import linear_schedule
    from mimicdiffusion.embedded import SmallCNN, load_embedded
    g = torch.Generator().manual_seed(0)
    if model == 'embedded':
        emb = load_embedded()
        x, y = emb.data.tensors()
        return emb.denoiser, emb.sched, emb.classifier, x[:batch], y[:batch], 0.1, 'embedded Fashion-MNIST UNet + SmallCNN'
    torch.manual_seed(0)
    clf = SmallCNN(channels=3).eval().requires_grad_(False)
    x, y = torch.rand(batch, 3, 32, 32, generator=g), torch.randint(0, 10, (batch,), generator=g)
    return UNetDenoiser(cifar_unet()), linear_schedule(), clf, x, y, 8 / 255, \
        'google/ddpm-cifar10-32 architecture (random weights) + SmallCNN(3 channels, random)'

def worker(cfg:dict)->dict:
    "One model at one thread count: the measurements of `cfg['purpose']` ('time' or 'memory'), eager and compiled."
    import torch, torch.nn.functional as F
    from mimicdiffusion.backbones import compile_model
    from mimicdiffusion.purifiers import make_purifier
    from mimicdiffusion.attacks import DefendedModel
    from mimicdiffusion.gradients import GradBudget, _SavedBytes
    torch.set_num_threads(cfg['threads'])
    den, sched, clf, x, y, eps, desc = build(cfg['model'], cfg['batch'])
    compile_model(torch.nn.Identity(), cache_dir=cfg['cache'])   # sets the cache folder before any compile
    nets = {'eager': (den, clf), 'compiled': (compile_model(copy.deepcopy(den)), compile_model(copy.deepcopy(clf)))}
    t = torch.tensor(500).expand(x.shape[0])   # as the sampler passes it: the forward shares the purification's graph
    def forward(v):
        with torch.inference_mode(): nets[v][0](x, t)
    def purify(v):
        with torch.inference_mode(): make_purifier('mimic', nets[v][0], sched, K=cfg['K'], eps=eps)(x, seed=0)
    def attack(v, ckpt=True):
        pur = make_purifier('mimic', nets[v][0], sched, K=cfg['K'], eps=eps)
        m = DefendedModel(pur, nets[v][1], 'exact', grad_checkpoint=ckpt, generator=torch.Generator().manual_seed(1))
        xg = x.clone().requires_grad_()
        F.cross_entropy(m(xg), y).backward()
    ops = {'forward': forward, 'purify': purify, 'attack': attack}
    if cfg['purpose'] == 'time' and not cfg['full']: ops = {'forward': forward}
    from torch._dynamo.utils import counters
    out = dict(cfg=cfg, desc=desc, time={}, cpu={}, first={}, memory={}, budget={}, budget_cpu={}, dynamo={})
    def save():   # after every figure: a crash keeps what was measured
        out['dynamo'] = dict(graphs=counters['stats'].get('unique_graphs', 0), graph_breaks=sum(counters['graph_break'].values()),
                             recompiles=sum(counters['recompiles'].values()) if 'recompiles' in counters else 0)
        Path(cfg['file']).write_text(json.dumps(out, indent=1))
    for name, fn in ops.items():
        for v in nets:   # the first call of each: compiles the graphs of this operation (memory runs: from the disk cache)
            t0 = time.perf_counter(); fn(v); out['first'][f'{name}/{v}'] = time.perf_counter() - t0
            print(f"[{cfg['model']} {cfg['threads']}t {cfg['purpose']}] first {name} {v}: {out['first'][f'{name}/{v}']:.2f} s", flush=True)
        if cfg['purpose'] == 'memory':
            for v in nets: out['memory'][f'{name}/{v}'] = peak_mib(lambda: fn(v))
            save()
            continue
        ts, cs = {v: [] for v in nets}, {v: [] for v in nets}
        for _ in range(cfg['reps']):
            for v in nets:
                t0, c0 = time.perf_counter(), time.process_time(); fn(v)
                ts[v].append(time.perf_counter() - t0); cs[v].append(time.process_time() - c0)
        for v in nets: out['time'][f'{name}/{v}'], out['cpu'][f'{name}/{v}'] = statistics.median(ts[v]), statistics.median(cs[v])
        save()
        print(f"[{cfg['model']} {cfg['threads']}t] {name}: " + ', '.join(f'{v} {out["time"][f"{name}/{v}"]:.3f} s '
              f'(CPU {out["cpu"][f"{name}/{v}"]:.3f} s)' for v in nets), flush=True)
    if cfg['budgets']:
        # what the K steps save for backward without checkpointing (weights and inputs left out), in eager mode
        pur = make_purifier('mimic', den, sched, K=cfg['K'], eps=eps)
        xg = x.clone().requires_grad_()
        known = {p.untyped_storage().data_ptr() for p in [xg, *den.parameters(), *den.buffers(), *clf.parameters()]}
        with _SavedBytes(known) as saved: loss = F.cross_entropy(clf(pur(xg, seed=0)), y)
        del loss
        full = saved.n
        out['saved_all_steps'] = full
        for label, ckpt in (('recompute all (True)', True), ('GradBudget 25%', GradBudget(full // 4)),
                            ('GradBudget 50%', GradBudget(full // 2)), ('GradBudget 100%', GradBudget(full)),
                            ('keep all (False)', False)):
            for v in nets:
                key = f'{label}/{v}'
                if cfg['purpose'] == 'memory':
                    attack(v, ckpt)   # warm (a budget keeps graphs the recomputation alone did not build)
                    out['budget'][key] = peak_mib(lambda: attack(v, ckpt))
                else:
                    attack(v, ckpt)
                    ts, cs = [], []
                    for _ in range(cfg['budget_reps']):
                        t0, c0 = time.perf_counter(), time.process_time(); attack(v, ckpt)
                        ts.append(time.perf_counter() - t0); cs.append(time.process_time() - c0)
                    out['budget'][key], out['budget_cpu'][key] = statistics.median(ts), statistics.median(cs)
                print(f"[{cfg['model']} {cfg['threads']}t {cfg['purpose']}] {key}: {out['budget'][key]:.2f}", flush=True)
                save()
    save()
    return out

def conv_share(model:str, batch:int)->str:
    "Where an eager forward pass spends its CPU time: the share of convolutions (which inductor calls as they are) and the top ops."
    import torch
    torch.set_num_threads(1)
    den, *_ = build(model, batch)
    x = torch.randn(batch, *((1, 28, 28) if model == 'embedded' else (3, 32, 32)))
    t = torch.tensor(500).expand(batch)
    with torch.inference_mode():
        den(x, t)
        with torch.profiler.profile() as prof:
            for _ in range(3): den(x, t)
    ev = sorted(prof.key_averages(), key=lambda e: -e.self_cpu_time_total)
    total = sum(e.self_cpu_time_total for e in ev)
    conv = sum(e.self_cpu_time_total for e in ev if 'conv' in e.key)
    top = ', '.join(f'{e.key} {e.self_cpu_time_total / total:.1%}' for e in ev[:4])
    return f'{model}, batch {batch}, one thread: convolutions {conv / total:.1%} of self CPU time (top ops: {top})'

def load_avg()->str: return open('/proc/loadavg').read().split()[0]

def report(results:list, cmd:str, a)->list:
    "The markdown lines of the (e) section."
    import torch
    now = datetime.now(timezone.utc)
    L = [f"### {now:%Y-%m-%d %H:%M} UTC: eager vs compiled (torch.compile, inductor, static shapes), MimicDiffusion 'paper'", '',
         f'- command: `{cmd}`',
         f"- machine: {platform.platform()}, {os.cpu_count()} CPUs, torch {torch.__version__}; shared with other engineers' jobs "
         f"(load averages at the workers' starts: {', '.join(r.get('load', '?') for r in results)}), so ratios are indicative; each ratio "
         'is measured within one worker process, eager and compiled calls alternating',
         f"- times: median of the timed calls after the first (the first compiles); memory: peak RSS above the level before one call, "
         f"in a one-thread worker with MALLOC_MMAP_THRESHOLD_=65536; inductor cache: {a.cache}", '',
         '| model | threads | batch | K | operation | eager (s) | compiled (s) | speed-up | eager CPU (s) | compiled CPU (s) '
         '| CPU speed-up | target | compile (s) | eager peak (MiB) | compiled peak (MiB) |', '|' + '---|' * 15]
    mem = {r['cfg']['model']: r['memory'] for r in results if r['cfg']['purpose'] == 'memory'}
    memb = {r['cfg']['model']: r['budget'] for r in results if r['cfg']['purpose'] == 'memory'}
    target = {'forward': 1.8, 'purify': 1.8, 'attack': 1.5}
    opname = {'forward': 'one forward', 'purify': 'purification', 'attack': 'exact attack step'}
    fmt = lambda v, d=0: '-' if v is None else f'{v:.{d}f}'
    short = []
    for r in results:
        c = r['cfg']
        if c['purpose'] != 'time': continue
        for op in ('forward', 'purify', 'attack'):
            if f'{op}/compiled' not in r['time']: continue
            te, tc = r['time'][f'{op}/eager'], r['time'][f'{op}/compiled']
            ce, cc = r.get('cpu', {}).get(f'{op}/eager'), r.get('cpu', {}).get(f'{op}/compiled')
            comp = r['first'][f'{op}/compiled'] - tc
            m = mem.get(c['model'], {})
            me, mc = m.get(f'{op}/eager'), m.get(f'{op}/compiled')
            cpu_up = ce / cc if ce and cc else None
            L.append(f"| {c['model']} | {c['threads']} | {c['batch']} | {c['K'] if op != 'forward' else '-'} | {opname[op]} "
                     f"| {te:.3f} | {tc:.3f} | {te / tc:.2f}x | {fmt(ce, 3)} | {fmt(cc, 3)} | {fmt(cpu_up, 2)}x | {target[op]}x "
                     f"| {comp:.0f} | {fmt(me)} | {fmt(mc)} |")
            up = cpu_up if cpu_up is not None else te / tc
            if up < target[op]: short.append(f"{c['model']} {c['threads']}t {opname[op]}: {up:.2f}x of {target[op]}x")
            if mc is not None and me is not None and mc > me: short.append(f"{c['model']} {opname[op]} memory: {mc:.0f} > {me:.0f} MiB")
    L += ['', '- models: ' + '; '.join(sorted({f"{r['cfg']['model']}: {r['desc']}" for r in results})),
          '- Dynamo per worker (graphs compiled, graph breaks, recompiles): ' + '; '.join(
              f"{r['cfg']['model']} {r['cfg']['threads']}t {r['cfg']['purpose']}: {r['dynamo']['graphs']}, {r['dynamo']['graph_breaks']}, "
              f"{r['dynamo']['recompiles']}" for r in results),
          '- targets missed (judged on the CPU-time speed-up, which other processes on the machine disturb less than wall '
          'time): ' + ('; '.join(short) if short else 'none')]
    for r in results:
        if r['cfg']['purpose'] != 'time' or not r['budget']: continue
        c, mb = r['cfg'], memb.get(r['cfg']['model'], {})
        L += ['', f"Exact attack step under a memory budget ({c['model']}, {c['threads']} thread, batch {c['batch']}, K = {c['K']}; the K "
              f"steps save {r['saved_all_steps'] / 2**20:.0f} MiB for backward without checkpointing; the gradient is the same bit for "
              "bit in every row, notebook 01):", '',
              '| grad_checkpoint | eager (s) | compiled (s) | eager CPU (s) | compiled CPU (s) | eager peak (MiB) '
              '| compiled peak (MiB) |', '|---|---|---|---|---|---|---|']
        for label in dict.fromkeys(k.split('/')[0] for k in r['budget']):
            e, cp = r['budget'].get(f'{label}/eager', float('nan')), r['budget'].get(f'{label}/compiled', float('nan'))
            me, mc = mb.get(f'{label}/eager'), mb.get(f'{label}/compiled')
            bc = r.get('budget_cpu', {})
            L.append(f"| {label} | {e:.2f} | {cp:.2f} | {fmt(bc.get(f'{label}/eager'), 2)} | {fmt(bc.get(f'{label}/compiled'), 2)} "
                     f"| {fmt(me)} | {fmt(mc)} |")
    return L

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--models', nargs='+', default=['embedded', 'cifar'], choices=('embedded', 'cifar'))
    p.add_argument('--threads', nargs='+', type=int, default=[1, 2])
    p.add_argument('--batch', type=int, default=16); p.add_argument('--K', type=int, default=25)
    p.add_argument('--reps', type=int, default=3)
    p.add_argument('--cifar-K', type=int, default=None, help='K for the CIFAR-size model (default: --K)')
    p.add_argument('--cifar-reps', type=int, default=None, help='timed calls for the CIFAR-size model (default: --reps)')
    p.add_argument('--full-threads', nargs='+', type=int, default=[1, 2],
                   help='thread counts that time purification and attack step too (others: the forward only)')
    p.add_argument('--cifar-full-threads', nargs='+', type=int, default=None, help='the same for the CIFAR-size model')
    p.add_argument('--no-budgets', action='store_true', help='skip the memory-budget sweep (embedded model, one thread)')
    p.add_argument('--budget-reps', type=int, default=2, help='timed attack steps per budget')
    p.add_argument('--no-memory', action='store_true', help='skip the memory workers')
    p.add_argument('--cache', default='/tmp/mimicdiffusion-inductor-cache')
    p.add_argument('--out', default='/tmp/mimicdiffusion-bench-compile')
    p.add_argument('--report-only', action='store_true', help='assemble the report from the JSON files already under --out')
    p.add_argument('--no-append', action='store_true'); p.add_argument('--results', default=str(Path(__file__).with_name('RESULTS.md')))
    p.add_argument('--profile', action='store_true', help="print each model's eager op breakdown (torch.profiler) and stop")
    p.add_argument('--worker', help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.profile:
        for model in a.models: print('- ' + conv_share(model, a.batch), flush=True)
        return
    if a.worker:
        cfg = json.loads(a.worker)
        worker(cfg)
        return
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    jobs = []
    for model in a.models:
        K = a.cifar_K if model == 'cifar' and a.cifar_K else a.K
        reps = a.cifar_reps if model == 'cifar' and a.cifar_reps else a.reps
        full = a.cifar_full_threads if model == 'cifar' and a.cifar_full_threads is not None else a.full_threads
        budgets = model == 'embedded' and not a.no_budgets
        base = dict(model=model, batch=a.batch, K=K, reps=reps, budget_reps=a.budget_reps)
        for th in a.threads:
            jobs.append(dict(base, threads=th, purpose='time', full=th in full, budgets=budgets and th == min(a.threads)))
        if not a.no_memory: jobs.append(dict(base, threads=1, purpose='memory', full=True, budgets=budgets))
    # one-thread workers first (timing, then memory, per model), the two-thread ones last
    jobs.sort(key=lambda j: (j['threads'], a.models.index(j['model']), j['purpose'] != 'time'))
    results = []
    for j in jobs:
        j['cache'] = f"{a.cache}/threads{j['threads']}"
        j['file'] = str(out / f"{j['model']}-{j['threads']}t-{j['purpose']}.json")
        if not a.report_only:
            env = dict(os.environ, OMP_NUM_THREADS=str(j['threads']), HF_HUB_OFFLINE='1',
                       **({'MALLOC_MMAP_THRESHOLD_': '65536'} if j['purpose'] == 'memory' else {}))
            load = load_avg()
            print(f"== worker {j['model']} {j['threads']} thread(s) {j['purpose']} (load {load})", flush=True)
            rc = subprocess.run([sys.executable, __file__, '--worker', json.dumps(j)], env=env).returncode
            if rc: print(f"== worker failed (exit {rc}); its figures so far are kept", flush=True)
            if Path(j['file']).exists():
                r = json.loads(Path(j['file']).read_text()); r['load'], r['rc'] = load, rc
                Path(j['file']).write_text(json.dumps(r, indent=1))
        if Path(j['file']).exists(): results.append(json.loads(Path(j['file']).read_text()))
    cmd = 'python bench/compile.py ' + ' '.join(sys.argv[1:])
    lines = report(results, cmd.strip(), a)
    print('\n'.join(lines))
    if a.no_append: return
    res = Path(a.results)
    text = res.read_text() if res.exists() else '# Benchmark results\n'
    if HEADING not in text: text = text.rstrip('\n') + f'\n\n{HEADING}\n'
    i = text.index(HEADING) + len(HEADING)
    j = text.find('\n## ', i)
    j = len(text) if j < 0 else j
    text = text[:j].rstrip('\n') + '\n\n' + '\n'.join(lines) + '\n' + ('\n' + text[j:].lstrip('\n') if j < len(text) else '')
    res.write_text(text)
    print(f'appended to {res}')

if __name__ == '__main__':
    main()
