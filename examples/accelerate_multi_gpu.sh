#!/usr/bin/env bash
# DivGenBench on all GPUs of one machine: each rank generates its round-robin share of the images
# (rank r makes images i with i mod WORLD_SIZE == r) into the same run folder; all ranks meet at a barrier,
# then rank 0 extracts features and writes results.json while the other ranks exit.
#
# Any launcher that sets WORLD_SIZE/RANK/LOCAL_RANK works (accelerate, torchrun); each rank uses
# cuda:$LOCAL_RANK. The barrier is torch.distributed's (accelerate's default timeout is 30 minutes): the
# shares are balanced, but if a rank lags further, rank 0 stops with an error; run the same command again
# (or `divgenbench score RUN` once all images exist) and nothing generated is lost.
set -euo pipefail
GPUS=${GPUS:-$(nvidia-smi -L | wc -l)}

accelerate launch --multi_gpu --num_processes "$GPUS" -m divgenbench eval \
  --model flux-dev --batch-size 4 -o runs/flux-dev

# The same with torchrun (also how the tests run it on CPU with two processes):
#   torchrun --standalone --nproc_per_node "$GPUS" -m divgenbench eval --model flux-dev -o runs/flux-dev
#
# Several independent processes may also continue one run folder at once (e.g. two jobs on a shared
# disk): each image is claimed with a file lock, so no image is made twice and a killed claimant's
# images are taken over.
