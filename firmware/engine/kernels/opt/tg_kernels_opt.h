/* The opt kernel set (KERNELS=opt): int8 fast paths in the manner of CMSIS-NN, built on
 * the DSP-extension operations of tg_simd.h (SXTB16 + SMLAD on Cortex-M4/M7/M33/M55, with
 * assembly innermost loops; plain C loops with the same sums where TG_SIMD_DSP is 0: the
 * host and the Cortex-M3). Each fast path has a named predicate here; the
 * operator's prepare calls it once (that choice is the layer's reported kernel path), the
 * scratch-size function reuses it, and the kernel rechecks it on entry (TG_ERR_ARG when it
 * does not hold). A layer that misses its fast path runs the reference kernel.
 *
 * The input offset is folded into the bias in prepare (tg_fold_bias_s8):
 *   sum_i w[i] * (x[i] + input_offset) = sum_i w[i] * x[i] + input_offset * sum_i w[i],
 * so the inner loops multiply raw int8 pairs. Padding taps then read the input zero point
 * (-input_offset), whose offset value is 0, exactly as the reference skips them. Sums are
 * taken modulo 2^32 in both kernel sets, and the reference never overflows before its bias
 * is added (TG_MAX_ACCUM_DEPTH), so the int32 accumulators are equal bit for bit.
 * Requantization, clamping and output order are the reference's. docs/kernels.md has the
 * table of fast paths and their conditions. */
#ifndef TG_KERNELS_OPT_H
#define TG_KERNELS_OPT_H

#include <stddef.h>
#include <stdint.h>

#include "tg_kernels.h"
#include "tg_kernels_elementwise.h"
#include "tg_quant.h"
#include "tg_status.h"

/* x * multiplier * 2^(shift - 31) with TFLM's double rounding: the same value as
 * tg_multiply_by_quantized_multiplier for every x when multiplier is in [0, 2^31) (what
 * tg_quantize_multiplier produces) and shift in [-31, 30]; inline, in fewer instructions.
 * The rounding doubling high multiply of gemmlowp, (a * m + nudge) / 2^31 truncated, with
 * nudge 2^30 or 1 - 2^30 by the sign, equals floor((a * m + 2^30) / 2^31) for both signs;
 * its saturating case a == m == INT32_MIN cannot occur with m >= 0. test_opt_requant.c
 * compares the two over random and edge values. */
#if defined(__GNUC__) || defined(__clang__)
#define TG_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define TG_ALWAYS_INLINE inline
#endif

#if TG_SINGLE_ROUNDING
static inline int32_t tg_requant_opt(int32_t x, int32_t multiplier, int32_t shift) {
  return tg_multiply_by_quantized_multiplier(x, multiplier, shift);
}
#else
/* Inlined into the kernels: -Os would otherwise call it, a third of a 1x1 conv's time. */
static TG_ALWAYS_INLINE int32_t tg_requant_opt(int32_t x, int32_t multiplier, int32_t shift) {
  const int32_t left = shift > 0 ? shift : 0;
  const int32_t right = shift > 0 ? 0 : -shift;
  const int32_t a = (int32_t)((uint32_t)x << left); /* wraps as TFLM's int32 shift on the target */
  const int32_t high = (int32_t)(((int64_t)a * multiplier + (1LL << 30)) >> 31);
  const int32_t mask = (int32_t)((1u << right) - 1u);
  const int32_t threshold = (mask >> 1) + (high < 0 ? 1 : 0);
  return (high >> right) + ((high & mask) > threshold ? 1 : 0);
}
#endif

/* Requantized int8 outputs of one output channel: the reference's rescale, offset and
 * clamp, with the channel's shifts and rounding mask worked out once for all of its
 * outputs (tg_channel_requant, then tg_requant_channel_s8 per accumulator). The caller
 * keeps offset and clamp in locals: an int8 store may alias a tg_quant_args, so reading
 * them through it after each store would reload them every time. */
typedef struct {
  int32_t output_offset;
  int32_t act_min;
  int32_t act_max;
} tg_out_params;

typedef struct {
  int32_t multiplier;
  int32_t left;  /* shift > 0: left shift before the multiply */
  int32_t right; /* shift < 0: rounding right shift after it */
  int32_t mask;  /* 2^right - 1 */
} tg_channel_requant;

static TG_ALWAYS_INLINE tg_channel_requant tg_channel_requant_of(int32_t multiplier, int32_t shift) {
  tg_channel_requant c;
  c.multiplier = multiplier;
  c.left = shift > 0 ? shift : 0;
  c.right = c.left - shift;
  c.mask = (int32_t)((1u << c.right) - 1u);
  return c;
}

#if TG_SINGLE_ROUNDING
static TG_ALWAYS_INLINE int32_t tg_requant_channel(int32_t x, tg_channel_requant c) {
  return tg_multiply_by_quantized_multiplier(x, c.multiplier, c.left - c.right);
}
#else
/* tg_requant_opt with the per-channel parts precomputed (the same steps). */
static TG_ALWAYS_INLINE int32_t tg_requant_channel(int32_t x, tg_channel_requant c) {
  const int32_t a = (int32_t)((uint32_t)x << c.left);
  const int32_t high = (int32_t)(((int64_t)a * c.multiplier + (1LL << 30)) >> 31);
  const int32_t threshold = (c.mask >> 1) + (int32_t)((uint32_t)high >> 31);
  return (high >> c.right) + ((high & c.mask) > threshold ? 1 : 0);
}
#endif

static TG_ALWAYS_INLINE int8_t tg_requant_channel_s8(int32_t acc, tg_channel_requant c, tg_out_params p) {
  acc = tg_requant_channel(acc, c) + p.output_offset;
  acc = acc < p.act_min ? p.act_min : acc;
  acc = acc > p.act_max ? p.act_max : acc;
  return (int8_t)acc;
}

/* bias_out[c] = bias[c] (0 when bias is NULL) + input_offset * (sum of filter row c), row c
 * being the depth int8 weights filter[c * depth ...], modulo 2^32. For prepare. */
void tg_fold_bias_s8(const int8_t *filter, const int32_t *bias, int32_t rows, int32_t depth,
                     int32_t input_offset, int32_t *bias_out);

/* The matrix multiply under CONV_2D's and FULLY_CONNECTED's fast paths:
 *   out[c * rows + r] = requant(bias[r] + sum_d lhs[r * depth + d] * rhs[c * depth + d])
 * for rows r (output channels, per-channel or per-tensor multipliers from q) and columns
 * c (output pixels or batches). Blocks of 2 rows x 2 columns share every load: 16 MACs
 * per 4 SXTB16-expanded words and 8 SMLAD. Preconditions: rows, cols, depth >= 1;
 * depth <= TG_MAX_ACCUM_DEPTH; q->filter_offset == 0 (input offset folded into bias). */
tg_status tg_mat_mult_s8_opt(const int8_t *lhs, const int8_t *rhs, const int32_t *bias, int32_t rows,
                             int32_t cols, int32_t depth, const tg_quant_args *q, int8_t *out);

#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
/* The matrix multiply's inner products with integer Helium (tg_mat_mult_s8_mve.c; on
 * these builds tg_mat_mult_s8_opt calls them in place of its DSP loops, TG_SIMD_MVE).
 * Sums modulo 2^32, any depth >= 1 (a VCTP8-predicated last step: nothing is read past
 * a row or column):
 * - rows_2x2: for row pair k (rows 2k, 2k + 1 of w, rows of depth bytes) against the
 *   column pair x, x + depth: acc[4k..4k+3] = a00, a01, a10, a11 (a<row><col>) starting
 *   from bias[2k], bias[2k + 1];
 * - 1x1: acc + one row against one column. */
void tg_mat_mult_s8_mve_rows_2x2(int32_t *acc, const int8_t *w, const int8_t *x, int32_t depth, const int32_t *bias,
                                 int32_t pairs);
int32_t tg_mat_mult_s8_mve_1x1(const int8_t *w, const int8_t *x, int32_t depth, int32_t acc);
#endif

/* CONV_2D fast paths (tg_conv_s8_opt_path). */
typedef enum {
  TG_CONV_OPT_NONE = 0,   /* grouped convolution: the reference kernel runs */
  TG_CONV_OPT_1X1 = 1,    /* 1x1 filter, stride 1, no padding: the input is the matrix */
  TG_CONV_OPT_IM2COL = 2, /* any other ungrouped conv: 2 im2col columns at a time */
  TG_CONV_OPT_IM2COL_PAD = 3 /* im2col with a depth of 4k + 3 (a 3-channel image under an
                                odd square filter) and a filter of at most
                                TG_CONV_OPT_PAD_FILTER bytes once padded: filter rows and
                                columns padded to 4k + 4 with a zero weight in the scratch
                                buffer, so every matrix step is a 4-byte SIMD step */
} tg_conv_opt_path;

#define TG_CONV_OPT_PAD_FILTER 2048

/* The fast path a conv layer takes: needs groups == 1 (filter.c == input.c) and an
 * accumulation depth kh * kw * in_c <= TG_MAX_ACCUM_DEPTH. */
tg_conv_opt_path tg_conv_s8_opt_path(const tg_conv_args *args);

/* Scratch bytes of that path: 2 im2col columns of kh * kw * in_c int8 (of kh * kw * in_c
 * + 1, plus the padded filter, for TG_CONV_OPT_IM2COL_PAD), or 0. */
size_t tg_conv_s8_opt_scratch_bytes(const tg_conv_args *args);

/* CONV_2D int8 through the fast path. bias: tg_fold_bias_s8 of the filter (out.c rows of
 * kh * kw * in_c) with q->input_offset; scratch: tg_conv_s8_opt_scratch_bytes bytes. */
tg_status tg_conv_s8_opt(const tg_conv_args *args, const tg_quant_args *q, const int32_t *bias,
                         const int8_t *input, const int8_t *filter, int8_t *scratch, int8_t *output);

/* DEPTHWISE_CONV_2D fast paths (tg_depthwise_conv_s8_opt_path). */
typedef enum {
  TG_DW_OPT_NONE = 0,       /* depth multiplier > 1 with more than one input channel */
  TG_DW_OPT_MULT1 = 1,      /* depth multiplier 1: 4 channels per SXTAB16/SMLAxy step */
  TG_DW_OPT_AS_CONV = 2     /* one input channel: a conv with M filters (filter transposed
                               to OHWI in prepare), through tg_conv_s8_opt */
} tg_dw_opt_path;

tg_dw_opt_path tg_depthwise_conv_s8_opt_path(const tg_conv_args *args);

/* Depth multiplier 1: the reference's per-channel sums, 4 channels at a time (the offset
 * added by SXTAB16, out-of-image taps skipped as in the reference). bias may be NULL. */
tg_status tg_depthwise_conv_s8_opt(const tg_conv_args *args, const tg_quant_args *q, const int8_t *input,
                                   const int8_t *filter, const int32_t *bias, int8_t *output);

/* The conv arguments of a one-input-channel depthwise layer seen as a conv
 * (TG_DW_OPT_AS_CONV), and its filter [1, kh, kw, M] transposed to [M, kh, kw, 1]. */
void tg_depthwise_as_conv_args(const tg_conv_args *dw, tg_conv_args *conv);
void tg_depthwise_transpose_filter(const tg_conv_args *dw, const int8_t *filter, int8_t *out);

/* FULLY_CONNECTED fast path: symmetric weights (q->filter_offset == 0, so the weights'
 * offset term needs no input sum), depth <= TG_MAX_ACCUM_DEPTH. */
int tg_fully_connected_s8_opt_applies(const tg_fc_args *args, const tg_quant_args *q);

/* bias: tg_fold_bias_s8 of the weights (output_depth rows of depth) with q->input_offset. */
tg_status tg_fully_connected_s8_opt(const tg_fc_args *args, const tg_quant_args *q, const int32_t *bias,
                                    const int8_t *input, const int8_t *weights, int8_t *output);

/* AVERAGE_POOL_2D fast path: windows of at most 256 positions, so that a channel's
 * window sum of int8 values (|sum| <= 256 * 128) fits a 16-bit SIMD lane. */
#define TG_AVG_POOL_OPT_MAX_WINDOW 256
int tg_avg_pool_s8_opt_applies(const tg_pool_args *args);

/* The reference's mean (half away from zero, padding not counted) and clamp; 4 channels
 * per SXTAB16 pair. TG_ERR_SHAPE if a window holds no input position, as the reference. */
tg_status tg_avg_pool_s8_opt(const tg_pool_args *args, int32_t act_min, int32_t act_max, const int8_t *input,
                             int8_t *output);

/* ADD fast path: identical input shapes (no broadcasting), the parameters of TFLM's ADD
 * (input offsets of int8 zero points, left shift <= 20, input shifts <= 0, output shift
 * <= -1, non-negative multipliers); other layers run the reference. */
int tg_add_s8_opt_applies(const tg_add_s8_params *p, const tg_broadcast *b);

/* The reference's AddFunc over b->elements, bit for bit (TG_ERR_ARG when the predicate
 * does not hold): per-value tables of the input rescaling (2 KB of stack), one SMMLAR per
 * element for the output. */
tg_status tg_add_s8_opt(const tg_add_s8_params *p, const tg_broadcast *b, const int8_t *in1, const int8_t *in2,
                        int8_t *out);

#endif
