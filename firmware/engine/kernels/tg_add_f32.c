#include "tg_kernels_elementwise.h"

/* min(max(x, lo), hi) with std::min/std::max's comparisons, so NaN passes through as in TFLM. */
static inline float add_one(const tg_act_f32 *p, float x, float y) {
  float r = x + y;
  r = r < p->min ? p->min : r;
  return p->max < r ? p->max : r;
}

void tg_add_f32(const tg_act_f32 *p, const tg_broadcast *b, const float *in1, const float *in2, float *out) {
  if (b->flat) {
    for (int32_t i = 0; i < b->elements; ++i) out[i] = add_one(p, in1[i], in2[i]);
    return;
  }
  int32_t idx[TG_EW_DIMS] = {0};
  int32_t o1 = 0;
  int32_t o2 = 0;
  for (int32_t i = 0; i < b->elements; ++i) {
    out[i] = add_one(p, in1[o1], in2[o2]);
    tg_broadcast_next(b, idx, &o1, &o2);
  }
}
