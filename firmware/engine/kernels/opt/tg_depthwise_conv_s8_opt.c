/* DEPTHWISE_CONV_2D int8 fast paths (tg_kernels_opt.h).
 * TG_DW_OPT_MULT1: with depth multiplier 1, output channel c reads input channel c only,
 * and in NHWC both are contiguous: 4 channels per step. Per tap, one word of 4 inputs and
 * one of 4 weights; SXTAB16 sign-extends lanes 0,2 (or 1,3) and adds the input offset in
 * the same instruction; SMLABB / SMLATT accumulate each channel's product. Out-of-image
 * taps are skipped (their tap range is computed once per pixel), as in the reference.
 * TG_DW_OPT_AS_CONV: one input channel and M multipliers is a conv with M filters of one
 * channel; the operator transposes the filter once in prepare and runs tg_conv_s8_opt. */
#include <stddef.h>

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

/* One pixel's taps for 4 channels: the rectangle of ny rows x nx taps that lies inside the
 * image (nx >= 1 when ny >= 1). x and w point at its first tap; x_col / w_col step one tap
 * right, x_row / w_row one row down. acc holds the 4 channels' sums, in and out. */
typedef struct {
  const int8_t *x;
  const int8_t *w;
  int32_t ny;
  int32_t nx;
  int32_t x_col;
  int32_t x_row;
  int32_t w_col;
  int32_t w_row;
  int32_t offset2; /* the input offset in both 16-bit lanes */
  int32_t acc[4];
} dw_taps;

#if TG_SIMD_DSP
/* In assembly: 14 instructions per tap for 4 channels (2 LDR, 2 ADD, 2 SXTAB16, 2 SXTB16,
 * 4 SMLAxy, SUBS, BNE); gcc -Os spills the 14 live values (20 per tap). The fields of t are
 * read and updated (x, w, ny) at the byte offsets of dw_taps above. */
/* The assembly reads the fields at these offsets (32-bit pointers). */
_Static_assert(offsetof(dw_taps, ny) == 8 && offsetof(dw_taps, nx) == 12 && offsetof(dw_taps, x_col) == 16 &&
                   offsetof(dw_taps, x_row) == 20 && offsetof(dw_taps, w_col) == 24 && offsetof(dw_taps, w_row) == 28 &&
                   offsetof(dw_taps, offset2) == 32 && offsetof(dw_taps, acc) == 36,
               "dw_taps layout");
#define TG_UNUSED __attribute__((unused))
__attribute__((naked, noinline)) static void taps_4ch(TG_UNUSED dw_taps *t) {
  __asm__ volatile(
      "push {r0, r4-r11, lr}\n"
      "add r12, r0, #36\n"
      "ldm r12, {r4-r7}\n"
      "ldr r2, [r0, #16]\n" /* x_col */
      "ldr r3, [r0, #24]\n" /* w_col */
      "ldr r8, [r0, #32]\n" /* offset2 */
      "ldr r9, [r0, #8]\n"  /* ny */
      "cmp r9, #0\n"
      "beq 4f\n"
      "1:\n"
      "ldr lr, [sp]\n"
      "ldr r0, [lr, #0]\n"  /* this row's x */
      "ldr r1, [lr, #4]\n"  /* this row's w */
      "ldr r9, [lr, #12]\n" /* nx */
      "ldr r10, [lr, #20]\n"
      "add r10, r0, r10\n"
      "str r10, [lr, #0]\n" /* next row's x */
      "ldr r10, [lr, #28]\n"
      "add r10, r1, r10\n"
      "str r10, [lr, #4]\n" /* next row's w */
      "2:\n"
      "ldr r10, [r0]\n"
      "ldr r12, [r1]\n"
      "add r0, r0, r2\n"
      "add r1, r1, r3\n"
      "sxtab16 r11, r8, r10, ror #8\n" /* x lanes 1,3 + offset */
      "sxtab16 r10, r8, r10\n"         /* x lanes 0,2 + offset */
      "sxtb16 lr, r12, ror #8\n"
      "sxtb16 r12, r12\n"
      "smlabb r4, r10, r12, r4\n"
      "smlatt r6, r10, r12, r6\n"
      "smlabb r5, r11, lr, r5\n"
      "smlatt r7, r11, lr, r7\n"
      "subs r9, r9, #1\n"
      "bne 2b\n"
      "ldr lr, [sp]\n"
      "ldr r10, [lr, #8]\n"
      "subs r10, r10, #1\n"
      "str r10, [lr, #8]\n"
      "bne 1b\n"
      "4:\n"
      "pop {r0}\n"
      "add r0, r0, #36\n"
      "stm r0, {r4-r7}\n"
      "pop {r4-r11, pc}\n");
}

/* The whole 3x3 window inside the image with dilation 1 (most pixels of a 3x3 layer):
 * unrolled, 10 instructions per tap, the taps addressed as row + 0, c, 2c. */
__attribute__((naked, noinline)) static void taps_3x3_4ch(TG_UNUSED dw_taps *t) {
  __asm__ volatile(
      "push {r0, r4-r11, lr}\n"
      "add r12, r0, #36\n"
      "ldm r12, {r4-r7}\n"
      "ldr r2, [r0, #24]\n" /* c: w_col, and x_col with dilation 1 */
      "ldr r3, [r0, #20]\n" /* x_row */
      "ldr r8, [r0, #32]\n" /* offset2 */
      "ldr r1, [r0, #4]\n"
      "ldr r0, [r0, #0]\n"
      "lsl r9, r2, #1\n"
      "ldr r10, [r0]\n"
      "ldr r12, [r1]\n"
      "sxtab16 r11, r8, r10, ror #8\n"
      "sxtab16 r10, r8, r10\n"
      "sxtb16 lr, r12, ror #8\n"
      "sxtb16 r12, r12\n"
      "smlabb r4, r10, r12, r4\n"
      "smlatt r6, r10, r12, r6\n"
      "smlabb r5, r11, lr, r5\n"
      "smlatt r7, r11, lr, r7\n"
      "ldr r10, [r0, r2]\n"
      "ldr r12, [r1, r2]\n"
      "sxtab16 r11, r8, r10, ror #8\n"
      "sxtab16 r10, r8, r10\n"
      "sxtb16 lr, r12, ror #8\n"
      "sxtb16 r12, r12\n"
      "smlabb r4, r10, r12, r4\n"
      "smlatt r6, r10, r12, r6\n"
      "smlabb r5, r11, lr, r5\n"
      "smlatt r7, r11, lr, r7\n"
      "ldr r10, [r0, r9]\n"
      "ldr r12, [r1, r9]\n"
      "sxtab16 r11, r8, r10, ror #8\n"
      "sxtab16 r10, r8, r10\n"
      "sxtb16 lr, r12, ror #8\n"
      "sxtb16 r12, r12\n"
      "smlabb r4, r10, r12, r4\n"
      "smlatt r6, r10, r12, r6\n"
      "smlabb r5, r11, lr, r5\n"
      "smlatt r7, r11, lr, r7\n"
      "add r0, r0, r3\n" /* next row: x += x_row, w += 3 c */
      "add r1, r1, r2\n"
      "add r1, r1, r9\n"
      "ldr r10, [r0]\n"
      "ldr r12, [r1]\n"
      "sxtab16 r11, r8, r10, ror #8\n"
      "sxtab16 r10, r8, r10\n"
      "sxtb16 lr, r12, ror #8\n"
      "sxtb16 r12, r12\n"
      "smlabb r4, r10, r12, r4\n"
      "smlatt r6, r10, r12, r6\n"
      "smlabb r5, r11, lr, r5\n"
      "smlatt r7, r11, lr, r7\n"
      "ldr r10, [r0, r2]\n"
      "ldr r12, [r1, r2]\n"
      "sxtab16 r11, r8, r10, ror #8\n"
      "sxtab16 r10, r8, r10\n"
      "sxtb16 lr, r12, ror #8\n"
      "sxtb16 r12, r12\n"
      "smlabb r4, r10, r12, r4\n"
      "smlatt r6, r10, r12, r6\n"
      "smlabb r5, r11, lr, r5\n"
      "smlatt r7, r11, lr, r7\n"
      "ldr r10, [r0, r9]\n"
      "ldr r12, [r1, r9]\n"
      "sxtab16 r11, r8, r10, ror #8\n"
      "sxtab16 r10, r8, r10\n"
      "sxtb16 lr, r12, ror #8\n"
      "sxtb16 r12, r12\n"
      "smlabb r4, r10, r12, r4\n"
      "smlatt r6, r10, r12, r6\n"
      "smlabb r5, r11, lr, r5\n"
      "smlatt r7, r11, lr, r7\n"
      "add r0, r0, r3\n" /* next row: x += x_row, w += 3 c */
      "add r1, r1, r2\n"
      "add r1, r1, r9\n"
      "ldr r10, [r0]\n"
      "ldr r12, [r1]\n"
      "sxtab16 r11, r8, r10, ror #8\n"
      "sxtab16 r10, r8, r10\n"
      "sxtb16 lr, r12, ror #8\n"
      "sxtb16 r12, r12\n"
      "smlabb r4, r10, r12, r4\n"
      "smlatt r6, r10, r12, r6\n"
      "smlabb r5, r11, lr, r5\n"
      "smlatt r7, r11, lr, r7\n"
      "ldr r10, [r0, r2]\n"
      "ldr r12, [r1, r2]\n"
      "sxtab16 r11, r8, r10, ror #8\n"
      "sxtab16 r10, r8, r10\n"
      "sxtb16 lr, r12, ror #8\n"
      "sxtb16 r12, r12\n"
      "smlabb r4, r10, r12, r4\n"
      "smlatt r6, r10, r12, r6\n"
      "smlabb r5, r11, lr, r5\n"
      "smlatt r7, r11, lr, r7\n"
      "ldr r10, [r0, r9]\n"
      "ldr r12, [r1, r9]\n"
      "sxtab16 r11, r8, r10, ror #8\n"
      "sxtab16 r10, r8, r10\n"
      "sxtb16 lr, r12, ror #8\n"
      "sxtb16 r12, r12\n"
      "smlabb r4, r10, r12, r4\n"
      "smlatt r6, r10, r12, r6\n"
      "smlabb r5, r11, lr, r5\n"
      "smlatt r7, r11, lr, r7\n"
      "pop {r0}\n"
      "add r0, r0, #36\n"
      "stm r0, {r4-r7}\n"
      "pop {r4-r11, pc}\n");
}
#else
/* The same sums in plain C (the host, Cortex-M3). */
static void taps_4ch(dw_taps *t) {
  uint32_t a0 = (uint32_t)t->acc[0], a1 = (uint32_t)t->acc[1], a2 = (uint32_t)t->acc[2], a3 = (uint32_t)t->acc[3];
  const int32_t off = (int32_t)(int16_t)(uint16_t)((uint32_t)t->offset2 & 0xFFFFu);
  const int8_t *x = t->x, *w = t->w;
  for (int32_t ky = 0; ky < t->ny; ++ky, x += t->x_row, w += t->w_row) {
    const int8_t *xp = x, *wp = w;
    for (int32_t kx = 0; kx < t->nx; ++kx, xp += t->x_col, wp += t->w_col) {
      a0 += (uint32_t)((xp[0] + off) * wp[0]);
      a1 += (uint32_t)((xp[1] + off) * wp[1]);
      a2 += (uint32_t)((xp[2] + off) * wp[2]);
      a3 += (uint32_t)((xp[3] + off) * wp[3]);
    }
  }
  t->acc[0] = (int32_t)a0, t->acc[1] = (int32_t)a1, t->acc[2] = (int32_t)a2, t->acc[3] = (int32_t)a3;
}

static void taps_3x3_4ch(dw_taps *t) { taps_4ch(t); }
#endif

static TG_ALWAYS_INLINE int8_t requant(int32_t acc, int32_t ch, const int32_t *mult, const int8_t *shift,
                                       tg_out_params p) {
  return tg_requant_channel_s8(acc, tg_channel_requant_of(mult[ch], shift[ch]), p);
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
  const int32_t *const mult = q->multiplier;
  const int8_t *const shift = q->shift;
  const tg_out_params p = {q->output_offset, q->act_min, q->act_max};
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
          x = input + ((ptrdiff_t)(b * in.h + in_y0 + dil_h * ky0) * in.w + in_x0 + dil_w * kx0) * c;
          w = filter + (size_t)(ky0 * fl.w + kx0) * c;
        }
        /* taps_3x3_4ch's condition: every tap of a 3x3 window in the image, dilation 1 */
        const int full_3x3 = ny == 3 && nx == 3 && fl.h == 3 && fl.w == 3 && dil_w == 1;
        int32_t ch = 0;
        for (; ch + 4 <= c; ch += 4) {
          dw_taps t = {x + ch, w + ch, ny, nx, x_col, x_row, w_col, w_row, offset2, {0, 0, 0, 0}};
          if (bias != NULL) {
            t.acc[0] = bias[ch], t.acc[1] = bias[ch + 1], t.acc[2] = bias[ch + 2], t.acc[3] = bias[ch + 3];
          }
          if (full_3x3) {
            taps_3x3_4ch(&t);
          } else {
            taps_4ch(&t);
          }
          o[ch] = requant(t.acc[0], ch, mult, shift, p);
          o[ch + 1] = requant(t.acc[1], ch + 1, mult, shift, p);
          o[ch + 2] = requant(t.acc[2], ch + 2, mult, shift, p);
          o[ch + 3] = requant(t.acc[3], ch + 3, mult, shift, p);
        }
        for (; ch < c; ++ch) { /* the last c % 4 channels, one at a time */
          int32_t acc = bias != NULL ? bias[ch] : 0;
          for (int32_t ky = 0; ky < ny; ++ky) {
            for (int32_t kx = 0; kx < nx; ++kx) {
              const int32_t xv = x[ky * x_row + kx * x_col + ch] + q->input_offset;
              acc = (int32_t)((uint32_t)acc + (uint32_t)(xv * w[ky * w_row + kx * w_col + ch]));
            }
          }
          o[ch] = requant(acc, ch, mult, shift, p);
        }
      }
    }
  }
  return TG_OK;
}
