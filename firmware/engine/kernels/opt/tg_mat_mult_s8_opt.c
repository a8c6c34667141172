/* The int8 matrix multiply of the conv and fully connected fast paths (tg_kernels_opt.h).
 * Blocks of 2 rows (output channels) x 2 columns (pixels): each step loads 4 bytes of each
 * row and column, sign-extends them into int16 pairs with SXTB16 (lanes 0,2) and SXTB16
 * ROR 8 (lanes 1,3) and accumulates with 8 SMLAD: the same permutation on both operands,
 * so each SMLAD adds two true products: 16 MACs per 22 instructions on Cortex-M4. With
 * integer Helium (TG_SIMD_MVE, the Cortex-M55) the inner products are instead
 * tg_mat_mult_s8_mve.c's, 16 bytes per VLDRB.S8 and VMLADAVA.S8, in the same blocks. */
#include "tg_kernels_opt.h"
#include "tg_simd.h"

/* Row pairs per mac_rows_2x2 call: its accumulators live on the stack (512 bytes). */
#define TG_ROW_PAIRS 32

#if TG_SIMD_MVE
/* ---- Integer Helium (MVE) builds: the inner products of tg_mat_mult_s8_mve.c, for any
 * depth (predicated tail); the DSP and plain C loops below are not built. ---- */
static inline void mac_rows_2x2(int32_t *acc, const int8_t *w, const int8_t *x, int32_t depth, const int32_t *bias,
                                int32_t pairs) {
  tg_mat_mult_s8_mve_rows_2x2(acc, w, x, depth, bias, pairs);
}

/* (not reached: the dispatcher runs every depth in row runs on these builds) */
static inline void mac_2x2(const int8_t *w, const int8_t *x, int32_t depth, int32_t *acc) {
  const int32_t bias[2] = {acc[0], acc[2]};
  tg_mat_mult_s8_mve_rows_2x2(acc, w, x, depth, bias, 1);
}

static inline int32_t mac_1x1(const int8_t *w, const int8_t *x, int32_t depth, int32_t acc) {
  return tg_mat_mult_s8_mve_1x1(w, x, depth, acc);
}
#else /* ---- the DSP extension (assembly) or plain C ---- */
#if TG_SIMD_DSP
/* acc[0..3] = a00, a01, a10, a11 (a<row><col>) += rows w, w + depth against columns x,
 * x + depth over the first depth & ~3 elements. In assembly: gcc -Os keeps neither the
 * 14 live values in registers nor post-indexed loads (27 instructions per step in C,
 * 22 here: 4 LDR, 8 SXTB16, 8 SMLAD, SUBS, BNE). */
#define TG_UNUSED __attribute__((unused))
__attribute__((naked, noinline)) static void mac_2x2_steps(TG_UNUSED int32_t *acc, TG_UNUSED const int8_t *w,
                                                          TG_UNUSED const int8_t *x, TG_UNUSED int32_t depth) {
  __asm__ volatile(
      "push {r0, r4-r11, lr}\n"
      "ldm r0, {r4-r7}\n"
      "asrs r12, r3, #2\n"
      "beq 2f\n"
      "1:\n"
      "ldr r8, [r2, r3]\n"       /* x1 */
      "ldr r9, [r2], #4\n"       /* x0 */
      "sxtb16 r10, r8, ror #8\n" /* x1 lanes 1,3 */
      "sxtb16 r8, r8\n"          /* x1 lanes 0,2 */
      "sxtb16 r11, r9, ror #8\n"
      "sxtb16 r9, r9\n"
      "ldr r0, [r1, r3]\n" /* w1 */
      "sxtb16 lr, r0, ror #8\n"
      "sxtb16 r0, r0\n"
      "smlad r6, r0, r9, r6\n"
      "smlad r6, lr, r11, r6\n"
      "smlad r7, r0, r8, r7\n"
      "smlad r7, lr, r10, r7\n"
      "ldr r0, [r1], #4\n" /* w0 */
      "sxtb16 lr, r0, ror #8\n"
      "sxtb16 r0, r0\n"
      "smlad r4, r0, r9, r4\n"
      "smlad r4, lr, r11, r4\n"
      "smlad r5, r0, r8, r5\n"
      "smlad r5, lr, r10, r5\n"
      "subs r12, r12, #1\n"
      "bne 1b\n"
      "2:\n"
      "pop {r0}\n"
      "stm r0, {r4-r7}\n"
      "pop {r4-r11, pc}\n");
}

/* Consecutive row pairs against one column pair, for depth a multiple of 4 (>= 4): for
 * pair k (rows 2k, 2k+1 of w), acc[4k..4k+3] = a00, a01, a10, a11 starting from bias[2k],
 * bias[2k+1]. One call per column pair and up to TG_ROW_PAIRS row pairs: 17 instructions
 * per row pair around the 22-instruction steps, instead of a C call per 2x2 block. */
__attribute__((naked, noinline)) static void mac_rows_2x2(TG_UNUSED int32_t *acc, TG_UNUSED const int8_t *w,
                                                         TG_UNUSED const int8_t *x, TG_UNUSED int32_t depth,
                                                         TG_UNUSED const int32_t *bias, TG_UNUSED int32_t pairs) {
  __asm__ volatile(
      "push {r4-r11, lr}\n"
      "sub sp, sp, #16\n"
      "str r0, [sp, #0]\n"  /* acc */
      "str r2, [sp, #4]\n"  /* the column pair's start */
      "ldr r8, [sp, #52]\n" /* bias (5th argument) */
      "str r8, [sp, #8]\n"
      "ldr r8, [sp, #56]\n" /* pairs (6th argument) */
      "str r8, [sp, #12]\n"
      "1:\n"
      "ldr r8, [sp, #8]\n"
      "ldm r8!, {r4, r6}\n"
      "str r8, [sp, #8]\n"
      "mov r5, r4\n"
      "mov r7, r6\n"
      "ldr r2, [sp, #4]\n"
      "lsr r12, r3, #2\n"
      "2:\n"
      "ldr r8, [r2, r3]\n"       /* x1 */
      "ldr r9, [r2], #4\n"       /* x0 */
      "sxtb16 r10, r8, ror #8\n" /* x1 lanes 1,3 */
      "sxtb16 r8, r8\n"          /* x1 lanes 0,2 */
      "sxtb16 r11, r9, ror #8\n"
      "sxtb16 r9, r9\n"
      "ldr r0, [r1, r3]\n" /* w1 */
      "sxtb16 lr, r0, ror #8\n"
      "sxtb16 r0, r0\n"
      "smlad r6, r0, r9, r6\n"
      "smlad r6, lr, r11, r6\n"
      "smlad r7, r0, r8, r7\n"
      "smlad r7, lr, r10, r7\n"
      "ldr r0, [r1], #4\n" /* w0 */
      "sxtb16 lr, r0, ror #8\n"
      "sxtb16 r0, r0\n"
      "smlad r4, r0, r9, r4\n"
      "smlad r4, lr, r11, r4\n"
      "smlad r5, r0, r8, r5\n"
      "smlad r5, lr, r10, r5\n"
      "subs r12, r12, #1\n"
      "bne 2b\n"
      "ldr r0, [sp, #0]\n"
      "stm r0!, {r4-r7}\n"
      "str r0, [sp, #0]\n"
      "add r1, r1, r3\n" /* w is at row 2k+1: on to row 2k+2 */
      "ldr r8, [sp, #12]\n"
      "subs r8, r8, #1\n"
      "str r8, [sp, #12]\n"
      "bne 1b\n"
      "add sp, sp, #16\n"
      "pop {r4-r11, pc}\n");
}
#else
/* The same sums in plain C (the host, Cortex-M3): one product per multiply. */
static void mac_2x2_steps(int32_t *acc, const int8_t *w, const int8_t *x, int32_t depth) {
  uint32_t a00 = (uint32_t)acc[0], a01 = (uint32_t)acc[1], a10 = (uint32_t)acc[2], a11 = (uint32_t)acc[3];
  const int8_t *w1 = w + depth, *x1 = x + depth;
  for (int32_t i = 0; i < (depth & ~3); ++i) { /* products of int8 fit; sums mod 2^32 */
    const int32_t w0v = w[i], w1v = w1[i], x0v = x[i], x1v = x1[i];
    a00 += (uint32_t)(w0v * x0v);
    a01 += (uint32_t)(w0v * x1v);
    a10 += (uint32_t)(w1v * x0v);
    a11 += (uint32_t)(w1v * x1v);
  }
  acc[0] = (int32_t)a00, acc[1] = (int32_t)a01, acc[2] = (int32_t)a10, acc[3] = (int32_t)a11;
}

static void mac_rows_2x2(int32_t *acc, const int8_t *w, const int8_t *x, int32_t depth, const int32_t *bias,
                         int32_t pairs) {
  for (int32_t k = 0; k < pairs; ++k, acc += 4, w += 2 * depth) {
    acc[0] = acc[1] = bias[2 * k];
    acc[2] = acc[3] = bias[2 * k + 1];
    mac_2x2_steps(acc, w, x, depth);
  }
}
#endif

/* 2 rows x 2 columns: the SIMD steps, then the last depth % 4 products. */
static void mac_2x2(const int8_t *w, const int8_t *x, int32_t depth, int32_t *acc) {
  mac_2x2_steps(acc, w, x, depth);
  const int32_t done = depth & ~3;
  for (int32_t i = done; i < depth; ++i) { /* products of int8 fit; sums mod 2^32 */
    acc[0] = (int32_t)((uint32_t)acc[0] + (uint32_t)(w[i] * x[i]));
    acc[1] = (int32_t)((uint32_t)acc[1] + (uint32_t)(w[i] * x[i + depth]));
    acc[2] = (int32_t)((uint32_t)acc[2] + (uint32_t)(w[i + depth] * x[i]));
    acc[3] = (int32_t)((uint32_t)acc[3] + (uint32_t)(w[i + depth] * x[i + depth]));
  }
}

/* One row against one column (the odd row and the odd column). */
#if TG_SIMD_DSP
TG_NOINLINE static int32_t mac_1x1(const int8_t *w, const int8_t *x, int32_t depth, int32_t acc) {
  const int8_t *const end = w + (depth & ~3);
  while (w != end) {
    const int32_t xv = tg_read_s8x4(x), wv = tg_read_s8x4(w);
    acc = tg_smlad(tg_sxtb16(wv), tg_sxtb16(xv), tg_smlad(tg_sxtb16_ror8(wv), tg_sxtb16_ror8(xv), acc));
    w += 4;
    x += 4;
  }
  for (int32_t i = 0; i < (depth & 3); ++i) {
    acc = (int32_t)((uint32_t)acc + (uint32_t)(w[i] * x[i]));
  }
  return acc;
}
#else
TG_NOINLINE static int32_t mac_1x1(const int8_t *w, const int8_t *x, int32_t depth, int32_t acc) {
  uint32_t a = (uint32_t)acc;
  for (int32_t i = 0; i < depth; ++i) {
    a += (uint32_t)(w[i] * x[i]);
  }
  return (int32_t)a;
}
#endif
#endif /* TG_SIMD_MVE */

static TG_ALWAYS_INLINE tg_channel_requant channel(const int32_t *mult, const int8_t *shift, int32_t ch) {
  return tg_channel_requant_of(mult[ch], shift[ch]);
}

/* Two outputs (columns) of one channel: acc[0] to o[0], acc[1] to o[rows]. */
#if TG_SINGLE_ROUNDING
static TG_ALWAYS_INLINE void requant_channel_2(const int32_t *acc, int32_t m, int32_t shift, tg_out_params p,
                                               int8_t *o, int32_t rows) {
  const tg_channel_requant c = tg_channel_requant_of(m, shift);
  o[0] = tg_requant_channel_s8(acc[0], c, p);
  o[rows] = tg_requant_channel_s8(acc[1], c, p);
}
#else
/* TFLM's double rounding for a shift -r <= -1 in one 64-bit multiply-accumulate, for
 * every int32 acc and multiplier m in [0, 2^31): with h = SRDHM(acc, m) =
 * floor((acc m + 2^30) / 2^31) (tg_requant_opt) and RoundingDivideByPOT(h, r) =
 * floor((h + 2^(r-1) - [h < 0]) / 2^r) (ties away from zero), where [acc < 0] may stand
 * for [h < 0] (acc >= 0 gives h >= 0, acc < 0 gives h <= 0, and h == 0 gives 0 both ways),
 * the nested floors make
 *   out = floor((acc m + k - [acc < 0] 2^31) / 2^32) >> (r - 1),  k = 2^30 + 2^(30+r),
 * with |acc m| < 2^62: the high word is in [-2^30 - 1, 2^30 + 2^29]. k_lo, k_hi: the
 * words of k. test_opt_kernels compares it with the reference over edge accumulators. */
#if TG_SIMD_DSP
/* 5 instructions: the sign term added to k with the carry (AND, ADDS, ADC), SMLAL, ASR;
 * gcc makes 12 of the C below, with spills. */
static TG_ALWAYS_INLINE int32_t requant_right(int32_t acc, int32_t m, int32_t k_lo, int32_t k_hi, int32_t r_minus_1) {
  int32_t lo, hi;
  __asm__("and %0, %2, #0x80000000\n\t"
          "adds %0, %0, %3\n\t"
          "adc %1, %4, %2, asr #31\n\t"
          "smlal %0, %1, %2, %5"
          : "=&r"(lo), "=&r"(hi)
          : "r"(acc), "r"(k_lo), "r"(k_hi), "r"(m)
          : "cc");
  return hi >> r_minus_1;
}
#else
static TG_ALWAYS_INLINE int32_t requant_right(int32_t acc, int32_t m, int32_t k_lo, int32_t k_hi, int32_t r_minus_1) {
  const int64_t k = (int64_t)k_hi * 4294967296LL + (uint32_t)k_lo;
  const int64_t x = (int64_t)acc * m + k + (int64_t)(acc >> 31) * 2147483648LL;
  return (int32_t)(x >> 32) >> r_minus_1;
}
#endif

static TG_ALWAYS_INLINE int8_t clamp_s8(int32_t v, tg_out_params p) {
  v += p.output_offset;
  v = v < p.act_min ? p.act_min : v;
  return (int8_t)(v > p.act_max ? p.act_max : v);
}

/* Right shifts (the usual case) through requant_right, the others as tg_requant_channel. */
static TG_ALWAYS_INLINE void requant_channel_2(const int32_t *acc, int32_t m, int32_t shift, tg_out_params p,
                                               int8_t *o, int32_t rows) {
  const int32_t r = -shift;
  if (r < 1) {
    const tg_channel_requant c = tg_channel_requant_of(m, shift);
    o[0] = tg_requant_channel_s8(acc[0], c, p);
    o[rows] = tg_requant_channel_s8(acc[1], c, p);
    return;
  }
  const uint32_t t = 1u << r; /* k = 2^30 + t 2^30: its low word 2^30 + (t << 30) mod 2^32 */
  const int32_t k_lo = (int32_t)(0x40000000u + (t << 30)), k_hi = (int32_t)(t >> 2);
  o[0] = clamp_s8(requant_right(acc[0], m, k_lo, k_hi, r - 1), p);
  o[rows] = clamp_s8(requant_right(acc[1], m, k_lo, k_hi, r - 1), p);
}
#endif

/* The outputs of mac_rows_2x2: acc holds, per row (channel), its values in two columns
 * (o and o + rows). Apart, so that its loop keeps the clamp and the channel values in
 * registers. */
TG_NOINLINE static void requant_pairs(const int32_t *acc, int32_t pairs, const int32_t *mult, const int8_t *shift,
                                      int32_t step, tg_out_params p, int8_t *o, int32_t rows) {
  int8_t *const end = o + 2 * pairs;
  for (; o != end; acc += 2, ++o, mult += step, shift += step) {
    requant_channel_2(acc, *mult, *shift, p, o, rows); /* m read once: int8 stores may alias it */
  }
}

tg_status tg_mat_mult_s8_opt(const int8_t *lhs, const int8_t *rhs, const int32_t *bias, int32_t rows,
                             int32_t cols, int32_t depth, const tg_quant_args *q, int8_t *out) {
  if (rows < 1 || cols < 1 || depth < 1 || depth > TG_MAX_ACCUM_DEPTH || q->filter_offset != 0) {
    return TG_ERR_ARG;
  }
  const int32_t step = q->per_channel ? 1 : 0; /* multiplier index per row */
  const int32_t *const mult = q->multiplier;
  const int8_t *const shift = q->shift;
  const tg_out_params p = {q->output_offset, q->act_min, q->act_max};
  int32_t c = 0;
  for (; c + 1 < cols; c += 2) {
    const int8_t *x = rhs + (size_t)c * (size_t)depth;
    int8_t *o = out + (size_t)c * (size_t)rows;
    int32_t r = 0;
    /* Whole runs of row pairs per call when the inner product has no scalar tail: a depth
     * of 4k on the DSP path; any depth with MVE (the inner products are then always
     * tg_mat_mult_s8_mve.c's, and the layer still reports TG_PATH_OPT). */
    if ((depth & 3) == 0 || TG_SIMD_MVE) {
      int32_t acc[4 * TG_ROW_PAIRS];
      for (; r + 1 < rows;) {
        const int32_t pairs = (rows - r) / 2 < TG_ROW_PAIRS ? (rows - r) / 2 : TG_ROW_PAIRS;
        mac_rows_2x2(acc, lhs + (size_t)r * (size_t)depth, x, depth, bias + r, pairs);
        requant_pairs(acc, pairs, mult + r * step, shift + r * step, step, p, o + r, rows);
        r += 2 * pairs;
      }
    }
    for (; r + 1 < rows; r += 2) {
      int32_t a[4] = {bias[r], bias[r], bias[r + 1], bias[r + 1]};
      mac_2x2(lhs + (size_t)r * (size_t)depth, x, depth, a);
      const tg_channel_requant c0 = channel(mult, shift, r * step), c1 = channel(mult, shift, (r + 1) * step);
      o[r] = tg_requant_channel_s8(a[0], c0, p);
      o[r + rows] = tg_requant_channel_s8(a[1], c0, p);
      o[r + 1] = tg_requant_channel_s8(a[2], c1, p);
      o[r + 1 + rows] = tg_requant_channel_s8(a[3], c1, p);
    }
    if (r < rows) {
      const int8_t *w = lhs + (size_t)r * (size_t)depth;
      const tg_channel_requant c0 = channel(mult, shift, r * step);
      o[r] = tg_requant_channel_s8(mac_1x1(w, x, depth, bias[r]), c0, p);
      o[r + rows] = tg_requant_channel_s8(mac_1x1(w, x + depth, depth, bias[r]), c0, p);
    }
  }
  if (c < cols) {
    const int8_t *x = rhs + (size_t)c * (size_t)depth;
    int8_t *o = out + (size_t)c * (size_t)rows;
    for (int32_t r = 0; r < rows; ++r) {
      o[r] = tg_requant_channel_s8(mac_1x1(lhs + (size_t)r * (size_t)depth, x, depth, bias[r]), channel(mult, shift, r * step), p);
    }
  }
  return TG_OK;
}
