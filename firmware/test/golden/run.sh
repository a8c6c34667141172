#!/bin/sh
# Golden conformance over shared/golden (TensorFlow Lite Micro reference outputs).
# usage: run.sh HOST_BUILD_DIR SHARED_DIR   (called by `make golden` / `make test`)
# shared/ sits beside the repository checkout; without it the run is skipped (a fresh
# clone has no third-party data) and passes.
set -eu
build=$1
shared=$2
if [ ! -d "$shared/golden" ] || [ ! -d "$shared/models" ]; then
  echo "golden: skipped: $shared/golden not found (shared/ beside the checkout holds the models and golden outputs)"
  exit 0
fi
refusals=""
# kws_ref_model_float32 carries int8 weights with float activations (hybrid): refused.
if [ -f "$shared/models/kws_ref_model_float32.tflite" ]; then
  refusals="--expect-refusal kws_ref_model_float32.tflite:TG_ERR_HYBRID"
fi
# shellcheck disable=SC2086
exec "$build/tg_golden" "$shared/models" "$shared/golden" $refusals
