// The pieces of the LeNet example's script on small inputs (the example itself is never
// retrained in tests): the data split, the pixel recovery, the training loop's progress
// lines and its determinism, and the README block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTf } from '../../src/host/tfjs.ts';
import { useFastCpuGradients } from '../../examples/lenet-mnist/cpu-kernels.ts';
import {
  PIXELS,
  floatImage,
  loadMnistDigits,
  pick,
  seededRandom,
  shuffledIndices,
  splitDigits,
} from '../../examples/lenet-mnist/data.ts';
import { ExampleError } from '../../examples/lenet-mnist/errors.ts';
import { buildLenet, trainLenet } from '../../examples/lenet-mnist/lenet.ts';
import { renderResults, updateReadme, type Results } from '../../examples/lenet-mnist/report.ts';

const all = loadMnistDigits();

test('the mnist package gives 10,000 digits whose bytes reproduce its stored values', () => {
  assert.equal(all.count, 10000);
  const pkg = createRequire(import.meta.url)('mnist') as Record<number, { raw: number[] }>;
  let at = 0;
  for (let d = 0; d < 10; d++) {
    const raw = pkg[d].raw;
    for (let p = 0; p < raw.length; p++) {
      // The package stores round(byte / 255, 3): the recovered byte must give it back.
      const again = Math.round((all.images[at * PIXELS + p] / 255) * 1000) / 1000;
      if (again !== raw[p]) assert.fail(`class ${d} pixel ${p}: ${raw[p]} -> ${again}`);
    }
    for (let k = 0; k < raw.length / PIXELS; k++) assert.equal(all.labels[at + k], d);
    at += raw.length / PIXELS;
  }
});

test('the split is seeded, disjoint and covers every digit', () => {
  const a = splitDigits(all, 2000, 2021);
  const b = splitDigits(all, 2000, 2021);
  assert.deepEqual(a.test.labels, b.test.labels);
  assert.deepEqual(a.train.images.subarray(0, 5 * PIXELS), b.train.images.subarray(0, 5 * PIXELS));
  assert.equal(a.train.count + a.test.count, all.count);
  const c = splitDigits(all, 2000, 2022);
  assert.notDeepEqual(c.test.labels, a.test.labels);
  // Disjoint: the same order split in two, every index once.
  const order = shuffledIndices(all.count, seededRandom(2021));
  assert.equal(new Set(order).size, all.count);
  assert.deepEqual(pick(all, order.subarray(0, 2000)).labels, a.test.labels);
  // Every class in the test split, roughly in MNIST's proportions.
  const perClass = new Array<number>(10).fill(0);
  for (const l of a.test.labels) perClass[l]++;
  assert.ok(
    perClass.every((n) => n > 150 && n < 260),
    perClass.join(','),
  );
  assert.throws(
    () => splitDigits(all, 0, 1),
    (e: unknown) => e instanceof ExampleError && e.code === 'bad-mnist-data',
  );
});

test('floatImage is pixel * (1/255), as the dataset loader computes it', () => {
  const img = floatImage(all, 3);
  for (let p = 0; p < PIXELS; p++)
    assert.equal(img[p], Math.fround(all.images[3 * PIXELS + p] * (1 / 255)));
});

test('training prints progress lines and is deterministic', async () => {
  const tf = await loadTf();
  useFastCpuGradients(tf);
  const split = splitDigits(all, 2000, 2021);
  const train = pick(
    split.train,
    Array.from({ length: 96 }, (_, i) => i),
  );
  const test64 = pick(
    split.test,
    Array.from({ length: 64 }, (_, i) => i),
  );
  const once = async (): Promise<{ lines: string[]; weights: Float32Array[] }> => {
    const lines: string[] = [];
    const model = buildLenet(tf, 7);
    const report = await trainLenet(tf, model, train, test64, {
      epochs: 2,
      batchSize: 32,
      learningRate: 0.001,
      seed: 11,
      log: (l) => lines.push(l),
      every: 2,
    });
    assert.equal(report.epochs.length, 2);
    const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
    model.dispose();
    return { lines, weights };
  };
  const a = await once();
  const b = await once();
  assert.deepEqual(a.weights, b.weights);
  const progress = a.lines.filter((l) => l.includes(' batch '));
  // 3 batches per epoch, a line every 2 batches and at each epoch's end.
  assert.equal(progress.length, 4);
  for (const l of progress) {
    assert.match(
      l,
      /^epoch [12]\/2 {2}batch [0-9]+\/3 {2}loss [0-9.]+ {2}acc [0-9.]+% {2}elapsed [0-9.ms]+ {2}left ~[0-9.ms]+$/,
    );
  }
  assert.match(a.lines.at(-1) ?? '', /^epoch 2\/2 done in .*test acc [0-9.]+%/);
});

test('the README block is rewritten between its markers only', async () => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const results = JSON.parse(
    readFileSync(path.resolve(here, '..', '..', 'examples', 'lenet-mnist', 'results.json'), 'utf8'),
  ) as Results;
  const block = renderResults(results);
  const row = block.split('\n').find((l) => l.startsWith(`| ${results.label} `));
  assert.ok(row?.includes(results.models.int8.params.toLocaleString('en-US')), row);
  assert.ok(block.includes(`${results.accuracy.testSplit.int8.accuracy.toFixed(2)} %`));
  const dir = mkdtempSync(path.join(tmpdir(), 'lenet-readme-'));
  try {
    const file = path.join(dir, 'README.md');
    writeFileSync(
      file,
      'before\n<!-- results:begin (written by train.ts) -->\nold\n<!-- results:end -->\nafter\n',
    );
    await updateReadme(file, results);
    assert.equal(readFileSync(file, 'utf8'), `before\n${block}\nafter\n`);
    writeFileSync(file, 'no markers\n');
    await assert.rejects(
      updateReadme(file, results),
      (e: unknown) => e instanceof ExampleError && e.code === 'readme-markers',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
