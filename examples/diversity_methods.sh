#!/usr/bin/env bash
# Base → fine-tuned → AIG between them, on tiny models (CPU, minutes): the walk-through of
# docs/diversity-methods.md. The "fine-tuned" model is tiny-flux with other random weights, standing in for a
# reward-tuned checkpoint; AIG mixes the two transformers' predictions per step with the power schedule. Both
# the fine-tuned and the AIG run are scored against the base run's cached features (--reference-run): no extra
# model pass. With real models: base=flux-dev, others=flux-d2align@checkpoint=... (see the guide).
set -euo pipefail
OUT=${OUT:-runs/diversity-methods}
LIMIT=${LIMIT:-12}  # prompts per dimension; PRDC needs more than k = 5 distinct prompts in every resample
RESAMPLES=${RESAMPLES:-200}
common=(--limit "$LIMIT" --resamples "$RESAMPLES" --extractors tiny --no-report -q)

divgenbench eval --model tiny-flux -o "$OUT/base" "${common[@]}"
divgenbench eval --model tiny-flux --model-args weights_seed=1 -o "$OUT/tuned" "${common[@]}" \
  --reference-run "$OUT/base"
divgenbench eval --model guided -o "$OUT/aig" "${common[@]}" --reference-run "$OUT/base" \
  --model-args "method=aig,base=tiny-flux@weights_seed=0,others=tiny-flux@weights_seed=1"
divgenbench compare "$OUT/aig" "$OUT/tuned" --reference-run "$OUT/base" --resamples "$RESAMPLES"
divgenbench report "$OUT/base" "$OUT/tuned" "$OUT/aig" -o "$OUT/report.html"
