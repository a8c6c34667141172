#include <string.h>

#include "tg_kernels_elementwise.h"

/* Output rows (all dims but the last) in row-major order: a row whose outer coordinates
 * fall in the padding is filled; any other row is before-fill, a copy of the input row,
 * after-fill. */
void tg_pad_s8(const tg_pad_params *p, int8_t pad_value, const int8_t *in, int8_t *out) {
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
    int8_t *o = out + (int64_t)r * out_row;
    if (!inside) {
      memset(o, (uint8_t)pad_value, (size_t)out_row);
    } else {
      memset(o, (uint8_t)pad_value, (size_t)before);
      memcpy(o + before, in, (size_t)in_row);
      memset(o + before + in_row, (uint8_t)pad_value, (size_t)(out_row - before - in_row));
      in += in_row;
    }
    for (int32_t d = last - 1; d >= 0; --d) {
      if (++idx[d] < p->out_dims[d]) break;
      idx[d] = 0;
    }
  }
}
