// Every byte from a board is untrusted. Two hostile devices drive the agent's whole job
// path (boot HELLO, upload, invoke, evaluation): a fake device that answers each request
// with seeded random frames (valid CRC, the request's seq, random or mutated payloads of
// genuine responses captured from the firmware, random bytes, stream frames, silence),
// and a proxy over the real virtual board that rewrites its responses with valid CRCs so
// that the damage reaches the decoders. No seed may crash the agent, leave an unhandled
// rejection, hang a job, or leave a lease; a job either fails with a coded AgentError or
// returns a schema-valid document. (Token, loopback and inventory-only commands:
// test/agent/api.test.ts, agent-commands.test.ts; a configured host: security-api.test.ts.)
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { BoardSpec } from '../../src/schema/boards-types.ts';
import { isValid } from '../../src/schema/validate.ts';
import { LinkBoard } from '../../runner-agent/boards/link-board.ts';
import { VirtualBoard } from '../../runner-agent/boards/virtual.ts';
import { AgentError } from '../../runner-agent/jobs/errors.ts';
import { Agent, type JobRequest } from '../../runner-agent/jobs/manager.ts';
import { FrameParser } from '../../runner-agent/protocol/frame-parser.ts';
import { encodeFrame, MAX_PAYLOAD_BYTES, type Frame } from '../../runner-agent/protocol/frame.ts';
import { seededRandom } from '../../runner-agent/transport/fault-proxy.ts';
import { TransportBase, type Transport } from '../../runner-agent/transport/transport.ts';
import {
  LENET,
  NO_VIRTUAL,
  REPO,
  SHARED,
  emulated,
  inventory,
  virtualBoard,
} from './agent-fixtures.ts';

const SCALE = 0.05; // protocol and step timeouts x0.05: a silent step costs ~0.2 s, not 4 s
const CODES = new Set(['board-failed', 'timeout', 'device-error', 'model-rejected', 'bad-request']);

// Genuine responses of the firmware, by type: the raw material of the mutations.
const captured = new Map<number, Uint8Array[]>();
new FrameParser({
  onFrame: (f) => {
    const list = captured.get(f.type) ?? [];
    list.push(f.payload.slice());
    captured.set(f.type, list);
  },
}).push(readFileSync(join(REPO, 'test', 'agent', 'protocol-capture-from-device.bin')));

/** A damaged copy of `p`: truncated, extended, bytes randomised or a field set to huge. */
function mutate(p: Uint8Array, rnd: () => number): Uint8Array {
  const out = new Uint8Array(p);
  switch (Math.floor(rnd() * 5)) {
    case 0:
      return out.subarray(0, Math.floor(rnd() * out.length));
    case 1: {
      const longer = new Uint8Array(Math.min(MAX_PAYLOAD_BYTES, out.length + 1 + rnd() * 64));
      longer.set(out);
      for (let i = out.length; i < longer.length; i++) longer[i] = rnd() * 256;
      return longer;
    }
    case 2:
      for (let n = 1 + rnd() * 8; n > 0 && out.length > 2; n--) {
        out[2 + Math.floor(rnd() * (out.length - 2))] = rnd() * 256;
      }
      return out;
    case 3:
      // A count or length set to its maximum: the decoders must not trust it.
      if (out.length >= 6) out.fill(0xff, 2 + Math.floor(rnd() * (out.length - 5)));
      return out.subarray(0, Math.max(2, out.length - Math.floor(rnd() * 3)));
    default:
      // A non-zero status with a message whose length prefix lies.
      return new Uint8Array([rnd() * 256, rnd() * 2, 0xff, 0xff, 0x41, 0x42]);
  }
}

function randomBytes(n: number, rnd: () => number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = rnd() * 256;
  return b;
}

/** Request types the fake devices were asked, over all seeds: how deep the fuzzing went. */
const asked = new Set<number>();

/** A fake device: every request gets seeded hostile bytes back. */
class HostileLine extends TransportBase {
  private readonly rnd: () => number;
  private readonly parser: FrameParser;

  constructor(seed: number) {
    super();
    this.rnd = seededRandom(seed);
    this.parser = new FrameParser({ onFrame: (f) => setImmediate(() => this.answer(f)) });
  }

  private send(f: Frame): void {
    if (!this.closed) this.emitData(encodeFrame(f));
  }

  private answer(req: Frame): void {
    if (this.closed) return;
    asked.add(req.type);
    const rnd = this.rnd;
    const type = req.type | 0x80;
    const genuine = captured.get(type);
    const pick = rnd();
    if (pick < 0.1) return; // silence
    if (pick < 0.2) {
      this.emitData(randomBytes(1 + rnd() * 600, rnd));
    } else if (pick < 0.45 && genuine) {
      // The genuine answer: lets the conversation go on to the next command.
      this.send({ type, seq: req.seq, payload: genuine[Math.floor(rnd() * genuine.length)] });
    } else if (pick < 0.8 && genuine) {
      const base = genuine[Math.floor(rnd() * genuine.length)];
      this.send({ type, seq: req.seq, payload: mutate(base, rnd) });
    } else if (pick < 0.9) {
      this.send({ type, seq: req.seq, payload: randomBytes(rnd() * 80, rnd) });
    } else {
      // Unsolicited stream frames, a response to a seq nobody asked for.
      const stream = 0xc0 + Math.floor(rnd() * 0x40);
      this.send({
        type: stream,
        seq: Math.floor(rnd() * 0x10000),
        payload: randomBytes(rnd() * 40, rnd),
      });
      this.send({ type, seq: (req.seq + 1) & 0xffff, payload: randomBytes(rnd() * 40, rnd) });
    }
  }

  async write(bytes: Uint8Array): Promise<void> {
    this.assertOpen('hostile line write');
    this.parser.push(bytes);
  }

  async close(): Promise<void> {
    this.emitClose();
  }
}

class HostileBoard extends LinkBoard {
  constructor(
    spec: BoardSpec,
    private readonly seed: number,
  ) {
    super(spec, { timeoutScale: SCALE });
  }

  protected async open(): Promise<Transport> {
    return new HostileLine(this.seed);
  }

  protected async close(): Promise<void> {}

  protected async wantedHash(): Promise<string | null> {
    return null;
  }

  imageFootprint() {
    return null;
  }
}

/** The real virtual board, its responses rewritten (valid CRC) with probability `rate`. */
class MutatedVirtualBoard extends VirtualBoard {
  mutated = 0;

  constructor(
    spec: BoardSpec,
    private readonly seed: number,
    private readonly rate: number,
  ) {
    super(spec, { program: virtualBoard() as string, timeoutScale: SCALE });
  }

  protected override async open(): Promise<Transport> {
    const inner = await super.open();
    const rnd = seededRandom(this.seed);
    const outer = new (class extends TransportBase {
      write = (b: Uint8Array) => inner.write(b);
      close = () => inner.close();
      deliver = (b: Uint8Array) => this.emitData(b);
      end = (e?: Error) => this.emitClose(e);
    })();
    const parser = new FrameParser({
      onFrame: (f) => {
        const damage = rnd() < this.rate;
        if (damage) this.mutated++;
        outer.deliver(encodeFrame(damage ? { ...f, payload: mutate(f.payload, rnd) } : f, 1 << 16));
      },
    });
    inner.on('data', (c) => parser.push(c));
    inner.on('close', (e) => outer.end(e));
    return outer;
  }
}

const uncaught: unknown[] = [];
const onUncaught = (e: unknown) => uncaught.push(e);
before(() => {
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
});
after(() => {
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
});

const lenet = new Uint8Array(readFileSync(LENET));
const HELLO_WORLD = join(SHARED, 'models', 'hello_world_int8.tflite');
const job: JobRequest = {
  board: 'dev',
  model: lenet,
  modelName: 'lenet_int8.tflite',
  repeats: 2,
  warmup: 0,
};

/** One job against a hostile board: coded failure or valid document, in bounded time, lease freed. */
async function hostileJob(
  createBoard: (spec: BoardSpec) => LinkBoard,
  req: JobRequest = job,
): Promise<string> {
  const agent = new Agent({
    inventory: inventory(emulated('dev', 'mps2-an386')),
    stateFile: null,
    createBoard,
    timeoutScale: SCALE,
    startTimeoutMs: 20_000,
  });
  const t0 = performance.now();
  try {
    const doc = await agent.runJob(req, { owner: 'hostile' });
    assert.ok(isValid('result', doc), 'a document that came through is schema-valid');
    return 'result';
  } catch (e) {
    assert.ok(e instanceof AgentError, `not an AgentError: ${String(e)}`);
    assert.ok(CODES.has(e.code), `code ${e.code}: ${e.message}`);
    assert.match(e.message, /dev|\.tflite/, 'the message names the board or the model');
    return e.code;
  } finally {
    assert.ok(performance.now() - t0 < 30_000, 'the job did not hang');
    assert.equal(agent.status()[0].lease, null, 'no lease left');
    await agent.close();
  }
}

test('a fake device answering with random and mutated frames never crashes the agent', async () => {
  // The capture is a session with hello_world: its genuine answers carry a job further.
  const req = existsSync(HELLO_WORLD)
    ? { ...job, model: new Uint8Array(readFileSync(HELLO_WORLD)), modelName: 'hello_world.tflite' }
    : job;
  const outcomes = new Map<string, number>();
  for (let seed = 1; seed <= 60; seed++) {
    const o = await hostileJob((spec) => new HostileBoard(spec, seed), req);
    outcomes.set(o, (outcomes.get(o) ?? 0) + 1);
  }
  assert.deepEqual(uncaught, []);
  // The seeds must reach past the handshake and the upload, or the decoders behind them
  // went untested: UPLOAD_END (0x04) answers carry layer and tensor tables.
  assert.ok(asked.has(0x04), `requests seen: ${[...asked].map((t) => t.toString(16))}`);
  console.log(
    `hostile device, 60 seeds, requests ${[...asked].sort().map((t) => t.toString(16))}: ${JSON.stringify(Object.fromEntries(outcomes))}`,
  );
});

test(
  "the real firmware's responses rewritten with valid CRCs: coded errors or valid results, never a crash",
  { skip: virtualBoard() === null ? NO_VIRTUAL : false, timeout: 300_000 },
  async () => {
    const outcomes = new Map<string, number>();
    let mutated = 0;
    for (let seed = 1; seed <= 16; seed++) {
      const o = await hostileJob((spec) => {
        const b = new MutatedVirtualBoard(spec, seed, 0.08);
        const count = () => (mutated += b.mutated);
        const stop = b.stop.bind(b);
        b.stop = async () => {
          count();
          b.mutated = 0;
          await stop();
        };
        return b;
      });
      outcomes.set(o, (outcomes.get(o) ?? 0) + 1);
    }
    assert.deepEqual(uncaught, []);
    assert.ok(mutated > 16, `only ${mutated} responses were damaged`);
    console.log(
      `mutated virtual board, 16 seeds, ${mutated} damaged responses: ${JSON.stringify(Object.fromEntries(outcomes))}`,
    );
  },
);
