// The committed LeNet example is what its results.json and README say: both .tflite files
// load and run in the TFLite interpreter, their accuracy on the committed digits is
// recomputed (through the evaluation API and, independently, straight through the
// runtime) and equals results.json, and the acceptance bounds hold. No training.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Tensor } from '@tensorflow/tfjs';
import { loadDataset } from '../../src/host/dataset/index.ts';
import { evaluate } from '../../src/host/evaluate.ts';
import { tfliteRunner } from '../../src/host/runners.ts';
import { loadLayersModel, loadTf } from '../../src/host/tfjs.ts';
import { TfliteRuntime } from '../../src/host/tflite-runtime.ts';
import { analyzeModel } from '../../src/model/analysis.ts';
import { readModel } from '../../src/model/reader.ts';
import { findProblems } from '../../src/schema/validate.ts';
import type { Results } from '../../examples/lenet-mnist/report.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const exampleDir = path.join(repoRoot, 'examples', 'lenet-mnist');
const read = (file: string): Uint8Array => new Uint8Array(readFileSync(file));
const datasetFile = path.join(exampleDir, 'data', 'dataset.json');

interface Variant {
  name: string;
  results: Results;
  floatModel: Uint8Array;
  int8Model: Uint8Array;
  dir: string;
}

function variant(name: string, dir: string): Variant {
  return {
    name,
    dir,
    results: JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8')) as Results,
    floatModel: read(path.join(dir, 'lenet_float.tflite')),
    int8Model: read(path.join(dir, 'lenet_int8.tflite')),
  };
}

// The example and its wide variant (second convolution 16 -> 24 filters): same checks.
const VARIANTS = [
  variant('base', exampleDir),
  variant('wide', path.join(exampleDir, 'variants', 'wide')),
];

/** The committed digits read straight from the .npy files (format 1.0, uint8, C order). */
function npyBytes(file: string): { shape: number[]; data: Uint8Array } {
  const b = read(path.join(exampleDir, 'data', file));
  const headerLen = b[8] | (b[9] << 8);
  const header = new TextDecoder().decode(b.subarray(10, 10 + headerLen));
  assert.match(header, /'descr': '\|u1'/, `${file}: ${header}`);
  assert.match(header, /'fortran_order': False/);
  const dims = /'shape': \(([^)]*)\)/.exec(header)?.[1] ?? '';
  const shape = dims
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  return { shape, data: b.subarray(10 + headerLen) };
}

const x = npyBytes('x_test.npy');
const y = npyBytes('y_test.npy');
const N = y.shape[0];
const PIXELS = 28 * 28;

function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

test('the committed test set validates against the dataset schema and loads', async () => {
  const doc: unknown = JSON.parse(readFileSync(datasetFile, 'utf8'));
  assert.deepEqual(findProblems('dataset', doc), []);
  const d = await loadDataset(datasetFile);
  assert.equal(d.count, VARIANTS[0].results.data.committed);
  assert.deepEqual(d.shape, [28, 28, 1]);
  assert.deepEqual(x.shape, [N, 28, 28, 1]);
  assert.equal(x.data.length, N * PIXELS);
  // Every class present, so per-class accuracy means something.
  assert.equal(new Set(y.data).size, 10);
  // Small enough to commit (the brief's bound: about 400 KB).
  assert.ok(readFileSync(path.join(exampleDir, 'data', 'x_test.npy')).length <= 400_000);
});

for (const v of VARIANTS) {
  test(`${v.name}: results.json describes the committed model files`, () => {
    for (const [m, file] of [
      [v.results.models.float, v.floatModel],
      [v.results.models.int8, v.int8Model],
    ] as const) {
      assert.equal(m.bytes, file.length, m.file);
      assert.equal(m.sha256, createHash('sha256').update(file).digest('hex'), m.file);
      const a = analyzeModel(readModel(file, m.file), file, m.file);
      assert.equal(a.totals.params, m.params, `${m.file} params`);
      assert.equal(a.totals.macs, m.macs, `${m.file} MACs`);
      assert.deepEqual(
        a.layers.map((l) => l.op),
        m.ops,
      );
    }
    // LeNet-5: 2 convolutions, 2 pools, 3 dense layers, whatever else the lowering adds.
    const ops = v.results.models.int8.ops;
    assert.equal(ops.filter((o) => o === 'CONV_2D').length, 2);
    assert.equal(ops.filter((o) => o === 'MAX_POOL_2D').length, 2);
    assert.equal(ops.filter((o) => o === 'FULLY_CONNECTED').length, 3);
  });

  test(`${v.name}: both models load in the TFLite runtime with the expected I/O`, async () => {
    for (const [model, dtype] of [
      [v.floatModel, 'float32'],
      [v.int8Model, 'int8'],
    ] as const) {
      const rt = await TfliteRuntime.load(model);
      try {
        assert.deepEqual(
          rt.inputs.map((t) => [t.dtype, t.shape]),
          [[dtype, [1, 28, 28, 1]]],
        );
        assert.deepEqual(
          rt.outputs.map((t) => [t.dtype, t.shape]),
          [[dtype, [1, 10]]],
        );
      } finally {
        rt.dispose();
      }
    }
  });

  test(`${v.name}: accuracy on the committed digits, recomputed with evaluate, equals results.json`, async () => {
    const data = await loadDataset(datasetFile);
    const want = v.results.accuracy.committed;
    for (const [model, score] of [
      [v.floatModel, want.float],
      [v.int8Model, want.int8],
    ] as const) {
      const runner = await tfliteRunner(model);
      try {
        const r = await evaluate(runner, data);
        const c = r.metrics.classification;
        assert.ok(c !== undefined);
        assert.equal(c.count, score.samples);
        assert.equal(c.correct, score.correct);
        assert.ok(
          Math.abs(100 * c.top1 - score.accuracy) < 1e-9,
          `${c.top1} vs ${score.accuracy} %`,
        );
      } finally {
        runner.dispose();
      }
    }
  });

  test(`${v.name}: the same accuracy straight through the runtime (own quantization, own argmax)`, async () => {
    const want = v.results.accuracy.committed;
    const q = readModel(v.int8Model).subgraphs[0];
    const inQ = q.tensors[q.inputs[0]].quantization;
    assert.ok(inQ !== undefined && inQ.scale.length === 1);
    const [scale, zero] = [inQ.scale[0], Number(inQ.zeroPoint[0])];
    const rtF = await TfliteRuntime.load(v.floatModel);
    const rtQ = await TfliteRuntime.load(v.int8Model);
    try {
      let rightF = 0;
      let rightQ = 0;
      const xf = new Float32Array(PIXELS);
      const xq = new Int8Array(PIXELS);
      for (let i = 0; i < N; i++) {
        for (let p = 0; p < PIXELS; p++) {
          const v = x.data[i * PIXELS + p] * (1 / 255);
          xf[p] = v;
          xq[p] = Math.max(-128, Math.min(127, Math.round(Math.fround(v) / scale) + zero));
        }
        rtF.setInput(0, xf);
        rtF.invoke();
        rtQ.setInput(0, xq);
        rtQ.invoke();
        // argmax of the int8 scores is the argmax of the dequantized ones (scale > 0).
        if (argmax(rtF.output(0).data as Float32Array) === y.data[i]) rightF++;
        if (argmax(rtQ.output(0).data as Int8Array) === y.data[i]) rightQ++;
      }
      assert.equal(rightF, want.float.correct);
      assert.equal(rightQ, want.int8.correct);
    } finally {
      rtF.dispose();
      rtQ.dispose();
    }
  });

  test(`${v.name}: acceptance: int8 within 1 point of float, int8 size at most 30 %, training under 3 min`, () => {
    for (const s of [v.results.accuracy.testSplit, v.results.accuracy.committed]) {
      assert.equal(s.deltaPts, Number((s.int8.accuracy - s.float.accuracy).toFixed(4)));
      assert.ok(s.deltaPts >= -1, `int8 loses ${-s.deltaPts} points`);
    }
    assert.equal(v.results.accuracy.testSplit.float.samples, v.results.data.test);
    const ratio = v.int8Model.length / v.floatModel.length;
    assert.ok(ratio <= 0.3, `int8 is ${(100 * ratio).toFixed(1)} % of float`);
    assert.equal(v.results.sizeRatio, Number(ratio.toFixed(4)));
    assert.ok(v.results.training.seconds < 180, `training took ${v.results.training.seconds} s`);
    // A LeNet that learned something (chance is 10 %).
    assert.ok(v.results.accuracy.testSplit.float.accuracy > 90);
  });

  test(`${v.name}: the committed TF.js model computes what the float .tflite computes`, async () => {
    const tf = await loadTf();
    const model = await loadLayersModel(path.join(v.dir, 'model', 'model.json'));
    const rt = await TfliteRuntime.load(v.floatModel);
    try {
      const n = 100;
      const input = new Float32Array(n * PIXELS);
      for (let k = 0; k < input.length; k++) input[k] = x.data[k] * (1 / 255);
      const out = tf.tidy(
        () =>
          (model.predict(tf.tensor4d(input, [n, 28, 28, 1])) as Tensor).dataSync() as Float32Array,
      );
      let maxDiff = 0;
      for (let i = 0; i < n; i++) {
        rt.setInput(0, input.subarray(i * PIXELS, (i + 1) * PIXELS));
        rt.invoke();
        const o = rt.output(0).data as Float32Array;
        for (let c = 0; c < 10; c++) maxDiff = Math.max(maxDiff, Math.abs(o[c] - out[i * 10 + c]));
      }
      // Same weights, different kernels (XNNPACK vs TF.js): float rounding only.
      assert.ok(maxDiff < 1e-4, `largest probability difference ${maxDiff}`);
    } finally {
      rt.dispose();
      model.dispose();
    }
  });
}

test('the wide variant differs from the base model in the second convolution only', () => {
  const [base, wide] = VARIANTS.map((v) => {
    const a = analyzeModel(readModel(v.int8Model), v.int8Model, v.name);
    return a.layers.map((l) => ({ op: l.op, out: l.outputs[0].shape }));
  });
  assert.deepEqual(
    wide.map((l) => l.op),
    base.map((l) => l.op),
  );
  // Operator 2 is the second CONV_2D: 8x8x16 in the base model, 8x8x24 in the wide one;
  // the pool and the flatten after it carry the width on.
  assert.deepEqual(base[2].out, [1, 8, 8, 16]);
  assert.deepEqual(wide[2].out, [1, 8, 8, 24]);
  assert.deepEqual(wide[3].out, [1, 4, 4, 24]);
  assert.deepEqual(wide[0].out, base[0].out);
  assert.deepEqual(wide.at(-1)?.out, base.at(-1)?.out);
});
