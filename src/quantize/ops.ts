// The lowered graph: TFLite-shaped operators over float weights and values, what the
// quantizer's later steps (calibration, emission) work on.
import type { SymbolicTensor } from './graph.ts';

export type FusedActivation = 'NONE' | 'RELU' | 'RELU6';
export type Padding = 'SAME' | 'VALID';

export interface Value {
  name: string;
  /** Batch 1. */
  shape: number[];
  /** The TF.js tensor whose range calibration records; null for the model input. */
  tensor: SymbolicTensor | null;
  /**
   * The output of a conv/depthwise/dense layer before its own softmax, tanh or sigmoid:
   * TF.js exposes only the activated tensor, so calibration recomputes this one from the
   * layer's input and the op's weights.
   */
  preActivation?: { input: SymbolicTensor; op: ConvOp | DenseOp };
}

interface OpBase {
  /** TF.js layers lowered into this operator (conv, bn, relu...). */
  layers: string[];
  inputs: number[];
  output: number;
}

export interface ConvOp extends OpBase {
  kind: 'conv' | 'depthwise';
  /** OHWI for conv, 1HW(C*M) for depthwise. */
  filter: Float32Array;
  filterShape: number[];
  bias: Float32Array;
  padding: Padding;
  stride: [number, number];
  dilation: [number, number];
  multiplier: number;
  activation: FusedActivation;
}

export interface DenseOp extends OpBase {
  kind: 'dense';
  /** [out, in]. */
  weights: Float32Array;
  weightsShape: [number, number];
  bias: Float32Array;
  activation: FusedActivation;
}

export interface PoolOp extends OpBase {
  kind: 'pool';
  op: 'MAX_POOL_2D' | 'AVERAGE_POOL_2D';
  padding: Padding;
  stride: [number, number];
  filter: [number, number];
}

export interface PadOp extends OpBase {
  kind: 'pad';
  /** [[top, bottom], [left, right]]: zeros around H and W. */
  paddings: [[number, number], [number, number]];
}

export interface ConcatOp extends OpBase {
  kind: 'concat';
  /** Axis of the batch-1 shape (0 is the batch), never negative. */
  axis: number;
}

export interface AddOp extends OpBase {
  kind: 'add';
  activation: FusedActivation;
}

export interface SimpleOp extends OpBase {
  /** mean: over H and W (GlobalAveragePooling2D). reshape: to the output value's shape. */
  kind: 'mean' | 'reshape' | 'softmax' | 'relu' | 'relu6' | 'tanh' | 'logistic';
}

export type Op = ConvOp | DenseOp | PoolOp | PadOp | ConcatOp | AddOp | SimpleOp;
/** An Op before it has an output value (Omit distributed over the union). */
type DistOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type OpSpec = DistOmit<Op, 'output' | 'layers'>;

export interface LoweredGraph {
  values: Value[];
  ops: Op[];
  input: number;
  outputs: number[];
}
