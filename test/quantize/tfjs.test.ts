// TF.js Layers models to disk and back without tfjs-node: identical predictions, and
// clear errors for the broken folders people actually have.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TfjsModelError, loadLayersModel, loadTf, saveLayersModel } from '../../src/host/tfjs.ts';
import { predict, samples } from './helpers.ts';
import { residualModel, sequentialClassifier } from './models.ts';

const tf = await loadTf();

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tg-tfjs-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('loadTf is cached and ready', async () => {
  assert.equal(await loadTf(), tf);
  assert.ok(['cpu', 'tensorflow'].includes(tf.getBackend()), tf.getBackend());
});

for (const [name, make, shape] of [
  ['sequential', () => sequentialClassifier(tf), [16, 16, 3]],
  ['functional', () => residualModel(tf), [12, 12, 4]],
] as const) {
  test(`${name} model: save then load gives identical predictions`, async () => {
    await withDir(async (dir) => {
      const model = make();
      await saveLayersModel(model, dir);
      const doc: unknown = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'));
      assert.ok(typeof doc === 'object' && doc !== null && 'weightsManifest' in doc);
      assert.deepEqual(
        (doc.weightsManifest as { paths: string[] }[]).map((g) => g.paths),
        [['weights.bin']],
      );
      const back = await loadLayersModel(path.join(dir, 'model.json'));
      const xs = samples([...shape], 5, 3);
      assert.deepEqual(predict(tf, back, xs), predict(tf, model, xs));
      assert.equal(back.layers.length, model.layers.length);
    });
  });
}

async function refuses(file: string, code: TfjsModelError['code'], mention: string) {
  await assert.rejects(loadLayersModel(file), (e: unknown) => {
    assert.ok(e instanceof TfjsModelError, String(e));
    assert.equal(e.code, code, e.message);
    assert.ok(e.message.includes(mention), `"${e.message}" mentions ${mention}`);
    return true;
  });
}

test('load errors name the file: missing, not JSON, not a Layers model, short shard, missing shard', async () => {
  await withDir(async (dir) => {
    await refuses(path.join(dir, 'none.json'), 'no-such-file', 'none.json');
    const bad = path.join(dir, 'bad.json');
    await writeFile(bad, '{ not json');
    await refuses(bad, 'bad-model-json', 'bad.json');
    await writeFile(bad, JSON.stringify({ format: 'graph-model', weightsManifest: [] }));
    await refuses(bad, 'bad-model-json', 'modelTopology');
    for (const shard of ['../outside.bin', '/etc/hostname']) {
      await writeFile(
        bad,
        JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: [shard], weights: [] }] }),
      );
      await refuses(bad, 'bad-model-json', `"${shard}" is outside the model's folder`);
    }

    const model = sequentialClassifier(tf);
    await saveLayersModel(model, dir);
    const json = path.join(dir, 'model.json');
    const weights = await readFile(path.join(dir, 'weights.bin'));
    await writeFile(path.join(dir, 'weights.bin'), weights.subarray(0, weights.length - 4));
    await refuses(json, 'weights-size', `the shards hold ${weights.length - 4}`);
    await rm(path.join(dir, 'weights.bin'));
    await refuses(json, 'no-such-file', 'weights.bin');
  });
});

test('a topology TF.js cannot build is a load-failed error', async () => {
  await withDir(async (dir) => {
    await saveLayersModel(sequentialClassifier(tf), dir);
    const json = path.join(dir, 'model.json');
    const text = await readFile(json, 'utf8');
    await writeFile(json, text.replace('"Conv2D"', '"NoSuchLayer"'));
    await refuses(json, 'load-failed', 'NoSuchLayer');
  });
});
