// Throughput of the pure codec on this machine: `npx tsx runner-agent/protocol/codec-bench.ts`.
// Payload MB/s of CRC-32, frame encoding, and parsing a stream of frames delivered in
// chunks of several sizes (a UART delivers small chunks, a pipe large ones). The line is
// the bottleneck by orders of magnitude (921600 baud = 0.09 MB/s); this checks that the
// codec stays out of the way with no per-byte concatenation.

import { crc32 } from './crc32.ts';
import { FrameParser } from './frame-parser.ts';
import { encodeFrame, MAX_PAYLOAD_BYTES } from './frame.ts';

const PAYLOAD = 2048;
const FRAMES = 4000;

function timeIt(label: string, bytes: number, fn: () => void): void {
  fn(); // warm-up
  const t0 = performance.now();
  fn();
  const s = (performance.now() - t0) / 1000;
  console.log(`${label.padEnd(44)} ${(bytes / s / 1e6).toFixed(1).padStart(8)} MB/s`);
}

const payloads = Array.from({ length: 16 }, (_, k) =>
  Uint8Array.from({ length: PAYLOAD }, (_, i) => (i * 131 + k * 7) % (k % 4 === 0 ? 256 : 97)),
);
const total = PAYLOAD * FRAMES;

timeIt('crc32', total, () => {
  for (let i = 0; i < FRAMES; i++) crc32(payloads[i % 16]);
});
timeIt(`encodeFrame (${PAYLOAD}-byte payloads)`, total, () => {
  for (let i = 0; i < FRAMES; i++)
    encodeFrame({ type: 3, seq: i & 0xffff, payload: payloads[i % 16] });
});
const stream = Buffer.concat(
  Array.from({ length: FRAMES }, (_, i) =>
    encodeFrame({ type: 0x83, seq: i & 0xffff, payload: payloads[i % 16] }),
  ),
);
for (const chunk of [64, 1024, 65536]) {
  timeIt(`FrameParser, ${chunk}-byte chunks`, total, () => {
    let n = 0;
    const p = new FrameParser({ onFrame: () => n++ });
    for (let at = 0; at < stream.length; at += chunk) p.push(stream.subarray(at, at + chunk));
    if (n !== FRAMES) throw new Error(`parsed ${n} of ${FRAMES} frames`);
  });
}
console.log(`(max payload per frame ${MAX_PAYLOAD_BYTES} bytes; ${FRAMES} frames per run)`);
