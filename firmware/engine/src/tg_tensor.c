/* Reader of one tensor of subgraph 0: shape, type, constant data (inline or stored
 * after the flatbuffer) and quantization parameters. The record points into the model
 * (shape, scales, data) instead of copying: the arena keeps 32 bytes per tensor. Field numbers follow tensorflow/lite/schema/schema.fbs. */
#include <string.h>

#include "tg_internal.h"

enum {
  TENSOR_SHAPE = 0,
  TENSOR_TYPE = 1,
  TENSOR_BUFFER = 2,
  TENSOR_NAME = 3,
  TENSOR_QUANT = 4,
  TENSOR_VARIABLE = 5,
  TENSOR_SPARSITY = 6
};
enum { QUANT_SCALE = 2, QUANT_ZERO_POINT = 3, QUANT_DETAILS_TYPE = 4, QUANT_DIM = 6 };
enum { BUFFER_DATA = 0, BUFFER_OFFSET = 1, BUFFER_SIZE = 2 };

static int32_t type_size(uint8_t type) {
  switch (type) {
    case TG_FLOAT32:
    case TG_INT32: return 4;
    case TG_UINT8:
    case TG_BOOL:
    case TG_INT8: return 1;
    case TG_INT16: return 2;
    case TG_INT64: return 8;
    default: return 0; /* a schema type this engine does not handle */
  }
}

static tg_status read_quant(tg_engine *e, int32_t index, const tg_fb_table *q, tg_tensor *t) {
  const char *name;
  int nlen;
  tg_tensor_name(e, index, &name, &nlen);
  tg_fb_vec scales, zps;
  uint8_t has_zp, details;
  int32_t qdim;
  if (tg_fb_vector(q, QUANT_SCALE, 4, &scales, NULL) != TG_OK ||
      tg_fb_vector(q, QUANT_ZERO_POINT, 8, &zps, &has_zp) != TG_OK ||
      tg_fb_get_u8(q, QUANT_DETAILS_TYPE, 0, &details) != TG_OK ||
      tg_fb_get_i32(q, QUANT_DIM, 0, &qdim) != TG_OK) {
    return tg_engine_fail(e, -1, TG_ERR_MODEL_TRUNCATED,
                          "tensor %d '%.*s': quantization parameters outside the model",
                          (int)index, nlen, name);
  }
  if (details != 0) {
    return tg_engine_fail(e, -1, TG_ERR_QUANT,
                          "tensor %d '%.*s': custom quantization details are not supported",
                          (int)index, nlen, name);
  }
  if (scales.count == 0) return TG_OK; /* min/max only (float models): not quantized */
  if (has_zp && zps.count != scales.count) {
    return tg_engine_fail(e, -1, TG_ERR_QUANT,
                          "tensor %d '%.*s': %u scales but %u zero points", (int)index, nlen,
                          name, (unsigned)scales.count, (unsigned)zps.count);
  }
  if (scales.count > 1) {
    if (qdim < 0 || qdim >= t->ndims || (uint32_t)t->dims[qdim] != scales.count) {
      return tg_engine_fail(e, -1, TG_ERR_QUANT,
                            "tensor %d '%.*s': %u per-channel scales do not match dimension %d "
                            "of a rank-%d tensor",
                            (int)index, nlen, name, (unsigned)scales.count, (int)qdim,
                            (int)t->ndims);
    }
  }
  if (scales.count > UINT16_MAX) {
    return tg_engine_fail(e, -1, TG_ERR_QUANT, "tensor %d '%.*s': %u scales, this build allows %u",
                          (int)index, nlen, name, (unsigned)scales.count, (unsigned)UINT16_MAX);
  }
  /* Scales stay in the model when aligned (as constant data does: the target is
   * little-endian and the model outlives the engine's use of it); otherwise they are
   * copied. Zero points are int64 in the file; one int32 is kept, which every channel
   * must share (int8 kernels take one zero point per tensor; weights have 0). */
  const uint8_t *scale_bytes = q->buf + scales.pos;
  const int in_place = ((uintptr_t)scale_bytes & 3u) == 0;
  float *copy = in_place ? NULL : tg_engine_alloc(e, (size_t)scales.count * sizeof(float), 4);
  if (!in_place && copy == NULL) {
    return tg_engine_fail(e, -1, TG_ERR_ARENA_TOO_SMALL,
                          "tensor %d '%.*s': no arena left for %u quantization scales",
                          (int)index, nlen, name, (unsigned)scales.count);
  }
  int32_t zero_point = 0;
  for (uint32_t i = 0; i < scales.count; ++i) {
    const uint32_t bits = tg_fb_read_u32(scale_bytes + 4u * i);
    float f;
    memcpy(&f, &bits, sizeof bits);
    if (!(f == f) || f > 3.0e38f || f < -3.0e38f) {
      return tg_engine_fail(e, -1, TG_ERR_QUANT, "tensor %d '%.*s': scale %u is not finite",
                            (int)index, nlen, name, (unsigned)i);
    }
    if (copy != NULL) copy[i] = f;
    int64_t z = 0;
    if (has_zp) {
      const uint8_t *p = q->buf + zps.pos + 8u * i;
      z = (int64_t)((uint64_t)tg_fb_read_u32(p) | ((uint64_t)tg_fb_read_u32(p + 4) << 32));
    }
    if (z < INT32_MIN || z > INT32_MAX) {
      return tg_engine_fail(e, -1, TG_ERR_QUANT,
                            "tensor %d '%.*s': zero point %u does not fit in int32", (int)index,
                            nlen, name, (unsigned)i);
    }
    if (i == 0) {
      zero_point = (int32_t)z;
    } else if (z != zero_point) {
      return tg_engine_fail(e, -1, TG_ERR_QUANT,
                            "tensor %d '%.*s': zero point of channel %u is %ld, channel 0 has %ld; "
                            "per-channel zero points that differ are not supported",
                            (int)index, nlen, name, (unsigned)i, (long)z, (long)zero_point);
    }
  }
  t->n_scales = (uint16_t)scales.count;
  t->scales = in_place ? (const float *)(const void *)scale_bytes : copy;
  t->zero_point = zero_point;
  t->quantized_dimension = (int8_t)qdim;
  return TG_OK;
}

/* Constant data of buffer b, inline ([ubyte] data) or stored after the flatbuffer
 * (offset/size, relative to the model start). *data = NULL for an empty buffer. */
static tg_status buffer_data(tg_engine *e, const tg_fb_table *root, const tg_fb_vec *buffers,
                             uint32_t b, const uint8_t **data, uint64_t *bytes) {
  *data = NULL;
  *bytes = 0;
  tg_fb_table buf;
  tg_fb_vec v;
  uint64_t off, size;
  if (tg_fb_vector_table(root, buffers, b, &buf) != TG_OK ||
      tg_fb_vector(&buf, BUFFER_DATA, 1, &v, NULL) != TG_OK ||
      tg_fb_get_u64(&buf, BUFFER_OFFSET, 0, &off) != TG_OK ||
      tg_fb_get_u64(&buf, BUFFER_SIZE, 0, &size) != TG_OK) {
    return TG_ERR_MODEL_TRUNCATED;
  }
  if (v.count > 0) {
    *data = e->model + v.pos;
    *bytes = v.count;
  } else if (off > 1 && size > 0) { /* offset 1 is the converter's "no data" placeholder */
    if (off > e->model_bytes || size > e->model_bytes - off) return TG_ERR_MODEL_TRUNCATED;
    *data = e->model + off;
    *bytes = size;
  }
  return TG_OK;
}

tg_status tg_tensor_read(tg_engine *e, const tg_fb_table *root, const tg_fb_vec *buffers,
                             const tg_fb_table *tt, int32_t index) {
  tg_tensor *t = &e->tensors[index];
  memset(t, 0, sizeof *t);
  const char *nm;
  int nlen;
  tg_tensor_name(e, index, &nm, &nlen);

  static const int32_t no_dims[1] = {0}; /* a rank-0 tensor's dims */
  int32_t ndims = 0;
  tg_fb_vec shape;
  if (tg_fb_vector(tt, TENSOR_SHAPE, 4, &shape, NULL) != TG_OK) {
    return tg_engine_fail(e, -1, TG_ERR_MODEL_TRUNCATED, "tensor %d '%.*s': shape outside the model",
                          (int)index, nlen, nm);
  }
  if (shape.count > TG_MAX_DIMS) {
    return tg_engine_fail(e, -1, TG_ERR_SHAPE, "tensor %d '%.*s': rank %u, this build allows %d",
                          (int)index, nlen, nm, (unsigned)shape.count, TG_MAX_DIMS);
  }
  if (shape.count > 0 && (shape.pos & 3u) != 0) {
    return tg_engine_fail(e, -1, TG_ERR_MODEL_INVALID,
                          "tensor %d '%.*s': shape at model offset %u is not 4-byte aligned", (int)index,
                          nlen, nm, (unsigned)shape.pos);
  }
  /* The shape is used in place (the model outlives the engine's use of it). */
  const int32_t *dims = shape.count > 0 ? (const int32_t *)(const void *)(tt->buf + shape.pos) : no_dims;
  ndims = (int32_t)shape.count;

  uint8_t type, variable;
  uint32_t buffer;
  tg_fb_table sparsity, quant;
  if (tg_fb_get_u8(tt, TENSOR_TYPE, 0, &type) != TG_OK ||
      tg_fb_get_u32(tt, TENSOR_BUFFER, 0, &buffer) != TG_OK ||
      tg_fb_get_u8(tt, TENSOR_VARIABLE, 0, &variable) != TG_OK ||
      tg_fb_subtable(tt, TENSOR_SPARSITY, &sparsity) != TG_OK ||
      tg_fb_subtable(tt, TENSOR_QUANT, &quant) != TG_OK) {
    return tg_engine_fail(e, -1, TG_ERR_MODEL_TRUNCATED, "tensor %d '%.*s': fields outside the model",
                          (int)index, nlen, nm);
  }
  const int32_t esize = type_size(type);
  if (esize == 0) {
    return tg_engine_fail(e, -1, TG_ERR_UNSUPPORTED_TYPE,
                          "tensor %d '%.*s': tensor type %u is not supported", (int)index, nlen,
                          nm, (unsigned)type);
  }
  if (variable || sparsity.table != 0) {
    return tg_engine_fail(e, -1, TG_ERR_UNSUPPORTED_TYPE, "tensor %d '%.*s': %s tensors are not supported",
                          (int)index, nlen, nm, variable ? "variable" : "sparse");
  }
  int64_t elements = 1;
  for (int32_t i = 0; i < ndims; ++i) {
    if (dims[i] < 0) {
      return tg_engine_fail(e, -1, TG_ERR_SHAPE, "tensor %d '%.*s': dimension %d is %d",
                            (int)index, nlen, nm, (int)i, (int)dims[i]);
    }
    elements *= dims[i];
    if (elements * esize > INT32_MAX) {
      return tg_engine_fail(e, -1, TG_ERR_SHAPE, "tensor %d '%.*s': more than 2^31 bytes",
                            (int)index, nlen, nm);
    }
  }
  t->dims = dims;
  t->type = (uint8_t)type;
  t->ndims = (int8_t)ndims;
  t->elements = (int32_t)elements;
  t->bytes = (int32_t)(elements * esize);

  if (buffer >= buffers->count) {
    return tg_engine_fail(e, -1, TG_ERR_MODEL_INVALID, "tensor %d '%.*s': buffer %u of %u",
                          (int)index, nlen, nm, (unsigned)buffer, (unsigned)buffers->count);
  }
  const uint8_t *data;
  uint64_t bytes;
  if (buffer_data(e, root, buffers, buffer, &data, &bytes) != TG_OK) {
    return tg_engine_fail(e, -1, TG_ERR_MODEL_TRUNCATED,
                          "tensor %d '%.*s': buffer %u lies outside the model", (int)index, nlen,
                          nm, (unsigned)buffer);
  }
  if (data != NULL) {
    if (bytes != (uint64_t)t->bytes) {
      return tg_engine_fail(e, -1, TG_ERR_MODEL_INVALID,
                            "tensor %d '%.*s': buffer %u holds %lu bytes, shape needs %ld",
                            (int)index, nlen, nm, (unsigned)buffer, (unsigned long)bytes,
                            (long)t->bytes);
    }
    const uintptr_t align = (uintptr_t)(esize < 4 ? esize : 4);
    if (((uintptr_t)data & (align - 1u)) != 0) {
      return tg_engine_fail(e, -1, TG_ERR_MODEL_INVALID,
                            "tensor %d '%.*s': data at model offset %lu is not %u-byte aligned",
                            (int)index, nlen, nm, (unsigned long)(data - e->model),
                            (unsigned)align);
    }
    t->data = (void *)(uintptr_t)data; /* constant: ops never write through it */
    t->is_const = 1;
  }
  if (quant.table != 0) return read_quant(e, index, &quant, t);
  return TG_OK;
}

