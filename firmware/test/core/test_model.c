/* Model reader: a valid generated model loads; each structural fault of the file gets
 * its own status and a message naming the tensor or operator; every truncation and
 * every single-byte corruption of a model is refused or loaded without reading out of
 * bounds (AddressSanitizer). */
#include <string.h>

#include "tg_builder.h"
#include "tg_internal.h"
#include "tg_test.h"

static _Alignas(16) uint8_t arena[64 * 1024];
static _Alignas(16) uint8_t model_buf[64 * 1024];
static _Alignas(16) uint8_t copy[64 * 1024];
static tg_engine *engine;

static tg_status load(const tm_model *m) {
  size_t size;
  const uint8_t *p = tm_build(m, model_buf, sizeof model_buf, &size);
  engine = tg_engine_init(arena, sizeof arena);
  return tg_engine_load(engine, p, size);
}

static int has(const char *needle) { return strstr(tg_engine_error(engine), needle) != NULL; }

#define CHECK_LOAD(m, status, needle)                                                  \
  do {                                                                                 \
    TG_CHECK_EQ_INT(load(m), status);                                                  \
    if (!tg_test_report(has(needle), __FILE__, __LINE__, "message has " needle))       \
      printf("     message: %s\n", tg_engine_error(engine));                           \
  } while (0)

static void test_valid_model_loads(void) {
  tm_model m;
  tm_float_add_relu(&m);
  TG_CHECK_EQ_INT(load(&m), TG_OK);
  TG_CHECK_EQ_INT(engine->n_tensors, 4);
  TG_CHECK_EQ_INT(engine->n_nodes, 2);
  TG_CHECK_EQ_INT(engine->tensors[1].is_const, 1);
  TG_CHECK_EQ_INT(engine->tensors[1].bytes, 16);
  TG_CHECK_NEAR(((const float *)engine->tensors[1].data)[1], -2.0, 0);
  TG_CHECK_EQ_INT(engine->tensors[0].is_const, 0);
  TG_CHECK_EQ_INT(engine->tensors[0].ndims, 2);
  TG_CHECK_EQ_INT(engine->nodes[0].node.builtin, 0);
  TG_CHECK_EQ_INT(engine->nodes[1].node.inputs[0], 2);
  /* Index lists and shapes are the model's own vectors, not copies. */
  TG_CHECK((const uint8_t *)engine->nodes[1].node.inputs > engine->model &&
           (const uint8_t *)engine->nodes[1].node.inputs < engine->model + engine->model_bytes);
  TG_CHECK((const uint8_t *)engine->tensors[0].dims > engine->model &&
           (const uint8_t *)engine->tensors[0].dims < engine->model + engine->model_bytes);
  TG_CHECK_EQ_INT(engine->tensors[0].dims[1], 4);
  uint8_t type = 0;
  tg_fb_table options;
  TG_CHECK_EQ_INT(tg_model_options(engine, 0, &type, &options), TG_OK);
  TG_CHECK_EQ_INT(type, 11);
  TG_CHECK(options.table != 0);
}

static void test_truncated(void) {
  engine = tg_engine_init(arena, sizeof arena);
  static const uint8_t tiny[8] = {4, 0, 0, 0, 'T', 'F', 'L'};
  TG_CHECK_EQ_INT(tg_engine_load(engine, tiny, 7), TG_ERR_MODEL_TRUNCATED);
  TG_CHECK(has("too short"));
}

static void test_identifier(void) {
  tm_model m;
  tm_float_add_relu(&m);
  size_t size;
  uint8_t *p = tm_build(&m, model_buf, sizeof model_buf, &size);
  memcpy(p + 4, "TFL2", 4);
  engine = tg_engine_init(arena, sizeof arena);
  TG_CHECK_EQ_INT(tg_engine_load(engine, p, size), TG_ERR_MODEL_IDENTIFIER);
  TG_CHECK(has("TFL3"));
}

static void test_root_offset_out_of_range(void) {
  tm_model m;
  tm_float_add_relu(&m);
  size_t size;
  uint8_t *p = tm_build(&m, model_buf, sizeof model_buf, &size);
  p[0] = 0xF0;
  p[1] = p[2] = p[3] = 0xFF;
  engine = tg_engine_init(arena, sizeof arena);
  TG_CHECK_EQ_INT(tg_engine_load(engine, p, size), TG_ERR_MODEL_TRUNCATED);
}

static void test_structure_errors(void) {
  tm_model m;
  tm_float_add_relu(&m);
  m.version = 2;
  CHECK_LOAD(&m, TG_ERR_MODEL_INVALID, "schema version 2");

  tm_float_add_relu(&m);
  m.n_subgraphs = 0;
  CHECK_LOAD(&m, TG_ERR_MODEL_INVALID, "no subgraph");

  tm_float_add_relu(&m);
  m.n_ops = 0;
  CHECK_LOAD(&m, TG_ERR_MODEL_INVALID, "subgraph 0 has no operators");

  tm_float_add_relu(&m);
  m.ops[1].inputs[0] = 99;
  CHECK_LOAD(&m, TG_ERR_MODEL_INVALID, "operator 1: input 0 is tensor 99 of 4");

  tm_float_add_relu(&m);
  m.ops[0].inputs[1] = -2;
  CHECK_LOAD(&m, TG_ERR_MODEL_INVALID, "operator 0: input 1 is tensor -2");

  tm_float_add_relu(&m);
  m.ops[0].outputs[0] = -1;
  CHECK_LOAD(&m, TG_ERR_MODEL_INVALID, "operator 0: output 0 is tensor -1");

  tm_float_add_relu(&m);
  m.ops[1].opcode_index = 5;
  CHECK_LOAD(&m, TG_ERR_MODEL_INVALID, "opcode index 5 of 2");

  tm_float_add_relu(&m);
  m.outputs[0] = 4;
  CHECK_LOAD(&m, TG_ERR_MODEL_INVALID, "graph outputs 0 is tensor 4 of 4");

  tm_float_add_relu(&m);
  m.n_inputs = 0;
  CHECK_LOAD(&m, TG_ERR_MODEL_INVALID, "no graph inputs");

  tm_float_add_relu(&m);
  m.ops[0].n_inputs = 9;
  CHECK_LOAD(&m, TG_ERR_MODEL_INVALID, "9 entries, this build allows 8");
}

static void test_tensor_errors(void) {
  tm_model m;
  tm_float_add_relu(&m);
  m.tensors[2].shape[1] = -4;
  CHECK_LOAD(&m, TG_ERR_SHAPE, "tensor 2 'sum': dimension 1 is -4");

  tm_float_add_relu(&m);
  m.tensors[0].ndims = 7;
  CHECK_LOAD(&m, TG_ERR_SHAPE, "rank 7");

  tm_float_add_relu(&m);
  m.tensors[0].shape[1] = 1 << 20;
  m.tensors[0].shape[0] = 1 << 10;
  CHECK_LOAD(&m, TG_ERR_SHAPE, "more than 2^31 bytes");

  tm_float_add_relu(&m);
  m.tensors[3].type = 5; /* STRING */
  CHECK_LOAD(&m, TG_ERR_UNSUPPORTED_TYPE, "tensor 3 'output': tensor type 5");

  tm_float_add_relu(&m);
  m.tensors[2].is_variable = 1;
  CHECK_LOAD(&m, TG_ERR_UNSUPPORTED_TYPE, "variable");

  tm_float_add_relu(&m);
  m.tensors[1].buffer = 7;
  CHECK_LOAD(&m, TG_ERR_MODEL_INVALID, "tensor 1 'bias': buffer 7 of 2");

  tm_float_add_relu(&m);
  m.buffers[1].bytes = 12;
  CHECK_LOAD(&m, TG_ERR_MODEL_INVALID, "buffer 1 holds 12 bytes, shape needs 16");
}

static void test_external_buffers(void) {
  tm_model m;
  tm_float_add_relu(&m);
  size_t size;
  /* First build to learn the size, then point buffer 1 at data appended after it. */
  m.buffers[1].data = NULL;
  m.buffers[1].bytes = 0;
  m.buffers[1].ext_offset = 4096; /* beyond this model: refused */
  m.buffers[1].ext_size = 16;
  uint8_t *p = tm_build(&m, model_buf, sizeof model_buf, &size);
  engine = tg_engine_init(arena, sizeof arena);
  TG_CHECK_EQ_INT(tg_engine_load(engine, p, size), TG_ERR_MODEL_TRUNCATED);
  TG_CHECK(has("buffer 1 lies outside the model"));

  const size_t data_at = (size + 15u) & ~(size_t)15u;
  m.buffers[1].ext_offset = data_at;
  p = tm_build(&m, model_buf, sizeof model_buf, &size);
  TG_CHECK((size + 15u) / 16u * 16u == data_at); /* same layout, same size */
  memcpy(copy, p, size);
  const float values[4] = {1, 2, 3, 4};
  memcpy(copy + data_at, values, sizeof values);
  engine = tg_engine_init(arena, sizeof arena);
  TG_CHECK_EQ_INT(tg_engine_load(engine, copy, data_at + sizeof values), TG_OK);
  TG_CHECK(engine->tensors[1].data == copy + data_at);
  /* The same file without its tail: the offset/size now points past the end. */
  TG_CHECK_EQ_INT(tg_engine_load(engine, copy, data_at + 8), TG_ERR_MODEL_TRUNCATED);
}

static void test_quantization(void) {
  tm_model m;
  tm_float_add_relu(&m);
  m.tensors[0].n_scales = 1;
  m.tensors[0].scales[0] = 0.5f;
  m.tensors[0].n_zero_points = 1;
  m.tensors[0].zero_points[0] = -3;
  TG_CHECK_EQ_INT(load(&m), TG_OK);
  TG_CHECK_EQ_INT(engine->tensors[0].n_scales, 1);
  TG_CHECK_NEAR(engine->tensors[0].scales[0], 0.5, 0);
  TG_CHECK_EQ_INT(engine->tensors[0].zero_point, -3);
  TG_CHECK_EQ_INT(((uintptr_t)engine->tensors[0].scales & 3u), 0);

  /* Per-channel along dimension 1 (4 channels). */
  tm_float_add_relu(&m);
  m.tensors[1].n_scales = m.tensors[1].n_zero_points = 4;
  for (int i = 0; i < 4; ++i) m.tensors[1].scales[i] = 0.25f * (float)(i + 1);
  m.tensors[1].quantized_dimension = 1;
  TG_CHECK_EQ_INT(load(&m), TG_OK);
  TG_CHECK_EQ_INT(engine->tensors[1].n_scales, 4);
  TG_CHECK_EQ_INT(engine->tensors[1].quantized_dimension, 1);
  TG_CHECK_NEAR(engine->tensors[1].scales[3], 1.0, 0);

  m.tensors[1].quantized_dimension = 0; /* dimension 0 has 1 entry, not 4 */
  CHECK_LOAD(&m, TG_ERR_QUANT, "4 per-channel scales do not match dimension 0");

  tm_float_add_relu(&m);
  m.tensors[2].n_scales = 1;
  m.tensors[2].scales[0] = 1.0f;
  m.tensors[2].n_zero_points = 2;
  CHECK_LOAD(&m, TG_ERR_QUANT, "tensor 2 'sum': 1 scales but 2 zero points");

  tm_float_add_relu(&m);
  m.tensors[2].n_scales = m.tensors[2].n_zero_points = 1;
  m.tensors[2].scales[0] = 1.0f;
  m.tensors[2].zero_points[0] = (int64_t)1 << 40;
  CHECK_LOAD(&m, TG_ERR_QUANT, "does not fit in int32");
}

/* Per-channel zero points: one value serves every channel, so equal ones load and
 * differing ones are refused with the channel named. */
static void test_per_channel_zero_points(void) {
  tm_model m;
  tm_float_add_relu(&m);
  m.tensors[1].n_scales = m.tensors[1].n_zero_points = 4;
  for (int i = 0; i < 4; ++i) {
    m.tensors[1].scales[i] = 0.25f * (float)(i + 1);
    m.tensors[1].zero_points[i] = 5;
  }
  m.tensors[1].quantized_dimension = 1;
  TG_CHECK_EQ_INT(load(&m), TG_OK);
  TG_CHECK_EQ_INT(engine->tensors[1].zero_point, 5);
  m.tensors[1].zero_points[2] = 6;
  CHECK_LOAD(&m, TG_ERR_QUANT, "zero point of channel 2 is 6, channel 0 has 5");
}

static void test_dataflow(void) {
  tm_model m;
  tm_float_add_relu(&m);
  m.ops[0].inputs[0] = 3; /* reads the graph output before RELU writes it */
  CHECK_LOAD(&m, TG_ERR_MODEL_INVALID, "operator 0 reads tensor 3 before any operator writes it");

  tm_float_add_relu(&m);
  m.ops[1].outputs[0] = 2; /* written twice */
  m.ops[1].inputs[0] = 0;
  CHECK_LOAD(&m, TG_ERR_MODEL_INVALID, "operator 1 writes tensor 2, which is written by an earlier operator");

  tm_float_add_relu(&m);
  m.ops[1].outputs[0] = 1;
  m.outputs[0] = 2;
  CHECK_LOAD(&m, TG_ERR_MODEL_INVALID, "which is constant");
}

/* The fixed maxima of this build are refused with a message naming them. */
static void test_limits(void) {
  static tm_model m;
  tm_float_add_relu(&m);
  /* A chain of 129 RELUs: 128 operators is the limit. */
  m.n_ops = 129;
  m.n_tensors = 130;
  for (int i = 2; i < m.n_tensors; ++i) m.tensors[i] = m.tensors[2];
  m.ops[0].inputs[1] = 1;
  for (int i = 1; i < m.n_ops; ++i) {
    m.ops[i] = m.ops[1];
    m.ops[i].inputs[0] = i + 1;
    m.ops[i].outputs[0] = i + 2;
  }
  m.outputs[0] = m.n_tensors - 1;
  CHECK_LOAD(&m, TG_ERR_MODEL_INVALID, "130 tensors and 129 operators, this build allows 256 and 128");
  m.n_ops = 128; /* at the limit: loads */
  m.outputs[0] = 129;
  m.n_tensors = 130;
  TG_CHECK_EQ_INT(load(&m), TG_OK);
  TG_CHECK_EQ_INT(tg_engine_layer_count(engine), 128);

  tm_float_add_relu(&m);
  m.n_tensors = 257; /* unused extra tensors still count */
  for (int i = 4; i < m.n_tensors; ++i) m.tensors[i] = m.tensors[2];
  CHECK_LOAD(&m, TG_ERR_MODEL_INVALID, "257 tensors and 2 operators");

  tm_float_add_relu(&m);
  m.n_outputs = 9;
  for (int i = 0; i < 9; ++i) m.outputs[i] = 3;
  CHECK_LOAD(&m, TG_ERR_MODEL_INVALID, "graph outputs: 9 entries, this build allows 8");
}

static void test_operator_codes(void) {
  tm_model m;
  tm_float_add_relu(&m);
  /* Old files store the code in the int8 field only: max() of both is the operator. */
  m.opcodes[1].builtin = 0;
  m.opcodes[1].deprecated = 19;
  TG_CHECK_EQ_INT(load(&m), TG_OK);
  TG_CHECK_EQ_INT(engine->nodes[1].node.builtin, 19);
}

/* Truncations and single-byte corruptions: never an out-of-bounds read (ASan), and a
 * refused load always leaves a message. */
static void test_corruptions_are_safe(void) {
  tm_model m;
  tm_float_add_relu(&m);
  size_t size;
  const uint8_t *p = tm_build(&m, model_buf, sizeof model_buf, &size);
  int refused = 0, missing_message = 0, loaded = 0;
  for (size_t len = 0; len < size; ++len) {
    memcpy(copy, p, len);
    engine = tg_engine_init(arena, sizeof arena);
    if (tg_engine_load(engine, copy, len) != TG_OK) ++refused;
  }
  TG_CHECK_EQ_INT(refused, (long long)size); /* the constant data ends the file */
  static const uint8_t values[] = {0x00, 0x01, 0x7F, 0x80, 0xFF};
  for (size_t at = 0; at < size; ++at) {
    for (size_t v = 0; v < sizeof values; ++v) {
      memcpy(copy, p, size);
      if (copy[at] == values[v]) continue;
      copy[at] = values[v];
      engine = tg_engine_init(arena, sizeof arena);
      const tg_status s = tg_engine_load(engine, copy, size);
      if (s == TG_OK) {
        ++loaded;
        tg_tensor *in = tg_engine_input(engine, 0);
        memset(in->data, 0, (size_t)in->bytes);
        (void)tg_engine_invoke(engine, NULL);
      } else if (tg_engine_error(engine)[0] == '\0') {
        ++missing_message;
      }
    }
  }
  TG_CHECK_EQ_INT(missing_message, 0);
  TG_CHECK(loaded > 0); /* e.g. names and float data: harmless bytes exist */
  printf("     %zu bytes: %zu truncations refused; %d corruptions still loaded\n", size, size, loaded);
}

int main(void) {
  TG_RUN(test_valid_model_loads);
  TG_RUN(test_truncated);
  TG_RUN(test_identifier);
  TG_RUN(test_root_offset_out_of_range);
  TG_RUN(test_structure_errors);
  TG_RUN(test_tensor_errors);
  TG_RUN(test_external_buffers);
  TG_RUN(test_quantization);
  TG_RUN(test_per_channel_zero_points);
  TG_RUN(test_dataflow);
  TG_RUN(test_limits);
  TG_RUN(test_operator_codes);
  TG_RUN(test_corruptions_are_safe);
  return tg_test_summary("core/model");
}
