// A board that stops answering mid-job (its process frozen with SIGSTOP): the device
// client times out through its retransmissions, the agent resets the board (a restart)
// and retries the job once. A board that hangs again fails the job with a clear error.
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VirtualBoard } from '../../runner-agent/boards/virtual.ts';
import { AgentError } from '../../runner-agent/jobs/errors.ts';
import { Agent } from '../../runner-agent/jobs/manager.ts';
import { LENET, NO_VIRTUAL, emulated, inventory, virtualBoard } from './agent-fixtures.ts';

const program = virtualBoard();
const skip = program === null ? NO_VIRTUAL : false;

function hangingAgent(hangs: number, logs: string[]): Agent {
  let left = hangs;
  let board: VirtualBoard | undefined;
  const agent = new Agent({
    inventory: inventory(emulated('vb', 'mps2-an386')),
    stateFile: null,
    // Short protocol timeouts keep the test quick; the logic is the same.
    timeoutScale: 0.3,
    createBoard: (spec) =>
      (board = new VirtualBoard(spec, { program: program as string, timeoutScale: 0.3 })),
    log: (l) => logs.push(l),
  });
  const run = agent.runJob.bind(agent);
  agent.runJob = (req, jo) =>
    run(req, {
      ...jo,
      onEvent: (e) => {
        if (e.event === 'invoking' && left > 0) {
          left--;
          board?.freeze();
        }
        jo.onEvent?.(e);
      },
    });
  return agent;
}

const job = { board: 'vb', model: readFileSync(LENET), modelName: 'lenet', repeats: 3, warmup: 1 };

test(
  'a board that hangs once is reset and the job retried: the result arrives',
  { skip, timeout: 120_000 },
  async () => {
    const logs: string[] = [];
    const agent = hangingAgent(1, logs);
    try {
      const t0 = performance.now();
      const doc = await agent.runJob(job, { owner: 'test' });
      assert.equal(doc.totals.ticks.n, 3);
      assert.ok(
        logs.some((l) => /vb: .*no answer.*resetting and retrying once/.test(l)),
        logs.join('\n'),
      );
      assert.equal(agent.status()[0].health.consecutiveFailures, 0);
      assert.equal(agent.status()[0].lease, null);
      console.log(`# hang, reset, retry, result: ${Math.round(performance.now() - t0)} ms`);
    } finally {
      await agent.close();
    }
  },
);

test(
  'a board that hangs again after its reset fails the job with a clear error',
  { skip, timeout: 120_000 },
  async () => {
    const logs: string[] = [];
    const agent = hangingAgent(2, logs);
    try {
      await assert.rejects(
        agent.runJob(job, { owner: 'test' }),
        (e: unknown) =>
          e instanceof AgentError &&
          e.code === 'board-failed' &&
          /board vb: INVOKE .*no answer after 4 attempts/.test(e.message),
      );
      const s = agent.status()[0];
      assert.equal(s.lease, null, 'the lease is released');
      assert.equal(s.health.consecutiveFailures, 1);
      assert.equal(s.health.lastError?.code, 'board-failed');
    } finally {
      await agent.close();
    }
  },
);
