// Result documents and model analyses: the valid fixtures pass, each kind of mistake is
// reported at its JSON pointer, and what the analyser really produces for the shared
// models is accepted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { analyzeModel } from '../../src/model/analysis.ts';
import { readModel } from '../../src/model/reader.ts';
import { DocumentError, MAX_LISTED_PROBLEMS } from '../../src/schema/errors.ts';
import { loadResultFile, parseDocumentText } from '../../src/schema/load.ts';
import type { ModelAnalysis, ResultDocument } from '../../src/schema/result-types.ts';
import { findProblems, isValid, validate } from '../../src/schema/validate.ts';
import { at, edited, fixtures, readJson, repoRoot, schemaError, type Json } from './helpers.ts';

const emulated = readJson('result-emulated.json');
const real = readJson('result-real.json');
const analysis = readJson('analysis-hello_world_int8.json');

test('valid result documents and analyses pass', () => {
  validate('result', emulated, 'result-emulated.json');
  validate('result', real, 'result-real.json');
  validate('modelAnalysis', analysis, 'analysis.json');
  // The analysis embedded in a result is the same definition.
  validate('modelAnalysis', at(real, 'model'), 'result-real.json#/model');
  assert.equal(isValid('result', real), true);
});

test('validate narrows the type, and loadResultFile returns a typed document', () => {
  const doc: unknown = structuredClone(real);
  validate('result', doc, 'r.json');
  const typed: ResultDocument = doc; // compiles only because validate asserts the type
  assert.equal(typed.board.kind, 'real');
  const loaded = loadResultFile(path.join(fixtures, 'result-real.json'));
  assert.deepEqual(loaded, real);
});

test('validate does not change the document', () => {
  const doc = structuredClone(emulated);
  validate('result', doc, 'r.json');
  assert.deepEqual(doc, emulated);
});

/** [what, base document, edit, pointer, message prefix] */
const INVALID: [string, Json, (d: Record<string, Json>) => void, string, string][] = [
  [
    'required field missing',
    real,
    (d) => delete at(d, 'layers', 3, 'ticks').median,
    '/layers/3/ticks',
    "must have required property 'median'",
  ],
  [
    'unknown field, with a suggestion',
    real,
    (d) => (at(d, 'totals').microsecond = 1),
    '/totals',
    'unknown field "microsecond" (did you mean "microseconds"?)',
  ],
  ['wrong schemaVersion', real, (d) => (d.schemaVersion = 2), '/schemaVersion', 'must be 1'],
  [
    'bad date-time',
    real,
    (d) => (d.createdAt = '2026-11-24 04:41'),
    '/createdAt',
    'must be a date-time',
  ],
  [
    'short commit sha',
    real,
    (d) => (at(d, 'commit').sha = '6ad7a56'),
    '/commit/sha',
    'must be a full commit id',
  ],
  [
    'upper-case model sha256',
    real,
    (d) => (at(d, 'model').sha256 = 'AB'.repeat(32)),
    '/model/sha256',
    'must be a SHA-256 digest',
  ],
  [
    'negative byte count',
    real,
    (d) => (at(d, 'footprint').arenaBytes = -1),
    '/footprint/arenaBytes',
    'must be >= 0',
  ],
  [
    'fractional byte count',
    real,
    (d) => (at(d, 'model', 'layers', 1).weightBytes = 1.5),
    '/model/layers/1/weightBytes',
    'must be integer',
  ],
  [
    'unknown kernel path',
    real,
    (d) => (at(d, 'layers', 0).kernelPath = 'cmsis'),
    '/layers/0/kernelPath',
    'must be one of "ref", "opt", "opt-fallback"',
  ],
  [
    'unknown dtype',
    real,
    (d) => (at(d, 'model', 'inputs', 0).dtype = 'q7'),
    '/model/inputs/0/dtype',
    'must be one of "float32"',
  ],
  [
    'repeats of zero',
    real,
    (d) => (at(d, 'totals', 'ticks').n = 0),
    '/totals/ticks/n',
    'must be >= 1',
  ],
  [
    'microseconds neither object nor null',
    real,
    (d) => (at(d, 'layers', 1).microseconds = 5),
    '/layers/1/microseconds',
    'must be object or null',
  ],
  [
    'accuracy above 100 percent',
    real,
    (d) => (at(d, 'accuracy').device = 101),
    '/accuracy/device',
    'must be <= 100',
  ],
  [
    'real board counting instructions',
    real,
    (d) => (d.timeUnit = 'instructions'),
    '/timeUnit',
    'must be "cycles" on a real board',
  ],
  [
    'real board with a QEMU machine',
    real,
    (d) => (at(d, 'board').machine = 'mps2-an386'),
    '/board/machine',
    'only emulated boards have a QEMU machine',
  ],
  [
    'emulated board counting cycles',
    emulated,
    (d) => (d.timeUnit = 'cycles'),
    '/timeUnit',
    'must be "instructions" on an emulated board',
  ],
  [
    'emulated board without machine',
    emulated,
    (d) => delete at(d, 'board').machine,
    '/board',
    "must have required property 'machine'",
  ],
  [
    'emulated energy said to be measured',
    emulated,
    (d) => (at(d, 'layers', 2, 'energyUj').modelled = false),
    '/layers/2/energyUj/modelled',
    'must be true on an emulated board',
  ],
  [
    'emulated time said to be measured',
    emulated,
    (d) => (at(d, 'totals', 'microseconds').modelled = false),
    '/totals/microseconds/modelled',
    'must be true on an emulated board',
  ],
  // Rules beyond the schema.
  [
    'min above median',
    real,
    (d) => (at(d, 'layers', 1, 'ticks').min = 10_000_000),
    '/layers/1/ticks',
    'must have min <= median <= max',
  ],
  [
    'layer index past the model',
    real,
    (d) => (at(d, 'layers', 3).index = 9),
    '/layers/3/index',
    'no layer 9 in the model',
  ],
  [
    'layer op differs from the model',
    real,
    (d) => (at(d, 'layers', 1).op = 'CONV_2D'),
    '/layers/1/op',
    'must be "DEPTHWISE_CONV_2D"',
  ],
  [
    'ticksPerMac on a layer without MACs',
    real,
    (d) => (at(d, 'layers', 0).ticksPerMac = 1),
    '/layers/0/ticksPerMac',
    'must be null: the layer has no MACs',
  ],
  [
    'flash smaller than its parts',
    real,
    (d) => (at(d, 'footprint').flashBytes = 100),
    '/footprint/flashBytes',
    'must be at least modelBytes + engineBytes',
  ],
  [
    'analysis totals disagree with layers',
    real,
    (d) => (at(d, 'model', 'totals').macs = 1),
    '/model/totals/macs',
    'must be ',
  ],
  [
    'zero points and scales of different lengths',
    analysis,
    (d) => (at(d, 'layers', 0, 'inputs', 1, 'quantization').zeroPoint = [0, 0]),
    '/layers/0/inputs/1/quantization/zeroPoint',
    'must have one entry per scale',
  ],
];

for (const [what, base, edit, pointer, prefix] of INVALID) {
  test(`invalid: ${what} -> ${pointer}`, () => {
    const schema = base === analysis ? 'modelAnalysis' : 'result';
    const doc = edited(base, edit);
    const e = schemaError(() => validate(schema, doc, 'result.json'));
    const hit = e.problems.find((p) => p.pointer === pointer);
    assert.ok(hit, `no problem at ${pointer}; got:\n${e.message}`);
    assert.ok(
      hit.message.startsWith(prefix),
      `at ${pointer}: "${hit.message}" does not start with "${prefix}"`,
    );
    assert.ok(e.message.includes(`result.json: ${pointer}: ${prefix}`), e.message);
    assert.equal(isValid(schema, doc), false);
  });
}

test('the message lists at most ten problems, then how many more', () => {
  const doc = edited(real, (d) => {
    for (let i = 0; i < 4; i++) {
      const l = at(d, 'layers', i);
      l.kernelPath = 'x';
      l.op = '';
      l.ticksPerMac = 'fast';
    }
  });
  const e = schemaError(() => validate('result', doc, 'r.json'));
  assert.equal(e.problems.length, 12);
  const lines = e.message.split('\n');
  assert.equal(lines.length, MAX_LISTED_PROBLEMS + 1);
  assert.equal(lines[MAX_LISTED_PROBLEMS], 'r.json: and 2 more problems');
  assert.ok(
    lines.slice(0, -1).every((l) => /^r\.json: \/layers\/[0-3]\/\w+: /.test(l)),
    e.message,
  );
});

test('not an object at all', () => {
  for (const doc of [null, [], 'result', 42]) {
    assert.match(
      schemaError(() => validate('result', doc, 'r.json')).message,
      /^r\.json: \/: must be object$/,
    );
  }
});

const shared = path.resolve(repoRoot, '..', 'shared', 'models');
const absent = !existsSync(shared);
test(
  'the analyser output of every shared model validates as modelAnalysis',
  { skip: absent ? 'shared/ not found beside the checkout' : false },
  () => {
    const files = [
      'hello_world_int8',
      'micro_speech_quantized',
      'kws_ref_model',
      'ic_resnet8_int8',
      'ic_resnet8_float',
    ];
    for (const name of files) {
      const bytes = new Uint8Array(readFileSync(path.join(shared, `${name}.tflite`)));
      // Assigning the analyser's type to ours keeps the two interfaces in step.
      const a: ModelAnalysis = analyzeModel(readModel(bytes, name), bytes, name, {
        engineBytes: 30000,
      });
      assert.deepEqual(findProblems('modelAnalysis', a), [], name);
    }
  },
);

test('JSON files: syntax errors and schema problems name line:column', () => {
  assert.throws(
    () => parseDocumentText('{\n  "schemaVersion": 1,\n}\n', 'r.json', 'result'),
    (e: unknown) => {
      assert.ok(e instanceof DocumentError, String(e));
      assert.equal(e.code, 'syntax');
      assert.match(e.message, /^r\.json:3:1: invalid JSON: /);
      return true;
    },
  );
  const doc = edited(real, (d) => (at(d, 'layers', 2, 'ticks').n = 0));
  const text = JSON.stringify(doc, null, 2);
  const e = schemaError(() => parseDocumentText(text, 'r.json', 'result'));
  const line = text.split('\n').findIndex((l) => l.includes('"n": 0')) + 1;
  assert.ok(line > 1);
  assert.equal(e.problems[0].line, line, e.message);
  assert.match(e.message, /^r\.json:\d+:\d+: \/layers\/2\/ticks\/n: must be >= 1$/);
});

test('a JSON file with a byte-order mark is read', () => {
  const text = `\ufeff${JSON.stringify(real)}`;
  assert.deepEqual(parseDocumentText(text, 'r.json', 'result'), real);
});
