/* The "virtual board": the protocol dispatcher and the engine built for the host, so the
 * TypeScript side can be tested in milliseconds without QEMU (docs/protocol.md, section 8).
 *
 *   tg_virtual_board [--ticks clock|counter] [--model-ram N] [--arena N] [--tty PATH | --pty]
 *
 * Link: stdin/stdout (default), a tty device opened raw (--tty), or a new pseudo-terminal
 * (--pty: its path is printed on stderr as "tg_virtual_board: serial on /dev/pts/N", the
 * way QEMU names its -serial pty). Ticks: clock_gettime(CLOCK_MONOTONIC) in microseconds
 * (--ticks clock, the default) or a deterministic counter that advances 1000 per reading
 * (--ticks counter: identical ticks on every run). Host program: static buffers stand for
 * the board's RAM regions, no heap either. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "tg_proto.h"

#define MODEL_RAM_MAX (32u * 1024u * 1024u)
#define ARENA_MAX (8u * 1024u * 1024u)

static _Alignas(16) uint8_t model_ram[MODEL_RAM_MAX];
static _Alignas(16) uint8_t arena[ARENA_MAX];
static tg_proto proto;

typedef struct {
  int in_fd, out_fd;
  int is_pty_master; /* EIO while no client holds the slave: wait, do not quit */
  uint32_t counter;
} host_link;

static int32_t link_read(void *user, uint8_t *buf, size_t cap) {
  host_link *l = user;
  for (;;) {
    ssize_t n = read(l->in_fd, buf, cap);
    if (n > 0) return (int32_t)n;
    if (n == 0) return -1; /* end of input: the host side closed the pipe */
    if (errno == EINTR) continue;
    if (errno == EIO && l->is_pty_master) {
      usleep(2000);
      continue;
    }
    return -1;
  }
}

static int link_write(void *user, const uint8_t *buf, size_t len) {
  host_link *l = user;
  while (len > 0) {
    ssize_t n = write(l->out_fd, buf, len);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      if (errno == EIO && l->is_pty_master) return 0; /* nobody listening: the bytes are lost */
      return -1;
    }
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

static uint32_t now_clock(void *user) {
  (void)user;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint32_t)((uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u);
}

static uint32_t now_counter(void *user) {
  host_link *l = user;
  l->counter += 1000u;
  return l->counter;
}

static int make_raw(int fd) {
  struct termios tio;
  if (tcgetattr(fd, &tio) != 0) return -1;
  cfmakeraw(&tio);
  return tcsetattr(fd, TCSANOW, &tio);
}

static int usage(const char *msg) {
  fprintf(stderr, "tg_virtual_board: %s\nusage: tg_virtual_board [--ticks clock|counter] [--model-ram N] "
                  "[--arena N] [--tty PATH | --pty]\n", msg);
  return 64;
}

static int parse_size(const char *s, size_t max, size_t *out) {
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v == 0 || v > max) return -1;
  *out = (size_t)v;
  return 0;
}

int main(int argc, char **argv) {
  host_link hl = {.in_fd = 0, .out_fd = 1};
  int counter = 0, want_pty = 0;
  const char *tty = NULL;
  size_t model_bytes = MODEL_RAM_MAX, arena_bytes = ARENA_MAX;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--ticks") == 0 && v != NULL) {
      if (strcmp(v, "counter") == 0) counter = 1;
      else if (strcmp(v, "clock") != 0) return usage("--ticks takes clock or counter");
      ++i;
    } else if (strcmp(a, "--model-ram") == 0 && v != NULL) {
      if (parse_size(v, MODEL_RAM_MAX, &model_bytes) != 0) return usage("--model-ram: 1 .. 33554432 bytes");
      ++i;
    } else if (strcmp(a, "--arena") == 0 && v != NULL) {
      if (parse_size(v, ARENA_MAX, &arena_bytes) != 0) return usage("--arena: 1 .. 8388608 bytes");
      ++i;
    } else if (strcmp(a, "--tty") == 0 && v != NULL) {
      tty = v;
      ++i;
    } else if (strcmp(a, "--pty") == 0) {
      want_pty = 1;
    } else {
      return usage("unknown or incomplete option");
    }
  }
  if (tty != NULL && want_pty) return usage("--tty and --pty exclude each other");
  if (tty != NULL) {
    int fd = open(tty, O_RDWR | O_NOCTTY);
    if (fd < 0 || make_raw(fd) != 0) {
      fprintf(stderr, "tg_virtual_board: cannot open %s raw: %s\n", tty, strerror(errno));
      return 66;
    }
    hl.in_fd = hl.out_fd = fd;
  } else if (want_pty) {
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    const char *name = m >= 0 && grantpt(m) == 0 && unlockpt(m) == 0 ? ptsname(m) : NULL;
    /* Our own handle on the slave keeps the line up between clients, and its termios
     * (raw: no echo, no CR/LF mapping) are what a client's bytes go through. */
    int s = name != NULL ? open(name, O_RDWR | O_NOCTTY) : -1;
    if (s < 0 || make_raw(s) != 0) {
      fprintf(stderr, "tg_virtual_board: cannot create a pseudo-terminal: %s\n", strerror(errno));
      return 71;
    }
    fprintf(stderr, "tg_virtual_board: serial on %s\n", name);
    hl.in_fd = hl.out_fd = m;
    hl.is_pty_master = 1;
  }

  tg_link link = {.user = &hl, .read = link_read, .write = link_write};
  tg_device_config cfg = {
      .board = "host",
#if defined(__x86_64__)
      .core = "x86_64",
#elif defined(__aarch64__)
      .core = "aarch64",
#else
      .core = "unknown",
#endif
      .float_abi = "hard",
      .tick_name = counter ? "counter" : "clock_gettime",
      .clock_hz = 0, /* unknown on the host */
      .tick_hz = 1000000u,
      .tick_source = counter ? TG_TICKS_HOST_COUNTER : TG_TICKS_HOST_CLOCK,
      .emulated = 1,
      .fpu = 1,
      .rx_buffer = 65536u,
      .now = counter ? now_counter : now_clock,
      .user = &hl,
      .model_ram = model_ram,
      .model_ram_bytes = model_bytes,
      .arena = arena,
      .arena_bytes = arena_bytes,
  };
  tg_proto_init(&proto, &link, &cfg);
  while (tg_proto_poll(&proto) == 0) {
  }
  return 0;
}
