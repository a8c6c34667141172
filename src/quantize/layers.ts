// Reading one TF.js layer: its config (padding, strides, activation, data format) and its
// weights, turned into the TFLite layouts of the lowered operators. Every unsupported
// setting is a QuantizeError naming the layer and its class.
import { QuantizeError } from './errors.ts';
import { hwioToOhwi, transpose2d, type BatchNormParams } from './fold.ts';
import type { LayerNode } from './graph.ts';
import type { ConvOp, DenseOp, FusedActivation, PadOp, Padding, PoolOp } from './ops.ts';

export function where(n: LayerNode): string {
  return `layer "${n.name}" (${n.className})`;
}

/** Activations that become their own operator after the layer's. */
export type Separate = 'softmax' | 'tanh' | 'logistic';

export function activationOf(n: LayerNode, a: unknown): FusedActivation | Separate {
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

export function channelsLast(n: LayerNode): void {
  const f = n.config.dataFormat;
  if (f !== undefined && f !== 'channelsLast') {
    throw new QuantizeError(
      'unsupported-config',
      `${where(n)}: dataFormat ${String(f)}; TFLite is NHWC (channelsLast)`,
    );
  }
}

/** ZeroPadding2D's padding: [[top, bottom], [left, right]] in its config. */
export function paddingsOf(n: LayerNode): PadOp['paddings'] {
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

export function convFromLayer(n: LayerNode, input: number): Omit<ConvOp, 'output' | 'layers'> {
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

/**
 * SeparableConv2D = a depthwise conv (no bias) then a 1x1 conv with the layer's bias: the
 * two operators the converter writes. The pointwise op's input is set by the caller.
 */
export function separableFromLayer(
  n: LayerNode,
  input: number,
): [Omit<ConvOp, 'output' | 'layers'>, Omit<ConvOp, 'output' | 'layers'>] {
  channelsLast(n);
  const w = weightsOf(n);
  const dk = need(n, w, 'depthwise_kernel');
  const pk = need(n, w, 'pointwise_kernel');
  const [kh, kw, cin, mult] = dk.shape;
  const [, , mid, outC] = pk.shape;
  return [
    {
      kind: 'depthwise',
      inputs: [input],
      filter: dk.data,
      filterShape: [1, kh, kw, cin * mult],
      bias: new Float32Array(cin * mult),
      padding: padding(n),
      stride: pair(n, 'strides'),
      dilation: pair(n, 'dilationRate', [1, 1]),
      multiplier: mult,
      activation: 'NONE',
    },
    {
      kind: 'conv',
      inputs: [],
      filter: hwioToOhwi(pk.data, pk.shape),
      filterShape: [outC, 1, 1, mid],
      bias: w.get('bias')?.data ?? new Float32Array(outC),
      padding: 'VALID',
      stride: [1, 1],
      dilation: [1, 1],
      multiplier: 1,
      activation: 'NONE',
    },
  ];
}

export function denseFromLayer(n: LayerNode, input: number): Omit<DenseOp, 'output' | 'layers'> {
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

export function poolFromLayer(n: LayerNode, input: number): Omit<PoolOp, 'output' | 'layers'> {
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

export function batchNormFromLayer(n: LayerNode): BatchNormParams {
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
