// Benchmark of host analysis: read + analyse of every shared model, median of 21 runs
// after 3 warm-ups, with the reader and the analysis also timed apart. Target: the
// float ResNet-8 (318 KB, the largest file) under 50 ms. Run: npx tsx bench/analyze.ts
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeModel } from '../src/model/analysis.ts';
import { readModel } from '../src/model/reader.ts';
import { formatTable, machine, time, writeResults, type Timing } from './lib.ts';

const RUNS = 21;
const WARMUPS = 3;
const TARGET_MODEL = 'ic_resnet8_float';
const TARGET_MS = 50;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const modelsDir = path.resolve(repoRoot, '..', 'shared', 'models');

if (!existsSync(modelsDir)) {
  console.log(`shared/models not found beside the checkout (${modelsDir}): nothing to benchmark`);
  process.exit(0);
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;
const summary = (t: Timing) => ({
  medianMs: round(t.medianMs),
  minMs: round(t.minMs),
  maxMs: round(t.maxMs),
  madMs: round(t.madMs),
});

const results = [];
for (const file of readdirSync(modelsDir)
  .filter((f) => f.endsWith('.tflite'))
  .sort()) {
  const name = path.basename(file, '.tflite');
  const bytes = new Uint8Array(readFileSync(path.join(modelsDir, file)));
  const model = readModel(bytes, file);
  const both = time(() => analyzeModel(readModel(bytes, file), bytes, name), RUNS, WARMUPS);
  const read = time(() => readModel(bytes, file), RUNS, WARMUPS);
  const analyse = time(() => analyzeModel(model, bytes, name), RUNS, WARMUPS);
  const a = analyzeModel(model, bytes, name);
  results.push({
    model: name,
    bytes: bytes.length,
    layers: a.totals.layers,
    macs: a.totals.macs,
    arenaBytes: a.arena.bytes,
    readAndAnalyse: summary(both),
    read: summary(read),
    analyse: summary(analyse),
  });
}

const ms = (v: number): string => v.toFixed(3);
console.log(
  `read + analyse, median of ${RUNS} runs after ${WARMUPS} warm-ups (ms); ` +
    `node ${process.version}, ${machine().cpu}, ${machine().cores} cores\n`,
);
console.log(
  formatTable(
    ['model', 'bytes', 'layers', 'read+analyse', 'min', 'max', 'MAD', 'read', 'analyse'],
    results.map((r) => [
      r.model,
      r.bytes.toLocaleString('en-US'),
      String(r.layers),
      ms(r.readAndAnalyse.medianMs),
      ms(r.readAndAnalyse.minMs),
      ms(r.readAndAnalyse.maxMs),
      ms(r.readAndAnalyse.madMs),
      ms(r.read.medianMs),
      ms(r.analyse.medianMs),
    ]),
    new Set([1, 2, 3, 4, 5, 6, 7, 8]),
  ),
);

const target = results.find((r) => r.model === TARGET_MODEL);
let pass: boolean | null = null;
if (target === undefined) {
  console.log(`\n${TARGET_MODEL}.tflite not in ${modelsDir}: target not checked`);
} else {
  pass = target.readAndAnalyse.medianMs < TARGET_MS;
  console.log(
    `\n${pass ? 'PASS' : 'FAIL'}: ${TARGET_MODEL} read + analyse median ` +
      `${ms(target.readAndAnalyse.medianMs)} ms, target < ${TARGET_MS} ms`,
  );
}
const file = writeResults('analyze', {
  runs: RUNS,
  warmups: WARMUPS,
  target: { model: TARGET_MODEL, maxMedianMs: TARGET_MS, pass },
  models: results,
});
console.log(`written ${path.relative(process.cwd(), file)}`);
if (pass === false) process.exitCode = 1;
