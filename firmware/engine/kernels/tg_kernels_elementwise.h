/* Pure arithmetic of the element-wise, activation, reduction and data-movement operators
 * (ADD, MUL, SOFTMAX, MEAN, PAD, CONCATENATION, QUANTIZE, DEQUANTIZE, LOGISTIC, TANH,
 * RELU, RELU6), with TensorFlow Lite Micro's reference semantics. One public function per
 * file, tg_<op>_<type>.c; the operator glue in ../ops/ validates every argument and
 * computes every parameter in prepare, so these functions check nothing. The caller owns
 * all memory; nothing here allocates. */
#ifndef TG_KERNELS_ELEMENTWISE_H
#define TG_KERNELS_ELEMENTWISE_H

#include <stdint.h>

#include "tg_kernels.h"
#include "tg_status.h"

/* Shapes are handled extended to this many dimensions (leading 1s), TFLM's maximum. */
#define TG_EW_DIMS 6

/* ---- broadcasting (ADD, MUL) ------------------------------------------------------ */

/* How two input shapes map onto the output of a binary element-wise operator. */
typedef struct {
  int32_t flat;                   /* 1: identical shapes, a flat loop over elements */
  int32_t elements;               /* output elements */
  int32_t dims[TG_EW_DIMS];       /* output shape, extended */
  int32_t stride1[TG_EW_DIMS];    /* input 1 element stride per output dim, 0 where it broadcasts */
  int32_t stride2[TG_EW_DIMS];    /* same for input 2 */
} tg_broadcast;

/* Fills b from the two input shapes and the output shape (numpy broadcasting: trailing
 * dims aligned, each pair equal or one of them 1, and the output the larger). Returns
 * TG_ERR_SHAPE and the offending output dimension (counted from the first of the
 * extended shape) in *bad_dim when they are incompatible; TG_ERR_SHAPE with *bad_dim -1
 * when a rank exceeds TG_EW_DIMS. */
tg_status tg_broadcast_shapes(const int32_t *dims1, int32_t ndims1, const int32_t *dims2, int32_t ndims2,
                              const int32_t *out_dims, int32_t out_ndims, tg_broadcast *b, int32_t *bad_dim);

/* Steps the output index idx (row-major) and the two input offsets to the next element. */
static inline void tg_broadcast_next(const tg_broadcast *b, int32_t *idx, int32_t *o1, int32_t *o2) {
  for (int d = TG_EW_DIMS - 1; d >= 0; --d) {
    if (++idx[d] < b->dims[d]) {
      *o1 += b->stride1[d];
      *o2 += b->stride2[d];
      return;
    }
    idx[d] = 0;
    *o1 -= (b->dims[d] - 1) * b->stride1[d];
    *o2 -= (b->dims[d] - 1) * b->stride2[d];
  }
}

/* Float kernels clamp with tg_act_f32 of tg_kernels.h (TFLM's ActivationFunctionWithMinMax). */

/* ---- ADD ---------------------------------------------------------------------------- */

/* TFLM's int8 ADD: both inputs are brought to a common scale (twice the larger input
 * scale) after a left shift of 20 bits, summed, then rescaled to the output. */
typedef struct {
  int32_t input1_offset; /* -zero point */
  int32_t input2_offset;
  int32_t output_offset; /* +zero point */
  int32_t left_shift;    /* 20 */
  int32_t input1_multiplier;
  int32_t input1_shift;
  int32_t input2_multiplier;
  int32_t input2_shift;
  int32_t output_multiplier;
  int32_t output_shift;
  int32_t act_min;
  int32_t act_max;
} tg_add_s8_params;

void tg_add_s8(const tg_add_s8_params *p, const tg_broadcast *b, const int8_t *in1, const int8_t *in2,
               int8_t *out);
void tg_add_f32(const tg_act_f32 *p, const tg_broadcast *b, const float *in1, const float *in2, float *out);

/* ---- MUL ---------------------------------------------------------------------------- */

/* out = zp_out + (in1 - zp1) * (in2 - zp2) * s1 * s2 / s_out, clamped. */
typedef struct {
  int32_t input1_offset; /* -zero point */
  int32_t input2_offset;
  int32_t output_offset; /* +zero point */
  int32_t output_multiplier;
  int32_t output_shift;
  int32_t act_min;
  int32_t act_max;
} tg_mul_s8_params;

void tg_mul_s8(const tg_mul_s8_params *p, const tg_broadcast *b, const int8_t *in1, const int8_t *in2,
               int8_t *out);
void tg_mul_f32(const tg_act_f32 *p, const tg_broadcast *b, const float *in1, const float *in2, float *out);

/* ---- SOFTMAX (over the last dimension) ------------------------------------------------ */

typedef struct {
  int32_t outer;            /* rows: product of all dims but the last */
  int32_t depth;            /* last dim */
  int32_t input_multiplier; /* beta * input scale in Q5.26, as a multiplier > 1 */
  int32_t input_left_shift;
  int32_t diff_min; /* input differences below this contribute exp() == 0 */
} tg_softmax_s8_params;

/* int8 in, int8 out with scale 1/256 and zero point -128. */
void tg_softmax_s8(const tg_softmax_s8_params *p, const int8_t *in, int8_t *out);

typedef struct {
  int32_t outer;
  int32_t depth;
  float beta;
} tg_softmax_f32_params;

void tg_softmax_f32(const tg_softmax_f32_params *p, const float *in, float *out);

/* ---- MEAN ------------------------------------------------------------------------------ */

/* The input dims split into kept ones (the output's, in order) and reduced ones, each with
 * its element stride in the input. */
typedef struct {
  int32_t n_kept;
  int32_t kept_dims[TG_EW_DIMS];
  int32_t kept_strides[TG_EW_DIMS];
  int32_t n_reduced;
  int32_t reduced_dims[TG_EW_DIMS];
  int32_t reduced_strides[TG_EW_DIMS];
  int32_t count; /* input elements per output element */
  /* int8 only: TFLM's QuantizedMeanOrSum with 1/count folded into the multiplier */
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t multiplier;
  int32_t shift;
} tg_mean_params;

void tg_mean_s8(const tg_mean_params *p, const int8_t *in, int8_t *out);
void tg_mean_f32(const tg_mean_params *p, const float *in, float *out);

/* ---- PAD ------------------------------------------------------------------------------- */

typedef struct {
  int32_t ndims;
  int32_t in_dims[TG_EW_DIMS];
  int32_t out_dims[TG_EW_DIMS];
  int32_t before[TG_EW_DIMS]; /* padding before each dim; out = before + in + after */
} tg_pad_params;

void tg_pad_s8(const tg_pad_params *p, int8_t pad_value, const int8_t *in, int8_t *out);
void tg_pad_f32(const tg_pad_params *p, float pad_value, const float *in, float *out);

/* ---- CONCATENATION --------------------------------------------------------------------- */

#define TG_CONCAT_MAX_INPUTS 10 /* TFLM's kMaxInputNum */

typedef struct {
  int32_t n_inputs;
  int32_t outer;                             /* product of the dims before the axis */
  int32_t copy_size[TG_CONCAT_MAX_INPUTS];   /* elements of input i per outer step */
} tg_concat_params;

void tg_concatenation_s8(const tg_concat_params *p, const int8_t *const *inputs, int8_t *out);
void tg_concatenation_f32(const tg_concat_params *p, const float *const *inputs, float *out);

/* ---- QUANTIZE / DEQUANTIZE ------------------------------------------------------------- */

typedef struct {
  int32_t elements;
  float scale; /* output scale */
  int32_t zero_point;
} tg_quantize_f32_params;

/* float -> int8: zero_point + round(x / scale), saturated. */
void tg_quantize_f32(const tg_quantize_f32_params *p, const float *in, int8_t *out);

typedef struct {
  int32_t elements;
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t multiplier; /* input scale / output scale */
  int32_t shift;
} tg_requantize_params;

/* int8 -> int8 with another scale and zero point (TFLM's Requantize). */
void tg_quantize_s8(const tg_requantize_params *p, const int8_t *in, int8_t *out);

typedef struct {
  int32_t elements;
  float scale; /* input scale */
  int32_t zero_point;
} tg_dequantize_params;

/* int8 -> float: scale * (q - zero_point). */
void tg_dequantize_s8(const tg_dequantize_params *p, const int8_t *in, float *out);

/* ---- LOGISTIC / TANH ------------------------------------------------------------------- */

/* Input rescaled to Q4.27 fixed point; |input - zero point| >= radius saturates. */
typedef struct {
  int32_t elements;
  int32_t input_zero_point;
  int32_t input_range_radius;
  int32_t input_multiplier;
  int32_t input_left_shift;
} tg_sigmoid_s8_params;

/* Output scale 1/256, zero point -128. */
void tg_logistic_s8(const tg_sigmoid_s8_params *p, const int8_t *in, int8_t *out);
void tg_logistic_f32(int32_t elements, const float *in, float *out);
/* Output scale 1/128, zero point 0. */
void tg_tanh_s8(const tg_sigmoid_s8_params *p, const int8_t *in, int8_t *out);
void tg_tanh_f32(int32_t elements, const float *in, float *out);

/* ---- RELU / RELU6 ---------------------------------------------------------------------- */

/* out = clamp(output_offset + (in - input_zero_point) * s_in / s_out), the clamp range
 * being the quantized [0, inf) or [0, 6]. */
typedef struct {
  int32_t elements;
  int32_t input_zero_point;
  int32_t output_offset;
  int32_t multiplier;
  int32_t shift;
  int32_t act_min;
  int32_t act_max;
} tg_relu_s8_params;

void tg_relu_s8(const tg_relu_s8_params *p, const int8_t *in, int8_t *out);

typedef struct {
  int32_t elements;
  float lower; /* 0 */
  float upper; /* 6 for RELU6, +inf for RELU */
} tg_relu_f32_params;

void tg_relu_f32(const tg_relu_f32_params *p, const float *in, float *out);

#endif
