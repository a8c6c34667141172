// Every QuantizeError code, provoked by a model or calibration set that deserves it; the
// message must name the layer and its class (or the sample).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as TfModule from '@tensorflow/tfjs';
import { loadTf } from '../../src/host/tfjs.ts';
import { QuantizeError, exportFloatTflite, quantizeLayersModel } from '../../src/quantize/index.ts';

const tf = await loadTf();

function refuses(
  model: TfModule.LayersModel,
  code: QuantizeError['code'],
  mentions: string[],
  calibration?: Float32Array[],
): void {
  const size = (model.inputs[0].shape.slice(1) as number[]).reduce((a, b) => a * b, 1);
  const cal = calibration ?? [new Float32Array(size).fill(0.5)];
  assert.throws(
    () => quantizeLayersModel(tf, model, cal),
    (e: unknown) => {
      assert.ok(e instanceof QuantizeError, `a QuantizeError, got ${String(e)}`);
      assert.equal(e.code, code, e.message);
      for (const m of mentions) assert.ok(e.message.includes(m), `"${e.message}" mentions ${m}`);
      return true;
    },
  );
}

const seq = (layers: TfModule.layers.Layer[]): TfModule.Sequential => tf.sequential({ layers });

test('unsupported layer: named with its class', () => {
  const m = seq([
    tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 3, name: 'c1' }),
    tf.layers.upSampling2d({ size: [2, 2], name: 'up' }),
  ]);
  refuses(m, 'unsupported-layer', ['"up"', 'UpSampling2D']);
  // The float export walks the same graph and refuses the same way.
  assert.throws(() => exportFloatTflite(tf, m), { code: 'unsupported-layer' });
});

test('unsupported settings: elu activation, Dense on a 4-D input, ReLU maxValue 3, tanh on a separable conv, 3-way Add', () => {
  refuses(
    seq([tf.layers.dense({ inputShape: [4], units: 2, activation: 'elu', name: 'd' })]),
    'unsupported-config',
    ['"d"', 'Dense', 'elu'],
  );
  refuses(
    seq([tf.layers.dense({ inputShape: [4, 4, 2], units: 2, name: 'd4' })]),
    'unsupported-config',
    ['"d4"', 'Flatten'],
  );
  refuses(
    seq([
      tf.layers.dense({ inputShape: [4], units: 2 }),
      tf.layers.reLU({ maxValue: 3, name: 'r3' }),
    ]),
    'unsupported-config',
    ['"r3"', 'ReLU', 'maxValue 3'],
  );
  refuses(
    seq([
      tf.layers.separableConv2d({
        inputShape: [6, 6, 2],
        filters: 2,
        kernelSize: 3,
        activation: 'tanh',
        name: 'sep',
      }),
    ]),
    'unsupported-config',
    ['"sep"', 'SeparableConv2D', 'tanh'],
  );
  const x = tf.input({ shape: [4] });
  const a = tf.layers.dense({ units: 3 }).apply(x) as TfModule.SymbolicTensor;
  const b = tf.layers.dense({ units: 3 }).apply(x) as TfModule.SymbolicTensor;
  const c = tf.layers.dense({ units: 3 }).apply(x) as TfModule.SymbolicTensor;
  const sum = tf.layers.add({ name: 'add3' }).apply([a, b, c]) as TfModule.SymbolicTensor;
  refuses(tf.model({ inputs: x, outputs: sum }), 'unsupported-config', [
    '"add3"',
    'Add',
    '3 tensors',
  ]);
});

test('BatchNormalization that cannot be folded', () => {
  // After a pooling layer: nothing to fold into.
  refuses(
    seq([
      tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 3 }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.batchNormalization({ name: 'bn_pool' }),
    ]),
    'unfoldable-batchnorm',
    ['"bn_pool"', 'BatchNormalization'],
  );
  // After a conv whose output another layer also reads.
  const x = tf.input({ shape: [6, 6, 2] });
  const conv = tf.layers.conv2d({ filters: 2, kernelSize: 1 }).apply(x) as TfModule.SymbolicTensor;
  const bn = tf.layers
    .batchNormalization({ name: 'bn_shared' })
    .apply(conv) as TfModule.SymbolicTensor;
  const sum = tf.layers.add().apply([conv, bn]) as TfModule.SymbolicTensor;
  refuses(tf.model({ inputs: x, outputs: sum }), 'unfoldable-batchnorm', ['"bn_shared"']);
  // After a conv that already has an activation (BN(relu(conv)) is not a conv).
  refuses(
    seq([
      tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 3, activation: 'relu' }),
      tf.layers.batchNormalization({ name: 'bn_after_relu' }),
    ]),
    'unfoldable-batchnorm',
    ['"bn_after_relu"'],
  );
});

test('topologies: two inputs, a shared layer', () => {
  const a = tf.input({ shape: [4] });
  const b = tf.input({ shape: [4] });
  const sum = tf.layers.add().apply([a, b]) as TfModule.SymbolicTensor;
  const two = tf.model({ inputs: [a, b], outputs: sum, name: 'two_inputs' });
  assert.throws(() => quantizeLayersModel(tf, two, [new Float32Array(4)]), {
    code: 'unsupported-topology',
  });
  const x = tf.input({ shape: [4] });
  const shared = tf.layers.dense({ units: 4, name: 'shared' });
  const y = shared.apply(shared.apply(x)) as TfModule.SymbolicTensor;
  refuses(tf.model({ inputs: x, outputs: y }), 'unsupported-topology', [
    '"shared"',
    'applied 2 times',
  ]);
});

test('bad calibration sets name the sample', () => {
  const m = seq([tf.layers.dense({ inputShape: [4], units: 2 })]);
  refuses(m, 'bad-calibration', ['no calibration samples'], []);
  refuses(
    m,
    'bad-calibration',
    ['sample 1', '3 values', 'takes 4'],
    [new Float32Array(4), new Float32Array(3)],
  );
  refuses(m, 'bad-calibration', ['sample 0', 'value 2', 'NaN'], [new Float32Array([0, 1, NaN, 2])]);
});
