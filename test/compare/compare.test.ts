import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  compare,
  RELATIVE_DEFAULTS,
  globMatch,
  type ComparePair,
} from '../../src/compare/index.ts';
import type { Budgets, Config, Waiver } from '../../src/schema/config-types.ts';
import { parseConfigText } from '../../src/schema/load.ts';
import { validate } from '../../src/schema/validate.ts';
import { BASE_SHA, HEAD_SHA, cnn, measure, type MeasureOptions } from './factory.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const NOW = new Date('2026-11-24T12:00:00Z');

function config(budgets: Budgets = {}, waivers: Waiver[] = []): Config {
  return {
    schemaVersion: 1,
    models: [
      { name: 'cnn16', path: 'models/cnn16.tflite', dataset: 'data/cnn16.json' },
      { name: 'kws', path: 'models/kws.tflite' },
    ],
    boards: ['qemu-m4', 'nucleo-l496zg'],
    budgets,
    waivers,
  };
}

const PER_CONV: Budgets = { perLayer: [{ match: { op: 'CONV_2D' }, maxRegressionPct: 10 }] };
const base16 = cnn();
const wide16 = cnn({ conv4Channels: 24 });

function pair(model: string, opts: { base?: MeasureOptions | null; head?: MeasureOptions } = {}) {
  const analysis = model === 'wide' ? wide16 : base16;
  const p: ComparePair = {
    model: 'cnn16',
    board: opts.head?.board ?? 'qemu-m4',
    head: measure(analysis, { commit: HEAD_SHA, ...opts.head }),
  };
  if (opts.base !== null) p.base = measure(base16, { commit: BASE_SHA, ...opts.base });
  return p;
}

test('factory documents validate against the result schema', () => {
  validate('result', measure(base16), 'emulated factory document');
  validate('result', measure(wide16, { board: 'nucleo-l496zg' }), 'real factory document');
});

test('relative defaults equal the schema defaults', () => {
  const schema = JSON.parse(
    readFileSync(path.join(repoRoot, 'schemas', 'config.schema.json'), 'utf8'),
  ) as {
    properties: { budgets: { properties: { relative: { properties: Record<string, unknown> } } } };
  };
  const rel = schema.properties.budgets.properties.relative.properties as {
    maxRegressionPct: { properties: Record<string, { default: number }> };
    maxAccuracyDropPts: { default: number };
  };
  const pct = Object.fromEntries(
    Object.entries(rel.maxRegressionPct.properties).map(([k, v]) => [k, v.default]),
  );
  assert.deepEqual(pct, RELATIVE_DEFAULTS.maxRegressionPct);
  assert.equal(rel.maxAccuracyDropPts.default, RELATIVE_DEFAULTS.maxAccuracyDropPts);
});

test('a widened layer fails, naming the layer and the per-layer budget', () => {
  const c = compare({ config: config(PER_CONV), pairs: [pair('wide')], now: NOW });
  assert.equal(c.verdict, 'fail');
  const layers = c.reasons.map((r) => r.layer?.name);
  assert.deepEqual(layers, ['conv4', 'conv6']);
  const r = c.reasons[0];
  assert.equal(r.kind, 'perLayer');
  assert.equal(r.limit, 10);
  assert.ok(r.observed !== null && r.observed > 40, `conv4 grew ${r.observed}%`);
  assert.match(
    r.message,
    /^conv4 \(CONV_2D, layer 4\): \+49\.\d% instructions > 10% per-layer limit$/,
  );
  // The whole inference grew less than the default 5%: that budget holds.
  const total = c.entries[0].checks.find((k) => k.kind === 'relative' && k.metric === 'latency');
  assert.equal(total?.outcome, 'pass');
  // The depthwise layer grew as much but no per-layer budget covers DEPTHWISE_CONV_2D.
  assert.ok(!c.entries[0].checks.some((k) => k.layer?.op === 'DEPTHWISE_CONV_2D'));
});

test('a widened layer also fails a relative budget that is tight enough', () => {
  const budgets: Budgets = { relative: { maxRegressionPct: { latency: 1 } } };
  const c = compare({ config: config(budgets), pairs: [pair('wide')], now: NOW });
  assert.equal(c.verdict, 'fail');
  assert.equal(c.reasons.length, 1);
  assert.equal(c.reasons[0].kind, 'relative');
  assert.match(
    c.reasons[0].message,
    /^latency: \+2\.7% instructions > 1% relative limit \(1,432,043 -> /,
  );
});

test('a pure improvement passes with every delta improved or unchanged', () => {
  const slowBase = { paths: { 2: 'opt-fallback' as const, 7: 'opt-fallback' as const } };
  const c = compare({
    config: config(PER_CONV),
    pairs: [pair('same', { base: slowBase })],
    now: NOW,
  });
  assert.equal(c.verdict, 'pass');
  assert.deepEqual(c.reasons, []);
  const e = c.entries[0];
  assert.equal(e.metrics.find((m) => m.metric === 'latency')?.status, 'improved');
  assert.equal(e.metrics.find((m) => m.metric === 'flash')?.status, 'unchanged');
  const improved = e.layers.filter((l) => l.ticks.status === 'improved').map((l) => l.pair.head);
  assert.deepEqual(improved, [2, 7]);
  assert.deepEqual(
    e.layers.filter((l) => l.pair.status === 'changed').map((l) => l.pair.changes),
    [['kernel path opt-fallback -> opt'], ['kernel path opt-fallback -> opt']],
  );
});

test('several models and boards: the verdict and the reasons name the one that failed', () => {
  const kwsA = measure(base16, { commit: BASE_SHA, board: 'nucleo-l496zg' });
  const kwsB = measure(base16, { commit: HEAD_SHA, board: 'nucleo-l496zg' });
  const pairs: ComparePair[] = [
    pair('wide'),
    pair('wide', { base: { board: 'nucleo-l496zg' }, head: { board: 'nucleo-l496zg' } }),
    { model: 'kws', board: 'qemu-m4', base: measure(base16), head: measure(base16) },
    { model: 'kws', board: 'nucleo-l496zg', base: kwsA, head: kwsB },
  ];
  const budgets: Budgets = {
    perLayer: [{ match: { name: 'conv4' }, model: 'cnn16', maxRegressionPct: 10 }],
  };
  const c = compare({ config: config(budgets), pairs, now: NOW });
  assert.equal(c.verdict, 'fail');
  assert.deepEqual(
    c.entries.map((e) => `${e.model}@${e.board}:${e.verdict}`),
    [
      'cnn16@qemu-m4:fail',
      'cnn16@nucleo-l496zg:fail',
      'kws@qemu-m4:pass',
      'kws@nucleo-l496zg:pass',
    ],
  );
  assert.deepEqual(
    c.reasons.map((r) => `${r.model}@${r.board}:${r.layer?.name}`),
    ['cnn16@qemu-m4:conv4', 'cnn16@nucleo-l496zg:conv4'],
  );
  assert.match(c.reasons[1].message, /cycles > 10% per-layer limit$/);
});

test('a failed board makes the verdict inconclusive; a failure elsewhere still fails', () => {
  const failed: ComparePair = {
    model: 'kws',
    board: 'nucleo-l496zg',
    error: 'serial timeout after 5 s (no hello)',
  };
  const ok = compare({ config: config(PER_CONV), pairs: [pair('same'), failed], now: NOW });
  assert.equal(ok.verdict, 'inconclusive');
  assert.equal(ok.reasons.length, 1);
  assert.equal(ok.reasons[0].kind, 'measurement');
  assert.equal(ok.reasons[0].message, 'serial timeout after 5 s (no hello)');
  assert.equal(ok.entries[1].status, 'error');
  assert.deepEqual(ok.entries[1].metrics, []);

  const bad = compare({ config: config(PER_CONV), pairs: [pair('wide'), failed], now: NOW });
  assert.equal(bad.verdict, 'fail');
  assert.deepEqual(
    bad.reasons.map((r) => r.outcome),
    ['fail', 'fail', 'inconclusive'],
  );
});

test('a new model (no baseline) is checked against absolute budgets only', () => {
  const budgets: Budgets = {
    ...PER_CONV,
    absolute: { flashBytes: 60_000, perModel: { cnn16: { ramBytes: 20_000 } } },
  };
  const c = compare({ config: config(budgets), pairs: [pair('wide', { base: null })], now: NOW });
  const e = c.entries[0];
  assert.equal(e.status, 'new');
  assert.equal(e.baselineSource, 'none');
  assert.deepEqual(
    e.checks.map((k) => `${k.kind}:${k.metric}:${k.outcome}`),
    ['absolute:flash:fail', 'absolute:ram:pass'],
  );
  assert.equal(c.verdict, 'fail');
  assert.match(c.reasons[0].message, /^flash 68,840 bytes > 60,000 bytes limit$/);
  assert.ok(e.metrics.every((m) => m.status === 'incomparable' && m.base === null));
  assert.ok(e.layers.every((l) => l.pair.status === 'added'));
});

test('a dataset-less model has no accuracy rows; a minimum accuracy is not checked', () => {
  const budgets: Budgets = { absolute: { minAccuracy: 90 } };
  const c = compare({ config: config(budgets), pairs: [pair('same')], now: NOW });
  const e = c.entries[0];
  assert.ok(!e.metrics.some((m) => m.metric.startsWith('accuracy')));
  assert.equal(e.checks.length, 5); // latency, energy, flash, ram relative + minAccuracy
  const acc = e.checks.find((k) => k.metric === 'accuracy');
  assert.equal(acc?.outcome, 'unavailable');
  assert.match(acc?.message ?? '', /no dataset/);
  assert.equal(c.verdict, 'pass');
});

test('accuracy: a drop past maxAccuracyDropPts fails; host int8 and device rows appear', () => {
  const acc = (hostInt8: number, device: number) => ({
    accuracy: { task: 'classification' as const, samples: 1000, hostInt8, device },
  });
  const c = compare({
    config: config({ absolute: { minAccuracy: 85 } }),
    pairs: [pair('same', { base: acc(91.5, 91.2), head: acc(90.1, 89.9) })],
    now: NOW,
  });
  const e = c.entries[0];
  assert.deepEqual(
    e.metrics.filter((m) => m.metric.startsWith('accuracy')).map((m) => [m.metric, m.status]),
    [
      ['accuracyHostInt8', 'regressed'],
      ['accuracyDevice', 'regressed'],
    ],
  );
  assert.equal(c.verdict, 'fail');
  assert.equal(c.reasons.length, 1);
  assert.equal(c.reasons[0].unit, 'pts');
  assert.match(
    c.reasons[0].message,
    /^device accuracy -1\.30 pts \(91\.20% -> 89\.90%\): drop > 1 pt limit$/,
  );
  assert.equal(e.checks.find((k) => k.kind === 'absolute')?.outcome, 'pass');
});

test('waivers: an active waiver keeps the failure but passes; an expired one is ignored and said', () => {
  const active: Waiver = {
    metric: 'latency',
    model: 'cnn16',
    reason: 'wider conv4 accepted (#42)',
    until: '2026-11-24',
  };
  const c = compare({ config: config(PER_CONV, [active]), pairs: [pair('wide')], now: NOW });
  assert.equal(c.verdict, 'pass');
  assert.equal(c.reasons.length, 2);
  assert.ok(c.reasons.every((r) => r.outcome === 'fail' && r.waived?.until === '2026-11-24'));
  assert.deepEqual(
    c.waivers.map((w) => [w.status, w.covers]),
    [['active', 2]],
  );

  const expired: Waiver = { ...active, until: '2026-11-23' };
  const x = compare({ config: config(PER_CONV, [expired]), pairs: [pair('wide')], now: NOW });
  assert.equal(x.verdict, 'fail');
  assert.ok(
    x.reasons.every((r) => r.waived === undefined && r.expiredWaiver?.until === '2026-11-23'),
  );
  assert.deepEqual(
    x.waivers.map((w) => [w.status, w.covers]),
    [['expired', 2]],
  );

  const other: Waiver = { metric: 'flash', reason: 'engine grew' };
  const o = compare({ config: config(PER_CONV, [other]), pairs: [pair('wide')], now: NOW });
  assert.equal(o.verdict, 'fail', 'a waiver of another metric covers nothing');
  assert.deepEqual(
    o.waivers.map((w) => w.covers),
    [0],
  );
});

test('waived reasons come after live ones', () => {
  const budgets: Budgets = { ...PER_CONV, absolute: { flashBytes: 60_000 } };
  const waiver: Waiver = { metric: 'latency', reason: 'accepted' };
  const c = compare({ config: config(budgets, [waiver]), pairs: [pair('wide')], now: NOW });
  assert.deepEqual(
    c.reasons.map((r) => `${r.metric}:${r.waived ? 'waived' : 'live'}`),
    ['flash:live', 'latency:waived', 'latency:waived'],
  );
  assert.equal(c.verdict, 'fail');
});

const real = { board: 'nucleo-l496zg' as const, madFraction: 0.004 };
const everyLayer = (f: number): Record<number, number> =>
  Object.fromEntries(base16.layers.map((l) => [l.index, f]));

test('real board: a small change within the repeats noise is noise, not a regression', () => {
  const c = compare({
    config: config(),
    pairs: [pair('same', { base: real, head: { ...real, slowdown: everyLayer(1.01) } })],
    now: NOW,
  });
  const lat = c.entries[0].metrics.find((m) => m.metric === 'latency');
  assert.equal(lat?.status, 'noise');
  assert.ok(lat !== undefined && lat.bound > (lat.delta ?? 0));
  assert.equal(c.verdict, 'pass');
});

test('real board: a change within noise of the limit is inconclusive, a clear one fails', () => {
  const near = compare({
    config: config(),
    pairs: [pair('same', { base: real, head: { ...real, slowdown: everyLayer(1.05) } })],
    now: NOW,
  });
  assert.equal(near.verdict, 'inconclusive');
  assert.equal(near.reasons[0].outcome, 'inconclusive');
  assert.match(
    near.reasons[0].message,
    /^latency: \+5\.0% cycles is within noise \(±\d+\.\d%\) of the 5% relative limit/,
  );

  const far = compare({
    config: config(),
    pairs: [pair('same', { base: real, head: { ...real, slowdown: everyLayer(1.3) } })],
    now: NOW,
  });
  assert.equal(far.verdict, 'fail');
  assert.deepEqual(
    far.reasons.map((r) => r.metric),
    ['latency', 'energy'],
  );

  // The same 5% change on an emulated board is exact: 5.0% is not above 5%, 5.5% is.
  const exact = compare({
    config: config(),
    pairs: [pair('same', { head: { slowdown: everyLayer(1.055) } })],
    now: NOW,
  });
  assert.equal(exact.verdict, 'fail');
  assert.equal(exact.entries[0].metrics[0].bound, 0);
});

test('absolute latency and energy budgets are enforced on real boards only', () => {
  const budgets: Budgets = { absolute: { latencyMs: 10, energyUj: 100 } };
  const emu = compare({ config: config(budgets), pairs: [pair('same')], now: NOW });
  assert.deepEqual(
    emu.entries[0].checks.filter((k) => k.kind === 'absolute').map((k) => k.outcome),
    ['not-enforced', 'not-enforced'],
  );
  assert.equal(emu.verdict, 'pass');
  const onBoard = { board: 'nucleo-l496zg' as const };
  const hw = compare({
    config: config(budgets),
    pairs: [pair('same', { base: onBoard, head: onBoard })],
    now: NOW,
  });
  assert.deepEqual(
    hw.reasons.map((r) => `${r.metric}:${r.unit}`),
    ['latency:ms', 'energy:uJ'],
  );
  assert.match(hw.reasons[0].message, /^latency 17\.90 ms > 10 ms limit$/);
});

test('an absolute energy budget on a board without a meter is reported unavailable', () => {
  const onBoard = { board: 'nucleo-l496zg' as const, energy: false };
  const c = compare({
    config: config({ absolute: { energyUj: 100 } }),
    pairs: [pair('same', { base: onBoard, head: onBoard })],
    now: NOW,
  });
  const e = c.entries[0];
  assert.ok(!e.metrics.some((m) => m.metric === 'energy'));
  assert.equal(e.checks.find((k) => k.kind === 'absolute')?.outcome, 'unavailable');
  assert.equal(c.verdict, 'pass');
});

test('a baseline from another fingerprint is not compared and makes the entry inconclusive', () => {
  const p = pair('wide');
  const base = p.base;
  assert.ok(base !== undefined);
  base.board.firmwareHash = 'f'.repeat(64);
  const c = compare({ config: config(PER_CONV), pairs: [p], now: NOW });
  assert.equal(c.entries[0].status, 'incomparable');
  assert.equal(c.verdict, 'inconclusive');
  assert.equal(c.reasons[0].kind, 'baseline');
  assert.match(c.reasons[0].message, /firmwareHash f{64} vs 9a1c|firmwareHash f{64} vs 3f1c/);
  assert.ok(!c.entries[0].checks.some((k) => k.kind !== 'absolute'));
});

test('per-layer budgets: the first matching entry applies; index, name globs and model filters', () => {
  const budgets: Budgets = {
    perLayer: [
      { match: { index: 4 }, maxRegressionPct: 60 },
      { match: { name: 'conv*' }, model: 'kws', maxRegressionPct: 1 },
      { match: { name: 'dw?' }, metric: 'energy', maxRegressionPct: 20 },
      { match: { op: 'CONV_2D' }, maxRegressionPct: 10 },
    ],
  };
  const c = compare({ config: config(budgets), pairs: [pair('wide')], now: NOW });
  const by = new Map(c.entries[0].checks.filter((k) => k.layer).map((k) => [k.layer?.index, k]));
  assert.equal(by.get(4)?.limit, 60);
  assert.equal(by.get(4)?.outcome, 'pass');
  assert.equal(by.get(5)?.metric, 'energy');
  assert.equal(by.get(5)?.outcome, 'fail');
  assert.equal(by.get(6)?.limit, 10);
  assert.equal(by.get(1)?.metric, 'energy', 'dw1 matches dw?');
  assert.equal(by.get(12), undefined, 'RESHAPE matches no entry');
  assert.equal(c.verdict, 'fail');
});

test('glob: * spans slashes, ? is one character, the rest is literal', () => {
  assert.ok(globMatch('functional_1/dense/*', 'functional_1/dense/BiasAdd'));
  assert.ok(globMatch('*', ''));
  assert.ok(globMatch('conv?', 'conv4'));
  assert.ok(!globMatch('conv?', 'conv10'));
  assert.ok(!globMatch('a.b', 'axb'));
  assert.ok(globMatch('(x)+[y]', '(x)+[y]'));
});

test('a missing head result without an error is still a failed measurement', () => {
  const c = compare({ config: config(), pairs: [{ model: 'cnn16', board: 'qemu-m4' }], now: NOW });
  assert.equal(c.verdict, 'inconclusive');
  assert.equal(c.reasons[0].message, 'no result for the head commit');
});

test('compare does not change its input', () => {
  const p = pair('wide');
  const cfg = config(PER_CONV, [{ metric: 'latency', reason: 'ok' }]);
  const before = JSON.stringify({ p, cfg });
  compare({ config: cfg, pairs: [p], now: NOW });
  assert.equal(JSON.stringify({ p, cfg }), before);
});

test('a configuration loaded from YAML (defaults applied) drives compare', () => {
  const yaml = [
    'schemaVersion: 1',
    'models: [{ name: cnn16, path: models/cnn16.tflite }]',
    'boards: [qemu-m4]',
    'budgets:',
    '  relative: { maxRegressionPct: { flash: 0.5 } }',
    '  perLayer: [{ match: { name: "conv?" }, maxRegressionPct: 25 }]',
    'waivers: [{ metric: flash, reason: bigger weights, until: 2026-11-30 }]',
  ].join('\n');
  const resolved = parseConfigText(yaml, 'tinyml-gate.yml');
  const c = compare({ config: resolved, pairs: [pair('wide')], now: NOW });
  assert.deepEqual(
    c.reasons.map(
      (r) => `${r.kind}:${r.metric}:${r.layer?.name ?? ''}:${r.waived ? 'waived' : 'live'}`,
    ),
    ['perLayer:latency:conv4:live', 'perLayer:latency:conv6:live', 'relative:flash::waived'],
  );
  assert.equal(c.verdict, 'fail');
});
