#!/usr/bin/env bash
# Golden conformance of the engine on an emulated board: the same comparison as the host
# build (int8 bit-exact with TensorFlow Lite Micro's reference kernels, float32 within 1e-5
# relative or 1e-6 absolute), on the model outputs of every sample run and on every layer's
# output for samples 0-3, plus the refusal of the hybrid model. Then a determinism check:
# a second run of the first model must give an identical tick report.
#   qemu-golden.sh BOARD HARNESS_ELF [MODEL...]
# MODEL names a folder of shared/golden (default: every one there).
# Environment:
#   TG_SHARED          the shared data (default: ../shared beside the repository); absent:
#                      the run is skipped with a message, exit 0
#   TG_GOLDEN_SAMPLES  samples per model (default: all in inputs.bin)
#   TG_GOLDEN_OUT      keep the run's files here (default: a temporary directory)
#   TG_ARENA_BUDGETS   "model=bytes ..." : a model whose arena_used exceeds its budget fails
#                      (boards.mk sets TensorFlow Lite Micro's figures for mps2-an386, ref)
# Prints one line per model: verdict, samples, mean ticks per inference, and the emulated
# instructions per inference (ticks x 1e9 / timer Hz: -icount shift=0 runs one instruction
# per virtual nanosecond; they are emulated instructions, not cycles).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
[ $# -ge 2 ] || { echo "usage: qemu-golden.sh BOARD HARNESS_ELF [MODEL...]" >&2; exit 64; }
board=$1
elf=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
shift 2
shared=${TG_SHARED:-$(cd "$repo/.." && pwd)/shared}
if [ ! -d "$shared/golden" ] || [ ! -d "$shared/models" ]; then
  echo "qemu-golden: skipped: shared/ not found beside the checkout ($shared; set TG_SHARED)" >&2
  exit 0
fi
variant=$(basename "$(dirname "$elf")")

if [ -n "${TG_GOLDEN_OUT:-}" ]; then
  work=$TG_GOLDEN_OUT
  mkdir -p "$work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi

# The comparison tool, built for the host once per source change.
tools="$repo/firmware/build/host-tools"
compare="$tools/tg_golden_compare"
if [ ! -x "$compare" ] || [ "$here/tg_golden_compare.c" -nt "$compare" ]; then
  mkdir -p "$tools"
  ${HOST_CC:-cc} -std=c11 -O2 -Wall -Wextra -Werror -o "$compare" "$here/tg_golden_compare.c" -lm
fi

models=("$@")
if [ ${#models[@]} -eq 0 ]; then
  for d in "$shared"/golden/*/; do
    m=$(basename "$d")
    [ -f "$shared/models/$m.tflite" ] && models+=("$m")
  done
fi

failures=0
report() { printf '%-26s %s\n' "$1" "$2"; }

for m in "${models[@]}"; do
  g="$shared/golden/$m"
  model="$shared/models/$m.tflite"
  [ -f "$model" ] && [ -f "$g/inputs.bin" ] && [ -f "$g/outputs.bin" ] || {
    report "$m" "FAIL: golden data or model missing under $shared"
    failures=$((failures + 1))
    continue
  }
  out="$work/$m"
  rm -rf "$out"
  mkdir -p "$out/layers"
  limit=()
  [ -n "${TG_GOLDEN_SAMPLES:-}" ] && limit=(-n "$TG_GOLDEN_SAMPLES")
  set +e
  (cd "$out" && bash "$here/qemu-run.sh" "$board" "$elf" "$model" "$g/inputs.bin" outputs.bin ticks.txt \
    -l layers "${limit[@]}" >run.log 2>&1)
  rc=$?
  set -e
  if [ $rc -ne 0 ]; then
    report "$m" "FAIL: harness exit $rc: $(grep -m1 'tg_harness:' "$out/run.log" || tail -1 "$out/run.log")"
    failures=$((failures + 1))
    continue
  fi
  t="$out/ticks.txt"
  if [ "$(grep -c '^output ' "$t")" -ne 1 ]; then
    report "$m" "FAIL: the golden files hold output 0 only; this model has $(grep -c '^output ' "$t") outputs"
    failures=$((failures + 1))
    continue
  fi
  read -r _ _ otype obytes < <(grep -m1 '^output 0 ' "$t")
  samples=$(awk '$1 == "samples" { print $2 }' "$t")
  verdict_ok=1
  verdict=$("$compare" "$otype" "$g/outputs.bin" "$out/outputs.bin" $((samples * obytes))) || verdict_ok=0
  # Per layer, samples 0-3, in execution order: the first layer that departs names the
  # operator to look at (checked even when the outputs match).
  layer_fail=""
  checked=0
  while read -r file ltype lbytes; do
    [ -f "$g/layers/$file" ] || continue
    if ! lv=$("$compare" "$ltype" "$g/layers/$file" "$out/layers/$file"); then
      layer_fail="$file ($ltype, $lbytes B): $lv"
      break
    fi
    checked=$((checked + 1))
  done < <(sort -t_ -k1,1 -k2.3n "$out/layers/manifest.txt")
  if [ -n "$layer_fail" ]; then
    report "$m" "FAIL first departing layer $layer_fail; outputs: $verdict"
    failures=$((failures + 1))
    continue
  fi
  if [ $verdict_ok -eq 0 ]; then
    report "$m" "FAIL outputs: $verdict"
    failures=$((failures + 1))
    continue
  fi
  if [ "$checked" -eq 0 ]; then
    report "$m" "FAIL: no per-layer golden file matched the harness's layer dumps"
    failures=$((failures + 1))
    continue
  fi
  read -r _ _ hz < <(grep -m1 '^timer ' "$t")
  mean=$(awk '$1 == "total" { s += $3; n++ } END { if (n) printf "%.0f", s / n; else print 0 }' "$t")
  instr=$(awk -v m="$mean" -v hz="$hz" 'BEGIN { printf "%.0f", m * 1e9 / hz }')
  arena=$(awk '$1 == "arena_used" { print $2 }' "$t")
  budget=""
  for b in ${TG_ARENA_BUDGETS:-}; do [ "${b%%=*}" = "$m" ] && budget=${b#*=}; done
  if [ -n "$budget" ] && { [ -z "$arena" ] || [ "$arena" -gt "$budget" ]; }; then
    report "$m" "FAIL: arena_used ${arena:-?} B exceeds the budget of $budget B (TG_ARENA_BUDGETS)"
    failures=$((failures + 1))
    continue
  fi
  report "$m" "ok: $samples samples, outputs $verdict; $checked layer dumps match; mean $mean ticks = $instr emulated instructions per inference; arena_used $arena B${budget:+ (budget $budget B)}"
done

# The hybrid model (float activations, int8 weights) must be refused with TG_ERR_HYBRID (10).
hybrid="$shared/models/kws_ref_model_float32.tflite"
if [ $# -eq 0 ] && [ -f "$hybrid" ]; then
  mkdir -p "$work/hybrid"
  head -c 4000 "$shared/golden/kws_ref_model/inputs.bin" >"$work/hybrid/inputs.bin"
  set +e
  (cd "$work/hybrid" && bash "$here/qemu-run.sh" "$board" "$elf" "$hybrid" inputs.bin outputs.bin >run.log 2>&1)
  rc=$?
  set -e
  if [ $rc -eq 10 ] && grep -q 'TG_ERR_HYBRID' "$work/hybrid/run.log"; then
    report "kws_ref_model_float32" "ok: refused with TG_ERR_HYBRID"
  else
    report "kws_ref_model_float32" "FAIL: expected exit 10 (TG_ERR_HYBRID), got $rc: $(grep -m1 'tg_harness:' "$work/hybrid/run.log" || true)"
    failures=$((failures + 1))
  fi
fi

# The harness's own error paths: each exit status it documents, provoked once.
if [ $# -eq 0 ] && [ -f "$shared/models/hello_world_int8.tflite" ]; then
  hw="$shared/models/hello_world_int8.tflite"
  mkdir -p "$work/errors"
  printf 'xyz' >"$work/errors/three.bin"
  printf 'not a model' >"$work/errors/bad.tflite"
  head -c 4 "$shared/golden/hello_world_int8/inputs.bin" >"$work/errors/in.bin"
  check_exit() { # expected-status label args...
    local want=$1 label=$2
    shift 2
    set +e
    (cd "$work/errors" && bash "$here/qemu-exec.sh" "$board" "$elf" "$@" >run.log 2>&1)
    local got=$?
    set -e
    if [ "$got" -eq "$want" ]; then
      report "harness $label" "ok: exit $got"
    else
      report "harness $label" "FAIL: expected exit $want, got $got: $(head -1 "$work/errors/run.log")"
      failures=$((failures + 1))
    fi
  }
  check_exit 64 "unknown option" "$hw" in.bin o.bin t.txt -x
  check_exit 64 "missing argument" "$hw" in.bin o.bin
  check_exit 65 "partial sample" "$shared/models/micro_speech_quantized.tflite" three.bin o.bin t.txt
  check_exit 2 "not a model" bad.tflite in.bin o.bin t.txt
  check_exit 66 "missing inputs" "$hw" absent.bin o.bin t.txt
  check_exit 73 "unwritable output" "$hw" in.bin no-such-dir/o.bin t.txt
fi

# The energy marker: the profiler raises the GPIO pin around every layer. QEMU models no
# GPIO but logs the writes (-d unimp): one rising and one falling edge per layer and sample.
if [ $# -eq 0 ] && [ -f "$shared/models/hello_world_int8.tflite" ]; then
  mkdir -p "$work/marker"
  set +e
  (cd "$work/marker" && TG_QEMU_UNIMP_LOG=unimp.txt bash "$here/qemu-run.sh" "$board" "$elf" \
    "$shared/models/hello_world_int8.tflite" "$shared/golden/hello_world_int8/inputs.bin" o.bin t.txt -n 2 >run.log 2>&1)
  rc=$?
  set -e
  layers=$(awk '$1 == "layers" { print $2 }' "$work/marker/t.txt" 2>/dev/null || echo 0)
  rises=$(grep -c 'gpio.*offset 0x404, value 0x00000001' "$work/marker/unimp.txt" 2>/dev/null || true)
  falls=$(grep -c 'gpio.*offset 0x404, value 0x00000000' "$work/marker/unimp.txt" 2>/dev/null || true)
  # falls: one per layer and sample, plus the board's initial low
  if [ $rc -eq 0 ] && [ "${layers:-0}" -gt 0 ] && [ "$rises" -eq $((2 * layers)) ] && [ "$falls" -eq $((2 * layers + 1)) ]; then
    report "gpio marker" "ok: $rises rising edges for 2 samples x $layers layers"
  else
    report "gpio marker" "FAIL: exit $rc, $rises rising / $falls falling edges for 2 samples x ${layers:-?} layers"
    failures=$((failures + 1))
  fi
fi

# Determinism: two runs of the same model and samples give identical tick reports (the
# int8 ResNet when it was run: many layers, long ones).
det=${models[0]}
for m in "${models[@]}"; do [ "$m" = ic_resnet8_int8 ] && det=$m; done
if [ -f "$work/$det/ticks.txt" ]; then
  for r in 1 2; do
    mkdir -p "$work/repeat$r"
    (cd "$work/repeat$r" && bash "$here/qemu-run.sh" "$board" "$elf" "$shared/models/$det.tflite" \
      "$shared/golden/$det/inputs.bin" outputs.bin ticks.txt -n 2 >run.log 2>&1) || true
  done
  n=$(grep -c '^tick ' "$work/repeat1/ticks.txt" || true)
  if [ "$n" -gt 0 ] && cmp -s "$work/repeat1/ticks.txt" "$work/repeat2/ticks.txt"; then
    report "determinism" "ok: $det, 2 samples, $n per-layer ticks identical in two runs"
  else
    report "determinism" "FAIL: $det: tick reports differ between two runs ($work/repeat1/ticks.txt, $work/repeat2/ticks.txt)"
    failures=$((failures + 1))
  fi
fi

if [ $failures -ne 0 ]; then
  echo "qemu-golden $board $variant: $failures failure(s)" >&2
  exit 1
fi
echo "qemu-golden $board $variant: all passed"
