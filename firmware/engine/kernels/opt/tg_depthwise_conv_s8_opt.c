/* DEPTHWISE_CONV_2D int8 fast paths (tg_kernels_opt.h).
 * TG_DW_OPT_MULT1: with depth multiplier 1, output channel c reads input channel c only,
 * and in NHWC both are contiguous: 4 channels per step. The loop runs channel group by
 * channel group (4 channels), then down each output column, so each group's biases,
 * requantization constants and (3x3) sign-extended weights are worked out once per
 * layer, not once per pixel. Per tap, one word of 4 inputs; SXTAB16 sign-extends lanes
 * 0,2 (or 1,3) and adds the input offset in the same instruction; SMLABB / SMLATT
 * accumulate each channel's product. Out-of-image taps are skipped (their range is
 * computed once per run of pixels that share it), as in the reference; the interior rows
 * of a column run as one call of the assembly, which also requantizes (one SMLAL per
 * channel), clamps the 4 packed outputs and stores them with one STR.
 * TG_DW_OPT_AS_CONV: one input channel and M multipliers is a conv with M filters of one
 * channel; the operator transposes the filter once in prepare and runs tg_conv_s8_opt. */
#include <stddef.h>
#include <string.h>

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

/* One channel's requantization with a right shift R >= 1 (shift <= -1, so TFLM's left
 * shift is 0), as one 64-bit multiply-add. TFLM computes h = (x * m + 2^30) >> 31, then
 * rounds h / 2^R half away from zero: (h + 2^(R-1) - [h < 0]) >> R. Adding n * 2^31
 * before the first shift adds n after it, so that is (x * m + 2^30 + n * 2^31) >> (31 + R),
 * whose high word shifted by R - 1 is the result. [h < 0] may be taken as [x < 0]: they
 * differ only when h = 0, where both nudges give 0. |x * m| < 2^62 and the constant is
 * below 2^62, so nothing wraps. base = 2^30 + 2^(R+30), the constant for x >= 0; x < 0
 * subtracts 2^31. */
typedef struct {
  int32_t m;
  uint32_t base_lo;
  int32_t base_hi;
  int32_t s; /* R - 1 */
} dw_chan;

/* One run of pixels of one group of 4 channels whose in-image taps lie in the same
 * rectangle of ny rows x nx taps (nx >= 1 when ny >= 1). After each pixel x += x_step,
 * o += o_step. Two ways through the taps:
 * - table (3x3 filter, dilation_w 1, input at least 3 wide, nx >= 2): w points at row ky0
 *   of a table of the group's weights, sign-extended once per group (per tap: lanes 0,2
 *   then 1,3, 8 bytes; 24 per row), x at the input under that row's first table column:
 *   every row reads the 3 inputs x, x + c, x + 2c. A window missing its left column uses
 *   the table [w1 w2 0] from its first in-image tap, one missing its right column [0 w0 w1]
 *   from one tap to the left of it; both read only pixels of the same input row, and the
 *   zero weights add nothing.
 * - raw: w points at the weight of the first in-image tap; x_col / x_row step one tap right
 *   / one row down (the weights: c / w_row).
 * The assembly reads the fields at these byte offsets from &x (32-bit pointers;
 * _Static_assert): x to table, one LDM per pixel into r0-r10, in that order. */
typedef struct {
  int8_t *o;          /* -16 */
  int32_t n;          /* -12: pixels in the run, >= 1 */
  int32_t x_step;     /* -8 */
  int32_t o_step;     /* -4 */
  const int8_t *x;    /* 0 */
  const void *w;      /* 4 */
  int32_t c;          /* 8: channels, the tap step */
  int32_t x_row;      /* 12 */
  int32_t bias[4];    /* 16 */
  int32_t offset2;    /* 32: the input offset in both 16-bit lanes */
  int32_t ny;         /* 36 */
  int32_t table;      /* 40: 1 for the table way */
  int32_t nx;         /* 44 */
  int32_t x_col;      /* 48 */
  int32_t w_row;      /* 52 */
  int32_t out_offset; /* 56 */
  uint32_t min4;      /* 60: act_min in each byte */
  uint32_t max4;      /* 64 */
  dw_chan ch[4];      /* 68 */
  const int8_t *row_x; /* 132: scratch of the raw row loop */
  const int8_t *row_w; /* 136 */
  int32_t rows;       /* 140 */
} dw_run;

/* The sign-extended weights of a group: [table][row][tap][lanes 0,2 | lanes 1,3]. */
enum { DW_TAB_FULL = 0, DW_TAB_LEFT = 1, DW_TAB_RIGHT = 2 };
typedef int32_t dw_tables[3][3][3][2];

#if TG_SIMD_DSP
#define DW_AT(f) ((int)offsetof(dw_run, f) - (int)offsetof(dw_run, x))
_Static_assert(DW_AT(o) == -16 && DW_AT(o_step) == -4 && DW_AT(x_row) == 12 && DW_AT(bias) == 16 && DW_AT(table) == 40 &&
                   DW_AT(nx) == 44 && DW_AT(w_row) == 52 && DW_AT(out_offset) == 56 && DW_AT(max4) == 64 &&
                   DW_AT(ch) == 68 && DW_AT(row_x) == 132 && DW_AT(rows) == 140 && sizeof(dw_chan) == 16,
               "dw_run layout");
#define TG_UNUSED __attribute__((unused))
/* In assembly (gcc -Os spills the 14 live values of a tap). Registers in the taps: r0 x,
 * r1 w, r4-r7 the 4 sums, r8 offset2, r10/r11 the inputs (SXTAB16 adds the offset to
 * lanes 0,2 / 1,3), r12/lr the weights. A table tap: LDR, LDRD, 2 SXTAB16, 4 SMLAxy (8
 * instructions; a row of 3 taps 27); a raw tap adds 2 SXTB16 and the pointer steps (14).
 * DW_REQ requantizes one sum (dw_chan above) in 8 instructions; the 4 results are packed
 * into a word and clamped with SSUB8 / SEL, then stored with one STR. */
__attribute__((naked, noinline)) static void dw_run_4ch(TG_UNUSED dw_run *r) {
  __asm__ volatile(
      ".macro DW_MAC\n" /* r10: 4 inputs; r12: weights lanes 0,2; lr: lanes 1,3 */
      "sxtab16 r11, r8, r10, ror #8\n"
      "sxtab16 r10, r8, r10\n"
      "smlabb r4, r10, r12, r4\n"
      "smlatt r6, r10, r12, r6\n"
      "smlabb r5, r11, lr, r5\n"
      "smlatt r7, r11, lr, r7\n"
      ".endm\n"
      ".macro DW_REQ acc\n"
      "ldm r12!, {r0-r3}\n" /* m, base_lo, base_hi, s */
      "asr r9, \\acc, #31\n"
      "adds r10, r1, r9, lsl #31\n" /* base - 2^31 when the sum is negative */
      "adc r11, r2, r9\n"
      "smlal r10, r11, \\acc, r0\n"
      "asr \\acc, r11, r3\n"
      "add \\acc, \\acc, r8\n"
      "ssat \\acc, #8, \\acc\n"
      ".endm\n"
      "add r0, r0, #16\n" /* &x: the offsets below */
      "push {r0, r4-r11, lr}\n"
      "mov lr, r0\n"
      "1:\n" /* a pixel: x, w, c, x_row, the 4 biases, offset2, ny, table */
      "ldm lr, {r0-r10}\n"
      "cmp r10, #0\n"
      "bne 6f\n"
      "cmp r9, #0\n" /* raw weights: rows x taps */
      "beq 5f\n"
      "str r9, [lr, #140]\n"
      "ldr r3, [lr, #48]\n" /* x_col; r2 = c steps the weights */
      "3:\n"
      "ldr lr, [sp]\n"
      "strd r0, r1, [lr, #132]\n"
      "ldr r9, [lr, #44]\n" /* nx */
      "4:\n"
      "ldr r10, [r0]\n"
      "ldr r12, [r1]\n"
      "add r0, r0, r3\n"
      "add r1, r1, r2\n"
      "sxtb16 lr, r12, ror #8\n"
      "sxtb16 r12, r12\n"
      "DW_MAC\n"
      "subs r9, r9, #1\n"
      "bne 4b\n"
      "ldr lr, [sp]\n"
      "ldrd r0, r1, [lr, #132]\n"
      "ldr r10, [lr, #12]\n"
      "add r0, r0, r10\n" /* next row */
      "ldr r10, [lr, #52]\n"
      "add r1, r1, r10\n"
      "ldr r10, [lr, #140]\n"
      "subs r10, r10, #1\n"
      "str r10, [lr, #140]\n"
      "bne 3b\n"
      "b 5f\n"
      "6:\n" /* a table row (ny >= 1) */
      "ldr r10, [r0]\n"
      "ldrd r12, lr, [r1], #8\n" /* the table row steps w by 24 */
      "DW_MAC\n"
      "ldr r10, [r0, r2]\n"
      "ldrd r12, lr, [r1], #8\n"
      "DW_MAC\n"
      "ldr r10, [r0, r2, lsl #1]\n"
      "ldrd r12, lr, [r1], #8\n"
      "DW_MAC\n"
      "add r0, r0, r3\n"
      "subs r9, r9, #1\n"
      "bne 6b\n"
      "5:\n" /* requantize, pack, clamp, store */
      "ldr lr, [sp]\n"
      "add r12, lr, #68\n"
      "ldr r8, [lr, #56]\n"
      "DW_REQ r4\n"
      "DW_REQ r5\n"
      "DW_REQ r6\n"
      "DW_REQ r7\n"
      "bfi r4, r5, #8, #8\n"
      "bfi r4, r6, #16, #8\n"
      "bfi r4, r7, #24, #8\n"
      "ldrd r0, r1, [lr, #60]\n"
      "ssub8 r9, r4, r0\n" /* GE where out >= act_min */
      "sel r4, r4, r0\n"
      "ssub8 r9, r1, r4\n" /* GE where out <= act_max */
      "sel r4, r4, r1\n"
      "ldmdb lr, {r1, r2, r3, r5}\n" /* o, n, x_step, o_step */
      "ldr r0, [lr]\n"
      "str r4, [r1]\n"
      "add r0, r0, r3\n"
      "add r1, r1, r5\n"
      "subs r2, r2, #1\n"
      "str r0, [lr]\n"
      "stmdb lr, {r1, r2, r3, r5}\n"
      "bne 1b\n"
      "pop {r0, r4-r11, pc}\n"
      ".purgem DW_MAC\n"
      ".purgem DW_REQ\n");
}
#else
/* The same sums and results in plain C (the host, Cortex-M3): dw_requant is the formula
 * the assembly computes, so the host tests hold it to the reference. */
static int32_t dw_requant(int32_t acc, const dw_chan *k) {
  uint64_t v = ((uint64_t)(uint32_t)k->base_hi << 32 | k->base_lo) - (acc < 0 ? (1u << 31) : 0u);
  v += (uint64_t)((int64_t)acc * k->m);
  return (int32_t)(uint32_t)(v >> 32) >> k->s;
}

static void dw_run_4ch(dw_run *r) {
  const int32_t off = (int32_t)(int16_t)(uint16_t)((uint32_t)r->offset2 & 0xFFFFu);
  const int32_t lo = (int8_t)(uint8_t)r->min4, hi = (int8_t)(uint8_t)r->max4;
  const int32_t c = r->c, x_col = r->table ? c : r->x_col, taps = r->table ? 3 : r->nx;
  for (;;) {
    uint32_t acc[4] = {(uint32_t)r->bias[0], (uint32_t)r->bias[1], (uint32_t)r->bias[2], (uint32_t)r->bias[3]};
    const int8_t *x = r->x;
    for (int32_t ky = 0; ky < r->ny; ++ky, x += r->x_row) {
      for (int32_t kx = 0; kx < taps; ++kx) {
        for (int32_t k = 0; k < 4; ++k) {
          int32_t w;
          if (r->table) { /* the lane of channel k in the table's tap */
            const int32_t *t = (const int32_t *)r->w + (ky * 3 + kx) * 2 + (k & 1);
            w = (k & 2) ? tg_top16(*t) : tg_bottom16(*t);
          } else {
            w = ((const int8_t *)r->w)[ky * r->w_row + kx * c + k];
          }
          acc[k] += (uint32_t)((x[kx * x_col + k] + off) * w);
        }
      }
    }
    for (int32_t k = 0; k < 4; ++k) {
      int32_t v = tg_ssat8(dw_requant((int32_t)acc[k], &r->ch[k]) + r->out_offset);
      v = v < lo ? lo : v;
      r->o[k] = (int8_t)(v > hi ? hi : v);
    }
    if (--r->n == 0) return;
    r->x += r->x_step;
    r->o += r->o_step;
  }
}
#endif

/* The group of channels ch..ch+3 in r; 0 when one of them has a shift >= 0 (dw_chan's
 * R >= 1 does not hold): that group then runs dw_channel. */
static int dw_group(dw_run *r, const tg_quant_args *q, const int32_t *bias, int32_t ch) {
  for (int32_t k = 0; k < 4; ++k) {
    const int32_t s = -q->shift[ch + k], m = q->multiplier[ch + k];
    if (s < 1 || m < 0) return 0;
    r->bias[k] = bias != NULL ? bias[ch + k] : 0;
    r->ch[k].m = m;
    r->ch[k].base_lo = s == 1 ? 0xC0000000u : 0x40000000u;
    r->ch[k].base_hi = s == 1 ? 0 : (int32_t)(1u << (s - 2));
    r->ch[k].s = s - 1;
  }
  return 1;
}

/* Along one dimension, the taps of output position o that lie in the input: n taps from
 * tap k0, the first at input position at (n = 0 when none). */
typedef struct {
  int32_t k0, n, at;
} dw_span;

static dw_span dw_span_of(int32_t o, int32_t stride, int32_t pad, int32_t dilation, int32_t in_size, int32_t k) {
  const int32_t origin = o * stride - pad;
  const int32_t k0 = tg_first_tap(origin, dilation), k1 = tg_end_tap(origin, dilation, in_size, k);
  dw_span s = {0, 0, 0};
  if (k1 > k0) s.k0 = k0, s.n = k1 - k0, s.at = origin + dilation * k0;
  return s;
}

static dw_span dw_row(const tg_conv_args *a, int32_t oy) {
  return dw_span_of(oy, a->stride_h, a->pad_h, a->dilation_h, a->input.h, a->filter.h);
}

static dw_span dw_col(const tg_conv_args *a, int32_t ox) {
  return dw_span_of(ox, a->stride_w, a->pad_w, a->dilation_w, a->input.w, a->filter.w);
}

/* One channel over every pixel, one product at a time: the last c % 4 channels and the
 * groups dw_group refuses. */
static void dw_channel(const tg_conv_args *a, const tg_quant_args *q, const int8_t *input, const int8_t *filter,
                       const int32_t *bias, int32_t ch, int8_t *output) {
  const int32_t c = a->input.c, x_col = a->dilation_w * c, x_row = a->dilation_h * a->input.w * c,
                w_row = a->filter.w * c;
  const tg_channel_requant rq = tg_channel_requant_of(q->multiplier[ch], q->shift[ch]);
  const tg_out_params p = {q->output_offset, q->act_min, q->act_max};
  int8_t *o = output + ch;
  for (int32_t b = 0; b < a->input.n; ++b) {
    for (int32_t oy = 0; oy < a->output.h; ++oy) {
      for (int32_t ox = 0; ox < a->output.w; ++ox, o += c) {
        const dw_span sy = dw_row(a, oy), sx = dw_col(a, ox);
        const int32_t ny = sx.n > 0 ? sy.n : 0;
        const int8_t *x = input + ((ptrdiff_t)(b * a->input.h + sy.at) * a->input.w + sx.at) * c + ch;
        const int8_t *w = filter + (sy.k0 * a->filter.w + sx.k0) * c + ch;
        uint32_t acc = bias != NULL ? (uint32_t)bias[ch] : 0u;
        for (int32_t ky = 0; ky < ny; ++ky) {
          for (int32_t kx = 0; kx < sx.n; ++kx) {
            acc += (uint32_t)((x[ky * x_row + kx * x_col] + q->input_offset) * w[ky * w_row + kx * c]);
          }
        }
        *o = tg_requant_channel_s8((int32_t)acc, rq, p);
      }
    }
  }
}

/* The output positions [lo, hi) of one dimension whose whole window lies in the input:
 * their pixels share one tap rectangle, so a column's interior rows run as one call. */
static void dw_interior(int32_t in_size, int32_t out_size, int32_t k, int32_t stride, int32_t dilation, int32_t pad,
                        int32_t *lo, int32_t *hi) {
  const int32_t span = in_size - 1 - (k - 1) * dilation + pad; /* o * stride <= span */
  int32_t h = span >= 0 ? span / stride + 1 : 0, l = pad > 0 ? (pad + stride - 1) / stride : 0;
  h = h < out_size ? h : out_size;
  *lo = l < h ? l : h, *hi = h;
}

/* The group's 3x3 weights sign-extended into its three tables (dw_run). */
static void dw_fill_tables(const int8_t *filter, int32_t c, dw_tables t) {
  memset(t, 0, sizeof(dw_tables));
  for (int32_t ky = 0; ky < 3; ++ky) {
    for (int32_t kx = 0; kx < 3; ++kx) {
      const int32_t w4 = tg_read_s8x4(filter + (ky * 3 + kx) * c);
      const int32_t even = tg_sxtb16(w4), odd = tg_sxtb16_ror8(w4);
      t[DW_TAB_FULL][ky][kx][0] = even, t[DW_TAB_FULL][ky][kx][1] = odd;
      if (kx > 0) t[DW_TAB_LEFT][ky][kx - 1][0] = even, t[DW_TAB_LEFT][ky][kx - 1][1] = odd;
      if (kx < 2) t[DW_TAB_RIGHT][ky][kx + 1][0] = even, t[DW_TAB_RIGHT][ky][kx + 1][1] = odd;
    }
  }
}

tg_status tg_depthwise_conv_s8_opt(const tg_conv_args *a, const tg_quant_args *q, const int8_t *input,
                                   const int8_t *filter, const int32_t *bias, int8_t *output) {
  if (tg_depthwise_conv_s8_opt_path(a) != TG_DW_OPT_MULT1 || !q->per_channel || q->input_offset < -127 ||
      q->input_offset > 128) {
    return TG_ERR_ARG;
  }
  const tg_dims4 in = a->input, out = a->output;
  const int32_t c = in.c;
  int32_t row_lo, row_hi;
  dw_interior(in.h, out.h, a->filter.h, a->stride_h, a->dilation_h, a->pad_h, &row_lo, &row_hi);
  /* the table way's conditions (dw_run) */
  const int tables = a->filter.h == 3 && a->filter.w == 3 && a->dilation_w == 1 && in.w >= 3;
  dw_tables tab;
  dw_run r;
  memset(&r, 0, sizeof(r));
  r.c = c;
  r.x_col = a->dilation_w * c;
  r.x_row = a->dilation_h * in.w * c;
  r.w_row = a->filter.w * c;
  /* the offset in both 16-bit lanes: x + offset is in [-255, 255] */
  r.offset2 = (int32_t)(((uint32_t)q->input_offset << 16) | ((uint32_t)q->input_offset & 0xFFFFu));
  r.out_offset = q->output_offset;
  r.min4 = (uint32_t)(uint8_t)q->act_min * 0x01010101u;
  r.max4 = (uint32_t)(uint8_t)q->act_max * 0x01010101u;
  r.o_step = out.w * c; /* runs go down a column */
  int32_t ch = 0;
  for (; ch + 4 <= c; ch += 4) {
    if (!dw_group(&r, q, bias, ch)) {
      for (int32_t k = 0; k < 4; ++k) dw_channel(a, q, input, filter, bias, ch + k, output);
      continue;
    }
    if (tables) dw_fill_tables(filter + ch, c, tab);
    for (int32_t b = 0; b < in.n; ++b) {
      for (int32_t ox = 0; ox < out.w; ++ox) {
        const dw_span sx = dw_col(a, ox);
        const int col_table = tables && sx.n >= 2;
        const int32_t which = sx.n == 3 ? DW_TAB_FULL : sx.k0 == 1 ? DW_TAB_LEFT : DW_TAB_RIGHT;
        /* the table's first column is one tap left of a window missing its right column */
        const int32_t x_col0 = col_table && which == DW_TAB_RIGHT ? sx.at - 1 : sx.at;
        for (int32_t oy = 0; oy < out.h;) {
          /* the interior rows in one run, each other pixel alone */
          const int32_t end = oy >= row_lo && oy < row_hi ? row_hi : oy + 1;
          const dw_span sy = dw_row(a, oy);
          r.ny = sx.n > 0 ? sy.n : 0, r.nx = sx.n;
          r.table = col_table && r.ny > 0; /* the table way needs a row */
          r.x = input + ((ptrdiff_t)(b * in.h + sy.at) * in.w + x_col0) * c + ch;
          r.w = r.table ? (const void *)tab[which][sy.k0] : filter + (sy.k0 * a->filter.w + sx.k0) * c + ch;
          r.o = output + ((ptrdiff_t)(b * out.h + oy) * out.w + ox) * c + ch;
          r.n = end - oy;
          r.x_step = r.ny > 0 ? a->stride_h * in.w * c : 0; /* nothing is read when ny = 0 */
          dw_run_4ch(&r);
          oy = end;
        }
      }
    }
  }
  for (; ch < c; ++ch) dw_channel(a, q, input, filter, bias, ch, output);
  return TG_OK;
}
