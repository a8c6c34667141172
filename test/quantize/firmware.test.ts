// Our int8 models in our own C engine (the host build of firmware/, tg_run): the same
// int8 outputs as the real TFLite runtime, within 1 step (XNNPACK rounds some
// requantizations differently from TFLite Micro's reference kernels, which the engine
// matches bit for bit). Skips when the host build is absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type * as TfModule from '@tensorflow/tfjs';
import { loadTf } from '../../src/host/tfjs.ts';
import { TfliteRuntime } from '../../src/host/tflite-runtime.ts';
import { readModel } from '../../src/model/reader.ts';
import {
  quantizeLayersModel,
  quantizeLayersModelDetailed,
  type QuantizeOptions,
} from '../../src/quantize/index.ts';
import { samples } from './helpers.ts';
import {
  denseHeavy,
  fire,
  residualModel,
  saturating,
  separable,
  sequentialClassifier,
} from './models.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const tgRun = path.join(repoRoot, 'firmware', 'build', 'host-gcc-ref-nosan', 'tg_run');
const absent = !existsSync(tgRun);
const skip = absent ? 'firmware host build absent (make -C firmware builds tg_run)' : false;

const tf = await loadTf();
const dir = mkdtempSync(path.join(os.tmpdir(), 'tg-quantize-fw-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

type Dense = QuantizeOptions['denseWeights'];
const CASES: [string, (t: typeof tf) => TfModule.LayersModel, number[], Dense][] = [
  ['sequential', sequentialClassifier, [16, 16, 3], 'per-tensor'],
  ['residual', residualModel, [12, 12, 4], 'per-tensor'],
  ['denseHeavy', denseHeavy, [8, 8, 8], 'per-tensor'],
  ['denseHeavy per-channel', denseHeavy, [8, 8, 8], 'per-channel'],
  ['saturating', saturating, [14, 14, 1], 'per-tensor'],
  ['separable', separable, [20, 10, 1], 'per-tensor'],
  ['fire', fire, [8, 8, 4], 'per-tensor'],
];

for (const [name, make, shape, denseWeights] of CASES) {
  test(`${name}: firmware engine and TFLite agree within 1 step`, { skip }, async () => {
    const bytes = quantizeLayersModel(tf, make(tf), samples(shape, 100, 11), { denseWeights });
    const sg = readModel(bytes, name).subgraphs[0];
    const q = sg.tensors[sg.inputs[0]].quantization;
    assert.ok(q);
    const count = 20;
    const inputs = samples(shape, count, 12).map((x) =>
      Int8Array.from(x, (v) =>
        Math.max(-128, Math.min(127, Math.round(v / q.scale[0]) + q.zeroPoint[0])),
      ),
    );
    const file = name.replace(/ /g, '-');
    const model = path.join(dir, `${file}.tflite`);
    const inBin = path.join(dir, `${file}.in.bin`);
    const outBin = path.join(dir, `${file}.out.bin`);
    writeFileSync(model, bytes);
    writeFileSync(inBin, Buffer.concat(inputs.map((x) => Buffer.from(x.buffer))));
    await promisify(execFile)(tgRun, [model, inBin, outBin, '--samples', String(count)]);
    const raw = readFileSync(outBin);
    const fw = new Int8Array(raw.buffer, raw.byteOffset, raw.length);
    const rt = await TfliteRuntime.load(bytes);
    try {
      const per = fw.length / count;
      let worst = 0;
      inputs.forEach((x, i) => {
        rt.setInput(0, x);
        rt.invoke();
        const ref = rt.output(0).data as Int8Array;
        assert.equal(ref.length, per);
        ref.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - fw[i * per + j]))));
      });
      assert.ok(worst <= 1, `largest difference ${worst} steps`);
    } finally {
      rt.dispose();
    }
  });
}

test(
  'float I/O: QUANTIZE and DEQUANTIZE in the engine agree with TFLite within 1 output step',
  { skip },
  async () => {
    const r = quantizeLayersModelDetailed(tf, residualModel(tf), samples([12, 12, 4], 100, 11), {
      io: 'float32',
    });
    const scale = r.values[r.values.length - 1].params.scale;
    const count = 20;
    const inputs = samples([12, 12, 4], count, 12);
    const model = path.join(dir, 'float-io.tflite');
    const inBin = path.join(dir, 'float-io.in.bin');
    const outBin = path.join(dir, 'float-io.out.bin');
    writeFileSync(model, r.tflite);
    writeFileSync(inBin, Buffer.concat(inputs.map((x) => Buffer.from(x.buffer))));
    await promisify(execFile)(tgRun, [model, inBin, outBin, '--samples', String(count)]);
    const raw = readFileSync(outBin);
    const fw = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
    const rt = await TfliteRuntime.load(r.tflite);
    try {
      const per = fw.length / count;
      let worst = 0;
      inputs.forEach((x, i) => {
        rt.setInput(0, x);
        rt.invoke();
        const ref = rt.output(0).data as Float32Array;
        assert.equal(ref.length, per);
        ref.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - fw[i * per + j]) / scale)));
      });
      assert.ok(worst <= 1 + 1e-3, `largest difference ${worst} steps`);
    } finally {
      rt.dispose();
    }
  },
);
