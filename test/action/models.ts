// The models of the end-to-end tests, built with src/model/builder.ts: a 9-layer int8 CNN
// whose middle convolution (conv2) has a configurable width. 16 is the base; 32 widens
// it (conv2 and conv3, which reads it, do twice the work: a per-layer budget breaks);
// 8 slims it (every figure improves). Deterministic: the same width gives the same bytes.
import {
  ModelBuilder,
  conv2dOptions,
  depthwiseConv2dOptions,
  fullyConnectedOptions,
  pool2dOptions,
  reshapeOptions,
  softmaxOptions,
} from '../../src/model/builder.ts';
import type { Quantization } from '../../src/model/types.ts';
import { writeModel } from '../../src/model/writer.ts';

const q8 = (scale: number, zeroPoint: number): Quantization => ({
  scale: [scale],
  zeroPoint: [zeroPoint],
  quantizedDimension: 0,
});

const ACT = 0.05;
const W = 0.01;

function fill(n: number, seed: number): Int8Array {
  return Int8Array.from({ length: n }, (_, i) => ((i * 37 + seed * 11) % 255) - 127);
}

/** conv0 dw1 conv2 pool3 conv4 gap5 flat6 fc7 softmax8 on a 16x16x3 input. */
export function gateCnn(conv2Channels = 16): Uint8Array {
  const b = new ModelBuilder('tinyml-gate e2e CNN');
  let seed = 1;
  const act = (name: string, shape: number[]): number =>
    b.addTensor({ name, shape, type: 'int8', quantization: q8(ACT, -3) });
  const weights = (name: string, shape: number[]): number =>
    b.addTensor({
      name,
      shape,
      type: 'int8',
      data: fill(
        shape.reduce((a, d) => a * d, 1),
        seed++,
      ),
      quantization: q8(W, 0),
    });
  const bias = (name: string, n: number): number =>
    b.addTensor({
      name,
      shape: [n],
      type: 'int32',
      data: new Int32Array(n).fill(seed++),
      quantization: q8(ACT * W, 0),
    });
  const conv = (x: number, name: string, hw: number, cin: number, cout: number, k: number) => {
    const y = act(name, [1, hw, hw, cout]);
    const w = weights(`${name}/weights`, [cout, k, k, cin]);
    const o = conv2dOptions({ activation: 'RELU' });
    b.addOperator('CONV_2D', [x, w, bias(`${name}/bias`, cout)], [y], o);
    return y;
  };

  const input = act('input', [1, 16, 16, 3]);
  let x = conv(input, 'conv0', 16, 3, 8, 3);
  const dw = act('dw1', [1, 16, 16, 8]);
  const dwOpts = depthwiseConv2dOptions({ activation: 'RELU' });
  b.addOperator(
    'DEPTHWISE_CONV_2D',
    [x, weights('dw1/weights', [1, 3, 3, 8]), bias('dw1/bias', 8)],
    [dw],
    dwOpts,
  );
  x = conv(dw, 'conv2', 16, 8, conv2Channels, 1);
  const pooled = act('pool3', [1, 8, 8, conv2Channels]);
  const p2 = pool2dOptions({ padding: 'VALID', filterW: 2, filterH: 2, strideW: 2, strideH: 2 });
  b.addOperator('MAX_POOL_2D', [x], [pooled], p2);
  x = conv(pooled, 'conv4', 8, conv2Channels, 16, 3);
  const gap = act('gap5', [1, 1, 1, 16]);
  const p8 = pool2dOptions({ padding: 'VALID', filterW: 8, filterH: 8, strideW: 8, strideH: 8 });
  b.addOperator('AVERAGE_POOL_2D', [x], [gap], p8);
  const shape = b.addTensor({
    name: 'flat6/shape',
    shape: [2],
    type: 'int32',
    data: Int32Array.from([1, 16]),
  });
  const flat = act('flat6', [1, 16]);
  b.addOperator('RESHAPE', [gap, shape], [flat], reshapeOptions({ newShape: [1, 16] }));
  const fc = act('fc7', [1, 10]);
  const fcOpts = fullyConnectedOptions();
  b.addOperator(
    'FULLY_CONNECTED',
    [flat, weights('fc7/weights', [10, 16]), bias('fc7/bias', 10)],
    [fc],
    fcOpts,
  );
  const out = b.addTensor({
    name: 'softmax8',
    shape: [1, 10],
    type: 'int8',
    quantization: q8(1 / 256, -128),
  });
  b.addOperator('SOFTMAX', [fc], [out], softmaxOptions());
  b.setInputs([input]);
  b.setOutputs([out]);
  return writeModel(b.build());
}
