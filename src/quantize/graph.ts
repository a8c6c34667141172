// Step 1 of quantization: the TF.js Layers model as a plain dataflow graph of layer
// nodes over tensor ids. Layers that are the identity at inference (InputLayer, Dropout
// and friends) disappear here: their output id is an alias of their input id, so the later
// steps see who really consumes a tensor (which decides whether a ReLU can be fused).
import type * as TfModule from '@tensorflow/tfjs';
import { QuantizeError } from './errors.ts';

type LayersModel = TfModule.LayersModel;
export type Layer = LayersModel['layers'][number];
export type SymbolicTensor = TfModule.SymbolicTensor;

export interface LayerNode {
  layer: Layer;
  className: string;
  name: string;
  config: Record<string, unknown>;
  /** Canonical ids of the tensors the layer reads. */
  inputs: number[];
  /** The layer's output tensor (what calibration records) and its id. */
  output: SymbolicTensor;
  /** Output shape with batch 1. */
  shape: number[];
}

export interface LayerGraph {
  input: SymbolicTensor;
  /** One sample's shape, without batch. */
  sampleShape: number[];
  nodes: LayerNode[];
  /** Canonical tensor id -> number of layer inputs reading it. */
  consumers: Map<number, number>;
  /** Canonical ids of the model's outputs, in order. */
  outputs: number[];
}

/** Inference-time identity layers: dropped, their output aliases their input. */
const IDENTITY = new Set([
  'InputLayer',
  'Dropout',
  'SpatialDropout1D',
  'GaussianNoise',
  'GaussianDropout',
  'AlphaDropout',
]);

const NESTED = new Set(['Sequential', 'Model', 'Functional', 'LayersModel']);

export function extractGraph(model: LayersModel): LayerGraph {
  if (model.inputs.length !== 1) {
    throw new QuantizeError(
      'unsupported-topology',
      `model "${model.name}" has ${model.inputs.length} inputs; the quantizer takes models with one input`,
    );
  }
  const input = model.inputs[0];
  const alias = new Map<number, number>();
  const canon = (id: number): number => {
    let at = id;
    for (let next = alias.get(at); next !== undefined; next = alias.get(at)) at = next;
    return at;
  };
  const nodes: LayerNode[] = [];
  for (const layer of model.layers) {
    const className = layer.getClassName();
    const where = `layer "${layer.name}" (${className})`;
    if (NESTED.has(className)) {
      throw new QuantizeError(
        'unsupported-topology',
        `${where} is a nested model; build the model from its layers directly`,
      );
    }
    if (layer.inboundNodes.length !== 1) {
      throw new QuantizeError(
        'unsupported-topology',
        `${where} is applied ${layer.inboundNodes.length} times; shared layers are not supported`,
      );
    }
    const ins = asList(layer.input).map((t) => canon(t.id));
    const out = asList(layer.output);
    if (out.length !== 1) {
      throw new QuantizeError('unsupported-layer', `${where} has ${out.length} outputs`);
    }
    if (className === 'InputLayer') continue;
    if (IDENTITY.has(className)) {
      alias.set(out[0].id, ins[0]);
      continue;
    }
    nodes.push({
      layer,
      className,
      name: layer.name,
      config: layer.getConfig() as Record<string, unknown>,
      inputs: ins,
      output: out[0],
      shape: batchOne(out[0].shape, where),
    });
  }
  const consumers = new Map<number, number>();
  for (const n of nodes) {
    for (const id of n.inputs) consumers.set(id, (consumers.get(id) ?? 0) + 1);
  }
  return {
    input,
    sampleShape: batchOne(input.shape, `input "${input.name}"`).slice(1),
    nodes,
    consumers,
    outputs: model.outputs.map((t) => canon(t.id)),
  };
}

function asList(t: SymbolicTensor | SymbolicTensor[]): SymbolicTensor[] {
  return Array.isArray(t) ? t : [t];
}

/** [null, 8, 8, 3] -> [1, 8, 8, 3]; any other unknown dimension is refused. */
function batchOne(shape: readonly (number | null)[], where: string): number[] {
  return shape.map((d, i) => {
    if (d === null && i === 0) return 1;
    if (d === null || !Number.isInteger(d) || d < 0) {
      throw new QuantizeError(
        'unsupported-config',
        `${where}: dimension ${i} of [${shape.join(',')}] is not fixed; TFLite models here have static shapes`,
      );
    }
    return d;
  });
}
