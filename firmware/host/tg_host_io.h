/* File helpers of the host programs (tg_run, tg_golden). Host only: these use stdio
 * and the heap, which the engine itself never does. */
#ifndef TG_HOST_IO_H
#define TG_HOST_IO_H

#include <stddef.h>
#include <stdint.h>

/* Reads a whole file into a 16-byte aligned buffer (free with free()); NULL on error
 * with a message on stderr naming the file. */
uint8_t *tg_read_file(const char *path, size_t *bytes);
/* 0 on success; prints a message naming the file otherwise. */
int tg_write_file(const char *path, const void *data, size_t bytes);
/* Monotonic nanoseconds, truncated to 32 bits (the profiler's wrapping tick counter). */
uint32_t tg_host_now(void *user);

#endif
