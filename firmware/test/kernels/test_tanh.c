/* TANH through the operator, with the cases of tg_test_sigmoid.h (shared with LOGISTIC):
 * int8 with the fixed output quantization (scale 1/128, zero point 0), float32 against
 * double tanh, the prepare errors, the layer's arena data. */
#include "tg_test_ops.h"

#include "tg_test_sigmoid.h"

extern const tg_op tg_op_tanh;

static double tanh_real(double x) { return tanh(x); }
static float tanh_f32(float x) { return (float)tanh((double)x); }

static const sigmoid_spec kTanh = {&tg_op_tanh, 1.0f / 128.0f, 0, tanh_real, tanh_f32};

static void test_tanh_s8_all_inputs(void) { sigmoid_s8_all_inputs(&kTanh); }
static void test_tanh_s8_saturation(void) { sigmoid_s8_saturation(&kTanh); }
static void test_tanh_f32(void) { sigmoid_f32(&kTanh); }
static void test_tanh_prepare_errors(void) { sigmoid_prepare_errors(&kTanh); }
static void test_tanh_layer_data(void) { sigmoid_layer_data(&kTanh); }

int main(void) {
  TG_RUN(test_tanh_s8_all_inputs);
  TG_RUN(test_tanh_s8_saturation);
  TG_RUN(test_tanh_f32);
  TG_RUN(test_tanh_prepare_errors);
  TG_RUN(test_tanh_layer_data);
  return tg_test_summary("tanh");
}
