#!/usr/bin/env bash
# Rebuilds dist/ (the action's bundle, committed: action.yml runs dist/index.js) from
# src/action/index.ts with esbuild. What goes into dist/ and why: scripts/bundle.ts and
# docs/action.md. test/action/bundle.test.ts fails when dist/ is stale: run this, then
# commit dist/ (`git add -f dist` once: dist/node_modules/ matches the .gitignore).
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsx scripts/bundle.ts dist
