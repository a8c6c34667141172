/* The contract between the engine core (reader, planner, interpreter, profiler) and
 * the operators. One operator = one tg_op_<name>.c file holding its prepare (validate
 * everything, compute multipliers, request memory) and eval (no checks, no allocation),
 * like TFLite Micro's kernels; the pure arithmetic lives apart in tg_<op>_<type>.c.
 * C11, no heap: per-node data comes from the arena through tg_ctx. */
#ifndef TG_OP_H
#define TG_OP_H

#include <stddef.h>
#include <stdint.h>

#include "tg_status.h"

/* TensorType values of the TFLite schema. */
typedef enum {
  TG_FLOAT32 = 0,
  TG_INT32 = 2,
  TG_UINT8 = 3,
  TG_INT64 = 4,
  TG_BOOL = 6,
  TG_INT16 = 7,
  TG_INT8 = 9
} tg_type;

#define TG_MAX_DIMS 6

/* One record per tensor lives in the arena (32 bytes on a 32-bit target), so it holds
 * pointers into the model rather than copies wherever the model's bytes serve. */
typedef struct {
  void *data;          /* constant: inside the model; activation: inside the arena (set by the planner) */
  const int32_t *dims; /* ndims entries: the model's shape vector (read-only; a rank-0 tensor's is empty) */
  int32_t elements;    /* product of dims */
  int32_t bytes;       /* elements * size of type */
  /* Quantization (absent: n_scales == 0, scales NULL): the model's scales (a copy in the
   * arena only when the model's are misaligned) and the zero point, one for every
   * channel (the reader refuses per-channel zero points that differ). */
  const float *scales;
  int32_t zero_point;
  uint16_t n_scales;
  uint8_t type; /* tg_type */
  int8_t ndims; /* <= TG_MAX_DIMS (checked by the reader); signed as int32 was for its users */
  uint8_t is_const;
  int8_t quantized_dimension; /* < ndims (checked by the reader) */
} tg_tensor;

/* Read-only view of one flatbuffer table (an operator's builtin options). The
 * accessors bounds-check and return the schema default when a field is absent. */
typedef struct {
  const uint8_t *buf;
  size_t size;
  uint32_t table; /* offset of the table in buf; 0 = no table (all defaults) */
} tg_fb_table;

int32_t tg_fb_i32(const tg_fb_table *t, int field, int32_t dflt);
int8_t tg_fb_i8(const tg_fb_table *t, int field, int8_t dflt);
uint8_t tg_fb_bool(const tg_fb_table *t, int field, uint8_t dflt);
float tg_fb_f32(const tg_fb_table *t, int field, float dflt);
/* Vector of int32 (e.g. ReshapeOptions.new_shape): copies at most max entries into
 * out, returns the count, or -1 when the vector is malformed (out of bounds). */
int32_t tg_fb_i32_vector(const tg_fb_table *t, int field, int32_t *out, int32_t max);

typedef struct tg_ctx tg_ctx;

/* One record per operator lives in the arena: the index lists point into the model's
 * operator table (4-byte aligned int32 vectors, checked by the reader). */
typedef struct {
  const int32_t *inputs;  /* tensor indices, -1 = omitted optional input */
  const int32_t *outputs;
  void *user_data;        /* set by prepare (from tg_alloc_persistent), read by eval */
  int16_t builtin;        /* BuiltinOperator code (the reader refuses codes past int16) */
  int16_t scratch_index;  /* -1 or a handle from tg_request_scratch */
  uint8_t n_inputs;       /* <= TG_MAX_OP_INPUTS (checked by the reader) */
  uint8_t n_outputs;      /* <= TG_MAX_OP_OUTPUTS (checked by the reader) */
  uint8_t kernel_path;    /* set by prepare: which kernel eval will run (tg_kernel_path) */
} tg_node;

/* What the profiler reports per layer: the kernel that ran. Values are stable, part of
 * the serial protocol. */
typedef enum {
  TG_PATH_REF = 0,      /* portable reference loop nest */
  TG_PATH_OPT = 1,      /* the fast path of the opt kernel set */
  TG_PATH_OPT_FALLBACK = 2 /* opt kernel set built, but this layer's shape missed the fast path */
} tg_kernel_path;

/* Services the core gives an operator during prepare. */
tg_tensor *tg_tensor_at(tg_ctx *ctx, int32_t index); /* NULL when index is -1 or out of range */
void *tg_alloc_persistent(tg_ctx *ctx, size_t bytes); /* 8-byte aligned, NULL when the arena is full */
/* One scratch buffer per operator, alive during its eval only (placed by the planner). */
tg_status tg_request_scratch(tg_ctx *ctx, size_t bytes, int16_t *handle);
void *tg_scratch(tg_ctx *ctx, int16_t handle); /* valid during eval */
/* The builtin options of the operator being prepared (read them in prepare: eval has none). */
const tg_fb_table *tg_op_options(const tg_ctx *ctx);
/* Records a message naming the problem for tg_last_error(); returns status. */
tg_status tg_fail(tg_ctx *ctx, tg_status status, const char *fmt, ...);

typedef struct {
  int32_t builtin;   /* BuiltinOperator code */
  const char *name;  /* "CONV_2D" */
  tg_status (*prepare)(tg_ctx *ctx, tg_node *node);
  tg_status (*eval)(tg_ctx *ctx, const tg_node *node);
} tg_op;

/* One registration per operator file: extern const tg_op tg_op_conv_2d; ... */

#endif
