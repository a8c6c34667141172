// Datasets: the .npy parser, y_labels.csv, the manifest, and one test per error code of
// a bad dataset, each checking that the message names the file and (where one is at
// fault) the sample.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DatasetError,
  elementAt,
  encodeNpy,
  loadDataset,
  parseLabelsCsv,
  parseNpy,
  type DatasetErrorCode,
  type NpyArray,
} from '../../src/host/dataset/index.ts';
import { writeMlperfDataset, writeNpyDataset } from './evaluate-fixtures.ts';

const root = mkdtempSync(path.join(os.tmpdir(), 'tinyml-gate-dataset-'));
test.after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => path.join(root, `d${n++}`);

/** A .npy built by hand, header text and version as given, data bytes appended. */
function rawNpy(header: string, data: Uint8Array, major = 1): Uint8Array {
  const lenBytes = major === 1 ? 2 : 4;
  const pre = 8 + lenBytes;
  const padded = header.padEnd(Math.ceil((pre + header.length + 1) / 64) * 64 - pre - 1) + '\n';
  const out = new Uint8Array(pre + padded.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, padded.length, true);
  else view.setUint32(8, padded.length, true);
  out.set(new TextEncoder().encode(padded), pre);
  out.set(data, pre + padded.length);
  return out;
}

const values = (a: NpyArray): number[] =>
  Array.from({ length: a.data.length }, (_, i) => elementAt(a.data, i));

function rejects(fn: () => unknown, code: DatasetErrorCode, ...mentions: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DatasetError, `expected a DatasetError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    for (const m of mentions) assert.ok(e.message.includes(m), `"${e.message}" lacks "${m}"`);
    return true;
  });
}

async function rejectsAsync(
  p: Promise<unknown>,
  code: DatasetErrorCode,
  ...mentions: string[]
): Promise<DatasetError> {
  let caught: unknown = null;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof DatasetError, `expected a DatasetError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  for (const m of mentions)
    assert.ok(caught.message.includes(m), `"${caught.message}" lacks "${m}"`);
  return caught;
}

test('npy: every supported dtype round-trips through encodeNpy/parseNpy', () => {
  const want = [0, 1, -2, 3, 100, -100];
  for (const dtype of ['float32', 'float64', 'int8', 'int32', 'int64'] as const) {
    const a = parseNpy(encodeNpy(dtype, [2, 3], want), 'x.npy');
    assert.equal(a.dtype, dtype);
    assert.deepEqual(a.shape, [2, 3]);
    assert.deepEqual(values(a), want);
  }
  const u = parseNpy(encodeNpy('uint8', [6], [0, 1, 2, 3, 200, 255]), 'u.npy');
  assert.deepEqual(values(u), [0, 1, 2, 3, 200, 255]);
  // numpy's data offset is a multiple of 64.
  const bytes = encodeNpy('float32', [3], [1, 2, 3]);
  assert.equal((bytes.length - 12) % 64, 0);
});

test('npy: headers of versions 2.0 and 3.0, 0-d and 1-tuple shapes, Python 2 longs', () => {
  const data = new Uint8Array(new Float32Array([1.5, -2]).buffer);
  for (const major of [2, 3]) {
    const a = parseNpy(
      rawNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", data, major),
      'v.npy',
    );
    assert.deepEqual(values(a), [1.5, -2]);
  }
  const longs = parseNpy(
    rawNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (1L, 2L), }", data),
    'l.npy',
  );
  assert.deepEqual(longs.shape, [1, 2]);
  const scalar = parseNpy(
    rawNpy("{'descr': '|i1', 'fortran_order': False, 'shape': (), }", new Uint8Array([7])),
    's.npy',
  );
  assert.deepEqual(scalar.shape, []);
  assert.deepEqual(values(scalar), [7]);
});

test('npy: bad files are refused with their code and the file name', () => {
  const f4 = new Uint8Array(8);
  rejects(
    () => parseNpy(new TextEncoder().encode('PK\u0003\u0004 not numpy'), 'a.npy'),
    'bad-npy-header',
    'a.npy',
    'magic',
  );
  const v4 = rawNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", f4);
  v4[6] = 4;
  rejects(() => parseNpy(v4, 'v4.npy'), 'bad-npy-header', 'v4.npy', '4.0');
  rejects(
    () =>
      parseNpy(rawNpy("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", f4), 'be.npy'),
    'unsupported-dtype',
    'be.npy',
    '>f4',
  );
  rejects(
    () =>
      parseNpy(rawNpy("{'descr': '<f2', 'fortran_order': False, 'shape': (4,), }", f4), 'h.npy'),
    'unsupported-dtype',
    '<f2',
  );
  rejects(
    () => parseNpy(rawNpy("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", f4), 'f.npy'),
    'fortran-order',
    'f.npy',
  );
  rejects(
    () =>
      parseNpy(
        rawNpy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", f4),
        's.npy',
      ),
    'bad-npy-header',
    "'descr'",
  );
  rejects(
    () => parseNpy(rawNpy("{'descr': '<f4', 'fortran_order': False}", f4), 'ns.npy'),
    'bad-npy-header',
    "'shape'",
  );
  rejects(
    () =>
      parseNpy(rawNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", f4), 't.npy'),
    'truncated',
    't.npy',
    'needs 12 data bytes, the file holds 8',
  );
  rejects(
    () =>
      parseNpy(rawNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", f4), 'x.npy'),
    'trailing-bytes',
  );
  // A header length past the end of the file.
  const cut = encodeNpy('float32', [2], [1, 2]).subarray(0, 40);
  rejects(() => parseNpy(cut, 'cut.npy'), 'truncated', 'cut.npy');
});

test('y_labels.csv: MLPerf rows with and without the anomaly window columns', () => {
  const rows = parseLabelsCsv(
    'emu_s_002009.bin,10,2\r\ntaxi_s_001241.bin, 10, 1\n\nnormal_id_01.bin,2,0,2560,512\n',
    'y_labels.csv',
  );
  assert.deepEqual(
    rows.map((r) => [r.file, r.classes, r.label, r.line]),
    [
      ['emu_s_002009.bin', 10, 2, 1],
      ['taxi_s_001241.bin', 10, 1, 2],
      ['normal_id_01.bin', 2, 0, 4],
    ],
  );
  assert.deepEqual(rows[2].window, { width: 2560, stride: 512 });
  rejects(() => parseLabelsCsv('a.bin,10\n', 'y.csv'), 'bad-labels', 'y.csv:1', '2 columns');
  rejects(
    () => parseLabelsCsv('a.bin,10,1\nb.bin,10,x\n', 'y.csv'),
    'bad-labels',
    'y.csv:2',
    '"x"',
  );
  rejects(() => parseLabelsCsv('a.bin,10,-1\n', 'y.csv'), 'bad-labels', 'y.csv:1');
});

test('npy dataset: float features after preprocessing, labels, sources', async () => {
  const file = writeNpyDataset(
    fresh(),
    { dtype: 'uint8', shape: [3, 2, 2], data: [0, 255, 10, 20, 1, 2, 3, 4, 5, 6, 7, 8] },
    { dtype: 'int64', shape: [3], data: [2, 0, 1] },
    { classes: 3, preprocessing: { scale: 1 / 255, offset: -0.5 }, count: 3 },
  );
  const ds = await loadDataset(file);
  assert.equal(ds.count, 3);
  assert.deepEqual(ds.shape, [2, 2]);
  assert.deepEqual(
    Array.from(ds.input(0)),
    [0, 255, 10, 20].map((v) => Math.fround(v * (1 / 255) - 0.5)),
  );
  assert.deepEqual([ds.label(0), ds.label(1), ds.label(2)], [2, 0, 1]);
  assert.ok(ds.source(1).endsWith('x.npy [1]'));
  assert.throws(() => ds.input(3), RangeError);
});

test('npy dataset: float64 inputs and (N, 1) int32 labels are accepted', async () => {
  const file = writeNpyDataset(
    fresh(),
    { dtype: 'float64', shape: [2, 3], data: [0.25, 1, 2, 3, 4, 5] },
    { dtype: 'int32', shape: [2, 1], data: [1, 0] },
  );
  const ds = await loadDataset(file);
  assert.deepEqual(Array.from(ds.input(0)), [0.25, 1, 2]);
  assert.equal(ds.label(0), 1);
});

test('MLPerf dataset: raw int8 samples and y_labels.csv', async () => {
  const samples = [new Int8Array([-128, 0, 127, 5]), new Int8Array([1, 2, 3, 4])].map(
    (a) => new Uint8Array(a.buffer),
  );
  const file = writeMlperfDataset(fresh(), samples, [1, 0], 2, {
    dtype: 'int8',
    shape: [2, 2],
    preprocessing: { scale: 0.5, offset: 1 },
  });
  const ds = await loadDataset(file);
  assert.equal(ds.count, 2);
  assert.deepEqual(Array.from(ds.input(0)), [-63, 1, 64.5, 3.5]);
  assert.equal(ds.label(0), 1);
  assert.ok(ds.source(1).endsWith(path.join('samples', 's_0001.bin')));
});

test('bad datasets: each fault has its code and names the file and the sample', async (t) => {
  const f32 = (values: number[]): Uint8Array => new Uint8Array(new Float32Array(values).buffer);

  await t.test('missing dataset.json', async () => {
    await rejectsAsync(
      loadDataset(path.join(root, 'nope', 'dataset.json')),
      'missing-file',
      'nope',
    );
  });
  await t.test('manifest not JSON, and against the schema', async () => {
    const dir = fresh();
    const file = writeNpyDataset(
      dir,
      { dtype: 'float32', shape: [1, 2], data: [1, 2] },
      { dtype: 'int8', shape: [1], data: [0] },
    );
    writeFileSync(file, '{ "schemaVersion": 1,');
    await rejectsAsync(loadDataset(file), 'bad-manifest', file, 'not JSON');
    writeFileSync(
      file,
      JSON.stringify({
        schemaVersion: 1,
        name: 'x',
        task: 'classify',
        layout: 'npy',
        inputs: 'x.npy',
        labels: 'y.npy',
        dtype: 'float32',
        shape: [2],
      }),
    );
    await rejectsAsync(loadDataset(file), 'bad-manifest', file, '/task');
  });
  await t.test('missing inputs and labels files', async () => {
    const dir = fresh();
    const file = writeNpyDataset(
      dir,
      { dtype: 'float32', shape: [1, 2], data: [1, 2] },
      { dtype: 'int8', shape: [1], data: [0] },
    );
    unlinkSync(path.join(dir, 'y.npy'));
    await rejectsAsync(loadDataset(file), 'missing-file', path.join(dir, 'y.npy'));
    unlinkSync(path.join(dir, 'x.npy'));
    await rejectsAsync(loadDataset(file), 'missing-file', path.join(dir, 'x.npy'));
  });
  await t.test('missing sample file of y_labels.csv', async () => {
    const dir = fresh();
    const file = writeMlperfDataset(dir, [f32([1, 2]), f32([3, 4])], [0, 1], 2, {
      dtype: 'float32',
      shape: [2],
    });
    unlinkSync(path.join(dir, 'samples', 's_0001.bin'));
    const e = await rejectsAsync(
      loadDataset(file),
      'missing-file',
      's_0001.bin',
      'sample 1',
      'line 2',
    );
    assert.equal(e.sample, 1);
  });
  await t.test('wrong sample size', async () => {
    const dir = fresh();
    const file = writeMlperfDataset(dir, [f32([1, 2]), f32([3, 4, 5])], [0, 1], 2, {
      dtype: 'float32',
      shape: [2],
    });
    await rejectsAsync(
      loadDataset(file),
      'sample-size',
      's_0001.bin',
      'sample 1',
      '12 bytes',
      'is 8',
    );
  });
  await t.test('label out of range (npy, csv, manifest classes)', async () => {
    const npy = writeNpyDataset(
      fresh(),
      { dtype: 'float32', shape: [3, 2], data: [1, 2, 3, 4, 5, 6] },
      { dtype: 'int8', shape: [3], data: [0, 3, 1] },
      { classes: 3 },
    );
    const e = await rejectsAsync(
      loadDataset(npy),
      'label-out-of-range',
      'x.npy [1]',
      'sample 1',
      'label 3',
    );
    assert.equal(e.sample, 1);
    const neg = writeNpyDataset(
      fresh(),
      { dtype: 'float32', shape: [1, 2], data: [1, 2] },
      { dtype: 'int8', shape: [1], data: [-1] },
    );
    await rejectsAsync(loadDataset(neg), 'label-out-of-range', 'sample 0');
    const dir = fresh();
    const csv = writeMlperfDataset(dir, [f32([1, 2])], [10], 10, { dtype: 'float32', shape: [2] });
    await rejectsAsync(loadDataset(csv), 'label-out-of-range', 'y_labels.csv:1', 'label 10');
    const classes = writeMlperfDataset(fresh(), [f32([1, 2])], [1], 10, {
      dtype: 'float32',
      shape: [2],
      classes: 12,
    });
    await rejectsAsync(
      loadDataset(classes),
      'label-out-of-range',
      'says 10 classes, the manifest 12',
    );
    const anomaly = writeNpyDataset(
      fresh(),
      { dtype: 'float32', shape: [1, 2], data: [1, 2] },
      { dtype: 'int8', shape: [1], data: [2] },
      { task: 'anomaly' },
    );
    await rejectsAsync(loadDataset(anomaly), 'label-out-of-range', '[0, 2)');
  });
  await t.test('NaN and Infinity in float input', async () => {
    const nan = writeNpyDataset(
      fresh(),
      { dtype: 'float32', shape: [3, 2], data: [1, 2, 3, 4, 5, Number.NaN] },
      { dtype: 'int8', shape: [3], data: [0, 0, 0] },
    );
    const e = await rejectsAsync(
      loadDataset(nan),
      'not-finite',
      'x.npy [2]',
      'sample 2',
      'element 1 is NaN',
    );
    assert.equal(e.sample, 2);
    const inf = writeMlperfDataset(
      fresh(),
      [f32([1, 2]), f32([Number.POSITIVE_INFINITY, 0])],
      [0, 1],
      2,
      { dtype: 'float32', shape: [2] },
    );
    await rejectsAsync(loadDataset(inf), 'not-finite', 's_0001.bin', 'sample 1', 'Infinity');
    // Finite in the file, infinite after preprocessing.
    const big = writeNpyDataset(
      fresh(),
      { dtype: 'float32', shape: [1, 2], data: [1, 3e38] },
      { dtype: 'int8', shape: [1], data: [0] },
      { preprocessing: { scale: 10, offset: 0 } },
    );
    await rejectsAsync(loadDataset(big), 'not-finite', 'after preprocessing');
  });
  await t.test('shape mismatch between the .npy and the manifest', async () => {
    const file = writeNpyDataset(
      fresh(),
      { dtype: 'float32', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] },
      { dtype: 'int8', shape: [2], data: [0, 1] },
      { shape: [2, 2] },
    );
    await rejectsAsync(loadDataset(file), 'shape-mismatch', 'x.npy', '(2, 3)', '[N, 2, 2]');
    const labels = writeNpyDataset(
      fresh(),
      { dtype: 'float32', shape: [2, 2], data: [1, 2, 3, 4] },
      { dtype: 'int8', shape: [2, 2], data: [0, 1, 1, 0] },
    );
    await rejectsAsync(loadDataset(labels), 'shape-mismatch', 'y.npy', '(N,)');
  });
  await t.test('dtype mismatch, counts', async () => {
    const dt = writeNpyDataset(
      fresh(),
      { dtype: 'int8', shape: [1, 2], data: [1, 2] },
      { dtype: 'int8', shape: [1], data: [0] },
      { dtype: 'uint8' },
    );
    await rejectsAsync(loadDataset(dt), 'dtype-mismatch', 'holds int8, the manifest says uint8');
    const fl = writeNpyDataset(
      fresh(),
      { dtype: 'float32', shape: [1, 2], data: [1, 2] },
      { dtype: 'float32', shape: [1], data: [0] },
    );
    await rejectsAsync(loadDataset(fl), 'dtype-mismatch', 'y.npy', 'integers');
    const cnt = writeNpyDataset(
      fresh(),
      { dtype: 'float32', shape: [2, 2], data: [1, 2, 3, 4] },
      { dtype: 'int8', shape: [3], data: [0, 1, 0] },
    );
    await rejectsAsync(loadDataset(cnt), 'count-mismatch', '3 labels for 2 samples');
    const decl = writeNpyDataset(
      fresh(),
      { dtype: 'float32', shape: [2, 2], data: [1, 2, 3, 4] },
      { dtype: 'int8', shape: [2], data: [0, 1] },
      { count: 5 },
    );
    await rejectsAsync(loadDataset(decl), 'count-mismatch', '"count" is 5');
    const empty = writeNpyDataset(
      fresh(),
      { dtype: 'float32', shape: [0, 2], data: [] },
      { dtype: 'int8', shape: [0], data: [] },
    );
    await rejectsAsync(loadDataset(empty), 'empty', 'no samples');
  });
  await t.test('truncated .npy and a bad header inside a dataset', async () => {
    const dir = fresh();
    const file = writeNpyDataset(
      dir,
      { dtype: 'float32', shape: [4, 2], data: [1, 2, 3, 4, 5, 6, 7, 8] },
      { dtype: 'int8', shape: [4], data: [0, 1, 0, 1] },
    );
    const x = path.join(dir, 'x.npy');
    const whole = readFileSync(x);
    writeFileSync(x, whole.subarray(0, whole.length - 5));
    await rejectsAsync(loadDataset(file), 'truncated', x, 'needs 32 data bytes, the file holds 27');
    writeFileSync(x, Buffer.concat([Buffer.from('\x93NUMPX'), whole.subarray(6)]));
    await rejectsAsync(loadDataset(file), 'bad-npy-header', x);
  });
  await t.test('MLPerf sliding windows: faults of the window columns', async () => {
    const dir = fresh();
    // 5 floats in the file, windows of 2 floats (8 bytes).
    const file = writeMlperfDataset(dir, [f32([1, 2, 3, 4, 5])], [0], 2, {
      dtype: 'float32',
      shape: [2],
      task: 'anomaly',
    });
    const csv = path.join(dir, 'samples', 'y_labels.csv');
    writeFileSync(csv, 's_0000.bin,2,0,2560,512\n');
    await rejectsAsync(
      loadDataset(file),
      'shape-mismatch',
      's_0000.bin',
      'window of 2560 bytes',
      'is 8',
    );
    writeFileSync(csv, 's_0000.bin,2,0,8,6\n');
    await rejectsAsync(loadDataset(file), 'bad-labels', 'stride 6', '4-byte element');
    writeFileSync(csv, 's_0000.bin,2,0,8,0\n');
    await rejectsAsync(loadDataset(file), 'bad-labels', 'stride 0');
    const short = writeMlperfDataset(fresh(), [f32([1])], [0], 2, {
      dtype: 'float32',
      shape: [2],
      task: 'anomaly',
    });
    writeFileSync(
      path.join(path.dirname(short), 'samples', 'y_labels.csv'),
      's_0000.bin,2,0,8,4\n',
    );
    await rejectsAsync(loadDataset(short), 'sample-size', 'holds 4 bytes');
    const cls = writeMlperfDataset(fresh(), [f32([1, 2, 3])], [0], 2, {
      dtype: 'float32',
      shape: [2],
    });
    writeFileSync(path.join(path.dirname(cls), 'samples', 'y_labels.csv'), 's_0000.bin,2,0,8,4\n');
    await rejectsAsync(
      loadDataset(cls),
      'unsupported-layout',
      'y_labels.csv:1',
      'only read for anomaly',
    );
  });
});

test('MLPerf anomaly set: each file read as sliding windows (width, stride in bytes)', async () => {
  const dir = fresh();
  const a = new Float32Array([0, 1, 2, 3, 4, 5, 6]); // 3 windows of 3 floats, stride 2 floats
  const b = new Float32Array([9, 8, 7]); // one window
  const file = writeMlperfDataset(
    dir,
    [new Uint8Array(a.buffer), new Uint8Array(b.buffer)],
    [1, 0],
    2,
    { dtype: 'float32', shape: [3], task: 'anomaly', preprocessing: { scale: 2, offset: 0 } },
  );
  writeFileSync(
    path.join(dir, 'samples', 'y_labels.csv'),
    's_0000.bin,2,1,12,8\ns_0001.bin,2,0,12,8\n',
  );
  const ds = await loadDataset(file);
  assert.equal(ds.count, 2);
  assert.deepEqual([ds.windows?.(0), ds.windows?.(1)], [3, 1]);
  assert.deepEqual(Array.from(ds.input(0, 0)), [0, 2, 4]);
  assert.deepEqual(Array.from(ds.input(0, 1)), [4, 6, 8]);
  assert.deepEqual(Array.from(ds.input(0, 2)), [8, 10, 12]);
  assert.deepEqual(Array.from(ds.input(1)), [18, 16, 14]);
  assert.throws(() => ds.input(0, 3), RangeError);
  assert.throws(() => ds.input(1, 1), RangeError);
});
