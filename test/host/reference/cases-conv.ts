// Operator test rows for CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED.

import {
  conv2dOptions,
  depthwiseConv2dOptions,
  fullyConnectedOptions,
} from '../../../src/model/builder.ts';
import type { Activation, Padding } from '../../../src/model/types.ts';
import {
  act,
  calibrate,
  seedOf,
  shapeOf,
  singleOpModel,
  type CaseDType,
  type OpCase,
  type TensorDef,
} from './case-kit.ts';
import { convFloat, convInt8, fullyConnectedFloat, fullyConnectedInt8, type Nhwc } from './conv.ts';
import { count, quantizeBias, quantizeWeights, Rng } from './fixtures.ts';
import { dequantizeValue, type QParams } from './quant.ts';

// ---- CONV_2D and DEPTHWISE_CONV_2D ----------------------------------------------------

interface ConvRow {
  name: string;
  input: Nhwc;
  kh: number;
  kw: number;
  /** CONV_2D: output channels. DEPTHWISE_CONV_2D: depth multiplier. */
  outOrMultiplier: number;
  padding: Padding;
  stride: [number, number];
  dilation: [number, number];
  activation: Activation;
  bias: boolean;
}

export function convCase(
  op: 'CONV_2D' | 'DEPTHWISE_CONV_2D',
  dtype: CaseDType,
  r: ConvRow,
): OpCase {
  const depthwise = op === 'DEPTHWISE_CONV_2D';
  return {
    op,
    dtype,
    name: r.name,
    make() {
      const rng = new Rng(seedOf(`${op} ${dtype} ${r.name}`));
      const inC = r.input.c;
      const outC = depthwise ? inC * r.outOrMultiplier : r.outOrMultiplier;
      const filterShape = depthwise ? [1, r.kh, r.kw, outC] : [outC, r.kh, r.kw, inC];
      const window = {
        padding: r.padding,
        strideH: r.stride[0],
        strideW: r.stride[1],
        dilationH: r.dilation[0],
        dilationW: r.dilation[1],
      };
      const options = depthwise
        ? depthwiseConv2dOptions({
            ...window,
            depthMultiplier: r.outOrMultiplier,
            activation: r.activation,
          })
        : conv2dOptions({ ...window, activation: r.activation });
      const wf = rng.floats(count(filterShape), -0.5, 0.5);
      const bf = rng.floats(outC, -0.5, 0.5);
      const base = {
        inputShape: r.input,
        filterH: r.kh,
        filterW: r.kw,
        outChannels: outC,
        window,
        activation: r.activation,
        depthMultiplier: depthwise ? r.outOrMultiplier : undefined,
      };
      if (dtype === 'float32') {
        const x = rng.floats(count(shapeOf(r.input)));
        const ref = convFloat({
          ...base,
          input: x,
          filter: wf,
          bias: r.bias ? bf : null,
          quant: null,
        });
        const outShape = shapeOf(ref.shape);
        const model = singleOpModel(
          op,
          withBias(
            [
              act('float32', 'input', shapeOf(r.input)),
              { name: 'filter', shape: filterShape, type: 'float32', data: wf },
            ],
            r.bias ? { name: 'bias', shape: [outC], type: 'float32', data: bf } : null,
          ),
          act('float32', 'output', outShape),
          options,
        );
        return { model, inputs: [x], outShape, expected: ref.data };
      }
      const inQ: QParams = { scale: 0.05, zeroPoint: -3 };
      const x = rng.int8s(count(shapeOf(r.input)));
      const wq = quantizeWeights(wf, filterShape, depthwise ? 3 : 0);
      const bq = quantizeBias(bf, inQ.scale, wq.scales);
      // The output range comes from the float result on the dequantized data.
      const floatRef = convFloat({
        ...base,
        input: Array.from(x, (v) => dequantizeValue(v, inQ)),
        filter: Array.from(
          wq.data,
          (v, i) => v * wq.scales[wq.scales.length === 1 ? 0 : channel(i)],
        ),
        bias: r.bias ? Array.from(bq.data, (v, c) => v * bq.quantization.scale[c]) : null,
        quant: null,
      });
      function channel(i: number): number {
        return depthwise ? i % outC : Math.floor(i / (r.kh * r.kw * inC));
      }
      const outQ = calibrate(floatRef.data);
      const ref = convInt8({
        ...base,
        input: x,
        filter: wq.data,
        bias: r.bias ? bq.data : null,
        quant: { input: inQ, filterScales: wq.scales, output: outQ },
      });
      const outShape = shapeOf(ref.shape);
      const model = singleOpModel(
        op,
        withBias(
          [
            act('int8', 'input', shapeOf(r.input), inQ),
            {
              name: 'filter',
              shape: filterShape,
              type: 'int8',
              data: wq.data,
              quantization: wq.quantization,
            },
          ],
          r.bias
            ? {
                name: 'bias',
                shape: [outC],
                type: 'int32',
                data: bq.data,
                quantization: bq.quantization,
              }
            : null,
        ),
        act('int8', 'output', outShape, outQ),
        options,
      );
      return { model, inputs: [x], outShape, expected: ref.data };
    },
  };
}

// Without bias, DEPTHWISE_CONV_2D takes two inputs (its kernel reads the input count; a
// third input of -1 is refused), while FULLY_CONNECTED accepts -1. This TFLite build's
// CONV_2D requires a bias (conv.cc: has_bias), so every CONV_2D row has one.
function withBias(inputs: TensorDef[], bias: TensorDef | null): TensorDef[] {
  return bias === null ? inputs : [...inputs, bias];
}

/** A row named after its geometry: batch x h x w x c, kernel, padding, stride, dilation. */
function row(
  input: [number, number, number, number],
  kernel: [number, number],
  outOrMultiplier: number,
  padding: Padding,
  stride: [number, number],
  dilation: [number, number],
  activation: Activation,
  bias = true,
): ConvRow {
  const [n, h, w, c] = input;
  const name =
    `${n}x${h}x${w}x${c} k${kernel.join('x')} ${padding} s${stride.join('x')} ` +
    `d${dilation.join('x')} ${activation}${bias ? '' : ' no bias'}`;
  const [kh, kw] = kernel;
  return {
    name,
    input: { n, h, w, c },
    kh,
    kw,
    outOrMultiplier,
    padding,
    stride,
    dilation,
    activation,
    bias,
  };
}

// Odd sizes, both paddings, unequal strides and dilations; outOrMultiplier is the number
// of output channels for CONV_2D.
export const CONV_ROWS: ConvRow[] = [
  row([1, 7, 9, 3], [3, 3], 5, 'SAME', [1, 1], [1, 1], 'RELU'),
  row([1, 11, 10, 4], [3, 2], 6, 'SAME', [2, 3], [1, 1], 'RELU6'),
  row([1, 9, 9, 2], [3, 3], 3, 'VALID', [1, 1], [2, 2], 'NONE'),
  row([2, 6, 5, 7], [1, 1], 4, 'VALID', [2, 2], [1, 1], 'NONE'),
  row([1, 8, 7, 3], [5, 3], 2, 'SAME', [1, 1], [2, 1], 'NONE'),
];

// outOrMultiplier is the depth multiplier for DEPTHWISE_CONV_2D.
export const DEPTHWISE_ROWS: ConvRow[] = [
  row([1, 7, 9, 3], [3, 3], 1, 'SAME', [1, 1], [1, 1], 'RELU'),
  row([1, 10, 11, 4], [3, 3], 2, 'SAME', [2, 2], [1, 1], 'RELU6'),
  row([1, 9, 8, 2], [2, 3], 3, 'VALID', [1, 1], [2, 2], 'NONE', false),
  row([1, 6, 5, 5], [3, 1], 1, 'VALID', [1, 2], [1, 1], 'NONE'),
];

// ---- FULLY_CONNECTED ------------------------------------------------------------------

export function fcCase(
  dtype: CaseDType,
  name: string,
  batches: number,
  inputs: number,
  units: number,
  activation: Activation,
  bias: boolean,
): OpCase {
  return {
    op: 'FULLY_CONNECTED',
    dtype,
    name,
    make() {
      const rng = new Rng(seedOf(`FC ${dtype} ${name}`));
      const wf = rng.floats(units * inputs, -0.5, 0.5);
      const bf = rng.floats(units, -0.5, 0.5);
      const options = fullyConnectedOptions({ activation });
      const geometry = { batches, inputs, units, activation };
      const outShape = [batches, units];
      if (dtype === 'float32') {
        const x = rng.floats(batches * inputs);
        const expected = fullyConnectedFloat({
          ...geometry,
          input: x,
          weights: wf,
          bias: bias ? bf : null,
          quant: null,
        });
        const model = singleOpModel(
          'FULLY_CONNECTED',
          [
            act('float32', 'input', [batches, inputs]),
            { name: 'weights', shape: [units, inputs], type: 'float32', data: wf },
            bias ? { name: 'bias', shape: [units], type: 'float32', data: bf } : null,
          ],
          act('float32', 'output', outShape),
          options,
        );
        return { model, inputs: [x], outShape, expected };
      }
      const inQ: QParams = { scale: 0.04, zeroPoint: 6 };
      const x = rng.int8s(batches * inputs);
      const wq = quantizeWeights(wf, [units, inputs], null);
      const bq = quantizeBias(bf, inQ.scale, wq.scales);
      const floatRef = fullyConnectedFloat({
        ...geometry,
        input: Array.from(x, (v) => dequantizeValue(v, inQ)),
        weights: Array.from(wq.data, (v) => v * wq.scales[0]),
        bias: bias ? Array.from(bq.data, (v) => v * bq.quantization.scale[0]) : null,
        quant: null,
      });
      const outQ = calibrate(floatRef);
      const expected = fullyConnectedInt8({
        ...geometry,
        input: x,
        weights: wq.data,
        bias: bias ? bq.data : null,
        quant: { input: inQ, weightScale: wq.scales[0], output: outQ },
      });
      const model = singleOpModel(
        'FULLY_CONNECTED',
        [
          act('int8', 'input', [batches, inputs], inQ),
          {
            name: 'weights',
            shape: [units, inputs],
            type: 'int8',
            data: wq.data,
            quantization: wq.quantization,
          },
          bias
            ? {
                name: 'bias',
                shape: [units],
                type: 'int32',
                data: bq.data,
                quantization: bq.quantization,
              }
            : null,
        ],
        act('int8', 'output', outShape, outQ),
        options,
      );
      return { model, inputs: [x], outShape, expected };
    },
  };
}
