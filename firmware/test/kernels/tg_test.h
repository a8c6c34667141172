/* A minimal test framework for the firmware's C unit tests (host build under ASan and
 * UBSan, and the same binaries on emulated boards through semihosting printf). One test
 * file = one program:
 *
 *   #include "tg_test.h"
 *   static void test_rounding(void) { TG_CHECK_EQ_INT(tg_rounding_divide_by_pot(5, 1), 3); }
 *   int main(void) { TG_RUN(test_rounding); return tg_test_summary("quant"); }
 *
 * A failed check prints file:line, the expression and both values, marks the running
 * test failed and continues (one run shows every difference); the program's exit status
 * is non-zero when any check failed. Header-only: static state per program. */
#ifndef TG_TEST_H
#define TG_TEST_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int tg_test_checks;      /* checks evaluated, over all tests */
static int tg_test_failures;    /* checks failed, over all tests */
static int tg_test_failed_tests;
static const char *tg_test_current = "(none)";

/* Decimal text of an int64 and of a double, without printf's %lld and %g: newlib-nano's
 * printf on the boards has neither. Doubles print as [-]int.9 digits, or their bits when
 * beyond 1e15. */
static inline const char *tg_test_i64(char *buf, long long v) {
  char tmp[24];
  int n = 0;
  unsigned long long m = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
  do {
    tmp[n++] = (char)('0' + (int)(m % 10u));
    m /= 10u;
  } while (m > 0);
  int i = 0;
  if (v < 0) buf[i++] = '-';
  while (n > 0) buf[i++] = tmp[--n];
  buf[i] = '\0';
  return buf;
}

static inline const char *tg_test_f64(char *buf, double v) {
  if (!(fabs(v) < 1e15)) {
    unsigned long long bits;
    memcpy(&bits, &v, sizeof(bits));
    buf[0] = '0';
    buf[1] = 'x';
    for (int i = 0; i < 16; ++i) buf[2 + i] = "0123456789abcdef"[(bits >> (60 - 4 * i)) & 15u];
    buf[18] = '\0';
    return buf;
  }
  const double mag = fabs(v);
  const long long whole = (long long)mag;
  const long long frac = (long long)((mag - (double)whole) * 1e9 + 0.5);
  char w[24], f[24];
  tg_test_i64(w, frac >= 1000000000ll ? whole + 1 : whole);
  tg_test_i64(f, frac >= 1000000000ll ? 0 : frac);
  const size_t fl = strlen(f);
  size_t i = 0;
  if (v < 0) buf[i++] = '-';
  memcpy(buf + i, w, strlen(w));
  i += strlen(w);
  buf[i++] = '.';
  for (size_t z = fl; z < 9; ++z) buf[i++] = '0';
  memcpy(buf + i, f, fl + 1);
  return buf;
}

static inline int tg_test_report(int ok, const char *file, int line, const char *expr) {
  ++tg_test_checks;
  if (!ok) {
    ++tg_test_failures;
    printf("FAIL %s: %s:%d: %s\n", tg_test_current, file, line, expr);
  }
  return ok;
}

#define TG_CHECK(cond) ((void)tg_test_report((cond) ? 1 : 0, __FILE__, __LINE__, #cond))

#define TG_CHECK_EQ_INT(actual, expected)                                                                \
  do {                                                                                                   \
    const long long tg_a_ = (long long)(actual);                                                         \
    const long long tg_e_ = (long long)(expected);                                                       \
    char tg_sa_[24], tg_se_[24];                                                                         \
    if (!tg_test_report(tg_a_ == tg_e_, __FILE__, __LINE__, #actual " == " #expected))                   \
      printf("     actual %s, expected %s\n", tg_test_i64(tg_sa_, tg_a_), tg_test_i64(tg_se_, tg_e_));       \
  } while (0)

/* Element-wise comparison of two integer arrays (any integer element type); prints
 * the first differing index and the count of differences. */
#define TG_CHECK_EQ_ARRAY(actual, expected, n)                                                           \
  do {                                                                                                   \
    int tg_bad_ = 0;                                                                                     \
    int tg_first_ = -1;                                                                                  \
    for (int tg_i_ = 0; tg_i_ < (int)(n); ++tg_i_) {                                                     \
      if ((long long)(actual)[tg_i_] != (long long)(expected)[tg_i_]) {                                  \
        if (tg_first_ < 0) tg_first_ = tg_i_;                                                            \
        ++tg_bad_;                                                                                       \
      }                                                                                                  \
    }                                                                                                    \
    char tg_sa_[24], tg_se_[24];                                                                         \
    if (!tg_test_report(tg_bad_ == 0, __FILE__, __LINE__, #actual " == " #expected))                     \
      printf("     %d of %d differ; first at [%d]: actual %s, expected %s\n", tg_bad_, (int)(n), tg_first_, \
             tg_test_i64(tg_sa_, (long long)(actual)[tg_first_]),                                        \
             tg_test_i64(tg_se_, (long long)(expected)[tg_first_]));                                     \
  } while (0)

/* |actual - expected| <= abs_tol + rel_tol * |expected|, element-wise over float arrays. */
#define TG_CHECK_NEAR_ARRAY(actual, expected, n, rel_tol, abs_tol)                                       \
  do {                                                                                                   \
    int tg_bad_ = 0;                                                                                     \
    int tg_first_ = -1;                                                                                  \
    for (int tg_i_ = 0; tg_i_ < (int)(n); ++tg_i_) {                                                     \
      const double tg_a_ = (double)(actual)[tg_i_];                                                      \
      const double tg_e_ = (double)(expected)[tg_i_];                                                    \
      if (!(fabs(tg_a_ - tg_e_) <= (abs_tol) + (rel_tol)*fabs(tg_e_))) {                                 \
        if (tg_first_ < 0) tg_first_ = tg_i_;                                                            \
        ++tg_bad_;                                                                                       \
      }                                                                                                  \
    }                                                                                                    \
    char tg_sa_[32], tg_se_[32];                                                                         \
    if (!tg_test_report(tg_bad_ == 0, __FILE__, __LINE__, #actual " ~= " #expected))                     \
      printf("     %d of %d differ; first at [%d]: actual %s, expected %s\n", tg_bad_, (int)(n), tg_first_, \
             tg_test_f64(tg_sa_, (double)(actual)[tg_first_]),                                           \
             tg_test_f64(tg_se_, (double)(expected)[tg_first_]));                                        \
  } while (0)

#define TG_CHECK_NEAR(actual, expected, abs_tol)                                                         \
  do {                                                                                                   \
    const double tg_a_ = (double)(actual);                                                               \
    const double tg_e_ = (double)(expected);                                                             \
    char tg_sa_[32], tg_se_[32];                                                                         \
    if (!tg_test_report(fabs(tg_a_ - tg_e_) <= (abs_tol), __FILE__, __LINE__, #actual " ~= " #expected)) \
      printf("     actual %s, expected %s\n", tg_test_f64(tg_sa_, tg_a_), tg_test_f64(tg_se_, tg_e_));       \
  } while (0)

#define TG_RUN(fn)                                                                                       \
  do {                                                                                                   \
    const int tg_before_ = tg_test_failures;                                                             \
    tg_test_current = #fn;                                                                               \
    fn();                                                                                                \
    if (tg_test_failures != tg_before_) ++tg_test_failed_tests;                                          \
    printf("%s %s\n", tg_test_failures == tg_before_ ? "ok  " : "FAIL", #fn);                            \
  } while (0)

/* Prints the totals; returns the exit status for main (0 = all passed). A program that
 * evaluated no check at all fails too: a test that asserts nothing is a bug. */
static inline int tg_test_summary(const char *suite) {
  printf("%s: %d checks, %d failed, %d failing tests\n", suite, tg_test_checks, tg_test_failures,
         tg_test_failed_tests);
  return (tg_test_failures == 0 && tg_test_checks > 0) ? 0 : 1;
}

/* Deterministic pseudo-random numbers for test data (xorshift32; no libc rand state). */
static inline uint32_t tg_test_rand(uint32_t *state) {
  uint32_t x = *state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *state = x;
  return x;
}

/* Uniform integer in [lo, hi]. */
static inline int32_t tg_test_rand_range(uint32_t *state, int32_t lo, int32_t hi) {
  return lo + (int32_t)(tg_test_rand(state) % (uint32_t)(hi - lo + 1));
}

#endif
