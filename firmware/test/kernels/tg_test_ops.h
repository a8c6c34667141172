/* A stand-in for the engine core's operator services (tg_op.h), so an operator's
 * prepare and eval can be tested alone: tensors in a table, a bump arena, a bounded
 * scratch region (the opt kernels' im2col buffers), option tables
 * encoded as real flatbuffer tables, and tg_fail recording status and message. Include
 * it in exactly one file of a test program: it defines the tg_op.h functions, so when
 * the program is linked against the engine archive (firmware/Makefile, kernel-tests)
 * the core's objects that define them are never pulled in. */
#ifndef TG_TEST_OPS_H
#define TG_TEST_OPS_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tg_op.h"

#define TG_TEST_MAX_TENSORS 8
#define TG_TEST_ARENA_BYTES 4096
/* Scratch buffers live beside the arena, as the engine plans them beside the activations;
 * 8 KB holds every im2col buffer the unit tests ask for, and a request beyond it (or
 * beyond scratch_capacity) is refused as the engine refuses one that does not fit. */
#define TG_TEST_SCRATCH_BYTES 8192
#define TG_TEST_MAX_SCRATCH 4

struct tg_ctx {
  tg_tensor tensors[TG_TEST_MAX_TENSORS];
  int32_t n_tensors;
  _Alignas(16) uint8_t arena[TG_TEST_ARENA_BYTES];
  size_t used;
  size_t capacity; /* lower it to provoke TG_ERR_ARENA_TOO_SMALL */
  _Alignas(16) uint8_t scratch[TG_TEST_SCRATCH_BYTES];
  size_t scratch_used;
  size_t scratch_capacity; /* lower it (e.g. to 0) to refuse scratch requests */
  size_t scratch_offset[TG_TEST_MAX_SCRATCH];
  int32_t n_scratch;
  tg_fb_table options; /* of the node being prepared (tg_test_node_init) */
  tg_status last;
  char message[256];
};

const tg_fb_table *tg_op_options(const tg_ctx *ctx) { return &ctx->options; }

tg_tensor *tg_tensor_at(tg_ctx *ctx, int32_t index) {
  if (index < 0 || index >= ctx->n_tensors) return NULL;
  return &ctx->tensors[index];
}

void *tg_alloc_persistent(tg_ctx *ctx, size_t bytes) {
  const size_t start = (ctx->used + 7u) & ~(size_t)7u;
  if (start + bytes > ctx->capacity || start + bytes > sizeof(ctx->arena)) return NULL;
  ctx->used = start + bytes;
  return ctx->arena + start;
}

tg_status tg_request_scratch(tg_ctx *ctx, size_t bytes, int16_t *handle) {
  if (handle == NULL) return TG_ERR_STATE;
  *handle = -1;
  const size_t start = (ctx->scratch_used + 15u) & ~(size_t)15u;
  const size_t limit = ctx->scratch_capacity < sizeof(ctx->scratch) ? ctx->scratch_capacity : sizeof(ctx->scratch);
  if (ctx->n_scratch >= TG_TEST_MAX_SCRATCH || bytes > limit || start > limit - bytes) {
    return tg_fail(ctx, TG_ERR_ARENA_TOO_SMALL, "test stand-in: scratch buffer of %lu bytes does not fit %lu",
                   (unsigned long)bytes, (unsigned long)limit);
  }
  ctx->scratch_offset[ctx->n_scratch] = start;
  ctx->scratch_used = start + bytes;
  *handle = (int16_t)ctx->n_scratch++;
  return TG_OK;
}

void *tg_scratch(tg_ctx *ctx, int16_t handle) {
  if (handle < 0 || handle >= ctx->n_scratch) return NULL;
  return ctx->scratch + ctx->scratch_offset[handle];
}

tg_status tg_fail(tg_ctx *ctx, tg_status status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ctx->message, sizeof(ctx->message), fmt, ap);
  va_end(ap);
  ctx->last = status;
  return status;
}

/* ---- flatbuffer option tables --------------------------------------------------------
 * Layout written by tg_test_options: a vtable at offset 0 (u16 vtable size, u16 table
 * size, one u16 offset per field id, 0 = absent), then the table: an i32 soffset back
 * to the vtable and one 4-byte slot per present field (1-byte fields use the slot's
 * first byte). The readers below follow the flatbuffer rules, defaults included. */
typedef struct {
  int field;
  int width; /* 1 (byte, bool) or 4 (int, float) */
  int32_t value;
} tg_test_field;

typedef struct {
  _Alignas(8) uint8_t buf[160];
  tg_fb_table table;
} tg_test_opts;

static inline void tg_test_put_u16(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

static inline void tg_test_put_u32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = (uint8_t)(v >> (8 * i));
}

static inline void tg_test_options(tg_test_opts *o, const tg_test_field *fields, int n) {
  memset(o->buf, 0, sizeof(o->buf));
  int max_field = -1;
  for (int i = 0; i < n; ++i) max_field = fields[i].field > max_field ? fields[i].field : max_field;
  const uint32_t vsize = 4u + 2u * (uint32_t)(max_field + 1);
  const uint32_t table = (vsize + 3u) & ~3u;
  tg_test_put_u16(o->buf, vsize);
  tg_test_put_u16(o->buf + 2, 4u + 4u * (uint32_t)n);
  tg_test_put_u32(o->buf + table, table); /* vtable = table - soffset = 0 */
  for (int i = 0; i < n; ++i) {
    const uint32_t off = 4u + 4u * (uint32_t)i;
    tg_test_put_u16(o->buf + 4 + 2 * fields[i].field, off);
    if (fields[i].width == 1) {
      o->buf[table + off] = (uint8_t)fields[i].value;
    } else {
      tg_test_put_u32(o->buf + table + off, (uint32_t)fields[i].value);
    }
  }
  o->table.buf = o->buf;
  o->table.size = table + 4u + 4u * (uint32_t)n;
  o->table.table = table;
}

/* Position of a present field, or 0. */
static inline uint32_t tg_test_field_pos(const tg_fb_table *t, int field) {
  if (t == NULL || t->table == 0) return 0;
  const uint8_t *b = t->buf;
  const int32_t soff = (int32_t)((uint32_t)b[t->table] | ((uint32_t)b[t->table + 1] << 8) |
                                 ((uint32_t)b[t->table + 2] << 16) | ((uint32_t)b[t->table + 3] << 24));
  const uint32_t vt = (uint32_t)((int64_t)t->table - soff);
  const uint32_t vsize = (uint32_t)b[vt] | ((uint32_t)b[vt + 1] << 8);
  const uint32_t entry = 4u + 2u * (uint32_t)field;
  if (entry + 2u > vsize) return 0;
  const uint32_t off = (uint32_t)b[vt + entry] | ((uint32_t)b[vt + entry + 1] << 8);
  return off == 0 ? 0 : t->table + off;
}

int32_t tg_fb_i32(const tg_fb_table *t, int field, int32_t dflt) {
  const uint32_t p = tg_test_field_pos(t, field);
  if (p == 0) return dflt;
  const uint8_t *b = t->buf + p;
  return (int32_t)((uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24));
}

int8_t tg_fb_i8(const tg_fb_table *t, int field, int8_t dflt) {
  const uint32_t p = tg_test_field_pos(t, field);
  return p == 0 ? dflt : (int8_t)t->buf[p];
}

uint8_t tg_fb_bool(const tg_fb_table *t, int field, uint8_t dflt) {
  const uint32_t p = tg_test_field_pos(t, field);
  return p == 0 ? dflt : (uint8_t)(t->buf[p] != 0);
}

float tg_fb_f32(const tg_fb_table *t, int field, float dflt) {
  const uint32_t p = tg_test_field_pos(t, field);
  if (p == 0) return dflt;
  float f;
  memcpy(&f, t->buf + p, sizeof(f));
  return f;
}

int32_t tg_fb_i32_vector(const tg_fb_table *t, int field, int32_t *out, int32_t max) {
  (void)t;
  (void)field;
  (void)out;
  (void)max;
  return -1; /* no tested operator reads vectors */
}

/* ---- tensors ---------------------------------------------------------------------- */
/* The engine's tensors point at the model's shape vectors; here each tg_test_tensor call
 * copies the shape into the next slot of a ring (a test holds far fewer tensors at once
 * than it has slots), so a test may change a shape through tg_test_dims. */
#define TG_TEST_SHAPE_SLOTS 1024
static int32_t tg_test_shapes[TG_TEST_SHAPE_SLOTS][TG_MAX_DIMS];
static int32_t tg_test_next_shape;

static inline int32_t *tg_test_dims(tg_tensor *t) {
  for (int32_t i = 0; i < TG_TEST_SHAPE_SLOTS; ++i) {
    if (t->dims == tg_test_shapes[i]) return tg_test_shapes[i];
  }
  return NULL; /* not a tg_test_tensor: the caller's TG_CHECK fails on it */
}

static inline void tg_test_tensor(tg_tensor *t, tg_type type, int32_t ndims, const int32_t *dims, void *data) {
  memset(t, 0, sizeof(*t));
  int32_t *shape = tg_test_shapes[tg_test_next_shape];
  tg_test_next_shape = (tg_test_next_shape + 1) % TG_TEST_SHAPE_SLOTS;
  memset(shape, 0, sizeof(tg_test_shapes[0]));
  t->type = type;
  t->ndims = ndims;
  t->elements = 1;
  for (int32_t i = 0; i < ndims; ++i) {
    shape[i] = dims[i];
    t->elements *= dims[i];
  }
  t->dims = shape;
  const int32_t size = type == TG_INT8 ? 1 : (type == TG_INT16 ? 2 : 4);
  t->bytes = t->elements * size;
  t->data = data;
}

/* n scales; zero_points[0] serves every channel, as in the engine (the reader refuses
 * per-channel zero points that differ). */
static inline void tg_test_quant(tg_tensor *t, int32_t n, const float *scales, const int32_t *zero_points,
                                 int32_t qdim) {
  t->n_scales = (uint16_t)n;
  t->scales = scales;
  t->zero_point = zero_points != NULL ? zero_points[0] : 0;
  t->quantized_dimension = (int8_t)qdim;
}

/* A node over tensors 0..n_inputs-1 (input i = tensor i, -1 entries omitted) with
 * output tensor n_inputs; the context starts empty with the full arena. */
typedef struct {
  tg_node node;
  int32_t inputs[4];
  int32_t outputs[1];
} tg_test_node;

static inline void tg_test_node_init(tg_test_node *tn, int32_t n_inputs, const tg_test_opts *opts, tg_ctx *ctx) {
  memset(tn, 0, sizeof(*tn));
  for (int32_t i = 0; i < n_inputs; ++i) tn->inputs[i] = i;
  tn->outputs[0] = n_inputs;
  tn->node.n_inputs = n_inputs;
  tn->node.inputs = tn->inputs;
  tn->node.n_outputs = 1;
  tn->node.outputs = tn->outputs;
  tn->node.scratch_index = -1;
  tn->node.kernel_path = 0xff;
  ctx->options = opts != NULL ? opts->table : (tg_fb_table){NULL, 0, 0};
  ctx->n_tensors = n_inputs + 1;
  ctx->used = 0;
  ctx->capacity = TG_TEST_ARENA_BYTES;
  ctx->scratch_used = 0;
  ctx->scratch_capacity = TG_TEST_SCRATCH_BYTES;
  ctx->n_scratch = 0;
  ctx->last = TG_OK;
  ctx->message[0] = '\0';
}

#endif
