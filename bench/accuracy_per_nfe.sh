#!/bin/bash
# Accuracy per NFE (issue 9c): MimicDiffusion 'paper' at K = 10, 25, 50, 100 sampler steps on the embedded benchmark, with the same
# settings as the embedded table (bench/embedded_table.sh: n=256, Linf 0.1, 3 purification seeds, one thread per cell): clean accuracy,
# robust accuracy under BPDA (PGD-10, EOT 2) and under exact gradients (APGD-10, EOT 2). The K=25 cells are the embedded table's
# (same config), so they are not repeated here. Each cell is a resumable `mimicdiffusion evaluate` run writing
# bench/accuracy_per_nfe/<cell>.jsonl; re-running this script continues unfinished cells (finished ones return at once). The two
# queues are balanced by cost, K=100 first since the goal compares it with K=25. Wall minutes per run go to
# bench/accuracy_per_nfe/minutes.tsv. `python bench/accuracy_per_nfe.py` builds the table and section (c) of bench/RESULTS.md.
# Cost measured on one thread of a shared 2-core machine: BPDA 10.5 / 35.5 / 74.6 min and exact 15.5 / 72.4 / 139.4 min at
# K = 10 / 50 / 100, about 6 hours in all (3 with the two queues).
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 OMP_NUM_THREADS=1
D=bench/accuracy_per_nfe; mkdir -p $D
common="--dataset fmnist --n 256 --batch-size 32 --seeds 0 1 2 --eps 0.1 --norm Linf --threads 1 --quiet --defense mimic --preset paper"
. bench/cells.sh
bpda() { ev bpda-K$1 --K $1 --attack pgd --grad bpda --iters 10 --eot 2; }
exact() { ev exact-K$1 --K $1 --attack apgd --grad exact --iters 10 --eot 2; }
queue1() { bpda 10; exact 10; bpda 100; bpda 50; exact 50; }
queue2() { exact 100; }
queue1 & queue2 & wait
