#!/usr/bin/env python
"""Four ways to take the input gradient through DiffPure as published (VP SDE, Euler-Maruyama), side by side.

One attack step is one forward and one backward pass of the summed cross-entropy through
`DefendedModel(DiffPure(solver='sde', t_star, K))` on the same batch with the same purification noise (the same generator seed), by:

- `package`: this package's exact gradient, `grad='exact'` with per-step checkpointing (`_StepCheckpoint`: each sampler step is
  recomputed in backward from its saved input, hooks and noise replayed);
- `plain`: plain autograd through every step, no checkpointing (`grad_checkpoint=False`): the reference gradient;
- `torch_checkpoint`: `torch.utils.checkpoint.checkpoint` (non-reentrant) around each network call, no per-step checkpointing
  (the approach of Liu et al.'s ADDT code);
- `adjoint`: torchsde's `sdeint_adjoint` (`grad='adjoint'`), DiffPure's own attack gradient: the adjoint SDE solved backwards.

Reported per method: time per attack step (median of `--repeats` steps after one warm-up step), peak memory measured as
bench/attack_memory.py measures it (the process's max RSS above the RSS after loading the models, in a separate one-step run with
MALLOC_MMAP_THRESHOLD_=65536 so that RSS tracks live memory; the timing run's RSS under glibc's defaults too), the bytes the forward
pass saves for backward, and the cosine similarity and relative error ||g - g_plain|| / ||g_plain|| of the warm-up step's input
gradient against `plain`'s (same seed, so the same noise). Every run is a fresh subprocess. The table is printed and appended to
bench/RESULTS.md under "(d) Gradient methods through DiffPure (VP SDE)".

    python bench/grad_methods.py --threads 1 --batch 4          # t* = 0.1, K = 100 (dt = 1e-3), embedded UNet, CPU
    python bench/grad_methods.py --steps 10 --model random --no-append   # a quick functional check
"""
import argparse, json, os, resource, statistics, subprocess, sys, tempfile, time
from datetime import datetime, timezone
from pathlib import Path

HEADING = '## (d) Gradient methods through DiffPure (VP SDE)'
METHODS = ('package', 'plain', 'torch_checkpoint', 'adjoint')
sys.path.insert(0, str(Path(__file__).resolve().parent))   # attack_memory's model loading, machine line and RESULTS.md writer
from attack_memory import add_run_arguments, prepare, saved_tensor_counter, machine, append_results

def defended(cfg:dict, den, sched, clf, dev):
    "The DefendedModel of one method; all share the purifier's settings and the generator seed."
    import torch
    from torch.utils.checkpoint import checkpoint
    from mimicdiffusion.purifiers import make_purifier
    from mimicdiffusion.attacks import DefendedModel
    m = cfg['method']
    if m == 'torch_checkpoint':
        net = den
        den = lambda x, t: checkpoint(net, x, t, use_reentrant=False)   # every network call recomputed in backward
    pur = make_purifier('diffpure', den, sched, solver='sde', t_star=cfg['t_star'], K=cfg['steps'])
    grad = 'adjoint' if m == 'adjoint' else 'exact'
    return DefendedModel(pur, clf, grad, grad_checkpoint=m == 'package', generator=torch.Generator(dev).manual_seed(0))

def child(cfg:dict):
    "Run one (method, purpose) and print one JSON line; the timing run saves its warm-up gradient to cfg['grad_file']."
    import torch
    from mimicdiffusion.attacks import eot_loss
    dev, den, sched, clf, x, y, desc = prepare(cfg)
    dm = defended(cfg, den, sched, clf, dev)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024            # KiB -> MiB (Linux)
    (storages, pack), times = saved_tensor_counter(), []
    if cfg['purpose'] == 'memory':   # one step, written out so that only the forward pass's saved tensors are counted
        xg = x.detach().requires_grad_()
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            loss = torch.nn.functional.cross_entropy(dm(xg), y, reduction='sum')
        assert torch.isfinite(torch.autograd.grad(loss, xg)[0]).all()
    else:
        for i in range(cfg['repeats'] + 1):
            t = time.perf_counter()
            g = eot_loss(dm, x, y)[0]
            if dev.type == 'cuda': torch.cuda.synchronize()
            if i > 0: times.append(time.perf_counter() - t)                      # step 0 is the warm-up
            else: torch.save(g.cpu(), cfg['grad_file'])                          # the same first draw for every method
            assert torch.isfinite(g).all()
    out = dict(cfg, desc=desc, seconds=statistics.median(times) if times else None,
               rss_peak_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, rss_base_mib=rss0,
               saved_mib=sum(storages.values()) / 2**20)
    print('RESULT ' + json.dumps(out), flush=True)

def run(cfg:dict, timeout:float)->dict:
    env = dict(os.environ, **({'MALLOC_MMAP_THRESHOLD_': '65536'} if cfg['purpose'] == 'memory' else {}))
    print(f"[grad_methods] {cfg['method']} {cfg['purpose']} ...", file=sys.stderr, flush=True)
    try:
        r = subprocess.run([sys.executable, __file__, '--child', json.dumps(cfg)], capture_output=True, text=True,
                           timeout=timeout, env=env)
    except subprocess.TimeoutExpired: return dict(cfg, error=f"timeout after {timeout:.0f} s")
    line = [l for l in r.stdout.splitlines() if l.startswith('RESULT ')]
    if r.returncode or not line:
        return dict(cfg, error=f"exit {r.returncode} {(r.stderr.strip().splitlines() or [''])[-1][:120]}".strip())
    return json.loads(line[-1][len('RESULT '):])

def compare(rows:dict)->dict:
    "Cosine similarity and relative error of each method's warm-up gradient against plain autograd's."
    import torch
    ref = rows.get('plain', ({},))[0]
    if 'error' in ref or not ref: return {}
    g0 = torch.load(ref['grad_file'], weights_only=True).flatten().double()
    out = {}
    for m, (t, _) in rows.items():
        if 'error' in t: continue
        g = torch.load(t['grad_file'], weights_only=True).flatten().double()
        out[m] = (torch.cosine_similarity(g, g0, 0).item(), ((g - g0).norm() / g0.norm()).item())
    return out

def table(rows:dict, sims:dict)->str:
    lines = ['| method | time / step (s) | peak RSS above model load (MiB) | same, glibc malloc defaults (MiB) '
             '| saved for backward (MiB) | cosine vs plain | relative error vs plain |', '|' + '---|' * 7]
    for m, (t, mem) in rows.items():
        sec = f"{t['seconds']:.2f}" if 'error' not in t else f"failed: {t['error']}"
        peak = f"{mem['rss_peak_mib'] - mem['rss_base_mib']:.0f}" if 'error' not in mem else f"failed: {mem['error']}"
        rss = f"{t['rss_peak_mib'] - t['rss_base_mib']:.0f}" if 'error' not in t else ''
        saved = f"{mem['saved_mib']:.1f}" if 'error' not in mem else ''
        cos, rel = (f"{sims[m][0]:.7f}", f"{sims[m][1]:.2e}") if m in sims else ('', '')
        lines.append(f"| {m} | {sec} | {peak} | {rss} | {saved} | {cos} | {rel} |")
    return '\n'.join(lines)

def targets(rows:dict, sims:dict)->str:
    "The issue's three targets for the package's gradient, stated whichever way they fall."
    ok = lambda m: m in rows and all('error' not in r for r in rows[m])
    out = []
    if 'package' in sims: out.append(f"- package gradient vs plain autograd: cosine {sims['package'][0]:.7f}, relative error "
                                      f"{sims['package'][1]:.2e} (target: equal to float tolerance)")
    if ok('package') and ok('adjoint'):
        p, a = (rows[m][1]['rss_peak_mib'] - rows[m][1]['rss_base_mib'] for m in ('package', 'adjoint'))
        out.append(f"- package peak memory / adjoint's: {p:.0f} / {a:.0f} MiB = {p / a:.2f} (target <= 1)")
    if ok('package') and ok('torch_checkpoint'):
        p, c = rows['package'][0]['seconds'], rows['torch_checkpoint'][0]['seconds']
        out.append(f"- package time per step / torch.utils.checkpoint's: {p:.2f} / {c:.2f} s = {p / c:.2f} (target <= 1.1)")
    return '\n'.join(out)

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--model', default='auto', choices=('auto', 'embedded', 'random'), help='auto: embedded if installed, else random')
    p.add_argument('--t-star', type=int, default=100, help="DiffPure's t (continuous t* = t / T: 100 -> 0.1)")
    p.add_argument('--steps', type=int, default=100, help='Euler-Maruyama steps K (dt = (t* - 1e-5) / K)')
    p.add_argument('--batch', type=int, default=4, help='images per step')
    p.add_argument('--methods', nargs='+', default=list(METHODS), choices=METHODS)
    add_run_arguments(p, 1, 'seconds per run')
    a = p.parse_args()
    if a.child: return child(json.loads(a.child))
    if 'plain' not in a.methods: p.error('--methods must include plain: it is the reference gradient')
    started, rows, desc = machine(a.device), {}, None
    with tempfile.TemporaryDirectory() as tmp:
        for m in a.methods:
            pair = []
            for purpose in ('time', 'memory'):
                cfg = dict(method=m, purpose=purpose, t_star=a.t_star, steps=a.steps, batch=a.batch, repeats=a.repeats,
                           device=a.device, threads=a.threads, model=a.model, grad_file=str(Path(tmp) / f'{m}.pt'))
                pair.append(run(cfg, a.timeout)); desc = pair[-1].get('desc', desc)
            rows[m] = pair
        sims = compare(rows)
    cmd = 'python bench/grad_methods.py ' + ' '.join(sys.argv[1:])
    entry = '\n'.join([
        f"### {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}: one attack step (forward + backward of the summed "
        f"cross-entropy) through DefendedModel(DiffPure(solver='sde', t*={a.t_star / 1000:g}, K={a.steps})), batch {a.batch}, "
        f"device {a.device}, {a.threads} thread(s)", '',
        f"- command: `{cmd.strip()}`", f"- model: {desc or a.model}", f"- machine: {started}",
        "- time: median of the timed steps after one warm-up step (glibc malloc defaults); memory: a separate one-step run with "
        "MALLOC_MMAP_THRESHOLD_=65536, each in its own subprocess, as in (b); gradients: the warm-up step's, same seed for every "
        "method, compared with plain autograd's in float64", '', table(rows, sims), '', targets(rows, sims)])
    print(entry)
    if not a.no_append: append_results(Path(a.results), entry, HEADING); print(f"\nappended to {a.results}", file=sys.stderr)

if __name__ == '__main__': main()
