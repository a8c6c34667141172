// Step 2: layer nodes -> TFLite-shaped operators on float weights. BatchNormalization is
// folded into the conv/dense before it, and ReLU/ReLU6 are fused into the conv, depthwise,
// dense or add before them, under the converter's rule: the producer has no activation yet
// and nothing else reads its output (else the ReLU stays a RELU/RELU6 operator).
import { QuantizeError } from './errors.ts';
import { foldBatchNorm } from './fold.ts';
import type { LayerGraph, LayerNode } from './graph.ts';
import {
  activationOf,
  batchNormFromLayer,
  channelsLast,
  convFromLayer,
  denseFromLayer,
  paddingsOf,
  poolFromLayer,
  separableFromLayer,
  where,
} from './layers.ts';
import type { ConvOp, DenseOp, LoweredGraph, Op, OpSpec, Value } from './ops.ts';

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
      case 'SeparableConv2D': {
        const [dwSpec, pwSpec] = separableFromLayer(n, read(n, 0));
        // The depthwise result exists only inside the TF.js layer: calibration recomputes it.
        const mid =
          values.push({
            name: `${n.name}/depthwise`,
            shape: [...n.shape.slice(0, 3), dwSpec.filterShape[3]],
            tensor: null,
          }) - 1;
        const dw: ConvOp = { ...dwSpec, output: mid, layers: [n.name] };
        const input = n.layer.input;
        values[mid].preActivation = { input: Array.isArray(input) ? input[0] : input, op: dw };
        ops.push(dw);
        producer.set(mid, dw);
        const pw = emit(n, { ...pwSpec, inputs: [mid] }) as ConvOp;
        const act = activationOf(n, n.config.activation ?? 'linear');
        if (act !== 'NONE' && act !== 'RELU' && act !== 'RELU6') {
          throw new QuantizeError(
            'unsupported-config',
            `${where(n)}: activation "${String(n.config.activation)}" on a separable conv (linear, relu, relu6); use an Activation layer`,
          );
        }
        pw.activation = act;
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
      case 'Concatenate': {
        const rank = n.shape.length;
        const raw = n.config.axis ?? -1;
        const axis = typeof raw === 'number' && raw < 0 ? raw + rank : raw;
        if (typeof axis !== 'number' || !Number.isInteger(axis) || axis < 1 || axis >= rank) {
          throw new QuantizeError(
            'unsupported-config',
            `${where(n)}: axis ${String(raw)} (a feature axis of the rank-${rank} output)`,
          );
        }
        emit(n, { kind: 'concat', inputs: n.inputs.map((_, i) => read(n, i)), axis });
        break;
      }
      default:
        throw new QuantizeError(
          'unsupported-layer',
          `${where(n)} is not supported by the quantizer (supported: Conv2D, DepthwiseConv2D, SeparableConv2D, Dense, BatchNormalization, ReLU, Activation, Softmax, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, ZeroPadding2D, Add, Concatenate, Flatten, Reshape, Dropout)`,
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
