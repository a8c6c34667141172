#!/usr/bin/env bash
# The gate's main job, locally: a throwaway git repository with the LeNet-5 example on
# main and a pull-request branch that widens its second convolution (16 -> 24 filters, the
# committed variant examples/lenet-mnist/variants/wide), then `tinyml-gate run --base main`
# on that branch: both versions measured on two emulated boards (QEMU, in this process, no
# daemon, no GitHub), compared with the budgets of examples/demo/tinyml-gate.yml, the
# report printed. A second branch that only edits the README shows the skip.
# Needs what scripts/setup.sh installs. Environment: KEEP=1 keeps the repository;
# TINYML_GATE_OUT=DIR writes the result documents there.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
ex="$root/examples/lenet-mnist"
gate() { node "$root/bin/tinyml-gate.js" "$@"; }

repo=$(mktemp -d "${TMPDIR:-/tmp}/tinyml-gate-demo.XXXXXX")
if [ "${KEEP:-0}" = 1 ]; then echo "demo: repository kept in $repo" >&2; else trap 'rm -rf "$repo"' EXIT; fi
out=${TINYML_GATE_OUT:-$repo/.results}

cd "$repo"
git init -q -b main
git config user.name "tinyml-gate demo"
git config user.email "demo@tinyml-gate.invalid"
git config commit.gpgsign false
mkdir -p models data
cp "$root/examples/demo/tinyml-gate.yml" tinyml-gate.yml
cp "$ex/lenet_int8.tflite" "$ex/lenet_float.tflite" models/
cp "$ex/data/dataset.json" "$ex/data/x_test.npy" "$ex/data/y_test.npy" data/
printf '.results/\n' > .gitignore
git add -A
git commit -q -m "LeNet-5 on MNIST, int8"

git checkout -q -b widen-conv2
cp "$ex/variants/wide/lenet_int8.tflite" "$ex/variants/wide/lenet_float.tflite" models/
git commit -q -am "Widen conv2 to 24 filters"

echo "== demo: pull request widen-conv2 (conv2 16 -> 24 filters) against main" >&2
status=0
gate run --config tinyml-gate.yml --base main --out "$out" || status=$?
case $status in
  0) verdict=pass ;; 1) verdict=fail ;; 3) verdict=inconclusive ;; *) verdict="error ($status)" ;;
esac
echo "== demo: verdict $verdict (exit $status); result documents in $out" >&2

git checkout -q -b docs-only main
printf '# LeNet-5 demo\n' > README.md
git add README.md
git commit -q -m "Docs only"
echo "== demo: pull request docs-only (no model change) against main" >&2
gate run --config tinyml-gate.yml --base main --out "$out/docs-only"

# The widened model breaking its budgets is the expected outcome of this demo; anything
# but a verdict (pass, fail, inconclusive) is an error of the demo itself.
[ "$status" -le 3 ] && [ "$status" -ne 2 ]
