/* What the commands do (docs/protocol.md, section 4): HELLO, inputs, invoke with warm-up
 * and per-layer ticks, outputs, PING, RESET, and the switch over every request; the upload
 * is in tg_proto_upload.c, the evaluation in tg_proto_eval.c. Every count and offset from
 * the host is checked before it is used. */
#include <string.h>

#include "tg_build_hash.h"
#include "tg_proto_internal.h"
#include "tg_text.h"

#if defined(__clang__)
#define TG_COMPILER "clang " __clang_version__
#elif defined(__GNUC__)
#define TG_COMPILER "gcc " __VERSION__
#else
#define TG_COMPILER "unknown"
#endif

#if defined(TG_KERNELS_OPT) && TG_KERNELS_OPT
#define TG_FAST_PATHS                                                                          \
  "int8, SXTB16/SMLAD (docs/kernels.md): CONV_2D 1x1 (stride 1, no padding) and im2col, not "  \
  "grouped; DEPTHWISE_CONV_2D depth multiplier 1, or one input channel; FULLY_CONNECTED with "   \
  "symmetric weights; AVERAGE_POOL_2D windows of at most 256; a miss runs the reference "     \
  "(path 2, opt-fallback), operators without a fast path report path 0"
#else
#define TG_FAST_PATHS ""
#endif

uint16_t tg_rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
uint32_t tg_rd32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
void tg_wr32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}
size_t tg_align16(size_t n) { return (n + 15u) & ~(size_t)15u; }

static const char *const cmd_names[] = {"?", "HELLO", "UPLOAD_BEGIN", "UPLOAD_CHUNK", "UPLOAD_END",
                                        "SET_INPUT", "INVOKE", "GET_OUTPUT", "EVAL_BEGIN",
                                        "EVAL_SAMPLE", "RESET", "PING"};

/* "<CMD>: payload of N bytes, expected M" (min_only: "at least M"). */
int tg_err_length(tg_reply *r, uint8_t type, size_t n, size_t expected, int min_only) {
  char m[96];
  tg_text t;
  tg_text_init(&t, m, sizeof m);
  tg_text_str(&t, cmd_names[type]);
  tg_text_str(&t, ": payload of ");
  tg_text_u32(&t, (uint32_t)n);
  tg_text_str(&t, min_only ? " bytes, expected at least " : " bytes, expected ");
  tg_text_u32(&t, (uint32_t)expected);
  tg_reply_error(r, TG_PE_BAD_LENGTH, m);
  return 1;
}

int tg_need_model(tg_proto *p, tg_reply *r, uint8_t type) {
  if (p->dev.loaded) return 0;
  char m[64];
  tg_text t;
  tg_text_init(&t, m, sizeof m);
  tg_text_str(&t, cmd_names[type]);
  tg_text_str(&t, ": no model is loaded (UPLOAD_END first)");
  tg_reply_error(r, TG_PE_NO_MODEL, m);
  return 1;
}

void tg_err_engine(tg_proto *p, tg_reply *r, tg_status st, const char *what) {
  char m[256];
  tg_text t;
  tg_text_init(&t, m, sizeof m);
  tg_text_str(&t, what);
  tg_text_str(&t, ": ");
  tg_text_str(&t, tg_status_name(st));
  tg_text_str(&t, ": ");
  tg_text_str(&t, p->dev.engine != NULL ? tg_engine_error(p->dev.engine) : "no engine");
  tg_reply_error(r, (uint16_t)st, m);
}

/* "<what> <index>: offset O + length L is past the B bytes of the tensor". */
void tg_err_range(tg_reply *r, const char *what, uint32_t index, uint32_t off, uint32_t len,
                        uint32_t bytes) {
  char m[128];
  tg_text t;
  tg_text_init(&t, m, sizeof m);
  tg_text_str(&t, what);
  tg_text_u32(&t, index);
  tg_text_str(&t, ": offset ");
  tg_text_u32(&t, off);
  tg_text_str(&t, " + length ");
  tg_text_u32(&t, len);
  tg_text_str(&t, " is past its ");
  tg_text_u32(&t, bytes);
  tg_text_str(&t, " bytes");
  tg_reply_error(r, TG_PE_RANGE, m);
}

int tg_out_of_range(uint32_t off, uint32_t len, uint32_t total) { return len > total || off > total - len; }

void tg_device_reset(tg_proto *p) {
  tg_device *d = &p->dev;
  memset(d, 0, sizeof *d);
  p->body_valid = 0;
  p->rx.frames_ok = 0;
  p->rx.frames_dropped = 0;
}

/* ---- profiler glue: the board's tick source and marker, ticks into the INVOKE body ---- */

uint32_t tg_prof_now(void *user) {
  tg_proto *p = user;
  return p->cfg.now(p->cfg.user);
}
void tg_prof_marker(void *user, int level) {
  tg_proto *p = user;
  p->cfg.marker(p->cfg.user, level);
}
static void prof_layer_done(void *user, int32_t layer, uint32_t ticks, uint8_t path) {
  (void)path;
  tg_proto *p = user;
  if (layer < 0 || layer >= p->dev.prof_layers) return;
  tg_wr32(p->body + 12u + 4u * (p->dev.prof_base + (uint32_t)layer), ticks);
}

/* The inputs as the host set them, before every run. */
void tg_restore_inputs(tg_device *d) {
  int32_t n = tg_engine_input_count(d->engine);
  for (int32_t i = 0; i < n && i < (int32_t)TG_PROTO_MAX_INPUTS; ++i) {
    tg_tensor *t = tg_engine_input(d->engine, i);
    memcpy(t->data, d->shadow[i], (size_t)t->bytes);
  }
}

/* ---- commands ---- */

static void hello(tg_proto *p, tg_reply *r) {
  const tg_device_config *c = &p->cfg;
  tg_put_u16(r, 0);
  tg_put_u16(r, 1);
  tg_put_u16(r, TG_FRAME_MAX);
  tg_put_u16(r, TG_PROTO_WINDOW);
  tg_put_u32(r, c->rx_buffer);
  tg_put_u32(r, c->clock_hz);
  tg_put_u32(r, c->tick_hz);
  tg_put_u8(r, c->tick_source);
  tg_put_u8(r, c->emulated);
  tg_put_u8(r, c->fpu);
  tg_put_u8(r, c->dsp);
  tg_put_u8(r, c->mve);
  tg_put_u32(r, (uint32_t)c->model_ram_bytes);
  tg_put_u32(r, (uint32_t)c->arena_bytes);
  static const char hash_hex[] = TG_BUILD_HASH_HEX;
  _Static_assert(sizeof hash_hex == 65, "TG_BUILD_HASH_HEX must be 64 hex digits");
  for (size_t i = 0; i < 32; ++i) {
    uint8_t v = 0;
    for (size_t k = 0; k < 2; ++k) {
      char ch = hash_hex[2 * i + k];
      uint8_t nib = (uint8_t)(ch >= 'a' ? ch - 'a' + 10 : ch >= 'A' ? ch - 'A' + 10 : ch - '0');
      v = (uint8_t)((v << 4) | (nib & 0x0Fu));
    }
    tg_put_u8(r, v);
  }
  tg_put_str(r, c->board);
  tg_put_str(r, c->core);
  tg_put_str(r, c->float_abi);
  tg_put_str(r, tg_engine_kernel_set());
  tg_put_str(r, TG_FAST_PATHS);
  tg_put_str(r, TG_FW_VERSION);
  tg_put_str(r, TG_COMPILER);
  tg_put_str(r, c->tick_name);
}

static void set_input(tg_proto *p, const uint8_t *pl, size_t n, tg_reply *r) {
  if (n < 6) {
    tg_err_length(r, TG_CMD_SET_INPUT, n, 6, 1);
    return;
  }
  if (tg_need_model(p, r, TG_CMD_SET_INPUT)) return;
  uint8_t index = pl[0];
  uint32_t off = tg_rd32(pl + 1), len = (uint32_t)(n - 5);
  if (index >= tg_engine_input_count(p->dev.engine)) {
    tg_reply_error(r, TG_PE_BAD_INDEX, "SET_INPUT: no such input tensor");
    return;
  }
  tg_tensor *t = tg_engine_input(p->dev.engine, index);
  if (tg_out_of_range(off, len, (uint32_t)t->bytes)) {
    tg_err_range(r, "SET_INPUT: input ", index, off, len, (uint32_t)t->bytes);
    return;
  }
  memcpy(p->dev.shadow[index] + off, pl + 5, len);
  tg_put_u16(r, 0);
}

static void invoke(tg_proto *p, const uint8_t *pl, size_t n, tg_reply *r) {
  tg_device *d = &p->dev;
  if (n != 4) {
    tg_err_length(r, TG_CMD_INVOKE, n, 4, 0);
    return;
  }
  if (tg_need_model(p, r, TG_CMD_INVOKE)) return;
  uint16_t warmup = tg_rd16(pl), repeats = tg_rd16(pl + 2);
  if (repeats == 0) {
    tg_reply_error(r, TG_PE_BAD_LENGTH, "INVOKE: repeats is 0");
    return;
  }
  int32_t layers = tg_engine_layer_count(d->engine);
  uint32_t per_repeat = 4u * ((uint32_t)layers + 1u);
  if (12u + (uint32_t)repeats * per_repeat > TG_PROTO_BODY_MAX) {
    char m[160];
    tg_text t;
    tg_text_init(&t, m, sizeof m);
    tg_text_str(&t, "INVOKE: ");
    tg_text_u32(&t, repeats);
    tg_text_str(&t, " repeats of ");
    tg_text_i32(&t, layers);
    tg_text_str(&t, " layers do not fit the result buffer of 16384 bytes; at most ");
    tg_text_u32(&t, (TG_PROTO_BODY_MAX - 12u) / per_repeat);
    tg_text_str(&t, " repeats per INVOKE");
    tg_reply_error(r, TG_PE_TOO_MANY_REPEATS, m);
    return;
  }
  for (uint32_t i = 0; i < warmup; ++i) {
    tg_restore_inputs(d);
    tg_status st = tg_engine_invoke(d->engine, NULL);
    if (st != TG_OK) {
      tg_err_engine(p, r, st, "INVOKE: warm-up run");
      return;
    }
  }
  p->body_valid = 0;
  size_t body_len = 12u + (size_t)repeats * per_repeat;
  memset(p->body, 0, body_len);
  tg_reply b = {.buf = p->body, .cap = sizeof p->body, .eval_slot = -1};
  tg_put_u16(&b, warmup);
  tg_put_u16(&b, repeats);
  tg_put_u16(&b, (uint16_t)layers);
  tg_put_u16(&b, 0);
  tg_put_u32(&b, p->cfg.tick_hz);
  tg_profiler prof = {.user = p,
                      .now = tg_prof_now,
                      .marker = p->cfg.marker != NULL ? tg_prof_marker : NULL,
                      .layer_done = prof_layer_done};
  d->prof_layers = layers;
  for (uint32_t k = 0; k < repeats; ++k) {
    d->prof_base = k * ((uint32_t)layers + 1u);
    uint32_t t0 = 0, t1 = 0;
    /* Bytes received by interrupt during a run add the handler's time to its ticks: a
     * run that saw any is measured again (the benchmark wants the line idle; a host that
     * keeps sending gets the last attempt's ticks). */
    for (uint32_t attempt = 0; attempt < TG_INVOKE_QUIET_ATTEMPTS; ++attempt) {
      uint32_t rx0 = p->cfg.rx_bytes != NULL ? p->cfg.rx_bytes(p->cfg.user) : 0u;
      tg_restore_inputs(d);
      if (p->cfg.tick_restart != NULL) p->cfg.tick_restart(p->cfg.user);
      t0 = p->cfg.now(p->cfg.user);
      tg_status st = tg_engine_invoke(d->engine, &prof);
      t1 = p->cfg.now(p->cfg.user);
      if (st != TG_OK) {
        tg_err_engine(p, r, st, "INVOKE: measured run");
        return;
      }
      if (p->cfg.rx_bytes == NULL || p->cfg.rx_bytes(p->cfg.user) == rx0) break;
    }
    tg_wr32(p->body + 12u + 4u * (d->prof_base + (uint32_t)layers), t1 - t0);
  }
  p->body_len = body_len;
  r->segmented = 1;
}

static void get_output(tg_proto *p, const uint8_t *pl, size_t n, tg_reply *r) {
  if (n != 7) {
    tg_err_length(r, TG_CMD_GET_OUTPUT, n, 7, 0);
    return;
  }
  if (tg_need_model(p, r, TG_CMD_GET_OUTPUT)) return;
  uint8_t index = pl[0];
  uint32_t off = tg_rd32(pl + 1);
  uint16_t len = tg_rd16(pl + 5);
  if (len == 0 || len > TG_PAYLOAD_MAX - 6u) {
    tg_reply_error(r, TG_PE_BAD_LENGTH, "GET_OUTPUT: len must be 1 .. 2050");
    return;
  }
  if (index >= tg_engine_output_count(p->dev.engine)) {
    tg_reply_error(r, TG_PE_BAD_INDEX, "GET_OUTPUT: no such output tensor");
    return;
  }
  const tg_tensor *t = tg_engine_output(p->dev.engine, index);
  if (tg_out_of_range(off, len, (uint32_t)t->bytes)) {
    tg_err_range(r, "GET_OUTPUT: output ", index, off, len, (uint32_t)t->bytes);
    return;
  }
  tg_put_u16(r, 0);
  tg_put_u32(r, off);
  tg_put_bytes(r, (const uint8_t *)t->data + off, len);
}

static void ping(tg_proto *p, const uint8_t *pl, size_t n, tg_reply *r) {
  tg_put_u16(r, 0);
  tg_put_u32(r, p->rx.frames_ok);
  tg_put_u32(r, p->rx.frames_dropped);
  size_t room = r->cap - r->len;
  tg_put_bytes(r, pl, n < room ? n : room);
}

void tg_device_command(tg_proto *p, uint8_t type, uint16_t seq, const uint8_t *pl, size_t n, tg_reply *r) {
  (void)seq;
  switch (type) {
    case TG_CMD_HELLO:
      if (n != 0) tg_err_length(r, type, n, 0, 0);
      else hello(p, r);
      return;
    case TG_CMD_UPLOAD_BEGIN: tg_upload_begin(p, pl, n, r); return;
    case TG_CMD_UPLOAD_CHUNK: tg_upload_chunk(p, pl, n, r); return;
    case TG_CMD_UPLOAD_END: tg_upload_end(p, n, r); return;
    case TG_CMD_SET_INPUT: set_input(p, pl, n, r); return;
    case TG_CMD_INVOKE: invoke(p, pl, n, r); return;
    case TG_CMD_GET_OUTPUT: get_output(p, pl, n, r); return;
    case TG_CMD_EVAL_BEGIN: tg_eval_begin(p, pl, n, r); return;
    case TG_CMD_EVAL_SAMPLE: tg_eval_sample(p, pl, n, r); return;
    case TG_CMD_RESET:
      if (n != 0) {
        tg_err_length(r, type, n, 0, 0);
        return;
      }
      tg_device_reset(p);
      tg_put_u16(r, 0);
      return;
    case TG_CMD_PING: ping(p, pl, n, r); return;
    default: {
      char m[64];
      tg_text t;
      tg_text_init(&t, m, sizeof m);
      tg_text_str(&t, "unknown request type ");
      tg_text_hex32(&t, type);
      tg_reply_error(r, TG_PE_UNKNOWN_COMMAND, m);
      return;
    }
  }
}
