// Step 2: layer nodes -> TFLite-shaped operators on float weights. BatchNormalization is
// folded into the conv/dense before it, and ReLU/ReLU6 are fused into the conv, depthwise,
// dense or add before them, under the converter's rule: the producer has no activation yet
// and nothing else reads its output (else the ReLU stays a RELU/RELU6 operator).
import { QuantizeError } from './errors.ts';
import { foldBatchNorm, hwioToOhwi, transpose2d, type BatchNormParams } from './fold.ts';
import type { LayerGraph, LayerNode, SymbolicTensor } from './graph.ts';

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

export interface AddOp extends OpBase {
  kind: 'add';
  activation: FusedActivation;
}

export interface SimpleOp extends OpBase {
  /** mean: over H and W (GlobalAveragePooling2D). reshape: to the output value's shape. */
  kind: 'mean' | 'reshape' | 'softmax' | 'relu' | 'relu6' | 'tanh' | 'logistic';
}

export type Op = ConvOp | DenseOp | PoolOp | PadOp | AddOp | SimpleOp;
/** An Op before it has an output value (Omit distributed over the union). */
type DistOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type OpSpec = DistOmit<Op, 'output' | 'layers'>;

export interface LoweredGraph {
  values: Value[];
  ops: Op[];
  input: number;
  outputs: number[];
}

export function lowerGraph(g: LayerGraph): LoweredGraph {
  const values: Value[] = [{ name: g.input.name, shape: [1, ...g.sampleShape], tensor: null }];
  const ops: Op[] = [];
  // TF.js tensor id -> value index; fused layers map several ids to one value.
  const valueOf = new Map<number, number>([[g.input.id, 0]]);
  const producer = new Map<number, Op>();
  const outputs = new Set(g.outputs);

  const read = (n: LayerNode, i: number): number => {
    const v = valueOf.get(n.inputs[i]);
    if (v === undefined) {
      throw new QuantizeError(
        'unsupported-topology',
        `${where(n)}: input ${i} comes from no lowered layer`,
      );
    }
    return v;
  };
  const emit = (n: LayerNode, op: OpSpec): Op => {
    const output = values.push({ name: n.name, shape: n.shape, tensor: n.output }) - 1;
    const full = { ...op, output, layers: [n.name] } as Op;
    ops.push(full);
    valueOf.set(n.output.id, output);
    producer.set(output, full);
    return full;
  };
  /** The op that solely produces node input 0, if n may be merged into it. */
  const mergeable = (n: LayerNode): Op | null => {
    const id = n.inputs[0];
    if (g.consumers.get(id) !== 1 || outputs.has(id)) return null;
    return producer.get(read(n, 0)) ?? null;
  };
  const merge = (n: LayerNode, op: Op): void => {
    op.layers.push(n.name);
    values[op.output] = { name: op.layers.join(';'), shape: n.shape, tensor: n.output };
    valueOf.set(n.output.id, op.output);
  };
  const activate = (n: LayerNode, act: 'RELU' | 'RELU6'): void => {
    const op = mergeable(n);
    if (op !== null && 'activation' in op && op.activation === 'NONE') {
      op.activation = act;
      merge(n, op);
    } else {
      emit(n, { kind: act === 'RELU' ? 'relu' : 'relu6', inputs: [read(n, 0)] });
    }
  };
  /** The layer's own activation: fused (ReLU, ReLU6) or its own operator after the op. */
  const afterActivation = (n: LayerNode, op: ConvOp | DenseOp): void => {
    const act = activationOf(n, n.config.activation ?? 'linear');
    if (act === 'NONE') return;
    if (act === 'RELU' || act === 'RELU6') {
      op.activation = act;
      return;
    }
    const out = emit(n, { kind: act, inputs: [op.output] });
    const input = n.layer.input;
    values[op.output] = {
      name: `${n.name}/pre_${act}`,
      shape: [...values[op.output].shape],
      tensor: null,
      preActivation: { input: Array.isArray(input) ? input[0] : input, op },
    };
    values[out.output].name = n.name;
  };

  for (const n of g.nodes) {
    switch (n.className) {
      case 'Conv2D':
      case 'DepthwiseConv2D': {
        const op = emit(n, convFromLayer(n, read(n, 0))) as ConvOp;
        afterActivation(n, op);
        break;
      }
      case 'Dense': {
        const inShape = values[read(n, 0)].shape;
        if (inShape.length !== 2) {
          throw new QuantizeError(
            'unsupported-config',
            `${where(n)}: input has shape [${inShape.join(',')}]; add a Flatten before Dense (TFLite FULLY_CONNECTED takes [batch, features])`,
          );
        }
        const op = emit(n, denseFromLayer(n, read(n, 0))) as DenseOp;
        afterActivation(n, op);
        break;
      }
      case 'BatchNormalization': {
        const op = mergeable(n);
        if (
          op === null ||
          (op.kind !== 'conv' && op.kind !== 'depthwise' && op.kind !== 'dense') ||
          op.activation !== 'NONE'
        ) {
          throw new QuantizeError(
            'unfoldable-batchnorm',
            `${where(n)} must directly follow a Conv2D, DepthwiseConv2D or Dense with no activation whose output nothing else reads (it is folded into that layer's weights)`,
          );
        }
        const bn = batchNormFromLayer(n);
        const weights = op.kind === 'dense' ? op.weights : op.filter;
        foldBatchNorm(weights, op.bias, bn, op.kind === 'depthwise');
        merge(n, op);
        break;
      }
      case 'ReLU': {
        const max = n.config.maxValue;
        if (max !== null && max !== undefined && max !== 6) {
          throw new QuantizeError(
            'unsupported-config',
            `${where(n)}: maxValue ${String(max)}; only none (ReLU) or 6 (ReLU6) map to TFLite`,
          );
        }
        activate(n, max === 6 ? 'RELU6' : 'RELU');
        break;
      }
      case 'Activation': {
        const act = activationOf(n, n.config.activation);
        if (act === 'NONE') valueOf.set(n.output.id, read(n, 0));
        else if (act === 'RELU' || act === 'RELU6') activate(n, act);
        else emit(n, { kind: act, inputs: [read(n, 0)] });
        break;
      }
      case 'Softmax': {
        const axis = n.config.axis;
        if (axis !== -1 && axis !== n.shape.length - 1) {
          throw new QuantizeError(
            'unsupported-config',
            `${where(n)}: axis ${String(axis)}; TFLite SOFTMAX works on the last axis`,
          );
        }
        emit(n, { kind: 'softmax', inputs: [read(n, 0)] });
        break;
      }
      case 'MaxPooling2D':
      case 'AveragePooling2D':
        emit(n, poolFromLayer(n, read(n, 0)));
        break;
      case 'GlobalAveragePooling2D':
        channelsLast(n);
        if (n.config.keepDims === true) {
          throw new QuantizeError('unsupported-config', `${where(n)}: keepDims is not supported`);
        }
        emit(n, { kind: 'mean', inputs: [read(n, 0)] });
        break;
      case 'ZeroPadding2D':
        channelsLast(n);
        emit(n, { kind: 'pad', inputs: [read(n, 0)], paddings: paddingsOf(n) });
        break;
      case 'Flatten':
      case 'Reshape':
        emit(n, { kind: 'reshape', inputs: [read(n, 0)] });
        break;
      case 'Add': {
        if (n.inputs.length !== 2) {
          throw new QuantizeError(
            'unsupported-config',
            `${where(n)} adds ${n.inputs.length} tensors; TFLite ADD takes two (chain Add layers)`,
          );
        }
        const a = values[read(n, 0)].shape.join(',');
        const b = values[read(n, 1)].shape.join(',');
        if (a !== b) {
          throw new QuantizeError(
            'unsupported-config',
            `${where(n)}: shapes [${a}] and [${b}] differ; broadcasting ADD is not supported`,
          );
        }
        emit(n, { kind: 'add', inputs: [read(n, 0), read(n, 1)], activation: 'NONE' });
        break;
      }
      default:
        throw new QuantizeError(
          'unsupported-layer',
          `${where(n)} is not supported by the quantizer (supported: Conv2D, DepthwiseConv2D, Dense, BatchNormalization, ReLU, Activation, Softmax, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, ZeroPadding2D, Add, Flatten, Reshape, Dropout)`,
        );
    }
  }
  const outs = g.outputs.map((id) => {
    const v = valueOf.get(id);
    if (v === undefined || v === 0) {
      throw new QuantizeError(
        'unsupported-topology',
        `model output ${id} is not computed by any supported layer`,
      );
    }
    return v;
  });
  return { values, ops, input: 0, outputs: outs };
}

function where(n: LayerNode): string {
  return `layer "${n.name}" (${n.className})`;
}

/** Activations that become their own operator after the layer's. */
type Separate = 'softmax' | 'tanh' | 'logistic';

function activationOf(n: LayerNode, a: unknown): FusedActivation | Separate {
  if (a === 'linear' || a === null) return 'NONE';
  if (a === 'relu') return 'RELU';
  if (a === 'relu6') return 'RELU6';
  if (a === 'softmax') return 'softmax';
  if (a === 'tanh') return 'tanh';
  if (a === 'sigmoid') return 'logistic';
  throw new QuantizeError(
    'unsupported-config',
    `${where(n)}: activation "${String(a)}" is not supported (linear, relu, relu6, softmax, tanh, sigmoid)`,
  );
}

function channelsLast(n: LayerNode): void {
  const f = n.config.dataFormat;
  if (f !== undefined && f !== 'channelsLast') {
    throw new QuantizeError(
      'unsupported-config',
      `${where(n)}: dataFormat ${String(f)}; TFLite is NHWC (channelsLast)`,
    );
  }
}

/** ZeroPadding2D's padding: [[top, bottom], [left, right]] in its config. */
function paddingsOf(n: LayerNode): PadOp['paddings'] {
  const p = n.config.padding;
  const ok = (v: unknown): v is [number, number] =>
    Array.isArray(v) && v.length === 2 && v.every((x) => Number.isInteger(x) && x >= 0);
  if (Array.isArray(p) && p.length === 2 && ok(p[0]) && ok(p[1])) return [p[0], p[1]];
  throw new QuantizeError(
    'unsupported-config',
    `${where(n)}: padding ${JSON.stringify(p)} is not [[top, bottom], [left, right]]`,
  );
}

function padding(n: LayerNode): Padding {
  const p = n.config.padding;
  if (p === 'same') return 'SAME';
  if (p === 'valid') return 'VALID';
  throw new QuantizeError(
    'unsupported-config',
    `${where(n)}: padding "${String(p)}" (same or valid only)`,
  );
}

function pair(n: LayerNode, field: string, fallback?: [number, number]): [number, number] {
  const v = n.config[field];
  if ((v === null || v === undefined) && fallback !== undefined) return fallback;
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')) {
    return [v[0] as number, v[1] as number];
  }
  throw new QuantizeError(
    'unsupported-config',
    `${where(n)}: ${field} ${JSON.stringify(v)} is not one or two numbers`,
  );
}

/** The layer's weights by their short name (kernel, bias, gamma, moving_mean...). */
function weightsOf(n: LayerNode): Map<string, { data: Float32Array; shape: number[] }> {
  const vars = n.layer.weights;
  const tensors = n.layer.getWeights();
  const out = new Map<string, { data: Float32Array; shape: number[] }>();
  vars.forEach((v, i) => {
    const short = v.originalName.slice(v.originalName.lastIndexOf('/') + 1);
    out.set(short, {
      data: Float32Array.from(tensors[i].dataSync()),
      shape: [...tensors[i].shape],
    });
  });
  return out;
}

function need(n: LayerNode, w: Map<string, { data: Float32Array; shape: number[] }>, name: string) {
  const t = w.get(name);
  if (t === undefined) {
    throw new QuantizeError(
      'unsupported-config',
      `${where(n)} has no "${name}" weight (has: ${[...w.keys()].join(', ')})`,
    );
  }
  return t;
}

function convFromLayer(n: LayerNode, input: number): Omit<ConvOp, 'output' | 'layers'> {
  channelsLast(n);
  const w = weightsOf(n);
  const depthwise = n.className === 'DepthwiseConv2D';
  const k = need(n, w, depthwise ? 'depthwise_kernel' : 'kernel');
  const [kh, kw, cin, last] = k.shape;
  const outC = depthwise ? cin * last : last;
  const bias = w.get('bias')?.data ?? new Float32Array(outC);
  return {
    kind: depthwise ? 'depthwise' : 'conv',
    inputs: [input],
    // HWCM is already 1HW(C*M) in memory: output channel c*M+m, as TFLite numbers them.
    filter: depthwise ? k.data : hwioToOhwi(k.data, k.shape),
    filterShape: depthwise ? [1, kh, kw, outC] : [outC, kh, kw, cin],
    bias,
    padding: padding(n),
    stride: pair(n, 'strides'),
    dilation: pair(n, 'dilationRate', [1, 1]),
    multiplier: depthwise ? last : 1,
    activation: 'NONE',
  };
}

function denseFromLayer(n: LayerNode, input: number): Omit<DenseOp, 'output' | 'layers'> {
  const w = weightsOf(n);
  const k = need(n, w, 'kernel');
  const [inN, outN] = k.shape;
  return {
    kind: 'dense',
    inputs: [input],
    weights: transpose2d(k.data, inN, outN),
    weightsShape: [outN, inN],
    bias: w.get('bias')?.data ?? new Float32Array(outN),
    activation: 'NONE',
  };
}

function poolFromLayer(n: LayerNode, input: number): Omit<PoolOp, 'output' | 'layers'> {
  channelsLast(n);
  const filter = pair(n, 'poolSize');
  return {
    kind: 'pool',
    op: n.className === 'MaxPooling2D' ? 'MAX_POOL_2D' : 'AVERAGE_POOL_2D',
    inputs: [input],
    padding: padding(n),
    stride: pair(n, 'strides', filter),
    filter,
  };
}

function batchNormFromLayer(n: LayerNode): BatchNormParams {
  const axis = n.config.axis;
  if (axis !== -1 && axis !== n.shape.length - 1) {
    throw new QuantizeError(
      'unfoldable-batchnorm',
      `${where(n)}: axis ${String(axis)}; only the channel axis (-1) folds`,
    );
  }
  const w = weightsOf(n);
  const eps = n.config.epsilon;
  return {
    gamma: w.get('gamma')?.data ?? null,
    beta: w.get('beta')?.data ?? null,
    mean: need(n, w, 'moving_mean').data,
    variance: need(n, w, 'moving_variance').data,
    epsilon: typeof eps === 'number' ? eps : 1e-3,
  };
}
