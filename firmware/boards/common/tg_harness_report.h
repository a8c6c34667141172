/* The harness's tick report (docs/boards.md, "Semihosting harness"): one record per line,
 * written through one bounded text builder into a semihosting file. */
#ifndef TG_HARNESS_REPORT_H
#define TG_HARNESS_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "tg_op.h"
#include "tg_text.h"

typedef struct {
  int32_t handle; /* semihosting file handle */
  const char *path;
  tg_text t;
  char buf[256];
} report_file;

/* A record: begin, add fields to r->t, end (writes the line; a failed write ends the run
 * with exit status 73, naming the file). */
void rep_begin(report_file *r);
void rep_end(report_file *r);
void rep_kv(report_file *r, const char *key, const char *value);
void rep_ku(report_file *r, const char *key, uint32_t value);
void rep_tensor(report_file *r, const char *kind, int32_t i, const tg_tensor *t);
const char *tg_type_name(tg_type t); /* "int8", "float32", ... */

#endif
