// Reference AVERAGE_POOL_2D and MAX_POOL_2D (reference_ops::AveragePool/MaxPool and
// reference_integer_ops for int8). The window is clipped to the input: padded positions
// are neither averaged nor compared, and the average divides by the clipped count.

import type { Activation, Padding } from '../../../src/model/types.ts';
import { windowAxis, type Nhwc } from './conv.ts';
import { activationRangeFloat, activationRangeInt8, clamp, type QParams } from './quant.ts';

export interface PoolArgs {
  input: ArrayLike<number>;
  inputShape: Nhwc;
  filterH: number;
  filterW: number;
  strideH: number;
  strideW: number;
  padding: Padding;
  activation: Activation;
  /** int8: input and output share these (TFLite requires it for pooling). */
  quant: QParams | null;
}

function pool(a: PoolArgs, reduce: (values: number[]) => number): { shape: Nhwc; data: number[] } {
  const s = a.inputShape;
  const hAxis = windowAxis(s.h, a.filterH, a.strideH, 1, a.padding);
  const wAxis = windowAxis(s.w, a.filterW, a.strideW, 1, a.padding);
  const shape: Nhwc = { n: s.n, h: hAxis.out, w: wAxis.out, c: s.c };
  const data: number[] = [];
  for (let n = 0; n < s.n; n++) {
    for (let oy = 0; oy < shape.h; oy++) {
      for (let ox = 0; ox < shape.w; ox++) {
        for (let c = 0; c < s.c; c++) {
          const y0 = oy * a.strideH - hAxis.pad;
          const x0 = ox * a.strideW - wAxis.pad;
          const values: number[] = [];
          for (let y = Math.max(0, y0); y < Math.min(s.h, y0 + a.filterH); y++) {
            for (let x = Math.max(0, x0); x < Math.min(s.w, x0 + a.filterW); x++) {
              values.push(a.input[((n * s.h + y) * s.w + x) * s.c + c]);
            }
          }
          data.push(reduce(values));
        }
      }
    }
  }
  return { shape, data };
}

function range(a: PoolArgs): [number, number] {
  return a.quant === null
    ? activationRangeFloat(a.activation)
    : activationRangeInt8(a.activation, a.quant);
}

export function averagePool(a: PoolArgs): { shape: Nhwc; data: number[] } {
  const [lo, hi] = range(a);
  return pool(a, (values) => {
    const sum = values.reduce((x, y) => x + y, 0);
    const count = values.length;
    if (a.quant === null) return clamp(sum / count, lo, hi);
    // Integer division with rounding half away from zero, as the int8 kernel does.
    const half = Math.floor(count / 2);
    const rounded = sum > 0 ? Math.trunc((sum + half) / count) : Math.trunc((sum - half) / count);
    return clamp(rounded, lo, hi);
  });
}

export function maxPool(a: PoolArgs): { shape: Nhwc; data: number[] } {
  const [lo, hi] = range(a);
  return pool(a, (values) => clamp(Math.max(...values), lo, hi));
}
