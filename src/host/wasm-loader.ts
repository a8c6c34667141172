// Why this shim exists: @tensorflow/tfjs-tflite ships the real TFLite interpreter compiled
// to WASM (wasm/tflite_web_api_cc*.js/.wasm), but its client is written for browsers: it
// fetches the .wasm over HTTP, probes `self`/`navigator`/`document`, and hands out
// tfjs-core tensors (whose peer version, 4.9.0, is not the 4.22.0 we run). Here we load
// the emscripten module ourselves, fully offline: the glue is plain CommonJS, so we
// require() it and give it the .wasm bytes read from disk (wasmBinary), which bypasses
// every fetch. We then talk to its embind API (TFLiteWebModelRunner) directly.
//
// Abort/trap policy: an emscripten abort or a WASM trap leaves the module's stack and
// heap in an unknown state, so the instance is marked poisoned, dropped from the cache,
// and the next loadTfliteWasm() instantiates a fresh module. Runners created on the
// poisoned instance fail with code 'aborted' from then on.

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { HostRuntimeError, describeThrown } from './errors.ts';

/** Non-threaded builds only: the threaded ones need Web Workers and SharedArrayBuffer. */
export type WasmVariant = 'simd' | 'plain';

export interface LoaderOptions {
  /** Folder holding tflite_web_api_cc*.js/.wasm. Default: the installed package's wasm/. */
  wasmDir?: string;
  /** Default: 'simd' when this Node validates a WASM SIMD module, else 'plain'. */
  variant?: WasmVariant;
}

// The embind surface of the module, as used by dist/tflite_web_api_client.js.
export interface EmVector<T> {
  size(): number;
  get(index: number): T;
  delete(): void;
}

export interface EmTensorInfo {
  readonly id: number;
  /** 'int8' | 'uint8' | 'bool' | 'int16' | 'int32' | 'uint32' | 'float32' | 'float64' | ... */
  readonly dataType: string;
  readonly name: string;
  /** Comma-separated dimensions, e.g. "1,32,32,3". */
  readonly shape: string;
  /** A view into the module's heap: invalid once the heap grows, so use it at once. */
  data(): ArrayBufferView;
  delete(): void;
}

export interface EmProfileItem {
  nodeType: string;
  nodeName: string;
  nodeExecMs: number;
}

export interface EmRunner {
  GetInputs(): EmVector<EmTensorInfo>;
  GetOutputs(): EmVector<EmTensorInfo>;
  Infer(): boolean;
  GetProfilingResults(): EmVector<EmProfileItem>;
  delete(): void;
}

export interface EmStatusOr<T> {
  ok(): boolean;
  errorMessage(): string;
  value(): T;
  delete(): void;
}

export interface EmRunnerOptions {
  numThreads: number;
  enableProfiling: boolean;
  maxProfilingBufferEntries: number;
}

export interface EmModule {
  readonly HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  TFLiteWebModelRunner: {
    CreateFromBufferAndOptions(
      ptr: number,
      bytes: number,
      options: EmRunnerOptions,
    ): EmStatusOr<EmRunner>;
  };
}

type ModuleFactory = (overrides: Record<string, unknown>) => Promise<unknown>;

/** Lines kept from the module's stderr: TFLite's error reporter writes the real reasons there. */
const LOG_LINES = 64;

/** The last lines the module printed, with a running count to tell new lines from old. */
class StderrLog {
  readonly lines: string[] = [];
  count = 0;

  push(line: unknown): void {
    this.lines.push(String(line));
    if (this.lines.length > LOG_LINES) this.lines.shift();
    this.count++;
  }
}

/** One instantiated WASM module. */
export class TfliteWasm {
  readonly variant: WasmVariant;
  /** Milliseconds from reading the files to a ready module. */
  readonly loadMs: number;
  readonly api: EmModule;
  private poisonedBy: string | null = null;
  private readonly log: StderrLog;
  private readonly onPoison: () => void;

  constructor(
    api: EmModule,
    variant: WasmVariant,
    loadMs: number,
    log: StderrLog,
    onPoison: () => void,
  ) {
    this.api = api;
    this.variant = variant;
    this.loadMs = loadMs;
    this.log = log;
    this.onPoison = onPoison;
  }

  get poisoned(): boolean {
    return this.poisonedBy !== null;
  }

  /** A position in the stderr log, for linesSince(). */
  mark(): number {
    return this.log.count;
  }

  /** Stderr lines written since mark, minus TFLite's INFO chatter. */
  linesSince(mark: number): string[] {
    const { lines, count } = this.log;
    const fresh = Math.min(count - mark, lines.length);
    return lines
      .slice(lines.length - fresh)
      .filter((l) => l.trim() !== '' && !l.startsWith('INFO:'));
  }

  /**
   * Runs fn against the module; `what` names the operation and model for messages.
   * Any throw other than our own (abort, trap, embind error) poisons this instance:
   * after a trap the module's stack pointer and heap cannot be trusted.
   */
  call<T>(what: string, fn: () => T): T {
    if (this.poisonedBy !== null) {
      throw new HostRuntimeError(
        'aborted',
        `${what}: the TFLite WASM module aborted earlier (${this.poisonedBy}); load the model again`,
      );
    }
    try {
      return fn();
    } catch (e) {
      if (e instanceof HostRuntimeError) throw e;
      this.poisonedBy = describeThrown(e);
      this.onPoison();
      throw new HostRuntimeError(
        'aborted',
        `${what}: the TFLite WASM module aborted: ${this.poisonedBy}`,
        {
          cause: e,
        },
      );
    }
  }
}

// One module per (folder, variant) and process: each costs 25-220 ms to instantiate, a
// 3.6 MB binary and a 32 MB initial heap.
const cache = new Map<string, Promise<TfliteWasm>>();

/** Loads (once per process) the interpreter module; see LoaderOptions for defaults. */
export function loadTfliteWasm(options: LoaderOptions = {}): Promise<TfliteWasm> {
  const dir = options.wasmDir ?? defaultWasmDir();
  const variant = options.variant ?? (simdSupported() ? 'simd' : 'plain');
  const key = `${dir}\u0000${variant}`;
  let pending = cache.get(key);
  if (pending === undefined) {
    pending = instantiate(dir, variant, () => {
      if (cache.get(key) === pending) cache.delete(key);
    });
    // A failed instantiation is not cached, so a later call can retry.
    pending.catch(() => {
      if (cache.get(key) === pending) cache.delete(key);
    });
    cache.set(key, pending);
  }
  return pending;
}

function defaultWasmDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@tensorflow/tfjs-tflite/package.json')), 'wasm');
}

// The smallest module using a v128 instruction (the wasm-feature-detect probe).
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15,
  253, 98, 11,
]);

// tsconfig's lib has no WebAssembly types (no DOM lib), so the one call is typed here.
const wasmGlobal = (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } })
  .WebAssembly;

function simdSupported(): boolean {
  return wasmGlobal.validate(SIMD_PROBE);
}

async function instantiate(
  dir: string,
  variant: WasmVariant,
  onPoison: () => void,
): Promise<TfliteWasm> {
  const base = variant === 'simd' ? 'tflite_web_api_cc_simd' : 'tflite_web_api_cc';
  const jsPath = path.join(dir, `${base}.js`);
  const wasmPath = path.join(dir, `${base}.wasm`);
  for (const file of [jsPath, wasmPath]) {
    if (!existsSync(file)) {
      throw new HostRuntimeError('wasm-load-failed', `TFLite WASM file not found: ${file}`);
    }
  }
  const started = performance.now();
  let factory: unknown;
  try {
    factory = createRequire(import.meta.url)(jsPath);
  } catch (e) {
    throw new HostRuntimeError('wasm-load-failed', `${jsPath}: ${describeThrown(e)}`, { cause: e });
  }
  if (typeof factory !== 'function') {
    throw new HostRuntimeError('wasm-load-failed', `${jsPath} does not export a module factory`);
  }
  const log = new StderrLog();
  const record = (line: unknown): void => log.push(line);
  let api: unknown;
  try {
    api = await (factory as ModuleFactory)({
      wasmBinary: readFileSync(wasmPath),
      // Never reached with wasmBinary set; given so that nothing resolves against a URL.
      locateFile: (file: string) => path.join(dir, file),
      print: record,
      printErr: record,
      onAbort: (what: unknown) => record(`abort: ${String(what)}`),
    });
  } catch (e) {
    throw new HostRuntimeError('wasm-load-failed', `${wasmPath}: ${describeThrown(e)}`, {
      cause: e,
    });
  }
  if (!isEmModule(api)) {
    throw new HostRuntimeError(
      'wasm-load-failed',
      `${jsPath}: the module has no TFLiteWebModelRunner (not a tflite_web_api build?)`,
    );
  }
  return new TfliteWasm(api, variant, performance.now() - started, log, onPoison);
}

function isEmModule(value: unknown): value is EmModule {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  const runner = m['TFLiteWebModelRunner'] as Record<string, unknown> | undefined;
  return (
    typeof m['_malloc'] === 'function' &&
    typeof m['_free'] === 'function' &&
    m['HEAPU8'] instanceof Uint8Array &&
    typeof runner?.['CreateFromBufferAndOptions'] === 'function'
  );
}
