#!/usr/bin/env bash
# Runs a semihosting ELF on an emulated board and exits with the program's status.
#   qemu-exec.sh BOARD ELF [ARG...]
# BOARD is a QEMU machine (mps2-an385, mps2-an386, mps2-an500, mps3-an547); the ARGs reach
# the program through SYS_GET_CMDLINE (argv[0] is the ELF's base name). Paths the program
# opens are relative to the current directory (semihosting target=native).
# Virtual time follows the instruction count (-icount shift=0: 1 instruction = 1 ns,
# align=off, sleep=off), so every tick the firmware measures is deterministic.
# Environment:
#   TG_QEMU_TIMEOUT  seconds of wall time before the run is killed (default 300); exit 124
#   TG_QEMU_SERIAL   file that receives UART0, or "pty" (QEMU prints the /dev/pts path on
#                    stderr; serialport opens it like a real board). Default: stdout.
#   TG_QEMU_STDIN    file fed to UART0's receiver when UART0 is stdio (default: none)
#   TG_QEMU_UNIMP_LOG  file that receives QEMU's log of accesses to unimplemented devices
#                    (-d unimp): the GPIO marker's writes show there, QEMU models no GPIO
#   QEMU             the emulator (default qemu-system-arm)
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: qemu-exec.sh BOARD ELF [ARG...]" >&2
  exit 64
fi
board=$1
elf=$2
shift 2
qemu=${QEMU:-qemu-system-arm}
timeout_s=${TG_QEMU_TIMEOUT:-300}

case "$board" in
  mps2-an385 | mps2-an386 | mps2-an500 | mps3-an547) ;;
  *)
    echo "qemu-exec: unknown board '$board' (mps2-an385, mps2-an386, mps2-an500, mps3-an547)" >&2
    exit 64
    ;;
esac
[ -f "$elf" ] || { echo "qemu-exec: no such ELF: $elf" >&2; exit 66; }
command -v "$qemu" >/dev/null || { echo "qemu-exec: $qemu not found (Debian package qemu-system-arm)" >&2; exit 69; }

# The firmware splits its command line at spaces; QEMU's option parser needs commas doubled.
semi="enable=on,target=native,arg=$(basename "$elf")"
for a in "$@"; do
  case "$a" in
    *" "*)
      echo "qemu-exec: argument with a space cannot pass through semihosting: '$a'" >&2
      exit 64
      ;;
  esac
  semi+=",arg=${a//,/,,}"
done

serial=(-serial stdio)
case "${TG_QEMU_SERIAL:-}" in
  "") ;;
  pty) serial=(-serial pty) ;;
  *) serial=(-serial "file:${TG_QEMU_SERIAL//,/,,}") ;;
esac
stdin=${TG_QEMU_STDIN:-/dev/null}
trace=()
if [ -n "${TG_QEMU_UNIMP_LOG:-}" ]; then
  trace=(-d unimp -D "${TG_QEMU_UNIMP_LOG//,/,,}")
fi

set +e
timeout --kill-after=5 "$timeout_s" "$qemu" -M "$board" -display none -monitor none "${serial[@]}" \
  "${trace[@]}" -icount shift=0,align=off,sleep=off -semihosting-config "$semi" -kernel "$elf" <"$stdin"
rc=$?
set -e
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
  echo "qemu-exec: $board $elf did not finish within ${timeout_s}s (TG_QEMU_TIMEOUT)" >&2
  exit 124
fi
exit $rc
