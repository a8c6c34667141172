// Benchmark of the gate's own overhead on a 16-layer model (MLPerf Tiny ResNet-8, int8):
// everything runPipeline does except board time and host evaluation — configuration load
// and validation, git resolution of head and base, host analysis of both versions, the
// baseline decision, compare, render, and validating and writing the result documents.
// The board is a BenchFn that returns documents computed before the clock starts. A pull
// request changes one convolution's weights, so both versions are resolved, analysed and
// "measured". Reported: the first run in a fresh process (what one CI job pays: schema
// compilation, module warm-up) and the median of 21 runs after it, per stage from the
// pipeline's progress lines, and the process start-up before it. Target: start-up plus
// first run < 5 s. Run: npx tsx bench/gate.ts
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readModel } from '../src/model/reader.ts';
import { writeModel } from '../src/model/writer.ts';
import { runPipeline, sha256, type BenchFn } from '../src/pipeline/index.ts';
import type { ResultDocument } from '../src/schema/result-types.ts';
import { FAKE_BOARDS, fakeResult } from '../test/pipeline/fake-bench.ts';
import { formatTable, mad, median, writeResults } from './lib.ts';

const RUNS = 21;
const TARGET_MS = 5000;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const modelFile = path.resolve(repoRoot, '..', 'shared', 'models', 'ic_resnet8_int8.tflite');
if (!existsSync(modelFile)) {
  console.log(`shared/models not found beside the checkout (${modelFile}): nothing to benchmark`);
  process.exit(0);
}

// The pull request: the weights of the second convolution retrained (same shapes).
const base = new Uint8Array(readFileSync(modelFile));
const parsed = readModel(base, modelFile);
const sg = parsed.subgraphs[0];
const convs = sg.operators.filter(
  (op) => parsed.operatorCodes[op.opcodeIndex].builtin === 'CONV_2D',
);
const weights = parsed.buffers[sg.tensors[convs[1].inputs[1]].buffer].data;
for (let i = 0; i < weights.length; i += 3) weights[i] = (weights[i] + 1) & 0xff;
const head = writeModel(parsed);
if (sg.operators.length !== 16)
  throw new Error(`expected 16 layers, the model has ${sg.operators.length}`);

const dir = mkdtempSync(path.join(tmpdir(), 'tg-bench-gate-'));
const git = (...args: string[]): string =>
  execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
const config = [
  'schemaVersion: 1',
  'models:',
  '  - { name: resnet8, path: models/ic_resnet8_int8.tflite }',
  'boards: [qemu-m4]',
  'budgets:',
  '  absolute: { flashBytes: 524288, ramBytes: 163840 }',
  '  perLayer:',
  '    - { match: { op: CONV_2D }, maxRegressionPct: 10 }',
  '    - { match: { op: ADD }, metric: latency, maxRegressionPct: 20 }',
  '',
].join('\n');
let outDir = '';
try {
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'bench@example.com');
  git('config', 'user.name', 'bench');
  git('config', 'commit.gpgsign', 'false');
  mkdirSync(path.join(dir, 'models'));
  writeFileSync(path.join(dir, 'tinyml-gate.yml'), config);
  writeFileSync(path.join(dir, 'models/ic_resnet8_int8.tflite'), base);
  git('add', '-A');
  git('commit', '-q', '-m', 'base');
  git('checkout', '-q', '-b', 'pr');
  writeFileSync(path.join(dir, 'models/ic_resnet8_int8.tflite'), head);
  git('commit', '-q', '-am', 'retrain conv');

  // Board documents, computed before any timing: the BenchFn only looks them up.
  const precomputed = new Map<string, ResultDocument>();
  for (const bytes of [base, head]) {
    const req = {
      model: bytes,
      modelName: 'resnet8',
      board: 'qemu-m4',
      repeats: 5,
      warmup: 1,
      commit: { sha: '0'.repeat(40) },
    };
    precomputed.set(sha256(bytes), fakeResult(req, FAKE_BOARDS['qemu-m4']));
  }
  const bench: BenchFn = async (req) => {
    const doc = precomputed.get(sha256(req.model));
    if (doc === undefined) throw new Error('no precomputed document for this model');
    return { ...doc, commit: req.commit };
  };

  const STAGES = [
    'resolve (git)',
    'analyse both versions',
    'measure (precomputed)',
    'compare, render, write',
  ] as const;
  const once = async () => {
    const marks: number[] = [];
    const t0 = performance.now();
    const r = await runPipeline({
      configPath: 'tinyml-gate.yml',
      repoDir: dir,
      baseRef: 'main',
      headRef: 'pr',
      bench,
      outDir: path.join(dir, 'out'),
      log: (line) => {
        if (/^(resolving|base commit|analysing|comparing|verdict)/.test(line))
          marks.push(performance.now());
      },
    });
    const total = performance.now() - t0;
    if (r.results.length !== 2 || marks.length !== 5)
      throw new Error('the pipeline did not measure both versions');
    outDir = r.outDir;
    // Before the first mark: configuration load and validation (and plan).
    const stages = [marks[0] - t0, ...STAGES.map((_, i) => marks[i + 1] - marks[i])];
    return { total, stages, verdict: r.verdict, chars: r.markdown.length };
  };

  // Process start to here: node, tsx transpiling the sources, module loading, and this
  // script's own set-up (git repository, precomputed documents): an upper bound.
  const startupMs = performance.now();
  const cold = await once();
  const warm: Awaited<ReturnType<typeof once>>[] = [];
  for (let i = 0; i < RUNS; i++) warm.push(await once());
  const ms = (v: number) => Math.round(v * 100) / 100;
  const names = ['config load + validate', ...STAGES];
  const rows = names.map((name, i) => [
    name,
    ms(cold.stages[i]).toFixed(2),
    ms(median(warm.map((w) => w.stages[i]))).toFixed(2),
  ]);
  const totals = warm.map((w) => w.total);
  rows.push(['total', ms(cold.total).toFixed(2), ms(median(totals)).toFixed(2)]);
  console.log(
    `process start to first run (node, tsx, module loading, test repository and documents set up): ${ms(startupMs)} ms`,
  );
  console.log(
    formatTable(['stage', 'first run ms', `median of ${RUNS} ms`], rows, new Set([1, 2])),
  );
  const pass = startupMs + cold.total < TARGET_MS && median(totals) < TARGET_MS;
  console.log(
    `target < ${TARGET_MS} ms: ${pass ? 'met' : 'NOT met'} (verdict of the run: ${cold.verdict}, report ${cold.chars} characters)`,
  );
  const file = writeResults('gate', {
    model: { file: 'ic_resnet8_int8.tflite', layers: 16, bytes: base.length },
    runs: RUNS,
    targetMs: TARGET_MS,
    targetMet: pass,
    startupMs: ms(startupMs),
    firstRun: {
      totalMs: ms(cold.total),
      stagesMs: Object.fromEntries(names.map((n, i) => [n, ms(cold.stages[i])])),
    },
    warm: {
      medianMs: ms(median(totals)),
      minMs: ms(Math.min(...totals)),
      maxMs: ms(Math.max(...totals)),
      madMs: ms(mad(totals)),
      stagesMedianMs: Object.fromEntries(
        names.map((n, i) => [n, ms(median(warm.map((w) => w.stages[i])))]),
      ),
    },
    excluded:
      'board time (the BenchFn returns precomputed documents) and host evaluation (no dataset)',
  });
  console.log(`written ${path.relative(repoRoot, file)}`);
  if (!pass) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
  if (outDir !== '') rmSync(outDir, { recursive: true, force: true });
}
