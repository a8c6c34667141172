// runPipeline end to end on a throwaway git repository, with the fake board of
// fake-bench.ts standing in for the agent: configuration, resolution, baselines, compare,
// report and result files, as the action and the CLI run them.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { runPipeline, type HistoryStore, type PipelineOptions } from '../../src/pipeline/index.ts';
import { loadResultFile } from '../../src/schema/load.ts';
import type { ResultDocument } from '../../src/schema/result-types.ts';
import { FAKE_BOARDS, fakeBench, fakeResult } from './fake-bench.ts';
import { LENET, LENET_WIDE, Repo, configYaml } from './git-fixture.ts';

const lenet = new Uint8Array(readFileSync(LENET));
const wide = new Uint8Array(readFileSync(LENET_WIDE));
const BUDGETS = `budgets:\n  perLayer:\n    - match: { op: CONV_2D }\n      maxRegressionPct: 10\n`;

let repo: Repo;
let baseSha: string;
const outDirs: string[] = [];
before(() => {
  repo = new Repo();
  repo.write(
    'tinyml-gate.yml',
    configYaml(
      { lenet: 'models/lenet.tflite', digits: 'models/digits.tflite' },
      ['qemu-m4', 'qemu-m7'],
      BUDGETS,
    ),
  );
  repo.write('models/lenet.tflite', lenet);
  repo.write('models/digits.tflite', lenet);
  baseSha = repo.commit('base');
  const branch = (name: string, change: () => void, from = 'main'): void => {
    repo.git('checkout', '-q', '-b', name, from);
    change();
    repo.commit(name);
  };
  branch('widen', () => repo.write('models/lenet.tflite', wide));
  branch('docs-only', () => repo.write('README.md', '# docs\n'));
  branch('add-model', () => {
    repo.write('models/wide.tflite', wide);
    repo.write(
      'tinyml-gate.yml',
      configYaml(
        { lenet: 'models/lenet.tflite', wide: 'models/wide.tflite' },
        ['qemu-m4'],
        BUDGETS,
      ),
    );
  });
  // The improvement: a base branch with the wide model, a PR going back to the narrow one.
  branch('wide-main', () => repo.write('models/lenet.tflite', wide));
  branch('narrow', () => repo.write('models/lenet.tflite', lenet), 'wide-main');
  repo.git('checkout', '-q', 'main');
});
after(() => {
  repo.remove();
  for (const d of outDirs) rmSync(d, { recursive: true, force: true });
});

async function run(extra: Partial<PipelineOptions> & Pick<PipelineOptions, 'bench'>) {
  const lines: string[] = [];
  const r = await runPipeline({
    configPath: 'tinyml-gate.yml',
    repoDir: repo.dir,
    log: (l) => lines.push(l),
    ...extra,
  });
  outDirs.push(r.outDir);
  return { ...r, lines };
}

test('a PR that widens a layer fails, naming the layer and the budget', async () => {
  const fb = fakeBench();
  const r = await run({ baseRef: 'main', headRef: 'widen', bench: fb.bench, models: ['lenet'] });
  assert.equal(r.verdict, 'fail');
  // Head then base, on each board; the base on the board id the head ran on.
  assert.deepEqual(
    fb.calls.map((c) => `${c.board}:${c.commit.sha === baseSha ? 'base' : 'head'}`),
    ['qemu-m4:head', 'qemu-m4:base', 'qemu-m7:head', 'qemu-m7:base'],
  );
  assert.deepEqual(fb.calls[0].model, wide);
  assert.deepEqual(fb.calls[1].model, lenet);
  assert.deepEqual(fb.calls[1].commit, { sha: baseSha, ref: 'main' });
  assert.equal(fb.calls[0].commit.ref, 'widen');
  assert.equal(fb.calls[0].repeats, 3);
  const perLayer = r.comparison.reasons.filter((x) => x.kind === 'perLayer');
  assert.ok(perLayer.length > 0);
  assert.ok(perLayer.every((x) => x.layer?.op === 'CONV_2D' && x.outcome === 'fail'));
  const layerName = perLayer[0].layer?.name ?? '';
  assert.ok(r.markdown.includes('tinyml-gate: fail'));
  assert.ok(r.markdown.includes('per-layer limit'), 'the broken budget is named');
  assert.ok(
    r.markdown.split('\n').some((l) => l.includes('❌') && l.includes(layerName.split('/')[0])),
  );
  assert.match(r.markdown, /^<!-- tinyml-gate:config=[0-9a-f]{12} -->/);
  // Four documents written, each valid, each where results[] says.
  assert.equal(r.results.length, 4);
  for (const x of r.results) assert.deepEqual(loadResultFile(x.path), x.doc);
  assert.deepEqual(
    r.results.map((x) => x.path.slice(r.outDir.length + 1)),
    [
      'lenet.qemu-m4.head.json',
      'lenet.qemu-m4.base.json',
      'lenet.qemu-m7.head.json',
      'lenet.qemu-m7.base.json',
    ],
  );
  assert.equal(readFileSync(`${r.outDir}/report.md`, 'utf8'), r.markdown);
  for (const step of [
    /^resolving 1 model/,
    /^analysing lenet \(changed\): head 9 layers/,
    /^measuring base of lenet on qemu-m4/,
    /^comparing 2/,
    /^verdict fail/,
  ]) {
    assert.ok(
      r.lines.some((l) => step.test(l)),
      `progress line ${step}`,
    );
  }
});

test('a PR that only improves passes; an unchanged model is skipped and said so', async () => {
  const fb = fakeBench();
  const r = await run({ baseRef: 'wide-main', headRef: 'narrow', bench: fb.bench });
  assert.equal(r.verdict, 'pass');
  assert.deepEqual(
    r.skipped.map((s) => s.model),
    ['digits'],
  );
  assert.match(
    r.skipped[0].reason,
    /^unchanged since the base commit [0-9a-f]{12} \(models\/digits\.tflite/,
  );
  assert.ok(r.markdown.includes('**digits**: not measured: unchanged since the base commit'));
  const latency = r.comparison.entries[0].metrics.find((m) => m.metric === 'latency');
  assert.equal(latency?.status, 'improved');
  assert.ok(fb.calls.every((c) => c.modelName === 'lenet'));
});

test('a PR with no model change measures nothing and passes', async () => {
  const fb = fakeBench();
  const r = await run({ baseRef: 'main', headRef: 'docs-only', bench: fb.bench });
  assert.equal(fb.calls.length, 0);
  assert.equal(r.verdict, 'pass');
  assert.deepEqual(
    r.skipped.map((s) => s.model),
    ['lenet', 'digits'],
  );
  assert.deepEqual(r.results, []);
  assert.match(r.markdown, /\*\*lenet\*\*: not measured: unchanged/);
});

test('a new model has no baseline: measured once, absolute budgets only', async () => {
  const fb = fakeBench();
  const r = await run({ baseRef: 'main', headRef: 'add-model', bench: fb.bench });
  assert.deepEqual(
    fb.calls.map((c) => c.modelName),
    ['wide'],
  );
  const e = r.comparison.entries[0];
  assert.equal(e.status, 'new');
  assert.equal(e.baselineSource, 'none');
  assert.deepEqual(
    r.results.map((x) => x.role),
    ['head'],
  );
  assert.equal(r.verdict, 'pass');
});

test('a failed board makes its entries inconclusive; the other board still counts', async () => {
  const fb = fakeBench({ failing: ['qemu-m7'] });
  const r = await run({
    baseRef: 'wide-main',
    headRef: 'narrow',
    bench: fb.bench,
    models: ['lenet'],
  });
  assert.equal(r.verdict, 'inconclusive');
  const [m4, m7] = r.comparison.entries;
  assert.equal(m4.status, 'compared');
  assert.equal(m7.status, 'error');
  assert.match(m7.error ?? '', /^head: board qemu-m7: no answer to HELLO/);
  assert.equal(r.results.length, 2);
});

test("a failed base measurement is the entry's error, and the head is kept", async () => {
  let n = 0;
  const inner = fakeBench();
  const bench: PipelineOptions['bench'] = async (req, progress) => {
    if (n++ === 1) throw new Error('flash failed');
    return inner.bench(req, progress);
  };
  const r = await run({
    baseRef: 'main',
    headRef: 'widen',
    bench,
    models: ['lenet'],
    boards: ['qemu-m4'],
  });
  assert.equal(r.verdict, 'inconclusive');
  assert.match(r.comparison.entries[0].error ?? '', /^base \([0-9a-f]{12}\): flash failed/);
  assert.deepEqual(
    r.results.map((x) => x.role),
    ['head'],
  );
});

test('a label is measured on one board, and the base on that same board id', async () => {
  const fb = fakeBench();
  const r = await run({
    baseRef: 'main',
    headRef: 'widen',
    bench: fb.bench,
    boards: ['emulated'],
    models: ['lenet'],
  });
  assert.deepEqual(
    fb.calls.map((c) => c.board),
    ['emulated', 'qemu-m4'],
  );
  assert.equal(r.comparison.entries[0].board, 'emulated');
  assert.equal(r.comparison.entries[0].status, 'compared');
});

function history(docs: ResultDocument[]): HistoryStore & { finds: number } {
  const h = {
    finds: 0,
    find: async (sha: string, model: string, board: string) => {
      h.finds++;
      return (
        docs.find(
          (d) => d.commit.sha === sha && d.model.name === model && d.board.boardId === board,
        ) ?? null
      );
    },
    ancestors: async () => [],
  };
  return h;
}

const storedBase = (board: 'qemu-m4' | 'qemu-m7', fp = FAKE_BOARDS[board]) =>
  fakeResult(
    { model: lenet, modelName: 'lenet', board, repeats: 3, warmup: 0, commit: { sha: baseSha } },
    fp,
  );

test('history baseline: a matching stored result saves the base measurement', async () => {
  const fb = fakeBench();
  const h = history([storedBase('qemu-m4'), storedBase('qemu-m7')]);
  const r = await run({
    baseRef: 'main',
    headRef: 'widen',
    bench: fb.bench,
    history: h,
    models: ['lenet'],
  });
  assert.deepEqual(
    fb.calls.map((c) => c.commit.sha === baseSha),
    [false, false],
  );
  assert.deepEqual(
    r.comparison.entries.map((e) => e.baselineSource),
    ['history', 'history'],
  );
  assert.equal(r.verdict, 'fail');
  assert.match(r.markdown, /Baseline from history at/);
  assert.match(r.markdown, /baseline from history: the stored result of the base commit/);
});

test('history baseline of another firmware build: re-measured, and the report says why', async () => {
  const fb = fakeBench();
  const other = { ...FAKE_BOARDS['qemu-m4'], firmwareHash: 'f'.repeat(64) };
  const h = history([storedBase('qemu-m4', other)]);
  const r = await run({
    baseRef: 'main',
    headRef: 'widen',
    bench: fb.bench,
    history: h,
    models: ['lenet'],
    boards: ['qemu-m4'],
    baselineMode: 'history',
  });
  assert.deepEqual(
    fb.calls.map((c) => c.commit.sha === baseSha),
    [false, true],
  );
  const e = r.comparison.entries[0];
  assert.equal(e.baselineSource, 'remeasured');
  assert.equal(e.status, 'compared');
  assert.match(
    r.markdown,
    /baseline re-measured: the stored result of the base commit [0-9a-f]{12} was measured on another fingerprint \(firmwareHash f+ vs 1+\)/,
  );
  const base = r.results.find((x) => x.role === 'base');
  assert.ok(base?.doc.notes.some((n) => /another fingerprint/.test(n)));
});

test('history mode with nothing stored: inconclusive, no base measured', async () => {
  const fb = fakeBench();
  const r = await run({
    baseRef: 'main',
    headRef: 'widen',
    bench: fb.bench,
    history: history([]),
    models: ['lenet'],
    boards: ['qemu-m4'],
    baselineMode: 'history',
  });
  assert.equal(fb.calls.length, 1);
  assert.equal(r.verdict, 'inconclusive');
  assert.match(r.markdown, /baseline mode history: no stored result of lenet on qemu-m4/);
});

test('a push (no base) measures the head only; a bad option is refused before any work', async () => {
  const fb = fakeBench();
  const r = await run({ headRef: 'widen', bench: fb.bench, boards: ['qemu-m4'] });
  assert.deepEqual(
    fb.calls.map((c) => c.modelName),
    ['lenet', 'digits'],
  );
  assert.ok(r.comparison.entries.every((e) => e.status === 'new'));
  await assert.rejects(
    run({ bench: fb.bench, baselineMode: 'sometimes' as PipelineOptions['baselineMode'] }),
    (e: unknown) => (e as { code?: string }).code === 'bad-option',
  );
  await assert.rejects(
    run({ bench: fb.bench, configPath: 'nope.yml' }),
    (e: unknown) => (e as { code?: string }).code === 'file-missing',
  );
  assert.equal(fb.calls.length, 2);
});

test('a head model the gate cannot read is an error of its entries, no board time spent', async () => {
  repo.git('checkout', '-q', '-b', 'broken', 'main');
  repo.write('models/lenet.tflite', 'not a flatbuffer');
  repo.commit('broken');
  repo.git('checkout', '-q', 'main');
  const fb = fakeBench();
  const r = await run({ baseRef: 'main', headRef: 'broken', bench: fb.bench, models: ['lenet'] });
  assert.equal(fb.calls.length, 0);
  assert.equal(r.verdict, 'inconclusive');
  assert.match(
    r.comparison.entries[0].error ?? '',
    /models\/lenet\.tflite: not a model the gate can read/,
  );
});

test("host float accuracy from the float reference, once per float model, over the board's samples", async () => {
  const ex = LENET.replace(/lenet_int8\.tflite$/, '');
  const r2 = new Repo();
  try {
    r2.write(
      'tinyml-gate.yml',
      [
        'schemaVersion: 1',
        'models:',
        '  - { name: lenet, path: m/int8.tflite, floatReference: m/float.tflite, dataset: d/dataset.json }',
        'boards: [qemu-m4, qemu-m7]',
        '',
      ].join('\n'),
    );
    r2.copy(LENET, 'm/int8.tflite');
    r2.copy(`${ex}lenet_float.tflite`, 'm/float.tflite');
    for (const f of ['dataset.json', 'x_test.npy', 'y_test.npy'])
      r2.copy(`${ex}data/${f}`, `d/${f}`);
    r2.commit('base');
    r2.git('checkout', '-q', '-b', 'pr');
    r2.copy(LENET_WIDE, 'm/int8.tflite');
    r2.copy(LENET_WIDE.replace(/lenet_int8/, 'lenet_float'), 'm/float.tflite');
    r2.commit('wide');
    const fb = fakeBench({ accuracy: { hostInt8: 96.8, device: 96.8, samples: 500 } });
    const lines: string[] = [];
    const r = await runPipeline({
      configPath: 'tinyml-gate.yml',
      repoDir: r2.dir,
      baseRef: 'main',
      bench: fb.bench,
      log: (l) => lines.push(l),
    });
    outDirs.push(r.outDir);
    assert.ok(fb.calls.every((c) => c.dataset === `${r2.dir}/d/dataset.json`));
    // examples/lenet-mnist/README.md: U scores 96.80 % (base) and 97.00 % (wide) on these 500 digits.
    const float = (role: string, board: string) =>
      r.results.find((x) => x.role === role && x.doc.board.boardId === board)?.doc.accuracy
        ?.hostFloat;
    assert.equal(float('base', 'qemu-m4'), 96.8);
    assert.equal(float('head', 'qemu-m4'), 97);
    assert.equal(float('head', 'qemu-m7'), 97);
    assert.equal(lines.filter((l) => l.startsWith('host float accuracy of')).length, 2);
  } finally {
    r2.remove();
  }
});

test('firmware rebuilt between head and base: the head is measured again, so the pair compares', async () => {
  const inner = fakeBench();
  let n = 0;
  // The board's image changes after the first job, as when the agent rebuilds and re-flashes.
  const bench: PipelineOptions['bench'] = async (req, progress) => {
    const doc = await inner.bench(req, progress);
    return n++ === 0 ? doc : { ...doc, board: { ...doc.board, firmwareHash: 'e'.repeat(64) } };
  };
  const r = await run({
    baseRef: 'main',
    headRef: 'widen',
    bench,
    models: ['lenet'],
    boards: ['qemu-m4'],
  });
  assert.deepEqual(
    inner.calls.map((c) => (c.commit.sha === baseSha ? 'base' : 'head')),
    ['head', 'base', 'head'],
  );
  const e = r.comparison.entries[0];
  assert.equal(e.status, 'compared');
  assert.equal(e.head?.board.firmwareHash, 'e'.repeat(64));
  assert.equal(r.verdict, 'fail');
  assert.match(
    r.markdown,
    /head re-measured: the board's fingerprint changed between head and base \(firmwareHash e+ vs 1+\)/,
  );
  assert.deepEqual(
    r.results.map((x) => x.role),
    ['head', 'base'],
  );
  assert.equal(r.results[0].doc, e.head);
});
