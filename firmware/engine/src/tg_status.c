/* Status names and the error-message formatter. The formatter exists because firmware
 * code may not call the C library's printf family (code size, and newlib's vfprintf
 * may allocate); it covers what the engine's and operators' messages use. */
#include <stdarg.h>
#include <stdint.h>

#include "tg_internal.h"

const char *tg_status_name(tg_status s) {
  switch (s) {
    case TG_OK: return "TG_OK";
    case TG_ERR_MODEL_TRUNCATED: return "TG_ERR_MODEL_TRUNCATED";
    case TG_ERR_MODEL_IDENTIFIER: return "TG_ERR_MODEL_IDENTIFIER";
    case TG_ERR_MODEL_INVALID: return "TG_ERR_MODEL_INVALID";
    case TG_ERR_UNSUPPORTED_OP: return "TG_ERR_UNSUPPORTED_OP";
    case TG_ERR_UNSUPPORTED_TYPE: return "TG_ERR_UNSUPPORTED_TYPE";
    case TG_ERR_SHAPE: return "TG_ERR_SHAPE";
    case TG_ERR_QUANT: return "TG_ERR_QUANT";
    case TG_ERR_OPTIONS: return "TG_ERR_OPTIONS";
    case TG_ERR_ARENA_TOO_SMALL: return "TG_ERR_ARENA_TOO_SMALL";
    case TG_ERR_HYBRID: return "TG_ERR_HYBRID";
    case TG_ERR_ARG: return "TG_ERR_ARG";
    case TG_ERR_STATE: return "TG_ERR_STATE";
  }
  return "TG_ERR_UNKNOWN";
}

typedef struct {
  char *out;
  size_t cap;
  size_t len;
} sink;

static void put(sink *s, char c) {
  if (s->len + 1 < s->cap) s->out[s->len] = c;
  ++s->len;
}

static void put_str(sink *s, const char *p, int max) {
  if (p == NULL) p = "(null)";
  for (int i = 0; (max < 0 || i < max) && p[i] != '\0'; ++i) put(s, p[i]);
}

static void put_unsigned(sink *s, unsigned long long v, unsigned base) {
  char digits[24];
  int n = 0;
  do {
    const unsigned d = (unsigned)(v % base);
    digits[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
    v /= base;
  } while (v != 0 && n < (int)sizeof digits);
  while (n > 0) put(s, digits[--n]);
}

static void put_signed(sink *s, long long v) {
  if (v < 0) {
    put(s, '-');
    put_unsigned(s, (unsigned long long)(-(v + 1)) + 1u, 10);
  } else {
    put_unsigned(s, (unsigned long long)v, 10);
  }
}

/* Fixed notation with prec decimals; huge or non-finite values print as words, since
 * messages only need scales and ranges to be recognisable. */
static void put_double(sink *s, double v, int prec) {
  if (v != v) {
    put_str(s, "nan", -1);
    return;
  }
  if (v < 0) {
    put(s, '-');
    v = -v;
  }
  if (v > 1e18) {
    put_str(s, v > 1.7e308 ? "inf" : "huge", -1);
    return;
  }
  if (prec > 9) prec = 9;
  unsigned long long scale = 1;
  for (int i = 0; i < prec; ++i) scale *= 10u;
  const unsigned long long whole = (unsigned long long)v;
  unsigned long long frac = (unsigned long long)((v - (double)whole) * (double)scale + 0.5);
  unsigned long long w = whole;
  if (frac >= scale) {
    frac -= scale;
    ++w;
  }
  put_unsigned(s, w, 10);
  if (prec == 0) return;
  put(s, '.');
  for (unsigned long long d = scale / 10u; d > 0; d /= 10u) put(s, (char)('0' + (frac / d) % 10u));
}

int tg_vformat(char *out, size_t cap, const char *fmt, va_list ap) {
  sink s = {out, cap, 0};
  for (const char *p = fmt; *p != '\0'; ++p) {
    if (*p != '%') {
      put(&s, *p);
      continue;
    }
    ++p;
    int prec = -1;
    if (*p == '.') {
      ++p;
      if (*p == '*') {
        prec = va_arg(ap, int);
        ++p;
      } else {
        prec = 0;
        while (*p >= '0' && *p <= '9') prec = prec * 10 + (*p++ - '0');
      }
    }
    int lng = 0; /* 1: long, 2: size_t, 3: long long */
    if (*p == 'l') {
      lng = 1;
      ++p;
      if (*p == 'l') {
        lng = 3;
        ++p;
      }
    } else if (*p == 'z') {
      lng = 2;
      ++p;
    }
    switch (*p) {
      case 'd':
      case 'i':
        put_signed(&s, lng == 3   ? va_arg(ap, long long)
                       : lng == 1 ? va_arg(ap, long)
                       : lng == 2 ? (long long)va_arg(ap, size_t)
                                  : va_arg(ap, int));
        break;
      case 'u':
      case 'x': {
        const unsigned long long v = lng == 3   ? va_arg(ap, unsigned long long)
                                     : lng == 1 ? va_arg(ap, unsigned long)
                                     : lng == 2 ? va_arg(ap, size_t)
                                                : va_arg(ap, unsigned);
        put_unsigned(&s, v, *p == 'x' ? 16u : 10u);
        break;
      }
      case 's': put_str(&s, va_arg(ap, const char *), prec); break;
      case 'c': put(&s, (char)va_arg(ap, int)); break;
      case 'f':
      case 'g': put_double(&s, va_arg(ap, double), prec < 0 ? 6 : prec); break;
      case '%': put(&s, '%'); break;
      case '\0': --p; break; /* a lone trailing '%' */
      default:
        put(&s, '%');
        put(&s, *p);
        break;
    }
  }
  if (cap > 0) out[s.len < cap ? s.len : cap - 1] = '\0';
  return (int)(s.len < cap ? s.len : (cap > 0 ? cap - 1 : 0));
}

int tg_format(char *out, size_t cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const int n = tg_vformat(out, cap, fmt, ap);
  va_end(ap);
  return n;
}
