// Board health: a board whose firmware never comes up fails its job after one reset and
// retry; the second such job quarantines it, `boards` reports it, further jobs are
// refused at once without touching it, and clearing it puts it back in the queue.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VirtualBoard } from '../../runner-agent/boards/virtual.ts';
import { AgentError } from '../../runner-agent/jobs/errors.ts';
import { Agent } from '../../runner-agent/jobs/manager.ts';
import { emulated, inventory } from './agent-fixtures.ts';

test('two failed jobs in a row quarantine a board; it is reported and refused until cleared', async () => {
  let launches = 0;
  const logs: string[] = [];
  const agent = new Agent({
    inventory: inventory(emulated('dead', 'mps2-an386', ['emulated'])),
    stateFile: null,
    // A "board" whose process exits at once: every start fails on a closed link.
    createBoard: (spec) => {
      const b = new VirtualBoard(spec, {
        program: process.execPath,
        args: ['-e', 'process.exit(1)'],
      });
      const open = b.start.bind(b);
      b.start = (o) => {
        launches++;
        return open(o);
      };
      const reset = b.reset.bind(b);
      b.reset = (o) => {
        launches++;
        return reset(o);
      };
      return b;
    },
    log: (l) => logs.push(l),
  });
  const job = {
    board: 'emulated',
    model: new Uint8Array(16),
    modelName: 'm.tflite',
    repeats: 1,
    warmup: 0,
  };
  try {
    for (let i = 1; i <= 2; i++) {
      await assert.rejects(
        agent.runJob(job, { owner: 'test' }),
        (e: unknown) =>
          e instanceof AgentError && e.code === 'board-failed' && /board dead/.test(e.message),
      );
      assert.equal(launches, 2 * i, 'start, then one reset and retry');
      assert.equal(agent.status()[0].health.consecutiveFailures, i);
    }
    const s = agent.status()[0];
    assert.equal(s.state, 'quarantined');
    assert.equal(s.health.quarantined, true);
    assert.equal(s.health.lastError?.code, 'board-failed');
    assert.ok(logs.some((l) => /dead: quarantined/.test(l)));
    await assert.rejects(
      agent.runJob(job, { owner: 'test' }),
      (e: unknown) => e instanceof AgentError && e.code === 'quarantined',
    );
    assert.equal(launches, 4, 'a quarantined board is not touched');
    agent.unquarantine('dead');
    assert.equal(agent.status()[0].state, 'idle');
  } finally {
    await agent.close();
  }
});
