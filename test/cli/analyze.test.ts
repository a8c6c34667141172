import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { main } from '../../src/cli/main.ts';
import { analyzeModel } from '../../src/model/analysis.ts';
import {
  ModelBuilder,
  conv2dOptions,
  fullyConnectedOptions,
  softmaxOptions,
} from '../../src/model/builder.ts';
import { readModel } from '../../src/model/reader.ts';
import { writeModel } from '../../src/model/writer.ts';
import { isValid } from '../../src/schema/validate.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const shared = path.resolve(repoRoot, '..', 'shared');
const absent = !existsSync(path.join(shared, 'models'));

const dir = mkdtempSync(path.join(os.tmpdir(), 'tinyml-gate-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** conv 3x3 (2 -> 3 channels) on 4x4, FC 12 -> 2, softmax: 216 + 24 + 2 MACs. */
function tinyModel(): Uint8Array {
  const b = new ModelBuilder();
  const q = (scale: number) => ({ scale: [scale], zeroPoint: [0], quantizedDimension: 0 });
  const x = b.addTensor({ name: 'x', shape: [1, 4, 4, 2], type: 'int8', quantization: q(0.5) });
  const w = b.addTensor({
    name: 'conv/w',
    shape: [3, 3, 3, 2],
    type: 'int8',
    data: new Int8Array(54).fill(1),
    quantization: q(0.25),
  });
  const bias = b.addTensor({ name: 'conv/b', shape: [3], type: 'int32', data: new Int32Array(3) });
  const c = b.addTensor({ name: 'conv', shape: [1, 2, 2, 3], type: 'int8', quantization: q(1) });
  b.addOperator('CONV_2D', [x, w, bias], [c], conv2dOptions({ padding: 'VALID' }));
  const fw = b.addTensor({
    name: 'fc/w',
    shape: [2, 12],
    type: 'int8',
    data: new Int8Array(24),
    quantization: q(0.5),
  });
  const f = b.addTensor({ name: 'fc', shape: [1, 2], type: 'int8', quantization: q(1) });
  b.addOperator('FULLY_CONNECTED', [c, fw, -1], [f], fullyConnectedOptions());
  const y = b.addTensor({ name: 'y', shape: [1, 2], type: 'int8', quantization: q(1 / 256) });
  b.addOperator('SOFTMAX', [f], [y], softmaxOptions({ beta: 1 }));
  b.setInputs([x]);
  b.setOutputs([y]);
  return writeModel(b.build());
}

const tinyFile = path.join(dir, 'tiny.tflite');
writeFileSync(tinyFile, tinyModel());

/** Runs the CLI in-process with string collectors for stdout and stderr. */
async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
  });
  return { code, out, err };
}

test('help goes to stdout with exit 0; the version too', async () => {
  const top = await run('--help');
  assert.equal(top.code, 0);
  assert.match(top.out, /^usage: tinyml-gate <command>/);
  assert.match(top.out, /\n {2}analyze {4}/);
  assert.equal(top.err, '');
  assert.deepEqual(await run('-h'), top);

  const sub = await run('analyze', '--help');
  assert.equal(sub.code, 0);
  assert.match(sub.out, /^usage: tinyml-gate analyze MODEL \[--json \| --arena\]/);
  assert.equal(sub.err, '');

  const v = await run('--version');
  assert.equal(v.code, 0);
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
    version: string;
  };
  assert.equal(v.out, `tinyml-gate ${pkg.version}\n`);
});

test('usage errors: message and usage on stderr, exit 2, nothing on stdout', async () => {
  const cases: [string[], RegExp, RegExp][] = [
    [[], /^error: no command given\n/, /usage: tinyml-gate <command>/],
    [['frobnicate'], /^error: unknown command "frobnicate"\n/, /usage: tinyml-gate <command>/],
    [['--frob'], /^error: unknown option --frob\n/, /usage: tinyml-gate <command>/],
    [['analyze'], /^error: MODEL is missing\n/, /usage: tinyml-gate analyze/],
    [['analyze', 'a', 'b'], /^error: one MODEL at a time\n/, /usage: tinyml-gate analyze/],
    [
      ['analyze', tinyFile, '--jsn'],
      /^error: unknown option --jsn\n/,
      /usage: tinyml-gate analyze/,
    ],
    [['analyze', tinyFile, '-j'], /^error: unknown option -j\n/, /usage: tinyml-gate analyze/],
    [['analyze', tinyFile, '--json=1'], /^error: option --json takes no value\n/, /analyze/],
    [['analyze', tinyFile, '--name'], /^error: option --name needs a value\n/, /analyze/],
    [
      ['analyze', tinyFile, '--engine-bytes', '12kB'],
      /^error: --engine-bytes must be a whole number of bytes, not "12kB"\n/,
      /analyze/,
    ],
  ];
  for (const [argv, first, usage] of cases) {
    const r = await run(...argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.err, first, argv.join(' '));
    assert.match(r.err, usage, argv.join(' '));
    assert.equal(r.out, '', argv.join(' '));
  }
});

test('a missing file and a bad model: one error line, exit 1, no stack trace', async () => {
  const missing = path.join(dir, 'nope.tflite');
  assert.deepEqual(await run('analyze', missing), {
    code: 1,
    out: '',
    err: `error: ${missing}: no such file\n`,
  });

  const dirErr = await run('analyze', dir);
  assert.equal(dirErr.code, 1);
  assert.equal(dirErr.err, `error: ${dir}: is a directory, not a .tflite file\n`);

  const garbage = path.join(dir, 'garbage.tflite');
  writeFileSync(garbage, new TextEncoder().encode('this is not a flatbuffer at all'));
  const truncated = path.join(dir, 'truncated.tflite');
  writeFileSync(truncated, readFileSync(tinyFile).subarray(0, 60));
  for (const file of [garbage, truncated]) {
    const r = await run('analyze', file, '--json');
    assert.equal(r.code, 1, file);
    assert.equal(r.out, '', file);
    // The reader's ModelError message, which starts with the file name.
    assert.match(r.err, new RegExp(`^error: ${file.replaceAll(/[.\\/]/g, '\\$&')}: \\S`));
    assert.equal(r.err.split('\n').length, 2, `one line for ${file}: ${r.err}`);
  }
});

test('the table lists every layer with totals, arena and flash', async () => {
  const r = await run('analyze', tinyFile, '--engine-bytes', '20000');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, '');
  const lines = r.out.split('\n');
  assert.match(lines[0], /^model {6}tiny {2}\d[\d,]* bytes {2}sha256 [0-9a-f]{64}$/);
  assert.equal(lines[1], 'operators  CONV_2D, FULLY_CONNECTED, SOFTMAX');
  const header = lines.findIndex((l) => l.startsWith('#'));
  const cols = (l: string): string[] => l.trim().split(/\s{2,}/);
  assert.deepEqual(cols(lines[header]), [
    '#',
    'op',
    'output shape',
    'dtype',
    'MACs',
    'params',
    'weight B',
    'act B',
  ]);
  // conv: 54 + 3 params, 54 + 12 bytes, 32 + 12 activation bytes
  assert.deepEqual(cols(lines[header + 2]), [
    '0',
    'CONV_2D',
    '[1,2,2,3]',
    'int8',
    '216',
    '57',
    '66',
    '44',
  ]);
  assert.deepEqual(cols(lines[header + 3]), [
    '1',
    'FULLY_CONNECTED',
    '[1,2]',
    'int8',
    '24',
    '24',
    '24',
    '14',
  ]);
  assert.deepEqual(cols(lines[header + 4]), ['2', 'SOFTMAX', '[1,2]', 'int8', '2', '0', '0', '4']);
  assert.deepEqual(cols(lines[header + 5]), ['total', '242', '81', '90', '48']);
  // Columns are aligned: every row of the table has the same length up to the last column.
  const width = lines[header + 1].length;
  for (const l of lines.slice(header, header + 6)) assert.ok(l.length <= width, l);
  // x (32 B) and conv (12 B) are live together at op 0; fc and y reuse x's bytes.
  assert.ok(
    r.out.includes('arena      44 bytes (greedy-by-size, 4 tensors; 48 bytes without reuse)'),
    r.out,
  );
  const size = readFileSync(tinyFile).length;
  assert.ok(
    r.out.includes(
      `flash      ${(size + 20000).toLocaleString('en-US')} bytes = ${size.toLocaleString('en-US')} model + 20,000 engine`,
    ),
    r.out,
  );
});

test('--arena prints the plan by offset, as the C planner must reproduce it', async () => {
  const r = await run('analyze', tinyFile, '--arena');
  assert.equal(r.code, 0, r.err);
  const start = r.out.indexOf('arena plan (greedy-by-size, 16-byte aligned offsets, 44 bytes)');
  assert.ok(start > 0, r.out);
  const rows = r.out
    .slice(start)
    .split('\n')
    .slice(3)
    .filter((l) => l !== '')
    .map((l) => l.trim().split(/\s+/));
  // tensor, offset, size, end, ops, name: x and conv live together at op 0, the
  // 2-byte fc and y (live together at op 2) reuse x's bytes.
  assert.deepEqual(rows, [
    ['0', '0', '32', '32', '0-0', 'x'],
    ['5', '0', '2', '2', '1-2', 'fc'],
    ['6', '16', '2', '18', '2-2', 'y'],
    ['3', '32', '12', '44', '0-1', 'conv'],
  ]);
  const both = await run('analyze', tinyFile, '--arena', '--json');
  assert.equal(both.code, 2);
  assert.match(both.err, /^error: --arena adds to the table; it does not combine with --json\n/);
});

test('--json prints the ModelAnalysis document, valid against the schema', async () => {
  const r = await run('analyze', tinyFile, '--json', '--name', 'tiny-head');
  assert.equal(r.code, 0, r.err);
  const doc: unknown = JSON.parse(r.out);
  assert.ok(isValid('modelAnalysis', doc));
  const bytes = new Uint8Array(readFileSync(tinyFile));
  assert.deepEqual(
    doc,
    JSON.parse(JSON.stringify(analyzeModel(readModel(bytes), bytes, 'tiny-head'))),
  );
  assert.equal(doc.totals.macs, 242);
  assert.deepEqual(doc.flash, { modelBytes: bytes.length, engineBytes: null, totalBytes: null });
});

test(
  'a shared model through the CLI',
  { skip: absent ? 'shared/ not found beside the checkout' : false },
  async () => {
    const r = await run('analyze', path.join(shared, 'models', 'kws_ref_model.tflite'), '--json');
    assert.equal(r.code, 0, r.err);
    const doc: unknown = JSON.parse(r.out);
    assert.ok(isValid('modelAnalysis', doc));
    assert.equal(doc.name, 'kws_ref_model');
    assert.equal(doc.totals.layers, 13);
    assert.equal(doc.totals.params, 22_606);
    assert.deepEqual(doc.inputs[0].shape, [1, 49, 10, 1]);
    assert.deepEqual(doc.outputs[0].shape, [1, 12]);
  },
);

test('as a subprocess: node bin/tinyml-gate.js analyze', async () => {
  const exec = promisify(execFile);
  const bin = path.join(repoRoot, 'bin', 'tinyml-gate.js');
  const ok = await exec(process.execPath, [bin, 'analyze', tinyFile, '--json']);
  const doc = JSON.parse(ok.stdout) as { name: string; totals: { macs: number } };
  assert.equal(doc.name, 'tiny');
  assert.equal(doc.totals.macs, 242);
  assert.equal(ok.stderr, '');

  const missing = path.join(dir, 'gone.tflite');
  await assert.rejects(exec(process.execPath, [bin, 'analyze', missing]), (e: unknown) => {
    const err = e as { code: number; stdout: string; stderr: string };
    assert.equal(err.code, 1);
    assert.equal(err.stderr, `error: ${missing}: no such file\n`);
    return true;
  });
});
