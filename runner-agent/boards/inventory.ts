// The inventory an agent uses when it is given none: the four QEMU machines, so that
// `tinyml-gate run` and `tinyml-agent bench` work on a machine with no boards attached.
// Clocks are the boards' nominal ones (MPS2 FPGA images: 25 MHz; MPS3 AN547: 32 MHz),
// used only to model microseconds from instruction counts.
import type { BoardsFile } from '../../src/schema/boards-types.ts';
import { loadBoardsFile } from '../../src/schema/load.ts';

export const DEFAULT_INVENTORY: BoardsFile = {
  schemaVersion: 1,
  boards: [
    {
      id: 'qemu-m3',
      kind: 'emulated',
      machine: 'mps2-an385',
      core: 'cortex-m3',
      clockHz: 25_000_000,
      labels: ['emulated', 'cortex-m3', 'mps2-an385'],
    },
    {
      id: 'qemu-m4',
      kind: 'emulated',
      machine: 'mps2-an386',
      core: 'cortex-m4',
      clockHz: 25_000_000,
      labels: ['emulated', 'cortex-m4', 'mps2-an386'],
    },
    {
      id: 'qemu-m7',
      kind: 'emulated',
      machine: 'mps2-an500',
      core: 'cortex-m7',
      clockHz: 25_000_000,
      labels: ['emulated', 'cortex-m7', 'mps2-an500'],
    },
    {
      id: 'qemu-m55',
      kind: 'emulated',
      machine: 'mps3-an547',
      core: 'cortex-m55',
      clockHz: 32_000_000,
      labels: ['emulated', 'cortex-m55', 'mps3-an547'],
    },
  ],
};

/** The inventory file (validated, defaults filled in) or the default one. */
export function loadInventory(path: string | undefined): BoardsFile {
  return path === undefined ? DEFAULT_INVENTORY : loadBoardsFile(path);
}
