#!/usr/bin/env bash
# bench/fuzz: coverage-guided fuzzing (clang libFuzzer, ASan + UBSan) of the firmware
# engine's read + prepare + invoke, started from a corpus of the shared models.
# Prints the executions and writes bench/results/fuzz.json. Exit status 1 when the
# fuzzer reports a crash, a hang (an input running over 10 s) or a sanitizer finding.
#
#   bash bench/fuzz.sh [SECONDS=600] [KERNELS=ref|opt]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
kernels=${2:-ref}
case "$kernels" in ref | opt) ;; *) echo "bench/fuzz: KERNELS must be ref or opt, got '$kernels'" >&2; exit 2 ;; esac
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "bench/fuzz: SECONDS must be a whole number, got '$seconds'" >&2; exit 2; }
command -v clang >/dev/null || { echo "bench/fuzz: clang not found (bash scripts/setup.sh installs it)" >&2; exit 1; }

shared=$(cd .. && pwd)/shared
out=firmware/build/fuzz-$kernels
# Build (the make rule also runs the fuzzer; one second is enough to build it).
make -s -C firmware fuzz KERNELS="$kernels" FUZZ_SECONDS=1 SHARED="$shared" >/dev/null 2>&1 || {
  echo "bench/fuzz: build failed: make -C firmware fuzz KERNELS=$kernels" >&2
  exit 1
}
seeds=$(ls "$out/corpus" | wc -l)
echo "bench/fuzz: $kernels kernels, $seconds s, corpus of $seeds inputs (shared models: $([ -d "$shared/models" ] && echo yes || echo absent))" >&2

log=$(mktemp)
rm -f "$out"/crash-* "$out"/timeout-* "$out"/leak-* "$out"/oom-*
status=0
"$out/tg_fuzz" -max_total_time="$seconds" -timeout=10 -max_len=400000 -rss_limit_mb=1024 \
  -print_final_stats=1 -artifact_prefix="$out/" "$out/corpus" >"$log" 2>&1 || status=$?

runs=$(grep -oE 'Done [0-9]+ runs' "$log" | grep -oE '[0-9]+' | tail -1 || true)
[ -n "$runs" ] || runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1 || echo 0)
cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
corpus=$(ls "$out/corpus" | wc -l)
artifacts=$(ls "$out" | grep -E '^(crash|timeout|leak|oom)-' || true)
findings=$(grep -cE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' "$log" || true)

verdict=clean
if [ "$status" -ne 0 ] || [ -n "$artifacts" ] || [ "$findings" -ne 0 ]; then verdict=findings; fi
printf 'bench/fuzz: %s: %s executions in %s s (%s/s), coverage %s, corpus %s -> %s, verdict %s\n' \
  "$kernels" "$runs" "$seconds" "$((runs / (seconds > 0 ? seconds : 1)))" "$cov" "$seeds" "$corpus" "$verdict"
if [ "$verdict" != clean ]; then
  echo "bench/fuzz: artifacts: ${artifacts:-none}; log: $log" >&2
  grep -E 'ERROR|runtime error' "$log" | head -5 >&2 || true
fi

mkdir -p bench/results
node -e '
const [file, kernels, seconds, runs, cov, seeds, corpus, verdict] = process.argv.slice(1);
const fs = require("node:fs");
const doc = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {};
doc[kernels] = { date: new Date().toISOString(), seconds: +seconds, executions: +runs,
  executionsPerSecond: Math.round(+runs / Math.max(1, +seconds)), coverage: +cov,
  corpusStart: +seeds, corpusEnd: +corpus, verdict, machine: `${require("node:os").cpus().length} cores` };
fs.writeFileSync(file, JSON.stringify(doc, null, 2) + "\n");
' bench/results/fuzz.json "$kernels" "$seconds" "$runs" "$cov" "$seeds" "$corpus" "$verdict"
[ "$verdict" = clean ]
