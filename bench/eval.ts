// Benchmark of host evaluation: samples per second of `evaluate` (dataset sample ->
// quantize -> TFLite runtime -> dequantize -> metrics) over 500 generated samples, median
// of 5 runs after a warm-up, for the int8 ResNet-8 (target >= 300 samples/s on one core)
// and, for context, the other MLPerf Tiny models and the runtime alone (raw int8 in, no
// dataset or quantization), which bounds what evaluation can reach.
// Run: npx tsx bench/eval.ts
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeNpy } from '../src/host/dataset/npy.ts';
import { loadDataset } from '../src/host/dataset/index.ts';
import { evaluate } from '../src/host/evaluate.ts';
import { tfliteRunner } from '../src/host/runners.ts';
import { TfliteRuntime } from '../src/host/tflite-runtime.ts';
import { readModel } from '../src/model/reader.ts';
import { formatTable, machine, mad, median, writeResults } from './lib.ts';

const SAMPLES = 500;
const RUNS = 5;
const TARGET_MODEL = 'ic_resnet8_int8';
const TARGET_RATE = 300;
const MODELS = ['ic_resnet8_int8', 'ic_resnet8_float', 'kws_ref_model', 'kws_ref_model_float32'];

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const modelsDir = path.resolve(repoRoot, '..', 'shared', 'models');
if (!existsSync(modelsDir)) {
  console.log(`shared/models not found beside the checkout (${modelsDir}): nothing to benchmark`);
  process.exit(0);
}

/** Deterministic uniform int8 values (a 32-bit LCG). */
function generate(n: number, seed: number): Int8Array {
  const out = new Int8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s >>> 24) - 128;
  }
  return out;
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tinyml-gate-bench-eval-'));
const round = (v: number): number => Math.round(v * 10) / 10;
const results = [];
try {
  for (const name of MODELS) {
    const file = path.join(modelsDir, `${name}.tflite`);
    if (!existsSync(file)) continue;
    const bytes = new Uint8Array(readFileSync(file));
    const g = readModel(bytes, file).subgraphs[0];
    const input = g.tensors[g.inputs[0]];
    const shape = input.shape.slice(1);
    const per = shape.reduce((a, b) => a * b, 1);
    // Samples are stored as int8 and mapped to the int8 model's input range, so the float
    // and int8 models of a pair see the same features.
    const twin = name.startsWith('ic_') ? 'ic_resnet8_int8' : 'kws_ref_model';
    const tg = readModel(new Uint8Array(readFileSync(path.join(modelsDir, `${twin}.tflite`))))
      .subgraphs[0];
    const q = tg.tensors[tg.inputs[0]].quantization;
    const scale = q?.scale[0] ?? 1;
    const zp = q?.zeroPoint[0] ?? 0;
    const data = generate(SAMPLES * per, 20261124);
    const dir = path.join(tmp, name);
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'x.npy'), encodeNpy('int8', [SAMPLES, ...shape], data));
    writeFileSync(
      path.join(dir, 'y.npy'),
      encodeNpy('int64', [SAMPLES], new Array<number>(SAMPLES).fill(0)),
    );
    const manifest = {
      schemaVersion: 1,
      name: `generated-${name}`,
      task: 'classification',
      layout: 'npy',
      inputs: 'x.npy',
      labels: 'y.npy',
      dtype: 'int8',
      shape,
      preprocessing: { scale, offset: -zp * scale },
    };
    writeFileSync(path.join(dir, 'dataset.json'), JSON.stringify(manifest));
    const ds = await loadDataset(path.join(dir, 'dataset.json'));

    const runner = await tfliteRunner(bytes);
    const rates: number[] = [];
    try {
      await evaluate(runner, ds, { limit: 50 }); // warm-up
      for (let r = 0; r < RUNS; r++) rates.push((await evaluate(runner, ds)).samplesPerSecond);
    } finally {
      runner.dispose();
    }

    // The runtime alone, for int8 inputs: setInput of stored samples, invoke, read output.
    let runtimeOnly: number | null = null;
    if (input.type === 'int8') {
      const rt = await TfliteRuntime.load(bytes, { name });
      try {
        const one = (): void => {
          for (let i = 0; i < SAMPLES; i++) {
            rt.setInput(0, data.subarray(i * per, (i + 1) * per));
            rt.invoke();
            rt.output(0);
          }
        };
        one();
        const times: number[] = [];
        for (let r = 0; r < RUNS; r++) {
          const t0 = performance.now();
          one();
          times.push((SAMPLES * 1000) / (performance.now() - t0));
        }
        runtimeOnly = median(times);
      } finally {
        rt.dispose();
      }
    }
    results.push({
      model: name,
      samples: SAMPLES,
      runs: RUNS,
      samplesPerSecond: {
        median: round(median(rates)),
        min: round(Math.min(...rates)),
        max: round(Math.max(...rates)),
        mad: round(mad(rates)),
      },
      runtimeOnlySamplesPerSecond: runtimeOnly === null ? null : round(runtimeOnly),
    });
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const m = machine();
console.log(
  `host evaluation, ${SAMPLES} generated samples, median of ${RUNS} runs after a warm-up (samples/s); ` +
    `node ${process.version}, ${m.cpu}, ${m.cores} cores (one used)\n`,
);
console.log(
  formatTable(
    ['model', 'evaluate', 'min', 'max', 'MAD', 'runtime alone'],
    results.map((r) => [
      r.model,
      r.samplesPerSecond.median.toFixed(1),
      r.samplesPerSecond.min.toFixed(1),
      r.samplesPerSecond.max.toFixed(1),
      r.samplesPerSecond.mad.toFixed(1),
      r.runtimeOnlySamplesPerSecond === null ? '-' : r.runtimeOnlySamplesPerSecond.toFixed(1),
    ]),
    new Set([1, 2, 3, 4, 5]),
  ),
);
const target = results.find((r) => r.model === TARGET_MODEL);
let pass: boolean | null = null;
if (target === undefined) {
  console.log(`\n${TARGET_MODEL}.tflite not in ${modelsDir}: target not checked`);
} else {
  pass = target.samplesPerSecond.median >= TARGET_RATE;
  console.log(
    `\n${pass ? 'PASS' : 'FAIL'}: ${TARGET_MODEL} evaluation median ${target.samplesPerSecond.median.toFixed(1)} samples/s, target >= ${TARGET_RATE}`,
  );
}
const out = writeResults('eval', {
  samples: SAMPLES,
  runs: RUNS,
  target: { model: TARGET_MODEL, minSamplesPerSecond: TARGET_RATE, pass },
  models: results,
});
console.log(`written ${path.relative(process.cwd(), out)}`);
if (pass === false) process.exitCode = 1;
