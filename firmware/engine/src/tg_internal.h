/* Private declarations of the engine core: flatbuffer access, the model reader, the
 * arena planner and the engine state. Not for operators (they see tg_op.h only). */
#ifndef TG_INTERNAL_H
#define TG_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "tg_engine.h"
#include "tg_op.h"

/* Fixed maxima: a model past them is refused with a message naming the limit. */
#define TG_MAX_TENSORS 256
#define TG_MAX_OPERATORS 128
#define TG_MAX_OP_INPUTS 8
#define TG_MAX_OP_OUTPUTS 4
#define TG_MAX_GRAPH_IO 8
#define TG_MAX_OPCODES 256
#define TG_ERROR_BYTES 256
#define TG_ARENA_ALIGN 16
/* The schema version TFLite Micro accepts (TFLITE_SCHEMA_VERSION). */
#define TG_SCHEMA_VERSION 3

/* ---- flatbuffers (tg_fb.c) ----------------------------------------------------------
 * Every position is an offset into buf, checked against size before any read; reads
 * assemble little-endian bytes, so unaligned hostile offsets are harmless. */

/* A vector: count elements of elem_size bytes starting at buf + pos. */
typedef struct {
  uint32_t pos;
  uint32_t count;
} tg_fb_vec;

uint32_t tg_fb_read_u32(const uint8_t *p);
uint16_t tg_fb_read_u16(const uint8_t *p);
/* Root table of a finished buffer; checks the table header and its vtable. */
tg_status tg_fb_root(const uint8_t *buf, size_t size, tg_fb_table *root);
/* Validates the table at offset pos (soffset, vtable bounds, object bounds). */
tg_status tg_fb_table_at(const uint8_t *buf, size_t size, uint32_t pos, tg_fb_table *out);
/* Position of a field of width bytes inside t; 0 when absent. Returns TG_ERR_MODEL_TRUNCATED
 * when the field would lie outside the table or the buffer. */
tg_status tg_fb_field(const tg_fb_table *t, int field, uint32_t width, uint32_t *pos);
/* Follows a uoffset field to a nested table; out->table == 0 when the field is absent. */
tg_status tg_fb_subtable(const tg_fb_table *t, int field, tg_fb_table *out);
/* A vector field (count 0 and present 0 when absent); count * elem_size checked. */
tg_status tg_fb_vector(const tg_fb_table *t, int field, uint32_t elem_size, tg_fb_vec *v,
                       uint8_t *present);
/* Element i of a vector of tables. */
tg_status tg_fb_vector_table(const tg_fb_table *t, const tg_fb_vec *v, uint32_t i,
                             tg_fb_table *out);
/* Scalar fields with defaults, reporting malformed positions. */
tg_status tg_fb_get_u8(const tg_fb_table *t, int field, uint8_t dflt, uint8_t *out);
tg_status tg_fb_get_i32(const tg_fb_table *t, int field, int32_t dflt, int32_t *out);
tg_status tg_fb_get_u32(const tg_fb_table *t, int field, uint32_t dflt, uint32_t *out);
tg_status tg_fb_get_u64(const tg_fb_table *t, int field, uint64_t dflt, uint64_t *out);

/* ---- arena planner (tg_plan.c) ----------------------------------------------------- */
typedef struct {
  int32_t size;   /* bytes, >= 0 */
  int32_t first;  /* first operator index alive (inclusive) */
  int32_t last;   /* last operator index alive (inclusive) */
  int32_t id;     /* tie-break: tensor index, scratch buffers after all tensors */
  int32_t offset; /* result, multiple of TG_ARENA_ALIGN */
} tg_plan_item;

/* Greedy by size (see docs/engine.md): fills items[i].offset and *total (rounded up to
 * TG_ARENA_ALIGN). order is caller memory for n indices. */
tg_status tg_plan_greedy(tg_plan_item *items, int32_t n, int32_t *order, size_t *total);

/* ---- engine state ------------------------------------------------------------------ */
typedef struct {
  tg_node node;           /* node.builtin: BuiltinOperator (custom: 32) */
  const tg_op *op;        /* NULL until load finds it */
  /* The scratch buffer (node.scratch_index >= 0): its size and its offset within the
   * activation region (set by the planner). */
  int32_t scratch_bytes;
  int32_t scratch_offset;
} tg_node_rec;

struct tg_ctx {
  tg_engine *engine;
  int32_t layer;       /* operator being prepared or evaluated; -1 outside */
  tg_fb_table options; /* the builtin options of the operator being prepared */
};

typedef enum { TG_STATE_EMPTY = 0, TG_STATE_LOADED = 1, TG_STATE_FAILED = 2 } tg_engine_state;

struct tg_engine {
  uint8_t *arena;
  size_t arena_bytes;
  size_t persistent_end;     /* offset in arena: end of engine state + persistent data */
  size_t activation_offset;  /* offset in arena of the planned activation region */
  size_t activation_bytes;
  size_t load_peak;          /* smallest arena that loads this model (planning included) */
  tg_engine_state state;
  const uint8_t *model;
  size_t model_bytes;
  int32_t n_tensors;
  int32_t n_nodes;
  int32_t n_inputs;
  int32_t n_outputs;
  tg_tensor *tensors;        /* persistent region, n_tensors */
  tg_node_rec *nodes;        /* persistent region, n_nodes */
  const int32_t *inputs;     /* graph input tensor indices: the model's subgraph vector */
  const int32_t *outputs;
  int32_t n_scratch; /* over all nodes; a handle is the layer that requested it */
  tg_ctx ctx;
  uint32_t failures; /* count of recorded messages: tells whether an op set one */
  /* The error message is not here but in a static of tg_interpreter.c (as TFLM's error
   * reporter lives outside its arena): 256 bytes less arena per model; every engine of
   * an image shares it, so tg_engine_error() reports the last failure of any engine. */
};

/* Persistent allocation from the engine's arena (bump pointer), aligned; NULL when full. */
void *tg_engine_alloc(tg_engine *e, size_t bytes, size_t align);
/* Writes "layer N: OP: " + message into the error text (layer < 0: no prefix). */
tg_status tg_engine_fail(tg_engine *e, int32_t layer, tg_status s, const char *fmt, ...);
tg_status tg_engine_vfail(tg_engine *e, int32_t layer, tg_status s, const char *fmt, va_list ap);
/* Tensor name for messages ("?" when absent), as length + bytes: looked up in the model
 * (names are needed for messages only, so the arena keeps none). */
void tg_tensor_name(const tg_engine *e, int32_t index, const char **name, int *len);
/* Builtin options (union type and table) of operator index of subgraph 0, read again
 * from the model (the reader has checked every operator table). */
tg_status tg_model_options(const tg_engine *e, int32_t index, uint8_t *type, tg_fb_table *options);
/* custom_code of operator index (a CUSTOM op), for messages; len 0 when absent. */
void tg_model_custom_code(const tg_engine *e, int32_t index, const char **code, int *len);

/* Reads tensor index of subgraph 0 (table tt) into e->tensors[index]. */
tg_status tg_tensor_read(tg_engine *e, const tg_fb_table *root, const tg_fb_vec *buffers,
                         const tg_fb_table *tt, int32_t index);
/* Reads subgraph 0 of the model into e (tensors, nodes, graph inputs/outputs). */
tg_status tg_model_read(tg_engine *e);
/* Plans the activation region of a prepared model and sets every activation pointer. */
tg_status tg_plan_model(tg_engine *e);

/* ---- schema facts and registry (tg_schema.c, tg_ops.c) ----------------------------- */
const char *tg_builtin_name(int32_t code); /* "CONV_2D", or "UNKNOWN" */
/* BuiltinOptions union type an operator's options must carry (0: none expected). */
uint8_t tg_builtin_options_type(int32_t code);
const tg_op *tg_find_op(int32_t builtin);

/* Small formatter for error messages (no libc printf in firmware): %d %i %u %x %ld %lu %lld %llu
 * %zu %s %.*s %c %f %% ; returns the length written (always NUL-terminated). */
int tg_vformat(char *out, size_t cap, const char *fmt, va_list ap);
int tg_format(char *out, size_t cap, const char *fmt, ...);

#endif
