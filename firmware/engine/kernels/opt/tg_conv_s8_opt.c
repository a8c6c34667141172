/* CONV_2D int8 fast paths (tg_kernels_opt.h), both on tg_mat_mult_s8_opt:
 * - TG_CONV_OPT_1X1: a 1x1 filter with stride 1 and no padding reads every input pixel
 *   as one column of in_c values: the whole layer is one matrix multiply.
 * - TG_CONV_OPT_IM2COL: two output pixels at a time, each window copied into a column of
 *   kh * kw * in_c values (OHWI order, as the filter rows), out-of-image taps filled
 *   with the input zero point (which contributes 0 once the offset is folded into the bias);
 *   then 2 columns against every filter row.
 * Output order is the reference's (NHWC): a column's out_c values are one pixel. */
#include "tg_kernels_opt.h"
#include "tg_simd.h"

tg_conv_opt_path tg_conv_s8_opt_path(const tg_conv_args *a) {
  if (a->filter.c != a->input.c || (int64_t)a->filter.h * a->filter.w * a->filter.c > TG_MAX_ACCUM_DEPTH) {
    return TG_CONV_OPT_NONE;
  }
  if (a->filter.h == 1 && a->filter.w == 1 && a->stride_h == 1 && a->stride_w == 1 && a->pad_h == 0 &&
      a->pad_w == 0 && a->output.h == a->input.h && a->output.w == a->input.w) {
    return TG_CONV_OPT_1X1;
  }
  return TG_CONV_OPT_IM2COL;
}

size_t tg_conv_s8_opt_scratch_bytes(const tg_conv_args *a) {
  if (tg_conv_s8_opt_path(a) != TG_CONV_OPT_IM2COL) return 0;
  return 2u * (size_t)a->filter.h * (size_t)a->filter.w * (size_t)a->filter.c;
}

/* n bytes from src to dst, a word at a time (newlib-nano's memcpy copies bytes). */
static void copy_s8(int8_t *dst, const int8_t *src, int32_t n) {
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    tg_write_s8x4(dst + i, tg_read_s8x4(src + i));
  }
  for (; i < n; ++i) {
    dst[i] = src[i];
  }
}

/* n bytes of v, a word at a time (gcc -Os turns a byte loop into a memset call). */
static void fill_s8(int8_t *dst, int8_t v, int32_t n) {
  const int32_t v4 = (int32_t)((uint32_t)(uint8_t)v * 0x01010101u);
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    tg_write_s8x4(dst + i, v4);
  }
  for (; i < n; ++i) {
    dst[i] = v;
  }
}

/* The window of output pixel (b, oy, ox) as one column: kh rows of kw taps of in_c. */
static void im2col(const tg_conv_args *a, const int8_t *input, int32_t b, int32_t oy, int32_t ox, int8_t zero_point,
                   int8_t *col) {
  const tg_dims4 in = a->input;
  const int32_t kh = a->filter.h, kw = a->filter.w, c = in.c;
  const int32_t in_y0 = oy * a->stride_h - a->pad_h, in_x0 = ox * a->stride_w - a->pad_w;
  const int32_t ky0 = tg_first_tap(in_y0, a->dilation_h), ky1 = tg_end_tap(in_y0, a->dilation_h, in.h, kh);
  const int32_t kx0 = tg_first_tap(in_x0, a->dilation_w), kx1 = tg_end_tap(in_x0, a->dilation_w, in.w, kw);
  const int32_t row = kw * c;
  if (ky1 <= ky0 || kx1 <= kx0) { /* no tap inside the image */
    fill_s8(col, zero_point, kh * row);
    return;
  }
  fill_s8(col, zero_point, ky0 * row); /* rows above the image */
  col += ky0 * row;
  /* the first in-image tap of row ky0 (never an address before the input), then a row down */
  const int8_t *x = input + ((ptrdiff_t)(b * in.h + in_y0 + a->dilation_h * ky0) * in.w + in_x0 +
                             (ptrdiff_t)a->dilation_w * kx0) * c;
  const ptrdiff_t x_row = (ptrdiff_t)a->dilation_h * in.w * c;
  const int32_t left = kx0 * c, right = (kw - kx1) * c, run = (kx1 - kx0) * c;
  for (int32_t ky = ky0; ky < ky1; ++ky, col += row, x += x_row) {
    if (left > 0) fill_s8(col, zero_point, left);
    if (a->dilation_w == 1) {
      copy_s8(col + left, x, run);
    } else {
      for (int32_t kx = kx0; kx < kx1; ++kx) {
        copy_s8(col + kx * c, x + (kx - kx0) * a->dilation_w * c, c);
      }
    }
    if (right > 0) fill_s8(col + kx1 * c, zero_point, right);
  }
  fill_s8(col, zero_point, (kh - ky1) * row); /* rows below the image */
}

tg_status tg_conv_s8_opt(const tg_conv_args *a, const tg_quant_args *q, const int32_t *bias, const int8_t *input,
                         const int8_t *filter, int8_t *scratch, int8_t *output) {
  const tg_conv_opt_path path = tg_conv_s8_opt_path(a);
  const int32_t rows = a->output.c;
  if (path == TG_CONV_OPT_NONE || a->filter.n != rows || q->input_offset < -127 || q->input_offset > 128) {
    return TG_ERR_ARG;
  }
  const int32_t pixels = a->output.n * a->output.h * a->output.w;
  if (path == TG_CONV_OPT_1X1) {
    return tg_mat_mult_s8_opt(filter, input, bias, rows, pixels, a->input.c, q, output);
  }
  if (scratch == NULL) {
    return TG_ERR_ARG;
  }
  const int32_t depth = a->filter.h * a->filter.w * a->filter.c;
  const int8_t zero_point = (int8_t)-q->input_offset;
  int32_t b = 0, oy = 0, ox = 0; /* the next pixel to lay out */
  for (int32_t p = 0; p < pixels; p += 2) {
    const int32_t cols = pixels - p >= 2 ? 2 : 1;
    for (int32_t k = 0; k < cols; ++k) {
      im2col(a, input, b, oy, ox, zero_point, scratch + k * depth);
      if (++ox == a->output.w) {
        ox = 0;
        if (++oy == a->output.h) {
          oy = 0;
          ++b;
        }
      }
    }
    const tg_status s = tg_mat_mult_s8_opt(filter, scratch, bias, rows, cols, depth, q, output + (size_t)p * rows);
    if (s != TG_OK) return s;
  }
  return TG_OK;
}
