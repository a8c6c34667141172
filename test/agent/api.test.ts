// The agent's HTTP API on the host virtual board: token, loopback, validation, NDJSON
// progress, two clients on one board, a client leaving mid-job, a unix socket.
import { request } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { getBoards, postJob, ApiError } from '../../runner-agent/api/client.ts';
import { startApi, tokenMatches, type RunningApi } from '../../runner-agent/api/server.ts';
import { boardFactory } from '../../runner-agent/boards/factory.ts';
import { Agent, type JobEvent } from '../../runner-agent/jobs/manager.ts';
import { ModelBuilder } from '../../src/model/builder.ts';
import { writeModel } from '../../src/model/writer.ts';
import { isValid } from '../../src/schema/validate.ts';
import {
  LENET,
  LENET_DATASET,
  NO_VIRTUAL,
  TOKEN,
  emulated,
  inventory,
  virtualBoard,
} from './agent-fixtures.ts';

const program = virtualBoard();
const skip = program === null ? NO_VIRTUAL : false;
const lenet = readFileSync(LENET);
const lenetB64 = lenet.toString('base64');

let agent: Agent;
let api: RunningApi;
const logs: string[] = [];

before(async () => {
  if (program === null) return;
  agent = new Agent({
    inventory: inventory(
      emulated('vb-1', 'mps2-an386', ['emulated']),
      emulated('vb-2', 'mps2-an385', ['other']),
    ),
    stateFile: null,
    createBoard: boardFactory({ virtual: { program } }),
    log: (l) => logs.push(l),
  });
  api = await startApi({ agent, token: TOKEN });
});

after(async () => {
  await api?.close();
  await agent?.close();
});

function raw(
  path: string,
  init: { method?: string; auth?: string; body?: string } = {},
): Promise<{ status: number; body: string }> {
  const u = new URL(api.address);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: Number(u.port),
        path,
        method: init.method ?? 'GET',
        headers: {
          ...(init.auth !== undefined ? { authorization: init.auth } : {}),
          ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

const addr = () => ({ url: api.address, token: TOKEN });

test('token comparison: exact match only', () => {
  assert.equal(tokenMatches(`Bearer ${TOKEN}`, TOKEN), true);
  assert.equal(tokenMatches(`Bearer ${TOKEN}x`, TOKEN), false);
  assert.equal(tokenMatches(`Basic ${TOKEN}`, TOKEN), false);
  assert.equal(tokenMatches(undefined, TOKEN), false);
  assert.equal(tokenMatches('Bearer ', ''), false);
});

test(
  'requests without the token or with a wrong one get 401 and run nothing',
  { skip },
  async () => {
    for (const auth of [undefined, 'Bearer wrong-token-but-long-enough', `bearer ${TOKEN}`]) {
      const r = await raw('/v1/boards', { auth });
      assert.equal(r.status, 401);
      assert.equal((JSON.parse(r.body) as { error: { code: string } }).error.code, 'unauthorized');
    }
    const job = await raw('/v1/jobs', {
      method: 'POST',
      body: JSON.stringify({ board: 'vb-1', model: { base64: lenetB64 } }),
    });
    assert.equal(job.status, 401);
    assert.equal(agent.status()[0].board, 'stopped', 'no board was started');
  },
);

test('listens on loopback only by default', { skip }, async () => {
  assert.match(api.address, /^http:\/\/127\.0\.0\.1:\d+$/);
  const port = Number(new URL(api.address).port);
  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal);
  if (!external) return; // no other interface on this machine: nothing else to try
  await assert.rejects(
    new Promise((resolve, reject) => {
      const req = request({ host: external.address, port, path: '/v1/boards' }, resolve);
      req.on('error', reject);
      req.end();
    }),
    /ECONNREFUSED/,
  );
});

test('GET /v1/boards lists the inventory with state, lease and health', { skip }, async () => {
  const boards = await getBoards(addr());
  assert.deepEqual(
    boards.map((b) => [b.id, b.machine, b.state, b.lease, b.health.quarantined]),
    [
      ['vb-1', 'mps2-an386', 'idle', null, false],
      ['vb-2', 'mps2-an385', 'idle', null, false],
    ],
  );
});

test(
  'job requests are validated: unknown fields (a command) and bad values are 400, unknown boards 404',
  { skip },
  async () => {
    const post = (body: unknown) =>
      raw('/v1/jobs', { method: 'POST', auth: `Bearer ${TOKEN}`, body: JSON.stringify(body) });
    const cases: [unknown, number, string, RegExp][] = [
      [
        { board: 'vb-1', model: { base64: lenetB64 }, flash: ['sh', '-c', 'touch /tmp/x'] },
        400,
        'bad-request',
        /flash/,
      ],
      [
        { board: 'vb-1', model: { base64: lenetB64, command: ['true'] } },
        400,
        'bad-request',
        /model/,
      ],
      [{ board: 'vb-1', model: { base64: lenetB64 }, repeats: 0 }, 400, 'bad-request', /repeats/],
      [{ board: 'vb-1', model: { path: 'relative.tflite' } }, 400, 'bad-request', /absolute/],
      [{ board: 'vb-1', model: { path: '/etc/passwd' } }, 400, 'bad-request', /model/],
      [
        { board: 'vb-1', model: { base64: lenetB64 }, dataset: 'data.json' },
        400,
        'bad-request',
        /absolute/,
      ],
      [
        { board: 'no-such-board', model: { base64: lenetB64 } },
        404,
        'unknown-board',
        /no-such-board/,
      ],
      ['not an object', 400, 'bad-request', /job request/],
    ];
    for (const [body, status, code, msg] of cases) {
      const r = await post(body);
      assert.equal(r.status, status, r.body);
      const e = (JSON.parse(r.body) as { error: { code: string; message: string } }).error;
      assert.equal(e.code, code);
      assert.match(e.message, msg);
    }
    const notJson = await raw('/v1/jobs', { method: 'POST', auth: `Bearer ${TOKEN}`, body: '{' });
    assert.equal(notJson.status, 400);
    assert.equal((await raw('/v1/nothing', { auth: `Bearer ${TOKEN}` })).status, 404);
  },
);

test(
  'a job streams queued/leased/uploading/invoking/evaluating/result lines and a valid result',
  { skip },
  async () => {
    const events: JobEvent[] = [];
    const doc = await postJob(
      addr(),
      { board: 'emulated', model: { path: LENET }, repeats: 3, dataset: LENET_DATASET, limit: 20 },
      (e) => events.push(e),
    );
    const kinds = [...new Set(events.map((e) => e.event))];
    assert.deepEqual(kinds, ['leased', 'uploading', 'invoking', 'evaluating', 'result']);
    const up = events
      .filter((e) => e.event === 'uploading')
      .map((e) => (e as { percent: number }).percent);
    assert.equal(up[0], 0);
    assert.equal(up.at(-1), 100);
    const ev = events.filter((e) => e.event === 'evaluating') as { done: number; total: number }[];
    assert.deepEqual(ev.at(-1), { ...ev.at(-1), done: 20, total: 20 });
    assert.ok(isValid('result', doc));
    assert.equal(doc.board.boardId, 'vb-1');
    assert.equal(doc.layers.length, doc.model.layers.length);
    assert.ok(doc.layers.every((l) => l.ticks.n === 3));
    assert.equal(doc.accuracy?.samples, 20);
    assert.equal(doc.model.name, 'lenet_int8.tflite');
  },
);

test('two clients on one board: the second waits, then runs', { skip }, async () => {
  const a: JobEvent[] = [];
  const b: JobEvent[] = [];
  const order: string[] = [];
  let bStarted!: Promise<unknown>;
  const aLeased = new Promise<void>((resolve) => {
    const pa = postJob(
      addr(),
      { board: 'vb-1', model: { base64: lenetB64 }, repeats: 300 },
      (e) => {
        a.push(e);
        order.push(`a:${e.event}`);
        if (e.event === 'leased') resolve();
      },
    );
    bStarted = pa;
  });
  await aLeased;
  const pb = postJob(addr(), { board: 'vb-1', model: { base64: lenetB64 }, repeats: 3 }, (e) => {
    b.push(e);
    order.push(`b:${e.event}`);
  });
  const [ra, rb] = await Promise.all([bStarted, pb]);
  assert.ok(ra && rb);
  assert.deepEqual(b[0], { ...b[0], event: 'queued', ahead: 0 });
  assert.ok(order.indexOf('b:leased') > order.indexOf('a:result'), order.join(' '));
  assert.equal(agent.status()[0].lease, null);
});

test(
  'a client that disconnects mid-job releases the board at once; the next job runs',
  { skip },
  async (t) => {
    const ctl = new AbortController();
    const t0 = performance.now();
    let cut = 0;
    await assert.rejects(
      postJob(
        addr(),
        { board: 'vb-1', model: { base64: lenetB64 }, repeats: 1000 },
        (e) => {
          if (e.event === 'invoking') {
            cut = performance.now();
            ctl.abort();
          }
        },
        ctl.signal,
      ),
    );
    assert.ok(cut > 0, 'the job reached the board');
    // The server sees the socket close within a few ms: poll the lease.
    let released = -1;
    for (let i = 0; i < 100; i++) {
      if (agent.status()[0].lease === null) {
        released = performance.now() - cut;
        break;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(released >= 0, 'the lease was released');
    assert.ok(released < 1000, `released ${released} ms after the disconnect`);
    t.diagnostic(`lease released ${released.toFixed(1)} ms after the client disconnected`);
    const t1 = performance.now();
    const doc = await postJob(addr(), { board: 'vb-1', model: { base64: lenetB64 }, repeats: 2 });
    assert.equal(doc.totals.ticks.n, 2);
    assert.ok(performance.now() - t1 < 10_000);
    assert.ok(
      logs.some((l) => /vb-1: reset \(previous job cut off\)/.test(l)),
      'the cut-off board was reset first',
    );
    assert.ok(performance.now() - t0 > 0);
  },
);

test(
  'an upload the board cannot hold is refused before sending, with both sizes',
  { skip },
  async () => {
    const small = new Agent({
      inventory: inventory(emulated('tiny', 'mps2-an386')),
      stateFile: null,
      createBoard: boardFactory({
        virtual: {
          program: program as string,
          args: ['--ticks', 'counter', '--model-ram', '4096'],
        },
      }),
    });
    try {
      await assert.rejects(
        small.runJob(
          { board: 'tiny', model: lenet, modelName: 'lenet', repeats: 1, warmup: 0 },
          { owner: 't' },
        ),
        (e: unknown) =>
          e instanceof Error &&
          (e as { code?: string }).code === 'model-rejected' &&
          e.message.includes(String(lenet.length)) &&
          e.message.includes('4096'),
      );
      assert.equal(small.status()[0].health.consecutiveFailures, 0, "not the board's fault");
    } finally {
      await small.close();
    }
  },
);

test('the API on a unix socket, mode 0600', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tg-sock-'));
  const socket = join(dir, 'agent.sock');
  const s = await startApi({ agent, token: TOKEN, listen: { socket } });
  try {
    assert.equal(statSync(socket).mode & 0o777, 0o600);
    const boards = await getBoards({ socket, token: TOKEN });
    assert.equal(boards.length, 2);
    await assert.rejects(
      getBoards({ socket, token: 'x'.repeat(20) }),
      (e: unknown) => e instanceof ApiError && e.status === 401,
    );
  } finally {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  'an operator the engine lacks: the job fails naming the operator and its layer; the board stays healthy',
  { skip },
  async () => {
    const q = { scale: [0.05], zeroPoint: [0], quantizedDimension: 0 };
    const b = new ModelBuilder();
    const x = b.addTensor({ name: 'x', shape: [1, 4], type: 'int8', quantization: q });
    const r = b.addTensor({ name: 'r', shape: [1, 4], type: 'int8', quantization: q });
    const y = b.addTensor({ name: 'y', shape: [1, 4], type: 'int8', quantization: q });
    b.addOperator('RELU', [x], [r]);
    b.addOperator('ABS', [r], [y]);
    b.setInputs([x]);
    b.setOutputs([y]);
    const model = Buffer.from(writeModel(b.build())).toString('base64');
    const events: JobEvent[] = [];
    await assert.rejects(
      postJob(
        addr(),
        { board: 'vb-1', model: { base64: model, name: 'abs.tflite' }, repeats: 1 },
        (e) => events.push(e),
      ),
      (e: unknown) =>
        e instanceof ApiError &&
        e.code === 'model-rejected' &&
        /ABS/.test(e.message) &&
        /layer 1/.test(e.message),
    );
    assert.equal(events.at(-1)?.event, 'error');
    const s = agent.status()[0];
    assert.equal(s.health.consecutiveFailures, 0);
    assert.equal(s.lease, null);
  },
);
