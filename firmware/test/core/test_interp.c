/* Interpreter: load, invoke, the profiler hooks, the arena figures, the messages of
 * every failure path (with the test operators of core_ops.c), and the formatter. */
#include <limits.h>
#include <string.h>

#include "tg_builder.h"
#include "tg_internal.h"
#include "tg_test.h"

static _Alignas(16) uint8_t arena[64 * 1024];
static _Alignas(16) uint8_t model_buf[8192];
static tg_engine *engine;
static const uint8_t *model;
static size_t model_size;

static tg_status load_in(const tm_model *m, size_t arena_bytes) {
  model = tm_build(m, model_buf, sizeof model_buf, &model_size);
  engine = tg_engine_init(arena, arena_bytes);
  if (engine == NULL) return TG_ERR_ARENA_TOO_SMALL;
  return tg_engine_load(engine, model, model_size);
}

static tg_status load(const tm_model *m) { return load_in(m, sizeof arena); }

static int starts(const char *prefix) { return strncmp(tg_engine_error(engine), prefix, strlen(prefix)) == 0; }

#define CHECK_PREFIX(prefix)                                                            \
  do {                                                                                  \
    if (!tg_test_report(starts(prefix), __FILE__, __LINE__, "message starts " prefix))  \
      printf("     message: %s\n", tg_engine_error(engine));                            \
  } while (0)

typedef struct {
  uint32_t clock;
  int markers[8];
  int n_markers;
  int32_t layers[4];
  uint32_t ticks[4];
  uint8_t paths[4];
  float seen[4][4]; /* output 0 of each layer, copied in layer_done */
  int n_layers;
} recorder;

static uint32_t fake_now(void *user) {
  recorder *r = user;
  const uint32_t t = r->clock;
  r->clock += 7u; /* crosses 2^32 during the run */
  return t;
}

static void fake_marker(void *user, int level) {
  recorder *r = user;
  if (r->n_markers < 8) r->markers[r->n_markers] = level;
  ++r->n_markers;
}

static void fake_layer_done(void *user, int32_t layer, uint32_t ticks, uint8_t path) {
  recorder *r = user;
  if (r->n_layers < 4) {
    r->layers[r->n_layers] = layer;
    r->ticks[r->n_layers] = ticks;
    r->paths[r->n_layers] = path;
    memcpy(r->seen[r->n_layers], tg_engine_layer_output(engine, layer)->data, 4 * sizeof(float));
  }
  ++r->n_layers;
}

static void test_invoke_and_profile(void) {
  tm_model m;
  tm_float_add_relu(&m);
  m.ops[0].options[0] = 1; /* fused RELU: the test ADD reports the opt path */
  TG_CHECK_EQ_INT(load(&m), TG_OK);
  TG_CHECK_EQ_INT(tg_engine_input_count(engine), 1);
  TG_CHECK_EQ_INT(tg_engine_output_count(engine), 1);
  TG_CHECK_EQ_INT(tg_engine_layer_count(engine), 2);
  TG_CHECK(strcmp(tg_engine_layer_op(engine, 0), "ADD") == 0);
  TG_CHECK(strcmp(tg_engine_layer_op(engine, 1), "RELU") == 0);
  TG_CHECK_EQ_INT(tg_engine_layer_path(engine, 0), TG_PATH_OPT);
  TG_CHECK_EQ_INT(tg_engine_layer_path(engine, 1), TG_PATH_REF);
  TG_CHECK(tg_engine_input(engine, 1) == NULL);
  TG_CHECK(tg_engine_output(engine, -1) == NULL);
  tg_tensor *in = tg_engine_input(engine, 0);
  const float x[4] = {1.0f, 1.0f, -3.0f, 0.0f}; /* + {0.5, -2, 1, -0.25} */
  memcpy(in->data, x, sizeof x);
  recorder r;
  memset(&r, 0, sizeof r);
  r.clock = 0xFFFFFFF0u;
  const tg_profiler prof = {&r, fake_now, fake_marker, fake_layer_done};
  TG_CHECK_EQ_INT(tg_engine_invoke(engine, &prof), TG_OK);
  const float *y = tg_engine_output(engine, 0)->data;
  const float want[4] = {1.5f, 0.0f, 0.0f, 0.0f};
  TG_CHECK_NEAR_ARRAY(y, want, 4, 0, 0);
  TG_CHECK_EQ_INT(r.n_layers, 2);
  TG_CHECK_EQ_INT(r.layers[0], 0);
  TG_CHECK_EQ_INT(r.layers[1], 1);
  TG_CHECK_EQ_INT(r.ticks[0], 7); /* 0xFFFFFFF7 - 0xFFFFFFF0 */
  TG_CHECK_EQ_INT(r.ticks[1], 7); /* 0x00000005 - 0xFFFFFFFE: across the wrap */
  TG_CHECK_EQ_INT(r.paths[0], TG_PATH_OPT);
  TG_CHECK_EQ_INT(r.n_markers, 4);
  const int levels[4] = {1, 0, 1, 0};
  TG_CHECK_EQ_ARRAY(r.markers, levels, 4);
  const float sum[4] = {1.5f, 0.0f, 0.0f, 0.0f}; /* the opt ADD clamps */
  TG_CHECK_NEAR_ARRAY(r.seen[0], sum, 4, 0, 0);
  /* Without a profiler, and with a profiler lacking hooks. The input shares bytes with
   * the output (their lifetimes do not overlap), so it is written before each invoke. */
  memcpy(in->data, x, sizeof x);
  TG_CHECK_EQ_INT(tg_engine_invoke(engine, NULL), TG_OK);
  TG_CHECK_NEAR_ARRAY(y, want, 4, 0, 0);
  TG_CHECK(in->data == y);
  memcpy(in->data, x, sizeof x);
  const tg_profiler empty = {NULL, NULL, NULL, NULL};
  TG_CHECK_EQ_INT(tg_engine_invoke(engine, &empty), TG_OK);
  TG_CHECK_NEAR_ARRAY(y, want, 4, 0, 0);
}

/* Plan of the test model: input [0,0], sum [0,1], ADD's scratch [0,0], output [1,1],
 * 16 bytes each -> input @0, sum @16, scratch @32, output @0: 48 bytes. */
static void test_arena_figures(void) {
  tm_model m;
  tm_float_add_relu(&m);
  TG_CHECK_EQ_INT(load(&m), TG_OK);
  TG_CHECK_EQ_INT(tg_engine_activation_bytes(engine), 48);
  const uint8_t *base = engine->arena + engine->activation_offset;
  TG_CHECK(engine->tensors[0].data == base);
  TG_CHECK(engine->tensors[2].data == base + 16);
  TG_CHECK(engine->tensors[3].data == base);
  TG_CHECK_EQ_INT(engine->nodes[0].scratch_offset, 32);
  TG_CHECK_EQ_INT(engine->nodes[0].scratch_bytes, 16);
  TG_CHECK_EQ_INT(engine->n_scratch, 1);
  TG_CHECK(tg_scratch(&engine->ctx, 0) == base + 32);
  TG_CHECK(tg_scratch(&engine->ctx, 1) == NULL); /* layer 0 asked for one buffer only */
  TG_CHECK(tg_scratch(&engine->ctx, 2) == NULL); /* RELU asked for none */
  TG_CHECK(tg_scratch(&engine->ctx, -1) == NULL);
  TG_CHECK(tg_scratch(&engine->ctx, 1000) == NULL);
  TG_CHECK_EQ_INT(engine->activation_offset % 16, 0);
  const size_t used = tg_engine_arena_used(engine);
  TG_CHECK(used >= engine->activation_offset + 48);
  TG_CHECK(used < 4096);
  /* Exactly `used` bytes load; every smaller arena is refused as too small. */
  TG_CHECK_EQ_INT(load_in(&m, used), TG_OK);
  int wrong = 0;
  for (size_t bytes = 0; bytes < used; bytes += 8) {
    const tg_status s = load_in(&m, bytes);
    if (s != TG_ERR_ARENA_TOO_SMALL) ++wrong;
  }
  TG_CHECK_EQ_INT(wrong, 0);
  TG_CHECK_EQ_INT(load_in(&m, used - 1), TG_ERR_ARENA_TOO_SMALL);
  TG_CHECK(tg_engine_init(arena, 16) == NULL);
  TG_CHECK(tg_engine_init(arena + 8, sizeof arena - 8) == NULL); /* not 16-byte aligned */
  TG_CHECK(tg_engine_init(NULL, 4096) == NULL);
}

static void test_state_and_args(void) {
  engine = tg_engine_init(arena, sizeof arena);
  TG_CHECK_EQ_INT(tg_engine_invoke(engine, NULL), TG_ERR_STATE);
  TG_CHECK(strstr(tg_engine_error(engine), "invoke without") != NULL);
  TG_CHECK_EQ_INT(tg_engine_load(NULL, model_buf, 8), TG_ERR_ARG);
  TG_CHECK_EQ_INT(tg_engine_invoke(NULL, NULL), TG_ERR_ARG);
  TG_CHECK_EQ_INT(tg_engine_load(engine, NULL, 8), TG_ERR_ARG);
  TG_CHECK_EQ_INT(tg_engine_load(engine, model_buf + 2, 8), TG_ERR_ARG);
  TG_CHECK_EQ_INT(tg_engine_invoke(engine, NULL), TG_ERR_STATE); /* failed load */
  TG_CHECK_EQ_INT(tg_engine_layer_count(engine), 0);
  TG_CHECK(tg_engine_input(engine, 0) == NULL);
  TG_CHECK(tg_engine_layer_output(engine, 0) == NULL);
  /* A successful reload after a failure. */
  tm_model m;
  tm_float_add_relu(&m);
  model = tm_build(&m, model_buf, sizeof model_buf, &model_size);
  TG_CHECK_EQ_INT(tg_engine_load(engine, model, model_size), TG_OK);
  TG_CHECK_EQ_INT(tg_engine_invoke(engine, NULL), TG_OK);
  TG_CHECK_EQ_INT(tg_engine_error(engine)[0], '\0');
}

static void test_unsupported_and_options(void) {
  tm_model m;
  tm_float_add_relu(&m);
  m.opcodes[1].builtin = 43; /* SQUEEZE */
  TG_CHECK_EQ_INT(load(&m), TG_ERR_UNSUPPORTED_OP);
  CHECK_PREFIX("layer 1: operator SQUEEZE (code 43) is not supported by this build");

  tm_float_add_relu(&m);
  m.opcodes[1].builtin = 32;
  m.opcodes[1].custom = "MyOp";
  TG_CHECK_EQ_INT(load(&m), TG_ERR_UNSUPPORTED_OP);
  CHECK_PREFIX("layer 1: CUSTOM: custom operator 'MyOp' (code 32) is not supported");

  tm_float_add_relu(&m);
  m.opcodes[1].builtin = 300;
  TG_CHECK_EQ_INT(load(&m), TG_ERR_UNSUPPORTED_OP);
  CHECK_PREFIX("layer 1: operator UNKNOWN (code 300)");

  tm_float_add_relu(&m);
  m.ops[0].options_type = 1; /* Conv2DOptions on an ADD */
  TG_CHECK_EQ_INT(load(&m), TG_ERR_OPTIONS);
  CHECK_PREFIX("layer 0: ADD: builtin options of union type 1, expected 11");

  tm_float_add_relu(&m);
  m.ops[0].options_type = 0; /* NONE: defaults */
  TG_CHECK_EQ_INT(load(&m), TG_OK);

  tm_float_add_relu(&m);
  m.ops[1].options_type = 11; /* RELU takes no options */
  TG_CHECK_EQ_INT(load(&m), TG_ERR_OPTIONS);
  CHECK_PREFIX("layer 1: RELU: builtin options of union type 11, expected 0");
}

static void test_prepare_and_eval_failures(void) {
  tm_model m;
  tm_float_add_relu(&m);
  m.opcodes[1].builtin = 18; /* test MUL: prepare fails with its own message */
  TG_CHECK_EQ_INT(load(&m), TG_ERR_SHAPE);
  CHECK_PREFIX("layer 1: MUL: input tensor 2 has a bad shape");

  tm_float_add_relu(&m);
  m.opcodes[1].builtin = 14; /* test LOGISTIC: fails silently, the core names it */
  TG_CHECK_EQ_INT(load(&m), TG_ERR_QUANT);
  CHECK_PREFIX("layer 1: LOGISTIC: prepare failed (TG_ERR_QUANT)");

  tm_float_add_relu(&m);
  m.opcodes[1].builtin = 28; /* test TANH: eval fails */
  TG_CHECK_EQ_INT(load(&m), TG_OK);
  recorder r;
  memset(&r, 0, sizeof r);
  const tg_profiler prof = {&r, fake_now, fake_marker, fake_layer_done};
  TG_CHECK_EQ_INT(tg_engine_invoke(engine, &prof), TG_ERR_STATE);
  CHECK_PREFIX("layer 1: TANH: eval refused");
  TG_CHECK_EQ_INT(r.n_layers, 1);  /* layer_done only for the layer that finished */
  TG_CHECK_EQ_INT(r.n_markers, 4); /* the marker still falls after the failing layer */

  tm_float_add_relu(&m);
  m.opcodes[1].builtin = 40; /* test MEAN: a second scratch buffer */
  TG_CHECK_EQ_INT(load(&m), TG_ERR_ARENA_TOO_SMALL);
  CHECK_PREFIX("layer 1: MEAN: more than one scratch buffer for one operator");

  tm_float_add_relu(&m);
  m.tensors[1].shape[1] = 3; /* test ADD's prepare: element counts differ */
  m.buffers[1].bytes = 12;
  TG_CHECK_EQ_INT(load(&m), TG_ERR_SHAPE);
  CHECK_PREFIX("layer 0: ADD: inputs of 4 and 3 elements");
}

static void test_hybrid_refused(void) {
  static const int8_t w[4] = {1, 2, 3, 4};
  tm_model m;
  tm_float_add_relu(&m);
  m.opcodes[0].builtin = 3; /* CONV_2D with float input and int8 weights */
  m.ops[0].options_type = 1;
  m.tensors[1].type = 9;
  m.tensors[1].name = "weights";
  m.buffers[1].data = w;
  m.buffers[1].bytes = 4;
  TG_CHECK_EQ_INT(load(&m), TG_ERR_HYBRID);
  CHECK_PREFIX("layer 0: CONV_2D: hybrid model: float32 input tensor 0 'input' with int8 weights tensor 1 'weights'");
}

static void test_status_names_and_format(void) {
  int distinct = 1;
  for (int a = 0; a <= TG_ERR_STATE; ++a) {
    if (strcmp(tg_status_name((tg_status)a), "TG_ERR_UNKNOWN") == 0) distinct = 0;
    for (int b = 0; b < a; ++b) {
      if (strcmp(tg_status_name((tg_status)a), tg_status_name((tg_status)b)) == 0) distinct = 0;
    }
  }
  TG_CHECK(distinct);
  TG_CHECK(strcmp(tg_status_name(TG_ERR_HYBRID), "TG_ERR_HYBRID") == 0);
  char out[64];
  tg_format(out, sizeof out, "%d|%i|%u|%x|%ld|%zu", INT_MIN, -7, 4000000000u, 255u, -5L, (size_t)12);
  TG_CHECK(strcmp(out, "-2147483648|-7|4000000000|ff|-5|12") == 0);
  tg_format(out, sizeof out, "'%.*s' %s %c %.3f %f %%", 3, "abcdef", "x", 'y', -1.0006, 0.25);
  TG_CHECK(strcmp(out, "'abc' x y -1.001 0.250000 %") == 0);
  const int n = tg_format(out, 8, "%s", "0123456789");
  TG_CHECK_EQ_INT(n, 7);
  TG_CHECK(strcmp(out, "0123456") == 0);
  tg_format(out, sizeof out, "%lld %llu", -9000000000LL, 18000000000ULL);
  TG_CHECK(strcmp(out, "-9000000000 18000000000") == 0);
  tg_format(out, sizeof out, "%q %", 1);
  TG_CHECK(strcmp(out, "%q ") == 0);
}

int main(void) {
  TG_RUN(test_invoke_and_profile);
  TG_RUN(test_arena_figures);
  TG_RUN(test_state_and_args);
  TG_RUN(test_unsupported_and_options);
  TG_RUN(test_prepare_and_eval_failures);
  TG_RUN(test_hybrid_refused);
  TG_RUN(test_status_names_and_format);
  return tg_test_summary("core/interp");
}
