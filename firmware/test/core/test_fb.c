/* Flatbuffer accessors against a hand-laid buffer and hostile variants of it: every
 * offset that points outside, every size that overflows, must be refused without
 * reading out of bounds (AddressSanitizer watches the reads). */
#include <string.h>

#include "tg_internal.h"
#include "tg_test.h"

/* 0: root uoffset 16 | 4: "TEST" | 8: vtable {vsize 8, tsize 12, f0 @4, f1 @8}
 * 16: table {soffset 8, f0: int32 42, f1: uoffset 4 -> 28} | 28: [int] {3: 1, 2, 3} */
static _Alignas(16) uint8_t good[44];
static uint8_t buf[64];

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}
static void put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

static void make_good(void) {
  memset(good, 0, sizeof good);
  put32(good + 0, 16);
  memcpy(good + 4, "TEST", 4);
  put16(good + 8, 8);
  put16(good + 10, 12);
  put16(good + 12, 4);
  put16(good + 14, 8);
  put32(good + 16, 8);
  put32(good + 20, 42);
  put32(good + 24, 4);
  put32(good + 28, 3);
  put32(good + 32, 1);
  put32(good + 36, 2);
  put32(good + 40, 3);
}

/* A copy of the good buffer in buf, ready for one mutation. */
static void fresh(void) {
  memset(buf, 0xEE, sizeof buf);
  memcpy(buf, good, sizeof good);
}

static void test_valid_buffer(void) {
  tg_fb_table t;
  TG_CHECK_EQ_INT(tg_fb_root(good, sizeof good, &t), TG_OK);
  TG_CHECK_EQ_INT(t.table, 16);
  TG_CHECK_EQ_INT(tg_fb_i32(&t, 0, -1), 42);
  TG_CHECK_EQ_INT(tg_fb_i8(&t, 0, -1), 42);
  TG_CHECK_EQ_INT(tg_fb_bool(&t, 0, 0), 1);
  TG_CHECK_EQ_INT(tg_fb_i32(&t, 5, -7), -7); /* beyond the vtable: default */
  TG_CHECK_EQ_INT(tg_fb_i32(&t, -1, -7), -7);
  TG_CHECK_NEAR(tg_fb_f32(&t, 3, 2.5f), 2.5, 0);
  int32_t v[3] = {0, 0, 99};
  TG_CHECK_EQ_INT(tg_fb_i32_vector(&t, 1, v, 3), 3);
  TG_CHECK_EQ_INT(v[0], 1);
  TG_CHECK_EQ_INT(v[2], 3);
  v[2] = 99;
  TG_CHECK_EQ_INT(tg_fb_i32_vector(&t, 1, v, 2), 3); /* count reported, 2 copied */
  TG_CHECK_EQ_INT(v[2], 99);
  TG_CHECK_EQ_INT(tg_fb_i32_vector(&t, 4, v, 3), 0); /* absent vector: empty */
  const tg_fb_table none = {good, sizeof good, 0};
  TG_CHECK_EQ_INT(tg_fb_i32(&none, 0, 5), 5);
  TG_CHECK_EQ_INT(tg_fb_i32_vector(&none, 1, v, 3), 0);
}

static void test_short_or_bad_root(void) {
  tg_fb_table t;
  TG_CHECK_EQ_INT(tg_fb_root(good, 7, &t), TG_ERR_MODEL_TRUNCATED);
  TG_CHECK_EQ_INT(tg_fb_root(NULL, 44, &t), TG_ERR_MODEL_TRUNCATED);
  fresh();
  put32(buf, 0xFFFFFFF0u);
  TG_CHECK_EQ_INT(tg_fb_root(buf, sizeof good, &t), TG_ERR_MODEL_TRUNCATED);
  fresh();
  put32(buf, 0);
  TG_CHECK_EQ_INT(tg_fb_root(buf, sizeof good, &t), TG_ERR_MODEL_TRUNCATED);
  fresh();
  put32(buf, 42); /* table header would straddle the end */
  TG_CHECK_EQ_INT(tg_fb_root(buf, sizeof good, &t), TG_ERR_MODEL_TRUNCATED);
}

static void test_hostile_vtables(void) {
  tg_fb_table t;
  const struct {
    uint32_t at;
    uint32_t value;
    int bits;
  } cases[] = {
      {16, 100, 32},          /* vtable before the buffer start */
      {16, (uint32_t)-1000, 32}, /* vtable past the end */
      {16, 0x80000000u, 32},  /* soffset INT32_MIN */
      {8, 9, 16},             /* odd vtable size */
      {8, 2, 16},             /* vtable shorter than its header */
      {8, 200, 16},           /* vtable runs past the end */
      {10, 200, 16},          /* table runs past the end */
      {10, 2, 16},            /* table shorter than its soffset */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    fresh();
    if (cases[i].bits == 32) put32(buf + cases[i].at, cases[i].value);
    else put16(buf + cases[i].at, (uint16_t)cases[i].value);
    TG_CHECK_EQ_INT(tg_fb_root(buf, sizeof good, &t), TG_ERR_MODEL_TRUNCATED);
    /* The public accessors fall back to the default on such a table. */
    const tg_fb_table forced = {buf, sizeof good, 16};
    TG_CHECK_EQ_INT(tg_fb_i32(&forced, 0, -3), -3);
    TG_CHECK_EQ_INT(tg_fb_i32_vector(&forced, 1, NULL, 0), -1);
  }
}

static void test_field_past_table_end(void) {
  fresh();
  put16(buf + 12, 10); /* int32 at +10 in a 12-byte table */
  tg_fb_table t;
  TG_CHECK_EQ_INT(tg_fb_root(buf, sizeof good, &t), TG_OK);
  int32_t v;
  TG_CHECK_EQ_INT(tg_fb_get_i32(&t, 0, 0, &v), TG_ERR_MODEL_TRUNCATED);
  TG_CHECK_EQ_INT(tg_fb_i32(&t, 0, -9), -9);
  uint8_t b;
  TG_CHECK_EQ_INT(tg_fb_get_u8(&t, 0, 0, &b), TG_OK); /* one byte at +10 fits */
}

static void test_hostile_vectors(void) {
  tg_fb_table t;
  int32_t v[4];
  fresh();
  put32(buf + 28, 0xFFFFFFFFu); /* count * 4 overflows 32 bits */
  TG_CHECK_EQ_INT(tg_fb_root(buf, sizeof good, &t), TG_OK);
  TG_CHECK_EQ_INT(tg_fb_i32_vector(&t, 1, v, 4), -1);
  fresh();
  put32(buf + 28, 4); /* one element past the end */
  TG_CHECK_EQ_INT(tg_fb_root(buf, sizeof good, &t), TG_OK);
  TG_CHECK_EQ_INT(tg_fb_i32_vector(&t, 1, v, 4), -1);
  fresh();
  put32(buf + 24, 0xFFFFFFF0u); /* uoffset wraps a 32-bit position */
  TG_CHECK_EQ_INT(tg_fb_root(buf, sizeof good, &t), TG_OK);
  TG_CHECK_EQ_INT(tg_fb_i32_vector(&t, 1, v, 4), -1);
  tg_fb_table sub;
  TG_CHECK_EQ_INT(tg_fb_subtable(&t, 1, &sub), TG_ERR_MODEL_TRUNCATED);
  /* The same vector in a buffer cut one byte short. */
  TG_CHECK_EQ_INT(tg_fb_root(good, sizeof good - 1, &t), TG_OK);
  TG_CHECK_EQ_INT(tg_fb_i32_vector(&t, 1, v, 4), -1);
  tg_fb_vec vec;
  TG_CHECK_EQ_INT(tg_fb_vector(&t, 1, 4, &vec, NULL), TG_ERR_MODEL_TRUNCATED);
  TG_CHECK_EQ_INT(tg_fb_vector_table(&t, &vec, 0, &sub), TG_ERR_MODEL_INVALID);
}

int main(void) {
  make_good();
  TG_RUN(test_valid_buffer);
  TG_RUN(test_short_or_bad_root);
  TG_RUN(test_hostile_vtables);
  TG_RUN(test_field_past_table_end);
  TG_RUN(test_hostile_vectors);
  return tg_test_summary("core/fb");
}
