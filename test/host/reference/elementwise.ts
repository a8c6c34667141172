// Reference ADD, MUL (with NumPy-style broadcasting), the activations (RELU, RELU6,
// LOGISTIC, TANH), SOFTMAX, QUANTIZE and DEQUANTIZE, after TFLite's kernels
// (add.cc, mul.cc, activations.cc, quantize.cc, dequantize.cc). Where the full TFLite
// runtime evaluates int8 through a float lookup table (LOGISTIC, TANH, SOFTMAX), the
// reference computes the same float expression and rounds it once; TFLM uses
// fixed-point approximations there instead, which differ by at most 1 unit.

import type { Activation } from '../../../src/model/types.ts';
import {
  activationRangeFloat,
  activationRangeInt8,
  clamp,
  dequantizeValue,
  multiplyByQuantizedMultiplier,
  quantizeMultiplier,
  quantizeValue,
  roundAway,
  type QParams,
} from './quant.ts';

/** The broadcast shape of a and b (right-aligned, size-1 axes stretch). */
export function broadcastShape(a: number[], b: number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`cannot broadcast [${a}] with [${b}]`);
    out.push(Math.max(da, db));
  }
  return out;
}

/** Applies f to each pair of broadcast elements; returns the flat output in row-major order. */
function binary(
  a: ArrayLike<number>,
  aShape: number[],
  b: ArrayLike<number>,
  bShape: number[],
  f: (x: number, y: number) => number,
): number[] {
  const shape = broadcastShape(aShape, bShape);
  const rank = shape.length;
  const pad = (s: number[]): number[] => [...new Array<number>(rank - s.length).fill(1), ...s];
  const as = pad(aShape);
  const bs = pad(bShape);
  const total = shape.reduce((x, y) => x * y, 1);
  const out = new Array<number>(total);
  const index = new Array<number>(rank).fill(0);
  for (let flat = 0; flat < total; flat++) {
    let ia = 0;
    let ib = 0;
    for (let d = 0; d < rank; d++) {
      ia = ia * as[d] + (as[d] === 1 ? 0 : index[d]);
      ib = ib * bs[d] + (bs[d] === 1 ? 0 : index[d]);
    }
    out[flat] = f(a[ia], b[ib]);
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

export interface BinaryArgs {
  a: ArrayLike<number>;
  aShape: number[];
  b: ArrayLike<number>;
  bShape: number[];
  activation: Activation;
}

export function addFloat(p: BinaryArgs): number[] {
  const [lo, hi] = activationRangeFloat(p.activation);
  return binary(p.a, p.aShape, p.b, p.bShape, (x, y) => clamp(x + y, lo, hi));
}

export function mulFloat(p: BinaryArgs): number[] {
  const [lo, hi] = activationRangeFloat(p.activation);
  return binary(p.a, p.aShape, p.b, p.bShape, (x, y) => clamp(x * y, lo, hi));
}

export interface BinaryQuant {
  a: QParams;
  b: QParams;
  output: QParams;
}

/**
 * int8 ADD: both inputs are shifted left by 20 bits, rescaled to twice the larger input
 * scale, summed, and the sum rescaled to the output (add.cc, left_shift = 20 for int8).
 */
export function addInt8(p: BinaryArgs, q: BinaryQuant): number[] {
  const [lo, hi] = activationRangeInt8(p.activation, q.output);
  const sa = Math.fround(q.a.scale);
  const sb = Math.fround(q.b.scale);
  const leftShift = 20;
  const twiceMax = 2 * Math.max(sa, sb);
  const ma = quantizeMultiplier(sa / twiceMax);
  const mb = quantizeMultiplier(sb / twiceMax);
  const mo = quantizeMultiplier(twiceMax / (2 ** leftShift * Math.fround(q.output.scale)));
  return binary(p.a, p.aShape, p.b, p.bShape, (x, y) => {
    const xa = multiplyByQuantizedMultiplier(
      (x - q.a.zeroPoint) * 2 ** leftShift,
      ma.multiplier,
      ma.shift,
    );
    const yb = multiplyByQuantizedMultiplier(
      (y - q.b.zeroPoint) * 2 ** leftShift,
      mb.multiplier,
      mb.shift,
    );
    const raw =
      multiplyByQuantizedMultiplier(xa + yb, mo.multiplier, mo.shift) + q.output.zeroPoint;
    return clamp(raw, lo, hi);
  });
}

/** int8 MUL: the product of the offset inputs, rescaled by sa * sb / so. */
export function mulInt8(p: BinaryArgs, q: BinaryQuant): number[] {
  const [lo, hi] = activationRangeInt8(p.activation, q.output);
  const m = quantizeMultiplier(
    (Math.fround(q.a.scale) * Math.fround(q.b.scale)) / Math.fround(q.output.scale),
  );
  return binary(p.a, p.aShape, p.b, p.bShape, (x, y) => {
    const product = (x - q.a.zeroPoint) * (y - q.b.zeroPoint);
    return clamp(
      multiplyByQuantizedMultiplier(product, m.multiplier, m.shift) + q.output.zeroPoint,
      lo,
      hi,
    );
  });
}

export type UnaryOp = 'RELU' | 'RELU6' | 'LOGISTIC' | 'TANH';

const FLOAT_UNARY: Record<UnaryOp, (x: number) => number> = {
  RELU: (x) => Math.max(0, x),
  RELU6: (x) => clamp(x, 0, 6),
  LOGISTIC: (x) => 1 / (1 + Math.exp(-x)),
  TANH: (x) => Math.tanh(x),
};

export function unaryFloat(op: UnaryOp, x: ArrayLike<number>): number[] {
  return Array.from(x, FLOAT_UNARY[op]);
}

/**
 * int8 RELU/RELU6 requantize (x - in zp) by in_scale / out_scale, then clamp to the
 * activation range; LOGISTIC/TANH evaluate the float function of the dequantized input
 * and quantize it (TFLite's int8 lookup table holds exactly these values).
 */
export function unaryInt8(
  op: UnaryOp,
  x: ArrayLike<number>,
  input: QParams,
  output: QParams,
): number[] {
  if (op === 'RELU' || op === 'RELU6') {
    const [lo, hi] = activationRangeInt8(op, output);
    const m = quantizeMultiplier(Math.fround(input.scale) / Math.fround(output.scale));
    return Array.from(x, (v) =>
      clamp(
        output.zeroPoint +
          multiplyByQuantizedMultiplier(v - input.zeroPoint, m.multiplier, m.shift),
        lo,
        hi,
      ),
    );
  }
  const f = FLOAT_UNARY[op];
  return Array.from(x, (v) => {
    const y = f(dequantizeValue(v, input));
    return clamp(roundAway(y / Math.fround(output.scale)) + output.zeroPoint, -128, 127);
  });
}

/** Softmax over the last axis of rows of `depth` values, with exp(beta * (x - max)). */
export function softmaxFloat(x: ArrayLike<number>, depth: number, beta: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < x.length / depth; r++) {
    const row = Array.from({ length: depth }, (_, i) => x[r * depth + i]);
    const max = Math.max(...row);
    const e = row.map((v) => Math.exp(beta * (v - max)));
    const sum = e.reduce((a, b) => a + b, 0);
    out.push(...e.map((v) => v / sum));
  }
  return out;
}

/** int8 softmax (TFLite's table kernel): round(exp(s*beta*(x - max)) / (sum * out_scale)) + zp. */
export function softmaxInt8(
  x: ArrayLike<number>,
  depth: number,
  beta: number,
  input: QParams,
  output: QParams,
): number[] {
  const out: number[] = [];
  const k = Math.fround(input.scale) * Math.fround(beta);
  for (let r = 0; r < x.length / depth; r++) {
    const row = Array.from({ length: depth }, (_, i) => x[r * depth + i]);
    const max = Math.max(...row);
    const e = row.map((v) => Math.exp(k * (v - max)));
    const sum = e.reduce((a, b) => a + b, 0);
    const inv = 1 / (sum * Math.fround(output.scale));
    out.push(...e.map((v) => clamp(roundAway(v * inv) + output.zeroPoint, -128, 127)));
  }
  return out;
}

export function quantize(x: ArrayLike<number>, q: QParams): number[] {
  return Array.from(x, (v) => quantizeValue(v, q));
}

export function dequantize(x: ArrayLike<number>, q: QParams): number[] {
  return Array.from(x, (v) => dequantizeValue(v, q));
}
