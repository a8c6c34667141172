/* The interpreter: engine state in the caller's arena, load (read, prepare every
 * operator, plan), invoke with the profiler hooks, and the services operators get
 * through tg_ctx. Arena layout: [engine state | persistent data | activations]. */
#include <stdarg.h>
#include <string.h>

#include "tg_internal.h"

static size_t align_size(size_t v, size_t a) { return (v + (a - 1)) & ~(a - 1); }

void *tg_engine_alloc(tg_engine *e, size_t bytes, size_t align) {
  const size_t start = align_size(e->persistent_end, align < 8 ? 8 : align);
  if (start > e->arena_bytes || e->arena_bytes - start < bytes) return NULL;
  e->persistent_end = start + bytes;
  return e->arena + start;
}

/* One message buffer for the image, outside every arena (see tg_internal.h). */
static char tg_error_text[TG_ERROR_BYTES];

static const char *node_name(const tg_engine *e, int32_t layer) {
  const tg_node_rec *r = &e->nodes[layer];
  return r->op != NULL ? r->op->name : tg_builtin_name(r->node.builtin);
}

tg_status tg_engine_vfail(tg_engine *e, int32_t layer, tg_status s, const char *fmt, va_list ap) {
  int n = 0;
  if (layer >= 0 && layer < e->n_nodes && e->nodes != NULL) {
    n = tg_format(tg_error_text, sizeof tg_error_text, "layer %d: %s: ", (int)layer, node_name(e, layer));
  }
  tg_vformat(tg_error_text + n, sizeof tg_error_text - (size_t)n, fmt, ap);
  ++e->failures;
  return s;
}

tg_status tg_engine_fail(tg_engine *e, int32_t layer, tg_status s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  tg_engine_vfail(e, layer, s, fmt, ap);
  va_end(ap);
  return s;
}

/* ---- services for operators (tg_op.h) ---------------------------------------------- */

tg_status tg_fail(tg_ctx *ctx, tg_status status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  tg_engine_vfail(ctx->engine, ctx->layer, status, fmt, ap);
  va_end(ap);
  return status;
}

tg_tensor *tg_tensor_at(tg_ctx *ctx, int32_t index) {
  tg_engine *e = ctx->engine;
  return (index >= 0 && index < e->n_tensors) ? &e->tensors[index] : NULL;
}

void *tg_alloc_persistent(tg_ctx *ctx, size_t bytes) {
  tg_engine *e = ctx->engine;
  if (e->state != TG_STATE_EMPTY) return NULL; /* only while loading */
  return tg_engine_alloc(e, bytes, 8);
}

tg_status tg_request_scratch(tg_ctx *ctx, size_t bytes, int16_t *handle) {
  tg_engine *e = ctx->engine;
  if (handle == NULL || e->state != TG_STATE_EMPTY || ctx->layer < 0) return TG_ERR_STATE;
  tg_node_rec *r = &e->nodes[ctx->layer];
  if (r->node.scratch_index >= 0) {
    return tg_fail(ctx, TG_ERR_ARENA_TOO_SMALL, "more than one scratch buffer for one operator");
  }
  if (bytes > (size_t)INT32_MAX) {
    return tg_fail(ctx, TG_ERR_ARENA_TOO_SMALL, "scratch buffer of %lu bytes", (unsigned long)bytes);
  }
  r->scratch_bytes = (int32_t)bytes;
  r->node.scratch_index = (int16_t)ctx->layer; /* TG_MAX_OPERATORS fits int16 */
  ++e->n_scratch;
  *handle = r->node.scratch_index;
  return TG_OK;
}

void *tg_scratch(tg_ctx *ctx, int16_t handle) {
  tg_engine *e = ctx->engine;
  if (e->state != TG_STATE_LOADED || handle < 0 || handle >= e->n_nodes) return NULL;
  if (e->nodes[handle].node.scratch_index != handle) return NULL;
  return e->arena + e->activation_offset + e->nodes[handle].scratch_offset;
}

const tg_fb_table *tg_op_options(const tg_ctx *ctx) { return &ctx->options; }

/* ---- public API --------------------------------------------------------------------- */

tg_engine *tg_engine_init(uint8_t *arena, size_t arena_bytes) {
  const size_t state = align_size(sizeof(tg_engine), TG_ARENA_ALIGN);
  if (arena == NULL || ((uintptr_t)arena & (TG_ARENA_ALIGN - 1)) != 0 || arena_bytes < state) return NULL;
  tg_engine *e = (tg_engine *)(void *)arena;
  memset(e, 0, sizeof *e);
  e->arena = arena;
  e->arena_bytes = arena_bytes;
  e->persistent_end = state;
  e->ctx.engine = e;
  e->ctx.layer = -1;
  return e;
}

/* Float activations into a weights-carrying operator with int8 weights. */
static tg_status check_hybrid(tg_engine *e, int32_t layer) {
  const tg_node *n = &e->nodes[layer].node;
  if (n->builtin != 3 && n->builtin != 4 && n->builtin != 9) return TG_OK; /* CONV, DW, FC */
  if (n->n_inputs < 2 || n->inputs[0] < 0 || n->inputs[1] < 0) return TG_OK;
  const tg_tensor *in = &e->tensors[n->inputs[0]];
  const tg_tensor *w = &e->tensors[n->inputs[1]];
  if (in->type != TG_FLOAT32 || (w->type != TG_INT8 && w->type != TG_UINT8)) return TG_OK;
  const char *in_name, *w_name;
  int in_len, w_len;
  tg_tensor_name(e, n->inputs[0], &in_name, &in_len);
  tg_tensor_name(e, n->inputs[1], &w_name, &w_len);
  return tg_engine_fail(e, layer, TG_ERR_HYBRID,
                        "hybrid model: float32 input tensor %d '%.*s' with %s weights tensor %d "
                        "'%.*s' (dynamic-range quantization) is not supported; use full int8 "
                        "or float32 model",
                        (int)n->inputs[0], in_len, in_name, w->type == TG_INT8 ? "int8" : "uint8",
                        (int)n->inputs[1], w_len, w_name);
}

static tg_status prepare_layer(tg_engine *e, int32_t layer) {
  tg_node_rec *r = &e->nodes[layer];
  tg_status s = check_hybrid(e, layer);
  if (s != TG_OK) return s;
  r->op = tg_find_op(r->node.builtin);
  if (r->op == NULL) {
    if (r->node.builtin == 32) {
      const char *code;
      int len;
      tg_model_custom_code(e, layer, &code, &len);
      return tg_engine_fail(e, layer, TG_ERR_UNSUPPORTED_OP,
                            "custom operator '%.*s' (code 32) is not supported by this build", len, code);
    }
    /* No "layer N: OP:" prefix here: the message names the operator itself. */
    tg_format(tg_error_text, sizeof tg_error_text, "layer %d: operator %s (code %d) is not supported by this build",
              (int)layer, tg_builtin_name(r->node.builtin), (int)r->node.builtin);
    ++e->failures;
    return TG_ERR_UNSUPPORTED_OP;
  }
  /* The options table is read again from the model (the reader checked it): the arena
   * keeps no per-node copy, since only prepare reads options. */
  tg_fb_table options;
  uint8_t options_type;
  if (tg_model_options(e, layer, &options_type, &options) != TG_OK) {
    return tg_engine_fail(e, layer, TG_ERR_MODEL_TRUNCATED, "operator table outside the model");
  }
  const uint8_t expected = tg_builtin_options_type(r->node.builtin);
  if (options_type == 0) {
    options.table = 0; /* NONE: every option takes its schema default */
  } else if (options_type != expected) {
    return tg_engine_fail(e, layer, TG_ERR_OPTIONS, "builtin options of union type %u, expected %u",
                          (unsigned)options_type, (unsigned)expected);
  }
  e->ctx.options = options;
  r->node.kernel_path = TG_PATH_REF;
  e->ctx.layer = layer;
  const uint32_t before = e->failures;
  s = r->op->prepare(&e->ctx, &r->node);
  e->ctx.layer = -1;
  e->ctx.options = (tg_fb_table){e->model, e->model_bytes, 0};
  if (s != TG_OK) {
    if (e->failures == before) tg_engine_fail(e, layer, s, "prepare failed (%s)", tg_status_name(s));
    return s;
  }
  if (r->node.kernel_path > TG_PATH_OPT_FALLBACK) {
    return tg_engine_fail(e, layer, TG_ERR_STATE, "prepare set kernel path %u",
                          (unsigned)r->node.kernel_path);
  }
  return TG_OK;
}

tg_status tg_engine_load(tg_engine *e, const uint8_t *model, size_t model_bytes) {
  if (e == NULL) return TG_ERR_ARG;
  /* A reload starts from an empty persistent region: nothing of the old model survives. */
  e->persistent_end = align_size(sizeof(tg_engine), TG_ARENA_ALIGN);
  e->activation_offset = 0;
  e->activation_bytes = 0;
  e->load_peak = 0;
  e->state = TG_STATE_EMPTY;
  e->n_tensors = e->n_nodes = e->n_inputs = e->n_outputs = e->n_scratch = 0;
  e->tensors = NULL;
  e->nodes = NULL;
  e->inputs = e->outputs = NULL;
  tg_error_text[0] = '\0';
  e->ctx.layer = -1;
  if (model == NULL || ((uintptr_t)model & 3u) != 0) {
    e->state = TG_STATE_FAILED;
    return tg_engine_fail(e, -1, TG_ERR_ARG, "model pointer is NULL or not 4-byte aligned");
  }
  e->model = model;
  e->model_bytes = model_bytes;
  tg_status s = tg_model_read(e);
  for (int32_t i = 0; s == TG_OK && i < e->n_nodes; ++i) s = prepare_layer(e, i);
  if (s == TG_OK) s = tg_plan_model(e);
  e->state = s == TG_OK ? TG_STATE_LOADED : TG_STATE_FAILED;
  return s;
}

tg_status tg_engine_invoke(tg_engine *e, const tg_profiler *prof) {
  if (e == NULL) return TG_ERR_ARG;
  if (e->state != TG_STATE_LOADED) {
    return tg_engine_fail(e, -1, TG_ERR_STATE, "invoke without a successfully loaded model");
  }
  const int timed = prof != NULL && prof->now != NULL;
  for (int32_t i = 0; i < e->n_nodes; ++i) {
    const tg_node_rec *r = &e->nodes[i];
    e->ctx.layer = i;
    const uint32_t before = e->failures;
    /* One marker pulse per layer: rising edge before, falling edge after its eval. */
    if (prof != NULL && prof->marker != NULL) prof->marker(prof->user, 1);
    const uint32_t t0 = timed ? prof->now(prof->user) : 0u;
    const tg_status s = r->op->eval(&e->ctx, &r->node);
    const uint32_t t1 = timed ? prof->now(prof->user) : 0u;
    if (prof != NULL && prof->marker != NULL) prof->marker(prof->user, 0);
    if (s != TG_OK) {
      if (e->failures == before) tg_engine_fail(e, i, s, "eval failed (%s)", tg_status_name(s));
      e->ctx.layer = -1;
      return s;
    }
    /* Unsigned subtraction: correct across one wrap of the tick counter. */
    if (prof != NULL && prof->layer_done != NULL) {
      prof->layer_done(prof->user, i, t1 - t0, r->node.kernel_path);
    }
  }
  e->ctx.layer = -1;
  return TG_OK;
}

int32_t tg_engine_input_count(const tg_engine *e) {
  return (e != NULL && e->state == TG_STATE_LOADED) ? e->n_inputs : 0;
}

int32_t tg_engine_output_count(const tg_engine *e) {
  return (e != NULL && e->state == TG_STATE_LOADED) ? e->n_outputs : 0;
}

tg_tensor *tg_engine_input(tg_engine *e, int32_t i) {
  if (e == NULL || e->state != TG_STATE_LOADED || i < 0 || i >= e->n_inputs) return NULL;
  return &e->tensors[e->inputs[i]];
}

const tg_tensor *tg_engine_output(const tg_engine *e, int32_t i) {
  if (e == NULL || e->state != TG_STATE_LOADED || i < 0 || i >= e->n_outputs) return NULL;
  return &e->tensors[e->outputs[i]];
}

int32_t tg_engine_layer_count(const tg_engine *e) {
  return (e != NULL && e->state == TG_STATE_LOADED) ? e->n_nodes : 0;
}

const char *tg_engine_layer_op(const tg_engine *e, int32_t layer) {
  if (e == NULL || e->nodes == NULL || layer < 0 || layer >= e->n_nodes) return NULL;
  return node_name(e, layer);
}

uint8_t tg_engine_layer_path(const tg_engine *e, int32_t layer) {
  if (e == NULL || e->state != TG_STATE_LOADED || layer < 0 || layer >= e->n_nodes) return TG_PATH_REF;
  return e->nodes[layer].node.kernel_path;
}

const tg_tensor *tg_engine_layer_output(const tg_engine *e, int32_t layer) {
  if (e == NULL || e->state != TG_STATE_LOADED || layer < 0 || layer >= e->n_nodes) return NULL;
  return &e->tensors[e->nodes[layer].node.outputs[0]];
}

size_t tg_engine_arena_used(const tg_engine *e) {
  if (e == NULL) return 0;
  return e->state == TG_STATE_LOADED ? e->load_peak : e->persistent_end;
}

size_t tg_engine_activation_bytes(const tg_engine *e) {
  return (e != NULL && e->state == TG_STATE_LOADED) ? e->activation_bytes : 0;
}

const char *tg_engine_error(const tg_engine *e) { return e != NULL ? tg_error_text : "no engine"; }

#if TG_KERNELS_OPT
const char *tg_engine_kernel_set(void) { return "opt"; }
#else
const char *tg_engine_kernel_set(void) { return "ref"; }
#endif
