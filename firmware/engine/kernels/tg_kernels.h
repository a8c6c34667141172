/* Pure arithmetic kernels of the spatial and matrix operators (CONV_2D, DEPTHWISE_CONV_2D,
 * FULLY_CONNECTED, AVERAGE_POOL_2D, MAX_POOL_2D), CMSIS-NN style: small argument
 * structs, the caller owns every buffer, one public function per file
 * (tg_<op>_<type>.c), output pointer last, a status returned.
 *
 * Kernels trust their arguments: the operator's prepare (firmware/engine/ops) has
 * validated shapes, types, quantization and the accumulation depth. Reference kernels
 * are the loop nests of TensorFlow Lite Micro's reference kernels, in the same order, so
 * int8 results are bit-exact and float sums round identically. Layout is NHWC; conv
 * filters are OHWI, depthwise filters 1HW(C*M), fully connected weights [units, depth].
 * The elementwise operators' kernels live in tg_kernels_elementwise.h. */
#ifndef TG_KERNELS_H
#define TG_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "tg_status.h"

/* Largest accumulation depth (filter_h * filter_w * input channels per group, or the
 * fully connected depth) prepare accepts: with int8 weights w in [-128, 127] and offset
 * inputs x + input_offset in [-255, 255], each product is at most 128 * 255 = 32640, so
 * 32768 products sum to at most 1,069,547,520 < 2^30: the int32 accumulator cannot
 * overflow, and adding the bias can only wrap for a bias beyond 2^30 (wraps as on the
 * target, like TFLM). Real models are far below (ResNet-8: 3*3*64 = 576). */
#define TG_MAX_ACCUM_DEPTH 32768

/* Keeps a kernel's innermost loop a function of its own: inlined into a deep loop nest,
 * gcc -Os spills its accumulator and pointers to the stack (3x the instructions per MAC
 * on Cortex-M4), because int8 stores may alias every argument. */
#if defined(__GNUC__) || defined(__clang__)
#define TG_NOINLINE __attribute__((noinline))
#else
#define TG_NOINLINE
#endif

/* The taps k in [0, k_size) of a window whose input position origin + dilation * k
 * lies inside [0, size): [tg_first_tap, tg_end_tap). Computed once per output row or
 * column so the loops over taps need no bounds checks; the range may be empty. */
static inline int32_t tg_first_tap(int32_t origin, int32_t dilation) {
  return origin >= 0 ? 0 : (-origin + dilation - 1) / dilation;
}
static inline int32_t tg_end_tap(int32_t origin, int32_t dilation, int32_t size, int32_t k_size) {
  if (origin >= size) return 0;
  const int32_t end = (size - origin + dilation - 1) / dilation;
  return end < k_size ? end : k_size;
}

/* Shape of a rank-4 NHWC tensor (or OHWI / 1HWC filter). */
typedef struct {
  int32_t n;
  int32_t h;
  int32_t w;
  int32_t c;
} tg_dims4;

/* Geometry of a convolution window: paddings are the top/left padding TFLite computes. */
typedef struct {
  tg_dims4 input;
  tg_dims4 filter; /* conv: [out_c, kh, kw, in_c / groups]; depthwise: [1, kh, kw, in_c * multiplier] */
  tg_dims4 output;
  int32_t stride_h;
  int32_t stride_w;
  int32_t pad_h;
  int32_t pad_w;
  int32_t dilation_h;
  int32_t dilation_w;
  int32_t depth_multiplier; /* depthwise only: output channels per input channel */
} tg_conv_args;

/* Requantization of an int8 kernel's int32 accumulator. */
typedef struct {
  int32_t input_offset;  /* -input zero point */
  int32_t filter_offset; /* -filter zero point: 0 for conv and depthwise (symmetric weights) */
  int32_t output_offset; /* output zero point */
  /* Per output channel when per_channel, else entry [0] serves every channel. A shift
   * is within [-31, 30] (tg_op_multiplier), so one byte holds it: the arena keeps 5
   * bytes per channel instead of 8. */
  const int32_t *multiplier;
  const int8_t *shift;
  int32_t per_channel;
  int32_t act_min; /* fused activation clamp, within [-128, 127] */
  int32_t act_max;
} tg_quant_args;

/* Fused activation clamp of a float kernel. */
typedef struct {
  float min;
  float max;
} tg_act_f32;

typedef struct {
  int32_t batches;      /* input rows: input elements / depth */
  int32_t depth;        /* accumulation depth: weights' last dimension */
  int32_t output_depth; /* units: weights' first dimension */
} tg_fc_args;

typedef struct {
  tg_dims4 input;
  tg_dims4 output; /* output.c == input.c */
  int32_t filter_h;
  int32_t filter_w;
  int32_t stride_h;
  int32_t stride_w;
  int32_t pad_h;
  int32_t pad_w;
} tg_pool_args;

/* TFLite's padding arithmetic (kernels/padding.h): output size and top/left padding of
 * one spatial dimension. padding: 0 = SAME, 1 = VALID (schema Padding). Output size 0
 * means the window does not fit. Used by prepare and by the tests. */
int32_t tg_conv_out_size(int32_t padding, int32_t in_size, int32_t filter_size, int32_t stride,
                         int32_t dilation);
int32_t tg_conv_padding(int32_t stride, int32_t dilation, int32_t in_size, int32_t filter_size,
                        int32_t out_size);

/* CONV_2D. Grouped convolution when input.c is a multiple of filter.c. bias may be NULL. */
tg_status tg_conv_s8(const tg_conv_args *args, const tg_quant_args *q, const int8_t *input,
                     const int8_t *filter, const int32_t *bias, int8_t *output);
tg_status tg_conv_f32(const tg_conv_args *args, const tg_act_f32 *act, const float *input,
                      const float *filter, const float *bias, float *output);

/* DEPTHWISE_CONV_2D: output channel oc = ic * depth_multiplier + m. bias may be NULL. */
tg_status tg_depthwise_conv_s8(const tg_conv_args *args, const tg_quant_args *q, const int8_t *input,
                               const int8_t *filter, const int32_t *bias, int8_t *output);
tg_status tg_depthwise_conv_f32(const tg_conv_args *args, const tg_act_f32 *act, const float *input,
                                const float *filter, const float *bias, float *output);

/* FULLY_CONNECTED: output[b][u] = sum_d input[b][d] * weights[u][d] + bias[u]. */
tg_status tg_fully_connected_s8(const tg_fc_args *args, const tg_quant_args *q, const int8_t *input,
                                const int8_t *weights, const int32_t *bias, int8_t *output);
tg_status tg_fully_connected_f32(const tg_fc_args *args, const tg_act_f32 *act, const float *input,
                                 const float *weights, const float *bias, float *output);

/* AVERAGE_POOL_2D: the mean over the window's in-image positions (padding not counted).
 * int8 needs input and output quantization to be equal (prepare checks); the clamp
 * is the fused activation's. TG_ERR_SHAPE if a window holds no input position. */
tg_status tg_avg_pool_s8(const tg_pool_args *args, int32_t act_min, int32_t act_max, const int8_t *input,
                         int8_t *output);
tg_status tg_avg_pool_f32(const tg_pool_args *args, const tg_act_f32 *act, const float *input,
                          float *output);

/* MAX_POOL_2D over the in-image positions of each window. */
tg_status tg_max_pool_s8(const tg_pool_args *args, int32_t act_min, int32_t act_max, const int8_t *input,
                         int8_t *output);
tg_status tg_max_pool_f32(const tg_pool_args *args, const tg_act_f32 *act, const float *input,
                          float *output);

#endif
