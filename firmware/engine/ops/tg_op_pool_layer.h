/* What AVERAGE_POOL_2D and MAX_POOL_2D share: the layer data and the whole prepare.
 * Defined in tg_op_pool_layer.c. */
#ifndef TG_OP_POOL_LAYER_H
#define TG_OP_POOL_LAYER_H

#include "tg_op_support.h"

/* What AVERAGE_POOL_2D and MAX_POOL_2D keep from prepare to eval (their tensors are
 * looked up at eval): the window and the int8 clamp or the float32 one. */
typedef struct {
  tg_pool_args args;
  union {
    struct {
      int32_t act_min; /* int8 */
      int32_t act_max;
    };
    tg_act_f32 act; /* float32 */
  };
} tg_op_pool_layer;

/* The whole prepare of AVERAGE_POOL_2D and MAX_POOL_2D (they differ only in the kernel):
 * checks types, shapes, Pool2DOptions and quantization, stores a tg_op_pool_layer in
 * node->user_data, sets the reference path and returns the input for a fast-path test. */
tg_status tg_op_pool_prepare(tg_ctx *ctx, tg_node *node, const tg_tensor **input);

#endif
