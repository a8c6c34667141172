// The frame parser: every split of a byte stream into chunks yields the same frames;
// garbage, damaged and oversize frames are dropped and the next good frame still comes
// through (resynchronisation at the 0x00); the buffer stays bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError } from '../../runner-agent/protocol/errors.ts';
import { FrameParser } from '../../runner-agent/protocol/frame-parser.ts';
import { encodeFrame, MAX_FRAME_BYTES, type Frame } from '../../runner-agent/protocol/frame.ts';

const frames: Frame[] = [
  { type: 0x81, seq: 0, payload: Uint8Array.from([0, 0, 1, 0]) },
  { type: 0x83, seq: 1, payload: new Uint8Array(300).map((_, i) => i & 0xff) },
  { type: 0xff, seq: 0, payload: new TextEncoder().encode('\x00booted') },
  { type: 0xc1, seq: 0xffff, payload: new Uint8Array(0) },
  { type: 0x86, seq: 2, payload: new Uint8Array(2056).fill(0) },
];
const stream = Buffer.concat(frames.map((f) => encodeFrame(f)));

function collect(maxFrameBytes?: number): {
  parser: FrameParser;
  out: Frame[];
  errors: ProtocolError[];
} {
  const out: Frame[] = [];
  const errors: ProtocolError[] = [];
  const parser = new FrameParser({
    maxFrameBytes,
    onFrame: (f) => out.push(f),
    onError: (e) => errors.push(e),
  });
  return { parser, out, errors };
}

test('every chunk size from 1 to the whole stream gives the same frames', () => {
  for (let size = 1; size <= stream.length; size++) {
    const { parser, out, errors } = collect();
    for (let at = 0; at < stream.length; at += size) parser.push(stream.subarray(at, at + size));
    assert.deepEqual(out, frames, `chunk size ${size}`);
    assert.equal(errors.length, 0);
  }
});

test('random chunk boundaries (seeded)', () => {
  let s = 99;
  for (let run = 0; run < 50; run++) {
    const { parser, out } = collect();
    for (let at = 0; at < stream.length;) {
      s = (s * 1664525 + 1013904223) >>> 0;
      const n = 1 + (s % 700);
      parser.push(stream.subarray(at, at + n));
      at += n;
    }
    assert.deepEqual(out, frames);
  }
});

test('resynchronises after garbage, a damaged frame and a truncated frame', () => {
  const { parser, out, errors } = collect();
  const good1 = encodeFrame(frames[0]);
  const damaged = encodeFrame(frames[1]);
  damaged[10] ^= 0x04;
  const truncated = encodeFrame(frames[3]).subarray(0, 4);
  // '02 37' decodes to a 1-byte frame; 'fe 11 22' points past its end.
  parser.push(Uint8Array.from([0x02, 0x37, 0x00, 0xfe, 0x11, 0x22, 0x00]));
  parser.push(good1);
  parser.push(damaged);
  parser.push(truncated);
  parser.push(Uint8Array.from([0]));
  parser.push(encodeFrame(frames[2]));
  // Noise with no delimiter after it joins the next frame: that frame alone is lost.
  parser.push(Uint8Array.from([0x05, 0x99]));
  parser.push(encodeFrame(frames[3]));
  parser.push(encodeFrame(frames[0]));
  assert.deepEqual(out, [frames[0], frames[2], frames[0]]);
  assert.deepEqual(
    errors.map((e) => e.code),
    ['frame-too-short', 'cobs-invalid', 'crc-mismatch', 'cobs-invalid', 'cobs-invalid'],
  );
  assert.equal(parser.stats.frames, 3);
  assert.equal(parser.stats.errors, errors.length);
  assert.ok(parser.stats.discardedBytes > 0);
});

test('an oversize run without a delimiter is skipped, bounded, and the next frame parses', () => {
  const { parser, out, errors } = collect(256);
  const noise = new Uint8Array(10_000).fill(0x41);
  for (let at = 0; at < noise.length; at += 333) parser.push(noise.subarray(at, at + 333));
  parser.push(Uint8Array.from([0]));
  parser.push(encodeFrame(frames[0]));
  assert.deepEqual(out, [frames[0]]);
  assert.deepEqual(
    errors.map((e) => e.code),
    ['frame-too-long'],
  );
  assert.equal(parser.stats.discardedBytes, 10_000);
});

test('a frame larger than the limit but well-formed is dropped as too long', () => {
  const { parser, out, errors } = collect(64);
  parser.push(encodeFrame({ type: 0x81, seq: 1, payload: new Uint8Array(100).fill(9) }));
  parser.push(encodeFrame(frames[0]));
  assert.deepEqual(out, [frames[0]]);
  assert.equal(errors[0].code, 'frame-too-long');
});

test('lone delimiters are idle fill, not errors', () => {
  const { parser, out, errors } = collect();
  parser.push(Uint8Array.from([0, 0, 0]));
  parser.push(encodeFrame(frames[0]));
  parser.push(Uint8Array.from([0]));
  assert.equal(out.length, 1);
  assert.equal(errors.length, 0);
});

test('reset drops a half frame', () => {
  const { parser, out, errors } = collect();
  const f = encodeFrame(frames[1]);
  parser.push(f.subarray(0, 50));
  parser.reset();
  parser.push(encodeFrame(frames[0]));
  assert.deepEqual(out, [frames[0]]);
  assert.equal(errors.length, 0);
  assert.equal(parser.stats.discardedBytes, 50);
});

test('a frame payload outlives the chunk it came from', () => {
  const { parser, out } = collect();
  const chunk = Buffer.from(encodeFrame(frames[1]));
  parser.push(chunk);
  chunk.fill(0xee);
  assert.deepEqual(out[0], frames[1]);
});

test("the default limit is v1's 2064-byte frame", () => {
  const { parser, out, errors } = collect();
  parser.push(encodeFrame({ type: 1, seq: 0, payload: new Uint8Array(MAX_FRAME_BYTES - 8) }));
  assert.equal(out.length, 1);
  assert.equal(errors.length, 0);
});
