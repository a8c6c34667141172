/* Bounded text building without printf (newlib's printf would pull in stdio buffers and
 * malloc, which this firmware must not link). A builder never writes past its buffer,
 * keeps it NUL-terminated and remembers that it truncated. */
#ifndef TG_TEXT_H
#define TG_TEXT_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  char *buf;
  size_t size; /* capacity including the NUL */
  size_t len;
  int truncated;
} tg_text;

void tg_text_init(tg_text *t, char *buf, size_t size);
void tg_text_str(tg_text *t, const char *s);
void tg_text_char(tg_text *t, char c);
void tg_text_u32(tg_text *t, uint32_t v);
void tg_text_i32(tg_text *t, int32_t v);
void tg_text_u64(tg_text *t, uint64_t v);
void tg_text_hex32(tg_text *t, uint32_t v); /* "0x" and 8 digits */
/* v / div with two decimals, rounded half up: tg_text_ratio(t, 4000, 100) -> "40.00". */
void tg_text_ratio(tg_text *t, uint64_t v, uint64_t div);

#endif
