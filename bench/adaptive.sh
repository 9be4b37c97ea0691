#!/bin/bash
# Which parts of MimicDiffusion survive an adaptive attack (issue 19), on the embedded Fashion-MNIST benchmark: Linf 0.1 unless a cell
# says L2, every purifier at K=25 sampler steps (DiffPure/GDMP from t*=100), 3 purification seeds, one thread per cell. Each cell is
# one resumable `mimicdiffusion evaluate` run writing bench/adaptive/<cell>.jsonl; re-running this script continues unfinished cells
# (finished ones return at once). `python bench/adaptive.py` reads whatever cells exist, together with the embedded table's cells
# (bench/embedded_table: same settings, images 0..255, so its first n records are exactly what an n-image run here would write).
#   1. attack convergence, n=32: APGD with 10/25/50 iterations at EOT 2, EOT 2/4/8 at 10 iterations, PGD at 10 and 25
#      iterations (EOT 4) and EOT 4 and 8 (10 iterations), for
#      MimicDiffusion 'paper' and DiffPure (APGD-10 EOT 2 is the embedded table's cell).
#   2. ablations of 'paper', n=128, under transfer (PGD-40 on the classifier), BPDA (PGD-10, EOT 2) and exact gradients
#      (APGD-10, EOT 2, the embedded table's ranking attack); the paper preset and DiffPure/GDMP rows are the table's cells.
#   3. variants beyond the paper (VARIANTS below) and DiffPure t* = 200, the same three attacks, n=128 (after APGD's convergence).
#   4. the final comparison, n=128: a cascade as AutoAttack runs one, each row's transfer, BPDA and APGD-10 EOT 2 cells and then
#      exact-gradient PGD-10 EOT 4 (the strongest setting of step 1 per gradient, for both defenses) on the images they all left
#      robust (`--robust-in`), then PGD-10 EOT 8 on what that left: the worst case over the five attacks, per image.
#   5. 'paper' and DiffPure under L2 1.5, the same three attacks, n=128.
# Two queues run in parallel, one thread each; `bench/adaptive.sh 0` (or 1) runs one queue alone.
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 OMP_NUM_THREADS=1
D=bench/adaptive; mkdir -p $D
common="--dataset fmnist --batch-size 32 --seeds 0 1 2 --threads 1 --quiet --K 25"
. bench/cells.sh
paper="--defense mimic --preset paper"
diffpure="--defense diffpure --t-star 100"
linf="--eps 0.1 --norm Linf"
conv() {  # conv DEFENSE-NAME DEFENSE-ARGS: the convergence cells of one defense, cheapest first
  local def=$1; shift
  ev conv-$def-apgd25-eot2 "$@" $linf --n 32 --attack apgd --grad exact --iters 25 --eot 2
  ev conv-$def-apgd10-eot4 "$@" $linf --n 32 --attack apgd --grad exact --iters 10 --eot 4
  ev conv-$def-pgd10-eot4 "$@" $linf --n 32 --attack pgd --grad exact --iters 10 --eot 4
  ev conv-$def-apgd10-eot8 "$@" $linf --n 32 --attack apgd --grad exact --iters 10 --eot 8
  ev conv-$def-apgd50-eot2 "$@" $linf --n 32 --attack apgd --grad exact --iters 50 --eot 2
}
conv_pgd() {  # PGD went lower than APGD at equal cost: does it converge in iterations and EOT samples?
  local def=$1; shift
  ev conv-$def-pgd25-eot4 "$@" $linf --n 32 --attack pgd --grad exact --iters 25 --eot 4
  ev conv-$def-pgd10-eot8 "$@" $linf --n 32 --attack pgd --grad exact --iters 10 --eot 8
}
ABLATIONS=(  # cell name and the MimicConfig fields it changes from 'paper' (phi: 2 x eps = 0.2 model units; scale: 0.1831 per pixel)
  "energy-l2 energy=l2"  "split-off split=off"  "split-image split=image"  "sr-off sr_mode=off"  "sr2 sr_factor=2"
  "sr7 sr_factor=7"  "window-all window=0,1"  "window-300 window=0.3,0.79"  "window-500 window=0.5,0.79"
  "scale-x0.5 scale=0.091552734375"  "scale-x2 scale=0.3662109375"  "phi-x0.5 phi=0.1"  "phi-x2 phi=0.4"
)
after() {  # after CELL EARLIER...: sets SEL to `--robust-in` the cells EARLIER (a cascade: CELL attacks only the images they all
  # left robust), or to nothing when CELL was begun as a run on all images (its header has no `only`: it finishes as one)
  local f=$D/$1.jsonl; shift; SEL=()
  [ $# -gt 0 ] || return 0
  if [ -s $f ] && ! head -n 1 $f | grep -q '"only"'; then return 0; fi
  SEL=(--robust-in); for e in "$@"; do SEL+=($D/$e.jsonl); done
}
ablate() {  # ablate ATTACK-NAME [EARLIER...]: $ATTACK for every row of ABLATIONS with index % 2 == $QUEUE, on the images the
  local attack=$1; shift; local earlier=("$@")   # row's cells of the attacks EARLIER left robust (default: all 128)
  for i in "${!ABLATIONS[@]}"; do
    [ $((i % 2)) = "$QUEUE" ] || continue
    set -- ${ABLATIONS[$i]}; local row=$1; shift
    after abl-$row-$attack "${earlier[@]/#/abl-$row-}"
    ev abl-$row-$attack $paper $linf --n 128 --set "$@" $ATTACK "${SEL[@]}"
  done
}
VARIANTS=(  # designed against the exact-gradient attacker (05_mimic: `start`, `shift`); phi=4 exceeds any |x0_hat - x_ref|.
  # g400/g300: the input diffused to t* = 400/300, guided at high noise only (t >= 200), then unguided like DiffPure from t = 200;
  # s10/s30: the guidance step x0.1/x0.3; lf7: the SR term alone at factor 7 (a 4x4 image)
  "g400 start=400 window=0.2,0.4"  "g300 start=300 window=0.2,0.3"  "g400s10 start=400 window=0.2,0.4 scale=0.018310546875"
  "g400s30 start=400 window=0.2,0.4 scale=0.054931640625"  "g400lf7 start=400 window=0.2,0.4 phi=4 sr_factor=7"
  "start300 start=300 window=0.1,0.3"  "shift2 shift=2"  "lowfreq phi=4"  "start100 start=100 window=0,0.1"
  "s25 scale=0.0457763671875"  # the paper's preset with the guidance step x0.25 (the ablation has x0.5 and x2)
)
variant() {  # variant ATTACK-NAME [FIRST LAST [EARLIER...]]: rows FIRST..LAST-1 of VARIANTS (default all) with index % 2 == $QUEUE,
  local attack=$1 first=${2:-0} last=${3:-${#VARIANTS[@]}}; shift 3 2>/dev/null || shift $#   # each a cascade after EARLIER
  local earlier=("$@")
  for i in "${!VARIANTS[@]}"; do
    [ $((i % 2)) = "$QUEUE" ] && [ $i -ge $first ] && [ $i -lt $last ] || continue
    set -- ${VARIANTS[$i]}; local row=$1; shift
    after var-$row-$attack "${earlier[@]/#/var-$row-}"
    ev var-$row-$attack $paper $linf --n 128 --set "$@" $ATTACK "${SEL[@]}"
  done
}
diffpure200() {  # DiffPure from t* = 200 (queue 0): what the g rows' unguided end does alone
  [ $QUEUE = 0 ] || return 0
  ev var-diffpure200-$1 --defense diffpure --t-star 200 $linf --n 128 $ATTACK
}
l2() {  # the paper's other threat model: L2 1.5, for 'paper' (queue 0) and DiffPure (queue 1)
  # phi = 0.2, the L-inf 0.1 threshold: the default (2 x eps) reads an L2 budget as L-inf, and the CLI refuses it under L2
  local def=paper args="$paper --set phi=0.2"; [ $QUEUE = 1 ] && def=diffpure args=$diffpure
  ev l2-$def-transfer $args --eps 1.5 --norm L2 --n 128 --attack pgd --grad transfer --iters 40
  after l2-$def-bpda l2-$def-transfer   # then a cascade, as the ablations' BPDA and exact cells
  ev l2-$def-bpda $args --eps 1.5 --norm L2 --n 128 --attack pgd --grad bpda --iters 10 --eot 2 "${SEL[@]}"
  after l2-$def-exact l2-$def-transfer l2-$def-bpda
  ev l2-$def-exact $args --eps 1.5 --norm L2 --n 128 --attack apgd --grad exact --iters 10 --eot 2 "${SEL[@]}"
}
T=bench/embedded_table
[ "${VARIANTS[2]%% *}" = g400s10 ] || { echo "VARIANTS[2] is not g400s10" >&2; exit 1; }
FINAL=(  # row, the common prefix of its transfer/bpda/exact cells, its defense (rows alternate between the queues)
  "diffpure $T/diffpure $diffpure"  "paper $T/mimic-paper $paper"  "half_step $D/abl-scale-x0.5 --defense mimic --preset half_step"
  "g400s10 $D/var-g400s10 $paper --set ${VARIANTS[2]#* }"  "ref $T/mimic-ref --defense mimic --preset reference_code"
  "gdmp $T/gdmp --defense gdmp --t-star 100"  "diffpure200 $D/var-diffpure200 --defense diffpure --t-star 200"
)
final() {  # final ATTACK-NAME [PRIOR [ROW...]]: $ATTACK on the images each row's three cells (or its cascade cell fin-ROW-PRIOR)
  local attack=$1 prior=${2:-}; shift 2 2>/dev/null || shift $#   # left robust, for the rows with index % 2 == $QUEUE (or
  local rows=" $* "                                                # only those of them named ROW...)
  for i in "${!FINAL[@]}"; do
    [ $((i % 2)) = "$QUEUE" ] || continue
    set -- ${FINAL[$i]}; local row=$1 cells=$2; shift 2
    [ "$rows" = "  " ] || [[ $rows == *" $row "* ]] || continue
    local prev="$cells-transfer.jsonl $cells-bpda.jsonl $cells-exact.jsonl"; [ -n "$prior" ] && prev=$D/fin-$row-$prior.jsonl
    ev fin-$row-$attack "$@" $linf --n 128 $ATTACK --robust-in $prev
  done
}
queue() {
  QUEUE=$1
  if [ $QUEUE = 0 ]; then conv paper $paper; else conv diffpure $diffpure; fi
  # the variants next: every row under transfer (cheap: it also gives clean accuracy), the ablations under transfer; BPDA and exact
  # gradients for two variant rows; DiffPure t* = 200; PGD's convergence; the rest of the ablation and variant
  # cells. Exact gradients rank the rows with the embedded table's APGD-10 EOT 2 (its paper/DiffPure/GDMP cells are reused).
  transfer="--attack pgd --grad transfer --iters 40" bpda="--attack pgd --grad bpda --iters 10 --eot 2"
  exact="--attack apgd --grad exact --iters 10 --eot 2"
  ATTACK=$transfer variant transfer; ATTACK=$transfer diffpure200 transfer
  ATTACK=$transfer ablate transfer
  # the one row of the transfer screen with DiffPure t* = 100's clean accuracy (88.3%) and more than its worst case over
  # all three attacks (33.6%) under transfer: step size x0.5 (41.4%). Its BPDA and exact cells first, one per queue
  local half=(${ABLATIONS[9]}); [ ${half[0]} = scale-x0.5 ] || { echo "ABLATIONS[9] is not scale-x0.5" >&2; exit 1; }
  if [ $QUEUE = 0 ]; then ev abl-scale-x0.5-bpda $paper $linf --n 128 --set ${half[1]} $bpda
  else ev abl-scale-x0.5-exact $paper $linf --n 128 --set ${half[1]} $exact; fi
  # then the two high-noise rows with the most under transfer (g400s10, g400s30; their clean accuracy is below DiffPure's)
  ATTACK=$bpda variant bpda 2 3; ATTACK=$exact variant exact 2 3; ATTACK=$bpda variant bpda 3 4
  ATTACK=$bpda diffpure200 bpda
  ATTACK="--attack pgd --grad exact --iters 10 --eot 4" final pgd10-eot4   # step 4
  # PGD-10 EOT 8 left DiffPure one image in 32 fewer than EOT 4 in step 1: the cascade's fifth attack, on what the fourth left
  local eot8="--attack pgd --grad exact --iters 10 --eot 8"
  ATTACK=$eot8 final pgd10-eot8 pgd10-eot4 diffpure paper half_step g400s10 ref gdmp   # DiffPure t* = 200's after the L2 rows
  # PGD's convergence (is PGD-10 EOT 4 converged?), before the last cells of the two rows above
  if [ $QUEUE = 0 ]; then conv_pgd paper $paper; else conv_pgd diffpure $diffpure; fi
  ATTACK=$exact diffpure200 exact; ATTACK=$exact variant exact 3 4
  # the ablation's other two attacks and the L2 rows (step 2's table), then the remaining variants' BPDA and exact cells. These
  # run as a cascade (the way step 4 runs): BPDA on the images transfer left robust, exact gradients on what both left, which
  # gives each row's worst case over the three attacks at a third of the cost; cells begun on all 128 images finish that way
  ATTACK=$bpda ablate bpda transfer
  ATTACK=$exact ablate exact transfer bpda
  l2
  ATTACK=$eot8 final pgd10-eot8 pgd10-eot4
  ATTACK=$bpda variant bpda 0 ${#VARIANTS[@]} transfer; ATTACK=$exact variant exact 0 ${#VARIANTS[@]} transfer bpda
}
if [ $# = 1 ]; then queue $1; else queue 0 & queue 1 & wait; fi
