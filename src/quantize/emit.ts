// Step 4: the lowered graph as a .tflite model, float32 or int8, through ModelBuilder.
// The int8 layout follows what the TFLite converter writes: per-channel int8 filters for
// CONV_2D (axis 0, OHWI) and DEPTHWISE_CONV_2D (axis 3, 1HWC), a per-tensor int8 matrix for
// FULLY_CONNECTED, int32 biases, pooling/MEAN/RESHAPE keeping their input's parameters, a
// SOFTMAX output of scale 1/256 and zero point -128, and QUANTIZE/DEQUANTIZE at the edges
// for float I/O. Operator versions are the converter's for int8 kernels.
import {
  ModelBuilder,
  addOptions,
  concatenationOptions,
  conv2dOptions,
  depthwiseConv2dOptions,
  fullyConnectedOptions,
  padOptions,
  pool2dOptions,
  reducerOptions,
  softmaxOptions,
} from '../model/builder.ts';
import type { Model, Quantization } from '../model/types.ts';
import type { ConvOp, DenseOp, LoweredGraph, Op } from './ops.ts';
import { assignQuantization, type ValueQuantization } from './params.ts';
import { quantizeBias, quantizeWeights, type Range } from './weights.ts';

export type Emission =
  | { kind: 'float32'; name: string }
  | {
      kind: 'int8';
      name: string;
      ranges: Range[];
      io: 'int8' | 'float32';
      /** FULLY_CONNECTED weights: per-tensor (default, see docs) or per-channel. */
      denseWeights?: 'per-tensor' | 'per-channel';
    };

/** Versions the converter writes for int8 kernels (float kernels are version 1). */
const INT8_VERSIONS: Record<string, number> = {
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 3,
  FULLY_CONNECTED: 4,
  ADD: 2,
  SOFTMAX: 2,
  AVERAGE_POOL_2D: 2,
  CONCATENATION: 2,
  MAX_POOL_2D: 2,
  MEAN: 2,
  PAD: 2,
  RELU: 2,
  RELU6: 2,
  TANH: 2,
  LOGISTIC: 2,
  QUANTIZE: 2,
  DEQUANTIZE: 2,
};

export function emitModel(g: LoweredGraph, how: Emission): Model {
  const b = new ModelBuilder(`tinyml-gate quantize: ${how.name}`);
  const int8 = how.kind === 'int8';
  const q = int8 ? assignQuantization(g, how.ranges) : null;
  const quant = (v: number): Quantization | undefined =>
    q === null
      ? undefined
      : { scale: [q[v].params.scale], zeroPoint: [q[v].params.zeroPoint], quantizedDimension: 0 };
  const act = g.values.map((v, i) =>
    b.addTensor({
      name: v.name,
      shape: v.shape,
      type: int8 ? 'int8' : 'float32',
      quantization: quant(i),
    }),
  );

  let modelInput = act[g.input];
  if (how.kind === 'int8' && how.io === 'float32') {
    modelInput = b.addTensor({
      name: `${g.values[g.input].name}_float`,
      shape: g.values[g.input].shape,
      type: 'float32',
    });
    b.addOperator('QUANTIZE', [modelInput], [act[g.input]]);
  }

  const perChannelDense = how.kind === 'int8' && how.denseWeights === 'per-channel';
  for (const op of g.ops) emitOp(b, g, op, act, q, perChannelDense);

  const modelOutputs = g.outputs.map((v) => {
    if (how.kind !== 'int8' || how.io !== 'float32') return act[v];
    const f = b.addTensor({
      name: `${g.values[v].name}_float`,
      shape: g.values[v].shape,
      type: 'float32',
    });
    b.addOperator('DEQUANTIZE', [act[v]], [f]);
    return f;
  });
  b.setInputs([modelInput]);
  b.setOutputs(modelOutputs);
  const model = b.build();
  if (int8) {
    for (const code of model.operatorCodes) code.version = INT8_VERSIONS[code.builtin] ?? 1;
  }
  return model;
}

function emitOp(
  b: ModelBuilder,
  g: LoweredGraph,
  op: Op,
  act: number[],
  q: ValueQuantization[] | null,
  perChannelDense: boolean,
): void {
  const ins = op.inputs.map((v) => act[v]);
  const out = [act[op.output]];
  const name = g.values[op.output].name;
  switch (op.kind) {
    case 'conv':
    case 'depthwise': {
      const [filter, bias] = weightTensors(
        b,
        op,
        name,
        q?.[op.inputs[0]].params.scale ?? null,
        true,
      );
      const common = {
        padding: op.padding,
        strideH: op.stride[0],
        strideW: op.stride[1],
        dilationH: op.dilation[0],
        dilationW: op.dilation[1],
        activation: op.activation,
      };
      if (op.kind === 'conv')
        b.addOperator('CONV_2D', [...ins, filter, bias], out, conv2dOptions(common));
      else {
        b.addOperator(
          'DEPTHWISE_CONV_2D',
          [...ins, filter, bias],
          out,
          depthwiseConv2dOptions({ ...common, depthMultiplier: op.multiplier }),
        );
      }
      return;
    }
    case 'dense': {
      const inScale = q?.[op.inputs[0]].params.scale ?? null;
      const [w, bias] = weightTensors(b, op, name, inScale, perChannelDense);
      b.addOperator(
        'FULLY_CONNECTED',
        [...ins, w, bias],
        out,
        fullyConnectedOptions({ activation: op.activation }),
      );
      return;
    }
    case 'pool':
      b.addOperator(
        op.op,
        ins,
        out,
        pool2dOptions({
          padding: op.padding,
          strideH: op.stride[0],
          strideW: op.stride[1],
          filterH: op.filter[0],
          filterW: op.filter[1],
        }),
      );
      return;
    case 'mean': {
      const axes = b.addTensor({
        name: `${name}/axes`,
        shape: [2],
        type: 'int32',
        data: new Int32Array([1, 2]),
      });
      b.addOperator('MEAN', [...ins, axes], out, reducerOptions({ keepDims: false }));
      return;
    }
    case 'pad': {
      const [[top, bottom], [left, right]] = op.paddings;
      const t = b.addTensor({
        name: `${name}/paddings`,
        shape: [4, 2],
        type: 'int32',
        data: new Int32Array([0, 0, top, bottom, left, right, 0, 0]),
      });
      b.addOperator('PAD', [...ins, t], out, padOptions());
      return;
    }
    case 'reshape': {
      const shape = g.values[op.output].shape;
      const t = b.addTensor({
        name: `${name}/shape`,
        shape: [shape.length],
        type: 'int32',
        data: new Int32Array(shape),
      });
      // Current converters pass the shape as a tensor and write no options.
      b.addOperator('RESHAPE', [...ins, t], out);
      return;
    }
    case 'add':
      b.addOperator('ADD', ins, out, addOptions({ activation: op.activation }));
      return;
    case 'concat': {
      // int8 CONCATENATION kernels (TFLite Micro, ours) want every input at the output's
      // scale and zero point: an input calibrated otherwise is requantized first by an
      // int8 -> int8 QUANTIZE, as the converter does where it cannot share one range.
      const outQ = q?.[op.output].params;
      const inputs = op.inputs.map((v, i) => {
        const inQ = q?.[v].params;
        if (outQ === undefined || inQ === undefined) return act[v];
        if (inQ.scale === outQ.scale && inQ.zeroPoint === outQ.zeroPoint) return act[v];
        const t = b.addTensor({
          name: `${name}/requantized_${i}`,
          shape: g.values[v].shape,
          type: 'int8',
          quantization: { scale: [outQ.scale], zeroPoint: [outQ.zeroPoint], quantizedDimension: 0 },
        });
        b.addOperator('QUANTIZE', [act[v]], [t]);
        return t;
      });
      b.addOperator('CONCATENATION', inputs, out, concatenationOptions({ axis: op.axis }));
      return;
    }
    case 'softmax':
      b.addOperator('SOFTMAX', ins, out, softmaxOptions({ beta: 1 }));
      return;
    case 'relu':
      b.addOperator('RELU', ins, out);
      return;
    case 'relu6':
      b.addOperator('RELU6', ins, out);
      return;
    case 'tanh':
      b.addOperator('TANH', ins, out);
      return;
    case 'logistic':
      b.addOperator('LOGISTIC', ins, out);
      return;
  }
}

/**
 * Filter/weights and bias tensors: float32 as they are, or int8 + int32 quantized against
 * the input's scale, per output channel or per tensor (FULLY_CONNECTED by default: see
 * docs/quantization.md).
 */
function weightTensors(
  b: ModelBuilder,
  op: ConvOp | DenseOp,
  name: string,
  inputScale: number | null,
  perChannel: boolean,
): [number, number] {
  const w = op.kind === 'dense' ? op.weights : op.filter;
  const shape = op.kind === 'dense' ? op.weightsShape : op.filterShape;
  const channels = op.bias.length;
  if (inputScale === null) {
    return [
      b.addTensor({ name: `${name}/weights`, shape, type: 'float32', data: w }),
      b.addTensor({ name: `${name}/bias`, shape: [channels], type: 'float32', data: op.bias }),
    ];
  }
  const axisLast = op.kind === 'depthwise';
  const wq = quantizeWeights(w, channels, axisLast, perChannel, op.bias, inputScale);
  const bq = quantizeBias(op.bias, inputScale, wq.scales);
  const axis = axisLast ? 3 : 0;
  return [
    b.addTensor({
      name: `${name}/weights`,
      shape,
      type: 'int8',
      data: wq.data,
      quantization: {
        scale: wq.scales,
        zeroPoint: wq.scales.map(() => 0),
        quantizedDimension: axis,
      },
    }),
    b.addTensor({
      name: `${name}/bias`,
      shape: [channels],
      type: 'int32',
      data: bq.data,
      quantization: { scale: bq.scales, zeroPoint: bq.scales.map(() => 0), quantizedDimension: 0 },
    }),
  ];
}
