#!/usr/bin/env bash
# Reference-relative diversity on tiny models (CPU, a few minutes): a "base" tiny-flux and a "tuned" one (other
# random weights standing in for a reward-tuned checkpoint), each scored against the base run's cached features.
# With real models: --model flux-dev for the base, --model flux-d2align --model-args checkpoint=... for the tuned.
set -euo pipefail
OUT=${OUT:-runs/reference-relative}
LIMIT=${LIMIT:-12}  # prompts per dimension; PRDC needs more than k = 5 distinct prompts in every resample
RESAMPLES=${RESAMPLES:-200}

divgenbench eval --model tiny-flux -o "$OUT/base" --limit "$LIMIT" --resamples "$RESAMPLES" --no-report -q
divgenbench eval --model tiny-flux --model-args weights_seed=1 -o "$OUT/tuned" --limit "$LIMIT" \
  --resamples "$RESAMPLES" --reference-run "$OUT/base" --no-report -q
# the base against itself: SCD 0, precision = recall = coverage = 1 (no model runs: features come from the cache)
divgenbench score "$OUT/base" --reference-run "$OUT/base" --resamples "$RESAMPLES" -q
divgenbench compare "$OUT/tuned" "$OUT/base" --reference-run "$OUT/base" --resamples "$RESAMPLES"
divgenbench report "$OUT/base" "$OUT/tuned" -o "$OUT/report.html"
