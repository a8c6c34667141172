// tinyml-agent: serve the API, list boards, run one benchmark (through a running agent
// with --url/--socket, else in this process). Returns the exit status; errors are
// printed as "tinyml-agent: <code>: <message>".
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ResultDocument } from '../src/schema/result-types.ts';
import { getBoards, postJob, type AgentAddress } from './api/client.ts';
import { startApi, type Listen } from './api/server.ts';
import { boardFactory, type BoardFactoryOptions } from './boards/factory.ts';
import { loadInventory } from './boards/inventory.ts';
import { codeOf, messageOf } from './jobs/errors.ts';
import { Agent, type BoardStatus, type JobEvent } from './jobs/manager.ts';
import { runBenchInProcess } from './inprocess.ts';

const USAGE = `usage:
  tinyml-agent serve [--inventory F] [--host H --port P | --socket PATH] [--token-file F]
                     [--state F] [--kernels ref|opt] [--virtual | --virtual-board PATH] [--timeout-scale X]
  tinyml-agent boards [--url U | --socket PATH] [--token-file F] [--json]
  tinyml-agent bench --board ID --model M [--dataset D] [--repeats N] [--warmup N] [--limit N]
                     [--json] [--inventory F | --url U | --socket PATH --token-file F]`;

export const DEFAULT_PORT = 7878;

function stateDir(): string {
  return join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'tinyml-agent');
}

function readToken(file: string | undefined): string {
  const path = file ?? join(stateDir(), 'token');
  return readFileSync(path, 'utf8').trim();
}

/** The token of `serve`: from --token-file, else a new random one written to the state dir (0600). */
function serveToken(file: string | undefined, err: (s: string) => void): string {
  if (file) return readToken(file);
  const path = join(stateDir(), 'token');
  mkdirSync(stateDir(), { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('hex');
  writeFileSync(path, token + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
  err(`tinyml-agent: new API token in ${path}`);
  return token;
}

function factoryOptions(
  v: Record<string, string | boolean | undefined>,
  log: (s: string) => void,
): BoardFactoryOptions {
  const kernels = v.kernels === 'opt' ? 'opt' : 'ref';
  const scale = v['timeout-scale'] !== undefined ? Number(v['timeout-scale']) : undefined;
  return {
    image: { kernels },
    timeoutScale: scale,
    log,
    ...(typeof v['virtual-board'] === 'string'
      ? { virtual: { program: v['virtual-board'] } }
      : v.virtual
        ? { virtual: {} }
        : {}),
  };
}

export async function main(
  argv: string[],
  io = { out: (s: string) => console.log(s), err: (s: string) => console.error(s) },
): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    const { values: v } = parseArgs({
      args: rest,
      options: {
        inventory: { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        socket: { type: 'string' },
        url: { type: 'string' },
        'token-file': { type: 'string' },
        state: { type: 'string' },
        kernels: { type: 'string' },
        'virtual-board': { type: 'string' },
        virtual: { type: 'boolean' },
        'timeout-scale': { type: 'string' },
        board: { type: 'string' },
        model: { type: 'string' },
        dataset: { type: 'string' },
        repeats: { type: 'string' },
        warmup: { type: 'string' },
        limit: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
    });
    if (v.help || cmd === undefined || cmd === 'help') {
      io.out(USAGE);
      return cmd === undefined ? 2 : 0;
    }
    if (cmd === 'serve') return await serve(v, io);
    if (cmd === 'boards') {
      const boards = await getBoards(address(v));
      io.out(v.json ? JSON.stringify({ boards }, null, 2) : boardsTable(boards));
      return 0;
    }
    if (cmd === 'bench') return await bench(v, io);
    io.err(`tinyml-agent: unknown command "${cmd}"\n${USAGE}`);
    return 2;
  } catch (e) {
    io.err(`tinyml-agent: ${codeOf(e)}: ${messageOf(e)}`);
    return 1;
  }
}

function address(v: { url?: string; socket?: string; 'token-file'?: string }): AgentAddress {
  return {
    ...(v.socket ? { socket: v.socket } : { url: v.url ?? `http://127.0.0.1:${DEFAULT_PORT}` }),
    token: process.env.TINYML_AGENT_TOKEN ?? readToken(v['token-file']),
  };
}

function int(v: string | undefined, name: string, dflt: number | undefined): number | undefined {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`--${name} must be a whole number, got "${v}"`);
  return n;
}

async function serve(
  v: Record<string, string | boolean | undefined>,
  io: { out: (s: string) => void; err: (s: string) => void },
): Promise<number> {
  const log = (s: string) => io.err(`[${new Date().toISOString()}] ${s}`);
  const inventory = loadInventory(v.inventory as string | undefined);
  const listen: Listen = v.socket
    ? { socket: v.socket as string }
    : {
        host: (v.host as string | undefined) ?? '127.0.0.1',
        port: int(v.port as string | undefined, 'port', DEFAULT_PORT) ?? DEFAULT_PORT,
      };
  const agent = new Agent({
    inventory,
    stateFile: (v.state as string | undefined) ?? join(stateDir(), 'leases.json'),
    createBoard: boardFactory(factoryOptions(v, log)),
    timeoutScale: v['timeout-scale'] !== undefined ? Number(v['timeout-scale']) : undefined,
    log,
  });
  const token = serveToken(v['token-file'] as string | undefined, io.err);
  const api = await startApi({ agent, token, listen, log });
  if ('host' in listen && !['127.0.0.1', '::1', 'localhost'].includes(listen.host)) {
    log(
      `warning: listening on ${listen.host}, reachable from other machines (token still required)`,
    );
  }
  io.out(
    `tinyml-agent: listening on ${api.address} (${inventory.boards.length} boards, pid ${process.pid})`,
  );
  await new Promise<void>((done) => {
    const stop = () => done();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await api.close();
  await agent.close();
  return 0;
}

async function bench(
  v: Record<string, string | boolean | undefined>,
  io: { out: (s: string) => void; err: (s: string) => void },
): Promise<number> {
  const board = v.board as string | undefined;
  const model = v.model as string | undefined;
  if (!board || !model) throw new RangeError('bench needs --board ID and --model M');
  const repeats = int(v.repeats as string | undefined, 'repeats', 5) as number;
  const warmup = int(v.warmup as string | undefined, 'warmup', 1) as number;
  const limit = int(v.limit as string | undefined, 'limit', undefined);
  const dataset = v.dataset ? resolve(v.dataset as string) : undefined;
  const progress = (e: JobEvent) => {
    if (v.json) return;
    if (e.event === 'queued') io.err(`queued (${e.ahead} ahead)`);
    else if (e.event === 'leased') io.err(`leased ${e.boardId}`);
    else if (e.event === 'uploading') io.err(`uploading ${e.percent}%`);
    else if (e.event === 'invoking') io.err(`invoking ${e.warmup} + ${e.repeats}`);
    else if (e.event === 'evaluating' && (e.done === e.total || e.done % 50 === 0))
      io.err(`evaluating ${e.done}/${e.total}`);
  };
  let doc: ResultDocument;
  if (v.url || v.socket) {
    const bytes = await readFile(model);
    doc = await postJob(
      address(v as { url?: string; socket?: string; 'token-file'?: string }),
      {
        board,
        model: { base64: bytes.toString('base64'), name: basename(model) },
        repeats,
        warmup,
        ...(dataset ? { dataset } : {}),
        ...(limit !== undefined ? { limit } : {}),
      },
      progress,
    );
  } else {
    const log = (s: string) => (v.json ? undefined : io.err(s));
    doc = await runBenchInProcess({
      ...factoryOptions(v, log),
      board,
      model,
      inventory: v.inventory as string | undefined,
      repeats,
      warmup,
      ...(dataset ? { dataset } : {}),
      ...(limit !== undefined ? { limit } : {}),
      onEvent: progress,
    });
  }
  io.out(v.json ? JSON.stringify(doc, null, 2) : resultText(doc));
  return 0;
}

function boardsTable(boards: BoardStatus[]): string {
  const rows = boards.map((b) =>
    [
      b.id,
      b.kind === 'emulated' ? `${b.machine}` : 'real',
      b.core,
      b.state,
      b.lease ? `${b.lease.owner} since ${b.lease.acquiredAt}` : '-',
      String(b.waiting),
      b.health.quarantined
        ? `quarantined: ${b.health.lastError?.message ?? ''}`
        : `${b.health.consecutiveFailures} failures`,
      b.labels.join(','),
    ].join('  '),
  );
  return ['id  machine  core  state  lease  waiting  health  labels', ...rows].join('\n');
}

function resultText(doc: ResultDocument): string {
  const unit = doc.timeUnit;
  const lines = [
    `${doc.model.name} on ${doc.board.boardId} (${doc.board.core}, ${doc.board.kernelSet} kernels, firmware ${doc.board.firmwareHash.slice(0, 12)})`,
    `layer  op  path  median ${unit}  MAD  min  max  us${doc.board.kind === 'emulated' ? ' (modelled)' : ''}`,
    ...doc.layers.map(
      (l) =>
        `${l.index}  ${l.op}  ${l.kernelPath}  ${l.ticks.median}  ${l.ticks.mad}  ${l.ticks.min}  ${l.ticks.max}  ${l.microseconds?.median.toFixed(1) ?? '-'}`,
    ),
    `total  ${doc.totals.ticks.median} ${unit} (n=${doc.totals.ticks.n}, MAD ${doc.totals.ticks.mad}), ${doc.totals.microseconds?.median.toFixed(1)} us`,
    `arena ${doc.footprint.arenaBytes} bytes, model ${doc.footprint.modelBytes} bytes, engine ${doc.footprint.engineBytes} bytes`,
  ];
  const a = doc.accuracy;
  if (a) {
    lines.push(
      `accuracy on ${a.samples} samples: device ${a.device?.toFixed(2)}%, host int8 ${a.hostInt8?.toFixed(2)}%, argmax agreement ${a.agreement?.argmax.toFixed(2)}%, max diff ${a.agreement?.maxAbsDiff}`,
    );
  }
  for (const n of doc.notes) lines.push(`note: ${n}`);
  return lines.join('\n');
}
