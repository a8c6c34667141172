#!/usr/bin/env bash
# Runs the board self-test under QEMU and checks both channels.
#   qemu-selftest.sh BOARD SELFTEST_ELF
# 1. `selftest icount`: exit 0, "selftest passed" on the UART (captured to a file) and on
#    the semihosting console (stderr), the timer rate matching -icount shift=0, and the
#    GPIO marker's writes in QEMU's unimplemented-device log.
# 2. `selftest fault`: a division by zero must end in the UsageFault report, exit 70.
# 3. `selftest uart-rx`: "ping" piped into UART0 must be read back by the firmware.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 2 ] || { echo "usage: qemu-selftest.sh BOARD SELFTEST_ELF" >&2; exit 64; }
board=$1
elf=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TG_QEMU_TIMEOUT=${TG_QEMU_TIMEOUT:-30}

fail() {
  printf ping >"$work/ping.txt"
set +e
TG_QEMU_STDIN="$work/ping.txt" bash "$here/qemu-exec.sh" "$board" "$elf" uart-rx >"$work/uart.txt" 2>"$work/console.txt"
rc=$?
set -e
[ $rc -eq 0 ] || fail "uart-rx run: exit status $rc (expected 0)"
grep -q '^ok   uart receive: ping' "$work/uart.txt" || fail "uart-rx run: 'ping' did not come back through UART0's receiver"

echo "selftest $board ($elf): $*" >&2
  for f in uart.txt console.txt; do
    [ -s "$work/$f" ] && { echo "--- $f" >&2; cat "$work/$f" >&2; }
  done
  exit 1
}

start=$(date +%s%N)
set +e
TG_QEMU_SERIAL="$work/uart.txt" TG_QEMU_UNIMP_LOG="$work/unimp.txt" \
  bash "$here/qemu-exec.sh" "$board" "$elf" icount >"$work/stdout.txt" 2>"$work/console.txt"
rc=$?
set -e
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
[ $rc -eq 0 ] || fail "exit status $rc (expected 0)"
grep -q '^selftest passed' "$work/uart.txt" || fail "no 'selftest passed' on the UART"
grep -q '^selftest passed' "$work/console.txt" || fail "no 'selftest passed' on the semihosting console"
loop=$(grep -m1 '^loop of' "$work/uart.txt" || true)
# The GPIO marker: output enabled, then high and low through the masked alias (QEMU logs
# the writes to its unimplemented GPIO device).
marker=$(grep -E 'gpio.*offset 0x(010|404)' "$work/unimp.txt" | sed -E 's/.*offset (0x[0-9a-f]+), value (0x[0-9a-f]+).*/\1=\2/' | tr '\n' ' ')
case "$marker" in
  *"0x010=0x00000001 0x404=0x00000001 0x404=0x00000000"*) ;;
  *) fail "GPIO marker writes not seen (got: $marker)" ;;
esac

set +e
TG_QEMU_SERIAL="$work/uart.txt" bash "$here/qemu-exec.sh" "$board" "$elf" fault >"$work/stdout.txt" 2>"$work/console.txt"
rc=$?
set -e
[ $rc -eq 70 ] || fail "fault run: exit status $rc (expected 70, the fault exit)"
grep -q '^FAULT UsageFault' "$work/uart.txt" || fail "fault run: no 'FAULT UsageFault' report on the UART"

printf ping >"$work/ping.txt"
set +e
TG_QEMU_STDIN="$work/ping.txt" bash "$here/qemu-exec.sh" "$board" "$elf" uart-rx >"$work/uart.txt" 2>"$work/console.txt"
rc=$?
set -e
[ $rc -eq 0 ] || fail "uart-rx run: exit status $rc (expected 0)"
grep -q '^ok   uart receive: ping' "$work/uart.txt" || fail "uart-rx run: 'ping' did not come back through UART0's receiver"

echo "selftest $board $(basename "$(dirname "$elf")"): passed in ${elapsed_ms} ms; $loop"
