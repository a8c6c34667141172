/* Semihosting harness: runs a .tflite model on the emulated board over a file of input
 * samples, with the host's files reached through ARM semihosting.
 *
 *   tg_harness MODEL INPUTS OUTPUTS TICKS [-n MAX_SAMPLES] [-l LAYER_DIR]
 *
 * MODEL    the .tflite file, read whole into the board's bulk RAM (BULK region), followed
 *          there by the current sample.
 * INPUTS   samples back to back; one sample = every input tensor, in input order, raw.
 * OUTPUTS  written: per sample, every output tensor in output order, raw, back to back.
 * TICKS    written: a text report, one record per line (docs/boards.md):
 *            tg-harness 1 / board / core / float / kernels / compiler / timer NAME HZ / model_bytes /
 *            arena_bytes / arena_used / activation_bytes / layers N / layer I OP PATH /
 *            input I TYPE BYTES / output I TYPE BYTES / samples N /
 *            tick SAMPLE LAYER OP PATH TICKS (per layer, per sample) /
 *            total SAMPLE TICKS (the whole invoke, profiler included) / stack_used BYTES
 * -n       run at most this many samples (default: all in INPUTS).
 * -l DIR   also write, for samples 0-3, output 0 of every layer to DIR/s<K>_op<I>.bin (the
 *          layout of shared/golden/<model>/layers) and DIR/manifest.txt ("FILE TYPE BYTES");
 *          done by a second, untimed invoke so the dumps never enter the ticks.
 * The engine's arena is all RAM left between .bss and the stack (linker script).
 * Exit status: 0; a tg_status (1-12) when the engine refused the model or failed; 64 usage,
 * 65 inconsistent data (input size, model larger than the bulk RAM), 66 a file could not be
 * opened or read, 73 a file could not be written, 70 a CPU fault. */
#include <stdint.h>
#include <string.h>

#include "tg_board.h"
#include "tg_console.h"
#include "tg_engine.h"
#include "tg_harness_report.h"
#include "tg_semihost.h"
#include "tg_text.h"
#include "tg_timer.h"

enum {
  EXIT_USAGE = 64,
  EXIT_DATA = 65,
  EXIT_NO_INPUT = 66,
  EXIT_CANT_CREATE = 73,
};

#define MAX_ARGS 12
#define MAX_LAYERS 1024
#define DUMP_SAMPLES 4

extern uint8_t __tg_arena_start[];
extern uint8_t __tg_arena_end[];
extern uint8_t __tg_bulk_start[];
extern uint8_t __tg_bulk_end[];

typedef struct {
  const char *model;
  const char *inputs;
  const char *outputs;
  const char *ticks;
  const char *layer_dir;
  uint32_t max_samples;
} harness_args;

/* Per-layer record of the timed invoke (layer_done runs after the layer's timing). */
static uint32_t layer_ticks[MAX_LAYERS];
static uint8_t layer_path[MAX_LAYERS];

static char line_buf[256];
static char cmdline[1024]; /* four paths and options; QEMU refuses a longer line */

static void say(const char *a, const char *b, const char *c) {
  tg_text t;
  tg_text_init(&t, line_buf, sizeof line_buf);
  tg_text_str(&t, "tg_harness: ");
  tg_text_str(&t, a);
  if (b != NULL) tg_text_str(&t, b);
  if (c != NULL) tg_text_str(&t, c);
  (void)tg_console_text(&t);
}

static void fail_exit(int code, const char *a, const char *b, const char *c) {
  say(a, b, c);
  tg_sh_exit(code);
}

static uint32_t parse_u32(const char *s, int *ok) {
  uint32_t v = 0;
  *ok = *s != '\0';
  for (; *s != '\0'; ++s) {
    if (*s < '0' || *s > '9' || v > 429496728u) {
      *ok = 0;
      return 0;
    }
    v = v * 10u + (uint32_t)(*s - '0');
  }
  return v;
}

/* Splits the semihosting command line in place at spaces; argv[0] is the program. */
static void parse_args(harness_args *a) {
  if (tg_sh_cmdline(cmdline, sizeof cmdline) != 0) fail_exit(EXIT_USAGE, "no command line (SYS_GET_CMDLINE)", NULL, NULL);
  char *argv[MAX_ARGS];
  int argc = 0;
  for (char *p = cmdline; *p != '\0';) {
    while (*p == ' ') *p++ = '\0';
    if (*p == '\0') break;
    if (argc == MAX_ARGS) fail_exit(EXIT_USAGE, "too many arguments", NULL, NULL);
    argv[argc++] = p;
    while (*p != '\0' && *p != ' ') ++p;
  }
  memset(a, 0, sizeof *a);
  a->max_samples = UINT32_MAX;
  int positional = 0;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
      int ok;
      a->max_samples = parse_u32(argv[++i], &ok);
      if (!ok) fail_exit(EXIT_USAGE, "-n wants a number, got ", argv[i], NULL);
    } else if (strcmp(argv[i], "-l") == 0 && i + 1 < argc) {
      a->layer_dir = argv[++i];
    } else if (argv[i][0] == '-') {
      fail_exit(EXIT_USAGE, "unknown option ", argv[i], NULL);
    } else {
      const char **slot[] = {&a->model, &a->inputs, &a->outputs, &a->ticks};
      if (positional == 4) fail_exit(EXIT_USAGE, "unexpected argument ", argv[i], NULL);
      *slot[positional++] = argv[i];
    }
  }
  if (positional != 4) {
    fail_exit(EXIT_USAGE, "usage: tg_harness MODEL INPUTS OUTPUTS TICKS [-n MAX_SAMPLES] [-l LAYER_DIR]", NULL,
              NULL);
  }
}

static int32_t open_or_exit(const char *path, int mode) {
  int32_t h = tg_sh_open(path, mode);
  if (h < 0) {
    fail_exit(mode == TG_SH_MODE_RB ? EXIT_NO_INPUT : EXIT_CANT_CREATE,
              mode == TG_SH_MODE_RB ? "cannot open " : "cannot create ", path, NULL);
  }
  return h;
}

static void write_or_exit(int32_t h, const void *data, size_t len, const char *path) {
  if (tg_sh_write(h, data, len) != 0) fail_exit(EXIT_CANT_CREATE, "cannot write ", path, NULL);
}

static uint32_t prof_now(void *user) {
  (void)user;
  return tg_timer_now();
}

static void prof_marker(void *user, int level) {
  (void)user;
  tg_marker_set(level);
}

static void prof_record(void *user, int32_t layer, uint32_t ticks, uint8_t kernel_path) {
  (void)user;
  if (layer >= 0 && layer < MAX_LAYERS) {
    layer_ticks[layer] = ticks;
    layer_path[layer] = kernel_path;
  }
}

/* Layer dumps (second, untimed invoke of samples 0-3). */
typedef struct {
  tg_engine *engine;
  const char *dir;
  uint32_t sample;
  int32_t manifest;
  int failed;
} dump_ctx;

static void prof_dump(void *user, int32_t layer, uint32_t ticks, uint8_t kernel_path) {
  (void)ticks;
  (void)kernel_path;
  dump_ctx *d = user;
  const tg_tensor *out = tg_engine_layer_output(d->engine, layer);
  if (out == NULL || out->data == NULL) return;
  char name[32];
  char path[256];
  tg_text t;
  tg_text_init(&t, name, sizeof name);
  tg_text_char(&t, 's');
  tg_text_u32(&t, d->sample);
  tg_text_str(&t, "_op");
  tg_text_i32(&t, layer);
  tg_text_str(&t, ".bin");
  tg_text_init(&t, path, sizeof path);
  tg_text_str(&t, d->dir);
  tg_text_char(&t, '/');
  tg_text_str(&t, name);
  int32_t h = tg_sh_open(path, TG_SH_MODE_WB);
  if (h < 0 || t.truncated || tg_sh_write(h, out->data, (size_t)out->bytes) != 0) d->failed = 1;
  if (h >= 0) (void)tg_sh_close(h);
  char line[64];
  tg_text_init(&t, line, sizeof line);
  tg_text_str(&t, name);
  tg_text_char(&t, ' ');
  tg_text_str(&t, tg_type_name(out->type));
  tg_text_char(&t, ' ');
  tg_text_i32(&t, out->bytes);
  tg_text_char(&t, '\n');
  if (tg_sh_write(d->manifest, t.buf, t.len) != 0) d->failed = 1;
}

static void load_inputs(tg_engine *e, const uint8_t *sample) {
  for (int32_t i = 0; i < tg_engine_input_count(e); ++i) {
    tg_tensor *in = tg_engine_input(e, i);
    memcpy(in->data, sample, (size_t)in->bytes);
    sample += in->bytes;
  }
}

static void engine_fail_exit(tg_engine *e, const char *what, tg_status s) {
  tg_text t;
  tg_text_init(&t, line_buf, sizeof line_buf);
  tg_text_str(&t, "tg_harness: ");
  tg_text_str(&t, what);
  tg_text_str(&t, ": ");
  tg_text_str(&t, tg_status_name(s));
  tg_text_str(&t, ": ");
  tg_text_str(&t, e != NULL ? tg_engine_error(e) : "");
  (void)tg_console_text(&t);
  tg_sh_exit((int)s);
}

/* The model, whole, into the bulk region (16-byte aligned by the linker script). */
static size_t read_model(const char *path) {
  int32_t h = open_or_exit(path, TG_SH_MODE_RB);
  int32_t bytes = tg_sh_flen(h);
  if (bytes <= 0) fail_exit(EXIT_NO_INPUT, "cannot size ", path, NULL);
  if ((size_t)bytes > (size_t)(__tg_bulk_end - __tg_bulk_start)) {
    fail_exit(EXIT_DATA, "model larger than the bulk RAM: ", path, NULL);
  }
  if (tg_sh_read(h, __tg_bulk_start, (size_t)bytes) != 0) fail_exit(EXIT_NO_INPUT, "cannot read ", path, NULL);
  (void)tg_sh_close(h);
  return (size_t)bytes;
}

/* Everything about the run that does not change per sample. */
static void write_header(report_file *rep, tg_engine *e, size_t model_bytes, size_t arena_bytes,
                         uint32_t samples) {
  const tg_board_info *info = tg_board_get_info();
  rep_ku(rep, "tg-harness", 1);
  rep_kv(rep, "board", info->board);
  rep_kv(rep, "core", info->core);
  rep_kv(rep, "float", info->float_abi);
  rep_kv(rep, "kernels", tg_engine_kernel_set());
  rep_kv(rep, "compiler", "gcc " __VERSION__); /* the rest of the line */
  rep_begin(rep);
  tg_text_str(&rep->t, "timer ");
  tg_text_str(&rep->t, tg_timer_name());
  tg_text_char(&rep->t, ' ');
  tg_text_u32(&rep->t, tg_timer_hz());
  rep_end(rep);
  rep_ku(rep, "model_bytes", (uint32_t)model_bytes);
  rep_ku(rep, "arena_bytes", (uint32_t)arena_bytes);
  rep_ku(rep, "arena_used", (uint32_t)tg_engine_arena_used(e));
  rep_ku(rep, "activation_bytes", (uint32_t)tg_engine_activation_bytes(e));
  rep_ku(rep, "layers", (uint32_t)tg_engine_layer_count(e));
  for (int32_t l = 0; l < tg_engine_layer_count(e); ++l) {
    rep_begin(rep);
    tg_text_str(&rep->t, "layer ");
    tg_text_i32(&rep->t, l);
    tg_text_char(&rep->t, ' ');
    tg_text_str(&rep->t, tg_engine_layer_op(e, l));
    tg_text_char(&rep->t, ' ');
    tg_text_u32(&rep->t, tg_engine_layer_path(e, l));
    rep_end(rep);
  }
  for (int32_t i = 0; i < tg_engine_input_count(e); ++i) rep_tensor(rep, "input", i, tg_engine_input(e, i));
  for (int32_t i = 0; i < tg_engine_output_count(e); ++i) rep_tensor(rep, "output", i, tg_engine_output(e, i));
  rep_ku(rep, "samples", samples);
}

/* One sample: the per-layer records of the timed invoke, then its total. */
static void write_sample_ticks(report_file *rep, const tg_engine *e, uint32_t k, uint32_t total) {
  for (int32_t l = 0; l < tg_engine_layer_count(e); ++l) {
    rep_begin(rep);
    tg_text_str(&rep->t, "tick ");
    tg_text_u32(&rep->t, k);
    tg_text_char(&rep->t, ' ');
    tg_text_i32(&rep->t, l);
    tg_text_char(&rep->t, ' ');
    tg_text_str(&rep->t, tg_engine_layer_op(e, l));
    tg_text_char(&rep->t, ' ');
    tg_text_u32(&rep->t, layer_path[l]);
    tg_text_char(&rep->t, ' ');
    tg_text_u32(&rep->t, layer_ticks[l]);
    rep_end(rep);
  }
  rep_begin(rep);
  tg_text_str(&rep->t, "total ");
  tg_text_u32(&rep->t, k);
  tg_text_char(&rep->t, ' ');
  tg_text_u32(&rep->t, total);
  rep_end(rep);
}

static int32_t open_manifest(const char *dir) {
  char path[256];
  tg_text t;
  tg_text_init(&t, path, sizeof path);
  tg_text_str(&t, dir);
  tg_text_str(&t, "/manifest.txt");
  if (t.truncated) fail_exit(EXIT_USAGE, "layer directory path too long: ", dir, NULL);
  return open_or_exit(path, TG_SH_MODE_WB);
}

static void say_summary(const tg_engine *e, uint32_t samples, size_t arena_bytes, uint64_t ticks_sum) {
  tg_text t;
  tg_text_init(&t, line_buf, sizeof line_buf);
  tg_text_str(&t, "tg_harness: ");
  tg_text_u32(&t, samples);
  tg_text_str(&t, " samples, ");
  tg_text_i32(&t, tg_engine_layer_count(e));
  tg_text_str(&t, " layers, arena ");
  tg_text_u32(&t, (uint32_t)tg_engine_arena_used(e));
  tg_text_str(&t, " of ");
  tg_text_u32(&t, (uint32_t)arena_bytes);
  tg_text_str(&t, " bytes, mean ticks per inference ");
  tg_text_ratio(&t, ticks_sum, samples == 0 ? 1u : samples);
  (void)tg_console_text(&t);
}

int main(void) {
  tg_board_init();
  harness_args args;
  parse_args(&args);

  const size_t model_bytes = read_model(args.model);
  const size_t arena_bytes = (size_t)(__tg_arena_end - __tg_arena_start);
  tg_engine *e = tg_engine_init(__tg_arena_start, arena_bytes);
  if (e == NULL) engine_fail_exit(NULL, "init", TG_ERR_ARENA_TOO_SMALL);
  tg_status s = tg_engine_load(e, __tg_bulk_start, model_bytes);
  if (s != TG_OK) engine_fail_exit(e, "load", s);
  if (tg_engine_layer_count(e) > MAX_LAYERS) fail_exit(EXIT_DATA, "more layers than the harness records", NULL, NULL);

  size_t sample_bytes = 0;
  for (int32_t i = 0; i < tg_engine_input_count(e); ++i) sample_bytes += (size_t)tg_engine_input(e, i)->bytes;
  int32_t ih = open_or_exit(args.inputs, TG_SH_MODE_RB);
  int32_t input_file_bytes = tg_sh_flen(ih);
  if (input_file_bytes < 0 || sample_bytes == 0 || (size_t)input_file_bytes % sample_bytes != 0) {
    fail_exit(EXIT_DATA, "input file is not a whole number of samples: ", args.inputs, NULL);
  }
  uint32_t samples = (uint32_t)((size_t)input_file_bytes / sample_bytes);
  if (samples > args.max_samples) samples = args.max_samples;
  /* One sample is kept in bulk RAM after the model: an invoke may overwrite its input
   * tensors (their memory is reused once consumed), and the layer dump invokes again. */
  uint8_t *sample = __tg_bulk_start + ((model_bytes + 15u) & ~(size_t)15u);
  if ((size_t)(__tg_bulk_end - sample) < sample_bytes) {
    fail_exit(EXIT_DATA, "model and one sample exceed the bulk RAM", NULL, NULL);
  }

  report_file rep = {.handle = open_or_exit(args.ticks, TG_SH_MODE_WB), .path = args.ticks};
  int32_t oh = open_or_exit(args.outputs, TG_SH_MODE_WB);
  int32_t manifest = args.layer_dir != NULL ? open_manifest(args.layer_dir) : -1;
  write_header(&rep, e, model_bytes, arena_bytes, samples);

  const tg_profiler timed = {NULL, prof_now, prof_marker, prof_record};
  uint64_t ticks_sum = 0;
  for (uint32_t k = 0; k < samples; ++k) {
    if (tg_sh_read(ih, sample, sample_bytes) != 0) fail_exit(EXIT_NO_INPUT, "short read from ", args.inputs, NULL);
    load_inputs(e, sample);
    memset(layer_ticks, 0, sizeof layer_ticks);
    const uint32_t t0 = tg_timer_now();
    s = tg_engine_invoke(e, &timed);
    const uint32_t total = tg_timer_now() - t0;
    if (s != TG_OK) engine_fail_exit(e, "invoke", s);
    ticks_sum += total;
    for (int32_t i = 0; i < tg_engine_output_count(e); ++i) {
      const tg_tensor *out = tg_engine_output(e, i);
      write_or_exit(oh, out->data, (size_t)out->bytes, args.outputs);
    }
    write_sample_ticks(&rep, e, k, total);

    if (manifest >= 0 && k < DUMP_SAMPLES) {
      load_inputs(e, sample); /* the planner may have reused the input's memory */
      dump_ctx d = {e, args.layer_dir, k, manifest, 0};
      const tg_profiler dumping = {&d, prof_now, NULL, prof_dump};
      s = tg_engine_invoke(e, &dumping);
      if (s != TG_OK) engine_fail_exit(e, "invoke (layer dump)", s);
      if (d.failed) fail_exit(EXIT_CANT_CREATE, "cannot write layer dumps under ", args.layer_dir, NULL);
    }
  }
  rep_ku(&rep, "stack_used", (uint32_t)tg_board_stack_used());
  (void)tg_sh_close(ih);
  (void)tg_sh_close(oh);
  (void)tg_sh_close(rep.handle);
  if (manifest >= 0) (void)tg_sh_close(manifest);
  say_summary(e, samples, arena_bytes, ticks_sum);
  tg_sh_exit(0);
}
