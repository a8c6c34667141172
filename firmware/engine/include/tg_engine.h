/* Public API of the tinyml-gate inference engine. The engine keeps all of its state
 * (engine struct, persistent data, activation region) in one caller-supplied arena:
 * no heap. Usage: init -> load -> write inputs -> invoke -> read outputs. */
#ifndef TG_ENGINE_H
#define TG_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "tg_op.h"

typedef struct tg_engine tg_engine; /* lives at the start of the caller's arena: no heap */

typedef struct {
  void *user;
  uint32_t (*now)(void *user);           /* free-running tick counter (wraps) */
  void (*marker)(void *user, int level); /* GPIO marker for energy meters: 1 before each layer, 0 after; may be NULL */
  void (*layer_done)(void *user, int32_t layer, uint32_t ticks,
                     uint8_t kernel_path); /* may be NULL */
} tg_profiler;

/* arena must be 16-byte aligned; returns NULL when arena_bytes is too small for the engine state */
tg_engine *tg_engine_init(uint8_t *arena, size_t arena_bytes);
/* read (bounds-checked) + prepare every operator + plan the arena; the model bytes must stay valid and
   4-byte aligned while the engine uses them */
tg_status tg_engine_load(tg_engine *e, const uint8_t *model, size_t model_bytes);
int32_t tg_engine_input_count(const tg_engine *e);
int32_t tg_engine_output_count(const tg_engine *e);
tg_tensor *tg_engine_input(tg_engine *e, int32_t i); /* write inputs into ->data */
const tg_tensor *tg_engine_output(const tg_engine *e, int32_t i);
tg_status tg_engine_invoke(tg_engine *e, const tg_profiler *prof); /* prof may be NULL */
int32_t tg_engine_layer_count(const tg_engine *e);
const char *tg_engine_layer_op(const tg_engine *e, int32_t layer); /* "CONV_2D" */
uint8_t tg_engine_layer_path(const tg_engine *e, int32_t layer);   /* tg_kernel_path */
/* output 0, valid right after that layer ran (for per-layer golden checks: use layer_done to copy it) */
const tg_tensor *tg_engine_layer_output(const tg_engine *e, int32_t layer);
/* bytes of the arena in use after load: the smallest arena_bytes with which this model loads */
size_t tg_engine_arena_used(const tg_engine *e);
size_t tg_engine_activation_bytes(const tg_engine *e); /* the planned activation region alone */
/* Message of the last failure (names op/layer/tensor). The text lives in one static
   buffer outside the arena, shared by every engine in the image (firmware runs one). */
const char *tg_engine_error(const tg_engine *e);
const char *tg_engine_kernel_set(void);          /* "ref" or "opt" */

#endif
