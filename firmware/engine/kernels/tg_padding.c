/* TFLite's padding arithmetic (tensorflow/lite/kernels/padding.h), shared by the
 * convolution and pooling operators' prepare so their output shapes agree with the
 * converter's. */
#include "tg_kernels.h"

int32_t tg_conv_out_size(int32_t padding, int32_t in_size, int32_t filter_size, int32_t stride,
                         int32_t dilation) {
  if (stride <= 0 || dilation <= 0 || filter_size <= 0 || in_size <= 0) {
    return 0;
  }
  const int64_t effective = (int64_t)(filter_size - 1) * dilation + 1;
  const int64_t out =
      padding == 0 ? ((int64_t)in_size + stride - 1) / stride : ((int64_t)in_size + stride - effective) / stride;
  return out > 0 && out <= INT32_MAX ? (int32_t)out : 0;
}

int32_t tg_conv_padding(int32_t stride, int32_t dilation, int32_t in_size, int32_t filter_size,
                        int32_t out_size) {
  const int64_t effective = (int64_t)(filter_size - 1) * dilation + 1;
  /* Integer division truncates toward zero as in C++; only the top/left half is used,
   * the extra bottom/right padding of an odd total is implicit in the bounds checks. */
  const int64_t pad = ((int64_t)(out_size - 1) * stride + effective - in_size) / 2;
  return pad > 0 ? (int32_t)pad : 0;
}
