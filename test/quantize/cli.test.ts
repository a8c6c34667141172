// `tinyml-gate quantize` end to end: a saved TF.js model and a .npy calibration file in,
// two .tflite files and the per-layer report out; usage and file errors as exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.ts';
import { encodeNpy, type NpyDtype } from '../../src/host/dataset/index.ts';
import { loadTf, saveLayersModel } from '../../src/host/tfjs.ts';
import { readModel } from '../../src/model/reader.ts';
import { samples } from './helpers.ts';
import { sequentialClassifier } from './models.ts';

const tf = await loadTf();
const dir = mkdtempSync(path.join(os.tmpdir(), 'tg-quantize-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** A float32 .npy of the samples, [N, ...shape]. */
function npy(data: Float32Array[], shape: number[], dtype: NpyDtype = 'float32'): Uint8Array {
  const flat = new Float32Array(data.length * shape.reduce((a, b) => a * b, 1));
  data.forEach((s, i) => flat.set(s, i * s.length));
  return encodeNpy(dtype, [data.length, ...shape], flat);
}

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
  });
  return { code, out, err };
}

const modelDir = path.join(dir, 'model');
const cal = path.join(dir, 'cal.npy');
const set = samples([16, 16, 3], 60, 5);

test('quantize writes int8 and float32 models and reports sizes and ranges', async () => {
  await saveLayersModel(sequentialClassifier(tf), modelDir);
  writeFileSync(cal, npy(set, [16, 16, 3]));
  const out = path.join(dir, 'm.tflite');
  const floatOut = path.join(dir, 'f.tflite');
  const r = await run([
    'quantize',
    '--model',
    path.join(modelDir, 'model.json'),
    '--calibration',
    cal,
    '--out',
    out,
    '--float-out',
    floatOut,
    '--samples',
    '20',
    '--io',
    'float32',
  ]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /calibration {2}20 of 60 samples/);
  assert.match(
    r.out,
    /int8 .* bytes \(\d+\.\d% of float32\), float32 I\/O, per-tensor dense weights/,
  );
  assert.match(
    r.out,
    /^CONV_2D .*conv2d_Conv2D\d+ \+ batch_normalization_BatchNormalization\d+ \+ re_lu_ReLU\d+ +\[0, /m,
  );
  assert.match(r.out, /^SOFTMAX .* 0\.003906 \/ -128 +fixed$/m);
  const m = readModel(new Uint8Array(readFileSync(out)), out);
  const first = m.operatorCodes[m.subgraphs[0].operators[0].opcodeIndex].builtin;
  assert.equal(first, 'QUANTIZE');
  const f = readModel(new Uint8Array(readFileSync(floatOut)), floatOut);
  assert.ok(f.subgraphs[0].tensors.every((t) => t.quantization === undefined));
});

test('usage errors exit 2, file errors exit 1 naming the file', async () => {
  const model = path.join(modelDir, 'model.json');
  const missingOut = await run(['quantize', '--model', model, '--calibration', cal]);
  assert.equal(missingOut.code, 2);
  assert.match(missingOut.err, /--out is required/);
  const badIo = await run([
    'quantize',
    '--model',
    model,
    '--calibration',
    cal,
    '--out',
    'x',
    '--io',
    'int4',
  ]);
  assert.equal(badIo.code, 2);
  assert.match(badIo.err, /--io must be int8 or float32/);
  const badDense = await run([
    'quantize',
    '--model',
    model,
    '--calibration',
    cal,
    '--out',
    'x',
    '--dense-weights',
    'per-row',
  ]);
  assert.equal(badDense.code, 2);
  assert.match(badDense.err, /--dense-weights must be per-tensor or per-channel/);
  const badN = await run([
    'quantize',
    '--model',
    model,
    '--calibration',
    cal,
    '--out',
    'x',
    '--samples',
    '0',
  ]);
  assert.equal(badN.code, 2);

  const i8 = path.join(dir, 'i8.npy');
  writeFileSync(
    i8,
    npy(
      set.slice(0, 2).map((x) => x.map(Math.round)),
      [16, 16, 3],
      'int8',
    ),
  );
  const wrongType = await run([
    'quantize',
    '--model',
    model,
    '--calibration',
    i8,
    '--out',
    path.join(dir, 'x.tflite'),
  ]);
  assert.equal(wrongType.code, 1);
  assert.match(wrongType.err, /i8\.npy: holds int8/);
  const wrongShape = path.join(dir, 'small.npy');
  writeFileSync(
    wrongShape,
    npy(
      set.slice(0, 2).map((s) => s.slice(0, 10)),
      [10],
    ),
  );
  const shapeErr = await run([
    'quantize',
    '--model',
    model,
    '--calibration',
    wrongShape,
    '--out',
    path.join(dir, 'x.tflite'),
  ]);
  assert.equal(shapeErr.code, 1);
  assert.match(shapeErr.err, /calibration sample 0 has 10 values/);
  const noModel = await run([
    'quantize',
    '--model',
    path.join(dir, 'none.json'),
    '--calibration',
    cal,
    '--out',
    path.join(dir, 'x.tflite'),
  ]);
  assert.equal(noModel.code, 1);
  assert.match(noModel.err, /none\.json: cannot read/);
});

test('a dataset.json calibrates with its preprocessing; a float64 .npy works too', async () => {
  const model = path.join(modelDir, 'model.json');
  // uint8 images with scale/offset to [-1, 1], as a dataset would store them.
  const raw = new Uint8Array(30 * 768);
  set
    .slice(0, 30)
    .forEach((s, i) => s.forEach((v, j) => (raw[i * 768 + j] = Math.round((v + 1) * 127.5))));
  writeFileSync(path.join(dir, 'x.npy'), encodeNpy('uint8', [30, 16, 16, 3], raw));
  writeFileSync(
    path.join(dir, 'y.npy'),
    encodeNpy(
      'int32',
      [30],
      new Int32Array(30).map((_, i) => i % 10),
    ),
  );
  const manifest = path.join(dir, 'dataset.json');
  writeFileSync(
    manifest,
    JSON.stringify({
      schemaVersion: 1,
      name: 'generated',
      task: 'classification',
      layout: 'npy',
      inputs: 'x.npy',
      labels: 'y.npy',
      dtype: 'uint8',
      shape: [16, 16, 3],
      preprocessing: { scale: 1 / 127.5, offset: -1 },
      classes: 10,
    }),
  );
  const out = path.join(dir, 'ds.tflite');
  const r = await run(['quantize', '--model', model, '--calibration', manifest, '--out', out]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /calibration {2}30 of 30 samples/);
  // The input range is that of the preprocessed floats, not of the raw bytes.
  const input = /^input .* \[(-?[\d.]+), (-?[\d.]+)\]/m.exec(r.out);
  assert.ok(input, r.out);
  assert.ok(Number(input[1]) >= -1 && Number(input[2]) <= 1, input[0]);

  const f64 = path.join(dir, 'f64.npy');
  writeFileSync(f64, npy(set.slice(0, 8), [16, 16, 3], 'float64'));
  const r64 = await run(['quantize', '--model', model, '--calibration', f64, '--out', out]);
  assert.equal(r64.code, 0, r64.err);
  assert.match(r64.out, /calibration {2}8 of 8 samples/);
});
