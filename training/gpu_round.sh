#!/usr/bin/env bash
# One OCR training round on a CUDA machine that has PyTorch, OpenCV, NumPy and safetensors but
# no copy of the data folder and no network: renders the synthetic crops with every core,
# trains with batches prepared by worker processes, and exports the best and the last weights.
#
#   python training/pack_data.py --out training/out/datapack      # here, once (about 43 MiB; 55 with ocr_engine_val.npz, 64 with ocr_engine_select.npz too; --no-engine-val for SELECT=1 rounds: 53)
#   # there, with training/out/datapack copied along:
#   MINUTES=6 OUT=/some/dir training/gpu_round.sh --lr 3e-3 --real-fraction 0.5 --framed 0.6
#
# Arguments go to train_ocr.py after the defaults below (a later flag wins). Without --resume
# the OCR starts from scratch. Writes to $OUT (default training/out/gpu_round):
#   best/ocr.{json,safetensors}   the checkpoint train_ocr.py picked (best real + framed val, or the
#                                 held-out train plates with SELECT=1)
#   last/ocr.{json,safetensors}   the weights at the end of the round
#   ocr_train_log.json            the validation figures at every evaluation
# Then, on the CPU machine, `python training/compare_models.py Models OUT/best OUT/last` scores
# them end to end over several draws of the held-out frames; see training/README.md.
#
# Two rounds can share a machine: render once (RENDER=only), then start each round with its own
# ALPR_OUT_DIR holding a copy of (or links to) the rendered ocr_synth_*.npz, RENDER=no, its own
# OUT and WORKERS set to its share of the cores.
set -euo pipefail
cd "$(dirname "$0")/.."
export ALPR_DATA_DIR="${ALPR_DATA_DIR:-$PWD/training/out/datapack}"
export ALPR_FONT_DIR="${ALPR_FONT_DIR:-$ALPR_DATA_DIR/fonts}"
export PYTHONUNBUFFERED=1 OMP_WAIT_POLICY=PASSIVE
export ALPR_OUT_DIR="${ALPR_OUT_DIR:-$PWD/training/out}"
OUT="${OUT:-$PWD/training/out/gpu_round}"
RENDER="${RENDER:-yes}"  # yes: render, then train; only: render and stop; no: train on what is there
MINUTES="${MINUTES:-6}"
SYNTH_COUNT="${SYNTH_COUNT:-60000}"
# --labels-as-drawn renders the synthetic crops as the shipped OCR was trained on them (ocr_set.py)
read -r -a SYNTH_FLAGS <<< "${SYNTH_FLAGS:-}"
CORES=$(nproc)
WORKERS="${WORKERS:-$(( CORES > 3 ? CORES - 2 : 1 ))}"

[ -f "$ALPR_DATA_DIR/ocr_crops.csv" ] || { echo "no data pack at $ALPR_DATA_DIR (python training/pack_data.py)" >&2; exit 1; }
python3 -c 'import torch; print("torch", torch.__version__, "cuda" if torch.cuda.is_available() else "no GPU")'

start=$(date +%s)
mkdir -p "$ALPR_OUT_DIR" "$OUT/best" "$OUT/last"
if [ "$RENDER" != no ]; then
    python3 training/synth/ocr_set.py --count "$SYNTH_COUNT" --split train --seed 1 --workers "$CORES" ${SYNTH_FLAGS[@]+"${SYNTH_FLAGS[@]}"}
    python3 training/synth/ocr_set.py --count 2000 --split val --seed 2 --workers "$CORES" ${SYNTH_FLAGS[@]+"${SYNTH_FLAGS[@]}"}
    echo "synthetic crops rendered in $(( $(date +%s) - start )) s"
    [ "$RENDER" = only ] && exit 0
fi

# With the engine-cut val plates in the pack, the checkpoint is picked by them (train_ocr.py --engine-val).
# SELECT=1 holds a tenth of the train plates out and picks on them instead (train_ocr.py --select),
# by their engine cuts when the pack has ocr_engine_select.npz.
ENGINE_VAL=()
if [ "${SELECT:-0}" = 1 ]; then
    ENGINE_VAL=(--select)
    [ -f "$ALPR_DATA_DIR/ocr_engine_select.npz" ] && ENGINE_VAL+=(--engine-val "$ALPR_DATA_DIR/ocr_engine_select.npz")
else
    [ -f "$ALPR_DATA_DIR/ocr_engine_val.npz" ] && ENGINE_VAL=(--engine-val "$ALPR_DATA_DIR/ocr_engine_val.npz")
fi
python3 training/train_ocr.py --device auto --workers "$WORKERS" --bf16 --threads 2 \
    --minutes "$MINUTES" --batch 256 --eval-every 1000 ${ENGINE_VAL[@]+"${ENGINE_VAL[@]}"} "$@"

python3 training/export.py --only ocr --checkpoint "$ALPR_OUT_DIR/ocr_best.pt" --models-dir "$OUT/best"
python3 training/export.py --only ocr --checkpoint "$ALPR_OUT_DIR/ocr_last.pt" --models-dir "$OUT/last"
cp "$ALPR_OUT_DIR/ocr_train_log.json" "$OUT/"
echo "round done in $(( $(date +%s) - start )) s; weights in $OUT"
