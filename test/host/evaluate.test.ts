// Evaluation through runners on generated models: the float path gives W x + b, the int8
// path quantizes and dequantizes exactly as TFLite does, and the task decides the metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatasetError, loadDataset } from '../../src/host/dataset/index.ts';
import { compareRuns, evaluate } from '../../src/host/evaluate.ts';
import { RunnerError, layersRunner, tfliteRunner, type Runner } from '../../src/host/runners.ts';
import { loadTf, saveLayersModel } from '../../src/host/tfjs.ts';
import {
  FC_B,
  FC_W,
  Q_SCALE,
  Q_ZP,
  fcReference,
  floatFcModel,
  int8IdentityModel,
  writeMlperfDataset,
  writeNpyDataset,
} from './evaluate-fixtures.ts';

const root = mkdtempSync(path.join(os.tmpdir(), 'tinyml-gate-evaluate-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

const X = [
  [1, 2, 3, 4],
  [-1, 0.5, 2, 0],
  [0, 0, 0, 0],
  [3, -2, 1, 1],
];

function fcDataset(name: string, labels: number[], task = 'classification'): string {
  return writeNpyDataset(
    path.join(root, name),
    { dtype: 'float32', shape: [X.length, 4], data: X.flat() },
    { dtype: task === 'regression' ? 'float32' : 'int32', shape: [X.length], data: labels },
    { task: task as 'classification' | 'regression' },
  );
}

test('float .tflite: outputs are W x + b; classification metrics from argmax', async () => {
  const runner = await tfliteRunner(floatFcModel());
  try {
    assert.deepEqual(runner.inputShape, [4]);
    // Expected classes: argmax of W x + b for each row of X.
    const want = X.map((x) => fcReference(x));
    const labels = [1, 0, 0, 2];
    const ds = await loadDataset(fcDataset('fc', labels));
    const r = await evaluate(runner, ds);
    r.outputs.forEach((y, i) => {
      want[i].forEach((v, k) => assert.ok(Math.abs(y[k] - v) < 1e-6, `sample ${i} output ${k}`));
    });
    const predicted = want.map((w) => w.indexOf(Math.max(...w)));
    assert.deepEqual(r.predictions, predicted);
    const correct = labels.filter((y, i) => y === predicted[i]).length;
    assert.equal(r.metrics.classification?.correct, correct);
    assert.equal(r.metrics.classification?.perClass.length, 3);
    assert.ok(r.samplesPerSecond > 0);
    const limited = await evaluate(runner, ds, { limit: 2 });
    assert.equal(limited.count, 2);
  } finally {
    runner.dispose();
  }
});

test('int8 .tflite: inputs quantized (round half away from zero, clamped), outputs dequantized', async () => {
  const runner = await tfliteRunner(int8IdentityModel());
  try {
    const x = new Float32Array([0.25, -0.25, 0.74, 1000]);
    // q = round(x / 0.5) + zp: 0.5 -> 1, -0.5 -> -1, 1.48 -> 1, 2000 -> clamped to 127.
    const q = [1, -1, 1, 127 - Q_ZP].map((v) => Math.min(127, v + Q_ZP));
    const y = runner.run(x);
    assert.deepEqual(
      Array.from(y),
      q.map((v) => (v - Q_ZP) * Q_SCALE),
    );
    assert.deepEqual(Array.from(runner.run(new Float32Array([-1000, 0, 0.2, -0.76]))), [
      (-128 - Q_ZP) * Q_SCALE,
      0,
      0,
      -1 * Q_SCALE * 2,
    ]);
    assert.throws(
      () => runner.run(new Float32Array(3)),
      (e: unknown) => e instanceof RunnerError && e.code === 'input-size',
    );
  } finally {
    runner.dispose();
  }
});

test('regression and anomaly tasks read the first output / a score', async () => {
  const one: Runner = {
    name: 'sum',
    inputShape: [4],
    run: (x) => new Float32Array([x[0] + x[1]]),
    dispose: () => {},
  };
  const targets = X.map((x) => x[0] + x[1] + 0.5);
  const reg = await evaluate(one, await loadDataset(fcDataset('reg', targets, 'regression')));
  assert.ok(Math.abs((reg.metrics.regression?.mae ?? -1) - 0.5) < 1e-6);
  assert.ok(Math.abs((reg.metrics.regression?.rmse ?? -1) - 0.5) < 1e-6);

  // An autoencoder that reproduces its input except on the last sample: reconstruction error
  // ranks that sample first, labelled anomalous -> AUC 1.
  const anomalyDs = writeNpyDataset(
    path.join(root, 'ad'),
    { dtype: 'float32', shape: [X.length, 4], data: X.flat() },
    { dtype: 'int8', shape: [X.length], data: [0, 0, 0, 1] },
    { task: 'anomaly' },
  );
  let calls = 0;
  const auto: Runner = {
    name: 'autoencoder',
    run: (x) => (calls++ === 3 ? x.map((v) => v + 1) : Float32Array.from(x)),
    dispose: () => {},
  };
  const ad = await evaluate(auto, await loadDataset(anomalyDs));
  assert.equal(ad.metrics.anomaly?.auc, 1);
  assert.deepEqual(ad.predictions, [0, 0, 0, 1]);
});

test('shape, output and label faults against the model are DatasetErrors naming the file', async () => {
  const file = fcDataset('faults', [0, 1, 2, 1]);
  const ds = await loadDataset(file);
  const wide: Runner = {
    name: 'wide.tflite',
    inputShape: [2, 3],
    run: () => new Float32Array(2),
    dispose: () => {},
  };
  await assert.rejects(evaluate(wide, ds), (e: unknown) => {
    assert.ok(e instanceof DatasetError && e.code === 'shape-mismatch');
    assert.match(
      e.message,
      /dataset\.json: samples of shape \[4\] \(4 values\) do not fit the input \[2,3\] \(6 values\) of wide\.tflite/,
    );
    return true;
  });
  const two: Runner = { name: 'two.tflite', run: () => new Float32Array(2), dispose: () => {} };
  await assert.rejects(evaluate(two, ds), (e: unknown) => {
    assert.ok(e instanceof DatasetError && e.code === 'label-out-of-range');
    assert.match(
      e.message,
      /x\.npy \[2\]: sample 2: label 2 is not below the 2 classes of two\.tflite/,
    );
    return true;
  });
  const reg = await loadDataset(fcDataset('reg2', [1, 2, 3, 4], 'regression'));
  await assert.rejects(
    evaluate(two, reg),
    (e: unknown) => e instanceof DatasetError && e.code === 'output-mismatch' && e.sample === 0,
  );
  writeFileSync(
    path.join(root, 'faults', 'dataset.json'),
    JSON.stringify({
      schemaVersion: 1,
      name: 'f',
      task: 'classification',
      layout: 'npy',
      inputs: 'x.npy',
      labels: 'y.npy',
      dtype: 'float32',
      shape: [4],
      classes: 5,
    }),
  );
  await assert.rejects(
    evaluate(two, await loadDataset(file)),
    (e: unknown) => e instanceof DatasetError && e.code === 'output-mismatch',
  );
});

test('compareRuns: drift between a model and itself is zero, against another it is measured', async () => {
  const ds = await loadDataset(fcDataset('drift', [0, 0, 0, 0]));
  const a = await tfliteRunner(floatFcModel());
  try {
    const r1 = await evaluate(a, ds);
    const r2 = await evaluate(a, ds);
    const same = compareRuns(r1, r2);
    assert.equal(same.maxAbsDiff, 0);
    assert.equal(same.agreement, 1);
    const shifted: Runner = {
      name: 's',
      run: (x) => Float32Array.from(a.run(x), (v, k) => (k === 2 ? v + 10 : v)),
      dispose: () => {},
    };
    const r3 = await evaluate(shifted, ds);
    const d = compareRuns(r1, r3);
    assert.ok(Math.abs(d.maxAbsDiff - 10) < 1e-5);
    assert.deepEqual(
      d.disagreeing,
      r1.predictions.flatMap((p, i) => (p === 2 ? [] : [i])),
    );
    const short = await evaluate(a, ds, { limit: 2 });
    assert.throws(() => compareRuns(r1, short), RangeError);
  } finally {
    a.dispose();
  }
});

test('TF.js Layers model.json: layersRunner gives the Dense layer W x + b', async () => {
  const tf = await loadTf();
  const model = tf.sequential({
    layers: [tf.layers.dense({ units: 3, inputShape: [4], useBias: true })],
  });
  // Keras kernels are [in, out]: the transpose of the FC weights of the .tflite fixture.
  const kernel = FC_W[0].map((_, k) => FC_W.map((row) => row[k]));
  model.setWeights([tf.tensor2d(kernel), tf.tensor1d(FC_B)]);
  const dir = path.join(root, 'layers');
  await saveLayersModel(model, dir);
  model.dispose();
  const runner = await layersRunner(path.join(dir, 'model.json'));
  try {
    assert.deepEqual(runner.inputShape, [4]);
    const ds = await loadDataset(fcDataset('layers-ds', [0, 0, 0, 0]));
    const r = await evaluate(runner, ds);
    r.outputs.forEach((y, i) => {
      fcReference(X[i]).forEach((v, k) => assert.ok(Math.abs(y[k] - v) < 1e-5, `sample ${i}`));
    });
    assert.throws(
      () => runner.run(new Float32Array(5)),
      (e: unknown) => e instanceof RunnerError && e.code === 'input-size',
    );
  } finally {
    runner.dispose();
  }
});

test('MLPerf anomaly windows: a file scores the mean of its windows', async () => {
  const dir = path.join(root, 'ad-windows');
  // Windows of 3 floats, stride 3; the autoencoder outputs zeros, so a window's score is
  // its mean square. File 0: [0,0,0] [0,0,3] -> 0, 3 -> 1.5. File 1: [3,3,3] -> 9.
  // File 2: [1,1,1] [0,0,0] [2,2,2] -> 1, 0, 4 -> 5/3.
  const files = [
    [0, 0, 0, 0, 0, 3],
    [3, 3, 3],
    [1, 1, 1, 0, 0, 0, 2, 2, 2],
  ].map((v) => new Uint8Array(new Float32Array(v).buffer));
  const file = writeMlperfDataset(dir, files, [0, 1, 0], 2, {
    dtype: 'float32',
    shape: [3],
    task: 'anomaly',
  });
  writeFileSync(
    path.join(dir, 'samples', 'y_labels.csv'),
    's_0000.bin,2,0,12,12\ns_0001.bin,2,1,12,12\ns_0002.bin,2,0,12,12\n',
  );
  const zeros: Runner = {
    name: 'zeros',
    inputShape: [3],
    run: () => new Float32Array(3),
    dispose: () => {},
  };
  const r = await evaluate(zeros, await loadDataset(file));
  assert.equal(r.count, 3);
  assert.equal(r.predictions[0], 1.5);
  assert.equal(r.predictions[1], 9);
  assert.ok(Math.abs(r.predictions[2] - 5 / 3) < 1e-12);
  // The anomalous file scores highest: AUC 1.
  assert.equal(r.metrics.anomaly?.auc, 1);
  assert.deepEqual(
    r.outputs.map((o) => o.length),
    [6, 3, 9],
  );
});
