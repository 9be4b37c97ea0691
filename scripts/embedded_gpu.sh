#!/bin/bash
# Remake the embedded models on a GPU and measure them (the shipped weights were trained on a CPU: see nbs/15_embedded.ipynb):
# train both models within a wall-time budget each (scripts/train_embedded_gpu.py), export them into the package's assets
# (EMA weights of the UNet, raw weights of the classifier), then the quality bars of the model cards on the full 10k test split
# (scripts/embedded_metrics.py; the CPU forward-time figure is measured apart, on a CPU) and bench/purify_accuracy.py.
#     bash scripts/embedded_gpu.sh RUNS [DIFFUSION_SECONDS] [CLASSIFIER_SECONDS]
set -u
cd "$(dirname "$0")/.."
R=${1:?usage: embedded_gpu.sh RUNS [DIFFUSION_SECONDS] [CLASSIFIER_SECONDS]}; DS=${2:-240}; CS=${3:-60}; DEV=${DEVICE:-cuda}   # DEVICE=cpu: a smoke run
export HF_HUB_OFFLINE=1 PYTHONUNBUFFERED=1; TRAIN_ARGS=${TRAIN_ARGS:-}   # e.g. "--max-steps 50" for a smoke run
python scripts/train_embedded_gpu.py --device $DEV $TRAIN_ARGS --out "$R" --diffusion-seconds "$DS" --classifier-seconds "$CS" || exit 1
python -c "from mimicdiffusion.embedded import export_embedded; export_embedded('$R/diffusion', '$R/classifier', weights=('ema', 'model'))" || exit 1
rm -f mimicdiffusion/assets/metrics.json     # the metrics of the weights just replaced
timeout 120 python scripts/embedded_metrics.py --device $DEV --n 10000 --batch 1000 --work "$R/metrics" --only classifier samples diffpure100 diffpure300
timeout 120 python bench/purify_accuracy.py --device $DEV --n 500 --batch 250 --out "$R/purify_accuracy.json"
