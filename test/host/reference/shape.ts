// Reference PAD, CONCATENATION and MEAN over row-major tensors of any rank (RESHAPE is
// the identity on the flat data). int8 PAD fills with the output zero point (the value
// that dequantizes to 0); int8 CONCATENATION in TFLite requires one quantization for all
// inputs and the output, so it copies; int8 MEAN follows reduce.cc's QuantizedMeanOrSum.

import { clamp, roundAway, type QParams } from './quant.ts';

const count = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** Strides of a row-major shape. */
function strides(shape: number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

/** Calls f(flatIndex, coordinates) for every element of shape, in row-major order. */
function forEachIndex(shape: number[], f: (flat: number, index: number[]) => void): void {
  const index = new Array<number>(shape.length).fill(0);
  const total = count(shape);
  for (let flat = 0; flat < total; flat++) {
    f(flat, index);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
}

/** paddings: [before, after] per axis. */
export function pad(
  x: ArrayLike<number>,
  shape: number[],
  paddings: [number, number][],
  fill: number,
): { shape: number[]; data: number[] } {
  const outShape = shape.map((d, i) => d + paddings[i][0] + paddings[i][1]);
  const inStrides = strides(shape);
  const data = new Array<number>(count(outShape));
  forEachIndex(outShape, (flat, index) => {
    let src = 0;
    for (let d = 0; d < shape.length; d++) {
      const i = index[d] - paddings[d][0];
      if (i < 0 || i >= shape[d]) {
        data[flat] = fill;
        return;
      }
      src += i * inStrides[d];
    }
    data[flat] = x[src];
  });
  return { shape: outShape, data };
}

export function concatenate(
  parts: { data: ArrayLike<number>; shape: number[] }[],
  axis: number,
): { shape: number[]; data: number[] } {
  const outShape = [...parts[0].shape];
  outShape[axis] = parts.reduce((a, p) => a + p.shape[axis], 0);
  const outer = count(outShape.slice(0, axis));
  const data: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const p of parts) {
      const chunk = count(p.shape.slice(axis));
      for (let i = 0; i < chunk; i++) data.push(p.data[o * chunk + i]);
    }
  }
  return { shape: outShape, data };
}

/** Mean over `axes`; the output keeps reduced axes as 1 when keepDims. */
function reduceMean(
  x: ArrayLike<number>,
  shape: number[],
  axes: number[],
  keepDims: boolean,
  finish: (sum: number, n: number) => number,
): { shape: number[]; data: number[] } {
  const reduced = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outStrides = strides(reduced);
  const sums = new Array<number>(count(reduced)).fill(0);
  forEachIndex(shape, (flat, index) => {
    let o = 0;
    for (let d = 0; d < shape.length; d++) o += (axes.includes(d) ? 0 : index[d]) * outStrides[d];
    sums[o] += x[flat];
  });
  const n = axes.reduce((a, d) => a * shape[d], 1);
  const outShape = keepDims ? reduced : shape.filter((_, i) => !axes.includes(i));
  return { shape: outShape, data: sums.map((s) => finish(s, n)) };
}

export function meanFloat(
  x: ArrayLike<number>,
  shape: number[],
  axes: number[],
  keepDims: boolean,
): { shape: number[]; data: number[] } {
  return reduceMean(x, shape, axes, keepDims, (s, n) => s / n);
}

/** round(mean * in_scale / out_scale - in_zp * in_scale / out_scale) + out_zp, clamped. */
export function meanInt8(
  x: ArrayLike<number>,
  shape: number[],
  axes: number[],
  keepDims: boolean,
  input: QParams,
  output: QParams,
): { shape: number[]; data: number[] } {
  const scale = Math.fround(input.scale) / Math.fround(output.scale);
  const bias = -input.zeroPoint * scale;
  return reduceMean(x, shape, axes, keepDims, (s, n) =>
    clamp(roundAway((s / n) * scale + bias) + output.zeroPoint, -128, 127),
  );
}
