/* libFuzzer target: loads the input as a model with the real operator registry and, when
 * it loads, invokes it once on zeroed inputs. Under ASan/UBSan any out-of-bounds read of
 * the model, any overflow in an operator's prepare and any bad plan is a crash.
 *   make fuzz FUZZ_SECONDS=60     (clang; seeds from ../shared/models when present) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tg_engine.h"

#define ARENA_BYTES (1u << 20)
#define MODEL_MAX (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static uint8_t *arena, *model;
  if (arena == NULL) {
    arena = aligned_alloc(16, ARENA_BYTES);
    model = aligned_alloc(16, MODEL_MAX);
    if (arena == NULL || model == NULL) abort();
  }
  if (size > MODEL_MAX) return 0;
  if (size > 0) memcpy(model, data, size); /* the engine wants a 4-byte aligned model */
  tg_engine *e = tg_engine_init(arena, ARENA_BYTES);
  if (tg_engine_load(e, model, size) != TG_OK) {
    if (tg_engine_error(e)[0] == '\0') abort(); /* every refusal carries a message */
    return 0;
  }
  for (int32_t i = 0; i < tg_engine_input_count(e); ++i) {
    tg_tensor *t = tg_engine_input(e, i);
    memset(t->data, 0, (size_t)t->bytes);
  }
  (void)tg_engine_invoke(e, NULL);
  return 0;
}

#ifdef TG_FUZZ_REPLAY
/* Without libFuzzer: replays the given files (the regression corpus of inputs the fuzzer
 * once crashed on) through the same entry point, under the host sanitizers. */
#include <stdio.h>

#include "tg_host_io.h"

int main(int argc, char **argv) {
  for (int i = 1; i < argc; ++i) {
    size_t n;
    uint8_t *data = tg_read_file(argv[i], &n);
    if (data == NULL) return 2;
    LLVMFuzzerTestOneInput(data, n);
    free(data);
    printf("replay: %s: ok\n", argv[i]);
  }
  LLVMFuzzerTestOneInput(NULL, 0);
  return 0;
}
#endif
