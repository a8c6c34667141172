import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { chooseBaseline, sha256, type HistoryStore } from '../../src/pipeline/index.ts';
import type { ResultDocument } from '../../src/schema/result-types.ts';
import { FAKE_BOARDS, fakeResult } from './fake-bench.ts';
import { LENET, LENET_WIDE } from './git-fixture.ts';

const lenet = new Uint8Array(readFileSync(LENET));
const wide = new Uint8Array(readFileSync(LENET_WIDE));
const BASE = 'b'.repeat(40);
const OLDER = 'a'.repeat(40);
const req = (model: Uint8Array, sha: string) => ({
  model,
  modelName: 'lenet',
  board: 'qemu-m4',
  repeats: 3,
  warmup: 0,
  commit: { sha },
});
const head = fakeResult(req(wide, 'c'.repeat(40)), FAKE_BOARDS['qemu-m4']);
const stored = fakeResult(req(lenet, BASE), FAKE_BOARDS['qemu-m4']);

/** A store holding `docs` by commit, with `chain` as the ancestry of BASE. */
function store(
  docs: Record<string, ResultDocument>,
  chain: string[] = [OLDER],
): HistoryStore & {
  asked: string[];
} {
  const asked: string[] = [];
  return {
    asked,
    find: async (sha, model, board) => {
      asked.push(`${sha.slice(0, 1)}/${model}/${board}`);
      return docs[sha] ?? null;
    },
    ancestors: async () => chain,
  };
}

const query = { baseSha: BASE, model: 'lenet', baseModelSha256: sha256(lenet), head };

test('remeasure mode never reads the history', async () => {
  const h = store({ [BASE]: stored });
  assert.deepEqual(await chooseBaseline({ ...query, mode: 'remeasure', history: h }), {
    source: 'remeasure',
  });
  assert.deepEqual(h.asked, []);
});

test('auto takes the stored result of the base commit when the fingerprint matches', async () => {
  const h = store({ [BASE]: stored });
  const d = await chooseBaseline({ ...query, mode: 'auto', history: h });
  assert.equal(d.source, 'history');
  assert.equal(d.source === 'history' && d.doc, stored);
  assert.match(d.source === 'history' ? d.note : '', /the base commit bbbbbbbbbbbb/);
  // Looked up by the head's board id, not by a label.
  assert.deepEqual(h.asked, ['b/lenet/qemu-m4']);
});

test('the nearest ancestor with a result serves when the base commit has none', async () => {
  const older = { ...stored, commit: { sha: OLDER } };
  const h = store({ [OLDER]: older }, [BASE, OLDER]);
  const d = await chooseBaseline({ ...query, mode: 'history', history: h });
  assert.equal(d.source, 'history');
  assert.match(d.source === 'history' ? d.note : '', /ancestor aaaaaaaaaaaa of the base commit/);
  assert.deepEqual(h.asked, ['b/lenet/qemu-m4', 'a/lenet/qemu-m4']);
});

test('a stored result of another fingerprint is never compared: re-measure, say why', async () => {
  const other = { ...stored, board: { ...stored.board, firmwareHash: '9'.repeat(64) } };
  for (const mode of ['auto', 'history'] as const) {
    const d = await chooseBaseline({ ...query, mode, history: store({ [BASE]: other }) });
    assert.equal(d.source, 'remeasure', mode);
    assert.match(
      d.source === 'remeasure' ? (d.note ?? '') : '',
      /another fingerprint \(firmwareHash 9{64} vs 1{64}\)/,
    );
  }
  const otherCompiler = { ...stored, board: { ...stored.board, compiler: 'clang 14' } };
  const d = await chooseBaseline({
    ...query,
    mode: 'auto',
    history: store({ [BASE]: otherCompiler }),
  });
  assert.match(
    d.source === 'remeasure' ? (d.note ?? '') : '',
    /compiler clang 14 vs arm-none-eabi-gcc/,
  );
});

test('a stored result of another model version is not a baseline', async () => {
  const h = store({ [BASE]: fakeResult(req(wide, BASE), FAKE_BOARDS['qemu-m4']) });
  const auto = await chooseBaseline({ ...query, mode: 'auto', history: h });
  assert.equal(auto.source, 'remeasure');
  assert.match(
    auto.source === 'remeasure' ? (auto.note ?? '') : '',
    /another version of the model/,
  );
  const strict = await chooseBaseline({ ...query, mode: 'history', history: h });
  assert.equal(strict.source, 'missing');
});

test('nothing stored: auto re-measures, history mode reports the baseline missing', async () => {
  const auto = await chooseBaseline({ ...query, mode: 'auto', history: store({}) });
  assert.equal(auto.source, 'remeasure');
  assert.match(
    auto.source === 'remeasure' ? (auto.note ?? '') : '',
    /no stored result of lenet on qemu-m4/,
  );
  const strict = await chooseBaseline({ ...query, mode: 'history', history: store({}) });
  assert.deepEqual(strict.source, 'missing');
  assert.match(
    strict.source === 'missing' ? strict.error : '',
    /^baseline mode history: no stored/,
  );
  const none = await chooseBaseline({ ...query, mode: 'history' });
  assert.match(none.source === 'missing' ? none.error : '', /no history store/);
  assert.deepEqual(await chooseBaseline({ ...query, mode: 'auto' }), { source: 'remeasure' });
});

test('a failing or lying store is a reason to re-measure, not a crash', async () => {
  const broken: HistoryStore = {
    find: async () => {
      throw new Error('data branch unreadable');
    },
    ancestors: async () => [],
  };
  const d = await chooseBaseline({ ...query, mode: 'auto', history: broken });
  assert.match(
    d.source === 'remeasure' ? (d.note ?? '') : '',
    /history store failed \(data branch unreadable\)/,
  );
  const invalid = { ...stored, timeUnit: 'seconds' } as unknown as ResultDocument;
  const e = await chooseBaseline({ ...query, mode: 'auto', history: store({ [BASE]: invalid }) });
  assert.match(e.source === 'remeasure' ? (e.note ?? '') : '', /history store failed .*timeUnit/);
});
