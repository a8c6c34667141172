/* LOGISTIC: logistic(x) = 1 / (1 + exp(-x)) through the operator, with the cases of
 * tg_test_sigmoid.h (shared with TANH): int8 with the fixed output quantization (scale
 * 1/256, zero point -128), float32 as TFLM's float kernel, the prepare errors, the
 * layer's arena data. */
#include "tg_test_ops.h"

#include "tg_test_sigmoid.h"

extern const tg_op tg_op_logistic;

static double logistic_real(double x) { return 1.0 / (1.0 + exp(-x)); }

/* TFLM's float logistic: exp(x) below -9, 1 above 16.619 */
static float logistic_f32(float x) {
  return x < -9.0f ? (float)exp(x) : (x > 16.619047164916992188f ? 1.0f : (float)logistic_real(x));
}

static const sigmoid_spec kLogistic = {&tg_op_logistic, 1.0f / 256.0f, -128, logistic_real, logistic_f32};

static void test_logistic_s8_all_inputs(void) { sigmoid_s8_all_inputs(&kLogistic); }
static void test_logistic_s8_saturation(void) { sigmoid_s8_saturation(&kLogistic); }
static void test_logistic_f32(void) { sigmoid_f32(&kLogistic); }
static void test_logistic_prepare_errors(void) { sigmoid_prepare_errors(&kLogistic); }
static void test_logistic_layer_data(void) { sigmoid_layer_data(&kLogistic); }

int main(void) {
  TG_RUN(test_logistic_s8_all_inputs);
  TG_RUN(test_logistic_s8_saturation);
  TG_RUN(test_logistic_f32);
  TG_RUN(test_logistic_prepare_errors);
  TG_RUN(test_logistic_layer_data);
  return tg_test_summary("logistic");
}
