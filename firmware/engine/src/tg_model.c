/* Reader of subgraph 0 of a TFLite flatbuffer held in RAM: the model and subgraph
 * tables, operators, graph inputs/outputs and the dataflow checks (tensors: tg_tensor.c).
 * What the engine keeps (tensors, operator index lists) goes to the arena's persistent
 * region. Field numbers follow tensorflow/lite/schema/schema.fbs. */
#include <string.h>

#include "tg_internal.h"

/* Field ids of the schema tables the reader walks. */
enum { MODEL_VERSION = 0, MODEL_OPCODES = 1, MODEL_SUBGRAPHS = 2, MODEL_BUFFERS = 4 };
enum { OPCODE_DEPRECATED = 0, OPCODE_CUSTOM = 1, OPCODE_BUILTIN = 3 };
enum { SG_TENSORS = 0, SG_INPUTS = 1, SG_OUTPUTS = 2, SG_OPERATORS = 3 };
enum { TENSOR_NAME = 3 };
enum { OP_OPCODE = 0, OP_INPUTS = 1, OP_OUTPUTS = 2, OP_OPTIONS_TYPE = 3, OP_OPTIONS = 4 };


/* A [int] vector field of at most max entries, used in place: *out points into the
 * model (NULL and *n = 0 when absent). A misaligned vector is refused, as misaligned
 * constant data is: the converter aligns every vector. */
static tg_status index_vector(tg_engine *e, const tg_fb_table *t, int field, const int32_t **out,
                              int32_t max, int32_t *n, const char *what) {
  tg_fb_vec v;
  tg_status s = tg_fb_vector(t, field, 4, &v, NULL);
  if (s != TG_OK) return tg_engine_fail(e, -1, s, "%s: vector outside the model", what);
  if (v.count > (uint32_t)max) {
    return tg_engine_fail(e, -1, TG_ERR_MODEL_INVALID, "%s: %u entries, this build allows %d",
                          what, (unsigned)v.count, (int)max);
  }
  if (v.count > 0 && (v.pos & 3u) != 0) {
    return tg_engine_fail(e, -1, TG_ERR_MODEL_INVALID, "%s: vector at model offset %u is not 4-byte aligned",
                          what, (unsigned)v.pos);
  }
  *out = v.count > 0 ? (const int32_t *)(const void *)(e->model + v.pos) : NULL;
  *n = (int32_t)v.count;
  return TG_OK;
}

static tg_status read_operator(tg_engine *e, const tg_fb_table *root, const tg_fb_vec *opcodes,
                               const tg_fb_table *ot, int32_t index) {
  tg_node_rec *r = &e->nodes[index];
  memset(r, 0, sizeof *r);
  r->node.scratch_index = -1;
  uint32_t opcode_index;
  uint8_t opt_type;
  tg_fb_table options;
  if (tg_fb_get_u32(ot, OP_OPCODE, 0, &opcode_index) != TG_OK ||
      tg_fb_get_u8(ot, OP_OPTIONS_TYPE, 0, &opt_type) != TG_OK ||
      tg_fb_subtable(ot, OP_OPTIONS, &options) != TG_OK) {
    return tg_engine_fail(e, -1, TG_ERR_MODEL_TRUNCATED, "operator %d: fields outside the model",
                          (int)index);
  }
  tg_fb_table oc;
  int8_t dep;
  int32_t code;
  uint8_t depb;
  if (opcode_index >= opcodes->count) {
    return tg_engine_fail(e, -1, TG_ERR_MODEL_INVALID, "operator %d: opcode index %u of %u",
                          (int)index, (unsigned)opcode_index, (unsigned)opcodes->count);
  }
  if (tg_fb_vector_table(root, opcodes, opcode_index, &oc) != TG_OK ||
      tg_fb_get_u8(&oc, OPCODE_DEPRECATED, 0, &depb) != TG_OK ||
      tg_fb_get_i32(&oc, OPCODE_BUILTIN, 0, &code) != TG_OK) {
    return tg_engine_fail(e, -1, TG_ERR_MODEL_TRUNCATED,
                          "operator %d: operator code %u outside the model", (int)index,
                          (unsigned)opcode_index);
  }
  dep = (int8_t)depb;
  /* The schema keeps the old int8 code for compatibility: the real one is the larger. */
  if ((int32_t)dep > code) code = dep;
  if (code < 0 || code > INT16_MAX) {
    return tg_engine_fail(e, -1, TG_ERR_MODEL_INVALID, "operator %d: operator code %d is not a builtin operator",
                          (int)index, (int)code);
  }
  r->node.builtin = (int16_t)code;

  const int32_t *ins, *outs;
  int32_t n_in = 0, n_out = 0;
  char what[48];
  tg_format(what, sizeof what, "operator %d inputs", (int)index);
  tg_status s = index_vector(e, ot, OP_INPUTS, &ins, TG_MAX_OP_INPUTS, &n_in, what);
  if (s != TG_OK) return s;
  tg_format(what, sizeof what, "operator %d outputs", (int)index);
  s = index_vector(e, ot, OP_OUTPUTS, &outs, TG_MAX_OP_OUTPUTS, &n_out, what);
  if (s != TG_OK) return s;
  if (n_out == 0) {
    return tg_engine_fail(e, -1, TG_ERR_MODEL_INVALID, "operator %d: no outputs", (int)index);
  }
  for (int32_t i = 0; i < n_in; ++i) {
    if (ins[i] < -1 || ins[i] >= e->n_tensors) {
      return tg_engine_fail(e, -1, TG_ERR_MODEL_INVALID,
                            "operator %d: input %d is tensor %d of %d", (int)index, (int)i,
                            (int)ins[i], (int)e->n_tensors);
    }
  }
  for (int32_t i = 0; i < n_out; ++i) {
    if (outs[i] < 0 || outs[i] >= e->n_tensors) {
      return tg_engine_fail(e, -1, TG_ERR_MODEL_INVALID,
                            "operator %d: output %d is tensor %d of %d", (int)index, (int)i,
                            (int)outs[i], (int)e->n_tensors);
    }
  }
  r->node.n_inputs = (uint8_t)n_in;
  r->node.inputs = ins;
  r->node.n_outputs = (uint8_t)n_out;
  r->node.outputs = outs;
  return TG_OK;
}

/* Dataflow checks: every activation an operator reads was produced earlier (or is a
 * graph input), each tensor has one producer, constants are never written. */
static tg_status check_dataflow(tg_engine *e) {
  /* The writer table is temporary: it lives past the persistent region without claiming
   * it (the planner's scratch, later at the same place, is larger, so load_peak covers it). */
  const size_t start = (e->persistent_end + 7u) & ~(size_t)7u;
  const size_t bytes = (size_t)e->n_tensors * sizeof(int16_t);
  if (start > e->arena_bytes || e->arena_bytes - start < bytes) {
    return tg_engine_fail(e, -1, TG_ERR_ARENA_TOO_SMALL, "arena of %lu bytes: no room to check the dataflow",
                          (unsigned long)e->arena_bytes);
  }
  int16_t *writer = (int16_t *)(void *)(e->arena + start);
  for (int32_t t = 0; t < e->n_tensors; ++t) writer[t] = -2; /* -2: none, -1: graph input */
  for (int32_t i = 0; i < e->n_inputs; ++i) {
    const int32_t t = e->inputs[i];
    if (e->tensors[t].is_const) {
      return tg_engine_fail(e, -1, TG_ERR_MODEL_INVALID, "graph input %d is constant tensor %d",
                            (int)i, (int)t);
    }
    writer[t] = -1;
  }
  for (int32_t n = 0; n < e->n_nodes; ++n) {
    const tg_node *node = &e->nodes[n].node;
    for (int32_t i = 0; i < node->n_inputs; ++i) {
      const int32_t t = node->inputs[i];
      if (t < 0 || e->tensors[t].is_const) continue;
      if (writer[t] == -2) {
        return tg_engine_fail(e, -1, TG_ERR_MODEL_INVALID,
                              "operator %d reads tensor %d before any operator writes it",
                              (int)n, (int)t);
      }
    }
    for (int32_t i = 0; i < node->n_outputs; ++i) {
      const int32_t t = node->outputs[i];
      if (e->tensors[t].is_const || writer[t] != -2) {
        return tg_engine_fail(e, -1, TG_ERR_MODEL_INVALID,
                              "operator %d writes tensor %d, which is %s", (int)n, (int)t,
                              e->tensors[t].is_const ? "constant"
                              : writer[t] == -1      ? "a graph input"
                                                     : "written by an earlier operator");
      }
      writer[t] = (int16_t)n;
    }
  }
  for (int32_t i = 0; i < e->n_outputs; ++i) {
    if (writer[e->outputs[i]] == -2 && !e->tensors[e->outputs[i]].is_const) {
      return tg_engine_fail(e, -1, TG_ERR_MODEL_INVALID,
                            "graph output %d (tensor %d) is never written", (int)i,
                            (int)e->outputs[i]);
    }
  }
  return TG_OK;
}

static tg_status read_graph_io(tg_engine *e, const tg_fb_table *sg, int field, const int32_t **out,
                               int32_t *n, const char *what) {
  tg_status s = index_vector(e, sg, field, out, TG_MAX_GRAPH_IO, n, what);
  if (s != TG_OK) return s;
  if (*n == 0) return tg_engine_fail(e, -1, TG_ERR_MODEL_INVALID, "subgraph 0 has no %s", what);
  for (int32_t i = 0; i < *n; ++i) {
    if ((*out)[i] < 0 || (*out)[i] >= e->n_tensors) {
      return tg_engine_fail(e, -1, TG_ERR_MODEL_INVALID, "%s %d is tensor %d of %d", what,
                            (int)i, (int)(*out)[i], (int)e->n_tensors);
    }
  }
  return TG_OK;
}

/* Subgraph 0 and its tensors and operators vectors, from the model's root. */
static tg_status subgraph0(const uint8_t *model, size_t bytes, tg_fb_table *root, tg_fb_table *sg,
                           tg_fb_vec *tensors, tg_fb_vec *operators) {
  tg_fb_vec subgraphs;
  if (tg_fb_root(model, bytes, root) != TG_OK ||
      tg_fb_vector(root, MODEL_SUBGRAPHS, 4, &subgraphs, NULL) != TG_OK || subgraphs.count == 0 ||
      tg_fb_vector_table(root, &subgraphs, 0, sg) != TG_OK ||
      tg_fb_vector(sg, SG_TENSORS, 4, tensors, NULL) != TG_OK ||
      tg_fb_vector(sg, SG_OPERATORS, 4, operators, NULL) != TG_OK) {
    return TG_ERR_MODEL_TRUNCATED;
  }
  return TG_OK;
}

tg_status tg_model_options(const tg_engine *e, int32_t index, uint8_t *type, tg_fb_table *options) {
  tg_fb_table root, sg, ot;
  tg_fb_vec tensors, operators;
  tg_status s = subgraph0(e->model, e->model_bytes, &root, &sg, &tensors, &operators);
  if (s != TG_OK) return s;
  if (index < 0 || (uint32_t)index >= operators.count) return TG_ERR_ARG;
  if ((s = tg_fb_vector_table(&sg, &operators, (uint32_t)index, &ot)) != TG_OK) return s;
  if ((s = tg_fb_get_u8(&ot, OP_OPTIONS_TYPE, 0, type)) != TG_OK) return s;
  return tg_fb_subtable(&ot, OP_OPTIONS, options);
}

void tg_model_custom_code(const tg_engine *e, int32_t index, const char **code, int *len) {
  *code = "";
  *len = 0;
  tg_fb_table root, sg, ot, oc;
  tg_fb_vec tensors, operators, opcodes, cc;
  uint32_t opcode_index;
  if (subgraph0(e->model, e->model_bytes, &root, &sg, &tensors, &operators) != TG_OK || index < 0 ||
      (uint32_t)index >= operators.count || tg_fb_vector_table(&sg, &operators, (uint32_t)index, &ot) != TG_OK ||
      tg_fb_get_u32(&ot, OP_OPCODE, 0, &opcode_index) != TG_OK ||
      tg_fb_vector(&root, MODEL_OPCODES, 4, &opcodes, NULL) != TG_OK || opcode_index >= opcodes.count ||
      tg_fb_vector_table(&root, &opcodes, opcode_index, &oc) != TG_OK ||
      tg_fb_vector(&oc, OPCODE_CUSTOM, 1, &cc, NULL) != TG_OK) {
    return;
  }
  *code = (const char *)(e->model + cc.pos);
  *len = cc.count > 48 ? 48 : (int)cc.count;
}

void tg_tensor_name(const tg_engine *e, int32_t index, const char **name, int *len) {
  *name = "?";
  *len = 1;
  tg_fb_table root, sg, tt;
  tg_fb_vec tensors, operators, v;
  if (e->model == NULL || index < 0 ||
      subgraph0(e->model, e->model_bytes, &root, &sg, &tensors, &operators) != TG_OK ||
      (uint32_t)index >= tensors.count || tg_fb_vector_table(&sg, &tensors, (uint32_t)index, &tt) != TG_OK ||
      tg_fb_vector(&tt, TENSOR_NAME, 1, &v, NULL) != TG_OK || v.count == 0) {
    return;
  }
  *name = (const char *)(e->model + v.pos);
  *len = v.count > 64 ? 64 : (int)v.count;
}

tg_status tg_model_read(tg_engine *e) {
  if (e->model_bytes < 8) {
    return tg_engine_fail(e, -1, TG_ERR_MODEL_TRUNCATED,
                          "model: %lu bytes, too short for a flatbuffer", (unsigned long)e->model_bytes);
  }
  const uint8_t *id = e->model + 4;
  if (id[0] != 'T' || id[1] != 'F' || id[2] != 'L' || id[3] != '3') {
    return tg_engine_fail(e, -1, TG_ERR_MODEL_IDENTIFIER,
                          "model: file identifier is not \"TFL3\" (not a TFLite flatbuffer)");
  }
  tg_fb_table root, sg;
  tg_fb_vec opcodes, subgraphs, buffers, tensors, operators;
  uint32_t version;
  if (tg_fb_root(e->model, e->model_bytes, &root) != TG_OK ||
      tg_fb_get_u32(&root, MODEL_VERSION, 0, &version) != TG_OK ||
      tg_fb_vector(&root, MODEL_OPCODES, 4, &opcodes, NULL) != TG_OK ||
      tg_fb_vector(&root, MODEL_SUBGRAPHS, 4, &subgraphs, NULL) != TG_OK ||
      tg_fb_vector(&root, MODEL_BUFFERS, 4, &buffers, NULL) != TG_OK) {
    return tg_engine_fail(e, -1, TG_ERR_MODEL_TRUNCATED,
                          "model: root table or its vectors lie outside the %lu bytes",
                          (unsigned long)e->model_bytes);
  }
  if (version != TG_SCHEMA_VERSION) {
    return tg_engine_fail(e, -1, TG_ERR_MODEL_INVALID, "model: schema version %u, expected %d",
                          (unsigned)version, TG_SCHEMA_VERSION);
  }
  if (subgraphs.count == 0) return tg_engine_fail(e, -1, TG_ERR_MODEL_INVALID, "model: no subgraph");
  if (tg_fb_vector_table(&root, &subgraphs, 0, &sg) != TG_OK ||
      tg_fb_vector(&sg, SG_TENSORS, 4, &tensors, NULL) != TG_OK ||
      tg_fb_vector(&sg, SG_OPERATORS, 4, &operators, NULL) != TG_OK) {
    return tg_engine_fail(e, -1, TG_ERR_MODEL_TRUNCATED, "subgraph 0 lies outside the model");
  }
  if (operators.count == 0 || tensors.count == 0) {
    return tg_engine_fail(e, -1, TG_ERR_MODEL_INVALID, "subgraph 0 has no %s",
                          operators.count == 0 ? "operators" : "tensors");
  }
  if (tensors.count > TG_MAX_TENSORS || operators.count > TG_MAX_OPERATORS) {
    return tg_engine_fail(e, -1, TG_ERR_MODEL_INVALID,
                          "subgraph 0: %u tensors and %u operators, this build allows %d and %d",
                          (unsigned)tensors.count, (unsigned)operators.count, TG_MAX_TENSORS,
                          TG_MAX_OPERATORS);
  }
  e->n_tensors = (int32_t)tensors.count;
  e->n_nodes = (int32_t)operators.count;
  e->tensors = tg_engine_alloc(e, (size_t)e->n_tensors * sizeof(tg_tensor), 4);
  e->nodes = tg_engine_alloc(e, (size_t)e->n_nodes * sizeof(tg_node_rec), 4);
  if (e->tensors == NULL || e->nodes == NULL) {
    return tg_engine_fail(e, -1, TG_ERR_ARENA_TOO_SMALL,
                          "arena of %lu bytes cannot hold %d tensors and %d operators",
                          (unsigned long)e->arena_bytes, (int)e->n_tensors, (int)e->n_nodes);
  }
  /* Zeroed up front: after a failure part-way, messages and getters may look at any record. */
  memset(e->tensors, 0, (size_t)e->n_tensors * sizeof(tg_tensor));
  memset(e->nodes, 0, (size_t)e->n_nodes * sizeof(tg_node_rec));
  for (int32_t i = 0; i < e->n_tensors; ++i) {
    tg_fb_table tt;
    if (tg_fb_vector_table(&sg, &tensors, (uint32_t)i, &tt) != TG_OK) {
      return tg_engine_fail(e, -1, TG_ERR_MODEL_TRUNCATED, "tensor %d lies outside the model", (int)i);
    }
    const tg_status s = tg_tensor_read(e, &root, &buffers, &tt, i);
    if (s != TG_OK) return s;
  }
  tg_status s = read_graph_io(e, &sg, SG_INPUTS, &e->inputs, &e->n_inputs, "graph inputs");
  if (s != TG_OK) return s;
  s = read_graph_io(e, &sg, SG_OUTPUTS, &e->outputs, &e->n_outputs, "graph outputs");
  if (s != TG_OK) return s;
  for (int32_t i = 0; i < e->n_nodes; ++i) {
    tg_fb_table ot;
    if (tg_fb_vector_table(&sg, &operators, (uint32_t)i, &ot) != TG_OK) {
      return tg_engine_fail(e, -1, TG_ERR_MODEL_TRUNCATED, "operator %d lies outside the model", (int)i);
    }
    s = read_operator(e, &root, &opcodes, &ot, i);
    if (s != TG_OK) return s;
  }
  return check_dataflow(e);
}
