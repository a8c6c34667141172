/* Table-driven cases the binary element-wise operators' tests (ADD, MUL) share: float32
 * over a broadcast against the operation computed by index under every fused
 * activation, and prepare errors as rows (tensors, options, arena, expected status).
 * Include after tg_test_ops.h, in one file per program. */
#ifndef TG_TEST_EW_CASES_H
#define TG_TEST_EW_CASES_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tg_op.h"
#include "tg_test.h"
#include "tg_test_ew.h"
#include "tg_test_ops.h"

enum { kEwFieldActivation = 0 }; /* ADD and MUL options: fused_activation_function */

/* One tensor of a case: type, shape and data; an int8 tensor's per-tensor scale and zero
 * point, or NULL for none (the arrays live in the caller's static storage). */
typedef struct {
  tg_type type;
  int32_t ndims;
  const int32_t *dims;
  void *data;
  const float *scale;
  const int32_t *zero_point;
} ew_spec;

/* One prepare error: inputs t[0..n_inputs-1], output t[n_inputs]. */
typedef struct {
  const char *name;
  tg_status want;
  int32_t n_inputs;
  int32_t act;                 /* fused activation, or -1 for a node without options */
  size_t capacity;             /* arena bytes, or 0 for the full arena */
  const char *message_has;     /* a text the error message must hold, or NULL */
  ew_spec t[3];
} ew_prepare_case;

/* Options holding the fused activation `act`. */
static inline void ew_set_activation(tg_test_opts *o, int32_t act) {
  const tg_test_field f[] = {{kEwFieldActivation, 1, act}};
  tg_test_options(o, f, 1);
}

/* Each row: the node set up as described, then prepare must return `want` (and, where
 * the row says, a message naming the offending value). tg_test_current names the row. */
static inline void ew_check_prepare_errors(const tg_op *op, tg_ctx *ctx, const ew_prepare_case *cases, size_t n,
                                           const char *test_name) {
  for (size_t k = 0; k < n; ++k) {
    const ew_prepare_case *c = &cases[k];
    tg_test_current = c->name;
    tg_test_opts o;
    tg_test_node tn;
    if (c->act >= 0) ew_set_activation(&o, c->act);
    tg_test_node_init(&tn, c->n_inputs, c->act >= 0 ? &o : NULL, ctx);
    if (c->capacity != 0) ctx->capacity = c->capacity;
    for (int32_t i = 0; i <= c->n_inputs; ++i) {
      tg_tensor *t = ew_tensor(ctx, i, c->t[i].type, c->t[i].ndims, c->t[i].dims, c->t[i].data);
      if (c->t[i].scale != NULL) ew_quant(t, c->t[i].scale, c->t[i].zero_point);
    }
    TG_CHECK_EQ_INT(op->prepare(ctx, &tn.node), c->want);
    if (c->message_has != NULL) TG_CHECK(strstr(ctx->message, c->message_has) != NULL);
  }
  tg_test_current = test_name;
}

/* float32 a (shape d1) op b (shape d2) broadcast to dout (rank 4, 120 elements) under
 * NONE, RELU, RELU_N1_TO_1 and RELU6, against `f` computed by index and clamped: equal
 * to the bit. `capacity` is what the layer may keep in the arena. */
#define EW_F32_ELEMS 120
static inline void ew_check_f32_broadcast(const tg_op *op, tg_ctx *ctx, size_t capacity, const int32_t *d1,
                                          int32_t n1, const float *a, const int32_t *d2, int32_t n2, const float *b,
                                          const int32_t *dout, float (*f)(float, float)) {
  static float out[EW_F32_ELEMS];
  for (int32_t act = 0; act <= 3; ++act) { /* NONE, RELU, RELU_N1_TO_1, RELU6 */
    tg_test_opts o;
    tg_test_node tn;
    ew_set_activation(&o, act);
    tg_test_node_init(&tn, 2, &o, ctx);
    ctx->capacity = capacity;
    ew_tensor(ctx, 0, TG_FLOAT32, n1, d1, (void *)a);
    ew_tensor(ctx, 1, TG_FLOAT32, n2, d2, (void *)b);
    ew_tensor(ctx, 2, TG_FLOAT32, 4, dout, out);
    TG_CHECK_EQ_INT(ew_run(op, ctx, &tn), TG_OK);
    const float lo = act == 0 ? -INFINITY : (act == 2 ? -1.0f : 0.0f);
    const float hi = act == 2 ? 1.0f : (act == 3 ? 6.0f : INFINITY);
    float expect[EW_F32_ELEMS];
    for (int32_t n = 0; n < EW_F32_ELEMS; ++n) {
      int32_t idx[4];
      ew_unflatten(n, dout, 4, idx);
      const float v = f(a[ew_bcast_offset(idx, 4, d1, n1)], b[ew_bcast_offset(idx, 4, d2, n2)]);
      expect[n] = v < lo ? lo : (v > hi ? hi : v);
    }
    TG_CHECK_NEAR_ARRAY(out, expect, EW_F32_ELEMS, 0.0, 0.0);
  }
}

#endif
