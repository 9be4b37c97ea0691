#!/bin/bash
# Accuracy per NFE (issue 9c): MimicDiffusion 'paper' at K = 10, 25, 50, 100 sampler steps on the embedded benchmark, with the same
# settings as the embedded table (bench/embedded_table.sh: n=256, Linf 0.1, 3 purification seeds, one thread per cell): clean accuracy,
# robust accuracy under BPDA (PGD-10, EOT 2) and the worst case over BPDA and exact gradients (APGD-10, EOT 2, run on what BPDA left).
# The K=25 cells are the embedded table's (same config, both attacks on all images), so they are not repeated here. Each cell is a
# resumable `mimicdiffusion evaluate` run writing bench/accuracy_per_nfe/<cell>.jsonl; re-running this script continues unfinished
# cells (finished ones return at once). The two queues are balanced by cost: K=100 in one, K=10 and 50 in the other. Wall minutes go to
# bench/accuracy_per_nfe/minutes.tsv. `python bench/accuracy_per_nfe.py` builds the table and section (c) of bench/RESULTS.md.
# Cost measured on one thread of a shared 2-core machine with earlier weights: BPDA 10.5 / 35.5 / 74.6 min at K = 10 / 50 / 100, and
# exact gradients on all 256 images 15.5 / 72.4 / 139.4 min, of which the cascade runs about a fifth: about 3 hours in all.
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 OMP_NUM_THREADS=1
D=bench/accuracy_per_nfe; mkdir -p $D
common="--dataset fmnist --n 256 --batch-size 32 --seeds 0 1 2 --eps 0.1 --norm Linf --threads 1 --quiet --defense mimic --preset paper"
. bench/cells.sh
bpda() { ev bpda-K$1 --K $1 --attack pgd --grad bpda --iters 10 --eot 2; }
# exact gradients only on the images BPDA left robust (a cascade, `--robust-in`): the worst case over both attacks per image, at a
# fifth of the cost of attacking all 256 (BPDA leaves about one image in five)
exact() { ev exact-K$1 --K $1 --attack apgd --grad exact --iters 10 --eot 2 --robust-in $D/bpda-K$1.jsonl; }
queue1() { bpda 10; exact 10; bpda 50; exact 50; }
queue2() { bpda 100; exact 100; }
if [ $# = 1 ]; then queue$1; else queue1 & queue2 & wait; fi   # `bench/accuracy_per_nfe.sh 1` (or 2) runs one queue alone
