// A chunk executed twice is counted once (docs/protocol.md section 5), against the real
// firmware dispatcher (the virtual board) with raw requests the client would never send:
// a chunk re-sent with its seq after its response left the 8-entry cache (so the device
// executes it again), the same bytes under a new seq, and more separate ranges than the
// device tracks (FRAGMENTED). The sample's output must equal that of a clean run; before
// the fix the device completed the sample early and answered a wrong output with status 0.
// The same rule in the fake device keeps the client's retransmissions exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeviceClient } from '../../runner-agent/device/client.ts';
import { RequestLink } from '../../runner-agent/device/link.ts';
import { crc32 } from '../../runner-agent/protocol/crc32.ts';
import { DeviceError } from '../../runner-agent/protocol/errors.ts';
import {
  Cmd,
  decodeEvalResult,
  decodeEvalSampleAck,
  decodeUploadChunkAck,
  encodeEvalBegin,
  encodeEvalSample,
  encodeUploadBegin,
  encodeUploadChunk,
  EVAL_RESULT,
  type EvalResult,
} from '../../runner-agent/protocol/messages.ts';
import { spawnTransport } from '../../runner-agent/transport/stream.ts';
import { Coverage, FakeDevice, fakeOutput } from './client-fake-device.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const board =
  process.env.TG_VIRTUAL_BOARD ??
  path.join(repoRoot, 'firmware', 'build', 'host-proto', 'tg_virtual_board');
const noBoard = existsSync(board)
  ? false
  : `${board} not built: run \`make -C firmware virtual-board\` (or set TG_VIRTUAL_BOARD)`;
const lenet = path.join(repoRoot, 'examples', 'lenet-mnist', 'lenet_int8.tflite');

function bytes(n: number, seed: number): Uint8Array {
  let s = seed >>> 0;
  return Uint8Array.from({ length: n }, () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s >>> 24;
  });
}

const opts = { timeoutMs: 5000 };

/** Eight PINGs take the device's eight response-cache entries: earlier requests are evicted. */
async function evictCache(link: RequestLink): Promise<void> {
  for (let i = 0; i < 8; i++) await link.request(Cmd.PING, new Uint8Array(0), opts);
}

test(
  'virtual board: a chunk executed twice is counted once; too many ranges is FRAGMENTED',
  { skip: noBoard },
  async () => {
    const model = readFileSync(lenet);
    const samples = [bytes(784, 1), bytes(784, 2)];
    // Reference: the same samples through the client on a board of its own.
    const ref = await spawnTransport(board, ['--ticks', 'counter']);
    let want: Uint8Array[];
    try {
      const c = new DeviceClient(ref.transport);
      await c.upload(model);
      want = (await c.evaluate(samples)).map((r) => r.output);
    } finally {
      await ref.transport.close();
    }

    const ct = await spawnTransport(board, ['--ticks', 'counter']);
    const link = new RequestLink(ct.transport, { bytesPerSecond: 10e6 });
    const results: EvalResult[] = [];
    link.onStream = (f) => {
      if (f.type === EVAL_RESULT) results.push(decodeEvalResult(f.payload));
    };
    try {
      await link.request(Cmd.HELLO, new Uint8Array(0), opts);
      // Upload: chunk 0 executed twice (same seq, evicted meanwhile) counts 2000 bytes once.
      await link.request(Cmd.UPLOAD_BEGIN, encodeUploadBegin(model.length, crc32(model)), opts);
      const first = link.prepare(Cmd.UPLOAD_CHUNK, encodeUploadChunk(0, model.subarray(0, 2000)));
      assert.equal(decodeUploadChunkAck(await link.send(first, opts)), 2000);
      await evictCache(link);
      assert.equal(decodeUploadChunkAck(await link.send(first, opts)), 2000);
      let received = 0;
      for (let at = 2000; at < model.length; at += 2000) {
        const chunk = model.subarray(at, Math.min(model.length, at + 2000));
        received = decodeUploadChunkAck(
          await link.request(Cmd.UPLOAD_CHUNK, encodeUploadChunk(at, chunk), opts),
        );
      }
      assert.equal(received, model.length);
      await link.request(Cmd.UPLOAD_END, new Uint8Array(0), opts);

      await link.request(Cmd.EVAL_BEGIN, encodeEvalBegin(2), opts);
      // Sample 0: its first half twice (re-executed after eviction), then under a new seq.
      const s0 = samples[0];
      const half = link.prepare(
        Cmd.EVAL_SAMPLE,
        encodeEvalSample(0, 0, false, s0.subarray(0, 392)),
      );
      assert.equal(decodeEvalSampleAck(await link.send(half, opts)).received, 392);
      await evictCache(link);
      assert.equal(decodeEvalSampleAck(await link.send(half, opts)).received, 392);
      const again = encodeEvalSample(0, 0, false, s0.subarray(0, 392));
      assert.equal(
        decodeEvalSampleAck(await link.request(Cmd.EVAL_SAMPLE, again, opts)).received,
        392,
      );
      // The device sends a result before it reads the next request: a PING's answer means
      // any result of the requests above has arrived. None may have: the sample is half full.
      await link.request(Cmd.PING, new Uint8Array(0), opts);
      assert.equal(results.length, 0, 'EVAL_RESULT of a half-filled sample');
      const rest = encodeEvalSample(0, 392, true, s0.subarray(392));
      assert.equal(
        decodeEvalSampleAck(await link.request(Cmd.EVAL_SAMPLE, rest, opts)).received,
        784,
      );
      await link.request(Cmd.PING, new Uint8Array(0), opts);
      assert.equal(results.length, 1);
      assert.equal(results[0].sample, 0);
      assert.ok('output' in results[0]);
      assert.deepEqual(results[0].output, want[0]);

      // Sample 1: 16 one-byte ranges are tracked, a 17th separate one is refused by name.
      const s1 = samples[1];
      for (let k = 0; k < 16; k++) {
        const one = encodeEvalSample(1, 2 * k, false, s1.subarray(2 * k, 2 * k + 1));
        const ack = decodeEvalSampleAck(await link.request(Cmd.EVAL_SAMPLE, one, opts));
        assert.equal(ack.received, k + 1);
      }
      await assert.rejects(
        link.request(Cmd.EVAL_SAMPLE, encodeEvalSample(1, 32, false, s1.subarray(32, 33)), opts),
        (e) =>
          e instanceof DeviceError &&
          e.code === 'fragmented' &&
          /sample 1: offset 32 \+ length 1 would leave more than 16/.test(e.message),
      );
      // The whole sample in one chunk: complete, and the output is the clean run's.
      const whole = encodeEvalSample(1, 0, true, s1);
      assert.equal(
        decodeEvalSampleAck(await link.request(Cmd.EVAL_SAMPLE, whole, opts)).received,
        784,
      );
      await link.request(Cmd.PING, new Uint8Array(0), opts);
      assert.equal(results.length, 2);
      assert.equal(results[1].sample, 1);
      assert.ok('output' in results[1]);
      assert.deepEqual(results[1].output, want[1]);
    } finally {
      await ct.transport.close();
    }
  },
);

test('fake device: Coverage counts distinct bytes like the firmware (byte map)', () => {
  let s = 99;
  const rnd = (n: number): number => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return (s >>> 8) % n;
  };
  let refused = 0;
  for (let round = 0; round < 200; round++) {
    const c = new Coverage();
    const map = new Uint8Array(200);
    for (let k = 0; k < 60; k++) {
      const off = rnd(200);
      const len = Math.min(200 - off, 1 + rnd(round % 2 ? 24 : 6));
      const before = c.bytes;
      if (!c.add(off, len)) {
        refused++;
        assert.equal(c.bytes, before);
        continue;
      }
      map.fill(1, off, off + len);
      assert.equal(
        c.bytes,
        map.reduce((n, b) => n + b, 0),
      );
    }
  }
  assert.ok(refused > 0, 'the 16-range limit was reached at least once');
});

test('fake device with the distinct-byte rule: retransmissions and faults keep results exact', async () => {
  const dev = new FakeDevice({ ignoreEvery: 3, inputBytes: 5000, outputBytes: 12 });
  const c = new DeviceClient(dev.host, { timeoutScale: 0.02 });
  const progress: number[] = [];
  const info = await c.upload(bytes(30_000, 5), { onProgress: (n) => progress.push(n) });
  assert.equal(info.modelBytes, 30_000);
  assert.equal(progress.at(-1), 30_000);
  const samples = Array.from({ length: 9 }, (_, i) => bytes(5000, 50 + i));
  const out = await c.evaluate(samples);
  out.forEach((r, i) => assert.deepEqual(r.output, fakeOutput(samples[i], 12), `sample ${i}`));
  // A result whose answer was ignored may be re-run in a fresh round: never fewer runs.
  assert.ok(dev.inferences >= 9, `${dev.inferences} inferences`);
  assert.ok(c.stats().retransmits + c.stats().fastRetransmits > 0, JSON.stringify(c.stats()));
});
