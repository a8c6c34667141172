// Host analysis of a model (stage A of the paper): per-layer MACs, parameters, weight
// and activation bytes, the arena plan and the flash footprint. Only subgraph 0 (the
// one TFLite Micro runs) is analysed; `subgraphs` reports how many the file has.
// Every counting rule is written out in docs/metrics.md; keep the two in sync.
import { createHash } from 'node:crypto';
import { planModelArena } from './arena-plan.ts';
import {
  AnalysisError,
  constantData,
  elementCount,
  isConstant,
  tensorAt,
  tensorBytes,
} from './shapes.ts';
import type { Model, Operator, Subgraph } from './types.ts';
// The analysis document is part of the result contract (schemas/result.schema.json,
// $defs/modelAnalysis); its types live with the schema.
import type { LayerAnalysis, ModelAnalysis, TensorInfo } from '../schema/result-types.ts';

export type { LayerAnalysis, ModelAnalysis, TensorInfo };

export { AnalysisError } from './shapes.ts';

export interface AnalyzeOptions {
  /** Flash taken by the inference engine (code + constants); default: unknown (null). */
  engineBytes?: number;
}

/** Operators that only move or reinterpret data: 0 MACs. */
const DATA_MOVEMENT = new Set([
  'RESHAPE',
  'PAD',
  'PADV2',
  'MIRROR_PAD',
  'CONCATENATION',
  'SQUEEZE',
  'EXPAND_DIMS',
  'TRANSPOSE',
  'GATHER',
  'GATHER_ND',
  'SLICE',
  'STRIDED_SLICE',
  'SPLIT',
  'SPLIT_V',
  'PACK',
  'UNPACK',
  'SHAPE',
  'TILE',
  'BROADCAST_TO',
  'SPACE_TO_DEPTH',
  'DEPTH_TO_SPACE',
  'SPACE_TO_BATCH_ND',
  'BATCH_TO_SPACE_ND',
]);

/** Reductions: one MAC per input element. */
const REDUCTIONS = new Set(['MEAN', 'SUM', 'REDUCE_MAX', 'REDUCE_MIN', 'REDUCE_PROD']);

const POOLS = new Set(['AVERAGE_POOL_2D', 'MAX_POOL_2D', 'L2_POOL_2D']);

/**
 * Analyses subgraph 0 of `model`, whose file is `bytes` (hashed and sized as given),
 * under the display name `name`. Throws AnalysisError whose message starts with `name`.
 */
export function analyzeModel(
  model: Model,
  bytes: Uint8Array,
  name: string,
  opts: AnalyzeOptions = {},
): ModelAnalysis {
  try {
    return analyze(model, bytes, name, opts);
  } catch (e) {
    if (e instanceof AnalysisError) throw new AnalysisError(e.code, `${name}: ${e.message}`);
    throw e;
  }
}

function analyze(
  model: Model,
  bytes: Uint8Array,
  name: string,
  opts: AnalyzeOptions,
): ModelAnalysis {
  const sg = model.subgraphs[0];
  if (sg === undefined) throw new AnalysisError('no-subgraph', 'the model has no subgraph');
  // Layers and graph I/O first: they check every tensor index with a message naming
  // the operator or the graph list that holds it.
  const layers = sg.operators.map((op, i) => analyzeLayer(model, sg, op, i));
  const inputs = sg.inputs.map((t) => tensorInfo(sg, t, 'graph input'));
  const outputs = sg.outputs.map((t) => tensorInfo(sg, t, 'graph output'));

  // Model totals count each constant tensor once, although layers may share one.
  const constants = new Set<number>();
  const activations = new Set<number>();
  const collect = (t: number): void => {
    if (t === -1) return;
    (isConstant(model, sg, t) ? constants : activations).add(t);
  };
  for (const op of sg.operators) [...op.inputs, ...op.outputs].forEach(collect);
  [...sg.inputs, ...sg.outputs].forEach(collect);
  let params = 0;
  let weightBytes = 0;
  for (const t of constants) {
    params += elementCount(sg.tensors[t].shape);
    weightBytes += tensorBytes(model, sg, t);
  }
  let activationBytes = 0;
  for (const t of activations) activationBytes += tensorBytes(model, sg, t);

  const counts = new Map<string, number>();
  for (const l of layers) counts.set(l.op, (counts.get(l.op) ?? 0) + 1);

  const plan = planModelArena(model);
  const engineBytes = opts.engineBytes ?? null;
  return {
    name,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    bytes: bytes.length,
    subgraphs: model.subgraphs.length,
    inputs,
    outputs,
    ops: [...counts].map(([op, count]) => ({ op, count })),
    layers,
    totals: {
      layers: layers.length,
      macs: layers.reduce((s, l) => s + l.macs, 0),
      params,
      weightBytes,
      activationBytes,
    },
    arena: { bytes: plan.bytes, algorithm: plan.algorithm, tensors: plan.allocations.length },
    flash: {
      modelBytes: bytes.length,
      engineBytes,
      totalBytes: engineBytes === null ? null : bytes.length + engineBytes,
    },
  };
}

/** The operator's name as layers and the ops list show it; custom ops by their code. */
export function operatorName(model: Model, op: Operator, index: number): string {
  const code = model.operatorCodes[op.opcodeIndex];
  if (code === undefined) {
    throw new AnalysisError(
      'bad-index',
      `operator ${index} has opcode index ${op.opcodeIndex}, but the model has ${model.operatorCodes.length} operator codes`,
    );
  }
  return code.builtin === 'CUSTOM' && code.customCode ? `CUSTOM:${code.customCode}` : code.builtin;
}

function tensorInfo(sg: Subgraph, index: number, what: string): TensorInfo {
  const t = tensorAt(sg, index, what);
  const out: TensorInfo = { index, name: t.name, shape: [...t.shape], dtype: t.type };
  const q = t.quantization;
  if (q !== undefined && q.scale.length > 0) {
    out.quantization = {
      scale: [...q.scale],
      zeroPoint: [...q.zeroPoint],
      axis: q.quantizedDimension,
    };
  }
  return out;
}

function analyzeLayer(model: Model, sg: Subgraph, op: Operator, index: number): LayerAnalysis {
  const name = operatorName(model, op, index);
  const inputs = op.inputs.filter((t) => t !== -1);
  let params = 0;
  let weightBytes = 0;
  let activationBytes = 0;
  for (const t of inputs) {
    const tensor = tensorAt(sg, t, `operator ${index} (${name}) input`);
    if (constantData(model, tensor, t) !== null) {
      params += elementCount(tensor.shape);
      weightBytes += tensorBytes(model, sg, t);
    } else {
      activationBytes += tensorBytes(model, sg, t);
    }
  }
  for (const t of op.outputs) {
    tensorAt(sg, t, `operator ${index} (${name}) output`);
    if (!isConstant(model, sg, t)) activationBytes += tensorBytes(model, sg, t);
  }
  return {
    index,
    op: name,
    inputs: inputs.map((t) => tensorInfo(sg, t, `operator ${index} input`)),
    outputs: op.outputs.map((t) => tensorInfo(sg, t, `operator ${index} output`)),
    macs: layerMacs(sg, op, index, name),
    params,
    weightBytes,
    activationBytes,
  };
}

/** MACs of one operator by the rules of docs/metrics.md. */
function layerMacs(sg: Subgraph, op: Operator, index: number, name: string): number {
  const shapeOf = (pos: number, role: string, rank?: number): number[] => {
    const t = op[role === 'output' ? 'outputs' : 'inputs'][pos];
    if (t === undefined || t === -1) {
      throw new AnalysisError('bad-shape', `operator ${index} (${name}) has no ${role} tensor`);
    }
    const shape = tensorAt(sg, t, `operator ${index} (${name}) ${role}`).shape;
    if (rank !== undefined && shape.length !== rank) {
      throw new AnalysisError(
        'bad-shape',
        `operator ${index} (${name}) ${role} tensor ${t} has shape [${shape.join(',')}], expected rank ${rank}`,
      );
    }
    return shape;
  };
  const outElems = (): number => elementCount(shapeOf(0, 'output'));

  if (DATA_MOVEMENT.has(name)) return 0;
  if (REDUCTIONS.has(name)) return elementCount(shapeOf(0, 'input'));
  switch (name) {
    case 'CONV_2D': {
      // filter [out_c, k_h, k_w, in_c]; output elements = batch*out_h*out_w*out_c.
      const [, kh, kw, ic] = shapeOf(1, 'filter', 4);
      return outElems() * kh * kw * ic;
    }
    case 'DEPTHWISE_CONV_2D': {
      // filter [1, k_h, k_w, out_c]: one k_h*k_w window per output element.
      const [, kh, kw] = shapeOf(1, 'filter', 4);
      return outElems() * kh * kw;
    }
    case 'TRANSPOSE_CONV': {
      // inputs: output shape, filter [out_c, k_h, k_w, in_c], input: every input
      // element is scattered through a k_h*k_w*out_c window.
      const [oc, kh, kw] = shapeOf(1, 'filter', 4);
      return elementCount(shapeOf(2, 'input')) * kh * kw * oc;
    }
    case 'FULLY_CONNECTED': {
      // weights [units, inputs]; batch = output elements / units.
      const [, depth] = shapeOf(1, 'weights', 2);
      return outElems() * depth;
    }
  }
  if (POOLS.has(name)) {
    const o = op.options;
    if (o === null || o.kind !== 'Pool2DOptions') {
      throw new AnalysisError('bad-shape', `operator ${index} (${name}) has no Pool2DOptions`);
    }
    return outElems() * o.filterH * o.filterW;
  }
  // Element-wise operators, activations, (de)quantization, SOFTMAX and anything
  // without a rule above: one operation per output element.
  return op.outputs.length === 0 ? 0 : outElems();
}
