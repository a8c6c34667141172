#!/usr/bin/env bash
# The LeNet example's part of the demo: host analysis (stage A) and host accuracy, U
# against Q (stage C), on the committed files, then the quantize command on the committed
# TF.js model. `--train` regenerates every committed file first (about 2 minutes).
set -euo pipefail
cd "$(dirname "$0")/../.."
ex=examples/lenet-mnist
cli() { node bin/tinyml-gate.js "$@"; }

if [ "${1:-}" = "--train" ]; then
  echo "== training LeNet-5 from scratch" >&2
  npx tsx "$ex/train.ts"
fi

echo "== stage A: analysis of the int8 LeNet-5" >&2
cli analyze "$ex/lenet_int8.tflite"

echo "== stage C: host accuracy of Q (int8) against U (float32) on the committed digits" >&2
cli eval --model "$ex/lenet_int8.tflite" --dataset "$ex/data/dataset.json" \
  --reference "$ex/lenet_float.tflite"

# The committed digits serve as calibration here only to show the command; train.ts
# calibrates on training digits, so this model is not byte-identical to lenet_int8.tflite.
echo "== tinyml-gate quantize on the committed TF.js model" >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cli quantize --model "$ex/model/model.json" --calibration "$ex/data/dataset.json" \
  --out "$tmp/lenet_int8.tflite" --float-out "$tmp/lenet_float.tflite"
cli eval --model "$tmp/lenet_int8.tflite" --dataset "$ex/data/dataset.json" \
  --reference "$tmp/lenet_float.tflite"
