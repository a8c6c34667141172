/* DEPTHWISE_CONV_2D int8 fast paths (tg_kernels_opt.h).
 * TG_DW_OPT_MULT1: with depth multiplier 1, output channel c reads input channel c only,
 * and in NHWC both are contiguous: 4 channels per step. Per tap, one word of 4 inputs and
 * one of 4 weights; SXTAB16 sign-extends lanes 0,2 (or 1,3) and adds the input offset in
 * the same instruction; SMLABB / SMLATT accumulate each channel's product. Out-of-image
 * taps are skipped (their tap range is computed once per pixel), as in the reference.
 * TG_DW_OPT_AS_CONV: one input channel and M multipliers is a conv with M filters of one
 * channel; the operator transposes the filter once in prepare and runs tg_conv_s8_opt. */
#include "tg_kernels_opt.h"
#include "tg_simd.h"

tg_dw_opt_path tg_depthwise_conv_s8_opt_path(const tg_conv_args *a) {
  if ((int64_t)a->filter.h * a->filter.w > TG_MAX_ACCUM_DEPTH) return TG_DW_OPT_NONE;
  if (a->input.c == 1) return TG_DW_OPT_AS_CONV;
  if (a->depth_multiplier == 1) return TG_DW_OPT_MULT1;
  return TG_DW_OPT_NONE;
}

void tg_depthwise_as_conv_args(const tg_conv_args *dw, tg_conv_args *conv) {
  *conv = *dw;
  conv->filter.n = dw->output.c;
  conv->filter.c = 1;
  conv->depth_multiplier = 1;
}

void tg_depthwise_transpose_filter(const tg_conv_args *dw, const int8_t *filter, int8_t *out) {
  const int32_t taps = dw->filter.h * dw->filter.w, m = dw->filter.c;
  for (int32_t t = 0; t < taps; ++t) {
    for (int32_t oc = 0; oc < m; ++oc) {
      out[oc * taps + t] = filter[t * m + oc];
    }
  }
}

typedef struct {
  int32_t a0, a1, a2, a3;
} acc4;

/* 4 channels over the taps [ky0, ky1) x [kx0, kx1) of one pixel. x and w point at tap
 * (ky0, kx0); x_col / x_row and w_col / w_row step one tap right / down. */
TG_NOINLINE static acc4 taps_4ch(const int8_t *x, const int8_t *w, int32_t ny, int32_t nx, int32_t x_col,
                                 int32_t x_row, int32_t w_col, int32_t w_row, int32_t offset2, acc4 a) {
  for (int32_t ky = 0; ky < ny; ++ky, x += x_row, w += w_row) {
    const int8_t *xp = x, *wp = w;
    for (int32_t kx = 0; kx < nx; ++kx, xp += x_col, wp += w_col) {
      const int32_t xv = tg_read_s8x4(xp), wv = tg_read_s8x4(wp);
      const int32_t xe = tg_sxtab16(offset2, xv), xo = tg_sxtab16_ror8(offset2, xv);
      const int32_t we = tg_sxtb16(wv), wo = tg_sxtb16_ror8(wv);
      a.a0 = tg_smlabb(xe, we, a.a0);
      a.a2 = tg_smlatt(xe, we, a.a2);
      a.a1 = tg_smlabb(xo, wo, a.a1);
      a.a3 = tg_smlatt(xo, wo, a.a3);
    }
  }
  return a;
}

static inline int8_t requant(int32_t acc, int32_t ch, const tg_quant_args *q) {
  acc = tg_requant_opt(acc, q->multiplier[ch], q->shift[ch]) + q->output_offset;
  acc = acc < q->act_min ? q->act_min : acc;
  acc = acc > q->act_max ? q->act_max : acc;
  return (int8_t)acc;
}

tg_status tg_depthwise_conv_s8_opt(const tg_conv_args *a, const tg_quant_args *q, const int8_t *input,
                                   const int8_t *filter, const int32_t *bias, int8_t *output) {
  if (tg_depthwise_conv_s8_opt_path(a) != TG_DW_OPT_MULT1 || !q->per_channel || q->input_offset < -127 ||
      q->input_offset > 128) {
    return TG_ERR_ARG;
  }
  const tg_dims4 in = a->input, fl = a->filter, out = a->output;
  const int32_t c = in.c, dil_h = a->dilation_h, dil_w = a->dilation_w;
  /* the offset in both 16-bit lanes: x + offset is in [-255, 255] */
  const int32_t offset2 = (int32_t)(((uint32_t)q->input_offset << 16) | ((uint32_t)q->input_offset & 0xFFFFu));
  const int32_t x_col = dil_w * c, x_row = dil_h * in.w * c, w_col = c, w_row = fl.w * c;
  int8_t *o = output;
  for (int32_t b = 0; b < in.n; ++b) {
    for (int32_t oy = 0; oy < out.h; ++oy) {
      const int32_t in_y0 = oy * a->stride_h - a->pad_h;
      const int32_t ky0 = tg_first_tap(in_y0, dil_h), ky1 = tg_end_tap(in_y0, dil_h, in.h, fl.h);
      for (int32_t ox = 0; ox < out.w; ++ox, o += c) {
        const int32_t in_x0 = ox * a->stride_w - a->pad_w;
        const int32_t kx0 = tg_first_tap(in_x0, dil_w), kx1 = tg_end_tap(in_x0, dil_w, in.w, fl.w);
        const int32_t ny = ky1 > ky0 && kx1 > kx0 ? ky1 - ky0 : 0, nx = kx1 - kx0;
        const int8_t *x = input, *w = filter; /* no in-image tap: the bias alone, nothing read */
        if (ny > 0) {
          x = input + ((size_t)(b * in.h + in_y0 + dil_h * ky0) * in.w + in_x0 + dil_w * kx0) * c;
          w = filter + (size_t)(ky0 * fl.w + kx0) * c;
        }
        int32_t ch = 0;
        for (; ch + 4 <= c; ch += 4) {
          acc4 acc = {0, 0, 0, 0};
          if (bias != NULL) {
            acc.a0 = bias[ch], acc.a1 = bias[ch + 1], acc.a2 = bias[ch + 2], acc.a3 = bias[ch + 3];
          }
          acc = taps_4ch(x + ch, w + ch, ny, nx, x_col, x_row, w_col, w_row, offset2, acc);
          o[ch] = requant(acc.a0, ch, q);
          o[ch + 1] = requant(acc.a1, ch + 1, q);
          o[ch + 2] = requant(acc.a2, ch + 2, q);
          o[ch + 3] = requant(acc.a3, ch + 3, q);
        }
        for (; ch < c; ++ch) { /* the last c % 4 channels, one at a time */
          int32_t acc = bias != NULL ? bias[ch] : 0;
          for (int32_t ky = 0; ky < ny; ++ky) {
            for (int32_t kx = 0; kx < nx; ++kx) {
              const int32_t xv = x[ky * x_row + kx * x_col + ch] + q->input_offset;
              acc = (int32_t)((uint32_t)acc + (uint32_t)(xv * w[ky * w_row + kx * w_col + ch]));
            }
          }
          o[ch] = requant(acc, ch, q);
        }
      }
    }
  }
  return TG_OK;
}
