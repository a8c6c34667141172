#!/usr/bin/env bash
# The README's main job: set-up (Debian packages and npm packages, once), then the gate on
# a pull request that changes the LeNet-5 example model, measured on two emulated boards
# with no daemon and no GitHub (examples/demo/demo.sh says how). Prints the report the
# pull request would get; exits 0 when the gate ran, whatever its verdict.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash examples/demo/demo.sh
