// tinyml-gate.yml: the example and the minimal file load with their defaults; every
// mistake is reported with its JSON pointer and its line:column in the YAML; unreadable,
// empty, malformed and non-mapping files fail with their own codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Config, ResolvedConfig } from '../../src/schema/config-types.ts';
import { DocumentError } from '../../src/schema/errors.ts';
import { loadBoardsFile, loadConfigFile, parseConfigText } from '../../src/schema/load.ts';
import { validate } from '../../src/schema/validate.ts';
import { edited, fixtures, repoRoot, schemaError, type Json } from './helpers.ts';

const example = path.join(repoRoot, 'examples', 'tinyml-gate.yml');

test('the example configuration loads and keeps what it says', () => {
  const c = loadConfigFile(example);
  assert.deepEqual(
    c.models.map((m) => m.name),
    ['kws', 'ic-resnet8'],
  );
  assert.equal(c.repeats, 10);
  assert.equal(c.budgets.absolute?.perModel?.kws.latencyMs, 300);
  assert.deepEqual(c.budgets.perLayer[0].match, { index: 0 });
  // Defaults reach entries that left a field out.
  assert.equal(c.budgets.perLayer[1].metric, 'latency');
  assert.equal(c.budgets.perLayer[2].metric, 'energy');
  assert.equal(c.waivers[0].until, '2026-12-31');
});

test('every board the example configuration asks for is in the example inventory', () => {
  const inventory = loadBoardsFile(path.join(repoRoot, 'examples', 'boards.yml'));
  const names = new Set(inventory.boards.flatMap((b) => [b.id, ...b.labels]));
  for (const wanted of loadConfigFile(example).boards) assert.ok(names.has(wanted), wanted);
});

test('the minimal configuration gets every default', () => {
  const c: ResolvedConfig = loadConfigFile(path.join(fixtures, 'config-minimal.yml'));
  assert.deepEqual(
    { ...c, models: undefined, boards: undefined },
    {
      schemaVersion: 1,
      models: undefined,
      boards: undefined,
      repeats: 5,
      warmup: 1,
      budgets: {
        relative: {
          maxRegressionPct: { latency: 5, energy: 5, flash: 2, ram: 2 },
          maxAccuracyDropPts: 1,
        },
        perLayer: [],
      },
      waivers: [],
      baseline: { mode: 'auto' },
      comment: { mode: 'sticky' },
      history: { branch: 'tinyml-gate-data' },
    },
  );
});

test('JSON configuration is accepted too', () => {
  const typed: Config = {
    schemaVersion: 1,
    models: [{ name: 'kws', path: 'kws.tflite', dataset: 'kws.json' }],
    boards: ['qemu-m4'],
    budgets: { perLayer: [{ match: { op: 'CONV_2D' }, maxRegressionPct: 10 }] },
  };
  const c = parseConfigText(JSON.stringify(typed, null, 2), 'tinyml-gate.json');
  assert.equal(c.budgets.perLayer[0].metric, 'latency');
  assert.equal(c.history.branch, 'tinyml-gate-data');
  // validate() on the typed object checks the TS type against the schema.
  validate('config', typed, 'typed');
});

test('a Config with every optional field set is valid: the TS type and the schema agree', () => {
  // Excess-property checks keep this literal inside the type; validate keeps it inside
  // the schema, so a field added to only one of them fails here.
  const full: Config = {
    schemaVersion: 1,
    models: [{ name: 'kws', path: 'k.tflite', floatReference: 'kf.tflite', dataset: 'd.json' }],
    boards: ['qemu-m4', 'cortex-m4'],
    repeats: 7,
    warmup: 0,
    budgets: {
      absolute: {
        latencyMs: 1,
        energyUj: 1,
        flashBytes: 1,
        ramBytes: 1,
        minAccuracy: 1,
        perModel: {
          kws: { latencyMs: 2, energyUj: 2, flashBytes: 2, ramBytes: 2, minAccuracy: 2 },
        },
      },
      relative: {
        maxRegressionPct: { latency: 1, energy: 1, flash: 1, ram: 1 },
        maxAccuracyDropPts: 0,
      },
      perLayer: [
        { match: { op: 'ADD' }, model: 'kws', metric: 'energy', maxRegressionPct: 1 },
        { match: { index: 3 }, maxRegressionPct: 1 },
        { match: { name: 'conv*' }, maxRegressionPct: 1 },
      ],
    },
    waivers: [{ metric: 'accuracy', model: 'kws', reason: 'r', until: '2026-01-31' }],
    baseline: { mode: 'remeasure' },
    comment: { mode: 'off' },
    history: { branch: 'perf/data' },
  };
  validate('config', full, 'full');
});

/** [pointer, line, column, message prefix] for fixtures/config-invalid.yml. */
const EXPECTED: [string, number, number, string][] = [
  ['/models/0', 6, 5, 'unknown field "datset" (did you mean "dataset"?)'],
  ['/models/1', 7, 5, "must have required property 'path'"],
  ['/repeats', 9, 10, 'must be >= 1'],
  ['/budgets/relative/maxRegressionPct/latency', 13, 16, 'must be >= 0'],
  ['/budgets/absolute', 15, 5, 'unknown field "latncyMs" (did you mean "latencyMs"?)'],
  ['/budgets/absolute/perModel/kws/flashBytes', 18, 21, 'must be integer'],
  ['/waivers/0/metric', 20, 13, 'must be one of "latency", "energy", "flash", "ram", "accuracy"'],
  ['/waivers/0/until', 22, 12, 'must be a date, YYYY-MM-DD'],
  ['/history/branch', 24, 11, 'must be a branch name'],
];

test('schema problems in YAML name line:column and pointer, in file order', () => {
  const file = path.join(fixtures, 'config-invalid.yml');
  const e = schemaError(() => loadConfigFile(file));
  const got = e.problems.map((p) => [p.pointer, p.line, p.column]);
  assert.deepEqual(
    got,
    EXPECTED.map(([p, l, c]) => [p, l, c]),
    e.message,
  );
  const lines = e.message.split('\n');
  EXPECTED.forEach(([pointer, line, column, prefix], i) => {
    assert.ok(lines[i].startsWith(`${file}:${line}:${column}: ${pointer}: ${prefix}`), lines[i]);
  });
});

test('rules across fields: unique model names, references to models', () => {
  const text = [
    'schemaVersion: 1',
    'models:',
    '  - { name: kws, path: a.tflite }',
    '  - { name: kws, path: b.tflite }',
    'boards: [qemu-m4]',
    'budgets:',
    '  absolute: { perModel: { kwz: { latencyMs: 3 } } }',
    '  perLayer: [{ match: { op: ADD }, model: resnet, maxRegressionPct: 1 }]',
    'waivers: [{ metric: ram, model: ic, reason: why }]',
  ].join('\n');
  const e = schemaError(() => parseConfigText(text, 'tinyml-gate.yml'));
  assert.deepEqual(
    e.problems.map((p) => `${p.line}:${p.column} ${p.pointer}: ${p.message}`),
    [
      '4:13 /models/1/name: duplicate model name "kws" (also at /models/0/name)',
      '7:27 /budgets/absolute/perModel/kwz: no model is named "kwz" (models: kws)',
      '8:43 /budgets/perLayer/0/model: no model is named "resnet" (models: kws)',
      '9:33 /waivers/0/model: no model is named "ic" (models: kws)',
    ],
  );
});

test('a bad key of perModel is reported at the key', () => {
  const text = [
    'schemaVersion: 1',
    'models: [{ name: kws, path: a.tflite }]',
    'boards: [qemu-m4]',
    'budgets:',
    '  absolute:',
    '    perModel:',
    '      kws/v2: { latencyMs: 3 }',
  ].join('\n');
  const e = schemaError(() => parseConfigText(text, 'tinyml-gate.yml'));
  assert.equal(
    e.message,
    'tinyml-gate.yml:7:7: /budgets/absolute/perModel: key "kws/v2": must start with a letter or digit and contain only letters, digits, . _ -',
  );
});

test('a per-layer match names exactly one of op, index, name', () => {
  const base = { schemaVersion: 1, models: [{ name: 'm', path: 'm.tflite' }], boards: ['b'] };
  for (const match of [{}, { op: 'ADD', index: 1 }] as Json[]) {
    const doc = edited(base, (d) => {
      d.budgets = { perLayer: [{ match, maxRegressionPct: 5 }] };
    });
    const e = schemaError(() => validate('config', doc, 'c.yml'));
    assert.equal(e.problems[0].pointer, '/budgets/perLayer/0/match');
    assert.equal(e.problems[0].message, 'must have exactly one of op, index, name');
  }
});

test('YAML syntax errors name the line', () => {
  const cases: [string, number, RegExp][] = [
    ['schemaVersion: 1\nmodels:\n  - name: a\n   path: b\n', 4, /^c\.yml:4:\d+: invalid YAML: /],
    ['schemaVersion: 1\nboards: [a, b\n', 3, /^c\.yml:3:\d+: invalid YAML: /],
    ['schemaVersion: 1\nschemaVersion: 1\n', 2, /^c\.yml:2:1: invalid YAML: .*[Uu]nique/],
  ];
  for (const [text, line, pattern] of cases) {
    try {
      parseConfigText(text, 'c.yml');
      assert.fail(`no error for ${JSON.stringify(text)}`);
    } catch (e) {
      assert.ok(e instanceof DocumentError, String(e));
      assert.equal(e.code, 'syntax');
      assert.equal(e.line, line, e.message);
      assert.match(e.message, pattern);
    }
  }
});

test('alias bombs are refused, not expanded', () => {
  const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 0; i < 8; i++) {
    const prev = String.fromCharCode(97 + i);
    const cur = String.fromCharCode(98 + i);
    lines.push(
      `${cur}: &${cur} [*${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}]`,
    );
  }
  assert.throws(() => parseConfigText(lines.join('\n'), 'bomb.yml'), { code: 'syntax' });
});

test('missing, unreadable, empty and non-mapping files have their own codes', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tg-config-'));
  try {
    const file = (name: string, text: string): string => {
      const p = path.join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    const cases: [string, string, RegExp][] = [
      [path.join(dir, 'absent.yml'), 'file-missing', /absent\.yml: no such file$/],
      [file('empty.yml', ''), 'file-empty', /empty\.yml: is empty/],
      [file('comments.yml', '# nothing yet\n\n'), 'file-empty', /comments\.yml: is empty/],
      [
        file('list.yml', '- a\n- b\n'),
        'not-an-object',
        /list\.yml: must be a mapping .* found a list$/,
      ],
      [file('scalar.yml', 'models\n'), 'not-an-object', /scalar\.yml: .* found a string$/],
      [file('null.yml', '~\n'), 'not-an-object', /null\.yml: .* found null$/],
    ];
    mkdirSync(path.join(dir, 'folder.yml'));
    cases.push([path.join(dir, 'folder.yml'), 'file-unreadable', /folder\.yml: cannot be read/]);
    for (const [p, code, message] of cases) {
      assert.throws(
        () => loadConfigFile(p),
        (e: unknown) => {
          assert.ok(e instanceof DocumentError, String(e));
          assert.equal(e.code, code, e.message);
          assert.match(e.message, message);
          return true;
        },
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
