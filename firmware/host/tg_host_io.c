/* Host file and clock helpers (POSIX). */
#define _POSIX_C_SOURCE 200809L
#include "tg_host_io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint8_t *tg_read_file(const char *path, size_t *bytes) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    fprintf(stderr, "%s: %s\n", path, strerror(errno));
    return NULL;
  }
  if (fseek(f, 0, SEEK_END) != 0) goto fail;
  const long n = ftell(f);
  if (n < 0 || fseek(f, 0, SEEK_SET) != 0) goto fail;
  /* Rounded up and at least 16 so aligned_alloc's size rule holds for empty files. */
  uint8_t *buf = aligned_alloc(16, ((size_t)n + 16u) & ~(size_t)15u);
  if (buf == NULL) goto fail;
  if (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    goto fail;
  }
  fclose(f);
  *bytes = (size_t)n;
  return buf;
fail:
  fprintf(stderr, "%s: cannot read\n", path);
  fclose(f);
  return NULL;
}

int tg_write_file(const char *path, const void *data, size_t bytes) {
  FILE *f = fopen(path, "wb");
  if (f == NULL) {
    fprintf(stderr, "%s: %s\n", path, strerror(errno));
    return -1;
  }
  const int ok = (bytes == 0 || fwrite(data, 1, bytes, f) == bytes);
  if (fclose(f) != 0 || !ok) {
    fprintf(stderr, "%s: write failed\n", path);
    return -1;
  }
  return 0;
}

uint32_t tg_host_now(void *user) {
  (void)user;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint32_t)((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}
