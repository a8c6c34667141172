#include "tg_text.h"

void tg_text_init(tg_text *t, char *buf, size_t size) {
  t->buf = buf;
  t->size = size;
  t->len = 0;
  t->truncated = 0;
  if (size > 0) buf[0] = '\0';
}

void tg_text_char(tg_text *t, char c) {
  if (t->len + 1 >= t->size) {
    t->truncated = 1;
    return;
  }
  t->buf[t->len++] = c;
  t->buf[t->len] = '\0';
}

void tg_text_str(tg_text *t, const char *s) {
  if (s == NULL) s = "(null)";
  while (*s != '\0') tg_text_char(t, *s++);
}

void tg_text_u64(tg_text *t, uint64_t v) {
  char digits[20];
  int n = 0;
  do {
    digits[n++] = (char)('0' + (int)(v % 10u));
    v /= 10u;
  } while (v != 0u);
  while (n > 0) tg_text_char(t, digits[--n]);
}

void tg_text_u32(tg_text *t, uint32_t v) { tg_text_u64(t, v); }

void tg_text_i32(tg_text *t, int32_t v) {
  if (v < 0) {
    tg_text_char(t, '-');
    /* negate in unsigned arithmetic: -INT32_MIN does not fit an int32_t */
    tg_text_u64(t, (uint64_t)(0u - (uint32_t)v));
  } else {
    tg_text_u64(t, (uint64_t)v);
  }
}

void tg_text_hex32(tg_text *t, uint32_t v) {
  static const char hex[] = "0123456789abcdef";
  tg_text_str(t, "0x");
  for (int shift = 28; shift >= 0; shift -= 4) tg_text_char(t, hex[(v >> shift) & 0xFu]);
}

void tg_text_ratio(tg_text *t, uint64_t v, uint64_t div) {
  if (div == 0u) {
    tg_text_str(t, "inf");
    return;
  }
  uint64_t hundredths = (v * 100u + div / 2u) / div;
  tg_text_u64(t, hundredths / 100u);
  tg_text_char(t, '.');
  tg_text_char(t, (char)('0' + (int)((hundredths / 10u) % 10u)));
  tg_text_char(t, (char)('0' + (int)(hundredths % 10u)));
}
