#!/usr/bin/env bash
# Runs the semihosting harness (tg_harness.elf) on an emulated board.
#   qemu-run.sh BOARD ELF MODEL INPUTS OUTPUTS [TICKS] [-n MAX_SAMPLES] [-l LAYER_DIR]
# OUTPUTS receives every sample's outputs back to back; TICKS (default OUTPUTS.ticks.txt)
# the per-layer tick report (format: docs/boards.md). -icount shift=0 makes the ticks
# deterministic: two runs give identical files. Environment: see qemu-exec.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -lt 5 ]; then
  echo "usage: qemu-run.sh BOARD ELF MODEL INPUTS OUTPUTS [TICKS] [-n MAX_SAMPLES] [-l LAYER_DIR]" >&2
  exit 64
fi
board=$1 elf=$2 model=$3 inputs=$4 outputs=$5
shift 5
ticks="$outputs.ticks.txt"
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
  ticks=$1
  shift
fi
for f in "$model" "$inputs"; do
  [ -f "$f" ] || { echo "qemu-run: no such file: $f" >&2; exit 66; }
done
exec bash "$here/qemu-exec.sh" "$board" "$elf" "$model" "$inputs" "$outputs" "$ticks" "$@"
