/* CONV_2D int8 fast paths (tg_kernels_opt.h), both on tg_mat_mult_s8_opt:
 * - TG_CONV_OPT_1X1: a 1x1 filter with stride 1 and no padding reads every input pixel
 *   as one column of in_c values: the whole layer is one matrix multiply.
 * - TG_CONV_OPT_IM2COL: two output pixels at a time, each window copied into a column of
 *   kh * kw * in_c values (OHWI order, as the filter rows), out-of-image taps filled
 *   with the input zero point (which contributes 0 once the offset is folded into the bias);
 *   then 2 columns against every filter row.
 * - TG_CONV_OPT_IM2COL_PAD: the same with a depth of 4k + 3 padded to 4k + 4: the filter
 *   is copied into the scratch buffer at each call (at most TG_CONV_OPT_PAD_FILTER bytes)
 *   with a zero weight ending each row, so the padding byte of a column adds 0 and the
 *   folded bias (over the real weights) is unchanged.
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
  /* One zero weight per row makes the depth a multiple of 4: the matrix multiply then
   * runs whole row pairs in assembly instead of 2x2 blocks with a scalar tail of 3
   * products (ResNet-8's first layer, depth 27: 4.4 instructions per MAC before). */
  const int32_t depth = a->filter.h * a->filter.w * a->filter.c;
  if ((depth & 3) == 3 && (int64_t)a->filter.n * (depth + 1) <= TG_CONV_OPT_PAD_FILTER) {
    return TG_CONV_OPT_IM2COL_PAD;
  }
  return TG_CONV_OPT_IM2COL;
}

size_t tg_conv_s8_opt_scratch_bytes(const tg_conv_args *a) {
  const size_t depth = (size_t)a->filter.h * (size_t)a->filter.w * (size_t)a->filter.c;
  switch (tg_conv_s8_opt_path(a)) {
  case TG_CONV_OPT_IM2COL:
    return 2u * depth;
  case TG_CONV_OPT_IM2COL_PAD:
    return (2u + (size_t)a->filter.n) * (depth + 1u);
  default:
    return 0;
  }
}

/* 8 * steps bytes (steps >= 1) from *src to *dst, both advanced past them. */
#if TG_SIMD_DSP
/* 6 instructions per 8 bytes with post-indexed LDR/STR (unaligned: allowed on Armv7-M);
 * gcc -Os makes 9 of the C loop below. */
static inline void copy_steps8(int8_t **dst, const int8_t **src, int32_t steps) {
  int32_t a, b;
  __asm__ volatile("1:\n\t"
                   "ldr %[a], [%[s]], #4\n\t"
                   "ldr %[b], [%[s]], #4\n\t"
                   "str %[a], [%[d]], #4\n\t"
                   "str %[b], [%[d]], #4\n\t"
                   "subs %[k], %[k], #1\n\t"
                   "bne 1b"
                   : [s] "+r"(*src), [d] "+r"(*dst), [k] "+r"(steps), [a] "=&r"(a), [b] "=&r"(b)
                   :
                   : "memory", "cc");
}
#else
static inline void copy_steps8(int8_t **dst, const int8_t **src, int32_t steps) {
  for (; steps > 0; --steps, *dst += 8, *src += 8) {
    const int32_t a = tg_read_s8x4(*src), b = tg_read_s8x4(*src + 4);
    tg_write_s8x4(*dst, a);
    tg_write_s8x4(*dst + 4, b);
  }
}
#endif

/* n >= 0 bytes from src to dst, two words per step; the tail without a loop (gcc -Os
 * turns byte loops into calls of newlib-nano's memcpy and memset, which copy bytes). */
static void copy_s8(int8_t *dst, const int8_t *src, int32_t n) {
  if (n >= 8) copy_steps8(&dst, &src, n >> 3);
  if (n & 4) {
    tg_write_s8x4(dst, tg_read_s8x4(src));
    dst += 4, src += 4;
  }
  if (n & 2) {
    dst[0] = src[0], dst[1] = src[1];
    dst += 2, src += 2;
  }
  if (n & 1) dst[0] = src[0];
}

/* n >= 0 bytes of v, a word at a time. */
static void fill_s8(int8_t *dst, int8_t v, int32_t n) {
  const int32_t v4 = (int32_t)((uint32_t)(uint8_t)v * 0x01010101u);
  for (; n >= 4; n -= 4, dst += 4) {
    tg_write_s8x4(dst, v4);
  }
  if (n & 2) {
    dst[0] = v, dst[1] = v;
    dst += 2;
  }
  if (n & 1) dst[0] = v;
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
  int32_t stride = depth; /* of the columns and of the filter rows */
  const int8_t *weights = filter;
  if (path == TG_CONV_OPT_IM2COL_PAD) {
    /* [column 0 | column 1 | filter], rows of depth + 1 ending in a zero weight; the
     * columns' last byte, multiplied by it, is set once to keep it defined */
    stride = depth + 1;
    int8_t *w = scratch + 2 * stride;
    for (int32_t r = 0; r < rows; ++r, w += stride) {
      copy_s8(w, filter + (size_t)r * (size_t)depth, depth);
      w[depth] = 0;
    }
    weights = scratch + 2 * stride;
    scratch[depth] = scratch[stride + depth] = 0;
  }
  const int8_t zero_point = (int8_t)-q->input_offset;
  int32_t b = 0, oy = 0, ox = 0; /* the next pixel to lay out */
  for (int32_t p = 0; p < pixels; p += 2) {
    const int32_t cols = pixels - p >= 2 ? 2 : 1;
    for (int32_t k = 0; k < cols; ++k) {
      im2col(a, input, b, oy, ox, zero_point, scratch + k * stride);
      if (++ox == a->output.w) {
        ox = 0;
        if (++oy == a->output.h) {
          oy = 0;
          ++b;
        }
      }
    }
    const tg_status s = tg_mat_mult_s8_opt(weights, scratch, bias, rows, cols, stride, q, output + (size_t)p * rows);
    if (s != TG_OK) return s;
  }
  return TG_OK;
}
