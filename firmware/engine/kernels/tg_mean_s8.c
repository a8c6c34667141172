#include "tg_kernels_elementwise.h"
#include "tg_quant.h"

/* Sum of the int8 values feeding one output element: the reduced dims walked in row-major
 * order. |sum - zero_point * count| <= 256 * count, and prepare keeps count at most
 * INT32_MAX / 256, so neither the sum nor the shifted sum overflows int32. */
static int32_t reduced_sum(const tg_mean_params *p, const int8_t *base) {
  int32_t idx[TG_EW_DIMS] = {0};
  int32_t off = 0;
  int32_t sum = 0;
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

/* TFLM's QuantizedMeanOrSum (mean): (sum - zp_in * count) * multiplier, where prepare
 * folded 1/count and the input/output scale ratio into multiplier and shift. */
void tg_mean_s8(const tg_mean_params *p, const int8_t *in, int8_t *out) {
  int32_t idx[TG_EW_DIMS] = {0};
  int32_t off = 0;
  int32_t outputs = 1;
  for (int32_t d = 0; d < p->n_kept; ++d) outputs *= p->kept_dims[d];
  for (int32_t o = 0; o < outputs; ++o) {
    const int32_t shifted = reduced_sum(p, in + off) - p->input_zero_point * p->count;
    int32_t r = tg_multiply_by_quantized_multiplier(shifted, p->multiplier, p->shift) + p->output_zero_point;
    r = r < -128 ? -128 : r;
    r = r > 127 ? 127 : r;
    out[o] = (int8_t)r;
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
