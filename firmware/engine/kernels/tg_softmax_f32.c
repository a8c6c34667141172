#include <math.h>

#include "tg_kernels_elementwise.h"

/* TFLM's reference float softmax: exp((x - max) * beta) / sum, in float. */
void tg_softmax_f32(const tg_softmax_f32_params *p, const float *in, float *out) {
  for (int32_t i = 0; i < p->outer; ++i) {
    const float *row = in + (int64_t)i * p->depth;
    float *orow = out + (int64_t)i * p->depth;
    float max = -3.40282347e+38f; /* numeric_limits<float>::lowest() */
    for (int32_t c = 0; c < p->depth; ++c) max = max < row[c] ? row[c] : max;
    float sum = 0.0f;
    for (int32_t c = 0; c < p->depth; ++c) {
      const float e = expf((row[c] - max) * p->beta);
      orow[c] = e;
      sum += e;
    }
    for (int32_t c = 0; c < p->depth; ++c) orow[c] = orow[c] / sum;
  }
}
