/* COBS round trips and hostile input, CRC-32 vectors, frame building, and the receiver's
 * resynchronisation after garbage, damaged and oversize frames. */
#include <stdint.h>
#include <string.h>

#include "tg_cobs.h"
#include "tg_crc32.h"
#include "tg_frame.h"
#include "tp_check.h"

static uint32_t rng = 12345u;
static uint32_t next_rand(void) {
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return rng;
}

static void test_crc(void) {
  CHECK_EQ_U(tg_crc32("123456789", 9), 0xCBF43926u);
  CHECK_EQ_U(tg_crc32("", 0), 0x00000000u);
  CHECK_EQ_U(tg_crc32("a", 1), 0xE8B7BE43u);
  CHECK_EQ_U(tg_crc32("The quick brown fox jumps over the lazy dog", 43), 0x414FA339u);
  /* Incremental equals one shot. */
  uint32_t c = tg_crc32_update(TG_CRC32_INIT, "12345", 5);
  c = tg_crc32_update(c, "6789", 4) ^ 0xFFFFFFFFu;
  CHECK_EQ_U(c, 0xCBF43926u);
}

static void test_cobs_vectors(void) {
  /* Wikipedia's examples of COBS. */
  struct {
    uint8_t in[8];
    size_t n;
    uint8_t out[8];
    size_t m;
  } v[] = {
      {{0x00}, 1, {0x01, 0x01}, 2},
      {{0x00, 0x00}, 2, {0x01, 0x01, 0x01}, 3},
      {{0x00, 0x11, 0x00}, 3, {0x01, 0x02, 0x11, 0x01}, 4},
      {{0x11, 0x22, 0x00, 0x33}, 4, {0x03, 0x11, 0x22, 0x02, 0x33}, 5},
      {{0x11, 0x22, 0x33, 0x44}, 4, {0x05, 0x11, 0x22, 0x33, 0x44}, 5},
      {{0x11, 0x00, 0x00, 0x00}, 4, {0x02, 0x11, 0x01, 0x01, 0x01}, 5},
      {{0}, 0, {0x01}, 1},
  };
  for (size_t i = 0; i < sizeof v / sizeof v[0]; ++i) {
    uint8_t enc[16], dec[16];
    size_t m = tg_cobs_encode(v[i].in, v[i].n, enc, sizeof enc);
    CHECK_EQ_U(m, v[i].m);
    CHECK(memcmp(enc, v[i].out, v[i].m) == 0);
    size_t n = 99;
    CHECK(tg_cobs_decode(enc, m, dec, sizeof dec, &n) == 0);
    CHECK_EQ_U(n, v[i].n);
    CHECK(memcmp(dec, v[i].in, v[i].n) == 0);
  }
  /* 254 and 255 non-zero bytes: one full block, then a full block and a second one. */
  uint8_t big[600], enc[700], dec[600];
  for (size_t i = 0; i < sizeof big; ++i) big[i] = (uint8_t)(i % 255u + 1u);
  size_t m = tg_cobs_encode(big, 254, enc, sizeof enc);
  CHECK_EQ_U(m, 255);
  CHECK_EQ_U(enc[0], 0xFF);
  m = tg_cobs_encode(big, 255, enc, sizeof enc);
  CHECK_EQ_U(m, 257);
  CHECK_EQ_U(enc[255], 0x02);
  /* Too small a destination is refused, never overrun. */
  CHECK_EQ_U(tg_cobs_encode(big, 255, enc, 256), 0);
  size_t n = 0;
  CHECK(tg_cobs_decode(enc, 257, dec, 254, &n) != 0);
}

static void test_cobs_round_trip(void) {
  static uint8_t src[3000], enc[TG_COBS_MAX_ENCODED(3000)], dec[3000];
  for (int round = 0; round < 400; ++round) {
    size_t n = next_rand() % sizeof src;
    int zeros = (int)(next_rand() % 4u); /* 0: none ... 3: mostly zero */
    for (size_t i = 0; i < n; ++i) {
      uint32_t r = next_rand();
      src[i] = (zeros == 0 || (r >> 8) % 4u >= (uint32_t)zeros) ? (uint8_t)(r % 255u + 1u) : 0;
    }
    size_t m = tg_cobs_encode(src, n, enc, sizeof enc);
    CHECK(m > 0 && m <= TG_COBS_MAX_ENCODED(n));
    CHECK(memchr(enc, 0, m) == NULL);
    size_t d = 0;
    CHECK(tg_cobs_decode(enc, m, dec, sizeof dec, &d) == 0);
    CHECK_EQ_U(d, n);
    CHECK(memcmp(src, dec, n) == 0);
  }
}

static void test_cobs_hostile(void) {
  uint8_t dec[64];
  size_t n = 0;
  /* A code byte that claims more bytes than there are. */
  const uint8_t past[] = {0x05, 0x11, 0x22};
  CHECK(tg_cobs_decode(past, sizeof past, dec, sizeof dec, &n) != 0);
  /* A zero inside an encoding. */
  const uint8_t zero[] = {0x03, 0x11, 0x00};
  CHECK(tg_cobs_decode(zero, sizeof zero, dec, sizeof dec, &n) != 0);
  const uint8_t code0[] = {0x00};
  CHECK(tg_cobs_decode(code0, 1, dec, sizeof dec, &n) != 0);
  /* Random junk: decoding either fails or stays inside the destination (ASan watches). */
  static uint8_t junk[512], out[300];
  int ok = 0, bad = 0;
  for (int round = 0; round < 2000; ++round) {
    size_t len = next_rand() % sizeof junk;
    for (size_t i = 0; i < len; ++i) junk[i] = (uint8_t)next_rand();
    size_t d = 0;
    if (tg_cobs_decode(junk, len, out, sizeof out, &d) == 0) {
      ++ok;
      CHECK(d <= sizeof out);
    } else {
      ++bad;
    }
  }
  CHECK(bad > 0);
  (void)ok;
}

typedef struct {
  int frames;
  tg_frame last;
  uint8_t copy[TG_FRAME_MAX];
} sink;

static void feed(tg_frame_rx *rx, const uint8_t *b, size_t n, sink *s) {
  for (size_t i = 0; i < n; ++i) {
    tg_frame f;
    if (tg_frame_rx_push(rx, b[i], &f)) {
      ++s->frames;
      s->last = f;
      memcpy(s->copy, f.payload, f.len);
    }
  }
}

static void test_frames(void) {
  static uint8_t wire[3 * TG_FRAME_ENC_MAX];
  static tg_frame_rx rx;
  tg_frame_rx_init(&rx);
  sink s = {0};
  const uint8_t payload[] = {1, 0, 2, 0, 0, 3};
  size_t n = tg_frame_build(0x01, 0x1234, payload, sizeof payload, wire, sizeof wire);
  CHECK(n > 0 && wire[n - 1] == 0);
  feed(&rx, wire, n, &s);
  CHECK_EQ_U(s.frames, 1);
  CHECK_EQ_U(s.last.version, 1);
  CHECK_EQ_U(s.last.type, 0x01);
  CHECK_EQ_U(s.last.seq, 0x1234);
  CHECK_EQ_U(s.last.len, sizeof payload);
  CHECK(memcmp(s.copy, payload, sizeof payload) == 0);

  /* Garbage without a delimiter merges with the next frame, which then fails its check;
   * the frame after the next delimiter decodes (why a sender flushes with a 0x00 first). */
  const uint8_t garbage[] = {0x13, 0x37, 0xFF, 0x42};
  s.frames = 0;
  feed(&rx, garbage, sizeof garbage, &s);
  feed(&rx, wire, n, &s);
  CHECK_EQ_U(s.frames, 0);
  CHECK_EQ_U(rx.frames_dropped, 1);
  feed(&rx, wire, n, &s);
  CHECK_EQ_U(s.frames, 1);
  /* Garbage then a delimiter: dropped alone, and the frame after decodes. */
  s.frames = 0;
  const uint8_t garbage0[] = {0x13, 0x37, 0x00};
  feed(&rx, garbage0, sizeof garbage0, &s);
  feed(&rx, wire, n, &s);
  CHECK_EQ_U(s.frames, 1);
  /* Every single flipped bit is caught (COBS or CRC) and the next frame decodes. */
  for (size_t i = 0; i + 1 < n; ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      uint8_t bad[64];
      memcpy(bad, wire, n);
      bad[i] ^= (uint8_t)(1u << bit);
      s.frames = 0;
      feed(&rx, bad, n, &s);
      /* A flip that makes a 0x00 splits the frame: both halves must be dropped too. */
      CHECK_EQ_U(s.frames, 0);
      feed(&rx, wire, n, &s);
      CHECK_EQ_U(s.frames, 1);
    }
  }
  /* Oversize: more non-zero bytes than any frame, then a good frame. */
  tg_frame_rx_init(&rx);
  s.frames = 0;
  static uint8_t huge[TG_FRAME_ENC_MAX + 500];
  memset(huge, 0x55, sizeof huge);
  feed(&rx, huge, sizeof huge, &s);
  const uint8_t zero = 0;
  feed(&rx, &zero, 1, &s);
  CHECK_EQ_U(rx.frames_dropped, 1);
  feed(&rx, wire, n, &s);
  CHECK_EQ_U(s.frames, 1);
  /* A short frame (below header + CRC) is dropped. */
  uint8_t shortf[8];
  size_t sn = tg_cobs_encode((const uint8_t *)"\x01\x01\x00", 3, shortf, sizeof shortf);
  shortf[sn] = 0;
  s.frames = 0;
  feed(&rx, shortf, sn + 1, &s);
  CHECK_EQ_U(s.frames, 0);
  /* The largest payload builds and decodes; one more byte is refused. */
  static uint8_t maxp[TG_PAYLOAD_MAX + 1];
  for (size_t i = 0; i < sizeof maxp; ++i) maxp[i] = (uint8_t)i;
  static uint8_t big[TG_FRAME_ENC_MAX + 8];
  size_t bn = tg_frame_build(0x83, 7, maxp, TG_PAYLOAD_MAX, big, sizeof big);
  CHECK(bn > 0 && bn <= TG_FRAME_ENC_MAX);
  s.frames = 0;
  feed(&rx, big, bn, &s);
  CHECK_EQ_U(s.frames, 1);
  CHECK_EQ_U(s.last.len, TG_PAYLOAD_MAX);
  CHECK(memcmp(s.copy, maxp, TG_PAYLOAD_MAX) == 0);
  CHECK_EQ_U(tg_frame_build(0x83, 7, maxp, TG_PAYLOAD_MAX + 1, big, sizeof big), 0);
}

int main(void) {
  test_crc();
  test_cobs_vectors();
  test_cobs_round_trip();
  test_cobs_hostile();
  test_frames();
  return tp_finish("test_framing");
}
