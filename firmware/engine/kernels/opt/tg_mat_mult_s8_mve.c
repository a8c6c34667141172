/* The inner products of tg_mat_mult_s8_opt on cores with integer Helium (MVE, the
 * Cortex-M55 hard-float build; TG_SIMD_MVE in tg_simd.h): 16 bytes of a row and of a
 * column per VLDRB.S8, and VMLADAVA.S8 adds their 16 products to a scalar int32
 * accumulator. A depth that is not a multiple of 16 ends with one step predicated by
 * VCTP8: the inactive lanes are not read (nothing past a row's end is touched) and a
 * predicated load zeroes them, so they add nothing. VMLADAVA wraps modulo 2^32 like the
 * DSP path and the reference's int32 sums, so the accumulators are the same bits (the
 * folded-bias argument of tg_kernels_opt.h holds). The requantization stays
 * tg_mat_mult_s8_opt.c's. */
#include "tg_kernels_opt.h"
#include "tg_simd.h"

#if TG_SIMD_MVE
#include <arm_mve.h>

/* gcc 12 at -Os spills the loop's pointers and predicates every load of a 16-byte step
 * (about 30 instructions per step); at -O2 the step is 4 post-indexed VLDRB, 4 VMLADAVA
 * and LE (a low-overhead loop): 64 MACs in 9 instructions. */
#if defined(__GNUC__) && !defined(__clang__)
#define TG_MVE_LOOP __attribute__((optimize("O2")))
#else
#define TG_MVE_LOOP
#endif

TG_MVE_LOOP void tg_mat_mult_s8_mve_rows_2x2(int32_t *acc, const int8_t *w, const int8_t *x, int32_t depth,
                                             const int32_t *bias, int32_t pairs) {
  const int32_t steps = depth >> 4, tail = depth & 15;
  const mve_pred16_t p = vctp8q((uint32_t)tail); /* the tail's lanes */
  for (int32_t k = 0; k < pairs; ++k, acc += 4) {
    int32_t a00 = bias[2 * k], a01 = a00, a10 = bias[2 * k + 1], a11 = a10;
    const int8_t *w1 = w + depth, *x0 = x, *x1 = x + depth;
    for (int32_t i = 0; i < steps; ++i, w += 16, w1 += 16, x0 += 16, x1 += 16) {
      const int8x16_t x0v = vld1q_s8(x0), x1v = vld1q_s8(x1), w0v = vld1q_s8(w), w1v = vld1q_s8(w1);
      a00 = vmladavaq_s8(a00, w0v, x0v);
      a01 = vmladavaq_s8(a01, w0v, x1v);
      a10 = vmladavaq_s8(a10, w1v, x0v);
      a11 = vmladavaq_s8(a11, w1v, x1v);
    }
    if (tail != 0) {
      const int8x16_t x0v = vldrbq_z_s8(x0, p), x1v = vldrbq_z_s8(x1, p);
      const int8x16_t w0v = vldrbq_z_s8(w, p), w1v = vldrbq_z_s8(w1, p);
      a00 = vmladavaq_s8(a00, w0v, x0v);
      a01 = vmladavaq_s8(a01, w0v, x1v);
      a10 = vmladavaq_s8(a10, w1v, x0v);
      a11 = vmladavaq_s8(a11, w1v, x1v);
    }
    w = w1 + tail; /* row 2k + 2 */
    acc[0] = a00, acc[1] = a01, acc[2] = a10, acc[3] = a11;
  }
}

TG_MVE_LOOP int32_t tg_mat_mult_s8_mve_1x1(const int8_t *w, const int8_t *x, int32_t depth, int32_t acc) {
  for (int32_t i = 0; i < depth >> 4; ++i, w += 16, x += 16) {
    acc = vmladavaq_s8(acc, vld1q_s8(w), vld1q_s8(x));
  }
  if ((depth & 15) != 0) {
    const mve_pred16_t p = vctp8q((uint32_t)depth & 15u);
    acc = vmladavaq_s8(acc, vldrbq_z_s8(w, p), vldrbq_z_s8(x, p));
  }
  return acc;
}
#endif
