// The device client against the in-memory fake device (client-fake-device.ts): every
// command, window and segmentation, refusals before upload, device errors by name,
// retransmission without double execution, a silent board, pipelined evaluation, and the
// fault proxy (garbage, bit flips, drops, duplicates: results still exact).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientError, DeviceTimeoutError } from '../../runner-agent/device/errors.ts';
import { DeviceClient } from '../../runner-agent/device/client.ts';
import { DeviceError } from '../../runner-agent/protocol/errors.ts';
import { Cmd } from '../../runner-agent/protocol/messages.ts';
import { FrameParser } from '../../runner-agent/protocol/frame-parser.ts';
import { encodeFrame, type Frame } from '../../runner-agent/protocol/frame.ts';
import { EVAL_RESULT } from '../../runner-agent/protocol/messages.ts';
import { FaultProxy } from '../../runner-agent/transport/fault-proxy.ts';
import { TransportBase, type Transport } from '../../runner-agent/transport/transport.ts';
import { FakeDevice, fakeOutput } from './client-fake-device.ts';

function bytes(n: number, seed: number): Uint8Array {
  let s = seed >>> 0;
  return Uint8Array.from({ length: n }, () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s >>> 24;
  });
}

/** Fast timeouts for in-memory lines: 1 s becomes 20 ms. */
const fast = { timeoutScale: 0.02 };

test('hello, upload (windowed, segmented answer), set input, invoke, get output', async () => {
  const dev = new FakeDevice({ layers: 5 });
  const c = new DeviceClient(dev.host, fast);
  const h = await c.hello();
  assert.equal(h.board, 'fake');
  assert.equal(h.window, 8);
  const model = bytes(50_000, 1);
  const progress: number[] = [];
  const info = await c.upload(model, { onProgress: (s) => progress.push(s) });
  assert.equal(info.modelBytes, 50_000);
  assert.deepEqual(
    info.layers.map((l) => l.op),
    ['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'SOFTMAX', 'CONV_2D'],
  );
  assert.equal(progress.at(-1), 50_000);
  assert.equal(dev.executed.get(Cmd.UPLOAD_CHUNK), Math.ceil(50_000 / 2052));
  const input = bytes(784, 2);
  await c.setInput(0, input);
  assert.equal(dev.executed.get(Cmd.SET_INPUT), 1);
  const r = await c.invoke(2, 3);
  assert.equal(r.repeats, 3);
  assert.deepEqual(r.layerTicks, [
    [100, 200, 300, 400, 500],
    [100, 200, 300, 400, 500],
    [100, 200, 300, 400, 500],
  ]);
  assert.deepEqual(r.totalTicks, [1507, 1507, 1507]);
  assert.equal(dev.inferences, 5);
  assert.deepEqual(await c.getOutput(0), fakeOutput(input));
  const ping = await c.ping(Uint8Array.from([1, 2, 3]));
  assert.deepEqual(ping.echo, Uint8Array.from([1, 2, 3]));
  await c.reset();
  await assert.rejects(c.invoke(0, 1), (e) => e instanceof ClientError && e.code === 'no-model');
});

test('large inputs and outputs go in chunks; many repeats split across INVOKEs', async () => {
  const dev = new FakeDevice({ inputBytes: 10_000, outputBytes: 5_000, layers: 4 });
  const c = new DeviceClient(dev.host, fast);
  await c.upload(bytes(3000, 3));
  const input = bytes(10_000, 4);
  await c.setInput(0, input);
  assert.equal(dev.executed.get(Cmd.SET_INPUT), Math.ceil(10_000 / 2051));
  const r = await c.invoke(1, 2000);
  assert.equal(r.layerTicks.length, 2000);
  // (16384 - 12) / (4 x 5) = 818 repeats per INVOKE.
  assert.equal(dev.executed.get(Cmd.INVOKE), 3);
  assert.equal(dev.inferences, 2001);
  assert.deepEqual(await c.getOutput(0), fakeOutput(input, 5_000));
  assert.equal(dev.executed.get(Cmd.GET_OUTPUT), Math.ceil(5_000 / 2050));
});

test('a model larger than model RAM is refused before upload with both sizes', async () => {
  const dev = new FakeDevice({ modelRam: 4096 });
  const c = new DeviceClient(dev.host, fast);
  await assert.rejects(
    c.upload(bytes(5000, 5)),
    (e) =>
      e instanceof ClientError &&
      e.code === 'model-too-large' &&
      /5000 bytes.*4096 bytes/.test(e.message),
  );
  assert.equal(dev.executed.get(Cmd.UPLOAD_BEGIN), undefined);
});

test('an unsupported operator comes back as a DeviceError naming it and the layer', async () => {
  const dev = new FakeDevice();
  const c = new DeviceClient(dev.host, fast);
  const model = bytes(4000, 6);
  model.set(new TextEncoder().encode('BAD'));
  await assert.rejects(
    c.upload(model),
    (e) =>
      e instanceof DeviceError &&
      e.code === 'unsupported-op' &&
      /layer 2: operator LSTM/.test(e.message),
  );
  await assert.rejects(
    c.setInput(0, new Uint8Array(784)),
    (e) => e instanceof ClientError && e.code === 'no-model',
  );
});

test('a silent board: DeviceTimeoutError after the retransmissions, no hang', async () => {
  const dev = new FakeDevice({ silent: true });
  const c = new DeviceClient(dev.host, { timeoutScale: 0.01, retries: 3 });
  const t0 = performance.now();
  await assert.rejects(
    c.hello(),
    (e) =>
      e instanceof DeviceTimeoutError &&
      e.code === 'device-timeout' &&
      e.attempts === 4 &&
      e.command === 'HELLO',
  );
  const ms = performance.now() - t0;
  assert.ok(ms < 1000, `${ms} ms`);
  assert.equal(c.stats().retransmits, 3);
  // Boot probing: HELLO every 20 ms, 5 times.
  await assert.rejects(
    c.hello({ timeoutMs: 20, attempts: 5 }),
    (e) => e instanceof DeviceTimeoutError && e.attempts === 5,
  );
});

test('lost requests are retransmitted with the same seq and never executed twice', async () => {
  const dev = new FakeDevice({ ignoreEvery: 3 });
  const c = new DeviceClient(dev.host, fast);
  await c.hello();
  const model = bytes(30_000, 7);
  await c.upload(model, { macs: 1000 });
  const input = bytes(784, 8);
  await c.setInput(0, input);
  await c.invoke(1, 4);
  assert.deepEqual(await c.getOutput(0), fakeOutput(input));
  // Losses are seen early: a later request's answer triggers the retransmission.
  assert.ok(c.stats().fastRetransmits > 0);
  assert.equal(dev.executed.get(Cmd.INVOKE), 1);
  assert.equal(dev.inferences, 5);
  assert.equal(dev.executed.get(Cmd.UPLOAD_END), 1);
});

test('evaluate: results exact and in order, next sample waiting while the board computes', async () => {
  const dev = new FakeDevice({ inferMs: 15 });
  const c = new DeviceClient(dev.host, fast);
  await c.upload(bytes(2000, 9), { macs: 1000 });
  const samples = Array.from({ length: 24 }, (_, i) => bytes(784, 100 + i));
  const seen: number[] = [];
  const out = await c.evaluate(samples, { onResult: (r) => seen.push(r.sample) });
  assert.equal(out.length, 24);
  out.forEach((r, i) => {
    assert.equal(r.sample, i);
    assert.equal(r.ticks, 1234);
    assert.deepEqual(r.output, fakeOutput(samples[i]));
  });
  assert.equal(seen.length, 24);
  assert.equal(dev.inferences, 24);
  // Every inference but the last found the next sample already on the line.
  assert.ok(dev.nextWaiting >= 22, `next sample waiting after ${dev.nextWaiting} of 24 inferences`);
  await assert.rejects(
    c.evaluate([new Uint8Array(10)]),
    (e) =>
      e instanceof ClientError &&
      e.code === 'bad-argument' &&
      /sample 0 has 10 bytes/.test(e.message),
  );
});

test('evaluate: multi-chunk samples', async () => {
  const dev = new FakeDevice({ inputBytes: 5000, outputBytes: 12 });
  const c = new DeviceClient(dev.host, fast);
  await c.upload(bytes(2000, 10));
  const samples = Array.from({ length: 7 }, (_, i) => bytes(5000, 200 + i));
  const out = await c.evaluate(samples);
  out.forEach((r, i) => assert.deepEqual(r.output, fakeOutput(samples[i], 12)));
});

for (const seed of [1, 2, 3]) {
  test(`fault proxy (seed ${seed}): garbage, bit flips, drops, duplicates both ways; results exact`, async () => {
    const dev = new FakeDevice({ inferMs: 2 });
    const rates = { garbage: 0.1, bitFlip: 0.05, drop: 0.05, duplicate: 0.05 };
    const proxy = new FaultProxy(dev.host, { seed, toDevice: rates, fromDevice: rates });
    const c = new DeviceClient(proxy, { timeoutScale: 0.05, retries: 8 });
    await c.hello();
    const model = bytes(40_000, seed);
    const info = await c.upload(model, { macs: 1000 });
    assert.equal(info.modelBytes, 40_000);
    const input = bytes(784, seed + 1);
    await c.setInput(0, input);
    const inv = await c.invoke(1, 3);
    assert.deepEqual(inv.totalTicks, [1007, 1007, 1007]);
    assert.deepEqual(await c.getOutput(0), fakeOutput(input));
    const samples = Array.from({ length: 30 }, (_, i) => bytes(784, 300 + i));
    const out = await c.evaluate(samples);
    out.forEach((r, i) => assert.deepEqual(r.output, fakeOutput(samples[i]), `sample ${i}`));
    const f = proxy.injected;
    for (const dir of [f.toDevice, f.fromDevice]) {
      assert.ok(
        dir.garbage > 0 && dir.drops > 0 && dir.bitFlips > 0 && dir.duplicates > 0,
        JSON.stringify(f),
      );
    }
    assert.equal(dev.executed.get(Cmd.INVOKE), 1);
    const st = c.stats();
    assert.ok(st.lineErrors > 0 && st.retransmits + st.fastRetransmits > 0, JSON.stringify(st));
  });
}

test('a transport that closes fails outstanding and later requests', async () => {
  const dev = new FakeDevice({ silent: true });
  const c = new DeviceClient(dev.host, { timeoutScale: 10 });
  const p = c.hello();
  await dev.host.close();
  await assert.rejects(p, (e) => e instanceof ClientError && e.code === 'closed');
  await assert.rejects(c.ping(), (e) => e instanceof ClientError && e.code === 'closed');
});

/** Drops device -> host frames the predicate picks; everything else passes re-encoded. */
class DropFilter extends TransportBase {
  private readonly inner: Transport;
  constructor(inner: Transport, drop: (f: Frame) => boolean) {
    super();
    this.inner = inner;
    const parser = new FrameParser({
      onFrame: (f) => {
        if (!drop(f)) this.emitData(encodeFrame(f));
      },
    });
    inner.on('data', (b) => parser.push(b));
  }
  write(bytes: Uint8Array): Promise<void> {
    return this.inner.write(bytes);
  }
  async close(): Promise<void> {
    await this.inner.close();
  }
}

const resultOf = (f: Frame): number =>
  f.type === EVAL_RESULT
    ? new DataView(f.payload.buffer, f.payload.byteOffset).getUint32(0, true)
    : -1;

test('a lost EVAL_RESULT is asked for again with the same seq: no second inference', async () => {
  const dev = new FakeDevice();
  let dropped = 0;
  const line = new DropFilter(dev.host, (f) => resultOf(f) === 2 && dropped++ === 0);
  const c = new DeviceClient(line, fast);
  await c.upload(bytes(2000, 11), { macs: 1000 });
  const samples = Array.from({ length: 6 }, (_, i) => bytes(784, 400 + i));
  const out = await c.evaluate(samples);
  out.forEach((r, i) => assert.deepEqual(r.output, fakeOutput(samples[i])));
  assert.equal(dropped, 2);
  assert.equal(dev.inferences, 6);
  assert.equal(dev.executed.get(Cmd.EVAL_BEGIN), 1);
});

test('an EVAL_RESULT lost for good is re-run in a fresh round', async () => {
  const dev = new FakeDevice();
  let dropped = 0;
  // Round 1 numbers the samples 0..5; round 2 has one sample, numbered 0.
  const line = new DropFilter(dev.host, (f) => resultOf(f) === 4 && dropped++ < 10);
  const c = new DeviceClient(line, fast);
  await c.upload(bytes(2000, 12), { macs: 1000 });
  const samples = Array.from({ length: 6 }, (_, i) => bytes(784, 500 + i));
  const out = await c.evaluate(samples, { resultRetries: 1 });
  out.forEach((r, i) => assert.deepEqual(r.output, fakeOutput(samples[i])));
  assert.equal(dev.executed.get(Cmd.EVAL_BEGIN), 2);
  assert.equal(dev.inferences, 7);
});

test('close() lets go of the transport: a new client takes the line over', async () => {
  const dev = new FakeDevice();
  const first = new DeviceClient(dev.host, fast);
  await first.hello();
  first.close();
  await assert.rejects(first.ping(), (e) => e instanceof ClientError && e.code === 'closed');
  const second = new DeviceClient(dev.host, fast);
  assert.equal((await second.hello()).board, 'fake');
  await second.upload(bytes(3000, 13), { macs: 1000 });
  const input = bytes(784, 14);
  await second.setInput(0, input);
  await second.invoke(0, 1);
  assert.deepEqual(await second.getOutput(0), fakeOutput(input));
  assert.equal(first.stats().staleResponses, 0);
});

test('a request whose answers keep getting lost is never executed twice (window by seq distance)', async () => {
  const dev = new FakeDevice();
  let dropped = 0;
  // seq 0 HELLO, 1 UPLOAD_BEGIN, 2.. chunks: lose the answer to the chunk with seq 3, twice.
  const line = new DropFilter(dev.host, (f) => {
    if (f.type !== 0x83 || f.seq !== 3 || dropped === 2) return false;
    dropped++;
    return true;
  });
  const c = new DeviceClient(line, fast);
  await c.hello();
  const model = bytes(60_000, 15);
  const chunks = Math.ceil(60_000 / 2052);
  await c.upload(model, { macs: 1000 });
  assert.equal(dropped, 2);
  // The fake keeps the answers to its last 8 requests, like the firmware: every
  // retransmission was answered from there, none executed again.
  assert.equal(dev.executed.get(Cmd.UPLOAD_CHUNK), chunks);
  assert.ok(c.stats().retransmits + c.stats().fastRetransmits >= 2);
});

test('a board that hangs in INVOKE is declared after one long wait, not four', async () => {
  const dev = new FakeDevice({ hangOn: Cmd.INVOKE });
  const c = new DeviceClient(dev.host, fast);
  // 10 M MACs: the first wait is 0.02 x (2000 + 50 + 10000) ms = 241 ms; retries wait ~25 ms.
  await c.upload(bytes(3000, 16), { macs: 10_000_000 });
  const t0 = performance.now();
  await assert.rejects(
    c.invoke(0, 1),
    (e) => e instanceof DeviceTimeoutError && e.command === 'INVOKE' && e.attempts === 4,
  );
  const ms = performance.now() - t0;
  assert.ok(ms >= 240 && ms < 600, `${ms} ms`);
});
