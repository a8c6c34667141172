// A session captured from the firmware's protocol code (the host virtual board built from
// firmware/protocol/, `--ticks counter`, so the bytes are reproducible): HELLO, upload of
// hello_world_int8, SET_INPUT, INVOKE, GET_OUTPUT, a 4-sample evaluation, PING, RESET, then
// three refused requests. The evaluated outputs are TFLite Micro's golden ones. The C encoder's bytes must decode here, at any chunking, and
// re-encode to the same bytes (COBS and CRC agree byte for byte between the two sides).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeviceError } from '../../runner-agent/protocol/errors.ts';
import { FrameParser } from '../../runner-agent/protocol/frame-parser.ts';
import { encodeFrame, type Frame } from '../../runner-agent/protocol/frame.ts';
import {
  decodeEvalBegin,
  decodeEvalResult,
  decodeEvalSampleAck,
  decodeGetOutput,
  decodeHello,
  decodeInvoke,
  decodePing,
  decodeUploadChunkAck,
  decodeUploadEnd,
  expectEmpty,
  responseBody,
} from '../../runner-agent/protocol/messages.ts';
import { SegmentAssembler } from '../../runner-agent/protocol/segments.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const fromDevice = readFileSync(path.join(here, 'protocol-capture-from-device.bin'));
const toDevice = readFileSync(path.join(here, 'protocol-capture-to-device.bin'));

function parse(bytes: Uint8Array, chunk = bytes.length): { frames: Frame[]; errors: number } {
  const frames: Frame[] = [];
  const p = new FrameParser({ onFrame: (f) => frames.push(f) });
  for (let at = 0; at < bytes.length; at += chunk) p.push(bytes.subarray(at, at + chunk));
  return { frames, errors: p.stats.errors };
}

const sig = (fs: Frame[]) => fs.map((f) => `${f.type.toString(16)}:${f.seq}`).join(' ');

test('device stream: the expected frames, at every chunk size, re-encoded byte for byte', () => {
  const whole = parse(fromDevice);
  assert.equal(whole.errors, 0);
  assert.equal(
    sig(whole.frames),
    '81:0 82:1 83:2 83:3 84:4 85:5 86:6 87:7 88:8 89:9 c1:9 89:10 c1:10 89:11 c1:11 89:12 c1:12 8b:13 8a:14 bf:0 86:1 86:2',
  );
  for (let chunk = 1; chunk <= fromDevice.length; chunk++) {
    assert.deepEqual(parse(fromDevice, chunk).frames, whole.frames, `chunk ${chunk}`);
  }
  assert.deepEqual(Buffer.concat(whole.frames.map((f) => encodeFrame(f))), fromDevice);
});

test('host stream: the client sent one leading delimiter, then canonical frames', () => {
  const { frames, errors } = parse(toDevice);
  assert.equal(errors, 0);
  assert.equal(
    sig(frames),
    '1:0 2:1 3:2 3:3 4:4 5:5 6:6 7:7 8:8 9:9 9:10 9:11 9:12 b:13 a:14 3f:0 6:1 6:2',
  );
  // Two clients: each opened with a lone 0x00.
  const expected = Buffer.concat([
    Buffer.from([0]),
    ...frames.slice(0, 15).map((f) => encodeFrame(f)),
    Buffer.from([0]),
    ...frames.slice(15).map((f) => encodeFrame(f)),
  ]);
  assert.deepEqual(expected, toDevice);
});

test('device stream: every response decodes to what the session did', () => {
  const f = parse(fromDevice).frames;
  const body = (i: number, name: string) => responseBody(name, f[i].payload);
  const h = decodeHello(body(0, 'HELLO'));
  assert.equal(h.board, 'host');
  assert.equal(h.tickName, 'counter');
  assert.equal(h.tickSource, 5);
  assert.equal(h.maxFrame, 2064);
  expectEmpty('UPLOAD_BEGIN', body(1, 'UPLOAD_BEGIN'));
  assert.equal(decodeUploadChunkAck(body(2, 'UPLOAD_CHUNK')), 2052);
  assert.equal(decodeUploadChunkAck(body(3, 'UPLOAD_CHUNK')), 2704);
  const info = decodeUploadEnd(
    new SegmentAssembler('UPLOAD_END', 2064, 1 << 20).add(body(4, 'UPLOAD_END')) as Uint8Array,
  );
  assert.equal(info.modelBytes, 2704);
  assert.deepEqual(
    info.layers.map((l) => l.op),
    ['FULLY_CONNECTED', 'FULLY_CONNECTED', 'FULLY_CONNECTED'],
  );
  assert.deepEqual(info.inputs[0].dims, [1, 1]);
  assert.equal(info.inputs[0].type, 9);
  expectEmpty('SET_INPUT', body(5, 'SET_INPUT'));
  const inv = decodeInvoke(
    new SegmentAssembler('INVOKE', 2064, 16384).add(body(6, 'INVOKE')) as Uint8Array,
  );
  assert.equal(inv.repeats, 2);
  assert.deepEqual(inv.layerTicks[0], inv.layerTicks[1]);
  assert.ok(inv.totalTicks[0] >= inv.layerTicks[0].reduce((a, b) => a + b, 0));
  const out = decodeGetOutput(body(7, 'GET_OUTPUT'), 0, 1);
  assert.deepEqual(decodeEvalBegin(body(8, 'EVAL_BEGIN')), {
    inputBytes: 1,
    outputBytes: 1,
    slots: 2,
  });
  // TensorFlow Lite Micro's outputs for golden samples 0-3 (shared/golden/hello_world_int8).
  const golden = [0x04, 0x04, 0xf7, 0x67];
  for (let k = 0; k < 4; k++) {
    assert.deepEqual(decodeEvalSampleAck(body(9 + 2 * k, 'EVAL_SAMPLE')), {
      sample: k,
      received: 1,
    });
    const r = decodeEvalResult(f[10 + 2 * k].payload);
    assert.equal(r.sample, k);
    assert.equal(r.status, 0);
    assert.deepEqual('output' in r ? [...r.output] : [], [golden[k]]);
    // Sample 3 is the input SET_INPUT wrote before the INVOKE: same output both ways.
    if (k === 3 && 'output' in r) assert.deepEqual(r.output, out);
  }
  const ping = decodePing(body(17, 'PING'));
  assert.equal(new TextDecoder().decode(ping.echo), 'ping');
  assert.equal(ping.framesDropped, 0);
  expectEmpty('RESET', body(18, 'RESET'));
  assert.throws(
    () => body(19, 'X'),
    (e) => e instanceof DeviceError && e.code === 'unknown-command',
  );
  assert.throws(
    () => body(20, 'INVOKE'),
    (e) => e instanceof DeviceError && e.code === 'no-model',
  );
  assert.throws(
    () => body(21, 'INVOKE'),
    (e) =>
      e instanceof DeviceError &&
      e.code === 'bad-length' &&
      /3 bytes, expected 4/.test(e.deviceMessage),
  );
});
