// A killed agent: `tinyml-agent serve` is killed (SIGKILL) while a job holds a board; a
// new agent on the same state file recovers the stale lease, kills the board process the
// dead agent left behind, and runs the next job on that board at once.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getBoards, postJob } from '../../runner-agent/api/client.ts';
import { processAlive } from '../../runner-agent/jobs/leases.ts';
import { LENET, NO_VIRTUAL, TOKEN, virtualBoard } from './agent-fixtures.ts';
import { startAgent, type RunningAgent } from './agent-process.ts';

const program = virtualBoard();

test(
  'a killed agent restarts with no stuck lease and no orphaned board process',
  { skip: program === null ? NO_VIRTUAL : false, timeout: 60_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-restart-'));
    writeFileSync(join(dir, 'token'), TOKEN + '\n');
    writeFileSync(
      join(dir, 'boards.json'),
      JSON.stringify({
        schemaVersion: 1,
        boards: [
          {
            id: 'vb',
            kind: 'emulated',
            machine: 'mps2-an386',
            core: 'cortex-m4',
            clockHz: 25_000_000,
            labels: [],
          },
        ],
      }),
    );
    const lenet = readFileSync(LENET).toString('base64');
    let second: RunningAgent | undefined;
    const first = await startAgent(dir, ['--virtual-board', program as string]);
    try {
      const addr = { url: first.url, token: TOKEN };
      // A long job (the largest repeat count a request may ask): the agent dies under it.
      const leased = new Promise<void>((resolve, reject) => {
        postJob(addr, { board: 'vb', model: { base64: lenet }, repeats: 1000 }, (e) => {
          if (e.event === 'invoking') resolve();
        }).then(
          () => reject(new Error('the job finished before the agent was killed')),
          () => {},
        );
      });
      await leased;
      const state = JSON.parse(readFileSync(join(dir, 'leases.json'), 'utf8')) as {
        leases: { boardId: string; pid: number }[];
        processes: Record<string, { pid: number }>;
      };
      assert.deepEqual(
        state.leases.map((l) => [l.boardId, l.pid]),
        [['vb', first.child.pid]],
      );
      const boardPid = state.processes.vb.pid;
      assert.ok(processAlive(boardPid));
      first.child.kill('SIGKILL');
      await new Promise((r) => first.child.once('exit', r));

      const t0 = performance.now();
      second = await startAgent(dir, ['--virtual-board', program as string]);
      const a2 = { url: second.url, token: TOKEN };
      const boards = await getBoards(a2);
      assert.equal(boards[0].state, 'idle');
      assert.equal(boards[0].lease, null);
      assert.match(second.log(), /recovered stale lease .* on vb/);
      // The virtual board either ended with its agent's pipes or was killed by the new agent.
      for (let i = 0; i < 50 && processAlive(boardPid); i++)
        await new Promise((r) => setTimeout(r, 20));
      assert.equal(processAlive(boardPid), false, "the dead agent's board process is gone");
      const doc = await postJob(a2, { board: 'vb', model: { base64: lenet }, repeats: 2 });
      assert.equal(doc.totals.ticks.n, 2);
      assert.ok(performance.now() - t0 < 30_000);
      const after = JSON.parse(readFileSync(join(dir, 'leases.json'), 'utf8')) as {
        leases: unknown[];
      };
      assert.deepEqual(after.leases, []);
    } finally {
      first.child.kill('SIGKILL');
      second?.child.kill('SIGTERM');
      if (second) await new Promise((r) => second?.child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
