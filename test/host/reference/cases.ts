// The operator test table: one row per (operator, dtype, geometry). Each row writes a
// one-operator .tflite model with the ModelBuilder and computes the expected output with
// the reference loop nests of this folder, from the same seeded random data.

import type { CaseDType, OpCase } from './case-kit.ts';
import { CONV_ROWS, convCase, DEPTHWISE_ROWS, fcCase } from './cases-conv.ts';
import {
  binaryCase,
  dequantizeCase,
  quantizeCase,
  softmaxCase,
  unaryCase,
} from './cases-elementwise.ts';
import { POOL_ROWS, poolCase } from './cases-pool.ts';
import { concatCase, meanCase, padCase, reshapeCase } from './cases-shape.ts';

export type { OpCase } from './case-kit.ts';

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
