#!/usr/bin/env bash
# The test command of the README: set-up, typecheck, lint, the TypeScript tests, and
# the firmware tests (host build under sanitizers, then the emulated boards).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

echo "== typecheck" >&2
npx tsc --noEmit -p .
echo "== lint" >&2
npx eslint .
npx prettier --check . >/dev/null || { npx prettier --check .; exit 1; }

if [ -f firmware/Makefile ]; then
  echo "== firmware tests" >&2
  make -s -C firmware test
fi

echo "== tests" >&2
shopt -s globstar nullglob
node --import tsx --test --test-reporter=spec test/**/*.test.ts
