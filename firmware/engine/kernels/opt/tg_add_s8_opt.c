/* ADD int8 fast path: TFLM's AddFunc with its three requantizations inlined, each
 * input's and the output's shifts and rounding masks worked out once per call
 * (tg_channel_requant) instead of once per element, and offsets and clamp held in
 * registers. The steps, and so every value, are the reference's (tg_add_s8.c). */
#include "tg_kernels_elementwise.h"
#include "tg_kernels_opt.h"

/* tg_requant_channel equals tg_multiply_by_quantized_multiplier for multipliers in
 * [0, 2^31) and shifts in [-31, 30]; the offsets keep (offset + x) in [-255, 255], and a
 * left shift of at most 20 keeps the sum of the two rescaled terms inside int32. */
static int requant_ok(int32_t multiplier, int32_t shift) {
  return multiplier >= 0 && shift >= -31 && shift <= 30;
}

int tg_add_s8_opt_applies(const tg_add_s8_params *p, const tg_broadcast *b) {
  return b->flat && b->elements >= 0 && p->left_shift >= 0 && p->left_shift <= 20 && p->input1_offset >= -127 &&
         p->input1_offset <= 128 && p->input2_offset >= -127 && p->input2_offset <= 128 &&
         requant_ok(p->input1_multiplier, p->input1_shift) && requant_ok(p->input2_multiplier, p->input2_shift) &&
         requant_ok(p->output_multiplier, p->output_shift);
}

tg_status tg_add_s8_opt(const tg_add_s8_params *p, const tg_broadcast *b, const int8_t *in1, const int8_t *in2,
                        int8_t *out) {
  if (!tg_add_s8_opt_applies(p, b)) return TG_ERR_ARG;
  const tg_channel_requant r1 = tg_channel_requant_of(p->input1_multiplier, p->input1_shift);
  const tg_channel_requant r2 = tg_channel_requant_of(p->input2_multiplier, p->input2_shift);
  const tg_channel_requant ro = tg_channel_requant_of(p->output_multiplier, p->output_shift);
  const int32_t shift = p->left_shift;
  /* (offset + x) << shift as offset << shift plus x << shift: one add per element */
  const int32_t off1 = (int32_t)((uint32_t)p->input1_offset << shift);
  const int32_t off2 = (int32_t)((uint32_t)p->input2_offset << shift);
  const tg_out_params o = {p->output_offset, p->act_min, p->act_max};
  const int32_t n = b->elements;
  for (int32_t i = 0; i < n; ++i) {
    const int32_t x = off1 + (int32_t)((uint32_t)(int32_t)in1[i] << shift);
    const int32_t y = off2 + (int32_t)((uint32_t)(int32_t)in2[i] << shift);
    out[i] = tg_requant_channel_s8(tg_requant_channel(x, r1) + tg_requant_channel(y, r2), ro, o);
  }
  return TG_OK;
}
