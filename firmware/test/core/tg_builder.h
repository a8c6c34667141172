/* Test-only writers: a minimal back-to-front flatbuffer builder and, on top of it, a
 * builder of small TFLite models from a plain description, so the core tests can make
 * valid models and then break exactly one thing. Host code (uses assert-free checks,
 * fixed buffers; aborts the test program on overflow of its own buffer). */
#ifndef TG_BUILDER_H
#define TG_BUILDER_H

#include <stddef.h>
#include <stdint.h>

/* ---- flatbuffer builder ---- */
typedef struct {
  uint8_t *buf;
  uint32_t cap; /* multiple of 16; buf 16-byte aligned */
  uint32_t head;
} fbb;

typedef struct {
  uint8_t kind; /* 0 absent, 1 scalar, 2 offset (val = ref of the target) */
  uint8_t size; /* scalar bytes: 1, 2, 4, 8 */
  uint64_t val;
} fbf;

#define FBF_NONE {0, 0, 0}
#define FBF_U8(v) {1, 1, (uint64_t)(v)}
#define FBF_I32(v) {1, 4, (uint64_t)(uint32_t)(v)}
#define FBF_U64(v) {1, 8, (uint64_t)(v)}
#define FBF_OFF(r) {2, 4, (uint64_t)(r)}

void fbb_init(fbb *b, uint8_t *buf, uint32_t cap);
uint32_t fbb_vec(fbb *b, const void *elems, uint32_t n, uint32_t esize);
uint32_t fbb_string(fbb *b, const char *s);
uint32_t fbb_vec_refs(fbb *b, const uint32_t *refs, uint32_t n);
uint32_t fbb_table(fbb *b, const fbf *fields, int n);
/* Finishes with identifier; returns the start of the finished buffer (16-aligned). */
uint8_t *fbb_finish(fbb *b, uint32_t root, const char *ident, size_t *size);

/* ---- TFLite model description ---- */
#define TM_MAX 16
#define TM_MAX_TENSORS 260 /* past the engine's limits, to test them */
#define TM_MAX_OPS 130
typedef struct {
  int32_t shape[8];
  int ndims;
  uint8_t type;
  uint32_t buffer;
  const char *name;
  int n_scales;
  float scales[4];
  int n_zero_points;
  int64_t zero_points[4];
  int32_t quantized_dimension;
  uint8_t is_variable;
} tm_tensor;

typedef struct {
  uint32_t opcode_index;
  int32_t inputs[12];
  int n_inputs;
  int32_t outputs[6];
  int n_outputs;
  uint8_t options_type;
  int n_options; /* int32 fields 0..n_options-1 of the options table (0: no table) */
  int32_t options[4];
} tm_op;

typedef struct {
  int32_t builtin;
  int8_t deprecated;
  const char *custom;
} tm_opcode;

typedef struct {
  const void *data;
  uint32_t bytes;
  uint64_t ext_offset; /* stored after the flatbuffer: offset/size fields instead of data */
  uint64_t ext_size;
} tm_buffer;

typedef struct {
  uint32_t version;
  int n_subgraphs; /* 1 normally; 0 to test a model without subgraphs */
  tm_opcode opcodes[TM_MAX];
  int n_opcodes;
  tm_tensor tensors[TM_MAX_TENSORS];
  int n_tensors;
  tm_op ops[TM_MAX_OPS];
  int n_ops;
  int32_t inputs[TM_MAX];
  int n_inputs;
  int32_t outputs[TM_MAX];
  int n_outputs;
  tm_buffer buffers[TM_MAX];
  int n_buffers;
} tm_model;

/* Serialises m into a 16-aligned area of out (cap bytes); returns the model start and
 * its size in *size. */
uint8_t *tm_build(const tm_model *m, uint8_t *out, uint32_t cap, size_t *size);

/* A valid float32 model: t0 [1,4] input, t1 [1,4] constant (buffer 1), ADD(t0,t1) -> t2,
 * RELU(t2) -> t3 output. */
void tm_float_add_relu(tm_model *m);

#endif
