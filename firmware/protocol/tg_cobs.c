/* COBS encode/decode, bounded on both sides: the encoded input is untrusted. */
#include "tg_cobs.h"

size_t tg_cobs_encode(const uint8_t *src, size_t n, uint8_t *dst, size_t cap) {
  if (cap == 0) return 0;
  size_t code_at = 0; /* where the current block's code byte goes */
  size_t out = 1;
  uint8_t code = 1;
  for (size_t i = 0; i < n; ++i) {
    if (src[i] == 0) {
      dst[code_at] = code;
      if (out >= cap) return 0;
      code_at = out++;
      code = 1;
      continue;
    }
    if (out >= cap) return 0;
    dst[out++] = src[i];
    ++code;
    /* A full block of 254 data bytes ends without an implied zero. */
    if (code == 0xFF) {
      dst[code_at] = code;
      if (i + 1 < n) {
        if (out >= cap) return 0;
        code_at = out++;
      } else {
        return out;
      }
      code = 1;
    }
  }
  dst[code_at] = code;
  return out;
}

int tg_cobs_decode(const uint8_t *src, size_t n, uint8_t *dst, size_t cap, size_t *out_len) {
  size_t in = 0, out = 0;
  while (in < n) {
    uint8_t code = src[in++];
    if (code == 0) return -1;
    size_t run = (size_t)code - 1u;
    if (run > n - in) return -1; /* the block claims bytes past the end */
    if (run > cap - out) return -1;
    for (size_t k = 0; k < run; ++k) {
      uint8_t b = src[in + k];
      if (b == 0) return -1;
      dst[out + k] = b;
    }
    in += run;
    out += run;
    /* A block shorter than 254 stands for its data plus one zero, except at the very end. */
    if (code != 0xFF && in < n) {
      if (out >= cap) return -1;
      dst[out++] = 0;
    }
  }
  *out_len = out;
  return 0;
}
