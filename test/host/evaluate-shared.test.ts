// Acceptance on the third-party models of shared/: evaluation through our dataset loader
// (.npy and MLPerf .bin layouts) gives exactly what feeding the TFLite runtime directly
// gives, and the float and int8 versions of ResNet-8 and KWS agree on argmax for most
// inputs of a generated set. Skipped where shared/ is absent (a user's fresh clone).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadDataset } from '../../src/host/dataset/index.ts';
import { compareRuns, evaluate } from '../../src/host/evaluate.ts';
import { drift } from '../../src/host/metrics.ts';
import { tfliteRunner } from '../../src/host/runners.ts';
import { TfliteRuntime } from '../../src/host/tflite-runtime.ts';
import { readModel } from '../../src/model/reader.ts';
import type { Quantization } from '../../src/model/types.ts';
import { lcg, shared, writeMlperfDataset, writeNpyDataset } from './evaluate-fixtures.ts';

const absent = !existsSync(path.join(shared, 'models')) || !existsSync(path.join(shared, 'golden'));
const skip = absent ? 'shared/ not found beside the checkout' : false;

const root = mkdtempSync(path.join(os.tmpdir(), 'tinyml-gate-eval-shared-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

const modelFile = (name: string): string => path.join(shared, 'models', `${name}.tflite`);

function io(bytes: Uint8Array): {
  input: number[];
  inQ: Quantization;
  outQ: Quantization;
  outputs: number;
} {
  const g = readModel(bytes).subgraphs[0];
  const x = g.tensors[g.inputs[0]];
  const y = g.tensors[g.outputs[0]];
  if (x.quantization === undefined || y.quantization === undefined) {
    throw new Error('expected an int8 model with quantized input and output');
  }
  return {
    input: x.shape.slice(1),
    inQ: x.quantization,
    outQ: y.quantization,
    outputs: y.shape.reduce((a, b) => a * b, 1),
  };
}

// The int8 models with golden inputs; hello_world's single output makes it a regression.
const INT8 = ['hello_world_int8', 'micro_speech_quantized', 'kws_ref_model', 'ic_resnet8_int8'];

for (const name of INT8) {
  test(
    `${name}: dataset loader (.npy and MLPerf .bin) = the runtime fed directly`,
    { skip },
    async () => {
      const bytes = new Uint8Array(readFileSync(modelFile(name)));
      const { input, inQ, outQ, outputs } = io(bytes);
      const per = input.reduce((a, b) => a * b, 1);
      const raw = new Int8Array(readFileSync(path.join(shared, 'golden', name, 'inputs.bin')));
      const n = raw.length / per;
      assert.ok(Number.isInteger(n) && n > 0);

      // Direct: raw int8 in, raw int8 out, dequantized here.
      const rt = await TfliteRuntime.load(bytes, { name });
      const direct: Float32Array[] = [];
      try {
        for (let i = 0; i < n; i++) {
          rt.setInput(0, raw.slice(i * per, (i + 1) * per));
          rt.invoke();
          const q = rt.output(0).data as Int8Array;
          direct.push(Float32Array.from(q, (v) => (v - outQ.zeroPoint[0]) * outQ.scale[0]));
        }
      } finally {
        rt.dispose();
      }

      // Through the dataset: the stored int8 values with the model's input quantization as
      // preprocessing, so the float features quantize back to the same integers.
      const scale = inQ.scale[0];
      const preprocessing = { scale, offset: -inQ.zeroPoint[0] * scale };
      const regression = outputs === 1;
      const labels = Array.from({ length: n }, (_, i) => (regression ? 0 : i % outputs));
      const task = regression ? 'regression' : 'classification';
      const npy = writeNpyDataset(
        path.join(root, `${name}-npy`),
        { dtype: 'int8', shape: [n, ...input], data: raw },
        { dtype: regression ? 'float32' : 'int64', shape: [n], data: labels },
        { task, preprocessing, count: n },
      );
      const samples = Array.from({ length: n }, (_, i) =>
        new Uint8Array(raw.buffer, i * per, per).slice(),
      );
      const bin = writeMlperfDataset(
        path.join(root, `${name}-bin`),
        samples,
        labels,
        Math.max(outputs, 2),
        {
          dtype: 'int8',
          shape: input,
          preprocessing,
          task,
        },
      );

      const runner = await tfliteRunner(modelFile(name));
      try {
        for (const file of [npy, bin]) {
          const result = await evaluate(runner, await loadDataset(file));
          assert.equal(result.count, n);
          for (let i = 0; i < n; i++) {
            assert.deepEqual(
              Array.from(result.outputs[i]),
              Array.from(direct[i]),
              `${file}: sample ${i}`,
            );
          }
        }
      } finally {
        runner.dispose();
      }
    },
  );
}

// Float vs int8 agreement on a generated set. ResNet-8: uniform random pixels over the
// whole input range. KWS: uniform int8 within +-32 of the zero point (features within
// +-18.7 of 0; MFCCs sit near 0, and far off that the two models saturate to different
// classes: see docs/datasets.md for the rates on other generators).
const PAIRS = [
  { int8: 'ic_resnet8_int8', float: 'ic_resnet8_float', spread: 128, floor: 0.9 },
  { int8: 'kws_ref_model', float: 'kws_ref_model_float32', spread: 32, floor: 0.9 },
];
const GENERATED = 300;

for (const p of PAIRS) {
  test(
    `${p.float} and ${p.int8} agree on argmax for >= ${p.floor * 100}% of ${GENERATED} generated inputs`,
    { skip },
    async (t) => {
      const bytes = new Uint8Array(readFileSync(modelFile(p.int8)));
      const { input, inQ } = io(bytes);
      const per = input.reduce((a, b) => a * b, 1);
      const zp = inQ.zeroPoint[0];
      const rnd = lcg(20261124);
      const data = new Int8Array(GENERATED * per);
      for (let k = 0; k < data.length; k++) {
        const q = zp + Math.floor((rnd() * 2 - 1) * p.spread);
        data[k] = Math.max(-128, Math.min(127, q));
      }
      const file = writeNpyDataset(
        path.join(root, `${p.int8}-generated`),
        { dtype: 'int8', shape: [GENERATED, ...input], data },
        { dtype: 'int64', shape: [GENERATED], data: new Array<number>(GENERATED).fill(0) },
        { preprocessing: { scale: inQ.scale[0], offset: -zp * inQ.scale[0] } },
      );
      const ds = await loadDataset(file);
      const q8 = await tfliteRunner(bytes);
      const f32 = await tfliteRunner(modelFile(p.float));
      try {
        const a = await evaluate(f32, ds);
        const b = await evaluate(q8, ds);
        const d = compareRuns(a, b);
        t.diagnostic(
          `${p.int8} vs ${p.float}: argmax agrees on ${d.agree}/${d.count} (${(d.agreement * 100).toFixed(1)}%), max |diff| ${d.maxAbsDiff.toFixed(4)}, mean |diff| ${d.meanAbsDiff.toFixed(5)}`,
        );
        assert.ok(d.agreement >= p.floor, `agreement ${d.agreement} below ${p.floor}`);
        // Not two copies of one model: the int8 outputs do differ from the float ones.
        assert.ok(d.maxAbsDiff > 0);
        assert.deepEqual(drift(a.outputs, b.outputs), d);
      } finally {
        q8.dispose();
        f32.dispose();
      }
    },
  );
}
