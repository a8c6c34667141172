#!/usr/bin/env bash
# Starts a device that puts its serial line on a pseudo-terminal (QEMU -serial pty, or
# tg_virtual_board --pty), finds the pty's path in its output, and runs the protocol client
# on it; then stops the device (only the process this script started).
#   serial_smoke.sh CLIENT [CLIENT_ARGS...] -- DEVICE_CMD [ARGS...]
# Exit status: the client's (124 when no pty path appeared within 10 s).
set -euo pipefail
client=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do client+=("$1"); shift; done
[ $# -gt 1 ] || { echo "usage: serial_smoke.sh CLIENT [ARGS] -- DEVICE_CMD [ARGS]" >&2; exit 64; }
shift
log=$(mktemp)
"$@" >"$log" 2>&1 </dev/null &
dev=$!
cleanup() { kill "$dev" 2>/dev/null || true; wait "$dev" 2>/dev/null || true; rm -f "$log"; }
trap cleanup EXIT
pty=
for _ in $(seq 100); do
  # QEMU: "char device redirected to /dev/pts/3 (label serial0)"; the virtual board:
  # "tg_virtual_board: serial on /dev/pts/3".
  pty=$(grep -o '/dev/pts/[0-9]*' "$log" | head -n 1 || true)
  [ -n "$pty" ] && break
  kill -0 "$dev" 2>/dev/null || { cat "$log" >&2; echo "serial_smoke: device exited" >&2; exit 1; }
  sleep 0.1
done
[ -n "$pty" ] || { cat "$log" >&2; echo "serial_smoke: no pty path from: $*" >&2; exit 124; }
echo "serial_smoke: $(basename "$1") on $pty" >&2
"${client[@]}" --tty "$pty"
