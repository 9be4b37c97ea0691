#!/bin/bash
# The embedded benchmark table (issue 7): n=256 Fashion-MNIST test images, Linf 0.1, every purifier at K=25 sampler steps
# (DiffPure/GDMP from t*=100), 3 purification seeds per image. Each cell is one resumable `mimicdiffusion evaluate` run writing
# bench/embedded_table/<cell>.jsonl; re-running this script continues unfinished cells. `python bench/embedded_table.py` builds the
# markdown table from whatever cells exist. Two queues run in parallel, one thread each.
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 OMP_NUM_THREADS=1
D=bench/embedded_table; mkdir -p $D
common="--dataset fmnist --n 256 --batch-size 32 --seeds 0 1 2 --eps 0.1 --norm Linf --threads 1 --quiet"
. bench/cells.sh
queue1() {
  ev none-pgd40 --defense none --attack pgd --iters 40
  ev diffpure-transfer --defense diffpure --K 25 --t-star 100 --attack pgd --grad transfer --iters 40
  ev mimic-paper-transfer --defense mimic --preset paper --K 25 --attack pgd --grad transfer --iters 40
  ev diffpure-bpda --defense diffpure --K 25 --t-star 100 --attack pgd --grad bpda --iters 10 --eot 2
  ev gdmp-bpda --defense gdmp --K 25 --t-star 100 --attack pgd --grad bpda --iters 10 --eot 2
  ev diffpure-exact --defense diffpure --K 25 --t-star 100 --attack apgd --grad exact --iters 10 --eot 2
}
queue2() {
  ev gdmp-transfer --defense gdmp --K 25 --t-star 100 --attack pgd --grad transfer --iters 40
  ev mimic-ref-transfer --defense mimic --preset reference_code --K 25 --attack pgd --grad transfer --iters 40
  ev mimic-paper-bpda --defense mimic --preset paper --K 25 --attack pgd --grad bpda --iters 10 --eot 2
  ev mimic-ref-bpda --defense mimic --preset reference_code --K 25 --attack pgd --grad bpda --iters 10 --eot 2
  ev mimic-paper-exact --defense mimic --preset paper --K 25 --attack apgd --grad exact --iters 10 --eot 2
  ev mimic-ref-exact --defense mimic --preset reference_code --K 25 --attack apgd --grad exact --iters 10 --eot 2
  ev gdmp-exact --defense gdmp --K 25 --t-star 100 --attack apgd --grad exact --iters 10 --eot 2
}
queue1 & queue2 & wait
