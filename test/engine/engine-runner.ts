// The host build of the C engine (firmware/host/tg_run) as a function: builds it with make
// (once per process and kernel set), runs a model on samples, and decodes the graph outputs
// and the per-operator outputs (`--layers`) with the types the model declares. Also the
// element-wise tally that the agreement test and bench/agreement.ts share.
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TensorData } from '../../src/host/tflite-runtime.ts';
import { readModel } from '../../src/model/reader.ts';
import type { TensorType } from '../../src/model/types.ts';
import { Rng } from '../host/reference/fixtures.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Shared models and golden data sit beside the checkout. */
export const SHARED = path.resolve(REPO_ROOT, '..', 'shared');
const FIRMWARE = path.join(REPO_ROOT, 'firmware');

export type KernelSet = 'ref' | 'opt';
export const KERNEL_SETS: readonly KernelSet[] = ['ref', 'opt'];

export type EngineErrorCode = 'build-failed' | 'run-failed' | 'bad-output';

export class EngineRunError extends Error {
  readonly code: EngineErrorCode;

  constructor(code: EngineErrorCode, message: string) {
    super(message);
    this.name = 'EngineRunError';
    this.code = code;
  }
}

/** The make target of tg_run for a kernel set (without sanitizers: these runs are many). */
export const makeTarget = (k: KernelSet): string => `build/host-gcc-${k}-nosan/tg_run`;
export const makeCommand = (k: KernelSet): string =>
  `make -C firmware SAN= KERNELS=${k} ${makeTarget(k)}`;

/** Why tg_run cannot be built on this machine, or false when make and gcc are there. */
export function toolchainMissing(): string | false {
  for (const tool of ['make', 'gcc']) {
    if (spawnSync(tool, ['--version'], { stdio: 'ignore' }).status !== 0) {
      return `${tool} not found: cannot build the engine (${KERNEL_SETS.map(makeCommand).join('; ')})`;
    }
  }
  return false;
}

const builds = new Map<KernelSet, Promise<string>>();
// One make at a time: the kernel sets share firmware/build/tg_ops_list.h and its .tmp.
let lastBuild: Promise<unknown> = Promise.resolve();

async function make(k: KernelSet): Promise<void> {
  const run = () =>
    promisify(execFile)('make', ['-s', 'SAN=', `KERNELS=${k}`, makeTarget(k)], {
      cwd: FIRMWARE,
      maxBuffer: 16 << 20,
    });
  try {
    await run();
  } catch {
    // A make of another process in the same tree can race on that .tmp file: once more,
    // after it; a real build error fails again and is reported.
    await new Promise((r) => setTimeout(r, 2000));
    await run();
  }
}

/** Builds tg_run for the kernel set once per process; resolves to the binary's path. */
export function buildEngine(k: KernelSet): Promise<string> {
  let b = builds.get(k);
  if (b === undefined) {
    b = lastBuild
      .catch(() => undefined)
      .then(() => make(k))
      .then(
        () => path.join(FIRMWARE, makeTarget(k)),
        (e: unknown) => {
          const detail = e instanceof Error ? e.message : String(e);
          throw new EngineRunError('build-failed', `${makeCommand(k)} failed: ${detail}`);
        },
      );
    lastBuild = b;
    builds.set(k, b);
  }
  return b;
}

export type Decoded = Int8Array | Uint8Array | Int16Array | Int32Array | Float32Array;
type DecodedCtor =
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Int16ArrayConstructor
  | Int32ArrayConstructor
  | Float32ArrayConstructor;
const DECODERS: Partial<Record<TensorType, DecodedCtor>> = {
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  int32: Int32Array,
  float32: Float32Array,
};

function ctorOf(type: TensorType, what: string): DecodedCtor {
  const c = DECODERS[type];
  if (c === undefined) throw new EngineRunError('bad-output', `${what}: type ${type} not decoded`);
  return c;
}

function decode(bytes: Uint8Array, type: TensorType, what: string): Decoded {
  const c = ctorOf(type, what);
  if (bytes.byteLength % c.BYTES_PER_ELEMENT !== 0) {
    throw new EngineRunError(
      'bad-output',
      `${what}: ${bytes.byteLength} bytes is not whole ${type}s`,
    );
  }
  // A copy: Buffer.slice shares a pooled, possibly unaligned buffer.
  return new c(new Uint8Array(bytes).buffer);
}

export interface LayerInfo {
  op: string;
  /** Kernel path as tg_run reports it: ref, opt or opt-fallback. */
  path: string;
}

export interface EngineRun {
  /** Per sample, per graph output. */
  outputs: Decoded[][];
  /** Per dumped sample (tg_run dumps samples 0-3), per operator: its output 0. */
  layers: Decoded[][];
  info: LayerInfo[];
}

export interface RunOptions {
  /** Names the model in errors. */
  name?: string;
  /** Dump and decode every operator's output 0 (samples 0-3). Default false. */
  layers?: boolean;
}

const LAYER_DUMP_SAMPLES = 4;

/** Runs `samples` (each: the graph inputs, in order) through tg_run built with kernel set k. */
export async function runEngine(
  k: KernelSet,
  model: Uint8Array,
  samples: TensorData[][],
  opts: RunOptions = {},
): Promise<EngineRun> {
  const name = opts.name ?? `model (${model.length} bytes)`;
  const bin = await buildEngine(k);
  const sg = readModel(model, name).subgraphs[0];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tg-engine-'));
  try {
    const files = { model: 'model.tflite', in: 'in.bin', out: 'out.bin', layers: 'layers' };
    writeFileSync(path.join(dir, files.model), model);
    const raw = samples.flatMap((s) =>
      s.map((t) => Buffer.from(t.buffer, t.byteOffset, t.byteLength)),
    );
    writeFileSync(path.join(dir, files.in), Buffer.concat(raw));
    const args = [files.model, files.in, files.out, '--samples', String(samples.length)];
    if (opts.layers === true) {
      args.push('--layers', files.layers);
      mkdirSync(path.join(dir, files.layers)); // tg_run does not create it
    }
    let stdout: string;
    try {
      ({ stdout } = await promisify(execFile)(bin, args, { cwd: dir, maxBuffer: 16 << 20 }));
    } catch (e) {
      const stderr = (e as { stderr?: unknown }).stderr;
      const why = typeof stderr === 'string' && stderr !== '' ? stderr.trim() : String(e);
      throw new EngineRunError('run-failed', `${name}: tg_run (${k}): ${why}`);
    }
    const out = readFileSync(path.join(dir, files.out));
    const outTensors = sg.outputs.map((i) => sg.tensors[i]);
    const perSample = outTensors.map(
      (t) =>
        t.shape.reduce((a, b) => a * b, 1) * ctorOf(t.type, `${name} output`).BYTES_PER_ELEMENT,
    );
    const sampleBytes = perSample.reduce((a, b) => a + b, 0);
    if (out.length !== sampleBytes * samples.length) {
      throw new EngineRunError(
        'bad-output',
        `${name}: tg_run (${k}) wrote ${out.length} output bytes, expected ${sampleBytes * samples.length}`,
      );
    }
    const outputs = samples.map((_, s) => {
      let at = s * sampleBytes;
      return outTensors.map((t, j) => {
        const d = decode(out.subarray(at, at + perSample[j]), t.type, `${name} output ${j}`);
        at += perSample[j];
        return d;
      });
    });
    const layers: Decoded[][] = [];
    if (opts.layers === true) {
      for (let s = 0; s < Math.min(LAYER_DUMP_SAMPLES, samples.length); s++) {
        layers.push(
          sg.operators.map((op, i) => {
            const file = path.join(dir, files.layers, `s${s}_op${i}.bin`);
            const t = sg.tensors[op.outputs[0]];
            return decode(readFileSync(file), t.type, `${name} sample ${s} layer ${i}`);
          }),
        );
      }
    }
    return { outputs, layers, info: parseLayerTable(stdout) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** tg_run's per-layer rows: `<layer> <op> <path> <mean_ns> <min_ns>`. */
function parseLayerTable(stdout: string): LayerInfo[] {
  const info: LayerInfo[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^\s*(\d+)\s+(\S+)\s+(ref|opt|opt-fallback|\?)\s+\d+\s+\d+\s*$/.exec(line);
    if (m !== null) info[Number(m[1])] = { op: m[2], path: m[3] };
  }
  return info;
}

/**
 * n more samples for the graph inputs of sample 0: each input's elements in a seeded random
 * order, so that every sample keeps the value range (and quantization) of the original.
 */
export function shuffledSamples(inputs: TensorData[], n: number, seed: number): TensorData[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () =>
    inputs.map((x) => {
      const y = x.slice();
      for (let i = y.length - 1; i > 0; i--) {
        const j = Math.floor(rng.next() * (i + 1));
        [y[i], y[j]] = [y[j], y[i]];
      }
      return y;
    }),
  );
}

// ---- agreement tally ---------------------------------------------------------------------

/** The float32 criterion of issue 4: within 1e-5 relative or 1e-6 absolute. */
export const floatTolerance = (want: number): number => Math.max(1e-6, 1e-5 * Math.abs(want));

/** Element-wise agreement of one output against another, accumulated over runs. */
export interface Tally {
  elements: number;
  /** Bit-equal values. */
  equal: number;
  /** Values that agree: equal for integers, within floatTolerance for float32. */
  agree: number;
  maxAbsDiff: number;
}

export const emptyTally = (): Tally => ({ elements: 0, equal: 0, agree: 0, maxAbsDiff: 0 });

/** Adds the comparison of got with want (same length) to t; NaNs never agree. */
export function addToTally(t: Tally, got: Decoded, want: ArrayLike<number>): void {
  if (got.length !== want.length) {
    throw new EngineRunError('bad-output', `${got.length} elements against ${want.length}`);
  }
  const float = got instanceof Float32Array;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    t.elements++;
    if (d === 0) t.equal++;
    if (d <= (float ? floatTolerance(want[i]) : 0)) t.agree++;
    t.maxAbsDiff = Math.max(t.maxAbsDiff, Number.isNaN(d) ? Infinity : d);
  }
}

export function mergeTallies(a: Tally, b: Tally): Tally {
  return {
    elements: a.elements + b.elements,
    equal: a.equal + b.equal,
    agree: a.agree + b.agree,
    maxAbsDiff: Math.max(a.maxAbsDiff, b.maxAbsDiff),
  };
}

/** The share of values that agree. */
export const rate = (t: Tally): number => (t.elements === 0 ? 0 : t.agree / t.elements);

// ---- golden data of the shared models ----------------------------------------------------

export interface Golden {
  model: Uint8Array;
  samples: TensorData[][];
  outputs: Decoded[];
}

/** A shared model with its golden inputs and outputs (shared/golden/README.md), per sample. */
export function loadGolden(name: string): Golden {
  const model = new Uint8Array(readFileSync(path.join(SHARED, 'models', `${name}.tflite`)));
  const meta = JSON.parse(readFileSync(path.join(SHARED, 'golden', name, 'meta.json'), 'utf8')) as {
    samples: number;
  };
  const read = (file: string, float: boolean): Decoded => {
    const bytes = new Uint8Array(readFileSync(path.join(SHARED, 'golden', name, file)));
    return float ? new Float32Array(bytes.buffer) : new Int8Array(bytes.buffer);
  };
  const sg = readModel(model, name).subgraphs[0];
  const [inT, outT] = [sg.tensors[sg.inputs[0]], sg.tensors[sg.outputs[0]]];
  const inputs = read('inputs.bin', inT.type === 'float32');
  const outputs = read('outputs.bin', outT.type === 'float32');
  const split = (x: Decoded): Decoded[] => {
    const per = x.length / meta.samples;
    return Array.from({ length: meta.samples }, (_, s) => x.slice(s * per, (s + 1) * per));
  };
  return { model, samples: split(inputs).map((x) => [x]), outputs: split(outputs) };
}

export const argmax = (a: ArrayLike<number>): number => {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return best;
};
