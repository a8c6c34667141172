// Element counts and byte sizes of tensors, shared by the per-layer analysis and the
// arena planner so that both count a tensor's bytes the same way.
import type { Model, Subgraph, Tensor, TensorType } from './types.ts';

/** A failure of analysis on a model that the reader accepted but that cannot be measured. */
export class AnalysisError extends Error {
  readonly code: AnalysisErrorCode;
  constructor(code: AnalysisErrorCode, message: string) {
    super(message);
    this.name = 'AnalysisError';
    this.code = code;
  }
}

export type AnalysisErrorCode =
  /** The model has no subgraph 0. */
  | 'no-subgraph'
  /** A tensor, buffer or operator-code index out of range (models built in memory). */
  | 'bad-index'
  /** An activation whose type has no fixed element size (string, resource, variant). */
  | 'unsized-tensor'
  /** A tensor an operator's rule needs is missing or has the wrong rank, or options are. */
  | 'bad-shape'
  /** An arena request with a negative size, an inverted lifetime or a duplicate id. */
  | 'bad-lifetime';

/**
 * Bits per element of each fixed-size type. Types with no fixed size (string,
 * resource, variant) are absent: their activations cannot be sized from the shape.
 */
const BITS: Partial<Record<TensorType, number>> = {
  float32: 32,
  float16: 16,
  int32: 32,
  uint8: 8,
  int64: 64,
  bool: 8,
  int16: 16,
  complex64: 64,
  int8: 8,
  float64: 64,
  complex128: 128,
  uint64: 64,
  uint32: 32,
  uint16: 16,
  // int4 is packed two per byte in TFLite buffers.
  int4: 4,
  bfloat16: 16,
};

/** Product of the dimensions; a scalar (shape []) has one element. */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Bytes a tensor occupies: the length of its buffer when it holds constant data
 * (what really sits in flash), else elements x element size rounded up to a byte.
 */
export function tensorBytes(model: Model, sg: Subgraph, index: number): number {
  const t = tensorAt(sg, index, 'tensor');
  const data = constantData(model, t, index);
  if (data !== null) return data.length;
  const bits = BITS[t.type];
  if (bits === undefined) {
    throw new AnalysisError(
      'unsized-tensor',
      `tensor ${index} ("${t.name}") has type ${t.type}, which has no fixed element size`,
    );
  }
  return Math.ceil((elementCount(t.shape) * bits) / 8);
}

/** The tensor's constant data, or null when it is an activation (buffer empty or 0). */
export function constantData(model: Model, t: Tensor, index: number): Uint8Array | null {
  if (t.buffer === 0) return null;
  const b = model.buffers[t.buffer];
  if (b === undefined) {
    throw new AnalysisError(
      'bad-index',
      `tensor ${index} ("${t.name}") refers to buffer ${t.buffer} of ${model.buffers.length}`,
    );
  }
  return b.data.length > 0 ? b.data : null;
}

export function isConstant(model: Model, sg: Subgraph, index: number): boolean {
  return constantData(model, tensorAt(sg, index, 'tensor'), index) !== null;
}

/** The tensor at `index`, or an error naming what referred to it. */
export function tensorAt(sg: Subgraph, index: number, what: string): Tensor {
  const t = sg.tensors[index];
  if (t === undefined || !Number.isInteger(index)) {
    throw new AnalysisError(
      'bad-index',
      `${what} refers to tensor ${index}, but subgraph 0 has ${sg.tensors.length} tensors`,
    );
  }
  return t;
}
