// `tinyml-gate eval` in-process: the text report, the --json document against its schema,
// --reference drift, --limit, usage errors (exit 2) and one-line failures (exit 1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.ts';
import { findProblems } from '../../src/schema/validate.ts';
import {
  fcReference,
  floatFcModel,
  int8IdentityModel,
  writeNpyDataset,
} from '../host/evaluate-fixtures.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tinyml-gate-cli-eval-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const fc = path.join(dir, 'fc.tflite');
writeFileSync(fc, floatFcModel());
const X = [
  [1, 2, 3, 4],
  [-1, 0.5, 2, 0],
  [0, 0, 0, 0],
  [3, -2, 1, 1],
  [0, 0, 5, 0],
];
const predicted = X.map((x) => {
  const y = fcReference(x);
  return y.indexOf(Math.max(...y));
});
// Labels: right on all but sample 4.
const labels = predicted.map((p, i) => (i === 4 ? (p + 1) % 3 : p));
const dataset = writeNpyDataset(
  path.join(dir, 'ds'),
  { dtype: 'float32', shape: [X.length, 4], data: X.flat() },
  { dtype: 'int64', shape: [X.length], data: labels },
  { name: 'five', classes: 3 },
);

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
  });
  return { code, out, err };
}

test('text report: top-1 and the per-class table', async () => {
  const r = await run('eval', '--model', fc, '--dataset', dataset);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^dataset {4}five \(.*dataset\.json\): classification, 5 samples$/m);
  assert.match(r.out, /^model {6}.*fc\.tflite: top-1 80\.00% \(4\/5\)/m);
  assert.match(r.out, /^class {2}samples {2}correct {2}accuracy$/m);
  assert.equal(r.err, '', 'a sub-second run prints no progress');
});

test('--json: a document valid against schemas/eval.schema.json; --limit', async () => {
  const r = await run('eval', '--model', fc, '--dataset', dataset, '--json', '--limit', '3');
  assert.equal(r.code, 0, r.err);
  const doc: unknown = JSON.parse(r.out);
  assert.deepEqual(findProblems('eval', doc), []);
  const d = doc as {
    dataset: { samples: number; total: number };
    run: { metrics: { classification: { count: number; top1: number } } };
  };
  assert.equal(d.dataset.samples, 3);
  assert.equal(d.dataset.total, 5);
  assert.equal(d.run.metrics.classification.count, 3);
  assert.equal(d.run.metrics.classification.top1, 1);
  // The schema is not a rubber stamp.
  assert.notDeepEqual(findProblems('eval', { ...(doc as object), schemaVersion: 2 }), []);
  assert.notDeepEqual(
    findProblems('eval', {
      ...(doc as object),
      run: { ...(doc as { run: object }).run, metrics: {} },
    }),
    [],
  );
});

test('--reference: drift and argmax agreement against a second model', async () => {
  const id = path.join(dir, 'id.tflite');
  writeFileSync(id, int8IdentityModel());
  const r = await run('eval', '--model', fc, '--dataset', dataset, '--reference', fc);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^reference {2}.*fc\.tflite: top-1 80\.00%/m);
  assert.match(r.out, /^drift {6}max \|diff\| 0\.0000, mean \|diff\| 0\.0000/m);
  assert.match(r.out, /^agreement {2}argmax agrees on 5 of 5 samples \(100\.00%\)$/m);
  const doc = await run('eval', '--model', fc, '--dataset', dataset, '--reference', fc, '--json');
  assert.equal(doc.code, 0, doc.err);
  const parsed: unknown = JSON.parse(doc.out);
  assert.deepEqual(findProblems('eval', parsed), []);
  const drift = (parsed as { reference: { drift: { agree: number; disagreeing: number[] } } })
    .reference.drift;
  assert.equal(drift.agree, 5);
  assert.deepEqual(drift.disagreeing, []);
  const j = await run('eval', '--model', fc, '--dataset', dataset, '--reference', id, '--json');
  // The identity model outputs 4 values per sample, the FC model 3: nothing to compare.
  assert.equal(j.code, 1, j.out);
  assert.match(
    j.err,
    /^error: .*id\.tflite outputs 4 values per sample, .*fc\.tflite 3: their outputs cannot be compared\n$/,
  );
});

test('errors: usage (exit 2), bad dataset and model mismatch (exit 1, one line)', async () => {
  const usage = await run('eval', '--model', fc);
  assert.equal(usage.code, 2);
  assert.match(usage.err, /^error: --dataset is required/);
  const limit = await run('eval', '--model', fc, '--dataset', dataset, '--limit', '0');
  assert.equal(limit.code, 2);
  const missing = await run('eval', '--model', fc, '--dataset', path.join(dir, 'none.json'));
  assert.equal(missing.code, 1);
  assert.match(missing.err, /^error: .*none\.json: cannot read/);
  assert.equal(missing.err.split('\n').filter(Boolean).length, 1);
  const wide = writeNpyDataset(
    path.join(dir, 'wide'),
    { dtype: 'float32', shape: [1, 5], data: [1, 2, 3, 4, 5] },
    { dtype: 'int8', shape: [1], data: [0] },
  );
  const shape = await run('eval', '--model', fc, '--dataset', wide);
  assert.equal(shape.code, 1);
  assert.match(
    shape.err,
    /^error: .*wide.*dataset\.json: samples of shape \[5\] \(5 values\) do not fit the input \[4\]/,
  );
  const help = await run('eval', '--help');
  assert.equal(help.code, 0);
  assert.match(help.out, /^usage: tinyml-gate eval --model M --dataset D/);
});
