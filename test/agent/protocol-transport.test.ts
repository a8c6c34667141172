// Transports: the serialport transport on node-serialport's mock binding (the binding is
// injected, as node-serialport does it) and on a path that does not exist; pacing to a
// byte rate; the fault proxy's determinism and pass-through; a transport over streams.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { SerialPortMock } from 'serialport';
import { encodeFrame } from '../../runner-agent/protocol/frame.ts';
import { FrameParser } from '../../runner-agent/protocol/frame-parser.ts';
import { FaultProxy, seededRandom } from '../../runner-agent/transport/fault-proxy.ts';
import { PacedTransport, uartBytesPerSecond } from '../../runner-agent/transport/paced.ts';
import { openSerialTransport } from '../../runner-agent/transport/serialport.ts';
import { StreamTransport } from '../../runner-agent/transport/stream.ts';
import {
  TransportBase,
  TransportError,
  type Transport,
} from '../../runner-agent/transport/transport.ts';

/** Everything written comes back as data, on a later tick. */
class Echo extends TransportBase {
  written = 0;
  async write(bytes: Uint8Array): Promise<void> {
    this.assertOpen('echo');
    this.written += bytes.length;
    const copy = bytes.slice();
    setImmediate(() => this.emitData(copy));
  }
  async close(): Promise<void> {
    this.emitClose();
  }
}

function gather(t: Transport): { bytes: () => Buffer } {
  const chunks: Uint8Array[] = [];
  t.on('data', (c) => chunks.push(c));
  return { bytes: () => Buffer.concat(chunks) };
}

const until = async (cond: () => boolean, ms = 2000): Promise<void> => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 2));
  }
};

test('serialport transport on the mock binding: write, echo, close', async () => {
  SerialPortMock.binding.createPort('/dev/ROBOT', { echo: true, record: true });
  const t = await openSerialTransport({
    path: '/dev/ROBOT',
    baudRate: 921600,
    openPort: (path, baudRate) => new SerialPortMock({ path, baudRate }),
  });
  const got = gather(t);
  const frame = encodeFrame({ type: 1, seq: 9, payload: Uint8Array.from([1, 2, 3]) });
  await t.write(frame);
  await until(() => got.bytes().length === frame.length);
  assert.deepEqual(got.bytes(), Buffer.from(frame));
  let closed = false;
  t.on('close', () => (closed = true));
  await t.close();
  assert.ok(closed && t.closed);
  await assert.rejects(t.write(frame), (e) => e instanceof TransportError && e.code === 'closed');
});

test('serialport transport: a missing device fails to open, naming the path', async () => {
  await assert.rejects(
    openSerialTransport({ path: '/dev/tinyml-gate-no-such-port' }),
    (e) =>
      e instanceof TransportError &&
      e.code === 'open-failed' &&
      e.message.includes('/dev/tinyml-gate-no-such-port'),
  );
});

test('pacing: 6000 bytes each way at 30000 B/s take about 0.2 s and arrive intact', async () => {
  const echo = new Echo();
  const paced = new PacedTransport(echo, 30_000);
  const got = gather(paced);
  const data = Uint8Array.from({ length: 6000 }, (_, i) => (i * 31) & 0xff);
  const t0 = performance.now();
  await Promise.all([paced.write(data.subarray(0, 2500)), paced.write(data.subarray(2500))]);
  const sent = performance.now() - t0;
  await until(() => got.bytes().length === 6000);
  const total = performance.now() - t0;
  assert.deepEqual(got.bytes(), Buffer.from(data));
  // Out: 6000 / 30000 = 200 ms. Back: paced again, overlapping (full duplex).
  assert.ok(sent >= 180 && sent < 400, `write took ${sent} ms`);
  assert.ok(total >= 190 && total < 500, `round trip took ${total} ms`);
  assert.equal(uartBytesPerSecond(115200), 11520);
  await paced.close();
  assert.ok(echo.closed);
});

/** Frames through a fault proxy in one direction; returns the bytes that came out. */
async function through(seed: number, rates: object, frames: Uint8Array[]): Promise<Buffer> {
  const echo = new Echo();
  const proxy = new FaultProxy(echo, { seed, toDevice: rates });
  const got = gather(proxy);
  for (const f of frames) await proxy.write(f);
  await new Promise((r) => setTimeout(r, 20));
  return got.bytes();
}

test('fault proxy: rate 0 passes bytes unchanged; the same seed replays the same faults', async () => {
  const frames = Array.from({ length: 200 }, (_, i) =>
    encodeFrame({ type: 3, seq: i, payload: new Uint8Array(40).fill(i & 0xff) }),
  );
  const clean = await through(1, {}, frames);
  assert.deepEqual(clean, Buffer.concat(frames));
  const rates = { garbage: 0.1, bitFlip: 0.1, drop: 0.1, duplicate: 0.1 };
  const a = await through(42, rates, frames);
  const b = await through(42, rates, frames);
  const c = await through(43, rates, frames);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  // The receiver still finds most frames, and every one it accepts is one that was sent.
  const sent = new Set(frames.map((f) => Buffer.from(f).toString('hex')));
  let good = 0;
  const parser = new FrameParser({
    onFrame: (f) => {
      assert.ok(sent.has(Buffer.from(encodeFrame(f)).toString('hex')));
      good++;
    },
  });
  parser.push(a);
  assert.ok(good > 120 && good < 230, `${good} frames accepted`);
  assert.ok(parser.stats.errors > 0);
});

test('fault proxy: counts what it injected, per direction', async () => {
  const echo = new Echo();
  const proxy = new FaultProxy(echo, {
    seed: 5,
    toDevice: { drop: 0.5 },
    fromDevice: { duplicate: 1 },
  });
  const got = gather(proxy);
  for (let i = 0; i < 100; i++)
    await proxy.write(encodeFrame({ type: 1, seq: i, payload: new Uint8Array(0) }));
  await new Promise((r) => setTimeout(r, 20));
  const f = proxy.injected;
  assert.equal(f.toDevice.frames, 100);
  assert.ok(f.toDevice.drops > 30 && f.toDevice.drops < 70);
  assert.equal(f.fromDevice.frames, 100 - f.toDevice.drops);
  assert.equal(f.fromDevice.duplicates, f.fromDevice.frames);
  assert.equal(
    got.bytes().length,
    2 * f.fromDevice.frames * encodeFrame({ type: 1, seq: 0, payload: new Uint8Array(0) }).length,
  );
});

test('seeded PRNG: reproducible, spread over [0, 1)', () => {
  const r1 = seededRandom(7);
  const r2 = seededRandom(7);
  const xs = Array.from({ length: 1000 }, () => r1());
  assert.deepEqual(
    xs,
    Array.from({ length: 1000 }, () => r2()),
  );
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
});

test('stream transport: data in both directions, end of input closes it with a reason', async () => {
  const toHost = new PassThrough();
  const toDevice = new PassThrough();
  const t = new StreamTransport(toHost, toDevice, 'test pipe');
  const got = gather(t);
  const wrote: Buffer[] = [];
  toDevice.on('data', (b: Buffer) => wrote.push(b));
  await t.write(Uint8Array.from([1, 2, 3]));
  toHost.write(Buffer.from([4, 5]));
  await until(() => got.bytes().length === 2 && wrote.length === 1);
  assert.deepEqual(Buffer.concat(wrote), Buffer.from([1, 2, 3]));
  let reason: Error | undefined;
  t.on('close', (e) => (reason = e));
  toHost.end();
  await until(() => t.closed);
  assert.ok(
    reason instanceof TransportError &&
      reason.code === 'closed' &&
      reason.message.startsWith('test pipe'),
  );
});
