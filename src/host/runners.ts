// Runners: a model as a function from float features to float outputs. Quantized models
// get their inputs quantized with the input tensor's (scale, zero point) and their outputs
// dequantized inside, so that evaluation, metrics and drift never see integer tensors and
// a float model and its int8 twin can be compared sample by sample.
import { readFile } from 'node:fs/promises';
import { readModel } from '../model/reader.ts';
import type { Tensor } from '../model/types.ts';
import { TfliteRuntime, type TensorData } from './tflite-runtime.ts';
import { loadLayersModel, loadTf } from './tfjs.ts';

export interface Runner {
  /** Names the model in reports and errors. */
  name: string;
  /** The model's input shape without the batch dimension, when known. */
  inputShape?: number[];
  /** Float features of one sample in, float outputs (of output 0) out; a fresh array. */
  run(input: Float32Array): Float32Array;
  dispose(): void;
}

export type RunnerErrorCode =
  /** The model has a structure evaluation does not handle (several inputs, an int16 input, ...). */
  | 'unsupported-model'
  /** run() was given a sample of another element count than the model's input. */
  | 'input-size'
  /** The model file cannot be read. */
  | 'no-such-file'
  /** Two models whose outputs cannot be compared (different output sizes). */
  | 'incomparable';

export class RunnerError extends Error {
  readonly code: RunnerErrorCode;
  constructor(code: RunnerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RunnerError';
    this.code = code;
  }
}

/** A .tflite (int8, uint8 or float32 I/O; hybrid models too) in the real TFLite runtime. */
export async function tfliteRunner(model: string | Uint8Array): Promise<Runner> {
  const name = typeof model === 'string' ? model : `model (${model.length} bytes)`;
  const bytes = typeof model === 'string' ? await readBytes(model) : model;
  const parsed = readModel(bytes, name);
  const graph = parsed.subgraphs[0];
  if (graph === undefined || graph.inputs.length !== 1 || graph.outputs.length < 1) {
    throw new RunnerError(
      'unsupported-model',
      `${name}: evaluation needs one subgraph with exactly one input (this model has ${graph?.inputs.length ?? 0})`,
    );
  }
  const input = graph.tensors[graph.inputs[0]];
  const output = graph.tensors[graph.outputs[0]];
  const toInput = quantizer(input, name);
  const fromOutput = dequantizer(output, name);
  const rt = await TfliteRuntime.load(bytes, { name });
  const elements = input.shape.reduce((a, b) => a * b, 1);
  return {
    name,
    inputShape: input.shape.slice(1),
    run(x: Float32Array): Float32Array {
      if (x.length !== elements) {
        throw new RunnerError(
          'input-size',
          `${name}: input "${input.name}" [${input.shape.join(',')}] takes ${elements} values, given ${x.length}`,
        );
      }
      rt.setInput(0, toInput(x));
      rt.invoke();
      return fromOutput(rt.output(0).data);
    },
    dispose(): void {
      rt.dispose();
    },
  };
}

/** A TF.js Layers model (model.json + weight shards) through TF.js (tfjs-node when it loads). */
export async function layersRunner(modelJsonPath: string): Promise<Runner> {
  const tf = await loadTf();
  const model = await loadLayersModel(modelJsonPath);
  if (model.inputs.length !== 1) {
    model.dispose();
    throw new RunnerError(
      'unsupported-model',
      `${modelJsonPath}: evaluation needs a model with exactly one input (this one has ${model.inputs.length})`,
    );
  }
  const shape = model.inputs[0].shape.slice(1);
  if (shape.some((d) => d === null)) {
    model.dispose();
    throw new RunnerError(
      'unsupported-model',
      `${modelJsonPath}: input shape [${model.inputs[0].shape.join(',')}] has unknown dimensions besides the batch`,
    );
  }
  const dims = shape as number[];
  const elements = dims.reduce((a, b) => a * b, 1);
  return {
    name: modelJsonPath,
    inputShape: dims,
    run(x: Float32Array): Float32Array {
      if (x.length !== elements) {
        throw new RunnerError(
          'input-size',
          `${modelJsonPath}: input [${dims.join(',')}] takes ${elements} values, given ${x.length}`,
        );
      }
      return tf.tidy(() => {
        const y = model.predict(tf.tensor(x, [1, ...dims], 'float32'));
        const first = Array.isArray(y) ? y[0] : y;
        return Float32Array.from(first.dataSync());
      });
    },
    dispose(): void {
      model.dispose();
    },
  };
}

/** Picks the runner by file type: model.json (TF.js Layers) or anything else as .tflite. */
export function runnerFor(modelPath: string): Promise<Runner> {
  return modelPath.endsWith('.json') ? layersRunner(modelPath) : tfliteRunner(modelPath);
}

/** Float features -> the input tensor's type: q = round(x / scale) + zero point, clamped. */
function quantizer(t: Tensor, name: string): (x: Float32Array) => TensorData {
  const elements = t.shape.reduce((a, b) => a * b, 1);
  if (t.type === 'float32') return (x) => x;
  if (t.type !== 'int8' && t.type !== 'uint8') {
    throw new RunnerError(
      'unsupported-model',
      `${name}: input "${t.name}" is ${t.type}; evaluation feeds float32, int8 or uint8 inputs`,
    );
  }
  const { scale, zeroPoint } = perTensor(t, name, 'input');
  const [lo, hi] = t.type === 'int8' ? [-128, 127] : [0, 255];
  // One buffer reused for every sample: setInput copies it into the interpreter.
  const buf = t.type === 'int8' ? new Int8Array(elements) : new Uint8Array(elements);
  return (x) => {
    for (let i = 0; i < elements; i++) {
      const v = x[i] / scale;
      // Half away from zero, as TFLite's converter and QUANTIZE kernel round (std::round).
      const q = (v < 0 ? -Math.round(-v) : Math.round(v)) + zeroPoint;
      buf[i] = q < lo ? lo : q > hi ? hi : q;
    }
    return buf;
  };
}

/** Output tensor data -> float: (q - zero point) * scale for int8/uint8, as is for float32. */
function dequantizer(t: Tensor, name: string): (y: TensorData) => Float32Array {
  // TfliteRuntime.output() already returns a copy, which the caller may keep.
  if (t.type === 'float32') return (y) => y as Float32Array;
  if (t.type !== 'int8' && t.type !== 'uint8') {
    throw new RunnerError(
      'unsupported-model',
      `${name}: output "${t.name}" is ${t.type}; evaluation reads float32, int8 or uint8 outputs`,
    );
  }
  const { scale, zeroPoint } = perTensor(t, name, 'output');
  return (y) => {
    const out = new Float32Array(y.length);
    for (let i = 0; i < y.length; i++) out[i] = (Number(y[i]) - zeroPoint) * scale;
    return out;
  };
}

function perTensor(t: Tensor, name: string, side: string): { scale: number; zeroPoint: number } {
  const q = t.quantization;
  if (q === undefined || q.scale.length !== 1 || !(q.scale[0] > 0)) {
    throw new RunnerError(
      'unsupported-model',
      `${name}: ${side} "${t.name}" is ${t.type} without one positive per-tensor scale`,
    );
  }
  return { scale: q.scale[0], zeroPoint: q.zeroPoint[0] ?? 0 };
}

async function readBytes(file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (e) {
    throw new RunnerError(
      'no-such-file',
      `${file}: cannot read the model (${e instanceof Error ? e.message : String(e)})`,
      { cause: e },
    );
  }
}
