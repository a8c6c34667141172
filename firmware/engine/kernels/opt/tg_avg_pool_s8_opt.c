/* AVERAGE_POOL_2D int8 fast path (tg_kernels_opt.h): 4 channels per step, their window
 * sums kept in two registers of 16-bit lanes (SXTAB16 adds lanes 0,2 and, rotated, 1,3 of
 * a word of 4 inputs), which the window bound keeps from overflowing. Then the
 * reference's rounding division and clamp per channel. */
#include "tg_kernels_opt.h"
#include "tg_simd.h"

int tg_avg_pool_s8_opt_applies(const tg_pool_args *a) {
  return a->filter_h > 0 && a->filter_w > 0 && (int64_t)a->filter_h * a->filter_w <= TG_AVG_POOL_OPT_MAX_WINDOW;
}

/* Window sums of 4 channels: sum[k] for channel ch + k. x points at (first tap, ch). */
#if TG_SIMD_DSP
static inline int16_t lane(int32_t v, int top) { return (int16_t)(uint16_t)((uint32_t)v >> (top ? 16 : 0)); }

static void sum_4ch(const int8_t *x, int32_t ny, int32_t nx, int32_t c, int32_t row_step, int32_t sum[4]) {
  int32_t even = 0, odd = 0; /* lanes: channels 0, 2 and 1, 3 */
  for (int32_t ky = 0; ky < ny; ++ky, x += row_step) {
    const int8_t *p = x;
    for (int32_t kx = 0; kx < nx; ++kx, p += c) {
      const int32_t v = tg_read_s8x4(p);
      even = tg_sxtab16(even, v);
      odd = tg_sxtab16_ror8(odd, v);
    }
  }
  sum[0] = lane(even, 0), sum[1] = lane(odd, 0), sum[2] = lane(even, 1), sum[3] = lane(odd, 1);
}
#else
static void sum_4ch(const int8_t *x, int32_t ny, int32_t nx, int32_t c, int32_t row_step, int32_t sum[4]) {
  int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (int32_t ky = 0; ky < ny; ++ky, x += row_step) {
    const int8_t *p = x;
    for (int32_t kx = 0; kx < nx; ++kx, p += c) {
      s0 += p[0], s1 += p[1], s2 += p[2], s3 += p[3];
    }
  }
  sum[0] = s0, sum[1] = s1, sum[2] = s2, sum[3] = s3;
}
#endif

static inline int8_t mean(int32_t sum, int32_t count, int32_t act_min, int32_t act_max) {
  int32_t m = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
  m = m < act_min ? act_min : m;
  m = m > act_max ? act_max : m;
  return (int8_t)m;
}

tg_status tg_avg_pool_s8_opt(const tg_pool_args *a, int32_t act_min, int32_t act_max, const int8_t *input,
                             int8_t *output) {
  if (!tg_avg_pool_s8_opt_applies(a)) return TG_ERR_ARG;
  const tg_dims4 in = a->input, out = a->output;
  const int32_t c = in.c;
  int8_t *o = output;
  for (int32_t b = 0; b < in.n; ++b) {
    for (int32_t oy = 0; oy < out.h; ++oy) {
      const int32_t in_y0 = oy * a->stride_h - a->pad_h;
      const int32_t ky0 = in_y0 < 0 ? -in_y0 : 0;
      const int32_t ky1 = a->filter_h < in.h - in_y0 ? a->filter_h : in.h - in_y0;
      for (int32_t ox = 0; ox < out.w; ++ox, o += c) {
        const int32_t in_x0 = ox * a->stride_w - a->pad_w;
        const int32_t kx0 = in_x0 < 0 ? -in_x0 : 0;
        const int32_t kx1 = a->filter_w < in.w - in_x0 ? a->filter_w : in.w - in_x0;
        if (ky1 <= ky0 || kx1 <= kx0) return TG_ERR_SHAPE;
        const int32_t count = (ky1 - ky0) * (kx1 - kx0);
        const int8_t *x0 = input + ((ptrdiff_t)(b * in.h + in_y0 + ky0) * in.w + in_x0 + kx0) * c;
        const int32_t nx = kx1 - kx0, row_step = in.w * c;
        int32_t ch = 0;
        for (; ch + 4 <= c; ch += 4) {
          int32_t sum[4];
          sum_4ch(x0 + ch, ky1 - ky0, nx, c, row_step, sum);
          o[ch] = mean(sum[0], count, act_min, act_max);
          o[ch + 1] = mean(sum[1], count, act_min, act_max);
          o[ch + 2] = mean(sum[2], count, act_min, act_max);
          o[ch + 3] = mean(sum[3], count, act_min, act_max);
        }
        for (; ch < c; ++ch) { /* the last c % 4 channels */
          int32_t sum = 0;
          for (int32_t ky = 0; ky < ky1 - ky0; ++ky) {
            for (int32_t kx = 0; kx < nx; ++kx) {
              sum += x0[ky * row_step + kx * c + ch];
            }
          }
          o[ch] = mean(sum, count, act_min, act_max);
        }
      }
    }
  }
  return TG_OK;
}
