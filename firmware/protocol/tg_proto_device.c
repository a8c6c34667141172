/* What each command does (docs/protocol.md, section 4): model upload into the model RAM,
 * engine load, inputs, invoke with warm-up and per-layer ticks, outputs, the pipelined
 * evaluation with two input slots. Every count and offset from the host is checked before
 * it is used. */
#include <string.h>

#include "tg_build_hash.h"
#include "tg_crc32.h"
#include "tg_proto.h"
#include "tg_text.h"

#if defined(__clang__)
#define TG_COMPILER "clang " __clang_version__
#elif defined(__GNUC__)
#define TG_COMPILER "gcc " __VERSION__
#else
#define TG_COMPILER "unknown"
#endif

#if defined(TG_KERNELS_OPT) && TG_KERNELS_OPT
#define TG_FAST_PATHS                                                                            \
  "int8 only, SXTB16+SMLAD (portable C without the DSP extension): CONV_2D 1x1 and im2col, "  \
  "DEPTHWISE_CONV_2D with depth multiplier 1, FULLY_CONNECTED, AVERAGE_POOL_2D; a layer "      \
  "whose shape misses its predicate runs the reference kernel (path opt-fallback)"
#else
#define TG_FAST_PATHS ""
#endif

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static void wr32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}
static size_t align16(size_t n) { return (n + 15u) & ~(size_t)15u; }

static const char *const cmd_names[] = {"?", "HELLO", "UPLOAD_BEGIN", "UPLOAD_CHUNK", "UPLOAD_END",
                                        "SET_INPUT", "INVOKE", "GET_OUTPUT", "EVAL_BEGIN",
                                        "EVAL_SAMPLE", "RESET", "PING"};

/* "<CMD>: payload of N bytes, expected M" (min_only: "at least M"). */
static int bad_length(tg_reply *r, uint8_t type, size_t n, size_t expected, int min_only) {
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

static int need_model(tg_proto *p, tg_reply *r, uint8_t type) {
  if (p->dev.loaded) return 0;
  char m[64];
  tg_text t;
  tg_text_init(&t, m, sizeof m);
  tg_text_str(&t, cmd_names[type]);
  tg_text_str(&t, ": no model is loaded (UPLOAD_END first)");
  tg_reply_error(r, TG_PE_NO_MODEL, m);
  return 1;
}

static void engine_error(tg_proto *p, tg_reply *r, tg_status st, const char *what) {
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
static void range_error(tg_reply *r, const char *what, uint32_t index, uint32_t off, uint32_t len,
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

static int out_of_range(uint32_t off, uint32_t len, uint32_t total) { return len > total || off > total - len; }

void tg_device_reset(tg_proto *p) {
  tg_device *d = &p->dev;
  memset(d, 0, sizeof *d);
  p->body_valid = 0;
  p->rx.frames_ok = 0;
  p->rx.frames_dropped = 0;
}

/* ---- profiler glue: the board's tick source and marker, ticks into the INVOKE body ---- */

static uint32_t prof_now(void *user) {
  tg_proto *p = user;
  return p->cfg.now(p->cfg.user);
}
static void prof_marker(void *user, int level) {
  tg_proto *p = user;
  p->cfg.marker(p->cfg.user, level);
}
static void prof_layer_done(void *user, int32_t layer, uint32_t ticks, uint8_t path) {
  (void)path;
  tg_proto *p = user;
  if (layer < 0 || layer >= p->dev.prof_layers) return;
  wr32(p->body + 12u + 4u * (p->dev.prof_base + (uint32_t)layer), ticks);
}

/* The inputs as the host set them, before every run. */
static void restore_inputs(tg_device *d) {
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

static void upload_begin(tg_proto *p, const uint8_t *pl, size_t n, tg_reply *r) {
  tg_device *d = &p->dev;
  if (n != 8) {
    bad_length(r, TG_CMD_UPLOAD_BEGIN, n, 8, 0);
    return;
  }
  uint32_t total = rd32(pl), crc = rd32(pl + 4);
  /* Whatever follows, the old model is gone: its bytes are about to be overwritten. */
  d->loaded = 0;
  d->eval_active = 0;
  d->uploading = 0;
  d->engine = NULL;
  if (total == 0) {
    tg_reply_error(r, TG_PE_BAD_LENGTH, "UPLOAD_BEGIN: total is 0 bytes");
    return;
  }
  if (total > p->cfg.model_ram_bytes) {
    char m[128];
    tg_text t;
    tg_text_init(&t, m, sizeof m);
    tg_text_str(&t, "UPLOAD_BEGIN: model of ");
    tg_text_u32(&t, total);
    tg_text_str(&t, " bytes does not fit the ");
    tg_text_u32(&t, (uint32_t)p->cfg.model_ram_bytes);
    tg_text_str(&t, " bytes of model RAM");
    tg_reply_error(r, TG_PE_MODEL_TOO_LARGE, m);
    return;
  }
  d->uploading = 1;
  d->up_total = total;
  d->up_crc = crc;
  d->up_received = 0;
  tg_put_u16(r, 0);
}

static void upload_chunk(tg_proto *p, const uint8_t *pl, size_t n, tg_reply *r) {
  tg_device *d = &p->dev;
  if (n < 5) {
    bad_length(r, TG_CMD_UPLOAD_CHUNK, n, 5, 1);
    return;
  }
  if (!d->uploading) {
    tg_reply_error(r, TG_PE_NO_UPLOAD, "UPLOAD_CHUNK: no upload in progress (UPLOAD_BEGIN first)");
    return;
  }
  uint32_t off = rd32(pl), len = (uint32_t)(n - 4);
  if (out_of_range(off, len, d->up_total)) {
    char m[128];
    tg_text t;
    tg_text_init(&t, m, sizeof m);
    tg_text_str(&t, "UPLOAD_CHUNK: offset ");
    tg_text_u32(&t, off);
    tg_text_str(&t, " + length ");
    tg_text_u32(&t, len);
    tg_text_str(&t, " runs past the model's total of ");
    tg_text_u32(&t, d->up_total);
    tg_text_str(&t, " bytes");
    tg_reply_error(r, TG_PE_CHUNK_RANGE, m);
    return;
  }
  memcpy(p->cfg.model_ram + off, pl + 4, len);
  d->up_received += len;
  tg_put_u16(r, 0);
  tg_put_u32(r, d->up_received);
}

static void put_tensor(tg_reply *r, const tg_tensor *t) {
  tg_put_u8(r, (uint8_t)t->type);
  int32_t nd = t->ndims < 0 ? 0 : t->ndims > TG_MAX_DIMS ? TG_MAX_DIMS : t->ndims;
  tg_put_u8(r, (uint8_t)nd);
  for (int32_t i = 0; i < nd; ++i) tg_put_u32(r, (uint32_t)t->dims[i]);
  tg_put_u32(r, (uint32_t)t->bytes);
  tg_put_f32(r, t->n_scales > 0 ? t->scales[0] : 0.0f);
  tg_put_u32(r, (uint32_t)(t->n_scales > 0 ? t->zero_points[0] : 0));
}

static void upload_end(tg_proto *p, size_t n, tg_reply *r) {
  tg_device *d = &p->dev;
  if (n != 0) {
    bad_length(r, TG_CMD_UPLOAD_END, n, 0, 0);
    return;
  }
  if (!d->uploading) {
    tg_reply_error(r, TG_PE_NO_UPLOAD, "UPLOAD_END: no upload in progress (UPLOAD_BEGIN first)");
    return;
  }
  d->uploading = 0;
  char m[160];
  tg_text t;
  tg_text_init(&t, m, sizeof m);
  if (d->up_received < d->up_total) {
    tg_text_str(&t, "UPLOAD_END: received ");
    tg_text_u32(&t, d->up_received);
    tg_text_str(&t, " of ");
    tg_text_u32(&t, d->up_total);
    tg_text_str(&t, " bytes");
    tg_reply_error(r, TG_PE_UPLOAD_INCOMPLETE, m);
    return;
  }
  uint32_t crc = tg_crc32(p->cfg.model_ram, d->up_total);
  if (crc != d->up_crc) {
    tg_text_str(&t, "UPLOAD_END: CRC-32 of the ");
    tg_text_u32(&t, d->up_total);
    tg_text_str(&t, " received bytes is ");
    tg_text_hex32(&t, crc);
    tg_text_str(&t, ", UPLOAD_BEGIN announced ");
    tg_text_hex32(&t, d->up_crc);
    tg_reply_error(r, TG_PE_UPLOAD_CRC, m);
    return;
  }
  d->engine = tg_engine_init(p->cfg.arena, p->cfg.arena_bytes);
  if (d->engine == NULL) {
    tg_text_str(&t, "UPLOAD_END: the arena of ");
    tg_text_u32(&t, (uint32_t)p->cfg.arena_bytes);
    tg_text_str(&t, " bytes cannot hold the engine's state");
    tg_reply_error(r, TG_PE_ENGINE_INIT, m);
    return;
  }
  tg_status st = tg_engine_load(d->engine, p->cfg.model_ram, d->up_total);
  if (st != TG_OK) {
    engine_error(p, r, st, "UPLOAD_END: load");
    return;
  }
  int32_t n_in = tg_engine_input_count(d->engine);
  size_t end = align16(d->up_total);
  for (int32_t i = 0; i < n_in && i < (int32_t)TG_PROTO_MAX_INPUTS; ++i) {
    size_t bytes = (size_t)tg_engine_input(d->engine, i)->bytes;
    if (end > p->cfg.model_ram_bytes || align16(bytes) > p->cfg.model_ram_bytes - end) {
      tg_text_str(&t, "UPLOAD_END: the copy of input ");
      tg_text_i32(&t, i);
      tg_text_str(&t, " (");
      tg_text_u32(&t, (uint32_t)bytes);
      tg_text_str(&t, " bytes) does not fit the model RAM after the model");
      tg_reply_error(r, TG_PE_MODEL_TOO_LARGE, m);
      return;
    }
    d->shadow[i] = p->cfg.model_ram + end;
    memset(d->shadow[i], 0, bytes);
    end += align16(bytes);
  }
  if (n_in > (int32_t)TG_PROTO_MAX_INPUTS) {
    tg_text_str(&t, "UPLOAD_END: ");
    tg_text_i32(&t, n_in);
    tg_text_str(&t, " input tensors, this firmware handles at most 16");
    tg_reply_error(r, TG_PE_RANGE, m);
    return;
  }
  d->shadow_end = end;
  d->loaded = 1;
  d->model_bytes = d->up_total;

  p->body_valid = 0;
  tg_reply b = {.buf = p->body, .cap = sizeof p->body, .eval_slot = -1};
  tg_engine *e = d->engine;
  int32_t layers = tg_engine_layer_count(e), ins = tg_engine_input_count(e), outs = tg_engine_output_count(e);
  tg_put_u32(&b, d->up_total);
  tg_put_u32(&b, (uint32_t)tg_engine_arena_used(e));
  tg_put_u32(&b, (uint32_t)tg_engine_activation_bytes(e));
  tg_put_u16(&b, (uint16_t)layers);
  tg_put_u8(&b, (uint8_t)ins);
  tg_put_u8(&b, (uint8_t)outs);
  for (int32_t i = 0; i < layers; ++i) tg_put_u8(&b, tg_engine_layer_path(e, i));
  for (int32_t i = 0; i < layers; ++i) tg_put_str(&b, tg_engine_layer_op(e, i));
  for (int32_t i = 0; i < ins; ++i) put_tensor(&b, tg_engine_input(e, i));
  for (int32_t i = 0; i < outs; ++i) put_tensor(&b, tg_engine_output(e, i));
  if (b.overflow || layers > 0xFFFF || ins > 0xFF || outs > 0xFF) {
    d->loaded = 0;
    tg_text_str(&t, "UPLOAD_END: the description of ");
    tg_text_i32(&t, layers);
    tg_text_str(&t, " layers does not fit the result buffer of 16384 bytes");
    tg_reply_error(r, TG_PE_RANGE, m);
    return;
  }
  p->body_len = b.len;
  r->segmented = 1;
}

static void set_input(tg_proto *p, const uint8_t *pl, size_t n, tg_reply *r) {
  if (n < 6) {
    bad_length(r, TG_CMD_SET_INPUT, n, 6, 1);
    return;
  }
  if (need_model(p, r, TG_CMD_SET_INPUT)) return;
  uint8_t index = pl[0];
  uint32_t off = rd32(pl + 1), len = (uint32_t)(n - 5);
  if (index >= tg_engine_input_count(p->dev.engine)) {
    tg_reply_error(r, TG_PE_BAD_INDEX, "SET_INPUT: no such input tensor");
    return;
  }
  tg_tensor *t = tg_engine_input(p->dev.engine, index);
  if (out_of_range(off, len, (uint32_t)t->bytes)) {
    range_error(r, "SET_INPUT: input ", index, off, len, (uint32_t)t->bytes);
    return;
  }
  memcpy(p->dev.shadow[index] + off, pl + 5, len);
  tg_put_u16(r, 0);
}

static void invoke(tg_proto *p, const uint8_t *pl, size_t n, tg_reply *r) {
  tg_device *d = &p->dev;
  if (n != 4) {
    bad_length(r, TG_CMD_INVOKE, n, 4, 0);
    return;
  }
  if (need_model(p, r, TG_CMD_INVOKE)) return;
  uint16_t warmup = rd16(pl), repeats = rd16(pl + 2);
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
    restore_inputs(d);
    tg_status st = tg_engine_invoke(d->engine, NULL);
    if (st != TG_OK) {
      engine_error(p, r, st, "INVOKE: warm-up run");
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
                      .now = prof_now,
                      .marker = p->cfg.marker != NULL ? prof_marker : NULL,
                      .layer_done = prof_layer_done};
  d->prof_layers = layers;
  for (uint32_t k = 0; k < repeats; ++k) {
    d->prof_base = k * ((uint32_t)layers + 1u);
    restore_inputs(d);
    uint32_t t0 = p->cfg.now(p->cfg.user);
    tg_status st = tg_engine_invoke(d->engine, &prof);
    uint32_t t1 = p->cfg.now(p->cfg.user);
    if (st != TG_OK) {
      engine_error(p, r, st, "INVOKE: measured run");
      return;
    }
    wr32(p->body + 12u + 4u * (d->prof_base + (uint32_t)layers), t1 - t0);
  }
  p->body_len = body_len;
  r->segmented = 1;
}

static void get_output(tg_proto *p, const uint8_t *pl, size_t n, tg_reply *r) {
  if (n != 7) {
    bad_length(r, TG_CMD_GET_OUTPUT, n, 7, 0);
    return;
  }
  if (need_model(p, r, TG_CMD_GET_OUTPUT)) return;
  uint8_t index = pl[0];
  uint32_t off = rd32(pl + 1);
  uint16_t len = rd16(pl + 5);
  if (len == 0 || len > TG_PAYLOAD_MAX - 6u) {
    tg_reply_error(r, TG_PE_BAD_LENGTH, "GET_OUTPUT: len must be 1 .. 2050");
    return;
  }
  if (index >= tg_engine_output_count(p->dev.engine)) {
    tg_reply_error(r, TG_PE_BAD_INDEX, "GET_OUTPUT: no such output tensor");
    return;
  }
  const tg_tensor *t = tg_engine_output(p->dev.engine, index);
  if (out_of_range(off, len, (uint32_t)t->bytes)) {
    range_error(r, "GET_OUTPUT: output ", index, off, len, (uint32_t)t->bytes);
    return;
  }
  tg_put_u16(r, 0);
  tg_put_u32(r, off);
  tg_put_bytes(r, (const uint8_t *)t->data + off, len);
}

static void eval_begin(tg_proto *p, const uint8_t *pl, size_t n, tg_reply *r) {
  tg_device *d = &p->dev;
  if (n != 4) {
    bad_length(r, TG_CMD_EVAL_BEGIN, n, 4, 0);
    return;
  }
  if (need_model(p, r, TG_CMD_EVAL_BEGIN)) return;
  uint32_t count = rd32(pl);
  if (count == 0) {
    tg_reply_error(r, TG_PE_BAD_LENGTH, "EVAL_BEGIN: count is 0");
    return;
  }
  if (tg_engine_input_count(d->engine) < 1 || tg_engine_output_count(d->engine) < 1) {
    tg_reply_error(r, TG_PE_EVAL_TOO_LARGE, "EVAL_BEGIN: the model has no input 0 or no output 0");
    return;
  }
  uint32_t in_bytes = (uint32_t)tg_engine_input(d->engine, 0)->bytes;
  uint32_t out_bytes = (uint32_t)tg_engine_output(d->engine, 0)->bytes;
  size_t first = d->shadow_end, slot = align16(in_bytes);
  char m[160];
  tg_text t;
  tg_text_init(&t, m, sizeof m);
  if (out_bytes > TG_PAYLOAD_MAX - 10u) {
    tg_text_str(&t, "EVAL_BEGIN: output 0 of ");
    tg_text_u32(&t, out_bytes);
    tg_text_str(&t, " bytes does not fit one EVAL_RESULT frame (at most ");
    tg_text_u32(&t, TG_PAYLOAD_MAX - 10u);
    tg_text_str(&t, ")");
    tg_reply_error(r, TG_PE_EVAL_TOO_LARGE, m);
    return;
  }
  if (first > p->cfg.model_ram_bytes || 2u * slot > p->cfg.model_ram_bytes - first) {
    tg_text_str(&t, "EVAL_BEGIN: two input slots of ");
    tg_text_u32(&t, in_bytes);
    tg_text_str(&t, " bytes do not fit the ");
    tg_text_u32(&t, (uint32_t)(p->cfg.model_ram_bytes - (first < p->cfg.model_ram_bytes ? first : p->cfg.model_ram_bytes)));
    tg_text_str(&t, " bytes of model RAM left after the model and its inputs");
    tg_reply_error(r, TG_PE_EVAL_TOO_LARGE, m);
    return;
  }
  d->eval_active = 1;
  d->eval_count = count;
  d->eval_in_bytes = in_bytes;
  d->eval_out_bytes = out_bytes;
  for (int s = 0; s < 2; ++s) {
    d->slot_data[s] = p->cfg.model_ram + first + (size_t)s * slot;
    d->slot_state[s] = TG_SLOT_EMPTY;
    d->slot_received[s] = 0;
    d->slot_sample[s] = 0;
    d->result_valid[s] = 0;
  }
  tg_put_u16(r, 0);
  tg_put_u32(r, in_bytes);
  tg_put_u32(r, out_bytes);
  tg_put_u8(r, 2);
}

static void eval_state_error(tg_reply *r, uint16_t code, const char *a, uint32_t x, const char *b, uint32_t y) {
  char m[128];
  tg_text t;
  tg_text_init(&t, m, sizeof m);
  tg_text_str(&t, "EVAL_SAMPLE: sample ");
  tg_text_u32(&t, x);
  tg_text_str(&t, a);
  if (b != NULL) {
    tg_text_u32(&t, y);
    tg_text_str(&t, b);
  }
  tg_reply_error(r, code, m);
}

static void eval_sample(tg_proto *p, const uint8_t *pl, size_t n, tg_reply *r) {
  tg_device *d = &p->dev;
  if (n < 10) {
    bad_length(r, TG_CMD_EVAL_SAMPLE, n, 10, 1);
    return;
  }
  if (!d->eval_active || !d->loaded) {
    tg_reply_error(r, TG_PE_EVAL_STATE, "EVAL_SAMPLE: no evaluation in progress (EVAL_BEGIN first)");
    return;
  }
  uint32_t sample = rd32(pl), off = rd32(pl + 4), len = (uint32_t)(n - 9);
  uint8_t flags = pl[8];
  if (sample >= d->eval_count) {
    eval_state_error(r, TG_PE_EVAL_STATE, " is past the count of ", sample, " samples", d->eval_count);
    return;
  }
  if ((flags & ~1u) != 0) {
    tg_reply_error(r, TG_PE_BAD_LENGTH, "EVAL_SAMPLE: unknown flag bits (only bit 0, last chunk)");
    return;
  }
  if (out_of_range(off, len, d->eval_in_bytes) || ((flags & 1u) && off + len != d->eval_in_bytes)) {
    range_error(r, "EVAL_SAMPLE: sample ", sample, off, len, d->eval_in_bytes);
    return;
  }
  int s = (int)(sample & 1u);
  int start = 0;
  if (d->slot_state[s] == TG_SLOT_EMPTY) {
    start = 1;
  } else if (d->slot_sample[s] == sample) {
    if (d->slot_state[s] == TG_SLOT_DONE) {
      eval_state_error(r, TG_PE_EVAL_STATE, " was already evaluated", sample, NULL, 0);
      return;
    }
  } else if (d->slot_sample[s] < sample) {
    if (d->slot_state[s] == TG_SLOT_FILLING) {
      eval_state_error(r, TG_PE_EVAL_SLOT_BUSY, ": its slot still fills with sample ", sample,
                       "", d->slot_sample[s]);
      return;
    }
    start = 1;
  } else {
    eval_state_error(r, TG_PE_EVAL_STATE, " is older than sample ", sample, " in its slot",
                     d->slot_sample[s]);
    return;
  }
  if (start) {
    d->slot_state[s] = TG_SLOT_FILLING;
    d->slot_sample[s] = sample;
    d->slot_received[s] = 0;
  }
  memcpy(d->slot_data[s] + off, pl + 9, len);
  d->slot_received[s] += len;
  tg_put_u16(r, 0);
  tg_put_u32(r, sample);
  tg_put_u32(r, d->slot_received[s]);
  if (d->slot_received[s] >= d->eval_in_bytes) {
    d->slot_state[s] = TG_SLOT_DONE;
    r->eval_slot = s;
  }
}

void tg_device_run_eval(tg_proto *p, int slot, uint16_t seq) {
  tg_device *d = &p->dev;
  restore_inputs(d); /* inputs other than 0 as SET_INPUT left them */
  tg_tensor *in = tg_engine_input(d->engine, 0);
  memcpy(in->data, d->slot_data[slot], d->eval_in_bytes);
  tg_profiler prof = {.user = p, .now = prof_now, .marker = p->cfg.marker != NULL ? prof_marker : NULL};
  uint32_t t0 = p->cfg.now(p->cfg.user);
  tg_status st = tg_engine_invoke(d->engine, &prof);
  uint32_t t1 = p->cfg.now(p->cfg.user);
  tg_reply r = {.buf = d->result[slot], .cap = sizeof d->result[slot], .eval_slot = -1};
  tg_put_u32(&r, d->slot_sample[slot]);
  if (st == TG_OK) {
    tg_put_u16(&r, 0);
    tg_put_u32(&r, t1 - t0);
    tg_put_bytes(&r, tg_engine_output(d->engine, 0)->data, d->eval_out_bytes);
  } else {
    char m[256];
    tg_text t;
    tg_text_init(&t, m, sizeof m);
    tg_text_str(&t, tg_status_name(st));
    tg_text_str(&t, ": ");
    tg_text_str(&t, tg_engine_error(d->engine));
    tg_put_u16(&r, (uint16_t)st);
    tg_put_str(&r, m);
  }
  d->result_len[slot] = (uint16_t)r.len;
  d->result_seq[slot] = seq;
  d->result_valid[slot] = 1;
  (void)tg_proto_send(p, TG_MSG_EVAL_RESULT, seq, r.buf, r.len);
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
      if (n != 0) bad_length(r, type, n, 0, 0);
      else hello(p, r);
      return;
    case TG_CMD_UPLOAD_BEGIN: upload_begin(p, pl, n, r); return;
    case TG_CMD_UPLOAD_CHUNK: upload_chunk(p, pl, n, r); return;
    case TG_CMD_UPLOAD_END: upload_end(p, n, r); return;
    case TG_CMD_SET_INPUT: set_input(p, pl, n, r); return;
    case TG_CMD_INVOKE: invoke(p, pl, n, r); return;
    case TG_CMD_GET_OUTPUT: get_output(p, pl, n, r); return;
    case TG_CMD_EVAL_BEGIN: eval_begin(p, pl, n, r); return;
    case TG_CMD_EVAL_SAMPLE: eval_sample(p, pl, n, r); return;
    case TG_CMD_RESET:
      if (n != 0) {
        bad_length(r, type, n, 0, 0);
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
