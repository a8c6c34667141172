// Typed payloads: encoders produce the documented layouts, decoders read them back and
// refuse every hostile variant (truncation at each byte, trailing bytes, counts larger
// than the bytes, out-of-range flags), device statuses become DeviceErrors by name, and
// segmented responses reassemble in any order with duplicates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeviceError, ProtocolError } from '../../runner-agent/protocol/errors.ts';
import {
  decodeEvalBegin,
  decodeEvalResult,
  decodeEvalSampleAck,
  decodeGetOutput,
  decodeHello,
  decodeInvoke,
  decodeLog,
  decodePing,
  decodeUploadEnd,
  encodeEvalSample,
  encodeGetOutput,
  encodeInvoke,
  encodeSetInput,
  encodeUploadBegin,
  encodeUploadChunk,
  responseBody,
} from '../../runner-agent/protocol/messages.ts';
import { SegmentAssembler } from '../../runner-agent/protocol/segments.ts';

/** Little-endian byte builder for device payloads written by hand. */
class Bytes {
  private parts: number[] = [];
  u8(v: number): this {
    this.parts.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.u8(v).u8(v >>> 8);
  }
  u32(v: number): this {
    return this.u16(v & 0xffff).u16(v >>> 16);
  }
  f32(v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    return this.raw(b);
  }
  raw(b: Uint8Array | number[]): this {
    this.parts.push(...b);
    return this;
  }
  str(s: string): this {
    const b = new TextEncoder().encode(s);
    return this.u16(b.length).raw(b);
  }
  get bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export function helloBody(over: { maxFrame?: number; fpu?: number } = {}): Uint8Array {
  return new Bytes()
    .u16(1)
    .u16(over.maxFrame ?? 2064)
    .u16(8)
    .u32(16384)
    .u32(25_000_000)
    .u32(25_000_000)
    .u8(2)
    .u8(1)
    .u8(over.fpu ?? 1)
    .u8(1)
    .u8(0)
    .u32(16 << 20)
    .u32(200_000)
    .raw(Array.from({ length: 32 }, (_, i) => i))
    .str('mps2-an386')
    .str('cortex-m4')
    .str('hard')
    .str('opt')
    .str('CONV_2D 1x1 with input depth % 4 == 0')
    .str('0.1.0')
    .str('gcc 12.2.1')
    .str('cmsdk-timer0').bytes;
}

const invalid = (e: unknown): boolean => e instanceof ProtocolError && e.code === 'payload-invalid';

/** Every strict prefix and one extra byte must be refused. */
function hostile(body: Uint8Array, decode: (b: Uint8Array) => unknown): void {
  for (let n = 0; n < body.length; n++)
    assert.throws(() => decode(body.subarray(0, n)), invalid, `prefix ${n}`);
  assert.throws(() => decode(Uint8Array.from([...body, 0])), invalid, 'trailing byte');
}

test('HELLO: fields in order, hostile variants refused', () => {
  const h = decodeHello(helloBody());
  assert.equal(h.protocol, 1);
  assert.equal(h.maxFrame, 2064);
  assert.equal(h.window, 8);
  assert.equal(h.rxBuffer, 16384);
  assert.equal(h.tickSource, 2);
  assert.equal(h.emulated, true);
  assert.equal(h.fpu, true);
  assert.equal(h.dsp, true);
  assert.equal(h.mve, false);
  assert.equal(h.modelRam, 16 << 20);
  assert.equal(h.buildHash, Buffer.from(Array.from({ length: 32 }, (_, i) => i)).toString('hex'));
  assert.equal(h.board, 'mps2-an386');
  assert.equal(h.kernelSet, 'opt');
  assert.equal(h.tickName, 'cmsdk-timer0');
  hostile(helloBody(), decodeHello);
  assert.throws(() => decodeHello(helloBody({ fpu: 2 })), invalid);
  assert.throws(() => decodeHello(helloBody({ maxFrame: 4096 })), invalid);
  assert.throws(() => decodeHello(helloBody({ maxFrame: 10 })), invalid);
  // Invalid UTF-8 in a string field.
  const bad = helloBody();
  bad[bad.length - 1] = 0xff;
  assert.throws(() => decodeHello(bad), invalid);
});

function modelInfoBody(layers: [number, string][], ndims = 4): Uint8Array {
  const b = new Bytes().u32(20_000).u32(12_000).u32(9_000).u16(layers.length).u8(1).u8(1);
  for (const [p] of layers) b.u8(p);
  for (const [, op] of layers) b.str(op);
  const tensor = (dims: number[], bytes: number) => {
    b.u8(9).u8(dims.length);
    for (const d of dims) b.u32(d);
    b.u32(bytes).f32(0.5).u32(0xffffff80);
  };
  tensor([1, 28, 28, 1].slice(0, ndims), 784);
  tensor([1, 10], 10);
  return b.bytes;
}

test('UPLOAD_END body: layers, kernel paths, tensors; counts larger than the bytes refused', () => {
  const m = decodeUploadEnd(
    modelInfoBody([
      [1, 'CONV_2D'],
      [0, 'SOFTMAX'],
    ]),
  );
  assert.deepEqual(m.layers, [
    { kernelPath: 1, op: 'CONV_2D' },
    { kernelPath: 0, op: 'SOFTMAX' },
  ]);
  assert.deepEqual(m.inputs[0], {
    type: 9,
    dims: [1, 28, 28, 1],
    bytes: 784,
    scale: 0.5,
    zeroPoint: -128,
  });
  assert.deepEqual(m.outputs[0].dims, [1, 10]);
  hostile(modelInfoBody([[1, 'CONV_2D']]), decodeUploadEnd);
  const huge = modelInfoBody([[1, 'CONV_2D']]);
  huge[12] = 0xff;
  huge[13] = 0xff;
  assert.throws(() => decodeUploadEnd(huge), /65535 layers cannot fit/);
  const dims7 = modelInfoBody([[0, 'ADD']]);
  // 16 header bytes, kernel path (1), 'ADD' (2 + 3), input 0's type (1): its ndims is byte 23.
  dims7[23] = 7;
  assert.throws(() => decodeUploadEnd(dims7), /ndims = 7/);
});

test('INVOKE body: repeat-major ticks; a count the bytes do not carry is refused', () => {
  const b = new Bytes().u16(1).u16(2).u16(3).u16(0).u32(25_000_000);
  for (const t of [10, 20, 30, 65, 11, 21, 31, 66]) b.u32(t);
  const r = decodeInvoke(b.bytes);
  assert.deepEqual(r.layerTicks, [
    [10, 20, 30],
    [11, 21, 31],
  ]);
  assert.deepEqual(r.totalTicks, [65, 66]);
  assert.equal(r.tickHz, 25_000_000);
  hostile(b.bytes, decodeInvoke);
  const lie = new Bytes().u16(0).u16(0xffff).u16(0xffff).u16(0).u32(1).u32(5).bytes;
  assert.throws(() => decodeInvoke(lie), /need .* tick bytes/);
});

test('small responses: GET_OUTPUT, EVAL_BEGIN, EVAL_SAMPLE ack, EVAL_RESULT, PING, LOG', () => {
  const out = new Bytes().u32(100).raw([1, 2, 3]).bytes;
  assert.deepEqual(decodeGetOutput(out, 100, 3), Uint8Array.from([1, 2, 3]));
  assert.throws(() => decodeGetOutput(out, 0, 3), invalid);
  assert.throws(() => decodeGetOutput(out, 100, 4), invalid);
  hostile(out, (b) => decodeGetOutput(b, 100, 3));
  const eb = new Bytes().u32(784).u32(10).u8(2).bytes;
  assert.deepEqual(decodeEvalBegin(eb), { inputBytes: 784, outputBytes: 10, slots: 2 });
  hostile(eb, decodeEvalBegin);
  const ack = new Bytes().u32(5).u32(784).bytes;
  assert.deepEqual(decodeEvalSampleAck(ack), { sample: 5, received: 784 });
  hostile(ack, decodeEvalSampleAck);
  const ok = decodeEvalResult(new Bytes().u32(3).u16(0).u32(1234).raw([9, 8]).bytes);
  assert.deepEqual(ok, { sample: 3, status: 0, ticks: 1234, output: Uint8Array.from([9, 8]) });
  const err = decodeEvalResult(new Bytes().u32(3).u16(4).str('layer 1: LSTM').bytes);
  assert.deepEqual(err, { sample: 3, status: 4, message: 'layer 1: LSTM' });
  assert.throws(() => decodeEvalResult(new Bytes().u32(3).u16(4).u16(50).bytes), invalid);
  const ping = decodePing(new Bytes().u32(7).u32(2).raw([1, 2]).bytes);
  assert.deepEqual(ping, { framesOk: 7, framesDropped: 2, echo: Uint8Array.from([1, 2]) });
  assert.deepEqual(decodeLog(new Bytes().u8(1).raw(new TextEncoder().encode('hi')).bytes), {
    level: 1,
    text: 'hi',
  });
});

test('responseBody: status 0 passes the rest, other statuses become DeviceError by name', () => {
  assert.deepEqual(responseBody('PING', new Bytes().u16(0).u8(7).bytes), Uint8Array.from([7]));
  const cases: [number, string][] = [
    [4, 'unsupported-op'],
    [9, 'arena-too-small'],
    [0x103, 'model-too-large'],
    [0x107, 'upload-crc'],
    [0x10d, 'eval-slot-busy'],
    [0x1ff, 'status-0x01ff'],
  ];
  for (const [status, code] of cases) {
    assert.throws(
      () => responseBody('UPLOAD_END', new Bytes().u16(status).str('layer 3: operator LSTM').bytes),
      (e) =>
        e instanceof DeviceError &&
        e.code === code &&
        e.status === status &&
        e.deviceMessage === 'layer 3: operator LSTM' &&
        e.message.startsWith('UPLOAD_END: device status'),
    );
  }
  // An error with trailing bytes or a message longer than the payload is malformed.
  assert.throws(() => responseBody('X', new Bytes().u16(1).str('m').u8(0).bytes), invalid);
  assert.throws(() => responseBody('X', new Bytes().u16(1).u16(9).bytes), invalid);
  assert.throws(() => responseBody('X', Uint8Array.from([0])), invalid);
});

test('request encoders: documented layouts and range checks', () => {
  const le = (b: Uint8Array) => Array.from(b);
  assert.deepEqual(
    le(encodeUploadBegin(0x01020304, 0xcbf43926)),
    [4, 3, 2, 1, 0x26, 0x39, 0xf4, 0xcb],
  );
  assert.deepEqual(le(encodeUploadChunk(2064, Uint8Array.from([7]))), [0x10, 0x08, 0, 0, 7]);
  assert.deepEqual(le(encodeSetInput(1, 3, Uint8Array.from([5, 6]))), [1, 3, 0, 0, 0, 5, 6]);
  assert.deepEqual(le(encodeInvoke(2, 300)), [2, 0, 0x2c, 1]);
  assert.deepEqual(le(encodeGetOutput(0, 1, 2048)), [0, 1, 0, 0, 0, 0, 8]);
  assert.deepEqual(
    le(encodeEvalSample(1, 2, true, Uint8Array.from([9]))),
    [1, 0, 0, 0, 2, 0, 0, 0, 1, 9],
  );
  const range = (e: unknown) => e instanceof ProtocolError && e.code === 'value-out-of-range';
  assert.throws(() => encodeInvoke(0, 0), range);
  assert.throws(() => encodeInvoke(70000, 1), range);
  assert.throws(() => encodeUploadChunk(0, new Uint8Array(0)), range);
  assert.throws(() => encodeUploadBegin(2 ** 32, 0), range);
  assert.throws(() => encodeSetInput(256, 0, Uint8Array.from([1])), range);
  assert.throws(() => encodeGetOutput(0, 0, 0), range);
});

test('segmented response: parts in any order, duplicates ignored, contradictions refused', () => {
  const maxFrame = 64; // part size 64 - 18 = 46
  const body = Uint8Array.from({ length: 100 }, (_, i) => i);
  const part = (k: number, parts = 3, total = 100, len?: number) => {
    const data = body.subarray(k * 46, k * 46 + (len ?? Math.min(46, total - k * 46)));
    return new Bytes().u16(k).u16(parts).u32(total).raw(data).bytes;
  };
  const a = new SegmentAssembler('INVOKE response', maxFrame, 1000);
  assert.equal(a.add(part(2)), undefined);
  assert.equal(a.add(part(0)), undefined);
  assert.equal(a.add(part(0)), undefined);
  assert.deepEqual(a.add(part(1)), body);
  const fresh = () => new SegmentAssembler('INVOKE response', maxFrame, 1000);
  assert.throws(() => fresh().add(part(0, 2)), invalid); // 2 parts cannot carry 100 bytes
  assert.throws(() => fresh().add(part(3, 3)), invalid); // index out of range
  assert.throws(() => fresh().add(part(0, 3, 100, 40)), invalid); // short middle part
  assert.throws(
    () => new SegmentAssembler('X', maxFrame, 99).add(part(0)),
    /exceeds the 99-byte bound/,
  );
  const b = fresh();
  b.add(part(0));
  assert.throws(
    () => b.add(new Bytes().u16(1).u16(3).u32(101).raw(body.subarray(46, 92)).bytes),
    invalid,
  );
  // An empty body is one part.
  assert.deepEqual(fresh().add(new Bytes().u16(0).u16(1).u32(0).bytes), new Uint8Array(0));
});
