import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compare, type ComparePair, type Comparison } from '../../src/compare/index.ts';
import { render, ReportError, type RenderOptions } from '../../src/report/index.ts';
import type { Budgets, Config, Waiver } from '../../src/schema/config-types.ts';
import type { ModelAnalysis } from '../../src/schema/result-types.ts';
import { BASE_SHA, HEAD_SHA, cnn, measure, type MeasureOptions } from '../compare/factory.ts';

const NOW = new Date('2026-11-24T12:00:00Z');
const MARKER = '<!-- tinyml-gate:config=5e1f00 -->';
const PER_CONV: Budgets = { perLayer: [{ match: { op: 'CONV_2D' }, maxRegressionPct: 10 }] };
const base16 = cnn();
const wide16 = cnn({ conv4Channels: 24 });

function config(budgets: Budgets = {}, waivers: Waiver[] = []): Config {
  return { schemaVersion: 1, models: [], boards: [], budgets, waivers };
}

function pair(
  model: string,
  head: ModelAnalysis,
  opts: { base?: MeasureOptions | null; head?: MeasureOptions } = {},
): ComparePair {
  const p: ComparePair = {
    model,
    board: opts.head?.board ?? 'qemu-m4',
    head: measure(head, { commit: HEAD_SHA, ...opts.head }),
  };
  if (opts.base !== null) p.base = measure(base16, { commit: BASE_SHA, ...opts.base });
  return p;
}

function run(c: Comparison, opts: Partial<RenderOptions> = {}): string[] {
  return render(c, { marker: MARKER, ...opts }).split('\n');
}

/** The cells of a table row, or null when the line is not a row (escaped text has no raw |). */
function cells(line: string): string[] | null {
  if (!line.startsWith('|') || !line.endsWith('|')) return null;
  return line
    .split('|')
    .slice(1, -1)
    .map((c) => c.trim());
}

/** Rows (cells) of the first table after the line that starts with `heading`. */
function tableAfter(lines: string[], heading: string): string[][] {
  const start = lines.findIndex((l) => l.startsWith(heading));
  assert.ok(start >= 0, `no line starting with ${heading}`);
  let i = lines.findIndex((l, k) => k > start && l.startsWith('| '));
  const rows: string[][] = [];
  while (i < lines.length && cells(lines[i]) !== null) rows.push(cells(lines[i++]) as string[]);
  return rows;
}

const row = (rows: string[][], label: string): string[] | undefined =>
  rows.find((r) => r[0] === label);

test('layout: marker, verdict, reasons, a summary table and a collapsible per-layer diff', () => {
  const c = compare({ config: config(PER_CONV), pairs: [pair('cnn16', wide16)], now: NOW });
  const lines = run(c);
  assert.equal(lines[0], MARKER);
  assert.equal(lines[1], '## ❌ tinyml-gate: fail');
  const reasons = lines.filter((l) => l.startsWith('- ❌ '));
  assert.equal(reasons.length, 2);
  assert.ok(reasons[0].includes('conv4 (CONV_2D, layer 4)'));
  assert.ok(reasons[0].endsWith('instructions &gt; 10% per-layer limit'));

  const summary = tableAfter(lines, '### cnn16 on qemu-m4');
  assert.deepEqual(summary[0], ['Metric', 'Base', 'Head', 'Delta', 'Budget', 'Status']);
  assert.deepEqual(
    summary.slice(2).map((r) => r[0]),
    [
      'Latency (instructions, emulated)',
      'Latency (ms, modelled)',
      'Energy (µJ, modelled)',
      'Flash (bytes)',
      'RAM (bytes)',
    ],
  );
  const latency = row(summary, 'Latency (instructions, emulated)');
  assert.deepEqual(latency?.slice(1), [
    '1,432,043',
    '1,470,749',
    '+38,706 (+2.7%)',
    '≤ +5%',
    '🔺 worse',
  ]);
  assert.equal(row(summary, 'RAM (bytes)')?.[5], '➖ same');

  const details = lines.findIndex((l) => l.startsWith('<details><summary>Per-layer diff'));
  assert.ok(details > lines.indexOf('### cnn16 on qemu-m4'));
  assert.ok(lines.indexOf('</details>') > details);
  const layers = tableAfter(lines, '<details>');
  assert.equal(layers.length, 2 + 16);
  assert.equal(layers[0].length, 12);
  // Most regressed first: conv6 (+19,660), conv4 (+9,830), dw5 (+9,216).
  assert.deepEqual(
    layers.slice(2, 5).map((r) => [r[0], r[1]]),
    [
      ['6', 'conv6'],
      ['4', 'conv4'],
      ['5', 'dw5'],
    ],
  );
  const conv4 = layers.find((r) => r[1] === 'conv4') as string[];
  assert.equal(conv4[3], '1x8x8x16 → 1x8x8x24');
  assert.equal(conv4[4], '16,384 → 24,576');
  assert.equal(conv4[11], 'output channels 16 -&gt; 24');
});

test('a pure improvement passes and says every budget holds', () => {
  const slowBase = { paths: { 7: 'opt-fallback' as const } };
  const c = compare({
    config: config(PER_CONV),
    pairs: [pair('cnn16', base16, { base: slowBase })],
    now: NOW,
  });
  const lines = run(c);
  assert.equal(lines[1], '## ✅ tinyml-gate: pass');
  assert.ok(lines.includes('Every budget holds.'));
  const summary = tableAfter(lines, '### cnn16');
  assert.equal(row(summary, 'Latency (instructions, emulated)')?.[5], '🟢 better');
  const notes = lines.filter((l) =>
    l.startsWith('- Layer 7 conv7 (CONV_2D): opt-fallback -&gt; opt'),
  );
  assert.equal(notes.length, 1);
  assert.ok(notes[0].includes('now takes the opt kernel set'));
});

test('a kernel path change is explained with the shape change that came with it', () => {
  const c = compare({
    config: config(),
    pairs: [pair('cnn16', wide16, { head: { paths: { 4: 'opt-fallback' } } })],
    now: NOW,
  });
  const lines = run(c);
  const note = lines.find((l) => l.startsWith('- Layer 4 conv4'));
  assert.ok(note !== undefined);
  assert.ok(note.includes('opt -&gt; opt-fallback: this layer no longer takes'));
  assert.ok(note.includes('its shapes changed: output channels 16 -&gt; 24'));
  const layers = tableAfter(lines, '<details>');
  assert.equal(layers.find((r) => r[1] === 'conv4')?.[10], 'opt → opt-fallback');
});

test('several models and boards: one section each, failed board inconclusive', () => {
  const real = { board: 'nucleo-l496zg' as const };
  const c = compare({
    config: config(),
    pairs: [
      pair('cnn16', base16),
      pair('cnn16', base16, { base: real, head: real }),
      pair('kws', base16),
      { model: 'kws', board: 'nucleo-l496zg', error: 'flash failed: openocd exited with 1' },
    ],
    now: NOW,
  });
  const lines = run(c);
  assert.equal(lines[1], '## ⚠️ tinyml-gate: inconclusive');
  assert.deepEqual(
    lines.filter((l) => l.startsWith('### ')),
    [
      '### cnn16 on qemu-m4',
      '### cnn16 on nucleo-l496zg',
      '### kws on qemu-m4',
      '### kws on nucleo-l496zg',
    ],
  );
  assert.ok(
    lines.some((l) =>
      l.startsWith('- ⚠️ **kws** on nucleo-l496zg: measurement failed: flash failed'),
    ),
  );
  const failed = lines.indexOf('### kws on nucleo-l496zg');
  assert.ok(lines[failed + 2].startsWith('⚠️ No result: the measurement failed (flash failed'));
  assert.ok(!lines.slice(failed).some((l) => l.startsWith('| ')), 'no table for the failed board');
  assert.equal(lines.filter((l) => l.startsWith('<details>')).length, 3);
  assert.ok(lines.some((l) => l.includes('2 models on 2 boards')));
});

test('units: emulated boards never show cycles; real boards show cycles and plain ms', () => {
  const emu = compare({ config: config(), pairs: [pair('cnn16', base16)], now: NOW });
  const text = render(emu, { marker: MARKER });
  assert.ok(!/cycle/i.test(text), 'no cycles on an emulated board');
  assert.ok(text.includes('Latency (ms, modelled)'));
  assert.ok(text.includes('instructions, emulated'));

  const real = { board: 'nucleo-l496zg' as const };
  const hw = compare({
    config: config(),
    pairs: [pair('cnn16', base16, { base: real, head: real })],
    now: NOW,
  });
  const rows = tableAfter(run(hw), '### cnn16');
  assert.deepEqual(
    rows.slice(2, 4).map((r) => r[0]),
    ['Latency (cycles)', 'Latency (ms)'],
  );
  assert.ok(!render(hw, { marker: MARKER }).includes('modelled'));
});

test('a new model shows no base, a new status and says absolute budgets only', () => {
  const c = compare({
    config: config({ absolute: { flashBytes: 100_000 } }),
    pairs: [pair('cnn16', wide16, { base: null })],
    now: NOW,
  });
  const lines = run(c);
  assert.equal(lines[1], '## ✅ tinyml-gate: pass');
  assert.ok(lines.some((l) => l.includes('New model: no baseline, absolute budgets only.')));
  const rows = tableAfter(lines, '### cnn16');
  const flash = row(rows, 'Flash (bytes)');
  assert.deepEqual(flash?.slice(1), ['–', '68,840', '–', '≤ 100,000 bytes', '🆕 new']);
  const layers = tableAfter(lines, '<details>');
  assert.ok(layers.slice(2).every((r) => r[11] === 'added'));
});

test('accuracy rows appear only for a model with a dataset', () => {
  const none = run(compare({ config: config(), pairs: [pair('cnn16', base16)], now: NOW }));
  assert.ok(!none.some((l) => l.startsWith('| Accuracy')));
  const acc = (device: number) => ({
    accuracy: { task: 'classification' as const, samples: 500, hostInt8: 91, device },
  });
  const c = compare({
    config: config({ absolute: { minAccuracy: 80 } }),
    pairs: [pair('cnn16', base16, { base: acc(90.4), head: acc(88.8) })],
    now: NOW,
  });
  const rows = tableAfter(run(c), '### cnn16');
  assert.deepEqual(row(rows, 'Accuracy, host int8 (%)')?.slice(1, 4), [
    '91.00',
    '91.00',
    '0.00 pts',
  ]);
  const device = row(rows, 'Accuracy, device (%)');
  assert.deepEqual(device?.slice(1), [
    '90.40',
    '88.80',
    '-1.60 pts',
    '≥ 80%; drop ≤ 1 pt',
    '❌ over budget',
  ]);
});

test('waivers: active ones are marked with their reason, expired ones are said', () => {
  const active: Waiver = { metric: 'latency', reason: 'wider conv4 accepted', until: '2026-12-31' };
  const expired: Waiver = { metric: 'latency', model: 'cnn16', reason: 'old', until: '2026-01-31' };
  const c = compare({
    config: config(PER_CONV, [expired, active]),
    pairs: [pair('cnn16', wide16)],
    now: NOW,
  });
  const lines = run(c);
  assert.equal(lines[1], '## ✅ tinyml-gate: pass');
  const waived = lines.filter((l) =>
    l.startsWith('- 🟡 waived until 2026-12-31 (wider conv4 accepted): **cnn16**'),
  );
  assert.equal(waived.length, 2);
  assert.ok(lines.some((l) => l.includes('2 waived')));

  const x = compare({
    config: config(PER_CONV, [expired]),
    pairs: [pair('cnn16', wide16)],
    now: NOW,
  });
  const xl = run(x);
  assert.equal(xl[1], '## ❌ tinyml-gate: fail');
  assert.ok(
    xl.some((l) =>
      l.startsWith('- ⌛ The waiver for latency on cnn16 (old) expired after 2026-01-31'),
    ),
  );
});

test('noise on a real board shows as noise, not as worse', () => {
  const real = { board: 'nucleo-l496zg' as const, madFraction: 0.004 };
  const slow = Object.fromEntries(base16.layers.map((l) => [l.index, 1.01]));
  const c = compare({
    config: config(),
    pairs: [pair('cnn16', base16, { base: real, head: { ...real, slowdown: slow } })],
    now: NOW,
  });
  const rows = tableAfter(run(c), '### cnn16');
  assert.equal(row(rows, 'Latency (cycles)')?.[5], '≈ noise');
  assert.equal(row(rows, 'Flash (bytes)')?.[5], '➖ same');
});

test('escaping: hostile tensor names, model names, errors and reasons render inert', () => {
  const evil = '<img src=x onerror=alert(1)>|`x`|*b* [l](h) @octocat $x$';
  const head = cnn({ conv4Channels: 24, conv4Name: evil });
  const c = compare({
    config: config(PER_CONV, [{ metric: 'latency', reason: `</details>${evil}` }]),
    pairs: [
      pair('cnn16', head),
      { model: `m${evil}`, board: 'b|`x`', error: `boom\n## injected\n${evil}` },
    ],
    now: NOW,
  });
  const text = render(c, { marker: MARKER });
  for (const bad of ['<img', '`', '@octocat', '[l]', '*b*', '$x$']) {
    assert.ok(!text.includes(bad), `output contains ${bad}`);
  }
  assert.equal(text.split('</details>').length - 1, 1, 'only our own </details>');
  const waived = text
    .split('\n')
    .filter((l) => l.startsWith('- 🟡 waived (&lt;/details&gt;&lt;img'));
  assert.equal(waived.length, 2, 'the waiver reason is shown, escaped');
  // Every table row keeps its column count: no | leaked into a cell.
  const lines = text.split('\n');
  const layers = tableAfter(lines, '<details>');
  assert.ok(layers.every((r) => r.length === 12));
  assert.ok(
    layers.some((r) => r[1].startsWith('&lt;img src=x onerror=alert(1)&gt;&#124;&#96;x&#96;')),
  );
  assert.ok(text.includes('@&#8203;octocat'));
  assert.equal(
    lines.filter((l) => l.startsWith('##')).length,
    1 + 2,
    'verdict and two sections only',
  );
});

test('truncation: under a small maxChars the verdict and a note stay, rows are counted', () => {
  const pairs = ['a', 'b', 'c', 'd'].flatMap((m) => [
    pair(m, wide16),
    pair(m, wide16, { base: { board: 'nucleo-l496zg' }, head: { board: 'nucleo-l496zg' } }),
  ]);
  const c = compare({ config: config(PER_CONV), pairs, now: NOW });
  const full = render(c, { marker: MARKER, mermaid: true });
  assert.ok(full.length > 12_000);
  for (const maxChars of [12_000, 5_000, 1_500, 400]) {
    const text = render(c, {
      marker: MARKER,
      maxChars,
      mermaid: true,
      fullResults: 'the artifact tinyml-gate-results',
    });
    const lines = text.split('\n');
    assert.ok(text.length <= maxChars, `${text.length} > ${maxChars}`);
    assert.equal(lines[0], MARKER);
    assert.equal(lines[1], '## ❌ tinyml-gate: fail');
    assert.match(
      lines[3],
      /^> ⚠️ Shortened to fit a GitHub comment: .* left out\. The full figures are in the artifact tinyml-gate-results\.$/,
    );
    // The note's count equals the per-layer rows that are actually missing.
    const shownRows = lines.filter((l) => /^\| \d+ \| /.test(l)).length;
    const sections = lines.filter((l) => l.startsWith('### ')).length;
    const counted = Number(/(\d+) per-layer rows?/.exec(lines[3])?.[1] ?? 0);
    assert.equal(shownRows + counted, sections * 16, `at ${maxChars}`);
  }
  const mid = render(c, { marker: MARKER, maxChars: 12_000, mermaid: true });
  assert.ok(!mid.includes('```mermaid'), 'charts go first');
  assert.ok(mid.includes('less regressed layers left out here.'));
  // Default limit: everything fits, nothing is cut.
  assert.ok(!full.includes('Shortened'));
  assert.equal(full.split('```mermaid').length - 1, 8);
});

test('the Mermaid chart has one label and two bar series per aligned layer', () => {
  const c = compare({
    config: config(),
    pairs: [pair('cnn16', cnn({ extraConv: true }))],
    now: NOW,
  });
  const lines = run(c, { mermaid: true });
  const start = lines.indexOf('```mermaid');
  assert.equal(lines[start + 1], 'xychart-beta');
  const axis = lines.find((l) => l.startsWith('  x-axis ['));
  assert.equal(axis?.split(',').length, 17);
  const bars = lines.filter((l) => l.startsWith('  bar ['));
  assert.equal(bars.length, 2);
  assert.ok(bars.every((b) => b.split(',').length === 17));
  assert.ok(bars[0].includes(', 0,'), 'the added layer has no base time');
  assert.ok(!run(c).includes('```mermaid'));
});

test('render refuses a marker that is not one HTML comment', () => {
  const c = compare({ config: config(), pairs: [pair('cnn16', base16)], now: NOW });
  for (const marker of ['tinyml-gate', '<!-- a --> <!-- b -->', '<!-- a --><img src=x>']) {
    assert.throws(
      () => render(c, { marker }),
      (e: unknown) => e instanceof ReportError && e.code === 'bad-marker',
    );
  }
  assert.throws(
    () => render(c, { marker: MARKER, maxChars: 0 }),
    (e: unknown) => e instanceof ReportError && e.code === 'bad-max-chars',
  );
});

test('the default limit holds for many models and boards, with a note', () => {
  const pairs = Array.from({ length: 60 }, (_, i) => pair(`model-${i}`, wide16));
  const c = compare({ config: config(PER_CONV), pairs, now: NOW });
  const text = render(c, { marker: MARKER, mermaid: true });
  assert.ok(text.length <= 65_000, `${text.length} characters`);
  assert.match(text.split('\n')[3], /^> ⚠️ Shortened to fit a GitHub comment: /);
  assert.equal(
    text.split('\n').filter((l) => l.startsWith('### ')).length,
    60,
    'every summary kept',
  );
});

test('a baseline from another fingerprint renders as not compared, absolute budgets only', () => {
  const p = pair('cnn16', wide16);
  if (p.base !== undefined) p.base.board.compiler = 'arm-none-eabi-gcc 13.2.1';
  const c = compare({ config: config(PER_CONV), pairs: [p], now: NOW });
  const lines = run(c);
  assert.equal(lines[1], '## ⚠️ tinyml-gate: inconclusive');
  assert.ok(
    lines.some((l) =>
      l.includes(
        'baseline not compared: measured on another fingerprint (compiler arm-none-eabi-gcc 13.2.1 vs arm-none-eabi-gcc 12.2.1)',
      ),
    ),
  );
  assert.ok(
    lines.some((l) => l.includes('Baseline measured on another fingerprint: not compared')),
  );
  const rows = tableAfter(lines, '### cnn16');
  assert.ok(
    rows.slice(2).every((r) => r[1] === '–'),
    'no base figures shown',
  );
});

test('truncation that only drops the charts still says so', () => {
  const c = compare({ config: config(PER_CONV), pairs: [pair('cnn16', wide16)], now: NOW });
  const plain = render(c, { marker: MARKER }).length;
  const charted = render(c, { marker: MARKER, mermaid: true }).length;
  assert.ok(charted > plain + 200);
  const text = render(c, { marker: MARKER, mermaid: true, maxChars: plain + 200 });
  const lines = text.split('\n');
  assert.equal(
    lines[3],
    '> ⚠️ Shortened to fit a GitHub comment: the charts left out. The full figures are in the result documents of this run.',
  );
  assert.equal(lines.filter((l) => /^\| \d+ \| /.test(l)).length, 16, 'every layer row kept');
});
