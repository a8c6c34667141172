// Deterministic test data for the operator tests: a seeded PRNG, random tensors, and
// weight quantization as the TFLite converter does it (symmetric int8 weights, one scale
// per output channel, int32 bias at input_scale * weight_scale).

import type { Quantization } from '../../../src/model/types.ts';
import { roundAway, type QParams } from './quant.ts';

/** mulberry32: small, fast, and the same sequence on every platform. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  floats(n: number, lo = -1, hi = 1): Float32Array {
    return Float32Array.from({ length: n }, () => lo + (hi - lo) * this.next());
  }

  int8s(n: number, lo = -128, hi = 127): Int8Array {
    return Int8Array.from({ length: n }, () => lo + Math.floor((hi - lo + 1) * this.next()));
  }
}

export const count = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** Per-tensor quantization for the builder. */
export function perTensor(q: QParams): Quantization {
  return { scale: [q.scale], zeroPoint: [q.zeroPoint], quantizedDimension: 0 };
}

export interface QuantizedWeights {
  data: Int8Array;
  scales: number[];
  quantization: Quantization;
}

/**
 * Symmetric int8 weights in [-127, 127], one scale per slice along `axis` (per-tensor
 * when `axis` is null), scale = max|w| / 127 of the slice, as the converter computes it.
 */
export function quantizeWeights(
  w: Float32Array,
  shape: number[],
  axis: number | null,
): QuantizedWeights {
  const channels = axis === null ? 1 : shape[axis];
  const inner = axis === null ? 1 : count(shape.slice(axis + 1));
  const channelOf = (i: number): number => (axis === null ? 0 : Math.floor(i / inner) % channels);
  const maxAbs = new Array<number>(channels).fill(0);
  w.forEach((v, i) => {
    maxAbs[channelOf(i)] = Math.max(maxAbs[channelOf(i)], Math.abs(v));
  });
  const scales = maxAbs.map((m) => Math.fround(m > 0 ? m / 127 : 1));
  const data = Int8Array.from(w, (v, i) =>
    Math.max(-127, Math.min(127, roundAway(v / scales[channelOf(i)]))),
  );
  return {
    data,
    scales,
    quantization: {
      scale: scales,
      zeroPoint: scales.map(() => 0),
      quantizedDimension: axis ?? 0,
    },
  };
}

/** int32 bias quantized at input_scale * weight_scale[c], zero point 0. */
export function quantizeBias(
  b: Float32Array,
  inputScale: number,
  weightScales: number[],
): {
  data: Int32Array;
  quantization: Quantization;
} {
  const scales = b.map((_, c) =>
    Math.fround(Math.fround(inputScale) * weightScales[weightScales.length === 1 ? 0 : c]),
  );
  return {
    data: Int32Array.from(b, (v, c) => roundAway(v / scales[c])),
    quantization: {
      scale: Array.from(scales),
      zeroPoint: Array.from(scales, () => 0),
      quantizedDimension: 0,
    },
  };
}
