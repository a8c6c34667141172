/* Test-only flatbuffer and TFLite model builder (see tg_builder.h). */
#include "tg_builder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t ref_of(const fbb *b) { return b->cap - b->head; }

static void need(fbb *b, uint32_t n) {
  if (b->head < n) {
    fprintf(stderr, "fbb: test buffer of %u bytes too small\n", (unsigned)b->cap);
    exit(3);
  }
}

static void pad(fbb *b, uint32_t n) {
  need(b, n);
  b->head -= n;
  memset(b->buf + b->head, 0, n);
}

/* Pads so that after pushing `then` more bytes the reference is a multiple of a. */
static void align_for(fbb *b, uint32_t then, uint32_t a) {
  while ((ref_of(b) + then) % a != 0) pad(b, 1);
}

static void push(fbb *b, const void *p, uint32_t n) {
  need(b, n);
  b->head -= n;
  memcpy(b->buf + b->head, p, n);
}

static void push_le(fbb *b, uint64_t v, uint32_t n) {
  uint8_t tmp[8];
  for (uint32_t i = 0; i < n; ++i) tmp[i] = (uint8_t)(v >> (8 * i));
  push(b, tmp, n);
}

void fbb_init(fbb *b, uint8_t *buf, uint32_t cap) {
  b->buf = buf;
  b->cap = cap;
  b->head = cap;
}

uint32_t fbb_vec(fbb *b, const void *elems, uint32_t n, uint32_t esize) {
  align_for(b, n * esize, esize > 4 ? esize : 4);
  push(b, elems, n * esize);
  push_le(b, n, 4);
  return ref_of(b);
}

uint32_t fbb_string(fbb *b, const char *s) {
  const uint32_t n = (uint32_t)strlen(s);
  align_for(b, n + 1, 4);
  pad(b, 1);
  push(b, s, n);
  push_le(b, n, 4);
  return ref_of(b);
}

uint32_t fbb_vec_refs(fbb *b, const uint32_t *refs, uint32_t n) {
  align_for(b, 4 * n, 4);
  for (uint32_t i = n; i-- > 0;) push_le(b, ref_of(b) + 4 - refs[i], 4);
  push_le(b, n, 4);
  return ref_of(b);
}

uint32_t fbb_table(fbb *b, const fbf *fields, int n) {
  uint32_t fref[32];
  align_for(b, 0, 8);
  const uint32_t start = ref_of(b);
  for (int i = n - 1; i >= 0; --i) {
    fref[i] = 0;
    if (fields[i].kind == 0) continue;
    const uint32_t sz = fields[i].kind == 2 ? 4 : fields[i].size;
    align_for(b, sz, sz);
    if (fields[i].kind == 2) push_le(b, ref_of(b) + 4 - (uint32_t)fields[i].val, 4);
    else push_le(b, fields[i].val, sz);
    fref[i] = ref_of(b);
  }
  align_for(b, 4, 4);
  push_le(b, 0, 4); /* soffset, patched below */
  const uint32_t table = ref_of(b);
  for (int i = n - 1; i >= 0; --i) push_le(b, fref[i] != 0 ? table - fref[i] : 0, 2);
  push_le(b, table - start, 2);
  push_le(b, 4u + 2u * (uint32_t)n, 2);
  const uint32_t vt = ref_of(b);
  const int32_t soff = (int32_t)(vt - table);
  memcpy(b->buf + (b->cap - table), &soff, 4);
  return table;
}

uint8_t *fbb_finish(fbb *b, uint32_t root, const char *ident, size_t *size) {
  align_for(b, 8, 16);
  push(b, ident, 4);
  push_le(b, ref_of(b) + 4 - root, 4);
  *size = b->cap - b->head;
  return b->buf + b->head;
}

uint8_t *tm_build(const tm_model *m, uint8_t *out, uint32_t cap, size_t *size) {
  fbb b;
  fbb_init(&b, out, cap);
  uint32_t refs[TM_MAX_TENSORS];
  /* buffers */
  for (int i = 0; i < m->n_buffers; ++i) {
    const tm_buffer *bf = &m->buffers[i];
    fbf f[3] = {FBF_NONE, FBF_NONE, FBF_NONE};
    if (bf->bytes > 0) {
      /* force_align 16 as the converter does */
      align_for(&b, bf->bytes, 16);
      push(&b, bf->data, bf->bytes);
      push_le(&b, bf->bytes, 4);
      f[0] = (fbf)FBF_OFF(ref_of(&b));
    }
    if (bf->ext_size > 0) {
      f[1] = (fbf)FBF_U64(bf->ext_offset);
      f[2] = (fbf)FBF_U64(bf->ext_size);
    }
    refs[i] = fbb_table(&b, f, 3);
  }
  const uint32_t buffers = fbb_vec_refs(&b, refs, (uint32_t)m->n_buffers);
  /* opcodes */
  for (int i = 0; i < m->n_opcodes; ++i) {
    const tm_opcode *oc = &m->opcodes[i];
    const uint32_t custom = oc->custom != NULL ? fbb_string(&b, oc->custom) : 0;
    fbf f[4] = {FBF_U8((uint8_t)oc->deprecated), FBF_NONE, FBF_I32(1), FBF_I32(oc->builtin)};
    if (custom != 0) f[1] = (fbf)FBF_OFF(custom);
    refs[i] = fbb_table(&b, f, 4);
  }
  const uint32_t opcodes = fbb_vec_refs(&b, refs, (uint32_t)m->n_opcodes);
  /* tensors */
  for (int i = 0; i < m->n_tensors; ++i) {
    const tm_tensor *t = &m->tensors[i];
    const uint32_t shape = fbb_vec(&b, t->shape, (uint32_t)t->ndims, 4);
    const uint32_t name = fbb_string(&b, t->name != NULL ? t->name : "");
    uint32_t quant = 0;
    if (t->n_scales > 0 || t->n_zero_points > 0) {
      const uint32_t sc = fbb_vec(&b, t->scales, (uint32_t)t->n_scales, 4);
      const uint32_t zp = fbb_vec(&b, t->zero_points, (uint32_t)t->n_zero_points, 8);
      fbf q[7] = {FBF_NONE, FBF_NONE, FBF_OFF(sc), FBF_OFF(zp), FBF_NONE, FBF_NONE,
                  FBF_I32(t->quantized_dimension)};
      quant = fbb_table(&b, q, 7);
    }
    fbf f[6] = {FBF_OFF(shape), FBF_U8(t->type), FBF_I32(t->buffer), FBF_OFF(name), FBF_NONE,
                FBF_U8(t->is_variable)};
    if (quant != 0) f[4] = (fbf)FBF_OFF(quant);
    refs[i] = fbb_table(&b, f, 6);
  }
  const uint32_t tensors = fbb_vec_refs(&b, refs, (uint32_t)m->n_tensors);
  /* operators */
  for (int i = 0; i < m->n_ops; ++i) {
    const tm_op *op = &m->ops[i];
    const uint32_t in = fbb_vec(&b, op->inputs, (uint32_t)op->n_inputs, 4);
    const uint32_t outv = fbb_vec(&b, op->outputs, (uint32_t)op->n_outputs, 4);
    uint32_t opts = 0;
    if (op->n_options > 0) {
      fbf of[4];
      for (int k = 0; k < op->n_options; ++k) of[k] = (fbf)FBF_I32(op->options[k]);
      opts = fbb_table(&b, of, op->n_options);
    }
    fbf f[5] = {FBF_I32(op->opcode_index), FBF_OFF(in), FBF_OFF(outv), FBF_U8(op->options_type), FBF_NONE};
    if (opts != 0) f[4] = (fbf)FBF_OFF(opts);
    refs[i] = fbb_table(&b, f, 5);
  }
  const uint32_t operators = fbb_vec_refs(&b, refs, (uint32_t)m->n_ops);
  const uint32_t gin = fbb_vec(&b, m->inputs, (uint32_t)m->n_inputs, 4);
  const uint32_t gout = fbb_vec(&b, m->outputs, (uint32_t)m->n_outputs, 4);
  const uint32_t sgname = fbb_string(&b, "main");
  fbf sgf[5] = {FBF_OFF(tensors), FBF_OFF(gin), FBF_OFF(gout), FBF_OFF(operators), FBF_OFF(sgname)};
  const uint32_t sg = fbb_table(&b, sgf, 5);
  const uint32_t subgraphs = fbb_vec_refs(&b, &sg, (uint32_t)m->n_subgraphs);
  const uint32_t desc = fbb_string(&b, "tinyml-gate core test");
  fbf mf[5] = {FBF_I32(m->version), FBF_OFF(opcodes), FBF_OFF(subgraphs), FBF_OFF(desc), FBF_OFF(buffers)};
  const uint32_t root = fbb_table(&b, mf, 5);
  return fbb_finish(&b, root, "TFL3", size);
}

static const float kConst[4] = {0.5f, -2.0f, 1.0f, -0.25f};

void tm_float_add_relu(tm_model *m) {
  memset(m, 0, sizeof *m);
  m->version = 3;
  m->n_subgraphs = 1;
  m->n_opcodes = 2;
  m->opcodes[0].builtin = 0;  /* ADD */
  m->opcodes[1].builtin = 19; /* RELU */
  m->n_buffers = 2;           /* buffer 0: the empty sentinel */
  m->buffers[1].data = kConst;
  m->buffers[1].bytes = sizeof kConst;
  m->n_tensors = 4;
  const char *names[4] = {"input", "bias", "sum", "output"};
  for (int i = 0; i < 4; ++i) {
    m->tensors[i].ndims = 2;
    m->tensors[i].shape[0] = 1;
    m->tensors[i].shape[1] = 4;
    m->tensors[i].type = 0; /* FLOAT32 */
    m->tensors[i].name = names[i];
  }
  m->tensors[1].buffer = 1;
  m->n_ops = 2;
  m->ops[0] = (tm_op){.opcode_index = 0, .inputs = {0, 1}, .n_inputs = 2, .outputs = {2}, .n_outputs = 1,
                      .options_type = 11, .n_options = 1, .options = {0}};
  m->ops[1] = (tm_op){.opcode_index = 1, .inputs = {2}, .n_inputs = 1, .outputs = {3}, .n_outputs = 1};
  m->n_inputs = 1;
  m->inputs[0] = 0;
  m->n_outputs = 1;
  m->outputs[0] = 3;
}
