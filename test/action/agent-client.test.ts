// The action's BenchFn over the agent's HTTP API: against the real API server (host
// virtual board, TCP and unix socket), and against small servers that break the contract
// (a wrong token, a stream that ends without a result, a line that is not JSON, an invalid
// document, an error event, nothing listening).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { AgentClientError, httpBench } from '../../src/action/agent-client.ts';
import { startApi, type RunningApi } from '../../runner-agent/api/server.ts';
import { boardFactory } from '../../runner-agent/boards/factory.ts';
import { Agent } from '../../runner-agent/jobs/manager.ts';
import { isValid } from '../../src/schema/validate.ts';
import {
  LENET,
  NO_VIRTUAL,
  TOKEN,
  emulated,
  inventory,
  virtualBoard,
} from '../agent/agent-fixtures.ts';
import { HEAD_SHA, cnn, measure } from '../compare/factory.ts';

const program = virtualBoard();
const skip = program === null ? NO_VIRTUAL : false;
const lenet = new Uint8Array(readFileSync(LENET));

const request = {
  model: lenet,
  modelName: 'lenet',
  board: 'vb-1',
  repeats: 2,
  warmup: 0,
  commit: { sha: HEAD_SHA, ref: 'refs/pull/7/head' },
};

let agent: Agent | undefined;
let api: RunningApi | undefined;
let socketApi: RunningApi | undefined;
let tmp: string;

before(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'tinyml-gate-agent-client-'));
  if (program === null) return;
  agent = new Agent({
    inventory: inventory(emulated('vb-1', 'mps2-an386', ['emulated'])),
    stateFile: null,
    createBoard: boardFactory({ virtual: { program } }),
  });
  api = await startApi({ agent, token: TOKEN });
  socketApi = await startApi({
    agent,
    token: TOKEN,
    listen: { socket: path.join(tmp, 'agent.sock') },
  });
});

after(async () => {
  await api?.close();
  await socketApi?.close();
  await agent?.close();
  rmSync(tmp, { recursive: true, force: true });
});

test(
  'a job through the real API: progress lines, then a valid result document',
  { skip },
  async () => {
    const bench = httpBench({ url: new URL(api?.address ?? ''), token: TOKEN });
    const lines: string[] = [];
    const doc = await bench(request, (l) => lines.push(l));
    assert.ok(isValid('result', doc));
    assert.equal(doc.board.boardId, 'vb-1');
    assert.equal(doc.commit.sha, HEAD_SHA);
    assert.equal(doc.layers.length, doc.model.layers.length);
    assert.ok(lines.includes('leased board vb-1'), lines.join(' | '));
    assert.ok(lines.includes('invoking (0 warm-up, 2 timed)'), lines.join(' | '));
    assert.ok(lines.some((l) => /^uploading \d+%$/.test(l)));
  },
);

test('the same over the unix socket', { skip }, async () => {
  const bench = httpBench({ socketPath: path.join(tmp, 'agent.sock'), token: TOKEN });
  const doc = await bench(request);
  assert.equal(doc.board.boardId, 'vb-1');
});

test('the agent refuses: wrong token (http 401), unknown board (http 404)', { skip }, async () => {
  const wrong = httpBench({ url: new URL(api?.address ?? ''), token: 'not-the-token-0000' });
  await assert.rejects(wrong(request), (e: unknown) => {
    return (
      e instanceof AgentClientError &&
      e.code === 'http' &&
      /answered 401: unauthorized/.test(e.message)
    );
  });
  const bench = httpBench({ url: new URL(api?.address ?? ''), token: TOKEN });
  await assert.rejects(bench({ ...request, board: 'nucleo-l496zg' }), (e: unknown) => {
    return (
      e instanceof AgentClientError && e.code === 'http' && /404: unknown-board/.test(e.message)
    );
  });
});

/** A server that answers every job with these NDJSON chunks. */
async function fake(chunks: string[]): Promise<{ server: Server; url: URL }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      for (const c of chunks) res.write(c);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: new URL(`http://127.0.0.1:${port}`) };
}

async function withFake(chunks: string[], check: (e: unknown) => boolean): Promise<void> {
  const { server, url } = await fake(chunks);
  try {
    await assert.rejects(httpBench({ url, token: TOKEN })(request), check);
  } finally {
    server.close();
  }
}

const is = (code: string, re: RegExp) => (e: unknown) =>
  e instanceof AgentClientError && e.code === code && re.test(e.message);

test('broken streams: no result, not JSON, no event, invalid document, error event', async () => {
  await withFake(
    ['{"event":"queued","jobId":"j","ahead":0}\n'],
    is('protocol', /ended without a result/),
  );
  await withFake(['{"event":"queued"}\n', 'garbage\n'], is('protocol', /is not JSON/));
  await withFake(['[1,2]\n'], is('protocol', /has no event/));
  const bad = { ...measure(cnn()), layers: 'none' };
  await withFake([`${JSON.stringify({ event: 'result', result: bad })}\n`], (e: unknown) => {
    return (
      e instanceof Error && /result of lenet on vb-1/.test(e.message) && /layers/.test(e.message)
    );
  });
  const error = {
    event: 'error',
    jobId: 'j',
    code: 'board-timeout',
    message: 'no answer to HELLO in 5 s',
  };
  await withFake(
    [JSON.stringify(error)],
    is('board-timeout', /board vb-1: board-timeout: no answer to HELLO/),
  );
});

test('a result line split across chunks, multi-byte characters included', async () => {
  const doc = measure(cnn(), { commit: HEAD_SHA });
  doc.notes = ['température ✓ 測定'];
  const line = Buffer.from(`${JSON.stringify({ event: 'result', jobId: 'j', result: doc })}\n`);
  // Split inside the multi-byte characters, not only between them.
  const at = line.indexOf(Buffer.from('✓')) + 1;
  const chunks = [line.subarray(0, at), line.subarray(at, at + 5), line.subarray(at + 5)];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200);
      for (const c of chunks) res.write(c);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const got = await httpBench({ url: new URL(`http://127.0.0.1:${port}`), token: TOKEN })(
      request,
    );
    assert.deepEqual(got.notes, ['température ✓ 測定']);
  } finally {
    server.close();
  }
});

test('nothing listening: unreachable', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const bench = httpBench({ url: new URL(`http://127.0.0.1:${port}`), token: TOKEN });
  await assert.rejects(bench(request), is('unreachable', /ECONNREFUSED/));
});

test('evaluation progress: a line per tenth of the dataset, and the last', async () => {
  const doc = measure(cnn(), { commit: HEAD_SHA });
  const lines = Array.from({ length: 250 }, (_, i) =>
    JSON.stringify({ event: 'evaluating', jobId: 'j', done: i + 1, total: 250 }),
  );
  lines.push(JSON.stringify({ event: 'result', jobId: 'j', result: doc }));
  const { server, url } = await fake([`${lines.join('\n')}\n`]);
  try {
    const seen: string[] = [];
    await httpBench({ url, token: TOKEN })(request, (l) => seen.push(l));
    assert.deepEqual(seen, [
      'evaluating 1/250',
      ...[25, 50, 75, 100, 125, 150, 175, 200, 225, 250].map((d) => `evaluating ${d}/250`),
    ]);
  } finally {
    server.close();
  }
});
