#!/usr/bin/env bash
# The test command of the README: set-up, typecheck, lint, the firmware tests (host
# builds under sanitizers, both kernel sets, then the emulated boards) and the
# TypeScript tests. Every stage runs even when an earlier one failed, so one run shows
# every failure; the exit status is non-zero when any stage failed.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1

failed=()
stage() {
  local name=$1
  shift
  echo "== $name" >&2
  "$@" || failed+=("$name")
}

stage typecheck npx tsc --noEmit -p .
stage eslint npx eslint .
stage prettier npx prettier --check --log-level warn .
if [ -f firmware/Makefile ]; then
  stage firmware make -s -C firmware test
fi
shopt -s globstar nullglob
stage tests node --import tsx --test --test-reporter=spec test/**/*.test.ts

if ((${#failed[@]})); then
  echo "scripts/test.sh: failed stages: ${failed[*]}" >&2
  exit 1
fi
echo "scripts/test.sh: all stages passed" >&2
