/* Shared pieces of the weighted layers' tests (CONV_2D, DEPTHWISE_CONV_2D,
 * FULLY_CONNECTED): the operator's context and node, the kernel path prepare must
 * report, the check that a saturating case really saturated, and the prepare-error
 * harness (a valid setup, one mutation, the expected status). Include after
 * tg_test_ops.h, in one file per program. */
#ifndef TG_TEST_LAYER_H
#define TG_TEST_LAYER_H

#include <stdint.h>

#include "tg_op.h"
#include "tg_test.h"
#include "tg_test_ops.h"

/* How a case fills its int8 data: random, or every input at one end of the range (the
 * weights then alternate 127 / -128 by output channel, so both clamps engage). */
enum { FILL_RANDOM = 0, FILL_MIN = 1, FILL_MAX = 2 };

/* The operator under test: its context, options and node (tensor i = input i, the
 * output after the inputs). */
static tg_ctx C;
static tg_test_opts g_opts;
static tg_test_node g_node;

/* The kernel path prepare must report: with KERNELS=opt the operator's own fast-path
 * predicate decides (int8 only; float32 and shapes that miss it fall back), with
 * KERNELS=ref every layer runs the reference. */
static inline uint8_t layer_expected_path(int fast_int8) {
#if TG_KERNELS_OPT
  return fast_int8 ? TG_PATH_OPT : TG_PATH_OPT_FALLBACK;
#else
  (void)fast_int8;
  return TG_PATH_REF;
#endif
}

/* A saturating case is only meaningful if the output clamp engaged at both ends. */
static inline void layer_check_clamped(const int8_t *expect, int32_t n, int32_t act_min, int32_t act_max) {
  int lo = 0, hi = 0;
  for (int32_t i = 0; i < n; ++i) {
    lo += expect[i] == act_min;
    hi += expect[i] == act_max;
  }
  TG_CHECK(lo > 0 && hi > 0);
}

/* Replaces the node's options by a table of the given fields. */
static inline void layer_use_options(const tg_test_field *f, int n) {
  tg_test_options(&g_opts, f, n);
  C.options = g_opts.table;
}

/* Runs `setup` (a valid int8 layer), then `mutate`, then prepare, and expects `want`
 * both returned and recorded with a message. */
#define LAYER_EXPECT_PREPARE(op, setup, want, mutate)                                                          \
  do {                                                                                                         \
    setup;                                                                                                     \
    mutate;                                                                                                    \
    const tg_status st_ = (op)->prepare(&C, &g_node.node);                                                     \
    TG_CHECK_EQ_INT(st_, want);                                                                                \
    TG_CHECK(C.last == (want) && C.message[0] != '\0');                                                        \
  } while (0)

#endif
