#!/usr/bin/env bash
# DivGenBench on a SLURM job array: each task generates one share of the 5,600 images into its own
# folder; a dependent job merges the shards and scores the merged run.
#
#   jid=$(sbatch --parsable examples/slurm_array.sh)
#   sbatch --dependency=afterok:$jid --gres=gpu:1 --wrap \
#     "divgenbench merge runs/flux-d2align/shard-* -o runs/flux-d2align/merged && divgenbench score runs/flux-d2align/merged"
#
# Shares are round-robin over the protocol's images (image i goes to task i mod N), so every task gets
# the same mix of dimensions; seeds depend only on (protocol, prompt, k), so the merged run holds the
# images one process would have made. A task that dies is resubmitted as is: it resumes image by image.
# `merge` exits 1 and lists the images no shard has; `score` refuses a run with missing images.
#SBATCH --job-name=divgen-gen
#SBATCH --array=0-7
#SBATCH --gres=gpu:1
#SBATCH --cpus-per-task=8
#SBATCH --time=04:00:00
#SBATCH --output=logs/%x-%A_%a.out
set -euo pipefail

RUN=${RUN:-runs/flux-d2align}
MODEL_ARGS=${MODEL_ARGS:-checkpoint=/path/to/d2align/transformer}

divgenbench eval --model flux-d2align --model-args "$MODEL_ARGS" --batch-size 4 \
  --shard "${SLURM_ARRAY_TASK_ID}/${SLURM_ARRAY_TASK_COUNT}" -o "$RUN/shard-${SLURM_ARRAY_TASK_ID}"
