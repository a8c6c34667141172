// Consistent Overhead Byte Stuffing: removes every 0x00 from a frame so that 0x00 can
// delimit frames on the line and a receiver can resynchronise at the next one. The
// overhead is one byte per 254 bytes plus one.

import { ProtocolError } from './errors.ts';

/** Largest encoding of `n` bytes (without the 0x00 delimiter). */
export function cobsMaxEncoded(n: number): number {
  return n + Math.floor(n / 254) + 1;
}

/**
 * Encodes `src` into `out` starting at `at` and returns the index after the last byte
 * written. `out` must have room for cobsMaxEncoded(src.length) bytes from `at`.
 */
export function cobsEncodeInto(src: Uint8Array, out: Uint8Array, at = 0): number {
  let codeAt = at;
  let w = at + 1;
  let code = 1;
  for (let i = 0; i < src.length; i++) {
    const b = src[i];
    if (b !== 0) {
      out[w++] = b;
      code++;
    }
    if (b === 0 || code === 0xff) {
      out[codeAt] = code;
      codeAt = w++;
      code = 1;
      // A full block at the very end needs no empty block after it.
      if (b !== 0 && i === src.length - 1) return codeAt;
    }
  }
  out[codeAt] = code;
  return w;
}

export function cobsEncode(src: Uint8Array): Uint8Array {
  const out = new Uint8Array(cobsMaxEncoded(src.length));
  return out.subarray(0, cobsEncodeInto(src, out));
}

/**
 * Decodes one frame (without its 0x00 delimiter). The result is never longer than the
 * input, so `out` (default: a fresh buffer of src.length bytes) bounds the work.
 */
export function cobsDecode(
  src: Uint8Array,
  out: Uint8Array = new Uint8Array(src.length),
): Uint8Array {
  if (out.length < src.length - 1) {
    throw new ProtocolError(
      'frame-too-long',
      `COBS: ${src.length} bytes do not fit a ${out.length}-byte buffer`,
    );
  }
  let r = 0;
  let w = 0;
  while (r < src.length) {
    const code = src[r];
    if (code === 0)
      throw new ProtocolError('cobs-invalid', `COBS: 0x00 inside the frame at byte ${r}`);
    const end = r + code;
    if (end > src.length) {
      throw new ProtocolError(
        'cobs-invalid',
        `COBS: block at byte ${r} needs ${code - 1} bytes, ${src.length - r - 1} left`,
      );
    }
    for (r++; r < end; r++) {
      const b = src[r];
      if (b === 0)
        throw new ProtocolError('cobs-invalid', `COBS: 0x00 inside the frame at byte ${r}`);
      out[w++] = b;
    }
    // A block shorter than 254 data bytes stands for a zero, except after the last one.
    if (code !== 0xff && r < src.length) out[w++] = 0;
  }
  return out.subarray(0, w);
}
