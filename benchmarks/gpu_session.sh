#!/usr/bin/env bash
# One prepared GPU session: every throughput figure in benchmarks/README.md's GPU rows, on random weights of the
# real architectures (no download). Usage on a GPU machine, from the repository root:
#   bash benchmarks/gpu_session.sh OUT_DIR [PART ...]     PART: env extractors generate guidance quality train (default: all)
# Wheels the machine lacks may sit in .whl/ (installed into /tmp/site first). Each part has its own time limit,
# so one slow part cannot take the others' figures with it; logs go to OUT_DIR/<part>.log.
set -u
out=${1:?usage: gpu_session.sh OUT_DIR [PART ...]}; shift
parts=${*:-env extractors generate guidance quality train}
mkdir -p "$out"
if ls .whl/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
  export PYTHONPATH=/tmp/site:$PWD
else
  export PYTHONPATH=$PWD
fi
export PYTHONUNBUFFERED=1 DIVGENBENCH_HOME=/tmp/divgenbench-home TOKENIZERS_PARALLELISM=false
run() {  # run PART LIMIT_S COMMAND...
  local part=$1 limit=$2; shift 2
  case " $parts " in *" $part "*) ;; *) return ;; esac
  echo "== $part: $*" | tee -a "$out/$part.log"
  local t0=$SECONDS
  timeout "$limit" "$@" >>"$out/$part.log" 2>&1
  echo "== $part: exit $? after $((SECONDS - t0)) s" | tee -a "$out/$part.log"
}
run env 30 bash -c 'nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv; python3 -c "import torch, onnxruntime; print(torch.__version__, torch.cuda.get_device_name(0), onnxruntime.get_available_providers())"'
run extractors 120 python3 benchmarks/bench_extractors.py csd photometric --random-weights --size 720 --images 256 --batch-sizes 32 128 --json "$out/extractors-csd.json"
run extractors 80 python3 benchmarks/bench_extractors.py grounding-dino --random-weights --size 720 --images 128 --batch-sizes 16 64 --json "$out/extractors-gdino.json"
run generate 120 python3 benchmarks/bench_generate.py --skip-tiny --flux-arch full --flux-steps 20 --flux-images 4 --flux-batch-sizes 1 4 --compile off
run guidance 120 bash -c 'cd benchmarks && python3 bench_guidance.py --full --size 720 --steps 20 --repeats 1'
run quality 150 python3 benchmarks/bench_quality.py --device cuda --full-size
run train 150 python3 benchmarks/bench_train.py --device cuda --full-size
exit 0
