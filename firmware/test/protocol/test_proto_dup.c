/* A chunk executed twice must never be counted twice (docs/protocol.md, section 5). The
 * device counts the distinct bytes of an upload and of each evaluation sample (tg_cover);
 * before, it summed chunk lengths, and a retransmission whose response had left the 8-entry
 * response cache completed a sample early: the board computed on a half-filled input and
 * answered a wrong output with status 0. Covers: tg_cover against a byte map on random
 * ranges, the evicted-and-re-executed EVAL_SAMPLE chunk, upload duplicates and overlaps
 * counted once, a gap named at UPLOAD_END, FRAGMENTED past TG_COVER_RANGES ranges (state
 * unchanged, the upload still completes), and a gap in a sample that never completes it. */
#include <stdio.h>
#include <string.h>

#include "tg_builder.h"
#include "tg_crc32.h"
#include "tg_proto.h"
#include "tp_check.h"

/* ---- the link: the dispatcher's output captured and parsed back into frames ---- */
static uint8_t out_q[1u << 16];
static size_t out_len;

static int32_t no_read(void *user, uint8_t *buf, size_t cap) {
  (void)user, (void)buf, (void)cap;
  return 0;
}
static int q_write(void *user, const uint8_t *buf, size_t len) {
  (void)user;
  if (len > sizeof out_q - out_len) return -1;
  memcpy(out_q + out_len, buf, len);
  out_len += len;
  return 0;
}
static uint32_t now_calls;
static uint32_t fake_now(void *user) {
  (void)user;
  return ++now_calls;
}

static _Alignas(16) uint8_t model_ram[1u << 16];
static _Alignas(16) uint8_t arena[1u << 16];
static _Alignas(16) uint8_t model_buf[1u << 14];
static tg_proto P;

typedef struct {
  uint8_t type;
  uint16_t seq;
  size_t len;
  uint8_t pl[TG_FRAME_MAX];
} rframe;
static rframe got[16];
static int ngot;

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static void le32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = (uint8_t)(v >> (8 * i));
}

/* One request through the dispatcher (as tg_proto_poll hands it over); got[] = what came out. */
static void request(uint8_t type, uint16_t seq, const uint8_t *pl, size_t n) {
  tg_frame f = {.version = TG_PROTO_VERSION, .type = type, .seq = seq, .payload = pl, .len = n};
  out_len = 0;
  tg_proto_handle_frame(&P, &f);
  static tg_frame_rx rx;
  tg_frame_rx_init(&rx);
  ngot = 0;
  for (size_t i = 0; i < out_len; ++i) {
    tg_frame g;
    if (tg_frame_rx_push(&rx, out_q[i], &g) && ngot < (int)(sizeof got / sizeof got[0])) {
      got[ngot].type = g.type;
      got[ngot].seq = g.seq;
      got[ngot].len = g.len;
      memcpy(got[ngot].pl, g.payload, g.len);
      ++ngot;
    }
  }
}

static uint16_t status_of(int i) { return i < ngot && got[i].len >= 2 ? rd16(got[i].pl) : 0xFFFFu; }
static const char *message_of(int i) {
  static char m[TG_FRAME_MAX];
  m[0] = '\0';
  if (i >= ngot || got[i].len < 4) return m;
  size_t n = rd16(got[i].pl + 2);
  if (n > got[i].len - 4) return m;
  memcpy(m, got[i].pl + 4, n);
  m[n] = '\0';
  return m;
}

static uint16_t seq = 1000;

static void init_proto(void) {
  tg_link link = {.read = no_read, .write = q_write};
  tg_device_config cfg = {.board = "test-board", .core = "test-core", .float_abi = "hard",
                          .tick_name = "fake", .tick_hz = 1000000u, .tick_source = TG_TICKS_HOST_COUNTER,
                          .emulated = 1, .rx_buffer = 4096u, .now = fake_now, .model_ram = model_ram,
                          .model_ram_bytes = sizeof model_ram, .arena = arena, .arena_bytes = sizeof arena};
  tg_proto_init(&P, &link, &cfg);
}

/* Eight PINGs: each takes a response-cache entry, so every earlier request is evicted and a
 * retransmission of it is executed again. */
static void evict_cache(void) {
  for (unsigned i = 0; i < TG_PROTO_WINDOW; ++i) request(TG_CMD_PING, ++seq, NULL, 0);
}

static void upload_begin(const uint8_t *model, uint32_t size) {
  uint8_t pl[8];
  le32(pl, size);
  le32(pl + 4, tg_crc32(model, size));
  request(TG_CMD_UPLOAD_BEGIN, ++seq, pl, 8);
  CHECK_EQ_U(status_of(0), 0);
}

/* UPLOAD_CHUNK [off, off + n) with the given seq; returns the status, *received the ack's count. */
static uint16_t chunk(const uint8_t *model, uint32_t off, uint32_t n, uint16_t s, uint32_t *received) {
  uint8_t pl[TG_PAYLOAD_MAX];
  le32(pl, off);
  memcpy(pl + 4, model + off, n);
  request(TG_CMD_UPLOAD_CHUNK, s, pl, 4 + n);
  CHECK_EQ_U(ngot, 1);
  if (status_of(0) == 0 && got[0].len == 6 && received != NULL) *received = rd32(got[0].pl + 2);
  return status_of(0);
}

/* ---- tg_cover against a byte map: random ranges in a 200-byte object ---- */
static void test_cover_random(void) {
  uint32_t state = 12345u;
  int refused = 0, added = 0;
  for (int round = 0; round < 400; ++round) {
    tg_cover c;
    uint8_t map[200] = {0};
    tg_cover_clear(&c);
    for (int k = 0; k < 60; ++k) {
      state = state * 1664525u + 1013904223u;
      uint32_t off = (state >> 8) % 200u, len = 1u + (state >> 20) % (round % 2 ? 24u : 6u);
      if (off + len > 200u) len = 200u - off;
      tg_cover before = c;
      if (tg_cover_add(&c, off, len) != 0) {
        ++refused;
        CHECK(memcmp(&before, &c, sizeof c) == 0); /* refused: unchanged */
        CHECK_EQ_U(c.n, TG_COVER_RANGES);
        continue;
      }
      ++added;
      memset(map + off, 1, len);
      uint32_t bytes = 0;
      for (int i = 0; i < 200; ++i) bytes += map[i];
      CHECK_EQ_U(c.bytes, bytes);
      /* The ranges are exactly the runs of the map: sorted, disjoint, non-adjacent. */
      uint32_t runs = 0;
      for (int i = 0; i < 200; ++i) {
        if (map[i] && (i == 0 || !map[i - 1])) {
          CHECK(runs < c.n && c.start[runs] == (uint32_t)i);
          ++runs;
        }
        if (map[i] && (i == 199 || !map[i + 1])) CHECK(runs >= 1 && c.end[runs - 1] == (uint32_t)i + 1u);
      }
      CHECK_EQ_U(c.n, runs);
      uint32_t gap_len, gap = tg_cover_first_gap(&c, 200u, &gap_len);
      uint32_t want = 0;
      while (want < 200u && map[want]) ++want;
      CHECK_EQ_U(gap, want);
      uint32_t want_len = 0;
      while (want + want_len < 200u && !map[want + want_len]) ++want_len;
      CHECK_EQ_U(gap_len, want_len);
    }
  }
  CHECK(refused > 0 && added > 0); /* both paths were exercised */
}

/* ---- evaluation: the same chunk executed twice never completes a sample early ---- */
static size_t load_add_relu(void) {
  static tm_model m;
  tm_float_add_relu(&m); /* 4 floats in, relu(x + {0.5, -1, 1, -0.25}) out */
  size_t size = 0;
  uint8_t *model = tm_build(&m, model_buf, sizeof model_buf, &size);
  CHECK(model != NULL);
  if (model == NULL) return 0;
  upload_begin(model, (uint32_t)size);
  uint32_t received = 0;
  for (uint32_t off = 0; off < size; off += 100u) {
    uint32_t n = size - off < 100u ? (uint32_t)size - off : 100u;
    CHECK_EQ_U(chunk(model, off, n, ++seq, &received), 0);
  }
  CHECK_EQ_U(received, size);
  request(TG_CMD_UPLOAD_END, ++seq, NULL, 0);
  CHECK_EQ_U(status_of(0), 0);
  return size;
}

static void sample_chunk(uint32_t sample, uint32_t off, const float *x, uint32_t n_floats, int last,
                         uint16_t s) {
  uint8_t pl[64];
  le32(pl, sample);
  le32(pl + 4, off);
  pl[8] = (uint8_t)(last ? 1 : 0);
  memcpy(pl + 9, x, 4u * n_floats);
  request(TG_CMD_EVAL_SAMPLE, s, pl, 9 + 4u * n_floats);
}

static int count_type(uint8_t type) {
  int n = 0;
  for (int i = 0; i < ngot; ++i) n += got[i].type == type;
  return n;
}

static void test_eval_duplicate(void) {
  init_proto();
  if (load_add_relu() == 0) return;
  uint8_t pl[4];
  le32(pl, 3);
  request(TG_CMD_EVAL_BEGIN, ++seq, pl, 4);
  CHECK_EQ_U(status_of(0), 0);

  const float x[4] = {1, 1, 1, 1};
  const float want[4] = {1.5f, 0.0f, 2.0f, 0.75f};
  /* First half of sample 0, then its response is pushed out of the cache and the same
   * request (same seq) arrives again: executed anew, it must still count 8 bytes, not 16. */
  uint16_t first = ++seq;
  sample_chunk(0, 0, x, 2, 0, first);
  CHECK_EQ_U(status_of(0), 0);
  CHECK_EQ_U(rd32(got[0].pl + 6), 8);
  evict_cache();
  uint32_t runs = now_calls;
  sample_chunk(0, 0, x, 2, 0, first);
  CHECK_EQ_U(ngot, 1); /* an ack, no EVAL_RESULT: the sample is not complete */
  CHECK_EQ_U(status_of(0), 0);
  CHECK_EQ_U(rd32(got[0].pl + 6), 8);
  CHECK_EQ_U(now_calls, runs); /* no inference ran */
  /* The same bytes with a fresh seq (a different client repeating itself): still 8. */
  sample_chunk(0, 0, x, 2, 0, ++seq);
  CHECK_EQ_U(ngot, 1);
  CHECK_EQ_U(rd32(got[0].pl + 6), 8);
  /* Overlapping the first half by one float: 4 new bytes. */
  sample_chunk(0, 4, x + 1, 2, 0, ++seq);
  CHECK_EQ_U(ngot, 1);
  CHECK_EQ_U(rd32(got[0].pl + 6), 12);
  /* The missing float completes it: the output is that of the whole input. */
  sample_chunk(0, 12, x + 3, 1, 1, ++seq);
  CHECK_EQ_U(ngot, 2);
  CHECK_EQ_U(rd32(got[0].pl + 6), 16);
  CHECK_EQ_U(got[1].type, TG_MSG_EVAL_RESULT);
  CHECK_EQ_U(rd32(got[1].pl), 0);
  CHECK_EQ_U(rd16(got[1].pl + 4), 0);
  CHECK_EQ_U(got[1].len, 10 + 16);
  for (int i = 0; i < 4; ++i) {
    float y;
    memcpy(&y, got[1].pl + 10 + 4 * i, 4);
    CHECK(y == want[i]);
  }

  /* Sample 1: its first and last chunk, the middle never sent, the last chunk repeated with
   * new seqs: the sample stays incomplete however often the ends arrive. */
  sample_chunk(1, 0, x, 1, 0, ++seq);
  for (int k = 0; k < 3; ++k) {
    sample_chunk(1, 12, x + 3, 1, 1, ++seq);
    CHECK_EQ_U(ngot, 1);
    CHECK_EQ_U(status_of(0), 0);
    CHECK_EQ_U(rd32(got[0].pl + 6), 8);
  }
  CHECK_EQ_U(count_type(TG_MSG_EVAL_RESULT), 0);
  /* Sample 2 (slot 0) completes normally meanwhile; then sample 1's middle completes it. */
  sample_chunk(2, 0, x, 4, 1, ++seq);
  CHECK_EQ_U(count_type(TG_MSG_EVAL_RESULT), 1);
  sample_chunk(1, 4, x + 1, 2, 0, ++seq);
  CHECK_EQ_U(ngot, 2);
  CHECK_EQ_U(rd32(got[0].pl + 6), 16);
  CHECK_EQ_U(got[1].type, TG_MSG_EVAL_RESULT);
  CHECK_EQ_U(rd32(got[1].pl), 1);
  CHECK_EQ_U(got[1].len, 10 + 16);
  for (int i = 0; i < 4; ++i) {
    float y;
    memcpy(&y, got[1].pl + 10 + 4 * i, 4);
    CHECK(y == want[i]);
  }
}

/* ---- upload: duplicates and overlaps counted once, gaps named, fragmentation refused ---- */
static void test_upload_duplicate(void) {
  init_proto();
  static uint8_t model[4096];
  static tm_model m;
  tm_float_add_relu(&m);
  size_t size = 0;
  uint8_t *built = tm_build(&m, model_buf, sizeof model_buf, &size);
  CHECK(built != NULL && size >= 200 && size <= sizeof model);
  if (built == NULL || size < 200 || size > sizeof model) return;
  memcpy(model, built, size);
  uint32_t total = (uint32_t)size, received = 0;

  upload_begin(model, total);
  uint16_t s0 = ++seq;
  CHECK_EQ_U(chunk(model, 0, 100, s0, &received), 0);
  CHECK_EQ_U(received, 100);
  evict_cache();
  CHECK_EQ_U(chunk(model, 0, 100, s0, &received), 0); /* executed again: not counted again */
  CHECK_EQ_U(received, 100);
  CHECK_EQ_U(chunk(model, 50, 100, ++seq, &received), 0); /* half new */
  CHECK_EQ_U(received, 150);
  CHECK_EQ_U(chunk(model, 170, 10, ++seq, &received), 0);
  CHECK_EQ_U(received, 160);
  /* Before the fix the sum would be 310 >= total for a model of 310 bytes or less; here the
   * device reports the 20-byte hole at 150 by its place. */
  request(TG_CMD_UPLOAD_END, ++seq, NULL, 0);
  CHECK_EQ_U(status_of(0), TG_PE_UPLOAD_INCOMPLETE);
  CHECK(strstr(message_of(0), "received 160 of") != NULL);
  CHECK(strstr(message_of(0), "first missing: 20 bytes at offset 150") != NULL);

  /* Again, this time 17 separate one-byte chunks: the 17th range is refused, naming the
   * chunk and the limit; the cover is unchanged, and the upload still completes. */
  upload_begin(model, total);
  for (uint32_t k = 0; k < TG_COVER_RANGES; ++k) {
    CHECK_EQ_U(chunk(model, 2u * k, 1, ++seq, &received), 0);
    CHECK_EQ_U(received, k + 1u);
  }
  CHECK_EQ_U(chunk(model, 100, 1, ++seq, NULL), TG_PE_FRAGMENTED);
  CHECK(strstr(message_of(0), "UPLOAD_CHUNK: offset 100 + length 1 would leave more than 16") != NULL);
  /* A chunk that touches an existing range needs no new one: accepted. */
  CHECK_EQ_U(chunk(model, 2u * TG_COVER_RANGES - 1u, 1, ++seq, &received), 0);
  CHECK_EQ_U(received, TG_COVER_RANGES + 1u);
  /* The rest, in 100-byte chunks from 0 (each one repeated with a new seq). */
  for (uint32_t off = 0; off < total; off += 100u) {
    uint32_t n = total - off < 100u ? total - off : 100u;
    CHECK_EQ_U(chunk(model, off, n, ++seq, &received), 0);
    CHECK_EQ_U(chunk(model, off, n, ++seq, &received), 0);
    CHECK_EQ_U(received, off + n);
  }
  CHECK_EQ_U(received, total);
  request(TG_CMD_UPLOAD_END, ++seq, NULL, 0);
  CHECK_EQ_U(status_of(0), 0);
  CHECK_EQ_U(rd32(got[0].pl + 10), total); /* body_total's first field: model_bytes */
}

/* FRAGMENTED in a sample: the add-relu model widened to 64 floats (256-byte input), fed
 * single bytes at even offsets. The 17th separate range is refused naming the sample, the
 * chunk and the limit; nothing runs; then the whole input arrives and the output is exact. */
static void test_eval_fragmented(void) {
  init_proto();
  static tm_model m;
  static float bias[64];
  tm_float_add_relu(&m);
  for (int i = 0; i < 64; ++i) bias[i] = (float)(i % 5) - 2.0f;
  m.buffers[1].data = bias;
  m.buffers[1].bytes = sizeof bias;
  for (int i = 0; i < 4; ++i) m.tensors[i].shape[1] = 64;
  size_t size = 0;
  uint8_t *model = tm_build(&m, model_buf, sizeof model_buf, &size);
  CHECK(model != NULL);
  if (model == NULL) return;
  upload_begin(model, (uint32_t)size);
  uint32_t received = 0;
  CHECK_EQ_U(chunk(model, 0, (uint32_t)size, ++seq, &received), 0);
  CHECK_EQ_U(received, size);
  request(TG_CMD_UPLOAD_END, ++seq, NULL, 0);
  CHECK_EQ_U(status_of(0), 0);
  uint8_t pl[9 + 256];
  le32(pl, 1);
  request(TG_CMD_EVAL_BEGIN, ++seq, pl, 4);
  CHECK_EQ_U(status_of(0), 0);
  CHECK_EQ_U(rd32(got[0].pl + 2), 256);

  float x[64];
  for (int i = 0; i < 64; ++i) x[i] = (float)i * 0.5f - 3.0f;
  const uint8_t *xb = (const uint8_t *)x;
  for (uint32_t k = 0; k <= TG_COVER_RANGES; ++k) {
    le32(pl, 0);
    le32(pl + 4, 2u * k);
    pl[8] = 0;
    pl[9] = xb[2u * k];
    request(TG_CMD_EVAL_SAMPLE, ++seq, pl, 10);
    CHECK_EQ_U(ngot, 1);
    if (k < TG_COVER_RANGES) {
      CHECK_EQ_U(status_of(0), 0);
      CHECK_EQ_U(rd32(got[0].pl + 6), k + 1u);
    } else {
      CHECK_EQ_U(status_of(0), TG_PE_FRAGMENTED);
      CHECK(strstr(message_of(0), "EVAL_SAMPLE: sample 0: offset 32 + length 1 would leave more than 16") !=
            NULL);
    }
  }
  le32(pl, 0);
  le32(pl + 4, 0);
  pl[8] = 1;
  memcpy(pl + 9, x, 256);
  request(TG_CMD_EVAL_SAMPLE, ++seq, pl, 9 + 256);
  CHECK_EQ_U(ngot, 2);
  CHECK_EQ_U(rd32(got[0].pl + 6), 256);
  CHECK_EQ_U(got[1].type, TG_MSG_EVAL_RESULT);
  CHECK_EQ_U(got[1].len, 10 + 256);
  for (int i = 0; i < 64; ++i) {
    float y, want = x[i] + bias[i] > 0.0f ? x[i] + bias[i] : 0.0f;
    memcpy(&y, got[1].pl + 10 + 4 * i, 4);
    CHECK(y == want);
  }
}

int main(void) {
  test_cover_random();
  test_eval_duplicate();
  test_upload_duplicate();
  test_eval_fragmented();
  return tp_finish("test_proto_dup");
}
