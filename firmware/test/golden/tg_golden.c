/* Golden conformance: runs every model of shared/golden through the engine and compares
 * output 0 of every sample with TensorFlow Lite Micro's reference outputs (int8 and other
 * integer types bit-exact; float32 within 1e-5 relative or 1e-6 absolute). On a mismatch
 * the per-layer dumps of samples 0-3 locate the first operator that departs.
 *
 *   tg_golden MODELS_DIR GOLDEN_DIR [--expect-refusal MODEL.tflite:TG_ERR_NAME]...
 *
 * Prints one `golden: <model>: ...` line per model and `N passed, N failed`; exit status
 * 1 when any model failed. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_engine.h"
#include "tg_host_io.h"

#define ARENA_BYTES (8u << 20)
#define DUMP_SAMPLES 4
#define MAX_LAYERS 128
#define MAX_MODELS 64

typedef struct {
  const tg_engine *engine;
  int32_t sample;
  uint8_t *layer_out[MAX_LAYERS]; /* output 0 of each layer for the current sample */
  size_t layer_bytes[MAX_LAYERS];
} capture;

static void on_layer(void *user, int32_t layer, uint32_t ticks, uint8_t path) {
  capture *c = user;
  (void)ticks;
  (void)path;
  if (c->sample >= DUMP_SAMPLES || layer < 0 || layer >= MAX_LAYERS) return;
  const tg_tensor *t = tg_engine_layer_output(c->engine, layer);
  free(c->layer_out[layer]);
  c->layer_out[layer] = malloc((size_t)t->bytes + 1u);
  c->layer_bytes[layer] = (size_t)t->bytes;
  if (c->layer_out[layer] != NULL) memcpy(c->layer_out[layer], t->data, (size_t)t->bytes);
}

static size_t type_size(tg_type t) {
  switch (t) {
    case TG_FLOAT32:
    case TG_INT32: return 4;
    case TG_INT16: return 2;
    case TG_INT64: return 8;
    default: return 1;
  }
}

static double element(tg_type t, const uint8_t *p, size_t i) {
  switch (t) {
    case TG_FLOAT32: {
      float f;
      memcpy(&f, p + 4 * i, 4);
      return f;
    }
    case TG_INT32: {
      int32_t v;
      memcpy(&v, p + 4 * i, 4);
      return v;
    }
    case TG_INT16: {
      int16_t v;
      memcpy(&v, p + 2 * i, 2);
      return v;
    }
    case TG_INT64: {
      int64_t v;
      memcpy(&v, p + 8 * i, 8);
      return (double)v;
    }
    case TG_INT8: return (int8_t)p[i];
    default: return p[i];
  }
}

/* First differing element index, or -1; float within 1e-5 relative or 1e-6 absolute. */
static long first_diff(tg_type t, const uint8_t *got, const uint8_t *want, size_t bytes) {
  const size_t n = bytes / type_size(t);
  for (size_t i = 0; i < n; ++i) {
    const double a = element(t, got, i), b = element(t, want, i);
    if (t == TG_FLOAT32) {
      const double d = fabs(a - b);
      if (!(d <= 1e-6 || d <= 1e-5 * fabs(b))) return (long)i;
    } else if (a != b) {
      return (long)i;
    }
  }
  return -1;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static uint8_t *arena;

/* 1 when the model passes. */
static int run_model(const char *models, const char *golden, const char *name) {
  char path[4096];
  size_t model_bytes, in_bytes, out_bytes;
  snprintf(path, sizeof path, "%s/%s.tflite", models, name);
  uint8_t *model = tg_read_file(path, &model_bytes);
  snprintf(path, sizeof path, "%s/%s/inputs.bin", golden, name);
  uint8_t *inputs = model != NULL ? tg_read_file(path, &in_bytes) : NULL;
  snprintf(path, sizeof path, "%s/%s/outputs.bin", golden, name);
  uint8_t *expected = inputs != NULL ? tg_read_file(path, &out_bytes) : NULL;
  int pass = 0;
  capture cap;
  memset(&cap, 0, sizeof cap);
  if (expected == NULL) {
    printf("golden: %s: FAIL: missing model or golden files\n", name);
    goto done;
  }
  tg_engine *e = tg_engine_init(arena, ARENA_BYTES);
  const tg_status s = tg_engine_load(e, model, model_bytes);
  if (s != TG_OK) {
    printf("golden: %s: FAIL: load: %s: %s\n", name, tg_status_name(s), tg_engine_error(e));
    goto done;
  }
  tg_tensor *in = tg_engine_input(e, 0);
  const tg_tensor *out = tg_engine_output(e, 0);
  const size_t per_in = (size_t)in->bytes, per_out = (size_t)out->bytes;
  if (tg_engine_input_count(e) != 1 || per_in == 0 || in_bytes % per_in != 0 ||
      out_bytes != in_bytes / per_in * per_out) {
    printf("golden: %s: FAIL: %zu input bytes / %zu output bytes do not match the model's %zu / %zu per sample\n",
           name, in_bytes, out_bytes, per_in, per_out);
    goto done;
  }
  const size_t samples = in_bytes / per_in;
  const int32_t layers = tg_engine_layer_count(e);
  cap.engine = e;
  const tg_profiler prof = {&cap, NULL, NULL, on_layer};
  size_t exact = 0;
  long bad_sample = -1, bad_elem = -1;
  double bad_got = 0, bad_want = 0;
  char layer_msg[512] = "";
  for (size_t k = 0; k < samples; ++k) {
    cap.sample = (int32_t)k;
    memcpy(in->data, inputs + k * per_in, per_in);
    const tg_status r = tg_engine_invoke(e, &prof);
    if (r != TG_OK) {
      printf("golden: %s: FAIL: sample %zu: %s: %s\n", name, k, tg_status_name(r), tg_engine_error(e));
      goto done;
    }
    const uint8_t *want = expected + k * per_out;
    const long d = first_diff(out->type, out->data, want, per_out);
    if (d < 0) {
      ++exact;
    } else if (bad_sample < 0) {
      bad_sample = (long)k;
      bad_elem = d;
      bad_got = element(out->type, out->data, (size_t)d);
      bad_want = element(out->type, want, (size_t)d);
    }
    /* Per-layer: the first operator whose output departs, in sample order. */
    for (int32_t l = 0; k < DUMP_SAMPLES && layer_msg[0] == '\0' && l < layers && l < MAX_LAYERS; ++l) {
      size_t lb;
      snprintf(path, sizeof path, "%s/%s/layers/s%zu_op%d.bin", golden, name, k, (int)l);
      uint8_t *ref = tg_read_file(path, &lb);
      if (ref == NULL) {
        snprintf(layer_msg, sizeof layer_msg, "no golden dump %.400s", path);
        break;
      }
      const tg_type lt = tg_engine_layer_output(e, l)->type;
      const long ld = lb != cap.layer_bytes[l] ? 0 : first_diff(lt, cap.layer_out[l], ref, lb);
      if (lb != cap.layer_bytes[l]) {
        snprintf(layer_msg, sizeof layer_msg, "sample %zu layer %d (%s): %zu bytes, golden has %zu", k, (int)l,
                 tg_engine_layer_op(e, l), cap.layer_bytes[l], lb);
      } else if (ld >= 0) {
        snprintf(layer_msg, sizeof layer_msg, "sample %zu layer %d (%s) element %ld: got %.9g, expected %.9g", k,
                 (int)l, tg_engine_layer_op(e, l), ld, element(lt, cap.layer_out[l], (size_t)ld),
                 element(lt, ref, (size_t)ld));
      }
      free(ref);
    }
  }
  const char *kind = out->type == TG_FLOAT32 ? "within 1e-5 rel / 1e-6 abs" : "exact";
  pass = exact == samples && layer_msg[0] == '\0';
  printf("golden: %s: %zu/%zu samples %s (arena %zu bytes, activations %zu)%s\n", name, exact, samples, kind,
         tg_engine_arena_used(e), tg_engine_activation_bytes(e), pass ? "" : "  FAIL");
  if (bad_sample >= 0) {
    printf("  first output mismatch: sample %ld element %ld: got %.9g, expected %.9g\n", bad_sample, bad_elem,
           bad_got, bad_want);
  }
  if (layer_msg[0] != '\0') printf("  first differing layer: %s\n", layer_msg);
done:
  for (int i = 0; i < MAX_LAYERS; ++i) free(cap.layer_out[i]);
  free(model);
  free(inputs);
  free(expected);
  return pass;
}

/* A model that must be refused with a given status (e.g. the hybrid KWS model). */
static int expect_refusal(const char *models, const char *spec) {
  char file[1024];
  const char *colon = strchr(spec, ':');
  if (colon == NULL || (size_t)(colon - spec) >= sizeof file) {
    printf("golden: bad --expect-refusal '%s'\n", spec);
    return 0;
  }
  memcpy(file, spec, (size_t)(colon - spec));
  file[colon - spec] = '\0';
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", models, file);
  size_t bytes;
  uint8_t *model = tg_read_file(path, &bytes);
  if (model == NULL) {
    printf("golden: %s: FAIL: cannot read\n", file);
    return 0;
  }
  tg_engine *e = tg_engine_init(arena, ARENA_BYTES);
  const tg_status s = tg_engine_load(e, model, bytes);
  const int pass = strcmp(tg_status_name(s), colon + 1) == 0;
  printf("golden: %s: %s %s: %s%s\n", file, pass ? "refused as expected with" : "FAIL: expected", colon + 1,
         s == TG_OK ? "loaded" : tg_engine_error(e), pass ? "" : "  FAIL");
  free(model);
  return pass;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: tg_golden MODELS_DIR GOLDEN_DIR [--expect-refusal MODEL:STATUS]...\n");
    return 2;
  }
  arena = aligned_alloc(16, ARENA_BYTES);
  DIR *d = opendir(argv[2]);
  if (arena == NULL || d == NULL) {
    fprintf(stderr, "tg_golden: cannot open %s\n", argv[2]);
    return 2;
  }
  char *names[MAX_MODELS];
  int n = 0;
  for (struct dirent *de; (de = readdir(d)) != NULL && n < MAX_MODELS;) {
    char meta[4096];
    snprintf(meta, sizeof meta, "%s/%s/inputs.bin", argv[2], de->d_name);
    FILE *f = de->d_name[0] != '.' ? fopen(meta, "rb") : NULL;
    if (f != NULL) {
      fclose(f);
      names[n++] = strdup(de->d_name);
    }
  }
  closedir(d);
  qsort(names, (size_t)n, sizeof names[0], cmp_names);
  int passed = 0, failed = 0;
  printf("golden: engine kernels %s, %d models in %s\n", tg_engine_kernel_set(), n, argv[2]);
  for (int i = 0; i < n; ++i) {
    if (run_model(argv[1], argv[2], names[i])) ++passed; else ++failed;
    free(names[i]);
  }
  for (int i = 3; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--expect-refusal") != 0) continue;
    if (expect_refusal(argv[1], argv[i + 1])) ++passed; else ++failed;
  }
  printf("%d passed, %d failed\n", passed, failed);
  free(arena);
  return (failed == 0 && passed > 0) ? 0 : 1;
}
