// Codec tables: COBS (the vectors of Cheshire & Baker's scheme as commonly published),
// CRC-32 check values, frame encode/decode, and hostile frames (wrong CRC, short,
// oversize, zero-length, bad COBS, wrong version); each error code provoked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cobsDecode, cobsEncode, cobsMaxEncoded } from '../../runner-agent/protocol/cobs.ts';
import { crc32, crc32Update } from '../../runner-agent/protocol/crc32.ts';
import { ProtocolError, type ProtocolErrorCode } from '../../runner-agent/protocol/errors.ts';
import {
  decodeFrame,
  encodeFrame,
  MAX_FRAME_BYTES,
  MAX_PAYLOAD_BYTES,
} from '../../runner-agent/protocol/frame.ts';

const hex = (s: string): Uint8Array =>
  Uint8Array.from(
    s
      .split(/\s+/)
      .filter(Boolean)
      .map((h) => parseInt(h, 16)),
  );
const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

const cobsTable: { name: string; raw: Uint8Array; enc: Uint8Array }[] = [
  { name: 'empty', raw: hex(''), enc: hex('01') },
  { name: 'one zero', raw: hex('00'), enc: hex('01 01') },
  { name: 'two zeros', raw: hex('00 00'), enc: hex('01 01 01') },
  { name: 'zero inside', raw: hex('00 11 00'), enc: hex('01 02 11 01') },
  { name: 'mixed', raw: hex('11 22 00 33'), enc: hex('03 11 22 02 33') },
  { name: 'no zero', raw: hex('11 22 33 44'), enc: hex('05 11 22 33 44') },
  { name: 'trailing zeros', raw: hex('11 00 00 00'), enc: hex('02 11 01 01 01') },
  {
    name: '254 non-zero bytes',
    raw: Uint8Array.from(range(1, 254)),
    enc: Uint8Array.from([0xff, ...range(1, 254)]),
  },
  {
    name: 'zero then 254 non-zero',
    raw: Uint8Array.from(range(0, 254)),
    enc: Uint8Array.from([0x01, 0xff, ...range(1, 254)]),
  },
  {
    name: '255 non-zero bytes',
    raw: Uint8Array.from(range(1, 255)),
    enc: Uint8Array.from([0xff, ...range(1, 254), 0x02, 0xff]),
  },
  {
    name: '254 non-zero then zero',
    raw: Uint8Array.from([...range(2, 255), 0]),
    enc: Uint8Array.from([0xff, ...range(2, 255), 0x01, 0x01]),
  },
  {
    name: '253 non-zero, zero, one',
    raw: Uint8Array.from([...range(3, 255), 0, 1]),
    enc: Uint8Array.from([0xfe, ...range(3, 255), 0x02, 0x01]),
  },
];

for (const c of cobsTable) {
  test(`COBS ${c.name}: encode and decode`, () => {
    assert.deepEqual(cobsEncode(c.raw), c.enc);
    assert.deepEqual(cobsDecode(c.enc), c.raw);
    assert.ok(c.enc.length <= cobsMaxEncoded(c.raw.length));
    assert.equal(c.enc.indexOf(0), -1);
  });
}

test('COBS round trip of random buffers of every length 0..1100', () => {
  let s = 12345;
  for (let n = 0; n <= 1100; n++) {
    const raw = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      s = (s * 1103515245 + 12345) >>> 0;
      raw[i] = s % 3 === 0 ? 0 : s >>> 24;
    }
    const enc = cobsEncode(raw);
    assert.ok(enc.length <= cobsMaxEncoded(n), `length ${n}`);
    assert.deepEqual(cobsDecode(enc), raw, `length ${n}`);
  }
});

test('COBS accepts a trailing empty block after a full one (other encoders emit it)', () => {
  assert.deepEqual(
    cobsDecode(Uint8Array.from([0xff, ...range(1, 254), 0x01])),
    Uint8Array.from(range(1, 254)),
  );
});

const cobsBad: { name: string; enc: Uint8Array }[] = [
  { name: 'block past the end', enc: hex('05 11 22') },
  { name: 'zero code byte', enc: hex('02 11 00 33') },
  { name: 'zero data byte', enc: hex('03 11 00') },
];
for (const c of cobsBad) {
  test(`COBS refuses ${c.name}`, () => {
    assert.throws(
      () => cobsDecode(c.enc),
      (e) => e instanceof ProtocolError && e.code === 'cobs-invalid',
    );
  });
}

test('CRC-32 check values (IEEE 802.3)', () => {
  const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
  assert.equal(crc32(ascii('123456789')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
  assert.equal(crc32(ascii('The quick brown fox jumps over the lazy dog')), 0x414fa339);
  assert.equal(crc32(new Uint8Array(32)), 0x190a55ad);
  assert.equal(crc32(new Uint8Array(32).fill(0xff)), 0xff6cab0b);
  // Chunked = whole, at every split point.
  const data = ascii('incremental CRC over the chunks of an uploaded model');
  for (let k = 0; k <= data.length; k++) {
    assert.equal(crc32Update(crc32Update(0, data.subarray(0, k)), data.subarray(k)), crc32(data));
  }
});

test('frame layout: version, type, seq LE, payload, CRC LE, COBS, delimiter', () => {
  const enc = encodeFrame({ type: 0x85, seq: 0x1234, payload: hex('00 00') });
  assert.equal(enc[enc.length - 1], 0);
  assert.equal(enc.subarray(0, -1).indexOf(0), -1);
  const raw = cobsDecode(enc.subarray(0, -1));
  const crc = crc32(hex('01 85 34 12 00 00'));
  assert.deepEqual(
    raw,
    Uint8Array.from([
      1,
      0x85,
      0x34,
      0x12,
      0,
      0,
      crc & 0xff,
      (crc >>> 8) & 0xff,
      (crc >>> 16) & 0xff,
      crc >>> 24,
    ]),
  );
  assert.deepEqual(decodeFrame(enc.subarray(0, -1)), {
    type: 0x85,
    seq: 0x1234,
    payload: hex('00 00'),
  });
});

test('frame round trip: empty and largest payload, every seq edge', () => {
  for (const seq of [0, 1, 0xff, 0x100, 0xffff]) {
    for (const n of [0, 1, 253, 254, 255, MAX_PAYLOAD_BYTES]) {
      const payload = Uint8Array.from({ length: n }, (_, i) => (i * 7 + seq) & 0xff);
      const enc = encodeFrame({ type: 0x03, seq, payload });
      assert.deepEqual(decodeFrame(enc.subarray(0, -1)), { type: 3, seq, payload });
    }
  }
});

const raise = (code: ProtocolErrorCode) => (e: unknown) =>
  e instanceof ProtocolError && e.code === code;

/** COBS of arbitrary decoded bytes (no CRC fix-up): for hostile frames. */
const wrap = (raw: Uint8Array): Uint8Array => cobsEncode(raw);

test('hostile frames: each refused with its code', () => {
  const good = encodeFrame({ type: 0x81, seq: 7, payload: hex('00 00 01 02') }).subarray(0, -1);
  const raw = cobsDecode(good);
  const flipped = raw.slice();
  flipped[5] ^= 0x10;
  assert.throws(() => decodeFrame(wrap(flipped)), raise('crc-mismatch'));
  const badCrc = raw.slice();
  badCrc[badCrc.length - 1] ^= 1;
  assert.throws(() => decodeFrame(wrap(badCrc)), raise('crc-mismatch'));
  assert.throws(() => decodeFrame(new Uint8Array(0)), raise('frame-too-short'));
  assert.throws(() => decodeFrame(wrap(raw.subarray(0, 7))), raise('frame-too-short'));
  assert.throws(() => decodeFrame(hex('09 01 81 07')), raise('cobs-invalid'));
  // A version-2 frame with a correct CRC.
  const v2 = raw.slice();
  v2[0] = 2;
  new DataView(v2.buffer).setUint32(v2.length - 4, crc32(v2.subarray(0, -4)), true);
  assert.throws(() => decodeFrame(wrap(v2)), raise('bad-version'));
  // Oversize: decoded length above the limit, whether or not its encoding is.
  const big = new Uint8Array(MAX_FRAME_BYTES + 1).fill(1);
  assert.throws(() => decodeFrame(wrap(big)), raise('frame-too-long'));
  assert.throws(() => decodeFrame(new Uint8Array(5000).fill(1)), raise('frame-too-long'));
  assert.throws(() => decodeFrame(wrap(raw), 8), raise('frame-too-long'));
});

test('encodeFrame refuses what the wire cannot carry', () => {
  assert.throws(
    () => encodeFrame({ type: 1, seq: 0, payload: new Uint8Array(MAX_PAYLOAD_BYTES + 1) }),
    raise('frame-too-long'),
  );
  assert.throws(
    () => encodeFrame({ type: 256, seq: 0, payload: new Uint8Array(0) }),
    raise('value-out-of-range'),
  );
  assert.throws(
    () => encodeFrame({ type: 1, seq: 65536, payload: new Uint8Array(0) }),
    raise('value-out-of-range'),
  );
  assert.throws(
    () => encodeFrame({ type: 1, seq: -1, payload: new Uint8Array(0) }),
    raise('value-out-of-range'),
  );
});
