#include "tg_harness_report.h"

#include "tg_console.h"
#include "tg_semihost.h"

void rep_begin(report_file *r) { tg_text_init(&r->t, r->buf, sizeof r->buf); }

void rep_end(report_file *r) {
  tg_text_char(&r->t, '\n');
  if (tg_sh_write(r->handle, r->t.buf, r->t.len) != 0) {
    char msg[300];
    tg_text m;
    tg_text_init(&m, msg, sizeof msg);
    tg_text_str(&m, "tg_harness: cannot write ");
    tg_text_str(&m, r->path);
    (void)tg_console_text(&m);
    tg_sh_exit(73);
  }
}

void rep_kv(report_file *r, const char *key, const char *value) {
  rep_begin(r);
  tg_text_str(&r->t, key);
  tg_text_char(&r->t, ' ');
  tg_text_str(&r->t, value);
  rep_end(r);
}

void rep_ku(report_file *r, const char *key, uint32_t value) {
  rep_begin(r);
  tg_text_str(&r->t, key);
  tg_text_char(&r->t, ' ');
  tg_text_u32(&r->t, value);
  rep_end(r);
}

const char *tg_type_name(tg_type t) {
  switch (t) {
    case TG_FLOAT32:
      return "float32";
    case TG_INT32:
      return "int32";
    case TG_UINT8:
      return "uint8";
    case TG_INT64:
      return "int64";
    case TG_BOOL:
      return "bool";
    case TG_INT16:
      return "int16";
    case TG_INT8:
      return "int8";
    default:
      return "unknown";
  }
}

void rep_tensor(report_file *r, const char *kind, int32_t i, const tg_tensor *t) {
  rep_begin(r);
  tg_text_str(&r->t, kind);
  tg_text_char(&r->t, ' ');
  tg_text_i32(&r->t, i);
  tg_text_char(&r->t, ' ');
  tg_text_str(&r->t, tg_type_name(t->type));
  tg_text_char(&r->t, ' ');
  tg_text_i32(&r->t, t->bytes);
  rep_end(r);
}

