#!/bin/bash
# Replace the shipped embedded weights with two finished training runs and measure again everything that depends on them.
#     bash scripts/remeasure_embedded.sh TAG DIFFUSION_RUN CLASSIFIER_RUN      e.g.  v1 runs/diffusion_v2 runs/classifier_v2
# TAG names the archive results/archive_TAG that keeps the results measured with the weights being replaced (with their sha256), so
# the docs can still cite them. Every stage is resumable: run the script again (same arguments) to continue where it stopped.
# Stages: archive + export (once), the model cards' metrics on the full test split (scripts/embedded_metrics.py), clean accuracy
# per purifier (bench/purify_accuracy.py), the embedded table and accuracy per NFE (studies/*.toml, hours of CPU; their tables are
# rebuilt at the end). Figures and numbers in the notebooks and README are re-made by hand afterwards (scripts/execute_notebooks.py).
set -eu
cd "$(dirname "$0")/.."
TAG=${1:?usage: remeasure_embedded.sh TAG DIFFUSION_RUN CLASSIFIER_RUN}; U=${2:?diffusion run folder}; C=${3:?classifier run folder}
export HF_HUB_OFFLINE=1 PYTHONUNBUFFERED=1
A=results/archive_$TAG; W=mimicdiffusion/assets
for r in "$U" "$C"; do [ -f "$r/checkpoint.pt" ] || { echo "remeasure: no checkpoint in $r" >&2; exit 2; }; done
if [ ! -f $A/EXPORTED ]; then
  mkdir -p $A
  [ -f $A/weights.sha256 ] || sha256sum $W/*.safetensors > $A/weights.sha256
  for f in results/embedded_table results/accuracy_per_nfe bench/purify_accuracy.json bench/purify_accuracy.md \
           $W/metrics.json $W/MODEL_CARD_unet.md $W/MODEL_CARD_classifier.md; do
    if [ -e $f ] && [ ! -e $A/$(basename $f) ]; then cp -r $f $A/; fi
  done
  rm -rf results/embedded_table results/accuracy_per_nfe bench/purify_accuracy.json $W/metrics.json
  python -c "from mimicdiffusion.embedded import export_embedded; print(export_embedded('$U', '$C', weights=('ema', 'model')))"
  sha256sum $W/*.safetensors > $A/EXPORTED
fi
OMP_NUM_THREADS=2 python scripts/embedded_metrics.py --n 10000 --work runs/metrics_after_$TAG
OMP_NUM_THREADS=1 python bench/purify_accuracy.py --n 500 --batch 100
OMP_NUM_THREADS=1 mimicdiffusion study run studies/embedded_table.toml --threads 1 --quiet
OMP_NUM_THREADS=1 mimicdiffusion study run studies/accuracy_per_nfe.toml --threads 1 --quiet
python studies/tables/embedded_table.py && python studies/tables/accuracy_per_nfe.py
echo "remeasure: done; now re-run the notebooks' figure cells and update the README"
