/* Host tool for the golden conformance runs: compares an engine's raw output with the
 * reference's, element by element.
 *   tg_golden_compare TYPE EXPECTED ACTUAL [BYTES]
 * TYPE: int8 | uint8 | int16 | int32 | float32. Integers must match exactly (TFLite Micro's
 * int8 reference is the oracle: bit-exact); float32 within 1e-5 relative or 1e-6 absolute.
 * BYTES limits the comparison to the first BYTES of both files (a run of fewer samples than
 * the golden file holds); without it the files must have the same size.
 * Exit: 0 match, 1 mismatch (a line says how many, where first, by how much), 2 usage/I/O. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char *read_all(const char *path, long *size) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  if (fseek(f, 0, SEEK_END) != 0 || (*size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
    fclose(f);
    return NULL;
  }
  unsigned char *buf = malloc((size_t)*size + 1);
  if (buf != NULL && fread(buf, 1, (size_t)*size, f) != (size_t)*size) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  return buf;
}

static double value_at(const char *type, const unsigned char *p, long i) {
  if (strcmp(type, "int8") == 0) return (double)(int8_t)p[i];
  if (strcmp(type, "uint8") == 0) return (double)p[i];
  if (strcmp(type, "int16") == 0) {
    int16_t v;
    memcpy(&v, p + 2 * i, 2);
    return v;
  }
  if (strcmp(type, "int32") == 0) {
    int32_t v;
    memcpy(&v, p + 4 * i, 4);
    return v;
  }
  float v;
  memcpy(&v, p + 4 * i, 4);
  return v;
}

int main(int argc, char **argv) {
  if (argc != 4 && argc != 5) {
    fprintf(stderr, "usage: tg_golden_compare int8|uint8|int16|int32|float32 EXPECTED ACTUAL [BYTES]\n");
    return 2;
  }
  const char *type = argv[1];
  long width;
  if (strcmp(type, "int8") == 0 || strcmp(type, "uint8") == 0) {
    width = 1;
  } else if (strcmp(type, "int16") == 0) {
    width = 2;
  } else if (strcmp(type, "int32") == 0 || strcmp(type, "float32") == 0) {
    width = 4;
  } else {
    fprintf(stderr, "tg_golden_compare: unknown type '%s'\n", type);
    return 2;
  }
  const int is_float = strcmp(type, "float32") == 0;
  long n_exp, n_act;
  unsigned char *exp = read_all(argv[2], &n_exp);
  unsigned char *act = read_all(argv[3], &n_act);
  if (exp == NULL || act == NULL) {
    fprintf(stderr, "tg_golden_compare: cannot read %s\n", exp == NULL ? argv[2] : argv[3]);
    return 2;
  }
  long bytes = n_exp;
  if (argc == 5) {
    bytes = strtol(argv[4], NULL, 10);
    if (bytes <= 0 || bytes > n_exp || bytes > n_act) {
      printf("size: want %ld bytes, expected file has %ld, actual has %ld\n", bytes, n_exp, n_act);
      return 1;
    }
  } else if (n_exp != n_act) {
    printf("size: expected %ld bytes, actual %ld\n", n_exp, n_act);
    return 1;
  }
  if (bytes % width != 0) {
    printf("size: %ld bytes is not a whole number of %s\n", bytes, type);
    return 1;
  }
  long n = bytes / width, bad = 0, first = -1;
  double max_diff = 0.0;
  for (long i = 0; i < n; ++i) {
    double e = value_at(type, exp, i), a = value_at(type, act, i);
    double d = fabs(e - a);
    int ok;
    if (!is_float) {
      ok = e == a;
    } else if (isnan(e) || isnan(a)) {
      ok = isnan(e) && isnan(a); /* NaN only where the reference has NaN */
    } else {
      ok = d <= 1e-6 || d <= 1e-5 * fabs(e);
    }
    if (!ok) {
      if (first < 0) first = i;
      ++bad;
    }
    if (!isnan(d) && d > max_diff) max_diff = d;
  }
  if (bad == 0) {
    printf("match: %ld %s values (max abs diff %g)\n", n, type, max_diff);
    return 0;
  }
  printf("mismatch: %ld of %ld %s values differ; first at index %ld (expected %.9g, got %.9g); max abs diff %g\n",
         bad, n, type, first, value_at(type, exp, first), value_at(type, act, first), max_diff);
  return 1;
}
