#include "tg_semihost.h"

#include <string.h>

enum {
  SYS_OPEN = 0x01,
  SYS_CLOSE = 0x02,
  SYS_WRITE0 = 0x04,
  SYS_WRITE = 0x05,
  SYS_READ = 0x06,
  SYS_FLEN = 0x0C,
  SYS_ERRNO = 0x13,
  SYS_GET_CMDLINE = 0x15,
  SYS_EXIT = 0x18,
  SYS_EXIT_EXTENDED = 0x20
};
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

static int32_t sh_call(int32_t op, const void *arg) {
  register int32_t r0 __asm__("r0") = op;
  register const void *r1 __asm__("r1") = arg;
  /* "memory": the host reads and writes the blocks r1 points to */
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

int32_t tg_sh_open(const char *path, int mode) {
  uint32_t block[3] = {(uint32_t)(uintptr_t)path, (uint32_t)mode, (uint32_t)strlen(path)};
  return sh_call(SYS_OPEN, block);
}

int32_t tg_sh_close(int32_t handle) {
  uint32_t block[1] = {(uint32_t)handle};
  return sh_call(SYS_CLOSE, block);
}

int32_t tg_sh_flen(int32_t handle) {
  uint32_t block[1] = {(uint32_t)handle};
  return sh_call(SYS_FLEN, block);
}

/* SYS_READ/SYS_WRITE return the number of bytes NOT transferred. Large buffers go in
 * chunks so that one call never asks the host for more than it is likely to serve. */
#define SH_CHUNK 65536u

int32_t tg_sh_read(int32_t handle, void *buf, size_t len) {
  uint8_t *p = buf;
  while (len > 0) {
    size_t n = len < SH_CHUNK ? len : SH_CHUNK;
    uint32_t block[3] = {(uint32_t)handle, (uint32_t)(uintptr_t)p, (uint32_t)n};
    int32_t left = sh_call(SYS_READ, block);
    if (left != 0) return -1;
    p += n;
    len -= n;
  }
  return 0;
}

int32_t tg_sh_write(int32_t handle, const void *buf, size_t len) {
  const uint8_t *p = buf;
  while (len > 0) {
    size_t n = len < SH_CHUNK ? len : SH_CHUNK;
    uint32_t block[3] = {(uint32_t)handle, (uint32_t)(uintptr_t)p, (uint32_t)n};
    int32_t left = sh_call(SYS_WRITE, block);
    if (left != 0) return -1;
    p += n;
    len -= n;
  }
  return 0;
}

int32_t tg_sh_errno(void) { return sh_call(SYS_ERRNO, NULL); }

void tg_sh_write0(const char *s) { (void)sh_call(SYS_WRITE0, s); }

int32_t tg_sh_cmdline(char *buf, size_t size) {
  uint32_t block[2] = {(uint32_t)(uintptr_t)buf, (uint32_t)size};
  return sh_call(SYS_GET_CMDLINE, block) == 0 ? 0 : -1;
}

void tg_sh_exit(int code) {
  uint32_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint32_t)code};
  (void)sh_call(SYS_EXIT_EXTENDED, block);
  /* A host without the extension: plain SYS_EXIT can only say success or failure. */
  (void)sh_call(SYS_EXIT, (const void *)(uintptr_t)(code == 0 ? ADP_STOPPED_APPLICATION_EXIT : 0x20024u));
  for (;;) {
  }
}
