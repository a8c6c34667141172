/* Model upload (UPLOAD_BEGIN, UPLOAD_CHUNK, UPLOAD_END in docs/protocol.md): chunks into the
 * model RAM in any order, counted by the distinct bytes they cover (a chunk executed twice
 * counts once), the CRC of the whole model, the engine load, and the model's description
 * for the host. */
#include <string.h>

#include "tg_crc32.h"
#include "tg_proto_internal.h"
#include "tg_text.h"

void tg_upload_begin(tg_proto *p, const uint8_t *pl, size_t n, tg_reply *r) {
  tg_device *d = &p->dev;
  if (n != 8) {
    tg_err_length(r, TG_CMD_UPLOAD_BEGIN, n, 8, 0);
    return;
  }
  uint32_t total = tg_rd32(pl), crc = tg_rd32(pl + 4);
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
  tg_cover_clear(&d->up_cover);
  tg_put_u16(r, 0);
}

void tg_upload_chunk(tg_proto *p, const uint8_t *pl, size_t n, tg_reply *r) {
  tg_device *d = &p->dev;
  if (n < 5) {
    tg_err_length(r, TG_CMD_UPLOAD_CHUNK, n, 5, 1);
    return;
  }
  if (!d->uploading) {
    tg_reply_error(r, TG_PE_NO_UPLOAD, "UPLOAD_CHUNK: no upload in progress (UPLOAD_BEGIN first)");
    return;
  }
  uint32_t off = tg_rd32(pl), len = (uint32_t)(n - 4);
  if (tg_out_of_range(off, len, d->up_total)) {
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
  if (tg_cover_add(&d->up_cover, off, len) != 0) {
    tg_err_fragmented(r, "UPLOAD_CHUNK: ", off, len);
    return;
  }
  memcpy(p->cfg.model_ram + off, pl + 4, len);
  tg_put_u16(r, 0);
  tg_put_u32(r, d->up_cover.bytes);
}

void tg_err_fragmented(tg_reply *r, const char *what, uint32_t off, uint32_t len) {
  char m[200];
  tg_text t;
  tg_text_init(&t, m, sizeof m);
  tg_text_str(&t, what);
  tg_text_str(&t, "offset ");
  tg_text_u32(&t, off);
  tg_text_str(&t, " + length ");
  tg_text_u32(&t, len);
  tg_text_str(&t, " would leave more than ");
  tg_text_u32(&t, TG_COVER_RANGES);
  tg_text_str(&t, " separate received ranges (the device tracks that many; send chunks in order, "
                  "at most a window ahead of a missing one)");
  tg_reply_error(r, TG_PE_FRAGMENTED, m);
}

static void put_tensor(tg_reply *r, const tg_tensor *t) {
  tg_put_u8(r, (uint8_t)t->type);
  int32_t nd = t->ndims < 0 ? 0 : t->ndims > TG_MAX_DIMS ? TG_MAX_DIMS : t->ndims;
  tg_put_u8(r, (uint8_t)nd);
  for (int32_t i = 0; i < nd; ++i) tg_put_u32(r, (uint32_t)t->dims[i]);
  tg_put_u32(r, (uint32_t)t->bytes);
  tg_put_f32(r, t->n_scales > 0 ? t->scales[0] : 0.0f);
  tg_put_u32(r, (uint32_t)(t->n_scales > 0 ? t->zero_point : 0));
}

void tg_upload_end(tg_proto *p, size_t n, tg_reply *r) {
  tg_device *d = &p->dev;
  if (n != 0) {
    tg_err_length(r, TG_CMD_UPLOAD_END, n, 0, 0);
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
  if (d->up_cover.bytes < d->up_total) {
    uint32_t gap_len, gap = tg_cover_first_gap(&d->up_cover, d->up_total, &gap_len);
    tg_text_str(&t, "UPLOAD_END: received ");
    tg_text_u32(&t, d->up_cover.bytes);
    tg_text_str(&t, " of ");
    tg_text_u32(&t, d->up_total);
    tg_text_str(&t, " bytes, first missing: ");
    tg_text_u32(&t, gap_len);
    tg_text_str(&t, " bytes at offset ");
    tg_text_u32(&t, gap);
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
    tg_err_engine(p, r, st, "UPLOAD_END: load");
    return;
  }
  int32_t n_in = tg_engine_input_count(d->engine);
  size_t end = tg_align16(d->up_total);
  for (int32_t i = 0; i < n_in && i < (int32_t)TG_PROTO_MAX_INPUTS; ++i) {
    size_t bytes = (size_t)tg_engine_input(d->engine, i)->bytes;
    if (end > p->cfg.model_ram_bytes || tg_align16(bytes) > p->cfg.model_ram_bytes - end) {
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
    end += tg_align16(bytes);
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
