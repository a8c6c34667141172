// Reference CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED as plain loop nests, following
// TFLite's reference kernels (reference_ops::Conv, reference_integer_ops::ConvPerChannel,
// DepthwiseConvPerChannel, FullyConnected). Layouts are TFLite's: activations NHWC, conv
// filters OHWI, depthwise filters 1HW(I*M), FC weights [units, inputs].
// Float results are computed in double; the tests compare with a tolerance.

import type { Activation, Padding } from '../../../src/model/types.ts';
import {
  activationRangeFloat,
  activationRangeInt8,
  clamp,
  multiplyByQuantizedMultiplier,
  quantizeMultiplier,
  type QParams,
} from './quant.ts';

export interface Nhwc {
  n: number;
  h: number;
  w: number;
  c: number;
}

export interface WindowParams {
  padding: Padding;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
}

/** Output extent and leading pad of one spatial axis (ComputePaddingHeightWidth). */
export function windowAxis(
  size: number,
  filter: number,
  stride: number,
  dilation: number,
  padding: Padding,
): { out: number; pad: number } {
  const effective = (filter - 1) * dilation + 1;
  const out =
    padding === 'SAME' ? Math.ceil(size / stride) : Math.ceil((size - effective + 1) / stride);
  const total = Math.max((out - 1) * stride + effective - size, 0);
  return { out, pad: Math.floor(total / 2) };
}

const at = (s: Nhwc, n: number, y: number, x: number, c: number): number =>
  ((n * s.h + y) * s.w + x) * s.c + c;

interface ConvGeometry {
  outShape: Nhwc;
  padH: number;
  padW: number;
}

function geometry(
  input: Nhwc,
  kh: number,
  kw: number,
  outC: number,
  p: WindowParams,
): ConvGeometry {
  const hAxis = windowAxis(input.h, kh, p.strideH, p.dilationH, p.padding);
  const wAxis = windowAxis(input.w, kw, p.strideW, p.dilationW, p.padding);
  return {
    outShape: { n: input.n, h: hAxis.out, w: wAxis.out, c: outC },
    padH: hAxis.pad,
    padW: wAxis.pad,
  };
}

/**
 * The one loop nest both conv kinds share: for each output element, the sum over the
 * window of term(inputIndex, filterIndex). Depthwise maps output channel oc to input
 * channel floor(oc / multiplier) and reads only that channel.
 */
function convolve(
  input: Nhwc,
  kh: number,
  kw: number,
  outC: number,
  p: WindowParams,
  depthwise: { multiplier: number } | null,
  term: (inputIndex: number, filterIndex: number) => number,
  finish: (acc: number, oc: number) => number,
): { shape: Nhwc; data: number[] } {
  const g = geometry(input, kh, kw, outC, p);
  const o = g.outShape;
  const data = new Array<number>(o.n * o.h * o.w * o.c);
  for (let n = 0; n < o.n; n++) {
    for (let oy = 0; oy < o.h; oy++) {
      for (let ox = 0; ox < o.w; ox++) {
        for (let oc = 0; oc < outC; oc++) {
          let acc = 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * p.strideH - g.padH + ky * p.dilationH;
            if (iy < 0 || iy >= input.h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * p.strideW - g.padW + kx * p.dilationW;
              if (ix < 0 || ix >= input.w) continue;
              if (depthwise !== null) {
                const ic = Math.floor(oc / depthwise.multiplier);
                acc += term(at(input, n, iy, ix, ic), (ky * kw + kx) * outC + oc);
              } else {
                for (let ic = 0; ic < input.c; ic++) {
                  acc += term(at(input, n, iy, ix, ic), ((oc * kh + ky) * kw + kx) * input.c + ic);
                }
              }
            }
          }
          data[at(o, n, oy, ox, oc)] = finish(acc, oc);
        }
      }
    }
  }
  return { shape: o, data };
}

export interface ConvArgs<T> {
  input: ArrayLike<number>;
  inputShape: Nhwc;
  /** OHWI for CONV_2D, 1HWC for DEPTHWISE_CONV_2D. */
  filter: ArrayLike<number>;
  filterH: number;
  filterW: number;
  outChannels: number;
  bias: ArrayLike<number> | null;
  window: WindowParams;
  activation: Activation;
  /** DEPTHWISE_CONV_2D only. */
  depthMultiplier?: number;
  quant: T;
}

export interface ConvQuant {
  input: QParams;
  /** One scale per output channel (zero points are 0: symmetric weights). */
  filterScales: number[];
  output: QParams;
}

export function convFloat(a: ConvArgs<null>): { shape: Nhwc; data: number[] } {
  const [lo, hi] = activationRangeFloat(a.activation);
  const dw = a.depthMultiplier === undefined ? null : { multiplier: a.depthMultiplier };
  return convolve(
    a.inputShape,
    a.filterH,
    a.filterW,
    a.outChannels,
    a.window,
    dw,
    (i, f) => a.input[i] * a.filter[f],
    (acc, oc) => clamp(acc + (a.bias === null ? 0 : a.bias[oc]), lo, hi),
  );
}

/**
 * ConvPerChannel / DepthwiseConvPerChannel: int32 accumulator of (x - input zp) * w plus
 * the int32 bias, requantized per channel by in_scale * w_scale[c] / out_scale. The
 * accumulator cannot overflow: |x - zp| <= 255, |w| <= 127, so a window of up to 66,000
 * taps stays below 2^31; these tests use far fewer.
 */
export function convInt8(a: ConvArgs<ConvQuant>): { shape: Nhwc; data: number[] } {
  const q = a.quant;
  const [lo, hi] = activationRangeInt8(a.activation, q.output);
  const multipliers = q.filterScales.map((s) =>
    quantizeMultiplier((Math.fround(q.input.scale) * Math.fround(s)) / Math.fround(q.output.scale)),
  );
  const dw = a.depthMultiplier === undefined ? null : { multiplier: a.depthMultiplier };
  return convolve(
    a.inputShape,
    a.filterH,
    a.filterW,
    a.outChannels,
    a.window,
    dw,
    (i, f) => (a.input[i] - q.input.zeroPoint) * a.filter[f],
    (acc, oc) => {
      const m = multipliers[oc];
      const withBias = acc + (a.bias === null ? 0 : a.bias[oc]);
      const scaled = multiplyByQuantizedMultiplier(withBias, m.multiplier, m.shift);
      return clamp(scaled + q.output.zeroPoint, lo, hi);
    },
  );
}

export interface FcArgs<T> {
  input: ArrayLike<number>;
  batches: number;
  inputs: number;
  /** [units, inputs]. */
  weights: ArrayLike<number>;
  units: number;
  bias: ArrayLike<number> | null;
  activation: Activation;
  quant: T;
}

export interface FcQuant {
  input: QParams;
  /** Per-tensor, symmetric (zero point 0). */
  weightScale: number;
  output: QParams;
}

function fullyConnected(
  a: FcArgs<unknown>,
  term: (x: number, w: number) => number,
  finish: (acc: number) => number,
): number[] {
  const out = new Array<number>(a.batches * a.units);
  for (let b = 0; b < a.batches; b++) {
    for (let u = 0; u < a.units; u++) {
      let acc = 0;
      for (let i = 0; i < a.inputs; i++)
        acc += term(a.input[b * a.inputs + i], a.weights[u * a.inputs + i]);
      out[b * a.units + u] = finish(acc + (a.bias === null ? 0 : a.bias[u]));
    }
  }
  return out;
}

export function fullyConnectedFloat(a: FcArgs<null>): number[] {
  const [lo, hi] = activationRangeFloat(a.activation);
  return fullyConnected(
    a,
    (x, w) => x * w,
    (acc) => clamp(acc, lo, hi),
  );
}

/** reference_integer_ops::FullyConnected with a per-tensor multiplier. */
export function fullyConnectedInt8(a: FcArgs<FcQuant>): number[] {
  const q = a.quant;
  const [lo, hi] = activationRangeInt8(a.activation, q.output);
  const m = quantizeMultiplier(
    (Math.fround(q.input.scale) * Math.fround(q.weightScale)) / Math.fround(q.output.scale),
  );
  return fullyConnected(
    a,
    (x, w) => (x - q.input.zeroPoint) * w,
    (acc) =>
      clamp(multiplyByQuantizedMultiplier(acc, m.multiplier, m.shift) + q.output.zeroPoint, lo, hi),
  );
}
