#!/usr/bin/env bash
# Tiny D2-Align end to end on CPU: train (tiny FLUX + tiny HPS twin) → evaluate the result and its base on the
# same prompts → paired comparison and one report each. Smoke numbers (random weights), never ranked.
set -euo pipefail
OUT=${OUT:-runs/d2align-tiny}
LIMIT=${LIMIT:-4}

divgenbench train d2align --config examples/d2align_tiny.yaml --output "$OUT/train"
# The training folder records its base (tiny-flux), so flux-d2align rebuilds it; match tiny-flux's settings.
COMMON=(--limit "$LIMIT" --extractors tiny --dtype float64 --resolution 64 --num-inference-steps 4 --device cpu)
divgenbench eval --model tiny-flux -o "$OUT/base" "${COMMON[@]}"
divgenbench eval --model flux-d2align --model-args "checkpoint=$OUT/train" -o "$OUT/d2align" "${COMMON[@]}"
divgenbench compare "$OUT/base" "$OUT/d2align"
divgenbench report "$OUT/base"
divgenbench report "$OUT/d2align"
echo "training log: $OUT/train/train_log.csv   b_v: $OUT/train/b_v.safetensors"
