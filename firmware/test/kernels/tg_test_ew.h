/* Shared pieces of the element-wise operators' tests (ADD ... RELU6): tensors set up in a
 * tg_test_ops.h context, prepare + eval of one operator, and the real-number reference
 * (dequantize, compute in double, quantize with round half away from zero) that the int8
 * results are held against. Include after tg_test_ops.h, in one file per program. */
#ifndef TG_TEST_EW_H
#define TG_TEST_EW_H

#include <math.h>
#include <stdint.h>

#include "tg_op.h"
#include "tg_op_ew_support.h" /* TG_BUILTIN_ADD */
#include "tg_test.h"
#include "tg_test_ops.h"

/* Tensor i of ctx: type, shape, data; an int8 tensor gets the given per-tensor scale and
 * zero point (the arrays live in the caller's static storage). */
static inline tg_tensor *ew_tensor(tg_ctx *ctx, int32_t i, tg_type type, int32_t ndims, const int32_t *dims,
                                   void *data) {
  tg_test_tensor(&ctx->tensors[i], type, ndims, dims, data);
  return &ctx->tensors[i];
}

static inline void ew_quant(tg_tensor *t, const float *scale, const int32_t *zero_point) {
  tg_test_quant(t, 1, scale, zero_point, 0);
}

/* The path prepare must report: these operators run the reference, except ADD with
 * KERNELS=opt, whose int8 layers with identical input shapes after right-aligning them
 * (no broadcasting: tg_add_s8_opt_applies) take the fast path and the others fall back. */
static inline uint8_t ew_expected_path(const tg_op *op, const tg_ctx *ctx, const tg_test_node *tn) {
#if TG_KERNELS_OPT
  if (op->builtin == TG_BUILTIN_ADD && tn->node.n_inputs == 2) {
    const tg_tensor *a = &ctx->tensors[tn->node.inputs[0]];
    const tg_tensor *b = &ctx->tensors[tn->node.inputs[1]];
    int same = a->type == TG_INT8;
    const int32_t n = a->ndims > b->ndims ? a->ndims : b->ndims;
    for (int32_t k = 1; k <= n; ++k) {
      const int32_t da = k <= a->ndims ? a->dims[a->ndims - k] : 1;
      const int32_t db = k <= b->ndims ? b->dims[b->ndims - k] : 1;
      if (da != db) same = 0;
    }
    return same ? TG_PATH_OPT : TG_PATH_OPT_FALLBACK;
  }
#else
  (void)op;
  (void)tn;
#endif
  (void)ctx;
  return TG_PATH_REF;
}

/* prepare, then (when it succeeded) eval: the status of the first that fails. */
static inline tg_status ew_run(const tg_op *op, tg_ctx *ctx, tg_test_node *tn) {
  tg_status s = op->prepare(ctx, &tn->node);
  if (s != TG_OK) return s;
  TG_CHECK_EQ_INT(tn->node.kernel_path, ew_expected_path(op, ctx, tn));
  return op->eval(ctx, &tn->node);
}

/* zero_point + round(real / scale) (half away from zero), clamped to [lo, hi]. */
static inline int32_t ew_quantize(double real, float scale, int32_t zero_point, int32_t lo, int32_t hi) {
  const double q = round(real / (double)scale) + zero_point;
  return q < lo ? lo : (q > hi ? hi : (int32_t)q);
}

static inline double ew_real(int8_t q, float scale, int32_t zero_point) {
  return (double)scale * ((int32_t)q - zero_point);
}

/* Largest |a[i] - b[i]| over two int8 arrays. */
static inline int32_t ew_max_diff(const int8_t *a, const int8_t *b, int32_t n) {
  int32_t m = 0;
  for (int32_t i = 0; i < n; ++i) {
    const int32_t d = a[i] > b[i] ? a[i] - b[i] : b[i] - a[i];
    m = d > m ? d : m;
  }
  return m;
}

/* Row-major offset of an index in a shape, with broadcasting: a dim of extent 1 reads
 * index 0 (the definition, written independently of the kernels' stride tables). */
static inline int32_t ew_bcast_offset(const int32_t *out_idx, int32_t out_ndims, const int32_t *dims, int32_t ndims) {
  int32_t off = 0;
  for (int32_t d = 0; d < ndims; ++d) {
    const int32_t od = out_ndims - ndims + d;
    const int32_t i = dims[d] == 1 ? 0 : out_idx[od];
    off = off * dims[d] + i;
  }
  return off;
}

/* Index of flat element n in a row-major shape. */
static inline void ew_unflatten(int32_t n, const int32_t *dims, int32_t ndims, int32_t *idx) {
  for (int32_t d = ndims - 1; d >= 0; --d) {
    idx[d] = n % dims[d];
    n /= dims[d];
  }
}

#endif
