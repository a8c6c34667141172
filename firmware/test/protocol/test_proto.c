#define _GNU_SOURCE
/* The dispatcher end to end over an in-memory link: every request goes through framing,
 * the response cache, the command and back through framing. Covers HELLO, the upload
 * errors (CRC mismatch, model too large with both sizes, out-of-range chunks, unsupported
 * operator naming op and layer), invoke with repeats and segmented bodies, duplicate-seq
 * retransmissions that must not execute twice, the pipelined evaluation, garbage and
 * oversize frames on the line, and (when ../shared is there) real models compared with a
 * direct engine run.   usage: test_proto [SHARED_DIR] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_builder.h"
#include "tg_crc32.h"
#include "tg_proto.h"
#include "tp_check.h"

/* ---- the link: an input queue the dispatcher reads, an output capture it writes ---- */
static uint8_t in_q[1u << 20];
static size_t in_len, in_pos;
static uint8_t out_q[1u << 18];
static size_t out_len;

static int32_t q_read(void *user, uint8_t *buf, size_t cap) {
  (void)user;
  size_t n = in_len - in_pos < cap ? in_len - in_pos : cap;
  memcpy(buf, in_q + in_pos, n);
  in_pos += n;
  return (int32_t)n;
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
  return ++now_calls * 7u; /* deterministic: every reading advances 7 ticks */
}

static _Alignas(16) uint8_t model_ram[1u << 20];
static _Alignas(16) uint8_t arena[1u << 20];
static _Alignas(16) uint8_t direct_arena[1u << 20];
static _Alignas(16) uint8_t model_buf[1u << 18];
static tg_proto P;

static void init_proto(size_t model_ram_bytes, size_t arena_bytes) {
  tg_link link = {.read = q_read, .write = q_write};
  tg_device_config cfg = {.board = "test-board", .core = "test-core", .float_abi = "hard",
                          .tick_name = "fake", .clock_hz = 25000000u, .tick_hz = 1000000u,
                          .tick_source = TG_TICKS_HOST_COUNTER, .emulated = 1, .fpu = 1,
                          .rx_buffer = 4096u, .now = fake_now, .model_ram = model_ram,
                          .model_ram_bytes = model_ram_bytes, .arena = arena,
                          .arena_bytes = arena_bytes};
  tg_proto_init(&P, &link, &cfg);
}

/* ---- responses parsed back ---- */
typedef struct {
  uint8_t type;
  uint16_t seq;
  size_t len;
  uint8_t pl[TG_FRAME_MAX];
} rframe;
static rframe got[128];
static int ngot;

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static float rdf(const uint8_t *p) {
  uint32_t u = rd32(p);
  float f;
  memcpy(&f, &u, 4);
  return f;
}
static size_t le16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  return 2;
}
static size_t le32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = (uint8_t)(v >> (8 * i));
  return 4;
}

static void collect(void) {
  static tg_frame_rx rx;
  tg_frame_rx_init(&rx);
  ngot = 0;
  for (size_t i = 0; i < out_len; ++i) {
    tg_frame f;
    if (tg_frame_rx_push(&rx, out_q[i], &f) && ngot < (int)(sizeof got / sizeof got[0])) {
      got[ngot].type = f.type;
      got[ngot].seq = f.seq;
      got[ngot].len = f.len;
      memcpy(got[ngot].pl, f.payload, f.len);
      ++ngot;
    }
  }
  CHECK_EQ_U(rx.frames_dropped, 0); /* the device only sends intact frames */
  out_len = 0;
}

static void pump(void) {
  while (in_pos < in_len) CHECK(tg_proto_poll(&P) == 0);
  in_len = in_pos = 0;
  collect();
}

static void inject(const void *bytes, size_t n) {
  memcpy(in_q + in_len, bytes, n);
  in_len += n;
}

static void queue_request(uint8_t type, uint16_t seq, const void *pl, size_t n) {
  size_t m = tg_frame_build(type, seq, pl, n, in_q + in_len, sizeof in_q - in_len);
  CHECK(m > 0);
  in_len += m;
}

static void request(uint8_t type, uint16_t seq, const void *pl, size_t n) {
  queue_request(type, seq, pl, n);
  pump();
}

static uint16_t status_of(int i) { return i < ngot && got[i].len >= 2 ? rd16(got[i].pl) : 0xFFFFu; }

/* The message of an error response, NUL-terminated. */
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

/* Reassembles a segmented response of (type | 0x80, seq) from got[]; returns its length. */
static uint8_t body[TG_PROTO_BODY_MAX];
static size_t reassemble(uint8_t type, uint16_t seq) {
  size_t len = 0, total = 0;
  int parts = -1, seen = 0;
  for (int i = 0; i < ngot; ++i) {
    if (got[i].type != (type | 0x80u) || got[i].seq != seq) continue;
    CHECK_EQ_U(rd16(got[i].pl), 0);
    CHECK_EQ_U(rd16(got[i].pl + 2), seen);
    if (parts < 0) parts = rd16(got[i].pl + 4);
    total = rd32(got[i].pl + 6);
    size_t n = got[i].len - 10;
    if (len + n > sizeof body) return 0;
    memcpy(body + len, got[i].pl + 10, n);
    len += n;
    ++seen;
  }
  CHECK_EQ_U(seen, parts);
  CHECK_EQ_U(len, total);
  return len;
}

/* ---- models ---- */
static size_t build_add_relu(uint8_t **out, int unsupported) {
  static tm_model m;
  tm_float_add_relu(&m);
  if (unsupported) m.opcodes[1].builtin = 16; /* LSTM: not in the engine */
  size_t size = 0;
  *out = tm_build(&m, model_buf, sizeof model_buf, &size);
  return size;
}

static uint16_t seq = 100;

/* Upload in chunks of `chunk` bytes, last chunk first (order must not matter). */
static void upload(const uint8_t *model, size_t size, uint32_t crc, size_t chunk) {
  uint8_t pl[TG_PAYLOAD_MAX];
  le32(pl, (uint32_t)size);
  le32(pl + 4, crc);
  request(TG_CMD_UPLOAD_BEGIN, ++seq, pl, 8);
  CHECK_EQ_U(status_of(0), 0);
  size_t nchunks = (size + chunk - 1) / chunk;
  for (size_t k = nchunks; k-- > 0;) {
    size_t off = k * chunk, n = size - off < chunk ? size - off : chunk;
    le32(pl, (uint32_t)off);
    memcpy(pl + 4, model + off, n);
    queue_request(TG_CMD_UPLOAD_CHUNK, ++seq, pl, 4 + n);
  }
  pump();
  CHECK_EQ_U(ngot, nchunks);
  for (int i = 0; i < ngot; ++i) CHECK_EQ_U(status_of(i), 0);
  if (ngot > 0) CHECK_EQ_U(rd32(got[ngot - 1].pl + 2), size);
}

static void test_hello(void) {
  init_proto(sizeof model_ram, sizeof arena);
  request(TG_CMD_HELLO, 1, NULL, 0);
  CHECK_EQ_U(ngot, 1);
  CHECK_EQ_U(got[0].type, 0x81);
  CHECK_EQ_U(got[0].seq, 1);
  const uint8_t *p = got[0].pl;
  CHECK_EQ_U(rd16(p), 0);
  CHECK_EQ_U(rd16(p + 2), 1);      /* protocol */
  CHECK_EQ_U(rd16(p + 4), 2064);   /* max_frame */
  CHECK_EQ_U(rd16(p + 6), 8);      /* window */
  CHECK_EQ_U(rd32(p + 8), 4096);   /* rx_buffer */
  CHECK_EQ_U(rd32(p + 12), 25000000u);
  CHECK_EQ_U(rd32(p + 16), 1000000u);
  CHECK_EQ_U(p[20], TG_TICKS_HOST_COUNTER);
  CHECK_EQ_U(p[21], 1); /* emulated */
  CHECK_EQ_U(p[22], 1); /* fpu */
  CHECK_EQ_U(rd32(p + 25), sizeof model_ram);
  CHECK_EQ_U(rd32(p + 29), sizeof arena);
  size_t off = 33 + 32;
  const char *want[] = {"test-board", "test-core", "hard", tg_engine_kernel_set()};
  for (int i = 0; i < 4; ++i) {
    size_t n = rd16(p + off);
    CHECK(n == strlen(want[i]) && memcmp(p + off + 2, want[i], n) == 0);
    off += 2 + n;
  }
  for (int i = 0; i < 4; ++i) off += 2 + rd16(p + off); /* fast_paths, version, compiler, tick */
  CHECK_EQ_U(off, got[0].len);

  request(TG_CMD_HELLO, 2, "x", 1);
  CHECK_EQ_U(status_of(0), TG_PE_BAD_LENGTH);
  CHECK(strstr(message_of(0), "HELLO") != NULL);
  request(0x20, 3, NULL, 0);
  CHECK_EQ_U(got[0].type, 0xA0);
  CHECK_EQ_U(status_of(0), TG_PE_UNKNOWN_COMMAND);
  /* A frame of version 2 is answered with BAD_VERSION. */
  uint8_t raw[12] = {2, TG_CMD_PING, 9, 0};
  le32(raw + 4, tg_crc32(raw, 4));
  uint8_t enc[16];
  size_t m = tg_cobs_encode(raw, 8, enc, sizeof enc);
  enc[m] = 0;
  inject(enc, m + 1);
  pump();
  CHECK_EQ_U(ngot, 1);
  CHECK_EQ_U(status_of(0), TG_PE_BAD_VERSION);
}

static void test_line_noise(void) {
  init_proto(sizeof model_ram, sizeof arena);
  /* Garbage, a damaged frame, an oversize run: nothing answered, then PING answered. */
  static uint8_t noise[5000];
  for (size_t i = 0; i < sizeof noise; ++i) noise[i] = (uint8_t)(i * 37u + 11u) | 1u;
  inject(noise, 40);
  inject("\0", 1);
  inject(noise, sizeof noise); /* oversize, then its delimiter */
  inject("\0", 1);
  uint8_t frame[64];
  size_t n = tg_frame_build(TG_CMD_PING, 5, (const uint8_t *)"abc", 3, frame, sizeof frame);
  frame[2] ^= 0x40; /* damaged */
  inject(frame, n);
  pump();
  CHECK_EQ_U(ngot, 0);
  request(TG_CMD_PING, 6, "hello", 5);
  CHECK_EQ_U(ngot, 1);
  CHECK_EQ_U(status_of(0), 0);
  CHECK_EQ_U(rd32(got[0].pl + 2), 1);  /* frames_ok: this PING */
  CHECK_EQ_U(rd32(got[0].pl + 6), 3);  /* the garbage, the oversize run, the damaged frame */
  CHECK(got[0].len == 15 && memcmp(got[0].pl + 10, "hello", 5) == 0);
}

static void test_upload_errors(void) {
  init_proto(4096, sizeof arena);
  uint8_t pl[64];
  le32(pl, 0);
  pl[4] = 1;
  request(TG_CMD_UPLOAD_CHUNK, 10, pl, 5);
  CHECK_EQ_U(status_of(0), TG_PE_NO_UPLOAD);
  request(TG_CMD_UPLOAD_END, 11, NULL, 0);
  CHECK_EQ_U(status_of(0), TG_PE_NO_UPLOAD);
  /* Too large: both sizes in the message. */
  le32(pl, 100000);
  le32(pl + 4, 0);
  request(TG_CMD_UPLOAD_BEGIN, 12, pl, 8);
  CHECK_EQ_U(status_of(0), TG_PE_MODEL_TOO_LARGE);
  CHECK(strstr(message_of(0), "100000") != NULL && strstr(message_of(0), "4096") != NULL);
  /* A chunk past the total. */
  le32(pl, 100);
  le32(pl + 4, 0);
  request(TG_CMD_UPLOAD_BEGIN, 13, pl, 8);
  CHECK_EQ_U(status_of(0), 0);
  le32(pl, 90);
  memset(pl + 4, 7, 20);
  request(TG_CMD_UPLOAD_CHUNK, 14, pl, 24);
  CHECK_EQ_U(status_of(0), TG_PE_CHUNK_RANGE);
  CHECK(strstr(message_of(0), "offset 90") != NULL && strstr(message_of(0), "100") != NULL);
  le32(pl, 0xFFFFFFF0u); /* offset + length wraps in 32 bits: still refused */
  request(TG_CMD_UPLOAD_CHUNK, 15, pl, 24);
  CHECK_EQ_U(status_of(0), TG_PE_CHUNK_RANGE);
  /* Incomplete. */
  le32(pl, 0);
  request(TG_CMD_UPLOAD_CHUNK, 16, pl, 24);
  CHECK_EQ_U(status_of(0), 0);
  CHECK_EQ_U(rd32(got[0].pl + 2), 20);
  request(TG_CMD_UPLOAD_CHUNK, 16, pl, 24); /* retransmitted: not counted twice */
  CHECK_EQ_U(ngot, 1);
  CHECK_EQ_U(rd32(got[0].pl + 2), 20);
  request(TG_CMD_UPLOAD_END, 17, NULL, 0);
  CHECK_EQ_U(status_of(0), TG_PE_UPLOAD_INCOMPLETE);
  CHECK(strstr(message_of(0), "20 of 100") != NULL);

  /* CRC mismatch: both CRCs in hex. */
  init_proto(sizeof model_ram, sizeof arena);
  uint8_t *model;
  size_t size = build_add_relu(&model, 0);
  uint32_t crc = tg_crc32(model, size);
  upload(model, size, crc ^ 1u, 64);
  request(TG_CMD_UPLOAD_END, ++seq, NULL, 0);
  CHECK_EQ_U(status_of(0), TG_PE_UPLOAD_CRC);
  char hex[16];
  snprintf(hex, sizeof hex, "0x%08X", (unsigned)crc);
  char hex2[16];
  snprintf(hex2, sizeof hex2, "0x%08X", (unsigned)(crc ^ 1u));
  const char *msg = message_of(0);
  int has_both = (strstr(msg, hex) != NULL || strcasestr(msg, hex + 2) != NULL) &&
                 (strstr(msg, hex2) != NULL || strcasestr(msg, hex2 + 2) != NULL);
  if (!has_both) fprintf(stderr, "message: %s (want %s and %s)\n", msg, hex, hex2);
  CHECK(has_both);

  /* An operator the engine does not have: its status, the op and the layer named. */
  size = build_add_relu(&model, 1);
  upload(model, size, tg_crc32(model, size), 100);
  request(TG_CMD_UPLOAD_END, ++seq, NULL, 0);
  CHECK_EQ_U(status_of(0), TG_ERR_UNSUPPORTED_OP);
  CHECK(strstr(message_of(0), "LSTM") != NULL && strstr(message_of(0), "layer 1") != NULL);
  request(TG_CMD_INVOKE, ++seq, "\0\0\1\0", 4);
  CHECK_EQ_U(status_of(0), TG_PE_NO_MODEL);

  /* An arena too small for the engine's own state. */
  init_proto(sizeof model_ram, 64);
  size = build_add_relu(&model, 0);
  upload(model, size, tg_crc32(model, size), 100);
  request(TG_CMD_UPLOAD_END, ++seq, NULL, 0);
  CHECK_EQ_U(status_of(0), TG_PE_ENGINE_INIT);
}

static void load_add_relu(void) {
  uint8_t *model;
  size_t size = build_add_relu(&model, 0);
  upload(model, size, tg_crc32(model, size), 50);
  request(TG_CMD_UPLOAD_END, ++seq, NULL, 0);
  size_t n = reassemble(TG_CMD_UPLOAD_END, seq);
  CHECK(n > 0);
  if (n == 0) return;
  CHECK_EQ_U(rd32(body), size);
  CHECK(rd32(body + 4) > 0);            /* arena used */
  CHECK_EQ_U(rd16(body + 12), 2);       /* layers */
  CHECK_EQ_U(body[14], 1);
  CHECK_EQ_U(body[15], 1);
  CHECK_EQ_U(body[16], 0);              /* kernel paths: ref */
  CHECK_EQ_U(body[17], 0);
  CHECK(rd16(body + 18) == 3 && memcmp(body + 20, "ADD", 3) == 0);
  CHECK(rd16(body + 23) == 4 && memcmp(body + 25, "RELU", 4) == 0);
  const uint8_t *t = body + 29; /* input 0 */
  CHECK_EQ_U(t[0], 0);          /* float32 */
  CHECK_EQ_U(t[1], 2);
  CHECK_EQ_U(rd32(t + 2), 1);
  CHECK_EQ_U(rd32(t + 6), 4);
  CHECK_EQ_U(rd32(t + 10), 16);
  CHECK(rdf(t + 14) == 0.0f);
  CHECK_EQ_U(n, 29 + 2 * 22);
}

static void test_invoke(void) {
  init_proto(sizeof model_ram, sizeof arena);
  load_add_relu();
  const float x[4] = {1.0f, 2.0f, -3.0f, 0.0f}; /* + {0.5, -2, 1, -0.25}, then ReLU */
  uint8_t pl[64];
  pl[0] = 0;
  le32(pl + 1, 0);
  memcpy(pl + 5, x, 16);
  request(TG_CMD_SET_INPUT, ++seq, pl, 21);
  CHECK_EQ_U(status_of(0), 0);
  pl[0] = 3;
  request(TG_CMD_SET_INPUT, ++seq, pl, 21);
  CHECK_EQ_U(status_of(0), TG_PE_BAD_INDEX);
  pl[0] = 0;
  le32(pl + 1, 4);
  request(TG_CMD_SET_INPUT, ++seq, pl, 21);
  CHECK_EQ_U(status_of(0), TG_PE_RANGE);

  le16(pl, 1);
  le16(pl + 2, 3);
  uint32_t before = now_calls;
  request(TG_CMD_INVOKE, ++seq, pl, 4);
  uint16_t invoke_seq = seq;
  size_t n = reassemble(TG_CMD_INVOKE, seq);
  CHECK_EQ_U(n, 12 + 3 * 3 * 4);
  CHECK_EQ_U(rd16(body), 1);
  CHECK_EQ_U(rd16(body + 2), 3);
  CHECK_EQ_U(rd16(body + 4), 2);
  CHECK_EQ_U(rd32(body + 8), 1000000u);
  for (int r = 0; r < 3; ++r) {
    uint32_t l0 = rd32(body + 12 + 12 * r), l1 = rd32(body + 16 + 12 * r), total = rd32(body + 20 + 12 * r);
    CHECK(l0 > 0 && l1 > 0 && total >= l0 + l1);
  }
  uint32_t calls = now_calls - before;
  CHECK(calls > 0);
  /* The same seq again: the stored parts, not a second run. */
  static rframe first[4];
  memcpy(first, got, sizeof first[0] * (size_t)ngot);
  int nfirst = ngot;
  request(TG_CMD_INVOKE, invoke_seq, pl, 4);
  CHECK_EQ_U(now_calls - before, calls);
  CHECK_EQ_U(ngot, nfirst);
  CHECK(ngot > 0 && got[0].len == first[0].len && memcmp(got[0].pl, first[0].pl, got[0].len) == 0);

  le32(pl + 1, 0);
  pl[0] = 0;
  le16(pl + 5, 16);
  request(TG_CMD_GET_OUTPUT, ++seq, pl, 7);
  CHECK_EQ_U(status_of(0), 0);
  CHECK_EQ_U(got[0].len, 6 + 16);
  const float want[4] = {1.5f, 0.0f, 0.0f, 0.0f};
  for (int i = 0; i < 4; ++i) CHECK(rdf(got[0].pl + 6 + 4 * i) == want[i]);
  le32(pl + 1, 8);
  request(TG_CMD_GET_OUTPUT, ++seq, pl, 7);
  CHECK_EQ_U(status_of(0), TG_PE_RANGE);
  CHECK(strstr(message_of(0), "16 bytes") != NULL);

  /* Many repeats: a body over several frames. */
  le16(pl, 0);
  le16(pl + 2, 600);
  request(TG_CMD_INVOKE, ++seq, pl, 4);
  CHECK_EQ_U(ngot, 4);
  n = reassemble(TG_CMD_INVOKE, seq);
  CHECK_EQ_U(n, 12 + 600 * 12);
  CHECK(n > 0 && rd32(body + n - 4) >= rd32(body + n - 8) + rd32(body + n - 12));
  /* The first INVOKE's body was replaced by this one: its retransmission gets nothing (the
   * host times out) rather than a second run or the wrong ticks. */
  request(TG_CMD_INVOKE, invoke_seq, pl, 4);
  CHECK_EQ_U(ngot, 0);
  le16(pl + 2, 2000);
  request(TG_CMD_INVOKE, ++seq, pl, 4);
  CHECK_EQ_U(status_of(0), TG_PE_TOO_MANY_REPEATS);
  CHECK(strstr(message_of(0), "at most 1364") != NULL);
  le16(pl + 2, 0);
  request(TG_CMD_INVOKE, ++seq, pl, 4);
  CHECK_EQ_U(status_of(0), TG_PE_BAD_LENGTH);

  /* RESET: the model is gone; a retransmitted RESET is answered once more. */
  request(TG_CMD_RESET, ++seq, NULL, 0);
  CHECK_EQ_U(status_of(0), 0);
  request(TG_CMD_RESET, seq, NULL, 0);
  CHECK_EQ_U(ngot, 1);
  CHECK_EQ_U(status_of(0), 0);
  le16(pl + 2, 1);
  request(TG_CMD_INVOKE, ++seq, pl, 4);
  CHECK_EQ_U(status_of(0), TG_PE_NO_MODEL);
}

/* A host that restarts and counts seqs from the same start again: after its HELLO, a
 * request whose (type, seq) the previous session used is executed, not answered from the
 * cache. */
static void test_session_restart(void) {
  init_proto(4096, sizeof arena);
  uint8_t pl[8];
  le32(pl, 100);
  le32(pl + 4, 0);
  request(TG_CMD_HELLO, 1, NULL, 0);
  request(TG_CMD_UPLOAD_BEGIN, 2, pl, 8);
  CHECK_EQ_U(status_of(0), 0);
  le32(pl, 5000); /* the same seq again without HELLO: a retransmission, cached answer */
  request(TG_CMD_UPLOAD_BEGIN, 2, pl, 8);
  CHECK_EQ_U(status_of(0), 0);
  request(TG_CMD_HELLO, 1, NULL, 0);
  request(TG_CMD_UPLOAD_BEGIN, 2, pl, 8);
  CHECK_EQ_U(status_of(0), TG_PE_MODEL_TOO_LARGE);
}

static void sample_chunk(uint32_t sample, uint32_t off, const float *x, uint32_t n_floats, int last) {
  uint8_t pl[64];
  le32(pl, sample);
  le32(pl + 4, off);
  pl[8] = (uint8_t)(last ? 1 : 0);
  memcpy(pl + 9, x, 4u * n_floats);
  queue_request(TG_CMD_EVAL_SAMPLE, ++seq, pl, 9 + 4u * n_floats);
}

static int find(uint8_t type) {
  for (int i = 0; i < ngot; ++i)
    if (got[i].type == type) return i;
  return -1;
}

static void test_eval(void) {
  init_proto(sizeof model_ram, sizeof arena);
  const float s0[4] = {1, 1, 1, 1}, s1[4] = {-1, 3, 0, 0.5f};
  sample_chunk(0, 0, s0, 4, 1);
  pump();
  CHECK_EQ_U(status_of(0), TG_PE_EVAL_STATE);
  load_add_relu();
  uint8_t pl[8];
  le32(pl, 6);
  request(TG_CMD_EVAL_BEGIN, ++seq, pl, 4);
  CHECK_EQ_U(status_of(0), 0);
  CHECK_EQ_U(rd32(got[0].pl + 2), 16);
  CHECK_EQ_U(rd32(got[0].pl + 6), 16);
  CHECK_EQ_U(got[0].pl[10], 2);

  /* Sample 0's first half, then all of sample 1 (completes first), then sample 0's rest. */
  sample_chunk(0, 0, s0, 2, 0);
  sample_chunk(1, 0, s1, 4, 1);
  sample_chunk(0, 8, s0 + 2, 2, 1);
  uint16_t completing0 = seq;
  pump();
  CHECK_EQ_U(ngot, 5);
  CHECK_EQ_U(got[0].type, 0x89);
  CHECK_EQ_U(rd32(got[0].pl + 6), 8);
  CHECK_EQ_U(got[1].type, 0x89); /* the ack comes before the result */
  CHECK_EQ_U(got[2].type, TG_MSG_EVAL_RESULT);
  CHECK_EQ_U(rd32(got[2].pl), 1);
  CHECK_EQ_U(rd16(got[2].pl + 4), 0);
  const float want1[4] = {0.0f, 1.0f, 1.0f, 0.25f}, want0[4] = {1.5f, 0.0f, 2.0f, 0.75f};
  CHECK_EQ_U(got[2].len, 10 + 16);
  for (int i = 0; i < 4; ++i) CHECK(rdf(got[2].pl + 10 + 4 * i) == want1[i]);
  CHECK_EQ_U(got[4].type, TG_MSG_EVAL_RESULT);
  CHECK_EQ_U(got[4].seq, completing0);
  CHECK_EQ_U(rd32(got[4].pl), 0);
  for (int i = 0; i < 4; ++i) CHECK(rdf(got[4].pl + 10 + 4 * i) == want0[i]);
  rframe result0 = got[4];

  /* The completing chunk retransmitted: ack and the same result again, no inference. */
  uint32_t before = now_calls;
  le32(pl, 0);
  {
    uint8_t q[64];
    le32(q, 0);
    le32(q + 4, 8);
    q[8] = 1;
    memcpy(q + 9, s0 + 2, 8);
    request(TG_CMD_EVAL_SAMPLE, completing0, q, 17);
  }
  CHECK_EQ_U(now_calls, before);
  CHECK_EQ_U(ngot, 2);
  int ri = find(TG_MSG_EVAL_RESULT);
  CHECK(ri >= 0 && got[ri].len == result0.len && memcmp(got[ri].pl, result0.pl, result0.len) == 0);

  /* A new seq for a finished sample, an older one, out of range, a wrong last flag. */
  sample_chunk(1, 0, s1, 4, 1);
  pump();
  CHECK_EQ_U(status_of(0), TG_PE_EVAL_STATE);
  sample_chunk(2, 0, s0, 2, 0);
  sample_chunk(4, 0, s0, 2, 0);
  pump();
  CHECK_EQ_U(status_of(0), 0);
  CHECK_EQ_U(status_of(1), TG_PE_EVAL_SLOT_BUSY);
  CHECK(strstr(message_of(1), "sample 2") != NULL);
  sample_chunk(0, 0, s0, 4, 1);
  pump();
  CHECK_EQ_U(status_of(0), TG_PE_EVAL_STATE);
  sample_chunk(6, 0, s0, 4, 1);
  pump();
  CHECK_EQ_U(status_of(0), TG_PE_EVAL_STATE);
  sample_chunk(3, 0, s0, 2, 1);
  pump();
  CHECK_EQ_U(status_of(0), TG_PE_RANGE);
  sample_chunk(3, 12, s0, 2, 0);
  pump();
  CHECK_EQ_U(status_of(0), TG_PE_RANGE);
  /* Sample 2 finishes normally after all that. */
  sample_chunk(2, 8, s0 + 2, 2, 1);
  pump();
  CHECK_EQ_U(ngot, 2);
  CHECK_EQ_U(got[1].type, TG_MSG_EVAL_RESULT);
  CHECK_EQ_U(rd32(got[1].pl), 2);
}

/* Random requests (every type, random lengths and fields, a loaded model, an evaluation
 * in progress): every one gets exactly one well-formed response or a response plus an
 * EVAL_RESULT, nothing reads or writes out of bounds (ASan/UBSan), and the device still
 * answers HELLO afterwards. */
static uint32_t fuzz_state = 0x9E3779B9u;
static uint32_t fuzz_rand(void) {
  fuzz_state ^= fuzz_state << 13;
  fuzz_state ^= fuzz_state >> 17;
  fuzz_state ^= fuzz_state << 5;
  return fuzz_state;
}

static void test_fuzz(void) {
  init_proto(sizeof model_ram, sizeof arena);
  load_add_relu();
  uint8_t pl[64];
  le32(pl, 1000);
  request(TG_CMD_EVAL_BEGIN, ++seq, pl, 4);
  CHECK_EQ_U(status_of(0), 0);
  static uint8_t rnd[TG_PAYLOAD_MAX];
  int bad_replies = 0;
  for (int round = 0; round < 20000; ++round) {
    uint8_t type = (uint8_t)(fuzz_rand() % 14u);
    if (type == TG_CMD_UPLOAD_BEGIN || type == TG_CMD_RESET) type = TG_CMD_PING; /* keep the model */
    uint32_t r = fuzz_rand();
    size_t n = (r & 3u) == 0 ? fuzz_rand() % sizeof rnd : fuzz_rand() % 24u;
    for (size_t i = 0; i < n; ++i) rnd[i] = (uint8_t)fuzz_rand();
    /* Small numbers in the fields half of the time, so that commands get past their
     * first checks. */
    if (n >= 9 && (r & 4u)) {
      le32(rnd, fuzz_rand() % 8u);
      le32(rnd + 4, fuzz_rand() % 20u);
      if (type == TG_CMD_INVOKE) le32(rnd, fuzz_rand() % 3u);
    }
    if (type == TG_CMD_INVOKE && n == 4) {
      le16(rnd, (uint16_t)(fuzz_rand() % 2u));
      le16(rnd + 2, (uint16_t)(fuzz_rand() % 4u));
    }
    request(type, ++seq, rnd, n);
    int responses = 0;
    for (int i = 0; i < ngot; ++i) {
      if (got[i].type == (type | 0x80u) && got[i].seq == seq) {
        ++responses;
        uint16_t st = rd16(got[i].pl);
        if (st != 0 && (got[i].len < 4 || (size_t)rd16(got[i].pl + 2) + 4 != got[i].len)) ++bad_replies;
      } else if (got[i].type != TG_MSG_EVAL_RESULT) {
        ++bad_replies;
      }
    }
    if (responses < 1) ++bad_replies;
  }
  CHECK_EQ_U(bad_replies, 0);
  request(TG_CMD_HELLO, ++seq, NULL, 0);
  CHECK_EQ_U(status_of(0), 0);
}

/* ---- real models (../shared): the protocol's answers equal a direct engine run ---- */
static size_t read_file(const char *path, uint8_t *buf, size_t cap) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return 0;
  size_t n = fread(buf, 1, cap, f);
  int more = fgetc(f) != EOF;
  fclose(f);
  return more ? 0 : n;
}

static void check_real_model(const char *shared, const char *name) {
  char path[512];
  snprintf(path, sizeof path, "%s/models/%s", shared, name);
  size_t size = read_file(path, model_buf, sizeof model_buf);
  CHECK(size > 0);
  if (size == 0) return;
  init_proto(sizeof model_ram, sizeof arena);
  upload(model_buf, size, tg_crc32(model_buf, size), TG_PAYLOAD_MAX - 4);
  request(TG_CMD_UPLOAD_END, ++seq, NULL, 0);
  CHECK_EQ_U(status_of(0), 0);
  if (status_of(0) != 0) {
    fprintf(stderr, "%s: %s\n", name, message_of(0));
    return;
  }
  size_t n = reassemble(TG_CMD_UPLOAD_END, seq);
  uint16_t layers = rd16(body + 12);

  tg_engine *e = tg_engine_init(direct_arena, sizeof direct_arena);
  CHECK(e != NULL && tg_engine_load(e, model_buf, size) == TG_OK);
  if (e == NULL) return;
  CHECK_EQ_U(layers, tg_engine_layer_count(e));
  CHECK_EQ_U(rd32(body + 4), tg_engine_arena_used(e));
  CHECK(n > 16);
  tg_tensor *in = tg_engine_input(e, 0);
  const tg_tensor *out = tg_engine_output(e, 0);

  uint8_t pl[TG_PAYLOAD_MAX];
  le32(pl, 3);
  request(TG_CMD_EVAL_BEGIN, ++seq, pl, 4);
  CHECK_EQ_U(status_of(0), 0);
  CHECK_EQ_U(rd32(got[0].pl + 2), (uint32_t)in->bytes);
  static uint8_t sample[3][1u << 14];
  for (uint32_t k = 0; k < 3; ++k)
    for (int32_t i = 0; i < in->bytes && i < (int32_t)sizeof sample[0]; ++i)
      sample[k][i] = (uint8_t)((uint32_t)i * 31u + k * 97u + 5u);
  /* Samples in chunks as the host streams them: every chunk queued before any is handled. */
  const uint32_t chunk = 1000;
  for (uint32_t k = 0; k < 3; ++k) {
    for (uint32_t off = 0; off < (uint32_t)in->bytes; off += chunk) {
      uint32_t len = (uint32_t)in->bytes - off < chunk ? (uint32_t)in->bytes - off : chunk;
      le32(pl, k);
      le32(pl + 4, off);
      pl[8] = off + len == (uint32_t)in->bytes;
      memcpy(pl + 9, sample[k] + off, len);
      queue_request(TG_CMD_EVAL_SAMPLE, ++seq, pl, 9 + len);
    }
  }
  pump();
  int results = 0;
  for (int i = 0; i < ngot; ++i) {
    if (got[i].type != TG_MSG_EVAL_RESULT) {
      CHECK_EQ_U(status_of(i), 0);
      continue;
    }
    uint32_t k = rd32(got[i].pl);
    CHECK(k < 3);
    if (k >= 3) continue;
    ++results;
    memcpy(in->data, sample[k], (size_t)in->bytes);
    CHECK(tg_engine_invoke(e, NULL) == TG_OK);
    CHECK_EQ_U(rd16(got[i].pl + 4), 0);
    CHECK_EQ_U(got[i].len, 10u + (size_t)out->bytes);
    CHECK(memcmp(got[i].pl + 10, out->data, (size_t)out->bytes) == 0);
  }
  CHECK_EQ_U(results, 3);

  /* SET_INPUT + INVOKE + GET_OUTPUT give the same bytes as the direct run of sample 2. */
  for (uint32_t off = 0; off < (uint32_t)in->bytes; off += chunk) {
    uint32_t len = (uint32_t)in->bytes - off < chunk ? (uint32_t)in->bytes - off : chunk;
    pl[0] = 0;
    le32(pl + 1, off);
    memcpy(pl + 5, sample[2] + off, len);
    queue_request(TG_CMD_SET_INPUT, ++seq, pl, 5 + len);
  }
  le16(pl, 2);
  le16(pl + 2, 5);
  queue_request(TG_CMD_INVOKE, ++seq, pl, 4);
  pump();
  n = reassemble(TG_CMD_INVOKE, seq);
  CHECK_EQ_U(n, 12u + 5u * 4u * (layers + 1u));
  pl[0] = 0;
  le32(pl + 1, 0);
  le16(pl + 5, (uint16_t)out->bytes);
  request(TG_CMD_GET_OUTPUT, ++seq, pl, 7);
  CHECK_EQ_U(status_of(0), 0);
  CHECK(memcmp(got[0].pl + 6, out->data, (size_t)out->bytes) == 0);
  printf("test_proto: %s: %u bytes uploaded, %u layers, eval and invoke equal a direct run\n", name,
         (unsigned)size, (unsigned)layers);
}

int main(int argc, char **argv) {
  test_hello();
  test_line_noise();
  test_upload_errors();
  test_invoke();
  test_eval();
  test_session_restart();
  test_fuzz();
  const char *shared = argc > 1 ? argv[1] : "../../shared";
  char probe[512];
  snprintf(probe, sizeof probe, "%s/models/hello_world_int8.tflite", shared);
  FILE *f = fopen(probe, "rb");
  if (f == NULL) {
    printf("test_proto: real models skipped: %s not found (shared/ beside the checkout)\n", probe);
  } else {
    fclose(f);
    check_real_model(shared, "hello_world_int8.tflite");
    check_real_model(shared, "ic_resnet8_int8.tflite");
    check_real_model(shared, "hello_world_float.tflite");
    check_real_model(shared, "micro_speech_quantized.tflite");
    check_real_model(shared, "kws_ref_model.tflite");
  }
  return tp_finish("test_proto");
}
