/* Streamed evaluation (EVAL_BEGIN, EVAL_SAMPLE, EVAL_RESULT in docs/protocol.md): two input
 * slots in the model RAM, so that chunks of sample k+1 are accepted while sample k is
 * incomplete; a sample runs as soon as every one of its bytes arrived (distinct bytes: a
 * chunk executed twice must not complete it early), after its acknowledgement went out. */
#include <string.h>

#include "tg_proto_internal.h"
#include "tg_text.h"

void tg_eval_begin(tg_proto *p, const uint8_t *pl, size_t n, tg_reply *r) {
  tg_device *d = &p->dev;
  if (n != 4) {
    tg_err_length(r, TG_CMD_EVAL_BEGIN, n, 4, 0);
    return;
  }
  if (tg_need_model(p, r, TG_CMD_EVAL_BEGIN)) return;
  uint32_t count = tg_rd32(pl);
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
  size_t first = d->shadow_end, slot = tg_align16(in_bytes);
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
    size_t used = first < p->cfg.model_ram_bytes ? first : p->cfg.model_ram_bytes;
    tg_text_u32(&t, (uint32_t)(p->cfg.model_ram_bytes - used));
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
    tg_cover_clear(&d->slot_cover[s]);
    d->slot_sample[s] = 0;
    d->result_valid[s] = 0;
  }
  tg_put_u16(r, 0);
  tg_put_u32(r, in_bytes);
  tg_put_u32(r, out_bytes);
  tg_put_u8(r, 2);
}

/* "EVAL_SAMPLE: sample <x><a>[<y><b>]" */
static void eval_state_error(tg_reply *r, uint16_t code, const char *a, uint32_t x, const char *b,
                             uint32_t y) {
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

void tg_eval_sample(tg_proto *p, const uint8_t *pl, size_t n, tg_reply *r) {
  tg_device *d = &p->dev;
  if (n < 10) {
    tg_err_length(r, TG_CMD_EVAL_SAMPLE, n, 10, 1);
    return;
  }
  if (!d->eval_active || !d->loaded) {
    tg_reply_error(r, TG_PE_EVAL_STATE, "EVAL_SAMPLE: no evaluation in progress (EVAL_BEGIN first)");
    return;
  }
  uint32_t sample = tg_rd32(pl), off = tg_rd32(pl + 4), len = (uint32_t)(n - 9);
  uint8_t flags = pl[8];
  if (sample >= d->eval_count) {
    eval_state_error(r, TG_PE_EVAL_STATE, " is past the count of ", sample, " samples", d->eval_count);
    return;
  }
  if ((flags & ~1u) != 0) {
    tg_reply_error(r, TG_PE_BAD_LENGTH, "EVAL_SAMPLE: unknown flag bits (only bit 0, last chunk)");
    return;
  }
  if (tg_out_of_range(off, len, d->eval_in_bytes) || ((flags & 1u) && off + len != d->eval_in_bytes)) {
    tg_err_range(r, "EVAL_SAMPLE: sample ", sample, off, len, d->eval_in_bytes);
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
    tg_cover_clear(&d->slot_cover[s]);
  }
  if (tg_cover_add(&d->slot_cover[s], off, len) != 0) {
    char what[48];
    tg_text t;
    tg_text_init(&t, what, sizeof what);
    tg_text_str(&t, "EVAL_SAMPLE: sample ");
    tg_text_u32(&t, sample);
    tg_text_str(&t, ": ");
    tg_err_fragmented(r, what, off, len);
    return;
  }
  memcpy(d->slot_data[s] + off, pl + 9, len);
  tg_put_u16(r, 0);
  tg_put_u32(r, sample);
  tg_put_u32(r, d->slot_cover[s].bytes);
  if (d->slot_cover[s].bytes >= d->eval_in_bytes) {
    d->slot_state[s] = TG_SLOT_DONE;
    r->eval_slot = s;
  }
}

void tg_device_run_eval(tg_proto *p, int slot, uint16_t seq) {
  tg_device *d = &p->dev;
  tg_restore_inputs(d); /* inputs other than 0 as SET_INPUT left them */
  tg_tensor *in = tg_engine_input(d->engine, 0);
  memcpy(in->data, d->slot_data[slot], d->eval_in_bytes);
  tg_profiler prof = {.user = p, .now = tg_prof_now, .marker = p->cfg.marker != NULL ? tg_prof_marker : NULL};
  if (p->cfg.tick_restart != NULL) p->cfg.tick_restart(p->cfg.user);
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
