// The in-memory form of a TFLite model: what the reader produces, what the writer
// consumes and what analysis walks. It mirrors the published schema
// (tensorflow/lite/schema/schema.fbs) but with plain arrays and named enums, so that
// read(write(m)) can be compared with deepStrictEqual.

/** TensorType names, in schema order (the index is the schema's enum value). */
export const TENSOR_TYPES = [
  'float32',
  'float16',
  'int32',
  'uint8',
  'int64',
  'string',
  'bool',
  'int16',
  'complex64',
  'int8',
  'float64',
  'complex128',
  'uint64',
  'resource',
  'variant',
  'uint32',
  'uint16',
  'int4',
  'bfloat16',
] as const;
export type TensorType = (typeof TENSOR_TYPES)[number];

/** Padding enum of the schema: SAME = 0, VALID = 1. */
export type Padding = 'SAME' | 'VALID';

/** ActivationFunctionType of the schema, in schema order. */
export const ACTIVATIONS = ['NONE', 'RELU', 'RELU_N1_TO_1', 'RELU6', 'TANH', 'SIGN_BIT'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export interface Quantization {
  /** One scale per tensor, or one per channel along quantizedDimension. */
  scale: number[];
  /** Same length as scale. Stored as int64 in the file; safe integers here. */
  zeroPoint: number[];
  quantizedDimension: number;
  /** Optional calibration ranges (float models carry them sometimes). */
  min?: number[];
  max?: number[];
}

export interface Tensor {
  name: string;
  /** Dimensions; every entry >= 0 (the reader rejects negatives). */
  shape: number[];
  type: TensorType;
  /** Index into Model.buffers; buffer 0 is the empty sentinel. */
  buffer: number;
  quantization?: Quantization;
  isVariable: boolean;
  /** -1 marks a dynamic dimension, as in the schema. Absent when the file has none. */
  shapeSignature?: number[];
}

export interface Buffer {
  /** Constant data, or an empty array for activations and the sentinel buffer 0. */
  data: Uint8Array;
}

export interface OperatorCode {
  /**
   * Builtin operator name ('CONV_2D', ...), resolved from max(deprecated_builtin_code,
   * builtin_code) as the schema prescribes. 'CUSTOM' for custom operators.
   */
  builtin: string;
  /** The raw numeric code, kept so that unknown-but-valid codes round-trip. */
  code: number;
  customCode?: string;
  version: number;
}

export interface Conv2DOptions {
  kind: 'Conv2DOptions';
  padding: Padding;
  strideW: number;
  strideH: number;
  activation: Activation;
  dilationW: number;
  dilationH: number;
}

export interface DepthwiseConv2DOptions {
  kind: 'DepthwiseConv2DOptions';
  padding: Padding;
  strideW: number;
  strideH: number;
  depthMultiplier: number;
  activation: Activation;
  dilationW: number;
  dilationH: number;
}

export interface FullyConnectedOptions {
  kind: 'FullyConnectedOptions';
  activation: Activation;
  /** 'DEFAULT' or 'SHUFFLED4x16INT8' (the latter is refused by the engine). */
  weightsFormat: 'DEFAULT' | 'SHUFFLED4x16INT8';
  keepNumDims: boolean;
  asymmetricQuantizeInputs: boolean;
}

export interface Pool2DOptions {
  kind: 'Pool2DOptions';
  padding: Padding;
  strideW: number;
  strideH: number;
  filterW: number;
  filterH: number;
  activation: Activation;
}

export interface AddOptions {
  kind: 'AddOptions';
  activation: Activation;
  potScaleInt16: boolean;
}

export interface MulOptions {
  kind: 'MulOptions';
  activation: Activation;
}

export interface ReshapeOptions {
  kind: 'ReshapeOptions';
  newShape: number[];
}

export interface SoftmaxOptions {
  kind: 'SoftmaxOptions';
  beta: number;
}

/** MEAN and the other reductions. */
export interface ReducerOptions {
  kind: 'ReducerOptions';
  keepDims: boolean;
}

export interface ConcatenationOptions {
  kind: 'ConcatenationOptions';
  axis: number;
  activation: Activation;
}

/** Options tables with no fields (PadOptions, QuantizeOptions, DequantizeOptions, ...). */
export interface EmptyOptions {
  kind: 'PadOptions' | 'QuantizeOptions' | 'DequantizeOptions';
}

/**
 * Options of a type the reader does not decode: kept as the union type number and
 * the raw table bytes are not preserved (the writer cannot write them back).
 */
export interface UnknownOptions {
  kind: 'Unknown';
  /** BuiltinOptions union type number. */
  type: number;
}

export type BuiltinOptions =
  | Conv2DOptions
  | DepthwiseConv2DOptions
  | FullyConnectedOptions
  | Pool2DOptions
  | AddOptions
  | MulOptions
  | ReshapeOptions
  | SoftmaxOptions
  | ReducerOptions
  | ConcatenationOptions
  | EmptyOptions
  | UnknownOptions;

export interface Operator {
  opcodeIndex: number;
  /** Tensor indices; -1 marks an omitted optional input (e.g. no bias). */
  inputs: number[];
  outputs: number[];
  options: BuiltinOptions | null;
}

export interface Subgraph {
  name: string;
  tensors: Tensor[];
  inputs: number[];
  outputs: number[];
  operators: Operator[];
}

export interface Model {
  version: number;
  description: string;
  operatorCodes: OperatorCode[];
  subgraphs: Subgraph[];
  buffers: Buffer[];
}
