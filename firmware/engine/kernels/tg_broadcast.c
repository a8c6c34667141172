#include "tg_kernels_elementwise.h"

/* Right-aligns a shape into TG_EW_DIMS dims, padding with leading 1s. */
static int extend(const int32_t *dims, int32_t ndims, int32_t *ext) {
  if (ndims < 0 || ndims > TG_EW_DIMS) return 0;
  const int32_t lead = TG_EW_DIMS - ndims;
  for (int32_t d = 0; d < TG_EW_DIMS; ++d) ext[d] = d < lead ? 1 : dims[d - lead];
  return 1;
}

tg_status tg_broadcast_shapes(const int32_t *dims1, int32_t ndims1, const int32_t *dims2, int32_t ndims2,
                              const int32_t *out_dims, int32_t out_ndims, tg_broadcast *b, int32_t *bad_dim) {
  int32_t e1[TG_EW_DIMS];
  int32_t e2[TG_EW_DIMS];
  int32_t eo[TG_EW_DIMS];
  *bad_dim = -1;
  if (!extend(dims1, ndims1, e1) || !extend(dims2, ndims2, e2) || !extend(out_dims, out_ndims, eo)) {
    return TG_ERR_SHAPE;
  }
  int32_t same = 1;
  int32_t elements = 1;
  for (int32_t d = 0; d < TG_EW_DIMS; ++d) {
    const int32_t a = e1[d];
    const int32_t c = e2[d];
    const int32_t expect = a == c ? a : a == 1 ? c : c == 1 ? a : -1;
    if (expect < 0 || eo[d] != expect) {
      *bad_dim = d;
      return TG_ERR_SHAPE;
    }
    if (a != c) same = 0;
    b->dims[d] = eo[d];
    elements *= eo[d];
  }
  int32_t s1 = 1;
  int32_t s2 = 1;
  for (int32_t d = TG_EW_DIMS - 1; d >= 0; --d) {
    b->stride1[d] = e1[d] == 1 ? 0 : s1;
    b->stride2[d] = e2[d] == 1 ? 0 : s2;
    s1 *= e1[d];
    s2 *= e2[d];
  }
  b->flat = same;
  b->elements = elements;
  return TG_OK;
}
