// The history branch against a local bare remote: append and read back, the nearest
// ancestor with a result, concurrent writers (none lost), invalid documents refused
// before anything is written, existing data never damaged, the user's checkout untouched.
import { test } from 'node:test';
import { chmodSync, writeFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { HistoryStore } from '../../src/history/store.ts';
import { ancestorsOf, pipelineHistory } from '../../src/history/ancestors.ts';
import { INDEX_PATH, parseIndex, resultPath } from '../../src/history/layout.ts';
import { DASHBOARD_PATH } from '../../src/history/dashboard.ts';
import type { ResultDocument } from '../../src/schema/result-types.ts';
import { cnn, measure } from '../compare/factory.ts';
import { git, makeRemote, type GitRemote } from '../support/git-remote.ts';

const model = cnn();
const wide = cnn({ conv4Channels: 24 });

function doc(
  sha: string,
  opts: { board?: 'qemu-m4' | 'nucleo-l496zg'; name?: string } = {},
): ResultDocument {
  const d = measure(opts.name === 'wide' ? wide : model, { commit: sha, board: opts.board });
  if (opts.name !== undefined) d.model = { ...d.model, name: opts.name };
  return d;
}

async function withRemote(fn: (r: GitRemote) => Promise<void>): Promise<void> {
  const r = makeRemote();
  try {
    await fn(r);
  } finally {
    r.cleanup();
  }
}

const branchFiles = (r: GitRemote, branch = 'tinyml-gate-data'): string[] =>
  git(r.root, ['--git-dir', r.remote, 'ls-tree', '-r', '--name-only', branch]).split('\n');

test('append writes one commit with the documents and the index; read and find return them', async () => {
  await withRemote(async (r) => {
    const sha = r.commit({ 'models/kws.tflite': 'v1' }, 'base model');
    r.push();
    const store = await HistoryStore.open({ remote: r.remote });
    try {
      assert.deepEqual(await store.read(sha), [], 'no branch yet');
      const docs = [doc(sha), doc(sha, { board: 'nucleo-l496zg' })];
      const res = await store.append(docs);
      assert.equal(res.attempts, 1);
      assert.deepEqual(res.paths, [
        `results/${sha}/cnn16/qemu-m4.json`,
        `results/${sha}/cnn16/nucleo-l496zg.json`,
      ]);
      assert.deepEqual(branchFiles(r).sort(), [DASHBOARD_PATH, INDEX_PATH, ...res.paths].sort());
      assert.equal(
        git(r.root, ['--git-dir', r.remote, 'rev-list', '--count', 'tinyml-gate-data']),
        '1',
      );
      // A second store (another job) reads what the first wrote.
      const reader = await HistoryStore.open({ remote: r.remote });
      try {
        const back = await reader.read(sha);
        assert.deepEqual(
          back.map((x) => x.doc),
          [docs[1], docs[0]], // ls-tree order: nucleo-l496zg before qemu-m4
        );
        assert.deepEqual(await reader.find(sha, 'cnn16', 'qemu-m4'), docs[0]);
        assert.equal(await reader.find(sha, 'cnn16', 'stm32f469i-disco'), null);
        assert.equal(await reader.find('d'.repeat(40), 'cnn16', 'qemu-m4'), null);
      } finally {
        await reader.close();
      }
      const index = parseIndex(
        git(r.root, ['--git-dir', r.remote, 'show', `tinyml-gate-data:${INDEX_PATH}`]),
        INDEX_PATH,
      );
      assert.equal(index.results.length, 2);
      assert.deepEqual(
        index.results.map((e) => [e.commit, e.model, e.board, e.ticks]),
        [
          [sha, 'cnn16', 'nucleo-l496zg', docs[1].totals.ticks.median],
          [sha, 'cnn16', 'qemu-m4', docs[0].totals.ticks.median],
        ],
      );
      // The user's checkout: same branch, same commit, nothing staged or changed.
      assert.equal(git(r.work, ['rev-parse', 'HEAD']), sha);
      assert.equal(git(r.work, ['status', '--porcelain']), '');
      assert.equal(git(r.work, ['branch', '--list']), '* main');
    } finally {
      await store.close();
    }
  });
});

test('nearest ancestor with a result, walking git rev-list of the base', async () => {
  await withRemote(async (r) => {
    const c1 = r.commit({ 'models/kws.tflite': 'v1' }, 'c1');
    const c2 = r.commit({ 'README.md': 'docs' }, 'c2');
    const c3 = r.commit({ 'models/kws.tflite': 'v2' }, 'c3');
    const c4 = r.commit({ 'README.md': 'more docs' }, 'c4');
    r.push();
    const store = await HistoryStore.open({ remote: r.remote });
    try {
      await store.append([doc(c1)]);
      await store.append([doc(c3, { name: 'wide' })]);
      const ancestors = await ancestorsOf(r.work, c4);
      assert.deepEqual(ancestors, [c4, c3, c2, c1]);
      const fresh = await HistoryStore.open({ remote: r.remote });
      try {
        const near = await fresh.nearest(ancestors);
        assert.equal(near?.sha, c3);
        assert.deepEqual(
          near?.results.map((x) => x.doc.model.name),
          ['wide'],
        );
        assert.equal((await fresh.nearest(await ancestorsOf(r.work, c2)))?.sha, c1);
        assert.equal(await fresh.nearest([c4, c2]), null);
        assert.deepEqual([...(await fresh.commits())].sort(), [c1, c3].sort());
        // The pipeline's view.
        const h = pipelineHistory(fresh, r.work);
        assert.deepEqual(await h.ancestors(c2), [c2, c1]);
        assert.equal((await h.find(c1, 'cnn16', 'qemu-m4'))?.commit.sha, c1);
      } finally {
        await fresh.close();
      }
      await assert.rejects(ancestorsOf(r.work, 'e'.repeat(40)), { code: 'git-failed' });
      await assert.rejects(ancestorsOf(r.work, 'HEAD'), { code: 'bad-argument' });
    } finally {
      await store.close();
    }
  });
});

test('6 concurrent writers on the same remote: every result lands, one commit each', async () => {
  await withRemote(async (r) => {
    const shas = Array.from({ length: 6 }, (_, i) =>
      r.commit({ 'models/kws.tflite': `v${i}` }, `c${i}`),
    );
    r.push();
    // Each writer is a separate store, as separate jobs on separate hosts would be.
    const stores = await Promise.all(
      shas.map(() => HistoryStore.open({ remote: r.remote, retryDelayMs: 20, maxAttempts: 12 })),
    );
    try {
      const results = await Promise.all(stores.map((s, i) => s.append([doc(shas[i])])));
      assert.equal(
        git(r.root, ['--git-dir', r.remote, 'rev-list', '--count', 'tinyml-gate-data']),
        '6',
      );
      const files = branchFiles(r);
      for (const sha of shas) assert.ok(files.includes(resultPath(sha, 'cnn16', 'qemu-m4')), sha);
      const index = parseIndex(
        git(r.root, ['--git-dir', r.remote, 'show', `tinyml-gate-data:${INDEX_PATH}`]),
        INDEX_PATH,
      );
      assert.deepEqual(index.results.map((e) => e.commit).sort(), [...shas].sort());
      // Linear history: every commit has at most one parent, and each write is one of them.
      const log = git(r.root, [
        '--git-dir',
        r.remote,
        'rev-list',
        '--parents',
        'tinyml-gate-data',
      ]).split('\n');
      assert.ok(log.every((l) => l.split(' ').length <= 2));
      assert.deepEqual(new Set(results.map((x) => x.commit)).size, 6);
      assert.ok(
        results.some((x) => x.attempts > 1),
        'the writers did race',
      );
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});

test('an invalid document is refused before anything is written', async () => {
  await withRemote(async (r) => {
    const sha = r.commit({ 'models/kws.tflite': 'v1' }, 'c1');
    r.push();
    const store = await HistoryStore.open({ remote: r.remote });
    try {
      await store.append([doc(sha)]);
      const before = git(r.root, ['--git-dir', r.remote, 'rev-parse', 'tinyml-gate-data']);
      const bad = doc(sha, { board: 'nucleo-l496zg' });
      (bad.totals.ticks as { median: unknown }).median = 'fast';
      await assert.rejects(
        store.append([doc(sha, { name: 'other' }), bad]),
        (e: Error & { code?: string }) => {
          assert.equal(e.code, 'invalid-result');
          assert.match(e.message, /cnn16 on nucleo-l496zg/);
          assert.match(e.message, /\/totals\/ticks\/median/);
          return true;
        },
      );
      const wrongSha = doc(sha);
      wrongSha.commit = { sha: 'HEAD' };
      await assert.rejects(store.append([wrongSha]), { code: 'invalid-result' });
      await assert.rejects(store.append([]), { code: 'bad-argument' });
      assert.equal(git(r.root, ['--git-dir', r.remote, 'rev-parse', 'tinyml-gate-data']), before);
    } finally {
      await store.close();
    }
  });
});

test('a re-run replaces its own result; other data is kept; a corrupt index is never overwritten', async () => {
  await withRemote(async (r) => {
    const sha = r.commit({ 'models/kws.tflite': 'v1' }, 'c1');
    const other = r.commit({ 'models/kws.tflite': 'v2' }, 'c2');
    r.push();
    const store = await HistoryStore.open({ remote: r.remote });
    try {
      await store.append([doc(sha), doc(other)]);
      const rerun = doc(sha);
      rerun.createdAt = '2026-11-24T06:00:00Z';
      rerun.notes = ['re-run'];
      await store.append([rerun]);
      store.refresh();
      assert.deepEqual((await store.find(sha, 'cnn16', 'qemu-m4'))?.notes, ['re-run']);
      assert.deepEqual((await store.find(other, 'cnn16', 'qemu-m4'))?.notes, []);
      const index = parseIndex(
        git(r.root, ['--git-dir', r.remote, 'show', `tinyml-gate-data:${INDEX_PATH}`]),
        INDEX_PATH,
      );
      assert.equal(index.results.length, 2);
      assert.equal(index.results.find((e) => e.commit === sha)?.createdAt, '2026-11-24T06:00:00Z');

      // Someone hand-edits the branch and breaks the index: the next write refuses.
      git(r.work, ['fetch', '--quiet', 'origin', 'tinyml-gate-data']);
      git(r.work, ['checkout', '--quiet', 'FETCH_HEAD']);
      r.commit({ [INDEX_PATH]: '{"schemaVersion": 1, "results": [' }, 'oops');
      git(r.work, ['push', '--quiet', 'origin', 'HEAD:refs/heads/tinyml-gate-data']);
      const tip = git(r.root, ['--git-dir', r.remote, 'rev-parse', 'tinyml-gate-data']);
      await assert.rejects(store.append([doc(sha, { name: 'x' })]), { code: 'corrupt-data' });
      assert.equal(git(r.root, ['--git-dir', r.remote, 'rev-parse', 'tinyml-gate-data']), tip);

      // A stored document that is not valid is reported, not returned.
      r.commit({ [resultPath(other, 'cnn16', 'qemu-m4')]: '{"schemaVersion": 1}' }, 'damage');
      git(r.work, ['push', '--quiet', 'origin', 'HEAD:refs/heads/tinyml-gate-data']);
      store.refresh();
      await assert.rejects(store.find(other, 'cnn16', 'qemu-m4'), { code: 'corrupt-data' });
    } finally {
      await store.close();
    }
  });
});

test('names that are not file names stay one path segment; bad branch and remote refused', async () => {
  assert.equal(
    resultPath('a'.repeat(40), '../up', 'a/b'),
    `results/${'a'.repeat(40)}/%2E.%2Fup/a%2Fb.json`,
  );
  assert.throws(() => resultPath('abc', 'm', 'b'), { code: 'bad-argument' });
  await withRemote(async (r) => {
    await assert.rejects(HistoryStore.open({ remote: r.remote, branch: 'bad..name' }), {
      code: 'bad-argument',
    });
    const store = await HistoryStore.open({ remote: `${r.root}/no-such-remote.git` });
    try {
      await assert.rejects(store.read('a'.repeat(40)), { code: 'git-failed' });
    } finally {
      await store.close();
    }
    // A custom branch name (history.branch of the configuration).
    const sha = r.commit({ 'models/kws.tflite': 'v1' }, 'c1');
    const custom = await HistoryStore.open({ remote: r.remote, branch: 'bench/results' });
    try {
      const d = doc(sha);
      d.model = { ...d.model, name: '../up' };
      await custom.append([d]);
      assert.ok(branchFiles(r, 'bench/results').includes(resultPath(sha, '../up', 'qemu-m4')));
      assert.equal((await custom.find(sha, '../up', 'qemu-m4'))?.model.name, '../up');
    } finally {
      await custom.close();
    }
  });
});

test('an http(s) remote gets the token as an HTTP header, never in a message', async () => {
  const { createServer } = await import('node:http');
  const seen: (string | undefined)[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers.authorization);
    res.writeHead(403, { 'content-type': 'text/plain' }).end('denied');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const token = 'ghs_SECRETtoken123';
  const store = await HistoryStore.open({ remote: `http://127.0.0.1:${port}/o/r.git`, token });
  try {
    await assert.rejects(store.read('a'.repeat(40)), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'git-failed');
      assert.ok(!e.message.includes(token), e.message);
      return true;
    });
    const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
    assert.ok(seen.includes(`basic ${basic}`), `headers seen: ${seen.join(', ')}`);
  } finally {
    await store.close();
    server.close();
  }
});

function hook(r: GitRemote, name: string, script: string): void {
  const path = `${r.remote}/hooks/${name}`;
  writeFileSync(path, `#!/bin/sh\n${script}\n`);
  chmodSync(path, 0o755);
}

test('a push the remote refuses for another reason fails at once (git-failed), not as a race', async () => {
  await withRemote(async (r) => {
    const sha = r.commit({ 'models/kws.tflite': 'v1' }, 'c1');
    hook(r, 'pre-receive', 'echo "protected branch" >&2; exit 1');
    const store = await HistoryStore.open({ remote: r.remote, retryDelayMs: 1000 });
    try {
      const t0 = Date.now();
      await assert.rejects(store.append([doc(sha)]), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'git-failed');
        assert.match(e.message, /tinyml-gate-data/);
        return true;
      });
      assert.ok(Date.now() - t0 < 1000, 'no back-off for a refusal that is not a race');
    } finally {
      await store.close();
    }
  });
});

test('a writer that loses every race gives push-conflict and records nothing', async () => {
  await withRemote(async (r) => {
    const a = r.commit({ 'models/kws.tflite': 'v1' }, 'a');
    const b = r.commit({ 'models/kws.tflite': 'v2' }, 'b');
    // Both pushes sit in the hook together, so the second ref update always finds it moved.
    hook(r, 'pre-receive', 'sleep 1');
    const stores = await Promise.all(
      [a, b].map(() => HistoryStore.open({ remote: r.remote, maxAttempts: 1 })),
    );
    try {
      const settled = await Promise.allSettled(stores.map((s, i) => s.append([doc([a, b][i])])));
      const failed = settled.filter((x) => x.status === 'rejected');
      assert.equal(failed.length, 1);
      assert.equal((failed[0] as PromiseRejectedResult).reason.code, 'push-conflict');
      assert.equal(
        git(r.root, ['--git-dir', r.remote, 'rev-list', '--count', 'tinyml-gate-data']),
        '1',
      );
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});
