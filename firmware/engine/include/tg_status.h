/* Status codes of the engine. Stable values: they travel to the host in the serial
 * protocol's error frames. */
#ifndef TG_STATUS_H
#define TG_STATUS_H

typedef enum {
  TG_OK = 0,
  TG_ERR_MODEL_TRUNCATED = 1,   /* an offset or length points outside the model bytes */
  TG_ERR_MODEL_IDENTIFIER = 2,  /* not "TFL3" */
  TG_ERR_MODEL_INVALID = 3,     /* structurally wrong: empty subgraph, bad index, ... */
  TG_ERR_UNSUPPORTED_OP = 4,    /* operator not in this build */
  TG_ERR_UNSUPPORTED_TYPE = 5,  /* tensor type combination not supported by the op */
  TG_ERR_SHAPE = 6,             /* shapes inconsistent with the operator */
  TG_ERR_QUANT = 7,             /* missing or invalid quantization parameters */
  TG_ERR_OPTIONS = 8,           /* builtin options missing, wrong type or invalid */
  TG_ERR_ARENA_TOO_SMALL = 9,   /* the static arena cannot hold the plan */
  TG_ERR_HYBRID = 10,           /* float activations with int8 weights: not supported */
  TG_ERR_ARG = 11,              /* caller error (NULL pointer, wrong size) */
  TG_ERR_STATE = 12             /* call out of order (invoke before prepare) */
} tg_status;

const char *tg_status_name(tg_status s);

#endif
