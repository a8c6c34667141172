// Board faults through the agent, on the host virtual board (the same protocol code as the
// firmware; seconds instead of QEMU boots): a board that stops answering (its process
// SIGSTOPped after every boot) is timed out, reset, retried once, then fails naming the
// board and the command; the lease is free; a second such job quarantines it. A board that
// hangs once is reset and the retried job gives exactly the clean run's result.
// The same hang on QEMU mps2-an386: test/agent/faults-qemu.test.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { BoardSpec } from '../../src/schema/boards-types.ts';
import { VirtualBoard } from '../../runner-agent/boards/virtual.ts';
import { AgentError } from '../../runner-agent/jobs/errors.ts';
import { Agent, type JobRequest } from '../../runner-agent/jobs/manager.ts';
import {
  LENET,
  NO_VIRTUAL,
  emulated,
  inventory,
  measuredFigures,
  virtualBoard,
} from './agent-fixtures.ts';

const program = virtualBoard();
const skip = program === null ? NO_VIRTUAL : false;
// Protocol timeouts x0.25: 250 ms per attempt, 4 attempts, so a hang costs about 1 s.
const SCALE = 0.25;

/** A virtual board frozen (SIGSTOP) right after each of its first `hangs` boots. */
function hangingBoard(spec: BoardSpec, hangs: number, boots: { n: number }): VirtualBoard {
  const b = new VirtualBoard(spec, { program: program as string, timeoutScale: SCALE });
  const wrap = (f: typeof b.start) => async (o?: Parameters<typeof b.start>[0]) => {
    const facts = await f(o);
    boots.n++;
    if (boots.n <= hangs) b.freeze();
    return facts;
  };
  b.start = wrap(b.start.bind(b));
  b.reset = wrap(b.reset.bind(b));
  return b;
}

const lenet = new Uint8Array(readFileSync(LENET));
const job: JobRequest = {
  board: 'vb',
  model: lenet,
  modelName: 'lenet_int8.tflite',
  repeats: 3,
  warmup: 1,
};

test(
  'a board that stops answering: timeout, reset, one retry, a clear error; lease freed; two such jobs quarantine it',
  { skip, timeout: 60_000 },
  async () => {
    const boots = { n: 0 };
    const logs: string[] = [];
    const agent = new Agent({
      inventory: inventory(emulated('vb', 'mps2-an386')),
      stateFile: null,
      createBoard: (spec) => hangingBoard(spec, Infinity, boots),
      log: (l) => logs.push(l),
    });
    try {
      for (let i = 1; i <= 2; i++) {
        const t0 = performance.now();
        await assert.rejects(
          agent.runJob(job, { owner: 'faults' }),
          (e: unknown) =>
            e instanceof AgentError &&
            e.code === 'board-failed' &&
            // The board and the command that went unanswered, with the retransmissions.
            /^board vb: UPLOAD_BEGIN \(seq \d+\): no answer after 4 attempts/.test(e.message),
        );
        const ms = performance.now() - t0;
        assert.ok(ms < 15_000, `job ${i} failed after ${Math.round(ms)} ms, not hung`);
        assert.equal(boots.n, 2 * i, 'a boot, then one reset for the single retry');
        const s = agent.status()[0];
        assert.equal(s.lease, null, 'the lease is released');
        assert.equal(s.health.consecutiveFailures, i);
        assert.equal(s.health.lastError?.code, 'board-failed');
      }
      assert.equal(logs.filter((l) => /vb: .*resetting and retrying once/.test(l)).length, 2);
      assert.ok(logs.some((l) => /vb: reset after a failure/.test(l)));
      assert.ok(logs.some((l) => /vb: quarantined after repeated failures/.test(l)));
      assert.equal(agent.status()[0].state, 'quarantined');
      assert.equal(agent.status()[0].board, 'stopped', 'a quarantined board is stopped');
      await assert.rejects(
        agent.runJob(job, { owner: 'faults' }),
        (e: unknown) => e instanceof AgentError && e.code === 'quarantined',
      );
      assert.equal(boots.n, 4, 'a quarantined board is not booted again');
    } finally {
      await agent.close();
    }
  },
);

test(
  'a board that hangs once: reset and retry give exactly the clean result; health stays clean',
  { skip, timeout: 60_000 },
  async () => {
    const run = async (hangs: number) => {
      const boots = { n: 0 };
      const logs: string[] = [];
      const agent = new Agent({
        inventory: inventory(emulated('vb', 'mps2-an386')),
        stateFile: null,
        createBoard: (spec) => hangingBoard(spec, hangs, boots),
        log: (l) => logs.push(l),
      });
      try {
        const doc = await agent.runJob(job, { owner: 'faults' });
        const s = agent.status()[0];
        return { doc, boots: boots.n, logs, health: s.health, lease: s.lease };
      } finally {
        await agent.close();
      }
    };
    const clean = await run(0);
    const hung = await run(1);
    assert.equal(clean.boots, 1);
    assert.equal(hung.boots, 2, 'one reset');
    assert.ok(hung.logs.some((l) => /vb: .*UPLOAD_BEGIN.*resetting and retrying once/.test(l)));
    assert.deepEqual(measuredFigures(hung.doc), measuredFigures(clean.doc));
    assert.equal(hung.health.consecutiveFailures, 0, 'a success resets the count');
    assert.equal(hung.lease, null);
  },
);
