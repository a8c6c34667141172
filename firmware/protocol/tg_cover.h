/* Which bytes of an object (the model being uploaded, one evaluation sample) have arrived:
 * sorted, disjoint, non-adjacent ranges [start, end). Counting distinct bytes instead of
 * summing chunk lengths means a chunk executed twice (a retransmission whose response had
 * left the response cache, or a peer that repeats itself) is counted once, so an object is
 * complete only when every one of its bytes arrived (docs/protocol.md, section 5).
 * A fixed number of ranges: no heap, and a window of 8 in-order requests leaves at most 8
 * holes; more than TG_COVER_RANGES is refused instead of being tracked approximately. */
#ifndef TG_COVER_H
#define TG_COVER_H

#include <stdint.h>

#define TG_COVER_RANGES 16u

typedef struct {
  uint32_t start[TG_COVER_RANGES], end[TG_COVER_RANGES];
  uint32_t n;     /* ranges in use */
  uint32_t bytes; /* distinct bytes covered: the sum of end - start */
} tg_cover;

void tg_cover_clear(tg_cover *c);
/* Marks [off, off + len) as received (len >= 1, off + len must not wrap: the caller checked
 * it against the object's size). Returns 0, or -1 when the bytes would need one range more
 * than TG_COVER_RANGES; the cover is then unchanged. */
int tg_cover_add(tg_cover *c, uint32_t off, uint32_t len);
/* The first byte in [0, total) not covered, and the length of that gap in *gap_len;
 * returns total (and *gap_len 0) when everything is covered. */
uint32_t tg_cover_first_gap(const tg_cover *c, uint32_t total, uint32_t *gap_len);

#endif
