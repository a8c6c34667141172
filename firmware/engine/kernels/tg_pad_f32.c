#include <string.h>

#include "tg_kernels_elementwise.h"

static void fill(float *o, float v, int32_t n) {
  for (int32_t i = 0; i < n; ++i) o[i] = v;
}

/* Same walk as tg_pad_s8: output rows in order, the input consumed row by row. */
void tg_pad_f32(const tg_pad_params *p, float pad_value, const float *in, float *out) {
  const int32_t last = p->ndims - 1;
  const int32_t out_row = p->out_dims[last];
  const int32_t in_row = p->in_dims[last];
  const int32_t before = p->before[last];
  int32_t rows = 1;
  for (int32_t d = 0; d < last; ++d) rows *= p->out_dims[d];
  int32_t idx[TG_EW_DIMS] = {0};
  for (int32_t r = 0; r < rows; ++r) {
    int32_t inside = 1;
    for (int32_t d = 0; d < last; ++d) {
      const int32_t i = idx[d] - p->before[d];
      if (i < 0 || i >= p->in_dims[d]) inside = 0;
    }
    float *o = out + (int64_t)r * out_row;
    if (!inside) {
      fill(o, pad_value, out_row);
    } else {
      fill(o, pad_value, before);
      memcpy(o + before, in, (size_t)in_row * sizeof(float));
      fill(o + before + in_row, pad_value, out_row - before - in_row);
      in += in_row;
    }
    for (int32_t d = last - 1; d >= 0; --d) {
      if (++idx[d] < p->out_dims[d]) break;
      idx[d] = 0;
    }
  }
}
