/* The shared prepare-time helpers of the element-wise operators (see tg_op_ew_support.h):
 * one copy in flash instead of one per operator file. */
#include "tg_op_ew_support.h"

const char *tg_ew_shape(const int32_t *dims, int32_t ndims, char *buf, size_t size) {
  size_t n = 0;
  buf[n++] = '[';
  for (int32_t d = 0; d < ndims; ++d) {
    char digits[12];
    int32_t k = 0;
    int64_t v = dims[d];
    const int negative = v < 0;
    if (negative) v = -v;
    do {
      digits[k++] = (char)('0' + (int)(v % 10));
      v /= 10;
    } while (v > 0 && k < 11);
    /* room for ',', '-', the digits and, at worst, "...]" and the terminator after them */
    if (n + (size_t)k + 7 > size) {
      buf[n++] = '.';
      buf[n++] = '.';
      buf[n++] = '.';
      break;
    }
    if (d > 0) buf[n++] = ',';
    if (negative) buf[n++] = '-';
    while (k > 0) buf[n++] = digits[--k];
  }
  buf[n++] = ']';
  buf[n] = '\0';
  return buf;
}

tg_status tg_ew_arity(tg_ctx *ctx, const tg_node *node, int32_t n_inputs) {
  if (node->n_inputs != n_inputs) {
    return tg_fail(ctx, TG_ERR_MODEL_INVALID, "%d inputs, expected %d", (int)node->n_inputs, (int)n_inputs);
  }
  return TG_OK;
}

tg_status tg_ew_same_shape(tg_ctx *ctx, const tg_tensor *in, const char *in_name, const tg_tensor *out) {
  int same = in->ndims == out->ndims;
  for (int32_t d = 0; same && d < in->ndims; ++d) same = in->dims[d] == out->dims[d];
  if (!same) {
    char a[TG_EW_SHAPE_CHARS];
    char b[TG_EW_SHAPE_CHARS];
    return tg_fail(ctx, TG_ERR_SHAPE, "%s shape %s differs from output shape %s", in_name,
                   tg_ew_shape(in->dims, in->ndims, a, sizeof a), tg_ew_shape(out->dims, out->ndims, b, sizeof b));
  }
  return TG_OK;
}

tg_status tg_ew_same_type(tg_ctx *ctx, const tg_tensor *in, const char *in_name, const tg_tensor *out) {
  if (in->type != TG_INT8 && in->type != TG_FLOAT32) {
    return tg_fail(ctx, TG_ERR_UNSUPPORTED_TYPE, "%s type %s, expected INT8 or FLOAT32", in_name,
                   tg_type_name(in->type));
  }
  return tg_op_check_type(ctx, out, "output", in->type);
}

tg_status tg_ew_same_quant(tg_ctx *ctx, const tg_tensor *a, const char *a_name, const tg_tensor *b,
                           const char *b_name) {
  if (a->scales[0] != b->scales[0] || a->zero_point != b->zero_point) {
    return tg_fail(ctx, TG_ERR_QUANT, "%s quantization (scale %g, zero point %d) differs from %s (%g, %d)", a_name,
                   (double)a->scales[0], (int)a->zero_point, b_name, (double)b->scales[0],
                   (int)b->zero_point);
  }
  return TG_OK;
}

tg_status tg_ew_const_i32(tg_ctx *ctx, const tg_tensor *t, const char *name, const int32_t **values) {
  if (t->type != TG_INT32) {
    return tg_fail(ctx, TG_ERR_UNSUPPORTED_TYPE, "%s type %s, expected INT32", name, tg_type_name(t->type));
  }
  if (!t->is_const || (t->elements > 0 && t->data == NULL)) {
    return tg_fail(ctx, TG_ERR_MODEL_INVALID, "%s is not a constant tensor", name);
  }
  *values = (const int32_t *)t->data;
  return TG_OK;
}

void *tg_ew_alloc(tg_ctx *ctx, size_t bytes) {
  uint8_t *p = (uint8_t *)tg_alloc_persistent(ctx, bytes);
  if (p != NULL) {
    for (size_t i = 0; i < bytes; ++i) p[i] = 0;
  }
  return p;
}

int32_t tg_ew_input_radius(int32_t integer_bits, int32_t left_shift) {
  const double r = ldexp((double)((1 << integer_bits) - 1), 31 - integer_bits - left_shift);
  return r >= 2147483647.0 ? INT32_MAX : (int32_t)floor(r);
}

tg_status tg_ew_sigmoid_params(tg_ctx *ctx, const tg_tensor *in, tg_sigmoid_s8_params *p) {
  const int32_t integer_bits = 4;
  int shift = 0;
  const double q = frexp((double)in->scales[0] * (double)(1 << (31 - integer_bits)), &shift);
  int64_t m = (int64_t)round(q * (double)(1LL << 31));
  if (m == (1LL << 31)) {
    m /= 2;
    ++shift;
  }
  if (shift < 0 || shift > 62) {
    return tg_fail(ctx, TG_ERR_QUANT, "input scale %g outside the range of the int8 kernel", (double)in->scales[0]);
  }
  p->elements = in->elements;
  p->input_zero_point = in->zero_point;
  p->input_multiplier = (int32_t)m;
  p->input_left_shift = shift;
  p->input_range_radius = tg_ew_input_radius(integer_bits, shift);
  return TG_OK;
}

tg_status tg_ew_multiplier(tg_ctx *ctx, double real, const char *what, int32_t *multiplier, int32_t *shift) {
  if (!(real >= 0.0 && real < 1073741824.0)) {
    return tg_fail(ctx, TG_ERR_QUANT, "%s %g outside [0, 2^30): cannot be requantized", what, real);
  }
  tg_quantize_multiplier(real, multiplier, shift);
  return TG_OK;
}

tg_status tg_ew_relu_params(tg_ctx *ctx, const tg_tensor *in, const tg_tensor *out, int relu6,
                            tg_relu_s8_params *p) {
  const float so = out->scales[0];
  const int32_t zo = out->zero_point;
  p->elements = in->elements;
  p->input_zero_point = in->zero_point;
  p->output_offset = zo;
  const tg_status s =
      tg_ew_multiplier(ctx, (double)in->scales[0] / (double)so, "input/output scale ratio", &p->multiplier, &p->shift);
  if (s != TG_OK) return s;
  p->act_min = zo > -128 ? zo : -128; /* zero point + round(0 / scale) */
  p->act_max = 127;
  if (relu6) {
    const float six = roundf(6.0f / so);
    const int32_t q = six >= 256.0f ? 256 : (int32_t)six + zo;
    p->act_max = q < 127 ? q : 127;
  }
  return TG_OK;
}
