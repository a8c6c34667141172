/* Bounds-checked flatbuffer access. A model is untrusted input: every offset read from
 * it is added in 64-bit arithmetic and compared with the buffer size before use, and
 * values are assembled from little-endian bytes so that hostile unaligned offsets
 * cannot fault. Field numbers are the schema's field ids (0 = first field). */
#include <string.h>

#include "tg_internal.h"

uint16_t tg_fb_read_u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

uint32_t tg_fb_read_u32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint64_t read_u64(const uint8_t *p) {
  return (uint64_t)tg_fb_read_u32(p) | ((uint64_t)tg_fb_read_u32(p + 4) << 32);
}

/* Locates and checks the vtable of the table at pos; 0 on success. */
static tg_status vtable_of(const uint8_t *buf, size_t size, uint32_t pos, uint64_t *vtable,
                           uint16_t *vsize, uint16_t *tsize) {
  if (buf == NULL || pos == 0 || (uint64_t)pos + 4u > size) return TG_ERR_MODEL_TRUNCATED;
  const int32_t soff = (int32_t)tg_fb_read_u32(buf + pos);
  const int64_t vt = (int64_t)pos - (int64_t)soff;
  if (vt < 0 || (uint64_t)vt + 4u > size) return TG_ERR_MODEL_TRUNCATED;
  const uint16_t vs = tg_fb_read_u16(buf + vt);
  const uint16_t ts = tg_fb_read_u16(buf + vt + 2);
  if (vs < 4 || (vs & 1u) != 0 || (uint64_t)vt + vs > size) return TG_ERR_MODEL_TRUNCATED;
  if (ts < 4 || (uint64_t)pos + ts > size) return TG_ERR_MODEL_TRUNCATED;
  *vtable = (uint64_t)vt;
  *vsize = vs;
  *tsize = ts;
  return TG_OK;
}

tg_status tg_fb_table_at(const uint8_t *buf, size_t size, uint32_t pos, tg_fb_table *out) {
  uint64_t vt;
  uint16_t vs, ts;
  const tg_status s = vtable_of(buf, size, pos, &vt, &vs, &ts);
  if (s != TG_OK) return s;
  out->buf = buf;
  out->size = size;
  out->table = pos;
  return TG_OK;
}

tg_status tg_fb_root(const uint8_t *buf, size_t size, tg_fb_table *root) {
  if (buf == NULL || size < 8) return TG_ERR_MODEL_TRUNCATED;
  const uint32_t off = tg_fb_read_u32(buf);
  if (off == 0 || (uint64_t)off >= size) return TG_ERR_MODEL_TRUNCATED;
  return tg_fb_table_at(buf, size, off, root);
}

tg_status tg_fb_field(const tg_fb_table *t, int field, uint32_t width, uint32_t *pos) {
  *pos = 0;
  if (t == NULL || t->table == 0 || field < 0 || field > 0x7ff0) return TG_OK;
  uint64_t vt;
  uint16_t vs, ts;
  const tg_status s = vtable_of(t->buf, t->size, t->table, &vt, &vs, &ts);
  if (s != TG_OK) return s;
  const uint32_t entry = 4u + 2u * (uint32_t)field;
  if (entry + 2u > vs) return TG_OK; /* field newer than the writer of this table */
  const uint16_t voff = tg_fb_read_u16(t->buf + vt + entry);
  if (voff == 0) return TG_OK;
  if ((uint32_t)voff + width > ts) return TG_ERR_MODEL_TRUNCATED;
  *pos = t->table + voff; /* table + ts <= size was checked, so no overflow */
  return TG_OK;
}

/* Follows the uoffset stored at pos; target must leave room for need bytes. */
static tg_status follow(const tg_fb_table *t, uint32_t pos, uint32_t need, uint32_t *target) {
  const uint64_t tgt = (uint64_t)pos + tg_fb_read_u32(t->buf + pos);
  if (tgt + need > t->size) return TG_ERR_MODEL_TRUNCATED;
  *target = (uint32_t)tgt;
  return TG_OK;
}

tg_status tg_fb_subtable(const tg_fb_table *t, int field, tg_fb_table *out) {
  out->buf = t->buf;
  out->size = t->size;
  out->table = 0;
  uint32_t pos, target;
  tg_status s = tg_fb_field(t, field, 4, &pos);
  if (s != TG_OK || pos == 0) return s;
  s = follow(t, pos, 4, &target);
  if (s != TG_OK) return s;
  return tg_fb_table_at(t->buf, t->size, target, out);
}

tg_status tg_fb_vector(const tg_fb_table *t, int field, uint32_t elem_size, tg_fb_vec *v,
                       uint8_t *present) {
  v->pos = 0;
  v->count = 0;
  if (present != NULL) *present = 0;
  uint32_t pos, target;
  tg_status s = tg_fb_field(t, field, 4, &pos);
  if (s != TG_OK || pos == 0) return s;
  s = follow(t, pos, 4, &target);
  if (s != TG_OK) return s;
  const uint32_t count = tg_fb_read_u32(t->buf + target);
  const uint64_t end = (uint64_t)target + 4u + (uint64_t)count * elem_size;
  if (end > t->size) return TG_ERR_MODEL_TRUNCATED;
  v->pos = target + 4u;
  v->count = count;
  if (present != NULL) *present = 1;
  return TG_OK;
}

tg_status tg_fb_vector_table(const tg_fb_table *t, const tg_fb_vec *v, uint32_t i,
                             tg_fb_table *out) {
  if (i >= v->count) return TG_ERR_MODEL_INVALID;
  const uint32_t elem = v->pos + 4u * i; /* inside the vector checked by tg_fb_vector */
  uint32_t target;
  const tg_status s = follow(t, elem, 4, &target);
  if (s != TG_OK) return s;
  return tg_fb_table_at(t->buf, t->size, target, out);
}

tg_status tg_fb_get_u8(const tg_fb_table *t, int field, uint8_t dflt, uint8_t *out) {
  uint32_t pos;
  const tg_status s = tg_fb_field(t, field, 1, &pos);
  *out = (s == TG_OK && pos != 0) ? t->buf[pos] : dflt;
  return s;
}

tg_status tg_fb_get_u32(const tg_fb_table *t, int field, uint32_t dflt, uint32_t *out) {
  uint32_t pos;
  const tg_status s = tg_fb_field(t, field, 4, &pos);
  *out = (s == TG_OK && pos != 0) ? tg_fb_read_u32(t->buf + pos) : dflt;
  return s;
}

tg_status tg_fb_get_i32(const tg_fb_table *t, int field, int32_t dflt, int32_t *out) {
  uint32_t v;
  const tg_status s = tg_fb_get_u32(t, field, (uint32_t)dflt, &v);
  *out = (int32_t)v;
  return s;
}

tg_status tg_fb_get_u64(const tg_fb_table *t, int field, uint64_t dflt, uint64_t *out) {
  uint32_t pos;
  const tg_status s = tg_fb_field(t, field, 8, &pos);
  *out = (s == TG_OK && pos != 0) ? read_u64(t->buf + pos) : dflt;
  return s;
}

/* The accessors of tg_op.h: a malformed field reads as its default. The core has
 * already checked the options table itself at load, so this only happens for a field
 * whose declared position runs past the end of its table. */
int32_t tg_fb_i32(const tg_fb_table *t, int field, int32_t dflt) {
  int32_t v;
  return tg_fb_get_i32(t, field, dflt, &v) == TG_OK ? v : dflt;
}

int8_t tg_fb_i8(const tg_fb_table *t, int field, int8_t dflt) {
  uint8_t v;
  return tg_fb_get_u8(t, field, (uint8_t)dflt, &v) == TG_OK ? (int8_t)v : dflt;
}

uint8_t tg_fb_bool(const tg_fb_table *t, int field, uint8_t dflt) {
  uint8_t v;
  if (tg_fb_get_u8(t, field, dflt, &v) != TG_OK) return dflt;
  return v != 0 ? 1 : 0;
}

float tg_fb_f32(const tg_fb_table *t, int field, float dflt) {
  uint32_t bits;
  float d;
  memcpy(&bits, &dflt, sizeof bits);
  if (tg_fb_get_u32(t, field, bits, &bits) != TG_OK) return dflt;
  memcpy(&d, &bits, sizeof d);
  return d;
}

int32_t tg_fb_i32_vector(const tg_fb_table *t, int field, int32_t *out, int32_t max) {
  tg_fb_vec v;
  if (tg_fb_vector(t, field, 4, &v, NULL) != TG_OK || v.count > (uint32_t)INT32_MAX) return -1;
  for (uint32_t i = 0; i < v.count && (int32_t)i < max; ++i) {
    out[i] = (int32_t)tg_fb_read_u32(t->buf + v.pos + 4u * i);
  }
  return (int32_t)v.count;
}
