/* ADD int8 fast path: TFLM's AddFunc (tg_add_s8.c) with the per-element work cut to two
 * table lookups and one output requantization.
 *
 * Inputs. The rescaled term of an input, MultiplyByQuantizedMultiplier((offset + x) <<
 * left_shift, multiplier, shift), depends on the int8 value x alone: it is computed once
 * per call for all 256 values with the reference's steps (tables of 256 int32 on the
 * stack, 2 KB for both inputs), doubled. Each element then costs two loads.
 *
 * Output, TFLM's double rounding with shift -r (r >= 1) on s = scaled1 + scaled2:
 *   out = RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(s, m), r) + zo.
 * With m in [0, 2^31) and |s| < 2^29 (below), in exact integers:
 *   1. SRDHM(s, m) = floor((s m + 2^30) / 2^31) (see tg_requant_opt in
 *      tg_kernels_opt.h) = floor((2s m + 2^31) / 2^32) = SMMULR(2s, m) = h, and 2s fits
 *      an int32. SMMLAR(2s, m, c) = c + h exactly when c + h fits an int32.
 *   2. RoundingDivideByPOT(h, r), ties away from zero, for r >= 1 with half = 2^(r-1):
 *      floor((h + half) / 2^r) for h >= 0 and floor((h + half - 1) / 2^r) for h < 0
 *      (TFLM adds 1 to h >> r when the remainder exceeds half - 1, or half when h < 0).
 *      The sign of s may stand for the sign of h: s >= 0 gives h >= 0; s < 0 gives
 *      h <= 0, and when h == 0 both forms give floor((half - 1) / 2^r) == 0 ==
 *      floor(half / 2^r). So
 *        out = (SMMLAR(2s, m, half - (s < 0)) >> r) + zo,  then the clamp,
 *      one SMMLAR, an add with the sign (2s >> 31), a shift and the offset.
 *   Bounds: |offset + x| <= 255 and left_shift <= 20 give |(offset + x) << left_shift|
 *   <= 255 * 2^20; a multiplier below 2^31 and a shift <= 0 never increase a magnitude,
 *   so |scaled| <= 255 * 2^20 and |s| <= 255 * 2^21 < 2^29; |h| <= 2^29 + 1 and
 *   |h + half - 1| < 2^29 + 2^30 < 2^31: no step wraps.
 * test_opt_kernels.c compares this kernel with tg_add_s8 over all 65,536 input pairs for
 * parameters from prepare's arithmetic and at the predicate's edges, on the host and on
 * mps2-an386 (the assembly loop) and mps2-an385; test_add_opt.c through the operator. */
#include "tg_kernels_elementwise.h"
#include "tg_kernels_opt.h"
#include "tg_simd.h"

/* The conditions of the bounds above; what tg_quantize_multiplier gives for TFLM's ADD
 * (input multipliers <= 0.5, output multiplier about 2^-17 to 2^-21). */
int tg_add_s8_opt_applies(const tg_add_s8_params *p, const tg_broadcast *b) {
  return b->flat && b->elements >= 0 && p->left_shift >= 0 && p->left_shift <= 20 && p->input1_offset >= -127 &&
         p->input1_offset <= 128 && p->input2_offset >= -127 && p->input2_offset <= 128 &&
         p->input1_multiplier >= 0 && p->input1_shift >= -31 && p->input1_shift <= 0 &&
         p->input2_multiplier >= 0 && p->input2_shift >= -31 && p->input2_shift <= 0 &&
         p->output_multiplier >= 0 && p->output_shift >= -31 && p->output_shift <= -1;
}

/* What the element loop reads; the assembly loop uses the offsets of the first ten. */
typedef struct {
  const int32_t *t1; /* 0: doubled rescaled input 1, indexed by the int8 value */
  const int32_t *t2; /* 4: the same for input 2 */
  int32_t mult;      /* 8: output multiplier */
  int32_t r;         /* 12: output right shift, >= 1 */
  int32_t half;      /* 16: 2^(r - 1) */
  int32_t zo;        /* 20: output offset */
  int32_t lo4;       /* 24: act_min in each byte */
  int32_t hi4;       /* 28: act_max in each byte */
  int32_t act_min;
  int32_t act_max;
} add_consts;

/* 2 * the reference's rescaled (offset + x) << left_shift, for x in [-128, 127]; t points
 * to the entry of x = 0. tg_requant_channel is tg_multiply_by_quantized_multiplier
 * inlined (equal for these multipliers and shifts, tg_kernels_opt.h): a third of the
 * instructions of the call. */
static void rescale_table(int32_t *t, int32_t offset, int32_t left_shift, int32_t multiplier, int32_t shift) {
  const tg_channel_requant c = tg_channel_requant_of(multiplier, shift);
  for (int32_t x = -128; x <= 127; ++x) {
    t[x] = 2 * tg_requant_channel((offset + x) * (1 << left_shift), c);
  }
}

#if TG_SINGLE_ROUNDING
/* TFLM's single-rounding variant: the reference step (s2 is even). */
static TG_ALWAYS_INLINE int32_t output_of(int32_t s2, const add_consts *k) {
  return tg_multiply_by_quantized_multiplier(s2 / 2, k->mult, -k->r) + k->zo;
}
#else
/* The output of s2 = 2s before the clamp, as proved at the top of the file. */
static TG_ALWAYS_INLINE int32_t output_of(int32_t s2, const add_consts *k) {
  return (tg_smmlar(s2, k->mult, k->half + (s2 >> 31)) >> k->r) + k->zo;
}
#endif

/* Elements one at a time: the whole of the portable build, the last n % 4 elsewhere. */
static void add_elements(const add_consts *k, const int8_t *in1, const int8_t *in2, int8_t *out, int32_t n) {
  const int32_t lo = k->act_min, hi = k->act_max; /* not reloaded after each int8 store */
  for (int32_t i = 0; i < n; ++i) {
    int32_t v = output_of(k->t1[in1[i]] + k->t2[in2[i]], k);
    v = v < lo ? lo : v;
    out[i] = (int8_t)(v > hi ? hi : v);
  }
}

#if TG_SIMD_DSP && !TG_SINGLE_ROUNDING
#define TG_UNUSED __attribute__((unused))
/* 4 elements per step, 53 instructions: per element 2 LDRSB, 2 table LDR, the 6 steps of
 * output_of with SSAT to int8 and a BFI into the output word; per step the clamp of the 4
 * bytes to [act_min, act_max] (SSUB8 sets a GE flag per byte, SEL picks), one STR, SUBS,
 * BNE. In assembly: the loop needs 14 live values (gcc -Os spills them). quads >= 1. */
#define TG_ADD_ELEMENT(PACK)                                                                                       \
  "ldrsb r10, [r1], #1\n"                                                                                          \
  "ldrsb r11, [r2], #1\n"                                                                                          \
  "ldr r10, [r4, r10, lsl #2]\n"                                                                                   \
  "ldr r11, [r5, r11, lsl #2]\n"                                                                                   \
  "add r10, r10, r11\n"         /* 2s */                                                                           \
  "add r11, r8, r10, asr #31\n" /* half - (s < 0) */                                                               \
  "smmlar r10, r10, r6, r11\n"                                                                                     \
  "asr r10, r10, r7\n"                                                                                             \
  "add r10, r10, r9\n"                                                                                             \
  "ssat r10, #8, r10\n" PACK "\n"
__attribute__((naked, noinline)) static void add_quads(TG_UNUSED const add_consts *k, TG_UNUSED const int8_t *in1,
                                                      TG_UNUSED const int8_t *in2, TG_UNUSED int8_t *out,
                                                      TG_UNUSED int32_t quads) {
  __asm__ volatile(
      "push {r4-r11, lr}\n"
      "mov lr, r0\n"
      "ldr r0, [sp, #36]\n" /* quads (5th argument) */
      "ldm lr, {r4-r9}\n"   /* t1, t2, mult, r, half, zo */
      "1:\n" TG_ADD_ELEMENT("and r12, r10, #255") TG_ADD_ELEMENT("bfi r12, r10, #8, #8")
          TG_ADD_ELEMENT("bfi r12, r10, #16, #8") TG_ADD_ELEMENT("bfi r12, r10, #24, #8")
      "ldr r10, [lr, #24]\n"
      "ssub8 r11, r12, r10\n" /* GE per byte: out >= act_min */
      "sel r12, r12, r10\n"
      "ldr r10, [lr, #28]\n"
      "ssub8 r11, r12, r10\n" /* GE per byte: out >= act_max */
      "sel r12, r10, r12\n"
      "str r12, [r3], #4\n"
      "subs r0, r0, #1\n"
      "bne 1b\n"
      "pop {r4-r11, pc}\n");
}

static void add_run(const add_consts *k, const int8_t *in1, const int8_t *in2, int8_t *out, int32_t n) {
  const int32_t quads = n / 4;
  if (quads > 0) add_quads(k, in1, in2, out, quads);
  const int32_t done = 4 * quads;
  add_elements(k, in1 + done, in2 + done, out + done, n - done);
}
#else
static void add_run(const add_consts *k, const int8_t *in1, const int8_t *in2, int8_t *out, int32_t n) {
  add_elements(k, in1, in2, out, n);
}
#endif

static int32_t in_each_byte(int32_t v) { return (int32_t)(((uint32_t)v & 0xFFu) * 0x01010101u); }

tg_status tg_add_s8_opt(const tg_add_s8_params *p, const tg_broadcast *b, const int8_t *in1, const int8_t *in2,
                        int8_t *out) {
  if (!tg_add_s8_opt_applies(p, b)) return TG_ERR_ARG;
  int32_t tables[512];
  rescale_table(tables + 128, p->input1_offset, p->left_shift, p->input1_multiplier, p->input1_shift);
  rescale_table(tables + 384, p->input2_offset, p->left_shift, p->input2_multiplier, p->input2_shift);
  const int32_t r = -p->output_shift;
  const add_consts k = {tables + 128,      tables + 384,      p->output_multiplier, r,
                        1 << (r - 1),      p->output_offset,  in_each_byte(p->act_min),
                        in_each_byte(p->act_max), p->act_min, p->act_max};
  add_run(&k, in1, in2, out, b->elements);
  return TG_OK;
}
