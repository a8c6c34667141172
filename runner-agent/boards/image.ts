// The firmware image of a board: firmware/build/<board>-<float>-<kernels>/tg_agent.elf
// with its build hash beside it (tg_agent.hash, docs/protocol.md section 7), built with
// make when it is missing. The hash lets the agent tell whether a running board carries
// the image it would flash without asking the board to load anything.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { QemuMachine } from '../../src/schema/result-types.ts';
import { AgentError } from '../jobs/errors.ts';

const run = promisify(execFile);
let makeQueue: Promise<void> = Promise.resolve();

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export interface ImageOptions {
  /** Kernel set built into the image. Default 'ref'. */
  kernels?: 'ref' | 'opt';
  /** Float ABI. Default 'hard' where the core has an FPU, else 'soft'. */
  float?: 'hard' | 'soft';
  /** The firmware folder (with its Makefile). Default <repo>/firmware. */
  firmwareDir?: string;
  /** Build the image with make when it is missing (default true). */
  build?: boolean;
}

export interface FirmwareImage {
  elf: string;
  /** 64 lowercase hex digits; null when the build wrote no hash file. */
  hash: string | null;
  variant: string;
}

const HAS_FPU: Record<QemuMachine, boolean> = {
  'mps2-an385': false,
  'mps2-an386': true,
  'mps2-an500': true,
  'mps3-an547': true,
};

export function imageVariant(board: string, opts: ImageOptions = {}): string {
  const fpu = HAS_FPU[board as QemuMachine] ?? true;
  const float = opts.float ?? (fpu ? 'hard' : 'soft');
  return `${board}-${float}-${opts.kernels ?? 'ref'}`;
}

function readHash(file: string): string | null {
  if (!existsSync(file)) return null;
  const text = readFileSync(file, 'utf8').trim().toLowerCase();
  return /^[0-9a-f]{64}$/.test(text) ? text : null;
}

/**
 * The agent image for a board, built when missing (or always when `rebuild`: make only
 * relinks what changed, and a changed source changes the hash the agent compares).
 */
export async function locateImage(
  board: string,
  opts: ImageOptions & { rebuild?: boolean } = {},
): Promise<FirmwareImage> {
  const firmwareDir = opts.firmwareDir ?? join(REPO_ROOT, 'firmware');
  const variant = imageVariant(board, opts);
  const [b, float, kernels] =
    variant.split('-').length === 4 ? variantParts(variant) : ['', '', ''];
  const dir = join(firmwareDir, 'build', variant);
  const elf = join(dir, 'tg_agent.elf');
  if ((opts.rebuild || !existsSync(elf)) && opts.build !== false) {
    // One make at a time from this process: two boards of one variant must not link the
    // same ELF at once.
    const previous = makeQueue;
    let done!: () => void;
    makeQueue = new Promise<void>((r) => (done = r));
    await previous;
    try {
      await run(
        'make',
        ['-s', '-C', firmwareDir, 'agent', `BOARD=${b}`, `FLOAT=${float}`, `KERNELS=${kernels}`],
        { timeout: 600_000, maxBuffer: 16 << 20 },
      );
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      throw new AgentError(
        'firmware-missing',
        `${elf}: cannot build the agent image (make agent BOARD=${b} FLOAT=${float} KERNELS=${kernels}): ${(err.stderr ?? err.message).trim().split('\n').slice(-5).join(' | ')}`,
      );
    } finally {
      done();
    }
  }
  if (!existsSync(elf)) {
    throw new AgentError(
      'firmware-missing',
      `${elf}: no agent image for ${board} (build it with make -C firmware agent BOARD=...)`,
    );
  }
  return { elf, hash: readHash(join(dir, 'tg_agent.hash')), variant };
}

/** 'mps2-an386-hard-ref' -> ['mps2-an386', 'hard', 'ref']. */
function variantParts(variant: string): [string, string, string] {
  const parts = variant.split('-');
  return [`${parts[0]}-${parts[1]}`, parts[2], parts[3]];
}

/** text (code + rodata) and data + bss of an ELF, from binutils' size (Berkeley format). */
export async function elfFootprint(
  elf: string,
  sizeTool = 'arm-none-eabi-size',
): Promise<{ engineBytes: number; staticRamBytes: number } | null> {
  try {
    const { stdout } = await run(sizeTool, [elf], { timeout: 10_000 });
    const row = stdout.trim().split('\n')[1]?.trim().split(/\s+/).map(Number);
    if (!row || row.length < 3 || row.slice(0, 3).some((n) => !Number.isInteger(n))) return null;
    return { engineBytes: row[0], staticRamBytes: row[1] + row[2] };
  } catch {
    return null;
  }
}
