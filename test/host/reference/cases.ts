// The operator test table: one row per (operator, dtype, geometry). Each row writes a
// one-operator .tflite model with the ModelBuilder and computes the expected output with
// the reference loop nests of this folder, from the same seeded random data.

import {
  addOptions,
  concatenationOptions,
  conv2dOptions,
  depthwiseConv2dOptions,
  dequantizeOptions,
  fullyConnectedOptions,
  ModelBuilder,
  mulOptions,
  padOptions,
  pool2dOptions,
  quantizeOptions,
  reducerOptions,
  reshapeOptions,
  softmaxOptions,
} from '../../../src/model/builder.ts';
import type {
  Activation,
  BuiltinOptions,
  Padding,
  Quantization,
  TensorType,
} from '../../../src/model/types.ts';
import { writeModel } from '../../../src/model/writer.ts';
import type { TensorData } from '../../../src/host/tflite-runtime.ts';
import { convFloat, convInt8, fullyConnectedFloat, fullyConnectedInt8, type Nhwc } from './conv.ts';
import {
  addFloat,
  addInt8,
  dequantize,
  mulFloat,
  mulInt8,
  quantize,
  softmaxFloat,
  softmaxInt8,
  unaryFloat,
  unaryInt8,
  type UnaryOp,
} from './elementwise.ts';
import { count, perTensor, quantizeBias, quantizeWeights, Rng } from './fixtures.ts';
import { averagePool, maxPool } from './pool.ts';
import { dequantizeValue, roundAway, type QParams } from './quant.ts';
import { concatenate, meanFloat, meanInt8, pad } from './shape.ts';

export type CaseDType = 'float32' | 'int8';

export interface Made {
  model: Uint8Array;
  inputs: TensorData[];
  outShape: number[];
  expected: number[];
}

export interface OpCase {
  op: string;
  dtype: CaseDType;
  name: string;
  make(): Made;
}

interface TensorDef {
  name: string;
  shape: number[];
  type: TensorType;
  quantization?: Quantization;
  /** Constant data; tensors without it are model inputs, in order. */
  data?: TensorData;
}

/** One operator and its tensors, written as a .tflite file. */
function singleOpModel(
  op: string,
  inputs: (TensorDef | null)[],
  output: TensorDef,
  options: BuiltinOptions | null,
): Uint8Array {
  const b = new ModelBuilder(`operator test: ${op}`);
  const modelInputs: number[] = [];
  const ids = inputs.map((t) => {
    if (t === null) return -1; // omitted optional input (no bias)
    const id = b.addTensor(t);
    if (t.data === undefined) modelInputs.push(id);
    return id;
  });
  const out = b.addTensor(output);
  b.addOperator(op, ids, [out], options);
  b.setInputs(modelInputs);
  b.setOutputs([out]);
  return writeModel(b.build(), { source: `${op} test model` });
}

/** Asymmetric int8 parameters covering values, as post-training calibration picks them. */
function calibrate(values: number[]): QParams {
  const lo = Math.min(0, ...values);
  const hi = Math.max(0, ...values);
  const scale = Math.fround(hi > lo ? (hi - lo) / 255 : 1);
  return { scale, zeroPoint: Math.max(-128, Math.min(127, roundAway(-128 - lo / scale))) };
}

/** A seed from the case name, so that rows do not depend on each other's order. */
function seedOf(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

const shapeOf = (s: Nhwc): number[] => [s.n, s.h, s.w, s.c];
const act = (t: TensorType, name: string, shape: number[], q?: QParams): TensorDef =>
  q === undefined ? { name, shape, type: t } : { name, shape, type: t, quantization: perTensor(q) };

// ---- CONV_2D and DEPTHWISE_CONV_2D ----------------------------------------------------

interface ConvRow {
  name: string;
  input: Nhwc;
  kh: number;
  kw: number;
  /** CONV_2D: output channels. DEPTHWISE_CONV_2D: depth multiplier. */
  outOrMultiplier: number;
  padding: Padding;
  stride: [number, number];
  dilation: [number, number];
  activation: Activation;
  bias: boolean;
}

function convCase(op: 'CONV_2D' | 'DEPTHWISE_CONV_2D', dtype: CaseDType, r: ConvRow): OpCase {
  const depthwise = op === 'DEPTHWISE_CONV_2D';
  return {
    op,
    dtype,
    name: r.name,
    make() {
      const rng = new Rng(seedOf(`${op} ${dtype} ${r.name}`));
      const inC = r.input.c;
      const outC = depthwise ? inC * r.outOrMultiplier : r.outOrMultiplier;
      const filterShape = depthwise ? [1, r.kh, r.kw, outC] : [outC, r.kh, r.kw, inC];
      const window = {
        padding: r.padding,
        strideH: r.stride[0],
        strideW: r.stride[1],
        dilationH: r.dilation[0],
        dilationW: r.dilation[1],
      };
      const options = depthwise
        ? depthwiseConv2dOptions({
            ...window,
            depthMultiplier: r.outOrMultiplier,
            activation: r.activation,
          })
        : conv2dOptions({ ...window, activation: r.activation });
      const wf = rng.floats(count(filterShape), -0.5, 0.5);
      const bf = rng.floats(outC, -0.5, 0.5);
      const base = {
        inputShape: r.input,
        filterH: r.kh,
        filterW: r.kw,
        outChannels: outC,
        window,
        activation: r.activation,
        depthMultiplier: depthwise ? r.outOrMultiplier : undefined,
      };
      if (dtype === 'float32') {
        const x = rng.floats(count(shapeOf(r.input)));
        const ref = convFloat({
          ...base,
          input: x,
          filter: wf,
          bias: r.bias ? bf : null,
          quant: null,
        });
        const outShape = shapeOf(ref.shape);
        const model = singleOpModel(
          op,
          withBias(
            [
              act('float32', 'input', shapeOf(r.input)),
              { name: 'filter', shape: filterShape, type: 'float32', data: wf },
            ],
            r.bias ? { name: 'bias', shape: [outC], type: 'float32', data: bf } : null,
          ),
          act('float32', 'output', outShape),
          options,
        );
        return { model, inputs: [x], outShape, expected: ref.data };
      }
      const inQ: QParams = { scale: 0.05, zeroPoint: -3 };
      const x = rng.int8s(count(shapeOf(r.input)));
      const wq = quantizeWeights(wf, filterShape, depthwise ? 3 : 0);
      const bq = quantizeBias(bf, inQ.scale, wq.scales);
      // The output range comes from the float result on the dequantized data.
      const floatRef = convFloat({
        ...base,
        input: Array.from(x, (v) => dequantizeValue(v, inQ)),
        filter: Array.from(
          wq.data,
          (v, i) => v * wq.scales[wq.scales.length === 1 ? 0 : channel(i)],
        ),
        bias: r.bias ? Array.from(bq.data, (v, c) => v * bq.quantization.scale[c]) : null,
        quant: null,
      });
      function channel(i: number): number {
        return depthwise ? i % outC : Math.floor(i / (r.kh * r.kw * inC));
      }
      const outQ = calibrate(floatRef.data);
      const ref = convInt8({
        ...base,
        input: x,
        filter: wq.data,
        bias: r.bias ? bq.data : null,
        quant: { input: inQ, filterScales: wq.scales, output: outQ },
      });
      const outShape = shapeOf(ref.shape);
      const model = singleOpModel(
        op,
        withBias(
          [
            act('int8', 'input', shapeOf(r.input), inQ),
            {
              name: 'filter',
              shape: filterShape,
              type: 'int8',
              data: wq.data,
              quantization: wq.quantization,
            },
          ],
          r.bias
            ? {
                name: 'bias',
                shape: [outC],
                type: 'int32',
                data: bq.data,
                quantization: bq.quantization,
              }
            : null,
        ),
        act('int8', 'output', outShape, outQ),
        options,
      );
      return { model, inputs: [x], outShape, expected: ref.data };
    },
  };
}

// Without bias, DEPTHWISE_CONV_2D takes two inputs (its kernel reads the input count; a
// third input of -1 is refused), while FULLY_CONNECTED accepts -1. This TFLite build's
// CONV_2D requires a bias (conv.cc: has_bias), so every CONV_2D row has one.
function withBias(inputs: TensorDef[], bias: TensorDef | null): TensorDef[] {
  return bias === null ? inputs : [...inputs, bias];
}

const CONV_ROWS: ConvRow[] = [
  {
    name: '7x9x3 -> 5, 3x3 SAME s1, RELU',
    input: { n: 1, h: 7, w: 9, c: 3 },
    kh: 3,
    kw: 3,
    outOrMultiplier: 5,
    padding: 'SAME',
    stride: [1, 1],
    dilation: [1, 1],
    activation: 'RELU',
    bias: true,
  },
  {
    name: '11x10x4 -> 6, 3x2 SAME s2x3, RELU6',
    input: { n: 1, h: 11, w: 10, c: 4 },
    kh: 3,
    kw: 2,
    outOrMultiplier: 6,
    padding: 'SAME',
    stride: [2, 3],
    dilation: [1, 1],
    activation: 'RELU6',
    bias: true,
  },
  {
    name: '9x9x2 -> 3, 3x3 VALID dilation 2',
    input: { n: 1, h: 9, w: 9, c: 2 },
    kh: 3,
    kw: 3,
    outOrMultiplier: 3,
    padding: 'VALID',
    stride: [1, 1],
    dilation: [2, 2],
    activation: 'NONE',
    bias: true,
  },
  {
    name: '2x6x5x7 -> 4, 1x1 VALID s2',
    input: { n: 2, h: 6, w: 5, c: 7 },
    kh: 1,
    kw: 1,
    outOrMultiplier: 4,
    padding: 'VALID',
    stride: [2, 2],
    dilation: [1, 1],
    activation: 'NONE',
    bias: true,
  },
  {
    name: '8x7x3 -> 2, 5x3 SAME dilation 2x1',
    input: { n: 1, h: 8, w: 7, c: 3 },
    kh: 5,
    kw: 3,
    outOrMultiplier: 2,
    padding: 'SAME',
    stride: [1, 1],
    dilation: [2, 1],
    activation: 'NONE',
    bias: true,
  },
];

const DEPTHWISE_ROWS: ConvRow[] = [
  {
    name: '7x9x3 x1, 3x3 SAME s1, RELU',
    input: { n: 1, h: 7, w: 9, c: 3 },
    kh: 3,
    kw: 3,
    outOrMultiplier: 1,
    padding: 'SAME',
    stride: [1, 1],
    dilation: [1, 1],
    activation: 'RELU',
    bias: true,
  },
  {
    name: '10x11x4 x2, 3x3 SAME s2, RELU6',
    input: { n: 1, h: 10, w: 11, c: 4 },
    kh: 3,
    kw: 3,
    outOrMultiplier: 2,
    padding: 'SAME',
    stride: [2, 2],
    dilation: [1, 1],
    activation: 'RELU6',
    bias: true,
  },
  {
    name: '9x8x2 x3, 2x3 VALID dilation 2, no bias',
    input: { n: 1, h: 9, w: 8, c: 2 },
    kh: 2,
    kw: 3,
    outOrMultiplier: 3,
    padding: 'VALID',
    stride: [1, 1],
    dilation: [2, 2],
    activation: 'NONE',
    bias: false,
  },
  {
    name: '6x5x5 x1, 3x1 VALID s1x2',
    input: { n: 1, h: 6, w: 5, c: 5 },
    kh: 3,
    kw: 1,
    outOrMultiplier: 1,
    padding: 'VALID',
    stride: [1, 2],
    dilation: [1, 1],
    activation: 'NONE',
    bias: true,
  },
];

// ---- FULLY_CONNECTED ------------------------------------------------------------------

function fcCase(
  dtype: CaseDType,
  name: string,
  batches: number,
  inputs: number,
  units: number,
  activation: Activation,
  bias: boolean,
): OpCase {
  return {
    op: 'FULLY_CONNECTED',
    dtype,
    name,
    make() {
      const rng = new Rng(seedOf(`FC ${dtype} ${name}`));
      const wf = rng.floats(units * inputs, -0.5, 0.5);
      const bf = rng.floats(units, -0.5, 0.5);
      const options = fullyConnectedOptions({ activation });
      const geometry = { batches, inputs, units, activation };
      const outShape = [batches, units];
      if (dtype === 'float32') {
        const x = rng.floats(batches * inputs);
        const expected = fullyConnectedFloat({
          ...geometry,
          input: x,
          weights: wf,
          bias: bias ? bf : null,
          quant: null,
        });
        const model = singleOpModel(
          'FULLY_CONNECTED',
          [
            act('float32', 'input', [batches, inputs]),
            { name: 'weights', shape: [units, inputs], type: 'float32', data: wf },
            bias ? { name: 'bias', shape: [units], type: 'float32', data: bf } : null,
          ],
          act('float32', 'output', outShape),
          options,
        );
        return { model, inputs: [x], outShape, expected };
      }
      const inQ: QParams = { scale: 0.04, zeroPoint: 6 };
      const x = rng.int8s(batches * inputs);
      const wq = quantizeWeights(wf, [units, inputs], null);
      const bq = quantizeBias(bf, inQ.scale, wq.scales);
      const floatRef = fullyConnectedFloat({
        ...geometry,
        input: Array.from(x, (v) => dequantizeValue(v, inQ)),
        weights: Array.from(wq.data, (v) => v * wq.scales[0]),
        bias: bias ? Array.from(bq.data, (v) => v * bq.quantization.scale[0]) : null,
        quant: null,
      });
      const outQ = calibrate(floatRef);
      const expected = fullyConnectedInt8({
        ...geometry,
        input: x,
        weights: wq.data,
        bias: bias ? bq.data : null,
        quant: { input: inQ, weightScale: wq.scales[0], output: outQ },
      });
      const model = singleOpModel(
        'FULLY_CONNECTED',
        [
          act('int8', 'input', [batches, inputs], inQ),
          {
            name: 'weights',
            shape: [units, inputs],
            type: 'int8',
            data: wq.data,
            quantization: wq.quantization,
          },
          bias
            ? {
                name: 'bias',
                shape: [units],
                type: 'int32',
                data: bq.data,
                quantization: bq.quantization,
              }
            : null,
        ],
        act('int8', 'output', outShape, outQ),
        options,
      );
      return { model, inputs: [x], outShape, expected };
    },
  };
}

// ---- AVERAGE_POOL_2D and MAX_POOL_2D ----------------------------------------------------

interface PoolRow {
  name: string;
  input: Nhwc;
  filter: [number, number];
  stride: [number, number];
  padding: Padding;
  activation: Activation;
}

function poolCase(op: 'AVERAGE_POOL_2D' | 'MAX_POOL_2D', dtype: CaseDType, r: PoolRow): OpCase {
  return {
    op,
    dtype,
    name: r.name,
    make() {
      const rng = new Rng(seedOf(`${op} ${dtype} ${r.name}`));
      const q: QParams | null = dtype === 'int8' ? { scale: 0.03, zeroPoint: -9 } : null;
      const x =
        dtype === 'int8'
          ? rng.int8s(count(shapeOf(r.input)))
          : rng.floats(count(shapeOf(r.input)), -4, 8);
      const args = {
        input: x,
        inputShape: r.input,
        filterH: r.filter[0],
        filterW: r.filter[1],
        strideH: r.stride[0],
        strideW: r.stride[1],
        padding: r.padding,
        activation: r.activation,
        quant: q,
      };
      const ref = op === 'AVERAGE_POOL_2D' ? averagePool(args) : maxPool(args);
      const outShape = shapeOf(ref.shape);
      const options = pool2dOptions({
        padding: r.padding,
        strideH: r.stride[0],
        strideW: r.stride[1],
        filterH: r.filter[0],
        filterW: r.filter[1],
        activation: r.activation,
      });
      const model = singleOpModel(
        op,
        [act(dtype, 'input', shapeOf(r.input), q ?? undefined)],
        act(dtype, 'output', outShape, q ?? undefined),
        options,
      );
      return { model, inputs: [x], outShape, expected: ref.data };
    },
  };
}

const POOL_ROWS: PoolRow[] = [
  {
    name: '7x9x3, 3x3 SAME s2',
    input: { n: 1, h: 7, w: 9, c: 3 },
    filter: [3, 3],
    stride: [2, 2],
    padding: 'SAME',
    activation: 'NONE',
  },
  {
    name: '8x6x5, 2x2 VALID s2, RELU6',
    input: { n: 1, h: 8, w: 6, c: 5 },
    filter: [2, 2],
    stride: [2, 2],
    padding: 'VALID',
    activation: 'RELU6',
  },
  {
    name: '5x7x2, 3x2 SAME s1, RELU',
    input: { n: 1, h: 5, w: 7, c: 2 },
    filter: [3, 2],
    stride: [1, 1],
    padding: 'SAME',
    activation: 'RELU',
  },
  {
    name: '2x9x9x4, 9x9 VALID (global)',
    input: { n: 2, h: 9, w: 9, c: 4 },
    filter: [9, 9],
    stride: [1, 1],
    padding: 'VALID',
    activation: 'NONE',
  },
];

// ---- ADD and MUL --------------------------------------------------------------------------

function binaryCase(
  op: 'ADD' | 'MUL',
  dtype: CaseDType,
  name: string,
  aShape: number[],
  bShape: number[],
  activation: Activation,
): OpCase {
  return {
    op,
    dtype,
    name,
    make() {
      const rng = new Rng(seedOf(`${op} ${dtype} ${name}`));
      const options = op === 'ADD' ? addOptions({ activation }) : mulOptions({ activation });
      const p = { aShape, bShape, activation };
      if (dtype === 'float32') {
        const a = rng.floats(count(aShape), -3, 3);
        const b = rng.floats(count(bShape), -3, 3);
        const expected = op === 'ADD' ? addFloat({ ...p, a, b }) : mulFloat({ ...p, a, b });
        const outShape = broadcastOf(aShape, bShape);
        const model = singleOpModel(
          op,
          [act('float32', 'a', aShape), act('float32', 'b', bShape)],
          act('float32', 'output', outShape),
          options,
        );
        return { model, inputs: [a, b], outShape, expected };
      }
      const qa: QParams = { scale: 0.02, zeroPoint: 11 };
      const qb: QParams = { scale: 0.035, zeroPoint: -20 };
      const a = rng.int8s(count(aShape));
      const b = rng.int8s(count(bShape));
      const floats = (op === 'ADD' ? addFloat : mulFloat)({
        ...p,
        a: Array.from(a, (v) => dequantizeValue(v, qa)),
        b: Array.from(b, (v) => dequantizeValue(v, qb)),
      });
      const qo = calibrate(floats);
      const quant = { a: qa, b: qb, output: qo };
      const expected =
        op === 'ADD' ? addInt8({ ...p, a, b }, quant) : mulInt8({ ...p, a, b }, quant);
      const outShape = broadcastOf(aShape, bShape);
      const model = singleOpModel(
        op,
        [act('int8', 'a', aShape, qa), act('int8', 'b', bShape, qb)],
        act('int8', 'output', outShape, qo),
        options,
      );
      return { model, inputs: [a, b], outShape, expected };
    },
  };
}

function broadcastOf(a: number[], b: number[]): number[] {
  const rank = Math.max(a.length, b.length);
  return Array.from({ length: rank }, (_, i) =>
    Math.max(a[a.length - rank + i] ?? 1, b[b.length - rank + i] ?? 1),
  );
}

// ---- RELU, RELU6, LOGISTIC, TANH ------------------------------------------------------------

function unaryCase(op: UnaryOp, dtype: CaseDType, shape: number[]): OpCase {
  return {
    op,
    dtype,
    name: `[${shape}]`,
    make() {
      const rng = new Rng(seedOf(`${op} ${dtype} ${shape}`));
      if (dtype === 'float32') {
        const x = rng.floats(count(shape), -8, 8);
        const model = singleOpModel(
          op,
          [act('float32', 'input', shape)],
          act('float32', 'output', shape),
          null,
        );
        return { model, inputs: [x], outShape: shape, expected: unaryFloat(op, x) };
      }
      const inQ: QParams = { scale: 0.06, zeroPoint: 10 };
      const x = rng.int8s(count(shape));
      // TFLite fixes the int8 output quantization of LOGISTIC and TANH.
      const outQ: QParams =
        op === 'LOGISTIC'
          ? { scale: 1 / 256, zeroPoint: -128 }
          : op === 'TANH'
            ? { scale: 1 / 128, zeroPoint: 0 }
            : calibrate(
                unaryFloat(
                  op,
                  Array.from(x, (v) => dequantizeValue(v, inQ)),
                ),
              );
      const model = singleOpModel(
        op,
        [act('int8', 'input', shape, inQ)],
        act('int8', 'output', shape, outQ),
        null,
      );
      return { model, inputs: [x], outShape: shape, expected: unaryInt8(op, x, inQ, outQ) };
    },
  };
}

// ---- SOFTMAX, MEAN, PAD, CONCATENATION, RESHAPE, QUANTIZE, DEQUANTIZE ----------------------

function softmaxCase(dtype: CaseDType, shape: number[], beta: number): OpCase {
  return {
    op: 'SOFTMAX',
    dtype,
    name: `[${shape}] beta ${beta}`,
    make() {
      const rng = new Rng(seedOf(`SOFTMAX ${dtype} ${shape} ${beta}`));
      const depth = shape[shape.length - 1];
      const options = softmaxOptions({ beta });
      if (dtype === 'float32') {
        const x = rng.floats(count(shape), -5, 5);
        const model = singleOpModel(
          'SOFTMAX',
          [act('float32', 'input', shape)],
          act('float32', 'output', shape),
          options,
        );
        return {
          model,
          inputs: [x],
          outShape: shape,
          expected: softmaxFloat(x, depth, Math.fround(beta)),
        };
      }
      const inQ: QParams = { scale: 0.08, zeroPoint: 3 };
      const outQ: QParams = { scale: 1 / 256, zeroPoint: -128 };
      const x = rng.int8s(count(shape));
      const model = singleOpModel(
        'SOFTMAX',
        [act('int8', 'input', shape, inQ)],
        act('int8', 'output', shape, outQ),
        options,
      );
      return {
        model,
        inputs: [x],
        outShape: shape,
        expected: softmaxInt8(x, depth, beta, inQ, outQ),
      };
    },
  };
}

function meanCase(dtype: CaseDType, shape: number[], axes: number[], keepDims: boolean): OpCase {
  return {
    op: 'MEAN',
    dtype,
    name: `[${shape}] axes [${axes}]${keepDims ? ' keep dims' : ''}`,
    make() {
      const rng = new Rng(seedOf(`MEAN ${dtype} ${shape} ${axes} ${keepDims}`));
      const axesDef: TensorDef = {
        name: 'axes',
        shape: [axes.length],
        type: 'int32',
        data: Int32Array.from(axes),
      };
      const options = reducerOptions({ keepDims });
      if (dtype === 'float32') {
        const x = rng.floats(count(shape), -2, 3);
        const ref = meanFloat(x, shape, axes, keepDims);
        const model = singleOpModel(
          'MEAN',
          [act('float32', 'input', shape), axesDef],
          act('float32', 'output', ref.shape),
          options,
        );
        return { model, inputs: [x], outShape: ref.shape, expected: ref.data };
      }
      const inQ: QParams = { scale: 0.05, zeroPoint: 7 };
      const x = rng.int8s(count(shape));
      const floats = meanFloat(
        Array.from(x, (v) => dequantizeValue(v, inQ)),
        shape,
        axes,
        keepDims,
      );
      const outQ = calibrate(floats.data);
      const ref = meanInt8(x, shape, axes, keepDims, inQ, outQ);
      const model = singleOpModel(
        'MEAN',
        [act('int8', 'input', shape, inQ), axesDef],
        act('int8', 'output', ref.shape, outQ),
        options,
      );
      return { model, inputs: [x], outShape: ref.shape, expected: ref.data };
    },
  };
}

function padCase(dtype: CaseDType, shape: number[], paddings: [number, number][]): OpCase {
  return {
    op: 'PAD',
    dtype,
    name: `[${shape}] paddings ${JSON.stringify(paddings)}`,
    make() {
      const rng = new Rng(seedOf(`PAD ${dtype} ${shape} ${paddings}`));
      const padDef: TensorDef = {
        name: 'paddings',
        shape: [shape.length, 2],
        type: 'int32',
        data: Int32Array.from(paddings.flat()),
      };
      const q: QParams | undefined = dtype === 'int8' ? { scale: 0.1, zeroPoint: 4 } : undefined;
      const x = dtype === 'int8' ? rng.int8s(count(shape)) : rng.floats(count(shape));
      const ref = pad(x, shape, paddings, q === undefined ? 0 : q.zeroPoint);
      const model = singleOpModel(
        'PAD',
        [act(dtype, 'input', shape, q), padDef],
        act(dtype, 'output', ref.shape, q),
        padOptions(),
      );
      return { model, inputs: [x], outShape: ref.shape, expected: ref.data };
    },
  };
}

function concatCase(dtype: CaseDType, shapes: number[][], axis: number): OpCase {
  return {
    op: 'CONCATENATION',
    dtype,
    name: `${shapes.map((s) => `[${s}]`).join(' + ')} axis ${axis}`,
    make() {
      const rng = new Rng(seedOf(`CONCAT ${dtype} ${shapes} ${axis}`));
      // TFLite's int8 concatenation requires one quantization for inputs and output.
      const q: QParams | undefined = dtype === 'int8' ? { scale: 0.07, zeroPoint: -2 } : undefined;
      const xs = shapes.map((s) => (dtype === 'int8' ? rng.int8s(count(s)) : rng.floats(count(s))));
      const ref = concatenate(
        xs.map((data, i) => ({ data, shape: shapes[i] })),
        axis,
      );
      const model = singleOpModel(
        'CONCATENATION',
        shapes.map((s, i) => act(dtype, `input${i}`, s, q)),
        act(dtype, 'output', ref.shape, q),
        concatenationOptions({ axis }),
      );
      return { model, inputs: xs, outShape: ref.shape, expected: ref.data };
    },
  };
}

function reshapeCase(dtype: CaseDType, from: number[], to: number[]): OpCase {
  return {
    op: 'RESHAPE',
    dtype,
    name: `[${from}] -> [${to}]`,
    make() {
      const rng = new Rng(seedOf(`RESHAPE ${dtype} ${from} ${to}`));
      const q: QParams | undefined = dtype === 'int8' ? { scale: 0.2, zeroPoint: 1 } : undefined;
      const x = dtype === 'int8' ? rng.int8s(count(from)) : rng.floats(count(from));
      const shapeDef: TensorDef = {
        name: 'shape',
        shape: [to.length],
        type: 'int32',
        data: Int32Array.from(to),
      };
      const model = singleOpModel(
        'RESHAPE',
        [act(dtype, 'input', from, q), shapeDef],
        act(dtype, 'output', to, q),
        reshapeOptions({ newShape: to }),
      );
      return { model, inputs: [x], outShape: to, expected: Array.from(x) };
    },
  };
}

function quantizeCase(shape: number[], q: QParams): OpCase {
  return {
    op: 'QUANTIZE',
    dtype: 'int8',
    name: `float32 [${shape}] -> int8 scale ${q.scale} zp ${q.zeroPoint}`,
    make() {
      const rng = new Rng(seedOf(`QUANTIZE ${shape}`));
      // Wider than the int8 range, so that clamping is exercised too.
      const x = rng.floats(count(shape), -3.5, 3.5);
      const model = singleOpModel(
        'QUANTIZE',
        [act('float32', 'input', shape)],
        act('int8', 'output', shape, q),
        quantizeOptions(),
      );
      return { model, inputs: [x], outShape: shape, expected: quantize(x, q) };
    },
  };
}

function dequantizeCase(shape: number[], q: QParams): OpCase {
  return {
    op: 'DEQUANTIZE',
    dtype: 'float32',
    name: `int8 scale ${q.scale} zp ${q.zeroPoint} [${shape}] -> float32`,
    make() {
      const rng = new Rng(seedOf(`DEQUANTIZE ${shape}`));
      const x = rng.int8s(count(shape));
      const model = singleOpModel(
        'DEQUANTIZE',
        [act('int8', 'input', shape, q)],
        act('float32', 'output', shape),
        dequantizeOptions(),
      );
      return { model, inputs: [x], outShape: shape, expected: dequantize(x, q) };
    },
  };
}

const BOTH: CaseDType[] = ['float32', 'int8'];

export const CASES: OpCase[] = [
  ...BOTH.flatMap((d) => CONV_ROWS.map((r) => convCase('CONV_2D', d, r))),
  ...BOTH.flatMap((d) => DEPTHWISE_ROWS.map((r) => convCase('DEPTHWISE_CONV_2D', d, r))),
  ...BOTH.flatMap((d) => [
    fcCase(d, '1x37 -> 11, RELU', 1, 37, 11, 'RELU', true),
    fcCase(d, '3x20 -> 7, no bias', 3, 20, 7, 'NONE', false),
  ]),
  ...BOTH.flatMap((d) => POOL_ROWS.map((r) => poolCase('AVERAGE_POOL_2D', d, r))),
  ...BOTH.flatMap((d) => POOL_ROWS.map((r) => poolCase('MAX_POOL_2D', d, r))),
  ...BOTH.flatMap((d) =>
    (['ADD', 'MUL'] as const).flatMap((op) => [
      binaryCase(op, d, 'same shape [1,5,7,3]', [1, 5, 7, 3], [1, 5, 7, 3], 'NONE'),
      binaryCase(
        op,
        d,
        'broadcast [1,4,5,3] x [1,1,1,3], RELU',
        [1, 4, 5, 3],
        [1, 1, 1, 3],
        'RELU',
      ),
    ]),
  ),
  ...BOTH.flatMap((d) => [
    reshapeCase(d, [1, 4, 6, 2], [1, 48]),
    reshapeCase(d, [2, 3, 5], [5, 6]),
  ]),
  ...BOTH.flatMap((d) => [softmaxCase(d, [1, 10], 1), softmaxCase(d, [2, 3, 7], 0.5)]),
  ...BOTH.flatMap((d) => [
    meanCase(d, [1, 5, 7, 3], [1, 2], true),
    meanCase(d, [2, 3, 4, 5], [2], false),
  ]),
  ...BOTH.flatMap((d) => [
    padCase(
      d,
      [1, 3, 5, 2],
      [
        [0, 0],
        [1, 2],
        [2, 0],
        [0, 1],
      ],
    ),
    padCase(
      d,
      [4, 3],
      [
        [1, 1],
        [0, 3],
      ],
    ),
  ]),
  ...BOTH.flatMap((d) => [
    concatCase(
      d,
      [
        [1, 3, 4, 2],
        [1, 3, 4, 5],
      ],
      3,
    ),
    concatCase(
      d,
      [
        [1, 2, 3, 2],
        [1, 1, 3, 2],
        [1, 4, 3, 2],
      ],
      1,
    ),
  ]),
  quantizeCase([1, 5, 7, 3], { scale: 0.02, zeroPoint: -5 }),
  dequantizeCase([1, 5, 7, 3], { scale: 0.07, zeroPoint: 12 }),
  ...BOTH.flatMap((d) =>
    (['LOGISTIC', 'TANH', 'RELU', 'RELU6'] as const).map((op) => unaryCase(op, d, [1, 6, 5, 3])),
  ),
];
