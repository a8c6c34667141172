// `tinyml-gate quantize` end to end: a saved TF.js model and a .npy calibration file in,
// two .tflite files and the per-layer report out; usage and file errors as exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.ts';
import { parseNpyFloat32 } from '../../src/cli/quantize.ts';
import { loadTf, saveLayersModel } from '../../src/host/tfjs.ts';
import { readModel } from '../../src/model/reader.ts';
import { samples } from './helpers.ts';
import { sequentialClassifier } from './models.ts';

const tf = await loadTf();
const dir = mkdtempSync(path.join(os.tmpdir(), 'tg-quantize-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** A version 1.0 .npy of float32 samples, as numpy.save writes it. */
function npy(data: Float32Array[], shape: number[], descr = '<f4'): Uint8Array {
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${[data.length, ...shape].join(', ')}), }`;
  const header = dict + ' '.repeat(63 - ((10 + dict.length) % 64)) + '\n';
  const per = shape.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(10 + header.length + data.length * per * 4);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  data.forEach((s, i) =>
    out.set(new Uint8Array(s.buffer, s.byteOffset, s.byteLength), 10 + header.length + i * per * 4),
  );
  return out;
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
  assert.equal(parseNpyFloat32(readFileSync(cal), cal).length, 60);
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
  assert.match(r.out, /int8 .* bytes \(\d+\.\d% of float32\), float32 I\/O/);
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

  const f64 = path.join(dir, 'f64.npy');
  writeFileSync(f64, npy(set.slice(0, 2), [16, 16, 3], '<f8'));
  const wrongType = await run([
    'quantize',
    '--model',
    model,
    '--calibration',
    f64,
    '--out',
    path.join(dir, 'x.tflite'),
  ]);
  assert.equal(wrongType.code, 1);
  assert.match(wrongType.err, /f64\.npy: dtype "<f8"/);
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
