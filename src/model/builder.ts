// A convenience for tests and the quantizer: assemble a Model tensor by tensor and operator
// by operator, with option helpers that carry documented defaults. build() validates the
// result with the writer's rules, so a built model always writes and reads back equal.

import { ModelError } from './errors.ts';
import { builtinCode } from './tflite-schema.ts';
import type {
  AddOptions,
  Buffer,
  BuiltinOptions,
  ConcatenationOptions,
  Conv2DOptions,
  DepthwiseConv2DOptions,
  EmptyOptions,
  FullyConnectedOptions,
  Model,
  MulOptions,
  Operator,
  OperatorCode,
  Pool2DOptions,
  Quantization,
  ReducerOptions,
  ReshapeOptions,
  SoftmaxOptions,
  Tensor,
  TensorType,
} from './types.ts';
import { validateModel } from './validate.ts';

export type TensorData =
  Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | BigInt64Array;

export interface TensorSpec {
  name: string;
  shape: number[];
  type: TensorType;
  /** Constant contents, little-endian; the tensor gets its own buffer. */
  data?: TensorData;
  /** Scales are stored as float32; the builder rounds them so that read(write(m)) equals m. */
  quantization?: Quantization;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export class ModelBuilder {
  private readonly description: string;
  private readonly tensors: Tensor[] = [];
  private readonly buffers: Buffer[] = [{ data: new Uint8Array(0) }];
  private readonly codes: OperatorCode[] = [];
  private readonly operators: Operator[] = [];
  private inputs: number[] = [];
  private outputs: number[] = [];

  /** `description` becomes Model.description (converters write "MLIR Converted."). */
  constructor(description = 'tinyml-gate ModelBuilder') {
    this.description = description;
  }

  /** Adds a tensor; `data` makes it a constant with its own buffer. Returns the tensor index. */
  addTensor(t: TensorSpec): number {
    let buffer = 0;
    if (t.data !== undefined) {
      if (!LITTLE_ENDIAN) {
        // Typed arrays use the host's byte order; .tflite data is little-endian.
        throw new ModelError(
          'bad-value',
          '<builder>',
          'typed-array data needs a little-endian host',
        );
      }
      const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength).slice();
      buffer = this.buffers.push({ data: bytes }) - 1;
    }
    const tensor: Tensor = {
      name: t.name,
      shape: [...t.shape],
      type: t.type,
      buffer,
      isVariable: false,
    };
    if (t.quantization !== undefined) tensor.quantization = float32Quantization(t.quantization);
    return this.tensors.push(tensor) - 1;
  }

  /** Adds an operator by builtin name ('CONV_2D'); operator codes are deduplicated. */
  addOperator(
    builtin: string,
    inputs: number[],
    outputs: number[],
    options: BuiltinOptions | null = null,
  ): number {
    const code = builtinCode(builtin);
    if (code === undefined) {
      throw new ModelError(
        'unknown-operator',
        '<builder>',
        `unknown builtin operator "${builtin}"`,
      );
    }
    let opcodeIndex = this.codes.findIndex((c) => c.builtin === builtin);
    if (opcodeIndex < 0) opcodeIndex = this.codes.push({ builtin, code, version: 1 }) - 1;
    const stored = options === null ? null : float32Options(options);
    this.operators.push({
      opcodeIndex,
      inputs: [...inputs],
      outputs: [...outputs],
      options: stored,
    });
    return this.operators.length - 1;
  }

  setInputs(tensors: number[]): void {
    this.inputs = [...tensors];
  }

  setOutputs(tensors: number[]): void {
    this.outputs = [...tensors];
  }

  /** The model so far, validated; later calls on the builder do not change it. */
  build(): Model {
    const model: Model = structuredClone({
      version: 3,
      description: this.description,
      operatorCodes: this.codes,
      subgraphs: [
        {
          name: 'main',
          tensors: this.tensors,
          inputs: this.inputs,
          outputs: this.outputs,
          operators: this.operators,
        },
      ],
      buffers: this.buffers,
    });
    validateModel(model, '<builder>');
    return model;
  }
}

function float32Quantization(q: Quantization): Quantization {
  const out: Quantization = {
    scale: q.scale.map(Math.fround),
    zeroPoint: [...q.zeroPoint],
    quantizedDimension: q.quantizedDimension,
  };
  if (q.min !== undefined) out.min = q.min.map(Math.fround);
  if (q.max !== undefined) out.max = q.max.map(Math.fround);
  return out;
}

function float32Options(o: BuiltinOptions): BuiltinOptions {
  if (o.kind === 'SoftmaxOptions') return { ...o, beta: Math.fround(o.beta) };
  if (o.kind === 'ReshapeOptions') return { ...o, newShape: [...o.newShape] };
  return { ...o };
}

type Fields<T> = Partial<Omit<T, 'kind'>>;

/** CONV_2D: padding SAME, strides 1, activation NONE, dilation 1. */
export function conv2dOptions(p: Fields<Conv2DOptions> = {}): Conv2DOptions {
  return {
    kind: 'Conv2DOptions',
    padding: p.padding ?? 'SAME',
    strideW: p.strideW ?? 1,
    strideH: p.strideH ?? 1,
    activation: p.activation ?? 'NONE',
    dilationW: p.dilationW ?? 1,
    dilationH: p.dilationH ?? 1,
  };
}

/** DEPTHWISE_CONV_2D: padding SAME, strides 1, depth multiplier 1, activation NONE, dilation 1. */
export function depthwiseConv2dOptions(
  p: Fields<DepthwiseConv2DOptions> = {},
): DepthwiseConv2DOptions {
  return {
    kind: 'DepthwiseConv2DOptions',
    padding: p.padding ?? 'SAME',
    strideW: p.strideW ?? 1,
    strideH: p.strideH ?? 1,
    depthMultiplier: p.depthMultiplier ?? 1,
    activation: p.activation ?? 'NONE',
    dilationW: p.dilationW ?? 1,
    dilationH: p.dilationH ?? 1,
  };
}

/** FULLY_CONNECTED: activation NONE, weights DEFAULT, keepNumDims false, asymmetric false. */
export function fullyConnectedOptions(
  p: Fields<FullyConnectedOptions> = {},
): FullyConnectedOptions {
  return {
    kind: 'FullyConnectedOptions',
    activation: p.activation ?? 'NONE',
    weightsFormat: p.weightsFormat ?? 'DEFAULT',
    keepNumDims: p.keepNumDims ?? false,
    asymmetricQuantizeInputs: p.asymmetricQuantizeInputs ?? false,
  };
}

/** AVERAGE_POOL_2D / MAX_POOL_2D: padding SAME, strides 1, filter 2x2, activation NONE. */
export function pool2dOptions(p: Fields<Pool2DOptions> = {}): Pool2DOptions {
  return {
    kind: 'Pool2DOptions',
    padding: p.padding ?? 'SAME',
    strideW: p.strideW ?? 1,
    strideH: p.strideH ?? 1,
    filterW: p.filterW ?? 2,
    filterH: p.filterH ?? 2,
    activation: p.activation ?? 'NONE',
  };
}

/** ADD: activation NONE, potScaleInt16 true (the schema default). */
export function addOptions(p: Fields<AddOptions> = {}): AddOptions {
  return {
    kind: 'AddOptions',
    activation: p.activation ?? 'NONE',
    potScaleInt16: p.potScaleInt16 ?? true,
  };
}

/** MUL: activation NONE. */
export function mulOptions(p: Fields<MulOptions> = {}): MulOptions {
  return { kind: 'MulOptions', activation: p.activation ?? 'NONE' };
}

/** RESHAPE: newShape [] (current converters pass the shape as a second input tensor). */
export function reshapeOptions(p: Fields<ReshapeOptions> = {}): ReshapeOptions {
  return { kind: 'ReshapeOptions', newShape: [...(p.newShape ?? [])] };
}

/** SOFTMAX: beta 1 (what converters write; the schema default 0 would flatten the output). */
export function softmaxOptions(p: Fields<SoftmaxOptions> = {}): SoftmaxOptions {
  return { kind: 'SoftmaxOptions', beta: p.beta ?? 1 };
}

/** MEAN and other reductions: keepDims false. */
export function reducerOptions(p: Fields<ReducerOptions> = {}): ReducerOptions {
  return { kind: 'ReducerOptions', keepDims: p.keepDims ?? false };
}

/** CONCATENATION: axis 0 (the schema default), activation NONE. */
export function concatenationOptions(p: Fields<ConcatenationOptions> = {}): ConcatenationOptions {
  return {
    kind: 'ConcatenationOptions',
    axis: p.axis ?? 0,
    activation: p.activation ?? 'NONE',
  };
}

/** PAD: no fields. */
export function padOptions(): EmptyOptions {
  return { kind: 'PadOptions' };
}

/** QUANTIZE: no fields (converters usually write no options at all: pass null). */
export function quantizeOptions(): EmptyOptions {
  return { kind: 'QuantizeOptions' };
}

/** DEQUANTIZE: no fields. */
export function dequantizeOptions(): EmptyOptions {
  return { kind: 'DequantizeOptions' };
}
