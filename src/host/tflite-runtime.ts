// The real TFLite interpreter (WASM, with its XNNPACK delegate) behind a small typed API.
// It is the host accuracy reference: what a user's TFLite computes. It is not bit-exact
// with TensorFlow Lite Micro (XNNPACK requantizes differently), see shared/golden/README.

import { HostRuntimeError } from './errors.ts';
import {
  loadTfliteWasm,
  type EmRunner,
  type EmTensorInfo,
  type LoaderOptions,
  type TfliteWasm,
} from './wasm-loader.ts';

export type DType = 'int8' | 'uint8' | 'int16' | 'int32' | 'int64' | 'float32' | 'bool';

export type TensorData =
  Int8Array | Uint8Array | Int16Array | Int32Array | BigInt64Array | Float32Array;

export interface HostTensor {
  name: string;
  dtype: DType;
  shape: number[];
  data: TensorData;
}

export interface TensorSpec {
  name: string;
  dtype: DType;
  shape: number[];
}

export interface LoadOptions extends LoaderOptions {
  /** Interpreter threads. Default -1 (the interpreter decides); the WASM build is single-threaded. */
  threads?: number;
  /** Names the model in error messages. Default: "model (<bytes> bytes)". */
  name?: string;
  /** Record per-node times (see profile()). Default false. */
  profiling?: boolean;
  /** Capacity of the profiler's event buffer. Default 1024. */
  maxProfilingEntries?: number;
}

export interface ProfileEntry {
  /** Operator, or 'TfLiteXNNPackDelegate' for a partition the delegate took. */
  op: string;
  node: string;
  ms: number;
}

// The interpreter's dataType string and the typed array this API exchanges for it.
// bool travels as Uint8Array (one byte per element, as TFLite stores it). The runner of
// tfjs-tflite 0.0.1-alpha.10 reports int64 as 'unknown' with no data, so the int64 entry
// only serves a build that exposes it; DType keeps int64 for such builds.
const DTYPES: Record<string, { dtype: DType; ctor: TypedArrayCtor }> = {
  int8: { dtype: 'int8', ctor: Int8Array },
  uint8: { dtype: 'uint8', ctor: Uint8Array },
  int16: { dtype: 'int16', ctor: Int16Array },
  int32: { dtype: 'int32', ctor: Int32Array },
  int64: { dtype: 'int64', ctor: BigInt64Array },
  float32: { dtype: 'float32', ctor: Float32Array },
  bool: { dtype: 'bool', ctor: Uint8Array },
};

type TypedArrayCtor =
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Int16ArrayConstructor
  | Int32ArrayConstructor
  | BigInt64ArrayConstructor
  | Float32ArrayConstructor;

interface Port {
  spec: TensorSpec;
  ctor: TypedArrayCtor;
  elements: number;
}

type Side = 'input' | 'output';

export class TfliteRuntime {
  private readonly wasm: TfliteWasm;
  private readonly label: string;
  private runner: EmRunner | null;
  private readonly modelPtr: number;
  private readonly ins: Port[];
  private readonly outs: Port[];

  private constructor(
    wasm: TfliteWasm,
    label: string,
    runner: EmRunner,
    modelPtr: number,
    ins: Port[],
    outs: Port[],
  ) {
    this.wasm = wasm;
    this.label = label;
    this.runner = runner;
    this.modelPtr = modelPtr;
    this.ins = ins;
    this.outs = outs;
  }

  /** Builds an interpreter for the .tflite bytes; the bytes are copied into the module. */
  static async load(model: Uint8Array, opts: LoadOptions = {}): Promise<TfliteRuntime> {
    const label = opts.name ?? `model (${model.length} bytes)`;
    const wasm = await loadTfliteWasm(opts);
    if (model.length === 0) {
      throw new HostRuntimeError('load-failed', `${label}: the model is empty`);
    }
    const api = wasm.api;
    const mark = wasm.mark();
    // The interpreter reads the flatbuffer in place, so the copy lives until dispose().
    const ptr = wasm.call(`${label}: copying the model`, () => api._malloc(model.length));
    if (ptr === 0) {
      throw new HostRuntimeError(
        'load-failed',
        `${label}: the WASM heap has no room for the model`,
      );
    }
    let runner: EmRunner | null = null;
    try {
      api.HEAPU8.set(model, ptr);
      const status = wasm.call(`${label}: loading`, () =>
        api.TFLiteWebModelRunner.CreateFromBufferAndOptions(ptr, model.length, {
          numThreads: opts.threads ?? -1,
          enableProfiling: opts.profiling ?? false,
          maxProfilingBufferEntries: opts.maxProfilingEntries ?? 1024,
        }),
      );
      if (!status.ok()) {
        const reason = status.errorMessage();
        status.delete();
        throw new HostRuntimeError(
          'load-failed',
          `${label}: the TFLite interpreter refused the model: ${withLog(reason, wasm, mark)}`,
        );
      }
      // As upstream's client does: the runner is owned by the StatusOr's value, deleted in dispose().
      runner = status.value();
      const r = runner;
      const ins = wasm.call(`${label}: reading inputs`, () => ports(r, label, 'input'));
      const outs = wasm.call(`${label}: reading outputs`, () => ports(r, label, 'output'));
      return new TfliteRuntime(wasm, label, runner, ptr, ins, outs);
    } catch (e) {
      if (!wasm.poisoned) {
        runner?.delete();
        api._free(ptr);
      }
      throw e;
    }
  }

  /** Names, types and shapes of the inputs, as at load. */
  get inputs(): TensorSpec[] {
    return this.ins.map((p) => ({ ...p.spec, shape: [...p.spec.shape] }));
  }

  /** As at load; a dynamic output's shape after invoke is in output(i).shape. */
  get outputs(): TensorSpec[] {
    return this.outs.map((p) => ({ ...p.spec, shape: [...p.spec.shape] }));
  }

  /** Copies data into input `index`; its typed array and length must match the tensor. */
  setInput(index: number, data: TensorData): void {
    const runner = this.live();
    const port = this.ins[index];
    if (port === undefined) {
      throw new HostRuntimeError(
        'input-mismatch',
        `${this.label}: input ${index} does not exist (the model has ${this.ins.length})`,
      );
    }
    const where = `${this.label}: input ${index} "${port.spec.name}"`;
    if (!(data instanceof port.ctor)) {
      throw new HostRuntimeError(
        'input-mismatch',
        `${where} is ${port.spec.dtype} [${port.spec.shape.join(',')}], given a ${data.constructor.name}`,
      );
    }
    if (data.length !== port.elements) {
      throw new HostRuntimeError(
        'input-mismatch',
        `${where} is ${port.spec.dtype} [${port.spec.shape.join(',')}] = ${port.elements} elements, given ${data.length}`,
      );
    }
    this.wasm.call(`${where}: writing`, () =>
      withTensor(runner, 'input', index, (info) => {
        const view = heapView(info, port, where);
        // Same element type on both sides (checked above), so this is a plain copy.
        (view as Uint8Array).set(data as Uint8Array);
      }),
    );
  }

  invoke(): void {
    const runner = this.live();
    const mark = this.wasm.mark();
    const ok = this.wasm.call(`${this.label}: invoke`, () => runner.Infer());
    if (!ok) {
      throw new HostRuntimeError(
        'invoke-failed',
        `${this.label}: Invoke() failed${withLog('', this.wasm, mark)}`,
      );
    }
  }

  /** A copy of output `index` (the interpreter's buffer is reused by the next invoke). */
  output(index: number): HostTensor {
    const runner = this.live();
    const port = this.outs[index];
    if (port === undefined) {
      throw new HostRuntimeError(
        'input-mismatch',
        `${this.label}: output ${index} does not exist (the model has ${this.outs.length})`,
      );
    }
    const where = `${this.label}: output ${index} "${port.spec.name}"`;
    return this.wasm.call(`${where}: reading`, () =>
      withTensor(runner, 'output', index, (info) => {
        // Re-read: a dynamic output (e.g. RESHAPE by a computed shape) changes shape on invoke.
        const shape = parseShape(info.shape);
        const elements = shape.reduce((a, b) => a * b, 1);
        const data = heapView(info, { ...port, elements }, where).slice();
        return { name: port.spec.name, dtype: port.spec.dtype, shape, data };
      }),
    );
  }

  /** Per-node times of the last invoke; empty unless loaded with profiling: true. */
  profile(): ProfileEntry[] {
    const runner = this.live();
    return this.wasm.call(`${this.label}: profiling results`, () => {
      const items = runner.GetProfilingResults();
      try {
        const out: ProfileEntry[] = [];
        for (let i = 0; i < items.size(); i++) {
          const item = items.get(i);
          out.push({ op: item.nodeType, node: item.nodeName, ms: item.nodeExecMs });
        }
        return out;
      } finally {
        items.delete();
      }
    });
  }

  /** Frees the interpreter and the model copy. Idempotent. */
  dispose(): void {
    const runner = this.runner;
    if (runner === null) return;
    this.runner = null;
    // A poisoned module is garbage as a whole; calling into it again could trap.
    if (this.wasm.poisoned) return;
    this.wasm.call(`${this.label}: dispose`, () => {
      runner.delete();
      this.wasm.api._free(this.modelPtr);
    });
  }

  private live(): EmRunner {
    if (this.runner === null) {
      throw new HostRuntimeError('disposed', `${this.label}: used after dispose()`);
    }
    return this.runner;
  }
}

/** Loads, sets every input, invokes once, returns copies of every output, disposes. */
export async function runOnce(
  model: Uint8Array,
  inputs: TensorData[],
  opts: LoadOptions = {},
): Promise<HostTensor[]> {
  const rt = await TfliteRuntime.load(model, opts);
  try {
    if (inputs.length !== rt.inputs.length) {
      throw new HostRuntimeError(
        'input-mismatch',
        `${opts.name ?? `model (${model.length} bytes)`}: takes ${rt.inputs.length} inputs, given ${inputs.length}`,
      );
    }
    inputs.forEach((data, i) => rt.setInput(i, data));
    rt.invoke();
    return rt.outputs.map((_, i) => rt.output(i));
  } finally {
    rt.dispose();
  }
}

/**
 * Runs fn on a fresh TensorInfo of the runner's input/output `index`. Fresh because a
 * TensorInfo snapshots the tensor's data pointer and shape when it is created, and a
 * dynamic tensor gets its memory (and shape) only during invoke.
 */
function withTensor<T>(
  runner: EmRunner,
  side: Side,
  index: number,
  fn: (info: EmTensorInfo) => T,
): T {
  const vector = side === 'input' ? runner.GetInputs() : runner.GetOutputs();
  try {
    const info = vector.get(index);
    try {
      return fn(info);
    } finally {
      info.delete();
    }
  } finally {
    vector.delete();
  }
}

function parseShape(text: string): number[] {
  return text === '' ? [] : text.split(',').map(Number);
}

/** The load-time description of every input or output; refuses types it cannot exchange. */
function ports(runner: EmRunner, label: string, side: Side): Port[] {
  const vector = side === 'input' ? runner.GetInputs() : runner.GetOutputs();
  const out: Port[] = [];
  try {
    for (let i = 0; i < vector.size(); i++) {
      const info = vector.get(i);
      try {
        const known = DTYPES[info.dataType];
        if (known === undefined) {
          // The WASM runner names int64 (and other types it has no view for) 'unknown' and
          // gives no data pointer for them, so such tensors cannot be exchanged at all.
          throw new HostRuntimeError(
            'unsupported-dtype',
            `${label}: ${side} ${i} "${info.name}" has type "${info.dataType}", which the TFLite WASM runner cannot exchange (it supports int8, uint8, int16, int32, float32, bool; int64 shows as "unknown")`,
          );
        }
        const shape = parseShape(info.shape);
        out.push({
          spec: { name: info.name, dtype: known.dtype, shape },
          ctor: known.ctor,
          elements: shape.reduce((a, b) => a * b, 1),
        });
      } finally {
        info.delete();
      }
    }
  } finally {
    vector.delete();
  }
  return out;
}

/** The tensor's bytes in the heap, typed as this API exchanges them; use at once. */
function heapView(info: EmTensorInfo, port: Port, where: string): TensorData {
  const raw = info.data();
  const bytes = port.elements * port.ctor.BYTES_PER_ELEMENT;
  // Address 0 is never a tensor in an emscripten heap: the tensor has no memory yet.
  if (typeof raw !== 'object' || raw.byteOffset === 0) {
    throw new HostRuntimeError(
      'no-data',
      `${where} has no data yet (a dynamic tensor gets its memory during invoke)`,
    );
  }
  if (raw.byteLength < bytes) {
    throw new HostRuntimeError(
      'unsupported-dtype',
      `${where} (${port.spec.dtype}): the interpreter exposes ${raw.byteLength} bytes, expected ${bytes}`,
    );
  }
  // The module's memory is a plain (non-shared) ArrayBuffer: the build is single-threaded.
  return new port.ctor(raw.buffer as ArrayBuffer, raw.byteOffset, port.elements);
}

/** Appends what TFLite's error reporter printed since mark (the real reason, usually). */
function withLog(reason: string, wasm: TfliteWasm, mark: number): string {
  const lines = wasm.linesSince(mark);
  const joined = lines.join('; ');
  if (joined === '') return reason;
  return reason === '' ? `: ${joined}` : `${reason} (${joined})`;
}
