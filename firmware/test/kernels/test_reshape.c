/* RESHAPE: the copy, the new shape from a constant shape tensor with -1 inferred, and the
 * prepare errors. (ReshapeOptions.new_shape is read through the core's flatbuffer
 * accessors, which this stand-in does not implement: the golden models exercise it.) */
#include "tg_test_ops.h"

#include "tg_test_ew.h"

extern const tg_op tg_op_reshape;

static tg_ctx ctx;

static tg_status run(tg_type type, int32_t in_ndims, const int32_t *in_dims, void *in, int32_t n_shape,
                     int32_t *shape, int32_t out_ndims, const int32_t *out_dims, void *out, int prepare_only) {
  tg_test_node tn;
  tg_test_node_init(&tn, 2, NULL, &ctx);
  ew_tensor(&ctx, 0, type, in_ndims, in_dims, in);
  const int32_t shape_dims[] = {n_shape};
  ew_tensor(&ctx, 1, TG_INT32, 1, shape_dims, shape)->is_const = 1;
  ew_tensor(&ctx, 2, type, out_ndims, out_dims, out);
  return prepare_only ? tg_op_reshape.prepare(&ctx, &tn.node) : ew_run(&tg_op_reshape, &ctx, &tn);
}

static void test_reshape_copies(void) {
  static const int32_t in_dims[] = {2, 3, 4};
  static int32_t shape[] = {4, -1};
  static const int32_t out_dims[] = {4, 6};
  static float in[24], out[24];
  for (int i = 0; i < 24; ++i) in[i] = (float)i * 1.5f - 7.0f;
  TG_CHECK_EQ_INT(run(TG_FLOAT32, 3, in_dims, in, 2, shape, 2, out_dims, out, 0), TG_OK);
  TG_CHECK_NEAR_ARRAY(out, in, 24, 0.0, 0.0);

  static int8_t q[24], qo[24];
  static int32_t flat[] = {-1};
  static const int32_t flat_dims[] = {24};
  for (int i = 0; i < 24; ++i) q[i] = (int8_t)(i * 11 - 128);
  TG_CHECK_EQ_INT(run(TG_INT8, 3, in_dims, q, 1, flat, 1, flat_dims, qo, 0), TG_OK);
  TG_CHECK_EQ_ARRAY(qo, q, 24);
}

static void test_reshape_prepare_errors(void) {
  static const int32_t in_dims[] = {2, 3, 4};
  static const int32_t out_dims[] = {4, 6};
  static const int32_t out_dims_other[] = {6, 4};
  static const int32_t out_dims_small[] = {4, 5};
  static float in[24], out[24];
  static int8_t q[24];
  static int32_t two_unknown[] = {-1, -1};
  static int32_t wrong_count[] = {5, 5};
  static int32_t fine[] = {4, 6};
  static int32_t negative[] = {-4, -6};
  static int32_t indivisible[] = {5, -1};

  TG_CHECK_EQ_INT(run(TG_FLOAT32, 3, in_dims, in, 2, two_unknown, 2, out_dims, out, 1), TG_ERR_SHAPE);
  TG_CHECK_EQ_INT(run(TG_FLOAT32, 3, in_dims, in, 2, wrong_count, 2, out_dims, out, 1), TG_ERR_SHAPE);
  TG_CHECK_EQ_INT(run(TG_FLOAT32, 3, in_dims, in, 2, negative, 2, out_dims, out, 1), TG_ERR_SHAPE);
  TG_CHECK_EQ_INT(run(TG_FLOAT32, 3, in_dims, in, 2, indivisible, 2, out_dims, out, 1), TG_ERR_SHAPE);
  /* the shape tensor and the output tensor disagree */
  TG_CHECK_EQ_INT(run(TG_FLOAT32, 3, in_dims, in, 2, fine, 2, out_dims_other, out, 1), TG_ERR_SHAPE);
  TG_CHECK(strstr(ctx.message, "[4,6]") != NULL);
  /* the output holds fewer elements than the input */
  TG_CHECK_EQ_INT(run(TG_FLOAT32, 3, in_dims, in, 2, fine, 2, out_dims_small, out, 1), TG_ERR_SHAPE);

  /* types differ */
  tg_test_node tn;
  tg_test_node_init(&tn, 2, NULL, &ctx);
  ew_tensor(&ctx, 0, TG_FLOAT32, 3, in_dims, in);
  const int32_t shape_dims[] = {2};
  ew_tensor(&ctx, 1, TG_INT32, 1, shape_dims, fine)->is_const = 1;
  ew_tensor(&ctx, 2, TG_INT8, 2, out_dims, q);
  TG_CHECK_EQ_INT(tg_op_reshape.prepare(&ctx, &tn.node), TG_ERR_UNSUPPORTED_TYPE);

  /* a float shape tensor */
  tg_test_node_init(&tn, 2, NULL, &ctx);
  ew_tensor(&ctx, 0, TG_FLOAT32, 3, in_dims, in);
  ew_tensor(&ctx, 1, TG_FLOAT32, 1, shape_dims, fine)->is_const = 1;
  ew_tensor(&ctx, 2, TG_FLOAT32, 2, out_dims, out);
  TG_CHECK_EQ_INT(tg_op_reshape.prepare(&ctx, &tn.node), TG_ERR_UNSUPPORTED_TYPE);

  /* three inputs */
  tg_test_node_init(&tn, 3, NULL, &ctx);
  TG_CHECK_EQ_INT(tg_op_reshape.prepare(&ctx, &tn.node), TG_ERR_MODEL_INVALID);
}

int main(void) {
  TG_RUN(test_reshape_copies);
  TG_RUN(test_reshape_prepare_errors);
  return tg_test_summary("reshape");
}
