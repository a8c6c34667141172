// Post-training quantization of TF.js Layers models, the way the TFLite converter does it,
// and the float32 .tflite of the same graph. One step per file: graph.ts (layers ->
// dataflow), lower.ts (-> TFLite operators of ops.ts: BN folded, ReLU fused; layers.ts
// reads each layer, fold.ts the weight layouts), calibrate.ts (ranges), params.ts (the
// parameters of each activation), weights.ts (the arithmetic), emit.ts (the flatbuffer
// through ModelBuilder).
import type * as TfModule from '@tensorflow/tfjs';
import type { Tf } from '../host/tfjs.ts';
import { writeModel } from '../model/writer.ts';
import { collectRanges } from './calibrate.ts';
import { emitModel } from './emit.ts';
import { extractGraph } from './graph.ts';
import { lowerGraph } from './lower.ts';
import type { LoweredGraph } from './ops.ts';
import { assignQuantization, type ValueQuantization } from './params.ts';

export { QuantizeError, type QuantizeErrorCode } from './errors.ts';
export type { ValueQuantization } from './params.ts';

export interface QuantizeOptions {
  /** Type of the model's input and output: int8 (default) or float32 (adds QUANTIZE/DEQUANTIZE). */
  io?: 'int8' | 'float32';
  /** Goes into the model description. Default: the TF.js model's name. */
  name?: string;
  /**
   * FULLY_CONNECTED weight scales: 'per-tensor' (default: what every FC kernel supports,
   * see docs/quantization.md) or 'per-channel' (what converters since 2024 write).
   */
  denseWeights?: 'per-tensor' | 'per-channel';
}

export interface QuantizeResult {
  tflite: Uint8Array;
  /** Parameters chosen for every activation tensor, in graph order. */
  values: ValueQuantization[];
  /** One line per operator: its TFLite op and the TF.js layers it came from. */
  operators: { op: string; layers: string[]; output: string }[];
}

/**
 * Post-training full-integer quantization. `calibration`: float input samples, each of the
 * model's input shape without batch (a few hundred representative ones is what the
 * converter's docs advise).
 */
export function quantizeLayersModel(
  tf: Tf,
  model: TfModule.LayersModel,
  calibration: Float32Array[],
  opts: QuantizeOptions = {},
): Uint8Array {
  return quantizeLayersModelDetailed(tf, model, calibration, opts).tflite;
}

/** As quantizeLayersModel, with the per-tensor parameters and operator list for reports. */
export function quantizeLayersModelDetailed(
  tf: Tf,
  model: TfModule.LayersModel,
  calibration: Float32Array[],
  opts: QuantizeOptions = {},
): QuantizeResult {
  const graph = lowerGraph(extractGraph(model));
  const ranges = collectRanges(tf, model, graph, calibration);
  const name = opts.name ?? model.name;
  const tflite = writeModel(
    emitModel(graph, {
      kind: 'int8',
      name,
      ranges,
      io: opts.io ?? 'int8',
      denseWeights: opts.denseWeights ?? 'per-tensor',
    }),
    { source: name },
  );
  return { tflite, values: assignQuantization(graph, ranges), operators: describeOps(graph) };
}

/** The float32 .tflite of the same graph (BatchNorm folded, activations fused). */
export function exportFloatTflite(_tf: Tf, model: TfModule.LayersModel): Uint8Array {
  const graph = lowerGraph(extractGraph(model));
  return writeModel(emitModel(graph, { kind: 'float32', name: model.name }), {
    source: model.name,
  });
}

const OP_NAMES: Record<string, string> = {
  conv: 'CONV_2D',
  depthwise: 'DEPTHWISE_CONV_2D',
  dense: 'FULLY_CONNECTED',
  mean: 'MEAN',
  reshape: 'RESHAPE',
  softmax: 'SOFTMAX',
  relu: 'RELU',
  relu6: 'RELU6',
  add: 'ADD',
  pad: 'PAD',
  concat: 'CONCATENATION',
  tanh: 'TANH',
  logistic: 'LOGISTIC',
};

function describeOps(g: LoweredGraph): QuantizeResult['operators'] {
  return g.ops.map((op) => ({
    op: op.kind === 'pool' ? op.op : OP_NAMES[op.kind],
    layers: [...op.layers],
    output: g.values[op.output].name,
  }));
}
