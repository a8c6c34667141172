/* The element-wise operators through the real engine (reader, options union check,
 * prepare, arena plan, invoke), on small models written with the core tests' TFLite
 * builder: what the stand-in of tg_test_ops.h cannot show (options read from real
 * flatbuffer tables, data pointers placed by the planner, activations sharing memory).
 * The golden models cover ADD, RESHAPE and SOFTMAX this way; these cover the rest, and
 * ADD with broadcasting.
 * Expected values: double math on the inputs, within the quantization steps involved. */
#include <math.h>
#include <string.h>

#include "../core/tg_builder.c"
#include "tg_engine.h"
#include "tg_test.h"

static _Alignas(16) uint8_t arena[1 << 16];
static _Alignas(16) uint8_t build_buf[1 << 14];
static _Alignas(16) uint8_t model_buf[1 << 14];
static tm_model m;

enum { kFloat32 = 0, kInt32 = 2, kInt8 = 9 };

static void tensor(int i, int type, int ndims, const int32_t *shape, uint32_t buffer) {
  static const char *const names[] = {"t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9", "t10", "t11"};
  tm_tensor *t = &m.tensors[i];
  memset(t, 0, sizeof *t);
  t->type = (uint8_t)type;
  t->ndims = ndims;
  t->buffer = buffer;
  t->name = names[i];
  for (int d = 0; d < ndims; ++d) t->shape[d] = shape[d];
  if (i + 1 > m.n_tensors) m.n_tensors = i + 1;
}

static void quant(int i, float scale, int64_t zero_point) {
  m.tensors[i].n_scales = 1;
  m.tensors[i].scales[0] = scale;
  m.tensors[i].n_zero_points = 1;
  m.tensors[i].zero_points[0] = zero_point;
}

static void op(int i, uint32_t opcode, int n_in, const int32_t *in, int32_t out, uint8_t options_type, int n_options,
               const int32_t *options) {
  tm_op *o = &m.ops[i];
  memset(o, 0, sizeof *o);
  o->opcode_index = opcode;
  o->n_inputs = n_in;
  for (int k = 0; k < n_in; ++k) o->inputs[k] = in[k];
  o->n_outputs = 1;
  o->outputs[0] = out;
  o->options_type = options_type;
  o->n_options = n_options;
  for (int k = 0; k < n_options; ++k) o->options[k] = options[k];
  if (i + 1 > m.n_ops) m.n_ops = i + 1;
}

static void begin(const int32_t *builtins, int n) {
  memset(&m, 0, sizeof m);
  m.version = 3;
  m.n_subgraphs = 1;
  m.n_opcodes = n;
  for (int i = 0; i < n; ++i) m.opcodes[i].builtin = builtins[i];
  m.n_buffers = 1; /* buffer 0: the empty sentinel */
}

static uint32_t buffer(const void *data, uint32_t bytes) {
  m.buffers[m.n_buffers].data = data;
  m.buffers[m.n_buffers].bytes = bytes;
  return (uint32_t)m.n_buffers++;
}

/* Serialises m and loads it; NULL (and the status in *status) when load fails. */
static tg_engine *load(tg_status *status) {
  size_t size = 0;
  const uint8_t *p = tm_build(&m, build_buf, sizeof build_buf, &size);
  memcpy(model_buf, p, size);
  tg_engine *e = tg_engine_init(arena, sizeof arena);
  *status = tg_engine_load(e, model_buf, size);
  return *status == TG_OK ? e : NULL;
}

/* PAD -> MEAN(keep_dims) -> MUL(const) -> CONCATENATION(axis -1) -> LOGISTIC -> TANH, and
 * RELU / RELU6 on the concatenation: float32. */
static void test_float_chain(void) {
  static const int32_t builtins[] = {34, 40, 18, 2, 14, 28, 19, 21};
  static const int32_t pads[8] = {0, 0, 1, 0, 0, 1, 0, 0};
  static const int32_t axes[2] = {1, 2};
  static const float scale_by[2] = {3.0f, -2.0f};
  static const int32_t s_in[] = {1, 3, 4, 2}, s_pads[] = {4, 2}, s_padded[] = {1, 4, 5, 2}, s_axes[] = {2},
                       s_mean[] = {1, 1, 1, 2}, s_vec[] = {2}, s_cat[] = {1, 1, 1, 4};
  begin(builtins, 8);
  tensor(0, kFloat32, 4, s_in, 0);
  tensor(1, kInt32, 2, s_pads, buffer(pads, sizeof pads));
  tensor(2, kFloat32, 4, s_padded, 0);
  tensor(3, kInt32, 1, s_axes, buffer(axes, sizeof axes));
  tensor(4, kFloat32, 4, s_mean, 0);
  tensor(5, kFloat32, 1, s_vec, buffer(scale_by, sizeof scale_by));
  tensor(6, kFloat32, 4, s_mean, 0);
  for (int i = 7; i <= 11; ++i) tensor(i, kFloat32, 4, s_cat, 0);
  static const int32_t keep_dims[] = {1}, no_act[] = {0}, cat_opts[] = {-1, 0};
  op(0, 0, 2, (const int32_t[]){0, 1}, 2, 22, 0, NULL);
  op(1, 1, 2, (const int32_t[]){2, 3}, 4, 27, 1, keep_dims);
  op(2, 2, 2, (const int32_t[]){4, 5}, 6, 21, 1, no_act);
  op(3, 3, 2, (const int32_t[]){6, 4}, 7, 10, 2, cat_opts);
  op(4, 4, 1, (const int32_t[]){7}, 8, 0, 0, NULL);
  op(5, 5, 1, (const int32_t[]){8}, 9, 0, 0, NULL);
  op(6, 6, 1, (const int32_t[]){7}, 10, 0, 0, NULL);
  op(7, 7, 1, (const int32_t[]){7}, 11, 0, 0, NULL);
  m.n_inputs = 1;
  m.inputs[0] = 0;
  m.n_outputs = 3;
  m.outputs[0] = 9;
  m.outputs[1] = 10;
  m.outputs[2] = 11;
  tg_status s;
  tg_engine *e = load(&s);
  TG_CHECK_EQ_INT(s, TG_OK);
  if (e == NULL) return;
  float in[24];
  for (int i = 0; i < 24; ++i) in[i] = (float)i * 0.25f - 2.0f;
  memcpy(tg_engine_input(e, 0)->data, in, sizeof in);
  TG_CHECK_EQ_INT(tg_engine_invoke(e, NULL), TG_OK);
  /* per channel: the 12 real values over 20 padded positions (padding is 0) */
  double mean[2] = {0.0, 0.0};
  for (int i = 0; i < 24; ++i) mean[i % 2] += in[i] / 20.0;
  const double cat[4] = {mean[0] * 3.0, mean[1] * -2.0, mean[0], mean[1]};
  float expect_tl[4], expect_relu[4], expect_relu6[4];
  for (int c = 0; c < 4; ++c) {
    expect_tl[c] = (float)tanh(1.0 / (1.0 + exp(-cat[c])));
    expect_relu[c] = (float)fmax(cat[c], 0.0);
    expect_relu6[c] = (float)fmin(fmax(cat[c], 0.0), 6.0);
  }
  TG_CHECK_NEAR_ARRAY((const float *)tg_engine_output(e, 0)->data, expect_tl, 4, 1e-5, 1e-6);
  TG_CHECK_NEAR_ARRAY((const float *)tg_engine_output(e, 1)->data, expect_relu, 4, 1e-5, 1e-6);
  TG_CHECK_NEAR_ARRAY((const float *)tg_engine_output(e, 2)->data, expect_relu6, 4, 1e-5, 1e-6);
  TG_CHECK_EQ_INT(tg_engine_layer_count(e), 8);
  TG_CHECK(strcmp(tg_engine_layer_op(e, 1), "MEAN") == 0);
}

/* QUANTIZE(float -> int8) -> LOGISTIC -> QUANTIZE(int8 -> int8) -> TANH -> RELU -> RELU6 ->
 * RELU6 -> DEQUANTIZE: every int8 operator, with the converter's fixed output
 * quantizations, back to float. */
static void test_int8_chain(void) {
  static const int32_t builtins[] = {114, 14, 28, 19, 21, 6};
  static const int32_t shape[] = {1, 9};
  begin(builtins, 6);
  for (int i = 0; i <= 8; ++i) tensor(i, (i == 0 || i == 8) ? kFloat32 : kInt8, 2, shape, 0);
  quant(1, 0.05f, 3);
  quant(2, 1.0f / 256.0f, -128);
  quant(3, 1.0f / 128.0f, 5);
  quant(4, 1.0f / 128.0f, 0);
  quant(5, 1.0f / 128.0f, 0);
  quant(6, 1.0f / 64.0f, -100);
  quant(7, 1.0f / 64.0f, -100);
  const uint32_t opcode_of[] = {0, 1, 0, 2, 3, 4, 4, 5};
  for (int i = 0; i < 8; ++i) op(i, opcode_of[i], 1, (const int32_t[]){i}, i + 1, 0, 0, NULL);
  m.n_inputs = 1;
  m.inputs[0] = 0;
  m.n_outputs = 1;
  m.outputs[0] = 8;
  tg_status s;
  tg_engine *e = load(&s);
  TG_CHECK_EQ_INT(s, TG_OK);
  if (e == NULL) return;
  float in[9];
  for (int i = 0; i < 9; ++i) in[i] = -6.0f + 1.5f * (float)i;
  memcpy(tg_engine_input(e, 0)->data, in, sizeof in);
  TG_CHECK_EQ_INT(tg_engine_invoke(e, NULL), TG_OK);
  float expect[9];
  for (int i = 0; i < 9; ++i) expect[i] = (float)fmax(tanh(1.0 / (1.0 + exp(-in[i]))), 0.0);
  /* quantization steps on the way: 0.05 in, 1/256, 1/128, 1/128, 1/64 out */
  TG_CHECK_NEAR_ARRAY((const float *)tg_engine_output(e, 0)->data, expect, 9, 0.0, 0.03);
}

/* PAD -> MEAN(keep_dims) -> MUL(const, broadcast) -> CONCATENATION(axis -1), and
 * ADD(PAD output + MEAN output, broadcast): int8. These layers keep no shapes, zero points
 * or paddings: eval reads them from the model's tensors, with data the planner placed. */
static void test_int8_shapes_at_eval(void) {
  static const int32_t builtins[] = {34, 40, 18, 2, 0};
  static const int32_t pads[8] = {0, 0, 1, 0, 0, 1, 0, 0};
  static const int32_t axes[2] = {1, 2};
  static const int8_t scale_by[2] = {50, -100}; /* 1.0 and -2.0 at scale 0.02 */
  static const int32_t s_in[] = {1, 3, 4, 2}, s_pads[] = {4, 2}, s_padded[] = {1, 4, 5, 2}, s_axes[] = {2},
                       s_mean[] = {1, 1, 1, 2}, s_vec[] = {2}, s_cat[] = {1, 1, 1, 4};
  begin(builtins, 5);
  tensor(0, kInt8, 4, s_in, 0);
  quant(0, 0.1f, -5);
  tensor(1, kInt32, 2, s_pads, buffer(pads, sizeof pads));
  tensor(2, kInt8, 4, s_padded, 0);
  quant(2, 0.1f, -5);
  tensor(3, kInt32, 1, s_axes, buffer(axes, sizeof axes));
  tensor(4, kInt8, 4, s_mean, 0);
  quant(4, 0.05f, 3);
  tensor(5, kInt8, 1, s_vec, buffer(scale_by, sizeof scale_by));
  quant(5, 0.02f, 0);
  tensor(6, kInt8, 4, s_mean, 0);
  quant(6, 0.05f, 3);
  tensor(7, kInt8, 4, s_cat, 0);
  quant(7, 0.05f, 3);
  tensor(8, kInt8, 4, s_padded, 0);
  quant(8, 0.15f, -10);
  static const int32_t keep_dims[] = {1}, no_act[] = {0}, cat_opts[] = {-1, 0};
  op(0, 0, 2, (const int32_t[]){0, 1}, 2, 22, 0, NULL);
  op(1, 1, 2, (const int32_t[]){2, 3}, 4, 27, 1, keep_dims);
  op(2, 2, 2, (const int32_t[]){4, 5}, 6, 21, 1, no_act);
  op(3, 3, 2, (const int32_t[]){6, 4}, 7, 10, 2, cat_opts);
  op(4, 4, 2, (const int32_t[]){2, 4}, 8, 11, 1, no_act);
  m.n_inputs = 1;
  m.inputs[0] = 0;
  m.n_outputs = 2;
  m.outputs[0] = 7;
  m.outputs[1] = 8;
  tg_status s;
  tg_engine *e = load(&s);
  TG_CHECK_EQ_INT(s, TG_OK);
  if (e == NULL) return;
  int8_t in[24];
  for (int i = 0; i < 24; ++i) in[i] = (int8_t)((i * 7) % 81 - 40);
  memcpy(tg_engine_input(e, 0)->data, in, sizeof in);
  TG_CHECK_EQ_INT(tg_engine_invoke(e, NULL), TG_OK);
  /* the padded input: [1,4,5,2], a row of zeros before dim 1, a column after dim 2 */
  double padded[40] = {0.0};
  for (int h = 0; h < 3; ++h) {
    for (int w = 0; w < 4; ++w) {
      for (int c = 0; c < 2; ++c) padded[((h + 1) * 5 + w) * 2 + c] = 0.1 * (in[(h * 4 + w) * 2 + c] + 5);
    }
  }
  double mean[2] = {0.0, 0.0};
  for (int i = 0; i < 40; ++i) mean[i % 2] += padded[i] / 20.0;
  const double cat[4] = {mean[0] * 1.0, mean[1] * -2.0, mean[0], mean[1]};
  /* within the quantization steps on the way: mean 0.025, the product twice that, the
   * output's half step */
  const int8_t *qcat = (const int8_t *)tg_engine_output(e, 0)->data;
  for (int c = 0; c < 4; ++c) TG_CHECK_NEAR(0.05 * (qcat[c] - 3), cat[c], 0.08);
  const int8_t *qadd = (const int8_t *)tg_engine_output(e, 1)->data;
  for (int i = 0; i < 40; ++i) TG_CHECK_NEAR(0.15 * (qadd[i] + 10), padded[i] + mean[i % 2], 0.11);
}

/* A prepare error travels out of tg_engine_load with the layer and operator named. */
static void test_prepare_error_through_the_engine(void) {
  static const int32_t builtins[] = {40};
  static const int32_t axes[1] = {4};
  static const int32_t s_in[] = {1, 2, 2, 3}, s_axes[] = {1}, s_out[] = {1, 2, 2, 1};
  begin(builtins, 1);
  tensor(0, kFloat32, 4, s_in, 0);
  tensor(1, kInt32, 1, s_axes, buffer(axes, sizeof axes));
  tensor(2, kFloat32, 4, s_out, 0);
  static const int32_t keep_dims[] = {1};
  op(0, 0, 2, (const int32_t[]){0, 1}, 2, 27, 1, keep_dims);
  m.n_inputs = 1;
  m.inputs[0] = 0;
  m.n_outputs = 1;
  m.outputs[0] = 2;
  tg_status s;
  tg_engine *e = load(&s);
  TG_CHECK(e == NULL);
  TG_CHECK_EQ_INT(s, TG_ERR_SHAPE);
  const tg_engine *failed = (const tg_engine *)(void *)arena;
  TG_CHECK(strstr(tg_engine_error(failed), "layer 0: MEAN") != NULL);
  TG_CHECK(strstr(tg_engine_error(failed), "axis 4") != NULL);
}

int main(void) {
  TG_RUN(test_float_chain);
  TG_RUN(test_int8_chain);
  TG_RUN(test_int8_shapes_at_eval);
  TG_RUN(test_prepare_error_through_the_engine);
  return tg_test_summary("ew_engine");
}
