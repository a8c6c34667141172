// Comment mode's input: run manifests and result documents of several jobs, laid out as
// actions/download-artifact leaves them (one folder per artifact). Artifacts are untrusted:
// a manifest that breaks its shape, a path out of its folder, a document of another commit,
// a symbolic link or an invalid document never becomes a result.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { GatherError, gather } from '../../src/action/gather.ts';
import {
  MANIFEST_FILE,
  ManifestError,
  failedManifest,
  readManifest,
  writeManifest,
  type RunManifest,
} from '../../src/action/manifest.ts';
import { compare } from '../../src/compare/index.ts';
import { parseConfigText } from '../../src/schema/load.ts';
import type { ResultDocument } from '../../src/schema/result-types.ts';
import { BASE_SHA, HEAD_SHA, cnn, measure } from '../compare/factory.ts';

const config = parseConfigText(
  `schemaVersion: 1
models:
  - name: cnn16
    path: models/cnn16.tflite
boards: [qemu-m4, nucleo-l496zg]
`,
  'tinyml-gate.yml',
);

const base = measure(cnn(), { commit: BASE_SHA });
const head = measure(cnn({ conv4Channels: 24 }), { commit: HEAD_SHA });

function manifest(entries: RunManifest['entries'], over: Partial<RunManifest> = {}): RunManifest {
  return {
    tinymlGateRun: 1,
    repository: 'tinyml-org/kws-models',
    event: 'pull_request',
    pullRequest: 7,
    head: { sha: HEAD_SHA },
    base: { sha: BASE_SHA },
    models: [],
    boards: [],
    entries,
    skipped: [],
    ...over,
  };
}

/** One artifact folder: the manifest (object or raw text) and documents by file name. */
function job(
  root: string,
  name: string,
  m: RunManifest | string,
  docs: Record<string, ResultDocument | string> = {},
) {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, MANIFEST_FILE), typeof m === 'string' ? m : JSON.stringify(m));
  for (const [file, doc] of Object.entries(docs)) {
    writeFileSync(path.join(dir, file), typeof doc === 'string' ? doc : JSON.stringify(doc));
  }
  return dir;
}

function withDir(fn: (root: string) => void | Promise<void>) {
  return async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'tinyml-gate-gather-'));
    try {
      await fn(root);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
}

const compared = {
  model: 'cnn16',
  board: 'qemu-m4',
  status: 'compared' as const,
  baselineSource: 'remeasured' as const,
  head: 'cnn16.qemu-m4.head.json',
  base: 'cnn16.qemu-m4.base.json',
};
const docs = { 'cnn16.qemu-m4.head.json': head, 'cnn16.qemu-m4.base.json': base };

test(
  'three boards: one measured, one failed, one job left nothing -> inconclusive naming both',
  withDir((root) => {
    job(root, 'tinyml-gate-results-qemu-m4', manifest([compared], { boards: ['qemu-m4'] }), docs);
    const failed = failedManifest(
      {
        repository: 'tinyml-org/kws-models',
        event: 'pull_request',
        pullRequest: 7,
        headSha: HEAD_SHA,
        baseSha: BASE_SHA,
        models: ['cnn16'],
        boards: ['nucleo-l496zg'],
      },
      'head: board nucleo-l496zg: serial timeout after 5 s',
    );
    job(root, 'tinyml-gate-results-nucleo-l496zg', failed);
    const g = gather({
      resultsDir: root,
      config,
      headSha: HEAD_SHA,
      boards: ['qemu-m4', 'nucleo-l496zg', 'qemu-m7'],
    });
    assert.equal(g.manifests, 2);
    assert.deepEqual(
      g.pairs.map((p) => [p.board, p.head !== undefined, p.base !== undefined, p.error ?? '']),
      [
        ['qemu-m4', true, true, ''],
        ['nucleo-l496zg', false, false, 'head: board nucleo-l496zg: serial timeout after 5 s'],
        [
          'qemu-m7',
          false,
          false,
          `no result from the job of board qemu-m7: it failed or was cancelled before writing ${MANIFEST_FILE}`,
        ],
      ],
    );
    assert.equal(g.paths.length, 2);
    const c = compare({ config, pairs: g.pairs });
    assert.notEqual(c.verdict, 'pass');
    const failedBoards = c.reasons.filter((r) => r.kind === 'measurement').map((r) => r.board);
    assert.deepEqual(failedBoards, ['nucleo-l496zg', 'qemu-m7']);
  }),
);

test(
  'untrusted artifacts: bad manifests and documents are set aside with a note',
  withDir((root) => {
    job(root, 'a', manifest([{ ...compared, head: '../../etc/passwd.json' }]), docs);
    job(root, 'b', manifest([compared], { head: { sha: 'd'.repeat(40) } }), docs);
    job(root, 'c', '{"tinymlGateRun": 1, "extra": true}');
    job(root, 'd', 'not json');
    const g = gather({ resultsDir: root, config, headSha: HEAD_SHA, boards: ['qemu-m4'] });
    assert.equal(g.manifests, 0);
    assert.equal(g.notes.length, 4);
    assert.match(g.notes[0], /^ignored a\/tinyml-gate-run\.json: .*\/entries\/0\/head/);
    assert.match(g.notes[1], /^ignored b\/tinyml-gate-run\.json: measured commit dddddddddddd/);
    assert.equal(g.pairs.length, 1);
    assert.match(g.pairs[0].error ?? '', /^no result from the job of board qemu-m4/);
  }),
);

test(
  'a document of another commit, a symbolic link and an invalid document are errors',
  withDir((root) => {
    const stale = measure(cnn(), { commit: 'e'.repeat(40) });
    job(root, 'x', manifest([compared]), { ...docs, 'cnn16.qemu-m4.head.json': stale });
    let g = gather({ resultsDir: root, config, headSha: HEAD_SHA, boards: ['qemu-m4'] });
    assert.match(g.pairs[0].error ?? '', /^unusable result document: .* is of commit eeeeeeeeeeee/);

    rmSync(path.join(root, 'x'), { recursive: true });
    const dir = job(root, 'y', manifest([compared]), { 'cnn16.qemu-m4.base.json': base });
    writeFileSync(path.join(root, 'outside.json'), JSON.stringify(head));
    symlinkSync(path.join(root, 'outside.json'), path.join(dir, 'cnn16.qemu-m4.head.json'));
    g = gather({ resultsDir: root, config, headSha: HEAD_SHA, boards: ['qemu-m4'] });
    assert.match(g.pairs[0].error ?? '', /is not a regular file/);

    rmSync(path.join(root, 'y'), { recursive: true });
    const broken = { ...head, layers: 'many' };
    job(root, 'z', manifest([compared]), {
      ...docs,
      'cnn16.qemu-m4.head.json': JSON.stringify(broken),
    });
    g = gather({ resultsDir: root, config, headSha: HEAD_SHA, boards: ['qemu-m4'] });
    assert.match(g.pairs[0].error ?? '', /^unusable result document: .*layers/);
  }),
);

test(
  'a re-run job: its result replaces the error of the first attempt; a second result is ignored',
  withDir((root) => {
    const error = {
      model: 'cnn16',
      board: 'qemu-m4',
      status: 'error' as const,
      baselineSource: 'none' as const,
      error: 'flash failed',
    };
    job(root, 'attempt-1', manifest([error]));
    job(root, 'attempt-2', manifest([compared]), docs);
    job(root, 'attempt-3', manifest([compared]), docs);
    const g = gather({ resultsDir: root, config, headSha: HEAD_SHA, boards: ['qemu-m4'] });
    assert.equal(g.pairs.length, 1);
    assert.equal(g.pairs[0].error, undefined);
    assert.ok(g.pairs[0].head !== undefined);
    assert.match(g.notes.join('\n'), /replaces an error of attempt-1/);
    assert.match(
      g.notes.join('\n'),
      /a second result in attempt-3\/tinyml-gate-run\.json was ignored/,
    );
  }),
);

test(
  'models not measured by any job are reported as skipped, not as failures',
  withDir((root) => {
    const reason = 'unchanged since the base commit bbbbbbbbbbbb';
    job(root, 'j', manifest([], { skipped: [{ model: 'cnn16', reason }] }));
    const g = gather({ resultsDir: root, config, headSha: HEAD_SHA });
    assert.deepEqual(g.pairs, []);
    assert.deepEqual(g.skipped, [{ model: 'cnn16', reason }]);
  }),
);

test('no results folder: no-results-dir', () => {
  assert.throws(
    () => gather({ resultsDir: '/nonexistent/tinyml', config, headSha: HEAD_SHA }),
    (e: unknown) => e instanceof GatherError && e.code === 'no-results-dir',
  );
});

test(
  'manifests round-trip; a bad one is bad-manifest naming the file and field',
  withDir(async (root) => {
    const m = manifest([compared], { models: ['cnn16'], boards: ['qemu-m4'] });
    const file = await writeManifest(path.join(root, 'out'), m);
    assert.deepEqual(readManifest(file), m);
    writeFileSync(file, JSON.stringify({ ...m, pullRequest: 'seven' }));
    assert.throws(
      () => readManifest(file),
      (e: unknown) =>
        e instanceof ManifestError &&
        e.code === 'bad-manifest' &&
        e.message.startsWith(`${file}: /pullRequest`),
    );
  }),
);

test(
  'an unwritable results folder is write-failed',
  withDir(async (root) => {
    // A file where the folder should be: mkdir fails with ENOTDIR.
    writeFileSync(path.join(root, 'file'), '');
    await assert.rejects(
      writeManifest(path.join(root, 'file', 'out'), manifest([])),
      (e: unknown) => e instanceof ManifestError && e.code === 'write-failed',
    );
  }),
);
