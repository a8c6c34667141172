// Operator test rows for AVERAGE_POOL_2D and MAX_POOL_2D.

import { pool2dOptions } from '../../../src/model/builder.ts';
import type { Activation, Padding } from '../../../src/model/types.ts';
import { act, seedOf, shapeOf, singleOpModel, type CaseDType, type OpCase } from './case-kit.ts';
import type { Nhwc } from './conv.ts';
import { count, Rng } from './fixtures.ts';
import { averagePool, maxPool } from './pool.ts';
import type { QParams } from './quant.ts';

// ---- AVERAGE_POOL_2D and MAX_POOL_2D ----------------------------------------------------

interface PoolRow {
  name: string;
  input: Nhwc;
  filter: [number, number];
  stride: [number, number];
  padding: Padding;
  activation: Activation;
}

export function poolCase(
  op: 'AVERAGE_POOL_2D' | 'MAX_POOL_2D',
  dtype: CaseDType,
  r: PoolRow,
): OpCase {
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

function row(
  input: [number, number, number, number],
  filter: [number, number],
  stride: [number, number],
  padding: Padding,
  activation: Activation,
): PoolRow {
  const [n, h, w, c] = input;
  const name = `${n}x${h}x${w}x${c} f${filter.join('x')} ${padding} s${stride.join('x')} ${activation}`;
  return { name, input: { n, h, w, c }, filter, stride, padding, activation };
}

// SAME windows clipped at the edges (the average divides by the clipped count), VALID
// with a remainder, a fused activation, and a global pool over two batches.
export const POOL_ROWS: PoolRow[] = [
  row([1, 7, 9, 3], [3, 3], [2, 2], 'SAME', 'NONE'),
  row([1, 8, 6, 5], [2, 2], [2, 2], 'VALID', 'RELU6'),
  row([1, 5, 7, 2], [3, 2], [1, 1], 'SAME', 'RELU'),
  row([2, 9, 9, 4], [9, 9], [1, 1], 'VALID', 'NONE'),
];
