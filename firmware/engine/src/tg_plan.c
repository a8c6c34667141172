/* The activation arena plan. The host analysis (src/model/arena-plan.ts) implements the
 * same steps, so both must agree byte for byte:
 *  1. lifetime of a non-constant tensor = [first operator that reads or writes it (graph
 *     inputs: 0), last operator that reads it (graph outputs: the last operator)];
 *     a scratch buffer lives during its operator only;
 *  2. order: size descending, then earlier first use, then lower id (tensor index;
 *     scratch buffers take ids after the last tensor, in request order);
 *  3. each goes at the lowest 16-byte aligned offset whose bytes overlap no placed
 *     buffer alive at the same time (a zero-size buffer goes at 0 and blocks nothing);
 *  4. activation bytes = max(offset + size), not rounded up: the region ends the arena
 *     and nothing is placed after it (the host plan's size, byte for byte).
 * RESHAPE outputs are not aliased to their inputs: the operator copies. */
#include <string.h>

#include "tg_internal.h"

static int64_t align_up(int64_t v) { return (v + (TG_ARENA_ALIGN - 1)) & ~(int64_t)(TG_ARENA_ALIGN - 1); }

/* a goes before b in placement order. */
static int before(const tg_plan_item *a, const tg_plan_item *b) {
  if (a->size != b->size) return a->size > b->size;
  if (a->first != b->first) return a->first < b->first;
  return a->id < b->id;
}

static int live_together(const tg_plan_item *a, const tg_plan_item *b) {
  return a->first <= b->last && b->first <= a->last;
}

/* Whether r placed at offset c overlaps none of the first `placed` items of order. */
static int fits(const tg_plan_item *items, const int32_t *order, int32_t placed,
                const tg_plan_item *r, int64_t c) {
  for (int32_t k = 0; k < placed; ++k) {
    const tg_plan_item *p = &items[order[k]];
    if (p->size == 0 || !live_together(p, r)) continue;
    if (c < (int64_t)p->offset + p->size && (int64_t)p->offset < c + r->size) return 0;
  }
  return 1;
}

tg_status tg_plan_greedy(tg_plan_item *items, int32_t n, int32_t *order, size_t *total) {
  if (n < 0 || (n > 0 && (items == NULL || order == NULL)) || total == NULL) return TG_ERR_ARG;
  for (int32_t i = 0; i < n; ++i) {
    if (items[i].size < 0 || items[i].first < 0 || items[i].first > items[i].last) return TG_ERR_ARG;
  }
  /* Insertion sort: stable, no recursion, n is at most a few hundred. */
  for (int32_t i = 0; i < n; ++i) {
    int32_t j = i;
    while (j > 0 && before(&items[i], &items[order[j - 1]])) {
      order[j] = order[j - 1];
      --j;
    }
    order[j] = i;
  }
  int64_t end = 0;
  for (int32_t k = 0; k < n; ++k) {
    tg_plan_item *r = &items[order[k]];
    int64_t best = 0;
    if (r->size > 0 && !fits(items, order, k, r, 0)) {
      /* The lowest feasible offset is 0 or the aligned end of a buffer in the way. */
      best = -1;
      for (int32_t q = 0; q < k; ++q) {
        const tg_plan_item *p = &items[order[q]];
        if (p->size == 0 || !live_together(p, r)) continue;
        const int64_t c = align_up((int64_t)p->offset + p->size);
        if ((best < 0 || c < best) && fits(items, order, k, r, c)) best = c;
      }
    }
    if (best < 0 || best + r->size > INT32_MAX) return TG_ERR_ARENA_TOO_SMALL;
    r->offset = (int32_t)best;
    if (best + r->size > end) end = best + r->size;
  }
  *total = (size_t)end;
  return TG_OK;
}

/* Marks tensor t as used by operator op (a read when extend: it extends the lifetime;
 * a write only starts it). Constants and omitted inputs are not planned. */
static void touch(const tg_engine *e, tg_plan_item *items, int32_t *item_of, int32_t *n, int32_t t,
                  int32_t op, int extend) {
  if (t < 0 || e->tensors[t].is_const) return;
  if (item_of[t] < 0) {
    item_of[t] = *n;
    items[*n] = (tg_plan_item){e->tensors[t].bytes, op, op, t, 0};
    ++*n;
    return;
  }
  tg_plan_item *it = &items[item_of[t]];
  if (op < it->first) it->first = op;
  if (extend && op > it->last) it->last = op;
}

tg_status tg_plan_model(tg_engine *e) {
  const int32_t n_max = e->n_tensors + e->n_scratch;
  const size_t temp_start = (size_t)align_up((int64_t)e->persistent_end);
  const size_t temp_bytes = (size_t)n_max * (sizeof(tg_plan_item) + sizeof(int32_t) + sizeof(int32_t));
  if (temp_start > e->arena_bytes || e->arena_bytes - temp_start < temp_bytes) {
    return tg_engine_fail(e, -1, TG_ERR_ARENA_TOO_SMALL,
                          "arena of %lu bytes: no room to plan %d buffers after %lu persistent bytes",
                          (unsigned long)e->arena_bytes, (int)n_max, (unsigned long)e->persistent_end);
  }
  /* Planning scratch lives where the activation region will be: it is dead before any
   * activation is written. */
  tg_plan_item *items = (tg_plan_item *)(void *)(e->arena + temp_start);
  int32_t *order = (int32_t *)(void *)(items + n_max);
  int32_t *item_of = order + n_max; /* tensor -> item index, -1 when not planned */
  int32_t n = 0;
  const int32_t last_op = e->n_nodes - 1;
  for (int32_t t = 0; t < e->n_tensors; ++t) item_of[t] = -1;

  for (int32_t i = 0; i < e->n_inputs; ++i) touch(e, items, item_of, &n, e->inputs[i], 0, 1);
  for (int32_t op = 0; op < e->n_nodes; ++op) {
    const tg_node *node = &e->nodes[op].node;
    for (int32_t i = 0; i < node->n_inputs; ++i) touch(e, items, item_of, &n, node->inputs[i], op, 1);
    for (int32_t i = 0; i < node->n_outputs; ++i) touch(e, items, item_of, &n, node->outputs[i], op, 0);
  }
  for (int32_t i = 0; i < e->n_outputs; ++i) touch(e, items, item_of, &n, e->outputs[i], last_op, 1);
  /* Items are in first-touch order; their ids stay the tensor indices. */
  const int32_t n_tensor_items = n;
  /* Scratch buffers in request order (layer order, then within the layer). */
  for (int32_t op = 0; op < e->n_nodes; ++op) {
    if (e->nodes[op].node.scratch_index < 0) continue;
    items[n] = (tg_plan_item){e->nodes[op].scratch_bytes, op, op, e->n_tensors + (n - n_tensor_items), 0};
    ++n;
  }
  size_t total = 0;
  tg_status s = tg_plan_greedy(items, n, order, &total);
  if (s != TG_OK) {
    return tg_engine_fail(e, -1, s, "arena plan failed for %d buffers", (int)n);
  }
  const size_t act = temp_start;
  if (act > e->arena_bytes || e->arena_bytes - act < total) {
    return tg_engine_fail(e, -1, TG_ERR_ARENA_TOO_SMALL,
                          "arena of %lu bytes is too small: %lu persistent + %lu activation bytes",
                          (unsigned long)e->arena_bytes, (unsigned long)act, (unsigned long)total);
  }
  for (int32_t t = 0; t < e->n_tensors; ++t) {
    if (item_of[t] >= 0) e->tensors[t].data = e->arena + act + items[item_of[t]].offset;
  }
  for (int32_t op = 0, i = n_tensor_items; op < e->n_nodes; ++op) {
    if (e->nodes[op].node.scratch_index >= 0) e->nodes[op].scratch_offset = items[i++].offset;
  }
  e->activation_offset = act;
  e->activation_bytes = total;
  /* Planning needs its scratch right where the activations go; for tiny models that
   * can exceed the activations, and the arena a caller must provide is the larger. */
  e->load_peak = act + (total > temp_bytes ? total : temp_bytes);
  return TG_OK;
}
