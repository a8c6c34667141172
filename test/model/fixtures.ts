// Shared fixtures of the model tests: where the third-party models are, what their README
// says about them, models built with ModelBuilder that cover every operator and options kind
// the reader decodes, and helpers to locate a field in written bytes for patching.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ModelBuilder,
  addOptions,
  concatenationOptions,
  conv2dOptions,
  depthwiseConv2dOptions,
  dequantizeOptions,
  fullyConnectedOptions,
  mulOptions,
  padOptions,
  pool2dOptions,
  quantizeOptions,
  reducerOptions,
  reshapeOptions,
  softmaxOptions,
} from '../../src/model/builder.ts';
import { FlatView, type Table } from '../../src/model/flatbuffer-view.ts';
import { F, FILE_IDENTIFIER } from '../../src/model/tflite-schema.ts';
import type { Model, Quantization } from '../../src/model/types.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const sharedModels = path.resolve(repoRoot, '..', 'shared', 'models');
export const sharedAbsent = !existsSync(sharedModels);
export const SKIP_SHARED = sharedAbsent ? 'shared/ not found beside the checkout' : false;

export interface SharedModelFacts {
  file: string;
  /** Operator types with multiplicity, sorted; from shared/models/README.md. */
  operators: string[];
  input: { type: string; shape: number[] };
  output: { type: string; shape: number[] };
}

const times = (n: number, op: string): string[] => Array<string>(n).fill(op);
const KWS_OPS = [
  ...times(5, 'CONV_2D'),
  ...times(4, 'DEPTHWISE_CONV_2D'),
  'AVERAGE_POOL_2D',
  'RESHAPE',
  'FULLY_CONNECTED',
  'SOFTMAX',
];
const RESNET_OPS = [
  ...times(9, 'CONV_2D'),
  ...times(3, 'ADD'),
  'AVERAGE_POOL_2D',
  'RESHAPE',
  'FULLY_CONNECTED',
  'SOFTMAX',
];

/**
 * The README's table (operator counts and types) and I/O. The float32 files are described as
 * "the float32 version" of their int8 sibling, so they share its operator list.
 */
export const SHARED_MODELS: SharedModelFacts[] = [
  {
    file: 'hello_world_int8.tflite',
    operators: times(3, 'FULLY_CONNECTED'),
    input: { type: 'int8', shape: [1, 1] },
    output: { type: 'int8', shape: [1, 1] },
  },
  {
    file: 'hello_world_float.tflite',
    operators: times(3, 'FULLY_CONNECTED'),
    input: { type: 'float32', shape: [1, 1] },
    output: { type: 'float32', shape: [1, 1] },
  },
  {
    file: 'micro_speech_quantized.tflite',
    operators: ['RESHAPE', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'SOFTMAX'],
    input: { type: 'int8', shape: [1, 1960] },
    output: { type: 'int8', shape: [1, 4] },
  },
  {
    file: 'kws_ref_model.tflite',
    operators: KWS_OPS,
    input: { type: 'int8', shape: [1, 49, 10, 1] },
    output: { type: 'int8', shape: [1, 12] },
  },
  {
    file: 'kws_ref_model_float32.tflite',
    operators: KWS_OPS,
    input: { type: 'float32', shape: [1, 49, 10, 1] },
    output: { type: 'float32', shape: [1, 12] },
  },
  {
    file: 'ic_resnet8_int8.tflite',
    operators: RESNET_OPS,
    input: { type: 'int8', shape: [1, 32, 32, 3] },
    output: { type: 'int8', shape: [1, 10] },
  },
  {
    file: 'ic_resnet8_float.tflite',
    operators: RESNET_OPS,
    input: { type: 'float32', shape: [1, 32, 32, 3] },
    output: { type: 'float32', shape: [1, 10] },
  },
].map((m) => ({ ...m, operators: [...m.operators].sort() }));

/** A small deterministic PRNG (mulberry32), so fixtures and fuzzing are reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function int8s(n: number, r: () => number): Int8Array {
  return Int8Array.from({ length: n }, () => Math.floor(r() * 255) - 127);
}

function int32s(n: number, r: () => number): Int32Array {
  return Int32Array.from({ length: n }, () => Math.floor(r() * 20000) - 10000);
}

function float32s(n: number, r: () => number): Float32Array {
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
}

/** Per-tensor int8 quantization. */
export const q8 = (scale: number, zeroPoint: number): Quantization => ({
  scale: [scale],
  zeroPoint: [zeroPoint],
  quantizedDimension: 0,
});

/** Per-channel symmetric quantization along `dim`, one scale per channel. */
export const perChannel = (channels: number, dim: number, r: () => number): Quantization => ({
  scale: Array.from({ length: channels }, () => 0.001 + r() * 0.01),
  zeroPoint: Array<number>(channels).fill(0),
  quantizedDimension: dim,
});

/**
 * An int8 network using every operator of the engine, each options kind the reader decodes,
 * per-channel and per-tensor quantization, odd shapes, SAME and VALID, strides, dilation, a
 * depth multiplier and an omitted (-1) bias. Shapes are consistent, operator by operator.
 */
export function everyOperatorInt8(): Model {
  const r = rng(1);
  const b = new ModelBuilder('every operator, int8');
  const act = (name: string, shape: number[], s = 0.05, zp = -3): number =>
    b.addTensor({ name, shape, type: 'int8', quantization: q8(s, zp) });
  const x = act('input', [1, 9, 7, 3], 0.02, -128);
  const paddings = b.addTensor({
    name: 'paddings',
    shape: [4, 2],
    type: 'int32',
    data: Int32Array.from([0, 0, 1, 1, 1, 1, 0, 0]),
  });
  const xp = act('padded', [1, 11, 9, 3], 0.02, -128);
  b.addOperator('PAD', [x, paddings], [xp], padOptions());
  // CONV_2D, VALID, stride 2: (11-3)/2+1 = 5, (9-3)/2+1 = 4; weights per-channel along 0.
  const cw = b.addTensor({
    name: 'conv/weights',
    shape: [5, 3, 3, 3],
    type: 'int8',
    data: int8s(5 * 27, r),
    quantization: perChannel(5, 0, r),
  });
  const cb = b.addTensor({ name: 'conv/bias', shape: [5], type: 'int32', data: int32s(5, r) });
  const c1 = act('conv', [1, 5, 4, 5]);
  b.addOperator(
    'CONV_2D',
    [xp, cw, cb],
    [c1],
    conv2dOptions({ padding: 'VALID', strideW: 2, strideH: 2, activation: 'RELU' }),
  );
  // DEPTHWISE_CONV_2D, SAME, dilation 2, depth multiplier 2: 5 -> 10 channels.
  const dw = b.addTensor({
    name: 'dw/weights',
    shape: [1, 3, 3, 10],
    type: 'int8',
    data: int8s(90, r),
    quantization: perChannel(10, 3, r),
  });
  const db = b.addTensor({ name: 'dw/bias', shape: [10], type: 'int32', data: int32s(10, r) });
  const d1 = act('dw', [1, 5, 4, 10]);
  b.addOperator(
    'DEPTHWISE_CONV_2D',
    [c1, dw, db],
    [d1],
    depthwiseConv2dOptions({ depthMultiplier: 2, dilationW: 2, dilationH: 2 }),
  );
  const m1 = act('maxpool', [1, 2, 2, 10]);
  b.addOperator(
    'MAX_POOL_2D',
    [d1],
    [m1],
    pool2dOptions({ padding: 'VALID', strideW: 2, strideH: 2 }),
  );
  const a1 = act('avgpool', [1, 2, 2, 10]);
  b.addOperator('AVERAGE_POOL_2D', [m1], [a1], pool2dOptions({ filterW: 3, filterH: 2 }));
  const s1 = act('add', [1, 2, 2, 10]);
  b.addOperator('ADD', [m1, a1], [s1], addOptions({ activation: 'RELU6', potScaleInt16: false }));
  const k = b.addTensor({
    name: 'mul/const',
    shape: [10],
    type: 'int8',
    data: int8s(10, r),
    quantization: q8(0.01, 0),
  });
  const p1 = act('mul', [1, 2, 2, 10]);
  b.addOperator('MUL', [s1, k], [p1], mulOptions({ activation: 'RELU_N1_TO_1' }));
  const cc = act('concat', [1, 2, 2, 20]);
  b.addOperator('CONCATENATION', [s1, p1], [cc], concatenationOptions({ axis: -1 }));
  const axes = b.addTensor({
    name: 'mean/axes',
    shape: [2],
    type: 'int32',
    data: Int32Array.from([1, 2]),
  });
  const mn = act('mean', [1, 1, 1, 20]);
  b.addOperator('MEAN', [cc, axes], [mn], reducerOptions({ keepDims: true }));
  const newShape = b.addTensor({
    name: 'reshape/shape',
    shape: [2],
    type: 'int32',
    data: Int32Array.from([1, 20]),
  });
  const rs = act('reshape', [1, 20]);
  b.addOperator('RESHAPE', [mn, newShape], [rs], reshapeOptions({ newShape: [1, 20] }));
  const fw = b.addTensor({
    name: 'fc/weights',
    shape: [7, 20],
    type: 'int8',
    data: int8s(140, r),
    quantization: q8(0.004, 0),
  });
  const fc = act('fc', [1, 7]);
  b.addOperator('FULLY_CONNECTED', [rs, fw, -1], [fc], fullyConnectedOptions());
  const lg = act('logistic', [1, 7], 1 / 256, -128);
  b.addOperator('LOGISTIC', [fc], [lg]);
  const th = act('tanh', [1, 7], 1 / 128, 0);
  b.addOperator('TANH', [fc], [th]);
  const rl = act('relu', [1, 7], 1 / 256, -128);
  b.addOperator('RELU', [lg], [rl]);
  const r6 = act('relu6', [1, 7], 1 / 128, 0);
  b.addOperator('RELU6', [th], [r6]);
  const sm = act('softmax', [1, 7], 1 / 256, -128);
  b.addOperator('SOFTMAX', [rl], [sm], softmaxOptions());
  const fl = b.addTensor({ name: 'dequantized', shape: [1, 7], type: 'float32' });
  b.addOperator('DEQUANTIZE', [sm], [fl], dequantizeOptions());
  const qo = act('output', [1, 7], 1 / 256, -128);
  b.addOperator('QUANTIZE', [fl], [qo], quantizeOptions());
  b.setInputs([x]);
  b.setOutputs([qo, r6]);
  return b.build();
}

/** A float32 network: SAME with dilation, VALID with stride, keepNumDims, a bias on FC. */
export function floatNetwork(): Model {
  const r = rng(2);
  const b = new ModelBuilder('float network');
  const t = (name: string, shape: number[], data?: Float32Array): number =>
    b.addTensor({ name, shape, type: 'float32', ...(data ? { data } : {}) });
  const x = t('input', [1, 8, 6, 1]);
  const cw = t('conv/w', [4, 3, 3, 1], float32s(36, r));
  const c = t('conv', [1, 8, 6, 4]);
  b.addOperator(
    'CONV_2D',
    [x, cw, -1],
    [c],
    conv2dOptions({ dilationW: 2, dilationH: 3, activation: 'RELU6' }),
  );
  const dw = t('dw/w', [1, 2, 2, 12], float32s(48, r));
  const dwb = t('dw/b', [12], float32s(12, r));
  const d = t('dw', [1, 4, 3, 12]);
  b.addOperator(
    'DEPTHWISE_CONV_2D',
    [c, dw, dwb],
    [d],
    depthwiseConv2dOptions({ padding: 'VALID', strideW: 2, strideH: 2, depthMultiplier: 3 }),
  );
  const p = t('avg', [1, 1, 1, 12]);
  b.addOperator(
    'AVERAGE_POOL_2D',
    [d],
    [p],
    pool2dOptions({ padding: 'VALID', filterW: 3, filterH: 4, strideW: 3, strideH: 4 }),
  );
  const rs = t('flat', [1, 12]);
  b.addOperator('RESHAPE', [p], [rs], reshapeOptions({ newShape: [1, 12] }));
  const fw = t('fc/w', [5, 12], float32s(60, r));
  const fb = t('fc/b', [5], float32s(5, r));
  const f = t('fc', [1, 5]);
  b.addOperator(
    'FULLY_CONNECTED',
    [rs, fw, fb],
    [f],
    fullyConnectedOptions({
      activation: 'TANH',
      keepNumDims: true,
      asymmetricQuantizeInputs: true,
    }),
  );
  const s = t('softmax', [1, 5]);
  b.addOperator('SOFTMAX', [f], [s], softmaxOptions({ beta: 0.3 }));
  b.setInputs([x]);
  b.setOutputs([s]);
  return b.build();
}

/** The smallest useful int8 model: one FULLY_CONNECTED, for patching and fuzzing. */
export function tinyFullyConnected(): Model {
  const r = rng(3);
  const b = new ModelBuilder('tiny');
  const x = b.addTensor({ name: 'x', shape: [1, 6], type: 'int8', quantization: q8(0.1, 2) });
  const w = b.addTensor({
    name: 'w',
    shape: [4, 6],
    type: 'int8',
    data: int8s(24, r),
    quantization: perChannel(4, 0, r),
  });
  const bias = b.addTensor({ name: 'b', shape: [4], type: 'int32', data: int32s(4, r) });
  const y = b.addTensor({ name: 'y', shape: [1, 4], type: 'int8', quantization: q8(0.2, -1) });
  b.addOperator('FULLY_CONNECTED', [x, w, bias], [y], fullyConnectedOptions());
  b.setInputs([x]);
  b.setOutputs([y]);
  return b.build();
}

/** A view of written bytes, for tests that locate a field to patch it. */
export function view(bytes: Uint8Array): { v: FlatView; root: Table } {
  const v = new FlatView(bytes, 'fixture');
  return { v, root: v.root(FILE_IDENTIFIER) };
}

/** The i-th table of a [Table] field of `t`. */
export function nth(v: FlatView, t: Table, field: number, i: number): Table {
  return v.tables(t, field, 'fixture', (k) => `fixture ${k}`)[i];
}

/** Subgraph 0 of written bytes, with its tensors and operators located. */
export function locateMain(bytes: Uint8Array): {
  v: FlatView;
  root: Table;
  subgraph: Table;
  tensors: Table[];
  operators: Table[];
  buffers: Table[];
  operatorCodes: Table[];
} {
  const { v, root } = view(bytes);
  const subgraph = nth(v, root, F.Model.subgraphs, 0);
  const list = (t: Table, field: number): Table[] => v.tables(t, field, 'fixture', () => 'fixture');
  return {
    v,
    root,
    subgraph,
    tensors: list(subgraph, F.SubGraph.tensors),
    operators: list(subgraph, F.SubGraph.operators),
    buffers: list(root, F.Model.buffers),
    operatorCodes: list(root, F.Model.operatorCodes),
  };
}

/** The only position of a little-endian int32 `marker` in `bytes` (fails unless unique). */
export function findInt32(bytes: Uint8Array, marker: number): number {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hits: number[] = [];
  for (let i = 0; i + 4 <= bytes.length; i++) if (dv.getInt32(i, true) === marker) hits.push(i);
  if (hits.length !== 1) throw new Error(`marker ${marker} found ${hits.length} times`);
  return hits[0];
}

export function putInt32(bytes: Uint8Array, pos: number, value: number): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setInt32(pos, value, true);
  return out;
}

export function putUint32(bytes: Uint8Array, pos: number, value: number): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(pos, value, true);
  return out;
}
