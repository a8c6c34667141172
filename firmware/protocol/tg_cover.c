/* Distinct-byte coverage of an object (tg_cover.h). */
#include "tg_cover.h"

#include <string.h>

void tg_cover_clear(tg_cover *c) { memset(c, 0, sizeof *c); }

int tg_cover_add(tg_cover *c, uint32_t off, uint32_t len) {
  uint32_t a = off, b = off + len;
  if (len == 0) return 0;
  /* Ranges i..j-1 touch or overlap [a, b): they merge with it into one range. */
  uint32_t i = 0;
  while (i < c->n && c->end[i] < a) ++i;
  uint32_t j = i;
  uint32_t overlap = 0;
  while (j < c->n && c->start[j] <= b) {
    uint32_t lo = c->start[j] > a ? c->start[j] : a, hi = c->end[j] < b ? c->end[j] : b;
    if (hi > lo) overlap += hi - lo; /* adjacent ranges touch without sharing bytes */
    ++j;
  }
  uint32_t merged = j - i; /* 0: a new range between i-1 and i */
  if (merged == 0 && c->n >= TG_COVER_RANGES) return -1;
  if (merged > 0) {
    if (c->start[i] < a) a = c->start[i];
    if (c->end[j - 1] > b) b = c->end[j - 1];
  }
  /* Ranges from j on move to i + 1 (merged ranges collapse into slot i). */
  uint32_t tail = c->n - j;
  memmove(&c->start[i + 1], &c->start[j], tail * sizeof c->start[0]);
  memmove(&c->end[i + 1], &c->end[j], tail * sizeof c->end[0]);
  c->start[i] = a;
  c->end[i] = b;
  c->n = i + 1u + tail;
  c->bytes += len - overlap;
  return 0;
}

uint32_t tg_cover_first_gap(const tg_cover *c, uint32_t total, uint32_t *gap_len) {
  uint32_t at = 0;
  for (uint32_t k = 0; k < c->n && c->start[k] <= at; ++k) at = c->end[k];
  if (at >= total) {
    *gap_len = 0;
    return total;
  }
  uint32_t next = total;
  for (uint32_t k = 0; k < c->n; ++k) {
    if (c->start[k] > at) {
      next = c->start[k] < total ? c->start[k] : total;
      break;
    }
  }
  *gap_len = next - at;
  return at;
}
