// Leases, the fair queue and board health, without any board: the state file, recovery
// of leases whose agent died or expired, FIFO hand-over, cancellation while queued, and
// quarantine after two failures in a row.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AgentError, withTimeout } from '../../runner-agent/jobs/errors.ts';
import { LeaseStore, QUARANTINE_AFTER, processAlive } from '../../runner-agent/jobs/leases.ts';
import { Scheduler } from '../../runner-agent/jobs/scheduler.ts';
import { tickScale, tickStats, toUnits } from '../../runner-agent/jobs/stats.ts';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'tg-leases-'));
}

/** The pid of a process that has exited (a stale owner). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(r.stdout);
}

test('a lease is persisted, released, and the file is rewritten whole', () => {
  const dir = tmp();
  try {
    const file = join(dir, 'state', 'leases.json');
    const s = new LeaseStore(file);
    const l = s.create('b1', 'job-1', 'tester', 60_000);
    const onDisk = JSON.parse(readFileSync(file, 'utf8')) as {
      leases: { id: string; pid: number }[];
    };
    assert.deepEqual(
      onDisk.leases.map((x) => [x.id, x.pid]),
      [[l.id, process.pid]],
    );
    assert.equal(s.holder('b1')?.id, l.id);
    assert.equal(s.release(l.id), true);
    assert.equal(s.release(l.id), false, 'a second release is harmless');
    assert.equal(
      (JSON.parse(readFileSync(file, 'utf8')) as { leases: unknown[] }).leases.length,
      0,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a restarted agent drops leases of a dead agent and expired ones, keeps live ones', () => {
  const dir = tmp();
  try {
    const file = join(dir, 'leases.json');
    const now = Date.now();
    const lease = (id: string, boardId: string, pid: number, expires: number) => ({
      id,
      boardId,
      jobId: `job-${id}`,
      owner: 'old agent',
      pid,
      acquiredAt: new Date(now - 1000).toISOString(),
      expiresAt: new Date(expires).toISOString(),
    });
    // process.ppid is alive (the test runner) and not us: its unexpired lease stays.
    writeFileSync(
      file,
      JSON.stringify({
        schemaVersion: 1,
        leases: [
          lease('dead', 'b1', deadPid(), now + 60_000),
          lease('expired', 'b2', process.ppid, now - 1),
          lease('live', 'b3', process.ppid, now + 60_000),
        ],
        health: {},
      }),
    );
    const s = new LeaseStore(file);
    assert.deepEqual(s.recovered.map((l) => l.id).sort(), ['dead', 'expired']);
    assert.deepEqual(
      s.all().map((l) => l.id),
      ['live'],
    );
    assert.equal(s.holder('b1'), undefined);
    const again = JSON.parse(readFileSync(file, 'utf8')) as { leases: { id: string }[] };
    assert.deepEqual(
      again.leases.map((l) => l.id),
      ['live'],
      'recovery is written back',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a corrupt state file does not keep the agent down; a foreign file is refused', () => {
  const dir = tmp();
  try {
    const file = join(dir, 'leases.json');
    writeFileSync(file, '{"schemaVersion": 1, "leases": [');
    assert.equal(new LeaseStore(file).all().length, 0);
    writeFileSync(file, JSON.stringify({ something: 'else' }));
    assert.throws(
      () => new LeaseStore(file),
      (e: unknown) => e instanceof AgentError && e.code === 'state-file',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('one job per board, handed over in arrival order', async () => {
  const s = new Scheduler(new LeaseStore(null));
  const order: string[] = [];
  const first = await s.acquire({ candidates: ['b1'], jobId: 'j1', owner: 'a' });
  const ahead: number[] = [];
  const p2 = s.acquire({
    candidates: ['b1'],
    jobId: 'j2',
    owner: 'b',
    onQueued: (n) => ahead.push(n),
  });
  const p3 = s.acquire({
    candidates: ['b1'],
    jobId: 'j3',
    owner: 'c',
    onQueued: (n) => ahead.push(n),
  });
  p2.then(() => order.push('j2'));
  p3.then(() => order.push('j3'));
  assert.deepEqual(ahead, [0, 1]);
  assert.equal(s.waitingFor('b1'), 2);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, [], 'nobody gets a leased board');
  s.release(first);
  const second = await p2;
  assert.equal(second.jobId, 'j2');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, ['j2']);
  s.release(second);
  const third = await p3;
  assert.deepEqual(order, ['j2', 'j3']);
  s.release(third);
  assert.equal(s.waitingFor('b1'), 0);
});

test('a job asking for a label takes any free board; a later job cannot overtake an earlier one', async () => {
  const s = new Scheduler(new LeaseStore(null));
  const a = await s.acquire({ candidates: ['b1', 'b2'], jobId: 'j1', owner: 'x' });
  const b = await s.acquire({ candidates: ['b1', 'b2'], jobId: 'j2', owner: 'x' });
  assert.deepEqual([a.boardId, b.boardId], ['b1', 'b2']);
  const wantsAny = s.acquire({ candidates: ['b1', 'b2'], jobId: 'j3', owner: 'x' });
  const wantsB1 = s.acquire({ candidates: ['b1'], jobId: 'j4', owner: 'x' });
  s.release(a); // b1 frees: the earlier waiter (j3) gets it, not j4
  assert.equal((await wantsAny).boardId, 'b1');
  let j4 = false;
  wantsB1.then(() => (j4 = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(j4, false);
  s.release(b);
  s.release(await wantsAny);
  assert.equal((await wantsB1).boardId, 'b1');
});

test('a waiter whose client leaves is removed from the queue at once', async () => {
  const s = new Scheduler(new LeaseStore(null));
  const held = await s.acquire({ candidates: ['b1'], jobId: 'j1', owner: 'a' });
  const ctl = new AbortController();
  const gone = s.acquire({ candidates: ['b1'], jobId: 'j2', owner: 'b', signal: ctl.signal });
  const next = s.acquire({ candidates: ['b1'], jobId: 'j3', owner: 'c' });
  ctl.abort();
  await assert.rejects(gone, (e: unknown) => e instanceof AgentError && e.code === 'cancelled');
  s.release(held);
  assert.equal((await next).jobId, 'j3');
});

test('two failures in a row quarantine a board; a success in between resets the count', async () => {
  const store = new LeaseStore(null);
  assert.equal(QUARANTINE_AFTER, 2);
  assert.equal(store.recordFailure('b1', 'timeout', 'no answer'), false);
  store.recordSuccess('b1');
  assert.equal(store.healthOf('b1').consecutiveFailures, 0);
  assert.equal(store.recordFailure('b1', 'timeout', 'no answer'), false);
  assert.equal(store.recordFailure('b1', 'timeout', 'no answer again'), true);
  assert.equal(store.healthOf('b1').quarantined, true);
  assert.equal(store.healthOf('b1').lastError?.message, 'no answer again');
  const s = new Scheduler(store);
  await assert.rejects(
    s.acquire({ candidates: ['b1'], jobId: 'j', owner: 'x' }),
    (e: unknown) => e instanceof AgentError && e.code === 'quarantined',
  );
  store.clearHealth('b1');
  s.release(await s.acquire({ candidates: ['b1'], jobId: 'j', owner: 'x' }));
});

test('withTimeout: a step that never answers fails with timeout, a cancelled one with cancelled', async () => {
  await assert.rejects(
    withTimeout('board x: hello', 20, () => new Promise(() => {})),
    (e: unknown) =>
      e instanceof AgentError &&
      e.code === 'timeout' &&
      e.boardFault &&
      /board x: hello/.test(e.message),
  );
  const ctl = new AbortController();
  const p = withTimeout('step', 10_000, () => new Promise(() => {}), ctl.signal);
  ctl.abort();
  await assert.rejects(p, (e: unknown) => e instanceof AgentError && e.code === 'cancelled');
  assert.equal(await withTimeout('fast', 1000, async () => 7), 7);
});

test('tick statistics and units: MPS2 timer ticks are 40 emulated instructions', () => {
  assert.deepEqual(tickStats([5, 1, 3, 3, 100]), { median: 3, min: 1, max: 100, mad: 2, n: 5 });
  assert.deepEqual(tickStats([2, 4]), { median: 3, min: 2, max: 4, mad: 1, n: 2 });
  const emu = tickScale('emulated', 25_000_000, 25_000_000);
  assert.equal(emu.unit, 'instructions');
  assert.equal(toUnits(emu, 1000), 40_000);
  const m55 = tickScale('emulated', 32_000_000, 32_000_000);
  assert.equal(toUnits(m55, 4), 125);
  const real = tickScale('real', 80_000_000, 80_000_000);
  assert.equal(real.unit, 'cycles');
  assert.equal(toUnits(real, 1234), 1234);
});

test('a board process left by a dead agent is killed on load, a pid running another program is not', async () => {
  const dir = tmp();
  const orphan = spawn('sleep', ['30'], { stdio: 'ignore' });
  const other = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    const file = join(dir, 'leases.json');
    const dead = deadPid();
    writeFileSync(
      file,
      JSON.stringify({
        schemaVersion: 1,
        leases: [],
        health: {},
        processes: {
          b1: { pid: orphan.pid, program: '/usr/bin/sleep', agentPid: dead },
          // A recycled pid now running something else: never killed blind.
          b2: { pid: other.pid, program: 'qemu-system-arm', agentPid: dead },
        },
      }),
    );
    const exited = new Promise((r) => orphan.once('exit', (_c, sig) => r(sig)));
    const s = new LeaseStore(file);
    assert.deepEqual(
      s.killed.map((p) => [p.boardId, p.pid]),
      [['b1', orphan.pid]],
    );
    assert.equal(await exited, 'SIGKILL');
    assert.equal(other.exitCode, null);
    assert.equal(processAlive(other.pid as number), true);
  } finally {
    orphan.kill('SIGKILL');
    other.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
