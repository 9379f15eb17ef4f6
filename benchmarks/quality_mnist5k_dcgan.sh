#!/usr/bin/env bash
# The DCGAN-on-mnist5k grid in docs/mnist5k-dcgan.md: a few CPU minutes of the defaults
# (Radford et al. 2016: Adam 2e-4, beta1 0.5, batch 128, uniform 100-d z; 28x28, width 128).
# Needs the mnist extra: pip install -e ".[mnist]"
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/mnist5k-dcgan}
start=$(date +%s)
gan train dcgan --data mnist5k --steps 1500 --sample-every 250 --precision bf16 --out "$out" --json > "$out.log"
echo "trained in $(( $(date +%s) - start )) s" >&2
gan sample "$out" -n 64 --seed 0 -o docs/images/mnist5k_dcgan.png
cp "$out/samples/step_000250.png" docs/images/mnist5k_dcgan_step250.png
cp "$out/samples/step_000500.png" docs/images/mnist5k_dcgan_step500.png
