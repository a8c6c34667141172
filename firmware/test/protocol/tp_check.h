/* Minimal checks for the protocol's C tests: every failed check prints where and why, the
 * program's status says whether any failed. */
#ifndef TP_CHECK_H
#define TP_CHECK_H

#include <stdio.h>

static int tp_failures = 0;
static int tp_checks = 0;

#define CHECK(cond)                                                              \
  do {                                                                           \
    ++tp_checks;                                                                 \
    if (!(cond)) {                                                               \
      ++tp_failures;                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
    }                                                                            \
  } while (0)

#define CHECK_EQ_U(a, b)                                                                       \
  do {                                                                                         \
    unsigned long long tp_a = (unsigned long long)(a), tp_b = (unsigned long long)(b);         \
    ++tp_checks;                                                                               \
    if (tp_a != tp_b) {                                                                        \
      ++tp_failures;                                                                           \
      fprintf(stderr, "%s:%d: %s == %s failed: %llu != %llu (0x%llx != 0x%llx)\n", __FILE__,   \
              __LINE__, #a, #b, tp_a, tp_b, tp_a, tp_b);                                       \
    }                                                                                          \
  } while (0)

static int tp_finish(const char *name) {
  printf("%s: %d checks, %d failed\n", name, tp_checks, tp_failures);
  return tp_failures == 0 ? 0 : 1;
}

#endif
