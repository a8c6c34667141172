#include "tg_kernels_elementwise.h"

/* Float sum feeding one output element, added in increasing input offset order: the
 * order in which TFLM's reference Mean accumulates, so the float rounding is the same. */
static float reduced_sum(const tg_mean_params *p, const float *base) {
  int32_t idx[TG_EW_DIMS] = {0};
  int32_t off = 0;
  float sum = 0.0f;
  for (int32_t n = 0; n < p->count; ++n) {
    sum += base[off];
    for (int32_t d = p->n_reduced - 1; d >= 0; --d) {
      if (++idx[d] < p->reduced_dims[d]) {
        off += p->reduced_strides[d];
        break;
      }
      idx[d] = 0;
      off -= (p->reduced_dims[d] - 1) * p->reduced_strides[d];
    }
  }
  return sum;
}

void tg_mean_f32(const tg_mean_params *p, const float *in, float *out) {
  int32_t idx[TG_EW_DIMS] = {0};
  int32_t off = 0;
  int32_t outputs = 1;
  for (int32_t d = 0; d < p->n_kept; ++d) outputs *= p->kept_dims[d];
  const float count = (float)p->count;
  for (int32_t o = 0; o < outputs; ++o) {
    out[o] = reduced_sum(p, in + off) / count;
    for (int32_t d = p->n_kept - 1; d >= 0; --d) {
      if (++idx[d] < p->kept_dims[d]) {
        off += p->kept_strides[d];
        break;
      }
      idx[d] = 0;
      off -= (p->kept_dims[d] - 1) * p->kept_strides[d];
    }
  }
}
