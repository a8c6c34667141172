/* The Arm DSP-extension operations the opt kernels use, one definition each: the ACLE
 * intrinsics of <arm_acle.h> where the core has the DSP extension (__ARM_FEATURE_DSP:
 * Cortex-M4, M7, M33, M55), else portable C with bit-identical results (tested against
 * the definitions on the host). Where TG_SIMD_DSP is 0 (the host, the Cortex-M3 of
 * mps2-an385) the opt kernels' innermost loops are plain C instead, same sums.
 *
 * Packed values: a uint32_t or int32_t holding 4 int8 lanes (bytes 0..3, little-endian)
 * or 2 int16 lanes (bottom = bits 0-15, top = bits 16-31). Accumulations wrap modulo 2^32
 * like the instructions (SMLAD only sets the Q flag); the portable versions compute in
 * uint32_t, so a wrap is defined behaviour and gives the target's bits. */
#ifndef TG_SIMD_H
#define TG_SIMD_H

#include <stdint.h>
#include <string.h>

/* Four int8 lanes from any address (the opt kernels read rows at odd offsets). memcpy
 * compiles to one LDR on Armv7-M (unaligned access allowed) and on x86. */
static inline int32_t tg_read_s8x4(const int8_t *p) {
  int32_t v;
  memcpy(&v, p, 4);
  return v;
}

static inline void tg_write_s8x4(int8_t *p, int32_t v) { memcpy(p, &v, 4); }

/* 1 where the kernels use the DSP instructions (ACLE and their assembly loops); 0 where
 * they run plain C loops instead (the host, Cortex-M3): emulating SMLAD lane by lane
 * would cost more than the scalar products it replaces. */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP && defined(__GNUC__)
#define TG_SIMD_DSP 1
#else
#define TG_SIMD_DSP 0
#endif

/* 1 where the core has integer Helium (MVE: __ARM_FEATURE_MVE bit 0; the Cortex-M55 hard
 * float build): the matrix multiply's inner products are then tg_mat_mult_s8_mve.c's
 * (VLDRB.S8 + VMLADAVA.S8, arm_mve.h), the rest of the opt kernels stays on the DSP path.
 * MVE implies the DSP extension on Armv8.1-M, so TG_SIMD_DSP is 1 there too. */
#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#define TG_SIMD_MVE 1
#else
#define TG_SIMD_MVE 0
#endif

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>

#define TG_SIMD_NAME "acle-dsp"

/* lanes 0 and 2 sign-extended to 16 bits: (x[0], x[2]) */
static inline int32_t tg_sxtb16(int32_t x) { return __sxtb16(x); }

/* lanes 1 and 3 sign-extended: (x[1], x[3]). One SXTB16 with its built-in rotation;
 * gcc 12 does not fuse a C rotate into it, hence the one-line assembly (as CMSIS-Core's
 * __SXTB16_RORn). */
static inline int32_t tg_sxtb16_ror8(int32_t x) {
  int32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
  return r;
}

/* (a.bottom + sxt(x[0]), a.top + sxt(x[2])), each lane modulo 2^16 */
static inline int32_t tg_sxtab16(int32_t a, int32_t x) { return __sxtab16(a, x); }

static inline int32_t tg_sxtab16_ror8(int32_t a, int32_t x) {
  int32_t r;
  __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(x));
  return r;
}

/* acc + a.bottom * b.bottom + a.top * b.top (wraps) */
static inline int32_t tg_smlad(int32_t a, int32_t b, int32_t acc) { return __smlad(a, b, acc); }

/* acc + a.bottom * b.bottom, acc + a.top * b.top */
static inline int32_t tg_smlabb(int32_t a, int32_t b, int32_t acc) { return __smlabb(a, b, acc); }
static inline int32_t tg_smlatt(int32_t a, int32_t b, int32_t acc) { return __smlatt(a, b, acc); }

/* x saturated to a signed 8-bit range */
static inline int32_t tg_ssat8(int32_t x) { return __ssat(x, 8); }

/* saturating int32 addition */
static inline int32_t tg_qadd(int32_t a, int32_t b) { return __qadd(a, b); }

/* acc + (a * b + 2^31) / 2^32 rounded down, the high word of the rounded 64-bit product
 * (wraps); no ACLE intrinsic, hence the one line of assembly. */
static inline int32_t tg_smmlar(int32_t a, int32_t b, int32_t acc) {
  int32_t r;
  __asm__("smmlar %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
  return r;
}

#else

#define TG_SIMD_NAME "portable"

static inline int32_t tg_pack16(int32_t bottom, int32_t top) {
  return (int32_t)(((uint32_t)top << 16) | ((uint32_t)bottom & 0xFFFFu));
}

static inline int32_t tg_bottom16(int32_t v) { return (int32_t)(int16_t)(uint16_t)((uint32_t)v & 0xFFFFu); }
static inline int32_t tg_top16(int32_t v) { return (int32_t)(int16_t)(uint16_t)((uint32_t)v >> 16); }
static inline int32_t tg_byte(int32_t v, int lane) { return (int32_t)(int8_t)(uint8_t)((uint32_t)v >> (8 * lane)); }

static inline int32_t tg_sxtb16(int32_t x) { return tg_pack16(tg_byte(x, 0), tg_byte(x, 2)); }
static inline int32_t tg_sxtb16_ror8(int32_t x) { return tg_pack16(tg_byte(x, 1), tg_byte(x, 3)); }
static inline int32_t tg_sxtab16(int32_t a, int32_t x) {
  return tg_pack16(tg_bottom16(a) + tg_byte(x, 0), tg_top16(a) + tg_byte(x, 2));
}
static inline int32_t tg_sxtab16_ror8(int32_t a, int32_t x) {
  return tg_pack16(tg_bottom16(a) + tg_byte(x, 1), tg_top16(a) + tg_byte(x, 3));
}
static inline int32_t tg_smlad(int32_t a, int32_t b, int32_t acc) {
  const uint32_t p = (uint32_t)(tg_bottom16(a) * tg_bottom16(b)) + (uint32_t)(tg_top16(a) * tg_top16(b));
  return (int32_t)((uint32_t)acc + p);
}
static inline int32_t tg_smlabb(int32_t a, int32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)(tg_bottom16(a) * tg_bottom16(b)));
}
static inline int32_t tg_smlatt(int32_t a, int32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)(tg_top16(a) * tg_top16(b)));
}
static inline int32_t tg_ssat8(int32_t x) { return x < -128 ? -128 : (x > 127 ? 127 : x); }
static inline int32_t tg_qadd(int32_t a, int32_t b) {
  const int64_t s = (int64_t)a + b;
  return s > INT32_MAX ? INT32_MAX : (s < INT32_MIN ? INT32_MIN : (int32_t)s);
}
static inline int32_t tg_smmlar(int32_t a, int32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)(int32_t)(((int64_t)a * b + 0x80000000LL) >> 32));
}

#endif

#endif
