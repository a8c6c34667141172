// CRC-32 as used by Ethernet and zlib (IEEE 802.3: reflected, polynomial 0xEDB88320,
// init and final xor 0xFFFFFFFF), the check value of every frame and of an uploaded model.

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/**
 * Continues a CRC over more bytes: `crc32Update(crc32Update(0, a), b) === crc32(a ++ b)`,
 * so a model can be checked chunk by chunk. Start from 0 (the value of the empty input).
 */
export function crc32Update(crc: number, bytes: Uint8Array): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

export function crc32(bytes: Uint8Array): number {
  return crc32Update(0, bytes);
}
