#!/usr/bin/env bash
# Rebuilds dist/ (the action's bundle, committed: action.yml runs dist/index.js) from
# src/action/index.ts with esbuild. What goes into dist/ and why: scripts/bundle.ts and
# docs/action.md. test/action/bundle.test.ts fails when dist/ is stale: run this, then
# commit dist/ (`git add -f dist`: dist/node_modules/ matches the .gitignore).
#
#   bash scripts/bundle.sh             from the work tree as it is
#   bash scripts/bundle.sh --from-head from the committed sources (HEAD) only, ignoring
#                                      uncommitted edits in the tree (what CI will check)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--from-head" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  git archive HEAD | tar -x -C "$tmp"
  ln -s "$PWD/node_modules" "$tmp/node_modules"
  (cd "$tmp" && npx tsx scripts/bundle.ts "$tmp/dist")
  rm -rf dist
  cp -r "$tmp/dist" dist
  echo "bundle: dist/ rebuilt from HEAD $(git rev-parse --short HEAD)" >&2
else
  npx tsx scripts/bundle.ts dist
fi
