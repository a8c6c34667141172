// End to end: TF.js models built here -> our int8 and float32 .tflite -> the real TFLite
// runtime, compared with TF.js itself on samples the calibration never saw.
//
// Bounds (docs/quantization.md): float32 export within 1e-4 of TF.js; int8 mean absolute
// error at most 1.5 steps of the output scale, 99th percentile at most 6 steps, argmax
// agreement at least 95% for the classifiers (the larger single errors are inputs outside
// the calibrated range, clipped as the converter's models clip them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as TfModule from '@tensorflow/tfjs';
import { loadTf } from '../../src/host/tfjs.ts';
import { readModel } from '../../src/model/reader.ts';
import type { Model, Tensor } from '../../src/model/types.ts';
import { exportFloatTflite, quantizeLayersModelDetailed } from '../../src/quantize/index.ts';
import { TfliteRuntime } from '../../src/host/tflite-runtime.ts';
import { agreement, maxAbsDiff, predict, randomizeWeights, runTflite, samples } from './helpers.ts';
import {
  denseHeavy,
  fire,
  residualModel,
  saturating,
  separable,
  sequentialClassifier,
} from './models.ts';

const tf = await loadTf();

interface Case {
  make: () => TfModule.LayersModel;
  shape: number[];
  classifier: boolean;
}

const CASES: Record<string, Case> = {
  sequential: { make: () => sequentialClassifier(tf), shape: [16, 16, 3], classifier: true },
  residual: { make: () => residualModel(tf), shape: [12, 12, 4], classifier: false },
  denseHeavy: { make: () => denseHeavy(tf), shape: [8, 8, 8], classifier: true },
  saturating: { make: () => saturating(tf), shape: [14, 14, 1], classifier: true },
  separable: { make: () => separable(tf), shape: [20, 10, 1], classifier: true },
  fire: { make: () => fire(tf), shape: [8, 8, 4], classifier: true },
};

function errorSteps(q: Float32Array[], ref: Float32Array[], scale: number) {
  const errs = q.flatMap((x, i) => Array.from(x, (v, j) => Math.abs(v - ref[i][j]) / scale));
  errs.sort((a, b) => a - b);
  const mean = errs.reduce((a, b) => a + b, 0) / errs.length;
  return { mean, p99: errs[Math.floor(errs.length * 0.99)], max: errs[errs.length - 1] };
}

for (const [name, c] of Object.entries(CASES)) {
  test(`${name}: int8 and float32 .tflite run in TFLite and match TF.js`, async (t) => {
    const model = c.make();
    const calibration = samples(c.shape, 100, 11);
    const evalSet = samples(c.shape, 200, 12);
    const ref = predict(tf, model, evalSet);

    const floatBytes = exportFloatTflite(tf, model);
    const floatOut = await runTflite(floatBytes, evalSet);
    const floatErr = maxAbsDiff(floatOut, ref);
    assert.ok(floatErr <= 1e-4, `float32 export differs from TF.js by ${floatErr}`);

    for (const io of ['float32', 'int8'] as const) {
      const r = quantizeLayersModelDetailed(tf, model, calibration, { io });
      let got: Float32Array[];
      let scale: number;
      if (io === 'int8') {
        const sg = readModel(r.tflite, name).subgraphs[0];
        const outQ = quant(sg.tensors[sg.outputs[0]]);
        got = await runTflite(r.tflite, evalSet, {
          input: quant(sg.tensors[sg.inputs[0]]),
          output: outQ,
        });
        scale = outQ.scale;
      } else {
        got = await runTflite(r.tflite, evalSet);
        // The scale of the int8 tensor the DEQUANTIZE reads: the last value of the graph.
        scale = r.values[r.values.length - 1].params.scale;
      }
      const e = errorSteps(got, ref, scale);
      const agree = agreement(got, ref);
      t.diagnostic(
        `${name} io=${io}: ${r.tflite.length} B int8 vs ${floatBytes.length} B float32 (${((100 * r.tflite.length) / floatBytes.length).toFixed(1)}%); ` +
          `error in output steps mean ${e.mean.toFixed(2)} p99 ${e.p99.toFixed(2)} max ${e.max.toFixed(2)} (scale ${scale.toPrecision(4)}); argmax agreement ${(100 * agree).toFixed(1)}%`,
      );
      assert.ok(e.mean <= 1.5, `mean error ${e.mean} steps`);
      assert.ok(e.p99 <= 6, `99th percentile error ${e.p99} steps`);
      if (c.classifier) assert.ok(agree >= 0.95, `argmax agreement ${agree}`);
    }
  });
}

function quant(t: Tensor): { scale: number; zeroPoint: number } {
  assert.ok(t.quantization, `${t.name} has quantization`);
  return { scale: t.quantization.scale[0], zeroPoint: t.quantization.zeroPoint[0] };
}

function ops(m: Model): string[] {
  return m.subgraphs[0].operators.map((o) => m.operatorCodes[o.opcodeIndex].builtin);
}

function tensorsOf(m: Model, builtin: string, input: number): Tensor[] {
  const sg = m.subgraphs[0];
  return sg.operators
    .filter((o) => m.operatorCodes[o.opcodeIndex].builtin === builtin)
    .map((o) => sg.tensors[o.inputs[input]]);
}

test('int8 sequential model: operators, fused activations, per-channel filters, int32 biases', () => {
  const model = sequentialClassifier(tf);
  const r = quantizeLayersModelDetailed(tf, model, samples([16, 16, 3], 40, 11));
  const m = readModel(r.tflite, 'sequential');
  const sg = m.subgraphs[0];
  assert.deepEqual(ops(m), [
    'CONV_2D',
    'PAD',
    'DEPTHWISE_CONV_2D',
    'MAX_POOL_2D',
    'CONV_2D',
    'AVERAGE_POOL_2D',
    'CONV_2D',
    'MEAN',
    'FULLY_CONNECTED',
    'FULLY_CONNECTED',
    'SOFTMAX',
  ]);
  // BN + ReLU6 layer fused into conv 1, relu into depthwise, relu6 into conv 2, BN +
  // Activation('relu') into conv 3; relu into the first Dense.
  const acts = sg.operators.map((o) =>
    o.options !== null && 'activation' in o.options ? o.options.activation : '-',
  );
  assert.deepEqual(acts, [
    'RELU6',
    '-',
    'RELU',
    'NONE',
    'RELU6',
    'NONE',
    'RELU',
    '-',
    'RELU',
    'NONE',
    '-',
  ]);
  assert.equal(sg.tensors[sg.inputs[0]].type, 'int8');
  assert.equal(sg.tensors[sg.outputs[0]].type, 'int8');
  assert.deepEqual(sg.tensors[sg.outputs[0]].quantization?.scale, [1 / 256]);
  assert.deepEqual(sg.tensors[sg.outputs[0]].quantization?.zeroPoint, [-128]);

  for (const [op, axis] of [
    ['CONV_2D', 0],
    ['DEPTHWISE_CONV_2D', 3],
  ] as const) {
    const convs = sg.operators.filter((o) => m.operatorCodes[o.opcodeIndex].builtin === op);
    for (const o of convs) {
      const [input, filter, bias] = o.inputs.map((i) => sg.tensors[i]);
      const channels = filter.shape[axis];
      assert.equal(filter.type, 'int8');
      assert.equal(filter.quantization?.quantizedDimension, axis, `${op} ${filter.name} axis`);
      assert.equal(filter.quantization?.scale.length, channels);
      assert.ok(filter.quantization?.zeroPoint.every((z) => z === 0));
      assert.equal(bias.type, 'int32');
      assert.equal(bias.quantization?.scale.length, channels);
      const inScale = input.quantization?.scale[0] ?? NaN;
      bias.quantization?.scale.forEach((s, c) => {
        const want = inScale * (filter.quantization?.scale[c] ?? NaN);
        assert.ok(Math.abs(s - want) <= 1e-6 * want, `${bias.name}[${c}] scale ${s} vs ${want}`);
      });
      // The largest weight of every channel uses the full range: scale = max|w| / 127.
      const data = new Int8Array(m.buffers[filter.buffer].data.buffer.slice(0));
      const maxPerChannel = new Array<number>(channels).fill(0);
      data.forEach((v, i) => {
        const ch = axis === 0 ? Math.floor(i / (data.length / channels)) : i % channels;
        maxPerChannel[ch] = Math.max(maxPerChannel[ch], Math.abs(v));
      });
      assert.ok(
        maxPerChannel.every((v) => v === 127),
        `${filter.name}: ${maxPerChannel}`,
      );
    }
  }
  assert.equal(tensorsOf(m, 'DEPTHWISE_CONV_2D', 1)[0].shape.join(','), '1,3,3,16');
  // FULLY_CONNECTED: per-tensor weights and bias.
  for (const w of tensorsOf(m, 'FULLY_CONNECTED', 1)) {
    assert.equal(w.type, 'int8');
    assert.equal(w.quantization?.scale.length, 1);
  }
  for (const b of tensorsOf(m, 'FULLY_CONNECTED', 2)) {
    assert.equal(b.type, 'int32');
    assert.equal(b.quantization?.scale.length, 1);
  }
  // Pooling, MEAN and PAD keep their input's parameters.
  for (const o of sg.operators) {
    const op = m.operatorCodes[o.opcodeIndex].builtin;
    if (!['MAX_POOL_2D', 'AVERAGE_POOL_2D', 'MEAN', 'PAD'].includes(op)) continue;
    assert.deepEqual(
      sg.tensors[o.outputs[0]].quantization?.scale,
      sg.tensors[o.inputs[0]].quantization?.scale,
      op,
    );
    assert.deepEqual(
      sg.tensors[o.outputs[0]].quantization?.zeroPoint,
      sg.tensors[o.inputs[0]].quantization?.zeroPoint,
      op,
    );
  }
  const version = (op: string) => m.operatorCodes.find((c) => c.builtin === op)?.version;
  assert.equal(version('CONV_2D'), 3);
  assert.equal(version('FULLY_CONNECTED'), 4);
  // The report: every activation calibrated, inherited or fixed, with its range.
  assert.equal(r.values.length, sg.tensors.filter((t) => t.buffer === 0).length);
  assert.ok(
    r.values.some((v) => v.source === 'input') && r.values.some((v) => v.source === 'fixed'),
  );
});

test('residual model: ReLU fused into ADD, a shared conv output keeps its RELU, Reshape as RESHAPE', () => {
  const m = readModel(
    quantizeLayersModelDetailed(tf, residualModel(tf), samples([12, 12, 4], 30, 11)).tflite,
    'residual',
  );
  assert.deepEqual(ops(m), [
    'CONV_2D',
    'CONV_2D',
    'ADD',
    'CONV_2D',
    'RELU',
    'ADD',
    'DEPTHWISE_CONV_2D',
    'RESHAPE',
    'FULLY_CONNECTED',
  ]);
  const sg = m.subgraphs[0];
  const adds = sg.operators.filter((o) => m.operatorCodes[o.opcodeIndex].builtin === 'ADD');
  assert.deepEqual(
    adds.map((o) => (o.options?.kind === 'AddOptions' ? o.options.activation : '?')),
    ['RELU', 'NONE'],
  );
  // An ADD has its own output range, unlike its inputs.
  const [a, b] = adds[0].inputs.map((i) => sg.tensors[i].quantization?.scale[0]);
  const out = sg.tensors[adds[0].outputs[0]].quantization?.scale[0];
  assert.ok(out !== a || out !== b);
  const reshape = sg.operators.find((o) => m.operatorCodes[o.opcodeIndex].builtin === 'RESHAPE');
  assert.deepEqual(sg.tensors[reshape?.outputs[0] ?? -1].shape, [1, 200]);
});

test('float I/O adds QUANTIZE at the input and DEQUANTIZE at the output', () => {
  const r = quantizeLayersModelDetailed(tf, denseHeavy(tf), samples([8, 8, 8], 20, 11), {
    io: 'float32',
  });
  const m = readModel(r.tflite, 'float-io');
  const sg = m.subgraphs[0];
  const list = ops(m);
  assert.equal(list[0], 'QUANTIZE');
  assert.equal(list[list.length - 1], 'DEQUANTIZE');
  assert.equal(sg.tensors[sg.inputs[0]].type, 'float32');
  assert.equal(sg.tensors[sg.outputs[0]].type, 'float32');
});

test('float32 export: same graph in float32, BN folded, every conv with a bias', () => {
  const m = readModel(exportFloatTflite(tf, sequentialClassifier(tf)), 'float');
  const sg = m.subgraphs[0];
  assert.equal(ops(m).length, 11);
  assert.ok(sg.tensors.every((t) => t.quantization === undefined));
  assert.ok(sg.tensors.every((t) => t.type === 'float32' || /\/(axes|paddings)$/.test(t.name)));
  // The first conv has useBias: false; TFLite kernels still get a (zero + folded BN) bias.
  for (const o of sg.operators.filter(
    (o) => m.operatorCodes[o.opcodeIndex].builtin === 'CONV_2D',
  )) {
    assert.equal(o.inputs.length, 3);
    assert.ok(o.inputs[2] >= 0);
  }
  assert.ok(m.operatorCodes.every((c) => c.version === 1));
});

test('int8 file is at most 30% of the float32 file for a model with enough weights', () => {
  const model = denseHeavy(tf);
  const q = quantizeLayersModelDetailed(tf, model, samples([8, 8, 8], 20, 11)).tflite;
  const f = exportFloatTflite(tf, model);
  assert.ok(q.length <= 0.3 * f.length, `${q.length} B int8 vs ${f.length} B float32`);
});

test('Dense with softmax activation: logits range recomputed = a linear Dense then a Softmax layer', () => {
  const fused = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [6], units: 4, activation: 'softmax' })],
  });
  const split = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [6], units: 4 }), tf.layers.softmax()],
  });
  split.layers[0].setWeights(fused.layers[0].getWeights());
  const cal = samples([6], 50, 4);
  const a = quantizeLayersModelDetailed(tf, fused, cal);
  const b = quantizeLayersModelDetailed(tf, split, cal);
  // Value 0 is the input, value 1 the FULLY_CONNECTED output (the logits) in both.
  const logits = (r: typeof a) => {
    assert.deepEqual(
      r.operators.map((o) => o.op),
      ['FULLY_CONNECTED', 'SOFTMAX'],
    );
    return r.values[1];
  };
  const ra = logits(a).range;
  const rb = logits(b).range;
  assert.ok(ra && rb);
  assert.ok(
    Math.abs(ra.min - rb.min) < 1e-5 && Math.abs(ra.max - rb.max) < 1e-5,
    `${JSON.stringify(ra)} vs ${JSON.stringify(rb)}`,
  );
  assert.deepEqual(logits(a).params, logits(b).params);
});

test('tanh and sigmoid: TANH and LOGISTIC operators with fixed output parameters', () => {
  const r = quantizeLayersModelDetailed(tf, saturating(tf), samples([14, 14, 1], 30, 11));
  const m = readModel(r.tflite, 'saturating');
  assert.deepEqual(ops(m), [
    'CONV_2D',
    'TANH',
    'AVERAGE_POOL_2D',
    'DEPTHWISE_CONV_2D',
    'LOGISTIC',
    'RESHAPE',
    'FULLY_CONNECTED',
    'TANH',
    'FULLY_CONNECTED',
    'SOFTMAX',
  ]);
  const sg = m.subgraphs[0];
  for (const o of sg.operators) {
    const op = m.operatorCodes[o.opcodeIndex].builtin;
    const q = sg.tensors[o.outputs[0]].quantization;
    if (op === 'TANH') assert.deepEqual([q?.scale, q?.zeroPoint], [[1 / 128], [0]]);
    if (op === 'LOGISTIC') assert.deepEqual([q?.scale, q?.zeroPoint], [[1 / 256], [-128]]);
  }
});

test('pre-activation ranges of a conv and a depthwise with tanh/sigmoid = the split model', () => {
  const fused = tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [8, 8, 2],
        filters: 3,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: 'tanh',
      }),
      tf.layers.depthwiseConv2d({
        kernelSize: 2,
        depthMultiplier: 2,
        dilationRate: 1,
        activation: 'sigmoid',
      }),
    ],
  });
  const split = tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [8, 8, 2],
        filters: 3,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
      }),
      tf.layers.activation({ activation: 'tanh' }),
      tf.layers.depthwiseConv2d({ kernelSize: 2, depthMultiplier: 2 }),
      tf.layers.activation({ activation: 'sigmoid' }),
    ],
  });
  split.layers[0].setWeights(fused.layers[0].getWeights());
  split.layers[2].setWeights(fused.layers[1].getWeights());
  const cal = samples([8, 8, 2], 20, 9);
  const a = quantizeLayersModelDetailed(tf, fused, cal).values;
  const b = quantizeLayersModelDetailed(tf, split, cal).values;
  assert.equal(a.length, b.length);
  a.forEach((v, i) => {
    const ra = v.range;
    const rb = b[i].range;
    assert.ok(ra && rb);
    assert.ok(
      Math.abs(ra.min - rb.min) < 1e-5 && Math.abs(ra.max - rb.max) < 1e-5,
      `value ${i}: ${JSON.stringify(ra)} vs ${JSON.stringify(rb)}`,
    );
  });
});

test('several outputs: each output dequantized in order; an output is never fused away', async () => {
  const x = tf.input({ shape: [6, 6, 2] });
  const conv = tf.layers
    .conv2d({ filters: 4, kernelSize: 3, name: 'features' })
    .apply(x) as TfModule.SymbolicTensor;
  // conv is a model output: the ReLU after it must stay a RELU operator.
  const relu = tf.layers.reLU().apply(conv) as TfModule.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling2d({}).apply(relu) as TfModule.SymbolicTensor;
  const probs = tf.layers
    .dense({ units: 3, activation: 'softmax', name: 'probs' })
    .apply(pooled) as TfModule.SymbolicTensor;
  const value = tf.layers
    .dense({ units: 1, name: 'value' })
    .apply(pooled) as TfModule.SymbolicTensor;
  const model = tf.model({ inputs: x, outputs: [conv, probs, value] });
  randomizeWeights(tf, model, 8);
  const cal = samples([6, 6, 2], 60, 1);
  const r = quantizeLayersModelDetailed(tf, model, cal, { io: 'float32' });
  const m = readModel(r.tflite, 'three-outputs');
  assert.deepEqual(ops(m), [
    'QUANTIZE',
    'CONV_2D',
    'RELU',
    'MEAN',
    'FULLY_CONNECTED',
    'SOFTMAX',
    'FULLY_CONNECTED',
    'DEQUANTIZE',
    'DEQUANTIZE',
    'DEQUANTIZE',
  ]);
  const sg = m.subgraphs[0];
  assert.deepEqual(
    sg.outputs.map((i) => sg.tensors[i].shape),
    [
      [1, 4, 4, 4],
      [1, 3],
      [1, 1],
    ],
  );
  const rt = await TfliteRuntime.load(r.tflite);
  try {
    const ev = samples([6, 6, 2], 10, 2);
    for (const s of ev) {
      const want = tf.tidy(() => {
        const y = model.predict(tf.tensor(s, [1, 6, 6, 2])) as TfModule.Tensor[];
        return y.map((t) => Float32Array.from(t.dataSync()));
      });
      rt.setInput(0, s);
      rt.invoke();
      want.forEach((w, k) => {
        const got = rt.output(k).data as Float32Array;
        const v = r.values.find((x) => `${x.name}_float` === sg.tensors[sg.outputs[k]].name);
        assert.ok(v?.range, `output ${k} has a calibrated value`);
        // A wrong output order or a lost activation is off by the whole range; rounding
        // accumulated through the layers stays within a tenth of it.
        const tol = 0.1 * (v.range.max - v.range.min) + 3 * v.params.scale;
        w.forEach((x, j) =>
          assert.ok(
            Math.abs(x - got[j]) <= tol,
            `output ${k}[${j}]: ${got[j]} vs ${x} (within ${tol})`,
          ),
        );
      });
    }
  } finally {
    rt.dispose();
  }
});

test('denseWeights per-channel: one scale per unit (axis 0), same accuracy bounds in TFLite', async () => {
  const model = denseHeavy(tf);
  const cal = samples([8, 8, 8], 100, 11);
  const evalSet = samples([8, 8, 8], 100, 12);
  const r = quantizeLayersModelDetailed(tf, model, cal, {
    io: 'float32',
    denseWeights: 'per-channel',
  });
  const m = readModel(r.tflite, 'per-channel');
  const sg = m.subgraphs[0];
  const fcs = sg.operators.filter(
    (o) => m.operatorCodes[o.opcodeIndex].builtin === 'FULLY_CONNECTED',
  );
  assert.equal(fcs.length, 2);
  for (const o of fcs) {
    const [, w, b] = o.inputs.map((i) => sg.tensors[i]);
    assert.equal(w.quantization?.scale.length, w.shape[0]);
    assert.equal(w.quantization?.quantizedDimension, 0);
    assert.equal(b.quantization?.scale.length, w.shape[0]);
  }
  const got = await runTflite(r.tflite, evalSet);
  const ref = predict(tf, model, evalSet);
  const e = errorSteps(got, ref, 1 / 256);
  assert.ok(e.mean <= 1.5 && e.p99 <= 6, JSON.stringify(e));
  assert.ok(agreement(got, ref) >= 0.95);
});

test('SeparableConv2D: DEPTHWISE_CONV_2D then a 1x1 CONV_2D, BN folded and ReLU fused into the latter', () => {
  const r = quantizeLayersModelDetailed(tf, separable(tf), samples([20, 10, 1], 30, 11));
  const m = readModel(r.tflite, 'separable');
  assert.deepEqual(ops(m), [
    'CONV_2D',
    'DEPTHWISE_CONV_2D',
    'CONV_2D',
    'DEPTHWISE_CONV_2D',
    'CONV_2D',
    'MEAN',
    'FULLY_CONNECTED',
    'SOFTMAX',
  ]);
  const sg = m.subgraphs[0];
  const acts = sg.operators.map((o) =>
    o.options !== null && 'activation' in o.options ? o.options.activation : '-',
  );
  assert.deepEqual(acts.slice(1, 5), ['NONE', 'RELU', 'NONE', 'RELU']);
  assert.deepEqual(
    tensorsOf(m, 'DEPTHWISE_CONV_2D', 1).map((t) => t.shape),
    [
      [1, 3, 3, 8],
      [1, 3, 3, 32],
    ],
  );
  assert.deepEqual(
    tensorsOf(m, 'CONV_2D', 1)
      .slice(1)
      .map((t) => t.shape),
    [
      [16, 1, 1, 8],
      [16, 1, 1, 32],
    ],
  );
  // The hidden depthwise results got calibrated ranges (recomputed, not left empty).
  const mids = r.values.filter((v) => v.name.endsWith('/depthwise'));
  assert.equal(mids.length, 2);
  for (const v of mids)
    assert.ok(v.range && v.range.max > v.range.min && Number.isFinite(v.range.max));
});

test('Concatenate: CONCATENATION whose int8 inputs all carry the output parameters', () => {
  const r = quantizeLayersModelDetailed(tf, fire(tf), samples([8, 8, 4], 30, 11));
  const m = readModel(r.tflite, 'fire');
  const sg = m.subgraphs[0];
  const list = ops(m);
  assert.equal(list.filter((o) => o === 'CONCATENATION').length, 1);
  const concat = sg.operators.find(
    (o) => m.operatorCodes[o.opcodeIndex].builtin === 'CONCATENATION',
  );
  assert.ok(concat && concat.options?.kind === 'ConcatenationOptions');
  assert.equal(concat.options.axis, 3);
  const outQ = sg.tensors[concat.outputs[0]].quantization;
  for (const i of concat.inputs) {
    assert.deepEqual(sg.tensors[i].quantization?.scale, outQ?.scale, sg.tensors[i].name);
    assert.deepEqual(sg.tensors[i].quantization?.zeroPoint, outQ?.zeroPoint, sg.tensors[i].name);
  }
  // The two branches were calibrated apart: at least one needed an int8 -> int8 QUANTIZE.
  const requant = sg.operators.filter((o) => m.operatorCodes[o.opcodeIndex].builtin === 'QUANTIZE');
  assert.ok(requant.length >= 1);
  for (const o of requant) assert.equal(sg.tensors[o.inputs[0]].type, 'int8');
});

test('calibration sees every sample across batches; the output is deterministic', () => {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [3],
        units: 2,
        kernelInitializer: 'ones',
        biasInitializer: 'zeros',
      }),
    ],
  });
  // 40 samples (three batches of 16); the extremes sit in the last batch only.
  const cal = Array.from({ length: 40 }, (_, i) => new Float32Array([i / 100, 0, 0]));
  cal[37] = new Float32Array([5, 1, 1]);
  cal[38] = new Float32Array([-2, 0, 0]);
  const a = quantizeLayersModelDetailed(tf, model, cal);
  assert.deepEqual(a.values[0].range, { min: -2, max: 5 });
  // Dense with ones: output = sum of the inputs, 7 at sample 37.
  assert.ok(Math.abs((a.values[1].range?.max ?? 0) - 7) < 1e-6);
  assert.ok(Math.abs((a.values[1].range?.min ?? 0) + 2) < 1e-6);
  const b = quantizeLayersModelDetailed(tf, model, cal);
  assert.deepEqual(b.tflite, a.tflite);
});
