// Shared pieces of the operator test table: the one-operator model writer, calibration
// of int8 output ranges, and per-row seeds.

import { ModelBuilder } from '../../../src/model/builder.ts';
import type { BuiltinOptions, Quantization, TensorType } from '../../../src/model/types.ts';
import { writeModel } from '../../../src/model/writer.ts';
import type { TensorData } from '../../../src/host/tflite-runtime.ts';
import type { Nhwc } from './conv.ts';
import { perTensor } from './fixtures.ts';
import { roundAway, type QParams } from './quant.ts';

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

export interface TensorDef {
  name: string;
  shape: number[];
  type: TensorType;
  quantization?: Quantization;
  /** Constant data; tensors without it are model inputs, in order. */
  data?: TensorData;
}

/** One operator and its tensors, written as a .tflite file. */
export function singleOpModel(
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
export function calibrate(values: number[]): QParams {
  const lo = Math.min(0, ...values);
  const hi = Math.max(0, ...values);
  const scale = Math.fround(hi > lo ? (hi - lo) / 255 : 1);
  return { scale, zeroPoint: Math.max(-128, Math.min(127, roundAway(-128 - lo / scale))) };
}

/** A seed from the case name, so that rows do not depend on each other's order. */
export function seedOf(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

export const shapeOf = (s: Nhwc): number[] => [s.n, s.h, s.w, s.c];
export const act = (t: TensorType, name: string, shape: number[], q?: QParams): TensorDef =>
  q === undefined ? { name, shape, type: t } : { name, shape, type: t, quantization: perTensor(q) };
