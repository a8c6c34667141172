/* COBS (Consistent Overhead Byte Stuffing) for the serial protocol's framing: the encoded
 * bytes never contain 0x00, so 0x00 delimits frames and a receiver resynchronises at the
 * next delimiter after any damage (docs/protocol.md, section 1). */
#ifndef TG_COBS_H
#define TG_COBS_H

#include <stddef.h>
#include <stdint.h>

/* Worst-case encoded size of n bytes (without the delimiter). */
#define TG_COBS_MAX_ENCODED(n) ((n) + (n) / 254u + 1u)

/* Encodes n bytes of src into dst (cap bytes), no delimiter. Returns the encoded length, or
 * 0 when dst is too small (an encoding is never empty). src and dst must not overlap. */
size_t tg_cobs_encode(const uint8_t *src, size_t n, uint8_t *dst, size_t cap);

/* Decodes n encoded bytes (no delimiter) of src into dst (cap bytes). dst may equal src
 * (decoding never outruns its input). Returns 0 and the decoded length in *out_len, or -1
 * when the input is not valid COBS (a 0x00 byte, a code running past the end) or does not
 * fit cap. */
int tg_cobs_decode(const uint8_t *src, size_t n, uint8_t *dst, size_t cap, size_t *out_len);

#endif
