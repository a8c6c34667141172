#include "tg_frame.h"

#include <string.h>

#include "tg_crc32.h"

static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

void tg_frame_rx_init(tg_frame_rx *rx) { memset(rx, 0, sizeof *rx); }

int tg_frame_rx_push(tg_frame_rx *rx, uint8_t byte, tg_frame *out) {
  if (byte != 0) {
    if (rx->discarding) return 0;
    if (rx->len >= sizeof rx->buf - 1u) {
      /* Longer than any legal frame: drop it whole, resynchronise at the delimiter. */
      rx->discarding = 1;
      rx->len = 0;
      ++rx->frames_dropped;
      return 0;
    }
    rx->buf[rx->len++] = byte;
    return 0;
  }
  size_t n = rx->len;
  rx->len = 0;
  if (rx->discarding) {
    rx->discarding = 0;
    return 0;
  }
  if (n == 0) return 0; /* a lone delimiter: line flush */
  size_t dec = 0;
  /* In place: decoding never writes ahead of what it reads. */
  if (tg_cobs_decode(rx->buf, n, rx->buf, TG_FRAME_MAX, &dec) != 0 || dec < TG_FRAME_OVERHEAD) {
    ++rx->frames_dropped;
    return 0;
  }
  if (tg_crc32(rx->buf, dec - 4u) != rd32(rx->buf + dec - 4u)) {
    ++rx->frames_dropped;
    return 0;
  }
  ++rx->frames_ok;
  out->version = rx->buf[0];
  out->type = rx->buf[1];
  out->seq = (uint16_t)(rx->buf[2] | (rx->buf[3] << 8));
  out->payload = rx->buf + 4;
  out->len = dec - TG_FRAME_OVERHEAD;
  return 1;
}

size_t tg_frame_build(uint8_t type, uint16_t seq, const uint8_t *payload, size_t len, uint8_t *out,
                      size_t cap) {
  if (len > TG_PAYLOAD_MAX) return 0;
  uint8_t raw[TG_FRAME_MAX];
  raw[0] = TG_PROTO_VERSION;
  raw[1] = type;
  raw[2] = (uint8_t)(seq & 0xFFu);
  raw[3] = (uint8_t)(seq >> 8);
  if (len > 0) memcpy(raw + 4, payload, len);
  uint32_t crc = tg_crc32(raw, 4u + len);
  for (int i = 0; i < 4; ++i) raw[4u + len + (size_t)i] = (uint8_t)(crc >> (8 * i));
  if (cap < 1) return 0;
  size_t enc = tg_cobs_encode(raw, len + TG_FRAME_OVERHEAD, out, cap - 1u);
  if (enc == 0) return 0;
  out[enc] = 0;
  return enc + 1u;
}
