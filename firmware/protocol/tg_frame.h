/* Frames of the serial protocol (docs/protocol.md, section 1): version, type, seq, payload,
 * CRC-32, COBS-encoded and ended by 0x00. The receiver takes one byte at a time, bounds
 * everything, and throws away damaged or oversize frames up to the next delimiter. */
#ifndef TG_FRAME_H
#define TG_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "tg_cobs.h"

#define TG_PROTO_VERSION 1u
#define TG_FRAME_MAX 2064u /* largest decoded frame: header 4 + payload + CRC 4 */
#define TG_FRAME_OVERHEAD 8u
#define TG_PAYLOAD_MAX (TG_FRAME_MAX - TG_FRAME_OVERHEAD)
/* Encoded bytes of the largest frame, plus its delimiter. */
#define TG_FRAME_ENC_MAX (TG_COBS_MAX_ENCODED(TG_FRAME_MAX) + 1u)

typedef struct {
  uint8_t version;
  uint8_t type;
  uint16_t seq;
  const uint8_t *payload; /* inside the receiver's buffer: valid until the next push */
  size_t len;
} tg_frame;

typedef struct {
  uint8_t buf[TG_FRAME_ENC_MAX];
  size_t len;
  int discarding; /* an oversize frame: skip to the next 0x00 */
  uint32_t frames_ok;
  uint32_t frames_dropped;
} tg_frame_rx;

void tg_frame_rx_init(tg_frame_rx *rx);
/* Feeds one byte. Returns 1 when it completed an intact frame (described in *out), 0
 * otherwise (more bytes needed, an empty frame, or a damaged one: counted as dropped). */
int tg_frame_rx_push(tg_frame_rx *rx, uint8_t byte, tg_frame *out);

/* Builds the encoded frame (with its delimiter) into out (cap bytes). Returns its length,
 * or 0 when the payload is over TG_PAYLOAD_MAX or out is too small. */
size_t tg_frame_build(uint8_t type, uint16_t seq, const uint8_t *payload, size_t len, uint8_t *out,
                      size_t cap);

#endif
