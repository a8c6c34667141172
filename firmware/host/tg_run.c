/* tg_run: runs a .tflite model on the host build of the engine.
 *
 *   tg_run MODEL INPUTS.bin OUTPUTS.bin [--layers DIR] [--samples N] [--arena BYTES] [--plan]
 *
 * INPUTS.bin holds samples back to back (each the graph inputs' bytes in order);
 * OUTPUTS.bin receives each sample's graph outputs back to back. --layers writes output
 * 0 of every operator for samples 0-3 as DIR/s<K>_op<I>.bin (the golden layout). Prints
 * per-layer operator, kernel path and host time (ns), and the arena figures. --plan also
 * prints where the planner put every activation tensor and scratch buffer, as lines
 * `plan tensor <index> offset <bytes> size <bytes>` / `plan scratch <k> layer <i> offset
 * <bytes> size <bytes>` / `plan activation_bytes <n>`, for comparison with the host
 * analysis (src/model/arena-plan.ts), which must agree byte for byte. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_engine.h"
#include "tg_host_io.h"
#include "tg_internal.h" /* --plan reads the engine's tensor table */

#define MAX_LAYERS 128
#define LAYER_DUMP_SAMPLES 4

typedef struct {
  const tg_engine *engine;
  const char *layers_dir;
  int32_t sample;
  int failed;
  uint64_t sum[MAX_LAYERS];
  uint32_t min[MAX_LAYERS];
} run_state;

static const char *path_name(uint8_t p) {
  return p == 0 ? "ref" : p == 1 ? "opt" : p == 2 ? "opt-fallback" : "?";
}

static void layer_done(void *user, int32_t layer, uint32_t ticks, uint8_t kernel_path) {
  run_state *st = user;
  (void)kernel_path;
  if (layer < 0 || layer >= MAX_LAYERS) return;
  st->sum[layer] += ticks;
  if (st->sample == 0 || ticks < st->min[layer]) st->min[layer] = ticks;
  if (st->layers_dir != NULL && st->sample < LAYER_DUMP_SAMPLES) {
    const tg_tensor *t = tg_engine_layer_output(st->engine, layer);
    char path[4096];
    snprintf(path, sizeof path, "%s/s%d_op%d.bin", st->layers_dir, (int)st->sample, (int)layer);
    if (t == NULL || tg_write_file(path, t->data, (size_t)t->bytes) != 0) st->failed = 1;
  }
}

static int print_plan;

/* Offsets relative to the activation region, straight from the engine's tables. */
static void show_plan(const tg_engine *e) {
  const uint8_t *base = e->arena + e->activation_offset;
  for (int32_t t = 0; t < e->n_tensors; ++t) {
    const tg_tensor *x = &e->tensors[t];
    if (x->is_const || x->data == NULL) continue;
    printf("plan tensor %d offset %ld size %d\n", (int)t, (long)((const uint8_t *)x->data - base), (int)x->bytes);
  }
  for (int32_t op = 0, k = 0; op < e->n_nodes; ++op) {
    if (e->nodes[op].node.scratch_index < 0) continue;
    printf("plan scratch %d layer %d offset %d size %d\n", (int)k++, (int)op, (int)e->nodes[op].scratch_offset,
           (int)e->nodes[op].scratch_bytes);
  }
  printf("plan activation_bytes %zu\n", e->activation_bytes);
}

static int usage(void) {
  fprintf(stderr, "usage: tg_run MODEL INPUTS.bin OUTPUTS.bin [--layers DIR] [--samples N] [--arena BYTES] [--plan]\n");
  return 2;
}

static int run(const char *model_path, const uint8_t *model, size_t model_bytes, const char *in_path,
               const uint8_t *inputs, size_t in_bytes, const char *out_path, const char *layers_dir,
               long samples_limit, uint8_t *arena, size_t arena_bytes);

int main(int argc, char **argv) {
  if (argc < 4) return usage();
  const char *model_path = argv[1], *in_path = argv[2], *out_path = argv[3];
  const char *layers_dir = NULL;
  long samples_limit = -1;
  size_t arena_bytes = 8u << 20;
  for (int i = 4; i < argc; ++i) {
    if (strcmp(argv[i], "--layers") == 0 && i + 1 < argc) {
      layers_dir = argv[++i];
    } else if (strcmp(argv[i], "--samples") == 0 && i + 1 < argc) {
      samples_limit = strtol(argv[++i], NULL, 10);
    } else if (strcmp(argv[i], "--plan") == 0) {
      print_plan = 1;
    } else if (strcmp(argv[i], "--arena") == 0 && i + 1 < argc) {
      arena_bytes = (size_t)strtoul(argv[++i], NULL, 10);
    } else {
      return usage();
    }
  }
  size_t model_bytes = 0, in_bytes = 0;
  uint8_t *model = tg_read_file(model_path, &model_bytes);
  uint8_t *inputs = model != NULL ? tg_read_file(in_path, &in_bytes) : NULL;
  uint8_t *arena = aligned_alloc(16, (arena_bytes + 15u) & ~(size_t)15u);
  const int rc = (model == NULL || inputs == NULL || arena == NULL)
                     ? 2
                     : run(model_path, model, model_bytes, in_path, inputs, in_bytes, out_path, layers_dir,
                           samples_limit, arena, arena_bytes);
  free(model);
  free(inputs);
  free(arena);
  return rc;
}

static int run(const char *model_path, const uint8_t *model, size_t model_bytes, const char *in_path,
               const uint8_t *inputs, size_t in_bytes, const char *out_path, const char *layers_dir,
               long samples_limit, uint8_t *arena, size_t arena_bytes) {
  tg_engine *e = tg_engine_init(arena, arena_bytes);
  if (e == NULL) {
    fprintf(stderr, "tg_run: arena of %zu bytes cannot hold the engine state\n", arena_bytes);
    return 2;
  }
  tg_status s = tg_engine_load(e, model, model_bytes);
  if (s != TG_OK) {
    fprintf(stderr, "tg_run: %s: %s: %s\n", model_path, tg_status_name(s), tg_engine_error(e));
    return 1;
  }
  size_t per_in = 0, per_out = 0;
  for (int32_t i = 0; i < tg_engine_input_count(e); ++i) per_in += (size_t)tg_engine_input(e, i)->bytes;
  for (int32_t i = 0; i < tg_engine_output_count(e); ++i) per_out += (size_t)tg_engine_output(e, i)->bytes;
  if (per_in == 0 || in_bytes % per_in != 0) {
    fprintf(stderr, "tg_run: %s: %zu bytes is not a whole number of %zu-byte samples\n", in_path, in_bytes,
            per_in);
    return 2;
  }
  long samples = (long)(in_bytes / per_in);
  if (samples_limit >= 0) {
    if (samples_limit > samples) {
      fprintf(stderr, "tg_run: --samples %ld but %s holds %ld\n", samples_limit, in_path, samples);
      return 2;
    }
    samples = samples_limit;
  }
  uint8_t *outputs = malloc(per_out * (size_t)(samples > 0 ? samples : 1));
  if (outputs == NULL) return 2;
  static run_state st;
  st.engine = e;
  st.layers_dir = layers_dir;
  const tg_profiler prof = {&st, tg_host_now, NULL, layer_done};
  const int32_t layers = tg_engine_layer_count(e);
  for (long k = 0; k < samples; ++k) {
    st.sample = (int32_t)k;
    const uint8_t *src = inputs + (size_t)k * per_in;
    for (int32_t i = 0; i < tg_engine_input_count(e); ++i) {
      tg_tensor *t = tg_engine_input(e, i);
      memcpy(t->data, src, (size_t)t->bytes);
      src += t->bytes;
    }
    s = tg_engine_invoke(e, &prof);
    if (s != TG_OK) {
      fprintf(stderr, "tg_run: sample %ld: %s: %s\n", k, tg_status_name(s), tg_engine_error(e));
      free(outputs);
      return 1;
    }
    uint8_t *dst = outputs + (size_t)k * per_out;
    for (int32_t i = 0; i < tg_engine_output_count(e); ++i) {
      const tg_tensor *t = tg_engine_output(e, i);
      memcpy(dst, t->data, (size_t)t->bytes);
      dst += t->bytes;
    }
  }
  const int write_failed = st.failed || tg_write_file(out_path, outputs, per_out * (size_t)samples) != 0;
  free(outputs);
  if (write_failed) return 1;

  printf("model %s: %d layers, kernels %s, %ld samples\n", model_path, (int)layers, tg_engine_kernel_set(),
         samples);
  printf("arena used %zu bytes (activation region %zu)\n", tg_engine_arena_used(e), tg_engine_activation_bytes(e));
  if (print_plan) show_plan(e);
  printf("%5s  %-20s %-12s %12s %12s\n", "layer", "op", "path", "mean_ns", "min_ns");
  uint64_t total = 0;
  for (int32_t i = 0; i < layers && i < MAX_LAYERS; ++i) {
    const uint64_t mean = samples > 0 ? st.sum[i] / (uint64_t)samples : 0;
    total += mean;
    printf("%5d  %-20s %-12s %12llu %12lu\n", (int)i, tg_engine_layer_op(e, i),
           path_name(tg_engine_layer_path(e, i)), (unsigned long long)mean, (unsigned long)st.min[i]);
  }
  printf("total mean %llu ns per inference (host, %s build)\n", (unsigned long long)total, tg_engine_kernel_set());
  return 0;
}
