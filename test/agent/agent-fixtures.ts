// Shared set-up of the agent tests: the host virtual board (built when missing), the
// QEMU images, the LeNet example and the shared models, inventories, and a running API.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BoardsFile, EmulatedBoard } from '../../src/schema/boards-types.ts';
import type { ResultDocument } from '../../src/schema/result-types.ts';
import { VIRTUAL_BOARD } from '../../runner-agent/boards/virtual.ts';

export const REPO = resolve(import.meta.dirname, '..', '..');
export const SHARED = resolve(REPO, '..', 'shared');
export const SHARED_ABSENT = !existsSync(join(SHARED, 'models'));
export const LENET = join(REPO, 'examples', 'lenet-mnist', 'lenet_int8.tflite');
export const LENET_DATASET = join(REPO, 'examples', 'lenet-mnist', 'data', 'dataset.json');
export const TOKEN = 'test-token-0123456789abcdef';

/** Every int8 model of shared/models (none when the folder is absent). */
export function sharedInt8Models(): string[] {
  if (SHARED_ABSENT) return [];
  return readdirSync(join(SHARED, 'models'))
    .filter((f) => f.endsWith('.tflite') && !/float/.test(f))
    .sort()
    .map((f) => join(SHARED, 'models', f));
}

let virtualTried: string | null | undefined;

/** The virtual board's path, building it once; null when it cannot be built. */
export function virtualBoard(): string | null {
  if (virtualTried !== undefined) return virtualTried;
  if (!existsSync(VIRTUAL_BOARD)) {
    try {
      execFileSync('make', ['-s', '-C', join(REPO, 'firmware'), 'virtual-board'], {
        stdio: 'pipe',
        timeout: 600_000,
      });
    } catch {
      // reported through the skip message
    }
  }
  virtualTried = existsSync(VIRTUAL_BOARD) ? VIRTUAL_BOARD : null;
  return virtualTried;
}

export const NO_VIRTUAL = 'virtual board not built (make -C firmware virtual-board failed)';

export function hasQemu(): boolean {
  try {
    execFileSync('qemu-system-arm', ['--version'], { stdio: 'pipe' });
    execFileSync('arm-none-eabi-gcc', ['--version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

export function emulated(
  id: string,
  machine: EmulatedBoard['machine'],
  labels: string[] = [],
): EmulatedBoard {
  const core = (
    {
      'mps2-an385': 'cortex-m3',
      'mps2-an386': 'cortex-m4',
      'mps2-an500': 'cortex-m7',
      'mps3-an547': 'cortex-m55',
    } as const
  )[machine];
  return {
    id,
    kind: 'emulated',
    machine,
    core,
    clockHz: machine === 'mps3-an547' ? 32_000_000 : 25_000_000,
    labels,
  };
}

export function inventory(...boards: EmulatedBoard[]): BoardsFile {
  return { schemaVersion: 1, boards };
}

/** What must not depend on how a run went (faults, retries, a reset): per-layer ticks,
 * kernel paths, totals and footprint. */
export function measuredFigures(d: ResultDocument) {
  return {
    layers: d.layers.map((l) => ({ index: l.index, path: l.kernelPath, ticks: l.ticks })),
    totals: d.totals,
    footprint: d.footprint,
  };
}
