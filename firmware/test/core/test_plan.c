/* Arena planner against hand-made lifetimes, plus a property check over random ones:
 * no two buffers alive together share bytes, offsets are aligned, and each buffer got
 * the lowest offset that was free when its turn came (the greedy contract the host
 * analysis reproduces). */
#include "tg_internal.h"
#include "tg_test.h"

#define ITEM(sz, f, l, i) {(sz), (f), (l), (i), -1}

static void test_empty(void) {
  size_t total = 99;
  TG_CHECK_EQ_INT(tg_plan_greedy(NULL, 0, NULL, &total), TG_OK);
  TG_CHECK_EQ_INT(total, 0);
}

static void test_single_not_rounded(void) {
  tg_plan_item it[] = {ITEM(10, 0, 0, 0)};
  int32_t order[1];
  size_t total;
  TG_CHECK_EQ_INT(tg_plan_greedy(it, 1, order, &total), TG_OK);
  TG_CHECK_EQ_INT(it[0].offset, 0);
  TG_CHECK_EQ_INT(total, 10); /* the end of the last buffer, as the host plan's size */
}

static void test_overlap_in_time_stacks_aligned(void) {
  tg_plan_item it[] = {ITEM(50, 0, 1, 0), ITEM(100, 1, 2, 1)};
  int32_t order[2];
  size_t total;
  TG_CHECK_EQ_INT(tg_plan_greedy(it, 2, order, &total), TG_OK);
  TG_CHECK_EQ_INT(it[1].offset, 0);   /* larger first */
  TG_CHECK_EQ_INT(it[0].offset, 112); /* 100 rounded up to 16 */
  TG_CHECK_EQ_INT(total, 162);        /* 112 + 50, not rounded up */
}

static void test_disjoint_in_time_share(void) {
  tg_plan_item it[] = {ITEM(64, 0, 1, 0), ITEM(64, 2, 3, 1)};
  int32_t order[2];
  size_t total;
  TG_CHECK_EQ_INT(tg_plan_greedy(it, 2, order, &total), TG_OK);
  TG_CHECK_EQ_INT(it[0].offset, 0);
  TG_CHECK_EQ_INT(it[1].offset, 0);
  TG_CHECK_EQ_INT(total, 64);
}

/* A: 64 [0,0] @0; B: 64 [0,1] @64; C: 48 [1,1] @0 (A is dead); D: 16 [1,2] fits in the
 * gap 48..64 between C and B, below the end of B. */
static void test_fills_lowest_gap(void) {
  tg_plan_item it[] = {ITEM(64, 0, 0, 0), ITEM(64, 0, 1, 1), ITEM(48, 1, 1, 2), ITEM(16, 1, 2, 3)};
  int32_t order[4];
  size_t total;
  TG_CHECK_EQ_INT(tg_plan_greedy(it, 4, order, &total), TG_OK);
  TG_CHECK_EQ_INT(it[0].offset, 0);
  TG_CHECK_EQ_INT(it[1].offset, 64);
  TG_CHECK_EQ_INT(it[2].offset, 0);
  TG_CHECK_EQ_INT(it[3].offset, 48);
  TG_CHECK_EQ_INT(total, 128);
}

/* Equal sizes: earlier first use wins, then the lower id. */
static void test_tie_breaks(void) {
  tg_plan_item it[] = {ITEM(32, 1, 2, 7), ITEM(32, 0, 2, 9), ITEM(32, 0, 2, 3)};
  int32_t order[3];
  size_t total;
  TG_CHECK_EQ_INT(tg_plan_greedy(it, 3, order, &total), TG_OK);
  TG_CHECK_EQ_INT(order[0], 2); /* first 0, id 3 */
  TG_CHECK_EQ_INT(order[1], 1); /* first 0, id 9 */
  TG_CHECK_EQ_INT(order[2], 0); /* first 1 */
  TG_CHECK_EQ_INT(it[2].offset, 0);
  TG_CHECK_EQ_INT(it[1].offset, 32);
  TG_CHECK_EQ_INT(it[0].offset, 64);
  TG_CHECK_EQ_INT(total, 96);
}

static void test_zero_size_blocks_nothing(void) {
  tg_plan_item it[] = {ITEM(0, 0, 3, 0), ITEM(16, 0, 3, 1)};
  int32_t order[2];
  size_t total;
  TG_CHECK_EQ_INT(tg_plan_greedy(it, 2, order, &total), TG_OK);
  TG_CHECK_EQ_INT(it[0].offset, 0);
  TG_CHECK_EQ_INT(it[1].offset, 0);
  TG_CHECK_EQ_INT(total, 16);
}

static void test_rejects_bad_lifetimes(void) {
  tg_plan_item bad_order[] = {ITEM(16, 3, 2, 0)};
  tg_plan_item bad_size[] = {ITEM(-1, 0, 0, 0)};
  int32_t order[1];
  size_t total;
  TG_CHECK_EQ_INT(tg_plan_greedy(bad_order, 1, order, &total), TG_ERR_ARG);
  TG_CHECK_EQ_INT(tg_plan_greedy(bad_size, 1, order, &total), TG_ERR_ARG);
  TG_CHECK_EQ_INT(tg_plan_greedy(bad_order, 1, order, NULL), TG_ERR_ARG);
}

static int overlaps(const tg_plan_item *a, int64_t off, const tg_plan_item *b) {
  return a->size > 0 && b->size > 0 && a->first <= b->last && b->first <= a->last &&
         off < (int64_t)b->offset + b->size && (int64_t)b->offset < off + a->size;
}

static void test_random_lifetimes_property(void) {
  uint32_t seed = 20261124u;
  enum { N = 40 };
  for (int round = 0; round < 200; ++round) {
    tg_plan_item it[N];
    int32_t order[N];
    const int n = 1 + (int)(tg_test_rand(&seed) % N);
    for (int i = 0; i < n; ++i) {
      const int32_t first = tg_test_rand_range(&seed, 0, 20);
      it[i] = (tg_plan_item)ITEM(tg_test_rand_range(&seed, 0, 3000), first,
                                 first + tg_test_rand_range(&seed, 0, 6), i);
    }
    size_t total;
    if (tg_plan_greedy(it, n, order, &total) != TG_OK) {
      TG_CHECK(0);
      return;
    }
    int bad = 0;
    int64_t end = 0;
    for (int k = 0; k < n; ++k) {
      const tg_plan_item *r = &it[order[k]];
      if (r->offset % TG_ARENA_ALIGN != 0) ++bad;
      if ((int64_t)r->offset + r->size > end) end = (int64_t)r->offset + r->size;
      for (int q = 0; q < k; ++q) bad += overlaps(r, r->offset, &it[order[q]]);
      /* No lower aligned offset was free against the buffers placed before it. */
      for (int64_t c = 0; c < r->offset && r->size > 0; c += TG_ARENA_ALIGN) {
        int clash = 0;
        for (int q = 0; q < k && !clash; ++q) clash = overlaps(r, c, &it[order[q]]);
        if (!clash) {
          ++bad;
          break;
        }
      }
    }
    TG_CHECK_EQ_INT(bad, 0);
    TG_CHECK_EQ_INT(total, (size_t)end);
  }
}

int main(void) {
  TG_RUN(test_empty);
  TG_RUN(test_single_not_rounded);
  TG_RUN(test_overlap_in_time_stacks_aligned);
  TG_RUN(test_disjoint_in_time_share);
  TG_RUN(test_fills_lowest_gap);
  TG_RUN(test_tie_breaks);
  TG_RUN(test_zero_size_blocks_nothing);
  TG_RUN(test_rejects_bad_lifetimes);
  TG_RUN(test_random_lifetimes_property);
  return tg_test_summary("core/plan");
}
