// Soak of the runner agent: `tinyml-agent serve` as its own process with two emulated
// boards (the host virtual board by default, QEMU mps2-an386 with --qemu), then 60 jobs
// from 12 concurrent clients through the HTTP API. Every result must be present and equal
// to a lone run of the same job (per-layer ticks, kernel paths, totals, footprint,
// accuracy), no lease may be left (API and state file), and the agent's resident memory
// (VmRSS of its process, sampled every 200 ms; its heap is not visible from outside) must
// be flat. One round of 60 jobs takes seconds on the virtual boards, too short for the
// heap to settle, so the round is repeated (default 20; 1 with --qemu) on the same agent
// and its RSS at the end of each round is compared: after the warm-up rounds (a third, at
// most 5: JIT, schema compilation, buffers) it may not grow by more than 5% or 8 MiB.
// Run: npx tsx bench/soak.ts [--qemu] [--jobs N] [--clients N] [--rounds N]
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';
import { fileURLToPath } from 'node:url';
import { getBoards, postJob, type AgentAddress } from '../runner-agent/api/client.ts';
import type { JobBody } from '../runner-agent/api/request.ts';
import { VIRTUAL_BOARD } from '../runner-agent/boards/virtual.ts';
import type { ResultDocument } from '../src/schema/result-types.ts';
import { isValid } from '../src/schema/validate.ts';
import { median, writeResults } from './lib.ts';
import { startAgent, type RunningAgent } from '../test/agent/agent-process.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const qemu = args.includes('--qemu');
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const JOBS = opt('--jobs', 60);
const CLIENTS = opt('--clients', 12);
const ROUNDS = opt('--rounds', qemu ? 1 : 20);
/** Rounds before the memory baseline: JIT, schema compilation, buffers settle. */
const WARMUP = Math.min(5, Math.floor(ROUNDS / 3));
const TOKEN = 'soak-token-0123456789abcdef';

const lenet = path.join(repoRoot, 'examples', 'lenet-mnist', 'lenet_int8.tflite');
const dataset = path.join(repoRoot, 'examples', 'lenet-mnist', 'data', 'dataset.json');
const helloWorld = path.resolve(repoRoot, '..', 'shared', 'models', 'hello_world_int8.tflite');

interface Kind {
  name: string;
  body: Omit<JobBody, 'board'>;
}
const kinds: Kind[] = [
  { name: 'lenet x3', body: { model: { path: lenet }, repeats: 3, warmup: 1 } },
  {
    name: 'lenet + 16 samples',
    body: { model: { path: lenet }, repeats: 2, warmup: 0, dataset, limit: 16 },
  },
];
if (existsSync(helloWorld)) {
  kinds.push({ name: 'hello_world x5', body: { model: { path: helloWorld }, repeats: 5 } });
}

/** What a run must reproduce exactly. */
function measured(d: ResultDocument): string {
  return JSON.stringify({
    layers: d.layers.map((l) => [l.index, l.op, l.kernelPath, l.ticks]),
    totals: d.totals,
    footprint: d.footprint,
    accuracy: d.accuracy ?? null,
  });
}

function serve(dir: string): Promise<RunningAgent> {
  const machine = 'mps2-an386';
  const board = (id: string) => ({
    id,
    kind: 'emulated',
    machine,
    core: 'cortex-m4',
    clockHz: 25_000_000,
    labels: ['soak'],
  });
  writeFileSync(
    path.join(dir, 'boards.json'),
    JSON.stringify({ schemaVersion: 1, boards: [board('soak-1'), board('soak-2')] }),
  );
  writeFileSync(path.join(dir, 'token'), TOKEN, { mode: 0o600 });
  return startAgent(dir, qemu ? [] : ['--virtual-board', VIRTUAL_BOARD]);
}

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

async function main(): Promise<number> {
  if (!qemu && !existsSync(VIRTUAL_BOARD)) {
    console.error(`${VIRTUAL_BOARD} missing: make -C firmware virtual-board`);
    return 2;
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'tg-soak-'));
  const { child, url } = await serve(dir);
  const pid = child.pid as number;
  const addr: AgentAddress = { url, token: TOKEN };
  try {
    // The reference: each kind of job alone on an idle agent (this also boots both boards).
    const lone = new Map<string, string>();
    for (const k of kinds) {
      for (const board of ['soak-1', 'soak-2']) {
        const doc = await postJob(addr, { board, ...k.body });
        const m = measured(doc);
        if (lone.has(k.name) && lone.get(k.name) !== m) {
          throw new Error(`${k.name}: the two boards disagree on a lone run`);
        }
        lone.set(k.name, m);
      }
    }

    const samples: { t: number; rssKiB: number; done: number }[] = [];
    let done = 0;
    const t0 = performance.now();
    const sampler = setInterval(() => {
      samples.push({ t: Math.round(performance.now() - t0), rssKiB: rssKiB(pid), done });
    }, 200);
    const failures: string[] = [];
    const perBoard: Record<string, number> = {};
    const latencies: number[] = [];
    const rounds: { round: number; seconds: number; results: number; rssEndKiB: number }[] = [];
    let queued = 0;
    const client = async (round: number, c: number) => {
      for (let j = c; j < JOBS; j += CLIENTS) {
        const k = kinds[j % kinds.length];
        const start = performance.now();
        const what = `round ${round} job ${j} (${k.name})`;
        try {
          const doc = await postJob(addr, { board: 'soak', ...k.body }, (e) => {
            if (e.event === 'queued') queued++;
          });
          latencies.push(performance.now() - start);
          perBoard[doc.board.boardId] = (perBoard[doc.board.boardId] ?? 0) + 1;
          if (!isValid('result', doc)) failures.push(`${what}: invalid document`);
          else if (measured(doc) !== lone.get(k.name)) {
            failures.push(`${what} on ${doc.board.boardId}: differs from a lone run`);
          }
        } catch (e) {
          failures.push(`${what}: ${e instanceof Error ? e.message : String(e)}`);
        }
        done++;
      }
    };
    for (let r = 1; r <= ROUNDS; r++) {
      const tr = performance.now();
      const before = latencies.length;
      await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(r, c)));
      rounds.push({
        round: r,
        seconds: +((performance.now() - tr) / 1000).toFixed(1),
        results: latencies.length - before,
        rssEndKiB: rssKiB(pid),
      });
    }
    const wallMs = performance.now() - t0;
    clearInterval(sampler);

    const boards = await getBoards(addr);
    const leftApi = boards.filter((b) => b.lease !== null || b.waiting > 0 || b.state !== 'idle');
    const state = JSON.parse(readFileSync(path.join(dir, 'leases.json'), 'utf8')) as {
      leases: unknown[];
    };
    // Flat: after the warm-up rounds, no round ends more than 5% or 8 MiB above the last of them.
    const base = rounds[Math.max(0, WARMUP - 1)].rssEndKiB;
    const growthKiB = Math.max(...rounds.slice(WARMUP).map((r) => r.rssEndKiB), base) - base;
    const flat = WARMUP < 1 ? null : growthKiB <= Math.max(0.05 * base, 8 * 1024);
    const total = JOBS * ROUNDS;
    const ok =
      failures.length === 0 &&
      latencies.length === total &&
      leftApi.length === 0 &&
      state.leases.length === 0 &&
      flat !== false;
    const results = {
      boards: qemu ? 'QEMU mps2-an386 x2' : 'host virtual board (--ticks counter) x2',
      jobsPerRound: JOBS,
      clients: CLIENTS,
      rounds: ROUNDS,
      warmupRounds: WARMUP,
      kinds: kinds.map((k) => k.name),
      wallSeconds: +(wallMs / 1000).toFixed(1),
      jobsPerBoard: perBoard,
      queuedEvents: queued,
      latencyMs: {
        median: Math.round(median(latencies)),
        max: Math.round(Math.max(...latencies)),
      },
      resultsPresent: latencies.length,
      identicalToLone: latencies.length - failures.length,
      failures,
      leasesLeft: { api: leftApi.map((b) => b.id), stateFile: state.leases.length },
      agentRssKiB: {
        first: samples[0]?.rssKiB,
        max: Math.max(...samples.map((s) => s.rssKiB)),
        perRoundEnd: rounds.map((r) => r.rssEndKiB),
        growthAfterWarmupKiB: growthKiB,
        flat,
      },
      perRound: rounds,
      rssSamples: samples.filter((_, i) => i % 5 === 0).map((s) => [s.t, s.rssKiB]),
      pass: ok,
    };
    console.log(
      [
        `soak: ${ROUNDS} x ${JOBS} jobs from ${CLIENTS} clients over ${results.boards} in ${results.wallSeconds} s`,
        `  results present ${results.resultsPresent}/${total}, identical to a lone run ${results.identicalToLone}, per board ${JSON.stringify(perBoard)}, ${queued} queued events`,
        `  job latency median ${results.latencyMs.median} ms, max ${results.latencyMs.max} ms`,
        `  leases left: API ${leftApi.length}, state file ${state.leases.length}`,
        `  agent RSS (KiB) at the end of each round: ${rounds.map((r) => r.rssEndKiB).join(', ')}; ${flat === null ? 'too few rounds to judge growth (--rounds 3 or more)' : `growth after round ${WARMUP}: ${growthKiB} KiB: ${flat ? 'flat' : 'GROWING'}`}`,
        ...failures.map((f) => `  FAIL ${f}`),
        ok ? 'soak: pass' : 'soak: FAIL',
      ].join('\n'),
    );
    const file = writeResults('soak', results);
    // The checkout's prettier check covers bench/results: number arrays are laid out its way.
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, await format(text, { ...(await resolveConfig(file)), filepath: file }));
    console.log(`wrote ${file}`);
    return ok ? 0 : 1;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
