// End to end on emulated boards: every shared int8 model and the LeNet example
// benchmarked through the agent's HTTP API on QEMU mps2-an386 (Cortex-M4F) and
// mps2-an385 (Cortex-M3). Each board's QEMU boots once and serves every job. Checks:
// per-layer results for every operator, schema-valid documents, identical emulated
// ticks on a second run, and LeNet's on-device accuracy against the host int8 runtime.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { postJob } from '../../runner-agent/api/client.ts';
import { startApi, type RunningApi } from '../../runner-agent/api/server.ts';
import { boardFactory } from '../../runner-agent/boards/factory.ts';
import { Agent } from '../../runner-agent/jobs/manager.ts';
import type { ResultDocument } from '../../src/schema/result-types.ts';
import { isValid } from '../../src/schema/validate.ts';
import {
  LENET,
  LENET_DATASET,
  SHARED_ABSENT,
  TOKEN,
  emulated,
  hasQemu,
  inventory,
  sharedInt8Models,
} from './agent-fixtures.ts';

const skip = hasQemu() ? false : 'qemu-system-arm or arm-none-eabi-gcc not installed';
const BOARDS = ['qemu-m4', 'qemu-m3'] as const;
const timings: string[] = [];

let agent: Agent;
let api: RunningApi;

before(async () => {
  if (skip) return;
  agent = new Agent({
    inventory: inventory(emulated('qemu-m4', 'mps2-an386'), emulated('qemu-m3', 'mps2-an385')),
    stateFile: null,
    createBoard: boardFactory({}),
  });
  api = await startApi({ agent, token: TOKEN });
});

after(async () => {
  await api?.close();
  await agent?.close();
  if (timings.length > 0) console.log(`# QEMU job timings (ms)\n# ${timings.join('\n# ')}`);
});

async function bench(
  board: string,
  model: string,
  extra: { dataset?: string } = {},
): Promise<ResultDocument> {
  const t0 = performance.now();
  const doc = await postJob(
    { url: api.address, token: TOKEN },
    {
      board,
      model: { base64: readFileSync(model).toString('base64'), name: basename(model) },
      repeats: 3,
      ...extra,
    },
  );
  timings.push(
    `${board} ${basename(model)}${extra.dataset ? ' +dataset' : ''}: ${Math.round(performance.now() - t0)}`,
  );
  return doc;
}

function checkDocument(doc: ResultDocument, board: string, machine: string): void {
  assert.ok(isValid('result', doc), `${doc.model.name} on ${board}: schema-valid`);
  assert.equal(doc.board.boardId, board);
  assert.equal(doc.board.machine, machine);
  assert.equal(doc.timeUnit, 'instructions');
  assert.equal(doc.layers.length, doc.model.layers.length, 'one result per layer');
  for (const l of doc.layers) {
    assert.equal(l.op, doc.model.layers[l.index].op);
    assert.equal(l.ticks.n, 3);
    assert.ok(
      l.ticks.min > 0 && l.ticks.min <= l.ticks.median && l.ticks.median <= l.ticks.max,
      `${l.op} ticks`,
    );
    assert.equal(l.ticks.min % 40, 0, 'whole timer ticks of 40 instructions');
    assert.equal(l.microseconds?.modelled, true);
    assert.ok(['ref', 'opt', 'opt-fallback'].includes(l.kernelPath));
  }
  const sum = doc.layers.reduce((s, l) => s + l.ticks.median, 0);
  assert.ok(doc.totals.ticks.median >= sum * 0.99, 'the whole inference covers its layers');
  assert.ok(doc.footprint.arenaBytes > 0 && doc.footprint.engineBytes > 0);
  assert.equal(doc.footprint.modelBytes, doc.model.bytes);
}

const models = [...sharedInt8Models(), LENET];

for (const board of BOARDS) {
  const machine = board === 'qemu-m4' ? 'mps2-an386' : 'mps2-an385';
  test(
    `${board} (${machine}): every shared int8 model and LeNet through the API, twice, identical ticks`,
    { skip, timeout: 600_000 },
    async (t) => {
      if (SHARED_ABSENT) t.diagnostic('shared/ not found beside the checkout: LeNet only');
      for (const model of models) {
        const first = await bench(board, model);
        checkDocument(first, board, machine);
        const second = await bench(board, model);
        assert.deepEqual(
          second.layers.map((l) => [l.op, l.ticks]),
          first.layers.map((l) => [l.op, l.ticks]),
          `${basename(model)} on ${board}: a second run gives identical emulated ticks`,
        );
        assert.deepEqual(second.totals.ticks, first.totals.ticks);
      }
    },
  );
}

test(
  'LeNet test set on qemu-m4: device accuracy equals host int8, or every disagreeing sample is listed',
  { skip, timeout: 600_000 },
  async () => {
    const doc = await bench('qemu-m4', LENET, { dataset: LENET_DATASET });
    const acc = doc.accuracy;
    assert.ok(acc && acc.device !== undefined && acc.hostInt8 !== undefined && acc.agreement);
    assert.equal(acc.samples, 500);
    const listed = doc.notes.filter((n) => /^sample \d+ /.test(n));
    if (acc.device === acc.hostInt8 && acc.agreement.maxAbsDiff === 0) {
      assert.equal(listed.length, 0);
    } else {
      assert.ok(listed.length > 0, 'disagreements are listed');
      for (const n of listed)
        assert.match(n, /host argmax \d+ \[[-\d,]+\], device argmax \d+ \[[-\d,]+\]/);
    }
    console.log(
      `# LeNet on qemu-m4: device ${acc.device}%, host int8 ${acc.hostInt8}%, argmax agreement ${acc.agreement.argmax}%, max diff ${acc.agreement.maxAbsDiff}, ${listed.length} samples listed`,
    );
  },
);
