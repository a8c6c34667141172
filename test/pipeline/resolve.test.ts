import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { PipelineError, resolveModels, sha256 } from '../../src/pipeline/index.ts';
import type { ModelEntry } from '../../src/schema/config-types.ts';
import { LENET, LENET_WIDE, Repo } from './git-fixture.ts';

const lenet = new Uint8Array(readFileSync(LENET));
const wide = new Uint8Array(readFileSync(LENET_WIDE));
const models: ModelEntry[] = [
  { name: 'kept', path: 'models/kept.tflite' },
  { name: 'widened', path: 'models/widened.tflite', floatReference: 'models/widened_f.tflite' },
  { name: 'added', path: 'models/added.tflite' },
  { name: 'gone', path: 'models/gone.tflite' },
];
const code = (c: string) => (e: unknown) => e instanceof PipelineError && e.code === c;

let repo: Repo;
let baseSha: string;
let headSha: string;
let mainTip: string;
before(() => {
  repo = new Repo();
  repo.write('models/kept.tflite', lenet);
  repo.write('models/widened.tflite', lenet);
  repo.write('models/gone.tflite', lenet);
  baseSha = repo.commit('base models');
  repo.git('checkout', '-q', '-b', 'pr');
  repo.write('models/widened.tflite', wide);
  repo.write('models/added.tflite', wide);
  repo.git('rm', '-q', 'models/gone.tflite');
  headSha = repo.commit('widen conv2, add a model, remove one');
  // main moves on after the fork: a change there is not the pull request's.
  repo.git('checkout', '-q', 'main');
  repo.write('models/kept.tflite', wide);
  mainTip = repo.commit('main changes kept');
  repo.git('checkout', '-q', 'pr');
});
after(() => repo.remove());

test('changed, unchanged, new and missing models against the merge base', async () => {
  const r = await resolveModels(repo.dir, models, { baseRef: 'main', headRef: 'pr' });
  assert.equal(r.head.sha, headSha);
  assert.equal(r.head.ref, 'pr');
  assert.equal(r.head.workingTree, false);
  // The merge base, not main's tip (which changed kept.tflite after the fork).
  assert.notEqual(r.base?.sha, mainTip);
  assert.deepEqual(r.base, { sha: baseSha, ref: 'main' });
  const by = Object.fromEntries(r.models.map((m) => [m.entry.name, m]));
  assert.equal(by.kept.change, 'unchanged');
  assert.equal(by.widened.change, 'changed');
  assert.equal(by.widened.head?.sha256, sha256(wide));
  assert.equal(by.widened.base?.sha256, sha256(lenet));
  assert.deepEqual(by.widened.head?.bytes, wide);
  assert.equal(by.added.change, 'new');
  assert.equal(by.added.base, null);
  assert.equal(by.gone.change, 'missing');
  assert.match(by.gone.error ?? '', /models\/gone\.tflite does not exist at head/);
  // A float reference that is configured but absent is a note, not an error.
  assert.equal(by.widened.floatHead, null);
  assert.match(by.widened.notes.join('\n'), /float reference models\/widened_f\.tflite not found/);
});

test('the work tree is the default head, and an uncommitted change is noted', async () => {
  repo.write('models/kept.tflite', wide);
  try {
    const r = await resolveModels(repo.dir, models.slice(0, 2), { baseRef: 'main' });
    assert.equal(r.head.workingTree, true);
    assert.equal(r.head.sha, headSha);
    const [kept, widened] = r.models;
    assert.equal(kept.change, 'changed');
    assert.equal(kept.head?.sha256, sha256(wide));
    assert.match(kept.notes.join('\n'), /work tree, which differs from commit/);
    assert.equal(widened.change, 'changed');
    assert.deepEqual(
      widened.notes.filter((n) => /work tree/.test(n)),
      [],
    );
  } finally {
    repo.git('checkout', '-q', '--', 'models/kept.tflite');
  }
});

test('without a base every model is measured without a baseline', async () => {
  const r = await resolveModels(repo.dir, models.slice(0, 3), { headRef: headSha });
  assert.equal(r.base, null);
  assert.deepEqual(
    r.models.map((m) => m.change),
    ['no-base', 'no-base', 'no-base'],
  );
});

test('a subdirectory of the repository resolves paths relative to itself', async () => {
  const sub = path.join(repo.dir, 'models');
  const r = await resolveModels(sub, [{ name: 'w', path: 'widened.tflite' }], {
    baseRef: 'main',
    headRef: 'pr',
  });
  assert.equal(r.models[0].change, 'changed');
});

test('refs git does not know, unrelated histories, paths out of the repository, no repository', async () => {
  await assert.rejects(
    resolveModels(repo.dir, models, { baseRef: 'no-such-branch' }),
    (e: unknown) => code('bad-ref')(e) && /"no-such-branch"/.test((e as Error).message),
  );
  await assert.rejects(resolveModels(repo.dir, models, { headRef: '--output=x' }), code('bad-ref'));
  repo.git('checkout', '-q', '--orphan', 'lonely');
  repo.commit('unrelated');
  repo.git('checkout', '-q', 'pr');
  await assert.rejects(
    resolveModels(repo.dir, models, { baseRef: 'lonely', headRef: 'pr' }),
    (e: unknown) => code('bad-ref')(e) && /share no history/.test((e as Error).message),
  );
  await assert.rejects(
    resolveModels(repo.dir, [{ name: 'x', path: '../outside.tflite' }]),
    code('bad-path'),
  );
  symlinkSync('/etc/hostname', path.join(repo.dir, 'models/link.tflite'));
  try {
    await assert.rejects(
      resolveModels(repo.dir, [{ name: 'x', path: 'models/link.tflite' }]),
      (e: unknown) =>
        code('bad-path')(e) && /links outside the repository/.test((e as Error).message),
    );
  } finally {
    rmSync(path.join(repo.dir, 'models/link.tflite'));
  }
  const bare = mkdtempSync(path.join(tmpdir(), 'tg-norepo-'));
  try {
    await assert.rejects(resolveModels(bare, models), code('not-a-repo'));
  } finally {
    rmSync(bare, { recursive: true, force: true });
  }
});
