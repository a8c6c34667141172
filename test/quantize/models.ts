// The test models: every supported layer at least once, in the arrangements the
// quantizer must handle (fusable and unfusable ReLUs, BN after conv and depthwise,
// residual adds, softmax as a Dense activation and as a layer).
import type * as TfModule from '@tensorflow/tfjs';
import type { Tf } from '../../src/host/tfjs.ts';
import { randomizeWeights } from './helpers.ts';

/** Sequential classifier, 16x16x3 -> 10, with BN, ReLU6, zero padding, depthwise x2, pools, GAP, softmax. */
export function sequentialClassifier(tf: Tf, seed = 1): TfModule.Sequential {
  const m = tf.sequential({ name: 'seq_classifier' });
  m.add(
    tf.layers.conv2d({
      inputShape: [16, 16, 3],
      filters: 8,
      kernelSize: 3,
      padding: 'same',
      useBias: false,
    }),
  );
  m.add(tf.layers.batchNormalization());
  m.add(tf.layers.reLU({ maxValue: 6 }));
  // MobileNet's way into a stride-2 depthwise: pad bottom/right, then 'valid'.
  m.add(
    tf.layers.zeroPadding2d({
      padding: [
        [0, 1],
        [0, 1],
      ],
    }),
  );
  m.add(
    tf.layers.depthwiseConv2d({
      kernelSize: 3,
      depthMultiplier: 2,
      strides: 2,
      padding: 'valid',
      activation: 'relu',
    }),
  );
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.conv2d({ filters: 16, kernelSize: 1, activation: 'relu6' }));
  m.add(tf.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' }));
  m.add(tf.layers.dropout({ rate: 0.25 }));
  m.add(tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'valid' }));
  m.add(tf.layers.batchNormalization());
  m.add(tf.layers.activation({ activation: 'relu' }));
  m.add(tf.layers.globalAveragePooling2d({}));
  m.add(tf.layers.dense({ units: 32, activation: 'relu' }));
  m.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  randomizeWeights(tf, m, seed);
  return m;
}

/**
 * Functional residual network, 12x12x4 -> 6 (linear outputs): two ADDs (one with a fused
 * ReLU), a conv whose output feeds both a ReLU and an ADD (so that ReLU stays an operator),
 * depthwise BN, a Reshape, and a Softmax layer on a second head.
 */
export function residualModel(tf: Tf, seed = 2): TfModule.LayersModel {
  const input = tf.input({ shape: [12, 12, 4], name: 'image' });
  const conv = (filters: number, k: number, x: TfModule.SymbolicTensor, act?: 'relu') =>
    tf.layers
      .conv2d({ filters, kernelSize: k, padding: 'same', activation: act })
      .apply(x) as TfModule.SymbolicTensor;
  const bn = (x: TfModule.SymbolicTensor) =>
    tf.layers.batchNormalization().apply(x) as TfModule.SymbolicTensor;
  const relu = (x: TfModule.SymbolicTensor) => tf.layers.reLU().apply(x) as TfModule.SymbolicTensor;

  const a = relu(bn(conv(8, 3, input)));
  const b = bn(conv(8, 3, a));
  const sum1 = relu(tf.layers.add().apply([a, b]) as TfModule.SymbolicTensor);
  const branch = conv(8, 1, sum1);
  const sum2 = tf.layers.add().apply([relu(branch), branch]) as TfModule.SymbolicTensor;
  const dw = bn(
    tf.layers
      .depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'valid' })
      .apply(sum2) as TfModule.SymbolicTensor,
  );
  const flat = tf.layers
    .reshape({ targetShape: [5 * 5 * 8] })
    .apply(relu(dw)) as TfModule.SymbolicTensor;
  const out = tf.layers
    .dense({ units: 6, name: 'regression' })
    .apply(flat) as TfModule.SymbolicTensor;
  const m = tf.model({ inputs: input, outputs: out, name: 'residual' });
  randomizeWeights(tf, m, seed);
  return m;
}

/** Enough weights for the size check: 8x8x8 -> conv 16 -> Flatten -> Dense 128 -> 10 -> Softmax. */
export function denseHeavy(tf: Tf, seed = 3): TfModule.Sequential {
  const m = tf.sequential({ name: 'dense_heavy' });
  m.add(
    tf.layers.conv2d({
      inputShape: [8, 8, 8],
      filters: 16,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
    }),
  );
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 128, activation: 'relu' }));
  m.add(tf.layers.dense({ units: 10 }));
  m.add(tf.layers.softmax());
  randomizeWeights(tf, m, seed);
  return m;
}

/**
 * Classic LeNet-style saturating activations, 14x14x1 -> 10: tanh and sigmoid as layer
 * activations (their own TANH/LOGISTIC after the conv/dense) and as Activation layers.
 */
export function saturating(tf: Tf, seed = 4): TfModule.Sequential {
  const m = tf.sequential({ name: 'saturating' });
  m.add(
    tf.layers.conv2d({ inputShape: [14, 14, 1], filters: 6, kernelSize: 3, activation: 'tanh' }),
  );
  m.add(tf.layers.averagePooling2d({ poolSize: 2 }));
  m.add(tf.layers.depthwiseConv2d({ kernelSize: 3, activation: 'sigmoid' }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 24 }));
  m.add(tf.layers.activation({ activation: 'tanh' }));
  m.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  randomizeWeights(tf, m, seed);
  return m;
}

/** A DS-CNN in the style of keyword spotting, 20x10x1 -> 5: SeparableConv2D with BN and ReLU. */
export function separable(tf: Tf, seed = 5): TfModule.Sequential {
  const m = tf.sequential({ name: 'separable' });
  m.add(
    tf.layers.conv2d({
      inputShape: [20, 10, 1],
      filters: 8,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'relu',
    }),
  );
  m.add(tf.layers.separableConv2d({ filters: 16, kernelSize: 3, padding: 'same', useBias: false }));
  m.add(tf.layers.batchNormalization());
  m.add(tf.layers.reLU());
  m.add(
    tf.layers.separableConv2d({
      filters: 16,
      kernelSize: 3,
      depthMultiplier: 2,
      activation: 'relu',
    }),
  );
  m.add(tf.layers.globalAveragePooling2d({}));
  m.add(tf.layers.dense({ units: 5, activation: 'softmax' }));
  randomizeWeights(tf, m, seed);
  return m;
}

/** A SqueezeNet fire module, 8x8x4 -> 4: two expand branches concatenated on channels. */
export function fire(tf: Tf, seed = 6): TfModule.LayersModel {
  const x = tf.input({ shape: [8, 8, 4], name: 'fire_in' });
  const conv = (t: TfModule.SymbolicTensor, filters: number, k: number) =>
    tf.layers
      .conv2d({ filters, kernelSize: k, padding: 'same', activation: 'relu' })
      .apply(t) as TfModule.SymbolicTensor;
  const squeeze = conv(x, 4, 1);
  const both = tf.layers
    .concatenate({ axis: -1 })
    .apply([conv(squeeze, 6, 1), conv(squeeze, 6, 3)]) as TfModule.SymbolicTensor;
  const pooled = tf.layers.maxPooling2d({ poolSize: 2 }).apply(both) as TfModule.SymbolicTensor;
  // SqueezeNet's head: global average pooling, not a wide Flatten + Dense.
  const gap = tf.layers.globalAveragePooling2d({}).apply(pooled) as TfModule.SymbolicTensor;
  const out = tf.layers
    .dense({ units: 4, activation: 'softmax' })
    .apply(gap) as TfModule.SymbolicTensor;
  const m = tf.model({ inputs: x, outputs: out, name: 'fire' });
  randomizeWeights(tf, m, seed);
  return m;
}
